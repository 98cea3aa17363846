#!/bin/bash
# tests/bench/scenario6.sh - the botnet: the harvest from a fresh source
# address for every session, and what the legitimate senders pay meanwhile,
# against Postfix's own recipient check and against milter-tarpit.
#
# The simulator (tests/bench/harvest) tries a list of candidates of which a
# known share is valid (S6_VALID, 10 %) with each strategy (S6_STRATEGIES):
#   wait          many RCPTs per connection, every answer awaited
#   reconnect-1   one RCPT per connection, then a new one
#   reconnect-9   nine RCPTs per connection, then a new one
#   oracle-1s     like wait, but no answer within 1 s counts as "unknown"
# from each source (S6_SOURCES):
#   one    one address (127.2.0.1), S6_BASE_CONNS (50) connections
#   net    a /24 (127.1.1.0/24, each connection from the next address),
#          S6_BASE_CONNS connections
#   bot4   a botnet in loopback's 127.0.0.0/9: every session from the next
#          address (harvest --source-prefix S6_BOT4, 127.16.0.0/9: from
#          127.16.0.1 on, so that it shares no /16 with the legitimate
#          senders), at each of S6_CONNS (20 100 200) connections
#   bot6   a botnet in 2001:db8::/32, every session from another /48, at
#          each of S6_CONNS connections; these runs happen in a network
#          namespace this script makes (and removes at exit): slapd, the
#          daemon, Postfix (also on [::1]) and every client run inside it,
#          the attacker connecting to [::1] from 2001:db8::/32
# for DURATION s a run (default 120; the real figures need >= 120)
# against two configurations (S6_CONFIGS):
#   postfix  Postfix's defaults with relay_recipient_maps = ldap:, no milter
#   tarpit   milter-tarpit with its defaults (and MT_EXTRA_ARGS: flags to
#            try), Postfix's own recipient check off
# Postfix keeps its default process limit (100 smtpd): at 200 connections
# half of the attacker waits in the listen queue, with everybody else.
# Every run has a fresh daemon and Postfix; one slapd with the candidates.
#
# Beside each attack, the legitimate side:
#   known-good  127.0.0.1 delivers two messages (swaks, with DATA) before
#               the attack starts, then measures its RCPT answer times
#               during it (harvest -s clean, a valid recipient per session
#               every S6_CLEAN_INTERVAL s): p50/p99 added to the same
#               probe's without an attack (the baseline, per configuration)
#   new sender  a second private Postfix as another site's MTA (relayhost
#               the receiving Postfix, smtp_bind_address 127.200.0.1, retry
#               after 5 to 20 s) is given S6_NEW_MSGS (3) messages to valid
#               recipients, spread over the attack; reported: how many the
#               receiving Postfix got (its log: status=sent) within the
#               attack and S6_GRACE (30) s after, its deferrals, and how
#               late (the sending MTA's delay=: from submission to the
#               receiving side's "queued as"); in the baseline, the same
#               with no attack
#   callouts    halfway through, a sender-verify callout (MAIL FROM:<>, one
#               RCPT to a valid user, QUIT) from the known-good network
#               (127.0.0.1, the known-good sender itself) and from a new one (127.201.0.1): the answer
#               and its time
# Reported per run: found/s (valid addresses found valid per second: the
# headline; "<1/elapsed" when none), classified/s (correct verdicts per
# second), Postfix's found/s divided by milter-tarpit's, and the above.
# Nothing is asserted: this prints figures.  Two shared cores: noisy.
#
# Environment: MT_BIN, MT_SRCDIR, MT_BUILDDIR (make bench sets them),
# BENCH_OUT (raw outputs go to $BENCH_OUT/scenario6/), BENCH_QUICK=1 (15 s
# runs, 20000 candidates, 20 connections), DURATION (120), S6_PF_DURATION
# (DURATION), S6_CONNS, S6_BASE_CONNS, S6_STRATEGIES, S6_SOURCES ("one net
# bot4 bot6"), S6_CONFIGS, S6_CANDIDATES (100000), S6_VALID,
# S6_CLEAN_INTERVAL (0.2), S6_NEW_MSGS, S6_GRACE, S6_BOT4, S6_PF_EXTRA
# (NAME=VALUE settings for every receiving Postfix), MT_EXTRA_ARGS.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/bench/hvlib.sh
. "$MT_SRCDIR/tests/bench/hvlib.sh"

