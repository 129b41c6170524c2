/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which transitions this host's KVM gets wrong, found by running a small self-test guest
 * (guests/hostcheck/) with no fixups, and the host-adaptation fixups that follow from it.
 * The result is cached per boot (keyed by /proc/sys/kernel/random/boot_id).
 */
#ifndef VMSCOPE_HOSTCHECK_H
#define VMSCOPE_HOSTCHECK_H

#include <stdio.h>

#include "caps.h"

struct hostcheck {
	enum kvm_flavour flavour;
	int ran; /* the self-test guest ran to completion */
	int cached; /* the result came from the per-boot cache */
	int syscall_broken; /* SYSCALL from ring 3 stays at ring 3 */
	int int_r3_broken; /* int n from ring 3 raises #UD */
	int int_r0_broken; /* int n at ring 0 is an emulation failure */
	int step_r3_broken; /* KVM single-step does not reach the VMM at ring 3 */
	int step_rep_broken; /* KVM single-step runs a ring-0 REP string instruction whole */
	int step_late_broken; /* ... or a SWAPGS's or FXSAVE's after the next instruction */
	int bp_r3_broken; /* a hardware breakpoint on a ring-3 instruction does not stop it */
	unsigned int refused; /* bit per HC_I_* instruction KVM refused at ring 0 */
	unsigned int absent; /* bit per HC_I_* instruction not tried: CPUID does not list it */
	unsigned int faulted; /* bit per HC_I_* instruction that raised #UD though listed */
	unsigned int probed; /* bit per HC_I_* instruction tried (this run, not cached) */
	char error[512]; /* why the self-test could not run */
};

/* Run the self-test guest now (about a millisecond of guest time). */
int hostcheck__run(struct hostcheck *hc);

/* The cached result for this boot, or a fresh run (then cached).  0 or -errno. */
int hostcheck__get(struct hostcheck *hc);

/* The fixups (HOSTFIX_*) a host with these results needs; 0 on VMX/SVM. */
unsigned int hostcheck__fixups(const struct hostcheck *hc);

/* Name of a refused-instruction bit. */
const char *hostcheck__insn_name(int bit);

/* The verdicts, the fixups, and whether hardware breakpoints fire here (debug.h). */
void hostcheck__print(FILE *f, const struct hostcheck *hc);

#endif
