/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report model: facts in, verdicts out, text and JSON writers. */
#include <stdio.h>
#include <stdlib.h>

#include <ioh/report.h>

#include "internal.h"
#include "json.h"

#define MAX_NOTES 64
#define MAX_INPUTS 32

struct ioh_report {
	struct ioh_report_device *dev;
	size_t ndev, capdev;
	/* open addressing by segment:SID into dev[], so a hostile dump's many units stay linear */
	uint32_t *index;
	size_t index_size;
	struct ioh_report_unit *unit;
	size_t nunit, capunit;
	char *notes[MAX_NOTES];
	unsigned nnotes, notes_dropped;
	char inputs[MAX_INPUTS][160];
	unsigned ninputs;
	double copy_time;
	unsigned suppressed;
	bool finished;
};

IOH_EXPORT const char *ioh_verdict_name(enum ioh_verdict v)
{
	static const char *const names[] = {
		[IOH_VERDICT_IN_FLIGHT] = "in-flight-dma",
		[IOH_VERDICT_POSSIBLE] = "dma-possible",
		[IOH_VERDICT_QUIESCED] = "quiesced",
		[IOH_VERDICT_NOT_MAPPED] = "not-mapped",
		[IOH_VERDICT_UNKNOWN] = "unknown",
	};
	return (unsigned)v < IOH_ARRAY_SIZE(names) ? names[v] : "unknown";
}

IOH_EXPORT ioh_report *ioh_report_new(void)
{
	ioh_report *r = calloc(1, sizeof(*r));

	if (r)
		r->copy_time = -1;
	return r;
}

IOH_EXPORT void ioh_report_free(ioh_report *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->dev);
	free(r->index);
	free(r->unit);
	free(r);
}

IOH_EXPORT void ioh_report_add_input(ioh_report *r, const char *kind, const char *name)
{
	if (r->ninputs < MAX_INPUTS)
		snprintf(r->inputs[r->ninputs++], sizeof(r->inputs[0]), "%s %s", kind, name);
}

/* Grows an array by one zeroed element; NULL on ENOMEM. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, nc * size);

		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	memset((char *)*arr + *n * size, 0, size);
	return (char *)*arr + (*n)++ * size;
}

IOH_EXPORT struct ioh_report_unit *ioh_report_unit(ioh_report *r, const char *name,
						  uint64_t root_table)
{
	struct ioh_report_unit *u;

	for (size_t i = 0; i < r->nunit; i++) {
		u = &r->unit[i];
		if ((name && *name && !strcmp(u->name, name)) ||
		    (root_table && u->root_table == root_table)) {
			if (name && *name && !u->name[0])
				snprintf(u->name, sizeof(u->name), "%s", name);
			if (root_table && !u->root_table)
				u->root_table = root_table;
			return u;
		}
	}
	u = grow((void **)&r->unit, &r->nunit, &r->capunit, sizeof(*u));
	if (!u)
		return NULL;
	snprintf(u->name, sizeof(u->name), "%s", name && *name ? name : "");
	u->root_table = root_table;
	u->copied = u->copy_failed = IOH_UNKNOWN;
	ioh_problems_init(&u->problems);
	return u;
}

static uint32_t bdf_key(struct ioh_bdf b)
{
	return (uint32_t)b.seg << 16 | ioh_bdf_sid(b);
}

static size_t slot_of(const ioh_report *r, uint32_t key)
{
	size_t mask = r->index_size - 1, i = (key * 2654435761u) & mask;

	while (r->index[i] != UINT32_MAX && bdf_key(r->dev[r->index[i]].bdf) != key)
		i = (i + 1) & mask;
	return i;
}

/* Rebuilds the index at twice the device capacity (after growth or sorting). */
static bool reindex(ioh_report *r, size_t want)
{
	size_t size = 64;
	uint32_t *ix;

	while (size < want * 2)
		size <<= 1;
	ix = malloc(size * sizeof(*ix));
	if (!ix)
		return false;
	memset(ix, 0xff, size * sizeof(*ix));
	free(r->index);
	r->index = ix;
	r->index_size = size;
	for (size_t i = 0; i < r->ndev; i++)
		r->index[slot_of(r, bdf_key(r->dev[i].bdf))] = (uint32_t)i;
	return true;
}

