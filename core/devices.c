// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../trace/trace.h"
#include "devices.h"
#include "../lib/err.h"
#include "../abi/layout.h"
#include "paging.h"
#include "../abi/ucall.h"
#include "vcpu.h"
#include "vm.h"

#define COM1_IRQ 4

static void uart_out(void *opaque, uint8_t byte)
{
	struct devices *d = opaque;

	d->console_bytes++;
	trace__console(d->vm->trace, &byte, 1);
	if (d->vm->opts.console_fd >= 0 && write(d->vm->opts.console_fd, &byte, 1) < 0)
		d->vm->opts.console_fd = -1; /* the reader went away: keep running, stop writing */
}

static void uart_irq(void *opaque, int level)
{
	struct devices *d = opaque;
	struct kvm_irq_level irq = { .irq = COM1_IRQ, .level = level };

	if (d->vm->has_irqchip)
		ioctl(d->vm->fd, KVM_IRQ_LINE, &irq);
}

static int uart_pio(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		    uint8_t *data)
{
	struct devices *d = opaque;

	(void)v;
	(void)size;
	pthread_mutex_lock(&d->uart_lock);
	if (is_write)
		uart__write(d->uart, port - PORT_COM1, data[0]);
	else
		data[0] = uart__read(d->uart, port - PORT_COM1);
	pthread_mutex_unlock(&d->uart_lock);
	return 0;
}

static int debug_exit_pio(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
			  uint8_t *data)
{
	uint32_t status = 0;

	(void)opaque;
	if (!is_write) {
		memset(data, 0, size);
		return 0;
	}
	memcpy(&status, data, size);
	vm__request_stop(v->vm, status & 0xff, 0, "guest wrote %u to the debug-exit port 0x%x",
			 status, port);
	return 0;
}

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

static int devices__hooks(struct vm *vm, struct devices *d)
{
	int ret;

	ret = hooks__add_pio(&vm->hooks, PORT_COM1, 8, "com1", uart_pio, d);
	if (!ret)
		ret = hooks__add_pio(&vm->hooks, PORT_DEBUG_EXIT, 4, "debug-exit", debug_exit_pio,
				     d);
	if (!ret)
		ret = hooks__add_pio(&vm->hooks, PORT_HYPERCALL, 4, "ucall", ucall_pio, d);
	if (!ret)
		ret = hooks__add_mmio(&vm->hooks, GPA_HYPERCALL_MMIO, 0x1000, "ucall", ucall_mmio,
				      d);
	return ret;
}

int devices__init(struct vm *vm)
{
	struct uart_ops ops = { .out = uart_out, .irq = uart_irq };
	struct devices *d = calloc(1, sizeof(*d));

	if (!d)
		return err__set(ENOMEM, "out of memory creating devices");
	vm->dev = d;
	d->vm = vm;
	ops.opaque = d;
	pthread_mutex_init(&d->uart_lock, NULL);
	d->uart = uart__new(&ops);
	if (!d->uart)
		return err__set(ENOMEM, "out of memory creating the UART");
	return devices__hooks(vm, d);
}

void devices__exit(struct vm *vm)
{
	struct devices *d = vm->dev;

	if (!d)
		return;
	if (d->input_started)
		pthread_join(d->input_thread, NULL);
	uart__free(d->uart);
	pthread_mutex_destroy(&d->uart_lock);
	free(d);
	vm->dev = NULL;
}

/* Feed input bytes to the UART as its FIFO drains; stop with the VM or at end of input. */
static void *devices__input(void *arg)
{
	struct devices *d = arg;
	struct pollfd p = { .fd = d->vm->opts.input_fd, .events = POLLIN };
	uint8_t buf[UART_FIFO_SIZE];
	int len = 0, off = 0, n;

	while (!__atomic_load_n(&d->vm->stopping, __ATOMIC_ACQUIRE)) {
		if (off == len) {
			if (poll(&p, 1, 100) <= 0)
				continue;
			len = read(p.fd, buf, sizeof(buf));
			if (len <= 0)
				break;
			off = 0;
		}
		pthread_mutex_lock(&d->uart_lock);
		n = uart__receive(d->uart, buf + off, len - off);
		pthread_mutex_unlock(&d->uart_lock);
		off += n;
		if (!n)
			usleep(1000); /* FIFO full: the guest has not read it yet */
	}
	return NULL;
}

int devices__start_input(struct vm *vm)
{
	struct devices *d = vm->dev;
	int ret;

	if (vm->opts.input_fd < 0)
		return 0;
	ret = pthread_create(&d->input_thread, NULL, devices__input, d);
	if (ret)
		return err__set(ret, "cannot start the console input thread: %s", strerror(ret));
	d->input_started = 1;
	return 0;
}
