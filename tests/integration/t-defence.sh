#!/bin/bash
# t-defence.sh - the harvest defence via miltertest against a private slapd:
# escalation and allowance within a session, per-network memory across
# sessions, the harvest threshold (421), the closed timing oracle for suspect
# networks, the caps on sleeping sessions, trusted networks and
# --exempt-check, --dry-run, the sender checks, and the wide network (the
# /24 around each client) that makes a harvest from many addresses count as
# one.
#
# miltertest's mt.conninfo sets the client address the daemon sees
# (defence.lua ip=...): 192.0.2.x, 198.51.100.x, 203.0.113.x and
# 2001:db8:... are separate client networks.  The harness turns the defence
# off by default (MT_DEFENCE_ARGS); here it is on, with its defaults, and each
# part gives the flags it tests.  Each part runs its own daemon, so scores
# never carry over from one part to the next.  --no-cache throughout: every
# check of "slapd was (not) asked" is then about the daemon's decision alone.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss
mt_require_bin
mt_init

# shellcheck disable=SC2034 # read by mt_start_milter: the defence is on
MT_DEFENCE_ARGS=
mt_start_slapd
# shellcheck disable=SC2054 # the commas are part of the DN
BASE=(-H "$MT_LDAP_URI" -b dc=example,dc=com -d example.com -t 2 --no-cache)

# dstart FLAGS...: a daemon with the defence at its defaults plus FLAGS.
dstart() { mt_start_milter "${BASE[@]}" "$@"; }
# dstop: SIGTERM the daemon without waiting (its stop may take seconds);
# every daemon's exit status is checked at the end (check_exits).
STOPPED=
dstop() {
	STOPPED="$STOPPED $MT_MILTER_PID"
	mt_stop_milter_bg
}
check_exits() {
	local pid rc
	for pid in $STOPPED; do
		rc=0
		wait "$pid" || rc=$?
		mt_check "daemon pid $pid: exit status 0 on SIGTERM (got $rc)" [ "$rc" -eq 0 ]
	done
}
# session DESC NAME=VALUE...: one defence.lua session (see defence.lua).
session() {
	local desc=$1
	shift
	mt_check "$desc" mt_miltertest defence.lua "$@"
}
# log_delay ADDR LO HI DESC: the delay= logged for <ADDR> is in [LO, HI).
log_delay() {
	local line d
	line=$(mt_rcpt_line "$1")
	d=$(mt_log_field "$line" delay)
	if [ -n "$d" ] && mt_cmp "$d" ">=" "$2" && mt_cmp "$d" "<" "$3"; then
		mt_pass "log: <$1> $4: delay=$d in [$2, $3)"
	else
		mt_fail "log: <$1> $4: delay='${d:-none}', want [$2, $3) (line: ${line:-none})"
	fi
}
# searches ADDR: how often slapd was asked for (mail=ADDR) so far.
searches() { mt_slapd_searches "(mail=$1)"; }
# no_search ADDR BEFORE DESC: slapd was asked for ADDR no more than BEFORE.
no_search() {
	local now
	now=$(searches "$1")
	mt_check "slapd: no lookup for $1 ($3; searches before $2, now $now)" [ "$now" -eq "$2" ]
}
# asleep_both ADDR ADDR: both were looked up (their sessions are asleep).
asleep_both() { [ "$(searches "$1")" -ge 1 ] && [ "$(searches "$2")" -ge 1 ]; }
# bg OUT NAME=VALUE...: a defence.lua session in the background; BG_PID.
bg() {
	local out=$1
	shift
	mt_miltertest defence.lua "$@" >"$out" 2>&1 &
	BG_PID=$!
	mt_track_pid "$BG_PID"
}
# bg_check PID OUT DESC: wait for a background session; its checks passed.
bg_check() {
	local rc=0
	wait "$1" || rc=$?
	cat "$2"
	mt_check "$3" [ "$rc" -eq 0 ]
}

# =====================================================================
mt_say "== 1. escalation within a session: -T 0.2 --delay-factor 2 --delay-max 1"
dstart -T 0.2 --delay-factor 2 --delay-max 1
session "escalation: 4 unknowns wait ~0.2, 0.4, 0.8, 1.0 s" ip=192.0.2.1 \
	"list=<esc1@example.com>=reject/0.2/0.7 <esc2@example.com>=reject/0.4/0.9 <esc3@example.com>=reject/0.8/1.3 <esc4@example.com>=reject/1.0/1.5"
# The daemon's own measure of each sleep: the schedule itself, exactly.
log_delay esc1@example.com 0.2 0.3 "1st unknown: -T"
log_delay esc2@example.com 0.4 0.5 "2nd unknown: -T x 2"
log_delay esc3@example.com 0.8 0.9 "3rd unknown: -T x 4"
log_delay esc4@example.com 1.0 1.1 "4th unknown: --delay-max"
mt_expect_rcpt esc4@example.com "escalated unknown: reject 550 unknown, net= and score=" \
	action=reject code=550 reason=unknown client=192.0.2.1 net=192.0.2.1/32 score=...
