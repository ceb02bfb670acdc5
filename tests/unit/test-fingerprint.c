/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fingerprint files: the documented layout byte by byte, round trips, the
 * dump identity, atomic never-clobbering saves, and a hostile-input battery
 * (every truncation, every flipped bit, forged counts and fields with
 * correct checksums).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <ioh/fingerprint.h>
#include <ioh/scan.h>
#include <ioh/source.h>

#include "fingerprint-format.h"
#include "harness.h"

/*
 * A legacy-mode dump in memory: root table 0x1010000, bus 0's context
 * table 0x1011000; device k is 00:(k+1).0, DID k+1, 3-level tables at
 * 0x1100000 + k * 0x3000 mapping IOVA i * 4 KiB -> its own data page i
 * read-write. With `shared`, device 1 also maps device 0's first page
 * (IOVA npg * 4 KiB), so that page has two writers.
 */
#define ROOT 0x1010000ULL
#define CTX 0x1011000ULL
#define TABLES 0x1100000ULL
#define DATA 0x1200000ULL

static uint64_t data_page(unsigned dev, unsigned i)
{
	return DATA + ((uint64_t)dev * 64 + i) * 4096;
}

static void put_u64(ioh_source *src, uint64_t phys, uint64_t v)
{
	CHECK_EQ(ioh_source_mem_add(src, phys, &v, sizeof(v)), IOH_OK);
}

static ioh_source *mk_src(ioh_ctx *ctx, const char *vmcoreinfo, unsigned ndev, unsigned npg,
			  bool shared)
{
	static uint8_t page[4096];
	ioh_source *src;

	CHECK(npg < 64);
	CHECK_EQ(ioh_source_new_mem(ctx, 0, &src), IOH_OK);
	if (vmcoreinfo)
		CHECK_EQ(ioh_source_mem_set_vmcoreinfo(src, vmcoreinfo, strlen(vmcoreinfo)),
			 IOH_OK);
	CHECK_EQ(ioh_source_mem_add(src, ROOT, page, sizeof(page)), IOH_OK);
	CHECK_EQ(ioh_source_mem_add(src, CTX, page, sizeof(page)), IOH_OK);
	put_u64(src, ROOT, CTX | 1);
	for (unsigned k = 0; k < ndev; k++) {
		uint64_t t = TABLES + k * 0x3000ULL, devfn = (k + 1) << 3;

		for (unsigned l = 0; l < 3; l++)
			CHECK_EQ(ioh_source_mem_add(src, t + l * 0x1000, page, sizeof(page)), IOH_OK);
		put_u64(src, CTX + devfn * 16, t | 1);
		put_u64(src, CTX + devfn * 16 + 8, (uint64_t)(k + 1) << 8 | 1);
		put_u64(src, t, (t + 0x1000) | 3);
		put_u64(src, t + 0x1000, (t + 0x2000) | 3);
		for (unsigned i = 0; i < npg; i++) {
			memset(page, (int)(k * 16 + i + 1), sizeof(page));
			CHECK_EQ(ioh_source_mem_add(src, data_page(k, i), page, sizeof(page)),
				 IOH_OK);
			put_u64(src, t + 0x2000 + i * 8, data_page(k, i) | 3);
		}
		memset(page, 0, sizeof(page));
		if (shared && k == 1)
			put_u64(src, t + 0x2000 + npg * 8, data_page(0, 0) | 3);
	}
	return src;
}

static ioh_fingerprint *take(ioh_ctx *ctx, ioh_source *src, unsigned cap)
{
	struct ioh_scan_config cfg = { .rtaddr = ROOT, .mode = IOH_VTD_LEGACY,
				       .mode_given = true, .haw = 39 };
	ioh_fingerprint *fp;
	ioh_scan *scan;

	CHECK_EQ(ioh_scan_run(ctx, src, &cfg, &scan), IOH_OK);
	CHECK_EQ(ioh_fingerprint_take(ctx, src, scan, cap, &fp), IOH_OK);
	ioh_scan_free(scan);
	return fp;
}

