#!/bin/bash
# t-defence-postfix.sh - the harvest defence end to end: swaks -> private
# Postfix (smtpd_milters) -> milter-tarpit -> private slapd.
#   - without --keepalive, -T 45 does not fit Postfix's 30 s
#     milter_command_timeout: the daemon refuses to start (exit 78);
#   - --harvest-score 3: swaks sending to several unknown recipients sees
#     421 4.7.0 and Postfix closes the connection;
#   - recipients Postfix rejects itself (relay_recipient_maps): with
#     --tarpit-rejected Postfix sends them to the milter (SMFIP_RCPT_REJ,
#     {rcpt_mailer}=error, {rcpt_host}=5.1.1) and its 550 comes only after
#     the tarpit, with no lookup, and never a harvest 421; recipients it
#     rejects for other reasons (554 5.7.1, 450 4.2.0) are no probes and
#     their timing does not tell an existing address from an unknown one;
#     without --tarpit-rejected, Postfix's 550 comes at once;
#   - the sender checks: 550 5.7.1 and 550 5.1.0 as the client sees them;
#   - control: a sleep past milter_command_timeout (3s) without keep-alive
#     gives Postfix's 451 4.7.1 and a milter timeout in its log;
#   - keep-alive, last because it takes ~50 s: -T 45 --keepalive -M 30 with
#     milter_command_timeout = 30s: 550 5.1.1 after >= 45 s, not Postfix's
#     milter_default_action, and no milter timeout in Postfix's log.
# Each part runs its own daemon; Postfix is pointed at it with postconf -e
# and `postfix reload` (postfix_set), its other parameters as lib.sh made them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require postfix postconf swaks saslpasswd2 ss
mt_require_bin
mt_init

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_slapd
# shellcheck disable=SC2054 # the commas are part of the DN
BASE=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 --no-cache)
FROM=sender@elsewhere.org
show() { sed 's/^/    | /' "$1"; }

STOPPED=
dstart() { mt_start_milter "${BASE[@]}" "$@"; }
# dstop: SIGTERM the daemon, do not wait (checked at the end, check_exits)
dstop() {
	STOPPED="$STOPPED $MT_MILTER_PID"
	mt_stop_milter_bg
}
check_exits() {
	local pid rc
	for pid in $STOPPED; do
		rc=0
		wait "$pid" || rc=$?
		mt_check "daemon pid $pid: exit status 0 on SIGTERM (got $rc)" [ "$rc" -eq 0 ]
	done
}

# postfix_set NAME=VALUE...: change main.cf of the private Postfix and
# reload it.  An smtpd process started before a reload keeps its old
# configuration (its milter socket: a daemon since stopped) and may still
# accept the next connection, so this test sets max_use = 1: every smtpd
# serves one connection and exits, and the next one reads main.cf afresh.
POSTFIX_RELOADS=0
pf_reloaded() { [ "$(grep -c 'reload -- version' "$MT_MAILLOG" 2>/dev/null)" -ge "$POSTFIX_RELOADS" ]; }
postfix_set() {
	postconf -c "$MT_POSTFIX_CONF" -e "$@" || mt_fatal "postconf -e $* failed"
	# what `postfix reload` does, without its slow checks: SIGHUP the master
	local pid
	pid=$(mt_postfix_master_pid)
	if [ -z "$pid" ] || ! kill -HUP "$pid"; then
		mt_fatal "cannot signal the Postfix master (pid '${pid:-}')"
	fi
	# the master logs "reload -- version ..." once it has re-read main.cf
	POSTFIX_RELOADS=$((POSTFIX_RELOADS + 1))
	mt_wait_for 5 pf_reloaded || mt_fatal "Postfix did not log its reload within 5 s"
	sleep 0.3
}
postfix_unset() {
	postconf -c "$MT_POSTFIX_CONF" -X "$@" || mt_fatal "postconf -X $* failed"
	postfix_set "smtpd_milters=$MT_MILTER_PF_SOCK"
}
# use_daemon: point Postfix at the daemon just started
use_daemon() { postfix_set "smtpd_milters=$MT_MILTER_PF_SOCK" "$@"; }

