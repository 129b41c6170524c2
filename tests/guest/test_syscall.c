// SPDX-License-Identifier: GPL-2.0
/*
 * SYSCALL, SYSRET and IDT gates as the SDM describes them, whatever the host: a ring-3
 * program issues SYSCALL and reaches the kernel's LSTAR entry at ring 0 with RCX = the return
 * RIP, R11 = its RFLAGS, RFLAGS masked by SFMASK, CS/SS from STAR and its own RSP; SYSRET
 * brings it back with its flags.  `int 0x80` reaches a DPL-3 gate; `int 0x81` through a
 * DPL-0 gate raises #GP with the gate's error code, while at ring 0 the same gate is taken.
 * On hosts whose KVM gets these wrong, vmscope completes them (core/hostfix.h); the guest
 * knows nothing of it.
 */
#include "harness.h"
#include "../../core/hostfix.h"
#include "../../host/host.h"
#include "../../guests/lib/kern.h"

KERN_DEFINE_ASM

#define NR_SYSCALLS 20
#define SYS_ADD 42
#define SYS_EXIT 60

static uint8_t user_stack[8192] __attribute__((aligned(16)));
static volatile uint64_t nr_syscalls, nr_int80, nr_gp, nr_pf, nr_int81_r0;
static volatile uint64_t user_rsp_seen;
/*
 * The SDM's #GP error code for a gate whose DPL is below the CPL: the IDT entry's index
 * times 8, plus 2 (IDT).  QEMU's software CPU gives index times 16 plus 2: set by the host.
 */
static volatile uint64_t gp_error_expected = 0x81 * 8 + 2;

static GUEST_CODE uint64_t on_syscall(struct kern_sysframe *f)
{
	GUEST_ASSERT_EQ(f->kernel_cs, BOOT_SEL_CODE64);
	GUEST_ASSERT_EQ(f->kernel_ss, BOOT_SEL_DATA);
	GUEST_ASSERT_EQ(f->kernel_rflags & KERN_SFMASK, 0);
	GUEST_ASSERT_EQ(f->rcx, f->rbx); /* user code put the return address in RBX */
	GUEST_ASSERT_EQ(f->r11 & (1u << 10), 1u << 10); /* DF as the user set it */
	if (f->rax == SYS_EXIT) {
		GUEST_ASSERT_EQ(nr_pf, 1);
		GUEST_SYNC(1, nr_syscalls, nr_int80 | nr_gp << 32);
		GUEST_DONE();
	}
	GUEST_ASSERT_EQ(f->rax, SYS_ADD);
	nr_syscalls++;
	return f->rdi + f->rsi;
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	if (f->vector == 129) { /* int 0x81 at ring 0: a DPL-0 gate is fine there */
		GUEST_ASSERT_EQ(f->cs, BOOT_SEL_CODE64);
		GUEST_ASSERT_EQ(f->rax, 0x81);
		nr_int81_r0++;
		return;
	}
	GUEST_ASSERT_EQ(f->cs, BOOT_SEL_UCODE64);
	if (f->vector == 128) {
		GUEST_ASSERT_EQ(f->rax, 0x80);
		GUEST_ASSERT_EQ(f->rsp, f->rdx); /* the user's RSP at the int */
		nr_int80++;
		return;
	}
	if (f->vector == 14) {
		/* A genuine user fault passes through untouched: read of a supervisor page. */
		GUEST_ASSERT_EQ(f->error, 0x5); /* present, user, read */
		GUEST_ASSERT_EQ(f->rax, KERN_SUPERVISOR_REGION + 0x100);
		f->rip += 3; /* mov (%rax), %rbx */
		nr_pf++;
		return;
	}
	GUEST_ASSERT_EQ(f->vector, 13);
	GUEST_ASSERT_EQ(f->error, gp_error_expected); /* IDT entry, external = 0 */
	GUEST_ASSERT_EQ(*(uint16_t *)f->rip, 0x81cd);
	f->rip += 2; /* skip the int 0x81 */
	nr_gp++;
}

static GUEST_CODE uint64_t user_syscall(uint64_t nr, uint64_t a, uint64_t b)
{
	uint64_t ret, flags;

	__asm__ volatile("lea 1f(%%rip), %%rbx\n\t"
			 "std\n\t"
			 "syscall\n"
			 "1:\n\t"
			 "pushfq; pop %1; cld"
			 : "=a"(ret), "=r"(flags)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rbx", "rcx", "r11", "memory");
	GUEST_ASSERT_EQ(flags & (1u << 10), 1u << 10); /* SYSRET restored DF from R11 */
	return ret;
}

static GUEST_CODE void user_main(void)
{
	uint64_t i;

	GUEST_ASSERT_EQ(guest_ring(), 3);
	for (i = 0; i < NR_SYSCALLS; i++)
		GUEST_ASSERT_EQ(user_syscall(SYS_ADD, i, 1000), i + 1000);
	__asm__ volatile("mov %%rsp, %%rdx; int $0x80" : : "a"(0x80) : "rdx", "memory");
	__asm__ volatile(".byte 0x48, 0x8b, 0x18" /* mov (%%rax), %%rbx */
			 :
			 : "a"(KERN_SUPERVISOR_REGION + 0x100)
			 : "rbx", "memory");
	__asm__ volatile("int $0x81" : : : "memory");
	GUEST_ASSERT_EQ(guest_ring(), 3);
	user_syscall(SYS_EXIT, 0, 0);
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	kern_syscall_fn = on_syscall;
	kern_trap_fn = on_trap;
	__asm__ volatile("int $0x81" : : "a"(0x81) : "memory");
	GUEST_ASSERT_EQ(nr_int81_r0, 1);
	kern_enter_user(user_main, (uint64_t)(user_stack + sizeof(user_stack)), 0x2);
}

static uint64_t synced[3];

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	(void)v;
	(void)opaque;
	if (uc->cmd == UCALL_SYNC)
		memcpy(synced, uc->args, sizeof(synced));
}

static int test_syscall_int(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct vm vm;
	int status;

	uint64_t gp_error = 0x81 * 16 + 2;

	if (tvm_create(&vm, &o))
		return -1;
	if (hostcpu__is_tcg()) {
		/* The guest runs from the test's file: its copy of the variable is in guest RAM. */
		TEST_ASSERT(!mem__write(&vm.mem, (uint64_t)(uintptr_t)&gp_error_expected, &gp_error,
					sizeof(gp_error)),
			    "cannot set the expected error code");
		printf("# expected deviation: QEMU's software CPU gives #GP error code "
		       "vector*16+2 for a DPL-violating int n (SDM: vector*8+2)\n");
	}
	TEST_ASSERT(!hostfix__install(&vm, HOSTFIX_ALL), "%s", err__last());
	vm.on_ucall = on_ucall;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(synced[1] == NR_SYSCALLS, "%llu syscalls", (unsigned long long)synced[1]);
	TEST_ASSERT(synced[2] == (1ull | 1ull << 32), "int 0x80 %llu, #GP %llu",
		    (unsigned long long)(synced[2] & 0xffffffff),
		    (unsigned long long)(synced[2] >> 32));
	printf("# fixups: syscall %llu, int n %llu, passed through %llu\n",
	       (unsigned long long)vm.vcpus[0].stats.extra[EXIT_X_FIX_SYSCALL],
	       (unsigned long long)vm.vcpus[0].stats.extra[EXIT_X_FIX_INTN],
	       (unsigned long long)vm.vcpus[0].stats.extra[EXIT_X_FIX_PASS]);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "syscall_sysret_int_gates", test_syscall_int },
	};

	return harness_main(cases, 1);
}
