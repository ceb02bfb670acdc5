/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report model and its writers fed hostile facts: names, drivers,
 * notes and problem texts of arbitrary bytes (truncated mid-character by
 * the fixed-size fields), NaN and negative times, unknown fault reasons,
 * many devices and units. The JSON document must always parse, and the
 * text writer must not fault.
 */
#include <math.h>

#include <ioh/report.h>

#include "fuzz-util.h"

static enum ioh_tristate tri(uint8_t b)
{
	return (enum ioh_tristate)((int)(b % 3) - 1);
}

static double when(struct fz *f)
{
	uint8_t k = fz_u8(f);
	uint64_t bits;
	double d;

	switch (k % 4) {
	case 0:
		return -1;
	case 1:
		return fz_u16(f) / 16.0;
	case 2:
		bits = fz_u64(f);
		memcpy(&d, &bits, sizeof(d));
		return d; /* NaN, inf, denormals */
	default:
		return k & 0x80 ? NAN : INFINITY;
	}
}

static void fill(char *dst, size_t cap, struct fz *f)
{
	size_t n;
	const uint8_t *p = fz_run(f, cap - 1, &n);

	memcpy(dst, p, n);
	dst[n] = 0;
}

static void device(ioh_report *r, struct fz *f)
{
	struct ioh_bdf bdf = {fz_u16(f), fz_u8(f), fz_u8(f)};
	struct ioh_report_device *d = ioh_report_device(r, bdf);
	uint8_t flags = fz_u8(f);
	char *s;

	if (!d)
		abort();
	d->mapped = tri(flags);
	d->bus_master = tri(flags >> 2);
	d->driver_bound = tri(flags >> 4);
	d->attribution_unique = tri(fz_u8(f));
	fill(d->unit, sizeof(d->unit), f);
	fill(d->driver, sizeof(d->driver), f);
	d->did = fz_u16(f);
	d->aw = fz_u8(f);
	d->tt = fz_u8(f);
	d->pgtable = fz_u64(f);
	d->writable_pages = fz_u64(f);
	d->dma_faults = fz_u32(f);
	d->dma_faults_after_copy = fz_u32(f);
	d->dma_faults_before_probe = fz_u32(f);
	d->ir_faults = fz_u32(f);
	d->first_fault = when(f);
	d->last_fault = when(f);
	d->driver_probe = when(f);
	d->pages_changed = fz_u64(f);
	d->bytes_changed = fz_u64(f);
	d->first_iova = fz_u64(f);
	for (unsigned i = fz_u8(f) % 12; i; i--)
		ioh_report_device_reason(d, fz_u8(f));
	for (unsigned i = fz_u8(f) % 20; i; i--) {
		s = fz_str(f, 255, NULL);
		ioh_problems_add(&d->problems, s, "%s", s);
		free(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	ioh_report *r = ioh_report_new();
	char *out = NULL, *k, *v;
	size_t outlen = 0;
	FILE *mf;

	if (!r)
		abort();
	while (f.n) {
		switch (fz_u8(&f) % 6) {
		case 0:
			k = fz_str(&f, 64, NULL);
			v = fz_str(&f, 255, NULL);
			ioh_report_add_input(r, k, v);
			free(k);
			free(v);
			break;
		case 1: {
			k = fz_str(&f, 32, NULL);
			struct ioh_report_unit *u = ioh_report_unit(r, k, fz_u64(&f));

			free(k);
			if (!u)
				abort();
			u->reg_base = fz_u64(&f);
			u->mode = (enum ioh_vtd_mode)(fz_u8(&f) & 1);
			fill(u->confidence, sizeof(u->confidence), &f);
			u->copied = tri(fz_u8(&f));
			u->copy_failed = tri(fz_u8(&f));
			u->devices = fz_u32(&f);
			u->torn_looking = fz_u32(&f);
			v = fz_str(&f, 200, NULL);
			ioh_problems_add(&u->problems, "fuzz", "%s", v);
			free(v);
			break;
		}
		case 2:
		case 3:
			device(r, &f);
			break;
		case 4:
			v = fz_str(&f, 255, NULL);
			ioh_report_note(r, "%s", v);
			free(v);
			break;
		case 5:
			ioh_report_set_copy_time(r, when(&f));
			ioh_report_add_suppressed(r, fz_u32(&f));
			break;
		}
	}
	ioh_report_finish(r);
	(void)ioh_report_has_problem(r);
	for (size_t i = 0; i < ioh_report_ndevices(r); i++) {
		const struct ioh_report_device *d = ioh_report_get_device(r, i);

		FZ_ASSERT(memchr(d->why, 0, sizeof(d->why)), "why not terminated");
		if (i)
			FZ_ASSERT(ioh_report_get_device(r, i - 1)->verdict <= d->verdict,
				  "devices not worst first");
	}

	mf = open_memstream(&out, &outlen);
	if (!mf)
		abort();
	ioh_report_write_json(r, mf);
	fclose(mf);

	const char *why;
	size_t at;
	FZ_ASSERT(fz_json_check(out, outlen, NULL, NULL, &why, &at),
		  "report JSON does not parse: %s at byte %zu: ...%.*s", why, at,
		  (int)(outlen - at < 80 ? outlen - at : 80), out + at);
	free(out);

	mf = fopen("/dev/null", "w");
	if (!mf)
		abort();
	ioh_report_write_text(r, mf);
	fclose(mf);
	ioh_report_free(r);
	return 0;
}
