// SPDX-License-Identifier: GPL-2.0
/*
 * The step engine steps ring-0 and ring-3 code one instruction at a time and reports each
 * RIP in order (a straight line, a taken branch, a push and a pop), follows IRETQ into ring 3,
 * a ring-3 ucall (an MMIO write), int 0x80 into its handler and back, and SYSCALL into ring 0,
 * then stops, and the guest goes on unaware.  Stepping starts
 * from a ucall exit, as MIME and RTME start it from an exit.  The VM has the fixups vmscope
 * run would give it on this host: on VMX/SVM none (KVM single-step at every ring, SYSCALL
 * performed by the engine), on emulating hosts ring 3 is stepped through the guest's own #DB
 * handler.  break_at stops at a ring-0 and a ring-3 target, by breakpoint or, where
 * breakpoints do not fire, by stepping there.
 */
#include "harness.h"
#include "../../core/hostfix.h"
#include "../../core/step.h"
#include "../../guests/lib/kern.h"
#include "../../host/host.h"

KERN_DEFINE_ASM

#define NR_LABELS 7

/* A known instruction sequence; the labels are the RIPs the steps must report in order. */
__asm__(".section .text.guest, \"ax\"\n"
	".globl step_seq\n"
	"step_seq:\n"
	"step_l0: mov $1, %rax\n"
	"step_l1: add $2, %rax\n"
	"step_l2: jmp step_l3\n"
	"	ud2\n"
	"step_l3: push %rax\n"
	"step_l4: pop %rcx\n"
	"step_l5: xor %ecx, %ecx\n"
	"step_l6: ret\n"
	".previous\n");
void step_seq(void);
extern char step_l0[], step_l1[], step_l2[], step_l3[], step_l4[], step_l5[], step_l6[];

static uint8_t user_stack[8192] __attribute__((aligned(16)));

static GUEST_CODE uint64_t on_syscall(struct kern_sysframe *f)
{
	(void)f;
	GUEST_DONE();
	return 0;
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	GUEST_ASSERT_EQ(f->vector, 128);
}

extern char step_after_int[];

static GUEST_CODE void user_main(void)
{
	GUEST_SYNC(2, 0, 0); /* the host starts stepping ring 3 here */
	step_seq();
	step_seq();
	__asm__ volatile("int $0x80\n"
			 ".globl step_after_int\n"
			 "step_after_int:"
			 :
			 :
			 : "memory");
	__asm__ volatile("syscall" : : "a"(60) : "rcx", "r11", "memory");
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	kern_syscall_fn = on_syscall;
	kern_trap_fn = on_trap;
	GUEST_SYNC(1, 0, 0); /* the host starts stepping ring 0 here */
	step_seq();
	step_seq();
	kern_enter_user(user_main, (uint64_t)(user_stack + sizeof(user_stack)), 0x2);
}

#define MAX_STEPS 4096

struct step_log {
	int n;
	uint64_t rip[MAX_STEPS];
	int cpl[MAX_STEPS];
};

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct step_log *log = opaque;

	(void)v;
	if (log->n < MAX_STEPS) {
		log->rip[log->n] = si->rip;
		log->cpl[log->n++] = si->cpl;
	}
	return log->n < MAX_STEPS;
}

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	if (uc->cmd == UCALL_SYNC && uc->args[0] == 1 && step__start(v, on_step, opaque))
		vm__request_stop(v->vm, 1, 1, "step__start: %s", err__last());
}

/* Where the labels appear consecutively, in order, at privilege cpl (from index from). */
static int find_sequence(const struct step_log *log, int from, int cpl)
{
	const uint64_t want[NR_LABELS] = {
		(uintptr_t)step_l0, (uintptr_t)step_l1, (uintptr_t)step_l2, (uintptr_t)step_l3,
		(uintptr_t)step_l4, (uintptr_t)step_l5, (uintptr_t)step_l6,
	};
	int i, j;

	for (i = from; i + NR_LABELS <= log->n; i++) {
		for (j = 0; j < NR_LABELS && log->rip[i + j] == want[j] && log->cpl[i + j] == cpl;
		     j++)
			;
		if (j == NR_LABELS)
			return i;
	}
	return -1;
}

static int find_step(const struct step_log *log, uint64_t rip, int cpl)
{
	int i;

	for (i = 0; i < log->n; i++)
		if (log->rip[i] == rip && log->cpl[i] == cpl)
			return i;
	return -1;
}

