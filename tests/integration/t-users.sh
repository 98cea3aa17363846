#!/bin/bash
# t-users.sh - the file backend (--users FILE, or -H file:FILE), no slapd:
#   - listed address continue, unknown ones reject (after the tarpit when
#     anonymous, at once when authenticated), @domain catch-all, lookups
#     case-insensitive, comments and blank lines ignored, user+tag;
#   - SIGHUP re-reads the file: an added address continues, a removed one
#     rejects although it was cached (the reload empties the cache), the log
#     says "reload done: ...";
#   - a broken file at reload is refused whole ("reload refused, keeping the
#     old ...: FILE:LINE: ..."): the old table keeps answering, nothing
#     of the broken file is used;
#   - reloads while lookups run: no lookup sees a missing or half table;
#   - a broken file at start: exit 78 and a message naming FILE:LINE.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

DELAY=1
A=someone@example.com
F=$MT_TMP/users
# shellcheck disable=SC2054 # a comma-separated domain list
COMMON=(-d example.com,catchall.example.org -e + -T "$DELAY" -t 2)

# put FILE: write stdin to FILE atomically (temp file + rename), so that a
# reload never reads a half-written file of ours.
put() {
	cat >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

put "$F" <<'EOF'
# users for t-users.sh
alice@example.com
  Bob@Example.COM    # mixed case, blanks around, a comment after
	carol@example.com	# tab-indented
#dave@example.com is commented out

@catchall.example.org
EOF

# hup_wait PATTERN: send SIGHUP, then wait until the log has one more line
# matching PATTERN (grep -F) than before; print that line.
hup_wait() {
	local before
	before=$(grep -cF -- "$1" "$MT_MILTER_LOG")
	kill -HUP "$MT_MILTER_PID"
	# shellcheck disable=SC2016 # $1..$3 are the inner bash's
	mt_wait_for 3 bash -c '[ "$(grep -cF -- "$1" "$2")" -gt "$3" ]' _ "$1" "$MT_MILTER_LOG" "$before" || return 1
	grep -F -- "$1" "$MT_MILTER_LOG" | tail -n 1 | sed 's/.*]: //'
}

# reloaded: SIGHUP, and a new "reload done: ..." line must come.
reloaded() {
	local l
	if l=$(hup_wait "]: reload done: "); then
		mt_pass "log: $l"
	else
		mt_fail "log: no new \"reload done: ...\" line within 3 s of SIGHUP"
	fi
}

mt_say "== --users FILE"
mt_start_milter --users "$F" "${COMMON[@]}"
mt_expect_log "starting line names the file" starting "users=$F"
mt_check "listed address accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=users
mt_check "listed address, other case: accepted" \
	mt_rcpt continue "<ALICE@EXAMPLE.COM>" max=0.5 label=users
mt_check "address listed in mixed case, asked in lower case: accepted" \
	mt_rcpt continue "<bob@example.com>" max=0.5 label=users
mt_check "tab-indented line with a comment: accepted" \
	mt_rcpt continue "<carol@example.com>" max=0.5 label=users
mt_check "user+tag of a listed address: accepted" \
	mt_rcpt continue "<alice+tag@example.com>" max=0.5 label=users
mt_check "commented-out address: rejected" \
	mt_rcpt reject "<dave@example.com>" auth=$A max=0.5 label=users
mt_check "unknown, anonymous: rejected after the tarpit" \
	mt_rcpt reject "<nobody@example.com>" "min=$DELAY" "max=$((DELAY + 2))" label=users
mt_check "unknown, authenticated: rejected at once" \
	mt_rcpt reject "<nobody-auth@example.com>" auth=$A max=0.5 label=users
mt_check "catch-all domain: any address accepted" \
	mt_rcpt continue "<anything@catchall.example.org>" max=0.5 label=users
mt_check "catch-all domain, other case: accepted" \
	mt_rcpt continue "<Other.One@CatchAll.Example.ORG>" max=0.5 label=users
mt_check "non-local domain: accepted without a lookup" \
	mt_rcpt continue "<x@elsewhere.org>" max=0.5 label=users
mt_expect_log "unknown anonymous: 550 unknown after the delay" "rcpt=<nobody@example.com>" \
	action=reject code=550 reason=unknown auth=-
line=$(mt_log_line "rcpt=<nobody@example.com>" action=reject)
d=$(mt_log_field "$line" delay)
mt_check "log: the anonymous reject slept the tarpit (delay=$d)" mt_cmp "${d:-0}" ">=" "$DELAY"
mt_expect_log "commented-out address: 550 unknown" "rcpt=<dave@example.com>" \
	action=reject code=550 reason=unknown

mt_say "== SIGHUP: dave added, alice removed"
put "$F" <<'EOF'
# second version
Bob@Example.COM
carol@example.com
dave@example.com
frank@example.com
@catchall.example.org
EOF
reloaded
mt_check "added address accepted after the reload" \
	mt_rcpt continue "<dave@example.com>" max=0.5 label=reload1
mt_check "removed address (cached as existing before) rejected after the reload" \
	mt_rcpt reject "<alice@example.com>" auth=$A max=0.5 label=reload1
mt_check "unchanged address still accepted" \
	mt_rcpt continue "<carol@example.com>" max=0.5 label=reload1

mt_say "== SIGHUP with a broken file: refused, the old contents stay"
put "$F" <<'EOF'
# third version, broken at line 4
alice@example.com
gina@example.com
this is not an address
dave@example.com
EOF
if l=$(hup_wait "]: warning: reload refused, keeping the old "); then
	mt_say "the refusal: $l"
	mt_pass "log: a \"warning: reload refused, keeping the old ...\" line came"
	case $l in
	*" $F:4: "*) mt_pass "log: the refusal names $F:4" ;;
	*) mt_fail "log: the refusal does not name $F:4: $l" ;;
	esac
