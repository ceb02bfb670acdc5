/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two-moment fingerprints of old memory that copied domains can write. */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ioh/fingerprint.h>

#include "fingerprint-format.h"
#include "internal.h"

#define NO_DEV UINT32_MAX

struct fp_page {
	uint64_t phys;
	uint64_t iova;	/* in the first device's domain */
	uint64_t iova2;	/* in the second one's, 0 if none */
	uint32_t dev;	/* first device that maps it writable */
	uint32_t dev2;	/* a second one, NO_DEV if none */
	uint64_t hash;	/* whole page */
	uint16_t line[FP_LINES];
};

/* Which dump a fingerprint belongs to (docs/report-format.md, "Dump identity"). */
struct fp_identity {
	uint32_t kind;		 /* FP_ID_VMCOREINFO or FP_ID_RAM */
	uint64_t dump_page_size;
	uint64_t digest;
	int64_t crash_time;	 /* FP_NO_CRASH_TIME when unknown */
	char osrelease[FP_OSRELEASE_LEN]; /* printable, NUL-terminated */
};

struct ioh_fingerprint {
	struct ioh_fp_change *devs;
	size_t ndevs;
	struct fp_page *pages;
	size_t npages, cap;
	unsigned page_cap;
	uint64_t skipped, unreadable;
	struct fp_identity id;
	char dump_desc[160];
	/* open addressing over pages[] by phys, so a page is watched once */
	uint32_t *index;
	size_t index_size;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* Words are read little-endian so a file compares the same on any host. */
static void hash_page(const uint8_t *b, struct fp_page *p)
{
	uint64_t all = 0x9e3779b97f4a7c15ULL;

	for (unsigned l = 0; l < FP_LINES; l++) {
		uint64_t h = l;

		for (unsigned i = 0; i < 8; i++)
			h = mix(h ^ fp_get64(b + (l * 8 + i) * 8));
		p->line[l] = (uint16_t)(h ^ h >> 16 ^ h >> 32 ^ h >> 48);
		all = mix(all ^ h);
	}
	p->hash = all;
}

static size_t slot_of(const ioh_fingerprint *fp, uint64_t phys)
{
	size_t mask = fp->index_size - 1, i = (size_t)mix(phys) & mask;

	while (fp->index[i] != UINT32_MAX && fp->pages[fp->index[i]].phys != phys)
		i = (i + 1) & mask;
	return i;
}

static ioh_status alloc_pages(ioh_fingerprint *fp, size_t cap)
{
	fp->cap = cap;
	fp->pages = calloc(cap ? cap : 1, sizeof(*fp->pages));
	fp->index_size = 1;
	while (fp->index_size < cap * 2 + 2)
		fp->index_size <<= 1;
	fp->index = malloc(fp->index_size * sizeof(*fp->index));
	if (!fp->pages || !fp->index)
		return IOH_ERR_NOMEM;
	memset(fp->index, 0xff, fp->index_size * sizeof(*fp->index));
	return IOH_OK;
}

IOH_EXPORT void ioh_fingerprint_free(ioh_fingerprint *fp)
{
	if (!fp)
		return;
	free(fp->devs);
	free(fp->pages);
	free(fp->index);
	free(fp);
}

/* ---- dump identity ---- */

/* FNV-1a, 64 bit: simple enough that the format document can define it. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static const char *const id_keys[] = { "OSRELEASE", "BUILD-ID", "CRASHTIME", "KERNELOFFSET",
				       "PAGESIZE" };

static void identify(ioh_source *src, struct fp_identity *id)
{
	const ioh_vmcoreinfo *vi = ioh_source_vmcoreinfo(src);
	uint64_t h = FP_FNV_OFFSET;
	const char *rel;

	memset(id, 0, sizeof(*id));
	id->dump_page_size = ioh_source_page_size(src);
	id->crash_time = FP_NO_CRASH_TIME;
	if (!vi) {
		const struct ioh_range *r;
		size_t n = ioh_source_ranges(src, &r);

		id->kind = FP_ID_RAM;
		for (size_t i = 0; i < n; i++) {
			uint8_t b[16];

			fp_put64(b, r[i].start);
			fp_put64(b + 8, r[i].end);
			h = fnv1a(h, b, sizeof(b));
		}
		id->digest = h;
		return;
	}
	id->kind = FP_ID_VMCOREINFO;
	for (size_t k = 0; k < IOH_ARRAY_SIZE(id_keys); k++) {
		const char *v = ioh_vmcoreinfo_get(vi, id_keys[k]);

		h = fnv1a(h, id_keys[k], strlen(id_keys[k]));
		if (v) {
			h = fnv1a(h, "=", 1);
			h = fnv1a(h, v, strlen(v));
		}
		h = fnv1a(h, "\n", 1);
	}
	id->digest = h;
	if (ioh_vmcoreinfo_crashtime(vi, &id->crash_time) || id->crash_time == FP_NO_CRASH_TIME)
		id->crash_time = FP_NO_CRASH_TIME;
	rel = ioh_vmcoreinfo_osrelease(vi);
	/* A hostile dump's release goes into messages: printable ASCII only. */
	for (size_t i = 0; rel && rel[i] && i < FP_OSRELEASE_LEN - 1; i++)
		id->osrelease[i] = rel[i] >= 0x20 && rel[i] < 0x7f ? rel[i] : '?';
}

