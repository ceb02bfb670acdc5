/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel-log reader throughput against `grep -c DMAR` on the same file.
 * Target: at least 0.5x grep's speed, with bounded memory. Three generated
 * capture-kernel logs, each timed against grep in the same run with the file
 * in the page cache:
 *   realistic  IOH_BENCH_LOG_MB (1024) MiB, one line in IOH_BENCH_DMAR_EVERY
 *              (100) a DMAR record: the kernel rate-limits fault messages, so
 *              long logs hold few;
 *   storm      IOH_BENCH_STORM_MB (256) MiB, one line in 5 a DMAR record;
 *   flood      IOH_BENCH_STORM_MB MiB, every line a DMAR record (half of them
 *              faults): no kernel prints this, shown as the worst case only.
 * CPU time (user + system) is the figure compared: the machine is shared,
 * wall time is printed too, and the process's peak memory so far.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ioh/evidence.h>

static const char *const ordinary[] = {
	"clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x256be91b82e, max_idle_ns: 440795290503 ns",
	"virtio_blk virtio0: [vda] 131072 512-byte logical blocks (67.1 MB/64.0 MiB)",
	"ACPI: \\_SB_.GSIF: Enabled at IRQ 21",
	"Freeing unused kernel image (rodata/data gap) memory: 1108K",
	"audit: type=2000 audit(1795545188.600:1): state=initialized audit_enabled=0 res=1",
	"e1000e: Intel(R) PRO/1000 Network Driver",
	"rtc_cmos 00:03: setting system clock to 2026-11-24T18:32:49 UTC (1795545169)",
	"serio: i8042 KBD port at 0x60,0x64 irq 1",
	"pci 0000:00:1f.2: BAR 5 [mem 0xfebc3000-0xfebc3fff]",
	"Key type asymmetric registered",
	"EXT4-fs (vda): mounted filesystem with ordered data mode. Quota mode: none.",
	"systemd[1]: Started Journal Service.",
	"usb 1-1: new high-speed USB device number 2 using xhci_hcd",
	"nvme nvme0: 4/0/0 default/read/poll queues",
	"random: crng init done",
	"NET: Registered PF_INET6 protocol family",
};

