/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exhaustive exploration: every interleaving of the engine's teardown
 * program (the steps it really issues, recorded through ioh_hw_ops) with
 * DMA agents that fetch entries as two 64-bit reads in the configured
 * order, through a context cache that may evict at any time. Breadth-first
 * with state hashing, so the first violation found has a shortest trace.
 *
 * Semantics (the same as the random model's):
 *  - a context-cache invalidation drops matching cached entries at once and
 *    marks fetches in progress on them: those may finish, but are not cached;
 *  - a wait cannot complete while such a marked fetch is still in progress
 *    (the completion of an invalidation wait drains earlier requests);
 *  - torn: a fetch returns P=1 and a value that was never whole;
 *  - stale: a translation uses the copied entry after its teardown completed.
 *
 * An entry is fetched in chunks: a context entry as two 64-bit words, a
 * scalable-mode PASID entry as four 128-bit bursts (each burst atomic), in
 * ascending (lo-hi), descending (hi-lo) or any order, or all at once.
 */
#include <stdlib.h>
#include <time.h>

#include "model-internal.h"

#define X_MAX_ENTRIES 8
#define X_MAX_AGENTS 4
#define X_MAX_PLANS 2
#define X_MAX_VALUES 255
#define X_MAX_QW 8	  /* qwords of the largest entry (PASID) */
#define X_MAX_CHUNKS 4
#define X_DEFAULT_MAX_STATES (4u << 20)
#define X_WALK_MAX_STEPS 100000u
#define X_WALK_TAIL 16u	  /* random steps after the program ended */

enum xop { X_WRITE, X_INV, X_WAIT, X_DONE };

struct xstep {
	uint8_t op, entry, qw, mask; /* mask: entries an invalidation covers */
	uint64_t val;
	const struct ioh_event *ev;
};

/* Packed state: 32 bytes, zero padding, hashed as bytes. */
struct xs {
	uint16_t pc;
	uint8_t plan;
	uint8_t pad;
	uint16_t cached;		     /* 2 bits per entry: 0 none, 1 the copied value, 2 other */
	uint8_t ag[X_MAX_AGENTS];	     /* bit0 busy, bit2 pre-invalidated, 5:3 entry */
	uint8_t got[X_MAX_AGENTS];	     /* chunks read so far, a bit each */
	uint8_t val[X_MAX_AGENTS][X_MAX_CHUNKS]; /* value index of each chunk read */
	uint16_t pad2;
};

enum xlabel {
	L_CPU = 1,
	L_FETCH_ATOM,
	L_HIT,
	L_EVICT,
	L_START,      /* + chunk: a fetch begins with that chunk */
	L_NEXT = L_START + X_MAX_CHUNKS, /* + chunk: a fetch reads that chunk next */
};

/* Where the entries are and what the crashed kernel left in them. */
struct layout {
	unsigned nq;	  /* qwords per entry */
	uint64_t pa[X_MAX_ENTRIES];
	uint64_t old[X_MAX_ENTRIES][X_MAX_QW];
};

struct explorer {
	ioh_ctx *ctx;
	struct ioh_explore_cfg cfg;
	unsigned n_plans;
	unsigned nq, nchunk, cw;      /* qwords per entry, chunks per fetch, qwords per chunk */
	struct xstep *plan[X_MAX_PLANS];
	size_t len[X_MAX_PLANS];
	/* memory and done-mask after pc steps of each plan */
	uint64_t *mem[X_MAX_PLANS];   /* [(pc * entries + e) * nq + qword] */
	uint8_t *done[X_MAX_PLANS];   /* bitmask per pc */
	uint8_t *vidx[X_MAX_PLANS];   /* value index of each chunk of mem */
	uint64_t old[X_MAX_ENTRIES][X_MAX_QW];
	uint64_t pub[X_MAX_ENTRIES][4][2]; /* values the plan published whole (context only) */
	unsigned n_pub[X_MAX_ENTRIES];
	uint16_t sid[X_MAX_ENTRIES];
	uint64_t pa[X_MAX_ENTRIES];
	uint64_t values[X_MAX_VALUES][2]; /* chunk values */
	unsigned n_values;
	/* BFS */
	struct xs *st;
	uint32_t *parent;
	uint16_t *label;
	size_t n, cap;
	uint32_t *hash;
	size_t hcap;
	uint64_t transitions;
	/* violation */
	bool torn, stale;
	uint64_t torn_value[X_MAX_QW];
};

static const uint64_t *mem_at(const struct explorer *x, const struct xs *s, unsigned e)
{
	return &x->mem[s->plan][((size_t)s->pc * x->cfg.entries + e) * x->nq];
}

static bool done_at(const struct explorer *x, const struct xs *s, unsigned e)
{
	return x->done[s->plan][s->pc] >> e & 1;
}

/* The index of a chunk value (cw qwords at v). */
static int value_index(struct explorer *x, const uint64_t *v)
{
	for (unsigned i = 0; i < x->n_values; i++)
		if (x->values[i][0] == v[0] && (x->cw == 1 || x->values[i][1] == v[1]))
			return (int)i;
	if (x->n_values == X_MAX_VALUES)
		return -1;
	x->values[x->n_values][0] = v[0];
	x->values[x->n_values][1] = x->cw == 1 ? 0 : v[1];
	return (int)x->n_values++;
}

static unsigned cached_get(const struct xs *s, unsigned e)
{
	return (s->cached >> (2 * e)) & 3;
}

static void cached_set(struct xs *s, unsigned e, unsigned v)
{
	s->cached = (uint16_t)((s->cached & ~(3u << (2 * e))) | (v << (2 * e)));
}

/* ---- the plan: record what the engine does ---- */

struct recorder {
	struct ioh_mem mem;
};

static ioh_status r_read(void *hw, uint64_t pa, uint64_t *v)
{
	struct recorder *r = hw;

	*v = 0;
	ioh_mem_read64(&r->mem, pa, v);
	return IOH_OK;
}

static ioh_status r_write(void *hw, uint64_t pa, uint64_t v)
{
	struct recorder *r = hw;

	return ioh_mem_write64(&r->mem, pa, v) ? IOH_ERR_NOMEM : IOH_OK;
}

static ioh_status r_nop(void *hw)
{
	(void)hw;
	return IOH_OK;
}

static ioh_status r_flush(void *hw, uint64_t pa)
{
	(void)hw;
	(void)pa;
	return IOH_OK;
}

static ioh_status r_alloc(void *hw, uint64_t *pa)
{
	struct recorder *r = hw;

	return ioh_mem_alloc(&r->mem, pa) ? IOH_ERR_NOMEM : IOH_OK;
}

static ioh_status r_root(void *hw, uint64_t v)
{
	(void)hw;
	(void)v;
	return IOH_OK;
}

static ioh_status r_cc(void *hw, enum ioh_inv_gran g, uint16_t did, uint16_t sid)
{
	(void)hw;
	(void)g;
	(void)did;
	(void)sid;
	return IOH_OK;
}

static ioh_status r_pc(void *hw, enum ioh_inv_gran g, uint16_t did, uint32_t pasid)
{
	(void)hw;
	(void)g;
	(void)did;
	(void)pasid;
	return IOH_OK;
}

static ioh_status r_iotlb(void *hw, enum ioh_inv_gran g, uint16_t did, bool dr, bool dw)
{
	(void)hw;
	(void)g;
	(void)did;
	(void)dr;
	(void)dw;
	return IOH_OK;
}

static ioh_status r_devtlb(void *hw, uint16_t sid)
{
	(void)hw;
	(void)sid;
	return IOH_OK;
}

static const struct ioh_hw_ops recorder_ops = {
	.read64 = r_read,
	.write64 = r_write,
	.wmb = r_nop,
	.clflush = r_flush,
	.alloc_page = r_alloc,
	.set_root = r_root,
	.inv_context = r_cc,
	.inv_pasid = r_pc,
	.inv_iotlb = r_iotlb,
	.inv_devtlb = r_devtlb,
	.wait = r_nop,
};

static uint16_t entry_sid(unsigned i)
{
	return (uint16_t)((i + 1) << 3); /* 00:01.0, 00:02.0, ... */
}

/* The crashed kernel's tables for the small configuration. */
static ioh_status old_tables(const struct ioh_explore_cfg *cfg, struct recorder *r,
			     uint64_t *rtaddr, struct layout *lay)
{
	uint64_t root, ctx, slpt;
	bool sm = cfg->mode == IOH_VTD_SCALABLE;

	if (ioh_mem_alloc(&r->mem, &root) || ioh_mem_alloc(&r->mem, &ctx) ||
	    ioh_mem_alloc(&r->mem, &slpt) || ioh_mem_write64(&r->mem, root, ctx | 1))
		return IOH_ERR_NOMEM;
	lay->nq = 2;
	for (unsigned i = 0; i < cfg->entries; i++) {
		uint64_t q[4] = { 0 }, pa = ctx + (uint64_t)(entry_sid(i) & 0x7f) * (sm ? 32 : 16);

		if (sm) {
			struct ioh_vtd_sm_context c = { .p = true, .pasiddirptr = slpt };
			ioh_vtd_sm_context_encode(&c, q);
		} else {
			struct ioh_vtd_context c = { .p = true, .aw = 2, .did = (uint16_t)(i + 1),
						     .slptptr = slpt };
			ioh_vtd_context_encode(&c, q);
		}
		if (ioh_mem_write64(&r->mem, pa, q[0]) || ioh_mem_write64(&r->mem, pa + 8, q[1]))
			return IOH_ERR_NOMEM;
		lay->old[i][0] = q[0];
		lay->old[i][1] = q[1];
	}
	*rtaddr = root | (sm ? 1ULL << 10 : 0);
	return IOH_OK;
}

static ioh_status plan_events(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg, bool hi_first,
			      struct ioh_event **out, size_t *n, struct layout *lay)
{
	struct recorder r;
	struct ioh_handover_cfg hc = { .mode = cfg->mode, .strategy = cfg->strategy,
				       .zero_hi_first = hi_first, .setup_drain = cfg->setup_drain };
	struct ioh_vtd_cap cap = { .nd = 6, .sagaw = 4, .mgaw = 47, .cm = cfg->cm };
	struct ioh_vtd_ecap ecap = { .c = true, .qi = true };
	struct ioh_attach a[X_MAX_ENTRIES];
	ioh_handover *ho = NULL;
	uint64_t rt;
	size_t split;
	ioh_status st;

	hc.cap = ioh_vtd_cap_encode(&cap);
	hc.ecap = ioh_vtd_ecap_encode(&ecap);
	if (ioh_mem_init(&r.mem, 64))
		return ioh_err(ctx, IOH_ERR_NOMEM, "explore: out of memory");
	st = old_tables(cfg, &r, &rt, lay);
	if (st == IOH_OK && !(ho = ioh_handover_new(ctx, &hc, &recorder_ops, &r)))
		st = IOH_ERR_NOMEM;
	if (st == IOH_OK)
		st = ioh_handover_copy(ho, rt);
	if (st != IOH_OK)
		goto out;
	split = ioh_event_log_count(ioh_handover_events(ho));
	for (unsigned i = 0; i < cfg->entries; i++) {
		a[i] = (struct ioh_attach){ .sid = entry_sid(i), .setup = cfg->setup,
					    .did = (uint16_t)(100 + i), .aw = 2,
					    .slptptr = 0x7000000ULL + i * 0x1000, .pasid_dir = 0x7100000ULL };
		lay->pa[i] = ioh_handover_entry_addr(ho, entry_sid(i));
	}
	st = ioh_handover_attach_batch(ho, a, cfg->entries);
	if (st != IOH_OK)
		goto out;
	const struct ioh_event_log *log = ioh_handover_events(ho);
	*n = ioh_event_log_count(log) - split;
	*out = malloc((*n ? *n : 1) * sizeof(**out));
	if (!*out) {
		st = ioh_err(ctx, IOH_ERR_NOMEM, "explore: out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++)
		(*out)[i] = *ioh_event_log_get(log, split + i);
out:
	ioh_handover_free(ho);
	ioh_mem_fini(&r.mem);
	return st;
}

/* ---- PASID entries: Linux's PASID-table teardown, as a program ---- */

#define X_PASID_TABLE 0x3000000ULL
#define X_FL_ROOT 0x5000000ULL
#define X_SL_ROOT 0x6000000ULL

static uint32_t entry_pasid(unsigned i)
{
	return i + 1;
}

/* PASID i + 1 of device entry_sid(i), in domain i + 1, translating per PGTT. */
static void pasid_layout(const struct ioh_explore_cfg *cfg, struct layout *lay)
{
	unsigned pgtt = cfg->pgtt ? cfg->pgtt : IOH_VTD_PGTT_FL_ONLY;

	lay->nq = 8;
	for (unsigned i = 0; i < cfg->entries; i++) {
		struct ioh_vtd_pasid pe = { .p = true, .pgtt = pgtt, .did = (uint16_t)(i + 1),
					    .aw = 2 };

		if (pgtt == IOH_VTD_PGTT_SL_ONLY || pgtt == IOH_VTD_PGTT_NESTED)
			pe.slptptr = X_SL_ROOT + i * 0x1000ULL;
		if (pgtt == IOH_VTD_PGTT_FL_ONLY || pgtt == IOH_VTD_PGTT_NESTED) {
			pe.flptptr = X_FL_ROOT + i * 0x1000ULL;
		}
		ioh_vtd_pasid_encode(&pe, lay->old[i]);
		lay->pa[i] = X_PASID_TABLE + i * 0x1000ULL + entry_pasid(i) % 64 * 64ULL;
	}
}

struct prog {
	struct ioh_event *ev;
	size_t n, cap;
};

static void prog_add(struct prog *p, struct ioh_event ev)
{
	if (p->n == p->cap)
		return; /* sized for the longest program: cannot happen */
	ev.t = p->n;
	ev.lane = IOH_LANE_CPU;
	if (!ev.half)
		ev.half = -1;
	p->ev[p->n++] = ev;
}

static void prog_write(struct prog *p, const struct layout *lay, unsigned e, unsigned q,
		       uint64_t v)
{
	/* half: which word of its 128-bit burst; addr says which burst. */
	struct ioh_event ev = { .kind = IOH_EV_WRITE, .addr = lay->pa[e] + q * 8,
				.val = { v } };

	prog_add(p, ev);
	p->ev[p->n - 1].half = (int)(q & 1);
}

/* pasid_clear_entry(): eight 64-bit stores, qw0 first (or last, the other order). */
static void prog_zero(struct prog *p, const struct layout *lay, unsigned e, bool desc)
{
	for (unsigned k = 0; k < 8; k++)
		prog_write(p, lay, e, desc ? 7 - k : k, 0);
}

/*
 * The invalidations a present PASID entry's change needs (VT-d 6.5.3.3 as
 * Linux encodes it): PASID-selective PASID-cache, then PASID-based IOTLB for
 * first-level and pass-through entries (shown as inv-iotlb "device"), else
 * domain-selective IOTLB; each as its own submission with a wait.
 */
static void prog_flush(struct prog *p, const struct ioh_explore_cfg *cfg, unsigned e, bool wait)
{
	unsigned pgtt = cfg->pgtt ? cfg->pgtt : IOH_VTD_PGTT_FL_ONLY;
	bool pasid_based = pgtt == IOH_VTD_PGTT_FL_ONLY || pgtt == IOH_VTD_PGTT_PT;
	struct ioh_event inv = { .kind = IOH_EV_INV_PASID, .gran = IOH_INV_DEVICE,
				 .did = (uint16_t)(e + 1), .sid = entry_sid(e),
				 .addr = entry_pasid(e) };
	struct ioh_event tlb = { .kind = IOH_EV_INV_IOTLB,
				 .gran = pasid_based ? IOH_INV_DEVICE : IOH_INV_DOMAIN,
				 .did = (uint16_t)(e + 1), .addr = entry_pasid(e) };
	struct ioh_event w = { .kind = IOH_EV_WAIT };

	prog_add(p, inv);
	if (wait)
		prog_add(p, w);
	prog_add(p, tlb);
	if (wait)
		prog_add(p, w);
}

static void prog_mark(struct prog *p, const struct layout *lay, unsigned e,
		      enum ioh_event_kind k)
{
	struct ioh_event ev = { .kind = k, .sid = entry_sid(e), .addr = lay->pa[e],
				.val = { lay->old[e][0], lay->old[e][1] } };

	prog_add(p, ev);
}

static void prog_clear_p(struct prog *p, const struct layout *lay, unsigned e)
{
	struct ioh_event wmb = { .kind = IOH_EV_WMB };

	prog_write(p, lay, e, 0, lay->old[e][0] & ~1ULL);
	prog_add(p, wmb);
}

static void pasid_program(const struct ioh_explore_cfg *cfg, const struct layout *lay,
			  bool desc, struct prog *p)
{
	struct ioh_event w = { .kind = IOH_EV_WAIT };

	if (cfg->strategy == IOH_STRAT_BATCHED) {
		for (unsigned e = 0; e < cfg->entries; e++) {
			prog_mark(p, lay, e, IOH_EV_TEARDOWN);
			prog_write(p, lay, e, 0, lay->old[e][0] & ~1ULL);
		}
		prog_add(p, (struct ioh_event){ .kind = IOH_EV_WMB });
		for (unsigned e = 0; e < cfg->entries; e++)
			prog_flush(p, cfg, e, false);
		prog_add(p, w);
		for (unsigned e = 0; e < cfg->entries; e++) {
			prog_zero(p, lay, e, false);
			prog_mark(p, lay, e, IOH_EV_TEARDOWN_DONE);
		}
		return;
	}
	for (unsigned e = 0; e < cfg->entries; e++) {
		prog_mark(p, lay, e, IOH_EV_TEARDOWN);
		switch (cfg->strategy) {
		case IOH_STRAT_ZERO:
		case IOH_STRAT_ZERO_LO_HI:
			prog_zero(p, lay, e, desc);
			prog_flush(p, cfg, e, true);
			break;
		case IOH_STRAT_CLEAR_P_NOWAIT:
			prog_clear_p(p, lay, e);
			prog_flush(p, cfg, e, false);
			prog_zero(p, lay, e, false);
			prog_add(p, w);
			break;
		default:
			prog_clear_p(p, lay, e);
			prog_flush(p, cfg, e, true);
			prog_zero(p, lay, e, false);
			break;
		}
		prog_mark(p, lay, e, IOH_EV_TEARDOWN_DONE);
	}
}

static ioh_status pasid_events(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg, bool desc,
			       struct ioh_event **out, size_t *n, struct layout *lay)
{
	struct prog p = { .cap = (size_t)cfg->entries * 24 + 4 };

	pasid_layout(cfg, lay);
	p.ev = calloc(p.cap, sizeof(*p.ev));
	if (!p.ev)
		return ioh_err(ctx, IOH_ERR_NOMEM, "explore: out of memory");
	pasid_program(cfg, lay, desc, &p);
	*out = p.ev;
	*n = p.n;
	return IOH_OK;
}

static ioh_status program(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg, bool second,
			  struct ioh_event **out, size_t *n, struct layout *lay)
{
	if (cfg->target == IOH_XT_PASID)
		return pasid_events(ctx, cfg, second, out, n, lay);
	return plan_events(ctx, cfg, second, out, n, lay);
}

static const char *const target_names[IOH_XT__COUNT] = { "context", "pasid" };

IOH_EXPORT const char *ioh_explore_target_name(enum ioh_explore_target t)
{
	return (unsigned)t < IOH_XT__COUNT ? target_names[t] : "unknown";
}

IOH_EXPORT int ioh_explore_target_parse(const char *s, enum ioh_explore_target *out)
{
	for (unsigned i = 0; i < IOH_XT__COUNT; i++)
		if (s && !strcmp(s, target_names[i])) {
			*out = (enum ioh_explore_target)i;
			return 0;
		}
	return -1;
}

static const char *const pgtt_names[] = { [IOH_VTD_PGTT_FL_ONLY] = "first-level",
					  [IOH_VTD_PGTT_SL_ONLY] = "second-level",
					  [IOH_VTD_PGTT_NESTED] = "nested",
					  [IOH_VTD_PGTT_PT] = "pass-through" };

IOH_EXPORT const char *ioh_pgtt_name(unsigned pgtt)
{
	return pgtt && pgtt < IOH_ARRAY_SIZE(pgtt_names) ? pgtt_names[pgtt] : "unknown";
}

IOH_EXPORT int ioh_pgtt_parse(const char *s, unsigned *out)
{
	for (unsigned i = 1; i < IOH_ARRAY_SIZE(pgtt_names); i++)
		if (s && !strcmp(s, pgtt_names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

static ioh_status check_cfg(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg)
{
	if (cfg->entries < 1 || cfg->entries > X_MAX_ENTRIES)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: entries must be 1-%d", X_MAX_ENTRIES);
	if (cfg->agents < 1 || cfg->agents > X_MAX_AGENTS)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: agents must be 1-%d", X_MAX_AGENTS);
	if ((unsigned)cfg->order >= IOH_FETCH__COUNT || (unsigned)cfg->strategy >= IOH_STRAT__COUNT)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: unknown fetch order or strategy");
	if (cfg->mode != IOH_VTD_LEGACY && cfg->mode != IOH_VTD_SCALABLE)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: mode must be legacy or scalable");
	if ((unsigned)cfg->target >= IOH_XT__COUNT)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: unknown target %d", cfg->target);
	if (cfg->target == IOH_XT_PASID &&
	    (cfg->setup || (cfg->pgtt && !strcmp(ioh_pgtt_name(cfg->pgtt), "unknown"))))
		return ioh_err(ctx, IOH_ERR_INVALID,
			       "explore: PASID entries: set-up is not modelled, PGTT must be 1-4");
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_explore_plan(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
				       bool zero_hi_first, struct ioh_event **steps, size_t *n)
{
	struct layout lay;
	ioh_status st = check_cfg(ctx, cfg);

	*steps = NULL;
	*n = 0;
	return st != IOH_OK ? st : program(ctx, cfg, zero_hi_first, steps, n, &lay);
}

/* ---- compiling a plan to the abstract machine ---- */

static int entry_of(const struct explorer *x, const uint64_t *pa, uint64_t addr, unsigned *qw)
{
	for (unsigned e = 0; e < x->cfg.entries; e++)
		if (addr >= pa[e] && addr < pa[e] + x->nq * 8) {
			*qw = (unsigned)(addr - pa[e]) / 8;
			return (int)e;
		}
	return -1;
}

/* Which entries an invalidation drops from the cache the fetches go through. */
static int inv_mask(const struct explorer *x, const struct ioh_event *ev)
{
	unsigned mask = 0;
	bool pasid = x->cfg.target == IOH_XT_PASID;

	if (ev->kind != (pasid ? IOH_EV_INV_PASID : IOH_EV_INV_CONTEXT))
		return -1;
	for (unsigned e = 0; e < x->cfg.entries; e++) {
		bool hit;

		if (!pasid) /* the model's context cache matches device-selective by SID only */
			hit = ev->gran != IOH_INV_DEVICE || x->sid[e] == ev->sid;
		else
			hit = ev->gran == IOH_INV_GLOBAL ||
			      (ev->did == e + 1 &&
			       (ev->gran == IOH_INV_DOMAIN || ev->addr == entry_pasid(e)));
		if (hit)
			mask |= 1u << e;
	}
	return (int)mask;
}

static ioh_status compile(struct explorer *x, unsigned p, const struct ioh_event *ev, size_t n,
			  const uint64_t *pa)
{
	struct xstep *s = calloc(n + 1, sizeof(*s));
	size_t k = 0, per_pc = (size_t)x->cfg.entries * x->nq;

	if (!s)
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	x->plan[p] = s;
	for (size_t i = 0; i < n; i++) {
		struct xstep st = { .ev = &ev[i] };
		unsigned qw = 0;
		int e, mask;

		switch (ev[i].kind) {
		case IOH_EV_WRITE:
			e = entry_of(x, pa, ev[i].addr, &qw);
			if (e < 0)
				continue; /* not an entry the hardware can fetch here */
			st.op = X_WRITE;
			st.entry = (uint8_t)e;
			st.qw = (uint8_t)qw;
			st.val = ev[i].val[0];
			break;
		case IOH_EV_INV_CONTEXT:
		case IOH_EV_INV_PASID:
			mask = inv_mask(x, &ev[i]);
			if (mask < 0)
				continue;
			st.op = X_INV;
			st.mask = (uint8_t)mask;
			break;
		case IOH_EV_WAIT:
			st.op = X_WAIT;
			break;
		case IOH_EV_PUBLISH:
			e = entry_of(x, pa, ev[i].addr, &qw);
			if (e >= 0 && x->n_pub[e] < 4) {
				x->pub[e][x->n_pub[e]][0] = ev[i].val[0];
				x->pub[e][x->n_pub[e]++][1] = ev[i].val[1];
			}
			continue;
		case IOH_EV_TEARDOWN_DONE:
			e = entry_of(x, pa, ev[i].addr, &qw);
			if (e < 0)
				continue;
			st.op = X_DONE;
			st.entry = (uint8_t)e;
			break;
		default:
			continue; /* barriers, flushes, IOTLB...: nothing the abstract fetch sees */
		}
		s[k++] = st;
	}
	x->len[p] = k;
	x->mem[p] = calloc((k + 1) * per_pc, sizeof(uint64_t));
	x->done[p] = calloc(k + 1, 1);
	if (!x->mem[p] || !x->done[p])
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	for (unsigned e = 0; e < x->cfg.entries; e++)
		memcpy(&x->mem[p][e * x->nq], x->old[e], x->nq * sizeof(uint64_t));
	for (size_t pc = 0; pc < k; pc++) {
		uint64_t *cur = &x->mem[p][pc * per_pc];
		uint64_t *next = cur + per_pc;

		memcpy(next, cur, per_pc * sizeof(uint64_t));
		x->done[p][pc + 1] = x->done[p][pc];
		if (s[pc].op == X_WRITE)
			next[s[pc].entry * x->nq + s[pc].qw] = s[pc].val;
		if (s[pc].op == X_DONE)
			x->done[p][pc + 1] |= (uint8_t)(1u << s[pc].entry);
	}
	x->vidx[p] = calloc((k + 1) * per_pc / x->cw, 1);
	if (!x->vidx[p])
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	for (size_t i = 0; i < (k + 1) * per_pc; i += x->cw) {
		int v = value_index(x, &x->mem[p][i]);

		if (v < 0)
			return ioh_err(x->ctx, IOH_ERR_LIMIT, "explore: more than %d distinct values",
				       X_MAX_VALUES);
		x->vidx[p][i / x->cw] = (uint8_t)v;
	}
	return IOH_OK;
}

/* ---- transitions ---- */

struct sink {
	struct ioh_event *ev;
	size_t n, cap;
	uint64_t t;
};

static void put(struct sink *k, const struct ioh_event *ev)
{
	if (!k || k->n == k->cap)
		return;
	k->ev[k->n] = *ev;
	k->ev[k->n].t = k->t;
	k->n++;
}

static bool agent_owns(const struct explorer *x, unsigned a, unsigned e)
{
	return e % x->cfg.agents == a;
}

static void fetch_event(const struct explorer *x, struct sink *k, unsigned a, unsigned e,
			enum ioh_event_kind kind, int half, uint64_t v0, uint64_t v1)
{
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = a, .kind = kind, .half = half,
				.sid = x->sid[e], .val = { v0, v1 },
				.addr = x->pa[e] + (half == 1 ? 8 : 0) };

	put(k, &ev);
}

/* The reads of chunk c: one 64-bit word, or both words of a 128-bit burst. */
static void chunk_events(const struct explorer *x, struct sink *k, unsigned a, unsigned e,
			 unsigned c, const uint64_t *m)
{
	if (!k)
		return;
	for (unsigned w = 0; w < x->cw; w++) {
		unsigned q = c * x->cw + w;
		struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = a,
					.kind = IOH_EV_FETCH_HALF, .half = (int)(q & 1),
					.sid = x->sid[e], .val = { m[q] }, .addr = x->pa[e] + q * 8 };

		put(k, &ev);
	}
}

/* A translation with value v for entry e: judge it, cache it. */
static void use(struct explorer *x, struct xs *s, unsigned a, unsigned e, const uint64_t *v,
		bool cacheable, struct sink *k)
{
	bool is_old = !memcmp(v, x->old[e], x->nq * sizeof(uint64_t)), whole = is_old;

	for (unsigned i = 0; i < x->n_pub[e]; i++)
		whole |= v[0] == x->pub[e][i][0] && v[1] == x->pub[e][i][1];
	if ((v[0] & 1) && !whole) {
		x->torn = true;
		memcpy(x->torn_value, v, x->nq * sizeof(uint64_t));
		fetch_event(x, k, a, e, IOH_EV_TORN, -1, v[0], v[1]);
		return;
	}
	if (is_old && done_at(x, s, e)) {
		x->stale = true;
		fetch_event(x, k, a, e, IOH_EV_STALE, -1, v[0], v[1]);
		return;
	}
	if (cacheable && ((v[0] & 1) || x->cfg.cm))
		cached_set(s, e, is_old ? 1 : 2);
}

static bool cpu_enabled(const struct explorer *x, const struct xs *s)
{
	const struct xstep *st;

	if (s->pc >= x->len[s->plan])
		return false;
	st = &x->plan[s->plan][s->pc];
	if (st->op != X_WAIT)
		return true;
	for (unsigned a = 0; a < x->cfg.agents; a++)
		if ((s->ag[a] & 1) && (s->ag[a] & 4))
			return false;
	return true;
}

static void cpu_step(struct explorer *x, struct xs *s, struct sink *k)
{
	const struct xstep *st = &x->plan[s->plan][s->pc];

	if (k) {
		struct ioh_event ev = *st->ev;
		put(k, &ev);
	}
	if (st->op == X_INV) {
		for (unsigned e = 0; e < x->cfg.entries; e++) {
			if (!(st->mask >> e & 1))
				continue;
			cached_set(s, e, 0);
			for (unsigned a = 0; a < x->cfg.agents; a++)
				if ((s->ag[a] & 1) && (s->ag[a] >> 3) == e)
					s->ag[a] |= 4;
		}
	}
	s->pc++;
}

/* Reads chunk c of entry e for agent a; the fetch completes with its last chunk. */
static void read_chunk(struct explorer *x, struct xs *s, unsigned a, unsigned e, unsigned c,
		       struct sink *k)
{
	const uint64_t *m = mem_at(x, s, e);
	uint64_t v[X_MAX_QW];
	bool pre;

	chunk_events(x, k, a, e, c, m);
	if (!(s->ag[a] & 1))
		s->ag[a] = (uint8_t)(1 | e << 3);
	s->got[a] |= (uint8_t)(1u << c);
	s->val[a][c] = x->vidx[s->plan][(((size_t)s->pc * x->cfg.entries + e) * x->nq) / x->cw + c];
	if (s->got[a] != (1u << x->nchunk) - 1)
		return;
	for (unsigned i = 0; i < x->nchunk; i++)
		memcpy(&v[i * x->cw], x->values[s->val[a][i]], x->cw * sizeof(uint64_t));
	fetch_event(x, k, a, e, IOH_EV_FETCH, -1, v[0], v[1]);
	pre = s->ag[a] & 4;
	s->ag[a] = 0;
	s->got[a] = 0;
	memset(s->val[a], 0, sizeof(s->val[a]));
	use(x, s, a, e, v, !pre, k);
}

/* Applies transition `lab` (kind << 8 | agent << 4 | entry) to s. */
static void apply(struct explorer *x, struct xs *s, unsigned lab, struct sink *k)
{
	unsigned kind = lab >> 8, a = (lab >> 4) & 15, e = lab & 15;
	const uint64_t *m;

	switch (kind) {
	case L_CPU:
		cpu_step(x, s, k);
		return;
	case L_EVICT:
		cached_set(s, e, 0);
		return;
	case L_HIT:
		if (cached_get(s, e) == 1) {
			fetch_event(x, k, a, e, IOH_EV_CACHE_HIT, -1, x->old[e][0], x->old[e][1]);
			use(x, s, a, e, x->old[e], false, k);
		}
		return;
	case L_FETCH_ATOM:
		m = mem_at(x, s, e);
		fetch_event(x, k, a, e, IOH_EV_FETCH, -1, m[0], m[1]);
		use(x, s, a, e, m, true, k);
		return;
	}
	if (kind >= L_NEXT)
		read_chunk(x, s, a, s->ag[a] >> 3, kind - L_NEXT, k);
	else if (kind >= L_START)
		read_chunk(x, s, a, e, kind - L_START, k);
}

/* Chunks a fetch may read next, given those it has: the order's choice. */
static unsigned next_chunks(const struct explorer *x, unsigned got, unsigned *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < x->nchunk; i++) {
		unsigned c = x->cfg.order == IOH_FETCH_HI_LO ? x->nchunk - 1 - i : i;

		if (got >> c & 1)
			continue;
		out[n++] = c;
		if (x->cfg.order != IOH_FETCH_ANY)
			break;
	}
	return n;
}

/* All transitions enabled in s, as labels. */
static unsigned enabled(const struct explorer *x, const struct xs *s, uint16_t *out)
{
	unsigned n = 0, cs[X_MAX_CHUNKS], nc;
	enum ioh_fetch_order o = x->cfg.order;

	if (cpu_enabled(x, s))
		out[n++] = L_CPU << 8;
	for (unsigned a = 0; a < x->cfg.agents; a++) {
		if (s->ag[a] & 1) {
			nc = next_chunks(x, s->got[a], cs);
			for (unsigned i = 0; i < nc; i++)
				out[n++] = (uint16_t)((L_NEXT + cs[i]) << 8 | a << 4 | (s->ag[a] >> 3));
			continue;
		}
		for (unsigned e = 0; e < x->cfg.entries; e++) {
			if (!agent_owns(x, a, e))
				continue;
			if (cached_get(s, e) == 1) {
				/* A hit changes nothing unless it is a stale use. */
				if (done_at(x, s, e))
					out[n++] = (uint16_t)(L_HIT << 8 | a << 4 | e);
				continue;
			}
			if (cached_get(s, e))
				continue; /* cached not-present: the request faults, nothing changes */
			if (o == IOH_FETCH_ATOMIC) {
				out[n++] = (uint16_t)(L_FETCH_ATOM << 8 | a << 4 | e);
				continue;
			}
			nc = next_chunks(x, 0, cs);
			for (unsigned i = 0; i < nc; i++)
				out[n++] = (uint16_t)((L_START + cs[i]) << 8 | a << 4 | e);
		}
	}
	for (unsigned e = 0; e < x->cfg.entries; e++)
		if (cached_get(s, e))
			out[n++] = (uint16_t)(L_EVICT << 8 | e);
	return n;
}

/* ---- state set ---- */

static uint64_t hash_state(const struct xs *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const uint8_t *b = (const uint8_t *)s;

	for (size_t i = 0; i < sizeof(*s); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int grow_hash(struct explorer *x)
{
	size_t cap = x->hcap ? x->hcap * 2 : 1u << 16;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -1;
	for (size_t i = 0; i < x->n; i++) {
		size_t j = hash_state(&x->st[i]) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)(i + 1);
	}
	free(x->hash);
	x->hash = h;
	x->hcap = cap;
	return 0;
}

/* Adds s if new: returns its index, -1 if seen, -2 out of memory/limit. */
static long add_state(struct explorer *x, const struct xs *s, uint32_t parent, uint16_t lab,
		      uint64_t max)
{
	size_t j;

	if ((x->n + 1) * 2 > x->hcap && grow_hash(x))
		return -2;
	for (j = hash_state(s) & (x->hcap - 1); x->hash[j]; j = (j + 1) & (x->hcap - 1))
		if (!memcmp(&x->st[x->hash[j] - 1], s, sizeof(*s)))
			return -1;
	if (x->n >= max)
		return -3;
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 1u << 15;
		struct xs *ns = realloc(x->st, nc * sizeof(*ns));
		uint32_t *np;
		uint16_t *nl;

		if (!ns)
			return -2;
		x->st = ns;
		np = realloc(x->parent, nc * sizeof(*np));
		if (!np)
			return -2;
		x->parent = np;
		nl = realloc(x->label, nc * sizeof(*nl));
		if (!nl)
			return -2;
		x->label = nl;
		x->cap = nc;
	}
	x->st[x->n] = *s;
	x->parent[x->n] = parent;
	x->label[x->n] = lab;
	x->hash[j] = (uint32_t)(x->n + 1);
	return (long)x->n++;
}

/* Replays labels from state s into events: the counterexample. */
static ioh_status replay(struct explorer *x, struct xs s, const uint16_t *labs, size_t n,
			 struct ioh_explore_result *r)
{
	struct sink k = { 0 };

	k.cap = n * 4 + 8;
	k.ev = calloc(k.cap, sizeof(*k.ev));
	if (!k.ev)
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	for (size_t d = 0; d < n; d++, k.t++)
		apply(x, &s, labs[d], &k);
	r->trace = k.ev;
	r->trace_len = k.n;
	r->depth = (unsigned)n;
	if (x->torn) {
		memcpy(r->torn_value, x->torn_value, x->nq * sizeof(uint64_t));
		r->torn_qwords = x->nq;
	}
	return IOH_OK;
}

/* Replays the path to state i (plus the violating label) into events. */
static ioh_status trace(struct explorer *x, size_t i, uint16_t last, struct ioh_explore_result *r)
{
	size_t depth = 0, j = i;
	uint16_t *labs;
	ioh_status st;

	while (x->parent[j] != UINT32_MAX) {
		depth++;
		j = x->parent[j];
	}
	labs = calloc(depth + 1, sizeof(*labs));
	if (!labs)
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	labs[depth] = last;
	for (size_t d = depth, q = i; d > 0; d--, q = x->parent[q])
		labs[d - 1] = x->label[q];
	st = replay(x, x->st[j], labs, depth + 1, r);
	free(labs);
	return st;
}

#define X_MAX_LABELS (1 + X_MAX_AGENTS * X_MAX_ENTRIES * X_MAX_CHUNKS + X_MAX_ENTRIES)

static ioh_status bfs(struct explorer *x, struct ioh_explore_result *r)
{
	uint64_t max = x->cfg.max_states ? x->cfg.max_states : X_DEFAULT_MAX_STATES;
	uint16_t labs[X_MAX_LABELS];
	size_t head = 0;
	for (unsigned p = 0; p < x->n_plans; p++) {
		struct xs s;

		memset(&s, 0, sizeof(s));
		s.plan = (uint8_t)p;
		if (add_state(x, &s, UINT32_MAX, 0, max) < 0)
			return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	}
	for (; head < x->n; head++) {
		struct xs cur = x->st[head];
		unsigned n = enabled(x, &cur, labs);

		for (unsigned i = 0; i < n; i++) {
			struct xs next = cur;
			long id;

			x->torn = x->stale = false;
			apply(x, &next, labs[i], NULL);
			x->transitions++;
			if (x->torn || x->stale) {
				r->violation = true;
				r->torn = x->torn;
				r->stale = x->stale;
				return trace(x, head, labs[i], r);
			}
			id = add_state(x, &next, (uint32_t)head, labs[i], max);
			if (id == -2)
				return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory at %zu states",
					       x->n);
			if (id == -3)
				return ioh_err(x->ctx, IOH_ERR_LIMIT,
					       "explore: more than %llu states; use fewer --entries or "
					       "--agents, or raise --max-states",
					       (unsigned long long)max);
		}
	}
	return IOH_OK;
}

static void explorer_free(struct explorer *x)
{
	for (unsigned p = 0; p < X_MAX_PLANS; p++) {
		free(x->plan[p]);
		free(x->mem[p]);
		free(x->done[p]);
		free(x->vidx[p]);
	}
	free(x->st);
	free(x->parent);
	free(x->label);
	free(x->hash);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static ioh_status explorer_init(struct explorer *x, const struct ioh_explore_cfg *cfg,
				const struct ioh_event *const *plans, const size_t *plan_len,
				unsigned n_plans, const struct layout *lay)
{
	ioh_status st = IOH_OK;

	x->cfg = *cfg;
	x->n_plans = n_plans;
	x->nq = lay->nq;
	x->nchunk = x->nq == 2 ? 2 : 4;
	x->cw = x->nq / x->nchunk;
	for (unsigned e = 0; e < cfg->entries; e++) {
		memcpy(x->old[e], lay->old[e], sizeof(x->old[e]));
		x->sid[e] = entry_sid(e);
		x->pa[e] = lay->pa[e];
	}
	for (unsigned p = 0; p < n_plans && st == IOH_OK; p++)
		st = compile(x, p, plans[p], plan_len[p], lay->pa);
	return st;
}

static ioh_status explore(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
			  const struct ioh_event *const *plans, const size_t *plan_len,
			  unsigned n_plans, const struct layout *lay, struct ioh_explore_result *r)
{
	struct explorer x = { .ctx = ctx };
	double t0 = now();
	ioh_status st = explorer_init(&x, cfg, plans, plan_len, n_plans, lay);

	if (st == IOH_OK)
		st = bfs(&x, r);
	r->states = x.n;
	r->transitions = x.transitions;
	r->seconds = now() - t0;
	explorer_free(&x);
	return st;
}

IOH_EXPORT ioh_status ioh_explore_steps(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
					const struct ioh_event *const *plans, const size_t *plan_len,
					unsigned n_plans, struct ioh_explore_result *res)
{
	struct layout lay;
	struct ioh_event *ev = NULL;
	size_t n;
	ioh_status st;

	memset(res, 0, sizeof(*res));
	st = check_cfg(ctx, cfg);
	if (st != IOH_OK)
		return st;
	if (!n_plans || n_plans > X_MAX_PLANS)
		return ioh_err(ctx, IOH_ERR_INVALID, "explore: 1-%d plans", X_MAX_PLANS);
	/* The layout (entry addresses, copied values) is the one the program used. */
	st = program(ctx, cfg, false, &ev, &n, &lay);
	free(ev);
	if (st != IOH_OK)
		return st;
	return explore(ctx, cfg, plans, plan_len, n_plans, &lay, res);
}

/* "zero": the compiler may emit the stores in either order, so both are checked. */
static ioh_status programs(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
			   struct ioh_event **ev, size_t *len, unsigned *np, struct layout *lay)
{
	ioh_status st = IOH_OK;

	*np = cfg->strategy == IOH_STRAT_ZERO ? 2 : 1;
	for (unsigned p = 0; p < *np && st == IOH_OK; p++)
		st = program(ctx, cfg, p == 1, &ev[p], &len[p], lay);
	return st;
}

static void what(ioh_ctx *ctx, ioh_status st, const struct ioh_explore_cfg *cfg)
{
	if (st != IOH_OK)
		ioh_err_wrap(ctx, st, "%s%s, %s, %u entries, %u agents",
			     cfg->target == IOH_XT_PASID ? "PASID entries, " : "",
			     ioh_strategy_name(cfg->strategy), ioh_fetch_order_name(cfg->order),
			     cfg->entries, cfg->agents);
}

IOH_EXPORT ioh_status ioh_explore(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
				  struct ioh_explore_result *res)
{
	struct layout lay;
	struct ioh_event *ev[X_MAX_PLANS] = { NULL };
	size_t len[X_MAX_PLANS];
	unsigned np = 0;
	ioh_status st;

	memset(res, 0, sizeof(*res));
	st = check_cfg(ctx, cfg);
	if (st != IOH_OK)
		return st;
	st = programs(ctx, cfg, ev, len, &np, &lay);
	if (st == IOH_OK)
		st = explore(ctx, cfg, (const struct ioh_event *const *)ev, len, np, &lay, res);
	for (unsigned p = 0; p < X_MAX_PLANS; p++)
		free(ev[p]);
	what(ctx, st, cfg);
	return st;
}

/* ---- seeded random walks ---- */

static bool walk_over(const struct explorer *x, const struct xs *s)
{
	if (s->pc < x->len[s->plan])
		return false;
	for (unsigned a = 0; a < x->cfg.agents; a++)
		if (s->ag[a] & 1)
			return false;
	return true;
}

/* One walk from the start of plan p; labels kept in labs for a replay. */
static bool walk(struct explorer *x, unsigned p, uint64_t *rng, uint16_t *labs, size_t *n)
{
	uint16_t en[X_MAX_LABELS];
	struct xs s;
	unsigned tail = 0;

	memset(&s, 0, sizeof(s));
	s.plan = (uint8_t)p;
	for (*n = 0; *n < X_WALK_MAX_STEPS && tail < X_WALK_TAIL; (*n)++) {
		unsigned k = enabled(x, &s, en);

		if (!k)
			break;
		labs[*n] = en[ioh_rng_below(rng, k)];
		x->torn = x->stale = false;
		apply(x, &s, labs[*n], NULL);
		x->transitions++;
		if (x->torn || x->stale) {
			(*n)++;
			return true;
		}
		tail += walk_over(x, &s);
	}
	return false;
}

static ioh_status walks(struct explorer *x, uint64_t seed, uint64_t count,
			struct ioh_explore_result *r)
{
	uint16_t *labs = malloc(X_WALK_MAX_STEPS * sizeof(*labs));
	uint64_t rng = seed ^ 0x3a1c5eedULL;
	ioh_status st = IOH_OK;

	if (!labs)
		return ioh_err(x->ctx, IOH_ERR_NOMEM, "explore: out of memory");
	for (uint64_t w = 0; w < count && st == IOH_OK; w++) {
		unsigned p = (unsigned)(w % x->n_plans);
		size_t n;

		r->walks++;
		if (!walk(x, p, &rng, labs, &n))
			continue;
		r->violating_walks++;
		if (r->violation)
			continue;
		r->violation = true;
		r->torn = x->torn;
		r->stale = x->stale;
		struct xs s0;
		memset(&s0, 0, sizeof(s0));
		s0.plan = (uint8_t)p;
		st = replay(x, s0, labs, n, r);
	}
	free(labs);
	return st;
}

IOH_EXPORT ioh_status ioh_explore_random(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
					 uint64_t seed, uint64_t count,
					 struct ioh_explore_result *res)
{
	struct layout lay;
	struct ioh_event *ev[X_MAX_PLANS] = { NULL };
	size_t len[X_MAX_PLANS];
	unsigned np = 0;
	struct explorer x = { .ctx = ctx };
	double t0 = now();
	ioh_status st;

	memset(res, 0, sizeof(*res));
	st = check_cfg(ctx, cfg);
	if (st == IOH_OK && (!count || count > (1ULL << 32)))
		st = ioh_err(ctx, IOH_ERR_INVALID, "explore: 1 to 2^32 random walks");
	if (st == IOH_OK)
		st = programs(ctx, cfg, ev, len, &np, &lay);
	if (st == IOH_OK)
		st = explorer_init(&x, cfg, (const struct ioh_event *const *)ev, len, np, &lay);
	if (st == IOH_OK)
		st = walks(&x, seed, count, res);
	res->transitions = x.transitions;
	res->states = x.transitions;
	res->seconds = now() - t0;
	explorer_free(&x);
	for (unsigned p = 0; p < X_MAX_PLANS; p++)
		free(ev[p]);
	what(ctx, st, cfg);
	return st;
}

IOH_EXPORT void ioh_explore_result_free(struct ioh_explore_result *res)
{
	free(res->trace);
	res->trace = NULL;
	res->trace_len = 0;
}
