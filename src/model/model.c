/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VT-d hardware model: registers, invalidation queue, caches, entry
 * fetches, translation, fault recording, DMA agents, and the ioh_hw_ops the
 * engine drives it through.
 */
#include <stdlib.h>

#include "model-internal.h"

#define HAW 46
#define QI_TYPE_CC 1
#define QI_TYPE_IOTLB 2
#define QI_TYPE_DEVTLB 3
#define QI_TYPE_WAIT 5
#define QI_TYPE_PC 7
#define QI_WAIT_SW (1ULL << 5)
#define QI_WAIT_IF (1ULL << 4)
#define ICS_IWC 1u
#define QI_TYPE_HI (7ULL << 9)
#define OP_TIMEOUT_STEPS 100000u
#define ITE_TIMEOUT_STEPS 200u /* the device-TLB invalidation time-out, in steps */
#define ITE_RESUBMITS 3u	/* the driver's resubmissions after ITE before it gives up */

static const char *const order_names[IOH_FETCH__COUNT] = { "lo-hi", "hi-lo", "any", "atomic" };

IOH_EXPORT const char *ioh_fetch_order_name(enum ioh_fetch_order o)
{
	return (unsigned)o < IOH_FETCH__COUNT ? order_names[o] : "unknown";
}

IOH_EXPORT int ioh_fetch_order_parse(const char *s, enum ioh_fetch_order *out)
{
	for (unsigned i = 0; i < IOH_FETCH__COUNT; i++)
		if (s && !strcmp(s, order_names[i])) {
			*out = (enum ioh_fetch_order)i;
			return 0;
		}
	return -1;
}

static const char *const qi_fault_names[IOH_QI__COUNT] = { "iqe", "ite", "ice" };

IOH_EXPORT const char *ioh_qi_fault_name(enum ioh_qi_fault f)
{
	return (unsigned)f < IOH_QI__COUNT ? qi_fault_names[f] : "unknown";
}

IOH_EXPORT int ioh_qi_fault_parse(const char *s, enum ioh_qi_fault *out)
{
	for (unsigned i = 0; i < IOH_QI__COUNT; i++)
		if (s && !strcmp(s, qi_fault_names[i])) {
			*out = (enum ioh_qi_fault)i;
			return 0;
		}
	return -1;
}

static bool desc_type_known(unsigned t)
{
	return t == IOH_QI_DESC_ANY || t == IOH_QI_DESC_CC || t == IOH_QI_DESC_IOTLB ||
	       t == IOH_QI_DESC_DEVTLB || t == IOH_QI_DESC_WAIT || t == IOH_QI_DESC_PC;
}

IOH_EXPORT ioh_status ioh_model_inject(ioh_model *m, const struct ioh_qi_inject *f)
{
	struct drhd *d;

	if (!f || f->iommu >= m->scn.n_iommus || (unsigned)f->fault >= IOH_QI__COUNT)
		return ioh_err(m->ctx, IOH_ERR_INVALID, "inject: unknown fault or IOMMU");
	if (!desc_type_known(f->desc) || !f->nth)
		return ioh_err(m->ctx, IOH_ERR_INVALID,
			       "inject %s: descriptor type %u unknown or nth 0 (counts from 1)",
			       ioh_qi_fault_name(f->fault), f->desc);
	/* Time-out and completion errors only exist for device-TLB invalidations. */
	if (f->fault != IOH_QI_IQE && f->desc != IOH_QI_DESC_DEVTLB &&
	    f->desc != IOH_QI_DESC_ANY)
		return ioh_err(m->ctx, IOH_ERR_INVALID,
			       "inject %s: only device-TLB invalidations time out or complete wrongly",
			       ioh_qi_fault_name(f->fault));
	d = &m->drhd[f->iommu];
	if (d->n_inj == IOH_MODEL_MAX_INJECT)
		return ioh_err(m->ctx, IOH_ERR_LIMIT, "inject: more than %d faults on %s",
			       IOH_MODEL_MAX_INJECT, d->cfg.name);
	d->inj[d->n_inj].f = *f;
	if (f->fault != IOH_QI_IQE)
		d->inj[d->n_inj].f.desc = IOH_QI_DESC_DEVTLB;
	d->inj[d->n_inj++].seen = 0;
	return IOH_OK;
}

void ioh_model_event(struct ioh_model *m, struct ioh_event *ev)
{
	ev->t = m->t;
	ioh_event_log_add(m->log, ev);
}

/* ---- slots: entries the engine writes while the hardware may fetch them ---- */

static size_t slot_hash(uint64_t pa, size_t cap)
{
	return (size_t)((pa >> 4) * 0x9e3779b97f4a7c15ULL >> 17) & (cap - 1);
}

struct slot *ioh_model_slot(struct ioh_model *m, uint64_t pa)
{
	if (!m->slot_hash_cap)
		return NULL;
	for (size_t i = slot_hash(pa, m->slot_hash_cap);; i = (i + 1) & (m->slot_hash_cap - 1)) {
		uint32_t v = m->slot_hash[i];

		if (!v)
			return NULL;
		if (m->slots[v - 1].pa == pa)
			return &m->slots[v - 1];
	}
}

static int slot_rehash(struct ioh_model *m, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -1;
	for (size_t s = 0; s < m->n_slots; s++) {
		size_t i = slot_hash(m->slots[s].pa, cap);

		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = (uint32_t)(s + 1);
	}
	free(m->slot_hash);
	m->slot_hash = h;
	m->slot_hash_cap = cap;
	return 0;
}

struct slot *ioh_model_slot_add(struct ioh_model *m, uint64_t pa)
{
	struct slot *s = ioh_model_slot(m, pa);

	if (s)
		return s;
	if (m->n_slots == m->cap_slots) {
		size_t nc = m->cap_slots ? m->cap_slots * 2 : 64;
		struct slot *ns = realloc(m->slots, nc * sizeof(*ns));

		if (!ns)
			return NULL;
		m->slots = ns;
		m->cap_slots = nc;
	}
	if ((m->n_slots + 1) * 2 > m->slot_hash_cap &&
	    slot_rehash(m, m->slot_hash_cap ? m->slot_hash_cap * 2 : 128))
		return NULL;
	s = &m->slots[m->n_slots++];
	memset(s, 0, sizeof(*s));
	s->pa = pa;
	size_t i = slot_hash(pa, m->slot_hash_cap);
	while (m->slot_hash[i])
		i = (i + 1) & (m->slot_hash_cap - 1);
	m->slot_hash[i] = (uint32_t)m->n_slots;
	return s;
}

static void slot_whole(struct slot *s, const uint64_t v[2])
{
	for (unsigned i = 0; i < s->n_whole; i++)
		if (s->whole[i][0] == v[0] && s->whole[i][1] == v[1])
			return;
	unsigned i = s->n_whole < 4 ? s->n_whole++ : 3;
	s->whole[i][0] = v[0];
	s->whole[i][1] = v[1];
}

/* ---- caches ---- */

static struct cc_ent *cc_lookup(struct drhd *d, uint16_t sid)
{
	for (unsigned i = 0; i < d->cfg.cc_size; i++)
		if (d->cc[i].valid && d->cc[i].sid == sid)
			return &d->cc[i];
	return NULL;
}

/* FIFO replacement: finite capacity means entries get evicted under load. */
static void cc_insert(struct drhd *d, uint16_t sid, uint16_t did, const uint64_t q[2])
{
	struct cc_ent *e = cc_lookup(d, sid);

	if (!e) {
		e = &d->cc[d->cc_next];
		d->cc_next = (d->cc_next + 1) % d->cfg.cc_size;
	}
	e->valid = true;
	e->sid = sid;
	e->did = did;
	e->q[0] = q[0];
	e->q[1] = q[1];
}

