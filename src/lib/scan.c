/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scan a dump for the crashed kernel's VT-d tables and walk them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ioh/scan.h>

#include "internal.h"
#include "json.h"

/* Bounds that keep a hostile table from costing more than a capture kernel has. */
#define MAX_DEVICES_PER_UNIT 1024
#define MAX_WRITABLE_RANGES 4096

struct ioh_scan {
	struct ioh_scan_unit *units;
	size_t nunits;
	struct ioh_root_candidate *rejected;
	size_t nrejected;
	bool truncated;
	char source[256];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool src_in_ram(void *src, uint64_t phys)
{
	return ioh_source_in_ram(src, phys);
}

/* ---- discovery ---- */

struct stream {
	ioh_discover *d;
	const struct ioh_scan_config *cfg;
	double deadline;
	uint64_t done, total;
	unsigned chunks;
};

static int stream_chunk(void *priv, uint64_t phys, const void *data, size_t len)
{
	struct stream *s = priv;

	for (size_t off = 0; off + IOH_VTD_TABLE_SIZE <= len; off += IOH_VTD_TABLE_SIZE)
		ioh_discover_feed(s->d, phys + off, (const char *)data + off);
	s->done += len;
	if ((++s->chunks & 63) == 0) {
		if (s->cfg->progress)
			s->cfg->progress(s->cfg->progress_priv, s->done, s->total);
		if (s->deadline > 0 && now() > s->deadline)
			return IOH_ERR_LIMIT;
	}
	return 0;
}

/*
 * The dump is streamed in windows so the deadline is checked even where
 * every page fails to read (a dump that claims far more RAM than it holds
 * never reaches the per-chunk callback).
 */
#define SCAN_WINDOW (64ULL << 20)

static ioh_status stream_windows(ioh_source *src, struct stream *st)
{
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(src, &r);

	for (size_t i = 0; i < n; i++)
		for (uint64_t a = r[i].start; a < r[i].end; a += SCAN_WINDOW) {
			uint64_t b = r[i].end - a > SCAN_WINDOW ? a + SCAN_WINDOW : r[i].end;
			ioh_status rc = ioh_source_for_each_page(src, a, b, stream_chunk, st);

			if (rc != IOH_OK)
				return rc;
			if (st->deadline > 0 && now() > st->deadline)
				return IOH_ERR_LIMIT;
		}
	return IOH_OK;
}

static uint64_t ram_bytes(ioh_source *src)
{
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(src, &r);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += r[i].end - r[i].start;
	return total;
}

static ioh_status discover(ioh_ctx *ctx, ioh_source *src, const struct ioh_scan_config *cfg,
			   ioh_scan *s, ioh_discover **out)
{
	struct ioh_discover_cfg dc = {
		.read = ioh_source_read_cb,
		.read_priv = src,
		.is_ram = src_in_ram,
		.ram_priv = src,
		.haw = cfg->haw,
	};
	struct stream st = { .cfg = cfg, .total = ram_bytes(src) };
	ioh_status rc;

	st.d = ioh_discover_new(&dc);
	if (!st.d)
		return ioh_err(ctx, IOH_ERR_NOMEM, "discovery: out of memory");
	if (cfg->max_seconds > 0)
		st.deadline = now() + cfg->max_seconds;
	rc = stream_windows(src, &st);
	if (cfg->progress)
		cfg->progress(cfg->progress_priv, st.done, st.total);
	if (rc == IOH_ERR_LIMIT) {
		s->truncated = true;
		ioh_clear_err(ctx);
	} else if (rc != IOH_OK) {
		ioh_discover_free(st.d);
		return ioh_err_wrap(ctx, rc, "discovery");
	}
	ioh_discover_finish(ctx, st.d);
	*out = st.d;
	return IOH_OK;
}

/* ---- units ---- */

static struct ioh_scan_unit *add_unit(ioh_scan *s, const struct ioh_root_candidate *c,
				      const char *confidence)
{
	struct ioh_scan_unit *u = realloc(s->units, (s->nunits + 1) * sizeof(*u));

	if (!u)
		return NULL;
	s->units = u;
	u = &s->units[s->nunits];
	memset(u, 0, sizeof(*u));
	u->index = (unsigned)s->nunits++;
	u->root_table = c->addr;
	u->mode = c->mode;
	u->confidence = confidence;
	u->candidate = *c;
	ioh_problems_init(&u->problems);
	return u;
}

/*
 * Which candidates are units. Two candidates reaching the same context
 * tables mean one is a stale copy and nothing here says which: both are
 * "ambiguous". With the DMAR unit count known, the best that many are kept.
 */
static ioh_status choose_units(ioh_scan *s, const ioh_discover *d, unsigned expected)
{
	unsigned n = ioh_discover_count(d), keep = expected && expected < n ? expected : n;

	for (unsigned i = 0; i < n; i++) {
		const struct ioh_root_candidate *c = ioh_discover_get(d, i);
		const char *conf;

		if (i >= keep) {
			struct ioh_root_candidate *r =
				realloc(s->rejected, (s->nrejected + 1) * sizeof(*r));

			if (!r)
				return IOH_ERR_NOMEM;
			s->rejected = r;
			s->rejected[s->nrejected++] = *c;
			continue;
		}
		if (c->shares_tables)
			conf = "ambiguous";
		else if ((expected && n == expected) || (!expected && n == 1))
			conf = "certain";
		else
			conf = "likely";
		if (!add_unit(s, c, conf))
			return IOH_ERR_NOMEM;
	}
	return IOH_OK;
}

/* ---- walking one unit ---- */

struct walk_state {
	ioh_ctx *ctx;
	struct ioh_scan_unit *u;
	const struct ioh_scan_config *cfg;
	const struct ioh_walk_config *wc;
	bool capped;
};

static int on_bus(void *data, const struct ioh_walk_bus *b)
{
	struct walk_state *ws = data;

	for (unsigned i = 0; i < b->problems.n; i++)
		ioh_problems_add(&ws->u->problems, b->problems.p[i].field, "bus %02x: %s", b->bus,
				 b->problems.p[i].what);
	return 0;
}

static int on_device(void *data, const struct ioh_walk_device *w)
{
	struct walk_state *ws = data;
	struct ioh_scan_unit *u = ws->u;
	struct ioh_scan_device *d;

	if (u->ndevices >= MAX_DEVICES_PER_UNIT) {
		ws->capped = true;
		return 0;
	}
	d = realloc(u->devices, (u->ndevices + 1) * sizeof(*d));
	if (!d)
		return IOH_ERR_NOMEM;
	u->devices = d;
	d = &u->devices[u->ndevices++];
	memset(d, 0, sizeof(*d));
	d->w = *w;
	d->w.pasids = NULL;
	d->npasids = w->npasids;
	if (w->rid_pasid_index >= 0 && (unsigned)w->rid_pasid_index < w->npasids) {
		d->has_rid_pasid = true;
		d->rid_pasid = w->pasids[w->rid_pasid_index];
	}
	if (w->torn)
		u->torn++;
	ioh_problems_init(&d->pg.problems);
	if (!ws->cfg->no_pages && w->present) {
		ioh_status rc;

		d->writable = ioh_rangeset_new(MAX_WRITABLE_RANGES);
		rc = ioh_walk_mappings(ws->ctx, ws->wc, w, NULL, NULL, d->writable, &d->pg);
		if (rc != IOH_OK)
			ioh_problems_add(&d->pg.problems, "pgwalk", "%s", ioh_get_err(ws->ctx));
		ioh_clear_err(ws->ctx);
	}
	return 0;
}

static void walk_unit(ioh_ctx *ctx, ioh_source *src, const struct ioh_scan_config *cfg,
		      struct ioh_scan_unit *u)
{
	struct ioh_walk_config wc = {
		.rtaddr = u->root_table,
		.mode = u->mode,
		.haw = cfg->haw,
		.read = ioh_source_read_cb,
		.read_data = src,
		.is_ram = src_in_ram,
		.ram_data = src,
		.max_reads = cfg->max_reads,
	};
	struct walk_state ws = { ctx, u, cfg, &wc, false };
	struct ioh_walk_ops ops = { on_bus, on_device };
	ioh_status rc = ioh_walk(ctx, &wc, &ops, &ws, NULL);

