/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sysfs/procfs reader over a tree whose files hold fuzz bytes: the
 * command line, the DMAR table, a VT-d unit's address/cap/ecap/version, and
 * two PCI functions' config, vendor, device, class and their driver and
 * iommu_group links (targets from the input too). The tree is rebuilt in a
 * scratch directory for each input. Reading it never fails for content
 * (only skips, counted as problems), stays within its device bound, and
 * returns terminated strings.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ioh/evidence.h>

#include "fuzz-util.h"

static char root[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path), 0;
}

/* The scratch tree goes when the fuzzer exits. */
static void cleanup(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *rel, const uint8_t *p, size_t n)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static void link_to(const char *rel, const uint8_t *p, size_t n)
{
	char path[512], target[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	if (!n)
		return;
	/* a link target is a C string without NULs */
	snprintf(target, sizeof(target), "%.*s", (int)n, (const char *)p);
	if (!target[0])
		return;
	if (symlink(target, path) && errno != EEXIST)
		abort();
}

static void mkdirs(void)
{
	static const char *const dirs[] = {
		"proc", "sys", "sys/firmware", "sys/firmware/acpi", "sys/firmware/acpi/tables",
		"sys/class", "sys/class/iommu", "sys/class/iommu/dmar0",
		"sys/class/iommu/dmar0/intel-iommu", "sys/bus", "sys/bus/pci",
		"sys/bus/pci/devices", "sys/bus/pci/devices/0000:00:02.0",
		"sys/bus/pci/devices/0000:03:00.0",
	};
	char path[512];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		if (mkdir(path, 0755) && errno != EEXIST)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[] = {
		"proc/cmdline",
		"sys/firmware/acpi/tables/DMAR",
		"sys/class/iommu/dmar0/intel-iommu/address",
		"sys/class/iommu/dmar0/intel-iommu/cap",
		"sys/class/iommu/dmar0/intel-iommu/ecap",
		"sys/class/iommu/dmar0/intel-iommu/version",
		"sys/bus/pci/devices/0000:00:02.0/config",
		"sys/bus/pci/devices/0000:00:02.0/vendor",
		"sys/bus/pci/devices/0000:00:02.0/class",
		"sys/bus/pci/devices/0000:03:00.0/config",
		"sys/bus/pci/devices/0000:03:00.0/device",
	};
	static const char *const links[] = {
		"sys/bus/pci/devices/0000:00:02.0/driver",
		"sys/bus/pci/devices/0000:00:02.0/iommu_group",
		"sys/bus/pci/devices/0000:00:02.0/iommu",
		"sys/bus/pci/devices/0000:03:00.0/driver",
	};
	struct fz f = {data, size};
	struct ioh_sysfs *s = NULL;
	ioh_ctx *ctx;
	char sys[300], proc[300];
	size_t n;
	const uint8_t *p;

	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/ioh-fuzz-sysfs.%d", (int)getpid());
		if (mkdir(root, 0755) && errno != EEXIST)
			abort();
		atexit(cleanup);
	}
	mkdirs();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = fz_run(&f, 255, &n);
		put(files[i], p, n);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		p = fz_run(&f, 64, &n);
		link_to(links[i], p, n);
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	ctx = ioh_ctx_new();
	if (!ctx)
		abort();
	if (ioh_sysfs_read(ctx, sys, proc, &s) == IOH_OK) {
		FZ_ASSERT(s->npci <= IOH_SYSFS_MAX_DEVICES, "%u devices", s->npci);
		for (unsigned i = 0; i < s->npci; i++)
			FZ_ASSERT(memchr(s->pci[i].driver, 0, sizeof(s->pci[i].driver)) &&
					  memchr(s->pci[i].iommu, 0, sizeof(s->pci[i].iommu)),
				  "strings not terminated");
		for (unsigned i = 0; i < s->niommu; i++)
			FZ_ASSERT(memchr(s->iommu[i].name, 0, sizeof(s->iommu[i].name)), "name");
		if (s->cmdline) {
			char buf[64];

			(void)ioh_cmdline_param(s->cmdline, "intel_iommu", buf, sizeof(buf));
		}
		ioh_sysfs_free(s);
	} else {
		FZ_ASSERT(ioh_get_err(ctx)[0], "sysfs read failed without a message");
	}
	ioh_ctx_free(ctx);
	return 0;
}