static void mark_pending_fetches(struct drhd *d, bool all, uint16_t sid, uint16_t mask)
{
	struct ioh_model *m = d->m;

	for (unsigned i = 0; i < m->scn.n_devices; i++) {
		struct agent *a = &m->agent[i];

		if (a->cfg.iommu != d->index || !a->f.active)
			continue;
		if (all || (ioh_bdf_sid(a->cfg.bdf) & mask) == (sid & mask))
			a->f.pre_inv = true;
	}
}

void ioh_drhd_cc_invalidate(struct drhd *d, unsigned gran, uint16_t did, uint16_t sid, unsigned fm)
{
	/* FM: how many low devfn bits the device-selective match ignores. */
	uint16_t mask = (uint16_t)(0xffff << (fm > 3 ? 3 : fm));

	for (unsigned i = 0; i < d->cfg.cc_size; i++) {
		struct cc_ent *e = &d->cc[i];

		if (!e->valid)
			continue;
		if (gran == IOH_INV_GLOBAL || (gran == IOH_INV_DOMAIN && e->did == did) ||
		    (gran == IOH_INV_DEVICE && (e->sid & mask) == (sid & mask)))
			e->valid = false;
	}
	mark_pending_fetches(d, gran != IOH_INV_DEVICE, sid, mask);
}

void ioh_drhd_pc_invalidate(struct drhd *d, unsigned gran, uint16_t did, uint32_t pasid)
{
	for (unsigned i = 0; i < d->cfg.pc_size; i++) {
		struct pc_ent *e = &d->pc[i];

		if (gran == 3 || (gran == 0 && e->did == did) ||
		    (gran == 1 && e->did == did && e->pasid == pasid))
			e->valid = false;
	}
}

void ioh_drhd_iotlb_invalidate(struct drhd *d, unsigned gran, uint16_t did)
{
	for (unsigned i = 0; i < d->cfg.iotlb_size; i++)
		if (gran == IOH_INV_GLOBAL || d->tlb[i].did == did)
			d->tlb[i].valid = false;
}

void ioh_drhd_devtlb_invalidate(struct drhd *d, uint16_t sid)
{
	struct ioh_model *m = d->m;

	for (unsigned i = 0; i < m->scn.n_devices; i++) {
		struct agent *a = &m->agent[i];

		if (a->cfg.iommu == d->index && ioh_bdf_sid(a->cfg.bdf) == sid)
			memset(a->devtlb, 0, sizeof(a->devtlb));
	}
}

static struct tlb_ent *tlb_lookup(struct drhd *d, uint16_t did, uint64_t vpn)
{
	for (unsigned i = 0; i < d->cfg.iotlb_size; i++)
		if (d->tlb[i].valid && d->tlb[i].did == did && d->tlb[i].vpn == vpn)
			return &d->tlb[i];
	return NULL;
}

static void tlb_insert(struct drhd *d, uint16_t did, uint64_t vpn, uint64_t hpa, uint8_t perm)
{
	struct tlb_ent *e = &d->tlb[d->tlb_next];

	if (!d->cfg.iotlb_size)
		return;
	d->tlb_next = (d->tlb_next + 1) % d->cfg.iotlb_size;
	*e = (struct tlb_ent){ true, did, vpn, hpa, perm };
}

IOH_EXPORT unsigned ioh_model_cc_count(const ioh_model *m, unsigned iommu)
{
	unsigned n = 0;

	for (unsigned i = 0; iommu < m->scn.n_iommus && i < m->drhd[iommu].cfg.cc_size; i++)
		n += m->drhd[iommu].cc[i].valid;
	return n;
}

IOH_EXPORT unsigned ioh_model_iotlb_count(const ioh_model *m, unsigned iommu)
{
	unsigned n = 0;

	for (unsigned i = 0; iommu < m->scn.n_iommus && i < m->drhd[iommu].cfg.iotlb_size; i++)
		n += m->drhd[iommu].tlb[i].valid;
	return n;
}

/* ---- faults ---- */

static void fault(struct drhd *d, struct agent *a, unsigned reason, uint64_t iova, bool write,
		  bool fpd)
{
	struct ioh_model *m = d->m;
	const struct ioh_fault_reason *fr = ioh_fault_reason(reason);
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = d->index, .kind = IOH_EV_FAULT,
				.half = -1, .sid = ioh_bdf_sid(a->cfg.bdf), .reason = (uint8_t)reason,
				.addr = iova };
	uint64_t *rec;

	m->last_fault = reason;
	m->sum.faults++;
	a->rep.faults++;
	a->rep.fault_by_reason[reason & 0xff]++;
	if (fr && fr->qualified && fpd) {
		m->sum.faults_fpd++;
		ev.kind = IOH_EV_FAULT_LOST;
		ev.val[0] = 2;
		ioh_model_event(m, &ev);
		return;
	}
	rec = &d->frcd[d->fri * 2];
	if ((d->fsts & IOH_VTD_FSTS_PFO) || (rec[1] >> 63 & 1)) {
		d->fsts |= IOH_VTD_FSTS_PFO;
		m->sum.faults_overflow++;
		ev.kind = IOH_EV_FAULT_LOST;
		ev.val[0] = 1;
		ioh_model_event(m, &ev);
		return;
	}
	struct ioh_vtd_frcd f = { .fi = iova & ~0xfffULL, .sid = ev.sid, .fr = (uint8_t)reason,
				  .t = !write, .f = true };
	ioh_vtd_frcd_encode(&f, rec);
	if (!(d->fsts & IOH_VTD_FSTS_PPF))
		d->fsts = (d->fsts & ~0xff00u) | (d->fri << 8);
	d->fsts |= IOH_VTD_FSTS_PPF;
	d->fri = (d->fri + 1) % d->nfr;
	m->sum.faults_recorded++;
	ioh_model_event(m, &ev);
}

/* What a capture kernel's fault handler does: read and clear every record. */
static void service_faults(struct drhd *d)
{
	for (unsigned i = 0; i < d->nfr; i++)
		d->frcd[i * 2 + 1] &= ~(1ULL << 63);
	d->fsts &= ~(IOH_VTD_FSTS_PFO | IOH_VTD_FSTS_PPF);
}

/* ---- translation ---- */

static bool sm(const struct drhd *d)
{
	return ((d->rta_live >> 10) & 3) == IOH_VTD_SCALABLE;
}

struct xlate {
	unsigned reason; /* 0 = ok */
	bool fpd;
	uint64_t hpa;
	uint16_t did;
};

/* Second-level walk. Faults: not present / no permission, bad pointer, reserved bits. */
static void sl_walk(struct drhd *d, uint64_t root, unsigned levels, uint64_t iova, bool write,
		    struct xlate *x)
{
	bool s = sm(d);
	uint64_t ptr = root;

	if (levels * 9 + 12 < 64 && (iova >> (levels * 9 + 12))) {
		x->reason = s ? 0x84 : 0x4;
		return;
	}
	for (unsigned l = levels; l >= 1; l--) {
		uint64_t pte, idx = (iova >> (12 + 9 * (l - 1))) & 511;

		if (ioh_mem_read64(&d->m->mem, ptr + idx * 8, &pte)) {
			x->reason = s ? 0x7b : 0x7;
			return;
		}
		if (!(pte & (write ? 2 : 1))) {
			x->reason = s ? 0x79 : (write ? 0x5 : 0x6);
			return;
		}
		if (ioh_bits(pte, 62, 52) || ioh_bits(pte, 51, HAW)) {
			x->reason = s ? 0x7a : 0xc;
			return;
		}
		ptr = pte & ioh_mask(HAW - 1, 12);
	}
	x->hpa = ptr | (iova & 0xfff);
}

