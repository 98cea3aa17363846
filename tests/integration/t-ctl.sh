#!/bin/bash
# t-ctl.sh - the control socket (--control-socket) and milter-tarpit-ctl(8)
# against the real daemon and a private slapd: the socket's mode; list and
# show of a network that earned a score through miltertest sessions
# (defence.lua); forget, after which the network's next unknown counts from
# 1 again; trust, after which its unknown is answered at once and not
# counted; stats; and the refusal of bad input, each with its message and
# exit status (unknown command, bad network, a network of another prefix,
# SECS out of range, an overlong line from the client and on the raw
# socket, no daemon on the socket); forget with --redis deletes the shared
# score (a private redis-server), and trust given on one daemon holds on
# another sharing that Redis until it is ended there.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest python3 redis-server redis-cli
mt_require_bin
mt_init
: "${MT_CTL:=$MT_BUILDDIR/src/milter-tarpit-ctl}"
[ -x "$MT_CTL" ] || mt_fatal "no milter-tarpit-ctl at $MT_CTL (build first)"

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_slapd
SOCK=$MT_TMP/control
NET=192.0.2.10

# ctl ARGS...: run milter-tarpit-ctl on SOCK; stdout in OUT, stderr in ERR,
# the exit status in RC.
ctl() {
	RC=0
	"$MT_CTL" -s "$SOCK" "$@" >"$MT_TMP/ctl.out" 2>"$MT_TMP/ctl.err" || RC=$?
	OUT=$(cat "$MT_TMP/ctl.out")
	ERR=$(cat "$MT_TMP/ctl.err")
	printf '    $ milter-tarpit-ctl %s  (exit %s)\n' "$*" "$RC"
	sed 's/^/    | /' "$MT_TMP/ctl.out" "$MT_TMP/ctl.err"
}
# has TEXT: OUT has a line with TEXT (fixed string).
has() { printf '%s\n' "$OUT" | grep -qF -- "$1"; }
# refused DESC STATUS MESSAGE ARGS...: ctl ARGS exits STATUS, prints
# nothing on stdout and "milter-tarpit-ctl: MESSAGE" on stderr.
refused() {
	local desc=$1 want=$2 msg=$3
	shift 3
	ctl "$@"
	mt_check "$desc: exit $want" [ "$RC" -eq "$want" ]
	mt_check "$desc: the message says why" [ "$ERR" = "milter-tarpit-ctl: $msg" ]
	mt_check "$desc: nothing on stdout" [ -z "$OUT" ]
}

# -T 0.3, no escalation: every unknown of an anonymous client waits 0.3 s.
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-t 2 --no-cache -T 0.3 --delay-factor 1 --control-socket "$SOCK"

mt_say "== the socket"
mt_check "the control socket exists and is a socket" [ -S "$SOCK" ]
mt_check "its mode is 0600 (got $(stat -c %a "$SOCK"))" [ "$(stat -c %a "$SOCK")" = 600 ]

mt_say "== a network earns a score of 2"
mt_check "two unknowns from $NET, each delayed" mt_miltertest defence.lua ip=$NET \
	"list=<c-u1@example.com>=reject/0.3/1.5 <c-u2@example.com>=reject/0.3/1.5"
mt_expect_rcpt c-u2@example.com "the 2nd unknown: score=2.00" net=$NET/32 score=2.00

mt_say "== list and show"
ctl list
mt_check "list: exit 0" [ "$RC" -eq 0 ]
mt_check "list: $NET/32 with score=2.00" has "$NET/32 kind=client score=2.00 state=- updated=20"
mt_check "list: its wide network 192.0.2.0/24" has "192.0.2.0/24 kind=wide score=2.00"
mt_check "list: the count of networks" has "# 2 networks"
ctl show $NET
mt_check "show: exit 0" [ "$RC" -eq 0 ]
mt_check "show: its network" has "net $NET/32"
mt_check "show: its score" has "score 2.00"
mt_check "show: when it was last probed" has "updated 20"
mt_check "show: no good record" has "good 0.00"
mt_check "show: nobody asleep" has "asleep 0"
mt_check "show: not trusted" has "trusted no"
mt_check "show: its wide network's score" has "wide_score 2.00"

mt_say "== forget"
ctl forget $NET
mt_check "forget: exit 0" [ "$RC" -eq 0 ]
mt_check "forget: says so" [ "$OUT" = "$NET/32 forgotten" ]
mt_expect_log "forget is logged with the caller" control: forget net=$NET/32 known=yes by uid=$(id -u) pid=...
mt_check "the next unknown from $NET" mt_miltertest defence.lua ip=$NET \
	"list=<c-u3@example.com>=reject/0.3/1.5"
mt_expect_rcpt c-u3@example.com "after forget, its next unknown counts from 1: score=1.00" \
	net=$NET/32 score=1.00

mt_say "== trust"
ctl trust $NET 60
mt_check "trust: exit 0" [ "$RC" -eq 0 ]
mt_check "trust: says until when" has "$NET/32 trusted until 20"
mt_expect_log "trust is logged with the caller" control: trust net=$NET/32 secs=60 until=... by uid=$(id -u) pid=...
mt_check "a trusted network's unknown: 550 at once" mt_miltertest defence.lua ip=$NET \
	"list=<c-t1@example.com>=reject//0.2"
mt_expect_rcpt c-t1@example.com "trusted by control: 550 unknown, delay=0.000" \
	action=reject code=550 reason=unknown client=$NET delay=0.000
