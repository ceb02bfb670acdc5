/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw memory image: byte i of the file is physical address base + i (a
 * /dev/mem copy, a QEMU pmemsave, a firmware RAM dump). No VMCOREINFO.
 */
#include <inttypes.h>

#include "source-internal.h"

static ioh_status raw_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	(void)head;
	(void)len;
	return IOH_ERR_NOPROBE; /* anything is a raw image: only by explicit request */
}

static ioh_status raw_open(struct ioh_source *src)
{
	if (src->base & (src->page_size - 1))
		return ioh_err(src->ctx, IOH_ERR_INVALID,
			       "raw image base 0x%" PRIx64 " is not page-aligned", src->base);
	if (src->file_size && src->base + src->file_size - 1 < src->base)
		return ioh_err(src->ctx, IOH_ERR_INVALID,
			       "raw image at 0x%" PRIx64 " of 0x%" PRIx64
			       " bytes wraps past the top of physical memory",
			       src->base, src->file_size);
	return src_add_range(src, src->base, src->base + src->file_size);
}

static ioh_status raw_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	uint64_t end = src->base + src->file_size;
	ssize_t n;

	if (phys < src->base || phys >= end)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": outside the raw image [0x%" PRIx64 ", 0x%" PRIx64 ")",
			       phys, src->base, end);
	if (len > end - phys)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 ": past the end of the raw image at 0x%" PRIx64, end,
			       end);
	n = src_pread_full(src->fd, buf, len, phys - src->base);
	if (n < 0)
		return ioh_err(src->ctx, IOH_ERR_SYSTEM, "0x%" PRIx64 ": read", phys);
	if ((size_t)n < len)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%" PRIx64 ": raw image shrank while open (short read)",
			       phys + (uint64_t)n);
	return IOH_OK;
}

static void raw_describe(struct ioh_source *src, char *buf, size_t size)
{
	snprintf(buf, size, "raw image at 0x%" PRIx64, src->base);
}

const struct source_ops ioh_source_raw_ops = {
	.name = "raw",
	.kind = IOH_SOURCE_RAW,
	.probe = raw_probe,
	.open = raw_open,
	.read_phys = raw_read,
	.describe = raw_describe,
};
