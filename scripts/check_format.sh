#!/bin/sh
# Checks that every C file is as clang-format 14 writes it (.clang-format), or with --fix
# rewrites those that are not. Prints the files that differ and how to fix them; exits 1 when
# there are any. Run by `make test` before it builds anything, and by `make format` (--fix).
set -eu

fix=0
[ "${1:-}" = "--fix" ] && fix=1

# Debian's clang-format package installs clang-format-14; other versions format differently.
tool=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check_format: $tool not found (sh scripts/deps.sh installs clang-format)" >&2
    exit 1
fi

files=$(find app ui core tests -name '*.[ch]' | sort)
if [ "$fix" = 1 ]; then
    # shellcheck disable=SC2086 # the file list is split on purpose
    "$tool" -i $files
    exit 0
fi

# One run over every file: --dry-run names each file it would change (one error each).
# shellcheck disable=SC2086 # the file list is split on purpose
status=0
report=$("$tool" --dry-run -Werror --ferror-limit=1 $files 2>&1) || status=$?
unformatted=$(printf '%s\n' "$report" |
    sed -n 's/^\([^ :]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if [ -z "$unformatted" ]; then
    [ "$status" = 0 ] && exit 0
    printf "%s\n" "$report" | head -20 >&2 # clang-format failed for another reason
    exit 1
fi
echo "these files are not formatted as .clang-format asks:" >&2
for f in $unformatted; do echo "    $f" >&2; done
echo "run 'make format' to rewrite them (clang-format -i), then review and commit" >&2
exit 1
