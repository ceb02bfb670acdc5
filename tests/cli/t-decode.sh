#!/bin/sh
# iommu-handover decode: golden text and JSON, exit codes, hostile input.
. "$IOH_SRCDIR/tests/cli/lib.sh"
D="$FIX/decode"
B="$IOH_BIN"

# in_fix CMD...: runs the binary from the fixture directory, so file names in
# the output are relative and the goldens do not depend on where the tree is.
in_fix() { (cd "$D" && "$B" "$@"); }

# put_q FILE INDEX HEX16: writes one little-endian 64-bit word at word INDEX.
put_q() {
	h=$3 esc="" i=16
	while [ $i -gt 0 ]; do
		esc="$esc\\$(printf '%03o' "0x$(echo "$h" | cut -c$((i - 1))-$i)")"
		i=$((i - 2))
	done
	printf "$esc" | dd of="$1" bs=1 seek=$(($2 * 8)) conv=notrunc 2>/dev/null
}

# ---- the built-in example (what `decode` with no arguments shows) ----
golden example-noargs 0 "$D/example.txt.out" "$B" decode
golden example 0 "$D/example.txt.out" "$B" decode --example
golden example-json 0 "$D/example.json.out" "$B" decode --example --json

# ---- single entries and registers ----
golden context 0 "$D/context.txt.out" "$B" decode --context-lo 0x12345001 --context-hi 0x502
golden torn-json 2 "$D/torn.json.out" "$B" decode --context-lo 3a1c5001 --json
# CAP/ECAP of the samples (capture-console.log of legacy-virtio and scalable-virtio).
golden cap-ecap 0 "$D/cap-ecap.txt.out" "$B" decode --cap d2008c22260286 --ecap f00f4a
golden cap-ecap-sm-json 0 "$D/cap-ecap-sm.json.out" "$B" decode --cap 0xd2008c22260206 \
	--ecap 0x480080f00f4a --json
golden regs-json 0 "$D/regs.json.out" "$B" decode --rtaddr 0x1d49400 \
	--frcd 0x7cd80000,0xc000000100000010 --gsts 0xc7000000 --fsts 0x2 \
	--fault-reason 2 --fault-reason 0x41 --fault-reason 0x24 --json
golden entries-sm 0 "$D/entries-sm.txt.out" "$B" decode --mode scalable \
	--root 0x1d4a001,0x1d4b001 --sm-context 0x1d50201,0 --pasid-dir 0x1d60001 \
	--pasid 0x1d70089,1
check fault-unknown 2 "$B" decode --fault-reason 0x33
has fault-unknown "not a defined fault reason"
check frcd-rsvd 2 "$B" decode --frcd 0x7cd80001,0x8000000100000010
has frcd-rsvd "problem: rsvd_lo"
check rtaddr-ttm 2 "$B" decode --rtaddr 0x1d49800
has rtaddr-ttm "problem: ttm"
check haw39 2 "$B" decode --context-lo 0x8000001001 --context-hi 0x101 --haw 39
has haw39 "beyond the 39-bit host address width"
check haw48 0 "$B" decode --context-lo 0x8000001001 --context-hi 0x101
check pt-aw0 2 "$B" decode --context-lo 0x9 --context-hi 0
has pt-aw0 "problem: aw"

# ---- table pages ----
golden table-context 2 "$D/table-context.txt.out" in_fix decode --table context context-legacy.txt
golden table-context-json 2 "$D/table-context.json.out" in_fix decode --table context --json \
	context-legacy.txt
golden table-root 2 "$D/table-root.txt.out" in_fix decode --table root --haw 39 root-legacy.txt
golden table-root-sm 2 "$D/table-root-sm.txt.out" in_fix decode --table root --mode scalable \
	root-scalable.txt
golden table-sm-context-json 2 "$D/table-sm-context.json.out" in_fix decode --table context \
	--mode scalable --json sm-context.txt
golden table-pasid-dir 2 "$D/table-pasid-dir.txt.out" in_fix decode --table pasid-dir pasid-dir.txt
golden table-pasid 2 "$D/table-pasid.txt.out" in_fix decode --table pasid pasid.txt

# The same context page as 4096 raw bytes decodes to the same text.
bin="$T_DIR/context.bin"
head -c 4096 /dev/zero >"$bin"
put_q "$bin" 0 000000003a1c0001
put_q "$bin" 1 0000000000000101
put_q "$bin" 32 000000003a1c4001
put_q "$bin" 33 0000000000000201
put_q "$bin" 48 000000003a1c5001
put_q "$bin" 496 0000000000000002
put_q "$bin" 500 000000003a1c6011
put_q "$bin" 501 0000000000000301
golden table-binary 2 "$D/table-context.txt.out" "$B" decode --table context "$bin"
golden table-stdin 2 "$D/table-context.txt.out" sh -c '"$0" decode --table context - <"$1"' "$B" "$bin"

# A full 512-word text page without labels; all zero but one entry.
full="$T_DIR/full.txt"
i=0
while [ $i -lt 512 ]; do
	if [ $i -eq 2 ]; then echo "0x1d4a001"; else echo "0"; fi
	i=$((i + 1))
done >"$full"
check table-full-text 0 "$B" decode --table root "$full"
has table-full-text "^\[  1\] bus 01"
has table-full-text "1 of 256 entries in use, 0 with problems"
check table-clean 0 "$B" decode --table root "$T_DIR/full.txt"

