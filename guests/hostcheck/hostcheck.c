// SPDX-License-Identifier: GPL-2.0
/*
 * The host self-test guest: an ordinary little kernel that checks, with no help from the VMM,
 * the transitions an emulating KVM may get wrong.  It reports each outcome with a ucall
 * (SYNC stage, value); core/hostcheck.c runs it with no fixups installed and reads the
 * results.  Built into vmscope (guests/builtin.S).
 */
#include "../lib/kern.h"
#include "hostcheck.h"

KERN_DEFINE_ASM

static uint8_t user_stack[8192] __attribute__((aligned(16)));

static GUEST_CODE uint64_t on_syscall(struct kern_sysframe *f)
{
	uint64_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	GUEST_SYNC(HC_SYSCALL, (cs & 3) == 0 ? HC_OK : HC_BROKEN, f->rax);
	return 0;
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	switch (f->vector) {
	case 128:
		GUEST_SYNC(HC_INT_R3, HC_OK, 0);
		return;
	case 6: /* int n raised #UD instead of reaching its gate */
		GUEST_SYNC(HC_INT_R3, HC_BROKEN, 0);
		f->rip += 2;
		return;
	case 14: /* SYSCALL stayed at ring 3 and faulted on the supervisor entry page */
		GUEST_SYNC(HC_SYSCALL, HC_BROKEN, f->error);
		f->rip = f->rcx; /* back to the instruction after the SYSCALL */
		f->rflags = f->r11;
		return;
	case 1: /* the single step the VMM asked for landed in the guest */
		GUEST_SYNC(HC_STEP_R3, HC_BROKEN, 0);
		f->rflags &= ~(1ull << 8);
		return;
	case 129:
		GUEST_SYNC(HC_INT_R0, HC_OK, 0);
		return;
	default:
		GUEST_SYNC(HC_UNEXPECTED, f->vector, f->rip);
	}
}

static GUEST_CODE void user_main(void)
{
	__asm__ volatile("syscall" : : "a"(7) : "rcx", "r11", "memory");
	__asm__ volatile("int $0x80" : : : "memory");
	GUEST_SYNC(HC_STEP_R3_ARM, 0, 0); /* the VMM enables KVM single-step at this exit */
	__asm__ volatile("nop; nop; nop" : : : "memory");
	GUEST_SYNC(HC_STEP_R3_DONE, 0, 0);
	GUEST_DONE();
}

/* Instructions KVM's emulator may refuse at ring 0: each is tried once. */
static GUEST_CODE void probe_ring0(void)
{
	uint64_t v = 0xf0f0;

	GUEST_SYNC(HC_INSN, HC_I_POPCNT, 0);
	__asm__ volatile(".byte 0xf3, 0x48, 0x0f, 0xb8, 0xc0" : "+a"(v)); /* popcnt %rax,%rax */
	GUEST_SYNC(HC_INSN, HC_I_CRC32, 0);
	__asm__ volatile(".byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc0" : "+a"(v)); /* crc32q */
	GUEST_SYNC(HC_INSN, HC_I_RDTSCP, 0);
	__asm__ volatile(".byte 0x0f, 0x01, 0xf9" : : : "rax", "rdx", "rcx"); /* rdtscp */
	GUEST_SYNC(HC_INSN, HC_I_XGETBV, 0);
	__asm__ volatile(".byte 0x0f, 0x01, 0xd0" : : "c"(0) : "rax", "rdx"); /* xgetbv */
	GUEST_SYNC(HC_INSN, HC_I_INT, 0);
	__asm__ volatile("int $0x81" : : : "memory");
	GUEST_SYNC(HC_INSN, HC_I_NONE, 0);
}

void __attribute__((used)) GUEST_CODE hostcheck_main(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	kern_syscall_fn = on_syscall;
	kern_trap_fn = on_trap;
	probe_ring0();
	kern_enter_user(user_main, (uint64_t)(user_stack + sizeof(user_stack)), 0x2);
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	and $-16, %rsp\n"
	"	call hostcheck_main\n"
	"1:	hlt\n"
	"	jmp 1b\n");
