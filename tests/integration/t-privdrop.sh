#!/bin/bash
# t-privdrop.sh - started as root with -u nobody:nogroup, the daemon:
#   - is nobody/nogroup in every uid and gid (real, effective, saved, fs),
#     in every thread, with no supplementary group 0 and no capabilities
#     left (CapEff, CapPrm, CapAmb all zero): it cannot regain root;
#   - still answers lookups against slapd (accept, reject, tarpit);
#   - writes --pidfile with its pid;
#   - gives a unix: socket the --socket-mode and --socket-group asked for,
#     and a member of that group can talk to it;
#   - refuses -u with an unknown user or group: non-zero exit, a message.
# (Root without -u and without --allow-root is in t-cli.sh.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require miltertest ss stat
mt_require_bin
mt_init
mt_start_slapd

NOBODY_UID=$(id -u nobody 2>/dev/null) || mt_skip "no user nobody"
NOGROUP_GID=$(getent group nogroup | cut -d: -f3)
[ -n "$NOGROUP_GID" ] || mt_skip "no group nogroup"
DELAY=1
# shellcheck disable=SC2054 # the commas are part of the DN
LDAP=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T "$DELAY" -t 2)

# status_line PID KEY: the values of KEY: in /proc/PID/status (tabs -> spaces).
status_line() {
	sed -n "s/^$2:[[:blank:]]*//p" "/proc/$1/status" | tr -s '\t ' '  ' | sed 's/ *$//'
}

# check_creds DESC STATUS_DIR: one check per line of one /proc status.
check_creds() {
	local desc=$1 pid=$2 v
	v=$(status_line "$pid" Uid)
	mt_check "$desc: Uid: $v (real, effective, saved, fs all $NOBODY_UID)" \
		[ "$v" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ]
	v=$(status_line "$pid" Gid)
	mt_check "$desc: Gid: $v (all $NOGROUP_GID)" \
		[ "$v" = "$NOGROUP_GID $NOGROUP_GID $NOGROUP_GID $NOGROUP_GID" ]
	v=$(status_line "$pid" Groups)
	if printf ' %s ' "$v" | grep -q ' 0 '; then
		mt_fail "$desc: Groups: '$v' contains 0 (root)"
	else
		mt_pass "$desc: Groups: '$v' (no 0)"
	fi
	v=$(status_line "$pid" CapEff)
	mt_check "$desc: CapEff: $v (none)" [ "$v" = 0000000000000000 ]
	v=$(status_line "$pid" CapPrm)
	mt_check "$desc: CapPrm: $v (none to take back)" [ "$v" = 0000000000000000 ]
	v=$(status_line "$pid" CapAmb)
	mt_check "$desc: CapAmb: $v (none)" [ "$v" = 0000000000000000 ]
}

# every_thread DESC: the same credentials in every thread of the daemon.
every_thread() {
	local t bad='' n=0 want_u="$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	local want_g="$NOGROUP_GID $NOGROUP_GID $NOGROUP_GID $NOGROUP_GID"
	for t in /proc/"$MT_MILTER_PID"/task/*; do
		[ -r "$t/status" ] || continue
		n=$((n + 1))
		local tid=${t##*/}
		[ "$(status_line "$MT_MILTER_PID/task/$tid" Uid)" = "$want_u" ] || bad="$bad $tid:uid"
		[ "$(status_line "$MT_MILTER_PID/task/$tid" Gid)" = "$want_g" ] || bad="$bad $tid:gid"
		[ "$(status_line "$MT_MILTER_PID/task/$tid" CapEff)" = 0000000000000000 ] || bad="$bad $tid:caps"
	done
	if [ -z "$bad" ] && [ "$n" -ge 1 ]; then
		mt_pass "$1: all $n threads are nobody/nogroup without capabilities"
	else
		mt_fail "$1: threads still privileged ($n seen):$bad"
	fi
}

mt_say "== -u nobody:nogroup --pidfile"
mkdir -p "$MT_TMP/run"
PIDFILE=$MT_TMP/run/milter-tarpit.pid
MT_MILTER_USER_ARGS="-u nobody:nogroup" mt_start_milter "${LDAP[@]}" --pidfile "$PIDFILE"
# The socket listens before the drop: wait for the "starting" line, which
# is logged once the drop is done.
mt_check "log: starting line (after the drop)" mt_wait_alive "$MT_MILTER_PID" 5 mt_has_log starting
check_creds "after the drop" "$MT_MILTER_PID"
every_thread "after the drop"

