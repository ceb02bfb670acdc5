/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed dumps (makedumpfile -c/-l/-p/-z), page data read through
 * libkdumpfile in machine-physical addresses (no address translation, so no
 * "OS type" needed). Chosen by kind ("libkdumpfile"), never by probing: the
 * default kdump reader (source-kdump.c) is ours, because libkdumpfile's memory
 * grows with the dump (it reads the whole page bitmap at open and keeps a
 * table of its runs; 0.5.1 adds a 4 MiB block cache), which a capture kernel
 * cannot afford. This reader stays as the second implementation the tests
 * compare ours against, and for users who want the library's reading.
 *
 * Before libkdumpfile sees an address, our own reader of the layout
 * (source-ddread.c, over pread) says whether the page is there: not in the
 * RAM bitmap → IOH_ERR_NODATA (a hole); RAM but not in the file bitmap →
 * EXCLUDED (filtered by -d); in the file → its descriptor must be sane
 * (offset and size inside the file, size at most a page, known compression)
 * or the read is CORRUPT. Only then is libkdumpfile asked, one page at a
 * time. libkdumpfile 0.5.1 is not safe on its own against damaged dumps:
 * each failed read leaks a cache slot until it decompresses into a NULL
 * buffer, a raw-page descriptor with a short size overflows its heap, and
 * fetching "memory.pagemap" leaks 24 KiB (all seen in our tests and mutation
 * runs). After any failed libkdumpfile read we also start a fresh context.
 * Zero pages filtered by -d 1 stay in the file bitmap and read as zeros.
 *
 * Memory: libkdumpfile's page cache is cut to a few entries and it is told to
 * use read(2), not mmap(2) (mmap(2) would make a hostile, truncated file a
 * SIGBUS); on top of that, what it allocates by itself (above).
 */
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>

#include "source-internal.h"

#define KDUMP_CACHE_PAGES 16

struct lkdf_priv {
	struct dd_reader dd; /* first: the dd_src_* ops find it there */
	kdump_ctx_t *k;
};

static ioh_status kfail(struct ioh_source *src, kdump_status ks, const char *what)
{
	struct lkdf_priv *p = src->priv;
	const char *e = p->k ? kdump_get_err(p->k) : NULL;

	return ioh_err(src->ctx, ks == KDUMP_ERR_NOTIMPL ? IOH_ERR_NOTIMPL : IOH_ERR_CORRUPT,
		       "libkdumpfile: %s: %s", what, e ? e : kdump_strerror(ks));
}

static ioh_status lkdf_setup(struct ioh_source *src)
{
	struct lkdf_priv *p = src->priv;
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
	if (ps != p->dd.h.block_size)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "page size %" PRIu64 " differs from block_size %u", (uint64_t)ps,
			       p->dd.h.block_size);
	src->page_size = ps;
	return IOH_OK;
}

static ioh_status lkdf_open(struct ioh_source *src)
{
	struct lkdf_priv *p = calloc(1, sizeof(*p));
	ioh_status st;

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	p->dd.rd = src_fd_pread;
	p->dd.rdpriv = src;
	p->dd.size = src->file_size;
	if ((st = dd_reader_start(src, &p->dd)) != IOH_OK)
		return st;
	if ((st = dd_check_regions(src->ctx, &p->dd.h, p->dd.size, true)) != IOH_OK)
		return ioh_err_wrap(src->ctx, st, "not handed to libkdumpfile");
	return lkdf_setup(src);
}

/*
 * After a failed read, libkdumpfile 0.5.1 may have lost a cache slot; a fresh
 * context keeps a damaged dump from exhausting the cache (which ends in a
 * NULL-pointer write inside the library).
 */
static ioh_status read_failed(struct ioh_source *src, uint64_t addr)
{
	struct lkdf_priv *p = src->priv;
	ioh_status st = ioh_err(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": libkdumpfile: %s", addr,
				kdump_get_err(p->k));
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", ioh_get_err(src->ctx));
	kdump_free(p->k);
	p->k = NULL;
	if (lkdf_setup(src) != IOH_OK)
		WARN(src->ctx, "%s: cannot reopen after a read error: %s", src->name,
		     ioh_get_err(src->ctx));
	ioh_err(src->ctx, st, "%s", msg);
	return st;
}

static ioh_status lkdf_readp(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct lkdf_priv *p = src->priv;
	uint64_t ps = src->page_size;
	unsigned char *out = buf;

	while (len) {
		uint64_t in = phys % ps;
		size_t n = len < ps - in ? len : (size_t)(ps - in), got = n;
		struct dd_desc d;
		ioh_status st;

		if ((st = dd_reader_present(src, &p->dd, phys)) != IOH_OK ||
		    (st = dd_reader_desc(src, &p->dd, phys / ps, &d)) != IOH_OK)
			return st;
		if (!p->k)
			return ioh_err(src->ctx, IOH_ERR_CORRUPT,
				       "0x%" PRIx64 ": libkdumpfile could not be reopened after an "
				       "earlier error",
				       phys);
		if (kdump_read(p->k, KDUMP_MACHPHYSADDR, phys, out, &got) != KDUMP_OK || got != n)
			return read_failed(src, phys + got);
		out += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

static void lkdf_close(struct ioh_source *src)
{
	struct lkdf_priv *p = src->priv;

	if (!p)
		return;
	if (p->k)
		kdump_free(p->k);
	dd_reader_close(&p->dd);
	free(p);
}

static void lkdf_describe(struct ioh_source *src, char *buf, size_t size)
{
	dd_describe(src->priv, " through libkdumpfile", buf, size);
}

const struct source_ops ioh_source_libkdumpfile_ops = {
	.name = "libkdumpfile",
	.kind = IOH_SOURCE_LIBKDUMPFILE,
	.probe = dd_src_probe,
	.open = lkdf_open,
	.read_phys = lkdf_readp,
	.next_data = dd_src_next_data,
	.data_end = dd_src_data_end,
	.close = lkdf_close,
	.describe = lkdf_describe,
};
