/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files (docs/scenario-format.md): arbitrary text either parses or
 * fails with "file:line: what". A scenario that parses and is small enough
 * to run quickly is then run on the hardware model: the run ends, its
 * counters agree, and a safe strategy (present-first, batched) never lets
 * the hardware fetch a torn copied entry or translate through one after
 * its teardown, whatever the devices do.
 */
#include <ioh/handover.h>
#include <ioh/model.h>

#include "fuzz-util.h"

static bool small(const struct ioh_scenario *s)
{
	unsigned extra = 0;

	for (unsigned i = 0; i < s->n_iommus; i++)
		extra += s->iommus[i].extra_entries;
	return s->end_at <= 4000 && extra <= 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s = NULL;
	char *text = malloc(size + 1);
	ioh_status rc;

	if (!ctx || !text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	rc = ioh_scenario_parse(ctx, text, "fuzz.scn", &s);
	if (rc) {
		FZ_ASSERT(!strncmp(ioh_get_err(ctx), "fuzz.scn", 8),
			  "scenario error does not name the file: '%s'", ioh_get_err(ctx));
	} else if (small(s)) {
		ioh_model *m = NULL;

		s->max_events = 20000;
		if (!ioh_model_new(ctx, s, &m)) {
			struct ioh_model_summary sum;

			(void)ioh_model_run(m);
			ioh_model_summary(m, &sum);
			FZ_ASSERT(sum.faults_recorded + sum.faults_overflow + sum.faults_fpd <=
					  sum.faults,
				  "fault accounting: %llu recorded + %llu lost + %llu FPD > %llu",
				  (unsigned long long)sum.faults_recorded,
				  (unsigned long long)sum.faults_overflow,
				  (unsigned long long)sum.faults_fpd, (unsigned long long)sum.faults);
			FZ_ASSERT(sum.devices_in_flight <= s->n_devices, "more in flight than devices");
			if (ioh_strategy_is_safe(s->strategy))
				FZ_ASSERT(!sum.torn_fetches && !sum.stale_uses,
					  "%s: %llu torn fetches, %llu stale uses",
					  ioh_strategy_name(s->strategy),
					  (unsigned long long)sum.torn_fetches,
					  (unsigned long long)sum.stale_uses);
			ioh_model_free(m);
		}
	}
	ioh_scenario_free(s);
	free(text);
	ioh_ctx_free(ctx);
	return 0;
}
