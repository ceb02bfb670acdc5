/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel-log reader: splits input into lines, joins records that older
 * kernels printed on two lines (or that mail clients wrapped), drops
 * replayed duplicates, and keeps per-device, per-unit and ordered-event
 * accounts. Every store is bounded; counts stay exact past the bounds.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "klog-priv.h"

#define READ_CHUNK (128u << 10) /* stays in L2 between the copy and the scan */
#define DEV_HASH 8192 /* power of two, > 2 * IOH_KLOG_DEVICES_MAX */
#define SEEN_MAX (1u << 21)
#define OOO_CAP (1u << 16) /* power of two */

#define SEEN_BLOCK 64 /* records per entry of the time index */
#define SEEN_CHUNK (2u << 20) /* the replay list's first bytes, on small pages */
#define SEEN_READY (256u << 10) /* bytes of the replay list made ready at a time */
#define UNITS_MAX 1024
#define PENDING_AGE 3 /* a two-line record's halves may have this many lines between */

struct klog_file {
	char *name;
	uint64_t forms[4];
};

struct ioh_klog {
	ioh_ctx *ctx;
	struct ioh_klog_summary sum;

	struct klog_file *files;
	unsigned nfiles;
	bool in_file;
	uint64_t lineno;
	bool kmsg_mode;
	char *partial; /* a line spanning feed calls, bounded */
	size_t plen;
	bool partial_long;
	char scratch[IOH_KLOG_LINE_MAX + 1 + KLOG_PAD];
	char joinbuf[2 * IOH_KLOG_LINE_MAX + 2 + KLOG_PAD];

	/* the current boot */
	unsigned boot;
	bool boot_has_content;
	bool copied_in_boot;
	bool have_last_dev;
	struct ioh_bdf last_dev;

	/* a fault head waiting for its "[fault reason]" line, or a cut record */
	bool pending;
	enum klog_class pending_class;
	unsigned pending_age;
	uint64_t pending_hash;
	bool pending_dedup;
	struct ioh_klog_event pending_ev;
	char pending_msg[IOH_KLOG_LINE_MAX + 1];

	struct ioh_klog_event *events;
	size_t nevents, events_cap, storm_events;
	struct ioh_klog_event *uncl;
	size_t nuncl, uncl_cap;
	struct ioh_klog_device *devs;
	size_t ndevs, devs_cap;
	uint32_t dev_hash[DEV_HASH]; /* index + 1, 0 = empty */
	size_t *sorted;
	bool sorted_dirty;
	struct ioh_klog_unit *units;
	size_t nunits, units_cap;

	char reason_text[256][64]; /* the kernel's wording, first seen */

	/*
	 * This boot's records in time order, each later than the one before:
	 * their hashes (which mix in the time), and the time of every
	 * SEEN_BLOCK-th one, to find a time's block by binary search.
	 */
	uint64_t *seen; /* SEEN_MAX, reserved as address space only */
	uint64_t *seen_at;
	size_t seen_n, seen_cap, seen_at_cap;
	void *seen_map;
	size_t seen_map_len;
	uint64_t seen_last; /* time of the latest record kept */
	uint64_t *ooo;	       /* hashes of records that went back in time, 0 = empty */
	size_t ooo_n;
};

static const char *const kind_names[IOH_KLOG_KIND_COUNT] = {
	[IOH_KLOG_DMA_FAULT] = "dma_fault",
	[IOH_KLOG_IR_FAULT] = "ir_fault",
	[IOH_KLOG_FAULT_STATUS] = "fault_status",
	[IOH_KLOG_SUPPRESSED] = "suppressed",
	[IOH_KLOG_TRANS_ENABLED] = "translation_enabled",
	[IOH_KLOG_NOT_KDUMP] = "not_kdump",
	[IOH_KLOG_TABLES_COPIED] = "tables_copied",
	[IOH_KLOG_COPY_FAILED] = "copy_failed",
	[IOH_KLOG_CTX_COPY_FAILED] = "context_copy_failed",
	[IOH_KLOG_IR_COPIED] = "ir_copied",
	[IOH_KLOG_IR_COPY_FAILED] = "ir_copy_failed",
	[IOH_KLOG_IR_NOT_KDUMP] = "ir_not_kdump",
	[IOH_KLOG_DRIVER_PROBE] = "driver_probe",
	[IOH_KLOG_IOMMU_GROUP] = "iommu_group",
	[IOH_KLOG_BOOT] = "boot",
	[IOH_KLOG_UNCLASSIFIED] = "unclassified",
};

IOH_EXPORT const char *ioh_klog_kind_name(enum ioh_klog_kind k)
{
	return (unsigned)k < IOH_KLOG_KIND_COUNT ? kind_names[k] : "unknown";
}

