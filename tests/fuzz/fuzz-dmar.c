/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ACPI DMAR table parser on arbitrary bytes, lenient and strict. A table
 * either parses into structures that lie inside it, or fails with a
 * message; strict never accepts what lenient refuses.
 */
#include <ioh/evidence.h>

#include "fuzz-util.h"

static void check(const struct ioh_dmar_table *t, size_t size)
{
	FZ_ASSERT(t->length <= size, "table length %u beyond the %zu bytes given", t->length,
		  size);
	for (unsigned i = 0; i < t->nstructs; i++) {
		const struct ioh_dmar_struct *s = &t->structs[i];

		FZ_ASSERT((uint64_t)s->offset + s->length <= t->length,
			  "structure %u at 0x%x+%u runs past the table", i, s->offset, s->length);
		FZ_ASSERT(s->length > 0, "zero-length structure accepted");
		FZ_ASSERT(ioh_dmar_struct_name(s->type), "NULL name");
		for (unsigned k = 0; k < s->nscopes; k++) {
			const struct ioh_dmar_scope *sc = &s->scopes[k];

			FZ_ASSERT(sc->npath <= IOH_DMAR_PATH_MAX, "scope path %u long", sc->npath);
			FZ_ASSERT(ioh_dmar_scope_name(sc->type), "NULL scope name");
		}
	}
	FZ_ASSERT(memchr(t->oem_id, 0, sizeof(t->oem_id)) &&
			  memchr(t->signature, 0, sizeof(t->signature)),
		  "header strings not terminated");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_dmar_table *lenient = NULL, *strict = NULL;
	ioh_status a, b;

	if (!ctx)
		abort();
	a = ioh_dmar_parse(ctx, data, size, false, &lenient);
	if (a)
		FZ_ASSERT(ioh_get_err(ctx)[0], "failed (%d) without a message", a);
	else
		check(lenient, size);
	b = ioh_dmar_parse(ctx, data, size, true, &strict);
	FZ_ASSERT(!(a && !b), "strict accepted what lenient refused");
	if (!b)
		check(strict, size);
	ioh_dmar_free(lenient);
	ioh_dmar_free(strict);
	ioh_ctx_free(ctx);
	return 0;
}