mt_check "--pidfile $PIDFILE exists" [ -s "$PIDFILE" ]
got=$(tr -d '\n' <"$PIDFILE" 2>/dev/null)
mt_check "--pidfile holds the daemon's pid ($got = $MT_MILTER_PID)" [ "$got" = "$MT_MILTER_PID" ]
mt_check "--pidfile: one line, the pid and a newline" \
	[ "$(cat "$PIDFILE" 2>/dev/null)" = "$MT_MILTER_PID" ]

mt_say "== lookups still work as nobody"
mt_check "valid recipient accepted" \
	mt_rcpt continue "<alice@example.com>" max=1 label=dropped
mt_check "unknown, authenticated: rejected at once" \
	mt_rcpt reject "<nobody-auth@example.com>" auth=alice@example.com max=1 label=dropped
mt_check "unknown, anonymous: rejected after the tarpit" \
	mt_rcpt reject "<nobody@example.com>" "min=$DELAY" "max=$((DELAY + 2))" label=dropped
mt_check "slapd was asked for (mail=alice@example.com)" \
	[ "$(mt_slapd_searches "(mail=alice@example.com)")" -ge 1 ]
check_creds "after lookups" "$MT_MILTER_PID"
every_thread "after lookups"
mt_check "the daemon is still running" kill -0 "$MT_MILTER_PID"
mt_stop_milter_bg

mt_say "== unix socket: --socket-mode 0660 --socket-group nogroup"
S=$MT_TMP/run/milter.sock
env --default-signal "$MT_BIN" -f -u nobody:nogroup -p "unix:$S" --socket-mode 0660 \
	--socket-group nogroup "${LDAP[@]}" >"$MT_TMP/unix.log" 2>&1 &
upid=$!
mt_track_pid "$upid"
if mt_wait_alive "$upid" 10 grep -q ' starting ' "$MT_TMP/unix.log"; then
	mt_pass "daemon with a unix socket started"
	mt_check "the socket exists" [ -S "$S" ]
	v=$(stat -c '%a' "$S")
	mt_check "socket mode $v, want 660" [ "$v" = 660 ]
	v=$(stat -c '%G' "$S")
	mt_check "socket group $v, want nogroup" [ "$v" = nogroup ]
	v=$(stat -c '%U' "$S")
	mt_check "socket owner $v, want nobody (the -u user)" [ "$v" = nobody ]
	# Connect as nobody:nogroup (no capabilities): the group bits must do.
	mt_check "a member of nogroup talks to it (miltertest as nobody:nogroup)" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		miltertest -s "$MT_TESTDIR/one.lua" -D "sock=unix:$S" \
		-D "mtlib=$MT_TESTDIR/mtlib.lua" -D "rcpt=<alice@example.com>" \
		-D want=continue -D max=1 -D label=unix
	check_creds "unix-socket daemon" "$upid"
else
	mt_fail "daemon with a unix socket did not start"
	sed 's/^/    | /' "$MT_TMP/unix.log"
fi
kill -TERM "$upid" 2>/dev/null
MT_BG_STOPS="$MT_BG_STOPS $upid"

S2=$MT_TMP/run/milter600.sock
env --default-signal "$MT_BIN" -f -u nobody:nogroup -p "unix:$S2" --socket-mode 0600 \
	"${LDAP[@]}" >"$MT_TMP/unix2.log" 2>&1 &
upid2=$!
mt_track_pid "$upid2"
if mt_wait_alive "$upid2" 10 grep -q ' starting ' "$MT_TMP/unix2.log"; then
	v=$(stat -c '%a' "$S2")
	mt_check "--socket-mode 0600: socket mode $v, want 600" [ "$v" = 600 ]
else
	mt_fail "daemon with --socket-mode 0600 did not start"
	sed 's/^/    | /' "$MT_TMP/unix2.log"
fi
kill -TERM "$upid2" 2>/dev/null
MT_BG_STOPS="$MT_BG_STOPS $upid2"

mt_say "== -u with an unknown user or group"
# shellcheck disable=SC2317 # called through mt_check
not_listening() { ! mt_port_listening "$1"; }