rcpt_reply() { # OUT ADDR WANT_PREFIX DESC
	local got
	got=$(mt_swaks_rcpt_reply "$1" "$2")
	case $got in
	"$3"*) mt_pass "$4: RCPT reply '$got'" ;;
	*) mt_fail "$4: RCPT reply '${got:-none}', want '$3...'" ;;
	esac
}
rcpt_time() { # OUT ADDR OP LIMIT DESC
	local s
	s=$(mt_swaks_rcpt_secs "$1" "$2")
	if [ -n "$s" ] && mt_cmp "$s" "$3" "$4"; then
		mt_pass "$5: RCPT answered in ${s}s ($3 $4)"
	else
		mt_fail "$5: RCPT answered in '${s:-?}'s, want $3 $4"
	fi
}
# mail_reply OUT: the server's reply line to MAIL FROM
mail_reply() {
	awk '/^ -> MAIL FROM:/ { on = 1; next }
		on && /^<(-|\*\*) / { sub(/^<(-|\*\*) +/, ""); print; exit }' "$1"
}
searches() { mt_slapd_searches "(mail=$1)"; }

# =====================================================================
mt_say "== -T 45 -M 30 without --keepalive: refused at start (exit 78)"
MT_START_MAY_FAIL=1 dstart -T 45 -M 30
rc=$?
mt_check "daemon did not start (mt_start_milter returned $rc)" [ "$rc" -ne 0 ]
mt_check "exit status 78 (got ${MT_MILTER_RC:-none})" [ "${MT_MILTER_RC:-0}" -eq 78 ]
mt_check "the message names --keepalive" grep -q -- '--keepalive' "$MT_MILTER_LOG"
show "$MT_MILTER_LOG"

# Postfix starts with a daemon that is there for the next part.
dstart -T 0.2 --harvest-score 3 --suspect-score 3
mt_start_postfix "$MT_MILTER_PF_SOCK"
postfix_set milter_command_timeout=30s max_use=1
mt_check "Postfix: milter_command_timeout = 30s" \
	[ "$(postconf -c "$MT_POSTFIX_CONF" -h milter_command_timeout)" = 30s ]

# =====================================================================
mt_say "== 421 through Postfix: -T 0.2 --harvest-score 3"
out=$MT_TMP/harvest.out
T0=$(mt_now)
mt_swaks "$out" --from "$FROM" --quit-after RCPT \
	--to hv1@example.com,hv2@example.com,hv3@example.com,hv4@example.com,hv5@example.com,hv6@example.com
show "$out"
if grep -q '^<\*\* *421 4\.7\.0 ' "$out"; then
	mt_pass "swaks saw 421 4.7.0: $(grep -m1 '^<\*\* *421' "$out" | sed 's/^<\*\* *//')"
else
	mt_fail "swaks saw no '421 4.7.0' reply"
fi
at=$(awk '/^ -> RCPT TO:/ { r = $0 } /^<\*\* *421 / { sub(/^ -> RCPT TO:/, "", r); print r; exit }' "$out")
mt_check "the 421 answered the 3rd unknown (harvest score 3; got RCPT TO:${at:-none})" \
	[ "$at" = "<hv3@example.com>" ]
# swaks goes on with its next RCPT; the server must have hung up by then
after=$(awk '/^<\*\* *421 / { on = 1; next } on && /^<(-|\*\*) / { n++ } END { print n + 0 }' "$out")
mt_check "no server reply after the 421 ($after replies)" [ "$after" -eq 0 ]
mt_check "swaks reports the connection closed by the server" \
	grep -q '^\*\*\* Remote host closed connection unexpectedly' "$out"
mt_check "Postfix logged the milter's 421 4.7.0" \
	mt_maillog_wait 10 'milter-reject: RCPT from [^ ]*\[127\.0\.0\.1\]: 421 4\.7\.0 '
