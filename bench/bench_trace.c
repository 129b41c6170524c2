// SPDX-License-Identifier: GPL-2.0
/*
 * Trace costs (docs/performance.md):
 *  - emit: one exit event (its timestamp included) into a vCPU ring while the real session
 *    thread drains it into CTF files on tmpfs; against an LTTng-UST tracepoint with the same
 *    payload in an active LTTng session (bench/run-bench sets that up), and against the
 *    timestamp reads alone (rdtsc, clock_gettime);
 *  - sustained events/s from one producer into CTF files on tmpfs with nothing lost.
 * No VM is involved (a session with one vCPU stream whose ring the benchmark fills), so these
 * run on any machine; the traced exit round trip is bench_pio's.
 * Every figure is the median of RUNS runs; rows go to stdout in build/bench.md's format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../trace/catalogue.h"
#include "../trace/trace.h"
#include "../lib/err.h"
#include "bench.h"
#if defined(BENCH_LTTNG) && defined(HAVE_LTTNG_UST)
#include "lttng_tp.h"
#endif

/* Built twice: bench_trace, and bench_lttng with BENCH_LTTNG (see bench_lttng_all). */
#ifdef BENCH_LTTNG
#define LTTNG_MODE 1
#else
#define LTTNG_MODE 0
#endif

#define RUNS 5
#define BATCH 1000000
#define FLOOR_LOOPS 10000000
#define SUSTAIN_SECONDS 0.4

static char tmpdir[] = "/dev/shm/vmscope-bench-XXXXXX";
static int dir_seq;

static void new_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/t%d", tmpdir, dir_seq++);
}

/* A session with one vCPU stream: its ring is ours to fill, its session thread drains it. */
struct bench_session {
	struct trace_session *s;
	struct trace_ring *ring;
	char dir[256];
};

/* Remove a trace directory (tmpfs is memory: sessions of GBs must not pile up). */
static void remove_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "bench_trace: cannot remove %s\n", dir);
}

static int bench_session_start_hold(struct bench_session *b, uint64_t buffer_size, int hold)
{
	struct trace_opts to = { .nr_vcpus = 1, .buffer_size = buffer_size, .hold = hold };
	int ret;

	new_dir(b->dir, sizeof(b->dir));
	to.dir = b->dir;
	ret = trace__start(&to, &b->s);
	if (ret) {
		fprintf(stderr, "bench_trace: %s\n", err__msg(ret));
		return -1;
	}
	b->ring = trace__vcpu_ring(b->s, 0);
	return 0;
}

static int bench_session_start(struct bench_session *b, uint64_t buffer_size)
{
	return bench_session_start_hold(b, buffer_size, 0);
}

static uint64_t bench_lost(struct bench_session *b)
{
	struct trace_stream_stats st;

	trace__stream_stats(b->s, &st, 1);
	return st.lost;
}

/* End the session (final drain); returns the records it lost. */
static uint64_t bench_session_stop(struct bench_session *b)
{
	uint64_t lost;

	trace__stop(b->s);
	lost = bench_lost(b);
	trace__free(b->s);
	remove_dir(b->dir);
	return lost;
}