else
	mt_fail "log: no \"warning: reload refused, keeping the old ...\" line within 3 s of SIGHUP"
fi
mt_check "log: no \"reload done\" for the broken file" \
	[ "$(grep -cF ']: reload done: ' "$MT_MILTER_LOG")" -eq 1 ]
mt_check "refused: an address of the old contents, never looked up before, accepted" \
	mt_rcpt continue "<frank@example.com>" max=0.5 label=refused
mt_check "refused: an address only in the broken file (before the bad line) rejected" \
	mt_rcpt reject "<gina@example.com>" auth=$A max=0.5 label=refused
mt_check "refused: alice (in the broken file, not in the old one) still rejected" \
	mt_rcpt reject "<alice@example.com>" auth=$A max=0.5 label=refused
mt_check "refused: catch-all of the old contents still works" \
	mt_rcpt continue "<z@catchall.example.org>" max=0.5 label=refused

mt_say "== SIGHUP with the file fixed again"
put "$F" <<'EOF'
alice@example.com
@catchall.example.org
EOF
reloaded
mt_check "fixed: alice accepted again" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=fixed
mt_check "fixed: frank (removed) rejected" \
	mt_rcpt reject "<frank@example.com>" auth=$A max=0.5 label=fixed
mt_check "daemon still running after the reloads" kill -0 "$MT_MILTER_PID"
mt_stop_milter_bg

mt_say "== reloads while lookups run (--no-cache)"
put "$F" <<'EOF'
stable@example.com
EOF
cp "$F" "$MT_TMP/users.a"
printf '%s\n' "# same, in another order" "other@example.com" "stable@example.com" "x@example.com" >"$MT_TMP/users.b"
mt_start_milter --users "$F" "${COMMON[@]}" --no-cache
list=
for i in $(seq 1 25); do list="$list <stable@example.com>=continue <absent@example.com>=reject"; done
pids=
for s in 1 2 3 4; do
	mt_miltertest rcpts.lua "list=$list" auth=$A max=1 "label=during reloads $s" >"$MT_TMP/hammer$s.out" 2>&1 &
	pids="$pids $!"
	mt_track_pid $!
done
n_hup=0
while :; do
	alive=false
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=true; done
	$alive || break
	if ((n_hup % 2)); then cp "$MT_TMP/users.a" "$F.new"; else cp "$MT_TMP/users.b" "$F.new"; fi
	mv -f "$F.new" "$F"
	kill -HUP "$MT_MILTER_PID"
	n_hup=$((n_hup + 1))
	sleep 0.02
done
all=true
for p in $pids; do wait "$p" || all=false; done
$all || cat "$MT_TMP"/hammer?.out
n_done=$(grep -c 'reload done' "$MT_MILTER_LOG")
mt_say "$n_hup SIGHUPs sent, $n_done reloads logged, 200 lookups"
mt_check "during $n_hup reloads: all 200 lookups right (stable continues, absent rejects)" $all
mt_check "reloads really happened during the lookups ($n_done)" [ "$n_done" -ge 3 ]
mt_check "daemon still running" kill -0 "$MT_MILTER_PID"
mt_stop_milter_bg

mt_say "== -H file:FILE"
put "$F" <<'EOF'
alice@example.com
@catchall.example.org
EOF
mt_start_milter -H "file:$F" "${COMMON[@]}"
mt_check "file: URI: listed address accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=file-uri
mt_check "file: URI: unknown rejected" \
	mt_rcpt reject "<nobody-uri@example.com>" auth=$A max=0.5 label=file-uri
mt_check "file: URI: catch-all accepted" \
	mt_rcpt continue "<q@catchall.example.org>" max=0.5 label=file-uri
mt_stop_milter_bg
mt_start_milter -H "file://$F" "${COMMON[@]}"
mt_check "file:// URI: listed address accepted" \
	mt_rcpt continue "<alice@example.com>" max=0.5 label=file-uri2
mt_check "file:// URI: unknown rejected" \
	mt_rcpt reject "<nobody-uri2@example.com>" auth=$A max=0.5 label=file-uri2
mt_stop_milter_bg

mt_say "== broken files at start: exit 78, FILE:LINE named"
# start_fails DESC NEEDLE ARGS...: the daemon must exit 78 at start with a
# message containing NEEDLE.
start_fails() {
	local desc=$1 needle=$2
	shift 2
	if MT_START_MAY_FAIL=1 mt_start_milter "$@" "${COMMON[@]}" >/dev/null; then
		mt_fail "$desc: the daemon started"
		mt_stop_milter_bg
		return
	fi
	mt_check "$desc: exit status 78 (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 78 ]
	mt_say "$desc: $(head -n 3 "$MT_MILTER_LOG" | tr '\n' ' ')"
	mt_check "$desc: the message names $needle" grep -qF -- "$needle" "$MT_MILTER_LOG"
}
printf '%s\n' "alice@example.com" "# fine so far" "bob@" "carol@example.com" >"$MT_TMP/bad1"
start_fails "no domain on line 3" "$MT_TMP/bad1:3:" --users "$MT_TMP/bad1"
printf '%s\n' "alice@example.com" "@" >"$MT_TMP/bad2"
start_fails "bare @ on line 2" "$MT_TMP/bad2:2:" --users "$MT_TMP/bad2"
printf '%s\n' "alice@example.com" "two words@example.com" >"$MT_TMP/bad3"
start_fails "-H file: with a bad line 2" "$MT_TMP/bad3:2:" -H "file:$MT_TMP/bad3"
start_fails "missing file" "$MT_TMP/no-such-file" --users "$MT_TMP/no-such-file"

mt_finish
