/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iommu-handover decode: VT-d entries, registers, table pages and fault
 * reasons, field by field, with every reserved-bit or consistency problem.
 * The bit work is libioh's (ioh/vtd.h); this file only parses options and
 * lays the fields out as text or JSON.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/vtd.h>

#include "cli.h"
#include "json.h"

#define CMD "decode"
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REQ 32
#define MAX_FILE (1u << 20) /* a text dump of one page is ~9 KiB */

/* ---- one decoded thing, as a list of named fields ---- */

/* V_HEX: an address or mask, a "0x" string in JSON; V_XNUM: hex in text, a JSON number. */
enum vkind { V_BOOL, V_NUM, V_HEX, V_XNUM, V_STR };

struct field {
	const char *key; /* spec term, lower case */
	enum vkind kind;
	uint64_t v;
	const char *s;	 /* V_STR */
	char note[80];	 /* text output only */
	bool derived;	 /* computed from the fields, not bits of the entry */
};

struct item {
	const char *type;  /* JSON "type" */
	const char *title; /* text heading */
	const char *mode;  /* "legacy"/"scalable" where it matters, else NULL */
	int index;	   /* position in a table page, -1 for a single entry */
	char label[40];	   /* what the index means: bus, devfn, PASID range */
	unsigned nraw, rawbits;
	uint64_t raw[8];
	unsigned nf;
	struct field f[48];
	struct ioh_problems pr;
};

static void item_init(struct item *it, const char *type, const char *title, const uint64_t *q,
		      unsigned nq)
{
	memset(it, 0, sizeof(*it));
	it->type = type;
	it->title = title;
	it->index = -1;
	it->rawbits = 64;
	it->nraw = nq;
	memcpy(it->raw, q, nq * sizeof(*q));
	ioh_problems_init(&it->pr);
}

static struct field *add(struct item *it, const char *key, enum vkind kind, uint64_t v)
{
	struct field *f = &it->f[it->nf < NELEM(it->f) ? it->nf++ : it->nf - 1];

	f->key = key;
	f->kind = kind;
	f->v = v;
	f->s = "";
	f->note[0] = 0;
	f->derived = false;
	return f;
}

static void note(struct field *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct field *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->note, sizeof(f->note), fmt, ap);
	va_end(ap);
}

#define B(it, k, v) add(it, k, V_BOOL, (v))
#define N(it, k, v) add(it, k, V_NUM, (v))
#define H(it, k, v) add(it, k, V_HEX, (v))
#define X(it, k, v) add(it, k, V_XNUM, (v))

static struct field *str(struct item *it, const char *key, const char *s)
{
	struct field *f = add(it, key, V_STR, 0);

	f->s = s;
	return f;
}

static struct field *derived(struct item *it, const char *key, uint64_t v)
{
	struct field *f = N(it, key, v);

	f->derived = true;
	return f;
}

static const char *aw_text(unsigned aw)
{
	static const char *const t[] = { "reserved", "3-level, 39-bit", "4-level, 48-bit",
					 "5-level, 57-bit" };
	return aw < 4 ? t[aw] : "reserved";
}

static const char *tt_text(unsigned tt)
{
	static const char *const t[] = {
		"untranslated requests walk the second-level tables",
		"as 0, and device-TLB (ATS) requests allowed",
		"pass-through",
		"reserved",
	};
	return t[tt & 3];
}

/* ---- entries ---- */

static void fill_root(struct item *it, const uint64_t q[2], enum ioh_vtd_mode m, unsigned haw)
{
	struct ioh_vtd_root r;
	bool sm = m == IOH_VTD_SCALABLE;

	item_init(it, "root", sm ? "root entry (scalable)" : "root entry (legacy)", q, 2);
	it->mode = ioh_vtd_mode_name(m);
	ioh_vtd_root_decode(q, m, &r);
	if (sm) {
		B(it, "lp", r.p);
		H(it, "lctp", r.ctp);
		note(B(it, "up", r.up), "upper half: devfn 0x80-0xff");
		H(it, "uctp", r.uctp);
	} else {
		B(it, "present", r.p);
		H(it, "ctp", r.ctp);
	}
	ioh_vtd_root_validate(q, m, haw, &it->pr);
}

static void fill_context(struct item *it, const uint64_t q[2], unsigned haw)
{
	struct ioh_vtd_context c;

	item_init(it, "context", "context entry (legacy)", q, 2);
	it->mode = "legacy";
	ioh_vtd_context_decode(q, &c);
	B(it, "present", c.p);
	B(it, "fpd", c.fpd);
	note(N(it, "tt", c.tt), "%s", tt_text(c.tt));
	H(it, "slptptr", c.slptptr);
	note(N(it, "aw", c.aw), "%s", aw_text(c.aw));
	if (c.avail)
		note(N(it, "avail", c.avail), "software bits 70:67%s",
		     c.avail & 1 ? "; bit 67 was Linux's pre-6.0 \"copied\" mark" : "");
	else
		N(it, "avail", c.avail);
	N(it, "did", c.did);
	derived(it, "levels", ioh_vtd_aw_levels(c.aw));
	ioh_vtd_context_validate(q, haw, &it->pr);
}

static void fill_sm_context(struct item *it, const uint64_t q[4], unsigned haw)
{
	struct ioh_vtd_sm_context c;

	item_init(it, "sm-context", "context entry (scalable)", q, 4);
	it->mode = "scalable";
	ioh_vtd_sm_context_decode(q, &c);
	B(it, "present", c.p);
	B(it, "fpd", c.fpd);
	B(it, "dte", c.dte);
	B(it, "paside", c.paside);
	B(it, "pre", c.pre);
	note(N(it, "pdts", c.pdts), "directory of %u entries", ioh_vtd_pdts_entries(c.pdts));
	H(it, "pasiddirptr", c.pasiddirptr);
	N(it, "rid_pasid", c.rid_pasid);
	B(it, "rid_priv", c.rid_priv);
	derived(it, "pasid_dir_entries", ioh_vtd_pdts_entries(c.pdts));
	ioh_vtd_sm_context_validate(q, haw, &it->pr);
}

