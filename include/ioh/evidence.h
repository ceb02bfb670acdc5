/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Evidence readers: what the capture kernel itself said and shows.
 *
 *  - ioh_klog: a kernel-log reader. Feed it dmesg text, vmcore-dmesg.txt,
 *    /dev/kmsg records, journalctl -k output or syslog lines; it keeps the
 *    VT-d (DMAR) fault records, the table-copy lines of a kdump kernel, the
 *    driver-probe lines naming a PCI device, and every line that looks like a
 *    DMAR record but matched no known form (never dropped silently).
 *  - ioh_dmar_table: the ACPI DMAR table, parsed from its binary form.
 *  - ioh_sysfs: PCI devices, IOMMU units and /proc/cmdline of a live system,
 *    with every root overridable so tests run on fixture trees.
 *
 * Ownership as in ioh.h: getters return borrowed pointers valid until the
 * handle is freed or fed more input.
 */
#ifndef IOH_EVIDENCE_H
#define IOH_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================================================== */
/* Kernel log                                                             */
/* ===================================================================== */

typedef struct ioh_klog ioh_klog;

enum ioh_klog_kind {
	IOH_KLOG_DMA_FAULT,	   /* a DMA-remapping fault record */
	IOH_KLOG_IR_FAULT,	   /* an interrupt-remapping fault record */
	IOH_KLOG_FAULT_STATUS,	   /* "DRHD: handling fault status reg N" */
	IOH_KLOG_SUPPRESSED,	   /* "dmar_fault: N callbacks suppressed" */
	IOH_KLOG_TRANS_ENABLED,	   /* "Translation already enabled - trying to copy ..." */
	IOH_KLOG_NOT_KDUMP,	   /* "Translation was enabled for dmarN but we are not in kdump mode" */
	IOH_KLOG_TABLES_COPIED,	   /* "Copied translation tables from previous kernel for dmarN" */
	IOH_KLOG_COPY_FAILED,	   /* "Failed to copy translation tables from previous kernel for dmarN" */
	IOH_KLOG_CTX_COPY_FAILED,  /* "dmarN: Failed to copy context table for bus N" */
	IOH_KLOG_IR_COPIED,	   /* "Copied IR table for dmarN from previous kernel" */
	IOH_KLOG_IR_COPY_FAILED,   /* "Failed to copy IR table for dmarN from previous kernel" */
	IOH_KLOG_IR_NOT_KDUMP,	   /* "IRQ remapping was enabled on dmarN but we are not in kdump mode" */
	IOH_KLOG_DRIVER_PROBE,	   /* first line a driver printed about a PCI function */
	IOH_KLOG_IOMMU_GROUP,	   /* "pci BDF: Adding to iommu group N" */
	IOH_KLOG_BOOT,		   /* a kernel starts ("Linux version ...", journal "-- Boot --") */
	IOH_KLOG_UNCLASSIFIED,	   /* looks like a DMAR record, matched no known form */
	IOH_KLOG_KIND_COUNT
};

/* Short stable name: "dma_fault", "tables_copied", ... */
const char *ioh_klog_kind_name(enum ioh_klog_kind k);

enum ioh_klog_access {
	IOH_KLOG_ACCESS_NONE = 0, /* not printed (IR faults) */
	IOH_KLOG_ACCESS_READ,
	IOH_KLOG_ACCESS_WRITE,
	IOH_KLOG_ACCESS_OTHER,	  /* "[DMA Execute]", page requests, ... */
};

/* The log forms the reader recognised a line in (for diagnostics). */
enum ioh_klog_form {
	IOH_KLOG_FORM_PLAIN,	/* bare message, no time */
	IOH_KLOG_FORM_DMESG,	/* "[ sec.usec] msg" (dmesg, vmcore-dmesg, console) */
	IOH_KLOG_FORM_KMSG,	/* /dev/kmsg "prio,seq,usec,flags;msg" */
	IOH_KLOG_FORM_SYSLOG,	/* "Mon DD HH:MM:SS host kernel: msg" and ISO variants */
};

#define IOH_KLOG_NO_TIME UINT64_MAX
#define IOH_KLOG_STAMP_MAX 40
#define IOH_KLOG_TEXT_MAX 200

