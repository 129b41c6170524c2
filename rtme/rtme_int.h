/* SPDX-License-Identifier: GPL-2.0 */
/* RTME's engine internals, shared by rtme.c (instructions, transactions) and order.c. */
#ifndef VMSCOPE_RTME_INT_H
#define VMSCOPE_RTME_INT_H

#include <linux/kvm.h>
#include <pthread.h>

#include "../mime/mime.h"
#include "rtme.h"

struct vcpu;
struct step_info;

#define RTME_VEC_NONE 255 /* an abort with no exception or interrupt delivered */
#define RTME_VEC_UNKNOWN 256 /* left the transaction's ring through no known IDT gate */

/* An RTM instruction made to trap: int3 in place of its first byte. */
struct rtme_site {
	uint64_t gpa; /* of its first byte */
	uint64_t va;
	uint8_t orig; /* the byte the int3 replaced */
	struct rtm_insn insn;
};

/* A #BP handler whose first instruction RTME displaced by an exit (gate.c). */
struct rtme_gate {
	uint64_t target; /* the handler's address */
	uint8_t orig[4];
	int len; /* bytes displaced */
	int push; /* the displaced instruction is push $imm (else a NOP: endbr64) */
	int8_t imm;
};

#define RTME_MAX_GATES 8

enum rtme_role {
	RV_NATIVE, /* runs freely: no transaction live anywhere */
	RV_OBSERVING, /* stepped, each instruction's references checked against transactions */
	RV_TX, /* in a transaction: stepped, its stores kept in the redo log */
};

/* Where a reference lands: up to two pieces when it crosses a page. */
struct rtme_ref {
	uint64_t gpa[2];
	uint32_t len[2];
	uint64_t la;
	uint32_t size;
	uint8_t write;
};

struct rtme_vcpu {
	enum rtme_role role;
	uint64_t gate_seen; /* the #BP handler this vCPU's IDT named at its last exit */
	int native_run; /* in a KVM_RUN that is not a step (atomic: the Dekker pair with live) */
	int bp_in_flight; /* kicked just past one of RTME's int3s: its #BP is on its way (gate.c) */
	int holding; /* holds r->lock across this KVM_RUN */
	int ran_on; /* its last KVM_RUN ended otherwise than by a step: more than one ran */
	int doomed; /* another vCPU's access conflicted: abort before the next instruction */
	int irq_out; /* steps off for an interrupt: waits for no live transaction (order.c) */
	int away; /* an interrupt handler runs (reached unstepped): stepped through, then abort */
	enum rtm_cause doom_cause;
	struct rtm_tx tx;
	/* The state at the outermost XBEGIN. */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave *xsave;
	uint64_t begin_rip, t_begin, cr3;
	uint32_t insns;
	int deferred; /* XBEGINs in a row left for an interrupt (rtme.c) */
	/* The instruction about to run (decoded in rtme__before) and its references. */
	struct mime_insn insn;
	int planned; /* insn and refs describe the instruction at insn.rip */
	int guest_tf; /* the guest's own RFLAGS.TF before it (a PUSHF keeps that, not ours) */
	int unknown; /* its references are not known */
	int shadow; /* STI: the length of the instruction its shadow runs in the same step */
	int nr_refs;
	struct rtme_ref refs[MIME_MAX_REFS];
	/* Committed copies of the write set's lines while the redo log is in memory. */
	uint64_t *saved_addr;
	uint8_t (*saved)[RTM_LINE];
	int nr_saved;
};

struct rtme {
	struct vm *vm;
	struct rtme_opts o;
	/*
	 * Guards everything below and orders the vCPUs' memory accesses while a transaction is
	 * live: a vCPU that is about to run an instruction that touches memory holds it across
	 * that KVM_RUN (rtme__before to rtme__after).
	 */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int live; /* transactions live (written under lock, read atomically) */
	int holder; /* the vCPU holding the lock across its KVM_RUN, or -1 (atomic) */
	uint64_t holds; /* holds begun so far (atomic): a holder that keeps going changes it */
	int lock_waiters; /* threads in rtme__lock (atomic) */
	uint64_t lock_taken; /* times rtme__lock took the lock (atomic) */
	int irq_waiters; /* vCPUs stepping off for an interrupt: no XBEGIN until they ran */
	struct rtme_gate gates[RTME_MAX_GATES];
	int nr_gates;
	struct rtme_site *sites; /* sorted by gpa */
	int nr_sites, cap_sites;
	uint64_t rng;
	struct rtme_stats stats;
	struct rtme_vcpu *vcpu;
};

/*
 * A vCPU's role; a stepped one (observing, in a transaction) takes no interrupt (BLOCKIRQ):
 * an interrupt frame would keep the TF it is stepped with.  The vCPU's own thread.
 */
void rtme__set_role(struct vcpu *v, struct rtme_vcpu *rv, enum rtme_role role);

/*
 * Take r->lock from vCPU v's thread.  A holder stays in one KVM_RUN for one instruction; one
 * whose one hold lasts RTME_LOCK_WAIT_MS (it ran on: a step lost) is kicked out of the guest.
 * A vCPU ending a hold lets a waiting one take the lock first (rtme__after), so that a vCPU
 * stepping in a tight loop never starves the others.
 */
#define RTME_LOCK_WAIT_MS 50
void rtme__lock(struct vcpu *v, struct rtme *r);

/* rtme.c */
const struct rtme_site *rtme__site(const struct rtme *r, uint64_t gpa);
int rtme__abort(struct vcpu *v, struct rtme *r, enum rtm_cause cause, uint8_t imm, int vector);
int rtme__at_rtm(struct vcpu *v, struct rtme *r, uint64_t rip, int *handled);
int rtme__gva_to_gpa(struct vcpu *v, uint64_t cr3, uint64_t gva, uint64_t *gpa);

/* gate.c */
int rtme__gate_install(struct vm *vm, struct rtme *r);

/* order.c */
/* An interrupt the vCPU would take now (the LAPIC's, or one KVM injects next entry)? */
int rtme__irq_pending(struct vcpu *v);
void rtme__before(struct vcpu *v, void *opaque);
void rtme__after(struct vcpu *v, void *opaque);
int rtme__on_step(struct vcpu *v, void *opaque, const struct step_info *si);
int rtme__wait_quiet(struct vcpu *v, struct rtme *r);
/* No new transaction while a vCPU steps off for an interrupt (lock held). */
void rtme__wait_irqs(struct vcpu *v, struct rtme *r);
void rtme__role_after_tx(struct vcpu *v, struct rtme *r);

#endif
