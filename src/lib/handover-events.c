/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Events: the record of every step, bounded so a long run cannot eat memory. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "handover-internal.h"
#include "internal.h"

#define EVENT_LOG_DEFAULT_MAX ((size_t)1 << 20)

static const char *const kind_names[IOH_EV__COUNT] = {
	[IOH_EV_WRITE] = "write",
	[IOH_EV_WMB] = "wmb",
	[IOH_EV_CLFLUSH] = "clflush",
	[IOH_EV_INV_CONTEXT] = "inv-context",
	[IOH_EV_INV_PASID] = "inv-pasid",
	[IOH_EV_INV_IOTLB] = "inv-iotlb",
	[IOH_EV_INV_DEVTLB] = "inv-devtlb",
	[IOH_EV_WAIT] = "wait",
	[IOH_EV_WAIT_DONE] = "wait-done",
	[IOH_EV_SRTP] = "srtp",
	[IOH_EV_COPIED] = "copied",
	[IOH_EV_TEARDOWN] = "teardown",
	[IOH_EV_TEARDOWN_DONE] = "teardown-done",
	[IOH_EV_PUBLISH] = "publish",
	[IOH_EV_CRASH] = "crash",
	[IOH_EV_FAULT_SERVICE] = "fault-service",
	[IOH_EV_WRITEBACK] = "writeback",
	[IOH_EV_FETCH_HALF] = "fetch-half",
	[IOH_EV_FETCH] = "fetch",
	[IOH_EV_CACHE_HIT] = "cache-hit",
	[IOH_EV_TORN] = "TORN",
	[IOH_EV_STALE] = "STALE",
	[IOH_EV_FAULT] = "fault",
	[IOH_EV_FAULT_LOST] = "fault-lost",
	[IOH_EV_TRANSLATE] = "translate",
	[IOH_EV_DMA] = "dma",
};

IOH_EXPORT const char *ioh_event_kind_name(enum ioh_event_kind k)
{
	return (unsigned)k < IOH_EV__COUNT && kind_names[k] ? kind_names[k] : "unknown";
}

IOH_EXPORT const char *ioh_lane_name(enum ioh_lane l)
{
	switch (l) {
	case IOH_LANE_CPU:
		return "cpu";
	case IOH_LANE_IOMMU:
		return "iommu";
	case IOH_LANE_DEVICE:
		return "device";
	}
	return "unknown";
}

static const char *gran_name(unsigned g)
{
	return g == IOH_INV_GLOBAL ? "global" : g == IOH_INV_DOMAIN ? "domain"
		: g == IOH_INV_DEVICE ? "device" : "?";
}

static const char *half_name(int h)
{
	return h == 0 ? "lo" : h == 1 ? "hi" : "whole";
}

IOH_EXPORT char *ioh_event_format(const struct ioh_event *ev, char *buf, size_t len)
{
	int n = snprintf(buf, len, "t=%" PRIu64 " %s%u %s", ev->t, ioh_lane_name(ev->lane),
			 ev->lane_id, ioh_event_kind_name(ev->kind));
	size_t o = n < 0 ? 0 : (size_t)n < len ? (size_t)n : len;
	char *p = buf + o;
	size_t left = len - o;

	switch (ev->kind) {
	case IOH_EV_WRITE:
	case IOH_EV_FETCH_HALF:
		snprintf(p, left, " 0x%" PRIx64 " %s=0x%016" PRIx64, ev->addr, half_name(ev->half),
			 ev->val[0]);
		break;
	case IOH_EV_CLFLUSH:
	case IOH_EV_WRITEBACK:
		snprintf(p, left, " 0x%" PRIx64, ev->addr);
		break;
	case IOH_EV_INV_CONTEXT:
		snprintf(p, left, " %s did=%u sid=%04x", gran_name(ev->gran), ev->did, ev->sid);
		break;
	case IOH_EV_INV_PASID:
	case IOH_EV_INV_IOTLB:
		snprintf(p, left, " %s did=%u%s%s", gran_name(ev->gran), ev->did,
			 ev->val[0] & 1 ? " dr" : "", ev->val[0] & 2 ? " dw" : "");
		break;
	case IOH_EV_INV_DEVTLB:
		snprintf(p, left, " sid=%04x", ev->sid);
		break;
	case IOH_EV_SRTP:
		snprintf(p, left, " rtaddr=0x%" PRIx64, ev->val[0]);
		break;
	case IOH_EV_COPIED:
	case IOH_EV_TEARDOWN:
	case IOH_EV_TEARDOWN_DONE:
	case IOH_EV_PUBLISH:
	case IOH_EV_FETCH:
	case IOH_EV_CACHE_HIT:
	case IOH_EV_TORN:
	case IOH_EV_STALE:
		snprintf(p, left, " sid=%04x 0x%" PRIx64 " lo=0x%016" PRIx64 " hi=0x%016" PRIx64,
			 ev->sid, ev->addr, ev->val[0], ev->val[1]);
		break;
	case IOH_EV_FAULT:
	case IOH_EV_FAULT_LOST:
		snprintf(p, left, " sid=%04x iova=0x%" PRIx64 " reason=0x%02x%s", ev->sid, ev->addr,
			 ev->reason,
			 ev->kind == IOH_EV_FAULT_LOST ? (ev->val[0] == 2 ? " (fpd)" : " (overflow)")
						       : "");
		break;
	case IOH_EV_TRANSLATE:
		snprintf(p, left, " sid=%04x iova=0x%" PRIx64 " -> 0x%" PRIx64, ev->sid, ev->addr,
			 ev->val[0]);
		break;
	case IOH_EV_DMA:
		snprintf(p, left, " sid=%04x %s iova=0x%" PRIx64, ev->sid,
			 ev->val[0] ? "write" : "read", ev->addr);
		break;
	default:
		break;
	}
	return buf;
}

struct ioh_event_log *ioh_event_log_new(size_t max)
{
	struct ioh_event_log *l = calloc(1, sizeof(*l));

	if (l)
		l->max = max ? max : EVENT_LOG_DEFAULT_MAX;
	return l;
}

void ioh_event_log_free(struct ioh_event_log *l)
{
	if (!l)
		return;
	free(l->ev);
	free(l);
}

void ioh_event_log_clear(struct ioh_event_log *l)
{
	l->n = 0;
	l->dropped = 0;
}

void ioh_event_log_add(struct ioh_event_log *l, const struct ioh_event *ev)
{
	if (l->n == l->max) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct ioh_event *ne;

		if (nc > l->max)
			nc = l->max;
		ne = realloc(l->ev, nc * sizeof(*ne));
		if (!ne) {
			l->dropped++;
			return;
		}
		l->ev = ne;
		l->cap = nc;
	}
	l->ev[l->n++] = *ev;
}

IOH_EXPORT size_t ioh_event_log_count(const struct ioh_event_log *l)
{
	return l ? l->n : 0;
}

IOH_EXPORT const struct ioh_event *ioh_event_log_get(const struct ioh_event_log *l, size_t i)
{
	return l && i < l->n ? &l->ev[i] : NULL;
}

IOH_EXPORT uint64_t ioh_event_log_dropped(const struct ioh_event_log *l)
{
	return l ? l->dropped : 0;
}

IOH_EXPORT void ioh_event_iter_init(struct ioh_event_iter *it, const struct ioh_event_log *log)
{
	it->log = log;
	it->i = 0;
}

IOH_EXPORT const struct ioh_event *ioh_event_iter_next(struct ioh_event_iter *it)
{
	return ioh_event_log_get(it->log, it->i++);
}
