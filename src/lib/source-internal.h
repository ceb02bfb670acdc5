/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Memory sources: the ops table each kind implements, and shared helpers. */
#ifndef IOH_SOURCE_INTERNAL_H
#define IOH_SOURCE_INTERNAL_H

#include <stdio.h>
#include <sys/types.h>

#include <ioh/source.h>

#include "internal.h"

/* Bounds that keep a hostile dump from costing unbounded memory. */
#define SRC_MAX_RANGES 65536
#define SRC_MAX_PROBLEMS 16
#define SRC_HEAD_SIZE 4096
#define SRC_DESC_MAX 512
#define SRC_SCAN_CHUNK (512u << 10)

struct ioh_source;

struct source_ops {
	const char *name;
	enum ioh_source_kind kind;
	/*
	 * Looks at the first bytes of the file: IOH_ERR_NOPROBE when they are
	 * not this format's, IOH_OK when they are (open then validates the
	 * rest). head holds min(file size, SRC_HEAD_SIZE) bytes.
	 */
	ioh_status (*probe)(struct ioh_source *src, const unsigned char *head, size_t len);
	/* Fills page_size, ranges, vmcoreinfo and priv; errors name what and where. */
	ioh_status (*open)(struct ioh_source *src);
	/* Reads [phys, phys+len) of any length; the message names the first bad address. */
	ioh_status (*read_phys)(struct ioh_source *src, uint64_t phys, void *buf, size_t len);
	void (*close)(struct ioh_source *src);
	/*
	 * Optional: the lowest address >= phys that may be in the file
	 * (UINT64_MAX when none), so a scan jumps over a filtered tail or a hole
	 * in one step: a dump may claim terabytes it does not hold.
	 */
	uint64_t (*next_data)(struct ioh_source *src, uint64_t phys);
	/*
	 * Optional: where the run of pages the file holds from phys (which
	 * next_data returned) ends, at most limit; a scan reads exactly that
	 * run instead of failing on a filtered page inside its chunk.
	 */
	uint64_t (*data_end)(struct ioh_source *src, uint64_t phys, uint64_t limit);
	/* Writes the format-specific part of the description ("ELF64 x86_64, 3 PT_LOAD"). */
	void (*describe)(struct ioh_source *src, char *buf, size_t size);
};

struct ioh_source {
	ioh_ctx *ctx;
	const struct source_ops *ops;
	char *name;
	int fd;		    /* -1 when not file-backed */
	uint64_t file_size;
	uint64_t base;	    /* raw images: physical address of byte 0 */
	uint64_t page_size;
	struct ioh_range *ranges;
	size_t nranges;
	ioh_vmcoreinfo *vi;
	char *problems[SRC_MAX_PROBLEMS];
	size_t nproblems;
	size_t problems_dropped;
	char desc[SRC_DESC_MAX];
	void *priv;
};

extern const struct source_ops ioh_source_elf_ops;
extern const struct source_ops ioh_source_kdump_ops;
extern const struct source_ops ioh_source_libkdumpfile_ops;
extern const struct source_ops ioh_source_flat_ops;
extern const struct source_ops ioh_source_raw_ops;
extern const struct source_ops ioh_source_mem_ops;

/* Records something wrong that did not stop the open (shown by describe/info). */
void src_problem(struct ioh_source *src, const char *fmt, ...) IOH_PRINTF(2, 3);

/* Appends [start, end) to src->ranges (unsorted; merged after open). */
ioh_status src_add_range(struct ioh_source *src, uint64_t start, uint64_t end);

/* Sorts and merges src->ranges. */
void src_merge_ranges(struct ioh_source *src);

/* A dd_pread_fn over src->fd (priv is the source): short reads are CORRUPT. */
ioh_status src_fd_pread(void *priv, void *buf, size_t n, uint64_t off);

/* pread that loops over short reads; returns bytes read or -1 (errno set). */
ssize_t src_pread_full(int fd, void *buf, size_t len, uint64_t off);

/* True for a power of two from 4 KiB to 1 MiB: the page sizes we accept. */
static inline bool src_page_size_ok(uint64_t ps)
{
	return ps >= 4096 && ps <= (1u << 20) && !(ps & (ps - 1));
}

/* ---- diskdump (kdump-compressed) layout: source-kdump.c, source-flat.c, source-libkdumpfile.c ---- */

/* Reads n bytes at offset off of the (possibly virtual) dump file. */
typedef ioh_status (*dd_pread_fn)(void *priv, void *buf, size_t n, uint64_t off);

struct dd_header {
	char signature[9];
	int32_t header_version;
	char release[66];
	char machine[66];
	uint32_t status;
	uint32_t block_size;
	uint32_t sub_hdr_size;
	uint32_t bitmap_blocks;
	uint32_t max_mapnr32;
	uint64_t phys_base;
	uint64_t max_mapnr; /* from the v6 sub-header when present */
	uint64_t offset_vmcoreinfo;
	uint64_t size_vmcoreinfo;
	uint64_t offset_note, size_note;	   /* ELF notes (v4+), unused by our reader */
	uint64_t offset_eraseinfo, size_eraseinfo; /* v5+, likewise */
	uint64_t bitmap1_off; /* file offsets of the two bitmaps and the descriptors */
	uint64_t bitmap2_off;
	uint64_t bitmap_len; /* bytes per bitmap */
	uint64_t desc_off;
};

