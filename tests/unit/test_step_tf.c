// SPDX-License-Identifier: GPL-2.0
/*
 * The step engine's ring-3 mechanism on an emulating host (PVM), on fabricated exits, with a
 * fake KVM that keeps RFLAGS.TF the way KVM's x86 code does: while KVM_GUESTDBG_SINGLESTEP
 * is in force TF is KVM's own (KVM_GET_REGS hides it, and KVM_SET_GUEST_DEBUG clears it
 * whenever single-step was on before the call); registers left dirty in the sync area are
 * loaded at KVM_RUN.  The engine performs an IRETQ into ring 3 and must leave the guest
 * running with its TF set and a breakpoint on its #DB handler, and no KVM single-step: a TF
 * written while single-step was still on would be lost, and ring 3 would run unstepped
 * (the steps of test_step's ring-3 sequence missing on such hosts).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "exit.h"
#include "hostfix.h"
#include "hostfix_int.h"
#include "mem.h"
#include "paging.h"
#include "step.h"
#include "vcpu.h"
#include "vm.h"
#include "fab.h"

#define RFLAGS_TF (1ull << 8)
#define CR3 FAB_CR3
#define IRETQ_RIP 0x5000ull
#define KSTACK 0x8000ull /* the IRETQ frame */
#define USER_RIP 0x6000ull
#define USER_RSP 0x7000ull
#define DB_HANDLER 0x9000ull
#define IDT 0xa000ull /* the guest's IDT: gates 0 and 1 (#DB) */
#define EFER_LMA (1ull << 10)

/* The fake KVM's view of the vCPU. */
static struct kvm_regs kvm_regs;
static struct kvm_sregs kvm_sregs;
static struct kvm_guest_debug kvm_dbg;

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static int single_stepping(void)
{
	return !!(kvm_dbg.control & KVM_GUESTDBG_SINGLESTEP);
}

/* KVM_SET_REGS: as kvm_set_rflags, TF is KVM's own again while it single-steps. */
static void fake_set_regs(const struct kvm_regs *r)
{
	kvm_regs = *r;
	if (single_stepping())
		kvm_regs.rflags |= RFLAGS_TF;
}

/* KVM_SET_GUEST_DEBUG: kvm_get_rflags before the change strips a TF single-step owned. */
static void fake_set_guest_debug(const struct kvm_guest_debug *d)
{
	uint64_t rflags = kvm_regs.rflags;

	if (single_stepping())
		rflags &= ~RFLAGS_TF;
	kvm_dbg = *d;
	if (single_stepping())
		rflags |= RFLAGS_TF;
	kvm_regs.rflags = rflags;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	switch (req) {
	case KVM_SET_GUEST_DEBUG:
		fake_set_guest_debug(arg);
		return 0;
	case KVM_SET_REGS:
		fake_set_regs(arg);
		return 0;
	case KVM_GET_REGS:
		*(struct kvm_regs *)arg = kvm_regs;
		if (single_stepping())
			((struct kvm_regs *)arg)->rflags &= ~RFLAGS_TF;
		return 0;
	case KVM_SET_SREGS:
		kvm_sregs = *(struct kvm_sregs *)arg;
		return 0;
	case KVM_GET_SREGS:
		*(struct kvm_sregs *)arg = kvm_sregs;
		return 0;
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
		return 0;
	}
	return __real_ioctl(fd, req, arg);
}

static struct fab *tf_fab(void)
{
	memset(&kvm_regs, 0, sizeof(kvm_regs));
	memset(&kvm_sregs, 0, sizeof(kvm_sregs));
	memset(&kvm_dbg, 0, sizeof(kvm_dbg));
	struct fab *f = fab_new(8 << 20, PTE_P | PTE_W | PTE_U);

	f->vm.hw_bp_fire = 1; /* breakpoints fire (at ring 0, where the engine puts them here) */
	return f;
}

/* KVM_RUN's entry: registers dirty in the sync area are loaded (KVM_SET_REGS semantics). */
static void fake_run_entry(struct fab *f)
{
	struct kvm_run *run = f->v.run;

	if (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS)
		kvm_sregs = run->s.regs.sregs;
	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS)
		fake_set_regs(&run->s.regs.regs);
	run->kvm_dirty_regs = 0;
}

