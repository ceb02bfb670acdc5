/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hardware faults during the handover. The engine is driven through a
 * hardware of our own (struct ioh_hw_ops over a flat memory) that fails the
 * Nth call of any one operation: an invalidation queue error (IQE) on an
 * invalidation, an invalidation time-out (ITE) on the wait, a store, flush,
 * page allocation or root-pointer write that fails. Whatever fails, the
 * engine stops with a message naming the device and the fault, returns in
 * a bounded number of operations, and never zeroes a copied entry unless a
 * wait completed after its Present bit was cleared and its invalidations
 * were queued. Once the fault clears, a retry finishes the takeover.
 *
 * The hardware model (ioh/model.h) is used for the faults that need a
 * device behind them: an invalidation queue that stops (no wait ever
 * completes), a fault-recording overflow (PFO), and a device that never
 * stops DMA.
 */
#include <ioh/handover.h>
#include <ioh/model.h>

#include "harness.h"
#include "internal.h"

/* ---- a hardware that fails on request ---- */

#define FMEM (1u << 20) /* 1 MiB of physical memory */
#define OLD_ROOT 0x1000
#define OLD_CTX 0x2000
#define MAX_OPS 100000

enum fop { F_READ, F_WRITE, F_WMB, F_FLUSH, F_ALLOC, F_ROOT, F_INV_CC, F_INV_PC, F_INV_IOTLB,
	   F_INV_DEVTLB, F_WAIT, F__COUNT };
static const char *const fop_name[] = {"read64", "write64", "wmb", "clflush", "alloc_page",
				       "set_root", "inv_context", "inv_pasid", "inv_iotlb",
				       "inv_devtlb", "wait"};

/* A copied entry's life, as the hardware sees it. */
struct slot {
	uint64_t pa;
	uint64_t p_cleared_at; /* op number; 0 = P still set */
	uint64_t inv_at;       /* last context invalidation after the P clear */
	bool zeroed_safely, zeroed_unsafely;
};

struct fhw {
	ioh_ctx *ctx;
	uint64_t mem[FMEM / 8];
	uint64_t next_page;
	uint64_t ops, calls[F__COUNT];
	enum fop fail_op;
	uint64_t fail_nth; /* fail the nth call of fail_op; 0 = never */
	ioh_status fail_st;
	bool failed;
	uint64_t last_wait_done;
	struct slot slot[8];
	unsigned nslots;
};

static ioh_status step(struct fhw *h, enum fop op)
{
	h->ops++;
	if (h->ops > MAX_OPS)
		return ioh_err(h->ctx, IOH_ERR_LIMIT, "test hardware: more than %u operations", MAX_OPS);
	if (++h->calls[op] == h->fail_nth && op == h->fail_op) {
		h->failed = true;
		if (op == F_WAIT && h->fail_st == IOH_ERR_TIMEOUT)
			return ioh_err(h->ctx, IOH_ERR_TIMEOUT,
				       "invalidation time-out error (ITE) in FSTS");
		if (h->fail_st == IOH_ERR_HW)
			return ioh_err(h->ctx, IOH_ERR_HW, "invalidation queue error (IQE) at %s",
				       fop_name[op]);
		return ioh_err(h->ctx, h->fail_st, "injected %s failure", fop_name[op]);
	}
	return IOH_OK;
}

static struct slot *slot_at(struct fhw *h, uint64_t pa)
{
	for (unsigned i = 0; i < h->nslots; i++)
		if (pa == h->slot[i].pa || pa == h->slot[i].pa + 8)
			return &h->slot[i];
	return NULL;
}

static ioh_status f_read(void *hw, uint64_t pa, uint64_t *v)
{
	struct fhw *h = hw;

	if (step(h, F_READ))
		return ioh_err_wrap(h->ctx, IOH_ERR_HW, "read 0x%llx", (unsigned long long)pa);
	if (pa + 8 > FMEM || pa % 8)
		return ioh_err(h->ctx, IOH_ERR_NODATA, "0x%llx: outside memory", (unsigned long long)pa);
	*v = h->mem[pa / 8];
	return IOH_OK;
}

