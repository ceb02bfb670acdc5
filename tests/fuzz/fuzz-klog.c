/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel-log reader: arbitrary bytes (NULs, CRs, endless lines, broken
 * UTF-8, fake timestamps) fed whole and again in chunks whose sizes come
 * from the input's first byte. The two readings must agree (lines may span
 * feeds), stay within the stated bounds, and turn into a report whose JSON
 * parses.
 */
#include <ioh/evidence.h>
#include <ioh/report.h>

#include "fuzz-util.h"

static ioh_klog *read_log(ioh_ctx *ctx, const uint8_t *p, size_t n, size_t chunk)
{
	ioh_klog *k = ioh_klog_new(ctx);

	if (!k)
		abort();
	(void)ioh_klog_begin(k, "fuzz.log");
	for (size_t off = 0; off < n;) {
		size_t c = chunk && chunk < n - off ? chunk : n - off;

		(void)ioh_klog_feed(k, (const char *)p + off, c);
		off += c;
		/* vary the chunk so splits land everywhere */
		if (chunk)
			chunk = chunk * 7 % 61 + 1;
	}
	(void)ioh_klog_end(k);
	return k;
}

#define SAME(field)                                                                      \
	FZ_ASSERT(a->field == b->field, "chunked read differs in " #field ": %llu vs %llu", \
		  (unsigned long long)a->field, (unsigned long long)b->field)

static void check_bounds(const ioh_klog *k)
{
	const struct ioh_klog_summary *s = ioh_klog_summary(k);
	size_t nd = ioh_klog_device_count(k);

	FZ_ASSERT(nd <= IOH_KLOG_DEVICES_MAX, "%zu devices kept", nd);
	FZ_ASSERT(ioh_klog_event_count(k) <= IOH_KLOG_EVENTS_MAX, "events unbounded");
	FZ_ASSERT(ioh_klog_unclassified_count(k) <= IOH_KLOG_UNCLASSIFIED_MAX,
		  "unclassified unbounded");
	for (size_t i = 0; i < nd; i++) {
		const struct ioh_klog_device *d = ioh_klog_device_at(k, i);

		FZ_ASSERT(memchr(d->driver, 0, sizeof(d->driver)), "driver not terminated");
		FZ_ASSERT(ioh_klog_device_find(k, d->bdf) == d, "device %zu not found by BDF", i);
		if (i) {
			const struct ioh_klog_device *p = ioh_klog_device_at(k, i - 1);
			uint32_t x = (uint32_t)p->bdf.seg << 16 | ioh_bdf_sid(p->bdf);
			uint32_t y = (uint32_t)d->bdf.seg << 16 | ioh_bdf_sid(d->bdf);

			FZ_ASSERT(x < y, "devices not in bus order");
		}
	}
	for (size_t i = 0; i < ioh_klog_event_count(k); i++) {
		const struct ioh_klog_event *e = ioh_klog_event_at(k, i);

		FZ_ASSERT(e->kind < IOH_KLOG_KIND_COUNT, "event kind %d", e->kind);
		FZ_ASSERT(memchr(e->text, 0, sizeof(e->text)) && memchr(e->stamp, 0, sizeof(e->stamp)),
			  "event strings not terminated");
		FZ_ASSERT(ioh_klog_kind_name(e->kind), "no kind name");
	}
	for (unsigned c = 0; c < 256; c++)
		FZ_ASSERT(ioh_klog_reason_text(k, c), "NULL reason text");
	(void)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t chunk;
	ioh_klog *whole, *parts;

	if (!ctx || !size)
		return ioh_ctx_free(ctx), 0;
	chunk = data[0] % 64 + 1;
	whole = read_log(ctx, data + 1, size - 1, 0);
	parts = read_log(ctx, data + 1, size - 1, chunk);
	check_bounds(whole);

	const struct ioh_klog_summary *a = ioh_klog_summary(whole), *b = ioh_klog_summary(parts);
	SAME(lines);
	SAME(bytes);
	SAME(boots);
	SAME(dma_faults);
	SAME(dma_faults_after_copy);
	SAME(ir_faults);
	SAME(suppressed);
	SAME(unclassified);
	SAME(duplicates);
	SAME(long_lines);
	SAME(nul_lines);
	FZ_ASSERT(ioh_klog_event_count(whole) == ioh_klog_event_count(parts) &&
			  ioh_klog_device_count(whole) == ioh_klog_device_count(parts),
		  "chunked read found other events or devices");

	ioh_report *r = ioh_report_new();
	char *out = NULL;
	size_t outlen = 0;
	FILE *mf = open_memstream(&out, &outlen);
	const char *why;
	size_t at;

	if (!r || !mf)
		abort();
	ioh_report_add_klog(r, whole);
	ioh_report_finish(r);
	ioh_report_write_json(r, mf);
	fclose(mf);
	FZ_ASSERT(fz_json_check(out, outlen, NULL, NULL, &why, &at),
		  "report from a log is not JSON: %s at %zu: ...%.*s", why, at,
		  (int)(outlen - at < 80 ? outlen - at : 80), out + at);
	free(out);
	ioh_report_free(r);
	ioh_klog_free(whole);
	ioh_klog_free(parts);
	ioh_ctx_free(ctx);
	return 0;
}
