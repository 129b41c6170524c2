// SPDX-License-Identifier: GPL-2.0
/*
 * System-call dispatch (numbers and arguments from syscalls.def, Linux's x86-64 ABI) and the
 * small calls: process ids, uname, clocks, getcpu.
 */
#include "kernel.h"

void syscall_handler(struct trapframe *tf)
{
	klock();
	current()->nr_syscalls++;
#define A0 tf->rdi
#define A1 tf->rsi
#define A2 tf->rdx
#define A3 tf->r10
#define A4 tf->r8
#define A5 tf->r9
	switch (tf->rax) {
#define SYSCALL(nr, name, args)                                                                    \
	case nr:                                                                                   \
		tf->rax = sys_##name args;                                                         \
		break;
#include "syscalls.def"
#undef SYSCALL
	default:
		tf->rax = -ENOSYS;
	}
	kunlock();
}

int64_t sys_getpid(void)
{
	return current()->pid;
}

int64_t sys_gettid(void)
{
	return current()->pid;
}

int64_t sys_getppid(void)
{
	struct task *p = current()->parent;

	return p ? p->pid : 0;
}

int64_t sys_uname(uint64_t ubuf)
{
	static const struct utsname u = {
		.sysname = "vmscope",
		.nodename = "guest",
		.release = "0.1",
		.version = "#1 SMP",
		.machine = "x86_64",
		.domainname = "(none)",
	};

	return copy_to_user(ubuf, &u, sizeof(u)) ? -EFAULT : 0;
}

int64_t sys_clock_gettime(uint64_t clk, uint64_t utp)
{
	struct timespec ts;
	uint64_t ns = time_ns();

	switch (clk) {
	case CLOCK_REALTIME:
		ns += boot_wallclock_ns;
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		break;
	default:
		return -EINVAL;
	}
	ts.tv_sec = ns / 1000000000ull;
	ts.tv_nsec = ns % 1000000000ull;
	return copy_to_user(utp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

int64_t sys_getcpu(uint64_t ucpu, uint64_t unode, uint64_t cache)
{
	uint32_t cpu = this_cpu()->id, node = 0;

	(void)cache;
	if (ucpu && copy_to_user(ucpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (unode && copy_to_user(unode, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}
