#!/bin/sh
# report --fingerprint-save / --fingerprint-compare: the file format as the
# CLI writes it (docs/report-format.md, "Fingerprint file"), files damaged
# on disk, another dump's fingerprint, and the real samples across formats.
. "$(dirname "$0")/lib.sh"
MK="$IOH_BUILDDIR/tests/tools/mkvmcore"
for f in a b; do
	"$MK" "$FIX/vmcores/handover-$f.txt" "$T_DIR/h-$f.vmcore" || fail "mkvmcore-$f"
done
# The same tables, another crash: a crash time of its own.
sed 's/^PAGESIZE=4096$/PAGESIZE=4096\nCRASHTIME=1764072000/' "$FIX/vmcores/handover-b.txt" \
	>"$T_DIR/other.txt"
"$MK" "$T_DIR/other.txt" "$T_DIR/other.vmcore" || fail mkvmcore-other
rm -f "$T_DIR"/*.fp "$T_DIR"/*.fp.tmp.*

# bytes FILE OFFSET COUNT: the bytes there, as hex without spaces
bytes() { od -A n -t x1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# poke FILE OFFSET OCTAL-ESCAPES: overwrite bytes in place
poke() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
# refused NAME FILE PATTERN: compare exits 1 and says PATTERN
refused() {
	run "$1" 1 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-compare "$2" &&
		has "$1" "$3" "$T_DIR/$1.err"
}

check save 0 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-save "$T_DIR/a.fp"
has save '2 page\(s\) fingerprinted into' "$T_DIR/save.err"
# Header as documented: magic, format 1, 164-byte header, 2 devices, 2 pages,
# and 164 + 2 x 12 + 2 x 168 + 4 bytes in all.
[ "$(bytes "$T_DIR/a.fp" 0 12)" = 89494f4846500d0a0100a400 ] && pass header-magic ||
	fail header-magic "$(bytes "$T_DIR/a.fp" 0 12)"
[ "$(bytes "$T_DIR/a.fp" 28 12)" = 020000000200000000000000 ] && pass header-counts ||
	fail header-counts "$(bytes "$T_DIR/a.fp" 28 12)"
[ "$(wc -c <"$T_DIR/a.fp")" -eq 528 ] && pass size || fail size "$(wc -c <"$T_DIR/a.fp")"
# The release the fingerprint was taken from, at offset 96.
[ "$(dd if="$T_DIR/a.fp" bs=1 skip=96 count=16 2>/dev/null)" = 6.1.0-test-amd64 ] &&
	pass osrelease || fail osrelease
if ls "$T_DIR"/a.fp.tmp.* >/dev/null 2>&1; then fail no-litter; else pass no-litter; fi

# Never over an existing file, whatever is in it.
cp "$T_DIR/a.fp" "$T_DIR/keep.fp"
run save-again 1 "$IOH_BIN" report --vmcore "$T_DIR/h-b.vmcore" --fingerprint-save "$T_DIR/a.fp" &&
	has save-again 'never overwritten' "$T_DIR/save-again.err"
cmp -s "$T_DIR/a.fp" "$T_DIR/keep.fp" && pass save-again-kept || fail save-again-kept
if ls "$T_DIR"/a.fp.tmp.* >/dev/null 2>&1; then fail no-litter-again; else pass no-litter-again; fi

# Compares: the same dump, then the dump a moment later (the NIC's page written).
check same 0 "$IOH_BIN" report --vmcore "$T_DIR/h-a.vmcore" --fingerprint-compare "$T_DIR/a.fp"
check changed 2 "$IOH_BIN" report --vmcore "$T_DIR/h-b.vmcore" --fingerprint-compare "$T_DIR/a.fp"
has changed '^0000:00:02.0  in-flight-dma'
# Another crash: refused, both dumps named, no report.
run other 1 "$IOH_BIN" report --vmcore "$T_DIR/other.vmcore" --fingerprint-compare "$T_DIR/a.fp" &&
	has other 'taken from another dump, not compared: the fingerprint is of Linux 6.1.0-test-amd64 \(VMCOREINFO' "$T_DIR/other.err" &&
	has other 'other.vmcore is Linux 6.1.0-test-amd64, crashed 2025-11-25 12:00:00 UTC' "$T_DIR/other.err"
[ -s "$T_DIR/other.out" ] && fail other-no-report "$(head -3 "$T_DIR/other.out")" || pass other-no-report

# Damaged files: each refused with what and where.
head -c 300 "$T_DIR/a.fp" >"$T_DIR/cut.fp"
refused cut "$T_DIR/cut.fp" 'offset 300 \(page record 0 field .line_hash.\): truncated: the file is 300 bytes'
head -c 5 "$T_DIR/a.fp" >"$T_DIR/tiny.fp"
refused tiny "$T_DIR/tiny.fp" 'not a fingerprint file \(shorter than the 8-byte magic\)'
: >"$T_DIR/empty.fp"
refused empty "$T_DIR/empty.fp" 'not a fingerprint file'
{ cat "$T_DIR/a.fp"; echo extra; } >"$T_DIR/long.fp"
refused long "$T_DIR/long.fp" 'offset 528 \(past the end\): 6 bytes of trailing data'
cp "$T_DIR/a.fp" "$T_DIR/flip.fp"
poke "$T_DIR/flip.fp" 400 '\377'
refused flip "$T_DIR/flip.fp" 'offset 524 \(trailer field .crc32.\): checksum 0x[0-9a-f]{8}, but .*the file is damaged'
cp "$T_DIR/a.fp" "$T_DIR/hdr.fp"
poke "$T_DIR/hdr.fp" 32 '\377\377\377\377'
refused hdr "$T_DIR/hdr.fp" 'offset 160 \(header field .header_crc32.\): .*the header is damaged'
cp "$T_DIR/a.fp" "$T_DIR/v2.fp"
poke "$T_DIR/v2.fp" 8 '\002'
refused newer "$T_DIR/v2.fp" 'made by a newer version of iommu-handover \(format 2; this version reads format 1\)'
printf 'iommu-handover fingerprint 1\npages 0 devices 0 skipped 0 unreadable 0\ndata\n' >"$T_DIR/old.fp"
refused old "$T_DIR/old.fp" 'old unversioned layout.*take the fingerprint again'
refused dir "$T_DIR" 'Is a directory'

# The real legacy crash: fingerprinted from the kdump-compressed file, compared
# with an ELF copy of it (another format, the same dump), and refused against
# the scalable crash.
s="$IOH_SAMPLES"
kd="$IOH_BUILDDIR/samples/legacy-virtio.kdump"
sd="$IOH_BUILDDIR/samples/scalable-virtio.kdump"
for v in legacy scalable; do
	d="$IOH_BUILDDIR/samples/$v-virtio.kdump"
	if [ -f "$s/$v-virtio/vmcore.kdump.xz" ] && [ ! -f "$d" ]; then
		mkdir -p "$IOH_BUILDDIR/samples"
		xz -dc "$s/$v-virtio/vmcore.kdump.xz" >"$d.part.$$" && mv "$d.part.$$" "$d"
	fi
done
if [ -f "$kd" ] && [ -f "$sd" ]; then
	check real-save 0 "$IOH_BIN" report --vmcore "$kd" --fingerprint-save "$T_DIR/real.fp"
	has real-save '204 page\(s\) fingerprinted' "$T_DIR/real-save.err"
	"$IOH_BUILDDIR/tests/tools/dump2elf" "$kd" "$T_DIR/real.elf" || fail dump2elf
	check real-elf 0 "$IOH_BIN" report --vmcore "$T_DIR/real.elf" --fingerprint-compare "$T_DIR/real.fp"
	has real-elf '^verdict: clean — 0 in-flight'
	rm -f "$T_DIR/real.elf"
	run real-other 1 "$IOH_BIN" report --vmcore "$sd" --fingerprint-compare "$T_DIR/real.fp" &&
		has real-other 'crashed 2026-11-24 18:32:43 UTC.*is Linux 6.1.0-56-amd64, crashed 2026-11-24 18:33:04 UTC' "$T_DIR/real-other.err"
fi
done_suite
