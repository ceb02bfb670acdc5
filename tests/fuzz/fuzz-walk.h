/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The walk and its invariants, shared by fuzz-walk (text image) and fuzz-walk-raw. */
#ifndef IOH_FUZZ_WALK_H
#define IOH_FUZZ_WALK_H

#include <inttypes.h>

#include <ioh/walk.h>

#include "fuzz-util.h"

struct fz_walk_seen {
	uint8_t devfn_seen[256][256 / 8]; /* [bus][devfn bit] */
	unsigned devices, buses;
	uint64_t max_reads;
	const struct ioh_walk_config *cfg;
	ioh_ctx *ctx;
	/* the page walk of the current device */
	uint64_t ranges, pages;
	bool have_last;
	enum ioh_pg_stage last_stage;
	uint32_t last_pasid;
	uint64_t last_end;
};

/* Ranges come coalesced, in IOVA order within one tree, 4 KiB multiples, never wrapping. */
static inline int fz_walk_range(void *data, const struct ioh_pg_range *r)
{
	struct fz_walk_seen *s = data;

	FZ_ASSERT(r->size && r->size % 4096 == 0 && r->iova % 4096 == 0 && r->phys % 4096 == 0,
		  "range iova 0x%" PRIx64 " size 0x%" PRIx64 " not in 4 KiB units", r->iova,
		  r->size);
	FZ_ASSERT(r->iova + r->size - 1 >= r->iova, "range wraps: iova 0x%" PRIx64 " size 0x%" PRIx64,
		  r->iova, r->size);
	if (s->have_last && s->last_stage == r->stage && s->last_pasid == r->pasid)
		FZ_ASSERT(r->iova >= s->last_end, "range at 0x%" PRIx64 " before the end of the last (0x%" PRIx64 ")",
			  r->iova, s->last_end);
	s->have_last = true;
	s->last_stage = r->stage;
	s->last_pasid = r->pasid;
	s->last_end = r->iova + r->size;
	s->ranges++;
	s->pages += r->size / 4096;
	return 0;
}

/* Every mapping the device has, on a small budget of its own. */
static inline void fz_walk_pages(struct fz_walk_seen *s, const struct ioh_walk_device *d)
{
	struct ioh_walk_config pc = *s->cfg;
	struct ioh_pg_summary sum = {0};
	ioh_rangeset *w = ioh_rangeset_new(256);
	ioh_status rc;

	if (!w)
		abort();
	pc.max_reads = 256;
	s->ranges = s->pages = 0;
	s->have_last = false;
	rc = ioh_walk_mappings(s->ctx, &pc, d, fz_walk_range, s, w, &sum);
	FZ_ASSERT(sum.reads <= pc.max_reads, "page walk read %" PRIu64 " times, budget %" PRIu64,
		  sum.reads, pc.max_reads);
	if (!rc) {
		FZ_ASSERT(sum.ranges == s->ranges, "summary %" PRIu64 " ranges, %" PRIu64 " delivered",
			  sum.ranges, s->ranges);
		FZ_ASSERT(sum.pages == s->pages, "summary %" PRIu64 " pages, %" PRIu64 " delivered",
			  sum.pages, s->pages);
	}
	FZ_ASSERT(sum.writable_pages <= sum.pages, "more writable pages than pages");
	FZ_ASSERT(ioh_rangeset_count(w) <= 256, "range set over its bound");
	fz_check_problems(&sum.problems);
	size_t it = 0;
	uint64_t start, size, prev_end = 0;
	bool first = true;
	while (ioh_rangeset_next(w, &it, &start, &size)) {
		FZ_ASSERT(size && (first || start > prev_end), "range set not sorted and merged");
		prev_end = start + size;
		first = false;
	}
	ioh_rangeset_free(w);
}

static inline int fz_walk_bus(void *data, const struct ioh_walk_bus *b)
{
	struct fz_walk_seen *s = data;

	s->buses++;
	fz_check_problems(&b->problems);
	return 0;
}

static inline int fz_walk_device(void *data, const struct ioh_walk_device *d)
{
	struct fz_walk_seen *s = data;
	uint8_t *bit = &s->devfn_seen[d->bdf.bus][d->bdf.devfn / 8];

	FZ_ASSERT(!(*bit & 1u << (d->bdf.devfn % 8)), "device %02x:%02x.%x delivered twice",
		  d->bdf.bus, d->bdf.devfn >> 3, d->bdf.devfn & 7);
	*bit |= 1u << (d->bdf.devfn % 8);
	s->devices++;
	FZ_ASSERT(d->npasids == 0 || d->pasids, "PASIDs counted but not given");
	FZ_ASSERT(d->rid_pasid_index < (int)d->npasids, "RID_PASID index %d of %u",
		  d->rid_pasid_index, d->npasids);
	fz_check_problems(&d->problems);
	for (unsigned i = 0; i < d->npasids; i++)
		fz_check_problems(&d->pasids[i].problems);
	FZ_ASSERT(s->cfg->mode == d->mode, "device mode differs from the walk's");
	/* page walks are the expensive part: a few devices per input say enough */
	if (s->devices <= 16)
		fz_walk_pages(s, d);
	return 0;
}

/* Walks with a read budget; returns the status. */
static inline ioh_status fz_walk_run(ioh_ctx *ctx, struct ioh_walk_config *cfg, uint64_t budget)
{
	static struct fz_walk_seen s;
	struct ioh_walk_ops ops = {fz_walk_bus, fz_walk_device};
	struct ioh_walk_stats st = {0};
	ioh_status rc;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.ctx = ctx;
	cfg->max_reads = budget;
	rc = ioh_walk(ctx, cfg, &ops, &s, &st);
	FZ_ASSERT(st.reads <= budget, "%" PRIu64 " reads over a budget of %" PRIu64, st.reads,
		  budget);
	FZ_ASSERT(st.devices == s.devices, "stats say %u devices, %u delivered", st.devices,
		  s.devices);
	if (rc)
		FZ_ASSERT(ioh_get_err(ctx)[0], "walk failed (%d) without a message", rc);
	return rc;
}

#endif
