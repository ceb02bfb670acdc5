/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flattened dumps (makedumpfile -F) read in place: made by the real
 * makedumpfile from the crash samples and from mkvmcore ELF dumps, compared
 * with the kdump-compressed reader (libkdumpfile) byte for byte; plus
 * hand-built damaged streams.
 */
#include <fcntl.h>
#include <unistd.h>

#include "test-source.h"

static char *flatten(const char *in, const char *opts, const char *name)
{
	char out[4096], cmd[10000];

	snprintf(out, sizeof(out), "%s", ioh_test_tmp(name));
	snprintf(cmd, sizeof(cmd), "makedumpfile -F %s '%s' > '%s' 2>/dev/null", opts, in, out);
	st_sh(cmd);
	return strdup(out);
}

struct cmp {
	ioh_source *other;
	uint64_t pages, checked;
	unsigned char buf[4096];
};

/* Every 61st present page of the flat reading must match the other reader. */
static int cmp_cb(void *priv, uint64_t phys, const void *data, size_t len)
{
	struct cmp *c = priv;

	for (size_t off = 0; off < len; off += 4096, c->pages++) {
		if (c->pages % 61)
			continue;
		CHECK_EQ(ioh_source_read(c->other, phys + off, c->buf, 4096), IOH_OK);
		CHECK_MSG(!memcmp(c->buf, (const unsigned char *)data + off, 4096),
			  "page 0x%" PRIx64 " differs", phys + off);
		c->checked++;
	}
	return 0;
}

static void check_sample_flat(const char *which)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *kpath = st_sample(which), *fpath = flatten(kpath, "-l -d 31", "sample.flat");
	ioh_source *k = st_open(ctx, kpath), *f = st_open(ctx, fpath);
	const struct ioh_range *rk, *rf;
	struct cmp c = { .other = k };
	unsigned char a[4096], b[4096];
	size_t n;

	CHECK_EQ(ioh_source_kind(f), IOH_SOURCE_FLAT);
	CHECK_CONTAINS(ioh_source_describe(f), "makedumpfile flattened");
	CHECK_STREQ(ioh_vmcoreinfo_osrelease(ioh_source_vmcoreinfo(f)), "6.1.0-56-amd64");
	n = ioh_source_ranges(k, &rk);
	CHECK_EQ(ioh_source_ranges(f, &rf), n);
	CHECK(!memcmp(rk, rf, n * sizeof(*rk)));
	/* Same verdict and bytes page by page over the low 64 MiB (holes, excluded, present). */
	for (uint64_t pa = 0; pa < (64u << 20); pa += 4096) {
		ioh_status sk = ioh_source_read(k, pa, a, 4096), sf = ioh_source_read(f, pa, b, 4096);

		CHECK_MSG(sk == sf, "0x%" PRIx64 ": kdump says %s, flat says %s", pa,
			  ioh_strerror(sk), ioh_strerror(sf));
		if (sk == IOH_OK)
			CHECK_MSG(!memcmp(a, b, 4096), "0x%" PRIx64 " differs", pa);
	}
	CHECK_EQ(ioh_source_for_each_page(f, 0, UINT64_MAX, cmp_cb, &c), IOH_OK);
	CHECK(c.checked > 100);
	ioh_source_free(k);
	ioh_source_free(f);
	ioh_ctx_free(ctx);
	free(kpath);
	free(fpath);
}

TEST_TIMEOUT(src_flat_sample_legacy, 180)
{
	check_sample_flat("legacy");
}

TEST_TIMEOUT(src_flat_sample_scalable, 180)
{
	check_sample_flat("scalable");
}

static const char desc[] = "@phdr type=LOAD paddr=0x100000 memsz=0x100000\n"
			   "@phdr type=LOAD paddr=0x1000000 memsz=0x40000\n"
			   "@0x1010000\n0x1011001 0\n"
			   "@0x1011100\n0x1012001 0x102\n"
			   "@0x1020000\n0x0123456789abcdef*512\n"
			   "@0x100000\n0x1111111111111111\n";

