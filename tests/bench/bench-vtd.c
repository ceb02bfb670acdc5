/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Entry decode + validate throughput: what a scan of every context table of
 * a dump costs in the table library itself. Prints entries per second for
 * legacy context, scalable context and PASID entries over random words
 * (every validate path taken) and over real-looking present entries.
 */
#include <stdio.h>
#include <time.h>

#include <ioh/vtd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t xs(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#define N (1u << 22)

int main(void)
{
	static uint64_t w[1024];
	uint64_t x = 0x9e3779b97f4a7c15ULL, sink = 0;
	struct ioh_problems pr;
	double t;

	for (unsigned i = 0; i < 1024; i++)
		w[i] = xs(&x);

	t = now();
	for (unsigned i = 0; i < N; i++) {
		struct ioh_vtd_context c;
		const uint64_t *q = &w[(i * 2) & 1023];

		ioh_problems_init(&pr);
		ioh_vtd_context_decode(q, &c);
		sink += c.did + ioh_vtd_context_validate(q, 39, &pr);
	}
	t = now() - t;
	printf("legacy context, random words, problems named: %.1f M entries/s\n", N / t / 1e6);

	t = now();
	for (unsigned i = 0; i < N; i++) {
		struct ioh_vtd_context c;
		const uint64_t *q = &w[(i * 2) & 1023];

		ioh_vtd_context_decode(q, &c);
		sink += c.did + ioh_vtd_context_validate(q, 39, NULL);
	}
	t = now() - t;
	printf("legacy context, random words, problems counted (NULL, as discover does): "
	       "%.1f M entries/s\n", N / t / 1e6);

	for (unsigned i = 0; i < 1024; i += 2) {
		w[i] = 0x2692001 + ((uint64_t)i << 12);
		w[i + 1] = (uint64_t)(i & 0xff) << 8 | 1;
	}
	t = now();
	for (unsigned i = 0; i < N; i++) {
		struct ioh_vtd_context c;
		const uint64_t *q = &w[(i * 2) & 1023];

		ioh_problems_init(&pr);
		ioh_vtd_context_decode(q, &c);
		sink += c.did + ioh_vtd_context_validate(q, 39, &pr);
	}
	t = now() - t;
	printf("legacy context, valid present entries: %.1f M entries/s\n", N / t / 1e6);

	for (unsigned i = 0; i < 1024; i++)
		w[i] = xs(&x);
	t = now();
	for (unsigned i = 0; i < N / 4; i++) {
		struct ioh_vtd_pasid e;
		const uint64_t *q = &w[(i * 8) & 1023];

		ioh_problems_init(&pr);
		ioh_vtd_pasid_decode(q, &e);
		sink += e.did + ioh_vtd_pasid_validate(q, 39, &pr);
	}
	t = now() - t;
	printf("PASID entry, random words, problems named: %.1f M entries/s\n", N / 4 / t / 1e6);
	fprintf(stderr, "(checksum %llu)\n", (unsigned long long)sink);
	return 0;
}
