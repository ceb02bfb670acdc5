/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs/procfs reader on fixture trees built from text descriptions. */
#include <ioh/evidence.h>

#include "harness.h"

/* Builds tests/fixtures/sysfs/NAME.tree under this test's scratch dir; returns the root. */
static const char *build_tree(const char *name, char *root, size_t n)
{
	char cmd[8192], desc[4096], script[4096];

	snprintf(root, n, "%s", ioh_test_tmp(name));
	snprintf(desc, sizeof(desc), "%s", ioh_test_src("tests/fixtures/sysfs/"));
	snprintf(script, sizeof(script), "%smktree.sh", desc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && sh '%s' '%s%s.tree' '%s'", root, script, desc, name,
		 root);
	CHECK_MSG(system(cmd) == 0, "could not build tree: %s", cmd);
	return root;
}

static struct ioh_sysfs *read_tree(const char *name, ioh_ctx *ctx)
{
	char root[4096], sys[4200], proc[4200];
	struct ioh_sysfs *s = NULL;

	build_tree(name, root, sizeof(root));
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	CHECK_EQ(ioh_sysfs_read(ctx, sys, proc, &s), IOH_OK);
	CHECK(s);
	return s;
}

static const struct ioh_sysfs_pci *pci(const struct ioh_sysfs *s, const char *bdf)
{
	struct ioh_bdf b;

	CHECK(ioh_bdf_parse(bdf, &b) == 0);
	for (unsigned i = 0; i < s->npci; i++)
		if (s->pci[i].bdf.bus == b.bus && s->pci[i].bdf.devfn == b.devfn &&
		    s->pci[i].bdf.seg == b.seg)
			return &s->pci[i];
	return NULL;
}

TEST(sysfs_qemu_q35_capture)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_sysfs *s = read_tree("qemu-q35-capture", ctx);
	const struct ioh_sysfs_pci *d;
	char v[64];

	CHECK_EQ(s->npci, 5);
	CHECK_EQ(s->problems, 0);
	/* bus order */
	CHECK_EQ(s->pci[0].bdf.devfn, 0);
	CHECK_EQ(s->pci[4].bdf.devfn, 0x1f << 3 | 2);
	d = pci(s, "0000:00:01.0");
	CHECK(d && d->has_command && d->command == 0x0507 && d->bus_master);
	CHECK_STREQ(d->driver, "virtio-pci");
	CHECK_EQ(d->iommu_group, 1);
	CHECK_STREQ(d->iommu, "dmar0");
	CHECK_EQ(d->vendor, 0x1af4);
	CHECK_EQ(d->device, 0x1042);
	CHECK_EQ(d->class_code, 0x010000);
	d = pci(s, "0000:00:02.0");
	CHECK(d && d->bus_master && !d->driver[0] && d->iommu_group == 2);
	d = pci(s, "0000:00:03.0");
	CHECK(d && d->has_command && !d->bus_master && d->command == 3);
	CHECK_STREQ(pci(s, "0000:00:1f.2")->driver, "ahci");
	CHECK_EQ(pci(s, "0000:00:00.0")->command, 0);
	CHECK_EQ(s->niommu, 1);
	CHECK_STREQ(s->iommu[0].name, "dmar0");
	CHECK(s->iommu[0].has_address && s->iommu[0].address == 0xfed90000);
	CHECK_EQ(s->iommu[0].cap, 0xd2008c22260286ULL);
	CHECK_EQ(s->iommu[0].ecap, 0xf00f4a);
	CHECK(s->iommu[0].has_version && s->iommu[0].version_major == 1 &&
	      s->iommu[0].version_minor == 0);
	CHECK(s->dmar && !s->dmar_error);
	CHECK_EQ(s->dmar->haw, 39);
	CHECK_EQ(s->dmar->structs[0].base, 0xfed90000);
	CHECK(s->cmdline);
	CHECK_STREQ(ioh_cmdline_param(s->cmdline, "intel_iommu", v, sizeof(v)), "on");
	CHECK_STREQ(ioh_cmdline_param(s->cmdline, "reset_devices", v, sizeof(v)), "");
	CHECK(!ioh_cmdline_param(s->cmdline, "iommu", v, sizeof(v)));
	CHECK(!ioh_cmdline_param(s->cmdline, "reset", v, sizeof(v)));
	ioh_sysfs_free(s);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(sysfs_hostile_tree, 10)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_sysfs *s = read_tree("hostile", ctx);
	const struct ioh_sysfs_pci *d;
	char v[64];

	/* the bad names are skipped, the FIFO is not opened for reading */
	CHECK_EQ(s->npci, 3);
	d = pci(s, "0000:00:01.0");
	CHECK(d && !d->has_command && !d->bus_master);
	CHECK_STREQ(d->driver, "loop");
	d = pci(s, "0000:00:02.0");
	CHECK(d && !d->has_command && d->iommu_group == -1);
	d = pci(s, "0000:00:03.0");
	CHECK(d && d->has_command && d->command == 6 && d->bus_master);
	CHECK_STREQ(d->driver, "e1000e");
	/* the AMD unit is not listed; the Intel one with garbage is, flagged */
	CHECK_EQ(s->niommu, 1);
	CHECK(!s->iommu[0].has_address && !s->iommu[0].has_cap && !s->iommu[0].has_version);
	CHECK(!s->dmar && s->dmar_error);
	CHECK_CONTAINS(s->dmar_error, "truncated");
	CHECK(s->problems >= 5);
	/* the later value wins; quotes are removed */
	CHECK_STREQ(ioh_cmdline_param(s->cmdline, "intel_iommu", v, sizeof(v)), "on,sm_on");
	ioh_sysfs_free(s);
	ioh_ctx_free(ctx);
}

TEST(sysfs_missing_roots_are_empty)
{
	struct ioh_sysfs *s = NULL;

	CHECK_EQ(ioh_sysfs_read(NULL, "/nonexistent-sys", "/nonexistent-proc", &s), IOH_OK);
	CHECK(s && s->npci == 0 && s->niommu == 0 && !s->cmdline && !s->dmar);
	ioh_sysfs_free(s);
}

TEST(sysfs_cmdline_param_edges)
{
	char v[8];

	CHECK_STREQ(ioh_cmdline_param("a=1 b a=2", "a", v, sizeof(v)), "2");
	CHECK_STREQ(ioh_cmdline_param("x=\"1 2\" y", "x", v, sizeof(v)), "1 2");
	CHECK_STREQ(ioh_cmdline_param("long=0123456789", "long", v, sizeof(v)), "0123456");
	CHECK(!ioh_cmdline_param("", "a", v, sizeof(v)));
	CHECK(!ioh_cmdline_param("ab=1", "a", v, sizeof(v)));
}
