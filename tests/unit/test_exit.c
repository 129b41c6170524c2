// SPDX-License-Identifier: GPL-2.0
/*
 * Exit dispatch with fabricated exits: a zeroed kvm_run in ordinary memory, no /dev/kvm.  The
 * vCPU's sync area is marked valid so register reads come from run->s.regs, not ioctls.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "exit.h"
#include "hooks.h"
#include "vcpu.h"
#include "vm.h"

#define RUN_SIZE 8192
#define DATA_OFFSET 4096 /* where KVM puts port I/O data: the page after struct kvm_run */
#define VCPU_ID 2
#define SENTINEL 0xcc

_Static_assert(sizeof(struct kvm_run) <= DATA_OFFSET, "kvm_run overlaps the I/O data area");

struct call {
	struct vcpu *v;
	void *opaque;
	uint64_t addr; /* port, GPA or MSR index */
	int size;
	int is_write;
	uint64_t data; /* what the guest wrote */
	struct kvm_run *run;
	uint64_t total; /* the vCPU's exit count when the hook ran */
	uint32_t reason;
};

/* One hook's script (what to return) and record (how it was called). */
struct recorder {
	int ret;
	uint64_t value; /* reads return value, value + 1, ... */
	int stop_status; /* > 0: the hook calls vm__request_stop with this status */
	int nr;
	struct call calls[32];
};

struct fixture {
	struct vm vm;
	struct vcpu v;
	struct kvm_run *run;
	struct recorder rec[3];
};

static struct call *record(struct recorder *r, struct vcpu *v, void *opaque)
{
	struct call *c;

	assert_true(r->nr < (int)(sizeof(r->calls) / sizeof(r->calls[0])));
	c = &r->calls[r->nr++];
	memset(c, 0, sizeof(*c));
	c->v = v;
	c->opaque = opaque;
	return c;
}

