/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal ring-0 runtime for guest tests that need a kernel's view of the CPU: an IDT with
 * trap stubs, a TSS ring-0 stack, user-accessible pages with one supervisor-only region, a
 * SYSCALL entry with SYSRET, and entry to ring 3 by IRETQ.  It is an ordinary x86-64 setup
 * with no knowledge of the host: tests check that the CPU vmscope presents behaves as the SDM
 * says.  Built on the VMM's boot state (GDT, TSS, identity page tables: docs/vmm.md).
 */
#ifndef VMSCOPE_GUEST_KERN_H
#define VMSCOPE_GUEST_KERN_H

#include "../../abi/boot.h"
#include "guest.h"

#define KERN_SUPERVISOR_REGION 0x1000000ull /* 16 MiB: the one 2 MiB page without U */
#define KERN_SYSCALL_ENTRY KERN_SUPERVISOR_REGION
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define KERN_SFMASK 0x47700ull /* TF, IF, DF, IOPL, NT, AC: as Linux */
#define KERN_STAR (((uint64_t)(BOOT_SEL_UCODE32 & ~3) << 48) | ((uint64_t)BOOT_SEL_CODE64 << 32))

/* Saved by the trap stubs: general registers, then vector and error code, then the CPU's frame. */
struct kern_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Saved by the SYSCALL entry: the registers as SYSCALL left them (RCX, R11 included). */
struct kern_sysframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t kernel_cs, kernel_ss, kernel_rflags; /* what the entry saw */
};

struct kern_idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

/* Set by the test: called for every trap and every system call (ring 0). */
extern void (*volatile kern_trap_fn)(struct kern_frame *f);
extern uint64_t (*volatile kern_syscall_fn)(struct kern_sysframe *f);

void kern_trap_common(struct kern_frame *f);
uint64_t kern_syscall_common(struct kern_sysframe *f);