static void fill_pasid_dir(struct item *it, uint64_t v, unsigned haw)
{
	struct ioh_vtd_pasid_dir d;

	item_init(it, "pasid-dir", "PASID directory entry", &v, 1);
	it->mode = "scalable";
	ioh_vtd_pasid_dir_decode(v, &d);
	B(it, "present", d.p);
	B(it, "fpd", d.fpd);
	H(it, "smptblptr", d.smptblptr);
	ioh_vtd_pasid_dir_validate(v, haw, &it->pr);
}

static void fill_pasid(struct item *it, const uint64_t q[8], unsigned haw)
{
	struct ioh_vtd_pasid e;

	item_init(it, "pasid", "PASID table entry", q, 8);
	it->mode = "scalable";
	ioh_vtd_pasid_decode(q, &e);
	B(it, "present", e.p);
	B(it, "fpd", e.fpd);
	note(N(it, "aw", e.aw), "%s", aw_text(e.aw));
	B(it, "slee", e.slee);
	note(N(it, "pgtt", e.pgtt), "%s", ioh_vtd_pgtt_name(e.pgtt));
	B(it, "slade", e.slade);
	H(it, "slptptr", e.slptptr);
	N(it, "did", e.did);
	B(it, "pwsnp", e.pwsnp);
	B(it, "pgsnp", e.pgsnp);
	B(it, "cd", e.cd);
	B(it, "emte", e.emte);
	N(it, "emt", e.emt);
	B(it, "pwt", e.pwt);
	B(it, "pcd", e.pcd);
	X(it, "pat", e.pat);
	B(it, "sre", e.sre);
	B(it, "ere", e.ere);
	note(N(it, "flpm", e.flpm), "%s",
	     e.flpm == 0 ? "4-level" : e.flpm == 1 ? "5-level" : "reserved");
	B(it, "wpe", e.wpe);
	B(it, "nxe", e.nxe);
	B(it, "smep", e.smep);
	B(it, "eafe", e.eafe);
	H(it, "flptptr", e.flptptr);
	ioh_vtd_pasid_validate(q, haw, &it->pr);
}

/* ---- registers ---- */

static void fill_cap(struct item *it, uint64_t v)
{
	struct ioh_vtd_cap c;
	char levels[64] = "";

	item_init(it, "cap", "CAP register", &v, 1);
	ioh_vtd_cap_decode(v, &c);
	note(N(it, "nd", c.nd), "%u domain ids", ioh_vtd_cap_ndoms(&c));
	B(it, "afl", c.afl);
	B(it, "rwbf", c.rwbf);
	B(it, "plmr", c.plmr);
	B(it, "phmr", c.phmr);
	note(B(it, "cm", c.cm), "%s", c.cm ? "caching mode: not-present entries may be cached (a vIOMMU)" : "");
	for (unsigned aw = 1; aw <= 3; aw++)
		if (ioh_vtd_cap_sagaw_supports(&c, aw))
			snprintf(levels + strlen(levels), sizeof(levels) - strlen(levels), "%s%s",
				 levels[0] ? "; " : "", aw_text(aw));
	note(X(it, "sagaw", c.sagaw), "%s", levels[0] ? levels : "no level supported");
	note(N(it, "mgaw", c.mgaw), "%u-bit guest addresses", ioh_vtd_cap_mgaw_bits(&c));
	B(it, "zlr", c.zlr);
	note(X(it, "fro", c.fro), "fault records at offset 0x%x", ioh_vtd_cap_frcd_offset(&c, 0));
	X(it, "sllps", c.sllps);
	B(it, "psi", c.psi);
	note(N(it, "nfr", c.nfr), "%u fault recording register%s", ioh_vtd_cap_nfr_count(&c),
	     c.nfr ? "s" : "");
	N(it, "mamv", c.mamv);
	B(it, "dwd", c.dwd);
	B(it, "drd", c.drd);
	B(it, "fl1gp", c.fl1gp);
	B(it, "pi", c.pi);
	B(it, "fl5lp", c.fl5lp);
	B(it, "esirtps", c.esirtps);
	B(it, "esrtps", c.esrtps);
	if (c.rsvd)
		note(H(it, "rsvd", c.rsvd), "bits not decoded here");
	derived(it, "ndoms", ioh_vtd_cap_ndoms(&c));
	derived(it, "mgaw_bits", ioh_vtd_cap_mgaw_bits(&c));
	derived(it, "nfr_count", ioh_vtd_cap_nfr_count(&c));
	derived(it, "frcd_offset", ioh_vtd_cap_frcd_offset(&c, 0));
}

static void fill_ecap(struct item *it, uint64_t v)
{
	struct ioh_vtd_ecap e;

	item_init(it, "ecap", "ECAP register", &v, 1);
	ioh_vtd_ecap_decode(v, &e);
	B(it, "c", e.c);
	B(it, "qi", e.qi);
	B(it, "dt", e.dt);
	B(it, "ir", e.ir);
	B(it, "eim", e.eim);
	B(it, "pt", e.pt);
	B(it, "sc", e.sc);
	note(X(it, "iro", e.iro), "IOTLB invalidate register at offset 0x%x",
	     ioh_vtd_ecap_iotlb_offset(&e));
	N(it, "mhmv", e.mhmv);
	B(it, "nest", e.nest);
	B(it, "prs", e.prs);
	B(it, "ers", e.ers);
	B(it, "srs", e.srs);
	N(it, "pss", e.pss);
	B(it, "pasid", e.pasid);
	B(it, "dit", e.dit);
	B(it, "pds", e.pds);
	note(B(it, "smts", e.smts), "%s", e.smts ? "scalable mode supported" : "");
	B(it, "slads", e.slads);
	B(it, "slts", e.slts);
	B(it, "flts", e.flts);
	B(it, "smpwc", e.smpwc);
	B(it, "rps", e.rps);
	if (e.rsvd)
		note(H(it, "rsvd", e.rsvd), "bits not decoded here");
	derived(it, "iotlb_offset", ioh_vtd_ecap_iotlb_offset(&e));
}