static int test_step(void)
{
	struct tvm_opts o = { .entry = guest_code };
	static struct step_log log;
	struct vm vm;
	int status, r0, r0b, to_user, r3, r3b, to_int, back, to_kernel;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!host__setup(&vm, HOSTFIX_AUTO), "%s", err__last());
	host__breakpoints(&vm);
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &log;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.n > 0 && log.n < MAX_STEPS, "%d steps", log.n);
	r0 = find_sequence(&log, 0, 0);
	r0b = r0 < 0 ? -1 : find_sequence(&log, r0 + NR_LABELS, 0);
	to_user = find_step(&log, (uintptr_t)user_main, 3);
	r3 = find_sequence(&log, 0, 3);
	r3b = r3 < 0 ? -1 : find_sequence(&log, r3 + NR_LABELS, 3);
	to_int = find_step(&log, (uintptr_t)kern_stub_128, 0);
	back = find_step(&log, (uintptr_t)step_after_int, 3);
	to_kernel = find_step(&log, KERN_SYSCALL_ENTRY, 0);
	TEST_ASSERT(r0 >= 0 && r0b > r0, "ring-0 steps miss the sequence (%d, %d)", r0, r0b);
	TEST_ASSERT(to_user > r0b, "no step into ring 3 at user_main after IRETQ (%d)", to_user);
	TEST_ASSERT(r3 > to_user && r3b > r3, "ring-3 steps miss the sequence (%d, %d)", r3, r3b);
	TEST_ASSERT(to_int > r3b, "no step at the int 0x80 gate after ring 3 (%d)", to_int);
	TEST_ASSERT(back > to_int, "no step back at ring 3 after the int 0x80 handler (%d)", back);
	TEST_ASSERT(to_kernel > back, "no step at the SYSCALL entry after ring 3 (%d)", to_kernel);
	printf("# %d steps: ring-0 sequence at %d, IRETQ to ring 3 at %d, ring-3 sequence at %d, "
	       "int 0x80 gate at %d, back at %d, SYSCALL entry at %d; fixups 0x%x; ring-3 steps "
	       "through the guest's #DB: %llu\n",
	       log.n, r0, to_user, r3, to_int, back, to_kernel, vm.fixups,
	       (unsigned long long)vm.vcpus[0].stats.extra[EXIT_X_FIX_STEP]);
	vm__destroy(&vm);
	return 0;
}

struct bp_log {
	uint64_t target;
	int cpl, hits;
	struct step_info at;
};

static int on_bp(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct bp_log *log = opaque;

	(void)v;
	log->hits++;
	log->at = *si;
	return 0;
}

static void on_ucall_bp(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct bp_log *log = opaque;

	if (uc->cmd == UCALL_SYNC && uc->args[0] == 1 &&
	    step__break_at(v, log->target, log->cpl, on_bp, log))
		vm__request_stop(v->vm, 1, 1, "step__break_at: %s", err__last());
}

/* "Stop when RIP reaches X": armed at ring 0; X is run at ring 0 before it is run at ring 3. */
static int run_break_at(uint64_t target, int cpl)
{
	struct tvm_opts o = { .entry = guest_code };
	struct bp_log log = { .target = target, .cpl = cpl };
	char why[512];
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!host__setup(&vm, HOSTFIX_AUTO), "%s", err__last());
	host__breakpoints(&vm);
	vm.on_ucall = on_ucall_bp;
	vm.ucall_opaque = &log;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.hits == 1, "%d hits", log.hits);
	TEST_ASSERT(log.at.rip == target && log.at.cpl == cpl, "stopped at 0x%llx, ring %d",
		    (unsigned long long)log.at.rip, log.at.cpl);
	if (debug__hw_breakpoints(why, sizeof(why)) != 1)
		printf("# target reached by stepping: %s\n", why);
	vm__destroy(&vm);
	return 0;
}

static int test_break_ring3(void)
{
	return run_break_at((uintptr_t)step_l3, 3);
}

static int test_break_ring0(void)
{
	return run_break_at((uintptr_t)step_l5, 0);
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "step_ring0_and_ring3", test_step },
		{ "break_at_ring3", test_break_ring3 },
		{ "break_at_ring0", test_break_ring0 },
	};

	return harness_main(cases, 3);
}
