/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A streaming JSON writer: tracks nesting and commas so callers only say
 * what comes next. Bounded depth; strings are escaped as RFC 8259 requires
 * (control characters, quotes, backslashes; invalid UTF-8 bytes become
 * U+FFFD so the output always parses).
 */
#ifndef IOH_JSON_H
#define IOH_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IOH_JSON_DEPTH 32

struct ioh_json {
	FILE *f;
	int depth;
	bool pretty;
	bool need_comma[IOH_JSON_DEPTH];
	bool after_key;
};

void ioh_json_init(struct ioh_json *j, FILE *f, bool pretty);
void ioh_json_obj_begin(struct ioh_json *j);
void ioh_json_obj_end(struct ioh_json *j);
void ioh_json_arr_begin(struct ioh_json *j);
void ioh_json_arr_end(struct ioh_json *j);
void ioh_json_key(struct ioh_json *j, const char *key);
void ioh_json_str(struct ioh_json *j, const char *s);
void ioh_json_strn(struct ioh_json *j, const char *s, size_t n);
void ioh_json_u64(struct ioh_json *j, uint64_t v);
void ioh_json_i64(struct ioh_json *j, int64_t v);
void ioh_json_double(struct ioh_json *j, double v);
void ioh_json_bool(struct ioh_json *j, bool v);
void ioh_json_null(struct ioh_json *j);
/* Addresses are "0x..." strings: JSON numbers lose precision past 2^53. */
void ioh_json_hex(struct ioh_json *j, uint64_t v);
/* Ends the document with a newline. */
void ioh_json_end(struct ioh_json *j);

/* key + value shorthands */
void ioh_json_kstr(struct ioh_json *j, const char *k, const char *s);
void ioh_json_ku64(struct ioh_json *j, const char *k, uint64_t v);
void ioh_json_kbool(struct ioh_json *j, const char *k, bool v);
void ioh_json_khex(struct ioh_json *j, const char *k, uint64_t v);

/*
 * key: [{"field": ..., "what": ...}, ...] for one problem list, or two
 * concatenated (b may be NULL). struct ioh_problems is in <ioh/vtd.h>.
 */
struct ioh_problems;
void ioh_json_kproblems(struct ioh_json *j, const char *key, const struct ioh_problems *a,
			const struct ioh_problems *b);

#endif
