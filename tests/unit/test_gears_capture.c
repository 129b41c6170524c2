// SPDX-License-Identifier: GPL-2.0
/*
 * System-call capture on fabricated exits, with KVM faked (ioctl and the breakpoint probe are
 * wrapped at link time): the mechanisms no host here can run.
 *  - An emulating host (PVM), where vmscope completes every ring-3 SYSCALL itself: capture
 *    rides on that completion, adds no exit for an unselected call, and follows a selected
 *    call's return through the trampoline.
 *  - Trap mode by a hardware breakpoint on the guest's own entry, where breakpoints fire: the
 *    CPU keeps the guest's LSTAR, the breakpoint is armed on the vCPU that wrote it, each call
 *    stops once and resumes with RFLAGS.RF.
 *  - Filter mode's stub: the CPU gets the stub, the guest's reads get its own LSTAR.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "../../abi/gears.h"
#include "../../abi/kprofile.h"
#include "../../abi/layout.h"
#include "../../gears/gears.h"
#include "../../gears/gears_int.h"
#include "../../lib/err.h"
#include "exit.h"
#include "hostfix.h"
#include "hostfix_int.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"
#include "fab.h"

#define MSR_LSTAR 0xc0000082
#define MSR_STAR 0xc0000081
#define MSR_KERNEL_GS_BASE 0xc0000102
#define RFLAGS_RF (1ull << 16)

#define CR3 FAB_CR3 /* the first 2 MiB mapped for user mode (fab.h) */
#define KPDPT 0x4000ull /* the kernel half's PDPT (PML4 entry 511), otherwise empty */
#define LSTAR 0xffffffff81000000ull
#define PF_HANDLER 0xffffffff81000800ull
#define KSTACK 0x8000ull /* the #PF frame */
#define USER_RSP 0x7000ull
#define USER_RIP 0x5002ull /* after the SYSCALL at 0x5000 */
#define NR_OPENAT 257
#define NR_GETPID 39

/* The fake KVM: MSRs as KVM holds them, the last guest-debug request. */
static uint64_t fake_lstar, fake_kernel_gs;
static struct kvm_guest_debug fake_dbg;

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static int fake_msrs(struct kvm_msrs *m, int set)
{
	unsigned int i;

	for (i = 0; i < m->nmsrs; i++) {
		uint32_t idx = m->entries[i].index;
		uint64_t *reg = idx == MSR_LSTAR	    ? &fake_lstar
				: idx == MSR_KERNEL_GS_BASE ? &fake_kernel_gs
							    : NULL;

		if (!reg)
			m->entries[i].data =
				m->entries[i].index == MSR_STAR ? 0x0023001000000000ull : 0x47700;
		else if (set)
			*reg = m->entries[i].data;
		else
			m->entries[i].data = *reg;
	}
	return (int)m->nmsrs;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	switch (req) {
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_X86_SET_MSR_FILTER:
		return 0;
	case KVM_SET_GUEST_DEBUG:
		fake_dbg = *(struct kvm_guest_debug *)arg;
		return 0;
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		return fake_msrs(arg, req == KVM_SET_MSRS);
	}
	return __real_ioctl(fd, req, arg);
}

/* A VM of one vCPU stopped at exits the test writes; 8 MiB of RAM with the tables above. */
static struct fab *gears_fab(void)
{
	struct fab *f = fab_new(8 << 20, PTE_P | PTE_W | PTE_U);
	static const uint8_t syscall_insn[2] = { 0x0f, 0x05 };

	f->vm.has_user_msr = 1;
	fab_put64(f, CR3 + 511 * 8, KPDPT | PTE_P | PTE_W);
	assert_int_equal(mem__write(&f->vm.mem, USER_RIP - 2, syscall_insn, 2), 0);
	fake_lstar = fake_kernel_gs = 0;
	memset(&fake_dbg, 0, sizeof(fake_dbg));
	return f;
}

/* The user state of a call: number, first argument, return address, stack. */
static void user_call(struct fab *f, uint64_t nr)
{
	memset(fab_regs(f), 0, sizeof(*fab_regs(f)));
	fab_regs(f)->rax = nr;
	fab_regs(f)->rdi = (uint64_t)-100;
	fab_regs(f)->rsi = 0x6000;
	fab_regs(f)->rcx = USER_RIP;
	fab_regs(f)->r11 = 0x246;
	fab_regs(f)->rsp = USER_RSP;
	fab_sregs(f)->cr3 = CR3;
	fab_sregs(f)->efer = 0; /* the host fixup's IDT watch reads nothing */
}

