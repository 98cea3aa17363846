#!/bin/bash
# t-package.sh - the Debian package, built, installed and purged as an
# administrator would.  The source tree the tarball would hold (make
# distdir, so a file missing from EXTRA_DIST breaks the build) is built with
# dpkg-buildpackage -us -uc -b (nocheck: the tests are not run again
# inside), checked by lintian (no error, no warning), and installed with
# apt-get.  Then: the binaries in /usr/sbin and the manual pages; the system
# user; the options file (a conffile, root:milter-tarpit 0640) and
# /etc/milter-tarpit; the socket directory in Postfix's chroot, group
# postfix; the unit in /lib/systemd/system pointing at /usr/sbin; the
# service neither enabled nor started, and the unit's command refusing the
# unconfigured file with exit 78; "milter-tarpit -n" without -c reads
# /etc/milter-tarpit.conf (its socket and user) and finds no problem once a
# users file and a domain are given.  After apt-get purge: no binary, unit,
# conffile, /etc/milter-tarpit, statoverride or socket directory is left;
# the system user stays, as Debian's do.  Needs root, dpkg-dev, debhelper,
# lintian and Postfix (its group); the package must not be installed
# already (~20 s).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_root
mt_require postconf apt-get make
for p in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian; do
	command -v "${p%%:*}" >/dev/null 2>&1 ||
		mt_skip "missing program: ${p%%:*} (Debian package ${p#*:})"
done
if dpkg-query -W -f='${Status}' milter-tarpit 2>/dev/null | grep -q installed; then
	mt_skip "milter-tarpit is installed here; this test installs and purges it"
fi
mt_require_bin
mt_init

PKG=milter-tarpit
CONF=/etc/milter-tarpit.conf
UNIT=/lib/systemd/system/milter-tarpit.service
SOCKDIR=/var/spool/postfix/milter-tarpit
VER=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$MT_BUILDDIR/autoconfig.h")
ARCH=$(dpkg --print-architecture)
DEB=${PKG}_${VER}_$ARCH.deb
USER_BEFORE=$(getent passwd milter-tarpit)
INSTALLED=0
export DEBIAN_FRONTEND=noninteractive

# pkg_cleanup: purge what a failed run left installed; drop the user if
# this test made it
pkg_cleanup() {
	if [ "$INSTALLED" = 1 ]; then
		apt-get purge -y -q "$PKG" >/dev/null 2>&1
	fi
	if [ -z "$USER_BEFORE" ] && getent passwd milter-tarpit >/dev/null; then
		deluser --system --quiet milter-tarpit >/dev/null 2>&1
	fi
}
trap 'rc=$?; pkg_cleanup; (exit $rc); mt_cleanup' EXIT

# stat_is PATH OWNER:GROUP MODE: one check of the path's owner and mode
stat_is() {
	local got
	got=$(stat -c '%U:%G %a' "$1" 2>&1)
	if [ "$got" = "$2 $3" ]; then
		mt_pass "$1 is $2 $3"
	else
		mt_fail "$1 is '$got', want '$2 $3'"
	fi
}

# gone PATH: one check that PATH does not exist
gone() {
	if [ -e "$1" ]; then mt_fail "$1 still there"; else mt_pass "$1 gone"; fi
}

# Build from what the tarball would hold, with the make and the build
# options of this test only (not those of the make check above us).
unset MAKEFLAGS MFLAGS MAKELEVEL
SRC=$MT_TMP/$PKG-$VER
if ! make -s -C "$MT_BUILDDIR" distdir distdir="$SRC" >"$MT_TMP/distdir.log" 2>&1; then
	mt_dump_file "make distdir" "$MT_TMP/distdir.log" 40
	mt_fatal "make distdir failed"
fi
t0=$(mt_now)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$MT_TMP/build.log" 2>&1
rc=$?
mt_say "dpkg-buildpackage took $(mt_elapsed "$t0") s"
if [ $rc -eq 0 ] && [ -f "$MT_TMP/$DEB" ]; then
	mt_pass "dpkg-buildpackage -us -uc -b made $DEB"
