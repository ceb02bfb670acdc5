#!/bin/sh
# Memory and time bounds of the CLI on dumps that lie: thousands of segments,
# terabytes claimed with nothing behind them, a VMCOREINFO note claiming 4 GiB,
# a file cut short, root tables that point everywhere. Each run gets an
# address-space limit (ulimit -v, 512 MiB) and a time limit; it must end with
# 0, 1 or 2 (never a signal, never the time-out), and say why when it fails.
# Peak RSS is printed. Plain build only: ASan reserves terabytes of address
# space, so ulimit -v cannot apply to the sanitizer build.
. "$IOH_SRCDIR/tests/cli/lib.sh"

case "${IOH_TAG:-}" in
*san*)
	echo "SKIP bounds under $IOH_TAG: ulimit -v does not apply to ASan"
	done_suite
	;;
esac
mk=$IOH_BUILDDIR/tests/tools/mkvmcore
[ -x "$mk" ] || { fail mkvmcore "not built: $mk"; done_suite; }

VLIMIT_KB=524288
TLIMIT=120

# bounded NAME CMD...: runs CMD under the limits; passes on exit 0/1/2.
bounded() {
	n=$1
	shift
	(
		ulimit -v $VLIMIT_KB
		exec /usr/bin/time -f '%M' -o "$T_DIR/$n.rss" timeout -k 5 $TLIMIT "$@"
	) >"$T_DIR/$n.out" 2>"$T_DIR/$n.err"
	rc=$?
	rss=$(tail -1 "$T_DIR/$n.rss" 2>/dev/null)
	case $rc in
	0 | 2) pass "$n" ;;
	1)
		if [ -s "$T_DIR/$n.err" ]; then pass "$n"; else fail "$n" "exit 1 without a message"; fi
		;;
	124 | 137) fail "$n" "did not finish within $TLIMIT s: $*" ;;
	*) fail "$n" "exit $rc (signal or crash): $*" "$(tail -5 "$T_DIR/$n.err")" ;;
	esac
	echo "  $n: exit $rc, peak RSS ${rss:-?} KiB (limit $VLIMIT_KB KiB of address space)"
	head -c 300 "$T_DIR/$n.err" | sed -n '1,2s/^/    /p'
}

core() { # core NAME: description on stdin -> $T_DIR/NAME.core
	"$mk" - "$T_DIR/$1.core" >"$T_DIR/$1.mk.err" 2>&1 || fail "$1-mk" "$(cat "$T_DIR/$1.mk.err")"
}

# A root table for bus 0 -> context table with 00:02.0, as in tests/fixtures/vmcores/basic.txt.
tables='@0x1010000
0x1011001 0
@0x1011100
0x1012001 0x102'

# 1. 60000 segments (4 KiB each, nothing in the file), and 70000 (over the source's bound)
for nseg in 60000 70000; do
	{
		echo "cpus = 1"
		echo "@phdr type=LOAD paddr=0x1000000 memsz=0x100000"
		awk -v n=$nseg 'BEGIN { for (i = 1; i < n; i++)
			printf "@phdr type=LOAD paddr=0x%x memsz=0x1000 filesz=0\n", 0x100000000 + i * 8192 }'
		echo "$tables"
	} | core seg$nseg
	bounded "segments-$nseg" "$IOH_BIN" scan -q --rtaddr 0x1010000,legacy "$T_DIR/seg$nseg.core"
	bounded "segments-$nseg-discover" "$IOH_BIN" scan -q -t 60 "$T_DIR/seg$nseg.core"
done

# 2. 4 PiB claimed in one PT_LOAD with 4 KiB of data, discovery over all of it
core huge <<EOF2
cpus = 1
@phdr type=LOAD paddr=0x1000000 memsz=0x100000
@phdr type=LOAD paddr=0x100000000 memsz=0x10000000000000 filesz=0x1000
$tables
EOF2
bounded huge-claim "$IOH_BIN" scan -q -t 60 "$T_DIR/huge.core"
bounded huge-claim-rtaddr "$IOH_BIN" scan -q --rtaddr 0x1010000,legacy "$T_DIR/huge.core"

# 3. VMCOREINFO note that claims 4 GiB; 4. the file cut inside its segments
core note <<EOF2
cpus = 1
note_descsz = 0xfffffff0
@phdr type=LOAD paddr=0x1000000 memsz=0x100000
@vmcoreinfo
OSRELEASE=6.1.0-bounds
$tables
EOF2
bounded note-4gib "$IOH_BIN" scan -q --rtaddr 0x1010000,legacy "$T_DIR/note.core"
core cut <<EOF2
cpus = 1
truncate = 0x3000
@phdr type=LOAD paddr=0x1000000 memsz=0x100000
$tables
EOF2
bounded truncated "$IOH_BIN" scan -q -t 60 "$T_DIR/cut.core"

# 5. tables that point everywhere: 256 buses -> one context table of 256 present entries,
#    page tables pointing at themselves: 65536 devices, each page-walked
awk 'BEGIN {
	print "cpus = 1"
	print "@phdr type=LOAD paddr=0x1000000 memsz=0x10000"
	print "@0x1000000"                      # root table: every bus -> 0x1001000
	for (i = 0; i < 256; i++) print "0x1001001 0"
	print "@0x1001000"                      # every devfn: P, SL table 0x1002000, AW 2, DID 1
	for (i = 0; i < 256; i++) print "0x1002001 0x102"
	print "@0x1002000"                      # every PTE points back at its own table, R W
	print "0x1002003*512"
}' | core every
bounded everywhere "$IOH_BIN" scan -q --rtaddr 0x1000000,legacy "$T_DIR/every.core"
bounded everywhere-json "$IOH_BIN" scan -q -j --rtaddr 0x1000000,legacy "$T_DIR/every.core"
has everywhere '65536 valid entries'
has everywhere-json '"devices"'
done_suite
