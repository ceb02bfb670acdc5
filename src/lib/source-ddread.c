/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Our reader of the kdump-compressed layout over any pread function: both
 * bitmaps scanned once at open (RAM ranges, and a rank table of the second
 * bitmap so a page's descriptor is found without reading the whole bitmap),
 * descriptors validated before anything trusts them, raw, zlib, lzo, snappy
 * and zstd pages decoded here. The kdump and flattened readers read pages
 * with it; the libkdumpfile reader uses the bitmaps and the descriptor
 * checks, so that libkdumpfile never sees a page we know to be damaged.
 *
 * Memory is fixed whatever the dump size: the rank table (at most
 * DD_MAX_RANKS entries, 512 KiB), one block of the second bitmap (4 KiB, more
 * only past 2^31 pfns), a read window, one decoded page and one compressed
 * page. libkdumpfile 0.5.1 cannot promise that: it reads the whole bitmap
 * and keeps a table of its runs, both growing with the machine's RAM, and
 * a 4 MiB block cache besides.
 *
 * Speed: makedumpfile writes descriptors in pfn order and page data mostly
 * in the same order, so one read window serves runs of both; zero pages
 * (-d 1 off) all share one data block, which is decoded once.
 */
#include <inttypes.h>
#include <lzo1x.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "source-internal.h"

#define DD_MAX_RANKS 65536
#define DD_MIN_RANK_PFNS 32768 /* one 4 KiB block of bitmap */
#define DESC_SIZE 24
#define DD_DWIN_SIZE 4080 /* 170 descriptors */
#define DD_PWIN_SIZE (64u << 10)
#define DD_KNOWN_COMPRESSION (DD_COMPRESSED_ZLIB | DD_COMPRESSED_LZO | DD_COMPRESSED_SNAPPY | DD_COMPRESSED_ZSTD)

/* Walks both bitmaps once: RAM ranges from the first, rank table from the second. */
static ioh_status scan_bitmaps(struct ioh_source *src, struct dd_reader *p)
{
	uint64_t nbytes = (p->h.max_mapnr + 7) / 8, total = 0, run_start = 0;
	size_t chunk = 1 << 16;
	unsigned char *b1 = malloc(chunk), *b2 = malloc(chunk);
	bool in_run = false;
	ioh_status st = IOH_OK;

	p->rank_pfns = DD_MIN_RANK_PFNS;
	while (p->h.max_mapnr / p->rank_pfns >= DD_MAX_RANKS)
		p->rank_pfns *= 2;
	p->nrank = (size_t)(p->h.max_mapnr / p->rank_pfns) + 1;
	p->rank = calloc(p->nrank, sizeof(*p->rank));
	if (!b1 || !b2 || !p->rank) {
		st = ioh_err(src->ctx, IOH_ERR_NOMEM, "kdump: out of memory for the bitmaps");
		goto out;
	}
	for (uint64_t off = 0; off < nbytes && st == IOH_OK; off += chunk) {
		size_t n = nbytes - off < chunk ? (size_t)(nbytes - off) : chunk;

		if ((st = p->rd(p->rdpriv, b1, n, p->h.bitmap1_off + off)) != IOH_OK ||
		    (st = p->rd(p->rdpriv, b2, n, p->h.bitmap2_off + off)) != IOH_OK)
			break;
		for (size_t i = 0; i < n * 8 && st == IOH_OK; i++) {
			uint64_t pfn = off * 8 + i;
			bool ram = b1[i / 8] >> (i & 7) & 1;

			if (pfn >= p->h.max_mapnr)
				break;
			if (pfn % p->rank_pfns == 0)
				p->rank[pfn / p->rank_pfns] = total;
			total += b2[i / 8] >> (i & 7) & 1;
			if (ram && !in_run) {
				run_start = pfn;
				in_run = true;
			} else if (!ram && in_run) {
				st = src_add_range(src, run_start * src->page_size,
						   pfn * src->page_size);
				in_run = false;
			}
		}
	}
	if (st == IOH_OK && in_run)
		st = src_add_range(src, run_start * src->page_size, p->h.max_mapnr * src->page_size);
	p->ndumped = total;
	if (st == IOH_OK && p->h.desc_off + total * DESC_SIZE > p->size)
		src_problem(src, "kdump: %" PRIu64 " page descriptors would end past the end of "
				 "the dump; the last pages read as damaged",
			    total);
out:
	free(b1);
	free(b2);
	return st;
}

/* Makes p->bm hold the bitmap-2 bytes of pfn's rank block. */
static ioh_status load_block(struct dd_reader *p, uint64_t pfn)
{
	uint64_t blk = pfn / p->rank_pfns, first = blk * p->rank_pfns;
	uint64_t bytes = p->rank_pfns / 8, avail = (p->h.max_mapnr + 7) / 8 - first / 8;
	ioh_status st;

	if (blk == p->bm_block)
		return IOH_OK;
	if (bytes > avail)
		bytes = avail;
	memset(p->bm, 0, p->rank_pfns / 8);
	p->bm_block = UINT64_MAX;
	if ((st = p->rd(p->rdpriv, p->bm, bytes, p->h.bitmap2_off + first / 8)) != IOH_OK)
		return st;
	p->bm_block = blk;
	p->last_pfn = first;
	p->last_idx = p->rank[blk];
	return IOH_OK;
}

static bool bm_bit(const struct dd_reader *p, uint64_t pfn)
{
	uint64_t q = pfn % p->rank_pfns;

	return p->bm[q / 8] >> (q & 7) & 1;
}

/*
 * Index of pfn's descriptor: set bits of bitmap 2 before it. Counted from
 * the last lookup when it is earlier in the same block, so a scan costs a
 * few bits a page instead of a popcount of the whole block.
 */
static ioh_status desc_index(struct dd_reader *p, uint64_t pfn, uint64_t *idx)
{
	uint64_t first = pfn / p->rank_pfns * p->rank_pfns, from, n;
	ioh_status st = load_block(p, pfn);

	if (st != IOH_OK)
		return st;
	if (p->last_pfn > pfn) {
		p->last_pfn = first;
		p->last_idx = p->rank[pfn / p->rank_pfns];
	}
	from = p->last_pfn;
	n = p->last_idx;
	while (from < pfn && (from - first) % 8)
		n += bm_bit(p, from++);
	for (; from + 8 <= pfn; from += 8)
		n += (uint64_t)__builtin_popcount(p->bm[(from - first) / 8]);
	while (from < pfn)
		n += bm_bit(p, from++);
	p->last_pfn = pfn;
	p->last_idx = n;
	*idx = n;
	return IOH_OK;
}

/*
 * n bytes at off through window w: a pointer into the window, refilled from
 * off when the bytes are not all there. The caller has checked that they lie
 * inside the file. NULL (status in *st) when n exceeds the window or the read
 * fails; the caller then reads directly.
 */
static const unsigned char *wread(struct dd_reader *p, struct dd_window *w, size_t cap,
				  uint64_t off, size_t n, ioh_status *st)
{
	size_t want = cap;

	*st = IOH_OK;
	if (n > cap)
		return NULL;
	if (off >= w->off && off - w->off <= w->len && n <= w->len - (off - w->off))
		return w->buf + (off - w->off);
	if (p->size - off < want)
		want = (size_t)(p->size - off);
	w->len = 0;
	if ((*st = p->rd(p->rdpriv, w->buf, want, off)) != IOH_OK)
		return NULL;
	w->off = off;
	w->len = want;
	return w->buf;
}

static bool decode(unsigned char *out, uint64_t ps, const unsigned char *in, uint32_t size,
		   uint32_t flags)
{
	if (flags & DD_COMPRESSED_ZLIB) {
		uLongf n = (uLongf)ps;

		return uncompress(out, &n, in, size) == Z_OK && n == ps;
	}
	if (flags & DD_COMPRESSED_LZO) {
		lzo_uint n = (lzo_uint)ps;

		return lzo1x_decompress_safe(in, size, out, &n, NULL) == LZO_E_OK && n == ps;
	}
	if (flags & DD_COMPRESSED_SNAPPY) {
		size_t n = 0;

		/* The claimed length is checked first: snappy trusts it for the output. */
		if (snappy_uncompressed_length((const char *)in, size, &n) != SNAPPY_OK || n != ps)
			return false;
		return snappy_uncompress((const char *)in, size, (char *)out, &n) == SNAPPY_OK &&
		       n == ps;
	}
	if (flags & DD_COMPRESSED_ZSTD)
		return ZSTD_decompress(out, (size_t)ps, in, size) == ps;
	return false;
}

static ioh_status decompress(struct ioh_source *src, struct dd_reader *p, uint64_t pfn,
			     const unsigned char *in, uint32_t size, uint32_t flags)
{
	if (decode(p->page, src->page_size, in, size, flags))
		return IOH_OK;
	return ioh_err(src->ctx, IOH_ERR_CORRUPT,
		       "0x%" PRIx64 ": %s page does not decompress to %" PRIu64 " bytes",
		       pfn * src->page_size, dd_compression_name(flags), src->page_size);
}

ioh_status dd_reader_desc(struct ioh_source *src, struct dd_reader *p, uint64_t pfn,
			  struct dd_desc *out)
{
	const unsigned char *d;
	uint64_t idx, doff, ps = src->page_size;
	ioh_status st;

	if ((st = desc_index(p, pfn, &idx)) != IOH_OK)
		return ioh_err_wrap(src->ctx, st, "0x%" PRIx64 ": page descriptor", pfn * ps);
	doff = p->h.desc_off + idx * DESC_SIZE;
	if (doff > p->size || DESC_SIZE > p->size - doff)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%" PRIx64 ": page descriptor %" PRIu64 " at 0x%" PRIx64
			       ": past the end of the dump",
			       pfn * ps, idx, doff);
	if (!(d = wread(p, &p->dwin, DD_DWIN_SIZE, doff, DESC_SIZE, &st)))
		return ioh_err_wrap(src->ctx, st, "0x%" PRIx64 ": page descriptor", pfn * ps);
	memcpy(&out->offset, d, 8);
	memcpy(&out->size, d + 8, 4);
	memcpy(&out->flags, d + 12, 4);
	if (!out->offset || !out->size || out->size > ps || (!out->flags && out->size != ps) ||
	    (out->flags & ~(uint32_t)DD_KNOWN_COMPRESSION) || (out->flags & (out->flags - 1)) ||
	    out->offset > p->size || out->size > p->size - out->offset)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%" PRIx64 ": page descriptor %" PRIu64 " is damaged (offset 0x%" PRIx64
			       " size %u flags 0x%x)%s",
			       pfn * ps, idx, out->offset, out->size, out->flags,
			       out->offset ? "" : ": page lost in an incomplete dump");
	return IOH_OK;
}

