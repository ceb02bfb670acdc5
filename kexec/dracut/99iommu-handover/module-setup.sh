#!/bin/bash
# dracut module for the kdump initramfs (Fedora/RHEL kdump-utils): adds
# iommu-handover, its capture hook and a pre-udev hook that fingerprints the
# crashed kernel's memory before drivers load. Only included on request:
# add "dracut_args --add iommu-handover" to /etc/kdump.conf.

check() {
	require_binaries /usr/bin/iommu-handover /usr/lib/iommu-handover/ioh-capture-hook || return 1
	return 255
}

depends() {
	return 0
}

install() {
	inst_multiple /usr/bin/iommu-handover /usr/lib/iommu-handover/ioh-capture-hook
	inst_multiple -o setsid nice ionice sleep date awk find tr head sed cat ln mv rm mkdir rmdir
	[ -f /etc/default/iommu-handover ] && inst_simple /etc/default/iommu-handover
	# shellcheck disable=SC2154 # moddir is set by dracut
	inst_hook pre-udev 00 "$moddir/iommu-handover-pre-udev.sh"
}
