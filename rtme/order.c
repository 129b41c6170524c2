// SPDX-License-Identifier: GPL-2.0
/*
 * RTME's ordering of the vCPUs while a transaction is live (rtme.h).  Every vCPU is then
 * stepped, one instruction per KVM_RUN; before each, its references are computed (MIME's
 * decoder) and checked against the live transactions at 64-byte-line granularity, and a
 * vCPU whose instruction touches memory holds the engine's lock across that KVM_RUN, so the
 * accesses of all vCPUs happen one at a time.  A transaction's own instruction runs with its
 * redo log written into guest memory under the lock (its reads see its stores), and after it
 * the bytes it stored go into the log and the committed contents come back: outside that
 * window guest memory only ever holds committed data, so no other vCPU (and no device model)
 * can read an uncommitted store.  A conflicting access by another vCPU dooms the transaction
 * (the requester wins), which aborts before its next instruction and cannot commit.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../core/decoder.h"
#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/step.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../trace/catalogue.h"
#include "../trace/clock.h"
#include "rtme_int.h"

#define VEC_NONE RTME_VEC_NONE
#define VEC_UNKNOWN RTME_VEC_UNKNOWN
#define PAGE 4096ull
#define QUIET_TICK_MS 2
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define APIC_TPR 0x80
#define APIC_ISR 0x100
#define APIC_IRR 0x200

/* Clear TF in the interrupt frame at rsp if it returns to rip (ours, pushed while stepped). */
static void untrap_frame(struct vcpu *v, uint64_t cr3, uint64_t rsp, uint64_t rip)
{
	uint64_t f[5];

	if (paging__read_virt(&v->vm->mem, cr3, rsp, f, sizeof(f)) || (rip && f[0] != rip) ||
	    !(f[2] & RFLAGS_TF))
		return;
	f[2] &= ~RFLAGS_TF;
	paging__write_virt(&v->vm->mem, cr3, rsp, f, sizeof(f));
}

/*
 * Stepping ends with the vCPU in the kernel: the frame of an exception taken at ring 3 while it
 * was stepped holds the TF it was stepped with, which IRET would bring back as the guest's
 * own.  Cleared in the frame of its entry from ring 3 (TSS.RSP0 - 40).  Interrupts never come
 * in while a vCPU is stepped (BLOCKIRQ; step_off_for_irq).
 */
static void untrap_frames(struct vcpu *v)
{
	struct kvm_sregs s;
	uint64_t rsp0, f[5];

	if (vcpu__get_sregs(v, &s) || s.cs.dpl != 0)
		return;
	if (!paging__read_virt(&v->vm->mem, s.cr3, s.tr.base + 4, &rsp0, sizeof(rsp0)) &&
	    !paging__read_virt(&v->vm->mem, s.cr3, rsp0 - sizeof(f), f, sizeof(f)) &&
	    (f[1] & 3) == 3)
		untrap_frame(v, s.cr3, rsp0 - sizeof(f), 0);
}

void rtme__set_role(struct vcpu *v, struct rtme_vcpu *rv, enum rtme_role role)
{
	if (rv->role != RV_NATIVE && role == RV_NATIVE)
		untrap_frames(v);
	rv->role = role;
	v->dbg_extra = role == RV_NATIVE ? 0 : KVM_GUESTDBG_BLOCKIRQ;
}

void rtme__role_after_tx(struct vcpu *v, struct rtme *r)
{
	rtme__set_role(v, &r->vcpu[v->id], r->live ? RV_OBSERVING : RV_NATIVE);
}

/* ms from now on CLOCK_REALTIME, as the pthread timed waits take it. */
static void deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000l;
	if (ts->tv_nsec >= 1000000000l) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000l;
	}
}

