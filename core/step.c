// SPDX-License-Identifier: GPL-2.0
/* The step engine (step.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "emulate.h"
#include "../lib/err.h"
#include "exit.h"
#include "hostfix.h"
#include "step_int.h"
#include "paging.h"
#include "step.h"
#include "vcpu.h"
#include "vm.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define DR6_BS (1ull << 14)
#define DR6_HIT 0xfull
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE (1ull << 0)

struct step_vcpu {
	step_fn fn;
	void *opaque;
	uint64_t count;
	int active;
	uint64_t target; /* break_at: 0 when stepping every instruction */
	int target_cpl; /* break_at: the ring the target is executed at (-1: either) */
	int target_bp; /* break_at: a hardware breakpoint stops there (else: step to it) */
	int passing; /* break_at: stepping over the target with its breakpoint off */
	int tf_set; /* vmscope set the guest's TF for a ring-3 step */
	int kvm_step; /* KVM single-step is armed ... */
	uint64_t armed_rip; /* ... for the instruction at this RIP */
	struct steprep rep; /* ... one iteration of a REP string instruction (step-ring0) */
	unsigned int gen; /* bumped by step__start and step__break_at */
};

static void step__free_all(struct vm *vm, void *priv);

static const struct vm_feature_ops step_feature = {
	.name = "step",
	.free = step__free_all,
};

static struct step_vcpu *step_of(struct vcpu *v)
{
	return vcpu__feature_priv(v, &step_feature);
}

static int step__ring3_by_db(struct vcpu *v, int cpl)
{
	return cpl == 3 && (v->vm->fixups & HOSTFIX_STEP3);
}

/*
 * Does the engine step every instruction now: when stepping, and when heading for a target
 * that no breakpoint can stop at on this host (then it steps there).
 */
static int step__stepping(struct vcpu *v)
{
	struct step_vcpu *st = step_of(v);

	return !st->target || !st->target_bp || st->passing;
}

/*
 * Can a hardware breakpoint stop the vCPU at ring cpl here?  Not at ring 3 on emulating hosts
 * (the step-ring3 fixup), and nowhere where the host layer's probe saw none fire (vm.h).
 * For either ring (-1), a breakpoint where one fires at ring 0: on emulating hosts a target
 * run at ring 3 is then not seen (step__break_at's contract says so).
 */
static int step__bp_fires(struct vcpu *v, int cpl)
{
	if (cpl == 3 && (v->vm->fixups & HOSTFIX_STEP3))
		return 0;
	return v->vm->hw_bp_fire;
}

/* Arm the mechanism for the instruction at the vCPU's current state. */
static int step__arm(struct vcpu *v)
{
	struct step_vcpu *st = step_of(v);
	int stepping = step__stepping(v), by_db, ret = 0;
	uint64_t bp = stepping ? 0 : st->target;
	struct kvm_sregs s;
	struct kvm_regs r;

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r))
		return -EIO;
	by_db = stepping && step__ring3_by_db(v, s.cs.dpl);
	st->kvm_step = stepping && !by_db;
	st->armed_rip = r.rip;
	if (by_db && !hostfix__handler(v, 1))
		return err__set(EOPNOTSUPP,
				"vCPU %d: cannot step ring-3 code on this host: the "
				"guest has no #DB handler in its IDT yet",
				v->id);
	if (!v->vm->fixups)
		return vcpu__set_debug(
			v, stepping ? KVM_GUESTDBG_SINGLESTEP : KVM_GUESTDBG_USE_HW_BP, &bp, 1);
	if (st->kvm_step && steprep__limit(v, &st->rep) < 0)
		return -EIO;
	/*
	 * Once TF was set, a #DB may come back from ring 3 later (SYSRET restores TF).  The
	 * debug state goes to KVM before TF is set: KVM drops TF when it leaves single-step.
	 */
	ret = hostfix__set_step_debug(v, by_db || st->tf_set, stepping && !by_db, st->rep.armed,
				      bp);
	if (!ret && by_db && !(r.rflags & RFLAGS_TF)) {
		r.rflags |= RFLAGS_TF;
		st->tf_set = 1;
		ret = vcpu__set_regs(v, &r);
	}
	return ret;
}

