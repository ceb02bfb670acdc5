/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VMCOREINFO parsing: values the way the kernel prints them. */
#include <ioh/source.h>

#include "harness.h"

static const char sample[] = "OSRELEASE=6.1.0-56-amd64\n"
			     "BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
			     "PAGESIZE=4096\n"
			     "SYMBOL(init_uts_ns)=ffffffff82a12340\n"
			     "OFFSET(uts_namespace.name)=4\n"
			     "SIZE(page)=64\n"
			     "LENGTH(mem_section)=2048\n"
			     "NUMBER(phys_base)=-2097152\n"
			     "NUMBER(VMALLOC_START)=0xffffc90000000000\n"
			     "this line has no equals sign\n"
			     "KERNELOFFSET=1000000\n"
			     "CRASHTIME=1764064800\n"
			     "\0\0\0\0";

TEST(vmcoreinfo_typed_lookups)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_vmcoreinfo *vi;
	uint64_t u;
	int64_t i;
	const char *k, *v;

	CHECK_EQ(ioh_vmcoreinfo_parse(ctx, sample, sizeof(sample), &vi), IOH_OK);
	CHECK_EQ(ioh_vmcoreinfo_count(vi), 11);
	CHECK_STREQ(ioh_vmcoreinfo_osrelease(vi), "6.1.0-56-amd64");
	CHECK_EQ(ioh_vmcoreinfo_page_size(vi), 4096);
	CHECK_EQ(ioh_vmcoreinfo_crashtime(vi, &i), 0);
	CHECK_EQ(i, 1764064800);
	CHECK_EQ(ioh_vmcoreinfo_kerneloffset(vi, &u), 0);
	CHECK_EQ(u, 0x1000000);
	CHECK_EQ(ioh_vmcoreinfo_symbol(vi, "init_uts_ns", &u), 0);
	CHECK_EQ(u, 0xffffffff82a12340ull);
	CHECK_EQ(ioh_vmcoreinfo_offset(vi, "uts_namespace.name", &u), 0);
	CHECK_EQ(u, 4);
	CHECK_EQ(ioh_vmcoreinfo_size(vi, "page", &u), 0);
	CHECK_EQ(u, 64);
	CHECK_EQ(ioh_vmcoreinfo_length(vi, "mem_section", &u), 0);
	CHECK_EQ(u, 2048);
	CHECK_EQ(ioh_vmcoreinfo_number(vi, "phys_base", &i), 0);
	CHECK_EQ(i, -2097152);
	CHECK_EQ(ioh_vmcoreinfo_number(vi, "VMALLOC_START", &i), 0);
	CHECK_EQ((uint64_t)i, 0xffffc90000000000ull);
	CHECK_EQ(ioh_vmcoreinfo_symbol(vi, "nope", &u), -1);
	CHECK_EQ(ioh_vmcoreinfo_size(vi, "init_uts_ns", &u), -1);
	CHECK(ioh_vmcoreinfo_get(vi, "this line has no equals sign") == NULL);
	CHECK_STREQ(ioh_vmcoreinfo_get(vi, "BUILD-ID"), "0123456789abcdef0123456789abcdef01234567");
	CHECK_EQ(ioh_vmcoreinfo_entry(vi, 0, &k, &v), 0);
	CHECK_STREQ(k, "OSRELEASE");
	CHECK_EQ(ioh_vmcoreinfo_entry(vi, 11, &k, &v), -1);
	ioh_vmcoreinfo_free(vi);
	ioh_ctx_free(ctx);
}

TEST(vmcoreinfo_malformed_values)
{
	ioh_ctx *ctx = ioh_ctx_new();
	const char t[] = "PAGESIZE=4k\nSYMBOL(x)=\nSIZE(y)=-1\nCRASHTIME=soon\n=novalue\nOSRELEASE";
	ioh_vmcoreinfo *vi;
	uint64_t u;
	int64_t i;

	CHECK_EQ(ioh_vmcoreinfo_parse(ctx, t, sizeof(t) - 1, &vi), IOH_OK);
	CHECK_EQ(ioh_vmcoreinfo_page_size(vi), 0);
	CHECK_EQ(ioh_vmcoreinfo_symbol(vi, "x", &u), -1);
	CHECK_EQ(ioh_vmcoreinfo_size(vi, "y", &u), -1);
	CHECK_EQ(ioh_vmcoreinfo_crashtime(vi, &i), -1);
	CHECK(ioh_vmcoreinfo_osrelease(vi) == NULL);
	CHECK(ioh_vmcoreinfo_osrelease(NULL) == NULL);
	ioh_vmcoreinfo_free(vi);
	ioh_ctx_free(ctx);
}

TEST(vmcoreinfo_bounds)
{
	ioh_ctx *ctx = ioh_ctx_new();
	size_t n = 20000;
	char *t = malloc(n * 2 + 1);
	ioh_vmcoreinfo *vi = NULL;

	for (size_t k = 0; k < n; k++)
		t[2 * k] = 'a', t[2 * k + 1] = '\n';
	CHECK_EQ(ioh_vmcoreinfo_parse(ctx, t, n * 2, &vi), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "lines");
	CHECK(vi == NULL);
	free(t);
	ioh_ctx_free(ctx);
}
