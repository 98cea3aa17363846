#!/bin/bash
# tests/bench/scenario7.sh - legitimate throughput under attack: how many
# messages a sender with valid recipients gets through while a harvester
# hammers the same Postfix, against the same sender's rate with no attack.
#
# The legitimate side is scenario 2's first workload: smtp-source -s 20 -N
# -r 10 from 127.0.0.1 (a new connection per message, every recipient one
# of slapd's 1u@example.com ...), in batches of S7_BATCH messages, one
# after the other, for S7_DURATION s; messages/s = the messages the
# receiving Postfix's cleanup took (its maillog's message-id= lines) over
# the seconds the batches took; with S7_KNOWN=1 (the default) the sender
# delivered one message before the run, as a site's regular correspondent
# has (milter-tarpit's attack mode greylists a client it does not know:
# smtp-source does not retry a 451).  The attack (S7_ATTACKS): the harvester
# (tests/bench/harvest -s reconnect, one RCPT per connection, S7_CONNS
# connections, a list of candidates of which 10 % valid), from
#   one   one address (127.2.0.1)
#   net   a /24 (127.1.1.0/24, each connection from the next address)
#   bot4  a botnet: every session from the next address of S7_BOT4
#         (127.16.0.0/9, from 127.16.0.1 on)
# started S7_RAMP s before the legitimate sender and running until it is
# done; "quiet" is the sender alone.  Configurations (S7_CONFIGS):
#   postfix     Postfix alone, relay_recipient_maps = ldap:, no milter
#   tarpit      milter-tarpit with its defaults
#   postscreen  milter-tarpit --postscreen-file FILE, and postscreen in
#               front of smtpd (postscreen_access_list = cidr:FILE,
#               postscreen_denylist_action = enforce, Postfix's other
#               postscreen defaults); a loop in this script runs
#               `postfix reload` within a second of each change of FILE
#   fail2ban    milter-tarpit's defaults, and a private fail2ban-server
#               (its own config, socket, pid file and database in a temp
#               dir) with contrib/fail2ban's filter on the daemon's log and
#               an action that only appends "IP reject" to a file (no
#               firewall is touched); that file is postscreen's access
#               list as above, the same reload loop
# Every run has a fresh daemon, Postfix (and fail2ban); one slapd holds the
# sender's recipients and the candidates; Postfix keeps its default
# process limit (100 smtpd) and smtpd_error_sleep_time (1s).
# Printed: messages/s quiet and under each attack, the ratio attack/quiet
# (target >= 0.9), and beside it the attacker's connections/s (each a
# reconnect) and valid addresses found/s, the reloads and bans.  Nothing is
# asserted: this prints figures.  Two shared cores: noisy.
#
# Environment: MT_BIN, MT_SRCDIR, MT_BUILDDIR (make bench sets them),
# BENCH_OUT (raw outputs go to $BENCH_OUT/scenario7/), BENCH_QUICK=1 (5 s
# runs, configurations postfix and postscreen, attacks one and bot4),
# S7_DURATION (60), S7_RAMP (2), S7_CONFIGS ("postfix tarpit postscreen
# fail2ban"), S7_ATTACKS ("one net bot4"), S7_CONNS (50), S7_SESSIONS (20),
# S7_BATCH (200), S7_CANDIDATES (100000), S7_BOT4, S7_KNOWN (1: the sender
# delivers one message before each run, so the daemon knows it as good; 0:
# it is new), S7_PF_EXTRA (NAME=VALUE settings for every Postfix),
# MT_EXTRA_ARGS (more daemon flags).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/bench/hvlib.sh
. "$MT_SRCDIR/tests/bench/hvlib.sh"

mt_require_root
mt_require postfix postconf slapd saslpasswd2 swaks ss smtp-source
mt_require_bin
[ -x "$HV_HARVEST" ] || mt_fatal "harvest simulator not built: $HV_HARVEST (make check builds it)"
hv_has_ldap_table || mt_skip "Postfix has no ldap: table (Debian package postfix-ldap)"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${S7_DURATION:=5}" "${S7_CANDIDATES:=20000}" "${S7_CONFIGS:=postfix postscreen}"
	: "${S7_ATTACKS:=one bot4}" "${S7_BATCH:=50}"
