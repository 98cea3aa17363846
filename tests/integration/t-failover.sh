#!/bin/bash
# t-failover.sh - several LDAP servers and a directory that comes and goes,
# with one daemon that is never restarted:
#   - two slapd instances (same LDIF), -H "ldap://#1 ldap://#2": #1 is asked
#     first; #1 stopped -> every lookup is served by #2 (valid continue,
#     unknown reject, no 451 even for the first lookup after the stop) and
#     #1 sees none of them; #2 stopped and #1 started again on its port ->
#     lookups recover (within ~5 s, the backoff allowed for);
#   - slapd stopped while sessions are running: 451 within the timeout for
#     valid and unknown recipients, never a 5xx for a valid one, never an
#     accept for an unknown one; slapd back -> recovery;
#   - slapd frozen (SIGSTOP) with -t 2: 451 within ~2 s, for concurrent
#     lookups too (more of them than pooled connections, so one waits for a
#     connection), and a lookup after those is not stuck behind them; SIGCONT
#     -> recovery.
#   - a fresh daemon whose first server is frozen: lookups are served by the
#     second one within the timeout.
# The cache is off (--no-cache): every RCPT is a directory lookup.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

DELAY=1
LTIMEOUT=2
SLACK=1.5       # on top of the LDAP timeout: scheduling, miltertest, date(1)
A=alice@example.com

mt_slapd_use 1
mt_start_slapd
URI1=$MT_LDAP_URI
mt_slapd_use 2
mt_start_slapd
URI2=$MT_LDAP_URI
mt_slapd_use 1

# searches N FILTER: how many times slapd #N was asked for FILTER
searches() {
	local cur=$MT_SLAPD_CUR n
	mt_slapd_use "$1"
	n=$(mt_slapd_searches "$2")
	mt_slapd_use "$cur"
	echo "$n"
}

# served_by N LOCALPART: the lookup of LOCALPART@example.com reached slapd #N
# (once), and not the other one.
served_by() {
	local f="(mail=$2@example.com)" other=$((3 - $1)) a b
	a=$(searches "$1" "$f")
	b=$(searches "$other" "$f")
	if [ "$a" -eq 1 ] && [ "$b" -eq 0 ]; then
		mt_pass "slapd: $2 was looked up on #$1 (once) and not on #$other"
	else
		mt_fail "slapd: $2: searches on #$1: $a (want 1), on #$other: $b (want 0)"
	fi
}

# never_bad RCPT KIND: the daemon never answered RCPT with what would lose or
# let in mail: KIND valid -> no 5xx, KIND unknown -> no accept.
never_bad() {
	local bad
	if [ "$2" = valid ]; then
		bad=$(mt_log_line "rcpt=$1" | grep -E ' code=5[0-9][0-9] ')
	else
		bad=$(mt_log_line "rcpt=$1" | grep -E ' action=accept ')
	fi
	if [ -z "$bad" ]; then
		mt_pass "log: $1 ($2) got no $([ "$2" = valid ] && echo 5xx || echo accept)"
	else
		mt_fail "log: $1 ($2): $bad"
	fi
}

# recover LABEL SECS: try a valid lookup (fresh address each time) until it
# continues, for up to SECS seconds; then an unknown one must be rejected.
recover() {
	local label=$1 limit=$2 t0 i=0 ok=false
	t0=$(mt_now)
	while mt_cmp "$(mt_elapsed "$t0")" "<" "$limit"; do
		i=$((i + 1))
		if mt_rcpt continue "<alice+$label$i@example.com>" "max=$(awk -v a="$LTIMEOUT" -v b="$SLACK" 'BEGIN { print a + b }')" "label=$label try $i" >"$MT_TMP/recover.out" 2>&1; then
			ok=true
			break
		fi
		sleep 0.3
	done
	cat "$MT_TMP/recover.out"
	if $ok; then
		mt_pass "$label: lookups work again (try $i, $(mt_elapsed "$t0")s after the server came back)"
	else
		mt_fail "$label: lookups still fail ${limit}s after the server came back ($i tries)"
	fi
	mt_check "$label: unknown recipient rejected again (550)" \
		mt_rcpt reject "<nobody-$label@example.com>" auth=$A max=1 "label=$label"
}