static const char VI_A[] = "OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nCRASHTIME=1764072000\n"
			   "KERNELOFFSET=1e000000\n";
static const char VI_B[] = "OSRELEASE=6.1.0-56-amd64\nPAGESIZE=4096\nCRASHTIME=1764075600\n"
			   "KERNELOFFSET=1e000000\n";

/* A fingerprint of 3 devices x 5 pages plus a shared page, encoded. */
static uint8_t *sample_file(ioh_ctx *ctx, size_t *len)
{
	ioh_source *src = mk_src(ctx, VI_A, 3, 5, true);
	ioh_fingerprint *fp = take(ctx, src, 0);
	void *buf;

	CHECK_EQ(ioh_fingerprint_encode(ctx, fp, &buf, len), IOH_OK);
	ioh_fingerprint_free(fp);
	ioh_source_free(src);
	return buf;
}

/* Rewrites a field of a forged file and makes both checksums right again. */
static void forge(uint8_t *b, size_t len, size_t off, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
	fp_put32(b + FP_OFF_HEADER_CRC, (uint32_t)crc32(0, b, FP_OFF_HEADER_CRC));
	fp_put32(b + len - 4, (uint32_t)crc32(0, b, (uInt)(len - 4)));
}

static ioh_status decode_err(ioh_ctx *ctx, const uint8_t *b, size_t len)
{
	ioh_fingerprint *fp = (ioh_fingerprint *)1;
	ioh_status st = ioh_fingerprint_decode(ctx, b, len, "t", &fp);

	CHECK_MSG(st != IOH_OK, "decoded a bad file of %zu bytes", len);
	CHECK(fp == NULL);
	CHECK_MSG(strncmp(ioh_get_err(ctx), "fingerprint: t: ", 16) == 0, "message '%s'",
		  ioh_get_err(ctx));
	return st;
}

/* ---- the documented layout ---- */

TEST(fp_layout_as_documented)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len);
	const uint8_t *d, *p;
	unsigned watched[3] = { 0 };

	/* 3 devices, 15 pages (5 each; the shared one is recorded once) */
	CHECK_EQ(len, 164 + 3 * 12 + 15 * 168 + 4);
	CHECK(memcmp(b, "\x89IOHFP\r\n", 8) == 0);
	CHECK_EQ(fp_get16(b + 8), 1);	  /* format version */
	CHECK_EQ(fp_get16(b + 10), 164); /* header size */
	CHECK_EQ(fp_get32(b + 12), 0);	  /* flags */
	CHECK_EQ(fp_get32(b + 16), 4096);
	CHECK_EQ(fp_get32(b + 20), 64);
	CHECK_EQ(fp_get32(b + 24), 1);	  /* hash algorithm */
	CHECK_EQ(fp_get32(b + 28), 3);	  /* devices */
	CHECK_EQ(fp_get64(b + 32), 15);  /* pages */
	CHECK_EQ(fp_get64(b + 40), IOH_FP_DEFAULT_MAX_PAGES);
	CHECK_EQ(fp_get64(b + 48), 0);	  /* skipped */
	CHECK_EQ(fp_get64(b + 56), 0);	  /* unreadable */
	CHECK_EQ(fp_get32(b + 64), 1);	  /* identity from VMCOREINFO */
	CHECK_EQ(fp_get64(b + 72), 4096); /* the dump's page size */
	CHECK_EQ(fp_get64(b + 88), 1764072000);
	CHECK_STREQ((const char *)b + 96, "6.1.0-56-amd64");
	CHECK_EQ(fp_get32(b + 160), crc32(0, b, 160));
	CHECK_EQ(fp_get32(b + len - 4), crc32(0, b, (uInt)(len - 4)));
	/*
	 * The identity digest: FNV-1a 64 over "KEY=value\n" for OSRELEASE,
	 * BUILD-ID, CRASHTIME, KERNELOFFSET, PAGESIZE, "KEY\n" when absent.
	 */
	{
		const char *s = "OSRELEASE=6.1.0-56-amd64\nBUILD-ID\nCRASHTIME=1764072000\n"
				"KERNELOFFSET=1e000000\nPAGESIZE=4096\n";
		uint64_t h = 0xcbf29ce484222325ULL;

		for (; *s; s++)
			h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
		CHECK_EQ(fp_get64(b + 80), h);
	}
	/* Devices: fewest writable pages first (00:01.0 and 00:03.0 have 5, 00:02.0 6). */
	d = b + 164;
	CHECK_EQ(fp_get16(d), 0);
	CHECK_EQ(d[2], 0);
	CHECK_EQ(d[3], 1 << 3);
	CHECK_EQ(d[12 + 3], 3 << 3);
	CHECK_EQ(d[24 + 3], 2 << 3);
	/* Pages: every field in place and consistent with the device table. */
	p = d + 3 * 12;
	for (unsigned i = 0; i < 15; i++, p += 168) {
		uint32_t dev = fp_get32(p + 24), dev2 = fp_get32(p + 28);

		CHECK(dev < 3);
		CHECK_EQ(fp_get64(p) & 0xfff, 0);
		CHECK(fp_get64(p) >= DATA && fp_get64(p) < DATA + 3 * 64 * 4096);
		CHECK_EQ(fp_get64(p + 8) & 0xfff, 0);
		if (fp_get64(p) == data_page(0, 0)) {
			CHECK_EQ(dev, 0);
			CHECK_EQ(fp_get64(p + 8), 0);
			CHECK_EQ(dev2, 2); /* 00:02.0, third in the table */
			CHECK_EQ(fp_get64(p + 16), 5 * 4096);
		} else {
			CHECK_EQ(dev2, 0xffffffff);
			CHECK_EQ(fp_get64(p + 16), 0);
		}
		watched[dev]++;
	}
	for (unsigned k = 0; k < 3; k++)
		CHECK_EQ(fp_get64(d + k * 12 + 4), watched[k]);
	free(b);
	ioh_ctx_free(ctx);
}

