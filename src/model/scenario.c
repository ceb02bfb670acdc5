/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files (docs/scenario-format.md): one directive per line,
 * "key=value" options, '#' comments. Every error names file:line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "model-internal.h"

#define SCN_MAX_BYTES (1u << 20)
#define SCN_MAX_LINE 1024
#define SCN_MAX_WORDS 24
#define SCN_MAX_STEPS 2000000ULL
#define SCN_MAX_EXTRA 65536u

static const char default_text[] =
	"# The built-in scenario: a server that panicked with VT-d translating.\n"
	"# A dual-port NIC with two SR-IOV VFs keeps receiving until each driver\n"
	"# resets its function, which happens only after the IOMMU attach; the NVMe\n"
	"# controller finishes its queued I/O; the USB controller polls its schedule\n"
	"# until reset; the GPU is idle. A 2-entry context cache makes the busy\n"
	"# functions miss, so the hardware fetches entries while they are torn down.\n"
	"# Seed 37 is one interleaving in which every unsafe strategy tears.\n"
	"scenario default\n"
	"iommu dmar0 mode=legacy cc=2 iotlb=64 nfr=8\n"
	"device nic0 0000:03:00.0 iommu=dmar0 did=3 rate=300 iova=0xfff00000 len=0x40000 write=100 stop=3300 attach=3000\n"
	"device nic1 0000:03:00.1 iommu=dmar0 did=4 rate=300 iova=0xffe00000 len=0x40000 write=100 stop=3400 attach=3050\n"
	"device vf0 0000:03:10.0 iommu=dmar0 did=7 rate=300 iova=0xffa00000 len=0x40000 write=100 stop=3400 attach=3100\n"
	"device vf1 0000:03:10.1 iommu=dmar0 did=8 rate=300 iova=0xff900000 len=0x40000 write=100 stop=3400 attach=3150\n"
	"device nvme 0000:04:00.0 iommu=dmar0 did=5 rate=80 iova=0xffd00000 len=0x20000 write=40 stop=1800 attach=2200\n"
	"device usb 0000:00:14.0 iommu=dmar0 did=6 rate=40 iova=0xffc00000 len=0x1000 write=10 stop=reset attach=2600\n"
	"device gpu 0000:00:02.0 iommu=dmar0 did=1 rate=0 iova=0xff000000 len=0x10000 stop=crash attach=3500\n"
	"strategy present-first\n"
	"fetch-order lo-hi\n"
	"fetch-latency 4\n"
	"seed 37\n"
	"schedule crash=1000 copy=1500 end=4000\n";

IOH_EXPORT const char *ioh_scenario_default_text(void)
{
	return default_text;
}

struct parser {
	ioh_ctx *ctx;
	const char *file;
	unsigned line;
	struct ioh_scenario *s;
	bool have_schedule;
};

