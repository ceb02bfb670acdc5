#!/bin/sh
# Memcheck over the CLI test suites: each suite picked runs again with
# $IOH_BIN behind valgrind. By default a representative subset that keeps
# `make check` modest: t-decode, t-dmar, t-scan, t-sources (the
# subcommands that read hostile files and dumps, real samples included).
# VALGRIND_FULL=1 runs every suite except the fuzz smoke, the memory bounds,
# the QEMU crash harness and this one; VALGRIND_SUITES="t-logs ..." picks.
# A suite passes when its own checks all pass AND memcheck found nothing:
# no invalid access, no uninitialised use, no leak (definite, indirect or
# possible). Memcheck's exit code is 97, not 1, so that an error can never
# pass for the tool's own exit 1; its logs are checked as well.
# Errors inside system libraries that are not ours (libkdumpfile 0.5.1) are
# suppressed by tests/valgrind.supp, each with its reason.
# Plain build only (valgrind and ASan do not mix); skipped without valgrind.
. "$IOH_SRCDIR/tests/cli/lib.sh"

case "${IOH_TAG:-}" in
*san*)
	echo "SKIP valgrind under $IOH_TAG: memcheck runs on the plain build"
	done_suite
	;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP valgrind: not installed (Debian: valgrind)"
	done_suite
fi

logs=$T_DIR/logs
rm -rf "$logs"
mkdir -p "$logs"
wrap=$T_DIR/iommu-handover
cat >"$wrap" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=97 --suppressions="$IOH_SRCDIR/tests/valgrind.supp" \\
	--leak-check=full --show-leak-kinds=definite,indirect,possible \\
	--errors-for-leak-kinds=definite,indirect,possible \\
	--log-file="$logs/vg.%p.log" "$IOH_BIN" "\$@"
WRAP
chmod +x "$wrap"

if [ -n "${VALGRIND_FULL:-}" ]; then
	suites=$(cd "$IOH_SRCDIR/tests/cli" && ls t-*.sh | sed 's/\.sh$//' |
		grep -v -e '^t-fuzz-smoke$' -e '^t-valgrind$' -e '^t-bounds$' -e '^t-e2e-crash$')
else
	suites=${VALGRIND_SUITES:-t-decode t-dmar t-scan t-sources}
fi
for s in $suites; do
	f=$IOH_SRCDIR/tests/cli/$s.sh
	[ -f "$f" ] || { fail "$s" "no such suite: $f"; continue; }
	before=$(ls "$logs" | wc -l)
	mkdir -p "$T_DIR/$s-tmp"
	IOH_BIN="$wrap" IOH_TMPDIR="$T_DIR/$s-tmp" IOH_TAG="valgrind" sh "$f" >"$T_DIR/$s.out" 2>&1
	rc=$?
	runs=$(( $(ls "$logs" | wc -l) - before ))
	bad=$(cd "$logs" && for l in vg.*.log; do [ -s "$l" ] && echo "$l"; done)
	inner_fail=$(grep '^FAIL ' "$T_DIR/$s.out")
	if [ -n "$bad" ]; then
		fail "$s" "memcheck errors in $runs runs:" "$(for l in $bad; do head -30 "$logs/$l"; done | head -60)"
		mkdir -p "$T_DIR/bad" && (cd "$logs" && mv $bad "$T_DIR/bad/")
	elif [ $rc -ne 0 ] || [ -n "$inner_fail" ]; then
		fail "$s" "the suite failed under valgrind (exit $rc):" "$(echo "$inner_fail" | head -20)"
	else
		pass "$s"
		echo "  $s: $runs runs under memcheck, clean"
	fi
done
done_suite
