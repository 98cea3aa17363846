#!/bin/bash
# tests/bench/scenario2.sh - Postfix end to end: what the recipient check
# costs a Postfix that takes mail as fast as smtp-source sends it.
#
# Five private Postfix instances run side by side (smtpd on five ports, the
# same main.cf but for the recipient check), one slapd holds the recipients
# smtp-source -N makes (1u@example.com, 2u@example.com, ...; every one
# valid), and mail goes to Postfix's discard: transport:
#   a  no recipient check
#   b  Postfix's own: relay_recipient_maps = ldap: (the same slapd)
#   c  a milter that does nothing (tests/bench/nullmilter): the ceiling of
#      the milter path
#   d  milter-tarpit, default settings (its cache on)
#   e  milter-tarpit --no-cache: a lookup for every recipient, like b
# (the milters on TCP on loopback, as the integration tests run them;
# S2_SOCKET=unix for unix sockets).
# Two workloads, each with 20 parallel sessions: -m 1000 -r 10 (a new
# connection per message) and -m 400 -r 50 -d (messages over kept
# connections).  Each round runs every configuration once, in turn (a, b,
# c, d, e), after one warm-up round that is not counted; S2_RUNS rounds (7);
# the figure is the median messages/s (and recipients/s).  Between two runs
# the queue of the instance just used is drained, so that one's deliveries
# do not slow the next one down.
#
# Targets: d at least as fast as b, and within 10 % of c.  Nothing is
# asserted: this prints figures.  Two shared cores: noisy.
#
# Environment: MT_BIN, MT_SRCDIR, MT_BUILDDIR (make bench sets them),
# BENCH_OUT, BENCH_QUICK=1 (3 rounds of a fifth of the messages), S2_RUNS,
# S2_CONFIGS ("a b c d e"), S2_SESSIONS (20), S2_SOCKET (inet: the milters
# on TCP on loopback; unix: on unix sockets), S2_PF_EXTRA (more NAME=VALUE
# settings for every instance).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=tests/bench/hvlib.sh
. "$MT_SRCDIR/tests/bench/hvlib.sh"

NULLMILTER=$MT_BUILDDIR/tests/bench/nullmilter
mt_require_root
mt_require postfix postconf slapd saslpasswd2 swaks ss smtp-source
mt_require_bin
[ -x "$NULLMILTER" ] || mt_fatal "reference milter not built: $NULLMILTER (make check builds it)"
[ -x "$HV_HARVEST" ] || mt_fatal "harvest not built: $HV_HARVEST (make check builds it)"
hv_has_ldap_table || mt_skip "Postfix has no ldap: table (Debian package postfix-ldap)"

SCALE=1
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${S2_RUNS:=3}"
	SCALE=5
fi
: "${S2_RUNS:=7}" "${S2_CONFIGS:=a b c d e}" "${S2_SESSIONS:=20}" "${S2_SOCKET:=inet}"
W1=(-m $((1000 / SCALE)) -r 10)
W2=(-m $((400 / SCALE)) -r 50 -d)
NRCPT=20000

hv_init
mt_say "scenario 2: ${S2_RUNS} rounds of $S2_CONFIGS; smtp-source -s $S2_SESSIONS -N, workloads '${W1[*]}' and '${W2[*]}'; milters on $S2_SOCKET sockets"
mt_say "$(uname -sr), $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg); milter-tarpit $("$MT_BIN" -V 2>&1 | head -n 1)"

# the recipients: smtp-source -N -t u@example.com sends to 1u@..., 2u@...
mt_start_slapd
seq 1 "$NRCPT" | sed 's/$/u@example.com/' | hv_ldif_addrs >"$MT_TMP/rcpts.ldif"
hv_slapd_add "$MT_TMP/rcpts.ldif" nostats
hv_ldap_cf "$MT_TMP/ldap-rcpt.cf"

