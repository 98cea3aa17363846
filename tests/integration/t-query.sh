#!/bin/bash
# t-query.sh - query mode (-q ADDRESS [--client IP] [--sender ADDR]
# [--auth USER]) against a real slapd and the --users file backend:
#   - the printed lines address:, session:, action:, reply:, delay:, rule:,
#     filter:, lookup:, cache: (or "lookup:   none" when nothing is asked);
#   - exit status 0 accept, 1 reject, 2 tempfail or error, 64 bad --client;
#   - valid (0), unknown anonymous (1, 550 5.1.1, delay = the -T value),
#     unknown authenticated (1, delay 0), non-local and postmaster (0, no
#     lookup), bad syntax (1, 501 5.1.3), slapd down (2, 451 4.3.0),
#     injection-shaped addresses (1, escaped filter, slapd never sees a
#     wildcard), -e + (both alternatives in the filter), --users;
#   - query mode never sleeps the tarpit (returns at once with -T 20) and
#     runs as root without -u/--allow-root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require ss
mt_require_bin
mt_init
mt_start_slapd

# shellcheck disable=SC2054 # the commas are part of the DN
LDAP=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2)
OUT=$MT_TMP/q.out

# q WANT_RC DESC ARGS...: run "$MT_BIN ARGS" (a query), output to $OUT
# (shown indented), wall time in Q_SECS; one check for the exit status.
# Every query must be over within 3 s (it never sleeps the tarpit).
q() {
	local want=$1 desc=$2 rc t0
	shift 2
	t0=$(mt_now)
	timeout -s KILL 10 env --default-signal "$MT_BIN" "$@" </dev/null >"$OUT" 2>&1
	rc=$?
	Q_SECS=$(mt_elapsed "$t0")
	Q_DESC=$desc
	sed 's/^/    | /' "$OUT"
	if [ "$rc" -eq 137 ]; then
		mt_fail "$desc: still running after 10 s (killed); want exit $want"
	elif [ "$rc" -eq "$want" ]; then
		mt_pass "$desc: exit $rc"
	else
		mt_fail "$desc: exit $rc, want $want"
	fi
	if mt_cmp "$Q_SECS" "<" 3; then
		mt_pass "$desc: answered in ${Q_SECS}s (< 3 s)"
	else
		mt_fail "$desc: took ${Q_SECS}s, want < 3 s"
	fi
}

# field KEY: the value of the "KEY:" line of the last query (blanks after
# the colon dropped); empty (status 1) if there is no such line.
field() {
	local v
	v=$(sed -n "s/^$1:[[:blank:]]*//p" "$OUT" | head -n 1)
	printf '%s\n' "$v"
	[ -n "$v" ]
}

# want KEY VALUE: the KEY line of the last query is exactly VALUE.
want() {
	local got
	got=$(field "$1")
	if [ "$got" = "$2" ]; then
		mt_pass "$Q_DESC: $1: $2"
	else
		mt_fail "$Q_DESC: $1: '$got', want '$2'"
	fi
}

# want_re KEY ERE: the KEY line of the last query matches ERE.
want_re() {
	local got
	got=$(field "$1")
	if printf '%s\n' "$got" | grep -Eq -- "$2"; then
		mt_pass "$Q_DESC: $1 matches /$2/"
	else
		mt_fail "$Q_DESC: $1: '$got', want a match for /$2/"
	fi
}

# no_field KEY: the last query printed no KEY line.
no_field() {
	if grep -q "^$1:" "$OUT"; then
		mt_fail "$Q_DESC: unexpected line: $(grep "^$1:" "$OUT" | head -n 1)"
	else
		mt_pass "$Q_DESC: no $1: line"
	fi
}

# all_lines: the last query printed every line of a query with a lookup.
all_lines() {
	local k missing=
	for k in address session action reply delay rule filter lookup cache; do
		grep -q "^$k:" "$OUT" || missing="$missing $k:"
	done
	if [ -z "$missing" ]; then
		mt_pass "$Q_DESC: prints address: session: action: reply: delay: rule: filter: lookup: cache:"
	else
		mt_fail "$Q_DESC: missing line(s):$missing"
	fi
}

