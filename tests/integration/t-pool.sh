#!/bin/bash
# t-pool.sh - the LDAP connection pool is bounded: 200 concurrent milter
# sessions against a daemon started with -P 4 never make it hold more than 4
# connections to slapd, and every session gets its right answer.
#
# Two bursts of 200 sessions (half valid recipients, half unknown ones, every
# address different, so that the cache answers none of them):
#   1. slapd frozen (SIGSTOP) while the burst arrives, thawed 1.5 s later:
#      all 200 lookups are waiting at the same moment, which is when an
#      unbounded pool would open one connection per lookup (the kernel still
#      completes TCP handshakes for a stopped slapd, so such connections would
#      show as ESTABLISHED);
#   2. slapd running: lookups as fast as the sessions come.
# While each burst runs, the daemon's established connections to slapd's port
# are sampled from the kernel's socket table (ss -tnp, by the daemon's pid).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

POOL=4
N=200
DELAY=1         # tarpit: the unknown-recipient sessions stay open a while
LTIMEOUT=10     # room for 200 lookups queued behind a frozen slapd
FREEZE=1.5

mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -e + \
	-T "$DELAY" -t "$LTIMEOUT" -P "$POOL"

VALID=(alice bob robert star)

# burst NAME: start N sessions at once (one.lua, one RCPT each), leaving each
# one's output and exit status in $MT_TMP/NAME/.  Session i asks for a valid
# address (user+NAME-i) when i is even, an unknown one (nobody-NAME-i) else.
# Sets BURST_PIDS.
burst() {
	local name=$1 i rcpt want dir=$MT_TMP/$1
	mkdir -p "$dir"
	BURST_PIDS=
	for ((i = 1; i <= N; i++)); do
		if ((i % 2 == 0)); then
			rcpt="<${VALID[i % ${#VALID[@]}]}+$name-$i@example.com>"
			want="continue"
		else
			rcpt="<nobody-$name-$i@example.com>"
			want=reject
		fi
		printf '%s %s\n' "$rcpt" "$want" >"$dir/$i.want"
		# miltertest directly (not mt_miltertest): 200 fewer sed processes
		(
			miltertest -s "$MT_TESTDIR/one.lua" -D "sock=$MT_MILTER_SOCK" \
				-D "mtlib=$MT_TESTDIR/mtlib.lua" -D "rcpt=$rcpt" -D "want=$want" \
				-D timeout=30 -D "label=$name $i" >"$dir/$i.out" 2>&1
			echo $? >"$dir/$i.rc"
		) &
		BURST_PIDS="$BURST_PIDS $!"
		mt_track_pid $!
	done
}

# sampler FILE: append the daemon's connection count to FILE every 50 ms
# until FILE.stop exists.  Sets SAMPLER_PID.
sampler() {
	local f=$1
	: >"$f"
	(
		while [ ! -e "$f.stop" ]; do
			mt_daemon_conns "$MT_LDAP_PORT" >>"$f"
			sleep 0.05
		done
	) &
	SAMPLER_PID=$!
	mt_track_pid "$SAMPLER_PID"
	# 200 miltertest processes start at once: ahead of them, so that the
	# samples keep coming on a loaded machine (as root; else as it is)
	renice -n -10 -p "$SAMPLER_PID" >/dev/null 2>&1 || true
}

