/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report: one model of devices x evidence x verdict, filled from any
 * mix of sources (the crashed kernel's tables, the capture kernel's log,
 * live sysfs, page fingerprints), and written as text or JSON.
 *
 * Evidence is added as plain facts; ioh_report_finish() derives each
 * device's verdict from what is known and says why. Nothing here reads
 * files: builders in other parts (scan, logs, sysfs) translate their
 * results into these facts.
 */
#ifndef IOH_REPORT_H
#define IOH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ioh/ioh.h>
#include <ioh/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the JSON document; bump on any incompatible change (docs/report-format.md). */
#define IOH_REPORT_SCHEMA "iommu-handover.report/1"

/* Worst first: the order devices are listed in. */
enum ioh_verdict {
	IOH_VERDICT_IN_FLIGHT = 0, /* DMA observed after the crash, before its driver's reset */
	IOH_VERDICT_POSSIBLE,	   /* nothing stops it: copied entry live, bus master on, no reset */
	IOH_VERDICT_QUIESCED,	   /* mapped, but reset by its driver or bus mastering off */
	IOH_VERDICT_NOT_MAPPED,	   /* no copied context entry and no evidence of DMA */
	IOH_VERDICT_UNKNOWN,	   /* not enough evidence to say */
};
const char *ioh_verdict_name(enum ioh_verdict v); /* "in-flight-dma", "dma-possible", ... */

/* Tri-state for facts a source may not know. */
enum ioh_tristate { IOH_UNKNOWN = -1, IOH_NO = 0, IOH_YES = 1 };

typedef struct ioh_report ioh_report;

ioh_report *ioh_report_new(void);
void ioh_report_free(ioh_report *r);

/* Where the evidence came from, listed in the report ("vmcore /var/crash/...", "log dmesg.txt"). */
void ioh_report_add_input(ioh_report *r, const char *kind, const char *name);

/* ---- IOMMU units ---- */

struct ioh_report_unit {
	char name[16];		/* "dmar0", or "unit0" when only the table is known */
	uint64_t reg_base;	/* DRHD register base, 0 if unknown */
	uint64_t root_table;	/* the crashed kernel's root table, 0 if unknown */
	enum ioh_vtd_mode mode;
	char confidence[16];	/* "given", "certain", "likely", "ambiguous" */
	enum ioh_tristate copied; /* capture kernel logged "Copied translation tables" */
	enum ioh_tristate copy_failed;
	unsigned devices;	/* present context entries */
	unsigned torn_looking;	/* entries with P set and an invalid AW / zero pointer */
	struct ioh_problems problems;
};
/* Adds or merges (by name, else by root_table) a unit; returns it (borrowed) or NULL on ENOMEM. */
struct ioh_report_unit *ioh_report_unit(ioh_report *r, const char *name, uint64_t root_table);

/* ---- devices ---- */

struct ioh_report_device {
	struct ioh_bdf bdf;
	/* From the crashed kernel's tables */
	enum ioh_tristate mapped; /* present (copied) context entry */
	char unit[16];
	uint16_t did;
	unsigned aw, tt;
	uint64_t pgtable;	/* SLPTPTR, or PASID directory in scalable mode */
	uint64_t writable_pages; /* pages its domain can write (page-table walk) */
	struct ioh_problems problems;
	/* From the capture kernel's log (times in seconds since its boot; <0 unknown) */
	unsigned dma_faults, dma_faults_after_copy, dma_faults_before_probe, ir_faults;
	uint8_t reasons[8];	/* distinct fault reasons seen, up to 8 */
	unsigned nreasons;
	double first_fault, last_fault, driver_probe;
	char driver[32];	/* from a probe line or sysfs; "" unknown */
	/* From live sysfs */
	enum ioh_tristate bus_master; /* PCI command register bit 2 */
	enum ioh_tristate driver_bound;
	/* From page fingerprints (two moments) */
	uint64_t pages_changed, bytes_changed;
	uint64_t first_iova;	/* first IOVA whose page changed; valid if pages_changed */
	enum ioh_tristate attribution_unique;
	/* Derived by ioh_report_finish */
	enum ioh_verdict verdict;
	char why[200];
};
/* Finds or adds the device; NULL on ENOMEM. Borrowed. */
struct ioh_report_device *ioh_report_device(ioh_report *r, struct ioh_bdf bdf);
/* Records one fault reason (deduplicated, bounded). */
void ioh_report_device_reason(struct ioh_report_device *d, unsigned reason);

/* Overall facts. */
void ioh_report_set_copy_time(ioh_report *r, double t); /* capture kernel's table copy */
void ioh_report_add_suppressed(ioh_report *r, unsigned n); /* "callbacks suppressed" */
/* Something the report could not do (a page not watched, a source unreadable). */
void ioh_report_note(ioh_report *r, const char *fmt, ...) IOH_PRINTF(2, 3);

/* ---- builders: translate each part's results into facts ---- */

typedef struct ioh_scan ioh_scan;
typedef struct ioh_klog ioh_klog;
struct ioh_sysfs;
struct ioh_fp_change;

/* The crashed kernel's tables: units, and every present context entry as a mapped device. */
void ioh_report_add_scan(ioh_report *r, const ioh_scan *scan);
/* The capture kernel's log: copy outcome per unit, faults and driver probes per device. */
void ioh_report_add_klog(ioh_report *r, const ioh_klog *k);
/* Live sysfs of the capture kernel: bus master and bound driver per PCI function. */
void ioh_report_add_sysfs(ioh_report *r, const struct ioh_sysfs *s);
/* A fingerprint comparison: pages of old memory each device's domain wrote. */
void ioh_report_add_changes(ioh_report *r, const struct ioh_fp_change *c, size_t n);

/* Derives verdicts and sorts devices worst first. Call once, before writing. */
void ioh_report_finish(ioh_report *r);

/* The capture kernel's table copy (seconds since its boot), <0 when unknown. */
double ioh_report_copy_time(const ioh_report *r);
/* The inputs and notes, as the text report lists them (borrowed; NULL past the end). */
const char *ioh_report_get_input(const ioh_report *r, unsigned i);
const char *ioh_report_get_note(const ioh_report *r, unsigned i);
unsigned ioh_report_suppressed(const ioh_report *r);

size_t ioh_report_ndevices(const ioh_report *r);
const struct ioh_report_device *ioh_report_get_device(const ioh_report *r, size_t i);
size_t ioh_report_nunits(const ioh_report *r);
const struct ioh_report_unit *ioh_report_get_unit(const ioh_report *r, size_t i);

/* True when any device had in-flight DMA or a table looked torn: the CLI's exit 2. */
bool ioh_report_has_problem(const ioh_report *r);

/* Short, scannable, worst first. */
void ioh_report_write_text(const ioh_report *r, FILE *f);
/* The versioned JSON document (docs/report-format.md). */
void ioh_report_write_json(const ioh_report *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
