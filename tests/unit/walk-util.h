/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the walker tests: load a text image, walk it, keep what was delivered. */
#ifndef IOH_TEST_WALK_UTIL_H
#define IOH_TEST_WALK_UTIL_H

#include <ioh/memimg.h>
#include <ioh/walk.h>

#include "harness.h"

#define WU_MAX_DEV 64
#define WU_MAX_PASID 16

struct wu_dev {
	struct ioh_walk_device d;
	struct ioh_walk_pasid p[WU_MAX_PASID];
};

struct wu {
	ioh_ctx *ctx;
	ioh_memimg *m;
	struct ioh_walk_config cfg;
	struct ioh_walk_stats st;
	ioh_status rc;
	unsigned nbus, ndev;
	struct ioh_walk_bus bus[WU_MAX_DEV];
	struct wu_dev dev[WU_MAX_DEV];
};

static inline int wu_bus_cb(void *data, const struct ioh_walk_bus *b)
{
	struct wu *w = data;

	if (w->nbus < WU_MAX_DEV)
		w->bus[w->nbus++] = *b;
	return 0;
}

static inline int wu_dev_cb(void *data, const struct ioh_walk_device *d)
{
	struct wu *w = data;
	struct wu_dev *x;

	if (w->ndev >= WU_MAX_DEV)
		return 0;
	x = &w->dev[w->ndev++];
	x->d = *d;
	for (unsigned i = 0; i < d->npasids && i < WU_MAX_PASID; i++)
		x->p[i] = d->pasids[i];
	x->d.pasids = x->p;
	return 0;
}

/* Loads tests/fixtures/mem/NAME and sets up a config; the walk is wu_run(). */
static inline struct wu *wu_load(const char *name, uint64_t rtaddr, enum ioh_vtd_mode mode)
{
	struct wu *w = calloc(1, sizeof(*w));
	char rel[256];

	CHECK(w);
	w->ctx = ioh_ctx_new();
	w->m = ioh_memimg_new();
	snprintf(rel, sizeof(rel), "tests/fixtures/mem/%s", name);
	CHECK_MSG(ioh_memimg_load(w->m, w->ctx, ioh_test_src(rel)) == IOH_OK, "%s",
		  ioh_get_err(w->ctx));
	w->cfg.rtaddr = rtaddr;
	w->cfg.mode = mode;
	w->cfg.haw = 39;
	w->cfg.read = ioh_memimg_read;
	w->cfg.read_data = w->m;
	return w;
}

static inline ioh_status wu_run(struct wu *w)
{
	static const struct ioh_walk_ops ops = { wu_bus_cb, wu_dev_cb };

	w->nbus = w->ndev = 0;
	w->rc = ioh_walk(w->ctx, &w->cfg, &ops, w, &w->st);
	return w->rc;
}

static inline void wu_free(struct wu *w)
{
	ioh_memimg_free(w->m);
	ioh_ctx_free(w->ctx);
	free(w);
}

static inline const struct wu_dev *wu_dev(const struct wu *w, unsigned bus, unsigned devfn)
{
	for (unsigned i = 0; i < w->ndev; i++)
		if (w->dev[i].d.bdf.bus == bus && w->dev[i].d.bdf.devfn == devfn)
			return &w->dev[i];
	return NULL;
}

static inline const struct ioh_walk_bus *wu_bus(const struct wu *w, unsigned bus)
{
	for (unsigned i = 0; i < w->nbus; i++)
		if (w->bus[i].bus == bus)
			return &w->bus[i];
	return NULL;
}

/* True if a problem on `field` mentions `what`. */
static inline bool wu_has(const struct ioh_problems *pr, const char *field, const char *what)
{
	for (unsigned i = 0; i < pr->n; i++)
		if (!strcmp(pr->p[i].field, field) && strstr(pr->p[i].what, what))
			return true;
	return false;
}

#define CHECK_PROBLEM(pr, field, what)                                                 \
	CHECK_MSG(wu_has((pr), (field), (what)), "no problem %s: \"%s\" (have %u)", (field), \
		  (what), (pr)->n)

#endif
