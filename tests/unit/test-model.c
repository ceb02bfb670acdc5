/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The VT-d model: translation, caches and their invalidation, faults and FPD, scenarios. */
#include <ioh/handover.h>
#include <ioh/model.h>

#include "harness.h"

static ioh_model *model_from(ioh_ctx *ctx, const char *text)
{
	struct ioh_scenario *s;
	ioh_model *m;

	CHECK_MSG(ioh_scenario_parse(ctx, text, "t", &s) == IOH_OK, "%s", ioh_get_err(ctx));
	CHECK_MSG(ioh_model_new(ctx, s, &m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_scenario_free(s);
	return m;
}

#define ONE_DEV(iommu_opts, dev_opts)                                                  \
	"iommu dmar0 " iommu_opts "\n"                                                 \
	"device d 00:03.0 did=7 rate=0 iova=0x100000 len=0x2000 attach=2000 " dev_opts "\n"

static void take_over(ioh_model *m, bool setup)
{
	struct ioh_attach a;
	ioh_handover *ho = ioh_model_handover(m, 0);

	CHECK(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)) == IOH_OK);
	ioh_model_attach_req(m, 0, &a);
	a.setup = setup;
	CHECK(ioh_handover_attach(ho, &a) == IOH_OK);
}

TEST(model_translates_through_old_tables)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", ""));
	uint64_t hpa = 0, hpa2 = 0;

	CHECK_EQ(ioh_model_dma(m, 0, 0x100008, false, &hpa), 0);
	CHECK(hpa != 0 && (hpa & 0xfff) == 8);
	CHECK_EQ(ioh_model_dma(m, 0, 0x101010, true, &hpa2), 0);
	CHECK((hpa2 & ~0xfffULL) != (hpa & ~0xfffULL));
	/* Outside the mapped range: PTE read / write not allowed. */
	CHECK_EQ(ioh_model_dma(m, 0, 0x200000, false, NULL), 0x6);
	CHECK_EQ(ioh_model_dma(m, 0, 0x200000, true, NULL), 0x5);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_context_cache_and_register_invalidation)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", ""));
	uint64_t v;

	CHECK_EQ(ioh_model_cc_count(m, 0), 0);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	CHECK_EQ(ioh_model_cc_count(m, 0), 1);
	CHECK(ioh_model_iotlb_count(m, 0) >= 1);
	/* Device-selective for another SID leaves it. */
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD,
			    IOH_VTD_CCMD_ICC | 3ULL << IOH_VTD_CCMD_CIRG_SHIFT | 0x20ULL << 16);
	CHECK_EQ(ioh_model_cc_count(m, 0), 1);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD,
			    IOH_VTD_CCMD_ICC | 3ULL << IOH_VTD_CCMD_CIRG_SHIFT | 0x18ULL << 16);
	CHECK_EQ(ioh_model_cc_count(m, 0), 0);
	v = ioh_model_reg_read(m, 0, IOH_VTD_REG_CCMD);
	CHECK_EQ(v & IOH_VTD_CCMD_ICC, 0);			/* done */
	CHECK_EQ((v >> IOH_VTD_CCMD_CAIG_SHIFT) & 3, 3);	/* actual granularity */
	/* Domain-selective IOTLB for a different DID keeps entries, for ours drops them. */
	unsigned iotlb = 0x100 + 8;
	ioh_model_reg_write(m, 0, iotlb, IOH_VTD_IOTLB_IVT | 2ULL << IOH_VTD_IOTLB_IIRG_SHIFT |
						 8ULL << IOH_VTD_IOTLB_DID_SHIFT);
	CHECK(ioh_model_iotlb_count(m, 0) >= 1);
	ioh_model_reg_write(m, 0, iotlb, IOH_VTD_IOTLB_IVT | 2ULL << IOH_VTD_IOTLB_IIRG_SHIFT |
						 7ULL << IOH_VTD_IOTLB_DID_SHIFT);
	CHECK_EQ(ioh_model_iotlb_count(m, 0), 0);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* A cached entry hides a change in memory until it is invalidated, as on hardware. */
