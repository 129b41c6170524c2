/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The boot-info block: what the VMM tells a guest kernel that asks (the built-in guest
 * kernel, guests/kernel/): RAM size, vCPU count, host wall-clock time at boot, and a command
 * line.  The VMM writes it at GPA_BOOTINFO before the vCPUs start (docs/vmm.md); a guest
 * checks magic and version before trusting it.  Shared with guest code: no host-only includes.
 */
#ifndef VMSCOPE_BOOTINFO_H
#define VMSCOPE_BOOTINFO_H

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

#ifndef VMSCOPE_GUEST
struct guest_mem;
struct vm;
struct load_info;

/*
 * Write the boot-info block at GPA_BOOTINFO: RAM size from mem, nr_vcpus, the host's wall
 * clock, cmdline (NULL: BOOTINFO_DEFAULT_CMDLINE).  ram_zero: RAM outside the image is still
 * zero (a fresh VM).  0, or -E2BIG / -EFAULT with a message.
 */
int bootinfo__write(struct guest_mem *mem, int nr_vcpus, const char *cmdline, int ram_zero);

/* Load the built-in guest kernel (guests/kernel/) into a fresh vm and write its boot info. */
int bootinfo__load_kernel(struct vm *vm, const char *cmdline, struct load_info *li);
#endif

#endif
