/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover info: what a dump is, what RAM it holds, its VMCOREINFO. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioh/source.h>

#include "cli.h"
#include "json.h"

#define INFO_MAX_READ 4096

struct info_opts {
	bool json, ranges, vmcoreinfo;
	const char *read_spec;
	uint64_t read_addr;
	size_t read_len;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s info [OPTIONS] DUMP\n"
		"Show the format, RAM ranges and VMCOREINFO of a crash dump.\n\n"
		"DUMP is an ELF vmcore, a kdump-compressed or flattened makedumpfile dump,\n"
		"or raw:FILE@BASE for a raw memory image loaded at physical address BASE.\n\n"
		"  -r, --ranges         list every RAM range\n"
		"  -i, --vmcoreinfo     print every VMCOREINFO entry\n"
		"  -x, --read=ADDR[:LEN] read LEN bytes (default 8, at most %d) at physical\n"
		"                       ADDR and print them as 64-bit little-endian words\n"
		"      --json           JSON output\n"
		"      --reader NAME    auto (probe, the default), elf, kdump, flat, or\n"
		"                       libkdumpfile (kdump-compressed read through libkdumpfile)\n"
		"  -v, --verbose        log what the readers do (twice: debug)\n"
		"  -h, --help           this help\n\n"
		"Exit status: 0 fine, 1 cannot read the dump (or ADDR), 2 the dump opened but\n"
		"has problems (truncated, malformed notes, incomplete).\n",
		cli_prog, INFO_MAX_READ);
}

static int parse_read(struct info_opts *o)
{
	char *spec = strdup(o->read_spec), *colon = strchr(spec, ':');
	unsigned long long a, l = 8;
	int bad;

	if (colon)
		*colon++ = '\0';
	bad = cli_parse_u64(spec, &a) || (colon && cli_parse_u64(colon, &l)) || !l ||
	      l > INFO_MAX_READ;
	free(spec);
	if (bad) {
		cli_err("info", "--read: expected ADDR[:LEN] with 0 < LEN <= %d, got '%s'",
			INFO_MAX_READ, o->read_spec);
		return -1;
	}
	o->read_addr = a;
	o->read_len = (size_t)l;
	return 0;
}

static uint64_t ram_bytes(const struct ioh_range *r, size_t n)
{
	uint64_t b = 0;

	for (size_t i = 0; i < n; i++)
		b += r[i].end - r[i].start;
	return b;
}

static void print_text(ioh_source *src, const struct info_opts *o, const unsigned char *data)
{
	const ioh_vmcoreinfo *vi = ioh_source_vmcoreinfo(src);
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(src, &r);
	uint64_t u;
	int64_t t;

	printf("file:       %s\n", ioh_source_name(src));
	printf("kind:       %s\n", ioh_source_kind_name(ioh_source_kind(src)));
	printf("describe:   %s\n", ioh_source_describe(src));
	printf("page size:  %" PRIu64 "\n", ioh_source_page_size(src));
	printf("RAM:        %zu ranges, %" PRIu64 " MiB\n", n, ram_bytes(r, n) >> 20);
	for (size_t i = 0; o->ranges && i < n; i++)
		printf("  [0x%" PRIx64 ", 0x%" PRIx64 ")\n", r[i].start, r[i].end);
	if (!vi) {
		printf("VMCOREINFO: none\n");
	} else {
		const char *rel = ioh_vmcoreinfo_osrelease(vi);

		printf("VMCOREINFO: %zu entries\n", ioh_vmcoreinfo_count(vi));
		printf("  OSRELEASE    %s\n", rel ? rel : "?");
		printf("  PAGESIZE     %" PRIu64 "\n", ioh_vmcoreinfo_page_size(vi));
		if (!ioh_vmcoreinfo_crashtime(vi, &t)) {
			time_t tt = (time_t)t;
			char buf[64];

			strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", gmtime(&tt));
			printf("  CRASHTIME    %" PRId64 " (%s)\n", t, buf);
		}
		if (!ioh_vmcoreinfo_kerneloffset(vi, &u))
			printf("  KERNELOFFSET 0x%" PRIx64 "\n", u);
		for (size_t i = 0; o->vmcoreinfo && i < ioh_vmcoreinfo_count(vi); i++) {
			const char *k, *v;

			ioh_vmcoreinfo_entry(vi, i, &k, &v);
			printf("  %s=%s\n", k, v);
		}
	}
	printf("problems:   %zu\n", ioh_source_problem_count(src));
	for (size_t i = 0; i < ioh_source_problem_count(src); i++)
		printf("  %s\n", ioh_source_problem(src, i));
	if (data) {
		for (size_t off = 0; off < o->read_len; off += 8) {
			uint64_t w = 0;

			for (size_t b = 0; b < 8 && off + b < o->read_len; b++)
				w |= (uint64_t)data[off + b] << (8 * b);
			if (off % 32 == 0)
				printf("%s0x%" PRIx64 ":", off ? "\n" : "", o->read_addr + off);
			printf(" 0x%016" PRIx64, w);
		}
		printf("\n");
	}
}