IOH_EXPORT ioh_klog *ioh_klog_new(ioh_ctx *ctx)
{
	ioh_klog *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->ctx = ctx;
	k->partial = malloc(IOH_KLOG_LINE_MAX + 1);
	if (!k->partial) {
		free(k);
		return NULL;
	}
	return k;
}

IOH_EXPORT void ioh_klog_free(ioh_klog *k)
{
	if (!k)
		return;
	for (unsigned i = 0; i < k->nfiles; i++)
		free(k->files[i].name);
	free(k->files);
	free(k->partial);
	free(k->events);
	free(k->uncl);
	free(k->devs);
	free(k->sorted);
	free(k->units);
	if (k->seen_map)
		munmap(k->seen_map, k->seen_map_len);
	free(k->seen_at);
	free(k->ooo);
	free(k);
}

/* ------------------------------------------------------------------ */
/* stores                                                              */
/* ------------------------------------------------------------------ */

/* Grows *arr to hold n+1 items of size sz, up to max; false when full or OOM. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return true;
	if (n >= max)
		return false;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > max)
		ncap = max;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static bool storm_kind(enum ioh_klog_kind kind)
{
	return kind == IOH_KLOG_DMA_FAULT || kind == IOH_KLOG_IR_FAULT ||
	       kind == IOH_KLOG_SUPPRESSED;
}

/* Stores ev with msg as its text; the text is made only for what is stored. */
static void push_event(ioh_klog *k, struct ioh_klog_event *ev, const char *msg)
{
	bool storm = storm_kind(ev->kind);

	if (storm && k->storm_events >= IOH_KLOG_STORM_EVENTS_MAX) {
		k->sum.events_dropped++;
		return;
	}
	k->storm_events += storm;
	if (!grow((void **)&k->events, &k->events_cap, k->nevents, sizeof(*ev),
		  IOH_KLOG_EVENTS_MAX)) {
		k->sum.events_dropped++;
		return;
	}
	klog_sanitize(ev->text, sizeof(ev->text), msg);
	k->events[k->nevents++] = *ev;
}

static uint32_t bdf_key(struct ioh_bdf b)
{
	return (uint32_t)b.seg << 16 | ioh_bdf_sid(b);
}

static struct ioh_klog_device *find_dev(const ioh_klog *k, struct ioh_bdf b)
{
	uint32_t key = bdf_key(b);
	uint32_t h = (key * 2654435761u) & (DEV_HASH - 1);

	for (;;) {
		uint32_t i = k->dev_hash[h];

		if (!i)
			return NULL;
		if (bdf_key(k->devs[i - 1].bdf) == key)
			return &k->devs[i - 1];
		h = (h + 1) & (DEV_HASH - 1);
	}
}

static struct ioh_klog_device *get_dev(ioh_klog *k, struct ioh_bdf b)
{
	struct ioh_klog_device *d = find_dev(k, b);
	uint32_t h;

	if (d)
		return d;
	if (!grow((void **)&k->devs, &k->devs_cap, k->ndevs, sizeof(*d), IOH_KLOG_DEVICES_MAX)) {
		k->sum.devices_dropped++;
		return NULL;
	}
	d = &k->devs[k->ndevs];
	memset(d, 0, sizeof(*d));
	d->bdf = b;
	d->iommu_group = -1;
	d->first_usec = d->last_usec = IOH_KLOG_NO_TIME;
	h = (bdf_key(b) * 2654435761u) & (DEV_HASH - 1);
	while (k->dev_hash[h])
		h = (h + 1) & (DEV_HASH - 1);
	k->dev_hash[h] = (uint32_t)++k->ndevs;
	k->sorted_dirty = true;
	return d;
}

static struct ioh_klog_unit *get_unit(ioh_klog *k, const struct ioh_klog_event *ev)
{
	struct ioh_klog_unit *u;

	for (size_t i = 0; i < k->nunits; i++)
		if (k->units[i].boot == ev->boot && !strcmp(k->units[i].unit, ev->unit))
			return &k->units[i];
	if (!grow((void **)&k->units, &k->units_cap, k->nunits, sizeof(*u), UNITS_MAX))
		return NULL;
	u = &k->units[k->nunits++];
	memset(u, 0, sizeof(*u));
	memcpy(u->unit, ev->unit, sizeof(u->unit));
	u->boot = ev->boot;
	u->file = ev->file;
	u->line = ev->line;
	u->usec = ev->usec;
	memcpy(u->stamp, ev->stamp, sizeof(u->stamp));
	return u;
}

/*
 * Replay detection. A kernel's records come with non-decreasing times, so a
 * record later than every one before it cannot be a replay: it is appended
 * to a time-ordered list (sequential, cheap). Only a record that goes back
 * in time is looked up, by binary search, and if new it goes to a small
 * hash set of out-of-order records. Both stores are bounded; past the bound
 * records are no longer remembered (a later replay of them is then counted).
 */