# burst_report NAME SAMPLES SECS: the checks on a finished burst.
burst_report() {
	local name=$1 samples=$2 secs=$3 dir=$MT_TMP/$1 i bad=0 badlog max n
	for ((i = 1; i <= N; i++)); do
		if [ "$(cat "$dir/$i.rc" 2>/dev/null)" != 0 ]; then
			bad=$((bad + 1))
			[ "$bad" -le 3 ] && sed 's/^/    /' "$dir/$i.out"
		fi
	done
	mt_check "$name: all $N sessions got the answer they wanted ($bad did not)" [ "$bad" -eq 0 ]
	# the daemon's own view: one decision line per session, the right one,
	# from a lookup (not from the cache); one pass over the log
	cat "$dir"/*.want >"$dir/all.want"
	badlog=$(awk 'NR == FNR { want[$1] = $2; next }
		{
			for (i = 1; i <= NF; i++)
				if ($i ~ /^rcpt=/ && (substr($i, 6) in want)) {
					r = substr($i, 6); n[r]++; line[r] = " " $0 " "
				}
		}
		END {
			for (r in want) {
				l = line[r]
				if (want[r] == "continue")
					ok = index(l, " action=accept ") && index(l, " code=250 ") && index(l, " reason=exists ")
				else
					ok = index(l, " action=reject ") && index(l, " code=550 ") && index(l, " reason=unknown ")
				if (!(ok && n[r] == 1 && index(l, " cache=miss "))) {
					bad++
					if (bad <= 3) printf "    %s (want %s): %d line(s):%s\n", r, want[r], n[r], l > "/dev/stderr"
				}
			}
			print bad + 0
		}' "$dir/all.want" "$MT_MILTER_LOG")
	mt_check "$name: the daemon logged the right decision (cache=miss) once for each of the $N recipients ($badlog wrong)" \
		[ "$badlog" -eq 0 ]
	n=$(wc -l <"$samples")
	max=$(sort -n "$samples" | tail -n 1)
	mt_say "$name: $n samples of the daemon's connections to slapd, distribution (count: samples): $(sort -n "$samples" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')"
	mt_check "$name: connections sampled during the burst ($n samples)" [ "$n" -ge 10 ]
	mt_check "$name: the daemon never held more than $POOL connections to slapd (max $max)" \
		[ "${max:-99}" -le "$POOL" ]
	mt_check "$name: the daemon did use connections to slapd (max $max > 0)" \
		[ "${max:-0}" -gt 0 ]
	mt_check "$name: the burst finished in ${secs}s (< 30)" mt_cmp "$secs" "<" 30
}

mt_say "== burst 1: $N sessions while slapd is frozen for ${FREEZE}s"
sampler "$MT_TMP/samples1"
kill -STOP "$MT_SLAPD_PID"
t0=$(mt_now)
burst frozen
sleep "$FREEZE"
during=$(mt_daemon_conns "$MT_LDAP_PORT")
queued=$(ss -Htn state established "( sport = :$MT_MILTER_PORT )" | wc -l)
mt_say "frozen: $queued milter sessions open, the daemon has $during connection(s) to slapd"
kill -CONT "$MT_SLAPD_PID"
mt_check "frozen: many sessions were waiting at once ($queued of $N open)" [ "$queued" -ge 100 ]
# shellcheck disable=SC2086
wait $BURST_PIDS
secs=$(mt_elapsed "$t0")
touch "$MT_TMP/samples1.stop"
wait "$SAMPLER_PID"
burst_report frozen "$MT_TMP/samples1" "$secs"
# each of the 200 lookups waited for slapd: none may have been dropped for
# want of a connection
mt_check "frozen: no lookup gave up waiting for a pooled connection" \
	[ -z "$(grep -e 'no LDAP connection free' "$MT_MILTER_LOG" | head -n 1)" ]

mt_say "== burst 2: $N sessions, slapd running"
sampler "$MT_TMP/samples2"
t0=$(mt_now)
burst running
# shellcheck disable=SC2086
wait $BURST_PIDS
secs=$(mt_elapsed "$t0")
touch "$MT_TMP/samples2.stop"
wait "$SAMPLER_PID"
burst_report running "$MT_TMP/samples2" "$secs"

# slapd's side: connections the daemon opened over the whole test
opened=$(grep -c 'ACCEPT from IP=127.0.0.1' "$MT_SLAPD_LOG")
mt_say "slapd accepted $opened TCP connections in all (the harness's readiness probe included)"
after=$(mt_daemon_conns "$MT_LDAP_PORT")
mt_check "after both bursts the daemon keeps at most $POOL connections ($after)" [ "$after" -le "$POOL" ]
n_tf=$(grep -c ' action=tempfail ' "$MT_MILTER_LOG")
mt_check "no tempfail in either burst ($n_tf)" [ "$n_tf" -eq 0 ]

mt_stop_milter_bg
mt_finish
