/* SPDX-License-Identifier: GPL-2.0 */
/* The step engine's internals shared by step.c and step_rep.c (and unit tests). */
#ifndef VMSCOPE_STEP_INT_H
#define VMSCOPE_STEP_INT_H

#include <stdint.h>

struct vcpu;

/* A REP string instruction stepped one iteration at a time (step_rep.c, fixup step-ring0). */
struct steprep {
	int armed; /* the count register holds 1 for this step */
	uint64_t rip; /* the instruction */
	uint64_t count; /* the count the guest gave it */
	int len, size, operands, cond, addr32;
	uint8_t rep, seg; /* its REP prefix (f3, f2) and segment override (64, 65, or 0) */
};

/*
 * Before KVM single-steps the vCPU at ring 0 with the step-ring0 fixup: a REP string
 * instruction with a count above 1 whose next iteration cannot fault gets the count 1.  1 when
 * armed, 0 when not, -EIO.
 */
int steprep__limit(struct vcpu *v, struct steprep *sr);
/*
 * At the step's exit: the real count back (less the iteration done), RIP as the CPU leaves
 * it.  1 when the iteration ran, 0 when it did not (or nothing was armed), -EIO.
 */
int steprep__done(struct vcpu *v, struct steprep *sr);

#endif
