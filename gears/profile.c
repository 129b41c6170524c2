// SPDX-License-Identifier: GPL-2.0
/*
 * Processes of a guest kernel vmscope has a profile of (abi/kprofile.h: the built-in kernel):
 * which process a system call comes from, and which address space runs a program.  Every
 * read goes through the guest's page tables into guest RAM and is checked; a guest whose
 * tables hold nonsense yields "unknown", never a read outside guest memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../abi/kprofile.h"
#include "../core/paging.h"
#include "../core/vcpu.h"
#include "../lib/err.h"
#include "gears_int.h"

#define MSR_KERNEL_GS_BASE 0xc0000102

struct kproc {
	int32_t pid;
	uint32_t state;
	uint64_t cr3; /* 0: a kernel task */
	char name[KPROF_NAME_LEN + 1];
};

static int rd(struct vm *vm, uint64_t cr3, uint64_t gva, void *buf, size_t len)
{
	return paging__read_virt(&vm->mem, cr3, gva, buf, len) ? -EFAULT : 0;
}

/* Task slot i of the table (read through address space cr3). */
static int read_task(struct vm *vm, uint64_t cr3, uint64_t task, struct kproc *p)
{
	uint64_t mm = 0;

	memset(p, 0, sizeof(*p));
	if (rd(vm, cr3, task + KPROF_TASK_STATE, &p->state, 4) ||
	    rd(vm, cr3, task + KPROF_TASK_PID, &p->pid, 4) ||
	    rd(vm, cr3, task + KPROF_TASK_MM, &mm, 8) ||
	    rd(vm, cr3, task + KPROF_TASK_NAME, p->name, KPROF_NAME_LEN))
		return -EFAULT;
	if (mm && rd(vm, cr3, mm + KPROF_MM_PML4, &p->cr3, 8))
		return -EFAULT;
	p->cr3 &= PTE_ADDR_MASK;
	return 0;
}

/* Is task the address of a slot of the table? */
static int is_slot(const struct vm *vm, uint64_t task)
{
	uint64_t off = task - vm->kernel_tasks;

	return task >= vm->kernel_tasks && off < KPROF_MAX_TASKS * KPROF_TASK_SIZE &&
	       !(off % KPROF_TASK_SIZE);
}

/* The task a per-CPU area says runs, if it is a live slot whose address space is cr3. */
static int task_of_cpu(struct vm *vm, uint64_t cr3, uint64_t cpu, struct kproc *p)
{
	uint64_t task = 0;

	if (!cpu || rd(vm, cr3, cpu + KPROF_CPU_CURRENT, &task, 8) || !is_slot(vm, task) ||
	    read_task(vm, cr3, task, p) || p->cr3 != (cr3 & PTE_ADDR_MASK))
		return -ENOENT;
	return 0;
}

int profile__current(struct vcpu *v, uint64_t cr3, int32_t *pid)
{
	uint64_t cpu = 0;
	struct kproc p;

	*pid = -1;
	if (!v->vm->kernel_tasks || vcpu__get_msr(v, MSR_KERNEL_GS_BASE, &cpu) ||
	    task_of_cpu(v->vm, cr3, cpu, &p))
		return -ENOENT;
	*pid = p.pid;
	return 0;
}

int gears__current_process(struct vcpu *v, int32_t *pid, char *name, size_t size)
{
	uint64_t kgs = 0, cr3;
	struct kvm_sregs s;
	struct kproc p;

	if (!v->vm->kernel_tasks || vcpu__get_sregs(v, &s))
		return -ENOENT;
	cr3 = s.cr3 & PTE_ADDR_MASK;
	/* The per-CPU area is GS's base in the kernel, KERNEL_GS_BASE's in user mode. */
	if (task_of_cpu(v->vm, cr3, s.gs.base, &p) &&
	    (vcpu__get_msr(v, MSR_KERNEL_GS_BASE, &kgs) || task_of_cpu(v->vm, cr3, kgs, &p)))
		return -ENOENT;
	*pid = p.pid;
	snprintf(name, size, "%s", p.name);
	return 0;
}

/* "name (pid N, cr3 0x...)" of every live process, for messages. */
static void list_procs(struct vm *vm, uint64_t cr3, char *buf, size_t size)
{
	size_t n = 0;
	struct kproc p;
	int i;

	buf[0] = '\0';
	for (i = 0; i < KPROF_MAX_TASKS && n < size; i++) {
		if (read_task(vm, cr3, vm->kernel_tasks + (uint64_t)i * KPROF_TASK_SIZE, &p) ||
		    p.state == KPROF_T_UNUSED || p.state == KPROF_T_ZOMBIE || !p.cr3)
			continue;
		n += snprintf(buf + n, size - n, "%s%s (pid %d, cr3 0x%" PRIx64 ")", n ? ", " : "",
			      p.name, p.pid, p.cr3);
	}
}

int profile__find_program(struct vm *vm, uint64_t walk_cr3, const char *name, uint64_t *cr3,
			  int32_t *pid)
{
	char others[1024];
	struct kproc p;
	int i, found = 0;

	if (!vm->kernel_tasks)
		return err__set(EOPNOTSUPP,
				"program '%s': vmscope knows the processes of its built-in kernel "
				"only; name the address space with --cr3",
				name);
	for (i = 0; i < KPROF_MAX_TASKS; i++) {
		if (read_task(vm, walk_cr3, vm->kernel_tasks + (uint64_t)i * KPROF_TASK_SIZE, &p))
			return err__set(EFAULT, "cannot read the guest's task table at 0x%" PRIx64,
					vm->kernel_tasks);
		if (p.state == KPROF_T_UNUSED || p.state == KPROF_T_ZOMBIE || !p.cr3 ||
		    strcmp(p.name, name))
			continue;
		if (found && p.cr3 != *cr3) {
			list_procs(vm, walk_cr3, others, sizeof(others));
			return err__set(EINVAL,
					"program '%s' runs in more than one address space (%s); "
					"choose one with --cr3",
					name, others);
		}
		*cr3 = p.cr3;
		*pid = p.pid;
		found = 1;
	}
	if (found)
		return 0;
	list_procs(vm, walk_cr3, others, sizeof(others));
	return err__set(ENOENT, "no process runs program '%s' (running: %s)", name,
			*others ? others : "none");
}
