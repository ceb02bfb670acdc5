/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Simulated physical memory: sparse 4 KiB pages with a hard bound on their number. */
#include <stdlib.h>

#include "model-internal.h"

#define PAGE 4096u
/* Pages handed out by alloc start here, away from the fixed layouts tests use. */
#define ALLOC_BASE 0x100000000ULL

int ioh_mem_init(struct ioh_mem *m, size_t max_pages)
{
	memset(m, 0, sizeof(*m));
	m->max_pages = max_pages;
	m->cap = 1024;
	while (m->cap < max_pages * 2 && m->cap < ((size_t)1 << 24))
		m->cap *= 2;
	if (m->cap > 1024 * 64)
		m->cap = 1024 * 64; /* grows on demand */
	m->pfn = calloc(m->cap, sizeof(*m->pfn));
	m->page = calloc(m->cap, sizeof(*m->page));
	m->next = ALLOC_BASE;
	if (!m->pfn || !m->page) {
		ioh_mem_fini(m);
		return -1;
	}
	return 0;
}

void ioh_mem_fini(struct ioh_mem *m)
{
	if (m->page)
		for (size_t i = 0; i < m->cap; i++)
			free(m->page[i]);
	free(m->page);
	free(m->pfn);
	memset(m, 0, sizeof(*m));
}

static size_t slot_of(const struct ioh_mem *m, uint64_t pfn)
{
	uint64_t h = (pfn + 1) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 20) & (m->cap - 1);
}

static uint8_t *lookup(const struct ioh_mem *m, uint64_t pfn)
{
	for (size_t i = slot_of(m, pfn);; i = (i + 1) & (m->cap - 1)) {
		if (!m->pfn[i])
			return NULL;
		if (m->pfn[i] == pfn + 1)
			return m->page[i];
	}
}

static int grow(struct ioh_mem *m)
{
	struct ioh_mem n = *m;

	n.cap = m->cap * 2;
	n.pfn = calloc(n.cap, sizeof(*n.pfn));
	n.page = calloc(n.cap, sizeof(*n.page));
	if (!n.pfn || !n.page) {
		free(n.pfn);
		free(n.page);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->pfn[i])
			continue;
		size_t j = slot_of(&n, m->pfn[i] - 1);

		while (n.pfn[j])
			j = (j + 1) & (n.cap - 1);
		n.pfn[j] = m->pfn[i];
		n.page[j] = m->page[i];
	}
	free(m->pfn);
	free(m->page);
	*m = n;
	return 0;
}

static uint8_t *backing(struct ioh_mem *m, uint64_t pfn)
{
	uint8_t *p = lookup(m, pfn);
	size_t i;

	if (p)
		return p;
	if (m->n >= m->max_pages)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return NULL;
	p = calloc(1, PAGE);
	if (!p)
		return NULL;
	for (i = slot_of(m, pfn); m->pfn[i]; i = (i + 1) & (m->cap - 1))
		;
	m->pfn[i] = pfn + 1;
	m->page[i] = p;
	m->n++;
	return p;
}

int ioh_mem_read64(const struct ioh_mem *m, uint64_t pa, uint64_t *v)
{
	const uint8_t *p = (pa & 7) ? NULL : lookup(m, pa / PAGE);

	if (!p)
		return -1;
	memcpy(v, p + (pa % PAGE), 8);
	return 0;
}

int ioh_mem_write64(struct ioh_mem *m, uint64_t pa, uint64_t v)
{
	uint8_t *p = (pa & 7) ? NULL : backing(m, pa / PAGE);

	if (!p)
		return -1;
	memcpy(p + (pa % PAGE), &v, 8);
	return 0;
}

int ioh_mem_alloc(struct ioh_mem *m, uint64_t *pa)
{
	uint64_t a = m->next;

	if (!backing(m, a / PAGE))
		return -1;
	m->next += PAGE;
	*pa = a;
	return 0;
}