# searches FILTER: how many times slapd was asked for FILTER so far.
searches() { mt_slapd_searches "$1"; }

U=nobody@example.com

mt_say "== a valid address"
q 0 "alice@example.com" "${LDAP[@]}" -q alice@example.com
all_lines
want address alice@example.com
want_re session '^anonymous'
want action accept
want_re reply '^250( |$)'
want delay "0.000 s"
want_re rule '^exists'
want filter "(mail=alice@example.com)"
want_re lookup '^[0-9]+\.[0-9]+ s$'
mt_check "slapd was asked for (mail=alice@example.com)" \
	[ "$(searches "(mail=alice@example.com)")" -ge 1 ]

q 0 "address stored in mixed case, asked in lower case" "${LDAP[@]}" -q erin.mixed@example.com
want action accept

mt_say "== an unknown address, anonymous: reject after the tarpit (not slept here)"
q 1 "unknown, anonymous, -T 20" "${LDAP[@]}" -T 20 -q "$U"
all_lines
want action reject
want reply "550 5.1.1 <$U>: Recipient address rejected: User unknown"
want delay "20.000 s"
want_re rule '^unknown'
want filter "(mail=$U)"
q 1 "unknown, anonymous, -T 7.5" "${LDAP[@]}" -T 7.5 -q "$U"
want delay "7.500 s"
q 1 "unknown, anonymous, -T 0 (tarpit off)" "${LDAP[@]}" -T 0 -q "$U"
want delay "0.000 s"
want reply "550 5.1.1 <$U>: Recipient address rejected: User unknown"
q 1 "unknown, -R text" "${LDAP[@]}" -T 3 -R "No such mailbox here" -q "$U"
want reply "550 5.1.1 <$U>: No such mailbox here"
q 1 "unknown, domain in upper case (still local, still looked up)" \
	"${LDAP[@]}" -T 20 -q nobody@EXAMPLE.COM
want action reject
want delay "20.000 s"
if field filter >/dev/null; then mt_pass "$Q_DESC: looked up"; else mt_fail "$Q_DESC: not looked up"; fi

mt_say "== an unknown address, authenticated: reject at once"
q 1 "unknown, --auth alice" "${LDAP[@]}" -T 20 -q "$U" --auth alice@example.com \
	--client 192.0.2.7 --sender someone@elsewhere.org
all_lines
want action reject
want reply "550 5.1.1 <$U>: Recipient address rejected: User unknown"
want delay "0.000 s"
want_re session '^authenticated as alice@example\.com'
want_re session 'client 192\.0\.2\.7'
want_re session 'sender <someone@elsewhere\.org>'
q 0 "valid, --auth, IPv6 --client" "${LDAP[@]}" -q bob@example.com --auth bob \
	--client 2001:db8::25
want action accept
want_re session 'client 2001:db8::25'

mt_say "== no lookup: non-local domain, postmaster"
before=$(mt_slapd_filters | wc -l)
q 0 "non-local x@elsewhere.org" "${LDAP[@]}" -T 20 -q x@elsewhere.org
want action accept
want lookup none
no_field filter
want_re rule '^non-local'
q 0 "postmaster@example.com" "${LDAP[@]}" -T 20 -q postmaster@example.com
want action accept
want lookup none
want_re rule '^postmaster'
q 0 "PostMaster@Example.COM" "${LDAP[@]}" -T 20 -q PostMaster@Example.COM
want action accept
want lookup none
after=$(mt_slapd_filters | wc -l)
mt_check "slapd got no search for the non-local and postmaster queries ($before -> $after)" \
	[ "$before" -eq "$after" ]

mt_say "== invalid addresses: 501 5.1.3, no lookup"
q 1 "'not an address'" "${LDAP[@]}" -T 20 -q "not an address"
want action reject
want_re reply '^501 5\.1\.3 '
want delay "0.000 s"
want lookup none
q 1 "'alice@' (empty domain)" "${LDAP[@]}" -T 20 -q "alice@"
want_re reply '^501 5\.1\.3 '
want lookup none

