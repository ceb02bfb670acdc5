/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text memory-image format (docs/walk.md): any bytes either parse or
 * fail with a message naming the line; either way the image then holds at
 * most its page bound, iterates in ascending order, and reads back every
 * page it lists.
 */
#include <ioh/memimg.h>

#include "fuzz-util.h"

#define MAX_PAGES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	uint8_t buf[IOH_MEMIMG_PAGE];
	ioh_status st;

	if (!ctx || !m)
		abort();
	ioh_memimg_set_max_pages(m, MAX_PAGES);
	st = ioh_memimg_parse(m, ctx, "fuzz", (const char *)data, size);
	if (st)
		FZ_ASSERT(strncmp(ioh_get_err(ctx), "fuzz:", 5) == 0,
			  "parse error does not name the input: '%s'", ioh_get_err(ctx));
	FZ_ASSERT(ioh_memimg_pages(m) <= MAX_PAGES, "%zu pages held, bound %u",
		  ioh_memimg_pages(m), MAX_PAGES);

	size_t it = 0, n = 0;
	uint64_t phys, last = 0;
	const uint8_t *page;

	while (ioh_memimg_next_page(m, &it, &phys, &page)) {
		int rc = ioh_memimg_read(m, phys, buf, sizeof(buf));

		FZ_ASSERT(phys % IOH_MEMIMG_PAGE == 0, "page address 0x%llx not aligned",
			  (unsigned long long)phys);
		FZ_ASSERT(n == 0 || phys > last, "pages out of order");
		if (page)
			FZ_ASSERT(rc == 0 && !memcmp(buf, page, sizeof(buf)),
				  "listed page 0x%llx reads back as %d", (unsigned long long)phys,
				  rc);
		else
			FZ_ASSERT(rc == IOH_ERR_EXCLUDED, "excluded page reads as %d", rc);
		/* a read straddling into the next page, and the RAM question */
		(void)ioh_memimg_read(m, phys + IOH_MEMIMG_PAGE - 8, buf, 16);
		(void)ioh_memimg_is_ram(m, phys);
		last = phys;
		n++;
	}
	FZ_ASSERT(n == ioh_memimg_pages(m), "iterated %zu of %zu pages", n, ioh_memimg_pages(m));
	(void)ioh_memimg_read(m, UINT64_MAX - 7, buf, 8);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
	return 0;
}
