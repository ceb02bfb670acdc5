/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page-table walks: tests/fixtures/mem/pgwalk.txt trees and the devices of the walker fixtures. */
#include "walk-util.h"

#define MAXR 32

struct ranges {
	unsigned n;
	struct ioh_pg_range r[MAXR];
};

static int keep(void *data, const struct ioh_pg_range *r)
{
	struct ranges *rs = data;

	if (rs->n < MAXR)
		rs->r[rs->n] = *r;
	rs->n++;
	return 0;
}

#define CHECK_RANGE(rr, i, iova_, phys_, size_, perm_)                                 \
	do {                                                                           \
		CHECK_EQ((rr)->r[i].iova, (iova_));                                     \
		CHECK_EQ((rr)->r[i].phys, (phys_));                                     \
		CHECK_EQ((rr)->r[i].size, (size_));                                     \
		CHECK_EQ((rr)->r[i].perm, (perm_));                                     \
	} while (0)

static struct wu *trees(void)
{
	return wu_load("pgwalk.txt", 0, IOH_VTD_LEGACY);
}

static ioh_status pg(struct wu *w, enum ioh_pg_stage stage, uint64_t root, unsigned levels,
		     struct ranges *rr, struct ioh_pg_summary *sum)
{
	memset(rr, 0, sizeof(*rr));
	memset(sum, 0, sizeof(*sum));
	ioh_problems_init(&sum->problems);
	return ioh_pgwalk(w->ctx, &w->cfg, stage, root, levels, 0, keep, rr, sum);
}

TEST(pgwalk_sl_5level_shared_subtree)
{
	struct wu *w = trees();
	struct ranges rr;
	struct ioh_pg_summary s;

	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x100000, 5, &rr, &s), IOH_OK);
	CHECK_EQ(rr.n, 2);
	CHECK_RANGE(&rr, 0, 0, 0x500000, 0x2000, IOH_PG_R | IOH_PG_W);
	CHECK_RANGE(&rr, 1, 1ull << 48, 0x500000, 0x2000, IOH_PG_R | IOH_PG_W);
	CHECK_EQ(rr.r[0].stage, IOH_PG_SECOND_LEVEL);
	CHECK_EQ(s.ranges, 2);
	CHECK_EQ(s.pages, 4);
	CHECK_EQ(s.writable_pages, 4);
	CHECK_EQ(s.tables, 9); /* the shared subtree is read again, not mistaken for a loop */
	CHECK_EQ(s.problems.n, 0);
	/* the same root read as 4-level: every table is taken one level lower, so the
	 * last table pointer (to 0x104000) becomes a 4 KiB leaf */
	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x100000, 4, &rr, &s), IOH_OK);
	CHECK_RANGE(&rr, 0, 0, 0x104000, 0x1000, IOH_PG_R | IOH_PG_W);
	CHECK_EQ(rr.r[1].iova, 1ull << 39);
	wu_free(w);
}

TEST(pgwalk_sl_loops_are_cut)
{
	struct wu *w = trees();
	struct ranges rr;
	struct ioh_pg_summary s;

	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x110000, 4, &rr, &s), IOH_OK);
	CHECK_EQ(rr.n, 1);
	CHECK_RANGE(&rr, 0, 0x8080000000ull, 0x200000, 0x200000, IOH_PG_R | IOH_PG_W);
	CHECK_EQ(s.pages, 512);
	CHECK_EQ(s.tables, 3);
	CHECK_PROBLEM(&s.problems, "loop", "level 3 table 0x110000 (IOVA 0x0) is its own ancestor at level 4");
	CHECK_PROBLEM(&s.problems, "loop", "level 2 table 0x110000 (IOVA 0x8000000000) is its own ancestor at level 4");
	CHECK_PROBLEM(&s.problems, "loop", "level 2 table 0x111000 (IOVA 0x8040000000) is its own ancestor at level 3");
	CHECK_EQ(s.problems.n, 3);
	wu_free(w);
}

TEST(pgwalk_sl_reserved_bits)
{
	struct wu *w = trees();
	struct ranges rr;
	struct ioh_pg_summary s;

	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x120000, 4, &rr, &s), IOH_OK);
	CHECK_EQ(rr.n, 1);
	CHECK_RANGE(&rr, 0, 0x80000000, 0x80000000, 1ull << 30, IOH_PG_R | IOH_PG_W);
	CHECK_PROBLEM(&s.problems, "pte", "level 4 table 0x120000[1] (IOVA 0x8000000000): page size bit");
	CHECK_PROBLEM(&s.problems, "pte", "level 3 table 0x121000[0] (IOVA 0x0): reserved address bits in a large page 0x100000");
	CHECK_PROBLEM(&s.problems, "pte", "[1] (IOVA 0x40000000): address bits above the host address width 0x8000000000");
	CHECK_EQ(s.problems.n, 3);
	/* with a 52-bit HAW the same entry is a table pointer, just not in the dump */
	w->cfg.haw = 52;
	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x120000, 4, &rr, &s), IOH_OK);
	CHECK_PROBLEM(&s.problems, "table", "cannot read level 2 table 0x8000000000");
	wu_free(w);
}

