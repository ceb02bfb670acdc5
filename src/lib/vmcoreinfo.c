/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMCOREINFO: the crashed kernel's "KEY=value" lines. Keys are kept as
 * written; typed lookups parse values the way the kernel printed them
 * (SYMBOL and KERNELOFFSET in hex without 0x, the rest in decimal).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioh/source.h>

#include "internal.h"

#define VMCOREINFO_MAX_TEXT (1u << 20)
#define VMCOREINFO_MAX_LINES 8192

struct vi_entry {
	const char *key;
	const char *value;
};

struct ioh_vmcoreinfo {
	char *text;
	struct vi_entry *e;
	size_t n;
};

static size_t count_lines(const char *t, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += t[i] == '\n';
	return n;
}

IOH_EXPORT ioh_status ioh_vmcoreinfo_parse(ioh_ctx *ctx, const char *text, size_t len,
					   ioh_vmcoreinfo **out)
{
	ioh_vmcoreinfo *vi;
	char *line, *next;
	size_t lines;

	*out = NULL;
	if (len > VMCOREINFO_MAX_TEXT)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "VMCOREINFO: %zu bytes, more than %u", len,
			       VMCOREINFO_MAX_TEXT);
	/* The note is NUL-padded; the text ends at the first NUL. */
	len = strnlen(text, len);
	lines = count_lines(text, len);
	if (lines > VMCOREINFO_MAX_LINES)
		return ioh_err(ctx, IOH_ERR_CORRUPT, "VMCOREINFO: %zu lines, more than %u", lines,
			       VMCOREINFO_MAX_LINES);
	vi = calloc(1, sizeof(*vi));
	if (!vi || !(vi->text = malloc(len + 1)) || !(vi->e = calloc(lines, sizeof(*vi->e)))) {
		ioh_vmcoreinfo_free(vi);
		return ioh_err(ctx, IOH_ERR_NOMEM, "VMCOREINFO: out of memory");
	}
	memcpy(vi->text, text, len);
	vi->text[len] = '\0';
	for (line = vi->text; line && *line; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		/* Lines without '=' carry nothing we can look up; skip them. */
		if (!eq || eq == line)
			continue;
		*eq = '\0';
		vi->e[vi->n].key = line;
		vi->e[vi->n].value = eq + 1;
		vi->n++;
	}
	*out = vi;
	return IOH_OK;
}

IOH_EXPORT void ioh_vmcoreinfo_free(ioh_vmcoreinfo *vi)
{
	if (!vi)
		return;
	free(vi->e);
	free(vi->text);
	free(vi);
}

IOH_EXPORT const char *ioh_vmcoreinfo_get(const ioh_vmcoreinfo *vi, const char *key)
{
	if (!vi || !key)
		return NULL;
	/* The kernel appends CRASHTIME last; a later duplicate wins. */
	for (size_t i = vi->n; i-- > 0;)
		if (!strcmp(vi->e[i].key, key))
			return vi->e[i].value;
	return NULL;
}

IOH_EXPORT size_t ioh_vmcoreinfo_count(const ioh_vmcoreinfo *vi)
{
	return vi ? vi->n : 0;
}

IOH_EXPORT int ioh_vmcoreinfo_entry(const ioh_vmcoreinfo *vi, size_t i, const char **key,
				    const char **value)
{
	if (!vi || i >= vi->n)
		return -1;
	if (key)
		*key = vi->e[i].key;
	if (value)
		*value = vi->e[i].value;
	return 0;
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno || *end ? -1 : 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;

	if (!s || !*s || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!errno && !*end)
		return 0;
	/* NUMBER(VMALLOC_START) and friends are printed 0x-prefixed hex. */
	if (!strncmp(s, "0x", 2)) {
		uint64_t u;

		if (parse_u64(s + 2, 16, &u))
			return -1;
		*out = (int64_t)u;
		return 0;
	}
	return -1;
}

static const char *typed(const ioh_vmcoreinfo *vi, const char *kind, const char *name)
{
	char key[256];

	if (!name || snprintf(key, sizeof(key), "%s(%s)", kind, name) >= (int)sizeof(key))
		return NULL;
	return ioh_vmcoreinfo_get(vi, key);
}

IOH_EXPORT const char *ioh_vmcoreinfo_osrelease(const ioh_vmcoreinfo *vi)
{
	return ioh_vmcoreinfo_get(vi, "OSRELEASE");
}

IOH_EXPORT uint64_t ioh_vmcoreinfo_page_size(const ioh_vmcoreinfo *vi)
{
	uint64_t v;

	return parse_u64(ioh_vmcoreinfo_get(vi, "PAGESIZE"), 10, &v) ? 0 : v;
}

IOH_EXPORT int ioh_vmcoreinfo_crashtime(const ioh_vmcoreinfo *vi, int64_t *out)
{
	return parse_i64(ioh_vmcoreinfo_get(vi, "CRASHTIME"), out);
}

IOH_EXPORT int ioh_vmcoreinfo_kerneloffset(const ioh_vmcoreinfo *vi, uint64_t *out)
{
	return parse_u64(ioh_vmcoreinfo_get(vi, "KERNELOFFSET"), 16, out);
}

IOH_EXPORT int ioh_vmcoreinfo_symbol(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return parse_u64(typed(vi, "SYMBOL", name), 16, out);
}

IOH_EXPORT int ioh_vmcoreinfo_size(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return parse_u64(typed(vi, "SIZE", name), 10, out);
}

IOH_EXPORT int ioh_vmcoreinfo_offset(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return parse_u64(typed(vi, "OFFSET", name), 10, out);
}

IOH_EXPORT int ioh_vmcoreinfo_length(const ioh_vmcoreinfo *vi, const char *name, uint64_t *out)
{
	return parse_u64(typed(vi, "LENGTH", name), 10, out);
}

IOH_EXPORT int ioh_vmcoreinfo_number(const ioh_vmcoreinfo *vi, const char *name, int64_t *out)
{
	return parse_i64(typed(vi, "NUMBER", name), out);
}