mt_check "Postfix logged the disconnect after it" mt_maillog_wait 10 'disconnect from [^ ]*\[127\.0\.0\.1\]'
mt_expect_log "421 harvest for the client" action=disconnect code=421 reason=harvest client=127.0.0.1 net=127.0.0.1/32 score=...
mt_say "#   harvest session took $(mt_elapsed "$T0") s"
dstop

# =====================================================================
mt_say "== Postfix-rejected recipients (relay_recipient_maps): --tarpit-rejected -T 2"
dstart -T 2 --tarpit-rejected
# relay_recipient_maps: Postfix itself answers 550 5.1.1 "User unknown in
# relay recipient table" for any other example.com address.  Before that,
# an access map rejects four addresses for other reasons (a block: 554
# 5.7.1; greylisting: 450 4.2.0), each for one existing and one unknown
# address.
ACCESS='inline:{ {bob@example.com=554 5.7.1 Blocked here}, {nobody-bl@example.com=554 5.7.1 Blocked here}, {robert@example.com=450 4.2.0 Greylisted}, {nobody-gl@example.com=450 4.2.0 Greylisted} }'
use_daemon "relay_recipient_maps=inline:{alice@example.com=ok, bob@example.com=ok, robert@example.com=ok}" \
	"smtpd_recipient_restrictions=check_recipient_access $ACCESS"
n0=$(searches nobody-pf@example.com)
out=$MT_TMP/rej1.out
mt_swaks "$out" --from "$FROM" --to alice@example.com,nobody-pf@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" alice@example.com "250" "listed recipient"
rcpt_time "$out" alice@example.com "<" 0.5 "listed recipient"
rcpt_reply "$out" nobody-pf@example.com "550 5.1.1 <nobody-pf@example.com>: Recipient address rejected: User unknown in relay recipient table" \
	"Postfix-rejected recipient, --tarpit-rejected"
rcpt_time "$out" nobody-pf@example.com ">=" 2 "Postfix-rejected recipient, --tarpit-rejected (tarpitted)"
rcpt_time "$out" nobody-pf@example.com "<" 4 "Postfix-rejected recipient, --tarpit-rejected"
# (a queue ID, not NOQUEUE: alice was accepted first)
mt_check "Postfix logged its own reject (reject: RCPT ... relay recipient table)" \
	mt_maillog_wait 10 ': reject: RCPT from [^ ]*\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody-pf@example\.com>: Recipient address rejected: User unknown in relay recipient table'
mt_expect_log "the rejected recipient was judged: reject 550 unknown, not looked up (cache=-)" \
	"rcpt=<nobody-pf@example.com>" action=reject code=550 reason=unknown cache=- client=127.0.0.1
line=$(mt_log_line "rcpt=<nobody-pf@example.com>" | head -n 1)
d=$(mt_log_field "$line" delay)
mt_check "log: its delay=${d:-none} >= 2" mt_cmp "${d:-0}" ">=" 2
mt_check "slapd: no lookup for nobody-pf@example.com (before $n0, now $(searches nobody-pf@example.com))" \
	[ "$(searches nobody-pf@example.com)" -eq "$n0" ]
mt_expect_log "the listed recipient: accept 250 exists" "rcpt=<alice@example.com>" action=accept reason=exists

mt_say "== Postfix-rejected for other reasons (554 5.7.1 block, 450 4.2.0 greylisting): no probes, no timing oracle"
out=$MT_TMP/rej1b.out
mt_swaks "$out" --from "$FROM" --quit-after RCPT \
	--to bob@example.com,nobody-bl@example.com,robert@example.com,nobody-gl@example.com,nobody-pf3@example.com
