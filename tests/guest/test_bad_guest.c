// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that misbehaves: writes and reads guest-physical addresses that are not RAM (the
 * MMIO hole and beyond the end of RAM), hammers random ports, and hands the VMM ucall
 * pointers that point nowhere.  The VMM counts, answers reads with all-ones, and survives.
 */
#include "harness.h"

#define NR_PORTS 300

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	volatile uint32_t *hole = (volatile uint32_t *)0xe0000000ull;
	volatile uint32_t *past_ram = (volatile uint32_t *)0x8000000ull; /* 128 MiB > RAM */
	uint32_t seed = 12345, i, port;

	(void)id;
	(void)nr;
	*hole = 0xdeadbeef;
	GUEST_ASSERT_EQ(*hole, 0xffffffff);
	*past_ram = 0xdeadbeef;
	GUEST_ASSERT_EQ(*past_ram, 0xffffffff);
	for (i = 0; i < NR_PORTS; i++) {
		seed = seed * 1103515245 + 12345;
		port = 0x100 + (seed >> 8) % 0xfe00;
		if ((port >= PORT_COM1 && port < PORT_COM1 + 8) ||
		    (port >= PORT_HYPERCALL && port < PORT_HYPERCALL + 4) ||
		    (port >= 0x4d0 && port <= 0x4d1))
			continue;
		guest_outb(port, seed);
		(void)guest_inl(port);
	}
	GUEST_DONE();
}

static int test_bad_guest(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct vm vm;
	int status;
	uint64_t pio, mmio;

	if (tvm_create(&vm, &o))
		return -1;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	pio = vm.vcpus[0].stats.extra[EXIT_X_PIO_UNHANDLED];
	mmio = vm.vcpus[0].stats.extra[EXIT_X_MMIO_UNHANDLED];
	TEST_ASSERT(mmio == 4, "unhandled MMIO %llu", (unsigned long long)mmio);
	TEST_ASSERT(pio > NR_PORTS, "unhandled port I/O %llu", (unsigned long long)pio);
	vm__destroy(&vm);
	return 0;
}

/* A ucall whose pointer is not mapped stops the run with a message; the VMM does not crash. */
static GUEST_CODE void guest_bad_ucall(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	__asm__ volatile("outl %%eax, %%dx"
			 :
			 : "a"(0), "d"(PORT_HYPERCALL), "D"(0x7fffffff0000ull));
	GUEST_DONE();
}

static int test_bad_ucall(void)
{
	struct tvm_opts o = { .entry = guest_bad_ucall };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == VM_STATUS_GUEST_FAILURE, "status %d", status);
	TEST_ASSERT(strstr(vm.stop_reason, "ucall pointer 0x7fffffff0000"), "reason: %s",
		    vm.stop_reason);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "bad_addresses_and_ports", test_bad_guest },
		{ "bad_ucall_pointer", test_bad_ucall },
	};

	return harness_main(cases, 2);
}
