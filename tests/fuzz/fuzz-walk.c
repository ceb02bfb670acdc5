/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table walker over a text memory image (docs/walk.md), so the seeds
 * are the test fixtures themselves. An optional first line
 *     #walk RTADDR legacy|scalable HAW [FLAGS]
 * (a comment to the image parser) sets the walk; without it the root table
 * is the image's first page. Whatever the tables say, the walk ends within
 * its read budget, delivers each device at most once, and its counters
 * agree with what it delivered.
 */
#include <inttypes.h>

#include <ioh/memimg.h>
#include <ioh/walk.h>

#include "fuzz-util.h"
#include "fuzz-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = {.mode = IOH_VTD_LEGACY, .haw = 39};
	char head[128] = "";
	size_t hl = 0;

	if (!ctx || !m)
		abort();
	ioh_memimg_set_max_pages(m, 64);
	while (hl < size && hl < sizeof(head) - 1 && data[hl] != '\n')
		head[hl] = (char)data[hl], hl++;
	head[hl] = 0;
	(void)ioh_memimg_parse(m, ctx, "fuzz", (const char *)data, size);

	char mode[16] = "";
	unsigned haw = 39, flags = 0;
	uint64_t rt = 0;
	int got = sscanf(head, "#walk %" SCNx64 " %15s %u %x", &rt, mode, &haw, &flags);

	if (got >= 2) {
		cfg.rtaddr = rt;
		cfg.mode = strcmp(mode, "scalable") ? IOH_VTD_LEGACY : IOH_VTD_SCALABLE;
		cfg.haw = got >= 3 ? haw : 39;
		cfg.flags = flags;
	} else {
		size_t it = 0;
		const uint8_t *p;

		(void)ioh_memimg_next_page(m, &it, &cfg.rtaddr, &p);
	}
	cfg.read = ioh_memimg_read;
	cfg.read_data = m;
	if (!(flags & 0x100)) {
		cfg.is_ram = ioh_memimg_is_ram;
		cfg.ram_data = m;
	}
	fz_walk_run(ctx, &cfg, 4096);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
	return 0;
}