mt_require_root
mt_require postfix postconf slapd saslpasswd2 swaks ss ip
mt_require_bin
[ -x "$HV_HARVEST" ] || mt_fatal "harvest simulator not built: $HV_HARVEST (make check builds it)"
hv_has_ldap_table || mt_skip "Postfix has no ldap: table (Debian package postfix-ldap)"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${DURATION:=15}" "${S6_CANDIDATES:=20000}" "${S6_CONNS:=20}"
fi
: "${DURATION:=120}" "${S6_PF_DURATION:=$DURATION}" "${S6_CONNS:=20 100 200}"
: "${S6_BASE_CONNS:=50}" "${S6_CANDIDATES:=100000}" "${S6_VALID:=0.1}"
: "${S6_STRATEGIES:=wait reconnect-1 reconnect-9 oracle-1s}"
: "${S6_SOURCES:=one net bot4 bot6}" "${S6_CONFIGS:=postfix tarpit}"
: "${S6_CLEAN_INTERVAL:=0.2}" "${S6_NEW_MSGS:=3}" "${S6_GRACE:=30}"
: "${S6_BOT4:=127.16.0.0/9}"
export DURATION S6_PF_DURATION S6_CONNS S6_BASE_CONNS S6_CANDIDATES S6_VALID \
	S6_STRATEGIES S6_CONFIGS S6_CLEAN_INTERVAL S6_NEW_MSGS S6_GRACE \
	S6_BOT4 S6_PF_EXTRA MT_EXTRA_ARGS BENCH_OUT
BASE_SECS=$(awk -v d="$DURATION" 'BEGIN { print (d < 10 ? d : 10) }')
FAM=${S6_FAMILY:-v4} # v6: this is the run inside the namespace

hv_init
RAW=$MT_TMP/raw
[ -n "${BENCH_OUT:-}" ] && RAW=$BENCH_OUT/scenario6
[ "$FAM" = v6 ] && RAW=$RAW/ipv6
mkdir -p "$RAW"
ROWS=$MT_TMP/rows
: >"$ROWS"

if [ "$FAM" = v4 ]; then
	mt_say "scenario 6: botnet; $S6_CANDIDATES candidates (${S6_VALID} valid), ${DURATION} s a run (${S6_PF_DURATION} s against Postfix alone); botnets at $S6_CONNS connections, one address and a /24 at $S6_BASE_CONNS"
	mt_say "$(uname -sr), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg); milter-tarpit $("$MT_BIN" -V 2>&1 | head -n 1); extra daemon flags: ${MT_EXTRA_ARGS:-none}"
fi

# As in scenario 4: Postfix's smtpd_error_sleep_time default (the harness
# sets 0), no reverse lookups of 127.x.y.z (this machine's resolver).
# shellcheck disable=SC2206 # a list of settings
PF_COMMON=(smtpd_error_sleep_time=1s smtpd_peername_lookup=no ${S6_PF_EXTRA:-})
# shellcheck disable=SC2206 # a list of flags
EXTRA_ARGS=(${MT_EXTRA_ARGS:-})
CLEAN_TO=alice@example.com,bob@example.com,star@example.com
RUNS=0

# start_config CONFIG: the daemon (if any) and a fresh Postfix for CONFIG
# (in the namespace also on [::1]); the known-good sender delivers two
# messages to it.  RCV_LOG: its maillog.
start_config() {
	local i
	RUNS=$((RUNS + 1))
	case $1 in
	postfix)
		hv_postfix "pf$RUNS" "" "${PF_COMMON[@]}" \
			"relay_recipient_maps=ldap:$MT_TMP/ldap-rcpt.cf" ;;
	tarpit)
		# MT_DEFENCE_ARGS empty: the daemon's defaults, defence on
		MT_DEFENCE_ARGS='' mt_start_milter -H "$MT_LDAP_URI" \
			-b dc=example,dc=com -d example.com "${EXTRA_ARGS[@]}"
		hv_postfix "pf$RUNS" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}" ;;
	*) mt_fatal "unknown configuration $1" ;;
	esac
	[ "$FAM" = v6 ] && hv_postfix_ipv6 "pf$RUNS"
	RCV_PORT=$HV_PORT
	RCV_LOG=$MT_MAILLOG
	for i in alice bob; do
		swaks --server "127.0.0.1:$RCV_PORT" --helo known.test.invalid \
			--from friend@known.test.invalid --to "$i@example.com" \
			--timeout 30 >"$MT_TMP/known-$RUNS-$i.log" 2>&1 ||
			mt_say "warning: the known-good sender's message to $i was not taken"
	done
}

stop_config() {
	hv_postfix_stop "pf$RUNS"
	hv_postfix_stop "snd$RUNS"
	[ -n "$MT_MILTER_PID" ] && mt_stop_milter_bg
	return 0
}

