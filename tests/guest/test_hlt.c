// SPDX-License-Identifier: GPL-2.0
/* HLT without an in-kernel irqchip exits to the VMM; the vCPU ends and the run with it. */
#include "harness.h"

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	__asm__ volatile("cli; hlt");
	GUEST_ASSERT(0); /* not reached: the VMM ends a halted vCPU */
}

static int test_hlt(void)
{
	struct tvm_opts o = { .entry = guest_code, .no_irqchip = 1 };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0 && !vm.failed, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(strstr(vm.stop_reason, "halted"), "reason: %s", vm.stop_reason);
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_HLT) == 1, "HLT exits %llu",
		    (unsigned long long)tvm_exits(&vm, KVM_EXIT_HLT));
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "hlt_exit", test_hlt } };

	return harness_main(cases, 1);
}
