#!/bin/bash
# t-options-doc.sh - the option list cannot drift: every long option in the
# code's table (flags_long[] in src/flags.c) must be an entry of the OPTIONS
# section of milter-tarpit.conf(5), must appear in the daemon's --help, and
# must be in the sample options file contrib/milter-tarpit.conf (as a line
# "name ..." or a commented "#name ..."), except the options that belong on
# a command line only and that an options file refuses (config, query,
# client, sender, auth, check, check-address, help, version).  The other
# way round, every entry of the conf(5) OPTIONS section and every option
# line of the sample file must name an option that exists.  Needs neither
# root nor slapd.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require_bin
FLAGS=$MT_SRCDIR/src/flags.c
CONF5=$MT_SRCDIR/man/milter-tarpit.conf.5
SAMPLE=$MT_SRCDIR/contrib/milter-tarpit.conf
for f in "$FLAGS" "$SAMPLE"; do
	[ -r "$f" ] || mt_fatal "not found: $f (is MT_SRCDIR=$MT_SRCDIR right?)"
done
mt_init
CMDLINE_ONLY=" config query client sender auth check check-address help version "

# The table: the lines '{ "name", ..._argument' between flags_long[] = { and
# its closing };
OPTS=$(sed -n '/^const struct option flags_long\[\] = {/,/^};/p' "$FLAGS" |
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)",.*/\1/p')
n=$(printf '%s\n' "$OPTS" | grep -c .)
mt_check "flags_long[] holds the option table ($n long options)" [ "$n" -ge 50 ]

# conf(5): the tag of each .TP entry between ".SH OPTIONS" and the next
# ".SH", i.e. the first word of the .B or .BI line after .TP, with roff's
# "\-" read as "-".
conf_entries() {
	[ -r "$CONF5" ] || return 0
	awk '/^\.SH / { on = ($0 ~ /^\.SH "?OPTIONS"?$/) ; next }
	    on && prev == ".TP" && ($1 == ".B" || $1 == ".BI") {
		w = $2; gsub(/"/, "", w); gsub(/\\-/, "-", w); print w }
	    { prev = $1 }' "$CONF5"
}
CONF=$(conf_entries)
HELP=$("$MT_BIN" --help 2>&1)
# Sample file: "name value", "name=value", "name" alone, or "#name ...".
SAMPLEOPTS=$(sed -n 's/^#\{0,1\}\([a-z][a-z0-9-]*\)\([[:space:]=].*\)\{0,1\}$/\1/p' "$SAMPLE")

miss_conf= miss_help= miss_sample=
for o in $OPTS; do
	printf '%s\n' "$CONF" | grep -qx -- "$o" || miss_conf="$miss_conf $o"
	printf '%s\n' "$HELP" | grep -qE -- "--$o([^a-z0-9-]|\$)" ||
		miss_help="$miss_help $o"
	case $CMDLINE_ONLY in *" $o "*) continue ;; esac
	printf '%s\n' "$SAMPLEOPTS" | grep -qx -- "$o" ||
		miss_sample="$miss_sample $o"
done
mt_check "milter-tarpit.conf(5) has an entry for every option (missing:${miss_conf:- none})" \
	[ -z "$miss_conf" ]
mt_check "--help names every option (missing:${miss_help:- none})" \
	[ -z "$miss_help" ]
mt_check "contrib/milter-tarpit.conf has every file option (missing:${miss_sample:- none})" \
	[ -z "$miss_sample" ]

unknown_conf= unknown_sample= bad_sample=
for w in $CONF; do
	printf '%s\n' "$OPTS" | grep -qx -- "$w" || unknown_conf="$unknown_conf $w"
done
for w in $SAMPLEOPTS; do
	printf '%s\n' "$OPTS" | grep -qx -- "$w" || unknown_sample="$unknown_sample $w"
	case $CMDLINE_ONLY in *" $w "*) bad_sample="$bad_sample $w" ;; esac
done
mt_check "every conf(5) entry is an option (unknown:${unknown_conf:- none})" \
	[ -z "$unknown_conf" ]
mt_check "every sample line is a file option (unknown:${unknown_sample:- none}; command line only:${bad_sample:- none})" \
	[ -z "$unknown_sample$bad_sample" ]
mt_finish
