/* SPDX-License-Identifier: GPL-2.0 */
/* hostfix.c's internals, for its unit tests too. */
#ifndef VMSCOPE_HOSTFIX_INT_H
#define VMSCOPE_HOSTFIX_INT_H

#include <stdint.h>

#include "hostfix.h"

struct vcpu;

enum { HF_W_PF, HF_W_UD, HF_W_DB, HF_NR_WATCH };

struct hf_vcpu {
	uint64_t handler[HF_NR_WATCH]; /* guest #PF, #UD, #DB handler addresses (0: none) */
	int passing; /* slot whose breakpoint is off while its handler's insn is stepped */
	uint64_t pass_rip; /* ... the handler's first instruction, where the vCPU stands */
	int want_db; /* step engine: breakpoint on the #DB handler */
	int want_singlestep; /* step engine: KVM single-step */
	int want_blockirq; /* step engine: no interrupt for this step (a REP's iteration) */
	uint64_t extra_bp; /* step engine: the free slot */
	/* The step engine's, called after a fixup moved the vCPU to another ring (HF_T_*). */
	hostfix_transition_fn *on_transition;
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

/* The vCPU's host-adaptation state (feature.h), or NULL where none is installed. */
struct hf_vcpu *hostfix__vcpu(struct vcpu *v);

#endif