IOH_EXPORT struct ioh_report_device *ioh_report_device(ioh_report *r, struct ioh_bdf bdf)
{
	struct ioh_report_device *d;
	size_t slot;

	if ((r->ndev + 1) * 2 > r->index_size && !reindex(r, r->ndev + 1))
		return NULL;
	slot = slot_of(r, bdf_key(bdf));
	if (r->index[slot] != UINT32_MAX)
		return &r->dev[r->index[slot]];
	d = grow((void **)&r->dev, &r->ndev, &r->capdev, sizeof(*d));
	if (!d)
		return NULL;
	r->index[slot] = (uint32_t)(r->ndev - 1);
	d->bdf = bdf;
	d->mapped = d->bus_master = d->driver_bound = d->attribution_unique = IOH_UNKNOWN;
	d->first_fault = d->last_fault = d->driver_probe = -1;
	ioh_problems_init(&d->problems);
	d->verdict = IOH_VERDICT_UNKNOWN;
	return d;
}

IOH_EXPORT void ioh_report_device_reason(struct ioh_report_device *d, unsigned reason)
{
	for (unsigned i = 0; i < d->nreasons; i++)
		if (d->reasons[i] == reason)
			return;
	if (d->nreasons < IOH_ARRAY_SIZE(d->reasons))
		d->reasons[d->nreasons++] = (uint8_t)reason;
}

IOH_EXPORT void ioh_report_set_copy_time(ioh_report *r, double t)
{
	r->copy_time = t;
}

IOH_EXPORT void ioh_report_add_suppressed(ioh_report *r, unsigned n)
{
	r->suppressed += n;
}

