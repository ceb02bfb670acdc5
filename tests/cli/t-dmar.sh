#!/bin/sh
# iommu-handover dmar: the real QEMU table, every structure type, hostile tables.
. "$(dirname "$0")/lib.sh"
D="$FIX/dmar"
for f in qemu-q35 full truncated zero-length bad-checksum; do
	sh "$D/hex2bin.sh" "$D/$f.hex" "$T_DIR/$f.bin" || fail "hex2bin-$f"
done
golden text-qemu-q35 0 "$D/golden/qemu-q35.txt" "$IOH_BIN" dmar "$T_DIR/qemu-q35.bin"
golden json-qemu-q35 0 "$D/golden/qemu-q35.json" "$IOH_BIN" dmar --json "$T_DIR/qemu-q35.bin"
golden text-full 0 "$D/golden/full.txt" "$IOH_BIN" dmar "$T_DIR/full.bin"
golden json-full 0 "$D/golden/full.json" "$IOH_BIN" dmar --json "$T_DIR/full.bin"
real=${IOH_SAMPLES:-/work/shared/samples}/acpi/qemu-q35-intel-iommu.DMAR
if [ -f "$real" ]; then
	golden real-sample 0 "$D/golden/qemu-q35.txt" "$IOH_BIN" dmar "$real"
	golden real-stdin 0 "$D/golden/qemu-q35.txt" sh -c '"$1" dmar - <"$2"' sh "$IOH_BIN" "$real"
fi
mkdir -p "$T_DIR/sys/firmware/acpi/tables"
cp "$T_DIR/qemu-q35.bin" "$T_DIR/sys/firmware/acpi/tables/DMAR"
golden sysfs-root 0 "$D/golden/qemu-q35.txt" "$IOH_BIN" dmar --sysfs-root "$T_DIR/sys"
check truncated 1 "$IOH_BIN" dmar "$T_DIR/truncated.bin"
has truncated 'length field 104 runs past the end of the data \(60 bytes\)' "$T_DIR/truncated.err"
check zero-length 1 "$IOH_BIN" dmar "$T_DIR/zero-length.bin"
has zero-length 'DRHD at offset 48: length 0' "$T_DIR/zero-length.err"
check bad-checksum 2 "$IOH_BIN" dmar "$T_DIR/bad-checksum.bin"
has bad-checksum 'checksum 0x43 \(BAD\)'
check bad-checksum-strict 1 "$IOH_BIN" dmar --strict "$T_DIR/bad-checksum.bin"
check missing 1 "$IOH_BIN" dmar "$T_DIR/nope"
check empty 1 "$IOH_BIN" dmar /dev/null
check help 0 "$IOH_BIN" dmar --help
check two-files 1 "$IOH_BIN" dmar a b
done_suite
