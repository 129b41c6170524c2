/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The features of a VM: whatever joins a VM to adapt or observe it (host fixups, the step
 * engine, system-call capture, MIME, RTME, a checkpoint's description of the run; later PMU,
 * RAPL, VNET, NUMA) registers its ops and its private data, and the VM walks the list: around
 * each KVM_RUN, when a run ends, for a checkpoint, and when it is destroyed.  A module finds
 * its own data by its ops (its identity), never through another module's slot, and the VM
 * knows none of them by name.
 */
#ifndef VMSCOPE_FEATURE_H
#define VMSCOPE_FEATURE_H

#include <stddef.h>
#include <stdio.h>

struct vm;
struct vcpu;

#define VM_MAX_FEATURES 16

/* A feature's state as bytes (a checkpoint section); data malloc'ed by the feature. */
struct feature_state {
	void *data;
	size_t len;
};

struct vm_feature_ops {
	const char *name; /* "gears", "rtme" ...: messages, and the checkpoint section's tag */
	/* In each vCPU thread right before and after every KVM_RUN (hot: return at once). */
	void (*before_run)(struct vcpu *v, void *priv);
	void (*after_run)(struct vcpu *v, void *priv);
	/* The run ended (vCPUs stopped): its summary, a line or more on f. */
	void (*summary)(struct vm *vm, void *priv, FILE *f);
	/*
	 * The VM is paused for a checkpoint: end what cannot be saved (a live transaction is
	 * aborted, stepping stops) and give the rest as bytes.  NULL: nothing to save.
	 */
	int (*save)(struct vm *vm, void *priv, struct feature_state *out);
	/*
	 * Make the feature on vm again from what save gave (a restore or a migration's arrival,
	 * the guest's state already in place).  NULL: nothing to restore.
	 */
	int (*restore)(struct vm *vm, const struct feature_state *st);
	/* Why a checkpoint cannot include this feature's state; NULL: it can. */
	const char *unsaved;
	void (*free)(struct vm *vm, void *priv);
};

/*
 * Add a feature to vm (before vm__start, or with the VM paused).  0, -EEXIST (ops already
 * there), -ENOSPC (VM_MAX_FEATURES) with a message.
 */
int vm__feature_add(struct vm *vm, const struct vm_feature_ops *ops, void *priv);

/* The private data of the feature ops on vm, or NULL. */
void *vm__feature_priv(const struct vm *vm, const struct vm_feature_ops *ops);

/* Remove the feature ops from vm (its free op is called); nothing if it is not there. */
void vm__feature_del(struct vm *vm, const struct vm_feature_ops *ops);

/* A vCPU's own data for feature ops (set in setup, read on the vCPU's thread). */
int vcpu__feature_set(struct vcpu *v, const struct vm_feature_ops *ops, void *priv);
void *vcpu__feature_priv(const struct vcpu *v, const struct vm_feature_ops *ops);

/* Walks: every feature's before_run/after_run, summary, save; free in reverse order. */
void vm__features_before_run(struct vcpu *v);
void vm__features_after_run(struct vcpu *v);
void vm__features_summary(struct vm *vm, FILE *f);
void vm__features_free(struct vm *vm);

/*
 * The features a restore may meet, by name: a checkpoint names a feature by its section's
 * tag, and only the program that links the feature modules can list them (the CLI does,
 * before any restore).  0, or -ENOSPC past VM_MAX_FEATURES.
 */
int feature__known(const struct vm_feature_ops *ops);
/* The known feature called name that can restore, or NULL. */
const struct vm_feature_ops *feature__find(const char *name);

/* The first feature's reason a checkpoint of vm cannot be taken, or NULL. */
const char *vm__features_unsaved(const struct vm *vm);

/*
 * Each feature's saved state, in the order of registration: fn called with its name and
 * state (freed after).  0 or the first -errno (message set).
 */
typedef int (*feature_state_fn)(void *opaque, const char *name, const struct feature_state *st);
int vm__features_save(struct vm *vm, feature_state_fn fn, void *opaque);

#endif