	if (rc != IOH_OK)
		ioh_problems_add(&u->problems, "walk", "%s", ioh_get_err(ctx));
	if (ws.capped)
		ioh_problems_add(&u->problems, "devices",
				 "more than %d present entries; the rest not shown",
				 MAX_DEVICES_PER_UNIT);
	ioh_clear_err(ctx);
}

static ioh_status given_root(ioh_ctx *ctx, ioh_source *src, const struct ioh_scan_config *cfg,
			     ioh_scan *s)
{
	struct ioh_discover_cfg dc = { .read = ioh_source_read_cb, .read_priv = src,
				       .is_ram = src_in_ram, .ram_priv = src, .haw = cfg->haw };
	uint64_t addr = cfg->rtaddr & ~0xfffULL, page[2];
	struct ioh_root_candidate c, sm;

	if (ioh_source_read(src, addr, page, sizeof(page)) != IOH_OK)
		return ioh_err_wrap(ctx, IOH_ERR_NODATA, "root table 0x%llx",
				    (unsigned long long)cfg->rtaddr);
	if (cfg->mode_given) {
		ioh_discover_check(ctx, &dc, addr, cfg->mode, &c);
	} else {
		/* Each mode read once; the one that validates better wins, legacy on a tie. */
		bool l = ioh_discover_check(ctx, &dc, addr, IOH_VTD_LEGACY, &c);

		if (ioh_discover_check(ctx, &dc, addr, IOH_VTD_SCALABLE, &sm) &&
		    (!l || sm.score > c.score))
			c = sm;
	}
	ioh_clear_err(ctx);
	return add_unit(s, &c, "given") ? IOH_OK : IOH_ERR_NOMEM;
}

IOH_EXPORT ioh_status ioh_scan_run(ioh_ctx *ctx, ioh_source *src,
				   const struct ioh_scan_config *cfg, ioh_scan **out)
{
	ioh_scan *s = calloc(1, sizeof(*s));
	ioh_status rc;

	*out = NULL;
	if (!s)
		return ioh_err(ctx, IOH_ERR_NOMEM, "scan: out of memory");
	snprintf(s->source, sizeof(s->source), "%s", ioh_source_describe(src));
	if (cfg->rtaddr) {
		rc = given_root(ctx, src, cfg, s);
	} else {
		ioh_discover *d = NULL;

		rc = discover(ctx, src, cfg, s, &d);
		if (rc == IOH_OK)
			rc = choose_units(s, d, cfg->expected_units);
		ioh_discover_free(d);
	}
	if (rc != IOH_OK) {
		ioh_scan_free(s);
		return ioh_err_wrap(ctx, rc, "scan");
	}
	for (size_t i = 0; i < s->nunits; i++)
		walk_unit(ctx, src, cfg, &s->units[i]);
	*out = s;
	return s->truncated ? ioh_err(ctx, IOH_ERR_LIMIT, "scan: discovery cut short after %.1f s",
				      cfg->max_seconds)
			    : IOH_OK;
}

IOH_EXPORT void ioh_scan_free(ioh_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nunits; i++) {
		for (size_t j = 0; j < s->units[i].ndevices; j++)
			ioh_rangeset_free(s->units[i].devices[j].writable);
		free(s->units[i].devices);
	}
	free(s->units);
	free(s->rejected);
	free(s);
}

