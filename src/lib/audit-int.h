/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by audit.c (core, parsers) and the audit-*.c checks. */
#ifndef IOH_AUDIT_INT_H
#define IOH_AUDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ioh/audit.h>

/* Largest file the audit reads whole; a kernel config is ~300 KiB. */
#define AUDIT_MAX_FILE (4u << 20)
/* Largest number of IOMMU units looked at. */
#define AUDIT_MAX_UNITS 64

/* What the IOMMU checks learnt, for the kdump checks that compare against it. */
struct audit_facts {
	bool dmar_table;
	unsigned units;	     /* dmar* units with a readable ecap */
	unsigned units_smts; /* of which scalable-mode capable */
	bool translation;    /* devices bound / IOMMU groups present */
	struct ioh_audit_iommu_opts prod_opts; /* from /proc/cmdline */
	char *prod_cmdline;
	/* from /boot/config-REL; -1 when the config could not be read */
	int cfg_iommu_default_on;
	int cfg_sm_default_on;
	bool prod_enabled;   /* effective, production kernel */
	bool prod_scalable;  /* effective: option or default, and SMTS */
	char release[128];   /* running kernel release, "" when unknown */
};

struct ioh_audit {
	ioh_ctx *ctx;
	char *root; /* "" for the running system, never ending in '/' */
	char *release;
	struct ioh_audit_finding *f;
	size_t n, cap;
	bool nomem;
	struct audit_facts facts;
};

/* Adds a finding; copies every string. Records failure in a->nomem. */
void audit_add(struct ioh_audit *a, enum ioh_audit_severity sev, const char *id,
	       const char *summary, const char *evidence, const char *fix);
/* printf into a malloc'd string; NULL (and a->nomem) on failure. */
char *audit_fmt(struct ioh_audit *a, const char *fmt, ...) IOH_PRINTF(2, 3);

/* root + path into buf; false if it does not fit. */
bool audit_path(const struct ioh_audit *a, const char *path, char *buf, size_t n);
bool audit_exists(const struct ioh_audit *a, const char *path);
/* 1 when a is older than b (modification time), 0 when not, -1 when either is missing. */
int audit_older(const struct ioh_audit *a, const char *pa, const char *pb);
/*
 * Reads a regular file under the root, at most max bytes, NUL-terminated,
 * trailing newlines stripped. Returns the malloc'd text or NULL with errno
 * set (EFBIG when larger than max, EINVAL when not a regular file).
 */
char *audit_slurp(struct ioh_audit *a, const char *path, size_t max);
/* The first line of a small file (sysfs attribute) into buf; false on failure. */
bool audit_read_line(struct ioh_audit *a, const char *path, char *buf, size_t n);
/* Number of entries other than . and .. in a directory under the root; -1 if unreadable. */
long audit_count_dir(const struct ioh_audit *a, const char *path);

/*
 * The value of NAME in shell-variable assignments (NAME=value, optionally
 * after "export", quotes removed, the last assignment wins). malloc'd, or
 * NULL when not assigned. Never runs anything.
 */
char *audit_shell_var(const char *text, const char *name);
/* In a kdump.conf-style "directive value..." text: the last value of directive, malloc'd. */
char *audit_directive(const char *text, const char *directive);
/* CONFIG_NAME from a kernel config: 'y', 'm', 'n' (not set) or 0 when absent. */
char audit_kconfig(const char *config, const char *name);

void audit_check_iommu(struct ioh_audit *a);
void audit_check_kdump(struct ioh_audit *a);

#endif
