/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regression tests for what fuzzing found (docs/fuzzing.md). Each test says
 * which target found it and builds the input in code; the sanitizer build
 * (build-san) is what turns most of these from silent into a failure.
 */
#include <ioh/report.h>
#include <ioh/source.h>

#include "harness.h"
#include "test-source.h"

/* fuzz-report: finishing a report with no device passed NULL to qsort (UBSan). */
TEST(fuzzreg_report_empty_finish)
{
	ioh_report *r = ioh_report_new();
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(r && f);
	ioh_report_finish(r);
	CHECK_EQ(ioh_report_ndevices(r), 0);
	CHECK(!ioh_report_has_problem(r));
	ioh_report_write_json(r, f);
	fclose(f);
	CHECK_CONTAINS(out, "\"devices\"");
	free(out);
	ioh_report_free(r);
}

/*
 * fuzz-source: an ELF PT_LOAD claiming 2.8 TiB with 4 KiB of file data (the
 * shape makedumpfile -E gives a big machine's filtered memory). The scan went
 * page by page through the filtered tail, formatting an error for each of
 * 742 million pages: a hang. It now jumps to the next data in one step.
 */
static int fuzzreg_count(void *priv, uint64_t phys, const void *data, size_t len)
{
	uint64_t *pages = priv;

	(void)phys;
	(void)data;
	*pages += len / 4096;
	return 0;
}

TEST_TIMEOUT(fuzzreg_elf_scan_skips_filtered_terabytes, 30)
{
	static const char desc[] = "cpus = 1\n"
				   "@phdr type=LOAD paddr=0x100000 memsz=0x2000\n"
				   "@phdr type=LOAD paddr=0x1000000 memsz=0x2d400000000 filesz=0x1000\n"
				   "@0x100000\n0x1111\n"
				   "@0x1000000\n0x2222\n";
	char *path = st_mkcore("fuzzreg-tib", desc);
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src = NULL;
	uint64_t pages = 0, v = 0;

	CHECK_EQ(ioh_source_open(ctx, path, &src), IOH_OK);
	CHECK(ioh_source_in_ram(src, 0x2d000000000ull));
	CHECK_EQ(ioh_source_for_each_page(src, 0, UINT64_MAX, fuzzreg_count, &pages), IOH_OK);
	CHECK_EQ(pages, 3);
	CHECK_EQ(ioh_source_read_u64(src, 0x1000000, &v), IOH_OK);
	CHECK_EQ(v, 0x2222);
	CHECK_EQ(ioh_source_read_u64(src, 0x2d000000000ull, &v), IOH_ERR_EXCLUDED);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	free(path);
}
