/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the crashed kernel's VT-d state from a scenario, and running its
 * schedule: DMA before the crash, the crash, the copy step, driver attaches.
 */
#include <stdio.h>
#include <stdlib.h>

#include "model-internal.h"

#define MODEL_MAX_PAGES (1u << 18) /* 1 GiB of simulated memory at most */
#define MAP_MAX_PAGES 256u	   /* pages mapped per device */
#define AW_48 2			   /* 4-level second-level tables */

/* Per-device state the scenario implies but the agent does not need to see. */
struct newdom {
	uint16_t did;
	uint64_t slptptr, pasid_dir;
};

struct model_ext {
	struct newdom nd[IOH_SCN_MAX_DEVICES];
};

static struct newdom *newdoms(const ioh_model *m)
{
	return ((struct model_ext *)(m + 1))->nd;
}

static ioh_status oom(ioh_model *m, const char *what)
{
	return ioh_err(m->ctx, IOH_ERR_NOMEM, "model: %s: simulated memory full (%zu pages)", what,
		       m->mem.max_pages);
}

static ioh_status page(ioh_model *m, uint64_t *pa)
{
	return ioh_mem_alloc(&m->mem, pa) ? oom(m, "page") : IOH_OK;
}

static ioh_status wr(ioh_model *m, uint64_t pa, uint64_t v)
{
	return ioh_mem_write64(&m->mem, pa, v) ? oom(m, "write") : IOH_OK;
}

/* Maps iova..iova+len in a 4-level second-level table rooted at root. */
static ioh_status map_range(ioh_model *m, uint64_t root, uint64_t iova, uint64_t len)
{
	uint64_t n = (len + 4095) / 4096;

	if (n > MAP_MAX_PAGES)
		n = MAP_MAX_PAGES;
	for (uint64_t p = 0; p < n; p++) {
		uint64_t va = (iova & ~0xfffULL) + p * 4096, table = root, host;

		for (unsigned l = 4; l > 1; l--) {
			uint64_t idx = (va >> (12 + 9 * (l - 1))) & 511, pte;

			if (ioh_mem_read64(&m->mem, table + idx * 8, &pte) || !(pte & 3)) {
				uint64_t next;

				IOH_TRY(page(m, &next));
				pte = next | 3;
				IOH_TRY(wr(m, table + idx * 8, pte));
			}
			table = pte & ioh_mask(45, 12);
		}
		IOH_TRY(page(m, &host));
		IOH_TRY(wr(m, table + ((va >> 12) & 511) * 8, host | 3));
	}
	return IOH_OK;
}

/* The context table page (old kernel's) that holds sid, allocated on first use. */
static ioh_status ctx_table(ioh_model *m, struct drhd *d, uint64_t root, uint16_t sid,
			    uint64_t *entry)
{
	bool s = d->cfg.mode == IOH_VTD_SCALABLE;
	unsigned bus = sid >> 8, devfn = sid & 0xff;
	uint64_t off = root + bus * 16u + (s && devfn >= 0x80 ? 8 : 0), v;

	if (ioh_mem_read64(&m->mem, off, &v) || !(v & 1)) {
		IOH_TRY(page(m, &v));
		v |= 1;
		IOH_TRY(wr(m, off, v));
	}
	*entry = (v & ~0xfffULL) + (s ? (devfn & 0x7f) * 32u : devfn * 16u);
	return IOH_OK;
}

/* Scalable mode: PASID directory + table whose RID_PASID (0) entry is second-level only. */
static ioh_status pasid_tables(ioh_model *m, uint16_t did, uint64_t slptptr, bool fpd,
			       uint64_t *dir)
{
	struct ioh_vtd_pasid_dir de = { .p = true };
	struct ioh_vtd_pasid pe = { .p = true, .fpd = fpd, .aw = AW_48,
				    .pgtt = IOH_VTD_PGTT_SL_ONLY, .slptptr = slptptr, .did = did };
	uint64_t q[8];

	IOH_TRY(page(m, dir));
	IOH_TRY(page(m, &de.smptblptr));
	IOH_TRY(wr(m, *dir, ioh_vtd_pasid_dir_encode(&de)));
	ioh_vtd_pasid_encode(&pe, q);
	for (unsigned i = 0; i < 8; i++)
		IOH_TRY(wr(m, de.smptblptr + i * 8, q[i]));
	return IOH_OK;
}

