/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed dumps through libkdumpfile: the real crash samples, a
 * dump that the real makedumpfile made from a mkvmcore ELF, and damaged
 * headers. The bitmaps are read here independently of the library, as the
 * oracle for "hole" versus "excluded".
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-source.h"

struct oracle {
	int fd;
	uint32_t block_size;
	uint64_t bm1, bm2, bitmap_len;
};

static void oracle_open(struct oracle *o, const char *path)
{
	unsigned char h[464];

	o->fd = open(path, O_RDONLY);
	CHECK(o->fd >= 0);
	CHECK(pread(o->fd, h, sizeof(h), 0) == (ssize_t)sizeof(h));
	CHECK(!memcmp(h, "KDUMP   ", 8));
	memcpy(&o->block_size, h + 428, 4);
	uint32_t sub, bmb;
	memcpy(&sub, h + 432, 4);
	memcpy(&bmb, h + 436, 4);
	o->bm1 = (uint64_t)(1 + sub) * o->block_size;
	o->bitmap_len = (uint64_t)bmb / 2 * o->block_size;
	o->bm2 = o->bm1 + o->bitmap_len;
}

static int oracle_bit(const struct oracle *o, uint64_t base, uint64_t pfn)
{
	unsigned char b;

	if (pfn / 8 >= o->bitmap_len)
		return 0;
	CHECK(pread(o->fd, &b, 1, (off_t)(base + pfn / 8)) == 1);
	return b >> (pfn & 7) & 1;
}

/* First pfn from start with (ram, file) bits as asked. */
static uint64_t oracle_find(const struct oracle *o, uint64_t start, int ram, int file)
{
	for (uint64_t pfn = start; pfn < o->bitmap_len * 8; pfn++)
		if (oracle_bit(o, o->bm1, pfn) == ram && oracle_bit(o, o->bm2, pfn) == file)
			return pfn;
	CHECK_MSG(0, "no pfn with ram=%d file=%d", ram, file);
	return 0;
}

static uint64_t truth_rtaddr(const char *which)
{
	char path[512];
	const char *samples = getenv("IOH_SAMPLES");
	char *t, *p;
	uint64_t v;

	snprintf(path, sizeof(path), "%s/%s-virtio/truth.txt", samples ? samples : "/work/shared/samples",
		 which);
	t = ioh_test_slurp(path, NULL);
	p = strstr(t, "rtaddr_old: ");
	CHECK(p);
	v = strtoull(p + 12, NULL, 0);
	free(t);
	return v;
}

static void check_sample(const char *which)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *path = st_sample(which);
	ioh_source *src = st_open(ctx, path);
	uint64_t rt = truth_rtaddr(which), pfn;
	unsigned char page[4096], b[8];
	struct oracle o;
	const ioh_vmcoreinfo *vi;
	int64_t t;

	CHECK_EQ(ioh_source_kind(src), IOH_SOURCE_KDUMP);
	CHECK_CONTAINS(ioh_source_describe(src), "kdump-compressed lzo");
	CHECK_EQ(ioh_source_page_size(src), 4096);
	vi = ioh_source_vmcoreinfo(src);
	CHECK(vi);
	CHECK_STREQ(ioh_vmcoreinfo_osrelease(vi), "6.1.0-56-amd64");
	CHECK_EQ(ioh_vmcoreinfo_page_size(vi), 4096);
	CHECK_EQ(ioh_vmcoreinfo_crashtime(vi, &t), 0);
	CHECK(t > 1700000000);
	/* The crashed kernel's root table: present, and its first entry points at a context table. */
	CHECK(ioh_source_in_ram(src, rt));
	CHECK_EQ(ioh_source_read(src, rt, page, sizeof(page)), IOH_OK);
	CHECK_EQ(st_u64(src, rt) & 1, 1);
	CHECK(ioh_source_in_ram(src, st_u64(src, rt) & ~0xfffull));
	/* The oracle's verdicts, page by page. */
	oracle_open(&o, path);
	pfn = oracle_find(&o, 0x1000, 1, 0);
	CHECK_EQ(ioh_source_read(src, pfn * 4096 + 8, b, 8), IOH_ERR_EXCLUDED);
	CHECK_CONTAINS(ioh_get_err(ctx), "excluded");
	pfn = oracle_find(&o, 0x1000, 0, 0);
	CHECK_EQ(ioh_source_read(src, pfn * 4096, b, 8), IOH_ERR_NODATA);
	CHECK(!ioh_source_in_ram(src, pfn * 4096));
	CHECK_EQ(ioh_source_read(src, 0x40000000, b, 8), IOH_ERR_NODATA);
	CHECK_CONTAINS(ioh_get_err(ctx), "0x40000000: not in the dump");
	CHECK_EQ(ioh_source_read(src, 1ull << 52, b, 8), IOH_ERR_NODATA);
	close(o.fd);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	free(path);
}

