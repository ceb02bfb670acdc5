/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libioh internals: export marker, error building, logging macros. */
#ifndef IOH_INTERNAL_H
#define IOH_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ioh/ioh.h>

#define IOH_EXPORT __attribute__((visibility("default")))
#define IOH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Returns from the calling function when x is not IOH_OK. */
#define IOH_TRY(x)                                                                     \
	do {                                                                           \
		ioh_status st_ = (x);                                                  \
		if (st_ != IOH_OK)                                                     \
			return st_;                                                    \
	} while (0)

/* error.c */

/*
 * Replaces the context's error with the formatted message and returns st.
 * With IOH_ERR_SYSTEM, ": strerror(errno)" is appended (errno read on entry).
 */
ioh_status ioh_err(ioh_ctx *ctx, ioh_status st, const char *fmt, ...) IOH_PRINTF(3, 4);

/*
 * Prepends "formatted: " to the existing error so that it reads outermost
 * first, and returns st unchanged. Use on the way out of a layer.
 */
ioh_status ioh_err_wrap(ioh_ctx *ctx, ioh_status st, const char *fmt, ...) IOH_PRINTF(3, 4);

void ioh_log(ioh_ctx *ctx, int prio, const char *file, int line, const char *fn,
	     const char *fmt, ...) IOH_PRINTF(6, 7);

#define IOH_LOG_AT(ctx, prio, ...)                                                      \
	do {                                                                            \
		if ((ctx) && ioh_get_log_priority(ctx) >= (prio))                       \
			ioh_log((ctx), (prio), __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)
#define DBG(ctx, ...) IOH_LOG_AT(ctx, IOH_LOG_DEBUG, __VA_ARGS__)
#define INFO(ctx, ...) IOH_LOG_AT(ctx, IOH_LOG_INFO, __VA_ARGS__)
#define WARN(ctx, ...) IOH_LOG_AT(ctx, IOH_LOG_WARNING, __VA_ARGS__)
#define ERR(ctx, ...) IOH_LOG_AT(ctx, IOH_LOG_ERR, __VA_ARGS__)

/* Field extraction, the way the spec writes ranges: bits hi:lo of v. */
static inline uint64_t ioh_bits(uint64_t v, unsigned hi, unsigned lo)
{
	unsigned w = hi - lo + 1;
	return (v >> lo) & (w >= 64 ? ~0ULL : ((1ULL << w) - 1));
}
static inline uint64_t ioh_field(uint64_t val, unsigned hi, unsigned lo)
{
	unsigned w = hi - lo + 1;
	return (val & (w >= 64 ? ~0ULL : ((1ULL << w) - 1))) << lo;
}
static inline uint64_t ioh_mask(unsigned hi, unsigned lo)
{
	return ioh_field(~0ULL, hi, lo);
}

#endif