/* a fault line is head + 4 hex digits + tail; tail NULL means no number */
static const char *const dmar[][2] = {
	{ "DMAR: DRHD: handling fault status reg 2", NULL },
	{ "DMAR: [DMA Read NO_PASID] Request device [02:00.0] fault addr 0x7f00",
	  " [fault reason 0x02] Present bit in context entry is clear" },
	{ "DMAR: [DMA Write NO_PASID] Request device [00:1f.2] fault addr 0x3f",
	  " [fault reason 0x05] PTE Write access is not set" },
	{ "dmar_fault: 41 callbacks suppressed", NULL },
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_self(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs grep -c DMAR on path; returns its CPU seconds, wall seconds in *wall. */
static double run_grep(const char *path, double *wall)
{
	struct rusage ru;
	int status;
	double t0 = now();
	pid_t pid;
	int fd[2];
	char out[64];
	ssize_t r;

	/* a pipe, not /dev/null: GNU grep stops at the first match when output is discarded */
	if (pipe(fd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("grep", "grep", "-c", "DMAR", path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while ((r = read(fd[0], out, sizeof(out))) > 0)
		;
	close(fd[0]);

	if (pid < 0)
		return -1;
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return -1;
	*wall = now() - t0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int generate(const char *path, unsigned long long bytes, unsigned every)
{
	FILE *f = fopen(path, "w");
	unsigned long long n = 0, line = 0;
	char buf[512];

	if (!f)
		return -1;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	n += (unsigned long long)fprintf(f, "[    0.000000] Linux version 6.8.0 (bench@example) #1 SMP\n"
					     "[    1.224549] DMAR: Copied translation tables from previous kernel for dmar0\n");
	while (n < bytes) {
		unsigned long long us = 1300000 + line * 7;
		int len;

		if (line % every == every - 1) {
			const char *const *m = dmar[(line / every) % 4];

			if (m[1])
				len = snprintf(buf, sizeof(buf), "[%5llu.%06llu] %s%04x%s", us / 1000000,
					       us % 1000000, m[0], (unsigned)(line & 0xffff), m[1]);
			else
				len = snprintf(buf, sizeof(buf), "[%5llu.%06llu] %s", us / 1000000,
					       us % 1000000, m[0]);
		} else {
			len = snprintf(buf, sizeof(buf), "[%5llu.%06llu] %s", us / 1000000,
				       us % 1000000, ordinary[line % 16]);
		}
		buf[len++] = '\n';
		if (fwrite(buf, 1, (size_t)len, f) != (size_t)len)
			break;
		n += (unsigned long long)len;
		line++;
	}
	return fclose(f);
}

struct mix {
	const char *name;
	unsigned long long mb;
	unsigned every;
	bool target;
};

/* Times grep and the reader on one generated log; prints one block. */
static int run_mix(const char *dir, const struct mix *m, double *ratio)
{
	char path[4096], cmd[4300];
	double t0, c0, t_grep = 1e9, t_klog = 1e9, w_grep = 1e9, w_klog = 1e9;
	unsigned long long after = 0, faults = 0, lines = 0;
	struct rusage ru;

	snprintf(path, sizeof(path), "%s/bench-logs-%s.log", dir, m->name);
	if (generate(path, m->mb << 20, m->every)) {
		fprintf(stderr, "bench-logs: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cat '%s' > /dev/null", path); /* warm the page cache */
	if (system(cmd))
		return -1;
	for (int round = 0; round < 3; round++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_klog *k = ioh_klog_new(ctx);
		double t, w;

		t = run_grep(path, &w);
		if (t < 0) {
			fprintf(stderr, "bench-logs: grep failed\n");
			return -1;
		}
		t_grep = t < t_grep ? t : t_grep;
		w_grep = w < w_grep ? w : w_grep;
		t0 = now();
		c0 = cpu_self();
		if (ioh_klog_read_path(k, path) != IOH_OK) {
			fprintf(stderr, "bench-logs: %s\n", ioh_get_err(ctx));
			return -1;
		}
		t = cpu_self() - c0;
		w = now() - t0;
		t_klog = t < t_klog ? t : t_klog;
		w_klog = w < w_klog ? w : w_klog;
		faults = ioh_klog_summary(k)->dma_faults;
		after = ioh_klog_summary(k)->dma_faults_after_copy;
		lines = ioh_klog_summary(k)->lines;
		ioh_klog_free(k);
		ioh_ctx_free(ctx);
	}
	getrusage(RUSAGE_SELF, &ru);
	remove(path);
	*ratio = t_grep / t_klog;
	printf("%s: %llu MiB, %llu lines, one line in %u a DMAR record, %llu DMA faults (%llu after "
	       "the copy)\n",
	       m->name, m->mb, lines, m->every, faults, after);
	printf("  grep -c DMAR: cpu %.3f s (%.0f MiB/s), wall %.3f s\n", t_grep, (double)m->mb / t_grep,
	       w_grep);
	printf("  ioh_klog:     cpu %.3f s (%.0f MiB/s), wall %.3f s (bench max RSS so far %ld MiB)\n",
	       t_klog, (double)m->mb / t_klog, w_klog, ru.ru_maxrss / 1024);
	printf("  %s ratio klog/grep (cpu): %.2fx%s\n", m->name, *ratio,
	       !m->target ? " (worst case, no target)"
	       : *ratio >= 0.5 ? " (target >= 0.5x) OK"
			       : " (target >= 0.5x) BELOW TARGET");
	return 0;
}

int main(void)
{
	const char *dir = getenv("IOH_BENCHDIR");
	const char *mb_env = getenv("IOH_BENCH_LOG_MB"), *ev_env = getenv("IOH_BENCH_DMAR_EVERY");
	const char *storm_env = getenv("IOH_BENCH_STORM_MB");
	struct mix mixes[] = {
		{ "realistic", mb_env ? strtoull(mb_env, NULL, 10) : 1024,
		  ev_env ? (unsigned)strtoul(ev_env, NULL, 10) : 100, true },
		{ "storm", storm_env ? strtoull(storm_env, NULL, 10) : 256, 5, true },
		{ "flood", storm_env ? strtoull(storm_env, NULL, 10) : 256, 1, false },
	};
	double ratio[3];

	if (mixes[0].every < 1)
		mixes[0].every = 1;
	setenv("LC_ALL", "C", 1);
	for (size_t i = 0; i < 3; i++)
		if (run_mix(dir ? dir : "/tmp", &mixes[i], &ratio[i]))
			return 1;
	printf("summary: realistic %.2fx, storm %.2fx of grep's speed (target >= 0.5x); flood %.2fx\n",
	       ratio[0], ratio[1], ratio[2]);
	return 0;
}
