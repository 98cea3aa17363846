# shellcheck shell=bash disable=SC2034 # variables set here are read by the tests
# tests/integration/lib.sh - shared harness for the milter-tarpit integration
# tests and contrib/demo.sh.  Source it from bash:
#
#     . "$(dirname "$0")/lib.sh"
#
# It makes a private temp dir ($MT_TMP) and arranges, through traps on EXIT,
# INT and TERM, that every process it started (slapd, the daemons, Postfix,
# redis-server) is stopped and the temp dir removed, whether the test passes
# or fails.
#
# Environment (set by `make check` through AM_TESTS_ENVIRONMENT):
#   MT_BIN       absolute path of the milter-tarpit binary
#   MT_SRCDIR    absolute source dir (read-only in `make distcheck`)
#   MT_BUILDDIR  absolute build dir
# When a test is run by hand, MT_SRCDIR defaults to the repository root derived
# from this file's location and MT_BIN to $MT_BUILDDIR/src/milter-tarpit.
# Optional knobs:
#   MT_KEEP_TMP=1     keep the temp dir (its path is printed) for debugging
#   MT_STRICT_SKIP=1  a missing prerequisite is a hard error (exit 99), not a
#                     skip (exit 77); CI may set it so nothing is skipped quietly
#   MT_VERBOSE=1      echo each daemon log line as the test ends, even on success
#
# Everything is written below $MT_TMP only: the source tree is never written.

MT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MT_SRCDIR:=$(cd "$MT_LIB_DIR/../.." && pwd)}"
: "${MT_BUILDDIR:=$MT_SRCDIR}"
: "${MT_BIN:=$MT_BUILDDIR/src/milter-tarpit}"
export MT_SRCDIR MT_BUILDDIR MT_BIN
MT_TESTDIR=$MT_SRCDIR/tests/integration
MT_LDIF=$MT_SRCDIR/contrib/example.ldif
MT_NAME=$(basename "$0" .sh)

# Binaries that are not always on a non-root PATH.
PATH=$PATH:/usr/sbin:/sbin
export PATH
# Never let a user's ~/.ldaprc or LDAPRC point our clients elsewhere.
export LDAPNOINIT=1

MT_FAILS=0
MT_CHECKS=0
MT_FAILED_LIST=
MT_TMP=
MT_SLAPD_PID=
MT_MILTER_PID=
MT_POSTFIX_CONF=
MT_EXTRA_PIDS=
MT_USED_PORTS=" "
MT_MILTER_RUNS=0
MT_SLAPD_CUR=1
MT_SLAPD_INSTANCES=" 1 "
MT_MILTER_CUR=1
MT_MILTER_INSTANCES=" 1 "
MT_REDIS_PID=

# ---------------------------------------------------------------- messages

mt_say() { printf '%s %s\n' "[$(date +%H:%M:%S.%3N)]" "$*"; }

mt_pass() {
	MT_CHECKS=$((MT_CHECKS + 1))
	printf 'ok %d - %s\n' "$MT_CHECKS" "$*"
}

mt_fail() {
	MT_CHECKS=$((MT_CHECKS + 1))
	MT_FAILS=$((MT_FAILS + 1))
	printf 'not ok %d - %s\n' "$MT_CHECKS" "$*"
	MT_FAILED_LIST="$MT_FAILED_LIST  not ok $MT_CHECKS - $*
"
}

# mt_check DESCRIPTION COMMAND...: run COMMAND, pass if it succeeds.
mt_check() {
	local desc=$1
	shift
	if "$@"; then mt_pass "$desc"; else mt_fail "$desc"; fi
}

# mt_fatal MSG: a harness error (not a finding about the daemon): exit 99,
# which automake counts as ERROR.
mt_fatal() {
	printf 'ERROR: %s: %s\n' "$MT_NAME" "$*" >&2
	exit 99
}

# mt_skip MSG: exit 77 (automake SKIP), loudly: CI is expected to have all
# prerequisites, so a skip there means a missing install step.
mt_skip() {
	local code=77 word=SKIP
	if [ "${MT_STRICT_SKIP:-0}" = 1 ]; then code=99 word=ERROR; fi
	{
		printf '%s\n' "######################################################################"
		printf '%s: %s: %s\n' "$word" "$MT_NAME" "$*"
		printf '%s\n' "$MT_NAME did NOT run.  CI is expected to have every prerequisite"
		printf '%s\n' "installed, so treat this as a broken environment."
		printf '%s\n' "######################################################################"
	}
	exit "$code"
}

# mt_finish: end of a test: exit 0 if every check passed, else 1.
mt_finish() {
	if [ "$MT_FAILS" -eq 0 ]; then
		mt_say "$MT_NAME: all $MT_CHECKS checks passed"
		exit 0
	fi
	mt_say "$MT_NAME: $MT_FAILS of $MT_CHECKS checks FAILED:"
	printf '%s' "$MT_FAILED_LIST"
	exit 1
}

# --------------------------------------------------------- prerequisites

# Debian package that provides each program we may need.
mt_pkg_of() {
	case $1 in
	slapd | slapadd) echo slapd ;;
	ldapsearch) echo ldap-utils ;;
	postfix | postconf) echo postfix ;;
	miltertest) echo miltertest ;;
	swaks) echo swaks ;;
	saslpasswd2) echo sasl2-bin ;;
	ss) echo iproute2 ;;
	openssl) echo openssl ;;
	redis-server) echo redis-server ;;
	redis-cli) echo redis-tools ;;
	*) echo "?" ;;
	esac
}

