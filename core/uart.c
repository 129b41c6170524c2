// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A UART: its register model, then COM1, the device of the VM built on it (at the
 * end: docs/devices.md takes it as the worked example).  Transmission is immediate (the byte reaches ops->out during the THR
 * write), so THR and the transmitter are always empty: LSR.THRE and LSR.TEMT stay set and only
 * the THR-empty interrupt edge is state.  The receive FIFO is a ring in struct uart_regs so that
 * save/restore is a plain copy.
 *
 * Locking: the vCPU thread reads and writes registers while the input thread queues bytes, so
 * every entry point takes u->lock.  ops->out and ops->irq run under it, which keeps interrupt
 * level changes in the order the state changed; they must not call back into the UART.
 */
#include <errno.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../abi/layout.h"
#include "../lib/err.h"
#include "../trace/trace.h"
#include "devices.h"
#include "uart.h"
#include "vm.h"

#define UART_IER_MASK 0x0f
#define UART_MCR_MASK 0x1f
#define UART_FCR_MASK (UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_MASK)
#define UART_IIR_FIFO_BITS 0xc0 /* IIR[7:6] read 11 while FIFOs are enabled */
#define UART_MSR_STATUS (UART_MSR_DCD | UART_MSR_RI | UART_MSR_DSR | UART_MSR_CTS)

/* PC firmware programs divisor 12 (9600 baud); the chip itself leaves it undefined. */
#define UART_RESET_DIVISOR 12

struct uart {
	pthread_mutex_t lock;
	struct uart_ops ops;
	struct uart_regs r;
	int irq_level; /* last level passed to ops->irq */
};

static bool uart_dlab(const struct uart_regs *r)
{
	return r->lcr & UART_LCR_DLAB;
}

static bool uart_loopback(const struct uart_regs *r)
{
	return r->mcr & UART_MCR_LOOP;
}

