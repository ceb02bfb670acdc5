/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A VT-d hardware model to run the handover engine against: simulated
 * physical memory, DRHDs with the registers that matter, context cache,
 * PASID cache and IOTLB, an invalidation queue, fault recording, and one
 * DMA agent per device. Three ways to drive it:
 *   - seeded random interleavings of CPU and hardware (ioh_model_run),
 *   - exhaustive exploration of a small configuration (ioh_explore),
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
};
unsigned ioh_model_device_count(const ioh_model *m);
void ioh_model_device_report(const ioh_model *m, unsigned dev, struct ioh_model_device *out);

/* Every step of CPU, IOMMUs and devices, in time order. */
const struct ioh_event_log *ioh_model_events(const ioh_model *m);

/* ---- exhaustive exploration ---- */

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
};

struct ioh_explore_result {
	bool violation;
	uint64_t torn, stale;	   /* 1 in the violating state, else 0 */
	uint64_t states, transitions;
	unsigned depth;		   /* BFS depth reached (counterexample length on violation) */
	double seconds;
	struct ioh_event *trace;   /* shortest counterexample, steps in order */
	size_t trace_len;
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