struct ioh_klog_event {
	enum ioh_klog_kind kind;
	unsigned file;	/* index of the input (ioh_klog_file_name) */
	uint64_t line;	/* 1-based line in that input (first line of a joined record) */
	uint64_t usec;	/* kernel monotonic time, IOH_KLOG_NO_TIME when not printed */
	char stamp[IOH_KLOG_STAMP_MAX]; /* the time as printed (may be wall clock), "" if none */
	unsigned boot;	/* 0-based kernel boot within the input */
	bool has_bdf;
	struct ioh_bdf bdf;
	char unit[16];	/* "dmar0" for per-unit events, "" otherwise */
	/* faults */
	enum ioh_klog_access access;
	int reason;		/* fault reason code, -1 when the record had none */
	bool reason_decimal;	/* printed "%02d" (before Linux 5.14), converted here */
	bool has_pasid;
	uint32_t pasid;
	uint64_t addr;		/* DMA fault: address; IR fault: IRTE index */
	/*
	 * SUPPRESSED: callbacks suppressed; FAULT_STATUS: the FSTS value;
	 * CTX_COPY_FAILED: the bus; IOMMU_GROUP: the group number.
	 */
	uint64_t value;
	char driver[32];	/* DRIVER_PROBE: driver name as printed */
	char text[IOH_KLOG_TEXT_MAX]; /* UNCLASSIFIED and faults: the message, sanitised */
};

/* Per PCI requester: everything the log says about it. */
struct ioh_klog_device {
	struct ioh_bdf bdf;
	uint64_t dma_faults;
	uint64_t dma_read, dma_write, dma_other;
	uint64_t reasons[256];	    /* DMA faults per reason code */
	uint64_t dma_no_reason;	    /* head line seen, reason line missing */
	uint64_t ir_faults;
	uint64_t suppressed;	    /* attributed: see docs/logs.md */
	uint64_t faults_before_copy, faults_after_copy; /* DMA faults vs the boot's first table copy */
	uint64_t faults_before_probe, faults_after_probe; /* vs its own driver's first line */
	uint64_t faults_in_window; /* after the copy and before its driver's probe: in flight */
	/* first and last fault (DMA or IR) */
	unsigned first_file, last_file;
	uint64_t first_line, last_line;
	uint64_t first_usec, last_usec;
	char first_stamp[IOH_KLOG_STAMP_MAX], last_stamp[IOH_KLOG_STAMP_MAX];
	/* driver probe in the latest boot that printed one */
	bool probed;
	char driver[32];
	unsigned probe_boot;
	unsigned probe_file;
	uint64_t probe_line;
	char probe_stamp[IOH_KLOG_STAMP_MAX];
	int iommu_group;	    /* -1 when never printed */
};

/* Per DMAR unit per boot: what the kdump copy did. */
enum ioh_klog_copy_state {
	IOH_KLOG_COPY_NONE = 0,	  /* unit named, no copy outcome seen */
	IOH_KLOG_COPY_OK,	  /* "Copied translation tables" */
	IOH_KLOG_COPY_FAIL,	  /* "Failed to copy translation tables" */
	IOH_KLOG_COPY_NOT_KDUMP,  /* translation was on but not a kdump kernel */
};

struct ioh_klog_unit {
	char unit[16];
	unsigned boot;
	enum ioh_klog_copy_state state;
	unsigned file;
	uint64_t line;		/* of the outcome line */
	uint64_t usec;
	char stamp[IOH_KLOG_STAMP_MAX];
	unsigned ctx_copy_failures; /* "Failed to copy context table for bus N" lines */
	bool ir_copied, ir_copy_failed, ir_not_kdump;
};

struct ioh_klog_summary {
	uint64_t lines;		 /* physical lines read */
	uint64_t bytes;
	unsigned boots;		 /* kernel boots seen (at least 1 once a line was read) */
	uint64_t dma_faults;
	uint64_t dma_faults_after_copy; /* the in-flight DMA evidence */
	uint64_t ir_faults;
	uint64_t suppressed;	 /* sum of "callbacks suppressed" */
	uint64_t fault_status;	 /* "handling fault status reg" lines */
	uint64_t duplicates;	 /* a timestamped record seen again (dmesg | grep replays) */
	uint64_t unclassified;
	uint64_t joined;	 /* mail-wrapped records put back together */
	uint64_t long_lines;	 /* cut at IOH_KLOG_LINE_MAX */
	uint64_t nul_lines;	 /* contained NUL bytes */
	uint64_t non_kernel;	 /* syslog lines of other programs, skipped */
	uint64_t events_dropped; /* beyond IOH_KLOG_EVENTS_MAX (counts stay exact) */
	uint64_t devices_dropped;/* beyond IOH_KLOG_DEVICES_MAX */
	uint64_t unclassified_dropped;
};

