// SPDX-License-Identifier: GPL-2.0
/* Saving and restoring the state of KVM's in-kernel PIC, IOAPIC, PIT and clock. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "devices.h"
#include "../lib/err.h"
#include "vm.h"

static int irqchip__io(struct vm *vm, struct kvm_irqchip *chip, int id, int set)
{
	chip->chip_id = id;
	if (ioctl(vm->fd, set ? KVM_SET_IRQCHIP : KVM_GET_IRQCHIP, chip) < 0)
		return err__set(errno, "cannot %s in-kernel irqchip %d: %s", set ? "set" : "read",
				id, strerror(errno));
	return 0;
}

static int kernel_devices__io(struct vm *vm, struct devices_state *st, int set)
{
	int ret;

	ret = irqchip__io(vm, &st->pic_master, KVM_IRQCHIP_PIC_MASTER, set);
	if (!ret)
		ret = irqchip__io(vm, &st->pic_slave, KVM_IRQCHIP_PIC_SLAVE, set);
	if (!ret)
		ret = irqchip__io(vm, &st->ioapic, KVM_IRQCHIP_IOAPIC, set);
	if (!ret && ioctl(vm->fd, set ? KVM_SET_PIT2 : KVM_GET_PIT2, &st->pit) < 0)
		ret = err__set(errno, "cannot %s the in-kernel PIT: %s", set ? "set" : "read",
			       strerror(errno));
	return ret;
}

int devices__save(struct vm *vm, struct devices_state *st)
{
	int ret = 0;

	memset(st, 0, sizeof(*st));
	st->has_irqchip = vm->has_irqchip;
	if (vm->has_irqchip)
		ret = kernel_devices__io(vm, st, 0);
	if (!ret && ioctl(vm->fd, KVM_GET_CLOCK, &st->clock) < 0)
		ret = err__set(errno, "cannot read the guest clock: %s", strerror(errno));
	return ret;
}

int devices__restore(struct vm *vm, const struct devices_state *st)
{
	struct devices_state w = *st; /* the KVM_SET ioctls take non-const pointers */
	int ret;

	if (st->has_irqchip != vm->has_irqchip)
		return err__set(EINVAL, "saved devices %s an in-kernel irqchip, this VM %s",
				st->has_irqchip ? "have" : "lack",
				vm->has_irqchip ? "has one" : "does not");
	ret = vm->has_irqchip ? kernel_devices__io(vm, &w, 1) : 0;
	w.clock.flags = 0; /* only the clock value is restored */
	if (!ret && ioctl(vm->fd, KVM_SET_CLOCK, &w.clock) < 0)
		ret = err__set(errno, "cannot set the guest clock: %s", strerror(errno));
	return ret;
}
