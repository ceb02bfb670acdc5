/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root-table discovery: a cheap per-page prefilter while the dump streams
 * past, then a confirmation pass that reads the candidates' context tables.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ioh/discover.h>

#include "internal.h"

#define ROOT_ENTRIES 256
#define ADDR_MASK ioh_mask(63, 12)
#define ENTRY_RSVD ioh_mask(11, 1)

/* Modes a page may be a root table of, found by the prefilter. */
enum { MAY_LEGACY = 1, MAY_SCALABLE = 2 };

struct cand {
	uint64_t addr;
	unsigned may; /* MAY_* */
	unsigned present;
	struct ioh_root_candidate result;
	bool valid;
};

struct ioh_discover {
	struct ioh_discover_cfg cfg;
	struct cand c[IOH_DISCOVER_MAX_CANDIDATES];
	unsigned n;
	uint64_t pages, prefiltered, dropped;
	unsigned nvalid;
	struct ioh_root_candidate *sorted[IOH_DISCOVER_MAX_CANDIDATES];
};

IOH_EXPORT ioh_discover *ioh_discover_new(const struct ioh_discover_cfg *cfg)
{
	ioh_discover *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	if (!d->cfg.haw || d->cfg.haw > 52)
		d->cfg.haw = 52;
	return d;
}

IOH_EXPORT void ioh_discover_free(ioh_discover *d)
{
	free(d);
}

/* A pointer half of a root entry: zero, or P set with reserved bits clear and a sane address. */
static bool root_half_ok(uint64_t v, uint64_t self, uint64_t haw_mask, unsigned *present)
{
	uint64_t a = v & ADDR_MASK;

	if (!v)
		return true;
	if (!(v & 1) || (v & ENTRY_RSVD) || !a || (a & ~haw_mask) || a == self)
		return false;
	(*present)++;
	return true;
}

/* Returns MAY_* bits for the page, and the number of present halves. */
static unsigned prefilter(const uint64_t *q, uint64_t self, uint64_t haw_mask, unsigned *present)
{
	unsigned may = MAY_LEGACY | MAY_SCALABLE;

	*present = 0;
	for (unsigned i = 0; i < ROOT_ENTRIES; i++) {
		uint64_t lo = q[2 * i], hi = q[2 * i + 1];

		if (!root_half_ok(lo, self, haw_mask, present))
			return 0;
		if (hi) {
			may &= ~MAY_LEGACY;
			if (!root_half_ok(hi, self, haw_mask, present))
				return 0;
		}
	}
	return *present ? may : 0;
}

static void remember(ioh_discover *d, uint64_t phys, unsigned may, unsigned present)
{
	struct cand *slot = NULL;

	if (d->n < IOH_DISCOVER_MAX_CANDIDATES) {
		slot = &d->c[d->n++];
	} else {
		/* Keep the richest tables: a real one maps many buses more often than debris. */
		struct cand *min = &d->c[0];

		for (unsigned i = 1; i < d->n; i++)
			if (d->c[i].present < min->present)
				min = &d->c[i];
		d->dropped++;
		if (min->present >= present)
			return;
		slot = min;
	}
	memset(slot, 0, sizeof(*slot));
	slot->addr = phys;
	slot->may = may;
	slot->present = present;
}

IOH_EXPORT void ioh_discover_feed(ioh_discover *d, uint64_t phys, const void *page)
{
	uint64_t copy[2 * ROOT_ENTRIES], any = 0;
	const uint64_t *q = page;
	unsigned may, present;

	d->pages++;
	if (phys & (IOH_VTD_TABLE_SIZE - 1))
		return;
	if ((uintptr_t)page & 7) {
		memcpy(copy, page, sizeof(copy));
		q = copy;
	}
	/* Most of a dump is zero pages: one pass, four accumulators, rejects them. */
	for (unsigned i = 0; i < 2 * ROOT_ENTRIES; i += 4)
		any |= (q[i] | q[i + 1]) | (q[i + 2] | q[i + 3]);
	if (!any)
		return;
	may = prefilter(q, phys, ioh_vtd_haw_mask(d->cfg.haw), &present);
	if (!may)
		return;
	d->prefiltered++;
	remember(d, phys, may, present);
}

struct tally {
	unsigned devices, bad, torn, unusual, unreadable, tables;
	uint64_t first_bad;
};

static bool in_ram(const struct ioh_discover_cfg *cfg, uint64_t a)
{
	return !cfg->is_ram || cfg->is_ram(cfg->ram_priv, a);
}

