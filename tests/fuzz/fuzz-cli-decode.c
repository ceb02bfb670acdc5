/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `iommu-handover decode --table TYPE FILE`: the table-file reader of the
 * decode command (text with 512 hex words, 'offset:' labels and comments,
 * or 4096 raw bytes), run as the CLI runs it. The first input byte picks
 * the table type, mode, half and output; the rest is the file. The command
 * must return 0, 1 or 2 and, on 1, say why on stderr.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz-util.h"

extern const struct cli_cmd __start_ioh_cmds[] __attribute__((weak));
extern const struct cli_cmd __stop_ioh_cmds[] __attribute__((weak));

static const struct cli_cmd *find(const char *name)
{
	for (const struct cli_cmd *c = __start_ioh_cmds; c < __stop_ioh_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tables[] = {"root", "context", "sm-context", "pasid-dir", "pasid"};
	static const struct cli_cmd *decode;
	static int devnull = -1;
	char path[64], *argv[16];
	int argc = 0, fd, rc, saved_out, saved_err;

	if (!size)
		return 0;
	if (!decode) {
		decode = find("decode");
		devnull = open("/dev/null", O_WRONLY);
	}
	fd = memfd_create("table", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	argv[argc++] = "decode";
	argv[argc++] = "--table";
	argv[argc++] = (char *)tables[data[0] % 5];
	argv[argc++] = "--mode";
	argv[argc++] = data[0] & 0x08 ? "scalable" : "legacy";
	if (data[0] & 0x10) {
		argv[argc++] = "--half";
		argv[argc++] = data[0] & 0x20 ? "upper" : "lower";
	}
	if (data[0] & 0x40)
		argv[argc++] = "--json";
	if (data[0] & 0x80) {
		argv[argc++] = "--haw";
		argv[argc++] = "39";
	}
	argv[argc++] = path;
	argv[argc] = NULL;

	/* the command's output is not the point; keep libFuzzer's stderr for our reports */
	fflush(stdout);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(devnull, 1);
	dup2(devnull, 2);
	optind = 0; /* glibc: a full getopt re-initialisation */
	rc = decode->run(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	close(fd);
	FZ_ASSERT(rc == CLI_OK || rc == CLI_ERROR || rc == CLI_PROBLEM, "decode returned %d", rc);
	return 0;
}
