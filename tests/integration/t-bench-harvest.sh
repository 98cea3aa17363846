#!/bin/bash
# t-bench-harvest.sh - a few seconds of each strategy of the harvest
# simulator (tests/bench/harvest), so that `make bench` never finds it
# rotten: private slapd with 60 generated candidates (about a third valid)
# -> milter-tarpit -T 1 (harvest defence off) <- private Postfix <- harvest.
#   - wait, reconnect, oracle (--timeout 0.3): verdicts were made, valid
#     and unknown ones, and every one of them is right (no false positive,
#     no miss); oracle's unknowns came from its give-ups;
#   - clean: every RCPT to a valid address got 250;
#   - two servers (a second Postfix in front of the same daemon): the
#     verdicts are right, both servers got connections and RCPTs, and each
#     of the four source addresses met both (the turn skips ahead after a
#     pass through the addresses, their number being even);
#   - a botnet (--source-prefix 127.0.0.0/9, reconnect after 3 RCPTs):
#     the daemon saw sessions from more than one client address;
#   - the key=value summary line is there; --make-list's format.
# No speed is asserted: the figures are printed only.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/bench/hvlib.sh
. "$MT_SRCDIR/tests/bench/hvlib.sh"

mt_require_root
mt_require postfix postconf swaks saslpasswd2 ss
mt_require_bin
[ -x "$HV_HARVEST" ] || mt_fatal "harvest simulator not built: $HV_HARVEST (make check builds it)"
hv_init

LIST=$MT_TMP/cands
"$HV_HARVEST" --make-list 60 --valid-fraction 0.35 --prefix hvsmoke >"$LIST" ||
	mt_fatal "harvest --make-list failed"
mt_check "--make-list: 60 lines of \"valid|unknown ADDR\"" \
	[ "$(grep -cE '^(valid|unknown) hvsmoke[0-9]{6}@example\.com$' "$LIST")" -eq 60 ]
NVALID=$(grep -c '^valid ' "$LIST")
mt_say "# $NVALID of 60 candidates valid"

mt_start_slapd
hv_ldif_list "$LIST" >"$MT_TMP/cands.ldif"
hv_slapd_add "$MT_TMP/cands.ldif"
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 -T 1
# no reverse lookups of 127.1.1.x: this machine's DNS need not answer them
hv_postfix pf "$MT_MILTER_PF_SOCK" smtpd_peername_lookup=no
SERVER=127.0.0.1:$HV_PORT

# run NAME ARGS...: the simulator for 2 s from 127.1.1.0/30, output shown
run() {
	local name=$1
	shift
	OUT=$MT_TMP/$name.out
	"$HV_HARVEST" -c 4 -d 2 --from 127.1.1.0/30 -l "$LIST" "$@" "$SERVER" \
		>"$OUT" 2>&1
	local rc=$?
	sed 's/^/    | /' "$OUT"
	mt_check "$name: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
	mt_check "$name: a summary line" grep -q '^summary strategy=' "$OUT"
}
kv() { hv_kv "$OUT" "$1"; }

verdicts_right() { # NAME
	mt_check "$1: valid addresses found (tp=$(kv tp))" [ "$(kv tp)" -gt 0 ]
	mt_check "$1: unknown addresses found (tn=$(kv tn))" [ "$(kv tn)" -gt 0 ]
	mt_check "$1: no false positive (fp=$(kv fp))" [ "$(kv fp)" -eq 0 ]
	mt_check "$1: no valid address missed (fn=$(kv fn))" [ "$(kv fn)" -eq 0 ]
}

mt_say "== wait: many RCPTs per connection, every answer awaited"
run wait -s wait
verdicts_right wait
mt_check "wait: no oracle give-ups ($(kv oracle))" [ "$(kv oracle)" -eq 0 ]

mt_say "== reconnect: one RCPT per connection"
run reconnect -s reconnect
verdicts_right reconnect
mt_check "reconnect: one connection per RCPT at least ($(kv connections) >= $(kv probes))" \
	[ "$(kv connections)" -ge "$(kv probes)" ]

