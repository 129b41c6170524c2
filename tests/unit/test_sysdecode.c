// SPDX-License-Identifier: GPL-2.0
/*
 * GEARS system call table, selections and strace-like decoding (gears/syscalls.h,
 * gears/sysdecode.h), with guest memory faked by a few pages at fixed addresses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/unistd_64.h>
#include <cmocka.h>

#include "../../gears/syscalls.h"
#include "../../gears/sysdecode.h"
#include "../../lib/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE SYSDECODE_PAGE_SIZE
#define LINE_MAX_LEN 2048

/* Every __NR_ of the build's <asm/unistd_64.h> (Debian 12: 0-334 and 424-450). */
struct nr_name {
	unsigned int nr;
	const char *name;
};

#define NR(x)                                                                                      \
	{                                                                                          \
		__NR_##x, #x                                                                       \
	}

/* Packed by hand: clang-format would give each entry a line of its own. */
/* clang-format off */
static const struct nr_name header_calls[] = {
	NR(read), NR(write), NR(open), NR(close), NR(stat), NR(fstat), NR(lstat), NR(poll),
	NR(lseek), NR(mmap), NR(mprotect), NR(munmap), NR(brk), NR(rt_sigaction),
	NR(rt_sigprocmask), NR(rt_sigreturn), NR(ioctl), NR(pread64), NR(pwrite64), NR(readv),
	NR(writev), NR(access), NR(pipe), NR(select), NR(sched_yield), NR(mremap), NR(msync),
	NR(mincore), NR(madvise), NR(shmget), NR(shmat), NR(shmctl), NR(dup), NR(dup2), NR(pause),
	NR(nanosleep), NR(getitimer), NR(alarm), NR(setitimer), NR(getpid), NR(sendfile),
	NR(socket), NR(connect), NR(accept), NR(sendto), NR(recvfrom), NR(sendmsg), NR(recvmsg),
	NR(shutdown), NR(bind), NR(listen), NR(getsockname), NR(getpeername), NR(socketpair),
	NR(setsockopt), NR(getsockopt), NR(clone), NR(fork), NR(vfork), NR(execve), NR(exit),
	NR(wait4), NR(kill), NR(uname), NR(semget), NR(semop), NR(semctl), NR(shmdt), NR(msgget),
	NR(msgsnd), NR(msgrcv), NR(msgctl), NR(fcntl), NR(flock), NR(fsync), NR(fdatasync),
	NR(truncate), NR(ftruncate), NR(getdents), NR(getcwd), NR(chdir), NR(fchdir), NR(rename),
	NR(mkdir), NR(rmdir), NR(creat), NR(link), NR(unlink), NR(symlink), NR(readlink), NR(chmod),
	NR(fchmod), NR(chown), NR(fchown), NR(lchown), NR(umask), NR(gettimeofday), NR(getrlimit),
	NR(getrusage), NR(sysinfo), NR(times), NR(ptrace), NR(getuid), NR(syslog), NR(getgid),
	NR(setuid), NR(setgid), NR(geteuid), NR(getegid), NR(setpgid), NR(getppid), NR(getpgrp),
	NR(setsid), NR(setreuid), NR(setregid), NR(getgroups), NR(setgroups), NR(setresuid),
	NR(getresuid), NR(setresgid), NR(getresgid), NR(getpgid), NR(setfsuid), NR(setfsgid),
	NR(getsid), NR(capget), NR(capset), NR(rt_sigpending), NR(rt_sigtimedwait),
	NR(rt_sigqueueinfo), NR(rt_sigsuspend), NR(sigaltstack), NR(utime), NR(mknod), NR(uselib),
	NR(personality), NR(ustat), NR(statfs), NR(fstatfs), NR(sysfs), NR(getpriority),
	NR(setpriority), NR(sched_setparam), NR(sched_getparam), NR(sched_setscheduler),
	NR(sched_getscheduler), NR(sched_get_priority_max), NR(sched_get_priority_min),
	NR(sched_rr_get_interval), NR(mlock), NR(munlock), NR(mlockall), NR(munlockall),
	NR(vhangup), NR(modify_ldt), NR(pivot_root), NR(_sysctl), NR(prctl), NR(arch_prctl),
	NR(adjtimex), NR(setrlimit), NR(chroot), NR(sync), NR(acct), NR(settimeofday), NR(mount),
	NR(umount2), NR(swapon), NR(swapoff), NR(reboot), NR(sethostname), NR(setdomainname),
	NR(iopl), NR(ioperm), NR(create_module), NR(init_module), NR(delete_module),
	NR(get_kernel_syms), NR(query_module), NR(quotactl), NR(nfsservctl), NR(getpmsg),
	NR(putpmsg), NR(afs_syscall), NR(tuxcall), NR(security), NR(gettid), NR(readahead),
	NR(setxattr), NR(lsetxattr), NR(fsetxattr), NR(getxattr), NR(lgetxattr), NR(fgetxattr),
	NR(listxattr), NR(llistxattr), NR(flistxattr), NR(removexattr), NR(lremovexattr),
	NR(fremovexattr), NR(tkill), NR(time), NR(futex), NR(sched_setaffinity),
	NR(sched_getaffinity), NR(set_thread_area), NR(io_setup), NR(io_destroy), NR(io_getevents),
	NR(io_submit), NR(io_cancel), NR(get_thread_area), NR(lookup_dcookie), NR(epoll_create),
	NR(epoll_ctl_old), NR(epoll_wait_old), NR(remap_file_pages), NR(getdents64),
	NR(set_tid_address), NR(restart_syscall), NR(semtimedop), NR(fadvise64), NR(timer_create),
	NR(timer_settime), NR(timer_gettime), NR(timer_getoverrun), NR(timer_delete),
	NR(clock_settime), NR(clock_gettime), NR(clock_getres), NR(clock_nanosleep), NR(exit_group),
	NR(epoll_wait), NR(epoll_ctl), NR(tgkill), NR(utimes), NR(vserver), NR(mbind),
	NR(set_mempolicy), NR(get_mempolicy), NR(mq_open), NR(mq_unlink), NR(mq_timedsend),
	NR(mq_timedreceive), NR(mq_notify), NR(mq_getsetattr), NR(kexec_load), NR(waitid),
	NR(add_key), NR(request_key), NR(keyctl), NR(ioprio_set), NR(ioprio_get), NR(inotify_init),
	NR(inotify_add_watch), NR(inotify_rm_watch), NR(migrate_pages), NR(openat), NR(mkdirat),
	NR(mknodat), NR(fchownat), NR(futimesat), NR(newfstatat), NR(unlinkat), NR(renameat),
	NR(linkat), NR(symlinkat), NR(readlinkat), NR(fchmodat), NR(faccessat), NR(pselect6),
	NR(ppoll), NR(unshare), NR(set_robust_list), NR(get_robust_list), NR(splice), NR(tee),
	NR(sync_file_range), NR(vmsplice), NR(move_pages), NR(utimensat), NR(epoll_pwait),
	NR(signalfd), NR(timerfd_create), NR(eventfd), NR(fallocate), NR(timerfd_settime),
	NR(timerfd_gettime), NR(accept4), NR(signalfd4), NR(eventfd2), NR(epoll_create1), NR(dup3),
	NR(pipe2), NR(inotify_init1), NR(preadv), NR(pwritev), NR(rt_tgsigqueueinfo),
	NR(perf_event_open), NR(recvmmsg), NR(fanotify_init), NR(fanotify_mark), NR(prlimit64),
	NR(name_to_handle_at), NR(open_by_handle_at), NR(clock_adjtime), NR(syncfs), NR(sendmmsg),
	NR(setns), NR(getcpu), NR(process_vm_readv), NR(process_vm_writev), NR(kcmp),
	NR(finit_module), NR(sched_setattr), NR(sched_getattr), NR(renameat2), NR(seccomp),
	NR(getrandom), NR(memfd_create), NR(kexec_file_load), NR(bpf), NR(execveat),
	NR(userfaultfd), NR(membarrier), NR(mlock2), NR(copy_file_range), NR(preadv2), NR(pwritev2),
	NR(pkey_mprotect), NR(pkey_alloc), NR(pkey_free), NR(statx), NR(io_pgetevents), NR(rseq),
	NR(pidfd_send_signal), NR(io_uring_setup), NR(io_uring_enter), NR(io_uring_register),
	NR(open_tree), NR(move_mount), NR(fsopen), NR(fsconfig), NR(fsmount), NR(fspick),
	NR(pidfd_open), NR(clone3), NR(close_range), NR(openat2), NR(pidfd_getfd), NR(faccessat2),
	NR(process_madvise), NR(epoll_pwait2), NR(mount_setattr), NR(quotactl_fd),
	NR(landlock_create_ruleset), NR(landlock_add_rule), NR(landlock_restrict_self),
	NR(memfd_secret), NR(process_mrelease), NR(futex_waitv), NR(set_mempolicy_home_node),
};
/* clang-format on */

