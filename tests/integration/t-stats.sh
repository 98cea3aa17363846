#!/bin/bash
# t-stats.sh - statistics: --stats-file FILE --stats-interval 1 (Prometheus
# text exposition, rewritten every second) and SIGUSR1 (one "stats ..." log
# line), against a scripted set of sessions with known outcomes:
#   session 1, anonymous: alice, bob, robert (exist: 3 lookups), postmaster,
#     a non-local address (no lookup), alice again (a cache hit): 6 accepts;
#   sessions 2 and 3, anonymous, at the same time: one unknown each, 550
#     after the 1 s tarpit, both asleep at once (SIGUSR1 shows asleep=2);
#   session 4, authenticated: one unknown twice (550 at once; the second is
#     a negative cache hit);
#   session 5, authenticated, slapd stopped: 451 (a failed lookup).
# Then the file must parse as Prometheus text (every sample "name{labels}
# value" after its family's # TYPE, families contiguous, no duplicates,
# histogram buckets ascending and cumulative, +Inf == _count) and hold
# exactly those counts (sessions, recipients, decisions by action and
# reason, cache hits/misses, directory queries/errors, the lookup
# histogram's count and sum against the log's lookup= values, tarpit
# seconds against the log's delay= values, sleeping threads 0 at rest,
# peak >= 2, the two networks in the score table), the start time (unix
# seconds, at the launch) and the version; the SIGUSR1 line must say the
# same.  The file is replaced by rename (new inode each time,
# readers never see a partial file, no .tmp left after the stop); an
# unwritable --stats-file logs one warning and the daemon keeps serving,
# then "written again" once the directory exists.  With
# --reject-unknown-sender a rejected MAIL FROM counts in
# senders_checked_total, not in recipients_checked_total.
# shellcheck disable=SC2016 # eval '...': expanded when the check runs
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init
mt_start_slapd

A=alice@example.com
SD=$MT_TMP/stats
SF=$SD/milter-tarpit.prom
DELAY=1
mkdir -p "$SD"
# shellcheck disable=SC2054 # the commas are part of the DN
COMMON=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -e + -T "$DELAY" -t 2)

