/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * makedumpfile's flattened format (-F; Debian kdump-tools' default), read in
 * place. The stream is a 4 KiB header then records "{be64 offset, be64 size}
 * + bytes" meaning "these bytes belong at this offset of the real file", in
 * no particular order. We index the records (sorted by target offset, 24
 * bytes each, at most FLAT_MAX_RECORDS) and read the rearranged file through
 * that index: gaps read as zeros, as in the sparse file makedumpfile -R
 * writes. On top of that view sits a small reader of the kdump-compressed
 * layout (bitmaps, page descriptors, zlib/lzo pages): libkdumpfile 0.5.1
 * can only read real files, and nothing is written to disk.
 *
 * Memory: the record index, a rank table for the second bitmap (at most
 * FLAT_MAX_RANKS entries), one bitmap block and one decoded page.
 */
#include <elf.h>
#include <inttypes.h>
#include <lzo1x.h>
#include <stdlib.h>
#include <zlib.h>

#include "source-internal.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_MAX_RECORDS 131072
#define FLAT_MAX_RECORD_SIZE (256u << 20)
#define FLAT_MAX_RANKS 65536
#define FLAT_MIN_RANK_PFNS 32768 /* one 4 KiB block of bitmap */
#define DESC_SIZE 24

struct flat_rec {
	uint64_t voff; /* offset in the rearranged file */
	uint64_t foff; /* offset of the bytes in the flattened file */
	uint32_t size;
	uint32_t seq;
};

struct flat_priv {
	struct flat_rec *rec;
	size_t nrec;
	uint64_t vsize;
	struct dd_header h;
	uint64_t *rank; /* set bits of bitmap 2 before block i */
	size_t nrank;
	uint64_t rank_pfns; /* pfns per rank block */
	unsigned char *bm;  /* cached bitmap-2 bytes of one rank block */
	uint64_t bm_block;
	uint64_t last_pfn, last_idx; /* last rank computed, in bm_block */
	unsigned char *page; /* last decoded page */
	uint64_t page_pfn;
	unsigned char *cbuf; /* compressed bytes */
};

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static ioh_status flat_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	if (len < 32 || strncmp((const char *)head, "makedumpfile", 16))
		return IOH_ERR_NOPROBE;
	if (be64(head + 16) != 1 || be64(head + 24) != 1)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "flattened header: type %" PRIu64 " version %" PRIu64
			       ", expected 1 and 1",
			       be64(head + 16), be64(head + 24));
	return IOH_OK;
}

static ioh_status add_record(struct ioh_source *src, struct flat_priv *p, uint64_t voff,
			     uint64_t foff, uint64_t size)
{
	if (p->nrec >= FLAT_MAX_RECORDS)
		return ioh_err(src->ctx, IOH_ERR_LIMIT,
			       "flattened dump: more than %u records; rebuild it with "
			       "'makedumpfile -R OUT < %s' and open OUT",
			       FLAT_MAX_RECORDS, src->name);
	if (!(p->nrec & (p->nrec - 1)) || !p->nrec) {
		size_t cap = p->nrec ? 2 * p->nrec : 64;
		struct flat_rec *r;

		if (cap < 64)
			cap = 64;
		r = realloc(p->rec, cap * sizeof(*r));
		if (!r)
			return ioh_err(src->ctx, IOH_ERR_NOMEM, "flattened dump: out of memory");
		p->rec = r;
	}
	p->rec[p->nrec] = (struct flat_rec){ voff, foff, (uint32_t)size, (uint32_t)p->nrec };
	p->nrec++;
	if (voff + size > p->vsize)
		p->vsize = voff + size;
	return IOH_OK;
}