dstop

mt_say "== 1b. --allowance 2: the first two unknowns are answered at once (-T 1 --delay-factor 2 --delay-max 1)"
dstart -T 1 --delay-factor 2 --delay-max 1 --allowance 2
session "allowance: unknowns 1 and 2 at once, the 3rd delayed" ip=192.0.2.2 \
	"list=<allow1@example.com>=reject//0.5 <allow2@example.com>=reject//0.5 <allow3@example.com>=reject/1/2"
log_delay allow1@example.com 0 0.05 "allowance, 1st"
log_delay allow2@example.com 0 0.05 "allowance, 2nd"
log_delay allow3@example.com 1 1.1 "past the allowance"
mt_expect_rcpt allow1@example.com "allowance: still 550 unknown" action=reject code=550 reason=unknown
dstop

# =====================================================================
mt_say "== 2. memory across connections: -T 0.1 --delay-factor 2 --delay-max 2 --ipv4-prefix 24"
dstart -T 0.1 --delay-factor 2 --delay-max 2 --ipv4-prefix 24
session "network 192.0.2.0/24 probes: 3 unknowns" ip=192.0.2.21 \
	"list=<mem-a1@example.com>=reject/0.1/0.6 <mem-a2@example.com>=reject/0.2/0.7 <mem-a3@example.com>=reject/0.4/1.5"
session "the same network (another host of its /24), next session: 1st unknown later than -T" \
	ip=192.0.2.99 "list=<mem-a4@example.com>=reject/0.2/2.5"
# score 3 (3 unknowns, a second ago, half-life 1800 s): the 1st unknown of
# the new session is the 4th of the network, -T x 2^3
log_delay mem-a4@example.com 0.8 0.9 "network score 3: 1st unknown of a new session waits -T x 2^3"
session "network 203.0.113.0/24 probes once" ip=203.0.113.21 \
	"list=<mem-b1@example.com>=reject/0.1/0.6"
session "that network's next session: 1st unknown later than -T (score 1)" ip=203.0.113.21 \
	"list=<mem-b2@example.com>=reject/0.2/1.0"
log_delay mem-b2@example.com 0.2 0.3 "network score 1: 1st unknown of a new session waits -T x 2"
session "a clean network (198.51.100.0/24) is unaffected: -T" ip=198.51.100.21 \
	"list=<mem-c1@example.com>=reject/0.1/0.6"
log_delay mem-c1@example.com 0.1 0.2 "clean network"
mt_expect_rcpt mem-a1@example.com "probing network: net=192.0.2.0/24 score=1.00" \
	client=192.0.2.21 net=192.0.2.0/24 score=1.00
mt_expect_rcpt mem-a4@example.com "next session, other host: same net=192.0.2.0/24, score= above 3" \
	client=192.0.2.99 net=192.0.2.0/24 score=...
line=$(mt_rcpt_line mem-a4@example.com)
sc=$(mt_log_field "$line" score)
mt_check "log: <mem-a4@example.com> score=$sc carries the 3 earlier unknowns (> 3.5)" mt_cmp "${sc:-0}" ">" 3.5
mt_expect_rcpt mem-c1@example.com "clean network: net=198.51.100.0/24 score=1.00" \
	client=198.51.100.21 net=198.51.100.0/24 score=1.00
dstop

# =====================================================================
mt_say "== 3. harvest threshold: -T 0.1 --harvest-score 5"
dstart -T 0.1 --harvest-score 5
b0=$(searches bob@example.com)
session "4 unknowns rejected, the 5th answered with a reply code" ip=192.0.2.31 \
	"list=<hv1@example.com>=reject/0.1/0.6 <hv2@example.com>=reject/0.1/0.6 <hv3@example.com>=reject/0.1/0.6 <hv4@example.com>=reject/0.1/0.6 <hv5@example.com>=reject//0.6"
mt_expect_rcpt hv4@example.com "4th unknown: 550 unknown" action=reject code=550 reason=unknown
mt_expect_rcpt hv5@example.com "5th unknown: 421 harvest, with client and score" \
	action=disconnect code=421 reason=harvest client=192.0.2.31 net=192.0.2.31/32 score=...
mt_say "#   5th unknown was logged as: $(mt_rcpt_line hv5@example.com | sed 's/.* rcpt=//')"
session "the network's next session: its first RCPT (a valid address) answered at once with a reply code" \
	ip=192.0.2.31 "list=<bob@example.com>=reject//0.5"
mt_expect_rcpt bob@example.com "next session, valid address: 421 harvest" \
	action=disconnect code=421 reason=harvest client=192.0.2.31
