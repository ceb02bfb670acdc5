/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Root/context/PASID walker. Reads the root table once, finds context
 * tables that more than one root half points to, then visits each bus:
 * validates the root entry, reads its context table(s), and delivers every
 * present context entry with its problems (and, in scalable mode, the PASID
 * entries behind it). Nothing read is trusted: every pointer is checked
 * before it is followed, and every read is charged to a budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/walk.h>

#include "internal.h"

#define PAGE IOH_VTD_TABLE_SIZE
#define ADDR_MASK ioh_mask(63, 12)
#define PASIDS_PER_TABLE 64u
#define PASID_DIR_PER_PAGE 512u

/* A context table as some root-entry half points to it. */
struct tref {
	uint64_t addr;
	uint16_t owner; /* bus << 1 | upper half */
};

struct walker {
	ioh_ctx *ctx;
	const struct ioh_walk_config *cfg;
	const struct ioh_walk_ops *ops;
	void *data;
	unsigned haw;
	uint64_t max_reads;
	unsigned max_dir, max_pasids;
	uint64_t root;
	struct ioh_walk_stats st;
	bool budget_hit;

	uint64_t rootq[512];
	struct tref refs[512]; /* sorted by address */
	unsigned nrefs;
	int16_t shared_with[512]; /* per owner: another owner of the same table, or -1 */

	uint64_t ctxq[2][512]; /* the bus's context table(s) */
	int ctx_ok[2];
	int rid_dir_ok; /* RID_PASID's directory entry: -1 not examined, 0 bad, 1 usable */
	uint64_t dir[PASID_DIR_PER_PAGE];
	uint64_t ptbl[PASIDS_PER_TABLE * 8];
	struct ioh_walk_pasid *pasids;
	struct ioh_walk_device dev;
	struct ioh_walk_bus bus;
	char where[IOH_BDF_STRLEN]; /* what the last callback was given, for messages */
};

/* Charges the budget, then reads. */
static int wread(struct walker *w, uint64_t phys, void *buf, size_t len)
{
	int rc;

	if (w->st.reads >= w->max_reads) {
		w->budget_hit = true;
		return IOH_ERR_LIMIT;
	}
	w->st.reads++;
	w->st.bytes += len;
	rc = w->cfg->read(w->cfg->read_data, phys, buf, len);
	/* A reader outside the status range still means "could not read". */
	if (rc < 0 || rc > IOH_ERR_EXCLUDED || rc == IOH_ERR_LIMIT)
		rc = rc ? IOH_ERR_NODATA : 0;
	return rc;
}

static const char *rstr(int rc)
{
	return ioh_strerror((ioh_status)rc);
}

static int cmp_tref(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->owner - y->owner;
}

/* Owner of a context table at addr, or -1. */
static int table_owner(const struct walker *w, uint64_t addr)
{
	unsigned lo = 0, hi = w->nrefs;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (w->refs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < w->nrefs && w->refs[lo].addr == addr ? w->refs[lo].owner : -1;
}

/* Collects the present root halves' tables and who shares one. */
static void find_shared(struct walker *w)
{
	bool sm = w->cfg->mode == IOH_VTD_SCALABLE;

	w->nrefs = 0;
	for (unsigned i = 0; i < 512; i++)
		w->shared_with[i] = -1;
	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned half = 0; half < (sm ? 2u : 1u); half++) {
			uint64_t q = w->rootq[2 * bus + half];

			if ((q & 1) && (q & ADDR_MASK))
				w->refs[w->nrefs++] = (struct tref){ q & ADDR_MASK,
								     (uint16_t)(bus << 1 | half) };
		}
	}
	qsort(w->refs, w->nrefs, sizeof(w->refs[0]), cmp_tref);
	for (unsigned i = 0; i < w->nrefs;) {
		unsigned j = i;

		while (j < w->nrefs && w->refs[j].addr == w->refs[i].addr)
			j++;
		for (unsigned k = i; j - i > 1 && k < j; k++)
			w->shared_with[w->refs[k].owner] =
				(int16_t)w->refs[k == i ? i + 1 : i].owner;
		i = j;
	}
}

static const char *half_name(unsigned owner, bool sm)
{
	if (!sm)
		return "";
	return owner & 1 ? " (upper)" : " (lower)";
}

