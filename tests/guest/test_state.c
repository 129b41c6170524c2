// SPDX-License-Identifier: GPL-2.0
/*
 * Pause, save, restore, resume: a guest spinning at ring 3 is paused (it makes no progress
 * while paused), its vCPU and device state is saved and restored, and it goes on from there.
 */
#include <time.h>

#include "harness.h"

static volatile uint64_t counter;
static volatile uint64_t stop_flag;

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	while (!stop_flag)
		counter++;
	GUEST_DONE();
}

static volatile uint64_t *guest_var(struct vm *vm, volatile uint64_t *host_sym)
{
	/* The guest runs the test's own image identity-mapped: symbol address = guest-physical. */
	return mem__gpa_to_hva(&vm->mem, (uint64_t)(uintptr_t)host_sym, 8);
}

static int wait_above(volatile uint64_t *c, uint64_t v)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 60000 && *c <= v; i++)
		nanosleep(&ts, NULL);
	return *c > v ? 0 : -1;
}

static int check_pause(struct vm *vm, volatile uint64_t *c)
{
	struct timespec ts = { 0, 20000000 };
	uint64_t before;

	TEST_ASSERT(!wait_above(c, 0), "guest never ran");
	TEST_ASSERT(!vm__pause(vm), "pause: %s", err__last());
	before = *c;
	nanosleep(&ts, NULL);
	TEST_ASSERT(*c == before, "guest ran while paused (%llu -> %llu)",
		    (unsigned long long)before, (unsigned long long)*c);
	TEST_ASSERT(vm__pause(vm) == -EBUSY, "second pause accepted");
	return 0;
}

/* The state of vmscope's device (the UART, the only one with state), as the checkpoint gets it. */
struct dev_state {
	uint32_t kind;
	size_t size;
	uint8_t buf[256];
};

static int keep_state(void *opaque, uint32_t kind, const void *state, size_t size)
{
	struct dev_state *d = opaque;

	if (size > sizeof(d->buf))
		return -E2BIG;
	d->kind = kind;
	d->size = size;
	memcpy(d->buf, state, size);
	return 0;
}

static int check_save_restore(struct vm *vm)
{
	static struct vcpu_state st1, st2;
	struct devices_state d1, d2;
	struct dev_state s1 = { 0 }, s2 = { 0 };

	TEST_ASSERT(!vcpu__save(&vm->vcpus[0], &st1), "save: %s", err__last());
	TEST_ASSERT(st1.nr_msrs > 0 && st1.xsave_size > 0, "msrs %u xsave %u", st1.nr_msrs,
		    st1.xsave_size);
	TEST_ASSERT(st1.sregs.cs.dpl == 3, "paused outside ring 3");
	TEST_ASSERT(!vcpu__restore(&vm->vcpus[0], &st1), "restore: %s", err__last());
	TEST_ASSERT(!vcpu__save(&vm->vcpus[0], &st2), "save: %s", err__last());
	TEST_ASSERT(!memcmp(&st1.regs, &st2.regs, sizeof(st1.regs)), "regs differ");
	TEST_ASSERT(st1.sregs.cr3 == st2.sregs.cr3 && st1.sregs.efer == st2.sregs.efer,
		    "sregs differ");
	TEST_ASSERT(st1.nr_msrs == st2.nr_msrs, "MSR count %u != %u", st1.nr_msrs, st2.nr_msrs);
	TEST_ASSERT(!devices__save(vm, &d1), "devices save: %s", err__last());
	TEST_ASSERT(!devices__restore(vm, &d1), "devices restore: %s", err__last());
	TEST_ASSERT(!devices__save(vm, &d2), "devices save: %s", err__last());
	TEST_ASSERT(!devices__save_each(vm, keep_state, &s1) &&
			    !devices__restore_one(vm, s1.kind, s1.buf, s1.size) &&
			    !devices__save_each(vm, keep_state, &s2),
		    "device state: %s", err__last());
	TEST_ASSERT(s1.kind == 1 && s1.size && s1.size == s2.size &&
			    !memcmp(s1.buf, s2.buf, s1.size),
		    "UART state differs");
	/* A record no device takes, or of another size: refused, naming it. */
	TEST_ASSERT(devices__restore_one(vm, 99, s1.buf, s1.size) == -EINVAL &&
			    strstr(err__last(), "kind 99"),
		    "a record of an unknown kind: %s", err__last());
	TEST_ASSERT(devices__restore_one(vm, 1, s1.buf, s1.size - 1) == -EINVAL &&
			    strstr(err__last(), "device uart"),
		    "a UART record one byte short: %s", err__last());
	for (int i = 0; i < 3; i++) /* count_load_time moves with the clock: not compared */
		TEST_ASSERT(d1.pit.channels[i].count == d2.pit.channels[i].count &&
				    d1.pit.channels[i].mode == d2.pit.channels[i].mode,
			    "PIT channel %d differs", i);
	TEST_ASSERT(!memcmp(&d1.ioapic, &d2.ioapic, sizeof(d1.ioapic)), "IOAPIC differs");
	st2.nr_msrs = VCPU_MAX_MSRS + 1;
	TEST_ASSERT(vcpu__restore(&vm->vcpus[0], &st2) == -EINVAL, "bad MSR count accepted");
	return 0;
}

static int test_pause_save_resume(void)
{
	struct tvm_opts o = { .entry = guest_code, .ring = 3 };
	volatile uint64_t *c, *stop;
	uint64_t at_pause;
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	c = guest_var(&vm, &counter);
	stop = guest_var(&vm, &stop_flag);
	TEST_ASSERT(c && stop, "guest variables not in RAM");
	TEST_ASSERT(!vm__start(&vm), "start");
	if (check_pause(&vm, c) || check_save_restore(&vm)) {
		vm__request_stop(&vm, 1, 1, "test failed");
		vm__wait(&vm, -1);
		vm__destroy(&vm);
		return -1;
	}
	at_pause = *c;
	TEST_ASSERT(!vm__resume(&vm), "resume");
	TEST_ASSERT(!wait_above(c, at_pause), "no progress after resume");
	*stop = 1;
	TEST_ASSERT(!vm__wait(&vm, 60000), "guest did not finish");
	status = vm.exit_status;
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "pause_save_restore_resume", test_pause_save_resume },
	};

	return harness_main(cases, 1);
}