/* The page hash exactly as the format document defines it, written separately. */
static uint64_t ref_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

TEST(fp_page_hash_as_documented)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len), page[4096];
	const uint8_t *p = b + 164 + 3 * 12;
	uint64_t all = 0x9e3779b97f4a7c15ULL;

	/* The first record is 00:01.0's page at IOVA 0: every byte 0x01. */
	CHECK_EQ(fp_get64(p), data_page(0, 0));
	memset(page, 1, sizeof(page));
	for (unsigned l = 0; l < 64; l++) {
		uint64_t h = l;

		for (unsigned i = 0; i < 8; i++)
			h = ref_mix(h ^ fp_get64(page + l * 64 + i * 8));
		CHECK_EQ(fp_get16(p + 40 + 2 * l), (uint16_t)(h ^ h >> 16 ^ h >> 32 ^ h >> 48));
		all = ref_mix(all ^ h);
	}
	CHECK_EQ(fp_get64(p + 32), all);
	free(b);
	ioh_ctx_free(ctx);
}

/* ---- round trips and comparing ---- */

TEST(fp_roundtrip_and_compare)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = mk_src(ctx, VI_A, 3, 5, true);
	ioh_fingerprint *fp = take(ctx, src, 0), *back;
	const struct ioh_fp_change *ch;
	uint8_t dma[100];
	void *b1, *b2;
	size_t l1, l2, n;
	uint64_t w, s, u;

	CHECK_EQ(ioh_fingerprint_encode(ctx, fp, &b1, &l1), IOH_OK);
	CHECK_EQ(ioh_fingerprint_decode(ctx, b1, l1, NULL, &back), IOH_OK);
	CHECK_EQ(ioh_fingerprint_encode(ctx, back, &b2, &l2), IOH_OK);
	CHECK_EQ(l1, l2);
	CHECK(memcmp(b1, b2, l1) == 0);
	ioh_fingerprint_stats(back, &w, &s, &u);
	CHECK_EQ(w, 15);
	CHECK_EQ(s + u, 0);
	CHECK_EQ(ioh_fingerprint_page_cap(back), IOH_FP_DEFAULT_MAX_PAGES);
	CHECK_STREQ(ioh_fingerprint_dump(back), ioh_fingerprint_dump(fp));
	CHECK_CONTAINS(ioh_fingerprint_dump(back), "Linux 6.1.0-56-amd64, crashed 2025-11-25 12:00:00 UTC");

	/* Nothing written yet. */
	CHECK_EQ(ioh_fingerprint_compare(ctx, back, src, &ch, &n), IOH_OK);
	CHECK_EQ(n, 3);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(ch[i].pages_changed, 0);
	/* DMA into 00:03.0's page 2 (100 bytes from offset 60: lines 0, 1 and 2). */
	memset(dma, 0xee, sizeof(dma));
	CHECK_EQ(ioh_source_mem_add(src, data_page(2, 2) + 60, dma, sizeof(dma)), IOH_OK);
	/* and into the page both 00:01.0 and 00:02.0 can write */
	CHECK_EQ(ioh_source_mem_add(src, data_page(0, 0) + 4000, dma, 8), IOH_OK);
	CHECK_EQ(ioh_fingerprint_compare(ctx, back, src, &ch, &n), IOH_OK);
	CHECK_EQ(ch[1].bdf.devfn, 3 << 3);
	CHECK_EQ(ch[1].pages_changed, 1);
	CHECK_EQ(ch[1].bytes_changed, 3 * 64);
	CHECK_EQ(ch[1].first_iova, 2 * 4096);
	CHECK(ch[1].attribution_unique);
	CHECK_EQ(ch[0].pages_changed, 1);
	CHECK(!ch[0].attribution_unique);
	CHECK_EQ(ch[2].pages_changed, 1);
	CHECK_EQ(ch[2].first_iova, 5 * 4096); /* 00:02.0 maps it after its own five */
	CHECK(!ch[2].attribution_unique);
	free(b1);
	free(b2);
	ioh_fingerprint_free(back);
	ioh_fingerprint_free(fp);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

