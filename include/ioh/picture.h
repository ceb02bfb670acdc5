/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pictures of a handover: an SVG timeline of a reproduced run (the events
 * of ioh/handover.h) and an HTML page of a real crash's report.
 *
 * Both are one self-contained file: inline CSS, no script, no font or
 * image fetched from anywhere. The timeline is bounded in size whatever the
 * run's length: dense stretches are drawn as bars with counts, while torn
 * fetches, stale uses and DMA after a device's teardown are always drawn
 * one by one (up to a cap, then counted), each with a tooltip naming the
 * trace event (its index and formatted text) it came from.
 */
#ifndef IOH_PICTURE_H
#define IOH_PICTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ioh/handover.h>
#include <ioh/ioh.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound of a timeline file in bytes, for any run. */
#define IOH_SVG_MAX_BYTES ((size_t)2 << 20)

/* One device lane: events with lane IOH_LANE_DEVICE and lane_id i, or whose sid is its BDF's. */
struct ioh_svg_device {
	const char *name;	/* "nic"; any text, escaped */
	struct ioh_bdf bdf;
};

struct ioh_svg_cfg {
	const char *title;	/* first line of the picture; any text */
	const char *subtitle;	/* second line, may be NULL */
	const struct ioh_svg_device *devices;
	unsigned n_devices;	/* at most 256 are drawn */
	unsigned n_iommus;	/* IOMMU lanes; 0 = as many as the events name */
	uint64_t dropped;	/* events the log did not keep (said in the picture) */
	size_t max_bytes;	/* 0 = IOH_SVG_MAX_BYTES; at least 512 KiB */
};

/*
 * Writes the timeline of events ev[0..n) (in time order) to f. Returns
 * IOH_OK, IOH_ERR_INVALID for a bad cfg, IOH_ERR_NOMEM, or IOH_ERR_SYSTEM
 * when writing to f failed.
 */
ioh_status ioh_svg_timeline(FILE *f, const struct ioh_svg_cfg *cfg, const struct ioh_event *ev,
			    size_t n);
/* The same for a log (e.g. ioh_model_events()); cfg->dropped is taken from the log. */
ioh_status ioh_svg_timeline_log(FILE *f, const struct ioh_svg_cfg *cfg,
				const struct ioh_event_log *log);

typedef struct ioh_report ioh_report;

/*
 * Writes a finished report (ioh_report_finish) as one HTML page: verdict
 * counts, then one row per device, worst first, colour-coded, with its
 * evidence and a small inline-SVG time strip of its faults against the
 * table copy and its driver's probe. IOH_OK or IOH_ERR_SYSTEM.
 */
ioh_status ioh_report_write_html(const ioh_report *r, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
