/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMCOREINFO text (from a crashed kernel's note): arbitrary bytes parse or
 * fail with a message; what parses answers every query without faulting,
 * and every entry it lists can be looked up again by its key.
 */
#include <ioh/source.h>

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_vmcoreinfo *vi = NULL;
	ioh_status rc;

	if (!ctx)
		abort();
	rc = ioh_vmcoreinfo_parse(ctx, (const char *)data, size, &vi);
	if (rc) {
		FZ_ASSERT(ioh_get_err(ctx)[0], "failed (%d) without a message", rc);
	} else {
		size_t n = ioh_vmcoreinfo_count(vi);
		uint64_t u;
		int64_t i;

		for (size_t k = 0; k < n; k++) {
			const char *key, *val;

			FZ_ASSERT(ioh_vmcoreinfo_entry(vi, k, &key, &val) == 0 && key && val,
				  "entry %zu of %zu missing", k, n);
			FZ_ASSERT(ioh_vmcoreinfo_get(vi, key), "key '%s' listed but not found", key);
		}
		(void)ioh_vmcoreinfo_osrelease(vi);
		(void)ioh_vmcoreinfo_page_size(vi);
		(void)ioh_vmcoreinfo_crashtime(vi, &i);
		(void)ioh_vmcoreinfo_kerneloffset(vi, &u);
		(void)ioh_vmcoreinfo_symbol(vi, "swapper_pg_dir", &u);
		(void)ioh_vmcoreinfo_size(vi, "page", &u);
		(void)ioh_vmcoreinfo_offset(vi, "uts_namespace.name", &u);
		(void)ioh_vmcoreinfo_length(vi, "mem_section", &u);
		(void)ioh_vmcoreinfo_number(vi, "phys_base", &i);
	}
	ioh_vmcoreinfo_free(vi);
	ioh_ctx_free(ctx);
	return 0;
}
