#!/bin/bash
# t-forms.sh - every address form Postfix accepts for our domains is decided
# as Postfix will route it: subdomains, trailing dot, case and IDN forms of a
# -d domain, the percent hack, bang paths, user@domain@[literal], quoted and
# obsolete local parts (forms.lua through miltertest), then the subdomain and
# percent-hack cases through the harness's real Postfix with swaks.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

DELAY=1
mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com \
	-d "example.com,b$(printf '\303\274')cher.example" -T "$DELAY" -e + -t 5

mt_say "== forms.lua"
mt_check "forms.lua: every form answered as Postfix will route it" \
	mt_miltertest forms.lua "delay=$DELAY"

# decision RCPT CODE REASON [ROUTED]: the decision line for RCPT (as logged)
decision() {
	local toks=("rcpt=$1" "code=$2" "reason=$3")
	[ -n "${4:-}" ] && toks+=("routed=<$4>")
	mt_expect_log "$1 -> $2 $3${4:+ (routed to $4)}" "${toks[@]}"
}
mt_say "== decision lines"
decision "<nobody-sub@mx.example.com>" 550 unknown
decision "<nobody-dot@example.com.>" 550 unknown
decision "<Nobody-Case@EXAMPLE.Com>" 550 unknown
decision "<nobody-alabel@xn--bcher-kva.example>" 550 unknown
decision "<nobody-ulabel@B\\xc3\\x9cCHER.example>" 550 unknown
decision "<nobody-pct%example.com@[127.0.0.1]>" 550 unknown nobody-pct@example.com
decision "<nobody-pct2%example.com@example.com>" 550 unknown nobody-pct2@example.com
decision "<alice%example.com@example.com>" 250 exists alice@example.com
decision "<example.com!nobody-bang@[127.0.0.1]>" 550 unknown nobody-bang@example.com
decision "<example.com!nobody-bang2@example.com>" 550 unknown nobody-bang2@example.com
decision "<example.com!bob@example.com>" 250 exists bob@example.com
decision "<nobody-at@example.com@[127.0.0.1]>" 550 unknown nobody-at@example.com
decision "<robert@example.com@[127.0.0.1]>" 250 exists robert@example.com
decision "<someone%elsewhere.org@example.com>" 250 non-local someone@elsewhere.org
decision '<"erin".mixed@example.com>' 250 exists
decision '<"nobody"."quoted"@example.com>' 550 unknown
decision '<"john"doe@elsewhere.org>' 250 non-local
decision '<"erin"mixed@example.com>' 501 bad-address
decision '<"john"."doe"@gmail.com>' 250 non-local

mt_say "== search filters received by slapd"
filters=$(mt_slapd_filters)
# want_filter ADDRESS: slapd was asked for (mail=ADDRESS), case-insensitively
want_filter() {
	mt_check "slapd: looked up as (mail=$1)" grep -qixF "(mail=$1)" <<<"$filters"
}
want_filter nobody-sub@mx.example.com
want_filter nobody-dot@example.com
want_filter nobody-pct@example.com
want_filter nobody-bang@example.com
want_filter nobody-at@example.com
want_filter erin.mixed@example.com
want_filter nobody.quoted@example.com
if grep -qi 'elsewhere\|gmail' <<<"$filters"; then
	mt_fail "slapd: a foreign recipient was looked up"
else
	mt_pass "slapd: no lookup for a foreign recipient"
fi

# ------------------------------------------------- through the real Postfix
if [ "$(id -u)" -ne 0 ] || ! command -v postfix >/dev/null ||
	! command -v swaks >/dev/null; then
	mt_fail "Postfix part needs root, postfix and swaks (Debian packages postfix, swaks)"
	mt_finish
fi
mt_start_postfix "$MT_MILTER_PF_SOCK"
REJECT_TEXT='Recipient address rejected: User unknown'
# via_postfix ADDR WANT_PREFIX MIN MAX DESC: swaks RCPT TO:<ADDR> answered
# with WANT_PREFIX within [MIN, MAX) seconds
via_postfix() {
	local out=$MT_TMP/swaks.$RANDOM got s
	mt_swaks "$out" --from sender@elsewhere.org --to "$1" --quit-after RCPT
	sed 's/^/    | /' "$out"
	got=$(mt_swaks_rcpt_reply "$out" "$1")
	s=$(mt_swaks_rcpt_secs "$out" "$1")
	case $got in
	"$2"*) mt_pass "postfix: $5: RCPT reply '$got'" ;;
	*) mt_fail "postfix: $5: RCPT reply '${got:-none}', want '$2...'" ;;
	esac
	if [ -n "$s" ] && mt_cmp "$s" ">=" "$3" && mt_cmp "$s" "<" "$4"; then
		mt_pass "postfix: $5: answered in ${s}s"
	else
		mt_fail "postfix: $5: answered in '${s:-?}'s, want $3 to $4"
	fi
}
mt_say "== through Postfix (relay_domains = example.com)"
via_postfix nobody-pf@mx.example.com \
	"550 5.1.1 <nobody-pf@mx.example.com>: $REJECT_TEXT" "$DELAY" $((DELAY + 2)) \
	"unknown in a subdomain: tarpit, 550"
via_postfix 'nobody-pf%example.com@[127.0.0.1]' \
	"550 5.1.1 <nobody-pf%example.com@[127.0.0.1]>: $REJECT_TEXT" "$DELAY" $((DELAY + 2)) \
	"percent hack to an unknown: tarpit, 550"
via_postfix 'alice%example.com@[127.0.0.1]' "250" 0 0.5 \
	"percent hack to a known address: 250"

mt_say "== a valid percent-hack address is delivered as Postfix rewrote it"
out=$MT_TMP/deliver.out
mt_swaks "$out" --from sender@elsewhere.org --to 'bob%example.com@[127.0.0.1]'
sed 's/^/    | /' "$out"
mt_check "postfix: the message for bob%example.com@[127.0.0.1] was queued" \
	grep -q '^<-  250 .*queued as' "$out"
mt_check "postfix: delivered to discard: as bob@example.com" \
	mt_maillog_wait 10 'discard.*to=<bob@example.com>.*status=sent'

mt_stop_postfix
mt_stop_milter
mt_check "daemon exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
mt_finish
