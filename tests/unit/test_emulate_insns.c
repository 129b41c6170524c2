// SPDX-License-Identifier: GPL-2.0
/*
 * Semantics of the instructions vmscope executes for KVM (core/emulate.h), on fabricated vCPU
 * state: popcnt, lzcnt and tzcnt against the compiler's builtins, crc32 against the host's own
 * crc32 instruction, the BMI1/BMI2 group against plain C references and, where the host has
 * BMI1/BMI2, the same bytes run natively, and cmpxchg16b.  Results, flags the SDM defines,
 * and flags it leaves undefined (unchanged) are all checked.
 */
#include <nmmintrin.h>

#include "../../host/host.h"
#include "emulate_fixture.h"

#ifdef HAVE_CAPSTONE

/* ---- popcnt, lzcnt, tzcnt ---- */

static uint64_t ref_popcnt(uint64_t v, int bits)
{
	return __builtin_popcountll(v & (bits == 64 ? ~0ull : (1ull << bits) - 1));
}

static uint64_t ref_lzcnt(uint64_t v, int bits)
{
	v &= bits == 64 ? ~0ull : (1ull << bits) - 1;
	return v ? (uint64_t)__builtin_clzll(v) - (64 - bits) : (uint64_t)bits;
}

static uint64_t ref_tzcnt(uint64_t v, int bits)
{
	v &= bits == 64 ? ~0ull : (1ull << bits) - 1;
	return v ? (uint64_t)__builtin_ctzll(v) : (uint64_t)bits;
}

struct count_case {
	const char *name;
	uint8_t bytes[6]; /* op rbx/ebx/bx, rax/eax/ax */
	int len, bits;
	uint64_t (*ref)(uint64_t v, int bits);
	int is_popcnt;
};

static const struct count_case count_cases[] = {
	{ "popcnt64", { 0xf3, 0x48, 0x0f, 0xb8, 0xd8 }, 5, 64, ref_popcnt, 1 },
	{ "popcnt32", { 0xf3, 0x0f, 0xb8, 0xd8 }, 4, 32, ref_popcnt, 1 },
	{ "popcnt16", { 0x66, 0xf3, 0x0f, 0xb8, 0xd8 }, 5, 16, ref_popcnt, 1 },
	{ "lzcnt64", { 0xf3, 0x48, 0x0f, 0xbd, 0xd8 }, 5, 64, ref_lzcnt, 0 },
	{ "lzcnt32", { 0xf3, 0x0f, 0xbd, 0xd8 }, 4, 32, ref_lzcnt, 0 },
	{ "lzcnt16", { 0x66, 0xf3, 0x0f, 0xbd, 0xd8 }, 5, 16, ref_lzcnt, 0 },
	{ "tzcnt64", { 0xf3, 0x48, 0x0f, 0xbc, 0xd8 }, 5, 64, ref_tzcnt, 0 },
	{ "tzcnt32", { 0xf3, 0x0f, 0xbc, 0xd8 }, 4, 32, ref_tzcnt, 0 },
	{ "tzcnt16", { 0x66, 0xf3, 0x0f, 0xbc, 0xd8 }, 5, 16, ref_tzcnt, 0 },
};

static uint64_t merge(uint64_t old, uint64_t val, int bits)
{
	if (bits == 16)
		return (old & ~0xffffull) | (val & 0xffff);
	return bits == 32 ? (uint32_t)val : val;
}

/* The flags the SDM defines for these instructions. */
static void check_count_flags(const struct count_case *c, uint64_t src, uint64_t res,
			      uint64_t before, uint64_t after)
{
	int zero_src = (src & (c->bits == 64 ? ~0ull : (1ull << c->bits) - 1)) == 0;

	if (c->is_popcnt) {
		/* OF SF AF CF PF cleared, ZF = (source == 0) */
		assert_int_equal(after & ARITH, zero_src ? ZF : 0);
	} else {
		assert_int_equal(!!(after & CF), zero_src);
		assert_int_equal(!!(after & ZF), res == 0);
		/* OF SF AF PF undefined: vmscope leaves them */
		assert_int_equal(after & (OF | SF | AF | PF), before & (OF | SF | AF | PF));
	}
}

