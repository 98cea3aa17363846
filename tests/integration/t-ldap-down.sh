#!/bin/bash
# t-ldap-down.sh - directory trouble gives 451 4.3.0 (tempfail), never a 5xx,
# never the tarpit: slapd hanging (SIGSTOP: lookups time out), slapd stopped
# (connection refused), then slapd back (lookups work again).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

# A long tarpit (3 s) so that "no delay" on tempfail is unmistakable, and a
# short LDAP timeout (1 s) to bound lookups against a hung slapd.
DELAY=3
LTIMEOUT=1
mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$DELAY" -t "$LTIMEOUT" -e +


# check_tempfail RCPT AUTH: the log line for RCPT says 451, and no line for it
# says 5xx or accept.
check_tempfail() {
	mt_expect_log "$1 -> tempfail 451 directory-error" "rcpt=$1" "auth=$2" \
		action=tempfail code=451 reason=directory-error
	local bad
	bad=$(mt_log_line "rcpt=$1" | grep -E ' code=5[0-9][0-9] | action=accept ')
	if [ -z "$bad" ]; then
		mt_pass "log: $1 never got a 5xx or an accept while the directory failed"
	else
		mt_fail "log: $1 got a 5xx/accept while the directory failed: $bad"
	fi
}

mt_say "== slapd up: baseline"
mt_check "valid recipient accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=baseline

mt_say "== slapd hung (SIGSTOP): lookups must time out after ~${LTIMEOUT}s"
kill -STOP "$MT_SLAPD_PID"
mt_check "valid recipient, hung slapd: tempfail within the LDAP timeout" \
	mt_rcpt tempfail "<bob@example.com>" "max=$((LTIMEOUT + 2))" label=hung
mt_check "unknown recipient, anonymous, hung slapd: tempfail, no tarpit" \
	mt_rcpt tempfail "<nobody-hung@example.com>" "max=$((LTIMEOUT + 2))" label=hung
check_tempfail "<bob@example.com>" -
check_tempfail "<nobody-hung@example.com>" -
kill -CONT "$MT_SLAPD_PID"

mt_say "== slapd resumed"
mt_check "valid recipient accepted again after slapd resumed" \
	mt_rcpt continue "<robert@example.com>" max=1.5 label=resumed

mt_say "== slapd stopped (connection refused)"
mt_stop_slapd
mt_check "valid recipient, slapd down: tempfail at once" \
	mt_rcpt tempfail "<star@example.com>" max=1.5 label=down
mt_check "unknown recipient, anonymous, slapd down: tempfail, no tarpit" \
	mt_rcpt tempfail "<nobody-down@example.com>" max=1.5 label=down
mt_check "unknown recipient, authenticated, slapd down: tempfail" \
	mt_rcpt tempfail "<nobody-down-auth@example.com>" max=1.5 \
	auth=alice@example.com label=down
mt_check "user+tag, slapd down: tempfail" \
	mt_rcpt tempfail "<alice+down@example.com>" max=1.5 label=down
check_tempfail "<star@example.com>" -
check_tempfail "<nobody-down@example.com>" -
check_tempfail "<nobody-down-auth@example.com>" alice@example.com
check_tempfail "<alice+down@example.com>" -
# SPEC: errors are logged like `ldap: ldap://127.0.0.1:3890: Can't contact LDAP server`
if grep -F "$MT_LDAP_URI" "$MT_MILTER_LOG" | grep -q "Can't contact LDAP server"; then
	mt_pass "log: an error line names the URI and says \"Can't contact LDAP server\""
else
	mt_fail "log: no error line with \"$MT_LDAP_URI\" and \"Can't contact LDAP server\""
fi
mt_check "non-local recipient still accepted with slapd down (no lookup)" \
	mt_rcpt continue "<someone@elsewhere.org>" max=0.5 label=down

mt_say "== slapd back on the same port"
mt_start_slapd
# The pooled connections are dead (slapd restarted): the first lookup
# must reconnect and answer, not give one more 451.
mt_check "the first lookup after slapd came back: accepted" \
	mt_rcpt continue "<alice+back@example.com>" max=1.5 label=back
mt_check "unknown recipient rejected again (tarpit) after slapd came back" \
	mt_rcpt reject "<nobody-back@example.com>" "min=$DELAY" "max=$((DELAY + 2))" label=back
mt_expect_log "<nobody-back@example.com> -> reject 550 unknown" \
	"rcpt=<nobody-back@example.com>" action=reject code=550 reason=unknown

mt_stop_milter
mt_check "daemon exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
mt_finish