TEST(fp_page_cap_kept)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = mk_src(ctx, NULL, 2, 4, false);
	ioh_fingerprint *fp = take(ctx, src, 3), *back;
	ioh_scan *scan = NULL;
	uint64_t w, s, u;
	void *b;
	size_t len;

	CHECK_EQ(ioh_fingerprint_encode(ctx, fp, &b, &len), IOH_OK);
	CHECK_EQ(ioh_fingerprint_decode(ctx, b, len, "x", &back), IOH_OK);
	ioh_fingerprint_stats(back, &w, &s, &u);
	CHECK_EQ(w, 3);
	CHECK_EQ(s, 5);
	CHECK_EQ(ioh_fingerprint_page_cap(back), 3);
	CHECK_CONTAINS(ioh_fingerprint_dump(back), "a dump without VMCOREINFO");
	/* A cap a file could not hold is refused up front. */
	CHECK_EQ(ioh_fingerprint_take(ctx, src, scan, IOH_FP_MAX_PAGES + 1, &fp), IOH_ERR_INVALID);
	CHECK(fp == NULL);
	CHECK_CONTAINS(ioh_get_err(ctx), "over the limit");
	free(b);
	ioh_fingerprint_free(back);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

/* ---- dump identity ---- */

static ioh_status compare_with(ioh_ctx *ctx, ioh_fingerprint *fp, ioh_source *other)
{
	const struct ioh_fp_change *ch = (void *)1;
	size_t n = 99;
	ioh_status st = ioh_fingerprint_compare(ctx, fp, other, &ch, &n);

	if (st == IOH_ERR_INVALID) {
		CHECK(ch == NULL);
		CHECK_EQ(n, 0);
	}
	return st;
}

