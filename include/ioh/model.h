/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A VT-d hardware model to run the handover engine against: simulated
 * physical memory, DRHDs with the registers that matter, context cache,
 * PASID cache and IOTLB, an invalidation queue (whose IQE, ITE and ICE can
 * be injected), fault recording, and one DMA agent per device. Ways to
 * drive it:
 *   - seeded random interleavings of CPU and hardware (ioh_model_run),
 *   - exhaustive exploration of a small configuration, of context or PASID
 *     entries (ioh_explore), or seeded random walks of it (ioh_explore_random),
 *   - real threads on this machine's memory (ioh_threads_run).
 *
 * Torn fetch: the hardware fetched an entry whose Present bit is set but
 * whose value was never a whole entry (neither the copied entry nor one the
 * engine published). Stale use: a translation through a copied entry after
 * its teardown completed.
 */
#ifndef IOH_MODEL_H
#define IOH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/handover.h>
#include <ioh/ioh.h>
#include <ioh/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The order in which the hardware reads the two 64-bit words of an entry. */
enum ioh_fetch_order {
	IOH_FETCH_LO_HI,  /* low word first */
	IOH_FETCH_HI_LO,  /* high word first */
	IOH_FETCH_ANY,	  /* either, per fetch */
	IOH_FETCH_ATOMIC, /* one 128-bit read */
	IOH_FETCH__COUNT
};
const char *ioh_fetch_order_name(enum ioh_fetch_order o); /* "lo-hi", "hi-lo", "any", "atomic" */
int ioh_fetch_order_parse(const char *s, enum ioh_fetch_order *out);

/* ---- invalidation queue faults the model can inject ---- */

enum ioh_qi_fault {
	IOH_QI_IQE, /* the descriptor is invalid when fetched: FSTS.IQE, IQH stays on it, queue stops */
	IOH_QI_ITE, /* a device-TLB invalidation is never answered: FSTS.ITE after the time-out,
		       IQH past it, pending waits abandoned (status never written), queue stops */
	IOH_QI_ICE, /* an invalid device-TLB invalidation completion: FSTS.ICE, queue goes on */
	IOH_QI__COUNT
};
const char *ioh_qi_fault_name(enum ioh_qi_fault f); /* "iqe", "ite", "ice" */
int ioh_qi_fault_parse(const char *s, enum ioh_qi_fault *out);

/* Descriptor types (low 4 bits of a queued invalidation descriptor). */
#define IOH_QI_DESC_ANY 0
#define IOH_QI_DESC_CC 1     /* context-cache invalidation */
#define IOH_QI_DESC_IOTLB 2
#define IOH_QI_DESC_DEVTLB 3
#define IOH_QI_DESC_WAIT 5
#define IOH_QI_DESC_PC 7     /* PASID-cache invalidation */
const char *ioh_qi_desc_name(unsigned type); /* "cc", "iotlb", "devtlb", "wait", "pc", "any" */

/*
 * Which descriptors a fault hits: of those of type desc (IOH_QI_DESC_ANY:
 * every type; ITE and ICE need IOH_QI_DESC_DEVTLB) that IOMMU iommu fetches
 * at or after step `after`, the nth (from 1) and the times - 1 after it
 * (times 0: every one from the nth on).
 */
struct ioh_qi_inject {
	enum ioh_qi_fault fault;
	unsigned iommu;
	unsigned desc;
	uint64_t nth;
	uint64_t after;
	unsigned times;
};

#define IOH_MODEL_MAX_INJECT 8

/*
 * The IQ error info register the model has besides vtd.h's: ICESID 63:48,
 * ITESID 47:32 (source IDs of the ICE / ITE), IQEI 3:0 (why IQE: 2 descriptor
 * fetch failed, 3 invalid type, 4 reserved field set).
 */
#define IOH_MODEL_REG_IQERCD 0xb0

/* ---- scenarios (docs/scenario-format.md) ---- */

#define IOH_SCN_MAX_IOMMUS 8
#define IOH_SCN_MAX_DEVICES 64

struct ioh_scn_iommu {
	char name[16];
	enum ioh_vtd_mode mode;
	uint64_t cap, ecap;	 /* raw registers as the model advertises them */
	unsigned cc_size;	 /* context-cache entries */
	unsigned pc_size;	 /* PASID-cache entries */
	unsigned iotlb_size;	 /* IOTLB entries */
	unsigned extra_entries;	 /* extra copied entries with no device behind them */
};

