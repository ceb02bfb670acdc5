/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SVG timeline of a handover run (docs/timeline.md).
 *
 * Three passes over the events: a survey (time span, crash, each device's
 * teardown, what is worth drawing one by one), the background (every event
 * not drawn alone, summed per lane into 4-pixel buckets), then the events
 * drawn alone on top. Time runs through a piecewise-linear scale: the
 * engine's labelled steps and the first torn/stale fetches get a zoomed
 * stretch, the rest of the run shares what is left. The file size is kept
 * under the bound by caps on what is drawn alone and a byte budget.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/picture.h>
#include <ioh/vtd.h>

#include "internal.h"

#define WIDTH 1400
#define LEFT 200		/* lane label column */
#define PLOT_W (WIDTH - LEFT - 20)
#define HEAD_H 84		/* title, subtitle, summary, legend */
#define LABEL_H 96		/* room for the slanted step labels above the CPU lane */
#define LANE_H 30
#define FOOT_H 56
#define BUCKET_PX 4
#define MAX_WIN 48
#define MAX_LABELLED 3		/* teardown sequences whose steps are labelled */
#define MAX_ZOOM_NOTABLE 4	/* torn/stale events given a zoomed stretch */
#define ZOOM_PX 26.0		/* widest a zoomed step gets */
#define MAX_ALONE 1500		/* events drawn one by one, in all */
#define MAX_ALONE_LANE_CLS 60	/* ... per lane and class */
#define MAX_DEVICES 256
#define MAX_IOMMUS 8

/* Classes, least to most alarming: a bar takes the colour of its worst. */
enum cls {
	C_CPU,
	C_INV,
	C_CACHE,
	C_FETCH,
	C_XLATE,
	C_DMA,
	C_MARK,
	C_INFLIGHT,
	C_FAULT,
	C_AFTER_TD,
	C_STALE,
	C_TORN,
	C__N
};

static const char *const cls_css[C__N] = {
	[C_CPU] = "cpu",	 [C_INV] = "inv",	  [C_CACHE] = "cache",
	[C_FETCH] = "fetch",	 [C_XLATE] = "xlate",	  [C_DMA] = "dma",
	[C_MARK] = "mark",	 [C_INFLIGHT] = "in-flight", [C_FAULT] = "fault",
	[C_AFTER_TD] = "in-flight after-teardown", [C_STALE] = "stale", [C_TORN] = "torn",
};

static const char *const cls_legend[C__N] = {
	[C_CPU] = "store/barrier/flush", [C_INV] = "invalidation/wait", [C_CACHE] = "cache hit",
	[C_FETCH] = "entry fetch",	 [C_XLATE] = "translated",	 [C_DMA] = "DMA",
	[C_MARK] = "engine marker",	 [C_INFLIGHT] = "DMA after crash", [C_FAULT] = "fault",
	[C_AFTER_TD] = "DMA after teardown", [C_STALE] = "stale use",	 [C_TORN] = "torn fetch",
};

struct win {
	uint64_t a, b; /* steps [a, b) */
	bool label;    /* the CPU steps inside are numbered */
};

struct acc {
	long bucket;
	uint32_t count;
	uint32_t by_kind[IOH_EV__COUNT];
	enum cls worst;
	uint64_t ta, tb;
	size_t first;
};

struct tl {
	FILE *f;
	size_t bytes, max;
	bool failed;
	const struct ioh_svg_cfg *cfg;
	const struct ioh_event *ev;
	const struct ioh_event_log *log;
	size_t n;
	uint64_t t0, t1;
	int64_t crash_t, copy_t;
	unsigned n_iommus, n_dev, n_lanes;
	int16_t *sidmap;	 /* sid -> device index, -1 */
	int64_t *td_done;	 /* per device: first teardown-done step, -1 */
	uint64_t *inflight, *after_td, *torn, *stale, *faults;
	uint8_t *alone;		 /* bitmap: drawn one by one */
	uint64_t n_torn, n_stale, n_alone, omitted_alone, omitted_bars;
	struct win win[MAX_WIN];
	unsigned nwin;
	double zoom, dull;
};

static const struct ioh_event *get(const struct tl *w, size_t i)
{
	return w->ev ? &w->ev[i] : ioh_event_log_get(w->log, i);
}

static void out(struct tl *w, const char *fmt, ...) IOH_PRINTF(2, 3);
static void out(struct tl *w, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(w->f, fmt, ap);
	va_end(ap);
	if (r < 0)
		w->failed = true;
	else
		w->bytes += (size_t)r;
}

