/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freestanding guest runtime: port and serial I/O, and the ucall channel to the VMM
 * (core/ucall.h) with GUEST_ASSERT / GUEST_SYNC / GUEST_DONE in the manner of the KVM
 * selftests.  Everything is static inline and marked GUEST_CODE, so a test file that holds
 * both guest and host code compiles the guest part without sanitizers or library calls.
 */
#ifndef VMSCOPE_GUEST_H
#define VMSCOPE_GUEST_H

#include <stdarg.h>
#include <stdint.h>

#include "../../abi/layout.h"
#include "../../abi/ucall.h"

/*
 * general-regs-only: KVM's instruction emulator refuses most SSE at ring 0, so guest code
 * never lets the compiler pick vector registers, even inside a host program built with them.
 */
#define GUEST_ATTRS                                                                                \
	no_sanitize_address, no_sanitize("undefined"), no_stack_protector,                         \
		target("general-regs-only")
#define GUEST_CODE __attribute__((GUEST_ATTRS, noinline, section(".text.guest")))
#define GUEST_INLINE __attribute__((GUEST_ATTRS, always_inline)) static inline

GUEST_INLINE void guest_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

GUEST_INLINE void guest_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

GUEST_INLINE uint8_t guest_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

GUEST_INLINE uint32_t guest_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

GUEST_INLINE int guest_ring(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

GUEST_INLINE void guest_mmio_write64(uint64_t gpa, uint64_t v)
{
	*(volatile uint64_t *)gpa = v;
}

GUEST_INLINE void guest_mmio_write32(uint64_t gpa, uint32_t v)
{
	*(volatile uint32_t *)gpa = v;
}

GUEST_INLINE uint32_t guest_mmio_read32(uint64_t gpa)
{
	return *(volatile uint32_t *)gpa;
}

/* Transmit one byte on COM1, waiting for the transmit-holding register to be empty. */
GUEST_INLINE void guest_serial_putc(char c)
{
	while (!(guest_inb(PORT_COM1 + 5) & 0x20))
		;
	guest_outb(PORT_COM1, c);
}

GUEST_INLINE void guest_serial_puts(const char *s)
{
	while (*s)
		guest_serial_putc(*s++);
}

/* Hand uc to the VMM: port I/O at ring 0, MMIO at any other ring. */
GUEST_INLINE void guest_ucall_send(struct ucall *uc)
{
	if (guest_ring() == 0)
		__asm__ volatile("outl %%eax, %%dx"
				 :
				 : "a"(0), "d"(PORT_HYPERCALL), "D"(uc)
				 : "memory");
	else
		*(volatile uint64_t *)GPA_HYPERCALL_MMIO = (uint64_t)uc;
	__asm__ volatile("" : : : "memory");
}

GUEST_INLINE int guest_fmt_num(char *buf, int pos, int size, uint64_t v, int base, int neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pos < size - 1)
		buf[pos++] = '-';
	while (n && pos < size - 1)
		buf[pos++] = tmp[--n];
	return pos;
}

/* A small vsnprintf: %s %c %d %u %x, with l/ll, and %%. */
GUEST_INLINE int guest_vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
	int pos = 0;

	for (; *fmt && pos < size - 1; fmt++) {
		int longs = 0;

		if (*fmt != '%') {
			buf[pos++] = *fmt;
			continue;
		}
		while (*++fmt == 'l')
			longs++;
		if (*fmt == 's') {
			const char *s = va_arg(ap, const char *);

			while (*s && pos < size - 1)
				buf[pos++] = *s++;
		} else if (*fmt == 'c') {
			buf[pos++] = (char)va_arg(ap, int);
		} else if (*fmt == 'd') {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			pos = guest_fmt_num(buf, pos, size, v < 0 ? -(uint64_t)v : (uint64_t)v, 10,
					    v < 0);
		} else if (*fmt == 'u' || *fmt == 'x') {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);

			pos = guest_fmt_num(buf, pos, size, v, *fmt == 'u' ? 10 : 16, 0);
		} else if (*fmt) {
			buf[pos++] = *fmt;
		} else {
			break;
		}
	}
	buf[pos] = '\0';
	return pos;
}

GUEST_INLINE void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = a3;
	uc.buf[0] = '\0';
	guest_ucall_send(&uc);
}

static GUEST_CODE __attribute__((unused)) void guest_ucall_fmt(uint64_t cmd, uint64_t a0,
							       const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;

	uc.cmd = cmd;
	uc.args[0] = a0;
	uc.args[1] = uc.args[2] = uc.args[3] = 0;
	va_start(ap, fmt);
	guest_vsnprintf(uc.buf, UCALL_BUF_SIZE, fmt, ap);
	va_end(ap);
	guest_ucall_send(&uc);
}

#define GUEST_SYNC(stage, a, b) guest_ucall(UCALL_SYNC, (stage), (a), (b), 0)
#define GUEST_DONE() guest_ucall(UCALL_DONE, 0, 0, 0, 0)
#define GUEST_PRINTF(...) guest_ucall_fmt(UCALL_PRINT, 0, __VA_ARGS__)
#define GUEST_ASSERT(cond)                                                                         \
	do {                                                                                       \
		if (!(cond))                                                                       \
			guest_ucall_fmt(UCALL_ASSERT, __LINE__, "%s:%d: %s", __FILE__, __LINE__,   \
					#cond);                                                    \
	} while (0)
#define GUEST_ASSERT_EQ(a, b)                                                                      \
	do {                                                                                       \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);                                 \
		if (__a != __b)                                                                    \
			guest_ucall_fmt(UCALL_ASSERT, __LINE__,                                    \
					"%s:%d: %s == %s (0x%lx != 0x%lx)", __FILE__, __LINE__,    \
					#a, #b, __a, __b);                                         \
	} while (0)

/* Leave through the debug-exit port (ring 0). */
GUEST_INLINE void guest_exit(uint32_t status)
{
	guest_outl(PORT_DEBUG_EXIT, status);
}

#endif
