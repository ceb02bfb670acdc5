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

typedef struct ioh_fingerprint ioh_fingerprint;

/* Hashes the writable pages of every device in the scan, reading through src. */
ioh_status ioh_fingerprint_take(ioh_ctx *ctx, ioh_source *src, const ioh_scan *scan,
				unsigned max_pages, ioh_fingerprint **out);
void ioh_fingerprint_free(ioh_fingerprint *fp);

/* Saves to / loads from a file (a small text header, then binary records). */
ioh_status ioh_fingerprint_save(ioh_ctx *ctx, const ioh_fingerprint *fp, const char *path);
ioh_status ioh_fingerprint_load(ioh_ctx *ctx, const char *path, ioh_fingerprint **out);

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
 * valid until it is freed or compared again).
 */
ioh_status ioh_fingerprint_compare(ioh_ctx *ctx, ioh_fingerprint *before, ioh_source *src,
				   const struct ioh_fp_change **changes, size_t *n);

/* Pages watched, pages that could not be watched (over the cap, or unreadable). */
void ioh_fingerprint_stats(const ioh_fingerprint *fp, uint64_t *watched, uint64_t *skipped,
			   uint64_t *unreadable);

#ifdef __cplusplus
}
#endif
#endif