# prom_check FILE: check FILE against the Prometheus text exposition
# format 0.0.4; print the problems, one a line; true if there are none.
prom_check() {
	awk '
	function bad(msg) { printf "  %s:%d: %s: %s\n", FILENAME, NR, msg, $0; errs++ }
	function family(n,   b) {
		if (n in type) return n
		b = n
		if (sub(/_bucket$/, "", b) || sub(/_sum$/, "", b) || sub(/_count$/, "", b))
			if ((b in type) && (type[b] == "histogram" || type[b] == "summary")) return b
		return n
	}
	BEGIN { NAME = "^[a-zA-Z_:][a-zA-Z0-9_:]*$"; cur = "" }
	/^$/ { next }
	/^# HELP / {
		if ($3 !~ NAME) bad("bad metric name in HELP")
		if (($3 in help)) bad("second HELP for " $3)
		help[$3] = 1
		next
	}
	/^# TYPE / {
		if (NF != 4) bad("TYPE needs a name and a type")
		if ($3 !~ NAME) bad("bad metric name in TYPE")
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("unknown type " $4)
		if (($3 in type)) bad("second TYPE for " $3)
		if (($3 in seen)) bad("TYPE after samples of " $3)
		type[$3] = $4
		next
	}
	/^#/ { next }
	{
		line = $0
		if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("no metric name"); next }
		name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1)
		labels = ""
		if (substr(rest, 1, 1) == "{") {
			if (!match(rest, /^\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*,?)?\}/)) {
				bad("bad label set"); next
			}
			labels = substr(rest, 2, RLENGTH - 2); rest = substr(rest, RLENGTH + 1)
		}
		if (rest !~ /^ [^ ]+( -?[0-9]+)?$/) { bad("not \"name{labels} value [timestamp]\""); next }
		split(substr(rest, 2), vt, " "); v = vt[1]
		if (v !~ /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ && v !~ /^([-+]?Inf|NaN)$/) bad("bad value " v)
		f = family(name)
		if (!(f in type)) { bad("sample before any # TYPE of its family " f); next }
		if (f != cur) {
			if ((f in done)) bad("family " f " is not contiguous")
			if (cur != "") done[cur] = 1
			cur = f
		}
		seen[f] = 1
		key = name "{" labels "}"
		if ((key in dup)) bad("duplicate sample " key)
		dup[key] = 1
		if (type[f] == "counter" && v + 0 < 0) bad("negative counter")
		if (type[f] == "histogram") {
			if (name == f "_bucket") {
				if (!match(labels, /(^|,)le="[^"]*"/)) { bad("bucket without le"); next }
				le = substr(labels, RSTART, RLENGTH); sub(/^,?le="/, "", le); sub(/"$/, "", le)
				lev = (le == "+Inf") ? "inf" : le + 0
				if (nb[f] > 0 && lastinf[f]) bad("bucket after +Inf")
				if (nb[f] > 0 && lev != "inf" && lev <= lastle[f]) bad("le not ascending")
				if (nb[f] > 0 && v + 0 < lastv[f]) bad("buckets not cumulative")
				nb[f]++; lastle[f] = lev; lastv[f] = v + 0
				if (lev == "inf") { lastinf[f] = 1; inf[f] = v + 0 }
			} else if (name == f "_count") cnt[f] = v + 0
			else if (name == f "_sum") sum[f] = 1
			else bad("sample " name " in histogram " f)
		}
	}
	END {
		for (f in type) if (type[f] == "histogram") {
			if (!lastinf[f]) { print "  histogram " f ": no le=\"+Inf\" bucket"; errs++ }
			if (!(f in cnt)) { print "  histogram " f ": no _count"; errs++ }
			if (!(f in sum)) { print "  histogram " f ": no _sum"; errs++ }
			if ((f in cnt) && lastinf[f] && inf[f] != cnt[f]) { print "  histogram " f ": +Inf " inf[f] " != _count " cnt[f]; errs++ }
		}
		for (f in type) if (!(f in seen)) { print "  family " f " has a TYPE but no sample"; errs++ }
		if (NR == 0) { print "  empty file"; errs++ }
		exit errs > 0
	}' "$1" || return 1
	# the last line must be complete
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || { echo "  $1: no newline at the end"; return 1; }
}

# pv FILE SAMPLE: the value of SAMPLE (e.g. 'milter_tarpit_decisions_total{action="accept"}')
pv() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# snap: copy the stats file (as a reader would open it) to a new file
# $MT_TMP/snap.XXXXXX and print that name; fails if the file is missing.
# When it was written (its mtime, in seconds after LAUNCH) goes to the
# copy's name plus .at: the file's inode and mtime are read before and
# after the copy, and must agree (else it is copied again).
snap() {
	local f a1 a2 i
	f=$(mktemp "$MT_TMP/snap.XXXXXX") || return 1
	for i in 1 2 3; do
		a1=$(stat -c '%i %.3Y' "$SF" 2>/dev/null) || return 1
		cat "$SF" >"$f" 2>/dev/null || return 1
		a2=$(stat -c '%i %.3Y' "$SF" 2>/dev/null) || return 1
		[ "$a1" = "$a2" ] && break
	done
	awk -v t="${a1#* }" -v l="$LAUNCH" 'BEGIN { printf "%.3f\n", t - l }' >"$f.at"
	echo "$f"
}

# written_of FILE: when the daemon wrote the file copied to FILE, in
# seconds after LAUNCH (or -1).  The snapshot in it was taken just before.
written_of() { local u; u=$(cat "$1.at" 2>/dev/null); echo "${u:--1}"; }