/* Text for element content and attribute values; at most max source bytes. */
static void esc(struct tl *w, const char *s, size_t max)
{
	for (size_t i = 0; s && s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': out(w, "&amp;"); break;
		case '<': out(w, "&lt;"); break;
		case '>': out(w, "&gt;"); break;
		case '"': out(w, "&quot;"); break;
		case '\'': out(w, "&#39;"); break;
		default:
			/* Control bytes are not allowed in XML 1.0 at all. */
			if (c < 0x20 && c != '\t' && c != '\n')
				out(w, "?");
			else if (putc(c, w->f) == EOF)
				w->failed = true;
			else
				w->bytes++;
		}
	}
}

/* ---- lanes ---- */

static int dev_of_sid(const struct tl *w, uint16_t sid)
{
	return w->sidmap[sid];
}

static unsigned lane_dev(const struct tl *w, unsigned d)
{
	return 1 + w->n_iommus + d;
}

static int lane_of(const struct tl *w, const struct ioh_event *e)
{
	int d;

	switch (e->lane) {
	case IOH_LANE_CPU:
		return 0;
	case IOH_LANE_IOMMU:
		/* What happened to a device's request belongs on the device's row. */
		if (e->kind == IOH_EV_TRANSLATE || e->kind == IOH_EV_FAULT ||
		    e->kind == IOH_EV_FAULT_LOST || e->kind == IOH_EV_STALE) {
			d = dev_of_sid(w, e->sid);
			if (d >= 0)
				return (int)lane_dev(w, (unsigned)d);
		}
		return 1 + (int)(e->lane_id < w->n_iommus ? e->lane_id : w->n_iommus - 1);
	case IOH_LANE_DEVICE:
		if (e->lane_id < w->n_dev)
			return (int)lane_dev(w, e->lane_id);
		d = dev_of_sid(w, e->sid);
		return d >= 0 ? (int)lane_dev(w, (unsigned)d) : -1;
	}
	return -1;
}

static int lane_y(unsigned lane)
{
	return HEAD_H + LABEL_H + (int)lane * LANE_H;
}

static int dev_of_event(const struct tl *w, const struct ioh_event *e)
{
	if (e->lane == IOH_LANE_DEVICE && e->lane_id < w->n_dev)
		return (int)e->lane_id;
	return dev_of_sid(w, e->sid);
}

static enum cls cls_of(const struct tl *w, const struct ioh_event *e)
{
	int d;

	switch (e->kind) {
	case IOH_EV_TORN:
		return C_TORN;
	case IOH_EV_STALE:
		return C_STALE;
	case IOH_EV_FAULT:
	case IOH_EV_FAULT_LOST:
		return C_FAULT;
	case IOH_EV_DMA:
		if (w->crash_t < 0 || e->t <= (uint64_t)w->crash_t)
			return C_DMA;
		d = dev_of_event(w, e);
		if (d >= 0 && w->td_done[d] >= 0 && e->t > (uint64_t)w->td_done[d])
			return C_AFTER_TD;
		return C_INFLIGHT;
	case IOH_EV_TRANSLATE:
		return C_XLATE;
	case IOH_EV_FETCH_HALF:
	case IOH_EV_FETCH:
		return C_FETCH;
	case IOH_EV_CACHE_HIT:
		return C_CACHE;
	case IOH_EV_INV_CONTEXT:
	case IOH_EV_INV_PASID:
	case IOH_EV_INV_IOTLB:
	case IOH_EV_INV_DEVTLB:
	case IOH_EV_WAIT:
	case IOH_EV_WAIT_DONE:
		return C_INV;
	case IOH_EV_WRITE:
	case IOH_EV_WMB:
	case IOH_EV_CLFLUSH:
		return C_CPU;
	default:
		return C_MARK;
	}
}

/* ---- the time scale ---- */

static double x_of(const struct tl *w, uint64_t t)
{
	double x = LEFT;
	uint64_t prev = w->t0;

	for (unsigned i = 0; i < w->nwin; i++) {
		const struct win *v = &w->win[i];

		if (t < v->a)
			return x + (double)(t - prev) * w->dull;
		x += (double)(v->a - prev) * w->dull;
		if (t < v->b)
			return x + (double)(t - v->a) * w->zoom;
		x += (double)(v->b - v->a) * w->zoom;
		prev = v->b;
	}
	return x + (double)(t - prev) * w->dull;
}

static double step_w(const struct tl *w, uint64_t t)
{
	return x_of(w, t + 1) - x_of(w, t);
}

static void add_win(struct tl *w, uint64_t a, uint64_t b, bool label)
{
	if (w->nwin == MAX_WIN || w->t1 > UINT64_MAX - 8) /* no zoom on an absurd log */
		return;
	a = a < w->t0 + 2 ? w->t0 : a - 2;
	b = b + 3 > w->t1 + 1 ? w->t1 + 1 : b + 3;
	w->win[w->nwin++] = (struct win){ a, b, label };
}

static int win_cmp(const void *pa, const void *pb)
{
	const struct win *a = pa, *b = pb;

	return a->a < b->a ? -1 : a->a > b->a;
}

