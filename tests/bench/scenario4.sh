#!/bin/bash
# tests/bench/scenario4.sh - the harvest: what an attacker learns, and what
# a legitimate sender pays, against Postfix's own recipient check and
# against milter-tarpit.
#
# The simulator (tests/bench/harvest) tries a list of candidates of which a
# known share is valid (S4_VALID, 10 %), over S4_CONNS connections, with each
# strategy (wait for every answer; reconnect after each probe; oracle: give
# up after S4_ORACLE_T s and call it "unknown"), from one address
# (127.2.0.1) and from a /24 (127.1.1.0/24, each connection from the next
# address), for S4_DURATION s (S4_PF_DURATION against Postfix alone, whose
# yield is a steady rate), against three configurations:
#   postfix     Postfix's defaults with relay_recipient_maps = ldap:, no milter
#   tarpit      milter-tarpit with its default settings (Postfix's own
#               recipient check off: the milter checks)
#   tarpit-esc  the same with escalation, as README's keep-alive example:
#               --keepalive --delay-factor 2 --delay-max 90 (default memory
#               and caps)
#   tarpit-p24  (only if named in S4_CONFIGS, and only against the /24)
#               the defaults with --ipv4-prefix 24: one score and one
#               per-network cap for the whole /24
# Every run has a fresh daemon and a fresh Postfix instance (no score or
# connection count carries over), one slapd with the candidates throughout.
# During each run a legitimate sender (harvest -s clean, from 127.0.0.1,
# one connection, a valid recipient per session every S4_CLEAN_INTERVAL s)
# measures its RCPT answer time; the same probe without an attack, per
# configuration, is the baseline.
#
# Reported per run: the attacker's yield (valid addresses found valid per
# second: the headline; when it found none, "< 1/elapsed"), correct
# verdicts/s, false positives, answered and unanswered probes, directory
# queries per probe (slapd's own log: searches for the candidates divided by
# the RCPTs the attacker sent) and the legitimate sender's answer times.
# Then the ratios of Postfix's yield to milter-tarpit's (target: >= 1000
# for every strategy) and the legitimate sender's added latency (target: 0).
# When milter-tarpit let no valid address through, the ratio is only known
# to be above Postfix's yield times the run's length: a 150 s run can show
# "> 1000" only where Postfix gives away more than 6.7 valid addresses a
# second.  Nothing is asserted: this prints figures.  Two shared cores: noisy.
#
# Environment: MT_BIN, MT_SRCDIR, MT_BUILDDIR (make bench sets them),
# BENCH_OUT (raw outputs go to $BENCH_OUT/scenario4/), BENCH_QUICK=1 (6 s
# runs, 20000 candidates), S4_DURATION (150), S4_PF_DURATION (20), S4_CONNS
# (50), S4_CANDIDATES
# (100000), S4_VALID (0.1), S4_ORACLE_T (1), S4_CLEAN_INTERVAL (0.2),
# S4_STRATEGIES, S4_SOURCES ("one net"), S4_CONFIGS.
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
	: "${S4_DURATION:=6}" "${S4_PF_DURATION:=4}" "${S4_CANDIDATES:=20000}"
fi
: "${S4_DURATION:=150}" "${S4_PF_DURATION:=20}" "${S4_CONNS:=50}" "${S4_CANDIDATES:=100000}"
: "${S4_VALID:=0.1}" "${S4_ORACLE_T:=1}" "${S4_CLEAN_INTERVAL:=0.2}"
: "${S4_STRATEGIES:=wait reconnect oracle}" "${S4_SOURCES:=one net}"
: "${S4_CONFIGS:=postfix tarpit tarpit-esc}"
BASE_SECS=$(awk -v d="$S4_DURATION" 'BEGIN { print (d < 10 ? d : 10) }')

hv_init
RAW=$MT_TMP/raw
[ -n "${BENCH_OUT:-}" ] && RAW=$BENCH_OUT/scenario4
mkdir -p "$RAW"
ROWS=$MT_TMP/rows

mt_say "scenario 4: $S4_CANDIDATES candidates (${S4_VALID} valid), $S4_CONNS connections, ${S4_DURATION} s a run (${S4_PF_DURATION} s against Postfix alone), oracle gives up after ${S4_ORACLE_T} s"
mt_say "$(uname -sr), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg); milter-tarpit $("$MT_BIN" -V 2>&1 | head -n 1)"

LIST=$MT_TMP/cands
"$HV_HARVEST" --make-list "$S4_CANDIDATES" --valid-fraction "$S4_VALID" >"$LIST" ||
	mt_fatal "harvest --make-list failed"
