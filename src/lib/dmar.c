/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ACPI DMAR table (VT-d specification, chapter "BIOS Considerations"):
 * a 48-byte header (ACPI header, host address width, flags, 10 reserved
 * bytes) followed by remapping structures, each "type (2), length (2), ...",
 * some carrying device scopes "type, length, flags, reserved, enumeration
 * id, start bus, path of (device, function) pairs". Every length is checked
 * against its container before it is used; a zero length is an error, never
 * a loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include <ioh/evidence.h>

#define HDR_LEN 48
#define SCOPE_HDR 6

IOH_EXPORT const char *ioh_dmar_scope_name(unsigned type)
{
	static const char *const n[] = { "reserved", "endpoint", "bridge", "ioapic", "hpet",
					 "namespace" };
	return type < IOH_ARRAY_SIZE(n) ? n[type] : "unknown";
}

IOH_EXPORT const char *ioh_dmar_struct_name(unsigned type)
{
	static const char *const n[] = { "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP" };
	return type < IOH_ARRAY_SIZE(n) ? n[type] : "unknown";
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ACPI strings are fixed-width and may hold anything: keep printable ASCII. */
static void acpi_str(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

IOH_EXPORT void ioh_dmar_free(struct ioh_dmar_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < t->nstructs; i++)
		free(t->structs[i].scopes);
	free(t->structs);
	free(t);
}

/* Fixed part of each structure before its device scopes; 0 = no scopes. */
static unsigned scope_start(unsigned type)
{
	switch (type) {
	case IOH_DMAR_DRHD: return 16;
	case IOH_DMAR_RMRR: return 24;
	case IOH_DMAR_ATSR: return 8;
	case IOH_DMAR_SATC: return 8;
	case IOH_DMAR_SIDP: return 8;
	default: return 0;
	}
}

static unsigned min_len(unsigned type)
{
	switch (type) {
	case IOH_DMAR_RHSA: return 20;
	case IOH_DMAR_ANDD: return 8;
	default: return scope_start(type) ? scope_start(type) : 4;
	}
}

static ioh_status parse_scopes(ioh_ctx *ctx, const uint8_t *b, uint32_t off, uint32_t end,
			       struct ioh_dmar_struct *s)
{
	uint32_t o;
	unsigned n = 0;

	/* count first, so the array is sized once */
	for (o = off; o < end; n++) {
		unsigned len;

		if (end - o < SCOPE_HDR)
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "device scope at offset %u: %u bytes left, header needs %u", o,
				       end - o, SCOPE_HDR);
		len = b[o + 1];
		if (len < SCOPE_HDR || (len - SCOPE_HDR) % 2)
			return ioh_err(ctx, IOH_ERR_CORRUPT, "device scope at offset %u: length %u is invalid",
				       o, len);
		if (len > end - o)
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "device scope at offset %u: length %u runs past its structure (ends at %u)",
				       o, len, end);
		o += len;
	}
	if (!n)
		return IOH_OK;
	s->scopes = calloc(n, sizeof(*s->scopes));
	if (!s->scopes)
		return ioh_err(ctx, IOH_ERR_NOMEM, "device scopes: out of memory");
	for (o = off; o < end; s->nscopes++) {
		struct ioh_dmar_scope *sc = &s->scopes[s->nscopes];
		unsigned len = b[o + 1], npath = (len - SCOPE_HDR) / 2;

		sc->type = b[o];
		sc->enum_id = b[o + 4];
		sc->start_bus = b[o + 5];
		sc->path_truncated = npath > IOH_DMAR_PATH_MAX;
		sc->npath = sc->path_truncated ? IOH_DMAR_PATH_MAX : npath;
		for (unsigned i = 0; i < sc->npath; i++) {
			sc->path[i].dev = b[o + SCOPE_HDR + 2 * i];
			sc->path[i].fn = b[o + SCOPE_HDR + 2 * i + 1];
		}
		o += len;
	}
	return IOH_OK;
}

static ioh_status parse_struct(ioh_ctx *ctx, const uint8_t *b, uint32_t off, uint32_t len,
			       struct ioh_dmar_struct *s)
{
	const uint8_t *p = b + off;

	memset(s, 0, sizeof(*s));
	s->type = le16(p);
	s->offset = off;
	s->length = (uint16_t)len;
	if (len < min_len(s->type))
		return ioh_err(ctx, IOH_ERR_CORRUPT, "%s at offset %u: length %u, at least %u needed",
			       ioh_dmar_struct_name(s->type), off, len, min_len(s->type));
	switch (s->type) {
	case IOH_DMAR_DRHD:
		s->flags = p[4];
		s->size = p[5];
		s->segment = le16(p + 6);
		s->base = le64(p + 8);
		break;
	case IOH_DMAR_RMRR:
		s->segment = le16(p + 6);
		s->base = le64(p + 8);
		s->limit = le64(p + 16);
		if (s->limit < s->base)
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "RMRR at offset %u: end 0x%llx below base 0x%llx", off,
				       (unsigned long long)s->limit, (unsigned long long)s->base);
		break;
	case IOH_DMAR_ATSR:
	case IOH_DMAR_SATC:
		s->flags = p[4];
		s->segment = le16(p + 6);
		break;
	case IOH_DMAR_SIDP:
		s->segment = le16(p + 6);
		break;
	case IOH_DMAR_RHSA:
		s->base = le64(p + 8);
		s->proximity = le32(p + 16);
		break;
	case IOH_DMAR_ANDD:
		s->flags = p[7]; /* ACPI device number */
		break;
	default:
		return IOH_OK; /* unknown types are kept by type and length only */
	}
	if (scope_start(s->type))
		return parse_scopes(ctx, b, off + scope_start(s->type), off + len, s);
	return IOH_OK;
}

