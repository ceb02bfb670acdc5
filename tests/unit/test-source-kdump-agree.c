/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our kdump-compressed reader against libkdumpfile, page by page: the same
 * verdict (present, excluded, hole) and the same bytes for every pfn below
 * the dump's end, on the real samples (makedumpfile lzo) and on copies of
 * them written with every compression the format knows (mkdiskdump, since
 * Debian's makedumpfile is built without snappy and zstd).
 */
#include <inttypes.h>

#include "test-source.h"

struct agree {
	uint64_t present, excluded, holes;
};

static void compare_pfn(ioh_source *ours, ioh_source *lk, uint64_t addr, struct agree *a)
{
	static unsigned char pa[4096], pb[4096];
	ioh_status sa = ioh_source_read(ours, addr, pa, sizeof(pa));
	ioh_status sb = ioh_source_read(lk, addr, pb, sizeof(pb));

	CHECK_MSG(sa == sb, "0x%" PRIx64 ": ours %s, libkdumpfile %s", addr, ioh_strerror(sa),
		  ioh_strerror(sb));
	if (sa == IOH_OK) {
		CHECK_MSG(!memcmp(pa, pb, sizeof(pa)), "0x%" PRIx64 ": bytes differ", addr);
		a->present++;
	} else if (sa == IOH_ERR_EXCLUDED) {
		a->excluded++;
	} else {
		a->holes++;
	}
}

/* Every pfn up to the end of the last RAM range, plus a few past it. */
static struct agree compare_readers(const char *path)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *ours = NULL, *lk = NULL;
	const struct ioh_range *r;
	struct agree a = { 0 };
	size_t nr;

	CHECK_EQ(ioh_source_open(ctx, path, &ours), IOH_OK);
	CHECK_EQ(ioh_source_kind(ours), IOH_SOURCE_KDUMP);
	CHECK_EQ(ioh_source_open_kind(ctx, IOH_SOURCE_LIBKDUMPFILE, path, &lk), IOH_OK);
	CHECK_EQ(ioh_source_kind(lk), IOH_SOURCE_LIBKDUMPFILE);
	CHECK_CONTAINS(ioh_source_describe(lk), "through libkdumpfile");
	nr = ioh_source_ranges(ours, &r);
	CHECK(nr > 0);
	for (uint64_t addr = 0; addr < r[nr - 1].end + 4 * 4096; addr += 4096)
		compare_pfn(ours, lk, addr, &a);
	ioh_source_free(ours);
	ioh_source_free(lk);
	ioh_ctx_free(ctx);
	return a;
}

static void agree_sample(const char *which)
{
	char *path = st_sample(which);
	struct agree a = compare_readers(path);

	/* A 1 GiB guest dumped with -d 31: most pages filtered, some kept. */
	CHECK(a.present > 10000);
	CHECK(a.excluded > 10000);
	CHECK(a.holes > 0);
	free(path);
}

TEST_TIMEOUT(src_kdump_agrees_with_libkdumpfile_legacy, 300)
{
	agree_sample("legacy");
}

TEST_TIMEOUT(src_kdump_agrees_with_libkdumpfile_scalable, 300)
{
	agree_sample("scalable");
}

static char *rewrite(const char *in, const char *method, const char *extra)
{
	char out[4096], cmd[10000];

	snprintf(out, sizeof(out), "%s", ioh_test_tmp(method));
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/mkdiskdump' -c %s %s '%s' '%s'", st_builddir(),
		 method, extra, in, out);
	st_sh(cmd);
	return strdup(out);
}

/* The handover fixture (VT-d tables in both modes) rewritten with each compression. */
TEST_TIMEOUT(src_kdump_every_compression_agrees, 300)
{
	static const char *const methods[] = { "none", "zlib", "lzo", "snappy", "zstd" };
	char *elf = st_fixture("handover-a");
	struct agree first = { 0 };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		char *kd = rewrite(elf, methods[i], "--exclude-zero");
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_source *src = st_open(ctx, kd);
		struct agree a;

		if (i)
			CHECK_CONTAINS(ioh_source_describe(src), methods[i]);
		else
			CHECK_CONTAINS(ioh_source_describe(src), "uncompressed");
		ioh_source_free(src);
		ioh_ctx_free(ctx);
		a = compare_readers(kd);
		CHECK(a.present > 0 && a.excluded > 0);
		if (i) {
			CHECK_EQ(a.present, first.present);
			CHECK_EQ(a.excluded, first.excluded);
		} else {
			first = a;
		}
		free(kd);
	}
	free(elf);
}

