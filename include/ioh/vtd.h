/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VT-d data structures: registers, root/context/PASID entries, fault
 * reasons. Pure functions, no I/O, no allocation.
 *
 * Bit positions follow the VT-d specification (see docs/design.md for the
 * sources). Every decoded struct keeps the reserved bits it saw in rsvd[],
 * so decode followed by encode reproduces the raw entry exactly, whatever
 * the input; validate reports what must be zero but is not.
 */
#ifndef IOH_VTD_H
#define IOH_VTD_H

#include <stdbool.h>
#include <stdint.h>

#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- problems: a bounded list of what is wrong, with the field named ---- */

#define IOH_PROBLEMS_MAX 16

struct ioh_problem {
	char field[24]; /* spec term, lower case: "aw", "rsvd_hi", "slptptr" */
	char what[104];
};

struct ioh_problems {
	unsigned n;	  /* entries filled in p[] */
	unsigned dropped; /* problems found beyond IOH_PROBLEMS_MAX */
	struct ioh_problem p[IOH_PROBLEMS_MAX];
};

void ioh_problems_init(struct ioh_problems *pr);
void ioh_problems_add(struct ioh_problems *pr, const char *field, const char *fmt, ...)
	IOH_PRINTF(3, 4);
static inline unsigned ioh_problems_count(const struct ioh_problems *pr)
{
	return pr->n + pr->dropped;
}

/* ---- translation table mode (RTADDR.TTM) ---- */

enum ioh_vtd_mode {
	IOH_VTD_LEGACY = 0,
	IOH_VTD_SCALABLE = 1,
	IOH_VTD_TTM_RESERVED = 2,
	IOH_VTD_ABORT_DMA = 3,
};

const char *ioh_vtd_mode_name(enum ioh_vtd_mode m); /* "legacy", "scalable", ... */
/* Parses "legacy"/"scalable"; returns 0 or -1. */
int ioh_vtd_mode_parse(const char *s, enum ioh_vtd_mode *out);

/* Bits of a physical address that a host with this address width can hold. */
static inline uint64_t ioh_vtd_haw_mask(unsigned haw)
{
	return haw >= 64 ? ~0ULL : ((1ULL << haw) - 1);
}

/* ---- registers (offsets from the DRHD base) ---- */

#define IOH_VTD_REG_VER 0x00
#define IOH_VTD_REG_CAP 0x08
#define IOH_VTD_REG_ECAP 0x10
#define IOH_VTD_REG_GCMD 0x18
#define IOH_VTD_REG_GSTS 0x1c
#define IOH_VTD_REG_RTADDR 0x20
#define IOH_VTD_REG_CCMD 0x28
#define IOH_VTD_REG_FSTS 0x34
#define IOH_VTD_REG_FECTL 0x38
#define IOH_VTD_REG_IQH 0x80
#define IOH_VTD_REG_IQT 0x88
#define IOH_VTD_REG_IQA 0x90
#define IOH_VTD_REG_ICS 0x9c

/* GCMD command bits and the GSTS status bits at the same positions. */
#define IOH_VTD_GCMD_TE (1u << 31)
#define IOH_VTD_GCMD_SRTP (1u << 30)
#define IOH_VTD_GCMD_SFL (1u << 29)
#define IOH_VTD_GCMD_EAFL (1u << 28)
#define IOH_VTD_GCMD_WBF (1u << 27)
#define IOH_VTD_GCMD_QIE (1u << 26)
#define IOH_VTD_GCMD_IRE (1u << 25)
#define IOH_VTD_GCMD_SIRTP (1u << 24)
#define IOH_VTD_GCMD_CFI (1u << 23)

/* FSTS */
#define IOH_VTD_FSTS_PFO (1u << 0)
#define IOH_VTD_FSTS_PPF (1u << 1)
#define IOH_VTD_FSTS_IQE (1u << 4)
#define IOH_VTD_FSTS_ICE (1u << 5)
#define IOH_VTD_FSTS_ITE (1u << 6)
#define IOH_VTD_FSTS_PRO (1u << 7)
#define IOH_VTD_FSTS_FRI(v) (((v) >> 8) & 0xff)

/* CCMD context-command register */
#define IOH_VTD_CCMD_ICC (1ULL << 63)
#define IOH_VTD_CCMD_CIRG_SHIFT 61 /* 1 global, 2 domain, 3 device */
#define IOH_VTD_CCMD_CAIG_SHIFT 59
#define IOH_VTD_CCMD_FM_SHIFT 32
#define IOH_VTD_CCMD_SID_SHIFT 16