#define IOH_KLOG_LINE_MAX 4096	    /* longer lines are cut (and counted) */
#define IOH_KLOG_EVENTS_MAX 65536   /* events kept in order */
#define IOH_KLOG_STORM_EVENTS_MAX 8192 /* of which faults and "suppressed" lines */
#define IOH_KLOG_DEVICES_MAX 4096
#define IOH_KLOG_UNCLASSIFIED_MAX 1000

ioh_klog *ioh_klog_new(ioh_ctx *ctx);
void ioh_klog_free(ioh_klog *k);

/*
 * Starts a new input named `name` (used in file:line); later lines are
 * counted from 1. Implicit "-" input if never called.
 */
ioh_status ioh_klog_begin(ioh_klog *k, const char *name);
/* Feeds bytes; lines may span calls. */
ioh_status ioh_klog_feed(ioh_klog *k, const char *buf, size_t len);
/* Feeds exactly one line (no newline needed). */
ioh_status ioh_klog_feed_line(ioh_klog *k, const char *line, size_t len);
/* Ends the current input: flushes a partial last line and pending records. */
ioh_status ioh_klog_end(ioh_klog *k);
/* begin + read the whole stream + end. IOH_ERR_SYSTEM on a read error. */
ioh_status ioh_klog_read_file(ioh_klog *k, FILE *f, const char *name);
/* Opens `path` ("-" = stdin) and reads it. */
ioh_status ioh_klog_read_path(ioh_klog *k, const char *path);

const struct ioh_klog_summary *ioh_klog_summary(const ioh_klog *k);
size_t ioh_klog_file_count(const ioh_klog *k);
const char *ioh_klog_file_name(const ioh_klog *k, unsigned file);
/* The dominant form seen in an input. */
enum ioh_klog_form ioh_klog_file_form(const ioh_klog *k, unsigned file);

/* Devices in bus order (segment, bus, devfn). */
size_t ioh_klog_device_count(const ioh_klog *k);
const struct ioh_klog_device *ioh_klog_device_at(const ioh_klog *k, size_t i);
const struct ioh_klog_device *ioh_klog_device_find(const ioh_klog *k, struct ioh_bdf bdf);

/*
 * Events in input order. Bounded: at most IOH_KLOG_EVENTS_MAX in all, of
 * which at most IOH_KLOG_STORM_EVENTS_MAX faults and "callbacks suppressed"
 * (a storm must not crowd out the copy and probe lines); "fault status"
 * lines are only counted. Per-device and summary counts are always exact.
 */
size_t ioh_klog_event_count(const ioh_klog *k);
const struct ioh_klog_event *ioh_klog_event_at(const ioh_klog *k, size_t i);
/* Index of the next event of `kind` at or after *pos, updating *pos; NULL at the end. */
const struct ioh_klog_event *ioh_klog_next(const ioh_klog *k, enum ioh_klog_kind kind, size_t *pos);

/* The kernel's own wording for a fault reason, as first seen in the input; "" if never. */
const char *ioh_klog_reason_text(const ioh_klog *k, unsigned code);

/* Table-copy outcome per unit and boot, in order of appearance. */
size_t ioh_klog_unit_count(const ioh_klog *k);
const struct ioh_klog_unit *ioh_klog_unit_at(const ioh_klog *k, size_t i);

/* Lines that looked like DMAR records but matched no form (bounded). */
size_t ioh_klog_unclassified_count(const ioh_klog *k);
const struct ioh_klog_event *ioh_klog_unclassified_at(const ioh_klog *k, size_t i);

/* ===================================================================== */
/* ACPI DMAR table                                                        */
/* ===================================================================== */

enum ioh_dmar_scope_type {
	IOH_DMAR_SCOPE_ENDPOINT = 1,
	IOH_DMAR_SCOPE_BRIDGE = 2,
	IOH_DMAR_SCOPE_IOAPIC = 3,
	IOH_DMAR_SCOPE_HPET = 4,
	IOH_DMAR_SCOPE_NAMESPACE = 5,
};
const char *ioh_dmar_scope_name(unsigned type); /* "endpoint", "ioapic", ..., "unknown" */

#define IOH_DMAR_PATH_MAX 16

struct ioh_dmar_scope {
	unsigned type;
	uint8_t enum_id;	/* IOAPIC/HPET id, ACPI namespace device number */
	uint8_t start_bus;
	unsigned npath;
	struct { uint8_t dev, fn; } path[IOH_DMAR_PATH_MAX];
	bool path_truncated;
};

