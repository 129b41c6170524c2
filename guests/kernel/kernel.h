/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vmscope guest kernel: a small SMP x86-64 kernel with ring-3 processes, Linux x86-64
 * system-call numbers for a subset of the ABI, an in-memory file system and built-in
 * programs (docs/guests.md).  It is an ordinary kernel: it knows nothing of the host and
 * reads only the boot-info block the VMM leaves for it (abi/bootinfo.h).
 *
 * Locking: one big kernel lock (klock) serialises all kernel work.  Kernel code runs with
 * interrupts off (SFMASK clears IF on SYSCALL, interrupt gates clear it); only the idle loop
 * enables them, with klock released, around HLT.
 */
#ifndef GUEST_KERNEL_H
#define GUEST_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../abi/bootinfo.h"
#include "../../abi/kprofile.h"
#include "../../abi/layout.h"
#include "../libc/fmt.h"
#include "uapi.h"

#define PAGE_SIZE 4096ull
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define MAX_CPUS 64
#define MAX_TASKS 64
#define NOFILE 16
#define KSTACK_SIZE (2 * PAGE_SIZE)
#define HZ 100

/* Guest-virtual layout of a process (docs/guests.md). */
#define USER_MIN 0x0000008000000000ull /* PML4 slot 1: slot 0 is the kernel's */
#define USER_MAX 0x0000800000000000ull /* end of the lower canonical half */
#define USER_STACK_TOP 0x00007ffffffff000ull
#define USER_STACK_MAX (8ull << 20)
#define USER_MMAP_TOP 0x00007fff00000000ull
#define USER_ARG_MAX 4096 /* argv + envp strings and pointers */

/* Page-table entry bits. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Selectors: Linux's order (docs/vmm.md), so STAR works as on Linux. */
#define SEL_KCODE 0x10
#define SEL_KDATA 0x18
#define SEL_UCODE32 0x23
#define SEL_UDATA 0x2b
#define SEL_UCODE 0x33
#define SEL_TSS 0x38

/* Interrupt vectors. */
#define VEC_TIMER 0x20
#define VEC_RESCHED 0xf1
#define VEC_SPURIOUS 0xff
#define VEC_SYSCALL_FRAME 0x100 /* marks a trap frame built by the SYSCALL entry */

/* Saved on kernel entry; the same layout for SYSCALL, exceptions and interrupts. */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

/* Per-CPU data, reached through GS in the kernel; the first fields are used by entry.S. */
struct cpu {
	struct cpu *self; /* 0 */
	uint64_t kstack_top; /* 8: the running task's kernel stack top */
	uint64_t user_rsp; /* 16: scratch for the SYSCALL entry */
	struct task *current; /* 24 */
	int id;
	int apic_id;
	int klock_depth;
	int idle_halted; /* in HLT with klock released: needs an IPI to see new work */
	struct task *idle;
	uint64_t cr3; /* loaded page tables */
	uint64_t ticks;
	uint64_t gdt[9] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
};

enum task_state { T_UNUSED, T_RUNNABLE, T_RUNNING, T_SLEEPING, T_ZOMBIE };

struct region {
	uint64_t start, end;
	uint64_t lo, hi; /* the pages ever mapped lie in [lo, hi) (empty: lo >= hi) */
	uint32_t prot; /* PROT_READ | PROT_WRITE | PROT_EXEC */
	uint32_t flags; /* REGION_* */
};

#define REGION_SHARED (1u << 0) /* MAP_SHARED: fork shares the pages */
#define REGION_IMAGE (1u << 1) /* read-only pages of a program image (never freed) */
#define REGION_STACK (1u << 2)
#define REGION_HEAP (1u << 3)
#define MAX_REGIONS 32
#define MAX_PT_PAGES 128

struct mm {
	uint64_t pml4; /* physical = kernel-virtual address */
	int users;
	int nr_regions;
	struct region regions[MAX_REGIONS];
	int nr_tables;
	uint64_t tables[MAX_PT_PAGES]; /* page-table pages below the PML4, freed with the mm */
	uint64_t brk_start, brk;
	uint64_t mmap_top;
};

struct file;

struct task {
	uint64_t ksp; /* saved kernel stack pointer (switch_to) */
	enum task_state state;
	int pid;
	struct task *parent;
	struct task *run_next;
	struct mm *mm; /* NULL: a kernel (idle) task */
	uint8_t *kstack;
	struct trapframe *tf; /* user registers, at the top of kstack */
	void *wchan; /* what a sleeping task waits for */
	uint64_t wake_ns; /* nanosleep deadline (0: none) */
	int exit_status; /* wait status, Linux encoding */
	int vfork_parent; /* the parent sleeps until this task execs or exits */
	int last_cpu;
	char name[16];
	struct file *files[NOFILE];
	struct inode *cwd;
	uint64_t nr_syscalls;
	uint8_t fpu[512] __attribute__((aligned(16)));
};

/* vmscope's profile of this kernel (abi/kprofile.h) must describe it. */
_Static_assert(MAX_TASKS == KPROF_MAX_TASKS && sizeof(struct task) == KPROF_TASK_SIZE,
	       "abi/kprofile.h: task table");
_Static_assert(offsetof(struct task, state) == KPROF_TASK_STATE && sizeof(enum task_state) == 4 &&
		       offsetof(struct task, pid) == KPROF_TASK_PID &&
		       offsetof(struct task, mm) == KPROF_TASK_MM &&
		       offsetof(struct task, name) == KPROF_TASK_NAME &&
		       sizeof(((struct task *)0)->name) == KPROF_NAME_LEN,
	       "abi/kprofile.h: struct task");
