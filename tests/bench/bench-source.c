/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory sources: streaming-scan throughput against `cat DUMP >/dev/null` on
 * the same multi-GiB sparse ELF vmcore (page cache warm: both read it twice,
 * the last pass counts), and peak RSS of random page reads, per format.
 * Targets: scan >= 0.8x cat; peak RSS <= 8 MiB whatever the dump size.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioh/source.h>

#define GIB ((uint64_t)1 << 30)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *dir(void)
{
	const char *d = getenv("IOH_BENCHDIR");

	return d ? d : "/tmp";
}

static const char *builddir(void)
{
	const char *b = getenv("IOH_BUILDDIR");

	return b ? b : "build";
}

static int make_dump(const char *path, uint64_t gib)
{
	char txt[4096], cmd[10000];
	FILE *f;

	snprintf(txt, sizeof(txt), "%s/bench-source.txt", dir());
	f = fopen(txt, "w");
	if (!f)
		return -1;
	/* Below 4 GiB as on a PC (hole for MMIO), the rest above. */
	fprintf(f, "cpus = 4\n@phdr type=LOAD paddr=0x100000 memsz=0x7ff00000\n");
	if (gib > 2)
		fprintf(f, "@phdr type=LOAD paddr=0x100000000 memsz=0x%" PRIx64 "\n", (gib - 2) * GIB);
	fprintf(f, "@vmcoreinfo\nOSRELEASE=bench\nPAGESIZE=4096\n@0x1000000\n0x1011001 0\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/mkvmcore' '%s' '%s'", builddir(), txt, path);
	return system(cmd);
}

static double time_cat(const char *path)
{
	char cmd[4200];
	double t = 0;

	snprintf(cmd, sizeof(cmd), "cat '%s' >/dev/null", path);
	for (int i = 0; i < 2; i++) {
		t = now();
		if (system(cmd))
			return -1;
		t = now() - t;
	}
	return t;
}

static int touch(void *priv, uint64_t phys, const void *data, size_t len)
{
	const uint64_t *w = data;
	uint64_t *acc = priv;

	(void)phys;
	/* One word a page keeps the loop honest without measuring our own summing. */
	for (size_t i = 0; i < len / 8; i += 512)
		*acc += w[i];
	return 0;
}

static double time_scan(const char *path, uint64_t *bytes)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	uint64_t acc = 0;
	double t = 0;

	if (ioh_source_open(ctx, path, &src) != IOH_OK) {
		fprintf(stderr, "bench-source: %s\n", ioh_get_err(ctx));
		exit(1);
	}
	for (int i = 0; i < 2; i++) {
		t = now();
		if (ioh_source_for_each_page(src, 0, UINT64_MAX, touch, &acc) != IOH_OK) {
			fprintf(stderr, "bench-source: scan: %s\n", ioh_get_err(ctx));
			exit(1);
		}
		t = now() - t;
	}
	*bytes = 0;
	{
		const struct ioh_range *r;
		size_t n = ioh_source_ranges(src, &r);

		for (size_t i = 0; i < n; i++)
			*bytes += r[i].end - r[i].start;
	}
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	return t;
}

/* In a child: open, N random page reads inside the RAM ranges; returns peak RSS in KiB. */
static long random_reads_rss(const char *path, unsigned n, unsigned *ok)
{
	int pfd[2];
	pid_t pid;
	struct rusage ru;
	int status;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_source *src;
		const struct ioh_range *r;
		unsigned char page[4096];
		unsigned good = 0;
		size_t nr;
		uint64_t seed = 0x9e3779b97f4a7c15ull;

		if (ioh_source_open(ctx, path, &src) != IOH_OK)
			_exit(1);
		nr = ioh_source_ranges(src, &r);
		for (unsigned i = 0; i < n && nr; i++) {
			const struct ioh_range *x;
			uint64_t pages;

			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			x = &r[seed % nr];
			pages = (x->end - x->start) / 4096;
			if (!pages)
				continue;
			good += ioh_source_read(src, x->start + (seed >> 20) % pages * 4096, page,
						sizeof(page)) == IOH_OK;
		}
		ioh_source_free(src);
		ioh_ctx_free(ctx);
		if (write(pfd[1], &good, sizeof(good)) != sizeof(good))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], ok, sizeof(*ok)) != sizeof(*ok))
		*ok = 0;
	close(pfd[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return ru.ru_maxrss;
}

static void rss_line(const char *label, const char *path, unsigned n)
{
	unsigned ok = 0;
	long kb;
	struct stat sb;

	if (stat(path, &sb) < 0)
		return;
	kb = random_reads_rss(path, n, &ok);
	printf("%-34s %8u random 4 KiB reads (%u present), peak RSS %ld KiB%s\n", label, n, ok,
	       kb, kb >= 0 && kb <= 8192 ? "" : "  OVER 8 MiB");
}

int main(void)
{
	char path[4096], flat[4200], cmd[10000];
	uint64_t gib = getenv("IOH_BENCH_GIB") ? strtoull(getenv("IOH_BENCH_GIB"), NULL, 0) : 4;
	uint64_t bytes;
	double tc, ts;

	snprintf(path, sizeof(path), "%s/bench-source-%" PRIu64 "g.vmcore", dir(), gib);
	if (make_dump(path, gib)) {
		fprintf(stderr, "bench-source: mkvmcore failed\n");
		return 1;
	}
	tc = time_cat(path);
	ts = time_scan(path, &bytes);
	printf("ELF vmcore %" PRIu64 " GiB (sparse), page cache warm:\n", gib);
	printf("  cat DUMP >/dev/null            %.3f s  %.0f MiB/s\n", tc, (double)bytes / tc / (1 << 20));
	printf("  ioh_source_for_each_page       %.3f s  %.0f MiB/s  = %.2fx cat (target >= 0.80)\n",
	       ts, (double)bytes / ts / (1 << 20), tc / ts);
	rss_line("ELF vmcore (sparse, multi-GiB)", path, 100000);
	snprintf(flat, sizeof(flat), "%s/samples/legacy-virtio.kdump", builddir());
	/* A dense ELF: the real sample's present pages written out (no holes to zero-fill). */
	snprintf(path, sizeof(path), "%s/bench-source-dense.elf", dir());
	snprintf(cmd, sizeof(cmd), "'%s/tests/tools/dump2elf' '%s' '%s'", builddir(), flat, path);
	if (!access(flat, R_OK) && !system(cmd)) {
		tc = time_cat(path);
		ts = time_scan(path, &bytes);
		printf("ELF vmcore, real sample's pages (dense), page cache warm:\n");
		printf("  cat DUMP >/dev/null            %.3f s\n", tc);
		printf("  ioh_source_for_each_page       %.3f s  = %.2fx cat (target >= 0.80)\n", ts,
		       tc / ts);
		rss_line("ELF vmcore (dense, real sample)", path, 100000);
	}
	rss_line("kdump-compressed (real sample)", flat, 20000);
	snprintf(path, sizeof(path), "%s/bench-source.flat", dir());
	snprintf(cmd, sizeof(cmd), "makedumpfile -F -l -d 31 '%s' > '%s' 2>/dev/null", flat, path);
	if (!access(flat, R_OK) && !system(cmd))
		rss_line("flattened (real sample)", path, 20000);
	return 0;
}
