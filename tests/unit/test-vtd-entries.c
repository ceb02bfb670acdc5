/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entry formats, field by field, as the VT-d spec places them. */
#include <ioh/vtd.h>

#include "harness.h"

/* A legacy context entry as Linux 6.1 writes it for a DMA domain:
 * DID 5, 4-level tables (AW=2) at 0x12345000, TT=0, P=1. */
TEST(vtd_context_fields)
{
	uint64_t q[2] = { 0x12345001, (5u << 8) | 2 }, back[2];
	struct ioh_vtd_context c;
	struct ioh_problems pr;

	ioh_vtd_context_decode(q, &c);
	CHECK(c.p);
	CHECK(!c.fpd);
	CHECK_EQ(c.tt, 0);
	CHECK_EQ(c.slptptr, 0x12345000);
	CHECK_EQ(c.aw, 2);
	CHECK_EQ(ioh_vtd_aw_levels(c.aw), 4);
	CHECK_EQ(c.did, 5);
	ioh_vtd_context_encode(&c, back);
	CHECK_EQ(back[0], q[0]);
	CHECK_EQ(back[1], q[1]);
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_context_validate(q, 39, &pr), 0);
}

/* The torn entry of CVE-2026-45944: old lo (P=1) with a zeroed hi: AW 0 is reserved. */
TEST(vtd_context_torn_is_invalid)
{
	uint64_t q[2] = { 0x12345001, 0 };
	struct ioh_problems pr;

	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_context_validate(q, 39, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "aw");
}

TEST(vtd_context_reserved_bits)
{
	uint64_t q[2] = { 0x12345001 | 1u << 4, 2 | 1u << 7 | 1ULL << 40 };
	struct ioh_problems pr;

	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_context_validate(q, 39, &pr), 2);
	CHECK_STREQ(pr.p[0].field, "rsvd_lo");
	CHECK_STREQ(pr.p[1].field, "rsvd_hi");
}

TEST(vtd_context_roundtrip_any_bits)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 1000; i++) {
		uint64_t q[2], back[2];
		struct ioh_vtd_context c;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		q[0] = x;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		q[1] = x;
		ioh_vtd_context_decode(q, &c);
		ioh_vtd_context_encode(&c, back);
		CHECK_EQ(back[0], q[0]);
		CHECK_EQ(back[1], q[1]);
	}
}

TEST(vtd_sm_root_halves)
{
	uint64_t q[2] = { 0x1000 | 1, 0x2000 | 1 };
	struct ioh_vtd_root r;
	struct ioh_problems pr;

	ioh_vtd_root_decode(q, IOH_VTD_SCALABLE, &r);
	CHECK(r.p && r.up);
	CHECK_EQ(r.ctp, 0x1000);
	CHECK_EQ(r.uctp, 0x2000);
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_root_validate(q, IOH_VTD_SCALABLE, 39, &pr), 0);
	/* The same hi qword is reserved in legacy mode. */
	CHECK_EQ(ioh_vtd_root_validate(q, IOH_VTD_LEGACY, 39, &pr), 1);
}

TEST(vtd_sm_context_fields)
{
	/* PASID dir at 0x7000, PDTS 0 (128 entries), PASIDE, DTE; RID_PASID 0. */
	uint64_t q[4] = { 0x7000 | 1 | 1u << 2 | 1u << 3, 0, 0, 0 };
	struct ioh_vtd_sm_context c;

	ioh_vtd_sm_context_decode(q, &c);
	CHECK(c.p && c.dte && c.paside && !c.pre);
	CHECK_EQ(c.pasiddirptr, 0x7000);
	CHECK_EQ(ioh_vtd_pdts_entries(c.pdts), 128);
	q[3] = 1;
	struct ioh_problems pr;
	ioh_problems_init(&pr);
	CHECK_EQ(ioh_vtd_sm_context_validate(q, 39, &pr), 1);
	CHECK_STREQ(pr.p[0].field, "rsvd_q3");
}

TEST(vtd_pasid_fields)
{
	/* Second-level only (PGTT 2), AW 2, SLPTPTR 0x9000, DID 7, FLPTPTR bits 191:140. */
	uint64_t q[8] = { 0x9000 | 1 | 2u << 2 | 2u << 6, 7, 0xabc000, 0, 0, 0, 0, 0 };
	struct ioh_vtd_pasid e;
	uint64_t back[8];

	ioh_vtd_pasid_decode(q, &e);
	CHECK(e.p);
	CHECK_EQ(e.pgtt, IOH_VTD_PGTT_SL_ONLY);
	CHECK_STREQ(ioh_vtd_pgtt_name(e.pgtt), "second-level");
	CHECK_EQ(e.aw, 2);
	CHECK_EQ(e.slptptr, 0x9000);
	CHECK_EQ(e.did, 7);
	CHECK_EQ(e.flptptr, 0xabc000);
	ioh_vtd_pasid_encode(&e, back);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(back[i], q[i]);
}

TEST(vtd_problems_bounded)
{
	struct ioh_problems pr;

	ioh_problems_init(&pr);
	for (int i = 0; i < 100; i++)
		ioh_problems_add(&pr, "x", "problem %d", i);
	CHECK_EQ(pr.n, IOH_PROBLEMS_MAX);
	CHECK_EQ(ioh_problems_count(&pr), 100);
}