static void tally_legacy_table(const struct ioh_discover_cfg *cfg, const uint64_t *q,
			       struct tally *t)
{
	for (unsigned i = 0; i < 256; i++) {
		const uint64_t *e = &q[2 * i];
		struct ioh_vtd_context c;

		if (!e[0] && !e[1])
			continue;
		ioh_vtd_context_decode(e, &c);
		/* Old lo with a zeroed hi: the torn entry of an unsafe teardown, not debris. */
		if (c.p && !e[1] && c.slptptr && in_ram(cfg, c.slptptr)) {
			t->torn++;
			continue;
		}
		if (!c.p || ioh_vtd_context_validate(e, cfg->haw, NULL) ||
		    (c.tt != IOH_VTD_TT_PASS_THROUGH && !in_ram(cfg, c.slptptr))) {
			t->bad++;
			continue;
		}
		t->devices++;
	}
}

/*
 * A scalable-mode entry is only believed when the PASID entry that serves
 * requests without PASID is there and sane: a legacy table read as scalable
 * points at page tables, whose words do not make valid PASID entries.
 */
static bool rid_pasid_ok(const struct ioh_discover_cfg *cfg, const struct ioh_vtd_sm_context *c)
{
	uint64_t dir, pe[8];
	struct ioh_vtd_pasid e;
	unsigned dirs = ioh_vtd_pdts_entries(c->pdts);

	if ((c->rid_pasid >> 6) >= dirs ||
	    cfg->read(cfg->read_priv, c->pasiddirptr + (c->rid_pasid >> 6) * 8, &dir, 8) ||
	    !(dir & 1) || ioh_vtd_pasid_dir_validate(dir, cfg->haw, NULL) ||
	    !in_ram(cfg, dir & ADDR_MASK) ||
	    cfg->read(cfg->read_priv, (dir & ADDR_MASK) + (c->rid_pasid & 63) * 64, pe,
		      sizeof(pe)))
		return false;
	ioh_vtd_pasid_decode(pe, &e);
	return e.p && ioh_vtd_pasid_validate(pe, cfg->haw, NULL) == 0;
}

static void tally_sm_table(const struct ioh_discover_cfg *cfg, const uint64_t *q, struct tally *t)
{
	for (unsigned i = 0; i < 128; i++) {
		const uint64_t *e = &q[4 * i];
		struct ioh_vtd_sm_context c;

		if (!e[0] && !e[1] && !e[2] && !e[3])
			continue;
		ioh_vtd_sm_context_decode(e, &c);
		if (!c.p || ioh_vtd_sm_context_validate(e, cfg->haw, NULL) ||
		    !in_ram(cfg, c.pasiddirptr)) {
			t->bad++;
			continue;
		}
		/* Linux always programs RID_PASID 0; anything else is more likely a legacy table. */
		if (c.rid_pasid)
			t->unusual++;
		if (!rid_pasid_ok(cfg, &c)) {
			t->bad++;
			continue;
		}
		t->devices++;
	}
}

static void tally_table(const struct ioh_discover_cfg *cfg, uint64_t addr, enum ioh_vtd_mode m,
			struct tally *t)
{
	uint64_t q[512];

	if (!in_ram(cfg, addr) || cfg->read(cfg->read_priv, addr, q, sizeof(q))) {
		t->unreadable++;
		return;
	}
	t->tables++;
	if (m == IOH_VTD_LEGACY)
		tally_legacy_table(cfg, q, t);
	else
		tally_sm_table(cfg, q, t);
}

/* Reads the root page again and walks one level down in mode m. */
static bool tally_root(const struct ioh_discover_cfg *cfg, uint64_t addr, enum ioh_vtd_mode m,
		       struct tally *t, unsigned *buses)
{
	uint64_t q[2 * ROOT_ENTRIES];

	memset(t, 0, sizeof(*t));
	*buses = 0;
	if (cfg->read(cfg->read_priv, addr, q, sizeof(q)))
		return false;
	for (unsigned bus = 0; bus < ROOT_ENTRIES; bus++) {
		uint64_t lo = q[2 * bus], hi = q[2 * bus + 1];

		if ((lo & 1) || (m == IOH_VTD_SCALABLE && (hi & 1)))
			(*buses)++;
		if (lo & 1)
			tally_table(cfg, lo & ADDR_MASK, m, t);
		if (m == IOH_VTD_SCALABLE && (hi & 1))
			tally_table(cfg, hi & ADDR_MASK, m, t);
	}
	return true;
}

static int score(const struct tally *t)
{
	return 10 * (int)t->devices + 5 * (int)t->tables - 20 * (int)t->bad - 2 * (int)t->torn -
	       8 * (int)t->unusual - 10 * (int)t->unreadable;
}

/* A torn entry is what we hunt for, so a few bad entries do not disqualify a table. */
static bool tally_valid(const struct tally *t)
{
	return t->devices + t->torn > 0 && t->devices > 0 && t->bad <= t->devices &&
	       t->unusual * 2 <= t->devices;
}

