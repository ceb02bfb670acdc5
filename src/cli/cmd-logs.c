/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-handover logs: what the capture kernel's log says about DMA and the table copy. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/evidence.h>
#include <ioh/vtd.h>

#include "cli.h"
#include "json.h"

#define CMD "logs"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s " CMD " [OPTIONS] FILE...\n"
		"Read capture-kernel logs (dmesg, vmcore-dmesg.txt, /dev/kmsg, journalctl -k,\n"
		"syslog; '-' is stdin) and report, per PCI device, the VT-d faults and where\n"
		"they fall relative to the table copy and to the device's driver probe.\n\n"
		"Options:\n"
		"  -j, --json      JSON output\n"
		"  -e, --events    also list the events in order\n"
		"  -v, --verbose   more diagnostics on stderr\n"
		"  -h, --help      this help\n\n"
		"Exit status: 0 no DMA fault after a table copy, 2 DMA faults after the copy\n"
		"(in-flight DMA evidence), 1 an input could not be read.\n",
		cli_prog);
}

static const char *form_name(enum ioh_klog_form f)
{
	switch (f) {
	case IOH_KLOG_FORM_DMESG: return "dmesg";
	case IOH_KLOG_FORM_KMSG: return "kmsg";
	case IOH_KLOG_FORM_SYSLOG: return "syslog";
	default: return "plain";
	}
}

static const char *copy_state_name(enum ioh_klog_copy_state s)
{
	switch (s) {
	case IOH_KLOG_COPY_OK: return "copied";
	case IOH_KLOG_COPY_FAIL: return "copy-failed";
	case IOH_KLOG_COPY_NOT_KDUMP: return "not-kdump";
	default: return "no-copy-seen";
	}
}

static const char *access_name(enum ioh_klog_access a)
{
	switch (a) {
	case IOH_KLOG_ACCESS_READ: return "read";
	case IOH_KLOG_ACCESS_WRITE: return "write";
	case IOH_KLOG_ACCESS_OTHER: return "other";
	default: return "";
	}
}

/* Units named in "Copied translation tables" lines, each once. */
static size_t copied_units(const ioh_klog *k, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ioh_klog_unit_count(k); i++) {
		const struct ioh_klog_unit *u = ioh_klog_unit_at(k, i);
		bool dup = false;

		if (u->state != IOH_KLOG_COPY_OK)
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= !strcmp(out[j], u->unit);
		if (!dup && n < max)
			out[n++] = u->unit;
	}
	return n;
}

static void where(const ioh_klog *k, unsigned file, uint64_t line, const char *stamp, FILE *f)
{
	fprintf(f, "%s:%" PRIu64, ioh_klog_file_name(k, file), line);
	if (stamp[0])
		fprintf(f, " [%s]", stamp);
}

static void text_device(const ioh_klog *k, const struct ioh_klog_device *d, FILE *f)
{
	char bdf[IOH_BDF_STRLEN];

	fprintf(f, "  %s", ioh_bdf_str(d->bdf, bdf));
	if (d->iommu_group >= 0)
		fprintf(f, "  group %d", d->iommu_group);
	if (d->probed) {
		fprintf(f, "  driver %s at ", d->driver);
		where(k, d->probe_file, d->probe_line, d->probe_stamp, f);
	}
	fputc('\n', f);
	if (!d->dma_faults && !d->ir_faults)
		return;
	fprintf(f, "    dma faults %" PRIu64 " (read %" PRIu64 ", write %" PRIu64, d->dma_faults,
		d->dma_read, d->dma_write);
	if (d->dma_other)
		fprintf(f, ", other %" PRIu64, d->dma_other);
	fprintf(f, "), after table copy %" PRIu64 ", before driver probe %" PRIu64
		   ", between the two %" PRIu64 "\n",
		d->faults_after_copy, d->faults_before_probe, d->faults_in_window);
	for (unsigned r = 0; r < 256; r++) {
		const struct ioh_fault_reason *fr = ioh_fault_reason(r);
		const char *text = ioh_klog_reason_text(k, r);

		if (!d->reasons[r])
			continue;
		/* the kernel's own words first; ours when it printed none */
		fprintf(f, "    reason 0x%02x x%" PRIu64 "  %s%s\n", r, d->reasons[r],
			text[0] ? text : fr ? fr->name : "", fr ? "" : " (not a defined reason)");
	}
	if (d->dma_no_reason)
		fprintf(f, "    reason not printed x%" PRIu64 "\n", d->dma_no_reason);
	if (d->ir_faults)
		fprintf(f, "    interrupt-remapping faults %" PRIu64 "\n", d->ir_faults);
	if (d->suppressed)
		fprintf(f, "    callbacks suppressed after its faults %" PRIu64 "\n", d->suppressed);
	fprintf(f, "    first ");
	where(k, d->first_file, d->first_line, d->first_stamp, f);
	fprintf(f, ", last ");
	where(k, d->last_file, d->last_line, d->last_stamp, f);
	fputc('\n', f);
}

