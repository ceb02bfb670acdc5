/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registers: CAP, ECAP, GSTS, FSTS, FRCD, RTADDR, field by field at the
 * spec's bit positions, exact round trips, and the arithmetic on real values.
 */
#include <ioh/vtd.h>

#include "harness.h"
#include "vtd-fields.h"

/* ---- CAP ---- */

static const struct fspec cap_fields[] = {
	F(struct ioh_vtd_cap, nd, 2, 0),	F(struct ioh_vtd_cap, afl, 3, 3),
	F(struct ioh_vtd_cap, rwbf, 4, 4),	F(struct ioh_vtd_cap, plmr, 5, 5),
	F(struct ioh_vtd_cap, phmr, 6, 6),	F(struct ioh_vtd_cap, cm, 7, 7),
	F(struct ioh_vtd_cap, sagaw, 12, 8),	A(struct ioh_vtd_cap, rsvd, 15, 13),
	F(struct ioh_vtd_cap, mgaw, 21, 16),	F(struct ioh_vtd_cap, zlr, 22, 22),
	A(struct ioh_vtd_cap, rsvd, 23, 23),	F(struct ioh_vtd_cap, fro, 33, 24),
	F(struct ioh_vtd_cap, sllps, 37, 34),	A(struct ioh_vtd_cap, rsvd, 38, 38),
	F(struct ioh_vtd_cap, psi, 39, 39),	F(struct ioh_vtd_cap, nfr, 47, 40),
	F(struct ioh_vtd_cap, mamv, 53, 48),	F(struct ioh_vtd_cap, dwd, 54, 54),
	F(struct ioh_vtd_cap, drd, 55, 55),	F(struct ioh_vtd_cap, fl1gp, 56, 56),
	A(struct ioh_vtd_cap, rsvd, 58, 57),	F(struct ioh_vtd_cap, pi, 59, 59),
	F(struct ioh_vtd_cap, fl5lp, 60, 60),	A(struct ioh_vtd_cap, rsvd, 61, 61),
	F(struct ioh_vtd_cap, esirtps, 62, 62), F(struct ioh_vtd_cap, esrtps, 63, 63),
};

static void cap_dec(const uint64_t *q, void *o) { ioh_vtd_cap_decode(q[0], o); }
static void cap_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_cap_encode(i); }

TEST(vtdreg_cap_every_field_at_its_bits)
{
	fs_check_table("cap", cap_fields, IOH_ARRAY_SIZE(cap_fields), sizeof(struct ioh_vtd_cap), 1,
		       cap_dec, cap_enc);
}

/* ---- ECAP ---- */

static const struct fspec ecap_fields[] = {
	F(struct ioh_vtd_ecap, c, 0, 0),	  F(struct ioh_vtd_ecap, qi, 1, 1),
	F(struct ioh_vtd_ecap, dt, 2, 2),	  F(struct ioh_vtd_ecap, ir, 3, 3),
	F(struct ioh_vtd_ecap, eim, 4, 4),	  A(struct ioh_vtd_ecap, rsvd, 5, 5),
	F(struct ioh_vtd_ecap, pt, 6, 6),	  F(struct ioh_vtd_ecap, sc, 7, 7),
	F(struct ioh_vtd_ecap, iro, 17, 8),	  A(struct ioh_vtd_ecap, rsvd, 19, 18),
	F(struct ioh_vtd_ecap, mhmv, 23, 20),	  A(struct ioh_vtd_ecap, rsvd, 25, 24),
	F(struct ioh_vtd_ecap, nest, 26, 26),	  A(struct ioh_vtd_ecap, rsvd, 28, 27),
	F(struct ioh_vtd_ecap, prs, 29, 29),	  F(struct ioh_vtd_ecap, ers, 30, 30),
	F(struct ioh_vtd_ecap, srs, 31, 31),	  A(struct ioh_vtd_ecap, rsvd, 34, 32),
	F(struct ioh_vtd_ecap, pss, 39, 35),	  F(struct ioh_vtd_ecap, pasid, 40, 40),
	F(struct ioh_vtd_ecap, dit, 41, 41),	  F(struct ioh_vtd_ecap, pds, 42, 42),
	F(struct ioh_vtd_ecap, smts, 43, 43),	  A(struct ioh_vtd_ecap, rsvd, 44, 44),
	F(struct ioh_vtd_ecap, slads, 45, 45),	  F(struct ioh_vtd_ecap, slts, 46, 46),
	F(struct ioh_vtd_ecap, flts, 47, 47),	  F(struct ioh_vtd_ecap, smpwc, 48, 48),
	F(struct ioh_vtd_ecap, rps, 49, 49),	  A(struct ioh_vtd_ecap, rsvd, 63, 50),
};

