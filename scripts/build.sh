#!/usr/bin/env bash
# Configure (once per option set) and build clusterdb out of tree.
# Usage: scripts/build.sh BUILD_DIR [configure options...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1; shift
[ -x "$top/configure" ] && [ "$top/configure" -nt "$top/configure.ac" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1) || {
    echo "build: autogen.sh failed" >&2; (cd "$top" && ./autogen.sh); exit 1; }
# automake refuses an out-of-tree build while the source tree holds an
# in-tree configuration ("source directory already configured"): say so first.
if [ -f "$top/config.status" ] && [ "$(cd "$top" && pwd -P)" != "$(mkdir -p "$build" && cd "$build" && pwd -P)" ]; then
    echo "build: $top was configured in place (by hand); clean it with 'make -C $top distclean', then run again" >&2
    exit 1
fi
mkdir -p "$build"
# Reconfigure only when the options change: a second run is an incremental make.
want="$*"
if [ ! -f "$build/Makefile" ] || [ "$(cat "$build/.configure-options" 2>/dev/null)" != "$want" ]; then
    (cd "$build" && "$top/configure" -q "$@") || { echo "build: configure failed (see $build/config.log)" >&2; exit 1; }
    printf '%s' "$want" > "$build/.configure-options"
fi
make -s -C "$build" -j"$(nproc)" >/dev/null 2> "$build/make.log" || {
    cat "$build/make.log" >&2; echo "build: make failed" >&2; exit 1; }