static bool ooo_lookup_insert(ioh_klog *k, uint64_t h)
{
	size_t i;

	if (!k->ooo) {
		k->ooo = calloc(OOO_CAP, sizeof(*k->ooo));
		if (!k->ooo)
			return false;
	}
	for (i = h & (OOO_CAP - 1); k->ooo[i]; i = (i + 1) & (OOO_CAP - 1))
		if (k->ooo[i] == h)
			return true;
	if (k->ooo_n * 10 < OOO_CAP * 7) {
		k->ooo[i] = h;
		k->ooo_n++;
	}
	return false;
}

/*
 * The replay list is reserved once, as address space, and made ready
 * 256 KiB at a time: a storm fills all 16 MiB of it, and page by page that
 * would be four thousand page faults (costly in a VM). Past the first 2 MiB
 * huge pages are asked for. Both are hints: without them pages simply
 * fault in as they are written.
 */
static bool seen_reserve(ioh_klog *k)
{
	size_t len = (size_t)SEEN_MAX * sizeof(*k->seen) + SEEN_CHUNK;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return false;
	k->seen_map = p;
	k->seen_map_len = len;
	a = ((uintptr_t)p + SEEN_CHUNK - 1) & ~(uintptr_t)(SEEN_CHUNK - 1);
	k->seen = (uint64_t *)a;
	k->seen_cap = SEEN_MAX;
#ifdef MADV_HUGEPAGE
	madvise((void *)(a + SEEN_CHUNK), (size_t)SEEN_MAX * sizeof(*k->seen) - SEEN_CHUNK,
		MADV_HUGEPAGE);
#endif
	return true;
}

/* Populates the list 256 KiB ahead of the writes (a no-op inside a huge page already there). */
static void seen_ready(ioh_klog *k, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	size_t step = SEEN_READY / sizeof(*k->seen);

	if (n % step == 0 && n + step <= SEEN_MAX)
		madvise(k->seen + n, SEEN_READY, MADV_POPULATE_WRITE);
#else
	(void)k;
	(void)n;
#endif
}

/* Appends a record later than all kept ones; silently full at SEEN_MAX. */
static void seen_append(ioh_klog *k, uint64_t usec, uint64_t h)
{
	size_t b = k->seen_n / SEEN_BLOCK;

	if (k->seen_n >= SEEN_MAX || (!k->seen && !seen_reserve(k)))
		return;
	if (k->seen_n % SEEN_BLOCK == 0) {
		if (!grow((void **)&k->seen_at, &k->seen_at_cap, b, sizeof(*k->seen_at),
			  SEEN_MAX / SEEN_BLOCK))
			return;
		k->seen_at[b] = usec;
		seen_ready(k, k->seen_n);
	}
	k->seen[k->seen_n++] = h;
	k->seen_last = usec;
}

static bool seen_before(ioh_klog *k, uint64_t usec, uint64_t h)
{
	size_t lo = 0, hi, end;

	if (!h)
		h = 1;
	if (!k->seen_n || usec > k->seen_last) {
		seen_append(k, usec, h);
		return false;
	}
	/* times are unique in the list: only the last block starting at or before usec can hold it */
	hi = (k->seen_n + SEEN_BLOCK - 1) / SEEN_BLOCK;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->seen_at[mid] <= usec)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		end = lo * SEEN_BLOCK < k->seen_n ? lo * SEEN_BLOCK : k->seen_n;
		for (size_t i = (lo - 1) * SEEN_BLOCK; i < end; i++)
			if (k->seen[i] == h)
				return true;
	}
	return ooo_lookup_insert(k, h);
}

static inline uint64_t mix8(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdULL;
	return h ^ h >> 32;
}

/* A hash of one record's n-byte text; runs for every record kept. */
static uint64_t record_hash(unsigned boot, uint64_t usec, const char *msg, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)boot << 32) ^ usec;
	uint64_t g = 0xc2b2ae3d27d4eb4fULL, w;
	size_t i = 0;

	/* two independent lanes, sixteen bytes a step */
	for (; i + 16 <= n; i += 16) {
		memcpy(&w, msg + i, 8);
		h = mix8(h, w);
		memcpy(&w, msg + i + 8, 8);
		g = mix8(g, w);
	}
	if (i + 8 <= n) {
		memcpy(&w, msg + i, 8);
		h = mix8(h, w);
		i += 8;
	}
	if (i < n) {
		if (n >= 8) { /* the last eight bytes, overlapping what was hashed */
			memcpy(&w, msg + n - 8, 8);
		} else {
			w = 0;
			memcpy(&w, msg, n);
		}
		g = mix8(g, w);
	}
	h = mix8(h, g);
	h ^= h >> 29;
	return h * 0xc4ceb9fe1a85ec53ULL ^ n;
}

