// SPDX-License-Identifier: GPL-2.0
/* What a device gets from the VM (device.h): its resources through the hooks, its IRQ line. */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "../lib/err.h"
#include "device.h"
#include "vm.h"

int device__claim_pio(struct device *dev, uint16_t port, uint16_t len, pio_hook_fn fn)
{
	return hooks__add_pio(&dev->vm->hooks, port, len, dev->ops->name, fn, dev);
}

int device__claim_mmio(struct device *dev, uint64_t gpa, uint64_t len, mmio_hook_fn fn)
{
	return hooks__add_mmio(&dev->vm->hooks, gpa, len, dev->ops->name, fn, dev);
}

int device__claim_irq(struct device *dev, int irq)
{
	if (irq < 0 || irq >= 24)
		return err__set(EINVAL, "device %s: IRQ %d is not a line of the IOAPIC (0-23)",
				dev->ops->name, irq);
	dev->irq = irq;
	return 0;
}

void device__set_irq(struct device *dev, int level)
{
	struct kvm_irq_level irq = { .irq = dev->irq, .level = level };

	if (dev->irq >= 0 && dev->vm->has_irqchip)
		ioctl(dev->vm->fd, KVM_IRQ_LINE, &irq);
}