/* Fake guest memory: pages at fixed addresses, mapped or not. */
#define BASE 0x400000ull /* pages 0-2 mapped, page 3 not */
#define TOP_PAGE 0x7ffffffff000ull /* the last page below the non-canonical hole */

struct page {
	uint64_t gva;
	bool mapped;
	uint8_t data[PAGE];
};

struct guest {
	struct page pages[5];
	int reads;
	bool crossed; /* a read spanned two pages */
	bool noncanonical; /* a read was asked for a non-canonical address */
};

static bool is_canonical(uint64_t gva)
{
	return gva < 0x800000000000ull || gva >= 0xffff800000000000ull;
}

static struct page *find_page(struct guest *g, uint64_t gva)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(g->pages); i++) {
		if (g->pages[i].gva == (gva & ~(uint64_t)(PAGE - 1)))
			return &g->pages[i];
	}
	return NULL;
}

static int guest_read(void *ctx, uint64_t gva, void *buf, size_t len)
{
	struct guest *g = ctx;
	struct page *p;
	size_t off, n;

	g->reads++;
	if (!is_canonical(gva))
		g->noncanonical = true;
	if (len && gva / PAGE != (gva + len - 1) / PAGE)
		g->crossed = true;
	for (off = 0; off < len; off += n) {
		p = find_page(g, gva + off);
		if (!p || !p->mapped)
			return -EFAULT;
		n = PAGE - ((gva + off) & (PAGE - 1));
		if (n > len - off)
			n = len - off;
		memcpy((uint8_t *)buf + off, p->data + ((gva + off) & (PAGE - 1)), n);
	}
	return 0;
}

/* Store bytes in mapped or unmapped fake memory (the test's own writes never fault). */
static void poke(struct guest *g, uint64_t gva, const void *data, size_t len)
{
	struct page *p;
	size_t i;

	for (i = 0; i < len; i++) {
		p = find_page(g, gva + i);
		assert_non_null(p);
		p->data[(gva + i) & (PAGE - 1)] = ((const uint8_t *)data)[i];
	}
}

