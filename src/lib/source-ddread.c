/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small reader of the kdump-compressed layout over any pread function:
 * both bitmaps scanned once at open (RAM ranges, and a rank table of the
 * second bitmap so a page's descriptor is found without reading the whole
 * bitmap), descriptors validated before anything trusts them, zlib and lzo
 * pages decompressed here. The flattened reader uses all of it; the
 * libkdumpfile reader uses the bitmaps and the descriptor checks, so that
 * libkdumpfile never sees a page we know to be damaged.
 *
 * Memory: the rank table (at most DD_MAX_RANKS entries), one 4 KiB-or-more
 * block of the second bitmap, one decoded page.
 */
#include <inttypes.h>
#include <lzo1x.h>
#include <stdlib.h>
#include <zlib.h>

#include "source-internal.h"

#define DD_MAX_RANKS 65536
#define DD_MIN_RANK_PFNS 32768 /* one 4 KiB block of bitmap */
#define DESC_SIZE 24
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

static ioh_status decompress(struct ioh_source *src, struct dd_reader *p, uint64_t pfn,
			     uint32_t size, uint32_t flags)
{
	uint64_t ps = src->page_size;

	if (flags & DD_COMPRESSED_ZLIB) {
		uLongf out = (uLongf)ps;

		if (uncompress(p->page, &out, p->cbuf, size) == Z_OK && out == ps)
			return IOH_OK;
	} else if (flags & DD_COMPRESSED_LZO) {
		lzo_uint out = (lzo_uint)ps;

		if (lzo1x_decompress_safe(p->cbuf, size, p->page, &out, NULL) == LZO_E_OK &&
		    out == ps)
			return IOH_OK;
	} else {
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL,
			       "0x%" PRIx64 ": %s-compressed pages are not supported", pfn * ps,
			       dd_compression_name(flags));
	}
	return ioh_err(src->ctx, IOH_ERR_CORRUPT,
		       "0x%" PRIx64 ": %s page does not decompress to %" PRIu64 " bytes",
		       pfn * ps, dd_compression_name(flags), ps);
}

ioh_status dd_reader_desc(struct ioh_source *src, struct dd_reader *p, uint64_t pfn,
			  struct dd_desc *out)
{
	unsigned char d[DESC_SIZE];
	uint64_t idx, ps = src->page_size;
	ioh_status st;

	if ((st = desc_index(p, pfn, &idx)) != IOH_OK ||
	    (st = p->rd(p->rdpriv, d, sizeof(d), p->h.desc_off + idx * DESC_SIZE)) != IOH_OK)
		return ioh_err_wrap(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": page descriptor",
				    pfn * ps);
	memcpy(&out->offset, d, 8);
	memcpy(&out->size, d + 8, 4);
	memcpy(&out->flags, d + 12, 4);
	if (!out->offset || !out->size || out->size > ps || (!out->flags && out->size != ps) ||
	    (out->flags & ~(uint32_t)DD_KNOWN_COMPRESSION) || out->offset > p->size ||
	    out->size > p->size - out->offset)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%" PRIx64 ": page descriptor %" PRIu64 " is damaged (offset 0x%" PRIx64
			       " size %u flags 0x%x)%s",
			       pfn * ps, idx, out->offset, out->size, out->flags,
			       out->offset ? "" : ": page lost in an incomplete dump");
	return IOH_OK;
}

static ioh_status load_page(struct ioh_source *src, struct dd_reader *p, uint64_t pfn)
{
	struct dd_desc d;
	ioh_status st;

	p->page_pfn = UINT64_MAX;
	if ((st = dd_reader_desc(src, p, pfn, &d)) != IOH_OK)
		return st;
	if ((st = p->rd(p->rdpriv, d.flags ? p->cbuf : p->page, d.size, d.offset)) != IOH_OK)
		return ioh_err_wrap(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": page data",
				    pfn * src->page_size);
	if (d.flags && (st = decompress(src, p, pfn, d.size, d.flags)) != IOH_OK)
		return st;
	p->page_pfn = pfn;
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

	p->page_pfn = p->bm_block = UINT64_MAX;
	if (lzo_init() != LZO_E_OK)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "liblzo2 failed to initialise");
	p->page = malloc(src->page_size);
	p->cbuf = malloc(src->page_size);
	if (!p->page || !p->cbuf)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	if ((st = scan_bitmaps(src, p)) != IOH_OK)
		return st;
	p->bm = malloc(p->rank_pfns / 8);
	return p->bm ? IOH_OK : ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
}

void dd_reader_close(struct dd_reader *p)
{
	free(p->rank);
	free(p->bm);
	free(p->page);
	free(p->cbuf);
}