else
	mt_dump_file "dpkg-buildpackage" "$MT_TMP/build.log" 60
	mt_fatal "dpkg-buildpackage: exit $rc, want 0 and $DEB"
fi

lintian --fail-on error,warning "$MT_TMP/${PKG}_${VER}_$ARCH.changes" \
	>"$MT_TMP/lintian.out" 2>&1
rc=$?
grep -v '^running with root privileges' "$MT_TMP/lintian.out" | sed 's/^/    | /'
if [ $rc -eq 0 ] && ! grep -q '^[EW]: ' "$MT_TMP/lintian.out"; then
	mt_pass "lintian: no error, no warning"
else
	mt_fail "lintian: exit $rc, or E:/W: tags above"
fi

if apt-get install -y -q --no-install-recommends "$MT_TMP/$DEB" \
	>"$MT_TMP/install.log" 2>&1; then
	INSTALLED=1
	mt_pass "apt-get install ./$DEB"
else
	INSTALLED=1
	mt_dump_file "apt-get install" "$MT_TMP/install.log" 40
	mt_fatal "apt-get install ./$DEB failed"
fi

# --- what the package installed
v=$(/usr/sbin/milter-tarpit -V 2>&1)
if [ "$v" = "milter-tarpit $VER" ]; then
	mt_pass "/usr/sbin/milter-tarpit -V: $v"
else
	mt_fail "/usr/sbin/milter-tarpit -V: '$v', want 'milter-tarpit $VER'"
fi
mt_check "/usr/sbin/milter-tarpit-report is installed" test -x /usr/sbin/milter-tarpit-report
for m in milter-tarpit milter-tarpit-report; do
	mt_check "manual page $m(8) installed" test -f "/usr/share/man/man8/$m.8.gz"
done

pw=$(getent passwd milter-tarpit)
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
if [ -n "$pw" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] &&
	[ ! -e "$home" ]; then
	mt_pass "system user milter-tarpit: uid $uid, shell $shell, no home ($home)"
else
	mt_fail "system user milter-tarpit: '$pw', want a uid < 1000, /usr/sbin/nologin, no home"
fi
if [ "$(getent group milter-tarpit | cut -d: -f3)" = "$gid" ]; then
	mt_pass "group milter-tarpit is the user's group ($gid)"
else
	mt_fail "group milter-tarpit: '$(getent group milter-tarpit)', want gid $gid"
fi

if dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q "^ $CONF "; then
	mt_pass "$CONF is a conffile"
else
	mt_fail "$CONF is not among the conffiles: $(dpkg-query -W -f='${Conffiles}' "$PKG")"
fi
stat_is "$CONF" root:milter-tarpit 640
stat_is /etc/milter-tarpit root:milter-tarpit 750
stat_is "$SOCKDIR" root:postfix 750
stat_is /var/lib/milter-tarpit milter-tarpit:milter-tarpit 750
mt_check "the conffile keeps the state file there" grep -qx 'state-file /var/lib/milter-tarpit/state' "$CONF"

if grep -qx 'ExecStart=/usr/sbin/milter-tarpit -f -c /etc/milter-tarpit.conf' "$UNIT"; then
	mt_pass "$UNIT runs /usr/sbin/milter-tarpit -f -c $CONF"
else
	mt_fail "$UNIT: no ExecStart of /usr/sbin/milter-tarpit: $(grep ExecStart "$UNIT" 2>&1)"
fi
if grep -Eq '^RestartPreventExitStatus=.*\<78\>' "$UNIT"; then
	mt_pass "$UNIT does not restart on exit 78"
else
	mt_fail "$UNIT: no RestartPreventExitStatus with 78"
fi

