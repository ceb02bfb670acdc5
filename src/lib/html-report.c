/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report of a real crash as one HTML page (docs/timeline.md): verdict
 * counts first, then the devices worst first, each row with its evidence
 * and an inline-SVG strip of its faults against the table copy and its
 * driver's probe. Inline CSS only: the page is read on machines with no
 * network, often from a rescue shell's copy.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include <ioh/picture.h>
#include <ioh/report.h>
#include <ioh/vtd.h>

#include "internal.h"

#define STRIP_W 260
#define STRIP_H 22

static const char *const verdict_css[] = {
	[IOH_VERDICT_IN_FLIGHT] = "in-flight",
	[IOH_VERDICT_POSSIBLE] = "possible",
	[IOH_VERDICT_QUIESCED] = "quiesced",
	[IOH_VERDICT_NOT_MAPPED] = "not-mapped",
	[IOH_VERDICT_UNKNOWN] = "unknown",
};

static const char *vcss(enum ioh_verdict v)
{
	return (unsigned)v < IOH_ARRAY_SIZE(verdict_css) ? verdict_css[v] : "unknown";
}

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c, f);
		}
	}
}

static const char *tri(enum ioh_tristate t)
{
	return t == IOH_YES ? "yes" : t == IOH_NO ? "no" : "unknown";
}

static void head(const ioh_report *r, FILE *f)
{
	unsigned count[IOH_VERDICT_UNKNOWN + 1] = { 0 };
	size_t n = ioh_report_ndevices(r);
	const char *s;

	for (size_t i = 0; i < n; i++) {
		unsigned v = ioh_report_get_device(r, i)->verdict;

		count[v <= IOH_VERDICT_UNKNOWN ? v : IOH_VERDICT_UNKNOWN]++;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n"
	      "<title>iommu-handover report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:16px;color:#222}\n"
	      "table{border-collapse:collapse;font-size:13px}\n"
	      "td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}\n"
	      "th{background:#eee}.mono{font-family:monospace}\n"
	      ".badge{display:inline-block;white-space:nowrap;padding:2px 8px;border-radius:4px;font-weight:bold;color:#fff}\n"
	      "tr.in-flight td{background:#fde0dc}.badge.in-flight{background:#c62828}\n"
	      "tr.possible td{background:#fff1d6}.badge.possible{background:#e67e00}\n"
	      "tr.quiesced td{background:#e6f4e6}.badge.quiesced{background:#2e7d32}\n"
	      "tr.not-mapped td{background:#f4f4f4}.badge.not-mapped{background:#888}\n"
	      "tr.unknown td{background:#eef0fb}.badge.unknown{background:#5c6bc0}\n"
	      ".problem{color:#b00;font-weight:bold}.sum span{margin-right:14px}\n"
	      "</style></head><body>\n", f);
	fprintf(f, "<h1>iommu-handover report: <span class=\"badge %s\">%s</span></h1>\n",
		ioh_report_has_problem(r) ? "in-flight" : "quiesced",
		ioh_report_has_problem(r) ? "PROBLEM" : "clean");
	fputs("<p class=\"sum\">", f);
	for (unsigned v = 0; v <= IOH_VERDICT_UNKNOWN; v++)
		fprintf(f, "<span><span class=\"badge %s\">%u</span> %s</span>", vcss(v), count[v],
			ioh_verdict_name(v));
	fputs("</p>\n<p>Inputs:", f);
	for (unsigned i = 0; (s = ioh_report_get_input(r, i)); i++) {
		fputs(i ? ", <span class=\"mono\">" : " <span class=\"mono\">", f);
		esc(f, s);
		fputs("</span>", f);
	}
	if (ioh_report_copy_time(r) >= 0)
		fprintf(f, ". Table copy at %.6f s after the capture kernel's boot", ioh_report_copy_time(r));
	fputs(".</p>\n", f);
}