TEST(model_cached_entry_survives_until_invalidated)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", ""));
	ioh_handover *ho = ioh_model_handover(m, 0);
	uint64_t pa;

	CHECK(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)) == IOH_OK);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	pa = ioh_handover_entry_addr(ho, 0x18);
	CHECK(ioh_model_mem_write(m, pa, 0) == IOH_OK);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0); /* still cached */
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD, IOH_VTD_CCMD_ICC | 1ULL << IOH_VTD_CCMD_CIRG_SHIFT);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x2);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* Caching mode: even a not-present entry is cached; without CM it is fetched again. */
TEST(model_caching_mode_caches_not_present)
{
	for (int cm = 0; cm < 2; cm++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_model *m = model_from(ctx, cm ? ONE_DEV("cm=1", "") : ONE_DEV("cm=0", ""));
		ioh_handover *ho = ioh_model_handover(m, 0);
		uint64_t pa, lo;

		take_over(m, false);
		pa = ioh_handover_entry_addr(ho, 0x18);
		CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x2);
		/* Someone makes it present again without invalidating. */
		CHECK(ioh_model_mem_read(m, ioh_model_old_rtaddr(m, 0) & ~0xfffULL, &lo) == IOH_OK);
		struct ioh_attach a;
		ioh_model_attach_req(m, 0, &a);
		uint64_t q[2];
		struct ioh_vtd_context c = { .p = true, .aw = 2, .did = a.did, .slptptr = a.slptptr };
		ioh_vtd_context_encode(&c, q);
		CHECK(ioh_model_mem_write(m, pa + 8, q[1]) == IOH_OK);
		CHECK(ioh_model_mem_write(m, pa, q[0]) == IOH_OK);
		/* The new domain maps nothing: 0x6 means the entry was used, 0x2 the cache. */
		CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), cm ? 0x2 : 0x6);
		ioh_model_free(m);
		ioh_ctx_free(ctx);
	}
}

TEST(model_fault_recording_registers)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("nfr=2", ""));
	struct ioh_vtd_frcd f;
	uint64_t q[2], fsts;
	struct ioh_model_summary s;

	CHECK_EQ(ioh_model_dma(m, 0, 0x345000, true, NULL), 0x5);
	fsts = ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS);
	CHECK(fsts & IOH_VTD_FSTS_PPF);
	CHECK_EQ(IOH_VTD_FSTS_FRI(fsts), 0);
	q[0] = ioh_model_reg_read(m, 0, 0x200);
	q[1] = ioh_model_reg_read(m, 0, 0x208);
	ioh_vtd_frcd_decode(q, &f);
	CHECK(f.f);
	CHECK_EQ(f.sid, 0x18);
	CHECK_EQ(f.fr, 0x5);
	CHECK_EQ(f.fi, 0x345000);
	CHECK(!f.t); /* a write */
	/* Second fills record 1; the third finds record 0 still pending: overflow. */
	CHECK_EQ(ioh_model_dma(m, 0, 0x346000, false, NULL), 0x6);
	CHECK_EQ(ioh_model_dma(m, 0, 0x347000, false, NULL), 0x6);
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_PFO);
	ioh_model_summary(m, &s);
	CHECK_EQ(s.faults, 3);
	CHECK_EQ(s.faults_recorded, 2);
	CHECK_EQ(s.faults_overflow, 1);
	/* Clearing F (write 1) and PFO lets the next fault in. */
	ioh_model_reg_write(m, 0, 0x208, 1ULL << 63);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_PFO);
	CHECK_EQ(ioh_model_dma(m, 0, 0x348000, false, NULL), 0x6);
	ioh_model_summary(m, &s);
	CHECK_EQ(s.faults_recorded, 3);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* FPD silences qualified faults (0x2 context not present) but not 0x1 root not present. */
