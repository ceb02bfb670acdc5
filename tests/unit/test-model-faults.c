/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Invalidation queue faults raised by the model itself (ioh_model_inject,
 * scenario 'inject' lines): the hardware's side (IQE stops the queue at the
 * bad descriptor, ITE abandons pending waits and moves IQH past them, ICE is
 * only a status bit), and the real engine against them: it stops with a
 * status naming the fault, never zeroes a copied entry before an
 * invalidation wait completed after its P was cleared, and a retry finishes
 * the takeover once the fault is gone.
 */
#include <ioh/handover.h>
#include <ioh/model.h>

#include "harness.h"
#include "internal.h"

#define QI_CC 1ULL
#define QI_DEVTLB 3ULL
#define QI_WAIT 5ULL
#define QI_WAIT_SW (1ULL << 5)
#define STATUS_PA 0x7f000000ULL

static ioh_model *model_from(ioh_ctx *ctx, const char *text)
{
	struct ioh_scenario *s = NULL;
	ioh_model *m = NULL;

	CHECK_MSG(ioh_scenario_parse(ctx, text, "faults.scn", &s) == IOH_OK, "%s", ioh_get_err(ctx));
	if (!s)
		return NULL;
	CHECK_MSG(ioh_model_new(ctx, s, &m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_scenario_free(s);
	return m;
}

/* One ATS NIC that keeps receiving until its driver attaches, one NVMe. */
#define TWO_DEVS(extra)                                                                    \
	"scenario qi\n"                                                                    \
	"iommu dmar0 mode=legacy cc=2\n"                                                   \
	"device nic 0000:03:00.0 did=3 ats=1 rate=200 iova=0xfff00000 len=0x10000 "       \
	"stop=reset attach=2000\n"                                                         \
	"device nvme 0000:04:00.0 did=4 rate=100 iova=0xffe00000 len=0x10000 stop=reset "  \
	"attach=2500\n"                                                                    \
	"schedule crash=1000 copy=1500 end=3000\n" extra

/*
 * The handshake's order for the copied entry at pa, from the engine's own
 * events: after its teardown began, a store of zero to either word needs a
 * completed wait after an invalidation that covers the entry after its P
 * was cleared.
 */
static unsigned early_zeroes(const struct ioh_event_log *log, uint64_t pa, uint16_t sid,
			     const char *what, bool quiet)
{
	struct ioh_event_iter it;
	const struct ioh_event *ev;
	bool tearing = false, cleared = false, inv = false, drained = false;
	unsigned bad = 0;

	ioh_event_iter_init(&it, log);
	while ((ev = ioh_event_iter_next(&it))) {
		if (ev->kind == IOH_EV_TEARDOWN && ev->addr == pa)
			tearing = true;
		if (!tearing)
			continue;
		if (ev->kind == IOH_EV_TEARDOWN_DONE && ev->addr == pa)
			break;
		if (ev->kind == IOH_EV_WRITE && ev->addr == pa && ev->val[0] && !(ev->val[0] & 1)) {
			cleared = true;
			inv = drained = false;
		} else if (ev->kind == IOH_EV_INV_CONTEXT && cleared &&
			   (ev->gran == IOH_INV_GLOBAL || ev->sid == sid)) {
			inv = true;
			drained = false;
		} else if (ev->kind == IOH_EV_WAIT_DONE && inv) {
			drained = true;
		} else if (ev->kind == IOH_EV_WRITE && (ev->addr == pa || ev->addr == pa + 8) &&
			   ev->val[0] == 0 && !drained) {
			bad++;
			if (!quiet)
				printf("  %s: entry 0x%llx zeroed at t=%llu before its invalidation "
				       "completed\n", what, (unsigned long long)pa,
				       (unsigned long long)ev->t);
		}
	}
	return bad;
}

static void check_no_early_zero(const struct ioh_event_log *log, uint64_t pa, uint16_t sid,
				const char *what)
{
	CHECK_MSG(!early_zeroes(log, pa, sid, what, false), "%s: early zeroing", what);
}

static bool entry_zeroed(ioh_model *m, uint64_t pa)
{
	uint64_t lo = 1, hi = 1;

	CHECK_EQ(ioh_model_mem_read(m, pa, &lo), IOH_OK);
	CHECK_EQ(ioh_model_mem_read(m, pa + 8, &hi), IOH_OK);
	return !lo && !hi;
}

/* Crash, copy, arm f (counted from now), attach the NIC: returns the attach status. */
static ioh_status attach_with(ioh_model *m, struct ioh_qi_inject f, struct ioh_attach *a,
			      uint64_t *pa)
{
	ioh_handover *ho = ioh_model_handover(m, 0);

	CHECK_EQ(ioh_model_run_until(m, 1000), IOH_OK);
	ioh_model_crash(m);
	CHECK_EQ(ioh_model_run_until(m, 1500), IOH_OK);
	CHECK_EQ(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)), IOH_OK);
	f.after = ioh_model_now(m);
	CHECK_EQ(ioh_model_inject(m, &f), IOH_OK);
	ioh_model_attach_req(m, 0, a);
	*pa = ioh_handover_entry_addr(ho, a->sid);
	CHECK(*pa && ioh_handover_is_copied(ho, a->sid));
	return ioh_handover_attach(ho, a);
}

