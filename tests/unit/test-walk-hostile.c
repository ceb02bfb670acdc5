/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hostile tables: each wrong thing is a named problem on its entry, and the walk goes on. */
#include "walk-util.h"

static struct wu *hostile_legacy(void)
{
	struct wu *w = wu_load("hostile-legacy.txt", 0x1000, IOH_VTD_LEGACY);

	w->cfg.is_ram = ioh_memimg_is_ram;
	w->cfg.ram_data = w->m;
	CHECK_MSG(wu_run(w) == IOH_OK, "%s", ioh_get_err(w->ctx));
	return w;
}

TEST(walk_hostile_root_entries)
{
	struct wu *w = hostile_legacy();

	CHECK_PROBLEM(&wu_bus(w, 1)->problems, "ctp", "shared context table 0x2000: also bus 02");
	CHECK_PROBLEM(&wu_bus(w, 2)->problems, "ctp", "shared context table 0x2000: also bus 01");
	CHECK_PROBLEM(&wu_bus(w, 4)->problems, "ctp", "is the root table itself");
	CHECK_PROBLEM(&wu_bus(w, 5)->problems, "ctp", "cannot read context table 0x7000");
	CHECK_PROBLEM(&wu_bus(w, 6)->problems, "ctp", "cannot read context table 0x8000");
	CHECK_PROBLEM(&wu_bus(w, 7)->problems, "rsvd_lo", "reserved bits");
	CHECK_PROBLEM(&wu_bus(w, 7)->problems, "rsvd_hi", "reserved bits");
	CHECK_PROBLEM(&wu_bus(w, 8)->problems, "ctp", "beyond the 39-bit host address width");
	CHECK_PROBLEM(&wu_bus(w, 9)->problems, "ctp", "0x200000 is not RAM");
	/* the shared table's device is seen through both buses, flagged both times */
	CHECK(wu_dev(w, 1, 0) && wu_dev(w, 2, 0));
	CHECK_PROBLEM(&wu_dev(w, 1, 0)->d.problems, "table", "shared context table");
	CHECK_PROBLEM(&wu_dev(w, 2, 0)->d.problems, "table", "also bus 01");
	/* no device was made up from the root table, or from unreadable tables */
	for (unsigned i = 0; i < w->ndev; i++) {
		unsigned bus = w->dev[i].d.bdf.bus;

		CHECK(bus == 1 || bus == 2 || bus == 7);
	}
	wu_free(w);
}

TEST(walk_hostile_context_entries)
{
	struct wu *w = hostile_legacy();
	const struct wu_dev *x;

	x = wu_dev(w, 7, 0x08); /* hi zeroed first */
	CHECK(x && x->d.present && x->d.torn);
	CHECK_PROBLEM(&x->d.problems, "aw", "reserved");
	x = wu_dev(w, 7, 0x09); /* lo zeroed, P back */
	CHECK(x && x->d.torn);
	CHECK_PROBLEM(&x->d.problems, "slptptr", "page 0");
	CHECK_EQ(x->d.slptptr, 0);
	x = wu_dev(w, 7, 0x18);
	CHECK(x && !x->d.torn);
	CHECK_PROBLEM(&x->d.problems, "rsvd_lo", "reserved bits");
	CHECK_PROBLEM(&x->d.problems, "rsvd_hi", "reserved bits");
	x = wu_dev(w, 7, 0x20);
	CHECK(x);
	CHECK_PROBLEM(&x->d.problems, "slptptr", "0x1000 is the root table");
	CHECK_EQ(x->d.slptptr, 0); /* not to be followed */
	x = wu_dev(w, 7, 0x28);
	CHECK(x);
	CHECK_PROBLEM(&x->d.problems, "slptptr", "0x2000 is the context table of bus 01");
	x = wu_dev(w, 7, 0x30);
	CHECK(x);
	CHECK_PROBLEM(&x->d.problems, "slptptr", "0x300000 is not RAM");
	x = wu_dev(w, 7, 0x40);
	CHECK(x);
	CHECK_PROBLEM(&x->d.problems, "tt", "reserved");
	/* P clear: not delivered by default */
	CHECK(!wu_dev(w, 7, 0x38));
	CHECK(w->st.problems >= 16);
	wu_free(w);
}

