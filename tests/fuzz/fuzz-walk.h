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
};

static inline void fz_check_problems(const struct ioh_problems *pr)
{
	FZ_ASSERT(pr->n <= IOH_PROBLEMS_MAX, "%u problems in a list of %d", pr->n,
		  IOH_PROBLEMS_MAX);
	for (unsigned i = 0; i < pr->n; i++) {
		FZ_ASSERT(strnlen(pr->p[i].field, sizeof(pr->p[i].field)) < sizeof(pr->p[i].field),
			  "problem field not terminated");
		FZ_ASSERT(strnlen(pr->p[i].what, sizeof(pr->p[i].what)) < sizeof(pr->p[i].what),
			  "problem text not terminated");
	}
}

static int fz_walk_bus(void *data, const struct ioh_walk_bus *b)
{
	struct fz_walk_seen *s = data;

	s->buses++;
	fz_check_problems(&b->problems);
	return 0;
}

static int fz_walk_device(void *data, const struct ioh_walk_device *d)
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