# --- not enabled, not started
running=
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/milter-tarpit ] && running="$running ${p#/proc/}"
done
if [ -z "$running" ]; then
	mt_pass "no /usr/sbin/milter-tarpit process after installation"
else
	mt_fail "/usr/sbin/milter-tarpit runs after installation (pid$running)"
fi
wants=$(find /etc/systemd/system -name milter-tarpit.service 2>/dev/null)
if [ -z "$wants" ]; then
	mt_pass "the service is not enabled (no link in /etc/systemd/system)"
else
	mt_fail "the service is enabled: $wants"
fi
if [ -d /run/systemd/system ]; then
	a=$(systemctl is-active milter-tarpit.service 2>&1)
	case $a in
	active | activating) mt_fail "systemctl is-active milter-tarpit: $a" ;;
	*) mt_pass "systemctl is-active milter-tarpit: $a" ;;
	esac
fi

# The unit's own command on the file as shipped: refused, exit 78, and
# the message names the missing line and the file.
read -r -a cmd <<<"$(sed -n 's/^ExecStart=//p' "$UNIT")"
timeout -s KILL 10 "${cmd[@]}" </dev/null >"$MT_TMP/start.out" 2>&1
rc=$?
sed 's/^/    | /' "$MT_TMP/start.out"
want='no local domains: give -d/--domain or a "domain" line in /etc/milter-tarpit.conf'
if [ $rc -eq 78 ] && grep -qF "$want" "$MT_TMP/start.out"; then
	mt_pass "unconfigured start: exit 78, '$want'"
else
	mt_fail "unconfigured start: exit $rc, want 78 and '$want'"
fi

# Without -c the installed daemon reads /etc/milter-tarpit.conf: its
# socket in the chroot and its "user" line make the check pass as root
# (the built-in socket, /run/milter-tarpit, does not exist here).
USERS=$MT_TMP/users
printf 'alice@example.com\n' >"$USERS"
chown root:milter-tarpit "$USERS"
chmod 640 "$USERS"
timeout -s KILL 10 /usr/sbin/milter-tarpit -n --users "$USERS" -d example.com \
	</dev/null >"$MT_TMP/check.out" 2>&1
rc=$?
sed 's/^/    | /' "$MT_TMP/check.out"
if [ $rc -eq 0 ] && grep -qx "ok: socket unix:$SOCKDIR/milter-tarpit.sock can be created" \
	"$MT_TMP/check.out"; then
	mt_pass "milter-tarpit -n without -c reads $CONF: exit 0, socket in $SOCKDIR"
else
	mt_fail "milter-tarpit -n without -c: exit $rc, want 0 and the socket of $CONF"
fi

# --- purge
if apt-get purge -y -q "$PKG" >"$MT_TMP/purge.log" 2>&1; then
	INSTALLED=0
	mt_pass "apt-get purge $PKG"
else
	mt_dump_file "apt-get purge" "$MT_TMP/purge.log" 40
	mt_fail "apt-get purge $PKG failed"
fi
st=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
if [ -z "$st" ] || [ "$st" = not-installed ]; then
	mt_pass "dpkg knows nothing of $PKG after purge"
else
	mt_fail "dpkg status of $PKG after purge: $st"
fi
for f in /usr/sbin/milter-tarpit /usr/sbin/milter-tarpit-report "$UNIT" \
	"$CONF" /etc/milter-tarpit "$SOCKDIR" /var/lib/milter-tarpit /usr/share/doc/milter-tarpit; do
	gone "$f"
done
so=$(dpkg-statoverride --list | grep -E ' /etc/milter-tarpit(\.conf)?$')
if [ -z "$so" ]; then
	mt_pass "no statoverride left for /etc/milter-tarpit*"
else
	mt_fail "statoverrides left: $so"
fi
if getent passwd milter-tarpit >/dev/null; then
	mt_pass "the system user milter-tarpit stays after purge"
else
	mt_fail "the system user milter-tarpit was removed by purge"
fi

mt_finish