TEST(fp_other_dump_refused)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *a = mk_src(ctx, VI_A, 2, 3, false), *b = mk_src(ctx, VI_B, 2, 3, false);
	ioh_source *a2 = mk_src(ctx, VI_A, 2, 3, false);
	ioh_source *raw1 = mk_src(ctx, NULL, 2, 3, false), *raw2 = mk_src(ctx, NULL, 2, 4, false);
	ioh_fingerprint *fa = take(ctx, a, 0), *fr = take(ctx, raw1, 0);
	uint8_t x = 0x55;

	/* Another crash of the same kernel: a different crash time. */
	CHECK_EQ(compare_with(ctx, fa, b), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "taken from another dump, not compared");
	CHECK_CONTAINS(ioh_get_err(ctx), "crashed 2025-11-25 12:00:00 UTC");
	CHECK_CONTAINS(ioh_get_err(ctx), "crashed 2025-11-25 13:00:00 UTC");
	/* The same crash read again, its memory changed since: compared. */
	CHECK_EQ(ioh_source_mem_add(a2, data_page(1, 1), &x, 1), IOH_OK);
	CHECK_EQ(compare_with(ctx, fa, a2), IOH_OK);
	/* VMCOREINFO against none, and two different RAM layouts. */
	CHECK_EQ(compare_with(ctx, fa, raw1), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "a dump without VMCOREINFO");
	CHECK_EQ(compare_with(ctx, fr, a), IOH_ERR_INVALID);
	CHECK_EQ(compare_with(ctx, fr, raw2), IOH_ERR_INVALID);
	CHECK_EQ(compare_with(ctx, fr, raw1), IOH_OK);
	ioh_fingerprint_free(fa);
	ioh_fingerprint_free(fr);
	ioh_source_free(a);
	ioh_source_free(a2);
	ioh_source_free(b);
	ioh_source_free(raw1);
	ioh_source_free(raw2);
	ioh_ctx_free(ctx);
}

TEST(fp_hostile_osrelease_sanitised)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char vi[200];
	ioh_source *src;
	ioh_fingerprint *fp, *back;
	void *b;
	size_t len;

	/* A control character, and a release longer than the 63 bytes kept. */
	snprintf(vi, sizeof(vi), "OSRELEASE=6.1\x1b[2J-%s\nPAGESIZE=4096\n",
		 "0123456789012345678901234567890123456789012345678901234567890123456789");
	src = mk_src(ctx, vi, 1, 1, false);
	fp = take(ctx, src, 0);
	CHECK_CONTAINS(ioh_fingerprint_dump(fp), "Linux 6.1?[2J-0123");
	CHECK_EQ(ioh_fingerprint_encode(ctx, fp, &b, &len), IOH_OK);
	CHECK_EQ(strlen((const char *)b + 96), 63);
	CHECK_EQ(ioh_fingerprint_decode(ctx, b, len, "x", &back), IOH_OK);
	/* The digest holds the whole release: the same dump still compares. */
	CHECK_EQ(compare_with(ctx, back, src), IOH_OK);
	free(b);
	ioh_fingerprint_free(back);
	ioh_fingerprint_free(fp);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

/* ---- saving: atomic, never over an existing file ---- */

static unsigned leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	CHECK(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

TEST(fp_save_atomic_never_clobbers)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = mk_src(ctx, VI_A, 2, 3, false);
	ioh_fingerprint *fp = take(ctx, src, 0), *back;
	char path[4096], dir[4096], *keep, *again;
	size_t klen, alen, elen;
	void *enc;

	snprintf(path, sizeof(path), "%s", ioh_test_tmp("fp.bin"));
	snprintf(dir, sizeof(dir), "%s", ioh_test_tmp(""));
	unlink(path);
	CHECK_EQ(ioh_fingerprint_save(ctx, fp, path), IOH_OK);
	keep = ioh_test_slurp(path, &klen);
	CHECK_EQ(ioh_fingerprint_encode(ctx, fp, &enc, &elen), IOH_OK);
	CHECK_EQ(klen, elen);
	CHECK(memcmp(keep, enc, elen) == 0);
	/* A second save is refused and leaves the first intact, no litter. */
	CHECK_EQ(ioh_fingerprint_save(ctx, fp, path), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "never overwritten");
	CHECK_CONTAINS(ioh_get_err(ctx), "File exists");
	again = ioh_test_slurp(path, &alen);
	CHECK_EQ(alen, klen);
	CHECK(memcmp(keep, again, klen) == 0);
	CHECK_EQ(leftovers(dir), 0);
	CHECK_EQ(ioh_fingerprint_load(ctx, path, &back), IOH_OK);
	ioh_fingerprint_free(back);
	/* Nowhere to write. */
	CHECK_EQ(ioh_fingerprint_save(ctx, fp, "/nonexistent-dir/fp"), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "cannot create a file beside /nonexistent-dir/fp");
	free(keep);
	free(again);
	free(enc);
	ioh_fingerprint_free(fp);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
}

