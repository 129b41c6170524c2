// SPDX-License-Identifier: GPL-2.0
/*
 * Port-I/O exit round trip: a ring-0 guest issues OUTs to a hooked port as fast as it can;
 * the figure is exits per second (median of 5 runs).  It is the baseline that tracing and
 * probes are compared against.
 */
#include <time.h>

#include "harness.h"
#include "bench.h"
#include "bench_pio_guest.h"

#define RUNS 5

static int one_run(double *rate)
{
	struct tvm_opts o = { .entry = bench_pio_guest };
	struct vm vm;
	double t0, t1;

	if (tvm_create(&vm, &o))
		return -1;
	if (hooks__add_pio(&vm.hooks, BENCH_PORT, 4, "bench", bench_null_hook, NULL))
		return -1;
	t0 = bench_now();
	if (tvm_run(&vm, 300) != 0)
		return -1;
	t1 = bench_now();
	*rate = vm.vcpus[0].stats.reason[KVM_EXIT_IO] / (t1 - t0);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	double rate[RUNS];
	int i;

	harness_require_kvm();
	for (i = 0; i < RUNS; i++)
		if (one_run(&rate[i]))
			return 1;
	bench_median(rate, RUNS);
	printf("| port-I/O exit round trip, ring 0, no tracing (median of %d runs of %d exits) "
	       "| %.0f exits/s | %.2f us/exit | min %.0f, max %.0f |\n",
	       RUNS, NR_EXITS, rate[RUNS / 2], 1e6 / rate[RUNS / 2], rate[0], rate[RUNS - 1]);
	return 0;
}
