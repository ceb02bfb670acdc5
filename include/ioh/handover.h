/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handover engine: a kdump capture kernel's takeover of the VT-d
 * context entries copied from the crashed kernel.
 *
 * The engine touches hardware only through struct ioh_hw_ops (one 64-bit
 * store, a write barrier, a cache-line flush, the invalidations and the
 * invalidation wait). The hardware model (ioh/model.h) implements it; a
 * kernel could too. Every step the engine takes is recorded as an event,
 * so a run can be reported, traced and drawn.
 *
 * Strategies (how a copied, present entry is torn down):
 *   present-first   clear P, barrier, flush, invalidate (context cache,
 *                   PASID cache in scalable mode, IOTLB, device-TLB), wait,
 *                   then zero the entry: the fixed Linux order.
 *   batched         the same handshake for many entries of one IOMMU: clear
 *                   every P, one barrier, one global set of invalidations,
 *                   one wait, then zero them all.
 *   zero            UNSAFE: both words zeroed while P may be set, in either
 *                   order (a compiler may emit the two stores either way),
 *                   then invalidate and wait (Linux before the fix).
 *   zero-lo-hi      UNSAFE: as zero, low word first.
 *   clear-p-nowait  UNSAFE: clear P and queue the invalidations, but zero
 *                   the entry before waiting for them.
 */
#ifndef IOH_HANDOVER_H
#define IOH_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ioh/ioh.h>
#include <ioh/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- events: one per step, for reports, traces and timelines ---- */

enum ioh_lane {
	IOH_LANE_CPU,	 /* the capture kernel (the engine) */
	IOH_LANE_IOMMU,	 /* the remapping hardware: fetches, caches, faults */
	IOH_LANE_DEVICE, /* a device's DMA */
};

enum ioh_event_kind {
	/* CPU lane: what the engine did */
	IOH_EV_WRITE,	      /* one 64-bit store: addr, half, val[0] */
	IOH_EV_WMB,	      /* write barrier (dma_wmb) */
	IOH_EV_CLFLUSH,	      /* cache-line flush of addr */
	IOH_EV_INV_CONTEXT,   /* context-cache invalidation: gran, did, sid */
	IOH_EV_INV_PASID,     /* PASID-cache invalidation: gran, did */
	IOH_EV_INV_IOTLB,     /* IOTLB invalidation: gran, did; val[0] bit0 DR, bit1 DW */
	IOH_EV_INV_DEVTLB,    /* device-TLB invalidation: sid */
	IOH_EV_WAIT,	      /* invalidation wait submitted */
	IOH_EV_WAIT_DONE,     /* ... and completed */
	IOH_EV_SRTP,	      /* root table pointer set: val[0] = RTADDR */
	IOH_EV_COPIED,	      /* copy step kept an entry: sid, did, addr = new slot, val = entry */
	IOH_EV_TEARDOWN,      /* teardown of a copied entry begins: sid, addr, val = old entry */
	IOH_EV_TEARDOWN_DONE, /* the copied entry is no longer the hardware's: sid, addr */
	IOH_EV_PUBLISH,	      /* a new entry is whole and present: sid, addr, val */
	IOH_EV_CRASH,	      /* the crashed kernel stops */
	IOH_EV_FAULT_SERVICE, /* the capture kernel cleared the fault records */
	IOH_EV_WRITEBACK,     /* a dirty CPU cache line reached memory (ECAP.C=0): addr */
	/* IOMMU lane: what the hardware did */
	IOH_EV_FETCH_HALF,    /* one 64-bit read of an entry: addr, half, val[0] */
	IOH_EV_FETCH,	      /* an entry fetch completed: sid, addr, val (as seen) */
	IOH_EV_CACHE_HIT,     /* context-cache hit: sid, val */
	IOH_EV_TORN,	      /* fetched entry has P set but was never whole: sid, addr, val */
	IOH_EV_STALE,	      /* translation through a torn-down entry after its teardown */
	IOH_EV_FAULT,	      /* fault recorded: sid, reason, addr = IOVA */
	IOH_EV_FAULT_LOST,    /* fault not recorded: overflow (val[0]=1) or FPD (val[0]=2) */
	IOH_EV_TRANSLATE,     /* DMA translated: addr = IOVA, val[0] = host address */
	/* device lane */
	IOH_EV_DMA,	      /* device issued a request: sid, addr = IOVA, val[0] 1 = write */
	IOH_EV__COUNT
};