# mt_require PROG...: skip (77) if a program is missing.
mt_require() {
	local p missing=
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || missing="$missing $p (Debian package $(mt_pkg_of "$p"))"
	done
	[ -z "$missing" ] || mt_skip "missing program(s):$missing"
}

mt_require_root() {
	[ "$(id -u)" -eq 0 ] || mt_skip "must run as root (private slapd/Postfix instances)"
}

# The daemon under test must exist: a missing binary is an error, not a skip.
mt_require_bin() {
	[ -x "$MT_BIN" ] || mt_fatal "daemon binary not found or not executable: MT_BIN=$MT_BIN (build first, or set MT_BIN)"
}

# ----------------------------------------------------- temp dir & cleanup

mt_dump_file() { # mt_dump_file TITLE FILE [LINES]
	[ -s "$2" ] || return 0
	printf -- '----- %s (%s) -----\n' "$1" "$2"
	tail -n "${3:-60}" "$2"
	printf -- '----- end %s -----\n' "$1"
}

# mt_checker_reports: print AddressSanitizer, UndefinedBehaviorSanitizer,
# LeakSanitizer, ThreadSanitizer or valgrind reports found in the daemon's
# logs; true if there was one.
mt_checker_reports() {
	local f found=1
	for f in "$MT_TMP"/milter.*.log; do
		[ -e "$f" ] || continue
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer|ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$f"; then
			echo "FAIL: $MT_NAME: memory/thread checker report in $f:"
			sed -n '/ERROR: \|runtime error:\|WARNING: ThreadSanitizer\|ERROR SUMMARY\|definitely lost/,+25p' "$f" | head -n 80
			found=0
		fi
	done
	return $found
}

mt_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "$MT_TMP" ] && { [ "$rc" -ne 0 ] || [ "${MT_VERBOSE:-0}" = 1 ]; }; then
		local f
		for f in "$MT_TMP"/milter.*.log; do
			[ -e "$f" ] && mt_dump_file "daemon log" "$f" 80
		done
		for f in "$MT_TMP"/slapd*/slapd.log; do
			[ -e "$f" ] && mt_dump_file "slapd log" "$f" 40
		done
		mt_dump_file "postfix maillog" "$MT_TMP/postfix/maillog" 40
		mt_dump_file "redis log" "$MT_TMP/redis/redis.log" 20
	fi
	local n
	for n in $MT_MILTER_INSTANCES; do
		mt_milter_use "$n"
		mt_stop_milter quiet
	done
	mt_stop_postfix
	mt_stop_redis
	for n in $MT_SLAPD_INSTANCES; do
		mt_slapd_use "$n"
		mt_stop_slapd
	done
	local pid
	for pid in $MT_BG_STOPS; do
		mt_wait_for 10 mt_pid_gone "$pid" || mt_kill -KILL "$pid"
	done
	mt_kill -KILL $MT_EXTRA_PIDS
	# Memory checkers report into the daemon's log (at exit for leaks):
	# any report fails the test, whatever the checks said.
	if [ -n "$MT_TMP" ] && mt_checker_reports; then
		rc=1
	fi
	if [ -n "$MT_TMP" ] && [ -d "$MT_TMP" ]; then
		if [ "${MT_KEEP_TMP:-0}" = 1 ]; then
			echo "kept temp dir: $MT_TMP"
		else
			rm -rf "$MT_TMP"
		fi
	fi
	exit "$rc"
}

mt_init() {
	[ -r "$MT_LDIF" ] || mt_fatal "fixture not found: $MT_LDIF (is MT_SRCDIR=$MT_SRCDIR right?)"
	MT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mt-$MT_NAME.XXXXXX") || mt_fatal "mktemp -d failed"
	# Postfix daemons run as user postfix and must reach files below here
	# (sasldb, queue): let them traverse.  Nothing secret lives here.
	chmod 755 "$MT_TMP"
	MT_RUN=$MT_TMP
	export MT_RUN
	trap mt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# mt_track_pid PID: kill PID (if still alive) at exit.
mt_track_pid() { MT_EXTRA_PIDS="$MT_EXTRA_PIDS $1"; }

# ---------------------------------------------------------------- helpers

mt_now() { date +%s.%N; }

# mt_elapsed START: seconds since START (from mt_now), 3 decimals.
mt_elapsed() { awk -v a="$1" -v b="$(mt_now)" 'BEGIN { printf "%.3f", b - a }'; }

# mt_cmp A OP B: floating point comparison, OP one of < <= > >=.
mt_cmp() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (op == "<")  exit !(a + 0 <  b + 0);
		if (op == "<=") exit !(a + 0 <= b + 0);
		if (op == ">")  exit !(a + 0 >  b + 0);
		if (op == ">=") exit !(a + 0 >= b + 0);
		exit 2 }'
}

