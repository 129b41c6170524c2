/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope's own CPUID leaves, which a guest may read to find the VMM.  They sit at 0x40000100,
 * not at 0x40000000, so that a guest scanning the hypervisor range still finds KVM's
 * paravirtual leaves (kvmclock, PV EOI ...) at 0x40000000.  Freestanding: shared with guests.
 */
#ifndef VMSCOPE_ABI_CPUID_H
#define VMSCOPE_ABI_CPUID_H

#define CPUID_VMSCOPE_BASE 0x40000100u /* EAX: max leaf; EBX, ECX, EDX: signature */
#define CPUID_VMSCOPE_INFO 0x40000101u /* EAX: version; EBX: hypercall port; ECX: MMIO; EDX: exit */
#define CPUID_VMSCOPE_FEATURES 0x40000102u /* EAX: what vmscope emulates for this guest */
#define CPUID_VMSCOPE_F_RTM (1u << 0) /* RTM (XBEGIN ...) emulated: vmscope run --rtme */
#define CPUID_VMSCOPE_SIGNATURE "vmscope VMM " /* 12 bytes, in EBX, ECX, EDX order */
#define CPUID_VMSCOPE_VERSION 1

#endif
