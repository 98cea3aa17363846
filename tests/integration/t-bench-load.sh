#!/bin/bash
# t-bench-load.sh - a few seconds of the benchmark tools, so they never rot:
# mtload against the daemon (a mix of valid, unknown and non-local
# recipients; anonymous with a short tarpit, authenticated without; unique
# and repeated addresses; a network of client addresses; --hold) and
# against nullmilter (inet and unix sockets).  The answers must be right;
# no speed is asserted.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/bench/benchlib.sh
. "$MT_SRCDIR/tests/bench/benchlib.sh"

mt_require ss
mt_require_bin
bench_require_tools
mt_init

USERS=200
bench_ldif "$MT_TMP/bench.ldif" "$USERS" base
MT_LDIF=$MT_TMP/bench.ldif
mt_start_slapd
DELAY=0.5
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$DELAY" -t 5

# load NAME ARGS...: mtload against the daemon, output in $MT_TMP/NAME.out;
# SUM is its summary line.  Passes if mtload exits 0.
# shellcheck disable=SC2317 # called through mt_check
load() {
	local name=$1
	shift
	"$MTLOAD" "$@" >"$MT_TMP/$name.out" 2>&1
	local rc=$?
	sed 's/^/    /' "$MT_TMP/$name.out"
	SUM=$(bench_summary "$MT_TMP/$name.out")
	return "$rc"
}

# field KEY: from the last summary line, 0 if absent.
field() { local v; v=$(bench_field "$SUM" "$1"); echo "${v:-0}"; }

EXPECT=valid=accept,unknown=reject,nonlocal=accept
mt_say "== anonymous: 8:1:1 mix, repeated addresses, a /24 of clients"
mt_check "mtload: every answer as expected, no session error" \
	load mix -p "$MT_MILTER_SOCK" -c 20 -d 1.5 -w 0.5 -r 5 --mix 8:1:1 \
	--repeat 50 --range "$USERS" --client 127.1.1.0/24 \
	--expect "$EXPECT" --strict
mt_check "valid recipients accepted ($(field valid_accept))" [ "$(field valid_accept)" -gt 0 ]
mt_check "unknown recipients rejected ($(field unknown_reject))" [ "$(field unknown_reject)" -gt 0 ]
mt_check "non-local recipients accepted ($(field nonlocal_accept))" [ "$(field nonlocal_accept)" -gt 0 ]
mt_check "decisions measured after the warm-up ($(field decisions))" [ "$(field decisions)" -gt 0 ]
mt_check "an unknown recipient waited the ${DELAY} s tarpit (reject p50 $(field reject_p50) ms)" \
	mt_cmp "$(field reject_p50)" ">=" 450
mt_check "log: sessions came from the /24 of clients" \
	mt_wait_for 2 mt_has_log "client=127.1.1.7" "action=accept"
mt_check "log: {auth_authen} absent: anonymous" mt_has_log "auth=-" "action=reject"

mt_say "== authenticated: unknown recipients rejected at once"
mt_check "mtload -a: every answer as expected" \
	load auth -p "$MT_MILTER_SOCK" -c 4 -n 8 -r 5 --mix 1:1:1 \
	--range "$USERS" -a bench-user --expect "$EXPECT" --strict
mt_check "authenticated: no tarpit (reject max $(field reject_max) ms)" \
	mt_cmp "$(field reject_max)" "<" 450
mt_check "log: {auth_authen} reached the daemon" mt_has_log "auth=bench-user" "action=reject"

mt_say "== unique addresses: every valid user once (cache cold)"
mt_check "mtload --unique: every answer as expected" \
	load unique -p "$MT_MILTER_SOCK" -c 10 -n 20 -r 10 --unique \
	--range "$USERS" --expect valid=accept --strict
mt_check "unique: $USERS valid recipients accepted ($(field valid_accept))" \
	[ "$(field valid_accept)" -eq "$USERS" ]
mt_check "log: user$((USERS - 1)) was asked of the directory" \
	mt_has_log "rcpt=<user$((USERS - 1))@example.com>" "cache=miss"
mt_check "unique: no address used twice" \
	[ -z "$(grep 'used twice' "$MT_TMP/unique.out")" ]