# fresh_since SECONDS: wait (up to 4 s) until the stats file was written
# at least SECONDS after the daemon was launched; print a copy of it.
fresh_since() {
	local i s
	for i in $(seq 1 40); do
		if s=$(snap) && mt_cmp "$(written_of "$s")" ">=" "$1"; then
			echo "$s"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# usr1_line: SIGUSR1, wait for one more "stats ..." log line; print it.
usr1_line() {
	local before
	before=$(grep -c ']: stats sessions=' "$MT_MILTER_LOG")
	kill -USR1 "$MT_MILTER_PID"
	# shellcheck disable=SC2016
	mt_wait_for 3 bash -c '[ "$(grep -c "]: stats sessions=" "$1")" -gt "$2" ]' _ "$MT_MILTER_LOG" "$before" || return 1
	grep ']: stats sessions=' "$MT_MILTER_LOG" | tail -n 1 | sed 's/^.*\]: //'
}

# want_eq DESC GOT WANT: one check, numeric equality.
want_eq() {
	if [ -n "$2" ] && mt_cmp "$2" ">=" "$3" && mt_cmp "$2" "<=" "$3"; then
		mt_pass "$1 = $3"
	else
		mt_fail "$1: got '${2}', want $3"
	fi
}

mt_say "== daemon with --stats-file $SF --stats-interval 1"
LAUNCH=$(mt_now)
mt_start_milter "${COMMON[@]}" --stats-file "$SF" --stats-interval 1
mt_check "the stats file appears within 2 s" mt_wait_for 2 test -s "$SF"
s0=$(snap) || s0=/dev/null
if out=$(prom_check "$s0"); then mt_pass "first file: valid Prometheus text"; else mt_fail "first file: not valid Prometheus text:
$out"; fi
# dec_s ACTION REASON: the decisions_total series of that pair
dec_s() { echo "milter_tarpit_decisions_total{action=\"$1\",reason=\"$2\"}"; }
for k in milter_tarpit_sessions_total milter_tarpit_recipients_checked_total \
	"$(dec_s accept exists)" "$(dec_s reject unknown)" "$(dec_s tempfail directory-error)" \
	"$(dec_s disconnect harvest)" milter_tarpit_harvest_disconnects_total milter_tarpit_score_networks \
	milter_tarpit_sleep_seconds_total milter_tarpit_sleeping_threads milter_tarpit_sleeping_threads_peak \
	'milter_tarpit_cache_lookups_total{result="hit"}' 'milter_tarpit_cache_lookups_total{result="miss"}' \
	milter_tarpit_directory_queries_total milter_tarpit_directory_errors_total \
	'milter_tarpit_directory_lookup_seconds_bucket{le="+Inf"}' milter_tarpit_directory_lookup_seconds_count; do
	want_eq "at start: $k" "$(pv "$s0" "$k")" 0
done

mt_say "== the scripted sessions"
mt_check "session 1: 3 existing, postmaster, non-local, a repeat: 6 accepts" \
	mt_miltertest rcpts.lua "list=<alice@example.com>=continue <bob@example.com>=continue <robert@example.com>=continue <postmaster@example.com>=continue <someone@elsewhere.org>=continue <alice@example.com>=continue" \
	max=0.5 label=session1
mt_miltertest one.lua "rcpt=<nobody-1@example.com>" want=reject min=0.95 max=2.5 label=session2 >"$MT_TMP/s2.out" 2>&1 &
p2=$!
mt_miltertest one.lua "rcpt=<nobody-2@example.com>" want=reject min=0.95 max=2.5 label=session3 >"$MT_TMP/s3.out" 2>&1 &
p3=$!
mt_track_pid $p2
mt_track_pid $p3
# while both sleep: SIGUSR1 until a line says asleep=2 (at most ~0.9 s)
live=
for _ in $(seq 1 9); do
	l=$(usr1_line) || break
	case " $l " in *" asleep=2 "*) live=$l; break ;; esac
	sleep 0.05
done
if wait "$p2" && wait "$p3"; then both=true; else both=false; fi
cat "$MT_TMP/s2.out" "$MT_TMP/s3.out"
mt_check "sessions 2 and 3: 550 after the ${DELAY} s tarpit each" $both
if [ -n "$live" ]; then
	mt_pass "SIGUSR1 while both slept: $live"