enum ioh_dma_stop {
	IOH_DMA_STOP_CRASH, /* quiet from the crash on */
	IOH_DMA_STOP_RESET, /* until its driver resets it (its attach) */
	IOH_DMA_STOP_AT,    /* until step stop_at */
	IOH_DMA_STOP_NEVER, /* not even a reset stops it */
};

struct ioh_scn_device {
	char name[16];
	struct ioh_bdf bdf;
	unsigned iommu;	    /* index into iommus[] */
	uint16_t did;	    /* the crashed kernel's domain ID */
	bool ats;
	bool fpd;	    /* the copied context entry has FPD set */
	unsigned rate;	    /* DMA requests per 1000 steps; 0 = idle */
	uint64_t iova, len; /* the range the crashed kernel mapped and the device uses */
	unsigned write_pct; /* share of writes, percent */
	enum ioh_dma_stop stop;
	uint64_t stop_at;
	int64_t attach_at;  /* step its driver attaches; -1 = never */
};

struct ioh_scenario {
	char name[64];
	char file[256];	  /* where it came from, "" for built-in */
	unsigned n_iommus, n_devices;
	struct ioh_scn_iommu iommus[IOH_SCN_MAX_IOMMUS];
	struct ioh_scn_device devices[IOH_SCN_MAX_DEVICES];
	enum ioh_strategy strategy;
	enum ioh_fetch_order fetch_order;
	uint64_t seed;
	uint64_t crash_at, copy_at, end_at;
	unsigned fetch_latency;	 /* max steps between the two reads of a fetch */
	unsigned cpu_gap;	 /* max hardware steps between two CPU steps */
	unsigned fault_service;	 /* capture kernel clears fault records every N steps; 0 never */
	size_t max_events;	 /* event log bound */
	bool setup_drain;	 /* engine: drain before setting P of a new entry */
	unsigned n_inject;	 /* 'inject' lines: faults the model injects */
	struct ioh_qi_inject inject[IOH_MODEL_MAX_INJECT];
	bool explore_pasid;	 /* 'explore-entry pasid': the explorer tears PASID entries down */
	unsigned explore_pgtt;	 /* 'explore-pgtt': their PGTT (0 = first-level) */
};

/* Parses text; fname is used in messages ("file:line: what"). */
ioh_status ioh_scenario_parse(ioh_ctx *ctx, const char *text, const char *fname,
			      struct ioh_scenario **out);
ioh_status ioh_scenario_load(ioh_ctx *ctx, const char *path, struct ioh_scenario **out);
/* The built-in realistic server: NIC receiving, NVMe with queued I/O, USB polling, idle GPU. */
ioh_status ioh_scenario_default(ioh_ctx *ctx, struct ioh_scenario **out);
const char *ioh_scenario_default_text(void);
void ioh_scenario_free(struct ioh_scenario *s);

/* ---- the model ---- */

typedef struct ioh_model ioh_model;

/* Builds the crashed kernel's state: tables, page tables, TE on, agents ready. */
ioh_status ioh_model_new(ioh_ctx *ctx, const struct ioh_scenario *scn, ioh_model **out);
void ioh_model_free(ioh_model *m);

/* The whole schedule: run, crash, copy, attaches, end. */
ioh_status ioh_model_run(ioh_model *m);

/* Finer steps, for tests and benchmarks. */
ioh_status ioh_model_run_until(ioh_model *m, uint64_t t); /* hardware and agents only */
void ioh_model_crash(ioh_model *m);
uint64_t ioh_model_now(const ioh_model *m);
/* The engine of IOMMU i (created at ioh_model_new, copy not yet run). */
ioh_handover *ioh_model_handover(ioh_model *m, unsigned iommu);
/* Old RTADDR the crashed kernel left in IOMMU i. */
uint64_t ioh_model_old_rtaddr(const ioh_model *m, unsigned iommu);
/* The attach request the scenario implies for device d. */
void ioh_model_attach_req(const ioh_model *m, unsigned dev, struct ioh_attach *a);
/*
 * One DMA by device dev, translated now with an atomic fetch. Returns the
 * fault reason (0 = translated, host address in *hpa).
 */
