/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audit: finding list, root-relative file access, and the text parsers. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit-int.h"
#include "internal.h"

IOH_EXPORT const char *ioh_audit_severity_name(enum ioh_audit_severity s)
{
	switch (s) {
	case IOH_AUDIT_INFO:
		return "info";
	case IOH_AUDIT_WARNING:
		return "warning";
	case IOH_AUDIT_ERROR:
		return "error";
	}
	return "unknown";
}

IOH_EXPORT ioh_status ioh_audit_new(ioh_ctx *ctx, const char *root, ioh_audit **out)
{
	struct ioh_audit *a;
	size_t len;

	*out = NULL;
	if (!root || !*root)
		root = "/";
	a = calloc(1, sizeof(*a));
	if (!a)
		return ioh_err(ctx, IOH_ERR_NOMEM, "audit: out of memory");
	a->ctx = ctx;
	a->root = strdup(root);
	if (!a->root) {
		free(a);
		return ioh_err(ctx, IOH_ERR_NOMEM, "audit: out of memory");
	}
	/* "/" and "dir/" become "" and "dir": every path we join starts with '/'. */
	len = strlen(a->root);
	while (len > 0 && a->root[len - 1] == '/')
		a->root[--len] = '\0';
	*out = a;
	return IOH_OK;
}

static void clear_findings(struct ioh_audit *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free((char *)a->f[i].id);
		free((char *)a->f[i].summary);
		free((char *)a->f[i].evidence);
		free((char *)a->f[i].fix);
	}
	free(a->f);
	a->f = NULL;
	a->n = a->cap = 0;
	free(a->facts.prod_cmdline);
	memset(&a->facts, 0, sizeof(a->facts));
}

IOH_EXPORT void ioh_audit_free(ioh_audit *a)
{
	if (!a)
		return;
	clear_findings(a);
	free(a->root);
	free(a->release);
	free(a);
}

IOH_EXPORT ioh_status ioh_audit_set_release(ioh_audit *a, const char *release)
{
	char *r;

	if (!release || !*release || strchr(release, '/'))
		return ioh_err(a->ctx, IOH_ERR_INVALID, "audit: bad kernel release '%s'",
			       release ? release : "(null)");
	r = strdup(release);
	if (!r)
		return ioh_err(a->ctx, IOH_ERR_NOMEM, "audit: out of memory");
	free(a->release);
	a->release = r;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_audit_run(ioh_audit *a)
{
	struct stat st;
	char top[PATH_MAX];

	clear_findings(a);
	a->nomem = false;
	snprintf(top, sizeof(top), "%s/", a->root);
	if (stat(top, &st) < 0)
		return ioh_err(a->ctx, IOH_ERR_SYSTEM, "audit: root %s", top);
	if (!S_ISDIR(st.st_mode))
		return ioh_err(a->ctx, IOH_ERR_INVALID, "audit: root %s is not a directory", top);
	audit_check_iommu(a);
	audit_check_kdump(a);
	if (a->nomem)
		return ioh_err(a->ctx, IOH_ERR_NOMEM, "audit: out of memory");
	return IOH_OK;
}

IOH_EXPORT size_t ioh_audit_count(const ioh_audit *a)
{
	return a->n;
}

IOH_EXPORT const struct ioh_audit_finding *ioh_audit_get(const ioh_audit *a, size_t i)
{
	return i < a->n ? &a->f[i] : NULL;
}

IOH_EXPORT enum ioh_audit_severity ioh_audit_worst(const ioh_audit *a)
{
	enum ioh_audit_severity w = IOH_AUDIT_INFO;

	for (size_t i = 0; i < a->n; i++)
		if (a->f[i].severity > w)
			w = a->f[i].severity;
	return w;
}

void audit_add(struct ioh_audit *a, enum ioh_audit_severity sev, const char *id,
	       const char *summary, const char *evidence, const char *fix)
{
	struct ioh_audit_finding *f;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		f = realloc(a->f, cap * sizeof(*f));
		if (!f) {
			a->nomem = true;
			return;
		}
		a->f = f;
		a->cap = cap;
	}
	f = &a->f[a->n];
	f->severity = sev;
	f->id = strdup(id);
	f->summary = strdup(summary ? summary : "");
	f->evidence = strdup(evidence ? evidence : "");
	f->fix = strdup(fix ? fix : "");
	if (!f->id || !f->summary || !f->evidence || !f->fix) {
		free((char *)f->id);
		free((char *)f->summary);
		free((char *)f->evidence);
		free((char *)f->fix);
		a->nomem = true;
		return;
	}
	a->n++;
}

char *audit_fmt(struct ioh_audit *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->nomem = true;
		return NULL;
	}
	return s;
}

