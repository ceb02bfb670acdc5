/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ELF vmcore: /proc/vmcore, makedumpfile -E, QEMU dump-guest-memory.
 *
 * libelf reads the headers and notes at open; afterwards the segment table
 * is ours and data comes by pread, so libelf's copies are released and the
 * resident cost is one small struct per PT_LOAD.
 *
 * Physical lookups go through PT_LOAD p_paddr/p_offset only (the backup
 * region of kexec-tools dumps lives elsewhere in the file). A segment
 * entirely inside another (the kernel-text PT_LOAD duplicates RAM) is
 * dropped from the lookup; partial overlaps are refused. Bytes in
 * [p_filesz, p_memsz) are reported IOH_ERR_EXCLUDED: makedumpfile -E writes
 * trailing filtered pages that way, and the kernel never does.
 */
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdlib.h>

#include "source-internal.h"

#define ELF_MAX_PHDRS 65536
#define ELF_MAX_NOTE (16u << 20)

struct elf_seg {
	uint64_t paddr;
	uint64_t memsz;
	uint64_t filesz;
	uint64_t offset;
	uint64_t avail; /* file bytes really there: filesz cut at end of file */
	uint32_t idx;	/* program header index, for messages */
};

struct elf_priv {
	struct elf_seg *seg; /* sorted by paddr, disjoint */
	size_t nseg;
	size_t nload;
	size_t ndup;
	size_t ncpu;
};

static ioh_status elf_probe(struct ioh_source *src, const unsigned char *head, size_t len)
{
	(void)src;
	if (len < SELFMAG || memcmp(head, ELFMAG, SELFMAG))
		return IOH_ERR_NOPROBE;
	return IOH_OK;
}

static ioh_status elf_fail(struct ioh_source *src, const char *what)
{
	return ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: %s: %s", what, elf_errmsg(-1));
}

static ioh_status check_ehdr(struct ioh_source *src, Elf *e)
{
	GElf_Ehdr eh;
	int cls;

	if (elf_kind(e) != ELF_K_ELF)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: not an ELF object");
	cls = gelf_getclass(e);
	if (!gelf_getehdr(e, &eh))
		return elf_fail(src, "ELF header");
	if (cls != ELFCLASS64)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL,
			       "ELF: class %d is not ELF64 (VT-d dumps come from x86_64 kernels)",
			       cls);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL,
			       "ELF: byte order %d is not little-endian (x86_64)",
			       eh.e_ident[EI_DATA]);
	if (eh.e_type != ET_CORE)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: e_type %u is not ET_CORE (4)",
			       eh.e_type);
	if (eh.e_machine != EM_X86_64)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "ELF: e_machine %u is not x86_64 (%u)",
			       eh.e_machine, EM_X86_64);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: e_phentsize %u, expected %zu",
			       eh.e_phentsize, sizeof(Elf64_Phdr));
	return IOH_OK;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void note_vmcoreinfo(struct ioh_source *src, size_t idx, const char *desc, size_t len)
{
	ioh_vmcoreinfo *vi;

	if (src->vi) {
		src_problem(src, "PT_NOTE %zu: a second VMCOREINFO note, ignored", idx);
		return;
	}
	if (ioh_vmcoreinfo_parse(src->ctx, desc, len, &vi) != IOH_OK) {
		src_problem(src, "PT_NOTE %zu: %s", idx, ioh_get_err(src->ctx));
		return;
	}
	src->vi = vi;
}

static ioh_status read_notes(struct ioh_source *src, Elf *e, size_t idx, const GElf_Phdr *ph)
{
	struct elf_priv *p = src->priv;
	Elf_Data *d;
	size_t off = 0, next;
	GElf_Nhdr nh;
	size_t name_off, desc_off;

	if (ph->p_filesz > ELF_MAX_NOTE)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "PT_NOTE %zu: 0x%" PRIx64 " bytes, more than the %u MiB any dump "
			       "needs",
			       idx, (uint64_t)ph->p_filesz, ELF_MAX_NOTE >> 20);
	if (ph->p_offset > src->file_size || ph->p_filesz > src->file_size - ph->p_offset)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "PT_NOTE %zu: 0x%" PRIx64 "+0x%" PRIx64
			       " is past the end of the file (0x%" PRIx64 " bytes)",
			       idx, (uint64_t)ph->p_offset, (uint64_t)ph->p_filesz, src->file_size);
	if (!ph->p_filesz)
		return IOH_OK;
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d)
		return elf_fail(src, "PT_NOTE data");
	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off))) {
		const char *name = (const char *)d->d_buf + name_off;
		const char *desc = (const char *)d->d_buf + desc_off;

		if (nh.n_namesz == 11 && !memcmp(name, "VMCOREINFO", 11))
			note_vmcoreinfo(src, idx, desc, nh.n_descsz);
		else if (nh.n_namesz == 5 && !memcmp(name, "CORE", 5) && nh.n_type == NT_PRSTATUS)
			p->ncpu++;
		off = next;
	}
	/* /proc/vmcore pads the merged notes with zeros; anything else is damage. */
	if (off < d->d_size && !all_zero((const unsigned char *)d->d_buf + off, d->d_size - off))
		src_problem(src, "PT_NOTE %zu: malformed note at offset 0x%zx (sizes run past "
				 "the segment); later notes ignored",
			    idx, off);
	return IOH_OK;
}

