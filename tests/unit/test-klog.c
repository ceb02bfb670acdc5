/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel-log reader: message forms by era, log formats, joins, bounds. */
#include <ioh/evidence.h>

#include "harness.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static ioh_klog *feed(const char *text)
{
	ioh_klog *k = ioh_klog_new(NULL);

	CHECK(k);
	CHECK_EQ(ioh_klog_begin(k, "t"), IOH_OK);
	CHECK_EQ(ioh_klog_feed(k, text, strlen(text)), IOH_OK);
	CHECK_EQ(ioh_klog_end(k), IOH_OK);
	return k;
}

static const struct ioh_klog_event *first(const ioh_klog *k, enum ioh_klog_kind kind)
{
	size_t pos = 0;

	return ioh_klog_next(k, kind, &pos);
}

TEST(klog_reason_decimal_before_5_14)
{
	/* v4.7-5.13 print "%02d": "12" is 0x0c, not 0x12 */
	ioh_klog *k = feed("[ 1.0] DMAR: [DMA Read] Request device [00:02.0] fault addr 6df084000 "
			   "[fault reason 12] non-zero reserved fields in PTE\n");
	const struct ioh_klog_event *e = first(k, IOH_KLOG_DMA_FAULT);

	CHECK(e);
	CHECK_EQ(e->reason, 0x0c);
	CHECK(e->reason_decimal);
	CHECK_EQ(e->addr, 0x6df084000ULL);
	CHECK_EQ(e->access, IOH_KLOG_ACCESS_READ);
	CHECK_EQ(e->usec, 1000000);
	CHECK_STREQ(ioh_klog_reason_text(k, 0x0c), "non-zero reserved fields in PTE");
	ioh_klog_free(k);
}

TEST(klog_reason_hex_and_pasid)
{
	ioh_klog *k = feed("[ 232.023974] DMAR: [DMA Write PASID 0x2] Request device [6a:01.0] fault "
			   "addr 0x7fe0c9943000 [fault reason 0x3a] SM: x\n"
			   "[ 232.1] DMAR: [DMA Read] Request device [00:02.0] PASID ffffffff fault "
			   "addr 0 [fault reason 02] y\n"
			   "[ 232.2] DMAR: [DMA Read] Request device [00:02.0] PASID 5 fault addr 0 "
			   "[fault reason 02] y\n");
	size_t pos = 0;
	const struct ioh_klog_event *e = ioh_klog_next(k, IOH_KLOG_DMA_FAULT, &pos);

	CHECK(e && e->has_pasid && e->pasid == 2 && e->reason == 0x3a && !e->reason_decimal);
	CHECK_EQ(e->access, IOH_KLOG_ACCESS_WRITE);
	CHECK_EQ(e->bdf.bus, 0x6a);
	CHECK_EQ(e->bdf.devfn, 1 << 3);
	e = ioh_klog_next(k, IOH_KLOG_DMA_FAULT, &pos);
	CHECK(e && !e->has_pasid && e->reason == 2);
	e = ioh_klog_next(k, IOH_KLOG_DMA_FAULT, &pos);
	CHECK(e && e->has_pasid && e->pasid == 5);
	ioh_klog_free(k);
}

TEST(klog_bdf_forms)
{
	ioh_klog *k = feed("DMAR: [DMA Read NO_PASID] Request device [0x04:0x00.0] fault addr 0x1 "
			   "[fault reason 0x06] a\n"
			   "DMAR: [DMA Read NO_PASID] Request device [0001:80:14.0] fault addr 0x1 "
			   "[fault reason 0x39] b\n");
	struct ioh_bdf b = { 0, 4, 0 };

	CHECK_EQ(ioh_klog_device_count(k), 2);
	CHECK(ioh_klog_device_find(k, b));
	b = (struct ioh_bdf){ 1, 0x80, 0x14 << 3 };
	CHECK(ioh_klog_device_find(k, b));
	CHECK_EQ(ioh_klog_device_find(k, b)->reasons[0x39], 1);
	/* sorted by segment first */
	CHECK_EQ(ioh_klog_device_at(k, 1)->bdf.seg, 1);
	ioh_klog_free(k);
}