static void text_event(const ioh_klog *k, const struct ioh_klog_event *e, FILE *f)
{
	char bdf[IOH_BDF_STRLEN];

	fputs("  ", f);
	where(k, e->file, e->line, e->stamp, f);
	fprintf(f, " boot %u %s", e->boot, ioh_klog_kind_name(e->kind));
	if (e->has_bdf)
		fprintf(f, " %s", ioh_bdf_str(e->bdf, bdf));
	if (e->unit[0])
		fprintf(f, " %s", e->unit);
	if (e->kind == IOH_KLOG_DMA_FAULT || e->kind == IOH_KLOG_IR_FAULT) {
		if (e->access)
			fprintf(f, " %s", access_name(e->access));
		if (e->reason >= 0)
			fprintf(f, " reason 0x%02x", e->reason);
		fprintf(f, " %s 0x%" PRIx64, e->kind == IOH_KLOG_IR_FAULT ? "index" : "addr",
			e->addr);
		if (e->has_pasid)
			fprintf(f, " pasid 0x%x", e->pasid);
	}
	if (e->kind == IOH_KLOG_DRIVER_PROBE)
		fprintf(f, " %s", e->driver);
	if (e->kind == IOH_KLOG_SUPPRESSED || e->kind == IOH_KLOG_IOMMU_GROUP ||
	    e->kind == IOH_KLOG_CTX_COPY_FAILED)
		fprintf(f, " %" PRIu64, e->value);
	if (e->kind == IOH_KLOG_FAULT_STATUS)
		fprintf(f, " 0x%" PRIx64, e->value);
	fputc('\n', f);
}

static void write_text(const ioh_klog *k, bool events, FILE *f)
{
	const struct ioh_klog_summary *s = ioh_klog_summary(k);
	const char *units[64];
	size_t nu;

	fprintf(f, "inputs:\n");
	for (unsigned i = 0; i < ioh_klog_file_count(k); i++)
		fprintf(f, "  %s (%s)\n", ioh_klog_file_name(k, i),
			form_name(ioh_klog_file_form(k, i)));
	fprintf(f, "lines %" PRIu64 ", boots %u\n", s->lines, s->boots);
	if (ioh_klog_unit_count(k)) {
		fprintf(f, "units:\n");
		for (size_t i = 0; i < ioh_klog_unit_count(k); i++) {
			const struct ioh_klog_unit *u = ioh_klog_unit_at(k, i);

			fprintf(f, "  boot %u %s: %s at ", u->boot, u->unit, copy_state_name(u->state));
			where(k, u->file, u->line, u->stamp, f);
			if (u->ctx_copy_failures)
				fprintf(f, ", %u context tables not copied", u->ctx_copy_failures);
			if (u->ir_copied)
				fprintf(f, ", IR table copied");
			if (u->ir_copy_failed)
				fprintf(f, ", IR table copy failed");
			if (u->ir_not_kdump)
				fprintf(f, ", IR was on outside kdump");
			fputc('\n', f);
		}
	}
	if (ioh_klog_device_count(k)) {
		fprintf(f, "devices:\n");
		for (size_t i = 0; i < ioh_klog_device_count(k); i++)
			text_device(k, ioh_klog_device_at(k, i), f);
	}
	if (ioh_klog_unclassified_count(k)) {
		fprintf(f, "unclassified DMAR-like lines:\n");
		for (size_t i = 0; i < ioh_klog_unclassified_count(k); i++) {
			const struct ioh_klog_event *e = ioh_klog_unclassified_at(k, i);

			fputs("  ", f);
			where(k, e->file, e->line, e->stamp, f);
			fprintf(f, ": %s\n", e->text);
		}
	}
	if (events) {
		fprintf(f, "events:\n");
		for (size_t i = 0; i < ioh_klog_event_count(k); i++)
			text_event(k, ioh_klog_event_at(k, i), f);
	}
	nu = copied_units(k, units, sizeof(units) / sizeof(units[0]));
	fprintf(f, "tables copied:");
	for (size_t i = 0; i < nu; i++)
		fprintf(f, " %s", units[i]);
	fprintf(f, "%s\n", nu ? "" : " none seen");
	fprintf(f,
		"dma faults %" PRIu64 " (%" PRIu64 " after the table copy), ir faults %" PRIu64
		", callbacks suppressed %" PRIu64 ", fault status lines %" PRIu64 "\n",
		s->dma_faults, s->dma_faults_after_copy, s->ir_faults, s->suppressed,
		s->fault_status);
	fprintf(f,
		"duplicates %" PRIu64 ", joined %" PRIu64 ", unclassified %" PRIu64
		", long lines %" PRIu64 ", lines with NUL %" PRIu64 "\n",
		s->duplicates, s->joined, s->unclassified, s->long_lines, s->nul_lines);
	if (s->events_dropped || s->devices_dropped || s->unclassified_dropped)
		fprintf(f, "not kept (bounds): %" PRIu64 " events, %" PRIu64 " devices, %" PRIu64
			   " unclassified lines\n",
			s->events_dropped, s->devices_dropped, s->unclassified_dropped);
	fprintf(f, "verdict: %s\n",
		s->dma_faults_after_copy ? "DMA faults after the table copy: in-flight DMA"
					 : "no DMA fault after a table copy");
}