show "$out"
rcpt_reply "$out" bob@example.com "554 5.7.1 <bob@example.com>: Recipient address rejected: Blocked here" "blocked, existing"
rcpt_reply "$out" nobody-bl@example.com "554 5.7.1 <nobody-bl@example.com>: Recipient address rejected: Blocked here" "blocked, unknown"
rcpt_reply "$out" robert@example.com "450 4.2.0 <robert@example.com>: Recipient address rejected: Greylisted" "greylisted, existing"
rcpt_reply "$out" nobody-gl@example.com "450 4.2.0 <nobody-gl@example.com>: Recipient address rejected: Greylisted" "greylisted, unknown"
# same_time OUT A B DESC: Postfix's identical answers to A and B took as
# long (within 0.5 s): the time must not tell which address exists.
same_time() {
	local a b
	a=$(mt_swaks_rcpt_secs "$1" "$2")
	b=$(mt_swaks_rcpt_secs "$1" "$3")
	if [ -n "$a" ] && [ -n "$b" ] &&
		awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(d < 0.5 && d > -0.5) }'; then
		mt_pass "$4: <$2> in ${a}s, <$3> in ${b}s"
	else
		mt_fail "$4: <$2> in ${a:-?}s, <$3> in ${b:-?}s: the time tells which address exists"
	fi
}
same_time "$out" bob@example.com nobody-bl@example.com "blocked (554 5.7.1): existing and unknown answered alike"
same_time "$out" robert@example.com nobody-gl@example.com "greylisted (450 4.2.0): existing and unknown answered alike"
rcpt_reply "$out" nobody-pf3@example.com "550 5.1.1 <nobody-pf3@example.com>: Recipient address rejected: User unknown in relay recipient table" \
	"unknown to Postfix, after the blocked and greylisted ones"
rcpt_time "$out" nobody-pf3@example.com ">=" 2 "unknown to Postfix, after the blocked and greylisted ones (tarpitted)"
# Only the two 5.1.1 rejects (nobody-pf, nobody-pf3) are probes.
mt_expect_log "only Postfix's 5.1.1 rejects counted: <nobody-pf3> score=2.00" \
	"rcpt=<nobody-pf3@example.com>" reason=unknown score=2.00
for a in nobody-bl@example.com nobody-gl@example.com; do
	mt_check "slapd: no lookup for $a, rejected by Postfix (not 5.1.1)" [ "$(searches "$a")" -eq 0 ]
done
for a in bob@example.com nobody-bl@example.com robert@example.com nobody-gl@example.com; do
	l=$(mt_log_line "rcpt=<$a>" | sed -n '1s/.* action=/action=/p')
	mt_say "#   daemon on <$a>: ${l:-(no decision line)}"
done
dstop

mt_say "== a Postfix-rejected 5.1.1 never gets the harvest 421 (Postfix would ignore it): -T 0.3 --tarpit-rejected --harvest-score 3 --suspect-score 3"
dstart -T 0.3 --tarpit-rejected --harvest-score 3 --suspect-score 3
use_daemon "smtpd_recipient_restrictions="
out=$MT_TMP/rej1c.out
mt_swaks "$out" --from "$FROM" --quit-after RCPT \
	--to nobody-h1@example.com,nobody-h2@example.com,nobody-h3@example.com,nobody-h4@example.com,alice@example.com
show "$out"
for i in 1 2 3 4; do
	rcpt_reply "$out" "nobody-h$i@example.com" "550 5.1.1 <nobody-h$i@example.com>: Recipient address rejected: User unknown in relay recipient table" \
		"Postfix-rejected unknown $i, harvest score 3"
	rcpt_time "$out" "nobody-h$i@example.com" ">=" 0.3 "Postfix-rejected unknown $i, harvest score 3 (tarpitted)"
done
n421=$(mt_log_line code=421 | grep -c ' rcpt=<nobody-h')
mt_check "log: no 421 for the Postfix-rejected recipients ($n421)" [ "$n421" -eq 0 ]
rcpt_reply "$out" alice@example.com "421 4.7.0 " "then a recipient Postfix accepts: the milter's 421"
mt_expect_log "the next recipient: 421 harvest" "rcpt=<alice@example.com>" action=disconnect code=421 reason=harvest
dstop

