/* SPDX-License-Identifier: GPL-2.0 */
/* Guest images built into the vmscope binary (guests/builtin.S). */
#ifndef VMSCOPE_GUESTS_BUILTIN_H
#define VMSCOPE_GUESTS_BUILTIN_H

extern const unsigned char builtin_kernel_start[]; /* guests/kernel/, docs/guests.md */
extern const unsigned char builtin_kernel_end[];
extern const unsigned char builtin_hostcheck_start[];
extern const unsigned char builtin_hostcheck_end[];

#endif