IOH_EXPORT void ioh_report_note(ioh_report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (r->nnotes >= MAX_NOTES) {
		r->notes_dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		r->notes[r->nnotes++] = s;
	va_end(ap);
}

/*
 * The verdict rules, in order. In-flight needs positive evidence of DMA
 * after the crash that the device's own (capture-kernel) driver did not
 * cause: a fault before its probe, or a frozen page of old memory that
 * changed. "Possible" is the absence of every brake.
 */
static void judge(struct ioh_report_device *d)
{
	if (d->pages_changed) {
		d->verdict = IOH_VERDICT_IN_FLIGHT;
		snprintf(d->why, sizeof(d->why),
			 "%llu page(s) of the crashed kernel's memory it can write changed after the "
			 "crash (%s attribution)",
			 (unsigned long long)d->pages_changed,
			 d->attribution_unique == IOH_YES ? "unique" : "shared");
		return;
	}
	if (d->dma_faults_before_probe) {
		d->verdict = IOH_VERDICT_IN_FLIGHT;
		snprintf(d->why, sizeof(d->why),
			 "%u DMA fault(s) after the table copy and before its driver probed",
			 d->dma_faults_before_probe);
		return;
	}
	if (d->mapped == IOH_YES && d->bus_master != IOH_NO && d->driver_bound != IOH_YES &&
	    d->driver_probe < 0) {
		d->verdict = IOH_VERDICT_POSSIBLE;
		snprintf(d->why, sizeof(d->why),
			 "copied context entry live, bus master %s, no driver has reset it",
			 d->bus_master == IOH_YES ? "enabled" : "state unknown");
		return;
	}
	if (d->mapped == IOH_YES) {
		d->verdict = IOH_VERDICT_QUIESCED;
		snprintf(d->why, sizeof(d->why), "%s",
			 d->bus_master == IOH_NO ? "bus mastering disabled"
						 : "its driver probed in the capture kernel");
		return;
	}
	if (d->mapped == IOH_NO || (d->dma_faults == 0 && d->mapped == IOH_UNKNOWN &&
				    d->bus_master == IOH_NO)) {
		d->verdict = IOH_VERDICT_NOT_MAPPED;
		snprintf(d->why, sizeof(d->why), "no copied context entry");
		return;
	}
	d->verdict = IOH_VERDICT_UNKNOWN;
	snprintf(d->why, sizeof(d->why), "the crashed kernel's tables were not read");
}

static int cmp_dev(const void *a, const void *b)
{
	const struct ioh_report_device *x = a, *y = b;

	if (x->verdict != y->verdict)
		return x->verdict < y->verdict ? -1 : 1;
	if (x->bdf.seg != y->bdf.seg)
		return x->bdf.seg < y->bdf.seg ? -1 : 1;
	return (int)ioh_bdf_sid(x->bdf) - (int)ioh_bdf_sid(y->bdf);
}

IOH_EXPORT void ioh_report_finish(ioh_report *r)
{
	for (size_t i = 0; i < r->ndev; i++)
		judge(&r->dev[i]);
	if (r->ndev) {
		qsort(r->dev, r->ndev, sizeof(r->dev[0]), cmp_dev);
		if (!reindex(r, r->ndev)) {
			free(r->index);
			r->index = NULL;
			r->index_size = 0;
		}
	}
	r->finished = true;
}

IOH_EXPORT size_t ioh_report_ndevices(const ioh_report *r)
{
	return r->ndev;
}

IOH_EXPORT const struct ioh_report_device *ioh_report_get_device(const ioh_report *r, size_t i)
{
	return i < r->ndev ? &r->dev[i] : NULL;
}

IOH_EXPORT size_t ioh_report_nunits(const ioh_report *r)
{
	return r->nunit;
}

IOH_EXPORT const struct ioh_report_unit *ioh_report_get_unit(const ioh_report *r, size_t i)
{
	return i < r->nunit ? &r->unit[i] : NULL;
}

IOH_EXPORT bool ioh_report_has_problem(const ioh_report *r)
{
	for (size_t i = 0; i < r->ndev; i++)
		if (r->dev[i].verdict == IOH_VERDICT_IN_FLIGHT)
			return true;
	for (size_t i = 0; i < r->nunit; i++)
		if (r->unit[i].torn_looking)
			return true;
	return false;
}

static const char *tri(enum ioh_tristate t)
{
	return t == IOH_YES ? "yes" : t == IOH_NO ? "no" : "?";
}

/* ---- text ---- */

static void text_unit(const struct ioh_report_unit *u, FILE *f)
{
	fprintf(f, "%s: root table 0x%llx, %s mode (%s), %u device(s)", u->name[0] ? u->name : "unit",
		(unsigned long long)u->root_table, ioh_vtd_mode_name(u->mode),
		u->confidence[0] ? u->confidence : "?", u->devices);
	if (u->copied != IOH_UNKNOWN)
		fprintf(f, ", tables %s", u->copy_failed == IOH_YES ? "NOT copied (copy failed)"
					  : u->copied == IOH_YES    ? "copied by the capture kernel"
								    : "not copied");
	fputc('\n', f);
	if (u->torn_looking)
		fprintf(f, "  TORN-LOOKING: %u entr%s with P set and an invalid address width or "
			   "pointer\n",
			u->torn_looking, u->torn_looking == 1 ? "y" : "ies");
	for (unsigned i = 0; i < u->problems.n; i++)
		fprintf(f, "  problem: %s: %s\n", u->problems.p[i].field, u->problems.p[i].what);
}

static void text_device(const struct ioh_report_device *d, FILE *f)
{
	char b[IOH_BDF_STRLEN];

	fprintf(f, "%-13s %-13s %s\n", ioh_bdf_str(d->bdf, b), ioh_verdict_name(d->verdict), d->why);
	if (d->mapped == IOH_YES)
		fprintf(f, "    %s DID %u, AW %u, TT %u, tables 0x%llx, %llu writable page(s)\n",
			d->unit[0] ? d->unit : "entry:", d->did, d->aw, d->tt,
			(unsigned long long)d->pgtable, (unsigned long long)d->writable_pages);
	if (d->dma_faults || d->ir_faults) {
		fprintf(f, "    faults: %u DMA (%u after the copy), %u IR; reasons", d->dma_faults,
			d->dma_faults_after_copy, d->ir_faults);
		for (unsigned i = 0; i < d->nreasons; i++)
			fprintf(f, " 0x%02x", d->reasons[i]);
		fputc('\n', f);
	}
	if (d->driver[0] || d->bus_master != IOH_UNKNOWN)
		fprintf(f, "    driver %s%s, bus master %s\n", d->driver[0] ? d->driver : "none",
			d->driver_probe >= 0 ? " (probed)" : "", tri(d->bus_master));
	if (d->pages_changed)
		fprintf(f, "    %llu page(s), %llu byte(s) changed; first IOVA 0x%llx\n",
			(unsigned long long)d->pages_changed, (unsigned long long)d->bytes_changed,
			(unsigned long long)d->first_iova);
	for (unsigned i = 0; i < d->problems.n; i++)
		fprintf(f, "    problem: %s: %s\n", d->problems.p[i].field, d->problems.p[i].what);
}

IOH_EXPORT double ioh_report_copy_time(const ioh_report *r)
{
	return r->copy_time;
}

IOH_EXPORT const char *ioh_report_get_input(const ioh_report *r, unsigned i)
{
	return i < r->ninputs ? r->inputs[i] : NULL;
}

IOH_EXPORT const char *ioh_report_get_note(const ioh_report *r, unsigned i)
{
	return i < r->nnotes ? r->notes[i] : NULL;
}

IOH_EXPORT unsigned ioh_report_suppressed(const ioh_report *r)
{
	return r->suppressed;
}

IOH_EXPORT void ioh_report_write_text(const ioh_report *r, FILE *f)
{
	unsigned count[IOH_VERDICT_UNKNOWN + 1] = { 0 };

	for (size_t i = 0; i < r->ndev; i++)
		count[r->dev[i].verdict]++;
	fprintf(f, "verdict: %s — %u in-flight, %u possible, %u quiesced, %u not mapped, %u unknown\n",
		ioh_report_has_problem(r) ? "PROBLEM" : "clean", count[IOH_VERDICT_IN_FLIGHT],
		count[IOH_VERDICT_POSSIBLE], count[IOH_VERDICT_QUIESCED],
		count[IOH_VERDICT_NOT_MAPPED], count[IOH_VERDICT_UNKNOWN]);
	for (size_t i = 0; i < r->nunit; i++)
		text_unit(&r->unit[i], f);
	if (r->ndev)
		fputc('\n', f);
	for (size_t i = 0; i < r->ndev; i++)
		text_device(&r->dev[i], f);
	if (r->suppressed)
		fprintf(f, "\n%u fault message(s) suppressed by the kernel's rate limit\n",
			r->suppressed);
	for (unsigned i = 0; i < r->nnotes; i++)
		fprintf(f, "note: %s\n", r->notes[i]);
	if (r->notes_dropped)
		fprintf(f, "note: %u more notes not shown\n", r->notes_dropped);
}

/* ---- JSON ---- */

static void json_tri(struct ioh_json *j, const char *k, enum ioh_tristate t)
{
	ioh_json_key(j, k);
	if (t == IOH_UNKNOWN)
		ioh_json_null(j);
	else
		ioh_json_bool(j, t == IOH_YES);
}

static void json_time(struct ioh_json *j, const char *k, double t)
{
	ioh_json_key(j, k);
	if (t < 0)
		ioh_json_null(j);
	else
		ioh_json_double(j, t);
}

static void json_unit(struct ioh_json *j, const struct ioh_report_unit *u)
{
	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "name", u->name);
	ioh_json_khex(j, "reg_base", u->reg_base);
	ioh_json_khex(j, "root_table", u->root_table);
	ioh_json_kstr(j, "mode", ioh_vtd_mode_name(u->mode));
	ioh_json_kstr(j, "confidence", u->confidence[0] ? u->confidence : "unknown");
	json_tri(j, "copied", u->copied);
	json_tri(j, "copy_failed", u->copy_failed);
	ioh_json_ku64(j, "devices", u->devices);
	ioh_json_ku64(j, "torn_looking", u->torn_looking);
	ioh_json_kproblems(j, "problems", &u->problems, NULL);
	ioh_json_obj_end(j);
}

