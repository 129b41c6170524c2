/* SPDX-License-Identifier: GPL-2.0 */
/* What a guest started by the VMM in protected or long mode finds: the selectors of the GDT
 * the VMM builds (core/boot.c).  Freestanding: shared with guest code. */
#ifndef VMSCOPE_ABI_BOOT_H
#define VMSCOPE_ABI_BOOT_H

/*
 * Selectors of the GDT that the VMM writes, in Linux's order so that a guest can
 * use SYSCALL/SYSRET with STAR[47:32] = BOOT_SEL_CODE64 (kernel CS, SS = CS + 8) and
 * STAR[63:48] = BOOT_SEL_UCODE32 (SYSRET: CS = +16, SS = +8).
 */
#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_CODE64 0x10
#define BOOT_SEL_DATA 0x18
#define BOOT_SEL_UCODE32 0x23 /* ring 3, RPL 3 */
#define BOOT_SEL_UDATA 0x2b
#define BOOT_SEL_UCODE64 0x33
#define BOOT_SEL_TSS 0x38 /* 16-byte system descriptor */

#endif