/* The retry once the fault is spent: the takeover completes, in order. */
static void retry_completes(ioh_model *m, const struct ioh_attach *a, uint64_t pa, const char *what)
{
	ioh_handover *ho = ioh_model_handover(m, 0);

	CHECK_MSG(ioh_handover_attach(ho, a) == IOH_OK, "%s: retry failed", what);
	CHECK(!ioh_handover_is_copied(ho, a->sid));
	check_no_early_zero(ioh_handover_events(ho), pa, a->sid, what);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) &
			 (IOH_VTD_FSTS_IQE | IOH_VTD_FSTS_ITE | IOH_VTD_FSTS_ICE),
		 0);
}

static void iqe_on(unsigned desc, const char *desc_word)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_IQE, .desc = desc, .nth = 1, .times = 1 };
	struct ioh_model_summary sum;
	struct ioh_attach a;
	uint64_t pa;

	CHECK_EQ(attach_with(m, f, &a, &pa), IOH_ERR_HW);
	printf("  IQE on %s: %s\n", desc_word, ioh_get_err(ctx));
	CHECK_CONTAINS(ioh_get_err(ctx), "attach 03:00.0");
	CHECK_CONTAINS(ioh_get_err(ctx), "invalidation queue error (IQE)");
	CHECK_CONTAINS(ioh_get_err(ctx), desc_word);
	CHECK_CONTAINS(ioh_get_err(ctx), "IQEI 3: invalid descriptor type");
	/* The driver skipped the bad descriptor and cleared IQE; the entry is not zeroed. */
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_IQE, 0);
	CHECK(!entry_zeroed(m, pa));
	CHECK(ioh_handover_is_copied(ioh_model_handover(m, 0), a.sid));
	check_no_early_zero(ioh_handover_events(ioh_model_handover(m, 0)), pa, a.sid, desc_word);
	ioh_model_summary(m, &sum);
	CHECK_EQ(sum.qi_iqe, 1);
	retry_completes(m, &a, pa, desc_word);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_fault_iqe_on_context_invalidation)
{
	iqe_on(IOH_QI_DESC_CC, "(cc,");
}

TEST(model_fault_iqe_on_devtlb_invalidation)
{
	iqe_on(IOH_QI_DESC_DEVTLB, "(devtlb,");
}

TEST(model_fault_iqe_on_wait)
{
	iqe_on(IOH_QI_DESC_WAIT, "(wait,");
}