static void build_scale(struct tl *w)
{
	/* A hostile log may span all of uint64_t; one step less changes nothing drawn. */
	uint64_t span = w->t1 - w->t0 + (w->t1 - w->t0 < UINT64_MAX), zoomed = 0;
	unsigned k = 0;

	qsort(w->win, w->nwin, sizeof(w->win[0]), win_cmp);
	for (unsigned i = 0; i < w->nwin; i++) {
		if (k && w->win[i].a <= w->win[k - 1].b) {
			if (w->win[i].b > w->win[k - 1].b)
				w->win[k - 1].b = w->win[i].b;
			w->win[k - 1].label |= w->win[i].label;
			continue;
		}
		w->win[k++] = w->win[i];
	}
	w->nwin = k;
	for (unsigned i = 0; i < w->nwin; i++)
		zoomed += w->win[i].b - w->win[i].a;
	/* Zooming pays only when the rest of the run is much longer. */
	if (!zoomed || zoomed * 4 > span) {
		w->nwin = 0;
		w->dull = w->zoom = (double)PLOT_W / (double)span;
		return;
	}
	w->zoom = 0.6 * PLOT_W / (double)zoomed;
	if (w->zoom > ZOOM_PX)
		w->zoom = ZOOM_PX;
	w->dull = ((double)PLOT_W - w->zoom * (double)zoomed) / (double)(span - zoomed);
	if (w->dull > w->zoom)
		w->dull = w->zoom = (double)PLOT_W / (double)span;
}

static bool in_label_win(const struct tl *w, uint64_t t)
{
	for (unsigned i = 0; i < w->nwin; i++)
		if (w->win[i].label && t >= w->win[i].a && t < w->win[i].b)
			return true;
	return false;
}

/* ---- survey ---- */

static void set_alone(struct tl *w, size_t i)
{
	w->alone[i / 8] |= (uint8_t)(1u << (i % 8));
	w->n_alone++;
}

static bool is_alone(const struct tl *w, size_t i)
{
	return w->alone[i / 8] & (1u << (i % 8));
}

static void survey_times(struct tl *w)
{
	unsigned labelled = 0, zoomed_notable = 0;
	int64_t open_td[MAX_LABELLED];
	uint16_t open_sid[MAX_LABELLED];

	w->t0 = UINT64_MAX;
	w->t1 = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct ioh_event *e = get(w, i);
		int d = dev_of_sid(w, e->sid);

		if (e->t < w->t0)
			w->t0 = e->t;
		if (e->t > w->t1)
			w->t1 = e->t;
		if (e->kind == IOH_EV_CRASH && w->crash_t < 0)
			w->crash_t = (int64_t)e->t;
		if (e->kind == IOH_EV_SRTP && w->copy_t < 0)
			w->copy_t = (int64_t)e->t;
		if (e->kind == IOH_EV_TEARDOWN_DONE && d >= 0 && w->td_done[d] < 0)
			w->td_done[d] = (int64_t)e->t;
		if ((e->lane == IOH_LANE_CPU || e->lane == IOH_LANE_IOMMU) &&
		    e->lane_id + 1 > w->n_iommus && !w->cfg->n_iommus)
			w->n_iommus = e->lane_id + 1 > MAX_IOMMUS ? MAX_IOMMUS : e->lane_id + 1;
		if (e->kind == IOH_EV_TORN)
			w->n_torn++;
		if (e->kind == IOH_EV_STALE)
			w->n_stale++;
	}
	if (!w->n_iommus)
		w->n_iommus = 1;
	/* Second sweep for the windows: teardown sequences, the copy step, torn/stale. */
	for (size_t i = 0; i < w->n; i++) {
		const struct ioh_event *e = get(w, i);

		if (e->kind == IOH_EV_TEARDOWN && labelled < MAX_LABELLED) {
			open_td[labelled] = (int64_t)e->t;
			open_sid[labelled++] = e->sid;
		} else if (e->kind == IOH_EV_PUBLISH || e->kind == IOH_EV_TEARDOWN_DONE) {
			for (unsigned k = 0; k < labelled; k++)
				if (open_sid[k] == e->sid && open_td[k] >= 0) {
					uint64_t a = (uint64_t)open_td[k];

					/* Set-up follows teardown-done: keep the window open for it. */
					if (e->kind == IOH_EV_PUBLISH || e->t - a > 200)
						open_td[k] = -1;
					add_win(w, a, e->t, true);
				}
		} else if (e->kind == IOH_EV_SRTP && (int64_t)e->t == w->copy_t) {
			add_win(w, e->t, e->t + 8, true);
		} else if ((e->kind == IOH_EV_TORN || e->kind == IOH_EV_STALE) &&
			   zoomed_notable < MAX_ZOOM_NOTABLE) {
			zoomed_notable++;
			add_win(w, e->t > 6 ? e->t - 6 : 0, e->t, false);
		}
	}
	build_scale(w);
}

