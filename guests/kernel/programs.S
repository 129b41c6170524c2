/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The built-in programs (guests/user/programs.def), embedded in the kernel image.  Each ELF
 * starts on a page boundary so that its read-only segments can be mapped into processes in
 * place.  The Makefile puts the stripped ELFs in an include directory of the assembler.
 */
	.section .rodata.programs, "a"
#define PROGRAM(n, d)                                                                          \
	.balign 4096; prog_##n##_start: .incbin #n; prog_##n##_end:
#include "../user/programs.def"
#undef PROGRAM

	.section .rodata
#define PROGRAM(n, d) prog_##n##_name: .asciz #n; prog_##n##_desc: .asciz d;
#include "../user/programs.def"
#undef PROGRAM
	.balign 4096 /* the last page of the last program holds nothing else */

	.section .rodata
	.balign 8
	.globl programs, nr_programs
programs:
#define PROGRAM(n, d) .quad prog_##n##_name, prog_##n##_desc, prog_##n##_start, prog_##n##_end;
#include "../user/programs.def"
#undef PROGRAM
nr_programs:
	.long (nr_programs - programs) / 32

	.section .note.GNU-stack, "", @progbits
