/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device model (docs/devices.md).  A device is one file that defines its ops: it makes
 * its state and claims its ports, MMIO ranges and interrupt line in init, starts threads of
 * its own in start, gives and takes its state for a checkpoint or a migration in save and
 * restore, and undoes it all in exit.  core/devices.c only lists the devices a VM has; the
 * checkpoint keeps each device's state as a record of its "devices" section, under the
 * device's ckpt_kind, and `vmscope inspect` names it by the device's name.
 */
#ifndef VMSCOPE_DEVICE_H
#define VMSCOPE_DEVICE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hooks.h"

struct vm;
struct device;

struct device_ops {
	const char *name; /* "com1": messages, hook names, the checkpoint record's name */
	/* Its state's record kind in the checkpoint (never reused); 0: the device has none. */
	uint32_t ckpt_kind;
	size_t state_size; /* the bytes save writes and restore reads */
	/* Make dev->priv and claim the device's resources (device__claim_*).  0 or -errno. */
	int (*init)(struct device *dev);
	/* The VM starts running: threads of the device's own (console input).  NULL: none. */
	int (*start)(struct device *dev);
	/* Stop its threads and free dev->priv (the VM is stopped; also after a failed init). */
	void (*exit)(struct device *dev);
	/* Its state into state (state_size bytes), with dev->lock held and the vCPUs paused. */
	void (*save)(struct device *dev, void *state);
	/* ... and back: 0, or -EINVAL with a message when the state is not one it can take. */
	int (*restore)(struct device *dev, const void *state);
};

struct device {
	const struct device_ops *ops;
	struct vm *vm;
	void *priv;
	/* Serialises the device's handlers (vCPU threads) with its threads, save and restore. */
	pthread_mutex_t lock;
	int irq; /* its interrupt line (device__claim_irq); -1: none */
};

/* Ports [port, port + len): fn is called on the vCPU's thread with opaque = dev. */
int device__claim_pio(struct device *dev, uint16_t port, uint16_t len, pio_hook_fn fn);
/* Guest-physical MMIO [gpa, gpa + len), likewise. */
int device__claim_mmio(struct device *dev, uint64_t gpa, uint64_t len, mmio_hook_fn fn);
/* Its interrupt line on the in-kernel PIC and IOAPIC (GSI irq). */
int device__claim_irq(struct device *dev, int irq);
/* Raise (1) or lower (0) its line; nothing without an in-kernel irqchip. */
void device__set_irq(struct device *dev, int level);

#endif
