/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root/context/PASID walk over the text fixtures in tests/fixtures/mem/. */
#include "walk-util.h"

TEST(walk_legacy_devices)
{
	struct wu *w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);
	const struct wu_dev *x;

	CHECK_MSG(wu_run(w) == IOH_OK, "%s", ioh_get_err(w->ctx));
	CHECK_EQ(w->ndev, 3);
	CHECK_EQ(w->nbus, 2);
	CHECK_EQ(w->st.buses, 2);
	CHECK_EQ(w->st.devices, 3);
	CHECK_EQ(w->st.problems, 0);
	CHECK_EQ(w->st.reads, 3); /* root table and two context tables, one read each */

	x = wu_dev(w, 0, 0x10);
	CHECK(x);
	CHECK(x->d.present && !x->d.torn);
	CHECK_EQ(x->d.did, 1);
	CHECK_EQ(x->d.aw, 2);
	CHECK_EQ(x->d.tt, IOH_VTD_TT_MULTI_LEVEL);
	CHECK_EQ(x->d.slptptr, 0x5000);
	CHECK_EQ(x->d.addr, 0x2100);
	CHECK_EQ(x->d.table, 0x2000);
	CHECK_EQ(x->d.raw[0], 0x5001);
	CHECK_EQ(x->d.raw[1], 0x102);
	CHECK(!x->d.fpd);

	x = wu_dev(w, 0, 0xfb);
	CHECK(x);
	CHECK_EQ(x->d.tt, IOH_VTD_TT_PASS_THROUGH);
	CHECK_EQ(x->d.did, 2);
	CHECK_EQ(x->d.slptptr, 0); /* pass-through has no tables */
	CHECK_EQ(x->d.problems.n, 0);

	x = wu_dev(w, 3, 0x00);
	CHECK(x);
	CHECK(x->d.fpd);
	CHECK_EQ(x->d.tt, IOH_VTD_TT_DEV_IOTLB);
	CHECK_EQ(x->d.aw, 1);
	CHECK_EQ(x->d.did, 3);
	CHECK_EQ(x->d.npasids, 0);
	/* devices arrive in bus, devfn order */
	CHECK_EQ(w->dev[0].d.bdf.devfn, 0x10);
	CHECK_EQ(w->dev[2].d.bdf.bus, 3);
	wu_free(w);
}

TEST(walk_sm_devices_and_pasids)
{
	struct wu *w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	const struct wu_dev *x;

	CHECK_MSG(wu_run(w) == IOH_OK, "%s", ioh_get_err(w->ctx));
	CHECK_EQ(w->ndev, 3);
	CHECK_EQ(w->st.problems, 0);

	x = wu_dev(w, 0, 0x10);
	CHECK(x);
	CHECK_EQ(x->d.mode, IOH_VTD_SCALABLE);
	CHECK_EQ(x->d.addr, 0x11200);
	CHECK_EQ(x->d.sm.pasiddirptr, 0x14000);
	CHECK_EQ(x->d.npasids, 2);
	CHECK_EQ(x->d.rid_pasid_index, 0);
	CHECK_EQ(x->p[0].pasid, 0);
	CHECK_EQ(x->p[0].addr, 0x15000);
	CHECK_EQ(x->p[0].e.pgtt, IOH_VTD_PGTT_SL_ONLY);
	CHECK_EQ(x->p[1].pasid, 1);
	CHECK_EQ(x->p[1].e.pgtt, IOH_VTD_PGTT_FL_ONLY);
	CHECK_EQ(x->p[1].e.did, 6);
	CHECK_EQ(x->p[1].e.flptptr, 0x17000);
	CHECK_EQ(x->p[1].raw[2], 0x17000);
	CHECK_EQ(x->d.pasid_dir_present, 1);
	/* the effective translation is RID_PASID's */
	CHECK_EQ(x->d.did, 5);
	CHECK_EQ(x->d.aw, 2);
	CHECK_EQ(x->d.tt, IOH_VTD_PGTT_SL_ONLY);
	CHECK_EQ(x->d.slptptr, 0x16000);
	CHECK_EQ(x->d.flptptr, 0);

	/* upper half of bus 00: devfn 0xf8 is entry 0x78 of the UCTP table */
	x = wu_dev(w, 0, 0xf8);
	CHECK(x);
	CHECK_EQ(x->d.table, 0x12000);
	CHECK_EQ(x->d.addr, 0x12f00);
	CHECK(x->d.sm.dte);
	CHECK_EQ(x->d.did, 8);
	CHECK(x->d.fpd); /* FPD in the RID_PASID entry */
	CHECK_EQ(x->d.aw, 1);
	wu_free(w);
}

/* Linux before the 2026-06 fix put a UCTP-only bus's table in the LCTP slot; the walker must read UCTP. */
TEST(walk_sm_uctp_only_bus)
{
	struct wu *w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	const struct wu_dev *x;
	const struct ioh_walk_bus *b;

	CHECK_EQ(wu_run(w), IOH_OK);
	b = wu_bus(w, 0x80);
	CHECK(b);
	CHECK(!b->root.p && b->root.up);
	CHECK_EQ(b->root.uctp, 0x13000);
	x = wu_dev(w, 0x80, 0xa0);
	CHECK(x);
	CHECK_EQ(x->d.addr, 0x13400);
	CHECK_EQ(x->d.tt, IOH_VTD_PGTT_PT);
	CHECK_EQ(x->d.did, 7);
	/* nothing else on bus 80: the absent lower half was not read as a table */
	for (unsigned i = 0; i < w->ndev; i++)
		CHECK(w->dev[i].d.bdf.bus != 0x80 || w->dev[i].d.bdf.devfn == 0xa0);
	wu_free(w);
}

