#!/bin/sh
# iommu-handover scan: the crashed kernel's VT-d tables found in dumps without
# debuginfo — generated ELF vmcores (tests/fixtures/vmcores/handover-*.txt) and
# the real kdump-compressed samples, checked against their truth.txt.
. "$(dirname "$0")/lib.sh"
MK="$IOH_BUILDDIR/tests/tools/mkvmcore"
for f in a torn; do
	"$MK" "$FIX/vmcores/handover-$f.txt" "$T_DIR/h-$f.vmcore" || fail "mkvmcore-$f"
done

check legacy-elf 0 "$IOH_BIN" scan -q "$T_DIR/h-a.vmcore"
has legacy-elf '^unit0: root table 0x1010000, legacy mode, confidence certain'
has legacy-elf '0000:00:02.0  DID 1 .* SLPTPTR 0x1012000  2 page\(s\), 1 writable'
check torn-elf 2 "$IOH_BIN" scan -q "$T_DIR/h-torn.vmcore"
has torn-elf '0000:00:04.0 .*TORN-LOOKING'
has torn-elf 'problem: aw: address width 0 is reserved'
check torn-json 2 "$IOH_BIN" scan -q --json "$T_DIR/h-torn.vmcore"
has torn-json '"root_table": "0x1010000"'
has torn-json '"torn": true'
check given-root 0 "$IOH_BIN" scan --rtaddr 0x1010000,legacy "$T_DIR/h-a.vmcore"
has given-root 'confidence given'

# Hostile input: every case a clear message and exit 1, never a crash.
check missing 1 "$IOH_BIN" scan "$T_DIR/nonexistent"
: >"$T_DIR/empty"
check empty 1 "$IOH_BIN" scan "$T_DIR/empty"
head -c 65536 /dev/urandom >"$T_DIR/garbage"
check garbage 1 "$IOH_BIN" scan "$T_DIR/garbage"
head -c 3000 "$T_DIR/h-a.vmcore" >"$T_DIR/truncated"
run truncated 1 "$IOH_BIN" scan "$T_DIR/truncated" && has truncated 'scan' "$T_DIR/truncated.err"
check unaligned-rtaddr 1 "$IOH_BIN" scan --rtaddr 0x1010010 "$T_DIR/h-a.vmcore"
check bad-mode 1 "$IOH_BIN" scan --rtaddr 0x1010000,weird "$T_DIR/h-a.vmcore"
run absent-root 1 "$IOH_BIN" scan --rtaddr 0x7000000 "$T_DIR/h-a.vmcore" &&
	has absent-root 'root table 0x7000000' "$T_DIR/absent-root.err"
check no-dump 1 "$IOH_BIN" scan
check two-dumps 1 "$IOH_BIN" scan "$T_DIR/h-a.vmcore" "$T_DIR/h-a.vmcore"
check bad-seconds 1 "$IOH_BIN" scan --max-seconds -1 "$T_DIR/h-a.vmcore"
check help 0 "$IOH_BIN" scan --help

# The real crashes: the root table and exactly the devices the crashed kernel had mapped.
for s in legacy scalable; do
	xz="$IOH_SAMPLES/$s-virtio/vmcore.kdump.xz"
	[ -f "$xz" ] || { echo "t-scan: $xz absent, real-sample checks skipped" >&2; continue; }
	dump="$IOH_BUILDDIR/samples/$s-virtio.kdump"
	if [ ! -f "$dump" ]; then
		mkdir -p "$IOH_BUILDDIR/samples"
		xz -dc "$xz" >"$dump.part.$$" && mv "$dump.part.$$" "$dump"
	fi
	truth="$IOH_SAMPLES/$s-virtio/truth.txt"
	root=$(sed -n 's/^rtaddr_old: //p' "$truth")
	mode=$(sed -n 's/^mode_old: //p' "$truth")
	expect_devs=$(sed -n 's/^devices_mapped: //p' "$truth" | tr ',' '\n' | sort | tr '\n' ' ')
	check "real-$s" 0 "$IOH_BIN" scan -q "$dump"
	has "real-$s" "^unit0: root table $root, $mode mode, confidence certain"
	got=$(sed -n 's/^  \([0-9a-f]\{4\}:[0-9a-f:.]*\) .*/\1/p' "$T_DIR/real-$s.out" | sort | tr '\n' ' ')
	if [ "$got" = "$expect_devs" ]; then pass "real-$s-devices"; else fail "real-$s-devices" "got: $got" "want: $expect_devs"; fi
done
done_suite