GUEST_INLINE void kern_wrmsr(uint32_t idx, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

GUEST_INLINE uint64_t kern_read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/*
 * The trap stubs and the SYSCALL entry, in assembly.  The SYSCALL entry is copied to the
 * supervisor-only region, so a ring-3 fetch there faults as on any kernel with user pages
 * elsewhere; it is position-independent and finds its stack and handler in its own page.
 */
#define KERN_DEFINE_ASM                                                                            \
	__asm__(".section .text.guest, \"ax\"\n"                                                   \
		".macro kern_stub vec, err\n"                                                      \
		"kern_stub_\\vec:\n"                                                               \
		".if \\err == 0\n"                                                                 \
		"	push $0\n"                                                                       \
		".endif\n"                                                                         \
		"	push $\\vec\n"                                                                   \
		"	jmp kern_trap_entry\n"                                                           \
		".endm\n"                                                                          \
		"kern_stub 0, 0\n kern_stub 1, 0\n kern_stub 3, 0\n kern_stub 6, 0\n"              \
		"kern_stub 8, 1\n kern_stub 13, 1\n kern_stub 14, 1\n kern_stub 128, 0\n"          \
		"kern_stub 129, 0\n"                                                               \
		"kern_trap_entry:\n"                                                               \
		"	push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi\n"              \
		"	push %rbp; push %r8; push %r9; push %r10; push %r11; push %r12\n"                \
		"	push %r13; push %r14; push %r15\n"                                               \
		"	mov %rsp, %rdi\n"                                                                \
		"	call kern_trap_common\n"                                                         \
		"	pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10\n"                    \
		"	pop %r9; pop %r8; pop %rbp; pop %rdi; pop %rsi; pop %rdx\n"                      \
		"	pop %rcx; pop %rbx; pop %rax\n"                                                  \
		"	add $16, %rsp\n"                                                                 \
		"	iretq\n"                                                                         \
		".globl kern_syscall_blob, kern_syscall_blob_end\n"                                \
		"kern_syscall_blob:\n"                                                             \
		"	mov %rsp, 1f(%rip)\n"                                                            \
		"	mov 2f(%rip), %rsp\n"                                                            \
		"	pushfq\n"                                                                        \
		"	push %rax\n"                                                                     \
		"	mov %ss, %eax\n"                                                                 \
		"	xchg %rax, (%rsp)\n"                                                             \
		"	push %rax\n"                                                                     \
		"	mov %cs, %eax\n"                                                                 \
		"	xchg %rax, (%rsp)\n"                                                             \
		"	push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi\n"              \
		"	push %rbp; push %r8; push %r9; push %r10; push %r11; push %r12\n"                \
		"	push %r13; push %r14; push %r15\n"                                               \
		"	mov %rsp, %rdi\n"                                                                \
		"	call *3f(%rip)\n"                                                                \
		"	mov %rax, 14*8(%rsp)\n"                                                          \
		"	pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10\n"                    \
		"	pop %r9; pop %r8; pop %rbp; pop %rdi; pop %rsi; pop %rdx\n"                      \
		"	pop %rcx; pop %rbx; pop %rax\n"                                                  \
		"	mov 1f(%rip), %rsp\n"                                                            \
		"	sysretq\n"                                                                       \
		"	.balign 8\n"                                                                     \
		"1:	.quad 0\n"                                                                     \
		"2:	.quad 0\n"                                                                     \
		"3:	.quad 0\n"                                                                     \
		"kern_syscall_blob_end:\n"                                                         \
		".previous\n");                                                                    \
	void (*volatile kern_trap_fn)(struct kern_frame * f);                                      \
	uint64_t (*volatile kern_syscall_fn)(struct kern_sysframe * f);                            \
	GUEST_CODE void kern_trap_common(struct kern_frame *f)                                     \
	{                                                                                          \
		if (kern_trap_fn)                                                                  \
			kern_trap_fn(f);                                                           \
		else                                                                               \
			guest_ucall_fmt(UCALL_ASSERT, 0, "unexpected trap %lu at 0x%lx",           \
					f->vector, f->rip);                                        \
	}                                                                                          \
	GUEST_CODE uint64_t kern_syscall_common(struct kern_sysframe *f)                           \
	{                                                                                          \
		return kern_syscall_fn ? kern_syscall_fn(f) : (uint64_t)-38;                       \
	}

extern char kern_syscall_blob[], kern_syscall_blob_end[];
void kern_stub_0(void), kern_stub_1(void), kern_stub_3(void), kern_stub_6(void);
void kern_stub_8(void), kern_stub_13(void), kern_stub_14(void), kern_stub_128(void);
void kern_stub_129(void);

static struct kern_idt_entry kern_idt[256] __attribute__((aligned(16), unused));
static uint8_t kern_stack[16384] __attribute__((aligned(16), unused));
static uint8_t kern_syscall_stack[16384] __attribute__((aligned(16), unused));

GUEST_INLINE void kern_set_gate(int vec, void (*fn)(void), int dpl, int ist)
{
	uint64_t a = (uint64_t)fn;

	kern_idt[vec].off0 = a;
	kern_idt[vec].sel = BOOT_SEL_CODE64;
	kern_idt[vec].ist = ist;
	kern_idt[vec].type = 0x8e | (dpl << 5); /* present 64-bit interrupt gate */
	kern_idt[vec].off1 = a >> 16;
	kern_idt[vec].off2 = a >> 32;
	kern_idt[vec].zero = 0;
}

/* Load kern_idt into IDTR (kern_init does it; tests with their own handlers call it alone). */
GUEST_INLINE void kern_load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(kern_idt) - 1, (uint64_t)kern_idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/*
 * Make the identity map of the low 4 GiB user-accessible (ring-3 test code, and the MMIO
 * ucall doorbell, live there) except the 2 MiB page at KERN_SUPERVISOR_REGION.
 */
GUEST_INLINE void kern_setup_pages(void)
{
	uint64_t *pml4 = (uint64_t *)(kern_read_cr3() & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(pml4[0] & 0xffffffffff000ull);
	int i, j;

	pml4[0] |= 4;
	for (i = 0; i < 4; i++) {
		uint64_t *pd = (uint64_t *)(pdpt[i] & 0xffffffffff000ull);

		if (!(pdpt[i] & 1))
			continue;
		pdpt[i] |= 4;
		for (j = 0; j < 512; j++)
			if (((uint64_t)i << 30 | (uint64_t)j << 21) != KERN_SUPERVISOR_REGION)
				pd[j] |= 4;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(kern_read_cr3()) : "memory");
}

/* IDT with the stubs, a ring-0 stack in the TSS, SYSCALL MSRs and the entry blob. */
GUEST_INLINE void kern_init(void)
{
	uint64_t *blob_slots, n = kern_syscall_blob_end - kern_syscall_blob, i;
	uint8_t *dst = (uint8_t *)KERN_SYSCALL_ENTRY;

	kern_set_gate(0, kern_stub_0, 0, 0);
	kern_set_gate(1, kern_stub_1, 0, 0);
	kern_set_gate(3, kern_stub_3, 3, 0);
	kern_set_gate(6, kern_stub_6, 0, 0);
	kern_set_gate(8, kern_stub_8, 0, 0);
	kern_set_gate(13, kern_stub_13, 0, 0);
	kern_set_gate(14, kern_stub_14, 0, 0);
	kern_set_gate(128, kern_stub_128, 3, 0);
	kern_set_gate(129, kern_stub_129, 0, 0);
	kern_load_idt();
	/* TSS.RSP0: traps from ring 3 land on the kernel's own stack. */
	*(volatile uint64_t *)(GPA_BOOT_TSS + 4) = (uint64_t)(kern_stack + sizeof(kern_stack));
	kern_setup_pages();
	for (i = 0; i < n; i++)
		dst[i] = kern_syscall_blob[i];
	blob_slots = (uint64_t *)(dst + n - 24);
	blob_slots[1] = (uint64_t)(kern_syscall_stack + sizeof(kern_syscall_stack));
	blob_slots[2] = (uint64_t)kern_syscall_common;
	kern_wrmsr(MSR_STAR, KERN_STAR);
	kern_wrmsr(MSR_LSTAR, KERN_SYSCALL_ENTRY);
	kern_wrmsr(MSR_SFMASK, KERN_SFMASK);
}

/* Drop to ring 3 at fn with the given stack (RFLAGS: interrupts off, as the test wants). */
GUEST_INLINE void kern_enter_user(void (*fn)(void), uint64_t stack, uint64_t rflags)
{
	__asm__ volatile("push %0; push %1; push %2; push %3; push %4; iretq"
			 :
			 : "i"((uint64_t)BOOT_SEL_UDATA), "r"(stack), "r"(rflags),
			   "i"((uint64_t)BOOT_SEL_UCODE64), "r"((uint64_t)fn)
			 : "memory");
}

#endif