mt_start_milter -H "$URI1 $URI2" -b dc=example,dc=com -d example.com -e + \
	-T "$DELAY" -t "$LTIMEOUT" -P 2 --no-cache

mt_say "== both servers up: the first one is asked"
mt_check "both up: valid recipient accepted" \
	mt_rcpt continue "<alice@example.com>" max=1 label=both
mt_check "both up: unknown recipient rejected" \
	mt_rcpt reject "<nobody-both@example.com>" auth=$A max=1 label=both
served_by 1 alice
served_by 1 nobody-both

mt_say "== server #1 stopped: #2 serves every lookup"
mt_slapd_use 1
mt_stop_slapd
mt_check "#1 down: valid recipient accepted (first lookup after the stop: pooled connection reopened on #2)" \
	mt_rcpt continue "<bob@example.com>" max=1.5 label=first-down
mt_check "#1 down: valid recipient accepted" \
	mt_rcpt continue "<robert@example.com>" max=1 label=first-down
mt_check "#1 down: unknown recipient, anonymous: rejected after the tarpit" \
	mt_rcpt reject "<nobody-down1@example.com>" "min=$DELAY" "max=$((DELAY + 2))" label=first-down
mt_check "#1 down: unknown recipient, authenticated: rejected at once" \
	mt_rcpt reject "<nobody-down2@example.com>" auth=$A max=1 label=first-down
# concurrent lookups: both pooled connections must find #2
pids=
for u in star erin.mixed; do
	mt_rcpt continue "<$u@example.com>" max=1.5 "label=first-down parallel" >"$MT_TMP/par-$u.out" 2>&1 &
	pids="$pids $!"
done
all=true
for p in $pids; do wait "$p" || all=false; done
cat "$MT_TMP"/par-*.out
mt_check "#1 down: two concurrent lookups both accepted" $all
for u in bob robert nobody-down1 nobody-down2 star erin.mixed; do served_by 2 "$u"; done
mt_check "log: no tempfail while #2 was serving" \
	[ -z "$(mt_log_line action=tempfail)" ]

mt_say "== server #2 stopped, #1 back on its port (daemon not restarted)"
mt_slapd_use 2
mt_stop_slapd
mt_slapd_use 1
mt_start_slapd
[ "$MT_LDAP_URI" = "$URI1" ] || mt_fatal "slapd #1 came back on another port ($MT_LDAP_URI, not $URI1)"
recover back-on-1 5
mt_check "slapd #1 answered the lookups after its restart" \
	[ "$(searches 1 "(mail=nobody-back-on-1@example.com)")" -eq 1 ]

mt_say "== slapd stopped mid-run: sessions in flight get 451 or their answer, never a wrong one"
# A stream of sessions, one every 0.15 s for ~4.5 s; slapd (#1, the only one
# up) goes away ~1 s in and is back ~2.5 s in.
stream=$MT_TMP/stream
mkdir -p "$stream"
pids=
t_stream=$(mt_now)
for i in $(seq 1 30); do
	if ((i % 2)); then rcpt="<alice+mid$i@example.com>"; else rcpt="<nobody-mid$i@example.com>"; fi
	mt_miltertest one.lua "rcpt=$rcpt" want=answer "label=mid-run $i" \
		"max=$(awk -v a="$LTIMEOUT" -v b="$SLACK" -v d="$DELAY" 'BEGIN { print a + b + d }')" >"$stream/$i.out" 2>&1 &
	pids="$pids $!"
	mt_track_pid $!
	sleep 0.15
	case $i in
	7)
		mt_stop_slapd
		mt_say "slapd stopped $(mt_elapsed "$t_stream")s into the stream"
		;;
	17)
		mt_start_slapd
		mt_say "slapd back $(mt_elapsed "$t_stream")s into the stream"
		;;
	esac
