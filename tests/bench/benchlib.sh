# shellcheck shell=bash
# tests/bench/benchlib.sh - helpers for the benchmark scenarios and their
# smoke test, on top of tests/integration/lib.sh (source that first):
#
#     . "$MT_SRCDIR/tests/integration/lib.sh"
#     . "$MT_SRCDIR/tests/bench/benchlib.sh"
#
# A directory of N users (bench_ldif, bench_start_slapd), the tools' paths
# (MTLOAD, NULLMILTER), figures from /proc (bench_proc), machine facts
# (bench_machine) and the summary line of mtload (bench_field).

MTLOAD=$MT_BUILDDIR/tests/bench/mtload
NULLMILTER=$MT_BUILDDIR/tests/bench/nullmilter

# bench_require_tools: mtload and nullmilter must be built (make check).
bench_require_tools() {
	if [ ! -x "$MTLOAD" ] || [ ! -x "$NULLMILTER" ]; then
		mt_fatal "benchmark tools not built: $MTLOAD, $NULLMILTER (make check builds them)"
	fi
}

# bench_ldif FILE N [BASE]: N users user0..user(N-1), each with the mail
# address userK@example.com, below ou=people,dc=example,dc=com; with BASE,
# contrib/example.ldif (the suffix, ou=people, the test users) first.
bench_ldif() {
	local file=$1 n=$2 base=${3:-}
	{
		[ -n "$base" ] && cat "$MT_LDIF" && echo
		awk -v n="$n" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "dn: uid=user%d,ou=people,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: user%d\ncn: User %d\nsn: User\nmail: user%d@example.com\n\n", i, i, i, i
		}'
	} >"$file"
}

# bench_start_slapd N: the harness's slapd with N more users (bench_ldif),
# loaded offline with slapadd into a larger database; unless
# BENCH_SLAPD_STATS=1, slapd then runs without its stats log (one log line
# per search would be part of every uncached lookup's cost).
bench_start_slapd() {
	local n=$1 d t0
	mt_start_slapd
	d=$(mt_slapd_dir)
	mt_stop_slapd
	t0=$(mt_now)
	bench_ldif "$MT_TMP/users.ldif" "$n"
	sed -i 's/^maxsize .*/maxsize 4294967296/' "$d/slapd.conf"
	slapadd -q -f "$d/slapd.conf" -l "$MT_TMP/users.ldif" >"$d/slapadd-users.log" 2>&1 ||
		{ cat "$d/slapadd-users.log"; mt_fatal "slapadd of $n users failed"; }
	mt_say "slapadd: $n users in $(mt_elapsed "$t0") s"
	if [ "${BENCH_SLAPD_STATS:-0}" = 1 ]; then
		mt_start_slapd
		return
	fi
	slapd -d 0 -f "$d/slapd.conf" -h "$MT_LDAP_URI/ $MT_LDAPI_URI" \
		>>"$d/slapd.log" 2>&1 &
	MT_SLAPD_PID=$!
	mt_wait_alive "$MT_SLAPD_PID" 15 mt_slapd_answers ||
		mt_fatal "slapd did not come back with $n users"
	mt_say "slapd up (no stats log): pid $MT_SLAPD_PID $MT_LDAP_URI"
}

# bench_untrack PID: forget a process mt_track_pid was told about, once it
# has been waited for: the cleanup must not kill whatever gets its PID next
# (10,000 threads of scenario 3 go through PIDs fast).
bench_untrack() { MT_EXTRA_PIDS=" $MT_EXTRA_PIDS "; MT_EXTRA_PIDS=${MT_EXTRA_PIDS// $1 / }; }

# bench_reap_bg: wait (up to 10 s each) for the daemons mt_stop_milter_bg
# stopped, and forget them, for the same reason.
bench_reap_bg() {
	local pid
	for pid in $MT_BG_STOPS; do
		mt_wait_for 10 bench_exited "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	MT_BG_STOPS=
}

# bench_exited PID: PID is gone or a zombie.
bench_exited() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ]
}

# bench_field LINE KEY: the value of KEY=... in mtload's summary LINE.
bench_field() { mt_log_field "$1" "$2"; }

# bench_summary FILE: the summary line of an mtload output FILE.
bench_summary() { grep '^summary ' "$1" | tail -n 1; }

# bench_proc PID KEY: a field of /proc/PID/status (VmRSS, VmHWM in kB;
# Threads).
bench_proc() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# bench_cpu PID: user + system CPU seconds PID has used so far.
bench_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{
		sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null
}

# bench_machine: what the figures were measured on.
bench_machine() {
	local thp
	thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
	echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%d MB", $2 / 1024 }' /proc/meminfo)"
	echo "kernel: $(uname -sr), transparent hugepages: ${thp:-?}, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "milter-tarpit: $("$MT_BIN" -V 2>&1 | head -n 1); libmilter $(dpkg-query -W -f '${Version}' libmilter1.0.1 2>/dev/null || echo ?); slapd $(dpkg-query -W -f '${Version}' slapd 2>/dev/null || echo ?)"
	echo "compiler flags: $(sed -n "s/^CFLAGS = //p" "$MT_BUILDDIR/Makefile" | head -n 1)"
}
