/* SPDX-License-Identifier: GPL-2.0 */
/* The host self-test guest's ucall protocol (GUEST_SYNC stage, value, detail), between
 * guests/hostcheck/ and core/hostcheck.c.  Freestanding: shared with guest code. */
#ifndef VMSCOPE_ABI_HOSTCHECK_H
#define VMSCOPE_ABI_HOSTCHECK_H

enum hc_stage {
	HC_SYSCALL = 1, /* SYSCALL from ring 3 reached ring 0: value OK or BROKEN */
	HC_INT_R3, /* int 0x80 from ring 3 reached its DPL-3 gate */
	HC_INT_R0, /* int 0x81 at ring 0 reached its gate (else an emulation failure) */
	HC_STEP_R3_ARM, /* at this ring-3 exit the VMM enables single-step */
	HC_STEP_R3, /* the step landed in the guest's #DB: BROKEN */
	HC_STEP_R3_DONE, /* ring-3 stepping part over */
	/*
	 * The next ring-0 instruction to try: value = enum hc_insn; the ucall's third and fourth
	 * arguments are where the instruction starts and where the one after it starts.
	 */
	HC_INSN,
	HC_UNEXPECTED, /* an unexpected trap: value = vector, detail = rip; the test stops */
	HC_INSN_ABSENT, /* not tried, CPUID does not list it: value = enum hc_insn */
	HC_INSN_UD, /* raised #UD though CPUID lists it: value = enum hc_insn, detail = rip */
	/*
	 * At this ring-0 exit the VMM single-steps; value = the REP STOSB (3 iterations), the
	 * ucall's third and fourth arguments = the instructions after the SWAPGS and the FXSAVE
	 * that follow it
	 */
	HC_STEP_REP_ARM,
	HC_STEP_REP_DONE, /* REP part over: the VMM counts the steps that stopped at it */
	HC_BP_R3_ARM, /* at this ring-3 exit the VMM sets a breakpoint at value */
	HC_BP_R3, /* the breakpoint landed in the guest's #DB: BROKEN */
	HC_BP_R3_DONE, /* the instruction at value ran */
};

enum hc_result { HC_OK = 1, HC_BROKEN = 2 };

enum hc_insn { HC_I_NONE, HC_I_POPCNT, HC_I_CRC32, HC_I_RDTSCP, HC_I_XGETBV, HC_I_INT, HC_I_MAX };

#endif
