// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks and the scheduler: one run queue shared by every CPU, round robin, a task preempted
 * at each timer tick when another one is waiting.  The big kernel lock is held across a
 * context switch and released by the task that resumes (or by a new task's first run), so no
 * CPU can pick a task whose registers are still being saved.
 */
#include "kernel.h"

struct task tasks[MAX_TASKS];
static struct task idle_tasks[MAX_CPUS];
static uint8_t kstacks[MAX_TASKS][KSTACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile int klock_word;
static struct task *rq_head, *rq_tail;
static int next_pid = 1;
static uint64_t next_wake_ns = ~0ull;
static char sleep_chan; /* nanosleep sleepers wait on it */

static void spin_lock(volatile int *w)
{
	while (__atomic_exchange_n(w, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(*w))
			__asm__ volatile("pause");
}

void klock(void)
{
	struct cpu *c = this_cpu();

	if (c->klock_depth++ == 0)
		spin_lock(&klock_word);
}

void kunlock(void)
{
	struct cpu *c = this_cpu();

	if (--c->klock_depth == 0)
		__atomic_store_n(&klock_word, 0, __ATOMIC_RELEASE); /* pairs with spin_lock */
}

void sched_init_cpu(struct cpu *c)
{
	struct task *idle = &idle_tasks[c->id];

	idle->state = T_RUNNING;
	idle->last_cpu = c->id;
	strncpy0(idle->name, "idle", sizeof(idle->name));
	c->idle = idle;
	c->current = idle;
}

struct task *task_alloc(void)
{
	int i;

	for (i = 0; i < MAX_TASKS; i++) {
		struct task *t = &tasks[i];

		if (t->state != T_UNUSED)
			continue;
		memset(t, 0, sizeof(*t));
		t->state = T_SLEEPING; /* not runnable until set up */
		t->pid = next_pid++;
		t->kstack = kstacks[i];
		t->tf = (struct trapframe *)(t->kstack + KSTACK_SIZE) - 1;
		return t;
	}
	return NULL;
}

void task_free(struct task *t)
{
	t->state = T_UNUSED;
}

static void rq_push(struct task *t)
{
	t->run_next = NULL;
	if (rq_tail)
		rq_tail->run_next = t;
	else
		rq_head = t;
	rq_tail = t;
}

static struct task *rq_pop(void)
{
	struct task *t = rq_head;

	if (t) {
		rq_head = t->run_next;
		if (!rq_head)
			rq_tail = NULL;
	}
	return t;
}

/* Wake one halted CPU other than this one: it will find the queued work. */
static void kick_idle_cpu(void)
{
	struct cpu *self = this_cpu();
	int i;

	for (i = 0; i < nr_cpus; i++) {
		struct cpu *c = &cpus[i];

		if (c != self && c->idle_halted) {
			c->idle_halted = 0;
			lapic_send_ipi(c->apic_id, VEC_RESCHED);
			return;
		}
	}
}

void sched_make_runnable(struct task *t)
{
	t->state = T_RUNNABLE;
	rq_push(t);
	kick_idle_cpu();
}

static void fpu_save(struct task *t)
{
	__asm__ volatile("fxsave %0" : "=m"(t->fpu));
}

static void fpu_restore(struct task *t)
{
	__asm__ volatile("fxrstor %0" : : "m"(t->fpu));
}

static void switch_context(struct cpu *c, struct task *prev, struct task *next)
{
	uint64_t cr3 = next->mm ? next->mm->pml4 : kernel_pml4;

	if (prev->mm)
		fpu_save(prev);
	c->current = next;
	c->kstack_top = (uint64_t)(next->kstack + KSTACK_SIZE);
	c->tss.rsp[0] = c->kstack_top;
	if (cr3 != c->cr3) {
		c->cr3 = cr3;
		write_cr3(cr3);
	}
	if (next->mm)
		fpu_restore(next);
	next->last_cpu = c->id;
	switch_to(&prev->ksp, next->ksp);
}

/* Give the CPU to the next runnable task (klock held); a running caller goes to the tail. */
void schedule(void)
{
	struct cpu *c = this_cpu();
	struct task *prev = c->current, *next;

	if (prev != c->idle && prev->state == T_RUNNING) {
		prev->state = T_RUNNABLE;
		rq_push(prev);
	}
	next = rq_pop();
	if (!next)
		next = c->idle;
	next->state = T_RUNNING;
	if (next != prev)
		switch_context(c, prev, next);
}

/* A new task's first instructions (entry.S): it inherits klock from the switching CPU. */
void sched_first_run(void)
{
	kunlock();
}

void sleep_on(void *chan)
{
	struct task *t = current();

	t->wchan = chan;
	t->state = T_SLEEPING;
	schedule();
	t->wchan = NULL;
}

void wakeup(void *chan)
{
	int i;

	for (i = 0; i < MAX_TASKS; i++)
		if (tasks[i].state == T_SLEEPING && tasks[i].wchan == chan)
			sched_make_runnable(&tasks[i]);
}

static void wake_sleepers(uint64_t now)
{
	uint64_t next = ~0ull;
	int i;

	for (i = 0; i < MAX_TASKS; i++) {
		struct task *t = &tasks[i];

		if (t->state != T_SLEEPING || t->wchan != &sleep_chan)
			continue;
		if (t->wake_ns <= now)
			sched_make_runnable(t);
		else if (t->wake_ns < next)
			next = t->wake_ns;
	}
	next_wake_ns = next;
}

/* The timer interrupt (klock held): wake due sleepers, preempt ring-3 code if others wait. */
void sched_tick(struct trapframe *tf)
{
	struct cpu *c = this_cpu();

	c->ticks++;
	if (next_wake_ns != ~0ull && time_ns() >= next_wake_ns)
		wake_sleepers(time_ns());
	if ((tf->cs & 3) && rq_head)
		schedule();
}

void idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		if (rq_head) {
			schedule();
			continue;
		}
		c->idle_halted = 1;
		kunlock();
		__asm__ volatile("sti; hlt; cli" : : : "memory");
		klock();
		c->idle_halted = 0;
	}
}

int64_t sys_sched_yield(void)
{
	schedule();
	return 0;
}

int64_t sys_nanosleep(uint64_t req, uint64_t rem)
{
	struct task *t = current();
	struct timespec ts;
	uint64_t ns;

	(void)rem;
	if (copy_from_user(&ts, req, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	if (!ns)
		return sys_sched_yield();
	t->wake_ns = time_ns() + ns;
	if (t->wake_ns < next_wake_ns)
		next_wake_ns = t->wake_ns;
	sleep_on(&sleep_chan);
	t->wake_ns = 0;
	return 0;
}
