/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Verdict rules and the writers of the report model. */
#include <ioh/evidence.h>
#include <ioh/report.h>

#include "harness.h"

static struct ioh_bdf bdf(const char *s)
{
	struct ioh_bdf b;

	if (ioh_bdf_parse(s, &b))
		ioh_test_fail(__FILE__, __LINE__, "bad bdf %s", s);
	return b;
}

static char *render(ioh_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json)
		ioh_report_write_json(r, f);
	else
		ioh_report_write_text(r, f);
	fclose(f);
	return buf;
}

TEST(report_verdicts_worst_first)
{
	ioh_report *r = ioh_report_new();
	struct ioh_report_device *d;
	char *text;

	/* A NIC whose copied domain kept receiving: pages changed. */
	d = ioh_report_device(r, bdf("00:02.0"));
	d->mapped = IOH_YES;
	d->pages_changed = 12;
	d->attribution_unique = IOH_YES;
	/* An NVMe with a live entry, bus master on, no driver yet. */
	d = ioh_report_device(r, bdf("01:00.0"));
	d->mapped = IOH_YES;
	d->bus_master = IOH_YES;
	/* A disk controller its driver already reset. */
	d = ioh_report_device(r, bdf("00:1f.2"));
	d->mapped = IOH_YES;
	d->driver_probe = 1.5;
	/* Faults before the probe of a device with no table evidence. */
	d = ioh_report_device(r, bdf("00:03.0"));
	d->dma_faults = d->dma_faults_after_copy = d->dma_faults_before_probe = 3;
	/* Not mapped. */
	d = ioh_report_device(r, bdf("00:1f.0"));
	d->mapped = IOH_NO;
	ioh_report_finish(r);

	CHECK_EQ(ioh_report_ndevices(r), 5);
	CHECK_EQ(ioh_report_get_device(r, 0)->verdict, IOH_VERDICT_IN_FLIGHT);
	CHECK_EQ(ioh_report_get_device(r, 0)->bdf.devfn, 0x10);
	CHECK_EQ(ioh_report_get_device(r, 1)->verdict, IOH_VERDICT_IN_FLIGHT);
	CHECK_EQ(ioh_report_get_device(r, 2)->verdict, IOH_VERDICT_POSSIBLE);
	CHECK_EQ(ioh_report_get_device(r, 3)->verdict, IOH_VERDICT_QUIESCED);
	CHECK_EQ(ioh_report_get_device(r, 4)->verdict, IOH_VERDICT_NOT_MAPPED);
	CHECK(ioh_report_has_problem(r));
	text = render(r, false);
	CHECK_CONTAINS(text, "verdict: PROBLEM — 2 in-flight, 1 possible, 1 quiesced, 1 not mapped");
	CHECK_CONTAINS(text, "0000:00:02.0  in-flight-dma");
	free(text);
	ioh_report_free(r);
}

TEST(report_clean_without_evidence_of_dma)
{
	ioh_report *r = ioh_report_new();
	struct ioh_report_device *d = ioh_report_device(r, bdf("00:02.0"));

	d->mapped = IOH_YES;
	d->bus_master = IOH_NO;
	ioh_report_finish(r);
	CHECK_EQ(ioh_report_get_device(r, 0)->verdict, IOH_VERDICT_QUIESCED);
	CHECK(!ioh_report_has_problem(r));
	ioh_report_free(r);
}

TEST(report_torn_unit_is_a_problem)
{
	ioh_report *r = ioh_report_new();
	struct ioh_report_unit *u = ioh_report_unit(r, "dmar0", 0x1a2d000);

	u->torn_looking = 1;
	CHECK(ioh_report_unit(r, NULL, 0x1a2d000) == u);
	ioh_report_finish(r);
	CHECK(ioh_report_has_problem(r));
	ioh_report_free(r);
}

TEST(report_json_schema_fields)
{
	ioh_report *r = ioh_report_new();
	struct ioh_report_device *d = ioh_report_device(r, bdf("00:02.0"));
	char *json;

	d->dma_faults = 2;
	ioh_report_device_reason(d, 6);
	ioh_report_device_reason(d, 6);
	ioh_report_device_reason(d, 0x71);
	ioh_report_add_input(r, "log", "dmesg \"quoted\".txt");
	ioh_report_finish(r);
	json = render(r, true);
	CHECK_CONTAINS(json, "\"schema\": \"iommu-handover.report/1\"");
	CHECK_CONTAINS(json, "\"bdf\": \"0000:00:02.0\"");
	CHECK_CONTAINS(json, "\"reasons\": [\n        \"0x06\",\n        \"0x71\"\n      ]");
	CHECK_CONTAINS(json, "dmesg \\\"quoted\\\".txt");
	CHECK_CONTAINS(json, "\"mapped\": null");
	free(json);
	ioh_report_free(r);
}

