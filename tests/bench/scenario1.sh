#!/bin/bash
# tests/bench/scenario1.sh - benchmark scenario 1: the daemon alone, driven
# over the milter protocol by mtload, valid recipients only, at 1, 20 and
# 200 concurrent sessions, in three cache states:
#   warm     the cache answers: addresses drawn from a small set
#            (BENCH_REPEAT), after a warm-up that is not measured;
#   cold     every address once, from a fresh daemon: each decision is
#            an LDAP search (all BENCH_USERS users, then the run ends);
#   nocache  --no-cache, addresses from the small set: a search each time;
#   rawldap  (not by default) no daemon: tests/bench/ldapload's searches
#            straight to slapd, each address once, the ceiling of "cold".
# Figures: decisions per second, RCPT latency p50/p90/p99/max, and the CPU
# the daemon and slapd used per decision.  Nothing here asserts a speed.
#
# Environment (defaults; BENCH_QUICK=1 makes everything small):
#   BENCH_USERS=50000   users in the directory (quick: 5000)
#   BENCH_SECS=10       measured seconds of a warm or nocache run (quick: 2)
#   BENCH_WARMUP=2      unmeasured seconds before them (quick: 0.5)
#   BENCH_CONC="1 20 200"  concurrent sessions
#   BENCH_RCPTS=10      recipients per session
#   BENCH_REPEAT=1000   size of the address set of warm and nocache runs
#   BENCH_MODES="warm cold nocache"
#   BENCH_DAEMON_ARGS   more daemon options (e.g. --thread-stack 64)
#   BENCH_OUT           directory for the summary lines (make bench sets it)
# Run: make bench BENCH=tests/bench/scenario1.sh, or by hand with MT_BIN,
# MT_SRCDIR and MT_BUILDDIR set as make check sets them.
: "${MT_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/integration/lib.sh
. "$MT_SRCDIR/tests/integration/lib.sh"
# shellcheck source=tests/bench/benchlib.sh
. "$MT_SRCDIR/tests/bench/benchlib.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_USERS:=5000}" "${BENCH_SECS:=2}" "${BENCH_WARMUP:=0.5}"
fi
: "${BENCH_USERS:=50000}" "${BENCH_SECS:=10}" "${BENCH_WARMUP:=2}"
: "${BENCH_CONC:=1 20 200}" "${BENCH_RCPTS:=10}" "${BENCH_REPEAT:=1000}"
: "${BENCH_MODES:=warm cold nocache}" "${BENCH_DAEMON_ARGS:=}"
: "${BENCH_OUT:=}"

mt_require_root
mt_require ss
mt_require_bin
bench_require_tools
mt_init
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "== scenario 1: the daemon alone, valid recipients"
bench_machine
echo "users $BENCH_USERS, $BENCH_RCPTS recipients per session, warm/nocache:" \
	"${BENCH_WARMUP} s warm-up + ${BENCH_SECS} s, $BENCH_REPEAT addresses;" \
	"cold: each of the $BENCH_USERS addresses once"
bench_start_slapd "$BENCH_USERS"

# Production defaults for the harvest defence (valid recipients never
# change a score, but every decision reads one).
MT_DEFENCE_ARGS=
# shellcheck disable=SC2054 # the commas are part of the DN
DAEMON=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com)
# shellcheck disable=SC2206 # word splitting wanted
DAEMON+=($BENCH_DAEMON_ARGS)
RESULTS=$MT_TMP/results
: >"$RESULTS"

