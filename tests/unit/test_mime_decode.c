// SPDX-License-Identifier: GPL-2.0
/*
 * MIME's references of one instruction, from its bytes and the registers: explicit operands
 * (base, index, scale, RIP-relative, FS, 32-bit addresses, read-modify-write), the stack
 * (push, pop, call, ret, leave), string instructions one iteration at a time, and what is
 * refused (no instruction, a vector index, code that is not 64-bit).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/decoder.h"
#include "../../lib/err.h"
#include "../../mime/mime.h"

#define RIP 0x401000ull
#define RSP 0x7ffff000ull
#define RSI 0x10000ull
#define RDI 0x20000ull
#define RBP 0x7ffff800ull
#define FS_BASE 0x7f0000000000ull

static struct decoder *dec;
static struct kvm_regs regs;
static struct kvm_sregs sregs;
static struct mime_insn insn;

static int teardown(void **state)
{
	(void)state;
	decoder__free(dec);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	memset(&regs, 0, sizeof(regs));
	memset(&sregs, 0, sizeof(sregs));
	regs.rip = RIP;
	regs.rsp = RSP;
	regs.rsi = RSI;
	regs.rdi = RDI;
	regs.rbp = RBP;
	regs.rcx = 3;
	sregs.cs.l = 1;
	sregs.fs.base = FS_BASE;
	return 0;
}

#define DECODE(...)                                                                                \
	({                                                                                         \
		static const uint8_t b_[] = { __VA_ARGS__ };                                       \
		mime__decode(dec, b_, sizeof(b_), &regs, &sregs, &insn);                           \
	})

static void expect_ref(int i, uint64_t la, uint32_t size, int write)
{
	assert_true(i < insn.nr_refs);
	assert_int_equal(insn.refs[i].la, la);
	assert_int_equal(insn.refs[i].size, size);
	assert_int_equal(insn.refs[i].write, write);
}

static void test_explicit_operands(void **state)
{
	(void)state;
	assert_int_equal(DECODE(0x48, 0x8b, 0x06), 0); /* mov (%rsi), %rax */
	assert_int_equal(insn.len, 3);
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RSI, 8, 0);
	assert_int_equal(DECODE(0x48, 0x89, 0x47, 0x10), 0); /* mov %rax, 0x10(%rdi) */
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RDI + 0x10, 8, 1);
	regs.rcx = 5;
	assert_int_equal(DECODE(0x01, 0x04, 0x8f), 0); /* add %eax, (%rdi,%rcx,4) */
	assert_int_equal(insn.nr_refs, 2); /* read, then write, of the same dword */
	expect_ref(0, RDI + 20, 4, 0);
	expect_ref(1, RDI + 20, 4, 1);
	assert_int_equal(DECODE(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00), 0); /* mov 0x100(%rip), %eax */
	expect_ref(0, RIP + 6 + 0x100, 4, 0);
	/* mov %fs:0x28, %rax: the FS base is added */
	assert_int_equal(DECODE(0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00), 0);
	expect_ref(0, FS_BASE + 0x28, 8, 0);
	regs.rsi = 0xffffffff00001000ull;
	assert_int_equal(DECODE(0x67, 0x8b, 0x06), 0); /* mov (%esi), %eax: 32-bit address */
	expect_ref(0, 0x1000, 4, 0);
	assert_int_equal(DECODE(0x48, 0x8d, 0x58, 0x08), 0); /* lea 8(%rax), %rbx: no reference */
	assert_int_equal(insn.nr_refs, 0);
	assert_int_equal(DECODE(0x48, 0x0f, 0xb1, 0x0f), 0); /* cmpxchg %rcx, (%rdi) */
	assert_int_equal(insn.nr_refs, 2); /* written back even when the comparison fails */
	expect_ref(0, RDI, 8, 0);
	expect_ref(1, RDI, 8, 1);
	assert_int_equal(DECODE(0x48, 0x0f, 0xc7, 0x0f), 0); /* cmpxchg16b (%rdi) */
	expect_ref(1, RDI, 16, 1);
	assert_int_equal(DECODE(0x0f, 0xae, 0x07), 0); /* fxsave (%rdi): 512 bytes */
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RDI, 512, 1);
	assert_int_equal(DECODE(0x0f, 0xae, 0x27), -EOPNOTSUPP); /* xsave (%rdi) */
	assert_non_null(strstr(err__last(), "XCR0"));
}

