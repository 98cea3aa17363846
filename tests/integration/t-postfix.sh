#!/bin/bash
# t-postfix.sh - end to end: swaks -> private Postfix (smtpd_milters) ->
# milter-tarpit -> private slapd.  Checks the SMTP replies and their timing
# as a client sees them, and Postfix's own log.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require postfix postconf swaks saslpasswd2 ss
mt_require_bin
mt_init

DELAY=1
mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$DELAY" -e + -t 2
mt_start_postfix "$MT_MILTER_PF_SOCK"

FROM=sender@elsewhere.org
REJECT_TEXT='Recipient address rejected: User unknown'

# rcpt_reply OUT ADDR WANT_PREFIX DESC: the reply to RCPT TO:<ADDR> starts
# with WANT_PREFIX.
rcpt_reply() {
	local got
	got=$(mt_swaks_rcpt_reply "$1" "$2")
	case $got in
	"$3"*) mt_pass "$4: RCPT reply '$got'" ;;
	*) mt_fail "$4: RCPT reply '${got:-none}', want '$3...'" ;;
	esac
}
# rcpt_time OUT ADDR OP LIMIT DESC: swaks' measured RCPT response time.
rcpt_time() {
	local s
	s=$(mt_swaks_rcpt_secs "$1" "$2")
	if [ -n "$s" ] && mt_cmp "$s" "$3" "$4"; then
		mt_pass "$5: RCPT answered in ${s}s ($3 $4)"
	else
		mt_fail "$5: RCPT answered in '${s:-?}'s, want $3 $4"
	fi
}
show() { sed 's/^/    | /' "$1"; }

mt_say "== (a) anonymous, valid recipient: 250, delivered (to discard)"
out=$MT_TMP/a.out
mt_swaks "$out" --from "$FROM" --to alice@example.com
show "$out"
rcpt_reply "$out" alice@example.com "250" "valid"
rcpt_time "$out" alice@example.com "<" 0.5 "valid"
mt_check "valid: message accepted after DATA (250 ... queued as)" \
	grep -q '^<-  250 .*queued as' "$out"
mt_check "valid: Postfix delivered it to discard: (status=sent)" \
	mt_maillog_wait 10 'discard.*to=<alice@example.com>.*status=sent'
mt_expect_log "valid: accept 250 exists" "rcpt=<alice@example.com>" action=accept \
	code=250 reason=exists auth=- "from=<$FROM>"

mt_say "== (b) anonymous, unknown recipient: 550 5.1.1 after the tarpit"
out=$MT_TMP/b.out
mt_swaks "$out" --from "$FROM" --to nobody@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" nobody@example.com \
	"550 5.1.1 <nobody@example.com>: $REJECT_TEXT" "unknown, anonymous"
rcpt_time "$out" nobody@example.com ">=" "$DELAY" "unknown, anonymous"
rcpt_time "$out" nobody@example.com "<" "$((DELAY + 2))" "unknown, anonymous"
mt_check "unknown: Postfix logged a milter-reject with the 550 5.1.1 text" \
	mt_maillog_wait 10 "milter-reject: RCPT from [^ ]*\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@example\.com>: $REJECT_TEXT"
mt_expect_log "unknown, anonymous: reject 550 unknown" "rcpt=<nobody@example.com>" \
	action=reject code=550 reason=unknown auth=-

mt_say "== (c) authenticated (SASL PLAIN), unknown recipient: 550 5.1.1 at once"
out=$MT_TMP/c.out
mt_swaks "$out" --from "$FROM" --to nobody-auth@example.com --quit-after RCPT \
	--auth PLAIN --auth-user "$MT_SASL_USER" --auth-password "$MT_SASL_PASS"
show "$out"
mt_check "SASL: authentication succeeded (235)" grep -q '^<-  235 ' "$out"
rcpt_reply "$out" nobody-auth@example.com \
	"550 5.1.1 <nobody-auth@example.com>: $REJECT_TEXT" "unknown, authenticated"
rcpt_time "$out" nobody-auth@example.com "<" 0.5 "unknown, authenticated"
mt_check "authenticated: Postfix logged the milter-reject" \
	mt_maillog_wait 10 "milter-reject: RCPT .* 550 5\.1\.1 <nobody-auth@example\.com>"
mt_check "Postfix logged sasl_username=$MT_SASL_USER" \
	mt_maillog_wait 10 "sasl_username=<?$MT_SASL_USER"
mt_expect_log "unknown, authenticated: reject 550 unknown auth=$MT_SASL_USER" \
	"rcpt=<nobody-auth@example.com>" action=reject code=550 reason=unknown "auth=$MT_SASL_USER"

mt_say "== (d) one message, a valid and an unknown recipient"
out=$MT_TMP/d.out
mt_swaks "$out" --from "$FROM" --to bob@example.com,nobody-d@example.com
show "$out"
rcpt_reply "$out" bob@example.com "250" "mixed: valid"
rcpt_reply "$out" nobody-d@example.com "550 5.1.1 <nobody-d@example.com>" "mixed: unknown"
rcpt_time "$out" nobody-d@example.com ">=" "$DELAY" "mixed: unknown"
mt_check "mixed: the message is still accepted for the valid recipient" \
	grep -q '^<-  250 .*queued as' "$out"
mt_check "mixed: delivered to bob" \
	mt_maillog_wait 10 'discard.*to=<bob@example.com>.*status=sent'

mt_say "== (e) user+tag and postmaster through Postfix"
out=$MT_TMP/e.out
mt_swaks "$out" --from "$FROM" --to alice+news@example.com,postmaster@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" alice+news@example.com "250" "user+tag"
rcpt_reply "$out" postmaster@example.com "250" "postmaster"

mt_say "== (f) directory down: 451 4.3.0, no 5xx, no tarpit"
mt_stop_slapd
out=$MT_TMP/f.out
mt_swaks "$out" --from "$FROM" --to robert@example.com,nobody-f@example.com --quit-after RCPT
show "$out"
rcpt_reply "$out" robert@example.com "451 4.3.0 <robert@example.com>: Temporary lookup failure" "slapd down: valid"
rcpt_reply "$out" nobody-f@example.com "451 4.3.0 <nobody-f@example.com>: Temporary lookup failure" "slapd down: unknown"
rcpt_time "$out" nobody-f@example.com "<" 1 "slapd down: unknown (no tarpit)"

mt_say "== Postfix log excerpt"
grep -E 'milter|NOQUEUE|sasl|discard' "$MT_MAILLOG" | sed 's/^/    | /'

mt_stop_postfix
mt_stop_milter
mt_check "daemon exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
mt_finish
