# Sourced by tests/cli/t-*.sh. Each check prints "PASS name" or "FAIL name" and,
# on failure, what differed. $IOH_BIN is the binary under test.
: "${IOH_BIN:?}" "${IOH_SRCDIR:?}" "${IOH_TMPDIR:?}"
T_SUITE=$(basename "$0" .sh)
T_DIR="$IOH_TMPDIR/$T_SUITE"
mkdir -p "$T_DIR"
T_FAILED=0
FIX="$IOH_SRCDIR/tests/fixtures"

pass() { echo "PASS ${IOH_TAG:-}/$T_SUITE/$1"; }
fail() {
	echo "FAIL ${IOH_TAG:-}/$T_SUITE/$1"
	shift
	[ $# -gt 0 ] && printf '  %s\n' "$@"
	T_FAILED=1
}

# run NAME EXPECTED_EXIT CMD...: runs CMD, keeps its stdout/stderr in
# $T_DIR/NAME.out / .err, and checks the exit code.
run() {
	n=$1 want=$2
	shift 2
	"$@" >"$T_DIR/$n.out" 2>"$T_DIR/$n.err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$n" "exit $got, expected $want: $*" "$(head -c 2000 "$T_DIR/$n.err")"
		return 1
	fi
	return 0
}

# check NAME EXIT CMD... : run and pass if the exit code matches.
check() {
	run "$@" && pass "$1"
}

# golden NAME EXIT EXPECTFILE CMD...: exit code and stdout equal to the file.
golden() {
	n=$1 want=$2 exp=$3
	shift 3
	run "$n" "$want" "$@" || return 1
	if diff -u "$exp" "$T_DIR/$n.out" >"$T_DIR/$n.diff"; then
		pass "$n"
	else
		fail "$n" "output differs from $exp:" "$(head -40 "$T_DIR/$n.diff")"
	fi
}

# grep_out NAME PATTERN [FILE]: the last run's stdout (or FILE) matches PATTERN.
has() {
	n=$1 pat=$2 f=${3:-$T_DIR/$1.out}
	if grep -Eq -- "$pat" "$f"; then pass "$n:$pat"; else fail "$n:$pat" "not found in $f" "$(head -20 "$f")"; fi
}

done_suite() { exit $T_FAILED; }
