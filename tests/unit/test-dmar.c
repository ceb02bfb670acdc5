/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ACPI DMAR parser: the real QEMU table, every structure type, hostile tables. */
#include <ioh/evidence.h>

#include "harness.h"

/* Reads tests/fixtures/dmar/NAME.hex (same format as hex2bin.sh) into buf. */
static size_t load_hex(const char *name, uint8_t *buf, size_t max)
{
	char rel[128], *text, *p;
	size_t n = 0;
	bool fixlen = false, fixsum = false;

	snprintf(rel, sizeof(rel), "tests/fixtures/dmar/%s.hex", name);
	text = ioh_test_slurp(ioh_test_src(rel), NULL);
	for (p = text; *p;) {
		char *eol = strchr(p, '\n'), *hash;

		if (eol)
			*eol = '\0';
		if ((hash = strchr(p, '#')))
			*hash = '\0';
		if (strstr(p, "@length"))
			fixlen = true;
		else if (strstr(p, "@checksum"))
			fixsum = true;
		else
			for (char *tok = strtok(p, " \t"); tok; tok = strtok(NULL, " \t")) {
				CHECK_MSG(strlen(tok) == 2 && n < max, "bad token '%s' in %s", tok, rel);
				buf[n++] = (uint8_t)strtoul(tok, NULL, 16);
			}
		if (!eol)
			break;
		p = eol + 1;
	}
	free(text);
	if (fixlen)
		for (int i = 0; i < 4; i++)
			buf[4 + i] = (uint8_t)(n >> (8 * i));
	if (fixsum) {
		uint8_t s = 0;

		buf[9] = 0;
		for (size_t i = 0; i < n; i++)
			s = (uint8_t)(s + buf[i]);
		buf[9] = (uint8_t)-s;
	}
	return n;
}

static void check_qemu_q35(const struct ioh_dmar_table *t)
{
	static const uint8_t ep[][2] = { { 0x00, 0 }, { 0x1f, 0 }, { 0x1f, 2 }, { 0x1f, 3 } };
	const struct ioh_dmar_struct *d;

	CHECK(t->checksum_ok);
	CHECK_EQ(t->length, 104);
	CHECK_EQ(t->haw, 39);
	CHECK_EQ(t->flags, 0x01);
	CHECK_STREQ(t->oem_id, "BOCHS");
	CHECK_EQ(t->nstructs, 1);
	d = &t->structs[0];
	CHECK_EQ(d->type, IOH_DMAR_DRHD);
	CHECK_EQ(d->base, 0xfed90000);
	CHECK_EQ(d->flags, 0);
	CHECK_EQ(d->segment, 0);
	CHECK_EQ(d->nscopes, 5);
	CHECK_EQ(d->scopes[0].type, IOH_DMAR_SCOPE_IOAPIC);
	CHECK_EQ(d->scopes[0].enum_id, 0);
	CHECK_EQ(d->scopes[0].start_bus, 0xff);
	for (unsigned i = 0; i < 4; i++) {
		const struct ioh_dmar_scope *s = &d->scopes[i + 1];

		CHECK_EQ(s->type, IOH_DMAR_SCOPE_ENDPOINT);
		CHECK_EQ(s->start_bus, 0);
		CHECK_EQ(s->npath, 1);
		CHECK_EQ(s->path[0].dev, ep[i][0]);
		CHECK_EQ(s->path[0].fn, ep[i][1]);
	}
}

TEST(dmar_qemu_q35_fixture)
{
	uint8_t b[4096];
	size_t n = load_hex("qemu-q35", b, sizeof(b));
	struct ioh_dmar_table *t;

	CHECK_EQ(ioh_dmar_parse(NULL, b, n, true, &t), IOH_OK);
	check_qemu_q35(t);
	ioh_dmar_free(t);
}

TEST(dmar_qemu_q35_real_sample)
{
	const char *path = "/work/shared/samples/acpi/qemu-q35-intel-iommu.DMAR";
	struct ioh_dmar_table *t;
	uint8_t b[4096];
	size_t n = load_hex("qemu-q35", b, sizeof(b)), rn;
	FILE *f = fopen(path, "rb");
	uint8_t r[4096];

	if (!f) {
		printf("note: %s not found, dmar_qemu_q35_real_sample checked the fixture only\n", path);
		return;
	}
	rn = fread(r, 1, sizeof(r), f);
	fclose(f);
	/* the transcription is exact */
	CHECK_EQ(rn, n);
	CHECK(!memcmp(r, b, n));
	CHECK_EQ(ioh_dmar_read_path(NULL, path, true, &t), IOH_OK);
	check_qemu_q35(t);
	ioh_dmar_free(t);
}

