#!/bin/bash
# t-version.sh - one version everywhere: the daemon's -V (AC_INIT in
# configure.ac), the newest entry of debian/changelog (a native package:
# the same version, no Debian revision) and the newest entry of NEWS.
# Needs neither root nor a directory.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_bin

ver=$("$MT_BIN" -V | sed -n 's/^milter-tarpit //p')
[ -n "$ver" ] || mt_fatal "$MT_BIN -V printed no version"
mt_say "configure.ac: $ver"

deb=$(sed -n '1s/^milter-tarpit (\([^)]*\)) .*/\1/p' "$MT_SRCDIR/debian/changelog" 2>/dev/null)
if [ "$deb" = "$ver" ]; then
	mt_pass "debian/changelog's newest entry is $ver"
else
	mt_fail "debian/changelog's newest entry is '$deb', want '$ver' (AC_INIT in configure.ac)"
fi

news=$(grep -m 1 -E '^[0-9]' "$MT_SRCDIR/NEWS" 2>/dev/null | cut -d' ' -f1)
if [ "$news" = "$ver" ]; then
	mt_pass "NEWS's newest entry is $ver"
else
	mt_fail "NEWS's newest entry is '$news', want '$ver' (AC_INIT in configure.ac)"
fi

mt_finish
