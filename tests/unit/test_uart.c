// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/serial_reg.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "uart.h"

/* What the UART did through its callbacks. */
struct probe {
	uint8_t out[256];
	int nr_out;
	int levels[64];
	int nr_irq;
	struct uart *u;
};

static void probe_out(void *opaque, uint8_t byte)
{
	struct probe *p = opaque;

	assert_true(p->nr_out < (int)sizeof(p->out));
	p->out[p->nr_out++] = byte;
}

static void probe_irq(void *opaque, int level)
{
	struct probe *p = opaque;

	assert_true(p->nr_irq < (int)(sizeof(p->levels) / sizeof(p->levels[0])));
	/* Only changes are reported, so consecutive calls must alternate. */
	if (p->nr_irq)
		assert_int_not_equal(p->levels[p->nr_irq - 1], level);
	else
		assert_int_equal(level, 1);
	p->levels[p->nr_irq++] = level;
}

static int setup(void **state)
{
	struct probe *p = calloc(1, sizeof(*p));
	struct uart_ops ops = { .out = probe_out, .irq = probe_irq };

	if (!p)
		return -1;
	ops.opaque = p;
	p->u = uart__new(&ops);
	if (!p->u) {
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct probe *p = *state;

	uart__free(p->u);
	free(p);
	return 0;
}

static int irq_level(const struct probe *p)
{
	return p->nr_irq ? p->levels[p->nr_irq - 1] : 0;
}

static void receive_str(struct uart *u, const char *s)
{
	int len = (int)strlen(s);

	assert_int_equal(uart__receive(u, (const uint8_t *)s, len), len);
}

static void test_transmit_in_order(void **state)
{
	struct probe *p = *state;
	const char *msg = "hello, 16550\n";
	size_t i;

	for (i = 0; msg[i]; i++)
		uart__write(p->u, UART_TX, (uint8_t)msg[i]);
	assert_int_equal(p->nr_out, strlen(msg));
	assert_memory_equal(p->out, msg, strlen(msg));
	assert_int_equal(uart__read(p->u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(p->nr_irq, 0);
}

static void test_dlab_keeps_divisor_apart(void **state)
{
	struct probe *p = *state;

	uart__write(p->u, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	uart__write(p->u, UART_DLL, 0x01);
	uart__write(p->u, UART_DLM, 0x02);
	assert_int_equal(p->nr_out, 0);
	assert_int_equal(uart__read(p->u, UART_DLL), 0x01);
	assert_int_equal(uart__read(p->u, UART_DLM), 0x02);

	uart__write(p->u, UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(uart__read(p->u, UART_LCR), UART_LCR_WLEN8);
	uart__write(p->u, UART_TX, 'A');
	uart__write(p->u, UART_IER, 0xff);
	assert_int_equal(p->nr_out, 1);
	assert_int_equal(p->out[0], 'A');
	assert_int_equal(uart__read(p->u, UART_IER), 0x0f); /* only the low nibble exists */

	uart__write(p->u, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	assert_int_equal(uart__read(p->u, UART_DLL), 0x01);
	assert_int_equal(uart__read(p->u, UART_DLM), 0x02);
	uart__write(p->u, UART_LCR, UART_LCR_WLEN8);
	assert_int_equal(uart__read(p->u, UART_IER), 0x0f);

	uart__write(p->u, UART_SCR, 0x5a);
	assert_int_equal(uart__read(p->u, UART_SCR), 0x5a);
	assert_int_equal(uart__read(p->u, 8), 0xff);
}

static void test_rx_fifo_order_and_dr(void **state)
{
	struct probe *p = *state;
	uint8_t buf[60];
	int i;

	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);
	receive_str(p->u, "abc");
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(uart__read(p->u, UART_RX), 'a');
	assert_int_equal(uart__read(p->u, UART_RX), 'b');
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(uart__read(p->u, UART_RX), 'c');
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);

	/* Wrap the ring: 60 in and out, then 10 more that straddle the end. */
	memset(buf, '.', sizeof(buf));
	assert_int_equal(uart__receive(p->u, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < (int)sizeof(buf); i++)
		assert_int_equal(uart__read(p->u, UART_RX), '.');
	receive_str(p->u, "0123456789");
	for (i = 0; i < 10; i++)
		assert_int_equal(uart__read(p->u, UART_RX), '0' + i);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(uart__receive(p->u, NULL, 0), 0);
	assert_int_equal(uart__receive(p->u, buf, -1), -EINVAL);
}

static void test_rx_overflow(void **state)
{
	struct probe *p = *state;
	uint8_t buf[UART_FIFO_SIZE + 6];
	int i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	/* The caller keeps what does not fit, so nothing is lost and no overrun is flagged. */
	assert_int_equal(uart__receive(p->u, buf, sizeof(buf)), UART_FIFO_SIZE);
	assert_int_equal(uart__receive(p->u, buf, 1), 0);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_OE, 0);

	/* A looped-back byte has nowhere to wait: it is dropped and OE says so. */
	uart__write(p->u, UART_MCR, UART_MCR_LOOP);
	uart__write(p->u, UART_TX, 0xee);
	assert_int_equal(p->nr_out, 0);
	assert_int_equal(uart__read(p->u, UART_LSR),
			 UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_OE | UART_LSR_DR);
	assert_int_equal(uart__read(p->u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);

	for (i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(uart__read(p->u, UART_RX), i);
	assert_int_equal(uart__read(p->u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_iir_priority(void **state)
{
	struct probe *p = *state;
	uint8_t buf[UART_FIFO_SIZE];
	int i;

	assert_int_equal(uart__read(p->u, UART_IIR), UART_IIR_NO_INT);
	uart__write(p->u, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_NO_INT);

	/* Enabling THRI with THR empty raises it; reading IIR that reports it clears it. */
	uart__write(p->u, UART_IER, 0x0f);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_THRI);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_NO_INT);

	memset(buf, 'r', sizeof(buf));
	assert_int_equal(uart__receive(p->u, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_RDI);

	/*
	 * Entering loopback with OUT2 set drops CTS and DSR (modem status change); the THR write
	 * overruns the full FIFO (line status) and empties THR again (THR empty): all four pending.
	 */
	uart__write(p->u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	uart__write(p->u, UART_TX, 'x');
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_RLSI);
	uart__read(p->u, UART_LSR);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_RDI);
	for (i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(uart__read(p->u, UART_RX), 'r');
	/* Reading IIR while RDI is reported did not acknowledge the THR-empty interrupt. */
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_THRI);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_int_equal(uart__read(p->u, UART_MSR), UART_MSR_DCD | UART_MSR_DDSR | UART_MSR_DCTS);
	assert_int_equal(uart__read(p->u, UART_IIR), 0xc0 | UART_IIR_NO_INT);

	/* Disabling the FIFOs clears the FIFO bits of IIR and the receive FIFO. */
	receive_str(p->u, "q");
	uart__write(p->u, UART_FCR, 0);
	assert_int_equal(uart__read(p->u, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);
}

static void test_fcr_clears_rx(void **state)
{
	struct probe *p = *state;

	/* With FIFOs disabled the other FCR bits do not latch. */
	receive_str(p->u, "ab");
	uart__write(p->u, UART_FCR, UART_FCR_CLEAR_RCVR);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);

	/* Enabling resets both FIFOs. */
	uart__write(p->u, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);

	receive_str(p->u, "cd");
	uart__write(p->u, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT);
	assert_int_equal(uart__read(p->u, UART_RX), 'c');
	uart__write(p->u, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);
}

static void test_irq_levels(void **state)
{
	struct probe *p = *state;

	/* Pending interrupt without OUT2: the PC's IRQ buffer keeps the line low. */
	uart__write(p->u, UART_IER, UART_IER_RDI);
	receive_str(p->u, "1");
	assert_int_equal(uart__read(p->u, UART_IIR), UART_IIR_RDI);
	assert_int_equal(p->nr_irq, 0);

	uart__write(p->u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(p->nr_irq, 1);
	assert_int_equal(irq_level(p), 1);

	/* More data or more reads that leave data pending do not repeat the level. */
	receive_str(p->u, "23");
	uart__read(p->u, UART_RX);
	uart__read(p->u, UART_LSR);
	assert_int_equal(p->nr_irq, 1);
	uart__read(p->u, UART_RX);
	assert_int_equal(p->nr_irq, 1);
	uart__read(p->u, UART_RX);
	assert_int_equal(p->nr_irq, 2);
	assert_int_equal(irq_level(p), 0);

	/* THRI rises at once with THR empty; dropping OUT2 lowers the line while still pending. */
	uart__write(p->u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	assert_int_equal(p->nr_irq, 3);
	assert_int_equal(irq_level(p), 1);
	uart__write(p->u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(p->nr_irq, 4);
	assert_int_equal(irq_level(p), 0);
	uart__write(p->u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(p->nr_irq, 5);
	assert_int_equal(irq_level(p), 1);

	/* Acknowledge by IIR read; each THR write raises it again. */
	assert_int_equal(uart__read(p->u, UART_IIR), UART_IIR_THRI);
	assert_int_equal(p->nr_irq, 6);
	assert_int_equal(irq_level(p), 0);
	uart__write(p->u, UART_TX, '!');
	assert_int_equal(p->nr_irq, 7);
	assert_int_equal(irq_level(p), 1);
	uart__write(p->u, UART_IER, 0);
	assert_int_equal(p->nr_irq, 8);
	assert_int_equal(irq_level(p), 0);
}

static void test_loopback(void **state)
{
	struct probe *p = *state;

	uart__write(p->u, UART_MCR, UART_MCR_LOOP | 0x0f);
	assert_int_equal(uart__read(p->u, UART_MSR) & 0xf0, 0xf0);
	uart__write(p->u, UART_TX, 'x');
	uart__write(p->u, UART_TX, 'y');
	assert_int_equal(p->nr_out, 0);
	assert_int_equal(uart__read(p->u, UART_RX), 'x');
	assert_int_equal(uart__read(p->u, UART_RX), 'y');

	/* Linux's 8250 probe: RTS|OUT2 in loopback must read back as CTS|DCD. */
	uart__write(p->u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(uart__read(p->u, UART_MSR),
			 UART_MSR_DCD | UART_MSR_CTS | UART_MSR_TERI | UART_MSR_DDSR);
	assert_int_equal(uart__read(p->u, UART_MSR), UART_MSR_DCD | UART_MSR_CTS);
	/* Loopback forces OUT2 inactive, so nothing reaches the interrupt line. */
	uart__write(p->u, UART_IER, UART_IER_THRI);
	assert_int_equal(uart__read(p->u, UART_IIR), UART_IIR_THRI);
	assert_int_equal(p->nr_irq, 0);

	uart__write(p->u, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(uart__read(p->u, UART_MSR) & 0xf0,
			 UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	uart__write(p->u, UART_TX, 'z');
	assert_int_equal(p->nr_out, 1);
	assert_int_equal(p->out[0], 'z');
	assert_int_equal(uart__read(p->u, UART_LSR) & UART_LSR_DR, 0);
}

static void test_save_restore(void **state)
{
	struct probe *p = *state, q = { 0 };
	struct uart_ops ops = { .out = probe_out, .irq = probe_irq, .opaque = &q };
	struct uart_regs saved, again;

	uart__write(p->u, UART_LCR, UART_LCR_DLAB);
	uart__write(p->u, UART_DLL, 0x03);
	uart__write(p->u, UART_LCR, UART_LCR_WLEN8);
	uart__write(p->u, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14);
	uart__write(p->u, UART_SCR, 0x42);
	uart__write(p->u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	uart__write(p->u, UART_IER, UART_IER_RDI);
	receive_str(p->u, "xyz");
	assert_int_equal(uart__read(p->u, UART_RX), 'x');
	uart__save(p->u, &saved);

	q.u = uart__new(&ops);
	assert_non_null(q.u);
	assert_int_equal(uart__restore(q.u, &saved), 0);
	/* The restored UART raises its line because data is pending. */
	assert_int_equal(q.nr_irq, 1);
	assert_int_equal(irq_level(&q), 1);
	uart__save(q.u, &again);
	assert_memory_equal(&saved, &again, sizeof(saved));

	assert_int_equal(uart__read(q.u, UART_IIR), 0xc0 | UART_IIR_RDI);
	assert_int_equal(uart__read(q.u, UART_RX), 'y');
	assert_int_equal(uart__read(q.u, UART_RX), 'z');
	assert_int_equal(irq_level(&q), 0);
	assert_int_equal(uart__read(q.u, UART_SCR), 0x42);
	uart__write(q.u, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(uart__read(q.u, UART_DLL), 0x03);
	uart__write(q.u, UART_LCR, UART_LCR_WLEN8);
	uart__write(q.u, UART_TX, 'w');
	assert_int_equal(q.nr_out, 1);
	assert_int_equal(q.out[0], 'w');
	uart__free(q.u);
}

static void test_restore_rejects(void **state)
{
	struct probe *p = *state;
	struct uart_regs good, bad, after;

	receive_str(p->u, "k");
	uart__save(p->u, &good);

	bad = good;
	bad.rx_len = UART_FIFO_SIZE + 1;
	err__clear();
	assert_int_equal(uart__restore(p->u, &bad), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "UART"));

	bad = good;
	bad.rx_head = UART_FIFO_SIZE;
	assert_int_equal(uart__restore(p->u, &bad), -EINVAL);

	bad = good;
	bad.ier = 0x10;
	assert_int_equal(uart__restore(p->u, &bad), -EINVAL);

	/* A rejected state leaves the UART as it was. */
	uart__save(p->u, &after);
	assert_memory_equal(&good, &after, sizeof(good));
	assert_int_equal(uart__read(p->u, UART_RX), 'k');

	bad = good;
	bad.rx_len = UART_FIFO_SIZE;
	bad.rx_head = UART_FIFO_SIZE - 1;
	assert_int_equal(uart__restore(p->u, &bad), 0);
}

static void test_new_rejects(void **state)
{
	struct uart_ops ops = { 0 };

	(void)state;
	errno = 0;
	assert_null(uart__new(NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(uart__new(&ops));
	assert_int_equal(errno, EINVAL);
	uart__free(NULL);
}

#define UART_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		UART_TEST(test_transmit_in_order),    UART_TEST(test_dlab_keeps_divisor_apart),
		UART_TEST(test_rx_fifo_order_and_dr), UART_TEST(test_rx_overflow),
		UART_TEST(test_iir_priority),	      UART_TEST(test_fcr_clears_rx),
		UART_TEST(test_irq_levels),	      UART_TEST(test_loopback),
		UART_TEST(test_save_restore),	      UART_TEST(test_restore_rejects),
		cmocka_unit_test(test_new_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