/* Which events are drawn one by one, and device facts for the lane labels. */
static void survey_alone(struct tl *w)
{
	uint16_t per[MAX_DEVICES + 1 + MAX_IOMMUS][C__N];
	uint64_t labelled_marks = 0;

	memset(per, 0, sizeof(per));
	for (size_t i = 0; i < w->n; i++) {
		const struct ioh_event *e = get(w, i);
		int lane = lane_of(w, e), d = dev_of_event(w, e);
		enum cls c = cls_of(w, e);
		bool want = false;

		if (lane < 0)
			continue;
		if (d >= 0) {
			if (c == C_INFLIGHT || c == C_AFTER_TD)
				w->inflight[d]++;
			if (c == C_AFTER_TD)
				w->after_td[d]++;
			if (c == C_TORN)
				w->torn[d]++;
			if (c == C_STALE)
				w->stale[d]++;
			if (c == C_FAULT)
				w->faults[d]++;
		}
		if (c >= C_INFLIGHT)
			want = per[lane][c] < (c == C_INFLIGHT ? 1 : MAX_ALONE_LANE_CLS);
		else if (e->lane == IOH_LANE_CPU && in_label_win(w, e->t))
			want = true;
		else if (c == C_MARK && e->kind != IOH_EV_COPIED && e->kind != IOH_EV_FAULT_SERVICE)
			want = labelled_marks++ < 64;
		if (want && w->n_alone < MAX_ALONE) {
			per[lane][c]++;
			set_alone(w, i);
		} else if (want) {
			w->omitted_alone++;
		}
	}
}

/* ---- drawing ---- */

static void title_event(struct tl *w, size_t i, const struct ioh_event *e)
{
	char buf[256];

	out(w, "<title>#%zu ", i);
	esc(w, ioh_event_format(e, buf, sizeof(buf)), sizeof(buf));
	if (e->kind == IOH_EV_FAULT || e->kind == IOH_EV_FAULT_LOST) {
		const struct ioh_fault_reason *fr = ioh_fault_reason(e->reason);

		out(w, " (");
		esc(w, fr ? fr->name : "unknown reason", 120);
		out(w, ")");
	}
	out(w, "</title>");
}

static void flush_acc(struct tl *w, unsigned lane, struct acc *a)
{
	int y = lane_y(lane);
	double x;

	if (!a->count)
		return;
	x = LEFT + (double)a->bucket * BUCKET_PX;
	if (a->count == 1 && w->bytes < w->max * 45 / 100) {
		const struct ioh_event *e = get(w, a->first);
		double sw = step_w(w, e->t);

		if (sw < 2)
			sw = 2;
		out(w, "<rect class=\"ev %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">",
		    cls_css[a->worst], x_of(w, e->t), y + 8, sw > 3 ? sw - 1 : sw, LANE_H - 16);
		title_event(w, a->first, e);
		out(w, "</rect>\n");
		if (e->kind == IOH_EV_FETCH_HALF && sw >= 12)
			out(w, "<text class=\"tiny\" x=\"%.1f\" y=\"%d\">%s</text>\n", x_of(w, e->t),
			    y + LANE_H - 1, e->half == 1 ? "hi" : "lo");
	} else if (w->bytes < w->max * 60 / 100) {
		unsigned h = a->count < 4 ? 8 : a->count < 64 ? 14 : 20;
		const char *sep = "";

		out(w, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%u\" width=\"%d\" height=\"%u\">"
		       "<title>t=%" PRIu64 "..%" PRIu64 ": %" PRIu32 " events:",
		    cls_css[a->worst], x, (unsigned)y + (LANE_H - h) / 2, BUCKET_PX, h, a->ta, a->tb,
		    a->count);
		for (unsigned k = 0; k < IOH_EV__COUNT; k++)
			if (a->by_kind[k]) {
				out(w, "%s %" PRIu32 " %s", sep, a->by_kind[k],
				    ioh_event_kind_name((enum ioh_event_kind)k));
				sep = ",";
			}
		out(w, "</title></rect>\n");
	} else {
		w->omitted_bars++;
	}
	memset(a, 0, sizeof(*a));
	a->bucket = -1;
}

