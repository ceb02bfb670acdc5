/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkdiskdump: writes any dump libioh reads as a kdump-compressed file, with
 * any of the page compressions the format knows. Debian's makedumpfile 1.7.2
 * is built without snappy and zstd, so the tests need their own writer to
 * read those pages (ours and libkdumpfile's), and a way to make a dump of a
 * machine with far more RAM than the test has disk: --pad.
 *
 *   mkdiskdump [-c none|zlib|lzo|snappy|zstd] [--exclude-zero]
 *              [--pad-gib N --pad-every K] IN OUT
 *
 * Layout (ECOSYSTEM.md §2.1, header version 6): header block, sub-header
 * block(s) holding the VMCOREINFO, RAM bitmap, dumped-page bitmap, one 24-byte
 * descriptor per dumped page in pfn order, page data. As makedumpfile does,
 * every zero page shares one data block and a page that does not shrink is
 * stored raw. --pad declares RAM up to N GiB, dumping every K-th page past
 * the input's end (all sharing one filler block) and marking the rest
 * excluded: descriptors and bitmaps as for a big machine, a small file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <lzo1x.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <ioh/source.h>

#define HDR_SIZE 464
#define SUB_SIZE 104
#define DESC_SIZE 24
#define F_ZLIB 0x1
#define F_LZO 0x2
#define F_SNAPPY 0x4
#define F_ZSTD 0x20

struct writer {
	int fd;
	uint32_t method; /* one F_* flag, 0 for none */
	uint64_t ps, max_pfn, in_pfns;
	unsigned char *bm1, *bm2;
	uint64_t bm_len, desc_off, data_off, ndesc;
	uint64_t zero_off, filler_off; /* shared blocks, 0 until written */
	uint32_t zero_size, zero_flags, filler_size, filler_flags;
	unsigned char *cbuf;
	size_t cbuf_len;
	void *lzo_wrk;
	bool exclude_zero;
	uint64_t pad_every;
};

static void die(const char *what)
{
	fprintf(stderr, "mkdiskdump: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
	exit(1);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	const unsigned char *b = buf;

	while (n) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);

		if (w <= 0)
			die("write");
		b += w;
		off += (uint64_t)w;
		n -= (size_t)w;
	}
}

static void set_bit(unsigned char *bm, uint64_t pfn)
{
	bm[pfn / 8] |= (unsigned char)(1u << (pfn & 7));
}

static bool is_zero(const unsigned char *p, size_t n)
{
	return !p[0] && !memcmp(p, p + 1, n - 1);
}

/* Compresses one page; returns the stored size and sets *flags (0: stored raw). */
static uint32_t compress_page(struct writer *w, const unsigned char *page, const void **out,
			      uint32_t *flags)
{
	size_t n = w->cbuf_len;
	bool ok = false;

	switch (w->method) {
	case F_ZLIB: {
		uLongf zn = (uLongf)n;

		ok = compress2(w->cbuf, &zn, page, (uLong)w->ps, 1) == Z_OK;
		n = zn;
		break;
	}
	case F_LZO: {
		lzo_uint ln = n;

		ok = lzo1x_1_compress(page, w->ps, w->cbuf, &ln, w->lzo_wrk) == LZO_E_OK;
		n = ln;
		break;
	}
	case F_SNAPPY:
		ok = snappy_compress((const char *)page, w->ps, (char *)w->cbuf, &n) == SNAPPY_OK;
		break;
	case F_ZSTD:
		n = ZSTD_compress(w->cbuf, n, page, w->ps, 1);
		ok = !ZSTD_isError(n);
		break;
	}
	if (ok && n < w->ps) {
		*out = w->cbuf;
		*flags = w->method;
		return (uint32_t)n;
	}
	*out = page;
	*flags = 0;
	return (uint32_t)w->ps;
}

/* Appends a page's data (or reuses a shared block) and writes its descriptor. */
static void add_page(struct writer *w, const unsigned char *page, uint64_t *shared_off,
		     uint32_t *shared_size, uint32_t *shared_flags)
{
	unsigned char d[DESC_SIZE] = { 0 };
	uint32_t size, flags;
	uint64_t off;

	if (shared_off && *shared_off) {
		off = *shared_off;
		size = *shared_size;
		flags = *shared_flags;
	} else {
		const void *data;

		size = compress_page(w, page, &data, &flags);
		off = w->data_off;
		pwrite_all(w->fd, data, size, off);
		w->data_off += size;
		if (shared_off) {
			*shared_off = off;
			*shared_size = size;
			*shared_flags = flags;
		}
	}
	put64(d, off);
	put32(d + 8, size);
	put32(d + 12, flags);
	pwrite_all(w->fd, d, sizeof(d), w->desc_off + w->ndesc++ * DESC_SIZE);
}

