#!/bin/bash
# t-check.sh - check mode (-n): "ok: ..." and "problem: ..." lines, then
# "N problems found"; exit 0 when there is none, 78 otherwise.  Each kind of
# mistake is made alone on an otherwise correct configuration and must be
# reported: the timeout margin, -D without -y, a password file that is
# missing, unreadable or readable by everyone, a missing socket directory, a
# unix socket path a live process listens on, an inet port in use, an
# unreachable directory, a wrong bind password, a search base that does not
# exist, a --users file with a bad line; several mistakes at once are all
# reported.  A fully correct configuration passes, and the check leaves no
# socket behind.  With postconf, a private Postfix configuration directory
# (--postfix-dir) is changed one parameter at a time (postconf -c DIR -e)
# and each mismatch with the daemon's options must be a problem line naming
# the main.cf line to write; a matching configuration has no problem.  The
# cases above run with --postfix-dir none, so the system's Postfix (if any)
# plays no part in them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require ss
mt_require_bin
mt_init
mt_start_slapd

OUT=$MT_TMP/check.out
GOODPW=$MT_TMP/good.pw
printf 'milter-secret\n' >"$GOODPW"
chmod 600 "$GOODPW"
BINDDN=cn=milter,dc=example,dc=com
mkdir -p "$MT_TMP/run"
SOCK=unix:$MT_TMP/run/milter.sock

# The correct configuration; each case below changes one thing.  -u or
# --allow-root: as root, the daemon refuses to start without one of them.
if [ "$(id -u)" -eq 0 ]; then USERARG=(-u nobody:nogroup); else USERARG=(); fi
# shellcheck disable=SC2054 # the commas are part of the DNs
GOOD=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2
	-D "$BINDDN" -y "$GOODPW" "${USERARG[@]}")

# chk WANT_RC DESC ARGS...: run "$MT_BIN -n ARGS" (within 10 s), output to
# $OUT, shown indented.  Checks: the exit status, the last line is
# "N problem(s) found" with N the number of "problem:" lines, and N = 0 for
# exit 0, N > 0 for exit 78.
chk() {
	local want=$1 desc=$2 rc n last
	shift 2
	C_DESC=$desc
	timeout -s KILL 10 env --default-signal "$MT_BIN" -n --postfix-dir none "$@" \
		</dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/    | /' "$OUT"
	case $rc in
	"$want") mt_pass "$desc: exit $rc" ;;
	137) mt_fail "$desc: still running after 10 s (killed); want exit $want" ;;
	*) mt_fail "$desc: exit $rc, want $want$([ "$rc" -gt 128 ] && echo " (killed by signal $((rc - 128)))")" ;;
	esac
	n=$(grep -c '^problem: ' "$OUT")
	last=$(tail -n 1 "$OUT")
	if printf '%s\n' "$last" | grep -Eqx "$n problems? found"; then
		mt_pass "$desc: last line '$last' counts the $n problem: line(s)"
	elif printf '%s\n' "$last" | grep -Eqx "[0-9]+ problems? found"; then
		mt_fail "$desc: last line '$last', but there are $n problem: lines"
	else
		mt_fail "$desc: no final 'N problems found' line (last line: '$last')"
	fi
	if [ "$want" -eq 0 ]; then
		mt_check "$desc: no problem: line" [ "$n" -eq 0 ]
	else
		mt_check "$desc: at least one problem: line" [ "$n" -ge 1 ]
	fi
}

# problem DESC ERE: some "problem:" line of the last check matches ERE
# (case-insensitive).
problem() {
	if grep '^problem: ' "$OUT" | grep -Eqi -- "$2"; then
		mt_pass "$C_DESC: problem: line $1"
	else
		mt_fail "$C_DESC: no problem: line $1 (/$2/)"
	fi
}

# says DESC ERE: the output of the last check matches ERE somewhere.
says() {
	if grep -Eqi -- "$2" "$OUT"; then
		mt_pass "$C_DESC: output $1"
	else
		mt_fail "$C_DESC: output does not say $1 (/$2/)"
	fi
}

