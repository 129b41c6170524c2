// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing a VM: a trace session (trace/, which knows nothing of VMs) with one stream per
 * vCPU, each vCPU's ring attached to it, and KVM's binary statistics of every vCPU emitted
 * as kvm_stats events at each of the session's ticks.
 */
#include <errno.h>
#include <stdlib.h>

#include "../lib/err.h"
#include "../trace/trace.h"
#include "kvmstats.h"
#include "vcpu.h"
#include "vm.h"

/* The session thread's tick: a kvm_stats event per vCPU whose statistics KVM offers. */
static void vm_trace_tick(struct trace_session *s, int final, void *opaque)
{
	struct vm *vm = opaque;
	struct trace_kvm_stats_args a;
	int i;

	(void) final;
	for (i = 0; vm->trace_stats && i < vm->nr_vcpus; i++) {
		if (vm->trace_stats[i].fd < 0 || kvm_stats__sample(&vm->trace_stats[i], i, &a))
			continue;
		trace__kvm_stats(s, &a);
	}
}

static int vm_trace_detach(struct vm *vm);

static void vm_trace_close_stats(struct vm *vm)
{
	int i;

	for (i = 0; vm->trace_stats && i < vm->nr_vcpus; i++)
		kvm_stats__close(&vm->trace_stats[i]);
	free(vm->trace_stats);
	vm->trace_stats = NULL;
}

static int vm_trace_open_stats(struct vm *vm)
{
	int i;

	vm->trace_stats = calloc(vm->nr_vcpus, sizeof(*vm->trace_stats));
	if (!vm->trace_stats)
		return err__set(ENOMEM, "out of memory setting up the trace");
	for (i = 0; i < vm->nr_vcpus; i++)
		if (kvm_stats__open(&vm->trace_stats[i], vm->vcpus[i].fd))
			vm->trace_stats[i].fd = -1; /* no binary stats here: no kvm_stats events */
	return 0;
}

/* A run that ended before its trace did: the trace completes when the VM goes. */
static void vm_trace_free(struct vm *vm, void *priv)
{
	(void)priv;
	vm_trace_detach(vm);
}

static const struct vm_feature_ops trace_feature = {
	.name = "trace",
	.free = vm_trace_free,
};

int vm__trace_start(struct vm *vm, const struct trace_opts *o, struct trace_session **out)
{
	struct trace_opts to = *o;
	int i, ret;

	*out = NULL;
	to.nr_vcpus = vm->nr_vcpus;
	to.tick = vm_trace_tick;
	to.tick_opaque = vm;
	ret = vm__feature_add(vm, &trace_feature, NULL);
	if (ret)
		return ret;
	ret = vm_trace_open_stats(vm);
	if (!ret)
		ret = trace__start(&to, out);
	if (ret) {
		vm_trace_close_stats(vm);
		vm__feature_del(vm, &trace_feature);
		return ret;
	}
	/* From here on, vCPU threads and vm_run.c emit into the rings. */
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].trace = trace__vcpu_ring(*out, i);
	vm->trace = *out;
	return 0;
}

/* Detach the rings and complete the trace: trace__stop's result, 0 when vm is not traced. */
static int vm_trace_detach(struct vm *vm)
{
	struct trace_session *s = vm->trace;
	int i, ret;

	if (!s)
		return 0;
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].trace = NULL;
	vm->trace = NULL;
	ret = trace__stop(s); /* its final tick still reads the statistics */
	vm_trace_close_stats(vm);
	return ret;
}

int vm__trace_stop(struct vm *vm)
{
	int ret = vm_trace_detach(vm);

	vm__feature_del(vm, &trace_feature);
	return ret;
}
