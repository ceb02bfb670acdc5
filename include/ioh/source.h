/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory sources: where the crashed machine's physical memory comes from.
 *
 * A source is opened from a dump file (probed: ELF vmcore, kdump-compressed,
 * makedumpfile flattened), from a raw memory image at a base address, or
 * built in memory from (phys, bytes) pieces. Every kind answers the same
 * questions: read these physical bytes, which RAM ranges are present, what
 * page size, what VMCOREINFO.
 *
 * Reads distinguish three outcomes besides success, each with the address in
 * the context's message:
 *   IOH_ERR_NODATA    the address is not in the dump at all (hole, MMIO,
 *                     past the end of RAM, crashkernel region);
 *   IOH_ERR_EXCLUDED  the page was RAM but makedumpfile filtered it out
 *                     (-d 2..16: cache, user, free pages);
 *   IOH_ERR_CORRUPT   the dump is damaged where the data should be.
 *
 * Memory: a source never holds the dump in memory; the resident cost is a
 * few pages of cache plus per-format indexes with stated bounds (see
 * docs/sources.md). Sources are not thread-safe; use one per thread.
 */
#ifndef IOH_SOURCE_H
#define IOH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ioh_source ioh_source;
typedef struct ioh_vmcoreinfo ioh_vmcoreinfo;

enum ioh_source_kind {
	IOH_SOURCE_AUTO = 0, /* probe every file kind in turn */
	IOH_SOURCE_ELF,	     /* ELF vmcore: /proc/vmcore, makedumpfile -E, QEMU */
	IOH_SOURCE_KDUMP,    /* kdump-compressed (makedumpfile -c/-l/-p/-z) */
	IOH_SOURCE_FLAT,     /* makedumpfile -F flattened stream, read in place */
	IOH_SOURCE_RAW,	     /* raw memory image loaded at a base address */
	IOH_SOURCE_MEM,	     /* in-memory image built by the caller */
	/*
	 * kdump-compressed read through libkdumpfile instead of our reader:
	 * only when asked for (ioh_source_open_kind), as its memory grows with
	 * the dump.
	 */
	IOH_SOURCE_LIBKDUMPFILE,
};

/* "elf", "kdump", "flat", "raw", "mem", "libkdumpfile" ("auto" for AUTO); never NULL. */
const char *ioh_source_kind_name(enum ioh_source_kind kind);
/* The kind a file can be opened as by that name ("auto", "elf", "kdump", "flat",
 * "libkdumpfile"): 0, or -1 for any other name. */
int ioh_source_kind_from_name(const char *name, enum ioh_source_kind *out);

/* A half-open physical range [start, end). */
struct ioh_range {
	uint64_t start;
	uint64_t end;
};

/*
 * Opens a dump by probing its content. The path may also be written
 * "raw:FILE@BASE" (BASE hex with 0x, or decimal) for a raw memory image.
 * ctx is borrowed and must outlive the source: reads report through it.
 */
ioh_status ioh_source_open(ioh_ctx *ctx, const char *path, ioh_source **out);
/* Same, forcing one kind (IOH_SOURCE_AUTO probes; RAW and MEM are refused). */
ioh_status ioh_source_open_kind(ioh_ctx *ctx, enum ioh_source_kind kind, const char *path,
				ioh_source **out);
/*
 * Probes an already open descriptor. The source dups fd, so the caller keeps
 * and closes its own. name is used in messages (NULL: "fd N").
 */
ioh_status ioh_source_open_fd(ioh_ctx *ctx, int fd, const char *name, ioh_source **out);
/* A raw image: byte i of the file is physical address base + i. */
ioh_status ioh_source_open_raw(ioh_ctx *ctx, const char *path, uint64_t base,
			       ioh_source **out);

/*
 * An empty in-memory image (page_size 0 means 4096) to which the caller adds
 * pieces. Overlapping pieces: the later one wins for the bytes it covers.
 */
ioh_status ioh_source_new_mem(ioh_ctx *ctx, uint64_t page_size, ioh_source **out);
ioh_status ioh_source_mem_add(ioh_source *src, uint64_t phys, const void *buf, size_t len);
/* Marks [phys, phys+len) as filtered out: reads there return IOH_ERR_EXCLUDED. */
ioh_status ioh_source_mem_exclude(ioh_source *src, uint64_t phys, uint64_t len);
/* Attaches VMCOREINFO text ("KEY=value\n" lines) to an in-memory source. */
ioh_status ioh_source_mem_set_vmcoreinfo(ioh_source *src, const char *text, size_t len);

void ioh_source_free(ioh_source *src);

/*
 * Reads len bytes at physical address phys. The whole range must be present:
 * on any missing byte nothing useful is in buf and the status says why.
 */