TEST(model_fpd_qualifies_faults)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", "fpd=1"));
	ioh_handover *ho = ioh_model_handover(m, 0);
	struct ioh_model_summary s;
	uint64_t pa;

	CHECK(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)) == IOH_OK);
	pa = ioh_handover_entry_addr(ho, 0x18);
	/* P cleared, FPD kept: what a Present-first teardown leaves mid-way. */
	uint64_t lo;
	CHECK(ioh_model_mem_read(m, pa, &lo) == IOH_OK);
	CHECK(lo & 2);
	CHECK(ioh_model_mem_write(m, pa, lo & ~1ULL) == IOH_OK);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD, IOH_VTD_CCMD_ICC | 1ULL << IOH_VTD_CCMD_CIRG_SHIFT);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x2);
	ioh_model_summary(m, &s);
	CHECK_EQ(s.faults_fpd, 1);
	CHECK_EQ(s.faults_recorded, 0);
	/* Root entry gone: not qualified, recorded despite FPD. */
	CHECK(ioh_model_mem_write(m, ioh_handover_root(ho), 0) == IOH_OK);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x1);
	ioh_model_summary(m, &s);
	CHECK_EQ(s.faults_recorded, 1);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_scalable_translation_and_faults)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("mode=scalable", ""));
	uint64_t hpa = 0;

	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, &hpa), 0);
	CHECK(hpa);
	CHECK_EQ(ioh_model_dma(m, 0, 0x900000, false, NULL), 0x79);
	take_over(m, false);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x41);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* After the takeover the device translates through its new (empty) domain. */
TEST(model_after_takeover_new_domain)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", ""));

	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	take_over(m, true);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x6);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_invalidation_queue_error)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("", ""));
	uint64_t iqa = ioh_model_reg_read(m, 0, IOH_VTD_REG_IQA) & ~0xfffULL;

	/* Descriptor type 0xf does not exist: the queue stops with IQE. */
	CHECK(ioh_model_mem_write(m, iqa, 0xf) == IOH_OK);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_IQT, 1 << 4);
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_IQE);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 0);
	/* And the engine, which needs the queue, says so. */
	CHECK_EQ(ioh_handover_copy(ioh_model_handover(m, 0), ioh_model_old_rtaddr(m, 0)),
		 IOH_ERR_HW);
	CHECK_CONTAINS(ioh_get_err(ctx), "IQE");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* ---- whole runs ---- */

static ioh_model *run_default(ioh_ctx *ctx, enum ioh_strategy st, enum ioh_fetch_order o,
			      uint64_t seed)
{
	struct ioh_scenario *s;
	ioh_model *m;

	CHECK(ioh_scenario_default(ctx, &s) == IOH_OK);
	s->strategy = st;
	s->fetch_order = o;
	s->seed = seed;
	CHECK(ioh_model_new(ctx, s, &m) == IOH_OK);
	CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_scenario_free(s);
	return m;
}

TEST(model_seed_determinism)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *a = run_default(ctx, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 5);
	ioh_model *b = run_default(ctx, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 5);
	ioh_model *c = run_default(ctx, IOH_STRAT_PRESENT_FIRST, IOH_FETCH_ANY, 6);
	const struct ioh_event_log *la = ioh_model_events(a), *lb = ioh_model_events(b),
				   *lc = ioh_model_events(c);
	bool differ = ioh_event_log_count(la) != ioh_event_log_count(lc);

	CHECK(ioh_event_log_count(la) > 1000);
	CHECK_EQ(ioh_event_log_count(la), ioh_event_log_count(lb));
	for (size_t i = 0; i < ioh_event_log_count(la); i++) {
		CHECK(!memcmp(ioh_event_log_get(la, i), ioh_event_log_get(lb, i),
			      sizeof(struct ioh_event)));
		if (!differ && i < ioh_event_log_count(lc))
			differ = memcmp(ioh_event_log_get(la, i), ioh_event_log_get(lc, i),
					sizeof(struct ioh_event)) != 0;
	}
	CHECK(differ);
	ioh_model_free(a);
	ioh_model_free(b);
	ioh_model_free(c);
	ioh_ctx_free(ctx);
}

/* The explorer's verdict table (docs/scenario-format.md). */
static bool can_tear(enum ioh_strategy s, enum ioh_fetch_order o)
{
	bool lo_first = o == IOH_FETCH_LO_HI || o == IOH_FETCH_ANY;

	return s == IOH_STRAT_ZERO ||
	       ((s == IOH_STRAT_ZERO_LO_HI || s == IOH_STRAT_CLEAR_P_NOWAIT) && lo_first);
}

