#!/bin/sh
# Regenerates the seed corpora that are derived from the test fixtures:
#   tests/fuzz/mkseeds.sh        (from the top of the source tree)
# Seeds written by hand (and crash reproducers, crash-*) are left alone.
set -eu
cd "$(dirname "$0")/../.."
c=tests/fuzz/corpus
mkdir -p "$c/fuzz-memimg" "$c/fuzz-walk"

# Memory images: the fixtures as they are.
for f in tests/fixtures/mem/*.txt; do
	cp "$f" "$c/fuzz-memimg/"
done

# Walks: the fixture with its walk line ("Walk with rtaddr X, [mode] M, HAW N").
for f in tests/fixtures/mem/*.txt; do
	w=$(sed -n 's/.*[Ww]alk with rtaddr \(0x[0-9a-f]*\), \(mode \)\{0,1\}\([a-z]*\), HAW \([0-9]*\).*/#walk \1 \3 \4/p' "$f" | head -1)
	[ -n "$w" ] || continue
	{ echo "$w"; cat "$f"; } >"$c/fuzz-walk/$(basename "$f")"
	# the same tables with torn entries delivered too
	{ echo "$w 1"; cat "$f"; } >"$c/fuzz-walk/np-$(basename "$f")"
done

# Kernel logs: the small fixtures (the two 28 KiB sample captures are left out),
# each behind the chunk-size byte the target reads first.
mkdir -p "$c/fuzz-klog"
for f in tests/fixtures/logs/*.log; do
	[ "$(wc -c <"$f")" -le 4096 ] || continue
	{ printf '\007'; cat "$f"; } >"$c/fuzz-klog/$(basename "$f")"
done

# DMAR tables: the binaries the hex fixtures describe (tiny).
mkdir -p "$c/fuzz-dmar"
for f in tests/fixtures/dmar/*.hex; do
	sh tests/fixtures/dmar/hex2bin.sh "$f" "$c/fuzz-dmar/$(basename "$f" .hex).bin"
done

# Scenarios: the fixtures as they are.
mkdir -p "$c/fuzz-scenario"
cp tests/fixtures/scenarios/*.scn "$c/fuzz-scenario/"

# VMCOREINFO: the note text of the vmcore descriptions.
mkdir -p "$c/fuzz-vmcoreinfo"
for f in tests/fixtures/vmcores/*.txt; do
	awk '/^@vmcoreinfo/ { on = 1; next } /^@/ || /^$/ { on = 0 } on' "$f" \
		>"$c/fuzz-vmcoreinfo/$(basename "$f")"
done

# decode --table files: the fixtures behind the byte that picks the table type
# (0 root, 1 context, 2 sm-context, 3 pasid-dir, 4 pasid; 0x08 scalable).
mkdir -p "$c/fuzz-cli-decode"
for f in tests/fixtures/decode/*.txt; do
	case $(basename "$f") in
	root-legacy.txt) b='\000' ;;
	root-scalable.txt) b='\010' ;;
	context-legacy.txt) b='\001' ;;
	sm-context.txt) b='\012' ;;
	pasid-dir.txt) b='\003' ;;
	pasid.txt) b='\004' ;;
	*) continue ;;
	esac
	{ printf "$b"; cat "$f"; } >"$c/fuzz-cli-decode/$(basename "$f")"
done

# sysfs: one run per file/link in the order fuzz-sysfs.c lists them, each a length
# byte and the bytes: a q35 capture kernel's view, with the real DMAR table.
mkdir -p "$c/fuzz-sysfs"
run() { printf "\\$(printf %03o "${#1}")"; printf '%s' "$1"; }
dmar=$(mktemp)
sh tests/fixtures/dmar/hex2bin.sh tests/fixtures/dmar/qemu-q35.hex "$dmar"
{
	run 'BOOT_IMAGE=/vmlinuz intel_iommu=on iommu=pt reset_devices'
	printf "\\$(printf %03o "$(wc -c <"$dmar")")"; cat "$dmar"
	run 'fed90000'; run 'd2008c22260286'; run 'f00f4a'; run '1:0'
	run "$(printf '\206\200\323\020\007\005\020\000')"; run '0x8086'; run '0x030000'
	run "$(printf '\364\032\001\020\003\001\020\000')"; run '0x1041'
	run '../../../bus/pci/drivers/e1000e'; run '../../../kernel/iommu_groups/3'
	run '../../../devices/virtual/iommu/dmar0'; run '../../../bus/pci/drivers/virtio-pci'
} >"$c/fuzz-sysfs/q35-capture.bin"
rm -f "$dmar"
