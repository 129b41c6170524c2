// SPDX-License-Identifier: GPL-2.0
/* The features of a VM (feature.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "feature.h"
#include "vcpu.h"
#include "vm.h"

static int feature_index(const struct vm *vm, const struct vm_feature_ops *ops)
{
	int i;

	for (i = 0; i < vm->nr_feat; i++)
		if (vm->feat[i].ops == ops)
			return i;
	return -1;
}

int vm__feature_add(struct vm *vm, const struct vm_feature_ops *ops, void *priv)
{
	if (feature_index(vm, ops) >= 0)
		return err__set(EEXIST, "the feature '%s' is already in this VM", ops->name);
	if (vm->nr_feat == VM_MAX_FEATURES)
		return err__set(ENOSPC, "more than %d features in one VM; cannot add '%s'",
				VM_MAX_FEATURES, ops->name);
	vm->feat[vm->nr_feat].ops = ops;
	vm->feat[vm->nr_feat].priv = priv;
	vm->nr_feat++;
	return 0;
}

void *vm__feature_priv(const struct vm *vm, const struct vm_feature_ops *ops)
{
	int i = feature_index(vm, ops);

	return i < 0 ? NULL : vm->feat[i].priv;
}

/* Free feature i and close the gap (the vCPUs' data follows its feature). */
static void feature_drop(struct vm *vm, int i)
{
	const struct vm_feature_ops *ops = vm->feat[i].ops;
	int k, n;

	if (ops->free)
		ops->free(vm, vm->feat[i].priv);
	n = vm->nr_feat - i - 1;
	memmove(&vm->feat[i], &vm->feat[i + 1], n * sizeof(vm->feat[0]));
	for (k = 0; vm->vcpus && k < vm->nr_vcpus; k++)
		memmove(&vm->vcpus[k].feat_priv[i], &vm->vcpus[k].feat_priv[i + 1],
			n * sizeof(vm->vcpus[k].feat_priv[0]));
	vm->nr_feat--;
	for (k = 0; vm->vcpus && k < vm->nr_vcpus; k++)
		vm->vcpus[k].feat_priv[vm->nr_feat] = NULL;
}

void vm__feature_del(struct vm *vm, const struct vm_feature_ops *ops)
{
	int i = feature_index(vm, ops);

	if (i >= 0)
		feature_drop(vm, i);
}

int vcpu__feature_set(struct vcpu *v, const struct vm_feature_ops *ops, void *priv)
{
	int i = feature_index(v->vm, ops);

	if (i < 0)
		return err__set(ENOENT, "vCPU %d: the feature '%s' is not in its VM", v->id,
				ops->name);
	v->feat_priv[i] = priv;
	return 0;
}

void *vcpu__feature_priv(const struct vcpu *v, const struct vm_feature_ops *ops)
{
	int i = feature_index(v->vm, ops);

	return i < 0 ? NULL : v->feat_priv[i];
}

void vm__features_before_run(struct vcpu *v)
{
	const struct vm *vm = v->vm;
	int i;

	for (i = 0; i < vm->nr_feat; i++)
		if (vm->feat[i].ops->before_run)
			vm->feat[i].ops->before_run(v, vm->feat[i].priv);
}

void vm__features_after_run(struct vcpu *v)
{
	const struct vm *vm = v->vm;
	int i;

	for (i = 0; i < vm->nr_feat; i++)
		if (vm->feat[i].ops->after_run)
			vm->feat[i].ops->after_run(v, vm->feat[i].priv);
}

void vm__features_summary(struct vm *vm, FILE *f)
{
	int i;

	for (i = 0; i < vm->nr_feat; i++)
		if (vm->feat[i].ops->summary)
			vm->feat[i].ops->summary(vm, vm->feat[i].priv, f);
}

void vm__features_free(struct vm *vm)
{
	while (vm->nr_feat)
		feature_drop(vm, vm->nr_feat - 1);
}

/* Written by the program's setup (the CLI, a test) before any restore, read after. */
static const struct vm_feature_ops *known[VM_MAX_FEATURES];
static int nr_known;

int feature__known(const struct vm_feature_ops *ops)
{
	int i;

	for (i = 0; i < nr_known; i++)
		if (known[i] == ops)
			return 0;
	if (nr_known == VM_MAX_FEATURES)
		return err__set(ENOSPC, "more than %d restorable features", VM_MAX_FEATURES);
	known[nr_known++] = ops;
	return 0;
}

const struct vm_feature_ops *feature__find(const char *name)
{
	int i;

	for (i = 0; i < nr_known; i++)
		if (known[i]->restore && !strcmp(known[i]->name, name))
			return known[i];
	return NULL;
}

const char *vm__features_unsaved(const struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_feat; i++)
		if (vm->feat[i].ops->unsaved)
			return vm->feat[i].ops->unsaved;
	return NULL;
}

int vm__features_save(struct vm *vm, feature_state_fn fn, void *opaque)
{
	struct feature_state st;
	int i, ret = 0;

	for (i = 0; !ret && i < vm->nr_feat; i++) {
		const struct vm_feature_ops *ops = vm->feat[i].ops;

		if (!ops->save)
			continue;
		memset(&st, 0, sizeof(st));
		ret = ops->save(vm, vm->feat[i].priv, &st);
		if (!ret)
			ret = fn(opaque, ops->name, &st);
		free(st.data);
	}
	return ret;
}