/* The built-in scenario: who kept doing DMA, and the teardown never tears with Present-first. */
TEST_TIMEOUT(model_default_scenario_random, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	uint64_t unsafe_torn = 0;

	for (unsigned o = 0; o < IOH_FETCH__COUNT; o++)
		for (uint64_t seed = 1; seed <= 4; seed++) {
			for (unsigned st = 0; st < IOH_STRAT__COUNT; st++) {
				ioh_model *m = run_default(ctx, (enum ioh_strategy)st,
							   (enum ioh_fetch_order)o, seed);
				struct ioh_model_summary s;

				ioh_model_summary(m, &s);
				CHECK(s.entries_taken_over == 7);
				/* Where the explorer proves a strategy safe, random runs agree. */
				if (!can_tear((enum ioh_strategy)st, (enum ioh_fetch_order)o))
					CHECK_MSG(s.torn_fetches == 0, "%s %s seed %llu tore",
						  ioh_strategy_name((enum ioh_strategy)st),
						  ioh_fetch_order_name((enum ioh_fetch_order)o),
						  (unsigned long long)seed);
				if (ioh_strategy_is_safe((enum ioh_strategy)st)) {
					CHECK_MSG(s.torn_fetches == 0, "%s %s seed %llu tore",
						  ioh_strategy_name((enum ioh_strategy)st),
						  ioh_fetch_order_name((enum ioh_fetch_order)o),
						  (unsigned long long)seed);
					CHECK(s.stale_uses == 0);
				} else {
					unsafe_torn += s.torn_fetches;
				}
				if (o == IOH_FETCH_LO_HI && seed == 1 && st == 0) {
					struct ioh_model_device d;
					CHECK_EQ(ioh_model_device_count(m), 7);
					ioh_model_device_report(m, 0, &d);
					CHECK_STREQ(d.name, "nic0");
					CHECK(d.in_flight_dma && d.dma_during_handover &&
					      d.dma_after_teardown && d.fault_by_reason[2]);
					CHECK(d.teardown_done_at > 3000);
					ioh_model_device_report(m, 4, &d);
					CHECK_STREQ(d.name, "nvme");
					CHECK(d.in_flight_dma && !d.dma_after_teardown);
					CHECK(d.last_after_crash < 1800);
					ioh_model_device_report(m, 6, &d);
					CHECK_STREQ(d.name, "gpu");
					CHECK(!d.in_flight_dma);
					CHECK_EQ(s.devices_in_flight, 6);
				}
				ioh_model_free(m);
			}
		}
	CHECK(unsafe_torn > 0);
	ioh_ctx_free(ctx);
}

TEST(model_default_seed_tears_unsafe)
{
	ioh_ctx *ctx = ioh_ctx_new();
	enum ioh_strategy unsafe[] = { IOH_STRAT_ZERO, IOH_STRAT_ZERO_LO_HI,
				       IOH_STRAT_CLEAR_P_NOWAIT };

	for (size_t i = 0; i < 3; i++) {
		ioh_model *m = run_default(ctx, unsafe[i], IOH_FETCH_LO_HI, 37);
		struct ioh_model_summary s;
		const struct ioh_event_log *log = ioh_model_events(m);
		size_t torn = 0;

		ioh_model_summary(m, &s);
		CHECK(s.torn_fetches >= 1);
		for (size_t k = 0; k < ioh_event_log_count(log); k++)
			torn += ioh_event_log_get(log, k)->kind == IOH_EV_TORN;
		CHECK_EQ(torn, s.torn_fetches + s.torn_setup);
		ioh_model_free(m);
	}
	ioh_ctx_free(ctx);
}

TEST(model_batched_scenario_waits)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = run_default(ctx, IOH_STRAT_BATCHED, IOH_FETCH_LO_HI, 1);
	struct ioh_model_summary s;

	ioh_model_summary(m, &s);
	CHECK_EQ(s.entries_taken_over, 7);
	CHECK_EQ(s.waits, 2); /* copy step + one for the batch */
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* ---- scenarios ---- */

TEST(model_scenario_default_matches_fixture)
{
	size_t n;
	char *text = ioh_test_slurp(ioh_test_src("tests/fixtures/scenarios/default.scn"), &n);

	CHECK_STREQ(text, ioh_scenario_default_text());
	free(text);
}