ctl show $NET
mt_check "show: trusted, with the time left" has "trusted until 20"
mt_check "show: the trusted session's unknown did not count (score 1.00)" has "score 1.00"
ctl trust $NET 0
mt_check "trust NET 0: the trust ends" [ "$OUT" = "$NET/32 is no longer trusted" ]
mt_check "after the trust, an unknown waits again" mt_miltertest defence.lua ip=$NET \
	"list=<c-t2@example.com>=reject/0.3/1.5"

mt_say "== stats"
ctl stats
mt_check "stats: exit 0 and the statistics line" [ "$RC" -eq 0 ]
mt_check "stats: sessions counted" has "stats sessions=4 "

mt_say "== refusals"
refused "unknown command" 64 'unknown command "frob": list, show NET, forget NET, trust NET [SECS] or stats' frob
refused "bad NET" 64 '"example.com" is not an IPv4 or IPv6 address or network' show example.com
refused "NET of another prefix" 64 "192.0.2.0/24 is not a /32 network: client networks are /32 (--ipv4-prefix); give an address or a /32" forget 192.0.2.0/24
refused "SECS out of range" 64 '"604801" is not a number of seconds from 0 (end the trust) to 604800 (a week)' trust $NET 604801
refused "SECS not a number" 64 '"-5" is not a number of seconds from 0 (end the trust) to 604800 (a week)' trust $NET -5
refused "too many arguments" 64 "usage: show NET" show $NET $NET
refused "overlong request" 64 "request longer than 255 bytes" show "$(printf 'a%.0s' $(seq 300))"
raw=$(python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"list " + b"x" * 5000 + b"\n")
s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")
PY
)
mt_check "overlong line on the raw socket: one error line (got: $raw)" [ "$raw" = "error: request longer than 255 bytes" ]
mt_check "the daemon still answers after bad input" "$MT_CTL" -s "$SOCK" list
refused "no daemon on the socket" 69 "cannot connect to $MT_TMP/none: No such file or directory (is milter-tarpit running with --control-socket?)" -s "$MT_TMP/none" list

mt_stop_milter
mt_check "the daemon exits 0 on SIGTERM (got $MT_MILTER_RC)" [ "$MT_MILTER_RC" -eq 0 ]
mt_check "the control socket is removed at exit" [ ! -e "$SOCK" ]

mt_say "== forget with --redis: the shared score goes too"
mt_start_redis
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-t 2 --no-cache -T 0.3 --delay-factor 1 --control-socket "$SOCK" \
	--redis "$MT_REDIS_URL" --redis-prefix tc:
mt_check "an unknown from $NET, shared" mt_miltertest defence.lua ip=$NET \
	"list=<c-r1@example.com>=reject/0.3/1.5"
mt_wait_for 2 test "$(mt_redis_cli exists tc:score:$NET/32)" = 1 || true
mt_check "Redis has the score of $NET/32" [ "$(mt_redis_cli exists tc:score:$NET/32)" = 1 ]
ctl forget $NET
mt_wait_for 2 test "$(mt_redis_cli exists tc:score:$NET/32)" = 0 || true
mt_check "after forget, Redis has no score of $NET/32" [ "$(mt_redis_cli exists tc:score:$NET/32)" = 0 ]
mt_check "the next unknown from $NET" mt_miltertest defence.lua ip=$NET \
	"list=<c-r2@example.com>=reject/0.3/1.5"
mt_expect_rcpt c-r2@example.com "with --redis, after forget, score=1.00" net=$NET/32 score=1.00

mt_say "== trust with --redis: given on daemon 1, daemon 2 sees it"
TNET=192.0.2.30
mt_milter_use 2
mt_start_milter -H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com \
	-t 2 --no-cache -T 0.3 --delay-factor 1 --control-socket "$MT_TMP/control2" \
	--redis "$MT_REDIS_URL" --redis-prefix tc:
mt_milter_use 1
ctl trust $TNET 60
mt_check "trust on daemon 1: exit 0" [ "$RC" -eq 0 ]
pttl=$(mt_redis_cli pttl tc:trust:$TNET/32)
mt_check "Redis has tc:trust:$TNET/32 ending within 60 s (pttl $pttl)" \
	[ "$pttl" -gt 50000 ] && [ "$pttl" -le 60000 ]
mt_milter_use 2
mt_check "daemon 2: an unknown from $TNET, answered at once" mt_miltertest defence.lua \
	ip=$TNET "list=<c-s1@example.com>=reject//0.2"
mt_expect_rcpt c-s1@example.com "daemon 2: trusted on daemon 1: 550 unknown, delay=0.000" \
	action=reject code=550 reason=unknown client=$TNET delay=0.000
mt_milter_use 1
ctl trust $TNET 0
mt_check "trust NET 0 on daemon 1: says so" [ "$OUT" = "$TNET/32 is no longer trusted on any host" ]
mt_check "after trust NET 0, Redis has no tc:trust:$TNET/32" \
	[ "$(mt_redis_cli exists tc:trust:$TNET/32)" = 0 ]
mt_milter_use 2
mt_check "daemon 2: after trust NET 0 on daemon 1, an unknown waits again" \
	mt_miltertest defence.lua ip=$TNET "list=<c-s2@example.com>=reject/0.3/1.5"
mt_milter_use 1
mt_stop_redis
ctl trust $TNET 60
mt_check "Redis stopped: trust says it holds on this host only" \
	has "(60 s) on this host only: Redis did not answer"
mt_milter_use 2
mt_stop_milter
mt_milter_use 1
mt_stop_milter
mt_finish