TEST(fp_load_odd_files)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_fingerprint *fp;
	size_t len;
	uint8_t *b = sample_file(ctx, &len);
	char path[64];
	int p[2];

	CHECK_EQ(ioh_fingerprint_load(ctx, "/nonexistent/fp", &fp), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "open /nonexistent/fp");
	CHECK_EQ(ioh_fingerprint_load(ctx, ioh_test_tmp(""), &fp), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "Is a directory");
	CHECK_EQ(ioh_fingerprint_load(ctx, "/dev/null", &fp), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "not a fingerprint file");
	/* An endless stream is read no further than its header. */
	CHECK_EQ(ioh_fingerprint_load(ctx, "/dev/zero", &fp), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "not a fingerprint file (no magic at offset 0)");
	/* A pipe has no size up front: read whole, then checked the same way. */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], b, len), (ssize_t)len);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	CHECK_EQ(ioh_fingerprint_load(ctx, path, &fp), IOH_OK);
	ioh_fingerprint_free(fp);
	close(p[0]);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], b, len - 1), (ssize_t)len - 1);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	CHECK_EQ(ioh_fingerprint_load(ctx, path, &fp), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "truncated");
	close(p[0]);
	/* ... and more than its counts make is trailing data there too. */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], b, len), (ssize_t)len);
	CHECK_EQ(write(p[1], b, 100), 100);
	close(p[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	CHECK_EQ(ioh_fingerprint_load(ctx, path, &fp), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "trailing data");
	close(p[0]);
	free(b);
	ioh_ctx_free(ctx);
}

/* ---- hostile input ---- */

TEST(fp_truncated_at_every_offset)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len);
	char path[4096];
	FILE *f;

	for (size_t cut = 0; cut < len; cut++) {
		const char *m;

		CHECK_EQ(decode_err(ctx, b, cut), IOH_ERR_CORRUPT);
		m = ioh_get_err(ctx);
		if (cut < 8)
			CHECK_CONTAINS(m, "not a fingerprint file (shorter than the 8-byte magic)");
		else
			CHECK_CONTAINS(m, "truncated");
		if (cut >= 8) {
			char at[32];

			snprintf(at, sizeof(at), "offset %zu (", cut);
			CHECK_CONTAINS(m, at);
		}
	}
	/* The field the file ends in is named. */
	decode_err(ctx, b, 35);
	CHECK_CONTAINS(ioh_get_err(ctx), "offset 35 (header field 'page_count')");
	decode_err(ctx, b, 164 + 12 + 5);
	CHECK_CONTAINS(ioh_get_err(ctx), "(device record 1 field 'pages_watched')");
	decode_err(ctx, b, 164 + 36 + 168 * 7 + 100);
	CHECK_CONTAINS(ioh_get_err(ctx), "(page record 7 field 'line_hash')");
	CHECK_CONTAINS(ioh_get_err(ctx), "3 devices, 15 pages");
	decode_err(ctx, b, len - 2);
	CHECK_CONTAINS(ioh_get_err(ctx), "(trailer field 'crc32')");
	/* The same through a file. */
	snprintf(path, sizeof(path), "%s", ioh_test_tmp("cut.bin"));
	f = fopen(path, "wb");
	CHECK(f && fwrite(b, 1, len / 2, f) == len / 2);
	fclose(f);
	CHECK_EQ(ioh_fingerprint_load(ctx, path, (ioh_fingerprint **)&f), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), path);
	CHECK_CONTAINS(ioh_get_err(ctx), "truncated: the file is");
	free(b);
	ioh_ctx_free(ctx);
}

