/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root-table discovery over a small synthetic physical memory. */
#include <ioh/discover.h>

#include "harness.h"

#define NPAGES 64
/* Physical memory 0x100000..0x140000: 64 pages, page i at 0x100000 + i*4K. */
static uint64_t mem[NPAGES][512];
#define BASE 0x100000ULL
#define PG(i) (BASE + (uint64_t)(i) * 4096)

static int rd(void *priv, uint64_t phys, void *buf, size_t len)
{
	(void)priv;
	if (phys < BASE || phys + len > BASE + sizeof(mem))
		return 5; /* IOH_ERR_NODATA */
	memcpy(buf, (char *)mem + (phys - BASE), len);
	return 0;
}

static bool ram(void *priv, uint64_t phys)
{
	(void)priv;
	return phys >= BASE && phys < BASE + sizeof(mem);
}

static void feed_all(ioh_discover *d)
{
	for (int i = 0; i < NPAGES; i++)
		ioh_discover_feed(d, PG(i), mem[i]);
}

/* Legacy: root at page 1; bus 0 context table at page 2 with devices 00:02.0 and 00:1f.2,
 * DID 1 and 2, 4-level tables at pages 10 and 11. */
static void build_legacy(void)
{
	memset(mem, 0, sizeof(mem));
	mem[1][0] = PG(2) | 1;
	mem[2][2 * 0x10] = PG(10) | 1;
	mem[2][2 * 0x10 + 1] = 1u << 8 | 2;
	mem[2][2 * 0xfa] = PG(11) | 1;
	mem[2][2 * 0xfa + 1] = 2u << 8 | 2;
	/* Debris that must not pass: a page of pointers with reserved bits. */
	for (int i = 0; i < 512; i++)
		mem[5][i] = PG(7) | 0x3;
}

TEST(discover_finds_legacy_root)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	ioh_discover *d;
	const struct ioh_root_candidate *c;

	build_legacy();
	d = ioh_discover_new(&cfg);
	feed_all(d);
	CHECK_EQ(ioh_discover_finish(NULL, d), IOH_OK);
	CHECK_EQ(ioh_discover_count(d), 1);
	c = ioh_discover_get(d, 0);
	CHECK_EQ(c->addr, PG(1));
	CHECK_EQ(c->mode, IOH_VTD_LEGACY);
	CHECK_EQ(c->devices, 2);
	CHECK_EQ(c->buses, 1);
	ioh_discover_free(d);
}

/* Scalable: bus 0 has LCTP (page 3) and UCTP (page 4); device 00:02.0 in the lower half and
 * 00:1f.2 (devfn 0xfa, index 0x7a) in the upper, PASID directories at pages 20 and 21. */
TEST(discover_finds_scalable_root)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	ioh_discover *d;
	const struct ioh_root_candidate *c;

	memset(mem, 0, sizeof(mem));
	mem[1][0] = PG(3) | 1;
	mem[1][1] = PG(4) | 1;
	mem[3][4 * 0x10] = PG(20) | 1 | 1u << 3;
	mem[4][4 * 0x7a] = PG(21) | 1 | 1u << 3;
	/* RID_PASID 0: directory entry 0 -> PASID table, entry 0 second-level only (PGTT 2),
	 * AW 1, tables at page 30; DID 1 and 2. */
	mem[20][0] = PG(22) | 1;
	mem[21][0] = PG(23) | 1;
	mem[22][0] = PG(30) | 1 | 1u << 2 | 2u << 6;
	mem[22][1] = 1;
	mem[23][0] = PG(30) | 1 | 1u << 2 | 2u << 6;
	mem[23][1] = 2;
	d = ioh_discover_new(&cfg);
	feed_all(d);
	ioh_discover_finish(NULL, d);
	CHECK_EQ(ioh_discover_count(d), 1);
	c = ioh_discover_get(d, 0);
	CHECK_EQ(c->mode, IOH_VTD_SCALABLE);
	CHECK_EQ(c->devices, 2);
	CHECK_EQ(c->context_tables, 2);
	ioh_discover_free(d);
}

/* A stale copy of the same root table elsewhere: both found, both marked as sharing tables. */
TEST(discover_flags_stale_copy)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	ioh_discover *d;

	build_legacy();
	memcpy(mem[9], mem[1], 4096);
	d = ioh_discover_new(&cfg);
	feed_all(d);
	ioh_discover_finish(NULL, d);
	CHECK_EQ(ioh_discover_count(d), 2);
	CHECK(ioh_discover_get(d, 0)->shares_tables);
	CHECK(ioh_discover_get(d, 1)->shares_tables);
	ioh_discover_free(d);
}

/* A root entry pointing outside RAM, and one whose context table holds garbage. */
TEST(discover_rejects_garbage_tables)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	struct ioh_root_candidate c;
	ioh_discover *d;

	memset(mem, 0, sizeof(mem));
	mem[1][0] = 0x7000000000ULL | 1; /* beyond RAM */
	mem[1][2] = PG(6) | 1;
	for (int i = 0; i < 512; i++)
		mem[6][i] = 0xdeadbeefcafe0000ULL | (uint64_t)i;
	d = ioh_discover_new(&cfg);
	feed_all(d);
	ioh_discover_finish(NULL, d);
	CHECK_EQ(ioh_discover_count(d), 0);
	ioh_discover_free(d);
	CHECK(!ioh_discover_check(NULL, &cfg, PG(1), IOH_VTD_LEGACY, &c));
	CHECK_EQ(c.unreadable, 1);
}

/* A torn entry (P set, hi zeroed) in the live table is reported, not a reason to miss it. */
TEST(discover_keeps_table_with_torn_entry)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	struct ioh_root_candidate c;

	build_legacy();
	mem[2][2 * 0x18] = PG(12) | 1; /* 00:03.0 torn: hi zero, AW 0 */
	CHECK(ioh_discover_check(NULL, &cfg, PG(1), IOH_VTD_LEGACY, &c));
	CHECK_EQ(c.devices, 2);
	CHECK_EQ(c.torn_entries, 1);
	CHECK_EQ(c.bad_entries, 0);
}

/* A legacy table with an even-devfn layout also parses as scalable; its "PASID
 * directories" are page tables, so the scalable reading must lose. */
TEST(discover_legacy_not_mistaken_for_scalable)
{
	struct ioh_discover_cfg cfg = { .read = rd, .is_ram = ram, .haw = 39 };
	struct ioh_root_candidate c;

	memset(mem, 0, sizeof(mem));
	mem[1][0] = PG(2) | 1;
	mem[2][2 * 0x10] = PG(10) | 1; /* 00:02.0 DID 1 AW 1 */
	mem[2][2 * 0x10 + 1] = 1u << 8 | 1;
	mem[2][2 * 0x20] = PG(12) | 1; /* 00:04.0 DID 2 AW 1 */
	mem[2][2 * 0x20 + 1] = 2u << 8 | 1;
	mem[10][0] = PG(11) | 3; /* second-level entries: R|W */
	mem[12][0] = PG(13) | 3;
	ioh_discover *d = ioh_discover_new(&cfg);
	feed_all(d);
	ioh_discover_finish(NULL, d);
	CHECK_EQ(ioh_discover_count(d), 1);
	CHECK_EQ(ioh_discover_get(d, 0)->mode, IOH_VTD_LEGACY);
	ioh_discover_free(d);
	CHECK(ioh_discover_check(NULL, &cfg, PG(1), IOH_VTD_LEGACY, &c));
}
