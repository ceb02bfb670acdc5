/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel-log line parsing: the log-format prefix (dmesg, kmsg, syslog,
 * journalctl), then the VT-d message forms of every kernel era since 3.x
 * (docs/logs.md lists them with examples). Pure functions over one line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "klog-priv.h"

/*
 * Does s start with the string literal lit? One inlined comparison of the
 * literal's length: s may end sooner, but the buffers parsed here are
 * followed by KLOG_PAD readable bytes (klog-priv.h), and equality means s
 * had no NUL that early anyway.
 */
#define starts(s, lit) (memcmp((s), "" lit, sizeof(lit) - 1) == 0)

/* The same for a prefix that is not a literal or a buffer without the padding. */
static bool starts_str(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static const char *skip_sp(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* isdigit() without the locale table lookup; the same answer for every byte */
#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10)

/* Hex digit values plus one, 0 for other bytes: one load instead of range tests. */
static const unsigned char hex_digit1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int hexval(int c)
{
	return hex_digit1[(unsigned char)c] - 1;
}

/* Hex number, "0x" optional, at most 16 digits. Returns the end or NULL. */
static const char *parse_hex(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0, d;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexval(p[2]) >= 0)
		p += 2;
	while ((d = hexval(*p)) >= 0) {
		if (++n > 16)
			return NULL;
		v = v << 4 | (uint64_t)d;
		p++;
	}
	if (!n)
		return NULL;
	*out = v;
	return p;
}

static const char *parse_dec(const char *p, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (IS_DIGIT(*p)) {
		if (++n > 19)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (!n)
		return NULL;
	*out = v;
	return p;
}

/* ------------------------------------------------------------------ */
/* sanitising                                                          */
/* ------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	unsigned v = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

void klog_sanitize(char *dst, size_t dstsz, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!dstsz)
		return;
	/* printable ASCII, the usual case, is copied as is */
	while (*s >= 0x20 && *s < 0x7f && o + 1 < dstsz)
		dst[o++] = (char)*s++;
	while (*s && o + 1 < dstsz) {
		size_t n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f)) {
			dst[o++] = *s == '\t' ? ' ' : '?';
			s++;
		} else if (n == 0) {
			dst[o++] = '?';
			s++;
		} else {
			if (o + n >= dstsz)
				break;
			memcpy(dst + o, s, n);
			o += n;
			s += n;
		}
	}
	dst[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* log-format prefixes                                                 */
/* ------------------------------------------------------------------ */

static const char *const month_or_day[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
					    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

static bool is_date_word(const char *p)
{
	if (p[0] < 'A' || p[0] > 'Z' || !p[1] || !p[2] || p[3] != ' ')
		return false;
	for (size_t i = 0; i < IOH_ARRAY_SIZE(month_or_day); i++)
		if (!strncmp(p, month_or_day[i], 3) && p[3] == ' ')
			return true;
	return false;
}

static void set_stamp(struct klog_line *out, const char *s, size_t n)
{
	char tmp[IOH_KLOG_STAMP_MAX];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	klog_sanitize(out->stamp, sizeof(out->stamp), tmp);
}

static const char two_digits[] = "00010203040506070809101112131415161718192021222324"
				 "25262728293031323334353637383940414243444546474849"
				 "50515253545556575859606162636465666768697071727374"
				 "75767778798081828384858687888990919293949596979899";

/* "sec.usec" by hand: this runs for every parsed line, printf is too slow */
static void set_usec(struct klog_line *out, uint64_t usec)
{
	char tmp[24];
	uint64_t sec = usec / 1000000;
	uint32_t frac = (uint32_t)(usec % 1000000), hi = frac / 10000, mid = frac / 100 % 100;
	int n = 0;

	out->has_usec = true;
	out->usec = usec;
	do {
		tmp[n++] = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec);
	for (int i = 0; i < n; i++)
		out->stamp[i] = tmp[n - 1 - i];
	out->stamp[n++] = '.';
	memcpy(out->stamp + n, two_digits + 2 * hi, 2);
	memcpy(out->stamp + n + 2, two_digits + 2 * mid, 2);
	memcpy(out->stamp + n + 4, two_digits + 2 * (frac % 100), 2);
	out->stamp[n + 6] = '\0';
}

/* /dev/kmsg: "prio,seq,usec,flags[,more];message" */
static const char *kmsg_prefix(const char *p, struct klog_line *out)
{
	uint64_t prio, seq, usec;
	const char *q = parse_dec(p, &prio);

	if (!q || *q != ',' || !(q = parse_dec(q + 1, &seq)) || *q != ',' ||
	    !(q = parse_dec(q + 1, &usec)) || *q != ',')
		return NULL;
	for (int i = 0; i < 32 && *q && *q != ' '; i++, q++)
		if (*q == ';') {
			set_usec(out, usec);
			out->form = IOH_KLOG_FORM_KMSG;
			return q + 1;
		}
	return NULL;
}

/* "kern  :info  : " from dmesg -x */
static const char *facility_prefix(const char *p)
{
	static const char *const fac[] = { "kern", "user", "mail", "daemon", "auth", "syslog",
					   "lpr", "news", "uucp", "cron", "authpriv", "ftp",
					   "local0", "local1", "local2", "local3", "local4",
					   "local5", "local6", "local7" };
	for (size_t i = 0; i < IOH_ARRAY_SIZE(fac); i++) {
		size_t n = strlen(fac[i]);

		if (strncmp(p, fac[i], n))
			continue;
		const char *q = skip_sp(p + n);
		if (*q != ':')
			return NULL;
		q = skip_sp(q + 1);
		/* the level word, then ':' */
		while (islower((unsigned char)*q))
			q++;
		q = skip_sp(q);
		if (*q != ':')
			return NULL;
		return skip_sp(q + 1);
	}
	return NULL;
}

/*
 * Syslog and journalctl: date words, then host, then "ident:" — the first
 * token ending in ':' within the first tokens. Returns the message start.
 */
static const char *syslog_prefix(const char *p, struct klog_line *out)
{
	bool iso = IS_DIGIT(p[0]) && IS_DIGIT(p[1]) &&
		   IS_DIGIT(p[2]) && IS_DIGIT(p[3]) && p[4] == '-';
	const char *tok[10];
	size_t len[10];
	int n = 0;
	const char *q = p;

	if (!iso && !is_date_word(p))
		return NULL;
	while (n < 10 && *q && q - p < 160) {
		q = skip_sp(q);
		tok[n] = q;
		while (*q && *q != ' ')
			q++;
		len[n] = (size_t)(q - tok[n]);
		if (len[n] > 1 && tok[n][len[n] - 1] == ':' && n >= 2) {
			const char *ident = tok[n];
			size_t il = len[n] - 1;
			const char *br = memchr(ident, '[', il);

			if (br)
				il = (size_t)(br - ident);
			out->non_kernel = !(il == 6 && !strncmp(ident, "kernel", 6));
			set_stamp(out, p, (size_t)(tok[n - 1] - p));
			while (out->stamp[0] && out->stamp[strlen(out->stamp) - 1] == ' ')
				out->stamp[strlen(out->stamp) - 1] = '\0';
			out->form = IOH_KLOG_FORM_SYSLOG;
			return skip_sp(q);
		}
		n++;
	}
	return NULL;
}

/* "[  123.456789]" or dmesg -T "[Fri Apr  7 00:04:33 2023]". */
static const char *time_prefix(const char *p, struct klog_line *out)
{
	const char *q = skip_sp(p + 1);
	uint64_t sec, frac = 0;
	const char *e = parse_dec(q, &sec);

	if (e && *e == '.') {
		const char *f = e + 1;
		int digits = 0;

		if (IS_DIGIT(f[0]) && IS_DIGIT(f[1]) && IS_DIGIT(f[2]) && IS_DIGIT(f[3]) &&
		    IS_DIGIT(f[4]) && IS_DIGIT(f[5]) && f[6] == ']') { /* the kernel's own %06lu */
			frac = (uint64_t)((f[0] - '0') * 100000 + (f[1] - '0') * 10000 +
					  (f[2] - '0') * 1000 + (f[3] - '0') * 100 + (f[4] - '0') * 10 +
					  (f[5] - '0'));
			f += 6;
			digits = 6;
		}
		while (IS_DIGIT(*f) && digits < 9) {
			frac = frac * 10 + (uint64_t)(*f - '0');
			f++;
			digits++;
		}
		if (*f != ']' || !digits || sec > UINT64_MAX / 2000000)
			return NULL;
		if (digits == 6 && (*q != '0' || e - q == 1)) {
			/* printed as set_usec() would print it: keep the text */
			out->has_usec = true;
			out->usec = sec * 1000000 + frac;
			memcpy(out->stamp, q, (size_t)(f - q));
			out->stamp[f - q] = '\0';
		} else {
			for (; digits < 6; digits++)
				frac *= 10;
			for (; digits > 6; digits--)
				frac /= 10;
			set_usec(out, sec * 1000000 + frac);
		}
		if (out->form != IOH_KLOG_FORM_KMSG)
			out->form = IOH_KLOG_FORM_DMESG;
		return f + 1;
	}
	if (is_date_word(q)) {
		const char *c = memchr(q, ']', strnlen(q, 40));

		if (c) {
			if (!out->has_usec)
				set_stamp(out, q, (size_t)(c - q));
			if (out->form == IOH_KLOG_FORM_PLAIN)
				out->form = IOH_KLOG_FORM_DMESG;
			return c + 1;
		}
	}
	return NULL;
}

void klog_split_prefix(char *buf, bool kmsg_mode, struct klog_line *out)
{
	const char *p = buf, *q;

	memset(out, 0, sizeof(*out));
	out->form = IOH_KLOG_FORM_PLAIN;
	/* mail quoting */
	while (*p == '>') {
		p++;
		if (*p == ' ')
			p++;
	}
	if (kmsg_mode && *p == ' ') {
		out->kmsg_dict = true;
		out->has_prefix = true;
		out->msg = p;
		return;
	}
	if (p[0] == '-' && p[1] == '-' && p[2] == ' ') {
		out->has_prefix = true;
		if (starts(p + 3, "Boot ") || starts(p + 3, "Reboot"))
			out->journal_boot = true;
		else
			out->journal_meta = true;
		out->msg = p;
		return;
	}
	p = skip_sp(p);
	if (*p == '#') { /* comments and shell prompts are never kernel records */
		out->journal_meta = true;
		out->msg = p;
		return;
	}
	if (IS_DIGIT(*p) && (q = kmsg_prefix(p, out)))
		p = q;
	if (*p == '<' && IS_DIGIT(p[1])) {
		q = p + 1;
		while (IS_DIGIT(*q))
			q++;
		if (*q == '>')
			p = q + 1;
	}
	if (*p >= 'a' && *p <= 'z' && (q = facility_prefix(p)))
		p = q;
	if (out->form == IOH_KLOG_FORM_PLAIN && (q = syslog_prefix(p, out)))
		p = q;
	if (*p == '[' && (q = time_prefix(p, out))) {
		p = q;
		/* CONFIG_PRINTK_CALLER: "[    T1]" / "[  C0]" */
		q = skip_sp(p);
		if (*q == '[') {
			const char *r = skip_sp(q + 1);

			if ((*r == 'T' || *r == 'C') && IS_DIGIT(r[1])) {
				r++;
				while (IS_DIGIT(*r))
					r++;
				if (*r == ']')
					p = r + 1;
			}
		}
	}
	p = skip_sp(p);
	/* journalctl -o short-monotonic: "[  1.2] host kernel: msg"; or "kernel: msg" */
	if (out->form == IOH_KLOG_FORM_DMESG || out->form == IOH_KLOG_FORM_KMSG) {
		if (starts(p, "kernel: ")) {
			p += 8;
		} else {
			size_t i = 0;

			while (i < 64 && p[i] && p[i] != ' ')
				i++;
			if (i < 64 && starts(p + i, " kernel: "))
				p += i + 9;
		}
	}
	out->has_prefix = out->form != IOH_KLOG_FORM_PLAIN;
	out->msg = skip_sp(p);
}

/* ------------------------------------------------------------------ */
/* DMAR fault records                                                  */
/* ------------------------------------------------------------------ */

/* pr_fmt prefixes across eras: "DMAR: ", "dmar: ", "DMAR:", "DMAR-IR: ", "INTR-REMAP:" */
static const char *skip_dmar_prefixes(const char *m)
{
	for (;;) {
		if ((m[0] == 'D' && m[1] == 'M' && m[2] == 'A' && m[3] == 'R') ||
		    (m[0] == 'd' && m[1] == 'm' && m[2] == 'a' && m[3] == 'r')) {
			if (m[4] == ':')
				m = skip_sp(m + 5);
			else if (m[0] == 'D' && m[4] == '-' && m[5] == 'I' && m[6] == 'R' && m[7] == ':')
				m = skip_sp(m + 8);
			else
				return m;
		} else if (starts(m, "INTR-REMAP:")) {
			m = skip_sp(m + 11);
		} else {
			return m;
		}
	}
}

/* "[fault reason 0x06] text" or "[fault reason 06] text" (decimal). */
static const char *parse_reason(const char *p, struct ioh_klog_event *ev)
{
	uint64_t v;
	const char *q;

	if (!starts(p, "[fault reason "))
		return NULL;
	p += 14;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		q = parse_hex(p, &v);
		ev->reason_decimal = false;
	} else {
		q = parse_dec(p, &v);
		ev->reason_decimal = true;
	}
	if (!q || *q != ']' || v > 0xff)
		return NULL;
	ev->reason = (int)v;
	return skip_sp(q + 1);
}

/* "[bb:dd.f]", "[0xbb:0xdd.f]", "[ssss:bb:dd.f]", and old IR's "[[bb:dd.f]". */
static const char *parse_req_bdf(const char *p, struct ioh_bdf *bdf)
{
	uint64_t a, b, c, fn, seg = 0, bus, dev;

	if (*p != '[')
		return NULL;
	if (*++p == '[')
		p++;
	if (!(p = parse_hex(p, &a)) || *p != ':' || !(p = parse_hex(p + 1, &b)))
		return NULL;
	if (*p == ':') {
		if (!(p = parse_hex(p + 1, &c)))
			return NULL;
		seg = a, bus = b, dev = c;
	} else {
		bus = a, dev = b;
	}
	if (*p != '.' || !(p = parse_dec(p + 1, &fn)) || *p != ']')
		return NULL;
	if (seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return NULL;
	bdf->seg = (uint16_t)seg;
	bdf->bus = (uint8_t)bus;
	bdf->devfn = (uint8_t)(dev << 3 | fn);
	return p + 1;
}

/*
 * strstr(msg, "Request device [") by its rare 'q': every occurrence has one
 * at offset 2, and each 'q' is tried in order, so this is the first one.
 */
static const char *find_request(const char *msg)
{
	for (const char *q = strchr(msg, 'q'); q; q = strchr(q + 1, 'q'))
		if (q - msg >= 2 && starts(q - 2, "Request device ["))
			return q - 2;
	return NULL;
}

/* The bracket before "Request device": "DMA Read", "DMA Write PASID 0x2", "INTR-REMAP". */
static bool parse_type(const char *t, size_t n, struct ioh_klog_event *ev)
{
	char buf[48];
	const char *p;
	uint64_t v;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (!strcmp(buf, "INTR-REMAP")) {
		ev->kind = IOH_KLOG_IR_FAULT;
		return true;
	}
	if (!starts_str(buf, "DMA "))
		return false;
	ev->kind = IOH_KLOG_DMA_FAULT;
	p = buf + 4;
	if (starts_str(p, "Read"))
		ev->access = IOH_KLOG_ACCESS_READ, p += 4;
	else if (starts_str(p, "Write"))
		ev->access = IOH_KLOG_ACCESS_WRITE, p += 5;
	else {
		ev->access = IOH_KLOG_ACCESS_OTHER;
		while (isalpha((unsigned char)*p))
			p++;
	}
	if (!*p)
		return true;
	if (!strcmp(p, " NO_PASID"))
		return true;
	if (starts_str(p, " PASID ") && (p = parse_hex(p + 7, &v)) && !*p && v <= 0xfffff) {
		ev->has_pasid = true;
		ev->pasid = (uint32_t)v;
		return true;
	}
	return false;
}

/*
 * The usual form, "DMAR: [<type>] Request device [...", read forward. Returns
 * where "Request device [" starts and fills ev as parse_type() would, or
 * returns NULL having filled nothing. The types read here hold no '[', so
 * the phrase found is its first occurrence, as strstr() would find, and the
 * bracket is the one the backward search would find (at most 46 bytes).
 */
static const char *fast_type(const char *msg, struct ioh_klog_event *ev)
{
	const char *p = msg + 7;
	enum ioh_klog_access access = IOH_KLOG_ACCESS_OTHER;
	uint64_t v = 0;
	bool pasid = false;

	if (starts(p, "INTR-REMAP]")) {
		p += 10;
	} else if (starts(p, "DMA ")) {
		p += 4;
		if (starts(p, "Read")) {
			access = IOH_KLOG_ACCESS_READ;
			p += 4;
		} else if (starts(p, "Write")) {
			access = IOH_KLOG_ACCESS_WRITE;
			p += 5;
		} else {
			while (isalpha((unsigned char)*p))
				p++;
		}
		if (starts(p, " NO_PASID]")) {
			p += 9;
		} else if (starts(p, " PASID ")) {
			if (!(p = parse_hex(p + 7, &v)) || v > 0xfffff)
				return NULL;
			pasid = true;
		}
	} else {
		return NULL;
	}
	if (p[0] != ']' || p - msg > 53 || !starts(p + 1, " Request device ["))
		return NULL;
	if (msg[7] == 'I') {
		ev->kind = IOH_KLOG_IR_FAULT;
		return p + 2;
	}
	ev->kind = IOH_KLOG_DMA_FAULT;
	ev->access = access;
	if (pasid) {
		ev->has_pasid = true;
		ev->pasid = (uint32_t)v;
	}
	return p + 2;
}

enum klog_class klog_parse_fault(const char *msg, struct ioh_klog_event *ev, const char **why)
{
	const char *rd = NULL, *p, *q;
	uint64_t v;

	if (starts(msg, "DMAR: [") && (rd = fast_type(msg, ev)))
		goto requester;
	rd = find_request(msg);
	if (!rd) {
		p = skip_dmar_prefixes(msg);
		if (starts(p, "[fault reason ")) {
			q = parse_reason(p, ev);
			if (!q)
				return KLOG_PARTIAL;
			*why = q;
			return KLOG_FAULT_TAIL;
		}
		if (starts(p, "[DMA ") || starts(p, "[INTR-REMAP") ||
		    (starts(msg, "INTR-REMAP:") && starts(p, "Request")))
			return KLOG_PARTIAL;
		return KLOG_NONE;
	}
	/* the access-type bracket right before "Request device" */
	q = rd;
	while (q > msg && q[-1] == ' ')
		q--;
	if (q > msg && q[-1] == ']') {
		const char *open = q - 1;

		while (open > msg && *open != '[' && q - open < 48)
			open--;
		if (*open != '[' || !parse_type(open + 1, (size_t)(q - 1 - open - 1), ev))
			return KLOG_PARTIAL;
	} else if (strstr(msg, "INTR-REMAP") && strstr(msg, "INTR-REMAP") < rd) {
		ev->kind = IOH_KLOG_IR_FAULT; /* before 4.7: "INTR-REMAP: Request device [[..]" */
	} else {
		return KLOG_PARTIAL;
	}
requester:
	p = parse_req_bdf(rd + 15, &ev->bdf);
	if (!p)
		return KLOG_PARTIAL;
	ev->has_bdf = true;
	p = skip_sp(p);
	if (starts(p, "PASID ")) { /* 5.5 - 5.13: "PASID ffffffff" means none */
		if (!(p = parse_hex(p + 6, &v)))
			return KLOG_PARTIAL;
		if (v != 0xffffffff) {
			ev->has_pasid = true;
			ev->pasid = (uint32_t)v;
		}
		p = skip_sp(p);
	}
	if (ev->kind == IOH_KLOG_IR_FAULT) {
		if (!starts(p, "fault index "))
			return KLOG_PARTIAL;
		p += 12;
	} else {
		if (!starts(p, "fault addr "))
			return KLOG_PARTIAL;
		p += 11;
	}
	if (!(p = parse_hex(p, &ev->addr)))
		return KLOG_PARTIAL;
	if (*p && *p != ' ')
		return KLOG_PARTIAL;
	p = skip_sp(p);
	if (!*p) {
		ev->reason = -1;
		return KLOG_FAULT_HEAD;
	}
	if (!(q = parse_reason(p, ev)))
		return KLOG_PARTIAL;
	*why = q;
	return KLOG_EVENT;
}

/* ------------------------------------------------------------------ */
/* other messages                                                      */
/* ------------------------------------------------------------------ */

/* A unit name such as "dmar0" at p, up to a space or the end. */
static bool take_unit(const char *p, char unit[16])
{
	size_t n = 0;

	while (p[n] && p[n] != ' ' && p[n] != ':' && n < 15) {
		if (!isalnum((unsigned char)p[n]) && p[n] != '_' && p[n] != '-')
			return false;
		n++;
	}
	if (!n || (p[n] && p[n] != ' ' && p[n] != ':'))
		return false;
	memcpy(unit, p, n);
	unit[n] = '\0';
	return true;
}

/* "<text>%s<tail>" with %s a unit name: fills unit. */
static bool unit_after(const char *m, const char *lead, const char *tail, char unit[16])
{
	const char *p = strstr(m, lead);

	if (!p || !take_unit(p + strlen(lead), unit))
		return false;
	return !tail || starts_str(p + strlen(lead) + strlen(unit), tail);
}

static bool parse_bdf_at(const char *p, struct ioh_bdf *bdf, const char **end)
{
	char tmp[IOH_BDF_STRLEN];

	if (strnlen(p, 12) < 12)
		return false;
	memcpy(tmp, p, 12);
	tmp[12] = '\0';
	if (ioh_bdf_parse(tmp, bdf))
		return false;
	if (p[12] && p[12] != ':' && p[12] != ' ')
		return false;
	*end = p + 12;
	return true;
}

static enum klog_class parse_pci_line(const char *m, struct ioh_klog_event *ev)
{
	size_t n = 0;
	const char *p, *e;
	uint64_t v;

	/* "iommu: Adding device 0000:00:02.0 to group 0" (before 4.14) */
	if (starts(m, "iommu: Adding device ")) {
		if (parse_bdf_at(m + 21, &ev->bdf, &e) && starts(e, " to group ") &&
		    parse_dec(e + 10, &v) && v <= INT32_MAX) {
			ev->kind = IOH_KLOG_IOMMU_GROUP;
			ev->has_bdf = true;
			ev->value = v;
			return KLOG_EVENT;
		}
		return KLOG_NONE;
	}
	while (m[n] && (isalnum((unsigned char)m[n]) || m[n] == '_' || m[n] == '-' || m[n] == '.'))
		n++;
	if (!n || n >= sizeof(ev->driver) || m[n] != ' ')
		return KLOG_NONE;
	p = m + n + 1;
	if (!parse_bdf_at(p, &ev->bdf, &e)) {
		/* "nvme nvme0: pci function 0000:02:00.0" */
		const char *pf = strstr(p, ": pci function ");

		if (!pf || pf - p > 24 || memchr(p, ' ', (size_t)(pf - p)) ||
		    !parse_bdf_at(pf + 15, &ev->bdf, &e))
			return KLOG_NONE;
	}
	ev->has_bdf = true;
	if (n == 3 && !strncmp(m, "pci", 3)) {
		const char *g = strstr(e, "Adding to iommu group ");

		if (g && e[0] == ':' && parse_dec(g + 22, &v) && v <= INT32_MAX) {
			ev->kind = IOH_KLOG_IOMMU_GROUP;
			ev->value = v;
			return KLOG_EVENT;
		}
		return KLOG_NONE;
	}
	if ((n == 7 && !strncmp(m, "pci_bus", 7)) || (n == 3 && !strncmp(m, "PCI", 3)))
		return KLOG_NONE;
	memcpy(ev->driver, m, n);
	ev->driver[n] = '\0';
	ev->kind = IOH_KLOG_DRIVER_PROBE;
	return KLOG_EVENT;
}

enum { W_DMAR = 1, W_RECORD = 2 };

/*
 * One pass over a message, this runs for every parsed line: W_DMAR if it
 * holds DMAR, dmar, DRHD or INTR-REMAP (then W_RECORD is not looked for);
 * else W_RECORD if it holds "fault reason" or "Request device".
 */
static unsigned words(const char *m)
{
	unsigned w = 0;

	for (const char *p = m; *p; p++) {
		switch (*p) {
		case 'D':
			if ((p[1] == 'M' && p[2] == 'A' && p[3] == 'R') ||
			    (p[1] == 'R' && p[2] == 'H' && p[3] == 'D'))
				return w | W_DMAR; /* W_RECORD only matters without it */
			break;
		case 'd':
			if (p[1] == 'm' && p[2] == 'a' && p[3] == 'r')
				return w | W_DMAR;
			break;
		case 'I':
			if (p[1] == 'N' && starts(p, "INTR-REMAP"))
				return w | W_DMAR;
			break;
		case 'f':
			if (p[1] == 'a' && starts(p, "fault reason"))
				w |= W_RECORD;
			break;
		case 'R':
			if (p[1] == 'e' && starts(p, "Request device"))
				w |= W_RECORD;
			break;
		}
	}
	return w;
}

static bool recordish(const char *m)
{
	static const char *const kw[] = { "fault", "Fault", "reason", "Request", "copy", "Copied",
					  "suppressed", "Translation", "fail", "Fail" };

	for (size_t i = 0; i < IOH_ARRAY_SIZE(kw); i++)
		if (strstr(m, kw[i]))
			return true;
	return false;
}

enum klog_class klog_classify(const char *msg, struct ioh_klog_event *ev, const char **why)
{
	const char *m, *p;
	uint64_t v = 0;
	enum klog_class c;
	unsigned w;

	ev->reason = -1;
	*why = NULL;
	if (starts(msg, "Linux version ")) {
		ev->kind = IOH_KLOG_BOOT;
		return KLOG_EVENT;
	}
	w = words(msg);
	if (!(w & W_DMAR)) {
		/* every VT-d message carries DMAR, dmar, DRHD or INTR-REMAP */
		if ((c = parse_pci_line(msg, ev)) != KLOG_NONE)
			return c;
		if (w & W_RECORD) {
			c = klog_parse_fault(msg, ev, why);
			return c == KLOG_NONE ? KLOG_UNCLASSIFIED : c;
		}
		return KLOG_NONE;
	}
	c = klog_parse_fault(msg, ev, why);
	if (c != KLOG_NONE)
		return c;
	m = skip_dmar_prefixes(msg);
	/* the usual "DRHD: handling ...": no 'h' before it, so the first occurrence */
	p = starts(m, "DRHD: handling fault status reg ") ? m + 6
							  : strstr(m, "handling fault status reg ");
	if (p) {
		if (parse_hex(p + 26, &v)) {
			ev->kind = IOH_KLOG_FAULT_STATUS;
			ev->value = v;
			return KLOG_EVENT;
		}
		return KLOG_UNCLASSIFIED;
	}
	if ((p = strstr(m, " callbacks suppressed"))) {
		const char *num = p;

		while (num > m && IS_DIGIT(num[-1]))
			num--;
		if (num == p || num == m || num[-1] != ' ')
			return KLOG_UNCLASSIFIED;
		/* only the DMAR fault handler's ratelimit counts */
		if (!strstr(msg, "dmar") && !strstr(msg, "DMAR"))
			return KLOG_NONE;
		parse_dec(num, &v);
		ev->kind = IOH_KLOG_SUPPRESSED;
		ev->value = v;
		return KLOG_EVENT;
	}
	if (strstr(m, "Translation already enabled")) {
		ev->kind = IOH_KLOG_TRANS_ENABLED;
		return KLOG_EVENT;
	}
	if (unit_after(m, "Translation was enabled for ", " but we are not in kdump mode",
		       ev->unit)) {
		ev->kind = IOH_KLOG_NOT_KDUMP;
		return KLOG_EVENT;
	}
	if (unit_after(m, "Copied translation tables from previous kernel for ", NULL, ev->unit)) {
		ev->kind = IOH_KLOG_TABLES_COPIED;
		return KLOG_EVENT;
	}
	if (unit_after(m, "Failed to copy translation tables from previous kernel for ", NULL,
		       ev->unit)) {
		ev->kind = IOH_KLOG_COPY_FAILED;
		return KLOG_EVENT;
	}
	if ((p = strstr(m, ": Failed to copy context table for bus ")) &&
	    take_unit(m, ev->unit) && parse_dec(p + 39, &v) && v <= 0xff) {
		ev->kind = IOH_KLOG_CTX_COPY_FAILED;
		ev->value = v;
		return KLOG_EVENT;
	}
	if (unit_after(m, "Copied IR table for ", " from previous kernel", ev->unit)) {
		ev->kind = IOH_KLOG_IR_COPIED;
		return KLOG_EVENT;
	}
	if (unit_after(m, "Failed to copy IR table for ", " from previous kernel", ev->unit)) {
		ev->kind = IOH_KLOG_IR_COPY_FAILED;
		return KLOG_EVENT;
	}
	if (unit_after(m, "IRQ remapping was enabled on ", " but we are not in kdump mode",
		       ev->unit)) {
		ev->kind = IOH_KLOG_IR_NOT_KDUMP;
		return KLOG_EVENT;
	}
	if (m == msg && (c = parse_pci_line(msg, ev)) != KLOG_NONE)
		return c;
	if (recordish(msg))
		return KLOG_UNCLASSIFIED;
	return KLOG_NONE;
}
