/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Page-table walk: second-level (VT-d format) and first-level (x86 format)
 * trees into coalesced IOVA -> physical ranges, plus the per-device driver
 * that picks the trees from a walked context or PASID entry, and the
 * physical range set that collects what a device could write.
 *
 * A tree read from a crashed machine may loop (an entry pointing at its own
 * table or an ancestor), share subtables, or fan out absurdly. Loops are cut
 * by comparing each next table with the tables on the current path; all
 * other blow-ups are bounded by the read budget, since every table visited
 * costs one read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/walk.h>

#include "internal.h"

#define PAGE 4096u
#define PTES 512u
#define MAX_LEVELS 5
#define ADDR_MASK ioh_mask(51, 12)

struct pgw {
	const struct ioh_walk_config *cfg;
	unsigned haw;
	uint64_t reads_left;
	bool budget_hit;
	int cb_rc;
	enum ioh_pg_stage stage;
	unsigned levels;
	uint32_t pasid;
	const char *who; /* "" or "PASID n: ", prefixed to problem text */
	int (*range)(void *data, const struct ioh_pg_range *r);
	void *data;
	ioh_rangeset *writable;
	bool writable_full; /* reported once */
	struct ioh_pg_summary *sum;
	struct ioh_pg_range cur;
	bool have_cur;
	uint64_t path[MAX_LEVELS];
	uint64_t tbl[MAX_LEVELS][PTES];
	/* nested: first-level table pointers are GPAs translated by this second-level tree */
	uint64_t nest_root;
	unsigned nest_levels;
};

static int pread_(struct pgw *w, uint64_t phys, void *buf, size_t len)
{
	int rc;

	if (!w->reads_left) {
		w->budget_hit = true;
		return IOH_ERR_LIMIT;
	}
	w->reads_left--;
	w->sum->reads++;
	rc = w->cfg->read(w->cfg->read_data, phys, buf, len);
	if (rc < 0 || rc > IOH_ERR_EXCLUDED || rc == IOH_ERR_LIMIT)
		rc = rc ? IOH_ERR_NODATA : 0;
	return rc;
}

static uint64_t level_size(unsigned level)
{
	return 1ull << (12 + 9 * (level - 1));
}

/* Second-level translation of one GPA, for nested first-level table pointers. */
static int sl_translate(struct pgw *w, uint64_t gpa, uint64_t *hpa)
{
	uint64_t table = w->nest_root;

	for (unsigned level = w->nest_levels; level >= 1; level--) {
		unsigned idx = (unsigned)((gpa >> (12 + 9 * (level - 1))) & (PTES - 1));
		uint64_t pte;
		int rc = pread_(w, table + 8ull * idx, &pte, sizeof(pte));

		if (rc)
			return rc;
		if (!(pte & 3))
			return IOH_ERR_NODATA;
		if (level == 1 || ((pte & (1u << 7)) && level <= 3)) {
			uint64_t sz = level_size(level);

			*hpa = ((pte & ADDR_MASK) & ~(sz - 1)) | (gpa & (sz - 1));
			return 0;
		}
		table = pte & ADDR_MASK;
	}
	return IOH_ERR_NODATA;
}

static void flush(struct pgw *w)
{
	if (!w->have_cur)
		return;
	w->have_cur = false;
	w->sum->ranges++;
	/* A nested first level outputs GPAs; its second level already added the real pages. */
	if (w->writable && (w->cur.perm & IOH_PG_W) && !w->nest_root) {
		if (ioh_rangeset_add(w->writable, w->cur.phys, w->cur.size) && !w->writable_full) {
			w->writable_full = true;
			ioh_problems_add(&w->sum->problems, "writable",
					 "%stoo many writable ranges; set incomplete from 0x%llx",
					 w->who, (unsigned long long)w->cur.phys);
		}
	}
	if (w->range && !w->cb_rc)
		w->cb_rc = w->range(w->data, &w->cur);
}

static void emit(struct pgw *w, uint64_t iova, uint64_t phys, uint64_t size, unsigned perm)
{
	struct ioh_pg_range *c = &w->cur;

	w->sum->pages += size / PAGE;
	if (perm & IOH_PG_W)
		w->sum->writable_pages += size / PAGE;
	if (w->have_cur && c->iova + c->size == iova && c->phys + c->size == phys &&
	    c->perm == perm) {
		c->size += size;
		return;
	}
	flush(w);
	*c = (struct ioh_pg_range){ w->stage, w->pasid, iova, phys, size, perm };
	w->have_cur = true;
}