# only_problems N: exactly N problem: lines (the one mistake made, no echo
# of it elsewhere).
only_problems() {
	local n
	n=$(grep -c '^problem: ' "$OUT")
	if [ "$n" -eq "$1" ]; then
		mt_pass "$C_DESC: exactly $1 problem: line(s)"
	else
		mt_fail "$C_DESC: $n problem: lines, want $1"
	fi
}

re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

mt_say "== a fully correct configuration"
chk 0 "correct, unix socket" "${GOOD[@]}" -p "$SOCK"
says "an ok: line for the options" '^ok: .*option'
says "an ok: line for the password file" "^ok: .*$(re_quote "$GOODPW")"
says "an ok: line for the socket" "^ok: .*$(re_quote "$SOCK")"
says "an ok: line for the directory" '^ok: .*director'
mt_check "the check created no socket file" [ ! -e "$MT_TMP/run/milter.sock" ]
P=$(mt_free_port)
chk 0 "correct, inet socket" "${GOOD[@]}" -p "inet:$P@127.0.0.1"
# shellcheck disable=SC2317 # called through mt_check
not_listening() { ! mt_port_listening "$1"; }
mt_check "nothing listens on port $P afterwards" not_listening "$P"
chk 0 "correct, anonymous bind" -H "$MT_LDAP_URI" -b dc=example,dc=com \
	-d example.com -t 2 "${USERARG[@]}" -p "$SOCK"
cat >"$MT_TMP/users.good" <<'EOF'
# a good users file
alice@example.com
@catchall.example.org
EOF
chk 0 "correct, --users file" --users "$MT_TMP/users.good" -d example.com \
	"${USERARG[@]}" -p "$SOCK"

mt_say "== the timeout margin"
chk 78 "-T 26 (26 + 2 + 5 > 30)" "${GOOD[@]}" -p "$SOCK" -T 26
says "why (the milter timeout)" 'milter.?timeout|-M'
chk 78 "-T 20 -t 5 -M 29 (20 + 5 + 5 > 29)" "${GOOD[@]}" -p "$SOCK" -T 20 -t 5 -M 29
chk 0 "-T 20 -t 5 -M 30 (the boundary: fits)" "${GOOD[@]}" -p "$SOCK" -T 20 -t 5 -M 30

mt_say "== bind options and the password file"
# shellcheck disable=SC2054 # the commas are part of the DN
NOBIND=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 "${USERARG[@]}" -p "$SOCK")
chk 78 "-D without -y" "${NOBIND[@]}" -D "$BINDDN"
says "that -D needs -y" '-y|password.file'
chk 78 "-y names a missing file" "${NOBIND[@]}" -D "$BINDDN" -y "$MT_TMP/no-such.pw"
problem "about the password file" 'password'
says "the file's name" "$(re_quote "$MT_TMP/no-such.pw")"
cp "$GOODPW" "$MT_TMP/world.pw"
chmod 644 "$MT_TMP/world.pw"
chk 78 "password file mode 644 (readable by everyone)" "${NOBIND[@]}" -D "$BINDDN" -y "$MT_TMP/world.pw"
problem "about the password file's mode" 'password file.*(everyone|world|others|mode|readable)'
only_problems 1
chmod 640 "$MT_TMP/world.pw"
chk 0 "the same file, mode 640" "${NOBIND[@]}" -D "$BINDDN" -y "$MT_TMP/world.pw"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	# root reads any file: the unreadable case is run as nobody, on a
	# root-owned mode-600 file (the socket is an inet one nobody may bind).
	cp "$GOODPW" "$MT_TMP/root-only.pw"
	chmod 600 "$MT_TMP/root-only.pw"
	P=$(mt_free_port)
	C_DESC="password file unreadable (mode 600 root, check run as nobody)"
	timeout -s KILL 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$MT_BIN" -n -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 \
		-p "inet:$P@127.0.0.1" -D "$BINDDN" -y "$MT_TMP/root-only.pw" \
		</dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/    | /' "$OUT"
	mt_check "$C_DESC: exit $rc, want 78" [ "$rc" -eq 78 ]
	problem "about the password file" 'password'
	says "why (permission denied)" 'permission denied'
	mt_check "$C_DESC: last line counts the problems" \
		grep -Eqx "$(grep -c '^problem: ' "$OUT") problems? found" <(tail -n 1 "$OUT")
