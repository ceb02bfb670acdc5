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

/* priv is the struct dd_reader itself. */
static ioh_status kdump_open(struct ioh_source *src)
{
	struct dd_reader *p = calloc(1, sizeof(*p));

	if (!p)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory");
	src->priv = p;
	p->rd = src_fd_pread;
	p->rdpriv = src;
	p->size = src->file_size;
	return dd_reader_start(src, p);
}

static void kdump_close(struct ioh_source *src)
{
	if (!src->priv)
		return;
	dd_reader_close(src->priv);
	free(src->priv);
}

static void kdump_describe(struct ioh_source *src, char *buf, size_t size)
{
	dd_describe(src->priv, "", buf, size);
}

const struct source_ops ioh_source_kdump_ops = {
	.name = "kdump",
	.kind = IOH_SOURCE_KDUMP,
	.probe = dd_src_probe,
	.open = kdump_open,
	.read_phys = dd_src_read,
	.next_data = dd_src_next_data,
	.data_end = dd_src_data_end,
	.close = kdump_close,
	.describe = kdump_describe,
};
