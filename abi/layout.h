/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-physical layout (docs/memory.md).  RAM starts at 0; the range [MMIO_HOLE_START, 4 GiB)
 * is never RAM and holds the devices; RAM beyond the hole continues at 4 GiB.
 */
#ifndef VMSCOPE_ABI_LAYOUT_H
#define VMSCOPE_ABI_LAYOUT_H

#define GPA_MMIO_HOLE_START 0xc0000000ull /* 3 GiB */
#define GPA_MMIO_HOLE_END 0x100000000ull /* 4 GiB, exclusive */
#define GPA_HIGH_RAM_START 0x100000000ull

#define GPA_VMSCOPE_MMIO 0xd0000000ull /* vmscope's own MMIO devices */
#define GPA_HYPERCALL_MMIO GPA_VMSCOPE_MMIO /* 8-byte write: guest-virtual ucall pointer */
#define GPA_GEARS_DOORBELL 0xd0001000ull /* GEARS: a user return trampoline's 8-byte write */
#define GPA_GEARS 0xe0000000ull /* GEARS: VMM-owned pages mapped into the guest (abi/gears.h) */
#define GPA_GEARS_SIZE 0x200000ull /* 2 MiB */
#define GPA_IOAPIC 0xfec00000ull
#define GPA_LAPIC 0xfee00000ull

/* Boot structures the VMM builds when asked to start a vCPU in protected or long mode. */
#define GPA_BOOT_GDT 0x1000ull
#define GPA_BOOT_IDT 0x2000ull
#define GPA_BOOT_TSS 0x3000ull
#define GPA_BOOTINFO 0x8000ull /* boot-info block for guest kernels (core/bootinfo.h) */
#define GPA_BOOT_PML4 0x9000ull /* then PDPT at +0x1000, PDs at +0x2000.. */
#define GPA_BOOT_STACK_TOP 0x80000ull

/* Default load address of flat binaries and of the built-in guests. */
#define GPA_DEFAULT_LOAD 0x100000ull

/* Port I/O. */
#define PORT_COM1 0x3f8
#define PORT_DEBUG_EXIT 0xf4 /* 32-bit write: the run ends with this status */
#define PORT_HYPERCALL 0x510 /* 32-bit write; RDI holds the guest-virtual ucall pointer */
#define PORT_GEARS_SYSCALL 0x98 /* GEARS: 8-bit write from the injected syscall entry stub */
#define PORT_GEARS_DONE 0x99 /* GEARS: 8-bit write when injected code has run */
#define PORT_GEARS_FAULT 0x9a /* GEARS: 8-bit write when injected code took an exception */
#define PORT_RTME_BP 0x9b /* RTME: 8-bit write at the entry of the guest's #BP handler */

#endif