static ioh_status add_load(struct ioh_source *src, struct elf_seg *segs, size_t *n, size_t idx,
			   const GElf_Phdr *ph)
{
	struct elf_seg *s;

	if (ph->p_filesz > ph->p_memsz)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "PT_LOAD %zu: p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64, idx,
			       (uint64_t)ph->p_filesz, (uint64_t)ph->p_memsz);
	if (ph->p_memsz && ph->p_paddr + ph->p_memsz - 1 < ph->p_paddr)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "PT_LOAD %zu: p_paddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64
			       " wraps around",
			       idx, (uint64_t)ph->p_paddr, (uint64_t)ph->p_memsz);
	if (ph->p_offset + ph->p_filesz < ph->p_offset)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT,
			       "PT_LOAD %zu: p_offset 0x%" PRIx64 " + p_filesz wraps around", idx,
			       (uint64_t)ph->p_offset);
	if (!ph->p_memsz)
		return IOH_OK;
	s = &segs[(*n)++];
	s->paddr = ph->p_paddr;
	s->memsz = ph->p_memsz;
	s->filesz = ph->p_filesz;
	s->offset = ph->p_offset;
	s->idx = (uint32_t)idx;
	s->avail = s->filesz;
	if (s->offset + s->filesz > src->file_size) {
		s->avail = s->offset < src->file_size ? src->file_size - s->offset : 0;
		src_problem(src,
			    "PT_LOAD %zu (paddr 0x%" PRIx64 "): data to file offset 0x%" PRIx64
			    " but the file ends at 0x%" PRIx64 " (truncated dump); the missing "
			    "part reads as corrupt",
			    idx, s->paddr, s->offset + s->filesz, src->file_size);
	}
	return IOH_OK;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct elf_seg *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* Same start: the larger (the RAM segment) first, so the smaller is a duplicate. */
	return x->memsz > y->memsz ? -1 : x->memsz < y->memsz;
}

/* Sorts by paddr and keeps a disjoint table: contained segments dropped, partial overlaps refused. */
static ioh_status build_lookup(struct ioh_source *src, struct elf_seg *segs, size_t n)
{
	struct elf_priv *p = src->priv;
	size_t keep = 0;

	p->seg = segs; /* owned from here on: elf_close frees it on any error below */
	qsort(segs, n, sizeof(*segs), seg_cmp);
	for (size_t i = 0; i < n; i++) {
		struct elf_seg *last = keep ? &segs[keep - 1] : NULL;
		uint64_t end = segs[i].paddr + segs[i].memsz;

		if (last && segs[i].paddr < last->paddr + last->memsz) {
			if (end > last->paddr + last->memsz)
				return ioh_err(src->ctx, IOH_ERR_CORRUPT,
					       "PT_LOAD %u [0x%" PRIx64 ", 0x%" PRIx64
					       ") partly overlaps PT_LOAD %u [0x%" PRIx64
					       ", 0x%" PRIx64 ")",
					       segs[i].idx, segs[i].paddr, end, last->idx, last->paddr,
					       last->paddr + last->memsz);
			p->ndup++;
			continue;
		}
		segs[keep++] = segs[i];
	}
	p->nseg = keep;
	for (size_t i = 0; i < keep; i++) {
		ioh_status st = src_add_range(src, segs[i].paddr, segs[i].paddr + segs[i].memsz);

		if (st != IOH_OK)
			return st;
	}
	return IOH_OK;
}

static ioh_status read_phdrs(struct ioh_source *src, Elf *e)
{
	struct elf_priv *p = src->priv;
	struct elf_seg *segs;
	size_t phnum, n = 0;
	ioh_status st = IOH_OK;

	if (elf_getphdrnum(e, &phnum) < 0)
		return elf_fail(src, "program header count");
	if (!phnum)
		return ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: no program headers");
	if (phnum > ELF_MAX_PHDRS)
		return ioh_err(src->ctx, IOH_ERR_LIMIT,
			       "ELF: %zu program headers, more than the %u this reader accepts",
			       phnum, ELF_MAX_PHDRS);
	segs = calloc(phnum, sizeof(*segs));
	if (!segs)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "ELF: out of memory for %zu segments", phnum);
	for (size_t i = 0; i < phnum && st == IOH_OK; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			st = elf_fail(src, "program header");
			break;
		}
		if (ph.p_type == PT_LOAD) {
			p->nload++;
			st = add_load(src, segs, &n, i, &ph);
		} else if (ph.p_type == PT_NOTE) {
			st = read_notes(src, e, i, &ph);
		}
	}
	if (st == IOH_OK && !p->nload)
		st = ioh_err(src->ctx, IOH_ERR_CORRUPT, "ELF: no PT_LOAD segment: no memory in it");
	if (st == IOH_OK)
		return build_lookup(src, segs, n);
	free(segs);
	return st;
}

