#!/bin/sh
# Checks the layering rules the Makefile's include paths cannot see (docs/architecture.md):
#   - no #include names a path with "../" (a relative path would step around the layers);
#   - every header name is used once in core/, ui/ and app/ (the include paths would pick one
#     of two silently);
#   - a file outside a sub-system includes only its public header (core/nn/nn.h, ui/ui.h, ...);
#     the tests may also include the module headers that the public header includes, never
#     a private one (core/store/store_internal.h, ...). app/ has no public header: nothing
#     includes the command line.
# Prints each violation as FILE:LINE: reason and exits 1 when there is one. Run by `make test`.
set -eu

subsystems="core/util core/nn core/data core/store core/train ui app"
map=$(mktemp)
trap 'rm -f "$map"' EXIT

# One line per header: NAME DIR ROLE, ROLE being public, module (included by the public
# header) or private.
for dir in $subsystems; do
    name=${dir##*/}
    public="$name.h"
    [ "$dir" = app ] && public=""
    modules=""
    if [ -n "$public" ] && [ -f "$dir/$public" ]; then
        modules=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$dir/$public")
    fi
    for path in "$dir"/*.h; do
        [ -f "$path" ] || continue
        header=${path##*/}
        role=private
        [ "$header" = "$public" ] && role=public
        for m in $modules; do [ "$m" = "$header" ] && role=module; done
        echo "$header $dir $role"
    done
done > "$map"

sources=$(find app ui core tests -name '*.[ch]' | sort)

# shellcheck disable=SC2086 # the file list is split on purpose
awk -v mapfile="$map" '
BEGIN {
    while ((getline line < mapfile) > 0) {
        split(line, f, " ")
        if (f[1] in home) {
            printf "%s and %s/%s: two headers named %s\n", home[f[1]] "/" f[1], f[2], f[1], f[1]
            bad = 1
        }
        home[f[1]] = f[2]
        role[f[1]] = f[3]
        if (f[3] == "public") public[f[2]] = f[1]
    }
    if (bad) exit
}
/^[ \t]*#[ \t]*include/ {
    if ($0 ~ /\.\.\//) {
        printf "%s:%d: an include with a ../ path; include by name, the Makefile gives the paths\n",
               FILENAME, FNR
        bad = 1
        next
    }
    if (!match($0, /"[^"]+"/)) next
    header = substr($0, RSTART + 1, RLENGTH - 2)
    if (!(header in home)) next
    dir = FILENAME
    sub(/\/[^\/]*$/, "", dir)
    owner = home[header]
    if (dir == owner) next
    if (role[header] == "public") next
    if (dir ~ /^tests(\/|$)/) {
        if (role[header] == "module" || owner == "ui" || owner == "app") next
        printf "%s:%d: includes %s, private to %s/\n", FILENAME, FNR, header, owner
        bad = 1
        next
    }
    if (owner in public)
        printf "%s:%d: includes %s of %s/; outside it, include only %s\n", FILENAME, FNR,
               header, owner, public[owner]
    else
        printf "%s:%d: includes %s of %s/, which nothing outside it may include\n", FILENAME,
               FNR, header, owner
    bad = 1
}
END { exit bad }
' $sources || {
    echo "check_includes: the layering rules above are broken (docs/architecture.md)" >&2
    exit 1
}