/* First-level IOVAs are canonical: the top bit of the walked width sign-extends. */
static uint64_t canonical(const struct pgw *w, uint64_t iova)
{
	unsigned top = 12 + 9 * w->levels - 1;

	if (w->stage == IOH_PG_FIRST_LEVEL && top < 63 && (iova >> top) & 1)
		iova |= ~0ull << top;
	return iova;
}

static void pte_problem(struct pgw *w, unsigned level, uint64_t table, unsigned i, uint64_t iova,
			const char *what, uint64_t bits)
{
	ioh_problems_add(&w->sum->problems, "pte",
			 "%slevel %u table 0x%llx[%u] (IOVA 0x%llx): %s 0x%llx", w->who, level,
			 (unsigned long long)table, i, (unsigned long long)iova, what,
			 (unsigned long long)bits);
}

/* Reserved bits of a present entry; returns true if the entry must not be used. */
static bool pte_reserved(struct pgw *w, unsigned level, uint64_t table, unsigned i, uint64_t iova,
			 uint64_t pte, bool leaf_large)
{
	uint64_t above = ADDR_MASK & ~ioh_vtd_haw_mask(w->haw);
	bool bad = false;

	if (pte & above) {
		pte_problem(w, level, table, i, iova, "address bits above the host address width",
			    pte & above);
		bad = true;
	}
	if ((pte & (1u << 7)) && level >= 4) {
		pte_problem(w, level, table, i, iova, "page size bit set at a level without large pages",
			    1u << 7);
		bad = true;
	}
	if (leaf_large) {
		/* x86 keeps PAT in bit 12 of a large-page entry; the rest below the page size is reserved. */
		uint64_t low = (level_size(level) - 1) & ADDR_MASK;

		if (w->stage == IOH_PG_FIRST_LEVEL)
			low &= ~(1ull << 12);
		if (pte & low) {
			pte_problem(w, level, table, i, iova, "reserved address bits in a large page",
				    pte & low);
			bad = true;
		}
	}
	return bad;
}

static unsigned pte_perm(const struct pgw *w, uint64_t pte)
{
	if (w->stage == IOH_PG_SECOND_LEVEL)
		return (unsigned)(pte & 3);
	return IOH_PG_R | (pte & 2 ? IOH_PG_W : 0) | (pte & 4 ? IOH_PG_U : 0);
}

static bool table_ok(struct pgw *w, unsigned level, uint64_t table, uint64_t iova)
{
	unsigned depth = w->levels - level;

	for (unsigned d = 0; d < depth; d++) {
		if (w->path[d] == table) {
			ioh_problems_add(&w->sum->problems, "loop",
					 "%slevel %u table 0x%llx (IOVA 0x%llx) is its own ancestor at level %u",
					 w->who, level, (unsigned long long)table,
					 (unsigned long long)iova, w->levels - d);
			return false;
		}
	}
	if (!table || (table & ~ioh_vtd_haw_mask(w->haw))) {
		ioh_problems_add(&w->sum->problems, "table",
				 "%slevel %u table address 0x%llx (IOVA 0x%llx) is out of range",
				 w->who, level, (unsigned long long)table, (unsigned long long)iova);
		return false;
	}
	if (w->cfg->is_ram && !w->nest_root && !w->cfg->is_ram(w->cfg->ram_data, table)) {
		ioh_problems_add(&w->sum->problems, "table",
				 "%slevel %u table 0x%llx (IOVA 0x%llx) is not RAM", w->who, level,
				 (unsigned long long)table, (unsigned long long)iova);
		return false;
	}
	return true;
}

static int read_table(struct pgw *w, uint64_t table, uint64_t *buf)
{
	uint64_t at = table;
	int rc;

	if (w->nest_root) {
		rc = sl_translate(w, table, &at);
		if (rc)
			return rc;
	}
	return pread_(w, at, buf, PAGE);
}

