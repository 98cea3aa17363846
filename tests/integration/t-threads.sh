#!/bin/bash
# t-threads.sh - threads: libmilter runs each MTA connection in a thread.
#   - --thread-stack 64: every thread gets a 64 KiB stack (/proc/PID/maps),
#     and sessions asleep in the tarpit still answer right;
#   - thread creation failing (RLIMIT_NPROC for the -u user, which applies
#     once root is dropped): a connection that gets no thread is closed (the
#     MTA applies milter_default_action: no 5xx, no mail lost), the daemon
#     logs each failure, keeps serving the sessions it has, logs the
#     recovery, and serves new sessions when the pressure ends.
# The limit counts every process and thread of the user, so the test runs
# the daemon as a user of its own (created here if missing), not as nobody
# (which other tests and Postfix's helpers may use at the same time).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require miltertest prlimit useradd setpriv python3
mt_require_bin
mt_init

TUSER=mt-threads
if ! id -u "$TUSER" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --user-group "$TUSER" 2>/dev/null ||
		id -u "$TUSER" >/dev/null 2>&1 || mt_skip "cannot create user $TUSER"
	mt_say "created system user $TUSER (for RLIMIT_NPROC)"
fi

printf 'alice@example.com\n' >"$MT_TMP/users"
chmod 644 "$MT_TMP/users"
chmod 755 "$MT_TMP"
ARGS=(--users "$MT_TMP/users" -d example.com -T 2)

# one RCPT [want] [extra -D args...]: one session through one.lua
one() {
	local rcpt=$1 want=${2:-answer}
	shift 2
	miltertest -s "$MT_TESTDIR/one.lua" -D "sock=$MT_MILTER_SOCK" \
		-D "mtlib=$MT_TESTDIR/mtlib.lua" -D "rcpt=$rcpt" -D "want=$want" \
		-D timeout=10 "$@"
}

# stacks PID KB: how many mappings of exactly KB KiB sit right above a
# guard page (PROT_NONE): glibc's thread stacks.
stacks() {
	python3 - "$1" "$2" <<'EOF'
import sys
pid, kb = sys.argv[1], int(sys.argv[2])
prev_end, prev_guard, n = None, False, 0
for line in open("/proc/%s/maps" % pid):
    f = line.split()
    a, b = (int(x, 16) for x in f[0].split("-"))
    if prev_guard and prev_end == a and f[1].startswith("rw") \
            and b - a == kb * 1024 and len(f) < 6:
        n += 1
    prev_end, prev_guard = b, f[1] == "---p"
print(n)
EOF
}

threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

mt_say "== --thread-stack 64"
mt_start_milter "${ARGS[@]}" --thread-stack 64
base=$(threads "$MT_MILTER_PID")
pids=()
for i in 1 2 3; do
	one "<stack$i@example.com>" reject -D min=1.9 >"$MT_TMP/stack.$i.out" 2>&1 &
	pids+=($!)
done
# two idle workers take two sessions; the third needs a new thread
mt_wait_for 5 eval '[ "$(threads "$MT_MILTER_PID")" -gt $base ]'
sleep 0.5
nt=$(threads "$MT_MILTER_PID")
ns=$(stacks "$MT_MILTER_PID" 64)
mt_say "while 3 sessions sleep: $nt threads, $ns stacks of 64 KiB"
# (glibc keeps the stacks of threads gone for reuse: there may be more)
if grep -q 'thread-stack=64k not applied' "$MT_MILTER_LOG"; then
	# a ThreadSanitizer build: its static TLS does not fit in 64 KiB
	mt_say "NOTE: stack size not checked: $(grep -o 'thread-stack=.*' "$MT_MILTER_LOG")"
else
	mt_check "every thread but the main one has a 64 KiB stack ($ns for $((nt - 1)))" \
		[ "$ns" -ge $((nt - 1)) ]
fi
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
mt_check "3 tarpitted sessions with 64 KiB stacks answered 550 after the delay ($ok)" [ "$ok" -eq 3 ]
mt_check "alice -> continue" one "<alice@example.com>" continue
mt_stop_milter

