/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error context: a status plus a message that grows outward as it unwinds. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "internal.h"

#define IOH_ERRMSG_MAX 1024

struct ioh_ctx {
	char err[IOH_ERRMSG_MAX];
	ioh_log_fn log_fn;
	void *log_data;
	int log_prio;
};

static const char *const status_text[] = {
	[IOH_OK] = "Success",
	[IOH_ERR_SYSTEM] = "Operating system error",
	[IOH_ERR_NOMEM] = "Out of memory or over a memory bound",
	[IOH_ERR_INVALID] = "Invalid argument",
	[IOH_ERR_CORRUPT] = "Malformed input",
	[IOH_ERR_NODATA] = "Memory not present in the dump",
	[IOH_ERR_NOTIMPL] = "Not implemented",
	[IOH_ERR_NOPROBE] = "Input not recognised",
	[IOH_ERR_LIMIT] = "Limit reached",
	[IOH_ERR_TIMEOUT] = "Timed out",
	[IOH_ERR_HW] = "Hardware reported an error",
	[IOH_ERR_EXCLUDED] = "Page excluded from the dump",
};

IOH_EXPORT const char *ioh_strerror(ioh_status st)
{
	if ((unsigned)st < IOH_ARRAY_SIZE(status_text) && status_text[st])
		return status_text[st];
	return "Unknown status";
}

static int prio_from_env(void)
{
	const char *e = getenv("IOH_LOG");
	static const struct {
		const char *name;
		int prio;
	} names[] = { { "err", IOH_LOG_ERR },	    { "warning", IOH_LOG_WARNING },
		      { "notice", IOH_LOG_NOTICE }, { "info", IOH_LOG_INFO },
		      { "debug", IOH_LOG_DEBUG } };

	if (!e)
		return IOH_LOG_ERR;
	for (size_t i = 0; i < IOH_ARRAY_SIZE(names); i++)
		if (!strcasecmp(e, names[i].name))
			return names[i].prio;
	return IOH_LOG_ERR;
}

IOH_EXPORT ioh_ctx *ioh_ctx_new(void)
{
	ioh_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx)
		ctx->log_prio = prio_from_env();
	return ctx;
}

IOH_EXPORT void ioh_ctx_free(ioh_ctx *ctx)
{
	free(ctx);
}

IOH_EXPORT const char *ioh_get_err(const ioh_ctx *ctx)
{
	return ctx ? ctx->err : "";
}

IOH_EXPORT void ioh_clear_err(ioh_ctx *ctx)
{
	if (ctx)
		ctx->err[0] = '\0';
}

IOH_EXPORT void ioh_set_log_fn(ioh_ctx *ctx, ioh_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

IOH_EXPORT void ioh_set_log_priority(ioh_ctx *ctx, int prio)
{
	ctx->log_prio = prio;
}

IOH_EXPORT int ioh_get_log_priority(const ioh_ctx *ctx)
{
	/* Without a sink, formatting would be wasted work. */
	return ctx->log_fn ? ctx->log_prio : -1;
}

ioh_status ioh_err(ioh_ctx *ctx, ioh_status st, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	int n;

	if (!ctx)
		return st;
	va_start(ap, fmt);
	n = vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	if (st == IOH_ERR_SYSTEM && n >= 0 && (size_t)n < sizeof(ctx->err))
		snprintf(ctx->err + n, sizeof(ctx->err) - n, ": %s", strerror(saved));
	return st;
}

ioh_status ioh_err_wrap(ioh_ctx *ctx, ioh_status st, const char *fmt, ...)
{
	char prefix[IOH_ERRMSG_MAX], old[IOH_ERRMSG_MAX];
	va_list ap;

	if (!ctx)
		return st;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, ctx->err, sizeof(old));
	if (old[0])
		snprintf(ctx->err, sizeof(ctx->err), "%s: %s", prefix, old);
	else
		snprintf(ctx->err, sizeof(ctx->err), "%s: %s", prefix, ioh_strerror(st));
	return st;
}

void ioh_log(ioh_ctx *ctx, int prio, const char *file, int line, const char *fn,
	     const char *fmt, ...)
{
	va_list ap;

	if (!ctx || !ctx->log_fn)
		return;
	va_start(ap, fmt);
	ctx->log_fn(ctx->log_data, prio, file, line, fn, fmt, ap);
	va_end(ap);
}

IOH_EXPORT const char *ioh_version(void)
{
	return IOH_VERSION;
}
