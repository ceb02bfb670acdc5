/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Field tables for the VT-d spec tests: each named field of a decoded struct
 * with the bit range the spec gives it, written down from docs/formats.md
 * independently of src/lib. One generic check per table then sets exactly
 * one field and looks at exactly that bit range, in both directions.
 */
#ifndef IOH_TEST_VTD_FIELDS_H
#define IOH_TEST_VTD_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

#define IOH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct fspec {
	const char *name;
	unsigned hi, lo; /* absolute bit numbers within the entry/register */
	size_t off, size;
	bool addr; /* stored as an address (bits in place), not shifted down */
};

#define F(type, member, hi_, lo_) { #member, hi_, lo_, offsetof(type, member), sizeof(((type *)0)->member), false }
#define A(type, member, hi_, lo_) { #member, hi_, lo_, offsetof(type, member), sizeof(((type *)0)->member), true }

static inline uint64_t fs_get(const void *s, const struct fspec *f)
{
	const unsigned char *p = (const unsigned char *)s + f->off;

	switch (f->size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

static inline void fs_set(void *s, const struct fspec *f, uint64_t v)
{
	unsigned char *p = (unsigned char *)s + f->off;

	switch (f->size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	case 4: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

/* Sets bits hi:lo (absolute, may span no qword boundary) in q[]. */
static inline void fs_raw_set(uint64_t *q, unsigned hi, unsigned lo)
{
	unsigned w = hi - lo + 1, sh = lo % 64;

	q[lo / 64] |= (w >= 64 ? ~0ULL : ((1ULL << w) - 1)) << sh;
}

/* The value the field must hold when all its bits are set. */
static inline uint64_t fs_full(const struct fspec *f)
{
	unsigned w = f->hi - f->lo + 1;
	uint64_t ones = w >= 64 ? ~0ULL : ((1ULL << w) - 1);

	return f->addr ? ones << (f->lo % 64) : ones;
}

typedef void (*fs_decode_fn)(const uint64_t *q, void *out);
typedef void (*fs_encode_fn)(const void *in, uint64_t *q);

/* The table names every bit of the nq qwords exactly once. */
static inline void fs_check_cover(const char *what, const struct fspec *t, size_t n, unsigned nq)
{
	uint64_t seen[8] = { 0 };

	for (size_t i = 0; i < n; i++) {
		uint64_t q[8] = { 0 };

		fs_raw_set(q, t[i].hi, t[i].lo);
		for (unsigned k = 0; k < nq; k++) {
			CHECK_MSG(!(seen[k] & q[k]), "%s: %s overlaps another field", what, t[i].name);
			seen[k] |= q[k];
		}
	}
	for (unsigned k = 0; k < nq; k++)
		CHECK_MSG(seen[k] == ~0ULL, "%s: qword %u bits 0x%016llx belong to no field", what,
			  k, (unsigned long long)~seen[k]);
}

/*
 * For each field: decoding a word with exactly that range set fills exactly
 * that field (all others, reserved included, zero), and encoding a struct
 * with only that field full gives exactly that range.
 */
static inline void fs_check_table_nocover(const char *what, const struct fspec *t, size_t n,
					  size_t ssize, unsigned nq, fs_decode_fn dec,
					  fs_encode_fn enc)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t q[8] = { 0 }, back[8] = { 0 };
		unsigned char s[512], z[512];

		CHECK(ssize <= sizeof(s) && nq <= 8);
		CHECK(t[i].hi / 64 == t[i].lo / 64);
		fs_raw_set(q, t[i].hi, t[i].lo);
		memset(s, 0xa5, sizeof(s));
		dec(q, s);
		for (size_t j = 0; j < n; j++) {
			/* Split ranges (rsvd) share a member: compare by member. */
			uint64_t want = t[j].off == t[i].off ? fs_full(&t[i]) : 0;
			CHECK_MSG(fs_get(s, &t[j]) == want,
				  "%s: raw bits %u:%u: field %s = 0x%llx, expected 0x%llx", what,
				  t[i].hi, t[i].lo, t[j].name, (unsigned long long)fs_get(s, &t[j]),
				  (unsigned long long)want);
		}
		memset(z, 0, sizeof(z));
		fs_set(z, &t[i], fs_full(&t[i]));
		enc(z, back);
		for (unsigned k = 0; k < nq; k++)
			CHECK_MSG(back[k] == q[k], "%s: encode %s: qword %u = 0x%016llx, expected 0x%016llx",
				  what, t[i].name, k, (unsigned long long)back[k],
				  (unsigned long long)q[k]);
	}
}

/* xorshift64: deterministic "random" words for round trips. */
static inline uint64_t fs_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static inline void fs_check_table(const char *what, const struct fspec *t, size_t n,
				  size_t ssize, unsigned nq, fs_decode_fn dec, fs_encode_fn enc)
{
	fs_check_cover(what, t, n, nq);
	fs_check_table_nocover(what, t, n, ssize, nq, dec, enc);
}

#endif