static void fill_rtaddr(struct item *it, uint64_t v, unsigned haw)
{
	struct ioh_vtd_rtaddr r;

	item_init(it, "rtaddr", "RTADDR register", &v, 1);
	ioh_vtd_rtaddr_decode(v, &r);
	H(it, "rta", r.rta);
	note(N(it, "ttm", r.ttm), "%s", ioh_vtd_mode_name(r.ttm));
	ioh_vtd_rtaddr_validate(v, haw, &it->pr);
}

static void fill_frcd(struct item *it, const uint64_t q[2])
{
	struct ioh_vtd_frcd f;
	const struct ioh_fault_reason *fr;

	item_init(it, "frcd", "fault recording register", q, 2);
	ioh_vtd_frcd_decode(q, &f);
	fr = ioh_fault_reason(f.fr);
	H(it, "fi", f.fi);
	note(X(it, "sid", f.sid), "%02x:%02x.%x", f.sid >> 8, (f.sid >> 3) & 0x1f, f.sid & 7);
	B(it, "priv", f.priv);
	B(it, "exe", f.exe);
	B(it, "pp", f.pp);
	note(X(it, "fr", f.fr), "%s", fr ? fr->name : "not a defined fault reason");
	str(it, "fr_name", fr ? fr->name : "")->derived = true;
	X(it, "pv", f.pv);
	N(it, "at", f.at);
	note(B(it, "t", f.t), "%s", f.t ? "read" : "write");
	note(B(it, "f", f.f), "%s", f.f ? "fault pending" : "no fault recorded");
	ioh_vtd_frcd_validate(q, &it->pr);
}

static void fill_gsts(struct item *it, uint64_t v)
{
	struct ioh_vtd_gsts g;

	item_init(it, "gsts", "GSTS register", &v, 1);
	it->rawbits = 32;
	ioh_vtd_gsts_decode((uint32_t)v, &g);
	note(B(it, "tes", g.tes), "%s", g.tes ? "translation enabled" : "");
	B(it, "rtps", g.rtps);
	B(it, "fls", g.fls);
	B(it, "afls", g.afls);
	B(it, "wbfs", g.wbfs);
	B(it, "qies", g.qies);
	B(it, "ires", g.ires);
	B(it, "irtps", g.irtps);
	B(it, "cfis", g.cfis);
	if (g.rsvd)
		ioh_problems_add(&it->pr, "rsvd", "reserved bits set in bits 22:0: 0x%x", g.rsvd);
}

static void fill_fsts(struct item *it, uint64_t v)
{
	struct ioh_vtd_fsts f;

	item_init(it, "fsts", "FSTS register", &v, 1);
	it->rawbits = 32;
	ioh_vtd_fsts_decode((uint32_t)v, &f);
	B(it, "pfo", f.pfo);
	note(B(it, "ppf", f.ppf), "%s", f.ppf ? "a fault record is pending" : "");
	B(it, "iqe", f.iqe);
	B(it, "ice", f.ice);
	B(it, "ite", f.ite);
	B(it, "pro", f.pro);
	N(it, "fri", f.fri);
	if (f.rsvd)
		ioh_problems_add(&it->pr, "rsvd", "reserved bits set in bits 31:16, 3:2: 0x%x",
				 f.rsvd);
}

static void fill_fault(struct item *it, unsigned code)
{
	const struct ioh_fault_reason *r = ioh_fault_reason(code);
	uint64_t v = code;
	struct field *f;

	item_init(it, "fault-reason", "fault reason", &v, 0);
	f = X(it, "code", code);
	if (!r) {
		note(f, "not a defined fault reason");
		ioh_problems_add(&it->pr, "code", "0x%02x is not a defined fault reason", code);
		return;
	}
	str(it, "name", r->name);
	note(str(it, "kind", ioh_fault_kind_name(r->kind)), "%s",
	     r->kind == IOH_FAULT_DMA ? "DMA remapping (legacy)"
	     : r->kind == IOH_FAULT_IR ? "interrupt remapping (FPD of the IRTE)"
				       : "DMA remapping (scalable mode)");
	note(B(it, "qualified", r->qualified), "%s",
	     r->qualified ? "not recorded when the entry's FPD is 1"
			  : "always recorded, whatever FPD says");
}

/* ---- output ---- */

static void text_value(const struct field *f, char *buf, size_t n)
{
	if (f->kind == V_STR)
		snprintf(buf, n, "%s", f->s);
	else if (f->kind == V_HEX || f->kind == V_XNUM)
		snprintf(buf, n, "0x%llx", (unsigned long long)f->v);
	else
		snprintf(buf, n, "%llu", (unsigned long long)f->v);
}

static void text_raw(const struct item *it, const char *cont)
{
	if (it->nraw == 1)
		printf(it->rawbits == 32 ? " 0x%08llx" : " 0x%016llx",
		       (unsigned long long)it->raw[0]);
	else if (it->nraw == 2)
		printf(" lo 0x%016llx hi 0x%016llx", (unsigned long long)it->raw[0],
		       (unsigned long long)it->raw[1]);
	else
		for (unsigned i = 0; i < it->nraw; i++)
			printf("%s%s q%u 0x%016llx", i && i % 4 == 0 ? "\n" : "",
			       i && i % 4 == 0 ? cont : "", i, (unsigned long long)it->raw[i]);
}