static uint64_t le_load(const uint8_t *p, int size)
{
	uint64_t x = 0;
	int i;

	for (i = size - 1; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static void le_store(uint8_t *p, int size, uint64_t x)
{
	int i;

	for (i = 0; i < size; i++, x >>= 8)
		p[i] = (uint8_t)x;
}

static int finish(struct recorder *r, struct vcpu *v)
{
	if (r->stop_status > 0)
		vm__request_stop(v->vm, r->stop_status, 0, "stopped by hook");
	return r->ret;
}

static void rec_access(struct recorder *r, struct call *c, int size, int is_write, uint8_t *data)
{
	c->size = size;
	c->is_write = is_write;
	if (is_write)
		c->data = le_load(data, size);
	else
		le_store(data, size, r->value++);
}

static int pio_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		    uint8_t *data)
{
	struct recorder *r = opaque;
	struct call *c = record(r, v, opaque);

	c->addr = port;
	rec_access(r, c, size, is_write, data);
	return finish(r, v);
}

static int mmio_hook(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
		     uint8_t *data)
{
	struct recorder *r = opaque;
	struct call *c = record(r, v, opaque);

	c->addr = gpa;
	rec_access(r, c, len, is_write, data);
	return finish(r, v);
}

static int msr_hook(struct vcpu *v, void *opaque, uint32_t index, int is_write, uint64_t *data)
{
	struct recorder *r = opaque;
	struct call *c = record(r, v, opaque);

	c->addr = index;
	c->is_write = is_write;
	if (is_write)
		c->data = *data;
	else
		*data = r->value++;
	return finish(r, v);
}

static int chain_hook(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct recorder *r = opaque;
	struct call *c = record(r, v, opaque);

	c->run = run;
	c->total = v->stats.total;
	c->reason = run->exit_reason;
	return finish(r, v);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->run = aligned_alloc(4096, RUN_SIZE);
	if (!f->run) {
		free(f);
		return -1;
	}
	memset(f->run, 0, RUN_SIZE);
	hooks__init(&f->vm.hooks);
	pthread_mutex_init(&f->vm.lock, NULL);
	pthread_cond_init(&f->vm.cond, NULL);
	f->vm.fd = -1;
	f->vm.nr_vcpus = 1;
	f->vm.vcpus = &f->v;
	f->v.vm = &f->vm;
	f->v.id = VCPU_ID;
	f->v.fd = -1;
	f->v.run = f->run;
	f->v.run_size = RUN_SIZE;
	f->v.sync_regs = 1;
	f->v.sync_valid = 1;
	err__clear();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	hooks__exit(&f->vm.hooks);
	pthread_cond_destroy(&f->vm.cond);
	pthread_mutex_destroy(&f->vm.lock);
	free(f->run);
	free(f);
	return 0;
}

static uint8_t *io_exit(struct fixture *f, int dir, uint16_t port, int size, uint32_t count)
{
	uint8_t *data = (uint8_t *)f->run + DATA_OFFSET;

	f->run->exit_reason = KVM_EXIT_IO;
	f->run->io.direction = dir;
	f->run->io.port = port;
	f->run->io.size = size;
	f->run->io.count = count;
	f->run->io.data_offset = DATA_OFFSET;
	memset(data, SENTINEL, 64);
	return data;
}

static void mmio_exit(struct fixture *f, uint64_t gpa, int len, int is_write)
{
	f->run->exit_reason = KVM_EXIT_MMIO;
	f->run->mmio.phys_addr = gpa;
	f->run->mmio.len = len;
	f->run->mmio.is_write = is_write;
	memset(f->run->mmio.data, SENTINEL, sizeof(f->run->mmio.data));
}

static void msr_exit(struct fixture *f, int is_write, uint32_t index, uint64_t data)
{
	f->run->exit_reason = is_write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	f->run->msr.index = index;
	f->run->msr.data = data;
	f->run->msr.error = 0;
}

static int dispatch(struct fixture *f, uint32_t reason)
{
	f->run->exit_reason = reason;
	return exit__dispatch(&f->v);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void assert_running(struct fixture *f)
{
	assert_int_equal(f->vm.stopping, 0);
	assert_int_equal(f->run->immediate_exit, 0);
	assert_string_equal(f->vm.stop_reason, "");
}

/* Stopped through vm__request_stop: status recorded and the vCPU kicked. */
static void assert_stopped(struct fixture *f, int status, int failed, const char *why)
{
	assert_int_equal(f->vm.stopping, 1);
	assert_int_equal(f->vm.exit_status, status);
	assert_int_equal(f->vm.failed, failed);
	assert_int_equal(f->run->immediate_exit, 1);
	assert_contains(f->vm.stop_reason, why);
}

/*
 * EXIT_STOP without vm__request_stop ends only this vCPU's thread: with one vCPU the run then
 * ends as "every vCPU ended" with status 0, with several the others go on without it.
 */
static void assert_failure_recorded(struct fixture *f, const char *what)
{
	if (!f->vm.stopping)
		fail_msg("after %s, exit__dispatch returned EXIT_STOP but the VM is not stopping "
			 "(no vm__request_stop, no status, no reason)",
			 what);
	assert_int_not_equal(f->vm.exit_status, 0);
	assert_int_equal(f->vm.failed, 1);
	assert_int_equal(f->run->immediate_exit, 1);
}

static void test_io_out_sizes(void **state)
{
	static const uint8_t bytes[4] = { 0x11, 0x22, 0x33, 0x44 };
	static const int sizes[3] = { 1, 2, 4 };
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	int i;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, r), 0);
	for (i = 0; i < 3; i++) {
		uint8_t *data = io_exit(f, KVM_EXIT_IO_OUT, 0x3f9 + i, sizes[i], 1);

		memcpy(data, bytes, sizeof(bytes));
		assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
		assert_int_equal(r->nr, i + 1);
		assert_ptr_equal(r->calls[i].v, &f->v);
		assert_ptr_equal(r->calls[i].opaque, r);
		assert_int_equal(r->calls[i].addr, 0x3f9 + i);
		assert_int_equal(r->calls[i].size, sizes[i]);
		assert_int_equal(r->calls[i].is_write, 1);
		/* A write leaves the data area alone. */
		assert_memory_equal(data, bytes, sizeof(bytes));
	}
	assert_int_equal(r->calls[0].data, 0x11);
	assert_int_equal(r->calls[1].data, 0x2211);
	assert_int_equal(r->calls[2].data, 0x44332211);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_IO], 3);
	assert_int_equal(f->v.stats.total, 3);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 0);
	assert_running(f);
}

static void test_io_in_sizes(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint8_t *data;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x70, 2, "rtc", pio_hook, r), 0);
	r->value = 0x12345678;
	data = io_exit(f, KVM_EXIT_IO_IN, 0x71, 4, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 1);
	assert_int_equal(r->calls[0].addr, 0x71);
	assert_int_equal(r->calls[0].size, 4);
	assert_int_equal(r->calls[0].is_write, 0);
	assert_int_equal(le_load(data, 4), 0x12345678);
	assert_int_equal(data[4], SENTINEL);

	r->value = 0xbeef;
	data = io_exit(f, KVM_EXIT_IO_IN, 0x70, 2, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(le_load(data, 2), 0xbeef);
	assert_int_equal(data[2], SENTINEL);

	r->value = 0xab;
	data = io_exit(f, KVM_EXIT_IO_IN, 0x70, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(data[0], 0xab);
	assert_int_equal(data[1], SENTINEL);
	assert_int_equal(r->nr, 3);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 0);
}

