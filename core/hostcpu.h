/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU vmscope itself runs on, as its own CPUID shows it: whether the machine is a virtual
 * machine, whose, and whether its CPU is emulated in software (QEMU's TCG), where some
 * instructions deviate from the SDM in known ways (docs/hosts.md, "The emulated SVM host").
 */
#ifndef VMSCOPE_HOSTCPU_H
#define VMSCOPE_HOSTCPU_H

#include <stdbool.h>

/*
 * The hypervisor signature at CPUID 0x40000000 (EBX, ECX, EDX: 12 characters) into sig[13];
 * "" when CPUID.1:ECX.hypervisor is clear (bare metal).
 */
void hostcpu__signature(char sig[13]);

/* True when the CPU is QEMU's software emulator: signature "TCGTCGTCGTCG". */
bool hostcpu__is_tcg(void);

#endif
