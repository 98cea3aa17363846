#!/bin/bash
# tests/bench/scenario5.sh - the harvest against two MX hosts: scenario 4
# with two daemons behind two Postfix instances, the attacker alternating
# between them, with and without scores shared through Redis.
#
# The simulator (tests/bench/harvest, given both servers) opens each new
# connection to the other Postfix in turn, and tries a list of candidates of
# which a known share is valid (S5_VALID, 10 %), over S5_CONNS connections,
# with each strategy (wait for every answer; reconnect after each probe;
# oracle: give up after S5_ORACLE_T s and call it "unknown"), from one
# address (127.2.0.1) and from a /24 (127.1.1.0/24, each connection from
# the next address; every address meets both servers), for S5_DURATION s
# (S5_PF_DURATION against Postfix alone, whose yield is a steady rate),
# against three configurations:
#   postfix2       two Postfix instances with their defaults and
#                  relay_recipient_maps = ldap:, no milter
#   tarpit2        two milter-tarpit daemons with their default settings,
#                  each behind its own Postfix (Postfix's own recipient
#                  check off: the milters check); each keeps its own scores
#   tarpit2-redis  the same two daemons with --redis naming one shared
#                  redis-server (the harness's own, emptied before each run):
#                  what one host counts, the other sees
# Every run has fresh daemons and fresh Postfix instances (no score or
# connection count carries over, nor does Redis hold one), one slapd with
# the candidates throughout.  During each run a legitimate sender (harvest
# -s clean, from 127.0.0.1, one connection, alternating between the two
# hosts like the attacker, a valid recipient per session every
# S5_CLEAN_INTERVAL s) measures its RCPT answer time; the same probe without
# an attack, per configuration, is the baseline.
#
# Reported per run: the attacker's yield (valid addresses found valid per
# second: the headline; when it found none, "< 1/elapsed"), correct
# verdicts/s, false positives, answered and unanswered probes, the
# connections each host got, directory queries per probe (slapd's own log:
# searches for the candidates divided by the RCPTs the attacker sent) and
# the legitimate sender's answer times.  Then the ratios of postfix2's
# yield to each milter-tarpit configuration's (target: >= 1000 for every
# strategy) and tarpit2's to tarpit2-redis's (what sharing adds; no
# target).  Per daemon: its harvest 421s, tarpit-full answers, unknowns and
# valid recipients, the highest score= it logged, and when its first
# harvest 421 came (seconds after the attack's first RCPT it logged); with
# shared scores a daemon's score counts both daemons' unknowns, so it is
# higher and the 421 comes sooner.  For tarpit2-redis also the networks
# Redis holds a score for and the highest.  The daemon logs an unknown
# recipient when it answers, after the delay: a run shorter than the delay
# (20 s; BENCH_QUICK) shows the unknowns only in the scores.
# When milter-tarpit let no valid address through, the ratio is only known
# to be above Postfix's yield times the run's length.  Nothing is asserted:
# this prints figures.  Two shared cores: noisy.
#
# Environment: MT_BIN, MT_SRCDIR, MT_BUILDDIR (make bench sets them),
# BENCH_OUT (raw outputs go to $BENCH_OUT/scenario5/), BENCH_QUICK=1 (6 s
# runs, 20000 candidates), S5_DURATION (120), S5_PF_DURATION (20), S5_CONNS
# (50), S5_CANDIDATES (100000), S5_VALID (0.1), S5_ORACLE_T (1),
# S5_CLEAN_INTERVAL (0.2), S5_STRATEGIES ("wait reconnect oracle"),
# S5_SOURCES ("one net"), S5_CONFIGS ("postfix2 tarpit2 tarpit2-redis"),
# S5_PF_EXTRA (NAME=VALUE settings for every Postfix instance).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/bench/hvlib.sh
. "$MT_SRCDIR/tests/bench/hvlib.sh"