fi

mt_say "== the socket"
chk 78 "socket directory missing" "${GOOD[@]}" -p "unix:$MT_TMP/no/such/dir/m.sock"
problem "naming the directory" "$(re_quote "$MT_TMP/no/such/dir")"
only_problems 1
# slapd's ldapi socket: a live listener on a unix path.
chk 78 "unix socket path with a live listener (slapd's ldapi)" "${GOOD[@]}" -p "unix:$MT_LDAPI_PATH"
problem "naming the path" "$(re_quote "$MT_LDAPI_PATH")"
only_problems 1
mt_check "the live socket is still there" [ -S "$MT_LDAPI_PATH" ]
mt_check "slapd still answers on it" ldapsearch -x -LLL -o nettimeout=2 -H "$MT_LDAPI_URI" \
	-b dc=example,dc=com -s base '(dc=example)' dn
: >"$MT_TMP/run/plain-file"
chk 78 "socket path is a regular file" "${GOOD[@]}" -p "unix:$MT_TMP/run/plain-file"
problem "naming the path" "$(re_quote "$MT_TMP/run/plain-file")"
# A stale socket (its process died) is no problem: the daemon removes it.
STALE=$MT_TMP/run/stale.sock
env --default-signal "$MT_BIN" -f --allow-root -p "unix:$STALE" -H "$MT_LDAP_URI" \
	-b dc=example,dc=com -d example.com -T 1 >"$MT_TMP/stale.log" 2>&1 &
spid=$!
mt_track_pid "$spid"
if mt_wait_alive "$spid" 10 test -S "$STALE"; then
	kill -KILL "$spid"
	wait "$spid" 2>/dev/null
	chk 0 "stale unix socket (its daemon was SIGKILLed)" "${GOOD[@]}" -p "unix:$STALE"
else
	kill -KILL "$spid" 2>/dev/null
	mt_fail "could not make a stale socket: the daemon did not create $STALE"
	sed 's/^/    | /' "$MT_TMP/stale.log"
fi
chk 78 "inet port in use (slapd's)" "${GOOD[@]}" -p "inet:$MT_LDAP_PORT@127.0.0.1"
problem "naming the port" "$MT_LDAP_PORT"
only_problems 1

mt_say "== the directory"
DEAD=$(mt_free_port)
t0=$(mt_now)
# shellcheck disable=SC2054 # the commas are part of the DN
chk 78 "directory unreachable (nothing on port $DEAD)" -H "ldap://127.0.0.1:$DEAD" \
	-b dc=example,dc=com -d example.com -t 2 -D "$BINDDN" -y "$GOODPW" \
	"${USERARG[@]}" -p "$SOCK"
secs=$(mt_elapsed "$t0")
problem "naming the server" "127\.0\.0\.1:$DEAD"
only_problems 1
mt_check "unreachable: answered in ${secs}s (< 5 s)" mt_cmp "$secs" "<" 5
printf 'wrong-secret\n' >"$MT_TMP/wrong.pw"
chmod 600 "$MT_TMP/wrong.pw"
chk 78 "wrong bind password" "${NOBIND[@]}" -D "$BINDDN" -y "$MT_TMP/wrong.pw"
problem "invalid credentials" 'invalid credentials'
only_problems 1
chk 78 "search base dc=nosuch,dc=com does not exist" -H "$MT_LDAP_URI" \
	-b dc=nosuch,dc=com -d example.com -t 2 -D "$BINDDN" -y "$GOODPW" \
	"${USERARG[@]}" -p "$SOCK"
problem "about the base" 'base|no such object'
only_problems 1
chk 78 "search base ou=nosuch,dc=example,dc=com does not exist" -H "$MT_LDAP_URI" \
	-b ou=nosuch,dc=example,dc=com -d example.com -t 2 "${USERARG[@]}" -p "$SOCK"
problem "about the base" 'base|no such object'
cat >"$MT_TMP/users.bad" <<'EOF'
# a users file with a bad line 3
alice@example.com
this is not an address
bob@example.com
EOF
chk 78 "--users file with a bad line" --users "$MT_TMP/users.bad" -d example.com \
	"${USERARG[@]}" -p "$SOCK"