/* ------------------------------------------------------------------ */
/* accounting                                                          */
/* ------------------------------------------------------------------ */

static void new_boot(ioh_klog *k)
{
	if (k->boot_has_content)
		k->boot++;
	k->boot_has_content = false;
	k->seen_n = 0; /* records of another boot are never replays of this one */
	if (k->ooo && k->ooo_n) {
		memset(k->ooo, 0, OOO_CAP * sizeof(*k->ooo));
		k->ooo_n = 0;
	}
	k->copied_in_boot = false;
	k->have_last_dev = false;
	if (k->sum.boots < k->boot + 1)
		k->sum.boots = k->boot + 1;
}

static void note_fault(ioh_klog *k, struct ioh_klog_event *ev)
{
	struct ioh_klog_device *d = get_dev(k, ev->bdf);
	bool dma = ev->kind == IOH_KLOG_DMA_FAULT;

	k->have_last_dev = true;
	k->last_dev = ev->bdf;
	if (dma) {
		k->sum.dma_faults++;
		if (k->copied_in_boot)
			k->sum.dma_faults_after_copy++;
	} else {
		k->sum.ir_faults++;
	}
	if (!d)
		return;
	if (!dma) {
		d->ir_faults++;
	} else {
		d->dma_faults++;
		if (ev->access == IOH_KLOG_ACCESS_READ)
			d->dma_read++;
		else if (ev->access == IOH_KLOG_ACCESS_WRITE)
			d->dma_write++;
		else
			d->dma_other++;
		if (ev->reason >= 0 && ev->reason < 256)
			d->reasons[ev->reason]++;
		else
			d->dma_no_reason++;
		if (k->copied_in_boot)
			d->faults_after_copy++;
		else
			d->faults_before_copy++;
		if (d->probed && d->probe_boot == ev->boot) {
			d->faults_after_probe++;
		} else {
			d->faults_before_probe++;
			d->faults_in_window += k->copied_in_boot;
		}
	}
	if (!d->first_line) {
		d->first_file = ev->file;
		d->first_line = ev->line;
		d->first_usec = ev->usec;
		memcpy(d->first_stamp, ev->stamp, sizeof(d->first_stamp));
	}
	d->last_file = ev->file;
	d->last_line = ev->line;
	d->last_usec = ev->usec;
	memcpy(d->last_stamp, ev->stamp, sizeof(d->last_stamp));
}

/* Returns false when the event should not be kept in the ordered list. */
static bool account(ioh_klog *k, struct ioh_klog_event *ev, const char *msg)
{
	struct ioh_klog_device *d;
	struct ioh_klog_unit *u;

	switch (ev->kind) {
	case IOH_KLOG_DMA_FAULT:
	case IOH_KLOG_IR_FAULT:
		note_fault(k, ev);
		break;
	case IOH_KLOG_FAULT_STATUS:
		k->sum.fault_status++;
		return false; /* counted; one per fault interrupt, not worth a slot */
	case IOH_KLOG_SUPPRESSED:
		k->sum.suppressed += ev->value;
		if (k->have_last_dev && (d = find_dev(k, k->last_dev)))
			d->suppressed += ev->value;
		break;
	case IOH_KLOG_TABLES_COPIED:
	case IOH_KLOG_COPY_FAILED:
	case IOH_KLOG_NOT_KDUMP:
		if (ev->kind == IOH_KLOG_TABLES_COPIED)
			k->copied_in_boot = true;
		if ((u = get_unit(k, ev))) {
			u->state = ev->kind == IOH_KLOG_TABLES_COPIED ? IOH_KLOG_COPY_OK
				   : ev->kind == IOH_KLOG_COPY_FAILED ? IOH_KLOG_COPY_FAIL
								       : IOH_KLOG_COPY_NOT_KDUMP;
			u->file = ev->file;
			u->line = ev->line;
			u->usec = ev->usec;
			memcpy(u->stamp, ev->stamp, sizeof(u->stamp));
		}
		break;
	case IOH_KLOG_CTX_COPY_FAILED:
		if ((u = get_unit(k, ev)))
			u->ctx_copy_failures++;
		break;
	case IOH_KLOG_IR_COPIED:
	case IOH_KLOG_IR_COPY_FAILED:
	case IOH_KLOG_IR_NOT_KDUMP:
		if ((u = get_unit(k, ev))) {
			u->ir_copied |= ev->kind == IOH_KLOG_IR_COPIED;
			u->ir_copy_failed |= ev->kind == IOH_KLOG_IR_COPY_FAILED;
			u->ir_not_kdump |= ev->kind == IOH_KLOG_IR_NOT_KDUMP;
		}
		break;
	case IOH_KLOG_DRIVER_PROBE:
		d = get_dev(k, ev->bdf);
		if (!d || (d->probed && d->probe_boot == ev->boot))
			return false; /* only a driver's first line is the probe */
		d->probed = true;
		memcpy(d->driver, ev->driver, sizeof(d->driver));
		d->probe_boot = ev->boot;
		d->probe_file = ev->file;
		d->probe_line = ev->line;
		memcpy(d->probe_stamp, ev->stamp, sizeof(d->probe_stamp));
		break;
	case IOH_KLOG_IOMMU_GROUP:
		if ((d = get_dev(k, ev->bdf)))
			d->iommu_group = (int)ev->value;
		break;
	case IOH_KLOG_UNCLASSIFIED:
		k->sum.unclassified++;
		if (grow((void **)&k->uncl, &k->uncl_cap, k->nuncl, sizeof(*ev),
			 IOH_KLOG_UNCLASSIFIED_MAX)) {
			klog_sanitize(ev->text, sizeof(ev->text), msg);
			k->uncl[k->nuncl++] = *ev;
		} else
			k->sum.unclassified_dropped++;
		break;
	default:
		break;
	}
	return true;
}