fi
: "${S7_DURATION:=60}" "${S7_RAMP:=2}" "${S7_CONFIGS:=postfix tarpit postscreen fail2ban}"
: "${S7_ATTACKS:=one net bot4}" "${S7_CONNS:=50}" "${S7_SESSIONS:=20}" "${S7_BATCH:=200}"
: "${S7_CANDIDATES:=100000}" "${S7_BOT4:=127.16.0.0/9}" "${S7_KNOWN:=1}"
case " $S7_CONFIGS " in
*" fail2ban "*)
	if ! command -v fail2ban-server >/dev/null || ! command -v fail2ban-client >/dev/null ||
		[ ! -r /etc/fail2ban/filter.d/common.conf ]; then
		mt_say "fail2ban (Debian package fail2ban) not installed: no fail2ban runs"
		# shellcheck disable=SC2086 # a list of names
		S7_CONFIGS=$(printf '%s\n' $S7_CONFIGS | grep -vx fail2ban | tr '\n' ' ')
	fi
	;;
esac
NRCPT=20000

hv_init
RAW=$MT_TMP/raw
[ -n "${BENCH_OUT:-}" ] && RAW=$BENCH_OUT/scenario7
mkdir -p "$RAW"
ROWS=$MT_TMP/rows
: >"$ROWS"
mt_say "scenario 7: legitimate throughput under attack; smtp-source -s $S7_SESSIONS -N -r 10 in batches of $S7_BATCH, $S7_DURATION s a run; harvest -s reconnect -c $S7_CONNS from $S7_ATTACKS; configurations $S7_CONFIGS"
mt_say "$(uname -sr), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg); milter-tarpit $("$MT_BIN" -V 2>&1 | head -n 1); extra daemon flags: ${MT_EXTRA_ARGS:-none}"

# slapd: the sender's recipients (1u@ ... NRCPTu@example.com) and the
# harvester's valid candidates
LIST=$MT_TMP/cands
"$HV_HARVEST" --make-list "$S7_CANDIDATES" --valid-fraction 0.1 >"$LIST" ||
	mt_fatal "harvest --make-list failed"
mt_start_slapd
{
	seq 1 "$NRCPT" | sed 's/$/u@example.com/' | hv_ldif_addrs
	hv_ldif_list "$LIST"
} >"$MT_TMP/rcpts.ldif"
hv_slapd_add "$MT_TMP/rcpts.ldif" nostats
hv_ldap_cf "$MT_TMP/ldap-rcpt.cf"

# shellcheck disable=SC2206 # a list of settings
PF_COMMON=(smtpd_error_sleep_time=1s smtpd_peername_lookup=no ${S7_PF_EXTRA:-})
# shellcheck disable=SC2054,SC2206 # the commas are part of the DN; a list
MILTER_ARGS=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com ${MT_EXTRA_ARGS:-})
RUNS=0
RELOADER_PID=
F2B_DIR=

# pf_reloads LOG: how many times Postfix logged a reload.
pf_reloads() { grep -c 'reload -- version' "$1" 2>/dev/null; }

# pf_reload CONF LOG: postfix reload, and wait until it is logged.
pf_reload() {
	# shellcheck disable=SC2034 # read by the eval below
	PF_RELOAD_LOG=$2 PF_RELOAD_BEFORE=$(pf_reloads "$2")
	postfix -c "$1" reload >/dev/null 2>&1 || mt_fatal "postfix -c $1 reload failed"
	# shellcheck disable=SC2016 # eval expands them, at each try
	mt_wait_for 5 eval '[ "$(pf_reloads "$PF_RELOAD_LOG")" -gt "$PF_RELOAD_BEFORE" ]' ||
		mt_say "warning: Postfix ($1) did not log its reload"
}

