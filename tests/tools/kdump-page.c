/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-page DUMP PHYS OUT: copies the 4 KiB page at machine-physical PHYS
 * of a kdump file to OUT, so shell tests can feed real table pages to
 * `iommu-handover decode --table`. Reads through libkdumpfile directly.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

int main(int argc, char **argv)
{
	unsigned char page[4096];
	size_t got = sizeof(page);
	unsigned long long phys;
	kdump_ctx_t *kd;
	char *end;
	FILE *out;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: kdump-page DUMP PHYS OUT\n");
		return 1;
	}
	phys = strtoull(argv[2], &end, 0);
	if (*end || phys % sizeof(page)) {
		fprintf(stderr, "kdump-page: %s: not a page address\n", argv[2]);
		return 1;
	}
	fd = open(argv[1], O_RDONLY);
	kd = kdump_new();
	if (fd < 0 || !kd || kdump_open_fd(kd, fd) != KDUMP_OK) {
		fprintf(stderr, "kdump-page: %s: cannot open%s%s\n", argv[1], kd ? ": " : "",
			kd ? kdump_get_err(kd) : "");
		return 1;
	}
	if (kdump_read(kd, KDUMP_MACHPHYSADDR, phys, page, &got) != KDUMP_OK || got != sizeof(page)) {
		fprintf(stderr, "kdump-page: %s: page 0x%llx not in the dump\n", argv[1], phys);
		return 1;
	}
	out = fopen(argv[3], "wb");
	if (!out || fwrite(page, 1, sizeof(page), out) != sizeof(page) || fclose(out)) {
		fprintf(stderr, "kdump-page: %s: cannot write\n", argv[3]);
		return 1;
	}
	kdump_free(kd);
	close(fd);
	return 0;
}
