// SPDX-License-Identifier: GPL-2.0
/*
 * strace-like decoding of system calls (gears/sysdecode.h).  The argument kinds come from
 * syscalls.def; strings are quoted as strace quotes them: \" \\ \f \n \r \t \v, printable
 * ASCII as is, any other byte in octal with as few digits as are unambiguous ("\0", "\33",
 * but "\0001" when an octal digit follows).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/strbuf.h"
#include "sysdecode.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ERRNO 4095
#define AT_FDCWD_VALUE -100
#define O_ACCMODE_BITS 03
#define O_CREAT_BIT 0100
#define O_TMPFILE_BIT 020000000 /* __O_TMPFILE: O_TMPFILE without O_DIRECTORY */
#define CSIGNAL_BITS 0xff
#define MAP_TYPE_BITS 0x0f
#define MAP_HUGETLB_BIT 0x40000
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK 0x3full
#define S_IFMT_BITS 0170000

struct reader {
	sysdecode_read_fn read;
	void *ctx;
};

struct flag {
	uint64_t bits;
	const char *name;
};

/* Tables of named bits, x86-64 values.  A name covering several bits comes before its parts. */
static const struct flag open_flags[] = {
	{ 0100, "O_CREAT" },	    { 0200, "O_EXCL" },		{ 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },	    { 02000, "O_APPEND" },	{ 04000, "O_NONBLOCK" },
	{ 04010000, "O_SYNC" },	    { 010000, "O_DSYNC" },	{ 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },	    { 0100000, "O_LARGEFILE" }, { 020200000, "O_TMPFILE" },
	{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },	{ 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" },  { 010000000, "O_PATH" },
};

static const char *const open_access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

static const struct flag prot_flags[] = {
	{ 0x1, "PROT_READ" },
	{ 0x2, "PROT_WRITE" },
	{ 0x4, "PROT_EXEC" },
	{ 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" },
	{ 0x02000000, "PROT_GROWSUP" },
};

static const struct flag map_types[] = {
	{ 0x1, "MAP_SHARED" },
	{ 0x2, "MAP_PRIVATE" },
	{ 0x3, "MAP_SHARED_VALIDATE" },
};

static const struct flag map_flags[] = {
	{ 0x10, "MAP_FIXED" },	    { 0x20, "MAP_ANONYMOUS" },
	{ 0x40, "MAP_32BIT" },	    { 0x100, "MAP_GROWSDOWN" },
	{ 0x800, "MAP_DENYWRITE" }, { 0x1000, "MAP_EXECUTABLE" },
	{ 0x2000, "MAP_LOCKED" },   { 0x4000, "MAP_NORESERVE" },
	{ 0x8000, "MAP_POPULATE" }, { 0x10000, "MAP_NONBLOCK" },
	{ 0x20000, "MAP_STACK" },   { 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" },    { 0x100000, "MAP_FIXED_NOREPLACE" },
};

static const struct flag clone_flags[] = {
	{ 0x100, "CLONE_VM" },
	{ 0x200, "CLONE_FS" },
	{ 0x400, "CLONE_FILES" },
	{ 0x800, "CLONE_SIGHAND" },
	{ 0x1000, "CLONE_PIDFD" },
	{ 0x2000, "CLONE_PTRACE" },
	{ 0x4000, "CLONE_VFORK" },
	{ 0x8000, "CLONE_PARENT" },
	{ 0x10000, "CLONE_THREAD" },
	{ 0x20000, "CLONE_NEWNS" },
	{ 0x40000, "CLONE_SYSVSEM" },
	{ 0x80000, "CLONE_SETTLS" },
	{ 0x100000, "CLONE_PARENT_SETTID" },
	{ 0x200000, "CLONE_CHILD_CLEARTID" },
	{ 0x400000, "CLONE_DETACHED" },
	{ 0x800000, "CLONE_UNTRACED" },
	{ 0x1000000, "CLONE_CHILD_SETTID" },
	{ 0x2000000, "CLONE_NEWCGROUP" },
	{ 0x4000000, "CLONE_NEWUTS" },
	{ 0x8000000, "CLONE_NEWIPC" },
	{ 0x10000000, "CLONE_NEWUSER" },
	{ 0x20000000, "CLONE_NEWPID" },
	{ 0x40000000, "CLONE_NEWNET" },
	{ 0x80000000, "CLONE_IO" },
};

static const struct flag access_flags[] = {
	{ 4, "R_OK" },
	{ 2, "W_OK" },
	{ 1, "X_OK" },
};

/* 0x200 is AT_REMOVEDIR for unlinkat and AT_EACCESS for faccessat: shown as the former. */
static const struct flag at_flags[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x200, "AT_REMOVEDIR" },
	{ 0x400, "AT_SYMLINK_FOLLOW" },	  { 0x800, "AT_NO_AUTOMOUNT" },
	{ 0x1000, "AT_EMPTY_PATH" },	  { 0x2000, "AT_STATX_FORCE_SYNC" },
	{ 0x4000, "AT_STATX_DONT_SYNC" }, { 0x8000, "AT_RECURSIVE" },
};

static const struct flag file_types[] = {
	{ 0140000, "S_IFSOCK" }, { 0120000, "S_IFLNK" }, { 0100000, "S_IFREG" },
	{ 060000, "S_IFBLK" },	 { 040000, "S_IFDIR" },	 { 020000, "S_IFCHR" },
	{ 010000, "S_IFIFO" },
};

static const char *const whence_names[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA",
					    "SEEK_HOLE" };

static const char *const signal_names[] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",     [3] = "SIGQUIT",	[4] = "SIGILL",
	[5] = "SIGTRAP",  [6] = "SIGABRT",    [7] = "SIGBUS",	[8] = "SIGFPE",
	[9] = "SIGKILL",  [10] = "SIGUSR1",   [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM",   [15] = "SIGTERM", [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT",   [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",	[24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	[29] = "SIGIO",	  [30] = "SIGPWR",    [31] = "SIGSYS",	[32] = "SIGRTMIN",
};

#define SIGRTMIN_NR 32
#define SIGRTMAX_NR 64

/* Output. */

static void put_char(struct strbuf *sb, char c)
{
	if (sb->len + 1 < sb->size) {
		sb->buf[sb->len] = c;
		sb->buf[sb->len + 1] = '\0';
	}
	sb->len++;
}

static void put_str(struct strbuf *sb, const char *s)
{
	while (*s)
		put_char(sb, *s++);
}

static void put_ptr(struct strbuf *sb, uint64_t v)
{
	if (v)
		strbuf__printf(sb, "%#llx", (unsigned long long)v);
	else
		put_str(sb, "NULL");
}

static void put_fault(struct strbuf *sb, uint64_t gva)
{
	strbuf__printf(sb, "%#llx" SYSDECODE_FAULT, (unsigned long long)gva);
}

static void put_quoted_byte(struct strbuf *sb, uint8_t c, bool octal_digit_next)
{
	/* Pairs: a byte, then the letter that follows the backslash for it. */
	static const char escapes[] = "\"\"\\\\\ff\nn\rr\tt\vv";
	const char *e;

	for (e = escapes; *e; e += 2) {
		if (c == (uint8_t)e[0]) {
			put_char(sb, '\\');
			put_char(sb, e[1]);
			return;
		}
	}
	if (c >= ' ' && c < 0x7f)
		put_char(sb, c);
	else
		strbuf__printf(sb, octal_digit_next ? "\\%03o" : "\\%o", c);
}

static void put_quoted(struct strbuf *sb, const uint8_t *s, size_t n)
{
	size_t i;

	put_char(sb, '"');
	for (i = 0; i < n; i++)
		put_quoted_byte(sb, s[i], i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7');
	put_char(sb, '"');
}

/* Named bits: names joined with '|', then any remaining bits in hex; "0" for nothing. */
struct flag_out {
	struct strbuf *sb;
	bool any;
};

static void flag_name(struct flag_out *fo, const char *name)
{
	if (fo->any)
		put_char(fo->sb, '|');
	put_str(fo->sb, name);
	fo->any = true;
}

static uint64_t flag_table(struct flag_out *fo, uint64_t v, const struct flag *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v & t[i].bits) == t[i].bits) {
			flag_name(fo, t[i].name);
			v &= ~t[i].bits;
		}
	}
	return v;
}

static void flag_end(struct flag_out *fo, uint64_t rest)
{
	if (!rest && fo->any)
		return;
	if (fo->any)
		put_char(fo->sb, '|');
	strbuf__printf(fo->sb, "%#llx", (unsigned long long)rest);
}

static void put_flags(struct strbuf *sb, uint64_t v, const struct flag *t, size_t n)
{
	struct flag_out fo = { .sb = sb };

	flag_end(&fo, flag_table(&fo, v, t, n));
}

/* Guest memory. */

static bool canonical(uint64_t gva)
{
	return (uint64_t)((int64_t)(gva << 16) >> 16) == gva;
}

/*
 * Read up to len bytes at gva a page at a time, stopping after the page that holds a NUL
 * when nul_stops.  Returns the bytes read; *fault tells whether a fault stopped it.
 */
static size_t read_guest(const struct reader *r, uint64_t gva, uint8_t *buf, size_t len,
			 bool nul_stops, bool *fault)
{
	size_t done = 0, chunk;
	uint64_t at;

	*fault = false;
	while (done < len) {
		at = gva + done;
		chunk = SYSDECODE_PAGE_SIZE - (at & (SYSDECODE_PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (at < gva || !canonical(at) || r->read(r->ctx, at, buf + done, chunk)) {
			*fault = true;
			break;
		}
		done += chunk;
		if (nul_stops && memchr(buf + done - chunk, '\0', chunk))
			break;
	}
	return done;
}

/* A NUL-terminated string of at most max bytes shown: 0 or -EFAULT. */
static int put_string(struct strbuf *sb, const struct reader *r, uint64_t gva, size_t max)
{
	uint8_t buf[SYSDECODE_PATH_MAX + 1];
	const uint8_t *nul;
	bool fault;
	size_t n;

	n = read_guest(r, gva, buf, max + 1, true, &fault);
	nul = memchr(buf, '\0', n);
	if (nul) {
		put_quoted(sb, buf, nul - buf);
		return 0;
	}
	if (!n) {
		put_fault(sb, gva);
		return -EFAULT;
	}
	put_quoted(sb, buf, n < max ? n : max);
	put_str(sb, "...");
	if (!fault)
		return 0;
	put_str(sb, SYSDECODE_FAULT);
	return -EFAULT;
}

/* A buffer of len bytes, of which SYSDECODE_STR_MAX are shown: 0 or -EFAULT. */
static int put_buffer(struct strbuf *sb, const struct reader *r, uint64_t gva, uint64_t len)
{
	uint8_t buf[SYSDECODE_STR_MAX];
	size_t want = len < SYSDECODE_STR_MAX ? len : SYSDECODE_STR_MAX, n;
	bool fault;

	n = read_guest(r, gva, buf, want, false, &fault);
	if (fault && !n) {
		put_fault(sb, gva);
		return -EFAULT;
	}
	put_quoted(sb, buf, n);
	if (len > n) /* more than shown, or a fault cut it short */
		put_str(sb, "...");
	if (!fault)
		return 0;
	put_str(sb, SYSDECODE_FAULT);
	return -EFAULT;
}

/* Arguments. */

struct decoder {
	struct strbuf *sb;
	const struct sysdecode_call *call;
	const struct syscall_desc *desc;
	struct reader r;
};

static bool exited_ok(const struct decoder *d)
{
	return d->call->phase == SYSDECODE_EXIT && d->call->ret >= 0;
}

/* What a buffer argument shows: its length, or -ENODATA when it holds nothing yet. */
static int64_t buffer_len(const struct decoder *d, uint16_t arg)
{
	uint64_t len = d->call->args[sysarg__len_index(arg)];

	if (sysarg__kind(arg) == SYSA_BUF_IN)
		return len > INT64_MAX ? INT64_MAX : (int64_t)len;
	if (!exited_ok(d))
		return -ENODATA;
	return (uint64_t)d->call->ret < len ? d->call->ret : (int64_t)len;
}

/* A string or buffer argument: 0, -EFAULT or -ENODATA (shown as its address). */
static int put_memory_arg(const struct decoder *d, unsigned int i)
{
	uint16_t arg = d->desc->args[i];
	uint64_t gva = d->call->args[i];
	int64_t len = 0;

	if (sysarg__kind(arg) == SYSA_BUF_IN || sysarg__kind(arg) == SYSA_BUF_OUT)
		len = buffer_len(d, arg);
	else if (sysarg__kind(arg) == SYSA_PATH_OUT && !(exited_ok(d) && d->call->ret > 0))
		len = -ENODATA;
	if (len >= 0 && !gva) {
		put_str(d->sb, "NULL");
		return 0;
	}
	if (len < 0 || !d->r.read) {
		put_ptr(d->sb, gva);
		return -ENODATA;
	}
	switch (sysarg__kind(arg)) {
	case SYSA_BUF_IN:
	case SYSA_BUF_OUT:
		return put_buffer(d->sb, &d->r, gva, len);
	case SYSA_STR:
		return put_string(d->sb, &d->r, gva, SYSDECODE_STR_MAX);
	default:
		return put_string(d->sb, &d->r, gva, SYSDECODE_PATH_MAX);
	}
}

static void put_open_flags(struct strbuf *sb, uint32_t v)
{
	struct flag_out fo = { .sb = sb };

	flag_name(&fo, open_access[v & O_ACCMODE_BITS]);
	flag_end(&fo, flag_table(&fo, v & ~O_ACCMODE_BITS, open_flags, ARRAY_LEN(open_flags)));
}

static void put_map_flags(struct strbuf *sb, uint64_t v)
{
	uint64_t huge = v >> MAP_HUGE_SHIFT & MAP_HUGE_MASK;
	bool hugetlb = v & MAP_HUGETLB_BIT;
	struct flag_out fo = { .sb = sb };
	size_t i;

	for (i = 0; i < ARRAY_LEN(map_types); i++) {
		if ((v & MAP_TYPE_BITS) == map_types[i].bits) {
			flag_name(&fo, map_types[i].name);
			v &= ~(uint64_t)MAP_TYPE_BITS;
		}
	}
	v = flag_table(&fo, v, map_flags, ARRAY_LEN(map_flags));
	/* With MAP_HUGETLB, bits 26-31 are log2 of the page size, as strace shows them. */
	if (hugetlb && huge) {
		strbuf__printf(sb, "%s%llu<<MAP_HUGE_SHIFT", fo.any ? "|" : "",
			       (unsigned long long)huge);
		fo.any = true;
		v &= ~(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
	}
	flag_end(&fo, v);
}

static void put_signal(struct strbuf *sb, int64_t sig)
{
	if (sig > 0 && sig < (int64_t)ARRAY_LEN(signal_names))
		put_str(sb, signal_names[sig]);
	else if (sig > SIGRTMIN_NR && sig <= SIGRTMAX_NR)
		strbuf__printf(sb, "SIGRT_%d", (int)(sig - SIGRTMIN_NR));
	else
		strbuf__printf(sb, "%lld", (long long)sig);
}

static void put_clone_flags(struct strbuf *sb, uint64_t v)
{
	struct flag_out fo = { .sb = sb };
	uint64_t sig = v & CSIGNAL_BITS;

	v = flag_table(&fo, v & ~(uint64_t)CSIGNAL_BITS, clone_flags, ARRAY_LEN(clone_flags));
	if (sig > 0 && sig <= SIGRTMAX_NR) {
		if (fo.any)
			put_char(sb, '|');
		put_signal(sb, sig);
		fo.any = true;
	} else {
		v |= sig;
	}
	flag_end(&fo, v);
}

static void put_mode(struct strbuf *sb, uint32_t v)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(file_types); i++) {
		if ((v & S_IFMT_BITS) == file_types[i].bits) {
			strbuf__printf(sb, "%s|", file_types[i].name);
			v &= ~S_IFMT_BITS;
		}
	}
	strbuf__printf(sb, "%#03o", v);
}

static void put_named(struct strbuf *sb, uint32_t v, const char *const *names, size_t n)
{
	if (v < n)
		put_str(sb, names[v]);
	else
		strbuf__printf(sb, "%u", v);
}

static void put_number(struct strbuf *sb, enum sysarg_kind kind, uint64_t v)
{
	switch (kind) {
	case SYSA_INT:
	case SYSA_FD:
		strbuf__printf(sb, "%d", (int32_t)v);
		break;
	case SYSA_AT_FD:
		if ((int32_t)v == AT_FDCWD_VALUE)
			put_str(sb, "AT_FDCWD");
		else
			strbuf__printf(sb, "%d", (int32_t)v);
		break;
	case SYSA_LONG:
	case SYSA_OFF:
		strbuf__printf(sb, "%lld", (long long)v);
		break;
	case SYSA_UINT:
		strbuf__printf(sb, "%u", (uint32_t)v);
		break;
	case SYSA_SIZE:
		strbuf__printf(sb, "%llu", (unsigned long long)v);
		break;
	case SYSA_PTR:
		put_ptr(sb, v);
		break;
	default:
		strbuf__printf(sb, "%#llx", (unsigned long long)v);
		break;
	}
}

/* Argument i of a known call; 0, or what put_memory_arg() returns for memory arguments. */
static int put_arg(const struct decoder *d, unsigned int i)
{
	enum sysarg_kind kind = sysarg__kind(d->desc->args[i]);
	uint64_t v = d->call->args[i];

	switch (kind) {
	case SYSA_PATH:
	case SYSA_STR:
	case SYSA_PATH_OUT:
	case SYSA_BUF_IN:
	case SYSA_BUF_OUT:
		return put_memory_arg(d, i);
	case SYSA_MODE:
		put_mode(d->sb, v);
		break;
	case SYSA_OPEN_FLAGS:
		put_open_flags(d->sb, v);
		break;
	case SYSA_PROT:
		if (v)
			put_flags(d->sb, v, prot_flags, ARRAY_LEN(prot_flags));
		else
			put_str(d->sb, "PROT_NONE");
		break;
	case SYSA_MAP_FLAGS:
		put_map_flags(d->sb, v);
		break;
	case SYSA_SIGNUM:
		put_signal(d->sb, (int32_t)v);
		break;
	case SYSA_CLONE_FLAGS:
		put_clone_flags(d->sb, v);
		break;
	case SYSA_WHENCE:
		put_named(d->sb, v, whence_names, ARRAY_LEN(whence_names));
		break;
	case SYSA_ACCESS_MODE:
		if ((uint32_t)v)
			put_flags(d->sb, (uint32_t)v, access_flags, ARRAY_LEN(access_flags));
		else
			put_str(d->sb, "F_OK");
		break;
	case SYSA_AT_FLAGS:
		put_flags(d->sb, (uint32_t)v, at_flags, ARRAY_LEN(at_flags));
		break;
	default:
		put_number(d->sb, kind, v);
		break;
	}
	return 0;
}

/* strace leaves out open's mode unless the flags create a file: the arguments shown. */
static unsigned int shown_args(const struct syscall_desc *desc, const uint64_t *args)
{
	bool creates = true;
	unsigned int i;

	for (i = 0; i < desc->nargs; i++) {
		if (sysarg__kind(desc->args[i]) == SYSA_OPEN_FLAGS)
			creates = args[i] & (O_CREAT_BIT | O_TMPFILE_BIT);
		else if (sysarg__kind(desc->args[i]) == SYSA_MODE && !creates)
			return i;
	}
	return desc->nargs;
}

static void put_return(struct strbuf *sb, const struct sysdecode_call *call,
		       const struct syscall_desc *desc)
{
	int64_t ret = call->ret;
	const char *name = syscall__errno_name(ret);

	if (ret < 0 && ret >= -MAX_ERRNO) {
		if (name)
			strbuf__printf(sb, " = -1 %s", name);
		else
			strbuf__printf(sb, " = -1 errno %lld", (long long)-ret);
	} else if (desc && desc->ret == SYSA_HEX) {
		strbuf__printf(sb, " = %#llx", (unsigned long long)ret);
	} else if (desc && desc->ret == SYSA_MODE) {
		strbuf__printf(sb, " = %#03llo", (unsigned long long)ret);
	} else {
		strbuf__printf(sb, " = %lld", (long long)ret);
	}
}

static void put_unknown(struct strbuf *sb, const struct sysdecode_call *call)
{
	unsigned int i;

	strbuf__printf(sb, "syscall_%#x(", call->nr);
	for (i = 0; i < SYSCALL_ARGS_MAX; i++)
		strbuf__printf(sb, "%s%#llx", i ? ", " : "", (unsigned long long)call->args[i]);
	put_char(sb, ')');
}

static void put_line(const struct decoder *d)
{
	unsigned int i, n;

	if (!d->desc) {
		put_unknown(d->sb, d->call);
	} else {
		strbuf__printf(d->sb, "%s(", d->desc->name);
		n = shown_args(d->desc, d->call->args);
		for (i = 0; i < n; i++) {
			if (i)
				put_str(d->sb, ", ");
			put_arg(d, i);
		}
		put_char(d->sb, ')');
	}
	if (d->call->phase == SYSDECODE_EXIT)
		put_return(d->sb, d->call, d->desc);
}

/* Cut text that did not fit, ending it with the marker when there is room for it. */
static int finish(const struct strbuf *sb)
{
	size_t mark = strlen(SYSDECODE_TRUNCATED);

	if (sb->len < sb->size)
		return 0;
	if (sb->size > mark)
		memcpy(sb->buf + sb->size - 1 - mark, SYSDECODE_TRUNCATED, mark + 1);
	return -ENOSPC;
}

int sysdecode__format(const struct sysdecode_call *call, sysdecode_read_fn read, void *ctx,
		      char *buf, size_t size)
{
	struct strbuf sb = { .buf = buf, .size = size };
	struct decoder d = {
		.sb = &sb,
		.call = call,
		.desc = syscall__by_nr(call->nr),
		.r = { .read = read, .ctx = ctx },
	};

	if (size)
		buf[0] = '\0';
	put_line(&d);
	return finish(&sb);
}

static bool memory_kind(enum sysarg_kind kind)
{
	return kind == SYSA_PATH || kind == SYSA_STR || kind == SYSA_PATH_OUT ||
	       kind == SYSA_BUF_IN || kind == SYSA_BUF_OUT;
}

int sysdecode__arg_string(const struct sysdecode_call *call, unsigned int i, sysdecode_read_fn read,
			  void *ctx, char *buf, size_t size)
{
	struct strbuf sb = { .buf = buf, .size = size };
	struct decoder d = {
		.sb = &sb,
		.call = call,
		.desc = syscall__by_nr(call->nr),
		.r = { .read = read, .ctx = ctx },
	};
	int ret;

	if (size)
		buf[0] = '\0';
	if (!d.desc || i >= d.desc->nargs || !memory_kind(sysarg__kind(d.desc->args[i])))
		return err__set(EINVAL, "argument %u of system call %u is not a string or buffer",
				i, call->nr);
	ret = put_memory_arg(&d, i);
	return finish(&sb) ?: ret;
}
