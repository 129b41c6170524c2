// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O: a guest at ring 0 writes N known values to a hooked port and reads values the
 * host computes; the hook sees every access and the exit counters are exact.
 */
#include "harness.h"

#define TEST_PORT 0x600
#define NR_OUT 100
#define NR_IN 10

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint32_t i;

	(void)id;
	(void)nr;
	for (i = 0; i < NR_OUT; i++)
		guest_outl(TEST_PORT, i * 7);
	for (i = 0; i < NR_IN; i++)
		GUEST_ASSERT_EQ(guest_inb(TEST_PORT + 1), 0x40 + i);
	guest_outb(TEST_PORT + 2, 0x5a);
	GUEST_DONE();
}

struct pio_log {
	int nr_out, nr_in, nr_byte;
	uint64_t sum;
	int bad;
};

static int pio_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		    uint8_t *data)
{
	struct pio_log *log = opaque;
	uint32_t val = 0;

	(void)v;
	if (port == TEST_PORT && is_write && size == 4) {
		memcpy(&val, data, 4);
		log->bad |= val != (uint32_t)log->nr_out * 7;
		log->sum += val;
		log->nr_out++;
	} else if (port == TEST_PORT + 1 && !is_write && size == 1) {
		data[0] = 0x40 + log->nr_in++;
	} else if (port == TEST_PORT + 2 && is_write && size == 1 && data[0] == 0x5a) {
		log->nr_byte++;
	} else {
		log->bad = 1;
	}
	return 0;
}

static int test_pio(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct pio_log log = { 0 };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!hooks__add_pio(&vm.hooks, TEST_PORT, 4, "test", pio_hook, &log), "%s",
		    err__last());
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "guest status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.nr_out == NR_OUT && log.nr_in == NR_IN && log.nr_byte == 1,
		    "out %d in %d byte %d", log.nr_out, log.nr_in, log.nr_byte);
	TEST_ASSERT(!log.bad, "unexpected access or value");
	TEST_ASSERT(log.sum == 7ull * NR_OUT * (NR_OUT - 1) / 2, "sum %llu",
		    (unsigned long long)log.sum);
	/* N outs + N ins + 1 byte out + the DONE ucall: every one an IO exit. */
	TEST_ASSERT(tvm_exits(&vm, KVM_EXIT_IO) == NR_OUT + NR_IN + 2, "IO exits %llu",
		    (unsigned long long)tvm_exits(&vm, KVM_EXIT_IO));
	vm__destroy(&vm);
	return 0;
}

/* A hook that overlaps a device's range is refused. */
static int test_overlap(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct vm vm;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(hooks__add_pio(&vm.hooks, PORT_COM1 + 4, 2, "clash", pio_hook, NULL) == -EEXIST,
		    "overlap with COM1 accepted");
	TEST_ASSERT(strstr(err__msg(-EEXIST), "'uart'"), "message: %s", err__msg(-EEXIST));
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "pio_in_out", test_pio },
		{ "pio_hook_overlap", test_overlap },
	};

	return harness_main(cases, 2);
}
