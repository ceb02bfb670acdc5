#!/bin/sh
# Fuzz smoke for `make check`: builds the libFuzzer targets (tests/fuzz/fuzz.mk,
# into build-fuzz/) and runs each a few seconds from its seeds and what earlier
# runs grew, so every crash reproducer in tests/fuzz/corpus is replayed too.
# One PASS/FAIL line per target. Runs once per check (for the plain build's
# tag; the targets carry ASan+UBSan themselves). Skips when clang or its
# libFuzzer runtime is missing (Debian: clang libclang-rt-14-dev).
. "$IOH_SRCDIR/tests/cli/lib.sh"

case "${IOH_TAG:-}" in
*san*)
	echo "SKIP fuzz smoke under $IOH_TAG: it ran for the plain build (the targets are sanitized)"
	done_suite
	;;
esac

cc=${FUZZ_CC:-clang}
probe=$T_DIR/probe
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
	>"$probe.c"
if ! command -v "$cc" >/dev/null 2>&1 ||
	! "$cc" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" 2>"$probe.err"; then
	echo "SKIP fuzz smoke: $cc cannot build libFuzzer targets (install clang libclang-rt-14-dev)"
	done_suite
fi

fb=$IOH_SRCDIR/build-fuzz
if make -s -C "$IOH_SRCDIR" -f tests/fuzz/fuzz.mk -j2 FUZZ_CC="$cc" fuzz-build \
	>"$T_DIR/build.out" 2>&1; then
	pass build
else
	fail build "make -f tests/fuzz/fuzz.mk fuzz-build failed:" "$(tail -20 "$T_DIR/build.out")"
	done_suite
fi

targets=$(cd "$IOH_SRCDIR/tests/fuzz" && ls fuzz-*.c | sed 's/\.c$//')
n=$(echo "$targets" | wc -w)
# About 24 s of fuzzing in all (1 to 4 s a target; each adds 1-2 s of start-up),
# so the whole smoke stays near a minute on a loaded 2-core machine.
secs=${FUZZ_SMOKE_SECONDS:-$((24 / n))}
[ "$secs" -lt 1 ] && secs=1
[ "$secs" -gt 4 ] && [ -z "${FUZZ_SMOKE_SECONDS:-}" ] && secs=4
for t in $targets; do
	if "$IOH_SRCDIR/tests/fuzz/run.sh" "$fb" "$secs" "$t" >"$T_DIR/$t.out" 2>&1; then
		pass "$t"
		sed 's/^/  /' "$T_DIR/$t.out"
	else
		fail "$t" "$(cat "$T_DIR/$t.out")" "reproduce: $fb/$t $fb/artifacts/$t/crash-*"
	fi
done
done_suite
