/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GEARS: selective system-call capture and code injection in an unmodified guest
 * (docs/gears.md).  vmscope learns the guest's system-call entry (LSTAR) from its MSR writes,
 * points the CPU at an injected stub while every guest read of LSTAR still returns the
 * guest's value, and sees only the calls it selected (filter mode) or every call once (trap
 * mode).  A selected call's return comes back through a trampoline mapped into its process.
 * Events: syscall_entry, syscall_exit (trace/events.def).
 */
#ifndef VMSCOPE_GEARS_H
#define VMSCOPE_GEARS_H

#include <stdint.h>

struct vm;

enum gears_mode {
	GEARS_FILTER = 1, /* the stub exits only for selected calls */
	GEARS_TRAP = 2, /* every call exits once; vmscope selects */
};

struct gears_opts {
	const char *syscalls; /* the selection (syscalls.h: syscall_set__parse) */
	enum gears_mode mode;
};

struct gears_stats {
	uint64_t entry_exits; /* exits at the entry stub */
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

/*
 * Arm capture on vm (created, vCPUs not started): the selection, the region of VMM-owned
 * pages, the hooks on LSTAR (and CSTAR, SYSENTER_EIP) and the stub's port, the trampoline's
 * doorbell.  The stub goes in when the guest writes LSTAR.  0 or -errno with a message.
 */
int gears__setup(struct vm *vm, const struct gears_opts *o);

/* Change the selection while the guest runs (any thread); every vCPU sees it at once. */
int gears__select(struct vm *vm, const char *add, const char *remove);

/* The selection as a list of names (buf), for messages and the trace metadata. */
void gears__selection(struct vm *vm, char *buf, unsigned long size);

/*
 * End capture (the VM paused or stopped): LSTAR back to the guest's value on every vCPU,
 * the mappings removed once no call is still inside the kernel (returns still come back).
 * 0, or -errno with a message.
 */
int gears__remove(struct vm *vm);

void gears__stats(struct vm *vm, struct gears_stats *st);
void gears__free(struct vm *vm);

#endif