static void ecap_dec(const uint64_t *q, void *o) { ioh_vtd_ecap_decode(q[0], o); }
static void ecap_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_ecap_encode(i); }

TEST(vtdreg_ecap_every_field_at_its_bits)
{
	fs_check_table("ecap", ecap_fields, IOH_ARRAY_SIZE(ecap_fields),
		       sizeof(struct ioh_vtd_ecap), 1, ecap_dec, ecap_enc);
}

/* ---- FRCD ---- */

static const struct fspec frcd_fields[] = {
	A(struct ioh_vtd_frcd, rsvd[0], 11, 0),	  A(struct ioh_vtd_frcd, fi, 63, 12),
	F(struct ioh_vtd_frcd, sid, 79, 64),	  A(struct ioh_vtd_frcd, rsvd[1], 92, 80),
	F(struct ioh_vtd_frcd, priv, 93, 93),	  F(struct ioh_vtd_frcd, exe, 94, 94),
	F(struct ioh_vtd_frcd, pp, 95, 95),	  F(struct ioh_vtd_frcd, fr, 103, 96),
	F(struct ioh_vtd_frcd, pv, 123, 104),	  F(struct ioh_vtd_frcd, at, 125, 124),
	F(struct ioh_vtd_frcd, t, 126, 126),	  F(struct ioh_vtd_frcd, f, 127, 127),
};

static void frcd_dec(const uint64_t *q, void *o) { ioh_vtd_frcd_decode(q, o); }
static void frcd_enc(const void *i, uint64_t *q) { ioh_vtd_frcd_encode(i, q); }

TEST(vtdreg_frcd_every_field_at_its_bits)
{
	fs_check_table("frcd", frcd_fields, IOH_ARRAY_SIZE(frcd_fields),
		       sizeof(struct ioh_vtd_frcd), 2, frcd_dec, frcd_enc);
}

/* ---- GSTS / FSTS (32-bit registers, tested in the low qword) ---- */

static const struct fspec gsts_fields[] = {
	A(struct ioh_vtd_gsts, rsvd, 22, 0),  F(struct ioh_vtd_gsts, cfis, 23, 23),
	F(struct ioh_vtd_gsts, irtps, 24, 24), F(struct ioh_vtd_gsts, ires, 25, 25),
	F(struct ioh_vtd_gsts, qies, 26, 26), F(struct ioh_vtd_gsts, wbfs, 27, 27),
	F(struct ioh_vtd_gsts, afls, 28, 28), F(struct ioh_vtd_gsts, fls, 29, 29),
	F(struct ioh_vtd_gsts, rtps, 30, 30), F(struct ioh_vtd_gsts, tes, 31, 31),
};

static void gsts_dec(const uint64_t *q, void *o) { ioh_vtd_gsts_decode((uint32_t)q[0], o); }
static void gsts_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_gsts_encode(i); }

static const struct fspec fsts_fields[] = {
	F(struct ioh_vtd_fsts, pfo, 0, 0),   F(struct ioh_vtd_fsts, ppf, 1, 1),
	A(struct ioh_vtd_fsts, rsvd, 3, 2),  F(struct ioh_vtd_fsts, iqe, 4, 4),
	F(struct ioh_vtd_fsts, ice, 5, 5),   F(struct ioh_vtd_fsts, ite, 6, 6),
	F(struct ioh_vtd_fsts, pro, 7, 7),   F(struct ioh_vtd_fsts, fri, 15, 8),
	A(struct ioh_vtd_fsts, rsvd, 31, 16),
};

