/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sparse in-memory physical memory image, filled from a small text format
 * (docs/walk.md) or by writes, read back through a callback with the
 * signature every table walker takes (ioh_read_fn in walk.h).
 *
 * Memory is kept in 4 KiB pages. A page that was never written reads as
 * IOH_ERR_NODATA; a page marked excluded (".excluded" in the text) reads
 * as IOH_ERR_EXCLUDED, the way a filtered-out page of a kdump does. Bytes
 * of a written page that were not themselves written read as zero.
 */
#ifndef IOH_MEMIMG_H
#define IOH_MEMIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ioh_memimg ioh_memimg;

#define IOH_MEMIMG_PAGE 4096u
/* Default bound on pages held (256 MiB); see ioh_memimg_set_max_pages(). */
#define IOH_MEMIMG_DEFAULT_MAX_PAGES 65536u

ioh_memimg *ioh_memimg_new(void);
void ioh_memimg_free(ioh_memimg *m);

/* Pages beyond this bound make writes fail with IOH_ERR_NOMEM. */
void ioh_memimg_set_max_pages(ioh_memimg *m, size_t max_pages);

/*
 * Parses the text format into m (adding to what is there). `name` is used
 * in messages: "fixtures/x.txt:12: bad word 'zz'". On error m may hold the
 * lines before the bad one.
 */
ioh_status ioh_memimg_parse(ioh_memimg *m, ioh_ctx *ctx, const char *name, const char *text,
			    size_t len);
/* Reads and parses a file. */
ioh_status ioh_memimg_load(ioh_memimg *m, ioh_ctx *ctx, const char *path);

/* Writes bytes, creating pages as needed (IOH_ERR_NOMEM past the bound). */
ioh_status ioh_memimg_write(ioh_memimg *m, uint64_t phys, const void *buf, size_t len);
ioh_status ioh_memimg_write_u64(ioh_memimg *m, uint64_t phys, uint64_t val);
/* Makes the page holding phys read as IOH_ERR_EXCLUDED. */
ioh_status ioh_memimg_exclude(ioh_memimg *m, uint64_t phys);
/* Declares [start, end) as RAM for ioh_memimg_is_ram(); at most 64 ranges. */
ioh_status ioh_memimg_add_ram(ioh_memimg *m, uint64_t start, uint64_t end);

/*
 * The read callback: `m` is the image. Returns 0, IOH_ERR_NODATA (a page
 * of the range is absent) or IOH_ERR_EXCLUDED; the buffer is then undefined.
 */
int ioh_memimg_read(void *m, uint64_t phys, void *buf, size_t len);
/*
 * The "is this RAM" callback: true inside a declared RAM range; with no
 * range declared, true for every page the image holds.
 */
bool ioh_memimg_is_ram(void *m, uint64_t phys);

/* Number of pages held (excluded ones included). */
size_t ioh_memimg_pages(const ioh_memimg *m);
/*
 * Iterates held pages in ascending address order. Start with *it = 0;
 * returns false at the end. *data is NULL for an excluded page. The
 * image must not change during the iteration.
 */
bool ioh_memimg_next_page(ioh_memimg *m, size_t *it, uint64_t *phys, const uint8_t **data);

#ifdef __cplusplus
}
#endif
#endif
