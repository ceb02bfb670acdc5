/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error context, BDF parsing and the JSON writer. */
#include <ioh/ioh.h>

#include "harness.h"
#include "internal.h"
#include "json.h"

TEST(err_wraps_outermost_first)
{
	ioh_ctx *ctx = ioh_ctx_new();

	CHECK(ctx);
	CHECK_EQ(ioh_err(ctx, IOH_ERR_NODATA, "read past end of dump"), IOH_ERR_NODATA);
	ioh_err_wrap(ctx, IOH_ERR_NODATA, "context table 0x%x", 0x1234000);
	ioh_err_wrap(ctx, IOH_ERR_NODATA, "bus %d", 3);
	CHECK_STREQ(ioh_get_err(ctx), "bus 3: context table 0x1234000: read past end of dump");
	ioh_clear_err(ctx);
	CHECK_STREQ(ioh_get_err(ctx), "");
	ioh_ctx_free(ctx);
}

TEST(err_system_appends_strerror)
{
	ioh_ctx *ctx = ioh_ctx_new();

	errno = ENOENT;
	ioh_err(ctx, IOH_ERR_SYSTEM, "open %s", "x");
	CHECK_STREQ(ioh_get_err(ctx), "open x: No such file or directory");
	ioh_ctx_free(ctx);
}

TEST(strerror_total)
{
	for (int i = 0; i < 40; i++)
		CHECK(ioh_strerror((ioh_status)i) != NULL);
	CHECK_STREQ(ioh_strerror((ioh_status)999), "Unknown status");
}

TEST(bdf_parse_forms)
{
	struct ioh_bdf b;
	char buf[IOH_BDF_STRLEN];

	CHECK(ioh_bdf_parse("0000:00:1f.2", &b) == 0);
	CHECK_EQ(b.bus, 0);
	CHECK_EQ(b.devfn, 0x1f << 3 | 2);
	CHECK_STREQ(ioh_bdf_str(b, buf), "0000:00:1f.2");
	CHECK(ioh_bdf_parse("80:14.0", &b) == 0);
	CHECK_EQ(ioh_bdf_sid(b), 0x80a0);
	CHECK(ioh_bdf_parse("0001:80:14.0", &b) == 0);
	CHECK_EQ(b.seg, 1);
}

TEST(bdf_parse_rejects)
{
	struct ioh_bdf b;
	static const char *bad[] = { "", "00:20.0", "00:1f.8", "100:00.0", "00:00.0x",
				     "0:0", "00000:00:00.0", "00:00:00:00.0", "zz:00.0" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(ioh_bdf_parse(bad[i], &b) == -1, "accepted \"%s\"", bad[i]);
}

TEST(json_nesting_and_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ioh_json j;

	ioh_json_init(&j, f, false);
	ioh_json_obj_begin(&j);
	ioh_json_kstr(&j, "s", "a\"b\\c\n\x01\xff");
	ioh_json_key(&j, "a");
	ioh_json_arr_begin(&j);
	ioh_json_u64(&j, 1);
	ioh_json_hex(&j, 0x1000);
	ioh_json_obj_begin(&j);
	ioh_json_obj_end(&j);
	ioh_json_arr_end(&j);
	ioh_json_kbool(&j, "t", true);
	ioh_json_obj_end(&j);
	fclose(f);
	CHECK_STREQ(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\ufffd\",\"a\":[1,\"0x1000\",{}],\"t\":true}");
	free(buf);
}
