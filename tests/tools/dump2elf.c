/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump2elf: writes the present pages of any dump libioh reads as an ELF
 * vmcore (one PT_LOAD per run of present pages, VMCOREINFO note kept).
 * makedumpfile 1.7.2 refuses -E on kdump-compressed input, so the tests use
 * this to get ELF copies of the real samples for the ELF reader.
 *
 *   dump2elf DUMP OUT.elf
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioh/source.h>

struct run {
	uint64_t start, end, off;
};

static struct run *runs;
static size_t nruns, cap;
static int out_fd;

static int collect(void *priv, uint64_t phys, const void *data, size_t len)
{
	(void)priv, (void)data;
	if (nruns && runs[nruns - 1].end == phys) {
		runs[nruns - 1].end += len;
		return 0;
	}
	if (nruns == cap) {
		cap = cap ? 2 * cap : 256;
		runs = realloc(runs, cap * sizeof(*runs));
		if (!runs)
			return IOH_ERR_NOMEM;
	}
	runs[nruns++] = (struct run){ phys, phys + len, 0 };
	return 0;
}

static int emit(void *priv, uint64_t phys, const void *data, size_t len)
{
	size_t lo = 0, hi = nruns;

	(void)priv;
	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;

		if (runs[mid].start <= phys)
			lo = mid;
		else
			hi = mid;
	}
	if (pwrite(out_fd, data, len, (off_t)(runs[lo].off + phys - runs[lo].start)) != (ssize_t)len)
		return IOH_ERR_SYSTEM;
	return 0;
}

/* VMCOREINFO text rebuilt from the parsed entries, in order. */
static char *vmcoreinfo_text(const ioh_vmcoreinfo *vi, size_t *len)
{
	size_t n = 0;
	char *t;

	for (size_t i = 0; i < ioh_vmcoreinfo_count(vi); i++) {
		const char *k, *v;

		ioh_vmcoreinfo_entry(vi, i, &k, &v);
		n += strlen(k) + strlen(v) + 2;
	}
	t = calloc(1, n + 1);
	if (!t)
		exit(1);
	for (size_t i = 0, o = 0; i < ioh_vmcoreinfo_count(vi); i++) {
		const char *k, *v;

		ioh_vmcoreinfo_entry(vi, i, &k, &v);
		o += (size_t)sprintf(t + o, "%s=%s\n", k, v);
	}
	*len = n;
	return t;
}

int main(int argc, char **argv)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_source *src;
	const ioh_vmcoreinfo *vi;
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr *ph;
	unsigned char *note = NULL;
	size_t nlen = 0, vlen = 0;
	uint64_t off;
	char *vtext = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: dump2elf DUMP OUT.elf\n");
		return 1;
	}
	if (ioh_source_open(ctx, argv[1], &src) != IOH_OK ||
	    ioh_source_for_each_page(src, 0, UINT64_MAX, collect, NULL) != IOH_OK) {
		fprintf(stderr, "dump2elf: %s\n", ioh_get_err(ctx));
		return 1;
	}
	vi = ioh_source_vmcoreinfo(src);
	if (vi) {
		vtext = vmcoreinfo_text(vi, &vlen);
		nlen = 12 + 12 + ((vlen + 3) & ~(size_t)3) + 12;
		note = calloc(1, nlen);
		memcpy(note, &(uint32_t){ 11 }, 4);
		memcpy(note + 4, &(uint32_t){ (uint32_t)vlen }, 4);
		memcpy(note + 12, "VMCOREINFO", 11);
		memcpy(note + 24, vtext, vlen);
	}
	ph = calloc(nruns + 1, sizeof(*ph));
	off = (sizeof(eh) + (nruns + 1) * sizeof(*ph) + nlen + 4095) & ~4095ull;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = sizeof(eh) + (nruns + 1) * sizeof(*ph),
			      .p_filesz = nlen, .p_memsz = nlen };
	for (size_t i = 0; i < nruns; i++) {
		runs[i].off = off;
		ph[i + 1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off, .p_paddr = runs[i].start,
					  .p_vaddr = runs[i].start,
					  .p_filesz = runs[i].end - runs[i].start,
					  .p_memsz = runs[i].end - runs[i].start };
		off += runs[i].end - runs[i].start;
	}
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(*ph);
	eh.e_phnum = (Elf64_Half)(nruns + 1);
	out_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out_fd < 0 || nruns + 1 >= PN_XNUM ||
	    pwrite(out_fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    pwrite(out_fd, ph, (nruns + 1) * sizeof(*ph), sizeof(eh)) < 0 ||
	    (nlen && pwrite(out_fd, note, nlen, (off_t)ph[0].p_offset) < 0) ||
	    ioh_source_for_each_page(src, 0, UINT64_MAX, emit, NULL) != IOH_OK ||
	    ftruncate(out_fd, (off_t)off) < 0 || close(out_fd) < 0) {
		fprintf(stderr, "dump2elf: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	ioh_source_free(src);
	ioh_ctx_free(ctx);
	free(runs);
	free(ph);
	free(note);
	free(vtext);
	return 0;
}
