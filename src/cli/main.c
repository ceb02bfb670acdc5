/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover: dispatches to the subcommand named by argv[1]. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

extern const struct cli_cmd __start_ioh_cmds[] __attribute__((weak));
extern const struct cli_cmd __stop_ioh_cmds[] __attribute__((weak));

const char *cli_prog = "iommu-handover";

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s%s%s: ", cli_prog, cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_err_ctx(const char *cmd, ioh_ctx *ctx, const char *what)
{
	const char *e = ioh_get_err(ctx);

	if (what && *what)
		cli_err(cmd, "%s: %s", what, *e ? e : "unknown error");
	else
		cli_err(cmd, "%s", *e ? e : "unknown error");
}

int cli_usage_error(const char *cmd)
{
	fprintf(stderr, "Try '%s %s --help' for more information.\n", cli_prog, cmd);
	return CLI_ERROR;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static void log_stderr(void *data, int prio, const char *file, int line, const char *fn,
		       const char *fmt, va_list ap)
{
	(void)data;
	(void)file;
	(void)line;
	fprintf(stderr, "%s: %s%s: ", cli_prog, prio <= IOH_LOG_WARNING ? "warning: " : "", fn);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

ioh_ctx *cli_ctx_new(int verbose)
{
	ioh_ctx *ctx = ioh_ctx_new();

	if (!ctx) {
		cli_err(NULL, "out of memory");
		return NULL;
	}
	ioh_set_log_fn(ctx, log_stderr, NULL);
	if (verbose)
		ioh_set_log_priority(ctx, verbose > 1 ? IOH_LOG_DEBUG : IOH_LOG_INFO);
	else if (!getenv("IOH_LOG"))
		ioh_set_log_priority(ctx, IOH_LOG_WARNING);
	return ctx;
}

static int cmd_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cli_cmd *)a)->name, ((const struct cli_cmd *)b)->name);
}

static void usage(FILE *f)
{
	size_t n = (size_t)(__stop_ioh_cmds - __start_ioh_cmds);
	struct cli_cmd sorted[64];

	if (n > 64)
		n = 64;
	memcpy(sorted, __start_ioh_cmds, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmd_cmp);
	fprintf(f,
		"Usage: %s COMMAND [OPTIONS]...\n"
		"Analyse and reproduce the VT-d (Intel IOMMU) handover of a kdump capture kernel.\n\n"
		"Commands:\n",
		cli_prog);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", sorted[i].name, sorted[i].summary);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n"
		   "Exit status: 0 clean, 1 error, 2 ran and found a problem.\n",
		cli_prog);
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s %s\n", cli_prog, ioh_version());
		return CLI_OK;
	}
	for (c = __start_ioh_cmds; c < __stop_ioh_cmds; c++)
		if (!strcmp(c->name, argv[1])) {
			/* getopt_long must see the subcommand as argv[0]. */
			optind = 1;
			return c->run(argc - 1, argv + 1);
		}
	cli_err(NULL, "unknown command '%s'", argv[1]);
	fprintf(stderr, "Try '%s --help' for the list of commands.\n", cli_prog);
	return CLI_ERROR;
}
