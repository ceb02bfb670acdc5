/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory "that points everywhere": the fuzz bytes, repeated over the whole
 * physical address space, so that any pointer the tables hold lands on
 * something. Pages can be carved out as absent (IOH_ERR_NODATA) or
 * filtered (IOH_ERR_EXCLUDED), like holes and excluded pages of a dump.
 */
#ifndef IOH_FUZZ_MEM_H
#define IOH_FUZZ_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include <ioh/ioh.h>

#include "fuzz-util.h"

struct fz_mem {
	const uint8_t *mem;
	size_t len;	  /* > 0 */
	uint64_t limit;	  /* reads at or above: IOH_ERR_NODATA; 0: no limit */
	uint8_t hole_mod; /* pages with pfn % hole_mod == hole_sel are absent/excluded */
	uint8_t hole_sel;
	bool hole_excluded;
	uint64_t reads;
};

static inline int fz_mem_read(void *data, uint64_t phys, void *buf, size_t len)
{
	struct fz_mem *m = data;
	uint8_t *out = buf;

	m->reads++;
	if (m->limit && (phys >= m->limit || len > m->limit - phys))
		return IOH_ERR_NODATA;
	if (m->hole_mod > 1) {
		for (uint64_t p = phys >> 12; p <= (phys + len - 1) >> 12; p++)
			if (p % m->hole_mod == m->hole_sel)
				return m->hole_excluded ? IOH_ERR_EXCLUDED : IOH_ERR_NODATA;
	}
	for (size_t off = phys % m->len, done = 0, n; done < len; done += n, off = 0) {
		n = m->len - off < len - done ? m->len - off : len - done;
		memcpy(out + done, m->mem + off, n);
	}
	return 0;
}

static inline bool fz_mem_is_ram(void *data, uint64_t phys)
{
	struct fz_mem *m = data;

	return !m->limit || phys < m->limit;
}

/* Reads the shape of the memory from 4 header bytes; the rest of f is the memory. */
static inline bool fz_mem_init(struct fz_mem *m, struct fz *f)
{
	uint8_t shape = fz_u8(f);

	memset(m, 0, sizeof(*m));
	m->limit = shape & 1 ? (uint64_t)fz_u16(f) << 12 : 0;
	m->hole_mod = shape >> 4;
	m->hole_sel = fz_u8(f) % (m->hole_mod ? m->hole_mod : 1);
	m->hole_excluded = shape & 2;
	m->mem = f->p;
	m->len = f->n;
	return m->len > 0;
}

#endif