else
	mt_fail "no SIGUSR1 line said asleep=2 while sessions 2 and 3 slept; last: $(grep ']: stats ' "$MT_MILTER_LOG" | tail -n 1)"
fi
mt_check "session 4: authenticated, one unknown twice: 550 at once (the 2nd a cache hit)" \
	mt_miltertest rcpts.lua "list=<nobody-3@example.com>=reject <nobody-3@example.com>=reject" \
	auth=$A max=0.5 label=session4
mt_stop_slapd
mt_check "session 5: slapd stopped: 451" \
	mt_rcpt tempfail "<nobody-4@example.com>" auth=$A max=3 label=session5
DONE_AT=$(mt_elapsed "$LAUNCH")

# what the log says was decided (one line per recipient)
# shellcheck disable=SC2317 # called from eval
dec() { mt_log_line "$@" | wc -l; }
mt_check "log: 11 decisions: 6 accept, 4 reject, 1 tempfail" \
	eval '[ "$(dec action=...)" -eq 11 ] && [ "$(dec action=accept)" -eq 6 ] && [ "$(dec action=reject)" -eq 4 ] && [ "$(dec action=tempfail)" -eq 1 ]'
mt_check "log: 7 cache misses, 2 hits" eval '[ "$(dec cache=miss)" -eq 7 ] && [ "$(dec cache=hit)" -eq 2 ]'
log_delays=$(mt_log_line action=... | tr ' ' '\n' | sed -n 's/^delay=//p' | awk '{ s += $1 } END { printf "%.3f", s }')
log_lookups=$(mt_log_line cache=miss | tr ' ' '\n' | sed -n 's/^lookup=//p' | awk '{ s += $1 } END { printf "%.3f", s }')
mt_say "log: delays slept sum to $log_delays s; the 7 lookups took $log_lookups s"

mt_say "== the stats file, written after the last decision (>= $DONE_AT s after the launch)"
if s1=$(fresh_since "$DONE_AT"); then
	mt_pass "a file written after the last decision came (at $(written_of "$s1") s)"
else
	mt_fail "no stats file written after the last decision within 4 s"
	s1=$(snap) || s1=/dev/null
fi
sed 's/^/    | /' "$s1"
if out=$(prom_check "$s1"); then mt_pass "valid Prometheus text"; else mt_fail "not valid Prometheus text:
$out"; fi
for f in sessions_total recipients_checked_total decisions_total harvest_disconnects_total \
	sleep_seconds_total sleeping_threads sleeping_threads_peak cache_lookups_total \
	directory_queries_total directory_errors_total directory_lookup_seconds start_time_seconds \
	build_info score_networks; do
	mt_check "family milter_tarpit_$f has a # TYPE" grep -q "^# TYPE milter_tarpit_$f " "$s1"
done
want_eq "sessions_total" "$(pv "$s1" milter_tarpit_sessions_total)" 5
want_eq "recipients_checked_total" "$(pv "$s1" milter_tarpit_recipients_checked_total)" 11
want_eq "decisions_total{accept,exists}" "$(pv "$s1" "$(dec_s accept exists)")" 4
want_eq "decisions_total{accept,postmaster}" "$(pv "$s1" "$(dec_s accept postmaster)")" 1
want_eq "decisions_total{accept,non-local}" "$(pv "$s1" "$(dec_s accept non-local)")" 1
want_eq "decisions_total{reject,unknown}" "$(pv "$s1" "$(dec_s reject unknown)")" 4
want_eq "decisions_total{tempfail,directory-error}" "$(pv "$s1" "$(dec_s tempfail directory-error)")" 1
want_eq "decisions_total{disconnect,harvest}" "$(pv "$s1" "$(dec_s disconnect harvest)")" 0
tot=$(awk '$1 ~ /^milter_tarpit_decisions_total[{]/ { s += $2 } END { print s + 0 }' "$s1")
want_eq "decisions_total, all series: the 11 decisions" "$tot" 11
launch_at=$(awk -v l="$LAUNCH" 'BEGIN { printf "%.3f", l }')
launch_5=$(awk -v l="$LAUNCH" 'BEGIN { printf "%.3f", l + 5 }')
st=$(pv "$s1" milter_tarpit_start_time_seconds)
mt_check "start_time_seconds = ${st}: between the launch ($launch_at) and 5 s after" \
	eval 'mt_cmp "${st:-0}" ">=" "$launch_at" && mt_cmp "${st:-0}" "<=" "$launch_5"'
