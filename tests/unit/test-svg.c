/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SVG timeline and the HTML report page: well-formed, escaped, bounded, truthful. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioh/model.h>
#include <ioh/picture.h>
#include <ioh/report.h>

#include "harness.h"

/*
 * A small XML checker: every tag closed in order, attributes quoted, no bare
 * '&' or '<' in text. Enough for what the writers emit (no CDATA, no
 * comments). Returns NULL or what is wrong.
 */
static const char *xml_check(const char *s)
{
	static char why[160];
	char stack[64][32];
	int depth = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '&') {
			const char *e = strchr(p, ';');

			if (!e || e - p > 8 || (p[1] != '#' && strncmp(p, "&amp;", 5) &&
						strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
						strncmp(p, "&quot;", 6)))
				return "bare &";
			continue;
		}
		if (*p != '<')
			continue;
		if (p[1] == '?' || p[1] == '!') {
			p = strchr(p, '>');
			if (!p)
				return "unterminated declaration";
			continue;
		}
		const char *end = p + 1;
		bool quoted = false;

		while (*end && (quoted || *end != '>')) {
			if (*end == '"')
				quoted = !quoted;
			if (*end == '<' && !quoted)
				return "'<' inside a tag";
			end++;
		}
		if (!*end)
			return "unterminated tag";
		if (p[1] == '/') {
			size_t n = strcspn(p + 2, " >");

			if (!depth || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p + 2, n)) {
				snprintf(why, sizeof(why), "</%.*s> does not close <%s>", (int)n, p + 2,
					 depth ? stack[depth - 1] : "(nothing)");
				return why;
			}
			depth--;
		} else if (end[-1] != '/') {
			size_t n = strcspn(p + 1, " >/\n");

			if (depth == 64 || n >= sizeof(stack[0]))
				return "too deep or name too long";
			memcpy(stack[depth], p + 1, n);
			stack[depth++][n] = 0;
		}
		p = end;
	}
	if (depth) {
		snprintf(why, sizeof(why), "<%s> never closed", stack[depth - 1]);
		return why;
	}
	return NULL;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static struct ioh_event ev(uint64_t t, enum ioh_lane lane, unsigned id, enum ioh_event_kind k,
			   uint16_t sid)
{
	return (struct ioh_event){ .t = t, .lane = lane, .lane_id = id, .kind = k, .half = -1,
				   .sid = sid };
}

#define SID_A 0x0300
#define SID_B 0x0400

/* A crash, the copy, a teardown of device a with a torn fetch, and DMA after it. */
static size_t small_run(struct ioh_event *e, bool torn, bool after)
{
	size_t n = 0;

	for (uint64_t t = 0; t < 100; t += 5)
		e[n++] = ev(t, IOH_LANE_DEVICE, 0, IOH_EV_DMA, SID_A);
	e[n++] = ev(100, IOH_LANE_CPU, 0, IOH_EV_CRASH, 0);
	e[n++] = ev(110, IOH_LANE_DEVICE, 1, IOH_EV_DMA, SID_B);
	e[n++] = ev(150, IOH_LANE_CPU, 0, IOH_EV_SRTP, 0);
	e[n++] = ev(300, IOH_LANE_CPU, 0, IOH_EV_TEARDOWN, SID_A);
	e[n] = ev(301, IOH_LANE_CPU, 0, IOH_EV_WRITE, 0);
	e[n].half = 0;
	e[n++].val[0] = 0x1000; /* P clear */
	e[n++] = ev(302, IOH_LANE_CPU, 0, IOH_EV_WMB, 0);
	e[n++] = ev(303, IOH_LANE_CPU, 0, IOH_EV_INV_CONTEXT, SID_A);
	e[n] = ev(303, IOH_LANE_IOMMU, 0, IOH_EV_FETCH_HALF, 0);
	e[n++].half = 0;
	if (torn) {
		e[n] = ev(304, IOH_LANE_IOMMU, 0, IOH_EV_TORN, SID_A);
		e[n].val[0] = 0x1001;
		n++;
	}
	e[n++] = ev(305, IOH_LANE_CPU, 0, IOH_EV_WAIT, 0);
	e[n++] = ev(306, IOH_LANE_CPU, 0, IOH_EV_WAIT_DONE, 0);
	e[n++] = ev(307, IOH_LANE_CPU, 0, IOH_EV_TEARDOWN_DONE, SID_A);
	e[n] = ev(320, IOH_LANE_IOMMU, 0, IOH_EV_FAULT, SID_A);
	e[n++].reason = 2;
	if (after)
		e[n++] = ev(330, IOH_LANE_DEVICE, 0, IOH_EV_DMA, SID_A);
	e[n++] = ev(2000, IOH_LANE_CPU, 0, IOH_EV_FAULT_SERVICE, 0);
	return n;
}

