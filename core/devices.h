/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's devices in userspace: COM1 (16550A), the debug-exit port and the ucall channel.
 * The PIC, IOAPIC, PIT and LAPICs are KVM's in-kernel models; their state is saved here too.
 */
#ifndef VMSCOPE_DEVICES_H
#define VMSCOPE_DEVICES_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>

#include "uart.h"

struct vm;

/* State of every device, for checkpoint and migration. */
struct devices_state {
	struct uart_regs uart;
	struct kvm_irqchip pic_master;
	struct kvm_irqchip pic_slave;
	struct kvm_irqchip ioapic;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	int has_irqchip;
};

struct devices {
	struct vm *vm;
	struct uart *uart;
	pthread_mutex_t uart_lock; /* vCPU threads and the input thread */
	pthread_t input_thread;
	int input_started;
	uint64_t console_bytes;
};

/* Register the devices' hooks on vm (called by vm__create). */
int devices__init(struct vm *vm);
void devices__exit(struct vm *vm);

/* Start reading guest serial input from vm->opts.input_fd (after vm__start). */
int devices__start_input(struct vm *vm);

int devices__save(struct vm *vm, struct devices_state *st);
int devices__restore(struct vm *vm, const struct devices_state *st);

#endif