static void translate_pages(struct drhd *d, uint16_t did, uint64_t slptptr, unsigned aw,
			    uint64_t iova, bool write, struct xlate *x)
{
	unsigned levels = ioh_vtd_aw_levels(aw);
	struct tlb_ent *t = tlb_lookup(d, did, iova >> 12);

	x->did = did;
	if (t && (t->perm & (write ? 2 : 1))) {
		x->hpa = t->hpa | (iova & 0xfff);
		return;
	}
	if (!levels || !(d->cap.sagaw & (1u << aw))) {
		x->reason = sm(d) ? 0x5b : 0x3;
		return;
	}
	sl_walk(d, slptptr, levels, iova, write, x);
	if (!x->reason)
		tlb_insert(d, did, iova >> 12, x->hpa & ~0xfffULL, write ? 3 : 1);
}

static void translate_legacy(struct drhd *d, const uint64_t ce[2], uint64_t iova, bool write,
			     struct xlate *x)
{
	struct ioh_vtd_context c;
	struct ioh_problems pr;

	ioh_vtd_context_decode(ce, &c);
	x->fpd = c.fpd;
	if (!c.p) {
		x->reason = 0x2;
		return;
	}
	ioh_problems_init(&pr);
	if (ioh_vtd_context_validate(ce, HAW, &pr)) {
		x->reason = 0xb;
		return;
	}
	if (c.tt == IOH_VTD_TT_RESERVED || (c.tt == IOH_VTD_TT_PASS_THROUGH && !d->ecap.pt)) {
		x->reason = 0x3;
		return;
	}
	if (c.tt == IOH_VTD_TT_PASS_THROUGH) {
		x->hpa = iova;
		return;
	}
	translate_pages(d, c.did, c.slptptr, c.aw, iova, write, x);
}

static struct pc_ent *pc_lookup(struct drhd *d, uint16_t sid, uint32_t pasid)
{
	for (unsigned i = 0; i < d->cfg.pc_size; i++)
		if (d->pc[i].valid && d->pc[i].sid == sid && d->pc[i].pasid == pasid)
			return &d->pc[i];
	return NULL;
}

static void translate_sm(struct drhd *d, uint16_t sid, const uint64_t ce[2], uint64_t iova,
			 bool write, struct xlate *x)
{
	uint64_t q4[4] = { ce[0], ce[1], 0, 0 }, pq[8], de;
	struct ioh_vtd_sm_context c;
	struct ioh_vtd_pasid_dir dir;
	struct ioh_vtd_pasid pe;
	struct ioh_problems pr;
	struct pc_ent *pc;

	ioh_vtd_sm_context_decode(q4, &c);
	x->fpd = c.fpd;
	if (!c.p) {
		x->reason = 0x41;
		return;
	}
	ioh_problems_init(&pr);
	if (ioh_vtd_sm_context_validate(q4, HAW, &pr)) {
		x->reason = 0x42;
		return;
	}
	pc = pc_lookup(d, sid, c.rid_pasid);
	if (pc) {
		memcpy(pq, pc->q, sizeof(pc->q));
		memset(pq + 2, 0, 6 * sizeof(uint64_t));
	} else {
		if ((c.rid_pasid >> 6) >= ioh_vtd_pdts_entries(c.pdts)) {
			x->reason = 0x46;
			return;
		}
		if (ioh_mem_read64(&d->m->mem, c.pasiddirptr + (c.rid_pasid >> 6) * 8, &de)) {
			x->reason = 0x50;
			return;
		}
		ioh_vtd_pasid_dir_decode(de, &dir);
		if (!dir.p) {
			x->fpd = x->fpd || dir.fpd;
			x->reason = 0x51;
			return;
		}
		for (unsigned i = 0; i < 8; i++)
			if (ioh_mem_read64(&d->m->mem, dir.smptblptr + (c.rid_pasid & 63) * 64 + i * 8,
					   &pq[i])) {
				x->reason = 0x58;
				return;
			}
	}
	ioh_vtd_pasid_decode(pq, &pe);
	if (!pe.p) {
		x->fpd = x->fpd || pe.fpd;
		x->reason = 0x59;
		return;
	}
	if (!pc && d->cfg.pc_size) {
		struct pc_ent *e = &d->pc[d->pc_next];

		d->pc_next = (d->pc_next + 1) % d->cfg.pc_size;
		*e = (struct pc_ent){ true, sid, c.rid_pasid, pe.did, { pq[0], pq[1] } };
	}
	if (pe.pgtt == IOH_VTD_PGTT_PT) {
		x->hpa = iova;
		x->did = pe.did;
		return;
	}
	if (pe.pgtt != IOH_VTD_PGTT_SL_ONLY) {
		x->reason = 0x5b;
		return;
	}
	translate_pages(d, pe.did, pe.slptptr, pe.aw, iova, write, x);
}

/* ---- agents and fetches ---- */

static struct drhd *agent_drhd(struct ioh_model *m, struct agent *a)
{
	return &m->drhd[a->cfg.iommu];
}

/* The address of the context entry for a request, 0 (and a fault) if the root says none. */
static uint64_t context_addr(struct drhd *d, struct agent *a, uint64_t iova, bool write)
{
	uint64_t q[2], rt = d->rta_live & ~0xfffULL;
	uint16_t sid = ioh_bdf_sid(a->cfg.bdf);
	unsigned bus = sid >> 8, devfn = sid & 0xff;
	struct ioh_vtd_root r;
	bool s = sm(d);

	if (ioh_mem_read64(&d->m->mem, rt + bus * 16u, &q[0]) ||
	    ioh_mem_read64(&d->m->mem, rt + bus * 16u + 8, &q[1])) {
		fault(d, a, s ? 0x38 : 0x8, iova, write, false);
		return 0;
	}
	ioh_vtd_root_decode(q, s ? IOH_VTD_SCALABLE : IOH_VTD_LEGACY, &r);
	if (!s) {
		if (!r.p) {
			fault(d, a, 0x1, iova, write, false);
			return 0;
		}
		return r.ctp + devfn * 16u;
	}
	if (devfn >= 0x80 ? !r.up : !r.p) {
		fault(d, a, 0x39, iova, write, false);
		return 0;
	}
	return (devfn >= 0x80 ? r.uctp : r.ctp) + (devfn & 0x7f) * 32u;
}

static struct devtlb_ent *devtlb_lookup(struct agent *a, uint64_t vpn)
{
	for (unsigned i = 0; i < DEVTLB_SIZE; i++)
		if (a->devtlb[i].valid && a->devtlb[i].vpn == vpn)
			return &a->devtlb[i];
	return NULL;
}

static void stale(struct ioh_model *m, struct drhd *d, struct agent *a, uint64_t pa,
		  const uint64_t ce[2])
{
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = d->index, .kind = IOH_EV_STALE,
				.half = -1, .sid = ioh_bdf_sid(a->cfg.bdf), .addr = pa,
				.val = { ce[0], ce[1] } };

	m->sum.stale_uses++;
	a->rep.stale_uses++;
	ioh_model_event(m, &ev);
}

