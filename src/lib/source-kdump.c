/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed dumps (makedumpfile -c/-l/-p/-z), read through
 * libkdumpfile in machine-physical addresses (no address translation, so no
 * "OS type" needed). We check the header ourselves first so that a damaged
 * dump gets a message naming the field, and take VMCOREINFO from it.
 *
 * A read is classified with the dump's two bitmaps: not in the RAM bitmap →
 * IOH_ERR_NODATA (a hole); RAM but not in the file → EXCLUDED (filtered by
 * -d); in both → libkdumpfile reads it, and a failure is damage (CORRUPT).
 * The file bitmap comes from libkdumpfile's "file.pagemap"; the RAM bitmap
 * we read from the file ourselves, because getting "memory.pagemap" from
 * 0.5.1 leaks 24 KiB per open (seen with LeakSanitizer).
 * Zero pages filtered by -d 1 stay in the file bitmap and read as zeros.
 *
 * Memory: libkdumpfile's page cache is cut to a few entries and it is told
 * to use read(2), not mmap(2), so RSS stays flat whatever the dump size.
 */
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>

#include "source-internal.h"

#define KDUMP_CACHE_PAGES 16

struct kdump_priv {
	kdump_ctx_t *k;
	kdump_bmp_t *file; /* file.pagemap: pfn is in the file */
	struct dd_header h;
};

static ioh_status kdump_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	return dd_probe(head, len);
}

static ioh_status fd_pread(void *priv, void *buf, size_t n, uint64_t off)
{
	struct ioh_source *src = priv;
	ssize_t r = src_pread_full(src->fd, buf, n, off);

	if (r < 0)
		return ioh_err(src->ctx, IOH_ERR_SYSTEM, "read at 0x%" PRIx64, off);
	if ((size_t)r < n)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%zx bytes at 0x%" PRIx64 ": past the end of the file", n, off);
	return IOH_OK;
}

static ioh_status kfail(struct ioh_source *src, kdump_status ks, const char *what)
{
	struct kdump_priv *p = src->priv;
	const char *e = p->k ? kdump_get_err(p->k) : NULL;

	return ioh_err(src->ctx, ks == KDUMP_ERR_NOTIMPL ? IOH_ERR_NOTIMPL : IOH_ERR_CORRUPT,
		       "libkdumpfile: %s: %s", what, e ? e : kdump_strerror(ks));
}

static ioh_status get_bitmap(struct ioh_source *src, const char *key, kdump_bmp_t **out)
{
	struct kdump_priv *p = src->priv;
	kdump_attr_t a = { .type = KDUMP_BITMAP };
	kdump_status ks = kdump_get_typed_attr(p->k, key, &a);

	if (ks != KDUMP_OK)
		return kfail(src, ks, key);
	*out = a.val.bitmap;
	kdump_bmp_incref(*out);
	return IOH_OK;
}

static bool bit(kdump_bmp_t *bmp, uint64_t pfn)
{
	/* libkdumpfile fills whole words even for one bit: give it room. */
	uint64_t raw[4] = { 0 };

	if (kdump_bmp_get_bits(bmp, pfn, pfn, (unsigned char *)raw) != KDUMP_OK)
		return false;
	return raw[0] & 1;
}

static ioh_status kdump_setup(struct ioh_source *src)
{
	struct kdump_priv *p = src->priv;
	kdump_status ks;
	const char *fmt = NULL;
	kdump_num_t ps;

	p->k = kdump_new();
	if (!p->k)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "libkdumpfile: out of memory");
	kdump_set_number_attr(p->k, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
	kdump_set_number_attr(p->k, "cache.size", KDUMP_CACHE_PAGES);
	ks = kdump_open_fd(p->k, src->fd);
	if (ks != KDUMP_OK)
		return kfail(src, ks, "open");
	if (kdump_get_string_attr(p->k, KDUMP_ATTR_FILE_FORMAT, &fmt) != KDUMP_OK || !fmt ||
	    strcmp(fmt, "diskdump"))
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "libkdumpfile sees format '%s', not diskdump",
			       fmt ? fmt : "?");
	ks = kdump_get_number_attr(p->k, KDUMP_ATTR_PAGE_SIZE, &ps);
	if (ks != KDUMP_OK)
		return kfail(src, ks, "page size");
	if (ps != p->h.block_size)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "page size %" PRIu64 " differs from block_size %u", (uint64_t)ps,
			       p->h.block_size);
	src->page_size = ps;
	return IOH_OK;
}

