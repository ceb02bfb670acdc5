#!/bin/sh
# make bench: runs every benchmark program (BUILD/bench/*) and every
# tests/bench/bench-*.sh, each printing its own figures. Results also go to
# BUILD/bench/results.txt.
set -u
build=${1:-build}
src=$(cd "$(dirname "$0")/../.." && pwd)
b=$(cd "$build" && pwd)
out="$b/bench/results.txt"
mkdir -p "$b/bench"
: >"$out"
export IOH_SRCDIR="$src" IOH_BUILDDIR="$b" IOH_BIN="$b/iommu-handover"
export IOH_BENCHDIR="$b/bench/work"
mkdir -p "$IOH_BENCHDIR"
status=0
for p in "$b"/bench/bench-*; do
	[ -x "$p" ] || continue
	echo "== $(basename "$p")" | tee -a "$out"
	"$p" 2>&1 | tee -a "$out" || status=1
done
for s in "$src"/tests/bench/bench-*.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .sh)" | tee -a "$out"
	sh "$s" 2>&1 | tee -a "$out" || status=1
done
echo "bench: figures in $out"
exit $status