static void test_counts(void **state)
{
	struct fx *f = *state;
	size_t c;
	int i;

	for (c = 0; c < sizeof(count_cases) / sizeof(count_cases[0]); c++) {
		const struct count_case *cc = &count_cases[c];

		for (i = 0; i < 300; i++) {
			uint64_t src = test_value(i), old = rnd(), before = rnd() & ARITH;
			uint64_t want = cc->ref(src, cc->bits);

			regs(f)->rax = src;
			regs(f)->rbx = old;
			regs(f)->rflags = 0x2 | before;
			exec_ok(f, cc->bytes, cc->len);
			if (regs(f)->rbx != merge(old, want, cc->bits))
				fail_msg("%s(0x%llx) = 0x%llx, want 0x%llx", cc->name,
					 (unsigned long long)src, (unsigned long long)regs(f)->rbx,
					 (unsigned long long)merge(old, want, cc->bits));
			assert_int_equal(regs(f)->rax, src);
			check_count_flags(cc, src, want, before, regs(f)->rflags);
		}
	}
}

/* ---- crc32 ---- */

__attribute__((target("sse4.2"))) static uint64_t host_crc32(int size, uint64_t crc, uint64_t v)
{
	switch (size) {
	case 1:
		return _mm_crc32_u8((uint32_t)crc, (uint8_t)v);
	case 2:
		return _mm_crc32_u16((uint32_t)crc, (uint16_t)v);
	case 4:
		return _mm_crc32_u32((uint32_t)crc, (uint32_t)v);
	default:
		return _mm_crc32_u64(crc, v);
	}
}

struct crc_case {
	uint8_t bytes[6]; /* crc32 ecx/rcx, al/ax/eax/rax */
	int len, size;
};

static const struct crc_case crc_cases[] = {
	{ { 0xf2, 0x0f, 0x38, 0xf0, 0xc8 }, 5, 1 },
	{ { 0xf2, 0x48, 0x0f, 0x38, 0xf0, 0xc8 }, 6, 1 },
	{ { 0x66, 0xf2, 0x0f, 0x38, 0xf1, 0xc8 }, 6, 2 },
	{ { 0xf2, 0x0f, 0x38, 0xf1, 0xc8 }, 5, 4 },
	{ { 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc8 }, 6, 8 },
};

static void test_crc32(void **state)
{
	struct fx *f = *state;
	size_t c;
	int i;

	for (c = 0; c < sizeof(crc_cases) / sizeof(crc_cases[0]); c++) {
		for (i = 0; i < 200; i++) {
			uint64_t crc = rnd(), src = test_value(i), flags = rnd() & ARITH;

			regs(f)->rax = src;
			regs(f)->rcx = crc;
			regs(f)->rflags = 0x2 | flags;
			exec_ok(f, crc_cases[c].bytes, crc_cases[c].len);
			assert_int_equal(regs(f)->rcx,
					 host_crc32(crc_cases[c].size, (uint32_t)crc, src));
			assert_int_equal(regs(f)->rflags, 0x2 | flags);
		}
	}
	/* crc32 ecx, byte [rdi]: "123456789" from ~0 gives the CRC-32C check value */
	assert_int_equal(mem__write(&f->vm.mem, DATA, "123456789", 9), 0);
	regs(f)->rcx = 0xffffffff;
	for (i = 0; i < 9; i++) {
		regs(f)->rdi = DATA + i;
		exec_ok(f, B(0xf2, 0x0f, 0x38, 0xf0, 0x0f));
	}
	assert_int_equal(regs(f)->rcx ^ 0xffffffff, 0xe3069283);
}

/* ---- BMI1/BMI2 ---- */

struct bmi_io {
	uint64_t rax, rbx, rcx, rdx, rflags;
};