static ioh_status context_entry(ioh_model *m, struct drhd *d, uint64_t pa, uint16_t did,
				uint64_t slptptr, bool ats, bool fpd)
{
	uint64_t q[4] = { 0 };

	if (d->cfg.mode == IOH_VTD_SCALABLE) {
		struct ioh_vtd_sm_context c = { .p = true, .fpd = fpd, .dte = ats };

		IOH_TRY(pasid_tables(m, did, slptptr, fpd, &c.pasiddirptr));
		ioh_vtd_sm_context_encode(&c, q);
	} else {
		struct ioh_vtd_context c = { .p = true, .fpd = fpd, .aw = AW_48, .did = did,
					     .slptptr = slptptr,
					     .tt = ats ? IOH_VTD_TT_DEV_IOTLB : IOH_VTD_TT_MULTI_LEVEL };
		ioh_vtd_context_encode(&c, q);
	}
	IOH_TRY(wr(m, pa, q[0]));
	return wr(m, pa + 8, q[1]);
}

/* The domain's page table root, shared by devices of one (IOMMU, DID). */
static ioh_status domain_root(ioh_model *m, unsigned dev, uint64_t *root)
{
	const struct ioh_scn_device *x = &m->scn.devices[dev];

	for (unsigned j = 0; j < dev; j++) {
		const struct ioh_scn_device *y = &m->scn.devices[j];

		if (y->iommu == x->iommu && y->did == x->did) {
			uint64_t q[2], pa;

			IOH_TRY(ctx_table(m, &m->drhd[x->iommu], m->drhd[x->iommu].old_rtaddr & ~0xfffULL,
				      ioh_bdf_sid(y->bdf), &pa));
			if (m->drhd[x->iommu].cfg.mode == IOH_VTD_LEGACY &&
			    !ioh_mem_read64(&m->mem, pa, &q[0])) {
				*root = q[0] & ~0xfffULL;
				return IOH_OK;
			}
		}
	}
	return page(m, root);
}

static ioh_status build_drhd(ioh_model *m, unsigned i)
{
	struct drhd *d = &m->drhd[i];
	uint64_t root, iq;

	d->m = m;
	d->index = i;
	d->cfg = m->scn.iommus[i];
	ioh_vtd_cap_decode(d->cfg.cap, &d->cap);
	ioh_vtd_ecap_decode(d->cfg.ecap, &d->ecap);
	d->nfr = d->cap.nfr + 1;
	d->frcd = calloc(d->nfr * 2, sizeof(uint64_t));
	d->cc = calloc(d->cfg.cc_size + 1, sizeof(*d->cc));
	d->pc = calloc(d->cfg.pc_size + 1, sizeof(*d->pc));
	d->tlb = calloc(d->cfg.iotlb_size + 1, sizeof(*d->tlb));
	if (!d->frcd || !d->cc || !d->pc || !d->tlb)
		return ioh_err(m->ctx, IOH_ERR_NOMEM, "model: out of memory");
	IOH_TRY(page(m, &root));
	IOH_TRY(page(m, &iq));
	IOH_TRY(page(m, &d->status_pa));
	d->iqa = iq; /* QS 0: 256 descriptors of 128 bits */
	d->old_rtaddr = root | (d->cfg.mode == IOH_VTD_SCALABLE ? 1ULL << 10 : 0);
	/* What the crashed kernel left behind: translation and queued invalidation on. */
	d->rtaddr = d->rta_live = d->old_rtaddr;
	d->gcmd = IOH_VTD_GCMD_TE | IOH_VTD_GCMD_QIE;
	d->gsts = IOH_VTD_GCMD_TE | IOH_VTD_GCMD_QIE | IOH_VTD_GCMD_SRTP;
	return IOH_OK;
}

static uint16_t pick_new_did(const ioh_model *m, unsigned dev)
{
	uint16_t max = 0;

	for (unsigned i = 0; i < m->scn.n_devices; i++)
		if (m->scn.devices[i].did > max)
			max = m->scn.devices[i].did;
	return (uint16_t)(max + 1 + dev);
}

static ioh_status build_device(ioh_model *m, unsigned i)
{
	const struct ioh_scn_device *x = &m->scn.devices[i];
	struct drhd *d = &m->drhd[x->iommu];
	struct agent *a = &m->agent[i];
	struct newdom *nd = &newdoms(m)[i];
	uint64_t slpt, pa;

	a->cfg = *x;
	a->index = i;
	a->rng = m->scn.seed * 0x100000001b3ULL + i + 1;
	a->rep.name = a->cfg.name;
	a->rep.bdf = x->bdf;
	a->rep.teardown_done_at = -1;
	a->next_dma = 1 + ioh_rng_below(&a->rng, x->rate ? 1000 / x->rate : 1);
	IOH_TRY(domain_root(m, i, &slpt));
	IOH_TRY(map_range(m, slpt, x->iova, x->len));
	IOH_TRY(ctx_table(m, d, d->old_rtaddr & ~0xfffULL, ioh_bdf_sid(x->bdf), &pa));
	IOH_TRY(context_entry(m, d, pa, x->did, slpt, x->ats, x->fpd));
	/* The new driver's domain: empty until it maps something, as after a reset. */
	nd->did = pick_new_did(m, i);
	IOH_TRY(page(m, &nd->slptptr));
	if (d->cfg.mode == IOH_VTD_SCALABLE)
		IOH_TRY(pasid_tables(m, nd->did, nd->slptptr, false, &nd->pasid_dir));
	return IOH_OK;
}

