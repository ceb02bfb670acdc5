/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover reproduce: run a crash handover on the VT-d model. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/model.h>
#include <ioh/picture.h>

#include "cli.h"
#include "json.h"

#define CMD "reproduce"

struct opts {
	const char *scenario;
	const char *trace;
	const char *svg;
	bool have_strategy, have_order, have_seed;
	enum ioh_strategy strategy;
	enum ioh_fetch_order order;
	uint64_t seed;
	unsigned entries, agents;
	bool explore, threads, json, setup, setup_drain, pasid;
	double seconds;
	uint64_t max_states, walks;
	unsigned pgtt;
	int verbose;
};

static void help(void)
{
	printf("Usage: %s " CMD " [SCENARIO] [OPTIONS]\n"
	       "Run a kdump VT-d handover on a hardware model, with no crash, root or hardware.\n"
	       "Without SCENARIO the built-in server scenario runs (NIC, NVMe, USB, GPU).\n\n"
	       "  -s, --strategy NAME     present-first, batched, zero, zero-lo-hi, clear-p-nowait\n"
	       "  -o, --fetch-order ORDER lo-hi, hi-lo, any, atomic: how hardware reads an entry\n"
	       "      --seed N            seed of the random interleaving (same seed, same run)\n"
	       "  -e, --explore           check every interleaving of a small configuration\n"
	       "      --entries N         ... with N copied entries (1-8, default 1)\n"
	       "      --agents N          ... and N DMA agents (1-4, default 1)\n"
	       "      --max-states N      explorer state bound (default 4194304)\n"
	       "      --setup             explorer: also set each new entry up after its teardown\n"
	       "      --pasid             explorer: tear down scalable-mode PASID entries (512 bits,\n"
	       "                          four 128-bit bursts) instead of context entries\n"
	       "      --pgtt NAME         ... whose PGTT is first-level (default), second-level,\n"
	       "                          nested or pass-through\n"
	       "      --walks N           explorer: N seeded random walks (--seed) instead of every\n"
	       "                          interleaving, for sizes past --max-states\n"
	       "      --setup-drain       engine: invalidate and wait before setting P of a new\n"
	       "                          entry (closes the set-up tear for hi-first hardware)\n"
	       "  -t, --threads           real threads on this machine's memory\n"
	       "      --seconds S         ... for S seconds (default 1)\n"
	       "      --trace FILE        write every event to FILE (must not exist)\n"
	       "      --svg FILE          draw the run as an SVG timeline (must not exist)\n"
	       "  -j, --json              JSON output\n"
	       "  -v, --verbose           more log output\n"
	       "      --print-default     print the built-in scenario (a starting point)\n"
	       "  -h, --help              this help\n\n"
	       "Exit status: 0 nothing found; 2 a torn fetch, stale use or in-flight DMA was\n"
	       "found (with --explore/--threads: a violation); 1 error.\n",
	       cli_prog);
}