static const struct ioh_svg_device small_devs[] = {
	{ "nic", { 0, 0x03, 0x00 } },
	{ "nvme", { 0, 0x04, 0x00 } },
};

static char *draw(const struct ioh_svg_cfg *cfg, const struct ioh_event *e, size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	CHECK(f);
	CHECK_EQ(ioh_svg_timeline(f, cfg, e, n), IOH_OK);
	fclose(f);
	return buf;
}

TEST(svg_small_wellformed)
{
	struct ioh_event e[64];
	struct ioh_svg_cfg cfg = { .title = "small", .devices = small_devs, .n_devices = 2 };
	size_t len, n = small_run(e, true, true);
	char *s = draw(&cfg, e, n, &len);
	const char *why = xml_check(s);

	CHECK_MSG(!why, "not well-formed: %s", why);
	CHECK(!strncmp(s, "<?xml", 5));
	CHECK_CONTAINS(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	/* Lanes: CPU, IOMMU, one per device, labelled with the BDF. */
	CHECK_CONTAINS(s, "CPU (capture kernel)");
	CHECK_CONTAINS(s, "IOMMU 0");
	CHECK_CONTAINS(s, "nic 0000:03:00.0 IN-FLIGHT");
	CHECK_CONTAINS(s, "nvme 0000:04:00.0 IN-FLIGHT");
	/* The Present-first steps are numbered in order after the teardown marker. */
	CHECK_CONTAINS(s, ">1 clear P</text>");
	CHECK_CONTAINS(s, ">2 wmb</text>");
	CHECK_CONTAINS(s, ">3 inv context</text>");
	/* Each notable event names its trace event (index and formatted text). */
	CHECK_CONTAINS(s, "TORN FETCH nic 0000:03:00.0");
	CHECK_CONTAINS(s, "<title>#");
	CHECK_CONTAINS(s, "t=304 iommu0 TORN sid=0300");
	CHECK_CONTAINS(s, "fault 0x02");
	CHECK_CONTAINS(s, "DMA AFTER TEARDOWN");
	/* No script, no external reference. */
	CHECK(!strstr(s, "<script"));
	CHECK(!strstr(s, "href"));
	CHECK(!strstr(s, "url("));
	free(s);
}

TEST(svg_notable_exactly_when_present)
{
	struct ioh_event e[64];
	struct ioh_svg_cfg cfg = { .title = "t", .devices = small_devs, .n_devices = 2 };

	for (int torn = 0; torn < 2; torn++)
		for (int after = 0; after < 2; after++) {
			size_t len, n = small_run(e, torn, after);
			char *s = draw(&cfg, e, n, &len);

			CHECK_EQ(count(s, "class=\"ev torn\"") + count(s, "class=\"bar torn\""),
				 (size_t)torn);
			CHECK_EQ(count(s, "after-teardown\"><path") > 0, after);
			CHECK_EQ(count(s, "class=\"ev stale\""), 0);
			free(s);
		}
}

TEST(svg_escapes_text)
{
	struct ioh_event e[64];
	struct ioh_svg_device d[] = { { "a<b&\"c'", { 0, 0x03, 0x00 } } };
	struct ioh_svg_cfg cfg = { .title = "<script>&x", .subtitle = "\"q\" \x01", .devices = d,
				   .n_devices = 1 };
	size_t len, n = small_run(e, true, false);
	char *s = draw(&cfg, e, n, &len);
	const char *why = xml_check(s);

	CHECK_MSG(!why, "not well-formed: %s", why);
	CHECK_CONTAINS(s, "a&lt;b&amp;&quot;c&#39; 0000:03:00.0");
	CHECK_CONTAINS(s, "&lt;script&gt;&amp;x");
	CHECK(!strstr(s, "<script"));
	CHECK(!strstr(s, "a<b"));
	CHECK(!strchr(s, '\x01'));
	free(s);
}

TEST(svg_bad_cfg)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct ioh_svg_cfg cfg = { .n_devices = 3 };
	struct ioh_svg_cfg small = { .max_bytes = 1000 };

	CHECK_EQ(ioh_svg_timeline(f, NULL, NULL, 0), IOH_ERR_INVALID);
	CHECK_EQ(ioh_svg_timeline(f, &cfg, NULL, 0), IOH_ERR_INVALID);
	CHECK_EQ(ioh_svg_timeline(f, &small, NULL, 0), IOH_ERR_INVALID);
	fclose(f);
	free(buf);
}

