/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The walker on the real crash samples (/work/shared/samples, README there):
 * the crashed kernel's root table (truth.txt rtaddr_old) must yield exactly
 * the devices truth.txt lists as mapped. The dump is read twice: with
 * libkdumpfile directly (independent of the project's reader), and through
 * ioh_source (source.h) with its RAM map as the is_ram callback.
 */
#include <fcntl.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include <ioh/source.h>

#include "walk-util.h"

static const char *samples_dir(void)
{
	const char *d = getenv("IOH_SAMPLES");

	return d ? d : "/work/shared/samples";
}

static int kd_read(void *data, uint64_t phys, void *buf, size_t len)
{
	size_t got = len;
	/* Machine physical: KPHYSADDR would need the kernel's address translation set up
	 * first, and on x86 without Xen the two are the same. */
	kdump_status ks = kdump_read(data, KDUMP_MACHPHYSADDR, phys, buf, &got);

	if (ks == KDUMP_OK && got == len)
		return 0;
	return ks == KDUMP_ERR_NODATA || ks == KDUMP_OK ? IOH_ERR_NODATA : IOH_ERR_CORRUPT;
}

struct truth {
	uint64_t rtaddr, rtaddr_capture;
	char mode[16];
	char devices[512];
};

static bool read_truth(const char *sample, struct truth *t)
{
	char path[256], line[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/truth.txt", samples_dir(), sample);
	f = fopen(path, "r");
	if (!f)
		return false;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "rtaddr_old: ", 12))
			t->rtaddr = strtoull(line + 12, NULL, 0);
		else if (!strncmp(line, "rtaddr_capture: ", 16))
			t->rtaddr_capture = strtoull(line + 16, NULL, 0);
		else if (!strncmp(line, "mode_old: ", 10))
			snprintf(t->mode, sizeof(t->mode), "%s", line + 10);
		else if (!strncmp(line, "devices_mapped: ", 16))
			snprintf(t->devices, sizeof(t->devices), "%s", line + 16);
	}
	fclose(f);
	return t->rtaddr && t->mode[0] && t->devices[0];
}

struct found {
	char list[512];
	unsigned n, problems;
	ioh_rangeset *writable;
	struct wu *w;
	uint64_t pages;
};

static int found_dev(void *data, const struct ioh_walk_device *d)
{
	struct found *fd = data;
	struct ioh_pg_summary s;
	char b[IOH_BDF_STRLEN];
	size_t l = strlen(fd->list);

	snprintf(fd->list + l, sizeof(fd->list) - l, "%s%s", l ? "," : "", ioh_bdf_str(d->bdf, b));
	fd->n++;
	fd->problems += ioh_problems_count(&d->problems);
	CHECK(d->present && !d->torn);
	CHECK(d->did != 0);
	CHECK(d->tt == IOH_VTD_TT_PASS_THROUGH || d->tt == IOH_VTD_PGTT_PT || d->slptptr);
	CHECK_MSG(ioh_walk_mappings(fd->w->ctx, &fd->w->cfg, d, NULL, NULL, fd->writable, &s) ==
			  IOH_OK,
		  "%s", ioh_get_err(fd->w->ctx));
	fd->pages += s.pages;
	return 0;
}

static bool src_in_ram(void *src, uint64_t phys)
{
	return ioh_source_in_ram(src, phys);
}

/* The same walk through the project's dump reader; the device list must not change. */
static void walk_source(const char *path, const struct truth *t, uint64_t wbytes, uint64_t pages)
{
	struct ioh_walk_ops ops = { NULL, found_dev };
	struct found fd = { { 0 } };
	ioh_source *src = NULL;

	fd.w = calloc(1, sizeof(*fd.w));
	fd.w->ctx = ioh_ctx_new();
	CHECK_MSG(ioh_source_open(fd.w->ctx, path, &src) == IOH_OK, "%s", ioh_get_err(fd.w->ctx));
	fd.w->cfg.rtaddr = t->rtaddr;
	CHECK_EQ(ioh_vtd_mode_parse(t->mode, &fd.w->cfg.mode), 0);
	fd.w->cfg.haw = 39;
	fd.w->cfg.read = ioh_source_read_cb;
	fd.w->cfg.read_data = src;
	fd.w->cfg.is_ram = src_in_ram;
	fd.w->cfg.ram_data = src;
	fd.writable = ioh_rangeset_new(1 << 16);
	CHECK_MSG(ioh_walk(fd.w->ctx, &fd.w->cfg, &ops, &fd, NULL) == IOH_OK, "%s",
		  ioh_get_err(fd.w->ctx));
	CHECK_STREQ(fd.list, t->devices);
	CHECK_EQ(fd.problems, 0);
	CHECK_EQ(fd.pages, pages);
	CHECK_EQ(ioh_rangeset_bytes(fd.writable), wbytes);
	ioh_rangeset_free(fd.writable);
	ioh_source_free(src);
	ioh_ctx_free(fd.w->ctx);
	free(fd.w);
}