static void json_where(struct ioh_json *j, const ioh_klog *k, const char *pfx, unsigned file,
		       uint64_t line, uint64_t usec, const char *stamp)
{
	char key[32];

	snprintf(key, sizeof(key), "%sfile", pfx);
	ioh_json_kstr(j, key, ioh_klog_file_name(k, file));
	snprintf(key, sizeof(key), "%sline", pfx);
	ioh_json_ku64(j, key, line);
	snprintf(key, sizeof(key), "%susec", pfx);
	if (usec != IOH_KLOG_NO_TIME)
		ioh_json_ku64(j, key, usec);
	snprintf(key, sizeof(key), "%sstamp", pfx);
	ioh_json_kstr(j, key, stamp);
}

static void json_device(struct ioh_json *j, const ioh_klog *k, const struct ioh_klog_device *d)
{
	char bdf[IOH_BDF_STRLEN], hex[8];

	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "bdf", ioh_bdf_str(d->bdf, bdf));
	ioh_json_key(j, "iommu_group");
	if (d->iommu_group >= 0)
		ioh_json_i64(j, d->iommu_group);
	else
		ioh_json_null(j);
	ioh_json_ku64(j, "dma_faults", d->dma_faults);
	ioh_json_ku64(j, "dma_read", d->dma_read);
	ioh_json_ku64(j, "dma_write", d->dma_write);
	ioh_json_ku64(j, "dma_other", d->dma_other);
	ioh_json_key(j, "reasons");
	ioh_json_arr_begin(j);
	for (unsigned r = 0; r < 256; r++)
		if (d->reasons[r]) {
			snprintf(hex, sizeof(hex), "0x%02x", r);
			ioh_json_str(j, hex);
		}
	ioh_json_arr_end(j);
	ioh_json_key(j, "reason_counts");
	ioh_json_obj_begin(j);
	for (unsigned r = 0; r < 256; r++)
		if (d->reasons[r]) {
			snprintf(hex, sizeof(hex), "0x%02x", r);
			ioh_json_ku64(j, hex, d->reasons[r]);
		}
	ioh_json_obj_end(j);
	ioh_json_ku64(j, "dma_no_reason", d->dma_no_reason);
	ioh_json_ku64(j, "ir_faults", d->ir_faults);
	ioh_json_ku64(j, "suppressed", d->suppressed);
	ioh_json_ku64(j, "faults_before_copy", d->faults_before_copy);
	ioh_json_ku64(j, "faults_after_copy", d->faults_after_copy);
	ioh_json_ku64(j, "faults_before_probe", d->faults_before_probe);
	ioh_json_ku64(j, "faults_after_probe", d->faults_after_probe);
	ioh_json_ku64(j, "faults_after_copy_before_probe", d->faults_in_window);
	if (d->dma_faults || d->ir_faults) {
		json_where(j, k, "first_", d->first_file, d->first_line, d->first_usec,
			   d->first_stamp);
		json_where(j, k, "last_", d->last_file, d->last_line, d->last_usec, d->last_stamp);
	}
	ioh_json_key(j, "driver");
	if (d->probed) {
		ioh_json_str(j, d->driver);
		ioh_json_ku64(j, "probe_boot", d->probe_boot);
		ioh_json_kstr(j, "probe_file", ioh_klog_file_name(k, d->probe_file));
		ioh_json_ku64(j, "probe_line", d->probe_line);
		ioh_json_kstr(j, "probe_stamp", d->probe_stamp);
	} else {
		ioh_json_null(j);
	}
	ioh_json_obj_end(j);
}