no_search bob@example.com "$b0" "harvesting network's next session"
session "another network is unaffected: valid address accepted at once" ip=198.51.100.31 \
	"list=<bob@example.com>=continue//0.5 <hv6@example.com>=reject/0.1/0.6"
mt_check "slapd: bob@example.com looked up for the other network" [ "$(searches bob@example.com)" -gt "$b0" ]
dstop

# =====================================================================
mt_say "== 4. timing oracle closed: -T 1 --suspect-score 3"
dstart -T 1 --suspect-score 3
session "3 unknowns, then a valid recipient in the same session: delayed too" ip=192.0.2.41 \
	"list=<sus1@example.com>=reject/1/2 <sus2@example.com>=reject/1/2 <sus3@example.com>=reject/1/2 <alice@example.com>=continue/1/2"
session "the suspect network's next session: a valid recipient delayed ~1 s" ip=192.0.2.41 \
	"list=<robert@example.com>=continue/1/2"
session "a clean network: the same valid recipient at once" ip=198.51.100.41 \
	"list=<robert@example.com>=continue//0.5"
session "authenticated session from the suspect network: never delayed" ip=192.0.2.41 \
	auth=alice@example.com "list=<star@example.com>=continue//0.5 <sus4@example.com>=reject//0.5"
mt_expect_rcpt alice@example.com "suspect, same session: valid accepted (250 exists) after the delay" \
	action=accept code=250 reason=exists client=192.0.2.41
log_delay alice@example.com 1 1.5 "valid, suspect network, same session"
line=$(mt_log_line "rcpt=<robert@example.com>" client=192.0.2.41 | head -n 1)
d=$(mt_log_field "$line" delay)
mt_check "log: <robert@example.com> from the suspect network, next session: delay=${d:-none} >= 1 (line: ${line:-none})" \
	mt_cmp "${d:-0}" ">=" 1
line=$(mt_log_line "rcpt=<robert@example.com>" client=198.51.100.41 | head -n 1)
d=$(mt_log_field "$line" delay)
mt_check "log: <robert@example.com> from a clean network: delay=${d:-none} < 0.1" mt_cmp "${d:-9}" "<" 0.1
mt_expect_rcpt sus4@example.com "authenticated: 550 unknown at once" \
	action=reject code=550 reason=unknown auth=alice@example.com delay=0.000
mt_expect_rcpt star@example.com "authenticated: valid, no delay" \
	action=accept auth=alice@example.com delay=0.000
dstop

# =====================================================================
mt_say "== 5a. per-network cap: -T 3 --max-sleepers-per-net 2"
dstart -T 3 --max-sleepers-per-net 2
bg "$MT_TMP/cap1.out" ip=192.0.2.51 "list=<cap1@example.com>=reject/3/4.5" label=sleeper-1
p1=$BG_PID
bg "$MT_TMP/cap2.out" ip=192.0.2.51 "list=<cap2@example.com>=reject/3/4.5" label=sleeper-2
p2=$BG_PID
mt_wait_for 3 asleep_both cap1@example.com cap2@example.com || mt_fail "the two sleepers were not looked up within 3 s"
sleep 0.3
a0=$(searches alice@example.com)
session "3rd session of the network, unknown recipient: an immediate reply code" \
	ip=192.0.2.51 "list=<cap3@example.com>=tempfail//0.5"
session "4th session of the network, valid recipient: the same immediate reply code" \
	ip=192.0.2.51 "list=<alice@example.com>=tempfail//0.5"
bg "$MT_TMP/cap4.out" ip=198.51.100.51 "list=<cap4@example.com>=reject/3/4.5" label=other-network
p3=$BG_PID
mt_expect_rcpt cap3@example.com "per-net cap, unknown: 421 tarpit-full" \
	action=disconnect code=421 reason=tarpit-full client=192.0.2.51
mt_expect_rcpt alice@example.com "per-net cap, valid: 421 tarpit-full (the same answer)" \
	action=disconnect code=421 reason=tarpit-full client=192.0.2.51
no_search cap3@example.com 0 "past the per-net cap"
no_search alice@example.com "$a0" "past the per-net cap"
bg_check "$p1" "$MT_TMP/cap1.out" "sleeper 1: 550 after the full delay"
bg_check "$p2" "$MT_TMP/cap2.out" "sleeper 2: 550 after the full delay"
bg_check "$p3" "$MT_TMP/cap4.out" "another network still tarpits (550 after 3 s) while the first one is capped"
mt_expect_rcpt cap4@example.com "other network: 550 unknown" action=reject code=550 reason=unknown client=198.51.100.51
dstop