/* IOTLB invalidate register (at ECAP.IRO * 16 + 8) */
#define IOH_VTD_IOTLB_IVT (1ULL << 63)
#define IOH_VTD_IOTLB_IIRG_SHIFT 60 /* 1 global, 2 DSI, 3 PSI */
#define IOH_VTD_IOTLB_IAIG_SHIFT 57
#define IOH_VTD_IOTLB_DR (1ULL << 49)
#define IOH_VTD_IOTLB_DW (1ULL << 48)
#define IOH_VTD_IOTLB_DID_SHIFT 32

struct ioh_vtd_rtaddr {
	uint64_t rta;		/* root table address, bits 63:12 */
	enum ioh_vtd_mode ttm;	/* bits 11:10 */
	uint64_t rsvd;		/* bits 9:0 */
};
void ioh_vtd_rtaddr_decode(uint64_t raw, struct ioh_vtd_rtaddr *out);
uint64_t ioh_vtd_rtaddr_encode(const struct ioh_vtd_rtaddr *r);
/* Reserved bits, the reserved TTM value, a root table above haw. */
unsigned ioh_vtd_rtaddr_validate(uint64_t raw, unsigned haw, struct ioh_problems *pr);

struct ioh_vtd_cap {
	unsigned nd;	  /* 2:0, number of domains = 2^(4 + 2*nd) */
	bool afl;	  /* 3 */
	bool rwbf;	  /* 4 */
	bool plmr, phmr;  /* 5, 6 */
	bool cm;	  /* 7 caching mode */
	unsigned sagaw;	  /* 12:8 */
	unsigned mgaw;	  /* 21:16, the width is mgaw + 1 */
	bool zlr;	  /* 22 */
	unsigned fro;	  /* 33:24, x16 = byte offset of the fault records */
	unsigned sllps;	  /* 37:34 */
	bool psi;	  /* 39 */
	unsigned nfr;	  /* 47:40, number of fault records = nfr + 1 */
	unsigned mamv;	  /* 53:48 */
	bool dwd, drd;	  /* 54, 55 */
	bool fl1gp;	  /* 56 */
	bool pi;	  /* 59 */
	bool fl5lp;	  /* 60 */
	bool esirtps;	  /* 62 */
	bool esrtps;	  /* 63 */
	uint64_t rsvd;	  /* every other bit, as read: keeps encode(decode(x)) == x */
};
void ioh_vtd_cap_decode(uint64_t raw, struct ioh_vtd_cap *out);
uint64_t ioh_vtd_cap_encode(const struct ioh_vtd_cap *c);
static inline unsigned ioh_vtd_cap_ndoms(const struct ioh_vtd_cap *c)
{
	return 1u << (4 + 2 * (c->nd > 6 ? 6 : c->nd));
}

struct ioh_vtd_ecap {
	bool c;		/* 0 coherent page-walk */
	bool qi;	/* 1 */
	bool dt;	/* 2 device-TLB */
	bool ir;	/* 3 */
	bool eim;	/* 4 */
	bool pt;	/* 6 */
	bool sc;	/* 7 */
	unsigned iro;	/* 17:8, x16 = IOTLB register offset */
	unsigned mhmv;	/* 23:20 */
	bool nest;	/* 26 */
	bool prs;	/* 29 */
	bool ers;	/* 30 */
	bool srs;	/* 31 */
	unsigned pss;	/* 39:35 */
	bool pasid;	/* 40 */
	bool dit;	/* 41 */
	bool pds;	/* 42 */
	bool smts;	/* 43 */
	bool slads;	/* 45 */
	bool slts;	/* 46 */
	bool flts;	/* 47 */
	bool smpwc;	/* 48 */
	bool rps;	/* 49 */
	uint64_t rsvd;	/* every other bit, as read: keeps encode(decode(x)) == x */
};
void ioh_vtd_ecap_decode(uint64_t raw, struct ioh_vtd_ecap *out);
uint64_t ioh_vtd_ecap_encode(const struct ioh_vtd_ecap *e);

/* The arithmetic the spec attaches to CAP/ECAP fields. */
static inline unsigned ioh_vtd_cap_mgaw_bits(const struct ioh_vtd_cap *c)
{
	return c->mgaw + 1;
}
static inline unsigned ioh_vtd_cap_nfr_count(const struct ioh_vtd_cap *c)
{
	return c->nfr + 1;
}
/* Byte offset from the DRHD base of fault recording register i. */
static inline unsigned ioh_vtd_cap_frcd_offset(const struct ioh_vtd_cap *c, unsigned i)
{
	return c->fro * 16 + i * 16;
}
/* SAGAW bit n set means context/PASID AW value n is supported (1: 3-level, 2: 4, 3: 5). */
static inline bool ioh_vtd_cap_sagaw_supports(const struct ioh_vtd_cap *c, unsigned aw)
{
	return aw < 5 && ((c->sagaw >> aw) & 1);
}
/* Byte offset of the IOTLB invalidate register (the IVA register sits 8 below it). */
static inline unsigned ioh_vtd_ecap_iotlb_offset(const struct ioh_vtd_ecap *e)
{
	return e->iro * 16 + 8;
}