static void units(const ioh_report *r, FILE *f)
{
	size_t n = ioh_report_nunits(r);

	if (!n)
		return;
	fputs("<h2>IOMMU units</h2>\n<table><tr><th>unit</th><th>register base</th>"
	      "<th>root table</th><th>mode</th><th>found</th><th>copied</th><th>entries</th>"
	      "<th>torn-looking</th><th>problems</th></tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct ioh_report_unit *u = ioh_report_get_unit(r, i);

		fputs("<tr><td>", f);
		esc(f, u->name);
		fprintf(f, "</td><td class=\"mono\">%#" PRIx64 "</td><td class=\"mono\">%#" PRIx64
			   "</td><td>%s</td><td>",
			u->reg_base, u->root_table, ioh_vtd_mode_name(u->mode));
		esc(f, u->confidence);
		fprintf(f, "</td><td>%s%s</td><td>%u</td><td%s>%u</td><td>", tri(u->copied),
			u->copy_failed == IOH_YES ? " (copy failed)" : "", u->devices,
			u->torn_looking ? " class=\"problem torn\"" : "", u->torn_looking);
		for (unsigned k = 0; k < u->problems.n; k++) {
			esc(f, u->problems.p[k].field);
			fputs(": ", f);
			esc(f, u->problems.p[k].what);
			fputs("<br/>", f);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static double strip_x(double t, double tmax)
{
	return 4 + (tmax > 0 ? t / tmax : 0) * (STRIP_W - 8);
}

/* Faults over time against the table copy (blue) and the driver's probe (green). */
static void strip(const struct ioh_report_device *d, double copy, double tmax, FILE *f)
{
	fprintf(f, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#ccc\"/>",
		STRIP_W, STRIP_H, STRIP_W, STRIP_H, STRIP_W, STRIP_H);
	if (d->first_fault >= 0) {
		double a = strip_x(d->first_fault, tmax);
		double b = strip_x(d->last_fault >= d->first_fault ? d->last_fault : d->first_fault,
				   tmax);

		fprintf(f, "<rect class=\"faults\" x=\"%.1f\" y=\"6\" width=\"%.1f\" height=\"10\" "
			   "fill=\"#c51b7d\"><title>%u DMA fault(s) from %.6f s to %.6f s</title></rect>",
			a, b - a < 2 ? 2 : b - a, d->dma_faults, d->first_fault,
			d->last_fault >= 0 ? d->last_fault : d->first_fault);
	}
	if (copy >= 0)
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#06c\" "
			   "stroke-width=\"2\"><title>table copy %.6f s</title></line>",
			strip_x(copy, tmax), strip_x(copy, tmax), STRIP_H, copy);
	if (d->driver_probe >= 0)
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#2e7d32\" "
			   "stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>driver probe %.6f s"
			   "</title></line>",
			strip_x(d->driver_probe, tmax), strip_x(d->driver_probe, tmax), STRIP_H,
			d->driver_probe);
	fputs("</svg>", f);
}

static void device_row(const struct ioh_report_device *d, double copy, double tmax, FILE *f)
{
	char bdf[IOH_BDF_STRLEN];

	fprintf(f, "<tr class=\"%s\"><td><span class=\"badge %s\">%s</span></td>"
		   "<td class=\"mono bdf\">%s</td><td>",
		vcss(d->verdict), vcss(d->verdict), ioh_verdict_name(d->verdict),
		ioh_bdf_str(d->bdf, bdf));
	esc(f, d->driver[0] ? d->driver : "-");
	fputs("</td><td>", f);
	if (d->mapped == IOH_YES) {
		esc(f, d->unit);
		fprintf(f, " DID %u, AW %u, TT %u, tables <span class=\"mono\">%#" PRIx64
			   "</span>, %" PRIu64 " writable page(s)",
			d->did, d->aw, d->tt, d->pgtable, d->writable_pages);
	} else {
		fputs(tri(d->mapped), f);
	}
	fprintf(f, "</td><td>%s</td><td>%u DMA (%u after the copy, %u before the probe), %u IR",
		tri(d->bus_master), d->dma_faults, d->dma_faults_after_copy,
		d->dma_faults_before_probe, d->ir_faults);
	for (unsigned i = 0; i < d->nreasons && i < IOH_ARRAY_SIZE(d->reasons); i++) {
		const struct ioh_fault_reason *fr = ioh_fault_reason(d->reasons[i]);

		fprintf(f, "<br/>%#04x ", d->reasons[i]);
		esc(f, fr ? fr->name : "unknown reason");
	}
	fputs("</td><td>", f);
	strip(d, copy, tmax, f);
	fputs("</td><td>", f);
	if (d->pages_changed)
		fprintf(f, "%" PRIu64 " page(s), %" PRIu64 " byte(s) changed, first IOVA "
			   "<span class=\"mono\">%#" PRIx64 "</span><br/>",
			d->pages_changed, d->bytes_changed, d->first_iova);
	esc(f, d->why);
	for (unsigned i = 0; i < d->problems.n; i++) {
		fputs("<br/><span class=\"problem\">", f);
		esc(f, d->problems.p[i].field);
		fputs(": ", f);
		esc(f, d->problems.p[i].what);
		fputs("</span>", f);
	}
	fputs("</td></tr>\n", f);
}

static double max_time(const ioh_report *r)
{
	double m = ioh_report_copy_time(r);

	for (size_t i = 0; i < ioh_report_ndevices(r); i++) {
		const struct ioh_report_device *d = ioh_report_get_device(r, i);

		if (d->last_fault > m)
			m = d->last_fault;
		if (d->first_fault > m)
			m = d->first_fault;
		if (d->driver_probe > m)
			m = d->driver_probe;
	}
	return m > 0 ? m * 1.02 : 1;
}

IOH_EXPORT ioh_status ioh_report_write_html(const ioh_report *r, FILE *f)
{
	size_t n = ioh_report_ndevices(r);
	double tmax = max_time(r), copy = ioh_report_copy_time(r);
	const char *s;

	head(r, f);
	fputs("<h2>Devices, worst first</h2>\n", f);
	fprintf(f, "<p>Time strips run from the capture kernel's boot (0 s) to %.3f s: "
		   "<span style=\"color:#06c\">&#9646; table copy</span>, "
		   "<span style=\"color:#2e7d32\">&#9646; driver probe</span>, "
		   "<span style=\"color:#c51b7d\">&#9646; DMA faults</span>.</p>\n", tmax);
	fputs("<table><tr><th>verdict</th><th>device</th><th>driver</th><th>copied entry</th>"
	      "<th>bus master</th><th>faults</th><th>over time</th><th>why</th></tr>\n", f);
	for (size_t i = 0; i < n; i++)
		device_row(ioh_report_get_device(r, i), copy, tmax, f);
	fputs("</table>\n", f);
	units(r, f);
	if (ioh_report_suppressed(r))
		fprintf(f, "<p>%u fault message(s) suppressed by the kernel's rate limit.</p>\n",
			ioh_report_suppressed(r));
	for (unsigned i = 0; (s = ioh_report_get_note(r, i)); i++) {
		fputs("<p class=\"note\">note: ", f);
		esc(f, s);
		fputs("</p>\n", f);
	}
	fputs("</body></html>\n", f);
	return fflush(f) || ferror(f) ? IOH_ERR_SYSTEM : IOH_OK;
}