TEST(walk_hostile_nonpresent_on_request)
{
	struct wu *w = wu_load("hostile-legacy.txt", 0x1000, IOH_VTD_LEGACY);
	const struct wu_dev *x;

	w->cfg.flags = IOH_WALK_NONPRESENT;
	CHECK_EQ(wu_run(w), IOH_OK);
	x = wu_dev(w, 7, 0x38);
	CHECK(x);
	CHECK(!x->d.present && !x->d.torn);
	CHECK_EQ(x->d.did, 9);
	CHECK_EQ(x->d.slptptr, 0); /* nothing to follow when P is clear */
	wu_free(w);
}

static struct wu *hostile_sm(unsigned max_dir)
{
	struct wu *w = wu_load("hostile-sm.txt", 0x10000, IOH_VTD_SCALABLE);

	w->cfg.max_pasid_dir = max_dir;
	CHECK_MSG(wu_run(w) == IOH_OK, "%s", ioh_get_err(w->ctx));
	return w;
}

TEST(walk_hostile_sm_root)
{
	struct wu *w = hostile_sm(0);

	CHECK_PROBLEM(&wu_bus(w, 1)->problems, "lctp", "also bus 02 (upper)");
	CHECK_PROBLEM(&wu_bus(w, 2)->problems, "uctp", "also bus 01 (lower)");
	CHECK_PROBLEM(&wu_bus(w, 3)->problems, "lctp", "root table itself");
	CHECK(wu_dev(w, 1, 0x00) && wu_dev(w, 2, 0x80));
	CHECK_PROBLEM(&wu_dev(w, 2, 0x80)->d.problems, "table", "shared context table 0x12000");
	wu_free(w);
}

TEST(walk_hostile_sm_absurd_pdts_capped)
{
	struct wu *w = hostile_sm(1024);
	const struct wu_dev *x = wu_dev(w, 0, 0x00);

	CHECK(x);
	CHECK_EQ(x->d.sm.pdts, 7);
	CHECK(x->d.pasids_truncated);
	CHECK_PROBLEM(&x->d.problems, "pdts", "16384 entries; examined the first 1024");
	/* RID_PASID's entry was still found; the second directory page is not in the dump */
	CHECK_EQ(x->d.rid_pasid_index, 0);
	CHECK_EQ(x->d.did, 1);
	CHECK_PROBLEM(&x->d.problems, "pasiddirptr", "cannot read PASID directory at 0x41000");
	wu_free(w);

	/* uncapped, all 32 directory pages are tried: bounded, and each failure reported */
	w = hostile_sm(0);
	x = wu_dev(w, 0, 0x00);
	CHECK(!x->d.pasids_truncated);
	CHECK_EQ(x->d.problems.n + x->d.problems.dropped, 31);
	CHECK(w->st.reads < 100);
	wu_free(w);
}

TEST(walk_hostile_sm_entries)
{
	struct wu *w = hostile_sm(0);
	const struct wu_dev *x;

	x = wu_dev(w, 0, 0x01);
	CHECK_PROBLEM(&x->d.problems, "rid_pasid", "RID_PASID 74565 is beyond the 128-entry");
	CHECK_EQ(x->d.rid_pasid_index, -1);
	CHECK_EQ(x->d.did, 0);
	x = wu_dev(w, 0, 0x02);
	CHECK(x->d.torn);
	CHECK_PROBLEM(&x->d.problems, "pasiddirptr", "page 0");
	x = wu_dev(w, 0, 0x03);
	CHECK_PROBLEM(&x->d.problems, "pdir[0].smptblptr", "is the root table");
	CHECK_EQ(x->d.npasids, 0);
	x = wu_dev(w, 0, 0x04);
	CHECK_PROBLEM(&x->d.problems, "rid_pasid", "cannot read PASID entry at 0x25000");
	CHECK_PROBLEM(&x->d.problems, "smptblptr", "cannot read PASID table 0x25000");
	x = wu_dev(w, 0, 0x05);
	CHECK_PROBLEM(&x->d.problems, "rsvd_q1", "reserved");
	CHECK_PROBLEM(&x->d.problems, "rsvd_q2", "reserved");
	CHECK_PROBLEM(&x->d.problems, "rid_pasid", "directory entry 0 for RID_PASID 0 is not present");
	x = wu_dev(w, 0, 0x06);
	CHECK_EQ(x->d.npasids, 1);
	CHECK_PROBLEM(&x->p[0].problems, "pgtt", "reserved");
	CHECK_PROBLEM(&x->p[0].problems, "rsvd_q3", "reserved");
	CHECK(x->d.torn); /* reserved PGTT in the RID_PASID entry */
	CHECK(!wu_dev(w, 0, 0x00)->d.torn);
	wu_free(w);
}

