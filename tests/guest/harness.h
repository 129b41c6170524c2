/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the tests that boot guests (the KVM selftests' shape): the guest code lives
 * in the test file itself, marked GUEST_CODE; the harness loads the test's own executable
 * into guest memory at its link addresses, identity-maps it, and starts the vCPUs at a guest
 * function.  Guest asserts come back as ucalls and fail the test with their text.
 * Exit status: 0 passed, 1 failed, 77 skipped (a missing host capability, printed).
 */
#ifndef VMSCOPE_TEST_HARNESS_H
#define VMSCOPE_TEST_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/boot.h"
#include "../../core/devices.h"
#include "../../lib/err.h"
#include "../../abi/layout.h"
#include "../../core/loader.h"
#include "../../core/vcpu.h"
#include "../../core/vm.h"
#include "../../guests/lib/guest.h"

#define KSFT_SKIP 77

static int harness_failed;

#define HARNESS_FN static __attribute__((unused))

#define TEST_ASSERT(cond, ...)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond);           \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			harness_failed = 1;                                                        \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

typedef void (*guest_fn)(uint64_t vcpu_id, uint64_t nr_vcpus);

struct tvm_opts {
	int nr_vcpus;
	uint64_t mem_size;
	int ring;
	int no_irqchip;
	guest_fn entry;
	int console_fd; /* default: stderr */
};

/* The guest function is called with a 16-byte aligned stack; if it returns, ud2 stops it. */
__asm__(".section .text.guest, \"ax\"\n"
	".globl harness_trampoline\n"
	"harness_trampoline:\n"
	"	and $-16, %rsp\n"
	"	call *%rdx\n"
	"	ud2\n"
	".previous\n");
void harness_trampoline(void);

/* Skip (exit 77) when this host cannot run guests at all. */
HARNESS_FN void harness_require_kvm(void)
{
	struct kvm_dev k;
	int ret = kvm_dev__open(&k, NULL);

	if (ret) {
		printf("SKIP: %s\n", err__msg(ret));
		exit(KSFT_SKIP);
	}
	kvm_dev__close(&k);
}

static int harness_load_self(struct vm *vm)
{
	struct load_info li;
	int ret = loader__load_file(&vm->mem, "/proc/self/exe", 0, &li);

	if (ret)
		fprintf(stderr, "cannot load the test image into the guest: %s\n", err__msg(ret));
	return ret;
}

static int harness_set_fn(struct vm *vm, guest_fn fn)
{
	struct kvm_regs regs;
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vcpu__get_regs(&vm->vcpus[i], &regs))
			return -1;
		regs.rdx = (uint64_t)(uintptr_t)fn;
		if (vcpu__set_regs(&vm->vcpus[i], &regs))
			return -1;
	}
	return 0;
}

/* Create a VM running o->entry on every vCPU in long mode (not started yet). */
HARNESS_FN int tvm_create(struct vm *vm, const struct tvm_opts *o)
{
	struct vm_opts vo = {
		.mem_size = o->mem_size ? o->mem_size : 64ull << 20,
		.nr_vcpus = o->nr_vcpus ? o->nr_vcpus : 1,
		.console_fd = o->console_fd ? o->console_fd : STDERR_FILENO,
		.input_fd = -1,
		.no_irqchip = o->no_irqchip,
	};
	struct boot_params p = {
		.mode = BOOT_LONG,
		.ring = o->ring,
		.entry = (uint64_t)(uintptr_t)harness_trampoline,
		.stack = GPA_BOOT_STACK_TOP,
		.map_bytes = GPA_MMIO_HOLE_END,
		.build_tables = 1,
	};
	int ret = vm__create(vm, &vo);

	if (!ret)
		ret = harness_load_self(vm);
	if (!ret)
		ret = vm__boot(vm, &p);
	if (!ret)
		ret = harness_set_fn(vm, o->entry);
	if (ret) {
		fprintf(stderr, "cannot set up the test VM: %s\n", err__msg(ret));
		vm__destroy(vm);
	}
	return ret;
}

/* Run until the guest stops (at most timeout_s seconds); returns the VM's exit status. */
HARNESS_FN int tvm_run(struct vm *vm, int timeout_s)
{
	int ret = vm__start(vm);

	if (ret)
		return -1;
	if (vm__wait(vm, timeout_s * 1000) == -ETIMEDOUT) {
		vm__request_stop(vm, VM_STATUS_TIMEOUT, 1, "test timeout after %d s", timeout_s);
		vm__wait(vm, -1);
	}
	if (vm->failed)
		fprintf(stderr, "  vm stopped: %s\n", vm->stop_reason);
	return vm->exit_status;
}

/* Sum of one exit reason over every vCPU. */
HARNESS_FN uint64_t tvm_exits(struct vm *vm, uint32_t reason)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].stats.reason[reason];
	return n;
}

struct harness_case {
	const char *name;
	int (*fn)(void);
};

/* Run each case, print TAP-like lines, exit 0 if all passed. */
HARNESS_FN int harness_main(const struct harness_case *cases, int n)
{
	int i, failed = 0;

	harness_require_kvm();
	printf("1..%d\n", n);
	for (i = 0; i < n; i++) {
		int ret;

		harness_failed = 0;
		err__clear();
		ret = cases[i].fn();
		if (ret || harness_failed)
			failed++;
		printf("%s %d - %s\n", ret || harness_failed ? "not ok" : "ok", i + 1,
		       cases[i].name);
		fflush(stdout);
	}
	return failed ? 1 : 0;
}

#endif