static void draw_background(struct tl *w)
{
	struct acc *acc = calloc(w->n_lanes, sizeof(*acc));

	if (!acc) {
		w->failed = true;
		return;
	}
	for (unsigned l = 0; l < w->n_lanes; l++)
		acc[l].bucket = -1;
	for (size_t i = 0; i < w->n; i++) {
		const struct ioh_event *e = get(w, i);
		int lane = lane_of(w, e);
		struct acc *a;
		enum cls c;
		long b;

		if (lane < 0 || is_alone(w, i))
			continue;
		a = &acc[lane];
		b = (long)((x_of(w, e->t) - LEFT) / BUCKET_PX);
		if (b != a->bucket)
			flush_acc(w, (unsigned)lane, a);
		if (!a->count) {
			a->bucket = b;
			a->ta = e->t;
			a->first = i;
		}
		c = cls_of(w, e);
		if (c > a->worst)
			a->worst = c;
		a->count++;
		a->by_kind[e->kind < IOH_EV__COUNT ? e->kind : 0]++;
		a->tb = e->t;
	}
	for (unsigned l = 0; l < w->n_lanes; l++)
		flush_acc(w, l, &acc[l]);
	free(acc);
}

static const char *cpu_step_name(const struct ioh_event *e, bool setup, char *buf, size_t len)
{
	const uint64_t p = 1; /* context entry bit 0: Present */

	switch (e->kind) {
	case IOH_EV_WRITE:
		if (e->half == 0 && e->val[0] == 0)
			return "zero lo";
		if (e->half == 1 && e->val[0] == 0)
			return "zero hi";
		if (e->half == 0 && !(e->val[0] & p))
			return setup ? "set lo, P=0" : "clear P";
		if (e->half == 0)
			return "set lo+P";
		return "set hi";
	case IOH_EV_WMB:
		return "wmb";
	case IOH_EV_CLFLUSH:
		return "clflush";
	case IOH_EV_INV_CONTEXT:
		return "inv context";
	case IOH_EV_INV_PASID:
		return "inv PASID";
	case IOH_EV_INV_IOTLB:
		return "inv IOTLB";
	case IOH_EV_INV_DEVTLB:
		return "inv dev-TLB";
	case IOH_EV_WAIT:
		return "wait";
	case IOH_EV_WAIT_DONE:
		return "wait done";
	default:
		snprintf(buf, len, "%s", ioh_event_kind_name(e->kind));
		return buf;
	}
}

static void dev_name(const struct tl *w, int d, char *buf, size_t len)
{
	char bdf[IOH_BDF_STRLEN];

	if (d < 0) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%.40s %s", w->cfg->devices[d].name ? w->cfg->devices[d].name : "",
		 ioh_bdf_str(w->cfg->devices[d].bdf, bdf));
}

/* The label next to an event drawn alone, or NULL. */
static const char *alone_label(struct tl *w, const struct ioh_event *e, enum cls c, int lane,
			       unsigned *step, bool *setup, uint8_t (*labelled)[C__N], char *buf,
			       size_t len)
{
	char nm[64], tmp[32];
	int d = dev_of_event(w, e);
	const struct ioh_fault_reason *fr;

	if (e->lane == IOH_LANE_CPU) {
		if (e->kind == IOH_EV_TEARDOWN_DONE || e->kind == IOH_EV_SRTP)
			*setup = true;
		if (e->kind == IOH_EV_TEARDOWN) {
			*step = 0;
			*setup = false;
			dev_name(w, d, nm, sizeof(nm));
			snprintf(buf, len, "teardown %s", nm);
			return buf;
		}
		if (e->kind == IOH_EV_SRTP)
			*step = 0;
		if (e->kind == IOH_EV_CRASH || e->kind == IOH_EV_SRTP ||
		    e->kind == IOH_EV_TEARDOWN_DONE || e->kind == IOH_EV_PUBLISH) {
			snprintf(buf, len, "%s", e->kind == IOH_EV_CRASH ? "crash"
						 : e->kind == IOH_EV_SRTP ? "copy: SRTP"
						 : e->kind == IOH_EV_PUBLISH ? "published"
									      : "torn down");
			return buf;
		}
		snprintf(buf, len, "%u %s", ++*step, cpu_step_name(e, *setup, tmp, sizeof(tmp)));
		return buf;
	}
	if (labelled[lane][c] || c < C_INFLIGHT)
		return NULL;
	labelled[lane][c] = 1;
	switch (c) {
	case C_TORN:
		dev_name(w, d, nm, sizeof(nm));
		snprintf(buf, len, "TORN FETCH %s lo=%#" PRIx64 " hi=%#" PRIx64, nm, e->val[0],
			 e->val[1]);
		return buf;
	case C_STALE:
		return "STALE USE after teardown";
	case C_AFTER_TD:
		return "DMA AFTER TEARDOWN";
	case C_INFLIGHT:
		return "in-flight DMA";
	case C_FAULT:
		fr = ioh_fault_reason(e->reason);
		snprintf(buf, len, "fault %#04x %.60s", e->reason, fr ? fr->name : "unknown");
		return buf;
	default:
		return NULL;
	}
}

/*
 * A slanted step label above the CPU lane. Labels closer than a line apart
 * would print over each other: they are pushed right, with a leader to
 * their mark; one pushed past the frame is left out (its tooltip remains).
 */