/* why: the fault reason's wording, unsanitised, or NULL. */
static void emit(ioh_klog *k, struct ioh_klog_event *ev, const char *msg, const char *why,
		 bool dedup, uint64_t h)
{
	if (dedup && ev->kind != IOH_KLOG_BOOT && seen_before(k, ev->usec, h)) {
		k->sum.duplicates++;
		return;
	}
	if (ev->kind == IOH_KLOG_BOOT) {
		new_boot(k);
		ev->boot = k->boot;
	}
	if (ev->kind != IOH_KLOG_BOOT)
		k->boot_has_content = true;
	if ((ev->kind == IOH_KLOG_DMA_FAULT || ev->kind == IOH_KLOG_IR_FAULT) && ev->reason >= 0 &&
	    ev->reason < 256 && !k->reason_text[ev->reason][0] && why && why[0])
		klog_sanitize(k->reason_text[ev->reason], sizeof(k->reason_text[0]), why);
	if (account(k, ev, msg))
		push_event(k, ev, msg);
}

static void flush_pending(ioh_klog *k)
{
	if (!k->pending)
		return;
	k->pending = false;
	if (k->pending_class == KLOG_FAULT_HEAD) {
		emit(k, &k->pending_ev, k->pending_msg, NULL, k->pending_dedup, k->pending_hash);
	} else {
		struct ioh_klog_event ev = k->pending_ev;

		ev.kind = IOH_KLOG_UNCLASSIFIED;
		emit(k, &ev, k->pending_msg, NULL, false, 0);
	}
}

/* Tries "pending + sep + msg" as one record. */
static bool try_join(ioh_klog *k, const char *msg, const char *sep)
{
	struct ioh_klog_event ev;
	const char *why;

	snprintf(k->joinbuf, sizeof(k->joinbuf) - KLOG_PAD, "%s%s%s", k->pending_msg, sep, msg);
	memset(&ev, 0, sizeof(ev));
	if (klog_classify(k->joinbuf, &ev, &why) != KLOG_EVENT ||
	    (ev.kind != IOH_KLOG_DMA_FAULT && ev.kind != IOH_KLOG_IR_FAULT))
		return false;
	ev.file = k->pending_ev.file;
	ev.line = k->pending_ev.line;
	ev.usec = k->pending_ev.usec;
	ev.boot = k->pending_ev.boot;
	memcpy(ev.stamp, k->pending_ev.stamp, sizeof(ev.stamp));
	k->pending = false;
	k->sum.joined++;
	emit(k, &ev, k->joinbuf, why, k->pending_dedup,
	     record_hash(ev.boot, ev.usec, k->joinbuf, strlen(k->joinbuf)));
	return true;
}

/* The pending record meets the next line; true if the line was used up. */
static bool resolve_pending(ioh_klog *k, const struct klog_line *ln, enum klog_class c,
			    const struct ioh_klog_event *ev, const char *why)
{
	if (c == KLOG_FAULT_TAIL && k->pending_class == KLOG_FAULT_HEAD) {
		struct ioh_klog_event *p = &k->pending_ev;
		size_t n = strlen(k->pending_msg);

		p->reason = ev->reason;
		p->reason_decimal = ev->reason_decimal;
		/* keep the reason text with the record */
		snprintf(k->pending_msg + n, sizeof(k->pending_msg) - n, " %s", ln->msg);
		k->pending = false;
		emit(k, p, k->pending_msg, why, k->pending_dedup, k->pending_hash);
		return true;
	}
	if (!ln->has_prefix && c != KLOG_EVENT && c != KLOG_FAULT_HEAD &&
	    (try_join(k, ln->msg, " ") || try_join(k, ln->msg, "")))
		return true;
	if (k->pending_class != KLOG_FAULT_HEAD || ++k->pending_age >= PENDING_AGE ||
	    c == KLOG_FAULT_HEAD || c == KLOG_PARTIAL)
		flush_pending(k);
	return false;
}

