/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "source-internal.h"

static ioh_status kdump_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	(void)head;
	(void)len;
	return IOH_ERR_NOPROBE;
}

static ioh_status kdump_open(struct ioh_source *src)
{
	return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "not yet");
}

static ioh_status kdump_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	(void)phys;
	(void)buf;
	(void)len;
	return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "not yet");
}

const struct source_ops ioh_source_kdump_ops = {
	.name = "kdump",
	.kind = IOH_SOURCE_KDUMP,
	.probe = kdump_probe,
	.open = kdump_open,
	.read_phys = kdump_read,
};