static int parse_uint(const char *opt, const char *v, unsigned long long lo,
		      unsigned long long hi, unsigned long long *out)
{
	if (cli_parse_u64(v, out) || *out < lo || *out > hi) {
		cli_err(CMD, "%s wants a number from %llu to %llu, got '%s'", opt, lo, hi, v);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "fetch-order", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 'S' },
		{ "explore", no_argument, NULL, 'e' },
		{ "entries", required_argument, NULL, 'E' },
		{ "agents", required_argument, NULL, 'A' },
		{ "max-states", required_argument, NULL, 'M' },
		{ "threads", no_argument, NULL, 't' },
		{ "setup", no_argument, NULL, 'U' },
		{ "setup-drain", no_argument, NULL, 'D' },
		{ "pasid", no_argument, NULL, 'Q' },
		{ "pgtt", required_argument, NULL, 'g' },
		{ "walks", required_argument, NULL, 'W' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "trace", required_argument, NULL, 'R' },
		{ "svg", required_argument, NULL, 'G' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-default", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "s:o:etjvh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (ioh_strategy_parse(optarg, &o->strategy)) {
				cli_err(CMD, "unknown strategy '%s' (present-first, batched, zero, "
					     "zero-lo-hi, clear-p-nowait)", optarg);
				return -1;
			}
			o->have_strategy = true;
			break;
		case 'o':
			if (ioh_fetch_order_parse(optarg, &o->order)) {
				cli_err(CMD, "unknown fetch order '%s' (lo-hi, hi-lo, any, atomic)",
					optarg);
				return -1;
			}
			o->have_order = true;
			break;
		case 'S':
			if (parse_uint("--seed", optarg, 0, UINT64_MAX, &v))
				return -1;
			o->seed = v;
			o->have_seed = true;
			break;
		case 'e':
			o->explore = true;
			break;
		case 'E':
			if (parse_uint("--entries", optarg, 1, 8, &v))
				return -1;
			o->entries = (unsigned)v;
			break;
		case 'A':
			if (parse_uint("--agents", optarg, 1, 4, &v))
				return -1;
			o->agents = (unsigned)v;
			break;
		case 'M':
			if (parse_uint("--max-states", optarg, 1, 1ULL << 32, &v))
				return -1;
			o->max_states = v;
			break;
		case 't':
			o->threads = true;
			break;
		case 'U':
			o->setup = true;
			break;
		case 'D':
			o->setup_drain = true;
			break;
		case 'Q':
			o->pasid = true;
			break;
		case 'g':
			if (ioh_pgtt_parse(optarg, &o->pgtt)) {
				cli_err(CMD, "unknown --pgtt '%s' (first-level, second-level, nested, "
					     "pass-through)", optarg);
				return -1;
			}
			break;
		case 'W':
			if (parse_uint("--walks", optarg, 1, 1ULL << 32, &v))
				return -1;
			o->walks = v;
			break;
		case 'T':
			o->seconds = strtod(optarg, &end);
			if (*end || !(o->seconds > 0 && o->seconds <= 600)) {
				cli_err(CMD, "--seconds wants a number of seconds from 0 to 600, got '%s'",
					optarg);
				return -1;
			}
			break;
		case 'R':
			o->trace = optarg;
			break;
		case 'G':
			o->svg = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			help();
			exit(CLI_OK);
		case 'P':
			fputs(ioh_scenario_default_text(), stdout);
			exit(CLI_OK);
		default:
			return -1;
		}
	}
	if (optind < argc)
		o->scenario = argv[optind++];
	if (optind < argc) {
		cli_err(CMD, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->svg && access(o->svg, F_OK) == 0) {
		cli_err(CMD, "--svg %s: file exists (not overwriting it)", o->svg);
		return -1;
	}
	if (o->svg && (o->explore || o->threads)) {
		cli_err(CMD, "--svg draws a random run; not with --explore or --threads");
		return -1;
	}
	if (o->explore && o->threads) {
		cli_err(CMD, "--explore and --threads are separate modes: pick one");
		return -1;
	}
	if ((o->pasid || o->pgtt || o->walks) && !o->explore) {
		cli_err(CMD, "--pasid, --pgtt and --walks go with --explore");
		return -1;
	}
	if (o->threads && o->order == IOH_FETCH_ATOMIC) {
		cli_err(CMD, "--threads cannot do an atomic 128-bit fetch; use lo-hi, hi-lo or any");
		return -1;
	}
	return 0;
}

/* Never overwrites: a trace goes to a new file only. */
static FILE *open_trace(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0) {
		cli_err(CMD, "--trace %s: %s", path,
			errno == EEXIST ? "file exists (not overwriting it)" : strerror(errno));
		return NULL;
	}
	return fdopen(fd, "w");
}

static int write_events(const char *path, const struct ioh_event *ev, size_t n,
			const struct ioh_event_log *log)
{
	FILE *f = open_trace(path);
	char buf[256];

	if (!f)
		return -1;
	fprintf(f, "# iommu-handover trace: t lane kind details (docs/scenario-format.md)\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", ioh_event_format(&ev[i], buf, sizeof(buf)));
	if (log) {
		struct ioh_event_iter it;
		const struct ioh_event *e;

		ioh_event_iter_init(&it, log);
		while ((e = ioh_event_iter_next(&it)))
			fprintf(f, "%s\n", ioh_event_format(e, buf, sizeof(buf)));
		if (ioh_event_log_dropped(log))
			fprintf(f, "# %" PRIu64 " more events not kept (bound reached)\n",
				ioh_event_log_dropped(log));
	}
	if (fclose(f)) {
		cli_err(CMD, "--trace %s: write failed", path);
		return -1;
	}
	return 0;
}

/* ---- random run ---- */