/*
 * The exit an emulating host gives for a ring-3 SYSCALL: KVM left it at ring 3, the fetch of
 * LSTAR faulted, and the guest's #PF handler's breakpoint stopped the vCPU.
 */
static int pvm_syscall(struct fab *f, uint64_t nr)
{
	/* Error code (user fetch), RIP, CS, RFLAGS (R11 less SFMASK's bits), RSP, SS. */
	uint64_t frame[6] = { 0x15, LSTAR, 0x33, 0x46, USER_RSP, 0x2b };

	user_call(f, nr);
	assert_int_equal(mem__write(&f->vm.mem, KSTACK, frame, sizeof(frame)), 0);
	fab_regs(f)->rip = PF_HANDLER;
	fab_regs(f)->rsp = KSTACK;
	fab_regs(f)->rflags = 0x2;
	fab_sregs(f)->cr2 = LSTAR;
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = 1;
	f->v.run->debug.arch.dr6 = 1 << HOSTFIX_DR_PF;
	f->v.run->debug.arch.pc = PF_HANDLER;
	return exit__dispatch(&f->v);
}

/* The trampoline's doorbell write at the return: RAX is the call's result. */
static int doorbell(struct fab *f, uint64_t ret)
{
	fab_regs(f)->rax = ret;
	fab_regs(f)->rsp = USER_RSP;
	fab_regs(f)->rip = 0xff8000000000ull + GEARS_USER_TRAMP;
	f->v.run->exit_reason = KVM_EXIT_MMIO;
	f->v.run->mmio.phys_addr = GPA_GEARS_DOORBELL;
	f->v.run->mmio.len = 8;
	f->v.run->mmio.is_write = 1;
	memcpy(f->v.run->mmio.data, &ret, 8);
	return exit__dispatch(&f->v);
}

static void wrmsr(struct fab *f, uint32_t index, uint64_t val)
{
	f->v.run->exit_reason = KVM_EXIT_X86_WRMSR;
	f->v.run->msr.index = index;
	f->v.run->msr.data = val;
	f->v.run->msr.error = 0;
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(f->v.run->msr.error, 0);
}

static uint64_t rdmsr(struct fab *f, uint32_t index)
{
	f->v.run->exit_reason = KVM_EXIT_X86_RDMSR;
	f->v.run->msr.index = index;
	f->v.run->msr.data = 0;
	f->v.run->msr.error = 0;
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(f->v.run->msr.error, 0);
	return f->v.run->msr.data;
}

/* The trampoline's address in the process: the PML4 entry GEARS took points at its tables. */
static uint64_t tramp_va(struct fab *f)
{
	int i;

	for (i = 255; i > 0; i--)
		if ((fab_get64(f, CR3 + 8 * i) & PTE_ADDR_MASK) == GPA_GEARS + GEARS_OFF_UPDPT)
			return (uint64_t)i << 39;
	return 0;
}

static struct fab *pvm_fab(const char *sel, enum gears_mode mode)
{
	struct gears_opts o = { .syscalls = sel, .mode = mode };
	struct fab *f = gears_fab();
	struct hf_vcpu *hf;

	assert_int_equal(hostfix__install(&f->vm, HOSTFIX_SYSCALL), 0);
	hf = hostfix__vcpu(&f->v);
	hf->handler[HF_W_PF] = PF_HANDLER;
	assert_int_equal(gears__setup(&f->vm, &o), 0);
	/* The guest kernel's LSTAR write reaches the fixup's hook, not GEARS'. */
	wrmsr(f, MSR_LSTAR, LSTAR);
	assert_int_equal(fake_lstar, LSTAR);
	return f;
}

