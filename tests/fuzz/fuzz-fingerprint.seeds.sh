#!/bin/sh
# Seeds for fuzz-fingerprint, generated (not kept in git): fingerprint files
# that the real `report --fingerprint-save` writes for the test vmcores, each
# behind the mode byte (0x00 as is, 0x01 checksums fixed by the target).
#   fuzz-fingerprint.seeds.sh OUTDIR MKVMCORE
set -eu
out=$1 mk=$2
[ -x "$mk" ] || exit 0
bin=$(cd "$(dirname "$mk")/../.." && pwd)/iommu-handover
[ -x "$bin" ] || exit 0
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

for f in handover-a handover-torn; do
	"$mk" "$src/tests/fixtures/vmcores/$f.txt" "$t/$f.vmcore" || continue
	"$bin" report --vmcore "$t/$f.vmcore" --fingerprint-save "$t/$f.fp" 2>/dev/null || continue
	{ printf '\000'; cat "$t/$f.fp"; } >"$out/$f"
	{ printf '\001'; cat "$t/$f.fp"; } >"$out/$f-fix"
	# a page cap of 1: one page watched, the rest counted
	"$bin" report --vmcore "$t/$f.vmcore" --max-pages 1 --fingerprint-save "$t/$f-1.fp" \
		2>/dev/null && { printf '\001'; cat "$t/$f-1.fp"; } >"$out/$f-cap1"
done
exit 0
