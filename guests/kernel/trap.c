// SPDX-License-Identifier: GPL-2.0
/*
 * The IDT, exceptions and interrupts.  A fault in ring 3 that the kernel cannot resolve
 * (a page fault outside the process's regions, #UD, #GP, a divide error ...) is reported on
 * the console with the vector, RIP and CR2 and kills only that process, with the signal
 * Linux would send.  A fault in the kernel is a panic, except page faults while copying
 * from or to user memory, which the copy routine turns into -EFAULT.
 */
#include "kernel.h"

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));

struct fault_kind {
	const char *what, *mnemonic;
	int signo;
};

static const struct fault_kind fault_kinds[32] = {
	[0] = { "divide error", "#DE", SIGFPE },
	[1] = { "debug trap", "#DB", SIGTRAP },
	[3] = { "breakpoint", "#BP", SIGTRAP },
	[4] = { "overflow", "#OF", SIGSEGV },
	[5] = { "bound range exceeded", "#BR", SIGSEGV },
	[6] = { "illegal instruction", "#UD", SIGILL },
	[7] = { "device not available", "#NM", SIGFPE },
	[12] = { "stack fault", "#SS", SIGBUS },
	[13] = { "general protection fault", "#GP", SIGSEGV },
	[14] = { "segmentation fault", "#PF", SIGSEGV },
	[16] = { "x87 floating-point error", "#MF", SIGFPE },
	[17] = { "alignment check", "#AC", SIGBUS },
	[19] = { "SIMD floating-point error", "#XM", SIGFPE },
};

static const char *const signames[] = {
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGBUS] = "SIGBUS",
	[SIGFPE] = "SIGFPE", [SIGSEGV] = "SIGSEGV",
};

static void set_gate(int vec, uint64_t fn, int dpl, int ist)
{
	idt[vec].off0 = fn;
	idt[vec].sel = SEL_KCODE;
	idt[vec].ist = ist;
	idt[vec].type = 0x8e | dpl << 5; /* present 64-bit interrupt gate */
	idt[vec].off1 = fn >> 16;
	idt[vec].off2 = fn >> 32;
	idt[vec].zero = 0;
}

void idt_init(void)
{
	int i;

	for (i = 0; i < 32; i++)
		set_gate(i, trap_stubs[i], i == 3 || i == 4 ? 3 : 0, i == 8 ? 1 : 0);
	set_gate(VEC_TIMER, (uint64_t)irq_timer_stub, 0, 0);
	set_gate(VEC_RESCHED, (uint64_t)irq_resched_stub, 0, 0);
	set_gate(VEC_SPURIOUS, (uint64_t)irq_spurious_stub, 0, 0);
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void dump_frame(const struct trapframe *tf)
{
	kprintf("  rip %lx cs %lx rflags %lx rsp %lx ss %lx\n", tf->rip, tf->cs, tf->rflags,
		tf->rsp, tf->ss);
	kprintf("  rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx, tf->rsi, tf->rdi);
}

static void kernel_fault(struct trapframe *tf, uint64_t cr2)
{
	uint64_t rip = tf->rip;

	if (tf->vector == 14 && rip >= (uint64_t)copy_user_start && rip < (uint64_t)copy_user_end) {
		tf->rip = (uint64_t)copy_user_fault;
		return;
	}
	kprintf("kernel: exception %lu (error %lx) in the kernel at rip %lx, cr2 %lx, cpu %d\n",
		tf->vector, tf->error, rip, cr2, this_cpu()->id);
	dump_frame(tf);
	panic("unrecoverable kernel fault");
}

/* Report a ring-3 fault and end the process with the signal Linux would send. */
static void user_fault(struct trapframe *tf, uint64_t cr2)
{
	const struct fault_kind *k = &fault_kinds[tf->vector];
	struct task *t = current();
	int signo = k->signo ? k->signo : SIGSEGV;

	kprintf("kernel: pid %d (%s): %s (%s, vector %lu) at rip %lx, cr2 %lx, error %lx: "
		"killed by %s\n",
		t->pid, t->name, k->what ? k->what : "exception", k->mnemonic ? k->mnemonic : "?",
		tf->vector, tf->rip, cr2, tf->error, signames[signo]);
	proc_kill(signo);
}

static void exception(struct trapframe *tf)
{
	uint64_t cr2 = tf->vector == 14 ? read_cr2() : 0;
	struct task *t = current();

	if (tf->vector == 14 && cr2 >= USER_MIN && cr2 < USER_MAX && t->mm) {
		int ret = mm_fault(t->mm, cr2, tf->error);

		if (!ret)
			return;
		if (ret == -ENOMEM && (tf->cs & 3)) {
			kprintf("kernel: pid %d (%s): out of memory at %lx: killed by SIGKILL\n",
				t->pid, t->name, cr2);
			proc_kill(SIGKILL);
		}
	}
	if (tf->cs & 3)
		user_fault(tf, cr2);
	else
		kernel_fault(tf, cr2);
}

void trap_handler(struct trapframe *tf)
{
	klock();
	if (tf->vector == VEC_TIMER) {
		lapic_eoi();
		sched_tick(tf);
	} else if (tf->vector == VEC_RESCHED) {
		lapic_eoi();
	} else if (tf->vector < 32) {
		exception(tf);
	}
	kunlock();
}