/* One pass over the stream: validates each record header and indexes it. */
static ioh_status index_records(struct ioh_source *src, struct flat_priv *p)
{
	uint64_t pos = FLAT_HEADER_SIZE;
	unsigned char hdr[16];
	ioh_status st;

	for (;;) {
		ssize_t r = src_pread_full(src->fd, hdr, sizeof(hdr), pos);
		uint64_t voff, size;

		if (r < 0)
			return ioh_err(src->ctx, IOH_ERR_SYSTEM, "flattened dump: read at 0x%" PRIx64,
				       pos);
		if (r < (ssize_t)sizeof(hdr)) {
			src_problem(src, "flattened dump: no end marker, stream cut at 0x%" PRIx64
					 " (truncated); later data is missing",
				    pos);
			return IOH_OK;
		}
		voff = be64(hdr);
		size = be64(hdr + 8);
		if (voff == UINT64_MAX && size == UINT64_MAX)
			return IOH_OK;
		if (voff >> 62 || !size || size > FLAT_MAX_RECORD_SIZE)
			return ioh_err(src->ctx, IOH_ERR_CORRUPT,
				       "flattened record %zu at 0x%" PRIx64 ": offset 0x%" PRIx64
				       " size 0x%" PRIx64 " is garbage",
				       p->nrec, pos, voff, size);
		if (pos + 16 + size > src->file_size) {
			src_problem(src, "flattened record %zu at 0x%" PRIx64 ": 0x%" PRIx64
					 " bytes run past the end of the file (truncated); dropped",
				    p->nrec, pos, size);
			return IOH_OK;
		}
		if ((st = add_record(src, p, voff, pos + 16, size)) != IOH_OK)
			return st;
		pos += 16 + size;
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const struct flat_rec *x = a, *y = b;

	if (x->voff != y->voff)
		return x->voff < y->voff ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static ioh_status sort_records(struct ioh_source *src, struct flat_priv *p)
{
	if (!p->nrec)
		return IOH_OK;
	qsort(p->rec, p->nrec, sizeof(*p->rec), rec_cmp);
	for (size_t i = 1; i < p->nrec; i++)
		if (p->rec[i].voff < p->rec[i - 1].voff + p->rec[i - 1].size)
			return ioh_err(src->ctx, IOH_ERR_NOTIMPL,
				       "flattened records %u and %u overlap at 0x%" PRIx64
				       "; rebuild with 'makedumpfile -R'",
				       p->rec[i - 1].seq, p->rec[i].seq, p->rec[i].voff);
	return IOH_OK;
}

/* Reads the rearranged file: records where they are, zeros in the gaps. */
static ioh_status vpread(void *priv, void *buf, size_t n, uint64_t off)
{
	struct ioh_source *src = priv;
	struct flat_priv *p = src->priv;
	unsigned char *out = buf;
	size_t lo = 0, hi = p->nrec;

	if (off > p->vsize || n > p->vsize - off)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%zx bytes at 0x%" PRIx64 " of the rearranged dump: past its end "
			       "(0x%" PRIx64 ")",
			       n, off, p->vsize);
	/* First record ending after off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->rec[mid].voff + p->rec[mid].size <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (n) {
		const struct flat_rec *r = lo < p->nrec ? &p->rec[lo] : NULL;
		size_t k;

		if (!r || off < r->voff) {
			k = !r || r->voff - off > n ? n : (size_t)(r->voff - off);
			memset(out, 0, k);
		} else {
			ssize_t got;

			k = r->voff + r->size - off > n ? n : (size_t)(r->voff + r->size - off);
			got = src_pread_full(src->fd, out, k, r->foff + (off - r->voff));
			if (got < 0)
				return ioh_err(src->ctx, IOH_ERR_SYSTEM, "flattened dump: read");
			if ((size_t)got < k)
				return ioh_err(src->ctx, IOH_ERR_CORRUPT,
					       "flattened dump: file shrank while open");
			lo++;
		}
		out += k;
		off += k;
		n -= k;
	}
	return IOH_OK;
}

/* ---- the kdump-compressed reader over the rearranged view ---- */

/* Walks both bitmaps once: RAM ranges from the first, rank table from the second. */
static ioh_status scan_bitmaps(struct ioh_source *src, struct flat_priv *p)
{
	uint64_t nbytes = (p->h.max_mapnr + 7) / 8, total = 0, run_start = 0;
	size_t chunk = 1 << 16;
	unsigned char *b1 = malloc(chunk), *b2 = malloc(chunk);
	bool in_run = false;
	ioh_status st = IOH_OK;

	p->rank_pfns = FLAT_MIN_RANK_PFNS;
	while (p->h.max_mapnr / p->rank_pfns >= FLAT_MAX_RANKS)
		p->rank_pfns *= 2;
	p->nrank = (size_t)(p->h.max_mapnr / p->rank_pfns) + 1;
	p->rank = calloc(p->nrank, sizeof(*p->rank));
	if (!b1 || !b2 || !p->rank) {
		st = ioh_err(src->ctx, IOH_ERR_NOMEM, "flattened dump: out of memory for bitmaps");
		goto out;
	}
	for (uint64_t off = 0; off < nbytes && st == IOH_OK; off += chunk) {
		size_t n = nbytes - off < chunk ? (size_t)(nbytes - off) : chunk;

		if ((st = vpread(src, b1, n, p->h.bitmap1_off + off)) != IOH_OK ||
		    (st = vpread(src, b2, n, p->h.bitmap2_off + off)) != IOH_OK)
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
	if (st == IOH_OK && p->h.desc_off + total * DESC_SIZE > p->vsize)
		src_problem(src, "kdump: %" PRIu64 " page descriptors would end past the end of "
				 "the dump; the last pages read as damaged",
			    total);
out:
	free(b1);
	free(b2);
	return st;
}

static ioh_status flat_open(struct ioh_source *src)
{
	struct flat_priv *p = calloc(1, sizeof(*p));
	unsigned char magic[8];
	ioh_status st;

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	p->page_pfn = p->bm_block = UINT64_MAX;
	if ((st = index_records(src, p)) != IOH_OK || (st = sort_records(src, p)) != IOH_OK)
		return st;
	if (lzo_init() != LZO_E_OK)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "liblzo2 failed to initialise");
	if (p->vsize < 8 || vpread(src, magic, 8, 0) != IOH_OK)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "flattened dump: no data records");
	if (!memcmp(magic, ELFMAG, SELFMAG))
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL,
			       "flattened ELF dump (makedumpfile -F -E): rebuild it with "
			       "'makedumpfile -R OUT < %s' and open OUT",
			       src->name);
	if (dd_probe(magic, 8) == IOH_ERR_NOPROBE)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "flattened dump: the rearranged file is neither kdump-compressed "
			       "nor ELF");
	if ((st = dd_read_header(src->ctx, vpread, src, p->vsize, &p->h)) != IOH_OK)
		return st;
	src->page_size = p->h.block_size;
	p->page = malloc(src->page_size);
	p->cbuf = malloc(src->page_size);
	if (!p->page || !p->cbuf)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	if ((st = scan_bitmaps(src, p)) != IOH_OK)
		return st;
	p->bm = malloc(p->rank_pfns / 8);
	if (!p->bm)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	if (p->h.status & DD_INCOMPLETE)
		src_problem(src, "the dump is marked incomplete (makedumpfile ran out of space)");
	return dd_load_vmcoreinfo(src, vpread, src, &p->h);
}