/* The real legacy capture: tables copied, no DMA faults, every device quiet in the log. */
TEST(report_from_real_capture_log)
{
	ioh_klog *k = ioh_klog_new(NULL);
	ioh_report *r = ioh_report_new();
	const struct ioh_report_unit *u;
	char path[4096];

	snprintf(path, sizeof(path), "%s/legacy-virtio/capture-console.log",
		 getenv("IOH_SAMPLES") ? getenv("IOH_SAMPLES") : "/work/shared/samples");
	CHECK(k && r);
	CHECK_EQ(ioh_klog_read_path(k, path), IOH_OK);
	ioh_report_add_klog(r, k);
	ioh_report_finish(r);
	CHECK(ioh_report_nunits(r) >= 1);
	u = ioh_report_get_unit(r, 0);
	CHECK_STREQ(u->name, "dmar0");
	CHECK_EQ(u->copied, IOH_YES);
	CHECK(!ioh_report_has_problem(r));
	ioh_klog_free(k);
	ioh_report_free(r);
}

/* Faults after the copy and before the driver's probe are in-flight DMA; after it, not. */
TEST(report_klog_fault_ordering)
{
	static const char log[] =
		"[    0.500000] DMAR: Translation already enabled - trying to copy translation structures\n"
		"[    0.510000] DMAR: Copied translation tables from previous kernel for dmar0\n"
		"[    0.600000] DMAR: DRHD: handling fault status reg 2\n"
		"[    0.600001] DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0x1000 [fault reason 0x05] PTE Write access is not set\n"
		"[    1.000000] e1000e 0000:00:02.0: enabling device (0000 -> 0002)\n"
		"[    1.200000] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x2000 [fault reason 0x06] PTE Read access is not set\n"
		"[    1.100000] ahci 0000:00:1f.2: version 3.0\n";
	ioh_klog *k = ioh_klog_new(NULL);
	ioh_report *r = ioh_report_new();
	struct ioh_bdf nic = { 0, 0, 0x10 };
	const struct ioh_report_device *d = NULL;

	ioh_klog_begin(k, "inline");
	ioh_klog_feed(k, log, sizeof(log) - 1);
	ioh_klog_end(k);
	ioh_report_add_klog(r, k);
	ioh_report_finish(r);
	for (size_t i = 0; i < ioh_report_ndevices(r); i++)
		if (ioh_report_get_device(r, i)->bdf.devfn == nic.devfn)
			d = ioh_report_get_device(r, i);
	CHECK(d);
	CHECK_EQ(d->verdict, IOH_VERDICT_IN_FLIGHT);
	CHECK_EQ(d->dma_faults_before_probe, 1);
	CHECK_EQ(d->reasons[0], 5);
	CHECK_STREQ(d->driver, "e1000e");
	CHECK(ioh_report_has_problem(r));
	ioh_klog_free(k);
	ioh_report_free(r);
}

/* A fault storm past the log reader's kept events: the counts stay exact. */
TEST(report_klog_storm_counts_exact)
{
	ioh_klog *k = ioh_klog_new(NULL);
	ioh_report *r = ioh_report_new();
	char line[256];
	const struct ioh_report_device *d;

	ioh_klog_begin(k, "storm");
	snprintf(line, sizeof(line),
		 "[    0.510000] DMAR: Copied translation tables from previous kernel for dmar0\n");
	ioh_klog_feed(k, line, strlen(line));
	for (unsigned i = 0; i < 20000; i++) {
		int n = snprintf(line, sizeof(line),
				 "[%5u.%06u] DMAR: [DMA Write NO_PASID] Request device [00:02.0] "
				 "fault addr 0x%x000 [fault reason 0x05] PTE Write access is not set\n",
				 1 + i / 1000, i % 1000, i);
		ioh_klog_feed(k, line, (size_t)n);
	}
	ioh_klog_end(k);
	CHECK(ioh_klog_summary(k)->events_dropped > 0);
	ioh_report_add_klog(r, k);
	ioh_report_finish(r);
	d = ioh_report_get_device(r, 0);
	CHECK(d);
	CHECK_EQ(d->dma_faults_after_copy, 20000);
	CHECK_EQ(d->dma_faults_before_probe, 20000);
	CHECK_EQ(d->verdict, IOH_VERDICT_IN_FLIGHT);
	ioh_klog_free(k);
	ioh_report_free(r);
}

/* Every BDF of a segment, twice over: each found again, none duplicated (hashed, not scanned). */
TEST(report_many_devices_indexed)
{
	ioh_report *r = ioh_report_new();

	for (int pass = 0; pass < 2; pass++)
		for (unsigned sid = 0; sid < 65536; sid++) {
			struct ioh_bdf b = { 1, (uint8_t)(sid >> 8), (uint8_t)sid };
			struct ioh_report_device *d = ioh_report_device(r, b);

			CHECK(d && ioh_bdf_sid(d->bdf) == sid && d->bdf.seg == 1);
			d->dma_faults++;
		}
	CHECK_EQ(ioh_report_ndevices(r), 65536);
	ioh_report_finish(r);
	CHECK_EQ(ioh_report_get_device(r, 0)->dma_faults, 2);
	/* After the sort the index still finds the same device. */
	struct ioh_bdf b = { 1, 0x12, 0x34 };
	CHECK_EQ(ioh_bdf_sid(ioh_report_device(r, b)->bdf), 0x1234);
	CHECK_EQ(ioh_report_ndevices(r), 65536);
	ioh_report_free(r);
}