problem "naming FILE:3" "$(re_quote "$MT_TMP/users.bad"):3"
only_problems 1
chk 78 "--users file missing" --users "$MT_TMP/no-such-users" -d example.com \
	"${USERARG[@]}" -p "$SOCK"
problem "naming the file" "$(re_quote "$MT_TMP/no-such-users")"

mt_say "== several mistakes at once: every one reported"
chk 78 "margin + missing socket dir + unreachable directory" -H "ldap://127.0.0.1:$DEAD" \
	-b dc=example,dc=com -d example.com -t 2 -T 28 "${USERARG[@]}" \
	-p "unix:$MT_TMP/no/such/dir/m.sock"
only_problems 3
problem "for the socket directory" "$(re_quote "$MT_TMP/no/such/dir")"
problem "for the directory" "127\.0\.0\.1:$DEAD"
says "the margin" 'milter.?timeout|-M'
mt_check "last line: 3 problems found" grep -qx '3 problems found' <(tail -n 1 "$OUT")
printf 'wrong-secret\n' >"$MT_TMP/world-wrong.pw"
chmod 644 "$MT_TMP/world-wrong.pw"
chk 78 "wrong password in a world-readable file + port in use" -H "$MT_LDAP_URI" \
	-b dc=example,dc=com -d example.com -t 2 "${USERARG[@]}" \
	-D "$BINDDN" -y "$MT_TMP/world-wrong.pw" -p "inet:$MT_LDAP_PORT@127.0.0.1"
only_problems 3
problem "invalid credentials" 'invalid credentials'
problem "the port" "$MT_LDAP_PORT"
problem "the password file's mode" 'password file.*(everyone|world|others|mode|readable)'

mt_say "== mistakes that make the daemon refuse to start"
# The daemon exits at start on each of these, so a check that passes them
# would be wrong.
chk 78 "-u nosuchuser" -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 \
	-u nosuchuser-mt -p "$SOCK"
problem "naming the user" 'nosuchuser-mt'
chk 78 "--socket-group nosuchgroup" "${GOOD[@]}" -p "$SOCK" --socket-group nosuchgroup-mt
problem "naming the group" 'nosuchgroup-mt'
if [ "$(id -u)" -eq 0 ]; then
	chk 78 "as root, without -u or --allow-root" -H "$MT_LDAP_URI" -b dc=example,dc=com \
		-d example.com -t 2 -p "$SOCK"
	problem "about running as root" 'root'
fi

mt_say "== Postfix's configuration"
if ! command -v postconf >/dev/null 2>&1; then
	if [ "${MT_STRICT_SKIP:-0}" = 1 ]; then
		mt_fail "postconf (Debian package postfix) is missing: the Postfix checks did not run"
	else
		mt_say "SKIPPED: the Postfix checks (no postconf; Debian package postfix)"
	fi
	mt_finish
fi
PF=$MT_TMP/pf
Q=$PF/queue
mkdir -p "$Q/milter"
# A configuration that fits the daemon's options in PFGOOD: smtpd chrooted
# (Debian's master.cf), so the socket lives below the queue directory and
# smtpd_milters names it from inside the chroot.
pf_clean() {
	cat >"$PF/main.cf" <<-EOF
		compatibility_level = 3.6
		queue_directory = $Q
		myhostname = mx.example.com
		mydomain = example.com
		mydestination =
		relay_domains = example.com
		allow_percent_hack = no
		swap_bangpath = no
		disable_vrfy_command = yes
		smtpd_milters = unix:/milter/milter.sock
		milter_default_action = tempfail
		milter_command_timeout = 30s
	EOF
	cat >"$PF/master.cf" <<-EOF
		smtp      inet  n       -       y       -       -       smtpd
		pickup    unix  n       -       y       60      1       pickup
	EOF
}
# pf_set NAME=VALUE...: the clean configuration with these changes.
pf_set() {
	local kv
	pf_clean
	for kv in "$@"; do
		postconf -c "$PF" -e "$kv" || mt_fatal "postconf -c $PF -e '$kv' failed"
	done
}
PFGOOD=("${GOOD[@]}" -p "unix:$Q/milter/milter.sock" --postfix-dir "$PF"
	--percent-hack no --swap-bangpath no --check-address alice@example.com)