static ioh_status perr(struct parser *p, const char *fmt, ...) IOH_PRINTF(2, 3);
static ioh_status perr(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ioh_err(p->ctx, IOH_ERR_CORRUPT, "%s:%u: %s", p->file, p->line, msg);
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
	char *end;

	if (!v || !*v || *v == '-' || *v == '+' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static ioh_status want_num(struct parser *p, const char *key, const char *v, uint64_t max,
			   uint64_t *out)
{
	if (num(v, max, out))
		return perr(p, "'%s' wants a number from 0 to %llu, got '%s'", key,
			    (unsigned long long)max, v);
	return IOH_OK;
}

static ioh_status want_bool(struct parser *p, const char *key, const char *v, bool *out)
{
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else
		return perr(p, "'%s' wants 0 or 1, got '%s'", key, v);
	return IOH_OK;
}

static ioh_status name_ok(struct parser *p, const char *what, const char *n, size_t max)
{
	if (!*n || strlen(n) >= max)
		return perr(p, "%s name '%s' must be 1-%zu characters", what, n, max - 1);
	for (const char *c = n; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return perr(p, "%s name '%s': only letters, digits, '-' and '_'", what, n);
	return IOH_OK;
}

/* Splits key=value; returns the value or NULL (and an error) if there is no '='. */
static char *kv(struct parser *p, char *w, ioh_status *st)
{
	char *eq = strchr(w, '=');

	if (!eq || eq == w || !eq[1]) {
		*st = perr(p, "expected key=value, got '%s'", w);
		return NULL;
	}
	*eq = 0;
	return eq + 1;
}

struct iommu_opts {
	bool cm, esrtps, coherent, drain, ats;
	uint64_t nfr;
};

static void iommu_regs(struct ioh_scn_iommu *io, const struct iommu_opts *o)
{
	struct ioh_vtd_cap c = { 0 };
	struct ioh_vtd_ecap e = { 0 };

	c.nd = 6;	     /* 65536 domain IDs */
	c.cm = o->cm;
	c.sagaw = 1u << 2;   /* 48-bit, 4-level */
	c.mgaw = 47;
	c.fro = 0x200 / 16;  /* fault records at 0x200 */
	c.nfr = (unsigned)o->nfr - 1;
	c.psi = true;
	c.mamv = 9;
	c.drd = c.dwd = o->drain;
	c.esrtps = o->esrtps;
	e.c = o->coherent;
	e.qi = true;
	e.dt = o->ats;
	e.pt = true;
	e.iro = 0x100 / 16;  /* IOTLB register at 0x108 */
	if (io->mode == IOH_VTD_SCALABLE) {
		e.smts = e.slts = e.pasid = true;
		e.pss = 19;
	}
	io->cap = ioh_vtd_cap_encode(&c);
	io->ecap = ioh_vtd_ecap_encode(&e);
}

static ioh_status do_iommu(struct parser *p, char **w, int n)
{
	struct ioh_scenario *s = p->s;
	struct ioh_scn_iommu *io;
	struct iommu_opts o = { .coherent = true, .drain = true, .ats = true, .nfr = 8 };
	ioh_status st = IOH_OK;
	uint64_t v;

	if (n < 2)
		return perr(p, "'iommu' needs a name");
	if (s->n_iommus == IOH_SCN_MAX_IOMMUS)
		return perr(p, "more than %d IOMMUs", IOH_SCN_MAX_IOMMUS);
	IOH_TRY(name_ok(p, "IOMMU", w[1], sizeof(io->name)));
	for (unsigned i = 0; i < s->n_iommus; i++)
		if (!strcmp(s->iommus[i].name, w[1]))
			return perr(p, "IOMMU '%s' defined twice", w[1]);
	io = &s->iommus[s->n_iommus];
	memset(io, 0, sizeof(*io));
	strcpy(io->name, w[1]);
	io->cc_size = 16;
	io->pc_size = 16;
	io->iotlb_size = 64;
	for (int i = 2; i < n; i++) {
		char *val = kv(p, w[i], &st), *k = w[i];

		if (!val)
			return st;
		if (!strcmp(k, "mode")) {
			if (ioh_vtd_mode_parse(val, &io->mode))
				return perr(p, "mode must be legacy or scalable, got '%s'", val);
		} else if (!strcmp(k, "cm")) {
			IOH_TRY(want_bool(p, k, val, &o.cm));
		} else if (!strcmp(k, "esrtps")) {
			IOH_TRY(want_bool(p, k, val, &o.esrtps));
		} else if (!strcmp(k, "coherent")) {
			IOH_TRY(want_bool(p, k, val, &o.coherent));
		} else if (!strcmp(k, "drain")) {
			IOH_TRY(want_bool(p, k, val, &o.drain));
		} else if (!strcmp(k, "ats")) {
			IOH_TRY(want_bool(p, k, val, &o.ats));
		} else if (!strcmp(k, "nfr")) {
			IOH_TRY(want_num(p, k, val, 256, &o.nfr));
			if (!o.nfr)
				return perr(p, "nfr must be 1-256");
		} else if (!strcmp(k, "cc")) {
			IOH_TRY(want_num(p, k, val, 4096, &v));
			io->cc_size = (unsigned)v;
		} else if (!strcmp(k, "pc")) {
			IOH_TRY(want_num(p, k, val, 4096, &v));
			io->pc_size = (unsigned)v;
		} else if (!strcmp(k, "iotlb")) {
			IOH_TRY(want_num(p, k, val, 65536, &v));
			io->iotlb_size = (unsigned)v;
		} else if (!strcmp(k, "extra")) {
			IOH_TRY(want_num(p, k, val, SCN_MAX_EXTRA, &v));
			io->extra_entries = (unsigned)v;
		} else {
			return perr(p, "unknown iommu option '%s'", k);
		}
	}
	iommu_regs(io, &o);
	s->n_iommus++;
	return IOH_OK;
}

static ioh_status dev_stop(struct parser *p, struct ioh_scn_device *d, const char *v)
{
	if (!strcmp(v, "crash"))
		d->stop = IOH_DMA_STOP_CRASH;
	else if (!strcmp(v, "reset"))
		d->stop = IOH_DMA_STOP_RESET;
	else if (!strcmp(v, "never"))
		d->stop = IOH_DMA_STOP_NEVER;
	else if (!num(v, SCN_MAX_STEPS, &d->stop_at))
		d->stop = IOH_DMA_STOP_AT;
	else
		return perr(p, "stop must be crash, reset, never or a step, got '%s'", v);
	return IOH_OK;
}

static ioh_status dev_opt(struct parser *p, struct ioh_scn_device *d, const char *k,
			  const char *val, bool *have_iommu)
{
	struct ioh_scenario *s = p->s;
	uint64_t v;

	if (!strcmp(k, "iommu")) {
		for (unsigned j = 0; j < s->n_iommus; j++)
			if (!strcmp(s->iommus[j].name, val)) {
				d->iommu = j;
				*have_iommu = true;
				return IOH_OK;
			}
		return perr(p, "unknown IOMMU '%s' (define it with 'iommu' first)", val);
	}
	if (!strcmp(k, "did")) {
		IOH_TRY(want_num(p, k, val, 65535, &v));
		d->did = (uint16_t)v;
	} else if (!strcmp(k, "ats")) {
		IOH_TRY(want_bool(p, k, val, &d->ats));
	} else if (!strcmp(k, "fpd")) {
		IOH_TRY(want_bool(p, k, val, &d->fpd));
	} else if (!strcmp(k, "rate")) {
		IOH_TRY(want_num(p, k, val, 1000, &v));
		d->rate = (unsigned)v;
	} else if (!strcmp(k, "iova")) {
		IOH_TRY(want_num(p, k, val, (1ULL << 48) - 1, &d->iova));
	} else if (!strcmp(k, "len")) {
		IOH_TRY(want_num(p, k, val, 1u << 20, &d->len));
		if (!d->len)
			return perr(p, "len must be 1 to 1 MiB");
	} else if (!strcmp(k, "write")) {
		IOH_TRY(want_num(p, k, val, 100, &v));
		d->write_pct = (unsigned)v;
	} else if (!strcmp(k, "stop")) {
		IOH_TRY(dev_stop(p, d, val));
	} else if (!strcmp(k, "attach")) {
		if (!strcmp(val, "never")) {
			d->attach_at = -1;
		} else {
			IOH_TRY(want_num(p, k, val, SCN_MAX_STEPS, &v));
			d->attach_at = (int64_t)v;
		}
	} else {
		return perr(p, "unknown device option '%s'", k);
	}
	return IOH_OK;
}

static ioh_status do_device(struct parser *p, char **w, int n)
{
	struct ioh_scenario *s = p->s;
	struct ioh_scn_device *d;
	bool have_iommu = false;
	ioh_status st = IOH_OK;

	if (n < 3)
		return perr(p, "'device' needs a name and a bus:dev.fn");
	if (s->n_devices == IOH_SCN_MAX_DEVICES)
		return perr(p, "more than %d devices", IOH_SCN_MAX_DEVICES);
	d = &s->devices[s->n_devices];
	memset(d, 0, sizeof(*d));
	IOH_TRY(name_ok(p, "device", w[1], sizeof(d->name)));
	strcpy(d->name, w[1]);
	if (ioh_bdf_parse(w[2], &d->bdf))
		return perr(p, "'%s' is not a bus:dev.fn (like 0000:03:00.0)", w[2]);
	d->len = 0x1000;
	d->iova = 0x100000;
	d->stop = IOH_DMA_STOP_RESET;
	d->attach_at = -1;
	if (s->n_iommus == 1) {
		have_iommu = true;
		d->iommu = 0;
	}
	for (int i = 3; i < n; i++) {
		char *val = kv(p, w[i], &st);

		if (!val)
			return st;
		IOH_TRY(dev_opt(p, d, w[i], val, &have_iommu));
	}
	if (!have_iommu)
		return perr(p, "device '%s' needs iommu=NAME", d->name);
	for (unsigned i = 0; i < s->n_devices; i++) {
		if (!strcmp(s->devices[i].name, d->name))
			return perr(p, "device '%s' defined twice", d->name);
		if (s->devices[i].iommu == d->iommu &&
		    ioh_bdf_sid(s->devices[i].bdf) == ioh_bdf_sid(d->bdf))
			return perr(p, "device '%s' has the same bus:dev.fn as '%s'", d->name,
				    s->devices[i].name);
	}
	if (d->ats &&
	    !(s->iommus[d->iommu].ecap & 4))
		return perr(p, "device '%s' uses ATS but its IOMMU has ats=0", d->name);
	s->n_devices++;
	return IOH_OK;
}

static ioh_status do_schedule(struct parser *p, char **w, int n)
{
	ioh_status st = IOH_OK;

	for (int i = 1; i < n; i++) {
		char *val = kv(p, w[i], &st), *k = w[i];

		if (!val)
			return st;
		if (!strcmp(k, "crash"))
			IOH_TRY(want_num(p, k, val, SCN_MAX_STEPS, &p->s->crash_at));
		else if (!strcmp(k, "copy"))
			IOH_TRY(want_num(p, k, val, SCN_MAX_STEPS, &p->s->copy_at));
		else if (!strcmp(k, "end"))
			IOH_TRY(want_num(p, k, val, SCN_MAX_STEPS, &p->s->end_at));
		else
			return perr(p, "unknown schedule option '%s' (crash, copy, end)", k);
	}
	p->have_schedule = true;
	return IOH_OK;
}

static ioh_status inject_desc(struct parser *p, const char *v, unsigned *out)
{
	static const unsigned types[] = { IOH_QI_DESC_ANY, IOH_QI_DESC_CC, IOH_QI_DESC_IOTLB,
					  IOH_QI_DESC_DEVTLB, IOH_QI_DESC_WAIT, IOH_QI_DESC_PC };

	for (size_t i = 0; i < IOH_ARRAY_SIZE(types); i++)
		if (!strcmp(v, ioh_qi_desc_name(types[i]))) {
			*out = types[i];
			return IOH_OK;
		}
	return perr(p, "desc must be any, cc, iotlb, devtlb, wait or pc, got '%s'", v);
}

static ioh_status inject_opt(struct parser *p, struct ioh_qi_inject *f, const char *k,
			     const char *val, bool *have_iommu)
{
	uint64_t v;

	if (!strcmp(k, "iommu")) {
		for (unsigned j = 0; j < p->s->n_iommus; j++)
			if (!strcmp(p->s->iommus[j].name, val)) {
				f->iommu = j;
				*have_iommu = true;
				return IOH_OK;
			}
		return perr(p, "unknown IOMMU '%s' (define it with 'iommu' first)", val);
	}
	if (!strcmp(k, "desc"))
		return inject_desc(p, val, &f->desc);
	if (!strcmp(k, "nth")) {
		IOH_TRY(want_num(p, k, val, SCN_MAX_STEPS, &f->nth));
		return f->nth ? IOH_OK : perr(p, "nth counts from 1");
	}
	if (!strcmp(k, "after"))
		return want_num(p, k, val, SCN_MAX_STEPS, &f->after);
	if (!strcmp(k, "times")) {
		if (!strcmp(val, "always")) {
			f->times = 0;
			return IOH_OK;
		}
		IOH_TRY(want_num(p, k, val, 1000, &v));
		if (!v)
			return perr(p, "times must be 1-1000 or 'always'");
		f->times = (unsigned)v;
		return IOH_OK;
	}
	return perr(p, "unknown inject option '%s' (iommu, desc, nth, after, times)", k);
}

/* inject iqe|ite|ice [iommu=NAME] [desc=TYPE] [nth=N] [after=STEP] [times=N|always] */
static ioh_status do_inject(struct parser *p, char **w, int n)
{
	struct ioh_scenario *s = p->s;
	struct ioh_qi_inject f = { .nth = 1, .times = 1 };
	bool have_iommu = s->n_iommus == 1;
	ioh_status st = IOH_OK;

	if (n < 2 || ioh_qi_fault_parse(w[1], &f.fault))
		return perr(p, "'inject' needs a fault: iqe, ite or ice");
	if (s->n_inject == IOH_MODEL_MAX_INJECT)
		return perr(p, "more than %d 'inject' lines", IOH_MODEL_MAX_INJECT);
	f.desc = f.fault == IOH_QI_IQE ? IOH_QI_DESC_ANY : IOH_QI_DESC_DEVTLB;
	for (int i = 2; i < n; i++) {
		char *val = kv(p, w[i], &st);

		if (!val)
			return st;
		IOH_TRY(inject_opt(p, &f, w[i], val, &have_iommu));
	}
	if (!have_iommu)
		return perr(p, "'inject' needs iommu=NAME when there are several IOMMUs");
	if (f.fault != IOH_QI_IQE && f.desc != IOH_QI_DESC_DEVTLB)
		return perr(p, "%s: only device-TLB invalidations (desc=devtlb) time out or "
			       "complete wrongly", w[1]);
	s->inject[s->n_inject++] = f;
	return IOH_OK;
}

static ioh_status one_value(struct parser *p, char **w, int n)
{
	struct ioh_scenario *s = p->s;
	uint64_t v;

	static const char *const known[] = { "scenario", "strategy", "fetch-order", "seed",
					     "fetch-latency", "cpu-gap", "fault-service",
					     "setup-drain", "max-events", "explore-entry",
					     "explore-pgtt" };
	bool ok = false;

	for (size_t i = 0; i < IOH_ARRAY_SIZE(known); i++)
		ok |= !strcmp(w[0], known[i]);
	if (!ok)
		return perr(p, "unknown directive '%s'", w[0]);
	if (n != 2)
		return perr(p, "'%s' takes exactly one value", w[0]);
	if (!strcmp(w[0], "scenario")) {
		IOH_TRY(name_ok(p, "scenario", w[1], sizeof(s->name)));
		strcpy(s->name, w[1]);
	} else if (!strcmp(w[0], "strategy")) {
		if (ioh_strategy_parse(w[1], &s->strategy))
			return perr(p, "unknown strategy '%s' (present-first, batched, zero, "
				       "zero-lo-hi, clear-p-nowait)", w[1]);
	} else if (!strcmp(w[0], "fetch-order")) {
		if (ioh_fetch_order_parse(w[1], &s->fetch_order))
			return perr(p, "unknown fetch order '%s' (lo-hi, hi-lo, any, atomic)", w[1]);
	} else if (!strcmp(w[0], "seed")) {
		IOH_TRY(want_num(p, "seed", w[1], UINT64_MAX, &s->seed));
	} else if (!strcmp(w[0], "fetch-latency")) {
		IOH_TRY(want_num(p, w[0], w[1], 100, &v));
		s->fetch_latency = v ? (unsigned)v : 1;
	} else if (!strcmp(w[0], "cpu-gap")) {
		IOH_TRY(want_num(p, w[0], w[1], 100, &v));
		s->cpu_gap = (unsigned)v;
	} else if (!strcmp(w[0], "fault-service")) {
		IOH_TRY(want_num(p, w[0], w[1], SCN_MAX_STEPS, &v));
		s->fault_service = (unsigned)v;
	} else if (!strcmp(w[0], "setup-drain")) {
		IOH_TRY(want_bool(p, w[0], w[1], &s->setup_drain));
	} else if (!strcmp(w[0], "explore-entry")) {
		enum ioh_explore_target t;

		if (ioh_explore_target_parse(w[1], &t))
			return perr(p, "explore-entry must be context or pasid, got '%s'", w[1]);
		s->explore_pasid = t == IOH_XT_PASID;
	} else if (!strcmp(w[0], "explore-pgtt")) {
		if (ioh_pgtt_parse(w[1], &s->explore_pgtt))
			return perr(p, "explore-pgtt must be first-level, second-level, nested or "
				       "pass-through, got '%s'", w[1]);
	} else if (!strcmp(w[0], "max-events")) {
		IOH_TRY(want_num(p, w[0], w[1], 1u << 21, &v));
		s->max_events = (size_t)v;
	} else {
		return perr(p, "unknown directive '%s'", w[0]);
	}
	return IOH_OK;
}

static ioh_status line(struct parser *p, char *text)
{
	char *w[SCN_MAX_WORDS], *save = NULL, *c;
	int n = 0;

	if ((c = strchr(text, '#')))
		*c = 0;
	for (char *t = strtok_r(text, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == SCN_MAX_WORDS)
			return perr(p, "more than %d words on a line", SCN_MAX_WORDS);
		w[n++] = t;
	}
	if (!n)
		return IOH_OK;
	if (!strcmp(w[0], "iommu"))
		return do_iommu(p, w, n);
	if (!strcmp(w[0], "device"))
		return do_device(p, w, n);
	if (!strcmp(w[0], "schedule"))
		return do_schedule(p, w, n);
	if (!strcmp(w[0], "inject"))
		return do_inject(p, w, n);
	return one_value(p, w, n);
}

/* Whole-file checks: the schedule must be in order. */
static ioh_status check(struct parser *p)
{
	struct ioh_scenario *s = p->s;

	p->line = 0;
	if (!s->n_iommus)
		return ioh_err(p->ctx, IOH_ERR_CORRUPT, "%s: no 'iommu' line", p->file);
	if (!(s->crash_at < s->copy_at && s->copy_at < s->end_at))
		return ioh_err(p->ctx, IOH_ERR_CORRUPT,
			       "%s: schedule must have crash < copy < end (got %llu, %llu, %llu)",
			       p->file, (unsigned long long)s->crash_at,
			       (unsigned long long)s->copy_at, (unsigned long long)s->end_at);
	for (unsigned i = 0; i < s->n_devices; i++) {
		const struct ioh_scn_device *d = &s->devices[i];

		if (d->attach_at >= 0 && ((uint64_t)d->attach_at <= s->copy_at ||
					  (uint64_t)d->attach_at >= s->end_at))
			return ioh_err(p->ctx, IOH_ERR_CORRUPT,
				       "%s: device '%s': attach=%lld is not between copy and end",
				       p->file, d->name, (long long)d->attach_at);
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_scenario_parse(ioh_ctx *ctx, const char *text, const char *fname,
					 struct ioh_scenario **out)
{
	struct parser p = { .ctx = ctx, .file = fname && *fname ? fname : "<scenario>" };
	struct ioh_scenario *s;
	const char *l = text;
	ioh_status st = IOH_OK;

	*out = NULL;
	if (!text)
		return ioh_err(ctx, IOH_ERR_INVALID, "scenario: no text");
	s = calloc(1, sizeof(*s));
	if (!s)
		return ioh_err(ctx, IOH_ERR_NOMEM, "scenario: out of memory");
	strcpy(s->name, "unnamed");
	snprintf(s->file, sizeof(s->file), "%s", fname ? fname : "");
	s->strategy = IOH_STRAT_PRESENT_FIRST;
	s->fetch_order = IOH_FETCH_LO_HI;
	s->seed = 1;
	s->crash_at = 1000;
	s->copy_at = 1500;
	s->end_at = 4000;
	s->fetch_latency = 3;
	s->cpu_gap = 2;
	s->fault_service = 50;
	s->max_events = 1u << 18;
	p.s = s;
	while (*l && st == IOH_OK) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char buf[SCN_MAX_LINE + 1];

		p.line++;
		if (len > SCN_MAX_LINE) {
			st = perr(&p, "line longer than %d characters", SCN_MAX_LINE);
			break;
		}
		if (memchr(l, 0, len)) {
			st = perr(&p, "NUL byte in text");
			break;
		}
		memcpy(buf, l, len);
		buf[len] = 0;
		st = line(&p, buf);
		l += len + (nl ? 1 : 0);
	}
	if (st == IOH_OK)
		st = check(&p);
	if (st != IOH_OK) {
		free(s);
		return st;
	}
	*out = s;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_scenario_load(ioh_ctx *ctx, const char *path, struct ioh_scenario **out)
{
	FILE *f;
	char *buf;
	size_t n;
	struct stat sb;
	ioh_status st;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "%s", path);
	if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fclose(f);
		return ioh_err(ctx, IOH_ERR_INVALID, "%s: not a regular file", path);
	}
	buf = malloc(SCN_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return ioh_err(ctx, IOH_ERR_NOMEM, "%s: out of memory", path);
	}
	n = fread(buf, 1, SCN_MAX_BYTES + 1, f);
	if (ferror(f)) {
		st = ioh_err(ctx, IOH_ERR_SYSTEM, "%s: read", path);
	} else if (n > SCN_MAX_BYTES) {
		st = ioh_err(ctx, IOH_ERR_LIMIT, "%s: larger than %u bytes", path, SCN_MAX_BYTES);
	} else if (memchr(buf, 0, n)) {
		st = ioh_err(ctx, IOH_ERR_CORRUPT, "%s: contains NUL bytes: not a text scenario",
			     path);
	} else {
		buf[n] = 0;
		st = ioh_scenario_parse(ctx, buf, path, out);
	}
	free(buf);
	fclose(f);
	return st;
}

IOH_EXPORT ioh_status ioh_scenario_default(ioh_ctx *ctx, struct ioh_scenario **out)
{
	ioh_status st = ioh_scenario_parse(ctx, default_text, "<built-in>", out);

	if (st == IOH_OK)
		(*out)->file[0] = 0;
	return st;
}

IOH_EXPORT void ioh_scenario_free(struct ioh_scenario *s)
{
	free(s);
}
