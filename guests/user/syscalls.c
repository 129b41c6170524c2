// SPDX-License-Identifier: GPL-2.0
/*
 * syscalls: issues each supported system call a known number of times (syscall_counts.def)
 * and prints, per call, the number this process issued, from libc's own counters, so that a
 * capture of its system calls can be checked against the guest's own numbers.  Every result
 * is checked as well.  The report is one write; it counts itself and the exit_group that
 * follows it.  Its last line is the program's own run time in TSC cycles (rdtsc: no system
 * call), "syscalls: elapsed N tsc", which the bench compares with capture on and off.
 */
#include "../libc/libc.h"

#define NR_UNKNOWN 500
#define DIR_FMT "/tmp/sc%d" /* per process: several may run at once */

static char dir[32];

/* dir + "/" + name, in a static buffer of its own per call site. */
#define IN_DIR(buf, name) (snprintf(buf, sizeof(buf), "%s/%s", dir, name), buf)

static const struct {
	int nr;
	const char *name;
	uint64_t times;
} expected[] = {
#define SYSCALL_COUNT(nr, name, times) { nr, #name, times },
#include "syscall_counts.def"
#undef SYSCALL_COUNT
};

static int failed;

static void check(int ok, const char *what)
{
	if (!ok) {
		dprintf(1, "syscalls: %s failed (errno %d)\n", what, errno);
		failed = 1;
	}
}