struct svg_job {
	const struct ioh_scenario *s;
	ioh_model *m;
	ioh_status st;
};

static void write_svg(void *priv, FILE *f)
{
	struct svg_job *j = priv;
	struct ioh_svg_device dev[IOH_SCN_MAX_DEVICES];
	struct ioh_svg_cfg cfg = { .devices = dev, .n_devices = j->s->n_devices,
				   .n_iommus = j->s->n_iommus };
	char title[128], sub[160];

	for (unsigned i = 0; i < j->s->n_devices; i++)
		dev[i] = (struct ioh_svg_device){ j->s->devices[i].name, j->s->devices[i].bdf };
	snprintf(title, sizeof(title), "scenario %s: strategy %s, fetch order %s, seed %" PRIu64,
		 j->s->name, ioh_strategy_name(j->s->strategy),
		 ioh_fetch_order_name(j->s->fetch_order), j->s->seed);
	snprintf(sub, sizeof(sub), "iommu-handover reproduce%s%s", j->s->file[0] ? " " : "",
		 j->s->file);
	cfg.title = title;
	cfg.subtitle = sub;
	j->st = ioh_svg_timeline_log(f, &cfg, ioh_model_events(j->m));
}

static void print_device(const struct ioh_model_device *d)
{
	char bdf[IOH_BDF_STRLEN];

	printf("  %-6s %s  ", d->name, ioh_bdf_str(d->bdf, bdf));
	if (!d->in_flight_dma) {
		printf("no DMA after the crash\n");
		return;
	}
	printf("IN-FLIGHT DMA: %" PRIu64 " requests after the crash (steps %" PRIu64 "-%" PRIu64
	       "), %" PRIu64 " during the handover, %" PRIu64 " after its entry was torn down\n",
	       d->dma_after_crash, d->first_after_crash, d->last_after_crash,
	       d->dma_during_handover, d->dma_after_teardown);
}

static void print_faults(const struct ioh_model_device *d)
{
	char bdf[IOH_BDF_STRLEN];

	for (unsigned r = 0; r < 256; r++) {
		const struct ioh_fault_reason *fr;

		if (!d->fault_by_reason[r])
			continue;
		fr = ioh_fault_reason(r);
		printf("  %-6s %s  0x%02x %-44s x%" PRIu64 "\n", d->name, ioh_bdf_str(d->bdf, bdf), r,
		       fr ? fr->name : "unknown reason", d->fault_by_reason[r]);
	}
}

static void json_device(struct ioh_json *j, const struct ioh_model_device *d)
{
	char bdf[IOH_BDF_STRLEN], key[8];

	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "name", d->name);
	ioh_json_kstr(j, "bdf", ioh_bdf_str(d->bdf, bdf));
	ioh_json_kbool(j, "in_flight_dma", d->in_flight_dma);
	ioh_json_ku64(j, "dma_before_crash", d->dma_before_crash);
	ioh_json_ku64(j, "dma_after_crash", d->dma_after_crash);
	ioh_json_ku64(j, "dma_during_handover", d->dma_during_handover);
	ioh_json_ku64(j, "dma_after_teardown", d->dma_after_teardown);
	if (d->dma_after_crash) {
		ioh_json_ku64(j, "first_after_crash", d->first_after_crash);
		ioh_json_ku64(j, "last_after_crash", d->last_after_crash);
	}
	ioh_json_key(j, "teardown_done_at");
	if (d->teardown_done_at >= 0)
		ioh_json_i64(j, d->teardown_done_at);
	else
		ioh_json_null(j);
	ioh_json_ku64(j, "torn_fetches", d->torn_fetches);
	ioh_json_ku64(j, "torn_setup", d->torn_setup);
	ioh_json_ku64(j, "stale_uses", d->stale_uses);
	ioh_json_ku64(j, "faults", d->faults);
	ioh_json_key(j, "attach_error");
	if (d->attach_error[0])
		ioh_json_str(j, d->attach_error);
	else
		ioh_json_null(j);
	ioh_json_key(j, "faults_by_reason");
	ioh_json_obj_begin(j);
	for (unsigned r = 0; r < 256; r++)
		if (d->fault_by_reason[r]) {
			snprintf(key, sizeof(key), "0x%02x", r);
			ioh_json_ku64(j, key, d->fault_by_reason[r]);
		}
	ioh_json_obj_end(j);
	ioh_json_obj_end(j);
}