mt_say "== 5b. --cap-reply 451: -T 2 --max-sleepers-per-net 2 --cap-reply 451"
dstart -T 2 --max-sleepers-per-net 2 --cap-reply 451
bg "$MT_TMP/cap5.out" ip=192.0.2.52 "list=<cap5@example.com>=reject/2/3.5" label=sleeper-1
p1=$BG_PID
bg "$MT_TMP/cap6.out" ip=192.0.2.52 "list=<cap6@example.com>=reject/2/3.5" label=sleeper-2
p2=$BG_PID
mt_wait_for 3 asleep_both cap5@example.com cap6@example.com || mt_fail "the two sleepers were not looked up within 3 s"
sleep 0.3
session "3rd session, unknown: immediate reply code" ip=192.0.2.52 "list=<cap7@example.com>=tempfail//0.5"
session "4th session, valid: immediate reply code" ip=192.0.2.52 "list=<bob@example.com>=tempfail//0.5"
mt_expect_rcpt cap7@example.com "cap-reply 451, unknown: 451 tarpit-full" \
	action=tempfail code=451 reason=tarpit-full client=192.0.2.52
mt_expect_rcpt bob@example.com "cap-reply 451, valid: 451 tarpit-full" \
	action=tempfail code=451 reason=tarpit-full client=192.0.2.52
bg_check "$p1" "$MT_TMP/cap5.out" "sleeper 1: 550 after the delay"
bg_check "$p2" "$MT_TMP/cap6.out" "sleeper 2: 550 after the delay"
dstop

mt_say "== 5c. total cap across networks: -T 3 --max-sleepers 2 --suspect-score 1"
dstart -T 3 --max-sleepers 2 --suspect-score 1
session "203.0.113.53 delivers a message to a valid recipient: a good record" \
	ip=203.0.113.53 "list=<alice@example.com>=continue//0.5" eom=1
bg "$MT_TMP/cap8.out" ip=192.0.2.53 "list=<cap8@example.com>=reject/3/4.5" label=sleeper-net-1
p1=$BG_PID
bg "$MT_TMP/cap9.out" ip=198.51.100.53 "list=<cap9@example.com>=reject/3/4.5" label=sleeper-net-2
p2=$BG_PID
mt_wait_for 3 asleep_both cap8@example.com cap9@example.com || mt_fail "the two sleepers were not looked up within 3 s"
sleep 0.3
# The sleepers' networks have a score now (suspect from 1): whatever they
# send gets the cap's answer, before any lookup, so it tells nothing.
s0=$(searches star@example.com)
session "a sleeping network, valid: immediate reply code" ip=192.0.2.53 "list=<star@example.com>=tempfail//0.5"
mt_expect_rcpt star@example.com "total cap, suspect network, valid: 421 tarpit-full" \
	action=disconnect code=421 reason=tarpit-full client=192.0.2.53
no_search star@example.com "$s0" "suspect network past the total cap"
# A full tarpit: every client that is not known-good gets the cap's one
# answer at once, valid recipient or unknown alike, and nothing is looked
# up: "at once" must not mean "valid" while a harvester fills the tarpit.
s0=$(searches alice@example.com)
session "a clean new network, valid: the cap's answer at once" ip=2001:db8:53::1 "list=<alice@example.com>=tempfail//0.5"
session "a clean new network, unknown: the same answer at once" ip=2001:db8:53::1 "list=<cap10@example.com>=tempfail//0.5"
mt_expect_rcpt alice@example.com "total cap, new network, valid: 421 tarpit-full" \
	action=disconnect code=421 reason=tarpit-full client=2001:db8:53::1 delay=0.000
mt_expect_rcpt cap10@example.com "total cap, new network, unknown: the same 421 tarpit-full" \
	action=disconnect code=421 reason=tarpit-full client=2001:db8:53::1 delay=0.000
no_search alice@example.com "$s0" "new network past the total cap"
# A known-good network (it delivered a message before the tarpit filled)
# is not shut out: its valid recipient at once, its unknown 550 at once.
session "known-good network, valid: accepted at once" ip=203.0.113.53 "list=<bob@example.com>=continue//0.5"
session "known-good network, unknown: 550 at once" ip=203.0.113.53 "list=<cap11@example.com>=reject//0.5"
mt_expect_rcpt bob@example.com "total cap, known-good network, valid: 250 exists, good=yes" \
	action=accept code=250 reason=exists client=203.0.113.53 delay=0.000 good=yes
mt_expect_rcpt cap11@example.com "total cap, known-good network, unknown: 550 unknown-busy, no delay" \
	action=reject code=550 reason=unknown-busy client=203.0.113.53 delay=0.000 good=yes
bg_check "$p1" "$MT_TMP/cap8.out" "sleeper of network 1: 550 after the delay"
bg_check "$p2" "$MT_TMP/cap9.out" "sleeper of network 2: 550 after the delay"
dstop