/*
 * Checks a pointer about to be followed. Zero and beyond-HAW pointers were
 * already reported by the entry's validate; this adds what only the walk
 * knows. Returns true if it is safe to read.
 */
static bool followable(struct walker *w, struct ioh_problems *pr, const char *field, uint64_t addr)
{
	int owner;

	if (!addr || (addr & ~ioh_vtd_haw_mask(w->haw)))
		return false;
	if (addr == w->root) {
		ioh_problems_add(pr, field, "0x%llx is the root table", (unsigned long long)addr);
		return false;
	}
	owner = table_owner(w, addr);
	if (owner >= 0) {
		ioh_problems_add(pr, field, "0x%llx is the context table of bus %02x%s",
				 (unsigned long long)addr, owner >> 1,
				 half_name((unsigned)owner, w->cfg->mode == IOH_VTD_SCALABLE));
		return false;
	}
	if (w->cfg->is_ram && !w->cfg->is_ram(w->cfg->ram_data, addr)) {
		ioh_problems_add(pr, field, "0x%llx is not RAM", (unsigned long long)addr);
		return false;
	}
	return true;
}

/* Adds problems found by a validate into dst with "prefix." before each field. */
static void merge_problems(struct ioh_problems *dst, const char *prefix,
			   const struct ioh_problems *src)
{
	for (unsigned i = 0; i < src->n; i++) {
		char f[sizeof(src->p[i].field)];

		snprintf(f, sizeof(f), "%s.%s", prefix, src->p[i].field);
		ioh_problems_add(dst, f, "%s", src->p[i].what);
	}
	dst->dropped += src->dropped;
}

/* ---- buses ---- */

static void check_table_ptr(struct walker *w, unsigned half, uint64_t addr)
{
	bool sm = w->cfg->mode == IOH_VTD_SCALABLE;
	unsigned owner = w->bus.bus << 1 | half;
	const char *field = sm ? (half ? "uctp" : "lctp") : "ctp";
	int other = w->shared_with[owner];
	int rc;

	w->ctx_ok[half] = 0;
	if (!addr) {
		ioh_problems_add(&w->bus.problems, field, "present root entry points to page 0");
		return;
	}
	if (addr & ~ioh_vtd_haw_mask(w->haw))
		return;
	if (addr == w->root) {
		ioh_problems_add(&w->bus.problems, field,
				 "context table 0x%llx is the root table itself",
				 (unsigned long long)addr);
		return;
	}
	if (other >= 0)
		ioh_problems_add(&w->bus.problems, field,
				 "shared context table 0x%llx: also bus %02x%s",
				 (unsigned long long)addr, other >> 1, half_name((unsigned)other, sm));
	if (w->cfg->is_ram && !w->cfg->is_ram(w->cfg->ram_data, addr)) {
		ioh_problems_add(&w->bus.problems, field, "context table 0x%llx is not RAM",
				 (unsigned long long)addr);
		return;
	}
	rc = wread(w, addr, w->ctxq[half], PAGE);
	if (rc) {
		if (rc != IOH_ERR_LIMIT)
			ioh_problems_add(&w->bus.problems, field,
					 "cannot read context table 0x%llx: %s",
					 (unsigned long long)addr, rstr(rc));
		return;
	}
	w->ctx_ok[half] = 1;
}

/* ---- scalable mode: PASID directory and tables ---- */

static void add_pasid(struct walker *w, uint32_t pasid, uint64_t dir_raw, uint64_t addr,
		      const uint64_t q[8])
{
	struct ioh_walk_device *d = &w->dev;
	struct ioh_walk_pasid *p = &w->pasids[d->npasids++];

	p->pasid = pasid;
	p->dir_raw = dir_raw;
	p->addr = addr;
	memcpy(p->raw, q, sizeof(p->raw));
	ioh_vtd_pasid_decode(q, &p->e);
	ioh_problems_init(&p->problems);
	ioh_vtd_pasid_validate(q, w->haw, &p->problems);
	if (p->e.p && (p->e.pgtt == IOH_VTD_PGTT_SL_ONLY || p->e.pgtt == IOH_VTD_PGTT_NESTED))
		followable(w, &p->problems, "slptptr", p->e.slptptr);
	if (p->e.p && (p->e.pgtt == IOH_VTD_PGTT_FL_ONLY || p->e.pgtt == IOH_VTD_PGTT_NESTED))
		followable(w, &p->problems, "flptptr", p->e.flptptr);
}

