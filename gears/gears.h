/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GEARS: selective system-call capture and code injection in an unmodified guest
 * (docs/gears.md).  vmscope learns the guest's system-call entry (LSTAR) from its MSR writes,
 * points the CPU at an injected stub while every guest read of LSTAR still returns the
 * guest's value, and sees only the calls it selected (filter mode) or every call once (trap
 * mode: the stub, or a hardware breakpoint on the entry where the host delivers them).  On
 * hosts where vmscope completes every ring-3 SYSCALL itself, capture rides on that exit and
 * adds none.  A selected call's return comes back through a trampoline mapped into its
 * process.
 * Events: syscall_entry, syscall_exit (trace/events.def).
 */
#ifndef VMSCOPE_GEARS_H
#define VMSCOPE_GEARS_H

#include <stddef.h>
#include <stdint.h>

struct vm;

enum gears_mode {
	GEARS_FILTER = 1, /* the stub exits only for selected calls */
	GEARS_TRAP = 2, /* every call exits once; vmscope selects */
};

/* How the calls reach vmscope (decided by gears__setup from the mode and the host). */
enum gears_mech {
	GEARS_MECH_STUB = 1, /* the injected entry stub's port write */
	GEARS_MECH_BREAKPOINT, /* trap mode: a hardware breakpoint on the guest's own entry */
	GEARS_MECH_COMPLETION, /* the host's SYSCALL completion exit (hostfix.h) */
};

struct gears_opts {
	const char *syscalls; /* the selection (syscalls.h: syscall_set__parse) */
	enum gears_mode mode;
};

struct gears_stats {
	uint64_t
		completed; /* SYSCALLs vmscope's host fixup completed (their exits are the host's) */
	uint64_t entry_exits; /* exits made by capture at the entry (stub or breakpoint) */
	uint64_t unselected_exits; /* ... of which for calls not selected (trap mode) */
	uint64_t entries; /* selected calls recorded */
	uint64_t returns; /* their returns recorded */
	uint64_t untracked; /* selected calls whose return is not followed (fork, execve ...) */
	uint64_t no_room; /* ... or could not be: no room for a pending return or a mapping */
	uint64_t pending; /* calls still in the guest kernel */
};

/* "filter" or "trap"; -EINVAL with a message otherwise. */
int gears__parse_mode(const char *s, enum gears_mode *mode);
const char *gears__mode_name(enum gears_mode mode);
/* The mode and mechanism in force, e.g. "filter (entry stub)"; "" when not capturing. */
const char *gears__mechanism(struct vm *vm);

/*
 * Arm capture on vm (created, vCPUs not started): the selection, the region of VMM-owned
 * pages, the hooks on LSTAR (and CSTAR, SYSENTER_EIP) and the stub's port, the trampoline's
 * doorbell.  The stub goes in when the guest writes LSTAR.  0 or -errno with a message.
 */
int gears__setup(struct vm *vm, const struct gears_opts *o);

/* Change the selection while the guest runs (any thread); every vCPU sees it at once. */
int gears__select(struct vm *vm, const char *add, const char *remove);

/* 1 when system-call capture is armed in vm. */
int gears__capturing(struct vm *vm);

/* The selection as a list of names (buf), for messages and the trace metadata. */
void gears__selection(struct vm *vm, char *buf, unsigned long size);

/*
 * End capture (the VM paused or stopped): LSTAR back to the guest's value on every vCPU,
 * the mappings removed once no call is still inside the kernel (returns still come back).
 * 0, or -errno with a message.
 */
int gears__remove(struct vm *vm);

/*
 * A call into the guest: position-independent x86-64 code, run on a paused vCPU in the
 * kernel half of an address space at CPL 0, interrupts off, as a System V function
 *   uint64_t fn(uint64_t arg, void *data, uint64_t data_size)
 * whose data area (GEARS_DATA_SIZE bytes, writable) and stack are the VMM's.  User pages of
 * the address space are reachable (RFLAGS.AC is set for SMAP).
 */
struct gears_call {
	const void *code;
	size_t len;
	uint64_t entry; /* the function's offset in code */
	uint64_t arg; /* RDI */
	uint64_t cr3; /* the address space; 0: the vCPU's own when paused */
	const char *program; /* or the one process running this program (a kernel vmscope has
			      * a profile of: abi/kprofile.h); NULL: cr3 decides */
	int vcpu;
	int timeout_ms; /* <= 0: 1000 */
};

struct gears_call_result {
	uint64_t value; /* RAX at the return */
	int vector; /* -1: returned; else the exception it took */
	uint64_t fault_rip, fault_addr, error_code; /* the exception's (fault_addr: #PF's CR2) */
	uint64_t cr3; /* the address space it ran in */
	int32_t pid; /* the process of --program; -1 otherwise */
	uint64_t ns; /* from save to restore of the vCPU's context */
	uint64_t exits; /* VM exits while it ran */
};

/*
 * Run c (the VM running or paused; paused again for the call, resumed after if it ran):
 * the region mapped if it is not, the code placed and run, the vCPU's context restored and
 * every trace of the call removed.  0 when the code returned; -EFAULT when it took an
 * exception (r says which), -ETIMEDOUT when it ran past its deadline, or -errno; each with
 * a message.
 */
int gears__call(struct vm *vm, const struct gears_call *c, struct gears_call_result *r);

void gears__stats(struct vm *vm, struct gears_stats *st);

/*
 * The process running on v now (v's thread, at an exit), by vmscope's profile of the guest
 * kernel (abi/kprofile.h: the built-in kernel): its pid and program name.  -ENOENT when the
 * kernel is not one vmscope has a profile of, or the process is not known.
 */
struct vcpu;
int gears__current_process(struct vcpu *v, int32_t *pid, char *name, size_t size);
void gears__free(struct vm *vm);

/*
 * GEARS as a feature of the VM (core/feature.h): a checkpoint or a migration saves its state
 * and the restore continues the capture where it was, the calls then in the guest kernel
 * included.  The program lists it with feature__known() before it restores.
 */
struct vm_feature_ops;
const struct vm_feature_ops *gears__ops(void);

#endif
