#!/bin/sh
# dracut pre-udev hook (sourced by dracut, so no exit here): fingerprint the
# crashed kernel's memory before udev loads drivers. A no-op outside a
# capture boot; bounded, and never fails the boot.
if [ -e /proc/vmcore ] && [ -x /usr/lib/iommu-handover/ioh-capture-hook ]; then
	/usr/lib/iommu-handover/ioh-capture-hook early || :
fi