static int step__disarm(struct vcpu *v)
{
	struct step_vcpu *st = step_of(v);
	struct kvm_debugregs dr;
	struct kvm_sregs s;
	struct kvm_regs r;

	st->active = 0;
	st->target = 0;
	st->passing = 0;
	st->kvm_step = 0;
	if (st->tf_set) {
		/* Take back the TF vmscope set, and DR6.BS that the guest never asked for. */
		if (!vcpu__get_sregs(v, &s) && s.cs.dpl == 3 && !vcpu__get_regs(v, &r)) {
			r.rflags &= ~RFLAGS_TF;
			vcpu__set_regs(v, &r);
		}
		if (!ioctl(v->fd, KVM_GET_DEBUGREGS, &dr)) {
			dr.dr6 &= ~DR6_BS;
			ioctl(v->fd, KVM_SET_DEBUGREGS, &dr);
		}
		st->tf_set = 0;
	}
	if (v->vm->fixups) {
		steprep__done(v, &st->rep);
		return hostfix__set_step_debug(v, 0, 0, 0, 0);
	}
	return vcpu__set_debug(v, 0, NULL, 0);
}

/* At the guest's #DB handler after a ring-3 TF trap: read and drop the frame. */
/*
 * Load the ring-3 state of an interrupt frame (RIP, CS, RFLAGS, RSP, SS) as IRETQ would:
 * what unwinding the guest's #DB frame and performing an IRETQ or SYSRETQ have in common.
 */
static int step__load_user(struct vcpu *v, struct kvm_sregs *s, struct kvm_regs *r,
			   const uint64_t *f, struct step_info *si)
{
	r->rip = f[0];
	r->rflags = f[2] & ~RFLAGS_RF;
	r->rsp = f[3];
	hostfix__flat_seg(&s->cs, f[1], 1);
	hostfix__flat_seg(&s->ss, f[4], 0);
	if (vcpu__set_sregs(v, s) || vcpu__set_regs(v, r))
		return -EIO;
	si->rip = f[0];
	si->cpl = 3;
	return 0;
}

static int step__unwind_db(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t f[5];

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) ||
	    paging__read_virt(&v->vm->mem, s.cr3, r.rsp, f, sizeof(f)) || (f[1] & 3) != 3)
		return 0;
	if (step__load_user(v, &s, &r, f, si))
		return -EIO;
	si->via_guest_db = 1;
	exit__fixup(v, EXIT_X_FIX_STEP, f[0], 0);
	return 1;
}

static int step__current(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r))
		return -EIO;
	si->rip = r.rip;
	si->cpl = s.cs.dpl;
	si->via_guest_db = 0;
	return 1;
}

/* The SYSCALL MSRs: msr[0] = LSTAR, msr[1] = STAR, msr[2] = SFMASK. */
static int step__syscall_msrs(struct vcpu *v, uint64_t *msr)
{
	static const uint32_t index[3] = { MSR_LSTAR, MSR_STAR, MSR_SFMASK };

	return vcpu__get_msrs(v, index, msr, 3) ? -EIO : 0;
}

/*
 * On emulating hosts KVM reports no single-step into ring 3, so the return instruction itself
 * (IRETQ or SYSRETQ to ring 3) is performed here, as the CPU would.  1 when done.
 */
static int step__return_to_user(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t f[5], msr[3];
	uint8_t op[3];

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) ||
	    paging__read_virt(&v->vm->mem, s.cr3, r.rip, op, 3))
		return 0;
	if (op[0] == 0x48 && op[1] == 0xcf) { /* iretq */
		if (paging__read_virt(&v->vm->mem, s.cr3, r.rsp, f, sizeof(f)) || (f[1] & 3) != 3)
			return 0;
	} else if (op[0] == 0x48 && op[1] == 0x0f && op[2] == 0x07) { /* sysretq */
		if (step__syscall_msrs(v, msr))
			return 0;
		f[0] = r.rcx;
		f[1] = ((msr[1] >> 48) + 16) | 3;
		f[2] = (r.r11 & 0x3c7fd7) | 2;
		f[3] = r.rsp;
		f[4] = ((msr[1] >> 48) + 8) | 3;
	} else {
		return 0;
	}
	si->via_guest_db = 0;
	return !step__load_user(v, &s, &r, f, si);
}

/*
 * KVM re-arms its single-step only from KVM_SET_GUEST_DEBUG at the current RIP: after the
 * engine moved the vCPU, the debug state goes to KVM again even if it did not change.
 */
static void step__repush(struct vcpu *v)
{
	if (v->vm->fixups)
		hostfix__repush(v);
}

/*
 * SYSCALL from ring 3, performed here as the CPU does it (the SDM's 64-bit SYSCALL): KVM's
 * single-step rides on RFLAGS.TF, which the guest's SFMASK clears, so the CPU would enter
 * ring 0 without a step exit.  1 done, 0 left to the CPU (SYSCALL disabled: it raises #UD).
 */