static int setup(void **state)
{
	struct guest *g = calloc(1, sizeof(*g));
	size_t i;

	assert_non_null(g);
	for (i = 0; i < 4; i++) {
		g->pages[i].gva = BASE + i * PAGE;
		g->pages[i].mapped = i < 3;
	}
	g->pages[4].gva = TOP_PAGE;
	g->pages[4].mapped = true;
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct sysdecode_call call6(const char *name, uint64_t a0, uint64_t a1, uint64_t a2,
				   uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct sysdecode_call c = { .args = { a0, a1, a2, a3, a4, a5 } };
	int nr = syscall__by_name(name);

	assert_true(nr >= 0);
	c.nr = nr;
	return c;
}

/* CALL(name, args...): up to six arguments, the rest 0. */
#define CALL(name, ...) CALL_(name, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define CALL_(name, a0, a1, a2, a3, a4, a5, ...) call6(name, a0, a1, a2, a3, a4, a5)

/* Decode c at exit with return value ret and compare with want. */
static void check_exit(struct guest *g, struct sysdecode_call c, int64_t ret, const char *want)
{
	char line[LINE_MAX_LEN];

	c.phase = SYSDECODE_EXIT;
	c.ret = ret;
	assert_int_equal(sysdecode__format(&c, guest_read, g, line, sizeof(line)), 0);
	assert_string_equal(line, want);
}

static void check_entry(struct guest *g, struct sysdecode_call c, const char *want)
{
	char line[LINE_MAX_LEN];

	c.phase = SYSDECODE_ENTRY;
	assert_int_equal(sysdecode__format(&c, guest_read, g, line, sizeof(line)), 0);
	assert_string_equal(line, want);
}

/* The table. */

/* Calls inside the header's range that are newer than Debian 12's header. */
static bool newer_than_header(unsigned int nr)
{
	return nr == 335; /* uretprobe, Linux 6.11 */
}

/* Up to the header's last number, the table names exactly what the header does. */
static void check_no_extra(const bool *in_header, unsigned int max)
{
	unsigned int nr;

	for (nr = 0; nr <= max; nr++) {
		if (syscall__by_nr(nr) && !in_header[nr])
			assert_true(newer_than_header(nr));
	}
}

static void test_table_matches_header_macros(void **state)
{
	bool in_header[SYSCALL_NR_MAX] = { false };
	unsigned int i, nr, max = 0;

	(void)state;
	for (i = 0; i < ARRAY_LEN(header_calls); i++) {
		nr = header_calls[i].nr;
		assert_true(nr < SYSCALL_NR_MAX);
		assert_false(in_header[nr]); /* listed once */
		assert_non_null(syscall__by_nr(nr));
		assert_string_equal(syscall__name(nr), header_calls[i].name);
		in_header[nr] = true;
		max = nr > max ? nr : max;
	}
	check_no_extra(in_header, max);
}

static FILE *open_first(const char *const *paths, size_t n)
{
	FILE *f = NULL;
	size_t i;

	for (i = 0; i < n && !f; i++)
		f = fopen(paths[i], "r");
	return f;
}

/* The header file itself, in case it holds calls the list above was not written for. */
static void test_table_matches_header_file(void **state)
{
	static const char *const paths[] = { "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
					     "/usr/include/asm/unistd_64.h" };
	bool in_header[SYSCALL_NR_MAX] = { false };
	unsigned int nr, n = 0, max = 0;
	char line[256], name[64];
	FILE *f = open_first(paths, ARRAY_LEN(paths));

	(void)state;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#define __NR_%63s %u", name, &nr) != 2)
			continue;
		assert_true(nr < SYSCALL_NR_MAX);
		assert_non_null(syscall__name(nr));
		assert_string_equal(syscall__name(nr), name);
		in_header[nr] = true;
		max = nr > max ? nr : max;
		n++;
	}
	fclose(f);
	assert_true(n >= ARRAY_LEN(header_calls));
	check_no_extra(in_header, max);
}

static bool is_length_kind(enum sysarg_kind k)
{
	return k == SYSA_SIZE || k == SYSA_INT || k == SYSA_UINT;
}

static void check_args(const struct syscall_desc *d)
{
	enum sysarg_kind k;
	unsigned int i;

	assert_true(d->nargs <= SYSCALL_ARGS_MAX);
	for (i = 0; i < SYSCALL_ARGS_MAX; i++) {
		k = sysarg__kind(d->args[i]);
		if (i >= d->nargs) {
			assert_int_equal(d->args[i], SYSA_NONE);
			continue;
		}
		assert_true(k > SYSA_NONE && k < SYSA_KIND_COUNT);
		if (k != SYSA_BUF_IN && k != SYSA_BUF_OUT) {
			assert_int_equal(sysarg__len_index(d->args[i]), 0);
			continue;
		}
		assert_true(sysarg__len_index(d->args[i]) < d->nargs);
		assert_true(is_length_kind(sysarg__kind(d->args[sysarg__len_index(d->args[i])])));
	}
}

static void test_table_consistent(void **state)
{
	const struct syscall_desc *d;
	unsigned int nr, n = 0;

	(void)state;
	for (nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		d = syscall__by_nr(nr);
		if (!d)
			continue;
		n++;
		assert_int_equal(syscall__by_name(d->name), nr); /* names are unique */
		assert_true(d->classes && d->classes < 1u << SYSC_COUNT);
		if (d->classes & SYSC_OTHER)
			assert_int_equal(d->classes, SYSC_OTHER);
		assert_true(d->ret == SYSA_INT || d->ret == SYSA_FD || d->ret == SYSA_HEX ||
			    d->ret == SYSA_MODE);
		check_args(d);
	}
	assert_true(n >= ARRAY_LEN(header_calls));
}