/* Validates a directory entry; true if its PASID table may be read. */
static bool dir_entry_ok(struct walker *w, unsigned idx, uint64_t raw)
{
	struct ioh_problems tmp;
	char prefix[16];

	ioh_problems_init(&tmp);
	ioh_vtd_pasid_dir_validate(raw, w->haw, &tmp);
	snprintf(prefix, sizeof(prefix), "pdir[%u]", idx);
	merge_problems(&w->dev.problems, prefix, &tmp);
	if (!(raw & 1))
		return false;
	ioh_problems_init(&tmp);
	if (!followable(w, &tmp, "smptblptr", raw & ADDR_MASK)) {
		merge_problems(&w->dev.problems, prefix, &tmp);
		return false;
	}
	return true;
}

/* RID_PASID's entry first: it is what requests without PASID use. */
static void walk_rid_pasid(struct walker *w, uint64_t dirp, unsigned ndir)
{
	struct ioh_walk_device *d = &w->dev;
	uint32_t rp = d->sm.rid_pasid;
	unsigned di = rp >> 6;
	uint64_t raw, q[8], at;
	int rc;

	if (di >= ndir) {
		ioh_problems_add(&d->problems, "rid_pasid",
				 "RID_PASID %u is beyond the %u-entry PASID directory", rp, ndir);
		return;
	}
	rc = wread(w, dirp + 8ull * di, &raw, sizeof(raw));
	if (rc) {
		if (rc != IOH_ERR_LIMIT)
			ioh_problems_add(&d->problems, "pasiddirptr",
					 "cannot read PASID directory entry at 0x%llx: %s",
					 (unsigned long long)(dirp + 8ull * di), rstr(rc));
		return;
	}
	if (!(raw & 1)) {
		ioh_problems_add(&d->problems, "rid_pasid",
				 "PASID directory entry %u for RID_PASID %u is not present", di, rp);
		d->fpd |= (raw >> 1) & 1;
		return;
	}
	w->rid_dir_ok = dir_entry_ok(w, di, raw);
	if (!w->rid_dir_ok)
		return;
	at = (raw & ADDR_MASK) + 64ull * (rp & 63);
	rc = wread(w, at, q, sizeof(q));
	if (rc) {
		if (rc != IOH_ERR_LIMIT)
			ioh_problems_add(&d->problems, "rid_pasid",
					 "cannot read PASID entry at 0x%llx: %s",
					 (unsigned long long)at, rstr(rc));
		return;
	}
	if (!(q[0] & 1)) {
		ioh_problems_add(&d->problems, "rid_pasid", "PASID entry for RID_PASID %u is not present",
				 rp);
		d->fpd |= (q[0] >> 1) & 1;
		return;
	}
	d->rid_pasid_index = (int)d->npasids;
	add_pasid(w, rp, raw, at, q);
	d->fpd |= ((raw >> 1) & 1) | w->pasids[d->rid_pasid_index].e.fpd;
}

/* The other present PASID entries of one PASID table. Returns false when a bound stops it. */
static bool walk_pasid_table(struct walker *w, unsigned di, uint64_t raw)
{
	struct ioh_walk_device *d = &w->dev;
	uint64_t tbl = raw & ADDR_MASK;
	int rc = wread(w, tbl, w->ptbl, PAGE);

	if (rc) {
		if (rc != IOH_ERR_LIMIT)
			ioh_problems_add(&d->problems, "smptblptr",
					 "cannot read PASID table 0x%llx (directory entry %u): %s",
					 (unsigned long long)tbl, di, rstr(rc));
		return rc != IOH_ERR_LIMIT;
	}
	for (unsigned i = 0; i < PASIDS_PER_TABLE; i++) {
		const uint64_t *q = &w->ptbl[8 * i];
		uint32_t pasid = di << 6 | i;

		if (!(q[0] & 1) || pasid == d->sm.rid_pasid)
			continue;
		if (d->npasids >= w->max_pasids) {
			d->pasids_truncated = true;
			ioh_problems_add(&d->problems, "pasid",
					 "more than %u present PASID entries; stopped at PASID %u",
					 w->max_pasids, pasid);
			return false;
		}
		add_pasid(w, pasid, raw, tbl + 64ull * i, q);
	}
	return true;
}

