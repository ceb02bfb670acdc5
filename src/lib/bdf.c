/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI requester identities as users and logs write them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

IOH_EXPORT char *ioh_bdf_str(struct ioh_bdf b, char *buf)
{
	snprintf(buf, IOH_BDF_STRLEN, "%04x:%02x:%02x.%x", b.seg, b.bus, b.devfn >> 3,
		 b.devfn & 7);
	return buf;
}

/* Reads exactly `digits` (or up to, when exact is false) hex digits. */
static int hexfield(const char **s, unsigned maxdigits, unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;
	unsigned n = 0;

	while (n < maxdigits && isxdigit((unsigned char)*p)) {
		v = v * 16 + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0'
							: (tolower((unsigned char)*p) - 'a' + 10));
		p++;
		n++;
	}
	if (!n || isxdigit((unsigned char)*p))
		return -1;
	*s = p;
	*out = v;
	return 0;
}

IOH_EXPORT int ioh_bdf_parse(const char *s, struct ioh_bdf *out)
{
	unsigned long a, b, dev, fn, seg = 0, bus;
	const char *p = s;

	if (hexfield(&p, 4, &a) || *p++ != ':' || hexfield(&p, 2, &b))
		return -1;
	if (*p == ':') {
		p++;
		seg = a;
		bus = b;
		if (hexfield(&p, 2, &dev))
			return -1;
	} else {
		if (a > 0xff)
			return -1;
		bus = a;
		dev = b;
	}
	if (*p++ != '.' || hexfield(&p, 1, &fn) || *p || dev > 0x1f || fn > 7 || bus > 0xff)
		return -1;
	out->seg = (uint16_t)seg;
	out->bus = (uint8_t)bus;
	out->devfn = (uint8_t)(dev << 3 | fn);
	return 0;
}
