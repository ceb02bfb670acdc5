# Installs the kdump capture-path integration where each distribution looks
# for it. Run by the top-level `make install` (which installs the binary), or
#   make -f kexec/install.mk DESTDIR=... PREFIX=/usr install
# KDUMP_FLAVOUR=debian|fedora|all picks whose files go in (default all; the
# other distribution's files are inert). An existing /etc/default/iommu-handover
# is kept.
PREFIX        ?= /usr/local
DESTDIR       ?=
BINDIR        ?= $(PREFIX)/bin
HOOKDIR       ?= $(PREFIX)/lib/iommu-handover
SYSCONFDIR    ?= /etc
DOCDIR        ?= $(PREFIX)/share/doc/iommu-handover
SYSTEMDDIR    ?= $(PREFIX)/lib/systemd/system
# mkinitramfs reads hooks from /usr/share/initramfs-tools and from CONFDIR
# (kdump-tools copies /etc/initramfs-tools there); dracut only from
# /usr/lib/dracut. Neither follows PREFIX.
INITRAMFSDIR  ?= $(if $(filter /usr,$(PREFIX)),/usr/share/initramfs-tools,$(SYSCONFDIR)/initramfs-tools)
DRACUTDIR     ?= /usr/lib/dracut/modules.d
KDUMPDIR      ?= $(SYSCONFDIR)/kdump
KDUMP_FLAVOUR ?= all

K := kexec
# The sources name the /usr paths; installed copies name the real ones.
SUBST = sed -e 's|/usr/lib/iommu-handover/ioh-capture-hook|$(HOOKDIR)/ioh-capture-hook|g' \
	    -e 's|/usr/bin/iommu-handover|$(BINDIR)/iommu-handover|g'

.PHONY: install install-common install-debian install-fedora uninstall

ifeq ($(KDUMP_FLAVOUR),debian)
install: install-common install-debian
else ifeq ($(KDUMP_FLAVOUR),fedora)
install: install-common install-fedora
else
install: install-common install-debian install-fedora
endif

install-common:
	install -d $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(DOCDIR)
	$(SUBST) $(K)/ioh-capture-hook > $(DESTDIR)$(HOOKDIR)/ioh-capture-hook
	chmod 755 $(DESTDIR)$(HOOKDIR)/ioh-capture-hook
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/default/iommu-handover ]; then \
		$(SUBST) $(K)/iommu-handover.default > $(DESTDIR)$(SYSCONFDIR)/default/iommu-handover; \
		chmod 644 $(DESTDIR)$(SYSCONFDIR)/default/iommu-handover; \
	fi
	install -m 644 docs/kdump.md $(DESTDIR)$(DOCDIR)/kdump.md

install-debian:
	install -d $(DESTDIR)$(SYSTEMDDIR)/kdump-tools-dump.service.d \
		$(DESTDIR)$(SYSTEMDDIR)/kdump-tools.service.d \
		$(DESTDIR)$(INITRAMFSDIR)/hooks $(DESTDIR)$(INITRAMFSDIR)/scripts/init-top
	$(SUBST) $(K)/kdump-tools/kdump-tools-dump.service.d-iommu-handover.conf \
		> $(DESTDIR)$(SYSTEMDDIR)/kdump-tools-dump.service.d/iommu-handover.conf
	$(SUBST) $(K)/kdump-tools/kdump-tools.service.d-iommu-handover.conf \
		> $(DESTDIR)$(SYSTEMDDIR)/kdump-tools.service.d/iommu-handover.conf
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/kdump-tools-dump.service.d/iommu-handover.conf \
		$(DESTDIR)$(SYSTEMDDIR)/kdump-tools.service.d/iommu-handover.conf
	$(SUBST) $(K)/initramfs-tools/hooks/iommu-handover > $(DESTDIR)$(INITRAMFSDIR)/hooks/iommu-handover
	$(SUBST) $(K)/initramfs-tools/scripts/init-top/iommu-handover \
		> $(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/iommu-handover
	chmod 755 $(DESTDIR)$(INITRAMFSDIR)/hooks/iommu-handover \
		$(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/iommu-handover

install-fedora:
	install -d $(DESTDIR)$(DRACUTDIR)/99iommu-handover $(DESTDIR)$(KDUMPDIR)/pre.d \
		$(DESTDIR)$(KDUMPDIR)/post.d
	$(SUBST) $(K)/dracut/99iommu-handover/module-setup.sh \
		> $(DESTDIR)$(DRACUTDIR)/99iommu-handover/module-setup.sh
	$(SUBST) $(K)/dracut/99iommu-handover/iommu-handover-pre-udev.sh \
		> $(DESTDIR)$(DRACUTDIR)/99iommu-handover/iommu-handover-pre-udev.sh
	$(SUBST) $(K)/dracut/kdump-pre-50-iommu-handover > $(DESTDIR)$(KDUMPDIR)/pre.d/50-iommu-handover
	$(SUBST) $(K)/dracut/kdump-post-50-iommu-handover > $(DESTDIR)$(KDUMPDIR)/post.d/50-iommu-handover
	chmod 755 $(DESTDIR)$(DRACUTDIR)/99iommu-handover/module-setup.sh \
		$(DESTDIR)$(DRACUTDIR)/99iommu-handover/iommu-handover-pre-udev.sh \
		$(DESTDIR)$(KDUMPDIR)/pre.d/50-iommu-handover $(DESTDIR)$(KDUMPDIR)/post.d/50-iommu-handover

# Keeps /etc/default/iommu-handover (it may hold local settings).
uninstall:
	rm -f $(DESTDIR)$(HOOKDIR)/ioh-capture-hook $(DESTDIR)$(DOCDIR)/kdump.md \
		$(DESTDIR)$(SYSTEMDDIR)/kdump-tools-dump.service.d/iommu-handover.conf \
		$(DESTDIR)$(SYSTEMDDIR)/kdump-tools.service.d/iommu-handover.conf \
		$(DESTDIR)$(INITRAMFSDIR)/hooks/iommu-handover \
		$(DESTDIR)$(INITRAMFSDIR)/scripts/init-top/iommu-handover \
		$(DESTDIR)$(DRACUTDIR)/99iommu-handover/module-setup.sh \
		$(DESTDIR)$(DRACUTDIR)/99iommu-handover/iommu-handover-pre-udev.sh \
		$(DESTDIR)$(KDUMPDIR)/pre.d/50-iommu-handover $(DESTDIR)$(KDUMPDIR)/post.d/50-iommu-handover
	-rmdir $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(DRACUTDIR)/99iommu-handover 2>/dev/null
