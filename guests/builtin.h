/* SPDX-License-Identifier: GPL-2.0 */
/* Guest images built into the vmscope binary (guests/builtin.S). */
#ifndef VMSCOPE_GUESTS_BUILTIN_H
#define VMSCOPE_GUESTS_BUILTIN_H

extern const unsigned char builtin_demo_start[];
extern const unsigned char builtin_demo_end[];

#endif