done
# shellcheck disable=SC2086
wait $pids
n_ok=0 n_tf=0 n_bad=0 n_before=0 n_after=0
for i in $(seq 1 30); do
	if ((i % 2)); then rcpt="<alice+mid$i@example.com>" kind=valid; else rcpt="<nobody-mid$i@example.com>" kind=unknown; fi
	line=$(mt_log_line "rcpt=$rcpt")
	if ! grep -q '^ *ok' "$stream/$i.out" || grep -q '^ *not ok' "$stream/$i.out"; then
		n_bad=$((n_bad + 1))
		echo "    session $i ($rcpt):"
		sed 's/^/    /' "$stream/$i.out"
	fi
	case $kind/$(mt_log_field "$line" action)/$(mt_log_field "$line" code) in
	valid/accept/250 | unknown/reject/550)
		n_ok=$((n_ok + 1))
		((i <= 7)) && n_before=$((n_before + 1))
		((i > 17)) && n_after=$((n_after + 1))
		;;
	*/tempfail/451) n_tf=$((n_tf + 1)) ;;
	*)
		n_bad=$((n_bad + 1))
		echo "    WRONG: $kind $rcpt: ${line:-no decision line}"
		;;
	esac
	lk=$(mt_log_field "$line" lookup)
	if [ -n "$lk" ] && ! mt_cmp "$lk" "<=" "$(awk -v a="$LTIMEOUT" 'BEGIN { print a + 0.3 }')"; then
		n_bad=$((n_bad + 1))
		echo "    SLOW: $rcpt lookup=$lk > ${LTIMEOUT}s"
	fi
done
mt_say "mid-run: $n_ok right answers ($n_before of the 7 before the stop, $n_after of the 13 after the restart), $n_tf tempfails, $n_bad wrong/late"
mt_check "mid-run: every session answered in time, no 5xx for a valid recipient, no accept for an unknown one" \
	[ "$n_bad" -eq 0 ]
mt_check "mid-run: the outage was seen (some 451s: $n_tf)" [ "$n_tf" -gt 0 ]
mt_check "mid-run: lookups before the outage worked ($n_before of 7)" [ "$n_before" -gt 0 ]

mt_say "== slapd down (both servers): 451 at once, no tarpit, never 5xx"
mt_stop_slapd
mt_check "down: valid recipient gets 451 within the timeout" \
	mt_rcpt tempfail "<bob+down@example.com>" "max=$(awk -v a="$LTIMEOUT" -v b="$SLACK" 'BEGIN { print a + b }')" label=down
mt_check "down: unknown recipient, anonymous, gets 451, no tarpit" \
	mt_rcpt tempfail "<nobody-down3@example.com>" "max=$(awk -v a="$LTIMEOUT" -v b="$SLACK" 'BEGIN { print a + b }')" label=down
mt_check "down: unknown recipient, authenticated, gets 451" \
	mt_rcpt tempfail "<nobody-down4@example.com>" auth=$A "max=$(awk -v a="$LTIMEOUT" -v b="$SLACK" 'BEGIN { print a + b }')" label=down
never_bad "<bob+down@example.com>" valid
never_bad "<nobody-down3@example.com>" unknown
mt_expect_log "down: the 451 line says directory-error" "rcpt=<bob+down@example.com>" \
	action=tempfail code=451 reason=directory-error
mt_start_slapd
recover after-stop 5

mt_say "== slapd frozen (SIGSTOP), -t $LTIMEOUT: 451 within the timeout, no worker left blocked"
mt_check "before freezing: lookups work" \
	mt_rcpt continue "<star+prefreeze@example.com>" max=1 label=prefreeze
