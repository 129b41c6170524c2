/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: the KVM VM fd, guest memory, vCPUs, hooks and devices, and the state machine that
 * starts, pauses, resumes and stops it.
 */
#ifndef VMSCOPE_VM_H
#define VMSCOPE_VM_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "feature.h"
#include "hooks.h"
#include "kvm.h"
#include "mem.h"

struct vcpu;
struct devices;
struct ucall;
struct trace_opts;
struct trace_session;
struct kvm_stats_reader;

#define VM_MAX_VCPUS 64

/* Exit statuses of a run that the guest did not choose (docs/cli.md). */
#define VM_STATUS_TIMEOUT 124
#define VM_STATUS_GUEST_FAILURE 125 /* triple fault, internal error, failed guest assertion */

struct vm_opts {
	uint64_t mem_size;
	int nr_vcpus;
	int console_fd; /* guest serial output; -1 to discard */
	int input_fd; /* guest serial input; -1 for none */
	int no_irqchip; /* 1: no in-kernel irqchip and PIT (tests of bare exits) */
	int verbose;
};

/* Called for each ucall from the guest; return 0 to go on, or stop the VM. */
typedef void (*ucall_fn)(struct vcpu *v, void *opaque, const struct ucall *uc);

#define VM_MAX_PRIVATE 4

/* A VMM-owned guest-physical range outside RAM (vm__add_private_mem). */
struct vm_private_mem {
	uint64_t gpa, size;
	void *hva;
	int slot;
};

struct vm {
	struct kvm_dev kvm;
	int fd;
	struct vm_opts opts;
	struct guest_mem mem;
	struct hooks hooks;
	int nr_vcpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID, patched per vCPU */
	uint32_t *msr_indices; /* KVM_GET_MSR_INDEX_LIST: what vcpu__save saves */
	uint64_t kernel_tasks; /* the built-in kernel's task table (abi/kprofile.h); 0: none */
	uint32_t nr_msr_indices;
	struct devices *dev;
	int has_irqchip;
	int has_user_msr;
	unsigned int fixups; /* host adaptation in force (core/hostfix.h) */
	int hw_bp_fire; /* hardware breakpoints stop ring-0 code here (the host layer's probe) */

	struct vm_private_mem private_mem[VM_MAX_PRIVATE];
	int nr_private;
	/* What joined the VM to adapt or observe it (feature.h), in the order they did. */
	struct vm_feature {
		const struct vm_feature_ops *ops;
		void *priv;
	} feat[VM_MAX_FEATURES];
	int nr_feat;
	uint32_t
		features; /* CPUID_VMSCOPE_F_*: what vmscope emulates for the guest (abi/cpuid.h) */

	struct trace_session *trace; /* NULL: tracing off (trace/trace.h, vm__trace_start) */
	struct kvm_stats_reader *trace_stats; /* per vCPU, while tracing (core/kvmstats.h) */

	ucall_fn on_ucall;
	void *ucall_opaque;

	/* Called in each vCPU thread before its first KVM_RUN (the kernel probes map tids). */
	void (*on_vcpu_thread)(struct vcpu *v, void *opaque);
	void *vcpu_thread_opaque;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stopping; /* set once; read by vCPU threads */
	int pausing;
	int nr_paused;
	int nr_running; /* vCPU threads not yet returned */
	struct vm_work *work; /* asked of a parked vCPU (vm__run_on) */
	int exit_status;
	char stop_reason[256];
	int failed; /* stopped by an error, not by the guest */
};

/* Create the VM: memory, irqchip/PIT, devices, vCPUs (not started).  0 or -errno. */
int vm__create(struct vm *vm, const struct vm_opts *opts);
void vm__destroy(struct vm *vm);

/*
 * KVM's dirty log of guest RAM (migration): on or off for every slot; the pages the guest
 * wrote since the last call (or since it was turned on) ORed into bitmap, one bit per 4 KiB
 * page of mem.host, and forgotten by KVM.  0 or -errno with a message.
 */
int vm__dirty_log(struct vm *vm, int on);
int vm__dirty_pages(struct vm *vm, uint64_t *bitmap);

/* Install the MSR filter for the MSR hooks (call after registering them). */
int vm__apply_msr_filter(struct vm *vm);

struct boot_params;

/*
 * Put every vCPU at p->entry in p's mode (building GDT and page tables if asked): vCPU N gets
 * RDI = N, RSI = the vCPU count and a stack 16 KiB * N below p->stack.
 */
int vm__boot(struct vm *vm, const struct boot_params *p);

int vm__start(struct vm *vm);

/*
 * Wait until the VM stops or timeout_ms passes (< 0: forever).  Returns 0 when stopped and
 * -ETIMEDOUT on timeout (the VM is then still running).
 */
int vm__wait(struct vm *vm, int timeout_ms);

/* First caller wins: record status and reason, and kick every vCPU out of the guest. */
void vm__request_stop(struct vm *vm, int status, int failed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Stop every vCPU at its next exit and wait until all are parked; resume lets them go. */
int vm__pause(struct vm *vm);
int vm__resume(struct vm *vm);

/*
 * Work for one vCPU of a paused VM, run in that vCPU's own thread (where its KVM_RUN
 * belongs): it may run the vCPU (vcpu__run_once) and must return soon after *cancel is set
 * (vm__run_on's deadline passed, or the VM is stopping; the vCPU is kicked out of the guest).
 * Its result: 0 or -errno with a message.
 */
typedef int (*vm_work_fn)(struct vcpu *v, void *opaque, const int *cancel);

struct vm_work {
	int vcpu;
	vm_work_fn fn;
	void *opaque;
	int cancel, started, done, ret;
	char msg[512]; /* fn's message when ret < 0 */
};

/*
 * Run fn on vCPU vcpu of the paused VM and wait for it; past timeout_ms it is cancelled.
 * fn's result, -ETIMEDOUT if it was cancelled and returned 0, or -errno with a message.
 */
int vm__run_on(struct vm *vm, int vcpu, vm_work_fn fn, void *opaque, int timeout_ms);

/* For the vCPU loop: its thread ends after the action it returned (EXIT_STOP, EXIT_VCPU_DONE). */
void vm__vcpu_done(struct vm *vm, struct vcpu *v, int action);

/*
 * Give the guest size bytes of VMM-owned memory at gpa (outside RAM: the MMIO hole), read-only
 * to it when readonly; *hva is the VMM's mapping, zeroed.  For code and data the VMM places
 * in the guest (gears/).  0 or -errno with a message.
 */
int vm__add_private_mem(struct vm *vm, uint64_t gpa, uint64_t size, int readonly, void **hva);

/* The VMM's pointer to [gpa, gpa + len) of a private range, or NULL. */
void *vm__private_hva(const struct vm *vm, uint64_t gpa, uint64_t len);

/*
 * Trace vm (created, vCPUs not yet started) to a new session made from o (its nr_vcpus and
 * tick are set here): each vCPU's ring attached (vcpu->trace), KVM's statistics at every
 * tick.  0 or -errno with a message; *out is the session.
 */
int vm__trace_start(struct vm *vm, const struct trace_opts *o, struct trace_session **out);

/*
 * After the vCPUs have stopped: detach the rings and complete the trace (trace__stop's
 * result).  The session stays allocated until trace__free().  0 when vm is not traced.
 */
int vm__trace_stop(struct vm *vm);

/*
 * For the vCPU loop: park v here while a pause is requested, running any work asked of it
 * (vm__run_on); returns 1 if the VM is stopping.
 */
int vm__park(struct vm *vm, struct vcpu *v);

#endif
