/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What fingerprint.c (taking, comparing) and fingerprint-file.c (the file
 * format) share: the fingerprint itself, in host form.
 */
#ifndef IOH_FINGERPRINT_INTERNAL_H
#define IOH_FINGERPRINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/fingerprint.h>

#include "fingerprint-format.h"
#include "internal.h"

#define NO_DEV UINT32_MAX

struct fp_page {
	uint64_t phys;
	uint64_t iova;	/* in the first device's domain */
	uint64_t iova2;	/* in the second one's, 0 if none */
	uint32_t dev;	/* first device that maps it writable */
	uint32_t dev2;	/* a second one, NO_DEV if none */
	uint64_t hash;	/* whole page */
	uint16_t line[FP_LINES];
};

/* Which dump a fingerprint belongs to (docs/report-format.md, "Dump identity"). */
struct fp_identity {
	uint32_t kind;		 /* FP_ID_VMCOREINFO or FP_ID_RAM */
	uint64_t dump_page_size;
	uint64_t digest;
	int64_t crash_time;	 /* FP_NO_CRASH_TIME when unknown */
	char osrelease[FP_OSRELEASE_LEN]; /* printable, NUL-terminated */
};

struct ioh_fingerprint {
	struct ioh_fp_change *devs;
	size_t ndevs;
	struct fp_page *pages;
	size_t npages, cap;
	unsigned page_cap;
	uint64_t skipped, unreadable;
	struct fp_identity id;
	char dump_desc[160];
	/* open addressing over pages[] by phys, so a page is watched once */
	uint32_t *index;
	size_t index_size;
};

/* Room for cap pages and their index; IOH_ERR_NOMEM (nothing reported) on failure. */
ioh_status fp_alloc_pages(ioh_fingerprint *fp, size_t cap);
/* The index slot of phys: holding its page, or empty (UINT32_MAX) where it would go. */
size_t fp_slot_of(const ioh_fingerprint *fp, uint64_t phys);
/* "Linux 6.1.0-56-amd64, crashed ... (VMCOREINFO ..., 4096-byte pages)" */
void fp_describe_identity(const struct fp_identity *id, char *buf, size_t len);

#endif
