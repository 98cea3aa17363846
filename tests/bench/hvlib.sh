# shellcheck shell=bash disable=SC2034 # variables set here are read by the scripts
# tests/bench/hvlib.sh - helpers for the harvest simulator's scripts
# (scenario2.sh, scenario4.sh, scenario5.sh, scenario6.sh, scenario7.sh,
# tests/integration/t-bench-harvest.sh), on top of
# tests/integration/lib.sh, which must be sourced first:
#
#     . "$MT_SRCDIR/tests/integration/lib.sh"
#     . "$MT_SRCDIR/tests/bench/hvlib.sh"
#
#   hv_ldif_list LIST        LDIF, on stdout, of the valid addresses of a
#                            harvest candidate list ("valid ADDR" lines)
#   hv_ldif_addrs            the same for addresses on stdin, one a line
#   hv_slapd_add LDIF [nostats]
#                            add entries to the running slapd: stop it,
#                            grow its database, slapadd, restart (with
#                            nostats, without its log of every search)
#   hv_postfix NAME MILTER [NAME=VALUE...]
#                            one more private Postfix instance, in
#                            $MT_TMP/NAME, main.cf as lib.sh writes it, then
#                            the NAME=VALUE settings (SERVICE/TYPE=ENTRY
#                            ones go to master.cf); smtpd's port in
#                            HV_PORT; stopped at exit (hv_init's trap)
#   hv_postfix_stop NAME     stop it
#   hv_postfix_ipv6 NAME     instance NAME also listens on [::1]:HV_PORT
#   hv_sender_mta NAME PORT BIND
#                            instance NAME as a sending MTA: everything to
#                            [127.0.0.1]:PORT from address BIND, short
#                            retry times; its smtpd port in HV_PORT
#   hv_submit PORT ID TO     one message into an instance (swaks), its
#                            Message-ID <ID@bench.invalid>
#   hv_deliveries SNDLOG RCVLOG PREFIX
#                            of the messages whose Message-ID starts with
#                            PREFIX: submitted, delivered (the receiving
#                            side logged them sent), deferrals, the
#                            largest delay, every delay (s)
#   hv_callout SERVER FROM OUT
#                            a sender-verify callout: MAIL FROM:<>, RCPT
#                            TO:<alice@example.com>, QUIT; "CODE SECS"
#   hv_netns_add NAME        a network namespace for IPv6 attackers (lo
#                            up, 2001:db8::/32 local, non-local binds),
#                            its processes ended and it removed at exit
#   hv_has_ldap_table        Postfix has ldap: tables (postfix-ldap)
#   hv_ldap_cf FILE          a Postfix ldap: table for (mail=%s) on the
#                            current slapd
#   hv_warm PORT             sessions until Postfix answers at once
#   hv_kv FILE KEY           value of KEY= on the last "summary" line
#   hv_median N...           the median of the numbers
#   hv_baseline CONFIG       the harvest scenarios' legitimate sender alone
#                            (and the scenario's baseline_extra CONFIG, if
#                            it has one, meanwhile)
#   hv_attack CONFIG SOURCE STRATEGY
#                            one attack run, again if a daemon died
#                            (the scenario defines start_config,
#                            stop_config, clean_probe and attack_once)
# Nothing here is specific to one scenario; no figure is asserted.

HV_HARVEST=${MT_BUILDDIR:-.}/tests/bench/harvest
HV_INSTANCES=

# hv_ldif_addrs: an inetOrgPerson entry for each address on stdin.
hv_ldif_addrs() {
	awk '{
		a = $1; u = a; sub(/@.*/, "", u)
		printf "dn: uid=%s,ou=people,dc=example,dc=com\n", u
		printf "objectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: bench\n", u, u
		printf "mail: %s\n\n", a
	}'
}

hv_ldif_list() { awk '$1 == "valid" { print $2 }' "$1" | hv_ldif_addrs; }