TEST(fp_trailing_data)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len), *big = calloc(1, len + 4096);

	memcpy(big, b, len);
	decode_err(ctx, big, len + 1);
	CHECK_CONTAINS(ioh_get_err(ctx), "1 bytes of trailing data");
	decode_err(ctx, big, len + 4096);
	CHECK_CONTAINS(ioh_get_err(ctx), "4096 bytes of trailing data");
	CHECK_CONTAINS(ioh_get_err(ctx), "(past the end)");
	free(big);
	free(b);
	ioh_ctx_free(ctx);
}

TEST(fp_every_flipped_bit_detected)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len);

	for (size_t off = 0; off < len; off++)
		for (unsigned bit = 0; bit < 8; bit++) {
			const char *m;
			ioh_status st;

			b[off] ^= (uint8_t)(1u << bit);
			st = decode_err(ctx, b, len);
			m = ioh_get_err(ctx);
			if (off < 8) {
				CHECK_CONTAINS(m, "not a fingerprint file");
			} else if (off < 10) {
				/* a version above 1 is a newer writer's; 0 does not exist */
				CHECK_EQ(st, fp_get16(b + 8) > 1 ? IOH_ERR_NOTIMPL : IOH_ERR_CORRUPT);
				CHECK_CONTAINS(m, fp_get16(b + 8) > 1 ? "made by a newer version"
								       : "format version 0");
			} else if (off < 164) {
				CHECK_EQ(st, IOH_ERR_CORRUPT);
				CHECK_CONTAINS(m, "the header is damaged");
			} else {
				CHECK_EQ(st, IOH_ERR_CORRUPT);
				CHECK_CONTAINS(m, "the file is damaged");
			}
			b[off] ^= (uint8_t)(1u << bit);
		}
	free(b);
	ioh_ctx_free(ctx);
}

TEST(fp_random_garbage_and_old_layout)
{
	ioh_ctx *ctx = ioh_ctx_new();
	static const char old[] = "iommu-handover fingerprint 1\npages 1 devices 1 skipped 0 "
				  "unreadable 0\ndev 0000:00:02.0 1\ndata\n";
	uint8_t junk[4096];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (uint8_t)(x >> 16);
	}
	decode_err(ctx, junk, sizeof(junk));
	CHECK_CONTAINS(ioh_get_err(ctx), "not a fingerprint file (no magic at offset 0)");
	decode_err(ctx, (const uint8_t *)old, sizeof(old) - 1);
	CHECK_CONTAINS(ioh_get_err(ctx), "old unversioned layout");
	/* The right magic in front of junk: the header checksum says so. */
	memcpy(junk, FP_MAGIC "\x01\x00", 10);
	decode_err(ctx, junk, sizeof(junk));
	CHECK_CONTAINS(ioh_get_err(ctx), "offset 160 (header field 'header_crc32')");
	ioh_ctx_free(ctx);
}

TEST(fp_newer_version)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len);

	/* Whatever a later format puts after its version, this reader stops there. */
	fp_put16(b + 8, 2);
	memset(b + 10, 0xa5, len - 10);
	CHECK_EQ(decode_err(ctx, b, len), IOH_ERR_NOTIMPL);
	CHECK_CONTAINS(ioh_get_err(ctx), "made by a newer version of iommu-handover (format 2; "
					 "this version reads format 1)");
	CHECK_EQ(decode_err(ctx, b, 10), IOH_ERR_NOTIMPL);
	free(b);
	ioh_ctx_free(ctx);
}

struct forgery {
	size_t off;
	unsigned width;
	uint64_t value;
	ioh_status st;
	const char *msg;
};