/* The interrupt the 16550A would report, highest priority first. */
static uint8_t uart_pending_iid(const struct uart_regs *r)
{
	if ((r->ier & UART_IER_RLSI) && (r->lsr & UART_LSR_BRK_ERROR_BITS))
		return UART_IIR_RLSI;
	/*
	 * No receive trigger level or character timeout is modelled: data is reported as soon
	 * as it arrives, which is what the timeout would do for an idle line anyway.
	 */
	if ((r->ier & UART_IER_RDI) && r->rx_len)
		return UART_IIR_RDI;
	if ((r->ier & UART_IER_THRI) && r->thr_ipending)
		return UART_IIR_THRI;
	if ((r->ier & UART_IER_MSI) && (r->msr & UART_MSR_ANY_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/*
 * On a PC the chip's INTR output reaches the PIC through a buffer enabled by the OUT2 pin.  In
 * loopback mode the chip forces its OUT2 pin inactive (OUT2 is routed to DCD instead), so the
 * line stays low there too even though IIR still reports the interrupt.
 */
static int uart_irq_level(const struct uart_regs *r)
{
	if (!(r->mcr & UART_MCR_OUT2) || uart_loopback(r))
		return 0;
	return r->iir != UART_IIR_NO_INT;
}

/* Recompute derived registers and the interrupt line; tell ops->irq only about changes. */
static void uart_update(struct uart *u)
{
	struct uart_regs *r = &u->r;
	int level;

	r->lsr = (r->lsr & UART_LSR_BRK_ERROR_BITS) | UART_LSR_THRE | UART_LSR_TEMT;
	if (r->rx_len)
		r->lsr |= UART_LSR_DR;
	r->iir = uart_pending_iid(r);

	level = uart_irq_level(r);
	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->ops.irq)
		u->ops.irq(u->ops.opaque, level);
}

/* Modem inputs: the 8250 loopback wiring of MCR, or a modem that is always ready. */
static uint8_t uart_modem_inputs(const struct uart_regs *r)
{
	uint8_t m = r->mcr, s = 0;

	if (!uart_loopback(r))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	if (m & UART_MCR_DTR)
		s |= UART_MSR_DSR;
	if (m & UART_MCR_RTS)
		s |= UART_MSR_CTS;
	if (m & UART_MCR_OUT1)
		s |= UART_MSR_RI;
	if (m & UART_MCR_OUT2)
		s |= UART_MSR_DCD;
	return s;
}

/* Latch the delta bits as the chip does: any change of CTS/DSR/DCD, only the falling edge of RI. */
static void uart_update_msr(struct uart_regs *r)
{
	uint8_t old = r->msr & UART_MSR_STATUS, now = uart_modem_inputs(r);
	uint8_t delta = r->msr & UART_MSR_ANY_DELTA;

	delta |= ((old ^ now) & (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)) >> 4;
	delta |= (old & ~now & UART_MSR_RI) >> 4;
	r->msr = now | delta;
}

static bool uart_rx_push(struct uart_regs *r, uint8_t byte)
{
	if (r->rx_len >= UART_FIFO_SIZE)
		return false;
	r->rx[(r->rx_head + r->rx_len) % UART_FIFO_SIZE] = byte;
	r->rx_len++;
	return true;
}

/* An empty RBR reads 0: the real holding register would repeat stale data. */
static uint8_t uart_rx_pop(struct uart_regs *r)
{
	uint8_t byte;

	if (!r->rx_len)
		return 0;
	byte = r->rx[r->rx_head];
	r->rx_head = (r->rx_head + 1) % UART_FIFO_SIZE;
	r->rx_len--;
	return byte;
}

static void uart_rx_clear(struct uart_regs *r)
{
	r->rx_len = 0;
	r->rx_head = 0;
}

static void uart_reset(struct uart_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->iir = UART_IIR_NO_INT;
	r->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	r->msr = uart_modem_inputs(r);
	r->dll = UART_RESET_DIVISOR;
}

struct uart *uart__new(const struct uart_ops *ops)
{
	struct uart *u;

	if (!ops || !ops->out) {
		err__set(EINVAL, "cannot create the UART: no output callback was given");
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		err__set(ENOMEM, "cannot create the UART: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&u->lock, NULL);
	u->ops = *ops;
	uart_reset(&u->r);
	return u;
}

void uart__free(struct uart *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* Reading IIR acknowledges a THR-empty interrupt, and only when IIR reports it. */
static uint8_t uart_read_iir(struct uart_regs *r)
{
	uint8_t iir = r->iir;

	if (iir == UART_IIR_THRI)
		r->thr_ipending = 0;
	if (r->fcr & UART_FCR_ENABLE_FIFO)
		iir |= UART_IIR_FIFO_BITS;
	return iir;
}

/* Reading LSR or MSR clears the error bits or the delta bits it returned. */
static uint8_t uart_read_clear(uint8_t *reg, uint8_t clear)
{
	uint8_t v = *reg;

	*reg &= ~clear;
	return v;
}

static uint8_t uart_read_locked(struct uart_regs *r, int offset)
{
	switch (offset) {
	case UART_RX:
		return uart_dlab(r) ? r->dll : uart_rx_pop(r);
	case UART_IER:
		return uart_dlab(r) ? r->dlm : r->ier;
	case UART_IIR:
		return uart_read_iir(r);
	case UART_LCR:
		return r->lcr;
	case UART_MCR:
		return r->mcr;
	case UART_LSR:
		return uart_read_clear(&r->lsr, UART_LSR_BRK_ERROR_BITS);
	case UART_MSR:
		return uart_read_clear(&r->msr, UART_MSR_ANY_DELTA);
	case UART_SCR:
		return r->scr;
	}
	return 0xff; /* nothing decodes outside the eight registers */
}

uint8_t uart__read(struct uart *u, int offset)
{
	uint8_t v;

	pthread_mutex_lock(&u->lock);
	v = uart_read_locked(&u->r, offset);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void uart_transmit(struct uart *u, uint8_t byte)
{
	struct uart_regs *r = &u->r;

	if (!uart_loopback(r))
		u->ops.out(u->ops.opaque, byte);
	else if (!uart_rx_push(r, byte))
		r->lsr |= UART_LSR_OE; /* the receiver overran: the byte is lost, as on the chip */
	/* The holding register empties at once, which raises the THR-empty interrupt. */
	r->thr_ipending = !!(r->ier & UART_IER_THRI);
}

/*
 * Enabling THRI while THR is empty raises the interrupt even if an IIR read had acknowledged
 * it: Linux's 8250 driver starts transmission this way and Windows toggles IER to the same end.
 */
static void uart_write_ier(struct uart_regs *r, uint8_t v)
{
	uint8_t changed = (r->ier ^ v) & UART_IER_THRI;

	r->ier = v & UART_IER_MASK;
	if (changed)
		r->thr_ipending = !!(r->ier & UART_IER_THRI);
}

/*
 * FCR bits other than FCR0 only latch while the FIFOs are enabled, and toggling FCR0 resets
 * both FIFOs (16550A data sheet).  The transmit FIFO is always empty, so clearing it does
 * nothing.  The receive ring is used in 16450 mode as well so that no input is lost before the
 * guest driver enables the FIFOs.
 */
static void uart_write_fcr(struct uart_regs *r, uint8_t v)
{
	if (!((v | r->fcr) & UART_FCR_ENABLE_FIFO))
		return;
	if ((v ^ r->fcr) & UART_FCR_ENABLE_FIFO)
		v |= UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT;
	if (v & UART_FCR_CLEAR_RCVR)
		uart_rx_clear(r);
	r->fcr = (v & UART_FCR_ENABLE_FIFO) ? v & UART_FCR_MASK : 0;
}

static void uart_write_locked(struct uart *u, int offset, uint8_t v)
{
	struct uart_regs *r = &u->r;

	switch (offset) {
	case UART_TX:
		if (uart_dlab(r))
			r->dll = v;
		else
			uart_transmit(u, v);
		break;
	case UART_IER:
		if (uart_dlab(r))
			r->dlm = v;
		else
			uart_write_ier(r, v);
		break;
	case UART_FCR:
		uart_write_fcr(r, v);
		break;
	case UART_LCR:
		r->lcr = v;
		break;
	case UART_MCR:
		r->mcr = v & UART_MCR_MASK;
		uart_update_msr(r);
		break;
	case UART_SCR:
		r->scr = v;
		break;
	}
	/* LSR and MSR writes are factory-test features that PC software never relies on. */
}

void uart__write(struct uart *u, int offset, uint8_t value)
{
	pthread_mutex_lock(&u->lock);
	uart_write_locked(u, offset, value);
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
}

int uart__receive(struct uart *u, const uint8_t *buf, int len)
{
	int n = 0;

	if (len < 0 || (len && !buf))
		return -EINVAL;
	pthread_mutex_lock(&u->lock);
	while (n < len && uart_rx_push(&u->r, buf[n]))
		n++;
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

void uart__save(struct uart *u, struct uart_regs *out)
{
	pthread_mutex_lock(&u->lock);
	*out = u->r;
	pthread_mutex_unlock(&u->lock);
}

static int uart_check_regs(const struct uart_regs *in)
{
	if (in->rx_len > UART_FIFO_SIZE || in->rx_head >= UART_FIFO_SIZE)
		return err__set(
			EINVAL,
			"cannot restore the UART: receive FIFO holds %u bytes from slot %u, "
			"but it has %d slots; the saved state is corrupt",
			in->rx_len, in->rx_head, UART_FIFO_SIZE);
	if ((in->ier & ~UART_IER_MASK) || (in->mcr & ~UART_MCR_MASK))
		return err__set(
			EINVAL,
			"cannot restore the UART: IER 0x%02x or MCR 0x%02x has reserved bits "
			"set; the saved state is corrupt",
			in->ier, in->mcr);
	return 0;
}

/*
 * IIR, LSR's constant bits and MSR's status bits follow from the other registers, so they are
 * recomputed rather than trusted; the interrupt line is driven to match the restored state.
 */
int uart__restore(struct uart *u, const struct uart_regs *in)
{
	uint8_t deltas = in->msr & UART_MSR_ANY_DELTA;
	int ret;

	ret = uart_check_regs(in);
	if (ret)
		return ret;
	pthread_mutex_lock(&u->lock);
	u->r = *in;
	u->r.thr_ipending = !!in->thr_ipending;
	u->r.msr = uart_modem_inputs(&u->r) | deltas;
	uart_update(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

/*
 * COM1 as a device of the VM (device.h): the model above on ports 0x3f8-0x3ff and IRQ 4,
 * transmitting to the console (the --console file or stdout, and the trace's console
 * events), receiving the VMM's input through a thread of its own.
 */
#define COM1_IRQ 4

struct com1 {
	struct device *dev;
	struct uart *uart;
	pthread_t input_thread;
	int input_started;
};

static void com1_out(void *opaque, uint8_t byte)
{
	struct com1 *c = opaque;
	struct vm *vm = c->dev->vm;

	vm->dev->console_bytes++;
	trace__console(vm->trace, &byte, 1);
	if (vm->opts.console_fd >= 0 && write(vm->opts.console_fd, &byte, 1) < 0)
		vm->opts.console_fd = -1; /* the reader went away: keep running, stop writing */
}

static void com1_irq(void *opaque, int level)
{
	struct com1 *c = opaque;

	device__set_irq(c->dev, level);
}

static int com1_pio(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		    uint8_t *data)
{
	struct device *dev = opaque;
	struct com1 *c = dev->priv;

	(void)v;
	(void)size;
	/* The model takes its own lock: the vCPU threads and the input thread meet there. */
	if (is_write)
		uart__write(c->uart, port - PORT_COM1, data[0]);
	else
		data[0] = uart__read(c->uart, port - PORT_COM1);
	return 0;
}

static int com1_init(struct device *dev)
{
	struct com1 *c = calloc(1, sizeof(*c));
	struct uart_ops ops = { .out = com1_out, .irq = com1_irq, .opaque = c };

	if (!c)
		return err__set(ENOMEM, "out of memory creating the UART");
	dev->priv = c;
	c->dev = dev;
	c->uart = uart__new(&ops);
	if (!c->uart)
		return err__set(ENOMEM, "out of memory creating the UART");
	return device__claim_irq(dev, COM1_IRQ) ?: device__claim_pio(dev, PORT_COM1, 8, com1_pio);
}

/* Feed input bytes to the UART as its FIFO drains; stop with the VM or at end of input. */
static void *com1_input(void *arg)
{
	struct device *dev = arg;
	struct com1 *c = dev->priv;
	struct pollfd p = { .fd = dev->vm->opts.input_fd, .events = POLLIN };
	uint8_t buf[UART_FIFO_SIZE];
	int len = 0, off = 0, n;

	while (!__atomic_load_n(&dev->vm->stopping, __ATOMIC_ACQUIRE)) {
		if (off == len) {
			if (poll(&p, 1, 100) <= 0)
				continue;
			len = read(p.fd, buf, sizeof(buf));
			if (len <= 0)
				break;
			off = 0;
		}
		n = uart__receive(c->uart, buf + off, len - off);
		off += n;
		if (!n)
			usleep(1000); /* FIFO full: the guest has not read it yet */
	}
	return NULL;
}

static int com1_start(struct device *dev)
{
	struct com1 *c = dev->priv;
	int ret;

	if (dev->vm->opts.input_fd < 0)
		return 0;
	ret = pthread_create(&c->input_thread, NULL, com1_input, dev);
	if (ret)
		return err__set(ret, "cannot start the console input thread: %s", strerror(ret));
	c->input_started = 1;
	return 0;
}

static void com1_exit(struct device *dev)
{
	struct com1 *c = dev->priv;

	if (!c)
		return;
	if (c->input_started)
		pthread_join(c->input_thread, NULL);
	uart__free(c->uart);
	free(c);
	dev->priv = NULL;
}

static void com1_save(struct device *dev, void *state)
{
	uart__save(((struct com1 *)dev->priv)->uart, state);
}

static int com1_restore(struct device *dev, const void *state)
{
	return uart__restore(((struct com1 *)dev->priv)->uart, state);
}

const struct device_ops uart16550_device = {
	.name = "uart",
	.ckpt_kind = 1, /* the "devices" record of every checkpoint so far */
	.state_size = sizeof(struct uart_regs),
	.init = com1_init,
	.start = com1_start,
	.exit = com1_exit,
	.save = com1_save,
	.restore = com1_restore,
};
