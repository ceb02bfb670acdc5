#!/bin/sh
# decode on the real crash samples (/work/shared/samples, README there): the
# crashed kernel's root table (truth.txt rtaddr_old), its context tables and,
# in scalable mode, a PASID directory and table, copied page by page out of
# the dump as raw 4096-byte files. Every entry must decode without a problem
# and the present context entries must be exactly the devices truth.txt lists.
. "$IOH_SRCDIR/tests/cli/lib.sh"
B="$IOH_BIN"
PAGE="$IOH_BUILDDIR/tests/tools/kdump-page"
S=${IOH_SAMPLES:-/work/shared/samples}

# json_addr FILE KEY: the first "KEY": "0x..." value in a decode --json output.
json_addr() { sed -n "s/.*\"$2\": \"\(0x[0-9a-f]*\)\".*/\1/p" "$1" | head -n 1; }

# devices FILE...: "0000:00:dd.f" for every present context entry in text output,
# comma-separated in order (the samples use bus 0 only).
devices() {
	for f in "$@"; do
		sed -n 's/^\[ *[0-9]*\] device \([0-9a-f][0-9a-f]\)\.\([0-7]\).*/0000:00:\1.\2/p' "$f"
	done | paste -sd, -
}

truth() { sed -n "s/^$2: //p" "$S/$1/truth.txt"; }

sample() {
	name=$1
	if [ ! -r "$S/$name/vmcore.kdump.xz" ] || [ ! -x "$PAGE" ]; then
		echo "note: $name or kdump-page not available; skipped"
		return
	fi
	dump="$T_DIR/$name.kdump"
	xz -dc "$S/$name/vmcore.kdump.xz" >"$dump" || { fail "$name-xz" "cannot decompress"; return; }
	rt=$(truth "$name" rtaddr_old)
	mode=$(truth "$name" mode_old)
	devs_want=$(truth "$name" devices_mapped)
	"$PAGE" "$dump" "$rt" "$T_DIR/$name-root.bin" || { fail "$name-root-page"; return; }
	check "$name-root" 0 "$B" decode --table root --mode "$mode" --haw 39 --json "$T_DIR/$name-root.bin"
	has "$name-root" '"entries_with_problems": 0'
	has "$name-root" '"entries_used": 1'
	if [ "$mode" = legacy ]; then
		ctp=$(json_addr "$T_DIR/$name-root.out" ctp)
		"$PAGE" "$dump" "$ctp" "$T_DIR/$name-ctx.bin" || { fail "$name-ctx-page"; return; }
		check "$name-context" 0 "$B" decode --table context --haw 39 "$T_DIR/$name-ctx.bin"
		has "$name-context" "7 of 256 entries in use, 0 with problems"
		devs_got=$(devices "$T_DIR/$name-context.out")
	else
		lctp=$(json_addr "$T_DIR/$name-root.out" lctp)
		uctp=$(json_addr "$T_DIR/$name-root.out" uctp)
		"$PAGE" "$dump" "$lctp" "$T_DIR/$name-lo.bin" || { fail "$name-lctp-page"; return; }
		"$PAGE" "$dump" "$uctp" "$T_DIR/$name-up.bin" || { fail "$name-uctp-page"; return; }
		check "$name-sm-lower" 0 "$B" decode --table sm-context --half lower --haw 39 \
			"$T_DIR/$name-lo.bin"
		check "$name-sm-upper" 0 "$B" decode --table context --mode scalable --half upper \
			--haw 39 "$T_DIR/$name-up.bin"
		has "$name-sm-upper" "0 with problems"
		devs_got=$(devices "$T_DIR/$name-sm-lower.out" "$T_DIR/$name-sm-upper.out")
		# Follow 00:00.0 down to its RID_PASID entry (PASID 0).
		check "$name-sm-json" 0 "$B" decode --table sm-context --haw 39 --json "$T_DIR/$name-lo.bin"
		dir=$(json_addr "$T_DIR/$name-sm-json.out" pasiddirptr)
		"$PAGE" "$dump" "$dir" "$T_DIR/$name-pdir.bin" || { fail "$name-pdir-page"; return; }
		check "$name-pasid-dir" 0 "$B" decode --table pasid-dir --haw 39 --json \
			"$T_DIR/$name-pdir.bin"
		has "$name-pasid-dir" '"index": 0,'
		tbl=$(json_addr "$T_DIR/$name-pasid-dir.out" smptblptr)
		"$PAGE" "$dump" "$tbl" "$T_DIR/$name-ptbl.bin" || { fail "$name-ptbl-page"; return; }
		check "$name-pasid" 0 "$B" decode --table pasid --haw 39 "$T_DIR/$name-ptbl.bin"
		# Linux 6.1 puts DMA domains on second-level tables in scalable mode.
		has "$name-pasid" "^\[  0\] PASID\[5:0\] 0x00"
		has "$name-pasid" "present=1 aw=1 pgtt=2 slptptr=0x[0-9a-f]+ did=[1-9]"
	fi
	if [ "$devs_got" = "$devs_want" ]; then
		pass "$name-devices"
	else
		fail "$name-devices" "decoded: $devs_got" "truth:   $devs_want"
	fi
	rm -f "$dump"
}

sample legacy-virtio
sample scalable-virtio

done_suite