TEST(klog_two_line_form_with_interleaving)
{
	/* <= 4.6: the reason comes on the next line; another line may come between */
	ioh_klog *k = feed("[ 5.1] dmar: DMAR:[DMA Write] Request device [00:02.0] fault addr 1000 \n"
			   "[ 5.1] dmar: DRHD: handling fault status reg 2\n"
			   "[ 5.1] DMAR:[fault reason 05] PTE Write access is not set\n");
	const struct ioh_klog_event *e = first(k, IOH_KLOG_DMA_FAULT);

	CHECK(e && e->reason == 5 && e->line == 1);
	CHECK_EQ(ioh_klog_summary(k)->unclassified, 0);
	CHECK_EQ(ioh_klog_summary(k)->fault_status, 1);
	ioh_klog_free(k);
}

TEST(klog_head_without_reason_is_counted_not_guessed)
{
	ioh_klog *k = feed("[ 5.1] DMAR:[DMA Read] Request device [00:02.0] fault addr 1000\n"
			   "[ 5.2] a\n[ 5.3] b\n[ 5.4] c\n");
	const struct ioh_klog_device *d = ioh_klog_device_at(k, 0);

	CHECK(d);
	CHECK_EQ(d->dma_faults, 1);
	CHECK_EQ(d->dma_no_reason, 1);
	ioh_klog_free(k);
}

TEST(klog_orphan_tail_is_unclassified)
{
	ioh_klog *k = feed("[ 5.3] DMAR:[fault reason 05] PTE Write access is not set\n");

	CHECK_EQ(ioh_klog_summary(k)->unclassified, 1);
	CHECK_EQ(ioh_klog_unclassified_at(k, 0)->line, 1);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 0);
	ioh_klog_free(k);
}

TEST(klog_ir_faults_old_and_new)
{
	ioh_klog *k = feed("INTR-REMAP: Request device [[f0:1f.0] fault index 21\n"
			   "INTR-REMAP:[fault reason 34] Detected reserved fields\n"
			   "DMAR: [INTR-REMAP] Request device [f0:1f.0] fault index 0x21 "
			   "[fault reason 0x25] Blocked\n");
	size_t pos = 0;
	const struct ioh_klog_event *e = ioh_klog_next(k, IOH_KLOG_IR_FAULT, &pos);

	CHECK(e && e->reason == 0x22 && e->addr == 0x21);
	e = ioh_klog_next(k, IOH_KLOG_IR_FAULT, &pos);
	CHECK(e && e->reason == 0x25);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 0);
	CHECK_EQ(ioh_klog_device_at(k, 0)->ir_faults, 2);
	ioh_klog_free(k);
}

TEST(klog_copy_position_and_probe)
{
	ioh_klog *k = feed("[0.5] DMAR: [DMA Read NO_PASID] Request device [02:00.0] fault addr 0x1 "
			   "[fault reason 0x02] x\n"
			   "[1.0] DMAR: Copied translation tables from previous kernel for dmar0\n"
			   "[1.1] DMAR: [DMA Read NO_PASID] Request device [02:00.0] fault addr 0x2 "
			   "[fault reason 0x02] x\n"
			   "[1.2] nvme nvme0: pci function 0000:02:00.0\n"
			   "[1.3] nvme nvme0: 4/0/0 default/read/poll queues\n"
			   "[1.4] DMAR: [DMA Read NO_PASID] Request device [02:00.0] fault addr 0x3 "
			   "[fault reason 0x02] x\n");
	const struct ioh_klog_device *d = ioh_klog_device_at(k, 0);

	CHECK_EQ(d->faults_before_copy, 1);
	CHECK_EQ(d->faults_after_copy, 2);
	CHECK_EQ(d->faults_before_probe, 2);
	CHECK_EQ(d->faults_after_probe, 1);
	CHECK_EQ(d->faults_in_window, 1);
	CHECK(d->probed);
	CHECK_STREQ(d->driver, "nvme");
	CHECK_EQ(d->probe_line, 4);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults_after_copy, 2);
	CHECK_EQ(ioh_klog_unit_count(k), 1);
	CHECK_EQ(ioh_klog_unit_at(k, 0)->state, IOH_KLOG_COPY_OK);
	CHECK_STREQ(ioh_klog_unit_at(k, 0)->unit, "dmar0");
	ioh_klog_free(k);
}

