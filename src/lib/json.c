/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <ioh/vtd.h>

#include "json.h"

static void put_escaped(FILE *f, const char *str, size_t n);

void ioh_json_init(struct ioh_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void indent(struct ioh_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value or key at the current level. */
static void sep(struct ioh_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->depth <= IOH_JSON_DEPTH) {
		if (j->need_comma[j->depth - 1])
			fputc(',', j->f);
		j->need_comma[j->depth - 1] = true;
		indent(j);
	}
}

static void open(struct ioh_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	j->depth++;
	if (j->depth <= IOH_JSON_DEPTH)
		j->need_comma[j->depth - 1] = false;
}

static void close_(struct ioh_json *j, char c)
{
	bool had = j->depth <= IOH_JSON_DEPTH && j->depth > 0 && j->need_comma[j->depth - 1];

	j->depth--;
	if (had)
		indent(j);
	fputc(c, j->f);
}

void ioh_json_obj_begin(struct ioh_json *j) { open(j, '{'); }
void ioh_json_obj_end(struct ioh_json *j) { close_(j, '}'); }
void ioh_json_arr_begin(struct ioh_json *j) { open(j, '['); }
void ioh_json_arr_end(struct ioh_json *j) { close_(j, ']'); }

void ioh_json_key(struct ioh_json *j, const char *key)
{
	sep(j);
	put_escaped(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put_escaped(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t l;

		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f), i++;
		} else if (c == '\t') {
			fputs("\\t", f), i++;
		} else if (c == '\r') {
			fputs("\\r", f), i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c), i++;
		} else if ((l = utf8_len(s + i, n - i)) == 0) {
			fputs("\\ufffd", f), i++;
		} else {
			fwrite(s + i, 1, l, f);
			i += l;
		}
	}
	fputc('"', f);
}

void ioh_json_strn(struct ioh_json *j, const char *s, size_t n)
{
	sep(j);
	put_escaped(j->f, s, n);
}

void ioh_json_str(struct ioh_json *j, const char *s)
{
	if (!s) {
		ioh_json_null(j);
		return;
	}
	ioh_json_strn(j, s, strlen(s));
}

void ioh_json_u64(struct ioh_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void ioh_json_i64(struct ioh_json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

void ioh_json_double(struct ioh_json *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.6g", v);
	else
		fputs("null", j->f);
}

void ioh_json_bool(struct ioh_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void ioh_json_null(struct ioh_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void ioh_json_hex(struct ioh_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void ioh_json_end(struct ioh_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

void ioh_json_kstr(struct ioh_json *j, const char *k, const char *s)
{
	ioh_json_key(j, k);
	ioh_json_str(j, s);
}

void ioh_json_ku64(struct ioh_json *j, const char *k, uint64_t v)
{
	ioh_json_key(j, k);
	ioh_json_u64(j, v);
}

void ioh_json_kbool(struct ioh_json *j, const char *k, bool v)
{
	ioh_json_key(j, k);
	ioh_json_bool(j, v);
}

void ioh_json_khex(struct ioh_json *j, const char *k, uint64_t v)
{
	ioh_json_key(j, k);
	ioh_json_hex(j, v);
}

void ioh_json_kproblems(struct ioh_json *j, const char *key, const struct ioh_problems *a,
			const struct ioh_problems *b)
{
	const struct ioh_problems *lists[2] = { a, b };

	ioh_json_key(j, key);
	ioh_json_arr_begin(j);
	for (int l = 0; l < 2; l++)
		for (unsigned i = 0; lists[l] && i < lists[l]->n; i++) {
			ioh_json_obj_begin(j);
			ioh_json_kstr(j, "field", lists[l]->p[i].field);
			ioh_json_kstr(j, "what", lists[l]->p[i].what);
			ioh_json_obj_end(j);
		}
	ioh_json_arr_end(j);
}
