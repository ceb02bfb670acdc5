/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bulk takeover of 65,536 copied context entries on one IOMMU: invalidation
 * waits and wall time, one driver attach at a time versus the batched
 * handshake (goal: at most 2 waits batched, the copy step's and the batch's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ioh/model.h>

#define N 65536u

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run(enum ioh_strategy st)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s;
	ioh_model *m;
	ioh_handover *ho;
	struct ioh_attach *a = calloc(N, sizeof(*a));
	struct ioh_handover_stats hs;
	size_t n = 0;
	double t0, t1, t2;

	if (!a || ioh_scenario_parse(ctx, "iommu dmar0 extra=65536 cc=64\nmax-events 1024\n",
				     "bench", &s) != IOH_OK) {
		fprintf(stderr, "bench-takeover: %s\n", ioh_get_err(ctx));
		return 1;
	}
	s->strategy = st;
	if (ioh_model_new(ctx, s, &m) != IOH_OK) {
		fprintf(stderr, "bench-takeover: %s\n", ioh_get_err(ctx));
		return 1;
	}
	ho = ioh_model_handover(m, 0);
	t0 = now();
	if (ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)) != IOH_OK)
		goto fail;
	t1 = now();
	for (unsigned sid = 0; sid < N; sid++)
		if (ioh_handover_is_copied(ho, (uint16_t)sid))
			a[n++] = (struct ioh_attach){ .sid = (uint16_t)sid, .setup = true, .did = 2,
						      .aw = 2, .slptptr = 0x200000000ULL };
	if (st == IOH_STRAT_BATCHED) {
		if (ioh_handover_attach_batch(ho, a, n) != IOH_OK)
			goto fail;
	} else {
		for (size_t i = 0; i < n; i++)
			if (ioh_handover_attach(ho, &a[i]) != IOH_OK)
				goto fail;
	}
	t2 = now();
	ioh_handover_stats(ho, &hs);
	printf("%-14s %6zu entries: copy %.3f s; takeover %.3f s (%.2f us/entry), "
	       "%llu invalidations, %llu waits in all\n",
	       ioh_strategy_name(st), n, t1 - t0, t2 - t1, (t2 - t1) * 1e6 / (double)n,
	       (unsigned long long)hs.invalidations, (unsigned long long)hs.waits);
	ioh_model_free(m);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
	free(a);
	return 0;
fail:
	fprintf(stderr, "bench-takeover: %s\n", ioh_get_err(ctx));
	return 1;
}

int main(void)
{
	return run(IOH_STRAT_PRESENT_FIRST) | run(IOH_STRAT_BATCHED);
}