TEST(klog_replayed_lines_are_duplicates)
{
	const char *l = "[    1.224549] DMAR: Copied translation tables from previous kernel for dmar0\n"
			"[    1.3] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 "
			"[fault reason 0x06] x\n";
	char buf[1024];
	ioh_klog *k;

	snprintf(buf, sizeof(buf), "%s%s", l, l);
	k = feed(buf);
	CHECK_EQ(ioh_klog_summary(k)->duplicates, 2);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 1);
	ioh_klog_free(k);
	/* without a time, two identical lines are two faults */
	k = feed("DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 [fault reason 0x06] x\n"
		 "DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 [fault reason 0x06] x\n");
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 2);
	ioh_klog_free(k);
}

TEST(klog_feed_split_anywhere_same_result)
{
	const char *text = "[ 1.0] DMAR: Copied translation tables from previous kernel for dmar0\r\n"
			   "[ 1.1] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 "
			   "[fault reason 0x06] x\n"
			   "[ 1.2] dmar_fault: 3 callbacks suppressed\n"
			   "[ 1.3] ahci 0000:00:02.0: AHCI";
	size_t n = strlen(text);

	for (size_t step = 1; step < 40; step += 7) {
		ioh_klog *k = ioh_klog_new(NULL);

		ioh_klog_begin(k, "t");
		for (size_t i = 0; i < n; i += step)
			ioh_klog_feed(k, text + i, i + step > n ? n - i : step);
		ioh_klog_end(k);
		CHECK_EQ(ioh_klog_summary(k)->dma_faults_after_copy, 1);
		CHECK_EQ(ioh_klog_summary(k)->suppressed, 3);
		CHECK_EQ(ioh_klog_device_at(k, 0)->suppressed, 3);
		CHECK(ioh_klog_device_at(k, 0)->probed);
		CHECK_EQ(ioh_klog_summary(k)->lines, 4);
		ioh_klog_free(k);
	}
}

TEST(klog_log_formats)
{
	static const char *forms[] = {
		"6,502,1300010,-;DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"Nov 24 18:32:50 host kernel: DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"2026-11-24T18:32:50+0000 host kernel: [  1.3] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"[    1.300010] host kernel: DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"[    1.300010][    T1] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"<3>[    1.300010] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"kern  :err   : [Fri Apr  7 00:04:35 2023] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
		"> [    1.3] DMAR: [DMA Read NO_PASID] Request device [00:1f.2] fault addr 0x1 [fault reason 0x06] x",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ioh_klog *k = ioh_klog_new(NULL);

		ioh_klog_feed_line(k, forms[i], strlen(forms[i]));
		ioh_klog_end(k);
		CHECK_MSG(ioh_klog_summary(k)->dma_faults == 1, "form %zu not read: %s", i, forms[i]);
		ioh_klog_free(k);
	}
}

TEST(klog_non_kernel_syslog_skipped)
{
	ioh_klog *k = feed("Nov 24 18:32:49 host systemd[1]: DMAR: [DMA Read NO_PASID] Request device "
			   "[00:1f.2] fault addr 0x1 [fault reason 0x06] x\n");

	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 0);
	CHECK_EQ(ioh_klog_summary(k)->non_kernel, 1);
	ioh_klog_free(k);
}

TEST(klog_mail_wrap_joined_only_when_it_parses)
{
	ioh_klog *k = feed("> [ 1.3] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr\n"
			   "> 0x7cd80000 [fault reason 0x01] Present bit in root entry is clear\n"
			   "> [ 1.4] DMAR: [DMA Read NO_PASID] Request\n"
			   "> this line does not complete it\n");

	CHECK_EQ(ioh_klog_summary(k)->joined, 1);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, 1);
	CHECK_EQ(ioh_klog_summary(k)->unclassified, 1);
	CHECK_EQ(first(k, IOH_KLOG_DMA_FAULT)->addr, 0x7cd80000);
	ioh_klog_free(k);
}

TEST(klog_suppressed_other_subsystems_ignored)
{
	ioh_klog *k = feed("[1.0] net_ratelimit: 12 callbacks suppressed\n"
			   "[1.1] dmar_fault: 5 callbacks suppressed\n");

	CHECK_EQ(ioh_klog_summary(k)->suppressed, 5);
	ioh_klog_free(k);
}

