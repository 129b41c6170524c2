// SPDX-License-Identifier: GPL-2.0
/*
 * One iteration of a REP string instruction per step where KVM would run them all (the
 * step-ring0 fixup, step_int.h).  A CPU single-stepping REP MOVS/STOS/LODS/CMPS/SCAS/INS/OUTS
 * stops after each iteration, RIP still at the instruction until the count is done; KVM's
 * instruction emulator (guest ring 0 on emulating hosts) runs the whole count in one step.
 * Here the count register is set to 1 for the step, and after it the real count is put back,
 * less the iteration done, with RIP at the instruction while iterations remain (and, for CMPS
 * and SCAS, while REPE/REPNE's condition holds) and past it after the last, as the CPU leaves
 * it.
 *
 * The iteration must not fault with the count changed: its memory operands are walked first,
 * and if any is not present, or is written and not writable, the instruction is left whole
 * (it faults at its first iteration anyway, with the count the guest gave it).  Interrupts
 * stay off for the step (KVM_GUESTDBG_BLOCKIRQ), so none arrives with the count changed.
 */
#include <errno.h>
#include <string.h>

#include "hostfix.h"
#include "step_int.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define RFLAGS_ZF (1ull << 6)
#define CR0_WP (1ull << 16)

enum { REP_READ_SI = 1, REP_READ_DI = 2, REP_WRITE_DI = 4 };

/* The string opcodes (after prefixes) and the operands each iteration touches. */
static int rep_operands(uint8_t op)
{
	switch (op) {
	case 0xa4: /* movs */
	case 0xa5:
		return REP_READ_SI | REP_WRITE_DI;
	case 0xa6: /* cmps */
	case 0xa7:
		return REP_READ_SI | REP_READ_DI;
	case 0xaa: /* stos */
	case 0xab:
	case 0x6c: /* ins */
	case 0x6d:
		return REP_WRITE_DI;
	case 0xac: /* lods */
	case 0xad:
	case 0x6e: /* outs */
	case 0x6f:
		return REP_READ_SI;
	case 0xae: /* scas */
	case 0xaf:
		return REP_READ_DI;
	}
	return 0;
}

/*
 * Decode the instruction at the vCPU's RIP (64-bit code): a REP string instruction fills sr
 * (but its count) and returns 1.
 */
static int rep_decode(const uint8_t *b, int n, struct steprep *sr)
{
	int i, opsize = 4, seg = 0;

	memset(sr, 0, sizeof(*sr));
	for (i = 0; i < n && i < 14; i++) {
		uint8_t p = b[i];

		if (p == 0xf3 || p == 0xf2)
			sr->rep = p;
		else if (p == 0x67)
			sr->addr32 = 1;
		else if (p == 0x66)
			opsize = 2;
		else if (p == 0x64 || p == 0x65)
			seg = p;
		else if (p == 0x2e || p == 0x36 || p == 0x3e || p == 0x26 || p == 0xf0)
			;
		else if ((p & 0xf0) == 0x40 && i + 1 < n && rep_operands(b[i + 1]))
			opsize = (p & 8) ? 8 : opsize; /* REX, right before the opcode */
		else
			break;
	}
	if (i >= n || !sr->rep || !(sr->operands = rep_operands(b[i])))
		return 0;
	sr->size = (b[i] & 1) ? opsize : 1;
	sr->cond = b[i] == 0xa6 || b[i] == 0xa7 || b[i] == 0xae || b[i] == 0xaf;
	sr->seg = seg;
	sr->len = i + 1;
	return 1;
}

static uint64_t rep_mask(const struct steprep *sr)
{
	return sr->addr32 ? 0xffffffffull : ~0ull;
}

/* Would one access of the iteration go through without a fault? */
static int rep_access_ok(struct vcpu *v, const struct kvm_sregs *s, uint64_t la, uint32_t size,
			 int write)
{
	uint64_t ends[2] = { la, la + size - 1 };
	struct walk_result w;
	int i;

	for (i = 0; i < 2; i++) {
		if (paging__walk(&v->vm->mem, s->cr3, ends[i], &w))
			return 0;
		if (write && !w.writable && (s->cr0 & CR0_WP))
			return 0;
	}
	return 1;
}

static int rep_iteration_ok(struct vcpu *v, const struct kvm_sregs *s, const struct kvm_regs *r,
			    const struct steprep *sr)
{
	uint64_t si = r->rsi & rep_mask(sr), di = r->rdi & rep_mask(sr);

	if (sr->seg == 0x64)
		si += s->fs.base;
	else if (sr->seg == 0x65)
		si += s->gs.base;
	if ((sr->operands & REP_READ_SI) && !rep_access_ok(v, s, si, sr->size, 0))
		return 0;
	if ((sr->operands & (REP_READ_DI | REP_WRITE_DI)) &&
	    !rep_access_ok(v, s, di, sr->size, sr->operands & REP_WRITE_DI))
		return 0;
	return 1;
}

int steprep__limit(struct vcpu *v, struct steprep *sr)
{
	uint8_t b[15];
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t count;
	int n = sizeof(b);

	sr->armed = 0;
	if (!(v->vm->fixups & HOSTFIX_STEP0) || vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r) ||
	    s.cs.dpl != 0 || !s.cs.l)
		return 0;
	while (n > 0 && paging__read_virt(&v->vm->mem, s.cr3, r.rip, b, n))
		n--;
	if (!rep_decode(b, n, sr))
		return 0;
	count = r.rcx & rep_mask(sr);
	if (count <= 1 || !rep_iteration_ok(v, &s, &r, sr))
		return 0;
	sr->rip = r.rip;
	sr->count = count;
	r.rcx = sr->addr32 ? (r.rcx & ~0xffffffffull) | 1 : 1;
	if (vcpu__set_regs(v, &r))
		return -EIO;
	sr->armed = 1;
	return 1;
}

int steprep__done(struct vcpu *v, struct steprep *sr)
{
	struct kvm_regs r;
	uint64_t left;
	int more;

	if (!sr->armed)
		return 0;
	sr->armed = 0;
	if (vcpu__get_regs(v, &r))
		return -EIO;
	if ((r.rip == sr->rip + sr->len || r.rip == sr->rip) && !(r.rcx & rep_mask(sr))) {
		/*
		 * The one iteration ran (KVM's emulator may leave RIP at the instruction with the
		 * count 0, to finish it at the next entry): the count less it, RIP where the CPU
		 * leaves it, at the instruction while iterations remain, past it after the last.
		 */
		left = sr->count - 1;
		more = !sr->cond || (sr->rep == 0xf3) == !!(r.rflags & RFLAGS_ZF);
		r.rip = left && more ? sr->rip : sr->rip + sr->len;
	} else if (r.rip == sr->rip && (r.rcx & rep_mask(sr)) == 1) {
		left = sr->count; /* it did not run (an exit came first): as it was */
	} else {
		return 0; /* the vCPU went elsewhere with the count it had: nothing to undo */
	}
	r.rcx = sr->addr32 ? (r.rcx & ~0xffffffffull) | left : left;
	if (vcpu__set_regs(v, &r))
		return -EIO;
	return left != sr->count;
}