# clean_probe SECS OUT: the known-good sender, in the background (CLEAN_PID).
clean_probe() {
	"$HV_HARVEST" -s clean -c 1 -d "$1" --interval "$S6_CLEAN_INTERVAL" \
		--from 127.0.0.1 --to "$CLEAN_TO" --rcpt-timeout 120 \
		"127.0.0.1:$RCV_PORT" >"$2" 2>&1 &
	CLEAN_PID=$!
}

# legit_side SECS TAG: the new sender's messages over SECS seconds and the
# callouts halfway; then up to S6_GRACE s for the messages to arrive.
# LEGIT: its figures, tab-separated (hv_deliveries, then the callouts).
legit_side() {
	local secs=$1 tag=$2 t0 i at good new rcv=$RCV_LOG cbs=()
	echo "- -" >"$MT_TMP/cb-good"
	echo "- -" >"$MT_TMP/cb-new"
	t0=$(mt_now)
	hv_sender_mta "snd$RUNS" "$RCV_PORT" 127.200.0.1
	MT_MAILLOG=$rcv
	for i in $(seq "$S6_NEW_MSGS"); do
		at=$(awk -v s="$secs" -v n="$S6_NEW_MSGS" -v i="$i" 'BEGIN { print s * i / (n + 1) }')
		sleep "$(awk -v a="$at" -v e="$(mt_elapsed "$t0")" 'BEGIN { print (a > e ? a - e : 0) }')"
		hv_submit "$HV_PORT" "s6-$RUNS-$i" "$(echo "$CLEAN_TO" | cut -d, -f$(((i - 1) % 3 + 1)))" ||
			mt_say "warning: message $i not taken by the sending MTA"
		if [ "$i" = $(((S6_NEW_MSGS + 1) / 2)) ]; then
			hv_callout "127.0.0.1:$RCV_PORT" 127.0.0.1 "$RAW/$tag.callout-good.txt" >"$MT_TMP/cb-good" &
			cbs+=($!)
			hv_callout "127.0.0.1:$RCV_PORT" 127.201.0.1 "$RAW/$tag.callout-new.txt" >"$MT_TMP/cb-new" &
			cbs+=($!)
		fi
	done
	sleep "$(awk -v s="$secs" -v e="$(mt_elapsed "$t0")" 'BEGIN { print (s > e ? s - e : 0) }')"
	# shellcheck disable=SC2016 # eval expands them, at each try
	mt_wait_for "$S6_GRACE" eval '[ "$(hv_deliveries "$HV_TMP/snd$RUNS/postfix/maillog" "$rcv" "s6-$RUNS-" | cut -f2)" -ge "$S6_NEW_MSGS" ]'
	[ ${#cbs[@]} -gt 0 ] && wait "${cbs[@]}"
	good=$(cat "$MT_TMP/cb-good") new=$(cat "$MT_TMP/cb-new")
	LEGIT=$(printf '%s\t%s\t%s\t%s\t%s' "$(hv_deliveries "$HV_TMP/snd$RUNS/postfix/maillog" "$rcv" "s6-$RUNS-")" \
		"${good% *}" "${good#* }" "${new% *}" "${new#* }")
	cp "$HV_TMP/snd$RUNS/postfix/maillog" "$RAW/$tag.sender-mta.log"
}

# baseline_extra CONFIG: hv_baseline's hook: the new sender, no attack.
baseline_extra() {
	legit_side "$BASE_SECS" "baseline-$1-$FAM"
	printf 'lbase\t%s\t%s\t%s\n' "$1" "$FAM" "$LEGIT" >>"$ROWS"
}

# attack_once CONFIG SOURCE STRATEGY CONNS: one run, the legitimate side
# alongside; 1 with DIED_RC set if the daemon died (hv_attack runs it again).
attack_once() {
	local cfg=$1 src=$2 strat=$3 conns=$4 server out clean tag secs=$DURATION hpid args=()
	case $src in
	one) args=(--from 127.2.0.1) ;;
	net) args=(--from 127.1.1.0/24) ;;
	bot4) args=(--source-prefix "$S6_BOT4") ;;
	bot6) args=(--source-prefix 2001:db8::/32) ;;
	esac
	case $strat in
	wait) args+=(-s wait) ;;
	reconnect-*) args+=(-s reconnect --reconnect-after "${strat#reconnect-}") ;;
	oracle-1s) args+=(-s oracle -t 1) ;;
	*) mt_fatal "unknown strategy $strat" ;;
	esac
	[ "$cfg" = postfix ] && secs=$S6_PF_DURATION
	tag=$cfg-$src-$strat-$conns
	out=$RAW/$tag.txt
	clean=$RAW/$tag.clean.txt
	start_config "$cfg"
	server=127.0.0.1:$RCV_PORT
	[ "$src" = bot6 ] && server="[::1]:$RCV_PORT"
	clean_probe "$secs" "$clean"
	"$HV_HARVEST" "${args[@]}" -c "$conns" -l "$LIST" -d "$secs" \
		--rcpt-timeout 300 "$server" >"$out" 2>&1 &
	hpid=$!
	legit_side "$secs" "$tag"
	wait "$hpid" || mt_fatal "harvest failed: $(tail -n 3 "$out")"
	wait "$CLEAN_PID"
	if [ -n "$MT_MILTER_PID" ] && ! kill -0 "$MT_MILTER_PID" 2>/dev/null; then
		wait "$MT_MILTER_PID"
		DIED_RC=$?
		MT_MILTER_PID=
		stop_config
		return 1
	fi
	if [ -n "$MT_MILTER_PID" ]; then
		echo "daemon: $(grep -c 'reason=harvest' "$MT_MILTER_LOG") harvest 421s," \
			"$(grep -c 'reason=tarpit-full' "$MT_MILTER_LOG") tarpit-full answers," \
			"$(grep -c 'reason=unknown ' "$MT_MILTER_LOG") unknown," \
			"$(grep -c 'reason=exists' "$MT_MILTER_LOG") exists" >>"$out"
		cp "$MT_MILTER_LOG" "$RAW/$tag.daemon.log"
	fi
	cp "$RCV_LOG" "$RAW/$tag.maillog"
	stop_config
	printf 'run\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$cfg" "$src" "$strat" "$conns" "$FAM" "$(hv_kv "$out" probes)" \
		"$(hv_kv "$out" tp)" "$(hv_kv "$out" fp)" "$(hv_kv "$out" yield)" \
		"$(hv_kv "$out" elapsed)" "$(hv_kv "$out" correct_per_s)" "$(hv_kv "$out" sources)" \
		"$(hv_kv "$clean" rcpt_p50)" "$(hv_kv "$clean" rcpt_p99)" \
		"$(hv_kv "$clean" bad)" "$(hv_kv "$clean" sessions)" "$LEGIT" >>"$ROWS"
	mt_say "$tag: found $(hv_kv "$out" yield)/s (tp $(hv_kv "$out" tp), fp $(hv_kv "$out" fp)), classified $(hv_kv "$out" correct_per_s)/s, from $(hv_kv "$out" sources) addresses; known-good p99 $(hv_kv "$clean" rcpt_p99) s; new sender (sent, delivered, deferrals, max delay, delays, callouts): $LEGIT"
}