# ---- bad usage and hostile input: exit 1 and a message naming what is wrong ----
check nonhex 1 "$B" decode --context-lo 0x12g45
has nonhex "--context-lo: '0x12g45' is not a hex number" "$T_DIR/nonhex.err"
check toolong 1 "$B" decode --cap 0x10000000000000000
has toolong "more than 64 bits" "$T_DIR/toolong.err"
check too-many 1 "$B" decode --sm-context 1,2,3,4,5
has too-many "--sm-context: 5 words given, at most 4" "$T_DIR/too-many.err"
check too-few 1 "$B" decode --frcd 1
has too-few "--frcd: 1 word given, needs 2" "$T_DIR/too-few.err"
check empty-word 1 "$B" decode --pasid 1,,2
has empty-word "empty word" "$T_DIR/empty-word.err"
check hi-only 1 "$B" decode --context-hi 5
has hi-only "needs --context-lo" "$T_DIR/hi-only.err"
check twice 1 "$B" decode --context-lo 1 --context-lo 2
check reg32 1 "$B" decode --gsts 0x100000000
check bad-reason 1 "$B" decode --fault-reason 256
check bad-haw 1 "$B" decode --haw 7
check bad-mode 1 "$B" decode --mode ecs --root 1
has bad-mode "--mode: 'ecs' is not legacy or scalable" "$T_DIR/bad-mode.err"
check unknown-table 1 "$B" decode --table iotlb x
has unknown-table "--table: unknown type 'iotlb'" "$T_DIR/unknown-table.err"
check no-file 1 "$B" decode --table root
check missing-file 1 "$B" decode --table root "$T_DIR/does-not-exist.bin"
has missing-file "does-not-exist.bin: No such file or directory" "$T_DIR/missing-file.err"
head -c 1000 /dev/zero >"$T_DIR/short.bin"
check short-file 1 "$B" decode --table context "$T_DIR/short.bin"
has short-file "short.bin: 1000 bytes, a table page is 4096" "$T_DIR/short-file.err"
head -c 4097 /dev/zero >"$T_DIR/long.bin"
check long-file 1 "$B" decode --table context "$T_DIR/long.bin"
has long-file "long.bin: 4097 bytes, a table page is 4096" "$T_DIR/long-file.err"
: >"$T_DIR/empty.bin"
check empty-file 1 "$B" decode --table context "$T_DIR/empty.bin"
has empty-file "empty.bin: 0 bytes" "$T_DIR/empty-file.err"
printf '0x1 0x2 zz\n' >"$T_DIR/badword.txt"
check text-badword 1 "$B" decode --table root "$T_DIR/badword.txt"
has text-badword "badword.txt: line 1: 'zz' is not a hex number" "$T_DIR/text-badword.err"
printf '0x1 0x2\n' >"$T_DIR/fewwords.txt"
check text-few 1 "$B" decode --table root "$T_DIR/fewwords.txt"
has text-few "fewwords.txt: 2 hex words, a table page is 512" "$T_DIR/text-few.err"
printf '0x1004: 1\n' >"$T_DIR/badoff.txt"
check text-offset 1 "$B" decode --table root "$T_DIR/badoff.txt"
has text-offset "offset 0x1004 is not a multiple of 8 below 0x1000" "$T_DIR/text-offset.err"
printf '0: 1 2\n8: 3\n' >"$T_DIR/twice.txt"
check text-twice 1 "$B" decode --table root "$T_DIR/twice.txt"
has text-twice "given twice" "$T_DIR/text-twice.err"
printf 'ff8: 1 2\n' >"$T_DIR/over.txt"
check text-overflow 1 "$B" decode --table pasid-dir "$T_DIR/over.txt"
has text-overflow "more than 512 words" "$T_DIR/text-overflow.err"
check half-bad 1 "$B" decode --table sm-context --half middle "$full"
has half-bad "--half: 'middle' is not lower or upper" "$T_DIR/half-bad.err"
check half-no-table 1 "$B" decode --half upper --cap 1
check half-root 1 "$B" decode --table root --half upper "$full"
check half-upper 2 in_fix decode --table sm-context --half upper sm-context.txt
has half-upper "^\[  3\] device 10\.3$"
check dir-file 1 "$B" decode --table root "$T_DIR"
has dir-file "Is a directory" "$T_DIR/dir-file.err"
check endless-file 1 "$B" decode --table root /dev/zero
has endless-file "/dev/zero: larger than 1048576 bytes" "$T_DIR/endless-file.err"
# Random bytes: every entry decodes, problems are named, at most 16 per entry kept.
head -c 4096 /dev/urandom >"$T_DIR/random.bin"
check random-page 2 "$B" decode --table pasid "$T_DIR/random.bin"
has random-page "64 of 64 entries in use, 64 with problems"
check random-page-json 2 "$B" decode --table pasid --json "$T_DIR/random.bin"
check mixed 1 "$B" decode --table root --cap 1 "$full"
check stray-arg 1 "$B" decode --cap 1 extra
check example-plus 1 "$B" decode --example --cap 1
check bad-option 1 "$B" decode --no-such-option
check help 0 "$B" decode --help
has help "--table root\|context\|sm-context\|pasid-dir\|pasid"
check listed 0 "$B" --help
has listed "^  decode "

done_suite