/* Wait on r->cond (lock held) for a change, or ms at most. */
static void tick_wait(struct rtme *r, long ms)
{
	struct timespec ts;

	deadline(&ts, ms);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

void rtme__lock(struct vcpu *v, struct rtme *r)
{
	uint64_t seen = __atomic_load_n(&r->holds, __ATOMIC_SEQ_CST), now;
	struct timespec ts;
	int h;

	/* Pairs with the load in hand_off(): a vCPU ending a hold waits for us. */
	__atomic_add_fetch(&r->lock_waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		deadline(&ts, RTME_LOCK_WAIT_MS);
		if (!pthread_mutex_timedlock(&r->lock, &ts))
			break;
		/*
		 * Only a holder still in the hold it had a whole wait ago is stuck in its KVM_RUN;
		 * one that took the lock again meanwhile is stepping along.
		 */
		h = __atomic_load_n(&r->holder, __ATOMIC_SEQ_CST);
		now = __atomic_load_n(&r->holds, __ATOMIC_SEQ_CST);
		if (h >= 0 && h != v->id && now == seen)
			vcpu__kick(&v->vm->vcpus[h]);
		seen = now;
	}
	__atomic_sub_fetch(&r->lock_waiters, 1, __ATOMIC_SEQ_CST);
	/* Pairs with the load in hand_off(): the vCPU that let us in may go on. */
	__atomic_add_fetch(&r->lock_taken, 1, __ATOMIC_SEQ_CST);
}

#define HAND_OFF_NS 2000000 /* at most this long (a waiter that does not come: go on) */

/*
 * Just after a hold ended (lock released): while another vCPU waits for the lock, let it
 * take it before this one, which would otherwise take it again at once, being already on a
 * CPU: a mutex is not fair, and a vCPU stepping a loop would starve the others until they
 * kicked it (which aborts every live transaction).
 */
static void hand_off(struct rtme *r, uint64_t taken)
{
	uint64_t t0 = trace_clock__now();

	while (__atomic_load_n(&r->lock_waiters, __ATOMIC_SEQ_CST) &&
	       __atomic_load_n(&r->lock_taken, __ATOMIC_SEQ_CST) == taken &&
	       trace_clock__ticks_to_ns(trace_clock__now() - t0) < HAND_OFF_NS)
		sched_yield();
}

/* Kick every vCPU running natively and wait until none is (a transaction just began). */
int rtme__wait_quiet(struct vcpu *v, struct rtme *r)
{
	struct vm *vm = v->vm;
	int i, busy;

	rtme__lock(v, r);
	for (;;) {
		busy = 0;
		for (i = 0; i < vm->nr_vcpus; i++) {
			/* Pairs with the store of native_run in rtme__before (Dekker with live). */
			if (i == v->id ||
			    !__atomic_load_n(&r->vcpu[i].native_run, __ATOMIC_SEQ_CST))
				continue;
			busy = 1;
			vcpu__kick(&vm->vcpus[i]);
		}
		if (!busy || __atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST))
			break;
		tick_wait(r, QUIET_TICK_MS);
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* Where la lands (~0 when the access would fault: not mapped, not writable, not user). */
static uint64_t land(struct vcpu *v, uint64_t cr3, uint64_t la, int write, int cpl)
{
	struct walk_result w;

	if (!paging__canonical(la) || paging__walk(&v->vm->mem, cr3, la, &w) ||
	    (write && !w.writable) || (cpl == 3 && !w.user))
		return ~0ull;
	return w.gpa;
}

/* Where the reference lands, page by page. */
static void place(struct vcpu *v, const struct kvm_sregs *s, const struct mime_ref *m,
		  struct rtme_ref *ref)
{
	uint64_t first = PAGE - (m->la & (PAGE - 1));

	memset(ref, 0, sizeof(*ref));
	ref->la = m->la;
	ref->size = m->size;
	ref->write = m->write;
	ref->len[0] = m->size < first ? m->size : (uint32_t)first;
	ref->gpa[0] = land(v, s->cr3, m->la, m->write, s->cs.dpl);
	if (ref->len[0] < m->size) {
		ref->len[1] = m->size - ref->len[0];
		ref->gpa[1] = land(v, s->cr3, m->la + ref->len[0], m->write, s->cs.dpl);
	}
}

/*
 * STI holds off the step's #DB for one instruction (its interrupt shadow): the next one runs in
 * the same step.  Known to touch no memory, it is allowed for; otherwise the references of the
 * step are not known.
 */
static void plan_shadow(struct vcpu *v, struct rtme_vcpu *rv, const struct kvm_regs *regs,
			const struct kvm_sregs *s)
{
	uint8_t bytes[MIME_INSN_MAX] = { 0 };
	struct kvm_regs next = *regs;
	struct mime_insn in;
	int len = MIME_INSN_MAX;

	rv->shadow = 0;
	if (rv->unknown || strncmp(rv->insn.text, "sti", 3))
		return;
	next.rip += rv->insn.len;
	while (len > 0 && paging__read_virt(&v->vm->mem, s->cr3, next.rip, bytes, len))
		len--;
	if (len <= 0 || mime__decode(vcpu__decoder(v), bytes, len, &next, s, &in) || in.nr_refs)
		rv->unknown = 1;
	else
		rv->shadow = in.len;
}

/* Decode the instruction at the vCPU's RIP and place its references (lock held). */
static void plan(struct vcpu *v, struct rtme_vcpu *rv)
{
	uint8_t bytes[MIME_INSN_MAX] = { 0 };
	struct kvm_regs regs;
	struct kvm_sregs s;
	int len = MIME_INSN_MAX, i;

	rv->planned = 1;
	rv->nr_refs = 0;
	rv->unknown = 1;
	rv->shadow = 0;
	if (vcpu__get_regs(v, &regs) || vcpu__get_sregs(v, &s)) {
		rv->insn.rip = ~0ull;
		return;
	}
	rv->insn.rip = regs.rip;
	rv->guest_tf = !!(regs.rflags & RFLAGS_TF);
	while (len > 0 && paging__read_virt(&v->vm->mem, s.cr3, regs.rip, bytes, len))
		len--;
	if (len <= 0 || mime__decode(vcpu__decoder(v), bytes, len, &regs, &s, &rv->insn)) {
		rv->insn.rip = regs.rip;
		return;
	}
	rv->unknown = 0;
	rv->nr_refs = rv->insn.nr_refs;
	for (i = 0; i < rv->nr_refs; i++)
		place(v, &s, &rv->insn.refs[i], &rv->refs[i]);
	plan_shadow(v, rv, &regs, &s);
}

/* A vCPU's access of [gpa, gpa + len): doom every other transaction it conflicts with. */
static void doom_conflicts(struct rtme *r, int self, uint64_t gpa, uint32_t len, int write)
{
	int i;

	for (i = 0; i < r->vm->nr_vcpus; i++) {
		struct rtme_vcpu *o = &r->vcpu[i];

		if (i == self || o->role != RV_TX || o->doomed ||
		    !rtm__conflicts(&o->tx, gpa, len, write))
			continue;
		o->doomed = 1;
		o->doom_cause = RTM_C_CONFLICT;
	}
}

/* Doom every transaction but self's (-1: every one) for cause. */
static void doom_all_for(struct rtme *r, int self, enum rtm_cause cause)
{
	int i;

	for (i = 0; i < r->vm->nr_vcpus; i++)
		if (i != self && r->vcpu[i].role == RV_TX && !r->vcpu[i].doomed) {
			r->vcpu[i].doomed = 1;
			r->vcpu[i].doom_cause = cause;
		}
}

static void doom_all(struct rtme *r, int self)
{
	doom_all_for(r, self, RTM_C_CONFLICT);
}

/* An observed vCPU's next instruction against the live transactions (lock held). */
static void observe(struct rtme *r, int self, struct rtme_vcpu *rv)
{
	int i, k;

	r->stats.observed++;
	if (rv->unknown) {
		/* Its references are not known: any transaction may be touched. */
		r->stats.unknown++;
		doom_all(r, self);
		return;
	}
	for (i = 0; i < rv->nr_refs; i++)
		for (k = 0; k < 2 && rv->refs[i].len[k]; k++) {
			if (rv->refs[i].gpa[k] == ~0ull) {
				/* It faults, and runs again after the handler, where it is not seen. */
				doom_all(r, self);
				return;
			}
			doom_conflicts(r, self, rv->refs[i].gpa[k], rv->refs[i].len[k],
				       rv->refs[i].write);
		}
}

/* Does the transaction's next instruction abort it (SDM list, or one RTME cannot follow)? */
static int tx_insn_aborts(struct vcpu *v, struct rtme_vcpu *rv)
{
	uint8_t bytes[MIME_INSN_MAX] = { 0 };
	const char *name;
	int len = MIME_INSN_MAX;

	while (len > 0 && paging__read_virt(&v->vm->mem, rv->cr3, rv->insn.rip, bytes, len))
		len--;
	return len <= 0 || rtme__isa_aborts(vcpu__decoder(v), bytes, len, rv->insn.rip, &name);
}

/* Write the redo log into memory, keeping the committed lines (lock held). */
static void apply_log(struct vcpu *v, struct rtme_vcpu *rv)
{
	const struct guest_mem *mem = &v->vm->mem;
	int i, b;

	rv->nr_saved = 0;
	for (i = 0; i < rv->tx.nr_lines; i++) {
		const struct rtm_line *l = &rv->tx.lines[i];
		uint8_t line[RTM_LINE];

		if (!l->write || mem__read(mem, l->addr, line, RTM_LINE))
			continue;
		memcpy(rv->saved[rv->nr_saved], line, RTM_LINE);
		rv->saved_addr[rv->nr_saved++] = l->addr;
		for (b = 0; b < RTM_LINE; b++)
			if (l->written >> b & 1)
				line[b] = l->data[b];
		mem__write(mem, l->addr, line, RTM_LINE);
	}
}

static int read_mem(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return mem__read(ctx, gpa, buf, len);
}

/* Would the local APIC deliver an interrupt now (its IRR above its PPR, IF set)? */
static int lapic_pending(struct vcpu *v)
{
	struct kvm_lapic_state l;
	struct kvm_regs regs;
	int irr = -1, isr = -1, ppr, i, b;
	uint32_t w;

	if (!v->vm->has_irqchip || vcpu__get_regs(v, &regs) || !(regs.rflags & RFLAGS_IF) ||
	    ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return 0;
	for (i = 7; i >= 0 && (irr < 0 || isr < 0); i--) {
		for (b = 31; b >= 0 && irr < 0; b--) {
			memcpy(&w, l.regs + APIC_IRR + 16 * i, 4);
			if (w >> b & 1)
				irr = 32 * i + b;
		}
		for (b = 31; b >= 0 && isr < 0; b--) {
			memcpy(&w, l.regs + APIC_ISR + 16 * i, 4);
			if (w >> b & 1)
				isr = 32 * i + b;
		}
	}
	memcpy(&w, l.regs + APIC_TPR, 4);
	ppr = isr >= 0 && (isr & 0xf0) > (int)(w & 0xf0) ? isr & 0xf0 : (int)(w & 0xf0);
	return irr >= 0 && (irr & 0xf0) > ppr;
}

/* An event KVM has queued or half-delivered, which it injects whatever BLOCKIRQ says. */
static int event_pending(struct vcpu *v)
{
	struct kvm_vcpu_events e;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &e) < 0)
		return 0;
	return e.interrupt.injected || e.nmi.injected || e.nmi.pending || e.exception.injected ||
	       e.exception.pending;
}

int rtme__irq_pending(struct vcpu *v)
{
	return lapic_pending(v) || event_pending(v);
}

/*
 * Before a transactional instruction (lock held): the cause that aborts it before it runs,
 * or -1 when it may run (its lines tracked, conflicts dealt, the log in memory).
 */
static int tx_prepare(struct vcpu *v, struct rtme *r, struct rtme_vcpu *rv)
{
	int i, k;

	/* Held while the transaction is young (RTME_DEFAULT_IRQ_DEFER); then as the SDM has it. */
	if (rv->insns >= (uint64_t)r->o.irq_defer && rtme__irq_pending(v))
		return RTM_C_ASYNC; /* taken at the fallback, after the abort */
	if (rv->unknown || tx_insn_aborts(v, rv))
		return RTM_C_INSN;
	for (i = 0; i < rv->nr_refs; i++)
		for (k = 0; k < 2 && rv->refs[i].len[k]; k++) {
			const struct rtme_ref *f = &rv->refs[i];

			if (f->gpa[k] == ~0ull)
				return RTM_C_EXCEPTION; /* a #PF or #GP, suppressed */
			if (!mem__gpa_to_hva(&v->vm->mem, f->gpa[k], f->len[k]))
				return RTM_C_INSN; /* a device: never accessed transactionally */
			doom_conflicts(r, v->id, f->gpa[k], f->len[k], f->write);
			if (rtm__track(&rv->tx, f->gpa[k], f->len[k], f->write, read_mem,
				       (void *)&v->vm->mem))
				return RTM_C_CAPACITY;
		}
	apply_log(v, rv);
	return -1;
}

/* After a transactional instruction (lock held): its stores into the log, memory committed. */
static void tx_capture(struct vcpu *v, struct rtme_vcpu *rv)
{
	const struct guest_mem *mem = &v->vm->mem;
	uint8_t buf[64];
	int i, k;

	for (i = 0; i < rv->nr_refs; i++)
		for (k = 0; k < 2 && rv->refs[i].len[k]; k++) {
			const struct rtme_ref *f = &rv->refs[i];
			uint32_t off, n;

			for (off = 0; f->write && off < f->len[k]; off += n) {
				n = f->len[k] - off < sizeof(buf) ? f->len[k] - off : sizeof(buf);
				if (!mem__read(mem, f->gpa[k] + off, buf, n))
					rtm__write(&rv->tx, f->gpa[k] + off, buf, n);
			}
		}
	for (i = 0; i < rv->nr_saved; i++)
		mem__write(mem, rv->saved_addr[i], rv->saved[i], RTM_LINE);
	rv->nr_saved = 0;
}

/* The vCPU's role changed under it: step, or stop stepping. */
static void restep(struct vcpu *v, struct rtme *r)
{
	if (r->vcpu[v->id].role == RV_NATIVE)
		step__stop(v);
	else
		step__start(v, rtme__on_step, r);
}

/*
 * Before a free-running vCPU's KVM_RUN: 0 when no transaction is live (it runs freely, marked
 * so for rtme__wait_quiet), else 1 (it observes now, unless the transaction just ended).
 */
static int join(struct vcpu *v, struct rtme *r, struct rtme_vcpu *rv)
{
	/* Pairs with the store of live in begin() (Dekker: one of us sees the other). */
	__atomic_store_n(&rv->native_run, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&r->live, __ATOMIC_SEQ_CST))
		return 0;
	__atomic_store_n(&rv->native_run, 0, __ATOMIC_SEQ_CST);
	rtme__lock(v, r);
	rtme__set_role(v, rv, r->live ? RV_OBSERVING : RV_NATIVE);
	rv->planned = 0;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (rv->role == RV_OBSERVING)
		step__start(v, rtme__on_step, r);
	return 1;
}

