/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hardware model's private structures. */
#ifndef IOH_MODEL_INTERNAL_H
#define IOH_MODEL_INTERNAL_H

#include <ioh/model.h>

#include "handover-internal.h"
#include "internal.h"

/* ---- mem.c: sparse simulated physical memory, 4 KiB pages ---- */

struct ioh_mem {
	uint64_t *pfn;	 /* open addressing: pfn + 1, 0 = empty */
	uint8_t **page;
	size_t cap, n, max_pages;
	uint64_t next;	 /* next page handed out by alloc */
};

int ioh_mem_init(struct ioh_mem *m, size_t max_pages);
void ioh_mem_fini(struct ioh_mem *m);
/* 0 on success, -1 when pa is not backed (reads) or the page bound is hit (writes). */
int ioh_mem_read64(const struct ioh_mem *m, uint64_t pa, uint64_t *v);
int ioh_mem_write64(struct ioh_mem *m, uint64_t pa, uint64_t v);
/* A zeroed page, backed; 0 on success. */
int ioh_mem_alloc(struct ioh_mem *m, uint64_t *pa);

/* ---- rng.c-like helper (splitmix64): the model's only randomness ---- */

static inline uint64_t ioh_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static inline uint64_t ioh_rng_below(uint64_t *s, uint64_t n)
{
	return n ? ioh_rng_next(s) % n : 0;
}

/* ---- model.c ---- */

struct cc_ent {
	bool valid;
	uint16_t sid;
	uint16_t did;	  /* legacy: the entry's DID; scalable: 0 */
	uint64_t q[2];
};

struct pc_ent {
	bool valid;
	uint16_t sid;
	uint32_t pasid;
	uint16_t did;
	uint64_t q[2];	  /* qw0, qw1 of the PASID entry */
};

struct tlb_ent {
	bool valid;
	uint16_t did;
	uint64_t vpn;
	uint64_t hpa;	  /* host page */
	uint8_t perm;	  /* bit0 read, bit1 write */
};

/* An entry the engine writes while it may be live: what was whole, when it was handed back. */
struct slot {
	uint64_t pa;
	uint16_t sid;
	unsigned iommu;
	unsigned n_whole;
	uint64_t whole[4][2];
	uint64_t old[2];
	bool done;
	uint64_t done_at;
};

/* One injected queue fault as the hardware counts descriptors. */
struct qi_inject {
	struct ioh_qi_inject f;
	uint64_t seen;	  /* matching descriptors fetched so far */
};

#define QI_BATCH_MAX 64

struct drhd {
	struct ioh_model *m;
	unsigned index;
	struct ioh_scn_iommu cfg;
	struct ioh_vtd_cap cap;
	struct ioh_vtd_ecap ecap;
	uint64_t rtaddr, rta_live;  /* register / latched by SRTP */
	uint32_t gcmd, gsts, fsts, fectl;
	uint64_t ccmd, iotlb_reg;
	uint64_t iqa, iqh, iqt;
	uint32_t ics;
	uint64_t *frcd;		    /* 2 * nfr qwords */
	unsigned nfr, fri;
	struct cc_ent *cc;
	unsigned cc_next;
	struct pc_ent *pc;
	unsigned pc_next;
	struct tlb_ent *tlb;
	unsigned tlb_next;
	uint64_t status_pa;	    /* where the ops' wait descriptors write */
	uint32_t status_seq;
	uint64_t old_rtaddr;
	ioh_handover *ho;
	/* Injected queue faults (ioh_model_inject) and their hardware state. */
	struct qi_inject inj[IOH_MODEL_MAX_INJECT];
	unsigned n_inj;
	bool head_counted;	    /* the descriptor at IQH was counted for injection */
	uint64_t ite_deadline;	    /* step an unanswered device-TLB invalidation times out; 0 none */
	uint16_t ite_sid;	    /* ... the device it went to */
	uint64_t iqercd;	    /* IQ error info: ICESID, ITESID, IQEI */
	uint16_t ite_sid_seen;	    /* the driver's copy of ITESID, read before clearing ITE */
	unsigned waits_pending;	    /* wait descriptors fetched, held until earlier ones complete */
	/* The driver side: descriptors since the last completed wait, to resubmit after ITE. */
	uint64_t batch[QI_BATCH_MAX][2];
	unsigned n_batch;
	bool batch_ite;		    /* an ITE was seen (and cleared) while this batch was out */
};

/* A fetch in progress: the first word is read, the second is due later. */
struct fetch {
	bool active;
	bool hi_first;
	bool pre_inv;	  /* an invalidation covering it was processed: must drain, not cache */
	uint64_t due;
	uint64_t pa;
	uint64_t first;
	uint64_t iova;
	bool write;
};

struct devtlb_ent {
	bool valid;
	bool via_old;	  /* filled through the copied entry */
	uint64_t vpn, hpa;
};

#define DEVTLB_SIZE 4

struct agent {
	struct ioh_scn_device cfg;
	unsigned index;
	uint64_t next_dma;
	uint64_t rng;
	struct fetch f;
	struct devtlb_ent devtlb[DEVTLB_SIZE];
	struct ioh_model_device rep;
	uint64_t stop_t;  /* first step it no longer issues DMA */
	bool attached;
};

/* A line of the CPU cache holding stores the IOMMU cannot see yet. */
#define CPU_LINES 256
struct cline {
	bool valid;
	uint64_t pa;	  /* 64-byte aligned */
	uint64_t q[8];
};

struct ioh_model {
	ioh_ctx *ctx;
	struct ioh_scenario scn;
	struct ioh_mem mem;
	struct drhd drhd[IOH_SCN_MAX_IOMMUS];
	struct agent agent[IOH_SCN_MAX_DEVICES];
	struct slot *slots;
	size_t n_slots, cap_slots;
	uint32_t *slot_hash;	/* open addressing over slot pa: index + 1 */
	size_t slot_hash_cap;
	struct ioh_event_log *log;
	uint64_t t;
	uint64_t rng;
	bool crashed;
	uint64_t copy_started;
	bool copy_done;
	struct ioh_model_summary sum;
	uint64_t last_service;
	struct cline lines[CPU_LINES];
	unsigned n_lines;
	unsigned last_fault;	/* reason of the latest faulting request */
	uint64_t last_hpa;	/* host address of the latest translation */
};

void ioh_model_event(struct ioh_model *m, struct ioh_event *ev);
void ioh_model_world_step(struct ioh_model *m);
struct slot *ioh_model_slot(struct ioh_model *m, uint64_t pa);
struct slot *ioh_model_slot_add(struct ioh_model *m, uint64_t pa);
void ioh_drhd_process_queue(struct drhd *d);
void ioh_drhd_cc_invalidate(struct drhd *d, unsigned gran, uint16_t did, uint16_t sid, unsigned fm);
void ioh_drhd_pc_invalidate(struct drhd *d, unsigned gran, uint16_t did, uint32_t pasid);
void ioh_drhd_iotlb_invalidate(struct drhd *d, unsigned gran, uint16_t did);
void ioh_drhd_devtlb_invalidate(struct drhd *d, uint16_t sid);
extern const struct ioh_hw_ops ioh_model_hw_ops;

/* Is a fetched value torn (P set, never whole)? P is bit 0 of the low word in every format. */
static inline bool ioh_slot_torn(const struct slot *s, const uint64_t v[2])
{
	if (!s || !(v[0] & 1))
		return false;
	for (unsigned i = 0; i < s->n_whole; i++)
		if (s->whole[i][0] == v[0] && s->whole[i][1] == v[1])
			return false;
	return true;
}

#endif
