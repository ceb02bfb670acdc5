/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VT-d table walker: root table -> context entries -> (scalable mode)
 * PASID directory and PASID table entries, and the page-table walk behind a
 * device (second-level, first-level, nested) into IOVA -> physical ranges.
 *
 * Memory is read only through a callback, so the same walk runs over a
 * vmcore, a live system or a synthetic image (memimg.h). Everything read is
 * treated as hostile: each thing wrong with an entry is recorded as a
 * problem on that entry and the walk goes on; the work is bounded by a
 * read budget (IOH_ERR_LIMIT when exceeded, with what was found so far
 * already delivered). See docs/walk.md.
 */
#ifndef IOH_WALK_H
#define IOH_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/ioh.h>
#include <ioh/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reads len bytes of physical memory at phys into buf. Returns 0, or an
 * ioh_status: IOH_ERR_NODATA (not in the dump), IOH_ERR_EXCLUDED (filtered
 * out), or any other status for a failure of the source itself.
 */
typedef int (*ioh_read_fn)(void *data, uint64_t phys, void *buf, size_t len);
/* True if phys is RAM (not MMIO, not a hole) on the machine described. */
typedef bool (*ioh_is_ram_fn)(void *data, uint64_t phys);

/* Defaults for the zero values of the bounds below. */
#define IOH_WALK_DEFAULT_MAX_READS 65536u
#define IOH_WALK_DEFAULT_MAX_PASID_DIR 16384u /* the largest directory: PDTS 7 */
#define IOH_WALK_DEFAULT_MAX_PASIDS 64u
#define IOH_WALK_DEFAULT_HAW 52u
/* Each delivered PASID entry costs ~2.5 KiB held during the walk; this bounds it (~10 MiB). */
#define IOH_WALK_MAX_PASIDS 4096u

/* ioh_walk_config.flags */
enum {
	/* Also deliver context entries with P clear but other bits set (a teardown in progress). */
	IOH_WALK_NONPRESENT = 1u << 0,
	/* Walk only the bus and device of ioh_walk_config.bdf (2-3 reads instead of a full walk). */
	IOH_WALK_ONLY_BDF = 1u << 1,
};

struct ioh_walk_config {
	uint64_t rtaddr;	/* root table address; bits 11:0 are ignored */
	enum ioh_vtd_mode mode; /* IOH_VTD_LEGACY or IOH_VTD_SCALABLE */
	unsigned haw;		/* host address width; 0: 52 */
	ioh_read_fn read;	/* required */
	void *read_data;
	ioh_is_ram_fn is_ram;	/* optional: pointers outside RAM are flagged and not followed */
	void *ram_data;
	uint64_t max_reads;	/* read budget for one call; 0: IOH_WALK_DEFAULT_MAX_READS */
	unsigned max_pasid_dir; /* PASID directory entries examined per device; 0: default */
	unsigned max_pasids;	/* PASID entries delivered per device; 0: default; at most
				   IOH_WALK_MAX_PASIDS (larger values are clamped) */
	unsigned flags;
	struct ioh_bdf bdf;	/* with IOH_WALK_ONLY_BDF; the segment is not looked at */
};

/* One root entry (one bus), delivered when it is non-zero or has problems. */
struct ioh_walk_bus {
	uint8_t bus;
	uint64_t addr;	 /* where the root entry lives */
	uint64_t raw[2];
	struct ioh_vtd_root root;
	struct ioh_problems problems; /* reserved bits, shared or unreadable context table, ... */
};

/* One PASID table entry reached through the device's PASID directory. */
struct ioh_walk_pasid {
	uint32_t pasid;
	uint64_t dir_raw;	/* the PASID directory entry leading to it */
	uint64_t addr;		/* where the PASID entry lives */
	uint64_t raw[8];
	struct ioh_vtd_pasid e;
	struct ioh_problems problems;
};

/*
 * One device (context entry). The effective fields summarise what the
 * hardware would use for requests without PASID: in legacy mode they come
 * from the context entry, in scalable mode from the PASID entry selected by
 * RID_PASID (zero, with a problem recorded, when that entry is missing).
 */
struct ioh_walk_device {
	struct ioh_bdf bdf;
	enum ioh_vtd_mode mode;
	uint64_t table;	       /* context table address */
	uint64_t addr;	       /* context entry address */
	uint64_t raw[4];       /* legacy: raw[0..1]; scalable: raw[0..3] */
	bool present;	       /* P; false only with IOH_WALK_NONPRESENT */
	bool torn;	       /* P set but AW reserved or table address 0 (context entry, or
				  scalable RID_PASID entry; also PGTT reserved): a torn write */
	struct ioh_vtd_context ctx;   /* legacy */
	struct ioh_vtd_sm_context sm; /* scalable */

	/* effective translation for requests without PASID */
	uint16_t did;
	unsigned aw;	   /* AW field; levels = ioh_vtd_aw_levels(aw) */
	unsigned tt;	   /* legacy TT; scalable: the PGTT of the RID_PASID entry */
	uint64_t slptptr;  /* second-level root, 0 if none */
	uint64_t flptptr;  /* first-level root (scalable), 0 if none */
	unsigned flpm;	   /* first-level paging mode: 0 4-level, 1 5-level */
	bool fpd;	   /* context FPD, or any FPD on the RID_PASID path */

	struct ioh_problems problems; /* of the context entry and the directory walk */

