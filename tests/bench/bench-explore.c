/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exhaustive explorer: states per second, and time to verify the standard
 * configurations, for context entries and for scalable-mode PASID entries
 * (four 128-bit bursts); then seeded random walks where enumeration passes
 * the state cap.
 */
#include <stdio.h>

#include <ioh/model.h>

static int run(const char *what, enum ioh_explore_target t, enum ioh_strategy s,
	       enum ioh_fetch_order o, unsigned e, unsigned a, uint64_t walks)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = { .strategy = s, .order = o, .entries = e, .agents = a,
				       .max_states = 1u << 24, .target = t,
				       .mode = t == IOH_XT_PASID ? IOH_VTD_SCALABLE : IOH_VTD_LEGACY };
	struct ioh_explore_result r;
	ioh_status st = walks ? ioh_explore_random(ctx, &cfg, 1, walks, &r) : ioh_explore(ctx, &cfg, &r);

	if (st == IOH_ERR_LIMIT) {
		printf("%-52s LIMIT    (%s)\n", what, ioh_get_err(ctx));
		ioh_ctx_free(ctx);
		return 0;
	}
	if (st != IOH_OK) {
		fprintf(stderr, "bench-explore: %s\n", ioh_get_err(ctx));
		ioh_ctx_free(ctx);
		return 1;
	}
	if (walks)
		printf("%-52s %-8s %9llu walks  %10llu steps       %8.3f s %10.0f steps/s (%llu torn)\n",
		       what, r.violation ? "TORN" : "clean", (unsigned long long)r.walks,
		       (unsigned long long)r.transitions, r.seconds,
		       r.seconds > 0 ? (double)r.transitions / r.seconds : 0.0,
		       (unsigned long long)r.violating_walks);
	else
		printf("%-52s %-8s %9llu states %10llu transitions %8.3f s %10.0f states/s\n", what,
		       r.violation ? "TORN" : "verified", (unsigned long long)r.states,
		       (unsigned long long)r.transitions, r.seconds,
		       r.seconds > 0 ? (double)r.states / r.seconds : 0.0);
	ioh_explore_result_free(&r);
	ioh_ctx_free(ctx);
	return 0;
}

int main(void)
{
	const enum ioh_explore_target C = IOH_XT_CONTEXT, P = IOH_XT_PASID;
	int rc = 0;

	rc |= run("present-first, lo-hi, 1 entry, 1 agent", C, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 1, 1, 0);
	rc |= run("present-first, any, 1 entry, 1 agent", C, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 1, 1, 0);
	rc |= run("present-first, any, 4 entries, 2 agents", C, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 4, 2, 0);
	rc |= run("batched, any, 4 entries, 2 agents", C, IOH_STRAT_BATCHED, IOH_FETCH_ANY, 4, 2, 0);
	rc |= run("present-first, any, 8 entries, 4 agents", C, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 8, 4, 0);
	rc |= run("zero-lo-hi, hi-lo, 8 entries, 4 agents", C, IOH_STRAT_ZERO_LO_HI, IOH_FETCH_HI_LO, 8, 4, 0);
	rc |= run("clear-p-nowait, lo-hi, 4 entries, 2 agents (finds)", C, IOH_STRAT_CLEAR_P_NOWAIT, IOH_FETCH_LO_HI, 4, 2, 0);
	rc |= run("PASID present-first, any, 1 entry, 1 agent", P, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 1, 1, 0);
	rc |= run("PASID zero-lo-hi (old clear), lo-hi, 1x1 (finds)", P, IOH_STRAT_ZERO_LO_HI, IOH_FETCH_LO_HI, 1, 1, 0);
	rc |= run("PASID present-first, lo-hi, 4 entries, 2 agents", P, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 4, 2, 0);
	rc |= run("PASID present-first, any, 4 entries, 2 agents", P, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 4, 2, 0);
	rc |= run("PASID batched, any, 4 entries, 2 agents", P, IOH_STRAT_BATCHED, IOH_FETCH_ANY, 4, 2, 0);
	rc |= run("PASID zero-lo-hi, any, 4 entries, 2 agents (finds)", P, IOH_STRAT_ZERO_LO_HI, IOH_FETCH_ANY, 4, 2, 0);
	rc |= run("PASID present-first, lo-hi, 4 entries, 4 agents", P, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 4, 4, 0);
	rc |= run("PASID present-first, lo-hi, 8x4, 1000 walks", P, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 8, 4, 1000);
	rc |= run("PASID zero-lo-hi, lo-hi, 8x4, 1000 walks", P, IOH_STRAT_ZERO_LO_HI, IOH_FETCH_LO_HI, 8, 4, 1000);
	return rc;
}