static void json_event(struct ioh_json *j, const ioh_klog *k, const struct ioh_klog_event *e)
{
	char bdf[IOH_BDF_STRLEN], hex[8];

	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "kind", ioh_klog_kind_name(e->kind));
	json_where(j, k, "", e->file, e->line, e->usec, e->stamp);
	ioh_json_ku64(j, "boot", e->boot);
	if (e->has_bdf)
		ioh_json_kstr(j, "bdf", ioh_bdf_str(e->bdf, bdf));
	if (e->unit[0])
		ioh_json_kstr(j, "unit", e->unit);
	if (e->kind == IOH_KLOG_DMA_FAULT || e->kind == IOH_KLOG_IR_FAULT) {
		if (e->access)
			ioh_json_kstr(j, "access", access_name(e->access));
		if (e->reason >= 0) {
			snprintf(hex, sizeof(hex), "0x%02x", e->reason);
			ioh_json_kstr(j, "reason", hex);
			ioh_json_kbool(j, "reason_printed_decimal", e->reason_decimal);
		}
		ioh_json_khex(j, e->kind == IOH_KLOG_IR_FAULT ? "index" : "addr", e->addr);
		if (e->has_pasid)
			ioh_json_ku64(j, "pasid", e->pasid);
	}
	if (e->kind == IOH_KLOG_DRIVER_PROBE)
		ioh_json_kstr(j, "driver", e->driver);
	if (e->kind == IOH_KLOG_SUPPRESSED || e->kind == IOH_KLOG_IOMMU_GROUP ||
	    e->kind == IOH_KLOG_CTX_COPY_FAILED || e->kind == IOH_KLOG_FAULT_STATUS)
		ioh_json_ku64(j, "value", e->value);
	ioh_json_kstr(j, "text", e->text);
	ioh_json_obj_end(j);
}