# The milters: nullmilter, milter-tarpit (defaults, defence on) and
# milter-tarpit --no-cache, on TCP on loopback (S2_SOCKET=unix: on unix
# sockets; umask 0, as Postfix's smtpd runs as user postfix and must be
# able to connect to them).
declare -A PF_SOCK
MILTER_PIDS=
sock_ready() { # SPEC
	case $1 in
	unix:*) [ -S "${1#unix:}" ] ;;
	inet:*) local p=${1#inet:}; mt_port_listening "${p%@*}" ;;
	esac
}
start_one() { # NAME PROGRAM ARGS...: PROGRAM -f -p SOCKET ARGS
	local name=$1 prog=$2 spec pf pid port
	shift 2
	if [ "$S2_SOCKET" = unix ]; then
		spec=unix:$MT_TMP/$name.sock
		pf=$spec
	else
		port=$(mt_free_port)
		spec=inet:$port@127.0.0.1
		pf=inet:127.0.0.1:$port
	fi
	(umask 0 && exec env --default-signal "$prog" -f -p "$spec" "$@") \
		>"$MT_TMP/$name.log" 2>&1 &
	pid=$!
	mt_track_pid "$pid"
	MILTER_PIDS="$MILTER_PIDS $pid"
	mt_wait_alive "$pid" 10 sock_ready "$spec" ||
		{ cat "$MT_TMP/$name.log"; mt_fatal "$name did not start on $spec"; }
	PF_SOCK[$name]=$pf
	mt_say "$name up: pid $pid $spec"
}
# shellcheck disable=SC2054 # the commas are part of the DN
MILTER_ARGS=(--allow-root -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com)
start_one nullmilter "$NULLMILTER"
start_one tarpit "$MT_BIN" "${MILTER_ARGS[@]}"
start_one tarpit-nocache "$MT_BIN" "${MILTER_ARGS[@]}" --no-cache

# The same settings everywhere; smtpd_peername_lookup = no because this
# machine's DNS need not answer reverse lookups of 127.0.0.1 at once.
# shellcheck disable=SC2206 # a list of settings
PF_COMMON=(smtpd_peername_lookup=no ${S2_PF_EXTRA:-})
declare -A PORT
for cfg in $S2_CONFIGS; do
	case $cfg in
	a) hv_postfix pf-a "" "${PF_COMMON[@]}" ;;
	b) hv_postfix pf-b "" "${PF_COMMON[@]}" "relay_recipient_maps=ldap:$MT_TMP/ldap-rcpt.cf" ;;
	c) hv_postfix pf-c "${PF_SOCK[nullmilter]}" "${PF_COMMON[@]}" ;;
	d) hv_postfix pf-d "${PF_SOCK[tarpit]}" "${PF_COMMON[@]}" ;;
	e) hv_postfix pf-e "${PF_SOCK[tarpit-nocache]}" "${PF_COMMON[@]}" ;;
	*) mt_fatal "unknown configuration $cfg (a b c d e)" ;;
	esac
	PORT[$cfg]=$HV_PORT
done

queue_empty() { # CFG
	[ -z "$(find "$HV_TMP/pf-$1/postfix/queue/incoming" "$HV_TMP/pf-$1/postfix/queue/active" \
		"$HV_TMP/pf-$1/postfix/queue/maildrop" -type f -print -quit 2>/dev/null)" ]
}