bool audit_path(const struct ioh_audit *a, const char *path, char *buf, size_t n)
{
	int r = snprintf(buf, n, "%s%s", a->root, path);

	return r >= 0 && (size_t)r < n;
}

bool audit_exists(const struct ioh_audit *a, const char *path)
{
	char p[PATH_MAX];

	return audit_path(a, path, p, sizeof(p)) && access(p, F_OK) == 0;
}

int audit_older(const struct ioh_audit *a, const char *pa, const char *pb)
{
	char p[PATH_MAX];
	struct stat sa, sb;

	if (!audit_path(a, pa, p, sizeof(p)) || stat(p, &sa) < 0 ||
	    !audit_path(a, pb, p, sizeof(p)) || stat(p, &sb) < 0)
		return -1;
	if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec)
		return sa.st_mtim.tv_sec < sb.st_mtim.tv_sec;
	return sa.st_mtim.tv_nsec < sb.st_mtim.tv_nsec;
}

char *audit_slurp(struct ioh_audit *a, const char *path, size_t max)
{
	char p[PATH_MAX];
	struct stat st;
	size_t len = 0, cap = 4096;
	char *buf;
	int fd, e;

	if (!audit_path(a, path, p, sizeof(p))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* O_NONBLOCK: a FIFO planted where a file belongs must not hang us. */
	fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		a->nomem = true;
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				e = EFBIG;
				goto fail;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				a->nomem = true;
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			e = EFBIG;
			goto fail;
		}
	}
	close(fd);
	while (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	/* A NUL inside text would silently cut it short: treat as not text. */
	if (memchr(buf, '\0', len)) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
fail:
	close(fd);
	free(buf);
	errno = e;
	return NULL;
}

bool audit_read_line(struct ioh_audit *a, const char *path, char *buf, size_t n)
{
	char *s = audit_slurp(a, path, 4096), *nl;

	if (!s)
		return false;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	snprintf(buf, n, "%s", s);
	free(s);
	return true;
}

long audit_count_dir(const struct ioh_audit *a, const char *path)
{
	char p[PATH_MAX];
	struct dirent *de;
	long n = 0;
	DIR *d;

	if (!audit_path(a, path, p, sizeof(p)))
		return -1;
	d = opendir(p);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* ---- parsers ---- */

/*
 * Next whitespace-separated word of a command line, honouring double
 * quotes the way the kernel's next_arg() does. Returns the start, sets
 * *len and advances *p; NULL at the end.
 */
static const char *next_word(const char **p, size_t *len)
{
	const char *s = *p, *start;
	bool q = false;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		return NULL;
	start = s;
	for (; *s; s++) {
		if (*s == '"')
			q = !q;
		else if (!q && isspace((unsigned char)*s))
			break;
	}
	*len = (size_t)(s - start);
	*p = s;
	return start;
}

/* Copies a word's value (after '='), without quotes, into buf. */
static void word_value(const char *w, size_t len, size_t keylen, char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = keylen + 1; i < len && o + 1 < n; i++)
		if (w[i] != '"')
			buf[o++] = w[i];
	buf[o] = '\0';
}

static bool word_is(const char *w, size_t len, const char *key)
{
	size_t k = strlen(key);

	return len > k && !strncmp(w, key, k) && w[k] == '=';
}

static void apply_intel_iommu(const char *val, struct ioh_audit_iommu_opts *o)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "on"))
			o->enabled = 1;
		else if (!strcmp(tok, "off"))
			o->enabled = 0;
		else if (!strcmp(tok, "sm_on"))
			o->scalable = 1;
		else if (!strcmp(tok, "sm_off"))
			o->scalable = 0;
		else if (!strcmp(tok, "igfx_off") || !strcmp(tok, "intgpu_off"))
			o->igfx_off = true;
	}
}

static void apply_iommu(const char *val, struct ioh_audit_iommu_opts *o)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "off"))
			o->enabled = 0;
		else if (!strcmp(tok, "pt"))
			o->passthrough = 1;
		else if (!strcmp(tok, "nopt"))
			o->passthrough = 0;
	}
}

IOH_EXPORT void ioh_audit_parse_iommu_opts(const char *cmdline,
					    struct ioh_audit_iommu_opts *o)
{
	const char *p = cmdline ? cmdline : "", *w;
	char val[256];
	size_t len;