/* rep outsw: one hook call per element, each with the next element's data. */
static void test_io_rep_out(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint8_t *data;
	int i;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x1f0, 8, "ide", pio_hook, r), 0);
	data = io_exit(f, KVM_EXIT_IO_OUT, 0x1f0, 2, 4);
	for (i = 0; i < 8; i++)
		data[i] = (uint8_t)(i + 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(r->calls[i].addr, 0x1f0);
		assert_int_equal(r->calls[i].size, 2);
		assert_int_equal(r->calls[i].is_write, 1);
		assert_int_equal(r->calls[i].data, (uint64_t)(2 * i + 2) << 8 | (2 * i + 1));
	}
	assert_int_equal(f->v.stats.reason[KVM_EXIT_IO], 1);
}

/* rep insb / insl: successive reads fill successive elements, and no more. */
static void test_io_rep_in(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint8_t *data;
	int i;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x1f0, 8, "ide", pio_hook, r), 0);
	r->value = 0x40;
	data = io_exit(f, KVM_EXIT_IO_IN, 0x1f0, 1, 5);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(r->calls[i].is_write, 0);
		assert_int_equal(data[i], 0x40 + i);
	}
	assert_int_equal(data[5], SENTINEL);

	r->value = 0xa0000000;
	data = io_exit(f, KVM_EXIT_IO_IN, 0x1f4, 4, 3);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 8);
	for (i = 0; i < 3; i++)
		assert_int_equal(le_load(data + 4 * i, 4), 0xa0000000 + i);
	assert_int_equal(data[12], SENTINEL);
}

static void test_io_unhooked(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint8_t *data;
	int i;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, r), 0);
	data = io_exit(f, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	data[0] = 0x5a;
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(data[0], 0x5a);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 1);

	/* Reads of nothing float high: every byte of every element is 0xff. */
	data = io_exit(f, KVM_EXIT_IO_IN, 0x3f7, 2, 3);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	for (i = 0; i < 6; i++)
		assert_int_equal(data[i], 0xff);
	assert_int_equal(data[6], SENTINEL);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 2);

	data = io_exit(f, KVM_EXIT_IO_IN, 0x400, 4, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(le_load(data, 4), 0xffffffff);
	assert_int_equal(data[4], SENTINEL);

	assert_int_equal(r->nr, 0);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 3);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_IO], 3);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 0);
	assert_running(f);
}

static void test_io_bad_size_ignored(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint8_t *data;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, r), 0);
	data = io_exit(f, KVM_EXIT_IO_IN, 0x3f8, 3, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 0);
	assert_int_equal(data[0], SENTINEL);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_IO], 1);
}

/* A hook that stops the VM (the debug-exit port does) makes the vCPU stop too. */
static void test_io_hook_requests_stop(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0xf4, 4, "debug-exit", pio_hook, r), 0);
	r->stop_status = 7;
	io_exit(f, KVM_EXIT_IO_OUT, 0xf4, 4, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, 7, 0, "stopped by hook");
}

/*
 * A port or MMIO hook that fails makes the vCPU return EXIT_STOP, which exit.h defines as
 * "the VM is stopping (status set with vm__request_stop)".  So the VM must be stopping, as a
 * failure, and not left to end with status 0 once this vCPU's thread returns.
 */
static void test_io_hook_error_stops_vm(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x510, 4, "ucall", pio_hook, r), 0);
	r->ret = -EIO;
	io_exit(f, KVM_EXIT_IO_OUT, 0x510, 4, 3);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(r->nr, 1); /* the rest of the rep is abandoned */
	assert_failure_recorded(f, "a port hook that returned -EIO");
}

static void test_mmio_hook_error_stops_vm(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_mmio(&f->vm.hooks, 0xd0000000, 0x1000, "ucall", mmio_hook, r),
			 0);
	r->ret = -EFAULT;
	mmio_exit(f, 0xd0000000, 8, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(r->nr, 1);
	assert_failure_recorded(f, "an MMIO hook that returned -EFAULT");
}

static void test_mmio_write_read(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	int cookie, i;

	assert_int_equal(hooks__add_mmio(&f->vm.hooks, 0xd0000000, 0x1000, "dev", mmio_hook, r), 0);
	/* A hook elsewhere must not catch these accesses. */
	assert_int_equal(
		hooks__add_mmio(&f->vm.hooks, 0xd0001000, 0x1000, "next", mmio_hook, &cookie), 0);
	mmio_exit(f, 0xd0000010, 8, 1);
	le_store(f->run->mmio.data, 8, 0x1122334455667788ull);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 1);
	assert_ptr_equal(r->calls[0].v, &f->v);
	assert_int_equal(r->calls[0].addr, 0xd0000010);
	assert_int_equal(r->calls[0].size, 8);
	assert_int_equal(r->calls[0].is_write, 1);
	assert_int_equal(r->calls[0].data, 0x1122334455667788ull);

	r->value = 0xcafef00d;
	mmio_exit(f, 0xd0000ffc, 4, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 2);
	assert_int_equal(r->calls[1].addr, 0xd0000ffc);
	assert_int_equal(r->calls[1].size, 4);
	assert_int_equal(r->calls[1].is_write, 0);
	assert_int_equal(le_load(f->run->mmio.data, 4), 0xcafef00d);
	for (i = 4; i < 8; i++)
		assert_int_equal(f->run->mmio.data[i], SENTINEL);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_MMIO], 2);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 0);
	assert_running(f);
}

