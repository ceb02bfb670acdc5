/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small self-registering test harness: each TEST() lands in the linker
 * section "ioh_tests"; the runner forks one process per test, enforces a
 * timeout, and prints PASS/FAIL lines and "N passed, N failed".
 */
#ifndef IOH_TEST_HARNESS_H
#define IOH_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ioh_test {
	const char *name;
	const char *file;
	int line;
	void (*fn)(void);
	unsigned timeout; /* seconds */
};

#define TEST_TIMEOUT(tname, secs)                                                      \
	static void test_##tname(void);                                                \
	static const struct ioh_test tdesc_##tname                                     \
		__attribute__((used, section("ioh_tests"), aligned(sizeof(void *)))) = { \
			#tname, __FILE__, __LINE__, test_##tname, (secs)               \
		};                                                                     \
	static void test_##tname(void)

#define TEST(tname) TEST_TIMEOUT(tname, 20)

void ioh_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define CHECK(expr)                                                                    \
	do {                                                                           \
		if (!(expr))                                                           \
			ioh_test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #expr); \
	} while (0)

#define CHECK_MSG(expr, ...)                                                           \
	do {                                                                           \
		if (!(expr))                                                           \
			ioh_test_fail(__FILE__, __LINE__, __VA_ARGS__);                \
	} while (0)

#define CHECK_EQ(a, b)                                                                 \
	do {                                                                           \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                       \
		if (a_ != b_)                                                          \
			ioh_test_fail(__FILE__, __LINE__,                              \
				      "%s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64, #a, \
				      #b, a_, b_);                                     \
	} while (0)

#define CHECK_STREQ(a, b)                                                              \
	do {                                                                           \
		const char *a_ = (a), *b_ = (b);                                       \
		if (!a_ || !b_ || strcmp(a_, b_))                                      \
			ioh_test_fail(__FILE__, __LINE__, "%s == %s failed: \"%s\" != \"%s\"", \
				      #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                    \
	do {                                                                           \
		const char *h_ = (hay), *n_ = (needle);                                \
		if (!h_ || !strstr(h_, n_))                                            \
			ioh_test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
				      h_ ? h_ : "(null)", n_);                         \
	} while (0)

/* Path of a file under the source tree (IOH_SRCDIR, default "."). Static buffer. */
const char *ioh_test_src(const char *rel);
/* Path under the build's scratch directory for this test (created). Static buffer. */
const char *ioh_test_tmp(const char *rel);
/* Reads a whole file into a NUL-terminated malloc'd buffer; fails the test on error. */
char *ioh_test_slurp(const char *path, size_t *len);

#endif
