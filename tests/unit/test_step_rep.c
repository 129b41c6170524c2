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
#include "hostfix_int.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define CR3 0x1000ull /* PML4; PDPT 0x2000 and PD 0x3000 map the first 2 MiB, writable */
#define RIP 0x5000ull
#define SRC 0x6000ull
#define DST 0x7000ull
#define UNMAPPED 0x40000000ull /* past the mapped 2 MiB */
#define RFLAGS_ZF (1ull << 6)

struct fab {
	struct vm vm;
	struct vcpu v;
	uint8_t run[8192] __attribute__((aligned(4096)));
};

static void put64(struct fab *f, uint64_t gpa, uint64_t val)
{
	assert_int_equal(mem__write(&f->vm.mem, gpa, &val, 8), 0);
}

static struct kvm_regs *regs(struct fab *f)
{
	return &f->v.run->s.regs.regs;
}

/* A vCPU at ring 0 (64-bit code) about to run bytes at RIP, RSI = SRC, RDI = DST, RCX = n. */
static struct fab *fab_new(const uint8_t *insn, size_t len, uint64_t n)
{
	struct fab *f = aligned_alloc(4096, sizeof(*f));
	struct kvm_sregs *s;

	memset(f, 0, sizeof(*f));
	assert_int_equal(mem__init(&f->vm.mem, 8 << 20), 0);
	f->vm.fixups = HOSTFIX_STEP0;
	f->vm.nr_vcpus = 1;
	f->vm.vcpus = &f->v;
	f->v.vm = &f->vm;
	f->v.fd = -1;
	f->v.run = (struct kvm_run *)f->run;
	f->v.sync_regs = f->v.sync_valid = 1;
	put64(f, CR3, 0x2000 | PTE_P | PTE_W);
	put64(f, 0x2000, 0x3000 | PTE_P | PTE_W);
	put64(f, 0x3000, PTE_P | PTE_W | PTE_PS);
	assert_int_equal(mem__write(&f->vm.mem, RIP, insn, len), 0);
	s = &f->v.run->s.regs.sregs;
	s->cr3 = CR3;
	s->cr0 = 0x80010001; /* PG, WP, PE */
	s->cs.l = 1;
	regs(f)->rip = RIP;
	regs(f)->rsi = SRC;
	regs(f)->rdi = DST;
	regs(f)->rcx = n;
	regs(f)->rflags = 0x2;
	return f;
}

static void fab_free(struct fab *f)
{
	mem__exit(&f->vm.mem);
	free(f);
}

/* What KVM's emulator leaves after one iteration: the count 0, RIP still at the instruction. */
static void one_iteration(struct fab *f, uint64_t rflags)
{
	regs(f)->rcx &= 0xffffffff00000000ull;
	regs(f)->rsi++;
	regs(f)->rdi++;
	regs(f)->rflags = rflags;
}

static void test_movs_one_iteration_per_step(void **state)
{
	static const uint8_t rep_movsb[] = { 0xf3, 0xa4 };
	struct fab *f = fab_new(rep_movsb, sizeof(rep_movsb), 3);
	struct steprep sr;

	(void)state;
	/* 3 iterations: stops at the instruction after the first two, past it after the last. */
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 1);
	one_iteration(f, 0x2);
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 2);
	assert_int_equal(regs(f)->rip, RIP);
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	regs(f)->rcx = 0;
	regs(f)->rip = RIP + 2; /* an emulator that moved RIP on: the same */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 1);
	assert_int_equal(regs(f)->rip, RIP);
	/* The last iteration is the instruction whole: nothing to change. */
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(regs(f)->rcx, 1);
	assert_int_equal(steprep__done(&f->v, &sr), 0);
	fab_free(f);
}

static void test_repe_cmps_ends_on_mismatch(void **state)
{
	static const uint8_t repe_cmpsb[] = { 0xf3, 0xa6 };
	static const uint8_t repne_scasq[] = { 0xf2, 0x48, 0xaf };
	struct fab *f = fab_new(repe_cmpsb, sizeof(repe_cmpsb), 10);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	one_iteration(f, 0x2); /* ZF clear: the bytes differ, REPE ends */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 9);
	assert_int_equal(regs(f)->rip, RIP + 2);
	fab_free(f);

	f = fab_new(repne_scasq, sizeof(repne_scasq), 10);
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(sr.size, 8);
	one_iteration(f, 0x2 | RFLAGS_ZF); /* ZF set: found, REPNE ends */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 9);
	assert_int_equal(regs(f)->rip, RIP + 3);
	regs(f)->rip = RIP; /* the same again */
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	one_iteration(f, 0x2); /* not found: on */
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 8);
	assert_int_equal(regs(f)->rip, RIP);
	fab_free(f);
}

/* A 32-bit address size counts in ECX: RCX's upper half is the guest's, untouched. */
static void test_addr32_counts_in_ecx(void **state)
{
	static const uint8_t rep_stosd32[] = { 0x67, 0xf3, 0xab };
	struct fab *f = fab_new(rep_stosd32, sizeof(rep_stosd32), 0xabcd000000000004ull);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 0xabcd000000000001ull);
	one_iteration(f, 0x2);
	assert_int_equal(steprep__done(&f->v, &sr), 1);
	assert_int_equal(regs(f)->rcx, 0xabcd000000000003ull);
	assert_int_equal(regs(f)->rip, RIP);
	fab_free(f);
}

/* A step that did not run the iteration (an exit came first) gives the count back whole. */
static void test_not_run_restores_the_count(void **state)
{
	static const uint8_t rep_lodsb[] = { 0xf3, 0xac };
	struct fab *f = fab_new(rep_lodsb, sizeof(rep_lodsb), 7);
	struct steprep sr;

	(void)state;
	assert_int_equal(steprep__limit(&f->v, &sr), 1);
	assert_int_equal(steprep__done(&f->v, &sr), 0);
	assert_int_equal(regs(f)->rcx, 7);
	assert_int_equal(regs(f)->rip, RIP);
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
	f = fab_new(rep_movsb, sizeof(rep_movsb), 5);
	regs(f)->rdi = UNMAPPED;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(regs(f)->rcx, 5);
	fab_free(f);
	/* A destination not writable, with CR0.WP. */
	f = fab_new(rep_movsb, sizeof(rep_movsb), 5);
	put64(f, 0x3000, PTE_P | PTE_PS);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	f->v.run->s.regs.sregs.cr0 &= ~(1ull << 16);
	assert_int_equal(steprep__limit(&f->v, &sr), 1); /* without WP ring 0 writes anyway */
	fab_free(f);
	/* Ring 3 (the CPU steps it), no fixup, no REP, not a string instruction. */
	f = fab_new(rep_movsb, sizeof(rep_movsb), 5);
	f->v.run->s.regs.sregs.cs.dpl = 3;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	f->v.run->s.regs.sregs.cs.dpl = 0;
	f->vm.fixups = HOSTFIX_STEP3;
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	fab_free(f);
	f = fab_new(movsb, sizeof(movsb), 5);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	fab_free(f);
	f = fab_new(rep_ret, sizeof(rep_ret), 5);
	assert_int_equal(steprep__limit(&f->v, &sr), 0);
	assert_int_equal(regs(f)->rcx, 5);
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