TEST(model_fault_ite_once_is_resubmitted)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_ITE, .desc = IOH_QI_DESC_DEVTLB, .nth = 1,
				   .times = 1 };
	struct ioh_model_summary sum;
	struct ioh_attach a;
	uint64_t pa;

	CHECK_MSG(attach_with(m, f, &a, &pa) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	CHECK_EQ(sum.qi_ite, 1);
	CHECK_EQ(sum.qi_resubmits, 1);
	CHECK(!ioh_handover_is_copied(ioh_model_handover(m, 0), a.sid));
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_ITE, 0);
	check_no_early_zero(ioh_handover_events(ioh_model_handover(m, 0)), pa, a.sid, "ite once");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_fault_ite_persisting_aborts_the_handshake)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	/* The first try and the driver's three resubmissions all time out. */
	struct ioh_qi_inject f = { .fault = IOH_QI_ITE, .desc = IOH_QI_DESC_DEVTLB, .nth = 1,
				   .times = 4 };
	struct ioh_model_summary sum;
	struct ioh_attach a;
	uint64_t pa;

	CHECK_EQ(attach_with(m, f, &a, &pa), IOH_ERR_TIMEOUT);
	printf("  persistent ITE: %s\n", ioh_get_err(ctx));
	CHECK_CONTAINS(ioh_get_err(ctx), "attach 03:00.0");
	CHECK_CONTAINS(ioh_get_err(ctx), "invalidation time-out error (ITE)");
	CHECK_CONTAINS(ioh_get_err(ctx), "device-TLB invalidation of 03:00.0 (IQERCD.ITESID)");
	CHECK_CONTAINS(ioh_get_err(ctx), "4 times");
	ioh_model_summary(m, &sum);
	CHECK_EQ(sum.qi_ite, 4);
	CHECK_EQ(sum.qi_resubmits, 3);
	CHECK(!entry_zeroed(m, pa));
	CHECK(ioh_handover_is_copied(ioh_model_handover(m, 0), a.sid));
	check_no_early_zero(ioh_handover_events(ioh_model_handover(m, 0)), pa, a.sid, "ite x4");
	retry_completes(m, &a, pa, "ite x4");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_fault_ice_is_cleared_and_counted)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_ICE, .desc = IOH_QI_DESC_DEVTLB, .nth = 1,
				   .times = 1 };
	struct ioh_model_summary sum;
	struct ioh_attach a;
	uint64_t pa;

	CHECK_MSG(attach_with(m, f, &a, &pa) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	CHECK_EQ(sum.qi_ice, 1);
	CHECK_EQ(sum.qi_ite + sum.qi_iqe, 0);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_ICE, 0);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_MODEL_REG_IQERCD) >> 48, 0x0300); /* ICESID */
	CHECK(!ioh_handover_is_copied(ioh_model_handover(m, 0), a.sid));
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* The order checker can fail: the unsafe strategies zero before any wait. */
TEST(model_fault_checker_sees_early_zeroing)
{
	static const char *const unsafe[] = { "strategy zero\n", "strategy clear-p-nowait\n" };

	for (size_t k = 0; k < IOH_ARRAY_SIZE(unsafe); k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		char text[1024];
		ioh_model *m;
		struct ioh_attach a;
		ioh_handover *ho;

		snprintf(text, sizeof(text), TWO_DEVS("%s"), unsafe[k]);
		m = model_from(ctx, text);
		CHECK_EQ(ioh_model_run(m), IOH_OK);
		ho = ioh_model_handover(m, 0);
		ioh_model_attach_req(m, 0, &a);
		CHECK_MSG(early_zeroes(ioh_handover_events(ho), ioh_handover_entry_addr(ho, a.sid),
				       a.sid, unsafe[k], true) > 0,
			  "%s: zeroing before the wait went unnoticed", unsafe[k]);
		ioh_model_free(m);
		ioh_ctx_free(ctx);
	}
}

/* ---- the hardware alone, driven through its registers ---- */

static void put_desc(ioh_model *m, unsigned slot, uint64_t q0, uint64_t q1)
{
	uint64_t iqa = ioh_model_reg_read(m, 0, IOH_VTD_REG_IQA) & ~0xfffULL;

	CHECK_EQ(ioh_model_mem_write(m, iqa + slot * 16, q0), IOH_OK);
	CHECK_EQ(ioh_model_mem_write(m, iqa + slot * 16 + 8, q1), IOH_OK);
}

