/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * makedumpfile's flattened format (-F; Debian kdump-tools' default), read in
 * place. The stream is a 4 KiB header then records "{be64 offset, be64 size}
 * + bytes" meaning "these bytes belong at this offset of the real file", in
 * no particular order. We index the records (sorted by target offset, 24
 * bytes each, at most FLAT_MAX_RECORDS) and read the rearranged file through
 * that index: gaps read as zeros, as in the sparse file makedumpfile -R
 * writes. On top of that view sits our kdump-compressed reader
 * (source-ddread.c), as for kdump-compressed files; nothing is written to
 * disk (libkdumpfile 0.5.1 could only read a rebuilt real file).
 *
 * Memory: the record index plus what source-ddread.c states.
 */
#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>

#include "source-internal.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_MAX_RECORDS 131072
#define FLAT_MAX_RECORD_SIZE (256u << 20)

struct flat_rec {
	uint64_t voff; /* offset in the rearranged file */
	uint64_t foff; /* offset of the bytes in the flattened file */
	uint32_t size;
	uint32_t seq;
};

struct flat_priv {
	struct dd_reader dd; /* first: the dd_src_* ops find it there */
	struct flat_rec *rec;
	size_t nrec;
	uint64_t vsize;
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

static ioh_status flat_open(struct ioh_source *src)
{
	struct flat_priv *p = calloc(1, sizeof(*p));
	unsigned char magic[8];
	ioh_status st;

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	if ((st = index_records(src, p)) != IOH_OK || (st = sort_records(src, p)) != IOH_OK)
		return st;
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
	p->dd.rd = vpread;
	p->dd.rdpriv = src;
	p->dd.size = p->vsize;
	return dd_reader_start(src, &p->dd);
}

static void flat_close(struct ioh_source *src)
{
	struct flat_priv *p = src->priv;

	if (!p)
		return;
	free(p->rec);
	dd_reader_close(&p->dd);
	free(p);
}

static void flat_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct flat_priv *p = src->priv;

	snprintf(buf, size,
		 "makedumpfile flattened, %zu records, of kdump-compressed %s (v%d), release %s",
		 p->nrec, dd_compression_name(p->dd.h.status), p->dd.h.header_version,
		 p->dd.h.release[0] ? p->dd.h.release : "?");
}

const struct source_ops ioh_source_flat_ops = {
	.name = "flat",
	.kind = IOH_SOURCE_FLAT,
	.probe = flat_probe,
	.open = flat_open,
	.read_phys = dd_src_read,
	.next_data = dd_src_next_data,
	.data_end = dd_src_data_end,
	.close = flat_close,
	.describe = flat_describe,
};