static void describe_identity(const struct fp_identity *id, char *buf, size_t len)
{
	char when[64] = "";
	struct tm tm;
	time_t t = (time_t)id->crash_time;

	if (id->kind == FP_ID_RAM) {
		snprintf(buf, len, "a dump without VMCOREINFO, RAM layout %016" PRIx64
			 ", %" PRIu64 "-byte pages", id->digest, id->dump_page_size);
		return;
	}
	if (id->crash_time != FP_NO_CRASH_TIME && (int64_t)t == id->crash_time && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), ", crashed %Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(buf, len, "Linux %s%s (VMCOREINFO %016" PRIx64 ", %" PRIu64 "-byte pages)",
		 id->osrelease[0] ? id->osrelease : "(no OSRELEASE)", when, id->digest,
		 id->dump_page_size);
}

static bool same_identity(const struct fp_identity *a, const struct fp_identity *b)
{
	return a->kind == b->kind && a->digest == b->digest &&
	       a->dump_page_size == b->dump_page_size;
}

/* ---- taking ---- */

struct take {
	ioh_fingerprint *fp;
	ioh_source *src;
	uint32_t dev;
};

static void watch_page(struct take *t, uint64_t iova, uint64_t phys)
{
	ioh_fingerprint *fp = t->fp;
	size_t s = slot_of(fp, phys);
	uint8_t buf[FP_PAGE_SIZE];
	struct fp_page *p;

	if (fp->index[s] != UINT32_MAX) {
		p = &fp->pages[fp->index[s]];
		if (p->dev != t->dev && p->dev2 == NO_DEV) {
			p->dev2 = t->dev;
			p->iova2 = iova;
		}
		return;
	}
	if (fp->npages >= fp->cap) {
		fp->skipped++;
		return;
	}
	if (ioh_source_read(t->src, phys, buf, sizeof(buf)) != IOH_OK) {
		fp->unreadable++;
		return;
	}
	p = &fp->pages[fp->npages];
	p->phys = phys;
	p->iova = iova;
	p->dev = t->dev;
	p->dev2 = NO_DEV;
	p->iova2 = 0;
	hash_page(buf, p);
	fp->index[s] = (uint32_t)fp->npages++;
	fp->devs[t->dev].pages_watched++;
}

static int on_range(void *data, const struct ioh_pg_range *r)
{
	struct take *t = data;

	if (!(r->perm & IOH_PG_W))
		return 0;
	for (uint64_t off = 0; off < r->size; off += FP_PAGE_SIZE) {
		/* Past the cap only the count matters; stop walking pages one by one. */
		if (t->fp->npages >= t->fp->cap) {
			t->fp->skipped += (r->size - off) / FP_PAGE_SIZE;
			break;
		}
		watch_page(t, r->iova + off, r->phys + off);
	}
	return 0;
}

