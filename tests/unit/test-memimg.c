/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text memory-image format and the sparse image behind it. */
#include <ioh/memimg.h>

#include "harness.h"

static ioh_status parse(ioh_memimg *m, ioh_ctx *ctx, const char *text)
{
	return ioh_memimg_parse(m, ctx, "t.txt", text, strlen(text));
}

static uint64_t rd64(ioh_memimg *m, uint64_t a)
{
	uint64_t v = 0;

	CHECK_EQ(ioh_memimg_read(m, a, &v, sizeof(v)), 0);
	return v;
}

TEST(memimg_words_cursor_repeat)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();

	CHECK_EQ(parse(m, ctx,
		       "# comment\n"
		       "\n"
		       "@0x1000 0x11 22   # two words on one line\n"
		       "@2000\n"
		       "0xdeadbeefcafef00d\n"
		       "7*3\n"
		       "@0x3ff8 1 2\n"), IOH_OK);
	CHECK_EQ(rd64(m, 0x1000), 0x11);
	CHECK_EQ(rd64(m, 0x1008), 0x22);
	CHECK_EQ(rd64(m, 0x1010), 0); /* rest of a written page reads as zero */
	CHECK_EQ(rd64(m, 0x2000), 0xdeadbeefcafef00dULL);
	CHECK_EQ(rd64(m, 0x2008), 7);
	CHECK_EQ(rd64(m, 0x2018), 7);
	CHECK_EQ(rd64(m, 0x2020), 0);
	/* a word written across the end of a page lands in two pages */
	CHECK_EQ(rd64(m, 0x3ff8), 1);
	CHECK_EQ(rd64(m, 0x4000), 2);
	CHECK_EQ(ioh_memimg_pages(m), 4);
	{
		uint8_t b[2];

		CHECK_EQ(ioh_memimg_read(m, 0x1000, b, 2), 0);
		CHECK_EQ(b[0], 0x11); /* little-endian */
		CHECK_EQ(b[1], 0);
	}
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

TEST(memimg_absent_excluded_ram)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	uint64_t v;

	CHECK_EQ(parse(m, ctx, "@0x1000 1\n.excluded 0x5000\n"), IOH_OK);
	CHECK_EQ(ioh_memimg_read(m, 0x2000, &v, 8), IOH_ERR_NODATA);
	CHECK_EQ(ioh_memimg_read(m, 0x5008, &v, 8), IOH_ERR_EXCLUDED);
	/* a read straddling a present and an absent page fails */
	CHECK_EQ(ioh_memimg_read(m, 0x1ffc, &v, 8), IOH_ERR_NODATA);
	/* without .ram, RAM is what the image holds */
	CHECK(ioh_memimg_is_ram(m, 0x1234));
	CHECK(!ioh_memimg_is_ram(m, 0x2000));
	CHECK_EQ(parse(m, ctx, ".ram 0 0x10000\n"), IOH_OK);
	CHECK(ioh_memimg_is_ram(m, 0x2000));
	CHECK(!ioh_memimg_is_ram(m, 0x10000));
	/* writing an excluded page makes it ordinary memory */
	CHECK_EQ(ioh_memimg_write_u64(m, 0x5000, 9), IOH_OK);
	CHECK_EQ(rd64(m, 0x5000), 9);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

