// SPDX-License-Identifier: GPL-2.0
/*
 * Processes: the init process, fork (private pages copied, shared and program pages shared),
 * vfork (the child borrows the parent's address space until it execs or exits), execve of
 * the built-in programs, exit and wait4, and killing a process that faulted.  A process's
 * exit status is kept in Linux's wait-status encoding.
 */
#include "kernel.h"

#define MAX_ARGS 64

static struct task *init_task;

static const char *basename(const char *path)
{
	const char *b = path;

	for (; *path; path++)
		if (*path == '/' && path[1])
			b = path + 1;
	return b;
}

/* A fresh ring-3 register frame at entry with stack sp; the first run goes through IRETQ. */
static void frame_reset(struct trapframe *tf, uint64_t entry, uint64_t sp)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = 0x202;
	tf->vector = VEC_SYSCALL_FRAME;
}

/* Arrange for t's first switch_to to return into task_first_entry with t->tf on top. */
static void task_prepare_entry(struct task *t)
{
	uint64_t *sp = (uint64_t *)t->tf;
	int i;

	*--sp = (uint64_t)task_first_entry;
	for (i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (uint64_t)sp;
}

/* A clean x87/SSE state: FCW 0x37f, MXCSR 0x1f80, as after FNINIT and reset. */
static void fpu_init_state(struct task *t)
{
	memset(t->fpu, 0, sizeof(t->fpu));
	*(uint16_t *)&t->fpu[0] = 0x37f;
	*(uint32_t *)&t->fpu[24] = 0x1f80;
}

/* Replace t's address space with the program at ip; args are already in kernel memory. */
static int exec_into(struct task *t, struct inode *ip, const char *path, const struct exec_args *a)
{
	const uint8_t *img;
	uint64_t size, entry, sp;
	struct mm *mm, *old = t->mm;
	int err;

	if (fs_program(ip, &img, &size))
		return -EACCES;
	mm = exec_image(img, size, a, &entry, &sp, &err);
	if (!mm)
		return err;
	t->mm = mm;
	if (t == current()) {
		this_cpu()->cr3 = mm->pml4;
		write_cr3(mm->pml4);
	}
	mm_put(old);
	frame_reset(t->tf, entry, sp);
	fpu_init_state(t);
	if (t == current())
		__asm__ volatile("fxrstor %0" : : "m"(t->fpu));
	strncpy0(t->name, basename(path), sizeof(t->name));
	files_close_cloexec(t);
	return 0;
}

void proc_start_init(void)
{
	static struct exec_args args = { .argc = 1, .len = 5, .buf = "init" };
	struct task *t = task_alloc();
	struct inode *ip = fs_lookup_path(fs_root, "/bin/init");

	if (!t || !ip)
		panic("cannot start /bin/init");
	t->cwd = fs_root;
	fs_get(fs_root);
	files_init_console(t);
	if (exec_into(t, ip, "/bin/init", &args))
		panic("cannot load /bin/init");
	init_task = t;
	task_prepare_entry(t);
	sched_make_runnable(t);
}

static struct task *task_clone(struct mm *mm)
{
	struct task *parent = current(), *child = task_alloc();

	if (!child)
		return NULL;
	child->mm = mm;
	child->parent = parent;
	*child->tf = *parent->tf;
	child->tf->rax = 0;
	child->cwd = parent->cwd;
	fs_get(child->cwd);
	files_fork(child, parent);
	__asm__ volatile("fxsave %0" : "=m"(parent->fpu));
	memcpy(child->fpu, parent->fpu, sizeof(child->fpu));
	memcpy(child->name, parent->name, sizeof(child->name));
	task_prepare_entry(child);
	return child;
}

int64_t sys_fork(void)
{
	struct mm *mm = mm_fork(current()->mm);
	struct task *child;

	write_cr3(this_cpu()->cr3); /* our private pages just became read-only */
	if (!mm)
		return -ENOMEM;
	child = task_clone(mm);
	if (!child) {
		mm_put(mm);
		return -EAGAIN;
	}
	sched_make_runnable(child);
	return child->pid;
}

int64_t sys_vfork(void)
{
	struct mm *mm = current()->mm;
	struct task *child = task_clone(mm);

	if (!child)
		return -EAGAIN;
	mm->users++;
	child->vfork_parent = 1;
	sched_make_runnable(child);
	while (child->vfork_parent)
		sleep_on(child);
	return child->pid;
}

/* Copy a NULL-terminated user vector of strings into a; -E2BIG when it does not fit. */
static int copy_strings(struct exec_args *a, uint64_t uvec, int *count)
{
	int i;

	for (i = 0; uvec; i++) {
		uint64_t p;
		int64_t n;

		if (i == MAX_ARGS)
			return -E2BIG;
		if (copy_from_user(&p, uvec + i * 8, 8))
			return -EFAULT;
		if (!p)
			break;
		n = strncpy_from_user(a->buf + a->len, p, sizeof(a->buf) - a->len);
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : n;
		a->len += n + 1;
	}
	*count = i;
	return 0;
}

int64_t sys_execve(uint64_t upath, uint64_t argv, uint64_t envp)
{
	struct exec_args *a = page_alloc();
	struct task *t = current();
	char path[256];
	struct inode *ip;
	int64_t ret;

	if (!a)
		return -ENOMEM;
	a->len = 0;
	ret = strncpy_from_user(path, upath, sizeof(path));
	if (ret >= 0)
		ret = copy_strings(a, argv, &a->argc);
	if (!ret)
		ret = copy_strings(a, envp, &a->envc);
	if (!ret && a->len + (a->argc + a->envc + 10) * 8 + 16 > PAGE_SIZE)
		ret = -E2BIG;
	ip = ret ? NULL : fs_lookup_path(t->cwd, path);
	if (!ret && !ip)
		ret = -ENOENT;
	if (!ret)
		ret = exec_into(t, ip, path, a);
	page_put((uint64_t)a);
	if (!ret && t->vfork_parent) {
		t->vfork_parent = 0;
		wakeup(t);
	}
	return ret;
}

/* Status as a shell shows it: the exit code, or 128 + the signal that killed. */
static int shell_status(int wstatus)
{
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

static void do_exit(int wstatus)
{
	struct task *t = current();
	int i;

	if (t == init_task) {
		kprintf("kernel: init exited with status %d; shutting down\n",
			shell_status(wstatus));
		shutdown(shell_status(wstatus));
	}
	files_close_all(t);
	fs_put(t->cwd);
	this_cpu()->cr3 = kernel_pml4;
	write_cr3(kernel_pml4);
	mm_put(t->mm);
	t->mm = NULL;
	for (i = 0; i < MAX_TASKS; i++)
		if (tasks[i].state != T_UNUSED && tasks[i].parent == t)
			tasks[i].parent = init_task;
	wakeup(init_task);
	t->exit_status = wstatus;
	t->state = T_ZOMBIE;
	if (t->vfork_parent) {
		t->vfork_parent = 0;
		wakeup(t);
	}
	if (t->parent)
		wakeup(t->parent);
	schedule();
	panic("a zombie ran");
}

int64_t sys_exit(uint64_t code)
{
	do_exit(W_EXITCODE(code));
	return 0;
}

int64_t sys_exit_group(uint64_t code)
{
	return sys_exit(code);
}

void proc_kill(int signo)
{
	do_exit(signo & 0x7f);
	for (;;)
		;
}

/* Reap a zombie child matching pid (-1: any).  Its pid, 0 if none yet, -ECHILD if none. */
static int64_t reap(struct task *self, int64_t pid, int *wstatus)
{
	int i, have = 0;

	for (i = 0; i < MAX_TASKS; i++) {
		struct task *c = &tasks[i];

		if (c->state == T_UNUSED || c->parent != self || (pid > 0 && c->pid != pid))
			continue;
		have = 1;
		if (c->state == T_ZOMBIE) {
			*wstatus = c->exit_status;
			task_free(c);
			return c->pid;
		}
	}
	return have ? 0 : -ECHILD;
}

int64_t sys_wait4(uint64_t pid, uint64_t ustatus, uint64_t options, uint64_t rusage)
{
	static const uint8_t zero_rusage[144];
	struct task *self = current();
	int wstatus = 0;
	int64_t ret;

	while (!(ret = reap(self, (int64_t)pid, &wstatus)) && !(options & WNOHANG))
		sleep_on(self);
	if (ret > 0 && ustatus && copy_to_user(ustatus, &wstatus, sizeof(wstatus)))
		return -EFAULT;
	if (ret > 0 && rusage && copy_to_user(rusage, zero_rusage, sizeof(zero_rusage)))
		return -EFAULT;
	return ret;
}
