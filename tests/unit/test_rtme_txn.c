// SPDX-License-Identifier: GPL-2.0
/*
 * RTME's transaction model against the SDM's cases that need no CPU: the abort status for
 * every cause and depth, nesting flattened to the outermost (its fallback, the commit at the
 * outermost XEND, XEND outside as #GP, one XBEGIN past the maximum), and the redo log: stores
 * invisible until the commit, the transaction's reads seeing its stores, capacity per line,
 * and conflicts at line granularity (write/read, read/write, write/write, false sharing, and
 * read/read not one).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../core/decoder.h"
#include "../../rtme/rtme.h"

static uint8_t memory[4096]; /* guest-physical 0x1000.. */
#define BASE 0x1000ull

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	if (gpa < BASE || gpa + len > BASE + sizeof(memory))
		return -EFAULT;
	memcpy(buf, memory + (gpa - BASE), len);
	return 0;
}

static int mem_store(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	int *stores = ctx;

	(*stores)++;
	memcpy(memory + (gpa - BASE), buf, len);
	return 0;
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(rtm__status(RTM_C_XABORT, 0x42, 1), 0x42000001); /* SDM case 2 */
	assert_int_equal(rtm__status(RTM_C_XABORT, 0xff, 1), 0xff000001);
	assert_int_equal(rtm__status(RTM_C_XABORT, 1, 2), 0x01000021); /* case 10: nested */
	assert_int_equal(rtm__status(RTM_C_XABORT, 2, 1), 0x02000001); /* case 11 */
	assert_int_equal(rtm__status(RTM_C_NEST, 0, 7), 0x28); /* case 9 */
	assert_int_equal(rtm__status(RTM_C_CONFLICT, 0, 1), 0x06);
	assert_int_equal(rtm__status(RTM_C_CAPACITY, 0, 1), 0x08);
	assert_int_equal(rtm__status(RTM_C_DEBUG, 0, 1), 0x10);
	assert_int_equal(rtm__status(RTM_C_INSN, 0, 1), 0); /* CPUID: no cause bit */
	assert_int_equal(rtm__status(RTM_C_EXCEPTION, 0, 1), 0);
	assert_int_equal(rtm__status(RTM_C_ASYNC, 0, 3), RTM_ABORT_NESTED);
	/* EXPLICIT never comes with RETRY. */
	assert_false(rtm__status(RTM_C_XABORT, 0x7f, 5) & RTM_ABORT_RETRY);
	assert_string_equal(rtm__cause_name(RTM_C_CONFLICT), "conflict");
}

static void test_nesting(void **state)
{
	struct rtm_tx t;
	int i;

	(void)state;
	assert_int_equal(rtm__init(&t, 7, 16, 16), 0);
	assert_int_equal(rtm__xend(&t), -EINVAL); /* case 4: #GP(0) outside */
	for (i = 0; i < 7; i++)
		assert_int_equal(rtm__xbegin(&t, 0x1000 + i), 0);
	assert_int_equal(t.fallback, 0x1000); /* the outermost's */
	assert_int_equal(rtm__xbegin(&t, 0x2000), -ENOSPC); /* case 9: the 8th aborts */
	for (i = 0; i < 6; i++)
		assert_int_equal(rtm__xend(&t), 0); /* case 8: inner XENDs publish nothing */
	assert_int_equal(t.depth, 1);
	assert_int_equal(rtm__xend(&t), 1); /* the 7th commits */
	assert_int_equal(rtm__xend(&t), -EINVAL);
	rtm__free(&t);
	assert_int_equal(rtm__init(&t, 0, 1, 1), -EINVAL);
}

