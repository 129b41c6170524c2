/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host adaptation: on hosts whose KVM emulates guest ring 0 (PVM), complete the transitions
 * KVM gets wrong so the guest sees a faithful x86 CPU (docs/hosts.md).
 *
 * vmscope watches the guest's own IDT and keeps hardware execute breakpoints on the first
 * instruction of its #PF and #UD handlers (ring 0, where breakpoints fire on such hosts):
 *  - a ring-3 SYSCALL faults fetching the supervisor-only LSTAR page; at the #PF breakpoint
 *    vmscope recognises it and performs the SYSCALL transition itself;
 *  - `int n` from ring 3 raises #UD; at the #UD breakpoint vmscope delivers vector n through
 *    the guest IDT (gate DPL checked, #GP otherwise); `int n` at ring 0 arrives as an
 *    emulation failure and is delivered the same way;
 *  - every other exception reaching an armed handler is passed through untouched.
 * On VMX/SVM hosts nothing is installed and nothing costs anything.
 */
#ifndef VMSCOPE_HOSTFIX_H
#define VMSCOPE_HOSTFIX_H

#include <stdint.h>

struct vm;
struct vcpu;

/* Fixups, as bits. */
#define HOSTFIX_SYSCALL (1u << 0) /* SYSCALL from ring 3 */
#define HOSTFIX_INTN (1u << 1) /* int n / int3 from ring 3 and ring 0 */
#define HOSTFIX_EMULATE (1u << 2) /* instructions KVM's emulator refuses at ring 0 */
#define HOSTFIX_STEP3 (1u << 3) /* single-step and RIP breakpoints at ring 3 */
#define HOSTFIX_STEP0 (1u << 4) /* single-step at ring 0: REP iterations, SWAPGS */
#define HOSTFIX_LAST HOSTFIX_STEP0
#define HOSTFIX_ALL                                                                                \
	(HOSTFIX_SYSCALL | HOSTFIX_INTN | HOSTFIX_EMULATE | HOSTFIX_STEP3 | HOSTFIX_STEP0)

/* Debug-register slots the fixups use; the step engine owns HOSTFIX_DR_DB. */
#define HOSTFIX_DR_PF 0
#define HOSTFIX_DR_UD 1
#define HOSTFIX_DR_DB 2
#define HOSTFIX_DR_FREE 3

/*
 * Install the given fixups on every vCPU of vm (before vm__start; HOSTFIX_AUTO is resolved by
 * the host layer, host.h's host__setup).  0 or -errno.
 */
int hostfix__install(struct vm *vm, unsigned int fixups);

/* Fixups installed on vm (0 when none). */
unsigned int hostfix__active(const struct vm *vm);

/* Name of one fixup bit ("syscall", "int-n", ...). */
const char *hostfix__name(unsigned int bit);

/*
 * An observer of the ring-3 SYSCALLs the syscall fixup completes: called on the vCPU's thread
 * with the state the guest kernel's entry will start in (RIP = LSTAR, CPL 0, RCX the return
 * address, RSP still the user stack), which it may change.  System-call capture uses it on
 * hosts where every such SYSCALL already costs this one exit.
 */
struct kvm_regs;
struct kvm_sregs;
typedef void hostfix_syscall_fn(struct vcpu *v, void *opaque, struct kvm_regs *r,
				const struct kvm_sregs *s);
/* Set (fn) or clear (NULL) the observer on every vCPU; -EOPNOTSUPP without the fixup. */
int hostfix__observe_syscalls(struct vm *vm, hostfix_syscall_fn *fn, void *opaque);

#define HOSTFIX_AUTO (~0u) /* --fixups auto: what the host self-test says (host__setup) */

/* Parse --fixups: "auto", "none", "all" or a comma list of names.  0 or -EINVAL. */
int hostfix__parse(const char *s, unsigned int *fixups);

/*
 * Deliver vector through the guest IDT as the CPU would for an interrupt or exception taken
 * in the state (rip = return address, cs, rflags, rsp, ss) at privilege cpl.  soft: a
 * software interrupt (int n: gate DPL checked against cpl).  0, or -errno when the IDT or
 * TSS cannot be read (the caller stops the VM).  Used by the fixups and by RTME.
 */
struct hostfix_ctx {
	uint64_t rip, cs, rflags, rsp, ss;
	int cpl;
	int insn_len; /* soft: length of the int instruction (a #GP frame points at it) */
};
int hostfix__deliver(struct vcpu *v, int vector, int soft, int has_err, uint32_t err,
		     const struct hostfix_ctx *ctx);

/*
 * The debug-register set vmscope wants on this vCPU now (fixup breakpoints plus the step
 * engine's), pushed to KVM when it changed.  extra_flags are KVM_GUESTDBG_* bits to add
 * (single-step).  Used by the step engine.
 */
int hostfix__sync_debug(struct vcpu *v);
/*
 * The step engine's part of that set: a breakpoint on the guest's #DB handler (db_bp), KVM
 * single-step (with interrupts blocked: blockirq), and a breakpoint at extra_bp (0: none) in
 * the free slot; one push to KVM.
 */
int hostfix__set_step_debug(struct vcpu *v, int db_bp, int singlestep, int blockirq,
			    uint64_t extra_bp);
uint64_t hostfix__handler(struct vcpu *v, int vector);

/*
 * KVM re-arms single-step only from KVM_SET_GUEST_DEBUG at the vCPU's RIP: after the step
 * engine moved the vCPU, the debug state goes to KVM again at the next sync even if unchanged.
 */
void hostfix__repush(struct vcpu *v);

/*
 * The step engine's callback, on the vCPU's thread, after a fixup moved the vCPU into ring 0:
 * kind is HOSTFIX_T_SYSCALL (the flags are in R11) or HOSTFIX_T_INTN (in the frame at RSP).
 */
#define HOSTFIX_T_SYSCALL 0
#define HOSTFIX_T_INTN 1
typedef void hostfix_transition_fn(struct vcpu *v, int kind);
void hostfix__on_transition(struct vm *vm, hostfix_transition_fn *fn);

/* A flat 64-bit code (code 1) or data segment for selector sel, its DPL from sel's RPL. */
struct kvm_segment;
void hostfix__flat_seg(struct kvm_segment *seg, uint16_t sel, int code);

#endif