static bool sid_used(const ioh_model *m, unsigned iommu, uint16_t sid)
{
	for (unsigned i = 0; i < m->scn.n_devices; i++)
		if (m->scn.devices[i].iommu == iommu && ioh_bdf_sid(m->scn.devices[i].bdf) == sid)
			return true;
	return false;
}

/* Entries for functions no scenario device stands for: one tiny shared domain. */
static ioh_status build_extra(ioh_model *m, unsigned i)
{
	struct drhd *d = &m->drhd[i];
	unsigned left = d->cfg.extra_entries;
	uint64_t slpt;

	if (!left)
		return IOH_OK;
	IOH_TRY(page(m, &slpt));
	for (unsigned sid = 0; sid < 65536 && left; sid++) {
		uint64_t pa;

		if (sid_used(m, i, (uint16_t)sid))
			continue;
		IOH_TRY(ctx_table(m, d, d->old_rtaddr & ~0xfffULL, (uint16_t)sid, &pa));
		IOH_TRY(context_entry(m, d, pa, 1, slpt, false, false));
		left--;
	}
	return IOH_OK;
}

static ioh_status build(ioh_model *m)
{
	for (unsigned i = 0; i < m->scn.n_iommus; i++)
		IOH_TRY(build_drhd(m, i));
	for (unsigned i = 0; i < m->scn.n_devices; i++)
		IOH_TRY(build_device(m, i));
	for (unsigned i = 0; i < m->scn.n_iommus; i++) {
		struct drhd *d = &m->drhd[i];
		struct ioh_handover_cfg hc = {
			.mode = d->cfg.mode,
			.cap = d->cfg.cap,
			.ecap = d->cfg.ecap,
			.strategy = m->scn.strategy,
			.zero_hi_first = ioh_rng_next(&m->rng) & 1,
			.setup_drain = m->scn.setup_drain,
			.index = i,
			.max_events = 1u << 16,
		};

		IOH_TRY(build_extra(m, i));
		d->ho = ioh_handover_new(m->ctx, &hc, &ioh_model_hw_ops, d);
		if (!d->ho)
			return IOH_ERR_NOMEM;
	}
	return IOH_OK;
}

IOH_EXPORT void ioh_model_free(ioh_model *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < IOH_SCN_MAX_IOMMUS; i++) {
		struct drhd *d = &m->drhd[i];

		ioh_handover_free(d->ho);
		free(d->frcd);
		free(d->cc);
		free(d->pc);
		free(d->tlb);
	}
	ioh_mem_fini(&m->mem);
	ioh_event_log_free(m->log);
	free(m->slots);
	free(m->slot_hash);
	free(m);
}