static void walk_table(struct pgw *w, unsigned level, uint64_t table, uint64_t iova_base,
		       unsigned perm_in)
{
	unsigned depth = w->levels - level;
	uint64_t *t = w->tbl[depth];
	int rc;

	if (!table_ok(w, level, table, iova_base))
		return;
	rc = read_table(w, table, t);
	if (rc) {
		if (rc != IOH_ERR_LIMIT)
			ioh_problems_add(&w->sum->problems, "table",
					 "%scannot read level %u table 0x%llx (IOVA 0x%llx): %s",
					 w->who, level, (unsigned long long)table,
					 (unsigned long long)iova_base, ioh_strerror((ioh_status)rc));
		return;
	}
	w->sum->tables++;
	w->path[depth] = table;
	for (unsigned i = 0; i < PTES && !w->budget_hit && !w->cb_rc; i++) {
		uint64_t pte = t[i];
		uint64_t iova = canonical(w, iova_base + (uint64_t)i * level_size(level));
		bool present = w->stage == IOH_PG_SECOND_LEVEL ? (pte & 3) : (pte & 1);
		bool large = (pte & (1u << 7)) && level >= 2 && level <= 3;
		unsigned perm;

		if (!present)
			continue;
		if (pte_reserved(w, level, table, i, iova, pte, large))
			continue;
		perm = perm_in & pte_perm(w, pte);
		if (level == 1 || large)
			emit(w, iova, (pte & ADDR_MASK) & ~(level_size(level) - 1), level_size(level),
			     perm);
		else
			walk_table(w, level - 1, pte & ADDR_MASK, iova, perm);
	}
}

static ioh_status run(ioh_ctx *ctx, struct pgw *w, uint64_t root)
{
	if (w->levels < 3 || w->levels > MAX_LEVELS ||
	    (w->stage == IOH_PG_FIRST_LEVEL && w->levels < 4))
		return ioh_err(ctx, IOH_ERR_INVALID, "page walk: %u levels is not a %s format",
			       w->levels,
			       w->stage == IOH_PG_FIRST_LEVEL ? "first-level" : "second-level");
	walk_table(w, w->levels, root & ADDR_MASK, 0,
		   IOH_PG_R | IOH_PG_W | (w->stage == IOH_PG_FIRST_LEVEL ? IOH_PG_U : 0));
	if (!w->cb_rc)
		flush(w);
	if (w->cb_rc)
		return (ioh_status)w->cb_rc;
	if (w->budget_hit)
		return ioh_err(ctx, IOH_ERR_LIMIT,
			       "page walk: %stable 0x%llx: read budget of %llu reads exhausted",
			       w->who, (unsigned long long)root,
			       (unsigned long long)(w->cfg->max_reads ? w->cfg->max_reads
								      : IOH_WALK_DEFAULT_MAX_READS));
	return IOH_OK;
}

static struct pgw *pgw_new(const struct ioh_walk_config *cfg, struct ioh_pg_summary *sum)
{
	struct pgw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cfg = cfg;
	w->haw = cfg->haw ? cfg->haw : IOH_WALK_DEFAULT_HAW;
	w->reads_left = cfg->max_reads ? cfg->max_reads : IOH_WALK_DEFAULT_MAX_READS;
	w->sum = sum;
	w->who = "";
	return w;
}

IOH_EXPORT ioh_status ioh_pgwalk(ioh_ctx *ctx, const struct ioh_walk_config *cfg,
				 enum ioh_pg_stage stage, uint64_t root, unsigned levels,
				 uint32_t pasid, int (*range)(void *data, const struct ioh_pg_range *r),
				 void *data, struct ioh_pg_summary *sum)
{
	struct pgw *w;
	ioh_status st;

	ioh_clear_err(ctx);
	if (!cfg || !cfg->read || !sum || cfg->haw > 64)
		return ioh_err(ctx, IOH_ERR_INVALID, "page walk: no read callback or summary");
	w = pgw_new(cfg, sum);
	if (!w)
		return ioh_err(ctx, IOH_ERR_NOMEM, "page walk: out of memory");
	w->stage = stage;
	w->levels = levels;
	w->pasid = pasid;
	w->range = range;
	w->data = data;
	st = run(ctx, w, root);
	free(w);
	return st;
}

/* ---- per device ---- */

static bool has_field(const struct ioh_problems *pr, const char *field)
{
	for (unsigned i = 0; i < pr->n; i++)
		if (!strcmp(pr->p[i].field, field))
			return true;
	return false;
}