/* The selection's names for messages: whole names only, " and N more" where they do not fit. */
static void test_selection_names_never_cut(void **state)
{
	struct fab *f = pvm_fab("class:file,500", GEARS_FILTER);
	char buf[80], all[4096], *tok, *save;
	unsigned int shown = 0, more = 0, total = 0;

	(void)state;
	gears__selection(&f->vm, all, sizeof(all));
	for (tok = strtok_r(all, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		total++;
	assert_true(total > 20);
	gears__selection(&f->vm, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_non_null(strstr(buf, " more"));
	*strstr(buf, " and ") = '\0';
	sscanf(strstr(buf + strlen(buf) + 1, "and ") + 4, "%u", &more);
	gears__selection(&f->vm, all, sizeof(all));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char want[64];

		snprintf(want, sizeof(want), ",%s,", tok);
		shown++;
		assert_true(!strncmp(all, tok, strlen(tok)) || strstr(all, want));
	}
	assert_int_equal(shown + more, total);
	fab_free(f);
}

static void test_pvm_unselected_adds_nothing(void **state)
{
	struct fab *f = pvm_fab("openat", GEARS_FILTER);
	struct gears_stats st;

	(void)state;
	assert_string_equal(gears__mechanism(&f->vm), "filter (SYSCALL completion)");
	assert_int_equal(pvm_syscall(f, NR_GETPID), EXIT_RESUME);
	/* The fixup completed the SYSCALL: ring 0 at LSTAR, user stack, return address kept. */
	assert_int_equal(fab_regs(f)->rip, LSTAR);
	assert_int_equal(fab_regs(f)->rsp, USER_RSP);
	assert_int_equal(fab_regs(f)->rcx, USER_RIP);
	assert_int_equal(fab_sregs(f)->cs.selector, 0x10);
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_SYSCALL], 1);
	gears__stats(&f->vm, &st);
	assert_int_equal(st.completed, 1);
	assert_int_equal(st.entry_exits, 0);
	assert_int_equal(st.entries, 0);
	assert_int_equal(tramp_va(f), 0); /* nothing mapped into the process */
	fab_free(f);
}

static void test_pvm_selected_call_and_return(void **state)
{
	struct fab *f = pvm_fab("openat", GEARS_FILTER);
	struct gears_stats st;
	uint64_t va;

	(void)state;
	assert_int_equal(pvm_syscall(f, NR_OPENAT), EXIT_RESUME);
	va = tramp_va(f);
	assert_int_not_equal(va, 0);
	assert_int_equal(fab_regs(f)->rip, LSTAR);
	assert_int_equal(fab_regs(f)->rcx,
			 va + GEARS_USER_TRAMP); /* SYSRET goes to the trampoline */
	assert_int_equal(fab_regs(f)->rdi, (uint64_t)-100); /* arguments untouched */
	gears__stats(&f->vm, &st);
	assert_int_equal(st.completed, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.pending, 1);
	assert_int_equal(st.entry_exits, 0);

	assert_int_equal(doorbell(f, 3), EXIT_RESUME);
	assert_int_equal(fab_regs(f)->rip, USER_RIP); /* back where the SYSCALL returns */
	assert_int_equal(fab_regs(f)->rcx, USER_RIP);
	assert_int_equal(fab_regs(f)->rax, 3);
	gears__stats(&f->vm, &st);
	assert_int_equal(st.returns, 1);
	assert_int_equal(st.pending, 0);
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_SYSCALL], 1);
	fab_free(f);
}

/* Trap mode on an emulating host: the same completion, every call counted, no exit added. */
static void test_pvm_trap_mode(void **state)
{
	struct fab *f = pvm_fab("openat", GEARS_TRAP);
	struct gears_stats st;

	(void)state;
	assert_string_equal(gears__mechanism(&f->vm), "trap (SYSCALL completion)");
	assert_int_equal(pvm_syscall(f, NR_GETPID), EXIT_RESUME);
	assert_int_equal(pvm_syscall(f, NR_OPENAT), EXIT_RESUME);
	gears__stats(&f->vm, &st);
	assert_int_equal(st.completed, 2);
	assert_int_equal(st.entry_exits, 0);
	assert_int_equal(st.entries, 1);
	fab_free(f);
}

/* A return at the doorbell with no call pending stops the VM with a message. */
static void test_pvm_stray_doorbell(void **state)
{
	struct fab *f = pvm_fab("openat", GEARS_FILTER);

	(void)state;
	user_call(f, 0);
	assert_int_equal(doorbell(f, 0), EXIT_STOP);
	assert_non_null(strstr(f->vm.stop_reason, "no call pending"));
	fab_free(f);
}

