/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "source-internal.h"

static ioh_status flat_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	(void)head;
	(void)len;
	return IOH_ERR_NOPROBE;
}

static ioh_status flat_open(struct ioh_source *src)
{
	return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "not yet");
}

static ioh_status flat_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	(void)phys;
	(void)buf;
	(void)len;
	return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "not yet");
}

const struct source_ops ioh_source_flat_ops = {
	.name = "flat",
	.kind = IOH_SOURCE_FLAT,
	.probe = flat_probe,
	.open = flat_open,
	.read_phys = flat_read,
};
