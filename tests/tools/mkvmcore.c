/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkvmcore: writes an ELF vmcore from a text description, for tests.
 *
 *   mkvmcore DESC.txt OUT      (DESC "-" reads stdin)
 *
 * Description (one item a line, '#' starts a comment):
 *   key = value          ELF header and layout: class (64|32), data (lsb|msb),
 *                        machine (x86_64|NUMBER), type (core|exec|NUMBER),
 *                        cpus (PRSTATUS notes, default 1), page_size (layout
 *                        alignment, default 4096), truncate (final file size),
 *                        note_descsz (lie about the VMCOREINFO desc size)
 *   @phdr type=LOAD paddr=A memsz=M [filesz=F] [offset=O] [alias=N]
 *                        a PT_LOAD; offset defaults to the next free page,
 *                        filesz to memsz; alias=N places it over PT_LOAD
 *                        number N's file data (the kernel-text duplicate)
 *   @phdr type=NOTE [offset=O] [filesz=F]
 *                        where the notes go (default: first, computed size)
 *   @vmcoreinfo          following lines up to the next '@' are VMCOREINFO
 *   @0xADDR              following hex words (64-bit, little-endian in the
 *                        file) are memory at physical ADDR onward; "W*N"
 *                        repeats W N times
 * The file is written sparse: untouched memory costs no disk.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elf.h>

#define MAX_PHDRS 70000
#define MAX_VI (1u << 20)
#define MAX_MEMW (1u << 20) /* memory directives kept until layout is known */

struct phdr {
	uint32_t type;
	uint64_t paddr, memsz, filesz, offset;
	int has_filesz, has_offset, alias;
	int lineno;
};

struct memw {
	uint64_t addr;
	uint64_t word;
	uint64_t count;
	int lineno;
};

static struct {
	int cls, data, cpus;
	unsigned machine, type;
	uint64_t page_size, truncate;
	int64_t note_descsz;
	struct phdr *ph;
	size_t nph;
	char *vi;
	size_t vilen;
	struct memw *mw;
	size_t nmw;
} d = { .cls = 64, .data = ELFDATA2LSB, .cpus = 1, .machine = EM_X86_64, .type = ET_CORE,
	.page_size = 4096, .note_descsz = -1 };

static const char *in_name = "-";
static int lineno;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkvmcore: %s:%d: ", in_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t num(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || (*end && !isspace((unsigned char)*end)))
		die("%s: '%s' is not a number", what, s);
	return v;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static void header_kv(char *line)
{
	char *eq = strchr(line, '='), *k = line, *v;

	*eq = '\0';
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	for (char *e = eq; e > k && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	if (!strcmp(k, "class"))
		d.cls = (int)num(v, k);
	else if (!strcmp(k, "data"))
		d.data = !strcmp(v, "msb") ? ELFDATA2MSB : !strcmp(v, "lsb") ? ELFDATA2LSB : -1;
	else if (!strcmp(k, "machine"))
		d.machine = !strcmp(v, "x86_64") ? EM_X86_64 : (unsigned)num(v, k);
	else if (!strcmp(k, "type"))
		d.type = !strcmp(v, "core") ? ET_CORE : !strcmp(v, "exec") ? ET_EXEC : (unsigned)num(v, k);
	else if (!strcmp(k, "cpus"))
		d.cpus = (int)num(v, k);
	else if (!strcmp(k, "page_size"))
		d.page_size = num(v, k);
	else if (!strcmp(k, "truncate"))
		d.truncate = num(v, k);
	else if (!strcmp(k, "note_descsz"))
		d.note_descsz = (int64_t)num(v, k);
	else
		die("unknown key '%s'", k);
	if (d.data < 0)
		die("data must be lsb or msb");
	if (d.cls != 64 && d.cls != 32)
		die("class must be 32 or 64");
	if (!d.page_size || (d.page_size & (d.page_size - 1)))
		die("page_size must be a power of two");
}

static void phdr_line(char *args)
{
	struct phdr p = { .alias = -1, .lineno = lineno };
	char *tok, *save;

	if (d.nph >= MAX_PHDRS)
		die("more than %d @phdr", MAX_PHDRS);
	for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			die("@phdr: '%s' is not key=value", tok);
		*eq++ = '\0';
		if (!strcmp(tok, "type"))
			p.type = !strcmp(eq, "LOAD") ? PT_LOAD : !strcmp(eq, "NOTE") ? PT_NOTE
											: (uint32_t)num(eq, tok);
		else if (!strcmp(tok, "paddr"))
			p.paddr = num(eq, tok);
		else if (!strcmp(tok, "memsz"))
			p.memsz = num(eq, tok);
		else if (!strcmp(tok, "filesz"))
			p.filesz = num(eq, tok), p.has_filesz = 1;
		else if (!strcmp(tok, "offset"))
			p.offset = num(eq, tok), p.has_offset = 1;
		else if (!strcmp(tok, "alias"))
			p.alias = (int)num(eq, tok);
		else
			die("@phdr: unknown key '%s'", tok);
	}
	if (!p.type)
		die("@phdr needs type=LOAD or type=NOTE");
	if (p.type == PT_LOAD && !p.has_filesz)
		p.filesz = p.memsz;
	if (p.alias >= 0 && (size_t)p.alias >= d.nph)
		die("@phdr alias=%d: no such earlier phdr", p.alias);
	if (!(d.nph & (d.nph - 1)) || !d.nph) /* doubling: 70000 phdrs stay cheap */
		d.ph = xrealloc(d.ph, (d.nph ? 2 * d.nph : 1) * sizeof(*d.ph) + sizeof(*d.ph));
	d.ph[d.nph++] = p;
}