/* One tree with the device's shared budget; returns the status, keeps the budget. */
static ioh_status one_tree(ioh_ctx *ctx, struct pgw *w, enum ioh_pg_stage stage, uint64_t root,
			   unsigned levels, uint64_t nest_root, unsigned nest_levels)
{
	w->stage = stage;
	w->levels = levels;
	w->nest_root = nest_root;
	w->nest_levels = nest_levels;
	w->have_cur = false;
	return run(ctx, w, root);
}

static ioh_status pasid_trees(ioh_ctx *ctx, struct pgw *w, const struct ioh_walk_pasid *p)
{
	const struct ioh_vtd_pasid *e = &p->e;
	unsigned sl_levels = ioh_vtd_aw_levels(e->aw), fl_levels = e->flpm ? 5 : 4;
	bool sl_ok = sl_levels && e->slptptr && !has_field(&p->problems, "slptptr");
	bool fl_ok = e->flpm <= 1 && e->flptptr && !has_field(&p->problems, "flptptr");
	ioh_status st = IOH_OK;

	switch (e->pgtt) {
	case IOH_VTD_PGTT_SL_ONLY:
		if (sl_ok)
			st = one_tree(ctx, w, IOH_PG_SECOND_LEVEL, e->slptptr, sl_levels, 0, 0);
		break;
	case IOH_VTD_PGTT_FL_ONLY:
		if (fl_ok)
			st = one_tree(ctx, w, IOH_PG_FIRST_LEVEL, e->flptptr, fl_levels, 0, 0);
		break;
	case IOH_VTD_PGTT_NESTED:
		if (sl_ok)
			st = one_tree(ctx, w, IOH_PG_SECOND_LEVEL, e->slptptr, sl_levels, 0, 0);
		if (!st && sl_ok && fl_ok)
			st = one_tree(ctx, w, IOH_PG_FIRST_LEVEL, e->flptptr, fl_levels, e->slptptr,
				      sl_levels);
		break;
	case IOH_VTD_PGTT_PT:
		w->sum->passthrough = true;
		break;
	default:
		break;
	}
	return st;
}

IOH_EXPORT ioh_status ioh_walk_mappings(ioh_ctx *ctx, const struct ioh_walk_config *cfg,
					const struct ioh_walk_device *dev,
					int (*range)(void *data, const struct ioh_pg_range *r),
					void *data, ioh_rangeset *writable,
					struct ioh_pg_summary *sum)
{
	struct pgw *w;
	ioh_status st = IOH_OK;
	char who[32];

	ioh_clear_err(ctx);
	if (!sum)
		return ioh_err(ctx, IOH_ERR_INVALID, "mappings: no summary");
	memset(sum, 0, sizeof(*sum));
	ioh_problems_init(&sum->problems);
	if (!cfg || !cfg->read || !dev || cfg->haw > 64)
		return ioh_err(ctx, IOH_ERR_INVALID, "mappings: no read callback or device");
	if (!dev->present)
		return IOH_OK;
	w = pgw_new(cfg, sum);
	if (!w)
		return ioh_err(ctx, IOH_ERR_NOMEM, "mappings: out of memory");
	w->range = range;
	w->data = data;
	w->writable = writable;
	if (dev->mode == IOH_VTD_LEGACY) {
		if (dev->tt == IOH_VTD_TT_PASS_THROUGH)
			sum->passthrough = true;
		else if (dev->slptptr && ioh_vtd_aw_levels(dev->aw) && dev->tt != IOH_VTD_TT_RESERVED)
			st = one_tree(ctx, w, IOH_PG_SECOND_LEVEL, dev->slptptr,
				      ioh_vtd_aw_levels(dev->aw), 0, 0);
	} else {
		for (unsigned i = 0; i < dev->npasids && !st; i++) {
			snprintf(who, sizeof(who), "PASID %u: ", dev->pasids[i].pasid);
			w->who = who;
			w->pasid = dev->pasids[i].pasid;
			st = pasid_trees(ctx, w, &dev->pasids[i]);
		}
	}
	free(w);
	if (st) {
		char b[IOH_BDF_STRLEN];

		return ioh_err_wrap(ctx, st, "mappings: %s", ioh_bdf_str(dev->bdf, b));
	}
	return IOH_OK;
}

/* ---- physical range sets ---- */

