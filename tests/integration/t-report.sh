#!/bin/bash
# t-report.sh - milter-tarpit-report(8) on the log fixtures in tests/fixtures:
# every log form (classic syslog, RFC 3339 syslog, journalctl default and
# short-iso, the daemon's -f stderr), foreign, malformed and harvest lines;
# exact figures of each report section, --since/--until, --year, -n, stdin,
# every decision reason, auth= values starting with '"', exit statuses
# 64 (bad flag) and 66 (unreadable input).  Needs neither root
# nor slapd: only the report binary, $MT_BUILDDIR/src/milter-tarpit-report
# (or MT_REPORT).  Under `make check-valgrind` it runs under MT_WRAPPER too.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MT_REPORT=${MT_REPORT:-$MT_BUILDDIR/src/milter-tarpit-report}
[ -x "$MT_REPORT" ] || mt_fatal "report binary not found or not executable: MT_REPORT=$MT_REPORT (build first, or set MT_REPORT)"
FIX=$MT_SRCDIR/tests/fixtures
ALL=("$FIX/report-syslog.txt" "$FIX/report-rfc3339.txt" "$FIX/report-journal.txt"
	"$FIX/report-journal-iso.txt" "$FIX/report-stderr.txt")
for f in "${ALL[@]}"; do
	[ -r "$f" ] || mt_fatal "fixture not found: $f (is MT_SRCDIR=$MT_SRCDIR right?)"
done
mt_init
OUT=$MT_TMP/report.out
ERR=$MT_TMP/report.err

