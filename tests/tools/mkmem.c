/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mkmem: turns a text memory image (docs/walk.md) into a raw physical
 * memory file, byte offset = physical address - base, with holes where the
 * text wrote nothing (a sparse file on filesystems that support it).
 *
 *   mkmem [--base ADDR] [--list] IN.txt OUT.raw
 *
 * Excluded pages are left as holes. Exit 0 on success, 1 on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/memimg.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: mkmem [--base ADDR] [--list] IN.txt OUT.raw\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t base = 0, phys, top = 0;
	const uint8_t *data;
	bool list = false;
	size_t it = 0, n = 0;
	ioh_memimg *m;
	ioh_ctx *ctx;
	int c, fd, rc = 0;

	while ((c = getopt_long(argc, argv, "b:lh", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'b':
			errno = 0;
			base = strtoull(optarg, &end, 0);
			if (errno || *end || base % IOH_MEMIMG_PAGE) {
				fprintf(stderr, "mkmem: --base wants a page-aligned address: %s\n",
					optarg);
				return 1;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 1;
	}
	ctx = ioh_ctx_new();
	m = ioh_memimg_new();
	if (!ctx || !m || ioh_memimg_load(m, ctx, argv[optind])) {
		fprintf(stderr, "mkmem: %s\n", ctx ? ioh_get_err(ctx) : "out of memory");
		return 1;
	}
	/* O_EXCL: never overwrite what the user had. */
	fd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		fprintf(stderr, "mkmem: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	while (ioh_memimg_next_page(m, &it, &phys, &data)) {
		if (phys < base) {
			fprintf(stderr, "mkmem: page 0x%llx is below --base 0x%llx\n",
				(unsigned long long)phys, (unsigned long long)base);
			rc = 1;
			break;
		}
		if (list)
			printf("0x%llx%s\n", (unsigned long long)phys, data ? "" : " excluded");
		if (!data)
			continue;
		if (pwrite(fd, data, IOH_MEMIMG_PAGE, (off_t)(phys - base)) != IOH_MEMIMG_PAGE) {
			fprintf(stderr, "mkmem: %s: writing page 0x%llx: %s\n", argv[optind + 1],
				(unsigned long long)phys, strerror(errno));
			rc = 1;
			break;
		}
		top = phys + IOH_MEMIMG_PAGE;
		n++;
	}
	if (!rc && ftruncate(fd, (off_t)(top > base ? top - base : 0))) {
		fprintf(stderr, "mkmem: %s: %s\n", argv[optind + 1], strerror(errno));
		rc = 1;
	}
	if (close(fd) && !rc) {
		fprintf(stderr, "mkmem: %s: %s\n", argv[optind + 1], strerror(errno));
		rc = 1;
	}
	if (rc)
		unlink(argv[optind + 1]);
	else
		fprintf(stderr, "mkmem: %zu pages, %llu bytes\n", n, (unsigned long long)(top - base));
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
	return rc;
}