/* The request continues with the context entry in hand (cached or fetched). */
static void finish(struct ioh_model *m, struct agent *a, uint64_t pa, const uint64_t ce[2],
		   uint64_t iova, bool write)
{
	struct drhd *d = agent_drhd(m, a);
	struct slot *s = ioh_model_slot(m, pa);
	struct xlate x = { 0 };
	uint16_t sid = ioh_bdf_sid(a->cfg.bdf);
	bool via_old = s && ce[0] == s->old[0] && ce[1] == s->old[1] && (ce[0] & 1);
	struct devtlb_ent *dt = a->cfg.ats ? devtlb_lookup(a, iova >> 12) : NULL;

	if (s && s->done && via_old)
		stale(m, d, a, pa, ce);
	if (sm(d))
		translate_sm(d, sid, ce, iova, write, &x);
	else
		translate_legacy(d, ce, iova, write, &x);
	if (x.reason) {
		fault(d, a, x.reason, iova, write, x.fpd);
		return;
	}
	/* A device-TLB hit is a translated request: the context only has to allow it. */
	if (dt) {
		if (dt->via_old && s && s->done)
			stale(m, d, a, pa, ce);
		x.hpa = dt->hpa | (iova & 0xfff);
	} else if (a->cfg.ats) {
		struct devtlb_ent *e = &a->devtlb[(iova >> 12) % DEVTLB_SIZE];

		*e = (struct devtlb_ent){ true, via_old, iova >> 12, x.hpa & ~0xfffULL };
	}
	m->sum.translations++;
	m->last_hpa = x.hpa;
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = d->index,
				.kind = IOH_EV_TRANSLATE, .half = -1, .sid = sid, .did = x.did,
				.addr = iova, .val = { x.hpa } };
	ioh_model_event(m, &ev);
}

static void fetch_half_event(struct ioh_model *m, struct drhd *d, struct agent *a, uint64_t pa,
			     int half, uint64_t v)
{
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = d->index,
				.kind = IOH_EV_FETCH_HALF, .half = half,
				.sid = ioh_bdf_sid(a->cfg.bdf), .addr = pa + (half ? 8 : 0),
				.val = { v } };

	ioh_model_event(m, &ev);
}

static void fetch_done(struct ioh_model *m, struct agent *a, uint64_t pa, const uint64_t ce[2],
		       bool cacheable, uint64_t iova, bool write)
{
	struct drhd *d = agent_drhd(m, a);
	struct slot *s = ioh_model_slot(m, pa);
	uint16_t sid = ioh_bdf_sid(a->cfg.bdf);
	struct ioh_event ev = { .lane = IOH_LANE_IOMMU, .lane_id = d->index, .kind = IOH_EV_FETCH,
				.half = -1, .sid = sid, .addr = pa, .val = { ce[0], ce[1] } };

	m->sum.fetches++;
	ioh_model_event(m, &ev);
	if (ioh_slot_torn(s, ce)) {
		ev.kind = IOH_EV_TORN;
		ioh_model_event(m, &ev);
		/* After the teardown completed, only the new entry's set-up can tear. */
		if (s->done) {
			m->sum.torn_setup++;
			a->rep.torn_setup++;
		} else {
			m->sum.torn_fetches++;
			a->rep.torn_fetches++;
		}
	}
	/* Caching-mode hardware may keep not-present entries too. */
	if (cacheable && d->cfg.cc_size && ((ce[0] & 1) || d->cap.cm))
		cc_insert(d, sid, sm(d) ? 0 : (uint16_t)ioh_bits(ce[1], 23, 8), ce);
	finish(m, a, pa, ce, iova, write);
}

static void dma_counts(struct ioh_model *m, struct agent *a)
{
	struct ioh_model_device *r = &a->rep;

	if (!m->crashed) {
		r->dma_before_crash++;
		return;
	}
	if (!r->dma_after_crash++)
		r->first_after_crash = m->t;
	r->last_after_crash = m->t;
	r->in_flight_dma = true;
	if (r->teardown_done_at >= 0)
		r->dma_after_teardown++;
	else if (m->copy_started)
		r->dma_during_handover++;
}

/* A request: context cache, or a fetch whose two reads may straddle CPU writes. */
static void dma_start(struct ioh_model *m, struct agent *a, uint64_t iova, bool write)
{
	struct drhd *d = agent_drhd(m, a);
	uint16_t sid = ioh_bdf_sid(a->cfg.bdf);
	struct ioh_event ev = { .lane = IOH_LANE_DEVICE, .lane_id = a->index, .kind = IOH_EV_DMA,
				.half = -1, .sid = sid, .addr = iova, .val = { write } };
	enum ioh_fetch_order o = m->scn.fetch_order;
	struct cc_ent *c;
	uint64_t pa, ce[2];

	m->sum.dma++;
	dma_counts(m, a);
	ioh_model_event(m, &ev);
	if (!(d->gsts & IOH_VTD_GCMD_TE)) {
		m->sum.translations++;
		m->last_hpa = iova; /* translation off: the address goes out untranslated */
		return;
	}
	pa = context_addr(d, a, iova, write);
	if (!pa)
		return;
	c = cc_lookup(d, sid);
	if (c) {
		struct ioh_event h = { .lane = IOH_LANE_IOMMU, .lane_id = d->index,
				       .kind = IOH_EV_CACHE_HIT, .half = -1, .sid = sid, .addr = pa,
				       .val = { c->q[0], c->q[1] } };
		ioh_model_event(m, &h);
		ce[0] = c->q[0];
		ce[1] = c->q[1];
		finish(m, a, pa, ce, iova, write);
		return;
	}
	if (o == IOH_FETCH_ATOMIC) {
		if (ioh_mem_read64(&m->mem, pa, &ce[0]) || ioh_mem_read64(&m->mem, pa + 8, &ce[1])) {
			fault(d, a, sm(d) ? 0x40 : 0x9, iova, write, false);
			return;
		}
		fetch_half_event(m, d, a, pa, -1, ce[0]);
		fetch_done(m, a, pa, ce, true, iova, write);
		return;
	}
	a->f = (struct fetch){ .active = true, .pa = pa, .iova = iova, .write = write };
	a->f.hi_first = o == IOH_FETCH_HI_LO || (o == IOH_FETCH_ANY && (ioh_rng_next(&a->rng) & 1));
	if (ioh_mem_read64(&m->mem, pa + (a->f.hi_first ? 8 : 0), &a->f.first)) {
		a->f.active = false;
		fault(d, a, sm(d) ? 0x40 : 0x9, iova, write, false);
		return;
	}
	fetch_half_event(m, d, a, pa, a->f.hi_first, a->f.first);
	a->f.due = m->t + 1 + ioh_rng_below(&a->rng, m->scn.fetch_latency ? m->scn.fetch_latency : 1);
}

static void fetch_second(struct ioh_model *m, struct agent *a)
{
	struct fetch f = a->f;
	uint64_t second, ce[2];

	a->f.active = false;
	if (ioh_mem_read64(&m->mem, f.pa + (f.hi_first ? 0 : 8), &second)) {
		fault(agent_drhd(m, a), a, sm(agent_drhd(m, a)) ? 0x40 : 0x9, f.iova, f.write, false);
		return;
	}
	fetch_half_event(m, agent_drhd(m, a), a, f.pa, !f.hi_first, second);
	ce[0] = f.hi_first ? second : f.first;
	ce[1] = f.hi_first ? f.first : second;
	fetch_done(m, a, f.pa, ce, !f.pre_inv, f.iova, f.write);
}

static bool agent_active(const struct ioh_model *m, const struct agent *a)
{
	if (!a->cfg.rate)
		return false;
	if (!m->crashed)
		return true;
	switch (a->cfg.stop) {
	case IOH_DMA_STOP_CRASH:
		return false;
	case IOH_DMA_STOP_RESET:
		return !a->attached;
	case IOH_DMA_STOP_AT:
		return m->t < a->cfg.stop_at;
	case IOH_DMA_STOP_NEVER:
		return true;
	}
	return false;
}

static void agent_step(struct ioh_model *m, struct agent *a)
{
	uint64_t period, iova;
	bool write;

	if (a->f.active) {
		if (a->f.due <= m->t)
			fetch_second(m, a);
		return;
	}
	if (!agent_active(m, a) || a->next_dma > m->t)
		return;
	period = 1000 / a->cfg.rate;
	a->next_dma = m->t + 1 + (period > 1 ? ioh_rng_below(&a->rng, period * 2) : 0);
	iova = a->cfg.iova + (ioh_rng_below(&a->rng, a->cfg.len ? a->cfg.len : 8) & ~7ULL);
	write = ioh_rng_below(&a->rng, 100) < a->cfg.write_pct;
	dma_start(m, a, iova, write);
}

