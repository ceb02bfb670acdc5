/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VT-d registers: CAP, ECAP, GSTS, FSTS, FRCD decode/encode, and the
 * checks on RTADDR and FRCD. Bit positions as in docs/formats.md (VT-d
 * spec, cross-checked with the Linux cap_ and ecap_ accessors and with the
 * registers a QEMU 7.2 guest printed).
 *
 * Every struct keeps the bits it does not name in rsvd, so that a register
 * value read from a newer implementation still round-trips exactly.
 */
#include <string.h>

#include <ioh/vtd.h>

#include "internal.h"

/* ---- CAP ---- */

/* Bits of CAP that ioh_vtd_cap names; the rest stays in rsvd. */
#define CAP_KNOWN                                                                          \
	(ioh_mask(7, 0) | ioh_mask(12, 8) | ioh_mask(22, 16) | ioh_mask(37, 24) |          \
	 ioh_mask(56, 39) | ioh_mask(60, 59) | ioh_mask(63, 62))

IOH_EXPORT void ioh_vtd_cap_decode(uint64_t raw, struct ioh_vtd_cap *c)
{
	memset(c, 0, sizeof(*c));
	c->nd = (unsigned)ioh_bits(raw, 2, 0);
	c->afl = ioh_bits(raw, 3, 3);
	c->rwbf = ioh_bits(raw, 4, 4);
	c->plmr = ioh_bits(raw, 5, 5);
	c->phmr = ioh_bits(raw, 6, 6);
	c->cm = ioh_bits(raw, 7, 7);
	c->sagaw = (unsigned)ioh_bits(raw, 12, 8);
	c->mgaw = (unsigned)ioh_bits(raw, 21, 16);
	c->zlr = ioh_bits(raw, 22, 22);
	c->fro = (unsigned)ioh_bits(raw, 33, 24);
	c->sllps = (unsigned)ioh_bits(raw, 37, 34);
	c->psi = ioh_bits(raw, 39, 39);
	c->nfr = (unsigned)ioh_bits(raw, 47, 40);
	c->mamv = (unsigned)ioh_bits(raw, 53, 48);
	c->dwd = ioh_bits(raw, 54, 54);
	c->drd = ioh_bits(raw, 55, 55);
	c->fl1gp = ioh_bits(raw, 56, 56);
	c->pi = ioh_bits(raw, 59, 59);
	c->fl5lp = ioh_bits(raw, 60, 60);
	c->esirtps = ioh_bits(raw, 62, 62);
	c->esrtps = ioh_bits(raw, 63, 63);
	c->rsvd = raw & ~CAP_KNOWN;
}

IOH_EXPORT uint64_t ioh_vtd_cap_encode(const struct ioh_vtd_cap *c)
{
	return ioh_field(c->nd, 2, 0) | ioh_field(c->afl, 3, 3) | ioh_field(c->rwbf, 4, 4) |
	       ioh_field(c->plmr, 5, 5) | ioh_field(c->phmr, 6, 6) | ioh_field(c->cm, 7, 7) |
	       ioh_field(c->sagaw, 12, 8) | ioh_field(c->mgaw, 21, 16) | ioh_field(c->zlr, 22, 22) |
	       ioh_field(c->fro, 33, 24) | ioh_field(c->sllps, 37, 34) | ioh_field(c->psi, 39, 39) |
	       ioh_field(c->nfr, 47, 40) | ioh_field(c->mamv, 53, 48) | ioh_field(c->dwd, 54, 54) |
	       ioh_field(c->drd, 55, 55) | ioh_field(c->fl1gp, 56, 56) | ioh_field(c->pi, 59, 59) |
	       ioh_field(c->fl5lp, 60, 60) | ioh_field(c->esirtps, 62, 62) |
	       ioh_field(c->esrtps, 63, 63) | (c->rsvd & ~CAP_KNOWN);
}

/* ---- ECAP ---- */

#define ECAP_KNOWN                                                                         \
	(ioh_mask(4, 0) | ioh_mask(17, 6) | ioh_mask(23, 20) | ioh_mask(26, 26) |          \
	 ioh_mask(31, 29) | ioh_mask(43, 35) | ioh_mask(49, 45))

