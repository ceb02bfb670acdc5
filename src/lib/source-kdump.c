/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed dumps (makedumpfile -c/-l/-p/-z), page data read through
 * libkdumpfile in machine-physical addresses (no address translation, so no
 * "OS type" needed).
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
 * use read(2), not mmap(2); our reader costs what source-ddread.c states.
 */
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdlib.h>

#include "source-internal.h"

#define KDUMP_CACHE_PAGES 16

struct kdump_priv {
	kdump_ctx_t *k;
	struct dd_reader dd;
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
	if (ps != p->dd.h.block_size)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "page size %" PRIu64 " differs from block_size %u", (uint64_t)ps,
			       p->dd.h.block_size);
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
	p->dd.rd = fd_pread;
	p->dd.rdpriv = src;
	p->dd.size = src->file_size;
	if ((st = dd_read_header(src->ctx, fd_pread, src, src->file_size, &p->dd.h)) != IOH_OK)
		return st;
	src->page_size = p->dd.h.block_size;
	/* makedumpfile leaves utsname empty when the dump had no VMCOREINFO. */
	if (p->dd.h.machine[0] && strcmp(p->dd.h.machine, "x86_64"))
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "kdump header: machine '%.20s' is not x86_64",
			       p->dd.h.machine);
	if (p->dd.h.status & DD_INCOMPLETE)
		src_problem(src, "the dump is marked incomplete (makedumpfile ran out of space); "
				 "pages written last are missing");
	if ((st = kdump_setup(src)) != IOH_OK)
		return st;
	if ((st = dd_reader_open(src, &p->dd)) != IOH_OK)
		return st;
	return dd_load_vmcoreinfo(src, fd_pread, src, &p->dd.h);
}

/*
 * After a failed read, libkdumpfile 0.5.1 may have lost a cache slot; a fresh
 * context keeps a damaged dump from exhausting the cache (which ends in a
 * NULL-pointer write inside the library).
 */
static ioh_status read_failed(struct ioh_source *src, uint64_t addr)
{
	struct kdump_priv *p = src->priv;
	ioh_status st = ioh_err(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": libkdumpfile: %s", addr,
				kdump_get_err(p->k));
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", ioh_get_err(src->ctx));
	kdump_free(p->k);
	p->k = NULL;
	if (kdump_setup(src) != IOH_OK)
		WARN(src->ctx, "%s: cannot reopen after a read error: %s", src->name,
		     ioh_get_err(src->ctx));
	ioh_err(src->ctx, st, "%s", msg);
	return st;
}

static ioh_status kdump_readp(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct kdump_priv *p = src->priv;
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

static void kdump_close(struct ioh_source *src)
{
	struct kdump_priv *p = src->priv;

	if (!p)
		return;
	if (p->k)
		kdump_free(p->k);
	dd_reader_close(&p->dd);
	free(p);
}

static void kdump_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct kdump_priv *p = src->priv;

	snprintf(buf, size, "kdump-compressed %s (%s v%d), release %s%s",
		 dd_compression_name(p->dd.h.status), p->dd.h.signature, p->dd.h.header_version,
		 p->dd.h.release[0] ? p->dd.h.release : "?",
		 p->dd.h.status & DD_INCOMPLETE ? ", INCOMPLETE" : "");
}

const struct source_ops ioh_source_kdump_ops = {
	.name = "kdump",
	.kind = IOH_SOURCE_KDUMP,
	.probe = kdump_probe,
	.open = kdump_open,
	.read_phys = kdump_readp,
	.close = kdump_close,
	.describe = kdump_describe,
};