TEST(model_qi_iqe_stops_at_the_descriptor_until_fixed)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_IQE, .nth = 2, .times = 1 };
	uint64_t iqa = ioh_model_reg_read(m, 0, IOH_VTD_REG_IQA) & ~0xfffULL, q0 = 0;

	CHECK_EQ(ioh_model_inject(m, &f), IOH_OK);
	put_desc(m, 0, 1ULL << 4 | QI_CC, 0);			   /* global cc */
	put_desc(m, 1, 1ULL << 4 | QI_CC, 0);			   /* the second: rejected */
	put_desc(m, 2, 7ULL << 32 | QI_WAIT_SW | QI_WAIT, STATUS_PA);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_IQT, 3 << 4);
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_IQE);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 1 << 4);
	CHECK_EQ(ioh_model_mem_read(m, iqa + 16, &q0), IOH_OK);
	CHECK(q0 & 7ULL << 9); /* what a driver reading it back would see */
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_MODEL_REG_IQERCD) & 0xf, 3); /* invalid type */
	CHECK_EQ(ioh_model_run_until(m, 50), IOH_OK);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 1 << 4);
	/* Clearing IQE without fixing the descriptor: rejected again. */
	ioh_model_reg_write(m, 0, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_IQE);
	CHECK_EQ(ioh_model_run_until(m, 51), IOH_OK);
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_IQE);
	/* Fixed (a no-op wait), cleared: the queue goes on and the wait writes its status. */
	put_desc(m, 1, QI_WAIT, 0);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_IQE);
	CHECK_EQ(ioh_model_run_until(m, 52), IOH_OK);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 3 << 4);
	CHECK_EQ(ioh_model_mem_read(m, STATUS_PA, &q0), IOH_OK);
	CHECK_EQ(q0, 7);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_qi_ite_abandons_the_wait_and_stops_the_queue)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_ITE, .desc = IOH_QI_DESC_DEVTLB, .nth = 1,
				   .times = 1 };
	uint64_t v = 0;

	CHECK_EQ(ioh_model_mem_write(m, STATUS_PA, 0), IOH_OK);
	CHECK_EQ(ioh_model_inject(m, &f), IOH_OK);
	put_desc(m, 0, 0x0300ULL << 32 | QI_DEVTLB, 0x7ffffffffffff000ULL);
	put_desc(m, 1, 1ULL << 32 | QI_WAIT_SW | QI_WAIT, STATUS_PA);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_IQT, 2 << 4);
	/* The wait was fetched but held: IQH past both, no status yet, no error yet. */
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 2 << 4);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_ITE, 0);
	CHECK_EQ(ioh_model_run_until(m, ioh_model_now(m) + 300), IOH_OK);
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_ITE);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_MODEL_REG_IQERCD) >> 32 & 0xffff, 0x0300);
	CHECK_EQ(ioh_model_mem_read(m, STATUS_PA, &v), IOH_OK);
	CHECK_EQ(v, 0); /* abandoned: never written */
	/* No new descriptor is fetched until ITE is cleared. */
	put_desc(m, 2, 2ULL << 32 | QI_WAIT_SW | QI_WAIT, STATUS_PA);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_IQT, 3 << 4);
	CHECK_EQ(ioh_model_run_until(m, ioh_model_now(m) + 10), IOH_OK);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 2 << 4);
	ioh_model_reg_write(m, 0, IOH_VTD_REG_FSTS, IOH_VTD_FSTS_ITE);
	CHECK_EQ(ioh_model_run_until(m, ioh_model_now(m) + 1), IOH_OK);
	CHECK_EQ(ioh_model_reg_read(m, 0, IOH_VTD_REG_IQH), 3 << 4);
	CHECK_EQ(ioh_model_mem_read(m, STATUS_PA, &v), IOH_OK);
	CHECK_EQ(v, 2);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST(model_qi_inject_rejects_bad_requests)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS(""));
	struct ioh_qi_inject f = { .fault = IOH_QI_ITE, .desc = IOH_QI_DESC_CC, .nth = 1 };

	CHECK_EQ(ioh_model_inject(m, &f), IOH_ERR_INVALID);
	CHECK_CONTAINS(ioh_get_err(ctx), "only device-TLB");
	f.desc = IOH_QI_DESC_DEVTLB;
	f.nth = 0;
	CHECK_EQ(ioh_model_inject(m, &f), IOH_ERR_INVALID);
	f.nth = 1;
	f.iommu = 1;
	CHECK_EQ(ioh_model_inject(m, &f), IOH_ERR_INVALID);
	f.iommu = 0;
	f.desc = 4;
	CHECK_EQ(ioh_model_inject(m, &f), IOH_ERR_INVALID);
	f.desc = IOH_QI_DESC_DEVTLB;
	for (unsigned i = 0; i < IOH_MODEL_MAX_INJECT; i++)
		CHECK_EQ(ioh_model_inject(m, &f), IOH_OK);
	CHECK_EQ(ioh_model_inject(m, &f), IOH_ERR_LIMIT);
	CHECK_STREQ(ioh_qi_fault_name(IOH_QI_ITE), "ite");
	CHECK_STREQ(ioh_qi_desc_name(IOH_QI_DESC_PC), "pc");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/* ---- scenario lines and whole runs ---- */