pf_set
chk 0 "Postfix: a configuration that fits" "${PFGOOD[@]}"
says "an ok: line for the milter socket" '^ok: smtpd_milters names the daemon.s socket as unix:/milter/milter\.sock'
says "an ok: line for --check-address" '^ok: --check-address alice@example\.com: found'

pf_set allow_percent_hack=yes
chk 78 "allow_percent_hack = yes, --percent-hack no" "${PFGOOD[@]}"
problem "naming the mismatch and the main.cf line" 'allow_percent_hack = yes but --percent-hack no.*main\.cf: allow_percent_hack = no'
only_problems 1
pf_set swap_bangpath=yes
chk 78 "swap_bangpath = yes, --swap-bangpath no" "${PFGOOD[@]}"
problem "naming the mismatch and the main.cf line" 'swap_bangpath = yes but --swap-bangpath no.*main\.cf: swap_bangpath = no'
only_problems 1
pf_set allow_percent_hack=yes swap_bangpath=yes
chk 0 "Postfix's defaults for both, and the daemon's" "${PFGOOD[@]}" --percent-hack yes --swap-bangpath yes
says "a note with allow_percent_hack = no" '^note: allow_percent_hack = yes .*allow_percent_hack = no'
says "a note with swap_bangpath = no" '^note: swap_bangpath = yes .*swap_bangpath = no'

pf_set disable_vrfy_command=no
chk 78 "disable_vrfy_command = no (local_recipient_maps is Postfix's default)" "${PFGOOD[@]}"
problem "about VRFY, with the main.cf line" 'disable_vrfy_command = no while Postfix checks recipients.*main\.cf: disable_vrfy_command = yes'
only_problems 1

pf_set "relay_domains = example.com, example.org"
chk 78 "relay_domains has example.org, -d example.com" "${PFGOOD[@]}"
problem "naming example.org, -d and the main.cf line" 'example\.org \(relay_domains\).*add -d example\.org.*main\.cf: relay_domains = example\.com$'
only_problems 1
pf_set myhostname=mx.example.net 'mydestination = $myhostname'
chk 78 "mydestination = \$myhostname (mx.example.net)" "${PFGOOD[@]}"
problem "naming the expanded mx.example.net" 'mx\.example\.net \(mydestination\).*add -d mx\.example\.net'
only_problems 1
pf_set 'mydestination = $myhostname'
chk 0 "mydestination = \$myhostname (mx.example.com, a subdomain of -d)" "${PFGOOD[@]}"
pf_set
chk 78 "--subdomains no, relay_domains in parent_domain_matches_subdomains" "${PFGOOD[@]}" --subdomains no
problem "about the subdomains, with the main.cf line" 'subdomains of example\.com.*--subdomains yes.*main\.cf: parent_domain_matches_subdomains = [a-z_, ]+$'
only_problems 1
pf_set "parent_domain_matches_subdomains = mynetworks"
chk 0 "--subdomains no, relay_domains not in parent_domain_matches_subdomains" "${PFGOOD[@]}" --subdomains no

pf_set recipient_delimiter=+
chk 78 "recipient_delimiter = +, no -e" "${PFGOOD[@]}"
problem "with -e + and the main.cf line" 'recipient_delimiter = \+ but -e is not given.*give -e \+.*main\.cf: recipient_delimiter =$'
only_problems 1
chk 0 "recipient_delimiter = +, -e +" "${PFGOOD[@]}" -e +

pf_set milter_command_timeout=20s
chk 78 "milter_command_timeout = 20s, -M 30" "${PFGOOD[@]}"
problem "with -M and the main.cf line" 'milter_command_timeout = 20s but -M 30.*give -M 20.*main\.cf: milter_command_timeout = 30s'
only_problems 1
pf_set "smtpd_milters = { unix:/milter/milter.sock, command_timeout=25s }"
chk 78 "command_timeout=25s in the smtpd_milters entry, -M 30" "${PFGOOD[@]}"
problem "naming the entry's command_timeout" 'command_timeout in smtpd_milters = 25s but -M 30'

