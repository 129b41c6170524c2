/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot-info block: what the VMM tells a guest kernel that asks (the built-in guest
 * kernel, guests/kernel/): RAM size, vCPU count, host wall-clock time at boot, and a command
 * line.  The VMM writes it at GPA_BOOTINFO (abi/layout.h) before the vCPUs start (docs/vmm.md);
 * a guest checks magic and version before trusting it.  Freestanding: shared with guest code.
 */
#ifndef VMSCOPE_ABI_BOOTINFO_H
#define VMSCOPE_ABI_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC 0x544f4f4250435356ull /* "VSCPBOOT" in memory */
#define BOOTINFO_VERSION 1
#define BOOTINFO_CMDLINE_MAX 2048

/* What the built-in kernel's init runs when the VMM is given no command (vmscope run). */
#define BOOTINFO_DEFAULT_CMDLINE "hello; files; syscalls; tsx"

/* flags */
#define BOOTINFO_F_RAM_ZERO (1u << 0) /* RAM outside the loaded image is zero at entry */

struct bootinfo {
	uint64_t magic;
	uint32_t version;
	uint32_t size; /* sizeof(struct bootinfo) as the VMM knows it */
	uint64_t ram_size; /* bytes of RAM (below the MMIO hole, then from 4 GiB) */
	uint32_t nr_vcpus;
	uint32_t flags;
	uint64_t wallclock_ns; /* host CLOCK_REALTIME when the VM was booted */
	uint64_t reserved[4];
	char cmdline[BOOTINFO_CMDLINE_MAX]; /* NUL-terminated */
};

_Static_assert(sizeof(struct bootinfo) <= 4096, "the boot-info block is one page");

#endif