# hv_slapd_add LDIF [nostats]: slapd must be running (mt_start_slapd);
# afterwards it runs again on the same port with the entries added.  With
# nostats it logs nothing (a log line per search is part of the cost of
# every lookup), and mt_slapd_searches counts nothing.
hv_slapd_add() {
	local d t0
	d=$(mt_slapd_dir)
	mt_stop_slapd
	t0=$(mt_now)
	# lib.sh's 10 MB map is too small for tens of thousands of entries
	sed -i 's/^maxsize .*/maxsize 1073741824/' "$d/slapd.conf"
	slapadd -q -f "$d/slapd.conf" -l "$1" >"$d/slapadd-bench.log" 2>&1 ||
		{ cat "$d/slapadd-bench.log"; mt_fatal "slapadd of $1 failed"; }
	mt_say "slapadd: $(grep -c '^dn: ' "$1") entries in $(mt_elapsed "$t0") s"
	if [ "${2:-}" != nostats ]; then
		mt_start_slapd
		return
	fi
	slapd -d 0 -f "$d/slapd.conf" -h "$MT_LDAP_URI/ $MT_LDAPI_URI" \
		>>"$d/slapd.log" 2>&1 &
	MT_SLAPD_PID=$!
	mt_wait_alive "$MT_SLAPD_PID" 15 mt_slapd_answers ||
		mt_fatal "slapd did not come back after slapadd"
	mt_say "slapd up (no stats log): pid $MT_SLAPD_PID $MT_LDAP_URI"
}

# hv_has_ldap_table: postconf -m lists ldap; with an empty main.cf of its
# own, as a machine whose Postfix was installed "No configuration" has no
# /etc/postfix/main.cf, and postconf -m dies without one.
hv_has_ldap_table() {
	local d rc
	d=$(mktemp -d) || return 1
	: >"$d/main.cf"
	postconf -c "$d" -m 2>/dev/null | grep -qx ldap
	rc=$?
	rm -rf "$d"
	return "$rc"
}

# hv_ldap_cf FILE: Postfix ldap: table with the daemon's own query.
hv_ldap_cf() {
	cat >"$1" <<-EOF
		server_host = $MT_LDAP_URI
		version = 3
		search_base = dc=example,dc=com
		scope = sub
		query_filter = (mail=%s)
		result_attribute = mail
		timeout = 5
	EOF
}