static void evict_some(struct ioh_model *m);

void ioh_model_world_step(struct ioh_model *m)
{
	m->t++;
	evict_some(m);
	for (unsigned i = 0; i < m->scn.n_devices; i++)
		agent_step(m, &m->agent[i]);
	for (unsigned i = 0; i < m->scn.n_iommus; i++)
		ioh_drhd_process_queue(&m->drhd[i]);
	if (m->copy_started && m->scn.fault_service &&
	    m->t - m->last_service >= m->scn.fault_service) {
		m->last_service = m->t;
		for (unsigned i = 0; i < m->scn.n_iommus; i++)
			if (m->drhd[i].fsts & (IOH_VTD_FSTS_PPF | IOH_VTD_FSTS_PFO)) {
				struct ioh_event ev = { .lane = IOH_LANE_CPU, .lane_id = i,
							.kind = IOH_EV_FAULT_SERVICE, .half = -1 };
				service_faults(&m->drhd[i]);
				ioh_model_event(m, &ev);
			}
	}
}

IOH_EXPORT unsigned ioh_model_dma(ioh_model *m, unsigned dev, uint64_t iova, bool write,
				  uint64_t *hpa)
{
	struct agent *a;
	enum ioh_fetch_order o;
	uint64_t faults, tr;

	if (dev >= m->scn.n_devices)
		return 0xff;
	a = &m->agent[dev];
	o = m->scn.fetch_order;
	faults = a->rep.faults;
	tr = m->sum.translations;
	m->scn.fetch_order = IOH_FETCH_ATOMIC;
	dma_start(m, a, iova, write);
	m->scn.fetch_order = o;
	if (a->rep.faults != faults)
		return m->last_fault;
	if (hpa)
		*hpa = m->sum.translations != tr ? m->last_hpa : iova;
	return 0;
}

/* ---- invalidation queue ---- */

static unsigned queue_entries(const struct drhd *d)
{
	return 256u << (d->iqa & 7);
}

static bool wait_blocked(struct drhd *d)
{
	for (unsigned i = 0; i < d->m->scn.n_devices; i++) {
		const struct agent *a = &d->m->agent[i];

		if (a->cfg.iommu == d->index && a->f.active && a->f.pre_inv)
			return true;
	}
	return false;
}

/*
 * Counts the descriptor at IQH against the armed faults, once per
 * descriptor: a bit per fault (1 << enum ioh_qi_fault) that hits it.
 */
static unsigned inject_hits(struct drhd *d, unsigned type)
{
	unsigned hits = 0;

	if (d->head_counted)
		return 0;
	d->head_counted = true;
	for (unsigned i = 0; i < d->n_inj; i++) {
		struct qi_inject *q = &d->inj[i];
		uint64_t k;

		if ((q->f.desc && q->f.desc != type) || d->m->t < q->f.after)
			continue;
		k = ++q->seen;
		if (k >= q->f.nth && (!q->f.times || k - q->f.nth < q->f.times))
			hits |= 1u << q->f.fault;
	}
	return hits;
}

/* The device never answers: its device-TLB keeps what it had, the time-out starts. */
static void devtlb_unanswered(struct drhd *d, uint16_t sid)
{
	if (!d->ite_deadline)
		d->ite_deadline = d->m->t + ITE_TIMEOUT_STEPS;
	d->ite_sid = sid;
}

static bool process_one(struct drhd *d, uint64_t q0, uint64_t q1, unsigned hits)
{
	unsigned type = q0 & 0xf, gran = (q0 >> 4) & 3;
	uint16_t did = (uint16_t)(q0 >> 16);

	/* Type bits 11:9 extend the type: no such descriptor here. */
	if (q0 & QI_TYPE_HI)
		return false;
	switch (type) {
	case QI_TYPE_CC:
		if ((q0 & 0xfffc00000000ffc0ULL) || q1 || !gran)
			return false;
		ioh_drhd_cc_invalidate(d, gran, did, (uint16_t)(q0 >> 32), (q0 >> 48) & 3);
		return true;
	case QI_TYPE_IOTLB:
		if (!gran)
			return false;
		ioh_drhd_iotlb_invalidate(d, gran, did);
		return true;
	case QI_TYPE_DEVTLB:
		if (hits & 1u << IOH_QI_ICE) {
			if (!(d->fsts & IOH_VTD_FSTS_ICE))
				d->iqercd = (d->iqercd & ~(0xffffULL << 48)) | (q0 >> 32 & 0xffff) << 48;
			d->fsts |= IOH_VTD_FSTS_ICE;
			d->m->sum.qi_ice++;
		}
		if (hits & 1u << IOH_QI_ITE)
			devtlb_unanswered(d, (uint16_t)(q0 >> 32));
		else
			ioh_drhd_devtlb_invalidate(d, (uint16_t)(q0 >> 32));
		return true;
	case QI_TYPE_PC:
		if (gran == 2)
			return false;
		ioh_drhd_pc_invalidate(d, gran, did, (uint32_t)ioh_bits(q0, 51, 32));
		return true;
	case QI_TYPE_WAIT:
		if (q0 & QI_WAIT_SW) {
			if (ioh_mem_write64(&d->m->mem, q1 & ~7ULL, q0 >> 32))
				return false;
		}
		if (q0 & QI_WAIT_IF)
			d->ics |= ICS_IWC;
		return true;
	}
	return false;
}

/* IQEI: 2 the fetch failed, 3 no such descriptor type, 4 a reserved field set. */
static void queue_error(struct drhd *d, unsigned iqei)
{
	d->iqercd = (d->iqercd & ~0xfULL) | iqei;
	d->fsts |= IOH_VTD_FSTS_IQE;
	d->m->sum.qi_iqe++;
}

static unsigned desc_iqei(uint64_t q0)
{
	unsigned t = q0 & 0xf;

	if ((q0 & QI_TYPE_HI) || (t != QI_TYPE_CC && t != QI_TYPE_IOTLB && t != QI_TYPE_DEVTLB &&
				  t != QI_TYPE_WAIT && t != QI_TYPE_PC))
		return 3;
	return 4;
}

/* An unanswered device-TLB invalidation timed out: the waits it held are abandoned. */
static bool ite_due(struct drhd *d)
{
	if (!d->ite_deadline || d->m->t < d->ite_deadline)
		return false;
	d->iqercd = (d->iqercd & ~(0xffffULL << 32)) | (uint64_t)d->ite_sid << 32;
	d->fsts |= IOH_VTD_FSTS_ITE;
	d->ite_deadline = 0;
	d->waits_pending = 0;
	d->m->sum.qi_ite++;
	return true;
}

static void head_advance(struct drhd *d)
{
	d->iqh = (d->iqh + 1) % queue_entries(d);
	d->head_counted = false;
}

void ioh_drhd_process_queue(struct drhd *d)
{
	uint64_t base = d->iqa & ~0xfffULL;

	if (!(d->gsts & IOH_VTD_GCMD_QIE) || (d->fsts & (IOH_VTD_FSTS_IQE | IOH_VTD_FSTS_ITE)))
		return;
	if (ite_due(d) || d->waits_pending)
		return;
	while (d->iqh != d->iqt) {
		uint64_t q0 = 0, q1 = 0, at = base + d->iqh * 16;
		unsigned hits;

		if (ioh_mem_read64(&d->m->mem, at, &q0) || ioh_mem_read64(&d->m->mem, at + 8, &q1)) {
			queue_error(d, 2);
			return;
		}
		hits = inject_hits(d, (unsigned)(q0 & 0xf));
		/* An injected IQE is a descriptor corrupted in memory: its type made unknown. */
		if (hits & 1u << IOH_QI_IQE) {
			q0 |= QI_TYPE_HI;
			ioh_mem_write64(&d->m->mem, at, q0);
		}
		if ((q0 & 0xf) == QI_TYPE_WAIT && !(q0 & QI_TYPE_HI)) {
			/* A wait completes only once fetches an earlier invalidation covered drained. */
			if (wait_blocked(d))
				return;
			/* ... and once every earlier device-TLB invalidation was answered. */
			if (d->ite_deadline) {
				d->waits_pending++;
				head_advance(d);
				return;
			}
		}
		if (!process_one(d, q0, q1, hits)) {
			queue_error(d, desc_iqei(q0));
			return;
		}
		head_advance(d);
	}
}