TEST(klog_boots)
{
	ioh_klog *k = feed("[0.0] Linux version 6.1\n"
			   "[1.0] DMAR: Copied translation tables from previous kernel for dmar0\n"
			   "[0.0] Linux version 6.1\n"
			   "[1.1] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 "
			   "[fault reason 0x06] x\n");

	CHECK_EQ(ioh_klog_summary(k)->boots, 2);
	/* the copy was in the first boot: this fault is not after it */
	CHECK_EQ(ioh_klog_summary(k)->dma_faults_after_copy, 0);
	CHECK_EQ(first(k, IOH_KLOG_DMA_FAULT)->boot, 1);
	ioh_klog_free(k);
}

TEST(klog_hostile_bytes_bounded)
{
	size_t n = 3 * IOH_KLOG_LINE_MAX + 10;
	char *big = malloc(n);
	ioh_klog *k = ioh_klog_new(NULL);

	CHECK(big && k);
	memset(big, 'D', n);
	memcpy(big, "DMAR:", 5);
	big[7] = '\0';
	ioh_klog_feed(k, big, n);
	ioh_klog_feed(k, "\n\xff\xfe DMAR: fault \x01\n", 17);
	ioh_klog_end(k);
	CHECK_EQ(ioh_klog_summary(k)->long_lines, 1);
	CHECK_EQ(ioh_klog_summary(k)->lines, 2);
	CHECK_EQ(ioh_klog_summary(k)->unclassified, 1);
	/* stored text is sanitised: no control bytes, valid UTF-8 */
	for (const char *p = ioh_klog_unclassified_at(k, 0)->text; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80);
	ioh_klog_free(k);
	free(big);
}

TEST(klog_events_bounded)
{
	ioh_klog *k = ioh_klog_new(NULL);
	char line[160];

	for (unsigned i = 0; i < IOH_KLOG_EVENTS_MAX + 5; i++) {
		int n = snprintf(line, sizeof(line),
				 "DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x%x "
				 "[fault reason 0x06] x",
				 i);
		ioh_klog_feed_line(k, line, (size_t)n);
	}
	/* a storm fills its share; the copy line after it still gets a slot */
	ioh_klog_feed_line(k, "DMAR: Copied translation tables from previous kernel for dmar0", 62);
	ioh_klog_end(k);
	CHECK_EQ(ioh_klog_event_count(k), IOH_KLOG_STORM_EVENTS_MAX + 1);
	CHECK_EQ(ioh_klog_summary(k)->events_dropped, IOH_KLOG_EVENTS_MAX + 5 - IOH_KLOG_STORM_EVENTS_MAX);
	CHECK_EQ(ioh_klog_device_at(k, 0)->dma_faults, IOH_KLOG_EVENTS_MAX + 5);
	CHECK_EQ(ioh_klog_event_at(k, IOH_KLOG_STORM_EVENTS_MAX)->kind, IOH_KLOG_TABLES_COPIED);
	ioh_klog_free(k);
}

TEST(klog_read_path_errors)
{
	ioh_ctx *ctx = ioh_ctx_new();
	ioh_klog *k = ioh_klog_new(ctx);

	CHECK_EQ(ioh_klog_read_path(k, "/nonexistent/x.log"), IOH_ERR_SYSTEM);
	CHECK_CONTAINS(ioh_get_err(ctx), "/nonexistent/x.log");
	CHECK_EQ(ioh_klog_read_path(k, "/"), IOH_ERR_SYSTEM);
	ioh_klog_free(k);
	ioh_ctx_free(ctx);
}