/* Walking a scalable table as legacy (or the reverse) gives garbage but stays bounded. */
TEST(walk_wrong_mode_is_bounded)
{
	struct wu *w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_LEGACY);

	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK(w->st.reads <= 1 + 256);
	wu_free(w);
	w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_SCALABLE);
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK(w->st.reads <= 1 + 512 + 3 * 256 * 64);
	wu_free(w);
}

TEST(walk_budget_delivers_what_was_done)
{
	struct wu *w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);

	w->cfg.max_reads = 2; /* root table, bus 00's context table, then out */
	CHECK_EQ(wu_run(w), IOH_ERR_LIMIT);
	CHECK_CONTAINS(ioh_get_err(w->ctx), "walk: root table 0x1000: read budget of 2 reads exhausted");
	CHECK_EQ(w->ndev, 2);
	CHECK(wu_dev(w, 0, 0x10) && wu_dev(w, 0, 0xfb));
	CHECK(!wu_dev(w, 3, 0));
	CHECK_EQ(w->st.reads, 2);
	CHECK_PROBLEM(&wu_bus(w, 3)->problems, "walk", "read budget exhausted");

	w->cfg.max_reads = 1;
	CHECK_EQ(wu_run(w), IOH_ERR_LIMIT);
	CHECK_EQ(w->ndev, 0);
	wu_free(w);
}

TEST(walk_root_unreadable_and_bad_config)
{
	struct wu *w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);

	w->cfg.rtaddr = 0x7777000;
	CHECK_EQ(wu_run(w), IOH_ERR_NODATA);
	CHECK_CONTAINS(ioh_get_err(w->ctx), "walk: root table 0x7777000: cannot read");
	w->cfg.rtaddr = 0x1000;
	w->cfg.mode = IOH_VTD_ABORT_DMA;
	CHECK_EQ(wu_run(w), IOH_ERR_INVALID);
	w->cfg.mode = IOH_VTD_LEGACY;
	w->cfg.read = NULL;
	CHECK_EQ(wu_run(w), IOH_ERR_INVALID);
	wu_free(w);
}

static int stop_at_second(void *data, const struct ioh_walk_device *d)
{
	unsigned *n = data;

	(void)d;
	return ++*n == 2 ? IOH_ERR_LIMIT + 100 : 0;
}

TEST(walk_callback_stops_walk)
{
	struct wu *w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);
	struct ioh_walk_ops ops = { NULL, stop_at_second };
	unsigned n = 0;

	CHECK_EQ(ioh_walk(w->ctx, &w->cfg, &ops, &n, NULL), IOH_ERR_LIMIT + 100);
	CHECK_EQ(n, 2);
	/* the message says where the walk stopped */
	CHECK_CONTAINS(ioh_get_err(w->ctx), "walk: root table 0x1000: 0000:00:1f.3: ");
	wu_free(w);
}

/*
 * The scalable-mode copy bug: walking the crashed kernel's table, the buggy
 * copy and the fixed copy of a UCTP-only bus. The buggy copy shows the
 * device at the wrong devfn (lower table), and nothing where it really is.
 */
TEST(walk_sm_uctp_copy_bug)
{
	struct wu *w = wu_load("sm-uctp-copy.txt", 0x20000, IOH_VTD_SCALABLE);
	const struct wu_dev *x;
	struct ioh_pg_summary s;

	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 1);
	x = wu_dev(w, 0x80, 0xa0);
	CHECK(x);
	CHECK_EQ(x->d.did, 3);
	CHECK_EQ(x->d.slptptr, 0x24000);
	CHECK_EQ(ioh_walk_mappings(w->ctx, &w->cfg, &x->d, NULL, NULL, NULL, &s), IOH_OK);
	CHECK_EQ(s.writable_pages, 1);

	w->cfg.rtaddr = 0x30000; /* buggy copy */
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 1);
	CHECK(!wu_dev(w, 0x80, 0xa0));
	x = wu_dev(w, 0x80, 0x20);
	CHECK(x);
	CHECK_EQ(x->d.did, 3); /* same entry, same tables, wrong requester */
	CHECK(!wu_bus(w, 0x80)->root.up);

	w->cfg.rtaddr = 0x40000; /* fixed copy */
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 1);
	CHECK(wu_dev(w, 0x80, 0xa0));
	wu_free(w);
}

/* One device: the root table, one context table, nothing else. */
TEST(walk_only_bdf)
{
	struct wu *w = wu_load("legacy-basic.txt", 0x1000, IOH_VTD_LEGACY);

	w->cfg.flags = IOH_WALK_ONLY_BDF;
	w->cfg.bdf = (struct ioh_bdf){ 0, 3, 0 };
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 1);
	CHECK(wu_dev(w, 3, 0));
	CHECK_EQ(w->st.reads, 2);
	w->cfg.bdf = (struct ioh_bdf){ 0, 0, 0x11 }; /* absent: nothing delivered, not an error */
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 0);
	wu_free(w);

	w = wu_load("sm-basic.txt", 0x10000, IOH_VTD_SCALABLE);
	w->cfg.flags = IOH_WALK_ONLY_BDF;
	w->cfg.bdf = (struct ioh_bdf){ 0, 0, 0xf8 };
	CHECK_EQ(wu_run(w), IOH_OK);
	CHECK_EQ(w->ndev, 1);
	CHECK_EQ(w->dev[0].d.did, 8);
	/* root, the upper table only, RID_PASID's directory entry and PASID entry, the
	 * directory, the PASID table */
	CHECK_EQ(w->st.reads, 6);
	wu_free(w);
}