unsigned ioh_model_dma(ioh_model *m, unsigned dev, uint64_t iova, bool write, uint64_t *hpa);
/* Register access, as a driver would (offsets from vtd.h). */
uint64_t ioh_model_reg_read(ioh_model *m, unsigned iommu, unsigned off);
void ioh_model_reg_write(ioh_model *m, unsigned iommu, unsigned off, uint64_t val);
/* Cached context entries / IOTLB entries currently valid in IOMMU i. */
unsigned ioh_model_cc_count(const ioh_model *m, unsigned iommu);
unsigned ioh_model_iotlb_count(const ioh_model *m, unsigned iommu);
/*
 * A CPU store / cache-line flush as the capture kernel makes them. With
 * ECAP.C=0 on IOMMU i the store stays in the CPU cache, which the IOMMU does
 * not snoop, until the line is flushed or evicted.
 */
ioh_status ioh_model_cpu_write(ioh_model *m, unsigned iommu, uint64_t pa, uint64_t val);
void ioh_model_cpu_flush(ioh_model *m, uint64_t pa);
/*
 * Arms a queue fault (at most IOH_MODEL_MAX_INJECT per IOMMU). The model's
 * queue driver (the ops the engine calls) recovers as Linux does: for IQE it
 * overwrites the rejected descriptor with a no-op and clears IQE, and the
 * operation fails (IOH_ERR_HW); for ITE it clears ITE and resubmits what the
 * abandoned wait covered, up to 3 times, then fails (IOH_ERR_TIMEOUT); ICE is
 * cleared and counted. Either failure stops the engine's handshake before it
 * zeroes anything.
 */
ioh_status ioh_model_inject(ioh_model *m, const struct ioh_qi_inject *f);
/* Physical memory as the hardware sees it, for tests. */
ioh_status ioh_model_mem_read(ioh_model *m, uint64_t pa, uint64_t *val);
ioh_status ioh_model_mem_write(ioh_model *m, uint64_t pa, uint64_t val);

struct ioh_model_summary {
	uint64_t steps;
	uint64_t torn_fetches;		/* torn while a copied entry was torn down */
	uint64_t torn_setup;		/* torn while the new entry was set up */
	uint64_t stale_uses;
	uint64_t dma, translations, fetches;
	uint64_t faults;		/* faulting requests, all reasons */
	uint64_t faults_recorded;	/* ... that reached a fault recording register */
	uint64_t faults_overflow;	/* ... lost to primary fault overflow */
	uint64_t faults_fpd;		/* ... suppressed by FPD */
	uint64_t waits, invalidations;	/* engine totals over all IOMMUs */
	uint64_t entries_taken_over;
	unsigned devices_in_flight;
	uint64_t qi_iqe, qi_ite, qi_ice;	/* queue errors the hardware raised */
	uint64_t qi_resubmits;		/* batches the driver resubmitted after ITE */
	unsigned attach_failures;	/* attaches that stopped with an error (see devices) */
};
void ioh_model_summary(const ioh_model *m, struct ioh_model_summary *s);

struct ioh_model_device {
	const char *name;
	struct ioh_bdf bdf;
	bool in_flight_dma;	      /* issued DMA after the crash */
	uint64_t dma_before_crash;
	uint64_t dma_after_crash;
	uint64_t dma_during_handover; /* after the copy step, before its teardown finished */
	uint64_t dma_after_teardown;
	uint64_t first_after_crash, last_after_crash; /* steps, valid if dma_after_crash */
	uint64_t torn_fetches, torn_setup, stale_uses;
	uint64_t faults;
	uint64_t fault_by_reason[256];
	int64_t teardown_done_at;     /* -1 if never torn down */
	ioh_status attach_status;     /* of its attach in ioh_model_run; IOH_OK if none */
	char attach_error[256];	      /* ... and the message, "" if none */
};
unsigned ioh_model_device_count(const ioh_model *m);
void ioh_model_device_report(const ioh_model *m, unsigned dev, struct ioh_model_device *out);

/* Every step of CPU, IOMMUs and devices, in time order. */
const struct ioh_event_log *ioh_model_events(const ioh_model *m);

/* ---- exhaustive exploration ---- */

