#!/bin/bash
# contrib/demo.sh - watch milter-tarpit work: a private slapd (loaded with
# contrib/example.ldif), the daemon (tarpit 2 s) and a private Postfix with
# SASL, all on loopback, then three SMTP conversations with swaks:
#   (a) a valid recipient: accepted;
#   (b) an unknown recipient, anonymous client: held for the tarpit delay,
#       then 550 5.1.1;
#   (c) an unknown recipient, SASL-authenticated client: 550 5.1.1 at once.
# Prints the daemon's log lines and Postfix's, then stops everything.
#
# Run as root from a built tree:
#   contrib/demo.sh                 uses ./src/milter-tarpit
#   contrib/demo.sh BUILDDIR        uses BUILDDIR/src/milter-tarpit
#   MT_BIN=/path/to/milter-tarpit contrib/demo.sh
# Nothing is installed and nothing outside a temp dir is touched (the system's
# slapd and Postfix configurations are not read or changed).

# Under another shell (e.g. "sh contrib/demo.sh"), run again with bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

if [ -z "${MT_BIN:-}" ]; then
	if [ -n "${1:-}" ]; then
		MT_BIN=$1/src/milter-tarpit
		[ -f "$1" ] && [ -x "$1" ] && MT_BIN=$1
	else
		MT_BIN=./src/milter-tarpit
	fi
fi
case $MT_BIN in /*) ;; *) MT_BIN=$(pwd)/$MT_BIN ;; esac
export MT_BIN
MT_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
export MT_SRCDIR

# shellcheck source=tests/integration/lib.sh
. "$MT_SRCDIR/tests/integration/lib.sh"

mt_require_root
mt_require slapd slapadd ldapsearch postfix postconf swaks saslpasswd2 ss
mt_require_bin
mt_init

DELAY=2
UNEXPECTED=0

heading() { printf '\n=== %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
verdict() { # verdict OK_CONDITION_STATUS TEXT
	if [ "$1" -eq 0 ]; then
		printf '    [as expected] %s\n' "$2"
	else
		printf '    [UNEXPECTED]  %s\n' "$2"
		UNEXPECTED=$((UNEXPECTED + 1))
	fi
}
# the SMTP dialogue only (swaks' "->" and "<-" lines, no message body), each
# reply with the time the server took to give it
dialogue() {
	awk '/^=== response in / { t = $4; next }
		/^(<-|<\*\*) / { if ($0 ~ /^(<-|<\*\*)  250-/) next
			printf "    %-70s (%s)\n", $0, t; next }
		/^ -> (EHLO|MAIL|RCPT|DATA|QUIT|AUTH)/ { print "    " $0 }' "$1"
}

heading "Starting a private slapd with contrib/example.ldif"
mt_start_slapd >/dev/null
note "slapd listens on $MT_LDAP_URI; it knows, among others:"
ldapsearch -x -LLL -H "$MT_LDAP_URI" -b ou=people,dc=example,dc=com '(mail=*)' mail |
	sed -n 's/^mail: /      /p'

heading "Starting milter-tarpit (tarpit delay ${DELAY}s)"
# Started as root, it drops to nobody once the socket is open.
MT_MILTER_USER_ARGS="-u nobody:nogroup" mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -e + \
	-T "$DELAY" >/dev/null
note "$MT_BIN -f -u nobody:nogroup -p $MT_MILTER_SOCK -H $MT_LDAP_URI"
note "    -b dc=example,dc=com -d example.com -e + -T $DELAY"

heading "Starting a private Postfix that uses it (smtpd_milters = $MT_MILTER_PF_SOCK)"
mt_start_postfix "$MT_MILTER_PF_SOCK" >/dev/null
note "Postfix listens on 127.0.0.1:$MT_SMTP_PORT, relays example.com to discard:,"
note "offers SASL PLAIN for $MT_SASL_USER (password $MT_SASL_PASS)."

heading "(a) Anonymous client, existing recipient alice@example.com: accepted"
out=$MT_TMP/a.out
mt_swaks "$out" --from sender@elsewhere.org --to alice@example.com
dialogue "$out"
reply=$(mt_swaks_rcpt_reply "$out" alice@example.com)
case $reply in 250*) r=0 ;; *) r=1 ;; esac
verdict $r "RCPT answered '$reply' in $(mt_swaks_rcpt_secs "$out" alice@example.com)s"

heading "(b) Anonymous client, unknown recipient nobody@example.com: tarpit, then 550"
out=$MT_TMP/b.out
mt_swaks "$out" --from sender@elsewhere.org --to nobody@example.com --quit-after RCPT
dialogue "$out"
reply=$(mt_swaks_rcpt_reply "$out" nobody@example.com)
secs=$(mt_swaks_rcpt_secs "$out" nobody@example.com)
case $reply in "550 5.1.1"*) r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && ! mt_cmp "$secs" ">=" "$DELAY" && r=1
verdict $r "RCPT answered '$reply' after ${secs}s (tarpit ${DELAY}s; whole session ${MT_SWAKS_SECS}s)"

heading "(c) Authenticated client (SASL PLAIN), unknown recipient: 550 at once"
out=$MT_TMP/c.out
mt_swaks "$out" --from alice@example.com --to nobody-else@example.com --quit-after RCPT \
	--auth PLAIN --auth-user "$MT_SASL_USER" --auth-password "$MT_SASL_PASS"
dialogue "$out"
reply=$(mt_swaks_rcpt_reply "$out" nobody-else@example.com)
secs=$(mt_swaks_rcpt_secs "$out" nobody-else@example.com)
case $reply in "550 5.1.1"*) r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && ! mt_cmp "$secs" "<" 0.5 && r=1
verdict $r "RCPT answered '$reply' after ${secs}s (no tarpit for authenticated clients)"

# let Postfix finish delivering (a) to discard: before showing its log
mt_maillog_wait 5 'discard.*to=<alice@example.com>' || true

heading "Stopping milter-tarpit, Postfix and slapd"
mt_stop_postfix
mt_stop_milter
mt_stop_slapd
note "daemon exit status: $MT_MILTER_RC"

heading "milter-tarpit's log (stderr with -f; syslog facility mail otherwise)"
note "one line per decision: action, SMTP code, delay slept, reason, lookup time"
sed 's/^/    /' "$MT_MILTER_LOG"

heading "Postfix's log: the milter's verdicts and the deliveries"
grep -E 'milter-reject|sasl_|discard|NOQUEUE|warning|error' "$MT_MAILLOG" | sed 's/^/    /'

heading "Summary"
if [ "$UNEXPECTED" -eq 0 ]; then
	note "all three conversations went as expected"
	exit 0
fi
note "$UNEXPECTED conversation(s) did not go as expected (see [UNEXPECTED] above)"
exit 1
