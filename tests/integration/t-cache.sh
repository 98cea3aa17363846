#!/bin/bash
# t-cache.sh - the answer cache, seen from both ends: slapd's stats log says
# how often the directory was really asked (one SRCH line per search), the
# daemon's decision lines say cache=hit|miss|shared|stale|off|-.
#   - a repeated lookup is a hit and asks slapd nothing; a negative answer
#     too; non-local recipients are no lookup at all (cache=-);
#   - concurrent lookups of one address share one search (cache=shared);
#   - SIGHUP with the same directory settings keeps the cache (alice is
#     still a hit; t-reload.sh covers the changes that empty it);
#   - --no-cache: every lookup is a search (cache=off);
#   - --cache-ttl / --cache-negative-ttl 1: a hit within the second, a new
#     search after 1.5 s;
#   - --cache-stale: with slapd down, an expired "exists" younger than
#     ttl+stale still answers (continue, cache=stale); an expired "no such
#     entry" gives 451, never 550; nothing cached gives 451; past ttl+stale,
#     or with --cache-stale 0, the expired "exists" gives 451 too;
#   - --cache-size 16: never more than 16 answers kept.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

A=alice@example.com
# shellcheck disable=SC2054 # the commas are part of the DN
COMMON=(-b dc=example,dc=com -d example.com -T 1 -t 2)
mt_start_slapd

# searches LOCALPART: how many times slapd was asked for LOCALPART@example.com
searches() { mt_slapd_searches "(mail=$1@example.com)"; }

# rcpts WANT ADDR...: one authenticated session (no tarpit), one RCPT per
# ADDR (local part, @example.com added), each answered WANT within 1 s.
# shellcheck disable=SC2317 # called through mt_check
rcpts() {
	local want=$1 list='' a
	shift
	for a in "$@"; do list="$list <$a@example.com>=$want"; done
	mt_miltertest rcpts.lua "list=$list" "auth=$A" max=1 "label=$want"
}

# cache_says LOCALPART N KIND: the daemon's lines for LOCALPART@example.com
# include N with cache=KIND.
cache_says() {
	local n
	n=$(mt_log_line "rcpt=<$1@example.com>" "cache=$3" | wc -l)
	mt_check "log: $1: $2 line(s) with cache=$3 (got $n)" [ "$n" -eq "$2" ]
}

# sleep_until T0 SECS: sleep until SECS seconds after T0 (from mt_now); fail
# the test if that moment has passed already (host too slow for the check).
sleep_until() {
	local left
	left=$(awk -v t0="$1" -v s="$2" -v now="$(mt_now)" 'BEGIN { printf "%.3f", t0 + s - now }')
	if mt_cmp "$left" "<" 0; then
		mt_fail "timing: ${2}s after the start had passed already ($left s): host too slow for this check"
		return
	fi
	sleep "$left"
}

# search_count LOCALPART N: slapd was asked for LOCALPART exactly N times.
search_count() {
	local n
	n=$(searches "$1")
	mt_check "slapd: $1 searched $2 time(s) (got $n)" [ "$n" -eq "$2" ]
}

mt_say "== default cache"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}"
mt_check "alice twice in one session: accepted" rcpts continue alice alice
mt_check "alice in a second session: accepted" \
	mt_rcpt continue "<alice@example.com>" max=1 label=again
search_count alice 1
cache_says alice 1 miss
cache_says alice 2 hit
mt_check "unknown recipient twice: rejected both times" \
	mt_miltertest rcpts.lua "list=<nobody-neg@example.com>=reject <nobody-neg@example.com>=reject" auth=$A max=1 label=negative
search_count nobody-neg 1
cache_says nobody-neg 1 miss
cache_says nobody-neg 1 hit
mt_check "non-local recipient accepted" \
	mt_rcpt continue "<someone@elsewhere.org>" max=1 label=nonlocal
mt_expect_log "non-local: no lookup, cache=-" "rcpt=<someone@elsewhere.org>" cache=- reason=non-local

