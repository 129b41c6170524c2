/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GEARS' injection contract (gears/, docs/gears.md): what the VMM places in the guest and how
 * that code talks back.  The region at GPA_GEARS (abi/layout.h) is VMM-owned memory outside
 * the guest's RAM, read-only to the guest.  The VMM maps it into the guest's kernel half
 * through one unused page-directory-pointer entry of the PDPT that maps the guest's system-call
 * entry (shared by every address space of a kernel that shares its kernel half), and, for
 * return trampolines, into a process through one unused user PML4 entry.  Every entry the
 * VMM writes has its accessed (and dirty) bits set, so the CPU has nothing to write there;
 * the region is nonetheless writable at the guest-physical level, because a page walker may
 * ask for write access to page-table pages whatever their bits (QEMU's TCG does, under
 * nested paging).  The VMM never trusts what the region holds: its state is its own.
 *
 * Nothing here is seen by the guest's own code: the guest runs unmodified.
 */
#ifndef VMSCOPE_ABI_GEARS_H
#define VMSCOPE_ABI_GEARS_H

#define GEARS_PAGE 0x1000ull

/* Pages of the region (offsets from GPA_GEARS and from its kernel mapping). */
#define GEARS_OFF_KPD (0 * GEARS_PAGE) /* kernel page directory: one 2 MiB page, the region */
#define GEARS_OFF_UPDPT (1 * GEARS_PAGE) /* user mapping: PDPT, PD, PT of the trampoline page */
#define GEARS_OFF_UPD (2 * GEARS_PAGE)
#define GEARS_OFF_UPT (3 * GEARS_PAGE)
#define GEARS_OFF_STUB (4 * GEARS_PAGE) /* the system-call entry stub and its data */
#define GEARS_OFF_TRAMP (5 * GEARS_PAGE) /* the user return trampoline */
#define GEARS_OFF_CALL (6 * GEARS_PAGE) /* a call's return stub and exception handlers */
#define GEARS_OFF_IDT (7 * GEARS_PAGE) /* a call's IDT: 256 gates to the handlers */
#define GEARS_OFF_CODE (8 * GEARS_PAGE) /* injected code (vmscope inject) */
#define GEARS_CODE_MAX (0x100000ull - GEARS_OFF_CODE)
#define GEARS_OFF_DATA 0x100000ull /* an injected call's data area (RSI), writable */
#define GEARS_DATA_SIZE 0xb0000ull
#define GEARS_OFF_IST_TOP 0x1c0000ull /* the exception stack: the 64 KiB below */
#define GEARS_OFF_STACK_TOP GPA_GEARS_SIZE /* the call's stack: the 256 KiB below the end */

/*
 * A call into the guest (gears__call): the kernel mapping's page directory holds, while the
 * call runs, a second 2 MiB entry: the region again, writable and not executable, at
 * GEARS_WRITABLE past the kernel mapping (the data area and the stack).  The code runs at
 * CPL 0 with interrupts off and the region's IDT, and returns (RET) to the return stub,
 * which writes PORT_GEARS_DONE with the result in RAX; an exception enters handler n on the
 * region's own exception stack (whatever the code did to RSP), which writes
 * PORT_GEARS_FAULT with n in CL.  Both reload CR3 first, so no translation
 * of the call's writable mapping outlives it.
 */
#define GEARS_WRITABLE 0x200000ull
#define GEARS_CALL_RET 0x0 /* in the call page: the return stub */
#define GEARS_CALL_COMMON 0x20 /* ... the handlers' common tail */
#define GEARS_CALL_TSS 0x100 /* ... a 64-bit TSS: every gate switches to its IST1 stack */
#define GEARS_CALL_HANDLERS 0x800 /* ... 256 handlers of 8 bytes */

/*
 * In the stub page: one entry stub per vCPU (each vCPU's LSTAR points at its own, so each
 * continues at the entry its guest set, however often it changes), then the selection.
 */
#define GEARS_STUB_SLOT 48 /* bytes per vCPU: the code, then its data */
#define GEARS_STUB_ORIG 40 /* in a slot, u64: the vCPU's own LSTAR, where its stub continues */
#define GEARS_STUB_BITMAP 0xc00 /* 512 bits: the selected system-call numbers */

/*
 * The user mapping: the trampoline at the start of the PML4 slot's range, the doorbell page
 * (GPA_GEARS_DOORBELL, MMIO) right after it.  The trampoline writes RAX (the return value) to
 * the doorbell; the VMM then resumes the caller where its call returns.
 */
#define GEARS_USER_TRAMP 0x0ull
#define GEARS_USER_DOORBELL 0x1000ull

#endif
