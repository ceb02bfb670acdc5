#!/bin/sh
# iommu-handover check: golden output on fixture roots built from text
# descriptions (tests/fixtures/check/*.txt), JSON, hostile input, usage.
. "$IOH_SRCDIR/tests/cli/lib.sh"
CFX="$FIX/check"

mkroot() { sh "$CFX/mkroot.sh" "$CFX/$1.txt" "$T_DIR/root-$1"; }

# golden text output and exit code for each fixture root
for case in good-debian:0 good-fedora:0 no-crashkernel:2 not-loaded:2 sm-mismatch:2 \
	sm-mismatch-reverse:2 iommu-off:0 no-reset-devices:2 no-kdump:2 hostile:2 no-hooks:0 no-early-hook:0 \
	stale-initrd:0 stale-initrd-fedora:0 qemu-scalable:0 qemu-legacy:0; do
	name=${case%:*} want=${case#*:}
	mkroot "$name" 2>"$T_DIR/mkroot-$name.err"
	case $? in
	0) ;;
	77) echo "SKIP $T_SUITE/$name ($(cat "$T_DIR/mkroot-$name.err"))"; continue ;;
	*) fail "mkroot-$name" "$(cat "$T_DIR/mkroot-$name.err")"; continue ;;
	esac
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
has no-hooks '^warning +kdump\.hook: the iommu-handover capture hook is not installed'
has no-early-hook '^warning +kdump\.hook: the early'
has stale-initrd '^warning +kdump\.hook: the kdump initrd was built before'
has stale-initrd-fedora '^warning +kdump\.hook: the kdump initramfs .* was built before'

# every file of a good root replaced, one at a time, by random bytes (with
# NULs and no newline), by an empty file, and by a directory: check must
# still finish with 0 or 2, never crash or hang
if [ -d "$T_DIR/root-good-debian" ]; then
	bad=
	n=0
	rm -rf "$T_DIR/fz"
	cp -a "$T_DIR/root-good-debian" "$T_DIR/fz"
	for f in $(cd "$T_DIR/fz" && find . -type f | sort); do
		mv "$T_DIR/fz/$f" "$T_DIR/fz.keep"
		for how in random empty dir; do
			rm -rf "${T_DIR:?}/fz/$f"
			case $how in
			random) head -c 4096 /dev/urandom >"$T_DIR/fz/$f" ;;
			empty) : >"$T_DIR/fz/$f" ;;
			dir) mkdir -p "$T_DIR/fz/$f" ;;
			esac
			timeout 20 "$IOH_BIN" check --root "$T_DIR/fz" >/dev/null 2>"$T_DIR/fz.err"
			rc=$?
			n=$((n + 1))
			[ $rc -eq 0 ] || [ $rc -eq 2 ] || bad="$bad $how:$f(rc=$rc)"
		done
		rm -rf "${T_DIR:?}/fz/$f"
		mv "$T_DIR/fz.keep" "$T_DIR/fz/$f"
	done
	if [ -z "$bad" ] && [ $n -gt 30 ]; then pass "corrupt-each-file($n)"; else fail corrupt-each-file "$n runs;$bad"; fi
fi

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