/* Hostile logs: steps at the ends of uint64_t, unknown kinds, lanes and devices. */
TEST(svg_hostile_events)
{
	struct ioh_event e[8] = {
		ev(0, IOH_LANE_CPU, 0, IOH_EV_TEARDOWN, SID_A),
		ev(1, IOH_LANE_IOMMU, 99, IOH_EV_TORN, 0xffff),
		ev(2, IOH_LANE_DEVICE, 1000, IOH_EV_DMA, 0x1234),
		ev(3, (enum ioh_lane)7, 0, IOH_EV_DMA, SID_A),
		ev(4, IOH_LANE_CPU, 0, (enum ioh_event_kind)200, SID_A),
		ev(UINT64_MAX - 1, IOH_LANE_CPU, 0, IOH_EV_TEARDOWN_DONE, SID_A),
		ev(UINT64_MAX, IOH_LANE_DEVICE, 0, IOH_EV_DMA, SID_A),
		ev(UINT64_MAX, IOH_LANE_IOMMU, 0, IOH_EV_STALE, SID_A),
	};
	struct ioh_svg_cfg cfg = { .title = "hostile", .devices = small_devs, .n_devices = 2 };
	size_t len;
	char *s = draw(&cfg, e, 8, &len);
	const char *why = xml_check(s);

	CHECK_MSG(!why, "not well-formed: %s", why);
	CHECK(!strstr(s, "nan") && !strstr(s, "inf"));
	CHECK(strstr(s, "class=\"ev torn\""));
	free(s);
}

TEST(svg_empty_run)
{
	struct ioh_svg_cfg cfg = { 0 };
	size_t len;
	char *s = draw(&cfg, NULL, 0, &len);
	const char *why = xml_check(s);

	CHECK_MSG(!why, "not well-formed: %s", why);
	free(s);
}

/*
 * The worst case for size: 256 busy devices over two million steps, every
 * lane full at every pixel, thousands of torn fetches, stale uses and
 * faults. The file stays under the bound and well-formed.
 */
TEST_TIMEOUT(svg_size_bound_dense, 120)
{
	enum { NDEV = 256, N = 400000 };
	struct ioh_svg_device *d = calloc(NDEV, sizeof(*d));
	struct ioh_event *e = calloc(N, sizeof(*e));
	struct ioh_svg_cfg cfg = { .title = "dense", .devices = d, .n_devices = NDEV };
	size_t len;
	char *s;
	const char *why;

	CHECK(d && e);
	for (unsigned i = 0; i < NDEV; i++)
		d[i] = (struct ioh_svg_device){ "dev", { 0, (uint8_t)(i >> 3), (uint8_t)(i & 7) } };
	for (size_t i = 0; i < N; i++) {
		unsigned dev = (unsigned)(i % NDEV);
		uint16_t sid = (uint16_t)((dev >> 3) << 8 | (dev & 7));
		enum ioh_event_kind k = i % 7 == 0 ? IOH_EV_TORN : i % 7 == 1 ? IOH_EV_STALE
				     : i % 7 == 2 ? IOH_EV_FAULT : IOH_EV_DMA;

		e[i] = ev(i * 5, k == IOH_EV_DMA ? IOH_LANE_DEVICE : IOH_LANE_IOMMU,
			  k == IOH_EV_DMA ? dev : 0, k, sid);
		if (i == 1000)
			e[i] = ev(i * 5, IOH_LANE_CPU, 0, IOH_EV_CRASH, 0);
	}
	s = draw(&cfg, e, N, &len);
	CHECK_MSG(len <= IOH_SVG_MAX_BYTES, "%zu bytes", len);
	why = xml_check(s);
	CHECK_MSG(!why, "not well-formed: %s", why);
	CHECK(strstr(s, "class=\"ev torn\""));
	CHECK(strstr(s, "class=\"ev stale\""));
	free(s);
	/* The smallest bound a caller may ask for holds too. */
	cfg.max_bytes = 512 * 1024;
	s = draw(&cfg, e, N, &len);
	CHECK_MSG(len <= cfg.max_bytes, "%zu bytes", len);
	why = xml_check(s);
	CHECK_MSG(!why, "not well-formed: %s", why);
	CHECK(strstr(s, "class=\"ev torn\""));
	free(s);
	free(e);
	free(d);
}

