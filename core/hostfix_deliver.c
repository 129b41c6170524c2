// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt and exception delivery through the guest's IDT, done by the VMM when KVM did not
 * (int n on emulating hosts; later, exceptions that RTME raises).  Follows the SDM's 64-bit
 * IDT delivery: gate checks, stack switch through TSS.RSPn or an IST slot, 16-byte aligned
 * frame (SS, RSP, RFLAGS, CS, RIP, error code), TF/NT/RF cleared and IF for interrupt gates.
 */
#include <errno.h>
#include <string.h>

#include "../lib/err.h"
#include "hostfix.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)
#define VEC_NP 11
#define VEC_GP 13

struct idt_gate {
	uint64_t offset;
	uint16_t selector;
	int ist, type, dpl, present;
};

static int hf_read(struct vcpu *v, uint64_t cr3, uint64_t gva, void *buf, size_t len)
{
	return paging__read_virt(&v->vm->mem, cr3, gva, buf, len);
}

static int hf_read_gate(struct vcpu *v, const struct kvm_sregs *s, int vec, struct idt_gate *g)
{
	uint8_t e[16];
	int ret;

	if ((uint64_t)vec * 16 + 15 > s->idt.limit)
		return -ERANGE;
	ret = hf_read(v, s->cr3, s->idt.base + vec * 16, e, sizeof(e));
	if (ret)
		return ret;
	g->offset = (e[0] | e[1] << 8) | (uint64_t)(e[6] | e[7] << 8) << 16 |
		    (uint64_t)(e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24) << 32;
	g->selector = e[2] | e[3] << 8;
	g->ist = e[4] & 7;
	g->type = e[5] & 0xf;
	g->dpl = (e[5] >> 5) & 3;
	g->present = e[5] >> 7;
	return 0;
}

/* The code segment a gate names, from the guest GDT. */
static int hf_code_seg(struct vcpu *v, const struct kvm_sregs *s, uint16_t sel,
		       struct kvm_segment *cs)
{
	uint64_t d;
	int ret;

	if ((sel & ~7) + 7 > s->gdt.limit || !(sel & ~7))
		return -ERANGE;
	ret = hf_read(v, s->cr3, s->gdt.base + (sel & ~7), &d, 8);
	if (ret)
		return ret;
	memset(cs, 0, sizeof(*cs));
	cs->dpl = (d >> 45) & 3;
	cs->selector = (sel & ~3) | cs->dpl;
	cs->type = (d >> 40) & 0xf;
	cs->s = (d >> 44) & 1;
	cs->present = (d >> 47) & 1;
	cs->l = (d >> 53) & 1;
	cs->db = (d >> 54) & 1;
	cs->g = (d >> 55) & 1;
	cs->limit = 0xffffffff;
	return cs->present && cs->s && (cs->type & 8) ? 0 : -EINVAL;
}

static int hf_new_stack(struct vcpu *v, const struct kvm_sregs *s, const struct idt_gate *g,
			int new_cpl, const struct hostfix_ctx *ctx, uint64_t *rsp)
{
	uint64_t off;

	if (!g->ist && new_cpl >= ctx->cpl) {
		*rsp = ctx->rsp;
		return 0;
	}
	off = g->ist ? 0x24 + 8 * (g->ist - 1) : 4 + 8 * new_cpl;
	return hf_read(v, s->cr3, s->tr.base + off, rsp, 8);
}

static void hf_ss_for(struct kvm_sregs *s, int new_cpl, int cpl)
{
	if (new_cpl == cpl)
		return;
	/* Entering a more privileged ring in 64-bit mode loads a NULL SS with RPL = new CPL. */
	memset(&s->ss, 0, sizeof(s->ss));
	s->ss.selector = new_cpl;
	s->ss.type = 3;
	s->ss.s = 1;
	s->ss.present = 1;
	s->ss.dpl = new_cpl;
	s->ss.db = 1;
	s->ss.g = 1;
	s->ss.limit = 0xffffffff;
}

static int hf_push_frame(struct vcpu *v, const struct kvm_sregs *s, uint64_t *rsp,
			 const struct hostfix_ctx *ctx, int has_err, uint32_t err)
{
	uint64_t frame[6];
	int n = 0;

	if (has_err)
		frame[n++] = err;
	frame[n++] = ctx->rip;
	frame[n++] = ctx->cs;
	frame[n++] = ctx->rflags;
	frame[n++] = ctx->rsp;
	frame[n++] = ctx->ss;
	*rsp = (*rsp & ~0xfull) - n * 8;
	return paging__write_virt(&v->vm->mem, s->cr3, *rsp, frame, n * 8);
}

static int hf_fault(struct vcpu *v, int vector, int depth, const struct hostfix_ctx *ctx);

static int hf_deliver(struct vcpu *v, int vector, int soft, int has_err, uint32_t err,
		      const struct hostfix_ctx *ctx, int depth)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct idt_gate g;
	struct kvm_segment cs;
	uint64_t rsp;
	int ret;

	if (vcpu__get_sregs(v, &s) || vcpu__get_regs(v, &r))
		return -EIO;
	ret = hf_read_gate(v, &s, vector, &g);
	if (ret == -ERANGE || (!ret && (g.type != 0xe && g.type != 0xf)))
		return hf_fault(v, vector, depth, ctx);
	if (ret)
		return ret;
	if (!g.present)
		return hf_deliver(v, VEC_NP, 0, 1, vector * 8 + 2, ctx, depth + 1);
	if (soft && g.dpl < ctx->cpl)
		return hf_fault(v, vector, depth, ctx);
	ret = hf_code_seg(v, &s, g.selector, &cs);
	if (!ret)
		ret = hf_new_stack(v, &s, &g, cs.dpl, ctx, &rsp);
	if (!ret)
		ret = hf_push_frame(v, &s, &rsp, ctx, has_err, err);
	if (ret)
		return ret;
	r.rip = g.offset;
	r.rsp = rsp;
	r.rflags = ctx->rflags & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (g.type == 0xe)
		r.rflags &= ~RFLAGS_IF;
	hf_ss_for(&s, cs.dpl, ctx->cpl);
	s.cs = cs;
	if (vcpu__set_sregs(v, &s) || vcpu__set_regs(v, &r))
		return -EIO;
	return 0;
}

/* #GP(vector * 8 + 2): the IDT entry could not be used; the frame points at the instruction. */
static int hf_fault(struct vcpu *v, int vector, int depth, const struct hostfix_ctx *ctx)
{
	struct hostfix_ctx at_insn = *ctx;

	at_insn.rip -= ctx->insn_len;
	at_insn.insn_len = 0;
	if (depth > 1)
		return err__set(EFAULT,
				"vCPU %d: cannot deliver vector %d nor the #GP it raises "
				"(guest IDT unusable): a double fault",
				v->id, vector);
	return hf_deliver(v, VEC_GP, 0, 1, vector * 8 + 2, &at_insn, depth + 1);
}

int hostfix__deliver(struct vcpu *v, int vector, int soft, int has_err, uint32_t err,
		     const struct hostfix_ctx *ctx)
{
	int ret = hf_deliver(v, vector, soft, has_err, err, ctx, 0);

	if (ret && ret != -EFAULT)
		return err__set(-ret, "vCPU %d: cannot deliver vector %d through the guest IDT",
				v->id, vector);
	return ret;
}