ioh_status ioh_source_read(ioh_source *src, uint64_t phys, void *buf, size_t len);
/* The table walker's callback shape: pass the ioh_source * as ctx. */
int ioh_source_read_cb(void *src, uint64_t phys, void *buf, size_t len);
/* Reads a little-endian u64 (VT-d entries are little-endian in memory). */
ioh_status ioh_source_read_u64(ioh_source *src, uint64_t phys, uint64_t *out);

enum ioh_source_kind ioh_source_kind(const ioh_source *src);
/* One line: "kdump-compressed lzo, x86_64, 4096-byte pages, 262030 pages present: FILE". */
const char *ioh_source_describe(ioh_source *src);
/* The path (or name) the source was opened from. */
const char *ioh_source_name(const ioh_source *src);
uint64_t ioh_source_page_size(const ioh_source *src);

/*
 * RAM ranges the dump covers, sorted and merged; borrowed. For kdump
 * formats these are the ranges of RAM (first bitmap), which includes pages
 * filtered out: ask ioh_source_read for the page itself.
 */
size_t ioh_source_ranges(const ioh_source *src, const struct ioh_range **out);
/* True if phys lies in one of the ranges (a pointer plausibly into RAM). */
bool ioh_source_in_ram(const ioh_source *src, uint64_t phys);

/*
 * Things found wrong that did not stop the open (a truncated file, a
 * malformed note, overlapping segments): count and message i. Borrowed.
 */
size_t ioh_source_problem_count(const ioh_source *src);
const char *ioh_source_problem(const ioh_source *src, size_t i);

/* The dump's VMCOREINFO, or NULL when it has none. Borrowed. */
const ioh_vmcoreinfo *ioh_source_vmcoreinfo(const ioh_source *src);

/*
 * Streaming scan: calls fn for each run of present pages in [start, end), in
 * physical order, with up to a few hundred KiB at a time (phys and len are
 * page multiples; data is valid during the call only). Excluded pages and
 * holes are skipped. fn returns 0 to go on, or a status that stops the scan
 * and is returned. Reads are large and sequential, for scans of a whole dump.
 */
typedef int (*ioh_page_fn)(void *priv, uint64_t phys, const void *data, size_t len);
ioh_status ioh_source_for_each_page(ioh_source *src, uint64_t start, uint64_t end,
				    ioh_page_fn fn, void *priv);

/* ---- VMCOREINFO: "KEY=value" lines from the crashed kernel ---- */

/* Parses the note's text (NUL padding allowed). Bounded: at most 8192 lines. */
ioh_status ioh_vmcoreinfo_parse(ioh_ctx *ctx, const char *text, size_t len,
				ioh_vmcoreinfo **out);
void ioh_vmcoreinfo_free(ioh_vmcoreinfo *vi);

/* The raw value text of KEY ("OSRELEASE", "SYMBOL(prb)"), NULL if absent. */
const char *ioh_vmcoreinfo_get(const ioh_vmcoreinfo *vi, const char *key);
/* Number of entries, and entry i (in file order). */
size_t ioh_vmcoreinfo_count(const ioh_vmcoreinfo *vi);
int ioh_vmcoreinfo_entry(const ioh_vmcoreinfo *vi, size_t i, const char **key,
			 const char **value);

/* OSRELEASE value, NULL if absent. */
const char *ioh_vmcoreinfo_osrelease(const ioh_vmcoreinfo *vi);
/* PAGESIZE, 0 if absent or not a number. */
uint64_t ioh_vmcoreinfo_page_size(const ioh_vmcoreinfo *vi);
/* CRASHTIME (seconds since the epoch); -1 if absent. */
int ioh_vmcoreinfo_crashtime(const ioh_vmcoreinfo *vi, int64_t *out);
/* KERNELOFFSET (KASLR slide, hex). 0 ok, -1 absent or malformed. */
int ioh_vmcoreinfo_kerneloffset(const ioh_vmcoreinfo *vi, uint64_t *out);

/*
 * Typed lookups by the name inside the parentheses, with the value parsed
 * the way the kernel prints it: SYMBOL hex, SIZE/OFFSET/LENGTH unsigned
 * decimal, NUMBER signed decimal (or 0x-prefixed hex). 0 ok, -1 absent or
 * malformed. offset takes "struct.field".
 */
int ioh_vmcoreinfo_symbol(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out);
int ioh_vmcoreinfo_size(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out);
int ioh_vmcoreinfo_offset(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out);
int ioh_vmcoreinfo_length(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out);
int ioh_vmcoreinfo_number(const ioh_vmcoreinfo *vi, const char *name, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
