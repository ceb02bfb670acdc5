/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The iommu-handover front end: subcommands register themselves here. */
#ifndef IOH_CLI_H
#define IOH_CLI_H

#include <stdio.h>

#include <stdbool.h>
#include <stdint.h>

#include <ioh/ioh.h>
#include <ioh/source.h>
#include <ioh/vtd.h>

/* Exit codes shared by every subcommand. */
enum {
	CLI_OK = 0,	  /* ran, nothing wrong found */
	CLI_ERROR = 1,	  /* usage error or could not run */
	CLI_PROBLEM = 2,  /* ran and found a problem (torn fetch, in-flight DMA, ...) */
};

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Places a command in the "ioh_cmds" section; main.c lists them in name order. */
#define CLI_COMMAND(name_, run_, summary_)                                             \
	static const struct cli_cmd cli_cmd_##run_                                     \
		__attribute__((used, section("ioh_cmds"), aligned(sizeof(void *)))) = { \
			name_, run_, summary_                                          \
		}

extern const char *cli_prog; /* "iommu-handover" */

/* "iommu-handover CMD: message" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, then the context's detailed error. */
void cli_err_ctx(const char *cmd, ioh_ctx *ctx, const char *what);
/* For getopt's default branch: the usual "try --help" line; returns CLI_ERROR. */
int cli_usage_error(const char *cmd);
/* Parses a number (0x hex, or decimal) into *out; returns 0 or -1. */
int cli_parse_u64(const char *s, unsigned long long *out);
/* "--rtaddr ADDR[,MODE]": 0 or -1 (message printed). */
int cli_parse_rtaddr(const char *cmd, const char *arg, uint64_t *addr, enum ioh_vtd_mode *mode,
		     bool *mode_given);
/* "--reader NAME": the source kind to open dumps as; 0 or -1 (message printed). */
int cli_parse_reader(const char *cmd, const char *arg, enum ioh_source_kind *kind);
/* DRHD units and host address width of an ACPI DMAR table file; haw may be NULL. */
int cli_dmar_units(const char *cmd, const char *path, unsigned *units, unsigned *haw);
/* Writes via a temporary file + fsync + link: atomic, never replaces path. 0 or -1. */
int cli_write_atomic(const char *cmd, const char *path, void (*write)(void *priv, FILE *f),
		     void *priv);
/* A context with the log routed to stderr at the priority IOH_LOG / -v sets. */
ioh_ctx *cli_ctx_new(int verbose);

#endif