static void test_table_entries(void **state)
{
	const struct syscall_desc *d;

	(void)state;
	d = syscall__by_nr(257);
	assert_non_null(d);
	assert_int_equal(d->nargs, 4);
	assert_int_equal(d->args[0], SYSA_AT_FD);
	assert_int_equal(d->args[1], SYSA_PATH);
	assert_int_equal(d->args[2], SYSA_OPEN_FLAGS);
	assert_int_equal(d->args[3], SYSA_MODE);
	assert_int_equal(d->ret, SYSA_FD);
	assert_int_equal(d->classes, SYSC_FILE | SYSC_DESC);
	d = syscall__by_nr(0);
	assert_int_equal(d->args[1], SYSA_BUF_OUT_LEN(2));
	assert_int_equal(sysarg__len_index(d->args[1]), 2);
	d = syscall__by_nr(1);
	assert_int_equal(d->args[1], SYSA_BUF_IN_LEN(2));
	assert_int_equal(syscall__by_nr(39)->nargs, 0);
	assert_int_equal(syscall__by_nr(9)->ret, SYSA_HEX);
	assert_string_equal(syscall__name(156), "_sysctl");
	assert_string_equal(syscall__name(462), "mseal");
}

static void test_lookups(void **state)
{
	(void)state;
	assert_string_equal(syscall__name(0), "read");
	assert_string_equal(syscall__name(257), "openat");
	assert_string_equal(syscall__name(450), "set_mempolicy_home_node");
	assert_null(syscall__by_nr(400)); /* the gap 336-423 */
	assert_null(syscall__name(336));
	assert_null(syscall__by_nr(SYSCALL_NR_MAX));
	assert_null(syscall__by_nr(~0u));
	assert_int_equal(syscall__by_name("openat"), 257);
	assert_int_equal(syscall__by_name("read"), 0);
	assert_int_equal(syscall__by_name("exit_group"), 231);
	assert_int_equal(syscall__by_name("opnat"), -ENOENT);
	assert_int_equal(syscall__by_name(""), -ENOENT);
	assert_int_equal(syscall__by_name("OPENAT"), -ENOENT);
}

/* Classes and selections. */

static void test_class_names(void **state)
{
	static const char *const names[] = { "file", "process", "memory", "network", "time",
					     "ipc",  "signal",	"desc",	  "other" };
	unsigned int i;

	(void)state;
	assert_int_equal(ARRAY_LEN(names), SYSC_COUNT);
	for (i = 0; i < SYSC_COUNT; i++) {
		assert_string_equal(syscall__class_name(1u << i), names[i]);
		assert_int_equal(syscall__class_by_name(names[i]), 1 << i);
	}
	assert_int_equal(syscall__class_by_name("files"), -ENOENT);
	assert_null(syscall__class_name(0));
	assert_null(syscall__class_name(SYSC_FILE | SYSC_DESC));
	assert_null(syscall__class_name(1u << SYSC_COUNT));
}

static struct syscall_set parse_ok(const char *spec)
{
	struct syscall_set s;

	err__clear();
	assert_int_equal(syscall_set__parse(&s, spec), 0);
	return s;
}

static bool has(const struct syscall_set *s, const char *name)
{
	int nr = syscall__by_name(name);

	assert_true(nr >= 0);
	return syscall_set__has(s, nr);
}

static void test_class_selection(void **state)
{
	struct syscall_set s;

	(void)state;
	s = parse_ok("class:file");
	assert_true(has(&s, "openat"));
	assert_true(has(&s, "open"));
	assert_true(has(&s, "stat"));
	assert_true(has(&s, "execve"));
	assert_false(has(&s, "mmap"));
	assert_false(has(&s, "read"));
	assert_false(has(&s, "socket"));
	s = parse_ok("class:memory");
	assert_true(has(&s, "mmap"));
	assert_true(has(&s, "brk"));
	assert_false(has(&s, "openat"));
	s = parse_ok("class:time");
	assert_true(has(&s, "clock_gettime"));
	assert_true(has(&s, "nanosleep"));
	assert_true(has(&s, "timerfd_create"));
	assert_true(has(&s, "alarm"));
	assert_false(has(&s, "read"));
	s = parse_ok("class:network,class:signal");
	assert_true(has(&s, "connect"));
	assert_true(has(&s, "rt_sigaction"));
	assert_false(has(&s, "openat"));
	s = parse_ok("class:process");
	assert_true(has(&s, "clone"));
	assert_true(has(&s, "exit_group"));
	assert_false(has(&s, "getpid")); /* strace's %process: not getpid */
	s = parse_ok("class:ipc");
	assert_true(has(&s, "shmget"));
	s = parse_ok("class:desc");
	assert_true(has(&s, "read"));
	assert_false(has(&s, "stat"));
	s = parse_ok("class:other");
	assert_true(has(&s, "getpid"));
	assert_false(has(&s, "read"));
}

static void test_class_set_equals_table(void **state)
{
	struct syscall_set a = parse_ok("class:file"), b = parse_ok("%file");
	unsigned int nr;

	(void)state;
	assert_memory_equal(&a, &b, sizeof(a));
	for (nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		const struct syscall_desc *d = syscall__by_nr(nr);

		assert_int_equal(syscall_set__has(&a, nr), d && (d->classes & SYSC_FILE));
	}
}

static void test_parse_items(void **state)
{
	struct syscall_set s;

	(void)state;
	s = parse_ok("read,write,257");
	assert_int_equal(syscall_set__count(&s), 3);
	assert_true(has(&s, "read") && has(&s, "write") && has(&s, "openat"));
	s = parse_ok(" read , 0x101 ");
	assert_int_equal(syscall_set__count(&s), 2);
	assert_true(has(&s, "openat"));
	s = parse_ok("read,read");
	assert_int_equal(syscall_set__count(&s), 1);
	s = parse_ok("400"); /* no name, still selectable */
	assert_int_equal(syscall_set__count(&s), 1);
	assert_true(syscall_set__has(&s, 400));
	s = parse_ok("511");
	assert_true(syscall_set__has(&s, 511));
}

