/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover scan: the crashed kernel's VT-d tables, out of a dump. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/scan.h>

#include "cli.h"

static void help(void)
{
	printf("Usage: %s scan [OPTIONS] DUMP\n"
	       "Find and decode the crashed kernel's VT-d root, context and PASID tables in a\n"
	       "dump (ELF vmcore, kdump-compressed, flattened, or raw:FILE@BASE), and walk each\n"
	       "device's page tables.\n\n"
	       "  -r, --rtaddr ADDR[,MODE]  the root table address (and legacy|scalable); without\n"
	       "                            it the dump is scanned for root tables\n"
	       "  -d, --dmar FILE           ACPI DMAR table: how many IOMMU units to expect\n"
	       "      --haw BITS            host address width for validation (default: from\n"
	       "                            --dmar, else 52)\n"
	       "  -t, --max-seconds S       stop the discovery scan after S seconds\n"
	       "      --no-pages            do not walk the page tables\n"
	       "      --reader NAME         auto (probe, the default), elf, kdump, flat, or\n"
	       "                            libkdumpfile (kdump-compressed read through\n"
	       "                            libkdumpfile, whose memory grows with the dump)\n"
	       "  -j, --json                JSON output (schema iommu-handover.scan/1)\n"
	       "  -v, --verbose             more detail (PASID entries, log messages)\n"
	       "  -q, --quiet               no progress bar\n"
	       "  -h, --help                this text\n\n"
	       "Exit status: 0 tables found and sane, 1 error or no table found,\n"
	       "2 a table entry looks torn.\n",
	       cli_prog);
}

static void progress(void *priv, uint64_t done, uint64_t total)
{
	(void)priv;
	if (total)
		fprintf(stderr, "\rscanning: %3u%% (%llu MiB)", (unsigned)(done * 100 / total),
			(unsigned long long)(done >> 20));
}



static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rtaddr", required_argument, NULL, 'r' }, { "dmar", required_argument, NULL, 'd' },
		{ "haw", required_argument, NULL, 'H' },    { "max-seconds", required_argument, NULL, 't' },
		{ "no-pages", no_argument, NULL, 'P' },	    { "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },	    { "quiet", no_argument, NULL, 'q' },
		{ "reader", required_argument, NULL, 'R' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioh_scan_config cfg = { 0 };
	enum ioh_source_kind kind = IOH_SOURCE_AUTO;
	int opt, json = 0, verbose = 0, quiet = 0, rc;
	const char *dmar = NULL;
	unsigned long long v;
	ioh_source *src = NULL;
	ioh_scan *scan = NULL;
	ioh_ctx *ctx;
	ioh_status st;
	char *end;

	while ((opt = getopt_long(argc, argv, "r:d:t:jvqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (cli_parse_rtaddr("scan", optarg, &cfg.rtaddr, &cfg.mode, &cfg.mode_given))
				return CLI_ERROR;
			break;
		case 'd':
			dmar = optarg;
			break;
		case 'H':
			if (cli_parse_u64(optarg, &v) || v < 32 || v > 64) {
				cli_err("scan", "--haw: '%s' is not a width between 32 and 64", optarg);
				return CLI_ERROR;
			}
			cfg.haw = (unsigned)v;
			break;
		case 't':
			cfg.max_seconds = strtod(optarg, &end);
			if (*end || cfg.max_seconds <= 0) {
				cli_err("scan", "--max-seconds: '%s' is not a positive number", optarg);
				return CLI_ERROR;
			}
			break;
		case 'P':
			cfg.no_pages = true;
			break;
		case 'R':
			if (cli_parse_reader("scan", optarg, &kind))
				return CLI_ERROR;
			break;
		case 'j':
			json = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			help();
			return CLI_OK;
		default:
			return cli_usage_error("scan");
		}
	}
	if (optind != argc - 1) {
		cli_err("scan", optind >= argc ? "no dump given" : "one dump at a time");
		return cli_usage_error("scan");
	}
	if (dmar && cli_dmar_units("scan", dmar, &cfg.expected_units, cfg.haw ? NULL : &cfg.haw))
		return CLI_ERROR;
	if (!quiet && !json && isatty(STDERR_FILENO))
		cfg.progress = progress;
	ctx = cli_ctx_new(verbose);
	if (!ctx)
		return CLI_ERROR;
	st = ioh_source_open_kind(ctx, kind, argv[optind], &src);
	if (st != IOH_OK) {
		cli_err_ctx("scan", ctx, NULL);
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	st = ioh_scan_run(ctx, src, &cfg, &scan);
	if (cfg.progress)
		fputc('\n', stderr);
	if (!scan) {
		cli_err_ctx("scan", ctx, NULL);
		rc = CLI_ERROR;
		goto out;
	}
	if (st == IOH_ERR_LIMIT)
		cli_err("scan", "%s; the result may be incomplete", ioh_get_err(ctx));
	if (json)
		ioh_scan_write_json(scan, stdout);
	else
		ioh_scan_write_text(scan, stdout, verbose > 0);
	rc = ioh_scan_has_problem(scan) ? CLI_PROBLEM : ioh_scan_nunits(scan) ? CLI_OK : CLI_ERROR;
out:
	ioh_scan_free(scan);
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND("scan", run, "find and decode the crashed kernel's VT-d tables in a dump");