# mt_wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
mt_wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# mt_wait_alive PID SECONDS COMMAND...: like mt_wait_for, but give up as soon
# as process PID is gone.
mt_wait_alive() {
	local pid=$1 limit=$2 i=0
	shift 2
	while ! "$@"; do
		kill -0 "$pid" 2>/dev/null || return 1
		i=$((i + 1))
		[ "$i" -ge $((limit * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

mt_port_listening() { # mt_port_listening PORT
	[ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]
}

# mt_free_port: print a TCP port nobody listens on.  Chosen at random below
# the kernel's ephemeral range (so outgoing connections do not grab it) and
# never twice in one test; parallel tests (make -j) may still collide, so the
# start_* helpers retry with a new port when the bind fails.
mt_free_port() {
	local port lo=20000 hi=32000 tries=0 eph
	eph=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$eph" ] && [ "$eph" -gt 21000 ] && [ "$eph" -le "$hi" ] && hi=$((eph - 1))
	while :; do
		port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
		case $MT_USED_PORTS in *" $port "*) continue ;; esac
		tries=$((tries + 1))
		[ "$tries" -gt 200 ] && mt_fatal "no free TCP port found"
		mt_port_listening "$port" && continue
		MT_USED_PORTS="$MT_USED_PORTS$port "
		echo "$port"
		return 0
	done
}

# mt_urlencode_path PATH: for ldapi:// URIs.
mt_urlencode_path() { printf '%s' "$1" | sed -e 's/%/%25/g' -e 's#/#%2F#g'; }

# ------------------------------------------------------------------ slapd

# mt_start_slapd: private slapd (back_mdb) with contrib/example.ldif, on
# ldap://127.0.0.1:$MT_LDAP_PORT and ldapi:// below $MT_TMP.  Sets
# MT_LDAP_PORT, MT_LDAP_URI, MT_LDAPI_URI, MT_SLAPD_LOG (stats logging: every
# search filter received, used to check what the daemon asked for).
# Calling it again after mt_stop_slapd restarts slapd on the same port with
# the same database.  Setting MT_LDAP_PORT before the first start picks the
# port (e.g. a port the daemon is told about before slapd ever runs).
#
# With MT_SLAPD_TLS=1 at the first start of an instance (after mt_make_tls),
# slapd also gets the test server certificate (TLSCACertificateFile,
# TLSCertificateFile, TLSCertificateKeyFile: StartTLS works on the ldap://
# port) and listens on ldaps://127.0.0.1:$MT_LDAPS_PORT too (MT_LDAPS_URI).
#
# With MT_SLAPD_ROOTPW=PASSWORD at the first start of an instance, its rootdn
# cn=admin,dc=example,dc=com can bind with PASSWORD (to add entries with
# ldapadd, e.g. referral objects with -M).
#
# Several instances: mt_slapd_use N switches the instance that
# mt_start_slapd, mt_stop_slapd, mt_slapd_filters and the MT_SLAPD_*/MT_LDAP*
# variables refer to (1, the default, lives in $MT_TMP/slapd, N in
# $MT_TMP/slapdN; each has its own copy of the LDIF, ports, log and ldapi).
MT_SLAPD_VARS="MT_SLAPD_PID MT_LDAP_PORT MT_LDAP_URI MT_LDAPI_PATH MT_LDAPI_URI MT_SLAPD_LOG MT_LDAPS_PORT MT_LDAPS_URI MT_SLAPD_TLS"
mt_slapd_use() {
	local n=$1 v s
	[ "$n" = "$MT_SLAPD_CUR" ] && return 0
	for v in $MT_SLAPD_VARS; do
		printf -v "MT_SLAPD_SAVED_${MT_SLAPD_CUR}_$v" '%s' "${!v:-}"
	done
	for v in $MT_SLAPD_VARS; do
		s=MT_SLAPD_SAVED_${n}_$v
		printf -v "$v" '%s' "${!s:-}"
	done
	MT_SLAPD_CUR=$n
	case $MT_SLAPD_INSTANCES in *" $n "*) ;; *) MT_SLAPD_INSTANCES="$MT_SLAPD_INSTANCES$n " ;; esac
}

# mt_slapd_dir: the current instance's directory.
mt_slapd_dir() {
	if [ "$MT_SLAPD_CUR" = 1 ]; then echo "$MT_TMP/slapd"; else echo "$MT_TMP/slapd$MT_SLAPD_CUR"; fi
}

mt_start_slapd() {
	mt_require slapd slapadd ldapsearch ss
	local d attempt urls
	d=$(mt_slapd_dir)
	if [ ! -d "$d/db" ]; then
		mkdir -p "$d/db"
		MT_LDAPI_PATH=$d/ldapi
		MT_LDAPI_URI=ldapi://$(mt_urlencode_path "$MT_LDAPI_PATH")
		local tls=
		if [ "${MT_SLAPD_TLS:-0}" = 1 ]; then
			[ -r "${MT_TLS_CERT:-}" ] || mt_fatal "MT_SLAPD_TLS=1 needs mt_make_tls first"
			tls="TLSCACertificateFile $MT_TLS_CA
TLSCertificateFile $MT_TLS_CERT
TLSCertificateKeyFile $MT_TLS_KEY"
		fi
		local rootpw=
		[ -n "${MT_SLAPD_ROOTPW:-}" ] && rootpw="rootpw $MT_SLAPD_ROOTPW"
		cat >"$d/slapd.conf" <<-EOF
			# generated by tests/integration/lib.sh
			include /etc/ldap/schema/core.schema
			include /etc/ldap/schema/cosine.schema
			include /etc/ldap/schema/inetorgperson.schema
			pidfile $d/slapd.pid
			argsfile $d/slapd.args
			modulepath /usr/lib/ldap
			moduleload back_mdb
			sizelimit 50
			$tls

			database mdb
			maxsize 10485760
			suffix "dc=example,dc=com"
			rootdn "cn=admin,dc=example,dc=com"
			$rootpw
			directory $d/db
			index objectClass eq
			index mail eq
			# anonymous and authenticated users read everything but passwords
			access to attrs=userPassword by anonymous auth by self read by * none
			access to * by * read
		EOF
		slapadd -q -f "$d/slapd.conf" -l "$MT_LDIF" >"$d/slapadd.log" 2>&1 ||
			{ cat "$d/slapadd.log"; mt_fatal "slapadd of $MT_LDIF failed"; }
	fi
	for attempt in 1 2 3; do
		[ -n "${MT_LDAP_PORT:-}" ] || MT_LDAP_PORT=$(mt_free_port)
		MT_LDAP_URI=ldap://127.0.0.1:$MT_LDAP_PORT
		urls="$MT_LDAP_URI/ $MT_LDAPI_URI"
		if [ "${MT_SLAPD_TLS:-0}" = 1 ]; then
			[ -n "${MT_LDAPS_PORT:-}" ] || MT_LDAPS_PORT=$(mt_free_port)
			MT_LDAPS_URI=ldaps://127.0.0.1:$MT_LDAPS_PORT
			urls="$urls $MT_LDAPS_URI/"
		fi
		rm -f "$MT_LDAPI_PATH"
		# -d stats: stay in the foreground, log connections and operations
		# (with each search filter) to stderr.
		slapd -d stats -f "$d/slapd.conf" -h "$urls" \
			>>"$d/slapd.log" 2>&1 &
		MT_SLAPD_PID=$!
		MT_SLAPD_LOG=$d/slapd.log
		if mt_wait_alive "$MT_SLAPD_PID" 15 mt_slapd_answers; then
			mt_say "slapd${MT_SLAPD_CUR#1} up: pid $MT_SLAPD_PID $urls"
			return 0
		fi
		if kill -0 "$MT_SLAPD_PID" 2>/dev/null; then
			mt_stop_slapd
			mt_fatal "slapd did not answer within 15 s"
		fi
		wait "$MT_SLAPD_PID" 2>/dev/null
		MT_SLAPD_PID=
		if tail -n 5 "$d/slapd.log" | grep -q 'Address already in use'; then
			mt_say "port $MT_LDAP_PORT or ${MT_LDAPS_PORT:-} taken, retrying"
			MT_LDAP_PORT=
			MT_LDAPS_PORT=
			continue
		fi
		break
	done
	mt_dump_file "slapd log" "$d/slapd.log" 30
	mt_fatal "slapd failed to start"
}

mt_slapd_answers() {
	ldapsearch -x -LLL -o nettimeout=2 -H "$MT_LDAP_URI" -b dc=example,dc=com -s base '(dc=example)' dn >/dev/null 2>&1
}

mt_stop_slapd() {
	[ -n "$MT_SLAPD_PID" ] || return 0
	local pid=$MT_SLAPD_PID
	mt_kill -CONT "$pid" # in case a test froze it
	mt_kill -TERM "$pid"
	mt_wait_for 10 mt_pid_gone "$pid" || mt_kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	MT_SLAPD_PID=
	return 0
}

mt_pid_gone() { ! mt_ours "$1"; }

# The harness must never signal a process that only reuses the PID of one
# of ours: PIDs come round fast where pid_max is small and a benchmark runs
# thousands of threads.  A process is ours if it is a child of the test's
# shell, or if its environment carries this run's MT_RUN mark (mt_init
# exports it; redis-server overwrites its environment with its title, but
# is a child).  A zombie is gone.
# mt_ours PID: PID is alive and ours.
mt_ours() {
	local st
	[ -n "$1" ] && st=$(cat "/proc/$1/status" 2>/dev/null) || return 1
	case $st in *"State:"*"Z (zombie)"*) return 1 ;; esac
	printf '%s\n' "$st" | grep -qx "PPid:[[:space:]]*$$" && return 0
	[ -n "${MT_RUN:-}" ] &&
		{ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF "MT_RUN=$MT_RUN"
}

# mt_kill SIGNAL PID...: signal each PID that is one of ours.
mt_kill() {
	local sig=$1 p
	shift
	for p in "$@"; do
		mt_ours "$p" && kill "$sig" "$p" 2>/dev/null
	done
	return 0
}

# mt_slapd_filters: the search filters slapd received so far, one a line.
mt_slapd_filters() {
	sed -n 's/.* SRCH base=.* filter="\(.*\)"$/\1/p' "$MT_SLAPD_LOG"
}

# mt_slapd_searches FILTER: how many times the current slapd instance was
# asked for exactly FILTER (as slapd logs it, e.g. "(mail=alice@example.com)").
mt_slapd_searches() {
	[ -e "$MT_SLAPD_LOG" ] || { echo 0; return 0; }
	mt_slapd_filters | grep -cxF -- "$1"
}

# mt_daemon_conns PORT: how many established TCP connections the daemon
# (MT_MILTER_PID) has to 127.0.0.1:PORT, from the kernel's socket table.
mt_daemon_conns() {
	ss -Htnp state established "( dport = :$1 )" 2>/dev/null |
		grep -c "pid=$MT_MILTER_PID,"
}

# mt_make_tls: a private test CA and a server certificate it signed (CN
# 127.0.0.1, SAN IP:127.0.0.1 and DNS:localhost), plus a second, unrelated
# CA (which signed nothing of ours), all in $MT_TMP/tls.  Sets MT_TLS_CA,
# MT_TLS_CERT, MT_TLS_KEY, MT_TLS_OTHER_CA.  EC keys: quick to make.
mt_make_tls() {
	mt_require openssl
	local t=$MT_TMP/tls
	mkdir -p "$t"
	(
		set -e
		cd "$t"
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -keyout ca.key -out ca.pem -days 2 \
			-subj "/O=milter-tarpit tests/CN=milter-tarpit test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -keyout server.key -out server.csr \
			-subj "/O=milter-tarpit tests/CN=127.0.0.1"
		printf '%s\n' "basicConstraints=CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=IP:127.0.0.1,DNS:localhost" >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out server.pem -days 2 -extfile server.ext
		openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -keyout other-ca.key -out other-ca.pem -days 2 \
			-subj "/O=someone else/CN=unrelated test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign"
	) >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log"; mt_fatal "openssl could not make the test certificates"; }
	MT_TLS_CA=$t/ca.pem
	MT_TLS_CERT=$t/server.pem
	MT_TLS_KEY=$t/server.key
	MT_TLS_OTHER_CA=$t/other-ca.pem
}

# ------------------------------------------------------------------ Redis

# mt_start_redis: a private redis-server on 127.0.0.1:$MT_REDIS_PORT and the
# unix socket $MT_REDIS_SOCK, working dir $MT_TMP/redis, nothing saved
# (--save '' --appendonly no), log in $MT_TMP/redis/redis.log.  Sets
# MT_REDIS_PORT, MT_REDIS_URL (redis://127.0.0.1:PORT), MT_REDIS_SOCK,
# MT_REDIS_PID.  Called again after mt_stop_redis, it starts an empty Redis
# on the same port and socket.  The Debian package's own service (port 6379)
# is never used: the tests work whether it runs or not.
mt_start_redis() {
	mt_require redis-server redis-cli ss
	local d=$MT_TMP/redis attempt
	mkdir -p "$d"
	MT_REDIS_SOCK=$d/redis.sock
	for attempt in 1 2 3; do
		[ -n "${MT_REDIS_PORT:-}" ] || MT_REDIS_PORT=$(mt_free_port)
		MT_REDIS_URL=redis://127.0.0.1:$MT_REDIS_PORT
		redis-server --port "$MT_REDIS_PORT" --bind 127.0.0.1 \
			--unixsocket "$MT_REDIS_SOCK" --unixsocketperm 700 \
			--dir "$d" --save '' --appendonly no --daemonize no \
			>>"$d/redis.log" 2>&1 &
		MT_REDIS_PID=$!
		if mt_wait_alive "$MT_REDIS_PID" 10 mt_redis_answers; then
			mt_say "redis-server up: pid $MT_REDIS_PID $MT_REDIS_URL unix:$MT_REDIS_SOCK"
			return 0
		fi
		if kill -0 "$MT_REDIS_PID" 2>/dev/null; then
			mt_stop_redis
			mt_fatal "redis-server did not answer within 10 s"
		fi
		wait "$MT_REDIS_PID" 2>/dev/null
		MT_REDIS_PID=
		if tail -n 5 "$d/redis.log" | grep -q 'Address already in use'; then
			mt_say "port $MT_REDIS_PORT taken, retrying"
			MT_REDIS_PORT=
			continue
		fi
		break
	done
	mt_dump_file "redis log" "$d/redis.log" 30
	mt_fatal "redis-server failed to start"
}

# mt_redis_cli ARGS...: redis-cli against the private Redis.
mt_redis_cli() { redis-cli -h 127.0.0.1 -p "$MT_REDIS_PORT" "$@"; }

mt_redis_answers() { [ "$(mt_redis_cli ping 2>/dev/null)" = PONG ]; }

# mt_stop_redis: stop the private Redis (thawed first, in case a test froze it).
mt_stop_redis() {
	[ -n "$MT_REDIS_PID" ] || return 0
	local pid=$MT_REDIS_PID
	mt_kill -CONT "$pid"
	mt_kill -TERM "$pid"
	mt_wait_for 10 mt_pid_gone "$pid" || mt_kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	MT_REDIS_PID=
	return 0
}

# -------------------------------------------------------------- the daemon

# Several daemons: mt_milter_use N switches the instance that
# mt_start_milter, mt_stop_milter, mt_log_line, mt_miltertest and the
# MT_MILTER_* variables refer to (1 is the default); each has its own port
# and log.  mt_cleanup stops them all.
MT_MILTER_VARS="MT_MILTER_PID MT_MILTER_PORT MT_MILTER_SOCK MT_MILTER_PF_SOCK MT_MILTER_LOG"
mt_milter_use() {
	local n=$1 v s
	[ "$n" = "$MT_MILTER_CUR" ] && return 0
	for v in $MT_MILTER_VARS; do
		printf -v "MT_MILTER_SAVED_${MT_MILTER_CUR}_$v" '%s' "${!v:-}"
	done
	for v in $MT_MILTER_VARS; do
		s=MT_MILTER_SAVED_${n}_$v
		printf -v "$v" '%s' "${!s:-}"
	done
	MT_MILTER_CUR=$n
	case $MT_MILTER_INSTANCES in *" $n "*) ;; *) MT_MILTER_INSTANCES="$MT_MILTER_INSTANCES$n " ;; esac
}