static void test_parse_all_and_removals(void **state)
{
	struct syscall_set s;

	(void)state;
	s = parse_ok("all");
	assert_int_equal(syscall_set__count(&s), SYSCALL_NR_MAX);
	s = parse_ok("all,!read,-write");
	assert_int_equal(syscall_set__count(&s), SYSCALL_NR_MAX - 2);
	assert_false(has(&s, "read"));
	assert_false(has(&s, "write"));
	assert_true(has(&s, "openat"));
	s = parse_ok("!read"); /* a leading removal starts from all */
	assert_int_equal(syscall_set__count(&s), SYSCALL_NR_MAX - 1);
	assert_false(has(&s, "read"));
	assert_true(has(&s, "write"));
	s = parse_ok("-class:file,openat");
	assert_true(has(&s, "openat"));
	assert_false(has(&s, "open"));
	assert_true(has(&s, "mmap"));
	s = parse_ok("class:file,!openat");
	assert_false(has(&s, "openat"));
	assert_true(has(&s, "open"));
	assert_false(has(&s, "mmap"));
	s = parse_ok("-all");
	assert_int_equal(syscall_set__count(&s), 0);
	s = parse_ok("!read,read");
	assert_int_equal(syscall_set__count(&s), SYSCALL_NR_MAX);
}

/* A failing parse: -EINVAL, the set untouched, a message holding each of the words. */
static void parse_fails(const char *spec, const char *word1, const char *word2)
{
	struct syscall_set s, before;

	memset(&s, 0x5a, sizeof(s));
	before = s;
	err__clear();
	assert_int_equal(syscall_set__parse(&s, spec), -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));
	if (word1)
		assert_non_null(strstr(err__msg(-EINVAL), word1));
	if (word2)
		assert_non_null(strstr(err__msg(-EINVAL), word2));
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("read,opnat", "'opnat'", "did you mean 'openat'?");
	parse_fails("opneat", "'opneat'", "did you mean 'openat'?");
	parse_fails("!clsoe", "'clsoe'", "did you mean 'close'?");
	parse_fails("al", "'al'", "did you mean 'all'?");
	parse_fails("class:fle", "'fle'", "did you mean 'file'?");
	parse_fails("%netwrk", "'netwrk'", "did you mean 'network'?");
	parse_fails("class:zzzzzzzz", "'zzzzzzzz'", "file, process");
	parse_fails("qqqqqqqqqq", "'qqqqqqqqqq'", NULL);
	assert_null(strstr(err__msg(-EINVAL), "did you mean"));
	parse_fails("read,,write", "empty item", "'read,,write'");
	parse_fails("read,", "empty item", NULL);
	parse_fails("", "empty", NULL);
	parse_fails(NULL, "empty", NULL);
	parse_fails("512", "512", "out of range");
	parse_fails("99999999999999999999999", "out of range", NULL);
	parse_fails("12x", "'12x'", "not a system call number");
	parse_fails("read,!", "'!'", "followed");
	parse_fails("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "aaaaaaaa", "no name is that long");
}

static void test_set_basics(void **state)
{
	struct syscall_set s;

	(void)state;
	syscall_set__clear(&s);
	assert_int_equal(syscall_set__count(&s), 0);
	syscall_set__add(&s, 0);
	syscall_set__add(&s, 63);
	syscall_set__add(&s, 64);
	syscall_set__add(&s, 511);
	syscall_set__add(&s, 512); /* ignored */
	assert_int_equal(syscall_set__count(&s), 4);
	assert_true(syscall_set__has(&s, 64));
	assert_false(syscall_set__has(&s, 65));
	assert_false(syscall_set__has(&s, 512));
	syscall_set__del(&s, 64);
	assert_false(syscall_set__has(&s, 64));
	assert_true(syscall_set__has(&s, 63));
	syscall_set__fill(&s);
	assert_int_equal(syscall_set__count(&s), SYSCALL_NR_MAX);
}

/* errno names. */

static void check_errno_header(const char *path)
{
	char line[256], name[64];
	unsigned int n = 0;
	int value;
	FILE *f = fopen(path, "r");

	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#define %63s %d", name, &value) != 2)
			continue; /* guards, comments and aliases (EWOULDBLOCK EAGAIN) */
		assert_non_null(syscall__errno_name(-value));
		assert_string_equal(syscall__errno_name(-value), name);
		n++;
	}
	fclose(f);
	assert_true(n >= 34);
}

static void test_errno_headers(void **state)
{
	(void)state;
	check_errno_header("/usr/include/asm-generic/errno-base.h");
	check_errno_header("/usr/include/asm-generic/errno.h");
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(syscall__errno_name(-1), "EPERM");
	assert_string_equal(syscall__errno_name(-ENOENT), "ENOENT");
	assert_string_equal(syscall__errno_name(-EWOULDBLOCK), "EAGAIN");
	assert_string_equal(syscall__errno_name(-EDEADLOCK), "EDEADLK");
	assert_string_equal(syscall__errno_name(-ENOTSUP), "EOPNOTSUPP");
	assert_string_equal(syscall__errno_name(-133), "EHWPOISON");
	assert_string_equal(syscall__errno_name(-512), "ERESTARTSYS");
	assert_string_equal(syscall__errno_name(-531), "ENOGRACE");
	assert_null(syscall__errno_name(0));
	assert_null(syscall__errno_name(2));
	assert_null(syscall__errno_name(-41)); /* unused numbers */
	assert_null(syscall__errno_name(-520));
	assert_null(syscall__errno_name(-532));
	assert_null(syscall__errno_name(-4095));
	assert_null(syscall__errno_name(-4096));
	assert_null(syscall__errno_name(INT64_MIN));
}

/* Decoding. */

#define PATH_GVA (BASE + 0x100)
#define BUF_GVA (BASE + 0x200)
#define AT_FDCWD_ARG ((uint64_t)-100)

