#!/bin/bash
# t-tls.sh - LDAP over TLS against a private slapd with a certificate from a
# private test CA (made here with openssl: CN and SAN 127.0.0.1, SAN
# localhost), listening on ldap:// (StartTLS) and ldaps://:
#   - ldaps:// with --tls-cacert CA: lookups work, over TLS;
#   - -ZZ (StartTLS required) on ldap:// with --tls-cacert: works, over TLS;
#   - --tls-cacertdir with a directory holding the CA: works;
#   - a wrong CA (an unrelated one) with ldaps:// or -ZZ: 451 for valid and
#     unknown recipients (never a 5xx, never an accept), no search reaches
#     slapd, and the log says that the certificate did not verify (README:
#     "a certificate that does not verify is a directory error (451) with a
#     log line that says so");
#   - -Z (StartTLS wanted, not required) with a wrong CA: no fall back to
#     plain text (that would hand lookups to whoever can intercept them):
#     451 and no search;
#   - -Z against a slapd without TLS: warning, then plain LDAP (as the manual
#     says); -ZZ there: 451;
#   - ldap.conf: --tls-cacert wins over its TLS_CACERT, and its TLS_CACERT
#     is used without --tls-cacert.
#   - slapd hung (SIGSTOP: TCP connects, nothing answers): over ldaps://,
#     StartTLS (-ZZ), ldap:// and ldapi://, -q ends within the LDAP timeout
#     + 1 s with exit 2 and a message that names the timeout (not the
#     certificate), and the daemon answers 451 4.3.0 within the timeout +
#     1.5 s, for a pooled connection and for a new one; after SIGCONT the
#     daemon accepts again.
# ldap.conf: lib.sh exports LDAPNOINIT=1, so the system's /etc/ldap/ldap.conf
# (and ~/.ldaprc) are not read by the daemon, except in the ldap.conf checks,
# which unset it and point LDAPCONF at a file of their own.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require miltertest ss openssl
mt_require_bin
mt_init

LTIMEOUT=2
A=alice@example.com
# shellcheck disable=SC2054 # the commas are part of the DN
COMMON=(-b dc=example,dc=com -d example.com -e + -T 1 -t "$LTIMEOUT" --no-cache)

mt_make_tls
MT_SLAPD_TLS=1 mt_start_slapd
# a second slapd, without any TLS configuration
mt_slapd_use 2
mt_start_slapd
PLAIN_URI=$MT_LDAP_URI
mt_slapd_use 1

# slapd_conn_of TEXT: slapd's conn=N that ran the (last) search whose filter
# contains TEXT
slapd_conn_of() {
	awk -v f="$1" '/ SRCH base=.* filter="/ && index($0, f) {
		for (i = 1; i <= NF; i++) if ($i ~ /^conn=/) c = $i } END { print c }' "$MT_SLAPD_LOG"
}

# over_tls TEXT HOW: the search for TEXT ran on a connection that slapd
# logged as "TLS established", and (HOW=ldaps) came in on the ldaps:// port or
# (HOW=starttls) did the StartTLS extended operation.
over_tls() {
	local c
	c=$(slapd_conn_of "$1")
	if [ -z "$c" ]; then
		mt_fail "slapd: no search for $1"
		return
	fi
	mt_check "slapd: the search for $1 ran on $c, over TLS" \
		grep -q " $c fd=[0-9]* TLS established" "$MT_SLAPD_LOG"
	if [ "$2" = ldaps ]; then
		mt_check "slapd: $c came in on the ldaps:// port $MT_LDAPS_PORT" \
			grep -q " $c fd=[0-9]* ACCEPT from IP=.*(IP=127.0.0.1:$MT_LDAPS_PORT)" "$MT_SLAPD_LOG"
	else
		mt_check "slapd: $c did StartTLS (EXT oid=1.3.6.1.4.1.1466.20037)" \
			grep -q " $c op=[0-9]* EXT oid=1.3.6.1.4.1.1466.20037" "$MT_SLAPD_LOG"
	fi
}