TEST(model_scenario_errors)
{
	static const struct {
		const char *text, *msg;
	} t[] = {
		{ "iommu a\nfrobnicate 1\n", "t:2: unknown directive 'frobnicate'" },
		{ "iommu a\ndevice d 00:03.0 rate=x\n", "t:2: 'rate' wants a number from 0 to 1000, got 'x'" },
		{ "iommu a\ndevice d 00:03.0 rate=1001\n", "t:2: 'rate' wants a number" },
		{ "iommu a\niommu b\ndevice d 00:03.0\n", "t:3: device 'd' needs iommu=NAME" },
		{ "iommu a\ndevice d 00:03.0 iommu=zz\n", "t:2: unknown IOMMU 'zz'" },
		{ "iommu a\ndevice d 00:03.0\ndevice d 00:04.0\n", "t:3: device 'd' defined twice" },
		{ "iommu a\ndevice d 00:03.0\ndevice e 00:03.0\n", "same bus:dev.fn as 'd'" },
		{ "iommu a\ndevice d 0:3\n", "t:2: '0:3' is not a bus:dev.fn" },
		{ "iommu a\ndevice d 00:03.0 attach=10\n", "attach=10 is not between copy and end" },
		{ "iommu a\nschedule crash=5 copy=4 end=9\n", "crash < copy < end" },
		{ "device d 00:03.0\n", "t:1: device 'd' needs iommu=NAME" },
		{ "# nothing\n", "t: no 'iommu' line" },
		{ "iommu a mode=fast\n", "t:1: mode must be legacy or scalable, got 'fast'" },
		{ "iommu a\nstrategy yolo\n", "t:2: unknown strategy 'yolo'" },
		{ "iommu a\nfetch-order sideways\n", "t:2: unknown fetch order 'sideways'" },
		{ "iommu a\nseed\n", "t:2: 'seed' takes exactly one value" },
		{ "iommu a cc\n", "t:1: expected key=value, got 'cc'" },
		{ "iommu a bogus=1\n", "t:1: unknown iommu option 'bogus'" },
		{ "iommu a\ndevice d 00:03.0 speed=1\n", "t:2: unknown device option 'speed'" },
		{ "iommu a\ndevice d 00:03.0 stop=later\n", "stop must be crash, reset, never or a step" },
		{ "iommu a nfr=0\n", "nfr must be 1-256" },
		{ "iommu a\niommu a\n", "t:2: IOMMU 'a' defined twice" },
		{ "iommu a ats=0\ndevice d 00:03.0 ats=1\n", "uses ATS but its IOMMU has ats=0" },
		{ "iommu a/b\n", "only letters, digits" },
		{ "iommu a\nschedule crash=1 copy=2 end=99999999999\n", "'end' wants a number" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_scenario *s = (void *)1;

		CHECK_MSG(ioh_scenario_parse(ctx, t[i].text, "t", &s) == IOH_ERR_CORRUPT,
			  "accepted: %s", t[i].text);
		CHECK(s == NULL);
		CHECK_CONTAINS(ioh_get_err(ctx), t[i].msg);
		ioh_ctx_free(ctx);
	}
}

TEST(model_scenario_long_line_and_limits)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s;
	char *text = malloc(70 * 40 + 64);
	size_t o;

	memset(text, 'x', 2000);
	memcpy(text, "iommu a\n#", 9);
	text[2000] = 0;
	CHECK(ioh_scenario_parse(ctx, text, "t", &s) == IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "t:2: line longer than 1024");
	o = (size_t)sprintf(text, "iommu a\n");
	for (int i = 0; i < 65; i++)
		o += (size_t)sprintf(text + o, "device d%d 01:%02x.%d\n", i, i / 8, i % 8);
	CHECK(ioh_scenario_parse(ctx, text, "t", &s) == IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "t:66: more than 64 devices");
	free(text);
	CHECK_EQ(ioh_scenario_load(ctx, "/nonexistent/x.scn", &s), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "/nonexistent/x.scn");
	CHECK_EQ(ioh_scenario_load(ctx, "/", &s), IOH_ERR_INVALID);
	ioh_ctx_free(ctx);
}