/* Each field set to a value format 1 cannot hold, with both checksums made right. */
TEST(fp_forged_fields)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len), *f = malloc(len);
	const size_t D = 164, P = 164 + 36;
	const struct forgery cases[] = {
		{ 10, 2, 200, IOH_ERR_CORRUPT, "offset 10 (header field 'header_size'): 200" },
		{ 12, 4, 1, IOH_ERR_CORRUPT, "'flags'): must be 0" },
		{ 68, 4, 1, IOH_ERR_CORRUPT, "'reserved'): must be 0" },
		{ 16, 4, 8192, IOH_ERR_CORRUPT, "'page_size'): 8192" },
		{ 20, 4, 128, IOH_ERR_CORRUPT, "'line_size'): 128" },
		{ 24, 4, 2, IOH_ERR_CORRUPT, "unknown hash algorithm 2" },
		{ 28, 4, 0xffffffff, IOH_ERR_CORRUPT, "4294967295 devices, over the limit of 4096" },
		{ 28, 4, 4096, IOH_ERR_CORRUPT, "truncated" },
		{ 32, 8, UINT64_MAX, IOH_ERR_CORRUPT, "over the page cap" },
		{ 32, 8, IOH_FP_DEFAULT_MAX_PAGES, IOH_ERR_CORRUPT, "truncated: the file is" },
		{ 40, 8, 0, IOH_ERR_CORRUPT, "page cap 0 is not between" },
		{ 40, 8, 1ULL << 40, IOH_ERR_CORRUPT, "page cap 1099511627776" },
		{ 40, 8, 14, IOH_ERR_CORRUPT, "15 pages, over the page cap of 14" },
		{ 64, 4, 3, IOH_ERR_CORRUPT, "unknown identity kind 3" },
		{ 72, 8, 1000, IOH_ERR_CORRUPT, "'dump_page_size'): 1000" },
		{ 96 + 2, 1, 0x07, IOH_ERR_CORRUPT, "offset 98 (header field 'osrelease'): unprintable" },
		{ 96 + 40, 1, 'x', IOH_ERR_CORRUPT, "non-zero padding" },
		{ D + 4, 8, 16, IOH_ERR_CORRUPT, "device record 0 field 'pages_watched'): 16 pages" },
		{ D + 4, 8, 4, IOH_ERR_CORRUPT, "4 pages watched, but 5 page records" },
		{ P, 1, 0x10, IOH_ERR_CORRUPT, "page record 0 field 'phys'): page 0x1200010 is not" },
		{ P + 24, 4, 3, IOH_ERR_CORRUPT, "'device'): device 3, but the file lists 3" },
		{ P + 28, 4, 0, IOH_ERR_CORRUPT, "'device2'): second device 0 (first 0" },
		{ P + 28, 4, 7, IOH_ERR_CORRUPT, "second device 7" },
		{ P + 168, 8, 0x1200000, IOH_ERR_CORRUPT, "page 0x1200000 recorded twice (first in "
							   "page record 0)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(f, b, len);
		forge(f, len, cases[i].off, cases[i].width, cases[i].value);
		CHECK_EQ(decode_err(ctx, f, len), cases[i].st);
		CHECK_MSG(strstr(ioh_get_err(ctx), cases[i].msg), "case %zu: '%s' lacks '%s'", i,
			  ioh_get_err(ctx), cases[i].msg);
	}
	/* The untouched file, re-checksummed, still decodes: the forger is honest. */
	memcpy(f, b, len);
	forge(f, len, 0, 0, 0);
	{
		ioh_fingerprint *fp;

		CHECK_EQ(ioh_fingerprint_decode(ctx, f, len, "t", &fp), IOH_OK);
		ioh_fingerprint_free(fp);
	}
	free(f);
	free(b);
	ioh_ctx_free(ctx);
}

/* Huge counts with a file to match them are refused before anything is allocated. */
TEST(fp_huge_counts_bounded)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len;
	uint8_t *b = sample_file(ctx, &len);
	ioh_fingerprint *fp;

	/* The largest page count a file may claim, in a header-only file. */
	fp_put64(b + 40, IOH_FP_MAX_PAGES);
	fp_put64(b + 32, IOH_FP_MAX_PAGES);
	fp_put32(b + 160, (uint32_t)crc32(0, b, 160));
	CHECK_EQ(ioh_fingerprint_decode(ctx, b, 164, "t", &fp), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "the file is 164 bytes, its header's counts (3 devices, "
					 "1048576 pages) make 176160972");
	CHECK(fp == NULL);
	free(b);
	ioh_ctx_free(ctx);
}
