/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kdump-compressed ("diskdump") header, shared by the libkdumpfile
 * reader (which we validate before handing the file over, for messages that
 * name the field) and the flattened reader (which reads pages itself).
 * Layout: ECOSYSTEM.md §2.1 (makedumpfile's IMPLEMENTATION file), x86_64.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "source-internal.h"

#define DD_HDR_SIZE 464
#define DD_SUB_SIZE 104
#define DD_MAX_VMCOREINFO (1u << 20)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

ioh_status dd_probe(const unsigned char *head, size_t len)
{
	if (len >= 8 && (!memcmp(head, "KDUMP   ", 8) || !memcmp(head, "DISKDUMP", 8)))
		return IOH_OK;
	return IOH_ERR_NOPROBE;
}

const char *dd_compression_name(uint32_t status)
{
	if (status & DD_COMPRESSED_ZLIB)
		return "zlib";
	if (status & DD_COMPRESSED_LZO)
		return "lzo";
	if (status & DD_COMPRESSED_SNAPPY)
		return "snappy";
	if (status & DD_COMPRESSED_ZSTD)
		return "zstd";
	return "uncompressed";
}

static void copy_str(char *dst, const unsigned char *src, size_t n)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static ioh_status parse_main(ioh_ctx *ctx, const unsigned char *b, struct dd_header *h)
{
	copy_str(h->signature, b, 8);
	for (int i = 7; i > 0 && h->signature[i] == ' '; i--)
		h->signature[i] = '\0';
	h->header_version = (int32_t)le32(b + 8);
	copy_str(h->release, b + 12 + 2 * 65, 65);
	copy_str(h->machine, b + 12 + 4 * 65, 65);
	h->status = le32(b + 424);
	h->block_size = le32(b + 428);
	h->sub_hdr_size = le32(b + 432);
	h->bitmap_blocks = le32(b + 436);
	h->max_mapnr32 = le32(b + 440);
	if (h->header_version < 1)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "kdump header: header_version %d",
			       h->header_version);
	if (!src_page_size_ok(h->block_size))
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump header: block_size %u is not a page size", h->block_size);
	if (h->sub_hdr_size < 1 || h->sub_hdr_size > 1024)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "kdump header: sub_hdr_size %u blocks",
			       h->sub_hdr_size);
	if (!h->bitmap_blocks || (h->bitmap_blocks & 1))
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump header: bitmap_blocks %u is not a positive even number",
			       h->bitmap_blocks);
	return IOH_OK;
}

static ioh_status parse_sub(ioh_ctx *ctx, const unsigned char *s, uint64_t file_size,
			    struct dd_header *h)
{
	uint64_t bits;

	h->phys_base = le64(s);
	h->max_mapnr = h->header_version >= 6 ? le64(s + 96) : h->max_mapnr32;
	if (h->header_version >= 3) {
		h->offset_vmcoreinfo = le64(s + 32);
		h->size_vmcoreinfo = le64(s + 40);
	}
	if (h->header_version >= 4) {
		h->offset_note = le64(s + 48);
		h->size_note = le64(s + 56);
	}
	if (h->header_version >= 5) {
		h->offset_eraseinfo = le64(s + 64);
		h->size_eraseinfo = le64(s + 72);
	}
	h->bitmap1_off = (uint64_t)(1 + h->sub_hdr_size) * h->block_size;
	h->bitmap_len = (uint64_t)h->bitmap_blocks / 2 * h->block_size;
	h->bitmap2_off = h->bitmap1_off + h->bitmap_len;
	h->desc_off = h->bitmap2_off + h->bitmap_len;
	bits = h->bitmap_len * 8;
	if (!h->max_mapnr || h->max_mapnr > bits)
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump header: max_mapnr %" PRIu64 " does not fit the %" PRIu64
			       "-bit bitmaps",
			       h->max_mapnr, bits);
	if (h->desc_off > file_size)
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump header: bitmaps end at 0x%" PRIx64
			       " but the file has 0x%" PRIx64 " bytes (truncated)",
			       h->desc_off, file_size);
	return IOH_OK;
}