TEST_TIMEOUT(src_flat_from_elf_zlib_and_lzo, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *elf = st_mkcore("syn", desc);
	const char *opts[] = { "-c -d 1", "-l -d 0", "-d 0" };
	static unsigned char a[0x40000], b[0x40000];
	ioh_source *e = st_open(ctx, elf);

	CHECK_EQ(ioh_source_read(e, 0x1000000, a, sizeof(a)), IOH_OK);
	for (size_t i = 0; i < 3; i++) {
		char name[32];
		char *fp;
		ioh_source *f;

		snprintf(name, sizeof(name), "syn%zu.flat", i);
		fp = flatten(elf, opts[i], name);
		f = st_open(ctx, fp);
		CHECK_EQ(ioh_source_kind(f), IOH_SOURCE_FLAT);
		memset(b, 0xee, sizeof(b));
		CHECK_EQ(ioh_source_read(f, 0x1000000, b, sizeof(b)), IOH_OK);
		CHECK_MSG(!memcmp(a, b, sizeof(a)), "%s: bytes differ from the ELF", opts[i]);
		CHECK_EQ(st_u64(f, 0x100000), 0x1111111111111111ull);
		CHECK_EQ(ioh_source_read(f, 0x200000, b, 8), IOH_ERR_NODATA);
		ioh_source_free(f);
		free(fp);
	}
	ioh_source_free(e);
	free(elf);
	ioh_ctx_free(ctx);
}

/* makedumpfile -F -E flattens an ELF dump: recognised, and refused with the way out. */
TEST_TIMEOUT(src_flat_elf_is_refused_with_hint, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *elf = st_mkcore("syn", desc), *fp = flatten(elf, "-E -d 0", "elf.flat");
	ioh_source *f = NULL;

	CHECK_EQ(ioh_source_open(ctx, fp, &f), IOH_ERR_NOTIMPL);
	CHECK_CONTAINS(ioh_get_err(ctx), "makedumpfile -R");
	free(elf);
	free(fp);
	ioh_ctx_free(ctx);
}

/* ---- hand-built streams ---- */

static void be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

struct rec {
	uint64_t off, size;
	const char *fill;
};

static const char *write_flat(const char *name, uint64_t type, const struct rec *r, size_t n,
			      bool end)
{
	const char *p = ioh_test_tmp(name);
	FILE *f = fopen(p, "wb");
	unsigned char h[4096] = { 0 }, rh[16];

	memcpy(h, "makedumpfile", 12);
	be64(h + 16, type);
	be64(h + 24, 1);
	fwrite(h, sizeof(h), 1, f);
	for (size_t i = 0; i < n; i++) {
		be64(rh, r[i].off);
		be64(rh + 8, r[i].size);
		fwrite(rh, 16, 1, f);
		for (uint64_t k = 0; r[i].fill && k < r[i].size; k++)
			fputc(r[i].fill[k % strlen(r[i].fill)], f);
	}
	if (end) {
		memset(rh, 0xff, 16);
		fwrite(rh, 16, 1, f);
	}
	fclose(f);
	return p;
}

static ioh_status flat_open_status(ioh_ctx *ctx, const char *p)
{
	ioh_source *src = NULL;
	ioh_status st = ioh_source_open(ctx, p, &src);

	ioh_source_free(src);
	return st;
}

TEST(src_hostile_flat_records)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct rec huge[] = { { 0, 0x7000000000000000ull, NULL } };
	struct rec neg[] = { { 0xfffffffffffffff0ull, 16, "x" } };
	struct rec zero[] = { { 0, 0, NULL } };
	struct rec ovl[] = { { 0, 64, "KDUMP   " }, { 32, 64, "y" } };
	struct rec junk[] = { { 0, 4096, "not a dump" } };
	struct rec cut[] = { { 0, 1 << 20, NULL } };

	CHECK_EQ(flat_open_status(ctx, write_flat("huge", 1, huge, 1, true)), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "garbage");
	CHECK_EQ(flat_open_status(ctx, write_flat("neg", 1, neg, 1, true)), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "record 0 at 0x1000");
	CHECK_EQ(flat_open_status(ctx, write_flat("zero", 1, zero, 1, true)), IOH_ERR_CORRUPT);
	CHECK_EQ(flat_open_status(ctx, write_flat("ovl", 1, ovl, 2, true)), IOH_ERR_NOTIMPL);
	CHECK_CONTAINS(ioh_get_err(ctx), "overlap");
	CHECK_EQ(flat_open_status(ctx, write_flat("junk", 1, junk, 1, true)), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "neither kdump-compressed nor ELF");
	CHECK_EQ(flat_open_status(ctx, write_flat("none", 1, NULL, 0, true)), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "no data records");
	CHECK_EQ(flat_open_status(ctx, write_flat("type", 2, NULL, 0, true)), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "type 2");
	/* The record claims 1 MiB but the file stops after the header: truncated. */
	{
		const char *p = write_flat("cut", 1, cut, 1, false);
		int fd = open(p, O_WRONLY);

		CHECK(ftruncate(fd, 4096 + 16 + 100) == 0);
		close(fd);
		CHECK_EQ(flat_open_status(ctx, p), IOH_ERR_CORRUPT);
		CHECK_CONTAINS(ioh_get_err(ctx), "no data records");
	}
	ioh_ctx_free(ctx);
}

