/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's order of operations, per strategy and mode, read back from
 * its event log after running it against the model.
 */
#include <ioh/handover.h>
#include <ioh/model.h>

#include "harness.h"

/* One device 00:03.0 (old DID 7) on one IOMMU; options appended to the iommu line. */
static ioh_model *one_device(ioh_ctx *ctx, const char *iommu_opts, const char *dev_opts,
			     const char *strategy)
{
	char text[1024];
	struct ioh_scenario *s;
	ioh_model *m;

	snprintf(text, sizeof(text),
		 "iommu dmar0 %s\n"
		 "device d 00:03.0 did=7 rate=0 attach=2000 %s\n"
		 "device e 00:04.0 did=8 rate=0 attach=2100\n"
		 "strategy %s\n",
		 iommu_opts, dev_opts, strategy);
	CHECK_MSG(ioh_scenario_parse(ctx, text, "t", &s) == IOH_OK, "%s", ioh_get_err(ctx));
	CHECK_MSG(ioh_model_new(ctx, s, &m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_scenario_free(s);
	return m;
}

static void copy(ioh_model *m)
{
	CHECK(ioh_handover_copy(ioh_model_handover(m, 0), ioh_model_old_rtaddr(m, 0)) == IOH_OK);
}

static void attach(ioh_model *m, unsigned dev)
{
	struct ioh_attach a;

	ioh_model_attach_req(m, dev, &a);
	CHECK(ioh_handover_attach(ioh_model_handover(m, 0), &a) == IOH_OK);
}

/* Kinds of the engine's events from the first of kind `from`, comma separated. */
static const char *kinds_from(ioh_handover *ho, enum ioh_event_kind from, size_t *first)
{
	static char buf[2048];
	const struct ioh_event_log *log = ioh_handover_events(ho);
	size_t n = ioh_event_log_count(log), i = 0;

	buf[0] = 0;
	while (i < n && ioh_event_log_get(log, i)->kind != from)
		i++;
	if (first)
		*first = i;
	for (; i < n; i++) {
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, ioh_event_kind_name(ioh_event_log_get(log, i)->kind));
	}
	return buf;
}

TEST(handover_present_first_legacy_order)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	const struct ioh_event_log *log = ioh_handover_events(ho);
	size_t i;

	copy(m);
	attach(m, 0);
	CHECK_STREQ(kinds_from(ho, IOH_EV_TEARDOWN, &i),
		    "teardown,write,wmb,inv-context,inv-iotlb,wait,wait-done,write,write,"
		    "teardown-done,write,write,wmb,publish,write");
	const struct ioh_event *td = ioh_event_log_get(log, i);
	const struct ioh_event *clr = ioh_event_log_get(log, i + 1);
	const struct ioh_event *cc = ioh_event_log_get(log, i + 3);
	const struct ioh_event *tlb = ioh_event_log_get(log, i + 4);
	/* Only P goes first; every other field of the copied entry stays. */
	CHECK_EQ(td->val[0] & 1, 1);
	CHECK_EQ(clr->half, 0);
	CHECK_EQ(clr->val[0], td->val[0] & ~1ULL);
	/* Device-selective with the OLD domain ID, then domain-selective IOTLB. */
	CHECK_EQ(cc->gran, IOH_INV_DEVICE);
	CHECK_EQ(cc->did, 7);
	CHECK_EQ(cc->sid, 0x0018);
	CHECK_EQ(tlb->gran, IOH_INV_DOMAIN);
	CHECK_EQ(tlb->did, 7);
	CHECK_EQ(tlb->val[0], 3); /* drain reads and writes: CAP.DRD/DWD set */
	/* Zeroing low word then high word, only after the wait. */
	CHECK_EQ(ioh_event_log_get(log, i + 7)->half, 0);
	CHECK_EQ(ioh_event_log_get(log, i + 8)->half, 1);
	/* Setup: high word, low word without P, barrier, then P. */
	CHECK_EQ(ioh_event_log_get(log, i + 10)->half, 1);
	CHECK_EQ(ioh_event_log_get(log, i + 11)->val[0] & 1, 0);
	CHECK_EQ(ioh_event_log_get(log, i + 14)->val[0] & 1, 1);
	CHECK(!ioh_handover_is_copied(ho, 0x18));
	CHECK(ioh_handover_is_copied(ho, 0x20));
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_present_first_ats_noncoherent_nodrain)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "coherent=0 drain=0", "ats=1", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	size_t i;

	copy(m);
	attach(m, 0);
	CHECK_STREQ(kinds_from(ho, IOH_EV_TEARDOWN, &i),
		    "teardown,write,wmb,clflush,inv-context,inv-iotlb,inv-devtlb,wait,wait-done,"
		    "write,write,clflush,teardown-done,write,write,wmb,publish,write,clflush");
	CHECK_EQ(ioh_event_log_get(ioh_handover_events(ho), i + 5)->val[0], 0);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_present_first_scalable_order)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "mode=scalable", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	const struct ioh_event_log *log = ioh_handover_events(ho);
	size_t i;

	copy(m);
	attach(m, 0);
	CHECK_STREQ(kinds_from(ho, IOH_EV_TEARDOWN, &i),
		    "teardown,write,wmb,inv-context,inv-pasid,inv-iotlb,wait,wait-done,write,write,"
		    "teardown-done,write,write,wmb,publish,write");
	CHECK_EQ(ioh_event_log_get(log, i + 4)->gran, IOH_INV_GLOBAL);
	CHECK_EQ(ioh_event_log_get(log, i + 5)->gran, IOH_INV_GLOBAL);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_unsafe_strategies_order)
{
	static const struct {
		const char *strategy, *want;
	} t[] = {
		{ "zero-lo-hi",
		  "teardown,write,write,inv-context,inv-iotlb,wait,wait-done,teardown-done" },
		{ "clear-p-nowait",
		  "teardown,write,wmb,inv-context,inv-iotlb,write,write,wait,wait-done,teardown-done" },
		{ "zero", "teardown,write,write,inv-context,inv-iotlb,wait,wait-done,teardown-done" },
	};

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_model *m = one_device(ctx, "", "", t[k].strategy);
		ioh_handover *ho = ioh_model_handover(m, 0);
		struct ioh_attach a;
		size_t i;

		copy(m);
		ioh_model_attach_req(m, 0, &a);
		a.setup = false;
		CHECK(ioh_handover_attach(ho, &a) == IOH_OK);
		CHECK_STREQ(kinds_from(ho, IOH_EV_TEARDOWN, &i), t[k].want);
		if (!strcmp(t[k].strategy, "zero-lo-hi"))
			CHECK_EQ(ioh_event_log_get(ioh_handover_events(ho), i + 1)->half, 0);
		ioh_model_free(m);
		ioh_ctx_free(ctx);
	}
}

