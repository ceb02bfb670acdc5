/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the engine (src/lib/handover*.c) and the model (src/model/): the event log. */
#ifndef IOH_HANDOVER_INTERNAL_H
#define IOH_HANDOVER_INTERNAL_H

#include <ioh/handover.h>

struct ioh_event_log {
	struct ioh_event *ev;
	size_t n, cap, max;
	uint64_t dropped;
};

/* max = 0 means the default bound (1M events). */
struct ioh_event_log *ioh_event_log_new(size_t max);
void ioh_event_log_free(struct ioh_event_log *l);
/* Appends a copy; counts it as dropped when full or out of memory. */
void ioh_event_log_add(struct ioh_event_log *l, const struct ioh_event *ev);
void ioh_event_log_clear(struct ioh_event_log *l);

#endif
