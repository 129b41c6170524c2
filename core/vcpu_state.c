// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-vCPU state: saved and restored in the order the KVM API documents for migration
 * (special registers before general ones, LAPIC before events, MP state last).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/err.h"
#include "kvm.h"
#include "vcpu.h"
#include "vm.h"

struct state_op {
	const char *name;
	unsigned long get, set;
	size_t offset;
	int need_irqchip;
};

#define STATE_OP(n, g, s, field, irq)                                                              \
	{                                                                                          \
		n, g, s, offsetof(struct vcpu_state, field), irq                                   \
	}

static const struct state_op state_ops[] = {
	STATE_OP("special registers", KVM_GET_SREGS, KVM_SET_SREGS, sregs, 0),
	STATE_OP("registers", KVM_GET_REGS, KVM_SET_REGS, regs, 0),
	STATE_OP("FPU", KVM_GET_FPU, KVM_SET_FPU, fpu, 0),
	STATE_OP("XCRs", KVM_GET_XCRS, KVM_SET_XCRS, xcrs, 0),
	STATE_OP("LAPIC", KVM_GET_LAPIC, KVM_SET_LAPIC, lapic, 1),
	STATE_OP("debug registers", KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, debugregs, 0),
	STATE_OP("events", KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, events, 0),
	STATE_OP("MP state", KVM_GET_MP_STATE, KVM_SET_MP_STATE, mp_state, 1),
};

/* What code run in the vCPU's context changes (state_ops' indices): not LAPIC, MSRs, MP state. */
static const int context_ops[] = { 0, 1, 2, 3, 5, 6 };
#define NR_CONTEXT_OPS (sizeof(context_ops) / sizeof(context_ops[0]))

static int vcpu__msrs_get(struct vcpu *v, struct vcpu_state *st)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[VCPU_MAX_MSRS];
	} buf;
	uint32_t i, n = 0;
	int ret;

	for (i = 0; i < v->vm->nr_msr_indices && n < VCPU_MAX_MSRS; i++)
		buf.e[n++] = (struct kvm_msr_entry){ .index = v->vm->msr_indices[i] };
	/* KVM_GET_MSRS stops at the first MSR it cannot read: drop that one and go on. */
	for (;;) {
		buf.hdr.nmsrs = n;
		ret = ioctl(v->fd, KVM_GET_MSRS, &buf);
		if (ret < 0)
			return err__set(errno, "vCPU %d: KVM_GET_MSRS failed: %s", v->id,
					strerror(errno));
		if ((uint32_t)ret == n)
			break;
		memmove(&buf.e[ret], &buf.e[ret + 1], (n - ret - 1) * sizeof(buf.e[0]));
		n--;
	}
	st->nr_msrs = n;
	memcpy(st->msrs, buf.e, n * sizeof(buf.e[0]));
	return 0;
}

static int vcpu__msrs_set(struct vcpu *v, const struct vcpu_state *st)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[VCPU_MAX_MSRS];
	} buf;
	int ret;

	if (st->nr_msrs > VCPU_MAX_MSRS)
		return err__set(EINVAL, "vCPU %d: saved state has %u MSRs (at most %d)", v->id,
				st->nr_msrs, VCPU_MAX_MSRS);
	buf.hdr.nmsrs = st->nr_msrs;
	buf.hdr.pad = 0;
	memcpy(buf.e, st->msrs, st->nr_msrs * sizeof(buf.e[0]));
	ret = ioctl(v->fd, KVM_SET_MSRS, &buf);
	if (ret < 0 || (uint32_t)ret != st->nr_msrs)
		return err__set(EINVAL, "vCPU %d: KVM_SET_MSRS stopped at MSR 0x%x", v->id,
				ret >= 0 && (uint32_t)ret < st->nr_msrs ? st->msrs[ret].index : 0);
	return 0;
}

static int vcpu__xsave(struct vcpu *v, struct vcpu_state *st, int set)
{
	int size = kvm__check_cap(v->vm->fd, KVM_CAP_XSAVE2);
	unsigned long req;

	if (size <= 0 || size > (int)sizeof(st->xsave)) {
		size = sizeof(struct kvm_xsave);
		req = set ? KVM_SET_XSAVE : KVM_GET_XSAVE;
	} else {
		req = set ? KVM_SET_XSAVE : KVM_GET_XSAVE2;
	}
	if (set && st->xsave_size != (uint32_t)size)
		return err__set(EINVAL, "vCPU %d: saved XSAVE area is %u bytes, this host uses %d",
				v->id, st->xsave_size, size);
	if (ioctl(v->fd, req, st->xsave) < 0)
		return err__set(errno, "vCPU %d: %s XSAVE failed: %s", v->id,
				set ? "KVM_SET" : "KVM_GET", strerror(errno));
	st->xsave_size = size;
	return 0;
}