static int mark(void *priv, uint64_t phys, const void *data, size_t len)
{
	struct writer *w = priv;

	for (size_t o = 0; o < len; o += w->ps)
		if (!w->exclude_zero || !is_zero((const unsigned char *)data + o, w->ps))
			set_bit(w->bm2, (phys + o) / w->ps);
	return 0;
}

static int emit(void *priv, uint64_t phys, const void *data, size_t len)
{
	struct writer *w = priv;

	for (size_t o = 0; o < len; o += w->ps) {
		const unsigned char *pg = (const unsigned char *)data + o;
		uint64_t pfn = (phys + o) / w->ps;

		if (!(w->bm2[pfn / 8] >> (pfn & 7) & 1))
			continue;
		if (is_zero(pg, w->ps))
			add_page(w, pg, &w->zero_off, &w->zero_size, &w->zero_flags);
		else
			add_page(w, pg, NULL, NULL, NULL);
	}
	return 0;
}

static void write_headers(struct writer *w, const ioh_vmcoreinfo *vi, const char *vitext,
			  size_t vilen, uint32_t sub_blocks)
{
	unsigned char *h = calloc(1, w->ps * (1 + sub_blocks));
	const char *rel = vi ? ioh_vmcoreinfo_osrelease(vi) : NULL;

	if (!h)
		die("out of memory");
	memcpy(h, "KDUMP   ", 8);
	put32(h + 8, 6);
	memcpy(h + 12, "Linux", 5);
	if (rel)
		snprintf((char *)h + 12 + 2 * 65, 65, "%s", rel);
	memcpy(h + 12 + 4 * 65, "x86_64", 6);
	put32(h + 424, w->method);
	put32(h + 428, (uint32_t)w->ps);
	put32(h + 432, sub_blocks);
	put32(h + 436, (uint32_t)(2 * w->bm_len / w->ps));
	put32(h + 440, w->max_pfn > UINT32_MAX ? UINT32_MAX : (uint32_t)w->max_pfn);
	put32(h + 460, 1);
	if (vilen) {
		put64(h + w->ps + 32, w->ps + SUB_SIZE);
		put64(h + w->ps + 40, vilen);
		memcpy(h + w->ps + SUB_SIZE, vitext, vilen);
	}
	put64(h + w->ps + 96, w->max_pfn);
	pwrite_all(w->fd, h, w->ps * (1 + sub_blocks), 0);
	free(h);
}

/* VMCOREINFO back as "KEY=value\n" text, as the kernel wrote it. */
static char *vmcoreinfo_text(const ioh_vmcoreinfo *vi, size_t *len)
{
	size_t cap = 1, n = 0;
	char *t;

	for (size_t i = 0; vi && i < ioh_vmcoreinfo_count(vi); i++) {
		const char *k, *v;

		ioh_vmcoreinfo_entry(vi, i, &k, &v);
		cap += strlen(k) + strlen(v) + 2;
	}
	t = calloc(1, cap);
	if (!t)
		die("out of memory");
	for (size_t i = 0; vi && i < ioh_vmcoreinfo_count(vi); i++) {
		const char *k, *v;

		ioh_vmcoreinfo_entry(vi, i, &k, &v);
		n += (size_t)sprintf(t + n, "%s=%s\n", k, v);
	}
	*len = n;
	return t;
}

static uint32_t parse_method(const char *s)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} m[] = { { "none", 0 }, { "zlib", F_ZLIB }, { "lzo", F_LZO }, { "snappy", F_SNAPPY },
		  { "zstd", F_ZSTD } };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(s, m[i].name))
			return m[i].flag;
	fprintf(stderr, "mkdiskdump: unknown compression '%s'\n", s);
	exit(2);
}

