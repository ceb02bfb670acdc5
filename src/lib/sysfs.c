/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live evidence from a running (capture) kernel: PCI functions with their
 * command register, bound driver and IOMMU group; the VT-d units' registers
 * as sysfs shows them; the ACPI DMAR table; the kernel command line. Roots
 * are parameters so tests run on fixture trees. Nothing here follows a
 * link's target: links are read with readlink and only their last component
 * is kept, so loops and dangling links are harmless.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include <ioh/evidence.h>

#define SMALL_FILE 4096
#define CMDLINE_MAX 65536
#define IOMMU_MAX 256

/*
 * Reads at most max bytes of a regular file (never a FIFO or device: a
 * hostile tree must not block us). Returns bytes read, -1 on error.
 */
static ssize_t read_small(const char *path, void *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t n = 0;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	while (n < max) {
		ssize_t r = read(fd, (char *)buf + n, max - n);

		if (r < 0) {
			close(fd);
			return -1;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	return (ssize_t)n;
}

/* A one-line text attribute, whitespace-trimmed. */
static bool read_text(const char *path, char *buf, size_t bufsz)
{
	ssize_t n = read_small(path, buf, bufsz - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return true;
}

static bool read_hex(const char *path, uint64_t *out)
{
	char buf[64], *end;

	if (!read_text(path, buf, sizeof(buf)) || !buf[0])
		return false;
	errno = 0;
	*out = strtoull(buf, &end, 16);
	return !errno && !*end;
}

/* Last component of a link's target, "" when absent or not a link. */
static void link_name(const char *path, char *out, size_t outsz)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	out[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	for (size_t i = 0; base[i] && i + 1 < outsz; i++) {
		unsigned char c = (unsigned char)base[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		out[i + 1] = '\0';
	}
}

static bool join(char *buf, size_t n, const char *a, const char *b, const char *c)
{
	int r = snprintf(buf, n, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");

	return r > 0 && (size_t)r < n;
}

static void read_pci_one(const char *dir, struct ioh_sysfs_pci *d, unsigned *problems)
{
	char p[PATH_MAX], name[64];
	uint64_t v;
	uint8_t cfg[8];

	d->iommu_group = -1;
	if (join(p, sizeof(p), dir, "vendor", NULL) && read_hex(p, &v) && v <= 0xffff)
		d->vendor = (uint16_t)v;
	if (join(p, sizeof(p), dir, "device", NULL) && read_hex(p, &v) && v <= 0xffff)
		d->device = (uint16_t)v;
	if (join(p, sizeof(p), dir, "class", NULL) && read_hex(p, &v) && v <= 0xffffff)
		d->class_code = (uint32_t)v;
	/* the command register is bytes 4-5 of config space, little endian */
	if (join(p, sizeof(p), dir, "config", NULL) && read_small(p, cfg, sizeof(cfg)) >= 6) {
		d->has_command = true;
		d->command = (uint16_t)(cfg[4] | cfg[5] << 8);
		d->bus_master = d->command & 0x4;
	} else {
		(*problems)++;
	}
	if (join(p, sizeof(p), dir, "driver", NULL))
		link_name(p, d->driver, sizeof(d->driver));
	if (join(p, sizeof(p), dir, "iommu_group", NULL)) {
		char *end;

		link_name(p, name, sizeof(name));
		if (name[0]) {
			long g = strtol(name, &end, 10);

			if (!*end && g >= 0 && g <= INT32_MAX)
				d->iommu_group = (int)g;
		}
	}
	if (join(p, sizeof(p), dir, "iommu", NULL))
		link_name(p, d->iommu, sizeof(d->iommu));
}

static int pci_cmp(const void *a, const void *b)
{
	const struct ioh_sysfs_pci *x = a, *y = b;
	uint32_t kx = (uint32_t)x->bdf.seg << 16 | ioh_bdf_sid(x->bdf);
	uint32_t ky = (uint32_t)y->bdf.seg << 16 | ioh_bdf_sid(y->bdf);

	return kx < ky ? -1 : kx > ky;
}

static ioh_status read_pci(ioh_ctx *ctx, const char *root, struct ioh_sysfs *s)
{
	char dir[PATH_MAX], p[PATH_MAX];
	DIR *d;
	struct dirent *e;
	unsigned cap = 0;

	if (!join(dir, sizeof(dir), root, "bus/pci/devices", NULL))
		return ioh_err(ctx, IOH_ERR_INVALID, "sysfs root too long");
	d = opendir(dir);
	if (!d)
		return IOH_OK; /* no PCI: nothing to say, not an error */
	while ((e = readdir(d))) {
		struct ioh_bdf bdf;

		if (e->d_name[0] == '.')
			continue;
		if (ioh_bdf_parse(e->d_name, &bdf) || !strchr(e->d_name, ':') ||
		    strlen(e->d_name) != 12) {
			s->problems++;
			continue;
		}
		if (s->npci >= IOH_SYSFS_MAX_DEVICES) {
			closedir(d);
			return ioh_err(ctx, IOH_ERR_LIMIT, "%s: more than %u PCI functions", dir,
				       IOH_SYSFS_MAX_DEVICES);
		}
		if (s->npci == cap) {
			struct ioh_sysfs_pci *n;

			cap = cap ? cap * 2 : 32;
			n = realloc(s->pci, cap * sizeof(*n));
			if (!n) {
				closedir(d);
				return ioh_err(ctx, IOH_ERR_NOMEM, "out of memory");
			}
			s->pci = n;
		}
		memset(&s->pci[s->npci], 0, sizeof(s->pci[0]));
		s->pci[s->npci].bdf = bdf;
		if (join(p, sizeof(p), dir, e->d_name, NULL))
			read_pci_one(p, &s->pci[s->npci], &s->problems);
		s->npci++;
	}
	closedir(d);
	if (s->npci)
		qsort(s->pci, s->npci, sizeof(*s->pci), pci_cmp);
	return IOH_OK;
}

static int iommu_cmp(const void *a, const void *b)
{
	const struct ioh_sysfs_iommu *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	/* "dmar2" before "dmar10" */
	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name);
}

static ioh_status read_iommus(ioh_ctx *ctx, const char *root, struct ioh_sysfs *s)
{
	char dir[PATH_MAX], base[PATH_MAX], p[PATH_MAX], txt[64];
	DIR *d;
	struct dirent *e;
	unsigned cap = 0;

	if (!join(dir, sizeof(dir), root, "class/iommu", NULL))
		return ioh_err(ctx, IOH_ERR_INVALID, "sysfs root too long");
	d = opendir(dir);
	if (!d)
		return IOH_OK;
	while ((e = readdir(d))) {
		struct ioh_sysfs_iommu *u;
		unsigned maj, min;
		char extra;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(u->name))
			continue;
		if (!join(base, sizeof(base), dir, e->d_name, "intel-iommu"))
			continue;
		if (access(base, F_OK))
			continue; /* another vendor's unit */
		if (s->niommu >= cap) {
			struct ioh_sysfs_iommu *n;

			if (s->niommu >= IOMMU_MAX) {
				s->problems++;
				continue;
			}
			n = realloc(s->iommu, (cap + 8) * sizeof(*n));
			if (!n) {
				closedir(d);
				return ioh_err(ctx, IOH_ERR_NOMEM, "out of memory");
			}
			s->iommu = n;
			cap += 8;
		}
		u = &s->iommu[s->niommu++];
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%s", e->d_name);
		u->has_address = join(p, sizeof(p), base, "address", NULL) && read_hex(p, &u->address);
		u->has_cap = join(p, sizeof(p), base, "cap", NULL) && read_hex(p, &u->cap);
		u->has_ecap = join(p, sizeof(p), base, "ecap", NULL) && read_hex(p, &u->ecap);
		if (join(p, sizeof(p), base, "version", NULL) && read_text(p, txt, sizeof(txt)) &&
		    sscanf(txt, "%u:%u%c", &maj, &min, &extra) == 2) {
			u->has_version = true;
			u->version_major = maj;
			u->version_minor = min;
		}
		if (!u->has_address || !u->has_cap || !u->has_ecap || !u->has_version)
			s->problems++;
	}
	closedir(d);
	if (s->niommu)
		qsort(s->iommu, s->niommu, sizeof(*s->iommu), iommu_cmp);
	return IOH_OK;
}

static void read_cmdline(const char *proc, struct ioh_sysfs *s)
{
	char p[PATH_MAX];
	char *buf;

	if (!join(p, sizeof(p), proc, "cmdline", NULL) || !(buf = malloc(CMDLINE_MAX + 1)))
		return;
	if (!read_text(p, buf, CMDLINE_MAX + 1)) {
		free(buf);
		return;
	}
	s->cmdline = buf;
}

static ioh_status read_dmar(ioh_ctx *ctx, const char *root, struct ioh_sysfs *s)
{
	char p[PATH_MAX];
	ioh_status st;

	if (!join(p, sizeof(p), root, "firmware/acpi/tables/DMAR", NULL) || access(p, F_OK))
		return IOH_OK;
	st = ioh_dmar_read_path(ctx, p, false, &s->dmar);
	if (st == IOH_ERR_NOMEM)
		return st;
	if (st) {
		/* a broken table is evidence too: keep why, carry on */
		s->dmar_error = strdup(ioh_get_err(ctx));
		ioh_clear_err(ctx);
		s->problems++;
	}
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_sysfs_read(ioh_ctx *ctx, const char *sysfs_root, const char *proc_root,
				     struct ioh_sysfs **out)
{
	struct ioh_sysfs *s;
	ioh_status st;

	if (!out)
		return ioh_err(ctx, IOH_ERR_INVALID, "sysfs: no result pointer");
	*out = NULL;
	if (!sysfs_root)
		sysfs_root = "/sys";
	if (!proc_root)
		proc_root = "/proc";
	s = calloc(1, sizeof(*s));
	if (!s)
		return ioh_err(ctx, IOH_ERR_NOMEM, "sysfs: out of memory");
	if ((st = read_pci(ctx, sysfs_root, s)) || (st = read_iommus(ctx, sysfs_root, s)) ||
	    (st = read_dmar(ctx, sysfs_root, s))) {
		ioh_sysfs_free(s);
		return ioh_err_wrap(ctx, st, "sysfs %s", sysfs_root);
	}
	read_cmdline(proc_root, s);
	*out = s;
	return IOH_OK;
}

IOH_EXPORT void ioh_sysfs_free(struct ioh_sysfs *s)
{
	if (!s)
		return;
	free(s->pci);
	free(s->iommu);
	free(s->cmdline);
	ioh_dmar_free(s->dmar);
	free(s->dmar_error);
	free(s);
}

IOH_EXPORT const char *ioh_cmdline_param(const char *cmdline, const char *name, char *buf,
					 size_t bufsz)
{
	const char *p = cmdline, *found = NULL;
	size_t nlen = name ? strlen(name) : 0;

	if (!cmdline || !nlen || !buf || !bufsz)
		return NULL;
	/* the kernel lets a later occurrence override an earlier one */
	while (*p) {
		const char *tok, *q;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		tok = p;
		for (q = p; *q && (quoted || (*q != ' ' && *q != '\t' && *q != '\n')); q++)
			if (*q == '"')
				quoted = !quoted;
		if ((size_t)(q - tok) >= nlen && !strncmp(tok, name, nlen) &&
		    (tok[nlen] == '=' || tok + nlen == q)) {
			const char *v = tok + nlen, *ve = q;
			size_t o = 0;

			if (*v == '=')
				v++;
			for (; v < ve && o + 1 < bufsz; v++)
				if (*v != '"')
					buf[o++] = *v;
			buf[o] = '\0';
			found = buf;
		}
		p = q;
	}
	return found;
}
