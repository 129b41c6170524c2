/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fabricated vCPU state for the unit tests of the instruction executor (core/emulate.h): 8 MiB
 * of guest RAM with identity page tables, a zeroed kvm_run whose sync area holds the registers
 * (and the vCPU events, as if KVM synced KVM_SYNC_X86_EVENTS), and no vCPU fd, so an injected
 * exception is visible in run->s.regs.events.  Included by test_emulate.c and
 * test_emulate_insns.c only.
 */
#ifndef VMSCOPE_TEST_EMULATE_FIXTURE_H
#define VMSCOPE_TEST_EMULATE_FIXTURE_H

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decoder.h"
#include "emulate.h"
#include "../../lib/err.h"
#include "exit.h"
#include "hooks.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

/* Not every test program uses every helper. */
#define FX_FN static __attribute__((unused))

#define RUN_SIZE 8192
#define RAM_SIZE (8ull << 20)
#define CODE 0x100000ull /* RIP of the instruction */
#define DATA 0x200000ull
#define PML4 0x1000ull
#define PDPT 0x2000ull
#define PD 0x3000ull
#define PT 0x4000ull
#define RO_PAGE 0x5000ull /* present, read-only */
#define USER_PAGE 0x6000ull /* present, user */
#define NP_PAGE 0x7000ull /* not present */
#define UNMAPPED 0x800000ull /* no PDE */
#define MMIO_GPA 0xd0000000ull

#define CF (1ull << 0)
#define PF (1ull << 2)
#define AF (1ull << 4)
#define ZF (1ull << 6)
#define SF (1ull << 7)
#define OF (1ull << 11)
#define RF (1ull << 16)
#define AC (1ull << 18)
#define ARITH (CF | PF | AF | ZF | SF | OF)

#define B(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

struct fx {
	struct vm vm;
	struct vcpu v;
	struct kvm_run *run;
	char why[512];
	uint32_t last_dirty; /* kvm_dirty_regs of the last exec_fault() */
};

FX_FN struct kvm_regs *regs(struct fx *f)
{
	return &f->run->s.regs.regs;
}

FX_FN struct kvm_sregs *sregs(struct fx *f)
{
	return &f->run->s.regs.sregs;
}

FX_FN struct kvm_vcpu_events *events(struct fx *f)
{
	return &f->run->s.regs.events;
}

FX_FN void set_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, int l, int db)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

/* Long mode, ring 0, RIP = CODE, with or without paging (the executor only looks at PG). */
FX_FN void long_mode(struct fx *f, int paging)
{
	struct kvm_sregs *s = sregs(f);

	memset(s, 0, sizeof(*s));
	set_segment(&s->cs, 0x10, 11, 1, 0);
	set_segment(&s->ds, 0x18, 3, 0, 1);
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->cr0 = 0x80050033ull & (paging ? ~0ull : ~(1ull << 31)); /* PG WP NE ET MP PE */
	s->cr3 = PML4;
	s->cr4 = 0x620; /* PAE OSFXSR OSXMMEXCPT */
	s->efer = 0xd01; /* LMA LME SCE */
	memset(regs(f), 0, sizeof(struct kvm_regs));
	regs(f)->rip = CODE;
	regs(f)->rflags = 0x2;
	memset(events(f), 0, sizeof(*events(f)));
	f->run->kvm_dirty_regs = 0;
}

FX_FN void put64(struct fx *f, uint64_t gpa, uint64_t v)
{
	assert_int_equal(mem__write(&f->vm.mem, gpa, &v, sizeof(v)), 0);
}

FX_FN uint64_t get64(struct fx *f, uint64_t gpa)
{
	uint64_t v = 0;

	assert_int_equal(mem__read(&f->vm.mem, gpa, &v, sizeof(v)), 0);
	return v;
}