TEST(model_fault_scenario_inject_lines)
{
	static const struct {
		const char *line, *err;
	} bad[] = {
		{ "inject", "needs a fault" },
		{ "inject xyz", "needs a fault" },
		{ "inject ite desc=cc", "only device-TLB" },
		{ "inject iqe desc=iec", "desc must be" },
		{ "inject iqe nth=0", "nth counts from 1" },
		{ "inject iqe times=0", "times must be" },
		{ "inject iqe iommu=dmar9", "unknown IOMMU" },
		{ "inject iqe when=3", "unknown inject option" },
		{ "inject iqe nth", "expected key=value" },
	};
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s = NULL;
	char text[1024];

	for (size_t i = 0; i < IOH_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), TWO_DEVS("%s\n"), bad[i].line);
		CHECK_MSG(ioh_scenario_parse(ctx, text, "f.scn", &s) != IOH_OK, "'%s' accepted",
			  bad[i].line);
		CHECK_CONTAINS(ioh_get_err(ctx), "f.scn:6:");
		CHECK_CONTAINS(ioh_get_err(ctx), bad[i].err);
	}
	text[0] = 0;
	for (unsigned i = 0; i <= IOH_MODEL_MAX_INJECT; i++)
		strcat(text, "inject ice\n");
	{
		char all[2048];

		snprintf(all, sizeof(all), TWO_DEVS("%s"), text);
		CHECK(ioh_scenario_parse(ctx, all, "f.scn", &s) != IOH_OK);
		CHECK_CONTAINS(ioh_get_err(ctx), "more than 8");
	}
	CHECK_EQ(ioh_scenario_parse(ctx, TWO_DEVS("inject ite after=1600 nth=2 times=always\n"
						  "inject iqe desc=pc\n"),
				    "f.scn", &s),
		 IOH_OK);
	CHECK_EQ(s->n_inject, 2);
	CHECK_EQ(s->inject[0].fault, IOH_QI_ITE);
	CHECK_EQ(s->inject[0].desc, IOH_QI_DESC_DEVTLB);
	CHECK_EQ(s->inject[0].nth, 2);
	CHECK_EQ(s->inject[0].after, 1600);
	CHECK_EQ(s->inject[0].times, 0);
	CHECK_EQ(s->inject[1].desc, IOH_QI_DESC_PC);
	CHECK_EQ(s->inject[1].times, 1);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
}

TEST(model_fault_run_reports_the_failed_attach)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS("inject ite after=1600 times=always\n"));
	struct ioh_model_summary sum;
	struct ioh_model_device nic, nvme;

	CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	ioh_model_device_report(m, 0, &nic);
	ioh_model_device_report(m, 1, &nvme);
	CHECK_EQ(sum.attach_failures, 1);
	CHECK_EQ(nic.attach_status, IOH_ERR_TIMEOUT);
	CHECK_CONTAINS(nic.attach_error, "nic: attach 03:00.0");
	CHECK_CONTAINS(nic.attach_error, "(ITE)");
	CHECK_EQ(nic.teardown_done_at, -1);
	CHECK_EQ(nvme.attach_status, IOH_OK);
	CHECK_STREQ(nvme.attach_error, "");
	CHECK(nvme.teardown_done_at >= 0);
	CHECK_EQ(sum.entries_taken_over, 1);
	CHECK_EQ(sum.torn_fetches + sum.stale_uses + sum.torn_setup, 0);
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

/*
 * Every descriptor the handover sends after the copy, each fault in turn,
 * per device and batched: the run finishes, nothing tears or goes stale,
 * and no copied entry is zeroed before its invalidation completed.
 */
