// SPDX-License-Identifier: GPL-2.0
/*
 * The BMI1 and BMI2 instructions (VEX-encoded, 32- or 64-bit operands), as the SDM defines
 * them.  Operand order is capstone's Intel order: operand 0 is the destination.  Flags the
 * SDM leaves undefined keep their old values; mulx, pdep, pext, rorx, sarx, shlx and shrx
 * change no flag.
 */
#ifdef HAVE_CAPSTONE
#include "emulate.h"
#include "emulate_int.h"

struct bmi_args {
	int bits; /* operand size */
	uint64_t a; /* operand 1 */
	uint64_t b; /* operand 2 (0 when there is none) */
};

static int bmi_read(struct emu *e, struct bmi_args *x)
{
	int ret;

	x->bits = emu__op_bits(e, 0);
	x->b = 0;
	ret = emu__read_op(e, 1, &x->a);
	if (!ret && e->x86->op_count > 2)
		ret = emu__read_op(e, 2, &x->b);
	return ret;
}

static uint64_t sign_flag(uint64_t res, int bits)
{
	return (res >> (bits - 1)) & 1 ? RFLAGS_SF : 0;
}

static uint64_t zero_flag(uint64_t res)
{
	return res ? 0 : RFLAGS_ZF;
}

/* Write the result, set the defined flags (CF and OF given, SF and ZF from the result). */
static int bmi_put(struct emu *e, uint64_t defined, uint64_t res, int bits, uint64_t cf)
{
	res &= emu__mask(bits);
	emu__flags(e, defined, sign_flag(res, bits) | zero_flag(res) | cf);
	return emu__set_reg(e, emu__op(e, 0)->reg, res);
}

/* andn dest, src1, src2: dest = ~src1 & src2.  SF, ZF; CF = OF = 0; AF, PF undefined. */
int emu__andn(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, ~x.a & x.b, x.bits, 0);
}

/* bextr dest, src, ctl: LEN = ctl[15:8] bits of src from START = ctl[7:0].  ZF; CF = OF = 0. */
int emu__bextr(struct emu *e)
{
	struct bmi_args x;
	unsigned int start, len;
	uint64_t res;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	start = x.b & 0xff;
	len = (x.b >> 8) & 0xff;
	res = start < (unsigned int)x.bits ? x.a >> start : 0;
	if (len < 64)
		res &= (1ull << len) - 1;
	return bmi_put(e, RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, res, x.bits, 0);
}

/* blsi dest, src: lowest set bit.  SF, ZF; CF = (src != 0); OF = 0. */
int emu__blsi(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, -x.a & x.a, x.bits,
		       x.a ? RFLAGS_CF : 0);
}

/* blsmsk dest, src: mask up to the lowest set bit.  SF; ZF = 0; CF = (src == 0); OF = 0. */
int emu__blsmsk(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	/* The result is never 0, so bmi_put's ZF is the SDM's ZF = 0. */
	return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, (x.a - 1) ^ x.a, x.bits,
		       x.a ? 0 : RFLAGS_CF);
}

/* blsr dest, src: clear the lowest set bit.  SF, ZF; CF = (src == 0); OF = 0. */
int emu__blsr(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, (x.a - 1) & x.a, x.bits,
		       x.a ? 0 : RFLAGS_CF);
}

/* bzhi dest, src, idx: clear bits from N = idx[7:0] up.  SF, ZF; CF = (N > size - 1); OF = 0. */
int emu__bzhi(struct emu *e)
{
	struct bmi_args x;
	unsigned int n;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	n = x.b & 0xff;
	if (n < (unsigned int)x.bits)
		return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF,
			       x.a & ((1ull << n) - 1), x.bits, 0);
	return bmi_put(e, RFLAGS_SF | RFLAGS_ZF | RFLAGS_CF | RFLAGS_OF, x.a, x.bits, RFLAGS_CF);
}

/* mulx hi, lo, src: hi:lo = EDX/RDX * src, unsigned; lo is written first, so hi wins. */
int emu__mulx(struct emu *e)
{
	unsigned __int128 prod;
	int bits = emu__op_bits(e, 0), ret;
	uint64_t src, lo, hi;

	ret = emu__read_op(e, 2, &src);
	if (ret)
		return ret;
	prod = (unsigned __int128)(e->regs.rdx & emu__mask(bits)) * src;
	lo = (uint64_t)prod & emu__mask(bits);
	hi = (uint64_t)(prod >> bits);
	ret = emu__set_reg(e, emu__op(e, 1)->reg, lo);
	if (!ret)
		ret = emu__set_reg(e, emu__op(e, 0)->reg, hi);
	return ret;
}

/* pdep dest, src, mask: the low bits of src, deposited at the set bits of mask. */
int emu__pdep(struct emu *e)
{
	struct bmi_args x;
	uint64_t res = 0, bit, m;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	for (m = x.b, bit = 1; m; m &= m - 1, bit <<= 1)
		if (x.a & bit)
			res |= m & -m;
	return emu__set_reg(e, emu__op(e, 0)->reg, res);
}

/* pext dest, src, mask: the bits of src at the set bits of mask, packed at the bottom. */
int emu__pext(struct emu *e)
{
	struct bmi_args x;
	uint64_t res = 0, bit, m;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	for (m = x.b, bit = 1; m; m &= m - 1, bit <<= 1)
		if (x.a & m & -m)
			res |= bit;
	return emu__set_reg(e, emu__op(e, 0)->reg, res);
}

/* rorx dest, src, imm8: rotate right by imm8 modulo the operand size. */
int emu__rorx(struct emu *e)
{
	struct bmi_args x;
	unsigned int n;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	n = x.b & (x.bits - 1);
	if (n)
		x.a = (x.a >> n) | (x.a << (x.bits - n));
	return emu__set_reg(e, emu__op(e, 0)->reg, x.a & emu__mask(x.bits));
}

/* The shift count of sarx/shlx/shrx: operand 2 modulo the operand size. */
static unsigned int shift_count(const struct bmi_args *x)
{
	return x->b & (x->bits - 1);
}

int emu__sarx(struct emu *e)
{
	struct bmi_args x;
	int64_t v;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	v = (int64_t)(x.a << (64 - x.bits)) >> (64 - x.bits); /* sign-extend to 64 bits */
	return emu__set_reg(e, emu__op(e, 0)->reg, (uint64_t)(v >> shift_count(&x)));
}

int emu__shlx(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	return emu__set_reg(e, emu__op(e, 0)->reg, x.a << shift_count(&x));
}

int emu__shrx(struct emu *e)
{
	struct bmi_args x;
	int ret = bmi_read(e, &x);

	if (ret)
		return ret;
	return emu__set_reg(e, emu__op(e, 0)->reg, x.a >> shift_count(&x));
}
#endif
