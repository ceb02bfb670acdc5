/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sparse memory image: 4 KiB pages in an open-addressing hash keyed by
 * page frame number, plus the text format parser (docs/walk.md).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/memimg.h>

#include "internal.h"

#define PAGE IOH_MEMIMG_PAGE
#define MAX_RAM 64
/* A repeat count larger than this is a typo, not a fixture. */
#define MAX_REPEAT (1u << 24)

struct slot {
	uint64_t pfn;
	uint8_t *data; /* NULL: empty slot, or EXCLUDED when excluded */
};

struct ioh_memimg {
	struct slot *slots;
	size_t cap;  /* power of two */
	size_t used;
	size_t max_pages;
	size_t *order; /* slot indices sorted by pfn, built on demand */
	bool order_valid;
	uint64_t ram[MAX_RAM][2];
	unsigned nram;
};

/* Marks an excluded page; never dereferenced. */
static uint8_t excluded_marker;
#define EXCLUDED (&excluded_marker)

IOH_EXPORT ioh_memimg *ioh_memimg_new(void)
{
	ioh_memimg *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->max_pages = IOH_MEMIMG_DEFAULT_MAX_PAGES;
	return m;
}

IOH_EXPORT void ioh_memimg_free(ioh_memimg *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].data && m->slots[i].data != EXCLUDED)
			free(m->slots[i].data);
	free(m->slots);
	free(m->order);
	free(m);
}

IOH_EXPORT void ioh_memimg_set_max_pages(ioh_memimg *m, size_t max_pages)
{
	m->max_pages = max_pages;
}

static size_t hash_pfn(uint64_t pfn)
{
	pfn ^= pfn >> 33;
	pfn *= 0xff51afd7ed558ccdULL;
	pfn ^= pfn >> 33;
	return (size_t)pfn;
}

static struct slot *find(const ioh_memimg *m, uint64_t pfn)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash_pfn(pfn) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct slot *s = &m->slots[i];

		if (!s->data)
			return NULL;
		if (s->pfn == pfn)
			return s;
	}
}