TEST_TIMEOUT(src_kdump_sample_legacy, 120)
{
	check_sample("legacy");
}

TEST_TIMEOUT(src_kdump_sample_scalable, 120)
{
	check_sample("scalable");
}

/* The real makedumpfile turns a mkvmcore ELF into kdump-compressed form; both read alike. */
static char *make_kdump(const char *elf, const char *opts, const char *name)
{
	char out[4096], cmd[10000];

	snprintf(out, sizeof(out), "%s", ioh_test_tmp(name));
	snprintf(cmd, sizeof(cmd), "rm -f '%s'; makedumpfile %s '%s' '%s' >/dev/null 2>&1", out, opts,
		 elf, out);
	st_sh(cmd);
	return strdup(out);
}

/* makedumpfile 1.7.2 reads release and page tables through VMCOREINFO when it is there, which a
 * synthetic dump cannot satisfy; without VMCOREINFO it accepts -d 0 and -d 1. */
static const char novi_desc[] = "cpus = 1\n"
				"@phdr type=LOAD paddr=0x100000 memsz=0x100000\n"
				"@phdr type=LOAD paddr=0x1000000 memsz=0x40000\n"
				"@0x1010000\n0x1011001 0\n"
				"@0x1011100\n0x1012001 0x102\n"
				"@0x100000\n0x1111111111111111\n";

TEST_TIMEOUT(src_kdump_from_makedumpfile_matches_elf, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *elf = st_mkcore("novi", novi_desc);
	char *kd = make_kdump(elf, "-c -d 1", "novi.kdump");
	ioh_source *e = st_open(ctx, elf), *k = st_open(ctx, kd);
	static unsigned char a[0x40000], b[0x40000];

	CHECK_EQ(ioh_source_kind(k), IOH_SOURCE_KDUMP);
	CHECK_CONTAINS(ioh_source_describe(k), "zlib");
	CHECK(ioh_source_vmcoreinfo(k) == NULL);
	CHECK_EQ(ioh_source_read(e, 0x1000000, a, sizeof(a)), IOH_OK);
	/* -d 1: zero pages stay readable as zeros in kdump-compressed form. */
	CHECK_EQ(ioh_source_read(k, 0x1000000, b, sizeof(b)), IOH_OK);
	CHECK(!memcmp(a, b, sizeof(a)));
	CHECK_EQ(st_u64(k, 0x1011108), 0x102);
	CHECK_EQ(st_u64(k, 0x100000), 0x1111111111111111ull);
	CHECK(ioh_source_in_ram(k, 0x1ff000));
	CHECK(!ioh_source_in_ram(k, 0x200000));
	CHECK_EQ(ioh_source_read(k, 0x200000, b, 8), IOH_ERR_NODATA);
	ioh_source_free(e);
	ioh_source_free(k);
	ioh_ctx_free(ctx);
	free(elf);
	free(kd);
}

/* Copies the first n bytes of src to dst, then patches a little-endian u32 at off. */
static char *damaged(const char *from, const char *name, uint64_t n, int off, uint32_t val)
{
	char cmd[10000], *to = strdup(ioh_test_tmp(name));
	int fd;

	snprintf(cmd, sizeof(cmd), "head -c %" PRIu64 " '%s' > '%s'", n, from, to);
	st_sh(cmd);
	if (off >= 0) {
		fd = open(to, O_WRONLY);
		CHECK(fd >= 0);
		CHECK(pwrite(fd, &val, 4, off) == 4);
		close(fd);
	}
	return to;
}

static ioh_status try_open(ioh_ctx *ctx, const char *path)
{
	ioh_source *src = NULL;
	ioh_status st = ioh_source_open(ctx, path, &src);

	ioh_source_free(src);
	return st;
}