/* Page data: through the data window when it fits, else into cbuf or the page itself. */
static const unsigned char *page_data(struct dd_reader *p, const struct dd_desc *d,
				      ioh_status *st)
{
	const unsigned char *in = wread(p, &p->pwin, DD_PWIN_SIZE, d->offset, d->size, st);
	unsigned char *dst = d->flags ? p->cbuf : p->page;

	if (in || *st != IOH_OK)
		return in;
	*st = p->rd(p->rdpriv, dst, d->size, d->offset);
	return *st == IOH_OK ? dst : NULL;
}

static ioh_status load_page(struct ioh_source *src, struct dd_reader *p, uint64_t pfn)
{
	const unsigned char *in;
	struct dd_desc d;
	ioh_status st;

	p->page_pfn = UINT64_MAX;
	if ((st = dd_reader_desc(src, p, pfn, &d)) != IOH_OK)
		return st;
	/* Pages sharing one data block (every zero page) are decoded once. */
	if (d.offset == p->page_off && d.size == p->page_csize && d.flags == p->page_flags) {
		p->page_pfn = pfn;
		return IOH_OK;
	}
	p->page_off = UINT64_MAX;
	if (!(in = page_data(p, &d, &st)))
		return ioh_err_wrap(src->ctx, st, "0x%" PRIx64 ": page data", pfn * src->page_size);
	if (d.flags) {
		if ((st = decompress(src, p, pfn, in, d.size, d.flags)) != IOH_OK)
			return st;
	} else if (in != p->page) {
		memcpy(p->page, in, d.size);
	}
	p->page_pfn = pfn;
	p->page_off = d.offset;
	p->page_csize = d.size;
	p->page_flags = d.flags;
	return IOH_OK;
}