static void walk_pasids(struct walker *w)
{
	struct ioh_walk_device *d = &w->dev;
	uint64_t dirp = d->sm.pasiddirptr;
	unsigned ndir = ioh_vtd_pdts_entries(d->sm.pdts), n = ndir;

	w->rid_dir_ok = -1;
	walk_rid_pasid(w, dirp, ndir);
	if (n > w->max_dir) {
		n = w->max_dir;
		d->pasids_truncated = true;
		ioh_problems_add(&d->problems, "pdts",
				 "PASID directory has %u entries; examined the first %u", ndir, n);
	}
	for (unsigned base = 0; base < n && !w->budget_hit; base += PASID_DIR_PER_PAGE) {
		unsigned cnt = n - base < PASID_DIR_PER_PAGE ? n - base : PASID_DIR_PER_PAGE;
		uint64_t at = dirp + 8ull * base;
		int rc = wread(w, at, w->dir, 8ull * cnt);

		if (rc) {
			if (rc != IOH_ERR_LIMIT)
				ioh_problems_add(&d->problems, "pasiddirptr",
						 "cannot read PASID directory at 0x%llx: %s",
						 (unsigned long long)at, rstr(rc));
			continue;
		}
		for (unsigned i = 0; i < cnt; i++) {
			uint64_t raw = w->dir[i];
			unsigned di = base + i;

			if (!raw)
				continue;
			/* RID_PASID's directory entry may have been checked already. */
			if (di == d->sm.rid_pasid >> 6 && w->rid_dir_ok >= 0) {
				if (!w->rid_dir_ok)
					continue;
			} else if (!dir_entry_ok(w, di, raw)) {
				continue;
			}
			d->pasid_dir_present++;
			if (!walk_pasid_table(w, di, raw))
				return;
		}
	}
}

/* ---- devices ---- */

/* P set but the fields the PGTT needs are reserved or zero. */
static bool pasid_torn(const struct ioh_vtd_pasid *e)
{
	bool sl = e->pgtt == IOH_VTD_PGTT_SL_ONLY || e->pgtt == IOH_VTD_PGTT_NESTED;
	bool fl = e->pgtt == IOH_VTD_PGTT_FL_ONLY || e->pgtt == IOH_VTD_PGTT_NESTED;

	if (!e->p)
		return false;
	if (e->pgtt < IOH_VTD_PGTT_FL_ONLY || e->pgtt > IOH_VTD_PGTT_PT)
		return true;
	return (sl && (!ioh_vtd_aw_levels(e->aw) || !e->slptptr)) || (fl && !e->flptptr);
}

static void legacy_device(struct walker *w)
{
	struct ioh_walk_device *d = &w->dev;
	struct ioh_vtd_context *c = &d->ctx;

	ioh_vtd_context_decode(d->raw, c);
	ioh_vtd_context_validate(d->raw, w->haw, &d->problems);
	d->did = c->did;
	d->aw = c->aw;
	d->tt = c->tt;
	d->fpd = c->fpd;
	if (!c->p)
		return;
	if (c->tt != IOH_VTD_TT_PASS_THROUGH) {
		d->torn = !ioh_vtd_aw_levels(c->aw) || !c->slptptr;
		if (followable(w, &d->problems, "slptptr", c->slptptr))
			d->slptptr = c->slptptr;
	}
}

static void sm_device(struct walker *w)
{
	struct ioh_walk_device *d = &w->dev;
	const struct ioh_walk_pasid *rp;

	ioh_vtd_sm_context_decode(d->raw, &d->sm);
	ioh_vtd_sm_context_validate(d->raw, w->haw, &d->problems);
	d->fpd = d->sm.fpd;
	if (!d->sm.p)
		return;
	d->torn = !d->sm.pasiddirptr;
	if (!followable(w, &d->problems, "pasiddirptr", d->sm.pasiddirptr))
		return;
	walk_pasids(w);
	if (d->rid_pasid_index < 0)
		return;
	rp = &w->pasids[d->rid_pasid_index];
	/* A PASID entry is eight qwords written one by one: it tears the same way. */
	d->torn |= pasid_torn(&rp->e);
	d->did = rp->e.did;
	d->aw = rp->e.aw;
	d->tt = rp->e.pgtt;
	d->flpm = rp->e.flpm;
	if (rp->e.pgtt == IOH_VTD_PGTT_SL_ONLY || rp->e.pgtt == IOH_VTD_PGTT_NESTED)
		d->slptptr = rp->e.slptptr;
	if (rp->e.pgtt == IOH_VTD_PGTT_FL_ONLY || rp->e.pgtt == IOH_VTD_PGTT_NESTED)
		d->flptptr = rp->e.flptptr;
}