static struct fab *bp_fab(void)
{
	struct gears_opts o = { .syscalls = "openat", .mode = GEARS_TRAP };
	struct fab *f = gears_fab();

	f->vm.hw_bp_fire = 1; /* as the host layer's probe found */
	assert_int_equal(gears__setup(&f->vm, &o), 0);
	assert_string_equal(gears__mechanism(&f->vm), "trap (hardware breakpoint)");
	wrmsr(f, MSR_LSTAR, LSTAR);
	return f;
}

/* The breakpoint's exit at the guest's entry, in the state SYSCALL leaves. */
static int bp_hit(struct fab *f, uint64_t nr)
{
	user_call(f, nr);
	fab_regs(f)->rip = LSTAR;
	fab_regs(f)->rflags = 0x2;
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = 1;
	f->v.run->debug.arch.dr6 = 1 << VCPU_DR_STANDING;
	f->v.run->debug.arch.pc = LSTAR;
	return exit__dispatch(&f->v);
}

static void test_breakpoint_armed_at_entry(void **state)
{
	struct fab *f = bp_fab();

	(void)state;
	assert_int_equal(fake_lstar, LSTAR); /* the CPU enters the guest's own code */
	assert_int_equal(rdmsr(f, MSR_LSTAR), LSTAR);
	assert_true(fake_dbg.control & KVM_GUESTDBG_ENABLE);
	assert_true(fake_dbg.control & KVM_GUESTDBG_USE_HW_BP);
	assert_int_equal(fake_dbg.arch.debugreg[VCPU_DR_STANDING], LSTAR);
	assert_true(fake_dbg.arch.debugreg[7] & (1ull << (2 * VCPU_DR_STANDING)));
	/* The step engine's own request keeps it armed. */
	assert_int_equal(vcpu__set_debug(&f->v, KVM_GUESTDBG_SINGLESTEP, NULL, 0), 0);
	assert_int_equal(fake_dbg.arch.debugreg[VCPU_DR_STANDING], LSTAR);
	assert_true(fake_dbg.control & KVM_GUESTDBG_SINGLESTEP);
	fab_free(f);
}

static void test_breakpoint_each_call_once(void **state)
{
	struct fab *f = bp_fab();
	struct gears_stats st;

	(void)state;
	assert_int_equal(bp_hit(f, NR_GETPID), EXIT_RESUME);
	assert_true(fab_regs(f)->rflags & RFLAGS_RF); /* the entry runs on without stopping again */
	assert_int_equal(fab_regs(f)->rip, LSTAR);
	assert_int_equal(fab_regs(f)->rcx, USER_RIP);
	assert_int_equal(bp_hit(f, NR_OPENAT), EXIT_RESUME);
	assert_int_equal(fab_regs(f)->rcx, tramp_va(f) + GEARS_USER_TRAMP);
	gears__stats(&f->vm, &st);
	assert_int_equal(st.entry_exits, 2);
	assert_int_equal(st.unselected_exits, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.completed, 0);
	assert_int_equal(doorbell(f, 5), EXIT_RESUME);
	assert_int_equal(fab_regs(f)->rip, USER_RIP);
	fab_free(f);
}

/* A debug exit that is not the entry's breakpoint is left to others. */
static void test_breakpoint_foreign_exit(void **state)
{
	struct fab *f = bp_fab();

	(void)state;
	user_call(f, NR_OPENAT);
	fab_regs(f)->rip = 0x400000;
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = 1;
	f->v.run->debug.arch.dr6 = 1; /* slot 0: the step engine's */
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_non_null(strstr(f->vm.stop_reason, "no hook claimed"));
	fab_free(f);
}

/* Where breakpoints do not fire, trap mode uses the stub; filter mode always does. */
/* Where vCPU 0's stub continues (its slot in the VMM's pages). */
static uint64_t stub_orig(struct fab *f)
{
	struct gears *g = gears_of(&f->vm);
	uint64_t v;

	memcpy(&v, g->region + GEARS_OFF_STUB + GEARS_STUB_ORIG, 8);
	return v;
}

