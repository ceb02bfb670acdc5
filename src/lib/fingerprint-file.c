/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fingerprint file (docs/report-format.md, "Fingerprint file"): written
 * field by field, atomically; read as hostile input.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fingerprint-internal.h"

/* ---- writing the file: every field little-endian, one after another ---- */

struct fp_out {
	FILE *f;		/* or, when NULL, a growing buffer */
	uint8_t *buf;
	size_t len, cap;
	uint32_t crc;
	bool failed;
};

static void out_put(struct fp_out *o, const uint8_t *p, size_t n)
{
	o->crc = fp_crc32(o->crc, p, n);
	if (o->failed)
		return;
	if (o->f) {
		o->failed = fwrite(p, 1, n, o->f) != n;
		return;
	}
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 4096;
		uint8_t *b;

		while (cap < o->len + n)
			cap *= 2;
		if (!(b = realloc(o->buf, cap))) {
			o->failed = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void encode_header(const ioh_fingerprint *fp, uint8_t *h)
{
	memset(h, 0, FP_HEADER_SIZE);
	memcpy(h + FP_OFF_MAGIC, FP_MAGIC, FP_MAGIC_LEN);
	fp_put16(h + FP_OFF_VERSION, IOH_FP_FORMAT_VERSION);
	fp_put16(h + FP_OFF_HEADER_SIZE, FP_HEADER_SIZE);
	fp_put32(h + FP_OFF_PAGE_SIZE, FP_PAGE_SIZE);
	fp_put32(h + FP_OFF_LINE_SIZE, FP_LINE_SIZE);
	fp_put32(h + FP_OFF_HASH, FP_HASH_V1);
	fp_put32(h + FP_OFF_NDEVICES, (uint32_t)fp->ndevs);
	fp_put64(h + FP_OFF_NPAGES, fp->npages);
	fp_put64(h + FP_OFF_PAGE_CAP, fp->page_cap);
	fp_put64(h + FP_OFF_SKIPPED, fp->skipped);
	fp_put64(h + FP_OFF_UNREADABLE, fp->unreadable);
	fp_put32(h + FP_OFF_ID_KIND, fp->id.kind);
	fp_put64(h + FP_OFF_DUMP_PAGE_SIZE, fp->id.dump_page_size);
	fp_put64(h + FP_OFF_ID_DIGEST, fp->id.digest);
	fp_put64(h + FP_OFF_CRASH_TIME, (uint64_t)fp->id.crash_time);
	memcpy(h + FP_OFF_OSRELEASE, fp->id.osrelease, strnlen(fp->id.osrelease,
							       FP_OSRELEASE_LEN - 1));
	fp_put32(h + FP_OFF_HEADER_CRC, fp_crc32(0, h, FP_OFF_HEADER_CRC));
}

static void encode(const ioh_fingerprint *fp, struct fp_out *o)
{
	uint8_t h[FP_HEADER_SIZE], r[FP_PAGE_REC], crc[4];

	encode_header(fp, h);
	out_put(o, h, sizeof(h));
	for (size_t i = 0; i < fp->ndevs; i++) {
		const struct ioh_fp_change *d = &fp->devs[i];

		fp_put16(r + FP_DEV_SEG, d->bdf.seg);
		r[FP_DEV_BUS] = d->bdf.bus;
		r[FP_DEV_DEVFN] = d->bdf.devfn;
		fp_put64(r + FP_DEV_WATCHED, d->pages_watched);
		out_put(o, r, FP_DEV_REC);
	}
	for (size_t i = 0; i < fp->npages; i++) {
		const struct fp_page *p = &fp->pages[i];

		fp_put64(r + FP_PG_PHYS, p->phys);
		fp_put64(r + FP_PG_IOVA, p->iova);
		fp_put64(r + FP_PG_IOVA2, p->iova2);
		fp_put32(r + FP_PG_DEV, p->dev);
		fp_put32(r + FP_PG_DEV2, p->dev2);
		fp_put64(r + FP_PG_HASH, p->hash);
		for (unsigned l = 0; l < FP_LINES; l++)
			fp_put16(r + FP_PG_LINES + 2 * l, p->line[l]);
		out_put(o, r, FP_PAGE_REC);
	}
	fp_put32(crc, o->crc);
	out_put(o, crc, sizeof(crc));
}

IOH_EXPORT ioh_status ioh_fingerprint_encode(ioh_ctx *ctx, const ioh_fingerprint *fp,
					     void **buf, size_t *len)
{
	struct fp_out o = { 0 };

	*buf = NULL;
	*len = 0;
	encode(fp, &o);
	if (o.failed) {
		free(o.buf);
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory encoding %zu pages",
			       fp->npages);
	}
	*buf = o.buf;
	*len = o.len;
	return IOH_OK;
}

/* Makes the new name durable too; a failure here loses nothing already written. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

IOH_EXPORT ioh_status ioh_fingerprint_save(ioh_ctx *ctx, const ioh_fingerprint *fp,
					   const char *path)
{
	size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
	struct fp_out o = { 0 };
	ioh_status st = IOH_OK;
	char *tmp = malloc(n);
	int fd;

	if (!tmp)
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	snprintf(tmp, n, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || !(o.f = fdopen(fd, "wb"))) {
		st = ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: cannot create a file beside %s",
			     path);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return st;
	}
	encode(fp, &o);
	if (o.failed || fflush(o.f) || fsync(fd) || ferror(o.f))
		st = ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: writing %s", tmp);
	if (fclose(o.f) && st == IOH_OK)
		st = ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: writing %s", tmp);
	if (st == IOH_OK && link(tmp, path))
		st = ioh_err(ctx, IOH_ERR_SYSTEM,
			     "fingerprint: %s (an existing fingerprint is never overwritten)", path);
	unlink(tmp);
	free(tmp);
	if (st == IOH_OK)
		sync_dir(path);
	return st;
}

/* ---- reading the file: hostile until every check has passed ---- */

struct fp_in {
	ioh_ctx *ctx;
	const char *name;
	const uint8_t *mem; /* the whole input, or NULL to pread() fd */
	int fd;
	uint64_t size;
	uint32_t ndevs;	    /* from the header, once it has been checked */
	uint64_t npages;
};

static uint64_t file_size(uint64_t ndevs, uint64_t npages)
{
	return FP_HEADER_SIZE + ndevs * FP_DEV_REC + npages * FP_PAGE_REC + FP_TRAILER_SIZE;
}

static const struct fp_field {
	unsigned off, len;
	const char *name;
} header_fields[] = {
	{ FP_OFF_MAGIC, FP_MAGIC_LEN, "magic" },
	{ FP_OFF_VERSION, 2, "format_version" },
	{ FP_OFF_HEADER_SIZE, 2, "header_size" },
	{ FP_OFF_FLAGS, 4, "flags" },
	{ FP_OFF_PAGE_SIZE, 4, "page_size" },
	{ FP_OFF_LINE_SIZE, 4, "line_size" },
	{ FP_OFF_HASH, 4, "hash_algorithm" },
	{ FP_OFF_NDEVICES, 4, "device_count" },
	{ FP_OFF_NPAGES, 8, "page_count" },
	{ FP_OFF_PAGE_CAP, 8, "page_cap" },
	{ FP_OFF_SKIPPED, 8, "pages_skipped" },
	{ FP_OFF_UNREADABLE, 8, "pages_unreadable" },
	{ FP_OFF_ID_KIND, 4, "identity_kind" },
	{ FP_OFF_RESERVED, 4, "reserved" },
	{ FP_OFF_DUMP_PAGE_SIZE, 8, "dump_page_size" },
	{ FP_OFF_ID_DIGEST, 8, "identity_digest" },
	{ FP_OFF_CRASH_TIME, 8, "crash_time" },
	{ FP_OFF_OSRELEASE, FP_OSRELEASE_LEN, "osrelease" },
	{ FP_OFF_HEADER_CRC, 4, "header_crc32" },
}, dev_fields[] = {
	{ FP_DEV_SEG, 2, "segment" },
	{ FP_DEV_BUS, 1, "bus" },
	{ FP_DEV_DEVFN, 1, "devfn" },
	{ FP_DEV_WATCHED, 8, "pages_watched" },
}, page_fields[] = {
	{ FP_PG_PHYS, 8, "phys" },
	{ FP_PG_IOVA, 8, "iova" },
	{ FP_PG_IOVA2, 8, "iova2" },
	{ FP_PG_DEV, 4, "device" },
	{ FP_PG_DEV2, 4, "device2" },
	{ FP_PG_HASH, 8, "page_hash" },
	{ FP_PG_LINES, 2 * FP_LINES, "line_hash" },
};

static const char *field_at(const struct fp_field *f, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (off >= f[i].off && off < f[i].off + f[i].len)
			return f[i].name;
	return "?";
}

/* "header field 'page_count'", "page record 4 field 'phys'", ...: where byte off lies. */
static void where(const struct fp_in *in, uint64_t off, char *buf, size_t len)
{
	uint64_t devs_end = FP_HEADER_SIZE + (uint64_t)in->ndevs * FP_DEV_REC;
	uint64_t pages_end = devs_end + in->npages * FP_PAGE_REC;

	if (off < FP_HEADER_SIZE)
		snprintf(buf, len, "header field '%s'",
			 field_at(header_fields, IOH_ARRAY_SIZE(header_fields), off));
	else if (off < devs_end)
		snprintf(buf, len, "device record %" PRIu64 " field '%s'",
			 (off - FP_HEADER_SIZE) / FP_DEV_REC,
			 field_at(dev_fields, IOH_ARRAY_SIZE(dev_fields),
				  (off - FP_HEADER_SIZE) % FP_DEV_REC));
	else if (off < pages_end)
		snprintf(buf, len, "page record %" PRIu64 " field '%s'",
			 (off - devs_end) / FP_PAGE_REC,
			 field_at(page_fields, IOH_ARRAY_SIZE(page_fields),
				  (off - devs_end) % FP_PAGE_REC));
	else if (off < pages_end + FP_TRAILER_SIZE)
		snprintf(buf, len, "trailer field 'crc32'");
	else
		snprintf(buf, len, "past the end");
}

/* "fingerprint: NAME: offset N (page record 4 field 'phys'): what" */
static ioh_status IOH_PRINTF(3, 4) bad_at(const struct fp_in *in, uint64_t off,
					  const char *fmt, ...)
{
	char what[256], loc[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	where(in, off, loc, sizeof(loc));
	return ioh_err(in->ctx, IOH_ERR_CORRUPT, "fingerprint: %s: offset %" PRIu64 " (%s): %s",
		       in->name, off, loc, what);
}

static ioh_status in_read(const struct fp_in *in, uint64_t off, void *dst, size_t n)
{
	if (in->mem) {
		memcpy(dst, in->mem + off, n);
		return IOH_OK;
	}
	for (size_t done = 0; done < n;) {
		ssize_t r = pread(in->fd, (uint8_t *)dst + done, n - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ioh_err(in->ctx, IOH_ERR_SYSTEM, "fingerprint: %s: read at offset %"
				       PRIu64, in->name, off + done);
		if (r == 0)
			return ioh_err(in->ctx, IOH_ERR_CORRUPT, "fingerprint: %s: the file "
				       "shrank while read (offset %" PRIu64 ")", in->name,
				       off + done);
		done += (size_t)r;
	}
	return IOH_OK;
}

static ioh_status check_magic(const struct fp_in *in, const uint8_t *h, size_t got)
{
	static const char old[] = "iommu-handover fingerprint ";

	if (got >= sizeof(old) - 1 && !memcmp(h, old, sizeof(old) - 1))
		return ioh_err(in->ctx, IOH_ERR_CORRUPT,
			       "fingerprint: %s: a fingerprint in the old unversioned layout, which "
			       "this version does not read: take the fingerprint again",
			       in->name);
	if (got < FP_MAGIC_LEN || memcmp(h, FP_MAGIC, FP_MAGIC_LEN))
		return ioh_err(in->ctx, IOH_ERR_CORRUPT,
			       "fingerprint: %s: not a fingerprint file (%s)", in->name,
			       got < FP_MAGIC_LEN ? "shorter than the 8-byte magic"
						  : "no magic at offset 0");
	if (got < FP_OFF_VERSION + 2)
		return bad_at(in, got, "truncated: the file is %" PRIu64 " bytes, the header %u",
			      in->size, FP_HEADER_SIZE);
	return IOH_OK;
}

static ioh_status check_version(const struct fp_in *in, const uint8_t *h)
{
	unsigned v = fp_get16(h + FP_OFF_VERSION);

	if (v > IOH_FP_FORMAT_VERSION)
		return ioh_err(in->ctx, IOH_ERR_NOTIMPL,
			       "fingerprint: %s: made by a newer version of iommu-handover (format "
			       "%u; this version reads format %u): compare with the version that "
			       "took it",
			       in->name, v, IOH_FP_FORMAT_VERSION);
	if (v == 0)
		return bad_at(in, FP_OFF_VERSION, "format version 0 does not exist");
	return IOH_OK;
}

/* The header's fields, each checked against what version 1 allows. */
static ioh_status check_header(struct fp_in *in, const uint8_t *h, ioh_fingerprint *fp)
{
	uint32_t stored = fp_get32(h + FP_OFF_HEADER_CRC), crc = fp_crc32(0, h, FP_OFF_HEADER_CRC);
	uint64_t np = fp_get64(h + FP_OFF_NPAGES), cap = fp_get64(h + FP_OFF_PAGE_CAP);
	uint64_t dps = fp_get64(h + FP_OFF_DUMP_PAGE_SIZE);
	uint32_t nd = fp_get32(h + FP_OFF_NDEVICES), kind = fp_get32(h + FP_OFF_ID_KIND);
	const uint8_t *rel = h + FP_OFF_OSRELEASE;
	size_t rlen = strnlen((const char *)rel, FP_OSRELEASE_LEN);

	if (stored != crc)
		return bad_at(in, FP_OFF_HEADER_CRC, "header checksum 0x%08x, but the header's "
			      "bytes sum to 0x%08x: the header is damaged", stored, crc);
	if (fp_get16(h + FP_OFF_HEADER_SIZE) != FP_HEADER_SIZE)
		return bad_at(in, FP_OFF_HEADER_SIZE, "%u, format 1 has %u",
			      fp_get16(h + FP_OFF_HEADER_SIZE), FP_HEADER_SIZE);
	if (fp_get32(h + FP_OFF_FLAGS) || fp_get32(h + FP_OFF_RESERVED))
		return bad_at(in, fp_get32(h + FP_OFF_FLAGS) ? FP_OFF_FLAGS : FP_OFF_RESERVED,
			      "must be 0 in format 1");
	if (fp_get32(h + FP_OFF_PAGE_SIZE) != FP_PAGE_SIZE)
		return bad_at(in, FP_OFF_PAGE_SIZE, "%u, format 1 hashes %u-byte pages",
			      fp_get32(h + FP_OFF_PAGE_SIZE), FP_PAGE_SIZE);
	if (fp_get32(h + FP_OFF_LINE_SIZE) != FP_LINE_SIZE)
		return bad_at(in, FP_OFF_LINE_SIZE, "%u, format 1 hashes %u-byte lines",
			      fp_get32(h + FP_OFF_LINE_SIZE), FP_LINE_SIZE);
	if (fp_get32(h + FP_OFF_HASH) != FP_HASH_V1)
		return bad_at(in, FP_OFF_HASH, "unknown hash algorithm %u",
			      fp_get32(h + FP_OFF_HASH));
	if (nd > IOH_FP_MAX_DEVICES)
		return bad_at(in, FP_OFF_NDEVICES, "%" PRIu32 " devices, over the limit of %u", nd,
			      IOH_FP_MAX_DEVICES);
	if (cap == 0 || cap > IOH_FP_MAX_PAGES)
		return bad_at(in, FP_OFF_PAGE_CAP, "page cap %" PRIu64 " is not between 1 and %u",
			      cap, IOH_FP_MAX_PAGES);
	if (np > cap)
		return bad_at(in, FP_OFF_NPAGES, "%" PRIu64 " pages, over the page cap of %" PRIu64,
			      np, cap);
	if (kind != FP_ID_VMCOREINFO && kind != FP_ID_RAM)
		return bad_at(in, FP_OFF_ID_KIND, "unknown identity kind %" PRIu32, kind);
	if (dps < 4096 || dps > (1u << 20) || (dps & (dps - 1)))
		return bad_at(in, FP_OFF_DUMP_PAGE_SIZE, "%" PRIu64 " is not a power of two "
			      "between 4 KiB and 1 MiB", dps);
	if (rlen == FP_OSRELEASE_LEN)
		return bad_at(in, FP_OFF_OSRELEASE, "not NUL-terminated");
	for (size_t i = 0; i < FP_OSRELEASE_LEN; i++)
		if (i < rlen ? rel[i] < 0x20 || rel[i] >= 0x7f : rel[i] != 0)
			return bad_at(in, FP_OFF_OSRELEASE + i, "%s byte 0x%02x",
				      i < rlen ? "unprintable" : "non-zero padding", rel[i]);
	in->ndevs = nd;
	in->npages = np;
	fp->page_cap = (unsigned)cap;
	fp->skipped = fp_get64(h + FP_OFF_SKIPPED);
	fp->unreadable = fp_get64(h + FP_OFF_UNREADABLE);
	fp->id.kind = kind;
	fp->id.dump_page_size = dps;
	fp->id.digest = fp_get64(h + FP_OFF_ID_DIGEST);
	fp->id.crash_time = (int64_t)fp_get64(h + FP_OFF_CRASH_TIME);
	memcpy(fp->id.osrelease, rel, FP_OSRELEASE_LEN);
	fp_describe_identity(&fp->id, fp->dump_desc, sizeof(fp->dump_desc));
	return IOH_OK;
}

/* The counts fix the size: a file of any other size is cut short or has something appended. */
static ioh_status check_size(const struct fp_in *in)
{
	uint64_t want = file_size(in->ndevs, in->npages);

	if (in->size < want)
		return bad_at(in, in->size, "truncated: the file is %" PRIu64 " bytes, its header's "
			      "counts (%" PRIu32 " devices, %" PRIu64 " pages) make %" PRIu64,
			      in->size, in->ndevs, in->npages, want);
	if (in->size > want)
		return bad_at(in, want, "%" PRIu64 " bytes of trailing data: the header's counts "
			      "(%" PRIu32 " devices, %" PRIu64 " pages) make a %" PRIu64 "-byte file",
			      in->size - want, in->ndevs, in->npages, want);
	return IOH_OK;
}

#define CHUNK (64 * 1024)

static ioh_status check_crc(const struct fp_in *in, uint8_t *chunk)
{
	uint64_t end = in->size - FP_TRAILER_SIZE;
	uint32_t crc = 0, stored;
	uint8_t t[FP_TRAILER_SIZE];

	for (uint64_t off = 0; off < end;) {
		size_t n = end - off < CHUNK ? (size_t)(end - off) : CHUNK;

		IOH_TRY(in_read(in, off, chunk, n));
		crc = fp_crc32(crc, chunk, n);
		off += n;
	}
	IOH_TRY(in_read(in, end, t, sizeof(t)));
	stored = fp_get32(t);
	if (stored != crc)
		return bad_at(in, end, "checksum 0x%08x, but the file's bytes sum to 0x%08x: the "
			      "file is damaged", stored, crc);
	return IOH_OK;
}

static ioh_status read_devices(struct fp_in *in, ioh_fingerprint *fp, uint8_t *chunk)
{
	uint64_t base = FP_HEADER_SIZE;

	IOH_TRY(in_read(in, base, chunk, (size_t)in->ndevs * FP_DEV_REC));
	for (uint32_t i = 0; i < in->ndevs; i++) {
		const uint8_t *r = chunk + (size_t)i * FP_DEV_REC;
		struct ioh_fp_change *d = &fp->devs[i];

		d->bdf.seg = fp_get16(r + FP_DEV_SEG);
		d->bdf.bus = r[FP_DEV_BUS];
		d->bdf.devfn = r[FP_DEV_DEVFN];
		d->pages_watched = fp_get64(r + FP_DEV_WATCHED);
		if (d->pages_watched > in->npages)
			return bad_at(in, base + i * FP_DEV_REC + FP_DEV_WATCHED,
				      "%" PRIu64 " pages watched, the file has %" PRIu64,
				      d->pages_watched, in->npages);
	}
	fp->ndevs = in->ndevs;
	return IOH_OK;
}

static ioh_status read_page(struct fp_in *in, ioh_fingerprint *fp, const uint8_t *r,
			    uint64_t off, uint64_t *per_dev)
{
	struct fp_page *p = &fp->pages[fp->npages];
	size_t s;

	p->phys = fp_get64(r + FP_PG_PHYS);
	p->iova = fp_get64(r + FP_PG_IOVA);
	p->iova2 = fp_get64(r + FP_PG_IOVA2);
	p->dev = fp_get32(r + FP_PG_DEV);
	p->dev2 = fp_get32(r + FP_PG_DEV2);
	p->hash = fp_get64(r + FP_PG_HASH);
	for (unsigned l = 0; l < FP_LINES; l++)
		p->line[l] = fp_get16(r + FP_PG_LINES + 2 * l);
	if (p->phys & (FP_PAGE_SIZE - 1))
		return bad_at(in, off + FP_PG_PHYS, "page 0x%" PRIx64 " is not 4 KiB-aligned",
			      p->phys);
	if (p->dev >= fp->ndevs)
		return bad_at(in, off + FP_PG_DEV, "device %" PRIu32 ", but the file lists %zu",
			      p->dev, fp->ndevs);
	if (p->dev2 != NO_DEV && (p->dev2 >= fp->ndevs || p->dev2 == p->dev))
		return bad_at(in, off + FP_PG_DEV2, "second device %" PRIu32 " (first %" PRIu32
			      ", %zu listed)", p->dev2, p->dev, fp->ndevs);
	s = fp_slot_of(fp, p->phys);
	if (fp->index[s] != UINT32_MAX)
		return bad_at(in, off + FP_PG_PHYS, "page 0x%" PRIx64 " recorded twice (first in "
			      "page record %" PRIu32 ")", p->phys, fp->index[s]);
	fp->index[s] = (uint32_t)fp->npages++;
	per_dev[p->dev]++;
	return IOH_OK;
}

static ioh_status read_pages(struct fp_in *in, ioh_fingerprint *fp, uint8_t *chunk)
{
	uint64_t base = FP_HEADER_SIZE + (uint64_t)in->ndevs * FP_DEV_REC;
	uint64_t *per_dev = calloc(fp->ndevs + 1, sizeof(*per_dev));
	size_t batch = CHUNK / FP_PAGE_REC;
	ioh_status st = IOH_OK;

	if (!per_dev)
		return ioh_err(in->ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	for (uint64_t i = 0; i < in->npages && st == IOH_OK;) {
		size_t n = in->npages - i < batch ? (size_t)(in->npages - i) : batch;

		st = in_read(in, base + i * FP_PAGE_REC, chunk, n * FP_PAGE_REC);
		for (size_t k = 0; k < n && st == IOH_OK; k++, i++)
			st = read_page(in, fp, chunk + k * FP_PAGE_REC, base + i * FP_PAGE_REC,
				       per_dev);
	}
	/* Each page counts for its first device: the device table must agree. */
	for (size_t d = 0; d < fp->ndevs && st == IOH_OK; d++)
		if (per_dev[d] != fp->devs[d].pages_watched)
			st = bad_at(in, FP_HEADER_SIZE + d * FP_DEV_REC + FP_DEV_WATCHED,
				    "%" PRIu64 " pages watched, but %" PRIu64 " page records name "
				    "this device first", fp->devs[d].pages_watched, per_dev[d]);
	free(per_dev);
	return st;
}

static ioh_status decode(struct fp_in *in, ioh_fingerprint **out)
{
	uint8_t h[FP_HEADER_SIZE], *chunk = NULL;
	size_t got = in->size < FP_HEADER_SIZE ? (size_t)in->size : FP_HEADER_SIZE;
	ioh_fingerprint *fp = calloc(1, sizeof(*fp));
	ioh_status st;

	*out = NULL;
	if (!fp)
		return ioh_err(in->ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	st = in_read(in, 0, h, got);
	if (st == IOH_OK)
		st = check_magic(in, h, got);
	if (st == IOH_OK)
		st = check_version(in, h);
	if (st == IOH_OK && got < FP_HEADER_SIZE)
		st = bad_at(in, got, "truncated: the file is %zu bytes, the header alone %u", got,
			    FP_HEADER_SIZE);
	if (st == IOH_OK)
		st = check_header(in, h, fp);
	if (st == IOH_OK)
		st = check_size(in);
	/* Bounded by the header's checked counts, and those by the file's real size. */
	if (st == IOH_OK && (!(chunk = malloc(CHUNK)) ||
			     !(fp->devs = calloc(in->ndevs + 1, sizeof(*fp->devs))) ||
			     fp_alloc_pages(fp, in->npages) != IOH_OK))
		st = ioh_err(in->ctx, IOH_ERR_NOMEM, "fingerprint: out of memory for %" PRIu64
			     " pages", in->npages);
	if (st == IOH_OK)
		st = check_crc(in, chunk);
	if (st == IOH_OK)
		st = read_devices(in, fp, chunk);
	if (st == IOH_OK)
		st = read_pages(in, fp, chunk);
	free(chunk);
	if (st != IOH_OK) {
		ioh_fingerprint_free(fp);
		return st;
	}
	*out = fp;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_fingerprint_decode(ioh_ctx *ctx, const void *buf, size_t len,
					     const char *name, ioh_fingerprint **out)
{
	struct fp_in in = { .ctx = ctx, .name = name ? name : "buffer", .mem = buf, .fd = -1,
			    .size = len };

	if (!buf && len) {
		*out = NULL;
		return ioh_err(ctx, IOH_ERR_INVALID, "fingerprint: no buffer");
	}
	if (!buf)
		in.mem = (const uint8_t *)"";
	return decode(&in, out);
}

/*
 * How much of a stream to hold: once the header is in, no more than the
 * size its counts (capped) make, plus one byte to see trailing data; a
 * stream without the magic is not held past its header.
 */
static uint64_t stream_limit(const uint8_t *b, size_t len)
{
	uint64_t nd, np;

	if (len < FP_HEADER_SIZE)
		return file_size(IOH_FP_MAX_DEVICES, IOH_FP_MAX_PAGES) + 1;
	if (memcmp(b, FP_MAGIC, FP_MAGIC_LEN))
		return len;
	nd = fp_get32(b + FP_OFF_NDEVICES);
	np = fp_get64(b + FP_OFF_NPAGES);
	return file_size(nd < IOH_FP_MAX_DEVICES ? nd : IOH_FP_MAX_DEVICES,
			 np < IOH_FP_MAX_PAGES ? np : IOH_FP_MAX_PAGES) + 1;
}

/* A pipe or device has no size to check up front: hold it, within what its header allows. */
static ioh_status slurp(struct fp_in *in, uint8_t **buf)
{
	size_t len = 0, cap = 0;
	uint8_t *b = NULL;

	*buf = NULL;
	for (;;) {
		uint64_t limit = stream_limit(b, len);
		ssize_t r;

		if (len >= limit)
			break;
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > limit)
				cap = (size_t)limit;
			if (!(nb = realloc(b, cap))) {
				free(b);
				return ioh_err(in->ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
			}
			b = nb;
		}
		/* Up to the header first, so that the limit is known before more is read. */
		r = read(in->fd, b + len, (len < FP_HEADER_SIZE ? FP_HEADER_SIZE : cap) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return ioh_err(in->ctx, IOH_ERR_SYSTEM, "fingerprint: read %s", in->name);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	in->mem = b ? b : (const uint8_t *)"";
	in->size = len;
	*buf = b;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_fingerprint_load(ioh_ctx *ctx, const char *path,
					   ioh_fingerprint **out)
{
	struct fp_in in = { .ctx = ctx, .name = path };
	uint8_t *held = NULL;
	struct stat st;
	ioh_status rc;

	*out = NULL;
	in.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in.fd < 0)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: open %s", path);
	if (fstat(in.fd, &st)) {
		rc = ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: stat %s", path);
	} else if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		rc = ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: %s", path);
	} else if (S_ISREG(st.st_mode)) {
		in.size = (uint64_t)st.st_size;
		rc = decode(&in, out);
	} else {
		rc = slurp(&in, &held);
		if (rc == IOH_OK)
			rc = decode(&in, out);
	}
	free(held);
	close(in.fd);
	return rc;
}