/* A real flattened dump cut short and with a record size smashed. */
TEST_TIMEOUT(src_hostile_flat_damaged_real, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *elf = st_mkcore("syn", desc), *fp = flatten(elf, "-c -d 0", "good.flat");
	char cmd[10000];
	const char *cutp = ioh_test_tmp("cut.flat");
	ioh_source *src = NULL;
	unsigned char b[8];
	ioh_status st;
	int fd;

	snprintf(cmd, sizeof(cmd), "head -c 20000 '%s' > '%s'", fp, cutp);
	st_sh(cmd);
	st = ioh_source_open(ctx, cutp, &src);
	if (st == IOH_OK) {
		CHECK(ioh_source_problem_count(src) >= 1);
		st = ioh_source_read(src, 0x1020000, b, 8);
		CHECK_MSG(st == IOH_ERR_CORRUPT || st == IOH_ERR_NODATA, "cut dump read: %s",
			  ioh_strerror(st));
		ioh_source_free(src);
	} else {
		CHECK_EQ(st, IOH_ERR_CORRUPT);
	}
	/* Smash the size of the first record. */
	fd = open(fp, O_WRONLY);
	CHECK(pwrite(fd, "\x7f\xff\xff\xff\xff\xff\xff\xff", 8, 4096 + 8) == 8);
	close(fd);
	CHECK_EQ(ioh_source_open(ctx, fp, &src), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "garbage");
	free(elf);
	free(fp);
	ioh_ctx_free(ctx);
}

/*
 * The three readers on one crash: kdump-compressed (libkdumpfile), flattened
 * (our index), ELF (libelf; written by tests/tools/dump2elf from a full scan
 * of the kdump reader, since makedumpfile -E refuses kdump input) all give
 * the same root table and the same RAM.
 */
TEST_TIMEOUT(src_three_formats_agree_on_root_table, 300)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *kpath = st_sample("legacy"), *fpath = flatten(kpath, "-l -d 31", "s.flat");
	char epath[4096], cmd[10000];
	ioh_source *s[3];
	unsigned char page[3][4096];
	const char *t = getenv("IOH_SAMPLES");
	char *truth;
	uint64_t rt;

	snprintf(epath, sizeof(epath), "%s", ioh_test_tmp("s.elf"));
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/dump2elf' '%s' '%s'", st_builddir(), kpath, epath);
	st_sh(cmd);
	/* Whole-dump agreement: a full scan of the flattened reader writes the same ELF. */
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/dump2elf' '%s' '%s.2' && cmp '%s' '%s.2' && rm '%s.2'",
		 st_builddir(), fpath, epath, epath, epath, epath);
	st_sh(cmd);
	snprintf(cmd, sizeof(cmd), "%s/legacy-virtio/truth.txt", t ? t : "/work/shared/samples");
	truth = ioh_test_slurp(cmd, NULL);
	CHECK(strstr(truth, "rtaddr_old: "));
	rt = strtoull(strstr(truth, "rtaddr_old: ") + 12, NULL, 0);
	free(truth);
	s[0] = st_open(ctx, kpath);
	s[1] = st_open(ctx, fpath);
	s[2] = st_open(ctx, epath);
	CHECK_EQ(ioh_source_kind(s[2]), IOH_SOURCE_ELF);
	CHECK_STREQ(ioh_vmcoreinfo_osrelease(ioh_source_vmcoreinfo(s[2])), "6.1.0-56-amd64");
	for (int i = 0; i < 3; i++)
		CHECK_EQ(ioh_source_read(s[i], rt, page[i], 4096), IOH_OK);
	CHECK(!memcmp(page[0], page[1], 4096));
	CHECK(!memcmp(page[0], page[2], 4096));
	/* Root entry 0 present, pointing at a context table that all three also hold. */
	CHECK_EQ(page[0][0] & 1, 1);
	{
		uint64_t ctp = st_u64(s[0], rt) & ~0xfffull;

		for (int i = 0; i < 3; i++)
			CHECK_EQ(ioh_source_read(s[i], ctp, page[i], 4096), IOH_OK);
		CHECK(!memcmp(page[0], page[1], 4096));
		CHECK(!memcmp(page[0], page[2], 4096));
	}
	for (int i = 0; i < 3; i++)
		ioh_source_free(s[i]);
	free(kpath);
	free(fpath);
	ioh_ctx_free(ctx);
}
