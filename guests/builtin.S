/* SPDX-License-Identifier: GPL-2.0 */
/* Embeds the built guest images; the Makefile passes their paths. */
	.section .rodata
	.balign 16
	.globl builtin_kernel_start
	.globl builtin_kernel_end
builtin_kernel_start:
	.incbin KERNEL_ELF
builtin_kernel_end:
	.balign 16
	.globl builtin_hostcheck_start
	.globl builtin_hostcheck_end
builtin_hostcheck_start:
	.incbin HOSTCHECK_ELF
builtin_hostcheck_end:
	.section .note.GNU-stack, "", @progbits
