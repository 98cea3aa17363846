#!/bin/bash
# tests/bench/scenario3.sh - benchmark scenario 3: the tarpit at scale.
# BENCH_HOLD sessions (10,000) each send one unknown recipient and wait in
# the tarpit (a BENCH_DELAY s delay; an answered session reconnects at once,
# so the number asleep stays up), while a second mtload, the probe, sends
# valid recipients and measures their latency (ramp, 2 s, then 1 + BENCH_SECS
# s of probe: all before the first sleepers wake).  The same probe runs first
# on the idle daemon.  Reported: the daemon's RSS (VmRSS, VmHWM), threads,
# its LDAP connections (sampled all along; never above the pool size), the
# sessions asleep, and the probe's latency idle and under the tarpit load.
# Harvest defence caps off (every session is one anonymous client each).
#
# Environment (defaults; BENCH_QUICK=1 makes everything small):
#   BENCH_HOLD=10000    sessions asleep at once (quick: 1000)
#   BENCH_DELAY=30      tarpit delay, s (quick: 10); -M is set to fit it
#   BENCH_SECS=10       measured seconds of each probe run (quick: 3)
#   BENCH_USERS=10000   users in the directory (quick: 2000)
#   BENCH_POOL=4        -P, LDAP connections
#   BENCH_PROBE_RATE=100  probe sessions per second (10 recipients each)
#   BENCH_PROBE_CONC=20   probe sessions open at most
#   BENCH_RAMP=1000     held sessions opened per second
#   BENCH_DAEMON_ARGS   more daemon options (e.g. --thread-stack 64)
#   BENCH_OUT           directory for the summary lines (make bench sets it)
: "${MT_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/integration/lib.sh
. "$MT_SRCDIR/tests/integration/lib.sh"
# shellcheck source=tests/bench/benchlib.sh
. "$MT_SRCDIR/tests/bench/benchlib.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_HOLD:=1000}" "${BENCH_DELAY:=10}" "${BENCH_SECS:=3}"
	: "${BENCH_USERS:=2000}"
fi
: "${BENCH_HOLD:=10000}" "${BENCH_DELAY:=30}" "${BENCH_SECS:=10}"
: "${BENCH_USERS:=10000}" "${BENCH_POOL:=4}" "${BENCH_PROBE_RATE:=100}"
: "${BENCH_PROBE_CONC:=20}" "${BENCH_RAMP:=1000}" "${BENCH_DAEMON_ARGS:=}"
: "${BENCH_OUT:=}"

mt_require_root
mt_require ss
mt_require_bin
bench_require_tools
mt_init
# Both the daemon and mtload hold one socket per session.
ulimit -n $((BENCH_HOLD + 8192)) || mt_fatal "cannot raise ulimit -n to $((BENCH_HOLD + 8192))"

echo "== scenario 3: $BENCH_HOLD sessions asleep in a ${BENCH_DELAY} s tarpit"
bench_machine
bench_start_slapd "$BENCH_USERS"
# shellcheck disable=SC2086 # word splitting wanted
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$BENCH_DELAY" -M "$(awk -v d="$BENCH_DELAY" 'BEGIN { print d + 10 }')" \
	-t 5 -P "$BENCH_POOL" $BENCH_DAEMON_ARGS
grep ' starting ' "$MT_MILTER_LOG" | sed 's/^[^ ]* /daemon: /'

# probe NAME: the valid-recipient client for BENCH_SECS (after 1 s not
# measured); prints its figures, leaves the summary line in PROBE_SUM.
probe() {
	local out=$MT_TMP/probe-$1.out
	"$MTLOAD" -p "$MT_MILTER_SOCK" -c "$BENCH_PROBE_CONC" \
		--connect-rate "$BENCH_PROBE_RATE" -r 10 --repeat 1000 \
		--range "$BENCH_USERS" --client 10.2.0.0/16 -w 1 -d "$BENCH_SECS" \
		--expect valid=accept >"$out" 2>&1
	sed 's/^/  /' "$out"
	PROBE_SUM=$(bench_summary "$out")
	[ -n "$BENCH_OUT" ] && [ -n "$PROBE_SUM" ] &&
		echo "scenario3 probe=$1 $PROBE_SUM" >>"$BENCH_OUT/scenario3.summary"
}

# snapshot NAME: the daemon's memory, threads and sessions now, in SNAP_NAME.
SNAP_idle='' SNAP_held='' SNAP_after=''
snapshot() {
	local rss hwm thr sess
	rss=$(bench_proc "$MT_MILTER_PID" VmRSS)
	hwm=$(bench_proc "$MT_MILTER_PID" VmHWM)
	thr=$(bench_proc "$MT_MILTER_PID" Threads)
	sess=$(ss -Htn state established "( sport = :$MT_MILTER_PORT )" | wc -l)
	printf -v "SNAP_$1" '%s' "rss_kb=$rss hwm_kb=$hwm threads=$thr sessions=$sess"
	mt_say "$1: VmRSS $((rss / 1024)) MB, VmHWM $((hwm / 1024)) MB, $thr threads, $sess milter sessions"
}

