/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root-table discovery over arbitrary pages: the prefilter sees pages
 * tiled from the fuzz bytes at fuzz-chosen addresses (aligned or not), the
 * confirmation reads memory that points everywhere (fuzz-mem.h). The
 * candidates that come out are bounded, each is a page that was fed, and
 * the single-page check agrees with itself.
 */
#include <ioh/discover.h>

#include "fuzz-mem.h"

#define MAX_FED 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct fz_mem mem;
	uint8_t hdr = fz_u8(&f);
	unsigned npages = 1 + hdr % MAX_FED;
	uint64_t fed[MAX_FED];
	struct ioh_discover_cfg cfg = {0};
	static uint8_t page[4096];
	ioh_discover *d;
	ioh_ctx *ctx;

	cfg.haw = fz_u8(&f) % 70;
	for (unsigned i = 0; i < npages; i++) {
		/* mostly page-aligned; bit 0 of the first address byte keeps it raw */
		uint64_t a = fz_u32(&f);

		fed[i] = a & 1 ? a : a << 12;
	}
	if (!fz_mem_init(&mem, &f))
		return 0;
	cfg.read = fz_mem_read;
	cfg.read_priv = &mem;
	if (hdr & 0x80) {
		cfg.is_ram = fz_mem_is_ram;
		cfg.ram_priv = &mem;
	}
	ctx = ioh_ctx_new();
	d = ioh_discover_new(&cfg);
	if (!ctx || !d)
		abort();
	for (unsigned i = 0; i < npages; i++) {
		if (fz_mem_read(&mem, fed[i], page, sizeof(page)))
			continue;
		ioh_discover_feed(d, fed[i], page);
	}
	(void)ioh_discover_finish(ctx, d);

	unsigned n = ioh_discover_count(d);
	uint64_t pages, pre, dropped;

	ioh_discover_stats(d, &pages, &pre, &dropped);
	FZ_ASSERT(n <= IOH_DISCOVER_MAX_CANDIDATES && n <= pre && pre <= pages &&
			  pages <= npages,
		  "counts out of order: %u found, %llu prefiltered, %llu pages of %u", n,
		  (unsigned long long)pre, (unsigned long long)pages, npages);
	for (unsigned i = 0; i < n; i++) {
		const struct ioh_root_candidate *c = ioh_discover_get(d, i);
		bool was_fed = false;

		for (unsigned k = 0; k < npages; k++)
			was_fed |= fed[k] == c->addr;
		FZ_ASSERT(was_fed, "candidate 0x%llx was never fed", (unsigned long long)c->addr);
		FZ_ASSERT(c->addr % 4096 == 0, "unaligned candidate");
		FZ_ASSERT(c->mode == IOH_VTD_LEGACY || c->mode == IOH_VTD_SCALABLE, "mode %d",
			  c->mode);
		FZ_ASSERT(c->buses >= 1 && c->buses <= 256, "%u buses", c->buses);
		FZ_ASSERT(memchr(c->evidence, 0, sizeof(c->evidence)), "evidence not terminated");
		if (i)
			FZ_ASSERT(ioh_discover_get(d, i - 1)->score >= c->score, "not sorted best first");

		struct ioh_root_candidate again;
		bool ok = ioh_discover_check(ctx, &cfg, c->addr, c->mode, &again);
		FZ_ASSERT(ok && again.score == c->score,
			  "candidate 0x%llx does not check again the same (%d, score %d vs %d)",
			  (unsigned long long)c->addr, ok, again.score, c->score);
	}
	struct ioh_root_candidate one;
	(void)ioh_discover_check(ctx, &cfg, fed[0], (enum ioh_vtd_mode)(hdr >> 6 & 1), &one);
	ioh_discover_free(d);
	ioh_ctx_free(ctx);
	return 0;
}