static int deliver_device(struct walker *w, unsigned devfn, uint64_t table, const uint64_t *q,
			  unsigned nq)
{
	struct ioh_walk_device *d = &w->dev;
	bool sm = nq == 4;
	unsigned owner = w->bus.bus << 1 | (sm && devfn >= 0x80);
	bool nonzero = false;

	for (unsigned i = 0; i < nq; i++)
		nonzero |= q[i] != 0;
	if (!(q[0] & 1) && !(nonzero && (w->cfg->flags & IOH_WALK_NONPRESENT)))
		return 0;
	memset(d, 0, sizeof(*d));
	d->bdf = (struct ioh_bdf){ 0, w->bus.bus, (uint8_t)devfn };
	d->mode = w->cfg->mode;
	d->table = table;
	d->addr = table + (sm ? 32ull * (devfn & 0x7f) : 16ull * devfn);
	memcpy(d->raw, q, nq * sizeof(q[0]));
	d->present = q[0] & 1;
	d->rid_pasid_index = -1;
	d->pasids = w->pasids;
	ioh_problems_init(&d->problems);
	if (w->shared_with[owner] >= 0)
		ioh_problems_add(&d->problems, "table",
				 "shared context table 0x%llx: also bus %02x%s",
				 (unsigned long long)table, w->shared_with[owner] >> 1,
				 half_name((unsigned)w->shared_with[owner], sm));
	if (sm)
		sm_device(w);
	else
		legacy_device(w);
	if (w->budget_hit)
		ioh_problems_add(&d->problems, "walk", "read budget exhausted; entry incomplete");
	w->st.devices++;
	w->st.problems += ioh_problems_count(&d->problems);
	for (unsigned i = 0; i < d->npasids; i++)
		w->st.problems += ioh_problems_count(&w->pasids[i].problems);
	if (!w->ops || !w->ops->device)
		return 0;
	ioh_bdf_str(d->bdf, w->where);
	return w->ops->device(w->data, d);
}

static int walk_devices(struct walker *w)
{
	bool sm = w->cfg->mode == IOH_VTD_SCALABLE;
	const struct ioh_vtd_root *r = &w->bus.root;

	bool only = w->cfg->flags & IOH_WALK_ONLY_BDF;

	for (unsigned devfn = 0; devfn < 256 && !w->budget_hit; devfn++) {
		unsigned half = sm && devfn >= 0x80;
		uint64_t table = half ? r->uctp : r->ctp;
		int rc;

		if (!w->ctx_ok[half] || (only && devfn != w->cfg->bdf.devfn))
			continue;
		if (sm)
			rc = deliver_device(w, devfn, table, &w->ctxq[half][4 * (devfn & 0x7f)], 4);
		else
			rc = deliver_device(w, devfn, table, &w->ctxq[0][2 * devfn], 2);
		if (rc)
			return rc;
	}
	return 0;
}

/* With IOH_WALK_ONLY_BDF in scalable mode, only the half holding the device is read. */
static bool wanted_half(const struct walker *w, unsigned half)
{
	if (!(w->cfg->flags & IOH_WALK_ONLY_BDF) || w->cfg->mode != IOH_VTD_SCALABLE)
		return true;
	return half == (w->cfg->bdf.devfn >= 0x80);
}