mt_say "== the same without --tarpit-rejected: Postfix's 550 at once"
dstart -T 2
use_daemon
out=$MT_TMP/rej2.out
mt_swaks "$out" --from "$FROM" --to alice@example.com,nobody-pf2@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" nobody-pf2@example.com "550 5.1.1 <nobody-pf2@example.com>: Recipient address rejected: User unknown in relay recipient table" \
	"Postfix-rejected recipient, no --tarpit-rejected"
rcpt_time "$out" nobody-pf2@example.com "<" 0.5 "Postfix-rejected recipient, no --tarpit-rejected (at once)"
mt_check "log: the daemon did not see the rejected recipient" \
	[ -z "$(mt_log_line "rcpt=<nobody-pf2@example.com>")" ]
mt_expect_log "the listed recipient still judged: accept 250 exists" "rcpt=<alice@example.com>" action=accept reason=exists
dstop

# =====================================================================
mt_say "== sender checks through Postfix: --require-auth-local-sender"
dstart -T 0.5 --require-auth-local-sender
postfix_unset relay_recipient_maps
out=$MT_TMP/snd1.out
mt_swaks "$out" --from alice@example.com --to bob@example.com --quit-after RCPT
show "$out"
got=$(mail_reply "$out")
case $got in
"550 5.7.1 <alice@example.com>: Sender address rejected: authentication required"*)
	mt_pass "anonymous local sender: MAIL reply '$got'" ;;
*) mt_fail "anonymous local sender: MAIL reply '${got:-none}', want '550 5.7.1 <alice@example.com>: Sender address rejected: authentication required...'" ;;
esac
out=$MT_TMP/snd2.out
mt_swaks "$out" --from alice@example.com --to bob@example.com --quit-after RCPT \
	--auth PLAIN --auth-user "$MT_SASL_USER" --auth-password "$MT_SASL_PASS"
show "$out"
got=$(mail_reply "$out")
mt_check "authenticated local sender: MAIL reply '$got' is 250" [ "${got#250}" != "$got" ]
rcpt_reply "$out" bob@example.com "250" "authenticated local sender"
dstop

mt_say "== sender checks through Postfix: --reject-unknown-sender -T 0.5"
dstart -T 0.5 --reject-unknown-sender
use_daemon
out=$MT_TMP/snd3.out
mt_swaks "$out" --from nobody-snd@example.com --to bob@example.com --quit-after RCPT
show "$out"
got=$(mail_reply "$out")
case $got in
"550 5.1.0 <nobody-snd@example.com>: Sender address rejected: User unknown"*)
	mt_pass "unknown local sender: MAIL reply '$got'" ;;
*) mt_fail "unknown local sender: MAIL reply '${got:-none}', want '550 5.1.0 <nobody-snd@example.com>: Sender address rejected: User unknown'" ;;
esac
secs=$(awk '/^ -> MAIL FROM:/ { on = 1; next } on && /^=== response in / { s = $4; sub(/s$/, "", s); print s; exit }' "$out")
mt_check "unknown local sender: answered after the delay (${secs:-?}s >= 0.5)" mt_cmp "${secs:-0}" ">=" 0.5
out=$MT_TMP/snd4.out
mt_swaks "$out" --from alice@example.com --to bob@example.com --quit-after RCPT
show "$out"
got=$(mail_reply "$out")
mt_check "known local sender: MAIL reply '$got' is 250" [ "${got#250}" != "$got" ]
dstop

# =====================================================================
# Control for the keep-alive checks: a sleep past Postfix's timeout without
# keep-alive does give Postfix's default action and a timeout in its log
# (milter_command_timeout = 3s, the daemon told 60 s so that it starts).
mt_say "== control: -T 6 -M 60 without --keepalive, milter_command_timeout = 3s"
dstart -T 6 -M 60
use_daemon milter_command_timeout=3s
out=$MT_TMP/control.out
mt_swaks "$out" --from "$FROM" --to nobody-ctl@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" nobody-ctl@example.com "451 4.7.1" "control: Postfix's milter_default_action (tempfail)"
rcpt_time "$out" nobody-ctl@example.com "<" 5.5 "control: Postfix gave up before the daemon answered"
mt_check "control: Postfix logged a milter timeout" \
	mt_maillog_wait 10 'milter.*(time.?out|timed out)|(time.?out|timed out).*milter'
