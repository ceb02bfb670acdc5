/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel-log prefilter: finds the few lines worth parsing at close to
 * memory speed. Sixteen bytes at a time (SSE2, part of every x86-64), with
 * a scalar version of the same test for other machines and for the tail.
 */
#include <string.h>

#include "klog-priv.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_DISPATCH 1
#endif

/* Bytes after a trigger's first byte that the test may look at. */
#define LOOKAHEAD 6

static inline bool trigger_at(const unsigned char *s, size_t i, size_t n)
{
	unsigned char a = s[i], b;

	if (i + 1 >= n)
		return false;
	b = s[i + 1];
	if (a == '-' && b == '-')
		return true;
	if (i + 3 >= n)
		return false;
	if ((a | 0x20) == 'd' && (b | 0x20) == 'm' && (s[i + 2] | 0x20) == 'a' &&
	    (s[i + 3] | 0x20) == 'r')
		return true;
	if ((a == 'D' && b == 'R' && s[i + 2] == 'H') || (a == 'I' && b == 'N' && s[i + 2] == 'T') ||
	    (a == 'L' && b == 'i' && s[i + 2] == 'n'))
		return true;
	return a == ':' && i + 6 < n && s[i + 3] == ':' && s[i + 6] == '.';
}

bool klog_maybe_interesting(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	for (size_t i = 0; i < n; i++)
		if (trigger_at(s, i, n))
			return true;
	return false;
}

#ifdef HAVE_SSE2
static inline __m128i eq(__m128i v, char c)
{
	return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* Sums the byte lanes of acc (each a count of newlines) into *total. */
static inline void flush_acc(__m128i *acc, uint64_t *total)
{
	__m128i s = _mm_sad_epu8(*acc, _mm_setzero_si128());

	*total += (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
	*acc = _mm_setzero_si128();
}

static inline unsigned popcount16(unsigned v)
{
	v = v - ((v >> 1) & 0x5555);
	v = (v & 0x3333) + ((v >> 2) & 0x3333);
	v = (v + (v >> 4)) & 0x0f0f;
	return (v + (v >> 8)) & 0x1f;
}

#ifdef HAVE_AVX2_DISPATCH
/* The same test 32 bytes at a time, for CPUs that have AVX2 (checked at run time). */
__attribute__((target("avx2,popcnt"))) static inline __m256i eq32(__m256i v, char c)
{
	return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c));
}

/* The first '\n' at or after block i whose mask (above the trigger) is nlm; n if none. */
__attribute__((target("avx2,popcnt"))) static size_t eol_avx2(const char *p, size_t n, size_t i,
							       unsigned nlm)
{
	const __m256i nl = _mm256_set1_epi8('\n');

	if (nlm)
		return i + (unsigned)__builtin_ctz(nlm);
	for (i += 32; i + 32 <= n; i += 32) {
		unsigned m = (unsigned)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i)), nl));

		if (m)
			return i + (unsigned)__builtin_ctz(m);
	}
	for (; i < n; i++)
		if (p[i] == '\n')
			return i;
	return n;
}