mt_start_slapd
hv_ldif_list "$LIST" >"$MT_TMP/cands.ldif"
hv_slapd_add "$MT_TMP/cands.ldif"
hv_ldap_cf "$MT_TMP/ldap-rcpt.cf"

# The harness sets smtpd_error_sleep_time = 0 for its tests; Postfix's
# default (1s, after smtpd_soft_error_limit errors) is part of "defaults".
# smtpd_peername_lookup = no: this machine's DNS does not answer every
# reverse lookup of 127.x.y.z at once, and an smtpd waiting seconds for the
# resolver before its banner measures the resolver.  The same for every
# configuration.  S4_PF_EXTRA: more NAME=VALUE settings for all of them.
# shellcheck disable=SC2206 # a list of settings
PF_COMMON=(smtpd_error_sleep_time=1s smtpd_peername_lookup=no ${S4_PF_EXTRA:-})
# shellcheck disable=SC2054 # the commas are part of the DN
MILTER_ARGS=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com)
CLEAN_TO=alice@example.com,bob@example.com,star@example.com
RUNS=0

# start_config CONFIG: the daemon (if any) and a fresh Postfix for CONFIG.
start_config() {
	RUNS=$((RUNS + 1))
	case $1 in
	postfix)
		hv_postfix "pf$RUNS" "" "${PF_COMMON[@]}" \
			"relay_recipient_maps=ldap:$MT_TMP/ldap-rcpt.cf" ;;
	tarpit | tarpit-esc | tarpit-p24)
		local extra=()
		[ "$1" = tarpit-esc ] && extra=(--keepalive --delay-factor 2 --delay-max 90)
		[ "$1" = tarpit-p24 ] && extra=(--ipv4-prefix 24)
		# MT_DEFENCE_ARGS empty: the daemon's defaults, defence on
		MT_DEFENCE_ARGS='' mt_start_milter "${MILTER_ARGS[@]}" "${extra[@]}"
		hv_postfix "pf$RUNS" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}" ;;
	*) mt_fatal "unknown configuration $1" ;;
	esac
}

stop_config() {
	hv_postfix_stop "pf$RUNS"
	[ -n "$MT_MILTER_PID" ] && mt_stop_milter_bg
	return 0
}

cand_searches() { grep -c 'filter="(mail=cand' "$MT_SLAPD_LOG"; }

# clean_probe SECS OUT: the legitimate sender, in the background (CLEAN_PID).
clean_probe() {
	"$HV_HARVEST" -s clean -c 1 -d "$1" --interval "$S4_CLEAN_INTERVAL" \
		--from 127.0.0.1 --to "$CLEAN_TO" --rcpt-timeout 120 \
		"127.0.0.1:$HV_PORT" >"$2" 2>&1 &
	CLEAN_PID=$!
}

# attack_once CONFIG SOURCE STRATEGY: one run, the legitimate sender
# alongside; 1 with DIED_RC set if a daemon died (hv_attack runs it again).
attack_once() {
	local cfg=$1 src=$2 strat=$3 from n0 n1 out clean secs=$S4_DURATION
	case $src in one) from=127.2.0.1 ;; net) from=127.1.1.0/24 ;; esac
	[ "$cfg" = postfix ] && secs=$S4_PF_DURATION
	out=$RAW/$cfg-$src-$strat.txt
	clean=$RAW/$cfg-$src-$strat.clean.txt
	start_config "$cfg"
	n0=$(cand_searches)
	clean_probe "$secs" "$clean"
	"$HV_HARVEST" -s "$strat" -c "$S4_CONNS" --from "$from" -l "$LIST" \
		-d "$secs" -t "$S4_ORACLE_T" --rcpt-timeout 300 \
		"127.0.0.1:$HV_PORT" >"$out" 2>&1 || mt_fatal "harvest failed: $(tail -n 3 "$out")"
	wait "$CLEAN_PID"
	if [ -n "$MT_MILTER_PID" ] && ! kill -0 "$MT_MILTER_PID" 2>/dev/null; then
		wait "$MT_MILTER_PID"
		DIED_RC=$?
		MT_MILTER_PID=
		stop_config
		return 1
	fi
	sleep 0.5 # the last lookups reach slapd's log
	n1=$(cand_searches)
	if [ -n "$MT_MILTER_PID" ]; then
		{
			echo "daemon: $(grep -c 'reason=harvest' "$MT_MILTER_LOG") harvest 421s," \
				"$(grep -c 'reason=tarpit-full' "$MT_MILTER_LOG") tarpit-full answers," \
				"$(grep -c 'reason=unknown-busy' "$MT_MILTER_LOG") unknown-busy," \
				"$(grep -c 'reason=unknown ' "$MT_MILTER_LOG") unknown," \
				"$(grep -c 'reason=exists' "$MT_MILTER_LOG") exists"
		} >>"$out"
		cp "$MT_MILTER_LOG" "$RAW/$cfg-$src-$strat.daemon.log"
	fi
	stop_config
	printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$cfg" "$src" "$strat" "$(hv_kv "$out" probes)" "$(hv_kv "$out" answered)" \
		"$(hv_kv "$out" tp)" "$(hv_kv "$out" fp)" "$(hv_kv "$out" yield)" \
		"$(hv_kv "$out" elapsed)" "$(hv_kv "$out" correct_per_s)" "$((n1 - n0))" \
		"$(hv_kv "$clean" rcpt_p50)" "$(hv_kv "$clean" rcpt_p99)" \
		"$(hv_kv "$clean" session_p99)" "$(hv_kv "$clean" bad)" "$(hv_kv "$clean" sessions)" >>"$ROWS"
	mt_say "$cfg from $src, $strat: yield $(hv_kv "$out" yield)/s (tp $(hv_kv "$out" tp), fp $(hv_kv "$out" fp)), probes $(hv_kv "$out" probes), queries $((n1 - n0)); clean p99 $(hv_kv "$clean" rcpt_p99) s, $(hv_kv "$clean" bad) not 250"
}