ioh_status dd_reader_present(struct ioh_source *src, struct dd_reader *p, uint64_t addr)
{
	uint64_t pfn = addr / src->page_size;
	int ram = 0;
	ioh_status st;

	if (pfn >= p->h.max_mapnr)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": not in the dump (past the last pfn, 0x%" PRIx64 ")",
			       addr, p->h.max_mapnr - 1);
	/* In the file implies RAM: the first bitmap only matters for absent pages. */
	if ((st = load_block(p, pfn)) != IOH_OK)
		return st;
	if (bm_bit(p, pfn))
		return IOH_OK;
	if ((st = dd_bit(p->rd, p->rdpriv, p->h.bitmap1_off, pfn, &ram)) != IOH_OK || !ram)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": not in the dump (not RAM in the crashed kernel)",
			       addr);
	return ioh_err(src->ctx, IOH_ERR_EXCLUDED,
		       "0x%" PRIx64 ": page excluded from the dump (filtered by makedumpfile -d)",
		       addr);
}

/* Set bits of bitmap 2 in rank block blk, from the rank table alone. */
static uint64_t block_count(const struct dd_reader *p, uint64_t blk)
{
	return (blk + 1 < p->nrank ? p->rank[blk + 1] : p->ndumped) - p->rank[blk];
}