IOH_EXPORT size_t ioh_scan_nunits(const ioh_scan *s)
{
	return s->nunits;
}

IOH_EXPORT const struct ioh_scan_unit *ioh_scan_unit(const ioh_scan *s, size_t i)
{
	return i < s->nunits ? &s->units[i] : NULL;
}

IOH_EXPORT bool ioh_scan_truncated(const ioh_scan *s)
{
	return s->truncated;
}

IOH_EXPORT size_t ioh_scan_nrejected(const ioh_scan *s)
{
	return s->nrejected;
}

IOH_EXPORT const struct ioh_root_candidate *ioh_scan_rejected(const ioh_scan *s, size_t i)
{
	return i < s->nrejected ? &s->rejected[i] : NULL;
}

IOH_EXPORT bool ioh_scan_has_problem(const ioh_scan *s)
{
	for (size_t i = 0; i < s->nunits; i++)
		if (s->units[i].torn)
			return true;
	return false;
}

/* ---- writers ---- */

static uint64_t pgtable_of(const struct ioh_scan_device *d)
{
	return d->w.mode == IOH_VTD_SCALABLE ? d->w.sm.pasiddirptr : d->w.slptptr;
}

static void text_problems(FILE *f, const char *indent, const struct ioh_problems *p)
{
	for (unsigned i = 0; i < p->n; i++)
		fprintf(f, "%sproblem: %s: %s\n", indent, p->p[i].field, p->p[i].what);
	if (p->dropped)
		fprintf(f, "%s(%u more problems)\n", indent, p->dropped);
}