grep -iE 'time.?out|timed out' "$MT_MAILLOG" | sed 's/^/    | /'
dstop

# =====================================================================
mt_say "== keep-alive: -T 45 --keepalive -M 30, milter_command_timeout = 30s (~50 s)"
dstart -T 45 --keepalive -M 30
use_daemon milter_command_timeout=30s
mt_check "Postfix: milter_command_timeout = 30s" \
	[ "$(postconf -c "$MT_POSTFIX_CONF" -h milter_command_timeout)" = 30s ]
out=$MT_TMP/keepalive.out
MARK=$(wc -l <"$MT_MAILLOG") # the control's timeout lines are above
mt_swaks "$out" --from "$FROM" --to nobody-ka@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" nobody-ka@example.com "550 5.1.1 <nobody-ka@example.com>: Recipient address rejected: User unknown" \
	"keep-alive, unknown recipient"
rcpt_time "$out" nobody-ka@example.com ">=" 45 "keep-alive, unknown recipient"
rcpt_time "$out" nobody-ka@example.com "<" 55 "keep-alive, unknown recipient"
mt_check "Postfix logged the milter-reject 550 5.1.1" \
	mt_maillog_wait 10 'milter-reject: RCPT from [^ ]*\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody-ka@example\.com>'
bad=$(tail -n +"$((MARK + 1))" "$MT_MAILLOG" | grep -iE 'milter.*(time.?out|timed out)|(time.?out|timed out).*milter')
mt_check "Postfix logged no milter timeout${bad:+: $bad}" [ -z "$bad" ]
mt_expect_log "keep-alive: reject 550 unknown" "rcpt=<nobody-ka@example.com>" action=reject code=550 reason=unknown
line=$(mt_log_line "rcpt=<nobody-ka@example.com>" | head -n 1)
d=$(mt_log_field "$line" delay)
mt_check "log: keep-alive delay=${d:-none} >= 45" mt_cmp "${d:-0}" ">=" 45

# =====================================================================
mt_say "== attack mode through Postfix: -T 0.3 --attack-score 2.5"
dstop
dstart -T 0.3 --attack-score 2.5
use_daemon
out=$MT_TMP/good.out
mt_swaks "$out" --local-interface 127.0.0.5 --from "$FROM" --to alice@example.com
show "$out"
mt_check "127.0.0.5: the message is accepted after DATA (250)" grep -q '^<- *250 .*queued as' "$out"
for i in 11 12 13; do
	out=$MT_TMP/bot$i.out
	mt_swaks "$out" --local-interface 127.0.0.$i --from "$FROM" --quit-after RCPT --to bot$i@example.com
	rcpt_reply "$out" bot$i@example.com "550 5.1.1" "127.0.0.$i, one unknown"
done
out=$MT_TMP/new.out
mt_swaks "$out" --local-interface 127.0.0.14 --from "$FROM" --quit-after RCPT \
	--to alice@example.com,bot14@example.com
show "$out"
rcpt_reply "$out" alice@example.com "451 4.7.1" "attack mode, new client, valid"
rcpt_reply "$out" bot14@example.com "451 4.7.1" "attack mode, new client, unknown: the same"
out=$MT_TMP/good2.out
mt_swaks "$out" --local-interface 127.0.0.5 --from "$FROM" --quit-after RCPT --to bob@example.com
rcpt_reply "$out" bob@example.com "250" "attack mode, the known-good client"
mt_expect_rcpt bob@example.com "known-good client: good=yes" action=accept client=127.0.0.5 good=yes

mt_say "== Postfix log excerpt"
grep -E 'milter|NOQUEUE|disconnect|reload' "$MT_MAILLOG" | sed 's/^/    | /'

mt_stop_postfix
dstop
check_exits
mt_finish