static void setup(struct writer *w, ioh_source *src, uint64_t pad_gib)
{
	const struct ioh_range *r;
	size_t nr = ioh_source_ranges(src, &r);

	w->ps = ioh_source_page_size(src);
	w->in_pfns = nr ? (r[nr - 1].end + w->ps - 1) / w->ps : 0;
	w->max_pfn = w->in_pfns;
	if (pad_gib && (pad_gib << 30) / w->ps > w->max_pfn)
		w->max_pfn = (pad_gib << 30) / w->ps;
	w->bm_len = ((w->max_pfn + 7) / 8 + w->ps - 1) / w->ps * w->ps;
	w->bm1 = calloc(1, w->bm_len);
	w->bm2 = calloc(1, w->bm_len);
	w->cbuf_len = snappy_max_compressed_length(w->ps) + ZSTD_compressBound(w->ps) + 2 * w->ps;
	w->cbuf = malloc(w->cbuf_len);
	w->lzo_wrk = malloc(LZO1X_1_MEM_COMPRESS);
	if (!w->bm1 || !w->bm2 || !w->cbuf || !w->lzo_wrk || lzo_init() != LZO_E_OK)
		die("out of memory");
	for (size_t i = 0; i < nr; i++)
		for (uint64_t pfn = r[i].start / w->ps; pfn < (r[i].end + w->ps - 1) / w->ps; pfn++)
			set_bit(w->bm1, pfn);
	for (uint64_t pfn = w->in_pfns; pfn < w->max_pfn; pfn++) {
		set_bit(w->bm1, pfn);
		if (w->pad_every && (pfn - w->in_pfns) % w->pad_every == 0)
			set_bit(w->bm2, pfn);
	}
}

static uint64_t count_bits(const unsigned char *bm, uint64_t len)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < len; i++)
		n += (uint64_t)__builtin_popcount(bm[i]);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: mkdiskdump [-c none|zlib|lzo|snappy|zstd] [--exclude-zero] "
			"[--pad-gib N --pad-every K] IN OUT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "compress", required_argument, NULL, 'c' },
		{ "exclude-zero", no_argument, NULL, 'z' },
		{ "pad-gib", required_argument, NULL, 'g' },
		{ "pad-every", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct writer w = { .method = F_LZO };
	uint64_t pad_gib = 0;
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	char *vitext;
	size_t vilen;
	uint32_t sub_blocks;
	int c;

	while ((c = getopt_long(argc, argv, "c:", lo, NULL)) != -1) {
		switch (c) {
		case 'c': w.method = parse_method(optarg); break;
		case 'z': w.exclude_zero = true; break;
		case 'g': pad_gib = strtoull(optarg, NULL, 0); break;
		case 'k': w.pad_every = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind + 2 != argc || !ctx)
		usage();
	if (ioh_source_open(ctx, argv[optind], &src) != IOH_OK) {
		fprintf(stderr, "mkdiskdump: %s\n", ioh_get_err(ctx));
		return 1;
	}
	setup(&w, src, pad_gib);
	vitext = vmcoreinfo_text(ioh_source_vmcoreinfo(src), &vilen);
	sub_blocks = (uint32_t)((SUB_SIZE + vilen + w.ps - 1) / w.ps);
	w.fd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (w.fd < 0)
		die(argv[optind + 1]);
	if (ioh_source_for_each_page(src, 0, UINT64_MAX, mark, &w) != IOH_OK) {
		fprintf(stderr, "mkdiskdump: %s\n", ioh_get_err(ctx));
		return 1;
	}
	w.desc_off = (1 + sub_blocks + 2 * w.bm_len / w.ps) * w.ps;
	w.data_off = w.desc_off + count_bits(w.bm2, w.bm_len) * DESC_SIZE;
	write_headers(&w, ioh_source_vmcoreinfo(src), vitext, vilen, sub_blocks);
	pwrite_all(w.fd, w.bm1, w.bm_len, (1 + sub_blocks) * w.ps);
	pwrite_all(w.fd, w.bm2, w.bm_len, (1 + sub_blocks) * w.ps + w.bm_len);
	if (ioh_source_for_each_page(src, 0, UINT64_MAX, emit, &w) != IOH_OK) {
		fprintf(stderr, "mkdiskdump: %s\n", ioh_get_err(ctx));
		return 1;
	}
	if (w.pad_every) {
		unsigned char *filler = malloc(w.ps);

		if (!filler)
			die("out of memory");
		memset(filler, 0xa5, w.ps);
		for (uint64_t pfn = w.in_pfns; pfn < w.max_pfn; pfn += w.pad_every)
			add_page(&w, filler, &w.filler_off, &w.filler_size, &w.filler_flags);
		free(filler);
	}
	if (close(w.fd))
		die("close");
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	free(vitext);
	free(w.bm1);
	free(w.bm2);
	free(w.cbuf);
	free(w.lzo_wrk);
	return 0;
}