static int step__syscall(struct vcpu *v, struct kvm_sregs *s, struct kvm_regs *r)
{
	uint64_t msr[3];

	if (!(s->efer & EFER_SCE) || step__syscall_msrs(v, msr))
		return 0;
	r->rcx = r->rip + 2;
	r->r11 = r->rflags & ~RFLAGS_RF;
	r->rflags &= ~(msr[2] | RFLAGS_RF);
	r->rip = msr[0];
	hostfix__flat_seg(&s->cs, (msr[1] >> 32) & 0xfffc, 1);
	hostfix__flat_seg(&s->ss, ((msr[1] >> 32) + 8) & 0xfffc, 0);
	return vcpu__set_sregs(v, s) || vcpu__set_regs(v, r) ? -EIO : 1;
}

/* int n or int3 from ring 3, delivered here through the guest IDT: the gate clears TF. */
static int step__int(struct vcpu *v, const struct kvm_sregs *s, const struct kvm_regs *r,
		     const uint8_t *op)
{
	int len = op[0] == 0xcc ? 1 : 2, ret;
	struct hostfix_ctx ctx = {
		r->rip + len, s->cs.selector, r->rflags, r->rsp, s->ss.selector, 3, len,
	};

	ret = hostfix__deliver(v, op[0] == 0xcc ? 3 : op[1], 1, 0, 0, &ctx);
	if (ret) {
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", err__msg(ret));
		return ret;
	}
	return 1;
}

/*
 * Where KVM single-steps ring 3, the instructions that enter ring 0 from there clear the TF it
 * steps with, so no step exit would come until the guest returns to ring 3: the engine
 * performs SYSCALL, int n and int3 itself and reports the step at the ring-0 entry.  1 when
 * done (si describes the new state), 0 when the next instruction is none of these.
 */
static int step__enter_kernel(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint8_t op[2];
	int ret;

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) || !s.cs.l ||
	    paging__read_virt(&v->vm->mem, s.cr3, r.rip, op, 2))
		return 0;
	if (op[0] == 0x0f && op[1] == 0x05)
		ret = step__syscall(v, &s, &r);
	else if (op[0] == 0xcd || op[0] == 0xcc)
		ret = step__int(v, &s, &r, op);
	else
		return 0;
	if (ret <= 0)
		return ret;
	step__repush(v);
	return step__current(v, si);
}

#define MSR_KERNEL_GS_BASE 0xc0000102

/*
 * SWAPGS at ring 0, performed here where KVM reports its step only after the next instruction
 * (the step-ring0 fixup): GS.base and IA32_KERNEL_GS_BASE exchanged, as the CPU does.  1 when
 * done (si describes the new state), 0 when the next instruction is not SWAPGS.
 */
static int step__swapgs(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t gs, kgs;
	uint8_t op[3];

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) || !s.cs.l || s.cs.dpl ||
	    paging__read_virt(&v->vm->mem, s.cr3, r.rip, op, 3) || op[0] != 0x0f || op[1] != 0x01 ||
	    op[2] != 0xf8)
		return 0;
	if (vcpu__get_msr(v, MSR_KERNEL_GS_BASE, &kgs))
		return -EIO;
	gs = s.gs.base;
	s.gs.base = kgs;
	r.rip += 3;
	if (vcpu__set_msr(v, MSR_KERNEL_GS_BASE, gs) || vcpu__set_sregs(v, &s) ||
	    vcpu__set_regs(v, &r))
		return -EIO;
	step__repush(v);
	return step__current(v, si);
}

/*
 * FXSAVE or FXRSTOR (0f ae /0, /1, a memory operand; REX.W allowed) at ring 0, executed here
 * (emulate.h) where KVM reports their step after the next instruction (step-ring0).  1 when
 * done, 0 when the next instruction is neither, -EIO.
 */
static int step__fx(struct vcpu *v, struct step_info *si)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint8_t b[15];
	char why[256];
	int n = sizeof(b), i = 0, ret;

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) || !s.cs.l || s.cs.dpl)
		return 0;
	while (n > 0 && paging__read_virt(&v->vm->mem, s.cr3, r.rip, b, n))
		n--;
	if (n > 1 && (b[0] & 0xf0) == 0x40)
		i = 1; /* REX */
	if (n < i + 3 || b[i] != 0x0f || b[i + 1] != 0xae || (b[i + 2] >> 6) == 3 ||
	    ((b[i + 2] >> 3) & 7) > 1)
		return 0;
	ret = emulate__insn(v, b, n, why, sizeof(why));
	if (ret <= 0)
		return ret < 0 ? ret : err__set(EIO, "%s", why);
	step__repush(v);
	return step__current(v, si);
}