/* GSTS (32-bit): the status twin of each GCMD bit. */
struct ioh_vtd_gsts {
	bool tes, rtps, fls, afls, wbfs, qies, ires, irtps, cfis; /* 31 down to 23 */
	uint32_t rsvd;						  /* 22:0 */
};
void ioh_vtd_gsts_decode(uint32_t raw, struct ioh_vtd_gsts *out);
uint32_t ioh_vtd_gsts_encode(const struct ioh_vtd_gsts *g);

/* FSTS (32-bit). */
struct ioh_vtd_fsts {
	bool pfo, ppf, iqe, ice, ite, pro; /* 0, 1, 4, 5, 6, 7 */
	unsigned fri;			   /* 15:8 fault record index */
	uint32_t rsvd;			   /* 31:16, 3:2 */
};
void ioh_vtd_fsts_decode(uint32_t raw, struct ioh_vtd_fsts *out);
uint32_t ioh_vtd_fsts_encode(const struct ioh_vtd_fsts *f);

/* Fault recording register, 128 bits. */
struct ioh_vtd_frcd {
	uint64_t fi;	/* 63:12 faulting page address */
	uint16_t sid;	/* 79:64 */
	bool priv;	/* 93 */
	bool exe;	/* 94 */
	bool pp;	/* 95 PASID present */
	uint8_t fr;	/* 103:96 fault reason */
	uint32_t pv;	/* 123:104 PASID value */
	unsigned at;	/* 125:124 */
	bool t;		/* 126: 1 = read, 0 = write */
	bool f;		/* 127 fault pending */
	uint64_t rsvd[2];
};
void ioh_vtd_frcd_decode(const uint64_t q[2], struct ioh_vtd_frcd *out);
void ioh_vtd_frcd_encode(const struct ioh_vtd_frcd *f, uint64_t q[2]);
/* Reserved bits (11:0, 92:80) and, for a pending record, an undefined reason. */
unsigned ioh_vtd_frcd_validate(const uint64_t q[2], struct ioh_problems *pr);

/* ---- root entries: 128 bits, 256 per 4 KiB table, indexed by bus ---- */

#define IOH_VTD_TABLE_SIZE 4096u

struct ioh_vtd_root {
	bool p;		/* 0 (scalable: LP) */
	uint64_t ctp;	/* 63:12 (scalable: LCTP, devfn 0x00-0x7f) */
	bool up;	/* 64, scalable only */
	uint64_t uctp;	/* 127:76, scalable only (devfn 0x80-0xff) */
	uint64_t rsvd[2];
};
void ioh_vtd_root_decode(const uint64_t q[2], enum ioh_vtd_mode m, struct ioh_vtd_root *out);
void ioh_vtd_root_encode(const struct ioh_vtd_root *r, enum ioh_vtd_mode m, uint64_t q[2]);
/* Returns the number of problems added (reserved bits, addresses above haw). */
unsigned ioh_vtd_root_validate(const uint64_t q[2], enum ioh_vtd_mode m, unsigned haw,
			       struct ioh_problems *pr);

/* ---- legacy context entry: 128 bits, 256 per table, indexed by devfn ---- */

enum ioh_vtd_tt {
	IOH_VTD_TT_MULTI_LEVEL = 0, /* untranslated requests through second-level tables */
	IOH_VTD_TT_DEV_IOTLB = 1,   /* as 0, and translated requests / ATS allowed */
	IOH_VTD_TT_PASS_THROUGH = 2,
	IOH_VTD_TT_RESERVED = 3,
};

struct ioh_vtd_context {
	bool p;		  /* 0 */
	bool fpd;	  /* 1 */
	unsigned tt;	  /* 3:2 */
	uint64_t slptptr; /* 63:12 second-level page-table pointer (ASR) */
	unsigned aw;	  /* 66:64, levels = aw + 2 */
	unsigned avail;	  /* 70:67, ignored by hardware; Linux <6.0 kept "copied" in bit 67 */
	uint16_t did;	  /* 87:72 */
	uint64_t rsvd[2];
};
void ioh_vtd_context_decode(const uint64_t q[2], struct ioh_vtd_context *out);
void ioh_vtd_context_encode(const struct ioh_vtd_context *c, uint64_t q[2]);
unsigned ioh_vtd_context_validate(const uint64_t q[2], unsigned haw, struct ioh_problems *pr);
/* Page-table levels for an AW value, 0 if the encoding is reserved. */
unsigned ioh_vtd_aw_levels(unsigned aw);

/* ---- scalable-mode context entry: 256 bits, 128 per table page ---- */

