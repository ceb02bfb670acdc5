#!/bin/sh
# Discovery scan vs cat: a multi-GiB sparse ELF vmcore holding one legacy root
# table, streamed by `scan` without --rtaddr (page cache warm, same file, same
# run), and the scan's peak RSS. Also the real kdump-compressed samples.
set -u
: "${IOH_BUILDDIR:?}" "${IOH_SRCDIR:?}" "${IOH_BENCHDIR:?}"
gib=${IOH_BENCH_SCAN_GIB:-4}
dump="$IOH_BENCHDIR/scan-${gib}g.vmcore"
if [ ! -f "$dump" ]; then
	{
		printf '@phdr type=LOAD paddr=0x1000000 memsz=0x%x\n' $((gib << 30))
		sed -n '/^@vmcoreinfo/,$p' "$IOH_SRCDIR/tests/fixtures/vmcores/handover-a.txt"
	} >"$dump.txt"
	"$IOH_BUILDDIR/tests/tools/mkvmcore" "$dump.txt" "$dump" || exit 1
fi
secs() { # command...: best wall time of three runs
	best=
	for i in 1 2 3; do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s.%N)
		t=$(awk "BEGIN { printf \"%.3f\", $t1 - $t0 }")
		if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
	done
	echo "$best"
}
cat "$dump" >/dev/null
c=$(secs cat "$dump")
s=$(secs "$IOH_BIN" scan -q "$dump")
rss=$(/usr/bin/time -f %M "$IOH_BIN" scan -q "$dump" 2>&1 >/dev/null | tail -1)
echo "scan ${gib} GiB sparse ELF: cat ${c} s, scan ${s} s, scan/cat speed $(awk "BEGIN { printf \"%.2f\", $c / $s }")x (target >= 0.8x), peak RSS ${rss} KiB"
for smp in legacy scalable; do
	d="$IOH_BUILDDIR/samples/$smp-virtio.kdump"
	[ -f "$d" ] || continue
	t=$(secs "$IOH_BIN" scan -q "$d")
	rss=$(/usr/bin/time -f %M "$IOH_BIN" scan -q "$d" 2>&1 >/dev/null | tail -1)
	echo "scan real $smp sample (kdump-compressed lzo, 1 GiB RAM): ${t} s, peak RSS ${rss} KiB (target <= 8192)"
done
# A dump of a big machine filtered down to a little (256 GiB of RAM declared,
# every 64th page past the sample dumped): peak RSS must not grow with it.
# Our reader (the default) against libkdumpfile (--reader libkdumpfile).
src="$IOH_BUILDDIR/samples/legacy-virtio.kdump"
big="$IOH_BENCHDIR/scan-256g.kdump"
if [ -f "$src" ] && { [ -f "$big" ] || "$IOH_BUILDDIR/tests/tools/mkdiskdump" -c lzo \
	--pad-gib 256 --pad-every 64 "$src" "$big"; }; then
	for reader in auto libkdumpfile; do
		# libkdumpfile takes seconds here: one timed run, not the best of three.
		tr=$(/usr/bin/time -f '%e %M' "$IOH_BIN" scan -q --reader $reader "$big" 2>&1 >/dev/null | tail -1)
		rt=$(/usr/bin/time -f %M "$IOH_BIN" scan -q --reader $reader --rtaddr 0x1a2d000 "$big" 2>&1 >/dev/null | tail -1)
		echo "scan 256 GiB-RAM kdump (lzo, 1.3 M pages dumped), reader $reader: ${tr% *} s, peak RSS ${tr#* } KiB (target <= 8192); with --rtaddr ${rt} KiB"
	done
fi
