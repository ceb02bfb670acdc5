/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libioh audit — "will a crash on this machine give a safe, analysable
 * IOMMU handover?" Reads the production system's sysfs, procfs, kernel
 * config and kdump configuration (all looked up under a root directory so
 * that fixture trees stand in for a real machine) and returns findings,
 * each with a severity, the evidence it rests on and the fix.
 *
 * The audit reads files only; it never runs programs and never writes.
 */
#ifndef IOH_AUDIT_H
#define IOH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ioh_audit_severity {
	IOH_AUDIT_INFO = 0,
	IOH_AUDIT_WARNING = 1,
	IOH_AUDIT_ERROR = 2,
};

/* "info", "warning", "error". */
const char *ioh_audit_severity_name(enum ioh_audit_severity s);

struct ioh_audit_finding {
	enum ioh_audit_severity severity;
	const char *id;	      /* stable key, e.g. "kdump.crashkernel" */
	const char *summary;  /* one line: what is (or is not) the case */
	const char *evidence; /* what was read where, paths as seen inside the root */
	const char *fix;      /* what to do; "" when nothing needs doing */
};

typedef struct ioh_audit ioh_audit;

/*
 * root: every absolute path is looked up under it ("/" or NULL for the
 * running system). The audit keeps its own copy.
 */
ioh_status ioh_audit_new(ioh_ctx *ctx, const char *root, ioh_audit **out);
void ioh_audit_free(ioh_audit *a);

/*
 * The kernel release whose /boot/config-RELEASE is read; by default the
 * root's /proc/sys/kernel/osrelease.
 */
ioh_status ioh_audit_set_release(ioh_audit *a, const char *release);

/*
 * Runs every check and replaces the previous findings. Missing or odd files
 * become findings, not failures; an error return means the audit itself
 * could not run (no memory, root not a directory).
 */
ioh_status ioh_audit_run(ioh_audit *a);

size_t ioh_audit_count(const ioh_audit *a);
/* Borrowed; NULL when i is out of range. Valid until the next run or free. */
const struct ioh_audit_finding *ioh_audit_get(const ioh_audit *a, size_t i);
/* The highest severity found, IOH_AUDIT_INFO when there are no findings. */
enum ioh_audit_severity ioh_audit_worst(const ioh_audit *a);

/* ---- the parsing the checks rest on, exposed for reuse and tests ---- */

/* The IOMMU options a kernel command line sets; -1 where it says nothing. */
struct ioh_audit_iommu_opts {
	int enabled;	 /* intel_iommu=on/off, iommu=off */
	int scalable;	 /* intel_iommu=sm_on/sm_off */
	int passthrough; /* iommu=pt / iommu=nopt / iommu.passthrough=0|1 */
	bool igfx_off;	 /* intel_iommu=igfx_off */
};

/*
 * Applies every intel_iommu=, iommu= and iommu.passthrough= word of the
 * command line in order, as the kernel does (the last setting wins).
 */
void ioh_audit_parse_iommu_opts(const char *cmdline, struct ioh_audit_iommu_opts *out);

/*
 * True when the command line carries the word itself or "word=...".
 * Quoted values ("a b") count as one word.
 */
bool ioh_audit_cmdline_has(const char *cmdline, const char *word);

/*
 * The makedumpfile dump level (-d N, -dN, --dump-level N) in a collector's
 * arguments: 0..31, -1 when absent, -2 when present but not a level.
 */
int ioh_audit_dump_level(const char *args);

#ifdef __cplusplus
}
#endif
#endif
