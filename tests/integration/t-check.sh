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
# socket behind.
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
	timeout -s KILL 10 env --default-signal "$MT_BIN" -n "$@" </dev/null >"$OUT" 2>&1
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

mt_finish