mt_say "== thread creation failing (RLIMIT_NPROC for $TUSER)"
# libmilter (with its pool of workers) keeps two idle workers; a session
# asleep in the tarpit holds one, and a session with a command to run when
# none is idle needs a new thread.  The limit is the idle daemon's threads
# plus two, and two "hog" processes of the same user take those two: the
# pressure, which ends when they are killed.
MT_MILTER_USER_ARGS="-u $TUSER" mt_start_milter "${ARGS[@]}"
base=$(threads "$MT_MILTER_PID")
mt_stop_milter
limit=$((base + 2))
mt_say "idle daemon: $base threads; RLIMIT_NPROC $limit"
MT_MILTER_USER_ARGS="-u $TUSER" MT_WRAPPER="prlimit --nproc=$limit:$limit ${MT_WRAPPER:-}" \
	mt_start_milter "${ARGS[@]}"
hogs=()
for i in 1 2; do
	setpriv --reuid="$TUSER" --regid="$TUSER" --clear-groups sleep 120 &
	hogs+=($!)
	mt_track_pid "$!"
done
pids=()
for i in 1 2; do
	one "<sleeper$i@example.com>" reject -D min=1.9 >"$MT_TMP/sleep.$i.out" 2>&1 &
	pids+=($!)
done
sleep 1	# both asleep (-T 2)
mt_say "two sessions asleep: $(threads "$MT_MILTER_PID") threads, 2 hogs"
# A third session finds no idle worker, and no thread can start for it.
one "<third@example.com>" answer -D timeout=3 >"$MT_TMP/third.out" 2>&1
rc=$?
sed 's/^/    /' "$MT_TMP/third.out" | head -n 3
mt_check "third session: no answer (the MTA's milter timeout would apply) rc=$rc" \
	eval '[ "$rc" -ne 0 ] && ! grep -q "^ok" "$MT_TMP/third.out"'
# libmilter neither answers nor closes that session: its socket stays
# with the daemon (shown, not checked: it is libmilter's behaviour).
mt_say "daemon's sockets in CLOSE-WAIT: $(ss -Htnp state close-wait 2>/dev/null | grep -c "pid=$MT_MILTER_PID,")"
mt_check "log: the failure, with the reason" \
	grep -q 'cannot start a thread: Resource temporarily unavailable (1 in a row)' "$MT_MILTER_LOG"
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
mt_check "the two sessions asleep answered 550 after the delay ($ok of 2)" [ "$ok" -eq 2 ]
mt_check "daemon alive" kill -0 "$MT_MILTER_PID"
mt_check "no decision, so no 5xx, for the session that got no thread" \
	eval '! mt_has_log "rcpt=<third@example.com>"'

mt_say "== pressure over (hogs gone): three sessions asleep at once"
kill "${hogs[@]}" 2>/dev/null
wait "${hogs[@]}" 2>/dev/null
# tasks of the user: the daemon's threads only, once the hogs are gone
tasks() { ps -L -o lwp= -u "$TUSER" 2>/dev/null | wc -l; }
mt_wait_for 5 eval '[ "$(tasks)" -le "$(threads "$MT_MILTER_PID")" ]'
mt_say "tasks of $TUSER: $(tasks); daemon threads: $(threads "$MT_MILTER_PID"); limit $limit"
# One at a time: two take the idle workers, the third needs a new thread.
# (Sessions that become ready together may share an idle worker instead:
# libmilter then runs the next one only when a worker is free.)
pids=()
for i in 1 2 3; do
	one "<again$i@example.com>" reject -D min=1.9 >"$MT_TMP/again.$i.out" 2>&1 &
	pids+=($!)
	sleep 0.4
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
mt_check "three sessions asleep at once answered 550 after the delay ($ok of 3)" [ "$ok" -eq 3 ]
mt_check "log: the recovery" grep -q 'threads start again after 1 failure$' "$MT_MILTER_LOG"
mt_check "alice -> continue" one "<alice@example.com>" continue
mt_stop_milter
mt_check "daemon exited 0 on SIGTERM (rc=$MT_MILTER_RC)" [ "$MT_MILTER_RC" = 0 ]

mt_finish