static void fill(struct ioh_root_candidate *out, uint64_t addr, enum ioh_vtd_mode m,
		 const struct tally *t, unsigned buses, const char *note)
{
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->mode = m;
	out->buses = buses;
	out->context_tables = t->tables;
	out->devices = t->devices;
	out->bad_entries = t->bad;
	out->torn_entries = t->torn;
	out->unreadable = t->unreadable;
	out->score = score(t);
	snprintf(out->evidence, sizeof(out->evidence),
		 "%u bus(es), %u context table(s), %u valid entr%s, %u torn-looking, %u invalid, "
		 "%u unreadable%s",
		 buses, t->tables, t->devices, t->devices == 1 ? "y" : "ies", t->torn, t->bad,
		 t->unreadable, note);
}

static bool confirm(const struct ioh_discover_cfg *cfg, uint64_t addr, unsigned may,
		    struct ioh_root_candidate *out)
{
	struct tally tl = { 0 }, ts = { 0 };
	unsigned bl = 0, bs = 0;
	bool vl = false, vs = false;

	if (may & MAY_LEGACY)
		vl = tally_root(cfg, addr, IOH_VTD_LEGACY, &tl, &bl) && tally_valid(&tl);
	if (may & MAY_SCALABLE)
		vs = tally_root(cfg, addr, IOH_VTD_SCALABLE, &ts, &bs) && tally_valid(&ts);
	if (vl && (!vs || score(&tl) >= score(&ts)))
		fill(out, addr, IOH_VTD_LEGACY, &tl, bl,
		     vs ? "; also parses as scalable (scored lower)" : "");
	else if (vs)
		fill(out, addr, IOH_VTD_SCALABLE, &ts, bs,
		     vl ? "; also parses as legacy (scored lower)" : "");
	return vl || vs;
}

IOH_EXPORT bool ioh_discover_check(ioh_ctx *ctx, const struct ioh_discover_cfg *cfg,
				   uint64_t addr, enum ioh_vtd_mode m,
				   struct ioh_root_candidate *out)
{
	struct ioh_discover_cfg c = *cfg;
	struct tally t;
	unsigned buses;

	if (!c.haw || c.haw > 52)
		c.haw = 52;
	if (!tally_root(&c, addr, m, &t, &buses)) {
		ioh_err(ctx, IOH_ERR_NODATA, "root table 0x%llx is not readable in the dump",
			(unsigned long long)addr);
		memset(out, 0, sizeof(*out));
		return false;
	}
	fill(out, addr, m, &t, buses, "");
	return tally_valid(&t);
}

/* Two candidates that reach the same context-table page: one of them is a stale copy. */
static void mark_shared(const struct ioh_discover_cfg *cfg, struct ioh_root_candidate **v,
			unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++) {
			uint64_t a[512], b[512];

			if (cfg->read(cfg->read_priv, v[i]->addr, a, sizeof(a)) ||
			    cfg->read(cfg->read_priv, v[j]->addr, b, sizeof(b)))
				continue;
			for (unsigned x = 0; x < 512 && !v[i]->shares_tables; x++)
				for (unsigned y = 0; y < 512; y++)
					if ((a[x] & 1) && (b[y] & 1) &&
					    (a[x] & ADDR_MASK) == (b[y] & ADDR_MASK)) {
						v[i]->shares_tables = v[j]->shares_tables = true;
						break;
					}
		}
}

static int cmp_score(const void *a, const void *b)
{
	const struct ioh_root_candidate *x = *(const struct ioh_root_candidate *const *)a;
	const struct ioh_root_candidate *y = *(const struct ioh_root_candidate *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

IOH_EXPORT ioh_status ioh_discover_finish(ioh_ctx *ctx, ioh_discover *d)
{
	(void)ctx;
	d->nvalid = 0;
	for (unsigned i = 0; i < d->n; i++) {
		struct cand *c = &d->c[i];

		c->valid = confirm(&d->cfg, c->addr, c->may, &c->result);
		if (c->valid)
			d->sorted[d->nvalid++] = &c->result;
	}
	/* Bounded: at most 256 candidates survive, and real dumps have a handful. */
	if (d->nvalid <= 32)
		mark_shared(&d->cfg, d->sorted, d->nvalid);
	qsort(d->sorted, d->nvalid, sizeof(d->sorted[0]), cmp_score);
	return IOH_OK;
}

IOH_EXPORT unsigned ioh_discover_count(const ioh_discover *d)
{
	return d->nvalid;
}

IOH_EXPORT const struct ioh_root_candidate *ioh_discover_get(const ioh_discover *d, unsigned i)
{
	return i < d->nvalid ? d->sorted[i] : NULL;
}

IOH_EXPORT void ioh_discover_stats(const ioh_discover *d, uint64_t *pages, uint64_t *prefiltered,
				   uint64_t *dropped)
{
	if (pages)
		*pages = d->pages;
	if (prefiltered)
		*prefiltered = d->prefiltered;
	if (dropped)
		*dropped = d->dropped;
}