/* The exit KVM gives after single-stepping to an IRETQ that returns to ring 3. */
static void at_iretq(struct fab *f)
{
	static const uint8_t iretq[2] = { 0x48, 0xcf };
	/* RIP, CS, RFLAGS, RSP, SS of the ring-3 code IRETQ returns to. */
	uint64_t frame[5] = { USER_RIP, 0x33, 0x202, USER_RSP, 0x2b };
	struct kvm_regs *r = &f->v.run->s.regs.regs;
	struct kvm_sregs *s = &f->v.run->s.regs.sregs;

	assert_int_equal(mem__write(&f->vm.mem, IRETQ_RIP, iretq, sizeof(iretq)), 0);
	/* #DB: a present 64-bit interrupt gate, kernel code selector, to DB_HANDLER. */
	fab_put64(f, IDT + 16,
		  (DB_HANDLER & 0xffff) | 0x10ull << 16 | 0x8eull << 40 |
			  ((DB_HANDLER >> 16) & 0xffff) << 48);
	fab_put64(f, IDT + 24, DB_HANDLER >> 32);
	assert_int_equal(mem__write(&f->vm.mem, KSTACK, frame, sizeof(frame)), 0);
	memset(r, 0, sizeof(*r));
	r->rip = IRETQ_RIP;
	r->rsp = KSTACK;
	r->rflags = 0x2;
	s->cr3 = CR3;
	s->efer = EFER_LMA;
	s->idt.base = IDT;
	s->idt.limit = 2 * 16 - 1;
	hostfix__flat_seg(&s->cs, 0x10, 1);
	hostfix__flat_seg(&s->ss, 0x18, 0);
	kvm_regs = *r;
	kvm_sregs = *s;
}

struct steps {
	int n;
	uint64_t rip[4];
	int cpl[4];
};

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct steps *st = opaque;

	(void)v;
	if (st->n < 4) {
		st->rip[st->n] = si->rip;
		st->cpl[st->n] = si->cpl;
	}
	st->n++;
	return 1;
}

static void test_iretq_into_ring3_keeps_tf(void **state)
{
	struct fab *f = tf_fab();
	struct steps st = { 0 };

	(void)state;
	assert_int_equal(hostfix__install(&f->vm, HOSTFIX_STEP3), 0);
	assert_int_equal(step__install(&f->vm), 0);
	at_iretq(f);
	f->v.run->exit_reason = KVM_EXIT_INTR; /* the first exit: the IDT is read */
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	assert_int_equal(hostfix__handler(&f->v, 1), DB_HANDLER);

	/* Stepping starts at ring 0: KVM single-steps the IRETQ. */
	assert_int_equal(step__start(&f->v, on_step, &st), 0);
	fake_run_entry(f);
	assert_true(single_stepping());

	/* KVM's step exit before the IRETQ: the engine performs it and steps ring 3 by TF. */
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = 1;
	f->v.run->debug.arch.dr6 = 1 << 14; /* DR6.BS */
	f->v.run->debug.arch.pc = IRETQ_RIP;
	assert_int_equal(exit__dispatch(&f->v), EXIT_RESUME);
	fake_run_entry(f);

	assert_int_equal(st.n, 2);
	assert_int_equal(st.rip[0], IRETQ_RIP);
	assert_int_equal(st.cpl[0], 0);
	assert_int_equal(st.rip[1], USER_RIP);
	assert_int_equal(st.cpl[1], 3);
	assert_int_equal(kvm_regs.rip, USER_RIP);
	assert_int_equal(kvm_sregs.cs.dpl, 3);
	/* What the guest runs with: its own TF (the #DB comes after one instruction) ... */
	assert_false(single_stepping());
	assert_true(kvm_regs.rflags & RFLAGS_TF);
	/* ... and the breakpoint that catches that #DB on its handler. */
	assert_true(kvm_dbg.control & KVM_GUESTDBG_USE_HW_BP);
	assert_int_equal(kvm_dbg.arch.debugreg[HOSTFIX_DR_DB], DB_HANDLER);
	assert_true(kvm_dbg.arch.debugreg[7] & (1ull << (2 * HOSTFIX_DR_DB)));

	/* Stopping takes TF back and removes the breakpoint. */
	assert_int_equal(step__stop(&f->v), 0);
	fake_run_entry(f);
	assert_false(kvm_regs.rflags & RFLAGS_TF);
	assert_int_equal(kvm_dbg.arch.debugreg[HOSTFIX_DR_DB], 0);
	fab_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iretq_into_ring3_keeps_tf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
