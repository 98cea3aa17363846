#!/bin/bash
# t-man-lint.sh - every manual page in man/ is clean under
# `mandoc -T lint -W warning` (a date that parses, NAME lines that fit,
# no broken macros).  Needs mandoc (Debian package mandoc); no root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mt_require mandoc
mt_init
pages=("$MT_SRCDIR"/man/*.[1-8])
mt_check "man/ holds the pages (${#pages[@]})" [ "${#pages[@]}" -ge 3 ]
for p in "${pages[@]}"; do
	out=$(mandoc -T lint -W warning "$p" 2>&1)
	[ -z "$out" ] || printf '%s\n' "$out"
	mt_check "mandoc -T lint -W warning $(basename "$p"): no message" [ -z "$out" ]
done
mt_finish