# works LABEL: a valid recipient continues, an unknown one is rejected.
works() {
	mt_check "$1: valid recipient accepted" \
		mt_rcpt continue "<alice+$1@example.com>" max=1 "label=$1"
	mt_check "$1: unknown recipient rejected" \
		mt_rcpt reject "<nobody-$1@example.com>" auth=$A max=1 "label=$1"
}

# refused LABEL: valid and unknown recipients get 451 within the timeout,
# never a 5xx or an accept, and slapd never got their searches (no plain-text
# fall-back).
refused() {
	local max
	max=$(awk -v a="$LTIMEOUT" 'BEGIN { print a + 1.5 }')
	mt_check "$1: valid recipient gets 451" \
		mt_rcpt tempfail "<bob+$1@example.com>" "max=$max" "label=$1"
	mt_check "$1: unknown recipient, anonymous, gets 451 (no tarpit)" \
		mt_rcpt tempfail "<nobody-$1@example.com>" "max=$max" "label=$1"
	mt_check "$1: unknown recipient, authenticated, gets 451" \
		mt_rcpt tempfail "<nobody-$1-auth@example.com>" auth=$A "max=$max" "label=$1"
	local bad
	bad=$(grep -E "rcpt=<(bob\+|nobody-)$1(-auth)?@example.com> " "$MT_MILTER_LOG" |
		grep -E ' code=5[0-9][0-9] | action=accept ')
	mt_check "$1: no 5xx and no accept for any of them" [ -z "$bad" ]
	mt_check "$1: no search for them reached slapd (no plain-text fall-back)" \
		[ -z "$(mt_slapd_filters | grep -E "(bob\+|nobody-)$1")" ]
}

# warning_line URI: the daemon's warning line about URI, printed.
warning_line() {
	grep -F "warning: " "$MT_MILTER_LOG" | grep -F "$1" | head -n 1
}

# says_cert LABEL URI: the daemon logged a warning naming URI that says the
# certificate did not verify.
says_cert() {
	local w
	w=$(warning_line "$2")
	mt_say "$1: the daemon's warning: ${w#*]: }"
	mt_check "$1: a warning line names $2" [ -n "$w" ]
	if printf '%s\n' "$w" | grep -Eqi 'certificate|verif|trust'; then
		mt_pass "$1: the warning says that the certificate did not verify"
	else
		mt_fail "$1: the warning does not say that the certificate did not verify (README promises a log line that says so): ${w#*]: }"
	fi
}

mt_say "== ldaps:// with --tls-cacert (the right CA)"
mt_start_milter -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_CA" "${COMMON[@]}"
works ldaps
mt_stop_milter_bg
over_tls "(mail=alice+ldaps@example.com)" ldaps
mt_check "ldaps: no warning logged" [ -z "$(grep -F 'warning:' "$MT_MILTER_LOG")" ]

mt_say "== -ZZ: StartTLS required, on ldap://, with --tls-cacert"
mt_start_milter -H "$MT_LDAP_URI" -ZZ --tls-cacert "$MT_TLS_CA" "${COMMON[@]}"
works starttls
mt_stop_milter_bg
over_tls "(mail=alice+starttls@example.com)" starttls
mt_check "starttls: no warning logged" [ -z "$(grep -F 'warning:' "$MT_MILTER_LOG")" ]

mt_say "== ldaps:// with --tls-cacertdir"
mkdir -p "$MT_TMP/cadir"
cp "$MT_TLS_CA" "$MT_TMP/cadir/"
mt_start_milter -H "$MT_LDAPS_URI" --tls-cacertdir "$MT_TMP/cadir" "${COMMON[@]}"
works cacertdir
mt_stop_milter_bg
over_tls "(mail=alice+cacertdir@example.com)" ldaps