TEST(memimg_errors_name_file_and_line)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "1\n", "t.txt:1: data before the first @address" },
		{ "@0x1000\n\n0xzz\n", "t.txt:3: bad word '0xzz'" },
		{ "@0x1000 12345678123456789\n", "t.txt:1: bad word" },
		{ "@0x1000 1*0\n", "t.txt:1: bad repeat count" },
		{ "@0x1000 1*99999999\n", "t.txt:1: bad repeat count" },
		{ "@0x1000 1*x\n", "t.txt:1: bad repeat count" },
		{ "@qq\n", "t.txt:1: bad address '@qq'" },
		{ "@0xfffffffffffffff8 1 2\n", "t.txt:1: data runs past the end" },
		{ ".ram 5\n", "t.txt:1: .ram wants START END" },
		{ ".ram 5 1\n", "t.txt:1: .ram range empty" },
		{ ".page 1\n", "t.txt:1: unknown directive '.page'" },
		{ ".excluded\n", "t.txt:1: .excluded wants ADDRESS" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_memimg *m = ioh_memimg_new();

		CHECK_EQ(parse(m, ctx, bad[i].text), IOH_ERR_CORRUPT);
		CHECK_CONTAINS(ioh_get_err(ctx), bad[i].msg);
		ioh_memimg_free(m);
		ioh_ctx_free(ctx);
	}
}

TEST(memimg_nul_byte_and_page_bound)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();

	CHECK_EQ(ioh_memimg_parse(m, ctx, "t.txt", "@0 1\n\0\n", 7), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "t.txt:2: NUL byte");
	ioh_memimg_free(m);
	/* 8 pages allowed: a repeat covering 9 stops with NOMEM and a message */
	m = ioh_memimg_new();
	ioh_memimg_set_max_pages(m, 8);
	CHECK_EQ(parse(m, ctx, "@0\n0*4608\n"), IOH_ERR_NOMEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "t.txt:2: image holds more than 8 pages");
	CHECK_EQ(ioh_memimg_pages(m), 8);
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

TEST(memimg_pages_in_order_and_load)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_memimg *m = ioh_memimg_new();
	uint64_t prev = 0, phys;
	const uint8_t *data;
	size_t it = 0, n = 0;

	/* many pages in scrambled order, so the hash table grows and iteration must sort */
	for (uint64_t i = 0; i < 300; i++)
		CHECK_EQ(ioh_memimg_write_u64(m, ((i * 7919) % 300) << 12, i), IOH_OK);
	CHECK_EQ(ioh_memimg_exclude(m, 0x1000000), IOH_OK);
	while (ioh_memimg_next_page(m, &it, &phys, &data)) {
		CHECK(n == 0 || phys > prev);
		CHECK_EQ(data == NULL, phys == 0x1000000);
		prev = phys;
		n++;
	}
	CHECK_EQ(n, 301);
	ioh_memimg_free(m);

	m = ioh_memimg_new();
	CHECK_EQ(ioh_memimg_load(m, ctx, ioh_test_src("tests/fixtures/mem/legacy-basic.txt")), IOH_OK);
	CHECK_EQ(rd64(m, 0x2100), 0x5001);
	CHECK_EQ(ioh_memimg_load(m, ctx, "/nonexistent/x.txt"), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "/nonexistent/x.txt: cannot open");
	ioh_memimg_free(m);
	ioh_ctx_free(ctx);
}

/* Random text over the format's alphabet: every outcome is OK or a file:line error, never a crash. */
TEST(memimg_random_text)
{
	static const char abc[] = "@0x1f9a*.# \n\tramexcluded@ffffffffffffff8";
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char text[256];

	for (unsigned iter = 0; iter < 3000; iter++) {
		ioh_ctx *ctx = ioh_ctx_new();
		ioh_memimg *m = ioh_memimg_new();
		size_t n;
		ioh_status st;

		ioh_memimg_set_max_pages(m, 16);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = x % sizeof(text);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			text[i] = abc[x % (sizeof(abc) - 1)];
		}
		st = ioh_memimg_parse(m, ctx, "r.txt", text, n);
		CHECK(st == IOH_OK || st == IOH_ERR_CORRUPT || st == IOH_ERR_NOMEM);
		if (st)
			CHECK_CONTAINS(ioh_get_err(ctx), "r.txt:");
		CHECK(ioh_memimg_pages(m) <= 16);
		ioh_memimg_free(m);
		ioh_ctx_free(ctx);
	}
}