static void fsts_dec(const uint64_t *q, void *o) { ioh_vtd_fsts_decode((uint32_t)q[0], o); }
static void fsts_enc(const void *i, uint64_t *q) { q[0] = ioh_vtd_fsts_encode(i); }

/* The 32-bit registers: the table covers bits 31:0, bits 63:32 do not exist. */
static void check32(const char *what, const struct fspec *t, size_t n, size_t ssize,
		    fs_decode_fn dec, fs_encode_fn enc)
{
	struct fspec ext[16];

	CHECK(n < 16);
	memcpy(ext, t, n * sizeof(*t));
	/* A phantom field over 63:32 lets the coverage check see a full qword. */
	ext[n] = (struct fspec){ "none", 63, 32, ssize, 0, true };
	fs_check_cover(what, ext, n + 1, 1);
	fs_check_table_nocover(what, t, n, ssize, 1, dec, enc);
}

TEST(vtdreg_gsts_fsts_every_bit)
{
	check32("gsts", gsts_fields, IOH_ARRAY_SIZE(gsts_fields), sizeof(struct ioh_vtd_gsts),
		gsts_dec, gsts_enc);
	check32("fsts", fsts_fields, IOH_ARRAY_SIZE(fsts_fields), sizeof(struct ioh_vtd_fsts),
		fsts_dec, fsts_enc);
}

/* ---- round trips of arbitrary words ---- */

TEST(vtdreg_roundtrip_random)
{
	uint64_t x = 0x243f6a8885a308d3ULL;

	for (int i = 0; i < 4000; i++) {
		uint64_t a = fs_rand(&x), b = fs_rand(&x), q[2] = { a, b }, back[2];
		struct ioh_vtd_cap c;
		struct ioh_vtd_ecap e;
		struct ioh_vtd_frcd f;
		struct ioh_vtd_gsts g;
		struct ioh_vtd_fsts s;
		struct ioh_vtd_rtaddr r;

		ioh_vtd_cap_decode(a, &c);
		CHECK_EQ(ioh_vtd_cap_encode(&c), a);
		ioh_vtd_ecap_decode(b, &e);
		CHECK_EQ(ioh_vtd_ecap_encode(&e), b);
		ioh_vtd_frcd_decode(q, &f);
		ioh_vtd_frcd_encode(&f, back);
		CHECK_EQ(back[0], a);
		CHECK_EQ(back[1], b);
		ioh_vtd_gsts_decode((uint32_t)a, &g);
		CHECK_EQ(ioh_vtd_gsts_encode(&g), (uint32_t)a);
		ioh_vtd_fsts_decode((uint32_t)b, &s);
		CHECK_EQ(ioh_vtd_fsts_encode(&s), (uint32_t)b);
		ioh_vtd_rtaddr_decode(a, &r);
		CHECK_EQ(ioh_vtd_rtaddr_encode(&r), a);
	}
}

/* ---- real values ---- */

/*
 * CAP and ECAP as the samples' capture kernels printed them (QEMU 7.2,
 * -device intel-iommu, caching-mode on in the legacy run):
 *   /work/shared/samples/legacy-virtio/capture-console.log:
 *     "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap d2008c22260286 ecap f00f4a"
 *   /work/shared/samples/scalable-virtio/capture-console.log:
 *     "... cap d2008c22260206 ecap 480080f00f4a"
 * QEMU keeps one fault recording register at 0x220 and MAMV 18 (VTD.md 5.3, 5.4).
 */