TEST(model_scenario_fixtures_parse)
{
	static const char *const files[] = { "default.scn", "quiet.scn", "scalable.scn",
					     "bulk.scn" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[128];
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_scenario *s;

		snprintf(rel, sizeof(rel), "tests/fixtures/scenarios/%s", files[i]);
		CHECK_MSG(ioh_scenario_load(ctx, ioh_test_src(rel), &s) == IOH_OK, "%s: %s", rel,
			  ioh_get_err(ctx));
		ioh_scenario_free(s);
		ioh_ctx_free(ctx);
	}
}

TEST(model_scalable_scenario_runs_clean_of_tears)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s;
	ioh_model *m;
	struct ioh_model_summary sum;

	CHECK(ioh_scenario_load(ctx, ioh_test_src("tests/fixtures/scenarios/scalable.scn"), &s) ==
	      IOH_OK);
	CHECK(ioh_model_new(ctx, s, &m) == IOH_OK);
	CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	CHECK_EQ(sum.torn_fetches, 0);
	CHECK(sum.entries_taken_over >= 2);
	CHECK(sum.translations > 100);
	ioh_model_free(m);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
}

/* No caches at all still translates (every request fetches and walks). */
TEST(model_without_caches)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("cc=0 pc=0 iotlb=0", ""));

	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	CHECK_EQ(ioh_model_cc_count(m, 0), 0);
	CHECK_EQ(ioh_model_iotlb_count(m, 0), 0);
	take_over(m, true);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x6);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_rejects_inconsistent_scenario)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s;
	ioh_model *m;

	CHECK(ioh_scenario_parse(ctx, ONE_DEV("", ""), "t", &s) == IOH_OK);
	s->devices[0].iommu = 5;
	CHECK_EQ(ioh_model_new(ctx, s, &m), IOH_ERR_INVALID);
	CHECK(m == NULL);
	s->devices[0].iommu = 0;
	s->iommus[0].cc_size = 1u << 20;
	CHECK_EQ(ioh_model_new(ctx, s, &m), IOH_ERR_INVALID);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
}

/* ECAP.C=0: a store sits in the CPU cache, unseen by the IOMMU, until flushed. */
TEST(model_noncoherent_store_needs_flush)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("coherent=0", ""));
	ioh_handover *ho = ioh_model_handover(m, 0);
	uint64_t pa, lo;

	/* The engine flushes what it copies, so the new tables are what the IOMMU walks. */
	CHECK(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)) == IOH_OK);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	pa = ioh_handover_entry_addr(ho, 0x18);
	CHECK(ioh_model_mem_read(m, pa, &lo) == IOH_OK);
	CHECK(ioh_model_cpu_write(m, 0, pa, lo & ~1ULL) == IOH_OK);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD, IOH_VTD_CCMD_ICC | 1ULL << IOH_VTD_CCMD_CIRG_SHIFT);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0); /* P still set in memory */
	ioh_model_cpu_flush(m, pa);
	/* That DMA cached the still-present entry again: flush, then invalidate. */
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_CCMD, IOH_VTD_CCMD_ICC | 1ULL << IOH_VTD_CCMD_CIRG_SHIFT);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x2);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_noncoherent_takeover)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, ONE_DEV("coherent=0", ""));

	take_over(m, true);
	CHECK_EQ(ioh_model_dma(m, 0, 0x100000, false, NULL), 0x6); /* the new, empty domain */
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* The built-in scenario on a non-coherent IOMMU: Present-first still never tears. */
TEST_TIMEOUT(model_noncoherent_default_scenario, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();

	for (uint64_t seed = 1; seed <= 6; seed++)
		for (unsigned o = 0; o < IOH_FETCH__COUNT; o++) {
			struct ioh_scenario *s;
			struct ioh_model_summary sum;
			ioh_model *m;

			CHECK(ioh_scenario_default(ctx, &s) == IOH_OK);
			s->iommus[0].ecap &= ~1ULL; /* ECAP.C */
			s->seed = seed;
			s->fetch_order = (enum ioh_fetch_order)o;
			CHECK(ioh_model_new(ctx, s, &m) == IOH_OK);
			CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s", ioh_get_err(ctx));
			ioh_model_summary(m, &sum);
			CHECK_EQ(sum.torn_fetches, 0);
			CHECK_EQ(sum.stale_uses, 0);
			CHECK_EQ(sum.entries_taken_over, 7);
			ioh_model_free(m);
			ioh_scenario_free(s);
		}
	ioh_ctx_free(ctx);
}
