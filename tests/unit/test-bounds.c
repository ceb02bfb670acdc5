/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory bounds under hostile input, measured with a counting allocator,
 * and allocation failure injected at every allocation of a parse.
 *
 * In the plain build this file replaces malloc/calloc/realloc/free with
 * thin wrappers over glibc's own (__libc_malloc, ...), which count the
 * bytes live and the peak while a test has counting on, and can fail the
 * Nth allocation. Every unit test runs in its own forked process, so the
 * counters belong to one test. Under ASan the allocator is ASan's: the
 * workloads still run (ASan then checks them for errors and leaks), but
 * the byte bounds and the injected failures are checked only in the plain
 * build. The bounds are stated in docs/fuzzing.md.
 */
#include <malloc.h>

#include <ioh/discover.h>
#include <ioh/evidence.h>
#include <ioh/memimg.h>
#include <ioh/report.h>
#include <ioh/scan.h>
#include <ioh/source.h>
#include <ioh/walk.h>

#include "harness.h"
#include "test-source.h"

#if defined(__SANITIZE_ADDRESS__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
#endif
#if !COUNTING
#include <sanitizer/lsan_interface.h>
#endif

#define MiB (1024.0 * 1024.0)

static struct {
	bool on;
	long long live, peak;
	long long fail_at; /* fail the allocation with this number (1-based), 0 never */
	long long count;
	long long failed;
} heap;