# mt_start_milter ARGS...: run "$MT_BIN" -f -p inet:PORT@127.0.0.1 ARGS in the
# background, stderr to $MT_MILTER_LOG; wait until the socket listens.  Sets
# MT_MILTER_PORT, MT_MILTER_SOCK (libmilter/miltertest syntax),
# MT_MILTER_PF_SOCK (Postfix syntax), MT_MILTER_PID, MT_MILTER_LOG.
# If the daemon exits at start that is fatal (exit 99), unless
# MT_START_MAY_FAIL=1: then it returns 1 with the status in MT_MILTER_RC.
mt_start_milter() {
	mt_require_bin
	local attempt
	for attempt in 1 2 3; do
		MT_MILTER_RUNS=$((MT_MILTER_RUNS + 1))
		MT_MILTER_LOG=$MT_TMP/milter.$MT_MILTER_RUNS.log
		MT_MILTER_PORT=$(mt_free_port)
		MT_MILTER_SOCK=inet:$MT_MILTER_PORT@127.0.0.1
		MT_MILTER_PF_SOCK=inet:127.0.0.1:$MT_MILTER_PORT
		mt_say "starting: $MT_BIN -f -p $MT_MILTER_SOCK $*"
		# env --default-signal: a background job of a non-interactive shell
		# starts with SIGINT/SIGQUIT ignored; give the daemon the default
		# dispositions a service manager would, so SIGINT tests are real.
		# MT_WRAPPER runs the daemon under a checker, e.g. valgrind
		# (make check-valgrind).
		# shellcheck disable=SC2086
		# The harness runs as root; the privilege drop has its own test.
		# Every session here comes from 127.0.0.1, so the harvest
		# defence (per-client scores and caps) would mix the tests'
		# sessions up: it is off unless a test sets MT_DEFENCE_ARGS.
		env --default-signal ${MT_WRAPPER:-} "$MT_BIN" -f \
			${MT_MILTER_USER_ARGS:---allow-root} \
			${MT_DEFENCE_ARGS---suspect-score 0 --harvest-score 0 --max-sleepers 0 --max-sleepers-per-net 0 --attack-score 0} \
			-p "$MT_MILTER_SOCK" "$@" </dev/null >"$MT_MILTER_LOG" 2>&1 &
		MT_MILTER_PID=$!
		if mt_wait_alive "$MT_MILTER_PID" 10 mt_port_listening "$MT_MILTER_PORT"; then
			# The socket listens a moment before the "starting" line
			# (much longer under valgrind): wait for both.
			# (under JOURNAL_STREAM it starts the line: "<6>starting")
			mt_wait_for 30 grep -qE '( |^<[0-7]>)starting ' "$MT_MILTER_LOG"
			mt_say "daemon up: pid $MT_MILTER_PID $MT_MILTER_SOCK"
			return 0
		fi
		if kill -0 "$MT_MILTER_PID" 2>/dev/null; then
			mt_dump_file "daemon log" "$MT_MILTER_LOG"
			mt_stop_milter quiet
			mt_fatal "daemon did not listen on $MT_MILTER_SOCK within 10 s"
		fi
		wait "$MT_MILTER_PID"
		MT_MILTER_RC=$?
		MT_MILTER_PID=
		if [ "$MT_MILTER_RC" -eq 69 ] && [ "$attempt" -lt 3 ]; then
			mt_say "daemon could not open its socket (exit 69), retrying on another port"
			continue
		fi
		if [ "${MT_START_MAY_FAIL:-0}" = 1 ]; then
			mt_say "daemon exited with status $MT_MILTER_RC at start"
			return 1
		fi
		mt_dump_file "daemon log" "$MT_MILTER_LOG"
		mt_fatal "daemon exited with status $MT_MILTER_RC at start"
	done
}