mt_require_root
mt_require postfix postconf slapd saslpasswd2 swaks ss
mt_require_bin
[ -x "$HV_HARVEST" ] || mt_fatal "harvest simulator not built: $HV_HARVEST (make check builds it)"
hv_has_ldap_table || mt_skip "Postfix has no ldap: table (Debian package postfix-ldap)"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${S5_DURATION:=6}" "${S5_PF_DURATION:=6}" "${S5_CANDIDATES:=20000}"
fi
: "${S5_DURATION:=120}" "${S5_PF_DURATION:=20}" "${S5_CONNS:=50}" "${S5_CANDIDATES:=100000}"
: "${S5_VALID:=0.1}" "${S5_ORACLE_T:=1}" "${S5_CLEAN_INTERVAL:=0.2}"
: "${S5_STRATEGIES:=wait reconnect oracle}" "${S5_SOURCES:=one net}"
: "${S5_CONFIGS:=postfix2 tarpit2 tarpit2-redis}"
case " $S5_CONFIGS " in *" tarpit2-redis "*) mt_require redis-server redis-cli ;; esac
BASE_SECS=$(awk -v d="$S5_DURATION" 'BEGIN { print (d < 10 ? d : 10) }')

hv_init
RAW=$MT_TMP/raw
[ -n "${BENCH_OUT:-}" ] && RAW=$BENCH_OUT/scenario5
mkdir -p "$RAW"
ROWS=$MT_TMP/rows

mt_say "scenario 5: two MX hosts; $S5_CANDIDATES candidates (${S5_VALID} valid), $S5_CONNS connections, ${S5_DURATION} s a run (${S5_PF_DURATION} s against Postfix alone), oracle gives up after ${S5_ORACLE_T} s"
mt_say "$(uname -sr), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg); milter-tarpit $("$MT_BIN" -V 2>&1 | head -n 1)"

LIST=$MT_TMP/cands
"$HV_HARVEST" --make-list "$S5_CANDIDATES" --valid-fraction "$S5_VALID" >"$LIST" ||
	mt_fatal "harvest --make-list failed"
mt_start_slapd
hv_ldif_list "$LIST" >"$MT_TMP/cands.ldif"
hv_slapd_add "$MT_TMP/cands.ldif"
hv_ldap_cf "$MT_TMP/ldap-rcpt.cf"
REDIS_PREFIX=s5:
case " $S5_CONFIGS " in *" tarpit2-redis "*) mt_start_redis ;; esac

# As in scenario 4: Postfix's smtpd_error_sleep_time default (the harness
# sets 0), no reverse lookups of 127.x.y.z (this machine's resolver).
# shellcheck disable=SC2206 # a list of settings
PF_COMMON=(smtpd_error_sleep_time=1s smtpd_peername_lookup=no ${S5_PF_EXTRA:-})
# shellcheck disable=SC2054 # the commas are part of the DN
MILTER_ARGS=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com)
CLEAN_TO=alice@example.com,bob@example.com,star@example.com
RUNS=0
TARGETS=()
LOGS=()

# start_config CONFIG: the daemons (if any) and two fresh Postfix instances
# for CONFIG; TARGETS: their smtpd addresses; LOGS: the daemons' logs.
start_config() {
	local n extra=()
	RUNS=$((RUNS + 1))
	TARGETS=()
	LOGS=()
	case $1 in
	postfix2)
		for n in 1 2; do
			hv_postfix "pf$RUNS-$n" "" "${PF_COMMON[@]}" \
				"relay_recipient_maps=ldap:$MT_TMP/ldap-rcpt.cf"
			TARGETS+=("127.0.0.1:$HV_PORT")
		done ;;
	tarpit2 | tarpit2-redis)
		if [ "$1" = tarpit2-redis ]; then
			mt_redis_cli FLUSHALL >/dev/null || mt_fatal "redis-cli FLUSHALL failed"
			extra=(--redis "$MT_REDIS_URL" --redis-prefix "$REDIS_PREFIX")
		fi
		for n in 1 2; do
			mt_milter_use "$n"
			# MT_DEFENCE_ARGS empty: the daemon's defaults, defence on
			MT_DEFENCE_ARGS='' mt_start_milter "${MILTER_ARGS[@]}" "${extra[@]}"
			LOGS+=("$MT_MILTER_LOG")
			hv_postfix "pf$RUNS-$n" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}"
			TARGETS+=("127.0.0.1:$HV_PORT")
		done
		mt_milter_use 1 ;;
	*) mt_fatal "unknown configuration $1" ;;
	esac
}