want_eq "start_time_seconds: the same as in the first file" "$st" "$(pv "$s0" milter_tarpit_start_time_seconds)"
ver=$(mt_log_field "$(grep -m 1 ' starting ' "$MT_MILTER_LOG")" version)
want_eq "build_info{version=\"$ver\"} (the start line's version)" "$(pv "$s1" "milter_tarpit_build_info{version=\"$ver\"}")" 1
# sessions 2 and 3 counted one unknown each against 127.0.0.1/32 and its
# wide network 127.0.0.0/24 (the log's net= and wide=)
nets=$(mt_log_line reason=unknown auth=- | tr ' ' '\n' | sed -n 's/^\(net\|wide\)=//p' | sort -u | wc -l)
want_eq "score_networks: the networks in the log's net= and wide= ($nets)" "$(pv "$s1" milter_tarpit_score_networks)" 2
want_eq "harvest_disconnects_total" "$(pv "$s1" milter_tarpit_harvest_disconnects_total)" 0
want_eq "cache_lookups_total{hit}" "$(pv "$s1" 'milter_tarpit_cache_lookups_total{result="hit"}')" 2
want_eq "cache_lookups_total{miss}" "$(pv "$s1" 'milter_tarpit_cache_lookups_total{result="miss"}')" 7
want_eq "directory_queries_total" "$(pv "$s1" milter_tarpit_directory_queries_total)" 7
want_eq "directory_errors_total" "$(pv "$s1" milter_tarpit_directory_errors_total)" 1
want_eq "directory_lookup_seconds_count" "$(pv "$s1" milter_tarpit_directory_lookup_seconds_count)" 7
want_eq "sleeping_threads (at rest)" "$(pv "$s1" milter_tarpit_sleeping_threads)" 0
peak=$(pv "$s1" milter_tarpit_sleeping_threads_peak)
mt_check "sleeping_threads_peak = ${peak} (>= 2: two slept at once)" mt_cmp "${peak:-0}" ">=" 2
slept=$(pv "$s1" milter_tarpit_sleep_seconds_total)
# (the log rounds each delay to the millisecond: 0.0005 s per line of slack)
mt_check "sleep_seconds_total = $slept: >= the log's delays ($log_delays) and >= 2 x ${DELAY} s" \
	awk -v s="${slept:-0}" -v d="$log_delays" -v m="$((2 * DELAY))" 'BEGIN { exit !(s + 0 >= d - 0.002 && s + 0 >= m) }'
mt_check "sleep_seconds_total = $slept: not more than the log's delays ($log_delays) + 0.05" \
	awk -v s="${slept:-999}" -v d="$log_delays" 'BEGIN { exit !(s + 0 <= d + 0.05) }'
hsum=$(pv "$s1" milter_tarpit_directory_lookup_seconds_sum)
mt_check "directory_lookup_seconds_sum = $hsum: the log's lookup= values ($log_lookups) within 0.01" \
	awk -v a="${hsum:-999}" -v b="$log_lookups" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01) }'
le10=$(pv "$s1" 'milter_tarpit_directory_lookup_seconds_bucket{le="2.5"}')
mt_check "every lookup took <= 2.5 s (the -t 2 bound): bucket le=2.5 = ${le10} = count" \
	[ "${le10:-x}" = "$(pv "$s1" milter_tarpit_directory_lookup_seconds_count)" ]