# postscreen_on ACCESS: put postscreen in front of the smtpd of the
# instance just made (HV_CONF, HV_PORT, MT_MAILLOG), its access list the
# cidr: table ACCESS, and reload.
postscreen_on() {
	postconf -c "$HV_CONF" -e "postscreen_access_list = cidr:$1" \
		"postscreen_denylist_action = enforce" || mt_fatal "postconf -e failed"
	postconf -c "$HV_CONF" -M -e "127.0.0.1:$HV_PORT/inet=127.0.0.1:$HV_PORT inet n - n - 1 postscreen" \
		"smtpd/pass=smtpd pass - - n - - smtpd" || mt_fatal "postconf -M failed"
	pf_reload "$HV_CONF" "$MT_MAILLOG"
	hv_warm "$HV_PORT"
}

# reloader_start FILE CONF: in the background, `postfix reload` within a
# second of each change of FILE (RELOADER_PID); one line per reload in
# $RAW/TAG.reloads.
reloader_start() {
	local file=$1 conf=$2 log=$RAW/$TAG.reloads
	: >"$log"
	(
		last=$(cksum <"$file" 2>/dev/null)
		while sleep 1; do
			now=$(cksum <"$file" 2>/dev/null)
			[ "$now" = "$last" ] && continue
			last=$now
			postfix -c "$conf" reload >/dev/null 2>&1
			echo "$(date +%H:%M:%S.%N) $(grep -vc '^#' "$file") lines" >>"$log"
		done
	) &
	RELOADER_PID=$!
	mt_track_pid "$RELOADER_PID"
}

# f2b_start LOG BANFILE: a private fail2ban-server watching the daemon's
# LOG with contrib/fail2ban's filter; its one action appends "IP reject"
# to BANFILE.  Everything in F2B_DIR, nothing of the system's fail2ban.
f2b_start() {
	F2B_DIR=$MT_TMP/f2b$RUNS
	mkdir -p "$F2B_DIR/filter.d" "$F2B_DIR/action.d"
	cp /etc/fail2ban/filter.d/common.conf "$MT_SRCDIR/contrib/fail2ban/filter.d/milter-tarpit.conf" \
		"$F2B_DIR/filter.d/" || mt_fatal "cannot copy the fail2ban filter"
	cat >"$F2B_DIR/fail2ban.conf" <<-EOF
		[Definition]
		loglevel = INFO
		logtarget = $F2B_DIR/fail2ban.log
		socket = $F2B_DIR/fail2ban.sock
		pidfile = $F2B_DIR/fail2ban.pid
		dbfile = $F2B_DIR/fail2ban.sqlite3
		dbpurgeage = 1d
	EOF
	cat >"$F2B_DIR/action.d/banfile.conf" <<-EOF
		# no firewall: the banned address goes to a Postfix cidr: table
		[Definition]
		actionstart =
		actionstop =
		actioncheck =
		actionban = printf '%%s reject\n' '<ip>' >>'$2'
		actionunban =
	EOF
	cat >"$F2B_DIR/jail.conf" <<-EOF
		[milter-tarpit]
		enabled   = true
		filter    = milter-tarpit
		action    = banfile
		logpath   = $1
		backend   = polling
		maxretry  = 1
		findtime  = 1800
		bantime   = 4200
		ignoreself = false
		ignoreip  =
	EOF
	fail2ban-client -c "$F2B_DIR" -s "$F2B_DIR/fail2ban.sock" -p "$F2B_DIR/fail2ban.pid" \
		-x start >"$F2B_DIR/start.log" 2>&1 ||
		{ cat "$F2B_DIR/start.log"; mt_fatal "private fail2ban-server did not start"; }
	mt_track_pid "$(cat "$F2B_DIR/fail2ban.pid")"
	mt_say "fail2ban-server up: pid $(cat "$F2B_DIR/fail2ban.pid"), $F2B_DIR, jail on $1"
}

f2b_stop() {
	[ -n "$F2B_DIR" ] || return 0
	fail2ban-client -c "$F2B_DIR" -s "$F2B_DIR/fail2ban.sock" stop >/dev/null 2>&1
	cp "$F2B_DIR/fail2ban.log" "$RAW/$TAG.fail2ban.log" 2>/dev/null
	F2B_DIR=
}

