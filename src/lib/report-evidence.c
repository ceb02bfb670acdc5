/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Report builders for the capture kernel's own evidence: its log and sysfs. */
#include <stdio.h>

#include <ioh/evidence.h>
#include <ioh/report.h>

#include "internal.h"

/*
 * A console log often holds the crashed kernel's boot before the capture
 * kernel's. Only the boot that tried the copy speaks of the handover: the
 * last one with a copy outcome, else the last boot.
 */
static unsigned handover_boot(const ioh_klog *k, uint64_t *copy_usec, unsigned *copy_file,
			      uint64_t *copy_line)
{
	size_t n = ioh_klog_event_count(k);
	unsigned boot = 0;
	bool found = false;

	*copy_usec = IOH_KLOG_NO_TIME;
	*copy_line = 0;
	*copy_file = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ioh_klog_event *e = ioh_klog_event_at(k, i);

		if (e->boot > boot && !found)
			boot = e->boot;
		if (e->kind != IOH_KLOG_TABLES_COPIED && e->kind != IOH_KLOG_COPY_FAILED &&
		    e->kind != IOH_KLOG_TRANS_ENABLED)
			continue;
		/* The first copy line of a later boot starts a new handover. */
		if (!found || e->boot != boot) {
			boot = e->boot;
			*copy_usec = e->usec;
			*copy_file = e->file;
			*copy_line = e->line;
		}
		found = true;
	}
	return boot;
}

static bool after(const struct ioh_klog_event *e, unsigned file, uint64_t line, uint64_t usec)
{
	if (e->usec != IOH_KLOG_NO_TIME && usec != IOH_KLOG_NO_TIME)
		return e->usec >= usec;
	return e->file == file && e->line >= line;
}

static double secs(uint64_t usec)
{
	return usec == IOH_KLOG_NO_TIME ? -1 : (double)usec / 1e6;
}

static void add_units(ioh_report *r, const ioh_klog *k, unsigned boot)
{
	for (size_t i = 0; i < ioh_klog_unit_count(k); i++) {
		const struct ioh_klog_unit *ku = ioh_klog_unit_at(k, i);
		struct ioh_report_unit *u;

		if (ku->boot != boot || !(u = ioh_report_unit(r, ku->unit, 0)))
			continue;
		u->copied = ku->state == IOH_KLOG_COPY_OK ? IOH_YES : IOH_NO;
		u->copy_failed = ku->state == IOH_KLOG_COPY_FAIL ? IOH_YES : IOH_NO;
		if (ku->ctx_copy_failures)
			ioh_problems_add(&u->problems, "copy",
					 "%u context table(s) failed to copy (log line %llu)",
					 ku->ctx_copy_failures, (unsigned long long)ku->line);
	}
}

/* Faults and probes of the handover boot, event by event, for the ordering questions. */
static void add_events(ioh_report *r, const ioh_klog *k, unsigned boot, unsigned cfile,
		       uint64_t cline, uint64_t cusec)
{
	size_t n = ioh_klog_event_count(k);

	for (size_t i = 0; i < n; i++) {
		const struct ioh_klog_event *e = ioh_klog_event_at(k, i);
		struct ioh_report_device *d;

		if (e->boot != boot || !e->has_bdf || !(d = ioh_report_device(r, e->bdf)))
			continue;
		if (e->kind == IOH_KLOG_DRIVER_PROBE && d->driver_probe < 0) {
			d->driver_probe = e->usec == IOH_KLOG_NO_TIME ? 0 : secs(e->usec);
			snprintf(d->driver, sizeof(d->driver), "%s", e->driver);
		} else if (e->kind == IOH_KLOG_DMA_FAULT) {
			d->dma_faults++;
			if (e->reason >= 0)
				ioh_report_device_reason(d, (unsigned)e->reason);
			if (d->first_fault < 0)
				d->first_fault = secs(e->usec);
			d->last_fault = secs(e->usec);
			if (cline && after(e, cfile, cline, cusec)) {
				d->dma_faults_after_copy++;
				if (d->driver_probe < 0)
					d->dma_faults_before_probe++;
			}
		} else if (e->kind == IOH_KLOG_IR_FAULT) {
			d->ir_faults++;
		}
	}
}

/*
 * In a fault storm the reader keeps only so many events but its per-device
 * counters stay exact (and count only boots that copied the tables): use
 * them where the events fall short.
 */
static void exact_counts(ioh_report *r, const ioh_klog *k)
{
	for (size_t i = 0; i < ioh_klog_device_count(k); i++) {
		const struct ioh_klog_device *kd = ioh_klog_device_at(k, i);
		struct ioh_report_device *d;

		if (!kd->faults_after_copy || !(d = ioh_report_device(r, kd->bdf)))
			continue;
		if (kd->faults_after_copy > d->dma_faults_after_copy)
			d->dma_faults_after_copy = (unsigned)kd->faults_after_copy;
		if (kd->faults_in_window > d->dma_faults_before_probe)
			d->dma_faults_before_probe = (unsigned)kd->faults_in_window;
		if (d->dma_faults < d->dma_faults_after_copy)
			d->dma_faults = d->dma_faults_after_copy;
	}
}

IOH_EXPORT void ioh_report_add_klog(ioh_report *r, const ioh_klog *k)
{
	const struct ioh_klog_summary *s = ioh_klog_summary(k);
	unsigned cfile;
	uint64_t cline, cusec;
	unsigned boot = handover_boot(k, &cusec, &cfile, &cline);

	for (size_t i = 0; i < ioh_klog_file_count(k); i++)
		ioh_report_add_input(r, "log", ioh_klog_file_name(k, (unsigned)i));
	if (cline)
		ioh_report_set_copy_time(r, secs(cusec));
	add_units(r, k, boot);
	add_events(r, k, boot, cfile, cline, cusec);
	if (s->events_dropped)
		exact_counts(r, k);
	ioh_report_add_suppressed(r, (unsigned)s->suppressed);
	if (s->events_dropped)
		ioh_report_note(r, "log: %llu event(s) beyond the kept maximum; counts stay exact",
				(unsigned long long)s->events_dropped);
	if (s->unclassified)
		ioh_report_note(r, "log: %llu DMAR-looking line(s) of no known form (see 'logs -v')",
				(unsigned long long)s->unclassified);
	if (!cline)
		ioh_report_note(r, "log: no \"Copied translation tables\" line: the capture kernel "
				   "did not copy (or the log does not reach that far)");
}

IOH_EXPORT void ioh_report_add_sysfs(ioh_report *r, const struct ioh_sysfs *s)
{
	for (unsigned i = 0; i < s->npci; i++) {
		const struct ioh_sysfs_pci *p = &s->pci[i];
		struct ioh_report_device *d = ioh_report_device(r, p->bdf);

		if (!d)
			continue;
		if (p->has_command)
			d->bus_master = p->bus_master ? IOH_YES : IOH_NO;
		d->driver_bound = p->driver[0] ? IOH_YES : IOH_NO;
		if (p->driver[0] && !d->driver[0])
			snprintf(d->driver, sizeof(d->driver), "%s", p->driver);
	}
	for (unsigned i = 0; i < s->niommu; i++) {
		struct ioh_report_unit *u = ioh_report_unit(r, s->iommu[i].name, 0);

		if (u && s->iommu[i].has_address)
			u->reg_base = s->iommu[i].address;
	}
	if (s->dmar_error)
		ioh_report_note(r, "sysfs: ACPI DMAR table not parsed: %s", s->dmar_error);
}
