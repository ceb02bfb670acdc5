#!/bin/sh
# iommu-handover report: verdicts from a dump, a capture-kernel log and
# fingerprints of the old memory that copied domains can write.
. "$(dirname "$0")/lib.sh"
MK="$IOH_BUILDDIR/tests/tools/mkvmcore"
for f in a b torn; do
	"$MK" "$FIX/vmcores/handover-$f.txt" "$T_DIR/h-$f.vmcore" || fail "mkvmcore-$f"
done
rm -f "$T_DIR"/fp.bin "$T_DIR"/report.json "$T_DIR"/fp-garbage

# Nothing changed between the two moments: devices with live entries are "possible".
check dump-only 0 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore"
has dump-only '^verdict: clean — 0 in-flight, 2 possible'
# First moment saves, second compares: the page 00:02.0 can write changed.
check fp-save 0 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-save "$T_DIR/fp.bin"
check fp-save-again 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-save "$T_DIR/fp.bin"
check fp-same 0 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-compare "$T_DIR/fp.bin"
check fp-changed 2 "$IOH_BIN" report --vmcore "$T_DIR/h-b.vmcore" --fingerprint-compare "$T_DIR/fp.bin"
has fp-changed '^0000:00:02.0  in-flight-dma 1 page\(s\) .* changed after the crash \(unique attribution\)'
has fp-changed '1 page\(s\), 64 byte\(s\) changed; first IOVA 0x0'
has fp-changed '^0000:00:04.0  dma-possible'
# JSON, written atomically, never over an existing report.
check json-out 2 "$IOH_BIN" report --vmcore "$T_DIR/h-b.vmcore" --fingerprint-compare "$T_DIR/fp.bin" --json -o "$T_DIR/report.json"
has json-out '"schema": "iommu-handover.report/1"' "$T_DIR/report.json"
has json-out '"in_flight_dma": true' "$T_DIR/report.json"
cp "$T_DIR/report.json" "$T_DIR/report.keep"
check no-clobber 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" -o "$T_DIR/report.json"
if cmp -s "$T_DIR/report.json" "$T_DIR/report.keep"; then pass no-clobber-kept; else fail no-clobber-kept; fi
# A torn-looking copied entry is a problem on its own.
check torn 2 "$IOH_BIN" report --vmcore "$T_DIR/h-torn.vmcore"
has torn 'TORN-LOOKING: 1 entry'

# The log alone: DMA faults after the copy, before the NIC's driver probed.
cat >"$T_DIR/capture.log" <<'LOG'
[    0.500000] DMAR: Translation already enabled - trying to copy translation structures
[    0.510000] DMAR: Copied translation tables from previous kernel for dmar0
[    0.600000] DMAR: DRHD: handling fault status reg 2
[    0.600001] DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0x1000 [fault reason 0x05] PTE Write access is not set
[    1.000000] e1000e 0000:00:02.0: enabling device (0000 -> 0002)
LOG
check log-only 2 "$IOH_BIN" report --dmesg "$T_DIR/capture.log"
has log-only '^0000:00:02.0  in-flight-dma 1 DMA fault\(s\) after the table copy and before its driver probed'
check log-stdin 2 sh -c "\"$IOH_BIN\" report --dmesg - < \"$T_DIR/capture.log\""

# Bad inputs.
check no-input 1 "$IOH_BIN" report
check fp-needs-dump 1 "$IOH_BIN" report --dmesg "$T_DIR/capture.log" --watch 1
check fp-exclusive 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --watch 1 --fingerprint-save "$T_DIR/x"
head -c 4096 /dev/urandom >"$T_DIR/fp-garbage"
run fp-garbage 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-compare "$T_DIR/fp-garbage" &&
	has fp-garbage 'not a fingerprint file' "$T_DIR/fp-garbage.err"
check missing-log 1 "$IOH_BIN" report --dmesg "$T_DIR/nonexistent.log"
check bad-pages 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --max-pages 0
check stray-arg 1 "$IOH_BIN" report "$T_DIR/h-a.vmcore"
check help 0 "$IOH_BIN" report --help

# The real legacy crash with its capture log: tables copied, nothing faulted.
s="$IOH_SAMPLES/legacy-virtio"
dump="$IOH_BUILDDIR/samples/legacy-virtio.kdump"
if [ -f "$s/vmcore.kdump.xz" ]; then
	if [ ! -f "$dump" ]; then
		mkdir -p "$IOH_BUILDDIR/samples"
		xz -dc "$s/vmcore.kdump.xz" >"$dump.part.$$" && mv "$dump.part.$$" "$dump"
	fi
	check real 0 "$IOH_BIN" report --vmcore "$dump" --dmesg "$s/capture-console.log"
	has real '^dmar0: root table 0x1a2d000, legacy mode \(certain\), 7 device\(s\), tables copied by the capture kernel'
fi
done_suite