static void test_decode_openat(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c;

	poke(g, PATH_GVA, "/etc/passwd", 12);
	c = CALL("openat", AT_FDCWD_ARG, PATH_GVA, 02000000, 0777);
	check_exit(g, c, 3, "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
	check_entry(g, c, "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC)");
	c.args[0] = 0xffffff9c; /* AT_FDCWD as a 32-bit int */
	check_exit(g, c, -ENOENT,
		   "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = -1 ENOENT");
	c = CALL("openat", 3, PATH_GVA, 01101, 0644);
	check_exit(g, c, -EACCES,
		   "openat(3, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EACCES");
	c = CALL("openat", 3, PATH_GVA, 020200002, 0600);
	check_exit(g, c, 4, "openat(3, \"/etc/passwd\", O_RDWR|O_TMPFILE, 0600) = 4");
	c = CALL("open", PATH_GVA, 04010001, 0);
	check_exit(g, c, 5, "open(\"/etc/passwd\", O_WRONLY|O_SYNC) = 5");
}

static void test_decode_unknown_flag_bits(void **state)
{
	struct guest *g = *state;

	poke(g, PATH_GVA, "/etc/passwd", 12);
	check_exit(g, CALL("openat", AT_FDCWD_ARG, PATH_GVA, 0x40000000 | 02000000, 0), 3,
		   "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC|0x40000000) = 3");
	check_exit(g, CALL("access", PATH_GVA, 0x8 | 4), 0,
		   "access(\"/etc/passwd\", R_OK|0x8) = 0");
	check_exit(g, CALL("access", PATH_GVA, 0), 0, "access(\"/etc/passwd\", F_OK) = 0");
	check_exit(g, CALL("mprotect", BASE, 4096, 0x10 | 1), 0,
		   "mprotect(0x400000, 4096, PROT_READ|0x10) = 0");
	check_exit(g, CALL("unlinkat", AT_FDCWD_ARG, PATH_GVA, 0x200 | 0x10000), 0,
		   "unlinkat(AT_FDCWD, \"/etc/passwd\", AT_REMOVEDIR|0x10000) = 0");
	check_exit(g, CALL("newfstatat", 3, PATH_GVA, BUF_GVA, 0), 0,
		   "newfstatat(3, \"/etc/passwd\", 0x400200, 0) = 0");
}

static void test_decode_read_write(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c;

	poke(g, BUF_GVA, "abc\n", 4);
	c = CALL("read", 3, BUF_GVA, 4096);
	check_exit(g, c, 4, "read(3, \"abc\\n\", 4096) = 4");
	check_exit(g, c, 0, "read(3, \"\", 4096) = 0");
	check_exit(g, c, -EBADF, "read(3, 0x400200, 4096) = -1 EBADF");
	check_entry(g, c, "read(3, 0x400200, 4096)");
	c = CALL("read", 3, BUF_GVA, 2);
	check_exit(g, c, 4, "read(3, \"ab\", 2) = 4"); /* never past the buffer */
	c = CALL("write", 1, BUF_GVA, 4);
	check_entry(g, c, "write(1, \"abc\\n\", 4)");
	check_exit(g, c, -EPIPE, "write(1, \"abc\\n\", 4) = -1 EPIPE");
	c = CALL("write", 1, 0, 0);
	check_exit(g, c, 0, "write(1, NULL, 0) = 0");
}

static void test_decode_escaping(void **state)
{
	static const char data[40] = "a\"b\\c\n\t\r\v\f"
				     "\0"
				     "1"
				     "\0"
				     "x"
				     "\x1b"
				     "["
				     "\x7f"
				     "\xff"
				     "7"
				     "89abcdefghijk"
				     "lmnopqrs";
	struct guest *g = *state;

	poke(g, BUF_GVA, data, sizeof(data));
	check_exit(g, CALL("write", 1, BUF_GVA, 40), 40,
		   "write(1, \"a\\\"b\\\\c\\n\\t\\r\\v\\f\\0001\\0x\\33[\\177\\3777"
		   "89abcdefghijk\"..., 40) = 40");
	check_exit(g, CALL("write", 1, BUF_GVA, 32), 32,
		   "write(1, \"a\\\"b\\\\c\\n\\t\\r\\v\\f\\0001\\0x\\33[\\177\\3777"
		   "89abcdefghijk\", 32) = 32");
	check_exit(g, CALL("read", 1, BUF_GVA, 40), 33,
		   "read(1, \"a\\\"b\\\\c\\n\\t\\r\\v\\f\\0001\\0x\\33[\\177\\3777"
		   "89abcdefghijk\"..., 40) = 33");
	poke(g, PATH_GVA, "tab\there\0", 10);
	check_exit(g, CALL("chdir", PATH_GVA), 0, "chdir(\"tab\\there\") = 0");
}

static void test_decode_page_crossing(void **state)
{
	struct guest *g = *state;
	uint64_t end2 = BASE + 3 * PAGE; /* page 3 is not mapped */

	poke(g, end2 - 5, "abcde", 5);
	check_exit(g, CALL("open", end2 - 5, 0, 0), -EFAULT,
		   "open(\"abcde\"... <fault>, O_RDONLY) = -1 EFAULT");
	poke(g, end2 - 5, "abcd", 5); /* with its NUL, the last byte of the page */
	check_exit(g, CALL("open", end2 - 5, 0, 0), 3, "open(\"abcd\", O_RDONLY) = 3");
	poke(g, BASE + PAGE - 5, "/usr/lib", 9); /* across two mapped pages */
	check_exit(g, CALL("open", BASE + PAGE - 5, 0, 0), 3, "open(\"/usr/lib\", O_RDONLY) = 3");
	poke(g, end2 - 3, "xyz", 3); /* a buffer running into the hole */
	check_exit(g, CALL("write", 1, end2 - 3, 10), 10, "write(1, \"xyz\"... <fault>, 10) = 10");
	check_exit(g, CALL("write", 1, end2, 10), 10, "write(1, 0x403000 <fault>, 10) = 10");
	assert_false(g->crossed);
}

static void test_decode_bad_pointers(void **state)
{
	struct guest *g = *state;

	check_exit(g, CALL("open", 0, 0, 0), -EFAULT, "open(NULL, O_RDONLY) = -1 EFAULT");
	check_exit(g, CALL("open", 0xdeadbeef, 0, 0), -EFAULT,
		   "open(0xdeadbeef <fault>, O_RDONLY) = -1 EFAULT");
	check_exit(g, CALL("open", 0xffff800000000000ull, 0, 0), -EFAULT,
		   "open(0xffff800000000000 <fault>, O_RDONLY) = -1 EFAULT");
	g->reads = 0;
	check_exit(g, CALL("open", 0x800000000000ull, 0, 0), -EFAULT,
		   "open(0x800000000000 <fault>, O_RDONLY) = -1 EFAULT");
	check_exit(g, CALL("write", 1, 0x8000000000001234ull, 8), 8,
		   "write(1, 0x8000000000001234 <fault>, 8) = 8");
	assert_int_equal(g->reads, 0); /* never asked for a non-canonical address */
	/* A string at the top of the lower half runs into the non-canonical hole. */
	poke(g, TOP_PAGE + PAGE - 4, "abcd", 4);
	check_exit(g, CALL("open", TOP_PAGE + PAGE - 4, 0, 0), -EFAULT,
		   "open(\"abcd\"... <fault>, O_RDONLY) = -1 EFAULT");
	check_exit(g, CALL("open", 0xfffffffffffffffeull, 0, 0), -EFAULT,
		   "open(0xfffffffffffffffe <fault>, O_RDONLY) = -1 EFAULT");
	assert_false(g->noncanonical);
	assert_false(g->crossed);
}

static void test_decode_long_path(void **state)
{
	struct guest *g = *state;
	char path[301], want[400];

	memset(path, 'p', 300);
	path[300] = '\0';
	poke(g, BASE + 0x800, path, sizeof(path));
	snprintf(want, sizeof(want), "chdir(\"%.*s\"...) = 0", SYSDECODE_PATH_MAX, path);
	check_exit(g, CALL("chdir", BASE + 0x800), 0, want);
	path[SYSDECODE_PATH_MAX] = '\0'; /* exactly the limit: whole */
	poke(g, BASE + 0x800, path, SYSDECODE_PATH_MAX + 1);
	snprintf(want, sizeof(want), "chdir(\"%s\") = 0", path);
	check_exit(g, CALL("chdir", BASE + 0x800), 0, want);
}

static void test_decode_numbers_and_flags(void **state)
{
	struct guest *g = *state;

	check_exit(g, CALL("mmap", 0, 4096, 3, 0x22, (uint64_t)-1, 0), 0x7f0000000000,
		   "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		   "0x7f0000000000");
	check_exit(g, CALL("mmap", 0, 4096, 0, 0x40022 | 21ull << 26, 3, 0x1000), -ENOMEM,
		   "mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|"
		   "21<<MAP_HUGE_SHIFT, 3, 0x1000) = -1 ENOMEM");
	check_exit(g, CALL("kill", 123, 9), 0, "kill(123, SIGKILL) = 0");
	check_exit(g, CALL("kill", 1, 32), 0, "kill(1, SIGRTMIN) = 0");
	check_exit(g, CALL("kill", 1, 40), 0, "kill(1, SIGRT_8) = 0");
	check_exit(g, CALL("kill", 1, 0), 0, "kill(1, 0) = 0");
	check_exit(g, CALL("kill", (uint64_t)-1, 99), -EINVAL, "kill(-1, 99) = -1 EINVAL");
	check_exit(g, CALL("clone", 0x1200000 | 17, 0, 0, BUF_GVA, 0), 42,
		   "clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, 0x400200, "
		   "0) = 42");
	check_exit(g, CALL("unshare", 0x20000 | 0x80), 0, "unshare(CLONE_NEWNS|0x80) = 0");
	check_exit(g, CALL("lseek", 3, (uint64_t)-1, 2), 99, "lseek(3, -1, SEEK_END) = 99");
	check_exit(g, CALL("lseek", 3, 0, 9), -EINVAL, "lseek(3, 0, 9) = -1 EINVAL");
	check_exit(g, CALL("umask", 022), 02, "umask(022) = 002");
	poke(g, PATH_GVA, "/dev/x", 7);
	check_exit(g, CALL("mknod", PATH_GVA, 020600, 0x103), 0,
		   "mknod(\"/dev/x\", S_IFCHR|0600, 0x103) = 0");
	check_exit(g, CALL("mkdir", PATH_GVA, 01777), 0, "mkdir(\"/dev/x\", 01777) = 0");
	check_exit(g, CALL("getpid", 0), 7, "getpid() = 7");
	check_exit(g, CALL("alarm", 0xffffffff00000005ull), 0, "alarm(5) = 0");
	check_exit(g, CALL("read", 0x100000003ull, BUF_GVA, 0), 0, "read(3, \"\", 0) = 0");
}

static void test_decode_unknown_call_and_errno(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c = { .nr = 400, .args = { 1, 2, 3, 4, 5, 0x66 } };

	check_exit(g, c, -ENOSYS, "syscall_0x190(0x1, 0x2, 0x3, 0x4, 0x5, 0x66) = -1 ENOSYS");
	check_entry(g, c, "syscall_0x190(0x1, 0x2, 0x3, 0x4, 0x5, 0x66)");
	check_exit(g, CALL("close", 3), -4000, "close(3) = -1 errno 4000");
	check_exit(g, CALL("close", 3), -4096, "close(3) = -4096");
	check_exit(g, CALL("close", 3), -512, "close(3) = -1 ERESTARTSYS");
}

static void test_decode_out_strings(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c = CALL("getcwd", BUF_GVA, 4096);

	poke(g, BUF_GVA, "/home/guest", 12);
	check_entry(g, c, "getcwd(0x400200, 4096)");
	check_exit(g, c, 12, "getcwd(\"/home/guest\", 4096) = 12");
	check_exit(g, c, -ERANGE, "getcwd(0x400200, 4096) = -1 ERANGE");
	poke(g, PATH_GVA, "/proc/self/exe", 15);
	c = CALL("readlink", PATH_GVA, BUF_GVA, 64);
	check_exit(g, c, 5, "readlink(\"/proc/self/exe\", \"/home\", 64) = 5");
}

static void test_decode_no_reader(void **state)
{
	struct sysdecode_call c = CALL("openat", AT_FDCWD_ARG, PATH_GVA, 0, 0);
	char line[256];

	(void)state;
	c.phase = SYSDECODE_EXIT;
	c.ret = 3;
	assert_int_equal(sysdecode__format(&c, NULL, NULL, line, sizeof(line)), 0);
	assert_string_equal(line, "openat(AT_FDCWD, 0x400100, O_RDONLY) = 3");
}

static void test_truncation(void **state)
{
	static const char full[] = "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3";
	const size_t mark = strlen(SYSDECODE_TRUNCATED), len = strlen(full);
	struct guest *g = *state;
	struct sysdecode_call c = CALL("openat", AT_FDCWD_ARG, PATH_GVA, 02000000, 0);
	char line[128];
	size_t size;

	poke(g, PATH_GVA, "/etc/passwd", 12);
	c.phase = SYSDECODE_EXIT;
	c.ret = 3;
	assert_int_equal(sysdecode__format(&c, guest_read, g, line, len + 1), 0);
	assert_string_equal(line, full);
	for (size = mark + 1; size <= len; size++) {
		memset(line, 'X', sizeof(line));
		assert_int_equal(sysdecode__format(&c, guest_read, g, line, size), -ENOSPC);
		assert_int_equal(strlen(line), size - 1);
		assert_string_equal(line + size - 1 - mark, SYSDECODE_TRUNCATED);
		assert_memory_equal(line, full, size - 1 - mark);
		assert_int_equal(line[size], 'X'); /* nothing written past size */
	}
	memset(line, 'X', sizeof(line));
	assert_int_equal(sysdecode__format(&c, guest_read, g, line, 5), -ENOSPC);
	assert_string_equal(line, "open"); /* no room for the marker */
	memset(line, 'X', sizeof(line));
	assert_int_equal(sysdecode__format(&c, guest_read, g, line, 0), -ENOSPC);
	assert_int_equal(line[0], 'X');
}

static void test_arg_string(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c = CALL("openat", AT_FDCWD_ARG, PATH_GVA, 0, 0);
	char s[64];

	poke(g, PATH_GVA, "/etc/passwd", 12);
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), 0);
	assert_string_equal(s, "\"/etc/passwd\"");
	assert_int_equal(sysdecode__arg_string(&c, 0, guest_read, g, s, sizeof(s)), -EINVAL);
	assert_int_equal(sysdecode__arg_string(&c, 3, guest_read, g, s, sizeof(s)), -EINVAL);
	assert_int_equal(sysdecode__arg_string(&c, 6, guest_read, g, s, sizeof(s)), -EINVAL);
	assert_int_equal(sysdecode__arg_string(&c, 1, NULL, NULL, s, sizeof(s)), -ENODATA);
	assert_string_equal(s, "0x400100");
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, 8), -ENOSPC);
	assert_string_equal(s, "\"/etc/p");
	c.args[1] = 0xdeadbeef;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), -EFAULT);
	assert_string_equal(s, "0xdeadbeef <fault>");
	c.args[1] = 0;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), 0);
	assert_string_equal(s, "NULL");
	c.nr = 400;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), -EINVAL);
}