# The LDAP connections, sampled every 0.2 s until the stop file exists.
SAMPLES=$MT_TMP/ldap-conns
(
	while [ ! -e "$SAMPLES.stop" ]; do
		mt_daemon_conns "$MT_LDAP_PORT" >>"$SAMPLES"
		sleep 0.2
	done
) &
SAMPLER=$!
mt_track_pid "$SAMPLER"

mt_say "== probe on the idle daemon"
snapshot idle
probe idle
IDLE_SUM=$PROBE_SUM

mt_say "== $BENCH_HOLD sessions into the tarpit, $BENCH_RAMP a second"
STATUS=$MT_TMP/hold.status
cpu0=$(bench_cpu "$MT_MILTER_PID")
t0=$(mt_now)
"$MTLOAD" -p "$MT_MILTER_SOCK" --hold -c "$BENCH_HOLD" --connect-rate "$BENCH_RAMP" --opening 2000 \
	--client 10.1.0.0/16 -d 3600 --timeout "$((${BENCH_DELAY%.*} + 60))" \
	--status-file "$STATUS" >"$MT_TMP/hold.out" 2>&1 &
HOLDER=$!
mt_track_pid "$HOLDER"
field_of() { awk -v k="$1=" '{ for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$STATUS" 2>/dev/null; }
asleep() { field_of waiting_rcpt; }
# shellcheck disable=SC2317 # called through mt_wait_alive
all_started() { [ "$(field_of started)" -ge "$BENCH_HOLD" ] 2>/dev/null; }
ramp=$(awk -v n="$BENCH_HOLD" -v r="$BENCH_RAMP" 'BEGIN { printf "%d", n / r + 30 }')
mt_wait_alive "$HOLDER" "$ramp" all_started ||
	mt_say "the holder did not open $BENCH_HOLD sessions in $ramp s"
# A moment for the last ones to reach the tarpit; the probe must end
# before the first sleepers wake (then they reconnect, and the level dips).
sleep 2
mt_say "$(asleep) of $BENCH_HOLD sessions asleep after $(mt_elapsed "$t0") s"
ASLEEP_START=$(asleep)
snapshot held
mt_say "== probe while they sleep"
probe held
HELD_SUM=$PROBE_SUM
snapshot after
ASLEEP_END=$(asleep)
cpu1=$(bench_cpu "$MT_MILTER_PID")
secs=$(mt_elapsed "$t0")
kill -TERM "$HOLDER"
wait "$HOLDER"
bench_untrack "$HOLDER"
sed 's/^/  holder: /' "$MT_TMP/hold.out"
touch "$SAMPLES.stop"
wait "$SAMPLER"
bench_untrack "$SAMPLER"
LDAP_MAX=$(sort -n "$SAMPLES" | tail -n 1)
LDAP_DIST=$(sort -n "$SAMPLES" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
thread_fail=$(grep -c 'cannot start a thread' "$MT_MILTER_LOG")

f() { bench_field "$1" "$2"; }
echo
echo "== scenario 3 results ($BENCH_HOLD held, delay ${BENCH_DELAY} s, pool $BENCH_POOL)"
printf '%-26s %12s %12s %12s\n' "" idle "asleep" "after probe"
printf '%-26s %12s %12s %12s\n' "sessions asleep (mtload)" 0 "$ASLEEP_START" "$ASLEEP_END"
for k in rss_kb hwm_kb threads sessions; do
	printf '%-26s %12s %12s %12s\n' "daemon $k" "$(f "$SNAP_idle" $k)" \
		"$(f "$SNAP_held" $k)" "$(f "$SNAP_after" $k)"
done
printf '%-26s %12s %12s\n' "" idle "asleep"
for k in rate accept_p50 accept_p90 accept_p99 accept_max errors unexpected; do
	printf '%-26s %12s %12s\n' "probe $k" "$(f "$IDLE_SUM" $k)" "$(f "$HELD_SUM" $k)"
done
echo "LDAP connections: max $LDAP_MAX (pool $BENCH_POOL); samples (connections:count) $LDAP_DIST"
echo "daemon CPU while holding: $(awk -v a="$cpu0" -v b="$cpu1" -v s="$secs" 'BEGIN { printf "%.1f s in %.0f s", b - a, s }')"
echo "thread creation failures logged: $thread_fail"
echo "RSS per held session: $(awk -v a="$(f "$SNAP_idle" rss_kb)" -v b="$(f "$SNAP_after" rss_kb)" -v n="${ASLEEP_END:-0}" 'BEGIN { if (n > 0) printf "%.1f kB", (b - a) / n; else print "-" }')"
echo "p99 held/idle: $(awk -v a="$(f "$IDLE_SUM" accept_p99)" -v b="$(f "$HELD_SUM" accept_p99)" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')"
echo "targets: $BENCH_HOLD asleep in < 256 MB RSS; probe p99 within 2x of idle;" \
	"LDAP connections never above the pool size"
[ -n "$BENCH_OUT" ] && echo "scenario3 hold=$BENCH_HOLD delay=$BENCH_DELAY asleep=$ASLEEP_END $SNAP_after ldap_max=$LDAP_MAX pool=$BENCH_POOL" \
	>>"$BENCH_OUT/scenario3.summary"
mt_stop_milter
exit 0