static void test_redo_log(void **state)
{
	uint64_t x = 0, got = 0, one = 1;
	struct rtm_tx t;
	uint8_t line[64];
	int stores = 0;

	(void)state;
	memset(memory, 0xaa, sizeof(memory));
	assert_int_equal(rtm__init(&t, 7, 16, 16), 0);
	assert_int_equal(rtm__xbegin(&t, 0x9000), 0);
	assert_int_equal(rtm__write(&t, BASE + 8, &one, 8), 0);
	memcpy(&x, memory + 8, 8);
	assert_int_equal(x, 0xaaaaaaaaaaaaaaaaull); /* not visible before the commit */
	assert_int_equal(rtm__read(&t, BASE + 8, &got, 8, mem_read, NULL), 0);
	assert_int_equal(got, 1); /* its own store */
	/* A read across the store's edges: memory around it, the store inside. */
	assert_int_equal(rtm__read(&t, BASE, line, 24, mem_read, NULL), 0);
	assert_int_equal(line[7], 0xaa);
	assert_int_equal(line[8], 1);
	assert_int_equal(line[9], 0);
	assert_int_equal(line[16], 0xaa);
	/* A store spanning two lines is two lines of the write set. */
	assert_int_equal(rtm__write(&t, BASE + 60, &one, 8), 0);
	assert_int_equal(t.nr_write, 2);
	assert_int_equal(rtm__xend(&t), 1);
	assert_int_equal(rtm__commit(&t, mem_store, &stores), 0);
	assert_int_equal(stores, 3); /* bytes 8-15, 60-63, 64-67: exactly what was stored */
	memcpy(&x, memory + 8, 8);
	assert_int_equal(x, 1);
	assert_int_equal(memory[7], 0xaa);
	assert_int_equal(memory[16], 0xaa);
	assert_int_equal(memory[60], 1);
	assert_int_equal(memory[64], 0);
	assert_int_equal(memory[68], 0xaa);
	rtm__reset(&t);
	assert_int_equal(t.depth, 0);
	assert_int_equal(t.nr_lines, 0);
	rtm__free(&t);
}

static void test_capacity(void **state)
{
	struct rtm_tx t;
	uint8_t b = 1;
	int i;

	(void)state;
	assert_int_equal(rtm__init(&t, 7, 3, 2), 0);
	assert_int_equal(rtm__xbegin(&t, 0x9000), 0);
	assert_int_equal(rtm__write(&t, BASE, &b, 1), 0);
	assert_int_equal(rtm__write(&t, BASE + 63, &b, 1), 0); /* the same line */
	assert_int_equal(rtm__write(&t, BASE + 64, &b, 1), 0);
	assert_int_equal(rtm__write(&t, BASE + 128, &b, 1), -ENOSPC); /* case 33 */
	for (i = 0; i < 3; i++)
		assert_int_equal(rtm__read(&t, BASE + 512 + 64 * i, &b, 1, mem_read, NULL), 0);
	assert_int_equal(rtm__read(&t, BASE + 1024, &b, 1, mem_read, NULL), -ENOSPC);
	rtm__free(&t);
}

static void test_conflicts(void **state)
{
	struct rtm_tx t;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(rtm__init(&t, 7, 16, 16), 0);
	assert_false(rtm__conflicts(&t, BASE, 8, 1)); /* no transaction */
	assert_int_equal(rtm__xbegin(&t, 0x9000), 0);
	assert_int_equal(rtm__read(&t, BASE, &v, 8, mem_read, NULL), 0); /* x: read set */
	assert_int_equal(rtm__write(&t, BASE + 128, &v, 8), 0); /* y: write set */
	assert_true(rtm__conflicts(&t, BASE, 8, 1)); /* case 29: remote store to our read */
	assert_false(rtm__conflicts(&t, BASE, 8, 0)); /* case 32: read/read shares */
	assert_true(rtm__conflicts(&t, BASE + 128, 8, 0)); /* case 30: remote load of our store */
	assert_true(rtm__conflicts(&t, BASE + 128, 8, 1));
	assert_true(rtm__conflicts(&t, BASE + 190, 1, 1)); /* case 31: same line, other byte */
	assert_false(rtm__conflicts(&t, BASE + 192, 8, 1)); /* the next line */
	assert_true(rtm__conflicts(&t, BASE + 120, 16, 0)); /* an access spanning into it */
	rtm__free(&t);
}

#define DEC(...)                                                                                   \
	({                                                                                         \
		static const uint8_t b_[] = { __VA_ARGS__ };                                       \
		rtm__decode(b_, sizeof(b_), &in);                                                  \
	})