__attribute__((target("avx2,popcnt"))) static size_t scan_avx2(const char *p, size_t n, size_t *pos,
							       uint64_t *total, size_t *eol)
{
	const __m256i lc = _mm256_set1_epi8(0x20), nl = _mm256_set1_epi8('\n');
	__m256i acc = _mm256_setzero_si256();
	unsigned blocks = 0;
	size_t i = 0;

	for (; i + 32 + LOOKAHEAD <= n; i += 32) {
		__m256i b0 = _mm256_loadu_si256((const __m256i *)(p + i));
		__m256i b1 = _mm256_loadu_si256((const __m256i *)(p + i + 1));
		__m256i b2 = _mm256_loadu_si256((const __m256i *)(p + i + 2));
		__m256i b3 = _mm256_loadu_si256((const __m256i *)(p + i + 3));
		__m256i l0 = _mm256_or_si256(b0, lc), l1 = _mm256_or_si256(b1, lc);
		__m256i isnl = _mm256_cmpeq_epi8(b0, nl);
		/* first the triggers' first two bytes (rare as pairs), then the rest if any */
		__m256i dm = _mm256_and_si256(eq32(l0, 'd'), eq32(l1, 'm'));
		__m256i dr = _mm256_and_si256(eq32(b0, 'D'), eq32(b1, 'R'));
		__m256i in = _mm256_and_si256(eq32(b0, 'I'), eq32(b1, 'N'));
		__m256i li = _mm256_and_si256(eq32(b0, 'L'), eq32(b1, 'i'));
		__m256i dd = _mm256_and_si256(eq32(b0, '-'), eq32(b1, '-'));
		__m256i cc = _mm256_and_si256(eq32(b0, ':'), eq32(b3, ':'));
		__m256i any = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(dm, dr),
							      _mm256_or_si256(in, li)),
					      _mm256_or_si256(dd, cc));
		unsigned mask = 0;

		if (!_mm256_testz_si256(any, any)) {
			__m256i b6 = _mm256_loadu_si256((const __m256i *)(p + i + 6));
			__m256i m = _mm256_and_si256(
				dm, _mm256_and_si256(eq32(_mm256_or_si256(b2, lc), 'a'),
						     eq32(_mm256_or_si256(b3, lc), 'r')));

			m = _mm256_or_si256(m, _mm256_and_si256(dr, eq32(b2, 'H')));
			m = _mm256_or_si256(m, _mm256_and_si256(in, eq32(b2, 'T')));
			m = _mm256_or_si256(m, _mm256_and_si256(li, eq32(b2, 'n')));
			m = _mm256_or_si256(m, dd);
			m = _mm256_or_si256(m, _mm256_and_si256(cc, eq32(b6, '.')));
			mask = (unsigned)_mm256_movemask_epi8(m);
		}

		if ((mask && blocks) || ++blocks == 255) {
			__m256i sad = _mm256_sad_epu8(acc, _mm256_setzero_si256());

			*total += (uint64_t)_mm256_extract_epi64(sad, 0) +
				  (uint64_t)_mm256_extract_epi64(sad, 1) +
				  (uint64_t)_mm256_extract_epi64(sad, 2) +
				  (uint64_t)_mm256_extract_epi64(sad, 3);
			acc = _mm256_setzero_si256();
			blocks = 0;
		}
		if (mask) {
			unsigned at = (unsigned)__builtin_ctz(mask);
			unsigned nlm = (unsigned)_mm256_movemask_epi8(isnl);

			*total += (unsigned)__builtin_popcount(nlm & ((1u << at) - 1));
			*pos = i + at;
			*eol = eol_avx2(p, n, i, nlm & ~((2u << at) - 1));
			return 1;
		}
		acc = _mm256_sub_epi8(acc, isnl);
	}
	{
		__m256i sad = _mm256_sad_epu8(acc, _mm256_setzero_si256());

		*total += (uint64_t)_mm256_extract_epi64(sad, 0) + (uint64_t)_mm256_extract_epi64(sad, 1) +
			  (uint64_t)_mm256_extract_epi64(sad, 2) + (uint64_t)_mm256_extract_epi64(sad, 3);
	}
	*pos = i;
	return 0;
}

static int have_avx2 = -1;
#endif

/* The first '\n' in [c, end), or end. */
static const char *eol_from(const char *c, const char *end)
{
	const char *nl = memchr(c, '\n', (size_t)(end - c));

	return nl ? nl : end;
}

