/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runner for tests registered with TEST(): one process each, with a timeout. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

extern const struct ioh_test __start_ioh_tests[] __attribute__((weak));
extern const struct ioh_test __stop_ioh_tests[] __attribute__((weak));

static const struct ioh_test *current;

void ioh_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(NULL);
	_exit(1);
}

const char *ioh_test_src(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("IOH_SRCDIR");

	snprintf(buf, sizeof(buf), "%s/%s", d ? d : ".", rel);
	return buf;
}

const char *ioh_test_tmp(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("IOH_TMPDIR");
	char dir[3072];

	snprintf(dir, sizeof(dir), "%s/%s", d ? d : "/tmp/ioh-tests", current ? current->name : "x");
	mkdir(d ? d : "/tmp/ioh-tests", 0755);
	mkdir(dir, 0755);
	snprintf(buf, sizeof(buf), "%s/%s", dir, rel);
	return buf;
}

char *ioh_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		ioh_test_fail(__FILE__, __LINE__, "cannot open %s: %s", path, strerror(errno));
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				ioh_test_fail(__FILE__, __LINE__, "out of memory");
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int run_one(const struct ioh_test *t)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		current = t;
		alarm(t->timeout);
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s:%d: %s: %s\n", t->file, t->line, t->name,
			WTERMSIG(status) == SIGALRM ? "timed out" : strsignal(WTERMSIG(status)));
	return 1;
}

int main(int argc, char **argv)
{
	const struct ioh_test *t;
	unsigned passed = 0, failed = 0;
	int opt, list = 0;
	const char *prefix = "";

	while ((opt = getopt(argc, argv, "lp:")) != -1) {
		switch (opt) {
		case 'l':
			list = 1;
			break;
		case 'p':
			prefix = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-l] [-p PREFIX] [TEST...]\n", argv[0]);
			return 2;
		}
	}
	for (t = __start_ioh_tests; t < __stop_ioh_tests; t++) {
		int wanted = optind >= argc;

		for (int i = optind; i < argc && !wanted; i++)
			wanted = !strcmp(argv[i], t->name);
		if (!wanted)
			continue;
		if (list) {
			printf("%s\t%s:%d\n", t->name, t->file, t->line);
			continue;
		}
		if (run_one(t)) {
			printf("FAIL %s%s\n", prefix, t->name);
			failed++;
		} else {
			printf("PASS %s%s\n", prefix, t->name);
			passed++;
		}
		fflush(stdout);
	}
	if (!list)
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