static void test_stub_hides_itself(void **state)
{
	struct gears_opts o = { .syscalls = "openat", .mode = GEARS_TRAP };
	struct fab *f = gears_fab();
	uint64_t stub;

	(void)state;
	f->vm.hw_bp_fire = 0;
	assert_int_equal(gears__setup(&f->vm, &o), 0);
	assert_string_equal(gears__mechanism(&f->vm), "trap (entry stub)");
	wrmsr(f, MSR_LSTAR, LSTAR);
	assert_int_not_equal(fake_lstar, LSTAR); /* the CPU enters the stub ... */
	assert_int_equal(fake_lstar >> 47, 0x1ffff);
	assert_int_equal(rdmsr(f, MSR_LSTAR), LSTAR); /* ... the guest reads its own value */
	assert_int_equal(fake_dbg.control, 0); /* no breakpoint */
	stub = fake_lstar;
	assert_int_equal(stub_orig(f), LSTAR); /* where the stub continues */
	/* A new entry is learned again: the same stub, continuing at the new entry. */
	wrmsr(f, MSR_LSTAR, LSTAR + 0x40);
	assert_int_equal(fake_lstar, stub);
	assert_int_equal(stub_orig(f), LSTAR + 0x40);
	assert_int_equal(rdmsr(f, MSR_LSTAR), LSTAR + 0x40);
	assert_int_equal(gears__remove(&f->vm), 0);
	assert_int_equal(fake_lstar, LSTAR + 0x40); /* the guest's own, as it last wrote it */
	assert_int_equal(fab_get64(f, KPDPT + 8 * 511), 0); /* the stub's mapping removed */
	fab_free(f);
}

/* A task table as the built-in kernel keeps it (abi/kprofile.h), in the fake's RAM. */
#define TASKS 0x10000ull
#define CPU0 0x50000ull

static void put_task(struct fab *f, int slot, uint32_t state, int32_t pid, uint64_t pml4,
		     const char *name)
{
	uint64_t t = TASKS + (uint64_t)slot * KPROF_TASK_SIZE, mm = 0x20000 + slot * 0x100;
	char n[KPROF_NAME_LEN] = { 0 };

	strncpy(n, name, sizeof(n) - 1);
	assert_int_equal(mem__write(&f->vm.mem, t + KPROF_TASK_STATE, &state, 4), 0);
	assert_int_equal(mem__write(&f->vm.mem, t + KPROF_TASK_PID, &pid, 4), 0);
	fab_put64(f, t + KPROF_TASK_MM, pml4 ? mm : 0);
	fab_put64(f, mm + KPROF_MM_PML4, pml4);
	assert_int_equal(mem__write(&f->vm.mem, t + KPROF_TASK_NAME, n, sizeof(n)), 0);
}

static void profiled(struct fab *f)
{
	f->vm.kernel_tasks = TASKS;
	put_task(f, 0, 2, 1, CR3, "init"); /* running */
	put_task(f, 1, 3, 2, 0x30000, "spin"); /* sleeping */
	put_task(f, 2, 1, 3, 0x40000, "spin"); /* runnable */
	put_task(f, 3, KPROF_T_ZOMBIE, 4, 0x60000, "files");
	put_task(f, 4, 2, 5, 0, "idle"); /* a kernel task */
	fab_put64(f, CPU0 + KPROF_CPU_CURRENT, TASKS); /* init runs on this CPU */
	fake_kernel_gs = CPU0; /* user mode: the kernel's GS base waits in KERNEL_GS_BASE */
}

static void test_profile_finds_programs(void **state)
{
	struct fab *f = gears_fab();
	uint64_t cr3 = 0;
	int32_t pid = -1;

	(void)state;
	assert_int_equal(profile__find_program(&f->vm, CR3, "init", &cr3, &pid), -EOPNOTSUPP);
	profiled(f);
	assert_int_equal(profile__find_program(&f->vm, CR3, "init", &cr3, &pid), 0);
	assert_int_equal(cr3, CR3);
	assert_int_equal(pid, 1);
	/* Two processes, two address spaces: the user must choose, and is told which. */
	assert_int_equal(profile__find_program(&f->vm, CR3, "spin", &cr3, &pid), -EINVAL);
	assert_non_null(
		strstr(err__last(), "spin (pid 2, cr3 0x30000), spin (pid 3, cr3 0x40000)"));
	/* A zombie and a kernel task are no address space to inject into. */
	assert_int_equal(profile__find_program(&f->vm, CR3, "files", &cr3, &pid), -ENOENT);
	assert_int_equal(profile__find_program(&f->vm, CR3, "idle", &cr3, &pid), -ENOENT);
	assert_non_null(strstr(err__last(), "running: init (pid 1"));
	/* A table that is not in guest RAM is an error, not a crash. */
	f->vm.kernel_tasks = 0x7fff00000000ull;
	assert_int_equal(profile__find_program(&f->vm, CR3, "init", &cr3, &pid), -EFAULT);
	fab_free(f);
}