static void json_device(struct ioh_json *j, const struct ioh_report_device *d)
{
	char b[IOH_BDF_STRLEN], hex[8];

	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "bdf", ioh_bdf_str(d->bdf, b));
	ioh_json_kstr(j, "verdict", ioh_verdict_name(d->verdict));
	ioh_json_kstr(j, "why", d->why);
	ioh_json_kbool(j, "in_flight_dma", d->verdict == IOH_VERDICT_IN_FLIGHT);
	json_tri(j, "mapped", d->mapped);
	if (d->mapped == IOH_YES) {
		ioh_json_kstr(j, "unit", d->unit);
		ioh_json_ku64(j, "did", d->did);
		ioh_json_ku64(j, "aw", d->aw);
		ioh_json_ku64(j, "tt", d->tt);
		ioh_json_khex(j, "pgtable", d->pgtable);
		ioh_json_ku64(j, "writable_pages", d->writable_pages);
	}
	ioh_json_ku64(j, "dma_faults", d->dma_faults);
	ioh_json_ku64(j, "dma_faults_after_copy", d->dma_faults_after_copy);
	ioh_json_ku64(j, "dma_faults_before_probe", d->dma_faults_before_probe);
	ioh_json_ku64(j, "ir_faults", d->ir_faults);
	ioh_json_key(j, "reasons");
	ioh_json_arr_begin(j);
	for (unsigned i = 0; i < d->nreasons; i++) {
		snprintf(hex, sizeof(hex), "0x%02x", d->reasons[i]);
		ioh_json_str(j, hex);
	}
	ioh_json_arr_end(j);
	json_time(j, "first_fault", d->first_fault);
	json_time(j, "last_fault", d->last_fault);
	json_time(j, "driver_probe", d->driver_probe);
	ioh_json_key(j, "driver");
	if (d->driver[0])
		ioh_json_str(j, d->driver);
	else
		ioh_json_null(j);
	json_tri(j, "bus_master", d->bus_master);
	json_tri(j, "driver_bound", d->driver_bound);
	ioh_json_ku64(j, "pages_changed", d->pages_changed);
	ioh_json_ku64(j, "bytes_changed", d->bytes_changed);
	if (d->pages_changed) {
		ioh_json_khex(j, "first_iova", d->first_iova);
		json_tri(j, "attribution_unique", d->attribution_unique);
	}
	ioh_json_kproblems(j, "problems", &d->problems, NULL);
	ioh_json_obj_end(j);
}

IOH_EXPORT void ioh_report_write_json(const ioh_report *r, FILE *f)
{
	struct ioh_json j;

	ioh_json_init(&j, f, true);
	ioh_json_obj_begin(&j);
	ioh_json_kstr(&j, "schema", IOH_REPORT_SCHEMA);
	ioh_json_kstr(&j, "tool_version", ioh_version());
	ioh_json_kbool(&j, "problem", ioh_report_has_problem(r));
	ioh_json_key(&j, "inputs");
	ioh_json_arr_begin(&j);
	for (unsigned i = 0; i < r->ninputs; i++)
		ioh_json_str(&j, r->inputs[i]);
	ioh_json_arr_end(&j);
	json_time(&j, "copy_time", r->copy_time);
	ioh_json_ku64(&j, "suppressed", r->suppressed);
	ioh_json_key(&j, "units");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < r->nunit; i++)
		json_unit(&j, &r->unit[i]);
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "devices");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < r->ndev; i++)
		json_device(&j, &r->dev[i]);
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "notes");
	ioh_json_arr_begin(&j);
	for (unsigned i = 0; i < r->nnotes; i++)
		ioh_json_str(&j, r->notes[i]);
	ioh_json_arr_end(&j);
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}
