/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The explorer on scalable-mode PASID-table entries (CVE-2026-45894): a
 * 512-bit entry fetched as four 128-bit bursts. Expected verdicts (the table
 * in docs/scenario-format.md):
 *   first-level (or nested, pass-through) entries: the context-entry table:
 *     zero torn everywhere; zero-lo-hi (the old intel_pasid_clear_entry) and
 *     clear-p-nowait torn when a burst after the first may be read later;
 *     present-first (the fixed intel_pasid_tear_down_entry) and batched safe;
 *   second-level-only entries hold nothing past their first burst, so only
 *   stores that go high first (zero) can tear them.
 */
#include <stdlib.h>

#include <ioh/handover.h>
#include <ioh/model.h>

#include "harness.h"
#include "internal.h"

static bool expect_torn(enum ioh_strategy s, enum ioh_fetch_order o, unsigned pgtt)
{
	bool lo_first = o == IOH_FETCH_LO_HI || o == IOH_FETCH_ANY;

	switch (s) {
	case IOH_STRAT_ZERO:
		return true;
	case IOH_STRAT_ZERO_LO_HI:
	case IOH_STRAT_CLEAR_P_NOWAIT:
		return lo_first && pgtt != IOH_VTD_PGTT_SL_ONLY;
	default:
		return false;
	}
}

static struct ioh_explore_cfg pcfg(enum ioh_strategy s, enum ioh_fetch_order o, unsigned e,
				   unsigned a, unsigned pgtt)
{
	return (struct ioh_explore_cfg){ .mode = IOH_VTD_SCALABLE, .strategy = s, .order = o,
					 .entries = e, .agents = a, .target = IOH_XT_PASID,
					 .pgtt = pgtt };
}

static void pasid_table(unsigned entries, unsigned agents, unsigned pgtt)
{
	for (unsigned s = 0; s < IOH_STRAT__COUNT; s++)
		for (unsigned o = 0; o < IOH_FETCH__COUNT; o++) {
			ioh_ctx *ctx = ioh_ctx_new();
			struct ioh_explore_cfg cfg = pcfg((enum ioh_strategy)s, (enum ioh_fetch_order)o,
							  entries, agents, pgtt);
			struct ioh_explore_result r;
			bool want = expect_torn(cfg.strategy, cfg.order, pgtt ? pgtt : 1);

			CHECK_MSG(ioh_explore(ctx, &cfg, &r) == IOH_OK, "%s", ioh_get_err(ctx));
			CHECK_MSG(r.violation == want && (bool)r.torn == want && !r.stale,
				  "PASID %s: %s %s %ux%u: violation %d torn %d stale %d, want torn %d",
				  ioh_pgtt_name(pgtt ? pgtt : 1), ioh_strategy_name(cfg.strategy),
				  ioh_fetch_order_name(cfg.order), entries, agents, r.violation,
				  (int)r.torn, (int)r.stale, want);
			CHECK(r.states > 1);
			if (want) {
				CHECK_EQ(r.trace[r.trace_len - 1].kind, IOH_EV_TORN);
				CHECK_EQ(r.torn_qwords, 8);
				CHECK(r.torn_value[0] & 1);
			}
			ioh_explore_result_free(&r);
			ioh_ctx_free(ctx);
		}
}

TEST(model_pasid_verdicts_one_entry)
{
	pasid_table(1, 1, 0);
	pasid_table(1, 1, IOH_VTD_PGTT_NESTED);
	pasid_table(1, 1, IOH_VTD_PGTT_SL_ONLY);
}

TEST_TIMEOUT(model_pasid_verdicts_two_entries_two_agents, 120)
{
	pasid_table(2, 2, 0);
	pasid_table(2, 2, IOH_VTD_PGTT_SL_ONLY);
}

TEST_TIMEOUT(model_pasid_verdicts_three_entries_one_agent, 120)
{
	pasid_table(3, 1, 0);
}

