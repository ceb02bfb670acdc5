#!/bin/sh
# The Fedora/RHEL integration under the real dracut (Debian's dracut-core).
# `make -f kexec/install.mk PREFIX=/usr KDUMP_FLAVOUR=fedora` installs our
# files into a layer directory, which a private mount namespace lays over the
# host's /usr and /etc read-only (overlayfs without an upper directory: the
# host can be neither seen changed nor written). dracut, with its config,
# temporary directory and output under $T_DIR and no kernel, builds the
# initramfs the way kdumpctl asks for our module (dracut_args --add
# iommu-handover) and installs the pre.d/post.d scripts the way kdumpbase
# does (dracut_install). The image is then checked by listing (lsinitrd),
# unpacked, and run in a chroot, so that only its own shell, tools, binary
# and libraries can take part: the pre-udev hook sourced as dracut's
# source_hook does, then pre.d and post.d called as kdump.sh calls them
# (pre.d without arguments, post.d with the dump's exit status), on a real
# dump. Skipped without dracut, when not root, and in sanitizer builds (the
# image carries the plain build).
. "$IOH_SRCDIR/tests/cli/lib.sh"

skip() {
	echo "SKIP $T_SUITE: $*"
	done_suite
}
case ${IOH_TAG:-} in *san*) skip "under $IOH_TAG: the image is built and run from the plain build" ;; esac
for t in dracut lsinitrd cpio unshare chroot; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (Debian: dracut-core; see scripts/deps)"
done
# A user namespace is not enough: dracut-install keeps files' owners, which
# it cannot as a mapped root.
[ "$(id -u)" = 0 ] || skip "needs root (a private mount namespace; dracut keeps file owners)"

SAMPLES=${IOH_SAMPLES:-/work/shared/samples}
HOOKSRC="$IOH_SRCDIR/kexec/dracut/99iommu-handover/iommu-handover-pre-udev.sh"
rm -rf "${T_DIR:?}"/*

# ns.sh LAYER CMD...: CMD in the caller's private mount namespace, with
# LAYER's usr/ and etc/ lying read-only over the host's.
cat >"$T_DIR/ns.sh" <<'EOF'
l=$1
shift
for d in usr etc; do
	[ -d "$l/$d" ] || continue
	mount -t overlay ioh-test -o "lowerdir=$l/$d:/$d" "/$d" || exit 125
done
exec "$@"
EOF
in_ns() { unshare -m sh "$T_DIR/ns.sh" "$@"; }

# The namespace and overlay must work here, and must stay private.
mkdir -p "$T_DIR/probe/usr"
echo probe >"$T_DIR/probe/usr/ioh-probe"
in_ns "$T_DIR/probe" test -e /usr/ioh-probe 2>/dev/null ||
	skip "no overlay over /usr in a private mount namespace here"
if [ -e /usr/ioh-probe ]; then fail ns-private "/usr/ioh-probe leaked to the host"; else pass ns-private; fi

# layer NAME: our files as `make install` puts them for Fedora, PREFIX=/usr.
layer() {
	L="$T_DIR/$1"
	run "install-$1" 0 make -s -C "$IOH_SRCDIR" -f kexec/install.mk DESTDIR="$L" PREFIX=/usr \
		KDUMP_FLAVOUR=fedora install || return 1
	# the dump-time report on a loaded build machine: more than the default 5 s
	echo "IOH_MAX_SECONDS=60" >>"$L/etc/default/iommu-handover"
}

# build NAME LAYER ARGS...: the real dracut into $T_DIR/NAME.img; nothing
# of the host's dracut config, no kernel, no compression.
: >"$T_DIR/dracut.conf"
mkdir -p "$T_DIR/dracut.conf.d" "$T_DIR/dracut-tmp"
build() {
	n=$1 l=$2
	shift 2
	run "$n" 0 in_ns "$l" dracut --conf "$T_DIR/dracut.conf" --confdir "$T_DIR/dracut.conf.d" \
		--tmpdir "$T_DIR/dracut-tmp" --no-kernel --kver 0.0-ioh-test --no-compress --no-hostonly \
		--no-early-microcode --force "$@" "$T_DIR/$n.img" && pass "$n"
}

in_image() { # in_image NAME PATH: lsinitrd lists PATH in NAME.img
	if grep -Eq " $2( -> .*)?$" "$T_DIR/$1.list"; then pass "$1:$2"; else fail "$1:$2" "not in $1.img"; fi
}
not_in_image() {
	if grep -Eq " $2( -> .*)?$" "$T_DIR/$1.list"; then fail "$1:no-$2" "in $1.img"; else pass "$1:no-$2"; fi
}

# ---- check(): only on request, so never in a default initramfs ----
check check-255 255 bash -c ". '$IOH_SRCDIR/kexec/dracut/99iommu-handover/module-setup.sh'; check"

# ---- the module as kdump-utils asks for it ----
layer full && install -D -m 755 "$IOH_BIN" "$T_DIR/full/usr/bin/iommu-handover"
# Our module alone (not even base, which kdumpbase brings): every tool the
# hook runs in the capture boot below must come from our install(). --add is
# what dracut_args passes; -I is kdumpbase's dracut_install of pre.d/post.d.
build full "$T_DIR/full" -m iommu-handover --add iommu-handover \
	-I "/etc/kdump/pre.d/50-iommu-handover /etc/kdump/post.d/50-iommu-handover"
has full-module 'Including module: iommu-handover' "$T_DIR/full.err"
if grep -q 'FAILED\|ERROR\|is missing' "$T_DIR/full.err"; then
	fail full-no-errors "$(grep 'FAILED\|ERROR\|is missing' "$T_DIR/full.err" | head -5)"
else
	pass full-no-errors
fi
lsinitrd "$T_DIR/full.img" >"$T_DIR/full.list" 2>&1
for f in usr/bin/iommu-handover usr/lib/iommu-handover/ioh-capture-hook \
	usr/lib/dracut/hooks/pre-udev/00-iommu-handover-pre-udev.sh etc/default/iommu-handover \
	etc/kdump/pre.d/50-iommu-handover etc/kdump/post.d/50-iommu-handover; do
	in_image full "$f"
done
lsinitrd -f etc/default/iommu-handover "$T_DIR/full.img" >"$T_DIR/full.conf" 2>&1
if cmp -s "$T_DIR/full.conf" "$T_DIR/full/etc/default/iommu-handover"; then pass full-config-same; else
	fail full-config-same "$(diff "$T_DIR/full/etc/default/iommu-handover" "$T_DIR/full.conf" | head)"
fi

X="$T_DIR/root"
mkdir -p "$X"
(cd "$X" && cpio -idm --quiet --no-absolute-filenames) <"$T_DIR/full.img" 2>"$T_DIR/cpio.err" ||
	fail unpack "$(head -5 "$T_DIR/cpio.err")"
# where the image's own init looks for hooks (/lib is usr/lib in a merged image)
if cmp -s "$X/lib/dracut/hooks/pre-udev/00-iommu-handover-pre-udev.sh" "$HOOKSRC"; then
	pass pre-udev-hook-in-place
else
	fail pre-udev-hook-in-place "$(ls -la "$X/lib/dracut/hooks/pre-udev" 2>&1)"
fi
for f in usr/bin/iommu-handover usr/lib/iommu-handover/ioh-capture-hook etc/kdump/pre.d/50-iommu-handover \
	etc/kdump/post.d/50-iommu-handover; do
	if [ -x "$X/$f" ]; then pass "exec:$f"; else fail "exec:$f" "not executable in the image"; fi
done
# every shared library the binary loads, by the host path the loader found
ldd "$IOH_BIN" | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' >"$T_DIR/libs"
[ -s "$T_DIR/libs" ] || fail libs-listed "ldd listed nothing for $IOH_BIN"
while read -r lib; do
	if [ -e "$X$lib" ]; then pass "lib:$lib"; else fail "lib:$lib" "not in the image"; fi
done <"$T_DIR/libs"

# The image without the tool (checked at the end) is built meanwhile.
layer nobin
build nobin "$T_DIR/nobin" -m iommu-handover >"$T_DIR/nobin.log" 2>&1 &
nobin_pid=$!

# ---- the image at work: a capture boot in a chroot of the unpacked image ----
if [ ! -r "$SAMPLES/legacy-virtio/vmcore.kdump.xz" ]; then
	echo "SKIP $T_SUITE/capture-boot (no samples in $SAMPLES)"
else
	mkdir -p "$X/sys/firmware/acpi/tables" "$X/sysroot/var/crash"
	xz -dc "$SAMPLES/legacy-virtio/vmcore.kdump.xz" >"$X/proc/vmcore"
	cksum <"$X/proc/vmcore" >"$T_DIR/vmcore.sum"
	cp "$SAMPLES/acpi/qemu-q35-intel-iommu.DMAR" "$X/sys/firmware/acpi/tables/DMAR"
	printf '/dev/vda2 /sysroot xfs rw 0 0\nproc /proc proc rw 0 0\n' >"$X/proc/mounts"
	# kdumpbase installs the host's kdump.conf; the report's path is read from it
	printf 'path /var/crash # where dumps go\ncore_collector makedumpfile -l -d 31\n' >"$X/etc/kdump.conf"
	# dracut's own hook runner (base's dracut-lib.sh, brought by kdumpbase in
	# a real kdump initramfs) sources the pre-udev hooks. Then kdump.sh,
	# reduced to its calls: DATEDIR taken when it starts, pre.d run with no
	# arguments (a failure only logged), the dump directory made
	# (vmcore-incomplete renamed to vmcore), post.d run with the dump's exit
	# status. A second crash is a `kdumpctl test` (kdump_test_id=ID): its
	# dump goes to <path>/kdump-test-ID/, whose status file is written before
	# pre.d. A third one fails to dump.
	cp /usr/lib/dracut/modules.d/99base/dracut-lib.sh /usr/lib/dracut/modules.d/99base/dracut-dev-lib.sh "$X/lib/"
	cat >"$X/capture.sh" <<'EOF'
. /lib/dracut-lib.sh
source_hook pre-udev
echo "sourced-ok"
kdump() { # kdump DIR RETVAL
	for file in /etc/kdump/pre.d/*; do
		"$file"
		echo "pre.d $file $?"
	done
	mkdir -p "$1" && echo "dump" >"$1/vmcore-incomplete" && mv "$1/vmcore-incomplete" "$1/vmcore"
	for file in /etc/kdump/post.d/*; do
		"$file" "$2"
		echo "post.d $file $?"
	done
}
DATEDIR=$(date +%Y-%m-%d-%T)
kdump "/sysroot/var/crash/127.0.0.1-$DATEDIR" 0
echo "dumpdir /sysroot/var/crash/127.0.0.1-$DATEDIR"
mkdir -p /sysroot/var/crash/kdump-test-1f2e
echo "fail kdump_test_id=1f2e" >/sysroot/var/crash/kdump-test-1f2e/vmcore-creation.status
kdump /sysroot/var/crash/kdump-test-1f2e 0
for file in /etc/kdump/pre.d/*; do "$file"; done
for file in /etc/kdump/post.d/*; do "$file" 1; echo "post.d-failed $file $?"; done
EOF
	# devtmpfs is mounted at /dev in a real initramfs; the host's /dev stands in
	# shellcheck disable=SC2016 # expanded by the inner shell
	run capture 0 unshare -m sh -c 'mount --bind /dev "$1/dev" &&
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$1" /bin/sh /capture.sh' - "$X"
	has capture-sourced '^sourced-ok$' "$T_DIR/capture.out"
	if [ -s "$X/run/iommu-handover/fingerprint" ]; then pass capture-fingerprint; else
		fail capture-fingerprint "no fingerprint" "$(head "$X/run/iommu-handover/early.log" 2>&1)"
	fi
	has capture-pre-exit0 '^pre.d /etc/kdump/pre.d/50-iommu-handover 0$' "$T_DIR/capture.out"
	has capture-post-exit0 '^post.d /etc/kdump/post.d/50-iommu-handover 0$' "$T_DIR/capture.out"
	has capture-post-failed-exit0 '^post.d-failed /etc/kdump/post.d/50-iommu-handover 0$' "$T_DIR/capture.out"
	# the journal copy (kexec-dmesg.log keeps it whatever the target)
	has capture-journal '^iommu-handover: ' "$T_DIR/capture.err"
	d=$(sed -n 's/^dumpdir //p' "$T_DIR/capture.out")
	if [ -s "$X$d/iommu-handover-report.txt" ]; then pass capture-report-placed; else
		fail capture-report-placed "no report in $d" "$(ls -la "$X$d" 2>&1)" "$(tail -5 "$T_DIR/capture.err")"
	fi
	[ -s "$X$d/iommu-handover-report.txt" ] &&
		has capture-report-compared 'fingerprint' "$X$d/iommu-handover-report.txt"
	if [ -s "$X/sysroot/var/crash/kdump-test-1f2e/iommu-handover-report.txt" ]; then pass capture-test-mode; else
		fail capture-test-mode "no report in kdump-test-1f2e/" "$(ls -la "$X/sysroot/var/crash/kdump-test-1f2e" 2>&1)"
	fi
	if ls "$X/run/iommu-handover/pending"/*/iommu-handover-report.txt >/dev/null 2>&1; then
		pass capture-failed-dump-kept
	else
		fail capture-failed-dump-kept "the failed dump's report is gone"
	fi
	# every command the hook ran was in the image (base's own lib misses
	# base's dracut-getarg here: not ours)
	cat "$T_DIR/capture.err" "$X/run/iommu-handover"/*.log 2>&1 | grep -v 'dracut-lib.sh: dracut-getarg' \
		>"$T_DIR/capture.all"
	if grep -Eiq 'not found|no such file|cannot execute' "$T_DIR/capture.all"; then
		fail capture-all-commands "$(grep -Ei 'not found|no such file|cannot execute' "$T_DIR/capture.all" | head -5)"
	else
		pass capture-all-commands
	fi
	if cksum <"$X/proc/vmcore" | cmp -s - "$T_DIR/vmcore.sum"; then pass capture-vmcore-intact; else
		fail capture-vmcore-intact "vmcore changed"
	fi
	rm -f "$X/proc/vmcore"
fi

# ---- asked for while the tool is missing: a warning, and the initramfs is
# still built (a failed build would leave kdump without any initramfs) ----
wait "$nobin_pid"
cat "$T_DIR/nobin.log"
grep -q '^FAIL' "$T_DIR/nobin.log" && T_FAILED=1
has nobin-warning 'iommu-handover: /usr/bin/iommu-handover is missing: the initramfs is built without' \
	"$T_DIR/nobin.err"
lsinitrd "$T_DIR/nobin.img" >"$T_DIR/nobin.list" 2>&1
not_in_image nobin usr/lib/iommu-handover/ioh-capture-hook
not_in_image nobin usr/lib/dracut/hooks/pre-udev/00-iommu-handover-pre-udev.sh

done_suite
