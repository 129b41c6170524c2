// SPDX-License-Identifier: GPL-2.0
/*
 * What host adaptation costs: a ring-3 program issues SYSCALLs, `int 0x80`s, and is
 * single-stepped; each figure is events per second over the loop (median of 5 runs), with
 * the fixups this host needs (vmscope run's default).  On VMX/SVM hosts the same loops run
 * natively and the figures show what nothing costs.
 */
#include <time.h>

#include "harness.h"
#include "bench.h"
#include "../../core/hostfix.h"
#include "../../core/step.h"
#include "../../guests/lib/kern.h"
#include "../../host/host.h"

KERN_DEFINE_ASM

#define NR_EVENTS 2000
#define RUNS 5

enum { B_SYSCALL, B_INT80, B_STEP3, B_MAX };

static uint8_t user_stack[8192] __attribute__((aligned(16)));
static volatile int which;

static GUEST_CODE uint64_t on_syscall(struct kern_sysframe *f)
{
	if (f->rax == 60)
		GUEST_DONE();
	return 0;
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	(void)f;
}

static GUEST_CODE void user_main(void)
{
	int i;

	GUEST_SYNC(1, 0, 0); /* the host starts its clock (and stepping) here */
	for (i = 0; i < NR_EVENTS; i++) {
		if (which == B_SYSCALL)
			__asm__ volatile("syscall" : : "a"(0) : "rcx", "r11", "memory");
		else if (which == B_INT80)
			__asm__ volatile("int $0x80" : : : "memory");
		else
			__asm__ volatile("nop");
	}
	GUEST_SYNC(2, 0, 0);
	__asm__ volatile("syscall" : : "a"(60) : "rcx", "r11", "memory");
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	kern_syscall_fn = on_syscall;
	kern_trap_fn = on_trap;
	kern_enter_user(user_main, (uint64_t)(user_stack + sizeof(user_stack)), 0x2);
}

struct bench_run {
	double t0, t1;
	int step;
	uint64_t steps; /* ring-3 steps reported, whatever the mechanism */
};

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct bench_run *b = opaque;

	(void)v;
	b->steps += si->cpl == 3;
	return si->cpl == 3;
}

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct bench_run *b = opaque;

	if (uc->cmd != UCALL_SYNC)
		return;
	if (uc->args[0] == 1) {
		b->t0 = bench_now();
		if (b->step)
			step__start(v, on_step, b);
	} else {
		b->t1 = bench_now();
		step__stop(v);
	}
}

static int one_run(int kind, double *rate)
{
	struct tvm_opts o = { .entry = guest_code };
	struct bench_run b = { .step = kind == B_STEP3 };
	volatile int *w;
	struct vm vm;

	if (tvm_create(&vm, &o))
		return -1;
	w = mem__gpa_to_hva(&vm.mem, (uintptr_t)&which, sizeof(which));
	*w = kind;
	if (host__setup(&vm, HOSTFIX_AUTO))
		return -1;
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &b;
	if (tvm_run(&vm, 300) != 0 || b.t1 <= b.t0)
		return -1;
	/*
	 * A stepped loop iteration is several instructions: count the steps the engine reported
	 * (through the guest's #DB on emulating hosts, KVM single-step elsewhere).
	 */
	*rate = (kind == B_STEP3 ? b.steps : NR_EVENTS) / (b.t1 - b.t0);
	if (getenv("BENCH_STATS")) {
		int r;
		for (r = 0; r < EXIT_REASON_MAX; r++)
			if (vm.vcpus[0].stats.reason[r])
				fprintf(stderr, "%s %llu\n", exit__reason_name(r),
					(unsigned long long)vm.vcpus[0].stats.reason[r]);
		for (r = 0; r < EXIT_X_MAX; r++)
			if (vm.vcpus[0].stats.extra[r])
				fprintf(stderr, "%s %llu\n", exit__extra_name(r),
					(unsigned long long)vm.vcpus[0].stats.extra[r]);
	}
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const char *const what[B_MAX] = {
		"ring-3 SYSCALL + SYSRET round trip",
		"ring-3 int 0x80 + IRETQ round trip",
		"ring-3 single step (step engine, steps per second)",
	};
	double rate[RUNS];
	int k, i;

	harness_require_kvm();
	for (k = 0; k < B_MAX; k++) {
		for (i = 0; i < RUNS; i++)
			if (one_run(k, &rate[i])) {
				fprintf(stderr, "bench_hostfix: %s failed\n", what[k]);
				return 1;
			}
		bench_median(rate, RUNS);
		printf("| %s, host fixups auto (median of %d runs, %d loop iterations) | %.0f /s | "
		       "%.1f us each | min %.0f, max %.0f |\n",
		       what[k], RUNS, NR_EVENTS, rate[RUNS / 2], 1e6 / rate[RUNS / 2], rate[0],
		       rate[RUNS - 1]);
	}
	return 0;
}
