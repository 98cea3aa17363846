#!/bin/bash
# t-signals.sh - SIGTERM while a session sleeps in a 10 s tarpit: the sleeping
# session is woken and answered within a second of the signal, and the daemon
# exits cleanly (status 0, "stopping signal=TERM").  The exit itself waits for
# libmilter's listener, which looks at its stop flag every 5 s, so up to 6 s
# is allowed for it.  Also SIGINT on an idle daemon.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T 10 -t 2 -M 30

mt_say "== an anonymous session enters the 10 s tarpit"
out=$MT_TMP/sleeper.out
t_start=$(mt_now)
# miltertest's read timeout (default 10 s) must outlast the tarpit
# SIGTERM comes 1.5 s in: an answer by 3 s means it came within ~1 s of it.
mt_miltertest one.lua "rcpt=<nobody-sleeper@example.com>" want=answer \
	max=3 timeout=20 label=sleeper >"$out" 2>&1 &
sleeper=$!
mt_track_pid "$sleeper"
sleep 1.5
if kill -0 "$sleeper" 2>/dev/null; then
	mt_pass "the session is still waiting for its answer (in the tarpit) after 1.5 s"
else
	mt_fail "the session ended before SIGTERM: it was not tarpitted"
fi

mt_say "== SIGTERM"
pid=$MT_MILTER_PID
mt_stop_milter
mt_say "daemon pid $pid exited with status $MT_MILTER_RC after ${MT_MILTER_STOP_SECS}s"
mt_check "daemon exited within 6 s of SIGTERM (took ${MT_MILTER_STOP_SECS}s)" \
	mt_cmp "$MT_MILTER_STOP_SECS" "<=" 6
mt_check "daemon exit status 0 (clean stop), got $MT_MILTER_RC" [ "$MT_MILTER_RC" -eq 0 ]

wait "$sleeper"
src=$?
cat "$out"
mt_check "the sleeping session got an answer (miltertest status $src)" [ "$src" -eq 0 ]
mt_say "session answer: $(grep -o -- '-> [A-Z]*' "$out" | head -n 1) after $(mt_elapsed "$t_start")s"
mt_check "the session was answered well before its 10 s tarpit ran out" \
	mt_cmp "$(mt_elapsed "$t_start")" "<" 8
mt_expect_log "stopping line" stopping signal=TERM
line=$(mt_log_line "rcpt=<nobody-sleeper@example.com>")
if [ -n "$line" ]; then
	mt_pass "log: the interrupted session has its decision line: ${line#*]: }"
else
	mt_fail "log: no decision line for the interrupted session"
fi
if grep -q 'stopping signal=TERM' "$MT_MILTER_LOG" && [ -n "$line" ]; then
	# the answer must not be a silent accept of an unknown recipient
	mt_check "log: the interrupted session was not accepted" \
		[ -z "$(mt_log_line "rcpt=<nobody-sleeper@example.com>" action=accept)" ]
fi

mt_say "== SIGINT on an idle daemon"
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T 1
# mt_stop_milter would send SIGTERM to a daemon still running: wait here
pid=$MT_MILTER_PID
t0=$(mt_now)
kill -INT "$pid"
mt_wait_for 10 mt_pid_gone "$pid"
secs=$(mt_elapsed "$t0")
mt_check "daemon exited within 6 s of SIGINT (took ${secs}s)" mt_cmp "$secs" "<=" 6
if mt_pid_gone "$pid"; then
	wait "$pid"
	rc=$?
	MT_MILTER_PID=
	mt_check "exit status 0 after SIGINT, got $rc" [ "$rc" -eq 0 ]
	mt_expect_log "stopping line after SIGINT" stopping signal=INT
else
	mt_fail "daemon still running 10 s after SIGINT"
fi
mt_finish