# start_config CONFIG: the daemon (if any), a fresh Postfix (RCV_PORT,
# RCV_LOG), and for postscreen and fail2ban their table (ACCESS) and the
# reload loop.
start_config() {
	local conf
	RUNS=$((RUNS + 1))
	ACCESS=
	case $1 in
	postfix)
		hv_postfix "pf$RUNS" "" "${PF_COMMON[@]}" \
			"relay_recipient_maps=ldap:$MT_TMP/ldap-rcpt.cf" ;;
	tarpit)
		MT_DEFENCE_ARGS='' mt_start_milter "${MILTER_ARGS[@]}"
		hv_postfix "pf$RUNS" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}" ;;
	postscreen)
		ACCESS=$MT_TMP/postscreen-$RUNS.cidr
		MT_DEFENCE_ARGS='' mt_start_milter "${MILTER_ARGS[@]}" --postscreen-file "$ACCESS"
		mt_wait_for 10 test -f "$ACCESS" || mt_fatal "the daemon wrote no $ACCESS"
		hv_postfix "pf$RUNS" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}" ;;
	fail2ban)
		ACCESS=$MT_TMP/banned-$RUNS.cidr
		: >"$ACCESS"
		MT_DEFENCE_ARGS='' mt_start_milter "${MILTER_ARGS[@]}"
		f2b_start "$MT_MILTER_LOG" "$ACCESS"
		hv_postfix "pf$RUNS" "$MT_MILTER_PF_SOCK" "${PF_COMMON[@]}" ;;
	*) mt_fatal "unknown configuration $1 (postfix tarpit postscreen fail2ban)" ;;
	esac
	conf=$HV_CONF
	RCV_PORT=$HV_PORT
	RCV_LOG=$MT_MAILLOG
	if [ -n "$ACCESS" ]; then
		postscreen_on "$ACCESS"
		reloader_start "$ACCESS" "$conf"
	fi
	# S7_KNOWN=1: the sender is a known correspondent (one message before
	# the run: a good record); 0: new to this daemon, as attack mode's
	# greylisting sees it
	if [ "$S7_KNOWN" = 1 ] && ! swaks --server "127.0.0.1:$RCV_PORT" --helo client.test.invalid \
		--from sender@elsewhere.org --to 1u@example.com --timeout 30 >"$MT_TMP/known-$RUNS.log" 2>&1; then
		mt_say "warning: the sender's message before the run was not taken"
	fi
	RELOADS0=$(pf_reloads "$RCV_LOG")
}

stop_config() {
	if [ -n "$RELOADER_PID" ]; then
		kill "$RELOADER_PID" 2>/dev/null
		wait "$RELOADER_PID" 2>/dev/null
		RELOADER_PID=
	fi
	f2b_stop
	hv_postfix_stop "pf$RUNS"
	[ -n "$MT_MILTER_PID" ] && mt_stop_milter_bg
	return 0
}

# sender SECS: smtp-source batches until SECS s have passed; SENT the
# messages the receiving Postfix took meanwhile, SECS_TOOK the seconds,
# FAILED the batches that did not end well.
sender() {
	local t0 n0 out=$RAW/$TAG.source.txt
	: >"$out"
	FAILED=0
	n0=$(grep -c ': message-id=<' "$RCV_LOG")
	t0=$(mt_now)
	while mt_cmp "$(mt_elapsed "$t0")" "<" "$1"; do
		smtp-source -s "$S7_SESSIONS" -N -t u@example.com -f sender@elsewhere.org \
			-M client.test.invalid -m "$S7_BATCH" -r 10 "127.0.0.1:$RCV_PORT" >>"$out" 2>&1 ||
			FAILED=$((FAILED + 1))
	done
	SECS_TOOK=$(mt_elapsed "$t0")
	SENT=$(($(grep -c ': message-id=<' "$RCV_LOG") - n0))
}

