// SPDX-License-Identifier: GPL-2.0
/*
 * The console: COM1 as a 16550A with its FIFO on.  Each time the transmitter is empty the
 * driver writes up to a FIFO's worth (16 bytes) with one string instruction, as a 16550
 * driver may, so output costs one port exit per 16 bytes.  Also kprintf, panic, shutdown.
 */
#include "kernel.h"

#define UART_FIFO 16
#define UART_LSR_THRE 0x20

void console_init(void)
{
	outb(PORT_COM1 + 1, 0x00); /* IER: no interrupts */
	outb(PORT_COM1 + 3, 0x03); /* LCR: 8N1 */
	outb(PORT_COM1 + 2, 0x07); /* FCR: FIFO on, both cleared */
}

static void uart_write_chunk(const char *s, uint64_t n)
{
	while (!(inb(PORT_COM1 + 5) & UART_LSR_THRE))
		__asm__ volatile("pause");
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(PORT_COM1) : "memory");
}

void console_write(const char *s, uint64_t len)
{
	while (len) {
		uint64_t n = len < UART_FIFO ? len : UART_FIFO;

		uart_write_chunk(s, n);
		s += n;
		len -= n;
	}
}

void kprintf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
}

/* Leave through the debug-exit port: the VMM ends the run with this status. */
void shutdown(int status)
{
	__asm__ volatile("cli");
	outl(PORT_DEBUG_EXIT, status);
	for (;;)
		__asm__ volatile("hlt");
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("kernel panic: %s\n", buf);
	shutdown(125);
}
