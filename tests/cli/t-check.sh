#!/bin/sh
# iommu-handover check: golden output on fixture roots built from text
# descriptions (tests/fixtures/check/*.txt), JSON, hostile input, usage.
. "$IOH_SRCDIR/tests/cli/lib.sh"
CFX="$FIX/check"

mkroot() { sh "$CFX/mkroot.sh" "$CFX/$1.txt" "$T_DIR/root-$1"; }

# golden text output and exit code for each fixture root
for case in good-debian:0 good-fedora:0 no-crashkernel:2 not-loaded:2 sm-mismatch:2 \
	sm-mismatch-reverse:2 iommu-off:0 no-reset-devices:2 no-kdump:2 hostile:2; do
	name=${case%:*} want=${case#*:}
	if ! mkroot "$name" 2>"$T_DIR/mkroot-$name.err"; then
		fail "mkroot-$name" "$(cat "$T_DIR/mkroot-$name.err")"
		continue
	fi
	golden "$name" "$want" "$CFX/$name.expected" \
		timeout 20 "$IOH_BIN" check --root "$T_DIR/root-$name"
done

# the findings each scenario is about, independent of wording elsewhere
has no-crashkernel '^error +kdump\.crashkernel:'
has not-loaded '^error +kdump\.loaded:'
has sm-mismatch '^error +kdump\.iommu_mode: scalable-mode mismatch'
has sm-mismatch-reverse '^error +kdump\.iommu_mode: scalable-mode mismatch'
has iommu-off '^warning +iommu\.translation:'
has no-reset-devices '^error +kdump\.reset_devices:'
has good-debian '^check: 0 errors, 0 warnings'

# --json: same findings; root path replaced so the file is stable
if run json-sm 2 "$IOH_BIN" check --json --root "$T_DIR/root-sm-mismatch"; then
	sed "s|$T_DIR/root-sm-mismatch|ROOT|" "$T_DIR/json-sm.out" >"$T_DIR/json-sm.norm"
	if diff -u "$CFX/sm-mismatch.json" "$T_DIR/json-sm.norm" >"$T_DIR/json-sm.diff"; then
		pass json-sm
	else
		fail json-sm "$(head -30 "$T_DIR/json-sm.diff")"
	fi
	if command -v python3 >/dev/null; then
		check json-parses 0 python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"]==1' "$T_DIR/json-sm.out"
	fi
fi

# --quiet keeps warnings and errors only; the exit code is the same
check quiet 2 "$IOH_BIN" check -q --root "$T_DIR/root-sm-mismatch"
if grep -q '^info' "$T_DIR/quiet.out"; then fail quiet-no-info "info lines with -q"; else pass quiet-no-info; fi

# --release picks another /boot/config-REL
check release-missing 0 "$IOH_BIN" check --release 9.9.9-none --root "$T_DIR/root-good-debian"
has release-missing '^warning +kernel\.config: the kernel config is unreadable'

# errors in running: bad root, bad options
check root-missing 1 "$IOH_BIN" check --root "$T_DIR/does-not-exist"
has root-missing 'audit: root' "$T_DIR/root-missing.err"
: >"$T_DIR/a-file"
check root-file 1 "$IOH_BIN" check --root "$T_DIR/a-file"
check bad-release 1 "$IOH_BIN" check --release ../etc --root "$T_DIR/root-good-debian"
check bad-option 1 "$IOH_BIN" check --frobnicate
check extra-arg 1 "$IOH_BIN" check stray
check help 0 "$IOH_BIN" check --help
has help '^Usage: iommu-handover check'

done_suite