# mt_stop_milter [quiet]: SIGTERM the daemon, wait up to 10 s (then SIGKILL).
# Sets MT_MILTER_RC (exit status) and MT_MILTER_STOP_SECS.
mt_stop_milter() {
	[ -n "$MT_MILTER_PID" ] || return 0
	# MT_MILTER_PID stays set until the daemon is gone, so that a cleanup
	# triggered meanwhile (signal to the test) still stops it.
	local pid=$MT_MILTER_PID t0
	t0=$(mt_now)
	mt_kill -TERM "$pid"
	if ! mt_wait_for 10 mt_pid_gone "$pid"; then
		[ "${1:-}" = quiet ] || mt_fail "daemon did not exit within 10 s of SIGTERM"
		mt_kill -KILL "$pid"
	fi
	wait "$pid" 2>/dev/null
	MT_MILTER_RC=$?
	MT_MILTER_STOP_SECS=$(mt_elapsed "$t0")
	MT_MILTER_PID=
	return 0
}

# mt_stop_milter_bg: SIGTERM the daemon and go on without waiting for it to
# exit (mt_cleanup reaps it).  For tests that restart the daemon often and
# check its stop elsewhere: keeps them fast whatever the daemon's stop takes.
# MT_MILTER_LOG keeps naming its log until the next mt_start_milter.
MT_BG_STOPS=
mt_stop_milter_bg() {
	[ -n "$MT_MILTER_PID" ] || return 0
	mt_kill -TERM "$MT_MILTER_PID"
	MT_BG_STOPS="$MT_BG_STOPS $MT_MILTER_PID"
	MT_MILTER_PID=
}