static void test_decode(void **state)
{
	struct rtm_insn in;

	(void)state;
	assert_int_equal(DEC(0xc7, 0xf8, 0xf0, 0xff, 0xff, 0xff), 1); /* xbegin rel32 -16 */
	assert_int_equal(in.op, RTM_OP_XBEGIN);
	assert_int_equal(in.len, 6);
	assert_int_equal(in.rel, -16);
	assert_int_equal(DEC(0x66, 0xc7, 0xf8, 0xf0, 0xff), 1); /* case 12: rel16, 5 bytes */
	assert_int_equal(in.len, 5);
	assert_int_equal(in.rel, -16);
	assert_false(in.bad_prefix);
	assert_int_equal(DEC(0x48, 0xc7, 0xf8, 0x10, 0, 0, 0), 1); /* REX.W does not widen */
	assert_int_equal(in.len, 7);
	assert_int_equal(in.rel, 16);
	assert_int_equal(DEC(0xc6, 0xf8, 0x42), 1);
	assert_int_equal(in.op, RTM_OP_XABORT);
	assert_int_equal(in.imm, 0x42);
	assert_int_equal(in.len, 3);
	assert_int_equal(DEC(0x0f, 0x01, 0xd5), 1);
	assert_int_equal(in.op, RTM_OP_XEND);
	assert_false(in.lock || in.bad_prefix);
	assert_int_equal(DEC(0x0f, 0x01, 0xd6), 1);
	assert_int_equal(in.op, RTM_OP_XTEST);
	assert_int_equal(DEC(0xf0, 0x0f, 0x01, 0xd6), 1); /* case 15/16: LOCK XTEST */
	assert_true(in.lock);
	assert_int_equal(in.len, 4);
	assert_int_equal(DEC(0xf3, 0x0f, 0x01, 0xd5), 1); /* NP: F3 XEND is #UD */
	assert_true(in.bad_prefix);
	assert_int_equal(DEC(0x0f, 0x01, 0xd0), 0); /* xgetbv */
	assert_int_equal(DEC(0x90), 0);
	assert_int_equal(DEC(0xc7, 0xf8, 0x00), -EINVAL); /* cut short */
	assert_int_equal(DEC(0xc7), -EINVAL);
	assert_int_equal(DEC(0xc7, 0x00, 0, 0, 0, 0), 0); /* mov, not xbegin */
}

/* A store the conflict test never saw shows at commit as a changed read line; one to another
 * byte of a line only written, or a change undone, does not. */
static void test_changed(void **state)
{
	struct rtm_tx t;
	uint64_t v = 1;
	uint8_t b;

	(void)state;
	memset(memory, 0, sizeof(memory));
	assert_int_equal(rtm__init(&t, 7, 8, 8), 0);
	assert_int_equal(rtm__xbegin(&t, 0x4000), 0);
	assert_int_equal(rtm__track(&t, BASE, 8, 0, mem_read, NULL), 0); /* x: read */
	assert_int_equal(rtm__track(&t, BASE + 128, 8, 1, mem_read, NULL), 0); /* y: written */
	assert_int_equal(rtm__write(&t, BASE + 128, &v, 8), 0);
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 0);
	memory[130] = 9; /* another byte of y's line: not read, so no matter */
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 0);
	memory[63] = 1; /* the last byte of x's line */
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 1);
	memory[63] = 0; /* back as it was read: the reads still hold */
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 0);
	/* A line read after the transaction wrote it is snapshot as memory had it then. */
	assert_int_equal(rtm__read(&t, BASE + 128, &b, 1, mem_read, NULL), 0);
	assert_int_equal(b, 1);
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 0);
	memory[129] = 5;
	assert_int_equal(rtm__changed(&t, mem_read, NULL), 1);
	rtm__free(&t);
}

struct found {
	size_t off[8];
	enum rtm_op op[8];
	int n;
};

static int note_site(void *ctx, size_t off, const struct rtm_insn *i)
{
	struct found *f = ctx;

	assert_true(f->n < 8);
	f->off[f->n] = off;
	f->op[f->n++] = i->op;
	return 0;
}