# setup_directory: the candidates, in slapd (started here) and a list.
setup_directory() {
	LIST=$MT_TMP/cands
	"$HV_HARVEST" --make-list "$S6_CANDIDATES" --valid-fraction "$S6_VALID" >"$LIST" ||
		mt_fatal "harvest --make-list failed"
	mt_start_slapd
	hv_ldif_list "$LIST" >"$MT_TMP/cands.ldif"
	hv_slapd_add "$MT_TMP/cands.ldif"
	hv_ldap_cf "$MT_TMP/ldap-rcpt.cf"
}

# run_rows SOURCES: the baselines and every run of these sources.
run_rows() {
	local cfg src strat n conns
	setup_directory
	for cfg in $S6_CONFIGS; do hv_baseline "$cfg"; done
	for cfg in $S6_CONFIGS; do
		for src in $1; do
			conns=$S6_BASE_CONNS
			case $src in bot*) conns=$S6_CONNS ;; esac
			for n in $conns; do
				for strat in $S6_STRATEGIES; do
					hv_attack "$cfg" "$src" "$strat" "$n"
				done
			done
		done
	done
}

if [ "$FAM" = v6 ]; then # inside the namespace: the bot6 rows, then back
	run_rows bot6
	awk -F'\t' -v OFS='\t' '$1 == "base" { $3 = "v6" } { print }' "$ROWS" >"$S6_ROWS_OUT"
	exit 0