TEST(pgwalk_fl_permissions_canonical_large)
{
	struct wu *w = trees();
	struct ranges rr;
	struct ioh_pg_summary s;
	const uint64_t hi = 0xffff800000000000ull;

	CHECK_EQ(pg(w, IOH_PG_FIRST_LEVEL, 0x130000, 4, &rr, &s), IOH_OK);
	CHECK_EQ(rr.n, 6);
	CHECK_RANGE(&rr, 0, 0, 0x40000000, 1ull << 30, IOH_PG_R | IOH_PG_W | IOH_PG_U);
	CHECK_RANGE(&rr, 1, 0x40000000, 0x700000, 0x2000, IOH_PG_R | IOH_PG_U);
	CHECK_RANGE(&rr, 2, 0x40200000, 0x600000, 0x200000, IOH_PG_R | IOH_PG_U);
	CHECK_RANGE(&rr, 3, hi, 0x40000000, 1ull << 30, IOH_PG_R | IOH_PG_W | IOH_PG_U);
	CHECK_RANGE(&rr, 5, hi + 0x40200000, 0x600000, 0x200000, IOH_PG_R | IOH_PG_U);
	CHECK_EQ(rr.r[0].stage, IOH_PG_FIRST_LEVEL);
	CHECK_EQ(s.writable_pages, 2 * 262144);
	CHECK_PROBLEM(&s.problems, "pte", "level 2 table 0x132000[2] (IOVA 0x40400000): reserved address bits in a large page 0x2000");
	CHECK_EQ(s.problems.n, 2); /* once per path to that PD */
	/* first level has no 3-level format */
	CHECK_EQ(pg(w, IOH_PG_FIRST_LEVEL, 0x130000, 3, &rr, &s), IOH_ERR_INVALID);
	wu_free(w);
}

TEST(pgwalk_budget)
{
	struct wu *w = trees();
	struct ranges rr;
	struct ioh_pg_summary s;

	w->cfg.max_reads = 5; /* the first subtree of A takes 5 reads; the second never starts */
	CHECK_EQ(pg(w, IOH_PG_SECOND_LEVEL, 0x100000, 5, &rr, &s), IOH_ERR_LIMIT);
	CHECK_CONTAINS(ioh_get_err(w->ctx), "read budget of 5 reads exhausted");
	CHECK_EQ(s.reads, 5);
	CHECK_EQ(rr.n, 1); /* what was found is delivered */
	CHECK_RANGE(&rr, 0, 0, 0x500000, 0x2000, IOH_PG_R | IOH_PG_W);
	wu_free(w);
}

/* A 4-level tree where every entry of every table points to one next table: 512^3 paths. */
TEST(pgwalk_fanout_bounded)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = { .haw = 39, .read = ioh_memimg_read, .read_data = m,
				       .max_reads = 1000 };
	struct ioh_pg_summary s = { 0 };

	for (unsigned i = 0; i < 512; i++) {
		CHECK_EQ(ioh_memimg_write_u64(m, 0x1000 + 8 * i, 0x2003), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(m, 0x2000 + 8 * i, 0x3003), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(m, 0x3000 + 8 * i, 0x4003), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(m, 0x4000 + 8 * i, 0x5003), IOH_OK);
	}
	ioh_problems_init(&s.problems);
	CHECK_EQ(ioh_pgwalk(ctx, &cfg, IOH_PG_SECOND_LEVEL, 0x1000, 4, 0, NULL, NULL, &s),
		 IOH_ERR_LIMIT);
	CHECK_EQ(s.reads, 1000);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

static struct ioh_walk_device nested_dev(struct ioh_walk_pasid *p, unsigned pgtt)
{
	struct ioh_walk_device d = { 0 };
	uint64_t q[8] = { 0x140000 | pgtt << 6 | 1 << 2 | 1, 9, 0x1000 };

	d.mode = IOH_VTD_SCALABLE;
	d.present = true;
	memset(p, 0, sizeof(*p));
	memcpy(p->raw, q, sizeof(q));
	ioh_vtd_pasid_decode(q, &p->e);
	ioh_problems_init(&p->problems);
	p->pasid = 3;
	d.pasids = p;
	d.npasids = 1;
	return d;
}

