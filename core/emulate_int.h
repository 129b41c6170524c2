/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the instruction executor (core/emulate.h), shared by emulate.c (decode,
 * dispatch, messages), emulate_mem.c (operands, registers, guest memory) and the instruction
 * files emulate_ops.c and emulate_bmi.c.  Only built with capstone.
 */
#ifndef VMSCOPE_EMULATE_INT_H
#define VMSCOPE_EMULATE_INT_H

#include <capstone/capstone.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* What an instruction handler returns (or -errno). */
#define EMU_OK 0 /* executed: write registers back, advance RIP */
#define EMU_FAULT 1 /* an exception is now pending for the guest; nothing else changes */
#define EMU_UNSUPPORTED 2 /* not executed; e->why says why */

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define CR0_PE (1ull << 0)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_LA57 (1ull << 12)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)

/* One instruction being executed: a private copy of the registers, written back on EMU_OK. */
struct emu {
	struct vcpu *v;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	const cs_insn *insn;
	const cs_x86 *x86;
	int bits; /* code size: 16, 32 or 64 */
	uint64_t next_rip; /* RIP after the instruction (RIP-relative operands use it) */
	char *why;
	size_t why_size;
};

/* Set e->why ("<instruction> at rip ...: " and the text) and return EMU_UNSUPPORTED. */
int emu__unsupported(struct emu *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Raise an exception for the guest (emulate__inject); EMU_FAULT or -errno. */
int emu__fault(struct emu *e, int vector, int has_error, uint32_t error, uint64_t cr2);

/* The operands of the instruction, and the operand size of operand i in bits. */
const cs_x86_op *emu__op(const struct emu *e, int i);
int emu__op_bits(const struct emu *e, int i);

/* A general register's value (zero-extended from its width); 0 for registers we do not map. */
uint64_t emu__reg(const struct emu *e, x86_reg reg);

/*
 * Write a general register as the CPU does: 32-bit writes zero the upper half, 8- and 16-bit
 * writes keep the other bits.  -EINVAL for a register that is not a general register.
 */
int emu__set_reg(struct emu *e, x86_reg reg, uint64_t val);

/* Read operand i (register, immediate or memory) zero-extended; EMU_OK, EMU_FAULT, ... */
int emu__read_op(struct emu *e, int i, uint64_t *val);

/*
 * Host pointer to size bytes (a power of two) of memory operand i for an atomic
 * read-modify-write, after the checks the CPU makes for a locked write: #GP(0) unless the
 * operand is size-aligned, then translation, W and SMAP.  EMU_OK, EMU_FAULT or
 * EMU_UNSUPPORTED (not RAM).  *la gets the linear address.
 */
int emu__rmw_ptr(struct emu *e, int i, size_t size, void **hva, uint64_t *la);

/*
 * Read or write size bytes of memory operand i (two pages at most), after #GP(0) unless it is
 * align-aligned and the checks a data access makes (a write: every page before any byte).
 * EMU_OK, EMU_FAULT or EMU_UNSUPPORTED (a write to what is not RAM).
 */
int emu__read_block(struct emu *e, int i, void *buf, size_t size, size_t align);
int emu__write_block(struct emu *e, int i, const void *buf, size_t size, size_t align);

/* Set the flags in defined to those in set; other flags are left as they were. */
static inline void emu__flags(struct emu *e, uint64_t defined, uint64_t set)
{
	e->regs.rflags = (e->regs.rflags & ~defined) | (set & defined);
}

/* Mask of an n-bit value (n = 8 ... 64). */
static inline uint64_t emu__mask(int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

/* The instructions (emulate_ops.c, emulate_bmi.c). */
int emu__popcnt(struct emu *e);
int emu__lzcnt(struct emu *e);
int emu__tzcnt(struct emu *e);
int emu__crc32(struct emu *e);
int emu__rdtscp(struct emu *e);
int emu__xgetbv(struct emu *e);
int emu__clac(struct emu *e);
int emu__stac(struct emu *e);
int emu__cmpxchg16b(struct emu *e);
int emu__fxsave(struct emu *e);
int emu__fxrstor(struct emu *e);
int emu__andn(struct emu *e);
int emu__bextr(struct emu *e);
int emu__blsi(struct emu *e);
int emu__blsmsk(struct emu *e);
int emu__blsr(struct emu *e);
int emu__bzhi(struct emu *e);
int emu__mulx(struct emu *e);
int emu__pdep(struct emu *e);
int emu__pext(struct emu *e);
int emu__rorx(struct emu *e);
int emu__sarx(struct emu *e);
int emu__shlx(struct emu *e);
int emu__shrx(struct emu *e);

/* CRC-32C (Castagnoli, reflected, no inversion) of the low nbytes of data, as crc32 does. */
uint32_t emu__crc32c(uint32_t crc, uint64_t data, int nbytes);

#endif
