/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VT-d entry formats: decode, encode, validate. Bit positions as recorded
 * in docs/design.md (VT-d spec, cross-checked against QEMU's and
 * VirtualBox's reserved masks and the Linux setters).
 */
#include <stdio.h>
#include <string.h>

#include <ioh/vtd.h>

#include "internal.h"

/* ---- problems ---- */

IOH_EXPORT void ioh_problems_init(struct ioh_problems *pr)
{
	pr->n = 0;
	pr->dropped = 0;
}

IOH_EXPORT void ioh_problems_add(struct ioh_problems *pr, const char *field, const char *fmt, ...)
{
	struct ioh_problem *p;
	va_list ap;

	if (!pr)
		return;
	if (pr->n >= IOH_PROBLEMS_MAX) {
		pr->dropped++;
		return;
	}
	p = &pr->p[pr->n++];
	snprintf(p->field, sizeof(p->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
}

/* ---- modes ---- */

IOH_EXPORT const char *ioh_vtd_mode_name(enum ioh_vtd_mode m)
{
	switch (m) {
	case IOH_VTD_LEGACY:
		return "legacy";
	case IOH_VTD_SCALABLE:
		return "scalable";
	case IOH_VTD_ABORT_DMA:
		return "abort-dma";
	default:
		return "reserved";
	}
}

IOH_EXPORT int ioh_vtd_mode_parse(const char *s, enum ioh_vtd_mode *out)
{
	if (!strcmp(s, "legacy"))
		*out = IOH_VTD_LEGACY;
	else if (!strcmp(s, "scalable") || !strcmp(s, "sm"))
		*out = IOH_VTD_SCALABLE;
	else
		return -1;
	return 0;
}

/* ---- reserved-bit checks shared by every entry ---- */

/* Reports bits set in v & mask as a problem on `field`; returns 1 if any. */
static unsigned rsvd_check(struct ioh_problems *pr, const char *field, uint64_t v, uint64_t mask,
			   const char *where)
{
	if (!(v & mask))
		return 0;
	ioh_problems_add(pr, field, "reserved bits set in %s: 0x%016llx", where,
			 (unsigned long long)(v & mask));
	return 1;
}

/* An address field whose bits above the host address width must be zero. */
static unsigned addr_check(struct ioh_problems *pr, const char *field, uint64_t addr,
			   unsigned haw)
{
	if (!(addr & ~ioh_vtd_haw_mask(haw)))
		return 0;
	ioh_problems_add(pr, field, "0x%llx is beyond the %u-bit host address width",
			 (unsigned long long)addr, haw);
	return 1;
}

#define ADDR_MASK ioh_mask(63, 12)

/* ---- RTADDR ---- */

IOH_EXPORT void ioh_vtd_rtaddr_decode(uint64_t raw, struct ioh_vtd_rtaddr *out)
{
	out->rta = raw & ADDR_MASK;
	out->ttm = (enum ioh_vtd_mode)ioh_bits(raw, 11, 10);
	out->rsvd = raw & ioh_mask(9, 0);
}

IOH_EXPORT uint64_t ioh_vtd_rtaddr_encode(const struct ioh_vtd_rtaddr *r)
{
	return (r->rta & ADDR_MASK) | ioh_field(r->ttm, 11, 10) | (r->rsvd & ioh_mask(9, 0));
}

/* ---- root entries ---- */

/* Legacy: P bit 0, CTP 63:12; everything else reserved, including the whole hi qword. */
#define ROOT_LEGACY_RSVD_LO ioh_mask(11, 1)
/* Scalable: LP 0, LCTP 63:12, UP 64, UCTP 127:76. */
#define ROOT_SM_RSVD_LO ioh_mask(11, 1)
#define ROOT_SM_RSVD_HI ioh_mask(11, 1)

IOH_EXPORT void ioh_vtd_root_decode(const uint64_t q[2], enum ioh_vtd_mode m,
				    struct ioh_vtd_root *out)
{
	memset(out, 0, sizeof(*out));
	out->p = q[0] & 1;
	out->ctp = q[0] & ADDR_MASK;
	out->rsvd[0] = q[0] & ROOT_LEGACY_RSVD_LO;
	if (m == IOH_VTD_SCALABLE) {
		out->up = q[1] & 1;
		out->uctp = q[1] & ADDR_MASK;
		out->rsvd[1] = q[1] & ROOT_SM_RSVD_HI;
	} else {
		out->rsvd[1] = q[1];
	}
}

IOH_EXPORT void ioh_vtd_root_encode(const struct ioh_vtd_root *r, enum ioh_vtd_mode m,
				    uint64_t q[2])
{
	q[0] = (uint64_t)r->p | (r->ctp & ADDR_MASK) | (r->rsvd[0] & ROOT_LEGACY_RSVD_LO);
	if (m == IOH_VTD_SCALABLE)
		q[1] = (uint64_t)r->up | (r->uctp & ADDR_MASK) | (r->rsvd[1] & ROOT_SM_RSVD_HI);
	else
		q[1] = r->rsvd[1];
}

IOH_EXPORT unsigned ioh_vtd_root_validate(const uint64_t q[2], enum ioh_vtd_mode m, unsigned haw,
					  struct ioh_problems *pr)
{
	unsigned n = 0;

	n += rsvd_check(pr, "rsvd_lo", q[0], ROOT_LEGACY_RSVD_LO, "bits 11:1");
	if (q[0] & 1)
		n += addr_check(pr, m == IOH_VTD_SCALABLE ? "lctp" : "ctp", q[0] & ADDR_MASK, haw);
	if (m == IOH_VTD_SCALABLE) {
		n += rsvd_check(pr, "rsvd_hi", q[1], ROOT_SM_RSVD_HI, "bits 75:65");
		if (q[1] & 1)
			n += addr_check(pr, "uctp", q[1] & ADDR_MASK, haw);
	} else {
		n += rsvd_check(pr, "rsvd_hi", q[1], ~0ULL, "bits 127:64");
	}
	return n;
}

/* ---- legacy context entry ---- */

#define CTX_RSVD_LO ioh_mask(11, 4)
#define CTX_RSVD_HI (ioh_mask(63, 24) | ioh_mask(7, 7))

IOH_EXPORT unsigned ioh_vtd_aw_levels(unsigned aw)
{
	return aw >= 1 && aw <= 3 ? aw + 2 : 0;
}

IOH_EXPORT void ioh_vtd_context_decode(const uint64_t q[2], struct ioh_vtd_context *out)
{
	memset(out, 0, sizeof(*out));
	out->p = ioh_bits(q[0], 0, 0);
	out->fpd = ioh_bits(q[0], 1, 1);
	out->tt = (unsigned)ioh_bits(q[0], 3, 2);
	out->slptptr = q[0] & ADDR_MASK;
	out->aw = (unsigned)ioh_bits(q[1], 2, 0);
	out->avail = (unsigned)ioh_bits(q[1], 6, 3);
	out->did = (uint16_t)ioh_bits(q[1], 23, 8);
	out->rsvd[0] = q[0] & CTX_RSVD_LO;
	out->rsvd[1] = q[1] & CTX_RSVD_HI;
}

IOH_EXPORT void ioh_vtd_context_encode(const struct ioh_vtd_context *c, uint64_t q[2])
{
	q[0] = ioh_field(c->p, 0, 0) | ioh_field(c->fpd, 1, 1) | ioh_field(c->tt, 3, 2) |
	       (c->slptptr & ADDR_MASK) | (c->rsvd[0] & CTX_RSVD_LO);
	q[1] = ioh_field(c->aw, 2, 0) | ioh_field(c->avail, 6, 3) | ioh_field(c->did, 23, 8) |
	       (c->rsvd[1] & CTX_RSVD_HI);
}

IOH_EXPORT unsigned ioh_vtd_context_validate(const uint64_t q[2], unsigned haw,
					     struct ioh_problems *pr)
{
	struct ioh_vtd_context c;
	unsigned n = 0;

	ioh_vtd_context_decode(q, &c);
	n += rsvd_check(pr, "rsvd_lo", q[0], CTX_RSVD_LO, "bits 11:4");
	n += rsvd_check(pr, "rsvd_hi", q[1], CTX_RSVD_HI, "bits 127:88 or 71");
	if (!c.p)
		return n;
	if (c.tt == IOH_VTD_TT_RESERVED) {
		ioh_problems_add(pr, "tt", "translation type 3 is reserved");
		n++;
	}
	/* Pass-through entries carry the largest AGAW too; QEMU checks AW before TT. */
	if (!ioh_vtd_aw_levels(c.aw)) {
		ioh_problems_add(pr, "aw", "address width %u is reserved", c.aw);
		n++;
	}
	if (c.tt != IOH_VTD_TT_PASS_THROUGH) {
		if (!c.slptptr) {
			ioh_problems_add(pr, "slptptr", "present entry points to page 0");
			n++;
		}
		n += addr_check(pr, "slptptr", c.slptptr, haw);
	}
	return n;
}

/* ---- scalable-mode context entry ---- */

#define SMCTX_RSVD_Q0 ioh_mask(8, 5)
#define SMCTX_RSVD_Q1 ioh_mask(63, 21)

IOH_EXPORT void ioh_vtd_sm_context_decode(const uint64_t q[4], struct ioh_vtd_sm_context *out)
{
	memset(out, 0, sizeof(*out));
	out->p = ioh_bits(q[0], 0, 0);
	out->fpd = ioh_bits(q[0], 1, 1);
	out->dte = ioh_bits(q[0], 2, 2);
	out->paside = ioh_bits(q[0], 3, 3);
	out->pre = ioh_bits(q[0], 4, 4);
	out->pdts = (unsigned)ioh_bits(q[0], 11, 9);
	out->pasiddirptr = q[0] & ADDR_MASK;
	out->rid_pasid = (uint32_t)ioh_bits(q[1], 19, 0);
	out->rid_priv = ioh_bits(q[1], 20, 20);
	out->rsvd[0] = q[0] & SMCTX_RSVD_Q0;
	out->rsvd[1] = q[1] & SMCTX_RSVD_Q1;
	out->rsvd[2] = q[2];
	out->rsvd[3] = q[3];
}

IOH_EXPORT void ioh_vtd_sm_context_encode(const struct ioh_vtd_sm_context *c, uint64_t q[4])
{
	q[0] = ioh_field(c->p, 0, 0) | ioh_field(c->fpd, 1, 1) | ioh_field(c->dte, 2, 2) |
	       ioh_field(c->paside, 3, 3) | ioh_field(c->pre, 4, 4) | ioh_field(c->pdts, 11, 9) |
	       (c->pasiddirptr & ADDR_MASK) | (c->rsvd[0] & SMCTX_RSVD_Q0);
	q[1] = ioh_field(c->rid_pasid, 19, 0) | ioh_field(c->rid_priv, 20, 20) |
	       (c->rsvd[1] & SMCTX_RSVD_Q1);
	q[2] = c->rsvd[2];
	q[3] = c->rsvd[3];
}

IOH_EXPORT unsigned ioh_vtd_sm_context_validate(const uint64_t q[4], unsigned haw,
						struct ioh_problems *pr)
{
	unsigned n = 0;

	n += rsvd_check(pr, "rsvd_q0", q[0], SMCTX_RSVD_Q0, "bits 8:5");
	n += rsvd_check(pr, "rsvd_q1", q[1], SMCTX_RSVD_Q1, "bits 127:85");
	n += rsvd_check(pr, "rsvd_q2", q[2], ~0ULL, "bits 191:128");
	n += rsvd_check(pr, "rsvd_q3", q[3], ~0ULL, "bits 255:192");
	if (!(q[0] & 1))
		return n;
	if (!(q[0] & ADDR_MASK)) {
		ioh_problems_add(pr, "pasiddirptr", "present entry points to page 0");
		n++;
	}
	n += addr_check(pr, "pasiddirptr", q[0] & ADDR_MASK, haw);
	return n;
}

/* ---- PASID directory entry ---- */

#define PDIR_RSVD ioh_mask(11, 2)

IOH_EXPORT void ioh_vtd_pasid_dir_decode(uint64_t raw, struct ioh_vtd_pasid_dir *out)
{
	out->p = raw & 1;
	out->fpd = ioh_bits(raw, 1, 1);
	out->smptblptr = raw & ADDR_MASK;
	out->rsvd = raw & PDIR_RSVD;
}

IOH_EXPORT uint64_t ioh_vtd_pasid_dir_encode(const struct ioh_vtd_pasid_dir *d)
{
	return ioh_field(d->p, 0, 0) | ioh_field(d->fpd, 1, 1) | (d->smptblptr & ADDR_MASK) |
	       (d->rsvd & PDIR_RSVD);
}

IOH_EXPORT unsigned ioh_vtd_pasid_dir_validate(uint64_t raw, unsigned haw, struct ioh_problems *pr)
{
	unsigned n = rsvd_check(pr, "rsvd", raw, PDIR_RSVD, "bits 11:2");

	if (raw & 1) {
		if (!(raw & ADDR_MASK)) {
			ioh_problems_add(pr, "smptblptr", "present entry points to page 0");
			n++;
		}
		n += addr_check(pr, "smptblptr", raw & ADDR_MASK, haw);
	}
	return n;
}

/* ---- PASID table entry ---- */

#define PASID_RSVD_Q0 ioh_mask(11, 10)
#define PASID_RSVD_Q1 ioh_mask(22, 16)
#define PASID_RSVD_Q2 ioh_mask(11, 8)

IOH_EXPORT const char *ioh_vtd_pgtt_name(unsigned pgtt)
{
	switch (pgtt) {
	case IOH_VTD_PGTT_FL_ONLY:
		return "first-level";
	case IOH_VTD_PGTT_SL_ONLY:
		return "second-level";
	case IOH_VTD_PGTT_NESTED:
		return "nested";
	case IOH_VTD_PGTT_PT:
		return "pass-through";
	default:
		return "reserved";
	}
}

IOH_EXPORT void ioh_vtd_pasid_decode(const uint64_t q[8], struct ioh_vtd_pasid *out)
{
	memset(out, 0, sizeof(*out));
	out->p = ioh_bits(q[0], 0, 0);
	out->fpd = ioh_bits(q[0], 1, 1);
	out->aw = (unsigned)ioh_bits(q[0], 4, 2);
	out->slee = ioh_bits(q[0], 5, 5);
	out->pgtt = (unsigned)ioh_bits(q[0], 8, 6);
	out->slade = ioh_bits(q[0], 9, 9);
	out->slptptr = q[0] & ADDR_MASK;
	out->did = (uint16_t)ioh_bits(q[1], 15, 0);
	out->pwsnp = ioh_bits(q[1], 23, 23);
	out->pgsnp = ioh_bits(q[1], 24, 24);
	out->cd = ioh_bits(q[1], 25, 25);
	out->emte = ioh_bits(q[1], 26, 26);
	out->emt = (unsigned)ioh_bits(q[1], 29, 27);
	out->pwt = ioh_bits(q[1], 30, 30);
	out->pcd = ioh_bits(q[1], 31, 31);
	out->pat = (uint32_t)ioh_bits(q[1], 63, 32);
	out->sre = ioh_bits(q[2], 0, 0);
	out->ere = ioh_bits(q[2], 1, 1);
	out->flpm = (unsigned)ioh_bits(q[2], 3, 2);
	out->wpe = ioh_bits(q[2], 4, 4);
	out->nxe = ioh_bits(q[2], 5, 5);
	out->smep = ioh_bits(q[2], 6, 6);
	out->eafe = ioh_bits(q[2], 7, 7);
	out->flptptr = q[2] & ADDR_MASK;
	out->rsvd[0] = q[0] & PASID_RSVD_Q0;
	out->rsvd[1] = q[1] & PASID_RSVD_Q1;
	out->rsvd[2] = q[2] & PASID_RSVD_Q2;
	for (int i = 3; i < 8; i++)
		out->rsvd[i] = q[i];
}

IOH_EXPORT void ioh_vtd_pasid_encode(const struct ioh_vtd_pasid *e, uint64_t q[8])
{
	q[0] = ioh_field(e->p, 0, 0) | ioh_field(e->fpd, 1, 1) | ioh_field(e->aw, 4, 2) |
	       ioh_field(e->slee, 5, 5) | ioh_field(e->pgtt, 8, 6) | ioh_field(e->slade, 9, 9) |
	       (e->slptptr & ADDR_MASK) | (e->rsvd[0] & PASID_RSVD_Q0);
	q[1] = ioh_field(e->did, 15, 0) | ioh_field(e->pwsnp, 23, 23) |
	       ioh_field(e->pgsnp, 24, 24) | ioh_field(e->cd, 25, 25) | ioh_field(e->emte, 26, 26) |
	       ioh_field(e->emt, 29, 27) | ioh_field(e->pwt, 30, 30) | ioh_field(e->pcd, 31, 31) |
	       ioh_field(e->pat, 63, 32) | (e->rsvd[1] & PASID_RSVD_Q1);
	q[2] = ioh_field(e->sre, 0, 0) | ioh_field(e->ere, 1, 1) | ioh_field(e->flpm, 3, 2) |
	       ioh_field(e->wpe, 4, 4) | ioh_field(e->nxe, 5, 5) | ioh_field(e->smep, 6, 6) |
	       ioh_field(e->eafe, 7, 7) | (e->flptptr & ADDR_MASK) | (e->rsvd[2] & PASID_RSVD_Q2);
	for (int i = 3; i < 8; i++)
		q[i] = e->rsvd[i];
}

/* Which page-table pointers a PGTT makes hardware use. */
static bool pgtt_uses_sl(unsigned pgtt)
{
	return pgtt == IOH_VTD_PGTT_SL_ONLY || pgtt == IOH_VTD_PGTT_NESTED;
}

static bool pgtt_uses_fl(unsigned pgtt)
{
	return pgtt == IOH_VTD_PGTT_FL_ONLY || pgtt == IOH_VTD_PGTT_NESTED;
}

IOH_EXPORT unsigned ioh_vtd_pasid_validate(const uint64_t q[8], unsigned haw,
					   struct ioh_problems *pr)
{
	struct ioh_vtd_pasid e;
	unsigned n = 0;

	ioh_vtd_pasid_decode(q, &e);
	n += rsvd_check(pr, "rsvd_q0", q[0], PASID_RSVD_Q0, "bits 11:10");
	n += rsvd_check(pr, "rsvd_q1", q[1], PASID_RSVD_Q1, "bits 86:80");
	n += rsvd_check(pr, "rsvd_q2", q[2], PASID_RSVD_Q2, "bits 139:136");
	for (int i = 3; i < 8; i++) {
		static const char *const names[] = { "rsvd_q3", "rsvd_q4", "rsvd_q5", "rsvd_q6",
						      "rsvd_q7" };
		n += rsvd_check(pr, names[i - 3], q[i], ~0ULL, "bits 511:192");
	}
	if (!e.p)
		return n;
	if (e.pgtt < IOH_VTD_PGTT_FL_ONLY || e.pgtt > IOH_VTD_PGTT_PT) {
		ioh_problems_add(pr, "pgtt", "PASID granular translation type %u is reserved",
				 e.pgtt);
		n++;
	}
	if (pgtt_uses_sl(e.pgtt)) {
		if (!ioh_vtd_aw_levels(e.aw)) {
			ioh_problems_add(pr, "aw", "address width %u is reserved", e.aw);
			n++;
		}
		if (!e.slptptr) {
			ioh_problems_add(pr, "slptptr", "second-level table at page 0");
			n++;
		}
		n += addr_check(pr, "slptptr", e.slptptr, haw);
	}
	if (pgtt_uses_fl(e.pgtt)) {
		if (e.flpm > 1) {
			ioh_problems_add(pr, "flpm", "first-level paging mode %u is reserved",
					 e.flpm);
			n++;
		}
		if (!e.flptptr) {
			ioh_problems_add(pr, "flptptr", "first-level table at page 0");
			n++;
		}
		n += addr_check(pr, "flptptr", e.flptptr, haw);
	}
	return n;
}
