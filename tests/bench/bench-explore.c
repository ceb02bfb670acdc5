/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Exhaustive explorer: states per second, and time to verify the standard configurations. */
#include <stdio.h>

#include <ioh/model.h>

static int run(const char *what, enum ioh_strategy s, enum ioh_fetch_order o, unsigned e,
	       unsigned a)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = { .strategy = s, .order = o, .entries = e, .agents = a,
				       .max_states = 1u << 24 };
	struct ioh_explore_result r;

	if (ioh_explore(ctx, &cfg, &r) != IOH_OK) {
		fprintf(stderr, "bench-explore: %s\n", ioh_get_err(ctx));
		ioh_ctx_free(ctx);
		return 1;
	}
	printf("%-44s %-8s %9llu states %10llu transitions %8.3f s %10.0f states/s\n", what,
	       r.violation ? "TORN" : "verified", (unsigned long long)r.states,
	       (unsigned long long)r.transitions, r.seconds,
	       r.seconds > 0 ? (double)r.states / r.seconds : 0.0);
	ioh_explore_result_free(&r);
	ioh_ctx_free(ctx);
	return 0;
}

int main(void)
{
	int rc = 0;

	rc |= run("present-first, lo-hi, 1 entry, 1 agent", IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 1, 1);
	rc |= run("present-first, any, 1 entry, 1 agent", IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 1, 1);
	rc |= run("present-first, any, 4 entries, 2 agents", IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 4, 2);
	rc |= run("batched, any, 4 entries, 2 agents", IOH_STRAT_BATCHED, IOH_FETCH_ANY, 4, 2);
	rc |= run("present-first, any, 8 entries, 4 agents", IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 8, 4);
	rc |= run("zero-lo-hi, hi-lo, 8 entries, 4 agents", IOH_STRAT_ZERO_LO_HI, IOH_FETCH_HI_LO, 8, 4);
	rc |= run("clear-p-nowait, lo-hi, 4 entries, 2 agents (finds)", IOH_STRAT_CLEAR_P_NOWAIT, IOH_FETCH_LO_HI, 4, 2);
	return rc;
}