static void print_json(ioh_source *src, const struct info_opts *o, const unsigned char *data)
{
	const ioh_vmcoreinfo *vi = ioh_source_vmcoreinfo(src);
	const struct ioh_range *r;
	size_t n = ioh_source_ranges(src, &r);
	struct ioh_json j;

	ioh_json_init(&j, stdout, true);
	ioh_json_obj_begin(&j);
	ioh_json_kstr(&j, "file", ioh_source_name(src));
	ioh_json_kstr(&j, "kind", ioh_source_kind_name(ioh_source_kind(src)));
	ioh_json_kstr(&j, "describe", ioh_source_describe(src));
	ioh_json_ku64(&j, "page_size", ioh_source_page_size(src));
	ioh_json_ku64(&j, "ram_bytes", ram_bytes(r, n));
	ioh_json_key(&j, "ranges");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		ioh_json_obj_begin(&j);
		ioh_json_khex(&j, "start", r[i].start);
		ioh_json_khex(&j, "end", r[i].end);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "vmcoreinfo");
	if (!vi) {
		ioh_json_null(&j);
	} else {
		ioh_json_obj_begin(&j);
		for (size_t i = 0; i < ioh_vmcoreinfo_count(vi); i++) {
			const char *k, *v;

			ioh_vmcoreinfo_entry(vi, i, &k, &v);
			ioh_json_kstr(&j, k, v);
		}
		ioh_json_obj_end(&j);
	}
	ioh_json_key(&j, "problems");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < ioh_source_problem_count(src); i++)
		ioh_json_str(&j, ioh_source_problem(src, i));
	ioh_json_arr_end(&j);
	if (data) {
		ioh_json_key(&j, "read");
		ioh_json_obj_begin(&j);
		ioh_json_khex(&j, "addr", o->read_addr);
		ioh_json_key(&j, "words");
		ioh_json_arr_begin(&j);
		for (size_t off = 0; off + 8 <= o->read_len; off += 8) {
			uint64_t w = 0;

			for (int b = 7; b >= 0; b--)
				w = w << 8 | data[off + (size_t)b];
			ioh_json_hex(&j, w);
		}
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
	}
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}

static int run_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ranges", no_argument, NULL, 'r' },	  { "vmcoreinfo", no_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'x' }, { "json", no_argument, NULL, 'J' },
		{ "verbose", no_argument, NULL, 'v' },	  { "help", no_argument, NULL, 'h' },
		{ "reader", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct info_opts o = { 0 };
	enum ioh_source_kind kind = IOH_SOURCE_AUTO;
	unsigned char data[INFO_MAX_READ];
	ioh_source *src;
	ioh_ctx *ctx;
	ioh_status st;
	int c, rc;

	while ((c = getopt_long(argc, argv, "rix:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o.ranges = true; break;
		case 'i': o.vmcoreinfo = true; break;
		case 'x': o.read_spec = optarg; break;
		case 'J': o.json = true; break;
		case 'v': o.verbose++; break;
		case 'R':
			if (cli_parse_reader("info", optarg, &kind))
				return CLI_ERROR;
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: return cli_usage_error("info");
		}
	}
	if (optind + 1 != argc) {
		cli_err("info", "expected exactly one DUMP");
		return cli_usage_error("info");
	}
	if (o.read_spec && parse_read(&o) < 0)
		return CLI_ERROR;
	ctx = cli_ctx_new(o.verbose);
	if (!ctx)
		return CLI_ERROR;
	st = ioh_source_open_kind(ctx, kind, argv[optind], &src);
	if (st != IOH_OK) {
		cli_err_ctx("info", ctx, NULL);
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	if (o.read_spec && ioh_source_read(src, o.read_addr, data, o.read_len) != IOH_OK) {
		cli_err_ctx("info", ctx, "--read");
		rc = CLI_ERROR;
	} else {
		if (o.json)
			print_json(src, &o, o.read_spec ? data : NULL);
		else
			print_text(src, &o, o.read_spec ? data : NULL);
		rc = ioh_source_problem_count(src) ? CLI_PROBLEM : CLI_OK;
	}
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND("info", run_info, "show a dump's format, RAM ranges and VMCOREINFO");