mt_say "== SIGUSR1 at rest: the same numbers"
if l=$(usr1_line); then
	mt_pass "SIGUSR1: $l"
else
	mt_fail "SIGUSR1: no \"stats ...\" line within 3 s"
	l=
fi
# the file written after this line has the same counters (nothing happened since)
s2=$(fresh_since "$(mt_elapsed "$LAUNCH")") || s2=$s1
lf() { mt_log_field "$l" "$1"; }
want_eq "SIGUSR1: sessions" "$(lf sessions)" 5
want_eq "SIGUSR1: rcpt" "$(lf rcpt)" 11
want_eq "SIGUSR1: accepted" "$(lf accepted)" 6
want_eq "SIGUSR1: rejected" "$(lf rejected)" 4
want_eq "SIGUSR1: tempfailed" "$(lf tempfailed)" 1
want_eq "SIGUSR1: harvest" "$(lf harvest)" 0
want_eq "SIGUSR1: asleep" "$(lf asleep)" 0
want_eq "SIGUSR1: asleep_peak (as in the file)" "$(lf asleep_peak)" "${peak:-x}"
want_eq "SIGUSR1: cache_hits" "$(lf cache_hits)" 2
want_eq "SIGUSR1: cache_misses" "$(lf cache_misses)" 7
want_eq "SIGUSR1: dir_queries" "$(lf dir_queries)" 7
want_eq "SIGUSR1: dir_errors" "$(lf dir_errors)" 1
ts=$(lf tarpit_seconds)
mt_check "SIGUSR1: tarpit_seconds=$ts is the file's $slept to the millisecond" \
	awk -v a="${ts:-999}" -v b="${slept:-0}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.0006) }'
p50=$(lf lookup_p50)
p99=$(lf lookup_p99)
mt_check "SIGUSR1: lookup_p50=$p50 <= lookup_p99=$p99 <= 2.5 (both numbers)" \
	awk -v a="$p50" -v b="$p99" 'BEGIN { exit !(a ~ /^[0-9]+\.[0-9]+$/ && b ~ /^[0-9]+\.[0-9]+$/ && a + 0 <= b + 0 && b + 0 <= 2.5) }'
mt_check "the file after SIGUSR1 has the same counters as before it" \
	diff "$s1" "$s2"

mt_say "== the file is replaced whole, every second"
ino1=$(stat -c %i "$SF")
u1=$(written_of "$(snap)")
u_next=$(awk -v u="$u1" 'BEGIN { print u + 0.5 }')
if s3=$(fresh_since "$u_next"); then
	ino2=$(stat -c %i "$SF")
	u3=$(written_of "$s3")
	gap=$(awk -v a="$u1" -v b="$u3" 'BEGIN { printf "%.3f", b - a }')
	mt_check "rewritten about every second (written at $u1 -> $u3 s: ${gap} s)" \
		eval 'mt_cmp "$gap" ">=" 0.7 && mt_cmp "$gap" "<=" 2.5'
	mt_check "replaced by a new file (inode $ino1 -> $ino2), not rewritten in place" [ "$ino1" != "$ino2" ]
else
	mt_fail "the file was not rewritten within 4 s"
fi
# a reader opening the file at any moment sees a whole file
partial=0
tmp_seen=0
for _ in $(seq 1 60); do
	s=$(snap) || { partial=$((partial + 1)); continue; }
	prom_check "$s" >/dev/null && grep -q '^milter_tarpit_start_time_seconds ' "$s" || partial=$((partial + 1))
	[ -e "$SF.tmp" ] && tmp_seen=$((tmp_seen + 1))
	rm -f "$s" "$s.at"
	sleep 0.03