static void step_label(struct tl *w, const char *label, double mx, int y, double *last)
{
	double lx = mx < *last + 11 ? *last + 11 : mx;

	if (lx > LEFT + PLOT_W - 40)
		return;
	*last = lx;
	if (lx - mx > 1)
		out(w, "<path class=\"lead\" d=\"M%.1f %dL%.1f %d\"/>", lx, y - 2, mx, y + 5);
	out(w, "<text class=\"step\" transform=\"translate(%.1f %d) rotate(-50)\">", lx, y - 3);
	esc(w, label, 120);
	out(w, "</text>");
}

static void draw_alone(struct tl *w)
{
	uint8_t (*labelled)[C__N] = calloc(w->n_lanes, sizeof(*labelled));
	unsigned step = 0;
	bool setup = true;
	double last_step_x = -100;
	char buf[160];

	if (!labelled) {
		w->failed = true;
		return;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct ioh_event *e;
		const char *label;
		enum cls c;
		double x, sw;
		int lane, y;

		if (!is_alone(w, i))
			continue;
		if (w->bytes + 8192 > w->max) {
			w->omitted_alone++;
			continue;
		}
		e = get(w, i);
		lane = lane_of(w, e);
		c = cls_of(w, e);
		if ((unsigned)c >= C__N) /* unreachable; tells the compiler */
			c = C_MARK;
		x = x_of(w, e->t);
		sw = step_w(w, e->t);
		y = lane_y((unsigned)lane);
		label = alone_label(w, e, c, lane, &step, &setup, labelled, buf, sizeof(buf));
		out(w, "<g class=\"ev %s\">", cls_css[c]);
		if (c >= C_INFLIGHT)
			out(w, "<path d=\"M%.1f %dl6 9-6 9-6-9z\"/>", x + (sw > 2 ? sw / 2 : 1),
			    y + LANE_H / 2 - 9);
		else
			out(w, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>", x, y + 5,
			    sw > 3 ? sw - 1 : 2.0, LANE_H - 10);
		title_event(w, i, e);
		if (label && lane == 0) {
			step_label(w, label, x + (sw > 3 ? sw / 2 : 1), y, &last_step_x);
		} else if (label) {
			bool right = x > LEFT + PLOT_W - 260; /* keep the text inside the frame */

			out(w, "<text class=\"note\" x=\"%.1f\" y=\"%d\"%s>", right ? x - 8 : x + 8,
			    y + (c == C_FAULT ? LANE_H - 3 : 11),
			    right ? " text-anchor=\"end\"" : "");
			esc(w, label, 120);
			out(w, "</text>");
		}
		out(w, "</g>\n");
	}
	free(labelled);
}

/* ---- frame: header, lanes, axis, markers, footer ---- */

