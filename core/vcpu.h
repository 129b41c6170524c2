/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: its fd, its kvm_run page, its thread and its exit statistics.  The run loop only
 * calls KVM_RUN and exit__dispatch(); pausing and stopping go through immediate_exit and a
 * signal so that a vCPU spinning in the guest comes back promptly.
 */
#ifndef VMSCOPE_VCPU_H
#define VMSCOPE_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>

#include "exit.h"
#include "feature.h"

struct vm;
struct trace_ring;
struct decoder;

#define VCPU_MAX_MSRS 256

/* Everything KVM keeps for a vCPU, in one place (checkpoint, migration, debugging). */
struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_mp_state mp_state;
	uint32_t nr_msrs;
	struct kvm_msr_entry msrs[VCPU_MAX_MSRS];
	uint32_t xsave_size; /* bytes used in xsave */
	uint8_t xsave[16384] __attribute__((aligned(64)));
};

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	int sync_regs; /* KVM supports kvm_run sync regs */
	int sync_valid; /* the sync area holds this exit's REGS and SREGS (vCPU thread only) */
	pthread_t thread;
	int thread_started;
	int tid; /* the vCPU thread's kernel thread id (gettid), once it has started */
	struct exit_stats stats;
	struct trace_ring *trace; /* this vCPU's trace ring (trace/trace.h); NULL: tracing off */
	uint64_t trace_t_entry; /* trace clock at KVM_RUN entry and return (tracing on) */
	uint64_t trace_t_exit;
	void *feat_priv[VM_MAX_FEATURES]; /* each feature's own data (feature.h) */
	struct decoder *decoder; /* its x86 decoder (decoder.h), opened at first use */
	uint64_t state_gen; /* bumped by vcpu__restore: caches of vCPU state are stale */
	uint64_t loaded_gen; /* state_gen the "loaded" hooks were last told of */
	int gone; /* its thread has ended (vm->lock) */
	/* Guest debug: the last vcpu__set_debug request, and the standing breakpoints. */
	uint32_t dbg_flags;
	/* KVM_GUESTDBG_* added to each request that debugs (RTME: BLOCKIRQ while stepped) */
	uint32_t dbg_extra;
	uint64_t dbg_addr[4];
	uint64_t standing_bp[4];
};

int vcpu__init(struct vcpu *v, struct vm *vm, int id);
void vcpu__exit(struct vcpu *v);

/* One KVM_RUN and its dispatch, in the calling thread.  EXIT_RESUME, EXIT_STOP or -errno. */
int vcpu__run_once(struct vcpu *v);

/* Start the vCPU thread, which loops on vcpu__run_once() until the VM stops. */
int vcpu__start(struct vcpu *v);
void vcpu__join(struct vcpu *v);

/* Make KVM_RUN return now (or at its next entry): used by pause and stop. */
void vcpu__kick(struct vcpu *v);

/*
 * Registers of a vCPU stopped at an exit.  In the vCPU's own thread they come from the kvm_run
 * sync area; vcpu__put_regs() marks them dirty so KVM_RUN loads them.  Elsewhere (the vCPU
 * paused) they go through the ioctls.
 */
int vcpu__get_regs(struct vcpu *v, struct kvm_regs *regs);
/* Write back registers changed in the sync area and stop using it until the next exit. */
int vcpu__flush_sync(struct vcpu *v);
int vcpu__set_regs(struct vcpu *v, const struct kvm_regs *regs);
int vcpu__get_sregs(struct vcpu *v, struct kvm_sregs *sregs);
int vcpu__set_sregs(struct vcpu *v, const struct kvm_sregs *sregs);

/*
 * KVM_SET_GUEST_DEBUG: flags are KVM_GUESTDBG_* (ENABLE is added when any is set); addr holds
 * up to four hardware breakpoint addresses used when KVM_GUESTDBG_USE_HW_BP is set, each an
 * execute breakpoint (address 0: slot unused).  flags 0 turns debugging off.  Exits arrive at
 * the debug hooks.  Registers changed in the sync area are written to KVM first, since KVM
 * starts single-stepping from the RIP and RFLAGS it holds at this call.
 */
int vcpu__set_debug(struct vcpu *v, uint32_t flags, const uint64_t *addr, int nr_addr);

/*
 * A standing execute breakpoint in debug-register slot (VCPU_DR_STANDING): kept armed across
 * every vcpu__set_debug of the step engine and the host fixups, which leave that slot alone.
 * addr 0 removes it.  vCPU thread (or the vCPU paused).  0 or -errno with a message.
 */
#define VCPU_DR_STANDING 3
int vcpu__set_standing_bp(struct vcpu *v, uint64_t addr);

/*
 * MSRs through KVM_GET_MSRS/KVM_SET_MSRS (vCPU thread, or the vCPU paused): n of them, index[i]
 * to or from val[i].  0; -ENOENT when KVM refused one (a guest's RDMSR/WRMSR would take #GP);
 * -errno when the ioctl failed; with a message naming the MSR.
 */
#define VCPU_MSRS_MAX 8
int vcpu__get_msrs(struct vcpu *v, const uint32_t *index, uint64_t *val, int n);
int vcpu__set_msrs(struct vcpu *v, const uint32_t *index, const uint64_t *val, int n);
int vcpu__get_msr(struct vcpu *v, uint32_t index, uint64_t *val);
int vcpu__set_msr(struct vcpu *v, uint32_t index, uint64_t val);

/* KVM_SET_CPUID2 again (after vm->features changed; before the first KVM_RUN). */
int vcpu__set_cpuid(struct vcpu *v);

/* Whole state (vCPU paused or not yet started). */
int vcpu__save(struct vcpu *v, struct vcpu_state *st);
int vcpu__restore(struct vcpu *v, const struct vcpu_state *st);

/*
 * The part of the state that code run in the vCPU's context changes: registers, special and
 * debug registers, FPU/XSAVE, XCRs and pending events; not the LAPIC, MSRs or MP state (the
 * guest's timers and clock keep running).  For calls into the guest (gears/).
 */
int vcpu__save_context(struct vcpu *v, struct vcpu_state *st);
int vcpu__restore_context(struct vcpu *v, const struct vcpu_state *st);

/* Print a register dump (for triple faults and internal errors) to the given stream. */
void vcpu__dump(struct vcpu *v, void *stream);

#endif
