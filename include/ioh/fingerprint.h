/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fingerprints of the crashed kernel's memory that devices can still write.
 *
 * After a crash nothing in the capture kernel writes to the old kernel's
 * memory, so a page that changes between two moments was written by DMA.
 * We hash, at two moments, every page that a device's copied page tables
 * map writable (found by the scan's page walk), at 64-byte (cache-line)
 * granularity so a change can be sized; then attribute each changed page
 * to the device(s) whose domain maps it.
 *
 * Bounded: at most max_pages pages are watched (default 16384, 2 MiB of
 * fingerprints); devices are taken in order of fewest writable pages
 * first, so that one huge identity-mapped domain cannot starve the small
 * DMA rings that matter most, and whatever is not watched is counted.
 */
#ifndef IOH_FINGERPRINT_H
#define IOH_FINGERPRINT_H

#include <stdbool.h>
#include <stdint.h>

#include <ioh/ioh.h>
#include <ioh/scan.h>
#include <ioh/source.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IOH_FP_DEFAULT_MAX_PAGES 16384u
/* Bounds: a take refuses more, a file claiming more is refused as corrupt. */
#define IOH_FP_MAX_PAGES (1u << 20)
#define IOH_FP_MAX_DEVICES 4096u

/* The file format's version (docs/report-format.md, "Fingerprint file"). */
#define IOH_FP_FORMAT_VERSION 1u

typedef struct ioh_fingerprint ioh_fingerprint;

/*
 * Hashes the writable pages of every device in the scan, reading through
 * src, and records which dump src is (VMCOREINFO's release, crash time,
 * KASLR offset and build id, or the RAM layout when there is no
 * VMCOREINFO) so that a later compare against another dump is refused.
 * max_pages: 0 for the default, at most IOH_FP_MAX_PAGES.
 */
ioh_status ioh_fingerprint_take(ioh_ctx *ctx, ioh_source *src, const ioh_scan *scan,
				unsigned max_pages, ioh_fingerprint **out);
void ioh_fingerprint_free(ioh_fingerprint *fp);

/*
 * Saves in the versioned binary format: through a temporary file beside
 * path, fsync'd, then link()ed to path, so path is either absent or
 * complete, and an existing file is never replaced (IOH_ERR_SYSTEM, EEXIST).
 */
ioh_status ioh_fingerprint_save(ioh_ctx *ctx, const ioh_fingerprint *fp, const char *path);
/*
 * Loads a saved file, treated as hostile: every count is bounded before
 * anything is allocated, and a truncated, oversized or damaged file is
 * IOH_ERR_CORRUPT with the offset and field in the message; a file of a
 * newer format version is IOH_ERR_NOTIMPL ("made by a newer version").
 */
ioh_status ioh_fingerprint_load(ioh_ctx *ctx, const char *path, ioh_fingerprint **out);

/* The same format in memory: *buf is malloc'd, the caller frees it. */
ioh_status ioh_fingerprint_encode(ioh_ctx *ctx, const ioh_fingerprint *fp, void **buf,
				  size_t *len);
/* Parses len bytes as a fingerprint file; name is used in messages (NULL: "buffer"). */
ioh_status ioh_fingerprint_decode(ioh_ctx *ctx, const void *buf, size_t len, const char *name,
				  ioh_fingerprint **out);

/* Per-device result of a comparison. */
struct ioh_fp_change {
	struct ioh_bdf bdf;
	uint64_t pages_watched;
	uint64_t pages_changed;
	uint64_t bytes_changed;	  /* at 64-byte granularity */
	uint64_t first_iova;	  /* of the lowest changed page it maps; valid if pages_changed */
	bool attribution_unique;  /* no changed page is also writable by another device */
};

/*
 * Re-reads every watched page of `before` through src and compares. The
 * result lists one entry per device watched (borrowed from `before`,
 * valid until it is freed or compared again). When src is not the dump
 * `before` was taken from, nothing is compared: IOH_ERR_INVALID, no
 * entries, and the message names both dumps. IOH_ERR_NODATA with results
 * when some watched pages could no longer be read.
 */
ioh_status ioh_fingerprint_compare(ioh_ctx *ctx, ioh_fingerprint *before, ioh_source *src,
				   const struct ioh_fp_change **changes, size_t *n);

/* Pages watched, pages that could not be watched (over the cap, or unreadable). */
void ioh_fingerprint_stats(const ioh_fingerprint *fp, uint64_t *watched, uint64_t *skipped,
			   uint64_t *unreadable);
/* The page cap the fingerprint was taken with. */
unsigned ioh_fingerprint_page_cap(const ioh_fingerprint *fp);
/* One line naming the dump it was taken from: "Linux 6.1.0-56-amd64, crashed 2026-11-25 12:00:00 UTC". */
const char *ioh_fingerprint_dump(const ioh_fingerprint *fp);

#ifdef __cplusplus
}
#endif
#endif
