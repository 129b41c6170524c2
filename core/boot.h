/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting a vCPU in real, protected or long mode.  For protected and long mode the VMM can
 * build a flat GDT (with a TSS) and, for long mode, identity page tables at the GPA_BOOT_*
 * addresses of layout.h.  The register images are computed by pure functions so that they are
 * unit-tested without KVM.
 */
#ifndef VMSCOPE_BOOT_H
#define VMSCOPE_BOOT_H

#include <linux/kvm.h>
#include <stdint.h>

#include "../abi/boot.h"

struct guest_mem;

enum boot_mode {
	BOOT_REAL = 0,
	BOOT_PROTECTED = 1,
	BOOT_LONG = 2,
};

struct boot_params {
	enum boot_mode mode;
	int ring; /* 0 or 3 (3: user segments, user-accessible pages) */
	uint64_t entry; /* RIP (real mode: CS:IP is derived from it) */
	uint64_t stack; /* RSP */
	uint64_t map_bytes; /* long mode: identity-map [0, map_bytes) with 2 MiB pages */
	int build_tables; /* build GDT/TSS/page tables in guest memory */
};

/* Parse "real", "protected", "long"; -EINVAL otherwise. */
int boot__parse_mode(const char *s, enum boot_mode *mode);

/* Write GDT, TSS and (long mode) page tables into guest memory. */
int boot__build_tables(struct guest_mem *mem, const struct boot_params *p);

/* Fill sregs for the mode, starting from the vCPU's reset values in *sregs. */
int boot__init_sregs(struct kvm_sregs *sregs, const struct boot_params *p);

/* Fill regs: RIP, RSP, RFLAGS (bit 1 set). */
void boot__init_regs(struct kvm_regs *regs, const struct boot_params *p);

#endif
