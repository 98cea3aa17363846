#!/bin/bash
# t-cli.sh - the real binary's command line: exit statuses and messages of
# SPEC.md ("Bad values ... exit 64", "Configuration problems ... exit 78",
# "Socket cannot be opened: exit 69"), -V/-h, and the timeout-margin rule at
# its boundary, a --pidfile that is a symbolic link (exit 73).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require ss
mt_require_bin
mt_init
mt_start_slapd

# cli WANT_RC DESC FLAG_TEXT ARGS...: run the daemon in the foreground with
# ARGS; pass if it exits with WANT_RC (within 5 s) and, when FLAG_TEXT is not
# empty, its output names it.  Output is shown indented.
cli() {
	local want=$1 desc=$2 flag=$3 rc out
	shift 3
	out=$MT_TMP/cli.out
	timeout -s KILL 5 env --default-signal "$MT_BIN" "$@" >"$out" 2>&1
	rc=$?
	sed -n 's/^/    | /; 1,6p' "$out"
	if [ "$rc" -eq 137 ]; then
		mt_fail "$desc: still running after 5 s (killed); want exit $want"
		return
	fi
	if [ "$rc" -eq "$want" ]; then
		mt_pass "$desc: exit $rc"
	else
		sed -n 's/^/    | /; 7,40p' "$out"
		mt_fail "$desc: exit $rc, want $want"
	fi
	if [ -n "$flag" ]; then
		if grep -qF -- "$flag" "$out"; then
			mt_pass "$desc: message names $flag"
		else
			mt_fail "$desc: message does not name $flag"
		fi
	fi
}

PORT=$(mt_free_port)
SOCK=inet:$PORT@127.0.0.1
# shellcheck disable=SC2054 # the commas are part of the DN
BASE=(-f -p "$SOCK" -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com)

mt_say "== -V / -h"
cli 0 "-V" "" -V
mt_check "-V prints the version 0.1.0" grep -q '0\.1\.0' "$MT_TMP/cli.out"
cli 0 "--version" "" --version
cli 0 "-h" "" -h
mt_check "-h documents --delay" grep -q -- '--delay' "$MT_TMP/cli.out"
cli 0 "--help" "" --help

mt_say "== bad values: exit 64 (EX_USAGE), message names the flag"
cli 64 "-T abc" "-T/--delay" "${BASE[@]}" -T abc
mt_check "-T abc: message quotes the bad value" grep -q '"abc"' "$MT_TMP/cli.out"
cli 64 "-T 3601 (max 3600)" "-T/--delay" "${BASE[@]}" -T 3601
cli 64 "-T -1" "-T/--delay" "${BASE[@]}" -T -1
cli 64 "--delay=xyz" "-T/--delay" "${BASE[@]}" --delay=xyz
cli 64 "-t 0.05 (min 0.1)" "-t/--ldap-timeout" "${BASE[@]}" -t 0.05
cli 64 "-t 61 (max 60)" "-t/--ldap-timeout" "${BASE[@]}" -t 61
cli 64 "-P 0 (min 1)" "-P/--pool-size" "${BASE[@]}" -P 0
cli 64 "-P 65 (max 64)" "-P/--pool-size" "${BASE[@]}" -P 65
cli 64 "-M 0 (min 1)" "-M/--milter-timeout" "${BASE[@]}" -M 0
cli 64 "-s bogus" "-s/--scope" "${BASE[@]}" -s bogus
cli 64 "unknown option --bogus" "" "${BASE[@]}" --bogus

mt_say "== configuration problems: exit 78 (EX_CONFIG)"
cli 78 "no -d" "" -f -p "$SOCK" -H "$MT_LDAP_URI" -b dc=example,dc=com
cli 78 "no -b (and no BASE in ldap.conf: LDAPNOINIT)" "" -f -p "$SOCK" -H "$MT_LDAP_URI" -d example.com
cli 78 "-y names a missing file" "" "${BASE[@]}" -D cn=milter,dc=example,dc=com -y "$MT_TMP/no-such.pw"
printf 'milter-secret\n' >"$MT_TMP/unreadable.pw"
chmod 000 "$MT_TMP/unreadable.pw"
if [ "$(id -u)" -ne 0 ]; then
	cli 78 "-y names an unreadable file" "" "${BASE[@]}" -D cn=milter,dc=example,dc=com -y "$MT_TMP/unreadable.pw"