static void ids_and_time(void)
{
	struct timespec ts = { 0, 1000000 };
	struct utsname u;
	unsigned int cpu;
	char cwd[64];
	pid_t pid = getpid();

	snprintf(dir, sizeof(dir), DIR_FMT, pid);
	int i;

	for (i = 1; i < 10; i++)
		check(getpid() == pid, "getpid");
	for (i = 0; i < 5; i++)
		check(getppid() > 0, "getppid");
	for (i = 0; i < 3; i++)
		check(gettid() == pid, "gettid");
	for (i = 0; i < 4; i++)
		check(sched_yield() == 0, "sched_yield");
	for (i = 0; i < 2; i++)
		check(uname(&u) == 0 && !strcmp(u.machine, "x86_64"), "uname");
	for (i = 0; i < 6; i++)
		check(clock_gettime(i & 1 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts) == 0,
		      "clock_gettime");
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	for (i = 0; i < 2; i++)
		check(nanosleep(&ts, NULL) == 0, "nanosleep");
	for (i = 0; i < 3; i++)
		check(getcpu(&cpu, NULL) == 0, "getcpu");
	check(chdir("/tmp") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/tmp"), "chdir");
	check(chdir("/") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"), "chdir /");
}

static void memory(void)
{
	long start = syscall6(SYS_brk, 0, 0, 0, 0, 0, 0);
	volatile uint8_t *p;

	check(syscall6(SYS_brk, start + 4096, 0, 0, 0, 0, 0) == start + 4096, "brk grow");
	*(volatile uint8_t *)start = 1;
	check(syscall6(SYS_brk, start, 0, 0, 0, 0, 0) == start, "brk shrink");
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap private");
	p[0] = p[4096] = 7;
	check(munmap((void *)p, 8192) == 0, "munmap");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED && p[0] == 0, "mmap shared");
	check(munmap((void *)p, 4096) == 0, "munmap");
}

static void file_io(void)
{
	char buf[64], dents[512], pa[48], pb[48], psub[48];
	struct stat st;
	int a, b, d, motd, a2;

	check(mkdir(dir, 0755) == 0, "mkdir");
	a = open(IN_DIR(pa, "a"), O_CREAT | O_RDWR, 0644);
	b = openat(AT_FDCWD, IN_DIR(pb, "b"), O_CREAT | O_RDWR, 0644);
	motd = open("/etc/motd", O_RDONLY);
	d = open(dir, O_RDONLY | O_DIRECTORY);
	check(a >= 0 && b >= 0 && motd >= 0 && d >= 0, "open/openat");
	check(write(a, "abc", 3) == 3 && write(a, "def", 3) == 3 && write(a, "g", 1) == 1, "write");
	check(write(b, "xyz", 3) == 3, "write b");
	check(lseek(a, 0, SEEK_SET) == 0 && read(a, buf, 4) == 4 && !memcmp(buf, "abcd", 4),
	      "read a");
	check(read(a, buf, sizeof(buf)) == 3 && lseek(a, 0, SEEK_END) == 7, "read a tail");
	check(lseek(b, 0, SEEK_SET) == 0 && read(b, buf, 3) == 3, "read b");
	check(read(motd, buf, sizeof(buf)) > 0, "read motd");
	check(fstat(a, &st) == 0 && st.st_size == 7 && fstat(d, &st) == 0, "fstat");
	check(stat(pb, &st) == 0 && stat("/bin/syscalls", &st) == 0, "stat");
	check(getdents64(d, dents, sizeof(dents)) > 0 && getdents64(d, dents, sizeof(dents)) == 0,
	      "getdents64");
	a2 = openat(d, "a", O_RDONLY);
	check(a2 >= 0, "openat dirfd");
	check(close(a) == 0 && close(b) == 0 && close(motd) == 0 && close(a2) == 0, "close");
	check(close(d) == 0, "close dir");
	check(mkdirat(AT_FDCWD, IN_DIR(psub, "sub"), 0755) == 0, "mkdirat");
	check(unlinkat(AT_FDCWD, psub, AT_REMOVEDIR) == 0, "unlinkat dir");
	check(unlink(pa) == 0 && unlinkat(AT_FDCWD, pb, 0) == 0, "unlink");
	check(rmdir(dir) == 0, "rmdir");
}

static void processes(char *self)
{
	char *argv[] = { self, "--child", NULL };
	int ws = -1, i;
	pid_t pid = fork();

	if (pid == 0) {
		syscall6(SYS_exit, 3, 0, 0, 0, 0, 0);
		for (;;)
			;
	}
	check(pid > 0 && waitpid(pid, &ws, 0) == pid && WEXITSTATUS(ws) == 3, "fork/wait4");
	pid = spawn("/bin/syscalls", argv);
	check(pid > 0 && waitpid(pid, &ws, 0) == pid && ws == 0, "vfork+execve/wait4");
	for (i = 0; i < 3; i++)
		check(syscall6(NR_UNKNOWN, 0, 0, 0, 0, 0, 0) == -ENOSYS, "unknown number: ENOSYS");
}

/* The report: counts as issued, plus the write carrying it and the exit_group after it. */
static int report(char *out, int size)
{
	unsigned int i;
	int n = 0, mismatch = 0;

	libc_syscall_count[SYS_write]++;
	libc_syscall_count[SYS_exit_group]++;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		uint64_t got = libc_syscall_count[expected[i].nr];

		n += snprintf(out + n, size - n, "syscalls: %s %d %lu\n", expected[i].name,
			      expected[i].nr, got);
		if (got != expected[i].times) {
			n += snprintf(out + n, size - n, "syscalls: MISMATCH %s: expected %lu\n",
				      expected[i].name, expected[i].times);
			mismatch = 1;
		}
	}
	n += snprintf(out + n, size - n, "syscalls: %s\n",
		      failed	 ? "FAILED"
		      : mismatch ? "count MISMATCH"
				 : "ok");
	return n;
}

int main(int argc, char **argv)
{
	static char out[4096];
	uint64_t t0;
	int n;

	if (argc > 1 && !strcmp(argv[1], "--child"))
		return 0;
	t0 = rdtsc();
	ids_and_time();
	memory();
	file_io();
	processes(argv[0]);
	t0 = rdtsc() - t0;
	n = report(out, sizeof(out));
	n += snprintf(out + n, sizeof(out) - n, "syscalls: elapsed %lu tsc\n", t0);
	write(1, out, n);
	_exit(failed);
}
