/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Real threads on this machine's memory: a CPU writer thread tears a
 * context entry down over and over with the chosen strategy, while
 * hardware-fetcher threads read it as two 64-bit loads (C11 atomics, the
 * two halves separate), in the chosen order, with a delay between them as
 * a real fetch has. A fetch that sees P set on a value never written whole
 * is a torn fetch, observed on this very CPU.
 *
 * The invalidation wait is a drain: each fetcher bumps a sequence number
 * around a fetch (odd while in progress); the writer's wait lets every
 * fetch in progress at that moment finish. Everything is seq_cst, so a
 * fetch that starts after the wait sees the writer's earlier stores.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "model-internal.h"

#define T_MAX_FETCHERS 8
/* A legacy entry as the crashed kernel wrote it: P, SLPTPTR; AW 4-level, DID 3. */
#define OLD_LO 0x000000012345e001ULL
#define OLD_HI 0x0000000000000302ULL

struct fetcher {
	_Atomic uint64_t seq;
	uint64_t fetches, torn, example[2];
	uint64_t rng;
	struct shared *sh;
	char pad[64];
};

struct shared {
	_Atomic uint64_t lo, hi;
	_Atomic int stop;
	const struct ioh_threads_cfg *cfg;
	unsigned n;
	struct fetcher f[T_MAX_FETCHERS];
};

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

static void *fetcher_main(void *arg)
{
	struct fetcher *f = arg;
	struct shared *sh = f->sh;
	enum ioh_fetch_order o = sh->cfg->order;

	while (!atomic_load(&sh->stop)) {
		uint64_t v[2];
		bool hi_first = o == IOH_FETCH_HI_LO ||
				(o == IOH_FETCH_ANY && (ioh_rng_next(&f->rng) & 1));

		atomic_fetch_add(&f->seq, 1);
		if (hi_first) {
			v[1] = atomic_load(&sh->hi);
			spin(sh->cfg->fetch_delay);
			v[0] = atomic_load(&sh->lo);
		} else {
			v[0] = atomic_load(&sh->lo);
			spin(sh->cfg->fetch_delay);
			v[1] = atomic_load(&sh->hi);
		}
		atomic_fetch_add(&f->seq, 1);
		f->fetches++;
		if ((v[0] & 1) && !(v[0] == OLD_LO && v[1] == OLD_HI)) {
			if (!f->torn++) {
				f->example[0] = v[0];
				f->example[1] = v[1];
			}
		}
	}
	return NULL;
}

/* The invalidation wait: every fetch in progress now has finished on return. */
static void drain(struct shared *sh)
{
	for (unsigned i = 0; i < sh->n; i++) {
		uint64_t s = atomic_load(&sh->f[i].seq);
		unsigned k = 0;

		if (!(s & 1))
			continue;
		while (atomic_load(&sh->f[i].seq) == s && !atomic_load(&sh->stop))
			if (++k % 64 == 0)
				sched_yield();
	}
}

static void zero(struct shared *sh, bool hi_first)
{
	if (hi_first) {
		atomic_store(&sh->hi, 0);
		atomic_store(&sh->lo, 0);
	} else {
		atomic_store(&sh->lo, 0);
		atomic_store(&sh->hi, 0);
	}
}

static void teardown(struct shared *sh, uint64_t round)
{
	switch (sh->cfg->strategy) {
	case IOH_STRAT_PRESENT_FIRST:
	case IOH_STRAT_BATCHED:
		atomic_store(&sh->lo, OLD_LO & ~1ULL);
		drain(sh);
		zero(sh, false);
		break;
	case IOH_STRAT_ZERO:
		zero(sh, round & 1); /* either order, as a compiler may emit them */
		drain(sh);
		break;
	case IOH_STRAT_ZERO_LO_HI:
		zero(sh, false);
		drain(sh);
		break;
	case IOH_STRAT_CLEAR_P_NOWAIT:
		atomic_store(&sh->lo, OLD_LO & ~1ULL);
		zero(sh, false);
		drain(sh);
		break;
	default:
		break;
	}
}

/* The next round's copied entry: high word, drain, then P (safe for any reader). */
static void restore(struct shared *sh)
{
	atomic_store(&sh->hi, OLD_HI);
	drain(sh);
	atomic_store(&sh->lo, OLD_LO);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

IOH_EXPORT ioh_status ioh_threads_run(ioh_ctx *ctx, const struct ioh_threads_cfg *cfg,
				      struct ioh_threads_result *res)
{
	struct shared *sh;
	pthread_t th[T_MAX_FETCHERS];
	unsigned started = 0;
	double t0, t1;
	uint64_t round = 0;

	memset(res, 0, sizeof(*res));
	if (!cfg->fetchers || cfg->fetchers > T_MAX_FETCHERS)
		return ioh_err(ctx, IOH_ERR_INVALID, "threads: 1-%d fetchers", T_MAX_FETCHERS);
	if (cfg->order == IOH_FETCH_ATOMIC || (unsigned)cfg->order >= IOH_FETCH__COUNT)
		return ioh_err(ctx, IOH_ERR_NOTIMPL,
			       "threads: fetch order must be lo-hi, hi-lo or any (no portable "
			       "128-bit atomic load)");
	if ((unsigned)cfg->strategy >= IOH_STRAT__COUNT)
		return ioh_err(ctx, IOH_ERR_INVALID, "threads: unknown strategy");
	if (!(cfg->seconds > 0) && !cfg->max_rounds)
		return ioh_err(ctx, IOH_ERR_INVALID, "threads: need a time or round bound");
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return ioh_err(ctx, IOH_ERR_NOMEM, "threads: out of memory");
	sh->cfg = cfg;
	sh->n = cfg->fetchers;
	atomic_store(&sh->lo, OLD_LO);
	atomic_store(&sh->hi, OLD_HI);
	for (unsigned i = 0; i < sh->n; i++) {
		sh->f[i].sh = sh;
		sh->f[i].rng = 0x1234567 + i;
		if (pthread_create(&th[i], NULL, fetcher_main, &sh->f[i]))
			break;
		started++;
	}
	t0 = now();
	if (started == sh->n) {
		for (;;) {
			teardown(sh, round);
			restore(sh);
			round++;
			if (cfg->max_rounds && round >= cfg->max_rounds)
				break;
			if (!(round & 255) && cfg->seconds > 0 && now() - t0 >= cfg->seconds)
				break;
		}
	}
	atomic_store(&sh->stop, 1);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	if (started != sh->n) {
		free(sh);
		return ioh_err(ctx, IOH_ERR_SYSTEM, "threads: cannot start fetcher threads");
	}
	res->rounds = round;
	res->seconds = t1 - t0;
	for (unsigned i = 0; i < sh->n; i++) {
		res->fetches += sh->f[i].fetches;
		if (sh->f[i].torn && !res->torn) {
			res->torn_example[0] = sh->f[i].example[0];
			res->torn_example[1] = sh->f[i].example[1];
		}
		res->torn += sh->f[i].torn;
	}
	free(sh);
	return IOH_OK;
}