static int current_cpl(struct vcpu *v)
{
	struct kvm_sregs s;

	return vcpu__get_sregs(v, &s) ? -1 : s.cs.dpl;
}

/* End the live transactions that have used up the time interrupts wait (lock held). */
static void doom_old(struct rtme *r, int self)
{
	int i;

	for (i = 0; i < r->vm->nr_vcpus; i++) {
		struct rtme_vcpu *o = &r->vcpu[i];

		if (i != self && o->role == RV_TX && !o->doomed &&
		    o->insns >= (uint64_t)r->o.irq_defer) {
			o->doomed = 1;
			o->doom_cause = RTM_C_ORDERING;
		}
	}
}

/*
 * An interrupt the vCPU could take (or an event KVM already holds for it) while stepped: it is
 * taken with the vCPU running freely, as a frame pushed while stepped would carry the step's
 * TF into whatever task the handler switches to.  The handler's accesses are not seen, so no
 * transaction may be live while it runs: no new one begins (r->irq_waiters), and the live
 * ones, other vCPUs', end on their own (an interrupt on another CPU aborts none on hardware)
 * or, once older than the time interrupts wait (irq_defer), are ended by vmscope (ORDERING).
 * Called with the lock held; returns with it released and the vCPU native.
 */
static void step_off_for_irq(struct vcpu *v, struct rtme *r, struct rtme_vcpu *rv)
{
	r->stats.irq_out++;
	if (!rv->irq_out)
		r->irq_waiters++;
	rv->irq_out = 1;
	while (r->live && !__atomic_load_n(&v->vm->stopping, __ATOMIC_SEQ_CST)) {
		doom_old(r, v->id);
		tick_wait(r, QUIET_TICK_MS);
	}
	rtme__set_role(v, rv, RV_NATIVE);
	pthread_mutex_unlock(&r->lock);
	step__stop(v);
}