static ioh_status f_write(void *hw, uint64_t pa, uint64_t v)
{
	struct fhw *h = hw;
	struct slot *s = slot_at(h, pa);
	ioh_status st = step(h, F_WRITE);

	if (st)
		return st;
	if (pa + 8 > FMEM || pa % 8)
		return ioh_err(h->ctx, IOH_ERR_NODATA, "0x%llx: outside memory", (unsigned long long)pa);
	if (s && pa == s->pa && !(v & 1) && (h->mem[pa / 8] & 1) && !s->p_cleared_at)
		s->p_cleared_at = h->ops;
	if (s && v == 0 && (h->mem[s->pa / 8] | h->mem[s->pa / 8 + 1])) {
		/* zeroing a copied entry: safe only after P clear -> invalidate -> wait done */
		bool safe = s->p_cleared_at && s->inv_at > s->p_cleared_at &&
			    h->last_wait_done > s->inv_at;
		if (safe)
			s->zeroed_safely = true;
		else
			s->zeroed_unsafely = true;
	}
	h->mem[pa / 8] = v;
	return IOH_OK;
}

static ioh_status f_wmb(void *hw)
{
	return step(hw, F_WMB);
}

static ioh_status f_flush(void *hw, uint64_t pa)
{
	(void)pa;
	return step(hw, F_FLUSH);
}

static ioh_status f_alloc(void *hw, uint64_t *pa)
{
	struct fhw *h = hw;
	ioh_status st = step(h, F_ALLOC);

	if (st)
		return st;
	if (h->next_page + 4096 > FMEM)
		return ioh_err(h->ctx, IOH_ERR_NOMEM, "test hardware: memory full");
	*pa = h->next_page;
	h->next_page += 4096;
	memset(&h->mem[*pa / 8], 0, 4096);
	return IOH_OK;
}

static ioh_status f_root(void *hw, uint64_t rt)
{
	(void)rt;
	return step(hw, F_ROOT);
}

static void note_inv(struct fhw *h)
{
	for (unsigned i = 0; i < h->nslots; i++)
		if (h->slot[i].p_cleared_at)
			h->slot[i].inv_at = h->ops;
}

static ioh_status f_inv_cc(void *hw, enum ioh_inv_gran g, uint16_t did, uint16_t sid)
{
	struct fhw *h = hw;
	ioh_status st = step(h, F_INV_CC);

	(void)g, (void)did, (void)sid;
	if (!st)
		note_inv(h);
	return st;
}

static ioh_status f_inv_pc(void *hw, enum ioh_inv_gran g, uint16_t did, uint32_t pasid)
{
	(void)g, (void)did, (void)pasid;
	return step(hw, F_INV_PC);
}

static ioh_status f_inv_iotlb(void *hw, enum ioh_inv_gran g, uint16_t did, bool dr, bool dw)
{
	(void)g, (void)did, (void)dr, (void)dw;
	return step(hw, F_INV_IOTLB);
}

static ioh_status f_inv_devtlb(void *hw, uint16_t sid)
{
	(void)sid;
	return step(hw, F_INV_DEVTLB);
}

static ioh_status f_wait(void *hw)
{
	struct fhw *h = hw;
	ioh_status st = step(h, F_WAIT);

	if (!st)
		h->last_wait_done = h->ops;
	return st;
}

static const struct ioh_hw_ops fops = {
	.read64 = f_read, .write64 = f_write, .wmb = f_wmb, .clflush = f_flush,
	.alloc_page = f_alloc, .set_root = f_root, .inv_context = f_inv_cc,
	.inv_pasid = f_inv_pc, .inv_iotlb = f_inv_iotlb, .inv_devtlb = f_inv_devtlb,
	.wait = f_wait,
};

/* Three devices on bus 0 (00:02.0, 00:03.0 with ATS, 00:04.0), legacy tables. */
static const uint16_t sids[] = {0x0010, 0x0018, 0x0020};

static void fhw_init(struct fhw *h, ioh_ctx *ctx)
{
	memset(h, 0, sizeof(*h));
	h->ctx = ctx;
	h->next_page = 0x10000;
	h->mem[OLD_ROOT / 8] = OLD_CTX | 1;
	for (unsigned i = 0; i < 3; i++) {
		/* P, TT 0, SLPTPTR 0x5000 | AW 2 (4-level), DID 1+i */
		h->mem[(OLD_CTX + 16 * (sids[i] & 0xff)) / 8] = 0x5001;
		h->mem[(OLD_CTX + 16 * (sids[i] & 0xff)) / 8 + 1] = 0x2 | (uint64_t)(1 + i) << 8;
	}
}