/* Makes p->bm hold the bitmap-2 bytes of pfn's rank block. */
static ioh_status load_block(struct ioh_source *src, uint64_t pfn)
{
	struct flat_priv *p = src->priv;
	uint64_t blk = pfn / p->rank_pfns, first = blk * p->rank_pfns;
	uint64_t bytes = p->rank_pfns / 8, avail = (p->h.max_mapnr + 7) / 8 - first / 8;
	ioh_status st;

	if (blk == p->bm_block)
		return IOH_OK;
	if (bytes > avail)
		bytes = avail;
	memset(p->bm, 0, p->rank_pfns / 8);
	p->bm_block = UINT64_MAX;
	if ((st = vpread(src, p->bm, bytes, p->h.bitmap2_off + first / 8)) != IOH_OK)
		return st;
	p->bm_block = blk;
	p->last_pfn = first;
	p->last_idx = p->rank[blk];
	return IOH_OK;
}

static bool bm_bit(const struct flat_priv *p, uint64_t pfn)
{
	uint64_t q = pfn % p->rank_pfns;

	return p->bm[q / 8] >> (q & 7) & 1;
}

/*
 * Index of pfn's descriptor: set bits of bitmap 2 before it. Counted from
 * the last lookup when it is earlier in the same block, so a scan costs a
 * few bits a page instead of a popcount of the whole block.
 */