/* The budget running out inside a device's PASID walk: the device still arrives, marked. */
TEST(walk_budget_inside_pasid_walk)
{
	struct wu *w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	const struct wu_dev *x;

	/* root, LCTP, UCTP, RID_PASID's directory entry and PASID entry; not the directory */
	w->cfg.max_reads = 5;
	CHECK_EQ(wu_run(w), IOH_ERR_LIMIT);
	CHECK_EQ(w->ndev, 1);
	x = wu_dev(w, 0, 0x10);
	CHECK(x);
	CHECK_EQ(x->d.rid_pasid_index, 0);
	CHECK_EQ(x->d.did, 5);
	CHECK_EQ(x->d.npasids, 1); /* PASID 1 was not reached */
	CHECK_PROBLEM(&x->d.problems, "walk", "read budget exhausted");
	CHECK_EQ(w->st.reads, 5);
	wu_free(w);
}

/* A PASID table full of present entries: delivery stops at the bound, with a note. */
TEST(walk_hostile_sm_many_pasids)
{
	struct wu *w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	const struct wu_dev *x;

	for (unsigned i = 2; i < 64; i++) {
		CHECK_EQ(ioh_memimg_write_u64(w->m, 0x15000 + 64 * i, 0x16089), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(w->m, 0x15000 + 64 * i + 8, i), IOH_OK);
	}
	w->cfg.max_pasids = 10;
	CHECK_EQ(wu_run(w), IOH_OK);
	x = wu_dev(w, 0, 0x10);
	CHECK_EQ(x->d.npasids, 10);
	CHECK(x->d.pasids_truncated);
	CHECK_PROBLEM(&x->d.problems, "pasid", "more than 10 present PASID entries; stopped at PASID 10");
	CHECK_EQ(x->p[9].pasid, 9);
	CHECK_EQ(x->p[9].e.did, 9);
	/* an absurd bound is clamped, not allocated (or overflowed) */
	w->cfg.max_pasids = ~0u;
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(wu_dev(w, 0, 0x10)->d.npasids, 64);
	wu_free(w);
}

/* Every root entry pointing to one context table full of present entries. */
TEST(walk_hostile_all_buses_one_table)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct ioh_walk_config cfg = { .rtaddr = 0x1000, .mode = IOH_VTD_LEGACY, .haw = 39,
				       .read = ioh_memimg_read, .read_data = m };
	struct ioh_walk_stats st;

	for (unsigned i = 0; i < 256; i++) {
		CHECK_EQ(ioh_memimg_write_u64(m, 0x1000 + 16 * i, 0x2001), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(m, 0x2000 + 16 * i, 0x3001), IOH_OK);
		CHECK_EQ(ioh_memimg_write_u64(m, 0x2008 + 16 * i, 0x102), IOH_OK);
	}
	CHECK_EQ(ioh_walk(ctx, &cfg, NULL, NULL, &st), IOH_OK);
	CHECK_EQ(st.devices, 65536);
	CHECK_EQ(st.reads, 257);
	CHECK_EQ(st.problems, 256 + 65536); /* "shared" on every bus and every device */
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* Present root entries pointing to page 0: reported, not read. */
TEST(walk_hostile_root_page_zero)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	struct wu *w = calloc(1, sizeof(*w));
	struct ioh_walk_ops ops = { wu_bus_cb, wu_dev_cb };

	CHECK_EQ(ioh_memimg_write_u64(m, 0x0, 0x1001), IOH_OK);	 /* page 0 holds data */
	CHECK_EQ(ioh_memimg_write_u64(m, 0x1000, 0x1), IOH_OK);	 /* bus 00: P, CTP 0 */
	CHECK_EQ(ioh_memimg_write_u64(m, 0x1018, 0x1), IOH_OK);	 /* bus 01 (scalable): UP, UCTP 0 */
	w->cfg = (struct ioh_walk_config){ .rtaddr = 0x1000, .mode = IOH_VTD_SCALABLE, .haw = 39,
					   .read = ioh_memimg_read, .read_data = m };
	CHECK_EQ(ioh_walk(ctx, &w->cfg, &ops, w, NULL), IOH_OK);
	CHECK_EQ(w->ndev, 0);
	CHECK_PROBLEM(&wu_bus(w, 0)->problems, "lctp", "page 0");
	CHECK_PROBLEM(&wu_bus(w, 1)->problems, "uctp", "page 0");
	free(w);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/*
 * Random tables: every qword is zero, noise, or a pointer (with random low
 * bits) to one of a few pages, so entries point at each other, at the root,
 * at themselves. Whatever comes out, the walk and every device's page walk
 * must end within budget, without a crash (run under ASan/UBSan too).
 */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

