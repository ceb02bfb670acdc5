/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handover engine: copy step, then per-device (or batched) takeover of
 * copied context entries. Orders follow VT-d 6.5.3.3 as Linux encodes it
 * (docs/scenario-format.md and /work/shared/VTD.md 2.4-2.9 have the sources).
 */
#include <stdlib.h>

#include <ioh/handover.h>

#include "handover-internal.h"
#include "internal.h"

#define SID_BITS 65536u
#define CONTEXT_P 1ULL
#define RTADDR_SMT (1ULL << 10)

struct ioh_handover {
	ioh_ctx *ctx;
	struct ioh_handover_cfg cfg;
	const struct ioh_hw_ops *ops;
	void *hw;
	struct ioh_vtd_cap cap;
	struct ioh_vtd_ecap ecap;
	uint64_t root;		/* the capture kernel's root table */
	uint64_t tbl[512];	/* its context tables: legacy [bus], scalable [bus*2 + upper] */
	uint8_t copied[SID_BITS / 8];
	uint8_t did_reserved[SID_BITS / 8];
	struct ioh_event_log *log;
	struct ioh_handover_stats st;
	uint64_t t;
};

static const char *const strategy_names[IOH_STRAT__COUNT] = {
	[IOH_STRAT_PRESENT_FIRST] = "present-first",
	[IOH_STRAT_BATCHED] = "batched",
	[IOH_STRAT_ZERO] = "zero",
	[IOH_STRAT_ZERO_LO_HI] = "zero-lo-hi",
	[IOH_STRAT_CLEAR_P_NOWAIT] = "clear-p-nowait",
};

IOH_EXPORT const char *ioh_strategy_name(enum ioh_strategy s)
{
	return (unsigned)s < IOH_STRAT__COUNT ? strategy_names[s] : "unknown";
}

IOH_EXPORT int ioh_strategy_parse(const char *s, enum ioh_strategy *out)
{
	for (unsigned i = 0; i < IOH_STRAT__COUNT; i++)
		if (s && !strcmp(s, strategy_names[i])) {
			*out = (enum ioh_strategy)i;
			return 0;
		}
	return -1;
}

IOH_EXPORT bool ioh_strategy_is_safe(enum ioh_strategy s)
{
	return s == IOH_STRAT_PRESENT_FIRST || s == IOH_STRAT_BATCHED;
}

static bool bit_get(const uint8_t *b, unsigned i)
{
	return b[i / 8] >> (i % 8) & 1;
}