static void report_run(const struct opts *o, const struct ioh_scenario *s, ioh_model *m, int rc)
{
	struct ioh_model_summary sum;
	struct ioh_model_device d;
	unsigned n = ioh_model_device_count(m);

	ioh_model_summary(m, &sum);
	if (o->json) {
		struct ioh_json j;

		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "mode", "random");
		ioh_json_kstr(&j, "scenario", s->name);
		ioh_json_kstr(&j, "strategy", ioh_strategy_name(s->strategy));
		ioh_json_kstr(&j, "fetch_order", ioh_fetch_order_name(s->fetch_order));
		ioh_json_ku64(&j, "seed", s->seed);
		ioh_json_ku64(&j, "steps", sum.steps);
		ioh_json_ku64(&j, "states", 0);
		ioh_json_ku64(&j, "torn_fetches", sum.torn_fetches);
		ioh_json_ku64(&j, "torn_setup", sum.torn_setup);
		ioh_json_ku64(&j, "stale_uses", sum.stale_uses);
		ioh_json_ku64(&j, "dma", sum.dma);
		ioh_json_ku64(&j, "translations", sum.translations);
		ioh_json_ku64(&j, "faults", sum.faults);
		ioh_json_ku64(&j, "faults_recorded", sum.faults_recorded);
		ioh_json_ku64(&j, "faults_overflow", sum.faults_overflow);
		ioh_json_ku64(&j, "faults_fpd", sum.faults_fpd);
		ioh_json_ku64(&j, "entries_taken_over", sum.entries_taken_over);
		ioh_json_ku64(&j, "invalidations", sum.invalidations);
		ioh_json_ku64(&j, "waits", sum.waits);
		ioh_json_ku64(&j, "devices_in_flight", sum.devices_in_flight);
		ioh_json_ku64(&j, "qi_iqe", sum.qi_iqe);
		ioh_json_ku64(&j, "qi_ite", sum.qi_ite);
		ioh_json_ku64(&j, "qi_ice", sum.qi_ice);
		ioh_json_ku64(&j, "qi_resubmits", sum.qi_resubmits);
		ioh_json_ku64(&j, "attach_failures", sum.attach_failures);
		ioh_json_ku64(&j, "exit", (uint64_t)rc);
		ioh_json_key(&j, "devices");
		ioh_json_arr_begin(&j);
		for (unsigned i = 0; i < n; i++) {
			ioh_model_device_report(m, i, &d);
			json_device(&j, &d);
		}
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
		return;
	}
	printf("scenario %s%s%s: strategy %s%s, fetch order %s, seed %" PRIu64 "\n", s->name,
	       s->file[0] ? " from " : " (built-in)", s->file, ioh_strategy_name(s->strategy),
	       ioh_strategy_is_safe(s->strategy) ? "" : " (UNSAFE)",
	       ioh_fetch_order_name(s->fetch_order), s->seed);
	printf("%" PRIu64 " steps, %" PRIu64 " DMA requests, %" PRIu64 " copied entries taken over, "
	       "%" PRIu64 " invalidations, %" PRIu64 " waits\n",
	       sum.steps, sum.dma, sum.entries_taken_over, sum.invalidations, sum.waits);
	printf("torn fetches: %" PRIu64 "\nstale uses:   %" PRIu64 "\n", sum.torn_fetches,
	       sum.stale_uses);
	if (sum.torn_setup)
		printf("torn at set-up: %" PRIu64 " (hardware read the old high word with the new P;"
		       " --setup-drain closes this)\n", sum.torn_setup);
	printf("faults: %" PRIu64 " (%" PRIu64 " recorded, %" PRIu64 " lost to overflow, %" PRIu64
	       " suppressed by FPD)\n",
	       sum.faults, sum.faults_recorded, sum.faults_overflow, sum.faults_fpd);
	if (sum.qi_iqe || sum.qi_ite || sum.qi_ice)
		printf("queue errors: %" PRIu64 " IQE, %" PRIu64 " ITE, %" PRIu64 " ICE (each cleared by "
		       "the driver; %" PRIu64 " batches resubmitted after ITE)\n",
		       sum.qi_iqe, sum.qi_ite, sum.qi_ice, sum.qi_resubmits);
	for (unsigned i = 0; i < n; i++) {
		ioh_model_device_report(m, i, &d);
		print_faults(&d);
	}
	printf("devices:\n");
	for (unsigned i = 0; i < n; i++) {
		ioh_model_device_report(m, i, &d);
		print_device(&d);
		if (d.torn_fetches || d.stale_uses || d.torn_setup)
			printf("         %" PRIu64 " torn fetches, %" PRIu64 " torn at set-up, %" PRIu64
			       " stale uses\n", d.torn_fetches, d.torn_setup, d.stale_uses);
		if (d.attach_error[0])
			printf("         ATTACH FAILED: %s\n", d.attach_error);
	}
	if (rc == CLI_PROBLEM)
		printf("verdict: %s%s%s%s%s\n", sum.torn_fetches ? "TORN FETCH " : "",
		       sum.torn_setup ? "TORN SET-UP " : "",
		       sum.stale_uses ? "STALE USE " : "",
		       sum.attach_failures ? "ATTACH FAILED " : "",
		       sum.devices_in_flight ? "in-flight DMA during the handover" : "");
	else
		printf("verdict: clean\n");
}

