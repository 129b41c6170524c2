/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's devices: vmscope's own (device.h: COM1's 16550A, the debug-exit port, the ucall
 * channel; the list is in devices.c) and KVM's in-kernel PIC, IOAPIC, PIT and clock, whose
 * state is saved and restored here too.
 */
#ifndef VMSCOPE_DEVICES_H
#define VMSCOPE_DEVICES_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

struct vm;

/* The state of KVM's in-kernel devices, for checkpoint and migration. */
struct devices_state {
	struct kvm_irqchip pic_master;
	struct kvm_irqchip pic_slave;
	struct kvm_irqchip ioapic;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	int has_irqchip;
};

#define DEVICES_MAX 8

struct devices {
	struct device dev[DEVICES_MAX];
	int nr;
	uint64_t console_bytes; /* the guest's console output so far (the console's device) */
};

/* Make every device of the list on vm (vm__create); unmake them (vm__destroy). */
int devices__init(struct vm *vm);
void devices__exit(struct vm *vm);

/* The VM starts running: the devices' own threads (console input). */
int devices__start(struct vm *vm);

/* KVM's in-kernel devices' state, and back (the vCPUs paused). */
int devices__save(struct vm *vm, struct devices_state *st);
int devices__restore(struct vm *vm, const struct devices_state *st);

/*
 * vmscope's devices' states: fn(opaque, kind, state, size) for each device that has one
 * (the checkpoint's "devices" records).  0 or fn's first non-zero value.
 */
typedef int (*device_state_fn)(void *opaque, uint32_t kind, const void *state, size_t size);
int devices__save_each(struct vm *vm, device_state_fn fn, void *opaque);

/* The state of the device whose record kind is kind: 0, or -EINVAL naming what is wrong. */
int devices__restore_one(struct vm *vm, uint32_t kind, const void *state, size_t size);

/* The name of the device whose record kind is kind ("?" if none): `vmscope inspect`. */
const char *devices__record_name(uint32_t kind);

#endif