static void text_problems(const struct item *it, const char *indent)
{
	for (unsigned i = 0; i < it->pr.n; i++)
		printf("%sproblem: %s: %s\n", indent, it->pr.p[i].field, it->pr.p[i].what);
	if (it->pr.dropped)
		printf("%s(%u more problems)\n", indent, it->pr.dropped);
}

static void text_item(const struct item *it)
{
	char v[96];

	printf("%s:", it->title);
	text_raw(it, " ");
	putchar('\n');
	for (unsigned i = 0; i < it->nf; i++) {
		const struct field *f = &it->f[i];

		if (f->derived)
			continue;
		text_value(f, v, sizeof(v));
		if (f->kind == V_STR && strlen(v) > 18)
			printf("  %-11s %s\n", f->key, v);
		else if (f->note[0])
			printf("  %-11s %-18s %s\n", f->key, v, f->note);
		else
			printf("  %-11s %s\n", f->key, v);
	}
	if (ioh_problems_count(&it->pr))
		text_problems(it, "  ");
	else
		printf("  no problems\n");
}

/* A table row: the index, the raw words, then only the fields that are set. */
static void text_row(const struct item *it)
{
	char v[96];

	printf("[%3d] %s\n     ", it->index, it->label);
	text_raw(it, "     ");
	printf("\n     ");
	for (unsigned i = 0; i < it->nf; i++) {
		const struct field *f = &it->f[i];

		if (f->derived || f->kind == V_STR || (!f->v && i))
			continue;
		text_value(f, v, sizeof(v));
		printf(" %s=%s", f->key, v);
	}
	putchar('\n');
	text_problems(it, "      ");
}

static void json_item(struct ioh_json *j, const struct item *it)
{
	ioh_json_obj_begin(j);
	ioh_json_kstr(j, "type", it->type);
	if (it->mode)
		ioh_json_kstr(j, "mode", it->mode);
	if (it->index >= 0) {
		ioh_json_ku64(j, "index", (unsigned)it->index);
		ioh_json_kstr(j, "label", it->label);
	}
	if (it->nraw) {
		ioh_json_key(j, "raw");
		ioh_json_arr_begin(j);
		for (unsigned i = 0; i < it->nraw; i++)
			ioh_json_hex(j, it->raw[i]);
		ioh_json_arr_end(j);
	}
	for (unsigned i = 0; i < it->nf; i++) {
		const struct field *f = &it->f[i];

		if (f->kind == V_STR)
			ioh_json_kstr(j, f->key, f->s);
		else if (f->kind == V_BOOL)
			ioh_json_kbool(j, f->key, f->v);
		else if (f->kind == V_HEX)
			ioh_json_khex(j, f->key, f->v);
		else
			ioh_json_ku64(j, f->key, f->v);
	}
	ioh_json_kproblems(j, "problems", &it->pr, NULL);
	if (it->pr.dropped)
		ioh_json_ku64(j, "problems_dropped", it->pr.dropped);
	ioh_json_obj_end(j);
}

/* ---- option values ---- */