static ioh_status kdump_open(struct ioh_source *src)
{
	struct kdump_priv *p = calloc(1, sizeof(*p));
	ioh_status st;

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	if ((st = dd_read_header(src->ctx, fd_pread, src, src->file_size, &p->h)) != IOH_OK)
		return st;
	/* makedumpfile leaves utsname empty when the dump had no VMCOREINFO. */
	if (p->h.machine[0] && strcmp(p->h.machine, "x86_64"))
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "kdump header: machine '%.20s' is not x86_64",
			       p->h.machine);
	if (p->h.status & DD_INCOMPLETE)
		src_problem(src, "the dump is marked incomplete (makedumpfile ran out of space); "
				 "pages written last are missing");
	if ((st = kdump_setup(src)) != IOH_OK)
		return st;
	if ((st = get_bitmap(src, KDUMP_ATTR_FILE_PAGEMAP, &p->file)) != IOH_OK)
		return st;
	if ((st = dd_ram_ranges(src, fd_pread, src, &p->h)) != IOH_OK)
		return st;
	return dd_load_vmcoreinfo(src, fd_pread, src, &p->h);
}

static ioh_status classify(struct ioh_source *src, uint64_t addr, kdump_status ks)
{
	struct kdump_priv *p = src->priv;
	uint64_t pfn = addr / src->page_size;
	int ram = 0;

	if (pfn >= p->h.max_mapnr || dd_bit(fd_pread, src, p->h.bitmap1_off, pfn, &ram) != IOH_OK ||
	    !ram)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": not in the dump (not RAM in the crashed kernel)",
			       addr);
	if (!bit(p->file, pfn))
		return ioh_err(src->ctx, IOH_ERR_EXCLUDED,
			       "0x%" PRIx64 ": page excluded from the dump (filtered by "
			       "makedumpfile -d)",
			       addr);
	return ioh_err(src->ctx, ks == KDUMP_ERR_SYSTEM ? IOH_ERR_SYSTEM : IOH_ERR_CORRUPT,
		       "0x%" PRIx64 ": libkdumpfile: %s", addr, kdump_get_err(p->k));
}

/*
 * Pages are checked against the bitmaps before libkdumpfile sees the
 * address: 0.5.1 leaks a cache slot on each failed read, and once the cache
 * is used up it decompresses into a NULL buffer (seen in a full scan of the
 * samples). So libkdumpfile is only asked for pages the file holds.
 */
static ioh_status kdump_readp(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct kdump_priv *p = src->priv;
	uint64_t ps = src->page_size, end = phys + len;
	unsigned char *out = buf;

	while (phys < end) {
		uint64_t run = phys;
		size_t n;
		kdump_status ks;

		while (run < end && run / ps < p->h.max_mapnr && bit(p->file, run / ps))
			run = (run / ps + 1) * ps;
		if (run == phys)
			return classify(src, phys, KDUMP_ERR_NODATA);
		if (run > end)
			run = end;
		n = (size_t)(run - phys);
		ks = kdump_read(p->k, KDUMP_MACHPHYSADDR, phys, out, &n);
		if (ks != KDUMP_OK || n != run - phys)
			return ioh_err(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": libkdumpfile: %s",
				       phys + n, kdump_get_err(p->k));
		out += n;
		phys = run;
	}
	return IOH_OK;
}

static void kdump_close(struct ioh_source *src)
{
	struct kdump_priv *p = src->priv;

	if (!p)
		return;
	if (p->file)
		kdump_bmp_decref(p->file);
	if (p->k)
		kdump_free(p->k);
	free(p);
}

static void kdump_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct kdump_priv *p = src->priv;

	snprintf(buf, size, "kdump-compressed %s (%s v%d), release %s%s",
		 dd_compression_name(p->h.status), p->h.signature, p->h.header_version,
		 p->h.release[0] ? p->h.release : "?",
		 p->h.status & DD_INCOMPLETE ? ", INCOMPLETE" : "");
}

static bool kdump_page_in_file(struct ioh_source *src, uint64_t phys)
{
	struct kdump_priv *p = src->priv;
	uint64_t pfn = phys / src->page_size;

	return pfn < p->h.max_mapnr && bit(p->file, pfn);
}

const struct source_ops ioh_source_kdump_ops = {
	.page_in_file = kdump_page_in_file,
	.name = "kdump",
	.kind = IOH_SOURCE_KDUMP,
	.probe = kdump_probe,
	.open = kdump_open,
	.read_phys = kdump_readp,
	.close = kdump_close,
	.describe = kdump_describe,
};