pf_set milter_default_action=accept
chk 0 "milter_default_action = accept (a note)" "${PFGOOD[@]}"
says "a note that tempfail is safer" '^note: milter_default_action = accept.*milter_default_action = tempfail'
pf_set milter_default_action=reject
chk 78 "milter_default_action = reject" "${PFGOOD[@]}"
problem "with the main.cf line" 'milter_default_action = reject.*main\.cf: milter_default_action = tempfail'
only_problems 1

pf_set "smtpd_milters = inet:127.0.0.1:9999"
chk 78 "smtpd_milters names another milter" "${PFGOOD[@]}"
problem "with the main.cf line naming our socket" 'does not name the daemon.s socket.*main\.cf: smtpd_milters = inet:127\.0\.0\.1:9999, unix:/milter/milter\.sock$'
only_problems 1
pf_set "smtpd_milters = unix:$Q/milter/milter.sock"
chk 78 "smtpd_milters names the socket's real path, smtpd chrooted" "${PFGOOD[@]}"
problem "with the path as the chroot sees it, in place of the other" "does not name the daemon.s socket.*chrooted.*main\\.cf: smtpd_milters = unix:/milter/milter\\.sock\$"
only_problems 1
pf_set "smtpd_milters = unix:$MT_TMP/run/milter.sock"
chk 78 "-p outside the queue directory, smtpd chrooted" "${PFGOOD[@]}" -p "$SOCK"
problem "naming queue_directory and the chroot" "outside queue_directory $(re_quote "$Q").*chroot"
only_problems 1
postconf -c "$PF" -F -e 'smtp/inet/chroot = n' || mt_fatal "postconf -F failed"
chk 0 "-p outside the queue directory, smtpd not chrooted" "${PFGOOD[@]}" -p "$SOCK"
P=$(mt_free_port)
pf_set "smtpd_milters = inet:127.0.0.1:$P"
chk 0 "inet: inet:$P@127.0.0.1 is Postfix's inet:127.0.0.1:$P" "${PFGOOD[@]}" -p "inet:$P@127.0.0.1"

mt_say "== the directory's users, the daemon's files"
pf_set
chk 78 "--check-address: none of two found" "${GOOD[@]}" -p "$SOCK" \
	--check-address nobody@example.com --check-address nemo@example.com
problem "that none was found" 'none of the 2 --check-address'
only_problems 1
chk 0 "--check-address: one of two found" "${GOOD[@]}" -p "$SOCK" \
	--check-address nobody@example.com --check-address bob@example.com
chk 78 "--stats-file in a missing directory" "${GOOD[@]}" -p "$SOCK" --stats-file "$MT_TMP/nodir/mt.prom"
problem "naming the directory" "--stats-file .*$(re_quote "$MT_TMP/nodir") does not exist"
only_problems 1
chk 78 "--state-file in a missing directory" "${GOOD[@]}" -p "$SOCK" --state-file "$MT_TMP/nodir/mt.state"
problem "naming the directory" "--state-file .*$(re_quote "$MT_TMP/nodir") does not exist"
only_problems 1

mt_say "== Postfix that cannot be read, or is not there"
chk 78 "--postfix-dir names a directory without main.cf" "${GOOD[@]}" -p "$SOCK" --postfix-dir "$MT_TMP/nosuch"
problem "naming the failure" "Postfix not checked: .*$(re_quote "$MT_TMP/nosuch")/main\.cf"
only_problems 1
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
	# postconf hidden by an empty directory mounted over /usr/sbin (and
	# /sbin) in a private mount namespace: no postconf anywhere.
	mkdir -p "$MT_TMP/empty"
	C_DESC="no postconf"
	PATH=/usr/bin:/bin timeout -s KILL 10 unshare -m sh -c '
		mount --bind "$1" /usr/sbin && { [ -L /sbin ] || mount --bind "$1" /sbin; } &&
		shift && exec "$@"' sh "$MT_TMP/empty" "$MT_BIN" -n "${GOOD[@]}" -p "$SOCK" \
		</dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/    | /' "$OUT"
	mt_check "$C_DESC: exit $rc, want 0" [ "$rc" -eq 0 ]
	mt_check "$C_DESC: one note: line says Postfix was not checked" \
		[ "$(grep -c '^note: Postfix not checked' "$OUT")" -eq 1 ]
fi

mt_finish
