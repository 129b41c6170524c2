// SPDX-License-Identifier: GPL-2.0
/* System-call wrappers and the per-number counters (libc.h). */
#include "libc.h"

uint64_t libc_syscall_count[LIBC_MAX_SYSCALL];
int errno;
char **environ;

long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	register long r9 __asm__("r9") = a5;
	long ret;

	if ((unsigned long)nr < LIBC_MAX_SYSCALL)
		libc_syscall_count[nr]++;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static long ret_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = -r;
		return -1;
	}
	return r;
}

#define SC0(nr) ret_errno(syscall6(nr, 0, 0, 0, 0, 0, 0))
#define SC1(nr, a) ret_errno(syscall6(nr, (long)(a), 0, 0, 0, 0, 0))
#define SC2(nr, a, b) ret_errno(syscall6(nr, (long)(a), (long)(b), 0, 0, 0, 0))
#define SC3(nr, a, b, c) ret_errno(syscall6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0))
#define SC4(nr, a, b, c, d)                                                                        \
	ret_errno(syscall6(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0))

ssize_t read(int fd, void *buf, size_t n)
{
	return SC3(SYS_read, fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return SC3(SYS_write, fd, buf, n);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return SC3(SYS_open, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return SC4(SYS_openat, dirfd, path, flags, mode);
}

int close(int fd)
{
	return SC1(SYS_close, fd);
}

int stat(const char *path, struct stat *st)
{
	return SC2(SYS_stat, path, st);
}

int fstat(int fd, struct stat *st)
{
	return SC2(SYS_fstat, fd, st);
}

off_t lseek(int fd, off_t off, int whence)
{
	return SC3(SYS_lseek, fd, off, whence);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	long r = syscall6(SYS_mmap, (long)addr, len, prot, flags, fd, off);

	return (void *)ret_errno(r);
}

int munmap(void *addr, size_t len)
{
	return SC2(SYS_munmap, addr, len);
}

void *sbrk(long inc)
{
	static long cur;
	long old, want;

	if (!cur)
		cur = syscall6(SYS_brk, 0, 0, 0, 0, 0, 0);
	old = cur;
	want = cur + inc;
	if (inc && syscall6(SYS_brk, want, 0, 0, 0, 0, 0) != want) {
		errno = ENOMEM;
		return (void *)-1;
	}
	cur = want;
	return (void *)old;
}

int sched_yield(void)
{
	return SC0(SYS_sched_yield);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	return SC2(SYS_nanosleep, req, rem);
}

pid_t getpid(void)
{
	return SC0(SYS_getpid);
}

pid_t getppid(void)
{
	return SC0(SYS_getppid);
}

pid_t gettid(void)
{
	return SC0(SYS_gettid);
}

pid_t fork(void)
{
	return SC0(SYS_fork);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	return SC3(SYS_execve, path, argv, envp);
}

pid_t wait4(pid_t pid, int *status, int options, void *rusage)
{
	return SC4(SYS_wait4, pid, status, options, rusage);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

int uname(struct utsname *u)
{
	return SC1(SYS_uname, u);
}

char *getcwd(char *buf, size_t size)
{
	return SC2(SYS_getcwd, buf, size) < 0 ? NULL : buf;
}

int chdir(const char *path)
{
	return SC1(SYS_chdir, path);
}

int mkdir(const char *path, int mode)
{
	return SC2(SYS_mkdir, path, mode);
}

int mkdirat(int dirfd, const char *path, int mode)
{
	return SC3(SYS_mkdirat, dirfd, path, mode);
}

int rmdir(const char *path)
{
	return SC1(SYS_rmdir, path);
}

int unlink(const char *path)
{
	return SC1(SYS_unlink, path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	return SC3(SYS_unlinkat, dirfd, path, flags);
}

long getdents64(int fd, void *buf, size_t n)
{
	return SC3(SYS_getdents64, fd, buf, n);
}

int clock_gettime(int clk, struct timespec *ts)
{
	return SC2(SYS_clock_gettime, clk, ts);
}

int getcpu(unsigned int *cpu, unsigned int *node)
{
	return SC3(SYS_getcpu, cpu, node, 0);
}

void _exit(int code)
{
	syscall6(SYS_exit_group, code, 0, 0, 0, 0, 0);
	for (;;)
		;
}

/*
 * vfork, then execve in the child without touching the stack it shares with the parent:
 * the child returns from vfork with the parent's registers, so RDI/RSI/RDX still hold the
 * execve arguments.  A child whose execve fails exits with 127, like a shell's.
 */
pid_t spawn(const char *path, char *const argv[])
{
	long pid;

	libc_syscall_count[SYS_vfork]++;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov %[execve], %%eax\n\t"
			 "syscall\n\t"
			 "mov %[exit], %%eax\n\t"
			 "mov $127, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(pid)
			 : "a"((long)SYS_vfork), "D"(path), "S"(argv),
			   "d"(environ), [execve] "i"(SYS_execve), [exit] "i"(SYS_exit_group)
			 : "rcx", "r11", "memory");
	return ret_errno(pid);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
