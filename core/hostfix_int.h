/* SPDX-License-Identifier: GPL-2.0 */
/* Host adaptation internals shared by hostfix.c, hostfix_deliver.c and step.c. */
#ifndef VMSCOPE_HOSTFIX_INT_H
#define VMSCOPE_HOSTFIX_INT_H

#include <stdint.h>

#include "hostfix.h"

struct vcpu;

#define HF_PRIV 0 /* index in vcpu->priv[] */

enum { HF_W_PF, HF_W_UD, HF_W_DB, HF_NR_WATCH };

/* What a fixup completed: a ring-3 SYSCALL (R11 holds the flags), int n (a frame holds them). */
enum { HF_T_SYSCALL, HF_T_INTN };

struct hf_vcpu {
	uint64_t handler[HF_NR_WATCH]; /* guest #PF, #UD, #DB handler addresses (0: none) */
	int passing; /* slot whose breakpoint is off while its handler's insn is stepped */
	uint64_t pass_rip; /* ... the handler's first instruction, where the vCPU stands */
	int want_db; /* step engine: breakpoint on the #DB handler */
	int want_singlestep; /* step engine: KVM single-step */
	int want_blockirq; /* step engine: no interrupt for this step (a REP's iteration) */
	uint64_t extra_bp; /* step engine: the free slot */
	/* The step engine's, called after a fixup moved the vCPU to another ring (HF_T_*). */
	void (*on_transition)(struct vcpu *v, int kind);
	/* LSTAR, STAR, SFMASK as the guest last wrote them (filtered writes), valid for gen. */
	uint64_t msr[3];
	unsigned int msr_known; /* bit per msr[] slot */
	uint64_t msr_gen; /* vcpu->state_gen when cached */
	hostfix_syscall_fn *on_syscall; /* hostfix__observe_syscalls */
	void *on_syscall_opaque;
	int applied;
	uint32_t cur_flags;
	uint64_t cur_dr[4];
};

struct vm;
struct vcpu;
void hostfix__free(struct vm *vm);
void step__free(struct vm *vm);

/* A REP string instruction stepped one iteration at a time (step_rep.c, fixup step-ring0). */
struct steprep {
	int armed; /* the count register holds 1 for this step */
	uint64_t rip; /* the instruction */
	uint64_t count; /* the count the guest gave it */
	int len, size, operands, cond, addr32;
	uint8_t rep, seg; /* its REP prefix (f3, f2) and segment override (64, 65, or 0) */
};

/*
 * Before KVM single-steps the vCPU at ring 0 with the step-ring0 fixup: a REP string instruction
 * with a count above 1 whose next iteration cannot fault gets the count 1.  1 when armed, 0
 * when not, -EIO.
 */
int steprep__limit(struct vcpu *v, struct steprep *sr);
/*
 * At the step's exit: the real count back (less the iteration done), RIP as the CPU leaves
 * it.  1 when the iteration ran, 0 when it did not (or nothing was armed), -EIO.
 */
int steprep__done(struct vcpu *v, struct steprep *sr);

#endif
