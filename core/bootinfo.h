/* SPDX-License-Identifier: GPL-2.0 */
/* Writing the boot-info block (abi/bootinfo.h) and loading the built-in guest kernel. */
#ifndef VMSCOPE_BOOTINFO_H
#define VMSCOPE_BOOTINFO_H

#include "../abi/bootinfo.h"

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