#if COUNTING
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static void account(long long delta)
{
	long long now = __atomic_add_fetch(&heap.live, delta, __ATOMIC_RELAXED);
	long long peak = __atomic_load_n(&heap.peak, __ATOMIC_RELAXED);

	while (now > peak &&
	       !__atomic_compare_exchange_n(&heap.peak, &peak, now, true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

static bool inject(void)
{
	if (!heap.on)
		return false;
	long long k = __atomic_add_fetch(&heap.count, 1, __ATOMIC_RELAXED);
	if (heap.fail_at && k == heap.fail_at) {
		heap.failed++;
		return true;
	}
	return false;
}

__attribute__((visibility("default"))) void *malloc(size_t n)
{
	void *p;

	if (inject())
		return NULL;
	p = __libc_malloc(n);
	if (p && heap.on)
		account((long long)malloc_usable_size(p));
	return p;
}

__attribute__((visibility("default"))) void *calloc(size_t n, size_t m)
{
	void *p;

	if (inject())
		return NULL;
	p = __libc_calloc(n, m);
	if (p && heap.on)
		account((long long)malloc_usable_size(p));
	return p;
}

__attribute__((visibility("default"))) void *realloc(void *old, size_t n)
{
	long long was = old ? (long long)malloc_usable_size(old) : 0;
	void *p;

	if (n && inject())
		return NULL;
	p = __libc_realloc(old, n);
	if (heap.on && (p || !n))
		account((p ? (long long)malloc_usable_size(p) : 0) - was);
	return p;
}

__attribute__((visibility("default"))) void free(void *p)
{
	if (p && heap.on)
		account(-(long long)malloc_usable_size(p));
	__libc_free(p);
}
#endif

static void count_start(void)
{
	memset(&heap, 0, sizeof(heap));
	heap.on = true;
}

/* Stops counting; returns the peak in bytes above the start. */
static long long count_stop(void)
{
	heap.on = false;
	return heap.peak;
}

static void check_peak(const char *what, long long peak, double bound_mib)
{
	printf("  %s: peak heap %.2f MiB (bound %.0f MiB)%s\n", what, peak / MiB, bound_mib,
	       COUNTING ? "" : " [not measured under ASan]");
	if (COUNTING)
		CHECK_MSG(peak <= bound_mib * MiB, "%s: peak heap %.1f MiB over the %.0f MiB bound",
			  what, peak / MiB, bound_mib);
}

/* ---- the walker over tables that point everywhere ---- */

struct walk_state {
	ioh_ctx *ctx;
	const struct ioh_walk_config *cfg;
	ioh_rangeset *writable;
	unsigned devices, mapped;
};

static int bounds_device(void *data, const struct ioh_walk_device *d)
{
	struct walk_state *s = data;
	struct ioh_pg_summary sum = {0};
	struct ioh_walk_config pc = *s->cfg;

	s->devices++;
	pc.max_reads = 4096;
	(void)ioh_walk_mappings(s->ctx, &pc, d, NULL, NULL, s->writable, &sum);
	s->mapped += sum.pages != 0;
	return 0;
}

/* Every root entry names the same context table, every context entry is present, every
 * page-table entry points back at its own table. */
static ioh_memimg *everywhere_legacy(void)
{
	ioh_memimg *m = ioh_memimg_new();

	CHECK(m);
	for (unsigned i = 0; i < 256; i++) {
		CHECK(!ioh_memimg_write_u64(m, 0x1000 + 16 * i, 0x2001));
		CHECK(!ioh_memimg_write_u64(m, 0x1000 + 16 * i + 8, 0));
		CHECK(!ioh_memimg_write_u64(m, 0x2000 + 16 * i, 0x3001));   /* SLPTPTR 0x3000 */
		CHECK(!ioh_memimg_write_u64(m, 0x2000 + 16 * i + 8, 0x102)); /* AW 2, DID 1 */
	}
	for (unsigned i = 0; i < 512; i++)
		CHECK(!ioh_memimg_write_u64(m, 0x3000 + 8 * i, 0x3003));
	return m;
}

TEST_TIMEOUT(bounds_walk_tables_point_everywhere, 120)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = everywhere_legacy();
	struct ioh_walk_config cfg = {.rtaddr = 0x1000, .mode = IOH_VTD_LEGACY, .haw = 39,
				      .read = ioh_memimg_read, .read_data = m};
	struct walk_state s = {ctx, &cfg, NULL, 0, 0};
	struct ioh_walk_ops ops = {NULL, bounds_device};
	struct ioh_walk_stats st;
	ioh_status rc;

	s.writable = ioh_rangeset_new(65536);
	CHECK(s.writable);
	count_start();
	rc = ioh_walk(ctx, &cfg, &ops, &s, &st);
	long long peak = count_stop();

	CHECK_EQ(rc, IOH_OK);
	CHECK_EQ(s.devices, 65536); /* every bus, every devfn, through one shared table */
	check_peak("walk: 65536 devices, looping page tables", peak, 8);
	ioh_rangeset_free(s.writable);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(bounds_walk_scalable_largest_directories, 120)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = {.rtaddr = 0x10000, .mode = IOH_VTD_SCALABLE, .haw = 39,
				      .read = ioh_memimg_read, .read_data = m,
				      .max_reads = 20000};
	struct walk_state s = {ctx, &cfg, NULL, 0, 0};
	struct ioh_walk_ops ops = {NULL, bounds_device};
	ioh_status rc;

	/* root: both halves of every bus -> context table 0x11000 */
	for (unsigned i = 0; i < 256; i++) {
		CHECK(!ioh_memimg_write_u64(m, 0x10000 + 16 * i, 0x11001));
		CHECK(!ioh_memimg_write_u64(m, 0x10000 + 16 * i + 8, 0x11001));
	}
	/* 128 scalable context entries: P, PDTS 7 (16384-entry directory at 0x40000) */
	for (unsigned i = 0; i < 128; i++)
		CHECK(!ioh_memimg_write_u64(m, 0x11000 + 32 * i, 0x40000 | 7 << 9 | 1));
	/* the 128 KiB directory: every entry present -> PASID table 0x20000 */
	for (unsigned i = 0; i < 16384; i++)
		CHECK(!ioh_memimg_write_u64(m, 0x40000 + 8 * i, 0x20001));
	/* PASID table: 64 entries, P, PGTT second-level (2), AW 1, SLPTPTR 0x3000 */
	for (unsigned i = 0; i < 64; i++)
		CHECK(!ioh_memimg_write_u64(m, 0x20000 + 64 * i, 0x3000 | 2 << 6 | 1 << 2 | 1));
	for (unsigned i = 0; i < 512; i++)
		CHECK(!ioh_memimg_write_u64(m, 0x3000 + 8 * i, 0x3003));
	s.writable = ioh_rangeset_new(65536);
	count_start();
	rc = ioh_walk(ctx, &cfg, &ops, &s, NULL);
	long long peak = count_stop();

	/* the read budget ends it, with what was found delivered */
	CHECK(rc == IOH_OK || rc == IOH_ERR_LIMIT);
	CHECK(s.devices > 0);
	check_peak("walk: scalable, 16384-entry directories everywhere", peak, 8);
	ioh_rangeset_free(s.writable);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* ---- the memory image's page bound ---- */

TEST(bounds_memimg_huge_repeat)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	/* 2^24 words = 128 MiB claimed in 20 bytes */
	static const char text[] = "@0\n0x1*16777216\n";
	ioh_status rc;

	ioh_memimg_set_max_pages(m, 256);
	count_start();
	rc = ioh_memimg_parse(m, ctx, "huge.txt", text, sizeof(text) - 1);
	long long peak = count_stop();

	CHECK_EQ(rc, IOH_ERR_NOMEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "huge.txt:2");
	CHECK(ioh_memimg_pages(m) <= 256);
	check_peak("memimg: 128 MiB claimed, 256-page bound", peak, 2);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* ---- discovery: memory does not grow with the pages offered ---- */

TEST_TIMEOUT(bounds_discover_many_candidates, 120)
{
	static uint64_t page[512];
	ioh_memimg *m = everywhere_legacy();
	struct ioh_discover_cfg cfg = {.read = ioh_memimg_read, .read_priv = m, .haw = 39};
	ioh_discover *d = ioh_discover_new(&cfg);
	ioh_ctx *ctx = ioh_ctx_new();
	uint64_t pages, pre, dropped;

	/* 20000 pages that all pass the prefilter: a root table everywhere */
	for (unsigned i = 0; i < 256; i++)
		page[2 * i] = 0x2001;
	count_start();
	for (uint64_t i = 0; i < 20000; i++)
		ioh_discover_feed(d, 0x100000 + i * 4096, page);
	CHECK_EQ(ioh_discover_finish(ctx, d), IOH_OK);
	long long peak = count_stop();

	ioh_discover_stats(d, &pages, &pre, &dropped);
	CHECK_EQ(pages, 20000);
	CHECK(ioh_discover_count(d) <= IOH_DISCOVER_MAX_CANDIDATES);
	CHECK(dropped >= 20000 - IOH_DISCOVER_MAX_CANDIDATES);
	check_peak("discover: 20000 candidate pages", peak, 1);
	ioh_discover_free(d);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* ---- kdump-compressed dumps of big machines ---- */

/*
 * A dump declaring 256 GiB of RAM with 1 M pages dumped (VT-d tables of the
 * handover fixture below): opening it, a discovery scan and the table walks
 * stay within a fixed heap, as they would for any size (libkdumpfile needs
 * about 40 MiB for the same file; see bench-scan).
 */
TEST_TIMEOUT(bounds_kdump_big_machine_scan, 300)
{
	char *elf = st_fixture("handover-a"), kd[4096], cmd[10000];
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scan_config cfg = { 0 };
	ioh_source *src = NULL;
	ioh_scan *scan = NULL;

	snprintf(kd, sizeof(kd), "%s", ioh_test_tmp("big.kdump"));
	snprintf(cmd, sizeof(cmd),
		 "'%s/tests/tools/mkdiskdump' -c zstd --exclude-zero --pad-gib 256 --pad-every 64 "
		 "'%s' '%s'",
		 st_builddir(), elf, kd);
	st_sh(cmd);
	count_start();
	CHECK_EQ(ioh_source_open(ctx, kd, &src), IOH_OK);
	CHECK_EQ(ioh_scan_run(ctx, src, &cfg, &scan), IOH_OK);
	long long peak = count_stop();

	CHECK(scan && ioh_scan_nunits(scan) >= 1);
	check_peak("kdump: 256 GiB of RAM declared, 1 M pages dumped, full scan", peak, 3);
	ioh_scan_free(scan);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	free(elf);
}

/* ---- the kernel-log reader: floods of devices, events and endless lines ---- */

TEST_TIMEOUT(bounds_klog_flood, 180)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_klog *k = ioh_klog_new(ctx);
	char line[256];
	static char longline[1 << 20];
	const struct ioh_klog_summary *s;

	count_start();
	CHECK_EQ(ioh_klog_begin(k, "flood.log"), IOH_OK);
	/* 250000 faults from 65536 distinct devices, then a 1 MiB line without newline */
	for (unsigned i = 0; i < 250000; i++) {
		int n = snprintf(line, sizeof(line),
				 "[%5u.%06u] DMAR: [DMA Write NO_PASID] Request device [%02x:%02x.%u] "
				 "fault addr 0x%x000 [fault reason 0x05] PTE Write access is not set\n",
				 i / 1000, i % 1000, (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7, i);
		CHECK_EQ(ioh_klog_feed(k, line, (size_t)n), IOH_OK);
	}
	/* a DMAR line, so the prefilter keeps it and the cut is counted */
	memset(longline, 'A', sizeof(longline));
	memcpy(longline, "[ 9.000000] DMAR: ", 18);
	CHECK_EQ(ioh_klog_feed(k, longline, sizeof(longline)), IOH_OK);
	CHECK_EQ(ioh_klog_end(k), IOH_OK);
	long long peak = count_stop();

	s = ioh_klog_summary(k);
	CHECK_EQ(s->dma_faults, 250000);
	CHECK(ioh_klog_device_count(k) <= IOH_KLOG_DEVICES_MAX);
	CHECK(s->devices_dropped > 0);
	CHECK(ioh_klog_event_count(k) <= IOH_KLOG_EVENTS_MAX);
	CHECK_EQ(s->long_lines, 1);
	/* stated bound: the kept events and devices, twice over for array growth, + 16 MiB */
	double bound = (2.0 * IOH_KLOG_EVENTS_MAX * sizeof(struct ioh_klog_event) +
			2.0 * IOH_KLOG_DEVICES_MAX * sizeof(struct ioh_klog_device)) / MiB + 16;
	check_peak("klog: 250000 faults, 65536 devices, 1 MiB line", peak, bound);
	ioh_klog_free(k);
	ioh_ctx_free(ctx);
}

/* ---- the DMAR parser on the largest table it accepts ---- */

TEST(bounds_dmar_largest_table)
{
	static uint8_t t[IOH_DMAR_MAX_BYTES];
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_dmar_table *out = NULL;
	size_t off = 48;
	ioh_status rc;

	memcpy(t, "DMAR", 4);
	t[8] = 1;
	t[36] = 38; /* HAW 39 */
	/* DRHDs of 64 KiB each, full of 6-byte endpoint scopes with no path */
	while (off + 0xfff0 <= sizeof(t)) {
		size_t len = 0xfff0 - (0xfff0 - 16) % 6;

		t[off] = 0, t[off + 2] = (uint8_t)len, t[off + 3] = (uint8_t)(len >> 8);
		t[off + 8] = 0x00, t[off + 9] = 0x90, t[off + 10] = 0xd9, t[off + 11] = 0xfe;
		for (size_t s = off + 16; s + 6 <= off + len; s += 6)
			t[s] = 1, t[s + 1] = 6;
		off += len;
	}
	t[4] = (uint8_t)off, t[5] = (uint8_t)(off >> 8), t[6] = (uint8_t)(off >> 16);
	count_start();
	rc = ioh_dmar_parse(ctx, t, off, false, &out);
	long long peak = count_stop();

	CHECK_MSG(rc == IOH_OK, "refused: %s", ioh_get_err(ctx));
	CHECK_MSG(out->nstructs >= 15 && out->structs[0].nscopes > 10000, "%u structures, %u scopes",
		  out->nstructs, out->nstructs ? out->structs[0].nscopes : 0);
	check_peak("dmar: 1 MiB table of scopes", peak, 16);
	ioh_dmar_free(out);
	ioh_ctx_free(ctx);
}

/* ---- allocation failure at every allocation: clean error, nothing leaked ---- */

/* Runs fn with the Nth allocation failing, for N = 1.. until a run needs no more. */
static void fail_each(const char *what, ioh_status (*fn)(ioh_ctx *ctx))
{
	if (!COUNTING) {
		printf("  %s: allocation failure injection needs the plain build\n", what);
		return;
	}
	for (long long n = 1; n < 100000; n++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_status rc;

		CHECK(ctx);
		count_start();
		heap.fail_at = n;
		rc = fn(ctx);
		heap.on = false;
		if (!heap.failed) {
			CHECK_MSG(rc == IOH_OK, "%s: fails (%d) with every allocation granted", what,
				  rc);
			printf("  %s: failed each of %lld allocations in turn\n", what, n - 1);
			ioh_ctx_free(ctx);
			return;
		}
		CHECK_MSG(heap.live == 0, "%s: %lld bytes leaked when allocation %lld failed", what,
			  heap.live, n);
		if (rc != IOH_OK)
			CHECK_MSG(ioh_get_err(ctx)[0] || rc == IOH_ERR_NOMEM,
				  "%s: allocation %lld failed: status %d without a message", what, n,
				  rc);
		ioh_ctx_free(ctx);
	}
	CHECK_MSG(0, "%s: more than 100000 allocations", what);
}

static ioh_status memimg_parse_fixture(ioh_ctx *ctx)
{
	static char *text;
	static size_t len;
	ioh_status rc;

	if (!text) {
		heap.on = false;
		text = ioh_test_slurp(ioh_test_src("tests/fixtures/mem/sm-basic.txt"), &len);
		heap.on = true;
	}
	ioh_memimg *m = ioh_memimg_new();
	if (!m)
		return IOH_ERR_NOMEM;
	rc = ioh_memimg_parse(m, ctx, "sm-basic.txt", text, len);
	ioh_memimg_free(m);
	return rc;
}

TEST(bounds_nomem_memimg)
{
	fail_each("memimg parse", memimg_parse_fixture);
}

static ioh_status klog_fixture(ioh_ctx *ctx)
{
	static char *text;
	static size_t len;
	ioh_status rc;

	if (!text) {
		heap.on = false;
		text = ioh_test_slurp(ioh_test_src("tests/fixtures/logs/kdump-inflight.log"), &len);
		heap.on = true;
	}
	ioh_klog *k = ioh_klog_new(ctx);
	if (!k)
		return IOH_ERR_NOMEM;
	rc = ioh_klog_begin(k, "kdump-inflight.log");
	if (!rc)
		rc = ioh_klog_feed(k, text, len);
	if (!rc)
		rc = ioh_klog_end(k);
	if (!rc) {
		ioh_report *r = ioh_report_new();
		if (!r) {
			rc = IOH_ERR_NOMEM;
		} else {
			ioh_report_add_klog(r, k);
			ioh_report_finish(r);
			FILE *f = fopen("/dev/null", "w");
			if (f) {
				ioh_report_write_json(r, f);
				fclose(f);
			}
			ioh_report_free(r);
		}
	}
	ioh_klog_free(k);
	return rc;
}

TEST(bounds_nomem_klog_report)
{
	fail_each("klog + report", klog_fixture);
}

static ioh_status walk_fixture(ioh_ctx *ctx)
{
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = {.rtaddr = 0x10000, .mode = IOH_VTD_SCALABLE, .haw = 39,
				      .read = ioh_memimg_read, .read_data = m};
	struct walk_state s = {ctx, &cfg, NULL, 0, 0};
	struct ioh_walk_ops ops = {NULL, bounds_device};
	ioh_status rc;

	if (!m)
		return IOH_ERR_NOMEM;
	rc = ioh_memimg_load(m, ctx, ioh_test_src("tests/fixtures/mem/sm-basic.txt"));
	if (!rc) {
		s.writable = ioh_rangeset_new(1024);
		rc = s.writable ? ioh_walk(ctx, &cfg, &ops, &s, NULL) : IOH_ERR_NOMEM;
		ioh_rangeset_free(s.writable);
	}
	ioh_memimg_free(m);
	return rc;
}

TEST(bounds_nomem_walk)
{
	fail_each("memimg load + walk + page walks", walk_fixture);
}

static ioh_status dmar_fixture(ioh_ctx *ctx)
{
	struct ioh_dmar_table *t = NULL;
	ioh_status rc;
	static char bin[512];

	if (!bin[0]) {
		char cmd[2048], sh[512];

		heap.on = false;
		snprintf(bin, sizeof(bin), "%s", ioh_test_tmp("bounds-dmar.bin"));
		snprintf(sh, sizeof(sh), "%s", ioh_test_src("tests/fixtures/dmar/hex2bin.sh"));
		snprintf(cmd, sizeof(cmd), "sh %s %s %s", sh,
			 ioh_test_src("tests/fixtures/dmar/full.hex"), bin);
		CHECK(system(cmd) == 0);
		heap.on = true;
	}
	rc = ioh_dmar_read_path(ctx, bin, false, &t);
	ioh_dmar_free(t);
	return rc;
}

TEST(bounds_nomem_dmar)
{
	fail_each("dmar read", dmar_fixture);
}

/* ---- leaks on error paths found by fuzzing (docs/fuzzing.md) ---- */

/* True when nothing allocated since count_start() is still held (LSan's check under ASan). */
static bool nothing_leaked(void)
{
#if COUNTING
	return heap.live == 0;
#else
	return __lsan_do_recoverable_leak_check() == 0;
#endif
}

/*
 * fuzz-source: two PT_LOADs that partly overlap are refused, and the segment
 * table built so far was leaked.
 */
TEST(fuzzreg_elf_partial_overlap_no_leak)
{
	static const char desc[] = "cpus = 1\n"
				   "@phdr type=LOAD paddr=0x100000 memsz=0x2000\n"
				   "@phdr type=LOAD paddr=0x101000 memsz=0x2000\n";
	char *path = st_mkcore("fuzzreg-overlap", desc);
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = NULL;
	ioh_status st;

	count_start();
	st = ioh_source_open(ctx, path, &src);
	heap.on = false;
	CHECK_EQ(st, IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "partly overlaps");
	CHECK(src == NULL);
	CHECK_MSG(nothing_leaked(), "%lld bytes left allocated by a refused open", heap.live);
	ioh_ctx_free(ctx);
	free(path);
}