struct ioh_event {
	uint64_t t;		  /* logical step */
	enum ioh_lane lane;
	unsigned lane_id;	  /* device index (DEVICE lane), IOMMU index otherwise */
	enum ioh_event_kind kind;
	int half;		  /* 0 = low word (qw0), 1 = high (qw1), -1 = whole/none */
	uint16_t sid, did;
	uint8_t gran;		  /* enum ioh_inv_gran for invalidations */
	uint8_t reason;		  /* fault reason */
	uint64_t addr;		  /* physical address of the entry, or IOVA */
	uint64_t val[2];	  /* value written or seen */
};

const char *ioh_event_kind_name(enum ioh_event_kind k); /* "write", "fetch-half", ... */
const char *ioh_lane_name(enum ioh_lane l);		 /* "cpu", "iommu", "device" */
/* One line of text, no newline: "t=12 cpu write 0x1000040 lo=0x...". Returns buf. */
char *ioh_event_format(const struct ioh_event *ev, char *buf, size_t len);

/* A growable, bounded event log. Borrowed events stay valid until the log is freed. */
struct ioh_event_log;
size_t ioh_event_log_count(const struct ioh_event_log *l);
const struct ioh_event *ioh_event_log_get(const struct ioh_event_log *l, size_t i);
/* Events not stored because the log reached its bound. */
uint64_t ioh_event_log_dropped(const struct ioh_event_log *l);

/* Iterator over a log: for (ioh_event_iter_init(&it, log); (ev = ioh_event_iter_next(&it));) */
struct ioh_event_iter {
	const struct ioh_event_log *log;
	size_t i;
};
void ioh_event_iter_init(struct ioh_event_iter *it, const struct ioh_event_log *log);
const struct ioh_event *ioh_event_iter_next(struct ioh_event_iter *it);

/* ---- the hardware interface ---- */

enum ioh_inv_gran {
	IOH_INV_GLOBAL = 1,
	IOH_INV_DOMAIN = 2,
	IOH_INV_DEVICE = 3, /* context cache: device-selective; PASID cache: PASID-selective */
};

/*
 * What the engine needs from hardware. All return IOH_OK or a status; a
 * failing op stops the operation and its message is wrapped by the engine.
 * Addresses are host physical.
 */
struct ioh_hw_ops {
	ioh_status (*read64)(void *hw, uint64_t pa, uint64_t *val);
	ioh_status (*write64)(void *hw, uint64_t pa, uint64_t val);
	ioh_status (*wmb)(void *hw);
	ioh_status (*clflush)(void *hw, uint64_t pa);
	/* A zeroed 4 KiB page for the capture kernel's tables. */
	ioh_status (*alloc_page)(void *hw, uint64_t *pa);
	/* RTADDR write + GCMD.SRTP, returning once GSTS.RTPS is set. */
	ioh_status (*set_root)(void *hw, uint64_t rtaddr);
	ioh_status (*inv_context)(void *hw, enum ioh_inv_gran g, uint16_t did, uint16_t sid);
	ioh_status (*inv_pasid)(void *hw, enum ioh_inv_gran g, uint16_t did, uint32_t pasid);
	ioh_status (*inv_iotlb)(void *hw, enum ioh_inv_gran g, uint16_t did, bool dr, bool dw);
	ioh_status (*inv_devtlb)(void *hw, uint16_t sid);
	/* Invalidation wait descriptor: returns when all earlier ones completed. */
	ioh_status (*wait)(void *hw);
	/* Optional: sees every engine event as it happens (markers included). */
	void (*note)(void *hw, const struct ioh_event *ev);
};