/* The old clear with bursts read in order: burst 0 with P, then zeroed bursts. */
TEST(model_pasid_counterexample_shows_the_torn_burst)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = pcfg(IOH_STRAT_ZERO_LO_HI, IOH_FETCH_LO_HI, 1, 1, 0);
	struct ioh_explore_result r;
	struct ioh_vtd_pasid pe;
	char buf[256];

	CHECK(ioh_explore(ctx, &cfg, &r) == IOH_OK);
	CHECK(r.violation && r.torn);
	CHECK_EQ(r.torn_qwords, 8);
	ioh_vtd_pasid_decode(r.torn_value, &pe);
	CHECK(pe.p);
	CHECK_EQ(pe.pgtt, IOH_VTD_PGTT_FL_ONLY);
	CHECK_EQ(pe.did, 1);
	CHECK_EQ(pe.flptptr, 0); /* the first-level pointer of a present entry: gone */
	/* Starts with burst 0 (two words), ends with the fetch and TORN. */
	CHECK_EQ(r.trace[0].kind, IOH_EV_FETCH_HALF);
	CHECK_EQ(r.trace[1].kind, IOH_EV_FETCH_HALF);
	CHECK_EQ(r.trace[1].addr, r.trace[0].addr + 8);
	CHECK_EQ(r.trace[2].kind, IOH_EV_WRITE);
	CHECK_EQ(r.trace[r.trace_len - 2].kind, IOH_EV_FETCH);
	CHECK_CONTAINS(ioh_event_format(&r.trace[r.trace_len - 1], buf, sizeof(buf)),
		       "TORN sid=0008");
	ioh_explore_result_free(&r);
	ioh_ctx_free(ctx);
}

/* The fixed order as a program: P cleared, PASID cache, IOTLB per PGTT, waits, then zero. */
TEST(model_pasid_fixed_program_order)
{
	static const unsigned pgtts[] = { IOH_VTD_PGTT_FL_ONLY, IOH_VTD_PGTT_SL_ONLY };

	for (size_t k = 0; k < IOH_ARRAY_SIZE(pgtts); k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_explore_cfg cfg = pcfg(IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 1, 1,
						  pgtts[k]);
		struct ioh_event *ev;
		size_t n, clear = 0, inv = 0, tlb = 0, wait = 0, zero = 0, zeros = 0;

		CHECK_EQ(ioh_explore_plan(ctx, &cfg, false, &ev, &n), IOH_OK);
		for (size_t i = 0; i < n; i++) {
			if (ev[i].kind == IOH_EV_WRITE && ev[i].val[0] && !(ev[i].val[0] & 1))
				clear = i + 1;
			if (ev[i].kind == IOH_EV_INV_PASID && !inv) {
				inv = i + 1;
				CHECK_EQ(ev[i].gran, IOH_INV_DEVICE);
			}
			if (ev[i].kind == IOH_EV_INV_IOTLB) {
				tlb = i + 1;
				CHECK_EQ(ev[i].gran, pgtts[k] == IOH_VTD_PGTT_SL_ONLY ? IOH_INV_DOMAIN
										 : IOH_INV_DEVICE);
			}
			if (ev[i].kind == IOH_EV_WAIT)
				wait = i + 1;
			if (ev[i].kind == IOH_EV_WRITE && !ev[i].val[0]) {
				zeros++;
				if (!zero)
					zero = i + 1;
			}
		}
		CHECK(clear && clear < inv && inv < tlb && tlb < wait && wait < zero);
		CHECK_EQ(zeros, 8);
		CHECK_EQ(ev[n - 1].kind, IOH_EV_TEARDOWN_DONE);
		free(ev);
		ioh_ctx_free(ctx);
	}
}

/* Without the waits the fixed program tears too: the wait is what drains the bursts. */
TEST(model_pasid_explorer_can_fail_the_fixed_program)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = pcfg(IOH_STRAT_PRESENT_FIRST, IOH_FETCH_LO_HI, 1, 1, 0);
	struct ioh_event *ev;
	size_t n, k = 0;
	struct ioh_explore_result r;

	CHECK_EQ(ioh_explore_plan(ctx, &cfg, false, &ev, &n), IOH_OK);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind != IOH_EV_WAIT)
			ev[k++] = ev[i];
	const struct ioh_event *plans[1] = { ev };
	CHECK_EQ(ioh_explore_steps(ctx, &cfg, plans, &k, 1, &r), IOH_OK);
	CHECK(r.violation && r.torn);
	ioh_explore_result_free(&r);
	free(ev);
	ioh_ctx_free(ctx);
}