stop_config() {
	local n
	for n in 1 2; do
		hv_postfix_stop "pf$RUNS-$n"
		mt_milter_use "$n"
		[ -n "$MT_MILTER_PID" ] && mt_stop_milter_bg
	done
	mt_milter_use 1
	return 0
}

# daemons_died: a daemon of this run exited (DIED_RC: its status).
daemons_died() {
	local n
	for n in 1 2; do
		mt_milter_use "$n"
		if [ -n "$MT_MILTER_PID" ] && ! kill -0 "$MT_MILTER_PID" 2>/dev/null; then
			wait "$MT_MILTER_PID"
			DIED_RC=$?
			MT_MILTER_PID=
			mt_milter_use 1
			return 0
		fi
	done
	mt_milter_use 1
	return 1
}

cand_searches() { grep -c 'filter="(mail=cand' "$MT_SLAPD_LOG"; }

# clean_probe SECS OUT: the legitimate sender, in the background (CLEAN_PID).
clean_probe() {
	"$HV_HARVEST" -s clean -c 1 -d "$1" --interval "$S5_CLEAN_INTERVAL" \
		--from 127.0.0.1 --to "$CLEAN_TO" --rcpt-timeout 120 \
		"${TARGETS[@]}" >"$2" 2>&1 &
	CLEAN_PID=$!
}

# target_kv FILE N KEY: value of KEY= on the "target n=N" line.
target_kv() {
	grep "^target n=$2 " "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# daemon_figures LOG: of the attacker's decisions (any client but
# 127.0.0.1: the legitimate sender and hv_warm), harvest 421s, tarpit-full,
# unknown, exists, the highest score= and the seconds from the first to
# the first harvest 421, tab-separated.  Times from the lines' RFC 3339
# stamps.
daemon_figures() {
	awk 'function secs(   t) {
		t = $1; sub(/^[^T]*T/, "", t); split(t, hms, ":")
		return hms[1] * 3600 + hms[2] * 60 + hms[3]
	}
	/ rcpt=/ && !index($0, " client=127.0.0.1 ") {
		r = $0; sub(/.* reason=/, "", r); sub(/ .*/, "", r)
		n[r]++
		if (match($0, / score=[0-9.]+/)) {
			s = substr($0, RSTART + 7, RLENGTH - 7) + 0
			if (s > max) max = s
		}
		if (t0 == "") t0 = secs()
		if (r == "harvest" && first == "") {
			first = secs() - t0
			if (first < 0) first += 86400
		}
	}
	END {
		printf "%d\t%d\t%d\t%d\t%.2f\t%s\n", n["harvest"], n["tarpit-full"],
			n["unknown"], n["exists"], max, first == "" ? "-" : sprintf("%.1f", first)
	}' "$1"
}

# redis_scores: how many networks Redis holds a score for, and the highest.
redis_scores() {
	# shellcheck disable=SC2016 # a Lua script
	mt_redis_cli --raw EVAL '
		local n, m = 0, 0
		for _, k in ipairs(redis.call("KEYS", ARGV[1])) do
			local s = tonumber(redis.call("HGET", k, "s")) or 0
			n = n + 1
			if s > m then m = s end
		end
		return {n, tostring(m)}' 0 "${REDIS_PREFIX}score:*" | paste -sd '\t'
}