static void sweep(const char *strategy, const char *mode)
{
	static const char *const faults[] = { "iqe", "ite", "ice", "iqe desc=wait",
					      "iqe desc=cc", "ite times=always" };
	unsigned runs = 0, failed = 0;

	for (size_t k = 0; k < IOH_ARRAY_SIZE(faults); k++)
		for (unsigned nth = 1; nth <= 12; nth++) {
			ioh_ctx *ctx = ioh_ctx_new();
			char text[1024], extra[160];
			ioh_model *m;
			struct ioh_model_summary sum;

			snprintf(extra, sizeof(extra), "strategy %s\ninject %s after=1600 nth=%u\n",
				 strategy, faults[k], nth);
			snprintf(text, sizeof(text), TWO_DEVS("%s"), extra);
			if (mode) {
				char *at = strstr(text, "mode=legacy");
				char rest[1024];

				if (at) {
					snprintf(rest, sizeof(rest), "%s", at + strlen("mode=legacy"));
					snprintf(at, sizeof(text) - (size_t)(at - text), "mode=%s%s",
						 mode, rest);
				}
			}
			m = model_from(ctx, text);
			if (!m) {
				ioh_ctx_free(ctx);
				continue;
			}
			CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s: %s", extra, ioh_get_err(ctx));
			ioh_model_summary(m, &sum);
			CHECK_MSG(sum.torn_fetches + sum.stale_uses + sum.torn_setup == 0, "%s", extra);
			for (unsigned d = 0; d < 2; d++) {
				struct ioh_model_device r;
				struct ioh_attach a;
				ioh_handover *ho = ioh_model_handover(m, 0);

				ioh_model_attach_req(m, d, &a);
				check_no_early_zero(ioh_handover_events(ho),
						    ioh_handover_entry_addr(ho, a.sid), a.sid, extra);
				ioh_model_device_report(m, d, &r);
				CHECK_MSG((r.attach_status == IOH_OK) == (r.teardown_done_at >= 0),
					  "%s: device %u: attach %d, teardown at %lld", extra, d,
					  r.attach_status, (long long)r.teardown_done_at);
				if (r.attach_status != IOH_OK)
					CHECK_MSG(strstr(r.attach_error, "(IQE)") ||
							  strstr(r.attach_error, "(ITE)"),
						  "%s: '%s' names no fault", extra, r.attach_error);
			}
			failed += sum.attach_failures;
			runs++;
			ioh_model_free(m);
			ioh_ctx_free(ctx);
		}
	printf("  %s%s%s: %u runs with an injected queue fault, %u attaches failed safely\n",
	       strategy, mode ? ", " : "", mode ? mode : "", runs, failed);
	CHECK(failed > 0);
}

/* At the copy step the capture kernel cannot go on: the run stops, naming the fault. */
TEST(model_fault_during_copy_stops_the_run)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_model *m = model_from(ctx, TWO_DEVS("inject iqe desc=iotlb\n"));

	CHECK_EQ(ioh_model_run(m), IOH_ERR_HW);
	CHECK_CONTAINS(ioh_get_err(ctx), "copy: global invalidation");
	CHECK_CONTAINS(ioh_get_err(ctx), "(iotlb,");
	CHECK_CONTAINS(ioh_get_err(ctx), "(IQE)");
	ioh_model_free(m);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(model_fault_sweep_present_first, 120)
{
	sweep("present-first", NULL);
}

TEST_TIMEOUT(model_fault_sweep_batched, 120)
{
	sweep("batched", NULL);
}

TEST_TIMEOUT(model_fault_sweep_scalable, 120)
{
	sweep("present-first", "scalable");
}

/* The example in docs/scenario-format.md says what it does. */
TEST(model_fault_docs_example)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t len = 0;
	char *doc = ioh_test_slurp(ioh_test_src("docs/scenario-format.md"), &len);
	char *start, *end;
	ioh_model *m;
	struct ioh_model_summary sum;
	struct ioh_model_device nic, nvme;

	CHECK(doc != NULL);
	if (!doc)
		return;
	start = strstr(doc, "<!-- example: qi-faults -->\n```\n");
	CHECK(start != NULL);
	if (!start) {
		free(doc);
		return;
	}
	start = strchr(strchr(start, '\n') + 1, '\n') + 1;
	end = strstr(start, "```");
	CHECK(end != NULL);
	*end = 0;
	m = model_from(ctx, start);
	CHECK_MSG(ioh_model_run(m) == IOH_OK, "%s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	ioh_model_device_report(m, 0, &nic);
	ioh_model_device_report(m, 1, &nvme);
	CHECK_EQ(sum.qi_iqe, 1);
	CHECK_EQ(sum.qi_ite, 4);
	CHECK_EQ(sum.qi_resubmits, 3);
	CHECK_EQ(sum.attach_failures, 2);
	CHECK_CONTAINS(nic.attach_error, "(ITE)");
	CHECK_CONTAINS(nvme.attach_error, "(IQE)");
	CHECK_CONTAINS(nvme.attach_error, "(iotlb,");
	CHECK_EQ(sum.torn_fetches + sum.stale_uses, 0);
	ioh_model_free(m);
	free(doc);
	ioh_ctx_free(ctx);
}