# run_once CONFIG ATTACK: one run; a row in ROWS.
run_once() {
	local cfg=$1 atk=$2 hout hpid args=() conns=- rate=- found=- rel bans=-
	TAG=$cfg-$atk
	hout=$RAW/$TAG.harvest.txt
	start_config "$cfg"
	case $atk in
	quiet) ;;
	one) args=(--from 127.2.0.1) ;;
	net) args=(--from 127.1.1.0/24) ;;
	bot4) args=(--source-prefix "$S7_BOT4") ;;
	*) mt_fatal "unknown attack $atk (one net bot4)" ;;
	esac
	if [ "$atk" != quiet ]; then
		# the harvester's -d: the ramp, the sender's time and a batch's margin
		"$HV_HARVEST" -s reconnect --reconnect-after 1 "${args[@]}" -c "$S7_CONNS" \
			-l "$LIST" -d "$(awk -v r="$S7_RAMP" -v d="$S7_DURATION" 'BEGIN { print r + d + 5 }')" \
			--rcpt-timeout 300 "127.0.0.1:$RCV_PORT" >"$hout" 2>&1 &
		hpid=$!
		sleep "$S7_RAMP"
	fi
	sender "$S7_DURATION"
	if [ -n "${hpid:-}" ]; then
		wait "$hpid" || mt_say "warning: harvest exited with $?: $(tail -n 2 "$hout")"
		conns=$(hv_kv "$hout" connections)
		rate=$(awk -v c="$conns" -v e="$(hv_kv "$hout" elapsed)" 'BEGIN { printf "%.1f", (e > 0 ? c / e : 0) }')
		found=$(hv_kv "$hout" yield)
	fi
	rel=$(($(pf_reloads "$RCV_LOG") - RELOADS0))
	[ -n "$ACCESS" ] && bans=$(grep -vc '^#' "$ACCESS")
	[ -n "$MT_MILTER_PID" ] && cp "$MT_MILTER_LOG" "$RAW/$TAG.daemon.log"
	cp "$RCV_LOG" "$RAW/$TAG.maillog"
	stop_config
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$atk" "$SENT" "$SECS_TOOK" \
		"$(awk -v m="$SENT" -v s="$SECS_TOOK" 'BEGIN { printf "%.1f", m / s }')" \
		"$rate" "$found" "$rel" "$bans" >>"$ROWS"
	mt_say "$TAG: $SENT messages in $SECS_TOOK s ($FAILED batches failed); attacker $conns connections ($rate/s), found $found/s; $rel reloads, table $bans lines"
}

for cfg in $S7_CONFIGS; do
	for atk in quiet $S7_ATTACKS; do run_once "$cfg" "$atk"; done
done
cp "$ROWS" "$RAW/rows.tsv"

echo
echo "== scenario 7: legitimate messages/s (smtp-source -s $S7_SESSIONS -N -r 10, $S7_DURATION s) quiet and under a reconnecting harvester ($S7_CONNS connections); ratio attack/quiet (target >= 0.9); the attacker's connections/s and valid addresses found/s; Postfix reloads and lines in the access table"
awk -F'\t' '
	$2 == "quiet" { q[$1] = $5 }
	{ row[++n] = $0 }
	END {
		printf "%-10s %-6s %8s %7s %-7s %10s %9s %7s %6s\n", "config", "attack", "msg/s",
			"ratio", "target", "reconn/s", "found/s", "reloads", "table"
		for (i = 1; i <= n; i++) {
			split(row[i], f, "\t")
			r = "-"; t = ""
			if (f[2] != "quiet" && q[f[1]] > 0) {
				r = sprintf("%.3f", f[5] / q[f[1]]); t = (f[5] / q[f[1]] >= 0.9 ? "met" : "MISSED")
			}
			printf "%-10s %-6s %8s %7s %-7s %10s %9s %7s %6s\n", f[1], f[2], f[5], r, t,
				f[6], f[7], f[8], f[9]
		}
	}' "$ROWS"
if [ -n "${BENCH_OUT:-}" ]; then
	echo
	echo "raw outputs: $RAW"
fi
