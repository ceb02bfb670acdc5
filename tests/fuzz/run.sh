#!/bin/sh
# Runs libFuzzer targets: tests/fuzz/run.sh BUILD SECONDS [TARGET...]
# TARGET is "walk" or "fuzz-walk"; none means every built target.
# Each target starts from its seeds (tests/fuzz/corpus/TARGET, read only) and
# grows its own corpus in BUILD/corpus/TARGET. A crash, leak, hang (>10 s per
# input), single allocation over 256 MiB or RSS over 1.5 GiB is a finding:
# the input is saved as BUILD/artifacts/TARGET/crash-* and the target fails.
# One line per target:
#   ok fuzz-walk: 1234567 execs in 60 s (20576/s), cov 812, corpus 97
#   FINDING fuzz-walk: crash-...; log BUILD/logs/fuzz-walk.log
# Extra libFuzzer flags for one target: tests/fuzz/TARGET.options (one line);
# a dictionary: tests/fuzz/TARGET.dict. Exit 1 if any target had a finding.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD SECONDS [TARGET...]" >&2; exit 1; }
build=$(cd "$1" && pwd) || exit 1
secs=$2
shift 2
if [ $# -eq 0 ]; then
	set -- $(cd "$build" && ls fuzz-* 2>/dev/null)
fi
[ $# -gt 0 ] || { echo "run.sh: no fuzz targets in $build" >&2; exit 1; }

# UBSan findings must stop the run like ASan's; ASan's own checks stay strict.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
# libkdumpfile's own leak (see the file) is not ours to find
[ -f "$src/tests/lsan.supp" ] &&
	export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}"

status=0
for t in "$@"; do
	t=fuzz-${t#fuzz-}
	bin=$build/$t
	if [ ! -x "$bin" ]; then
		echo "FINDING $t: not built ($bin)"
		status=1
		continue
	fi
	work=$build/corpus/$t
	art=$build/artifacts/$t
	log=$build/logs/$t.log
	mkdir -p "$work" "$art" "$build/logs"
	seeds=$src/tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=
	# generated seeds (binary dumps made from text at run time), once per build dir
	gen=$src/tests/fuzz/$t.seeds.sh
	if [ -x "$gen" ] && [ ! -d "$build/seeds/$t" ]; then
		"$gen" "$build/seeds/$t" "${IOH_MKVMCORE:-$src/build/tests/tools/mkvmcore}" \
			>"$build/logs/$t.seeds.log" 2>&1 || true
	fi
	[ -d "$build/seeds/$t" ] && seeds="$seeds $build/seeds/$t"
	extra=
	[ -f "$src/tests/fuzz/$t.options" ] && extra=$(cat "$src/tests/fuzz/$t.options")
	[ -f "$src/tests/fuzz/$t.dict" ] && extra="$extra -dict=$src/tests/fuzz/$t.dict"
	before=$(ls "$art" | wc -l)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1536 -malloc_limit_mb=256 \
		-print_final_stats=1 -artifact_prefix="$art/" $extra "$work" $seeds \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corp=$(ls "$work" | wc -l)
	after=$(ls "$art" | wc -l)
	if [ $rc -ne 0 ] || [ "$after" -ne "$before" ]; then
		new=$(ls -t "$art" | head -1)
		echo "FINDING $t: exit $rc, ${new:-no artifact} after ${execs:-?} execs; log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/  /'
		status=1
	else
		rate=$(( ${execs:-0} / ${took:-1} ))
		[ "${took:-0}" -gt 0 ] || rate=${execs:-0}
		echo "ok $t: ${execs:-?} execs in ${took:-?} s (${rate}/s), cov ${cov:-?}, corpus $corp"
	fi
done
exit $status
