/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option parsing and output helpers that several subcommands share. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/evidence.h>
#include <ioh/vtd.h>

#include "cli.h"

int cli_parse_rtaddr(const char *cmd, const char *arg, uint64_t *addr, enum ioh_vtd_mode *mode,
		     bool *mode_given)
{
	char buf[64], *comma;
	unsigned long long v;

	snprintf(buf, sizeof(buf), "%s", arg);
	comma = strchr(buf, ',');
	if (comma) {
		*comma++ = '\0';
		if (ioh_vtd_mode_parse(comma, mode)) {
			cli_err(cmd, "--rtaddr: unknown mode '%s' (legacy or scalable)", comma);
			return -1;
		}
		*mode_given = true;
	}
	if (cli_parse_u64(buf, &v) || !v || (v & 0xfff)) {
		cli_err(cmd, "--rtaddr: '%s' is not a 4 KiB-aligned, non-zero address", buf);
		return -1;
	}
	*addr = v;
	return 0;
}

int cli_parse_reader(const char *cmd, const char *arg, enum ioh_source_kind *kind)
{
	if (!ioh_source_kind_from_name(arg, kind))
		return 0;
	cli_err(cmd, "--reader: unknown reader '%s' (auto, elf, kdump, flat, libkdumpfile)", arg);
	return -1;
}

int cli_dmar_units(const char *cmd, const char *path, unsigned *units, unsigned *haw)
{
	struct ioh_dmar_table *t = NULL;
	ioh_ctx *ctx = ioh_ctx_new();
	unsigned n = 0;

	if (!ctx)
		return -1;
	if (ioh_dmar_read_path(ctx, path, false, &t) != IOH_OK) {
		cli_err_ctx(cmd, ctx, "--dmar");
		ioh_ctx_free(ctx);
		return -1;
	}
	for (unsigned i = 0; i < t->nstructs; i++)
		n += t->structs[i].type == IOH_DMAR_DRHD;
	*units = n;
	if (haw)
		*haw = t->haw;
	ioh_dmar_free(t);
	ioh_ctx_free(ctx);
	return 0;
}

/*
 * Writes through a temporary file in the same directory, fsyncs it, then
 * link()s it to the final name: atomic, and it fails rather than replace a
 * report that is already there.
 */
int cli_write_atomic(const char *cmd, const char *path, void (*write)(void *priv, FILE *f),
		     void *priv)
{
	char tmp[4096];
	FILE *f;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		cli_err(cmd, "%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		cli_err(cmd, "cannot create a file beside %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	write(priv, f);
	if (fflush(f) || fsync(fd) || ferror(f)) {
		cli_err(cmd, "writing %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (!rc && link(tmp, path)) {
		cli_err(cmd, "%s: %s (an existing report is never overwritten)", path,
			strerror(errno));
		rc = -1;
	}
	unlink(tmp);
	return rc;
}
