/* SPDX-License-Identifier: GPL-2.0 */
/* Program entry: the kernel leaves argc, argv[], NULL, envp[], NULL, auxv at RSP. */
	.text
	.globl _start
_start:
	xor %ebp, %ebp
	mov (%rsp), %rdi
	lea 8(%rsp), %rsi
	lea 8(%rsi,%rdi,8), %rdx
	and $-16, %rsp
	call libc_start
	hlt
	.section .note.GNU-stack, "", @progbits