/*
 * The first pfn >= pfn whose bit 2 equals want, below lim. Blocks the rank
 * table shows empty (or full) are skipped without reading them, so a dump of
 * a big machine filtered down to a little costs a few reads, not a read per
 * page. A read error ends the search at pfn: the read that follows reports it.
 */
static uint64_t find_bit(struct dd_reader *p, uint64_t pfn, uint64_t lim, bool want)
{
	while (pfn < lim) {
		uint64_t blk = pfn / p->rank_pfns, bend = (blk + 1) * p->rank_pfns;
		uint64_t cnt = block_count(p, blk);

		if (bend > lim)
			bend = lim;
		if (cnt == (want ? 0 : p->rank_pfns)) {
			pfn = bend;
			continue;
		}
		if (load_block(p, pfn) != IOH_OK)
			return pfn;
		for (; pfn < bend; pfn++) {
			uint64_t q = pfn % p->rank_pfns;

			if (!(q & 7) && pfn + 8 <= bend && p->bm[q / 8] == (want ? 0 : 0xff)) {
				pfn += 7;
				continue;
			}
			if (bm_bit(p, pfn) == want)
				return pfn;
		}
	}
	return lim;
}

ioh_status dd_src_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	return dd_probe(head, len);
}

uint64_t dd_src_next_data(struct ioh_source *src, uint64_t addr)
{
	struct dd_reader *p = src->priv;
	uint64_t pfn = find_bit(p, addr / src->page_size, p->h.max_mapnr, true);

	return pfn >= p->h.max_mapnr ? UINT64_MAX : pfn * src->page_size;
}

