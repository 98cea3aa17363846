#!/bin/bash
# t-referral.sh - a user behind a continuation reference.  Two private
# slapd: the first holds ou=people and a referral object (objectClass
# referral, added with ldapadd -M, the ManageDsaIT way) for
# ou=delegated,dc=example,dc=com pointing at the second, which holds the
# delegated user.  A subtree search from dc=example,dc=com on the first
# finds no entry for that user, only the reference:
#   - the delegated user is accepted (250): the reference is followed;
#   - an unknown user still gets 550 after the tarpit delay (the referred
#     server was asked too, and it has no entry either);
#   - the second slapd hung (SIGSTOP) or stopped: the delegated user gets
#     451 within the LDAP timeout, never 550;
#   - and that 451 was not cached as a negative: with the second slapd back,
#     the same user is accepted at once.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss ldapadd ldapsearch
mt_require_bin
mt_init

DELAY=2
LTIMEOUT=2
D=dave@example.com

mt_slapd_use 2
cat >"$MT_TMP/delegated.ldif" <<EOF
dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example (delegated part)

dn: ou=delegated,dc=example,dc=com
objectClass: organizationalUnit
ou: delegated

dn: uid=dave,ou=delegated,dc=example,dc=com
objectClass: inetOrgPerson
uid: dave
cn: Dave Delegated
sn: Delegated
mail: $D
EOF
MT_LDIF=$MT_TMP/delegated.ldif mt_start_slapd
URI2=$MT_LDAP_URI

mt_slapd_use 1
MT_SLAPD_ROOTPW=admin-secret mt_start_slapd
cat >"$MT_TMP/referral.ldif" <<EOF
dn: ou=delegated,dc=example,dc=com
objectClass: referral
objectClass: extensibleObject
ou: delegated
ref: $URI2/ou=delegated,dc=example,dc=com
EOF
ldapadd -x -M -H "$MT_LDAP_URI" -D cn=admin,dc=example,dc=com -w admin-secret \
	-f "$MT_TMP/referral.ldif" >"$MT_TMP/ldapadd.log" 2>&1 ||
	{ cat "$MT_TMP/ldapadd.log"; mt_fatal "ldapadd -M of the referral object failed"; }
# What the first slapd answers by itself: no entry, one reference.
ldapsearch -x -LLL -H "$MT_LDAP_URI" -b dc=example,dc=com "(mail=$D)" 1.1 \
	>"$MT_TMP/plain-search.out" 2>&1
sed 's/^/    | /' "$MT_TMP/plain-search.out"
mt_check "slapd 1 alone: the search for $D returns only a reference to slapd 2" \
	grep -qF "$URI2/ou=delegated" "$MT_TMP/plain-search.out"

mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$DELAY" -t "$LTIMEOUT" -e +

mt_say "== both slapd up"
mt_check "the delegated user is accepted" \
	mt_rcpt continue "<$D>" max=1 label=delegated
mt_check "a user of slapd 1 is accepted" \
	mt_rcpt continue "<alice@example.com>" max=1 label=local
mt_check "an unknown user gets 550 after the tarpit delay" \
	mt_rcpt reject "<nobody@example.com>" "min=$DELAY" "max=$((DELAY + 2))" label=unknown
mt_slapd_use 2
mt_check "slapd 2 was asked for the delegated user" \
	[ "$(mt_slapd_searches "(mail=$D)")" -ge 1 ]

mt_say "== slapd 2 hung (SIGSTOP)"
kill -STOP "$MT_SLAPD_PID"
mt_check "the delegated user gets 451 within the LDAP timeout + 1 s" \
	mt_rcpt tempfail "<dave+hung@example.com>" "max=$((LTIMEOUT + 1))" label=hung
kill -CONT "$MT_SLAPD_PID"

mt_say "== slapd 2 stopped"
mt_stop_slapd
mt_check "the delegated user (a new tag, so no cache) gets 451, not 550" \
	mt_rcpt tempfail "<dave+down@example.com>" "max=$((LTIMEOUT + 1))" label=down
mt_expect_log "the 451 is a directory error" "rcpt=<dave+down@example.com>" \
	action=tempfail code=451 reason=directory-error

mt_say "== slapd 2 back"
mt_start_slapd
mt_check "the same user is accepted at once: the 451 was not cached as a negative" \
	mt_rcpt continue "<dave+down@example.com>" max=1 label=back
mt_slapd_use 1

mt_stop_milter
mt_finish