#define DD_COMPRESSED_ZLIB 0x1
#define DD_COMPRESSED_LZO 0x2
#define DD_COMPRESSED_SNAPPY 0x4
#define DD_INCOMPLETE 0x8
#define DD_COMPRESSED_ZSTD 0x20

/* IOH_ERR_NOPROBE unless head starts with "KDUMP   " or "DISKDUMP". */
ioh_status dd_probe(const unsigned char *head, size_t len);
/* Parses and validates the header and sub-header against file_size. */
ioh_status dd_read_header(ioh_ctx *ctx, dd_pread_fn rd, void *priv, uint64_t file_size,
			  struct dd_header *h);
/*
 * The sub-header's regions (VMCOREINFO if asked, notes, eraseinfo) that lie outside
 * the file or exceed 64 MiB: IOH_OK, or IOH_ERR_CORRUPT naming the first. Our
 * reader only records such a region as a problem; libkdumpfile 0.5.1 trusts
 * them (a huge note size is a failed malloc it then writes through).
 */
ioh_status dd_check_regions(ioh_ctx *ctx, const struct dd_header *h, uint64_t file_size,
			    bool with_vmcoreinfo);
/* "lzo", "zlib", ... from the status flags. */
const char *dd_compression_name(uint32_t status);
/*
 * Parses the VMCOREINFO the header points at into src->vi (absent: no error);
 * file_size is that of the (possibly rearranged) dump file rd reads.
 */
ioh_status dd_load_vmcoreinfo(struct ioh_source *src, dd_pread_fn rd, void *priv,
			      uint64_t file_size, const struct dd_header *h);
/* source-ddread.c: our own reader of the kdump-compressed layout. */
struct dd_reader {
	dd_pread_fn rd; /* how to read the (possibly virtual) dump file */
	void *rdpriv;
	uint64_t size;	/* its size */
	struct dd_header h;
	uint64_t *rank; /* set bits of bitmap 2 before each block */
	size_t nrank;
	uint64_t ndumped; /* set bits of bitmap 2 in all */
	uint64_t rank_pfns; /* pfns per block */
	unsigned char *bm;  /* bitmap-2 bytes of block bm_block */
	uint64_t bm_block;
	uint64_t last_pfn, last_idx; /* last rank computed, in bm_block */
	unsigned char *page;	     /* last decoded page */
	uint64_t page_pfn;
	uint64_t page_off;	     /* its descriptor's data offset, size, flags */
	uint32_t page_csize, page_flags;
	unsigned char *cbuf; /* compressed bytes when a window cannot hold them */
	struct dd_window {
		unsigned char *buf;
		uint64_t off;
		size_t len;
	} dwin, pwin; /* descriptors, page data */
};

struct dd_desc {
	uint64_t offset;
	uint32_t size;
	uint32_t flags;
};

/* With rd, rdpriv, size and h filled: scans the bitmaps (adds src's RAM ranges). */
ioh_status dd_reader_open(struct ioh_source *src, struct dd_reader *r);
/*
 * With rd, rdpriv and size filled: the header (page size, machine, incomplete
 * flag as a problem), dd_reader_open, then the VMCOREINFO.
 */
ioh_status dd_reader_start(struct ioh_source *src, struct dd_reader *r);

void dd_reader_close(struct dd_reader *r);
/* IOH_OK when the page at addr is in the file; else NODATA or EXCLUDED with the address. */
ioh_status dd_reader_present(struct ioh_source *src, struct dd_reader *r, uint64_t addr);
/* The page's descriptor, validated against the page size and the file size. */
ioh_status dd_reader_desc(struct ioh_source *src, struct dd_reader *r, uint64_t pfn,
			  struct dd_desc *out);
/*
 * source_ops members for the sources built on this reader (kdump, flat,
 * libkdumpfile). Each keeps its struct dd_reader as the first member of
 * src->priv, which is how these find it.
 */
ioh_status dd_src_probe(struct ioh_source *src, const unsigned char *head, size_t len);
/* Reads [phys, phys+len) page by page; the message names the first bad address. */
ioh_status dd_src_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len);
/* next_data and data_end from bitmap 2 and the rank table. */
uint64_t dd_src_next_data(struct ioh_source *src, uint64_t addr);
uint64_t dd_src_data_end(struct ioh_source *src, uint64_t addr, uint64_t limit);
/* "kdump-compressed lzo (KDUMP v6)<how>, release R[, INCOMPLETE]". */
void dd_describe(const struct dd_reader *r, const char *how, char *buf, size_t size);
/* Makes r->page hold the page at addr (decoded). */
ioh_status dd_reader_page(struct ioh_source *src, struct dd_reader *r, uint64_t addr);

/* One bit of a bitmap at bitmap_off. */
ioh_status dd_bit(dd_pread_fn rd, void *priv, uint64_t bitmap_off, uint64_t pfn, int *bit);

#endif
