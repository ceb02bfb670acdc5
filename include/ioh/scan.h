/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scan: the crashed kernel's VT-d tables read out of a dump.
 *
 * With the root-table address known (--rtaddr) only the table pages are
 * read. Otherwise the dump is streamed once through the root-table
 * discovery (discover.h), and each confirmed table is walked: context
 * entries, PASID entries, and each device's page tables down to the set of
 * physical pages it can write (what the report fingerprints).
 */
#ifndef IOH_SCAN_H
#define IOH_SCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ioh/discover.h>
#include <ioh/ioh.h>
#include <ioh/source.h>
#include <ioh/walk.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ioh_scan_config {
	uint64_t rtaddr;	/* 0: discover the root tables */
	enum ioh_vtd_mode mode; /* with rtaddr, when mode_given */
	bool mode_given;	/* else the mode is inferred from the table itself */
	unsigned haw;		/* host address width; 0: 52 */
	unsigned expected_units; /* from the ACPI DMAR table; 0: unknown */
	double max_seconds;	/* cut the discovery scan short; 0: no limit */
	bool no_pages;		/* skip the page-table walk */
	uint64_t max_reads;	/* per-device read budget; 0: the walker's default */
	/* Called now and then during discovery; bytes of the dump scanned so far of total. */
	void (*progress)(void *priv, uint64_t done, uint64_t total);
	void *progress_priv;
};

struct ioh_scan_device {
	struct ioh_walk_device w;	/* pasids pointer cleared: see rid_pasid */
	bool has_rid_pasid;
	struct ioh_walk_pasid rid_pasid; /* scalable: the entry for requests without PASID */
	unsigned npasids;		/* present PASID entries seen */
	struct ioh_pg_summary pg;	/* page-table walk, when done */
	ioh_rangeset *writable;		/* physical ranges it can write; NULL when not walked */
};

struct ioh_scan_unit {
	unsigned index;		/* unit0, unit1, ... in the order found */
	uint64_t root_table;
	enum ioh_vtd_mode mode;
	const char *confidence; /* "given", "certain", "likely", "ambiguous" */
	struct ioh_root_candidate candidate;
	unsigned torn;		/* devices whose entry looks torn */
	struct ioh_problems problems; /* bus-level problems and walk errors */
	size_t ndevices;
	struct ioh_scan_device *devices;
};

typedef struct ioh_scan ioh_scan;

/*
 * Runs the scan over src. Problems in the tables are results, not errors;
 * an error is returned only when nothing could be scanned (unreadable
 * given root table, I/O failure). IOH_ERR_LIMIT with results when
 * max_seconds cut discovery short (ioh_scan_truncated() says so).
 */
ioh_status ioh_scan_run(ioh_ctx *ctx, ioh_source *src, const struct ioh_scan_config *cfg,
			ioh_scan **out);
void ioh_scan_free(ioh_scan *s);

size_t ioh_scan_nunits(const ioh_scan *s);
const struct ioh_scan_unit *ioh_scan_unit(const ioh_scan *s, size_t i);
/* Discovery was cut short by max_seconds: the answer may be incomplete. */
bool ioh_scan_truncated(const ioh_scan *s);
/* Root-table candidates found but not presented as units (stale copies, ambiguity). */
size_t ioh_scan_nrejected(const ioh_scan *s);
const struct ioh_root_candidate *ioh_scan_rejected(const ioh_scan *s, size_t i);
/* True when some unit has a torn-looking entry: the CLI's exit 2. */
bool ioh_scan_has_problem(const ioh_scan *s);

void ioh_scan_write_text(const ioh_scan *s, FILE *f, bool verbose);
void ioh_scan_write_json(const ioh_scan *s, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