static int walk_bus(struct walker *w, unsigned bus)
{
	bool sm = w->cfg->mode == IOH_VTD_SCALABLE;
	struct ioh_walk_bus *b = &w->bus;
	const uint64_t *q = &w->rootq[2 * bus];
	int rc;

	memset(b, 0, sizeof(*b));
	b->bus = (uint8_t)bus;
	b->addr = w->root + 16ull * bus;
	b->raw[0] = q[0];
	b->raw[1] = q[1];
	ioh_vtd_root_decode(q, w->cfg->mode, &b->root);
	ioh_problems_init(&b->problems);
	ioh_vtd_root_validate(q, w->cfg->mode, w->haw, &b->problems);
	w->ctx_ok[0] = w->ctx_ok[1] = 0;
	if (b->root.p && wanted_half(w, 0))
		check_table_ptr(w, 0, b->root.ctp);
	if (sm && b->root.up && wanted_half(w, 1))
		check_table_ptr(w, 1, b->root.uctp);
	if (b->root.p || b->root.up)
		w->st.buses++;
	if (!q[0] && !q[1] && !b->problems.n)
		return 0;
	if (w->budget_hit)
		ioh_problems_add(&b->problems, "walk", "read budget exhausted");
	w->st.problems += ioh_problems_count(&b->problems);
	if (w->ops && w->ops->bus) {
		snprintf(w->where, sizeof(w->where), "bus %02x", bus);
		rc = w->ops->bus(w->data, b);
		if (rc)
			return rc;
	}
	return walk_devices(w);
}

static ioh_status check_config(ioh_ctx *ctx, const struct ioh_walk_config *cfg)
{
	if (!cfg || !cfg->read)
		return ioh_err(ctx, IOH_ERR_INVALID, "walk: no read callback");
	if (cfg->mode != IOH_VTD_LEGACY && cfg->mode != IOH_VTD_SCALABLE)
		return ioh_err(ctx, IOH_ERR_INVALID, "walk: translation table mode %s cannot be walked",
			       ioh_vtd_mode_name(cfg->mode));
	if (cfg->haw > 64)
		return ioh_err(ctx, IOH_ERR_INVALID, "walk: host address width %u is above 64",
			       cfg->haw);
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_walk(ioh_ctx *ctx, const struct ioh_walk_config *cfg,
			       const struct ioh_walk_ops *ops, void *data,
			       struct ioh_walk_stats *stats)
{
	struct walker *w;
	ioh_status st;
	int rc = 0;

	ioh_clear_err(ctx);
	st = check_config(ctx, cfg);
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (st)
		return st;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ioh_err(ctx, IOH_ERR_NOMEM, "walk: out of memory");
	w->ctx = ctx;
	w->cfg = cfg;
	w->ops = ops;
	w->data = data;
	w->haw = cfg->haw ? cfg->haw : IOH_WALK_DEFAULT_HAW;
	w->max_reads = cfg->max_reads ? cfg->max_reads : IOH_WALK_DEFAULT_MAX_READS;
	w->max_dir = cfg->max_pasid_dir ? cfg->max_pasid_dir : IOH_WALK_DEFAULT_MAX_PASID_DIR;
	w->max_pasids = cfg->max_pasids ? cfg->max_pasids : IOH_WALK_DEFAULT_MAX_PASIDS;
	if (w->max_pasids > IOH_WALK_MAX_PASIDS)
		w->max_pasids = IOH_WALK_MAX_PASIDS;
	w->root = cfg->rtaddr & ADDR_MASK;
	w->pasids = calloc(w->max_pasids + 1, sizeof(*w->pasids));
	if (!w->pasids) {
		st = ioh_err(ctx, IOH_ERR_NOMEM, "walk: out of memory for %u PASID entries",
			     w->max_pasids);
		free(w);
		return st;
	}
	rc = wread(w, w->root, w->rootq, PAGE);
	if (rc) {
		st = ioh_err(ctx, (ioh_status)rc, "walk: root table 0x%llx: cannot read: %s",
			     (unsigned long long)w->root, rstr(rc));
		goto out;
	}
	find_shared(w);
	for (unsigned bus = 0; bus < 256 && !rc && !w->budget_hit; bus++)
		if (!(cfg->flags & IOH_WALK_ONLY_BDF) || bus == cfg->bdf.bus)
			rc = walk_bus(w, bus);
	if (rc)
		st = ioh_err_wrap(ctx, (ioh_status)rc, "walk: root table 0x%llx: %s",
				  (unsigned long long)w->root, w->where);
	else if (w->budget_hit)
		st = ioh_err(ctx, IOH_ERR_LIMIT,
			     "walk: root table 0x%llx: read budget of %llu reads exhausted",
			     (unsigned long long)w->root, (unsigned long long)w->max_reads);
out:
	if (stats)
		*stats = w->st;
	free(w->pasids);
	free(w);
	return st;
}
