#!/bin/bash
# dracut module for the kdump initramfs (Fedora/RHEL kdump-utils): adds
# iommu-handover, its capture hook and a pre-udev hook that fingerprints the
# crashed kernel's memory before drivers load. Only included on request:
# add "dracut_args --add iommu-handover" to /etc/kdump.conf.

# 255: never in a default initramfs, only when asked for. A missing tool is
# not a check() failure: dracut exits 1 when a module asked for by --add
# fails its check, kdumpctl then has no initramfs and the machine no crash
# dumps at all. install() skips instead, with a warning.
check() {
	return 255
}

# Nothing of its own: the hook directories are run by base, which every
# initramfs that boots has (kdumpbase depends on it).
depends() {
	return 0
}

install() {
	local f
	for f in /usr/bin/iommu-handover /usr/lib/iommu-handover/ioh-capture-hook; do
		# shellcheck disable=SC2154 # dracutsysrootdir is set by dracut
		if [[ ! -x $dracutsysrootdir$f ]]; then
			dwarn "iommu-handover: $f is missing: the initramfs is built without the iommu-handover hooks (dumps are not affected)"
			return 0
		fi
	done
	inst_multiple /usr/bin/iommu-handover /usr/lib/iommu-handover/ioh-capture-hook
	# Every command ioh-capture-hook runs; -o: it copes without the bounding ones.
	inst_multiple -o setsid nice ionice sleep date awk find sort tr head tail sed cat ln mv rm \
		mkdir rmdir dmesg
	[[ -f $dracutsysrootdir/etc/default/iommu-handover ]] && inst_simple /etc/default/iommu-handover
	# shellcheck disable=SC2154 # moddir is set by dracut
	inst_hook pre-udev 00 "$moddir/iommu-handover-pre-udev.sh"
}
