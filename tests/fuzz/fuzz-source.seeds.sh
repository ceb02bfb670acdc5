#!/bin/sh
# Seeds for fuzz-source, generated (not kept in git): tiny ELF vmcores from
# text descriptions (mkvmcore), and the kdump-compressed file and flattened
# stream that the real makedumpfile makes from one of them, and that dump in
# each page compression (tests/tools/mkdiskdump). Each seed is the open-mode byte
# (0x00: probe every kind) followed by the file.
#   fuzz-source.seeds.sh OUTDIR MKVMCORE
set -eu
out=$1 mk=$2
[ -x "$mk" ] || exit 0
mkdir -p "$out"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

seed() { { printf '\000'; cat "$1"; } >"$out/$2"; }

# A 256-byte page layout keeps the file at 1 KiB.
cat >"$t/small.txt" <<'D'
cpus = 1
page_size = 256
@phdr type=LOAD paddr=0x100000 memsz=0x100
@vmcoreinfo
OSRELEASE=6.1.0-fuzz
PAGESIZE=4096
SYMBOL(swapper_pg_dir)=ffffffff8260a000
NUMBER(phys_base)=-2097152
KERNELOFFSET=1000000
CRASHTIME=1764064800
@0x100000
0x1011001 0
D
"$mk" "$t/small.txt" "$t/small.elf" && seed "$t/small.elf" small.elf

cat >"$t/two.txt" <<'D'
cpus = 2
page_size = 256
@phdr type=LOAD paddr=0x100000 memsz=0x200
@phdr type=LOAD paddr=0x1000000 memsz=0x100
@phdr type=LOAD paddr=0x1000000 memsz=0x100 alias=1
@0x1000000
0x1011001 0
D
"$mk" "$t/two.txt" "$t/two.elf" && seed "$t/two.elf" two-alias.elf

cat >"$t/class32.txt" <<'D'
class = 32
page_size = 256
@phdr type=LOAD paddr=0x1000 memsz=0x100
D
"$mk" "$t/class32.txt" "$t/c32.elf" && seed "$t/c32.elf" class32.elf

# kdump-compressed, by the real makedumpfile (no VMCOREINFO: it accepts -d 1 then)
if command -v makedumpfile >/dev/null 2>&1; then
	cat >"$t/novi.txt" <<'D'
cpus = 1
@phdr type=LOAD paddr=0x100000 memsz=0x4000
@0x100000
0x1111111111111111
D
	"$mk" "$t/novi.txt" "$t/novi.elf" &&
		makedumpfile -c -d 1 "$t/novi.elf" "$t/novi.kdump" >/dev/null 2>&1 &&
		seed "$t/novi.kdump" novi-zlib.kdump || true
	# the flattened stream (makedumpfile -F) of the same dump
	makedumpfile -F -d 1 "$t/novi.elf" >"$t/novi.flat" 2>/dev/null &&
		seed "$t/novi.flat" novi.flat || true
fi

# The same dump in every page compression, by our writer (makedumpfile 1.7.2
# has neither snappy nor zstd), so mutations start from each decoder.
mdd=$(dirname "$mk")/mkdiskdump
if [ -x "$mdd" ] && [ -f "$t/novi.elf" ]; then
	for c in none zlib lzo snappy zstd; do
		"$mdd" -c $c "$t/novi.elf" "$t/novi-$c.kdump" && seed "$t/novi-$c.kdump" "novi-$c.kdump" || true
	done
fi