/* One hex word, "0x" optional; the message names the option. */
static int parse_hex(const char *opt, const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, digits;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	digits = len - i;
	if (!digits) {
		cli_err(CMD, "%s: '%.*s' is not a hex number", opt, (int)len, s);
		return -1;
	}
	for (; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c)) {
			cli_err(CMD, "%s: '%.*s' is not a hex number", opt, (int)len, s);
			return -1;
		}
		v = v << 4 | (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	while (digits > 16 && s[len - digits] == '0')
		digits--;
	if (digits > 16) {
		cli_err(CMD, "%s: '%.*s' has more than 64 bits", opt, (int)len, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* "Q0,Q1,..." with between min and max words. */
static int parse_words(const char *opt, const char *s, unsigned min, unsigned max, uint64_t *q,
		       unsigned *n)
{
	unsigned k = 0;

	for (const char *p = s;; p++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (!len) {
			cli_err(CMD, "%s: empty word in '%s'", opt, s);
			return -1;
		}
		if (k == max) {
			unsigned total = k;
			for (const char *r = p - 1; r; r = strchr(r + 1, ','))
				total++;
			cli_err(CMD, "%s: %u words given, at most %u", opt, total, max);
			return -1;
		}
		if (parse_hex(opt, p, len, &q[k]))
			return -1;
		k++;
		if (!e)
			break;
		p = e;
	}
	if (k < min) {
		if (max > min)
			cli_err(CMD, "%s: %u word%s given, needs %u to %u", opt, k, k == 1 ? "" : "s",
				min, max);
		else
			cli_err(CMD, "%s: %u word%s given, needs %u", opt, k, k == 1 ? "" : "s", min);
		return -1;
	}
	for (unsigned i = k; i < max; i++)
		q[i] = 0;
	*n = k;
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		goto bad;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else
		v = strtoull(s, &end, 10);
	if (errno || *end || end == s || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !s[2]) ||
	    v < lo || v > hi)
		goto bad;
	*out = (unsigned)v;
	return 0;
bad:
	cli_err(CMD, "%s: '%s' is not a number from %u to %u", opt, s, lo, hi);
	return -1;
}

/* ---- table pages ---- */

enum table_type { T_ROOT, T_CONTEXT, T_SM_CONTEXT, T_PASID_DIR, T_PASID };

static const struct {
	const char *name;
	unsigned words; /* 64-bit words per entry */
} tables[] = {
	[T_ROOT] = { "root", 2 },	   [T_CONTEXT] = { "context", 2 },
	[T_SM_CONTEXT] = { "sm-context", 4 }, [T_PASID_DIR] = { "pasid-dir", 1 },
	[T_PASID] = { "pasid", 8 },
};

#define PAGE_WORDS (IOH_VTD_TABLE_SIZE / 8)

static bool is_text(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isprint(b[i]) && !isspace(b[i]))
			return false;
	return n > 0;
}

/*
 * Text pages: hex words separated by blanks or commas, "#" to end of line a
 * comment. Without labels, exactly 512 words. A label "OFFSET:" (hex byte
 * offset, 8-aligned) places the words after it there; with labels the page
 * may be sparse, and the words not given are zero.
 */
static int parse_text_page(const char *path, const char *b, size_t n, uint64_t *w)
{
	static bool set[PAGE_WORDS];
	unsigned k = 0, count = 0, line = 1;
	bool labels = false;
	char where[4200];
	size_t i = 0;

	memset(set, 0, sizeof(set));
	memset(w, 0, PAGE_WORDS * sizeof(*w));
	while (i < n) {
		size_t s;
		uint64_t v;

		if (b[i] == '\n')
			line++;
		if (isspace((unsigned char)b[i]) || b[i] == ',') {
			i++;
			continue;
		}
		if (b[i] == '#') {
			while (i < n && b[i] != '\n')
				i++;
			continue;
		}
		for (s = i; i < n && !isspace((unsigned char)b[i]) && b[i] != ',' && b[i] != '#'; i++)
			;
		snprintf(where, sizeof(where), "%s: line %u", path, line);
		if (b[i - 1] == ':') {
			if (parse_hex(where, b + s, i - s - 1, &v))
				return -1;
			if (v % 8 || v >= IOH_VTD_TABLE_SIZE) {
				cli_err(CMD, "%s: offset 0x%llx is not a multiple of 8 below 0x%x", where,
					(unsigned long long)v, IOH_VTD_TABLE_SIZE);
				return -1;
			}
			k = (unsigned)(v / 8);
			labels = true;
			continue;
		}
		if (k >= PAGE_WORDS) {
			cli_err(CMD, "%s: more than %u words, a table page is %u bytes", where,
				PAGE_WORDS, IOH_VTD_TABLE_SIZE);
			return -1;
		}
		if (set[k]) {
			cli_err(CMD, "%s: the word at offset 0x%x is given twice", where, k * 8);
			return -1;
		}
		if (parse_hex(where, b + s, i - s, &w[k]))
			return -1;
		set[k++] = true;
		count++;
	}
	if (!labels && count != PAGE_WORDS) {
		cli_err(CMD, "%s: %u hex words, a table page is %u (or %u raw bytes, or \"offset:\" "
			     "labels)", path, count, PAGE_WORDS, IOH_VTD_TABLE_SIZE);
		return -1;
	}
	return 0;
}

static int read_page(const char *path, uint64_t *w)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	unsigned char *b;
	size_t n;
	int rc = -1;

	if (!f) {
		cli_err(CMD, "%s: %s", path, strerror(errno));
		return -1;
	}
	b = malloc(MAX_FILE + 1);
	if (!b) {
		cli_err(CMD, "out of memory");
		goto out;
	}
	n = fread(b, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		cli_err(CMD, "%s: %s", path, strerror(errno));
	} else if (n > MAX_FILE) {
		cli_err(CMD, "%s: larger than %u bytes, not a table page", path, MAX_FILE);
	} else if (n == IOH_VTD_TABLE_SIZE && !is_text(b, n)) {
		for (unsigned i = 0; i < PAGE_WORDS; i++) {
			w[i] = 0;
			for (unsigned k = 0; k < 8; k++)
				w[i] |= (uint64_t)b[i * 8 + k] << (8 * k);
		}
		rc = 0;
	} else if (is_text(b, n)) {
		rc = parse_text_page(path, (const char *)b, n, w);
	} else {
		cli_err(CMD, "%s: %zu bytes, a table page is %u", path, n, IOH_VTD_TABLE_SIZE);
	}
out:
	free(b);
	if (f != stdin)
		fclose(f);
	return rc;
}

static void label_row(struct item *it, enum table_type t, unsigned i, int upper)
{
	it->index = (int)i;
	switch (t) {
	case T_ROOT:
		snprintf(it->label, sizeof(it->label), "bus %02x", i);
		break;
	case T_CONTEXT:
		snprintf(it->label, sizeof(it->label), "device %02x.%x", i >> 3, i & 7);
		break;
	case T_SM_CONTEXT:
		if (upper >= 0) {
			unsigned devfn = i | (upper ? 0x80 : 0);
			snprintf(it->label, sizeof(it->label), "device %02x.%x", devfn >> 3, devfn & 7);
		} else {
			snprintf(it->label, sizeof(it->label), "device %02x.%x (upper table: %02x.%x)",
				 i >> 3, i & 7, (i | 0x80) >> 3, i & 7);
		}
		break;
	case T_PASID_DIR:
		snprintf(it->label, sizeof(it->label), "PASIDs 0x%05x-0x%05x", i << 6,
			 i << 6 | 0x3f);
		break;
	case T_PASID:
		snprintf(it->label, sizeof(it->label), "PASID[5:0] 0x%02x", i);
		break;
	}
}

static void fill_row(struct item *it, enum table_type t, enum ioh_vtd_mode m, const uint64_t *q,
		     unsigned haw)
{
	switch (t) {
	case T_ROOT:
		fill_root(it, q, m, haw);
		break;
	case T_CONTEXT:
		fill_context(it, q, haw);
		break;
	case T_SM_CONTEXT:
		fill_sm_context(it, q, haw);
		break;
	case T_PASID_DIR:
		fill_pasid_dir(it, q[0], haw);
		break;
	case T_PASID:
		fill_pasid(it, q, haw);
		break;
	}
}