fi
# -D without -y: each is a valid option, the pair is incomplete: a
# configuration problem like missing -d/-b (78, as the man page says).
cli 78 "-D without -y" "-y/--password-file" "${BASE[@]}" -D cn=milter,dc=example,dc=com
cli 78 "timeout margin: -T 25.5 -t 0.5 -M 30 (25.5+0.5+5 > 30)" "" "${BASE[@]}" -T 25.5 -t 0.5 -M 30
mt_check "margin refusal says why (mentions the milter timeout)" \
	grep -qiE 'milter.?timeout|-M' "$MT_TMP/cli.out"
cli 78 "timeout margin with defaults: -T 25 (25+5+5 > 30)" "" "${BASE[@]}" -T 25

mt_say "== --pidfile at a symbolic link: refused, exit 73 (EX_CANTCREAT)"
# Root writes the pid file: a link planted there must not make it
# truncate and overwrite the file the link names.
printf 'keep me\n' >"$MT_TMP/victim"
ln -s "$MT_TMP/victim" "$MT_TMP/link.pid"
cli 73 "--pidfile names a symbolic link" "--pidfile: $MT_TMP/link.pid: is a symbolic link" \
	"${BASE[@]}" --allow-root --pidfile "$MT_TMP/link.pid"
mt_check "the file the link names is untouched" [ "$(cat "$MT_TMP/victim")" = "keep me" ]

mt_say "== the margin boundary: -T 20 -t 5 -M 30 (20+5+5 = 30) starts"
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T 20 -t 5 -M 30
mt_pass "daemon started with delay + ldap-timeout + 5 == milter-timeout"
mt_stop_milter
mt_check "and stopped cleanly (exit $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]

if [ "$(id -u)" -eq 0 ]; then
	mt_say "== root without -u or --allow-root is refused"
	cli 78 "running as root without -u/--allow-root" "" -f \
		-p "inet:$(mt_free_port)@127.0.0.1" -H "$MT_LDAP_URI" \
		-b dc=example,dc=com -d example.com
	mt_check "the refusal says what to do" grep -q -- '-u USER' "$MT_TMP/cli.out"
fi

mt_say "== socket cannot be opened: exit 69 (EX_UNAVAILABLE)"
cli 69 "unix socket in a missing directory" "" -f --allow-root -p "unix:$MT_TMP/no/such/dir/m.sock" \
	-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com
cli 69 "inet port already in use (slapd's)" "" -f --allow-root -p "inet:$MT_LDAP_PORT@127.0.0.1" \
	-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com

mt_say "== a unix socket works"
MT_UNIX_SOCK=$MT_TMP/m.sock
env --default-signal "$MT_BIN" -f --allow-root -p "unix:$MT_UNIX_SOCK" -H "$MT_LDAP_URI" \
	-b dc=example,dc=com -d example.com -T 1 >"$MT_TMP/unix.log" 2>&1 &
upid=$!
mt_track_pid "$upid"
if mt_wait_alive "$upid" 10 test -S "$MT_UNIX_SOCK"; then
	mt_pass "unix socket created"
	if command -v miltertest >/dev/null; then
		mt_check "valid recipient accepted over the unix socket" \
			miltertest -s "$MT_TESTDIR/one.lua" -D "sock=unix:$MT_UNIX_SOCK" \
			-D "mtlib=$MT_TESTDIR/mtlib.lua" -D "rcpt=<alice@example.com>" \
			-D want=continue -D max=0.5 -D label=unix
	fi
else
	mt_fail "unix socket $MT_UNIX_SOCK not created within 10 s"
	sed 's/^/    | /' "$MT_TMP/unix.log"
fi
kill -TERM "$upid" 2>/dev/null
mt_wait_for 10 mt_pid_gone "$upid"
wait "$upid"
rc=$?
mt_check "unix-socket daemon stopped cleanly (exit $rc)" [ "$rc" -eq 0 ]

mt_finish