static void test_mmio_unhooked(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	int i;

	assert_int_equal(hooks__add_mmio(&f->vm.hooks, 0xd0000000, 0x1000, "dev", mmio_hook, r), 0);
	mmio_exit(f, 0xcffffffc, 4, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->run->mmio.data[i], 0xff);
	assert_int_equal(f->run->mmio.data[4], SENTINEL);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 1);

	mmio_exit(f, 0xd0001000, 2, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(f->run->mmio.data[0], SENTINEL);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 2);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 0);
	assert_int_equal(r->nr, 0);
	assert_running(f);
}

static void test_mmio_bad_len_ignored(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_mmio(&f->vm.hooks, 0xd0000000, 0x1000, "dev", mmio_hook, r), 0);
	mmio_exit(f, 0xd0000000, 9, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 0);
	assert_int_equal(f->run->mmio.data[0], SENTINEL);
}

static void test_msr_read_write(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_msr(&f->vm.hooks, 0xc0000100, "fs-base", msr_hook, r), 0);
	r->value = 0xdeadbeefcafeull;
	msr_exit(f, 0, 0xc0000100, 0);
	f->run->msr.error = 1; /* a stale error is cleared */
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 1);
	assert_ptr_equal(r->calls[0].v, &f->v);
	assert_int_equal(r->calls[0].addr, 0xc0000100);
	assert_int_equal(r->calls[0].is_write, 0);
	assert_int_equal(f->run->msr.data, 0xdeadbeefcafeull);
	assert_int_equal(f->run->msr.error, 0);

	msr_exit(f, 1, 0xc0000100, 0x123456789ull);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 2);
	assert_int_equal(r->calls[1].is_write, 1);
	assert_int_equal(r->calls[1].data, 0x123456789ull);
	assert_int_equal(f->run->msr.data, 0x123456789ull);
	assert_int_equal(f->run->msr.error, 0);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_X86_RDMSR], 1);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_X86_WRMSR], 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_MSR_UNHANDLED], 0);
	assert_running(f);
}

/* -EPERM from the hook: the guest takes #GP, the VM goes on, RDMSR data is not replaced. */
static void test_msr_eperm(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_msr(&f->vm.hooks, 0x3a, "feature-control", msr_hook, r), 0);
	r->ret = -EPERM;
	r->value = 0x77;
	msr_exit(f, 0, 0x3a, 0x5555);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 1);
	assert_int_equal(f->run->msr.error, 1);
	assert_int_equal(f->run->msr.data, 0x5555);

	msr_exit(f, 1, 0x3a, 0x1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(r->nr, 2);
	assert_int_equal(f->run->msr.error, 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_MSR_UNHANDLED], 0);
	assert_running(f);
}

static void test_msr_unhooked(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];

	assert_int_equal(hooks__add_msr(&f->vm.hooks, 0x10, "tsc", msr_hook, r), 0);
	msr_exit(f, 0, 0x11, 0x42);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(f->run->msr.error, 1);
	assert_int_equal(f->run->msr.data, 0x42);
	assert_int_equal(f->v.stats.extra[EXIT_X_MSR_UNHANDLED], 1);

	msr_exit(f, 1, 0xf, 0x42);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(f->run->msr.error, 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_MSR_UNHANDLED], 2);
	assert_int_equal(r->nr, 0);
	assert_running(f);
}

static void test_hlt(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, KVM_EXIT_HLT), EXIT_VCPU_DONE);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_HLT], 1);
	assert_running(f);
}

static void test_intr(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, KVM_EXIT_INTR), EXIT_RESUME);
	assert_int_equal(dispatch(f, KVM_EXIT_INTR), EXIT_RESUME);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_INTR], 2);
	assert_int_equal(f->v.stats.extra[EXIT_X_SIGNAL], 2);
	assert_running(f);
	/* The kick of a stop arrives as EINTR: then the vCPU stops. */
	vm__request_stop(&f->vm, 0, 0, "test stop");
	assert_int_equal(dispatch(f, KVM_EXIT_INTR), EXIT_STOP);
	assert_int_equal(f->v.stats.extra[EXIT_X_SIGNAL], 3);
}

