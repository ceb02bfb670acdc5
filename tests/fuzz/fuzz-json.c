/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON writer's escaping and nesting: the input drives a well-formed
 * sequence of writer calls (keys only in objects, every container closed)
 * with arbitrary bytes as keys and strings, arbitrary doubles (NaN, inf)
 * and integers. The output must be exactly one valid JSON document whose
 * strings decode to what was written: byte-for-byte for well-formed UTF-8
 * input, and well-formed UTF-8 (with U+FFFD for what was not) otherwise.
 */
#include <inttypes.h>

#include "fuzz-util.h"
#include "json.h"

#define MAX_STRINGS 256

struct expect {
	char *s[MAX_STRINGS];
	size_t len[MAX_STRINGS];
	bool exact[MAX_STRINGS];
	size_t n, seen;
};

static void on_string(void *data, const char *s, size_t len)
{
	struct expect *e = data;
	size_t k = e->seen++;

	FZ_ASSERT(k < e->n, "more strings in the output (%zu) than written (%zu)", e->seen, e->n);
	if (e->exact[k])
		FZ_ASSERT(len == e->len[k] && !memcmp(s, e->s[k], len),
			  "string %zu does not round-trip (%zu bytes in, %zu out)", k, e->len[k],
			  len);
	else
		FZ_ASSERT(len >= 1, "ill-formed input string %zu came back empty", k);
}

static void expect_str(struct expect *e, const char *s, size_t len)
{
	if (e->n == MAX_STRINGS)
		abort();
	e->s[e->n] = malloc(len + 1);
	memcpy(e->s[e->n], s, len);
	e->s[e->n][len] = 0;
	e->len[e->n] = len;
	e->exact[e->n] = fz_utf8_valid(s, len);
	e->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	struct expect e = {0};
	bool in_obj[IOH_JSON_DEPTH];
	int depth = 0;
	char *out = NULL;
	size_t outlen = 0;
	FILE *mf = open_memstream(&out, &outlen);
	struct ioh_json j;

	if (!mf)
		abort();
	ioh_json_init(&j, mf, fz_u8(&f) & 1);
	ioh_json_obj_begin(&j);
	in_obj[depth++] = true;
	while (f.n && e.n < MAX_STRINGS - 1) {
		uint8_t op = fz_u8(&f);
		size_t len;
		char *s;

		if (in_obj[depth - 1]) {
			/* a key (NUL-terminated: the writer takes C strings for keys) */
			s = fz_str(&f, 64, NULL);
			ioh_json_key(&j, s);
			free(s);
		}
		switch (op % 11) {
		case 0:
		case 1:
			if (depth < IOH_JSON_DEPTH) {
				in_obj[depth] = op % 11 == 0;
				depth++;
				if (in_obj[depth - 1])
					ioh_json_obj_begin(&j);
				else
					ioh_json_arr_begin(&j);
				break;
			}
			/* fall through: too deep, write a value instead */
		case 2:
			s = fz_str(&f, 255, &len);
			expect_str(&e, s, len);
			ioh_json_strn(&j, s, len);
			free(s);
			break;
		case 3:
			s = fz_str(&f, 255, &len);
			/* ioh_json_str stops at the first NUL */
			expect_str(&e, s, strlen(s));
			ioh_json_str(&j, s);
			free(s);
			break;
		case 4:
			ioh_json_u64(&j, fz_u64(&f));
			break;
		case 5:
			ioh_json_i64(&j, (int64_t)fz_u64(&f));
			break;
		case 6: {
			uint64_t bits = fz_u64(&f);
			double d;

			memcpy(&d, &bits, sizeof(d));
			ioh_json_double(&j, d);
			break;
		}
		case 7:
			ioh_json_bool(&j, op & 0x80);
			break;
		case 8:
			ioh_json_null(&j);
			break;
		case 9: {
			uint64_t v = fz_u64(&f);
			char hex[32];

			snprintf(hex, sizeof(hex), "0x%" PRIx64, v);
			expect_str(&e, hex, strlen(hex));
			ioh_json_hex(&j, v);
			break;
		}
		case 10:
			/* close the innermost container; the outermost stays open */
			if (in_obj[depth - 1])
				ioh_json_null(&j);
			else
				ioh_json_str(&j, NULL);
			if (depth > 1) {
				if (in_obj[--depth])
					ioh_json_obj_end(&j);
				else
					ioh_json_arr_end(&j);
			}
			break;
		}
	}
	while (depth > 0) {
		if (in_obj[--depth])
			ioh_json_obj_end(&j);
		else
			ioh_json_arr_end(&j);
	}
	ioh_json_end(&j);
	fclose(mf);

	const char *why;
	size_t at;
	bool ok = fz_json_check(out, outlen, on_string, &e, &why, &at);

	FZ_ASSERT(ok, "writer output is not JSON: %s at byte %zu of %zu: %.*s", why, at, outlen,
		  (int)(outlen < 400 ? outlen : 400), out);
	FZ_ASSERT(e.seen == e.n, "%zu strings written, %zu in the output", e.n, e.seen);
	for (size_t k = 0; k < e.n; k++)
		free(e.s[k]);
	free(out);
	return 0;
}