# attack_once CONFIG SOURCE STRATEGY: one run, the legitimate sender
# alongside; 1 with DIED_RC set if a daemon died (hv_attack runs it again).
attack_once() {
	local cfg=$1 src=$2 strat=$3 from n0 n1 out clean secs=$S5_DURATION i fig rs
	case $src in one) from=127.2.0.1 ;; net) from=127.1.1.0/24 ;; esac
	[ "$cfg" = postfix2 ] && secs=$S5_PF_DURATION
	out=$RAW/$cfg-$src-$strat.txt
	clean=$RAW/$cfg-$src-$strat.clean.txt
	start_config "$cfg"
	n0=$(cand_searches)
	clean_probe "$secs" "$clean"
	"$HV_HARVEST" -s "$strat" -c "$S5_CONNS" --from "$from" -l "$LIST" \
		-d "$secs" -t "$S5_ORACLE_T" --rcpt-timeout 300 \
		"${TARGETS[@]}" >"$out" 2>&1 || mt_fatal "harvest failed: $(tail -n 3 "$out")"
	wait "$CLEAN_PID"
	if daemons_died; then
		stop_config
		return 1
	fi
	sleep 0.5 # the last lookups reach slapd's log
	n1=$(cand_searches)
	rs="-	-"
	[ "$cfg" = tarpit2-redis ] && rs=$(redis_scores)
	for i in "${!LOGS[@]}"; do
		fig=$(daemon_figures "${LOGS[$i]}")
		printf 'daemon\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$src" "$strat" \
			"$((i + 1))" "$fig" "$rs" >>"$ROWS"
		echo "daemon $((i + 1)): $(printf '%s' "$fig" | awk -F'\t' '{
			printf "%s harvest 421s, %s tarpit-full answers, %s unknown, %s exists, highest score %s, first harvest 421 after %s s", $1, $2, $3, $4, $5, $6 }')" >>"$out"
		cp "${LOGS[$i]}" "$RAW/$cfg-$src-$strat.daemon$((i + 1)).log"
	done
	[ "$cfg" = tarpit2-redis ] && awk -F'\t' '{ printf "redis: scores for %d network(s), the highest %.2f\n", $1, $2 }' <<<"$rs" >>"$out"
	stop_config
	printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$cfg" "$src" "$strat" "$(hv_kv "$out" probes)" "$(hv_kv "$out" answered)" \
		"$(hv_kv "$out" tp)" "$(hv_kv "$out" fp)" "$(hv_kv "$out" yield)" \
		"$(hv_kv "$out" elapsed)" "$(hv_kv "$out" correct_per_s)" "$((n1 - n0))" \
		"$(hv_kv "$clean" rcpt_p50)" "$(hv_kv "$clean" rcpt_p99)" \
		"$(hv_kv "$clean" session_p99)" "$(hv_kv "$clean" bad)" "$(hv_kv "$clean" sessions)" \
		"$(target_kv "$out" 1 connections)" "$(target_kv "$out" 2 connections)" >>"$ROWS"
	mt_say "$cfg from $src, $strat: yield $(hv_kv "$out" yield)/s (tp $(hv_kv "$out" tp), fp $(hv_kv "$out" fp)), probes $(hv_kv "$out" probes), connections $(target_kv "$out" 1 connections)+$(target_kv "$out" 2 connections), queries $((n1 - n0)); clean p99 $(hv_kv "$clean" rcpt_p99) s, $(hv_kv "$clean" bad) not 250"
}

for cfg in $S5_CONFIGS; do hv_baseline "$cfg"; done
for cfg in $S5_CONFIGS; do
	for src in $S5_SOURCES; do
		for strat in $S5_STRATEGIES; do hv_attack "$cfg" "$src" "$strat"; done
	done
done
cp "$ROWS" "$RAW/rows.tsv"