enum ioh_dmar_struct_type {
	IOH_DMAR_DRHD = 0,
	IOH_DMAR_RMRR = 1,
	IOH_DMAR_ATSR = 2,
	IOH_DMAR_RHSA = 3,
	IOH_DMAR_ANDD = 4,
	IOH_DMAR_SATC = 5,
	IOH_DMAR_SIDP = 6,
};
const char *ioh_dmar_struct_name(unsigned type); /* "DRHD", ... "unknown" */

struct ioh_dmar_struct {
	unsigned type;		/* enum ioh_dmar_struct_type, or any other value seen */
	uint32_t offset;	/* in the table */
	uint16_t length;
	uint8_t flags;		/* DRHD: INCLUDE_PCI_ALL bit 0; ATSR: ALL_PORTS; SATC: ATC_REQUIRED */
	uint8_t size;		/* DRHD: register set size (2^(n) pages, revision 3+) */
	uint16_t segment;
	uint64_t base;		/* DRHD register base; RMRR base; RHSA base */
	uint64_t limit;		/* RMRR end (inclusive) */
	uint32_t proximity;	/* RHSA */
	unsigned nscopes;
	struct ioh_dmar_scope *scopes;
};

struct ioh_dmar_table {
	char signature[5];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	bool checksum_ok;
	char oem_id[7], oem_table_id[9];
	uint32_t oem_revision;
	char creator_id[5];
	uint32_t creator_revision;
	uint8_t haw;		/* host address width = field + 1 */
	uint8_t flags;		/* bit 0 INTR_REMAP, bit 1 X2APIC_OPT_OUT, bit 2 DMA_CTRL_PLATFORM_OPT_IN */
	unsigned nstructs;
	struct ioh_dmar_struct *structs;
};

#define IOH_DMAR_MAX_BYTES (1u << 20)	/* larger tables are refused */

/*
 * Parses a DMAR table. A bad checksum is reported through checksum_ok (the
 * kernel also only warns) unless `strict`; everything else that is malformed
 * (short, wrong signature, length fields past the end, a zero-length
 * sub-table) is IOH_ERR_CORRUPT with the offset named.
 */
ioh_status ioh_dmar_parse(ioh_ctx *ctx, const void *buf, size_t len, bool strict,
			  struct ioh_dmar_table **out);
ioh_status ioh_dmar_read_path(ioh_ctx *ctx, const char *path, bool strict,
			      struct ioh_dmar_table **out);
void ioh_dmar_free(struct ioh_dmar_table *t);

/* ===================================================================== */
/* sysfs / procfs                                                         */
/* ===================================================================== */

struct ioh_sysfs_pci {
	struct ioh_bdf bdf;
	uint16_t vendor, device;
	uint32_t class_code;
	bool has_command;
	uint16_t command;	/* PCI command register from config space */
	bool bus_master;	/* command bit 2 */
	char driver[64];	/* "" when unbound */
	int iommu_group;	/* -1 when none */
	char iommu[16];		/* unit from the iommu link ("dmar0"), "" if none */
};

struct ioh_sysfs_iommu {
	char name[16];		/* "dmar0" */
	bool has_address, has_cap, has_ecap, has_version;
	uint64_t address, cap, ecap;
	unsigned version_major, version_minor;
};

struct ioh_sysfs {
	unsigned npci;
	struct ioh_sysfs_pci *pci;	/* in bus order */
	unsigned niommu;
	struct ioh_sysfs_iommu *iommu;	/* in name order */
	char *cmdline;			/* /proc/cmdline without the newline; NULL if unreadable */
	struct ioh_dmar_table *dmar;	/* NULL when absent */
	char *dmar_error;		/* why the DMAR table was not parsed, NULL if fine/absent */
	unsigned problems;		/* entries skipped as unreadable/malformed */
};

#define IOH_SYSFS_MAX_DEVICES 8192

/* sysfs_root "/sys", proc_root "/proc" when NULL. */
ioh_status ioh_sysfs_read(ioh_ctx *ctx, const char *sysfs_root, const char *proc_root,
			  struct ioh_sysfs **out);
void ioh_sysfs_free(struct ioh_sysfs *s);
/* Value of a kernel parameter in a command line: "intel_iommu=on" -> "on", flag -> "". */
const char *ioh_cmdline_param(const char *cmdline, const char *name, char *buf, size_t bufsz);

#ifdef __cplusplus
}
#endif
#endif
