// SPDX-License-Identifier: GPL-2.0
/* MMIO: reads and writes of 1, 2, 4 and 8 bytes to a hooked range in the MMIO hole. */
#include "harness.h"

#define TEST_MMIO (GPA_VMSCOPE_MMIO + 0x10000)

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	volatile uint8_t *b = (volatile uint8_t *)TEST_MMIO;

	(void)id;
	(void)nr;
	*(volatile uint8_t *)(b + 1) = 0x11;
	*(volatile uint16_t *)(b + 2) = 0x2222;
	*(volatile uint32_t *)(b + 4) = 0x44444444;
	*(volatile uint64_t *)(b + 8) = 0x8888888888888888ull;
	GUEST_ASSERT_EQ(*(volatile uint8_t *)(b + 0x101), 0x01);
	GUEST_ASSERT_EQ(*(volatile uint16_t *)(b + 0x102), 0x0102);
	GUEST_ASSERT_EQ(*(volatile uint32_t *)(b + 0x104), 0x01020304);
	GUEST_ASSERT_EQ(*(volatile uint64_t *)(b + 0x108), 0x0102030405060708ull);
	GUEST_DONE();
}

struct mmio_log {
	int writes, reads, bad;
};

static uint64_t expected_write(uint64_t off, int len)
{
	return len == 1 ? 0x11 : len == 2 ? 0x2222 : len == 4 ? 0x44444444 : 0x8888888888888888ull;
	(void)off;
}

static int mmio_hook(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
		     uint8_t *data)
{
	static const uint64_t reads[9] = { 0, 0x01,	  0x0102,
					   0, 0x01020304, 0,
					   0, 0,	  0x0102030405060708ull };
	struct mmio_log *log = opaque;
	uint64_t off = gpa - TEST_MMIO, val = 0;

	(void)v;
	if (is_write) {
		memcpy(&val, data, len);
		log->bad |= off != (uint64_t)len || val != expected_write(off, len);
		log->writes++;
	} else {
		log->bad |= off != 0x100 + (uint64_t)len;
		memcpy(data, &reads[len], len);
		log->reads++;
	}
	return 0;
}

static int test_mmio(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct mmio_log log = { 0 };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!hooks__add_mmio(&vm.hooks, TEST_MMIO, 0x1000, "test", mmio_hook, &log), "%s",
		    err__last());
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.writes == 4 && log.reads == 4, "writes %d reads %d", log.writes, log.reads);
	TEST_ASSERT(!log.bad, "unexpected offset, size or value");
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_MMIO) == 8, "MMIO exits %llu",
		    (unsigned long long)tvm_exits(&vm, KVM_EXIT_MMIO));
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "mmio_read_write", test_mmio } };

	return harness_main(cases, 1);
}
