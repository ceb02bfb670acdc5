/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry formats against the spec, exhaustively: every field at its bit range,
 * every bit of every entry type either a field or reserved, every reserved bit
 * reported by validate (and no other bit reported as reserved), round trips of
 * random words, and the consistency rules. Bit ranges from VTD.md 1.1-1.5.
 */
#include <ioh/vtd.h>

#include "harness.h"
#include "vtd-fields.h"

#define HAW 48

/* ---- field tables ---- */

#define RT struct ioh_vtd_root
static const struct fspec root_legacy_fields[] = {
	F(RT, p, 0, 0), A(RT, rsvd[0], 11, 1), A(RT, ctp, 63, 12), A(RT, rsvd[1], 127, 64),
};
static const struct fspec root_sm_fields[] = {
	F(RT, p, 0, 0),	   A(RT, rsvd[0], 11, 1),  A(RT, ctp, 63, 12),
	F(RT, up, 64, 64), A(RT, rsvd[1], 75, 65), A(RT, uctp, 127, 76),
};
#undef RT

#define CT struct ioh_vtd_context
static const struct fspec context_fields[] = {
	F(CT, p, 0, 0),		  F(CT, fpd, 1, 1),	     F(CT, tt, 3, 2),
	A(CT, rsvd[0], 11, 4),	  A(CT, slptptr, 63, 12),    F(CT, aw, 66, 64),
	F(CT, avail, 70, 67),	  A(CT, rsvd[1], 71, 71),    F(CT, did, 87, 72),
	A(CT, rsvd[1], 127, 88),
};
#undef CT

#define SC struct ioh_vtd_sm_context
static const struct fspec sm_context_fields[] = {
	F(SC, p, 0, 0),		      F(SC, fpd, 1, 1),		F(SC, dte, 2, 2),
	F(SC, paside, 3, 3),	      F(SC, pre, 4, 4),		A(SC, rsvd[0], 8, 5),
	F(SC, pdts, 11, 9),	      A(SC, pasiddirptr, 63, 12), F(SC, rid_pasid, 83, 64),
	F(SC, rid_priv, 84, 84),      A(SC, rsvd[1], 127, 85),	A(SC, rsvd[2], 191, 128),
	A(SC, rsvd[3], 255, 192),
};
#undef SC

#define PD struct ioh_vtd_pasid_dir
static const struct fspec pasid_dir_fields[] = {
	F(PD, p, 0, 0), F(PD, fpd, 1, 1), A(PD, rsvd, 11, 2), A(PD, smptblptr, 63, 12),
};
#undef PD

#define PE struct ioh_vtd_pasid
static const struct fspec pasid_fields[] = {
	F(PE, p, 0, 0),		 F(PE, fpd, 1, 1),	   F(PE, aw, 4, 2),
	F(PE, slee, 5, 5),	 F(PE, pgtt, 8, 6),	   F(PE, slade, 9, 9),
	A(PE, rsvd[0], 11, 10),	 A(PE, slptptr, 63, 12),   F(PE, did, 79, 64),
	A(PE, rsvd[1], 86, 80),	 F(PE, pwsnp, 87, 87),	   F(PE, pgsnp, 88, 88),
	F(PE, cd, 89, 89),	 F(PE, emte, 90, 90),	   F(PE, emt, 93, 91),
	F(PE, pwt, 94, 94),	 F(PE, pcd, 95, 95),	   F(PE, pat, 127, 96),
	F(PE, sre, 128, 128),	 F(PE, ere, 129, 129),	   F(PE, flpm, 131, 130),
	F(PE, wpe, 132, 132),	 F(PE, nxe, 133, 133),	   F(PE, smep, 134, 134),
	F(PE, eafe, 135, 135),	 A(PE, rsvd[2], 139, 136), A(PE, flptptr, 191, 140),
	A(PE, rsvd[3], 255, 192), A(PE, rsvd[4], 319, 256), A(PE, rsvd[5], 383, 320),
	A(PE, rsvd[6], 447, 384), A(PE, rsvd[7], 511, 448),
};
#undef PE

#define RA struct ioh_vtd_rtaddr
static const struct fspec rtaddr_fields[] = {
	A(RA, rsvd, 9, 0), F(RA, ttm, 11, 10), A(RA, rta, 63, 12),
};
#undef RA