static void text_device(FILE *f, const struct ioh_scan_device *d, bool verbose)
{
	char b[IOH_BDF_STRLEN];
	const struct ioh_walk_device *w = &d->w;

	fprintf(f, "  %s  DID %-5u AW %u (%u-level)  %s %-4u %s 0x%llx%s%s", ioh_bdf_str(w->bdf, b),
		w->did, w->aw, ioh_vtd_aw_levels(w->aw), w->mode == IOH_VTD_SCALABLE ? "PGTT" : "TT",
		w->tt, w->mode == IOH_VTD_SCALABLE ? "PASIDDIRPTR" : "SLPTPTR",
		(unsigned long long)pgtable_of(d), w->fpd ? "  FPD" : "",
		w->torn ? "  TORN-LOOKING" : "");
	if (d->writable)
		fprintf(f, "  %llu page(s), %llu writable%s",
			(unsigned long long)d->pg.pages, (unsigned long long)d->pg.writable_pages,
			d->pg.passthrough ? ", pass-through" : "");
	fputc('\n', f);
	if (verbose && d->has_rid_pasid)
		fprintf(f, "      RID_PASID %u: PGTT %s, DID %u, SLPTPTR 0x%llx, FLPTPTR 0x%llx\n",
			d->rid_pasid.pasid, ioh_vtd_pgtt_name(d->rid_pasid.e.pgtt), d->rid_pasid.e.did,
			(unsigned long long)d->rid_pasid.e.slptptr,
			(unsigned long long)d->rid_pasid.e.flptptr);
	text_problems(f, "      ", &w->problems);
	text_problems(f, "      ", &d->pg.problems);
}

IOH_EXPORT void ioh_scan_write_text(const ioh_scan *s, FILE *f, bool verbose)
{
	fprintf(f, "source: %s\n", s->source);
	if (s->truncated)
		fprintf(f, "WARNING: discovery was cut short; other root tables may exist\n");
	if (!s->nunits)
		fprintf(f, "no VT-d root table found\n");
	for (size_t i = 0; i < s->nunits; i++) {
		const struct ioh_scan_unit *u = &s->units[i];

		fprintf(f, "unit%u: root table 0x%llx, %s mode, confidence %s (%s)\n", u->index,
			(unsigned long long)u->root_table, ioh_vtd_mode_name(u->mode), u->confidence,
			u->candidate.evidence);
		text_problems(f, "  ", &u->problems);
		for (size_t j = 0; j < u->ndevices; j++)
			text_device(f, &u->devices[j], verbose);
		if (u->torn)
			fprintf(f, "  %u torn-looking entr%s: P set with an invalid AW or a zero "
				   "pointer\n",
				u->torn, u->torn == 1 ? "y" : "ies");
	}
	for (size_t i = 0; i < s->nrejected; i++)
		fprintf(f, "also found, not used: 0x%llx %s (%s)\n",
			(unsigned long long)s->rejected[i].addr,
			ioh_vtd_mode_name(s->rejected[i].mode), s->rejected[i].evidence);
}