# mt_log_line TOKEN...: print the daemon log lines containing every TOKEN as a
# whole space-separated word (e.g. "rcpt=<x@example.com>" "action=reject").
# A TOKEN ending in "..." matches any word that starts with the rest.
mt_log_line() {
	awk 'BEGIN { for (i = 1; i < ARGC; i++) tok[i] = ARGV[i]; n = ARGC - 1; ARGC = 1 }
	{
		l = " " $0 " "
		for (i = 1; i <= n; i++) {
			t = tok[i]
			if (t ~ /\.\.\.$/) {
				if (index(l, " " substr(t, 1, length(t) - 3)) == 0) next
			} else if (index(l, " " t " ") == 0) next
		}
		print
	}' "$@" <"$MT_MILTER_LOG"
}

# mt_expect_log DESC TOKEN...: one check: some log line has all TOKENs.
mt_expect_log() {
	local desc=$1
	shift
	if [ -n "$(mt_log_line "$@")" ]; then
		mt_pass "log: $desc"
	else
		mt_fail "log: $desc: no line with: $*"
	fi
}

# mt_log_field LINE KEY: value of KEY=... in LINE.
mt_log_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

mt_has_log() { [ -n "$(mt_log_line "$@")" ]; }

# mt_rcpt_line ADDR: the daemon's decision line for RCPT <ADDR> (waits up
# to 2 s for it).
mt_rcpt_line() {
	mt_wait_for 2 mt_has_log "rcpt=<$1>" || true
	mt_log_line "rcpt=<$1>" | head -n 1
}