struct devref {
	const struct ioh_scan_unit *u;
	const struct ioh_scan_device *d;
};

static int cmp_devref(const void *a, const void *b)
{
	const struct ioh_scan_device *x = ((const struct devref *)a)->d;
	const struct ioh_scan_device *y = ((const struct devref *)b)->d;

	if (x->pg.writable_pages != y->pg.writable_pages)
		return x->pg.writable_pages < y->pg.writable_pages ? -1 : 1;
	return (int)ioh_bdf_sid(x->w.bdf) - (int)ioh_bdf_sid(y->w.bdf);
}

/* Re-walks one device's tables with its IOVAs, watching writable pages. */
static void take_device(ioh_ctx *ctx, struct take *t, const struct devref *r)
{
	struct ioh_walk_config wc = {
		.rtaddr = r->u->root_table,
		.mode = r->u->mode,
		.read = ioh_source_read_cb,
		.read_data = t->src,
	};
	struct ioh_walk_device dev = r->d->w;
	struct ioh_pg_summary sum;

	/* Only the RID_PASID entry survives in the scan: the domain of requests without PASID. */
	dev.pasids = r->d->has_rid_pasid ? &r->d->rid_pasid : NULL;
	dev.npasids = r->d->has_rid_pasid ? 1 : 0;
	dev.rid_pasid_index = r->d->has_rid_pasid ? 0 : -1;
	memset(&sum, 0, sizeof(sum));
	ioh_problems_init(&sum.problems);
	ioh_walk_mappings(ctx, &wc, &dev, on_range, t, NULL, &sum);
	ioh_clear_err(ctx);
}

IOH_EXPORT ioh_status ioh_fingerprint_take(ioh_ctx *ctx, ioh_source *src, const ioh_scan *scan,
					   unsigned max_pages, ioh_fingerprint **out)
{
	ioh_fingerprint *fp;
	struct devref *refs = NULL;
	size_t n = 0, total = 0;
	struct take t = { NULL, src, 0 };

	*out = NULL;
	if (max_pages > IOH_FP_MAX_PAGES)
		return ioh_err(ctx, IOH_ERR_INVALID,
			       "fingerprint: page cap %u is over the limit of %u", max_pages,
			       IOH_FP_MAX_PAGES);
	for (size_t i = 0; i < ioh_scan_nunits(scan); i++)
		total += ioh_scan_unit(scan, i)->ndevices;
	if (total > IOH_FP_MAX_DEVICES)
		return ioh_err(ctx, IOH_ERR_LIMIT,
			       "fingerprint: %zu present context entries, more than the %u watched",
			       total, IOH_FP_MAX_DEVICES);
	fp = t.fp = calloc(1, sizeof(*fp));
	if (!fp || !(refs = calloc(total + 1, sizeof(*refs))) ||
	    !(fp->devs = calloc(total + 1, sizeof(*fp->devs))) ||
	    alloc_pages(fp, max_pages ? max_pages : IOH_FP_DEFAULT_MAX_PAGES) != IOH_OK) {
		free(refs);
		ioh_fingerprint_free(fp);
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory (%zu devices)",
			       total);
	}
	fp->page_cap = (unsigned)fp->cap;
	identify(src, &fp->id);
	describe_identity(&fp->id, fp->dump_desc, sizeof(fp->dump_desc));
	for (size_t i = 0; i < ioh_scan_nunits(scan); i++) {
		const struct ioh_scan_unit *u = ioh_scan_unit(scan, i);

		for (size_t j = 0; j < u->ndevices; j++)
			if (u->devices[j].w.present && !u->devices[j].pg.passthrough)
				refs[n++] = (struct devref){ u, &u->devices[j] };
	}
	qsort(refs, n, sizeof(*refs), cmp_devref);
	for (size_t i = 0; i < n; i++) {
		t.dev = (uint32_t)i;
		fp->devs[i].bdf = refs[i].d->w.bdf;
		take_device(ctx, &t, &refs[i]);
	}
	fp->ndevs = n;
	free(refs);
	*out = fp;
	return IOH_OK;
}