	o->enabled = o->scalable = o->passthrough = -1;
	o->igfx_off = false;
	while ((w = next_word(&p, &len)) != NULL) {
		if (word_is(w, len, "intel_iommu")) {
			word_value(w, len, strlen("intel_iommu"), val, sizeof(val));
			apply_intel_iommu(val, o);
		} else if (word_is(w, len, "iommu")) {
			word_value(w, len, strlen("iommu"), val, sizeof(val));
			apply_iommu(val, o);
		} else if (word_is(w, len, "iommu.passthrough")) {
			word_value(w, len, strlen("iommu.passthrough"), val, sizeof(val));
			if (!strcmp(val, "1") || !strcmp(val, "y") || !strcmp(val, "on"))
				o->passthrough = 1;
			else if (!strcmp(val, "0") || !strcmp(val, "n") || !strcmp(val, "off"))
				o->passthrough = 0;
		}
	}
}

IOH_EXPORT bool ioh_audit_cmdline_has(const char *cmdline, const char *word)
{
	const char *p = cmdline ? cmdline : "", *w;
	size_t len, k = strlen(word);

	while ((w = next_word(&p, &len)) != NULL)
		if ((len == k && !strncmp(w, word, k)) || word_is(w, len, word))
			return true;
	return false;
}

static int parse_level(const char *s, size_t len)
{
	int v = 0;

	if (len == 0 || len > 2)
		return -2;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -2;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 31 ? v : -2;
}

IOH_EXPORT int ioh_audit_dump_level(const char *args)
{
	const char *p = args ? args : "", *w;
	size_t len;
	int level = -1;

	while ((w = next_word(&p, &len)) != NULL) {
		if ((len == 2 && !strncmp(w, "-d", 2)) ||
		    (len == 12 && !strncmp(w, "--dump-level", 12))) {
			const char *v = next_word(&p, &len);
			level = v ? parse_level(v, len) : -2;
		} else if (len > 2 && !strncmp(w, "-d", 2) && w[2] != '-') {
			level = parse_level(w + 2, len - 2);
		} else if (len > 13 && !strncmp(w, "--dump-level=", 13)) {
			level = parse_level(w + 13, len - 13);
		}
	}
	return level;
}

/* Removes one level of shell quoting from [s, s+len) into a new string. */
static char *unquote(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	char q = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (q) {
			if (c == q)
				q = 0;
			else if (q == '"' && c == '\\' && i + 1 < len)
				*o++ = s[++i];
			else
				*o++ = c;
		} else if (c == '"' || c == '\'') {
			q = c;
		} else if (c == '#' || isspace((unsigned char)c)) {
			break;
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

char *audit_shell_var(const char *text, const char *name)
{
	size_t k = strlen(name);
	const char *line = text;
	char *val = NULL;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *s = line;

		if (!end)
			end = line + strlen(line);
		while (s < end && isspace((unsigned char)*s))
			s++;
		if ((size_t)(end - s) > 7 && !strncmp(s, "export", 6) &&
		    isspace((unsigned char)s[6])) {
			s += 7;
			while (s < end && isspace((unsigned char)*s))
				s++;
		}
		if ((size_t)(end - s) > k && !strncmp(s, name, k) && s[k] == '=') {
			char *v = unquote(s + k + 1, (size_t)(end - s - k - 1));

			if (v) {
				free(val);
				val = v;
			}
		}
		line = *end ? end + 1 : end;
	}
	return val;
}

char *audit_directive(const char *text, const char *directive)
{
	size_t k = strlen(directive);
	const char *line = text;
	char *val = NULL;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *s = line, *c;

		if (!end)
			end = line + strlen(line);
		while (s < end && isspace((unsigned char)*s))
			s++;
		if ((size_t)(end - s) > k && !strncmp(s, directive, k) &&
		    isspace((unsigned char)s[k])) {
			const char *v = s + k;
			char *nv;

			while (v < end && isspace((unsigned char)*v))
				v++;
			for (c = v; c < end && *c != '#'; c++)
				;
			while (c > v && isspace((unsigned char)c[-1]))
				c--;
			nv = strndup(v, (size_t)(c - v));
			if (nv) {
				free(val);
				val = nv;
			}
		}
		line = *end ? end + 1 : end;
	}
	return val;
}

char audit_kconfig(const char *config, const char *name)
{
	size_t k = strlen(name);
	const char *line = config;

	while (line && *line) {
		const char *end = strchr(line, '\n');

		if (!end)
			end = line + strlen(line);
		if (!strncmp(line, "CONFIG_", 7) && (size_t)(end - line) > 8 + k &&
		    !strncmp(line + 7, name, k) && line[7 + k] == '=')
			return line[8 + k];
		if (!strncmp(line, "# CONFIG_", 9) && !strncmp(line + 9, name, k) &&
		    !strncmp(line + 9 + k, " is not set", 11))
			return 'n';
		line = *end ? end + 1 : end;
	}
	return 0;
}