_Static_assert(offsetof(struct mm, pml4) == KPROF_MM_PML4 &&
		       offsetof(struct cpu, current) == KPROF_CPU_CURRENT,
	       "abi/kprofile.h: struct mm, struct cpu");
_Static_assert(T_UNUSED == KPROF_T_UNUSED && T_ZOMBIE == KPROF_T_ZOMBIE,
	       "abi/kprofile.h: task states");

/* entry.S */
void switch_to(uint64_t *prev_ksp, uint64_t next_ksp);
void task_first_entry(void);
void syscall_entry(void);
extern uint64_t trap_stubs[32];
void irq_timer_stub(void), irq_resched_stub(void), irq_spurious_stub(void);
uint64_t copy_user_asm(void *dst, const void *src, uint64_t n); /* bytes not copied */
extern char copy_user_start[], copy_user_end[], copy_user_fault[];
extern volatile int smp_go;

/* cpu.c */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct task *current(void)
{
	struct task *t;

	__asm__ volatile("mov %%gs:24, %0" : "=r"(t));
	return t;
}

extern struct cpu cpus[MAX_CPUS];
extern int nr_cpus;
void cpu_init(int id);
void cpu_features_init(void);
int cpu_has_rtm(void);
int cpu_format_info(char *buf, int size, int cpu);
void wrmsr(uint32_t msr, uint64_t v);
uint64_t rdmsr(uint32_t msr);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* lapic.c: local APIC, PIT-calibrated TSC and timer */
void pic_disable(void);
void time_calibrate(void);
void lapic_init(void);
void lapic_eoi(void);
int lapic_id(void);
void lapic_send_ipi(int apic_id, int vector);
uint64_t time_ns(void); /* since boot */
extern uint64_t boot_wallclock_ns;
extern uint64_t tsc_hz;

/* console.c */
void console_init(void);
void console_write(const char *s, uint64_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void shutdown(int status) __attribute__((noreturn));

/* lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy0(char *d, const char *s, size_t size); /* always NUL-terminates */
void zero_page(void *p);
void copy_page(void *d, const void *s);

/* mm.c: physical pages and the kernel's page tables */
extern uint64_t kernel_pml4;
extern uint64_t ram_top;
void mm_init(const struct bootinfo *bi);
void *page_alloc(void); /* contents undefined; NULL when out of memory */
void *page_alloc_zero(void); /* zero-filled */
void page_get(uint64_t pa);
void page_put(uint64_t pa); /* frees at refcount 0 (image pages are never freed) */
int page_refs(uint64_t pa);
uint64_t mm_free_pages(void);
int page_zero_cheap(uint64_t n);

/* uvm.c: user address spaces */
struct mm *mm_create(void);
void mm_put(struct mm *mm);
struct mm *mm_fork(struct mm *parent);
int mm_add_region(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags);
struct region *mm_find_region(struct mm *mm, uint64_t va);
int mm_map_page(struct mm *mm, uint64_t va, uint64_t pa, uint32_t prot);
int mm_fault(struct mm *mm, uint64_t va, uint64_t error);
int mm_populate_region(struct mm *mm, struct region *r);
void mm_unmap_range(struct mm *mm, struct region *r, uint64_t lo, uint64_t hi, int flush);
int copy_from_user(void *dst, uint64_t src, uint64_t n);
int copy_to_user(uint64_t dst, const void *src, uint64_t n);
int64_t strncpy_from_user(char *dst, uint64_t src, uint64_t size);

/* sched.c */
extern struct task tasks[MAX_TASKS];
void klock(void);
void kunlock(void);
void sched_init_cpu(struct cpu *c);
void schedule(void);
void sched_make_runnable(struct task *t);
void sleep_on(void *chan);
void wakeup(void *chan);
void sched_tick(struct trapframe *tf);
void idle_loop(void) __attribute__((noreturn));
struct task *task_alloc(void);
void task_free(struct task *t);

/* exec.c */
struct exec_args {
	int argc, envc;
	uint64_t len; /* bytes of buf in use: argc + envc NUL-terminated strings */
	char buf[USER_ARG_MAX - 16];
};
struct mm *exec_image(const uint8_t *img, uint64_t size, const struct exec_args *a, uint64_t *entry,
		      uint64_t *sp, int *err);

/* proc.c */
void proc_start_init(void);
void proc_kill(int signo) __attribute__((noreturn));

/* trap.c */
void idt_init(void);
void idt_load(void);
void trap_handler(struct trapframe *tf);

/* syscall.c */
void syscall_handler(struct trapframe *tf);

/* fs.c, file.c */
void fs_init(const char *cmdline, int ncpus);
void files_init_console(struct task *t);
void files_fork(struct task *child, struct task *parent);
void files_close_all(struct task *t);
void files_close_cloexec(struct task *t);
struct inode *fs_lookup_path(struct inode *cwd, const char *path);
int fs_program(struct inode *ip, const uint8_t **image, uint64_t *size);
extern struct inode *fs_root;
void fs_get(struct inode *ip);
void fs_put(struct inode *ip);

/* programs.S: the built-in user programs */
struct program {
	const char *name;
	const char *description;
	const uint8_t *start, *end;
};
extern const struct program programs[];
extern const int nr_programs;

/* System-call handlers (syscalls.def): every argument is a uint64_t register value. */
#define A0 uint64_t
#define A1 uint64_t
#define A2 uint64_t
#define A3 uint64_t
#define A4 uint64_t
#define A5 uint64_t
#define SYSCALL(nr, name, args) int64_t sys_##name args;
#include "syscalls.def"
#undef SYSCALL
#undef A0
#undef A1
#undef A2
#undef A3
#undef A4
#undef A5

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif
