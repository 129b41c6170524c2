// SPDX-License-Identifier: GPL-2.0
/*
 * Port-I/O exit round trip: a ring-0 guest issues OUTs to a hooked port as fast as it can;
 * the figure is exits per second (median of 5 runs).  It is the baseline that tracing and
 * probes are compared against; the same runs, alternately traced, give tracing's cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../trace/trace.h"
#include "harness.h"
#include "bench.h"
#include "bench_pio_guest.h"

#define RUNS 5

static char tmpdir[] = "/dev/shm/vmscope-bench-pio-XXXXXX";

/* One guest run of NR_EXITS port-I/O exits, traced to tmpfs or not; exits per second. */
static int one_run(int traced, double *rate)
{
	struct tvm_opts o = { .entry = bench_pio_guest };
	struct trace_opts to = { .dir = tmpdir };
	struct trace_session *s = NULL;
	struct vm vm;
	double t0, t1;

	if (tvm_create(&vm, &o))
		return -1;
	if (hooks__add_pio(&vm.hooks, BENCH_PORT, 4, "bench", bench_null_hook, NULL))
		return -1;
	if (traced && vm__trace_start(&vm, &to, &s)) {
		fprintf(stderr, "bench_pio: %s\n", err__last());
		return -1;
	}
	t0 = bench_now();
	if (tvm_run(&vm, 300) != 0)
		return -1;
	t1 = bench_now();
	*rate = vm.vcpus[0].stats.reason[KVM_EXIT_IO] / (t1 - t0);
	vm__trace_stop(&vm);
	trace__free(s);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	double off[RUNS], on[RUNS], moff, mon;
	char cmd[128];
	int i, ret = 0;

	harness_require_kvm();
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "bench_pio: cannot create %s\n", tmpdir);
		return 1;
	}
	for (i = 0; !ret && i < RUNS; i++)
		ret = one_run(0, &off[i]) || one_run(1, &on[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) || ret)
		return 1;
	moff = bench_median(off, RUNS);
	mon = bench_median(on, RUNS);
	printf("| port-I/O exit round trip, ring 0, no tracing (median of %d runs of %d exits) "
	       "| %.0f exits/s | %.2f us/exit | min %.0f, max %.0f |\n",
	       RUNS, NR_EXITS, moff, 1e6 / moff, off[0], off[RUNS - 1]);
	printf("| port-I/O exit round trip, traced / untraced (goal <= 1.03x; median of %d runs of "
	       "%d exits each) | %.3fx | %.2f us/exit traced, %.2f us/exit untraced | traced "
	       "%.0f-%.0f, untraced %.0f-%.0f exits/s |\n",
	       RUNS, NR_EXITS, moff / mon, 1e6 / mon, 1e6 / moff, on[0], on[RUNS - 1], off[0],
	       off[RUNS - 1]);
	return 0;
}