static void vi_line(const char *line)
{
	size_t n = strlen(line);

	if (d.vilen + n + 1 > MAX_VI)
		die("VMCOREINFO longer than %u bytes", MAX_VI);
	d.vi = xrealloc(d.vi, d.vilen + n + 2);
	memcpy(d.vi + d.vilen, line, n);
	d.vilen += n;
	d.vi[d.vilen++] = '\n';
	d.vi[d.vilen] = '\0';
}

static void mem_words(char *line, uint64_t *addr)
{
	char *tok, *save;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *star = strchr(tok, '*');
		uint64_t count = 1, w;

		if (star) {
			*star = '\0';
			count = num(star + 1, "repeat count");
		}
		w = strtoull(tok, &star, 16);
		if (*star)
			die("'%s' is not a hex word", tok);
		if (d.nmw >= MAX_MEMW)
			die("too many memory words");
		if (!(d.nmw & (d.nmw - 1)) || !d.nmw)
			d.mw = xrealloc(d.mw, (d.nmw ? 2 * d.nmw : 1) * sizeof(*d.mw));
		d.mw[d.nmw++] = (struct memw){ *addr, w, count, lineno };
		*addr += 8 * count;
	}
}

static void parse(FILE *f)
{
	enum { TOP, VI, MEM } mode = TOP;
	uint64_t addr = 0;
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		char *s = line, *hash;

		lineno++;
		s[strcspn(s, "\n")] = '\0';
		/* VMCOREINFO values may hold '#'; there only whole-line comments. */
		if (mode != VI && (hash = strchr(s, '#')))
			*hash = '\0';
		else if (mode == VI && s[strspn(s, " \t")] == '#')
			continue;
		while (isspace((unsigned char)*s))
			s++;
		for (char *e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		if (!*s)
			continue;
		if (*s == '@') {
			mode = TOP;
			if (!strncmp(s, "@phdr", 5) && (!s[5] || isspace((unsigned char)s[5])))
				phdr_line(s + 5);
			else if (!strcmp(s, "@vmcoreinfo"))
				mode = VI;
			else if (!strncmp(s, "@0x", 3))
				addr = num(s + 1, "address"), mode = MEM;
			else
				die("unknown directive '%s'", s);
		} else if (mode == VI) {
			vi_line(s);
		} else if (mode == MEM) {
			if (addr & 7)
				die("memory address 0x%" PRIx64 " is not 8-byte aligned", addr);
			mem_words(s, &addr);
		} else if (strchr(s, '=')) {
			header_kv(s);
		} else {
			die("cannot parse '%s'", s);
		}
	}
	free(line);
}

/* ---- output ---- */

static int out_fd;
static const char *out_name;

