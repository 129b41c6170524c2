// SPDX-License-Identifier: GPL-2.0
/*
 * fault MODE: dies the way it is told, so tests can check that the kernel reports the fault
 * and kills only this process: ud (#UD: SIGILL), segv (a page that is not ours: SIGSEGV),
 * gp (a non-canonical address: #GP, SIGSEGV), div (divide by zero: SIGFPE), write-text
 * (a store to our own code: SIGSEGV), exit N (exits with status N).
 */
#include "../libc/libc.h"

static volatile int zero;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	printf("fault: %s\n", mode);
	stdout_flush();
	if (!strcmp(mode, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(mode, "segv"))
		*(volatile int *)0x1000 = 1;
	else if (!strcmp(mode, "gp"))
		*(volatile long *)0x8000000000000000ull = 1;
	else if (!strcmp(mode, "div"))
		zero = 10 / zero;
	else if (!strcmp(mode, "write-text"))
		*(volatile uint8_t *)(uintptr_t)main = 0xc3;
	else if (!strcmp(mode, "exit"))
		return argc > 2 ? atoi(argv[2]) : 0;
	printf("fault: usage: fault ud|segv|gp|div|write-text|exit N\n");
	return 2;
}
