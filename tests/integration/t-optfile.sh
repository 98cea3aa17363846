#!/bin/bash
# t-optfile.sh - options files (-c FILE / --config FILE): one
# "long-option-name value" a line, values in "..." or '...', # comments
# (a whole line, or after white space), options without a value alone or
# with yes/no, CRLF line ends.  The command line wins: a scalar given there
# beats the file's, whichever comes first; -d and -H given there replace the
# file's lists (repeating them in the file adds, as on the command line).
# Mistakes exit 78 with FILE:LINE: in the message, every bad line reported:
# an unknown option, a missing value, a bad value, unbalanced quotes, a
# flag with neither yes nor no; an unreadable file exits 78.
# Precedence is seen through query mode's output and through the
# "starting ..." log line of a started daemon.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require ss
mt_require_bin
mt_init
mt_start_slapd

OUT=$MT_TMP/out
F=$MT_TMP/milter-tarpit.conf
DEAD=$(mt_free_port)
DEAD_URI=ldap://127.0.0.1:$DEAD
U=nobody@example.com

# run WANT_RC DESC ARGS...: run "$MT_BIN ARGS" (within 10 s), output to
# $OUT (shown indented); one check for the exit status.
run() {
	local want=$1 desc=$2 rc
	shift 2
	R_DESC=$desc
	timeout -s KILL 10 env --default-signal "$MT_BIN" "$@" </dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/    | /' "$OUT"
	case $rc in
	"$want") mt_pass "$desc: exit $rc" ;;
	137) mt_fail "$desc: still running after 10 s (killed); want exit $want" ;;
	*) mt_fail "$desc: exit $rc, want $want" ;;
	esac
}

# field KEY: the value of the "KEY:" line of the last query.
field() { sed -n "s/^$1:[[:blank:]]*//p" "$OUT" | head -n 1; }

# want KEY VALUE: the KEY line of the last query is exactly VALUE.
want() {
	local got
	got=$(field "$1")
	if [ "$got" = "$2" ]; then
		mt_pass "$R_DESC: $1: $2"
	else
		mt_fail "$R_DESC: $1: '$got', want '$2'"
	fi
}

# says DESC FIXED_STRING: the output of the last run contains it.
says() {
	if grep -qF -- "$2" "$OUT"; then
		mt_pass "$R_DESC: output $1"
	else
		mt_fail "$R_DESC: output does not $1 ('$2')"
	fi
}

# silent_about DESC FIXED_STRING: the output does not contain it.
silent_about() {
	if grep -qF -- "$2" "$OUT"; then
		mt_fail "$R_DESC: output should not $1: $(grep -F -- "$2" "$OUT" | head -n 1)"
	else
		mt_pass "$R_DESC: output does not $1"
	fi
}

mt_say "== a complete configuration in the file"
cat >"$F" <<EOF
# milter-tarpit options for t-optfile.sh
uri $MT_LDAP_URI
base "dc=example,dc=com"
domain example.com
  # an indented comment line

	delay 7   # seven seconds (a comment after white space)
ldap-timeout '2'
reject-text "No such mailbox, sorry"
EOF
run 0 "file only: a valid address" -c "$F" -q alice@example.com
want action accept
want filter "(mail=alice@example.com)"
run 1 "file only: an unknown address" -c "$F" -q "$U"
want delay "7.000 s"
want reply "550 5.1.1 <$U>: No such mailbox, sorry"
run 1 "--config=FILE form" "--config=$F" -q "$U"
want delay "7.000 s"
run 1 "--config FILE form" --config "$F" -q "$U"
want delay "7.000 s"

mt_say "== comments, quotes, CRLF"
cat >"$F" <<EOF
uri $MT_LDAP_URI
base dc=example,dc=com
domain example.com
ldap-timeout 2
reject-text No#1 user here
EOF
run 1 "'#' not after white space is part of the value" -c "$F" -q "$U" -T 0
want reply "550 5.1.1 <$U>: No#1 user here"
cat >"$F" <<EOF
uri $MT_LDAP_URI
base dc=example,dc=com
domain example.com
ldap-timeout 2
reject-text 'Single quoted text'
EOF
run 1 "single quotes" -c "$F" -q "$U" -T 0
want reply "550 5.1.1 <$U>: Single quoted text"
printf 'uri %s\r\nbase dc=example,dc=com\r\ndomain example.com\r\nldap-timeout 2\r\ndelay 6\r\n# a comment\r\n\r\n' \
	"$MT_LDAP_URI" >"$F"
