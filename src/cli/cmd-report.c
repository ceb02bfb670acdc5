/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover report: which devices still had in-flight DMA, and how we know. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/evidence.h>
#include <ioh/fingerprint.h>
#include <ioh/picture.h>
#include <ioh/report.h>
#include <ioh/scan.h>

#include "cli.h"

#define MAX_LOGS 16

struct opts {
	const char *vmcore, *sysfs, *proc, *dmar, *fp_save, *fp_compare, *output, *html;
	const char *logs[MAX_LOGS];
	unsigned nlogs;
	struct ioh_scan_config scan;
	unsigned max_pages;
	enum ioh_source_kind reader;
	double watch;
	int json, verbose;
};

static void help(void)
{
	printf("Usage: %s report [OPTIONS]\n"
	       "Combine the crashed kernel's tables (a dump), the capture kernel's log and live\n"
	       "sysfs into one verdict per device: in-flight DMA, DMA possible, quiesced, not\n"
	       "mapped.\n\n"
	       "Inputs (any mix):\n"
	       "  -c, --vmcore FILE            dump or /proc/vmcore: the crashed kernel's tables\n"
	       "  -r, --rtaddr ADDR[,MODE]     its root table, when known (else discovered)\n"
	       "  -l, --dmesg FILE             capture-kernel log, any format; '-' = stdin; repeatable\n"
	       "  -s, --sysfs-root DIR         live sysfs (the capture kernel's /sys)\n"
	       "  -p, --proc-root DIR          live procfs (default: beside --sysfs-root)\n"
	       "  -d, --dmar FILE              ACPI DMAR table (units to expect, address width)\n"
	       "      --reader NAME            how to read the dump: auto (default), elf, kdump,\n"
	       "                               flat, libkdumpfile (memory grows with the dump)\n"
	       "Catching silent DMA writes (old memory is frozen after a crash; a change is DMA):\n"
	       "  -w, --watch SECONDS          fingerprint writable pages, wait, compare\n"
	       "      --fingerprint-save FILE  first moment: save the fingerprints (no report)\n"
	       "      --fingerprint-compare FILE  second moment: compare against a saved file\n"
	       "      --max-pages N            pages watched at most (default %u)\n"
	       "Output:\n"
	       "  -j, --json                   JSON (schema " IOH_REPORT_SCHEMA ")\n"
	       "  -o, --output FILE            write atomically; never overwrites FILE\n"
	       "      --html FILE              also write an HTML page (atomically, never overwrites)\n"
	       "  -t, --max-seconds S          bound the dump scan\n"
	       "  -v, --verbose\n"
	       "  -h, --help\n\n"
	       "Exit status: 0 clean, 1 error, 2 in-flight DMA or a torn-looking table.\n",
	       cli_prog, IOH_FP_DEFAULT_MAX_PAGES);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "vmcore", required_argument, NULL, 'c' },
		{ "reader", required_argument, NULL, 'R' },
		{ "rtaddr", required_argument, NULL, 'r' },
		{ "dmesg", required_argument, NULL, 'l' },
		{ "sysfs-root", required_argument, NULL, 's' },
		{ "sysfs", required_argument, NULL, 's' },
		{ "proc-root", required_argument, NULL, 'p' },
		{ "dmar", required_argument, NULL, 'd' },
		{ "watch", required_argument, NULL, 'w' },
		{ "fingerprint-save", required_argument, NULL, 'S' },
		{ "fingerprint-compare", required_argument, NULL, 'C' },
		{ "max-pages", required_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, 'H' },
		{ "max-seconds", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:r:l:s:p:d:w:jo:t:vh", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': o->vmcore = optarg; break;
		case 'R':
			if (cli_parse_reader("report", optarg, &o->reader))
				return CLI_ERROR;
			break;
		case 'r':
			if (cli_parse_rtaddr("report", optarg, &o->scan.rtaddr, &o->scan.mode,
					     &o->scan.mode_given))
				return CLI_ERROR;
			break;
		case 'l':
			if (o->nlogs == MAX_LOGS) {
				cli_err("report", "at most %d --dmesg files", MAX_LOGS);
				return CLI_ERROR;
			}
			o->logs[o->nlogs++] = optarg;
			break;
		case 's': o->sysfs = optarg; break;
		case 'p': o->proc = optarg; break;
		case 'd': o->dmar = optarg; break;
		case 'w':
		case 't': {
			double d = strtod(optarg, &end);

			if (*end || !(d > 0) || d > 86400) {
				cli_err("report", "--%s: '%s' is not a number of seconds",
					opt == 'w' ? "watch" : "max-seconds", optarg);
				return CLI_ERROR;
			}
			if (opt == 'w')
				o->watch = d;
			else
				o->scan.max_seconds = d;
			break;
		}
		case 'S': o->fp_save = optarg; break;
		case 'C': o->fp_compare = optarg; break;
		case 'M':
			if (cli_parse_u64(optarg, &v) || !v || v > (1u << 20)) {
				cli_err("report", "--max-pages: '%s' is not between 1 and %u", optarg,
					1u << 20);
				return CLI_ERROR;
			}
			o->max_pages = (unsigned)v;
			break;
		case 'j': o->json = 1; break;
		case 'o': o->output = optarg; break;
		case 'H': o->html = optarg; break;
		case 'v': o->verbose++; break;
		case 'h': help(); return -1;
		default: return cli_usage_error("report");
		}
	}
	if (optind < argc) {
		cli_err("report", "unexpected argument '%s' (inputs are given with options)",
			argv[optind]);
		return cli_usage_error("report");
	}
	if (!o->vmcore && !o->nlogs && !o->sysfs) {
		cli_err("report", "nothing to report on: give --vmcore, --dmesg or --sysfs-root");
		return cli_usage_error("report");
	}
	if ((o->fp_save || o->fp_compare || o->watch > 0) && !o->vmcore) {
		cli_err("report", "fingerprints need --vmcore (the crashed kernel's memory)");
		return CLI_ERROR;
	}
	if (!!o->fp_save + !!o->fp_compare + (o->watch > 0) > 1) {
		cli_err("report", "--watch, --fingerprint-save and --fingerprint-compare exclude "
				  "each other");
		return CLI_ERROR;
	}
	return CLI_OK;
}