static void test_irq_window_resumes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, KVM_EXIT_IRQ_WINDOW_OPEN), EXIT_RESUME);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_IRQ_WINDOW_OPEN], 1);
	assert_running(f);
}

static void test_shutdown_triple_fault(void **state)
{
	struct fixture *f = *state;

	f->run->s.regs.regs.rip = 0xfff0;
	assert_int_equal(dispatch(f, KVM_EXIT_SHUTDOWN), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "triple fault");
	assert_contains(f->vm.stop_reason, "vCPU 2");
	assert_int_equal(f->v.stats.reason[KVM_EXIT_SHUTDOWN], 1);
}

static void test_fail_entry(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, KVM_EXIT_FAIL_ENTRY), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "KVM_EXIT_FAIL_ENTRY");
}

static void emulation_failure(struct fixture *f, const uint8_t *insn, int n)
{
	f->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	f->run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	f->run->emulation_failure.ndata = 3;
	f->run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	f->run->emulation_failure.insn_size = n;
	memcpy(f->run->emulation_failure.insn_bytes, insn, n);
	f->run->s.regs.regs.rip = 0x100234;
}

static const uint8_t popcnt[4] = { 0xf3, 0x0f, 0xb8, 0xc0 };

static void test_internal_error_bytes(void **state)
{
	struct fixture *f = *state;

	emulation_failure(f, popcnt, sizeof(popcnt));
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "[f3 0f b8 c0]");
	assert_contains(f->vm.stop_reason, "rip 0x100234");
	assert_contains(f->vm.stop_reason, "emulation failure");
	assert_contains(f->vm.stop_reason, "vCPU 2");
	assert_int_equal(f->v.stats.reason[KVM_EXIT_INTERNAL_ERROR], 1);
}

static void test_internal_error_full_insn(void **state)
{
	static const uint8_t insn[15] = { 0x26, 0x66, 0x67, 0xf0, 0x2e, 0x3e, 0x36, 0x64,
					  0x65, 0x48, 0x81, 0x84, 0x88, 0x11, 0x22 };
	struct fixture *f = *state;

	emulation_failure(f, insn, sizeof(insn));
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1,
		       "[26 66 67 f0 2e 3e 36 64 65 48 81 84 88 11 22]");
}

static void test_internal_error_without_bytes(void **state)
{
	struct fixture *f = *state;

	f->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	f->run->internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	f->run->internal.ndata = 0;
	f->run->s.regs.regs.rip = 0xabc;
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "event delivery failure");
	assert_contains(f->vm.stop_reason, "rip 0xabc");
	if (strstr(f->vm.stop_reason, "instruction bytes"))
		fail_msg("\"%s\" shows instruction bytes the exit did not carry",
			 f->vm.stop_reason);
}

/* The emulation chain is offered the exit in order; the first to return 1 takes it. */
static void test_emulation_hook_claims(void **state)
{
	struct fixture *f = *state;
	struct recorder *pass = &f->rec[0], *take = &f->rec[1], *late = &f->rec[2];

	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "pass", chain_hook, pass), 0);
	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "take", chain_hook, take), 0);
	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "late", chain_hook, late), 0);
	take->ret = 1;
	emulation_failure(f, popcnt, sizeof(popcnt));
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(pass->nr, 1);
	assert_int_equal(take->nr, 1);
	assert_int_equal(late->nr, 0);
	assert_ptr_equal(take->calls[0].run, f->run);
	assert_ptr_equal(take->calls[0].v, &f->v);
	assert_running(f);
}

/* Nobody claims it: the VM stops as it would without hooks. */
static void test_emulation_hooks_pass(void **state)
{
	struct fixture *f = *state;
	struct recorder *pass = &f->rec[0];

	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "pass", chain_hook, pass), 0);
	emulation_failure(f, popcnt, sizeof(popcnt));
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(pass->nr, 1);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "[f3 0f b8 c0]");
}

/* hooks.h: a chained handler returns "-errno to stop the VM". */
static void test_emulation_hook_error_stops_vm(void **state)
{
	struct fixture *f = *state;
	struct recorder *fail = &f->rec[0], *late = &f->rec[1];

	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "fail", chain_hook, fail), 0);
	assert_int_equal(hooks__add_emulation(&f->vm.hooks, "late", chain_hook, late), 0);
	fail->ret = -EIO;
	emulation_failure(f, popcnt, sizeof(popcnt));
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(late->nr, 0);
	assert_failure_recorded(f, "an emulation hook that returned -EIO");
}