/*
 * What is torn down. Context entries: the engine's own program (128 bits,
 * fetched as two 64-bit reads). PASID entries (scalable mode, CVE-2026-45894):
 * 512 bits, fetched as four 128-bit bursts, torn down by Linux's PASID code:
 * zero-lo-hi is intel_pasid_clear_entry() as it was (qw0..qw7 zeroed with P
 * set, then the invalidations), zero the same in either store order,
 * present-first is the fixed intel_pasid_tear_down_entry() (clear P, barrier,
 * PASID-selective PASID-cache invalidation, PASID-based or domain IOTLB
 * invalidation per PGTT, wait, then zero), batched that handshake for all
 * entries at once, clear-p-nowait zeroes before the wait.
 */
enum ioh_explore_target {
	IOH_XT_CONTEXT,
	IOH_XT_PASID,
	IOH_XT__COUNT
};
const char *ioh_explore_target_name(enum ioh_explore_target t); /* "context", "pasid" */
int ioh_explore_target_parse(const char *s, enum ioh_explore_target *out);
const char *ioh_pgtt_name(unsigned pgtt); /* "first-level", "second-level", "nested", "pass-through" */
int ioh_pgtt_parse(const char *s, unsigned *out);

struct ioh_explore_cfg {
	enum ioh_vtd_mode mode;
	enum ioh_strategy strategy;
	enum ioh_fetch_order order;
	unsigned entries;    /* copied entries torn down, 1..8 */
	unsigned agents;     /* DMA agents, 1..4; entry i belongs to agent i % agents */
	bool cm;	     /* caching mode: not-present entries are cached too */
	bool setup;	     /* also set the new entry up after each teardown */
	bool setup_drain;    /* ... with the engine's drain before P */
	uint64_t max_states; /* 0 = 4M */
	enum ioh_explore_target target; /* context entries (default) or PASID entries */
	unsigned pgtt;	     /* PASID entries: IOH_VTD_PGTT_*; 0 = first-level only */
};

struct ioh_explore_result {
	bool violation;
	uint64_t torn, stale;	   /* 1 in the violating state, else 0 */
	uint64_t states, transitions;
	unsigned depth;		   /* BFS depth reached (counterexample length on violation) */
	double seconds;
	struct ioh_event *trace;   /* shortest counterexample, steps in order */
	size_t trace_len;
	uint64_t torn_value[8];	   /* the torn entry as fetched (2 or 8 qwords) */
	unsigned torn_qwords;	   /* 0 unless torn */
	uint64_t walks, violating_walks; /* ioh_explore_random only */
};

/* Explores every interleaving of the engine's teardown with the agents' fetches. */
ioh_status ioh_explore(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
		       struct ioh_explore_result *res);
/* The CPU program the engine produces for cfg (malloc'd; caller frees). */
ioh_status ioh_explore_plan(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg, bool zero_hi_first,
			    struct ioh_event **steps, size_t *n);
/* Explores a given program (e.g. an edited plan) under cfg. */
ioh_status ioh_explore_steps(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg,
			     const struct ioh_event *const *plans, const size_t *plan_len,
			     unsigned n_plans, struct ioh_explore_result *res);
/*
 * Seeded random walks over the same transitions instead of all of them: for
 * configurations too large to enumerate. Each walk runs the program to its
 * end and a few steps past it; trace is the first violating walk (not the
 * shortest). states and transitions count steps taken.
 */
ioh_status ioh_explore_random(ioh_ctx *ctx, const struct ioh_explore_cfg *cfg, uint64_t seed,
			      uint64_t walks, struct ioh_explore_result *res);
void ioh_explore_result_free(struct ioh_explore_result *res);

/* ---- real threads ---- */

struct ioh_threads_cfg {
	enum ioh_strategy strategy;
	enum ioh_fetch_order order; /* atomic is not available here */
	unsigned fetchers;	    /* hardware-fetcher threads, 1..8 */
	double seconds;		    /* wall time bound */
	uint64_t max_rounds;	    /* 0 = only the time bound */
	unsigned fetch_delay;	    /* spin iterations between the two reads */
};

struct ioh_threads_result {
	uint64_t rounds;	/* teardowns done by the writer */
	uint64_t fetches;
	uint64_t torn;
	uint64_t torn_example[2];
	double seconds;
};
ioh_status ioh_threads_run(ioh_ctx *ctx, const struct ioh_threads_cfg *cfg,
			   struct ioh_threads_result *res);

#ifdef __cplusplus
}
#endif
#endif
