/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry and register decoders on arbitrary bits and address widths (0..69,
 * so the shifts at and past 64 are exercised): decode/encode is exact,
 * validation's count matches its list, every problem string is terminated,
 * and the helpers that index by a decoded field stay in range.
 */
#include <ioh/vtd.h>

#include "fuzz-util.h"
#include "fuzz-walk.h"

#define ROUNDTRIP(dec, enc, q, nq, type, ...)                                           \
	do {                                                                            \
		type e_;                                                                \
		uint64_t b_[8];                                                         \
		dec(q, __VA_ARGS__ &e_);                                                \
		enc(&e_, __VA_ARGS__ b_);                                               \
		FZ_ASSERT(!memcmp(q, b_, (nq) * 8), #dec " does not round-trip");       \
	} while (0)

static void counted(unsigned got, const struct ioh_problems *pr, const char *what)
{
	FZ_ASSERT(got == ioh_problems_count(pr), "%s: returned %u, listed %u", what, got,
		  ioh_problems_count(pr));
	fz_check_problems(pr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	unsigned haw = fz_u8(&f) % 70;
	uint64_t q[8];
	struct ioh_problems pr;

	for (int i = 0; i < 8; i++)
		q[i] = fz_u64(&f);

	for (int m = IOH_VTD_LEGACY; m <= IOH_VTD_SCALABLE; m++) {
		struct ioh_vtd_root r;
		uint64_t b[2];

		ioh_vtd_root_decode(q, (enum ioh_vtd_mode)m, &r);
		ioh_vtd_root_encode(&r, (enum ioh_vtd_mode)m, b);
		FZ_ASSERT(!memcmp(q, b, 16), "root (mode %d) does not round-trip", m);
		ioh_problems_init(&pr);
		counted(ioh_vtd_root_validate(q, (enum ioh_vtd_mode)m, haw, &pr), &pr, "root");
	}

	ROUNDTRIP(ioh_vtd_context_decode, ioh_vtd_context_encode, q, 2, struct ioh_vtd_context);
	ioh_problems_init(&pr);
	counted(ioh_vtd_context_validate(q, haw, &pr), &pr, "context");
	(void)ioh_vtd_aw_levels((unsigned)(q[1] & 0xffff));

	ROUNDTRIP(ioh_vtd_sm_context_decode, ioh_vtd_sm_context_encode, q, 4,
		  struct ioh_vtd_sm_context);
	ioh_problems_init(&pr);
	counted(ioh_vtd_sm_context_validate(q, haw, &pr), &pr, "sm context");
	{
		struct ioh_vtd_sm_context sc;

		ioh_vtd_sm_context_decode(q, &sc);
		(void)ioh_vtd_pdts_entries(sc.pdts);
	}

	ROUNDTRIP(ioh_vtd_pasid_decode, ioh_vtd_pasid_encode, q, 8, struct ioh_vtd_pasid);
	ioh_problems_init(&pr);
	counted(ioh_vtd_pasid_validate(q, haw, &pr), &pr, "pasid");

	struct ioh_vtd_pasid_dir pd;
	ioh_vtd_pasid_dir_decode(q[2], &pd);
	FZ_ASSERT(ioh_vtd_pasid_dir_encode(&pd) == q[2], "pasid dir does not round-trip");
	ioh_problems_init(&pr);
	counted(ioh_vtd_pasid_dir_validate(q[2], haw, &pr), &pr, "pasid dir");

	/* registers */
	struct ioh_vtd_cap cap;
	struct ioh_vtd_ecap ecap;
	struct ioh_vtd_rtaddr rt;
	struct ioh_vtd_frcd fr;
	struct ioh_vtd_gsts gs;
	struct ioh_vtd_fsts fs;
	uint64_t b[2];

	ioh_vtd_cap_decode(q[4], &cap);
	FZ_ASSERT(ioh_vtd_cap_encode(&cap) == q[4], "cap does not round-trip");
	(void)ioh_vtd_cap_ndoms(&cap);
	(void)ioh_vtd_cap_frcd_offset(&cap, ioh_vtd_cap_nfr_count(&cap) - 1);
	(void)ioh_vtd_cap_sagaw_supports(&cap, (unsigned)(q[5] & 0xff));
	(void)ioh_vtd_haw_mask(ioh_vtd_cap_mgaw_bits(&cap));
	ioh_vtd_ecap_decode(q[5], &ecap);
	FZ_ASSERT(ioh_vtd_ecap_encode(&ecap) == q[5], "ecap does not round-trip");
	(void)ioh_vtd_ecap_iotlb_offset(&ecap);
	ioh_vtd_rtaddr_decode(q[6], &rt);
	FZ_ASSERT(ioh_vtd_rtaddr_encode(&rt) == q[6], "rtaddr does not round-trip");
	ioh_problems_init(&pr);
	counted(ioh_vtd_rtaddr_validate(q[6], haw, &pr), &pr, "rtaddr");
	ioh_vtd_frcd_decode(q + 6, &fr);
	ioh_vtd_frcd_encode(&fr, b);
	FZ_ASSERT(!memcmp(b, q + 6, 16), "frcd does not round-trip");
	ioh_problems_init(&pr);
	counted(ioh_vtd_frcd_validate(q + 6, &pr), &pr, "frcd");
	ioh_vtd_gsts_decode((uint32_t)q[7], &gs);
	FZ_ASSERT(ioh_vtd_gsts_encode(&gs) == (uint32_t)q[7], "gsts does not round-trip");
	ioh_vtd_fsts_decode((uint32_t)(q[7] >> 32), &fs);
	FZ_ASSERT(ioh_vtd_fsts_encode(&fs) == (uint32_t)(q[7] >> 32), "fsts does not round-trip");

	/* the fault-reason table, by any code */
	const struct ioh_fault_reason *reason = ioh_fault_reason((unsigned)(q[3] & 0xffff));

	if (reason)
		FZ_ASSERT(reason->code == (q[3] & 0xffff) && reason->name &&
				  ioh_fault_kind_name(reason->kind),
			  "fault reason 0x%x badly described", (unsigned)(q[3] & 0xffff));
	FZ_ASSERT(ioh_fault_kind_name((enum ioh_fault_kind)(q[3] >> 16 & 7)), "NULL kind name");
	FZ_ASSERT(ioh_vtd_mode_name((enum ioh_vtd_mode)(q[3] >> 24 & 7)), "NULL mode name");
	FZ_ASSERT(ioh_vtd_pgtt_name((unsigned)(q[3] >> 32)), "NULL PGTT name");
	return 0;
}