/* Fingerprints: save (first moment), compare with a saved file, or watch in one go. */
static int fingerprints(ioh_ctx *ctx, struct opts *o, ioh_source *src, ioh_scan *scan,
			ioh_report *r)
{
	ioh_fingerprint *fp = NULL;
	const struct ioh_fp_change *ch;
	uint64_t watched, skipped, unreadable;
	size_t n;
	ioh_status st;

	if (o->fp_compare)
		st = ioh_fingerprint_load(ctx, o->fp_compare, &fp);
	else
		st = ioh_fingerprint_take(ctx, src, scan, o->max_pages, &fp);
	if (st != IOH_OK) {
		cli_err_ctx("report", ctx, NULL);
		return CLI_ERROR;
	}
	if (o->fp_save) {
		st = ioh_fingerprint_save(ctx, fp, o->fp_save);
		ioh_fingerprint_stats(fp, &watched, &skipped, &unreadable);
		if (st == IOH_OK)
			fprintf(stderr, "%s report: %llu page(s) fingerprinted into %s\n", cli_prog,
				(unsigned long long)watched, o->fp_save);
		else
			cli_err_ctx("report", ctx, NULL);
		ioh_fingerprint_free(fp);
		return st == IOH_OK ? CLI_OK : CLI_ERROR;
	}
	if (o->watch > 0)
		usleep((useconds_t)(o->watch * 1e6));
	st = ioh_fingerprint_compare(ctx, fp, src, &ch, &n);
	if (st == IOH_ERR_INVALID) { /* another dump's fingerprint: nothing was compared */
		cli_err_ctx("report", ctx, NULL);
		ioh_fingerprint_free(fp);
		return CLI_ERROR;
	}
	if (st != IOH_OK)
		ioh_report_note(r, "%s", ioh_get_err(ctx));
	ioh_report_add_changes(r, ch, n);
	ioh_fingerprint_stats(fp, &watched, &skipped, &unreadable);
	if (skipped || unreadable)
		ioh_report_note(r, "fingerprints: %llu page(s) watched, %llu not watched (page cap "
				   "%u), %llu unreadable",
				(unsigned long long)watched, (unsigned long long)skipped,
				ioh_fingerprint_page_cap(fp),
				(unsigned long long)unreadable);
	ioh_fingerprint_free(fp);
	return CLI_OK;
}