IOH_EXPORT void ioh_vtd_ecap_decode(uint64_t raw, struct ioh_vtd_ecap *e)
{
	memset(e, 0, sizeof(*e));
	e->c = ioh_bits(raw, 0, 0);
	e->qi = ioh_bits(raw, 1, 1);
	e->dt = ioh_bits(raw, 2, 2);
	e->ir = ioh_bits(raw, 3, 3);
	e->eim = ioh_bits(raw, 4, 4);
	e->pt = ioh_bits(raw, 6, 6);
	e->sc = ioh_bits(raw, 7, 7);
	e->iro = (unsigned)ioh_bits(raw, 17, 8);
	e->mhmv = (unsigned)ioh_bits(raw, 23, 20);
	e->nest = ioh_bits(raw, 26, 26);
	e->prs = ioh_bits(raw, 29, 29);
	e->ers = ioh_bits(raw, 30, 30);
	e->srs = ioh_bits(raw, 31, 31);
	e->pss = (unsigned)ioh_bits(raw, 39, 35);
	e->pasid = ioh_bits(raw, 40, 40);
	e->dit = ioh_bits(raw, 41, 41);
	e->pds = ioh_bits(raw, 42, 42);
	e->smts = ioh_bits(raw, 43, 43);
	e->slads = ioh_bits(raw, 45, 45);
	e->slts = ioh_bits(raw, 46, 46);
	e->flts = ioh_bits(raw, 47, 47);
	e->smpwc = ioh_bits(raw, 48, 48);
	e->rps = ioh_bits(raw, 49, 49);
	e->rsvd = raw & ~ECAP_KNOWN;
}

IOH_EXPORT uint64_t ioh_vtd_ecap_encode(const struct ioh_vtd_ecap *e)
{
	return ioh_field(e->c, 0, 0) | ioh_field(e->qi, 1, 1) | ioh_field(e->dt, 2, 2) |
	       ioh_field(e->ir, 3, 3) | ioh_field(e->eim, 4, 4) | ioh_field(e->pt, 6, 6) |
	       ioh_field(e->sc, 7, 7) | ioh_field(e->iro, 17, 8) | ioh_field(e->mhmv, 23, 20) |
	       ioh_field(e->nest, 26, 26) | ioh_field(e->prs, 29, 29) | ioh_field(e->ers, 30, 30) |
	       ioh_field(e->srs, 31, 31) | ioh_field(e->pss, 39, 35) | ioh_field(e->pasid, 40, 40) |
	       ioh_field(e->dit, 41, 41) | ioh_field(e->pds, 42, 42) | ioh_field(e->smts, 43, 43) |
	       ioh_field(e->slads, 45, 45) | ioh_field(e->slts, 46, 46) |
	       ioh_field(e->flts, 47, 47) | ioh_field(e->smpwc, 48, 48) | ioh_field(e->rps, 49, 49) |
	       (e->rsvd & ~ECAP_KNOWN);
}

/* ---- GSTS ---- */

IOH_EXPORT void ioh_vtd_gsts_decode(uint32_t raw, struct ioh_vtd_gsts *g)
{
	g->tes = raw & IOH_VTD_GCMD_TE;
	g->rtps = raw & IOH_VTD_GCMD_SRTP;
	g->fls = raw & IOH_VTD_GCMD_SFL;
	g->afls = raw & IOH_VTD_GCMD_EAFL;
	g->wbfs = raw & IOH_VTD_GCMD_WBF;
	g->qies = raw & IOH_VTD_GCMD_QIE;
	g->ires = raw & IOH_VTD_GCMD_IRE;
	g->irtps = raw & IOH_VTD_GCMD_SIRTP;
	g->cfis = raw & IOH_VTD_GCMD_CFI;
	g->rsvd = raw & (uint32_t)ioh_mask(22, 0);
}

IOH_EXPORT uint32_t ioh_vtd_gsts_encode(const struct ioh_vtd_gsts *g)
{
	return (g->tes ? IOH_VTD_GCMD_TE : 0) | (g->rtps ? IOH_VTD_GCMD_SRTP : 0) |
	       (g->fls ? IOH_VTD_GCMD_SFL : 0) | (g->afls ? IOH_VTD_GCMD_EAFL : 0) |
	       (g->wbfs ? IOH_VTD_GCMD_WBF : 0) | (g->qies ? IOH_VTD_GCMD_QIE : 0) |
	       (g->ires ? IOH_VTD_GCMD_IRE : 0) | (g->irtps ? IOH_VTD_GCMD_SIRTP : 0) |
	       (g->cfis ? IOH_VTD_GCMD_CFI : 0) | (g->rsvd & (uint32_t)ioh_mask(22, 0));
}

/* ---- FSTS ---- */

#define FSTS_RSVD ((uint32_t)(ioh_mask(31, 16) | ioh_mask(3, 2)))

IOH_EXPORT void ioh_vtd_fsts_decode(uint32_t raw, struct ioh_vtd_fsts *f)
{
	f->pfo = raw & IOH_VTD_FSTS_PFO;
	f->ppf = raw & IOH_VTD_FSTS_PPF;
	f->iqe = raw & IOH_VTD_FSTS_IQE;
	f->ice = raw & IOH_VTD_FSTS_ICE;
	f->ite = raw & IOH_VTD_FSTS_ITE;
	f->pro = raw & IOH_VTD_FSTS_PRO;
	f->fri = IOH_VTD_FSTS_FRI(raw);
	f->rsvd = raw & FSTS_RSVD;
}

