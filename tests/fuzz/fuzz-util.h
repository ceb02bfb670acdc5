/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the libFuzzer targets: a consumer that turns the fuzz
 * input into numbers, strings and byte runs (running dry yields zeros, never
 * an error), and a strict JSON validator (RFC 8259 grammar, well-formed
 * UTF-8 in strings) that also hands back every decoded string, so a target
 * can check that what was written is what comes back.
 */
#ifndef IOH_FUZZ_UTIL_H
#define IOH_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/vtd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding that no sanitizer would see: print why and abort, so libFuzzer saves the input. */
#define FZ_ASSERT(cond, ...)                                                           \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz assertion failed: %s (%s:%d): ", #cond,  \
				__FILE__, __LINE__);                                   \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint64_t fz_uint(struct fz *f, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(f) << (8 * i);
	return v;
}
#define fz_u16(f) ((uint16_t)fz_uint((f), 2))
#define fz_u32(f) ((uint32_t)fz_uint((f), 4))
#define fz_u64(f) fz_uint((f), 8)

/* Up to max bytes (length from one input byte); *len gets the count. Borrowed. */
static inline const uint8_t *fz_run(struct fz *f, size_t max, size_t *len)
{
	size_t want = fz_u8(f);
	const uint8_t *p = f->p;

	if (want > max)
		want = max;
	if (want > f->n)
		want = f->n;
	f->p += want;
	f->n -= want;
	*len = want;
	return p;
}

/* A malloc'd NUL-terminated copy of a run (it may hold NULs of its own). */
static inline char *fz_str(struct fz *f, size_t max, size_t *lenp)
{
	size_t len;
	const uint8_t *p = fz_run(f, max, &len);
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, p, len);
	s[len] = 0;
	if (lenp)
		*lenp = len;
	return s;
}

/* A problem list within its bounds, every string terminated. */
static inline void fz_check_problems(const struct ioh_problems *pr)
{
	FZ_ASSERT(pr->n <= IOH_PROBLEMS_MAX, "%u problems in a list of %d", pr->n,
		  IOH_PROBLEMS_MAX);
	for (unsigned i = 0; i < pr->n; i++) {
		FZ_ASSERT(strnlen(pr->p[i].field, sizeof(pr->p[i].field)) < sizeof(pr->p[i].field),
			  "problem field not terminated");
		FZ_ASSERT(strnlen(pr->p[i].what, sizeof(pr->p[i].what)) < sizeof(pr->p[i].what),
			  "problem text not terminated");
	}
}

/* ---- UTF-8, checked independently of the library's own checker ---- */

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if ill-formed. */
static inline size_t fz_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static inline bool fz_utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0, l; i < n; i += l)
		if (!(l = fz_utf8_seq(s + i, n - i)))
			return false;
	return true;
}

/* ---- JSON validator ---- */

struct fz_json {
	const unsigned char *s;
	size_t n, i;
	int depth;
	const char *why;
	/* each decoded string value (not keys), NUL-free view plus its length */
	void (*on_string)(void *data, const char *s, size_t len);
	void *data;
	char *buf;
	size_t cap, len;
};

#define FZ_JSON_MAX_DEPTH 64

static inline void fz_json_ws(struct fz_json *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' ||
			       j->s[j->i] == '\r'))
		j->i++;
}

static inline bool fz_json_fail(struct fz_json *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return false;
}

