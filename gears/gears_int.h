/* SPDX-License-Identifier: GPL-2.0 */
/* GEARS' internals, shared by inject.c and capture.c. */
#ifndef VMSCOPE_GEARS_INT_H
#define VMSCOPE_GEARS_INT_H

#include <pthread.h>
#include <stdint.h>

#include "../core/vm.h"
#include "gears.h"
#include "syscalls.h"

struct vcpu;

#define GEARS_MAX_EDITS 256
#define GEARS_MAX_USERS 250
#define GEARS_MAX_PENDING 4096

/* One entry vmscope wrote into a guest page table, and what it held before. */
struct inject_edit {
	uint64_t gpa, old, val;
};

/* A process whose user half holds the trampoline. */
struct inject_user {
	uint64_t cr3, va;
};

/* A selected call whose return comes back through the trampoline. */
struct pending {
	uint64_t cr3, rsp; /* the key: an address space and a user stack are one thread */
	uint64_t rip; /* where the call returns */
	uint64_t entry_ts;
	uint64_t args[6];
	uint32_t nr, vcpu;
	int32_t pid; /* -1: not known */
	int used;
};

/* The injected call in progress (gears__call); done: 1 returned, 2 took an exception. */
struct gears_call_state {
	int active, vcpu, done, vector;
	uint64_t value, fault_rip, fault_addr, error_code;
};

struct gears {
	struct vm *vm;
	struct gears_opts opts;
	uint8_t *region; /* the VMM's mapping of GPA_GEARS */
	pthread_mutex_t lock; /* tables, pending returns, statistics */

	uint64_t kva; /* the region's address in the guest's kernel half; 0: not mapped */
	uint64_t *guest_lstar; /* per vCPU, as the guest last wrote it; 0: not yet */
	uint64_t cstar, sysenter_eip; /* for completeness (caps, trace metadata) */
	int capturing; /* system-call capture is armed (gears__setup) */
	enum gears_mech mech; /* how calls reach vmscope */
	int removing; /* capture ended: unmap once the pending returns are back */
	struct gears_call_state call;

	struct syscall_set sel; /* the selection (lock); the stub reads its copy in the region */
	struct inject_edit edits[GEARS_MAX_EDITS];
	int nr_edits;
	struct inject_user users[GEARS_MAX_USERS];
	int nr_users;
	struct pending pending[GEARS_MAX_PENDING];
	int nr_pending;
	struct gears_stats stats;
};

extern const struct vm_feature_ops gears_feature;

static inline struct gears *gears_of(struct vm *vm)
{
	return vm__feature_priv(vm, &gears_feature);
}

/* vm's GEARS state, made on first use: the region and the injected call's hooks. */
int gears__ensure(struct vm *vm, struct gears **out);
int call__add_hooks(struct gears *g);
/* Capture's hooks again on a restored instance (the guest's state already restored). */
int capture__resume(struct gears *g);

void inject__init_region(struct gears *g);
/* 1 if the region's kernel mapping is reachable in address space cr3. */
int inject__kernel_mapped(struct gears *g, uint64_t cr3);
/* Add (on) or remove the call's writable mapping of the region (GEARS_WRITABLE). */
void inject__writable(struct gears *g, int on, int nx);
int inject__map_kernel(struct gears *g, uint64_t cr3, uint64_t entry);
uint64_t inject__map_user(struct gears *g, uint64_t cr3);
int inject__unmap_all(struct gears *g);

/* The pid of the process running on v in address space cr3 (profile.c); -ENOENT, pid -1. */
int profile__current(struct vcpu *v, uint64_t cr3, int32_t *pid);
/* The address space (and pid) of the one process running program name; -errno, message. */
int profile__find_program(struct vm *vm, uint64_t walk_cr3, const char *name, uint64_t *cr3,
			  int32_t *pid);

#endif