# mt_expect_rcpt ADDR DESC TOKEN...: pass if the decision line for <ADDR>
# has every TOKEN, fail with the line it has otherwise.
mt_expect_rcpt() {
	local a=$1 desc=$2 line
	shift 2
	mt_wait_for 2 mt_has_log "rcpt=<$a>" || true
	if mt_has_log "rcpt=<$a>" "$@"; then
		mt_pass "log: $desc"
	else
		line=$(mt_log_line "rcpt=<$a>" | head -n 1)
		mt_fail "log: $desc: want rcpt=<$a> $*; got: ${line:-no line}"
	fi
}

# mt_rcpt WANT RCPT [NAME=VALUE...]: one session, one RCPT (one.lua; NAME=VALUE
# as its -D options: auth=, min=, max=, label=, timeout=), then the daemon's
# log line for RCPT must match WANT, because over the milter protocol a 550
# and a 451 sent with a reply text both arrive as SMFIR_REPLYCODE:
#   continue: action=accept code=250    reject: action=reject code=550
#   tempfail: action=tempfail code=451  answer: (no log check)
mt_rcpt() {
	local want=$1 rcpt=$2 toks
	shift 2
	mt_miltertest one.lua "rcpt=$rcpt" "want=$want" "$@" || return 1
	case $want in
	continue) toks=(action=accept code=250) ;;
	reject) toks=(action=reject code=550) ;;
	tempfail) toks=(action=tempfail code=451) ;;
	*) return 0 ;;
	esac
	if mt_wait_for 2 mt_has_log "rcpt=$rcpt" "${toks[@]}"; then
		echo "    daemon log: rcpt=$rcpt ${toks[*]}"
		return 0
	fi
	echo "    daemon log has no line with rcpt=$rcpt ${toks[*]}; it has:"
	mt_log_line "rcpt=$rcpt" | sed 's/^/    | /'
	return 1
}