/* After the copy: track the copied entries the engine will tear down. */
static void fhw_track(struct fhw *h, ioh_handover *ho)
{
	h->nslots = 0;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t pa = ioh_handover_entry_addr(ho, sids[i]);

		CHECK(pa);
		h->slot[h->nslots++] = (struct slot){.pa = pa};
	}
}

static ioh_handover *engine(ioh_ctx *ctx, struct fhw *h, enum ioh_strategy s)
{
	struct ioh_handover_cfg cfg = {.mode = IOH_VTD_LEGACY, .strategy = s};
	/* CAP: SAGAW 4-level, ND 2; ECAP: QI, DT (device-TLB) */
	cfg.cap = 0x4 << 8 | 0x2;
	cfg.ecap = 1u << 1 | 1u << 2;
	return ioh_handover_new(ctx, &cfg, &fops, h);
}

static void attach_reqs(struct ioh_attach a[3])
{
	for (unsigned i = 0; i < 3; i++)
		a[i] = (struct ioh_attach){.sid = sids[i], .ats = i == 1, .setup = i != 2,
					   .did = (uint16_t)(10 + i), .slptptr = 0x9000, .aw = 2};
}

/* Runs copy + attaches (one by one, or batched) with one injected fault. */
static void run_with_fault(enum ioh_strategy strat, bool batch, enum fop op, uint64_t nth,
			   ioh_status fail_st)
{
	ioh_ctx *ctx = ioh_ctx_new();
	static struct fhw h;
	ioh_handover *ho;
	struct ioh_attach a[3];
	ioh_status st;
	const char *what = fop_name[op];

	fhw_init(&h, ctx);
	h.fail_op = op;
	h.fail_nth = nth;
	h.fail_st = fail_st;
	ho = engine(ctx, &h, strat);
	CHECK(ho);
	attach_reqs(a);
	st = ioh_handover_copy(ho, OLD_ROOT);
	if (st == IOH_OK) {
		fhw_track(&h, ho);
		if (batch) {
			st = ioh_handover_attach_batch(ho, a, 3);
		} else {
			for (unsigned i = 0; i < 3 && st == IOH_OK; i++)
				st = ioh_handover_attach(ho, &a[i]);
		}
	}
	CHECK_MSG(h.ops <= MAX_OPS, "%s #%llu: %llu operations: a loop", what,
		  (unsigned long long)nth, (unsigned long long)h.ops);
	if (h.failed) {
		/* a failed read of the old tables is the dump's problem: NODATA, message kept */
		CHECK_MSG(st == fail_st || (op == F_READ && st != IOH_OK),
			  "%s #%llu (%s): engine returned %d, hardware said %d", what,
			  (unsigned long long)nth, ioh_strategy_name(strat), st, fail_st);
		CHECK_MSG(strstr(ioh_get_err(ctx), fail_st == IOH_ERR_TIMEOUT && op == F_WAIT ? "ITE"
						   : fail_st == IOH_ERR_HW		   ? "IQE"
											   : "injected"),
			  "%s #%llu: the fault is not in the message: '%s'", what,
			  (unsigned long long)nth, ioh_get_err(ctx));
		if (h.nslots)
			CHECK_MSG(strstr(ioh_get_err(ctx), "attach") || strstr(ioh_get_err(ctx), "batch"),
				  "%s #%llu: message does not say which takeover: '%s'", what,
				  (unsigned long long)nth, ioh_get_err(ctx));
	} else {
		CHECK_MSG(st == IOH_OK, "no fault injected but status %d: %s", st, ioh_get_err(ctx));
	}
	for (unsigned i = 0; i < h.nslots; i++)
		CHECK_MSG(!h.slot[i].zeroed_unsafely,
			  "%s #%llu (%s%s): entry %u zeroed before its invalidation completed", what,
			  (unsigned long long)nth, ioh_strategy_name(strat), batch ? ", batched" : "",
			  i);

	/* the fault clears: a retry completes every takeover, each entry zeroed safely */
	if (h.failed && h.nslots) {
		h.fail_nth = 0;
		st = batch ? ioh_handover_attach_batch(ho, a, 3) : IOH_OK;
		for (unsigned i = 0; !batch && i < 3 && st == IOH_OK; i++)
			st = ioh_handover_attach(ho, &a[i]);
		CHECK_MSG(st == IOH_OK, "%s #%llu: retry failed: %s", what, (unsigned long long)nth,
			  ioh_get_err(ctx));
		for (unsigned i = 0; i < 3; i++) {
			CHECK_MSG(!ioh_handover_is_copied(ho, sids[i]),
				  "%s #%llu: %04x still copied after the retry", what,
				  (unsigned long long)nth, sids[i]);
			CHECK(!h.slot[i].zeroed_unsafely);
		}
	}
	ioh_handover_free(ho);
	ioh_ctx_free(ctx);
}

