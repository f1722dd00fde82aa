#!/bin/sh
# Installs the Debian packages exposure needs, and only those that are missing.
# Run by `make test`, `make run` and `make bench`; safe to run again at any time.
# Usage: scripts/deps.sh [--mpi] [extra-package...]
#   --mpi  also Open MPI (openmpi-bin libopenmpi-dev), for training on several processes or
#          machines (docs/distributed.md); make then builds with MPI and make test runs the
#          multi-process tests.
set -eu

mpi=""
if [ "${1:-}" = "--mpi" ]; then
    mpi="openmpi-bin libopenmpi-dev"
    shift
fi

# libpcre2-dev matches GPT-2's pre-tokenization rule (core/data/pretok.c). clang and
# libclang-rt-14-dev build the libFuzzer harnesses, valgrind runs `make valgrind`, clang-format
# checks the formatting: all are part of `make test`. gcc's ThreadSanitizer runtime (`make tsan`)
# comes with build-essential (gcc-12 -> libgcc-12-dev -> libtsan2).
packages="build-essential pkg-config libopenblas-dev libncurses-dev libsqlite3-dev sqlite3
libcjson-dev libpcre2-dev libcriterion-dev tmux clang libclang-rt-14-dev valgrind clang-format
$mpi $*"

missing=""
for p in $packages; do
    # dpkg-query prints "install ok installed" only for a fully installed package.
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "exposure needs these Debian packages:$missing" >&2
    echo "install them as root with:" >&2
    echo "    apt-get install -y$missing" >&2
    exit 1
fi

echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing >&2
