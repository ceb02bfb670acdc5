/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Random mode: simulated DMA translations per second through the model, and
 * the same server with a NIC that never answers device-TLB invalidations.
 */
#include <stdio.h>
#include <time.h>

#include <ioh/model.h>

static const char text[] =
	"iommu dmar0 cc=2 iotlb=64\n"
	"device nic0 03:00.0 did=3 rate=500 iova=0xfff00000 len=0x40000 write=100 stop=never attach=150000\n"
	"device nic1 03:00.1 did=4 rate=500 iova=0xffe00000 len=0x40000 write=100 stop=never attach=160000\n"
	"device nvme 04:00.0 did=5 rate=300 iova=0xffd00000 len=0x20000 write=40 stop=never attach=170000\n"
	"device usb 00:14.0 did=6 rate=100 iova=0xffc00000 len=0x1000 write=10 stop=never attach=180000\n"
	"fetch-order any\n"
	"max-events 4096\n"
	"schedule crash=100000 copy=120000 end=200000\n";

/* An ATS NIC whose device-TLB invalidations time out on every try. */
static const char ite[] =
	"device nic2 05:00.0 did=9 ats=1 rate=500 iova=0xffb00000 len=0x40000 write=100 stop=never "
	"attach=190000\n"
	"inject ite after=120001 times=always\n";

static int run(const char *what, const char *extra)
{
	char buf[2048];
	ioh_ctx *ctx = ioh_ctx_new();
	struct ioh_scenario *s;
	struct ioh_model_summary sum;
	struct timespec a, b;
	ioh_model *m;
	double secs;

	snprintf(buf, sizeof(buf), "%s%s", text, extra);
	if (ioh_scenario_parse(ctx, buf, "bench", &s) != IOH_OK || ioh_model_new(ctx, s, &m) != IOH_OK) {
		fprintf(stderr, "bench-model: %s\n", ioh_get_err(ctx));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (ioh_model_run(m) != IOH_OK) {
		fprintf(stderr, "bench-model: %s\n", ioh_get_err(ctx));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ioh_model_summary(m, &sum);
	printf("%s: %llu steps, %llu DMA requests, %llu translations, %llu fetches, "
	       "%llu faults in %.3f s: %.0f translations/s, %.0f requests/s; %llu ITE, "
	       "%u attaches failed\n",
	       what, (unsigned long long)sum.steps, (unsigned long long)sum.dma,
	       (unsigned long long)sum.translations, (unsigned long long)sum.fetches,
	       (unsigned long long)sum.faults, secs, (double)sum.translations / secs,
	       (double)sum.dma / secs, (unsigned long long)sum.qi_ite, sum.attach_failures);
	ioh_model_free(m);
	ioh_scenario_free(s);
	ioh_ctx_free(ctx);
	return 0;
}

int main(void)
{
	return run("random mode", "") | run("random mode, NIC never answers (ITE)", ite);
}
