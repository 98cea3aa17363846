#!/bin/bash
# t-async.sh - one pooled LDAP connection carries many searches at once:
# with -P 1, 20 lookups that arrive together are all sent on the one
# connection without waiting for each other's answers.
#
# How it is seen: the daemon's connection is opened (one lookup), then slapd
# is frozen (SIGSTOP), so nothing it is sent gets read. One session with a new
# recipient leaves its search in the kernel's receive queue of slapd's end of
# the connection (Recv-Q, from ss); 19 more sessions with recipients of the
# same length must make that queue exactly 20 times as long. A pool that holds
# its connection for a whole round trip leaves the 19 waiting for it, and the
# queue as long as one search. Then slapd is thawed and every session must
# get its answer (they are valid recipients).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

N=20

mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -e + \
	-T 1 -t 24 -P 1 --no-cache

# recvq: bytes slapd has not read on its connections from the daemon
recvq() {
	ss -Htn state established "( sport = :$MT_LDAP_PORT )" 2>/dev/null |
		awk '{ q += $1 } END { print q + 0 }'
}
# recvq_is N: the queue holds N bytes
recvq_is() { [ "$(recvq)" -eq "$1" ]; }
# recvq_above N: the queue holds more than N bytes
recvq_above() { [ "$(recvq)" -gt "$1" ]; }

# session I: one valid recipient of fixed length, in the background
PIDS=
session() {
	local i rcpt
	i=$(printf '%02d' "$1")
	rcpt="<bob+async-$i@example.com>"
	(
		miltertest -s "$MT_TESTDIR/one.lua" -D "sock=$MT_MILTER_SOCK" \
			-D "mtlib=$MT_TESTDIR/mtlib.lua" -D "rcpt=$rcpt" -D want=continue \
			-D timeout=30 -D "label=session $i" >"$MT_TMP/s$i.out" 2>&1
		echo $? >"$MT_TMP/s$i.rc"
	) &
	PIDS="$PIDS $!"
	mt_track_pid $!
}

mt_rcpt continue "<alice+warm@example.com>" ||
	mt_fatal "the first lookup (which opens the connection) failed"
mt_check "the daemon holds its one connection to slapd" \
	[ "$(mt_daemon_conns "$MT_LDAP_PORT")" -eq 1 ]

kill -STOP "$MT_SLAPD_PID"
session 1
mt_wait_for 10 recvq_above 0
sleep 0.5
one=$(recvq)
mt_say "one search waiting: $one bytes unread by slapd"
[ "$one" -gt 0 ] || mt_fatal "the first search never reached slapd's queue"
for ((i = 2; i <= N; i++)); do
	session "$i"
done
mt_wait_for 20 recvq_is $((N * one))
all=$(recvq)
mt_say "$N lookups waiting: $all bytes unread by slapd (one search: $one)"
mt_check "all $N searches are in flight on the one connection at once ($all = $N x $one bytes)" \
	[ "$all" -eq $((N * one)) ]
kill -CONT "$MT_SLAPD_PID"

# shellcheck disable=SC2086
wait $PIDS
bad=0
for ((i = 1; i <= N; i++)); do
	f=$MT_TMP/s$(printf '%02d' "$i")
	[ "$(cat "$f.rc" 2>/dev/null)" = 0 ] || { bad=$((bad + 1)); sed 's/^/    /' "$f.out"; }
done
mt_check "after the thaw every session got its 250 ($bad did not)" [ "$bad" -eq 0 ]

mt_stop_milter_bg
mt_finish