# =====================================================================
mt_say "== 5d. the wide network: -T 0.3 --suspect-score 3 --harvest-score 6 (--ipv4-wide-prefix 24, --wide-weight 0.5)"
dstart -T 0.3 --suspect-score 3 --harvest-score 6
# One unknown from each of six addresses of 192.0.2.0/24: no address is
# suspect by itself (1 < 3), the /24 is (0.5 x 6, a little decayed, rounds
# to 3).
for i in 61 62 63 64 65 66; do
	session "192.0.2.$i: one unknown, 550 after -T" ip=192.0.2.$i "list=<wide$i@example.com>=reject/0.3/1"
done
mt_expect_rcpt wide66@example.com "6th address: net=/32 score=1.00, wide=192.0.2.0/24 wide_score=6.00" \
	client=192.0.2.66 net=192.0.2.66/32 score=1.00 wide=192.0.2.0/24 wide_score=6.00
session "a fresh address of that /24: valid recipient delayed like an unknown" ip=192.0.2.60 \
	"list=<alice@example.com>=continue/0.3/1.5"
log_delay alice@example.com 0.3 0.4 "fresh address of a suspect /24"
session "an address of another /24: the same valid recipient at once" ip=198.51.100.66 \
	"list=<bob@example.com>=continue//0.3"
log_delay bob@example.com 0 0.05 "another /24"
for i in 67 68 69 70; do
	session "192.0.2.$i: one unknown" ip=192.0.2.$i "list=<wide$i@example.com>=reject/0.3/1"
done
# wide just under 10: 0.5 x that rounds to 5, and this unknown makes 6,
# the harvest score.
session "192.0.2.71: its first unknown reaches the /24's harvest score" ip=192.0.2.71 \
	"list=<wide71@example.com>=reject//0.5"
mt_expect_rcpt wide71@example.com "the /24 at its harvest score: 421 harvest for a first unknown" \
	action=disconnect code=421 reason=harvest client=192.0.2.71 wide=192.0.2.0/24
session "192.0.2.72: the same" ip=192.0.2.72 "list=<wide72@example.com>=reject//0.5"
s0=$(searches star@example.com)
session "192.0.2.73, never seen: 421 before any lookup" ip=192.0.2.73 "list=<star@example.com>=reject//0.5"
mt_expect_rcpt star@example.com "fresh address of a harvesting /24: 421 harvest" \
	action=disconnect code=421 reason=harvest client=192.0.2.73
no_search star@example.com "$s0" "harvesting /24"
dstop
mt_say "== 5e. the harvest score reached while sessions sleep: -T 2 --suspect-score 3 --harvest-score 3"
dstart -T 2 --suspect-score 3 --harvest-score 3
bg "$MT_TMP/aw1.out" ip=192.0.2.91 "list=<aw1@example.com>=reject/2/3.5" label=sleeper-1
p1=$BG_PID
bg "$MT_TMP/aw2.out" ip=192.0.2.91 "list=<aw2@example.com>=reject/2/3.5" label=sleeper-2
p2=$BG_PID
mt_wait_for 3 asleep_both aw1@example.com aw2@example.com || mt_fail "the two sleepers were not looked up within 3 s"
sleep 0.2
session "a 3rd session of the network: its unknown reaches the harvest score" ip=192.0.2.91 \
	"list=<aw3@example.com>=reject//0.5"
mt_expect_rcpt aw3@example.com "3rd unknown: 421 harvest at once" action=disconnect code=421 reason=harvest
bg_check "$p1" "$MT_TMP/aw1.out" "sleeper 1: a reply code after the full delay"
bg_check "$p2" "$MT_TMP/aw2.out" "sleeper 2: a reply code after the full delay"
mt_expect_rcpt aw1@example.com "sleeper 1 wakes to 421 harvest, not its 550" \
	action=disconnect code=421 reason=harvest client=192.0.2.91
mt_expect_rcpt aw2@example.com "sleeper 2 the same" action=disconnect code=421 reason=harvest
log_delay aw1@example.com 2 2.1 "the 421 came after the sleep"
dstop

mt_say "== 5f. --wide-weight 0: each address on its own"
dstart -T 0.3 --suspect-score 3 --harvest-score 6 --wide-weight 0
for i in 61 62 63 64 65 66; do
	session "192.0.2.$i: one unknown" ip=192.0.2.$i "list=<nowide$i@example.com>=reject/0.3/1"
done
session "a fresh address of that /24: valid recipient at once" ip=192.0.2.60 "list=<robert@example.com>=continue//0.3"
line=$(mt_rcpt_line nowide66@example.com)
mt_check "log: --wide-weight 0: no wide= field (line: ${line:-none})" eval '[ -n "$line" ] && ! printf %s "$line" | grep -q " wide="'
dstop