static void walk_sample(const char *sample)
{
	char src[256], dst[512], cmd[1024];
	struct ioh_walk_ops ops = { NULL, found_dev };
	struct found fd = { { 0 } };
	struct ioh_walk_stats st;
	uint64_t wbytes;
	struct truth t;
	kdump_ctx_t *kd;
	int fdn;

	snprintf(src, sizeof(src), "%s/%s/vmcore.kdump.xz", samples_dir(), sample);
	if (!read_truth(sample, &t) || access(src, R_OK)) {
		printf("note: %s not available; sample walk skipped\n", sample);
		return;
	}
	snprintf(dst, sizeof(dst), "%s", ioh_test_tmp("vmcore.kdump"));
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", src, dst);
	CHECK_MSG(system(cmd) == 0, "%s failed", cmd);
	kd = kdump_new();
	CHECK(kd);
	fdn = open(dst, O_RDONLY);
	CHECK(fdn >= 0);
	CHECK_MSG(kdump_open_fd(kd, fdn) == KDUMP_OK, "%s", kdump_get_err(kd));

	fd.w = calloc(1, sizeof(*fd.w));
	fd.w->ctx = ioh_ctx_new();
	fd.w->cfg.rtaddr = t.rtaddr;
	CHECK_EQ(ioh_vtd_mode_parse(t.mode, &fd.w->cfg.mode), 0);
	fd.w->cfg.haw = 39; /* QEMU's default intel-iommu aw-bits */
	fd.w->cfg.read = kd_read;
	fd.w->cfg.read_data = kd;
	fd.writable = ioh_rangeset_new(1 << 16);
	CHECK_MSG(ioh_walk(fd.w->ctx, &fd.w->cfg, &ops, &fd, &st) == IOH_OK, "%s",
		  ioh_get_err(fd.w->ctx));
	CHECK_STREQ(fd.list, t.devices);
	CHECK_EQ(fd.problems, 0);
	/* the disks were doing O_DIRECT I/O: something was mapped writable */
	CHECK(fd.pages > 0);
	CHECK(ioh_rangeset_bytes(fd.writable) > 0);
	printf("note: %s: %u devices, %llu walk reads, %llu pages mapped, %zu writable ranges\n",
	       sample, fd.n, (unsigned long long)st.reads, (unsigned long long)fd.pages,
	       ioh_rangeset_count(fd.writable));
	wbytes = ioh_rangeset_bytes(fd.writable);
	/* The capture kernel's own root table lives in its reserved memory, outside the dump. */
	if (t.rtaddr_capture) {
		fd.w->cfg.rtaddr = t.rtaddr_capture;
		CHECK_EQ(ioh_walk(fd.w->ctx, &fd.w->cfg, NULL, NULL, NULL), IOH_ERR_NODATA);
		CHECK_CONTAINS(ioh_get_err(fd.w->ctx), "cannot read");
	}
	ioh_rangeset_free(fd.writable);
	ioh_ctx_free(fd.w->ctx);
	free(fd.w);
	kdump_free(kd);
	close(fdn);
	walk_source(dst, &t, wbytes, fd.pages);
	unlink(dst);
}

TEST_TIMEOUT(walk_sample_legacy_virtio, 60)
{
	walk_sample("legacy-virtio");
}

TEST_TIMEOUT(walk_sample_scalable_virtio, 60)
{
	walk_sample("scalable-virtio");
}
