// SPDX-License-Identifier: GPL-2.0
/*
 * The guest kernel's programs and processes: faulting processes are reported (vector, RIP,
 * CR2) and killed with Linux's signal while the others finish; init's status is the first
 * failure's; tsx takes the lock path when the kernel reports no RTM, and with RTM forced
 * either commits transactions (a CPU with RTM) or dies of #UD like SIGILL (one without);
 * two spinning processes share one vCPU by preemption and use both of two vCPUs; memwalk,
 * dirty and spin run to completion; procs checks fork's copy-on-write, MAP_SHARED, wait4
 * statuses and orphans.
 */
#include "../../host/host.h"
#include "kernel_harness.h"

struct spin_result {
	unsigned long long start_us, end_us;
	unsigned int cpus, preempted;
};

/* Parse spin's report line number idx. */
static int spin_parse(const char *out, int idx, struct spin_result *s)
{
	const char *l = kernel_line(out, "spin[", idx);
	unsigned long long iters, ms, s_ms, s_us, e_ms, e_us;

	if (!l || sscanf(strchr(l, ':'),
			 ": %llu iterations in %llu ms, start %llu.%llu ms end %llu.%llu ms, "
			 "cpus 0x%x, preempted %u",
			 &iters, &ms, &s_ms, &s_us, &e_ms, &e_us, &s->cpus, &s->preempted) != 8)
		return -1;
	s->start_us = s_ms * 1000 + s_us;
	s->end_us = e_ms * 1000 + e_us;
	return iters > 0 ? 0 : -1;
}

static int test_faults(void)
{
	static const char *const reports[] = {
		"illegal instruction (#UD, vector 6) at rip 80000",
		"segmentation fault (#PF, vector 14) at rip 80000",
		"general protection fault (#GP, vector 13) at rip 80000",
		"divide error (#DE, vector 0) at rip 80000",
		"cr2 1000, error 7: killed by SIGSEGV",
		"cr2 8000001000, error 7: killed by SIGSEGV",
		"killed by SIGILL\n",
		"killed by SIGFPE\n",
		"init: fault [pid 3]: killed by signal 4 (SIGILL)\n",
		"init: fault [pid 4]: killed by signal 11 (SIGSEGV)\n",
		"init: fault [pid 6]: killed by signal 8 (SIGFPE)\n",
		"spin: ok\n",
		"hello, world!",
		"init: done, status 132\n",
	};
	struct kernel_run r;
	unsigned int i;

	if (kernel_boot("spin 0.2 & fault ud; fault segv; fault gp; fault div; fault write-text; "
			"hello",
			1, &r))
		return -1;
	TEST_ASSERT(r.status == 128 + 4, "status %d:\n%s", r.status, r.out);
	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
		KERNEL_EXPECT(&r, reports[i]);
	TEST_ASSERT(kernel_count_lines(r.out, "kernel: pid ") == 5, "%s", r.out);
	kernel_run_free(&r);
	return 0;
}

static int test_exit_status(void)
{
	struct kernel_run r;

	if (kernel_boot("nosuch; fault exit 3", 1, &r))
		return -1;
	TEST_ASSERT(r.status == 127, "status %d:\n%s", r.status, r.out);
	KERNEL_EXPECT(&r, "init: nosuch [pid 2]: exit 127\n");
	KERNEL_EXPECT(&r, "init: fault [pid 3]: exit 3\n");
	kernel_run_free(&r);
	if (kernel_boot("fault exit 3", 1, &r))
		return -1;
	TEST_ASSERT(r.status == 3, "status %d:\n%s", r.status, r.out);
	kernel_run_free(&r);
	return 0;
}

static int test_tsx_fallback(void)
{
	struct kernel_run r;

	if (kernel_boot("tsx=off tsx auto 3 5000; tsx lock 2 4000", 2, &r))
		return -1;
	TEST_ASSERT(r.status == 0, "status %d:\n%s", r.status, r.out);
	KERNEL_EXPECT(&r, "RTM not reported\n");
	KERNEL_EXPECT(&r, "tsx: auto mode: lock only (no RTM), 3 processes x 5000 increments\n");
	KERNEL_EXPECT(&r, "tsx: counter 15000, expected 15000\n");
	KERNEL_EXPECT(&r, "tsx: commits 0, lock acquisitions 15000,");
	KERNEL_EXPECT(&r, "tsx: counter 8000, expected 8000\n");
	TEST_ASSERT(kernel_count_lines(r.out, "tsx: ok") == 2, "%s", r.out);
	kernel_run_free(&r);
	return 0;
}