static void test_stack(void **state)
{
	(void)state;
	assert_int_equal(DECODE(0x53), 0); /* push %rbx */
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RSP - 8, 8, 1);
	assert_int_equal(DECODE(0x5b), 0); /* pop %rbx */
	expect_ref(0, RSP, 8, 0);
	assert_int_equal(DECODE(0x66, 0x53), 0); /* push %bx */
	expect_ref(0, RSP - 2, 2, 1);
	regs.rax = 0x30000;
	assert_int_equal(DECODE(0xff, 0x30), 0); /* push (%rax): read it, write the stack */
	assert_int_equal(insn.nr_refs, 2);
	expect_ref(0, 0x30000, 8, 0);
	expect_ref(1, RSP - 8, 8, 1);
	assert_int_equal(DECODE(0x8f, 0x44, 0x24, 0x08), 0); /* pop 8(%rsp): after RSP grew */
	assert_int_equal(insn.nr_refs, 2);
	expect_ref(0, RSP + 16, 8, 1);
	expect_ref(1, RSP, 8, 0);
	assert_int_equal(DECODE(0xff, 0xd0), 0); /* call *%rax */
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RSP - 8, 8, 1);
	assert_int_equal(DECODE(0xc3), 0); /* ret */
	expect_ref(0, RSP, 8, 0);
	assert_int_equal(DECODE(0xc9), 0); /* leave */
	expect_ref(0, RBP, 8, 0);
	assert_int_equal(DECODE(0x9c), 0); /* pushfq */
	expect_ref(0, RSP - 8, 8, 1);
}

static void test_strings(void **state)
{
	(void)state;
	assert_int_equal(DECODE(0xf3, 0xa4), 0); /* rep movsb: this iteration's two bytes */
	assert_int_equal(insn.nr_refs, 2);
	expect_ref(insn.refs[0].write ? 1 : 0, RSI, 1, 0);
	expect_ref(insn.refs[0].write ? 0 : 1, RDI, 1, 1);
	assert_int_equal(DECODE(0x48, 0xa5), 0); /* movsq */
	assert_int_equal(insn.nr_refs, 2);
	assert_int_equal(DECODE(0xf3, 0xab), 0); /* rep stosl */
	assert_int_equal(insn.nr_refs, 1);
	expect_ref(0, RDI, 4, 1);
	regs.rcx = 0;
	assert_int_equal(DECODE(0xf3, 0xa4), 0); /* rep movsb with RCX 0: nothing */
	assert_int_equal(insn.nr_refs, 0);
	assert_int_equal(DECODE(0xa4), 0); /* movsb without REP ignores RCX */
	assert_int_equal(insn.nr_refs, 2);
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(DECODE(0x06), -EINVAL); /* push %es: no instruction in 64-bit mode */
	assert_non_null(strstr(err__last(), "no instruction"));
	/* vpgatherdd %xmm2, (%rax,%xmm1,4), %xmm0 */
	assert_int_equal(DECODE(0xc4, 0xe2, 0x69, 0x90, 0x04, 0x88), -EOPNOTSUPP);
	assert_non_null(strstr(err__last(), "vector index"));
	sregs.cs.l = 0;
	assert_int_equal(DECODE(0x8b, 0x06), -EOPNOTSUPP);
	assert_non_null(strstr(err__last(), "64-bit"));
}

static void test_parse_scope(void **state)
{
	uint64_t a, b;
	double f, t;

	(void)state;
	assert_int_equal(mime__parse_range("0x401000-0x401080", &a, &b), 0);
	assert_int_equal(a, 0x401000);
	assert_int_equal(b, 0x401080);
	assert_int_equal(mime__parse_range("0x2000-0x1000", &a, &b), -EINVAL);
	assert_non_null(strstr(err__last(), "END must be above START"));
	assert_int_equal(mime__parse_range("0x1000", &a, &b), -EINVAL);
	assert_int_equal(mime__parse_range("0x1000-x", &a, &b), -EINVAL);
	assert_int_equal(mime__parse_range("0x800000000000-0x800000001000", &a, &b), -EINVAL);
	assert_non_null(strstr(err__last(), "canonical"));
	assert_int_equal(mime__parse_window("1.5-3", &f, &t), 0);
	assert_true(f == 1.5 && t == 3);
	assert_int_equal(mime__parse_window("2-", &f, &t), 0);
	assert_true(f == 2 && t == 0);
	assert_int_equal(mime__parse_window("3-1", &f, &t), -EINVAL);
	assert_int_equal(mime__parse_window("-1-2", &f, &t), -EINVAL);
	assert_int_equal(mime__parse_window("x", &f, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_explicit_operands, reset),
		cmocka_unit_test_setup(test_stack, reset),
		cmocka_unit_test_setup(test_strings, reset),
		cmocka_unit_test_setup(test_refused, reset),
		cmocka_unit_test(test_parse_scope),
	};

	dec = decoder__new();
	if (!dec) {
		printf("SKIP: %s\n", err__last()); /* a build without capstone */
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, teardown);
}
