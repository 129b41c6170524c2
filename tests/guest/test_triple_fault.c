// SPDX-License-Identifier: GPL-2.0
/*
 * A guest with no IDT takes #UD: the exception cannot be delivered, the CPU shuts down
 * (triple fault) and the VMM reports it with a register dump and a non-zero status.
 */
#include "harness.h"

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	__asm__ volatile("ud2");
	GUEST_DONE(); /* not reached */
}

static int test_triple_fault(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == VM_STATUS_GUEST_FAILURE && vm.failed, "status %d", status);
	TEST_ASSERT(strstr(vm.stop_reason, "triple fault"), "reason: %s", vm.stop_reason);
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_SHUTDOWN) == 1, "SHUTDOWN exits %llu",
		    (unsigned long long)tvm_exits(&vm, KVM_EXIT_SHUTDOWN));
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "triple_fault_reported",
						       test_triple_fault } };

	return harness_main(cases, 1);
}