/* A transition that the step mechanism in force does not report: performed here. */
static int step__transition(struct vcpu *v, struct step_info *si)
{
	int ret;

	if (si->cpl == 0 && (v->vm->fixups & HOSTFIX_STEP0)) {
		ret = step__swapgs(v, si);
		if (!ret)
			ret = step__fx(v, si);
		if (ret)
			return ret;
	}
	if (si->cpl == 0 && (v->vm->fixups & HOSTFIX_STEP3))
		return step__return_to_user(v, si);
	if (si->cpl == 3 && !(v->vm->fixups & HOSTFIX_STEP3))
		return step__enter_kernel(v, si);
	return 0;
}

/* Is this debug exit one of ours, and where are we now? 1 yes, 0 not ours. */
static int step__classify(struct vcpu *v, struct kvm_run *run, struct step_info *si)
{
	struct step_vcpu *st = step_of(v);
	uint64_t pc = run->debug.arch.pc;

	if (st->tf_set && pc == hostfix__handler(v, 1) && pc)
		return step__unwind_db(v, si);
	/* KVM single-step; on some hosts DR6 in the exit is stale, so accept "no breakpoint". */
	if (step__stepping(v) && run->debug.arch.exception == 1 &&
	    ((run->debug.arch.dr6 & DR6_BS) || !(run->debug.arch.dr6 & DR6_HIT)))
		return step__current(v, si);
	if (st->target && pc == st->target)
		return step__current(v, si);
	return 0;
}

/* Report one step; 1 to go on stepping. */
static int step__report(struct vcpu *v, struct step_info *si)
{
	struct step_vcpu *st = step_of(v);
	unsigned int gen = st->gen;
	int more;

	si->count = ++st->count;
	more = st->fn(v, st->opaque, si);
	if (st->gen != gen)
		return 0; /* fn armed the engine anew (step__start, step__break_at): keep that */
	more = more && !st->target;
	if (!more)
		step__disarm(v);
	return more;
}

static int step__wanted(const struct step_vcpu *st, const struct step_info *si)
{
	return !st->target ||
	       (si->rip == st->target && (st->target_cpl < 0 || si->cpl == st->target_cpl));
}

/* After a step or a transition: go on from the vCPU's state (ring changes handled). */
static int step__next(struct vcpu *v, struct step_info *si)
{
	struct step_vcpu *st = step_of(v);
	int ret, n;

	if (step__wanted(st, si) && !step__report(v, si))
		return 1;
	/* SWAPGS then IRETQ, as a kernel returns to user mode: each a step of its own. */
	for (n = 0; n < 4 && step__stepping(v); n++) {
		ret = step__transition(v, si);
		if (ret < 0)
			return ret;
		if (!ret)
			break;
		if (step__wanted(st, si) && !step__report(v, si))
			return 1;
	}
	/*
	 * The target's breakpoint stopped the vCPU at the other ring: single-step over the
	 * instruction with the breakpoint off, then arm it again, as a debugger resumes.
	 */
	st->passing = !st->passing && st->target && st->target_bp && si->rip == st->target;
	return step__arm(v) ? -EIO : 1;
}

static int step__debug(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct step_vcpu *st = step_of(v);
	struct step_info si;
	int ret;

	(void)opaque;
	if (!st || !st->active)
		return 0;
	if (steprep__done(v, &st->rep) < 0)
		return -EIO;
	ret = step__classify(v, run, &si);
	return ret <= 0 ? ret : step__next(v, &si);
}

/*
 * Exit observer: an instruction that writes to MMIO ends at the MMIO exit (RIP is past it),
 * and KVM reports no single-step for it ("return into emulator if single-stepping" is a FIXME
 * in its complete_emulated_mmio); worse, it drops the TF it steps with once RIP moved.  So the
 * step is reported here, before the MMIO hook runs, and KVM single-step armed again.
 */
static int step__observe(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct step_vcpu *st = step_of(v);
	struct step_info si;
	int ret, ran;

	(void)opaque;
	if (!st || !st->active || !st->kvm_step || run->exit_reason != KVM_EXIT_MMIO ||
	    !run->mmio.is_write)
		return 0;
	/* A REP's iteration that ran leaves RIP at the instruction, as the CPU would. */
	ran = steprep__done(v, &st->rep);
	if (ran < 0 || step__current(v, &si) <= 0 || (si.rip == st->armed_rip && !ran))
		return 0;
	step__repush(v);
	ret = step__next(v, &si);
	if (ret < 0)
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: the step engine failed after an MMIO write: %s", v->id,
				 err__msg(ret));
	return 0;
}