static void test_profile_current_process(void **state)
{
	struct fab *f = gears_fab();
	int32_t pid = 0;

	(void)state;
	profiled(f);
	assert_int_equal(profile__current(&f->v, CR3, &pid), 0);
	assert_int_equal(pid, 1);
	/* The running task's address space is not the call's: unknown. */
	assert_int_equal(profile__current(&f->v, 0x30000, &pid), -ENOENT);
	assert_int_equal(pid, -1);
	/* current pointing inside a slot, or a per-CPU pointer to nowhere: unknown. */
	fab_put64(f, CPU0 + KPROF_CPU_CURRENT, TASKS + 8);
	assert_int_equal(profile__current(&f->v, CR3, &pid), -ENOENT);
	fake_kernel_gs = 0x7fff00000000ull;
	assert_int_equal(profile__current(&f->v, CR3, &pid), -ENOENT);
	fab_free(f);
}

/* The running process by GS's base in the kernel, by KERNEL_GS_BASE in user mode. */
static void test_profile_running_process(void **state)
{
	struct fab *f = gears_fab();
	char name[16];
	int32_t pid = 0;

	(void)state;
	assert_int_equal(gears__current_process(&f->v, &pid, name, sizeof(name)), -ENOENT);
	profiled(f);
	fab_sregs(f)->cr3 = CR3;
	fab_sregs(f)->gs.base = 0; /* user mode: the per-CPU area waits in KERNEL_GS_BASE */
	assert_int_equal(gears__current_process(&f->v, &pid, name, sizeof(name)), 0);
	assert_int_equal(pid, 1);
	assert_string_equal(name, "init");
	fake_kernel_gs = 0;
	fab_sregs(f)->gs.base = CPU0; /* in the kernel, after its swapgs */
	assert_int_equal(gears__current_process(&f->v, &pid, name, sizeof(name)), 0);
	assert_string_equal(name, "init");
	fab_sregs(f)->cr3 = 0x30000; /* another address space than the running task's */
	assert_int_equal(gears__current_process(&f->v, &pid, name, sizeof(name)), -ENOENT);
	fab_free(f);
}

/* A selected call's pending return carries the pid the profile gave at its entry. */
static void test_pvm_call_has_pid(void **state)
{
	struct fab *f = pvm_fab("openat", GEARS_FILTER);
	struct gears *g;
	int i, seen = 0;

	(void)state;
	profiled(f);
	assert_int_equal(pvm_syscall(f, NR_OPENAT), EXIT_RESUME);
	g = gears_of(&f->vm);
	for (i = 0; i < GEARS_MAX_PENDING; i++)
		if (g->pending[i].used) {
			assert_int_equal(g->pending[i].pid, 1);
			seen++;
		}
	assert_int_equal(seen, 1);
	fab_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvm_unselected_adds_nothing),
		cmocka_unit_test(test_pvm_selected_call_and_return),
		cmocka_unit_test(test_pvm_trap_mode),
		cmocka_unit_test(test_pvm_stray_doorbell),
		cmocka_unit_test(test_breakpoint_armed_at_entry),
		cmocka_unit_test(test_breakpoint_each_call_once),
		cmocka_unit_test(test_breakpoint_foreign_exit),
		cmocka_unit_test(test_stub_hides_itself),
		cmocka_unit_test(test_profile_finds_programs),
		cmocka_unit_test(test_profile_current_process),
		cmocka_unit_test(test_pvm_call_has_pid),
		cmocka_unit_test(test_profile_running_process),
		cmocka_unit_test(test_selection_names_never_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