static void debug_exit(struct fixture *f)
{
	f->run->exit_reason = KVM_EXIT_DEBUG;
	f->run->debug.arch.exception = 1;
	f->run->debug.arch.pc = 0x401000;
	f->run->debug.arch.dr6 = 0xffff0ff1;
}

static void test_debug_claimed(void **state)
{
	struct fixture *f = *state;
	struct recorder *pass = &f->rec[0], *take = &f->rec[1];

	assert_int_equal(hooks__add_debug(&f->vm.hooks, "pass", chain_hook, pass), 0);
	assert_int_equal(hooks__add_debug(&f->vm.hooks, "gdb", chain_hook, take), 0);
	take->ret = 1;
	debug_exit(f);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(pass->nr, 1);
	assert_int_equal(take->nr, 1);
	assert_ptr_equal(take->calls[0].run, f->run);
	assert_int_equal(f->v.stats.reason[KVM_EXIT_DEBUG], 1);
	assert_running(f);

	/* A claiming hook that also stopped the VM stops the vCPU. */
	take->stop_status = 3;
	debug_exit(f);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, 3, 0, "stopped by hook");
}

static void test_debug_unclaimed(void **state)
{
	struct fixture *f = *state;

	debug_exit(f);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "debug exit");
	assert_contains(f->vm.stop_reason, "exception 1");
	assert_contains(f->vm.stop_reason, "pc 0x401000");
	assert_contains(f->vm.stop_reason, "dr6 0xffff0ff1");
}

static void test_debug_hook_passes(void **state)
{
	struct fixture *f = *state;
	struct recorder *pass = &f->rec[0];

	assert_int_equal(hooks__add_debug(&f->vm.hooks, "pass", chain_hook, pass), 0);
	debug_exit(f);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(pass->nr, 1);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "no hook claimed");
}

static void test_debug_hook_error_stops_vm(void **state)
{
	struct fixture *f = *state;
	struct recorder *fail = &f->rec[0];

	assert_int_equal(hooks__add_debug(&f->vm.hooks, "fail", chain_hook, fail), 0);
	fail->ret = -EINVAL;
	debug_exit(f);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_int_equal(fail->nr, 1);
	assert_failure_recorded(f, "a debug hook that returned -EINVAL");
}

/* Observers see every exit, already counted, whatever the dispatcher then does with it. */
static void test_observer_sees_every_exit(void **state)
{
	static const uint32_t reasons[] = { KVM_EXIT_IO, KVM_EXIT_INTR, KVM_EXIT_HLT, KVM_EXIT_MMIO,
					    200 };
	struct fixture *f = *state;
	struct recorder *obs = &f->rec[0], *dev = &f->rec[1];
	size_t i;

	assert_int_equal(hooks__add_observer(&f->vm.hooks, "trace", chain_hook, obs), 0);
	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, dev), 0);
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i] == KVM_EXIT_IO)
			io_exit(f, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
		else if (reasons[i] == KVM_EXIT_MMIO)
			mmio_exit(f, 0xd0000000, 4, 0);
		f->run->exit_reason = reasons[i];
		exit__dispatch(&f->v);
		assert_int_equal(obs->nr, i + 1);
		assert_int_equal(obs->calls[i].reason, reasons[i]);
		assert_int_equal(obs->calls[i].total, i + 1);
		assert_ptr_equal(obs->calls[i].run, f->run);
		assert_ptr_equal(obs->calls[i].v, &f->v);
	}
	/* The port write still reached its device. */
	assert_int_equal(dev->nr, 1);
}

/* hooks.h: an observer's return value is ignored, so it neither hides nor alters the exit. */
static void test_observer_return_ignored(void **state)
{
	struct fixture *f = *state;
	struct recorder *first = &f->rec[0], *second = &f->rec[1], *dev = &f->rec[2];

	assert_int_equal(hooks__add_observer(&f->vm.hooks, "first", chain_hook, first), 0);
	assert_int_equal(hooks__add_observer(&f->vm.hooks, "second", chain_hook, second), 0);
	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, dev), 0);

	first->ret = -EIO;
	io_exit(f, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(dev->nr, 1);
	assert_running(f);

	first->ret = 1;
	io_exit(f, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(dev->nr, 2);
	assert_int_equal(first->nr, 2);
	if (second->nr != 2)
		fail_msg("the second observer saw %d of 2 exits: the first one's return value "
			 "hid them",
			 second->nr);
}

static void test_system_event_shutdown(void **state)
{
	struct fixture *f = *state;

	f->run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_int_equal(dispatch(f, KVM_EXIT_SYSTEM_EVENT), EXIT_STOP);
	assert_stopped(f, 0, 0, "powered off");
	assert_int_equal(f->v.stats.reason[KVM_EXIT_SYSTEM_EVENT], 1);
}

static void test_system_event_reset(void **state)
{
	struct fixture *f = *state;

	f->run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_int_equal(dispatch(f, KVM_EXIT_SYSTEM_EVENT), EXIT_STOP);
	assert_stopped(f, 0, 0, "reset");
}

static void test_system_event_crash(void **state)
{
	struct fixture *f = *state;

	f->run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_int_equal(dispatch(f, KVM_EXIT_SYSTEM_EVENT), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "system event 3");
}

static void test_unknown_reason(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, 200), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "unexpected exit reason 200 (UNKNOWN)");
	assert_contains(f->vm.stop_reason, "vCPU 2");
	assert_int_equal(f->v.stats.reason[EXIT_REASON_MAX - 1], 1);
	assert_int_equal(f->v.stats.total, 1);
}

