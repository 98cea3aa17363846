#!/bin/bash
# t-postscreen.sh - --postscreen-file: the networks past the harvest score
# in a cidr: table, and a real Postfix whose postscreen turns them away
# before any smtpd or milter session starts.
#   1. the table: written at start (empty), then the harvester's /32 only
#      (not a client with one unknown, not the wide network);
#   2. through Postfix: postscreen in front of smtpd on the same port,
#      postscreen_access_list = cidr:FILE, postscreen_denylist_action =
#      enforce; after `postfix reload` the harvester gets postscreen's 550 5.3.2
#      and the daemon sees no session from it, while another client is
#      served by smtpd and the milter as ever.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require miltertest postfix postconf swaks
mt_require_bin
mt_init

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_slapd
PS=$MT_TMP/postscreen.cidr
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	--no-cache -T 0.2 --suspect-score 2 --harvest-score 3 --attack-score 0 \
	--postscreen-file "$PS"
mt_check "the table is written at start" mt_wait_for 8 test -f "$PS"
mt_check "... and lists nothing" [ "$(grep -vc '^#' "$PS")" -eq 0 ]

mt_say "== 1. the table"
mt_check "a harvester from 192.0.2.44: 421 at its 3rd unknown" mt_miltertest defence.lua ip=192.0.2.44 \
	"list=<h1@example.com>=reject/0.2/1 <h2@example.com>=reject/0.2/1.5 <h3@example.com>=tempfail//1"
mt_check "192.0.2.45: one unknown" mt_miltertest defence.lua ip=192.0.2.45 "list=<typo@example.com>=reject/0.2/1"
listed() { grep -q "^$1	reject\$" "$PS"; }
mt_check "the harvester's /32 is listed within 8 s" mt_wait_for 8 listed 192.0.2.44/32
mt_check "exactly one network listed: $(grep -v '^#' "$PS" | tr '\n' ' ')" [ "$(grep -vc '^#' "$PS")" -eq 1 ]
mt_check "the postscreen line is logged" mt_has_log postscreen: "$PS" lists 1 network

mt_say "== 2. through Postfix's postscreen"
mt_start_postfix "$MT_MILTER_PF_SOCK"
C=$MT_POSTFIX_CONF
postconf -c "$C" -e "postscreen_access_list = cidr:$PS" \
	"postscreen_denylist_action = enforce" "postscreen_greet_wait = 1s" ||
	mt_fatal "postconf -e failed"
postconf -c "$C" -M -e "127.0.0.1:$MT_SMTP_PORT/inet=127.0.0.1:$MT_SMTP_PORT inet n - n - 1 postscreen" \
	"smtpd/pass=smtpd pass - - n - - smtpd" || mt_fatal "postconf -M failed"
reloads() { grep -c 'reload -- version' "$MT_MAILLOG" 2>/dev/null; }
reload() {
	local before pid
	before=$(reloads)
	pid=$(mt_postfix_master_pid)
	kill -HUP "$pid" || mt_fatal "cannot signal the Postfix master"
	mt_wait_for 5 bash -c '[ "$(grep -c "reload -- version" "$1")" -gt "$2" ]' _ "$MT_MAILLOG" "$before" ||
		mt_fatal "Postfix did not reload"
	sleep 0.5
}
reload
out=$MT_TMP/pass.out
mt_swaks "$out" --local-interface 127.0.0.45 --from sender@elsewhere.org --quit-after RCPT --to alice@example.com
mt_check "postscreen passes a clean client to smtpd: 250 for a valid recipient" \
	grep -q '^<- *250 .*Ok' "$out"
mt_check "... and the milter saw it" mt_wait_for 3 mt_has_log "rcpt=<alice@example.com>" client=127.0.0.45

for i in 1 2 3; do
	mt_swaks "$MT_TMP/hv$i.out" --local-interface 127.0.0.44 --from sender@elsewhere.org \
		--quit-after RCPT --to "pf-h$i@example.com"
done
mt_check "the harvester from 127.0.0.44 got the 421 through Postfix" grep -q '^<\*\* *421 4\.7\.0' "$MT_TMP/hv3.out"
mt_check "127.0.0.44/32 is listed within 8 s" mt_wait_for 8 listed 127.0.0.44/32
reload
seen=$(grep -c 'client=127\.0\.0\.44 ' "$MT_MILTER_LOG")
out=$MT_TMP/blocked.out
mt_swaks "$out" --local-interface 127.0.0.44 --from sender@elsewhere.org --quit-after RCPT --to alice@example.com
sed 's/^/    | /' "$out"
mt_check "postscreen turns the harvester away: 550 5.3.2 at RCPT" grep -q '^<\*\* *550 5\.3\.2 ' "$out"
sleep 1
now=$(grep -c 'client=127\.0\.0\.44 ' "$MT_MILTER_LOG")
mt_check "no milter session from the harvester after the reload ($seen lines before, $now after)" [ "$now" -eq "$seen" ]
mt_check "Postfix logs the denylisted client" grep -q 'DENYLISTED \[127\.0\.0\.44\]' "$MT_MAILLOG"

mt_stop_postfix
mt_stop_milter
mt_finish