# bad_user DESC -u-ARG NAME: exits non-zero within 10 s, the message names
# NAME, and nothing is left listening on the port.
bad_user() {
	local desc=$1 arg=$2 name=$3 port rc
	port=$(mt_free_port)
	timeout -s KILL 10 env --default-signal "$MT_BIN" -f -u "$arg" \
		-p "inet:$port@127.0.0.1" "${LDAP[@]}" </dev/null >"$MT_TMP/bad.out" 2>&1
	rc=$?
	sed 's/^/    | /' "$MT_TMP/bad.out"
	if [ "$rc" -eq 137 ]; then
		mt_fail "$desc: still running after 10 s (killed)"
	elif [ "$rc" -ne 0 ]; then
		mt_pass "$desc: exit $rc (non-zero)"
	else
		mt_fail "$desc: exit 0"
	fi
	mt_check "$desc: the message names $name" grep -qF -- "$name" "$MT_TMP/bad.out"
	mt_check "$desc: nothing left listening on $port" not_listening "$port"
}
bad_user "-u nosuchuser" nosuchuser-mt nosuchuser-mt
bad_user "-u nobody:nosuchgroup" nobody:nosuchgroup-mt nosuchgroup-mt

mt_say "== detached (no -f): the pid file names the dropped daemon"
DPIDFILE=$MT_TMP/run/detached.pid
port=$(mt_free_port)
timeout -s KILL 10 env --default-signal "$MT_BIN" -u nobody:nogroup --pidfile "$DPIDFILE" \
	-p "inet:$port@127.0.0.1" "${LDAP[@]}" </dev/null >"$MT_TMP/detached.out" 2>&1
rc=$?
sed 's/^/    | /' "$MT_TMP/detached.out"
mt_check "detached start: the command exits 0 (exit $rc)" [ "$rc" -eq 0 ]
mt_wait_for 5 test -s "$DPIDFILE"
dpid=$(tr -d '\n' <"$DPIDFILE" 2>/dev/null)
if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
	mt_track_pid "$dpid"
	mt_pass "detached: the pid file names a live process ($dpid)"
	mt_check "detached: that process is milter-tarpit" \
		[ "$(readlink "/proc/$dpid/exe")" = "$(readlink -f "$MT_BIN")" ]
	mt_check "detached: it listens on $port" mt_wait_alive "$dpid" 5 mt_port_listening "$port"
	check_creds "detached daemon" "$dpid"
	kill -TERM "$dpid" 2>/dev/null
	MT_BG_STOPS="$MT_BG_STOPS $dpid"
else
	mt_fail "detached: the pid file ('$dpid') names no live process"
fi

mt_say "== detached (no -f) with -u nosuchuser"
# Started the usual way (detached, as from an init script), the refusal
# must still reach the caller: a non-zero exit and a message on stderr.
BPIDFILE=$MT_TMP/run/bad.pid
port=$(mt_free_port)
timeout -s KILL 10 env --default-signal "$MT_BIN" -u nosuchuser-mt --pidfile "$BPIDFILE" \
	-p "inet:$port@127.0.0.1" "${LDAP[@]}" </dev/null >"$MT_TMP/bad.out" 2>&1
rc=$?
sed 's/^/    | /' "$MT_TMP/bad.out"
sleep 0.5
bpid=$(tr -d '\n' <"$BPIDFILE" 2>/dev/null)
[ -n "$bpid" ] && kill -0 "$bpid" 2>/dev/null && mt_track_pid "$bpid"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 137 ]; then
	mt_pass "detached -u nosuchuser: exit $rc (non-zero)"
else
	mt_fail "detached -u nosuchuser: exit $rc, want non-zero"
fi
mt_check "detached -u nosuchuser: stderr names nosuchuser-mt" grep -qF nosuchuser-mt "$MT_TMP/bad.out"
mt_check "detached -u nosuchuser: nothing left listening on $port" not_listening "$port"
if [ -e "$BPIDFILE" ]; then
	mt_fail "detached -u nosuchuser: a pid file was left behind (pid '$bpid', state: $(sed -n 's/^State:[[:blank:]]*//p' "/proc/$bpid/status" 2>/dev/null || echo gone))"
else
	mt_pass "detached -u nosuchuser: no pid file left behind"
fi

mt_finish