echo
echo "== scenario 5: the attacker's yield against two MX hosts (headline: valid addresses found valid per second)"
awk -F'\t' '
	$1 == "run" {
		q = $5 > 0 ? sprintf("%.2f", $12 / $5) : "-"
		y = $7 > 0 ? sprintf("%.3f", $9) : sprintf("<%.4f", 1 / $10)
		printf "%-13s %-4s %-9s probes %7d answered %7d tp %6d fp %3d  yield %10s/s  correct %9.2f/s  connections %6d+%-6d queries/probe %s\n",
			$2, $3, $4, $5, $6, $7, $8, y, $11, $18, $19, q
	}' "$ROWS"

echo
echo "== postfix2's yield / milter-tarpit's (target >= 1000 for every strategy; \">\" where milter-tarpit found nothing: its yield < 1/elapsed); tarpit2 / tarpit2-redis: what sharing the scores adds"
awk -F'\t' '
	$1 == "run" { tp[$2, $3, $4] = $7; y[$2, $3, $4] = $9; el[$2, $3, $4] = $10; seen[$3, $4] = 1 }
	# ratio A B S T: yield of A over B (">" when B found nothing)
	function ratio(a, b, s, t,   r) {
		if (tp[b, s, t] > 0) return sprintf("%.0f", y[a, s, t] / y[b, s, t])
		if (tp[a, s, t] == 0) return "-"
		return sprintf(">%.0f", y[a, s, t] * el[b, s, t])
	}
	END {
		for (k in seen) {
			split(k, p, SUBSEP)
			line = sprintf("%-4s %-9s", p[1], p[2])
			if (("postfix2", p[1], p[2]) in y) {
				base = y["postfix2", p[1], p[2]]
				line = line sprintf(" postfix2 %8.3f/s", base)
				n = split("tarpit2 tarpit2-redis", c, " ")
				for (i = 1; i <= n; i++) {
					if (!((c[i], p[1], p[2]) in y)) continue
					rs = ratio("postfix2", c[i], p[1], p[2])
					r = rs; sub(/^>/, "", r)
					line = line sprintf("   %s: x%-8s %s", c[i], rs, r != "-" && r + 0 >= 1000 ? "met" : "MISSED")
				}
			}
			if (("tarpit2", p[1], p[2]) in y && ("tarpit2-redis", p[1], p[2]) in y)
				line = line sprintf("   tarpit2/tarpit2-redis: x%s", ratio("tarpit2", "tarpit2-redis", p[1], p[2]))
			print line
		}
	}' "$ROWS" | sort

echo
echo "== per daemon: what each of the two logged for the attacker (with shared scores a daemon's score counts both daemons' unknowns: higher, and its first harvest 421 sooner; seconds after the attack's first RCPT)"
awk -F'\t' '
	$1 == "daemon" {
		printf "%-13s %-4s %-9s daemon %s: harvest 421s %6d  tarpit-full %6d  unknown %6d  exists %5d  highest score %8.2f  1st harvest 421 after %5s s",
			$2, $3, $4, $5, $6, $7, $8, $9, $10, $11
		if ($12 != "-") printf "  (Redis: %s network(s), highest %.2f)", $12, $13
		printf "\n"
	}' "$ROWS"

echo
echo "== the legitimate sender (127.0.0.1, valid recipients, both hosts in turn): answer time of its 250s, and its sessions without one, alone and during each attack (target: no added latency)"
awk -F'\t' '
	$1 == "base" { b50[$2] = $5; b99[$2] = $6; printf "%-13s alone                p50 %.4f s  p99 %.4f s  session p99 %.4f s  not 250: %s\n", $2, $5, $6, $7, $8 }
	$1 == "run" {
		printf "%-13s %-4s %-9s       p50 %.4f s  p99 %.4f s  session p99 %.4f s  not 250: %s of %s   added p50 %+.4f s, p99 %+.4f s\n",
			$2, $3, $4, $13, $14, $15, $16, $17, $13 - b50[$2], $14 - b99[$2]
	}' "$ROWS"
if [ -n "${BENCH_OUT:-}" ]; then
	echo
	echo "raw outputs: $RAW"
fi