mt_say "== injection-shaped addresses: escaped, never a wildcard"
q 1 "'*)(mail=*@example.com'" "${LDAP[@]}" -T 20 -q '*)(mail=*@example.com'
want action reject
want_re reply '^550 5\.1\.1 '
want_re filter '\\2a\\29\\28'
want filter '(mail=\2a\29\28mail=\2a@example.com)'
q 1 "'*@example.com' (star@example.com exists: a wildcard would match)" \
	"${LDAP[@]}" -T 20 -q '*@example.com'
want filter '(mail=\2a@example.com)'
q 1 "'*)(mail=*@example.com', authenticated" "${LDAP[@]}" -T 20 \
	-q '*)(mail=*@example.com' --auth alice
want delay "0.000 s"
mt_slapd_filters | sed 's/^/#   slapd: /'
if mt_slapd_filters | grep -q '\*'; then
	mt_fail "slapd received a filter with an unescaped '*': $(mt_slapd_filters | grep '\*' | head -n 1)"
else
	mt_pass "slapd never received an unescaped '*'"
fi

mt_say "== -e +: both alternatives"
q 0 "alice+tag@example.com with -e +" "${LDAP[@]}" -e + -q alice+tag@example.com
want action accept
want_re filter '\(mail=alice\+tag@example\.com\)'
want_re filter '\(mail=alice@example\.com\)'
want_re filter '^\(\|'
q 0 "carol+lists@example.com (literal + in the directory) with -e +" \
	"${LDAP[@]}" -e + -q carol+lists@example.com
want action accept
q 1 "nobody+tag@example.com with -e +" "${LDAP[@]}" -e + -T 20 -q nobody+tag@example.com
want action reject
want_re filter '\(mail=nobody\+tag@example\.com\)'
want_re filter '\(mail=nobody@example\.com\)'
q 1 "alice+tag@example.com without -e: not found" "${LDAP[@]}" -T 20 -q alice+tag@example.com
want filter "(mail=alice+tag@example.com)"

mt_say "== bad --client: exit 64"
q 64 "--client 999.1.1.1" "${LDAP[@]}" -q alice@example.com --client 999.1.1.1
mt_check "the message names --client" grep -q -- '--client' "$OUT"
q 64 "--client mx.example.org" "${LDAP[@]}" -q alice@example.com --client mx.example.org

if [ "$(id -u)" -eq 0 ]; then
	mt_say "== as root, without -u or --allow-root (query mode needs neither)"
	q 0 "query as root" "${LDAP[@]}" -q alice@example.com
fi

mt_say "== --users FILE"
cat >"$MT_TMP/users" <<'EOF'
# users for t-query.sh
alice@example.com
@catchall.example.org
EOF
# shellcheck disable=SC2054 # a comma-separated domain list
USERS=(--users "$MT_TMP/users" -d example.com,catchall.example.org)
q 0 "--users: listed address" "${USERS[@]}" -q alice@example.com
want action accept
want_re rule '^exists'
want_re lookup '^[0-9]+\.[0-9]+ s$'
q 1 "--users: unknown, anonymous, -T 12" "${USERS[@]}" -T 12 -q "$U"
want reply "550 5.1.1 <$U>: Recipient address rejected: User unknown"
want delay "12.000 s"
q 1 "--users: unknown, authenticated" "${USERS[@]}" -T 12 -q "$U" --auth alice
want delay "0.000 s"
q 0 "--users: catch-all domain" "${USERS[@]}" -q whoever@catchall.example.org
want action accept
q 0 "--users: non-local" "${USERS[@]}" -q x@elsewhere.org
want lookup none

mt_say "== slapd down: 451 4.3.0, exit 2"
mt_stop_slapd
q 2 "slapd stopped" "${LDAP[@]}" -T 20 -q alice@example.com
want action tempfail
want_re reply '^451 4\.3\.0 '
want delay "0.000 s"
q 2 "slapd stopped, unknown-looking address" "${LDAP[@]}" -T 20 -q "$U"
want_re reply '^451 4\.3\.0 '
if grep -Eq '^reply: +5' "$OUT"; then mt_fail "$Q_DESC: a 5xx"; else mt_pass "$Q_DESC: no 5xx"; fi
mt_start_slapd
q 0 "slapd back" "${LDAP[@]}" -q alice@example.com

mt_finish