mt_say "== ldaps:// with a wrong CA"
mt_start_milter -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_OTHER_CA" "${COMMON[@]}"
refused wrongca-ldaps
mt_stop_milter_bg
says_cert wrongca-ldaps "$MT_LDAPS_URI"
mt_expect_log "wrongca-ldaps: the 451 line says directory-error" \
	"rcpt=<bob+wrongca-ldaps@example.com>" action=tempfail code=451 reason=directory-error

mt_say "== -ZZ with a wrong CA"
mt_start_milter -H "$MT_LDAP_URI" -ZZ --tls-cacert "$MT_TLS_OTHER_CA" "${COMMON[@]}"
refused wrongca-zz
mt_stop_milter_bg
says_cert wrongca-zz "$MT_LDAP_URI"

mt_say "== -Z (once) with a wrong CA: no fall-back to plain text"
mt_start_milter -H "$MT_LDAP_URI" -Z --tls-cacert "$MT_TLS_OTHER_CA" "${COMMON[@]}"
refused wrongca-z
mt_stop_milter_bg
mt_say "wrongca-z: the daemon's warning: $(warning_line "$MT_LDAP_URI" | sed 's/.*]: //')"
mt_check "wrongca-z: the daemon did not say it went on without TLS" \
	[ -z "$(grep -F 'going on without' "$MT_MILTER_LOG")" ]

mt_say "== -Z against a slapd without TLS: plain LDAP, with a warning"
mt_start_milter -H "$PLAIN_URI" -Z "${COMMON[@]}"
works notls-z
mt_stop_milter_bg
w=$(grep -F 'StartTLS failed, going on without it' "$MT_MILTER_LOG" | head -n 1)
mt_say "notls-z: the daemon's warning: ${w#*]: }"
mt_check "notls-z: warning that StartTLS failed and the connection goes on without it" [ -n "$w" ]

mt_say "== -ZZ against a slapd without TLS: 451"
mt_start_milter -H "$PLAIN_URI" -ZZ "${COMMON[@]}"
mt_slapd_use 2
refused notls-zz
mt_slapd_use 1
mt_stop_milter_bg
mt_say "notls-zz: the daemon's warning: $(warning_line "$PLAIN_URI" | sed 's/.*]: //')"
# shellcheck disable=SC2016 # $1 and $2 are the inner bash's
mt_check "notls-zz: a warning line names $PLAIN_URI and StartTLS" \
	bash -c 'grep -F "warning: " "$1" | grep -F "$2" | grep -q StartTLS' _ "$MT_MILTER_LOG" "$PLAIN_URI"

# hung_query LABEL ARGS...: with slapd hung, "-q" of a valid recipient ends
# within the LDAP timeout + 1 s, with exit 2 (tempfail) and a message that
# names the timeout and does not blame the certificate.
hung_query() {
	local label=$1 rc t0 secs out=$MT_TMP/q-hung.out
	shift
	t0=$(mt_now)
	timeout -s KILL 20 env --default-signal "$MT_BIN" -q "alice+$label@example.com" \
		"$@" "${COMMON[@]}" </dev/null >"$out" 2>&1
	rc=$?
	secs=$(mt_elapsed "$t0")
	sed 's/^/    | /' "$out"
	mt_check "hung-$label: -q exit status 2 (got $rc)" [ "$rc" -eq 2 ]
	mt_check "hung-$label: -q over in ${secs}s (<= $LTIMEOUT + 1 s)" \
		mt_cmp "$secs" "<=" "$((LTIMEOUT + 1))"
	mt_check "hung-$label: -q replies 451 4.3.0" \
		grep -Eq '^reply: +451 4\.3\.0 ' "$out"
	mt_check "hung-$label: the rule line names a timeout" \
		grep -Eqi '^rule:.*(timed out|timeout)' "$out"
	mt_check "hung-$label: the rule line does not blame the certificate" \
		[ -z "$(grep -Ei '^rule:.*certificate' "$out")" ]
}