static int at_hlt(struct vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_regs regs;
	uint8_t op;

	return !vcpu__get_regs(v, &regs) && !vcpu__get_sregs(v, &s) &&
	       !paging__read_virt(&v->vm->mem, s.cr3, regs.rip, &op, 1) && op == 0xf4;
}

/*
 * HLT on an observing vCPU: KVM would halt it with interrupts blocked (the step's BLOCKIRQ),
 * never to wake.  The HLT is performed here instead: the vCPU waits in vmscope, halted, until
 * an interrupt is there to take (rtme__before then steps it off to take it) or no transaction
 * is live (it runs freely again), so an idle vCPU aborts no transaction.  Called with the lock
 * held; returns with it released.
 */
static void halt_observed(struct vcpu *v, struct rtme *r)
{
	struct kvm_regs regs;

	r->stats.halts++;
	if (!vcpu__get_regs(v, &regs)) {
		regs.rip++;
		vcpu__set_regs(v, &regs);
	}
	while (r->live && !rtme__irq_pending(v) &&
	       !__atomic_load_n(&v->vm->stopping, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->vm->pausing, __ATOMIC_SEQ_CST))
		tick_wait(r, QUIET_TICK_MS);
	pthread_mutex_unlock(&r->lock);
}

/* No XBEGIN while a vCPU steps off for an interrupt: wait until it ran (lock held). */
void rtme__wait_irqs(struct vcpu *v, struct rtme *r)
{
	int i;

	while (r->irq_waiters && !__atomic_load_n(&v->vm->stopping, __ATOMIC_SEQ_CST)) {
		for (i = 0; i < v->vm->nr_vcpus; i++)
			if (i != v->id && r->vcpu[i].irq_out)
				vcpu__kick(&v->vm->vcpus[i]); /* its free run may be long */
		tick_wait(r, QUIET_TICK_MS);
	}
}