RESULTS=$MT_TMP/results
: >"$RESULTS"
# one CFG WORKLOAD ROUND ARGS...: one smtp-source run, its messages/s
one() {
	local cfg=$1 wl=$2 round=$3 t0 secs rc m r
	shift 3
	t0=$(mt_now)
	smtp-source -s "$S2_SESSIONS" -N -t u@example.com -f sender@elsewhere.org \
		-M client.test.invalid "$@" "127.0.0.1:${PORT[$cfg]}" >"$MT_TMP/source.out" 2>&1
	rc=$?
	secs=$(mt_elapsed "$t0")
	[ "$rc" -eq 0 ] || mt_fatal "smtp-source against $cfg failed ($rc): $(tail -n 3 "$MT_TMP/source.out")"
	mt_wait_for 120 queue_empty "$cfg" || mt_say "warning: queue of $cfg not drained after 120 s"
	m=$(printf '%s\n' "$@" | awk 'p == "-m" { print } { p = $0 }')
	r=$(printf '%s\n' "$@" | awk 'p == "-r" { print } { p = $0 }')
	[ "$round" = 0 ] && return 0
	printf '%s %s %s %s %s\n' "$wl" "$cfg" "$round" "$secs" \
		"$(awk -v m="$m" -v s="$secs" 'BEGIN { printf "%.1f", m / s }')" >>"$RESULTS"
	printf '%s %s round %s: %s messages (%s recipients) in %s s\n' "$wl" "$cfg" "$round" "$m" "$((m * r))" "$secs"
}

for wl in 1 2; do
	if [ "$wl" = 1 ]; then args=("${W1[@]}"); else args=("${W2[@]}"); fi
	mt_say "== workload $wl: smtp-source -s $S2_SESSIONS -N ${args[*]}"
	for round in $(seq 0 "$S2_RUNS"); do
		for cfg in $S2_CONFIGS; do one "$cfg" "$wl" "$round" "${args[@]}"; done
	done
done
[ -n "${BENCH_OUT:-}" ] && mkdir -p "$BENCH_OUT" && cp "$RESULTS" "$BENCH_OUT/scenario2.runs"
# the milters, gracefully (lib.sh would SIGKILL them)
for n in $HV_INSTANCES; do hv_postfix_stop "$n"; done
# shellcheck disable=SC2086 # a list of PIDs
kill -TERM $MILTER_PIDS 2>/dev/null
# shellcheck disable=SC2086
wait $MILTER_PIDS 2>/dev/null

echo
echo "== scenario 2: median messages/s over $S2_RUNS rounds (min..max), recipients/s"
for wl in 1 2; do
	if [ "$wl" = 1 ]; then args=("${W1[@]}"); rpm=10; else args=("${W2[@]}"); rpm=50; fi
	echo "workload $wl: smtp-source -s $S2_SESSIONS -N ${args[*]}"
	for cfg in $S2_CONFIGS; do
		mapfile -t v < <(awk -v w="$wl" -v c="$cfg" '$1 == w && $2 == c { print $5 }' "$RESULTS")
		med=$(hv_median "${v[@]}")
		printf '%s\n' "$med" >"$MT_TMP/med.$wl.$cfg"
		printf '  %s %-34s %8.1f msg/s  (%s..%s)  %9.0f rcpt/s\n' "$cfg" \
			"$(case $cfg in a) echo "no recipient check" ;; b) echo "relay_recipient_maps = ldap:" ;;
				c) echo "nullmilter (milter ceiling)" ;; d) echo "milter-tarpit" ;;
				e) echo "milter-tarpit --no-cache" ;; esac)" \
			"$med" "$(printf '%s\n' "${v[@]}" | sort -g | head -n 1)" \
			"$(printf '%s\n' "${v[@]}" | sort -g | tail -n 1)" \
			"$(awk -v m="$med" -v r="$rpm" 'BEGIN { print m * r }')"
	done
	ratio() { # X Y TARGET-OP TARGET
		[ -r "$MT_TMP/med.$wl.$1" ] && [ -r "$MT_TMP/med.$wl.$2" ] || return 0
		awk -v x="$(cat "$MT_TMP/med.$wl.$1")" -v y="$(cat "$MT_TMP/med.$wl.$2")" \
			-v n="($1)/($2)" -v t="$3" 'BEGIN {
			r = x / y
			printf "  %s = %.3f   target >= %s: %s\n", n, r, t, (r >= t ? "met" : "MISSED") }'
	}
	ratio d b 1
	ratio d c 0.9
	ratio e b 1
	ratio e c 0.9
done