struct ioh_vtd_sm_context {
	bool p;		      /* 0 */
	bool fpd;	      /* 1 */
	bool dte;	      /* 2 device-TLB enable */
	bool paside;	      /* 3 */
	bool pre;	      /* 4 page-request enable */
	unsigned pdts;	      /* 11:9, directory has 2^(pdts + 7) entries */
	uint64_t pasiddirptr; /* 63:12 */
	uint32_t rid_pasid;   /* 83:64 */
	bool rid_priv;	      /* 84 */
	uint64_t rsvd[4];
};
void ioh_vtd_sm_context_decode(const uint64_t q[4], struct ioh_vtd_sm_context *out);
void ioh_vtd_sm_context_encode(const struct ioh_vtd_sm_context *c, uint64_t q[4]);
unsigned ioh_vtd_sm_context_validate(const uint64_t q[4], unsigned haw, struct ioh_problems *pr);
/* Entries in the PASID directory the context entry points to. */
static inline unsigned ioh_vtd_pdts_entries(unsigned pdts)
{
	return 1u << (pdts + 7);
}

/* ---- PASID directory entry: 64 bits, indexed by PASID[19:6] ---- */

struct ioh_vtd_pasid_dir {
	bool p;		    /* 0 */
	bool fpd;	    /* 1 */
	uint64_t smptblptr; /* 63:12 */
	uint64_t rsvd;
};
void ioh_vtd_pasid_dir_decode(uint64_t raw, struct ioh_vtd_pasid_dir *out);
uint64_t ioh_vtd_pasid_dir_encode(const struct ioh_vtd_pasid_dir *d);
unsigned ioh_vtd_pasid_dir_validate(uint64_t raw, unsigned haw, struct ioh_problems *pr);

/* ---- PASID table entry: 512 bits, 64 per table, indexed by PASID[5:0] ---- */

enum ioh_vtd_pgtt {
	IOH_VTD_PGTT_FL_ONLY = 1,
	IOH_VTD_PGTT_SL_ONLY = 2,
	IOH_VTD_PGTT_NESTED = 3,
	IOH_VTD_PGTT_PT = 4,
};
const char *ioh_vtd_pgtt_name(unsigned pgtt); /* "first-level", ..., "reserved" */

struct ioh_vtd_pasid {
	bool p;		  /* 0 */
	bool fpd;	  /* 1 */
	unsigned aw;	  /* 4:2 */
	bool slee;	  /* 5 */
	unsigned pgtt;	  /* 8:6 */
	bool slade;	  /* 9 */
	uint64_t slptptr; /* 63:12 */
	uint16_t did;	  /* 79:64 */
	bool pwsnp;	  /* 87 */
	bool pgsnp;	  /* 88 */
	bool cd;	  /* 89 */
	bool emte;	  /* 90 */
	unsigned emt;	  /* 93:91 */
	bool pwt, pcd;	  /* 94, 95 */
	uint32_t pat;	  /* 127:96 */
	bool sre;	  /* 128 */
	bool ere;	  /* 129 */
	unsigned flpm;	  /* 131:130, 0 = 4-level, 1 = 5-level */
	bool wpe;	  /* 132 */
	bool nxe;	  /* 133 */
	bool smep;	  /* 134 */
	bool eafe;	  /* 135 */
	uint64_t flptptr; /* 191:140, as an address (bits 63:12) */
	uint64_t rsvd[8];
};
void ioh_vtd_pasid_decode(const uint64_t q[8], struct ioh_vtd_pasid *out);
void ioh_vtd_pasid_encode(const struct ioh_vtd_pasid *e, uint64_t q[8]);
unsigned ioh_vtd_pasid_validate(const uint64_t q[8], unsigned haw, struct ioh_problems *pr);

/* ---- fault reasons ---- */

enum ioh_fault_kind {
	IOH_FAULT_DMA,	    /* legacy-mode DMA remapping, 0x0-0xd (QEMU adds 0xe) */
	IOH_FAULT_IR,	    /* interrupt remapping, 0x20-0x26 */
	IOH_FAULT_SM,	    /* scalable-mode DMA remapping, 0x30-0x90 */
};

struct ioh_fault_reason {
	uint8_t code;
	enum ioh_fault_kind kind;
	bool qualified;	  /* suppressed when the entry's FPD is set */
	const char *name; /* our wording of the condition */
};

/*
 * NULL when the code is not a defined reason. Names are our wording. The
 * qualified flag follows QEMU's table where QEMU implements the code, and
 * otherwise the reading recorded in docs/formats.md: a fault found before
 * an entry carrying FPD was fetched, an error reading a root/context/PASID
 * structure, or reserved bits in one, is never suppressed. For 0x20-0x26
 * the FPD that counts is the IRTE's.
 */
const struct ioh_fault_reason *ioh_fault_reason(unsigned code);
const char *ioh_fault_kind_name(enum ioh_fault_kind k); /* "dma", "ir", "sm" */

#ifdef __cplusplus
}
#endif
#endif