mt_say "== oracle: no answer within 0.3 s means unknown (the delay is 1 s)"
run oracle -s oracle -t 0.3
verdicts_right oracle
mt_check "oracle: its unknowns are give-ups ($(kv oracle) of tn=$(kv tn))" \
	[ "$(kv oracle)" -eq "$(kv tn)" ]

mt_say "== clean: a legitimate sender, valid recipients only"
OUT=$MT_TMP/clean.out
"$HV_HARVEST" -s clean -c 1 -d 1 --interval 0.05 --from 127.0.0.1 \
	--to alice@example.com,bob@example.com "$SERVER" >"$OUT" 2>&1
mt_check "clean: exit status 0" [ $? -eq 0 ]
sed 's/^/    | /' "$OUT"
mt_check "clean: sessions made ($(kv sessions))" [ "$(kv ok)" -gt 0 ]
mt_check "clean: every RCPT got 250 (bad=$(kv bad))" [ "$(kv bad)" -eq 0 ]

mt_check "the daemon saw the simulator's source addresses" \
	mt_has_log client=127.1.1.... action=accept

mt_say "== botnet: a fresh source address for every session"
N0=$(wc -l <"$MT_MILTER_LOG")
OUT=$MT_TMP/botnet.out
"$HV_HARVEST" -s reconnect --reconnect-after 3 -c 4 -d 2 \
	--source-prefix 127.0.0.0/9 -l "$LIST" "$SERVER" >"$OUT" 2>&1
sed 's/^/    | /' "$OUT"
sleep 0.5 # the last decisions reach the log
NCLIENTS=$(tail -n +"$((N0 + 1))" "$MT_MILTER_LOG" | tr ' ' '\n' | grep '^client=' | sort -u | wc -l)
mt_check "botnet: the daemon saw more than one client address ($NCLIENTS)" \
	[ "$NCLIENTS" -gt 1 ]

mt_say "== two servers: each new connection to the other one"
LOG1=$MT_MAILLOG
hv_postfix pf2 "$MT_MILTER_PF_SOCK" smtpd_peername_lookup=no
LOG2=$MT_MAILLOG
SERVER2=127.0.0.1:$HV_PORT
OUT=$MT_TMP/two.out
"$HV_HARVEST" -s reconnect -c 8 -d 2 --from 127.1.1.0/30 -l "$LIST" \
	"$SERVER" "$SERVER2" >"$OUT" 2>&1
mt_check "two servers: exit status 0" [ $? -eq 0 ]
sed 's/^/    | /' "$OUT"
verdicts_right "two servers"
tkv() { grep "^target n=$1 " "$OUT" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# shellcheck disable=SC2317 # called through mt_check
used() { [ "$(tkv "$1" connections)" -gt 0 ] && [ "$(tkv "$1" rcpts)" -gt 0 ]; }
mt_check "two servers: target 1 is $SERVER" [ "$(tkv 1 server)" = "$SERVER" ]
mt_check "two servers: target 2 is $SERVER2" [ "$(tkv 2 server)" = "$SERVER2" ]
for n in 1 2; do
	mt_check "two servers: server $n got connections ($(tkv "$n" connections)) and RCPTs ($(tkv "$n" rcpts))" \
		used "$n"
done
c1=$(tkv 1 connections) c2=$(tkv 2 connections)
mt_check "two servers: the connections add up ($c1 + $c2 = $(kv connections))" \
	[ $((${c1:-0} + ${c2:-0})) -eq "$(kv connections)" ]
# shellcheck disable=SC2317 # called through mt_check
met_both() { grep -q "connect from [^ ]*\[$1\]" "$LOG1" && grep -q "connect from [^ ]*\[$1\]" "$LOG2"; }
for a in 127.1.1.0 127.1.1.1 127.1.1.2 127.1.1.3; do
	mt_check "two servers: $a connected to both" met_both "$a"
done
mt_finish
