/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM of one vCPU stopped at exits a unit test writes itself: no KVM (its fd is -1), the
 * registers in a kvm_run sync area, and, with memory, guest RAM whose first 2 MiB an identity
 * map at FAB_CR3 covers.  For tests of exit handling on fabricated exits (STYLE.md: keep
 * KVM_RUN and exit handling apart).
 */
#ifndef VMSCOPE_TESTS_FAB_H
#define VMSCOPE_TESTS_FAB_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decoder.h"
#include "mem.h"
#include "paging.h"
#include "vcpu.h"
#include "vm.h"

#define FAB_CR3 0x1000ull /* PML4; PDPT 0x2000 and PD 0x3000 map the first 2 MiB */

struct fab {
	struct vm vm;
	struct vcpu v;
	uint8_t run[8192] __attribute__((aligned(4096))); /* kvm_run is page-aligned */
};

static inline void fab_put64(struct fab *f, uint64_t gpa, uint64_t val)
{
	assert_int_equal(mem__write(&f->vm.mem, gpa, &val, 8), 0);
}

static inline uint64_t fab_get64(struct fab *f, uint64_t gpa)
{
	uint64_t val = 0;

	assert_int_equal(mem__read(&f->vm.mem, gpa, &val, 8), 0);
	return val;
}

/*
 * The VM and its vCPU; with mem_bytes, that much RAM and the identity map of its first 2 MiB
 * (pte_flags on every level: PTE_P | PTE_W, and PTE_U for user-accessible).
 */
static inline struct fab *fab_new(size_t mem_bytes, uint64_t pte_flags)
{
	struct fab *f = aligned_alloc(4096, sizeof(*f));

	memset(f, 0, sizeof(*f));
	hooks__init(&f->vm.hooks);
	pthread_mutex_init(&f->vm.lock, NULL);
	pthread_cond_init(&f->vm.cond, NULL);
	f->vm.fd = f->vm.kvm.fd = -1;
	f->vm.nr_vcpus = 1;
	f->vm.vcpus = &f->v;
	f->v.vm = &f->vm;
	f->v.fd = -1;
	f->v.run = (struct kvm_run *)f->run;
	f->v.sync_regs = f->v.sync_valid = 1;
	if (!mem_bytes)
		return f;
	assert_int_equal(mem__init(&f->vm.mem, mem_bytes), 0);
	fab_put64(f, FAB_CR3, 0x2000 | pte_flags);
	fab_put64(f, 0x2000, 0x3000 | pte_flags);
	fab_put64(f, 0x3000, pte_flags | PTE_PS);
	f->v.run->s.regs.sregs.cr3 = FAB_CR3;
	return f;
}

/* The VM's features (their own free), its hooks, its RAM, and the fixture. */
static inline void fab_free(struct fab *f)
{
	vm__features_free(&f->vm);
	vcpu__decoder_put(&f->v);
	hooks__exit(&f->vm.hooks);
	mem__exit(&f->vm.mem);
	pthread_mutex_destroy(&f->vm.lock);
	pthread_cond_destroy(&f->vm.cond);
	free(f);
}

static inline struct kvm_regs *fab_regs(struct fab *f)
{
	return &f->v.run->s.regs.regs;
}

static inline struct kvm_sregs *fab_sregs(struct fab *f)
{
	return &f->v.run->s.regs.sregs;
}

#endif
