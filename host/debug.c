// SPDX-License-Identifier: GPL-2.0
/* Guest-debugging probe (debug.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/boot.h"
#include "host.h"
#include "../lib/err.h"
#include "../abi/layout.h"
#include "../core/mem.h"
#include "../core/vcpu.h"
#include "../core/vm.h"

#define PROBE_MEM (4ull << 20)
#define PROBE_TIMEOUT_MS 10000

/*
 * The probe guest, at GPA_DEFAULT_LOAD in long mode at ring 0: the breakpoint is on the second
 * nop; the run ends at the debug-exit port either way.
 */
static const uint8_t probe_code[] = {
	0x90, /* nop */
	0x90, /* nop: the breakpoint */
	0x31, 0xc0, /* xor %eax, %eax */
	0xe7, PORT_DEBUG_EXIT, /* out %eax, $0xf4 */
	0xf4, /* hlt */
	0xeb, 0xfd, /* jmp to the hlt */
};
#define PROBE_BP_OFFSET 1

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static int probe_done;
static int probe_result;
static char probe_why[512];

struct probe_run {
	uint64_t bp;
	int hits;
};

static int probe_debug(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct probe_run *p = opaque;

	if (run->debug.arch.pc == p->bp)
		p->hits++;
	vcpu__set_debug(v, 0, NULL, 0);
	return 1;
}

static int probe_setup(struct vm *vm, struct probe_run *p)
{
	struct boot_params bp = {
		.mode = BOOT_LONG,
		.entry = GPA_DEFAULT_LOAD,
		.stack = GPA_BOOT_STACK_TOP,
		.map_bytes = PROBE_MEM,
		.build_tables = 1,
	};
	void *code = mem__gpa_to_hva(&vm->mem, GPA_DEFAULT_LOAD, sizeof(probe_code));
	int ret;

	if (!code)
		return err__set(EFAULT, "no guest memory for the breakpoint probe");
	memcpy(code, probe_code, sizeof(probe_code));
	p->bp = GPA_DEFAULT_LOAD + PROBE_BP_OFFSET;
	ret = vm__boot(vm, &bp);
	if (!ret)
		ret = hooks__add_debug(&vm->hooks, "debug-probe", probe_debug, p);
	if (!ret)
		ret = vcpu__set_debug(&vm->vcpus[0], KVM_GUESTDBG_USE_HW_BP, &p->bp, 1);
	return ret;
}

/* Run the probe guest: 1 the breakpoint stopped it, 0 it ran past, -errno (message set). */
static int probe_run(void)
{
	struct vm_opts o = {
		.mem_size = PROBE_MEM, .nr_vcpus = 1, .console_fd = -1, .input_fd = -1
	};
	struct probe_run p = { 0 };
	struct vm vm;
	int ret;

	ret = vm__create(&vm, &o);
	if (!ret)
		ret = probe_setup(&vm, &p);
	if (!ret)
		ret = vm__start(&vm);
	if (!ret && vm__wait(&vm, PROBE_TIMEOUT_MS) == -ETIMEDOUT) {
		vm__request_stop(&vm, VM_STATUS_TIMEOUT, 1, "timeout");
		vm__wait(&vm, -1);
	}
	if (!ret && (vm.failed || vm.exit_status))
		ret = err__set(EIO, "the breakpoint probe guest failed: %s", vm.stop_reason);
	vm__destroy(&vm);
	return ret ? ret : p.hits > 0;
}

static void probe_explain(int ret)
{
	if (ret < 0) {
		snprintf(probe_why, sizeof(probe_why),
			 "cannot tell whether hardware breakpoints fire here: %s", err__msg(ret));
		return;
	}
	if (ret)
		return;
	snprintf(probe_why, sizeof(probe_why),
		 "a KVM_GUESTDBG_USE_HW_BP breakpoint on a ring-0 instruction did not stop the "
		 "guest%s; vmscope steps to breakpoint targets instead (KVM single-step)",
		 hostcpu__is_tcg() ? " (this host's CPU is QEMU's TCG emulator, whose VMRUN does "
				     "not arm the breakpoints KVM loads for its guest)"
				   : "");
}

int debug__hw_breakpoints(char *why, size_t size)
{
	int ret;

	pthread_mutex_lock(&probe_lock);
	if (!probe_done) {
		probe_result = probe_run();
		probe_explain(probe_result);
		probe_done = 1;
	}
	ret = probe_result;
	if (why && size)
		snprintf(why, size, "%s", probe_why);
	pthread_mutex_unlock(&probe_lock);
	return ret;
}
