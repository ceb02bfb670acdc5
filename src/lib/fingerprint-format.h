/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fingerprint file's layout, format 1 (docs/report-format.md,
 * "Fingerprint file"): offsets and sizes of every field, and the
 * little-endian accessors that read and write them byte by byte, so that
 * nothing depends on the host's struct layout or byte order. Internal:
 * shared by fingerprint-file.c and the tests that forge files.
 */
#ifndef IOH_FINGERPRINT_FORMAT_H
#define IOH_FINGERPRINT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

/* 0x89 catches 7-bit transfers, CR LF catches newline conversion. */
#define FP_MAGIC "\x89IOHFP\r\n"
#define FP_MAGIC_LEN 8

#define FP_PAGE_SIZE 4096u
#define FP_LINE_SIZE 64u
#define FP_LINES (FP_PAGE_SIZE / FP_LINE_SIZE)
#define FP_HASH_V1 1u

#define FP_ID_VMCOREINFO 1u
#define FP_ID_RAM 2u
#define FP_NO_CRASH_TIME INT64_MIN
#define FP_OSRELEASE_LEN 64
#define FP_FNV_OFFSET 0xcbf29ce484222325ULL

/* Header: 164 bytes. */
enum {
	FP_OFF_MAGIC = 0,
	FP_OFF_VERSION = 8,
	FP_OFF_HEADER_SIZE = 10,
	FP_OFF_FLAGS = 12,
	FP_OFF_PAGE_SIZE = 16,
	FP_OFF_LINE_SIZE = 20,
	FP_OFF_HASH = 24,
	FP_OFF_NDEVICES = 28,
	FP_OFF_NPAGES = 32,
	FP_OFF_PAGE_CAP = 40,
	FP_OFF_SKIPPED = 48,
	FP_OFF_UNREADABLE = 56,
	FP_OFF_ID_KIND = 64,
	FP_OFF_RESERVED = 68,
	FP_OFF_DUMP_PAGE_SIZE = 72,
	FP_OFF_ID_DIGEST = 80,
	FP_OFF_CRASH_TIME = 88,
	FP_OFF_OSRELEASE = 96,
	FP_OFF_HEADER_CRC = 160,
	FP_HEADER_SIZE = 164,
};

/* Device record: 12 bytes. */
enum {
	FP_DEV_SEG = 0,
	FP_DEV_BUS = 2,
	FP_DEV_DEVFN = 3,
	FP_DEV_WATCHED = 4,
	FP_DEV_REC = 12,
};

/* Page record: 168 bytes. */
enum {
	FP_PG_PHYS = 0,
	FP_PG_IOVA = 8,
	FP_PG_IOVA2 = 16,
	FP_PG_DEV = 24,
	FP_PG_DEV2 = 28,
	FP_PG_HASH = 32,
	FP_PG_LINES = 40,
	FP_PAGE_REC = 40 + 2 * FP_LINES,
};

#define FP_TRAILER_SIZE 4

static inline void fp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void fp_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void fp_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t fp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t fp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t fp_get64(const uint8_t *p)
{
	return (uint64_t)fp_get32(p) | (uint64_t)fp_get32(p + 4) << 32;
}

/* zlib's CRC-32 (the one of gzip and PNG), over any length. */
static inline uint32_t fp_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;

		crc = (uint32_t)crc32(crc, p, k);
		p += k;
		n -= k;
	}
	return crc;
}

#endif