static void put(const void *buf, size_t n, uint64_t off)
{
	const char *p = buf;

	while (n) {
		ssize_t w = pwrite(out_fd, p, n, (off_t)off);

		if (w < 0) {
			fprintf(stderr, "mkvmcore: write %s: %s\n", out_name, strerror(errno));
			exit(1);
		}
		p += w;
		off += (uint64_t)w;
		n -= (size_t)w;
	}
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[d.data == ELFDATA2LSB ? i : n - 1 - i] = (unsigned char)(v >> (8 * i));
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Builds the note blob: one PRSTATUS per cpu, then VMCOREINFO, then a terminator. */
static unsigned char *build_notes(size_t *len)
{
	size_t prs = 336, cap = (size_t)d.cpus * (12 + 8 + prs) + 12 + 12 + align4(d.vilen) + 12;
	unsigned char *b = calloc(1, cap), *p = b;

	if (!b)
		die("out of memory");
	for (int c = 0; c < d.cpus; c++) {
		put_le(p, 5, 4), put_le(p + 4, prs, 4), put_le(p + 8, NT_PRSTATUS, 4);
		memcpy(p + 12, "CORE", 5);
		put_le(p + 20 + 32, (uint64_t)(100 + c), 4); /* pr_pid */
		p += 20 + prs;
	}
	if (d.vilen) {
		uint64_t descsz = d.note_descsz >= 0 ? (uint64_t)d.note_descsz : d.vilen;

		put_le(p, 11, 4), put_le(p + 4, descsz, 4), put_le(p + 8, 0, 4);
		memcpy(p + 12, "VMCOREINFO", 11);
		memcpy(p + 24, d.vi, d.vilen);
		p += 24 + align4(d.vilen);
	}
	p += 12; /* all-zero terminator, as the kernel writes */
	*len = (size_t)(p - b);
	return b;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void layout(size_t notes_len)
{
	size_t ehsz = d.cls == 64 ? 64 : 52, phsz = d.cls == 64 ? 56 : 32;
	uint64_t next;
	int have_note = 0;

	for (size_t i = 0; i < d.nph; i++)
		have_note |= d.ph[i].type == PT_NOTE;
	if (!have_note) {
		d.ph = xrealloc(d.ph, (d.nph + 1) * sizeof(*d.ph));
		memmove(&d.ph[1], &d.ph[0], d.nph * sizeof(*d.ph));
		d.ph[0] = (struct phdr){ .type = PT_NOTE, .alias = -1 };
		d.nph++;
		for (size_t i = 1; i < d.nph; i++)
			if (d.ph[i].alias >= 0)
				d.ph[i].alias++;
	}
	/* Past 0xfffe program headers the count moves to section header 0 (PN_XNUM). */
	next = round_up(ehsz + phsz * d.nph + (d.nph > 0xfffe ? 64 : 0), d.page_size);
	for (size_t i = 0; i < d.nph; i++) {
		struct phdr *p = &d.ph[i];

		if (p->type != PT_NOTE)
			continue;
		if (!p->has_offset)
			p->offset = next;
		if (!p->has_filesz)
			p->filesz = notes_len;
		next = round_up(p->offset + notes_len, d.page_size);
	}
	for (size_t i = 0; i < d.nph; i++) {
		struct phdr *p = &d.ph[i];

		if (p->type != PT_LOAD)
			continue;
		if (p->alias >= 0) {
			p->offset = d.ph[p->alias].offset + (p->paddr - d.ph[p->alias].paddr);
			continue;
		}
		if (!p->has_offset) {
			p->offset = next;
			next = round_up(next + p->filesz, d.page_size);
		}
	}
}

static void write_headers(void)
{
	unsigned char eh[64] = { 0 }, ph[56];
	int is64 = d.cls == 64;
	size_t ehsz = is64 ? 64 : 52, phsz = is64 ? 56 : 32;

	memcpy(eh, ELFMAG, SELFMAG);
	eh[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	eh[EI_DATA] = (unsigned char)d.data;
	eh[EI_VERSION] = EV_CURRENT;
	put_le(eh + 16, d.type, 2);
	put_le(eh + 18, d.machine, 2);
	put_le(eh + 20, EV_CURRENT, 4);
	if (is64) {
		put_le(eh + 32, ehsz, 8);		      /* e_phoff */
		put_le(eh + 52, ehsz, 2), put_le(eh + 54, phsz, 2); /* e_ehsize, e_phentsize */
		put_le(eh + 56, d.nph > 0xfffe ? PN_XNUM : d.nph, 2);
		put_le(eh + 58, 64, 2);
		if (d.nph > 0xfffe) {
			unsigned char sh[64] = { 0 };
			uint64_t shoff = ehsz + phsz * d.nph;

			put_le(eh + 40, shoff, 8);
			put_le(eh + 60, 1, 2);
			put_le(sh + 44, d.nph, 4); /* sh_info */
			put(sh, sizeof(sh), shoff);
		}
	} else {
		put_le(eh + 28, ehsz, 4);
		put_le(eh + 40, ehsz, 2), put_le(eh + 42, phsz, 2);
		put_le(eh + 44, d.nph, 2);
		put_le(eh + 46, 40, 2);
	}
	put(eh, ehsz, 0);
	for (size_t i = 0; i < d.nph; i++) {
		const struct phdr *p = &d.ph[i];

		memset(ph, 0, sizeof(ph));
		if (is64) {
			put_le(ph, p->type, 4);
			put_le(ph + 8, p->offset, 8);
			put_le(ph + 16, p->type == PT_LOAD ? 0xffff888000000000ull + p->paddr : 0, 8);
			put_le(ph + 24, p->paddr, 8);
			put_le(ph + 32, p->filesz, 8);
			put_le(ph + 40, p->type == PT_LOAD ? p->memsz : p->filesz, 8);
		} else {
			put_le(ph, p->type, 4);
			put_le(ph + 4, p->offset, 4);
			put_le(ph + 12, p->paddr, 4);
			put_le(ph + 16, p->filesz, 4);
			put_le(ph + 20, p->type == PT_LOAD ? p->memsz : p->filesz, 4);
		}
		put(ph, phsz, ehsz + i * phsz);
	}
}

/* File offset of physical addr (8 bytes), or die naming the line. */
static uint64_t file_off(uint64_t addr, int line)
{
	for (size_t i = 0; i < d.nph; i++) {
		const struct phdr *p = &d.ph[i];

		if (p->type == PT_LOAD && p->alias < 0 && addr >= p->paddr &&
		    addr + 8 <= p->paddr + p->filesz)
			return p->offset + (addr - p->paddr);
	}
	lineno = line;
	die("memory at 0x%" PRIx64 " is in no PT_LOAD's file data", addr);
}

static void write_memory(void)
{
	unsigned char w[8];

	for (size_t i = 0; i < d.nmw; i++) {
		const struct memw *m = &d.mw[i];

		/* Zero words need no write in a sparse file, unless they overwrite. */
		for (uint64_t k = 0; k < m->count; k++) {
			put_le(w, m->word, 8);
			put(w, 8, file_off(m->addr + 8 * k, m->lineno));
		}
	}
}

int main(int argc, char **argv)
{
	unsigned char *notes;
	size_t notes_len;
	uint64_t end = 0;
	FILE *f = stdin;

	if (argc != 3) {
		fprintf(stderr, "usage: mkvmcore DESC.txt|- OUT.vmcore\n");
		return 1;
	}
	in_name = argv[1];
	if (strcmp(argv[1], "-") && !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "mkvmcore: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	parse(f);
	if (f != stdin)
		fclose(f);
	lineno = 0;
	notes = build_notes(&notes_len);
	layout(notes_len);
	out_name = argv[2];
	out_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out_fd < 0) {
		fprintf(stderr, "mkvmcore: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	write_headers();
	for (size_t i = 0; i < d.nph; i++) {
		const struct phdr *p = &d.ph[i];

		if (p->type == PT_NOTE && !p->has_offset)
			put(notes, notes_len, p->offset);
		else if (p->type == PT_NOTE)
			put(notes, notes_len < p->filesz ? notes_len : p->filesz, p->offset);
		if (p->offset + p->filesz > end)
			end = p->offset + p->filesz;
	}
	write_memory();
	if (d.truncate)
		end = d.truncate;
	if (ftruncate(out_fd, (off_t)end) < 0 || close(out_fd) < 0) {
		fprintf(stderr, "mkvmcore: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	free(notes);
	free(d.ph);
	free(d.vi);
	free(d.mw);
	return 0;
}