static void write_json(const ioh_klog *k, bool events, FILE *f)
{
	const struct ioh_klog_summary *s = ioh_klog_summary(k);
	struct ioh_json j;
	const char *units[64];
	size_t nu = copied_units(k, units, sizeof(units) / sizeof(units[0]));

	ioh_json_init(&j, f, true);
	ioh_json_obj_begin(&j);
	ioh_json_key(&j, "inputs");
	ioh_json_arr_begin(&j);
	for (unsigned i = 0; i < ioh_klog_file_count(k); i++) {
		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "name", ioh_klog_file_name(k, i));
		ioh_json_kstr(&j, "form", form_name(ioh_klog_file_form(k, i)));
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_ku64(&j, "lines", s->lines);
	ioh_json_ku64(&j, "boots", s->boots);
	ioh_json_ku64(&j, "dma_faults", s->dma_faults);
	ioh_json_ku64(&j, "dma_faults_after_copy", s->dma_faults_after_copy);
	ioh_json_ku64(&j, "ir_faults", s->ir_faults);
	ioh_json_ku64(&j, "suppressed", s->suppressed);
	ioh_json_ku64(&j, "fault_status", s->fault_status);
	ioh_json_ku64(&j, "duplicates", s->duplicates);
	ioh_json_ku64(&j, "joined", s->joined);
	ioh_json_ku64(&j, "unclassified", s->unclassified);
	ioh_json_ku64(&j, "long_lines", s->long_lines);
	ioh_json_ku64(&j, "nul_lines", s->nul_lines);
	ioh_json_ku64(&j, "events_dropped", s->events_dropped);
	ioh_json_key(&j, "copied_tables");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < nu; i++)
		ioh_json_str(&j, units[i]);
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "units");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < ioh_klog_unit_count(k); i++) {
		const struct ioh_klog_unit *u = ioh_klog_unit_at(k, i);

		ioh_json_obj_begin(&j);
		ioh_json_kstr(&j, "unit", u->unit);
		ioh_json_ku64(&j, "boot", u->boot);
		ioh_json_kstr(&j, "state", copy_state_name(u->state));
		json_where(&j, k, "", u->file, u->line, u->usec, u->stamp);
		ioh_json_ku64(&j, "context_copy_failures", u->ctx_copy_failures);
		ioh_json_kbool(&j, "ir_copied", u->ir_copied);
		ioh_json_kbool(&j, "ir_copy_failed", u->ir_copy_failed);
		ioh_json_kbool(&j, "ir_not_kdump", u->ir_not_kdump);
		ioh_json_obj_end(&j);
	}
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "reason_text");
	ioh_json_obj_begin(&j);
	for (unsigned r = 0; r < 256; r++)
		if (ioh_klog_reason_text(k, r)[0]) {
			char hex[8];

			snprintf(hex, sizeof(hex), "0x%02x", r);
			ioh_json_kstr(&j, hex, ioh_klog_reason_text(k, r));
		}
	ioh_json_obj_end(&j);
	ioh_json_key(&j, "reason_names");
	ioh_json_obj_begin(&j);
	for (unsigned r = 0; r < 256; r++) {
		const struct ioh_fault_reason *fr = ioh_fault_reason(r);
		char hex[8];
		bool seen = false;

		for (size_t i = 0; i < ioh_klog_device_count(k) && !seen; i++)
			seen = ioh_klog_device_at(k, i)->reasons[r] != 0;
		if (!seen)
			continue;
		snprintf(hex, sizeof(hex), "0x%02x", r);
		if (fr)
			ioh_json_kstr(&j, hex, fr->name);
		else
			ioh_json_kstr(&j, hex, "(not a defined reason)");
	}
	ioh_json_obj_end(&j);
	ioh_json_key(&j, "devices");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < ioh_klog_device_count(k); i++)
		json_device(&j, k, ioh_klog_device_at(k, i));
	ioh_json_arr_end(&j);
	ioh_json_key(&j, "unclassified_lines");
	ioh_json_arr_begin(&j);
	for (size_t i = 0; i < ioh_klog_unclassified_count(k); i++)
		json_event(&j, k, ioh_klog_unclassified_at(k, i));
	ioh_json_arr_end(&j);
	if (events) {
		ioh_json_key(&j, "events");
		ioh_json_arr_begin(&j);
		for (size_t i = 0; i < ioh_klog_event_count(k); i++)
			json_event(&j, k, ioh_klog_event_at(k, i));
		ioh_json_arr_end(&j);
	}
	ioh_json_obj_end(&j);
	ioh_json_end(&j);
}

static int run_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'e' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, events = false;
	int verbose = 0, c, rc = CLI_OK;
	ioh_ctx *ctx;
	ioh_klog *k;

	while ((c = getopt_long(argc, argv, "jevh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'e': events = true; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return CLI_OK;
		default: return cli_usage_error(CMD);
		}
	}
	if (optind >= argc) {
		cli_err(CMD, "no input file (use - for stdin)");
		return cli_usage_error(CMD);
	}
	ctx = cli_ctx_new(verbose);
	if (!ctx)
		return CLI_ERROR;
	k = ioh_klog_new(ctx);
	if (!k) {
		cli_err(CMD, "out of memory");
		ioh_ctx_free(ctx);
		return CLI_ERROR;
	}
	for (int i = optind; i < argc; i++)
		if (ioh_klog_read_path(k, argv[i]) != IOH_OK) {
			cli_err_ctx(CMD, ctx, NULL);
			rc = CLI_ERROR;
		}
	if (rc == CLI_OK) {
		if (json)
			write_json(k, events, stdout);
		else
			write_text(k, events, stdout);
		if (ioh_klog_summary(k)->dma_faults_after_copy)
			rc = CLI_PROBLEM;
	}
	if (fflush(stdout) || ferror(stdout)) {
		cli_err(CMD, "write error on standard output");
		rc = CLI_ERROR;
	}
	ioh_klog_free(k);
	ioh_ctx_free(ctx);
	return rc;
}

CLI_COMMAND(CMD, run_logs, "read capture-kernel logs: DMAR faults vs the table copy");
