/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The step engine: "run this vCPU one instruction and give control back", at ring 0 and ring
 * 3, and "stop when RIP reaches X".  Used by debugging, MIME (memory references of chosen
 * code) and RTME (transactions).  Event-driven: the engine calls back from the vCPU's own
 * thread after each instruction, so exits the stepped instructions cause (I/O, MMIO) are
 * dispatched as usual in between.
 *
 * Mechanism: KVM single-step where it works (every ring on VMX/SVM; ring 0 on emulating
 * hosts).  KVM steps with RFLAGS.TF, which SYSCALL (through the guest's SFMASK) and interrupt
 * gates clear, so when the next ring-3 instruction is SYSCALL, int n or int3 the engine
 * performs it (as the CPU would) and reports the step at the ring-0 entry.  On emulating
 * hosts ring 3 is stepped with RFLAGS.TF and a breakpoint on the guest's #DB handler: the
 * CPU delivers #DB after each ring-3 instruction, vmscope catches it at the handler's first
 * instruction, reads the RIP from the frame, unwinds the frame so the guest never sees it,
 * and resumes.  Needs the guest to have an IDT with a #DB gate.
 */
#ifndef VMSCOPE_STEP_H
#define VMSCOPE_STEP_H

#include <stdint.h>

struct vcpu;

struct step_info {
	uint64_t rip; /* the next instruction to execute */
	int cpl; /* its privilege level */
	uint64_t count; /* instructions stepped so far (1 at the first call) */
	int via_guest_db; /* 1: taken through the guest's #DB (ring 3 on emulating hosts) */
};

/*
 * Return 1 to take another step, 0 to stop stepping.  A callback may instead arm the engine
 * anew (step__start, step__break_at on an address other than the current one); that stands.
 */
typedef int (*step_fn)(struct vcpu *v, void *opaque, const struct step_info *si);

/* Install the engine's hooks on vm (after hostfix__install when that is used). */
struct vm;
int step__install(struct vm *vm);

/*
 * Start stepping v: fn is called after every instruction until it returns 0 or step__stop().
 * Call before vm__start, while paused, or from a hook in v's own thread.
 */
int step__start(struct vcpu *v, step_fn fn, void *opaque);
int step__stop(struct vcpu *v);

/*
 * Call fn once when v is about to execute rip at privilege cpl (0 or 3, or -1 for either):
 * a hardware breakpoint at ring 0 and on VMX/SVM (one that stops at the other ring is stepped
 * over); where breakpoints do not fire (ring 3 on emulating hosts, every ring when the probe
 * in debug.h says so) the engine steps the vCPU, following it through the kernel, until it
 * gets there.  Either ring on an emulating host is the ring-0 breakpoint: ring 3 is reached
 * there only by stepping, which cpl 3 asks for.
 */
int step__break_at(struct vcpu *v, uint64_t rip, int cpl, step_fn fn, void *opaque);

/*
 * Where v stands after the exit in v->run, as the engine will report it: for a ring-3 step
 * taken through the guest's #DB (emulating hosts), the RIP and ring in the #DB frame, which
 * the engine unwinds when it dispatches the exit; otherwise v's registers.  For hooks that
 * run before the dispatch (a feature's after_run, feature.h).  0 or -EIO.
 */
int step__where(struct vcpu *v, uint64_t *rip, int *cpl);

#endif