# report ARGS...: run the report, stdout to $OUT, stderr to $ERR; status in RC.
report() {
	# shellcheck disable=SC2086 # MT_WRAPPER is a command line
	${MT_WRAPPER:-} "$MT_REPORT" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# section TITLE: the lines of the report section headed by the line TITLE.
section() {
	awk -v t="$1" '$0 == t { on = 1; next } on && /^$/ { exit } on' "$OUT"
}

# row TITLE WORD...: check that section TITLE has a row reading WORDs (with
# the blanks between columns squeezed).
row() {
	local title=$1 want
	shift
	want="$*"
	if section "$title" | awk -v w="$want" '{ $1 = $1 } $0 == w { f = 1 } END { exit !f }'; then
		mt_pass "$title: $want"
	else
		mt_fail "$title: no row \"$want\"; the section is:"
		section "$title" | sed 's/^/    | /'
	fi
}

# rows TITLE N: section TITLE has exactly N rows below its column heads.
rows() {
	local n
	n=$(section "$1" | sed 1d | grep -vc '^  (none)$')
	if [ "$n" -eq "$2" ]; then mt_pass "$1: $2 rows"; else mt_fail "$1: $n rows, want $2"; fi
}

# aligned TITLE: every line of section TITLE has the same length (numbers are
# right-aligned under their heads).
aligned() {
	local lens
	lens=$(section "$1" | awk '{ print length($0) }' | sort -u | wc -l)
	if [ "$lens" -eq 1 ]; then mt_pass "$1: columns aligned"; else
		mt_fail "$1: lines of different lengths"
		section "$1" | sed 's/^/    | /'
	fi
}

status() { # status WANT DESC
	if [ "$RC" -eq "$1" ]; then mt_pass "$2: exit $RC"; else
		mt_fail "$2: exit $RC, want $1"
		sed 's/^/    stderr| /' "$ERR"
	fi
}

# Called through mt_check (shellcheck cannot see that: SC2317).
# shellcheck disable=SC2317
has_line() { grep -qxF -- "$1" "$OUT"; }
# shellcheck disable=SC2317
err_has() { grep -qF -- "$1" "$ERR"; }
# shellcheck disable=SC2317
not_in() { ! section "$1" | grep -qF -- "$2"; } # not_in TITLE TEXT

HEAD="milter-tarpit log report (times in UTC)"

mt_say "all five fixtures, --year 2026"
report --year 2026 "${ALL[@]}"
status 0 "all fixtures"
sed 's/^/    | /' "$OUT"
row "$HEAD" period 2026-11-22 07:59:59 .. 2026-11-22 11:40:00
row "$HEAD" lines read 50
row "$HEAD" decisions 25
row "$HEAD" other daemon lines 9
row "$HEAD" foreign lines skipped 8
row "$HEAD" malformed lines skipped 8
row "$HEAD" outside --since/--until 0
T="Decisions by action"
row "$T" accept 4
row "$T" reject 17
row "$T" tempfail 2
row "$T" disconnect 2
row "$T" "(dry run, counted above: 1)"
T="Decisions by reason"
row "$T" unknown 15
row "$T" exists 2
row "$T" postmaster 1
row "$T" non-local 1
row "$T" bad-address 1
row "$T" directory-error 2
row "$T" harvest 3
row "$T" "(unknown from authenticated senders: 1)"
T="Top clients by unknown recipients"
row "$T" client unknown tarpit-s rcpts
row "$T" 203.0.113.9 8 160.0 8
row "$T" 2001:db8::25 3 60.0 3
row "$T" 203.0.113.50 3 60.0 3
row "$T" 198.51.100.7 1 0.0 1
rows "$T" 4
aligned "$T"
mt_check "$T: sorted by unknown, then tarpit seconds" \
	test "$(section "$T" | awk 'NR > 1 { printf "%s ", $1 }')" = "203.0.113.9 2001:db8::25 203.0.113.50 198.51.100.7 "
T="Top clients by tarpit time"
row "$T" 203.0.113.9 160.0 13 8
row "$T" 203.0.113.77 20.0 1 0
rows "$T" 4
aligned "$T"
T="Rejects and tempfails per hour"
row "$T" hour rejects tempfails
row "$T" 2026-11-22 08:00 4 1
row "$T" 2026-11-22 09:00 4 0
row "$T" 2026-11-22 10:00 3 0
row "$T" 2026-11-22 11:00 6 1
rows "$T" 4
aligned "$T"
T="Most-probed unknown recipients"
row "$T" nobody@example.com 5
row "$T" a1@example.com 1
rows "$T" 10
mt_check "$T: the 11th address is cut by the default -n 10" \
	not_in "$T" webmaster@example.com
T="Harvest disconnects"
row "$T" 203.0.113.9 2 23
row "$T" 203.0.113.77 1 9.5
rows "$T" 2
aligned "$T"
mt_check "directory errors: 2" has_line "Directory errors: 2"

mt_say "-n 0 lists everything, -n 2 two rows"
report --year 2026 -n 0 "${ALL[@]}"
status 0 "-n 0"
rows "Most-probed unknown recipients" 11
row "Most-probed unknown recipients" webmaster@example.com 1
report --year 2026 --top=2 "${ALL[@]}"
rows "Most-probed unknown recipients" 2
rows "Top clients by unknown recipients" 2
rows "Rejects and tempfails per hour" 4

mt_say "--since/--until: [09:00, 11:00) UTC"
report --year 2026 -s "2026-11-22 09:00" --until 2026-11-22T11:00 "${ALL[@]}"
status 0 "window"
sed 's/^/    | /' "$OUT"
row "$HEAD" period 2026-11-22 09:02:03 .. 2026-11-22 10:29:59
row "$HEAD" decisions 9
row "$HEAD" other daemon lines 2
row "$HEAD" foreign lines skipped 8
row "$HEAD" malformed lines skipped 5
row "$HEAD" outside --since/--until 26
row "Decisions by action" reject 7
row "Decisions by action" accept 2
row "Rejects and tempfails per hour" 2026-11-22 09:00 4 0
row "Rejects and tempfails per hour" 2026-11-22 10:00 3 0
rows "Rejects and tempfails per hour" 2
# RFC 3339 +01:00 stamps are converted: 10:15+01:00 is 09:15 UTC, inside.
row "Top clients by unknown recipients" 203.0.113.9 3 60.0 3
report --year 2026 --since 2026-11-22T11:30:20 --until "2026-11-22 11:30:21" "$FIX/report-stderr.txt"
row "$HEAD" decisions 1
row "$HEAD" period 2026-11-22 11:30:20 .. 2026-11-22 11:30:20

mt_say "the journal forms alone"
report --year 2026 "$FIX/report-journal.txt"
status 0 "journalctl default output"
row "$HEAD" lines read 7
row "$HEAD" decisions 3
row "$HEAD" other daemon lines 1
row "$HEAD" foreign lines skipped 2
row "$HEAD" malformed lines skipped 1
# the -f line captured by the journal counts at its inner stamp, 10:29:59
row "$HEAD" period 2026-11-22 10:00:00 .. 2026-11-22 10:29:59
row "Top clients by unknown recipients" 2001:db8::25 3 60.0 3
report "$FIX/report-journal-iso.txt"
status 0 "journalctl -o short-iso"
row "$HEAD" decisions 3
row "$HEAD" foreign lines skipped 1
row "$HEAD" period 2026-11-22 11:00:00 .. 2026-11-22 11:00:20
row "Rejects and tempfails per hour" 2026-11-22 11:00 3 0

mt_say "every decision reason, and SASL names starting with a quote"
# report-reasons.txt has one line per reason the daemon logs (policy.c,
# judge.c) and two auth= values starting with '"', which the daemon logs
# unquoted (util_log_escape keeps '"' outside quoted values).
report "$FIX/report-reasons.txt"
status 0 "report-reasons.txt"
sed 's/^/    | /' "$OUT"
row "$HEAD" decisions 11
row "$HEAD" malformed lines skipped 0
T="Decisions by reason"
row "$T" unknown-busy 2
row "$T" attack 1
row "$T" tarpit-full 2
row "$T" harvest 1
row "$T" exempt 1
row "$T" sender-unknown 1
row "$T" sender-needs-auth 1
row "$T" unknown 1
row "$T" directory-error 1
row "$T" "(unknown from authenticated senders: 1)"
T="Top clients by unknown recipients"
# unknown-busy is an unknown answered at once; the sender line (rcpt=-)
# names no recipient.
row "$T" 198.51.100.60 2 0.0 2
row "$T" 192.0.2.30 1 0.0 1
rows "$T" 2
T="Most-probed unknown recipients"
row "$T" ghost1@example.com 1
rows "$T" 3
# a tarpit-full 421 is no harvest disconnect
T="Harvest disconnects"
row "$T" 198.51.100.64 1 5
rows "$T" 1
T="Rejects and tempfails per hour"
row "$T" 2026-11-23 08:00 5 3
mt_check "directory errors: 1" has_line "Directory errors: 1"

mt_say "standard input"
${MT_WRAPPER:-} "$MT_REPORT" - <"$FIX/report-stderr.txt" >"$OUT" 2>"$ERR"
RC=$?
status 0 "stdin as -"
row "$HEAD" lines read 12
row "$HEAD" decisions 6
row "$HEAD" other daemon lines 3
row "$HEAD" malformed lines skipped 3
row "Harvest disconnects" 203.0.113.9 2 23
# shellcheck disable=SC2002 # a pipe, not a file, on purpose
cat "$FIX/report-rfc3339.txt" | ${MT_WRAPPER:-} "$MT_REPORT" >"$OUT" 2>"$ERR"
RC=$?
status 0 "stdin without arguments"
row "$HEAD" lines read 7
row "$HEAD" decisions 5
row "$HEAD" period 2026-11-22 09:15:00 .. 2026-11-22 09:22:00

mt_say "-v: the malformed lines, with file and line number"
report -v --year 2026 "$FIX/report-syslog.txt"
status 0 "-v"
sed 's/^/    stderr| /' "$ERR"
mt_check "-v: no action=, line 13" err_has "report-syslog.txt:13: no action="
mt_check "-v: bad timestamp, line 14" err_has "report-syslog.txt:14: bad timestamp"
mt_check "-v: bad delay=, line 16" err_has "report-syslog.txt:16: bad delay="
mt_check "-v: three lines" test "$(wc -l <"$ERR")" -eq 3
report --year 2026 "$FIX/report-syslog.txt"
mt_check "no -v: stderr empty" test ! -s "$ERR"

mt_say "classic stamps: --year, New Year, the current year"
printf '%s\n' "Dec 31 23:59:59 mx1 milter-tarpit[1]: stopping signal=TERM" \
	"Jan  1 00:00:01 mx1 milter-tarpit[1]: starting version=0.1.0" >"$MT_TMP/newyear.log"
report --year 2029 "$MT_TMP/newyear.log"
row "$HEAD" period 2029-12-31 23:59:59 .. 2030-01-01 00:00:01
printf 'Jan  1 00:00:00 mx1 milter-tarpit[1]: stopping signal=TERM\n' >"$MT_TMP/jan.log"
report "$MT_TMP/jan.log"
row "$HEAD" period "$(date -u +%Y)-01-01 00:00:00 .. $(date -u +%Y)-01-01 00:00:00"

mt_say "bad flags: exit 64, naming the flag"
bad() { # bad FLAG_TEXT ARGS...
	local flag=$1
	shift
	report "$@" "$FIX/report-stderr.txt"
	status 64 "$*"
	if err_has "$flag"; then mt_pass "$*: message names $flag"; else
		mt_fail "$*: message does not name $flag"
		sed 's/^/    stderr| /' "$ERR"
	fi
	mt_check "$*: no report on stdout" test ! -s "$OUT"
}
bad "-x" -x
bad "--bogus" --bogus
bad "-n" -n many
bad "--top" --top=-1
bad "--since" --since yesterday
bad "-u" -u "2026-11-22 25:00"
bad "--year" --year 99
bad "--year" --year
bad "--since" -s 2026-11-23 -u 2026-11-22
report -n x
mt_check "the message says what -n accepts" err_has "a number of rows, 0 (all) to 1000000"
report --since x
mt_check "the message says what --since accepts" err_has "YYYY-MM-DD"

mt_say "unreadable and compressed input: exit 66, the others still reported"
report --year 2026 "$MT_TMP/does-not-exist.log" "$FIX/report-journal.txt"
status 66 "a missing file"
mt_check "missing file named on stderr" err_has "does-not-exist.log"
row "$HEAD" decisions 3
gzip -c "$FIX/report-syslog.txt" >"$MT_TMP/mail.log.2.gz"
report "$MT_TMP/mail.log.2.gz"
status 66 "a gzip file"
mt_check "gzip: says to use zcat" err_has "zcat"
mt_check "gzip alone: no report" test ! -s "$OUT"

mt_say "-h and -V"
report -h
status 0 "-h"
mt_check "-h describes --since" grep -q -- "--since" "$OUT"
report -V
status 0 "-V"
mt_check "-V prints the name and a version" grep -qE '^milter-tarpit-report [^ ]+$' "$OUT"

mt_finish