kill -STOP "$MT_SLAPD_PID"
max_tf=$(awk -v a="$LTIMEOUT" -v b="$SLACK" 'BEGIN { print a + b }')
pids=
t0=$(mt_now)
# three at once with -P 2: two hold a connection each, one waits for one
for i in 1 2 3; do
	if ((i == 2)); then rcpt="<nobody-frozen$i@example.com>"; else rcpt="<alice+frozen$i@example.com>"; fi
	mt_rcpt tempfail "$rcpt" "max=$max_tf" "label=frozen $i" >"$MT_TMP/frozen$i.out" 2>&1 &
	pids="$pids $!"
	mt_track_pid $!
done
all=true
for p in $pids; do wait "$p" || all=false; done
cat "$MT_TMP"/frozen?.out
mt_check "frozen: 3 concurrent lookups (pool of 2) all got 451 within ${max_tf}s (all done after $(mt_elapsed "$t0")s)" $all
for i in 1 3; do never_bad "<alice+frozen$i@example.com>" valid; done
never_bad "<nobody-frozen2@example.com>" unknown
for r in "<alice+frozen1@example.com>" "<nobody-frozen2@example.com>" "<alice+frozen3@example.com>"; do
	lk=$(mt_log_field "$(mt_log_line "rcpt=$r")" lookup)
	mt_check "frozen: $r gave up at the LDAP timeout (lookup=$lk <= ${LTIMEOUT}s + 0.3)" \
		mt_cmp "${lk:-99}" "<=" "$(awk -v a="$LTIMEOUT" 'BEGIN { print a + 0.3 }')"
done
# the workers and connections those used must not be stuck
mt_check "frozen: a later lookup is not blocked past the timeout either" \
	mt_rcpt tempfail "<bob+frozen4@example.com>" "max=$max_tf" "label=frozen 4"
mt_check "frozen: and an unknown recipient too (451, no tarpit)" \
	mt_rcpt tempfail "<nobody-frozen5@example.com>" "max=$max_tf" "label=frozen 5"
lk=$(mt_log_field "$(mt_log_line "rcpt=<bob+frozen4@example.com>")" lookup)
mt_check "frozen: the later lookup gave up at the LDAP timeout, not later (lookup=$lk)" \
	mt_cmp "${lk:-99}" "<=" "$(awk -v a="$LTIMEOUT" 'BEGIN { print a + 0.3 }')"
kill -CONT "$MT_SLAPD_PID"
recover after-freeze 5

mt_stop_milter_bg

mt_say "== a fresh daemon whose first server is frozen"
# #2 is up again, #1 frozen: the first lookup spends part of its timeout on
# #1 and must still be answered by #2 within the timeout.
mt_slapd_use 2
mt_start_slapd
mt_slapd_use 1
kill -STOP "$MT_SLAPD_PID"
mt_start_milter -H "$URI1 $URI2" -b dc=example,dc=com -d example.com -e + \
	-T "$DELAY" -t "$LTIMEOUT" -P 2 --no-cache
mt_check "#1 frozen: valid recipient accepted via #2 within the timeout" \
	mt_rcpt continue "<carol+lists@example.com>" "max=$max_tf" label=first-frozen
mt_check "#1 frozen: unknown recipient rejected via #2 within the timeout" \
	mt_rcpt reject "<nobody-first-frozen@example.com>" auth=$A "max=$max_tf" label=first-frozen
mt_check "#1 frozen: next lookup quick (#1 skipped or connection reused)" \
	mt_rcpt continue "<robert+again@example.com>" max=1 label=first-frozen
kill -CONT "$MT_SLAPD_PID"
mt_stop_milter_bg
mt_check "slapd #2 answered the lookups while #1 was frozen" \
	[ "$(searches 2 "(mail=nobody-first-frozen@example.com)")" -eq 1 ]

mt_finish