static void every_fault(enum ioh_strategy strat, bool batch)
{
	static const struct {
		enum fop op;
		ioh_status st;
	} faults[] = {
		{F_INV_CC, IOH_ERR_HW},	    {F_INV_IOTLB, IOH_ERR_HW}, {F_INV_DEVTLB, IOH_ERR_HW},
		{F_WAIT, IOH_ERR_TIMEOUT},  {F_WAIT, IOH_ERR_HW},      {F_WRITE, IOH_ERR_SYSTEM},
		{F_FLUSH, IOH_ERR_SYSTEM},  {F_WMB, IOH_ERR_SYSTEM},   {F_ALLOC, IOH_ERR_NOMEM},
		{F_ROOT, IOH_ERR_TIMEOUT},  {F_READ, IOH_ERR_HW},
	};
	unsigned runs = 0;

	for (size_t f = 0; f < IOH_ARRAY_SIZE(faults); f++)
		for (uint64_t nth = 1; nth <= 12; nth++, runs++)
			run_with_fault(strat, batch, faults[f].op, nth, faults[f].st);
	printf("  %s%s: %u runs with one injected fault each\n", ioh_strategy_name(strat),
	       batch ? " via attach_batch" : "", runs);
}

TEST(faults_engine_present_first)
{
	every_fault(IOH_STRAT_PRESENT_FIRST, false);
}

TEST(faults_engine_batched)
{
	every_fault(IOH_STRAT_BATCHED, true);
}

/* The checker can fail: the unsafe orders zero entries before any wait, with no fault at all. */
TEST(faults_checker_sees_unsafe_zeroing)
{
	enum ioh_strategy unsafe[] = {IOH_STRAT_ZERO, IOH_STRAT_CLEAR_P_NOWAIT};

	for (size_t k = 0; k < IOH_ARRAY_SIZE(unsafe); k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		static struct fhw h;
		ioh_handover *ho;
		struct ioh_attach a[3];
		bool unsafe_seen = false;

		fhw_init(&h, ctx);
		ho = engine(ctx, &h, unsafe[k]);
		attach_reqs(a);
		CHECK_EQ(ioh_handover_copy(ho, OLD_ROOT), IOH_OK);
		fhw_track(&h, ho);
		for (unsigned i = 0; i < 3; i++)
			CHECK_EQ(ioh_handover_attach(ho, &a[i]), IOH_OK);
		for (unsigned i = 0; i < 3; i++)
			unsafe_seen |= h.slot[i].zeroed_unsafely;
		CHECK_MSG(unsafe_seen, "%s: zeroing before the wait went unnoticed",
			  ioh_strategy_name(unsafe[k]));
		ioh_handover_free(ho);
		ioh_ctx_free(ctx);
	}
}

/* ---- the model: a queue the hardware cannot read, overflowing faults, endless DMA ---- */

static struct ioh_scenario *scenario(ioh_ctx *ctx, const char *text)
{
	struct ioh_scenario *s = NULL;

	CHECK_MSG(ioh_scenario_parse(ctx, text, "faults.scn", &s) == IOH_OK, "%s",
		  ioh_get_err(ctx));
	return s;
}

