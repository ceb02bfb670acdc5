/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libioh — status codes, error context and logging shared by every part.
 *
 * Ownership rules, stated once for the whole library:
 *  - every ioh_X_new() has an ioh_X_free(); free(NULL) is a no-op;
 *  - a getter returns a borrowed pointer, valid until the owning handle is
 *    freed or the next call that modifies it;
 *  - the library never prints and never exits; it reports through return
 *    codes, the error string of the ioh_ctx passed in, and the log callback.
 */
#ifndef IOH_IOH_H
#define IOH_IOH_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IOH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IOH_PRINTF(f, a)
#endif

/* Every fallible call returns one of these; the detail is in ioh_get_err(). */
typedef enum ioh_status {
	IOH_OK = 0,
	IOH_ERR_SYSTEM,	 /* OS error; the message carries strerror(errno) */
	IOH_ERR_NOMEM,	 /* allocation failed or a stated memory bound hit */
	IOH_ERR_INVALID, /* bad argument or option from the caller */
	IOH_ERR_CORRUPT, /* input is malformed (dump, table, log, scenario) */
	IOH_ERR_NODATA,	 /* the requested memory is not in the dump */
	IOH_ERR_NOTIMPL, /* valid input that this build does not support */
	IOH_ERR_NOPROBE, /* "not mine": a probe did not recognise the input */
	IOH_ERR_LIMIT,	 /* a configured bound (time, entries, states) hit */
	IOH_ERR_TIMEOUT, /* hardware (or the model) did not complete in time */
	IOH_ERR_HW,	 /* hardware reported an error (IQE, ITE, ...) */
	IOH_ERR_EXCLUDED, /* the page was filtered out of the dump */
} ioh_status;

/* Generic text for a status; never NULL. */
const char *ioh_strerror(ioh_status st);

/* syslog priorities, so a caller can route to syslog unchanged. */
enum ioh_log_prio {
	IOH_LOG_ERR = 3,
	IOH_LOG_WARNING = 4,
	IOH_LOG_NOTICE = 5,
	IOH_LOG_INFO = 6,
	IOH_LOG_DEBUG = 7,
};

typedef void (*ioh_log_fn)(void *data, int prio, const char *file, int line,
			   const char *fn, const char *fmt, va_list ap);

/*
 * The context: error string and log sink. One per thread of use. The
 * detailed error reads outermost first, like a backtrace:
 *   "scan: dmar0 root 0x2157000: bus 3: context table 0x1234000: read past end of dump"
 */
typedef struct ioh_ctx ioh_ctx;

ioh_ctx *ioh_ctx_new(void);
void ioh_ctx_free(ioh_ctx *ctx);

/* Detailed message of the last error, "" when none. Borrowed. */
const char *ioh_get_err(const ioh_ctx *ctx);
void ioh_clear_err(ioh_ctx *ctx);

/* Default: no output. The environment variable IOH_LOG=debug|info|... raises it. */
void ioh_set_log_fn(ioh_ctx *ctx, ioh_log_fn fn, void *data);
void ioh_set_log_priority(ioh_ctx *ctx, int prio);
int ioh_get_log_priority(const ioh_ctx *ctx);

/* Library version as "MAJOR.MINOR.PATCH". */
const char *ioh_version(void);

/* Segment:bus:device.function, the identity of a PCI requester. */
struct ioh_bdf {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn; /* dev << 3 | fn */
};

#define IOH_BDF_STRLEN 13 /* "ssss:bb:dd.f" + NUL */
/* Formats "0000:00:02.0" into buf (at least IOH_BDF_STRLEN); returns buf. */
char *ioh_bdf_str(struct ioh_bdf bdf, char *buf);
/*
 * Parses "ssss:bb:dd.f" or "bb:dd.f" (hex, segment 0 when absent).
 * Returns 0 on success, -1 if the text is not exactly a BDF.
 */
int ioh_bdf_parse(const char *s, struct ioh_bdf *out);
static inline uint16_t ioh_bdf_sid(struct ioh_bdf b)
{
	return (uint16_t)(b.bus << 8 | b.devfn);
}

#ifdef __cplusplus
}
#endif
#endif
