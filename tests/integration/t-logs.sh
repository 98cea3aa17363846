#!/bin/bash
# t-logs.sh - the log lines themselves.  Under journald (JOURNAL_STREAM
# names stderr's device:inode, as systemd sets it) each line starts with its
# sd-daemon priority prefix (<6> info, <4> warning, <7> debug) and carries
# neither timestamp nor program name; with JOURNAL_STREAM naming another
# file, lines keep the timestamped form.  Every line of a session carries
# its session id (sid=, 8 hex digits: one per connection, the same on each
# of its lines, the debug connect and close lines included) and its HELO
# name (helo=, escaped like every value a client chooses).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init
mt_start_slapd

A=alice@example.com
# shellcheck disable=SC2054 # the commas are part of the DN
COMMON=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -T 0 -t 2 -v)
STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z milter-tarpit\[[0-9]+\]: '

# next_log: the log file the next mt_start_milter writes (made now, so
# that its device and inode are known before the daemon starts).
next_log() {
	local f=$MT_TMP/milter.$((MT_MILTER_RUNS + 1)).log
	: >"$f"
	echo "$f"
}

mt_say "== stderr is the journal's stream: priority prefixes, no timestamp"
log=$(next_log)
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c '%d:%i' "$log")
mt_say "JOURNAL_STREAM=$JOURNAL_STREAM ($log)"
mt_start_milter "${COMMON[@]}" --stats-file "$MT_TMP/no-such-dir/x.prom" --stats-interval 1
unset JOURNAL_STREAM
mt_check "one session: alice accepted" mt_rcpt continue "<$A>" max=2 label=journal
mt_check "a warning is logged (the unwritable --stats-file)" \
	mt_wait_for 3 grep -q 'warning: --stats-file: cannot write' "$MT_MILTER_LOG"
first=$(head -n 1 "$MT_MILTER_LOG")
mt_check "the start line is info, <6>, with no timestamp: $first" \
	grep -qE '^<6>starting version=' <<<"$first"
w=$(grep 'warning: --stats-file' "$MT_MILTER_LOG" | head -n 1)
mt_check "the warning is <4>, with no timestamp: $w" \
	grep -qE '^<4>warning: --stats-file: cannot write ' <<<"$w"
d=$(mt_rcpt_line "$A")
mt_check "the decision line is <6> then sid=, with no timestamp: $d" \
	grep -qE '^<6>sid=[0-9a-f]{8} qid=- client=127\.0\.0\.1 helo=client\.test\.invalid auth=- from=<sender@elsewhere\.org> rcpt=<alice@example\.com> action=accept ' <<<"$d"
c=$(grep 'debug: connect ' "$MT_MILTER_LOG" | head -n 1)
mt_check "the debug connect line is <7>: $c" grep -qE '^<7>debug: connect sid=' <<<"$c"
n=$(grep -cvE '^<[0-7]>' "$MT_MILTER_LOG")
mt_check "every line has a priority prefix ($n have none)" [ "$n" -eq 0 ]
mt_stop_milter

mt_say "== JOURNAL_STREAM names another file: the timestamped form"
other=$MT_TMP/other
: >"$other"
log=$(next_log)
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c '%d:%i' "$other")
mt_start_milter "${COMMON[@]}"
unset JOURNAL_STREAM
first=$(head -n 1 "$MT_MILTER_LOG")
mt_check "the start line has the timestamp and program: $first" \
	grep -qE "${STAMP}starting version=" <<<"$first"

mt_say "== session ids and HELO names"
mt_check "session 1: alice and bob" \
	mt_miltertest rcpts.lua "list=<$A>=continue <bob@example.com>=continue" max=2 label=s1
mt_check "session 2: robert" mt_rcpt continue "<robert@example.com>" max=2 label=s2
mt_check "session 3: a HELO name with a space, a control byte and a backslash" \
	mt_rcpt reject "<nobody-1@example.com>" $'helo=bad helo\x01\\' auth=$A max=2 label=s3
sid() { mt_log_field "$(mt_rcpt_line "$1")" sid; }
s1a=$(sid "$A")
s1b=$(sid bob@example.com)
s2=$(sid robert@example.com)
s3=$(sid nobody-1@example.com)
mt_say "sids: session 1 $s1a $s1b, session 2 $s2, session 3 $s3"
mt_check "the sid is 8 hex digits ($s1a)" grep -qE '^[0-9a-f]{8}$' <<<"$s1a"
mt_check "both recipients of session 1 have one sid ($s1a, $s1b)" eval '[ -n "$s1a" ] && [ "$s1a" = "$s1b" ]'
mt_check "sessions 1, 2, 3 have different sids" \
	eval '[ "$s1a" != "$s2" ] && [ "$s2" != "$s3" ] && [ "$s1a" != "$s3" ]'
mt_check "the debug connect line of session 2 has its sid" \
	mt_wait_for 2 mt_has_log debug: connect "sid=$s2" client=127.0.0.1
mt_check "the debug close line of session 2 has its sid" \
	mt_wait_for 2 mt_has_log debug: close "sid=$s2" client=127.0.0.1
mt_expect_rcpt "$A" "session 1: helo=client.test.invalid" helo=client.test.invalid
mt_expect_rcpt nobody-1@example.com "session 3: the HELO name escaped" 'helo=bad\x20helo\x01\x5c'
mt_stop_milter
mt_finish