# =====================================================================
TRUSTED=192.0.2.0/24,2001:db8:1::/48
mt_say "== 6a. trusted networks: -T 1 --trusted-networks $TRUSTED"
dstart -T 1 --trusted-networks "$TRUSTED"
bg "$MT_TMP/ex1.out" ip=198.51.100.5 "list=<ex-c1@example.com>=reject/1/2" label=untrusted
p1=$BG_PID
bg "$MT_TMP/ex2.out" ip=2001:db8:2::5 "list=<ex-c2@example.com>=reject/1/2" label="untrusted IPv6"
p2=$BG_PID
session "trusted IPv4 client: unknown rejected at once, valid accepted" ip=192.0.2.5 \
	"list=<ex1@example.com>=reject//0.5 <alice@example.com>=continue//0.5"
session "trusted IPv6 client: unknown rejected at once" ip=2001:db8:1::5 \
	"list=<ex2@example.com>=reject//0.5"
bg_check "$p1" "$MT_TMP/ex1.out" "untrusted IPv4 client: tarpitted"
bg_check "$p2" "$MT_TMP/ex2.out" "untrusted IPv6 client (outside the /48): tarpitted"
mt_expect_rcpt ex1@example.com "trusted IPv4: 550 unknown, delay=0.000" \
	action=reject code=550 reason=unknown client=192.0.2.5 delay=0.000
mt_expect_rcpt ex2@example.com "trusted IPv6: 550 unknown, delay=0.000" \
	action=reject code=550 reason=unknown client=2001:db8:1::5 delay=0.000
mt_check "slapd: the trusted IPv4 client's recipient was looked up" [ "$(searches ex1@example.com)" -eq 1 ]
mt_check "slapd: the trusted IPv6 client's recipient was looked up" [ "$(searches ex2@example.com)" -eq 1 ]
dstop

mt_say "== 6b. --exempt-check no"
dstart -T 1 --trusted-networks "$TRUSTED" --exempt-check no
bg "$MT_TMP/ex3.out" ip=198.51.100.5 "list=<ex-c3@example.com>=reject/1/2" label=untrusted
p1=$BG_PID
session "trusted IPv4 client: unknown passes at once" ip=192.0.2.5 "list=<ex3@example.com>=continue//0.5"
session "trusted IPv6 client: unknown passes at once" ip=2001:db8:1::5 "list=<ex4@example.com>=continue//0.5"
session "authenticated client: unknown passes at once" ip=198.51.100.6 auth=alice@example.com \
	"list=<ex5@example.com>=continue//0.5"
bg_check "$p1" "$MT_TMP/ex3.out" "untrusted client: still tarpitted and rejected"
mt_expect_rcpt ex3@example.com "exempt IPv4: accept reason=exempt" action=accept reason=exempt client=192.0.2.5
mt_expect_rcpt ex4@example.com "exempt IPv6: accept reason=exempt" action=accept reason=exempt client=2001:db8:1::5
mt_expect_rcpt ex5@example.com "exempt authenticated: accept reason=exempt" action=accept reason=exempt auth=alice@example.com
no_search ex3@example.com 0 "trusted, --exempt-check no"
no_search ex4@example.com 0 "trusted IPv6, --exempt-check no"
no_search ex5@example.com 0 "authenticated, --exempt-check no"
dstop

# =====================================================================
mt_say "== 7. dry run: -T 1 --dry-run --suspect-score 2 --harvest-score 3"
dstart -T 1 --dry-run --suspect-score 2 --harvest-score 3
session "dry run: every RCPT continues at once" ip=192.0.2.71 \
	"list=<alice@example.com>=continue//0.5 <dry1@example.com>=continue//0.5 <dry2@example.com>=continue//0.5 <robert@example.com>=continue//0.5 <dry3@example.com>=continue//0.5 <dry4@example.com>=continue//0.5 <dry5@example.com>=continue//0.5 <star@example.com>=continue//0.5"
session "dry run: the network's next session continues at once" ip=192.0.2.71 \
	"list=<bob@example.com>=continue//0.5"
mt_expect_rcpt alice@example.com "dry run: valid recipient of a clean client: accept, dry_run=yes" \
	action=accept code=250 reason=exists delay=0.000 dry_run=yes would_delay=0.000 client=192.0.2.71 net=192.0.2.71/32
mt_expect_rcpt dry1@example.com "dry run: would reject 550 unknown after -T (would_delay=1.000), nothing slept" \
	action=reject code=550 reason=unknown delay=0.000 dry_run=yes would_delay=1.000 client=192.0.2.71 net=192.0.2.71/32
mt_expect_rcpt robert@example.com "dry run: valid recipient of a suspect client: accept, would_delay=1.000, nothing slept" \
	action=accept code=250 reason=exists delay=0.000 dry_run=yes would_delay=1.000
mt_expect_rcpt dry3@example.com "dry run: the 3rd unknown reaches the harvest score: would 421 harvest" \
	action=disconnect code=421 reason=harvest delay=0.000 dry_run=yes score=3.00