TEST(handover_copy_step)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	struct ioh_handover_stats st;
	uint64_t rt;

	copy(m);
	CHECK_STREQ(kinds_from(ho, IOH_EV_SRTP, NULL), "srtp,inv-context,inv-iotlb,wait,wait-done");
	CHECK(ioh_handover_is_copied(ho, 0x18));
	CHECK(ioh_handover_is_copied(ho, 0x20));
	CHECK(!ioh_handover_is_copied(ho, 0x28));
	CHECK(ioh_handover_did_reserved(ho, 7));
	CHECK(ioh_handover_did_reserved(ho, 8));
	CHECK(!ioh_handover_did_reserved(ho, 9));
	ioh_handover_stats(ho, &st);
	CHECK_EQ(st.copied, 2);
	CHECK_EQ(st.waits, 1);
	/* The hardware now walks the new root table. */
	rt = ioh_model_reg_read(m, 0, IOH_VTD_REG_RTADDR);
	CHECK_EQ(rt & ~0xfffULL, ioh_handover_root(ho));
	CHECK(ioh_handover_root(ho) != (ioh_model_old_rtaddr(m, 0) & ~0xfffULL));
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_copy_esrtps_skips_invalidation)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "esrtps=1", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);

	copy(m);
	CHECK_STREQ(kinds_from(ho, IOH_EV_SRTP, NULL), "srtp");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_copy_refuses_mode_change)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);

	CHECK_EQ(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0) | 1ULL << 10), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "scalable mode");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_caching_mode_setup_invalidates)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "cm=1", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	const struct ioh_event_log *log = ioh_handover_events(ho);
	size_t i;

	copy(m);
	attach(m, 0);
	CHECK_STREQ(kinds_from(ho, IOH_EV_PUBLISH, &i),
		    "publish,write,inv-context,inv-iotlb,wait,wait-done");
	/* Not-present entries may be cached under DID 0. */
	CHECK_EQ(ioh_event_log_get(log, i + 2)->did, 0);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_setup_drain_waits_before_p)
{
	ioh_ctx *ctx = ioh_ctx_new();
	char text[512];
	struct ioh_scenario *s;
	ioh_model *m;

	snprintf(text, sizeof(text), "iommu dmar0\ndevice d 00:03.0 did=7 rate=0\nsetup-drain 1\n");
	CHECK(ioh_scenario_parse(ctx, text, "t", &s) == IOH_OK);
	CHECK(ioh_model_new(ctx, s, &m) == IOH_OK);
	copy(m);
	attach(m, 0);
	CHECK_STREQ(kinds_from(ioh_model_handover(m, 0), IOH_EV_TEARDOWN_DONE, NULL),
		    "teardown-done,write,write,wmb,inv-context,wait,wait-done,publish,write");
	ioh_scenario_free(s);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(handover_batched_one_wait)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "ats=1", "batched");
	ioh_handover *ho = ioh_model_handover(m, 0);
	struct ioh_attach a[2];
	struct ioh_handover_stats st;

	copy(m);
	ioh_model_attach_req(m, 0, &a[0]);
	ioh_model_attach_req(m, 1, &a[1]);
	CHECK(ioh_handover_attach_batch(ho, a, 2) == IOH_OK);
	CHECK_STREQ(kinds_from(ho, IOH_EV_TEARDOWN, NULL),
		    "teardown,write,teardown,write,wmb,inv-context,inv-iotlb,inv-devtlb,wait,"
		    "wait-done,write,write,teardown-done,write,write,teardown-done,"
		    "write,write,wmb,write,write,wmb,publish,write,publish,write");
	ioh_handover_stats(ho, &st);
	CHECK_EQ(st.waits, 2); /* the copy step's and the batch's */
	CHECK_EQ(st.torn_down, 2);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* Batched and per-device leave the same tables behind. */
