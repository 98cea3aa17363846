#!/bin/bash
# t-decisions.sh - per-RCPT decisions (SPEC.md "Decisions per RCPT"), their
# timing and their log lines, via miltertest against a private slapd.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

DELAY=1
mt_start_slapd
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-T "$DELAY" -e + -t 5

mt_say "== decisions.lua"
mt_check "decisions.lua: every RCPT answered as specified" \
	mt_miltertest decisions.lua "delay=$DELAY"

# ---------------------------------------------------------------- log format
mt_say "== daemon log lines"
prefix_re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z milter-tarpit\[[0-9]+\]: '
bad=$(grep -Ev "$prefix_re" "$MT_MILTER_LOG" | grep -v '^$' | head -n 3)
if [ -z "$bad" ]; then
	mt_pass "every stderr line has the 'YYYY-MM-DDTHH:MM:SS.mmmZ milter-tarpit[PID]: ' prefix"
else
	mt_fail "stderr lines without the spec prefix, e.g.: $bad"
fi
mt_check "pid in the prefix is the daemon's" \
	grep -q "milter-tarpit\[$MT_MILTER_PID\]: " "$MT_MILTER_LOG"
mt_expect_log "starting line" starting version=0.1.0 "socket=$MT_MILTER_SOCK"
if mt_log_line starting | grep -q ' delay='; then
	mt_pass "log: starting line has delay="
else
	mt_fail "log: starting line has no delay= field"
fi

# check_decision RCPT ACTION CODE REASON AUTH: the decision line for RCPT.
check_decision() {
	mt_expect_log "$1 -> $2 $3 $4 (auth=$5)" "rcpt=$1" "action=$2" "code=$3" \
		"reason=$4" "auth=$5" client=127.0.0.1
}
A=alice@example.com
check_decision "<alice@example.com>" accept 250 exists -
mt_expect_log "qid from the {i} macro, from= and client=" "rcpt=<alice@example.com>" \
	qid=4XyZ12 "from=<sender@elsewhere.org>" client=127.0.0.1
check_decision "<nobody@example.com>" reject 550 unknown -
check_decision "<bob@example.com>" accept 250 exists -
check_decision "<nobody2@example.com>" reject 550 unknown -
check_decision "<someone@elsewhere.org>" accept 250 non-local -
check_decision "<postmaster@example.com>" accept 250 postmaster -
check_decision "<PostMaster@Example.COM>" accept 250 postmaster -
check_decision "<postmaster>" accept 250 postmaster -
check_decision "<>" reject 501 bad-address -
check_decision "<\"unbalanced@example.com>" reject 501 bad-address -
# (the log may shorten a 900-octet address: match its start only)
mt_expect_log "<toolong-xxx...@example.com> -> reject 501 bad-address" \
	"rcpt=<toolong-xxxxxxxxxx..." action=reject code=501 reason=bad-address auth=-
check_decision "<nobody-auth@example.com>" reject 550 unknown "$A"
check_decision "<alice@example.com>" accept 250 exists "$A"
check_decision "<alice+tag@example.com>" accept 250 exists "$A"
check_decision "<carol+lists@example.com>" accept 250 exists "$A"
check_decision "<carol+other@example.com>" reject 550 unknown "$A"
check_decision "<nobody+tag@example.com>" reject 550 unknown "$A"
check_decision "<robert@example.com>" accept 250 exists "$A"
check_decision "<erin.mixed@example.com>" accept 250 exists "$A"
check_decision "<star@example.com>" accept 250 exists "$A"
check_decision "<nobody-upper@EXAMPLE.COM>" reject 550 unknown "$A"

# delay= on reject lines: >= the tarpit when anonymous, ~0 when authenticated
check_delay() { # RCPT AUTH OP LIMIT
	local line d
	line=$(mt_log_line "rcpt=$1" "auth=$2" action=reject | head -n 1)
	d=$(mt_log_field "$line" delay)
	if [ -n "$d" ] && mt_cmp "$d" "$3" "$4"; then
		mt_pass "log: $1 (auth=$2) delay=$d $3 $4"
	else
		mt_fail "log: $1 (auth=$2) delay='$d', want $3 $4 (line: $line)"
	fi
}
check_delay "<nobody@example.com>" - ">=" "$DELAY"
check_delay "<nobody2@example.com>" - ">=" "$DELAY"
check_delay "<nobody-auth@example.com>" "$A" "<" 0.5
check_delay "<>" - "<" 0.5