n421=$(mt_log_line dry_run=yes code=421 reason=harvest action=disconnect client=192.0.2.71 | grep -c ' rcpt=<dry')
mt_check "log: dry run: 421 harvest lines for the 3rd to 5th unknowns ($n421)" [ "$n421" -eq 3 ]
mt_expect_rcpt star@example.com "dry run: past the harvest score, a valid recipient: would 421 harvest (not looked up)" \
	action=disconnect code=421 reason=harvest dry_run=yes
mt_expect_rcpt bob@example.com "dry run: next session: would 421 harvest, dry_run=yes" \
	action=disconnect code=421 reason=harvest dry_run=yes
nodry=$(grep ' rcpt=' "$MT_MILTER_LOG" | grep -vc ' dry_run=yes')
mt_check "log: every decision line has dry_run=yes ($nodry without)" [ "$nodry" -eq 0 ]
dstop

# =====================================================================
mt_say "== 9. attack mode: -T 1 --attack-score 2.5 --greylist-time 1 --attack-budget 60"
dstart -T 1 --attack-score 2.5 --greylist-time 1 --attack-budget 60
session "203.0.113.90 delivers a message: a good record" \
	ip=203.0.113.90 "list=<alice@example.com>=continue//0.5" eom=1
# A botnet: every probe from a fresh address, each under no suspicion.
for i in 91 92 93; do
	session "198.51.100.$i: one unknown, 550 after -T" ip=198.51.100.$i "list=<bot$i@example.com>=reject/1/2"
done
# From here, a new client learns nothing: one 451 at once for a valid
# recipient and an unknown one alike.
session "attack mode, new client, valid: 451 at once" ip=198.51.100.94 "list=<bob@example.com>=tempfail//0.5"
session "attack mode, new client, unknown: the same 451 at once" ip=198.51.100.95 "list=<bot95@example.com>=tempfail//0.5"
mt_expect_log "attack mode on, with its figures" attack mode on: trigger=unknown-rate threshold=2.5
mt_expect_rcpt bob@example.com "attack mode, new client, valid: 451 4.7.1 attack" \
	action=tempfail code=451 reason=attack client=198.51.100.94 delay=0.000 attack=yes
mt_expect_rcpt bot95@example.com "attack mode, new client, unknown: the same 451 4.7.1 attack" \
	action=tempfail code=451 reason=attack client=198.51.100.95 delay=0.000 attack=yes
# The known-good network keeps today's answers.
session "attack mode, known-good client, valid: at once" ip=203.0.113.90 "list=<robert@example.com>=continue//0.5"
session "attack mode, known-good client, unknown: 550 after -T" ip=203.0.113.90 "list=<good91@example.com>=reject/1/2"
mt_expect_rcpt robert@example.com "attack mode, known-good client: 250 exists, good=yes" \
	action=accept code=250 reason=exists client=203.0.113.90 good=yes
mt_expect_rcpt good91@example.com "attack mode, known-good client, unknown: 550 unknown" \
	action=reject code=550 reason=unknown client=203.0.113.90 good=yes
# A real MTA retries: the same client, sender and recipient after
# --greylist-time gets the usual answer, within the budget.
sleep 1.2
session "attack mode, the new client retries: accepted" ip=198.51.100.94 "list=<bob@example.com>=continue//0.5"
mt_expect_log "the retry let through: 250 exists, passed=yes" "rcpt=<bob@example.com>" \
	action=accept code=250 reason=exists client=198.51.100.94 passed=yes
dstop

mt_say "== 9b. attack mode in a dry run: logged, nothing refused (--dry-run --attack-score 2.5)"
dstart -T 0.3 --dry-run --attack-score 2.5
for i in 81 82 83; do
	session "198.51.100.$i: one unknown, answered as ever in a dry run" ip=198.51.100.$i "list=<dry$i@example.com>=continue//0.5"
done
session "dry run, attack mode, new client, valid: continues" ip=198.51.100.84 "list=<bob@example.com>=continue//0.5"
mt_expect_log "dry run: attack mode on is logged, dry_run=yes" attack mode on: dry_run=yes
mt_expect_rcpt bob@example.com "dry run: the 451 attack it would give, dry_run=yes" \
	action=tempfail code=451 reason=attack client=198.51.100.84 attack=yes dry_run=yes
dstop

# =====================================================================
mt_say "== 10. trap addresses: -T 0.3 --suspect-score 5 --trap-file"
printf '# never existed\ntrap1@example.com\n' >"$MT_TMP/traps"
dstart -T 0.3 --suspect-score 5 --attack-score 0 --trap-file "$MT_TMP/traps"
s0=$(searches trap1@example.com)
session "a trap: 550 after -T, like any unknown" ip=192.0.2.77 "list=<trap1@example.com>=reject/0.3/1"
mt_expect_rcpt trap1@example.com "trap: 550 unknown, trap=yes, score at --suspect-score" \
	action=reject code=550 reason=unknown client=192.0.2.77 trap=yes score=5.00