run 1 "CRLF line ends" -c "$F" -q "$U"
want delay "6.000 s"
run 0 "CRLF line ends: valid address" -c "$F" -q alice@example.com

mt_say "== options without a value: alone, yes, no"
base_file() {
	cat <<-EOF
		uri $MT_LDAP_URI
		base dc=example,dc=com
		domain example.com
		ldap-timeout 2
	EOF
}
{ base_file; echo "no-cache"; } >"$F"
run 0 "no-cache alone" -c "$F" -q alice@example.com
want cache off
{ base_file; echo "no-cache yes"; } >"$F"
run 0 "no-cache yes" -c "$F" -q alice@example.com
want cache off
{ base_file; echo "no-cache no"; } >"$F"
run 0 "no-cache no" -c "$F" -q alice@example.com
want cache miss

mt_say "== the command line wins (scalars)"
{ base_file; echo "delay 7"; echo 'reject-text "From the file"'; } >"$F"
run 1 "-c FILE -T 3: the command line's delay" -c "$F" -T 3 -q "$U"
want delay "3.000 s"
run 1 "-T 3 -c FILE (command line first): still the command line's delay" -T 3 -c "$F" -q "$U"
want delay "3.000 s"
run 1 "-R on the command line beats reject-text" -c "$F" -R "From the command line" -q "$U"
want reply "550 5.1.1 <$U>: From the command line"
{ base_file; echo "base dc=nosuch,dc=com"; } >"$F"
run 0 "-b on the command line beats the file's (wrong) base" -c "$F" -b dc=example,dc=com -q alice@example.com
want action accept
run 2 "control: the file's wrong base alone" -c "$F" -q alice@example.com

mt_say "== lists: the command line replaces, the file adds"
cat >"$F" <<EOF
uri $MT_LDAP_URI
base dc=example,dc=com
domain example.org
ldap-timeout 2
EOF
run 1 "-d example.com replaces the file's example.org: example.com looked up" \
	-c "$F" -d example.com -T 0 -q "$U"
want filter "(mail=$U)"
run 0 "-d example.com replaces the file's example.org: example.org not local" \
	-c "$F" -d example.com -q x@example.org
want lookup none
run 0 "-d a -d b on the command line: both, the file's neither" \
	-c "$F" -d example.com -d example.net -q x@example.org
want lookup none
run 1 "-d a -d b on the command line: the second one is local" \
	-c "$F" -d example.com -d example.net -T 0 -q x@example.net
want filter "(mail=x@example.net)"
cat >"$F" <<EOF
uri $DEAD_URI
base dc=example,dc=com
domain example.com
ldap-timeout 2
EOF
run 0 "-H good replaces the file's dead URI" -c "$F" -H "$MT_LDAP_URI" -q alice@example.com
cat >"$F" <<EOF
uri $MT_LDAP_URI
base dc=example,dc=com
domain example.com
ldap-timeout 2
EOF
run 2 "-H dead replaces the file's good URI (no failover to the file's)" \
	-c "$F" -H "$DEAD_URI" -q alice@example.com
cat >"$F" <<EOF
uri $MT_LDAP_URI
base dc=example,dc=com
domain example.com
domain example.org
ldap-timeout 2
EOF
run 1 "two domain lines in the file: the first is local" -c "$F" -T 0 -q "$U"
want filter "(mail=$U)"
run 1 "two domain lines in the file: the second is local" -c "$F" -T 0 -q x@example.org
want filter "(mail=x@example.org)"
cat >"$F" <<EOF
uri $MT_LDAP_URI
uri $DEAD_URI
base dc=example,dc=com
domain example.com
ldap-timeout 2
EOF
run 0 "two uri lines in the file (good, then dead): the good one is kept" \
	-c "$F" -q alice@example.com

mt_say "== getopt forms of -c"
{ base_file; echo "delay 7"; } >"$F"
run 1 "-vc FILE (clustered with -v)" -vc "$F" -q "$U"
want delay "7.000 s"

mt_say "== mistakes: exit 78, FILE:LINE:, every bad line"
# bad_file DESC LINE_NO TEXT FIXED...: the file is base_file plus TEXT as
# line 5; exit 78, the message has FILE:5: and each FIXED string.
bad_file() {
	local desc=$1 text=$2
	shift 2
	{ base_file; printf '%s\n' "$text"; } >"$F"
	run 78 "$desc" -c "$F" -q alice@example.com
	says "name $F:5:" "$F:5:"
	local s
	for s in "$@"; do says "mention '$s'" "$s"; done
}
bad_file "unknown option" "bogus-option 1" bogus-option
bad_file "missing value" "base"
bad_file "bad value: delay abc" "delay abc" '"abc"'
bad_file "bad value: ldap-timeout 99" "ldap-timeout 99" '99'
bad_file "unbalanced double quote" 'reject-text "No such user' reject-text
bad_file "unbalanced single quote" "reject-text 'No such user" reject-text
bad_file "mismatched quotes" "reject-text \"No such user'" reject-text
bad_file "flag with a value other than yes/no" "no-cache maybe" no-cache