# hv_postfix NAME MILTER [NAME=VALUE...]: lib.sh's private Postfix in
# $MT_TMP/NAME (mt_start_postfix runs with MT_TMP pointing there), then
# postconf -e of the settings and a reload before the first client: no
# smtpd runs yet, so none can serve a connection with the old settings.
# Sets HV_PORT (smtpd's port), HV_CONF (its config dir) and MT_MAILLOG.
hv_postfix() {
	local name=$1 milter=$2 pid
	shift 2
	mkdir -p "$HV_TMP/$name"
	chmod 755 "$HV_TMP/$name"
	MT_TMP=$HV_TMP/$name
	mt_start_postfix "$milter"
	MT_TMP=$HV_TMP
	HV_INSTANCES="$HV_INSTANCES $name"
	HV_PORT=$MT_SMTP_PORT
	HV_CONF=$MT_POSTFIX_CONF
	MT_POSTFIX_CONF=
	local a main=() master=()
	for a in "$@"; do
		case ${a%%=*} in */*) master+=("$a") ;; *) main+=("$a") ;; esac
	done
	if [ ${#main[@]} -gt 0 ]; then
		postconf -c "$HV_CONF" -e "${main[@]}" || mt_fatal "postconf -e ${main[*]} failed"
	fi
	if [ ${#master[@]} -gt 0 ]; then
		postconf -c "$HV_CONF" -M -e "${master[@]}" || mt_fatal "postconf -M -e ${master[*]} failed"
	fi
	pid=$(tr -d ' \n' <"$HV_TMP/$name/postfix/queue/pid/master.pid")
	kill -HUP "$pid" || mt_fatal "cannot signal the Postfix master ($pid)"
	mt_wait_for 5 grep -q 'reload -- version' "$MT_MAILLOG" ||
		mt_fatal "Postfix $name did not log its reload"
	hv_warm "$HV_PORT"
}

# hv_warm PORT: sessions to alice@example.com until one takes under 0.1 s
# (at most 20): for a second or two after a start or a reload, Postfix's
# master is slow to hand out the first connections, which is no part of
# what the benchmarks measure.
hv_warm() {
	local i out=$HV_TMP/warm.out
	for i in $(seq 20); do
		"$HV_HARVEST" -s clean -c 1 --count 1 -d 10 --from 127.0.0.1 \
			--to alice@example.com "127.0.0.1:$1" >"$out" 2>&1
		mt_cmp "$(hv_kv "$out" session_p50)" "<" 0.1 && [ "$(hv_kv "$out" ok)" = 1 ] &&
			return 0
		sleep 0.2
	done
	mt_say "warning: Postfix on port $1 still slow after 20 sessions"
}

# hv_postfix_ipv6 NAME: instance NAME (running, from hv_postfix, HV_PORT
# its port) listens on [::1]:HV_PORT too.  inet_protocols changes only
# with a stop and a start.
hv_postfix_ipv6() {
	local dir=$HV_TMP/$1/postfix pid
	pid=$(tr -d ' \n' <"$dir/queue/pid/master.pid")
	postfix -c "$dir/etc" stop >/dev/null 2>&1
	# shellcheck disable=SC2016 # eval expands them, at each try
	mt_wait_for 10 eval '! hv_master_ours "$pid" "$dir/queue"' ||
		mt_fatal "Postfix $1 did not stop"
	if ! postconf -c "$dir/etc" -e inet_protocols=all ||
		! postconf -c "$dir/etc" -M -e "[::1]:$HV_PORT/inet=[::1]:$HV_PORT inet n - n - - smtpd"; then
		mt_fatal "postconf for [::1]:$HV_PORT failed"
	fi
	postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1 ||
		mt_fatal "Postfix $1 did not start again: $(tail -n 3 "$dir/start.log")"
	# shellcheck disable=SC2016 # eval expands it, at each try
	mt_wait_for 10 eval '[ -n "$(ss -Hltn "( sport = :$HV_PORT and src [::1] )")" ]' ||
		mt_fatal "Postfix $1 does not listen on [::1]:$HV_PORT"
	hv_warm "$HV_PORT"
}

# hv_sender_mta NAME PORT BIND: a private Postfix that relays everything
# to [127.0.0.1]:PORT from address BIND, as another site's MTA would, with
# retry times short enough for a benchmark run.  Its smtpd (HV_PORT) takes
# the messages to send; its log: $HV_TMP/NAME/postfix/maillog.
hv_sender_mta() {
	hv_postfix "$1" "" myhostname=sender.test.invalid \
		relay_transport=smtp default_transport=smtp \
		"relayhost=[127.0.0.1]:$2" "smtp_bind_address=$3" \
		queue_run_delay=5s minimal_backoff_time=5s maximal_backoff_time=20s \
		smtpd_peername_lookup=no smtp_tls_security_level=none \
		"smtp/unix=smtp unix - - n - - smtp"
}

# hv_submit PORT ID TO: one message into the instance on PORT.
hv_submit() {
	swaks --server "127.0.0.1:$1" --helo client.test.invalid --timeout 30 \
		--from "sender@sender.test.invalid" --to "$3" \
		--header "Message-Id: <$2@bench.invalid>" \
		--header "Subject: bench $2" >"$HV_TMP/submit-$2.log" 2>&1
}

# hv_deliveries SNDLOG RCVLOG PREFIX: tab-separated submitted, delivered,
# deferrals, largest delay and the delays (comma-separated) of the
# messages with Message-IDs <PREFIX...>: the sending Postfix's delay= of
# its "status=sent" (from its arrival there to the receiving side's
# "queued as"), counted as delivered where the receiving Postfix logged
# that queue ID sent.
hv_deliveries() {
	awk -v pre="$3" -v rcvlog="$2" '
	BEGIN {
		while ((getline l < rcvlog) > 0)
			if (l ~ /status=sent/ && match(l, /: [0-9A-Za-z]+: to=/))
				got[substr(l, RSTART + 2, RLENGTH - 7)] = 1
	}
	/ message-id=</ && index($0, "message-id=<" pre) {
		q = $6; sub(/:$/, "", q); mine[q] = 1; n++
	}
	/ to=</ { q = $6; sub(/:$/, "", q); if (!(q in mine)) next
		if (/status=deferred/) defer++
		if (!/status=sent/ || !match($0, /queued as [0-9A-Za-z]+/)) next
		r = substr($0, RSTART + 10, RLENGTH - 10)
		d = $0; sub(/.* delay=/, "", d); sub(/,.*/, "", d)
		if (!(r in got)) next
		ok++; if (d + 0 > max) max = d + 0
		ds = ds (ds == "" ? "" : ",") d
	}
	END { printf "%d\t%d\t%d\t%s\t%s\n", n, ok, defer,
		ok ? sprintf("%.2f", max) : "-", ds == "" ? "-" : ds }' "$1"
}

# hv_callout SERVER FROM OUT: what a sender-verify callout from FROM gets:
# "CODE SECS" (code 0: no answer within 60 s).
hv_callout() {
	"$HV_HARVEST" -s clean -c 1 --count 1 -d 70 --rcpt-timeout 60 \
		--from "$2" --sender '' --to alice@example.com "$1" >"$3" 2>&1
	echo "$(hv_kv "$3" last_code) $(hv_kv "$3" last_rcpt)"
}