/*
 * The sweep follows instruction boundaries: C7 F8 inside another instruction's immediate is
 * not an XBEGIN; the RTM instructions at boundaries, LOCK-prefixed ones included, are found.
 */
static void test_sweep(void **state)
{
	static const uint8_t code[] = {
		0xb8, 0xc7, 0xf8, 0x00, 0x00, /*  0: mov $0xf8c7, %eax */
		0xc7, 0xf8, 0x10, 0x00, 0x00, 0x00, /*  5: xbegin +0x10 */
		0x0f, 0x01, 0xd6, /* 11: xtest */
		0x48, 0x89, 0x07, /* 14: mov %rax, (%rdi) */
		0xc6, 0xf8, 0x03, /* 17: xabort $3 */
		0xf0, 0x0f, 0x01, 0xd5, /* 20: lock xend */
		0xc3, /* 24: ret */
	};
	struct decoder *isa = decoder__new();
	struct found f = { .n = 0 };

	(void)state;
	assert_non_null(isa);
	assert_int_equal(rtme__isa_sweep(isa, code, sizeof(code), 0x401000, note_site, &f), 4);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.off[0], 5);
	assert_int_equal(f.op[0], RTM_OP_XBEGIN);
	assert_int_equal(f.off[1], 11);
	assert_int_equal(f.op[1], RTM_OP_XTEST);
	assert_int_equal(f.off[2], 17);
	assert_int_equal(f.op[2], RTM_OP_XABORT);
	assert_int_equal(f.off[3], 20);
	assert_int_equal(f.op[3], RTM_OP_XEND);
	decoder__free(isa);
}

/* Which instructions end a transaction (the SDM's list), which run inside one. */
static void test_aborts(void **state)
{
	static const struct {
		uint8_t bytes[4];
		int len, aborts;
	} cases[] = {
		{ { 0x0f, 0xa2 }, 2, 1 }, /* cpuid */
		{ { 0xf3, 0x90 }, 2, 1 }, /* pause */
		{ { 0xe6, 0x80 }, 2, 1 }, /* out %al, $0x80 */
		{ { 0x0f, 0x05 }, 2, 1 }, /* syscall */
		{ { 0xd9, 0xe8 }, 2, 1 }, /* fld1: x87 */
		{ { 0x8e, 0xd8 }, 2, 1 }, /* mov %eax, %ds */
		{ { 0x0f, 0x22, 0xd8 }, 3, 1 }, /* mov %rax, %cr3 */
		{ { 0xc5, 0xf8, 0x77 }, 3, 1 }, /* vzeroupper */
		{ { 0x0f, 0xc3, 0x07 }, 3, 1 }, /* movnti %eax, (%rdi) */
		{ { 0x0f, 0x0b }, 2, 1 }, /* ud2 */
		{ { 0xf4 }, 1, 1 }, /* hlt */
		{ { 0x9d }, 1, 1 }, /* popf */
		{ { 0x48, 0x89, 0x07 }, 3, 0 }, /* mov %rax, (%rdi) */
		{ { 0x87, 0x07 }, 2, 0 }, /* xchg %eax, (%rdi) */
		{ { 0x83, 0xc0, 0x01 }, 3, 0 }, /* add $1, %eax */
		{ { 0x0f, 0xae, 0xe8 }, 3, 0 }, /* lfence */
		{ { 0x66, 0x0f, 0x6f, 0x07 }, 4, 0 }, /* movdqa (%rdi), %xmm0 */
	};
	struct decoder *isa = decoder__new();
	const char *name;
	unsigned int i;

	(void)state;
	assert_non_null(isa);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = rtme__isa_aborts(isa, cases[i].bytes, cases[i].len, 0x401000, &name);

		if (got != cases[i].aborts)
			fail_msg("case %u (%s): aborts %d, expected %d", i, name, got,
				 cases[i].aborts);
	}
	decoder__free(isa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),	  cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_redo_log),  cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_conflicts), cmocka_unit_test(test_decode),
		cmocka_unit_test(test_changed),	  cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_aborts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