TEST(pgwalk_nested_reports_both_stages)
{
	struct wu *w = trees();
	struct ioh_walk_pasid p;
	struct ioh_walk_device d = nested_dev(&p, IOH_VTD_PGTT_NESTED);
	ioh_rangeset *wr = ioh_rangeset_new(16);
	struct ranges rr = { 0 };
	struct ioh_pg_summary s;
	uint64_t a, n;
	size_t it = 0;

	CHECK_MSG(ioh_walk_mappings(w->ctx, &w->cfg, &d, keep, &rr, wr, &s) == IOH_OK, "%s",
		  ioh_get_err(w->ctx));
	CHECK_EQ(rr.n, 4);
	/* second level: GPA -> HPA */
	CHECK_RANGE(&rr, 0, 0x1000, 0x151000, 0x4000, IOH_PG_R | IOH_PG_W);
	CHECK_RANGE(&rr, 1, 0x10000, 0x160000, 0x1000, IOH_PG_R | IOH_PG_W);
	CHECK_RANGE(&rr, 2, 0x11000, 0x161000, 0x1000, IOH_PG_R);
	CHECK_EQ(rr.r[2].pasid, 3);
	/* first level: IOVA -> GPA, its tables found through the second level */
	CHECK_EQ(rr.r[3].stage, IOH_PG_FIRST_LEVEL);
	CHECK_RANGE(&rr, 3, 0, 0x10000, 0x1000, IOH_PG_R | IOH_PG_W | IOH_PG_U);
	CHECK_EQ(s.reads, 3 + 4 * (3 + 1));
	CHECK_EQ(s.problems.n, 0);
	/* the writable set is in host physical pages, from the second level */
	CHECK_EQ(ioh_rangeset_count(wr), 2);
	CHECK(ioh_rangeset_next(wr, &it, &a, &n));
	CHECK_EQ(a, 0x151000);
	CHECK_EQ(n, 0x4000);
	CHECK(ioh_rangeset_next(wr, &it, &a, &n));
	CHECK_EQ(a, 0x160000);
	CHECK(!ioh_rangeset_next(wr, &it, &a, &n));
	CHECK(!ioh_rangeset_contains(wr, 0x161000));
	ioh_rangeset_free(wr);

	/* first-level only, the same GPA-valued tables read as host addresses: nothing there */
	d = nested_dev(&p, IOH_VTD_PGTT_FL_ONLY);
	CHECK_EQ(ioh_walk_mappings(w->ctx, &w->cfg, &d, NULL, NULL, NULL, &s), IOH_OK);
	CHECK_PROBLEM(&s.problems, "table", "PASID 3: cannot read level 4 table 0x1000");
	wu_free(w);
}

/* Through the walker: legacy devices' mappings and writable sets. */
struct devmaps {
	struct wu *w;
	unsigned n;
	struct ioh_pg_summary s[8];
	uint64_t wbytes[8];
	size_t wranges[8];
	bool checked_contains;
};

static int map_dev(void *data, const struct ioh_walk_device *d)
{
	struct devmaps *dm = data;
	ioh_rangeset *wr = ioh_rangeset_new(64);

	CHECK(dm->n < 8);
	CHECK_MSG(ioh_walk_mappings(dm->w->ctx, &dm->w->cfg, d, NULL, NULL, wr, &dm->s[dm->n]) ==
			  IOH_OK,
		  "%s", ioh_get_err(dm->w->ctx));
	dm->wbytes[dm->n] = ioh_rangeset_bytes(wr);
	dm->wranges[dm->n] = ioh_rangeset_count(wr);
	if (d->bdf.devfn == 0x10 && d->mode == IOH_VTD_LEGACY) {
		CHECK(ioh_rangeset_contains(wr, 0xa1fff));
		CHECK(!ioh_rangeset_contains(wr, 0xa2000)); /* read-only page */
		CHECK(ioh_rangeset_contains(wr, 0x7fffffff));
		dm->checked_contains = true;
	}
	ioh_rangeset_free(wr);
	dm->n++;
	return 0;
}

TEST(pgwalk_legacy_devices_writable_sets)
{
	struct devmaps dm = { 0 };
	struct ioh_walk_ops ops = { NULL, map_dev };

	dm.w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);
	CHECK_EQ(ioh_walk(dm.w->ctx, &dm.w->cfg, &ops, &dm, NULL), IOH_OK);
	CHECK_EQ(dm.n, 3);
	CHECK(dm.checked_contains);
	/* 00:02.0: 4-level, 4K + 2M + 1G pages */
	CHECK_EQ(dm.s[0].ranges, 4);
	CHECK_EQ(dm.s[0].pages, 2 + 1 + 512 + 262144);
	CHECK_EQ(dm.s[0].writable_pages, 2 + 262144);
	CHECK_EQ(dm.wranges[0], 2);
	CHECK_EQ(dm.wbytes[0], 0x2000 + (1ull << 30));
	CHECK_EQ(dm.s[0].tables, 4);
	/* 00:1f.3: pass-through */
	CHECK(dm.s[1].passthrough);
	CHECK_EQ(dm.s[1].pages, 0);
	/* 03:00.0: 3-level, one write-only page */
	CHECK_EQ(dm.s[2].pages, 1);
	CHECK_EQ(dm.s[2].writable_pages, 1);
	CHECK_EQ(dm.s[2].tables, 3);
	CHECK_EQ(dm.wbytes[2], 0x1000);
	wu_free(dm.w);
}

TEST(pgwalk_sm_devices)
{
	struct devmaps dm = { 0 };
	struct ioh_walk_ops ops = { NULL, map_dev };

	dm.w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	CHECK_EQ(ioh_walk(dm.w->ctx, &dm.w->cfg, &ops, &dm, NULL), IOH_OK);
	CHECK_EQ(dm.n, 3);
	/* 00:02.0: PASID 0 second level (1 GiB RW) + PASID 1 first level (2 MiB RW, 2 MiB R) */
	CHECK_EQ(dm.s[0].ranges, 3);
	CHECK_EQ(dm.s[0].writable_pages, 262144 + 512);
	CHECK_EQ(dm.wbytes[0], (1ull << 30) + (2u << 20));
	CHECK_EQ(dm.wranges[0], 2);
	/* 00:1f.0 (3-level, empty) then 80:14.0 (pass-through), in bus order */
	CHECK_EQ(dm.s[1].pages, 0);
	CHECK_EQ(dm.s[1].tables, 1);
	CHECK(dm.s[2].passthrough);
	wu_free(dm.w);
}

TEST(pgwalk_rangeset)
{
	ioh_rangeset *rs = ioh_rangeset_new(3);
	uint64_t a, n;
	size_t it = 0;

	CHECK_EQ(ioh_rangeset_add(rs, 0x5000, 0x1000), IOH_OK);
	CHECK_EQ(ioh_rangeset_add(rs, 0x1000, 0x1000), IOH_OK);
	CHECK_EQ(ioh_rangeset_add(rs, 0x2000, 0x1000), IOH_OK); /* touches the previous: merges */
	CHECK_EQ(ioh_rangeset_add(rs, 0x9000, 0x1000), IOH_OK);
	CHECK_EQ(ioh_rangeset_count(rs), 3);
	CHECK_EQ(ioh_rangeset_add(rs, 0x4000, 0x2000), IOH_OK); /* overlaps 0x5000: merges */
	CHECK_EQ(ioh_rangeset_add(rs, 0xb000, 0x1000), IOH_ERR_LIMIT);
	CHECK(ioh_rangeset_next(rs, &it, &a, &n));
	CHECK_EQ(a, 0x1000);
	CHECK_EQ(n, 0x2000);
	CHECK(ioh_rangeset_next(rs, &it, &a, &n));
	CHECK_EQ(a, 0x4000);
	CHECK_EQ(n, 0x2000);
	CHECK(ioh_rangeset_next(rs, &it, &a, &n));
	CHECK_EQ(a, 0x9000);
	CHECK(!ioh_rangeset_next(rs, &it, &a, &n));
	CHECK_EQ(ioh_rangeset_bytes(rs), 0x5000);
	CHECK(ioh_rangeset_contains(rs, 0x5fff));
	CHECK(!ioh_rangeset_contains(rs, 0x6000));
	CHECK(!ioh_rangeset_contains(rs, 0));
	ioh_rangeset_free(rs);
}

/* A writable set too small for the device: the summary says so, once. */
TEST(pgwalk_writable_set_full)
{
	struct wu *w = trees();
	struct ioh_walk_device d = { 0 };
	ioh_rangeset *wr = ioh_rangeset_new(1);
	struct ioh_pg_summary s;

	/* tree E's second level has two separate writable ranges */
	d.mode = IOH_VTD_LEGACY;
	d.present = true;
	d.aw = 1;
	d.slptptr = 0x140000;
	CHECK_EQ(ioh_walk_mappings(w->ctx, &w->cfg, &d, NULL, NULL, wr, &s), IOH_OK);
	CHECK_EQ(s.writable_pages, 5);
	CHECK_EQ(ioh_rangeset_count(wr), 1);
	CHECK_PROBLEM(&s.problems, "writable", "too many writable ranges; set incomplete from 0x160000");
	CHECK_EQ(s.problems.n, 1);
	ioh_rangeset_free(wr);
	wu_free(w);
}