static void fill_where(ioh_klog *k, struct ioh_klog_event *ev, const struct klog_line *ln)
{
	ev->file = k->nfiles ? k->nfiles - 1 : 0;
	ev->line = k->lineno;
	ev->usec = ln->has_usec ? ln->usec : IOH_KLOG_NO_TIME;
	memcpy(ev->stamp, ln->stamp, sizeof(ev->stamp));
	ev->boot = k->boot;
}

/*
 * memcpy/memset kept out of line: inlined, the compiler turns these short
 * per-line copies into "rep" string instructions, slow to start on a
 * hundred bytes; the C library's versions are not.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define OUT_OF_LINE __attribute__((noipa))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

static OUT_OF_LINE void copy_out(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

static OUT_OF_LINE void zero_out(void *dst, size_t n)
{
	memset(dst, 0, n);
}

/* Parses one line already counted in k->lineno (at most IOH_KLOG_LINE_MAX bytes). */
static void parse_line(ioh_klog *k, const char *raw, size_t n)
{
	struct klog_line ln;
	struct ioh_klog_event ev;
	const char *why;
	enum klog_class c;
	bool nul = false;
	uint64_t h = 0;

	if (n && raw[n - 1] == '\r')
		n--;
	copy_out(k->scratch, raw, n);
	k->scratch[n] = '\0';
	for (char *z = memchr(k->scratch, '\0', n); z; z = memchr(z, '\0', n - (size_t)(z - k->scratch))) {
		*z = '?';
		nul = true;
	}
	if (nul)
		k->sum.nul_lines++;
	klog_split_prefix(k->scratch, k->kmsg_mode, &ln);
	if (ln.form == IOH_KLOG_FORM_KMSG)
		k->kmsg_mode = true;
	if (k->nfiles)
		k->files[k->nfiles - 1].forms[ln.form]++;
	if (ln.kmsg_dict || ln.journal_meta)
		return;
	if (ln.non_kernel) {
		k->sum.non_kernel++;
		return;
	}
	if (ln.journal_boot) {
		flush_pending(k);
		memset(&ev, 0, sizeof(ev));
		ev.kind = IOH_KLOG_BOOT;
		ev.reason = -1;
		fill_where(k, &ev, &ln);
		emit(k, &ev, ln.msg, NULL, false, 0);
		return;
	}
	/* the text is written only where the event is kept: not worth zeroing */
	zero_out(&ev, offsetof(struct ioh_klog_event, text));
	ev.text[0] = '\0';
	c = klog_classify(ln.msg, &ev, &why);
	if (ln.has_usec && c != KLOG_NONE)
		h = record_hash(k->boot, ln.usec, ln.msg, (size_t)(k->scratch + n - ln.msg));
	if (k->pending && resolve_pending(k, &ln, c, &ev, why))
		return;
	fill_where(k, &ev, &ln);
	switch (c) {
	case KLOG_NONE:
		return;
	case KLOG_FAULT_HEAD:
	case KLOG_PARTIAL:
		flush_pending(k);
		k->pending = true;
		k->pending_class = c;
		k->pending_age = 0;
		k->pending_ev = ev;
		k->pending_dedup = ln.has_usec;
		k->pending_hash = h;
		snprintf(k->pending_msg, sizeof(k->pending_msg), "%s", ln.msg);
		return;
	case KLOG_FAULT_TAIL: /* a reason line with no record before it */
	case KLOG_UNCLASSIFIED:
		ev.kind = IOH_KLOG_UNCLASSIFIED;
		emit(k, &ev, ln.msg, NULL, false, 0);
		return;
	case KLOG_EVENT:
		emit(k, &ev, ln.msg, why, ln.has_usec, h);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* input                                                               */
/* ------------------------------------------------------------------ */

IOH_EXPORT ioh_status ioh_klog_begin(ioh_klog *k, const char *name)
{
	struct klog_file *f;
	char *n;

	if (!k)
		return IOH_ERR_INVALID;
	if (k->in_file)
		ioh_klog_end(k);
	if (k->nfiles >= 65536)
		return ioh_err(k->ctx, IOH_ERR_LIMIT, "klog: too many inputs");
	n = strdup(name ? name : "-");
	f = n ? realloc(k->files, (k->nfiles + 1) * sizeof(*f)) : NULL;
	if (!f) {
		free(n);
		return ioh_err(k->ctx, IOH_ERR_NOMEM, "klog: out of memory");
	}
	k->files = f;
	memset(&f[k->nfiles], 0, sizeof(*f));
	f[k->nfiles++].name = n;
	k->in_file = true;
	k->lineno = 0;
	k->kmsg_mode = false;
	k->plen = 0;
	k->partial_long = false;
	new_boot(k); /* a new input is a new log */
	return IOH_OK;
}

static void append_partial(ioh_klog *k, const char *p, size_t n)
{
	size_t room = IOH_KLOG_LINE_MAX - k->plen;

	if (n > room) {
		k->partial_long = true;
		n = room;
	}
	memcpy(k->partial + k->plen, p, n);
	k->plen += n;
}

/* One whole line: counted, prefiltered (unless the caller did), parsed. */
static void line_go(ioh_klog *k, const char *p, size_t n, bool cut, bool filtered)
{
	k->sum.lines++;
	k->lineno++;
	if (!filtered && !k->pending &&
	    !klog_maybe_interesting(p, n > IOH_KLOG_LINE_MAX ? IOH_KLOG_LINE_MAX : n))
		return;
	if (cut || n > IOH_KLOG_LINE_MAX) {
		k->sum.long_lines++;
		n = IOH_KLOG_LINE_MAX;
	}
	parse_line(k, p, n);
}

static void line_done(ioh_klog *k, const char *p, size_t n, bool cut)
{
	line_go(k, p, n, cut, false);
}

/*
 * The fast path over complete lines [p, e) (e follows a newline): jumps from
 * trigger to trigger, counting the newlines skipped, and parses only the
 * lines holding one; after a record that may continue, the next lines are
 * parsed whatever they hold.
 */
static void scan_lines(ioh_klog *k, const char *p, const char *e)
{
	const char *cur = p, *ls, *nl, *c;
	uint64_t n;

	while (cur < e) {
		if (k->pending) {
			nl = memchr(cur, '\n', (size_t)(e - cur));
			line_done(k, cur, (size_t)(nl - cur), false);
			cur = nl + 1;
			continue;
		}
		c = klog_scan(cur, e, &n, &nl);
		k->sum.lines += n;
		k->lineno += n;
		if (c == e)
			return;
		ls = n ? memrchr(cur, '\n', (size_t)(c - cur)) + 1 : cur;
		line_go(k, ls, (size_t)(nl - ls), false, true);
		cur = nl + 1;
	}
}

IOH_EXPORT ioh_status ioh_klog_feed(ioh_klog *k, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	ioh_status st;

	if (!k || (!buf && len))
		return IOH_ERR_INVALID;
	if (!k->in_file && (st = ioh_klog_begin(k, "-")))
		return st;
	k->sum.bytes += len;
	if (k->plen || k->partial_long) { /* finish the line the last call left open */
		nl = memchr(p, '\n', len);
		if (!nl) {
			append_partial(k, p, len);
			return IOH_OK;
		}
		append_partial(k, p, (size_t)(nl - p));
		line_done(k, k->partial, k->plen, k->partial_long);
		k->plen = 0;
		k->partial_long = false;
		p = nl + 1;
	}
	nl = p < end ? memrchr(p, '\n', (size_t)(end - p)) : NULL;
	if (nl) {
		scan_lines(k, p, nl + 1);
		p = nl + 1;
	}
	if (p < end)
		append_partial(k, p, (size_t)(end - p));
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_klog_feed_line(ioh_klog *k, const char *line, size_t len)
{
	ioh_status st;

	if (!k || (!line && len))
		return IOH_ERR_INVALID;
	if (!k->in_file && (st = ioh_klog_begin(k, "-")))
		return st;
	if (k->plen || k->partial_long) { /* finish a partial fed line first */
		line_done(k, k->partial, k->plen, k->partial_long);
		k->plen = 0;
		k->partial_long = false;
	}
	k->sum.bytes += len;
	line_done(k, line ? line : "", len, false);
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_klog_end(ioh_klog *k)
{
	if (!k)
		return IOH_ERR_INVALID;
	if (k->plen || k->partial_long)
		line_done(k, k->partial, k->plen, k->partial_long);
	k->plen = 0;
	k->partial_long = false;
	flush_pending(k);
	k->in_file = false;
	return IOH_OK;
}

IOH_EXPORT ioh_status ioh_klog_read_file(ioh_klog *k, FILE *f, const char *name)
{
	char *buf;
	size_t n;
	ioh_status st;

	if (!k || !f)
		return IOH_ERR_INVALID;
	if ((st = ioh_klog_begin(k, name)))
		return st;
	buf = malloc(READ_CHUNK);
	if (!buf)
		return ioh_err(k->ctx, IOH_ERR_NOMEM, "klog: %s: out of memory", name);
	while ((n = fread(buf, 1, READ_CHUNK, f)) > 0)
		ioh_klog_feed(k, buf, n);
	free(buf);
	if (ferror(f)) {
		st = ioh_err(k->ctx, IOH_ERR_SYSTEM, "klog: %s: read error", name ? name : "-");
		ioh_klog_end(k);
		return st;
	}
	return ioh_klog_end(k);
}

IOH_EXPORT ioh_status ioh_klog_read_path(ioh_klog *k, const char *path)
{
	FILE *f;
	ioh_status st;

	if (!k || !path)
		return IOH_ERR_INVALID;
	if (!strcmp(path, "-"))
		return ioh_klog_read_file(k, stdin, "-");
	f = fopen(path, "r");
	if (!f)
		return ioh_err(k->ctx, IOH_ERR_SYSTEM, "klog: open %s", path);
	st = ioh_klog_read_file(k, f, path);
	fclose(f);
	return st;
}

/* ------------------------------------------------------------------ */
/* getters                                                             */
/* ------------------------------------------------------------------ */

IOH_EXPORT const struct ioh_klog_summary *ioh_klog_summary(const ioh_klog *k)
{
	return &k->sum;
}

IOH_EXPORT size_t ioh_klog_file_count(const ioh_klog *k)
{
	return k->nfiles;
}

IOH_EXPORT const char *ioh_klog_file_name(const ioh_klog *k, unsigned file)
{
	return file < k->nfiles ? k->files[file].name : "";
}

IOH_EXPORT enum ioh_klog_form ioh_klog_file_form(const ioh_klog *k, unsigned file)
{
	enum ioh_klog_form best = IOH_KLOG_FORM_PLAIN;

	if (file >= k->nfiles)
		return best;
	for (int f = 0; f < 4; f++)
		if (k->files[file].forms[f] > k->files[file].forms[best])
			best = (enum ioh_klog_form)f;
	return best;
}

static int dev_cmp(const void *a, const void *b, void *base)
{
	const struct ioh_klog_device *d = base;
	uint32_t ka = bdf_key(d[*(const size_t *)a].bdf);
	uint32_t kb = bdf_key(d[*(const size_t *)b].bdf);

	return ka < kb ? -1 : ka > kb;
}

IOH_EXPORT size_t ioh_klog_device_count(const ioh_klog *k)
{
	return k->ndevs;
}

IOH_EXPORT const struct ioh_klog_device *ioh_klog_device_at(const ioh_klog *k, size_t i)
{
	ioh_klog *mk = (ioh_klog *)k; /* the sorted view is a cache */

	if (i >= k->ndevs)
		return NULL;
	if (mk->sorted_dirty || !mk->sorted) {
		size_t *s = realloc(mk->sorted, (k->ndevs ? k->ndevs : 1) * sizeof(*s));

		if (!s)
			return &k->devs[i];
		mk->sorted = s;
		for (size_t j = 0; j < k->ndevs; j++)
			s[j] = j;
		qsort_r(s, k->ndevs, sizeof(*s), dev_cmp, k->devs);
		mk->sorted_dirty = false;
	}
	return &k->devs[mk->sorted[i]];
}

IOH_EXPORT const struct ioh_klog_device *ioh_klog_device_find(const ioh_klog *k,
							     struct ioh_bdf bdf)
{
	return find_dev(k, bdf);
}

IOH_EXPORT size_t ioh_klog_event_count(const ioh_klog *k)
{
	return k->nevents;
}

IOH_EXPORT const struct ioh_klog_event *ioh_klog_event_at(const ioh_klog *k, size_t i)
{
	return i < k->nevents ? &k->events[i] : NULL;
}

IOH_EXPORT const struct ioh_klog_event *ioh_klog_next(const ioh_klog *k, enum ioh_klog_kind kind,
						      size_t *pos)
{
	for (size_t i = *pos; i < k->nevents; i++)
		if (k->events[i].kind == kind) {
			*pos = i + 1;
			return &k->events[i];
		}
	*pos = k->nevents;
	return NULL;
}

IOH_EXPORT const char *ioh_klog_reason_text(const ioh_klog *k, unsigned code)
{
	return code < 256 ? k->reason_text[code] : "";
}

IOH_EXPORT size_t ioh_klog_unit_count(const ioh_klog *k)
{
	return k->nunits;
}

IOH_EXPORT const struct ioh_klog_unit *ioh_klog_unit_at(const ioh_klog *k, size_t i)
{
	return i < k->nunits ? &k->units[i] : NULL;
}

IOH_EXPORT size_t ioh_klog_unclassified_count(const ioh_klog *k)
{
	return k->nuncl;
}

IOH_EXPORT const struct ioh_klog_event *ioh_klog_unclassified_at(const ioh_klog *k, size_t i)
{
	return i < k->nuncl ? &k->uncl[i] : NULL;
}
