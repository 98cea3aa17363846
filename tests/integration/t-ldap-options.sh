#!/bin/bash
# t-ldap-options.sh - the LDAP side options against a real slapd: simple bind
# with -D/-y (right and wrong password), ldapi:// (anonymous and -Y EXTERNAL),
# several URIs tried in order (space, comma, repeated -H), and a custom -F
# filter with %u and %d.
# (The daemon's own stop is checked by t-signals.sh; here each one is stopped
# in the background.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init
mt_start_slapd

# shellcheck disable=SC2054 # the commas are part of the DN
COMMON=(-b dc=example,dc=com -d example.com -T 1 -t 2)
BINDDN=cn=milter,dc=example,dc=com

# slapd_bind_results DN: "err=N" of each BIND by DN (slapd stats log: the
# RESULT line of the same conn= and op=).
slapd_bind_results() {
	awk -v dn="BIND dn=\"$1\"" '
		index($0, dn) { for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k $i " "; want[k] = 1; k = ""; next }
		/ RESULT tag=97 / { k = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(conn|op)=/) k = k $i " ";
			if (k in want) for (i = 1; i <= NF; i++) if ($i ~ /^err=/) print $i; k = "" }' "$MT_SLAPD_LOG"
}

mt_say "== simple bind as $BINDDN with the right password (-D, -y)"
printf 'milter-secret\n' >"$MT_TMP/bind.pw"
chmod 600 "$MT_TMP/bind.pw"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" -D "$BINDDN" -y "$MT_TMP/bind.pw"
mt_check "bound: valid recipient accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=bind
mt_check "bound: unknown recipient rejected" \
	mt_rcpt reject "<nobody-bind@example.com>" auth=alice@example.com max=0.5 label=bind
mt_stop_milter_bg
mt_expect_log "bound lookup: reject 550 unknown" "rcpt=<nobody-bind@example.com>" \
	action=reject code=550 reason=unknown
res=$(slapd_bind_results "$BINDDN" | sort -u | tr '\n' ' ')
mt_check "slapd: the daemon bound as $BINDDN, successfully (results: ${res:-none})" \
	[ "$res" = "err=0 " ]

mt_say "== password file: only the first line is the password"
printf 'milter-secret\nthis second line is not part of it\n' >"$MT_TMP/bind2.pw"
chmod 600 "$MT_TMP/bind2.pw"
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" -D "$BINDDN" -y "$MT_TMP/bind2.pw"
mt_check "two-line password file: valid recipient accepted" \
	mt_rcpt continue "<bob@example.com>" max=0.5 label=bind2
mt_stop_milter_bg

mt_say "== wrong password"
printf 'not-the-password\n' >"$MT_TMP/wrong.pw"
chmod 600 "$MT_TMP/wrong.pw"
# The daemon does not ask the directory at start (it must start while
# slapd is still down at boot), so a wrong password shows at the first
# lookup: every recipient gets 451 until the password is put right.
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" -D "$BINDDN" -y "$MT_TMP/wrong.pw"
mt_check "wrong password: valid recipient gets tempfail (never accept, never 5xx)" \
	mt_rcpt tempfail "<robert@example.com>" max=2.5 label=wrongpw
mt_check "wrong password: unknown recipient gets tempfail, no tarpit" \
	mt_rcpt tempfail "<nobody-wrongpw@example.com>" max=0.9 label=wrongpw
mt_stop_milter_bg
mt_expect_log "wrong password: 451 directory-error" "rcpt=<robert@example.com>" \
	action=tempfail code=451 reason=directory-error
mt_expect_log "wrong password: 451 directory-error (unknown rcpt)" \
	"rcpt=<nobody-wrongpw@example.com>" action=tempfail code=451 reason=directory-error
mt_check "slapd: the wrong password was refused (err=49)" \
	grep -q '^err=49$' <(slapd_bind_results "$BINDDN")

mt_say "== ldapi:// URI"
mt_start_milter -H "$MT_LDAPI_URI" "${COMMON[@]}"
mt_check "ldapi: valid recipient accepted" \
	mt_rcpt continue "<star@example.com>" max=0.5 label=ldapi
