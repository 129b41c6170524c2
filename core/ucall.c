// SPDX-License-Identifier: GPL-2.0
/*
 * The ucall channel (device.h, abi/ucall.h): a guest passes a struct ucall's address by a
 * write to port PORT_HYPERCALL (in RDI) or to the MMIO page GPA_HYPERCALL_MMIO; vmscope reads
 * the struct through the guest's page tables, gives it to the VM's on_ucall, then acts on it
 * (print, assertion failed, done, sync).  No state.
 */
#include <string.h>
#include <unistd.h>

#include "../abi/layout.h"
#include "../abi/ucall.h"
#include "../lib/err.h"
#include "../trace/trace.h"
#include "device.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

/* Copy the guest's struct ucall at gva, through its page tables when paging is on. */
static int ucall_fetch(struct vcpu *v, uint64_t gva, struct ucall *uc)
{
	struct kvm_sregs s;
	int ret = vcpu__get_sregs(v, &s);

	if (ret)
		return err__set(-ret, "cannot read vCPU %d's special registers", v->id);
	if (s.cr0 & 0x80000000u)
		ret = paging__read_virt(&v->vm->mem, s.cr3, gva, uc, sizeof(*uc));
	else
		ret = mem__read(&v->vm->mem, gva, uc, sizeof(*uc));
	uc->buf[UCALL_BUF_SIZE - 1] = '\0';
	return ret;
}

static void ucall_act(struct vcpu *v, const struct ucall *uc)
{
	struct vm *vm = v->vm;

	switch (uc->cmd) {
	case UCALL_PRINT:
		trace__console(vm->trace, uc->buf, strlen(uc->buf));
		if (vm->opts.console_fd >= 0 &&
		    write(vm->opts.console_fd, uc->buf, strlen(uc->buf)) < 0)
			vm->opts.console_fd = -1;
		break;
	case UCALL_ASSERT:
		vm__request_stop(vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: guest assertion failed: %s", v->id, uc->buf);
		break;
	case UCALL_DONE:
		vm__request_stop(vm, uc->args[0] & 0xff, 0, "guest done (status %llu)",
				 (unsigned long long)uc->args[0]);
		break;
	case UCALL_SYNC:
		break;
	default:
		vm__request_stop(vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: unknown ucall command %llu", v->id,
				 (unsigned long long)uc->cmd);
	}
}

static int ucall_handle(struct vcpu *v, uint64_t gva)
{
	struct ucall uc;
	int ret = ucall_fetch(v, gva, &uc);

	if (ret) {
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: ucall pointer 0x%llx is unusable: %s", v->id,
				 (unsigned long long)gva, err__msg(ret));
		return 0;
	}
	if (v->vm->on_ucall)
		v->vm->on_ucall(v, v->vm->ucall_opaque, &uc);
	ucall_act(v, &uc);
	return 0;
}

static int ucall_pio(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		     uint8_t *data)
{
	struct kvm_regs regs;

	(void)opaque;
	(void)port;
	if (!is_write) {
		memset(data, 0, size);
		return 0;
	}
	if (vcpu__get_regs(v, &regs))
		return 0;
	return ucall_handle(v, regs.rdi);
}

static int ucall_mmio(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
		      uint8_t *data)
{
	uint64_t gva = 0;

	(void)opaque;
	(void)gpa;
	if (!is_write) {
		memset(data, 0, len);
		return 0;
	}
	memcpy(&gva, data, len < 8 ? len : 8);
	return ucall_handle(v, gva);
}

static int ucall_init(struct device *dev)
{
	return device__claim_pio(dev, PORT_HYPERCALL, 4, ucall_pio)
		       ?: device__claim_mmio(dev, GPA_HYPERCALL_MMIO, 0x1000, ucall_mmio);
}

const struct device_ops ucall_device = {
	.name = "ucall",
	.init = ucall_init,
};