mt_say "== concurrent lookups of one address share one search"
kill -STOP "$MT_SLAPD_PID"
pids=
for i in 1 2 3 4 5; do
	mt_rcpt continue "<robert@example.com>" max=3 "label=shared $i" >"$MT_TMP/shared$i.out" 2>&1 &
	pids="$pids $!"
	mt_track_pid $!
done
sleep 1
kill -CONT "$MT_SLAPD_PID"
all=true
for p in $pids; do wait "$p" || all=false; done
cat "$MT_TMP"/shared?.out
mt_check "5 concurrent sessions for robert (slapd frozen for 1 s): all accepted" $all
search_count robert 1
cache_says robert 1 miss
n_sh=$(mt_log_line "rcpt=<robert@example.com>" cache=shared | wc -l)
n_hit=$(mt_log_line "rcpt=<robert@example.com>" cache=hit | wc -l)
mt_say "robert: 1 miss, $n_sh shared, $n_hit hit"
mt_check "log: the other 4 shared the one search or hit its answer ($n_sh shared + $n_hit hit)" \
	[ $((n_sh + n_hit)) -eq 4 ]
mt_check "log: at least one lookup waited for the shared search ($n_sh)" [ "$n_sh" -ge 1 ]

mt_say "== SIGHUP with the same settings keeps the cache"
kill -HUP "$MT_MILTER_PID"
mt_check "log: reload done" mt_wait_for 3 mt_has_log "reload..."
mt_expect_log "the reload kept the cache" "reload" "done:..." "kept"
mt_check "alice after SIGHUP: accepted" \
	mt_rcpt continue "<alice@example.com>" max=1 label=after-hup
search_count alice 1
cache_says alice 1 miss
mt_stop_milter_bg

mt_say "== --no-cache"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" --no-cache
mt_check "bob three times: accepted" rcpts continue bob bob bob
mt_check "unknown twice: rejected" rcpts reject nobody-nocache nobody-nocache
mt_stop_milter_bg
search_count bob 3
search_count nobody-nocache 2
cache_says bob 3 off
cache_says nobody-nocache 2 off
mt_expect_log "starting line says cache=off" starting cache=off

mt_say "== --cache-ttl 1 --cache-negative-ttl 1: expiry"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" --cache-ttl 1 --cache-negative-ttl 1
t0=$(mt_now)
mt_check "star and an unknown, twice each at once: right answers" \
	mt_miltertest rcpts.lua "list=<star@example.com>=continue <nobody-ttl@example.com>=reject <star@example.com>=continue <nobody-ttl@example.com>=reject" \
	auth=$A max=0.5 label=ttl
within=$(mt_elapsed "$t0")
if mt_cmp "$within" "<" 1; then
	search_count star 1
	search_count nobody-ttl 1
	cache_says star 1 hit
	cache_says nobody-ttl 1 hit
else
	mt_fail "the two lookups took ${within}s, not within the 1 s TTL: host too slow for this check"
fi
sleep 1.5
mt_check "after 1.5 s: star and the unknown again" \
	mt_miltertest rcpts.lua "list=<star@example.com>=continue <nobody-ttl@example.com>=reject" \
	auth=$A max=0.5 label=ttl-expired
mt_stop_milter_bg
search_count star 2
search_count nobody-ttl 2
cache_says star 2 miss
cache_says nobody-ttl 2 miss

mt_say "== --cache-stale 60: slapd down, expired answers"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" --cache-ttl 1 --cache-negative-ttl 1 --cache-stale 60
mt_check "stale: erin (valid) and an unknown looked up while slapd is up" \
	mt_miltertest rcpts.lua "list=<erin.mixed@example.com>=continue <nobody-stale@example.com>=reject" \
	auth=$A max=1 label=stale-prime
cache_says erin.mixed 1 miss
mt_stop_slapd
sleep 1.5
mt_check "stale: slapd down, erin's answer expired 0.5 s ago: still accepted" \
	mt_rcpt continue "<erin.mixed@example.com>" max=3.5 label=stale