static int grow(ioh_memimg *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		size_t j;

		if (!s->data)
			continue;
		for (j = hash_pfn(s->pfn) & (ncap - 1); ns[j].data; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

/* Finds or creates the page; data stays EXCLUDED if `excluded`. */
static struct slot *get_page(ioh_memimg *m, uint64_t pfn, bool excluded)
{
	struct slot *s = find(m, pfn);
	size_t i;

	if (s)
		return s;
	if (m->used >= m->max_pages)
		return NULL;
	if ((m->used + 1) * 2 > m->cap && grow(m))
		return NULL;
	for (i = hash_pfn(pfn) & (m->cap - 1); m->slots[i].data; i = (i + 1) & (m->cap - 1))
		;
	s = &m->slots[i];
	if (excluded) {
		s->data = EXCLUDED;
	} else {
		s->data = calloc(1, PAGE);
		if (!s->data)
			return NULL;
	}
	s->pfn = pfn;
	m->used++;
	m->order_valid = false;
	return s;
}

IOH_EXPORT ioh_status ioh_memimg_write(ioh_memimg *m, uint64_t phys, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len && phys + len - 1 < phys)
		return IOH_ERR_INVALID;
	while (len) {
		size_t off = phys % PAGE, n = PAGE - off < len ? PAGE - off : len;
		struct slot *s = get_page(m, phys / PAGE, false);

		if (!s)
			return IOH_ERR_NOMEM;
		if (s->data == EXCLUDED) {
			s->data = calloc(1, PAGE);
			if (!s->data) {
				s->data = EXCLUDED;
				return IOH_ERR_NOMEM;
			}
		}
		memcpy(s->data + off, p, n);
		p += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_memimg_write_u64(ioh_memimg *m, uint64_t phys, uint64_t val)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	return ioh_memimg_write(m, phys, b, sizeof(b));
}

IOH_EXPORT ioh_status ioh_memimg_exclude(ioh_memimg *m, uint64_t phys)
{
	struct slot *s = get_page(m, phys / PAGE, true);

	if (!s)
		return IOH_ERR_NOMEM;
	if (s->data != EXCLUDED) {
		free(s->data);
		s->data = EXCLUDED;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_memimg_add_ram(ioh_memimg *m, uint64_t start, uint64_t end)
{
	if (end <= start)
		return IOH_ERR_INVALID;
	if (m->nram >= MAX_RAM)
		return IOH_ERR_LIMIT;
	m->ram[m->nram][0] = start;
	m->ram[m->nram][1] = end;
	m->nram++;
	return IOH_OK;
}

IOH_EXPORT int ioh_memimg_read(void *vm, uint64_t phys, void *buf, size_t len)
{
	ioh_memimg *m = vm;
	uint8_t *p = buf;

	if (len && phys + len - 1 < phys)
		return IOH_ERR_NODATA;
	while (len) {
		size_t off = phys % PAGE, n = PAGE - off < len ? PAGE - off : len;
		const struct slot *s = find(m, phys / PAGE);

		if (!s)
			return IOH_ERR_NODATA;
		if (s->data == EXCLUDED)
			return IOH_ERR_EXCLUDED;
		memcpy(p, s->data + off, n);
		p += n;
		phys += n;
		len -= n;
	}
	return 0;
}

IOH_EXPORT bool ioh_memimg_is_ram(void *vm, uint64_t phys)
{
	const ioh_memimg *m = vm;

	if (!m->nram)
		return find(m, phys / PAGE) != NULL;
	for (unsigned i = 0; i < m->nram; i++)
		if (phys >= m->ram[i][0] && phys < m->ram[i][1])
			return true;
	return false;
}

IOH_EXPORT size_t ioh_memimg_pages(const ioh_memimg *m)
{
	return m->used;
}

static const ioh_memimg *sort_img;

static int cmp_slot(const void *a, const void *b)
{
	uint64_t x = sort_img->slots[*(const size_t *)a].pfn;
	uint64_t y = sort_img->slots[*(const size_t *)b].pfn;

	return x < y ? -1 : x > y;
}

IOH_EXPORT bool ioh_memimg_next_page(ioh_memimg *m, size_t *it, uint64_t *phys,
				     const uint8_t **data)
{
	if (!m->order_valid) {
		size_t n = 0, *o = realloc(m->order, (m->used ? m->used : 1) * sizeof(*o));

		if (!o)
			return false;
		m->order = o;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].data)
				o[n++] = i;
		/* qsort has no context argument in C11; the image is not shared across threads here. */
		sort_img = m;
		qsort(o, n, sizeof(*o), cmp_slot);
		m->order_valid = true;
	}
	if (*it >= m->used)
		return false;
	const struct slot *s = &m->slots[m->order[(*it)++]];
	*phys = s->pfn * PAGE;
	*data = s->data == EXCLUDED ? NULL : s->data;
	return true;
}

/* ---- text format ---- */

struct parser {
	ioh_memimg *m;
	ioh_ctx *ctx;
	const char *name;
	unsigned line;
	uint64_t cursor;
	bool have_cursor;
	bool at_top; /* the last word ended at 2^64: nothing more fits */
};

static ioh_status perr(struct parser *ps, ioh_status st, const char *fmt, ...) IOH_PRINTF(3, 4);
static ioh_status perr(struct parser *ps, ioh_status st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ioh_err(ps->ctx, st, "%s:%u: %s", ps->name, ps->line, msg);
}

/* Hex number, "0x" optional, at most 16 digits, the whole token. */
static int parse_hex(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, n -= 2;
	if (!n || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)s[i]);

		if (!isxdigit(c))
			return -1;
		v = v << 4 | (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*out = v;
	return 0;
}

static int parse_dec(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static ioh_status put_words(struct parser *ps, uint64_t word, uint64_t count)
{
	if (!ps->have_cursor)
		return perr(ps, IOH_ERR_CORRUPT, "data before the first @address");
	for (uint64_t i = 0; i < count; i++) {
		ioh_status st;

		if (ps->at_top || ps->cursor > UINT64_MAX - 7)
			return perr(ps, IOH_ERR_CORRUPT, "data runs past the end of the address space");
		st = ioh_memimg_write_u64(ps->m, ps->cursor, word);
		if (st)
			return perr(ps, st, "image holds more than %zu pages", ps->m->max_pages);
		ps->at_top = ps->cursor == UINT64_MAX - 7;
		ps->cursor += 8;
	}
	return IOH_OK;
}

static ioh_status word_token(struct parser *ps, const char *t, size_t n)
{
	const char *star = memchr(t, '*', n);
	uint64_t word, count = 1;

	if (parse_hex(t, star ? (size_t)(star - t) : n, &word))
		return perr(ps, IOH_ERR_CORRUPT, "bad word '%.*s' (want up to 16 hex digits)",
			    (int)n, t);
	if (star && (parse_dec(star + 1, n - (size_t)(star - t) - 1, &count) || !count ||
		     count > MAX_REPEAT))
		return perr(ps, IOH_ERR_CORRUPT, "bad repeat count in '%.*s' (want 1..%u)", (int)n,
			    t, MAX_REPEAT);
	return put_words(ps, word, count);
}

/* Splits off the next whitespace-separated token of [*p, end). */
static bool next_token(const char **p, const char *end, const char **t, size_t *n)
{
	while (*p < end && isspace((unsigned char)**p))
		(*p)++;
	if (*p >= end)
		return false;
	*t = *p;
	while (*p < end && !isspace((unsigned char)**p))
		(*p)++;
	*n = (size_t)(*p - *t);
	return true;
}

static ioh_status directive(struct parser *ps, const char *t, size_t n, const char *p,
			    const char *end)
{
	const char *a[3];
	size_t an[3];
	uint64_t v[2];
	unsigned na = 0;

	while (na < 3 && next_token(&p, end, &a[na], &an[na]))
		na++;
	if (n == 4 && !memcmp(t, ".ram", 4)) {
		if (na != 2 || parse_hex(a[0], an[0], &v[0]) || parse_hex(a[1], an[1], &v[1]))
			return perr(ps, IOH_ERR_CORRUPT, ".ram wants START END (hex)");
		if (ioh_memimg_add_ram(ps->m, v[0], v[1]))
			return perr(ps, IOH_ERR_CORRUPT,
				    ".ram range empty or more than %u ranges", MAX_RAM);
		return IOH_OK;
	}
	if (n == 9 && !memcmp(t, ".excluded", 9)) {
		if (na != 1 || parse_hex(a[0], an[0], &v[0]))
			return perr(ps, IOH_ERR_CORRUPT, ".excluded wants ADDRESS (hex)");
		if (ioh_memimg_exclude(ps->m, v[0]))
			return perr(ps, IOH_ERR_NOMEM, "image holds more than %zu pages",
				    ps->m->max_pages);
		return IOH_OK;
	}
	return perr(ps, IOH_ERR_CORRUPT, "unknown directive '%.*s'", (int)n, t);
}

static ioh_status parse_line(struct parser *ps, const char *p, const char *end)
{
	const char *hash = memchr(p, '#', (size_t)(end - p)), *t;
	size_t n;

	if (hash)
		end = hash;
	while (next_token(&p, end, &t, &n)) {
		ioh_status st;

		if (t[0] == '.')
			return directive(ps, t, n, p, end);
		if (t[0] == '@') {
			if (parse_hex(t + 1, n - 1, &ps->cursor))
				return perr(ps, IOH_ERR_CORRUPT, "bad address '%.*s'", (int)n, t);
			ps->have_cursor = true;
			ps->at_top = false;
			continue;
		}
		st = word_token(ps, t, n);
		if (st)
			return st;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_memimg_parse(ioh_memimg *m, ioh_ctx *ctx, const char *name,
				       const char *text, size_t len)
{
	struct parser ps = { .m = m, .ctx = ctx, .name = name ? name : "<text>" };
	const char *p = text, *end = text + len;

	ioh_clear_err(ctx);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		ioh_status st;

		ps.line++;
		if (memchr(p, '\0', (size_t)(le - p)))
			return perr(&ps, IOH_ERR_CORRUPT, "NUL byte in text");
		st = parse_line(&ps, p, le);
		if (st)
			return st;
		p = nl ? nl + 1 : end;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_memimg_load(ioh_memimg *m, ioh_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ioh_status st;

	if (!f)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "%s: cannot open", path);
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			/* Text fixtures are small; 64 MiB of text is already absurd. */
			if (cap >= (64u << 20)) {
				free(buf);
				fclose(f);
				return ioh_err(ctx, IOH_ERR_LIMIT, "%s: larger than 64 MiB", path);
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return ioh_err(ctx, IOH_ERR_NOMEM, "%s: out of memory", path);
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return ioh_err(ctx, IOH_ERR_SYSTEM, "%s: read error", path);
	}
	fclose(f);
	st = ioh_memimg_parse(m, ctx, path, buf, len);
	free(buf);
	return st;
}