static ioh_status elf_open(struct ioh_source *src)
{
	ioh_status st;
	uint64_t ps;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return ioh_err(src->ctx, IOH_ERR_NOTIMPL, "ELF: libelf version mismatch");
	src->priv = calloc(1, sizeof(struct elf_priv));
	if (!src->priv)
		return ioh_err(src->ctx, IOH_ERR_NOMEM, "ELF: out of memory");
	e = elf_begin(src->fd, ELF_C_READ, NULL);
	if (!e)
		return elf_fail(src, "open");
	st = check_ehdr(src, e);
	if (st == IOH_OK)
		st = read_phdrs(src, e);
	elf_end(e);
	if (st != IOH_OK)
		return st;
	ps = ioh_vmcoreinfo_page_size(src->vi);
	if (src_page_size_ok(ps))
		src->page_size = ps;
	return IOH_OK;
}

static const struct elf_seg *elf_lookup(const struct elf_priv *p, uint64_t phys)
{
	size_t lo = 0, hi = p->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct elf_seg *s = &p->seg[mid];

		if (phys < s->paddr)
			hi = mid;
		else if (phys - s->paddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static ioh_status elf_read(struct ioh_source *src, uint64_t phys, void *buf, size_t len)
{
	struct elf_priv *p = src->priv;
	unsigned char *out = buf;

	while (len) {
		const struct elf_seg *s = elf_lookup(p, phys);
		uint64_t in;
		size_t n;
		ssize_t r;

		if (!s)
			return ioh_err(src->ctx, IOH_ERR_NODATA,
				       "0x%" PRIx64 ": not in the dump (no PT_LOAD covers it)", phys);
		in = phys - s->paddr;
		if (in >= s->filesz)
			return ioh_err(src->ctx, IOH_ERR_EXCLUDED,
				       "0x%" PRIx64 ": excluded from the dump (PT_LOAD %u beyond "
				       "p_filesz, as makedumpfile -E writes filtered pages)",
				       phys, s->idx);
		if (in >= s->avail)
			return ioh_err(src->ctx, IOH_ERR_CORRUPT,
				       "0x%" PRIx64 ": PT_LOAD %u data at file offset 0x%" PRIx64
				       " is past the end of the truncated file",
				       phys, s->idx, s->offset + in);
		n = len < s->avail - in ? len : (size_t)(s->avail - in);
		r = src_pread_full(src->fd, out, n, s->offset + in);
		if (r < 0)
			return ioh_err(src->ctx, IOH_ERR_SYSTEM, "0x%" PRIx64 ": read", phys);
		if ((size_t)r < n)
			return ioh_err(src->ctx, IOH_ERR_CORRUPT,
				       "0x%" PRIx64 ": file ended early (shrank while open?)",
				       phys + (uint64_t)r);
		out += n;
		phys += n;
		len -= n;
	}
	return IOH_OK;
}

static void elf_close(struct ioh_source *src)
{
	struct elf_priv *p = src->priv;

	if (!p)
		return;
	free(p->seg);
	free(p);
}

static void elf_describe(struct ioh_source *src, char *buf, size_t size)
{
	struct elf_priv *p = src->priv;

	snprintf(buf, size, "ELF64 x86_64 vmcore, %zu PT_LOAD (%zu duplicate), %zu CPU notes%s",
		 p->nload, p->ndup, p->ncpu, src->vi ? ", VMCOREINFO" : ", no VMCOREINFO");
}

/* The first address >= phys with file data behind it (segments are sorted and disjoint). */
static uint64_t elf_next_data(struct ioh_source *src, uint64_t phys)
{
	struct elf_priv *p = src->priv;
	size_t lo = 0, hi = p->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct elf_seg *s = &p->seg[mid];

		if (phys >= s->paddr && phys - s->paddr >= s->memsz)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->nseg; lo++) {
		const struct elf_seg *s = &p->seg[lo];
		uint64_t have = s->filesz < s->avail ? s->filesz : s->avail;

		if (!have)
			continue;
		if (phys <= s->paddr)
			return s->paddr;
		if (phys - s->paddr < have)
			return phys;
	}
	return UINT64_MAX;
}

const struct source_ops ioh_source_elf_ops = {
	.name = "elf",
	.kind = IOH_SOURCE_ELF,
	.probe = elf_probe,
	.open = elf_open,
	.read_phys = elf_read,
	.close = elf_close,
	.next_data = elf_next_data,
	.describe = elf_describe,
};