static void draw_header(struct tl *w, int height)
{
	unsigned devs_in_flight = 0;

	for (unsigned d = 0; d < w->n_dev; d++)
		devs_in_flight += w->inflight[d] > 0;
	out(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	       "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
	    WIDTH, height, WIDTH, height);
	out(w, "<style>\n"
	       "text{font-size:12px;fill:#222}\n"
	       ".h1{font-size:17px;font-weight:bold}.sub{fill:#555}.tiny{font-size:8px;fill:#444}\n"
	       ".step{font-size:10px}.lead{stroke:#999;stroke-width:.6;fill:none}.note{font-size:11px;font-weight:bold}\n"
	       ".lane{fill:#f7f7f7}.lane.alt{fill:#eeeeee}.zoom{fill:#fff7d6}\n"
	       ".window{fill:#ffe3c4;opacity:.55}.axis{stroke:#888}.vline{stroke-width:1.5}\n"
	       ".crash{stroke:#b00}.copy{stroke:#06c}.tdline{stroke:#444;stroke-dasharray:3 2}\n"
	       ".cpu{fill:#444}.inv{fill:#8c6bb1}.cache{fill:#a6d96a}.fetch{fill:#1a9850}\n"
	       ".xlate{fill:#74add1}.dma{fill:#4575b4}.mark{fill:#000}\n"
	       ".in-flight{fill:#f4a81d}.fault{fill:#c51b7d}.after-teardown{fill:#e6550d}\n"
	       ".stale{fill:#7b3294}.torn{fill:#d7191c}\n"
	       ".bar{opacity:.8}\n"
	       "g.ev.torn text,g.ev.stale text,g.ev.after-teardown text{fill:#b00}\n"
	       "text.lname.in-flight{fill:#c04000;font-weight:bold}\n"
	       "</style>\n");
	out(w, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", WIDTH, height);
	out(w, "<text class=\"h1\" x=\"10\" y=\"22\">");
	esc(w, w->cfg->title ? w->cfg->title : "iommu-handover timeline", 300);
	out(w, "</text>\n<text class=\"sub\" x=\"10\" y=\"40\">");
	esc(w, w->cfg->subtitle ? w->cfg->subtitle : "", 300);
	out(w, "</text>\n");
	out(w, "<text x=\"10\" y=\"58\"><tspan class=\"%s\">torn fetches: %" PRIu64 "</tspan>, "
	       "<tspan>stale uses: %" PRIu64 "</tspan>, devices with DMA after the crash: %u; "
	       "%zu events, %" PRIu64 " drawn one by one, the rest summed in %d-px bars "
	       "(counts in their tooltips)%s</text>\n",
	    w->n_torn ? "note" : "sub", w->n_torn, w->n_stale, devs_in_flight, w->n, w->n_alone,
	    BUCKET_PX, w->nwin ? "; shaded stretches are zoomed" : "");
	for (unsigned c = 0; c < C__N; c++) {
		int x = 10 + (int)c * 114;

		out(w, "<rect class=\"%s\" x=\"%d\" y=\"68\" width=\"10\" height=\"10\"/>"
		       "<text x=\"%d\" y=\"77\" style=\"font-size:10px\">%s</text>\n",
		    cls_css[c], x, x + 13, cls_legend[c]);
	}
}

static void draw_lanes(struct tl *w)
{
	char nm[64];
	int top = lane_y(0), bottom = lane_y(w->n_lanes);

	for (unsigned i = 0; i < w->nwin; i++)
		out(w, "<rect class=\"zoom\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\"/>\n",
		    x_of(w, w->win[i].a), top - 12, x_of(w, w->win[i].b) - x_of(w, w->win[i].a),
		    bottom - top + 12);
	for (unsigned l = 0; l < w->n_lanes; l++) {
		int y = lane_y(l);
		unsigned d = l - 1 - w->n_iommus;

		out(w, "<rect class=\"lane%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		       "opacity=\".6\"/>\n",
		    l % 2 ? " alt" : "", LEFT, y + 1, PLOT_W, LANE_H - 2);
		if (l == 0) {
			out(w, "<text class=\"lname\" x=\"8\" y=\"%d\">CPU (capture kernel)</text>\n",
			    y + 19);
			continue;
		}
		if (l <= w->n_iommus) {
			out(w, "<text class=\"lname\" x=\"8\" y=\"%d\">IOMMU %u (fetches, caches)</text>\n",
			    y + 19, l - 1);
			continue;
		}
		/* The device's stretch under the copied entry: copy step to its teardown. */
		if (w->copy_t >= 0) {
			double a = x_of(w, (uint64_t)w->copy_t);
			double b = w->td_done[d] >= 0 ? x_of(w, (uint64_t)w->td_done[d])
						      : LEFT + PLOT_W;

			if (b > a)
				out(w, "<rect class=\"window\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
				       "height=\"%d\"><title>under the copied entry</title></rect>\n",
				    a, y + 1, b - a, LANE_H - 2);
			if (w->td_done[d] >= 0)
				out(w, "<line class=\"tdline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
				       "y2=\"%d\"/>\n", b, b, y, y + LANE_H);
		}
		dev_name(w, (int)d, nm, sizeof(nm));
		out(w, "<text class=\"lname%s\" x=\"8\" y=\"%d\">",
		    w->inflight[d] ? " in-flight" : "", y + 19);
		esc(w, nm, sizeof(nm));
		if (w->inflight[d])
			out(w, " IN-FLIGHT");
		out(w, "<title>");
		esc(w, nm, sizeof(nm));
		out(w, ": %" PRIu64 " DMA after the crash, %" PRIu64 " after its teardown, %" PRIu64
		       " torn fetches, %" PRIu64 " stale uses, %" PRIu64 " faults</title></text>\n",
		    w->inflight[d], w->after_td[d], w->torn[d], w->stale[d], w->faults[d]);
	}
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

static void draw_axis(struct tl *w)
{
	int y = lane_y(w->n_lanes);
	double last = -1e9;
	uint64_t cand[11 + 2 * MAX_WIN];
	unsigned nc = 0;

	out(w, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n", LEFT,
	    LEFT + PLOT_W, y + 2, y + 2);
	for (unsigned i = 0; i < w->nwin; i++)
		cand[nc++] = w->win[i].a;
	for (unsigned k = 0; k <= 10; k++)
		cand[nc++] = w->t0 + (w->t1 - w->t0) / 10 * k;
	qsort(cand, nc, sizeof(cand[0]), u64_cmp);
	for (unsigned k = 0; k < nc; k++) {
		double x = x_of(w, cand[k]);

		if (x < last + 70)
			continue;
		last = x;
		out(w, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
		       "<text x=\"%.1f\" y=\"%d\" style=\"font-size:10px\">%" PRIu64 "</text>\n",
		    x, x, y + 2, y + 7, x - 4, y + 18, cand[k]);
	}
	out(w, "<text x=\"8\" y=\"%d\" style=\"font-size:10px\">step (time runs left to right)"
	       "</text>\n", y + 18);
	if (w->crash_t >= 0) {
		double x = x_of(w, (uint64_t)w->crash_t);

		out(w, "<line class=\"vline crash\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
		       "<text x=\"%.1f\" y=\"%d\" style=\"fill:#b00\">crash</text>\n",
		    x, x, lane_y(0) - 10, y, x + 3, lane_y(0) - 30);
	}
	if (w->copy_t >= 0) {
		double x = x_of(w, (uint64_t)w->copy_t);

		out(w, "<line class=\"vline copy\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>\n",
		    x, x, lane_y(1), y);
	}
}

static void draw_footer(struct tl *w)
{
	int y = lane_y(w->n_lanes) + 38;

	out(w, "<text class=\"sub\" x=\"10\" y=\"%d\">", y);
	if (w->cfg->dropped)
		out(w, "%" PRIu64 " more events were not kept by the event log (its bound); ",
		    w->cfg->dropped);
	out(w, "%" PRIu64 " notable events counted in bars instead of drawn alone (caps); "
	       "%" PRIu64 " bars left out to keep the file under %zu bytes.</text>\n",
	    w->omitted_alone, w->omitted_bars, w->max);
	out(w, "</svg>\n");
}

static ioh_status timeline(struct tl *w)
{
	const struct ioh_svg_cfg *cfg = w->cfg;
	ioh_status st = IOH_ERR_NOMEM;
	int height;

	if (!cfg || (cfg->n_devices && !cfg->devices) || cfg->n_iommus > MAX_IOMMUS)
		return IOH_ERR_INVALID;
	w->max = cfg->max_bytes ? cfg->max_bytes : IOH_SVG_MAX_BYTES;
	if (w->max < 512 * 1024) /* the frame of 256 device lanes must fit well inside */
		return IOH_ERR_INVALID;
	w->n_dev = cfg->n_devices > MAX_DEVICES ? MAX_DEVICES : cfg->n_devices;
	w->n_iommus = cfg->n_iommus;
	w->crash_t = w->copy_t = -1;
	w->sidmap = malloc(65536 * sizeof(*w->sidmap));
	w->td_done = malloc((w->n_dev + 1) * sizeof(*w->td_done));
	w->inflight = calloc(5 * (w->n_dev + 1), sizeof(uint64_t));
	w->alone = calloc(w->n / 8 + 1, 1);
	if (!w->sidmap || !w->td_done || !w->inflight || !w->alone)
		goto out;
	w->after_td = w->inflight + (w->n_dev + 1);
	w->torn = w->after_td + (w->n_dev + 1);
	w->stale = w->torn + (w->n_dev + 1);
	w->faults = w->stale + (w->n_dev + 1);
	memset(w->sidmap, 0xff, 65536 * sizeof(*w->sidmap));
	for (unsigned d = w->n_dev; d-- > 0;) {
		w->sidmap[ioh_bdf_sid(cfg->devices[d].bdf)] = (int16_t)d;
		w->td_done[d] = -1;
	}
	if (!w->n) {
		w->t0 = w->t1 = 0;
		w->dull = w->zoom = PLOT_W;
		if (!w->n_iommus)
			w->n_iommus = 1;
	} else {
		survey_times(w);
	}
	w->n_lanes = 1 + w->n_iommus + w->n_dev;
	survey_alone(w);
	height = lane_y(w->n_lanes) + FOOT_H;
	draw_header(w, height);
	draw_lanes(w);
	draw_axis(w);
	draw_background(w);
	draw_alone(w);
	draw_footer(w);
	st = w->failed || fflush(w->f) ? IOH_ERR_SYSTEM : IOH_OK;
out:
	free(w->sidmap);
	free(w->td_done);
	free(w->inflight);
	free(w->alone);
	return st;
}

IOH_EXPORT ioh_status ioh_svg_timeline(FILE *f, const struct ioh_svg_cfg *cfg,
				       const struct ioh_event *ev, size_t n)
{
	struct tl w = { .f = f, .cfg = cfg, .ev = ev, .n = ev ? n : 0 };

	return timeline(&w);
}

IOH_EXPORT ioh_status ioh_svg_timeline_log(FILE *f, const struct ioh_svg_cfg *cfg,
					   const struct ioh_event_log *log)
{
	struct ioh_svg_cfg c;
	struct tl w = { .f = f, .cfg = &c, .log = log, .n = ioh_event_log_count(log) };

	if (!cfg)
		return IOH_ERR_INVALID;
	c = *cfg;
	c.dropped = ioh_event_log_dropped(log);
	return timeline(&w);
}