IOH_EXPORT ioh_status ioh_model_new(ioh_ctx *ctx, const struct ioh_scenario *scn, ioh_model **out)
{
	ioh_model *m;
	ioh_status st;

	*out = NULL;
	if (!scn || !scn->n_iommus || scn->n_iommus > IOH_SCN_MAX_IOMMUS ||
	    scn->n_devices > IOH_SCN_MAX_DEVICES)
		return ioh_err(ctx, IOH_ERR_INVALID, "model: scenario needs 1-%d IOMMUs, 0-%d devices",
			       IOH_SCN_MAX_IOMMUS, IOH_SCN_MAX_DEVICES);
	for (unsigned i = 0; i < scn->n_devices; i++)
		if (scn->devices[i].iommu >= scn->n_iommus || scn->devices[i].rate > 1000)
			return ioh_err(ctx, IOH_ERR_INVALID,
				       "model: device %u: IOMMU index %u or rate %u out of range", i,
				       scn->devices[i].iommu, scn->devices[i].rate);
	for (unsigned i = 0; i < scn->n_iommus; i++)
		if (scn->iommus[i].cc_size > 4096 || scn->iommus[i].pc_size > 4096 ||
		    scn->iommus[i].iotlb_size > 65536 || scn->iommus[i].extra_entries > 65536)
			return ioh_err(ctx, IOH_ERR_INVALID, "model: IOMMU %u: cache sizes out of range",
				       i);
	m = calloc(1, sizeof(*m) + sizeof(struct model_ext));
	if (!m)
		return ioh_err(ctx, IOH_ERR_NOMEM, "model: out of memory");
	m->ctx = ctx;
	m->scn = *scn;
	m->rng = scn->seed ^ 0x5eed5eed5eedULL;
	m->log = ioh_event_log_new(scn->max_events);
	if (!m->log || ioh_mem_init(&m->mem, MODEL_MAX_PAGES)) {
		ioh_model_free(m);
		return ioh_err(ctx, IOH_ERR_NOMEM, "model: out of memory");
	}
	st = build(m);
	if (st != IOH_OK) {
		ioh_err_wrap(ctx, st, "model: building the crashed kernel's tables");
		ioh_model_free(m);
		return st;
	}
	for (unsigned i = 0; i < scn->n_inject && st == IOH_OK; i++)
		st = ioh_model_inject(m, &scn->inject[i]);
	if (st != IOH_OK) {
		ioh_model_free(m);
		return st;
	}
	*out = m;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_model_run_until(ioh_model *m, uint64_t t)
{
	while (m->t < t)
		ioh_model_world_step(m);
	return IOH_OK;
}

IOH_EXPORT void ioh_model_crash(ioh_model *m)
{
	struct ioh_event ev = { .lane = IOH_LANE_CPU, .kind = IOH_EV_CRASH, .half = -1 };

	m->crashed = true;
	ioh_model_event(m, &ev);
}

IOH_EXPORT uint64_t ioh_model_now(const ioh_model *m)
{
	return m->t;
}

IOH_EXPORT ioh_handover *ioh_model_handover(ioh_model *m, unsigned iommu)
{
	return iommu < m->scn.n_iommus ? m->drhd[iommu].ho : NULL;
}

IOH_EXPORT uint64_t ioh_model_old_rtaddr(const ioh_model *m, unsigned iommu)
{
	return iommu < m->scn.n_iommus ? m->drhd[iommu].old_rtaddr : 0;
}

IOH_EXPORT void ioh_model_attach_req(const ioh_model *m, unsigned dev, struct ioh_attach *a)
{
	const struct newdom *nd = &newdoms(m)[dev];

	memset(a, 0, sizeof(*a));
	if (dev >= m->scn.n_devices)
		return;
	a->sid = ioh_bdf_sid(m->scn.devices[dev].bdf);
	a->ats = m->scn.devices[dev].ats;
	a->setup = true;
	a->did = nd->did;
	a->slptptr = nd->slptptr;
	a->aw = AW_48;
	a->pasid_dir = nd->pasid_dir;
	a->pdts = 0;
}

IOH_EXPORT ioh_status ioh_model_mem_read(ioh_model *m, uint64_t pa, uint64_t *val)
{
	return ioh_mem_read64(&m->mem, pa, val)
		       ? ioh_err(m->ctx, IOH_ERR_NODATA, "model: no memory at 0x%llx",
				 (unsigned long long)pa)
		       : IOH_OK;
}

IOH_EXPORT ioh_status ioh_model_mem_write(ioh_model *m, uint64_t pa, uint64_t val)
{
	return ioh_mem_write64(&m->mem, pa, val) ? oom(m, "write") : IOH_OK;
}

/* ---- the schedule ---- */

static ioh_status copy_all(ioh_model *m)
{
	m->copy_started = m->t ? m->t : 1;
	m->last_service = m->t;
	for (unsigned i = 0; i < m->scn.n_iommus; i++) {
		ioh_status st = ioh_handover_copy(m->drhd[i].ho, m->drhd[i].old_rtaddr);

		if (st != IOH_OK)
			return ioh_err_wrap(m->ctx, st, "%s", m->drhd[i].cfg.name);
	}
	m->copy_done = true;
	return IOH_OK;
}

/*
 * The hardware failed the takeover (a queue error or time-out): that driver's
 * probe fails, the copied entry stays as the engine left it, the run goes on.
 */
static ioh_status attach_failed(ioh_model *m, ioh_status st, const bool *who)
{
	if (st != IOH_ERR_HW && st != IOH_ERR_TIMEOUT)
		return st;
	for (unsigned i = 0; i < m->scn.n_devices; i++) {
		if (!who[i])
			continue;
		m->agent[i].rep.attach_status = st;
		snprintf(m->agent[i].rep.attach_error, sizeof(m->agent[i].rep.attach_error), "%s",
			 ioh_get_err(m->ctx));
		m->sum.attach_failures++;
	}
	return IOH_OK;
}

static ioh_status attach_dev(ioh_model *m, unsigned i)
{
	bool who[IOH_SCN_MAX_DEVICES] = { false };
	struct ioh_attach a;
	ioh_status st;

	m->agent[i].attached = true; /* the driver resets the device as it probes */
	ioh_model_attach_req(m, i, &a);
	st = ioh_handover_attach(m->drhd[m->agent[i].cfg.iommu].ho, &a);
	if (st == IOH_OK)
		return st;
	ioh_err_wrap(m->ctx, st, "%s", m->agent[i].cfg.name);
	who[i] = true;
	return attach_failed(m, st, who);
}

/* Batched: every attaching device of one IOMMU at its first attach time. */
static ioh_status attach_batched(ioh_model *m, unsigned iommu)
{
	struct ioh_attach a[IOH_SCN_MAX_DEVICES];
	bool who[IOH_SCN_MAX_DEVICES] = { false };
	size_t n = 0;

	for (unsigned i = 0; i < m->scn.n_devices; i++) {
		if (m->agent[i].cfg.iommu != iommu || m->agent[i].cfg.attach_at < 0)
			continue;
		m->agent[i].attached = true;
		who[i] = true;
		ioh_model_attach_req(m, i, &a[n++]);
	}
	ioh_status st = ioh_handover_attach_batch(m->drhd[iommu].ho, a, n);
	if (st == IOH_OK)
		return st;
	ioh_err_wrap(m->ctx, st, "%s", m->drhd[iommu].cfg.name);
	return attach_failed(m, st, who);
}

/* Next attach event after `after` (time, then device index); -1 if none. */
static int next_attach(const ioh_model *m, const bool *done)
{
	int best = -1;

	for (unsigned i = 0; i < m->scn.n_devices; i++) {
		int64_t t = m->scn.devices[i].attach_at;

		if (t < 0 || done[i])
			continue;
		if (best < 0 || t < m->scn.devices[best].attach_at)
			best = (int)i;
	}
	return best;
}

IOH_EXPORT ioh_status ioh_model_run(ioh_model *m)
{
	bool done[IOH_SCN_MAX_DEVICES] = { false }, iommu_done[IOH_SCN_MAX_IOMMUS] = { false };
	ioh_status st;
	int i;

	ioh_model_run_until(m, m->scn.crash_at);
	ioh_model_crash(m);
	ioh_model_run_until(m, m->scn.copy_at);
	st = copy_all(m);
	if (st != IOH_OK)
		return st;
	while ((i = next_attach(m, done)) >= 0) {
		unsigned io = m->scn.devices[i].iommu;

		ioh_model_run_until(m, (uint64_t)m->scn.devices[i].attach_at);
		if (m->scn.strategy == IOH_STRAT_BATCHED) {
			if (!iommu_done[io]) {
				iommu_done[io] = true;
				st = attach_batched(m, io);
			}
		} else {
			st = attach_dev(m, (unsigned)i);
		}
		if (st != IOH_OK)
			return st;
		done[i] = true;
	}
	ioh_model_run_until(m, m->scn.end_at);
	/* Fetches still half done at the end complete, so nothing is left unjudged. */
	for (unsigned k = 0; k < 64; k++)
		ioh_model_world_step(m);
	return IOH_OK;
}

/* ---- results ---- */

IOH_EXPORT void ioh_model_summary(const ioh_model *m, struct ioh_model_summary *s)
{
	*s = m->sum;
	s->steps = m->t;
	s->waits = s->invalidations = 0;
	for (unsigned i = 0; i < m->scn.n_iommus; i++) {
		struct ioh_handover_stats hs;

		ioh_handover_stats(m->drhd[i].ho, &hs);
		s->waits += hs.waits;
		s->invalidations += hs.invalidations;
	}
	s->devices_in_flight = 0;
	for (unsigned i = 0; i < m->scn.n_devices; i++)
		s->devices_in_flight += m->agent[i].rep.in_flight_dma;
}

IOH_EXPORT unsigned ioh_model_device_count(const ioh_model *m)
{
	return m->scn.n_devices;
}

IOH_EXPORT void ioh_model_device_report(const ioh_model *m, unsigned dev,
					struct ioh_model_device *out)
{
	if (dev >= m->scn.n_devices) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = m->agent[dev].rep;
}

IOH_EXPORT const struct ioh_event_log *ioh_model_events(const ioh_model *m)
{
	return m->log;
}