mt_check "ldapi: unknown recipient rejected" \
	mt_rcpt reject "<nobody-ldapi@example.com>" auth=alice@example.com max=0.5 label=ldapi
mt_stop_milter_bg
mt_check "slapd: a connection came in over ldapi (PATH=)" \
	grep -q "ACCEPT from PATH=$MT_TMP/slapd/ldapi" "$MT_SLAPD_LOG"

mt_say "== ldapi:// with SASL EXTERNAL (-Y EXTERNAL)"
mt_start_milter -H "$MT_LDAPI_URI" "${COMMON[@]}" -Y EXTERNAL
mt_check "ldapi + EXTERNAL: valid recipient accepted" \
	mt_rcpt continue "<erin.mixed@example.com>" max=0.5 label=external
mt_check "ldapi + EXTERNAL: unknown recipient rejected" \
	mt_rcpt reject "<nobody-external@example.com>" auth=alice@example.com max=0.5 label=external
mt_stop_milter_bg
mt_check "slapd: a SASL EXTERNAL bind was made (mech=EXTERNAL)" \
	grep -q 'BIND dn="gidNumber=[0-9]*+uidNumber=[0-9]*,cn=peercred,cn=external,cn=auth" mech=EXTERNAL' "$MT_SLAPD_LOG"

# A port nobody listens on: the first URI of each list fails at once.
DEAD=ldap://127.0.0.1:$(mt_free_port)
for form in space comma repeated; do
	mt_say "== several URIs ($form separated), the first one dead"
	case $form in
	space) mt_start_milter -H "$DEAD $MT_LDAP_URI" "${COMMON[@]}" ;;
	comma) mt_start_milter -H "$DEAD,$MT_LDAP_URI" "${COMMON[@]}" ;;
	repeated) mt_start_milter -H "$DEAD" -H "$MT_LDAP_URI" "${COMMON[@]}" ;;
	esac
	mt_check "URIs ($form): falls over to the live server, valid recipient accepted" \
		mt_rcpt continue "<alice@example.com>" max=1.5 "label=uris $form"
	mt_check "URIs ($form): unknown recipient rejected (550, not 451)" \
		mt_rcpt reject "<nobody-$form@example.com>" auth=alice@example.com max=1.5 "label=uris $form"
	mt_stop_milter_bg
	mt_expect_log "URIs ($form): 550 unknown" "rcpt=<nobody-$form@example.com>" \
		action=reject code=550 reason=unknown
done

mt_say "== custom filter -F with %u and %d"
F='(&(objectClass=inetOrgPerson)(uid=%u)(mail=*@%d))'
mt_start_milter -H "$MT_LDAP_URI" "${COMMON[@]}" -F "$F"
mt_check "-F: alice found by uid" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=filter
mt_check "-F: unknown uid rejected" \
	mt_rcpt reject "<nobody-filter@example.com>" auth=alice@example.com max=0.5 label=filter
mt_check "-F: '*' as the local part rejected (escaped)" \
	mt_rcpt reject "<*@example.com>" auth=alice@example.com max=0.5 label=filter
mt_stop_milter_bg
filters=$(mt_slapd_filters)
mt_check "slapd: -F expanded to (&(objectClass=inetOrgPerson)(uid=alice)(mail=*@example.com))" \
	grep -qxF '(&(objectClass=inetOrgPerson)(uid=alice)(mail=*@example.com))' <<<"$filters"
if [ -n "$(mt_log_line 'rcpt=<*@example.com>' reason=unknown)" ]; then
	mt_check "slapd: %u value '*' escaped as \\2A" \
		grep -qixF '(&(objectClass=inetOrgPerson)(uid=\2A)(mail=*@example.com))' <<<"$filters"
fi
# shellcheck disable=SC2016 # $1 is expanded by the inner bash
mt_check "slapd: no -F search with an unescaped wildcard uid" \
	bash -c '! grep -q "(uid=\*)" <<<"$1"' _ "$filters"

mt_finish