static void test_arg_string_buffers(void **state)
{
	struct guest *g = *state;
	struct sysdecode_call c = CALL("read", 3, BUF_GVA, 100);
	char s[64];

	poke(g, BUF_GVA, "abc\n", 4);
	c.phase = SYSDECODE_ENTRY;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), -ENODATA);
	assert_string_equal(s, "0x400200");
	c.phase = SYSDECODE_EXIT;
	c.ret = 4;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), 0);
	assert_string_equal(s, "\"abc\\n\"");
	c.ret = -EIO;
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), -ENODATA);
	c = CALL("write", 1, BASE + 3 * PAGE - 2, 10);
	poke(g, BASE + 3 * PAGE - 2, "hi", 2);
	assert_int_equal(sysdecode__arg_string(&c, 1, guest_read, g, s, sizeof(s)), -EFAULT);
	assert_string_equal(s, "\"hi\"... <fault>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_header_macros),
		cmocka_unit_test(test_table_matches_header_file),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_table_entries),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_class_selection),
		cmocka_unit_test(test_class_set_equals_table),
		cmocka_unit_test(test_parse_items),
		cmocka_unit_test(test_parse_all_and_removals),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_set_basics),
		cmocka_unit_test(test_errno_headers),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test_setup_teardown(test_decode_openat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_unknown_flag_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_page_crossing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_bad_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_long_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_numbers_and_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_unknown_call_and_errno, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decode_out_strings, setup, teardown),
		cmocka_unit_test(test_decode_no_reader),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arg_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arg_string_buffers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
