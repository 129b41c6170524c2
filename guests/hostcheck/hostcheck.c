// SPDX-License-Identifier: GPL-2.0
/*
 * The host self-test guest: an ordinary little kernel that checks, with no help from the VMM,
 * the transitions an emulating KVM may get wrong.  It reports each outcome with a ucall
 * (SYNC stage, value); core/hostcheck.c runs it with no fixups installed and reads the
 * results.  Built into vmscope (guests/builtin.S).
 *
 * Every instruction that may fault is bracketed by labels the assembler places and listed in
 * the hc_extable section (start, end, what to report): a #UD there reports it and resumes at
 * the end, whatever the instruction's length.  Any other trap ends the test with its vector.
 */
#include "../lib/kern.h"
#include "../../abi/hostcheck.h"

KERN_DEFINE_ASM

#define CR4_OSXSAVE (1ull << 18)
#define CPUID1_ECX_SSE42 (1u << 20)
#define CPUID1_ECX_POPCNT (1u << 23)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID81_EDX_RDTSCP (1u << 27)

struct hc_extable {
	uint64_t start, end; /* the instruction, and where execution resumes after a #UD */
	uint64_t stage, value; /* what the #UD reports (GUEST_SYNC stage, value) */
};

extern const struct hc_extable __start_hc_extable[], __stop_hc_extable[];

/* Records the instruction between the asm's labels 1 and 2 (operands stage and value). */
#define HC_EXTABLE                                                                                 \
	".pushsection hc_extable, \"a\"\n"                                                         \
	".balign 8\n"                                                                              \
	".quad 1b, 2b, %c[stage], %c[value]\n"                                                     \
	".popsection\n"
#define HC_EXT(s, v) [stage] "i"(s), [value] "i"(v)

static uint8_t user_stack[8192] __attribute__((aligned(16)));
static uint8_t rep_buf[16];
static volatile int in_bp_stage;

static GUEST_CODE const struct hc_extable *hc_find(uint64_t rip, uint64_t stage, uint64_t value)
{
	const struct hc_extable *e;

	for (e = __start_hc_extable; e < __stop_hc_extable; e++)
		if (rip ? e->start == rip : e->stage == stage && e->value == value)
			return e;
	return 0;
}

static GUEST_CODE void hc_unexpected(struct kern_frame *f)
{
	GUEST_SYNC(HC_UNEXPECTED, f->vector, f->rip); /* the VMM stops the test here */
	for (;;)
		__asm__ volatile("hlt");
}

static GUEST_CODE uint64_t on_syscall(struct kern_sysframe *f)
{
	uint64_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	GUEST_SYNC(HC_SYSCALL, (cs & 3) == 0 ? HC_OK : HC_BROKEN, f->rax);
	return 0;
}

/* #UD at a listed instruction: report it and resume after it. */
static GUEST_CODE void on_ud(struct kern_frame *f)
{
	const struct hc_extable *e = hc_find(f->rip, 0, 0);

	if (!e)
		hc_unexpected(f);
	GUEST_SYNC(e->stage, e->value, f->rip);
	f->rip = e->end;
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	int user = (f->cs & 3) == 3;

	if (f->vector == 128) {
		GUEST_SYNC(HC_INT_R3, HC_OK, 0);
	} else if (f->vector == 129) {
		GUEST_SYNC(HC_INT_R0, HC_OK, 0);
	} else if (f->vector == 6) { /* int n or a probed instruction raised #UD */
		on_ud(f);
	} else if (f->vector == 14 && user && f->rip == KERN_SYSCALL_ENTRY) {
		/* SYSCALL stayed at ring 3 and faulted on the supervisor entry page */
		GUEST_SYNC(HC_SYSCALL, HC_BROKEN, f->error);
		f->rip = f->rcx; /* back to the instruction after the SYSCALL */
		f->rflags = f->r11;
	} else if (f->vector == 1 && user && in_bp_stage) {
		/* the VMM's breakpoint landed here: resume past it (RF) */
		GUEST_SYNC(HC_BP_R3, HC_BROKEN, 0);
		f->rflags |= 1ull << 16;
	} else if (f->vector == 1 && user) { /* the single step the VMM asked for landed here */
		GUEST_SYNC(HC_STEP_R3, HC_BROKEN, 0);
		f->rflags &= ~(1ull << 8);
	} else {
		hc_unexpected(f);
	}
}

extern char hc_bp_r3[], hc_rep[], hc_swapgs_next[], hc_fx_next[];
static uint8_t fx_area[512] __attribute__((aligned(16)));

static GUEST_CODE void user_main(void)
{
	__asm__ volatile("syscall" : : "a"(7) : "rcx", "r11", "memory");
	__asm__ volatile("1: int $0x80\n2:\n" HC_EXTABLE
			 :
			 : HC_EXT(HC_INT_R3, HC_BROKEN)
			 : "memory");
	GUEST_SYNC(HC_STEP_R3_ARM, 0, 0); /* the VMM enables KVM single-step at this exit */
	__asm__ volatile("nop; nop; nop" : : : "memory");
	GUEST_SYNC(HC_STEP_R3_DONE, 0, 0);
	in_bp_stage = 1;
	GUEST_SYNC(HC_BP_R3_ARM, (uint64_t)hc_bp_r3, 0); /* a breakpoint there, at ring 3 */
	__asm__ volatile(".globl hc_bp_r3\nhc_bp_r3: nop" : : : "memory");
	GUEST_SYNC(HC_BP_R3_DONE, 0, 0);
	GUEST_DONE();
}

