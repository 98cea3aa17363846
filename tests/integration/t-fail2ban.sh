#!/bin/bash
# t-fail2ban.sh - contrib/fail2ban's filter against the daemon's real log
# lines: it finds exactly the clients disconnected as harvesters (the 421
# with reason=harvest), by their address, and nothing else (a client that
# sent one unknown recipient, valid recipients, the start line).  Run with
# fail2ban-regex, which reads files only: no fail2ban server, no firewall.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest fail2ban-regex
mt_require_bin
mt_init

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	--no-cache -T 0.2 --suspect-score 2 --harvest-score 3 --attack-score 0
# Installed, the filter sits beside fail2ban's own common.conf (its
# "before"), which fail2ban-regex looks for in the filter's directory.
mkdir -p "$MT_TMP/filter.d"
cp /etc/fail2ban/filter.d/common.conf "$MT_SRCDIR/contrib/fail2ban/filter.d/milter-tarpit.conf" "$MT_TMP/filter.d/" ||
	mt_fatal "cannot copy the filter and fail2ban's common.conf"
FILTER=$MT_TMP/filter.d/milter-tarpit.conf

mt_check "a harvester from 192.0.2.44: 421 at its 3rd unknown" mt_miltertest defence.lua ip=192.0.2.44 \
	"list=<h1@example.com>=reject/0.2/1 <h2@example.com>=reject/0.2/1.5 <h3@example.com>=tempfail//1"
mt_check "198.51.100.5: one unknown, a valid recipient" mt_miltertest defence.lua ip=198.51.100.5 \
	"list=<typo@example.com>=reject/0.2/1 <alice@example.com>=continue//1"
mt_expect_rcpt h3@example.com "the harvest 421 is logged" action=disconnect code=421 reason=harvest client=192.0.2.44

# fail2ban-regex prints one matched address a line with -o ip
out=$(fail2ban-regex -o ip "$MT_MILTER_LOG" "$FILTER" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
mt_check "fail2ban-regex ran (exit 0, got $rc)" [ "$rc" -eq 0 ]
mt_check "the filter matched exactly one line, the harvester's address (got: $(printf '%s' "$out" | tr '\n' ' '))" \
	[ "$out" = 192.0.2.44 ]

# The same line under syslog (rsyslog's traditional format) and journald's
# (journalctl -o short, which is what a file backend would read).
line=$(mt_log_line "rcpt=<h3@example.com>" | sed 's/^[^ ]* milter-tarpit\[[0-9]*\]: //')
printf 'Dec  6 12:00:01 mx milter-tarpit[123]: %s\n' "$line" >"$MT_TMP/syslog"
printf 'Dec  6 12:00:02 mx milter-tarpit[123]: %s\n' "$(mt_log_line "rcpt=<typo@example.com>" | sed 's/^[^ ]* milter-tarpit\[[0-9]*\]: //')" >>"$MT_TMP/syslog"
out=$(fail2ban-regex -o ip "$MT_TMP/syslog" "$FILTER" 2>&1)
mt_check "syslog format: one match, 192.0.2.44 (got: $(printf '%s' "$out" | tr '\n' ' '))" [ "$out" = 192.0.2.44 ]

mt_stop_milter
mt_finish