/* upper: for a scalable context page, 1 = UCTP's (devfn 0x80-0xff), 0 = LCTP's, -1 unknown. */
static int decode_table(enum table_type t, enum ioh_vtd_mode m, const char *path, unsigned haw,
			int upper, bool json)
{
	static uint64_t w[PAGE_WORDS];
	unsigned per = tables[t].words, n = PAGE_WORDS / per, used = 0, bad = 0;
	struct ioh_json j;
	struct item it;

	if (read_page(path, w))
		return CLI_ERROR;
	if (json) {
		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_ku64(&j, "haw", haw);
		ioh_json_kstr(&j, "table", tables[t].name);
		ioh_json_kstr(&j, "mode", ioh_vtd_mode_name(m));
		ioh_json_kstr(&j, "file", path);
		ioh_json_ku64(&j, "entries_total", n);
		ioh_json_key(&j, "decoded");
		ioh_json_arr_begin(&j);
	} else {
		printf("%s table (%s), %u entries, host address width %u\n", tables[t].name,
		       ioh_vtd_mode_name(m), n, haw);
	}
	for (unsigned i = 0; i < n; i++) {
		const uint64_t *q = &w[i * per];
		bool zero = true;

		for (unsigned k = 0; k < per; k++)
			zero &= !q[k];
		if (zero)
			continue;
		used++;
		fill_row(&it, t, m, q, haw);
		label_row(&it, t, i, upper);
		bad += ioh_problems_count(&it.pr) != 0;
		if (json)
			json_item(&j, &it);
		else
			text_row(&it);
	}
	if (json) {
		ioh_json_arr_end(&j);
		ioh_json_ku64(&j, "entries_used", used);
		ioh_json_ku64(&j, "entries_with_problems", bad);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
	} else {
		printf("%u of %u entries in use, %u with problems\n", used, n, bad);
	}
	return bad ? CLI_PROBLEM : CLI_OK;
}

/* ---- the built-in example ---- */

/*
 * The context entry of 00:03.0 in the legacy-virtio sample's crashed kernel
 * (Linux 6.1 under QEMU's 39-bit IOMMU: AW 1, DID 5; root table 0x1a2d000,
 * context table 0x1a33000), and the same entry torn: the 128-bit fetch is not
 * atomic against the capture kernel's two 64-bit stores (VTD.md 2.8), so it
 * can pair the old lo (P=1) with the zeroed hi.
 */
static const uint64_t example_copied[2] = { 0x0000000002692001ULL, 0x0000000000000501ULL };
static const uint64_t example_torn[2] = { 0x0000000002692001ULL, 0 };

static int decode_example(unsigned haw, bool json)
{
	struct item a, b;

	fill_context(&a, example_copied, haw);
	fill_context(&b, example_torn, haw);
	if (json) {
		struct ioh_json j;

		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_ku64(&j, "haw", haw);
		ioh_json_kbool(&j, "example", true);
		ioh_json_key(&j, "decoded");
		ioh_json_arr_begin(&j);
		json_item(&j, &a);
		json_item(&j, &b);
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
		return CLI_OK;
	}
	printf("Example: the context entry of device 00:03.0 that the capture kernel copied from\n"
	       "the crashed kernel (a real one, from a QEMU crash sample).\n");
	text_item(&a);
	printf("\nThe same entry torn: the capture kernel zeroes it with two 64-bit stores while\n"
	       "P=1, and an IOMMU fetch that reads lo before the stores and hi after them sees:\n");
	text_item(&b);
	printf("\nAW 0 is reserved, so the IOMMU reports fault 0x03:\n  %s\n"
	       "and the device's DMA fails. The Present-first teardown (Linux 7.0) clears P\n"
	       "alone, flushes the caches, then zeroes the entry, so a fetch sees either the\n"
	       "whole old entry or P=0 (fault 0x02, suppressed when FPD=1).\n"
	       "Decode your own: %s decode --context-lo LO --context-hi HI\n",
	       ioh_fault_reason(0x03)->name, cli_prog);
	return CLI_OK;
}

/* ---- main ---- */

enum req_kind {
	R_CONTEXT = 1, R_SM_CONTEXT, R_ROOT, R_PASID, R_PASID_DIR, R_CAP, R_ECAP, R_RTADDR,
	R_FRCD, R_GSTS, R_FSTS, R_FAULT,
};

struct req {
	enum req_kind kind;
	uint64_t q[8];
};

enum {
	O_CONTEXT_LO = 256, O_CONTEXT_HI, O_SM_CONTEXT, O_ROOT, O_PASID, O_PASID_DIR, O_CAP,
	O_ECAP, O_RTADDR, O_FRCD, O_GSTS, O_FSTS, O_FAULT, O_TABLE, O_MODE, O_HAW, O_JSON,
	O_EXAMPLE, O_HALF,
};