static void root_l_dec(const uint64_t *q, void *o) { ioh_vtd_root_decode(q, IOH_VTD_LEGACY, o); }
static void root_l_enc(const void *i, uint64_t *q) { ioh_vtd_root_encode(i, IOH_VTD_LEGACY, q); }
static void root_s_dec(const uint64_t *q, void *o) { ioh_vtd_root_decode(q, IOH_VTD_SCALABLE, o); }
static void root_s_enc(const void *i, uint64_t *q) { ioh_vtd_root_encode(i, IOH_VTD_SCALABLE, q); }
static void ctx_dec(const uint64_t *q, void *o) { ioh_vtd_context_decode(q, o); }
static void ctx_enc(const void *i, uint64_t *q) { ioh_vtd_context_encode(i, q); }
static void smc_dec(const uint64_t *q, void *o) { ioh_vtd_sm_context_decode(q, o); }
static void smc_enc(const void *i, uint64_t *q) { ioh_vtd_sm_context_encode(i, q); }
static void pd_dec(const uint64_t *q, void *o) { ioh_vtd_pasid_dir_decode(q[0], o); }
static void pd_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_pasid_dir_encode(i); }
static void pe_dec(const uint64_t *q, void *o) { ioh_vtd_pasid_decode(q, o); }
static void pe_enc(const void *i, uint64_t *q) { ioh_vtd_pasid_encode(i, q); }
static void ra_dec(const uint64_t *q, void *o) { ioh_vtd_rtaddr_decode(q[0], o); }
static void ra_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_rtaddr_encode(i); }

#define TABLE(t) t, IOH_ARRAY_SIZE(t)

TEST(vtdspec_every_field_at_its_bits)
{
	fs_check_table("legacy root", TABLE(root_legacy_fields), sizeof(struct ioh_vtd_root), 2,
		       root_l_dec, root_l_enc);
	fs_check_table("sm root", TABLE(root_sm_fields), sizeof(struct ioh_vtd_root), 2,
		       root_s_dec, root_s_enc);
	fs_check_table("context", TABLE(context_fields), sizeof(struct ioh_vtd_context), 2,
		       ctx_dec, ctx_enc);
	fs_check_table("sm context", TABLE(sm_context_fields), sizeof(struct ioh_vtd_sm_context),
		       4, smc_dec, smc_enc);
	fs_check_table("pasid dir", TABLE(pasid_dir_fields), sizeof(struct ioh_vtd_pasid_dir), 1,
		       pd_dec, pd_enc);
	fs_check_table("pasid", TABLE(pasid_fields), sizeof(struct ioh_vtd_pasid), 8, pe_dec,
		       pe_enc);
	fs_check_table("rtaddr", TABLE(rtaddr_fields), sizeof(struct ioh_vtd_rtaddr), 1, ra_dec,
		       ra_enc);
}

/* ---- round trips ---- */

TEST(vtdspec_roundtrip_random_all_entries)
{
	uint64_t x = 0x13198a2e03707344ULL;

	for (int i = 0; i < 2000; i++) {
		uint64_t q[8], b[8];
		struct ioh_vtd_root r;
		struct ioh_vtd_sm_context sc;
		struct ioh_vtd_pasid pe;
		struct ioh_vtd_pasid_dir pd;

		for (int k = 0; k < 8; k++)
			q[k] = fs_rand(&x);
		ioh_vtd_root_decode(q, IOH_VTD_LEGACY, &r);
		ioh_vtd_root_encode(&r, IOH_VTD_LEGACY, b);
		CHECK(!memcmp(q, b, 16));
		ioh_vtd_root_decode(q, IOH_VTD_SCALABLE, &r);
		ioh_vtd_root_encode(&r, IOH_VTD_SCALABLE, b);
		CHECK(!memcmp(q, b, 16));
		ioh_vtd_sm_context_decode(q, &sc);
		ioh_vtd_sm_context_encode(&sc, b);
		CHECK(!memcmp(q, b, 32));
		ioh_vtd_pasid_decode(q, &pe);
		ioh_vtd_pasid_encode(&pe, b);
		CHECK(!memcmp(q, b, 64));
		ioh_vtd_pasid_dir_decode(q[3], &pd);
		CHECK_EQ(ioh_vtd_pasid_dir_encode(&pd), q[3]);
	}
}

/* ---- reserved bits: each one reported, and nothing else called reserved ---- */

typedef unsigned (*validate_fn)(const uint64_t *q, struct ioh_problems *pr);

