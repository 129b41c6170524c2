/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The built-in guest kernel's profile: where vmscope finds its processes without its help
 * (gears/profile.c), as a memory-forensics profile does for other kernels.  The kernel checks
 * every value at compile time (guests/kernel/kernel.h), so the two cannot drift apart.
 */
#ifndef VMSCOPE_ABI_KPROFILE_H
#define VMSCOPE_ABI_KPROFILE_H

#define KPROF_TASKS_SYMBOL "tasks" /* struct task tasks[KPROF_MAX_TASKS] */
#define KPROF_MAX_TASKS 64
#define KPROF_TASK_SIZE 768
#define KPROF_TASK_STATE 8 /* enum task_state, 4 bytes */
#define KPROF_TASK_PID 12 /* int */
#define KPROF_TASK_MM 32 /* struct mm *: NULL for a kernel task */
#define KPROF_TASK_NAME 84 /* char[KPROF_NAME_LEN], NUL-terminated */
#define KPROF_NAME_LEN 16
#define KPROF_MM_PML4 0 /* uint64_t: the address space's CR3 */
#define KPROF_CPU_CURRENT 24 /* struct cpu (KERNEL_GS_BASE in user mode): the running task */

#define KPROF_T_UNUSED 0 /* task states */
#define KPROF_T_ZOMBIE 4

#endif
