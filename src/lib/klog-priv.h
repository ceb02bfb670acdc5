/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel-log reader internals: the line splitter and the message parsers. */
#ifndef IOH_KLOG_PRIV_H
#define IOH_KLOG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/evidence.h>

/*
 * Bytes after the end of every string handed to the parsers below that may
 * be read (never used): the parsers compare whole literals at once.
 */
#define KLOG_PAD 32

/* One physical line after its log-format prefix was taken off. */
struct klog_line {
	const char *msg; /* NUL-terminated message */
	enum ioh_klog_form form;
	bool has_usec;
	uint64_t usec;
	char stamp[IOH_KLOG_STAMP_MAX];
	bool has_prefix;   /* any time or syslog/kmsg prefix: not a wrapped continuation */
	bool non_kernel;   /* a syslog line of another program */
	bool kmsg_dict;	   /* a /dev/kmsg " KEY=value" continuation line */
	bool journal_boot; /* journalctl "-- Boot ... --" / "-- Reboot --" */
	bool journal_meta; /* other journalctl "-- ... --" lines */
};

/* Splits the prefix off `buf` (NUL-terminated, KLOG_PAD after it) into `out`. */
void klog_split_prefix(char *buf, bool kmsg_mode, struct klog_line *out);

/* What a message says, as far as this reader cares. */
enum klog_class {
	KLOG_NONE = 0,	   /* not interesting */
	KLOG_EVENT,	   /* a complete event in ev */
	KLOG_FAULT_HEAD,   /* fault record without its "[fault reason]" part yet */
	KLOG_FAULT_TAIL,   /* only "[fault reason N] ..." (second line of <= v4.6) */
	KLOG_PARTIAL,	   /* a fault record cut short (mail wrap?) */
	KLOG_UNCLASSIFIED, /* looks like a DMAR record, matched nothing */
};

/*
 * Classifies a message; fills the kind-specific fields of ev (not time,
 * line or text); msg is followed by KLOG_PAD bytes. A fault's reason wording is left in msg,
 * unsanitised: *why points at it (NULL when there is none), for the caller to copy only when it
 * keeps it.
 */
enum klog_class klog_classify(const char *msg, struct ioh_klog_event *ev, const char **why);

/* Parses only the fault forms (DMA and IR). */
enum klog_class klog_parse_fault(const char *msg, struct ioh_klog_event *ev, const char **why);

/*
 * The prefilter (klog-scan.c). A line can only matter if it holds one of the
 * triggers: "dmar" in any case (DMAR, dmar_fault), "DRH" (DRHD), "INT"
 * (INTR-REMAP), "Lin" (Linux version), "--" (journal markers) or
 * "x:xx:xx." (a PCI address with its segment).
 */
bool klog_maybe_interesting(const char *p, size_t n);
/*
 * First trigger position in [p, end), or end; *newlines = '\n' bytes before
 * it, *eol = the first '\n' after it (end if none).
 */
const char *klog_scan(const char *p, const char *end, uint64_t *newlines, const char **eol);
/* Number of '\n' in [p, end). */
uint64_t klog_count_newlines(const char *p, const char *end);

/* Copies text into dst[dstsz], replacing control bytes and invalid UTF-8 with '?'. */
void klog_sanitize(char *dst, size_t dstsz, const char *src);

#endif
