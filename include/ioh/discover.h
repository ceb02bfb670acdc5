/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the crashed kernel's VT-d root tables without debuginfo.
 *
 * Nothing in VMCOREINFO names the IOMMU's root table, so we look for pages
 * that *are* root tables: every entry present or zero with its reserved
 * bits clear, at least one present, and every present entry pointing to a
 * page that validates as a context table of the same mode, whose present
 * entries look like what Linux writes (valid AW, TT, non-zero page-table
 * pointer inside RAM).
 *
 * The caller streams pages in (ioh_discover_feed, in any order, from any
 * source), then ioh_discover_finish confirms the candidates by reading
 * their context tables through the read callback. No I/O here; memory is
 * bounded by IOH_DISCOVER_MAX_CANDIDATES.
 */
#ifndef IOH_DISCOVER_H
#define IOH_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include <ioh/ioh.h>
#include <ioh/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOH_DISCOVER_MAX_CANDIDATES 256

/* Reads len bytes of physical memory; returns 0 or an ioh_status. */
typedef int (*ioh_read_fn)(void *priv, uint64_t phys, void *buf, size_t len);
/* True when phys is RAM of the crashed machine (present in the dump or not). */
typedef bool (*ioh_is_ram_fn)(void *priv, uint64_t phys);

struct ioh_discover_cfg {
	ioh_read_fn read;
	void *read_priv;
	ioh_is_ram_fn is_ram; /* optional */
	void *ram_priv;
	unsigned haw;	      /* host address width for validation; 0 = 52 */
};

struct ioh_root_candidate {
	uint64_t addr;		/* physical address of the root-table page */
	enum ioh_vtd_mode mode;
	unsigned buses;		/* root entries present (LP or UP counted once per bus) */
	unsigned context_tables; /* distinct context-table pages that validated */
	unsigned devices;	/* present context entries */
	unsigned bad_entries;	/* present context entries that failed validation */
	unsigned torn_entries;	/* P set, old pointer, hi zeroed: a teardown caught mid-way */
	unsigned unreadable;	/* context tables not in the dump */
	bool shares_tables;	/* another candidate points to the same context tables */
	int score;		/* higher is more certainly a live root table */
	char evidence[160];
};

typedef struct ioh_discover ioh_discover;

ioh_discover *ioh_discover_new(const struct ioh_discover_cfg *cfg);
void ioh_discover_free(ioh_discover *d);

/*
 * Offers one 4 KiB page at phys. Cheap: rejects almost every page after a
 * few words. Pages that could be root tables are remembered (bounded; past
 * the bound the lowest-scoring are dropped and counted).
 */
void ioh_discover_feed(ioh_discover *d, uint64_t phys, const void *page);

/*
 * Confirms candidates by reading their context tables. Afterwards the
 * candidates that validated are available sorted best first.
 */
ioh_status ioh_discover_finish(ioh_ctx *ctx, ioh_discover *d);

unsigned ioh_discover_count(const ioh_discover *d);
/* Borrowed; i < ioh_discover_count(). */
const struct ioh_root_candidate *ioh_discover_get(const ioh_discover *d, unsigned i);
/* Pages offered, pages that passed the prefilter, candidates dropped for space. */
void ioh_discover_stats(const ioh_discover *d, uint64_t *pages, uint64_t *prefiltered,
			uint64_t *dropped);

/*
 * Scores one page as a root table of mode m right now (no streaming):
 * fills *out and returns true if it validates. For --rtaddr checks.
 */
bool ioh_discover_check(ioh_ctx *ctx, const struct ioh_discover_cfg *cfg, uint64_t addr,
			enum ioh_vtd_mode m, struct ioh_root_candidate *out);

#ifdef __cplusplus
}
#endif
#endif
