// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in demo guest: every vCPU checks in, vCPU 0 greets on the serial port, reports
 * over a ucall and ends the run through the debug-exit port with status 0.  It runs at ring 0
 * in long mode on the page tables the VMM builds (vmscope run --mode long, the default).
 */
#include "../lib/guest.h"

static volatile uint32_t checked_in;

static void put_num(uint64_t v)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		guest_serial_putc(buf[--n]);
}

static void wait_for_all(uint64_t nr_vcpus)
{
	uint64_t spins = 0;

	while (__atomic_load_n(&checked_in, __ATOMIC_ACQUIRE) < nr_vcpus && ++spins < 200000)
		__asm__ volatile("pause");
}

void __attribute__((noreturn, used)) demo_main(uint64_t id, uint64_t nr_vcpus)
{
	/* Pairs with the acquire load in wait_for_all(). */
	__atomic_fetch_add(&checked_in, 1, __ATOMIC_RELEASE);
	if (id != 0)
		for (;;)
			__asm__ volatile("hlt");
	guest_serial_puts("vmscope demo guest: hello from vCPU 0 of ");
	put_num(nr_vcpus);
	guest_serial_puts("\n");
	wait_for_all(nr_vcpus);
	guest_serial_puts("vmscope demo guest: ");
	put_num(checked_in);
	guest_serial_puts(" vCPU(s) checked in\n");
	GUEST_PRINTF("vmscope demo guest: ucall channel works (ring %d)\n", guest_ring());
	guest_serial_puts("vmscope demo guest: done, exit status 0\n");
	guest_exit(0);
	for (;;)
		__asm__ volatile("hlt");
}

/* Entry: RDI = vCPU index, RSI = vCPU count, RSP = this vCPU's stack (vmscope's boot ABI). */
__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	and $-16, %rsp\n"
	"	call demo_main\n"
	"1:	hlt\n"
	"	jmp 1b\n");