# mt_miltertest LUA [NAME=VALUE...]: run tests/integration/LUA against the
# running daemon.  Output goes to stdout (the test log), indented.  Returns
# miltertest's status: 0 all checks passed, 1 some failed, 2 script error.
mt_miltertest() {
	local lua=$1 a
	shift
	local args=(-s "$MT_TESTDIR/$lua" -D "sock=$MT_MILTER_SOCK" -D "mtlib=$MT_TESTDIR/mtlib.lua")
	for a in "$@"; do args+=(-D "$a"); done
	miltertest "${args[@]}" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------- Postfix

# mt_start_postfix MILTER_SOCKET: private Postfix instance in $MT_TMP/postfix
# (config in etc/, its own queue and data dirs, log in maillog) with smtpd on
# 127.0.0.1:$MT_SMTP_PORT, smtpd_milters=MILTER_SOCKET (Postfix syntax, e.g.
# $MT_MILTER_PF_SOCK), example.com relayed to discard:, Cyrus SASL from a
# private sasldb with user alice@example.com / password $MT_SASL_PASS.
# Sets MT_POSTFIX_CONF, MT_SMTP_PORT, MT_MAILLOG.
#
# About alternate_config_directories: the manual says a non-default config
# dir must be listed there (in the default /etc/postfix/main.cf), but that is
# enforced only by the set-gid commands postdrop(1) and postqueue(1) (and
# sendmail, which uses postdrop).  `postfix -c DIR start/stop`, run as root,
# works without it, and we never use those commands (mail is injected over
# SMTP by swaks), so the least intrusive fix is no fix: the system's
# /etc/postfix is neither read for our instance nor changed.
MT_SASL_USER=alice@example.com
MT_SASL_PASS=alice-secret
mt_start_postfix() {
	mt_require_root
	mt_require postfix postconf saslpasswd2 swaks ss
	local milter=$1 p=$MT_TMP/postfix attempt
	mkdir -p "$p/etc/sasl" "$p/queue" "$p/data"
	chown postfix "$p/data"
	MT_MAILLOG=$p/maillog
	MT_SMTP_PORT=$(mt_free_port)
	# Debian's Postfix passes "$config_directory/sasl" to Cyrus SASL as its
	# config path whatever cyrus_sasl_config_path says, so smtpd.conf lives
	# there (and cyrus_sasl_config_path names the same dir).
	cat >"$p/etc/sasl/smtpd.conf" <<-EOF
		pwcheck_method: auxprop
		auxprop_plugin: sasldb
		sasldb_path: $p/etc/sasl/sasldb2
		mech_list: PLAIN LOGIN
	EOF
	printf '%s' "$MT_SASL_PASS" |
		saslpasswd2 -f "$p/etc/sasl/sasldb2" -p -c -u "${MT_SASL_USER#*@}" "${MT_SASL_USER%@*}" ||
		mt_fatal "saslpasswd2 failed"
	# smtpd runs as postfix and opens the sasldb at AUTH time.
	chown root:postfix "$p/etc/sasl/sasldb2"
	chmod 640 "$p/etc/sasl/sasldb2"
	cat >"$p/etc/main.cf" <<-EOF
		# generated by tests/integration/lib.sh: private test instance
		compatibility_level = 3.6
		queue_directory = $p/queue
		data_directory = $p/data
		maillog_file = $p/maillog
		maillog_file_prefixes = $p
		myhostname = mx.test.invalid
		mydomain = test.invalid
		myorigin = test.invalid
		mydestination =
		inet_interfaces = 127.0.0.1
		inet_protocols = ipv4
		# the test client (127.0.0.1) must not be trusted: anonymous session
		mynetworks = 192.0.2.1/32
		relay_domains = example.com
		relay_transport = discard:
		default_transport = discard:
		alias_maps =
		alias_database =
		smtpd_banner = \$myhostname ESMTP milter-tarpit test
		smtpd_milters = $milter
		milter_default_action = tempfail
		smtpd_sasl_auth_enable = yes
		smtpd_sasl_type = cyrus
		smtpd_sasl_path = smtpd
		cyrus_sasl_config_path = $p/etc/sasl
		smtpd_sasl_local_domain =
		smtpd_sasl_security_options = noanonymous
		smtpd_tls_security_level = none
		smtpd_client_connection_rate_limit = 0
		smtpd_error_sleep_time = 0
		biff = no
	EOF
	for attempt in 1 2 3; do
		cat >"$p/etc/master.cf" <<-EOF
			# generated by tests/integration/lib.sh (no chroot anywhere)
			127.0.0.1:$MT_SMTP_PORT inet n - n - - smtpd
			pickup    unix  n       -       n       60      1       pickup
			cleanup   unix  n       -       n       -       0       cleanup
			qmgr      unix  n       -       n       300     1       qmgr
			rewrite   unix  -       -       n       -       -       trivial-rewrite
			bounce    unix  -       -       n       -       0       bounce
			defer     unix  -       -       n       -       0       bounce
			trace     unix  -       -       n       -       0       bounce
			verify    unix  -       -       n       -       1       verify
			flush     unix  n       -       n       1000?   0       flush
			proxymap  unix  -       -       n       -       -       proxymap
			error     unix  -       -       n       -       -       error
			retry     unix  -       -       n       -       -       error
			discard   unix  -       -       n       -       -       discard
			anvil     unix  -       -       n       -       1       anvil
			scache    unix  -       -       n       -       1       scache
			postlog   unix-dgram n  -       n       -       1       postlogd
		EOF
		MT_POSTFIX_CONF=$p/etc
		if postfix -c "$p/etc" start >"$p/start.log" 2>&1 &&
			mt_wait_for 10 mt_port_listening "$MT_SMTP_PORT"; then
			mt_say "postfix up: $p/etc smtpd 127.0.0.1:$MT_SMTP_PORT milter $milter"
			return 0
		fi
		mt_stop_postfix
		if grep -q 'Address already in use' "$p/start.log" "$p/maillog" 2>/dev/null && [ "$attempt" -lt 3 ]; then
			: >"$p/maillog"
			MT_SMTP_PORT=$(mt_free_port)
			continue
		fi
		break
	done
	mt_dump_file "postfix start" "$p/start.log"
	mt_dump_file "postfix maillog" "$p/maillog"
	MT_POSTFIX_CONF=
	mt_fatal "private Postfix failed to start"
}

mt_postfix_master_pid() {
	local f=$MT_TMP/postfix/queue/pid/master.pid
	[ -r "$f" ] && tr -d ' \n' <"$f"
}

mt_stop_postfix() {
	[ -n "$MT_POSTFIX_CONF" ] || return 0
	local conf=$MT_POSTFIX_CONF pid kid
	pid=$(mt_postfix_master_pid)
	postfix -c "$conf" stop >/dev/null 2>&1
	# Fallback: kill the master (by the pid in its pid file, if that is
	# still our master: its environment names our queue) and its children.
	ours() {
		{ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null |
			grep -q "^queue_directory=$MT_TMP/"
	}
	if [ -n "$pid" ] && ! mt_wait_for 5 eval '! ours "$pid"'; then
		for kid in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
			kill -KILL "$kid" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	MT_POSTFIX_CONF=
	return 0
}

# mt_maillog_wait SECONDS REGEX: wait until Postfix's maillog matches (ERE).
mt_maillog_wait() {
	mt_wait_for "$1" grep -Eq -- "$2" "$MT_MAILLOG"
}

# mt_swaks OUT ARGS...: run swaks against the private Postfix, transcript to
# OUT; prints nothing, returns swaks' status.  MT_SWAKS_SECS: wall time.
mt_swaks() {
	local out=$1 t0
	shift
	t0=$(mt_now)
	swaks --server "127.0.0.1:$MT_SMTP_PORT" --helo client.test.invalid \
		--show-time-lapse --timeout 60 "$@" >"$out" 2>&1
	local rc=$?
	MT_SWAKS_SECS=$(mt_elapsed "$t0")
	return "$rc"
}

# mt_swaks_rcpt_reply OUT ADDR: the server's reply line to RCPT TO:<ADDR>
# (without swaks' "<-  " marker).  mt_swaks_rcpt_secs OUT ADDR: its response
# time as measured by swaks (--show-time-lapse).
mt_swaks_rcpt_reply() {
	awk -v r=" -> RCPT TO:<$2>" '
		$0 == r { on = 1; next }
		on && /^<(-|\*\*) / { sub(/^<(-|\*\*) +/, ""); print; exit }' "$1"
}
mt_swaks_rcpt_secs() {
	awk -v r=" -> RCPT TO:<$2>" '
		$0 == r { on = 1; next }
		on && /^=== response in / { s = $4; sub(/s$/, "", s); print s; exit }' "$1"
}

# ------------------------------------------------------- short names
# The names the harness was specified with; the mt_ ones are the same.
free_port() { mt_free_port "$@"; }
start_slapd() { mt_start_slapd "$@"; }
stop_slapd() { mt_stop_slapd "$@"; }
start_milter() { mt_start_milter "$@"; }
stop_milter() { mt_stop_milter "$@"; }
start_postfix() { mt_start_postfix "$@"; }
stop_postfix() { mt_stop_postfix "$@"; }
