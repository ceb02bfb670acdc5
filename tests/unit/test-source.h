/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the memory-source tests: generated dumps and the real samples. */
#ifndef IOH_TEST_SOURCE_H
#define IOH_TEST_SOURCE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ioh/source.h>

#include "harness.h"

static inline const char *st_builddir(void)
{
	const char *b = getenv("IOH_BUILDDIR");

	return b ? b : "build";
}

/* Runs a shell command; fails the test if it does not exit 0. */
static inline void st_sh(const char *cmd)
{
	int rc = system(cmd);

	CHECK_MSG(rc == 0, "command failed (%d): %s", rc, cmd);
}

/* Writes desc to NAME.txt in the test's tmp dir and runs mkvmcore; returns the dump path. */
static inline char *st_mkcore(const char *name, const char *desc)
{
	char txt[4096], out[4096], cmd[10000];
	FILE *f;

	snprintf(txt, sizeof(txt), "%s.txt", ioh_test_tmp(name));
	snprintf(out, sizeof(out), "%s.vmcore", ioh_test_tmp(name));
	f = fopen(txt, "w");
	CHECK(f);
	fputs(desc, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/mkvmcore' '%s' '%s'", st_builddir(), txt, out);
	st_sh(cmd);
	return strdup(out);
}

/* mkvmcore from a checked-in fixture under tests/fixtures/vmcores/. */
static inline char *st_fixture(const char *name)
{
	char out[4096], cmd[10000];

	snprintf(out, sizeof(out), "%s.vmcore", ioh_test_tmp(name));
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/mkvmcore' '%s/tests/fixtures/vmcores/%s.txt' '%s'",
		 st_builddir(), getenv("IOH_SRCDIR") ? getenv("IOH_SRCDIR") : ".", name, out);
	st_sh(cmd);
	return strdup(out);
}

/*
 * The real sample dump WHICH ("legacy" or "scalable"), decompressed once into
 * BUILD/samples/ and kept between runs (the samples directory is read-only).
 */
static inline char *st_sample(const char *which)
{
	char dir[4096], out[4096 + 64], cmd[16384];
	const char *samples = getenv("IOH_SAMPLES");
	struct stat sb;

	if (!samples)
		samples = "/work/shared/samples";

	snprintf(dir, sizeof(dir), "%s/samples", st_builddir());
	snprintf(out, sizeof(out), "%s/%s-virtio.kdump", dir, which);
	if (stat(out, &sb) < 0) {
		mkdir(dir, 0755);
		snprintf(cmd, sizeof(cmd),
			 "xz -dc '%s/%s-virtio/vmcore.kdump.xz' > '%s.part.%d' && "
			 "mv '%s.part.%d' '%s'",
			 samples, which, out, getpid(), out, getpid(), out);
		st_sh(cmd);
	}
	return strdup(out);
}

/* Opens path, expecting success. */
static inline ioh_source *st_open(ioh_ctx *ctx, const char *path)
{
	ioh_source *src = NULL;
	ioh_status st = ioh_source_open(ctx, path, &src);

	CHECK_MSG(st == IOH_OK, "open %s: %s: %s", path, ioh_strerror(st), ioh_get_err(ctx));
	return src;
}

static inline uint64_t st_u64(ioh_source *src, uint64_t phys)
{
	uint64_t v = 0;
	ioh_status st = ioh_source_read_u64(src, phys, &v);

	CHECK_MSG(st == IOH_OK, "read 0x%" PRIx64 ": %s", phys, ioh_strerror(st));
	return v;
}

#endif