static int run_random(const struct opts *o, ioh_ctx *ctx, struct ioh_scenario *s)
{
	ioh_model *m;
	struct ioh_model_summary sum;
	int rc;

	if (ioh_model_new(ctx, s, &m) != IOH_OK) {
		cli_err_ctx(CMD, ctx, NULL);
		return CLI_ERROR;
	}
	if (ioh_model_run(m) != IOH_OK) {
		cli_err_ctx(CMD, ctx, "run");
		ioh_model_free(m);
		return CLI_ERROR;
	}
	ioh_model_summary(m, &sum);
	rc = sum.torn_fetches || sum.torn_setup || sum.stale_uses || sum.devices_in_flight ||
			     sum.attach_failures
		     ? CLI_PROBLEM : CLI_OK;
	if (o->trace && write_events(o->trace, NULL, 0, ioh_model_events(m))) {
		ioh_model_free(m);
		return CLI_ERROR;
	}
	if (o->svg) {
		struct svg_job j = { s, m, IOH_OK };

		if (cli_write_atomic(CMD, o->svg, write_svg, &j) || j.st != IOH_OK) {
			if (j.st != IOH_OK && !unlink(o->svg))
				cli_err(CMD, "--svg %s: could not draw the picture", o->svg);
			ioh_model_free(m);
			return CLI_ERROR;
		}
	}
	report_run(o, s, m, rc);
	ioh_model_free(m);
	return rc;
}

/* ---- exhaustive ---- */

/* PASID entries and random walks: what was explored, and the whole torn entry. */
static void print_explore_more(const struct opts *o, const struct ioh_scenario *s,
			       const struct ioh_explore_cfg *cfg, const struct ioh_explore_result *r)
{
	char buf[256];

	if (cfg->target == IOH_XT_PASID)
		printf("explored scalable-mode PASID entries (PGTT %s, four 128-bit bursts)",
		       ioh_pgtt_name(cfg->pgtt ? cfg->pgtt : 1));
	else
		printf("explored %s mode", ioh_vtd_mode_name(cfg->mode));
	printf(", strategy %s, fetch order %s, %u entr%s, %u agent%s%s:\n",
	       ioh_strategy_name(cfg->strategy), ioh_fetch_order_name(cfg->order), cfg->entries,
	       cfg->entries == 1 ? "y" : "ies", cfg->agents, cfg->agents == 1 ? "" : "s",
	       o->walks ? ", random walks" : "");
	if (o->walks)
		printf("%" PRIu64 " walks (seed %" PRIu64 "), %" PRIu64 " steps in %.3f s, %" PRIu64
		       " violating\n", r->walks, s->seed, r->transitions, r->seconds,
		       r->violating_walks);
	else
		printf("%" PRIu64 " states, %" PRIu64 " transitions in %.3f s\n", r->states,
		       r->transitions, r->seconds);
	if (!r->violation) {
		printf("%s tears an entry or uses a stale one\n",
		       o->walks ? "no walk" : "no interleaving");
		return;
	}
	printf("VIOLATION: %s; %s (%zu steps):\n", r->torn ? "torn fetch" : "stale use",
	       o->walks ? "first violating walk" : "shortest counterexample", r->trace_len);
	for (size_t i = 0; i < r->trace_len; i++)
		printf("  %s\n", ioh_event_format(&r->trace[i], buf, sizeof(buf)));
	if (r->torn_qwords) {
		printf("torn entry as fetched:");
		for (unsigned i = 0; i < r->torn_qwords; i++)
			printf(" qw%u=0x%016" PRIx64, i, r->torn_value[i]);
		printf("\n");
	}
}