cat >"$F" <<EOF
# line 1
bogus-one 1
uri $MT_LDAP_URI
delay abc
base
domain example.com
reject-text "unbalanced
ldap-timeout 2
no-cache perhaps
bogus-two
EOF
run 78 "six bad lines in one file" -c "$F" -q alice@example.com
for n in 2 4 5 7 9 10; do says "name $F:$n:" "$F:$n:"; done
for n in 1 3 6 8; do silent_about "name the good line $F:$n:" "$F:$n:"; done
says "mention bogus-one" bogus-one
says "mention bogus-two" bogus-two
# shellcheck disable=SC2317 # called through mt_check
no_action_line() { ! grep -q '^action:' "$OUT"; }
mt_check "$R_DESC: no query output after the refusal" no_action_line

mt_say "== unreadable options file: exit 78"
run 78 "missing file" -c "$MT_TMP/no-such.conf" -H "$MT_LDAP_URI" -b dc=example,dc=com \
	-d example.com -q alice@example.com
says "name the file" "$MT_TMP/no-such.conf"
mkdir -p "$MT_TMP/a-directory"
run 78 "a directory as the options file" -c "$MT_TMP/a-directory" -H "$MT_LDAP_URI" \
	-b dc=example,dc=com -d example.com -q alice@example.com
says "name it" "$MT_TMP/a-directory"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	base_file >"$F"
	chmod 600 "$F"
	R_DESC="mode 600 root-owned file, read as nobody"
	timeout -s KILL 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$MT_BIN" -c "$F" -q alice@example.com </dev/null >"$OUT" 2>&1
	rc=$?
	sed 's/^/    | /' "$OUT"
	mt_check "$R_DESC: exit $rc, want 78" [ "$rc" -eq 78 ]
	says "name the file" "$F"
	says "say why" "Permission denied"
	chmod 644 "$F"
fi

mt_say "== a started daemon: the starting line"
cat >"$F" <<EOF
# the file's values; the command line overrides some
uri $DEAD_URI
base dc=nosuch,dc=com
domain example.org
delay 4
ldap-timeout 3
pool-size 2
socket unix:$MT_TMP/from-the-file.sock
milter-timeout 40
EOF
# -p inet:... from mt_start_milter must beat the file's socket line, or the
# start fails (it waits for the inet port).
mt_start_milter -c "$F" -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T 2
line=$(mt_log_line starting)
mt_say "starting line: ${line#*]: }"
chk_field() { # KEY VALUE
	local got
	got=$(mt_log_field "$line" "$1")
	if [ "$got" = "$2" ]; then
		mt_pass "starting line: $1=$2"
	else
		mt_fail "starting line: $1='$got', want '$2'"
	fi
}
chk_field uri "$MT_LDAP_URI"
chk_field base dc=example,dc=com
chk_field domains 1
chk_field delay 2
chk_field ldap_timeout 3
chk_field pool 2
chk_field milter_timeout 40
chk_field socket "$MT_MILTER_SOCK"
mt_check "the file's socket was not created" [ ! -e "$MT_TMP/from-the-file.sock" ]
if command -v miltertest >/dev/null 2>&1; then
	mt_check "the daemon answers: valid recipient accepted" \
		mt_rcpt continue "<alice@example.com>" max=1 label=optfile
	mt_check "the daemon answers: example.org (file only) is not local" \
		mt_rcpt continue "<x@example.org>" max=1 label=optfile
fi
mt_stop_milter_bg

if [ "$(id -u)" -eq 0 ]; then
	mt_say "== allow-root from the file (no --allow-root on the command line)"
	{ base_file; echo "allow-root"; } >"$F"
	MT_MILTER_USER_ARGS=-f mt_start_milter -c "$F"
	mt_pass "started as root with allow-root in the file"
	mt_stop_milter_bg
	{ base_file; echo "allow-root no"; } >"$F"
	run 78 "allow-root no: refused as root" -f -c "$F" -p "inet:$(mt_free_port)@127.0.0.1"
	says "say why" "root"
fi

mt_finish
