/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace clock: the TSC when the kernel itself trusts it (constant, non-stop, and the
 * current clocksource), calibrated against CLOCK_MONOTONIC; CLOCK_MONOTONIC ns otherwise.
 * trace_clock__now() is what every emitter uses; trace__clock_info() (trace.h) gives the
 * mapping to CLOCK_MONOTONIC and to wall-clock time.
 */
#ifndef VMSCOPE_TRACE_CLOCK_H
#define VMSCOPE_TRACE_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "trace.h"

struct trace_clock {
	int use_tsc;
	uint64_t ns_mult; /* ticks to ns: (ticks * ns_mult) >> 32 */
	struct trace_clock_info info;
};

extern struct trace_clock trace_clock;

/* Calibrate once per process (about 20 ms with the TSC).  Thread-safe; 0 or -errno. */
int trace_clock__init(void);

/* Why the TSC is not used ("" when it is). */
const char *trace_clock__why_not_tsc(void);

static inline uint64_t trace_clock__mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline uint64_t trace_clock__rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t trace_clock__now(void)
{
	if (__builtin_expect(trace_clock.use_tsc, 1))
		return trace_clock__rdtsc();
	return trace_clock__mono_ns();
}

/* A duration in ticks as nanoseconds. */
static inline uint64_t trace_clock__ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * trace_clock.ns_mult) >> 32);
}

#endif