for cfg in $S4_CONFIGS; do hv_baseline "$cfg"; done
for cfg in $S4_CONFIGS; do
	for src in $S4_SOURCES; do
		[ "$cfg" = tarpit-p24 ] && [ "$src" != net ] && continue
		for strat in $S4_STRATEGIES; do hv_attack "$cfg" "$src" "$strat"; done
	done
done
cp "$ROWS" "$RAW/rows.tsv"

echo
echo "== scenario 4: the attacker's yield (headline: valid addresses found valid per second)"
awk -F'\t' '
	$1 == "run" {
		q = $5 > 0 ? sprintf("%.2f", $12 / $5) : "-"
		y = $7 > 0 ? sprintf("%.3f", $9) : sprintf("<%.4f", 1 / $10)
		printf "%-10s %-4s %-9s probes %7d answered %7d tp %6d fp %3d  yield %10s/s  correct %9.2f/s  queries/probe %s\n",
			$2, $3, $4, $5, $6, $7, $8, y, $11, q
	}' "$ROWS"

echo
echo "== Postfix's yield / milter-tarpit's (target >= 1000 for every strategy; \">\" where milter-tarpit found nothing: its yield < 1/elapsed)"
awk -F'\t' '
	$1 == "run" { tp[$2, $3, $4] = $7; y[$2, $3, $4] = $9; el[$2, $3, $4] = $10; seen[$3, $4] = 1 }
	END {
		for (k in seen) {
			split(k, p, SUBSEP)
			if (!(("postfix", p[1], p[2]) in y)) continue
			base = y["postfix", p[1], p[2]]
			line = sprintf("%-4s %-9s postfix %8.3f/s", p[1], p[2], base)
			n = split("tarpit tarpit-esc tarpit-p24", c, " ")
			for (i = 1; i <= n; i++) {
				if (!((c[i], p[1], p[2]) in y)) continue
				if (tp[c[i], p[1], p[2]] > 0) {
					r = base / y[c[i], p[1], p[2]]; rs = sprintf("%.0f", r)
				} else {
					r = base * el[c[i], p[1], p[2]]; rs = sprintf(">%.0f", r)
				}
				line = line sprintf("   %s: x%-8s %s", c[i], rs, r >= 1000 ? "met" : "MISSED")
			}
			print line
		}
	}' "$ROWS" | sort

echo
echo "== the legitimate sender (127.0.0.1, valid recipients): answer time of its 250s, and its sessions without one, alone and during each attack (target: no added latency)"
awk -F'\t' '
	$1 == "base" { b50[$2] = $5; b99[$2] = $6; printf "%-10s alone                p50 %.4f s  p99 %.4f s  session p99 %.4f s  not 250: %s\n", $2, $5, $6, $7, $8 }
	$1 == "run" {
		printf "%-10s %-4s %-9s       p50 %.4f s  p99 %.4f s  session p99 %.4f s  not 250: %s of %s   added p50 %+.4f s, p99 %+.4f s\n",
			$2, $3, $4, $13, $14, $15, $16, $17, $13 - b50[$2], $14 - b99[$2]
	}' "$ROWS"
if [ -n "${BENCH_OUT:-}" ]; then
	echo
	echo "raw outputs: $RAW"
fi