/* XBEGIN either works (RTM on this CPU) or raises #UD: then the kernel kills tsx (SIGILL). */
static int test_tsx_rtm_forced(void)
{
	struct kernel_run r;

	if (kernel_boot("tsx rtm 2 2000", 1, &r))
		return -1;
	KERNEL_EXPECT(&r, "tsx: rtm mode: RTM with a lock fallback, 2 processes x 2000 increments");
	if (r.status == 0 && hostcpu__is_tcg()) {
		/* QEMU's software CPU decodes XBEGIN as an abort: every transaction falls back. */
		KERNEL_EXPECT(&r, "tsx: counter 4000, expected 4000\n");
		KERNEL_EXPECT(&r, "tsx: commits 0, lock acquisitions 4000,");
		KERNEL_EXPECT(&r, "other 4000\n");
		printf("# expected deviation: QEMU's software CPU aborts every XBEGIN "
		       "instead of raising #UD\n");
	} else if (r.status == 0) {
		KERNEL_EXPECT(&r, "tsx: counter 4000, expected 4000\n");
		TEST_ASSERT(!strstr(r.out, "tsx: commits 0,"), "no transaction committed:\n%s",
			    r.out);
		printf("# RTM works on this CPU at ring 3\n");
	} else {
		TEST_ASSERT(r.status == 128 + 4, "status %d:\n%s", r.status, r.out);
		KERNEL_EXPECT(&r, "(tsx): illegal instruction (#UD, vector 6)");
		KERNEL_EXPECT(&r, "init: tsx [pid 2]: killed by signal 4 (SIGILL)\n");
		printf("# no RTM on this CPU: XBEGIN raised #UD\n");
	}
	kernel_run_free(&r);
	return 0;
}

/* Two spinners on one vCPU: both make progress at the same time, so the timer preempts. */
static int test_preemption(void)
{
	struct spin_result a, b;
	struct kernel_run r;

	if (kernel_boot("spin 0.3 & spin 0.3", 1, &r))
		return -1;
	TEST_ASSERT(r.status == 0, "status %d:\n%s", r.status, r.out);
	TEST_ASSERT(!spin_parse(r.out, 0, &a) && !spin_parse(r.out, 1, &b), "%s", r.out);
	TEST_ASSERT(a.start_us < b.end_us && b.start_us < a.end_us,
		    "the spinners ran one after the other:\n%s", r.out);
	TEST_ASSERT(a.preempted > 0 && b.preempted > 0, "no preemption seen:\n%s", r.out);
	kernel_run_free(&r);
	return 0;
}

/* Two spinners on two vCPUs: the shared run queue gives each a CPU. */
static int test_smp(void)
{
	struct spin_result a, b;
	struct kernel_run r;

	if (kernel_boot("spin 0.3 & spin 0.3", 2, &r))
		return -1;
	TEST_ASSERT(r.status == 0, "status %d:\n%s", r.status, r.out);
	TEST_ASSERT(!spin_parse(r.out, 0, &a) && !spin_parse(r.out, 1, &b), "%s", r.out);
	TEST_ASSERT(a.start_us < b.end_us && b.start_us < a.end_us, "%s", r.out);
	TEST_ASSERT((a.cpus | b.cpus) == 3, "both CPUs were not used:\n%s", r.out);
	kernel_run_free(&r);
	return 0;
}

static int test_memory_programs(void)
{
	struct kernel_run r;

	if (kernel_boot("memwalk 1M all; memwalk 64K random 3; dirty 1M 2000 0.2; "
			"memwalk 2M seq & dirty 256K 500 0.1",
			2, &r))
		return -1;
	TEST_ASSERT(r.status == 0, "status %d:\n%s", r.status, r.out);
	KERNEL_EXPECT(&r, "memwalk: 1024 KiB seq x2: 262144 accesses in ");
	KERNEL_EXPECT(&r, "memwalk: 1024 KiB stride x2: 262144 accesses in ");
	KERNEL_EXPECT(&r, "memwalk: 1024 KiB random x2: 262144 accesses in ");
	KERNEL_EXPECT(&r, "memwalk: 64 KiB random x3: 24576 accesses in ");
	KERNEL_EXPECT(&r, "dirty: 256 pages, 2000 pages/s, 0.2\n");
	TEST_ASSERT(kernel_count_lines(r.out, "memwalk: ok") == 3, "%s", r.out);
	TEST_ASSERT(kernel_count_lines(r.out, "dirty: ok") == 2, "%s", r.out);
	TEST_ASSERT(!strstr(r.out, "dirty: wrote 0 pages"), "%s", r.out);
	kernel_run_free(&r);
	return 0;
}

/* fork is copy-on-write and private, MAP_SHARED is shared, statuses, orphans, many children. */
static int test_procs(void)
{
	struct kernel_run r;
	int n;

	for (n = 1; n <= 2; n++) {
		if (kernel_boot("procs", n, &r))
			return -1;
		TEST_ASSERT(r.status == 0, "status %d:\n%s", r.status, r.out);
		KERNEL_EXPECT(&r, "(procs): illegal instruction (#UD, vector 6)");
		KERNEL_EXPECT(&r, "init: reaped orphan pid ");
		KERNEL_EXPECT(&r, "procs: ok\n");
		kernel_run_free(&r);
	}
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "faulting_processes_are_killed_others_finish", test_faults },
		{ "init_status_and_unknown_programs", test_exit_status },
		{ "tsx_lock_path_without_rtm", test_tsx_fallback },
		{ "tsx_rtm_forced", test_tsx_rtm_forced },
		{ "preemption_on_one_vcpu", test_preemption },
		{ "two_vcpus_share_the_run_queue", test_smp },
		{ "memwalk_and_dirty", test_memory_programs },
		{ "process_semantics", test_procs },
	};

	return harness_main(cases, 8);
}
