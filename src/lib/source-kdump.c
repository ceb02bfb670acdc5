/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed dumps (makedumpfile -c/-l/-p/-z, uncompressed too), read
 * with our own reader of the layout (source-ddread.c) over pread(2). This is
 * what probing picks: its memory does not grow with the dump, which the
 * capture kernel's crashkernel= reservation needs. The same files can be read
 * through libkdumpfile by asking for that kind (source-libkdumpfile.c); the
 * tests read every page both ways and compare.
 *
 * A page not in the RAM bitmap reads as IOH_ERR_NODATA (a hole); RAM but not
 * in the file bitmap as IOH_ERR_EXCLUDED (filtered by -d); in the file, its
 * descriptor must be sane (offset and size inside the file, size at most a
 * page, one known compression) and the data must decode to exactly one page,
 * or the read is IOH_ERR_CORRUPT. Zero pages filtered by -d 1 stay in the
 * file bitmap and read as zeros.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "source-internal.h"

struct kdump_priv {
	struct dd_reader dd;
};

static ioh_status kdump_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	return dd_probe(head, len);
}

static ioh_status kdump_open(struct ioh_source *src)
{
	struct kdump_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	p->dd.rd = src_fd_pread;
	p->dd.rdpriv = src;
	p->dd.size = src->file_size;
	return dd_reader_start(src, &p->dd);
}

static ioh_status kdump_readp(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct kdump_priv *p = src->priv;

	return dd_reader_read(src, &p->dd, phys, buf, len);
}

static uint64_t kdump_next_data(struct ioh_source *src, uint64_t phys)
{
	struct kdump_priv *p = src->priv;

	return dd_reader_next_data(src, &p->dd, phys);
}

static uint64_t kdump_data_end(struct ioh_source *src, uint64_t phys, uint64_t limit)
{
	struct kdump_priv *p = src->priv;

	return dd_reader_data_end(src, &p->dd, phys, limit);
}

static void kdump_close(struct ioh_source *src)
{
	struct kdump_priv *p = src->priv;

	if (!p)
		return;
	dd_reader_close(&p->dd);
	free(p);
}

static void kdump_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct kdump_priv *p = src->priv;

	snprintf(buf, size, "kdump-compressed %s (%s v%d), release %s%s",
		 dd_compression_name(p->dd.h.status), p->dd.h.signature, p->dd.h.header_version,
		 p->dd.h.release[0] ? p->dd.h.release : "?",
		 p->dd.h.status & DD_INCOMPLETE ? ", INCOMPLETE" : "");
}

const struct source_ops ioh_source_kdump_ops = {
	.name = "kdump",
	.kind = IOH_SOURCE_KDUMP,
	.probe = kdump_probe,
	.open = kdump_open,
	.read_phys = kdump_readp,
	.next_data = kdump_next_data,
	.data_end = kdump_data_end,
	.close = kdump_close,
	.describe = kdump_describe,
};
