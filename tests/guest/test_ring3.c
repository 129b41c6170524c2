// SPDX-License-Identifier: GPL-2.0
/*
 * A guest started in long mode at ring 3: it runs on user pages with user segments, cannot
 * use port I/O, and talks to the VMM through the MMIO ucall channel.
 */
#include "harness.h"

static volatile uint64_t counter;

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint64_t i;

	GUEST_ASSERT_EQ(guest_ring(), 3);
	for (i = 0; i < 1000000; i++)
		counter++;
	GUEST_SYNC(1, counter, id + nr);
	GUEST_DONE();
}

struct sync_log {
	int syncs;
	uint64_t counter, idnr;
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct sync_log *log = opaque;

	(void)v;
	if (uc->cmd != UCALL_SYNC)
		return;
	log->syncs++;
	log->counter = uc->args[1];
	log->idnr = uc->args[2];
}

static int test_ring3(void)
{
	struct tvm_opts o = { .entry = guest_code, .ring = 3 };
	struct sync_log log = { 0 };
	struct kvm_sregs s;
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!vcpu__get_sregs(&vm.vcpus[0], &s), "sregs");
	TEST_ASSERT(s.cs.dpl == 3 && (s.cs.selector & 3) == 3 && s.cs.l == 1, "cs %x dpl %d",
		    s.cs.selector, s.cs.dpl);
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &log;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.syncs == 1 && log.counter == 1000000 && log.idnr == 1,
		    "syncs %d counter %llu", log.syncs, (unsigned long long)log.counter);
	/* Ring 3 has no port I/O: both ucalls were MMIO exits. */
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_MMIO) == 2 && tvm_exits(&vm, KVM_EXIT_IO) == 0,
		    "MMIO %llu IO %llu", (unsigned long long)tvm_exits(&vm, KVM_EXIT_MMIO),
		    (unsigned long long)tvm_exits(&vm, KVM_EXIT_IO));
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "long_mode_ring3", test_ring3 } };

	return harness_main(cases, 1);
}