static ioh_status desc_index(struct ioh_source *src, uint64_t pfn, uint64_t *idx)
{
	struct flat_priv *p = src->priv;
	uint64_t first = pfn / p->rank_pfns * p->rank_pfns, from, n;
	ioh_status st = load_block(src, pfn);

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

static ioh_status decompress(struct ioh_source *src, uint64_t pfn, uint32_t size, uint32_t flags)
{
	struct flat_priv *p = src->priv;
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

static ioh_status load_page(struct ioh_source *src, uint64_t pfn)
{
	struct flat_priv *p = src->priv;
	unsigned char d[DESC_SIZE];
	uint64_t idx, off, ps = src->page_size;
	uint32_t size, flags;
	ioh_status st;

	p->page_pfn = UINT64_MAX;
	if ((st = desc_index(src, pfn, &idx)) != IOH_OK ||
	    (st = vpread(src, d, sizeof(d), p->h.desc_off + idx * DESC_SIZE)) != IOH_OK)
		return ioh_err_wrap(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": page descriptor",
				    pfn * ps);
	memcpy(&off, d, 8);
	memcpy(&size, d + 8, 4);
	memcpy(&flags, d + 12, 4);
	if (!off || !size || size > ps || (!flags && size != ps))
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%" PRIx64 ": page descriptor %" PRIu64 " is damaged (offset 0x%" PRIx64
			       " size %u flags 0x%x)%s",
			       pfn * ps, idx, off, size, flags,
			       off ? "" : ": page lost in an incomplete dump");
	if ((st = vpread(src, flags ? p->cbuf : p->page, size, off)) != IOH_OK)
		return ioh_err_wrap(src->ctx, IOH_ERR_CORRUPT, "0x%" PRIx64 ": page data", pfn * ps);
	if (flags && (st = decompress(src, pfn, size, flags)) != IOH_OK)
		return st;
	p->page_pfn = pfn;
	return IOH_OK;
}

static ioh_status flat_page(struct ioh_source *src, uint64_t addr)
{
	struct flat_priv *p = src->priv;
	uint64_t pfn = addr / src->page_size;
	int ram = 0;
	ioh_status st;

	if (pfn == p->page_pfn)
		return IOH_OK;
	if (pfn >= p->h.max_mapnr)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": not in the dump (past the last pfn, 0x%" PRIx64 ")",
			       addr, p->h.max_mapnr - 1);
	/* In the file implies RAM: the first bitmap only matters for absent pages. */
	if ((st = load_block(src, pfn)) != IOH_OK)
		return st;
	if (bm_bit(p, pfn))
		return load_page(src, pfn);
	if ((st = dd_bit(vpread, src, p->h.bitmap1_off, pfn, &ram)) != IOH_OK || !ram)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": not in the dump (not RAM in the crashed kernel)",
			       addr);
	return ioh_err(src->ctx, IOH_ERR_EXCLUDED,
		       "0x%" PRIx64 ": page excluded from the dump (filtered by makedumpfile -d)",
		       addr);
}

static ioh_status flat_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct flat_priv *p = src->priv;
	unsigned char *out = buf;
	uint64_t ps = src->page_size;

	while (len) {
		uint64_t in = phys % ps;
		size_t n = len < ps - in ? len : (size_t)(ps - in);
		ioh_status st = flat_page(src, phys);

		if (st != IOH_OK)
			return st;
		memcpy(out, p->page + in, n);
		out += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

static void flat_close(struct ioh_source *src)
{
	struct flat_priv *p = src->priv;

	if (!p)
		return;
	free(p->rec);
	free(p->rank);
	free(p->bm);
	free(p->page);
	free(p->cbuf);
	free(p);
}

static void flat_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct flat_priv *p = src->priv;

	snprintf(buf, size,
		 "makedumpfile flattened, %zu records, of kdump-compressed %s (v%d), release %s",
		 p->nrec, dd_compression_name(p->h.status), p->h.header_version,
		 p->h.release[0] ? p->h.release : "?");
}

const struct source_ops ioh_source_flat_ops = {
	.name = "flat",
	.kind = IOH_SOURCE_FLAT,
	.probe = flat_probe,
	.open = flat_open,
	.read_phys = flat_read,
	.close = flat_close,
	.describe = flat_describe,
};