static void bit_set(uint8_t *b, unsigned i, bool v)
{
	if (v)
		b[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		b[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static void emit(ioh_handover *ho, struct ioh_event *ev)
{
	ev->t = ho->t++;
	ev->lane = IOH_LANE_CPU;
	ev->lane_id = ho->cfg.index;
	ioh_event_log_add(ho->log, ev);
	if (ho->ops->note)
		ho->ops->note(ho->hw, ev);
}

static void mark(ioh_handover *ho, enum ioh_event_kind k, uint16_t sid, uint64_t addr,
		 const uint64_t v[2])
{
	struct ioh_event ev = { .kind = k, .half = -1, .sid = sid, .addr = addr };

	if (v) {
		ev.val[0] = v[0];
		ev.val[1] = v[1];
	}
	emit(ho, &ev);
}

/* ---- each hardware op: event first (it happens at that step), then the op ---- */

static ioh_status hw_write(ioh_handover *ho, uint64_t pa, int half, uint64_t v)
{
	struct ioh_event ev = { .kind = IOH_EV_WRITE, .half = half, .addr = pa, .val = { v } };

	emit(ho, &ev);
	ho->st.writes++;
	return ho->ops->write64(ho->hw, pa, v);
}

static ioh_status hw_wmb(ioh_handover *ho)
{
	struct ioh_event ev = { .kind = IOH_EV_WMB, .half = -1 };

	emit(ho, &ev);
	ho->st.barriers++;
	return ho->ops->wmb(ho->hw);
}

/* Non-coherent page walks (ECAP.C = 0) do not snoop the CPU cache. */
static ioh_status hw_flush(ioh_handover *ho, uint64_t pa)
{
	struct ioh_event ev = { .kind = IOH_EV_CLFLUSH, .half = -1, .addr = pa };

	if (ho->ecap.c)
		return IOH_OK;
	emit(ho, &ev);
	ho->st.flushes++;
	return ho->ops->clflush(ho->hw, pa);
}

static ioh_status hw_inv_context(ioh_handover *ho, enum ioh_inv_gran g, uint16_t did, uint16_t sid)
{
	struct ioh_event ev = { .kind = IOH_EV_INV_CONTEXT, .half = -1, .gran = (uint8_t)g,
				.did = did, .sid = sid };

	emit(ho, &ev);
	ho->st.invalidations++;
	return ho->ops->inv_context(ho->hw, g, did, sid);
}

static ioh_status hw_inv_pasid(ioh_handover *ho, enum ioh_inv_gran g, uint16_t did)
{
	struct ioh_event ev = { .kind = IOH_EV_INV_PASID, .half = -1, .gran = (uint8_t)g, .did = did };

	emit(ho, &ev);
	ho->st.invalidations++;
	return ho->ops->inv_pasid(ho->hw, g, did, 0);
}

/* Drain bits are set when the hardware has them, as the spec recommends. */
static ioh_status hw_inv_iotlb(ioh_handover *ho, enum ioh_inv_gran g, uint16_t did)
{
	struct ioh_event ev = { .kind = IOH_EV_INV_IOTLB, .half = -1, .gran = (uint8_t)g, .did = did,
				.val = { (ho->cap.drd ? 1u : 0u) | (ho->cap.dwd ? 2u : 0u) } };

	emit(ho, &ev);
	ho->st.invalidations++;
	return ho->ops->inv_iotlb(ho->hw, g, did, ho->cap.drd, ho->cap.dwd);
}

static ioh_status hw_inv_devtlb(ioh_handover *ho, uint16_t sid)
{
	struct ioh_event ev = { .kind = IOH_EV_INV_DEVTLB, .half = -1, .sid = sid };

	emit(ho, &ev);
	ho->st.invalidations++;
	return ho->ops->inv_devtlb(ho->hw, sid);
}

static ioh_status hw_wait(ioh_handover *ho)
{
	struct ioh_event ev = { .kind = IOH_EV_WAIT, .half = -1 };
	ioh_status st;

	emit(ho, &ev);
	ho->st.waits++;
	st = ho->ops->wait(ho->hw);
	if (st == IOH_OK) {
		ev.kind = IOH_EV_WAIT_DONE;
		emit(ho, &ev);
	}
	return st;
}

/* ---- object ---- */

IOH_EXPORT ioh_handover *ioh_handover_new(ioh_ctx *ctx, const struct ioh_handover_cfg *cfg,
					  const struct ioh_hw_ops *ops, void *hw)
{
	ioh_handover *ho;

	if (!cfg || !ops || !ops->read64 || !ops->write64 || !ops->wmb || !ops->clflush ||
	    !ops->alloc_page || !ops->set_root || !ops->inv_context || !ops->inv_pasid ||
	    !ops->inv_iotlb || !ops->inv_devtlb || !ops->wait) {
		ioh_err(ctx, IOH_ERR_INVALID, "handover: incomplete hardware ops");
		return NULL;
	}
	if (cfg->mode != IOH_VTD_LEGACY && cfg->mode != IOH_VTD_SCALABLE) {
		ioh_err(ctx, IOH_ERR_INVALID, "handover: mode must be legacy or scalable");
		return NULL;
	}
	if ((unsigned)cfg->strategy >= IOH_STRAT__COUNT) {
		ioh_err(ctx, IOH_ERR_INVALID, "handover: unknown strategy %d", cfg->strategy);
		return NULL;
	}
	ho = calloc(1, sizeof(*ho));
	if (!ho || !(ho->log = ioh_event_log_new(cfg->max_events))) {
		free(ho);
		ioh_err(ctx, IOH_ERR_NOMEM, "handover: out of memory");
		return NULL;
	}
	ho->ctx = ctx;
	ho->cfg = *cfg;
	ho->ops = ops;
	ho->hw = hw;
	ioh_vtd_cap_decode(cfg->cap, &ho->cap);
	ioh_vtd_ecap_decode(cfg->ecap, &ho->ecap);
	return ho;
}

IOH_EXPORT void ioh_handover_free(ioh_handover *ho)
{
	if (!ho)
		return;
	ioh_event_log_free(ho->log);
	free(ho);
}

IOH_EXPORT bool ioh_handover_is_copied(const ioh_handover *ho, uint16_t sid)
{
	return bit_get(ho->copied, sid);
}

IOH_EXPORT bool ioh_handover_did_reserved(const ioh_handover *ho, uint16_t did)
{
	return bit_get(ho->did_reserved, did);
}

IOH_EXPORT uint64_t ioh_handover_root(const ioh_handover *ho)
{
	return ho->root;
}

IOH_EXPORT void ioh_handover_stats(const ioh_handover *ho, struct ioh_handover_stats *st)
{
	*st = ho->st;
}

IOH_EXPORT const struct ioh_event_log *ioh_handover_events(const ioh_handover *ho)
{
	return ho->log;
}

static bool scalable(const ioh_handover *ho)
{
	return ho->cfg.mode == IOH_VTD_SCALABLE;
}

IOH_EXPORT uint64_t ioh_handover_entry_addr(const ioh_handover *ho, uint16_t sid)
{
	unsigned bus = sid >> 8, devfn = sid & 0xff;

	if (!scalable(ho))
		return ho->tbl[bus] ? ho->tbl[bus] + devfn * 16u : 0;
	unsigned i = bus * 2 + (devfn >= 0x80);
	return ho->tbl[i] ? ho->tbl[i] + (devfn & 0x7f) * 32u : 0;
}

/* ---- the copy step ---- */

static ioh_status read_entry(ioh_handover *ho, uint64_t pa, uint64_t q[2])
{
	IOH_TRY(ho->ops->read64(ho->hw, pa, &q[0]));
	return ho->ops->read64(ho->hw, pa + 8, &q[1]);
}

/* Copies one old context table page; returns the new page (0 if nothing present). */
static ioh_status copy_table(ioh_handover *ho, uint64_t old, unsigned bus, unsigned devfn0,
			     uint64_t *out)
{
	unsigned esz = scalable(ho) ? 32 : 16, n = IOH_VTD_TABLE_SIZE / esz;
	uint64_t page = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t q[2], pa = old + (uint64_t)i * esz;
		uint16_t sid = (uint16_t)(bus << 8 | (devfn0 + i));
		unsigned ndoms = ioh_vtd_cap_ndoms(&ho->cap);

		if (read_entry(ho, pa, q) != IOH_OK)
			return ioh_err_wrap(ho->ctx, IOH_ERR_NODATA, "context table 0x%llx: entry %u",
					    (unsigned long long)old, i);
		if (!(q[0] & CONTEXT_P))
			continue;
		if (!page)
			IOH_TRY(ho->ops->alloc_page(ho->hw, &page));
		/* Only qw0/qw1 of a scalable entry: qw2/qw3 are reserved zero. */
		IOH_TRY(hw_write(ho, page + (uint64_t)i * esz, 0, q[0]));
		IOH_TRY(hw_write(ho, page + (uint64_t)i * esz + 8, 1, q[1]));
		bit_set(ho->copied, sid, true);
		if (!scalable(ho)) {
			struct ioh_vtd_context c;

			ioh_vtd_context_decode(q, &c);
			if (c.did < ndoms)
				bit_set(ho->did_reserved, c.did, true);
		}
		ho->st.copied++;
		struct ioh_event ev = { .kind = IOH_EV_COPIED, .half = -1, .sid = sid,
					.addr = page + (uint64_t)i * esz, .val = { q[0], q[1] } };
		if (!scalable(ho))
			ev.did = (uint16_t)ioh_bits(q[1], 23, 8);
		emit(ho, &ev);
	}
	*out = page;
	return IOH_OK;
}

static ioh_status copy_bus(ioh_handover *ho, uint64_t old_rt, unsigned bus)
{
	uint64_t q[2];
	struct ioh_vtd_root r;

	IOH_TRY(read_entry(ho, old_rt + bus * 16u, q));
	ioh_vtd_root_decode(q, ho->cfg.mode, &r);
	if (r.p) {
		IOH_TRY(copy_table(ho, r.ctp, bus, 0, &ho->tbl[scalable(ho) ? bus * 2 : bus]));
	}
	if (scalable(ho) && r.up) {
		IOH_TRY(copy_table(ho, r.uctp, bus, 0x80, &ho->tbl[bus * 2 + 1]));
	}
	return IOH_OK;
}

static ioh_status write_root(ioh_handover *ho)
{
	for (unsigned bus = 0; bus < 256; bus++) {
		struct ioh_vtd_root r = { 0 };
		uint64_t q[2];

		if (scalable(ho)) {
			r.p = ho->tbl[bus * 2] != 0;
			r.ctp = ho->tbl[bus * 2];
			r.up = ho->tbl[bus * 2 + 1] != 0;
			r.uctp = ho->tbl[bus * 2 + 1];
		} else {
			r.p = ho->tbl[bus] != 0;
			r.ctp = ho->tbl[bus];
		}
		if (!r.p && !r.up)
			continue;
		ioh_vtd_root_encode(&r, ho->cfg.mode, q);
		IOH_TRY(hw_write(ho, ho->root + bus * 16u, 0, q[0]));
		IOH_TRY(hw_write(ho, ho->root + bus * 16u + 8, 1, q[1]));
	}
	for (unsigned off = 0; off < IOH_VTD_TABLE_SIZE; off += 64)
		IOH_TRY(hw_flush(ho, ho->root + off));
	return IOH_OK;
}

static ioh_status global_invalidate(ioh_handover *ho)
{
	IOH_TRY(hw_inv_context(ho, IOH_INV_GLOBAL, 0, 0));
	if (scalable(ho))
		IOH_TRY(hw_inv_pasid(ho, IOH_INV_GLOBAL, 0));
	IOH_TRY(hw_inv_iotlb(ho, IOH_INV_GLOBAL, 0));
	return hw_wait(ho);
}

IOH_EXPORT ioh_status ioh_handover_copy(ioh_handover *ho, uint64_t old_rtaddr)
{
	struct ioh_vtd_rtaddr ra;
	uint64_t rt;
	ioh_status st;

	if (ho->root)
		return ioh_err(ho->ctx, IOH_ERR_INVALID, "copy: already done on this IOMMU");
	ioh_vtd_rtaddr_decode(old_rtaddr, &ra);
	/* The table type can only change with translation off: refuse, as Linux does. */
	if (ra.ttm != ho->cfg.mode)
		return ioh_err(ho->ctx, IOH_ERR_INVALID,
			       "copy: old RTADDR 0x%llx is %s mode, capture kernel wants %s",
			       (unsigned long long)old_rtaddr, ioh_vtd_mode_name(ra.ttm),
			       ioh_vtd_mode_name(ho->cfg.mode));
	if (!ra.rta)
		return ioh_err(ho->ctx, IOH_ERR_CORRUPT, "copy: old root table address is 0");
	rt = ra.rta;
	st = ho->ops->alloc_page(ho->hw, &ho->root);
	if (st != IOH_OK)
		return ioh_err_wrap(ho->ctx, st, "copy: root table");
	for (unsigned bus = 0; bus < 256; bus++) {
		st = copy_bus(ho, rt, bus);
		if (st != IOH_OK)
			return ioh_err_wrap(ho->ctx, st, "copy: root 0x%llx: bus %u",
					    (unsigned long long)rt, bus);
	}
	for (unsigned i = 0; i < 512; i++)
		for (unsigned off = 0; ho->tbl[i] && off < IOH_VTD_TABLE_SIZE; off += 64)
			IOH_TRY(hw_flush(ho, ho->tbl[i] + off));
	IOH_TRY(write_root(ho));
	uint64_t nr = ho->root | (scalable(ho) ? RTADDR_SMT : 0);
	struct ioh_event ev = { .kind = IOH_EV_SRTP, .half = -1, .val = { nr } };
	emit(ho, &ev);
	st = ho->ops->set_root(ho->hw, nr);
	if (st != IOH_OK)
		return ioh_err_wrap(ho->ctx, st, "copy: set root table pointer");
	/* ESRTPS hardware invalidates every translation cache as part of SRTP. */
	if (!ho->cap.esrtps) {
		st = global_invalidate(ho);
		if (st != IOH_OK)
			return ioh_err_wrap(ho->ctx, st, "copy: global invalidation");
	}
	return IOH_OK;
}

/* ---- teardown of one copied entry ---- */

struct entry {
	uint16_t sid;
	bool ats;
	uint64_t pa;
	uint64_t old[2];
	uint16_t old_did; /* legacy: from the entry; scalable: 0, the DID field is ignored */
};

/*
 * A bus the crashed kernel never used has no context table: give it one.
 * The root entry goes from not present to present, so P is written last.
 */
static ioh_status new_table(ioh_handover *ho, uint16_t sid)
{
	unsigned bus = sid >> 8, upper = (sid & 0xff) >= 0x80;
	unsigned i = scalable(ho) ? bus * 2 + upper : bus;
	uint64_t page, q[2];
	struct ioh_vtd_root r = { 0 };

	IOH_TRY(ho->ops->alloc_page(ho->hw, &page));
	ho->tbl[i] = page;
	IOH_TRY(ho->ops->read64(ho->hw, ho->root + bus * 16u, &q[0]));
	IOH_TRY(ho->ops->read64(ho->hw, ho->root + bus * 16u + 8, &q[1]));
	ioh_vtd_root_decode(q, ho->cfg.mode, &r);
	if (scalable(ho) && upper) {
		r.up = true;
		r.uctp = page;
	} else {
		r.p = true;
		r.ctp = page;
	}
	ioh_vtd_root_encode(&r, ho->cfg.mode, q);
	if (scalable(ho) && upper)
		IOH_TRY(hw_write(ho, ho->root + bus * 16u + 8, 1, q[1]));
	else
		IOH_TRY(hw_write(ho, ho->root + bus * 16u, 0, q[0]));
	IOH_TRY(hw_flush(ho, ho->root + bus * 16u));
	/* Caching-mode hardware may hold the not-present root entry. */
	if (ho->cap.cm) {
		IOH_TRY(hw_inv_context(ho, IOH_INV_GLOBAL, 0, 0));
		IOH_TRY(hw_wait(ho));
	}
	return IOH_OK;
}

static ioh_status load_entry(ioh_handover *ho, uint16_t sid, bool ats, struct entry *e)
{
	e->sid = sid;
	e->ats = ats;
	if (!ho->root)
		return ioh_err(ho->ctx, IOH_ERR_INVALID, "no root table yet: run the copy step first");
	e->pa = ioh_handover_entry_addr(ho, sid);
	if (!e->pa) {
		IOH_TRY(new_table(ho, sid));
		e->pa = ioh_handover_entry_addr(ho, sid);
	}
	IOH_TRY(read_entry(ho, e->pa, e->old));
	e->old_did = 0;
	if (!scalable(ho)) {
		struct ioh_vtd_context c;

		ioh_vtd_context_decode(e->old, &c);
		e->old_did = c.did;
	}
	return IOH_OK;
}

/* The invalidations a present context entry's removal needs (6.5.3.3). */
static ioh_status device_invalidate(ioh_handover *ho, const struct entry *e)
{
	IOH_TRY(hw_inv_context(ho, IOH_INV_DEVICE, e->old_did, e->sid));
	if (scalable(ho)) {
		/* Which DIDs/PASIDs the copied tables used is unknown: global. */
		IOH_TRY(hw_inv_pasid(ho, IOH_INV_GLOBAL, 0));
		IOH_TRY(hw_inv_iotlb(ho, IOH_INV_GLOBAL, 0));
	} else {
		IOH_TRY(hw_inv_iotlb(ho, IOH_INV_DOMAIN, e->old_did));
	}
	if (e->ats)
		IOH_TRY(hw_inv_devtlb(ho, e->sid));
	return IOH_OK;
}

static ioh_status zero_entry(ioh_handover *ho, const struct entry *e, bool hi_first)
{
	if (hi_first) {
		IOH_TRY(hw_write(ho, e->pa + 8, 1, 0));
		IOH_TRY(hw_write(ho, e->pa, 0, 0));
	} else {
		IOH_TRY(hw_write(ho, e->pa, 0, 0));
		IOH_TRY(hw_write(ho, e->pa + 8, 1, 0));
	}
	return hw_flush(ho, e->pa);
}

static ioh_status clear_present(ioh_handover *ho, const struct entry *e)
{
	return hw_write(ho, e->pa, 0, e->old[0] & ~CONTEXT_P);
}

static void done(ioh_handover *ho, const struct entry *e)
{
	mark(ho, IOH_EV_TEARDOWN_DONE, e->sid, e->pa, NULL);
	bit_set(ho->copied, e->sid, false);
	ho->st.torn_down++;
}

static ioh_status teardown(ioh_handover *ho, const struct entry *e)
{
	mark(ho, IOH_EV_TEARDOWN, e->sid, e->pa, e->old);
	switch (ho->cfg.strategy) {
	case IOH_STRAT_PRESENT_FIRST:
	case IOH_STRAT_BATCHED:
		IOH_TRY(clear_present(ho, e));
		IOH_TRY(hw_wmb(ho));
		IOH_TRY(hw_flush(ho, e->pa));
		IOH_TRY(device_invalidate(ho, e));
		IOH_TRY(hw_wait(ho));
		IOH_TRY(zero_entry(ho, e, false));
		break;
	case IOH_STRAT_ZERO:
	case IOH_STRAT_ZERO_LO_HI:
		IOH_TRY(zero_entry(ho, e, ho->cfg.strategy == IOH_STRAT_ZERO && ho->cfg.zero_hi_first));
		IOH_TRY(device_invalidate(ho, e));
		IOH_TRY(hw_wait(ho));
		break;
	case IOH_STRAT_CLEAR_P_NOWAIT:
		IOH_TRY(clear_present(ho, e));
		IOH_TRY(hw_wmb(ho));
		IOH_TRY(hw_flush(ho, e->pa));
		IOH_TRY(device_invalidate(ho, e));
		IOH_TRY(zero_entry(ho, e, false));
		IOH_TRY(hw_wait(ho));
		break;
	default:
		return ioh_err(ho->ctx, IOH_ERR_INVALID, "unknown strategy");
	}
	done(ho, e);
	return IOH_OK;
}

/* ---- setting up the new entry ---- */

static void new_entry(ioh_handover *ho, const struct ioh_attach *a, uint64_t q[2])
{
	if (scalable(ho)) {
		struct ioh_vtd_sm_context c = { 0 };
		uint64_t q4[4];

		c.dte = a->ats;
		c.pdts = a->pdts;
		c.pasiddirptr = a->pasid_dir;
		ioh_vtd_sm_context_encode(&c, q4);
		q[0] = q4[0];
		q[1] = q4[1];
	} else {
		struct ioh_vtd_context c = { 0 };

		c.tt = a->ats ? IOH_VTD_TT_DEV_IOTLB : IOH_VTD_TT_MULTI_LEVEL;
		c.slptptr = a->slptptr;
		c.aw = a->aw;
		c.did = a->did;
		ioh_vtd_context_encode(&c, q);
	}
}

/* Every field but P, then a barrier: hardware never sees P before the rest. */
static ioh_status set_fields(ioh_handover *ho, const struct ioh_attach *a, uint64_t pa)
{
	uint64_t q[2];

	new_entry(ho, a, q);
	IOH_TRY(hw_write(ho, pa + 8, 1, q[1]));
	IOH_TRY(hw_write(ho, pa, 0, q[0]));
	return hw_wmb(ho);
}

static ioh_status set_p(ioh_handover *ho, const struct ioh_attach *a, uint64_t pa)
{
	uint64_t q[2];

	new_entry(ho, a, q);
	q[0] |= CONTEXT_P;
	/* Announced first: from the store on, this value is whole. */
	mark(ho, IOH_EV_PUBLISH, a->sid, pa, q);
	IOH_TRY(hw_write(ho, pa, 0, q[0]));
	return hw_flush(ho, pa);
}

static ioh_status set_present(ioh_handover *ho, const struct ioh_attach *a, uint64_t pa)
{
	IOH_TRY(set_fields(ho, a, pa));
	if (ho->cfg.setup_drain) {
		IOH_TRY(hw_inv_context(ho, IOH_INV_DEVICE, 0, a->sid));
		IOH_TRY(hw_wait(ho));
	}
	IOH_TRY(set_p(ho, a, pa));
	/* Caching-mode hardware may have cached the not-present entry under DID 0. */
	if (ho->cap.cm) {
		IOH_TRY(hw_inv_context(ho, IOH_INV_DEVICE, 0, a->sid));
		IOH_TRY(hw_inv_iotlb(ho, IOH_INV_DOMAIN, scalable(ho) ? 0 : a->did));
		IOH_TRY(hw_wait(ho));
	}
	return IOH_OK;
}

static ioh_status attach_one(ioh_handover *ho, const struct ioh_attach *a)
{
	struct entry e;

	IOH_TRY(load_entry(ho, a->sid, a->ats, &e));
	if (bit_get(ho->copied, a->sid))
		IOH_TRY(teardown(ho, &e));
	else if (e.old[0] & CONTEXT_P)
		return IOH_OK; /* already ours */
	return a->setup ? set_present(ho, a, e.pa) : IOH_OK;
}

IOH_EXPORT ioh_status ioh_handover_attach(ioh_handover *ho, const struct ioh_attach *a)
{
	ioh_status st = attach_one(ho, a);

	if (st != IOH_OK)
		return ioh_err_wrap(ho->ctx, st, "attach %02x:%02x.%u", a->sid >> 8,
				    (a->sid >> 3) & 0x1f, a->sid & 7);
	return IOH_OK;
}

static ioh_status batch(ioh_handover *ho, const struct ioh_attach *a, size_t n,
			struct entry *e, bool *tear)
{
	bool any = false, setup_any = false;

	for (size_t i = 0; i < n; i++) {
		IOH_TRY(load_entry(ho, a[i].sid, a[i].ats, &e[i]));
		tear[i] = bit_get(ho->copied, a[i].sid);
		if (!tear[i])
			continue;
		any = true;
		mark(ho, IOH_EV_TEARDOWN, e[i].sid, e[i].pa, e[i].old);
		IOH_TRY(clear_present(ho, &e[i]));
	}
	if (any) {
		IOH_TRY(hw_wmb(ho));
		for (size_t i = 0; i < n; i++)
			if (tear[i])
				IOH_TRY(hw_flush(ho, e[i].pa));
		IOH_TRY(hw_inv_context(ho, IOH_INV_GLOBAL, 0, 0));
		if (scalable(ho))
			IOH_TRY(hw_inv_pasid(ho, IOH_INV_GLOBAL, 0));
		IOH_TRY(hw_inv_iotlb(ho, IOH_INV_GLOBAL, 0));
		for (size_t i = 0; i < n; i++)
			if (tear[i] && e[i].ats)
				IOH_TRY(hw_inv_devtlb(ho, e[i].sid));
		IOH_TRY(hw_wait(ho));
		for (size_t i = 0; i < n; i++)
			if (tear[i]) {
				IOH_TRY(zero_entry(ho, &e[i], false));
				done(ho, &e[i]);
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (!a[i].setup || (!tear[i] && (e[i].old[0] & CONTEXT_P)))
			continue;
		IOH_TRY(set_fields(ho, &a[i], e[i].pa));
		setup_any = true;
	}
	if (setup_any && ho->cfg.setup_drain) {
		IOH_TRY(hw_inv_context(ho, IOH_INV_GLOBAL, 0, 0));
		IOH_TRY(hw_wait(ho));
	}
	for (size_t i = 0; i < n; i++)
		if (a[i].setup && (tear[i] || !(e[i].old[0] & CONTEXT_P)))
			IOH_TRY(set_p(ho, &a[i], e[i].pa));
	if (setup_any && ho->cap.cm) {
		IOH_TRY(hw_inv_context(ho, IOH_INV_GLOBAL, 0, 0));
		IOH_TRY(hw_inv_iotlb(ho, IOH_INV_GLOBAL, 0));
		IOH_TRY(hw_wait(ho));
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_handover_attach_batch(ioh_handover *ho, const struct ioh_attach *a,
						size_t n)
{
	struct entry *e;
	bool *tear;
	ioh_status st = IOH_OK;

	if (ho->cfg.strategy != IOH_STRAT_BATCHED) {
		for (size_t i = 0; i < n && st == IOH_OK; i++)
			st = ioh_handover_attach(ho, &a[i]);
		return st;
	}
	e = calloc(n ? n : 1, sizeof(*e));
	tear = calloc(n ? n : 1, sizeof(*tear));
	if (!e || !tear)
		st = ioh_err(ho->ctx, IOH_ERR_NOMEM, "batch of %zu: out of memory", n);
	else if ((st = batch(ho, a, n, e, tear)) != IOH_OK)
		ioh_err_wrap(ho->ctx, st, "batched takeover of %zu entries", n);
	free(e);
	free(tear);
	return st;
}