TEST_TIMEOUT(faults_model_stalled_queue_times_out, 60)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s = scenario(ctx, "scenario iqe\n"
					       "iommu dmar0 mode=legacy\n"
					       "device nic 0000:03:00.0 did=3 rate=200 iova=0xfff00000 "
					       "len=0x10000 stop=never attach=2000\n"
					       "strategy present-first\n"
					       "schedule crash=100 copy=200 end=3000\n");
	ioh_model *m = NULL;
	struct ioh_attach a;
	uint64_t pa, lo = 0, hi = 0;
	ioh_handover *ho;
	ioh_status st;

	CHECK_EQ(ioh_model_new(ctx, s, &m), IOH_OK);
	CHECK_EQ(ioh_model_run_until(m, 100), IOH_OK);
	ioh_model_crash(m);
	ho = ioh_model_handover(m, 0);
	CHECK_EQ(ioh_handover_copy(ho, ioh_model_old_rtaddr(m, 0)), IOH_OK);
	ioh_model_attach_req(m, 0, &a);
	pa = ioh_handover_entry_addr(ho, a.sid);
	CHECK(pa && ioh_handover_is_copied(ho, a.sid));
	/*
	 * Queued invalidation switched off under the engine (GCMD.QIE cleared, TE kept): the
	 * hardware stops fetching descriptors, so no invalidation and no wait ever completes.
	 * (The model's own IQE/ITE/ICE injection is tested in test-model-faults.c.)
	 */
	ioh_model_reg_write(m, 0, IOH_VTD_REG_GCMD, IOH_VTD_GCMD_TE);
	CHECK(!(ioh_model_reg_read(m, 0, IOH_VTD_REG_GSTS) & IOH_VTD_GCMD_QIE));
	st = ioh_handover_attach(ho, &a);
	CHECK_MSG(st == IOH_ERR_TIMEOUT, "attach with a stalled queue: %d (%s)", st,
		  ioh_get_err(ctx));
	printf("  model, stalled queue: %s\n", ioh_get_err(ctx));
	CHECK_CONTAINS(ioh_get_err(ctx), "attach 03:00.0");
	/* not zeroed: P cleared at most, the rest of the copied entry still there */
	CHECK_EQ(ioh_model_mem_read(m, pa, &lo), IOH_OK);
	CHECK_EQ(ioh_model_mem_read(m, pa + 8, &hi), IOH_OK);
	CHECK_MSG(hi != 0 && (lo & ~1ull) != 0, "entry zeroed after a failed invalidation: %llx %llx",
		  (unsigned long long)lo, (unsigned long long)hi);
	CHECK(ioh_handover_is_copied(ho, a.sid));
	ioh_model_free(m);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(faults_model_pfo_and_endless_dma, 120)
{
	ioh_ctx *ctx = ioh_ctx_new();
	/* two devices DMA for ever; nobody services the fault records: they overflow */
	struct ioh_scenario *s = scenario(ctx, "scenario pfo\n"
					       "iommu dmar0 mode=legacy\n"
					       "device nic 0000:03:00.0 did=3 rate=500 iova=0xfff00000 "
					       "len=0x10000 write=100 stop=never attach=1500\n"
					       "device gpu 0000:04:00.0 did=4 rate=500 iova=0xffe00000 "
					       "len=0x10000 stop=never attach=never\n"
					       "strategy present-first\n"
					       "schedule crash=500 copy=1000 end=6000\n"
					       "fault-service 0\n");
	ioh_model *m = NULL;
	struct ioh_model_summary sum;
	struct ioh_model_device d;

	CHECK_EQ(ioh_model_new(ctx, s, &m), IOH_OK);
	CHECK_MSG(ioh_model_run(m) == IOH_OK, "run: %s", ioh_get_err(ctx));
	ioh_model_summary(m, &sum);
	printf("  model PFO: %llu faults, %llu recorded, %llu lost to overflow, %llu steps\n",
	       (unsigned long long)sum.faults, (unsigned long long)sum.faults_recorded,
	       (unsigned long long)sum.faults_overflow, (unsigned long long)sum.steps);
	CHECK(sum.faults > 0);
	CHECK_MSG(sum.faults_overflow > 0, "no fault lost to overflow with nobody servicing them");
	CHECK(ioh_model_reg_read(m, 0, IOH_VTD_REG_FSTS) & IOH_VTD_FSTS_PFO);
	CHECK_EQ(sum.torn_fetches, 0);
	CHECK_EQ(sum.stale_uses, 0);
	CHECK(sum.devices_in_flight == 2);
	ioh_model_device_report(m, 0, &d);
	CHECK(d.teardown_done_at >= 0); /* the endless DMA did not stop the takeover */
	CHECK(d.dma_after_teardown > 0);
	ioh_model_free(m);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
}
