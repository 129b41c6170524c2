// SPDX-License-Identifier: GPL-2.0
/* Putting every vCPU at the guest's entry point in the requested mode. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot.h"
#include "../lib/err.h"
#include "../abi/layout.h"
#include "vcpu.h"
#include "vm.h"

#define VCPU_STACK_SIZE 0x4000

static int vm__boot_vcpu(struct vm *vm, struct vcpu *v, const struct boot_params *p)
{
	struct boot_params mine = *p;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	mine.stack = p->stack - (uint64_t)v->id * VCPU_STACK_SIZE;
	ret = vcpu__get_sregs(v, &sregs);
	if (ret)
		return err__set(-ret, "cannot read vCPU %d's reset state", v->id);
	ret = boot__init_sregs(&sregs, &mine);
	if (ret)
		return ret;
	ret = vcpu__set_sregs(v, &sregs);
	if (ret)
		return err__set(-ret, "cannot set vCPU %d's special registers: %s", v->id,
				strerror(-ret));
	boot__init_regs(&regs, &mine);
	regs.rdi = v->id;
	regs.rsi = vm->nr_vcpus;
	ret = vcpu__set_regs(v, &regs);
	if (ret)
		return err__set(-ret, "cannot set vCPU %d's registers", v->id);
	/* With an in-kernel LAPIC, application processors would otherwise wait for a SIPI. */
	if (vm->has_irqchip && ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return err__set(errno, "cannot make vCPU %d runnable: %s", v->id, strerror(errno));
	return 0;
}

int vm__boot(struct vm *vm, const struct boot_params *p)
{
	int i, ret = 0;

	if (p->stack < (uint64_t)vm->nr_vcpus * VCPU_STACK_SIZE)
		return err__set(EINVAL, "stack top 0x%llx leaves no room for %d vCPU stacks",
				(unsigned long long)p->stack, vm->nr_vcpus);
	if (p->build_tables && p->mode != BOOT_REAL)
		ret = boot__build_tables(&vm->mem, p);
	for (i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = vm__boot_vcpu(vm, &vm->vcpus[i], p);
	return ret;
}
