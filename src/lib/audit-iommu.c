/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit of the production kernel's IOMMU: DMAR table, remapping units and
 * their capabilities, the command line and kernel-config defaults that pick
 * the translation mode, and whether DMA remapping is actually active.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ioh/vtd.h>

#include "audit-int.h"
#include "internal.h"

#define P_DMAR "/sys/firmware/acpi/tables/DMAR"
#define P_IOMMU_CLASS "/sys/class/iommu"
#define P_GROUPS "/sys/kernel/iommu_groups"

static void check_dmar_table(struct ioh_audit *a)
{
	char p[PATH_MAX], sig[4];
	ssize_t r = -1;
	int fd;

	if (!audit_exists(a, P_DMAR)) {
		audit_add(a, IOH_AUDIT_WARNING, "iommu.dmar",
			  "no ACPI DMAR table: the firmware reports no Intel VT-d IOMMU",
			  P_DMAR " does not exist",
			  "enable VT-d (\"Intel Virtualization Technology for Directed I/O\") in the "
			  "firmware setup; on a machine without VT-d the IOMMU checks do not apply");
		return;
	}
	a->facts.dmar_table = true;
	/* The table is root-only (0400); not being able to read it is normal. */
	if (audit_path(a, P_DMAR, p, sizeof(p))) {
		fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			r = read(fd, sig, sizeof(sig));
			close(fd);
		}
	}
	if (r == (ssize_t)sizeof(sig) && memcmp(sig, "DMAR", 4)) {
		audit_add(a, IOH_AUDIT_WARNING, "iommu.dmar",
			  "the ACPI DMAR table does not start with the DMAR signature",
			  P_DMAR ": first bytes are not \"DMAR\"",
			  "update the system firmware; Linux will not use a malformed DMAR table");
		return;
	}
	audit_add(a, IOH_AUDIT_INFO, "iommu.dmar", "ACPI DMAR table present (Intel VT-d)",
		  r == (ssize_t)sizeof(sig) ? P_DMAR " exists, signature DMAR"
					     : P_DMAR " exists (not readable: run as root to check it)",
		  "");
}