	/* scalable mode: present PASID entries, RID_PASID's first when present */
	unsigned npasids;
	const struct ioh_walk_pasid *pasids; /* borrowed, valid during the callback */
	int rid_pasid_index;		     /* index into pasids[], -1 when absent */
	unsigned pasid_dir_present;	     /* present directory entries examined */
	bool pasids_truncated;		     /* a bound stopped the PASID enumeration */
};

/*
 * Callbacks; either may be NULL. A non-zero return stops the walk and
 * ioh_walk() returns that value (use an ioh_status).
 */
struct ioh_walk_ops {
	int (*bus)(void *data, const struct ioh_walk_bus *b);
	int (*device)(void *data, const struct ioh_walk_device *d);
};

struct ioh_walk_stats {
	unsigned buses;	    /* root entries with a present half */
	unsigned devices;   /* devices delivered */
	unsigned problems;  /* total over buses, devices and PASID entries */
	uint64_t reads;	    /* read callback invocations */
	uint64_t bytes;	    /* bytes requested */
};

/*
 * Walks the root table. Returns IOH_OK when the walk completed (problems
 * found in the tables are not errors: they are in the delivered entries);
 * IOH_ERR_INVALID for a bad config; the read status when the root table
 * itself cannot be read; IOH_ERR_LIMIT when the read budget ran out (the
 * entries reached before are delivered); or a callback's non-zero value.
 * stats may be NULL. Messages go to ctx: "walk: root table 0x...: ...".
 */
ioh_status ioh_walk(ioh_ctx *ctx, const struct ioh_walk_config *cfg,
		    const struct ioh_walk_ops *ops, void *data, struct ioh_walk_stats *stats);

/* ---- page-table walk ---- */

enum ioh_pg_stage {
	IOH_PG_SECOND_LEVEL = 1, /* VT-d second-stage format: R bit 0, W bit 1 */
	IOH_PG_FIRST_LEVEL = 2,	 /* x86 format: P, R/W, U/S; in nested mode the output is a GPA */
};

/* ioh_pg_range.perm */
enum {
	IOH_PG_R = 1u << 0,
	IOH_PG_W = 1u << 1,
	IOH_PG_U = 1u << 2, /* first level: user-accessible at every level */
};

/* A run of IOVA mapped contiguously to physical memory with one permission. */
struct ioh_pg_range {
	enum ioh_pg_stage stage;
	uint32_t pasid;	   /* scalable: the PASID entry walked; legacy: 0 */
	uint64_t iova;
	uint64_t phys;
	uint64_t size;	   /* bytes, a multiple of 4 KiB */
	unsigned perm;
};

struct ioh_pg_summary {
	uint64_t ranges;	 /* coalesced ranges delivered */
	uint64_t pages;		 /* 4 KiB pages mapped (a 2 MiB page counts 512) */
	uint64_t writable_pages; /* of which writable */
	uint64_t tables;	 /* page-table pages read */
	uint64_t reads;
	bool passthrough;	 /* pass-through: the device reaches all memory untranslated */
	struct ioh_problems problems; /* reserved bits, loops, unreadable tables, ... */
};

/*
 * Walks one page-table tree rooted at `root` with `levels` levels (second
 * level: 3..5 from AW; first level: 4 or 5), calling range() for each
 * coalesced range in IOVA order (range may be NULL). Stops with a problem,
 * not an error, at tables it cannot read or that loop back to an ancestor;
 * the reads are bounded by cfg->max_reads (IOH_ERR_LIMIT). Only cfg's read,
 * is_ram, haw and max_reads are used. sum is required and is added to, so
 * several trees can share one: start from a zeroed summary.
 */
ioh_status ioh_pgwalk(ioh_ctx *ctx, const struct ioh_walk_config *cfg, enum ioh_pg_stage stage,
		      uint64_t root, unsigned levels, uint32_t pasid,
		      int (*range)(void *data, const struct ioh_pg_range *r), void *data,
		      struct ioh_pg_summary *sum);

/*
 * A set of physical ranges, kept sorted and merged; bounded by max_ranges
 * (adding beyond it returns IOH_ERR_LIMIT).
 */
typedef struct ioh_rangeset ioh_rangeset;
ioh_rangeset *ioh_rangeset_new(size_t max_ranges);
void ioh_rangeset_free(ioh_rangeset *rs);
ioh_status ioh_rangeset_add(ioh_rangeset *rs, uint64_t start, uint64_t size);
size_t ioh_rangeset_count(ioh_rangeset *rs);
uint64_t ioh_rangeset_bytes(ioh_rangeset *rs);
bool ioh_rangeset_contains(ioh_rangeset *rs, uint64_t addr);
/* Iterates in ascending order; start with *it = 0; false at the end. */
bool ioh_rangeset_next(ioh_rangeset *rs, size_t *it, uint64_t *start, uint64_t *size);

/*
 * Walks every translation a delivered device uses: legacy second-level
 * tables; in scalable mode the tables of each delivered PASID entry
 * (second-level, first-level, or both when nested). Calls range() per
 * coalesced range (may be NULL), adds the physical pages the device could
 * write to `writable` (may be NULL), and fills sum. In nested mode the
 * writable set is the second-level one: every write passes through it.
 * Pass-through sets sum->passthrough and adds nothing. The read budget is
 * cfg->max_reads for this call.
 */
ioh_status ioh_walk_mappings(ioh_ctx *ctx, const struct ioh_walk_config *cfg,
			     const struct ioh_walk_device *dev,
			     int (*range)(void *data, const struct ioh_pg_range *r), void *data,
			     ioh_rangeset *writable, struct ioh_pg_summary *sum);

#ifdef __cplusplus
}
#endif
#endif
