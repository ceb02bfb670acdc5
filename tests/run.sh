#!/bin/sh
# Runs every suite of every build directory given, and closes with one line:
# "N passed, N failed". Suites: the unit-test binary, then each tests/cli/*.sh.
# A suite prints "PASS name" / "FAIL name" lines; anything else is passed through.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
# The real crash samples: shared/ beside the checkout (CI), else the workplace's copy.
if [ -z "${IOH_SAMPLES:-}" ]; then
	for d in "$src/../shared/samples" /work/shared/samples; do
		[ -d "$d" ] && { IOH_SAMPLES=$(cd "$d" && pwd); break; }
	done
fi
export IOH_SAMPLES="${IOH_SAMPLES:-/nonexistent/samples}"
export LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() {
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
}

for build in "$@"; do
	b=$(cd "$build" && pwd)
	tag=$(basename "$b")
	export IOH_SRCDIR="$src" IOH_BUILDDIR="$b" IOH_BIN="$b/iommu-handover"
	export IOH_TMPDIR="$b/test-tmp"
	rm -rf "$IOH_TMPDIR"
	mkdir -p "$IOH_TMPDIR"
	echo "== $tag: unit tests"
	"$b/tests/unit-tests" -p "$tag/" >"$log" 2>&1
	rc=$?
	grep -v ' passed, .* failed$' "$log"
	count
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL $tag/unit-tests (runner exited $rc)"
		failed=$((failed + 1))
	fi
	for suite in "$src"/tests/cli/t-*.sh; do
		[ -f "$suite" ] || continue
		name=$(basename "$suite" .sh)
		echo "== $tag: $name"
		IOH_TAG="$tag" sh "$suite" >"$log" 2>&1
		rc=$?
		cat "$log"
		count
		if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
			echo "FAIL $tag/$name (suite exited $rc)"
			failed=$((failed + 1))
		fi
	done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