mt_expect_log "stale: erin accepted with cache=stale" "rcpt=<erin.mixed@example.com>" \
	action=accept code=250 reason=exists cache=stale
mt_check "stale: the expired negative answer gives 451 (anonymous, no tarpit)" \
	mt_rcpt tempfail "<nobody-stale@example.com>" max=3.5 label=stale
mt_check "stale: the expired negative answer gives 451 (authenticated)" \
	mt_rcpt tempfail "<nobody-stale@example.com>" auth=$A max=3.5 label=stale
mt_check "log: the expired negative never became a 550 while slapd was down" \
	[ "$(mt_log_line "rcpt=<nobody-stale@example.com>" code=550 | wc -l)" -eq 1 ]
mt_check "stale: a valid address never cached gives 451" \
	mt_rcpt tempfail "<bob@example.com>" max=3.5 label=stale
mt_check "stale: erin once more, still accepted from the stale answer" \
	mt_rcpt continue "<erin.mixed@example.com>" max=3.5 label=stale
cache_says erin.mixed 2 stale
mt_start_slapd
mt_stop_milter_bg

mt_say "== --cache-stale 2: an answer older than ttl + stale is not used"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" --cache-ttl 1 --cache-stale 2
t0=$(mt_now)
mt_check "stale 2: robert looked up while slapd is up" \
	mt_rcpt continue "<robert@example.com>" max=1 label=stale2-prime
mt_stop_slapd
sleep_until "$t0" 1.5
mt_check "stale 2: slapd down, ~1.5 s later (past ttl, within ttl + stale): accepted" \
	mt_rcpt continue "<robert@example.com>" max=3.5 label=stale2
mt_expect_log "stale 2: robert accepted with cache=stale" "rcpt=<robert@example.com>" \
	action=accept cache=stale
sleep_until "$t0" 3.5
mt_check "stale 2: ~3.5 s later (past ttl + stale): 451" \
	mt_rcpt tempfail "<robert@example.com>" max=3.5 label=stale2-past
mt_start_slapd
mt_stop_milter_bg

mt_say "== --cache-stale 0: an expired answer is not used"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" --cache-ttl 1 --cache-stale 0
mt_check "stale 0: star looked up while slapd is up" \
	mt_rcpt continue "<star@example.com>" max=1 label=nostale-prime
mt_stop_slapd
sleep 1.5
mt_check "stale 0: slapd down, star's answer expired: 451" \
	mt_rcpt tempfail "<star@example.com>" max=3.5 label=nostale
mt_expect_log "stale 0: star 451, not from the cache" "rcpt=<star@example.com>" \
	action=tempfail code=451 reason=directory-error cache=miss
mt_start_slapd
mt_stop_milter_bg

mt_say "== --cache-size 16"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" -e + --cache-size 16
fwd=() rev=()
for i in $(seq 1 40); do fwd+=("alice+size$i"); done
for ((i = 40; i >= 1; i--)); do rev+=("alice+size$i"); done
mt_check "40 different addresses: accepted" rcpts continue "${fwd[@]}"
mt_check "the same 40, most recent first: accepted" rcpts continue "${rev[@]}"
mt_stop_milter_bg
hits=$(mt_log_line "rcpt=<alice+size..." cache=hit | wc -l)
misses=$(mt_log_line "rcpt=<alice+size..." cache=miss | wc -l)
mt_say "cache-size 16: $misses misses, $hits hits over 80 lookups of 40 addresses"
# The first pass is all misses; the second can hit only what the cache still
# holds when it starts: at most 16 answers.
mt_check "cache-size 16: at most 16 of the 40 answers were still cached ($hits hits)" [ "$hits" -le 16 ]
mt_check "cache-size 16: the most recent answer was still cached" \
	[ -n "$(mt_log_line "rcpt=<alice+size40@example.com>" cache=hit)" ]

mt_finish