TEST(handover_batched_same_result_as_per_device)
{
	uint64_t v[2][2][2];

	for (int b = 0; b < 2; b++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_model *m = one_device(ctx, "", "", b ? "batched" : "present-first");
		ioh_handover *ho = ioh_model_handover(m, 0);
		struct ioh_attach a[2];

		copy(m);
		ioh_model_attach_req(m, 0, &a[0]);
		ioh_model_attach_req(m, 1, &a[1]);
		CHECK(ioh_handover_attach_batch(ho, a, 2) == IOH_OK);
		for (int d = 0; d < 2; d++) {
			uint64_t pa = ioh_handover_entry_addr(ho, a[d].sid);

			CHECK(pa);
			CHECK(ioh_model_mem_read(m, pa, &v[b][d][0]) == IOH_OK);
			CHECK(ioh_model_mem_read(m, pa + 8, &v[b][d][1]) == IOH_OK);
			CHECK_EQ(v[b][d][0] & 1, 1);
			CHECK(!ioh_handover_is_copied(ho, a[d].sid));
		}
		ioh_model_free(m);
		ioh_ctx_free(ctx);
	}
	CHECK(!memcmp(v[0], v[1], sizeof(v[0])));
}

TEST(handover_rejects_incomplete_ops)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_hw_ops ops = { 0 };
	struct ioh_handover_cfg cfg = { .mode = IOH_VTD_LEGACY };

	CHECK(ioh_handover_new(ctx, &cfg, &ops, NULL) == NULL);
	CHECK_CONTAINS(ioh_get_err(ctx), "incomplete hardware ops");
	ioh_ctx_free(ctx);
}

TEST(handover_strategy_names)
{
	enum ioh_strategy s;

	for (unsigned i = 0; i < IOH_STRAT__COUNT; i++) {
		CHECK(ioh_strategy_parse(ioh_strategy_name((enum ioh_strategy)i), &s) == 0);
		CHECK_EQ(s, i);
	}
	CHECK(ioh_strategy_parse("present_first", &s) == -1);
	CHECK(ioh_strategy_is_safe(IOH_STRAT_PRESENT_FIRST));
	CHECK(ioh_strategy_is_safe(IOH_STRAT_BATCHED));
	CHECK(!ioh_strategy_is_safe(IOH_STRAT_ZERO));
	CHECK(!ioh_strategy_is_safe(IOH_STRAT_CLEAR_P_NOWAIT));
}

TEST(handover_event_format_and_iter)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "", "present-first");
	struct ioh_event_iter it;
	const struct ioh_event *ev;
	char buf[256];
	size_t n = 0;

	copy(m);
	ioh_event_iter_init(&it, ioh_handover_events(ioh_model_handover(m, 0)));
	while ((ev = ioh_event_iter_next(&it)))
		n++;
	CHECK_EQ(n, ioh_event_log_count(ioh_handover_events(ioh_model_handover(m, 0))));
	struct ioh_event e = { .t = 5, .lane = IOH_LANE_CPU, .kind = IOH_EV_INV_CONTEXT,
			       .gran = IOH_INV_DEVICE, .did = 7, .sid = 0x18 };
	CHECK_STREQ(ioh_event_format(&e, buf, sizeof(buf)),
		    "t=5 cpu0 inv-context device did=7 sid=0018");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* A device on a bus the crashed kernel never used gets a new context table. */
TEST(handover_attach_on_new_bus)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = one_device(ctx, "", "", "present-first");
	ioh_handover *ho = ioh_model_handover(m, 0);
	struct ioh_attach a;
	uint64_t lo, pa;

	CHECK_EQ(ioh_handover_attach(ho, &(struct ioh_attach){ .sid = 0x18 }), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "run the copy step first");
	copy(m);
	CHECK_EQ(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)), IOH_ERR_INVALID);
	CHECK(ioh_handover_entry_addr(ho, 0x0500) == 0);
	ioh_model_attach_req(m, 0, &a);
	a.sid = 0x0500;
	CHECK(ioh_handover_attach(ho, &a) == IOH_OK);
	pa = ioh_handover_entry_addr(ho, 0x0500);
	CHECK(pa);
	CHECK(ioh_model_mem_read(m, ioh_handover_root(ho) + 5 * 16, &lo) == IOH_OK);
	CHECK_EQ(lo, (pa & ~0xfffULL) | 1);
	CHECK(ioh_model_mem_read(m, pa, &lo) == IOH_OK);
	CHECK_EQ(lo & 1, 1);
	CHECK(!ioh_handover_is_copied(ho, 0x0500));
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}
