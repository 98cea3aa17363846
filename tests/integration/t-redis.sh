#!/bin/bash
# t-redis.sh - shared scores (--redis): two daemons, one private redis-server.
#
#   0. --redis refuses rediss:// (no TLS in Debian 12's hiredis); -n proves
#      the connection, the password (AUTH) and the script, and names a Redis
#      that does not answer as a problem.
#   1. A harvest split across two daemons crosses --suspect-score and
#      --harvest-score as if it hit one; Redis holds the sum; a score seeded
#      in Redis with an old time stamp is decayed by the half-life on
#      Redis's clock; a clean client leaves nothing in Redis.
#   2. Redis stopped: answers go on from the local table at once, one
#      "down" line per daemon, never a 451; Redis started again (empty):
#      both daemons are back on their own ("up" lines), a probe counted
#      while Redis was away seeds the empty Redis, and sharing resumes.
#   3. Redis frozen (SIGSTOP): no answer waits past --redis-timeout, no
#      5xx for a valid recipient, no 451; thawed, both are back.
#   4. SIGHUP: a reload keeps the connection and the sharing; a reload
#      that changes a Redis option is refused.
#   5. A connection Redis closed while idle (its "timeout") is opened again
#      at once: no "down" line, nothing decided without Redis.
#
# Timings are functional bounds only ("answered within 2 s while Redis is
# frozen"), never speed.  Recipients come from a users file: no slapd.
# miltertest's mt.conninfo sets the client address (defence.lua ip=).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss redis-server redis-cli
mt_require_bin
mt_init

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_redis

USERS=$MT_TMP/users
printf '%s\n' alice@example.com bob@example.com carol@example.com >"$USERS"
HL=3600
BASE=(--users "$USERS" -d example.com --score-half-life "$HL" --redis-prefix t:)
DEFENCE=(-T 0.3 --suspect-score 4 --harvest-score 7 --attack-score 0)
COMMON=("${BASE[@]}" --redis-timeout 0.5)
SHARED=("${COMMON[@]}" --redis "$MT_REDIS_URL" "${DEFENCE[@]}")
# Daemon A reads --redis-timeout from an options file (part 4 changes it).
A_CONF=$MT_TMP/a.conf
echo 'redis-timeout 0.5' >"$A_CONF"
A_ARGS=(-c "$A_CONF" "${BASE[@]}" --redis "$MT_REDIS_URL" "${DEFENCE[@]}")

# on N: the following helpers talk to daemon N (1 = A, 2 = B).
on() { mt_milter_use "$1"; }
# session DESC NAME=VALUE...: one defence.lua session with the current daemon.
session() {
	local desc=$1
	shift
	mt_check "$desc" mt_miltertest defence.lua "$@"
}
# field_in ADDR KEY LO HI DESC: KEY= of <ADDR>'s line is in [LO, HI].
field_in() {
	local line v
	line=$(mt_rcpt_line "$1")
	v=$(mt_log_field "$line" "$2")
	if [ -n "$v" ] && mt_cmp "$v" ">=" "$3" && mt_cmp "$v" "<=" "$4"; then
		mt_pass "log: $5: $2=$v in [$3, $4]"
	else
		mt_fail "log: $5: $2='${v:-none}', want [$3, $4] (line: ${line:-none})"
	fi
}
# redis_score NET: the score Redis holds for NET (as stored), or "none".
redis_score() {
	local s
	s=$(mt_redis_cli HGET "t:score:$1" s 2>/dev/null)
	echo "${s:-none}"
}
# count_lines PATTERN: lines of the current daemon's log with PATTERN (fixed).
count_lines() { grep -cF -- "$1" "$MT_MILTER_LOG"; }
# wait_lines N PATTERN SECS: until the current log has N lines with PATTERN.
has_lines() { [ "$(count_lines "$2")" -ge "$1" ]; }
wait_lines() { mt_wait_for "$3" has_lines "$1" "$2"; }