/* Patches a little-endian u64 at off of the file. */
static void patch64(const char *path, long off, uint64_t v)
{
	unsigned char b[8];
	FILE *f = fopen(path, "r+b");

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	CHECK(f && fseek(f, off, SEEK_SET) == 0 && fwrite(b, 1, 8, f) == 8);
	fclose(f);
}

/*
 * Sub-header regions libkdumpfile trusts (fuzz-source found a note size of
 * 0xff88800010000000: a failed malloc it then wrote through). Our reader does
 * not read notes or eraseinfo and opens with a problem; the dump is not handed
 * to libkdumpfile at all.
 */
TEST_TIMEOUT(src_kdump_absurd_subheader_regions, 60)
{
	static const struct {
		const char *name;
		long off; /* in the sub-header, which starts at block 1 (4096) */
	} reg[] = { { "ELF notes", 56 }, { "eraseinfo", 72 }, { "VMCOREINFO", 40 } };
	char *elf = st_fixture("handover-a");

	for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		char *kd = rewrite(elf, "zlib", "");
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_source *src = NULL;

		patch64(kd, 4096 + reg[i].off, 0xff88800010000000ull);
		CHECK_EQ(ioh_source_open_kind(ctx, IOH_SOURCE_LIBKDUMPFILE, kd, &src), IOH_ERR_CORRUPT);
		CHECK_CONTAINS(ioh_get_err(ctx), "not handed to libkdumpfile");
		CHECK_CONTAINS(ioh_get_err(ctx), reg[i].name);
		src = st_open(ctx, kd);
		CHECK_EQ(ioh_source_problem_count(src), 1);
		CHECK_CONTAINS(ioh_source_problem(src, 0), reg[i].name);
		CHECK_EQ(ioh_source_read(src, 0x1010000, (unsigned char[8]){ 0 }, 8), IOH_OK);
		ioh_source_free(src);
		ioh_ctx_free(ctx);
		free(kd);
	}
	free(elf);
}

static int first_page(void *priv, uint64_t phys, const void *data, size_t len)
{
	(void)data, (void)len;
	*(uint64_t *)priv = phys;
	return 1;
}

/* A descriptor naming two compressions at once is damage, for both readers. */
TEST_TIMEOUT(src_kdump_descriptor_two_compressions, 60)
{
	char *elf = st_fixture("handover-a"), *kd = rewrite(elf, "zlib", "--exclude-zero");
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = st_open(ctx, kd);
	unsigned char h[464], b[8];
	uint32_t sub, bmb;
	uint64_t first = UINT64_MAX;
	FILE *f;

	CHECK_EQ(ioh_source_for_each_page(src, 0, UINT64_MAX, first_page, &first), 1);
	ioh_source_free(src);
	f = fopen(kd, "rb");
	CHECK(f && fread(h, 1, sizeof(h), f) == sizeof(h));
	fclose(f);
	memcpy(&sub, h + 432, 4);
	memcpy(&bmb, h + 436, 4);
	/* flags of descriptor 0 (the first dumped page): zlib | lzo */
	patch64(kd, (long)((1 + sub + bmb) * 4096 + 12), 0x3);
	for (int lk = 0; lk < 2; lk++) {
		CHECK_EQ(ioh_source_open_kind(ctx, lk ? IOH_SOURCE_LIBKDUMPFILE : IOH_SOURCE_KDUMP, kd,
					      &src),
			 IOH_OK);
		CHECK_EQ(ioh_source_read(src, first, b, sizeof(b)), IOH_ERR_CORRUPT);
		CHECK_CONTAINS(ioh_get_err(ctx), "is damaged");
		CHECK_CONTAINS(ioh_get_err(ctx), "flags 0x3");
		ioh_source_free(src);
	}
	ioh_ctx_free(ctx);
	free(kd);
	free(elf);
}