TEST(model_pasid_bad_configs_and_state_cap)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = pcfg(IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 4, 4, 0);
	struct ioh_explore_result r;

	cfg.max_states = 1000;
	CHECK_EQ(ioh_explore(ctx, &cfg, &r), IOH_ERR_LIMIT);
	CHECK_CONTAINS(ioh_get_err(ctx), "PASID entries, present-first, any, 4 entries, 4 agents");
	CHECK_CONTAINS(ioh_get_err(ctx), "more than 1000 states");
	ioh_explore_result_free(&r);
	cfg.max_states = 0;
	cfg.setup = true;
	CHECK_EQ(ioh_explore(ctx, &cfg, &r), IOH_ERR_INVALID);
	cfg.setup = false;
	cfg.pgtt = 7;
	CHECK_EQ(ioh_explore(ctx, &cfg, &r), IOH_ERR_INVALID);
	cfg.pgtt = 0;
	cfg.target = (enum ioh_explore_target)5;
	CHECK_EQ(ioh_explore(ctx, &cfg, &r), IOH_ERR_INVALID);
	CHECK_EQ(ioh_explore_random(ctx, &cfg, 1, 10, &r), IOH_ERR_INVALID);
	cfg.target = IOH_XT_PASID;
	CHECK_EQ(ioh_explore_random(ctx, &cfg, 1, 0, &r), IOH_ERR_INVALID);
	CHECK_STREQ(ioh_explore_target_name(IOH_XT_PASID), "pasid");
	CHECK_STREQ(ioh_pgtt_name(IOH_VTD_PGTT_SL_ONLY), "second-level");
	unsigned pg = 0;
	CHECK_EQ(ioh_pgtt_parse("nested", &pg), 0);
	CHECK_EQ(pg, IOH_VTD_PGTT_NESTED);
	CHECK_EQ(ioh_pgtt_parse("fl", &pg), -1);
	ioh_ctx_free(ctx);
}

/* Seeded random walks where enumerating every state would pass the cap. */
TEST_TIMEOUT(model_pasid_random_walks, 120)
{
	static const struct {
		enum ioh_strategy s;
		bool torn;
	} runs[] = { { IOH_STRAT_PRESENT_FIRST, false }, { IOH_STRAT_ZERO_LO_HI, true },
		     { IOH_STRAT_CLEAR_P_NOWAIT, true } };

	for (size_t k = 0; k < IOH_ARRAY_SIZE(runs); k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_explore_cfg cfg = pcfg(runs[k].s, IOH_FETCH_LO_HI, 4, 4, 0);
		struct ioh_explore_result a, b;

		CHECK_MSG(ioh_explore_random(ctx, &cfg, 7, 300, &a) == IOH_OK, "%s",
			  ioh_get_err(ctx));
		CHECK_EQ(ioh_explore_random(ctx, &cfg, 7, 300, &b), IOH_OK);
		printf("  PASID 4x4 lo-hi %s: %llu of %llu walks torn, %llu steps\n",
		       ioh_strategy_name(runs[k].s), (unsigned long long)a.violating_walks,
		       (unsigned long long)a.walks, (unsigned long long)a.transitions);
		CHECK_EQ(a.walks, 300);
		CHECK_EQ(a.violation, runs[k].torn);
		CHECK_EQ(a.violating_walks, b.violating_walks); /* same seed, same walks */
		CHECK_EQ(a.transitions, b.transitions);
		if (runs[k].torn) {
			CHECK(a.torn && a.trace_len > 0);
			CHECK_EQ(a.trace[a.trace_len - 1].kind, IOH_EV_TORN);
		}
		ioh_explore_result_free(&a);
		ioh_explore_result_free(&b);
		ioh_ctx_free(ctx);
	}
}

/* The random mode agrees with the exhaustive one on context entries too. */
TEST(model_random_walks_context_entries)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_explore_cfg cfg = { .strategy = IOH_STRAT_ZERO, .order = IOH_FETCH_ATOMIC,
				       .entries = 2, .agents = 2 };
	struct ioh_explore_result r;

	CHECK_EQ(ioh_explore_random(ctx, &cfg, 3, 500, &r), IOH_OK);
	CHECK(r.violation && r.torn && r.violating_walks > 0);
	ioh_explore_result_free(&r);
	cfg.strategy = IOH_STRAT_PRESENT_FIRST;
	cfg.order = IOH_FETCH_ANY;
	CHECK_EQ(ioh_explore_random(ctx, &cfg, 3, 500, &r), IOH_OK);
	CHECK(!r.violation && r.violating_walks == 0 && r.walks == 500);
	ioh_explore_result_free(&r);
	ioh_ctx_free(ctx);
}
