/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the benchmarks: a clock, sorting and medians of repeated runs. */
#ifndef VMSCOPE_BENCH_H
#define VMSCOPE_BENCH_H

#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort v (so v[0] and v[n - 1] are the spread) and return its median. */
static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), bench_cmp);
	return v[n / 2];
}

#endif
