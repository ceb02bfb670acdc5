/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fingerprint files (report --fingerprint-compare) on arbitrary bytes. The
 * first input byte picks how: bit 0 set makes both CRC-32s right before
 * decoding, so that mutations reach the fields behind the checksums. A
 * file either decodes or fails with a message naming it; what decodes
 * encodes back to exactly the same bytes, and answers every query.
 */
#include <ioh/fingerprint.h>
#include <ioh/source.h>

#include "fingerprint-format.h"
#include "fuzz-util.h"

static void fix_checksums(uint8_t *b, size_t n)
{
	if (n >= FP_HEADER_SIZE)
		fp_put32(b + FP_OFF_HEADER_CRC, fp_crc32(0, b, FP_OFF_HEADER_CRC));
	if (n >= FP_HEADER_SIZE + FP_TRAILER_SIZE)
		fp_put32(b + n - FP_TRAILER_SIZE, fp_crc32(0, b, n - FP_TRAILER_SIZE));
}

/* Compare against an empty dump: refused as another dump, or nothing readable. */
static void compare_empty(ioh_ctx *ctx, ioh_fingerprint *fp)
{
	const struct ioh_fp_change *ch;
	ioh_source *src;
	size_t n;
	ioh_status st;

	if (ioh_source_new_mem(ctx, 0, &src) != IOH_OK)
		abort();
	st = ioh_fingerprint_compare(ctx, fp, src, &ch, &n);
	if (st == IOH_ERR_INVALID)
		FZ_ASSERT(!ch && !n && strstr(ioh_get_err(ctx), "another dump"),
			  "refused compare left %zu entries: %s", n, ioh_get_err(ctx));
	else
		for (size_t i = 0; i < n; i++)
			FZ_ASSERT(!ch[i].pages_changed, "a page changed in an empty dump");
	ioh_source_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_fingerprint *fp = NULL;
	uint8_t *b;
	size_t n;
	ioh_status rc;

	if (!ctx || !size)
		goto out;
	n = size - 1;
	b = malloc(n + 1);
	if (!b)
		abort();
	memcpy(b, data + 1, n);
	if (data[0] & 1)
		fix_checksums(b, n);
	rc = ioh_fingerprint_decode(ctx, b, n, "fz", &fp);
	if (rc) {
		FZ_ASSERT(!fp, "failed (%d) but returned a fingerprint", rc);
		FZ_ASSERT(!strncmp(ioh_get_err(ctx), "fingerprint: fz: ", 17),
			  "message does not name the file: '%s'", ioh_get_err(ctx));
		FZ_ASSERT(rc == IOH_ERR_CORRUPT || rc == IOH_ERR_NOTIMPL, "status %d: %s", rc,
			  ioh_get_err(ctx));
	} else {
		uint64_t w, s, u;
		void *again;
		size_t alen;

		FZ_ASSERT(ioh_fingerprint_encode(ctx, fp, &again, &alen) == IOH_OK, "encode: %s",
			  ioh_get_err(ctx));
		FZ_ASSERT(alen == n && !memcmp(again, b, n),
			  "re-encoding differs (%zu bytes, %zu read)", alen, n);
		free(again);
		ioh_fingerprint_stats(fp, &w, &s, &u);
		FZ_ASSERT(w <= ioh_fingerprint_page_cap(fp) &&
				  ioh_fingerprint_page_cap(fp) <= IOH_FP_MAX_PAGES,
			  "%llu pages watched, cap %u", (unsigned long long)w,
			  ioh_fingerprint_page_cap(fp));
		FZ_ASSERT(ioh_fingerprint_dump(fp)[0], "no dump description");
		compare_empty(ctx, fp);
	}
	ioh_fingerprint_free(fp);
	free(b);
out:
	ioh_ctx_free(ctx);
	return 0;
}