static ioh_status parse(ioh_ctx *ctx, const uint8_t *b, size_t n, bool strict,
			struct ioh_dmar_table *t)
{
	uint32_t len, off, cap = 0;
	uint8_t sum = 0;

	if (n < HDR_LEN)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "%zu bytes, the header alone is %u", n, HDR_LEN);
	if (memcmp(b, "DMAR", 4))
		return ioh_err(ctx, IOH_ERR_CORRUPT, "signature is not DMAR");
	len = le32(b + 4);
	if (len < HDR_LEN)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "length field %u is shorter than the header", len);
	if (len > n)
		return ioh_err(ctx, IOH_ERR_CORRUPT,
			       "length field %u runs past the end of the data (%zu bytes): truncated",
			       len, n);
	memcpy(t->signature, b, 4);
	t->length = len;
	t->revision = b[8];
	t->checksum = b[9];
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	t->checksum_ok = sum == 0;
	if (!t->checksum_ok && strict)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "checksum: bytes sum to 0x%02x, not 0", sum);
	acpi_str(t->oem_id, b + 10, 6);
	acpi_str(t->oem_table_id, b + 16, 8);
	t->oem_revision = le32(b + 24);
	acpi_str(t->creator_id, b + 28, 4);
	t->creator_revision = le32(b + 32);
	t->haw = (uint8_t)(b[36] + 1);
	t->flags = b[37];
	for (off = HDR_LEN; off < len; off += le16(b + off + 2)) {
		ioh_status st;
		uint32_t slen;

		if (len - off < 4)
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "structure at offset %u: %u bytes left, header needs 4", off,
				       len - off);
		slen = le16(b + off + 2);
		if (slen < 4)
			return ioh_err(ctx, IOH_ERR_CORRUPT, "%s at offset %u: length %u",
				       ioh_dmar_struct_name(le16(b + off)), off, slen);
		if (slen > len - off)
			return ioh_err(ctx, IOH_ERR_CORRUPT,
				       "%s at offset %u: length %u runs past the table end (%u)",
				       ioh_dmar_struct_name(le16(b + off)), off, slen, len);
		if (t->nstructs == cap) {
			struct ioh_dmar_struct *ns;

			cap = cap ? cap * 2 : 8;
			ns = realloc(t->structs, cap * sizeof(*ns));
			if (!ns)
				return ioh_err(ctx, IOH_ERR_NOMEM, "out of memory");
			t->structs = ns;
		}
		st = parse_struct(ctx, b, off, slen, &t->structs[t->nstructs]);
		t->nstructs++; /* counted even on error so its scopes are freed */
		if (st)
			return st;
	}
	return IOH_OK;
}

static ioh_status parse_table(ioh_ctx *ctx, const void *buf, size_t len, bool strict,
			      struct ioh_dmar_table **out)
{
	struct ioh_dmar_table *t;
	ioh_status st;

	if (!buf || !out)
		return ioh_err(ctx, IOH_ERR_INVALID, "no buffer");
	*out = NULL;
	if (len > IOH_DMAR_MAX_BYTES)
		return ioh_err(ctx, IOH_ERR_LIMIT, "%zu bytes, more than the %u accepted", len,
			       IOH_DMAR_MAX_BYTES);
	t = calloc(1, sizeof(*t));
	if (!t)
		return ioh_err(ctx, IOH_ERR_NOMEM, "out of memory");
	st = parse(ctx, buf, len, strict, t);
	if (st) {
		ioh_dmar_free(t);
		return st;
	}
	*out = t;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_dmar_parse(ioh_ctx *ctx, const void *buf, size_t len, bool strict,
				     struct ioh_dmar_table **out)
{
	ioh_status st = parse_table(ctx, buf, len, strict, out);

	return st ? ioh_err_wrap(ctx, st, "dmar") : IOH_OK;
}

IOH_EXPORT ioh_status ioh_dmar_read_path(ioh_ctx *ctx, const char *path, bool strict,
					 struct ioh_dmar_table **out)
{
	FILE *f;
	uint8_t *buf;
	size_t n = 0, r;
	ioh_status st;

	if (!path || !out)
		return ioh_err(ctx, IOH_ERR_INVALID, "dmar: no path");
	*out = NULL;
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "dmar: open %s", path);
	buf = malloc(IOH_DMAR_MAX_BYTES + 1);
	if (!buf) {
		if (f != stdin)
			fclose(f);
		return ioh_err(ctx, IOH_ERR_NOMEM, "dmar: out of memory");
	}
	while (n <= IOH_DMAR_MAX_BYTES && (r = fread(buf + n, 1, IOH_DMAR_MAX_BYTES + 1 - n, f)))
		n += r;
	if (ferror(f))
		st = ioh_err(ctx, IOH_ERR_SYSTEM, "dmar: read %s", path);
	else if (n > IOH_DMAR_MAX_BYTES)
		st = ioh_err(ctx, IOH_ERR_LIMIT, "dmar: %s: larger than %u bytes", path,
			     IOH_DMAR_MAX_BYTES);
	else if ((st = parse_table(ctx, buf, n, strict, out)))
		ioh_err_wrap(ctx, st, "dmar: %s", path);
	if (f != stdin)
		fclose(f);
	free(buf);
	return st;
}