/* ---- registers ---- */

static unsigned iotlb_off(const struct drhd *d)
{
	return d->ecap.iro * 16 + 8;
}

static unsigned frcd_off(const struct drhd *d)
{
	return d->cap.fro * 16;
}

IOH_EXPORT uint64_t ioh_model_reg_read(ioh_model *m, unsigned iommu, unsigned off)
{
	struct drhd *d;

	if (iommu >= m->scn.n_iommus)
		return ~0ULL;
	d = &m->drhd[iommu];
	switch (off) {
	case IOH_VTD_REG_VER:
		return 0x10;
	case IOH_VTD_REG_CAP:
		return d->cfg.cap;
	case IOH_VTD_REG_ECAP:
		return d->cfg.ecap;
	case IOH_VTD_REG_GSTS:
		return d->gsts;
	case IOH_VTD_REG_RTADDR:
		return d->rtaddr;
	case IOH_VTD_REG_CCMD:
		return d->ccmd;
	case IOH_VTD_REG_FSTS:
		return d->fsts;
	case IOH_VTD_REG_FECTL:
		return d->fectl;
	case IOH_VTD_REG_IQH:
		return d->iqh << 4;
	case IOH_VTD_REG_IQT:
		return d->iqt << 4;
	case IOH_VTD_REG_IQA:
		return d->iqa;
	case IOH_VTD_REG_ICS:
		return d->ics;
	case IOH_MODEL_REG_IQERCD:
		return d->iqercd;
	}
	if (off == iotlb_off(d))
		return d->iotlb_reg;
	if (off >= frcd_off(d) && off < frcd_off(d) + d->nfr * 16 && !(off & 7))
		return d->frcd[(off - frcd_off(d)) / 8];
	return 0;
}

static void gcmd_write(struct drhd *d, uint32_t v)
{
	/* One command per write: the one bit that differs from GSTS (Linux's habit). */
	if (v & IOH_VTD_GCMD_SRTP) {
		d->rta_live = d->rtaddr;
		d->gsts |= IOH_VTD_GCMD_SRTP;
		if (d->cap.esrtps) {
			ioh_drhd_cc_invalidate(d, IOH_INV_GLOBAL, 0, 0, 0);
			ioh_drhd_pc_invalidate(d, 3, 0, 0);
			ioh_drhd_iotlb_invalidate(d, IOH_INV_GLOBAL, 0);
		}
	}
	if (v & IOH_VTD_GCMD_TE)
		d->gsts |= IOH_VTD_GCMD_TE;
	else
		d->gsts &= ~IOH_VTD_GCMD_TE;
	if (v & IOH_VTD_GCMD_QIE)
		d->gsts |= IOH_VTD_GCMD_QIE;
	else
		d->gsts &= ~IOH_VTD_GCMD_QIE;
	d->gcmd = v & ~IOH_VTD_GCMD_SRTP;
}

IOH_EXPORT void ioh_model_reg_write(ioh_model *m, unsigned iommu, unsigned off, uint64_t v)
{
	struct drhd *d;

	if (iommu >= m->scn.n_iommus)
		return;
	d = &m->drhd[iommu];
	switch (off) {
	case IOH_VTD_REG_GCMD:
		gcmd_write(d, (uint32_t)v);
		return;
	case IOH_VTD_REG_RTADDR:
		d->rtaddr = v;
		return;
	case IOH_VTD_REG_CCMD:
		if (v & IOH_VTD_CCMD_ICC) {
			unsigned g = (v >> IOH_VTD_CCMD_CIRG_SHIFT) & 3;

			ioh_drhd_cc_invalidate(d, g, (uint16_t)v, (uint16_t)(v >> 16), (v >> 32) & 3);
			v = (v & ~IOH_VTD_CCMD_ICC & ~(3ULL << IOH_VTD_CCMD_CAIG_SHIFT)) |
			    ((uint64_t)g << IOH_VTD_CCMD_CAIG_SHIFT);
		}
		d->ccmd = v;
		return;
	case IOH_VTD_REG_FSTS:
		d->fsts &= ~(uint32_t)(v & (IOH_VTD_FSTS_PFO | IOH_VTD_FSTS_IQE | IOH_VTD_FSTS_ICE |
					   IOH_VTD_FSTS_ITE | IOH_VTD_FSTS_PRO));
		return;
	case IOH_VTD_REG_FECTL:
		d->fectl = (uint32_t)v & 0x80000000u;
		return;
	case IOH_VTD_REG_IQA:
		d->iqa = v;
		d->iqh = d->iqt = 0;
		d->head_counted = false;
		return;
	case IOH_VTD_REG_IQT:
		d->iqt = (v >> 4) % queue_entries(d);
		ioh_drhd_process_queue(d);
		return;
	case IOH_VTD_REG_ICS:
		d->ics &= ~(uint32_t)(v & ICS_IWC);
		return;
	}
	if (off == iotlb_off(d)) {
		if (v & IOH_VTD_IOTLB_IVT) {
			unsigned g = (v >> IOH_VTD_IOTLB_IIRG_SHIFT) & 3;

			ioh_drhd_iotlb_invalidate(d, g, (uint16_t)(v >> IOH_VTD_IOTLB_DID_SHIFT));
			v = (v & ~IOH_VTD_IOTLB_IVT & ~(3ULL << IOH_VTD_IOTLB_IAIG_SHIFT)) |
			    ((uint64_t)g << IOH_VTD_IOTLB_IAIG_SHIFT);
		}
		d->iotlb_reg = v;
		return;
	}
	/* Fault records: F is write-1-to-clear. */
	if (off >= frcd_off(d) && off < frcd_off(d) + d->nfr * 16 && (off & 15) == 8 &&
	    (v >> 63 & 1)) {
		d->frcd[(off - frcd_off(d)) / 8] &= ~(1ULL << 63);
		return;
	}
}

/* ---- ioh_hw_ops over the model ---- */

/* Before every CPU step the hardware gets a few steps of its own: the interleaving. */
static void hw_note(void *hw, const struct ioh_event *ev)
{
	struct drhd *d = hw;
	struct ioh_model *m = d->m;
	struct ioh_event e = *ev;
	unsigned gap = (unsigned)ioh_rng_below(&m->rng, (uint64_t)m->scn.cpu_gap + 1);
	struct slot *s;

	for (unsigned i = 0; i < gap; i++)
		ioh_model_world_step(m);
	e.lane_id = d->index;
	ioh_model_event(m, &e);
	switch (ev->kind) {
	case IOH_EV_COPIED:
	case IOH_EV_PUBLISH:
	case IOH_EV_TEARDOWN:
		s = ioh_model_slot_add(m, ev->addr);
		if (!s)
			return;
		s->sid = ev->sid;
		s->iommu = d->index;
		slot_whole(s, ev->val);
		if (ev->kind == IOH_EV_COPIED) {
			s->old[0] = ev->val[0];
			s->old[1] = ev->val[1];
		}
		break;
	case IOH_EV_TEARDOWN_DONE:
		s = ioh_model_slot(m, ev->addr);
		if (s) {
			s->done = true;
			s->done_at = m->t;
		}
		for (unsigned i = 0; i < m->scn.n_devices; i++)
			if (m->agent[i].cfg.iommu == d->index &&
			    ioh_bdf_sid(m->agent[i].cfg.bdf) == ev->sid)
				m->agent[i].rep.teardown_done_at = (int64_t)m->t;
		m->sum.entries_taken_over++;
		break;
	default:
		break;
	}
}

