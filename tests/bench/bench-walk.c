/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Walker figures: a fully populated root table (256 buses x 256 devfns,
 * legacy and scalable), and a page walk over 1 GiB mapped in 4 KiB pages.
 * Memory is an in-memory image (memimg), so this measures the walk itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioh/memimg.h>
#include <ioh/walk.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, ioh_ctx *ctx)
{
	fprintf(stderr, "bench-walk: %s: %s\n", what, ctx ? ioh_get_err(ctx) : "failed");
	exit(1);
}

static void w64(ioh_memimg *m, uint64_t a, uint64_t v)
{
	if (ioh_memimg_write_u64(m, a, v))
		die("building the image", NULL);
}

/* Root 0x1000; bus b's context table(s) at 0x100000 + b * 0x2000 (+0x1000 for UCTP). */
static void build_legacy(ioh_memimg *m)
{
	for (uint64_t b = 0; b < 256; b++) {
		uint64_t ct = 0x100000 + b * 0x2000;

		w64(m, 0x1000 + 16 * b, ct | 1);
		for (uint64_t df = 0; df < 256; df++) {
			w64(m, ct + 16 * df, 0x5000 | 1);      /* SLPTPTR 0x5000, P */
			w64(m, ct + 16 * df + 8, (b + 1) << 8 | 2); /* DID, AW 2 */
		}
	}
	w64(m, 0x5ff8, 0); /* an empty second-level table */
}

/* Every SM context entry shares one PASID directory (PDTS 0) and PASID table. */
static void build_sm(ioh_memimg *m)
{
	for (uint64_t b = 0; b < 256; b++) {
		uint64_t lo = 0x100000 + b * 0x2000, hi = lo + 0x1000;

		w64(m, 0x1000 + 16 * b, lo | 1);
		w64(m, 0x1000 + 16 * b + 8, hi | 1);
		for (uint64_t i = 0; i < 128; i++) {
			w64(m, lo + 32 * i, 0x6000 | 1);
			w64(m, hi + 32 * i, 0x6000 | 1);
			w64(m, lo + 32 * i + 24, 0);
			w64(m, hi + 32 * i + 24, 0);
		}
	}
	w64(m, 0x6000, 0x7000 | 1);				/* dir[0] -> PASID table 0x7000 */
	w64(m, 0x63f8, 0);
	w64(m, 0x7000, 0x5000 | 2 << 6 | 2 << 2 | 1); /* PASID 0: SL only, AW 2 */
	w64(m, 0x7008, 1);				/* DID 1 */
	w64(m, 0x7ff8, 0);
	w64(m, 0x5ff8, 0);
}

static int count_dev(void *data, const struct ioh_walk_device *d)
{
	(*(unsigned long *)data)++;
	(void)d;
	return 0;
}

static void bench_table(const char *name, enum ioh_vtd_mode mode, void (*build)(ioh_memimg *))
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = { .rtaddr = 0x1000, .mode = mode, .haw = 39,
				       .read = ioh_memimg_read, .read_data = m,
				       .max_reads = 1u << 20 };
	struct ioh_walk_ops ops = { NULL, count_dev };
	struct ioh_walk_stats st;
	unsigned long n = 0;
	int iters = 20;
	double t0, dt;

	ioh_memimg_set_max_pages(m, 1u << 20);
	build(m);
	t0 = now();
	for (int i = 0; i < iters; i++)
		if (ioh_walk(ctx, &cfg, &ops, &n, &st))
			die(name, ctx);
	dt = (now() - t0) / iters;
	printf("walk %-8s 256 buses x 256 devfn: %u devices, %llu reads, %.2f ms per walk, "
	       "%.1f M devices/s\n",
	       name, st.devices, (unsigned long long)st.reads, dt * 1e3, st.devices / dt / 1e6);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* 1 GiB of IOVA in 4 KiB pages: L4 -> L3 -> L2 (512 entries) -> 512 L1 tables. */
static void bench_pgwalk(void)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = { .haw = 39, .read = ioh_memimg_read, .read_data = m,
				       .max_reads = 1u << 20 };
	struct ioh_pg_summary s = { 0 };
	int iters = 10;
	double t0, dt;

	ioh_memimg_set_max_pages(m, 1u << 20);
	w64(m, 0x1000, 0x2003);
	w64(m, 0x2000, 0x3003);
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t l1 = 0x10000 + i * 0x1000;

		w64(m, 0x3000 + 8 * i, l1 | 3);
		/* alternate permissions every 64 pages so the ranges do not all coalesce */
		for (uint64_t j = 0; j < 512; j++)
			w64(m, l1 + 8 * j, (0x40000000 + (i * 512 + j) * 0x1000) | ((j / 64) % 2 ? 1 : 3));
	}
	t0 = now();
	for (int i = 0; i < iters; i++) {
		memset(&s, 0, sizeof(s));
		if (ioh_pgwalk(ctx, &cfg, IOH_PG_SECOND_LEVEL, 0x1000, 4, 0, NULL, NULL, &s))
			die("pgwalk", ctx);
	}
	dt = (now() - t0) / iters;
	printf("pgwalk 1 GiB in 4 KiB pages: %llu tables, %llu ranges, %.2f ms per walk, "
	       "%.1f M PTEs/s\n",
	       (unsigned long long)s.tables, (unsigned long long)s.ranges, dt * 1e3,
	       (double)s.pages / dt / 1e6);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

int main(void)
{
	bench_table("legacy", IOH_VTD_LEGACY, build_legacy);
	bench_table("scalable", IOH_VTD_SCALABLE, build_sm);
	bench_pgwalk();
	return 0;
}