/*
 * The TF vmscope set to step ring 3 went into ring 0 with a SYSCALL (in R11) or an int n (in
 * its frame), from where the guest's return would bring it back to ring 3, perhaps after
 * stepping ended: it is taken out.  The guest's own TF (tf_set 0) stays.
 */
static void step__scrub_tf(struct vcpu *v, int kind)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t fl;

	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return;
	if (kind == HOSTFIX_T_SYSCALL && (r.r11 & RFLAGS_TF)) {
		r.r11 &= ~RFLAGS_TF;
		vcpu__set_regs(v, &r);
	} else if (kind == HOSTFIX_T_INTN &&
		   !paging__read_virt(&v->vm->mem, s.cr3, r.rsp + 16, &fl, sizeof(fl)) &&
		   (fl & RFLAGS_TF)) {
		fl &= ~RFLAGS_TF;
		paging__write_virt(&v->vm->mem, s.cr3, r.rsp + 16, &fl, sizeof(fl));
	}
}

/* hostfix completed a SYSCALL or an int n while we step: the vCPU is now in ring 0. */
static void step__on_transition(struct vcpu *v, int kind)
{
	struct step_vcpu *st = step_of(v);
	struct step_info si;

	if (st && st->tf_set)
		step__scrub_tf(v, kind);
	if (st && st->active && step__current(v, &si) > 0)
		step__next(v, &si);
}

int step__install(struct vm *vm)
{
	int i, ret = vm__feature_add(vm, &step_feature, NULL);

	for (i = 0; !ret && i < vm->nr_vcpus; i++) {
		struct step_vcpu *st = calloc(1, sizeof(*st));

		if (!st)
			return err__set(ENOMEM, "out of memory for the step engine");
		ret = vcpu__feature_set(&vm->vcpus[i], &step_feature, st);
	}
	if (ret)
		return ret;
	hostfix__on_transition(vm, step__on_transition);
	return hooks__add_debug(&vm->hooks, "step", step__debug, NULL)
		       ?: hooks__add_observer(&vm->hooks, "step", step__observe, NULL);
}

int step__start(struct vcpu *v, step_fn fn, void *opaque)
{
	struct step_vcpu *st = step_of(v);

	if (!st)
		return err__set(EINVAL, "the step engine is not installed on this VM");
	st->fn = fn;
	st->opaque = opaque;
	st->count = 0;
	st->target = 0;
	st->active = 1;
	st->gen++;
	return step__arm(v);
}

int step__stop(struct vcpu *v)
{
	return step_of(v) ? step__disarm(v) : 0;
}

int step__break_at(struct vcpu *v, uint64_t rip, int cpl, step_fn fn, void *opaque)
{
	struct step_vcpu *st = step_of(v);

	if (!st)
		return err__set(EINVAL, "the step engine is not installed on this VM");
	if (!rip)
		return err__set(EINVAL, "cannot break at address 0");
	if (cpl != 0 && cpl != 3 && cpl != -1)
		return err__set(EINVAL, "break at ring %d: vmscope breaks at ring 0, 3 or either",
				cpl);
	st->target_cpl = cpl;
	st->target_bp = step__bp_fires(v, cpl);
	st->passing = 0;
	st->fn = fn;
	st->opaque = opaque;
	st->count = 0;
	st->target = rip;
	st->active = 1;
	st->gen++;
	return step__arm(v);
}

int step__where(struct vcpu *v, uint64_t *rip, int *cpl)
{
	struct step_vcpu *st = step_of(v);
	struct kvm_run *run = v->run;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t f[2];

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r))
		return -EIO;
	*rip = r.rip;
	*cpl = s.cs.dpl;
	if (st && st->active && st->tf_set && run->exit_reason == KVM_EXIT_DEBUG &&
	    run->debug.arch.pc && run->debug.arch.pc == hostfix__handler(v, 1) &&
	    !paging__read_virt(&v->vm->mem, s.cr3, r.rsp, f, sizeof(f)) && (f[1] & 3) == 3) {
		*rip = f[0];
		*cpl = 3;
	}
	return 0;
}

static void step__free_all(struct vm *vm, void *priv)
{
	int i;

	(void)priv;
	for (i = 0; i < vm->nr_vcpus; i++)
		free(step_of(&vm->vcpus[i]));
}