TEST_TIMEOUT(klog_random_mutations_never_crash, 60)
{
	static const char *const seeds[] = {
		"[    1.300010] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x7cd80000 [fault reason 0x01] Present bit in root entry is clear\n",
		"[ 1692.021403] dmar: DMAR:[DMA Read] Request device [00:02.0] fault addr 1a45aa9000 \n[ 1692.021403] DMAR:[fault reason 12] x\n",
		"INTR-REMAP: Request device [[f0:1f.0] fault index 21\nINTR-REMAP:[fault reason 34] y\n",
		"6,502,1300010,-;DMAR: Copied translation tables from previous kernel for dmar0\n SUBSYSTEM=pci\n",
		"Nov 24 18:32:49 host kernel: nvme nvme0: pci function 0000:02:00.0\n-- Boot 6a7b --\n",
		"kern  :err   : [Fri Apr  7 00:04:35 2023] DMAR: dmar0: Failed to copy context table for bus 3\n",
		"> [    1.3] DMAR: [DMA Write PASID 0x2] Request device [0001:80:14.0] fault\n> addr 0x1 [fault reason 0x39] z\n",
	};
	unsigned seed = 777;
	char buf[512];

	for (int round = 0; round < 30000; round++) {
		const char *s = seeds[round % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t n = strlen(s);
		ioh_klog *k = ioh_klog_new(NULL);

		memcpy(buf, s, n);
		for (int m = 0; m < 1 + round % 5; m++) {
			seed = seed * 1103515245 + 12345;
			buf[(seed >> 8) % n] = (char)(seed >> 20);
		}
		seed = seed * 1103515245 + 12345;
		ioh_klog_begin(k, "fuzz");
		/* split at a random point so partial-line paths run too */
		size_t cut = (seed >> 8) % (n + 1);
		ioh_klog_feed(k, buf, cut);
		ioh_klog_feed(k, buf + cut, n - cut);
		ioh_klog_end(k);
		CHECK(ioh_klog_summary(k)->lines >= 1);
		for (size_t i = 0; i < ioh_klog_event_count(k); i++)
			CHECK(strlen(ioh_klog_event_at(k, i)->text) < IOH_KLOG_TEXT_MAX);
		ioh_klog_free(k);
	}
}

/*
 * The usual fault form is read forward ("DMAR: [type] Request device");
 * with two spaces after "DMAR:" the same text takes the general search. Both
 * must agree on every type bracket, good or bad.
 */
TEST(klog_usual_form_reads_as_general_form)
{
	static const char *const types[] = {
		"DMA Read NO_PASID", "DMA Write NO_PASID", "DMA Read", "DMA Write", "DMA Execute",
		"DMA Read PASID 0x2", "DMA Write PASID 2", "DMA Read PASID 0xfffff",
		"DMA Read PASID 0x100000", "DMA Read PASID 0x", "DMA Read PASID",
		"DMA Readx", "DMA Read NO_PASIDx", "DMA Read  NO_PASID", "DMA", "DMA ", "INTR-REMAP",
		"INTR-REMAPx", "DMA Read [x", "DMA Read NO_PASID] [DMA Write", "dma read",
		"DMA Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 46 bytes: the longest read */
		"DMA Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 47: too long for either */
		"DMA Read PASID 0x00000000000000002", "",
	};
	static const char *const tails[] = {
		" Request device [02:00.0] fault addr 0x7f00 [fault reason 0x02] why",
		"  Request device [02:00.0] fault addr 0x7f00 [fault reason 0x02] why",
		" Request device [00:1f.3] fault index 0x21 [fault reason 0x25] ir",
		" Request device [0001:80:14.0] fault addr 0x1",
		" Request device [02:00.0] fault addr",
		" Request device [02:00.0] Request device [03:00.0] fault addr 0x1 [fault reason 0x06] w",
	};

	for (size_t t = 0; t < N_OF(types); t++) {
		for (size_t u = 0; u < N_OF(tails); u++) {
			char a[256], b[256];
			ioh_klog *ka = ioh_klog_new(NULL), *kb = ioh_klog_new(NULL);
			const struct ioh_klog_event *ea, *eb;

			snprintf(a, sizeof(a), "DMAR: [%s]%s", types[t], tails[u]);
			snprintf(b, sizeof(b), "DMAR:  [%s]%s", types[t], tails[u]);
			ioh_klog_feed_line(ka, a, strlen(a));
			ioh_klog_feed_line(kb, b, strlen(b));
			ioh_klog_end(ka);
			ioh_klog_end(kb);
			CHECK_EQ(ioh_klog_event_count(ka), ioh_klog_event_count(kb));
			CHECK_EQ(ioh_klog_summary(ka)->dma_faults, ioh_klog_summary(kb)->dma_faults);
			CHECK_EQ(ioh_klog_summary(ka)->ir_faults, ioh_klog_summary(kb)->ir_faults);
			CHECK_EQ(ioh_klog_summary(ka)->unclassified, ioh_klog_summary(kb)->unclassified);
			for (size_t i = 0; i < ioh_klog_event_count(ka); i++) {
				ea = ioh_klog_event_at(ka, i);
				eb = ioh_klog_event_at(kb, i);
				CHECK_EQ(ea->kind, eb->kind);
				CHECK_EQ(ea->access, eb->access);
				CHECK_EQ(ea->has_pasid, eb->has_pasid);
				CHECK_EQ(ea->pasid, eb->pasid);
				CHECK_EQ(ea->has_bdf, eb->has_bdf);
				CHECK_EQ(ioh_bdf_sid(ea->bdf), ioh_bdf_sid(eb->bdf));
				CHECK_EQ(ea->addr, eb->addr);
				CHECK_EQ(ea->reason, eb->reason);
			}
			ioh_klog_free(ka);
			ioh_klog_free(kb);
		}
	}
	/* and the forward reading itself gives the right answer */
	{
		ioh_klog *k = feed("DMAR: [DMA Write PASID 0x2] Request device [6a:01.0] fault addr 0x10 "
				   "[fault reason 0x3a] SM\n"
				   "DMAR: [DMA Read PASID 0x100000] Request device [6a:01.0] fault addr 0x10 "
				   "[fault reason 0x3a] SM\n");
		const struct ioh_klog_event *e = first(k, IOH_KLOG_DMA_FAULT);

		CHECK(e);
		CHECK_EQ(e->access, IOH_KLOG_ACCESS_WRITE);
		CHECK(e->has_pasid);
		CHECK_EQ(e->pasid, 2);
		CHECK_EQ(ioh_klog_summary(k)->dma_faults, 1);
		CHECK_EQ(ioh_klog_summary(k)->unclassified, 1); /* PASID past 20 bits */
		ioh_klog_free(k);
	}
}

/* The stamp is the time as set_usec() prints it, however the log wrote it. */
TEST(klog_dmesg_stamps_normalised)
{
	static const char *const in[][2] = {
		{ "[    1.300007]", "1.300007" }, { "[0.000001]", "0.000001" },
		{ "[00001.000001]", "1.000001" }, { "[ 5.1]", "5.100000" },
		{ "[12.1234567]", "12.123456" },  { "[0.123456789]", "0.123456" },
		{ "[000.000000]", "0.000000" },	  { "[123456789012.654321]", "123456789012.654321" },
	};

	for (size_t i = 0; i < N_OF(in); i++) {
		char line[200];
		ioh_klog *k = ioh_klog_new(NULL);
		const struct ioh_klog_event *e;

		snprintf(line, sizeof(line),
			 "%s DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x1 "
			 "[fault reason 0x06] x",
			 in[i][0]);
		ioh_klog_feed_line(k, line, strlen(line));
		ioh_klog_end(k);
		e = first(k, IOH_KLOG_DMA_FAULT);
		CHECK(e);
		CHECK_STREQ(e->stamp, in[i][1]);
		ioh_klog_free(k);
	}
}

/* Replays found through the time index: across its blocks, at their edges, before the first. */
TEST(klog_replays_across_the_time_index)
{
	enum { N = 1000 };
	ioh_klog *k = ioh_klog_new(NULL);
	char line[200];
	int n;

	ioh_klog_begin(k, "t");
	for (int i = 0; i < N; i++) {
		n = snprintf(line, sizeof(line),
			     "[%d.%06d] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr "
			     "0x%x [fault reason 0x06] x",
			     10 + i, i, i);
		ioh_klog_feed_line(k, line, (size_t)n);
	}
	/* every record again, in a scrambled order: all replays */
	for (int j = 0; j < N; j++) {
		int i = (j * 389) % N;

		n = snprintf(line, sizeof(line),
			     "[%d.%06d] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr "
			     "0x%x [fault reason 0x06] x",
			     10 + i, i, i);
		ioh_klog_feed_line(k, line, (size_t)n);
	}
	/* same times, other text; and times before the first record: new faults */
	for (int i = 0; i < N; i += 97) {
		n = snprintf(line, sizeof(line),
			     "[%d.%06d] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr "
			     "0x%x [fault reason 0x06] x",
			     10 + i, i, i + 1);
		ioh_klog_feed_line(k, line, (size_t)n);
	}
	n = snprintf(line, sizeof(line),
		     "[1.000000] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x0 "
		     "[fault reason 0x06] x");
	ioh_klog_feed_line(k, line, (size_t)n);
	ioh_klog_feed_line(k, line, (size_t)n); /* a replay of an out-of-order record */
	ioh_klog_end(k);
	CHECK_EQ(ioh_klog_summary(k)->duplicates, N + 1);
	CHECK_EQ(ioh_klog_summary(k)->dma_faults, N + (N + 96) / 97 + 1);
	ioh_klog_free(k);
}

/*
 * Lines crossing the reader's 128 KiB buffer at every offset near its edge,
 * one far longer than the buffer with its record at the end (cut: only its
 * count changes), and records right after.
 */
TEST(klog_read_buffer_edges)
{
	static const char rec[] = "[    5.000001] DMAR: [DMA Read NO_PASID] Request device [02:00.0] "
				  "fault addr 0x7f00 [fault reason 0x02] Present bit\n";
	const char *path = ioh_test_tmp("klog-edges.log");

	for (int off = -150; off <= 10; off += 23) {
		FILE *f = fopen(path, "w");
		ioh_klog *k = ioh_klog_new(NULL);
		size_t fill = (size_t)(131072 + off - 1);

		CHECK(f);
		for (size_t i = 0; i < fill; i++)
			fputc(i % 61 == 60 ? '\n' : 'a', f);
		fputc('\n', f);
		fputs(rec, f);
		for (size_t i = 0; i < 300000; i++)
			fputc('y', f);
		fputs(" DMAR: [DMA Read NO_PASID] Request device [03:00.0] fault addr 0x1 "
		      "[fault reason 0x02] late\n",
		      f);
		fputs(rec + 0, f);
		fprintf(f, "[    6.0] DMAR: [DMA Write NO_PASID] Request device [04:00.0] fault addr "
			   "0x2 [fault reason 0x05] last");
		fclose(f);
		CHECK_EQ(ioh_klog_read_path(k, path), IOH_OK);
		CHECK_EQ(ioh_klog_summary(k)->dma_faults, 2); /* 02:00.0 once (replay), 04:00.0 */
		CHECK_EQ(ioh_klog_summary(k)->duplicates, 1);
		/* the long line spans reads: only its first 4096 bytes are kept and looked at */
		CHECK_EQ(ioh_klog_summary(k)->long_lines, 0);
		CHECK_EQ(ioh_klog_summary(k)->lines, fill / 61 + 1 + 1 + 1 + 1 + 1);
		CHECK(!ioh_klog_device_find(k, (struct ioh_bdf){ .bus = 3 }));
		ioh_klog_free(k);
	}
	remove(path);
}

/* A record text ending right at the 4096-byte cut: the parsers read no further. */
TEST(klog_record_at_the_cut)
{
	static const char *const tails[] = { "DMAR: [", "DMAR: [DMA Read NO_PASID] Request device [",
					     "DMAR: [DMA Read NO_PASID] Req", "DMAR: DRHD: handling fault",
					     "[    1.00000", "DMAR: [fault reason 0x0" };

	for (size_t t = 0; t < N_OF(tails); t++) {
		for (size_t extra = 0; extra < 3; extra++) {
			size_t tl = strlen(tails[t]), n = IOH_KLOG_LINE_MAX + extra;
			char *line = malloc(n);
			ioh_klog *k = ioh_klog_new(NULL);

			CHECK(line);
			memset(line, 'x', n);
			memset(line, ' ', IOH_KLOG_LINE_MAX - tl);
			memcpy(line + IOH_KLOG_LINE_MAX - tl, tails[t], tl);
			ioh_klog_begin(k, "t");
			ioh_klog_feed(k, line, n);
			ioh_klog_feed(k, "\n", 1);
			ioh_klog_end(k);
			CHECK_EQ(ioh_klog_summary(k)->lines, 1);
			CHECK_EQ(ioh_klog_summary(k)->dma_faults, 0);
			ioh_klog_free(k);
			free(line);
		}
	}
}