static int run_explore(const struct opts *o, ioh_ctx *ctx, const struct ioh_scenario *s)
{
	struct ioh_explore_cfg cfg = {
		.mode = s->iommus[0].mode,
		.strategy = s->strategy,
		.order = s->fetch_order,
		.entries = o->entries ? o->entries : 1,
		.agents = o->agents ? o->agents : 1,
		.max_states = o->max_states,
		.setup = o->setup,
		.setup_drain = s->setup_drain,
		.target = o->pasid || o->pgtt || s->explore_pasid ? IOH_XT_PASID : IOH_XT_CONTEXT,
		.pgtt = o->pgtt ? o->pgtt : s->explore_pgtt,
	};
	struct ioh_explore_result r;
	char buf[256];
	int rc;
	ioh_status st;

	if (cfg.target == IOH_XT_PASID)
		cfg.mode = IOH_VTD_SCALABLE;
	st = o->walks ? ioh_explore_random(ctx, &cfg, s->seed, o->walks, &r)
		      : ioh_explore(ctx, &cfg, &r);
	if (st != IOH_OK) {
		cli_err_ctx(CMD, ctx, "explore");
		return CLI_ERROR;
	}
	rc = r.violation ? CLI_PROBLEM : CLI_OK;
	if (o->trace && write_events(o->trace, r.trace, r.trace_len, NULL)) {
		ioh_explore_result_free(&r);
		return CLI_ERROR;
	}
	if (o->json) {
		struct ioh_json j;

		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "mode", "explore");
		ioh_json_kstr(&j, "vtd_mode", ioh_vtd_mode_name(cfg.mode));
		ioh_json_kstr(&j, "strategy", ioh_strategy_name(cfg.strategy));
		ioh_json_kstr(&j, "fetch_order", ioh_fetch_order_name(cfg.order));
		ioh_json_ku64(&j, "entries", cfg.entries);
		ioh_json_ku64(&j, "agents", cfg.agents);
		ioh_json_kstr(&j, "target", ioh_explore_target_name(cfg.target));
		if (cfg.target == IOH_XT_PASID)
			ioh_json_kstr(&j, "pgtt", ioh_pgtt_name(cfg.pgtt ? cfg.pgtt : 1));
		if (o->walks) {
			ioh_json_ku64(&j, "seed", s->seed);
			ioh_json_ku64(&j, "walks", r.walks);
			ioh_json_ku64(&j, "violating_walks", r.violating_walks);
		}
		ioh_json_key(&j, "torn_entry");
		ioh_json_arr_begin(&j);
		for (unsigned i = 0; i < r.torn_qwords; i++) {
			snprintf(buf, sizeof(buf), "0x%016" PRIx64, r.torn_value[i]);
			ioh_json_str(&j, buf);
		}
		ioh_json_arr_end(&j);
		ioh_json_ku64(&j, "states", r.states);
		ioh_json_ku64(&j, "transitions", r.transitions);
		ioh_json_key(&j, "seconds");
		ioh_json_double(&j, r.seconds);
		ioh_json_kbool(&j, "violation", r.violation);
		ioh_json_ku64(&j, "torn_fetches", r.torn);
		ioh_json_ku64(&j, "stale_uses", r.stale);
		ioh_json_key(&j, "counterexample");
		ioh_json_arr_begin(&j);
		for (size_t i = 0; i < r.trace_len; i++)
			ioh_json_str(&j, ioh_event_format(&r.trace[i], buf, sizeof(buf)));
		ioh_json_arr_end(&j);
		ioh_json_key(&j, "devices");
		ioh_json_arr_begin(&j);
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
	} else if (cfg.target == IOH_XT_PASID || o->walks) {
		print_explore_more(o, s, &cfg, &r);
	} else {
		printf("explored %s mode, strategy %s, fetch order %s, %u entr%s, %u agent%s:\n",
		       ioh_vtd_mode_name(cfg.mode), ioh_strategy_name(cfg.strategy),
		       ioh_fetch_order_name(cfg.order), cfg.entries, cfg.entries == 1 ? "y" : "ies",
		       cfg.agents, cfg.agents == 1 ? "" : "s");
		printf("%" PRIu64 " states, %" PRIu64 " transitions in %.3f s\n", r.states,
		       r.transitions, r.seconds);
		if (r.violation) {
			printf("VIOLATION: %s; shortest counterexample (%zu steps):\n",
			       r.torn ? "torn fetch" : "stale use", r.trace_len);
			for (size_t i = 0; i < r.trace_len; i++)
				printf("  %s\n", ioh_event_format(&r.trace[i], buf, sizeof(buf)));
		} else {
			printf("no interleaving tears an entry or uses a stale one\n");
		}
	}
	ioh_explore_result_free(&r);
	return rc;
}

