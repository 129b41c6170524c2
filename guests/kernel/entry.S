/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel entry points: the boot entry of every vCPU, exception and interrupt stubs, the
 * SYSCALL entry (LSTAR), the return paths to ring 3, the context switch and the user-copy
 * routine whose faults the #PF handler turns into -EFAULT.
 *
 * Every stub builds a struct trapframe (kernel.h): general registers, vector, error code and
 * the CPU's frame.  GS holds the per-CPU struct cpu in the kernel; SWAPGS switches it on every
 * entry from and exit to ring 3.  Exception stubs begin with ENDBR64 as on a kernel built with
 * IBT.
 */
#define CPU_KSTACK 8
#define CPU_USER_RSP 16
#define TF_CS_FROM_STUB 24 /* CS in the frame after the vector and error were pushed */
#define SEL_UDATA 0x2b
#define SEL_UCODE 0x33
#define VEC_SYSCALL_FRAME 0x100

	.section .text.entry, "ax"
	.globl _start
/* Every vCPU starts here (docs/vmm.md): RDI = vCPU index, RSI = vCPU count. */
_start:
	cli
	cld
	and $-16, %rsp
	test %rdi, %rdi
	jnz 2f
	call kmain
1:	hlt
	jmp 1b
/* Application processors wait until the boot processor has built the kernel. */
2:	pause
	cmpl $0, smp_go(%rip)
	je 2b
	call ap_main
	jmp 1b

	.data
	.globl smp_go
	.balign 4
smp_go:	.long 0

	.text
.macro push_regs
	push %rax; push %rbx; push %rcx; push %rdx; push %rsi; push %rdi; push %rbp
	push %r8; push %r9; push %r10; push %r11; push %r12; push %r13; push %r14; push %r15
.endm

.macro pop_regs
	pop %r15; pop %r14; pop %r13; pop %r12; pop %r11; pop %r10; pop %r9; pop %r8
	pop %rbp; pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rbx; pop %rax
.endm

.macro trap_stub vec
	.balign 16
trap_stub_\vec:
	endbr64
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	trap_stub \vec
.endr

	.balign 16
	.globl irq_timer_stub
irq_timer_stub:
	endbr64
	push $0
	push $0x20
	jmp trap_common

	.balign 16
	.globl irq_resched_stub
irq_resched_stub:
	endbr64
	push $0
	push $0xf1
	jmp trap_common

	.balign 16
	.globl irq_spurious_stub
irq_spurious_stub:
	endbr64
	iretq

trap_common:
	cld			/* ring 3 may have set DF; IRETQ gives it back */
	testb $3, TF_CS_FROM_STUB(%rsp)
	jz 1f
	swapgs
1:	push_regs
	mov %rsp, %rdi
	call trap_handler
	.globl trap_return
trap_return:
	pop_regs
	add $16, %rsp
	testb $3, 8(%rsp)
	jz 2f
	swapgs
2:	iretq

/*
 * SYSCALL from ring 3: RCX = return RIP, R11 = RFLAGS, interrupts off (SFMASK).  The frame
 * looks like an interrupt frame with vector VEC_SYSCALL_FRAME; the return is by SYSRET.
 */
	.balign 16
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:CPU_USER_RSP
	mov %gs:CPU_KSTACK, %rsp
	push $SEL_UDATA
	push %gs:CPU_USER_RSP
	push %r11
	push $SEL_UCODE
	push %rcx
	push $0
	push $VEC_SYSCALL_FRAME
	push_regs
	mov %rsp, %rdi
	call syscall_handler
	pop_regs
	add $16, %rsp
	mov (%rsp), %rcx
	mov 16(%rsp), %r11
	mov 24(%rsp), %rsp
	swapgs
	sysretq

/* A new task's first run (switch_to returns here): drop the kernel lock, enter ring 3. */
	.globl task_first_entry
task_first_entry:
	call sched_first_run
	jmp trap_return

/* switch_to(&prev->ksp, next->ksp): save callee-saved registers, switch kernel stacks. */
	.globl switch_to
switch_to:
	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp
	ret

/*
 * copy_user_asm(dst, src, n): returns 0, or non-zero when a fault in the copy could not be
 * resolved (the #PF handler moves RIP to copy_user_fault).  String moves: KVM's emulator runs
 * each iteration as one instruction, so qwords go eight bytes at a time.
 */
	.globl copy_user_asm, copy_user_start, copy_user_end, copy_user_fault
copy_user_asm:
	mov %rdx, %rcx
	shr $3, %rcx
copy_user_start:
	rep movsq
	mov %rdx, %rcx
	and $7, %rcx
	rep movsb
copy_user_end:
	xor %eax, %eax
	ret
copy_user_fault:
	mov $1, %eax
	ret

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\vec
.endr

	.section .note.GNU-stack, "", @progbits
