// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel probes' costs (docs/performance.md):
 *  - the port-I/O exit round trip of a traced guest with the kernel probes on (the default
 *    tracepoints) and off, alternating, median of RUNS runs each: the ratio of the per-exit
 *    times;
 *  - kernel events drained per second with nothing lost: a ring-0 guest loop that KVM's
 *    emulator runs instruction by instruction on emulating hosts, traced with every
 *    tracepoint (kvm_emulate_insn fires once per instruction), on one and on two vCPUs;
 *    events written to the trace over the run's time, and the records the BPF ring buffer
 *    could not hold.
 * Rows go to stdout in build/bench.md's format.  Without kernel probes here, one row says why.
 */
#include <time.h>

#include "../probes/probes.h"
#include "../trace/trace.h"
#include "harness.h"
#include "bench.h"
#include "bench_pio_guest.h"

#define RUNS 5
#define SPIN_LOOPS 200000 /* ring-0 loop rounds of the event-rate guest (about 4 insns) */

static char tmpdir[] = "/dev/shm/vmscope-bench-probes-XXXXXX";
static int dir_seq;

static volatile uint32_t spin_done;

/* Instructions only, no exits: on an emulating host each one is a kvm_emulate_insn event. */
static GUEST_CODE void guest_spin(uint64_t id, uint64_t nr)
{
	volatile uint32_t i;

	for (i = 0; i < SPIN_LOOPS; i++)
		;
	__atomic_add_fetch(&spin_done, 1, __ATOMIC_SEQ_CST);
	if (id == 0) {
		while (__atomic_load_n(&spin_done, __ATOMIC_SEQ_CST) < nr)
			__asm__ volatile("pause");
		GUEST_DONE();
	}
	for (;;)
		__asm__ volatile("hlt");
}

static void row(const char *figure, const char *value, const char *per, const char *spread)
{
	printf("| %s | %s | %s | %s |\n", figure, value, per, spread);
}

struct traced_run {
	struct vm vm;
	struct trace_session *s;
	struct probes *p;
	char dir[256];
};

/* A traced VM running fn on nr vCPUs; with probes (mask, 0 for none) when asked. */
static int traced_start(struct traced_run *t, guest_fn fn, int nr, uint32_t mask)
{
	struct tvm_opts o = { .entry = fn, .nr_vcpus = nr };
	struct probes_opts po = { .mask = mask };
	struct trace_opts to = { 0 };

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/t%d", tmpdir, dir_seq++);
	if (tvm_create(&t->vm, &o))
		return -1;
	if (hooks__add_pio(&t->vm.hooks, BENCH_PORT, 4, "bench", bench_null_hook, NULL))
		return -1;
	if (mask && !(t->p = probes__open(&t->vm, &po))) {
		fprintf(stderr, "bench_probes: %s\n", err__msg(-errno));
		return -1;
	}
	to.dir = t->dir;
	to.kernel_streams = mask != 0;
	if (vm__trace_start(&t->vm, &to, &t->s) || (t->p && probes__start(t->p, t->s))) {
		fprintf(stderr, "bench_probes: %s\n", err__last());
		return -1;
	}
	return 0;
}

static int traced_end(struct traced_run *t, struct probes_stats *ps)
{
	char cmd[300];
	int ret = probes__stop(t->p);

	probes__stats(t->p, ps);
	if (!ret)
		ret = vm__trace_stop(&t->vm);
	trace__free(t->s);
	probes__free(t->p);
	vm__destroy(&t->vm);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	if (system(cmd))
		fprintf(stderr, "bench_probes: cannot remove %s\n", t->dir);
	return ret;
}

/* One traced port-I/O run; exits per second. */
static int round_trip(uint32_t mask, double *rate)
{
	struct probes_stats ps;
	struct traced_run t;
	double t0, t1;

	if (traced_start(&t, bench_pio_guest, 1, mask))
		return -1;
	t0 = bench_now();
	if (tvm_run(&t.vm, 300) != 0)
		return -1;
	t1 = bench_now();
	*rate = t.vm.vcpus[0].stats.reason[KVM_EXIT_IO] / (t1 - t0);
	return traced_end(&t, &ps);
}

static int bench_round_trip(void)
{
	double off[RUNS], on[RUNS], moff, mon;
	char v[64], p[128], s[128];
	int i;

	for (i = 0; i < RUNS; i++)
		if (round_trip(0, &off[i]) || round_trip(probes__default_mask(), &on[i]))
			return -1;
	bench_median(off, RUNS);
	bench_median(on, RUNS);
	moff = off[RUNS / 2];
	mon = on[RUNS / 2];
	snprintf(v, sizeof(v), "%.3fx", moff / mon);
	snprintf(p, sizeof(p), "%.2f us/exit with probes, %.2f us/exit without", 1e6 / mon,
		 1e6 / moff);
	snprintf(s, sizeof(s), "with %.0f-%.0f, without %.0f-%.0f exits/s", on[0], on[RUNS - 1],
		 off[0], off[RUNS - 1]);
	row("port-I/O exit round trip, traced, kernel probes on / off (median of 5 runs of "
	    "20000 exits each)",
	    v, p, s);
	return 0;
}

/* Kernel events per second from the emulator-bound guest on nr vCPUs. */
static int bench_event_rate(int nr)
{
	double rate[RUNS], t0, t1;
	uint64_t lost = 0, events = 0, cpu = 0;
	struct probes_stats ps;
	struct traced_run t;
	char fig[160], v[64], p[128], s[128];
	uint32_t all;
	int i;

	probes__parse("all", &all);
	for (i = 0; i < RUNS; i++) {
		if (traced_start(&t, guest_spin, nr, all))
			return -1;
		spin_done = 0;
		t0 = bench_now();
		if (tvm_run(&t.vm, 300) != 0)
			return -1;
		t1 = bench_now();
		if (traced_end(&t, &ps))
			return -1;
		rate[i] = ps.records / (t1 - t0);
		lost += ps.lost;
		events += ps.records;
		cpu += ps.drain_cpu_ns;
	}
	bench_median(rate, RUNS);
	snprintf(fig, sizeof(fig),
		 "kernel events drained, every tracepoint, ring-0 loop on %d vCPU%s (median of %d "
		 "runs)",
		 nr, nr > 1 ? "s" : "", RUNS);
	snprintf(v, sizeof(v), "%.0f events/s", rate[RUNS / 2]);
	snprintf(p, sizeof(p),
		 "%.0f ns/event; %llu events, %llu lost in all runs; drain CPU %.0f ns/event",
		 1e9 / rate[RUNS / 2], (unsigned long long)events, (unsigned long long)lost,
		 events ? (double)cpu / events : 0.0);
	snprintf(s, sizeof(s), "min %.0f, max %.0f", rate[0], rate[RUNS - 1]);
	row(fig, v, p, s);
	return 0;
}

int main(void)
{
	struct probes_check pc;
	char cmd[128];
	int ret;

	harness_require_kvm();
	if (probes__check(&pc)) {
		row("kernel probes", "unavailable", pc.why, "");
		return 0;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	ret = bench_round_trip();
	if (!ret)
		ret = bench_event_rate(1);
	if (!ret)
		ret = bench_event_rate(2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		ret = -1;
	return ret ? 1 : 0;
}