static inline void fz_json_put(struct fz_json *j, const void *p, size_t n)
{
	if (j->len + n > j->cap) {
		j->cap = (j->len + n) * 2 + 64;
		j->buf = realloc(j->buf, j->cap);
		if (!j->buf)
			abort();
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static inline void fz_json_put_cp(struct fz_json *j, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80)
		b[0] = (unsigned char)cp, n = 1;
	else if (cp < 0x800)
		b[0] = 0xc0 | cp >> 6, b[1] = 0x80 | (cp & 0x3f), n = 2;
	else if (cp < 0x10000)
		b[0] = 0xe0 | cp >> 12, b[1] = 0x80 | (cp >> 6 & 0x3f), b[2] = 0x80 | (cp & 0x3f),
		n = 3;
	else
		b[0] = 0xf0 | cp >> 18, b[1] = 0x80 | (cp >> 12 & 0x3f),
		b[2] = 0x80 | (cp >> 6 & 0x3f), b[3] = 0x80 | (cp & 0x3f), n = 4;
	fz_json_put(j, b, n);
}

static inline bool fz_json_hex4(struct fz_json *j, uint32_t *out)
{
	uint32_t v = 0;

	if (j->n - j->i < 4)
		return fz_json_fail(j, "short \\u escape");
	for (int k = 0; k < 4; k++) {
		unsigned char c = j->s[j->i++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return fz_json_fail(j, "bad hex digit in \\u escape");
	}
	*out = v;
	return true;
}

static inline bool fz_json_string(struct fz_json *j, bool is_key)
{
	j->len = 0;
	j->i++; /* opening quote */
	for (;;) {
		if (j->i >= j->n)
			return fz_json_fail(j, "unterminated string");
		unsigned char c = j->s[j->i];
		if (c == '"') {
			j->i++;
			break;
		}
		if (c < 0x20)
			return fz_json_fail(j, "raw control character in string");
		if (c != '\\') {
			size_t l = fz_utf8_seq(j->s + j->i, j->n - j->i);
			if (!l)
				return fz_json_fail(j, "ill-formed UTF-8 in string");
			fz_json_put(j, j->s + j->i, l);
			j->i += l;
			continue;
		}
		if (++j->i >= j->n)
			return fz_json_fail(j, "backslash at end");
		c = j->s[j->i++];
		const char *simple = strchr("\"\\/bfnrt", c);
		if (c && simple) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			fz_json_put(j, &map[simple - "\"\\/bfnrt"], 1);
			continue;
		}
		if (c != 'u')
			return fz_json_fail(j, "bad escape");
		uint32_t cp, lo;
		if (!fz_json_hex4(j, &cp))
			return false;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return fz_json_fail(j, "lone low surrogate");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (j->n - j->i < 6 || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u')
				return fz_json_fail(j, "lone high surrogate");
			j->i += 2;
			if (!fz_json_hex4(j, &lo))
				return false;
			if (lo < 0xdc00 || lo > 0xdfff)
				return fz_json_fail(j, "high surrogate without low");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		fz_json_put_cp(j, cp);
	}
	if (!is_key && j->on_string)
		j->on_string(j->data, j->len ? j->buf : "", j->len);
	return true;
}

static inline bool fz_json_digits(struct fz_json *j)
{
	size_t start = j->i;

	while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
		j->i++;
	return j->i > start;
}

static inline bool fz_json_number(struct fz_json *j)
{
	if (j->s[j->i] == '-')
		j->i++;
	if (j->i < j->n && j->s[j->i] == '0')
		j->i++;
	else if (!fz_json_digits(j))
		return fz_json_fail(j, "bad number");
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (!fz_json_digits(j))
			return fz_json_fail(j, "bad fraction");
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (!fz_json_digits(j))
			return fz_json_fail(j, "bad exponent");
	}
	return true;
}

static inline bool fz_json_value(struct fz_json *j);

static inline bool fz_json_container(struct fz_json *j, char close, bool obj)
{
	if (++j->depth > FZ_JSON_MAX_DEPTH)
		return fz_json_fail(j, "nested too deep");
	j->i++;
	fz_json_ws(j);
	if (j->i < j->n && j->s[j->i] == (unsigned char)close) {
		j->i++;
		j->depth--;
		return true;
	}
	for (;;) {
		fz_json_ws(j);
		if (obj) {
			if (j->i >= j->n || j->s[j->i] != '"')
				return fz_json_fail(j, "object key is not a string");
			if (!fz_json_string(j, true))
				return false;
			fz_json_ws(j);
			if (j->i >= j->n || j->s[j->i++] != ':')
				return fz_json_fail(j, "missing ':'");
		}
		if (!fz_json_value(j))
			return false;
		fz_json_ws(j);
		if (j->i >= j->n)
			return fz_json_fail(j, "unterminated container");
		unsigned char c = j->s[j->i++];
		if (c == (unsigned char)close)
			break;
		if (c != ',')
			return fz_json_fail(j, "missing ',' between members");
	}
	j->depth--;
	return true;
}

static inline bool fz_json_value(struct fz_json *j)
{
	fz_json_ws(j);
	if (j->i >= j->n)
		return fz_json_fail(j, "value expected");
	switch (j->s[j->i]) {
	case '{':
		return fz_json_container(j, '}', true);
	case '[':
		return fz_json_container(j, ']', false);
	case '"':
		return fz_json_string(j, false);
	case 't':
	case 'f':
	case 'n': {
		static const char *const lit[] = {"true", "false", "null"};
		for (int k = 0; k < 3; k++) {
			size_t l = strlen(lit[k]);
			if (j->n - j->i >= l && !memcmp(j->s + j->i, lit[k], l)) {
				j->i += l;
				return true;
			}
		}
		return fz_json_fail(j, "bad literal");
	}
	default:
		if (j->s[j->i] == '-' || (j->s[j->i] >= '0' && j->s[j->i] <= '9'))
			return fz_json_number(j);
		return fz_json_fail(j, "unexpected character");
	}
}

/*
 * True when s[0..n) is exactly one JSON document (surrounding whitespace
 * allowed). On failure *why (if given) says what and *at where.
 */
static inline bool fz_json_check(const char *s, size_t n, void (*on_string)(void *, const char *,
									   size_t),
				 void *data, const char **why, size_t *at)
{
	struct fz_json j = {.s = (const unsigned char *)s, .n = n, .on_string = on_string,
			    .data = data};
	bool ok = fz_json_value(&j);

	if (ok) {
		fz_json_ws(&j);
		if (j.i != n)
			ok = fz_json_fail(&j, "trailing bytes after the document");
	}
	free(j.buf);
	if (why)
		*why = j.why;
	if (at)
		*at = j.i;
	return ok;
}

#endif
