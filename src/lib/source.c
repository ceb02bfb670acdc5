/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Memory sources, the generic half: probing, the public handle, RAM ranges
 * and the streaming scan. Each kind lives in its own source-KIND.c behind
 * struct source_ops.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source-internal.h"

/* Probe order: the cheapest and most specific signatures first. */
static const struct source_ops *const probe_order[] = {
	&ioh_source_flat_ops,
	&ioh_source_kdump_ops,
	&ioh_source_elf_ops,
};

/* Readers only chosen by asking for their kind. */
static const struct source_ops *const by_kind_only[] = {
	&ioh_source_libkdumpfile_ops,
};

IOH_EXPORT const char *ioh_source_kind_name(enum ioh_source_kind kind)
{
	switch (kind) {
	case IOH_SOURCE_AUTO: return "auto";
	case IOH_SOURCE_ELF: return "elf";
	case IOH_SOURCE_KDUMP: return "kdump";
	case IOH_SOURCE_FLAT: return "flat";
	case IOH_SOURCE_RAW: return "raw";
	case IOH_SOURCE_MEM: return "mem";
	case IOH_SOURCE_LIBKDUMPFILE: return "libkdumpfile";
	}
	return "unknown";
}

IOH_EXPORT int ioh_source_kind_from_name(const char *name, enum ioh_source_kind *out)
{
	static const enum ioh_source_kind kinds[] = {
		IOH_SOURCE_AUTO, IOH_SOURCE_ELF, IOH_SOURCE_KDUMP, IOH_SOURCE_FLAT,
		IOH_SOURCE_LIBKDUMPFILE,
	};

	for (size_t i = 0; name && i < IOH_ARRAY_SIZE(kinds); i++)
		if (!strcmp(name, ioh_source_kind_name(kinds[i]))) {
			*out = kinds[i];
			return 0;
		}
	return -1;
}

ssize_t src_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ioh_status src_fd_pread(void *priv, void *buf, size_t n, uint64_t off)
{
	struct ioh_source *src = priv;
	ssize_t r = src_pread_full(src->fd, buf, n, off);

	if (r < 0)
		return ioh_err(src->ctx, IOH_ERR_SYSTEM, "read at 0x%" PRIx64, off);
	if ((size_t)r < n)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "0x%zx bytes at 0x%" PRIx64 ": past the end of the file", n, off);
	return IOH_OK;
}

