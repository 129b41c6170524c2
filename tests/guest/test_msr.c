// SPDX-License-Identifier: GPL-2.0
/*
 * MSR hooks: the VMM filters exactly the hooked MSRs; guest RDMSR/WRMSR of them reach the
 * hook (KVM_EXIT_X86_RDMSR/WRMSR), a hook error becomes #GP, other MSRs stay with KVM.  And
 * the VMM's own MSR accessors (vcpu__get_msr and friends) on what the guest left.
 */
#include "harness.h"

#define MSR_TEST 0x4b564d7f /* in KVM's paravirtual range, unused by KVM */
#define MSR_LSTAR 0xc0000082
#define MSR_KERNEL_GS_BASE 0xc0000102

GUEST_INLINE void wrmsr(uint32_t idx, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

GUEST_INLINE uint64_t rdmsr(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	wrmsr(MSR_TEST, 0x1234567890abcdefull);
	GUEST_ASSERT_EQ(rdmsr(MSR_TEST), 0x1234567890abcdefull ^ 0xffff);
	wrmsr(MSR_LSTAR, 0xffffffff81000000ull);
	wrmsr(MSR_KERNEL_GS_BASE, 7); /* not hooked: handled by KVM, no exit */
	GUEST_ASSERT_EQ(rdmsr(MSR_KERNEL_GS_BASE), 7);
	GUEST_DONE();
}

struct msr_log {
	uint64_t test_val, lstar;
	int reads, writes;
};

static int msr_hook(struct vcpu *v, void *opaque, uint32_t index, int is_write, uint64_t *data)
{
	struct msr_log *log = opaque;

	(void)v;
	if (is_write) {
		log->writes++;
		if (index == MSR_LSTAR)
			log->lstar = *data;
		else
			log->test_val = *data;
		return 0;
	}
	log->reads++;
	*data = log->test_val ^ 0xffff;
	return 0;
}

/* The test guest's VM; skips where KVM cannot send MSR accesses to userspace. */
static int msr_vm(struct vm *vm)
{
	struct tvm_opts o = { .entry = guest_code };

	if (tvm_create(vm, &o))
		return -1;
	if (!vm->has_user_msr) {
		printf("SKIP: KVM lacks KVM_CAP_X86_USER_SPACE_MSR\n");
		vm__destroy(vm);
		exit(KSFT_SKIP);
	}
	return 0;
}

static int test_msr(void)
{
	struct msr_log log = { 0 };
	struct vm vm;
	int status;

	if (msr_vm(&vm))
		return -1;
	TEST_ASSERT(!hooks__add_msr(&vm.hooks, MSR_TEST, "test", msr_hook, &log), "add");
	TEST_ASSERT(!hooks__add_msr(&vm.hooks, MSR_LSTAR, "lstar", msr_hook, &log), "add");
	TEST_ASSERT(hooks__add_msr(&vm.hooks, MSR_LSTAR, "again", msr_hook, &log) == -EEXIST,
		    "duplicate MSR hook accepted");
	TEST_ASSERT(!vm__apply_msr_filter(&vm), "%s", err__last());
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.writes == 2 && log.reads == 1, "writes %d reads %d", log.writes, log.reads);
	TEST_ASSERT(log.test_val == 0x1234567890abcdefull, "value %llx",
		    (unsigned long long)log.test_val);
	TEST_ASSERT(log.lstar == 0xffffffff81000000ull, "LSTAR %llx",
		    (unsigned long long)log.lstar);
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_X86_WRMSR) == 2 &&
			    tvm_exits(&vm, KVM_EXIT_X86_RDMSR) == 1,
		    "MSR exits");
	vm__destroy(&vm);
	return 0;
}

/* What the guest wrote, read by the VMM; a write read back; an MSR KVM does not have. */
static int test_accessors(void)
{
	static const uint32_t two[2] = { MSR_KERNEL_GS_BASE, MSR_LSTAR };
	struct msr_log log = { 0 };
	uint64_t val[2] = { 0 }, x = 0;
	struct vcpu *v;
	struct vm vm;
	int ret;

	if (msr_vm(&vm))
		return -1;
	TEST_ASSERT(!hooks__add_msr(&vm.hooks, MSR_TEST, "test", msr_hook, &log) &&
			    !vm__apply_msr_filter(&vm),
		    "%s", err__last());
	ret = tvm_run(&vm, 60);
	TEST_ASSERT(ret == 0, "status %d: %s", ret, vm.stop_reason);
	v = &vm.vcpus[0];
	TEST_ASSERT(!vcpu__get_msrs(v, two, val, 2), "%s", err__last());
	TEST_ASSERT(val[0] == 7 && val[1] == 0xffffffff81000000ull, "read %llx %llx",
		    (unsigned long long)val[0], (unsigned long long)val[1]);
	TEST_ASSERT(!vcpu__set_msr(v, MSR_KERNEL_GS_BASE, 0xffff888000001000ull) &&
			    !vcpu__get_msr(v, MSR_KERNEL_GS_BASE, &x),
		    "%s", err__last());
	TEST_ASSERT(x == 0xffff888000001000ull, "read back %llx", (unsigned long long)x);
	ret = vcpu__get_msr(v, MSR_TEST, &x);
	TEST_ASSERT(ret == -ENOENT && strstr(err__msg(ret), "MSR 0x4b564d7f"),
		    "an MSR KVM does not have: %d (%s)", ret, err__msg(ret));
	TEST_ASSERT(vcpu__get_msrs(v, two, val, VCPU_MSRS_MAX + 1) == -EINVAL, "too many MSRs");
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "msr_filter_hooks", test_msr },
						     { "vcpu_msr_accessors", test_accessors } };

	return harness_main(cases, 2);
}
