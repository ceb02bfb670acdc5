/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Two-moment fingerprints of old memory that copied domains can write. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ioh/fingerprint.h>

#include "internal.h"

#define LINES 64 /* 64-byte lines in a 4 KiB page */
#define FP_MAGIC "iommu-handover fingerprint 1"
#define FP_MAX_PAGES_FILE (1u << 20)
#define FP_MAX_DEVICES 4096u
#define NO_DEV UINT32_MAX

struct fp_page {
	uint64_t phys;
	uint64_t iova;	/* in the first device's domain */
	uint32_t dev;	/* first device that maps it writable */
	uint32_t dev2;	/* a second one, NO_DEV if none */
	uint64_t hash;	/* whole page */
	uint16_t line[LINES];
};

struct ioh_fingerprint {
	struct ioh_fp_change *devs;
	size_t ndevs;
	struct fp_page *pages;
	size_t npages, cap;
	uint64_t skipped, unreadable;
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

static void hash_page(const uint64_t *q, struct fp_page *p)
{
	uint64_t all = 0x9e3779b97f4a7c15ULL;

	for (unsigned l = 0; l < LINES; l++) {
		uint64_t h = l;

		for (unsigned i = 0; i < 8; i++)
			h = mix(h ^ q[l * 8 + i]);
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
	uint64_t buf[512];
	struct fp_page *p;

	if (fp->index[s] != UINT32_MAX) {
		p = &fp->pages[fp->index[s]];
		if (p->dev != t->dev && p->dev2 == NO_DEV)
			p->dev2 = t->dev;
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
	hash_page(buf, p);
	fp->index[s] = (uint32_t)fp->npages++;
	fp->devs[t->dev].pages_watched++;
}

static int on_range(void *data, const struct ioh_pg_range *r)
{
	struct take *t = data;

	if (!(r->perm & IOH_PG_W))
		return 0;
	for (uint64_t off = 0; off < r->size; off += 4096) {
		/* Past the cap only the count matters; stop walking pages one by one. */
		if (t->fp->npages >= t->fp->cap) {
			t->fp->skipped += (r->size - off) / 4096;
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
	ioh_fingerprint *fp = calloc(1, sizeof(*fp));
	struct devref *refs = NULL;
	size_t n = 0, total = 0;
	struct take t = { fp, src, 0 };

	*out = NULL;
	for (size_t i = 0; i < ioh_scan_nunits(scan); i++)
		total += ioh_scan_unit(scan, i)->ndevices;
	if (total > FP_MAX_DEVICES) {
		free(fp);
		return ioh_err(ctx, IOH_ERR_LIMIT,
			       "fingerprint: %zu present context entries, more than the %u watched",
			       total, FP_MAX_DEVICES);
	}
	if (!fp || !(refs = calloc(total + 1, sizeof(*refs))) ||
	    !(fp->devs = calloc(total + 1, sizeof(*fp->devs))) ||
	    alloc_pages(fp, max_pages ? max_pages : IOH_FP_DEFAULT_MAX_PAGES) != IOH_OK) {
		free(refs);
		ioh_fingerprint_free(fp);
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory (%zu devices)",
			       total);
	}
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

/* ---- comparing ---- */

static void count_change(ioh_fingerprint *fp, uint32_t dev, const struct fp_page *p,
			 unsigned lines, bool shared)
{
	struct ioh_fp_change *c = &fp->devs[dev];

	if (!c->pages_changed || p->iova < c->first_iova)
		c->first_iova = p->iova;
	c->pages_changed++;
	c->bytes_changed += (uint64_t)(lines ? lines : 1) * 64;
	if (shared)
		c->attribution_unique = false;
}

IOH_EXPORT ioh_status ioh_fingerprint_compare(ioh_ctx *ctx, ioh_fingerprint *fp,
					      ioh_source *src,
					      const struct ioh_fp_change **changes, size_t *n)
{
	uint64_t unreadable = 0;

	for (size_t i = 0; i < fp->ndevs; i++) {
		fp->devs[i].pages_changed = fp->devs[i].bytes_changed = 0;
		fp->devs[i].attribution_unique = true;
	}
	for (size_t i = 0; i < fp->npages; i++) {
		const struct fp_page *p = &fp->pages[i];
		struct fp_page now;
		uint64_t buf[512];
		unsigned lines = 0;

		if (ioh_source_read(src, p->phys, buf, sizeof(buf)) != IOH_OK) {
			unreadable++;
			continue;
		}
		hash_page(buf, &now);
		if (now.hash == p->hash)
			continue;
		for (unsigned l = 0; l < LINES; l++)
			lines += now.line[l] != p->line[l];
		if (p->dev < fp->ndevs)
			count_change(fp, p->dev, p, lines, p->dev2 != NO_DEV);
		if (p->dev2 < fp->ndevs)
			count_change(fp, p->dev2, p, lines, true);
	}
	*changes = fp->devs;
	*n = fp->ndevs;
	if (unreadable)
		return ioh_err(ctx, IOH_ERR_NODATA,
			       "fingerprint: %llu watched page(s) no longer readable",
			       (unsigned long long)unreadable);
	return IOH_OK;
}

/* ---- file format: text header, then fixed-size binary records ---- */

IOH_EXPORT ioh_status ioh_fingerprint_save(ioh_ctx *ctx, const ioh_fingerprint *fp,
					   const char *path)
{
	FILE *f = fopen(path, "wbx");
	char b[IOH_BDF_STRLEN];

	if (!f)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: create %s", path);
	fprintf(f, "%s\npages %zu devices %zu skipped %llu unreadable %llu\n", FP_MAGIC,
		fp->npages, fp->ndevs, (unsigned long long)fp->skipped,
		(unsigned long long)fp->unreadable);
	for (size_t i = 0; i < fp->ndevs; i++)
		fprintf(f, "dev %s %llu\n", ioh_bdf_str(fp->devs[i].bdf, b),
			(unsigned long long)fp->devs[i].pages_watched);
	fputs("data\n", f);
	if (fp->npages && fwrite(fp->pages, sizeof(*fp->pages), fp->npages, f) != fp->npages) {
		fclose(f);
		return ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: write %s", path);
	}
	if (fflush(f) || fsync(fileno(f)) || fclose(f))
		return ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: write %s", path);
	return IOH_OK;
}

static ioh_status bad(ioh_ctx *ctx, const char *path, const char *what)
{
	return ioh_err(ctx, IOH_ERR_CORRUPT, "fingerprint: %s: %s", path, what);
}

static ioh_status load_body(ioh_ctx *ctx, FILE *f, const char *path, ioh_fingerprint *fp,
			    size_t npages)
{
	char line[128], bdf[32];
	unsigned long long watched;

	for (size_t i = 0; i < fp->ndevs; i++) {
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "dev %31s %llu", bdf, &watched) != 2 ||
		    ioh_bdf_parse(bdf, &fp->devs[i].bdf))
			return bad(ctx, path, "malformed device line");
		fp->devs[i].pages_watched = watched;
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, "data\n"))
		return bad(ctx, path, "missing data marker");
	if (alloc_pages(fp, npages) != IOH_OK)
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	if (npages && fread(fp->pages, sizeof(*fp->pages), npages, f) != npages)
		return bad(ctx, path, "truncated");
	if (fgetc(f) != EOF)
		return bad(ctx, path, "trailing data");
	fp->npages = npages;
	for (size_t i = 0; i < npages; i++) {
		size_t s;

		if (fp->pages[i].dev >= fp->ndevs ||
		    (fp->pages[i].dev2 != NO_DEV && fp->pages[i].dev2 >= fp->ndevs) ||
		    (fp->pages[i].phys & 0xfff))
			return bad(ctx, path, "record refers to an unknown device or unaligned page");
		s = slot_of(fp, fp->pages[i].phys);
		if (fp->index[s] != UINT32_MAX)
			return bad(ctx, path, "page recorded twice");
		fp->index[s] = (uint32_t)i;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_fingerprint_load(ioh_ctx *ctx, const char *path,
					   ioh_fingerprint **out)
{
	ioh_fingerprint *fp = calloc(1, sizeof(*fp));
	unsigned long long np, nd, sk, un;
	char line[128];
	ioh_status rc;
	FILE *f;

	*out = NULL;
	if (!fp)
		return ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	f = fopen(path, "rb");
	if (!f) {
		free(fp);
		return ioh_err(ctx, IOH_ERR_SYSTEM, "fingerprint: open %s", path);
	}
	if (!fgets(line, sizeof(line), f) || strncmp(line, FP_MAGIC "\n", sizeof(FP_MAGIC)))
		rc = bad(ctx, path, "not a fingerprint file");
	else if (!fgets(line, sizeof(line), f) ||
		 sscanf(line, "pages %llu devices %llu skipped %llu unreadable %llu", &np, &nd,
			&sk, &un) != 4 ||
		 np > FP_MAX_PAGES_FILE || nd > FP_MAX_DEVICES)
		rc = bad(ctx, path, "bad or out-of-range header");
	else if (!(fp->devs = calloc(nd + 1, sizeof(*fp->devs))))
		rc = ioh_err(ctx, IOH_ERR_NOMEM, "fingerprint: out of memory");
	else {
		fp->ndevs = nd;
		fp->skipped = sk;
		fp->unreadable = un;
		rc = load_body(ctx, f, path, fp, np);
	}
	fclose(f);
	if (rc != IOH_OK) {
		ioh_fingerprint_free(fp);
		return rc;
	}
	*out = fp;
	return IOH_OK;
}