TEST(vtdreg_cap_qemu_sample_arithmetic)
{
	struct ioh_vtd_cap c;

	ioh_vtd_cap_decode(0x00d2008c22260286ULL, &c);
	CHECK_EQ(c.nd, 6);
	CHECK_EQ(ioh_vtd_cap_ndoms(&c), 65536);
	CHECK(c.cm);
	CHECK(!c.afl && !c.rwbf && !c.plmr && !c.phmr);
	CHECK_EQ(c.sagaw, 0x2);
	CHECK(ioh_vtd_cap_sagaw_supports(&c, 1));  /* 39-bit, 3-level */
	CHECK(!ioh_vtd_cap_sagaw_supports(&c, 2)); /* no 4-level: aw-bits=39 */
	CHECK(!ioh_vtd_cap_sagaw_supports(&c, 0));
	CHECK_EQ(c.mgaw, 38);
	CHECK_EQ(ioh_vtd_cap_mgaw_bits(&c), 39);
	CHECK(!c.zlr);
	CHECK_EQ(c.fro, 0x22);
	CHECK_EQ(ioh_vtd_cap_frcd_offset(&c, 0), 0x220);
	CHECK_EQ(ioh_vtd_cap_frcd_offset(&c, 3), 0x250);
	CHECK_EQ(c.sllps, 3); /* 2 MiB and 1 GiB second-level pages */
	CHECK(c.psi);
	CHECK_EQ(c.nfr, 0);
	CHECK_EQ(ioh_vtd_cap_nfr_count(&c), 1);
	CHECK_EQ(c.mamv, 18);
	CHECK(c.dwd && c.drd);
	CHECK(!c.fl1gp && !c.pi && !c.fl5lp && !c.esirtps && !c.esrtps);
	CHECK_EQ(c.rsvd, 0);

	ioh_vtd_cap_decode(0x00d2008c22260206ULL, &c);
	CHECK(!c.cm);
	CHECK_EQ(c.nd, 6);
}

TEST(vtdreg_ecap_qemu_sample_fields)
{
	struct ioh_vtd_ecap e;

	ioh_vtd_ecap_decode(0xf00f4aULL, &e);
	CHECK(!e.c && e.qi && !e.dt && e.ir && !e.eim && e.pt && !e.sc);
	CHECK_EQ(e.iro, 0xf);
	CHECK_EQ(ioh_vtd_ecap_iotlb_offset(&e), 0xf8);
	CHECK_EQ(e.mhmv, 0xf);
	CHECK(!e.smts && !e.pasid && !e.srs);
	CHECK_EQ(e.rsvd, 0);

	ioh_vtd_ecap_decode(0x480080f00f4aULL, &e);
	CHECK(e.smts && e.slts && e.srs);
	CHECK(!e.pasid && !e.flts && !e.nest && !e.pds);
	CHECK_EQ(e.pss, 0);
	CHECK_EQ(e.iro, 0xf);
	CHECK_EQ(e.rsvd, 0);
}

/* A bigger part: 4-level + 5-level, 10 fault records, everything on. Encode-built. */
TEST(vtdreg_cap_arithmetic_extremes)
{
	struct ioh_vtd_cap c = { 0 };

	c.sagaw = 0xc; /* bits 2 and 3: 4- and 5-level */
	c.mgaw = 56;
	c.nfr = 9;
	c.fro = 0x3ff;
	ioh_vtd_cap_decode(ioh_vtd_cap_encode(&c), &c);
	CHECK(ioh_vtd_cap_sagaw_supports(&c, 2) && ioh_vtd_cap_sagaw_supports(&c, 3));
	CHECK(!ioh_vtd_cap_sagaw_supports(&c, 1));
	CHECK(!ioh_vtd_cap_sagaw_supports(&c, 7));
	CHECK_EQ(ioh_vtd_cap_mgaw_bits(&c), 57);
	CHECK_EQ(ioh_vtd_cap_nfr_count(&c), 10);
	CHECK_EQ(ioh_vtd_cap_frcd_offset(&c, 0), 0x3ff0);
	c.nd = 7; /* reserved encoding: the count saturates rather than overflows */
	CHECK_EQ(ioh_vtd_cap_ndoms(&c), 65536);
}

