/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small text parsers that read what a machine says about itself: kernel
 * command lines (parameter values, IOMMU options, words), kdump collector
 * arguments (dump level) and PCI addresses. Arbitrary bytes in; results in
 * their documented ranges, values that fit their buffers, and a BDF that
 * parses formats back to the same BDF.
 */
#include <ioh/audit.h>
#include <ioh/evidence.h>

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	size_t bufsz = fz_u8(&f) % 40;
	char *name = fz_str(&f, 24, NULL);
	char *line = malloc(f.n + 1);
	char buf[40], bdfs[IOH_BDF_STRLEN];
	struct ioh_audit_iommu_opts o;
	struct ioh_bdf b, b2;
	const char *v;

	if (!line)
		abort();
	memcpy(line, f.p, f.n);
	line[f.n] = 0;

	memset(buf, 0x5a, sizeof(buf));
	v = ioh_cmdline_param(line, name, bufsz ? buf : NULL, bufsz);
	if (v && bufsz && v == buf)
		FZ_ASSERT(strnlen(buf, bufsz) < bufsz, "value overflows its %zu-byte buffer", bufsz);
	if (bufsz < sizeof(buf))
		FZ_ASSERT((unsigned char)buf[sizeof(buf) - 1] == 0x5a, "wrote past the buffer");

	ioh_audit_parse_iommu_opts(line, &o);
	(void)ioh_audit_cmdline_has(line, name);
	int lvl = ioh_audit_dump_level(line);
	FZ_ASSERT(lvl >= -2 && lvl <= 31, "dump level %d", lvl);

	if (ioh_bdf_parse(line, &b) == 0) {
		FZ_ASSERT(ioh_bdf_parse(ioh_bdf_str(b, bdfs), &b2) == 0 && b.seg == b2.seg &&
				  b.bus == b2.bus && b.devfn == b2.devfn,
			  "BDF '%s' does not round-trip through '%s'", line, bdfs);
	}
	free(name);
	free(line);
	return 0;
}