/* The free run the interrupt was waiting for is over: XBEGINs may go on (lock not held). */
static void irq_taken(struct rtme *r, struct rtme_vcpu *rv)
{
	pthread_mutex_lock(&r->lock);
	rv->irq_out = 0;
	r->irq_waiters--;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void hold(struct rtme *r, struct vcpu *v, struct rtme_vcpu *rv)
{
	rv->holding = 1;
	__atomic_add_fetch(&r->holds, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&r->holder, v->id, __ATOMIC_SEQ_CST);
}

/* An RTM instruction next (the first after XBEGIN has seen no step yet): emulated.  1 if so. */
static int at_rtm(struct vcpu *v, struct rtme *r)
{
	struct kvm_regs regs;
	int handled = 0;

	if (vcpu__get_regs(v, &regs) || rtme__at_rtm(v, r, regs.rip, &handled))
		return 0;
	return handled;
}

void rtme__before(struct vcpu *v, void *opaque)
{
	struct rtme *r = opaque;
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	int cause;

	if (rv->bp_in_flight && rv->role == RV_NATIVE) {
		/* Untouched until the #BP is taken (gate.c); pairs with join()'s Dekker. */
		rv->bp_in_flight = 0;
		__atomic_store_n(&rv->native_run, 1, __ATOMIC_SEQ_CST);
		return;
	}
	rv->bp_in_flight = 0;
	for (;;) {
		if (rv->role == RV_NATIVE) {
			if (!join(v, r, rv))
				return; /* no transaction: runs freely */
			continue; /* joined, or the transaction just ended: again */
		}
		if (!rv->away && at_rtm(v, r)) {
			restep(v, r); /* emulated: the vCPU moved */
			continue;
		}
		rtme__lock(v, r);
		if (rv->role == RV_OBSERVING && !r->live) {
			rtme__set_role(v, rv, RV_NATIVE);
			pthread_mutex_unlock(&r->lock);
			step__stop(v);
			continue;
		}
		if (rv->role == RV_TX && rv->away && current_cpl(v) != (int)rv->sregs.cs.dpl) {
			plan(v, rv); /* the handler's instruction: checked like another vCPU's */
			observe(r, v->id, rv);
			hold(r, v, rv);
			return;
		}
		rv->away = 0;
		if (rv->role == RV_TX && rv->doomed) {
			cause = rv->doom_cause;
			pthread_mutex_unlock(&r->lock);
			rtme__abort(v, r, cause, 0, VEC_NONE);
			restep(v, r);
			continue;
		}
		if (rv->role == RV_OBSERVING && rtme__irq_pending(v)) {
			step_off_for_irq(v, r, rv);
			continue;
		}
		if (rv->role == RV_OBSERVING && at_hlt(v)) {
			halt_observed(v, r);
			continue;
		}
		plan(v, rv);
		if (rv->role == RV_TX) {
			cause = tx_prepare(v, r, rv);
			if (cause < 0) {
				hold(r, v, rv); /* across the KVM_RUN: released in rtme__after */
				return;
			}
			pthread_mutex_unlock(&r->lock);
			rtme__abort(v, r, cause, 0, VEC_NONE);
			restep(v, r);
			continue;
		}
		/*
		 * Held across the KVM_RUN even with no reference: should the vCPU run on past its
		 * instruction (an exception's handler that never returns), no transaction commits
		 * before rtme__after sees it and dooms them.
		 */
		observe(r, v->id, rv);
		hold(r, v, rv);
		return;
	}
}

/*
 * Did the KVM_RUN run one instruction at most: not begun (still at it), or a step that ended
 * where that instruction leads (past it; anywhere for a branch)?  A step KVM reported after
 * an instruction it emulated elsewhere, or another exit after a run that went on, did not.
 */
static int one_at_most(struct vcpu *v, const struct rtme_vcpu *rv)
{
	const struct mime_insn *in = &rv->insn;
	uint64_t rip;
	int cpl;

	/* A kick: this KVM_RUN was waited for, as one that went on would be. */
	if (step__where(v, &rip, &cpl) || v->run->exit_reason == KVM_EXIT_INTR)
		return 0;
	if (rip == in->rip)
		return 1;
	return v->run->exit_reason == KVM_EXIT_DEBUG && !rv->unknown &&
	       (in->branch || rip == in->rip + in->len ||
		(rv->shadow && rip == in->rip + in->len + rv->shadow));
}

/* A PUSHF that ran stepped stored the TF of the step: store the guest's own instead. */
static void fix_pushf(struct vcpu *v, struct rtme_vcpu *rv)
{
	const struct rtme_ref *f = &rv->refs[0];
	uint64_t val;

	if (rv->unknown || strncmp(rv->insn.text, "pushf", 5) || rv->nr_refs != 1 ||
	    f->gpa[0] == ~0ull || f->len[0] != 8 || mem__read(&v->vm->mem, f->gpa[0], &val, 8))
		return;
	val = (val & ~RFLAGS_TF) | (rv->guest_tf ? RFLAGS_TF : 0);
	mem__write(&v->vm->mem, f->gpa[0], &val, 8);
}

void rtme__after(struct vcpu *v, void *opaque)
{
	struct rtme *r = opaque;
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	uint64_t taken;

	if (rv->native_run)
		__atomic_store_n(&rv->native_run, 0, __ATOMIC_SEQ_CST);
	if (rv->irq_out && rv->role == RV_NATIVE)
		irq_taken(r, rv);
	if (!rv->holding)
		return;
	fix_pushf(v, rv);
	if (rv->role == RV_TX && !rv->away)
		tx_capture(v, rv);
	if (!one_at_most(v, rv)) {
		/*
		 * Not one step (an exception's handler ran on, or KVM reported the step elsewhere):
		 * what else ran was not checked, so no transaction can trust it.
		 */
		r->stats.ran_on++;
		doom_all_for(r, -1, RTM_C_ORDERING);
	}
	rv->holding = 0;
	__atomic_store_n(&r->holder, -1, __ATOMIC_SEQ_CST);
	taken = __atomic_load_n(&r->lock_taken, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&r->lock);
	hand_off(r, taken);
}

/* The vector whose IDT gate leads to rip, or -1. */
static int idt_vector(struct vcpu *v, uint64_t rip)
{
	uint64_t gate[2];
	struct kvm_sregs s;
	int n, vec;

	if (vcpu__get_sregs(v, &s))
		return -1;
	n = (s.idt.limit + 1) / 16;
	for (vec = 0; vec < n && vec < 256; vec++) {
		uint64_t target;

		if (paging__read_virt(&v->vm->mem, s.cr3, s.idt.base + 16 * vec, gate,
				      sizeof(gate)))
			return -1;
		target = (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000ull) | gate[1] << 32;
		if ((gate[0] >> 47 & 1) && target == rip)
			return vec;
	}
	return -1;
}

/*
 * Did the transaction's instruction run, or did an exception or interrupt come instead (the
 * step stopped at a handler)?  VEC_NONE when it ran, else the vector (VEC_UNKNOWN).
 */
static int event_instead(struct vcpu *v, struct rtme_vcpu *rv, const struct step_info *si)
{
	const struct mime_insn *in = &rv->insn;
	int same_ring = si->cpl == (int)rv->sregs.cs.dpl, vec;

	if (same_ring && !in->branch &&
	    (si->rip == in->rip + in->len || (in->string && si->rip == in->rip)))
		return VEC_NONE;
	vec = idt_vector(v, si->rip);
	if (vec >= 0)
		return vec;
	return same_ring ? VEC_NONE : VEC_UNKNOWN;
}

/* memref events for the transaction's instruction that ran (values as the guest saw them). */
static void emit_refs(struct vcpu *v, struct rtme_vcpu *rv)
{
	uint64_t ts = trace_clock__now();
	int i;

	for (i = 0; i < rv->nr_refs; i++) {
		const struct rtme_ref *f = &rv->refs[i];
		struct trace_memref_args a = { .vcpu = v->id,
					       .size = f->size,
					       .rip = rv->insn.rip,
					       .gva = f->la,
					       .gpa = f->gpa[0],
					       .cr3 = rv->cr3,
					       .access = f->write };

		rtm__read(&rv->tx, f->gpa[0], &a.value, f->len[0] < 8 ? f->len[0] : 8, read_mem,
			  &v->vm->mem);
		trace_emit_memref_ts(v->trace, ts, &a);
	}
}

/* After a transactional step: count it, or abort for the event that came instead. */
static void tx_stepped(struct vcpu *v, struct rtme *r, struct rtme_vcpu *rv,
		       const struct step_info *si)
{
	int vec;

	if (!rv->planned || rv->insn.rip == ~0ull || rv->away)
		return;
	vec = event_instead(v, rv, si);
	if (vec == VEC_UNKNOWN) {
		/*
		 * An interrupt handler, entered where the step could not see it (an emulated
		 * instruction of it reported the step): let it run to its return, stepped like
		 * another vCPU, and abort there.
		 */
		rtme__lock(v, r);
		rv->away = 1;
		rv->doomed = 1;
		rv->doom_cause = RTM_C_ASYNC;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	if (vec != VEC_NONE) {
		rtme__abort(v, r, vec == 2 || vec >= 32 ? RTM_C_ASYNC : RTM_C_EXCEPTION, 0, vec);
		return;
	}
	rv->insns++;
	rtme__lock(v, r);
	r->stats.insns++;
	pthread_mutex_unlock(&r->lock);
	if (r->o.memref && v->trace)
		emit_refs(v, rv);
}

#define MAX_RTM_IN_A_ROW 16 /* then the next step goes through rtme__before */

int rtme__on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct rtme *r = opaque;
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	struct kvm_regs regs;
	int handled = 1, n;

	if (rv->role == RV_TX)
		tx_stepped(v, r, rv, si);
	rv->planned = 0;
	if (rv->role == RV_TX && rv->away)
		return 1; /* in the handler: rtme__before decides */
	/*
	 * An RTM instruction next is emulated here, before the step engine could take the int3
	 * in its place for the guest's own (at ring 3 it performs int3 itself).
	 */
	for (n = 0; handled && n < MAX_RTM_IN_A_ROW; n++) {
		if (vcpu__get_regs(v, &regs) || rtme__at_rtm(v, r, regs.rip, &handled))
			break;
	}
	if (rv->role == RV_TX && !vcpu__get_regs(v, &regs)) {
		rtme__lock(v, r);
		rv->insn.rip = regs.rip;
		n = tx_insn_aborts(v, rv);
		pthread_mutex_unlock(&r->lock);
		if (n)
			rtme__abort(v, r, RTM_C_INSN, 0, VEC_NONE);
	}
	if (rv->role == RV_OBSERVING && !__atomic_load_n(&r->live, __ATOMIC_SEQ_CST))
		rtme__set_role(v, rv, RV_NATIVE);
	return rv->role != RV_NATIVE;
}
