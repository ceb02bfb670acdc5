/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table walker over raw bytes repeated across all of memory
 * (fuzz-mem.h): every table pointer lands on fuzz data, so the walk meets
 * shared tables, loops and full tables everywhere it goes. Header: mode and
 * flags, HAW, root address, memory shape; then the memory.
 */
#include <ioh/walk.h>

#include "fuzz-mem.h"
#include "fuzz-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct fz_mem mem;
	struct ioh_walk_config cfg = {0};
	uint8_t mode = fz_u8(&f);
	ioh_ctx *ctx;

	cfg.mode = mode & 1 ? IOH_VTD_SCALABLE : IOH_VTD_LEGACY;
	cfg.flags = mode & 2 ? IOH_WALK_NONPRESENT : 0;
	cfg.haw = fz_u8(&f) % 70; /* out-of-range widths too */
	cfg.rtaddr = fz_u32(&f);
	cfg.max_pasid_dir = mode & 4 ? 0 : fz_u16(&f);
	cfg.max_pasids = mode & 8 ? 0 : fz_u8(&f);
	/* each read of a context table can deliver 256 devices: keep inputs quick */
	uint64_t budget = 8 + (uint64_t)fz_u8(&f) * 4;
	if (!fz_mem_init(&mem, &f))
		return 0;
	cfg.read = fz_mem_read;
	cfg.read_data = &mem;
	if (mode & 16) {
		cfg.is_ram = fz_mem_is_ram;
		cfg.ram_data = &mem;
	}
	ctx = ioh_ctx_new();
	if (!ctx)
		abort();
	fz_walk_run(ctx, &cfg, budget);
	ioh_ctx_free(ctx);
	return 0;
}
