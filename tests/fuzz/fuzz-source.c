/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dump files (ELF vmcore, kdump-compressed through our reader or through
 * libkdumpfile, flattened, raw) from arbitrary bytes, given as an in-memory
 * file (memfd). The first byte picks how it is opened (probe every kind, or
 * force one); the rest is the file. A dump either opens or fails with a
 * message; one that opens describes itself, lists sorted RAM ranges within
 * the bound, and answers reads anywhere (inside, across and outside its
 * ranges) with data or a status. A kdump-compressed dump that both readers
 * open must give the same bytes wherever both read a page.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <ioh/source.h>

#include "fuzz-util.h"

static int count_page(void *priv, uint64_t phys, const void *data, size_t len)
{
	unsigned *n = priv;

	(void)phys;
	if (data && len)
		(void)((const volatile uint8_t *)data)[len - 1];
	return ++*n >= 8; /* a few pages say enough */
}

static void probe_reads(ioh_source *src)
{
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(src, &r);
	uint8_t buf[8192];
	unsigned pages = 0;

	FZ_ASSERT(n <= 65536, "%zu ranges", n);
	for (size_t i = 0; i < n; i++) {
		FZ_ASSERT(r[i].start < r[i].end, "empty or inverted range %zu", i);
		if (i)
			FZ_ASSERT(r[i - 1].end <= r[i].start, "ranges overlap or unsorted at %zu", i);
	}
	for (size_t i = 0; i < n && i < 4; i++) {
		(void)ioh_source_read(src, r[i].start, buf, 16);
		(void)ioh_source_read(src, r[i].end - 8, buf, 16); /* across the end */
		(void)ioh_source_read(src, r[i].start & ~4095ull, buf, sizeof(buf));
		(void)ioh_source_in_ram(src, r[i].end);
		(void)ioh_source_for_each_page(src, r[i].start, r[i].end, count_page, &pages);
	}
	(void)ioh_source_read(src, 0, buf, 8);
	(void)ioh_source_read(src, UINT64_MAX - 7, buf, 8);
	(void)ioh_source_read(src, UINT64_MAX - 3, buf, 8); /* wraps */
}

/* Ours against libkdumpfile at the first pages of each range. */
static void compare_kdump_readers(ioh_ctx *ctx, ioh_source *ours, const char *path)
{
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(ours, &r);
	ioh_source *lk = NULL;
	uint8_t a[4096], b[4096];

	if (ioh_source_page_size(ours) != 4096 ||
	    ioh_source_open_kind(ctx, IOH_SOURCE_LIBKDUMPFILE, path, &lk) != IOH_OK)
		return;
	for (size_t i = 0; i < n && i < 4; i++)
		for (uint64_t p = r[i].start & ~4095ull; p < r[i].end && p < r[i].start + 8 * 4096;
		     p += 4096)
			if (ioh_source_read(ours, p, a, sizeof(a)) == IOH_OK &&
			    ioh_source_read(lk, p, b, sizeof(b)) == IOH_OK)
				FZ_ASSERT(!memcmp(a, b, sizeof(a)),
					  "0x%llx: our reader and libkdumpfile differ",
					  (unsigned long long)p);
	ioh_source_free(lk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ioh_source_kind kinds[] = {IOH_SOURCE_AUTO, IOH_SOURCE_ELF,
						     IOH_SOURCE_KDUMP, IOH_SOURCE_FLAT,
						     IOH_SOURCE_LIBKDUMPFILE};
	ioh_ctx *ctx;
	ioh_source *src = NULL;
	ioh_status rc;
	char path[64];
	int fd;

	if (!size)
		return 0;
	ctx = ioh_ctx_new();
	fd = memfd_create("fuzz-dump", MFD_CLOEXEC);
	if (!ctx || fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (data[0] & 0x80) {
		rc = ioh_source_open_kind(ctx, kinds[(data[0] & 0x7f) % 5], path, &src);
	} else {
		rc = ioh_source_open_fd(ctx, fd, "fuzz.dump", &src);
	}
	if (rc) {
		FZ_ASSERT(ioh_get_err(ctx)[0], "open failed (%d) without a message", rc);
	} else {
		FZ_ASSERT(ioh_source_describe(src) && ioh_source_name(src), "no description");
		for (size_t i = 0; i < ioh_source_problem_count(src); i++)
			FZ_ASSERT(ioh_source_problem(src, i), "problem %zu missing", i);
		const ioh_vmcoreinfo *vi = ioh_source_vmcoreinfo(src);
		if (vi)
			(void)ioh_vmcoreinfo_osrelease(vi);
		(void)ioh_source_page_size(src);
		probe_reads(src);
		if (ioh_source_kind(src) == IOH_SOURCE_KDUMP)
			compare_kdump_readers(ctx, src, path);
		ioh_source_free(src);
	}
	close(fd);
	ioh_ctx_free(ctx);
	return 0;
}