fi
# shellcheck disable=SC2086 # a list of names
SRC4=$(printf '%s\n' $S6_SOURCES | grep -vx bot6 | tr '\n' ' ')
[ -n "${SRC4// /}" ] && run_rows "$SRC4"
awk -F'\t' -v OFS='\t' '$1 == "base" { $3 = "v4" } { print }' "$ROWS" >"$ROWS.all"
# shellcheck disable=SC2086 # a list of names
if printf '%s\n' $S6_SOURCES | grep -qx bot6; then
	hv_netns_add "mtbench6-$$"
	mt_say "bot6 rows: in network namespace $HV_NETNS"
	S6_FAMILY=v6 S6_ROWS_OUT=$MT_TMP/rows6 ip netns exec "$HV_NETNS" \
		bash "$0" || mt_fatal "the runs in namespace $HV_NETNS failed"
	cat "$MT_TMP/rows6" >>"$ROWS.all"
	hv_netns_del
fi
ROWS=$ROWS.all
cp "$ROWS" "$RAW/rows.tsv"
echo
echo "== scenario 6: the botnet; found/s (valid addresses found valid per second: the headline; \"<\" none found: 1/elapsed), classified/s (correct verdicts per second), Postfix's found/s / milter-tarpit's (\">\" where milter-tarpit found none)"
awk -F'\t' '
	$1 == "run" {
		k = $3 SUBSEP $4 SUBSEP $5
		if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		tp[$2, k] = $8; y[$2, k] = $10; el[$2, k] = $11; c[$2, k] = $12; src[$2, k] = $13
	}
	function has(cfg, k) { return (cfg SUBSEP k) in y }
	function found(cfg, k) {
		if (!has(cfg, k)) return "-"
		return tp[cfg, k] > 0 ? sprintf("%.3f", y[cfg, k]) : sprintf("<%.4f", 1 / el[cfg, k])
	}
	function classified(cfg, k) { return has(cfg, k) ? sprintf("%.2f", c[cfg, k]) : "-" }
	function ratio(k) {
		if (!has("postfix", k) || !has("tarpit", k)) return "-"
		if (tp["tarpit", k] > 0) {
			r = y["postfix", k] / y["tarpit", k]
			return sprintf(r < 10 ? "%.2f" : "%.0f", r)
		}
		return sprintf(">%.0f", y["postfix", k] * el["tarpit", k])
	}
	END {
		printf "%-6s %-12s %5s | %-24s | %-24s | %9s | %s\n", "source", "strategy", "conns",
			"postfix", "tarpit", "addresses", "postfix/tarpit"
		printf "%-6s %-12s %5s | %10s %13s | %10s %13s | %9s |\n", "", "", "", "found/s", "classified/s",
			"found/s", "classified/s", "(tarpit)"
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, p, SUBSEP)
			a = has("tarpit", k) ? src["tarpit", k] : src["postfix", k]
			printf "%-6s %-12s %5s | %10s %13s | %10s %13s | %9s | %s\n", p[1], p[2], p[3],
				found("postfix", k), classified("postfix", k),
				found("tarpit", k), classified("tarpit", k), a, ratio(k)
		}
	}' "$ROWS"

echo
echo "== the legitimate side: known-good sender (127.0.0.1, delivered mail before): RCPT answer p50/p99 and added to its baseline, not 250; new sender (a Postfix from 127.200.0.1): messages delivered of sent, deferrals, largest delay (s, submission to delivery); sender-verify callouts from the known-good network (127.0.0.1) and a new one (127.201.0.1): answer and seconds"
awk -F'\t' '
	NR == FNR { if ($1 == "base") { b50[$2, $3] = $5; b99[$2, $3] = $6; bb[$2, $3] = $8 }; next }
	FNR == 1 {
		printf "%-7s %-2s %-24s | %-40s | %-27s | %s\n", "config", "", "attack", "known-good: RCPT p50 p99 s, added p50 p99", "new sender: delivered", "callouts: known-good net, new net"
	}
	$1 == "lbase" {
		printf "%-7s %-2s %-24s | %7.4f %7.4f %8s %8s not-250 %-3s | %s/%s defer %s max %5s s | %3s %7s s  %3s %7s s\n",
			$2, $3, "none", b50[$2, $3], b99[$2, $3], "", "", bb[$2, $3], $5, $4, $6, $7, $9, $10, $11, $12
	}
	$1 == "run" {
		printf "%-7s %-2s %-4s %-12s %4s c | %7.4f %7.4f %+8.4f %+8.4f not-250 %-3s | %s/%s defer %s max %5s s | %3s %7s s  %3s %7s s\n",
			$2, $6, $3, $4, $5, $14, $15, $14 - b50[$2, $6], $15 - b99[$2, $6], $16,
			$19, $18, $20, $21, $23, $24, $25, $26
	}' "$ROWS" "$ROWS"
if [ -n "${BENCH_OUT:-}" ]; then
	echo
	echo "raw outputs: $RAW"
fi
