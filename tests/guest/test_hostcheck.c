// SPDX-License-Identifier: GPL-2.0
/*
 * The host self-test guest runs to the end on every host and tries every instruction CPUID
 * lists: on VMX/SVM, where vmscope never runs it, it checks the self-test itself, which must
 * find nothing broken on a faithful CPU (xgetbv, for one, needs the CR4.OSXSAVE the guest
 * sets, and a #UD resumes after the whole instruction; KVM single-step stops after each
 * iteration of a REP string instruction).  Elsewhere the fixups follow from
 * what the guest observed.  hostcheck__get() runs nothing on VMX/SVM and, elsewhere, gives
 * the same verdicts again (from its per-boot cache where it can keep one).
 */
#include "harness.h"
#include "../../core/hostfix.h"
#include "../../host/host.h"
#include "../../abi/hostcheck.h"

#define HC_ALL_INSNS (((1u << HC_I_MAX) - 1) & ~(1u << HC_I_NONE))

static int hw_virt(enum kvm_flavour f)
{
	return f == KVM_FLAVOUR_VMX || f == KVM_FLAVOUR_SVM;
}

static int test_selftest(void)
{
	struct hostcheck hc;
	unsigned int fixups;

	TEST_ASSERT(!hostcheck__run(&hc), "%s", err__last());
	TEST_ASSERT(hc.ran && !hc.error[0], "self-test did not complete: %s", hc.error);
	fixups = hostcheck__fixups(&hc);
	hostcheck__print(stdout, &hc);
	TEST_ASSERT((hc.probed | hc.absent) == HC_ALL_INSNS && !(hc.probed & hc.absent),
		    "instructions tried 0x%x, not in CPUID 0x%x: some were neither", hc.probed,
		    hc.absent);
	if (hw_virt(hc.flavour)) {
		TEST_ASSERT(!hc.syscall_broken && !hc.int_r3_broken && !hc.int_r0_broken &&
				    !hc.step_r3_broken && !hc.step_rep_broken &&
				    !hc.step_late_broken && !hc.refused && !hc.faulted,
			    "a hardware-virtualised host failed the self-test");
		/* QEMU's TCG arms no breakpoint KVM sets for its guest, at any ring (debug.h). */
		TEST_ASSERT(!hc.bp_r3_broken || hostcpu__is_tcg(),
			    "a ring-3 hardware breakpoint did not fire on a VMX/SVM host");
		TEST_ASSERT(fixups == 0, "fixups 0x%x on a VMX/SVM host", fixups);
	}
	TEST_ASSERT(!!(fixups & HOSTFIX_SYSCALL) == hc.syscall_broken || hw_virt(hc.flavour),
		    "SYSCALL fixup does not follow the verdict");
	TEST_ASSERT(!!(fixups & HOSTFIX_STEP0) == (hc.step_rep_broken || hc.step_late_broken) ||
			    hw_virt(hc.flavour),
		    "step-ring0 fixup does not follow the verdict");
	return 0;
}

static int test_get(void)
{
	struct hostcheck first, again;

	TEST_ASSERT(!hostcheck__get(&first), "%s", err__last());
	if (hw_virt(first.flavour)) {
		TEST_ASSERT(!first.ran && !first.cached && hostcheck__fixups(&first) == 0,
			    "hostcheck__get ran the self-test on a VMX/SVM host");
		return 0;
	}
	TEST_ASSERT(!hostcheck__get(&again), "%s", err__last());
	TEST_ASSERT(hostcheck__fixups(&again) == hostcheck__fixups(&first),
		    "cached fixups 0x%x != 0x%x", hostcheck__fixups(&again),
		    hostcheck__fixups(&first));
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "host_selftest", test_selftest },
		{ "get_runs_only_where_needed", test_get },
	};

	return harness_main(cases, 2);
}
