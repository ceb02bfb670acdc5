/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault reason codes of the fault recording registers: the one table every
 * part of the project names faults from. Codes and their grouping follow
 * the VT-d spec as Linux (dmar.c) and QEMU (VTDFaultReason) list them; the
 * wording is ours. See docs/formats.md for where each "qualified" comes from.
 */
#include <stddef.h>

#include <ioh/vtd.h>

#include "internal.h"

#define Q true  /* qualified: not recorded when the governing FPD is 1 */
#define NQ false /* always recorded */

/* Sorted by code: ioh_fault_reason() bisects. */
static const struct ioh_fault_reason reasons[] = {
	{ 0x00, IOH_FAULT_DMA, NQ, "reserved: 0 is not a fault reason" },
	{ 0x01, IOH_FAULT_DMA, NQ, "root entry for the bus is not present" },
	{ 0x02, IOH_FAULT_DMA, Q, "context entry for the device is not present" },
	{ 0x03, IOH_FAULT_DMA, Q, "context entry programmed wrongly (AW or TT not supported)" },
	{ 0x04, IOH_FAULT_DMA, Q, "address above the domain's address width (MGAW)" },
	{ 0x05, IOH_FAULT_DMA, Q, "write to a page whose page-table entry denies write" },
	{ 0x06, IOH_FAULT_DMA, Q, "read from a page whose page-table entry denies read" },
	{ 0x07, IOH_FAULT_DMA, Q, "page-table walk could not read the next-level table" },
	{ 0x08, IOH_FAULT_DMA, NQ, "root table could not be read (bad root table address)" },
	{ 0x09, IOH_FAULT_DMA, NQ, "context table could not be read (bad context table pointer)" },
	{ 0x0a, IOH_FAULT_DMA, NQ, "reserved bits set in a present root entry" },
	{ 0x0b, IOH_FAULT_DMA, NQ, "reserved bits set in a present context entry" },
	{ 0x0c, IOH_FAULT_DMA, Q, "reserved bits set in a second-level page-table entry" },
	{ 0x0d, IOH_FAULT_DMA, Q, "translation type in the context entry blocks this request" },
	{ 0x0e, IOH_FAULT_DMA, Q, "translated address lies in the interrupt range (QEMU only)" },

	{ 0x20, IOH_FAULT_IR, NQ, "reserved fields set in the remappable interrupt request" },
	{ 0x21, IOH_FAULT_IR, NQ, "interrupt index beyond the remapping table size" },
	{ 0x22, IOH_FAULT_IR, Q, "interrupt remapping table entry is not present" },
	{ 0x23, IOH_FAULT_IR, NQ, "interrupt remapping table could not be read" },
	{ 0x24, IOH_FAULT_IR, Q, "reserved bits set in a present remapping table entry" },
	{ 0x25, IOH_FAULT_IR, NQ, "compatibility-format interrupt blocked (CFIS clear)" },
	{ 0x26, IOH_FAULT_IR, Q, "requester failed the IRTE's source-id check" },

	{ 0x30, IOH_FAULT_SM, NQ, "root table address invalid" },
	{ 0x31, IOH_FAULT_SM, NQ, "request with PASID while the table mode is legacy" },
	{ 0x32, IOH_FAULT_SM, NQ, "page group request while the table mode is legacy" },
	{ 0x38, IOH_FAULT_SM, NQ, "root entry could not be read" },
	{ 0x39, IOH_FAULT_SM, NQ, "root entry half (LP/UP) for the device is not present" },
	{ 0x3a, IOH_FAULT_SM, NQ, "reserved bits set in a present root entry" },
	{ 0x40, IOH_FAULT_SM, NQ, "scalable-mode context entry could not be read" },
	{ 0x41, IOH_FAULT_SM, Q, "scalable-mode context entry is not present" },
	{ 0x42, IOH_FAULT_SM, NQ, "reserved bits set in a present scalable-mode context entry" },
	{ 0x43, IOH_FAULT_SM, Q, "scalable-mode context entry programmed wrongly" },
	{ 0x44, IOH_FAULT_SM, Q, "translation request but the context entry's DTE is clear" },
	{ 0x45, IOH_FAULT_SM, Q, "request with PASID but the context entry's PASIDE is clear" },
	{ 0x46, IOH_FAULT_SM, Q, "PASID beyond the directory size the context entry gives" },
	{ 0x47, IOH_FAULT_SM, Q, "page request but the context entry's PRE is clear" },
	{ 0x48, IOH_FAULT_SM, Q, "RID_PASID in the context entry unusable" },
	{ 0x50, IOH_FAULT_SM, NQ, "PASID directory entry could not be read" },
	{ 0x51, IOH_FAULT_SM, Q, "PASID directory entry is not present" },
	{ 0x52, IOH_FAULT_SM, NQ, "reserved bits set in a present PASID directory entry" },
	{ 0x58, IOH_FAULT_SM, NQ, "PASID table entry could not be read" },
	{ 0x59, IOH_FAULT_SM, Q, "PASID table entry is not present" },
	{ 0x5a, IOH_FAULT_SM, NQ, "reserved bits set in a present PASID table entry" },
	{ 0x5b, IOH_FAULT_SM, Q, "PASID table entry programmed wrongly (PGTT, AW, pointers)" },
	{ 0x5c, IOH_FAULT_SM, Q, "execute request but the PASID entry's ERE is clear" },
	{ 0x5d, IOH_FAULT_SM, Q, "supervisor request but the PASID entry's SRE is clear" },
	{ 0x70, IOH_FAULT_SM, Q, "first-level paging entry could not be read" },
	{ 0x71, IOH_FAULT_SM, Q, "first-level paging entry is not present" },
	{ 0x72, IOH_FAULT_SM, Q, "reserved bits set in a first-level paging entry" },
	{ 0x73, IOH_FAULT_SM, Q, "first-level table pointer unusable (top-level entry unreadable)" },
	{ 0x74, IOH_FAULT_SM, Q, "nested: first-level entry address above the MGAW" },
	{ 0x75, IOH_FAULT_SM, Q, "nested: top-level first-level entry not readable" },
	{ 0x76, IOH_FAULT_SM, Q, "nested: first-level paging entry not readable" },
	{ 0x77, IOH_FAULT_SM, Q, "nested: first-level paging entry not writable for A/D update" },
	{ 0x78, IOH_FAULT_SM, Q, "second-level paging entry could not be read" },
	{ 0x79, IOH_FAULT_SM, Q, "second-level paging entry denies read and write" },
	{ 0x7a, IOH_FAULT_SM, Q, "reserved bits set in a second-level paging entry" },
	{ 0x7b, IOH_FAULT_SM, Q, "second-level table pointer invalid" },
	{ 0x7c, IOH_FAULT_SM, Q, "second-level A/D update needed on a no-snoop walk" },
	{ 0x80, IOH_FAULT_SM, Q, "first-level input address is not canonical" },
	{ 0x81, IOH_FAULT_SM, Q, "user request to a supervisor-only first-level page" },
	{ 0x82, IOH_FAULT_SM, Q, "execute request to a page without execute permission" },
	{ 0x83, IOH_FAULT_SM, Q, "address beyond the hardware's maximum address width" },
	{ 0x84, IOH_FAULT_SM, Q, "second-level address beyond its maximum" },
	{ 0x85, IOH_FAULT_SM, Q, "write or atomic request without write permission" },
	{ 0x86, IOH_FAULT_SM, Q, "read or atomic request without read permission" },
	{ 0x87, IOH_FAULT_SM, Q, "translated address lies in the interrupt range" },
	{ 0x90, IOH_FAULT_SM, Q, "first-level A/D update needed on a no-snoop walk" },
};

IOH_EXPORT const struct ioh_fault_reason *ioh_fault_reason(unsigned code)
{
	size_t lo = 0, hi = IOH_ARRAY_SIZE(reasons);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (reasons[mid].code == code)
			return &reasons[mid];
		if (reasons[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

IOH_EXPORT const char *ioh_fault_kind_name(enum ioh_fault_kind k)
{
	switch (k) {
	case IOH_FAULT_DMA:
		return "dma";
	case IOH_FAULT_IR:
		return "ir";
	case IOH_FAULT_SM:
		return "sm";
	}
	return "unknown";
}
