// SPDX-License-Identifier: GPL-2.0
/*
 * The list of the VM's devices (device.h), made and unmade with the VM, started with its
 * run, and walked for a checkpoint.  A new device is a file of its own and a name in the
 * two lines below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "devices.h"
#include "vm.h"

extern const struct device_ops uart16550_device, debug_exit_device, ucall_device;

/* Every device of a VM, made in this order and unmade in the reverse. */
static const struct device_ops *const device_list[] = {
	&uart16550_device,
	&debug_exit_device,
	&ucall_device,
};

#define NR_DEVICES (sizeof(device_list) / sizeof(device_list[0]))
_Static_assert(NR_DEVICES <= DEVICES_MAX, "raise DEVICES_MAX");

int devices__init(struct vm *vm)
{
	struct devices *d = calloc(1, sizeof(*d));
	size_t i;
	int ret = 0;

	if (!d)
		return err__set(ENOMEM, "out of memory creating devices");
	vm->dev = d;
	for (i = 0; !ret && i < NR_DEVICES; i++) {
		struct device *dev = &d->dev[d->nr++];

		*dev = (struct device){ .ops = device_list[i], .vm = vm, .irq = -1 };
		pthread_mutex_init(&dev->lock, NULL);
		ret = dev->ops->init(dev);
		if (ret)
			ret = err__wrap(ret, "device %s", dev->ops->name);
	}
	return ret; /* on failure vm__destroy unmakes what was made */
}

void devices__exit(struct vm *vm)
{
	struct devices *d = vm->dev;

	if (!d)
		return;
	while (d->nr) {
		struct device *dev = &d->dev[--d->nr];

		if (dev->ops->exit)
			dev->ops->exit(dev);
		pthread_mutex_destroy(&dev->lock);
	}
	free(d);
	vm->dev = NULL;
}

int devices__start(struct vm *vm)
{
	int i, ret = 0;

	for (i = 0; !ret && i < vm->dev->nr; i++)
		if (vm->dev->dev[i].ops->start)
			ret = vm->dev->dev[i].ops->start(&vm->dev->dev[i]);
	return ret;
}

int devices__save_each(struct vm *vm, device_state_fn fn, void *opaque)
{
	int i, ret = 0;

	for (i = 0; !ret && i < vm->dev->nr; i++) {
		struct device *dev = &vm->dev->dev[i];
		void *st;

		if (!dev->ops->ckpt_kind)
			continue;
		st = calloc(1, dev->ops->state_size);
		if (!st)
			return err__set(ENOMEM, "out of memory saving device %s", dev->ops->name);
		pthread_mutex_lock(&dev->lock);
		dev->ops->save(dev, st);
		pthread_mutex_unlock(&dev->lock);
		ret = fn(opaque, dev->ops->ckpt_kind, st, dev->ops->state_size);
		free(st);
	}
	return ret;
}

static struct device *device_of_kind(struct vm *vm, uint32_t kind)
{
	int i;

	for (i = 0; i < vm->dev->nr; i++)
		if (kind && vm->dev->dev[i].ops->ckpt_kind == kind)
			return &vm->dev->dev[i];
	return NULL;
}

int devices__restore_one(struct vm *vm, uint32_t kind, const void *state, size_t size)
{
	struct device *dev = device_of_kind(vm, kind);
	int ret;

	if (!dev)
		return err__set(EINVAL,
				"a device record of kind %u, which no device of this "
				"vmscope has",
				kind);
	if (size != dev->ops->state_size)
		return err__set(EINVAL,
				"device %s: %zu bytes of state where this vmscope's "
				"takes %zu",
				dev->ops->name, size, dev->ops->state_size);
	pthread_mutex_lock(&dev->lock);
	ret = dev->ops->restore(dev, state);
	pthread_mutex_unlock(&dev->lock);
	return ret ? err__wrap(ret, "device %s", dev->ops->name) : 0;
}

const char *devices__record_name(uint32_t kind)
{
	size_t i;

	for (i = 0; i < NR_DEVICES; i++)
		if (kind && device_list[i]->ckpt_kind == kind)
			return device_list[i]->name;
	return "?";
}