struct ioh_rangeset {
	uint64_t (*r)[2]; /* start, end (exclusive; 0 = 2^64) */
	size_t n, cap, max;
	bool sorted;
};

IOH_EXPORT ioh_rangeset *ioh_rangeset_new(size_t max_ranges)
{
	ioh_rangeset *rs = calloc(1, sizeof(*rs));

	if (rs)
		rs->max = max_ranges ? max_ranges : 1;
	return rs;
}

IOH_EXPORT void ioh_rangeset_free(ioh_rangeset *rs)
{
	if (!rs)
		return;
	free(rs->r);
	free(rs);
}

static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sorts and merges overlapping or touching ranges. */
static void normalise(ioh_rangeset *rs)
{
	size_t o = 0;

	if (rs->sorted || !rs->n)
		return;
	qsort(rs->r, rs->n, sizeof(rs->r[0]), cmp_range);
	for (size_t i = 0; i < rs->n; i++) {
		if (o && rs->r[i][0] <= rs->r[o - 1][1]) {
			if (rs->r[i][1] > rs->r[o - 1][1])
				rs->r[o - 1][1] = rs->r[i][1];
			continue;
		}
		rs->r[o][0] = rs->r[i][0];
		rs->r[o][1] = rs->r[i][1];
		o++;
	}
	rs->n = o;
	rs->sorted = true;
}

IOH_EXPORT ioh_status ioh_rangeset_add(ioh_rangeset *rs, uint64_t start, uint64_t size)
{
	uint64_t end = start + size;

	if (!size)
		return IOH_OK;
	if (end < start)
		end = UINT64_MAX; /* clamp: the set cannot hold the last byte of the space */
	/* The common case, ranges arriving in order: extend the last one. */
	if (rs->n && rs->sorted && start >= rs->r[rs->n - 1][0] && start <= rs->r[rs->n - 1][1]) {
		if (end > rs->r[rs->n - 1][1])
			rs->r[rs->n - 1][1] = end;
		return IOH_OK;
	}
	if (rs->n == rs->max) {
		rs->sorted = false;
		normalise(rs);
		for (size_t i = 0; i < rs->n && rs->n == rs->max; i++) {
			if (start > rs->r[i][1] || end < rs->r[i][0])
				continue;
			/* Overlaps or touches a held range: widen it, then merge its neighbours. */
			rs->r[i][0] = start < rs->r[i][0] ? start : rs->r[i][0];
			rs->r[i][1] = end > rs->r[i][1] ? end : rs->r[i][1];
			rs->sorted = false;
			normalise(rs);
			return IOH_OK;
		}
		if (rs->n == rs->max)
			return IOH_ERR_LIMIT;
	}
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 16;
		uint64_t(*nr)[2];

		if (ncap > rs->max)
			ncap = rs->max;
		nr = realloc(rs->r, ncap * sizeof(*nr));
		if (!nr)
			return IOH_ERR_NOMEM;
		rs->r = nr;
		rs->cap = ncap;
	}
	if (rs->n && start < rs->r[rs->n - 1][0])
		rs->sorted = false;
	else if (rs->n == 0)
		rs->sorted = true;
	rs->r[rs->n][0] = start;
	rs->r[rs->n][1] = end;
	rs->n++;
	return IOH_OK;
}

IOH_EXPORT size_t ioh_rangeset_count(ioh_rangeset *rs)
{
	normalise(rs);
	return rs->n;
}

IOH_EXPORT uint64_t ioh_rangeset_bytes(ioh_rangeset *rs)
{
	uint64_t b = 0;

	normalise(rs);
	for (size_t i = 0; i < rs->n; i++)
		b += rs->r[i][1] - rs->r[i][0];
	return b;
}

IOH_EXPORT bool ioh_rangeset_contains(ioh_rangeset *rs, uint64_t addr)
{
	size_t lo = 0, hi;

	normalise(rs);
	hi = rs->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rs->r[mid][1] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->n && rs->r[lo][0] <= addr;
}

IOH_EXPORT bool ioh_rangeset_next(ioh_rangeset *rs, size_t *it, uint64_t *start, uint64_t *size)
{
	normalise(rs);
	if (*it >= rs->n)
		return false;
	*start = rs->r[*it][0];
	*size = rs->r[*it][1] - rs->r[*it][0];
	(*it)++;
	return true;
}
