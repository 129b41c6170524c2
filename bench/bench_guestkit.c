// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in guest kernel: how long its demo (hello, files, syscalls, tsx) takes from VM
 * start to stop, boot included, on 1 and 2 vCPUs (median of 5 runs each).
 */
#include <fcntl.h>

#include "bench.h"
#include "kernel_harness.h"

#define RUNS 5

static int demo_seconds(int nr_vcpus, double *out)
{
	double t[RUNS];
	struct kernel_run r;
	int i;

	int out_fd = dup(STDOUT_FILENO), null_fd = open("/dev/null", O_WRONLY);

	/* The harness narrates each boot on stdout; only the row goes to build/bench.md. */
	fflush(stdout);
	dup2(null_fd, STDOUT_FILENO);
	for (i = 0; i < RUNS; i++) {
		if (kernel_boot(BOOTINFO_DEFAULT_CMDLINE, nr_vcpus, &r) || r.status != 0) {
			dup2(out_fd, STDOUT_FILENO);
			fprintf(stderr, "bench_guestkit: the demo failed on %d vCPU(s)\n",
				nr_vcpus);
			return -1;
		}
		t[i] = r.seconds;
		kernel_run_free(&r);
	}
	fflush(stdout);
	dup2(out_fd, STDOUT_FILENO);
	close(out_fd);
	close(null_fd);
	*out = bench_median(t, RUNS);
	printf("| guest kernel demo (hello, files, syscalls, tsx), VM start to stop, %d vCPU%s "
	       "(median of %d runs) | %.3f s | | min %.3f, max %.3f |\n",
	       nr_vcpus, nr_vcpus > 1 ? "s" : "", RUNS, *out, t[0], t[RUNS - 1]);
	return 0;
}

int main(void)
{
	double s;

	harness_require_kvm();
	return demo_seconds(1, &s) || demo_seconds(2, &s);
}