TEST(dmar_every_structure)
{
	uint8_t b[4096];
	size_t n = load_hex("full", b, sizeof(b));
	struct ioh_dmar_table *t;
	const struct ioh_dmar_struct *s;

	CHECK_EQ(ioh_dmar_parse(NULL, b, n, true, &t), IOH_OK);
	CHECK_EQ(t->haw, 47);
	CHECK_EQ(t->flags, 0x05);
	CHECK_EQ(t->nstructs, 8);
	s = &t->structs[0];
	CHECK(s->type == IOH_DMAR_DRHD && s->base == 0xfed91000 && s->nscopes == 1);
	CHECK_EQ(s->scopes[0].type, IOH_DMAR_SCOPE_BRIDGE);
	CHECK_EQ(s->scopes[0].npath, 2);
	CHECK_EQ(s->scopes[0].path[0].dev, 0x1c);
	s = &t->structs[1];
	CHECK(s->type == IOH_DMAR_DRHD && (s->flags & 1) && s->segment == 1);
	CHECK_EQ(s->scopes[0].type, IOH_DMAR_SCOPE_HPET);
	s = &t->structs[2];
	CHECK(s->type == IOH_DMAR_RMRR && s->base == 0x7c000000 && s->limit == 0x7c7fffff);
	CHECK_EQ(s->scopes[0].path[0].dev, 0x14);
	CHECK(t->structs[3].type == IOH_DMAR_ATSR && t->structs[3].flags == 1 &&
	      t->structs[3].nscopes == 0);
	CHECK(t->structs[4].type == IOH_DMAR_RHSA && t->structs[4].proximity == 1);
	CHECK(t->structs[5].type == IOH_DMAR_ANDD && t->structs[5].length == 22);
	CHECK(t->structs[6].type == IOH_DMAR_SATC && t->structs[6].nscopes == 1);
	CHECK(t->structs[7].type == 0x42 && t->structs[7].length == 6);
	CHECK_STREQ(ioh_dmar_struct_name(0x42), "unknown");
	ioh_dmar_free(t);
}

/* Parses b; expects failure with `what` in the message. */
static void expect_corrupt(const uint8_t *b, size_t n, const char *what)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_dmar_table *t = (void *)1;

	CHECK_EQ(ioh_dmar_parse(ctx, b, n, false, &t), IOH_ERR_CORRUPT);
	CHECK(t == NULL);
	CHECK_CONTAINS(ioh_get_err(ctx), what);
	ioh_ctx_free(ctx);
}

static void fix_sum(uint8_t *b, size_t n)
{
	uint8_t s = 0;

	b[9] = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	b[9] = (uint8_t)-s;
}

TEST(dmar_hostile_tables)
{
	uint8_t b[4096], m[4096];
	size_t n = load_hex("qemu-q35", b, sizeof(b));

	/* every truncation fails cleanly */
	for (size_t cut = 0; cut < n; cut++) {
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_dmar_table *t;

		CHECK_EQ(ioh_dmar_parse(ctx, b, cut, false, &t), IOH_ERR_CORRUPT);
		ioh_ctx_free(ctx);
	}
	expect_corrupt(b, 60, "runs past the end of the data (60 bytes)");
	memcpy(m, b, n);
	memcpy(m, "RAMD", 4);
	expect_corrupt(m, n, "signature");
	/* length field shorter than the header */
	memcpy(m, b, n);
	m[4] = 40;
	expect_corrupt(m, n, "shorter than the header");
	/* DRHD length 0: must not loop */
	memcpy(m, b, n);
	m[50] = 0;
	fix_sum(m, n);
	expect_corrupt(m, n, "DRHD at offset 48: length 0");
	/* DRHD length past the end */
	memcpy(m, b, n);
	m[50] = 0x40;
	fix_sum(m, n);
	expect_corrupt(m, n, "runs past the table end");
	/* DRHD shorter than its fixed part */
	memcpy(m, b, n);
	m[50] = 8;
	fix_sum(m, n);
	expect_corrupt(m, n, "at least 16");
	/* scope length 0, odd, past its structure */
	memcpy(m, b, n);
	m[65] = 0;
	fix_sum(m, n);
	expect_corrupt(m, n, "device scope at offset 64: length 0");
	m[65] = 7;
	fix_sum(m, n);
	expect_corrupt(m, n, "length 7 is invalid");
	memcpy(m, b, n);
	m[97] = 10;
	fix_sum(m, n);
	expect_corrupt(m, n, "runs past its structure");
}

TEST(dmar_checksum)
{
	uint8_t b[4096];
	size_t n = load_hex("qemu-q35", b, sizeof(b));
	struct ioh_dmar_table *t;
	ioh_ctx *ctx = ioh_ctx_new();

	b[9] ^= 1;
	CHECK_EQ(ioh_dmar_parse(ctx, b, n, false, &t), IOH_OK);
	CHECK(!t->checksum_ok);
	ioh_dmar_free(t);
	CHECK_EQ(ioh_dmar_parse(ctx, b, n, true, &t), IOH_ERR_CORRUPT);
	CHECK_CONTAINS(ioh_get_err(ctx), "checksum");
	ioh_ctx_free(ctx);
}

TEST(dmar_random_mutations_never_crash)
{
	uint8_t b[4096], m[4096];
	size_t n = load_hex("full", b, sizeof(b));
	unsigned seed = 12345;

	for (int round = 0; round < 20000; round++) {
		struct ioh_dmar_table *t = NULL;
		ioh_ctx *ctx = ioh_ctx_new();

		memcpy(m, b, n);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245 + 12345;
			m[48 + (seed >> 8) % (n - 48)] = (uint8_t)(seed >> 20);
		}
		if (ioh_dmar_parse(ctx, m, n, false, &t) == IOH_OK) {
			CHECK(t);
			for (unsigned i = 0; i < t->nstructs; i++)
				CHECK(t->structs[i].offset + t->structs[i].length <= t->length);
		}
		ioh_dmar_free(t);
		ioh_ctx_free(ctx);
	}
}
