#!/bin/sh
# iommu-handover info: formats, reads, exit codes on damaged dumps.
. "$IOH_SRCDIR/tests/cli/lib.sh"
MK="$IOH_BUILDDIR/tests/tools/mkvmcore"
D="$T_DIR"

"$MK" "$FIX/vmcores/basic.txt" "$D/basic.vmcore" || fail mkvmcore "mkvmcore failed"

check help 0 "$IOH_BIN" info --help
has help 'Usage: iommu-handover info'
check badopt 1 "$IOH_BIN" info --bogus "$D/basic.vmcore"
check nodump 1 "$IOH_BIN" info
check missing 1 "$IOH_BIN" info "$D/does-not-exist"
has missing:err 'No such file' "$D/missing.err"

check basic 0 "$IOH_BIN" info -r -x 0x1010000:16 "$D/basic.vmcore"
has basic '^kind: +elf$'
has basic 'OSRELEASE +6\.1\.0-test-amd64'
has basic 'KERNELOFFSET 0x1000000'
has basic '^  \[0x1000000, 0x1100000\)$'
has basic '^0x1010000: 0x0000000001011001 0x0000000000000000$'
has basic '^problems: +0$'

check json 0 "$IOH_BIN" info --json -x 0x1011100:16 "$D/basic.vmcore"
has json '"kind": "elf"'
has json '"OSRELEASE": "6.1.0-test-amd64"'
has json '"0x1012001"'

check hole 1 "$IOH_BIN" info -x 0x300000 "$D/basic.vmcore"
has hole:err '0x300000: not in the dump' "$D/hole.err"
check badread 1 "$IOH_BIN" info -x 0x1000:0 "$D/basic.vmcore"

# Truncated: opens, reports the problem, exit 2.
printf 'truncate = 0x3000\n@phdr type=LOAD paddr=0x100000 memsz=0x10000\n' >"$D/trunc.txt"
"$MK" "$D/trunc.txt" "$D/trunc.vmcore"
check truncated 2 "$IOH_BIN" info "$D/trunc.vmcore"
has truncated 'truncated dump'

: >"$D/empty"
check empty 1 "$IOH_BIN" info "$D/empty"
has empty:err 'empty file' "$D/empty.err"
head -c 5000 /dev/urandom >"$D/junk"
check junk 1 "$IOH_BIN" info "$D/junk"
has junk:err 'not a vmcore' "$D/junk.err"

# Raw image at a base address.
printf '\001\020\001\001\000\000\000\000' >"$D/raw.img"
check raw 0 "$IOH_BIN" info -x 0x2000 "raw:$D/raw.img@0x2000"
has raw '^0x2000: 0x0000000001011001$'

# A real crash: the root table QEMU's trace recorded.
S=${IOH_SAMPLES:-/work/shared/samples}/legacy-virtio
if [ -r "$S/vmcore.kdump.xz" ]; then
	xz -dc "$S/vmcore.kdump.xz" >"$D/legacy.kdump"
	rt=$(sed -n 's/^rtaddr_old: //p' "$S/truth.txt")
	check sample 0 "$IOH_BIN" info -x "$rt:16" "$D/legacy.kdump"
	has sample 'kdump-compressed lzo'
	has sample 'OSRELEASE +6\.1\.0-56-amd64'
	has sample "^$rt: 0x[0-9a-f]{15}1 "
	# The same words through libkdumpfile; a reader that is not the file's kind says so.
	check reader-lkdf 0 "$IOH_BIN" info --reader libkdumpfile -x "$rt:16" "$D/legacy.kdump"
	has reader-lkdf 'through libkdumpfile'
	w=$(grep "^$rt: " "$T_DIR/sample.out")
	has reader-lkdf "^$w\$"
	check reader-elf 1 "$IOH_BIN" scan --reader elf "$D/legacy.kdump"
	has reader-elf 'not a elf dump' "$T_DIR/reader-elf.err"
	check reader-bad 1 "$IOH_BIN" report --reader ext4 --vmcore "$D/legacy.kdump"
	has reader-bad "unknown reader 'ext4'" "$T_DIR/reader-bad.err"
	rm -f "$D/legacy.kdump"
else
	fail sample "samples not readable at $S"
fi
done_suite