/* ---- the CPU cache, for IOMMUs whose page walks do not snoop it ---- */

static struct cline *line_find(struct ioh_model *m, uint64_t pa)
{
	for (unsigned i = 0; m->n_lines && i < CPU_LINES; i++)
		if (m->lines[i].valid && m->lines[i].pa == (pa & ~63ULL))
			return &m->lines[i];
	return NULL;
}

/* The whole line reaches memory at once: no hardware step can fall between its words. */
static void writeback(struct ioh_model *m, struct cline *l)
{
	struct ioh_event ev = { .lane = IOH_LANE_CPU, .kind = IOH_EV_WRITEBACK, .half = -1,
				.addr = l->pa };

	for (unsigned i = 0; i < 8; i++)
		ioh_mem_write64(&m->mem, l->pa + i * 8, l->q[i]);
	l->valid = false;
	m->n_lines--;
	ioh_model_event(m, &ev);
}

static struct cline *line_load(struct ioh_model *m, uint64_t pa)
{
	struct cline *l = line_find(m, pa);
	unsigned i;

	if (l)
		return l;
	if (m->n_lines == CPU_LINES)
		writeback(m, &m->lines[ioh_rng_below(&m->rng, CPU_LINES)]);
	for (i = 0; m->lines[i].valid; i++)
		;
	l = &m->lines[i];
	l->valid = true;
	l->pa = pa & ~63ULL;
	for (unsigned k = 0; k < 8; k++)
		if (ioh_mem_read64(&m->mem, l->pa + k * 8, &l->q[k]))
			l->q[k] = 0;
	m->n_lines++;
	return l;
}

/* Dirty lines leave the cache on their own, at moments nobody chooses. */
static void evict_some(struct ioh_model *m)
{
	if (!m->n_lines || ioh_rng_below(&m->rng, 32))
		return;
	unsigned start = (unsigned)ioh_rng_below(&m->rng, CPU_LINES);
	for (unsigned k = 0; k < CPU_LINES; k++) {
		struct cline *l = &m->lines[(start + k) % CPU_LINES];

		if (l->valid) {
			writeback(m, l);
			return;
		}
	}
}

IOH_EXPORT ioh_status ioh_model_cpu_write(ioh_model *m, unsigned iommu, uint64_t pa, uint64_t v)
{
	struct cline *l = line_find(m, pa);

	if (iommu >= m->scn.n_iommus || (pa & 7))
		return ioh_err(m->ctx, IOH_ERR_INVALID, "cpu write: bad IOMMU or unaligned 0x%llx",
			       (unsigned long long)pa);
	if (!l && m->drhd[iommu].ecap.c) {
		if (ioh_mem_write64(&m->mem, pa, v))
			return ioh_err(m->ctx, IOH_ERR_NOMEM, "write of 0x%llx: simulated memory full",
				       (unsigned long long)pa);
		return IOH_OK;
	}
	l = line_load(m, pa);
	l->q[(pa & 63) / 8] = v;
	return IOH_OK;
}

IOH_EXPORT void ioh_model_cpu_flush(ioh_model *m, uint64_t pa)
{
	struct cline *l = line_find(m, pa);

	if (l)
		writeback(m, l);
}

static ioh_status hw_read64(void *hw, uint64_t pa, uint64_t *v)
{
	struct drhd *d = hw;
	struct cline *l = line_find(d->m, pa);

	if (l && !(pa & 7)) {
		*v = l->q[(pa & 63) / 8];
		return IOH_OK;
	}
	if (ioh_mem_read64(&d->m->mem, pa, v))
		return ioh_err(d->m->ctx, IOH_ERR_NODATA, "read of 0x%llx: no memory there",
			       (unsigned long long)pa);
	return IOH_OK;
}

static ioh_status hw_write64(void *hw, uint64_t pa, uint64_t v)
{
	struct drhd *d = hw;

	return ioh_model_cpu_write(d->m, d->index, pa, v);
}

/* Stores become visible in program order already: the barrier has nothing left to do. */
static ioh_status hw_nop(void *hw)
{
	(void)hw;
	return IOH_OK;
}

static ioh_status hw_clflush(void *hw, uint64_t pa)
{
	struct drhd *d = hw;

	ioh_model_cpu_flush(d->m, pa);
	return IOH_OK;
}

static ioh_status hw_alloc(void *hw, uint64_t *pa)
{
	struct drhd *d = hw;

	if (ioh_mem_alloc(&d->m->mem, pa))
		return ioh_err(d->m->ctx, IOH_ERR_NOMEM, "simulated memory full (%zu pages)",
			       d->m->mem.max_pages);
	return IOH_OK;
}

/* ---- the capture kernel's queue driver ---- */

static const char *const desc_names[] = { [IOH_QI_DESC_ANY] = "any", [IOH_QI_DESC_CC] = "cc",
					  [IOH_QI_DESC_IOTLB] = "iotlb",
					  [IOH_QI_DESC_DEVTLB] = "devtlb",
					  [4] = "iec", [IOH_QI_DESC_WAIT] = "wait",
					  [6] = "piotlb", [IOH_QI_DESC_PC] = "pc" };

IOH_EXPORT const char *ioh_qi_desc_name(unsigned type)
{
	return type < IOH_ARRAY_SIZE(desc_names) && desc_names[type] ? desc_names[type]
								       : "unknown";
}

/*
 * IQE: the hardware stopped at the rejected descriptor. Like Linux, the
 * driver overwrites it with a no-op (a wait that writes nothing) and clears
 * IQE so the queue goes on; whatever asked for it has failed.
 */
static ioh_status iqe_recover(struct drhd *d, const char *what)
{
	static const char *const why[] = { [2] = "fetch failed", [3] = "invalid descriptor type",
					   [4] = "reserved field set" };
	uint64_t at = (d->iqa & ~0xfffULL) + d->iqh * 16, q0 = 0, q1 = 0;
	unsigned idx = (unsigned)d->iqh;
	unsigned iqei = ioh_model_reg_read(d->m, d->index, IOH_MODEL_REG_IQERCD) & 0xf;

	ioh_mem_read64(&d->m->mem, at, &q0);
	ioh_mem_read64(&d->m->mem, at + 8, &q1);
	ioh_mem_write64(&d->m->mem, at, QI_TYPE_WAIT);
	ioh_mem_write64(&d->m->mem, at + 8, 0);
	ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_IQE);
	d->n_batch = 0;
	return ioh_err(d->m->ctx, IOH_ERR_HW,
		       "%s: invalidation queue error (IQE): descriptor %u (%s, 0x%016llx 0x%016llx) "
		       "rejected (IQEI %u: %s); replaced by a no-op, IQE cleared",
		       what, idx, ioh_qi_desc_name((unsigned)(q0 & 0xf)), (unsigned long long)q0,
		       (unsigned long long)q1, iqei,
		       iqei < IOH_ARRAY_SIZE(why) && why[iqei] ? why[iqei] : "not given");
}