# Sessions open 100 a second.  libmilter's worker pool can lose the wake-up
# of a session that becomes ready together with another, and serves it only
# when some worker is done (here: the end of a tarpit), so not every one of
# the 50 is required to be asleep at once.
mt_say "== --hold: 50 sessions into a 5 s tarpit"
mt_stop_milter_bg
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T 5 -t 5
"$MTLOAD" -p "$MT_MILTER_SOCK" --hold -c 50 --connect-rate 100 -d 3 \
	--status-file "$MT_TMP/hold.status" --strict >"$MT_TMP/hold.out" 2>&1 &
HOLD=$!
mt_track_pid "$HOLD"
asleep() { sed -n 's/.* waiting_rcpt=\([0-9]*\) .*/\1/p' "$MT_TMP/hold.status" 2>/dev/null; }
# shellcheck disable=SC2317 # called through mt_wait_for
held() { [ "$(asleep)" -ge 40 ] 2>/dev/null; }
mt_check "hold: most of the 50 sessions wait for their RCPT's answer at once" \
	mt_wait_for 3 held
n=$(asleep)
threads=$(bench_proc "$MT_MILTER_PID" Threads)
mt_check "hold: the daemon has a thread per sleeping session ($n asleep, $threads threads)" \
	[ "${threads:-0}" -ge "${n:-99}" ]
wait "$HOLD"
rc=$?
bench_untrack "$HOLD"
sed 's/^/    /' "$MT_TMP/hold.out"
mt_check "hold: mtload ended cleanly at the end of its run (status $rc)" [ "$rc" -eq 0 ]
mt_check "hold: no answer before the tarpit ended" \
	grep -q '^summary .* reject=0 ' "$MT_TMP/hold.out"

mt_say "== nullmilter, inet and unix sockets"
NPORT=$(mt_free_port)
NSOCK=$MT_TMP/null.sock
"$NULLMILTER" -f -p "inet:$NPORT@127.0.0.1" >"$MT_TMP/milter.null-inet.log" 2>&1 &
NPID=$!
mt_track_pid "$NPID"
"$NULLMILTER" -f -p "unix:$NSOCK" >"$MT_TMP/milter.null-unix.log" 2>&1 &
UPID=$!
mt_track_pid "$UPID"
mt_wait_alive "$NPID" 10 mt_port_listening "$NPORT" || mt_fatal "nullmilter did not listen"
mt_wait_alive "$UPID" 10 test -S "$NSOCK" || mt_fatal "nullmilter did not make $NSOCK"
mt_check "nullmilter (inet): everything continues" \
	load null -p "inet:$NPORT@127.0.0.1" -c 10 -d 1 -r 10 --mix 1:1:1 \
	--expect valid=accept,unknown=accept,nonlocal=accept --strict
mt_check "nullmilter (inet): decisions measured ($(field decisions))" [ "$(field decisions)" -gt 0 ]
mt_check "nullmilter (unix): everything continues" \
	load nullu -p "unix:$NSOCK" -c 10 -n 50 -r 4 -m 2 --mix 1:1:1 \
	--expect valid=accept,unknown=accept,nonlocal=accept --strict
mt_check "nullmilter (unix): 50 sessions of 2 x 4 recipients ($(field sessions), $(field decisions))" \
	[ "$(field sessions)/$(field decisions)" = 50/400 ]
# libmilter notices a stop within 5 s: stop everything at once.
mt_stop_milter_bg
kill -TERM "$NPID" "$UPID"

mt_say "== mtload's own errors"
"$MTLOAD" -p "inet:$(mt_free_port)@127.0.0.1" -n 3 --strict >"$MT_TMP/refused.out" 2>&1
rc=$?
mt_check "nothing listening: exit 1 with --strict ($rc)" [ "$rc" -eq 1 ]
mt_check "nothing listening: counted as connect errors" \
	grep -q '^summary .* errors=3 ' "$MT_TMP/refused.out"
"$MTLOAD" --mix 1:2 -p unix:/nonexistent >/dev/null 2>&1
rc=$?
mt_check "a bad option: exit 2 ($rc)" [ "$rc" -eq 2 ]

mt_check "nullmilter stops on SIGTERM" mt_wait_for 10 mt_pid_gone "$NPID"
wait "$NPID"
rc=$?
wait "$UPID"
bench_untrack "$NPID"
bench_untrack "$UPID"
bench_reap_bg	# both daemons
mt_check "nullmilter exit status 0 ($rc)" [ "$rc" -eq 0 ]
mt_finish