mt_say "== slapd hung (SIGSTOP): TCP connects, nothing answers"
# Two daemons started (and used once) before the hang: the first lookup then
# runs on a pooled connection, the second on a new one (TLS handshake).
mt_milter_use 2
mt_start_milter -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_CA" "${COMMON[@]}"
mt_check "hung-ldaps daemon: accepts before the hang" \
	mt_rcpt continue "<alice+pre-ldaps@example.com>" max=1 label=pre-ldaps
mt_milter_use 3
mt_start_milter -H "$MT_LDAP_URI" -ZZ --tls-cacert "$MT_TLS_CA" "${COMMON[@]}"
mt_check "hung-starttls daemon: accepts before the hang" \
	mt_rcpt continue "<alice+pre-starttls@example.com>" max=1 label=pre-starttls
kill -STOP "$MT_SLAPD_PID"
hung_query ldaps -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_CA"
hung_query starttls -H "$MT_LDAP_URI" -ZZ --tls-cacert "$MT_TLS_CA"
hung_query ldap -H "$MT_LDAP_URI"
hung_query ldapi -H "$MT_LDAPI_URI"
hmax=$(awk -v a="$LTIMEOUT" 'BEGIN { print a + 1.5 }')
for d in 2:ldaps 3:starttls; do
	mt_milter_use "${d%%:*}"
	l=${d#*:}
	mt_check "hung-$l daemon: 451 on the pooled connection within ${hmax}s" \
		mt_rcpt tempfail "<alice+hung1-$l@example.com>" "max=$hmax" "label=hung-$l"
	mt_check "hung-$l daemon: 451 on a new connection within ${hmax}s" \
		mt_rcpt tempfail "<alice+hung2-$l@example.com>" "max=$hmax" "label=hung-$l"
	mt_expect_log "hung-$l daemon: the 451 is a directory error" \
		"rcpt=<alice+hung2-$l@example.com>" action=tempfail code=451 reason=directory-error
done
kill -CONT "$MT_SLAPD_PID"
for d in 2:ldaps 3:starttls; do
	mt_milter_use "${d%%:*}"
	l=${d#*:}
	ok=false
	for attempt in 1 2 3; do
		if mt_rcpt continue "<alice+back$attempt-$l@example.com>" max=1.5 "label=back-$l"; then
			ok=true
			break
		fi
		sleep 1
	done
	mt_check "hung-$l daemon: accepts again after SIGCONT" $ok
	mt_stop_milter_bg
done
mt_milter_use 1

mt_say "== ldap.conf's TLS_CACERT (LDAPNOINIT unset, LDAPCONF set) and --tls-cacert"
mkdir -p "$MT_TMP/home"
printf 'TLS_CACERT %s\nTLS_REQCERT demand\n' "$MT_TLS_OTHER_CA" >"$MT_TMP/ldap-wrong.conf"
printf 'TLS_CACERT %s\nTLS_REQCERT demand\n' "$MT_TLS_CA" >"$MT_TMP/ldap-right.conf"
unset LDAPNOINIT
LDAPCONF=$MT_TMP/ldap-wrong.conf HOME=$MT_TMP/home \
	mt_start_milter -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_CA" "${COMMON[@]}"
works conf-overridden
mt_stop_milter_bg
LDAPCONF=$MT_TMP/ldap-right.conf HOME=$MT_TMP/home \
	mt_start_milter -H "$MT_LDAPS_URI" "${COMMON[@]}"
works conf-cacert
mt_stop_milter_bg
LDAPCONF=$MT_TMP/ldap-right.conf HOME=$MT_TMP/home \
	mt_start_milter -H "$MT_LDAPS_URI" --tls-cacert "$MT_TLS_OTHER_CA" "${COMMON[@]}"
refused conf-wrong-flag
mt_stop_milter_bg
export LDAPNOINIT=1

mt_finish
