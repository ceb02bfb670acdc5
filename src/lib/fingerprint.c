/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two-moment fingerprints of old memory that copied domains can write. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fingerprint-internal.h"

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

size_t fp_slot_of(const ioh_fingerprint *fp, uint64_t phys)
{
	size_t mask = fp->index_size - 1, i = (size_t)mix(phys) & mask;

	while (fp->index[i] != UINT32_MAX && fp->pages[fp->index[i]].phys != phys)
		i = (i + 1) & mask;
	return i;
}

ioh_status fp_alloc_pages(ioh_fingerprint *fp, size_t cap)
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

void fp_describe_identity(const struct fp_identity *id, char *buf, size_t len)
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
	size_t s = fp_slot_of(fp, phys);
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
	    fp_alloc_pages(fp, max_pages ? max_pages : IOH_FP_DEFAULT_MAX_PAGES) != IOH_OK) {
		free(refs);
		ioh_fingerprint_free(fp);
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory (%zu devices)",
			       total);
	}
	fp->page_cap = (unsigned)fp->cap;
	identify(src, &fp->id);
	fp_describe_identity(&fp->id, fp->dump_desc, sizeof(fp->dump_desc));
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
	fp_describe_identity(&now, desc, sizeof(desc));
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