no_search trap1@example.com "$s0" "a trap is never looked up"
session "after one trap probe the client is suspect: a valid recipient delayed" \
	ip=192.0.2.77 "list=<alice@example.com>=continue/0.3/1"
dstop

# =====================================================================
mt_say "== 11. --state-file: scores and good records survive a restart"
STATE=$MT_TMP/state
dstart -T 0.2 --attack-score 0 --state-file "$STATE"
session "192.0.2.88: two unknowns" ip=192.0.2.88 "list=<st1@example.com>=reject/0.2/1 <st2@example.com>=reject/0.2/1"
session "203.0.113.88 delivers a message" ip=203.0.113.88 "list=<alice@example.com>=continue//0.5" eom=1
mt_stop_milter
mt_check "the state file keeps 192.0.2.88's score" grep -q "^score 192.0.2.88/32 " "$STATE"
mt_check "the state file keeps 203.0.113.88's good record" grep -q "^good 203.0.113.88/32 " "$STATE"
mt_check "the state file is mode 0600" [ "$(stat -c %a "$STATE")" = 600 ]
dstart -T 0.2 --attack-score 0 --state-file "$STATE"
mt_expect_log "state read at start" state: read
session "after the restart, 192.0.2.88 is still known: its unknown is its 3rd" \
	ip=192.0.2.88 "list=<st3@example.com>=reject/0.2/1"
line=$(mt_rcpt_line st3@example.com)
sc=$(mt_log_field "$line" score)
mt_check "log: score=${sc:-none} after the restart is above 2.9 (line: ${line:-none})" mt_cmp "${sc:-0}" ">" 2.9
session "after the restart, 203.0.113.88 is still known-good" ip=203.0.113.88 "list=<bob@example.com>=continue//0.5"
mt_expect_rcpt bob@example.com "known-good after the restart: good=yes" action=accept client=203.0.113.88 good=yes
dstop

# =====================================================================
mt_say "== 8a. --require-auth-local-sender (--trusted-networks 192.0.2.0/24)"
dstart -T 0.5 --require-auth-local-sender --trusted-networks 192.0.2.0/24
session "anonymous, untrusted, local sender: MAIL rejected at once" ip=198.51.100.81 \
	from="<alice@example.com>" mailwant=reject mailmax=0.5
session "authenticated, local sender: MAIL and RCPT continue" ip=198.51.100.81 \
	auth=alice@example.com from="<alice@example.com>" mailwant=continue mailmax=0.5 \
	"list=<bob@example.com>=continue//0.5"
session "anonymous, foreign sender: MAIL continues" ip=198.51.100.81 \
	from="<someone@elsewhere.org>" mailwant=continue mailmax=0.5
session "anonymous, trusted network, local sender: MAIL continues" ip=192.0.2.81 \
	from="<alice@example.com>" mailwant=continue mailmax=0.5
mt_expect_log "anonymous local sender: 550 sender-needs-auth, rcpt=-" \
	"from=<alice@example.com>" rcpt=- action=reject code=550 reason=sender-needs-auth \
	client=198.51.100.81 auth=-
n=$(mt_log_line reason=sender-needs-auth | wc -l)
mt_check "log: exactly one sender-needs-auth line (got $n)" [ "$n" -eq 1 ]
dstop

mt_say "== 8b. --reject-unknown-sender -T 0.5"
dstart -T 0.5 --reject-unknown-sender
session "anonymous, unknown local sender: MAIL rejected after the delay" ip=198.51.100.82 \
	from="<nobody-snd@example.com>" mailwant=reject mailmin=0.5 mailmax=1.5
session "anonymous, known local sender: MAIL and RCPT continue" ip=198.51.100.83 \
	from="<alice@example.com>" mailwant=continue mailmax=0.5 "list=<bob@example.com>=continue//0.5"
mt_expect_log "unknown sender: 550 sender-unknown, rcpt=-" "from=<nobody-snd@example.com>" \
	rcpt=- action=reject code=550 reason=sender-unknown client=198.51.100.82
line=$(mt_log_line "from=<nobody-snd@example.com>" rcpt=- | head -n 1)
d=$(mt_log_field "$line" delay)
mt_check "log: unknown sender delay=${d:-none} >= 0.5" mt_cmp "${d:-0}" ">=" 0.5
mt_stop_slapd
session "slapd down, unknown local sender: MAIL tempfailed" ip=198.51.100.84 \
	from="<nobody-down@example.com>" mailwant=tempfail mailmax=3
mt_expect_log "slapd down: 451 for the sender" "from=<nobody-down@example.com>" rcpt=- \
	action=tempfail code=451 client=198.51.100.84
bad=$(mt_log_line "from=<nobody-down@example.com>" | grep -E ' code=5[0-9][0-9] ')
mt_check "log: slapd down: no 5xx for the sender${bad:+ (got: $bad)}" [ -z "$bad" ]
dstop

check_exits
mt_finish