uint64_t dd_src_data_end(struct ioh_source *src, uint64_t addr, uint64_t limit)
{
	struct dd_reader *p = src->priv;
	uint64_t ps = src->page_size, lim = (limit + ps - 1) / ps, pfn;

	if (lim > p->h.max_mapnr)
		lim = p->h.max_mapnr;
	pfn = find_bit(p, addr / ps, lim, false);
	/* A read error inside the run: let the page-by-page read name it. */
	if (pfn * ps <= addr)
		return addr + ps < limit ? addr + ps : limit;
	return pfn * ps < limit ? pfn * ps : limit;
}

ioh_status dd_reader_page(struct ioh_source *src, struct dd_reader *p, uint64_t addr)
{
	uint64_t pfn = addr / src->page_size;
	ioh_status st;

	if (pfn == p->page_pfn)
		return IOH_OK;
	if ((st = dd_reader_present(src, p, addr)) != IOH_OK)
		return st;
	return load_page(src, p, pfn);
}

ioh_status dd_reader_open(struct ioh_source *src, struct dd_reader *p)
{
	ioh_status st;

	p->page_pfn = p->bm_block = p->page_off = UINT64_MAX;
	if (lzo_init() != LZO_E_OK)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "liblzo2 failed to initialise");
	p->page = malloc(src->page_size);
	p->cbuf = malloc(src->page_size);
	p->dwin.buf = malloc(DD_DWIN_SIZE);
	p->pwin.buf = malloc(DD_PWIN_SIZE);
	p->dwin.off = p->pwin.off = UINT64_MAX;
	if (!p->page || !p->cbuf || !p->dwin.buf || !p->pwin.buf)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	if ((st = scan_bitmaps(src, p)) != IOH_OK)
		return st;
	p->bm = malloc(p->rank_pfns / 8);
	return p->bm ? IOH_OK : ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
}

ioh_status dd_reader_start(struct ioh_source *src, struct dd_reader *p)
{
	ioh_status st;

	if ((st = dd_read_header(src->ctx, p->rd, p->rdpriv, p->size, &p->h)) != IOH_OK)
		return st;
	src->page_size = p->h.block_size;
	/* makedumpfile leaves utsname empty when the dump had no VMCOREINFO. */
	if (p->h.machine[0] && strcmp(p->h.machine, "x86_64"))
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "kdump header: machine '%.20s' is not x86_64",
			       p->h.machine);
	if (p->h.status & DD_INCOMPLETE)
		src_problem(src, "the dump is marked incomplete (makedumpfile ran out of space); "
				 "pages written last are missing");
	if (dd_check_regions(src->ctx, &p->h, p->size, false) != IOH_OK)
		src_problem(src, "%s", ioh_get_err(src->ctx));
	if ((st = dd_reader_open(src, p)) != IOH_OK)
		return st;
	return dd_load_vmcoreinfo(src, p->rd, p->rdpriv, p->size, &p->h);
}

ioh_status dd_src_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct dd_reader *p = src->priv;
	unsigned char *out = buf;
	uint64_t ps = src->page_size;

	while (len) {
		uint64_t in = phys % ps;
		size_t n = len < ps - in ? len : (size_t)(ps - in);
		ioh_status st = dd_reader_page(src, p, phys);

		if (st != IOH_OK)
			return st;
		memcpy(out, p->page + in, n);
		out += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

void dd_describe(const struct dd_reader *p, const char *how, char *buf, size_t size)
{
	snprintf(buf, size, "kdump-compressed %s (%s v%d)%s, release %s%s",
		 dd_compression_name(p->h.status), p->h.signature, p->h.header_version, how,
		 p->h.release[0] ? p->h.release : "?",
		 p->h.status & DD_INCOMPLETE ? ", INCOMPLETE" : "");
}

void dd_reader_close(struct dd_reader *p)
{
	free(p->rank);
	free(p->bm);
	free(p->page);
	free(p->cbuf);
	free(p->dwin.buf);
	free(p->pwin.buf);
}
