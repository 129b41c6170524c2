// SPDX-License-Identifier: GPL-2.0
/*
 * Debug exits through KVM_SET_GUEST_DEBUG: single-stepping ring-0 code exits once per
 * instruction with a RIP that moves forward, and a hardware execute breakpoint stops at the
 * first instruction of a chosen function.  Both arrive at a debug hook.  The breakpoint case
 * is skipped, with the probe's reason, only where the probe found that breakpoints do not
 * fire and the host's CPU is QEMU's TCG emulator, whose VMRUN does not arm them (host/host.h);
 * on any other host it runs and must pass.
 */
#include "../../host/host.h"
#include "harness.h"

#define NR_STEPS 20

static GUEST_CODE __attribute__((noinline)) uint64_t bp_target(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x * 3 + 1;
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint64_t v = id + nr;

	v = bp_target(v);
	GUEST_ASSERT_EQ(v, 4);
	GUEST_DONE();
}

struct dbg_log {
	int steps, bp_hits;
	uint64_t rips[NR_STEPS];
	uint64_t bp_rip;
	int mode; /* 0: single-step, 1: breakpoint */
};

static int debug_hook(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct dbg_log *log = opaque;
	struct kvm_regs regs;

	vcpu__get_regs(v, &regs);
	if (log->mode == 1) {
		log->bp_hits++;
		log->bp_rip = regs.rip;
		vcpu__set_debug(v, 0, NULL, 0); /* the breakpoint would fire again on resume */
		return 1;
	}
	if (!(run->debug.arch.dr6 & (1 << 14)) && run->debug.arch.exception != 1)
		return 0;
	if (log->steps < NR_STEPS)
		log->rips[log->steps] = regs.rip;
	if (++log->steps == NR_STEPS)
		vcpu__set_debug(v, 0, NULL, 0);
	return 1;
}

static int run_debug(struct dbg_log *log, uint32_t flags, uint64_t bp)
{
	struct tvm_opts o = { .entry = guest_code };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!hooks__add_debug(&vm.hooks, "test", debug_hook, log), "add hook");
	TEST_ASSERT(!vcpu__set_debug(&vm.vcpus[0], flags, &bp, 1), "%s", err__last());
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_DEBUG) == (uint64_t)(log->steps + log->bp_hits),
		    "debug exits %llu", (unsigned long long)tvm_exits(&vm, KVM_EXIT_DEBUG));
	vm__destroy(&vm);
	return 0;
}

static int test_single_step(void)
{
	struct dbg_log log = { .mode = 0 };
	int i, distinct = 0;

	if (run_debug(&log, KVM_GUESTDBG_SINGLESTEP, 0))
		return -1;
	TEST_ASSERT(log.steps == NR_STEPS, "steps %d", log.steps);
	for (i = 1; i < NR_STEPS; i++)
		distinct += log.rips[i] != log.rips[i - 1];
	TEST_ASSERT(distinct == NR_STEPS - 1, "RIP did not move at every step (%d)", distinct);
	TEST_ASSERT(log.rips[0] >= (uint64_t)(uintptr_t)harness_trampoline &&
			    log.rips[0] < (uint64_t)(uintptr_t)harness_trampoline + 16,
		    "first step at 0x%llx", (unsigned long long)log.rips[0]);
	return 0;
}

static int test_hw_breakpoint(void)
{
	struct dbg_log log = { .mode = 1 };

	if (run_debug(&log, KVM_GUESTDBG_USE_HW_BP, (uint64_t)(uintptr_t)bp_target))
		return -1;
	TEST_ASSERT(log.bp_hits == 1, "breakpoint hits %d", log.bp_hits);
	TEST_ASSERT(log.bp_rip == (uint64_t)(uintptr_t)bp_target, "stopped at 0x%llx",
		    (unsigned long long)log.bp_rip);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "single_step_ring0", test_single_step },
		{ "hw_breakpoint_ring0", test_hw_breakpoint },
	};
	char why[512];
	int ret;

	harness_require_kvm();
	if (debug__hw_breakpoints(why, sizeof(why)) != 0 || !hostcpu__is_tcg())
		return harness_main(cases, 2);
	ret = harness_main(cases, 1);
	printf("SKIP: hw_breakpoint_ring0: %s\n", why);
	return ret ? ret : KSFT_SKIP;
}
