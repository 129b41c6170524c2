// SPDX-License-Identifier: GPL-2.0
/*
 * Trace clock calibration.  The TSC is used only when the kernel trusts it as much as
 * vmscope needs: invariant (constant_tsc), not stopped in deep C-states (nonstop_tsc), and
 * chosen by the kernel as its clocksource (so it was found synchronised across CPUs and
 * stable).  Its frequency is measured against CLOCK_MONOTONIC over about 20 ms.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/err.h"
#include "clock.h"

#define CAL_SAMPLES 32
#define CAL_SLEEP_US 20000
#define CLOCKSOURCE "/sys/devices/system/clocksource/clocksource0/current_clocksource"

struct trace_clock trace_clock = {
	.use_tsc = 0,
	.ns_mult = 1ull << 32,
	.info = { .freq = 1000000000ull },
};

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;
static char why_not[160];

struct clock_sample {
	uint64_t tsc, mono, real;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The (tsc, mono, real) triple read in the shortest TSC window out of CAL_SAMPLES. */
static void clock_sample(struct clock_sample *best)
{
	uint64_t best_win = UINT64_MAX;
	int i;

	for (i = 0; i < CAL_SAMPLES; i++) {
		uint64_t t1 = trace_clock__rdtsc();
		uint64_t mono = clock_ns(CLOCK_MONOTONIC);
		uint64_t real = clock_ns(CLOCK_REALTIME);
		uint64_t t2 = trace_clock__rdtsc();

		if (t2 - t1 < best_win) {
			best_win = t2 - t1;
			best->tsc = t1 + (t2 - t1) / 2;
			best->mono = mono;
			best->real = real;
		}
	}
}

static int cpuinfo_has(const char *flag)
{
	char line[4096], pat[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	snprintf(pat, sizeof(pat), " %s ", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');

		if (strncmp(line, "flags", 5))
			continue;
		if (nl)
			*nl = ' ';
		found = strstr(line, pat) != NULL;
		break;
	}
	fclose(f);
	return found;
}

static int clocksource_is_tsc(void)
{
	char buf[32] = "";
	FILE *f = fopen(CLOCKSOURCE, "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strcmp(buf, "tsc\n");
}

static int clock_tsc_usable(void)
{
	const char *force = getenv("VMSCOPE_TRACE_CLOCK");

	if (force && !strcmp(force, "monotonic"))
		snprintf(why_not, sizeof(why_not), "VMSCOPE_TRACE_CLOCK=monotonic");
	else if (!cpuinfo_has("constant_tsc") || !cpuinfo_has("nonstop_tsc"))
		snprintf(why_not, sizeof(why_not), "the CPU lacks constant_tsc or nonstop_tsc");
	else if (!clocksource_is_tsc())
		snprintf(why_not, sizeof(why_not), "the kernel's clocksource is not tsc");
	return !why_not[0];
}

static void clock_calibrate(void)
{
	struct clock_sample a, b;
	struct trace_clock_info *ci = &trace_clock.info;

	if (!clock_tsc_usable()) {
		ci->freq = 1000000000ull;
		ci->mono0_ns = clock_ns(CLOCK_MONOTONIC);
		ci->real0_ns = clock_ns(CLOCK_REALTIME);
		ci->ts0 = ci->mono0_ns;
		ci->is_tsc = 0;
		trace_clock.ns_mult = 1ull << 32;
		trace_clock.use_tsc = 0;
		return;
	}
	clock_sample(&a);
	usleep(CAL_SLEEP_US);
	clock_sample(&b);
	ci->freq =
		(uint64_t)((unsigned __int128)(b.tsc - a.tsc) * 1000000000ull / (b.mono - a.mono));
	ci->ts0 = a.tsc;
	ci->mono0_ns = a.mono;
	ci->real0_ns = a.real;
	ci->is_tsc = 1;
	trace_clock.ns_mult = (uint64_t)(((unsigned __int128)1000000000ull << 32) / ci->freq);
	trace_clock.use_tsc = 1;
}

int trace_clock__init(void)
{
	pthread_once(&clock_once, clock_calibrate);
	return 0;
}

const char *trace_clock__why_not_tsc(void)
{
	return why_not;
}

void trace__clock_info(struct trace_clock_info *ci)
{
	trace_clock__init();
	*ci = trace_clock.info;
}

uint64_t trace__ts_to_mono_ns(const struct trace_clock_info *ci, uint64_t ts)
{
	int64_t d = (int64_t)(ts - ci->ts0);
	__int128 ns = (__int128)d * 1000000000 / (__int128)ci->freq;

	return (uint64_t)((__int128)ci->mono0_ns + ns);
}

uint64_t trace__mono_ns_to_ts(const struct trace_clock_info *ci, uint64_t mono_ns)
{
	int64_t d = (int64_t)(mono_ns - ci->mono0_ns);
	__int128 t = (__int128)d * (__int128)ci->freq / 1000000000;

	return (uint64_t)((__int128)ci->ts0 + t);
}