static int from_vmcore(ioh_ctx *ctx, struct opts *o, ioh_report *r, bool *saved_only)
{
	ioh_source *src = NULL;
	ioh_scan *scan = NULL;
	ioh_status st;
	int rc = CLI_OK;

	if (o->dmar && cli_dmar_units("report", o->dmar, &o->scan.expected_units,
				      o->scan.haw ? NULL : &o->scan.haw))
		return CLI_ERROR;
	st = ioh_source_open_kind(ctx, o->reader, o->vmcore, &src);
	if (st != IOH_OK) {
		cli_err_ctx("report", ctx, NULL);
		return CLI_ERROR;
	}
	ioh_report_add_input(r, "vmcore", o->vmcore);
	st = ioh_scan_run(ctx, src, &o->scan, &scan);
	if (!scan) {
		ioh_report_note(r, "vmcore: %s", ioh_get_err(ctx));
		cli_err_ctx("report", ctx, NULL);
		ioh_source_free(src);
		return o->fp_save ? CLI_ERROR : CLI_OK;
	}
	if (st == IOH_ERR_LIMIT)
		ioh_report_note(r, "vmcore: %s", ioh_get_err(ctx));
	ioh_report_add_scan(r, scan);
	if (o->fp_save || o->fp_compare || o->watch > 0)
		rc = fingerprints(ctx, o, src, scan, r);
	*saved_only = o->fp_save != NULL;
	ioh_scan_free(scan);
	ioh_source_free(src);
	return rc;
}

static int from_logs(ioh_ctx *ctx, struct opts *o, ioh_report *r)
{
	ioh_klog *k = ioh_klog_new(ctx);
	int rc = CLI_OK;

	if (!k)
		return CLI_ERROR;
	for (unsigned i = 0; i < o->nlogs; i++) {
		ioh_status st = strcmp(o->logs[i], "-")
					? ioh_klog_read_path(k, o->logs[i])
					: ioh_klog_read_file(k, stdin, "(stdin)");

		if (st != IOH_OK) {
			cli_err_ctx("report", ctx, NULL);
			rc = CLI_ERROR;
		}
	}
	ioh_report_add_klog(r, k);
	ioh_klog_free(k);
	return rc;
}

static int from_sysfs(ioh_ctx *ctx, struct opts *o, ioh_report *r)
{
	struct ioh_sysfs *s = NULL;
	char proc[4096];

	if (!o->proc) {
		/* A copied tree keeps proc beside sys; the live system has /proc. */
		snprintf(proc, sizeof(proc), "%s/../proc", o->sysfs);
		o->proc = strcmp(o->sysfs, "/sys") ? proc : "/proc";
	}
	if (ioh_sysfs_read(ctx, o->sysfs, o->proc, &s) != IOH_OK) {
		cli_err_ctx("report", ctx, NULL);
		return CLI_ERROR;
	}
	ioh_report_add_input(r, "sysfs", o->sysfs);
	ioh_report_add_sysfs(r, s);
	ioh_sysfs_free(s);
	return CLI_OK;
}

struct out {
	const ioh_report *r;
	int json;
};

static void write_report(void *priv, FILE *f)
{
	const struct out *o = priv;
	const ioh_report *r = o->r;

	if (o->json)
		ioh_report_write_json(r, f);
	else
		ioh_report_write_text(r, f);
}

static void write_html(void *priv, FILE *f)
{
	ioh_report_write_html(priv, f);
}

static int run(int argc, char **argv)
{
	struct opts o = { 0 };
	ioh_report *r;
	ioh_ctx *ctx;
	bool saved_only = false;
	int rc = parse_args(argc, argv, &o), part;

	if (rc)
		return rc < 0 ? CLI_OK : rc;
	ctx = cli_ctx_new(o.verbose);
	r = ioh_report_new();
	if (!ctx || !r) {
		ioh_report_free(r);
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	if (o.vmcore && (part = from_vmcore(ctx, &o, r, &saved_only)) != CLI_OK)
		rc = part;
	if (!saved_only && rc == CLI_OK) {
		if (o.nlogs && (part = from_logs(ctx, &o, r)) != CLI_OK)
			rc = part;
		if (o.sysfs && (part = from_sysfs(ctx, &o, r)) != CLI_OK)
			rc = part;
		ioh_report_finish(r);
		if (o.output) {
			struct out out = { r, o.json };

			if (cli_write_atomic("report", o.output, write_report, &out))
				rc = CLI_ERROR;
		} else {
			struct out out = { r, o.json };

			write_report(&out, stdout);
		}
		if (o.html && cli_write_atomic("report", o.html, write_html, r))
			rc = CLI_ERROR;
		if (rc == CLI_OK && ioh_report_has_problem(r))
			rc = CLI_PROBLEM;
	}
	ioh_report_free(r);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND("report", run, "which devices had in-flight DMA: dump + log + sysfs verdicts");
