/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fault-reason table: coverage, ranges, and FPD qualification. */
#include <ioh/vtd.h>

#include "harness.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every code VTD.md 3.1 lists (Linux dmar.c, plus QEMU's 0xE). */
static const unsigned defined[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	0x30, 0x31, 0x32, 0x38, 0x39, 0x3a,
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
	0x50, 0x51, 0x52, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x90,
};

TEST(fault_exactly_the_defined_codes)
{
	unsigned found = 0;

	for (unsigned c = 0; c < 256; c++) {
		const struct ioh_fault_reason *r = ioh_fault_reason(c);
		bool want = false;

		for (size_t i = 0; i < NELEM(defined); i++)
			want |= defined[i] == c;
		CHECK_MSG(!!r == want, "code 0x%02x: %s", c, r ? "defined but should not be" : "missing");
		if (!r)
			continue;
		found++;
		CHECK_EQ(r->code, c);
		CHECK(r->name && r->name[0]);
	}
	CHECK_EQ(found, NELEM(defined));
	CHECK(!ioh_fault_reason(0x100));
	CHECK(!ioh_fault_reason(~0u));
}

TEST(fault_kind_by_range)
{
	for (size_t i = 0; i < NELEM(defined); i++) {
		const struct ioh_fault_reason *r = ioh_fault_reason(defined[i]);
		enum ioh_fault_kind want = defined[i] < 0x20 ? IOH_FAULT_DMA
					   : defined[i] < 0x30 ? IOH_FAULT_IR
							       : IOH_FAULT_SM;
		CHECK_EQ(r->kind, want);
	}
	CHECK_STREQ(ioh_fault_kind_name(IOH_FAULT_DMA), "dma");
	CHECK_STREQ(ioh_fault_kind_name(IOH_FAULT_IR), "ir");
	CHECK_STREQ(ioh_fault_kind_name(IOH_FAULT_SM), "sm");
}

/* QEMU's vtd_qualified_faults[] (VTD.md 1.6; 0xB is absent there, so false). */
TEST(fault_qualified_matches_qemu)
{
	static const struct {
		unsigned code;
		bool q;
	} qemu[] = {
		{ 0x00, false }, { 0x01, false }, { 0x02, true },  { 0x03, true },  { 0x04, true },
		{ 0x05, true },  { 0x06, true },  { 0x07, true },  { 0x08, false }, { 0x09, false },
		{ 0x0a, false }, { 0x0b, false }, { 0x0c, true },  { 0x0d, true },  { 0x0e, true },
		{ 0x50, false }, { 0x51, true },  { 0x58, false }, { 0x59, true },  { 0x5b, true },
		{ 0x70, true },	 { 0x71, true },  { 0x72, true },  { 0x73, true },  { 0x80, true },
		{ 0x81, true },	 { 0x85, true },  { 0x87, true },
	};

	for (size_t i = 0; i < NELEM(qemu); i++) {
		const struct ioh_fault_reason *r = ioh_fault_reason(qemu[i].code);

		CHECK(r);
		CHECK_MSG(r->qualified == qemu[i].q, "0x%02x: qualified %d, QEMU says %d",
			  qemu[i].code, r->qualified, qemu[i].q);
	}
}

/*
 * Our rule for the codes QEMU does not implement: no FPD can suppress a fault
 * found before an FPD-carrying entry was fetched, an error reading a
 * root/context/PASID structure, or reserved bits in one.
 */
TEST(fault_structure_errors_never_qualified)
{
	static const unsigned never[] = { 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x20, 0x21, 0x23, 0x25,
					  0x30, 0x31, 0x32, 0x38, 0x39, 0x3a, 0x40, 0x42, 0x50,
					  0x52, 0x58, 0x5a };

	for (size_t i = 0; i < NELEM(never); i++)
		CHECK_MSG(!ioh_fault_reason(never[i])->qualified, "0x%02x", never[i]);
	/* What a copied context entry torn down without Present-first produces. */
	CHECK(ioh_fault_reason(0x02)->qualified);
	CHECK(ioh_fault_reason(0x03)->qualified);
	CHECK(ioh_fault_reason(0x41)->qualified);
}
