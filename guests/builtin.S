/* SPDX-License-Identifier: GPL-2.0 */
/* Embeds the built guest images; the Makefile passes their paths. */
	.section .rodata
	.balign 16
	.globl builtin_demo_start
	.globl builtin_demo_end
builtin_demo_start:
	.incbin DEMO_ELF
builtin_demo_end:
	.section .note.GNU-stack, "", @progbits