/* A reason the table names but the dispatcher does not handle stops with its name. */
static void test_unhandled_known_reason(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dispatch(f, 39), EXIT_STOP);
	assert_stopped(f, VM_STATUS_GUEST_FAILURE, 1, "39 (MEMORY_FAULT)");
	assert_int_equal(f->v.stats.reason[39], 1);
	assert_int_equal(f->v.stats.reason[EXIT_REASON_MAX - 1], 0);
}

/* The first stop wins: a later failure does not rewrite the status or the reason. */
static void test_first_stop_wins(void **state)
{
	struct fixture *f = *state;

	f->run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_int_equal(dispatch(f, KVM_EXIT_SYSTEM_EVENT), EXIT_STOP);
	assert_int_equal(dispatch(f, 200), EXIT_STOP);
	assert_int_equal(dispatch(f, KVM_EXIT_SHUTDOWN), EXIT_STOP);
	assert_stopped(f, 0, 0, "powered off");
	assert_int_equal(f->v.stats.total, 3);
}

static void test_counters_mixed(void **state)
{
	struct fixture *f = *state;
	struct recorder *r = &f->rec[0];
	uint64_t expect[EXIT_REASON_MAX] = { 0 };
	int i;

	assert_int_equal(hooks__add_pio(&f->vm.hooks, 0x3f8, 8, "com1", pio_hook, r), 0);
	assert_int_equal(hooks__add_mmio(&f->vm.hooks, 0xd0000000, 8, "dev", mmio_hook, r), 0);
	assert_int_equal(hooks__add_msr(&f->vm.hooks, 0x10, "tsc", msr_hook, r), 0);

	io_exit(f, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	io_exit(f, KVM_EXIT_IO_IN, 0x3f8, 1, 4);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	io_exit(f, KVM_EXIT_IO_IN, 0x60, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	expect[KVM_EXIT_IO] = 3;
	mmio_exit(f, 0xd0000000, 4, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	mmio_exit(f, 0xe0000000, 4, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	expect[KVM_EXIT_MMIO] = 2;
	msr_exit(f, 0, 0x10, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	msr_exit(f, 1, 0x10, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	msr_exit(f, 1, 0x11, 0);
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	expect[KVM_EXIT_X86_RDMSR] = 1;
	expect[KVM_EXIT_X86_WRMSR] = 2;
	for (i = 0; i < 3; i++)
		assert_int_equal(dispatch(f, KVM_EXIT_INTR), EXIT_RESUME);
	expect[KVM_EXIT_INTR] = 3;
	assert_int_equal(dispatch(f, KVM_EXIT_IRQ_WINDOW_OPEN), EXIT_RESUME);
	expect[KVM_EXIT_IRQ_WINDOW_OPEN] = 1;
	assert_int_equal(dispatch(f, KVM_EXIT_HLT), EXIT_VCPU_DONE);
	expect[KVM_EXIT_HLT] = 1;
	/* Out-of-range reasons share the last bucket, with the real reason 63. */
	assert_int_equal(dispatch(f, EXIT_REASON_MAX - 1), EXIT_STOP);
	assert_int_equal(dispatch(f, EXIT_REASON_MAX), EXIT_STOP);
	assert_int_equal(dispatch(f, UINT32_MAX), EXIT_STOP);
	expect[EXIT_REASON_MAX - 1] = 3;
	/* Once stopping, exits are still counted. */
	io_exit(f, KVM_EXIT_IO_OUT, 0x3f8, 1, 1);
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	expect[KVM_EXIT_IO]++;

	for (i = 0; i < EXIT_REASON_MAX; i++)
		if (f->v.stats.reason[i] != expect[i])
			fail_msg("reason %d (%s): counted %llu, expected %llu", i,
				 exit__reason_name(i), (unsigned long long)f->v.stats.reason[i],
				 (unsigned long long)expect[i]);
	assert_int_equal(f->v.stats.total, 17);
	assert_int_equal(f->v.stats.extra[EXIT_X_PIO_UNHANDLED], 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_MSR_UNHANDLED], 1);
	assert_int_equal(f->v.stats.extra[EXIT_X_SIGNAL], 3);
	/* Hook calls: 1 + 4 port, 1 MMIO, 2 MSR, and the last port write. */
	assert_int_equal(r->nr, 9);
}

static void test_reason_names(void **state)
{
	int i;

	(void)state;
	assert_string_equal(exit__reason_name(KVM_EXIT_IO), "IO");
	assert_string_equal(exit__reason_name(KVM_EXIT_MMIO), "MMIO");
	assert_string_equal(exit__reason_name(KVM_EXIT_HLT), "HLT");
	assert_string_equal(exit__reason_name(KVM_EXIT_X86_RDMSR), "X86_RDMSR");
	assert_string_equal(exit__reason_name(KVM_EXIT_INTERNAL_ERROR), "INTERNAL_ERROR");
	assert_string_equal(exit__reason_name(39), "MEMORY_FAULT");
	assert_string_equal(exit__reason_name(EXIT_REASON_MAX - 1), "UNKNOWN");
	assert_string_equal(exit__reason_name(EXIT_REASON_MAX), "UNKNOWN");
	assert_string_equal(exit__reason_name(200), "UNKNOWN");
	assert_string_equal(exit__reason_name(UINT32_MAX), "UNKNOWN");
	assert_string_equal(exit__extra_name(EXIT_X_PIO_UNHANDLED), "io_unhandled");
	assert_string_equal(exit__extra_name(EXIT_X_SIGNAL), "signal");
	assert_string_equal(exit__extra_name(EXIT_X_MAX), "?");
	for (i = 0; i < EXIT_X_MAX; i++) {
		const char *name = exit__extra_name(i);

		if (!name || !*name || !strcmp(name, "?"))
			fail_msg("extra counter %d has no name", i);
	}
}

static void test_insn_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[16];

	emulation_failure(f, popcnt, sizeof(popcnt));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, popcnt, 4);
	assert_int_equal(buf[4], 0);

	/* The caller's buffer bounds the copy. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(exit__insn_bytes(f->run, buf, 2), 2);
	assert_memory_equal(buf, popcnt, 2);
	assert_int_equal(buf[2], 0);

	emulation_failure(f, popcnt, 3);
	assert_int_equal(exit__insn_bytes(f->run, buf, 2), 2);
	assert_int_equal(exit__insn_bytes(f->run, buf, 3), 3);

	/* insn_size beyond the 15 bytes x86 allows is clamped. */
	f->run->emulation_failure.insn_size = 200;
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 15);

	/* No bytes unless the exit says it carries them. */
	emulation_failure(f, popcnt, sizeof(popcnt));
	f->run->emulation_failure.flags = 0;
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 0);
	emulation_failure(f, popcnt, sizeof(popcnt));
	f->run->emulation_failure.ndata = 2;
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 0);
	emulation_failure(f, popcnt, sizeof(popcnt));
	f->run->emulation_failure.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 0);
	emulation_failure(f, popcnt, sizeof(popcnt));
	f->run->exit_reason = KVM_EXIT_MMIO;
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 0);
	emulation_failure(f, popcnt, 0);
	assert_int_equal(exit__insn_bytes(f->run, buf, sizeof(buf)), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_io_out_sizes),
		T(test_io_in_sizes),
		T(test_io_rep_out),
		T(test_io_rep_in),
		T(test_io_unhooked),
		T(test_io_bad_size_ignored),
		T(test_io_hook_requests_stop),
		T(test_io_hook_error_stops_vm),
		T(test_mmio_hook_error_stops_vm),
		T(test_mmio_write_read),
		T(test_mmio_unhooked),
		T(test_mmio_bad_len_ignored),
		T(test_msr_read_write),
		T(test_msr_eperm),
		T(test_msr_unhooked),
		T(test_hlt),
		T(test_intr),
		T(test_irq_window_resumes),
		T(test_shutdown_triple_fault),
		T(test_fail_entry),
		T(test_internal_error_bytes),
		T(test_internal_error_full_insn),
		T(test_internal_error_without_bytes),
		T(test_emulation_hook_claims),
		T(test_emulation_hooks_pass),
		T(test_emulation_hook_error_stops_vm),
		T(test_debug_claimed),
		T(test_debug_unclaimed),
		T(test_debug_hook_passes),
		T(test_debug_hook_error_stops_vm),
		T(test_observer_sees_every_exit),
		T(test_observer_return_ignored),
		T(test_system_event_shutdown),
		T(test_system_event_reset),
		T(test_system_event_crash),
		T(test_unknown_reason),
		T(test_unhandled_known_reason),
		T(test_first_stop_wins),
		T(test_counters_mixed),
		T(test_reason_names),
		T(test_insn_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
