/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A UART (8250 family) on COM1: transmit to a file descriptor, receive from an input
 * queue that the VMM fills from stdin, interrupts on IRQ 4 through the in-kernel irqchip.  The
 * register model is separate from the I/O plumbing so it is unit-tested alone.
 */
#ifndef VMSCOPE_UART_H
#define VMSCOPE_UART_H

#include <pthread.h>
#include <stdint.h>

#define UART_FIFO_SIZE 64

/* Register state: what is saved and restored. */
struct uart_regs {
	uint8_t ier, iir, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
	uint8_t thr_ipending; /* THR-empty interrupt pending */
	uint8_t rx_len, rx_head;
	uint8_t rx[UART_FIFO_SIZE];
};

struct uart;

/* out(opaque, byte) sends a transmitted byte; irq(opaque, level) sets the interrupt line. */
struct uart_ops {
	void (*out)(void *opaque, uint8_t byte);
	void (*irq)(void *opaque, int level);
	void *opaque;
};

struct uart *uart__new(const struct uart_ops *ops);
void uart__free(struct uart *u);

/* Register access at offset 0..7 from the base port. */
uint8_t uart__read(struct uart *u, int offset);
void uart__write(struct uart *u, int offset, uint8_t value);

/* Queue received bytes; returns how many fit (the rest stays with the caller). */
int uart__receive(struct uart *u, const uint8_t *buf, int len);

/* Saved state is struct uart_regs, versioned by the caller's section tag. */
void uart__save(struct uart *u, struct uart_regs *out);
int uart__restore(struct uart *u, const struct uart_regs *in);

#endif