void src_problem(struct ioh_source *src, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (src->nproblems >= SRC_MAX_PROBLEMS) {
		src->problems_dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	WARN(src->ctx, "%s: %s", src->name, msg);
	src->problems[src->nproblems++] = msg;
}

ioh_status src_add_range(struct ioh_source *src, uint64_t start, uint64_t end)
{
	struct ioh_range *r;

	if (start >= end)
		return IOH_OK;
	/* Extending the last range keeps page-by-page builders cheap. */
	if (src->nranges && src->ranges[src->nranges - 1].end == start) {
		src->ranges[src->nranges - 1].end = end;
		return IOH_OK;
	}
	if (src->nranges >= SRC_MAX_RANGES)
		return ioh_err(src->ctx, IOH_ERR_LIMIT, "more than %u separate RAM ranges",
			       SRC_MAX_RANGES);
	if (!(src->nranges & (src->nranges + 1)) || !src->ranges) {
		size_t cap = src->nranges ? (src->nranges + 1) * 2 : 16;

		r = realloc(src->ranges, cap * sizeof(*r));
		if (!r)
			return ioh_err(src->ctx, IOH_ERR_NOMEM, "out of memory for RAM ranges");
		src->ranges = r;
	}
	src->ranges[src->nranges++] = (struct ioh_range){ start, end };
	return IOH_OK;
}

static int range_cmp(const void *a, const void *b)
{
	const struct ioh_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void src_merge_ranges(struct ioh_source *src)
{
	size_t n = 0;

	if (!src->nranges)
		return;
	qsort(src->ranges, src->nranges, sizeof(*src->ranges), range_cmp);
	for (size_t i = 1; i < src->nranges; i++) {
		struct ioh_range *last = &src->ranges[n];

		if (src->ranges[i].start <= last->end) {
			if (src->ranges[i].end > last->end)
				last->end = src->ranges[i].end;
		} else {
			src->ranges[++n] = src->ranges[i];
		}
	}
	src->nranges = n + 1;
}

static struct ioh_source *source_alloc(ioh_ctx *ctx, const char *name)
{
	struct ioh_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->ctx = ctx;
	src->fd = -1;
	src->page_size = 4096;
	src->name = strdup(name);
	if (!src->name) {
		free(src);
		return NULL;
	}
	return src;
}

IOH_EXPORT void ioh_source_free(ioh_source *src)
{
	if (!src)
		return;
	if (src->ops && src->ops->close)
		src->ops->close(src);
	if (src->fd >= 0)
		close(src->fd);
	ioh_vmcoreinfo_free(src->vi);
	for (size_t i = 0; i < src->nproblems; i++)
		free(src->problems[i]);
	free(src->ranges);
	free(src->name);
	free(src);
}

/* Runs ops->open and the common post-processing; frees src on failure. */
static ioh_status finish_open(struct ioh_source *src, const struct source_ops *ops,
			      ioh_source **out)
{
	ioh_status st;

	src->ops = ops;
	st = ops->open(src);
	if (st != IOH_OK) {
		ioh_err_wrap(src->ctx, st, "%s", src->name);
		ioh_source_free(src);
		return st;
	}
	src_merge_ranges(src);
	DBG(src->ctx, "%s: opened as %s, %zu RAM ranges", src->name, ops->name, src->nranges);
	*out = src;
	return IOH_OK;
}

static ioh_status probe_fd(struct ioh_source *src, enum ioh_source_kind kind,
			   const struct source_ops **found)
{
	unsigned char head[SRC_HEAD_SIZE];
	struct stat stbuf;
	ssize_t n;

	if (fstat(src->fd, &stbuf) < 0)
		return ioh_err(src->ctx, IOH_ERR_SYSTEM, "%s: stat", src->name);
	if (S_ISDIR(stbuf.st_mode))
		return ioh_err(src->ctx, IOH_ERR_INVALID, "%s: is a directory", src->name);
	src->file_size = (uint64_t)stbuf.st_size;
	n = src_pread_full(src->fd, head, sizeof(head), 0);
	if (n < 0)
		return ioh_err(src->ctx, IOH_ERR_SYSTEM, "%s: read", src->name);
	if (n == 0)
		return ioh_err(src->ctx, IOH_ERR_NOPROBE, "%s: empty file (0 bytes), not a dump",
			       src->name);
	for (size_t i = 0; i < IOH_ARRAY_SIZE(probe_order) + IOH_ARRAY_SIZE(by_kind_only); i++) {
		const struct source_ops *ops = i < IOH_ARRAY_SIZE(probe_order)
						       ? probe_order[i]
						       : by_kind_only[i - IOH_ARRAY_SIZE(probe_order)];
		ioh_status st;

		if (kind == IOH_SOURCE_AUTO ? i >= IOH_ARRAY_SIZE(probe_order) : kind != ops->kind)
			continue;
		st = ops->probe(src, head, (size_t)n);
		if (st == IOH_ERR_NOPROBE)
			continue;
		if (st != IOH_OK)
			return ioh_err_wrap(src->ctx, st, "%s", src->name);
		*found = ops;
		return IOH_OK;
	}
	if (kind != IOH_SOURCE_AUTO)
		return ioh_err(src->ctx, IOH_ERR_NOPROBE, "%s: not a %s dump", src->name,
			       ioh_source_kind_name(kind));
	return ioh_err(src->ctx, IOH_ERR_NOPROBE,
		       "%s: not a vmcore (neither ELF, kdump-compressed nor makedumpfile "
		       "flattened); for a raw memory image use raw:FILE@BASE",
		       src->name);
}

static ioh_status open_fd_kind(ioh_ctx *ctx, int fd, const char *name,
			       enum ioh_source_kind kind, ioh_source **out)
{
	const struct source_ops *ops = NULL;
	struct ioh_source *src;
	ioh_status st;

	src = source_alloc(ctx, name);
	if (!src) {
		close(fd);
		return ioh_err(ctx, IOH_ERR_NOMEM, "%s: out of memory", name);
	}
	src->fd = fd;
	st = probe_fd(src, kind, &ops);
	if (st != IOH_OK) {
		ioh_source_free(src);
		return st;
	}
	return finish_open(src, ops, out);
}

/* "raw:FILE@BASE" → FILE and BASE; 1 if the path has that form, -1 if malformed. */
static int parse_raw_spec(const char *path, char **file, uint64_t *base)
{
	const char *at;
	char *end;

	if (strncmp(path, "raw:", 4))
		return 0;
	at = strrchr(path + 4, '@');
	if (!at || at == path + 4 || !at[1])
		return -1;
	errno = 0;
	*base = strtoull(at + 1, &end, 0);
	if (errno || *end || at[1] == '-')
		return -1;
	*file = strndup(path + 4, (size_t)(at - (path + 4)));
	return *file ? 1 : -1;
}

IOH_EXPORT ioh_status ioh_source_open_kind(ioh_ctx *ctx, enum ioh_source_kind kind,
					   const char *path, ioh_source **out)
{
	uint64_t base;
	char *file;
	int fd, raw;

	*out = NULL;
	if (!path)
		return ioh_err(ctx, IOH_ERR_INVALID, "no dump path given");
	if (kind == IOH_SOURCE_RAW || kind == IOH_SOURCE_MEM)
		return ioh_err(ctx, IOH_ERR_INVALID,
			       "%s: a %s source needs its own open call (raw:FILE@BASE)", path,
			       ioh_source_kind_name(kind));
	raw = parse_raw_spec(path, &file, &base);
	if (raw < 0)
		return ioh_err(ctx, IOH_ERR_INVALID,
			       "%s: expected raw:FILE@BASE with BASE a number (0x... or decimal)",
			       path);
	if (raw > 0) {
		ioh_status st;

		if (kind != IOH_SOURCE_AUTO) {
			free(file);
			return ioh_err(ctx, IOH_ERR_INVALID, "%s: raw: given with kind %s", path,
				       ioh_source_kind_name(kind));
		}
		st = ioh_source_open_raw(ctx, file, base, out);
		free(file);
		return st;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "open %s", path);
	return open_fd_kind(ctx, fd, path, kind, out);
}

IOH_EXPORT ioh_status ioh_source_open(ioh_ctx *ctx, const char *path, ioh_source **out)
{
	return ioh_source_open_kind(ctx, IOH_SOURCE_AUTO, path, out);
}

IOH_EXPORT ioh_status ioh_source_open_fd(ioh_ctx *ctx, int fd, const char *name,
					 ioh_source **out)
{
	char buf[32];
	int dupfd;

	*out = NULL;
	if (!name) {
		snprintf(buf, sizeof(buf), "fd %d", fd);
		name = buf;
	}
	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "%s: dup", name);
	return open_fd_kind(ctx, dupfd, name, IOH_SOURCE_AUTO, out);
}

IOH_EXPORT ioh_status ioh_source_open_raw(ioh_ctx *ctx, const char *path, uint64_t base,
					  ioh_source **out)
{
	struct ioh_source *src;
	struct stat stbuf;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ioh_err(ctx, IOH_ERR_SYSTEM, "open %s", path);
	src = source_alloc(ctx, path);
	if (!src) {
		close(fd);
		return ioh_err(ctx, IOH_ERR_NOMEM, "%s: out of memory", path);
	}
	src->fd = fd;
	if (fstat(fd, &stbuf) < 0) {
		ioh_err(ctx, IOH_ERR_SYSTEM, "%s: stat", path);
		ioh_source_free(src);
		return IOH_ERR_SYSTEM;
	}
	src->file_size = (uint64_t)stbuf.st_size;
	src->base = base;
	return finish_open(src, &ioh_source_raw_ops, out);
}

IOH_EXPORT ioh_status ioh_source_new_mem(ioh_ctx *ctx, uint64_t page_size, ioh_source **out)
{
	struct ioh_source *src;

	*out = NULL;
	if (page_size && !src_page_size_ok(page_size))
		return ioh_err(ctx, IOH_ERR_INVALID,
			       "in-memory image: page size %" PRIu64 " is not a power of two "
			       "between 4 KiB and 1 MiB",
			       page_size);
	src = source_alloc(ctx, "memory image");
	if (!src)
		return ioh_err(ctx, IOH_ERR_NOMEM, "in-memory image: out of memory");
	if (page_size)
		src->page_size = page_size;
	return finish_open(src, &ioh_source_mem_ops, out);
}

IOH_EXPORT ioh_status ioh_source_read(ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	if (!src || (!buf && len))
		return IOH_ERR_INVALID;
	if (!len)
		return IOH_OK;
	if (phys + len - 1 < phys)
		return ioh_err(src->ctx, IOH_ERR_NODATA,
			       "0x%" PRIx64 "+%zu: wraps past the top of physical memory", phys,
			       len);
	return src->ops->read_phys(src, phys, buf, len);
}

IOH_EXPORT int ioh_source_read_cb(void *src, uint64_t phys, void *buf, size_t len)
{
	return (int)ioh_source_read(src, phys, buf, len);
}

IOH_EXPORT ioh_status ioh_source_read_u64(ioh_source *src, uint64_t phys, uint64_t *out)
{
	unsigned char b[8];
	ioh_status st = ioh_source_read(src, phys, b, sizeof(b));

	if (st != IOH_OK)
		return st;
	*out = 0;
	for (int i = 7; i >= 0; i--)
		*out = *out << 8 | b[i];
	return IOH_OK;
}

IOH_EXPORT enum ioh_source_kind ioh_source_kind(const ioh_source *src)
{
	return src->ops->kind;
}

IOH_EXPORT const char *ioh_source_name(const ioh_source *src)
{
	return src->name;
}

IOH_EXPORT uint64_t ioh_source_page_size(const ioh_source *src)
{
	return src->page_size;
}

IOH_EXPORT size_t ioh_source_ranges(const ioh_source *src, const struct ioh_range **out)
{
	*out = src->ranges;
	return src->nranges;
}

IOH_EXPORT bool ioh_source_in_ram(const ioh_source *src, uint64_t phys)
{
	size_t lo = 0, hi = src->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (phys < src->ranges[mid].start)
			hi = mid;
		else if (phys >= src->ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

IOH_EXPORT const ioh_vmcoreinfo *ioh_source_vmcoreinfo(const ioh_source *src)
{
	return src->vi;
}

IOH_EXPORT size_t ioh_source_problem_count(const ioh_source *src)
{
	return src->nproblems;
}

IOH_EXPORT const char *ioh_source_problem(const ioh_source *src, size_t i)
{
	return i < src->nproblems ? src->problems[i] : NULL;
}

IOH_EXPORT const char *ioh_source_describe(ioh_source *src)
{
	char fmt[SRC_DESC_MAX / 2] = "";
	uint64_t bytes = 0;

	if (src->ops->describe)
		src->ops->describe(src, fmt, sizeof(fmt));
	for (size_t i = 0; i < src->nranges; i++)
		bytes += src->ranges[i].end - src->ranges[i].start;
	snprintf(src->desc, sizeof(src->desc),
		 "%s, %" PRIu64 "-byte pages, %zu RAM ranges (%" PRIu64 " MiB)%s: %s", fmt,
		 src->page_size, src->nranges, bytes >> 20,
		 src->nproblems ? ", WITH PROBLEMS" : "", src->name);
	return src->desc;
}

/* ---- streaming scan ---- */

struct scan {
	ioh_source *src;
	ioh_page_fn fn;
	void *priv;
	unsigned char *buf;
	uint64_t run_start; /* phys of buf[0] */
	size_t run_len;
};

static ioh_status scan_flush(struct scan *s)
{
	int r = 0;

	if (s->run_len)
		r = s->fn(s->priv, s->run_start, s->buf, s->run_len);
	s->run_len = 0;
	return (ioh_status)r;
}

/* Page by page, after a chunk read failed: keep what is there, skip what is not. */
static ioh_status scan_pages(struct scan *s, uint64_t phys, uint64_t end)
{
	uint64_t ps = s->src->page_size;
	ioh_status st;

	for (; phys < end; phys += ps) {
		st = s->src->ops->read_phys(s->src, phys, s->buf + s->run_len, ps);
		if (st == IOH_ERR_SYSTEM || st == IOH_ERR_NOMEM)
			return st;
		if (st != IOH_OK) {
			DBG(s->src->ctx, "scan: skipping page: %s", ioh_get_err(s->src->ctx));
			if ((st = scan_flush(s)) != IOH_OK)
				return st;
			continue;
		}
		if (!s->run_len)
			s->run_start = phys;
		s->run_len += ps;
	}
	return scan_flush(s);
}

static ioh_status scan_range(struct scan *s, uint64_t start, uint64_t end)
{
	uint64_t ps = s->src->page_size;
	ioh_status st;

	start &= ~(ps - 1);
	while (start < end) {
		uint64_t n;

		if (s->src->ops->next_data) {
			uint64_t next = s->src->ops->next_data(s->src, start);

			if (next >= end)
				break;
			next &= ~(ps - 1);
			if (next > start)
				start = next;
		}
		n = end - start > SRC_SCAN_CHUNK ? SRC_SCAN_CHUNK : end - start;
		if (s->src->ops->data_end)
			n = s->src->ops->data_end(s->src, start, start + n) - start;
		n = (n + ps - 1) & ~(ps - 1);
		st = s->src->ops->read_phys(s->src, start, s->buf, n);
		if (st == IOH_OK) {
			s->run_start = start;
			s->run_len = n;
			st = scan_flush(s);
		} else if (st != IOH_ERR_SYSTEM && st != IOH_ERR_NOMEM) {
			st = scan_pages(s, start, start + n);
		}
		if (st != IOH_OK)
			return st;
		start += n;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_source_for_each_page(ioh_source *src, uint64_t start, uint64_t end,
					       ioh_page_fn fn, void *priv)
{
	struct scan s = { src, fn, priv, NULL, 0, 0 };
	ioh_status st = IOH_OK;

	if (!fn || src->page_size > SRC_SCAN_CHUNK)
		return ioh_err(src->ctx, IOH_ERR_INVALID, "scan: bad arguments");
	s.buf = malloc(SRC_SCAN_CHUNK);
	if (!s.buf)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "scan: out of memory");
	for (size_t i = 0; i < src->nranges && st == IOH_OK; i++) {
		uint64_t a = src->ranges[i].start, b = src->ranges[i].end;

		if (a < start)
			a = start;
		if (b > end)
			b = end;
		if (a < b)
			st = scan_range(&s, a, b);
	}
	free(s.buf);
	return st;
}