static unsigned v_root_l(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_root_validate(q, IOH_VTD_LEGACY, HAW, pr);
}
static unsigned v_root_s(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_root_validate(q, IOH_VTD_SCALABLE, HAW, pr);
}
static unsigned v_ctx(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_context_validate(q, HAW, pr);
}
static unsigned v_smc(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_sm_context_validate(q, HAW, pr);
}
static unsigned v_pd(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_pasid_dir_validate(q[0], HAW, pr);
}
static unsigned v_pe(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_pasid_validate(q, HAW, pr);
}
static unsigned v_ra(const uint64_t *q, struct ioh_problems *pr)
{
	return ioh_vtd_rtaddr_validate(q[0], HAW, pr);
}

static bool any_rsvd_problem(const struct ioh_problems *pr)
{
	for (unsigned i = 0; i < pr->n; i++)
		if (!strncmp(pr->p[i].field, "rsvd", 4))
			return true;
	return false;
}

/*
 * base is a valid present entry; every bit in the table's rsvd ranges, set
 * alone on top of it, gives exactly one problem naming a rsvd field; every
 * other bit, flipped, gives no rsvd problem (it may give another one).
 */
static void check_reserved(const char *what, const struct fspec *t, size_t n, unsigned nq,
			   const uint64_t *base, validate_fn v)
{
	uint64_t rsvd[8] = { 0 };
	struct ioh_problems pr;

	for (size_t i = 0; i < n; i++)
		if (!strncmp(t[i].name, "rsvd", 4))
			fs_raw_set(rsvd, t[i].hi, t[i].lo);
	ioh_problems_init(&pr);
	CHECK_MSG(v(base, &pr) == 0, "%s: baseline has problems: %s: %s", what,
		  pr.n ? pr.p[0].field : "", pr.n ? pr.p[0].what : "");
	for (unsigned b = 0; b < nq * 64; b++) {
		uint64_t q[8];
		bool is_rsvd = (rsvd[b / 64] >> (b % 64)) & 1;
		unsigned got;

		memcpy(q, base, nq * 8);
		q[b / 64] ^= 1ULL << (b % 64);
		ioh_problems_init(&pr);
		got = v(q, &pr);
		if (is_rsvd) {
			CHECK_MSG(got == 1 && any_rsvd_problem(&pr),
				  "%s: reserved bit %u: %u problems, first %s", what, b, got,
				  pr.n ? pr.p[0].field : "-");
		} else {
			CHECK_MSG(!any_rsvd_problem(&pr), "%s: bit %u is a field but reported: %s",
				  what, b, pr.p[0].what);
		}
		CHECK_EQ(got, ioh_problems_count(&pr));
	}
}

TEST(vtdspec_reserved_bits_every_entry_type)
{
	const uint64_t root_l[2] = { 0x1000 | 1, 0 };
	const uint64_t root_s[2] = { 0x1000 | 1, 0x2000 | 1 };
	const uint64_t ctx[2] = { 0x12345001, 5u << 8 | 2 };
	const uint64_t smc[4] = { 0x12345000 | 2u << 9 | 1, 0, 0, 0 };
	const uint64_t pd[1] = { 0x12345001 };
	/* second-level only, 4-level, DID 7 */
	const uint64_t pe[8] = { 0x12345000 | 2u << 6 | 2u << 2 | 1, 7 };
	const uint64_t ra[1] = { 0x1a2d000 };

	check_reserved("legacy root", TABLE(root_legacy_fields), 2, root_l, v_root_l);
	check_reserved("sm root", TABLE(root_sm_fields), 2, root_s, v_root_s);
	check_reserved("context", TABLE(context_fields), 2, ctx, v_ctx);
	check_reserved("sm context", TABLE(sm_context_fields), 4, smc, v_smc);
	check_reserved("pasid dir", TABLE(pasid_dir_fields), 1, pd, v_pd);
	check_reserved("pasid", TABLE(pasid_fields), 8, pe, v_pe);
	check_reserved("rtaddr", TABLE(rtaddr_fields), 1, ra, v_ra);
}

/* Reserved bits count even in a non-present entry (a torn or half-written one). */
TEST(vtdspec_reserved_in_non_present)
{
	uint64_t ctx[2] = { 1u << 5, 0 };
	struct ioh_problems pr;

	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_context_validate(ctx, HAW, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "rsvd_lo");
}

/* ---- consistency rules ---- */

static const char *first_field(unsigned (*fn)(const uint64_t *, struct ioh_problems *),
			       const uint64_t *q, unsigned *n)
{
	static struct ioh_problems pr;

	ioh_problems_init(&pr);
	*n = fn(q, &pr);
	return pr.n ? pr.p[0].field : "";
}