/* ---- strategies ---- */

enum ioh_strategy {
	IOH_STRAT_PRESENT_FIRST,
	IOH_STRAT_BATCHED,
	IOH_STRAT_ZERO,
	IOH_STRAT_ZERO_LO_HI,
	IOH_STRAT_CLEAR_P_NOWAIT,
	IOH_STRAT__COUNT
};
const char *ioh_strategy_name(enum ioh_strategy s); /* "present-first", ... */
int ioh_strategy_parse(const char *s, enum ioh_strategy *out); /* 0 or -1 */
bool ioh_strategy_is_safe(enum ioh_strategy s);

/* ---- the engine ---- */

typedef struct ioh_handover ioh_handover;

struct ioh_handover_cfg {
	enum ioh_vtd_mode mode;	   /* legacy or scalable (RTADDR.TTM of the capture kernel) */
	uint64_t cap, ecap;	   /* raw CAP / ECAP registers */
	enum ioh_strategy strategy;
	bool zero_hi_first;	   /* order the zero strategy's stores take in this run */
	/*
	 * Linux sets P right after the other fields and a barrier. Hardware that
	 * reads the high word first can still pair the old high word with the
	 * new P; setup_drain adds a context-cache invalidation and wait before P.
	 */
	bool setup_drain;
	unsigned index;		   /* IOMMU number, for events */
	size_t max_events;	   /* event log bound; 0 = 1M */
};

ioh_handover *ioh_handover_new(ioh_ctx *ctx, const struct ioh_handover_cfg *cfg,
			       const struct ioh_hw_ops *ops, void *hw);
void ioh_handover_free(ioh_handover *ho);

/*
 * The copy step: reads the crashed kernel's root table at old_rtaddr,
 * copies every present context entry into new tables, marks it copied,
 * reserves its domain ID, points RTADDR at the new root table and, unless
 * CAP.ESRTPS, issues global invalidations and waits.
 */
ioh_status ioh_handover_copy(ioh_handover *ho, uint64_t old_rtaddr);

/* What a driver attach asks for: the device and its new domain. */
struct ioh_attach {
	uint16_t sid;	    /* bus << 8 | devfn */
	bool ats;	    /* device-TLB in use: device-TLB invalidation needed */
	bool setup;	    /* false: tear the copied entry down, set nothing up */
	uint16_t did;	    /* new domain ID */
	uint64_t slptptr;   /* legacy: second-level page table of the new domain */
	unsigned aw;	    /* legacy: address width encoding (2 = 48-bit, 4 levels) */
	uint64_t pasid_dir; /* scalable: PASID directory */
	unsigned pdts;	    /* scalable: directory size encoding */
};

/* One driver attaching: Present-first (or the configured unsafe) teardown, then setup. */
ioh_status ioh_handover_attach(ioh_handover *ho, const struct ioh_attach *a);
/* Many at once: the batched handshake with strategy batched, else one by one. */
ioh_status ioh_handover_attach_batch(ioh_handover *ho, const struct ioh_attach *a, size_t n);

bool ioh_handover_is_copied(const ioh_handover *ho, uint16_t sid);
bool ioh_handover_did_reserved(const ioh_handover *ho, uint16_t did);
/* Physical address of the context entry for sid in the capture kernel's tables, 0 if none. */
uint64_t ioh_handover_entry_addr(const ioh_handover *ho, uint16_t sid);
uint64_t ioh_handover_root(const ioh_handover *ho);

struct ioh_handover_stats {
	uint64_t copied;	/* context entries copied */
	uint64_t torn_down;	/* copied entries taken over */
	uint64_t writes, barriers, flushes;
	uint64_t invalidations; /* descriptors of every kind */
	uint64_t waits;
};
void ioh_handover_stats(const ioh_handover *ho, struct ioh_handover_stats *st);

const struct ioh_event_log *ioh_handover_events(const ioh_handover *ho);

#ifdef __cplusplus
}
#endif
#endif