static int vcpu__state_op(struct vcpu *v, const struct state_op *op, void *field, int set)
{
	if (op->need_irqchip && !v->vm->has_irqchip)
		return 0;
	if (ioctl(v->fd, set ? op->set : op->get, field) < 0)
		return err__set(errno, "vCPU %d: cannot %s %s: %s", v->id, set ? "set" : "read",
				op->name, strerror(errno));
	return 0;
}

int vcpu__save(struct vcpu *v, struct vcpu_state *st)
{
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(state_ops) / sizeof(state_ops[0]); i++) {
		ret = vcpu__state_op(v, &state_ops[i], (char *)st + state_ops[i].offset, 0);
		if (ret)
			return ret;
	}
	ret = vcpu__xsave(v, st, 0);
	return ret ? ret : vcpu__msrs_get(v, st);
}

int vcpu__save_context(struct vcpu *v, struct vcpu_state *st)
{
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < NR_CONTEXT_OPS; i++) {
		const struct state_op *op = &state_ops[context_ops[i]];

		ret = vcpu__state_op(v, op, (char *)st + op->offset, 0);
		if (ret)
			return ret;
	}
	return vcpu__xsave(v, st, 0);
}

int vcpu__restore_context(struct vcpu *v, const struct vcpu_state *st)
{
	struct vcpu_state *w = (struct vcpu_state *)st; /* KVM_SET_* do not write */
	size_t i;
	int ret = 0;

	v->state_gen++;
	for (i = 0; !ret && i < NR_CONTEXT_OPS; i++) {
		const struct state_op *op = &state_ops[context_ops[i]];

		ret = vcpu__state_op(v, op, (char *)w + op->offset, 1);
		if (!ret && op->get == KVM_GET_XCRS)
			ret = vcpu__xsave(v, w, 1); /* after XCR0, as in vcpu__restore */
	}
	return ret;
}

int vcpu__restore(struct vcpu *v, const struct vcpu_state *st)
{
	struct vcpu_state *w = (struct vcpu_state *)st; /* KVM_SET_* do not write */
	size_t i;
	int ret;

	v->state_gen++;
	for (i = 0; i < 4; i++) {
		ret = vcpu__state_op(v, &state_ops[i], (char *)w + state_ops[i].offset, 1);
		if (ret)
			return ret;
	}
	ret = vcpu__xsave(v, w, 1);
	if (!ret)
		ret = vcpu__msrs_set(v, st);
	for (i = 4; !ret && i < sizeof(state_ops) / sizeof(state_ops[0]); i++)
		ret = vcpu__state_op(v, &state_ops[i], (char *)w + state_ops[i].offset, 1);
	return ret;
}

static void dump_seg(FILE *f, const char *n, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s %04x base %016llx limit %08x type %x dpl %u l %u db %u p %u\n", n,
		s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->l, s->db,
		s->present);
}

void vcpu__dump(struct vcpu *v, void *stream)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	FILE *f = stream;

	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s)) {
		fprintf(f, "vCPU %d: registers unavailable\n", v->id);
		return;
	}
	fprintf(f, "vCPU %d registers:\n", v->id);
	fprintf(f, "  rip %016llx rflags %016llx\n", r.rip, r.rflags);
	fprintf(f, "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", r.rax, r.rbx, r.rcx,
		r.rdx);
	fprintf(f, "  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n", r.rsi, r.rdi, r.rbp,
		r.rsp);
	fprintf(f, "  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", r.r8, r.r9, r.r10, r.r11);
	fprintf(f, "  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", r.r12, r.r13, r.r14,
		r.r15);
	fprintf(f, "  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n", s.cr0, s.cr2,
		s.cr3, s.cr4, s.efer);
	dump_seg(f, "cs", &s.cs);
	dump_seg(f, "ss", &s.ss);
	dump_seg(f, "tr", &s.tr);
	fprintf(f, "  gdt %016llx/%x idt %016llx/%x\n", s.gdt.base, s.gdt.limit, s.idt.base,
		s.idt.limit);
}
