// SPDX-License-Identifier: GPL-2.0
/*
 * The step-ring0 fixup on fabricated vCPU states: a ring-0 REP string instruction stepped where
 * KVM's emulator would run its whole count in one step gets the count 1 for the step, and
 * after it the CPU's state after one iteration: the count less one, RIP at the instruction
 * while iterations remain (REPE/REPNE's condition included) and past it after the last.  An
 * iteration that would fault, a count of 1, ring 3 and instructions that are not REP string
 * ones are left alone.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostfix.h"
#include "step_int.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"
#include "fab.h"

#define CR3 FAB_CR3
#define RIP 0x5000ull
#define SRC 0x6000ull
#define DST 0x7000ull
#define UNMAPPED 0x40000000ull /* past the mapped 2 MiB */
#define RFLAGS_ZF (1ull << 6)

/* A vCPU at ring 0 (64-bit code) about to run bytes at RIP, RSI = SRC, RDI = DST, RCX = n. */
static struct fab *rep_fab(const uint8_t *insn, size_t len, uint64_t n)
{
	struct fab *f = fab_new(8 << 20, PTE_P | PTE_W);
	struct kvm_sregs *s;

	f->vm.fixups = HOSTFIX_STEP0;
	assert_int_equal(mem__write(&f->vm.mem, RIP, insn, len), 0);
	s = &f->v.run->s.regs.sregs;
	s->cr3 = CR3;
	s->cr0 = 0x80010001; /* PG, WP, PE */
	s->cs.l = 1;
	fab_regs(f)->rip = RIP;
	fab_regs(f)->rsi = SRC;
	fab_regs(f)->rdi = DST;
	fab_regs(f)->rcx = n;
	fab_regs(f)->rflags = 0x2;
	return f;
}

/* What KVM's emulator leaves after one iteration: the count 0, RIP still at the instruction. */
static void one_iteration(struct fab *f, uint64_t rflags)
{
	fab_regs(f)->rcx &= 0xffffffff00000000ull;
	fab_regs(f)->rsi++;
	fab_regs(f)->rdi++;
	fab_regs(f)->rflags = rflags;
}

static void test_movs_one_iteration_per_step(void **state)
{
	static const uint8_t rep_movsb[] = { 0xf3, 0xa4 };
	struct fab *f = rep_fab(rep_movsb, sizeof(rep_movsb), 3);
	struct steprep sr;

	(void)state;
	/* 3 iterations: stops at the instruction after the first two, past it after the last. */
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 1);
	one_iteration(f, 0x2);
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 2);
	assert_int_equal(fab_regs(f)->rip, RIP);
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	fab_regs(f)->rcx = 0;
	fab_regs(f)->rip = RIP + 2; /* an emulator that moved RIP on: the same */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 1);
	assert_int_equal(fab_regs(f)->rip, RIP);
	/* The last iteration is the instruction whole: nothing to change. */
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(fab_regs(f)->rcx, 1);
	assert_int_equal(steprep__done(&f->v, &sr), 0);
	fab_free(f);
}

static void test_repe_cmps_ends_on_mismatch(void **state)
{
	static const uint8_t repe_cmpsb[] = { 0xf3, 0xa6 };
	static const uint8_t repne_scasq[] = { 0xf2, 0x48, 0xaf };
	struct fab *f = rep_fab(repe_cmpsb, sizeof(repe_cmpsb), 10);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	one_iteration(f, 0x2); /* ZF clear: the bytes differ, REPE ends */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 9);
	assert_int_equal(fab_regs(f)->rip, RIP + 2);
	fab_free(f);

	f = rep_fab(repne_scasq, sizeof(repne_scasq), 10);
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(sr.size, 8);
	one_iteration(f, 0x2 | RFLAGS_ZF); /* ZF set: found, REPNE ends */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 9);
	assert_int_equal(fab_regs(f)->rip, RIP + 3);
	fab_regs(f)->rip = RIP; /* the same again */
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	one_iteration(f, 0x2); /* not found: on */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 8);
	assert_int_equal(fab_regs(f)->rip, RIP);
	fab_free(f);
}

/* A 32-bit address size counts in ECX: RCX's upper half is the guest's, untouched. */
static void test_addr32_counts_in_ecx(void **state)
{
	static const uint8_t rep_stosd32[] = { 0x67, 0xf3, 0xab };
	struct fab *f = rep_fab(rep_stosd32, sizeof(rep_stosd32), 0xabcd000000000004ull);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 0xabcd000000000001ull);
	one_iteration(f, 0x2);
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(fab_regs(f)->rcx, 0xabcd000000000003ull);
	assert_int_equal(fab_regs(f)->rip, RIP);
	fab_free(f);
}

/* A step that did not run the iteration (an exit came first) gives the count back whole. */
static void test_not_run_restores_the_count(void **state)
{
	static const uint8_t rep_lodsb[] = { 0xf3, 0xac };
	struct fab *f = rep_fab(rep_lodsb, sizeof(rep_lodsb), 7);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(steprep__done(&f->v, &sr), 0);
	assert_int_equal(fab_regs(f)->rcx, 7);
	assert_int_equal(fab_regs(f)->rip, RIP);
	fab_free(f);
}

static void test_left_whole(void **state)
{
	static const uint8_t rep_movsb[] = { 0xf3, 0xa4 };
	static const uint8_t movsb[] = { 0xa4 };
	static const uint8_t rep_ret[] = { 0xf3, 0xc3 };
	struct steprep sr;
	struct fab *f;

	(void)state;
	/* A destination not mapped: the first iteration faults, with the guest's own count. */
	f = rep_fab(rep_movsb, sizeof(rep_movsb), 5);
	fab_regs(f)->rdi = UNMAPPED;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(fab_regs(f)->rcx, 5);
	fab_free(f);
	/* A destination not writable, with CR0.WP. */
	f = rep_fab(rep_movsb, sizeof(rep_movsb), 5);
	fab_put64(f, 0x3000, PTE_P | PTE_PS);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	f->v.run->s.regs.sregs.cr0 &= ~(1ull << 16);
	assert_int_equal(steprep__limit(&f->v, &sr), 1); /* without WP ring 0 writes anyway */
	fab_free(f);
	/* Ring 3 (the CPU steps it), no fixup, no REP, not a string instruction. */
	f = rep_fab(rep_movsb, sizeof(rep_movsb), 5);
	f->v.run->s.regs.sregs.cs.dpl = 3;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	f->v.run->s.regs.sregs.cs.dpl = 0;
	f->vm.fixups = HOSTFIX_STEP3;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	fab_free(f);
	f = rep_fab(movsb, sizeof(movsb), 5);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	fab_free(f);
	f = rep_fab(rep_ret, sizeof(rep_ret), 5);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(fab_regs(f)->rcx, 5);
	fab_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movs_one_iteration_per_step),
		cmocka_unit_test(test_repe_cmps_ends_on_mismatch),
		cmocka_unit_test(test_addr32_counts_in_ecx),
		cmocka_unit_test(test_not_run_restores_the_count),
		cmocka_unit_test(test_left_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