ioh_status dd_read_header(ioh_ctx *ctx, dd_pread_fn rd, void *priv, uint64_t file_size,
			  struct dd_header *h)
{
	unsigned char b[DD_HDR_SIZE], s[DD_SUB_SIZE];
	ioh_status st;

	memset(h, 0, sizeof(*h));
	if (file_size < DD_HDR_SIZE)
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump header: file has %" PRIu64 " bytes, the header needs %d",
			       file_size, DD_HDR_SIZE);
	if ((st = rd(priv, b, sizeof(b), 0)) != IOH_OK)
		return ioh_err_wrap(ctx, st, "kdump header");
	if ((st = parse_main(ctx, b, h)) != IOH_OK)
		return st;
	if (file_size < (uint64_t)h->block_size + DD_SUB_SIZE)
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "kdump sub-header: at 0x%x past the end of the file (0x%" PRIx64
			       " bytes)",
			       h->block_size, file_size);
	if ((st = rd(priv, s, sizeof(s), h->block_size)) != IOH_OK)
		return ioh_err_wrap(ctx, st, "kdump sub-header");
	return parse_sub(ctx, s, file_size, h);
}

#define DD_MAX_REGION (64u << 20)

/* A sub-header region larger than cap or not wholly inside the file. */
static bool region_bad(uint64_t off, uint64_t size, uint64_t file_size, uint64_t cap)
{
	return size > cap || off > file_size || size > file_size - off;
}

ioh_status dd_check_regions(ioh_ctx *ctx, const struct dd_header *h, uint64_t file_size,
			    bool with_vmcoreinfo)
{
	const struct {
		const char *name;
		uint64_t off, size;
	} r[] = {
		{ "VMCOREINFO", h->offset_vmcoreinfo, h->size_vmcoreinfo },
		{ "ELF notes", h->offset_note, h->size_note },
		{ "eraseinfo", h->offset_eraseinfo, h->size_eraseinfo },
	};

	for (size_t i = with_vmcoreinfo ? 0 : 1; i < IOH_ARRAY_SIZE(r); i++)
		if (r[i].size && region_bad(r[i].off, r[i].size, file_size, DD_MAX_REGION))
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "kdump sub-header: %s at 0x%" PRIx64 ", 0x%" PRIx64
				       " bytes, is absurd or past the end of the file (0x%" PRIx64
				       " bytes)",
				       r[i].name, r[i].off, r[i].size, file_size);
	return IOH_OK;
}

ioh_status dd_load_vmcoreinfo(struct ioh_source *src, dd_pread_fn rd, void *priv,
			      uint64_t file_size, const struct dd_header *h)
{
	ioh_vmcoreinfo *vi;
	ioh_status st;
	char *text;

	if (!h->size_vmcoreinfo)
		return IOH_OK;
	if (region_bad(h->offset_vmcoreinfo, h->size_vmcoreinfo, file_size, DD_MAX_VMCOREINFO)) {
		src_problem(src,
			    "kdump sub-header: VMCOREINFO 0x%" PRIx64 "+0x%" PRIx64
			    " is absurd or past the end of the file; ignored",
			    h->offset_vmcoreinfo, h->size_vmcoreinfo);
		return IOH_OK;
	}
	text = malloc(h->size_vmcoreinfo);
	if (!text)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "VMCOREINFO: out of memory");
	st = rd(priv, text, h->size_vmcoreinfo, h->offset_vmcoreinfo);
	if (st == IOH_OK && ioh_vmcoreinfo_parse(src->ctx, text, h->size_vmcoreinfo, &vi) == IOH_OK)
		src->vi = vi;
	else
		src_problem(src, "VMCOREINFO at 0x%" PRIx64 ": %s", h->offset_vmcoreinfo,
			    ioh_get_err(src->ctx));
	free(text);
	return st == IOH_ERR_SYSTEM ? st : IOH_OK;
}

ioh_status dd_bit(dd_pread_fn rd, void *priv, uint64_t bitmap_off, uint64_t pfn, int *bit)
{
	unsigned char b = 0;
	ioh_status st = rd(priv, &b, 1, bitmap_off + pfn / 8);

	*bit = b >> (pfn & 7) & 1;
	return st;
}