IOH_EXPORT void ioh_fingerprint_stats(const ioh_fingerprint *fp, uint64_t *watched,
				      uint64_t *skipped, uint64_t *unreadable)
{
	if (watched)
		*watched = fp->npages;
	if (skipped)
		*skipped = fp->skipped;
	if (unreadable)
		*unreadable = fp->unreadable;
}

IOH_EXPORT unsigned ioh_fingerprint_page_cap(const ioh_fingerprint *fp)
{
	return fp->page_cap;
}

IOH_EXPORT const char *ioh_fingerprint_dump(const ioh_fingerprint *fp)
{
	return fp->dump_desc;
}

/* ---- comparing ---- */

static void count_change(ioh_fingerprint *fp, uint32_t dev, uint64_t iova, unsigned lines,
			 bool shared)
{
	struct ioh_fp_change *c = &fp->devs[dev];

	if (!c->pages_changed || iova < c->first_iova)
		c->first_iova = iova;
	c->pages_changed++;
	c->bytes_changed += (uint64_t)(lines ? lines : 1) * FP_LINE_SIZE;
	if (shared)
		c->attribution_unique = false;
}

static ioh_status check_same_dump(ioh_ctx *ctx, const ioh_fingerprint *fp, ioh_source *src)
{
	struct fp_identity now;
	char desc[160];

	identify(src, &now);
	if (same_identity(&fp->id, &now))
		return IOH_OK;
	describe_identity(&now, desc, sizeof(desc));
	return ioh_err(ctx, IOH_ERR_INVALID,
		       "fingerprint: taken from another dump, not compared: the fingerprint is of "
		       "%s; %s is %s",
		       fp->dump_desc, ioh_source_name(src), desc);
}

IOH_EXPORT ioh_status ioh_fingerprint_compare(ioh_ctx *ctx, ioh_fingerprint *fp,
					      ioh_source *src,
					      const struct ioh_fp_change **changes, size_t *n)
{
	uint64_t unreadable = 0;

	*changes = NULL;
	*n = 0;
	IOH_TRY(check_same_dump(ctx, fp, src));
	for (size_t i = 0; i < fp->ndevs; i++) {
		fp->devs[i].pages_changed = fp->devs[i].bytes_changed = 0;
		fp->devs[i].attribution_unique = true;
	}
	for (size_t i = 0; i < fp->npages; i++) {
		const struct fp_page *p = &fp->pages[i];
		struct fp_page now;
		uint8_t buf[FP_PAGE_SIZE];
		unsigned lines = 0;

		if (ioh_source_read(src, p->phys, buf, sizeof(buf)) != IOH_OK) {
			unreadable++;
			continue;
		}
		hash_page(buf, &now);
		if (now.hash == p->hash)
			continue;
		for (unsigned l = 0; l < FP_LINES; l++)
			lines += now.line[l] != p->line[l];
		if (p->dev < fp->ndevs)
			count_change(fp, p->dev, p->iova, lines, p->dev2 != NO_DEV);
		if (p->dev2 < fp->ndevs)
			count_change(fp, p->dev2, p->iova2, lines, true);
	}
	*changes = fp->devs;
	*n = fp->ndevs;
	if (unreadable)
		return ioh_err(ctx, IOH_ERR_NODATA,
			       "fingerprint: %llu watched page(s) no longer readable",
			       (unsigned long long)unreadable);
	return IOH_OK;
}

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
	describe_identity(&fp->id, fp->dump_desc, sizeof(fp->dump_desc));
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
	s = slot_of(fp, p->phys);
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
			     alloc_pages(fp, in->npages) != IOH_OK))
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