TEST(vtdspec_context_consistency)
{
	unsigned n;
	uint64_t q[2];

	for (unsigned aw = 0; aw < 8; aw++) {
		q[0] = 0x12345001;
		q[1] = 5u << 8 | aw;
		first_field(v_ctx, q, &n);
		CHECK_EQ(n, (aw >= 1 && aw <= 3) ? 0 : 1);
		CHECK_EQ(ioh_vtd_aw_levels(aw), (aw >= 1 && aw <= 3) ? aw + 2 : 0);
	}
	q[0] = 0x12345001 | 3u << 2; /* TT 3 */
	q[1] = 2;
	CHECK_STREQ(first_field(v_ctx, q, &n), "tt");
	q[0] = 0x1 | 2u << 2; /* pass-through: no table needed, AW still checked */
	q[1] = 2;
	first_field(v_ctx, q, &n);
	CHECK_EQ(n, 0);
	q[1] = 0;
	CHECK_STREQ(first_field(v_ctx, q, &n), "aw");
	q[0] = 0x1; /* multi-level at page 0 */
	q[1] = 2;
	CHECK_STREQ(first_field(v_ctx, q, &n), "slptptr");
	q[0] = (1ULL << HAW) | 1;
	CHECK_STREQ(first_field(v_ctx, q, &n), "slptptr");
	q[0] = 0x12345000; /* not present: contents beyond reserved bits do not matter */
	q[1] = 0;
	first_field(v_ctx, q, &n);
	CHECK_EQ(n, 0);
}

TEST(vtdspec_root_and_sm_consistency)
{
	unsigned n;
	uint64_t r[2] = { (1ULL << HAW) | 1, 0 };
	uint64_t s[2] = { 0x1000 | 1, (1ULL << 50) | 1 };
	uint64_t c[4] = { 1, 0, 0, 0 };

	CHECK_STREQ(first_field(v_root_l, r, &n), "ctp");
	CHECK_STREQ(first_field(v_root_s, s, &n), "uctp");
	s[1] = 1ULL << 50; /* UP clear: the upper pointer is not used */
	first_field(v_root_s, s, &n);
	CHECK_EQ(n, 0);
	CHECK_STREQ(first_field(v_smc, c, &n), "pasiddirptr");
	c[0] = (1ULL << 49) | 1;
	CHECK_STREQ(first_field(v_smc, c, &n), "pasiddirptr");
}

TEST(vtdspec_pasid_consistency)
{
	unsigned n;
	uint64_t q[8] = { 0 };

	for (unsigned pgtt = 0; pgtt < 8; pgtt++) {
		memset(q, 0, sizeof(q));
		q[0] = 0x12345000 | (uint64_t)pgtt << 6 | 2u << 2 | 1;
		q[2] = 0x23456000;
		first_field(v_pe, q, &n);
		CHECK_MSG(n == (pgtt >= 1 && pgtt <= 4 ? 0u : 1u), "pgtt %u: %u problems", pgtt, n);
	}
	memset(q, 0, sizeof(q));
	q[0] = 1u << 6 | 1; /* first-level only, FLPTPTR 0 */
	CHECK_STREQ(first_field(v_pe, q, &n), "flptptr");
	q[2] = 0x23456000 | 2u << 2; /* FLPM 2 reserved */
	CHECK_STREQ(first_field(v_pe, q, &n), "flpm");
	memset(q, 0, sizeof(q));
	q[0] = 0x12345000 | 2u << 6 | 0u << 2 | 1; /* second-level, AW 0 */
	CHECK_STREQ(first_field(v_pe, q, &n), "aw");
	q[0] = 4u << 6 | 1; /* pass-through needs no table */
	first_field(v_pe, q, &n);
	CHECK_EQ(n, 0);
	uint64_t d = 1;
	CHECK_STREQ(first_field(v_pd, &d, &n), "smptblptr");
}

/* The sizes the table-page decoder relies on. */
TEST(vtdspec_entries_per_page)
{
	CHECK_EQ(IOH_VTD_TABLE_SIZE / 16, 256);	 /* root, legacy context */
	CHECK_EQ(IOH_VTD_TABLE_SIZE / 32, 128);	 /* scalable context */
	CHECK_EQ(IOH_VTD_TABLE_SIZE / 8, 512);	 /* PASID directory */
	CHECK_EQ(IOH_VTD_TABLE_SIZE / 64, 64);	 /* PASID table */
	CHECK_EQ(ioh_vtd_pdts_entries(0), 128);
	CHECK_EQ(ioh_vtd_pdts_entries(7), 16384); /* PASID[19:6] */
	CHECK_EQ(ioh_vtd_haw_mask(39), 0x7fffffffffULL);
	CHECK_EQ(ioh_vtd_haw_mask(64), ~0ULL);
}
