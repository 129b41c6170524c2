/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny libc for the guest kernel's user programs: system-call wrappers (Linux numbers from
 * guests/kernel/syscalls.def; -1 and errno on failure, as libc does), strings, formatted
 * output to a buffered stdout, a bump allocator, and spawn() (vfork + execve).  Every system
 * call the program makes through it is counted in libc_syscall_count[].
 */
#ifndef GUEST_LIBC_H
#define GUEST_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../kernel/uapi.h"
#include "fmt.h"

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;

enum {
#define SYSCALL(nr, name, args) SYS_##name = nr,
#include "../kernel/syscalls.def"
#undef SYSCALL
};

#define LIBC_MAX_SYSCALL 512
extern uint64_t libc_syscall_count[LIBC_MAX_SYSCALL];
extern int errno;
extern char **environ;

/* The raw call: the kernel's return value (-errno on failure); counted. */
long syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long syscall(long nr, ...);

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int close(int fd);
int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
off_t lseek(int fd, off_t off, int whence);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
void *sbrk(long inc);
int sched_yield(void);
int nanosleep(const struct timespec *req, struct timespec *rem);
pid_t getpid(void);
pid_t getppid(void);
pid_t gettid(void);
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
pid_t wait4(pid_t pid, int *status, int options, void *rusage);
pid_t waitpid(pid_t pid, int *status, int options);
int uname(struct utsname *u);
char *getcwd(char *buf, size_t size);
int chdir(const char *path);
int mkdir(const char *path, int mode);
int mkdirat(int dirfd, const char *path, int mode);
int rmdir(const char *path);
int unlink(const char *path);
int unlinkat(int dirfd, const char *path, int flags);
long getdents64(int fd, void *buf, size_t n);
int clock_gettime(int clk, struct timespec *ts);
int getcpu(unsigned int *cpu, unsigned int *node);
void _exit(int code) __attribute__((noreturn));
void exit(int code) __attribute__((noreturn));

/* vfork + execve of path; the child's pid, or -1 (errno) if it could not be started. */
pid_t spawn(const char *path, char *const argv[]);

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *h, const char *n);
char *strcpy(char *d, const char *s);
const char *strerror(int err);

unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
/* "4096", "64K", "1M", "2G": bytes; 0 on error. */
uint64_t parse_size(const char *s);
/* "2", "0.5", "250ms": nanoseconds; -1 on error. */
int64_t parse_duration(const char *s);
void *malloc(size_t n);
void free(void *p);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int puts(const char *s);
void stdout_flush(void);

uint64_t now_ns(void); /* CLOCK_MONOTONIC */

/* The TSC, read in place (no system call): a program's own run time for benchmarks. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#endif