/* Reads the samples' console logs when present and checks the decode against them. */
TEST(vtdreg_sample_console_cap)
{
	static const char *const logs[] = {
		"/work/shared/samples/legacy-virtio/capture-console.log",
		"/work/shared/samples/scalable-virtio/capture-console.log",
	};
	int seen = 0;

	for (size_t i = 0; i < IOH_ARRAY_SIZE(logs); i++) {
		FILE *f = fopen(logs[i], "r");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long long cap, ecap;
			const char *p = strstr(line, " cap ");
			struct ioh_vtd_cap c;
			struct ioh_vtd_ecap e;

			if (!p || sscanf(p, " cap %llx ecap %llx", &cap, &ecap) != 2)
				continue;
			ioh_vtd_cap_decode(cap, &c);
			ioh_vtd_ecap_decode(ecap, &e);
			CHECK_EQ(ioh_vtd_cap_encode(&c), cap);
			CHECK_EQ(ioh_vtd_ecap_encode(&e), ecap);
			CHECK_EQ(ioh_vtd_cap_frcd_offset(&c, 0), 0x220);
			CHECK_EQ(ioh_vtd_cap_mgaw_bits(&c), 39); /* "Host address width 39" */
			CHECK(e.qi && e.ir);
			CHECK_EQ(e.smts, i == 1);
			seen++;
			break;
		}
		fclose(f);
	}
	if (!seen)
		printf("note: samples not found, vtdreg_sample_console_cap checked nothing\n");
}

/* ---- validation ---- */

TEST(vtdreg_rtaddr_validate)
{
	struct ioh_problems pr;

	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_rtaddr_validate(0x1a2d000, 39, &pr), 0);
	CHECK_EQ(ioh_vtd_rtaddr_validate(0x1d49000 | 1u << 10, 39, &pr), 0);
	CHECK_EQ(ioh_vtd_rtaddr_validate(0x1d49000 | 2u << 10, 39, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "ttm");
	for (unsigned b = 0; b < 10; b++) {
		ioh_problems_init(&pr);
		CHECK_EQ(ioh_vtd_rtaddr_validate(0x1000 | 1u << b, 39, &pr), 1);
		CHECK_STREQ(pr.p[0].field, "rsvd");
	}
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_rtaddr_validate(1ULL << 39, 39, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "rta");
	CHECK_EQ(ioh_vtd_rtaddr_validate(1ULL << 39, 48, NULL), 0);
}

TEST(vtdreg_frcd_validate)
{
	/* Linux 5.14+ logs this one as "[DMA Read NO_PASID] Request device [00:02.0]
	 * fault addr 0x7cd80000 [fault reason 0x01]": F, T=read, FR 1, SID 0x0010. */
	uint64_t q[2] = { 0x7cd80000, 1ULL << 63 | 1ULL << 62 | 1ULL << 32 | 0x10 };
	struct ioh_vtd_frcd f;
	struct ioh_problems pr;

	ioh_vtd_frcd_decode(q, &f);
	CHECK(f.f && f.t && !f.pp);
	CHECK_EQ(f.fr, 1);
	CHECK_EQ(f.sid, 0x10);
	CHECK_EQ(f.fi, 0x7cd80000);
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_frcd_validate(q, &pr), 0);
	for (unsigned b = 0; b < 12; b++) {
		uint64_t r[2] = { q[0] | 1ULL << b, q[1] };
		ioh_problems_init(&pr);
		CHECK_EQ(ioh_vtd_frcd_validate(r, &pr), 1);
		CHECK_STREQ(pr.p[0].field, "rsvd_lo");
	}
	for (unsigned b = 16; b <= 28; b++) {
		uint64_t r[2] = { q[0], q[1] | 1ULL << b };
		ioh_problems_init(&pr);
		CHECK_EQ(ioh_vtd_frcd_validate(r, &pr), 1);
		CHECK_STREQ(pr.p[0].field, "rsvd_hi");
	}
	q[1] = (q[1] & ~(0xffULL << 32)) | 0x33ULL << 32; /* undefined reason */
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_frcd_validate(q, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "fr");
	q[1] &= ~(1ULL << 63); /* not pending: the reason field means nothing */
	CHECK_EQ(ioh_vtd_frcd_validate(q, NULL), 0);
}
