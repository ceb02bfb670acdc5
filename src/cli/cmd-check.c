/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover check: audit this machine's IOMMU and kdump setup. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/audit.h>

#include "cli.h"
#include "json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s check [OPTIONS]\n"
		"Audit whether a crash on this machine gives a safe, analysable IOMMU handover:\n"
		"the IOMMU state, the kernel's defaults, the kdump reservation and capture\n"
		"command line, the dump level and the capture hooks. Each finding has a\n"
		"severity, its evidence and the fix.\n\n"
		"  -r, --root DIR       look every absolute path up under DIR (default /)\n"
		"      --release REL    kernel release for /boot/config-REL\n"
		"                       (default: /proc/sys/kernel/osrelease)\n"
		"  -q, --quiet          show warnings and errors only\n"
		"      --json           machine-readable output\n"
		"  -v, --verbose        log more (repeat for debug)\n"
		"  -h, --help           this text\n\n"
		"Exit status: 0 no error found, 1 could not run, 2 an error-level finding.\n",
		cli_prog);
}

static void print_text(const ioh_audit *au, bool quiet)
{
	size_t n = ioh_audit_count(au), cnt[3] = { 0 };

	for (size_t i = 0; i < n; i++) {
		const struct ioh_audit_finding *f = ioh_audit_get(au, i);

		cnt[f->severity]++;
		if (quiet && f->severity == IOH_AUDIT_INFO)
			continue;
		printf("%-7s %s: %s\n", ioh_audit_severity_name(f->severity), f->id, f->summary);
		printf("        evidence: %s\n", f->evidence);
		if (*f->fix)
			printf("        fix: %s\n", f->fix);
	}
	printf("check: %zu error%s, %zu warning%s, %zu info\n", cnt[2], cnt[2] == 1 ? "" : "s",
	       cnt[1], cnt[1] == 1 ? "" : "s", cnt[0]);
}

static void print_json(const ioh_audit *au, const char *root, bool quiet)
{
	size_t n = ioh_audit_count(au), cnt[3] = { 0 };
	struct ioh_json j;

	ioh_json_init(&j, stdout, true);
	ioh_json_obj_begin(&j);
	ioh_json_kstr(&j, "root", root);
	ioh_json_key(&j, "findings");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		const struct ioh_audit_finding *f = ioh_audit_get(au, i);

		cnt[f->severity]++;
		if (quiet && f->severity == IOH_AUDIT_INFO)
			continue;
		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "severity", ioh_audit_severity_name(f->severity));
		ioh_json_kstr(&j, "id", f->id);
		ioh_json_kstr(&j, "summary", f->summary);
		ioh_json_kstr(&j, "evidence", f->evidence);
		ioh_json_kstr(&j, "fix", f->fix);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_ku64(&j, "errors", cnt[2]);
	ioh_json_ku64(&j, "warnings", cnt[1]);
	ioh_json_ku64(&j, "info", cnt[0]);
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "release", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = "/", *release = NULL;
	bool json = false, quiet = false;
	int c, verbose = 0, rc = CLI_ERROR;
	ioh_audit *au = NULL;
	ioh_ctx *ctx;

	while ((c = getopt_long(argc, argv, "r:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'R':
			release = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("check");
		}
	}
	if (optind < argc) {
		cli_err("check", "unexpected argument '%s'", argv[optind]);
		return cli_usage_error("check");
	}
	ctx = cli_ctx_new(verbose);
	if (!ctx)
		return CLI_ERROR;
	if (ioh_audit_new(ctx, root, &au) != IOH_OK ||
	    (release && ioh_audit_set_release(au, release) != IOH_OK) ||
	    ioh_audit_run(au) != IOH_OK) {
		cli_err_ctx("check", ctx, NULL);
		goto out;
	}
	if (json)
		print_json(au, root, quiet);
	else
		print_text(au, quiet);
	if (fflush(stdout) != 0) {
		cli_err("check", "writing the output failed");
		goto out;
	}
	rc = ioh_audit_worst(au) == IOH_AUDIT_ERROR ? CLI_PROBLEM : CLI_OK;
out:
	ioh_audit_free(au);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND("check", cmd_check, "audit IOMMU and kdump setup before a crash");