# =====================================================================
mt_say "== 0. flags and check mode"
out=$("$MT_BIN" --redis rediss://127.0.0.1:6380 -d example.com 2>&1)
rc=$?
mt_check "rediss:// refused with exit status 64 (got $rc)" [ "$rc" -eq 64 ]
mt_check "rediss://: the message says why (no TLS in hiredis 0.14): $out" \
	grep -q 'TLS.*hiredis' <<<"$out"
CHK=(-n --allow-root -p "inet:$(mt_free_port)@127.0.0.1" "${COMMON[@]}")
out=$("$MT_BIN" "${CHK[@]}" --redis "$MT_REDIS_URL/5" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
mt_check "-n: Redis answers, exit 0 (got $rc)" [ "$rc" -eq 0 ]
mt_check "-n: ok line names the server and the key prefix" \
	grep -q "^ok: Redis $MT_REDIS_URL/5 (version .*) answered in .* scores are shared under t:score:" <<<"$out"
out=$("$MT_BIN" "${CHK[@]}" --redis "unix:$MT_REDIS_SOCK?db=5" 2>&1)
mt_check "-n: over the unix socket too" grep -q "^ok: Redis unix:$MT_REDIS_SOCK?db=5 " <<<"$out"
out=$("$MT_BIN" "${CHK[@]}" --redis "redis://127.0.0.1:$(mt_free_port)" 2>&1)
rc=$?
mt_check "-n: a Redis that does not answer is a problem, exit 78 (got $rc)" [ "$rc" -eq 78 ]
mt_check "-n: the problem line says so" grep -q '^problem: Redis redis://127.0.0.1:.*Connection refused' <<<"$out"
mt_redis_cli CONFIG SET requirepass 's3cret pass' >/dev/null
printf 's3cret pass\n' >"$MT_TMP/redis.pw"
chmod 600 "$MT_TMP/redis.pw"
out=$("$MT_BIN" "${CHK[@]}" --redis "$MT_REDIS_URL" 2>&1)
mt_check "-n: without the password: problem (NOAUTH)" grep -q '^problem: Redis .*NOAUTH' <<<"$out"
out=$("$MT_BIN" "${CHK[@]}" --redis "$MT_REDIS_URL" --redis-password-file "$MT_TMP/redis.pw" 2>&1)
rc=$?
mt_check "-n: with --redis-password-file: ok, exit 0 (got $rc)" [ "$rc" -eq 0 ]
mt_check "-n: the password file is named" grep -q "^ok: Redis password file $MT_TMP/redis.pw" <<<"$out"
mt_check "-n: the password is never printed" bash -c '! grep -q "s3cret" <<<"$1"' _ "$out"
mt_redis_cli -a 's3cret pass' --no-auth-warning CONFIG SET requirepass '' >/dev/null

# =====================================================================
mt_say "== 1. two daemons share one Redis: -T 0.3 --suspect-score 4 --harvest-score 7"
on 1
mt_start_milter "${A_ARGS[@]}"
mt_expect_log "A: start line names Redis" starting "redis=$MT_REDIS_URL/0"
# (logged just after the start line, which is all mt_start_milter waits for)
mt_wait_for 5 mt_has_log "redis:" "up:" "$MT_REDIS_URL/0;" || true
mt_expect_log "A: Redis up at start" "redis:" "up:" "$MT_REDIS_URL/0;"
on 2
mt_start_milter "${SHARED[@]}"
H=192.0.2.10
on 1
session "A: 1st unknown of $H: 550 after -T" ip=$H "list=<u1@example.com>=reject/0.3/2"
on 2
session "B: 2nd unknown of $H: 550 after -T" ip=$H "list=<u2@example.com>=reject/0.3/2"
on 1
session "A: 3rd unknown" ip=$H "list=<u3@example.com>=reject/0.3/2"
on 2
session "B: 4th unknown" ip=$H "list=<u4@example.com>=reject/0.3/2"
on 1
session "A: a valid recipient of $H waits like an unknown one (suspect by both hosts' count)" \
	ip=$H "list=<alice@example.com>=continue/0.3/2"
on 2
session "B: 5th unknown" ip=$H "list=<u5@example.com>=reject/0.3/2"
on 1
session "A: 6th unknown" ip=$H "list=<u6@example.com>=reject/0.3/2"
on 2
session "B: 7th unknown: answered with a reply code (421)" ip=$H "list=<u7@example.com>=reject//2"
on 1
session "A: the next session's valid recipient: a reply code (421) before any lookup" \
	ip=$H "list=<bob@example.com>=reject//2"
on 1
mt_expect_rcpt u1@example.com "A: 1st unknown: score=1.00" action=reject code=550 net=$H/32 score=1.00
on 2
mt_expect_rcpt u2@example.com "B: 2nd unknown: score=2.00, A's probe counted" action=reject code=550 score=2.00
on 1
mt_expect_rcpt u3@example.com "A: 3rd unknown: score=3.00" action=reject score=3.00
on 2
mt_expect_rcpt u4@example.com "B: 4th unknown: score=4.00" action=reject score=4.00
on 1
mt_expect_rcpt alice@example.com "A: valid recipient of a suspect network: accept, delayed" action=accept code=250 reason=exists
field_in alice@example.com delay 0.3 1 "A: the valid recipient's delay"
on 2
mt_expect_rcpt u7@example.com "B: 7th unknown: 421 harvest, as one host would" action=disconnect code=421 reason=harvest
field_in u7@example.com score 6.9 7.1 "B: the 7th unknown's shared score"
on 1
mt_expect_rcpt bob@example.com "A: next session: 421 harvest" action=disconnect code=421 reason=harvest
s=$(redis_score "$H/32")
mt_check "Redis holds the sum of both hosts' probes for $H/32: $s" mt_cmp "${s/none/0}" ">=" 6.9

C=198.51.100.20
on 1
session "A: a clean client's valid recipient: accepted at once" ip=$C "list=<alice@example.com>=continue//1"
on 2
session "B: the same" ip=$C "list=<bob@example.com>=continue//1"
mt_expect_rcpt bob@example.com "B: clean client: accept, delay=0.000" action=accept client=$C delay=0.000
mt_check "a clean client leaves nothing in Redis" [ "$(mt_redis_cli EXISTS "t:score:$C/32")" = 0 ]

D=203.0.113.30
now=$(mt_redis_cli TIME | head -n 1)
mt_redis_cli HSET "t:score:$D/32" s 10 t $((now - HL)) >/dev/null
on 2
session "B: a network seeded in Redis (10, one half-life ago) is suspect: valid recipient delayed" \
	ip=$D "list=<alice@example.com>=continue/0.3/2 <d1@example.com>=reject/0.3/2"
on 2
field_in d1@example.com score 5.9 6.1 "B: decayed on Redis's clock (10 -> 5) plus one"

# The wide network (the /24 around each client) is shared too: four
# addresses probe through A, four through B, and a fifth, fresh address
# is suspect on A, which saw only half of them (0.5 x 8 = 4, --suspect-score).
W=198.18.7
for i in 1 2 3 4; do
	on 1
	session "A: $W.$i: one unknown" ip=$W.$i "list=<w$i@example.com>=reject/0.3/2"
	on 2
	session "B: $W.$((i + 4)): one unknown" ip=$W.$((i + 4)) "list=<w$((i + 4))@example.com>=reject/0.3/2"
done
on 1
session "A: a fresh address of $W.0/24: valid recipient delayed (suspect by both hosts' count)" \
	ip=$W.9 "list=<carol@example.com>=continue/0.3/2"
mt_expect_rcpt carol@example.com "A: fresh address, shared wide score: accept, wide=$W.0/24" \
	action=accept code=250 reason=exists client=$W.9 wide=$W.0/24
field_in carol@example.com wide_score 7.9 8.1 "A: the shared wide score"
s=$(redis_score "$W.0/24")
mt_check "Redis holds both hosts' probes for $W.0/24: $s" mt_cmp "${s/none/0}" ">=" 7.9

# =====================================================================
mt_say "== 2. Redis stopped, then started again (empty)"
mt_stop_redis
E=198.51.100.40
on 1
session "A, Redis stopped: a clean client's valid recipient at once" ip=$E "list=<alice@example.com>=continue//1"
session "A, Redis stopped: $H still refused from the local table" ip=$H "list=<alice@example.com>=reject//1"
session "A, Redis stopped: a new network's unknown: 550 after -T" ip=$E "list=<e1@example.com>=reject/0.3/2"
on 2
session "B, Redis stopped: a clean client's valid recipient at once" ip=$E "list=<bob@example.com>=continue//1"
session "B, Redis stopped: another unknown of $D: decided from the local table" ip=$D "list=<d2@example.com>=reject//2"
on 1
mt_expect_rcpt e1@example.com "A: Redis stopped: unknown: 550, not 451" action=reject code=550
mt_check "A: exactly one \"down\" line" [ "$(count_lines 'redis: down:')" -eq 1 ]
mt_say "A: $(grep -F 'redis: down:' "$MT_MILTER_LOG" | sed 's/^.*\]: //')"
on 2
mt_expect_rcpt d2@example.com "B: Redis stopped: $D reaches the harvest score from the local table" \
	action=disconnect code=421 reason=harvest
field_in d2@example.com score 6.9 7.1 "B: Redis stopped: $D's score goes on from the local table"
mt_check "B: exactly one \"down\" line" [ "$(count_lines 'redis: down:')" -eq 1 ]

mt_start_redis
on 1
mt_check "A: back by itself within 15 s (a second \"up\" line)" wait_lines 2 'redis: up:' 15
on 2
mt_check "B: back by itself within 15 s" wait_lines 2 'redis: up:' 15
on 1
session "A: the 2nd unknown of $E (the 1st came while Redis was stopped)" ip=$E "list=<e2@example.com>=reject/0.3/2"
mt_expect_rcpt e2@example.com "A: score=2.00" action=reject code=550 score=2.00
s=$(redis_score "$E/32")
mt_check "the empty Redis is seeded from A's memory of $E (2): $s" mt_cmp "${s/none/0}" ">=" 1.99
on 2
session "B: the 3rd unknown of $E" ip=$E "list=<e3@example.com>=reject/0.3/2"
mt_expect_rcpt e3@example.com "B: sharing resumed, the probe made during the outage included: score=3.00" \
	action=reject code=550 score=3.00

# =====================================================================
mt_say "== 3. Redis frozen (SIGSTOP), then thawed"
kill -STOP "$MT_REDIS_PID"
G=198.51.100.70
on 1
session "A, Redis frozen: a clean client's valid recipient within 2 s" ip=$G "list=<alice@example.com>=continue//2"
session "A, Redis frozen: an unknown: 550 after -T, within 2 s more" ip=$G "list=<g1@example.com>=reject/0.3/2.3"
session "A, Redis frozen: the next valid recipient within 1 s" ip=$G "list=<bob@example.com>=continue//1"
on 2
session "B, Redis frozen: a clean client's valid recipient within 2 s" ip=$G "list=<alice@example.com>=continue//2"
session "B, Redis frozen: $H refused from the local table" ip=$H "list=<bob@example.com>=reject//2"
on 1
mt_expect_rcpt g1@example.com "A: Redis frozen: unknown: 550" action=reject code=550
mt_check "A: Redis frozen: one more \"down\" line" wait_lines 2 'redis: down:' 3
on 2
mt_check "B: Redis frozen: one more \"down\" line" wait_lines 2 'redis: down:' 3
kill -CONT "$MT_REDIS_PID"
on 1
mt_check "A: back by itself after the thaw" wait_lines 3 'redis: up:' 15
on 2
mt_check "B: back by itself after the thaw" wait_lines 3 'redis: up:' 15

# =====================================================================
mt_say "== 4. SIGHUP: the Redis options belong to the process"
on 1
kill -HUP "$MT_MILTER_PID"
mt_check "A: unchanged options: reload done" wait_lines 1 'reload done:' 3
R=198.51.100.80
on 2
session "B: 1st unknown of $R" ip=$R "list=<r1@example.com>=reject/0.3/2"
on 1
session "A, after the reload: 2nd unknown of $R" ip=$R "list=<r2@example.com>=reject/0.3/2"
mt_expect_rcpt r2@example.com "A: still shared after a reload: score=2.00" action=reject score=2.00
echo 'redis-timeout 0.4' >"$A_CONF"
kill -HUP "$MT_MILTER_PID"
mt_check "A: --redis-timeout changed: reload refused" wait_lines 1 \
	'reload refused, keeping the old configuration: --redis/redis-password-file/redis-timeout/redis-prefix cannot change without a restart' 3

# =====================================================================
mt_say "== 5. Redis closes idle connections (timeout 1): opened again at once"
mt_redis_cli CONFIG SET timeout 1 >/dev/null
on 1
downs_a=$(count_lines 'redis: down:')
on 2
downs_b=$(count_lines 'redis: down:')
idle_closed() { mt_redis_cli INFO clients | grep -q '^connected_clients:1.$'; }
mt_check "Redis closed both daemons' idle connections within 6 s" mt_wait_for 6 idle_closed
S=198.51.100.90
session "B: 1st unknown of $S" ip=$S "list=<s1@example.com>=reject/0.3/2"
on 1
session "A: 2nd unknown of $S" ip=$S "list=<s2@example.com>=reject/0.3/2"
mt_expect_rcpt s2@example.com "A: shared across the closed connections: score=2.00" action=reject score=2.00
mt_check "A: no \"down\" line for it" [ "$(count_lines 'redis: down:')" -eq "$downs_a" ]
on 2
mt_check "B: no \"down\" line for it" [ "$(count_lines 'redis: down:')" -eq "$downs_b" ]
mt_redis_cli CONFIG SET timeout 0 >/dev/null

for n in 1 2; do
	on $n
	mt_check "daemon $n: exactly as many \"down\" as \"up\" lines after the first" \
		[ "$(count_lines 'redis: down:')" -eq $(($(count_lines 'redis: up:') - 1)) ]
	bad=$(grep -E ' code=451 ' "$MT_MILTER_LOG")
	mt_check "daemon $n: no 451 at all${bad:+: $bad}" [ -z "$bad" ]
	bad=$(grep -E ' rcpt=<(alice|bob)@example.com> ' "$MT_MILTER_LOG" | grep -E ' code=5[0-9][0-9] ')
	mt_check "daemon $n: no 5xx for a valid recipient${bad:+: $bad}" [ -z "$bad" ]
	mt_stop_milter
	mt_check "daemon $n: exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
done

# =====================================================================
mt_say "== 6. attack mode and good records are shared: --attack-score 2.5"
mt_redis_cli FLUSHDB >/dev/null
ATT=("${COMMON[@]}" --redis "$MT_REDIS_URL" -T 0.3 --attack-score 2.5)
on 3
mt_start_milter "${ATT[@]}"
mt_wait_for 5 mt_has_log "redis:" "up:" || true
on 4
mt_start_milter "${ATT[@]}"
mt_wait_for 5 mt_has_log "redis:" "up:" || true
on 3
session "C: 203.0.113.30 delivers a message: a good record, shared" \
	ip=203.0.113.30 "list=<alice@example.com>=continue//0.5" eom=1
mt_check "Redis holds the good record of 203.0.113.30/32" \
	mt_wait_for 2 bash -c '[ -n "$(redis-cli -h 127.0.0.1 -p "$1" HGET t:good:203.0.113.30/32 s)" ]' _ "$MT_REDIS_PORT"
for i in 31 32 33; do
	session "C: 198.51.100.$i: one unknown" ip=198.51.100.$i "list=<bot$i@example.com>=reject/0.3/1.5"
done
# D never saw an unknown: the shared count puts it in attack mode at once.
on 4
session "D: a new client, valid: 451 at once (attack mode from C's count)" \
	ip=198.51.100.34 "list=<bob@example.com>=tempfail//0.8"
mt_expect_rcpt bob@example.com "D: 451 4.7.1 attack" action=tempfail code=451 reason=attack client=198.51.100.34
mt_expect_log "D: attack mode on, all hosts" attack mode on: "(all" "hosts)"
session "D: the known-good client of C: valid at once" ip=203.0.113.30 "list=<carol@example.com>=continue//0.8"
mt_expect_rcpt carol@example.com "D: good=yes from C's record" action=accept code=250 client=203.0.113.30 good=yes
for n in 3 4; do
	on $n
	mt_stop_milter
	mt_check "daemon $n: exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
done

mt_finish