# injection-shaped addresses: rejected (550 unknown, or 501 if the daemon
# deems them syntactically invalid), never accepted or tempfailed
# logged_rcpt RAW: the rcpt= token as logged: RAW itself, or, if the daemon
# escapes a backslash in its log as \x5c (log-injection hygiene; SPEC is
# silent), that form.
logged_rcpt() {
	local esc
	esc=$(printf '%s' "$1" | sed 's/\\/\\x5c/g')
	if [ -z "$(mt_log_line "rcpt=$1")" ] && [ -n "$(mt_log_line "rcpt=$esc")" ]; then
		echo "$esc"
	else
		echo "$1"
	fi
}
for raw in '<*)(mail=*@example.com>' '<*@example.com>' '<a\29b@example.com>' \
	'<alice)(mail=*@example.com>' '<st*r@example.com>' '<al*@example.com>'; do
	r=$(logged_rcpt "$raw")
	line=$(mt_log_line "rcpt=$r" "auth=$A" | head -n 1)
	if [ -n "$(mt_log_line "rcpt=$r" "auth=$A" action=reject code=550 reason=unknown)" ] ||
		[ -n "$(mt_log_line "rcpt=$r" "auth=$A" action=reject code=501 reason=bad-address)" ]; then
		mt_pass "log: injection $r rejected: $(mt_log_field "$line" code) $(mt_log_field "$line" reason)"
	else
		mt_fail "log: injection $r: want action=reject code=550 reason=unknown (or 501 bad-address), got: ${line:-no line}"
	fi
done

# every decision line carries the SPEC's keys
keys="qid client auth from rcpt action code delay reason"
n_dec=$(grep -c ' rcpt=' "$MT_MILTER_LOG")
missing=$(grep ' rcpt=' "$MT_MILTER_LOG" | awk -v keys="$keys" '
	{ n = split(keys, k, " ")
	  for (i = 1; i <= n; i++) if (index(" " $0, " " k[i] "=") == 0) { print; next } }' | head -n 3)
if [ "$n_dec" -gt 0 ] && [ -z "$missing" ]; then
	mt_pass "log: all $n_dec decision lines have $keys"
else
	mt_fail "log: decision lines lacking one of ($keys): ${missing:-no decision lines at all}"
fi

# --------------------------------------------------- what slapd was asked
mt_say "== search filters received by slapd"
mt_slapd_filters | sed 's/^/#   /'
filters=$(mt_slapd_filters)
if printf '%s\n' "$filters" | grep -qi 'elsewhere'; then
	mt_fail "slapd: a lookup was made for the non-local recipient"
else
	mt_pass "slapd: no lookup for the non-local recipient"
fi
if printf '%s\n' "$filters" | grep -qi 'postmaster'; then
	mt_fail "slapd: a lookup was made for postmaster"
else
	mt_pass "slapd: no lookup for postmaster"
fi
if printf '%s\n' "$filters" | grep -qi 'unbalanced\|xxxxxxxxxx\|(mail=)'; then
	mt_fail "slapd: a lookup was made for a syntactically invalid address"
else
	mt_pass "slapd: no lookup for syntactically invalid addresses"
fi
# slapd logs a received filter re-serialised: an escaped '*' shows as \2A, a
# real wildcard as '*'.  The default filter (mail=%s) has none, so any '*' is
# an injection that got through.
if printf '%s\n' "$filters" | grep -q '\*'; then
	mt_fail "slapd: a filter with a wildcard reached slapd: $(printf '%s\n' "$filters" | grep '\*' | head -n 3 | tr '\n' ' ')"
else
	mt_pass "slapd: no filter with an unescaped '*' (injection)"
fi
mt_check "slapd: the valid recipient was looked up as (mail=alice@example.com)" \
	grep -qxF '(mail=alice@example.com)' <<<"$filters"
# a looked-up injection address must arrive escaped (RFC 4515)
if [ -n "$(mt_log_line "rcpt=$(logged_rcpt '<a\29b@example.com>')" reason=unknown)" ]; then
	mt_check "slapd: backslash escaped as \\5c in a\\29b" grep -qi 'a\\5c29b@example.com' <<<"$filters"
fi
if [ -n "$(mt_log_line 'rcpt=<alice)(mail=*@example.com>' reason=unknown)" ]; then
	mt_check "slapd: ')(' escaped as \\29\\28 in alice)(mail=*" grep -qi 'alice\\29\\28mail=\\2a@example.com' <<<"$filters"
fi

# -------------------------------- concurrency: the tarpit blocks no one else
mt_say "== concurrency"
t0=$(mt_now)
pids=
for i in 1 2 3 4 5 6; do
	mt_rcpt reject "<nobody-par$i@example.com>" \
		"min=$DELAY" "label=parallel tarpit $i" >"$MT_TMP/par$i.out" 2>&1 &
	pids="$pids $!"
	mt_track_pid $!
done
sleep 0.3
mt_check "a valid recipient is answered at once while 6 sessions sit in the tarpit" \
	mt_rcpt continue "<alice@example.com>" max=0.5 \
	"label=valid during tarpit"
all_ok=true
for p in $pids; do wait "$p" || all_ok=false; done
cat "$MT_TMP"/par*.out
wall=$(mt_elapsed "$t0")
mt_check "6 parallel tarpitted sessions all rejected after the delay" $all_ok
mt_check "6 parallel tarpits ran concurrently (wall ${wall}s < $DELAY + 2)" \
	mt_cmp "$wall" "<" "$((DELAY + 2))"

mt_stop_milter
mt_check "daemon exit status 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
mt_finish