TEST_TIMEOUT(src_hostile_kdump_headers, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char *elf = st_mkcore("novi", novi_desc);
	char *kd = make_kdump(elf, "-c -d 1", "good.kdump"), *p;

	p = damaged(kd, "short", 100, -1, 0);
	CHECK_EQ(try_open(ctx, p), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "the header needs 464");
	free(p);
	p = damaged(kd, "bs", 1 << 20, 428, 12345);
	CHECK_EQ(try_open(ctx, p), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "block_size 12345");
	free(p);
	p = damaged(kd, "bmb", 1 << 20, 436, 0x7fffffff);
	CHECK_EQ(try_open(ctx, p), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "bitmap_blocks");
	free(p);
	p = damaged(kd, "bmb2", 1 << 20, 436, 0x7ffffffe);
	CHECK_EQ(try_open(ctx, p), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "truncated");
	free(p);
	p = damaged(kd, "ver", 1 << 20, 8, 0);
	CHECK_EQ(try_open(ctx, p), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "header_version 0");
	free(p);
	/* Cut in the page data: opens, and the lost pages read as damaged, not as zeros. */
	p = damaged(kd, "cut", 3 * 4096 + 100, -1, 0);
	{
		ioh_source *src = NULL;
		unsigned char b[8];
		ioh_status st = ioh_source_open(ctx, p, &src);

		if (st == IOH_OK) {
			st = ioh_source_read(src, 0x100000, b, 8);
			CHECK_MSG(st == IOH_ERR_CORRUPT, "read of a cut dump: %s: %s", ioh_strerror(st),
				  ioh_get_err(ctx));
			ioh_source_free(src);
		} else {
			CHECK_EQ(st, IOH_ERR_CORRUPT);
		}
	}
	free(p);
	free(kd);
	free(elf);
	ioh_ctx_free(ctx);
}

static int smash_count(void *priv, uint64_t phys, const void *data, size_t len)
{
	(void)phys, (void)data;
	*(uint64_t *)priv += len;
	return 0;
}

/*
 * Every page's data smashed, descriptors intact: each read fails as damage and
 * a full scan survives, with our reader and through libkdumpfile. libkdumpfile
 * 0.5.1 alone crashes here (each failed
 * read leaks a cache slot; an exhausted cache means a NULL-pointer write).
 */
TEST_TIMEOUT(src_hostile_kdump_smashed_pages_scan, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char elf[4096], cmd[10000], *kd;
	unsigned char h[464], junk[4096];
	uint32_t bs, sub, bmb;
	uint64_t desc, end;
	struct stat sb;
	ioh_source *src;
	unsigned char b[8];
	int fd;

	/* basic.txt without its VMCOREINFO, which makedumpfile could not use. */
	snprintf(elf, sizeof(elf), "%s", ioh_test_tmp("smash.vmcore"));
	snprintf(cmd, sizeof(cmd),
		 "grep -v -E '^[A-Z]|@vmcoreinfo' '%s/tests/fixtures/vmcores/basic.txt' | "
		 "'%s/tests/tools/mkvmcore' - '%s'",
		 getenv("IOH_SRCDIR") ? getenv("IOH_SRCDIR") : ".", st_builddir(), elf);
	st_sh(cmd);
	kd = make_kdump(elf, "-c -d 1", "smash.kdump");
	fd = open(kd, O_RDWR);
	CHECK(fd >= 0 && fstat(fd, &sb) == 0);
	CHECK(pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h));
	memcpy(&bs, h + 428, 4);
	memcpy(&sub, h + 432, 4);
	memcpy(&bmb, h + 436, 4);
	desc = (uint64_t)(1 + sub + bmb) * bs + 600 * 24;
	end = (uint64_t)sb.st_size;
	memset(junk, 0x5a, sizeof(junk));
	for (uint64_t off = desc; off < end; off += sizeof(junk))
		CHECK(pwrite(fd, junk, end - off < sizeof(junk) ? end - off : sizeof(junk), (off_t)off) > 0);
	close(fd);
	for (int lk = 0; lk < 2; lk++) {
		uint64_t got = 0;

		CHECK_EQ(ioh_source_open_kind(ctx, lk ? IOH_SOURCE_LIBKDUMPFILE : IOH_SOURCE_AUTO,
					      kd, &src),
			 IOH_OK);
		CHECK_EQ(ioh_source_read(src, 0x1ff000, b, 8), IOH_ERR_CORRUPT);
		CHECK_CONTAINS(ioh_get_err(ctx), lk ? "0x1ff000: libkdumpfile"
						    : "0x1ff000: zlib page does not decompress");
		CHECK_EQ(ioh_source_for_each_page(src, 0, UINT64_MAX, smash_count, &got), IOH_OK);
		CHECK(got < 0x200000);
		ioh_source_free(src);
	}
	free(kd);
	ioh_ctx_free(ctx);
}