static GUEST_CODE void cpuid(uint32_t leaf, uint32_t *c, uint32_t *d)
{
	uint32_t a = leaf, b;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(*c), "=d"(*d) : "c"(0));
}

/* Announce instruction id (with where it is), or say it is absent: 1 to try it. */
static GUEST_CODE int hc_announce(int id, int present)
{
	const struct hc_extable *e = hc_find(0, HC_INSN_UD, id);

	if (!present) {
		GUEST_SYNC(HC_INSN_ABSENT, id, 0);
		return 0;
	}
	guest_ucall(UCALL_SYNC, HC_INSN, id, e ? e->start : 0, e ? e->end : 0);
	return 1;
}

/*
 * Instructions KVM's emulator may refuse at ring 0: each that CPUID lists is tried once.
 * xgetbv needs CR4.OSXSAVE (#UD without it on any CPU), which is set first.
 */
static GUEST_CODE void probe_ring0(void)
{
	uint32_t c1, d1, c81, d81;
	uint64_t v = 0xf0f0, cr4;

	cpuid(1, &c1, &d1);
	cpuid(0x80000001, &c81, &d81);
	if (hc_announce(HC_I_POPCNT, c1 & CPUID1_ECX_POPCNT))
		__asm__ volatile("1: .byte 0xf3, 0x48, 0x0f, 0xb8, 0xc0\n2:\n" HC_EXTABLE
				 : "+a"(v) /* popcnt %rax, %rax */
				 : HC_EXT(HC_INSN_UD, HC_I_POPCNT));
	if (hc_announce(HC_I_CRC32, c1 & CPUID1_ECX_SSE42))
		__asm__ volatile("1: .byte 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc0\n2:\n" HC_EXTABLE
				 : "+a"(v) /* crc32q %rax, %rax */
				 : HC_EXT(HC_INSN_UD, HC_I_CRC32));
	if (hc_announce(HC_I_RDTSCP, d81 & CPUID81_EDX_RDTSCP))
		__asm__ volatile("1: .byte 0x0f, 0x01, 0xf9\n2:\n" HC_EXTABLE
				 : /* rdtscp */
				 : HC_EXT(HC_INSN_UD, HC_I_RDTSCP)
				 : "rax", "rdx", "rcx");
	if (c1 & CPUID1_ECX_XSAVE) {
		__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE));
	}
	if (hc_announce(HC_I_XGETBV, c1 & CPUID1_ECX_XSAVE))
		__asm__ volatile("1: .byte 0x0f, 0x01, 0xd0\n2:\n" HC_EXTABLE
				 : /* xgetbv */
				 : "c"(0), HC_EXT(HC_INSN_UD, HC_I_XGETBV)
				 : "rax", "rdx");
	if (hc_announce(HC_I_INT, 1))
		__asm__ volatile("1: int $0x81\n2:\n" HC_EXTABLE
				 :
				 : HC_EXT(HC_INSN_UD, HC_I_INT)
				 : "memory");
	GUEST_SYNC(HC_INSN, HC_I_NONE, 0);
}

/*
 * KVM single-step of a REP string instruction: the CPU stops after each iteration (RIP still at
 * it while RCX is not 0), KVM's instruction emulator may run them all in one step.  And of
 * SWAPGS and FXSAVE: the CPU stops after each; an emulating KVM may report the step only after
 * the next instruction (two SWAPGS leave GS as it was).
 */
static GUEST_CODE void probe_step_rep(void)
{
	void *dst = rep_buf;
	uint64_t n = 3;

	guest_ucall(UCALL_SYNC, HC_STEP_REP_ARM, (uint64_t)hc_rep, (uint64_t)hc_swapgs_next,
		    (uint64_t)hc_fx_next);
	__asm__ volatile(".globl hc_rep, hc_swapgs_next, hc_fx_next\n"
			 "hc_rep: rep stosb\n"
			 "	swapgs\n"
			 "hc_swapgs_next: swapgs\n"
			 "	fxsave %[fx]\n"
			 "hc_fx_next: nop\n"
			 "	nop"
			 : "+D"(dst), "+c"(n), [fx] "=m"(fx_area)
			 : "a"(0x5a)
			 : "memory");
	GUEST_SYNC(HC_STEP_REP_DONE, 0, 0);
}

void __attribute__((used)) GUEST_CODE hostcheck_main(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	kern_syscall_fn = on_syscall;
	kern_trap_fn = on_trap;
	probe_ring0();
	probe_step_rep();
	kern_enter_user(user_main, (uint64_t)(user_stack + sizeof(user_stack)), 0x2);
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	and $-16, %rsp\n"
	"	call hostcheck_main\n"
	"1:	hlt\n"
	"	jmp 1b\n");