static uint64_t mask_of(int bits)
{
	return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

static uint64_t sz(uint64_t r, int bits)
{
	return (r >> (bits - 1)) & 1 ? SF : 0;
}

static uint64_t zf(uint64_t r)
{
	return r ? 0 : ZF;
}

/* Reference semantics (the SDM's pseudocode, bit by bit): out rcx (and rbx for mulx). */
static uint64_t ref_andn(struct bmi_io *io, int bits)
{
	uint64_t r = ~io->rbx & io->rax & mask_of(bits);

	io->rcx = r;
	return sz(r, bits) | zf(r);
}

static uint64_t ref_bextr(struct bmi_io *io, int bits)
{
	unsigned int start = io->rbx & 0xff, len = (io->rbx >> 8) & 0xff, i;
	uint64_t src = io->rax & mask_of(bits), r = 0;

	for (i = 0; i < len && start + i < (unsigned int)bits; i++)
		r |= ((src >> (start + i)) & 1) << i;
	io->rcx = r;
	return zf(r);
}

static uint64_t ref_blsi(struct bmi_io *io, int bits)
{
	uint64_t src = io->rax & mask_of(bits), r = 0;
	int i;

	for (i = 0; i < bits; i++)
		if (src >> i & 1) {
			r = 1ull << i;
			break;
		}
	io->rcx = r;
	return sz(r, bits) | zf(r) | (src ? CF : 0);
}

static uint64_t ref_blsmsk(struct bmi_io *io, int bits)
{
	uint64_t src = io->rax & mask_of(bits), r = 0;
	int i;

	for (i = 0; i < bits; i++) {
		r |= 1ull << i;
		if (src >> i & 1)
			break;
	}
	io->rcx = r;
	return sz(r, bits) | (src ? 0 : CF);
}

static uint64_t ref_blsr(struct bmi_io *io, int bits)
{
	uint64_t src = io->rax & mask_of(bits), r = src;
	int i;

	for (i = 0; i < bits; i++)
		if (src >> i & 1) {
			r &= ~(1ull << i);
			break;
		}
	io->rcx = r;
	return sz(r, bits) | zf(r) | (src ? 0 : CF);
}

static uint64_t ref_bzhi(struct bmi_io *io, int bits)
{
	unsigned int n = io->rbx & 0xff, i;
	uint64_t r = io->rax & mask_of(bits);

	for (i = n; i < (unsigned int)bits; i++)
		r &= ~(1ull << i);
	io->rcx = r;
	return sz(r, bits) | zf(r) | (n > (unsigned int)bits - 1 ? CF : 0);
}

static uint64_t ref_mulx(struct bmi_io *io, int bits)
{
	unsigned __int128 p =
		(unsigned __int128)(io->rdx & mask_of(bits)) * (io->rax & mask_of(bits));

	io->rcx = (uint64_t)p & mask_of(bits);
	io->rbx = (uint64_t)(p >> bits) & mask_of(bits);
	return 0;
}

static uint64_t ref_pdep(struct bmi_io *io, int bits)
{
	uint64_t src = io->rbx, mask = io->rax & mask_of(bits), r = 0;
	int i, k = 0;

	for (i = 0; i < bits; i++)
		if (mask >> i & 1)
			r |= ((src >> k++) & 1) << i;
	io->rcx = r;
	return 0;
}

static uint64_t ref_pext(struct bmi_io *io, int bits)
{
	uint64_t src = io->rbx, mask = io->rax & mask_of(bits), r = 0;
	int i, k = 0;

	for (i = 0; i < bits; i++)
		if (mask >> i & 1)
			r |= ((src >> i) & 1) << k++;
	io->rcx = r;
	return 0;
}

static uint64_t ref_rorx(struct bmi_io *io, int bits)
{
	uint64_t src = io->rax & mask_of(bits), r = 0;
	int i;

	for (i = 0; i < bits; i++)
		if (src >> ((i + 13) % bits) & 1)
			r |= 1ull << i;
	io->rcx = r;
	return 0;
}

static uint64_t ref_shift(struct bmi_io *io, int bits, int kind)
{
	uint64_t src = io->rax & mask_of(bits), r = src;
	unsigned int n = io->rbx & (bits - 1), i;

	for (i = 0; i < n; i++) {
		if (kind == 0) /* sar */
			r = (r >> 1) | (r & (1ull << (bits - 1)));
		else if (kind == 1) /* shl */
			r = (r << 1) & mask_of(bits);
		else
			r >>= 1;
	}
	io->rcx = r;
	return 0;
}

static uint64_t ref_sarx(struct bmi_io *io, int bits)
{
	return ref_shift(io, bits, 0);
}

static uint64_t ref_shlx(struct bmi_io *io, int bits)
{
	return ref_shift(io, bits, 1);
}

static uint64_t ref_shrx(struct bmi_io *io, int bits)
{
	return ref_shift(io, bits, 2);
}

/*
 * The same bytes on the host CPU: rax, rbx, rdx in, rcx, rbx, rflags out.  The red zone is
 * skipped because pushf/popf move RSP.
 */
#define NATIVE(name, text)                                                                         \
	static void native_##name(struct bmi_io *io)                                               \
	{                                                                                          \
		__asm__ volatile("sub $128, %%rsp\n\tpush %[fl]\n\tpopf\n\t" text "\n\t"           \
				 "pushf\n\tpop %[fl]\n\tadd $128, %%rsp"                           \
				 : "+a"(io->rax), "+b"(io->rbx), "+c"(io->rcx),                    \
				   "+d"(io->rdx), [fl] "+r"(io->rflags)                            \
				 :                                                                 \
				 : "cc", "memory");                                                \
	}

NATIVE(andn64, "andn %%rax, %%rbx, %%rcx")
NATIVE(andn32, "andn %%eax, %%ebx, %%ecx")
NATIVE(bextr64, "bextr %%rbx, %%rax, %%rcx")
NATIVE(bextr32, "bextr %%ebx, %%eax, %%ecx")
NATIVE(blsi64, "blsi %%rax, %%rcx")
NATIVE(blsi32, "blsi %%eax, %%ecx")
NATIVE(blsmsk64, "blsmsk %%rax, %%rcx")
NATIVE(blsmsk32, "blsmsk %%eax, %%ecx")
NATIVE(blsr64, "blsr %%rax, %%rcx")
NATIVE(blsr32, "blsr %%eax, %%ecx")
NATIVE(bzhi64, "bzhi %%rbx, %%rax, %%rcx")
NATIVE(bzhi32, "bzhi %%ebx, %%eax, %%ecx")
NATIVE(mulx64, "mulx %%rax, %%rcx, %%rbx")
NATIVE(mulx32, "mulx %%eax, %%ecx, %%ebx")
NATIVE(pdep64, "pdep %%rax, %%rbx, %%rcx")
NATIVE(pdep32, "pdep %%eax, %%ebx, %%ecx")
NATIVE(pext64, "pext %%rax, %%rbx, %%rcx")
NATIVE(pext32, "pext %%eax, %%ebx, %%ecx")
NATIVE(rorx64, "rorx $13, %%rax, %%rcx")
NATIVE(rorx32, "rorx $13, %%eax, %%ecx")
NATIVE(sarx64, "sarx %%rbx, %%rax, %%rcx")
NATIVE(sarx32, "sarx %%ebx, %%eax, %%ecx")
NATIVE(shlx64, "shlx %%rbx, %%rax, %%rcx")
NATIVE(shlx32, "shlx %%ebx, %%eax, %%ecx")
NATIVE(shrx64, "shrx %%rbx, %%rax, %%rcx")
NATIVE(shrx32, "shrx %%ebx, %%eax, %%ecx")

struct bmi_case {
	const char *name;
	void (*native)(struct bmi_io *io);
	uint8_t bytes[6]; /* the encoding gas gives the text in native_<name> */
	int len, bits;
	uint64_t defined; /* flags the SDM defines */
	uint64_t (*ref)(struct bmi_io *io, int bits);
};

#define FL_LOGIC (SF | ZF | CF | OF)
#define FL_BEXTR (ZF | CF | OF)
/* Name and native runner of a case. */
#define BMI(insn, bits) #insn #bits, native_##insn##bits

static const struct bmi_case bmi_cases[] = {
	{ BMI(andn, 64), { 0xc4, 0xe2, 0xe0, 0xf2, 0xc8 }, 5, 64, FL_LOGIC, ref_andn },
	{ BMI(andn, 32), { 0xc4, 0xe2, 0x60, 0xf2, 0xc8 }, 5, 32, FL_LOGIC, ref_andn },
	{ BMI(bextr, 64), { 0xc4, 0xe2, 0xe0, 0xf7, 0xc8 }, 5, 64, FL_BEXTR, ref_bextr },
	{ BMI(bextr, 32), { 0xc4, 0xe2, 0x60, 0xf7, 0xc8 }, 5, 32, FL_BEXTR, ref_bextr },
	{ BMI(blsi, 64), { 0xc4, 0xe2, 0xf0, 0xf3, 0xd8 }, 5, 64, FL_LOGIC, ref_blsi },
	{ BMI(blsi, 32), { 0xc4, 0xe2, 0x70, 0xf3, 0xd8 }, 5, 32, FL_LOGIC, ref_blsi },
	{ BMI(blsmsk, 64), { 0xc4, 0xe2, 0xf0, 0xf3, 0xd0 }, 5, 64, FL_LOGIC, ref_blsmsk },
	{ BMI(blsmsk, 32), { 0xc4, 0xe2, 0x70, 0xf3, 0xd0 }, 5, 32, FL_LOGIC, ref_blsmsk },
	{ BMI(blsr, 64), { 0xc4, 0xe2, 0xf0, 0xf3, 0xc8 }, 5, 64, FL_LOGIC, ref_blsr },
	{ BMI(blsr, 32), { 0xc4, 0xe2, 0x70, 0xf3, 0xc8 }, 5, 32, FL_LOGIC, ref_blsr },
	{ BMI(bzhi, 64), { 0xc4, 0xe2, 0xe0, 0xf5, 0xc8 }, 5, 64, FL_LOGIC, ref_bzhi },
	{ BMI(bzhi, 32), { 0xc4, 0xe2, 0x60, 0xf5, 0xc8 }, 5, 32, FL_LOGIC, ref_bzhi },
	{ BMI(mulx, 64), { 0xc4, 0xe2, 0xf3, 0xf6, 0xd8 }, 5, 64, 0, ref_mulx },
	{ BMI(mulx, 32), { 0xc4, 0xe2, 0x73, 0xf6, 0xd8 }, 5, 32, 0, ref_mulx },
	{ BMI(pdep, 64), { 0xc4, 0xe2, 0xe3, 0xf5, 0xc8 }, 5, 64, 0, ref_pdep },
	{ BMI(pdep, 32), { 0xc4, 0xe2, 0x63, 0xf5, 0xc8 }, 5, 32, 0, ref_pdep },
	{ BMI(pext, 64), { 0xc4, 0xe2, 0xe2, 0xf5, 0xc8 }, 5, 64, 0, ref_pext },
	{ BMI(pext, 32), { 0xc4, 0xe2, 0x62, 0xf5, 0xc8 }, 5, 32, 0, ref_pext },
	{ BMI(rorx, 64), { 0xc4, 0xe3, 0xfb, 0xf0, 0xc8, 0x0d }, 6, 64, 0, ref_rorx },
	{ BMI(rorx, 32), { 0xc4, 0xe3, 0x7b, 0xf0, 0xc8, 0x0d }, 6, 32, 0, ref_rorx },
	{ BMI(sarx, 64), { 0xc4, 0xe2, 0xe2, 0xf7, 0xc8 }, 5, 64, 0, ref_sarx },
	{ BMI(sarx, 32), { 0xc4, 0xe2, 0x62, 0xf7, 0xc8 }, 5, 32, 0, ref_sarx },
	{ BMI(shlx, 64), { 0xc4, 0xe2, 0xe1, 0xf7, 0xc8 }, 5, 64, 0, ref_shlx },
	{ BMI(shlx, 32), { 0xc4, 0xe2, 0x61, 0xf7, 0xc8 }, 5, 32, 0, ref_shlx },
	{ BMI(shrx, 64), { 0xc4, 0xe2, 0xe3, 0xf7, 0xc8 }, 5, 64, 0, ref_shrx },
	{ BMI(shrx, 32), { 0xc4, 0xe2, 0x63, 0xf7, 0xc8 }, 5, 32, 0, ref_shrx },
};

/* bextr/bzhi controls near the operand size, other inputs random. */
static void bmi_inputs(struct bmi_io *io, int i)
{
	io->rax = test_value(i);
	io->rbx = i % 3 ? rnd() : (rnd() % 72) | ((rnd() % 72) << 8);
	io->rcx = rnd();
	io->rdx = rnd();
	io->rflags = 0x2 | (rnd() & ARITH);
}

static void check_bmi(struct fx *f, const struct bmi_case *c, const struct bmi_io *in, int native)
{
	struct bmi_io want = *in;
	uint64_t flags = c->ref(&want, c->bits);

	if (c->ref != ref_mulx)
		want.rbx = in->rbx;
	if (native) {
		struct bmi_io n = *in;
		uint64_t host_flags = flags;

		/* A known deviation of QEMU's software CPU: BLSI's CF comes out inverted. */
		if (c->ref == ref_blsi && hostcpu__is_tcg())
			host_flags ^= CF;
		c->native(&n);
		if (n.rcx != want.rcx || n.rbx != want.rbx ||
		    ((n.rflags ^ (host_flags | (in->rflags & ~c->defined))) & c->defined))
			fail_msg("%s: the reference disagrees with the host CPU", c->name);
	}
	if (regs(f)->rcx != want.rcx || regs(f)->rbx != want.rbx)
		fail_msg("%s(rax 0x%llx rbx 0x%llx rdx 0x%llx): rcx 0x%llx rbx 0x%llx, want rcx "
			 "0x%llx rbx 0x%llx",
			 c->name, (unsigned long long)in->rax, (unsigned long long)in->rbx,
			 (unsigned long long)in->rdx, (unsigned long long)regs(f)->rcx,
			 (unsigned long long)regs(f)->rbx, (unsigned long long)want.rcx,
			 (unsigned long long)want.rbx);
	/* Defined flags as the SDM says; all others (even undefined ones) unchanged. */
	assert_int_equal(regs(f)->rflags, (in->rflags & ~c->defined) | flags);
}

static void test_bmi(void **state)
{
	struct fx *f = *state;
	int native = __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
	size_t c;
	int i;

	if (!native)
		fprintf(stderr, "note: the host lacks BMI1/BMI2; checking against C only\n");
	else if (hostcpu__is_tcg())
		fprintf(stderr, "note: expected deviation: QEMU's software CPU inverts BLSI's CF; "
				"the reference keeps the SDM's\n");
	for (c = 0; c < sizeof(bmi_cases) / sizeof(bmi_cases[0]); c++) {
		for (i = 0; i < 400; i++) {
			struct bmi_io in;

			bmi_inputs(&in, i);
			regs(f)->rax = in.rax;
			regs(f)->rbx = in.rbx;
			regs(f)->rcx = in.rcx;
			regs(f)->rdx = in.rdx;
			regs(f)->rflags = in.rflags;
			exec_ok(f, bmi_cases[c].bytes, bmi_cases[c].len);
			check_bmi(f, &bmi_cases[c], &in, native);
		}
	}
}

static void test_bmi_forms(void **state)
{
	struct fx *f = *state;

	/* andn rcx, rbx, [rsi + rdi*2 + 8] */
	put64(f, DATA + 0x28, 0xffff0000ffff0000ull);
	regs(f)->rsi = DATA;
	regs(f)->rdi = 0x10;
	regs(f)->rbx = 0xff00ff00ff00ff00ull;
	exec_ok(f, B(0xc4, 0xe2, 0xe0, 0xf2, 0x4c, 0x7e, 0x08));
	assert_int_equal(regs(f)->rcx, 0x00ff000000ff0000ull);
	/* pdep rcx, rbx, [rdi]: deposit 0b101 at the bits of 0xf0 */
	put64(f, DATA, 0xf0);
	regs(f)->rdi = DATA;
	regs(f)->rbx = 0x5;
	exec_ok(f, B(0xc4, 0xe2, 0xe3, 0xf5, 0x0f));
	assert_int_equal(regs(f)->rcx, 0x50);
	/* mulx rax, rax, rax: both destinations the same register, the high half wins */
	regs(f)->rdx = 1ull << 63;
	regs(f)->rax = 4;
	exec_ok(f, B(0xc4, 0xe2, 0xfb, 0xf6, 0xc0));
	assert_int_equal(regs(f)->rax, 2);
}

/* ---- cmpxchg16b ---- */

static void test_cmpxchg16b(void **state)
{
	struct fx *f = *state;
	int paging;

	for (paging = 0; paging < 2; paging++) {
		long_mode(f, paging);
		put64(f, DATA, 0x1111);
		put64(f, DATA + 8, 0x2222);
		regs(f)->rdi = DATA;
		regs(f)->rax = 0x1111;
		regs(f)->rdx = 0x2222;
		regs(f)->rbx = 0x3333;
		regs(f)->rcx = 0x4444;
		regs(f)->rflags = 0x2 | CF | SF;
		/* lock cmpxchg16b [rdi]: equal, so stored, ZF set, other flags kept */
		exec_ok(f, B(0xf0, 0x48, 0x0f, 0xc7, 0x0f));
		assert_int_equal(get64(f, DATA), 0x3333);
		assert_int_equal(get64(f, DATA + 8), 0x4444);
		assert_int_equal(regs(f)->rflags, 0x2 | CF | SF | ZF);
		assert_int_equal(regs(f)->rax, 0x1111);
		/* again: unequal, so RDX:RAX loaded, ZF clear, memory unchanged */
		exec_ok(f, B(0xf0, 0x48, 0x0f, 0xc7, 0x0f));
		assert_int_equal(regs(f)->rax, 0x3333);
		assert_int_equal(regs(f)->rdx, 0x4444);
		assert_int_equal(get64(f, DATA), 0x3333);
		assert_int_equal(regs(f)->rflags, 0x2 | CF | SF);
		/* cmpxchg16b gs:[rdi + 0x10] */
		sregs(f)->gs.base = 0x100;
		put64(f, DATA + 0x110, 0x3333);
		put64(f, DATA + 0x118, 0x4444);
		regs(f)->rbx = 7;
		regs(f)->rcx = 8;
		exec_ok(f, B(0x65, 0x48, 0x0f, 0xc7, 0x4f, 0x10));
		assert_int_equal(get64(f, DATA + 0x110), 7);
		assert_int_equal(get64(f, DATA + 0x118), 8);
		/* misaligned: #GP(0), even on an unmapped page */
		regs(f)->rdi = DATA + 8;
		exec_fault(f, B(0x48, 0x0f, 0xc7, 0x0f), EMULATE_GP, 0);
		regs(f)->rdi = UNMAPPED + 8;
		exec_fault(f, B(0x48, 0x0f, 0xc7, 0x0f), EMULATE_GP, 0);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_counts), T(test_crc32), T(test_bmi), T(test_bmi_forms), T(test_cmpxchg16b),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void)
{
	printf("SKIP: vmscope was built without capstone, so it executes no instruction; run "
	       "scripts/install-deps and rebuild\n");
	return 77;
}

#endif