done
mt_check "60 reads over ~2.5 s: every one a whole, valid file ($partial were not)" [ "$partial" -eq 0 ]
mt_say "($SF.tmp was seen in $tmp_seen of the 60 reads: the write in progress)"
mt_check "daemon still running" kill -0 "$MT_MILTER_PID"
mt_stop_milter
mt_check "clean stop: exit status 0 (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
left=$(find "$SD" -mindepth 1 -printf '%f ')
mt_check "after the stop the directory holds only the file (no .tmp left): $left" \
	[ "$left" = "$(basename "$SF") " ]
if out=$(prom_check "$SF"); then mt_pass "the last file: valid"; else mt_fail "the last file: not valid:
$out"; fi

mt_say "== an unwritable --stats-file: one warning, the daemon keeps serving"
mt_start_slapd
ND=$MT_TMP/not-yet
mt_start_milter "${COMMON[@]}" --stats-file "$ND/milter-tarpit.prom" --stats-interval 1
mt_check "a warning names the file within 2 s" \
	mt_wait_for 2 grep -qF "]: warning: --stats-file: cannot write $ND/milter-tarpit.prom" "$MT_MILTER_LOG"
mt_say "the warning: $(grep -F ']: warning: --stats-file' "$MT_MILTER_LOG" | head -n 1 | sed 's/^.*\]: //')"
mt_check "still serving: existing recipient accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=unwritable
mt_check "still serving: unknown rejected" \
	mt_rcpt reject "<nobody-5@example.com>" auth=$A max=0.5 label=unwritable
sleep 2.2
n=$(grep -cF ']: warning: --stats-file' "$MT_MILTER_LOG")
mt_check "after 3+ failed writes, the warning was logged once ($n)" [ "$n" -eq 1 ]
l=$(usr1_line) || l=
mt_check "SIGUSR1 still works: $l" eval '[ "$(mt_log_field "$l" rcpt)" = 2 ]'
mkdir "$ND"
mt_check "the directory made: \"written again\" logged within 2.5 s" \
	mt_wait_for 3 grep -qF "]: --stats-file: $ND/milter-tarpit.prom written again" "$MT_MILTER_LOG"
mt_check "the file is there now" test -s "$ND/milter-tarpit.prom"
if out=$(prom_check "$ND/milter-tarpit.prom"); then mt_pass "and valid"; else mt_fail "but not valid:
$out"; fi
want_eq "it counts this daemon's 2 recipients" "$(pv "$ND/milter-tarpit.prom" milter_tarpit_recipients_checked_total)" 2
n=$(grep -cF ']: warning: --stats-file' "$MT_MILTER_LOG")
mt_check "still one warning in all ($n)" [ "$n" -eq 1 ]
mt_check "daemon still running" kill -0 "$MT_MILTER_PID"
mt_stop_milter_bg

mt_say "== --reject-unknown-sender: a MAIL FROM decision is a sender, not a recipient"
SF=$MT_TMP/senders.prom	# what snap and fresh_since read from now on
LAUNCH=$(mt_now)	# snap and fresh_since count from here
mt_start_milter "${COMMON[@]}" --reject-unknown-sender --stats-file "$SF" --stats-interval 1
mt_check "unknown local sender: MAIL rejected" \
	mt_miltertest defence.lua ip=198.51.100.82 "from=<nobody-snd@example.com>" \
	mailwant=reject mailmax=3 label=sender-unknown
mt_check "known local sender: MAIL and one RCPT continue" \
	mt_miltertest defence.lua ip=198.51.100.83 "from=<alice@example.com>" \
	mailwant=continue mailmax=3 "list=<bob@example.com>=continue//3" label=sender-ok
after=$(mt_elapsed "$LAUNCH")
if s4=$(fresh_since "$after"); then mt_pass "a file written after both sessions"; else
	mt_fail "no stats file written after both sessions within 4 s"
	s4=/dev/null
fi
want_eq "recipients_checked_total (bob only)" "$(pv "$s4" milter_tarpit_recipients_checked_total)" 1
want_eq "senders_checked_total (the rejected sender)" "$(pv "$s4" milter_tarpit_senders_checked_total)" 1
mt_stop_milter_bg

mt_finish