/* What the driver does about FSTS while it polls: ICE is cleared, ITE noted and cleared. */
static ioh_status qi_check(struct drhd *d, const char *what)
{
	if (d->fsts & IOH_VTD_FSTS_ICE)
		ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_ICE);
	if (d->fsts & IOH_VTD_FSTS_IQE)
		return iqe_recover(d, what);
	if (d->fsts & IOH_VTD_FSTS_ITE) {
		/* ITESID is valid only while ITE is set: read it first. */
		d->ite_sid_seen = (uint16_t)(ioh_model_reg_read(d->m, d->index,
								IOH_MODEL_REG_IQERCD) >> 32);
		ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_ITE);
		d->batch_ite = true;
	}
	return IOH_OK;
}

static ioh_status poll(struct drhd *d, bool (*done)(struct drhd *d, void *arg), void *arg,
		       const char *what)
{
	for (unsigned i = 0; i < OP_TIMEOUT_STEPS; i++) {
		IOH_TRY(qi_check(d, what));
		if (done(d, arg))
			return IOH_OK;
		ioh_model_world_step(d->m);
	}
	return ioh_err(d->m->ctx, IOH_ERR_TIMEOUT, "%s: no completion after %u steps", what,
		       OP_TIMEOUT_STEPS);
}

static bool rtps_set(struct drhd *d, void *arg)
{
	(void)arg;
	return d->gsts & IOH_VTD_GCMD_SRTP;
}

static ioh_status hw_set_root(void *hw, uint64_t rtaddr)
{
	struct drhd *d = hw;

	ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_RTADDR, rtaddr);
	d->gsts &= ~IOH_VTD_GCMD_SRTP;
	ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_GCMD, d->gcmd | IOH_VTD_GCMD_SRTP);
	return poll(d, rtps_set, NULL, "set root table pointer");
}

static bool queue_has_room(struct drhd *d, void *arg)
{
	(void)arg;
	return (d->iqt + 1) % queue_entries(d) != d->iqh;
}

static const char *desc_what(uint64_t q0)
{
	switch (q0 & 0xf) {
	case QI_TYPE_CC:
		return "context-cache invalidation";
	case QI_TYPE_IOTLB:
		return "IOTLB invalidation";
	case QI_TYPE_DEVTLB:
		return "device-TLB invalidation";
	case QI_TYPE_PC:
		return "PASID-cache invalidation";
	case QI_TYPE_WAIT:
		return "invalidation wait";
	}
	return "invalidation";
}

static ioh_status queue_put(struct drhd *d, uint64_t q0, uint64_t q1)
{
	uint64_t base = d->iqa & ~0xfffULL;

	IOH_TRY(poll(d, queue_has_room, NULL, desc_what(q0)));
	if (ioh_mem_write64(&d->m->mem, base + d->iqt * 16, q0) ||
	    ioh_mem_write64(&d->m->mem, base + d->iqt * 16 + 8, q1))
		return ioh_err(d->m->ctx, IOH_ERR_NOMEM, "invalidation queue: memory full");
	ioh_model_reg_write(d->m, d->index, IOH_VTD_REG_IQT,
			    ((d->iqt + 1) % queue_entries(d)) << 4);
	return IOH_OK;
}

/* An invalidation, kept until a wait completes in case ITE makes the driver send it again. */
static ioh_status submit(struct drhd *d, uint64_t q0, uint64_t q1)
{
	if (d->n_batch < QI_BATCH_MAX) {
		d->batch[d->n_batch][0] = q0;
		d->batch[d->n_batch][1] = q1;
	}
	d->n_batch++;
	return queue_put(d, q0, q1);
}

static ioh_status hw_inv_context(void *hw, enum ioh_inv_gran g, uint16_t did, uint16_t sid)
{
	return submit(hw, (uint64_t)sid << 32 | (uint64_t)did << 16 | (uint64_t)g << 4 | QI_TYPE_CC,
		      0);
}

static ioh_status hw_inv_pasid(void *hw, enum ioh_inv_gran g, uint16_t did, uint32_t pasid)
{
	/* PASID-cache granularity encodes differently: 0 domain, 1 PASID, 3 global. */
	unsigned pg = g == IOH_INV_GLOBAL ? 3 : g == IOH_INV_DOMAIN ? 0 : 1;

	return submit(hw, (uint64_t)(pasid & 0xfffff) << 32 | (uint64_t)did << 16 |
			      (uint64_t)pg << 4 | QI_TYPE_PC,
		      0);
}

static ioh_status hw_inv_iotlb(void *hw, enum ioh_inv_gran g, uint16_t did, bool dr, bool dw)
{
	return submit(hw, (uint64_t)did << 16 | (dr ? 1ULL << 7 : 0) | (dw ? 1ULL << 6 : 0) |
			      (uint64_t)g << 4 | QI_TYPE_IOTLB,
		      0);
}

static ioh_status hw_inv_devtlb(void *hw, uint16_t sid)
{
	return submit(hw, (uint64_t)sid << 32 | QI_TYPE_DEVTLB, 0x7ffffffffffff000ULL);
}

static bool status_written(struct drhd *d, void *arg)
{
	uint64_t v = 0;

	(void)arg;
	return !ioh_mem_read64(&d->m->mem, d->status_pa, &v) && v == d->status_seq;
}

/* Polls the wait's status; stops early once an ITE hit the batch it covers. */
static ioh_status wait_poll(struct drhd *d)
{
	for (unsigned i = 0; i < OP_TIMEOUT_STEPS; i++) {
		IOH_TRY(qi_check(d, "invalidation wait"));
		if (d->batch_ite)
			return IOH_OK;
		if (status_written(d, NULL))
			return IOH_OK;
		ioh_model_world_step(d->m);
	}
	return ioh_err(d->m->ctx, IOH_ERR_TIMEOUT, "invalidation wait: no completion after %u steps",
		       OP_TIMEOUT_STEPS);
}

static ioh_status ite_give_up(struct drhd *d, unsigned tries)
{
	uint16_t sid = d->ite_sid_seen;

	d->n_batch = 0;
	return ioh_err(d->m->ctx, IOH_ERR_TIMEOUT,
		       "invalidation wait: invalidation time-out error (ITE): the device-TLB "
		       "invalidation of %02x:%02x.%u (IQERCD.ITESID) was not answered; wait abandoned "
		       "%u time%s, ITE cleared",
		       sid >> 8, (sid >> 3) & 0x1f, sid & 7, tries, tries == 1 ? "" : "s");
}

/*
 * A wait descriptor and its completion. After ITE the waits in flight are
 * abandoned and nothing says which invalidations took effect: the driver
 * sends the whole batch again (Linux's restart), a bounded number of times.
 */
static ioh_status hw_wait(void *hw)
{
	struct drhd *d = hw;

	for (unsigned tries = 0;; tries++) {
		d->status_seq++;
		IOH_TRY(queue_put(d, (uint64_t)d->status_seq << 32 | QI_WAIT_SW | QI_TYPE_WAIT,
				  d->status_pa));
		d->m->sum.waits++;
		IOH_TRY(wait_poll(d));
		if (!d->batch_ite) {
			d->n_batch = 0;
			return IOH_OK;
		}
		d->batch_ite = false;
		if (tries == ITE_RESUBMITS || d->n_batch > QI_BATCH_MAX)
			return ite_give_up(d, tries + 1);
		d->m->sum.qi_resubmits++;
		for (unsigned k = 0; k < d->n_batch; k++)
			IOH_TRY(queue_put(d, d->batch[k][0], d->batch[k][1]));
	}
}

const struct ioh_hw_ops ioh_model_hw_ops = {
	.read64 = hw_read64,
	.write64 = hw_write64,
	.wmb = hw_nop,
	.clflush = hw_clflush,
	.alloc_page = hw_alloc,
	.set_root = hw_set_root,
	.inv_context = hw_inv_context,
	.inv_pasid = hw_inv_pasid,
	.inv_iotlb = hw_inv_iotlb,
	.inv_devtlb = hw_inv_devtlb,
	.wait = hw_wait,
	.note = hw_note,
};