struct fuzz {
	const struct ioh_walk_config *cfg;
	ioh_ctx *ctx;
	unsigned devices;
};

static int fuzz_dev(void *data, const struct ioh_walk_device *d)
{
	struct fuzz *f = data;
	ioh_rangeset *wr;
	struct ioh_walk_config pcfg = *f->cfg;
	struct ioh_pg_summary s;
	ioh_status st;

	/* random root tables reach thousands of devices; page-walk a sample of them */
	if (f->devices++ % 64)
		return 0;
	wr = ioh_rangeset_new(8);
	pcfg.max_reads = 40; /* enough to go through loops and shared subtables, cheap under ASan */
	st = ioh_walk_mappings(f->ctx, &pcfg, d, NULL, NULL, wr, &s);
	CHECK(st == IOH_OK || st == IOH_ERR_LIMIT);
	CHECK(s.reads <= pcfg.max_reads);
	ioh_rangeset_free(wr);
	return 0;
}

TEST_TIMEOUT(walk_hostile_random_tables, 60)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	unsigned total = 0;

	for (unsigned iter = 0; iter < 64; iter++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_memimg *m = ioh_memimg_new();
		struct ioh_walk_config cfg = {
			.rtaddr = 0x1000, .mode = iter & 1 ? IOH_VTD_SCALABLE : IOH_VTD_LEGACY,
			.haw = 39, .read = ioh_memimg_read, .read_data = m,
			.is_ram = iter & 2 ? ioh_memimg_is_ram : NULL, .ram_data = m,
			.max_reads = 300, .max_pasids = 4, .flags = iter & 4 ? IOH_WALK_NONPRESENT : 0,
		};
		struct ioh_walk_ops ops = { NULL, fuzz_dev };
		struct fuzz f = { &cfg, ctx, 0 };
		struct ioh_walk_stats st;
		ioh_status s;

		for (uint64_t a = 0x1000; a < 0x9000; a += 8) {
			uint64_t r = rnd(&x), v;

			switch (r % 8) {
			case 0: case 1: case 2:
				v = 0;
				break;
			case 3:
				v = rnd(&x);
				break;
			default: /* a pointer to one of the 8 pages, P mostly set, random low bits */
				v = (0x1000 + ((r >> 8) % 8) * 0x1000) | ((r >> 16) & 0xfff) | (r >> 40 & 1 ? 0 : 1);
				break;
			}
			CHECK_EQ(ioh_memimg_write_u64(m, a, v), IOH_OK);
		}
		s = ioh_walk(ctx, &cfg, &ops, &f, &st);
		CHECK_MSG(s == IOH_OK || s == IOH_ERR_LIMIT, "iteration %u: %s", iter, ioh_get_err(ctx));
		CHECK(st.reads <= 300);
		CHECK_EQ(st.devices, f.devices);
		total += f.devices;
		ioh_memimg_free(m);
		ioh_ctx_free(ctx);
	}
	CHECK(total > 500); /* the images did reach devices */
}
