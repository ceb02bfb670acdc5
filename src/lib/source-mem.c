/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-memory image: pages the caller supplies, for tests, the table walker
 * and the hardware model. Page-granular: adding any byte of a page makes the
 * whole page present, with the bytes not supplied reading as zero.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "source-internal.h"

struct mem_page {
	uint64_t pfn;
	unsigned char *data;
};

struct mem_image {
	struct mem_page *pages; /* sorted by pfn */
	size_t npages, cap;
	struct ioh_range *excl;
	size_t nexcl;
};

static ioh_status mem_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	(void)head;
	(void)len;
	return IOH_ERR_NOPROBE; /* never a file */
}

static ioh_status mem_open(struct ioh_source *src)
{
	src->priv = calloc(1, sizeof(struct mem_image));
	return src->priv ? IOH_OK : ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
}

static void mem_close(struct ioh_source *src)
{
	struct mem_image *m = src->priv;

	if (!m)
		return;
	for (size_t i = 0; i < m->npages; i++)
		free(m->pages[i].data);
	free(m->pages);
	free(m->excl);
	free(m);
}

/* Index of the first page with pfn >= the one given. */
static size_t mem_lower_bound(const struct mem_image *m, uint64_t pfn)
{
	size_t lo = 0, hi = m->npages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->pages[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool mem_excluded(const struct mem_image *m, uint64_t phys)
{
	for (size_t i = 0; i < m->nexcl; i++)
		if (phys >= m->excl[i].start && phys < m->excl[i].end)
			return true;
	return false;
}

static ioh_status mem_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct mem_image *m = src->priv;
	uint64_t ps = src->page_size;
	unsigned char *out = buf;

	while (len) {
		uint64_t pfn = phys / ps, in = phys % ps;
		size_t n = len < ps - in ? len : (size_t)(ps - in);
		size_t i;

		if (mem_excluded(m, phys))
			return ioh_err(src->ctx, IOH_ERR_EXCLUDED,
				       "0x%" PRIx64 ": page excluded from the image", phys);
		i = mem_lower_bound(m, pfn);
		if (i == m->npages || m->pages[i].pfn != pfn)
			return ioh_err(src->ctx, IOH_ERR_NODATA,
				       "0x%" PRIx64 ": not in the memory image", phys);
		memcpy(out, m->pages[i].data + in, n);
		out += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

static unsigned char *mem_page_get(struct ioh_source *src, uint64_t pfn)
{
	struct mem_image *m = src->priv;
	size_t i = mem_lower_bound(m, pfn);
	unsigned char *data;

	if (i < m->npages && m->pages[i].pfn == pfn)
		return m->pages[i].data;
	if (m->npages == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct mem_page *p = realloc(m->pages, cap * sizeof(*p));

		if (!p)
			return NULL;
		m->pages = p;
		m->cap = cap;
	}
	data = calloc(1, src->page_size);
	if (!data)
		return NULL;
	memmove(&m->pages[i + 1], &m->pages[i], (m->npages - i) * sizeof(*m->pages));
	m->pages[i] = (struct mem_page){ pfn, data };
	m->npages++;
	return data;
}

static ioh_status mem_check(ioh_source *src, uint64_t phys, uint64_t len)
{
	if (!src || src->ops != &ioh_source_mem_ops)
		return IOH_ERR_INVALID;
	if (len && phys + len - 1 < phys)
		return ioh_err(src->ctx, IOH_ERR_INVALID,
			       "in-memory image: 0x%" PRIx64 "+0x%" PRIx64 " wraps around", phys,
			       len);
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_source_mem_add(ioh_source *src, uint64_t phys, const void *buf,
					 size_t len)
{
	const unsigned char *in = buf;
	uint64_t ps, start = phys;
	ioh_status st = mem_check(src, phys, len);

	if (st != IOH_OK || !len)
		return st;
	ps = src->page_size;
	while (len) {
		uint64_t off = phys % ps;
		size_t n = len < ps - off ? len : (size_t)(ps - off);
		unsigned char *page = mem_page_get(src, phys / ps);

		if (!page)
			return ioh_err(src->ctx, IOH_ERR_NOMEM, "in-memory image: out of memory");
		memcpy(page + off, in, n);
		in += n;
		phys += n;
		len -= n;
	}
	st = src_add_range(src, start & ~(ps - 1), (phys + ps - 1) & ~(ps - 1));
	src_merge_ranges(src);
	return st;
}

IOH_EXPORT ioh_status ioh_source_mem_exclude(ioh_source *src, uint64_t phys, uint64_t len)
{
	struct mem_image *m;
	struct ioh_range *r;
	ioh_status st = mem_check(src, phys, len);

	if (st != IOH_OK || !len)
		return st;
	m = src->priv;
	if (m->nexcl >= SRC_MAX_RANGES)
		return ioh_err(src->ctx, IOH_ERR_LIMIT, "in-memory image: too many exclusions");
	r = realloc(m->excl, (m->nexcl + 1) * sizeof(*r));
	if (!r)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "in-memory image: out of memory");
	m->excl = r;
	m->excl[m->nexcl++] = (struct ioh_range){ phys, phys + len };
	/* An excluded page was RAM: it belongs to the ranges, like in a kdump. */
	st = src_add_range(src, phys, phys + len);
	src_merge_ranges(src);
	return st;
}

IOH_EXPORT ioh_status ioh_source_mem_set_vmcoreinfo(ioh_source *src, const char *text,
						    size_t len)
{
	ioh_vmcoreinfo *vi;
	ioh_status st = mem_check(src, 0, 0);

	if (st != IOH_OK)
		return st;
	st = ioh_vmcoreinfo_parse(src->ctx, text, len, &vi);
	if (st != IOH_OK)
		return st;
	ioh_vmcoreinfo_free(src->vi);
	src->vi = vi;
	return IOH_OK;
}

static void mem_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct mem_image *m = src->priv;

	snprintf(buf, size, "in-memory image, %zu pages", m->npages);
}

const struct source_ops ioh_source_mem_ops = {
	.name = "mem",
	.kind = IOH_SOURCE_MEM,
	.probe = mem_probe,
	.open = mem_open,
	.read_phys = mem_read,
	.close = mem_close,
	.describe = mem_describe,
};