const char *klog_scan(const char *p, const char *end, uint64_t *newlines, const char **eol)
{
	const __m128i lc = _mm_set1_epi8(0x20), nl = _mm_set1_epi8('\n');
	size_t n = (size_t)(end - p), i = 0;
	__m128i acc = _mm_setzero_si128();
	uint64_t total = 0;
	unsigned blocks = 0;

#ifdef HAVE_AVX2_DISPATCH
	if (have_avx2 < 0)
		have_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
	if (have_avx2) {
		size_t pos, e;

		if (scan_avx2(p, n, &pos, &total, &e)) {
			*newlines = total;
			*eol = p + e;
			return p + pos;
		}
		i = pos; /* the rest, fewer than 32 + LOOKAHEAD bytes, below */
	}
#endif
	for (; i + 16 + LOOKAHEAD <= n; i += 16) {
		__m128i b0 = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i b1 = _mm_loadu_si128((const __m128i *)(p + i + 1));
		__m128i b2 = _mm_loadu_si128((const __m128i *)(p + i + 2));
		__m128i b3 = _mm_loadu_si128((const __m128i *)(p + i + 3));
		__m128i l0 = _mm_or_si128(b0, lc), l1 = _mm_or_si128(b1, lc);
		__m128i isnl = _mm_cmpeq_epi8(b0, nl);
		/* first the triggers' first two bytes (rare as pairs), then the rest if any */
		__m128i dm = _mm_and_si128(eq(l0, 'd'), eq(l1, 'm'));
		__m128i dr = _mm_and_si128(eq(b0, 'D'), eq(b1, 'R'));
		__m128i in = _mm_and_si128(eq(b0, 'I'), eq(b1, 'N'));
		__m128i li = _mm_and_si128(eq(b0, 'L'), eq(b1, 'i'));
		__m128i dd = _mm_and_si128(eq(b0, '-'), eq(b1, '-'));
		__m128i cc = _mm_and_si128(eq(b0, ':'), eq(b3, ':'));
		__m128i any = _mm_or_si128(_mm_or_si128(_mm_or_si128(dm, dr), _mm_or_si128(in, li)),
					   _mm_or_si128(dd, cc));
		unsigned mask = 0;

		if (_mm_movemask_epi8(any)) {
			__m128i b6 = _mm_loadu_si128((const __m128i *)(p + i + 6));
			__m128i m = _mm_and_si128(dm, _mm_and_si128(eq(_mm_or_si128(b2, lc), 'a'),
								    eq(_mm_or_si128(b3, lc), 'r')));

			m = _mm_or_si128(m, _mm_and_si128(dr, eq(b2, 'H')));
			m = _mm_or_si128(m, _mm_and_si128(in, eq(b2, 'T')));
			m = _mm_or_si128(m, _mm_and_si128(li, eq(b2, 'n')));
			m = _mm_or_si128(m, dd);
			m = _mm_or_si128(m, _mm_and_si128(cc, eq(b6, '.')));
			mask = (unsigned)_mm_movemask_epi8(m);
		}

		if (mask) {
			unsigned pos = (unsigned)__builtin_ctz(mask);
			unsigned nlmask = (unsigned)_mm_movemask_epi8(isnl) & ((1u << pos) - 1);

			flush_acc(&acc, &total);
			*newlines = total + popcount16(nlmask);
			*eol = eol_from(p + i + pos, end);
			return p + i + pos;
		}
		acc = _mm_sub_epi8(acc, isnl);
		if (++blocks == 255) {
			flush_acc(&acc, &total);
			blocks = 0;
		}
	}
	flush_acc(&acc, &total);
	for (; i < n; i++) {
		if (trigger_at((const unsigned char *)p, i, n)) {
			*newlines = total;
			*eol = eol_from(p + i, end);
			return p + i;
		}
		total += p[i] == '\n';
	}
	*newlines = total;
	*eol = end;
	return end;
}

uint64_t klog_count_newlines(const char *p, const char *end)
{
	size_t n = (size_t)(end - p), i = 0;
	uint64_t c = 0;
	const __m128i nl = _mm_set1_epi8('\n');

	for (; i + 16 <= n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(p + i));

		c += popcount16((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, nl)));
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}
#else
static const char *eol_from(const char *c, const char *end)
{
	const char *nl = memchr(c, '\n', (size_t)(end - c));

	return nl ? nl : end;
}

const char *klog_scan(const char *p, const char *end, uint64_t *newlines, const char **eol)
{
	size_t n = (size_t)(end - p);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (trigger_at((const unsigned char *)p, i, n)) {
			*newlines = total;
			*eol = eol_from(p + i, end);
			return p + i;
		}
		total += p[i] == '\n';
	}
	*newlines = total;
	*eol = end;
	return end;
}

uint64_t klog_count_newlines(const char *p, const char *end)
{
	uint64_t c = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		c++;
		p++;
	}
	return c;
}
#endif