static const struct option longopts[] = {
	{ "context-lo", required_argument, NULL, O_CONTEXT_LO },
	{ "context-hi", required_argument, NULL, O_CONTEXT_HI },
	{ "sm-context", required_argument, NULL, O_SM_CONTEXT },
	{ "root", required_argument, NULL, O_ROOT },
	{ "pasid", required_argument, NULL, O_PASID },
	{ "pasid-dir", required_argument, NULL, O_PASID_DIR },
	{ "cap", required_argument, NULL, O_CAP },
	{ "ecap", required_argument, NULL, O_ECAP },
	{ "rtaddr", required_argument, NULL, O_RTADDR },
	{ "frcd", required_argument, NULL, O_FRCD },
	{ "gsts", required_argument, NULL, O_GSTS },
	{ "fsts", required_argument, NULL, O_FSTS },
	{ "fault-reason", required_argument, NULL, O_FAULT },
	{ "table", required_argument, NULL, O_TABLE },
	{ "mode", required_argument, NULL, O_MODE },
	{ "haw", required_argument, NULL, O_HAW },
	{ "json", no_argument, NULL, O_JSON },
	{ "example", no_argument, NULL, O_EXAMPLE },
	{ "half", required_argument, NULL, O_HALF },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void help(void)
{
	printf("Usage: %s " CMD " [OPTIONS]\n"
	       "       %s " CMD " --table TYPE [--mode legacy|scalable] FILE\n"
	       "Decode VT-d entries and registers given in hex, or a whole 4 KiB table page,\n"
	       "field by field, and name every reserved-bit or consistency problem.\n"
	       "With no options, decodes a built-in example of a torn context entry.\n\n"
	       "Entries (words in hex, 0x optional; lo/q0 first):\n"
	       "  --context-lo LO --context-hi HI   legacy context entry (hi 0 if omitted)\n"
	       "  --sm-context Q0,Q1[,Q2,Q3]         scalable-mode context entry\n"
	       "  --root LO[,HI]                     root entry (format from --mode)\n"
	       "  --pasid-dir V                      PASID directory entry\n"
	       "  --pasid Q0,Q1[,...,Q7]             PASID table entry\n"
	       "Registers and codes:\n"
	       "  --cap V  --ecap V  --rtaddr V  --gsts V  --fsts V\n"
	       "  --frcd LO,HI                       fault recording register\n"
	       "  --fault-reason N                   fault reason code (0x.. hex, else decimal)\n"
	       "Table pages (FILE: 4096 raw little-endian bytes, or text with 512 hex words;\n"
	       "'#' starts a comment, 'offset:' labels are skipped; '-' reads stdin):\n"
	       "  --table root|context|sm-context|pasid-dir|pasid\n"
	       "  --mode legacy|scalable             root/context format (default legacy)\n"
	       "  --half lower|upper                 a scalable context page is LCTP's (devfn\n"
	       "                                     0x00-0x7f) or UCTP's (0x80-0xff)\n"
	       "Output:\n"
	       "  --haw N      host address width for address checks (default 48)\n"
	       "  --json       JSON instead of text\n"
	       "  --example    the built-in example\n"
	       "Exit status: 0 no problem, 1 usage or input error, 2 a decoded entry has problems.\n",
	       cli_prog, cli_prog);
}

static int add_req(struct req *r, unsigned *n, enum req_kind k)
{
	if (*n == MAX_REQ) {
		cli_err(CMD, "more than %u things to decode at once", MAX_REQ);
		return -1;
	}
	memset(&r[*n], 0, sizeof(r[*n]));
	r[*n].kind = k;
	(*n)++;
	return 0;
}

static void fill_req(struct item *it, const struct req *r, enum ioh_vtd_mode m, unsigned haw)
{
	switch (r->kind) {
	case R_CONTEXT: fill_context(it, r->q, haw); break;
	case R_SM_CONTEXT: fill_sm_context(it, r->q, haw); break;
	case R_ROOT: fill_root(it, r->q, m, haw); break;
	case R_PASID: fill_pasid(it, r->q, haw); break;
	case R_PASID_DIR: fill_pasid_dir(it, r->q[0], haw); break;
	case R_CAP: fill_cap(it, r->q[0]); break;
	case R_ECAP: fill_ecap(it, r->q[0]); break;
	case R_RTADDR: fill_rtaddr(it, r->q[0], haw); break;
	case R_FRCD: fill_frcd(it, r->q); break;
	case R_GSTS: fill_gsts(it, r->q[0]); break;
	case R_FSTS: fill_fsts(it, r->q[0]); break;
	case R_FAULT: fill_fault(it, (unsigned)r->q[0]); break;
	}
}

static int run_requests(const struct req *r, unsigned n, enum ioh_vtd_mode m, unsigned haw,
			bool json)
{
	static struct item it;
	struct ioh_json j;
	unsigned bad = 0;

	if (json) {
		ioh_json_init(&j, stdout, true);
		ioh_json_obj_begin(&j);
		ioh_json_ku64(&j, "haw", haw);
		ioh_json_key(&j, "decoded");
		ioh_json_arr_begin(&j);
	}
	for (unsigned i = 0; i < n; i++) {
		fill_req(&it, &r[i], m, haw);
		bad += ioh_problems_count(&it.pr) != 0;
		if (json) {
			json_item(&j, &it);
		} else {
			if (i)
				putchar('\n');
			text_item(&it);
		}
	}
	if (json) {
		ioh_json_arr_end(&j);
		ioh_json_obj_end(&j);
		ioh_json_end(&j);
	}
	return bad ? CLI_PROBLEM : CLI_OK;
}

/* Value of a 32-bit register option. */
static int parse_reg32(const char *opt, const char *s, uint64_t *out)
{
	if (parse_hex(opt, s, strlen(s), out))
		return -1;
	if (*out >> 32) {
		cli_err(CMD, "%s: '%s' does not fit the 32-bit register", opt, s);
		return -1;
	}
	return 0;
}

/* The legacy context entry comes from two options: where it is and which halves were given. */
struct ctx_state {
	int req;
	bool lo, hi;
};

static int parse_one(int o, const char *arg, struct req *r, unsigned *n, struct ctx_state *cs)
{
	unsigned k;

	switch (o) {
	case O_CONTEXT_LO:
	case O_CONTEXT_HI: {
		const char *opt = o == O_CONTEXT_LO ? "--context-lo" : "--context-hi";
		unsigned slot = o == O_CONTEXT_LO ? 0 : 1;

		bool *seen = slot ? &cs->hi : &cs->lo;

		if (*seen) {
			cli_err(CMD, "%s: given twice (one legacy context entry per run)", opt);
			return -1;
		}
		if (cs->req < 0) {
			if (add_req(r, n, R_CONTEXT))
				return -1;
			cs->req = (int)*n - 1;
		}
		*seen = true;
		return parse_hex(opt, arg, strlen(arg), &r[cs->req].q[slot]);
	}
	case O_SM_CONTEXT:
		return add_req(r, n, R_SM_CONTEXT) ||
		       parse_words("--sm-context", arg, 2, 4, r[*n - 1].q, &k);
	case O_ROOT:
		return add_req(r, n, R_ROOT) || parse_words("--root", arg, 1, 2, r[*n - 1].q, &k);
	case O_PASID:
		return add_req(r, n, R_PASID) || parse_words("--pasid", arg, 1, 8, r[*n - 1].q, &k);
	case O_PASID_DIR:
		return add_req(r, n, R_PASID_DIR) ||
		       parse_words("--pasid-dir", arg, 1, 1, r[*n - 1].q, &k);
	case O_CAP:
		return add_req(r, n, R_CAP) || parse_words("--cap", arg, 1, 1, r[*n - 1].q, &k);
	case O_ECAP:
		return add_req(r, n, R_ECAP) || parse_words("--ecap", arg, 1, 1, r[*n - 1].q, &k);
	case O_RTADDR:
		return add_req(r, n, R_RTADDR) ||
		       parse_words("--rtaddr", arg, 1, 1, r[*n - 1].q, &k);
	case O_FRCD:
		return add_req(r, n, R_FRCD) || parse_words("--frcd", arg, 2, 2, r[*n - 1].q, &k);
	case O_GSTS:
		return add_req(r, n, R_GSTS) || parse_reg32("--gsts", arg, &r[*n - 1].q[0]);
	case O_FSTS:
		return add_req(r, n, R_FSTS) || parse_reg32("--fsts", arg, &r[*n - 1].q[0]);
	case O_FAULT:
		if (add_req(r, n, R_FAULT) || parse_uint("--fault-reason", arg, 0, 255, &k))
			return -1;
		r[*n - 1].q[0] = k;
		return 0;
	}
	return -1;
}

static int run(int argc, char **argv)
{
	static struct req reqs[MAX_REQ];
	unsigned nreq = 0, haw = 48;
	struct ctx_state cs = { -1, false, false };
	int table = -1, o;
	bool json = false, example = false, mode_given = false;
	int half = -1;
	enum ioh_vtd_mode mode = IOH_VTD_LEGACY;

	while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (o) {
		case 'h':
			help();
			return CLI_OK;
		case O_TABLE:
			for (unsigned t = 0; t < NELEM(tables); t++)
				if (!strcmp(optarg, tables[t].name))
					table = (int)t;
			if (table < 0) {
				cli_err(CMD, "--table: unknown type '%s' (root, context, sm-context, "
					     "pasid-dir, pasid)", optarg);
				return CLI_ERROR;
			}
			break;
		case O_MODE:
			if (ioh_vtd_mode_parse(optarg, &mode)) {
				cli_err(CMD, "--mode: '%s' is not legacy or scalable", optarg);
				return CLI_ERROR;
			}
			mode_given = true;
			break;
		case O_HAW:
			if (parse_uint("--haw", optarg, 12, 64, &haw))
				return CLI_ERROR;
			break;
		case O_HALF:
			if (strcmp(optarg, "lower") && strcmp(optarg, "upper")) {
				cli_err(CMD, "--half: '%s' is not lower or upper", optarg);
				return CLI_ERROR;
			}
			half = !strcmp(optarg, "upper");
			break;
		case O_JSON:
			json = true;
			break;
		case O_EXAMPLE:
			example = true;
			break;
		case '?':
			return cli_usage_error(CMD);
		default:
			if (parse_one(o, optarg, reqs, &nreq, &cs))
				return CLI_ERROR;
		}
	}
	if (cs.hi && !cs.lo) {
		cli_err(CMD, "--context-hi: needs --context-lo too");
		return CLI_ERROR;
	}
	if (half >= 0 && table < 0) {
		cli_err(CMD, "--half: goes with --table");
		return CLI_ERROR;
	}
	if (table >= 0) {
		if (nreq || example) {
			cli_err(CMD, "--table: decode a table page or single entries, not both");
			return CLI_ERROR;
		}
		if (optind != argc - 1) {
			cli_err(CMD, "--table: %s", optind == argc ? "needs a FILE" : "one FILE only");
			return cli_usage_error(CMD);
		}
		/* The scalable format of a context table is its own type. */
		if (table == T_CONTEXT && mode == IOH_VTD_SCALABLE)
			table = T_SM_CONTEXT;
		if (!mode_given && (table == T_SM_CONTEXT || table == T_PASID_DIR || table == T_PASID))
			mode = IOH_VTD_SCALABLE;
		if (half >= 0 && table != T_SM_CONTEXT) {
			cli_err(CMD, "--half: only for a scalable-mode context table");
			return CLI_ERROR;
		}
		return decode_table((enum table_type)table, mode, argv[optind], haw, half, json);
	}
	if (optind < argc) {
		cli_err(CMD, "unexpected argument '%s' (a FILE goes with --table)", argv[optind]);
		return cli_usage_error(CMD);
	}
	if (!nreq || example) {
		if (nreq) {
			cli_err(CMD, "--example: takes no entries to decode");
			return CLI_ERROR;
		}
		return decode_example(haw, json);
	}
	return run_requests(reqs, nreq, mode, haw, json);
}

CLI_COMMAND("decode", run, "decode VT-d entries, registers, table pages and fault reasons");