/* Wait until the session thread has drained the ring. */
static void wait_drained(struct trace_ring *r)
{
	while (__atomic_load_n(&r->sh->tail, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&r->sh->head, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static inline void fill_args(struct trace_exit_args *a, uint64_t i)
{
	a->reason = 2;
	a->vcpu = 0;
	a->rip = 0x100000 + (i & 0xfff);
	a->qual = 0x700; /* a port, as a port-I/O exit has */
	a->size = 4;
	a->dir = 1;
	a->data = i;
	a->guest_ns = 8000 + (i & 0xff);
	a->vmm_ns = 200;
}

/* Emit n exit events back to back; seconds taken. */
static double emit_burst(struct trace_ring *r, uint64_t n)
{
	struct trace_exit_args a;
	double t0 = bench_now();
	uint64_t i;

	for (i = 0; i < n; i++) {
		fill_args(&a, i);
		trace_emit_exit_ts(r, trace_clock__now(), &a);
	}
	return bench_now() - t0;
}

/*
 * ns per event over total events in bursts of burst, the ring drained between bursts
 * (unless the session holds it: then the ring must take them all).
 */
static double emit_run(struct trace_ring *r, uint64_t burst, uint64_t total, int hold)
{
	double t = 0;
	uint64_t done;

	for (done = 0; done < total; done += burst) {
		t += emit_burst(r, burst);
		if (!hold)
			wait_drained(r);
	}
	return t * 1e9 / total;
}

static double floor_rdtsc(void)
{
	volatile uint64_t sink;
	uint64_t sum = 0;
	double t0 = bench_now();
	int i;

	for (i = 0; i < FLOOR_LOOPS; i++)
		sum += trace_clock__rdtsc();
	sink = sum;
	(void)sink;
	return (bench_now() - t0) * 1e9 / FLOOR_LOOPS;
}

static double floor_gettime(void)
{
	volatile uint64_t sink;
	uint64_t sum = 0;
	double t0 = bench_now();
	int i;

	for (i = 0; i < FLOOR_LOOPS; i++)
		sum += trace_clock__mono_ns();
	sink = sum;
	(void)sink;
	return (bench_now() - t0) * 1e9 / FLOOR_LOOPS;
}

#if defined(BENCH_LTTNG) && defined(HAVE_LTTNG_UST)
static double lttng_run(uint64_t burst)
{
	struct trace_exit_args a;
	double t = 0, t0;
	uint64_t done, i;

	for (done = 0; done < BATCH; done += burst) {
		t0 = bench_now();
		for (i = 0; i < burst; i++) {
			fill_args(&a, i);
			lttng_ust_tracepoint(vmscope_bench, exit, &a);
		}
		t += bench_now() - t0;
		usleep(burst >= BATCH ? 500000 : 3000); /* let the consumer daemon catch up */
	}
	return t * 1e9 / BATCH;
}
#endif

static void row(const char *figure, const char *value, const char *per, const char *spread)
{
	printf("| %s | %s | %s | %s |\n", figure, value, per, spread);
}

/* The two regimes of the emit figures: where the ring's memory stands in the caches. */
struct regime {
	const char *name;
	uint64_t ring; /* bytes */
	uint64_t burst; /* events between drains */
	uint64_t total; /* events per run */
	int hold; /* the session thread does not drain (nor touch the ring) */
};

static const struct regime regimes[] = {
	{ "bursts of 10k into the default 4 MiB ring (cache-warm)", 4ull << 20, 10000, BATCH, 0 },
	{ "1M at once into a 256 MiB ring (cache-cold)", 256ull << 20, BATCH, BATCH, 0 },
	{ "200k at once into a 256 MiB ring, session thread not draining (what polling costs "
	  "the producer: compare with the row above)",
	  256ull << 20, 200000, 200000, 1 },
};

#define NR_REGIMES ((int)(sizeof(regimes) / sizeof(regimes[0])))

static double emit_median[NR_REGIMES];

static int bench_lttng(const struct regime *g, double emit_ns);

/* The emit figure of a regime; printed unless quiet (the LTTng binary only needs it). */
static int bench_emit_regime(const struct regime *g, double floor_ns, int quiet)
{
	struct bench_session b;
	double emit[RUNS], med;
	char f[256], v[64], p[64], s[64];
	int i;

	if (bench_session_start_hold(&b, g->ring, g->hold))
		return -1;
	for (i = 0; i < RUNS; i++)
		emit[i] = emit_run(b.ring, g->burst, g->total, g->hold);
	if (bench_session_stop(&b))
		fprintf(stderr, "bench_trace: the emit runs lost records; figures not valid\n");
	med = bench_median(emit, RUNS);
	if (g->hold)
		snprintf(f, sizeof(f), "trace emit of one exit event: %s (median of 5 x 200k)",
			 g->name);
	else
		snprintf(f, sizeof(f),
			 "trace emit of one exit event (72 B) incl. its rdtsc, session "
			 "thread draining to tmpfs: %s (median of 5 x 1M)",
			 g->name);
	snprintf(v, sizeof(v), "%.1f ns/event", med);
	snprintf(p, sizeof(p), "%.2fx rdtsc (goal <= 1.5x)", med / floor_ns);
	snprintf(s, sizeof(s), "min %.1f, max %.1f", emit[0], emit[RUNS - 1]);
	emit_median[g - regimes] = med;
	if (!quiet)
		row(f, v, p, s);
	return 0;
}

/* Emit cost, LTTng-UST and the floors; the session thread drains throughout. */
static int bench_emit(void)
{
	struct bench_session b;
	double tsc[RUNS], gt[RUNS], tmed;
	char v[64];
	int i;

	/* The floors, measured with a session thread running, as the emits are. */
	if (bench_session_start(&b, 0))
		return -1;
	for (i = 0; i < RUNS; i++) {
		tsc[i] = floor_rdtsc();
		gt[i] = floor_gettime();
	}
	bench_session_stop(&b);
	tmed = bench_median(tsc, RUNS);
	snprintf(v, sizeof(v), "%.1f ns", tmed);
	row("rdtsc alone (median of 5 x 10M)", v, "", "");
	snprintf(v, sizeof(v), "%.1f ns", bench_median(gt, RUNS));
	row("clock_gettime(CLOCK_MONOTONIC) alone (median of 5 x 10M)", v, "", "");
	for (i = 0; i < NR_REGIMES; i++)
		if (bench_emit_regime(&regimes[i], tmed, 0))
			return -1;
	return 0;
}

/* Run the producer at rate events/s (0: flat out) for SUSTAIN_SECONDS. */
static int sustain(uint64_t ring, double rate, double *achieved, uint64_t *lost)
{
	struct bench_session b;
	struct trace_exit_args a;
	uint64_t i = 0, step;
	double t0, t, period = rate > 0 ? 1.0 / rate : 0;

	if (bench_session_start(&b, ring))
		return -1;
	t0 = bench_now();
	do {
		for (step = 0; step < 1024; step++, i++) {
			fill_args(&a, i);
			trace_emit_exit_ts(b.ring, trace_clock__now(), &a);
		}
		t = bench_now();
		while (period > 0 && t - t0 < i * period)
			t = bench_now();
	} while (t - t0 < SUSTAIN_SECONDS);
	*achieved = i / (t - t0);
	*lost = bench_session_stop(&b); /* after the final drain: the loss is final */
	return 0;
}

/* The highest rate at which nothing is lost: flat out, else a bisection below it. */
static int bench_sustained(uint64_t ring)
{
	double flat, got, lo = 0, hi, best = 0;
	uint64_t lost, flat_lost;
	char f[200], v[128], s[160];
	int i;

	if (sustain(ring, 0, &flat, &flat_lost))
		return -1;
	hi = flat;
	if (!flat_lost)
		best = flat;
	for (i = 0; flat_lost && i < 7; i++) {
		double r = (lo + hi) / 2;

		if (sustain(ring, r, &got, &lost))
			return -1;
		if (lost) {
			hi = r;
		} else {
			lo = r;
			best = got > best ? got : best;
		}
	}
	snprintf(v, sizeof(v), "%.1f M events/s", best / 1e6);
	snprintf(s, sizeof(s), "flat out: %.1f M/s offered, %llu lost", flat / 1e6,
		 (unsigned long long)flat_lost);
	snprintf(f, sizeof(f),
		 "sustained exit events/s, one producer, %llu MiB ring, CTF on "
		 "tmpfs, 0 lost (0.4 s runs, bisection below the flat-out rate)",
		 (unsigned long long)(ring >> 20));
	row(f, v, best > 0 ? "" : "none without loss", s);
	return 0;
}

#if defined(BENCH_LTTNG) && defined(HAVE_LTTNG_UST)
static int bench_lttng(const struct regime *g, double emit_ns)
{
	double t[RUNS], med;
	char f[256], v[64], p[128], s[64];
	int i;

	if (!lttng_ust_tracepoint_enabled(vmscope_bench, exit)) {
		row("LTTng-UST tracepoint, same payload", "unavailable",
		    "no active LTTng session enables vmscope_bench:exit (bench/run-bench "
		    "starts lttng-sessiond and creates one)",
		    "");
		return 0;
	}
	for (i = 0; i < RUNS; i++)
		t[i] = lttng_run(g->burst);
	med = bench_median(t, RUNS);
	snprintf(f, sizeof(f), "LTTng-UST tracepoint, same payload, active session: %s",
		 g->burst >= BATCH ? "1M at once" : "bursts of 10k");
	snprintf(v, sizeof(v), "%.1f ns/event", med);
	snprintf(p, sizeof(p), "vmscope emit = 1/%.1f of it (goal <= 1/8)", med / emit_ns);
	snprintf(s, sizeof(s), "min %.1f, max %.1f", t[0], t[RUNS - 1]);
	row(f, v, p, s);
	return 0;
}
#else
static int bench_lttng(const struct regime *g, double emit_ns)
{
	(void)g;
	(void)emit_ns;
	row("LTTng-UST tracepoint, same payload", "unavailable",
	    "built without liblttng-ust (install liblttng-ust-dev)", "");
	return 0;
}
#endif

/*
 * The LTTng comparison runs in its own binary (bench_lttng, this file built with
 * BENCH_LTTNG) under the LTTng session bench/run-bench creates: with liblttng-ust loaded and
 * a session active, the other figures of this file come out worse and noisier, so they are
 * measured without it.  vmscope's emit is measured again in that process, under the same
 * conditions as the tracepoint it is compared with.
 */
static int bench_lttng_all(void)
{
	int i;

	for (i = 0; i < NR_REGIMES; i++) {
		if (regimes[i].hold)
			continue;
		if (bench_emit_regime(&regimes[i], 1, 1) ||
		    bench_lttng(&regimes[i], emit_median[i]))
			return -1;
	}
	return 0;
}

int main(void)
{
	char cmd[128];
	int ret;

	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "bench_trace: cannot create %s\n", tmpdir);
		return 1;
	}
	if (LTTNG_MODE) {
		ret = bench_lttng_all();
	} else {
		ret = bench_emit();
		if (!ret)
			ret = bench_sustained(4ull << 20);
		if (!ret)
			ret = bench_sustained(64ull << 20);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		ret = -1;
	return ret ? 1 : 0;
}