/* Identity map of the first 8 MiB: 4 KiB pages below 2 MiB (with three special pages). */
FX_FN void build_tables(struct fx *f)
{
	uint64_t i, flags;

	/* U at the upper levels: only the leaf decides which pages are user pages */
	put64(f, PML4, PDPT | PTE_P | PTE_W | PTE_U);
	put64(f, PDPT, PD | PTE_P | PTE_W | PTE_U);
	put64(f, PD, PT | PTE_P | PTE_W | PTE_U);
	for (i = 1; i < 4; i++)
		put64(f, PD + 8 * i, (i << 21) | PTE_P | PTE_W | PTE_PS);
	for (i = 0; i < 512; i++) {
		flags = PTE_P | PTE_W;
		if (i << 12 == RO_PAGE)
			flags = PTE_P;
		else if (i << 12 == USER_PAGE)
			flags |= PTE_U;
		else if (i << 12 == NP_PAGE)
			flags = 0;
		put64(f, PT + 8 * i, (i << 12) | flags);
	}
}

FX_FN int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || mem__init(&f->vm.mem, RAM_SIZE)) {
		fprintf(stderr, "cannot set up guest RAM: %s\n", err__msg(-ENOMEM));
		free(f);
		return -1;
	}
	f->run = aligned_alloc(4096, RUN_SIZE);
	memset(f->run, 0, RUN_SIZE);
	f->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	hooks__init(&f->vm.hooks);
	pthread_mutex_init(&f->vm.lock, NULL);
	pthread_cond_init(&f->vm.cond, NULL);
	f->vm.fd = -1;
	f->vm.nr_vcpus = 1;
	f->vm.vcpus = &f->v;
	f->v.vm = &f->vm;
	f->v.fd = -1;
	f->v.run = f->run;
	f->v.run_size = RUN_SIZE;
	f->v.sync_regs = 1;
	f->v.sync_valid = 1;
	build_tables(f);
	long_mode(f, 0);
	*state = f;
	return 0;
}

FX_FN int teardown(void **state)
{
	struct fx *f = *state;

	vcpu__decoder_put(&f->v);
	hooks__exit(&f->vm.hooks);
	pthread_cond_destroy(&f->vm.cond);
	pthread_mutex_destroy(&f->vm.lock);
	mem__exit(&f->vm.mem);
	free(f->run);
	free(f);
	return 0;
}

FX_FN int exec(struct fx *f, const uint8_t *bytes, size_t len)
{
	return emulate__insn(&f->v, bytes, (int)len, f->why, sizeof(f->why));
}

/* Execute and expect success: RIP advanced by len, RF clear, no exception. */
FX_FN void exec_ok(struct fx *f, const uint8_t *bytes, size_t len)
{
	uint64_t rip = regs(f)->rip;
	int ret = exec(f, bytes, len);

	if (ret != 1)
		fprintf(stderr, "emulate__insn: %d: %s %s\n", ret, f->why, err__msg(ret));
	assert_int_equal(ret, 1);
	assert_false(events(f)->exception.injected);
	assert_int_equal(regs(f)->rip, rip + len);
	assert_false(regs(f)->rflags & RF);
	assert_true(f->run->kvm_dirty_regs & KVM_SYNC_X86_REGS);
	f->run->kvm_dirty_regs = 0;
	regs(f)->rip = rip;
}

/* Execute and expect exception vector (with error code when err >= 0), RIP unchanged. */
FX_FN void exec_fault(struct fx *f, const uint8_t *bytes, size_t len, int vector, int err)
{
	struct kvm_regs before = *regs(f);

	assert_int_equal(exec(f, bytes, len), 1);
	assert_true(f->run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS);
	assert_int_equal(events(f)->exception.injected, 1);
	assert_int_equal(events(f)->exception.nr, vector);
	assert_int_equal(events(f)->exception.has_error_code, err >= 0);
	if (err >= 0)
		assert_int_equal(events(f)->exception.error_code, err);
	assert_memory_equal(regs(f), &before, sizeof(before));
	memset(events(f), 0, sizeof(*events(f)));
	f->last_dirty = f->run->kvm_dirty_regs;
	f->run->kvm_dirty_regs = 0;
}

static __attribute__((unused)) uint64_t rng_state = 0x9e3779b97f4a7c15ull;

FX_FN uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random values with every bit count and some edge cases. */
FX_FN uint64_t test_value(int i)
{
	static const uint64_t edges[] = {
		0,	1,	~0ull,	    1ull << 63,	    0x80000000,
		0xffff, 0x8000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull
	};

	if (i < (int)(sizeof(edges) / sizeof(edges[0])))
		return edges[i];
	return rnd() >> (rnd() % 64);
}

#endif
