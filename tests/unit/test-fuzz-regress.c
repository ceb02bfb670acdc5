/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regression tests for what fuzzing found (docs/fuzzing.md). Each test says
 * which target found it and builds the input in code; the sanitizer build
 * (build-san) is what turns most of these from silent into a failure.
 */
#include <ioh/report.h>

#include "harness.h"

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
