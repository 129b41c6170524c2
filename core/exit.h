/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit dispatch: the one place where a return of KVM_RUN is seen.  exit__dispatch() counts the
 * exit per reason for the vCPU and hands it to the hooks.  It touches only the vCPU's kvm_run
 * and the VM's hook table, so it is unit-tested with fabricated kvm_run structures.
 */
#ifndef VMSCOPE_EXIT_H
#define VMSCOPE_EXIT_H

#include <stdint.h>

struct vcpu;

#define EXIT_REASON_MAX 64

/* What the vCPU loop does after an exit. */
enum exit_action {
	EXIT_RESUME = 0, /* enter the guest again */
	EXIT_STOP = 1, /* the VM is stopping (status set with vm__request_stop) */
	EXIT_VCPU_DONE = 2, /* this vCPU has nothing more to run (HLT without an irqchip) */
};

/* Extra counters for exits that vmscope handled in a way worth seeing. */
enum exit_extra {
	EXIT_X_PIO_UNHANDLED,
	EXIT_X_MMIO_UNHANDLED,
	EXIT_X_MSR_UNHANDLED,
	EXIT_X_SIGNAL, /* KVM_RUN interrupted (EINTR) */
	/* Host adaptation (docs/hosts.md): what vmscope completed that KVM did not. */
	EXIT_X_FIX_SYSCALL, /* SYSCALL from ring 3 completed to ring 0 */
	EXIT_X_FIX_INTN, /* int n delivered through the guest IDT */
	EXIT_X_FIX_EMULATE, /* an instruction KVM refused, executed by vmscope */
	EXIT_X_FIX_STEP, /* a ring-3 single step taken through the guest's #DB */
	EXIT_X_FIX_PASS, /* a genuine guest exception passed through an armed handler */
	EXIT_X_MAX
};

struct exit_stats {
	uint64_t reason[EXIT_REASON_MAX]; /* by KVM_EXIT_* (EXIT_REASON_MAX - 1 = out of range) */
	uint64_t extra[EXIT_X_MAX];
	uint64_t total;
};

/*
 * Host adaptation did something for the guest at this exit (x is one of EXIT_X_FIX_*): count
 * it and, when tracing, record a fixup event (kind, rip, info) so the user sees the cost.
 */
void exit__fixup(struct vcpu *v, enum exit_extra x, uint64_t rip, uint64_t info);

/*
 * Counters have one writer (the vCPU thread) and are read live by the control socket: a
 * relaxed atomic store of the incremented value is the same instruction as ++ on x86-64 and
 * makes the concurrent read well defined (pairs with the relaxed loads in trace/control.c).
 */
static inline void exit_stat__inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

/* Handle the exit in v->run.  Returns EXIT_RESUME or EXIT_STOP. */
int exit__dispatch(struct vcpu *v);

/*
 * Instruction bytes of an emulation failure (KVM_CAP_EXIT_ON_EMULATION_FAILURE), copied to buf;
 * returns how many (0 when the exit carries none).
 */
struct kvm_run;
int exit__insn_bytes(const struct kvm_run *run, uint8_t *buf, int size);

/* "IO", "MMIO", "HLT" ...; "UNKNOWN" for reasons this build does not know. */
const char *exit__reason_name(uint32_t reason);
const char *exit__extra_name(enum exit_extra x);

#endif