static const char *scn_text(const char *strategy)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "scenario t\niommu dmar0\n"
		 "device nic 03:00.0 did=3 rate=300 iova=0xfff00000 len=0x40000 write=100 "
		 "stop=3300 attach=3000\n"
		 "device gpu 00:02.0 did=1 rate=0 stop=crash attach=3500\n"
		 "strategy %s\nfetch-order lo-hi\nfetch-latency 4\nseed 37\n"
		 "schedule crash=1000 copy=1500 end=4000\n", strategy);
	return buf;
}

/* On the model: the picture shows a torn fetch exactly when the run had one. */
TEST_TIMEOUT(svg_model_agrees, 60)
{
	const char *strat[] = { "present-first", "zero", "zero-lo-hi" };

	for (unsigned k = 0; k < 3; k++) {
		ioh_ctx *ctx = ioh_ctx_new();
		struct ioh_scenario *scn;
		struct ioh_model_summary sum;
		struct ioh_svg_device d[IOH_SCN_MAX_DEVICES];
		struct ioh_svg_cfg cfg = { .title = strat[k], .devices = d };
		ioh_model *m;
		char *buf = NULL;
		size_t len;
		FILE *f;

		CHECK(ctx);
		CHECK_EQ(ioh_scenario_parse(ctx, scn_text(strat[k]), "t.scn", &scn), IOH_OK);
		CHECK_EQ(ioh_model_new(ctx, scn, &m), IOH_OK);
		CHECK_EQ(ioh_model_run(m), IOH_OK);
		ioh_model_summary(m, &sum);
		for (unsigned i = 0; i < scn->n_devices; i++)
			d[i] = (struct ioh_svg_device){ scn->devices[i].name, scn->devices[i].bdf };
		cfg.n_devices = scn->n_devices;
		f = open_memstream(&buf, &len);
		CHECK_EQ(ioh_svg_timeline_log(f, &cfg, ioh_model_events(m)), IOH_OK);
		fclose(f);
		CHECK_EQ(strstr(buf, "class=\"ev torn\"") != NULL, sum.torn_fetches > 0);
		CHECK_EQ(strstr(buf, "class=\"ev stale\"") != NULL, sum.stale_uses > 0);
		CHECK_EQ(count(buf, "class=\"lname in-flight\""), sum.devices_in_flight);
		if (!strcmp(strat[k], "present-first"))
			CHECK_EQ(sum.torn_fetches, 0);
		free(buf);
		ioh_model_free(m);
		ioh_scenario_free(scn);
		ioh_ctx_free(ctx);
	}
}

TEST(html_report_page)
{
	ioh_report *r = ioh_report_new();
	struct ioh_report_device *d;
	char *buf = NULL;
	size_t len;
	FILE *f;
	const char *why;

	CHECK(r);
	ioh_report_add_input(r, "log", "<dmesg & co>");
	ioh_report_set_copy_time(r, 0.5);
	d = ioh_report_device(r, (struct ioh_bdf){ 0, 0x00, 0x10 });
	d->mapped = IOH_YES;
	d->dma_faults = d->dma_faults_after_copy = d->dma_faults_before_probe = 2;
	d->first_fault = 0.6;
	d->last_fault = 0.7;
	d->driver_probe = 1.0;
	snprintf(d->driver, sizeof(d->driver), "e1000<e>");
	ioh_report_device_reason(d, 5);
	d = ioh_report_device(r, (struct ioh_bdf){ 0, 0x00, 0x08 });
	d->mapped = IOH_YES;
	d->bus_master = IOH_NO;
	ioh_report_note(r, "a note with \"quotes\" & <tags>");
	ioh_report_finish(r);
	f = open_memstream(&buf, &len);
	CHECK_EQ(ioh_report_write_html(r, f), IOH_OK);
	fclose(f);
	why = xml_check(strstr(buf, "<html"));
	CHECK_MSG(!why, "not balanced: %s", why);
	/* Worst first: the in-flight device's row comes before the quiesced one. */
	CHECK(strstr(buf, "<tr class=\"in-flight\"") &&
	      strstr(buf, "<tr class=\"in-flight\"") < strstr(buf, "<tr class=\"quiesced\""));
	CHECK_CONTAINS(buf, "0000:00:02.0");
	CHECK_CONTAINS(buf, "e1000&lt;e&gt;");
	CHECK_CONTAINS(buf, "&lt;dmesg &amp; co&gt;");
	CHECK_CONTAINS(buf, "a note with &quot;quotes&quot; &amp; &lt;tags&gt;");
	CHECK_CONTAINS(buf, "table copy 0.500000 s");
	CHECK_CONTAINS(buf, "driver probe 1.000000 s");
	CHECK(!strstr(buf, "<script"));
	free(buf);
	ioh_report_free(r);
}