/* ---- threads ---- */

static int run_threads(const struct opts *o, ioh_ctx *ctx, const struct ioh_scenario *s)
{
	struct ioh_threads_cfg cfg = {
		.strategy = s->strategy,
		.order = s->fetch_order,
		.fetchers = o->agents ? o->agents : 1,
		.seconds = o->seconds > 0 ? o->seconds : 1.0,
		.fetch_delay = 200,
	};
	struct ioh_threads_result r;
	int rc;

	if (ioh_threads_run(ctx, &cfg, &r) != IOH_OK) {
		cli_err_ctx(CMD, ctx, "threads");
		return CLI_ERROR;
	}
	rc = r.torn ? CLI_PROBLEM : CLI_OK;
	if (o->json) {
		struct ioh_json j;

		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "mode", "threads");
		ioh_json_kstr(&j, "strategy", ioh_strategy_name(cfg.strategy));
		ioh_json_kstr(&j, "fetch_order", ioh_fetch_order_name(cfg.order));
		ioh_json_ku64(&j, "fetchers", cfg.fetchers);
		ioh_json_ku64(&j, "rounds", r.rounds);
		ioh_json_ku64(&j, "fetches", r.fetches);
		ioh_json_ku64(&j, "torn_fetches", r.torn);
		ioh_json_ku64(&j, "stale_uses", 0);
		ioh_json_ku64(&j, "states", 0);
		ioh_json_key(&j, "seconds");
		ioh_json_double(&j, r.seconds);
		ioh_json_key(&j, "devices");
		ioh_json_arr_begin(&j);
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
	} else {
		printf("threads: strategy %s, fetch order %s, %u fetcher thread%s, %.2f s\n",
		       ioh_strategy_name(cfg.strategy), ioh_fetch_order_name(cfg.order), cfg.fetchers,
		       cfg.fetchers == 1 ? "" : "s", r.seconds);
		printf("%" PRIu64 " teardowns, %" PRIu64 " fetches, %" PRIu64 " torn\n", r.rounds,
		       r.fetches, r.torn);
		if (r.torn)
			printf("TORN FETCH on this machine: lo=0x%016" PRIx64 " hi=0x%016" PRIx64
			       " (P set, never written whole)\n",
			       r.torn_example[0], r.torn_example[1]);
	}
	return rc;
}

static int reproduce(int argc, char **argv)
{
	struct opts o = { 0 };
	struct ioh_scenario *s = NULL;
	ioh_ctx *ctx;
	ioh_status st;
	int rc;

	if (parse(argc, argv, &o))
		return cli_usage_error(CMD);
	ctx = cli_ctx_new(o.verbose);
	if (!ctx)
		return CLI_ERROR;
	st = o.scenario ? ioh_scenario_load(ctx, o.scenario, &s) : ioh_scenario_default(ctx, &s);
	if (st != IOH_OK) {
		cli_err_ctx(CMD, ctx, NULL);
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	if (o.have_strategy)
		s->strategy = o.strategy;
	if (o.have_order)
		s->fetch_order = o.order;
	if (o.have_seed)
		s->seed = o.seed;
	if (o.setup_drain)
		s->setup_drain = true;
	if (o.explore)
		rc = run_explore(&o, ctx, s);
	else if (o.threads)
		rc = run_threads(&o, ctx, s);
	else
		rc = run_random(&o, ctx, s);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND("reproduce", reproduce, "run a kdump VT-d handover on a hardware model");
