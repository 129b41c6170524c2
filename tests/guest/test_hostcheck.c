// SPDX-License-Identifier: GPL-2.0
/*
 * The host self-test runs its guest to the end and reaches verdicts that agree with the host
 * flavour: on VMX/SVM nothing is broken and no fixup is chosen; elsewhere the fixups follow
 * from what the guest observed.  The per-boot cache returns the same verdicts.
 */
#include "harness.h"
#include "../../core/hostcheck.h"
#include "../../core/hostfix.h"

static int test_selftest(void)
{
	struct hostcheck hc, cached;
	unsigned int fixups;

	TEST_ASSERT(!hostcheck__run(&hc), "%s", err__msg(-1));
	TEST_ASSERT(hc.ran && !hc.error[0], "self-test did not complete: %s", hc.error);
	fixups = hostcheck__fixups(&hc);
	hostcheck__print(stdout, &hc);
	if (hc.flavour == KVM_FLAVOUR_VMX || hc.flavour == KVM_FLAVOUR_SVM) {
		TEST_ASSERT(!hc.syscall_broken && !hc.int_r3_broken && !hc.int_r0_broken &&
				    !hc.step_r3_broken && !hc.refused,
			    "a hardware-virtualised host failed the self-test");
		TEST_ASSERT(fixups == 0, "fixups 0x%x on a VMX/SVM host", fixups);
	}
	TEST_ASSERT(!!(fixups & HOSTFIX_SYSCALL) == hc.syscall_broken ||
			    hc.flavour == KVM_FLAVOUR_VMX || hc.flavour == KVM_FLAVOUR_SVM,
		    "SYSCALL fixup does not follow the verdict");
	TEST_ASSERT(!hostcheck__get(&cached), "%s", err__msg(-1));
	TEST_ASSERT(hostcheck__fixups(&cached) == fixups, "cached fixups 0x%x != 0x%x",
		    hostcheck__fixups(&cached), fixups);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "host_selftest", test_selftest } };

	return harness_main(cases, 1);
}
