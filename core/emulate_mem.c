// SPDX-License-Identifier: GPL-2.0
/*
 * Operands of an executed instruction: general registers by capstone id, effective and linear
 * addresses (segment bases, RIP-relative, address size), and guest memory through the vCPU's
 * page tables with the checks the CPU makes at ring 0 (present, W with CR0.WP, SMAP,
 * canonical).  A read of guest-physical memory that is not RAM behaves as an MMIO read, as it
 * would in KVM: the MMIO hook covering it answers, or all-ones.
 *
 * Not modelled: segment limits and types in 32-bit modes, protection keys, reserved-bit
 * faults, and the Accessed/Dirty bits (the page walker only reads the tables).
 */
#ifdef HAVE_CAPSTONE
#include <inttypes.h>
#include <string.h>

#include "emulate.h"
#include "emulate_int.h"
#include "../lib/err.h"
#include "hooks.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

struct gpr {
	uint8_t offset; /* in struct kvm_regs; 0 is rax, so size tells a mapped entry */
	uint8_t size; /* bytes: 1, 2, 4, 8 */
	uint8_t shift; /* 8 for ah, bh, ch, dh */
};

#define R(field) offsetof(struct kvm_regs, field)
#define GPR(q, d, w, b, field)                                                                     \
	[X86_REG_##q] = { R(field), 8, 0 }, [X86_REG_##d] = { R(field), 4, 0 },                    \
	[X86_REG_##w] = { R(field), 2, 0 }, [X86_REG_##b] = { R(field), 1, 0 }

static const struct gpr gprs[X86_REG_ENDING] = {
	GPR(RAX, EAX, AX, AL, rax),	 GPR(RBX, EBX, BX, BL, rbx),
	GPR(RCX, ECX, CX, CL, rcx),	 GPR(RDX, EDX, DX, DL, rdx),
	GPR(RSI, ESI, SI, SIL, rsi),	 GPR(RDI, EDI, DI, DIL, rdi),
	GPR(RSP, ESP, SP, SPL, rsp),	 GPR(RBP, EBP, BP, BPL, rbp),
	GPR(R8, R8D, R8W, R8B, r8),	 GPR(R9, R9D, R9W, R9B, r9),
	GPR(R10, R10D, R10W, R10B, r10), GPR(R11, R11D, R11W, R11B, r11),
	GPR(R12, R12D, R12W, R12B, r12), GPR(R13, R13D, R13W, R13B, r13),
	GPR(R14, R14D, R14W, R14B, r14), GPR(R15, R15D, R15W, R15B, r15),
	[X86_REG_AH] = { R(rax), 1, 8 }, [X86_REG_BH] = { R(rbx), 1, 8 },
	[X86_REG_CH] = { R(rcx), 1, 8 }, [X86_REG_DH] = { R(rdx), 1, 8 },
};

static const struct gpr *gpr_of(x86_reg reg)
{
	if ((unsigned)reg >= X86_REG_ENDING || !gprs[reg].size)
		return NULL;
	return &gprs[reg];
}

static uint64_t *gpr_slot(struct kvm_regs *regs, const struct gpr *g)
{
	return (uint64_t *)((char *)regs + g->offset);
}

uint64_t emulate__reg(const struct kvm_regs *regs, x86_reg reg)
{
	const struct gpr *g = gpr_of(reg);

	if (!g)
		return 0;
	return (*gpr_slot((struct kvm_regs *)regs, g) >> g->shift) & emu__mask(g->size * 8);
}

uint64_t emu__reg(const struct emu *e, x86_reg reg)
{
	return emulate__reg(&e->regs, reg);
}

int emu__set_reg(struct emu *e, x86_reg reg, uint64_t val)
{
	const struct gpr *g = gpr_of(reg);
	uint64_t *slot, mask;

	if (!g)
		return -EINVAL;
	slot = gpr_slot(&e->regs, g);
	mask = emu__mask(g->size * 8);
	if (g->size >= 4)
		*slot = val & mask; /* 32-bit results are zero-extended to 64 bits */
	else
		*slot = (*slot & ~(mask << g->shift)) | ((val & mask) << g->shift);
	return 0;
}

const cs_x86_op *emu__op(const struct emu *e, int i)
{
	return &e->x86->operands[i];
}

int emu__op_bits(const struct emu *e, int i)
{
	return e->x86->operands[i].size * 8;
}

static const struct kvm_segment *segment_of(const struct kvm_sregs *s, x86_reg seg)
{
	switch (seg) {
	case X86_REG_ES:
		return &s->es;
	case X86_REG_CS:
		return &s->cs;
	case X86_REG_SS:
		return &s->ss;
	case X86_REG_FS:
		return &s->fs;
	case X86_REG_GS:
		return &s->gs;
	default:
		return &s->ds;
	}
}

static int is_stack_base(x86_reg r)
{
	return r == X86_REG_RSP || r == X86_REG_ESP || r == X86_REG_SP || r == X86_REG_RBP ||
	       r == X86_REG_EBP || r == X86_REG_BP;
}

/* The segment an operand uses: the override, else SS for a stack base, else DS. */
static x86_reg operand_segment(const x86_op_mem *m)
{
	if (m->segment != X86_REG_INVALID)
		return m->segment;
	return is_stack_base(m->base) ? X86_REG_SS : X86_REG_DS;
}

uint64_t emulate__linear(const struct kvm_regs *r, const struct kvm_sregs *s, int bits,
			 int addr_size, uint64_t next_rip, const x86_op_mem *m, x86_reg *seg)
{
	uint64_t ea = (uint64_t)m->disp;

	if (m->base == X86_REG_RIP || m->base == X86_REG_EIP)
		ea += next_rip;
	else
		ea += emulate__reg(r, m->base);
	ea += emulate__reg(r, m->index) * (uint64_t)m->scale; /* riz/eiz and none read as 0 */
	ea &= emu__mask(addr_size * 8);
	*seg = operand_segment(m);
	if (bits == 64)
		return *seg == X86_REG_FS || *seg == X86_REG_GS ? ea + segment_of(s, *seg)->base
								: ea;
	return (ea + segment_of(s, *seg)->base) & 0xffffffffull;
}

/* Linear address of a memory operand of the instruction being executed. */
static uint64_t linear_address(const struct emu *e, const x86_op_mem *m, x86_reg *seg)
{
	return emulate__linear(&e->regs, &e->sregs, e->bits, e->x86->addr_size, e->next_rip, m,
			       seg);
}

static int page_fault(struct emu *e, uint64_t la, int present, int write)
{
	uint32_t error = (present ? EMULATE_PF_PRESENT : 0) | (write ? EMULATE_PF_WRITE : 0);

	return emu__fault(e, EMULATE_PF, 1, error, la);
}

static int check_access(struct emu *e, uint64_t la, const struct walk_result *res, int write)
{
	if (write && !res->writable && (e->sregs.cr0 & CR0_WP))
		return page_fault(e, la, 1, write);
	/* SMAP: supervisor data access to a user page, unless RFLAGS.AC allows it. */
	if (res->user && (e->sregs.cr4 & CR4_SMAP) && !(e->regs.rflags & RFLAGS_AC))
		return page_fault(e, la, 1, write);
	return EMU_OK;
}

/*
 * Translate la for a data access at ring 0: *gpa and the bytes left in its page.  Raises
 * #GP(0)/#SS(0) for a non-canonical address and #PF for a fault the CPU would take.
 */
static int translate(struct emu *e, uint64_t la, x86_reg seg, int write, uint64_t *gpa,
		     uint64_t *left)
{
	struct walk_result res;
	int ret;

	if (!(e->sregs.cr0 & CR0_PG)) {
		*gpa = la;
		*left = ~0ull;
		return EMU_OK;
	}
	if (!(e->sregs.efer & EFER_LMA) || (e->sregs.cr4 & CR4_LA57))
		return emu__unsupported(e, "its memory operand is under 32-bit or 5-level paging, "
					   "which vmscope does not translate; use 4-level paging");
	if (!paging__canonical(la))
		return emu__fault(e, seg == X86_REG_SS ? EMULATE_SS : EMULATE_GP, 1, 0, 0);
	ret = paging__walk(&e->v->vm->mem, e->sregs.cr3, la, &res);
	if (ret == -EFAULT && res.fault_level > 0)
		return page_fault(e, la, 0, write);
	if (ret)
		return emu__unsupported(e, "%s", err__msg(ret));
	ret = check_access(e, la, &res, write);
	if (ret)
		return ret;
	*gpa = res.gpa;
	*left = res.page_size - (la & (res.page_size - 1));
	return EMU_OK;
}

/* A read of guest-physical memory that is not RAM: what an MMIO exit would give. */
static int read_mmio(struct emu *e, uint64_t gpa, uint8_t *buf, size_t len)
{
	struct vcpu *v = e->v;
	const struct range_hook *h = hooks__find(&v->vm->hooks.mmio, gpa);
	int ret;

	if (!h) {
		exit_stat__inc(&v->stats.extra[EXIT_X_MMIO_UNHANDLED]);
		memset(buf, 0xff, len);
		return EMU_OK;
	}
	ret = ((mmio_hook_fn)h->fn)(v, h->opaque, gpa, (int)len, 0, buf);
	return ret < 0 ? ret : EMU_OK;
}

static int read_linear(struct emu *e, uint64_t la, x86_reg seg, uint8_t *buf, size_t len)
{
	uint64_t gpa, left;
	size_t chunk;
	void *hva;
	int ret;

	while (len) {
		ret = translate(e, la, seg, 0, &gpa, &left);
		if (ret)
			return ret;
		chunk = len < left ? len : (size_t)left;
		hva = mem__gpa_to_hva(&e->v->vm->mem, gpa, chunk);
		if (hva)
			memcpy(buf, hva, chunk);
		else if ((ret = read_mmio(e, gpa, buf, chunk)))
			return ret;
		buf += chunk;
		la = (la + chunk) & (e->bits == 64 ? ~0ull : 0xffffffffull);
		len -= chunk;
	}
	return EMU_OK;
}

int emu__read_op(struct emu *e, int i, uint64_t *val)
{
	const cs_x86_op *op = emu__op(e, i);
	uint8_t buf[8] = { 0 };
	uint64_t la;
	x86_reg seg;
	int ret;

	switch (op->type) {
	case X86_OP_REG:
		*val = emu__reg(e, op->reg);
		return EMU_OK;
	case X86_OP_IMM:
		*val = (uint64_t)op->imm & emu__mask(op->size * 8);
		return EMU_OK;
	case X86_OP_MEM:
		if (op->size > sizeof(buf))
			return emu__unsupported(e, "its %d-byte operand is too wide", op->size);
		la = linear_address(e, &op->mem, &seg);
		ret = read_linear(e, la, seg, buf, op->size);
		if (ret)
			return ret;
		memcpy(val, buf, sizeof(buf)); /* x86 is little-endian, and so is the host */
		return EMU_OK;
	default:
		return emu__unsupported(e, "capstone gave operand %d no type", i);
	}
}

/* Memory operand i's linear address and segment, #GP(0) unless it is align-aligned. */
static int block_address(struct emu *e, int i, size_t align, uint64_t *la, x86_reg *seg)
{
	const cs_x86_op *op = emu__op(e, i);

	if (op->type != X86_OP_MEM)
		return emu__unsupported(e, "capstone gave it no memory operand");
	*la = linear_address(e, &op->mem, seg);
	return *la & (align - 1) ? emu__fault(e, EMULATE_GP, 1, 0, 0) : EMU_OK;
}

int emu__read_block(struct emu *e, int i, void *buf, size_t size, size_t align)
{
	uint64_t la = 0;
	x86_reg seg;
	int ret = block_address(e, i, align, &la, &seg);

	return ret ? ret : read_linear(e, la, seg, buf, size);
}

int emu__write_block(struct emu *e, int i, const void *buf, size_t size, size_t align)
{
	uint64_t la = 0, gpa[2] = { 0 }, left = 0;
	size_t len[2] = { size, 0 };
	x86_reg seg;
	void *hva;
	int ret = block_address(e, i, align, &la, &seg), k;

	/* Every page is checked before any byte is written: a fault leaves memory as it was. */
	if (!ret)
		ret = translate(e, la, seg, 1, &gpa[0], &left);
	if (!ret && left < size) {
		len[0] = left;
		len[1] = size - left;
		ret = translate(e, la + left, seg, 1, &gpa[1], &left);
		if (!ret && left < len[1])
			return emu__unsupported(e, "its operand spans more than two pages");
	}
	for (k = 0; !ret && k < 2 && len[k]; buf = (const uint8_t *)buf + len[k], k++) {
		hva = mem__gpa_to_hva(&e->v->vm->mem, gpa[k], len[k]);
		if (!hva)
			return emu__unsupported(
				e, "its operand at guest-physical 0x%" PRIx64 " is not RAM",
				gpa[k]);
		memcpy(hva, buf, len[k]);
	}
	return ret;
}

int emu__rmw_ptr(struct emu *e, int i, size_t size, void **hva, uint64_t *la)
{
	const cs_x86_op *op = emu__op(e, i);
	uint64_t gpa, left;
	x86_reg seg;
	int ret;

	if (op->type != X86_OP_MEM)
		return emu__unsupported(e, "capstone gave it no memory operand");
	*la = linear_address(e, &op->mem, &seg);
	if (*la & (size - 1))
		return emu__fault(e, EMULATE_GP, 1, 0, 0);
	ret = translate(e, *la, seg, 1, &gpa, &left);
	if (ret)
		return ret;
	if (left < size)
		return emu__unsupported(e, "its operand at 0x%" PRIx64 " crosses a page", *la);
	*hva = mem__gpa_to_hva(&e->v->vm->mem, gpa, size);
	if (!*hva)
		return emu__unsupported(
			e,
			"its operand at guest-physical 0x%" PRIx64
			" is not RAM (an atomic access to MMIO); keep atomics in RAM",
			gpa);
	return EMU_OK;
}
#endif