static void json_device(struct ioh_json *j, const struct ioh_scan_device *d)
{
	const struct ioh_walk_device *w = &d->w;
	char b[IOH_BDF_STRLEN];

	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "bdf", ioh_bdf_str(w->bdf, b));
	ioh_json_khex(j, "entry", w->addr);
	ioh_json_kbool(j, "present", w->present);
	ioh_json_kbool(j, "torn", w->torn);
	ioh_json_kbool(j, "fpd", w->fpd);
	ioh_json_ku64(j, "did", w->did);
	ioh_json_ku64(j, "aw", w->aw);
	ioh_json_ku64(j, "tt", w->tt);
	if (w->mode == IOH_VTD_SCALABLE) {
		ioh_json_khex(j, "pasiddirptr", w->sm.pasiddirptr);
		ioh_json_ku64(j, "pdts", w->sm.pdts);
		ioh_json_ku64(j, "pasids", d->npasids);
		if (d->has_rid_pasid) {
			ioh_json_key(j, "rid_pasid");
			ioh_json_obj_begin(j);
			ioh_json_ku64(j, "pasid", d->rid_pasid.pasid);
			ioh_json_kstr(j, "pgtt", ioh_vtd_pgtt_name(d->rid_pasid.e.pgtt));
			ioh_json_ku64(j, "did", d->rid_pasid.e.did);
			ioh_json_khex(j, "slptptr", d->rid_pasid.e.slptptr);
			ioh_json_khex(j, "flptptr", d->rid_pasid.e.flptptr);
			ioh_json_obj_end(j);
		}
	}
	ioh_json_khex(j, "slptptr", w->slptptr);
	if (d->writable) {
		ioh_json_ku64(j, "pages", d->pg.pages);
		ioh_json_ku64(j, "writable_pages", d->pg.writable_pages);
		ioh_json_ku64(j, "ranges", d->pg.ranges);
		ioh_json_kbool(j, "passthrough", d->pg.passthrough);
	}
	ioh_json_kproblems(j, "problems", &w->problems, &d->pg.problems);
	ioh_json_obj_end(j);
}

IOH_EXPORT void ioh_scan_write_json(const ioh_scan *s, FILE *f)
{
	struct ioh_json j;

	ioh_json_init(&j, f, true);
	ioh_json_obj_begin(&j);
	ioh_json_kstr(&j, "schema", "iommu-handover.scan/1");
	ioh_json_kstr(&j, "source", s->source);
	ioh_json_kbool(&j, "truncated", s->truncated);
	ioh_json_kbool(&j, "problem", ioh_scan_has_problem(s));
	ioh_json_key(&j, "units");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < s->nunits; i++) {
		const struct ioh_scan_unit *u = &s->units[i];

		ioh_json_obj_begin(&j);
		ioh_json_khex(&j, "root_table", u->root_table);
		ioh_json_kstr(&j, "mode", ioh_vtd_mode_name(u->mode));
		ioh_json_kstr(&j, "confidence", u->confidence);
		ioh_json_kstr(&j, "evidence", u->candidate.evidence);
		ioh_json_ku64(&j, "torn", u->torn);
		ioh_json_kproblems(&j, "problems", &u->problems, NULL);
		ioh_json_key(&j, "devices");
		ioh_json_arr_begin(&j);
		for (size_t k = 0; k < u->ndevices; k++)
			json_device(&j, &u->devices[k]);
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "rejected");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < s->nrejected; i++) {
		ioh_json_obj_begin(&j);
		ioh_json_khex(&j, "root_table", s->rejected[i].addr);
		ioh_json_kstr(&j, "mode", ioh_vtd_mode_name(s->rejected[i].mode));
		ioh_json_kstr(&j, "evidence", s->rejected[i].evidence);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}