# run MODE CONC: one mtload run against the running daemon; appends a
# result line to $RESULTS.
run() {
	local mode=$1 c=$2 args out=$MT_TMP/$1-$2.out d0 s0 d1 s1 sum n
	args=(-p "$MT_MILTER_SOCK" -c "$c" -r "$BENCH_RCPTS" --range "$BENCH_USERS"
		--client 10.1.0.0/16 --expect valid=accept -q)
	if [ "$mode" = cold ]; then
		n=$((BENCH_USERS / BENCH_RCPTS))
		args+=(--unique -n "$n")
	else
		args+=(--repeat "$BENCH_REPEAT" -w "$BENCH_WARMUP" -d "$BENCH_SECS")
	fi
	d0=$(bench_cpu "$MT_MILTER_PID")
	s0=$(bench_cpu "$MT_SLAPD_PID")
	"$MTLOAD" "${args[@]}" >"$out" 2>&1
	d1=$(bench_cpu "$MT_MILTER_PID")
	s1=$(bench_cpu "$MT_SLAPD_PID")
	sum=$(bench_summary "$out")
	if [ -z "$sum" ]; then
		echo "mtload failed ($mode, $c sessions):"
		cat "$out"
		return
	fi
	grep -v '^summary ' "$out" | sed 's/^/  /'
	[ -n "$BENCH_OUT" ] && echo "scenario1 mode=$mode $sum" >>"$BENCH_OUT/scenario1.summary"
	# CPU per decision covers the warm-up too: divide by every reply.
	awk -v mode="$mode" -v c="$c" -v d="$(awk -v a="$d0" -v b="$d1" 'BEGIN { print b - a }')" \
		-v s="$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')" -v line="$sum" 'BEGIN {
		n = split(line, kv, " ")
		for (i = 2; i <= n; i++) { split(kv[i], p, "="); f[p[1]] = p[2] }
		all = f["valid_accept"] + f["valid_reject"] + f["valid_tempfail"] + f["valid_other"]
		printf "%-8s %5d %9d %7.2f %10.0f %8.3f %8.3f %8.3f %9.3f %7.1f %7.1f %6d\n",
		    mode, c, f["decisions"], f["secs"], f["rate"], f["accept_p50"],
		    f["accept_p90"], f["accept_p99"], f["accept_max"],
		    all ? d * 1e6 / all : 0, all ? s * 1e6 / all : 0,
		    f["errors"] + f["unexpected"]
	}' >>"$RESULTS"
}

for mode in $BENCH_MODES; do
	case $mode in
	warm)
		mt_start_milter "${DAEMON[@]}"
		for c in $BENCH_CONC; do
			mt_say "warm cache, $c session(s)"
			run warm "$c"
		done
		mt_stop_milter
		;;
	cold)
		for c in $BENCH_CONC; do
			mt_start_milter "${DAEMON[@]}"
			mt_say "cold cache (a new daemon, every address once), $c session(s)"
			run cold "$c"
			mt_stop_milter
		done
		;;
	nocache)
		mt_start_milter "${DAEMON[@]}" --no-cache
		for c in $BENCH_CONC; do
			mt_say "no cache, $c session(s)"
			run nocache "$c"
		done
		mt_stop_milter
		;;
	rawldap)
		# slapd alone, no daemon: the ceiling of the cold and nocache
		# rows (ldapload, one connection and one search at a time per
		# session, each address once)
		for c in $BENCH_CONC; do
			mt_say "raw slapd searches, $c concurrent"
			"$MT_BUILDDIR/tests/bench/ldapload" -H "$MT_LDAP_URI" \
				-b dc=example,dc=com -c "$c" -n "$BENCH_USERS" |
				tee -a "$MT_TMP/rawldap.out"
		done
		;;
	*) mt_fatal "unknown mode in BENCH_MODES: $mode" ;;
	esac
done

echo
echo "== scenario 1 results (RCPT latency in ms; CPU in microseconds per decision)"
printf '%-8s %5s %9s %7s %10s %8s %8s %8s %9s %7s %7s %6s\n' mode sess decisions \
	secs 'dec/s' p50 p90 p99 max 'daemon' slapd errors
cat "$RESULTS"
[ -e "$MT_TMP/rawldap.out" ] && sed 's/^/rawldap: /' "$MT_TMP/rawldap.out"
echo "targets: warm cache >= 20000 decisions/s, p99 < 1 ms (2 CPUs shared" \
	"by mtload, the daemon and slapd)"