IOH_EXPORT uint32_t ioh_vtd_fsts_encode(const struct ioh_vtd_fsts *f)
{
	return (f->pfo ? IOH_VTD_FSTS_PFO : 0) | (f->ppf ? IOH_VTD_FSTS_PPF : 0) |
	       (f->iqe ? IOH_VTD_FSTS_IQE : 0) | (f->ice ? IOH_VTD_FSTS_ICE : 0) |
	       (f->ite ? IOH_VTD_FSTS_ITE : 0) | (f->pro ? IOH_VTD_FSTS_PRO : 0) |
	       (uint32_t)ioh_field(f->fri, 15, 8) | (f->rsvd & FSTS_RSVD);
}

/* ---- FRCD: lo = bits 63:0, hi = bits 127:64 ---- */

#define FRCD_RSVD_LO ioh_mask(11, 0)
#define FRCD_RSVD_HI ioh_mask(28, 16)

IOH_EXPORT void ioh_vtd_frcd_decode(const uint64_t q[2], struct ioh_vtd_frcd *f)
{
	memset(f, 0, sizeof(*f));
	f->fi = q[0] & ioh_mask(63, 12);
	f->sid = (uint16_t)ioh_bits(q[1], 15, 0);
	f->priv = ioh_bits(q[1], 29, 29);
	f->exe = ioh_bits(q[1], 30, 30);
	f->pp = ioh_bits(q[1], 31, 31);
	f->fr = (uint8_t)ioh_bits(q[1], 39, 32);
	f->pv = (uint32_t)ioh_bits(q[1], 59, 40);
	f->at = (unsigned)ioh_bits(q[1], 61, 60);
	f->t = ioh_bits(q[1], 62, 62);
	f->f = ioh_bits(q[1], 63, 63);
	f->rsvd[0] = q[0] & FRCD_RSVD_LO;
	f->rsvd[1] = q[1] & FRCD_RSVD_HI;
}

IOH_EXPORT void ioh_vtd_frcd_encode(const struct ioh_vtd_frcd *f, uint64_t q[2])
{
	q[0] = (f->fi & ioh_mask(63, 12)) | (f->rsvd[0] & FRCD_RSVD_LO);
	q[1] = ioh_field(f->sid, 15, 0) | ioh_field(f->priv, 29, 29) | ioh_field(f->exe, 30, 30) |
	       ioh_field(f->pp, 31, 31) | ioh_field(f->fr, 39, 32) | ioh_field(f->pv, 59, 40) |
	       ioh_field(f->at, 61, 60) | ioh_field(f->t, 62, 62) | ioh_field(f->f, 63, 63) |
	       (f->rsvd[1] & FRCD_RSVD_HI);
}

static unsigned rsvd_problem(struct ioh_problems *pr, const char *field, uint64_t v,
			     uint64_t mask, const char *where)
{
	if (!(v & mask))
		return 0;
	ioh_problems_add(pr, field, "reserved bits set in %s: 0x%016llx", where,
			 (unsigned long long)(v & mask));
	return 1;
}

IOH_EXPORT unsigned ioh_vtd_frcd_validate(const uint64_t q[2], struct ioh_problems *pr)
{
	unsigned n = 0;
	unsigned fr = (unsigned)ioh_bits(q[1], 39, 32);

	n += rsvd_problem(pr, "rsvd_lo", q[0], FRCD_RSVD_LO, "bits 11:0");
	n += rsvd_problem(pr, "rsvd_hi", q[1], FRCD_RSVD_HI, "bits 92:80");
	if (ioh_bits(q[1], 63, 63) && !ioh_fault_reason(fr)) {
		ioh_problems_add(pr, "fr", "0x%02x is not a defined fault reason", fr);
		n++;
	}
	return n;
}

/* ---- RTADDR ---- */

IOH_EXPORT unsigned ioh_vtd_rtaddr_validate(uint64_t raw, unsigned haw, struct ioh_problems *pr)
{
	struct ioh_vtd_rtaddr r;
	unsigned n = 0;

	ioh_vtd_rtaddr_decode(raw, &r);
	n += rsvd_problem(pr, "rsvd", raw, ioh_mask(9, 0), "bits 9:0");
	if (r.ttm == IOH_VTD_TTM_RESERVED) {
		ioh_problems_add(pr, "ttm", "translation table mode 2 is reserved");
		n++;
	}
	if (r.rta & ~ioh_vtd_haw_mask(haw)) {
		ioh_problems_add(pr, "rta", "0x%llx is beyond the %u-bit host address width",
				 (unsigned long long)r.rta, haw);
		n++;
	}
	return n;
}