# hv_netns_add NAME: network namespace NAME for an IPv6 botnet: lo up,
# all of 2001:db8::/32 local to it (documentation addresses: nothing
# leaves the namespace), binds to addresses nobody configured allowed.
# hv_cleanup ends its processes (ip netns pids) and removes it.
HV_NETNS=
hv_netns_add() {
	mt_require ip
	ip netns add "$1" || mt_fatal "ip netns add $1 failed"
	HV_NETNS=$1
	if ! ip netns exec "$1" ip link set lo up ||
		! ip netns exec "$1" ip -6 route add local 2001:db8::/32 dev lo ||
		! ip netns exec "$1" sysctl -qw net.ipv6.ip_nonlocal_bind=1; then
		mt_fatal "setting up network namespace $1 failed"
	fi
}

# hv_netns_del: end what still runs in HV_NETNS (ours: we made it), remove it.
hv_netns_del() {
	local pid
	[ -n "$HV_NETNS" ] || return 0
	for pid in $(ip netns pids "$HV_NETNS" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$HV_NETNS" 2>/dev/null
	HV_NETNS=
}

# hv_master_ours PID QUEUE: PID is still a Postfix master of ours (it works
# in its queue directory), not a process that got its PID since.
hv_master_ours() { [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$2" ]; }

# hv_postfix_stop NAME: stop instance NAME (postfix stop, then the master).
hv_postfix_stop() {
	local name=$1 dir=$HV_TMP/$1/postfix pid kid
	[ -d "$dir/etc" ] || return 0
	pid=$(tr -d ' \n' <"$dir/queue/pid/master.pid" 2>/dev/null)
	postfix -c "$dir/etc" stop >/dev/null 2>&1
	# shellcheck disable=SC2016 # eval expands them, at each try
	if [ -n "$pid" ] && ! mt_wait_for 5 eval '! hv_master_ours "$pid" "$dir/queue"'; then
		for kid in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
			kill -KILL "$kid" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	# shellcheck disable=SC2086 # a list of names
	HV_INSTANCES=$(printf '%s\n' $HV_INSTANCES | grep -vx -- "$name" | tr '\n' ' ')
}

# hv_cleanup: the EXIT trap: stop our instances, then lib.sh's cleanup.
hv_cleanup() {
	local rc=$? n
	[ -n "$HV_TMP" ] && MT_TMP=$HV_TMP
	for n in $HV_INSTANCES; do hv_postfix_stop "$n"; done
	hv_netns_del
	(exit "$rc")
	mt_cleanup
}

# hv_init: mt_init, with hv_cleanup as the EXIT trap.
HV_TMP=
hv_init() {
	mt_init
	HV_TMP=$MT_TMP
	trap hv_cleanup EXIT
}

# hv_kv FILE KEY: value of KEY= on the last line starting with "summary ".
hv_kv() {
	grep '^summary ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# hv_median N...: the median (the mean of the middle two for an even count).
hv_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan"; exit }
			if (NR % 2) print v[(NR + 1) / 2]
			else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# hv_baseline CONFIG: the legitimate sender alone (scenarios 4 and 5: they
# define start_config, stop_config, clean_probe, RAW, ROWS and BASE_SECS).
hv_baseline() {
	local out=$RAW/baseline-$1.txt
	start_config "$1"
	clean_probe "$BASE_SECS" "$out"
	if declare -F baseline_extra >/dev/null; then baseline_extra "$1"; fi
	wait "$CLEAN_PID"
	stop_config
	printf 'base\t%s\t-\t-\t%s\t%s\t%s\t%s\n' "$1" "$(hv_kv "$out" rcpt_p50)" \
		"$(hv_kv "$out" rcpt_p99)" "$(hv_kv "$out" session_p99)" "$(hv_kv "$out" bad)" >>"$ROWS"
	mt_say "baseline $1: clean RCPT p50 $(hv_kv "$out" rcpt_p50) s, p99 $(hv_kv "$out" rcpt_p99) s, $(hv_kv "$out" bad) not 250"
}

# hv_attack CONFIG SOURCE STRATEGY: attack_once, with the legitimate
# sender alongside; run again (twice at most) if a daemon died meanwhile:
# on a machine shared with other test suites, a stale PID of theirs killed
# at their exit can be one of ours by then (an attack's process churn
# recycles PIDs).  attack_once returns 1 and sets DIED_RC then.
hv_attack() {
	local try
	for try in 1 2 3; do
		attack_once "$@" && return 0
		mt_say "$1 from $2, $3: a daemon died during run $try (exit status $DIED_RC); not counted"
	done
}
