/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Report builders for the dump: the crashed kernel's tables and fingerprint changes. */
#include <stdio.h>

#include <ioh/fingerprint.h>
#include <ioh/report.h>
#include <ioh/scan.h>

#include "internal.h"

static void add_device(ioh_report *r, const char *unit, const struct ioh_scan_device *sd)
{
	const struct ioh_walk_device *w = &sd->w;
	struct ioh_report_device *d = ioh_report_device(r, w->bdf);

	if (!d)
		return;
	d->mapped = w->present ? IOH_YES : IOH_NO;
	snprintf(d->unit, sizeof(d->unit), "%s", unit);
	d->did = w->did;
	d->aw = w->aw;
	d->tt = w->tt;
	d->pgtable = w->mode == IOH_VTD_SCALABLE ? w->sm.pasiddirptr : w->slptptr;
	d->writable_pages = sd->pg.writable_pages;
	for (unsigned i = 0; i < w->problems.n; i++)
		ioh_problems_add(&d->problems, w->problems.p[i].field, "%s", w->problems.p[i].what);
	if (w->torn)
		ioh_problems_add(&d->problems, "entry",
				 "torn-looking: P set with an invalid AW or a zero table pointer");
}

IOH_EXPORT void ioh_report_add_scan(ioh_report *r, const ioh_scan *scan)
{
	if (!ioh_scan_nunits(scan))
		ioh_report_note(r, "vmcore: no VT-d root table found in the dump");
	if (ioh_scan_truncated(scan))
		ioh_report_note(r, "vmcore: root-table discovery was cut short");
	for (size_t i = 0; i < ioh_scan_nunits(scan); i++) {
		const struct ioh_scan_unit *su = ioh_scan_unit(scan, i);
		char name[16];
		struct ioh_report_unit *u;

		/* Without debuginfo, which DRHD a table belonged to is unknown; a lone one is dmar0. */
		if (ioh_scan_nunits(scan) == 1)
			snprintf(name, sizeof(name), "dmar0");
		else
			snprintf(name, sizeof(name), "unit%u", su->index);
		u = ioh_report_unit(r, name, su->root_table);
		if (!u)
			continue;
		u->root_table = su->root_table;
		u->mode = su->mode;
		snprintf(u->confidence, sizeof(u->confidence), "%s", su->confidence);
		u->devices = (unsigned)su->ndevices;
		u->torn_looking = su->torn;
		for (unsigned p = 0; p < su->problems.n; p++)
			ioh_problems_add(&u->problems, su->problems.p[p].field, "%s",
					 su->problems.p[p].what);
		for (size_t j = 0; j < su->ndevices; j++)
			add_device(r, u->name, &su->devices[j]);
	}
	for (size_t i = 0; i < ioh_scan_nrejected(scan); i++)
		ioh_report_note(r, "vmcore: another root-table candidate at 0x%llx not used (%s)",
				(unsigned long long)ioh_scan_rejected(scan, i)->addr,
				ioh_scan_rejected(scan, i)->evidence);
}

IOH_EXPORT void ioh_report_add_changes(ioh_report *r, const struct ioh_fp_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ioh_report_device *d = ioh_report_device(r, c[i].bdf);

		if (!d || !c[i].pages_changed)
			continue;
		d->pages_changed = c[i].pages_changed;
		d->bytes_changed = c[i].bytes_changed;
		d->first_iova = c[i].first_iova;
		d->attribution_unique = c[i].attribution_unique ? IOH_YES : IOH_NO;
	}
}
