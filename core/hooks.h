/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hook registries: who handles which port, MMIO range and MSR, and who is told about debug
 * exits and emulation failures.  Ranges are kept sorted and looked up by binary search on the
 * exit path.  Registration returns -EEXIST on overlap; it is done before the vCPUs start or
 * while they are paused (vm__pause), never concurrently with exits.
 */
#ifndef VMSCOPE_HOOKS_H
#define VMSCOPE_HOOKS_H

#include <stdint.h>

struct vcpu;
struct kvm_run;

/* data holds size bytes (1, 2, 4); on a read the hook fills it.  0 or -errno. */
typedef int (*pio_hook_fn)(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
			   uint8_t *data);
/* data holds len bytes (1..8); on a read the hook fills it.  0 or -errno. */
typedef int (*mmio_hook_fn)(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
			    uint8_t *data);
/* On a read the hook sets *data.  0, or -EPERM to make the guest take #GP. */
typedef int (*msr_hook_fn)(struct vcpu *v, void *opaque, uint32_t index, int is_write,
			   uint64_t *data);
/* Chained handlers: return 1 when the exit was theirs, 0 to pass it on, -errno to stop the VM. */
typedef int (*exit_hook_fn)(struct vcpu *v, void *opaque, struct kvm_run *run);

struct range_hook {
	uint64_t base;
	uint64_t len;
	const char *name;
	void *fn;
	void *opaque;
};

struct range_table {
	struct range_hook *items;
	int nr, cap;
};

#define HOOKS_MAX_CHAIN 8

struct exit_chain {
	exit_hook_fn fn[HOOKS_MAX_CHAIN];
	void *opaque[HOOKS_MAX_CHAIN];
	const char *name[HOOKS_MAX_CHAIN];
	int nr;
};

struct hooks {
	struct range_table pio;
	struct range_table mmio;
	struct range_table msr;
	struct exit_chain observe; /* every exit, before dispatch (return value ignored) */
	struct exit_chain debug; /* KVM_EXIT_DEBUG */
	struct exit_chain emulation; /* KVM_EXIT_INTERNAL_ERROR */
	struct exit_chain loaded; /* the vCPU's state was replaced: before its next KVM_RUN */
};

void hooks__init(struct hooks *h);
void hooks__exit(struct hooks *h);

int hooks__add_pio(struct hooks *h, uint16_t base, uint32_t len, const char *name, pio_hook_fn fn,
		   void *opaque);
int hooks__add_mmio(struct hooks *h, uint64_t base, uint64_t len, const char *name, mmio_hook_fn fn,
		    void *opaque);
/* Both directions go to fn; the VMM asks KVM to filter exactly the registered MSRs. */
int hooks__add_msr(struct hooks *h, uint32_t index, const char *name, msr_hook_fn fn, void *opaque);
/* Observers see every exit before it is dispatched (cheap checks only: hot path). */
int hooks__add_observer(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque);
int hooks__add_debug(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque);
int hooks__add_emulation(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque);
/*
 * Told (run NULL) before the first KVM_RUN after the vCPU's state was replaced wholesale
 * (vcpu__restore, vcpu__restore_context: a checkpoint, a migration, the end of an injected
 * call), so that what a hook derived from the guest's state (its IDT, its MSRs) is derived
 * again before the guest runs.  Return value ignored.
 */
int hooks__add_loaded(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque);

/* Remove the range starting at base; -ENOENT if none. */
int hooks__del_pio(struct hooks *h, uint16_t base);
int hooks__del_mmio(struct hooks *h, uint64_t base);

/* The hook covering addr, or NULL. */
const struct range_hook *hooks__find(const struct range_table *t, uint64_t addr);

#endif