static int name_cmp(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;
	size_t la = strlen(a), lb = strlen(b);

	/* dmar2 before dmar10 */
	return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

/* Names of the dmar* units, sorted; returns the count (0 when none or unreadable). */
static size_t list_units(struct ioh_audit *a, char **names, size_t max)
{
	char p[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!audit_path(a, P_IOMMU_CLASS, p, sizeof(p)) || !(d = opendir(p)))
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		if (strncmp(de->d_name, "dmar", 4) || strlen(de->d_name) > 32)
			continue;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			a->nomem = true;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	return n;
}

static bool read_hex(struct ioh_audit *a, const char *path, uint64_t *v, char *raw, size_t n)
{
	char *end;

	if (!audit_read_line(a, path, raw, n) || !*raw)
		return false;
	errno = 0;
	*v = strtoull(raw, &end, 16);
	return !errno && *end == '\0';
}

/* Linux prints version "major:minor", address and cap/ecap as bare hex. */
static void check_unit(struct ioh_audit *a, const char *name, long *devices)
{
	char base[128], p[192], rcap[64], recap[64], ver[32] = "?", addr[64] = "?";
	struct ioh_vtd_cap cap;
	struct ioh_vtd_ecap ecap;
	uint64_t vcap, vecap, vaddr;
	char *sum, *ev;
	long nd;

	snprintf(base, sizeof(base), P_IOMMU_CLASS "/%s", name);
	snprintf(p, sizeof(p), "%s/intel-iommu/cap", base);
	if (!read_hex(a, p, &vcap, rcap, sizeof(rcap))) {
		ev = audit_fmt(a, "%s: missing or not hexadecimal", p);
		audit_add(a, IOH_AUDIT_WARNING, "iommu.unit",
			  "an IOMMU unit's capability register cannot be read", ev,
			  "check that the intel-iommu driver is in use for this unit");
		free(ev);
		return;
	}
	snprintf(p, sizeof(p), "%s/intel-iommu/ecap", base);
	if (!read_hex(a, p, &vecap, recap, sizeof(recap))) {
		ev = audit_fmt(a, "%s: missing or not hexadecimal", p);
		audit_add(a, IOH_AUDIT_WARNING, "iommu.unit",
			  "an IOMMU unit's extended capability register cannot be read", ev,
			  "check that the intel-iommu driver is in use for this unit");
		free(ev);
		return;
	}
	snprintf(p, sizeof(p), "%s/intel-iommu/version", base);
	audit_read_line(a, p, ver, sizeof(ver));
	snprintf(p, sizeof(p), "%s/intel-iommu/address", base);
	if (read_hex(a, p, &vaddr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "0x%" PRIx64, vaddr);
	snprintf(p, sizeof(p), "%s/devices", base);
	nd = audit_count_dir(a, p);
	if (nd > 0)
		*devices += nd;

	ioh_vtd_cap_decode(vcap, &cap);
	ioh_vtd_ecap_decode(vecap, &ecap);
	a->facts.units++;
	if (ecap.smts)
		a->facts.units_smts++;
	sum = audit_fmt(a,
			"%s: registers at %s, VT-d %s, %s, %s invalidation, interrupt remapping %s, "
			"caching mode %s, %ld device%s",
			name, addr, ver, ecap.smts ? "scalable-mode capable" : "legacy mode only",
			ecap.qi ? "queued" : "register-based", ecap.ir ? "yes" : "no",
			cap.cm ? "on (virtual IOMMU)" : "off", nd < 0 ? 0 : nd, nd == 1 ? "" : "s");
	ev = audit_fmt(a, "%s/intel-iommu: cap=%s ecap=%s (SMTS=%d QI=%d IR=%d CM=%d)", base, rcap,
		       recap, ecap.smts, ecap.qi, ecap.ir, cap.cm);
	audit_add(a, IOH_AUDIT_INFO, "iommu.unit", sum, ev, "");
	free(sum);
	free(ev);
}

static void check_units(struct ioh_audit *a)
{
	char *names[AUDIT_MAX_UNITS];
	long devices = 0, groups;
	size_t n = list_units(a, names, AUDIT_MAX_UNITS);
	char *ev;

	for (size_t i = 0; i < n; i++) {
		check_unit(a, names[i], &devices);
		free(names[i]);
	}
	groups = audit_count_dir(a, P_GROUPS);
	a->facts.translation = a->facts.units > 0 && (devices > 0 || groups > 0);
	if (!a->facts.dmar_table && a->facts.units == 0)
		return;
	ev = audit_fmt(a, P_IOMMU_CLASS ": %u readable dmar unit%s, %ld device%s bound; " P_GROUPS ": %s%ld",
		       a->facts.units, a->facts.units == 1 ? "" : "s", devices,
		       devices == 1 ? "" : "s", groups < 0 ? "missing, " : "", groups < 0 ? 0 : groups);
	if (a->facts.translation)
		audit_add(a, IOH_AUDIT_INFO, "iommu.translation",
			  "DMA remapping is active: a crash hands live translation tables to the "
			  "capture kernel",
			  ev, "");
	else
		audit_add(a, IOH_AUDIT_WARNING, "iommu.translation",
			  "DMA remapping is not active: a crash will not exercise the handover",
			  ev,
			  "if the IOMMU is off by mistake, remove intel_iommu=off (or add "
			  "intel_iommu=on) on the kernel command line and reboot; Debian: edit "
			  "GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub; Fedora: grubby "
			  "--update-kernel=ALL --args=intel_iommu=on");
	free(ev);
}

static void read_release(struct ioh_audit *a, char *rel, size_t n)
{
	if (a->release)
		snprintf(rel, n, "%s", a->release);
	else if (!audit_read_line(a, "/proc/sys/kernel/osrelease", rel, n) || !*rel ||
		 strchr(rel, '/'))
		rel[0] = '\0';
}

static const char *yn(char c)
{
	return c == 'y' ? "y" : c == 'm' ? "m" : c == 'n' ? "not set" : "absent";
}

static void check_config(struct ioh_audit *a)
{
	char rel[128], path[192], dflt, dflt_igpu;
	char *cfg, *ev;

	a->facts.cfg_iommu_default_on = a->facts.cfg_sm_default_on = -1;
	read_release(a, rel, sizeof(rel));
	snprintf(a->facts.release, sizeof(a->facts.release), "%s", rel);
	if (!*rel) {
		audit_add(a, IOH_AUDIT_WARNING, "kernel.config",
			  "the running kernel's release is unknown, so its config cannot be read",
			  "/proc/sys/kernel/osrelease is missing or unreadable",
			  "pass --release RELEASE");
		return;
	}
	snprintf(path, sizeof(path), "/boot/config-%s", rel);
	cfg = audit_slurp(a, path, AUDIT_MAX_FILE);
	if (!cfg) {
		ev = audit_fmt(a, "%s: %s", path, strerror(errno));
		audit_add(a, IOH_AUDIT_WARNING, "kernel.config",
			  "the kernel config is unreadable: the IOMMU driver's defaults are unknown",
			  ev, "install the kernel's config file as /boot/config-RELEASE");
		free(ev);
		return;
	}
	dflt = audit_kconfig(cfg, "INTEL_IOMMU_DEFAULT_ON");
	dflt_igpu = audit_kconfig(cfg, "INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF");
	a->facts.cfg_iommu_default_on = dflt == 'y' || dflt_igpu == 'y';
	a->facts.cfg_sm_default_on = audit_kconfig(cfg, "INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON") == 'y';

	ev = audit_fmt(a,
		       "%s: CRASH_DUMP=%s PROC_VMCORE=%s INTEL_IOMMU=%s INTEL_IOMMU_DEFAULT_ON=%s "
		       "INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=%s INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=%s "
		       "IOMMU_DEBUGFS=%s",
		       path, yn(audit_kconfig(cfg, "CRASH_DUMP")), yn(audit_kconfig(cfg, "PROC_VMCORE")),
		       yn(audit_kconfig(cfg, "INTEL_IOMMU")), yn(dflt), yn(dflt_igpu),
		       yn(audit_kconfig(cfg, "INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON")),
		       yn(audit_kconfig(cfg, "IOMMU_DEBUGFS")));
	if (audit_kconfig(cfg, "CRASH_DUMP") != 'y' || audit_kconfig(cfg, "PROC_VMCORE") != 'y')
		audit_add(a, IOH_AUDIT_ERROR, "kernel.config",
			  "the kernel cannot serve as a capture kernel (needs CRASH_DUMP=y and "
			  "PROC_VMCORE=y)",
			  ev,
			  "use a kernel built with CONFIG_CRASH_DUMP=y and CONFIG_PROC_VMCORE=y as "
			  "the capture kernel (Debian and Fedora kernels have both)");
	else if (audit_kconfig(cfg, "INTEL_IOMMU") != 'y')
		audit_add(a, IOH_AUDIT_INFO, "kernel.config",
			  "the kernel has no Intel IOMMU driver: no translation tables to hand over",
			  ev, "");
	else
		audit_add(a, IOH_AUDIT_INFO, "kernel.config",
			  audit_kconfig(cfg, "IOMMU_DEBUGFS") == 'y'
				  ? "kernel config suits kdump; IOMMU debugfs shows live tables"
				  : "kernel config suits kdump; no IOMMU debugfs (tables are seen "
				    "only through the dump)",
			  ev, "");
	free(ev);
	free(cfg);
}

static const char *src_of(int opt, int cfg)
{
	return opt >= 0 ? "command line" : cfg >= 0 ? "kernel config default" : "unknown";
}

static void check_mode(struct ioh_audit *a)
{
	struct audit_facts *f = &a->facts;
	int en, sm;
	char *sum, *ev;

	f->prod_cmdline = audit_slurp(a, "/proc/cmdline", 65536);
	if (!f->prod_cmdline) {
		audit_add(a, IOH_AUDIT_WARNING, "iommu.mode",
			  "the running kernel's command line is unreadable",
			  "/proc/cmdline missing or unreadable", "run on the production kernel");
		f->prod_cmdline = strdup("");
		if (!f->prod_cmdline)
			a->nomem = true;
	}
	ioh_audit_parse_iommu_opts(f->prod_cmdline, &f->prod_opts);
	en = f->prod_opts.enabled >= 0 ? f->prod_opts.enabled : f->cfg_iommu_default_on;
	sm = f->prod_opts.scalable >= 0 ? f->prod_opts.scalable : f->cfg_sm_default_on;
	/* Unknown defaults: sysfs tells whether the driver came up. */
	if (en < 0)
		en = f->units > 0;
	f->prod_enabled = en == 1;
	f->prod_scalable = f->prod_enabled && sm == 1 && f->units_smts > 0;
	if (!f->dmar_table && f->units == 0)
		return;
	sum = audit_fmt(a, "production kernel: Intel IOMMU %s (%s)%s%s%s", en ? "on" : "off",
			src_of(f->prod_opts.enabled, f->cfg_iommu_default_on),
			!f->prod_enabled ? ""
			: f->prod_scalable ? ", scalable mode"
					   : ", legacy mode",
			f->prod_enabled && f->prod_opts.passthrough == 1 ? ", pass-through default domain"
									 : "",
			f->prod_enabled && f->units_smts > 0 && f->units_smts < f->units
				? " (not every unit is scalable-mode capable)"
				: "");
	ev = audit_fmt(a, "/proc/cmdline: %s; scalable mode from %s; %u of %u units have ECAP.SMTS",
		       *f->prod_cmdline ? f->prod_cmdline : "(empty)",
		       src_of(f->prod_opts.scalable, f->cfg_sm_default_on), f->units_smts, f->units);
	audit_add(a, IOH_AUDIT_INFO, "iommu.mode", sum, ev, "");
	free(sum);
	free(ev);
}

void audit_check_iommu(struct ioh_audit *a)
{
	check_dmar_table(a);
	check_units(a);
	check_config(a);
	check_mode(a);
}
