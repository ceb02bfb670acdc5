/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* In-memory and raw-image sources. */
#include "test-source.h"

TEST(src_mem_add_read_overlap)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	const struct ioh_range *r;
	uint64_t root[2] = { 0x1011001, 0 }, over = 0xabcd;
	unsigned char buf[16];

	CHECK_EQ(ioh_source_new_mem(ctx, 0, &src), IOH_OK);
	CHECK_EQ(ioh_source_kind(src), IOH_SOURCE_MEM);
	CHECK_EQ(ioh_source_page_size(src), 4096);
	CHECK_EQ(ioh_source_mem_add(src, 0x1010000, root, sizeof(root)), IOH_OK);
	CHECK_EQ(st_u64(src, 0x1010000), 0x1011001);
	/* The rest of an added page reads as zero. */
	CHECK_EQ(st_u64(src, 0x1010ff8), 0);
	CHECK_EQ(ioh_source_read(src, 0x1011000, buf, 8), IOH_ERR_NODATA);
	CHECK_CONTAINS(ioh_get_err(ctx), "0x1011000");
	/* Later pieces win. */
	CHECK_EQ(ioh_source_mem_add(src, 0x1010000, &over, 8), IOH_OK);
	CHECK_EQ(st_u64(src, 0x1010000), 0xabcd);
	/* A piece across a page boundary makes both pages present and merges ranges. */
	CHECK_EQ(ioh_source_mem_add(src, 0x1011ff8, root, 16), IOH_OK);
	CHECK_EQ(st_u64(src, 0x1012000), 0);
	CHECK_EQ(ioh_source_ranges(src, &r), 1);
	CHECK_EQ(r[0].start, 0x1010000);
	CHECK_EQ(r[0].end, 0x1013000);
	CHECK_EQ(ioh_source_read(src, 0x1010ff8, buf, 16), IOH_OK);
	CHECK_EQ(ioh_source_mem_add(src, UINT64_MAX - 3, root, 8), IOH_ERR_INVALID);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

TEST(src_mem_exclude_and_vmcoreinfo)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	unsigned char buf[8];
	const char vi[] = "OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\n";

	CHECK_EQ(ioh_source_new_mem(ctx, 4096, &src), IOH_OK);
	CHECK_EQ(ioh_source_mem_exclude(src, 0x5000, 0x1000), IOH_OK);
	CHECK_EQ(ioh_source_read(src, 0x5008, buf, 8), IOH_ERR_EXCLUDED);
	CHECK_CONTAINS(ioh_get_err(ctx), "0x5008: page excluded");
	CHECK(ioh_source_in_ram(src, 0x5000));
	CHECK_EQ(ioh_source_read(src, 0x6000, buf, 8), IOH_ERR_NODATA);
	CHECK(ioh_source_vmcoreinfo(src) == NULL);
	CHECK_EQ(ioh_source_mem_set_vmcoreinfo(src, vi, sizeof(vi)), IOH_OK);
	CHECK_STREQ(ioh_vmcoreinfo_osrelease(ioh_source_vmcoreinfo(src)), "6.1.0-56-amd64");
	CHECK_CONTAINS(ioh_source_describe(src), "in-memory image");
	ioh_source_free(src);
	CHECK_EQ(ioh_source_new_mem(ctx, 1000, &src), IOH_ERR_INVALID);
	ioh_ctx_free(ctx);
}

static int count_cb(void *priv, uint64_t phys, const void *data, size_t len)
{
	(void)data;
	CHECK(phys < 0x12000 || phys >= 0x14000);
	*(uint64_t *)priv += len;
	return 0;
}

TEST(src_mem_scan_skips_excluded)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	static unsigned char page[4096];
	uint64_t got = 0;

	CHECK_EQ(ioh_source_new_mem(ctx, 0, &src), IOH_OK);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(ioh_source_mem_add(src, 0x10000 + (uint64_t)i * 4096, page, 4096), IOH_OK);
	CHECK_EQ(ioh_source_mem_exclude(src, 0x12000, 0x2000), IOH_OK);
	CHECK_EQ(ioh_source_for_each_page(src, 0, UINT64_MAX, count_cb, &got), IOH_OK);
	CHECK_EQ(got, 6 * 4096);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

static const char *write_raw(void)
{
	const char *p = ioh_test_tmp("raw.img");
	FILE *f = fopen(p, "wb");
	uint64_t w[1024];

	for (int i = 0; i < 1024; i++)
		w[i] = 0x1000000 + (uint64_t)i * 8;
	fwrite(w, sizeof(w), 1, f);
	fwrite(w, sizeof(w), 1, f);
	fclose(f);
	return p;
}

TEST(src_raw_image_at_base)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *path = strdup(write_raw()), spec[4200];
	ioh_source *src;
	unsigned char b[16];

	CHECK_EQ(ioh_source_open_raw(ctx, path, 0x1000000, &src), IOH_OK);
	CHECK_EQ(ioh_source_kind(src), IOH_SOURCE_RAW);
	CHECK_EQ(st_u64(src, 0x1000008), 0x1000008);
	CHECK_EQ(st_u64(src, 0x1001ff8), 0x1001ff8);
	CHECK_EQ(ioh_source_read(src, 0xfff000, b, 8), IOH_ERR_NODATA);
	CHECK_EQ(ioh_source_read(src, 0x1003ff8, b, 16), IOH_ERR_NODATA);
	CHECK_CONTAINS(ioh_get_err(ctx), "0x1004000");
	CHECK(ioh_source_vmcoreinfo(src) == NULL);
	ioh_source_free(src);
	snprintf(spec, sizeof(spec), "raw:%s@0x2000", path);
	src = st_open(ctx, spec);
	CHECK_EQ(st_u64(src, 0x2010), 0x1000010);
	CHECK_CONTAINS(ioh_source_describe(src), "raw image at 0x2000");
	ioh_source_free(src);
	snprintf(spec, sizeof(spec), "raw:%s@0x2001", path);
	CHECK_EQ(ioh_source_open(ctx, spec, &src), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "not page-aligned");
	snprintf(spec, sizeof(spec), "raw:%s@zz", path);
	CHECK_EQ(ioh_source_open(ctx, spec, &src), IOH_ERR_INVALID);
	CHECK_EQ(ioh_source_open(ctx, "raw:@0x1000", &src), IOH_ERR_INVALID);
	CHECK_EQ(ioh_source_open_raw(ctx, path, 0xfffffffffffff000ull, &src), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "wraps");
	/* Without the raw: prefix a raw image is not guessed. */
	CHECK_EQ(ioh_source_open(ctx, path, &src), IOH_ERR_NOPROBE);
	free(path);
	ioh_ctx_free(ctx);
}
