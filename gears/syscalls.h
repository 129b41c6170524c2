/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86-64 Linux system calls (gears/syscalls.def): names, classes and argument kinds,
 * selection sets of call numbers and the parser of the selection strings users type
 * ("openat,read,class:network,!close"), and errno names.  Pure tables: no KVM, no guest.
 */
#ifndef VMSCOPE_GEARS_SYSCALLS_H
#define VMSCOPE_GEARS_SYSCALLS_H

#include <stdbool.h>
#include <stdint.h>

#define SYSCALL_NR_MAX 512 /* numbers 0..511: every x86-64 call, room to grow */
#define SYSCALL_ARGS_MAX 6

/* Classes: strace's %file, %process, ... plus TIME; OTHER is a call in no other class. */
enum syscall_class {
	SYSC_NONE = 0,
	SYSC_FILE = 1 << 0,
	SYSC_PROCESS = 1 << 1,
	SYSC_MEMORY = 1 << 2,
	SYSC_NETWORK = 1 << 3,
	SYSC_TIME = 1 << 4,
	SYSC_IPC = 1 << 5,
	SYSC_SIGNAL = 1 << 6,
	SYSC_DESC = 1 << 7,
	SYSC_OTHER = 1 << 8,
};
#define SYSC_COUNT 9

/* What a selection list may hold, for help texts (every form syscall_set__parse takes). */
#define SYSCALL_SELECTION_FORMS                                                                    \
	"names (openat), numbers (257), class:file|process|memory|network|time|ipc|signal|"        \
	"desc|other (or %file), all, and !NAME or -NAME to leave one out"

/*
 * How an argument (or a return value) is shown.  An argument's word is the kind in its low
 * byte and, for the buffer kinds, the index of the argument holding the length above it.
 */
enum sysarg_kind {
	SYSA_NONE,
	SYSA_INT, /* int, signed decimal */
	SYSA_LONG, /* long, signed decimal */
	SYSA_UINT, /* unsigned int, decimal */
	SYSA_HEX, /* 0x... (0 as 0) */
	SYSA_FD,
	SYSA_AT_FD, /* AT_FDCWD by name */
	SYSA_PATH, /* NUL-terminated path */
	SYSA_STR, /* NUL-terminated string that is not a path */
	SYSA_PATH_OUT, /* path the kernel writes (getcwd): read at exit */
	SYSA_BUF_IN, /* buffer the caller fills; length in another argument */
	SYSA_BUF_OUT, /* buffer the kernel fills: read at exit, as many bytes as returned */
	SYSA_PTR, /* any other pointer: NULL or 0x... */
	SYSA_SIZE, /* size_t, unsigned decimal */
	SYSA_OFF, /* off_t / loff_t, signed decimal */
	SYSA_MODE, /* file mode: octal, with S_IF* when a type is given */
	SYSA_OPEN_FLAGS, /* O_RDONLY|O_CREAT|... */
	SYSA_PROT, /* PROT_* */
	SYSA_MAP_FLAGS, /* MAP_* */
	SYSA_SIGNUM, /* SIGKILL, SIGRTMIN, SIGRT_3 */
	SYSA_CLONE_FLAGS, /* CLONE_*|exit signal */
	SYSA_WHENCE, /* SEEK_* */
	SYSA_ACCESS_MODE, /* F_OK or R_OK|W_OK|X_OK */
	SYSA_AT_FLAGS, /* AT_SYMLINK_NOFOLLOW|... */
	SYSA_KIND_COUNT
};

#define SYSA_LEN_SHIFT 8
#define SYSA_BUF_IN_LEN(n) (SYSA_BUF_IN | (n) << SYSA_LEN_SHIFT)
#define SYSA_BUF_OUT_LEN(n) (SYSA_BUF_OUT | (n) << SYSA_LEN_SHIFT)

static inline enum sysarg_kind sysarg__kind(uint16_t arg)
{
	return (enum sysarg_kind)(arg & 0xff);
}

/* The index of the argument that holds a buffer argument's length. */
static inline unsigned int sysarg__len_index(uint16_t arg)
{
	return arg >> SYSA_LEN_SHIFT;
}

struct syscall_desc {
	const char *name; /* NULL: no call has this number */
	uint16_t classes; /* SYSC_* */
	uint8_t ret; /* enum sysarg_kind: INT, FD, HEX or MODE */
	uint8_t nargs;
	uint16_t args[SYSCALL_ARGS_MAX]; /* SYSA_* words; SYSA_NONE past nargs */
};

/* The call numbered nr, or NULL when there is none (a gap, or nr >= SYSCALL_NR_MAX). */
const struct syscall_desc *syscall__by_nr(unsigned int nr);

/* The name of call nr, or NULL. */
const char *syscall__name(unsigned int nr);

/* The number of the call named name, or -ENOENT. */
int syscall__by_name(const char *name);

/* "file", "process", ... for one SYSC_* bit; NULL for anything else. */
const char *syscall__class_name(unsigned int class_bit);

/* The SYSC_* bit named name ("file"), or -ENOENT. */
int syscall__class_by_name(const char *name);

/*
 * The errno name of a system call's return value: "ENOENT" for -2.  NULL when ret is not in
 * -4095..-1 or no errno has that number.  Covers the kernel's internal codes (ERESTARTSYS).
 */
const char *syscall__errno_name(int64_t ret);

/* A set of call numbers, one bit per number. */
struct syscall_set {
	uint64_t words[SYSCALL_NR_MAX / 64];
};

void syscall_set__clear(struct syscall_set *set);

/* Every number 0..SYSCALL_NR_MAX-1, named or not (a newer guest's calls included). */
void syscall_set__fill(struct syscall_set *set);

/* Numbers >= SYSCALL_NR_MAX are ignored by add and del, and never members. */
void syscall_set__add(struct syscall_set *set, unsigned int nr);
void syscall_set__del(struct syscall_set *set, unsigned int nr);
bool syscall_set__has(const struct syscall_set *set, unsigned int nr);
unsigned int syscall_set__count(const struct syscall_set *set);

/* Add every named call in one of the SYSC_* classes of mask. */
void syscall_set__add_classes(struct syscall_set *set, unsigned int mask);

/*
 * Parse a selection: comma-separated items, applied left to right, each a number, a name,
 * "class:NAME" (or strace's "%NAME"), "all", or one of these after '!' or '-' to remove it.
 * A selection that starts with a removal starts from all calls ("!read" is all but read),
 * otherwise from none.  On success *set is replaced; on error it is unchanged and -EINVAL is
 * returned with a message (err__msg) naming the item, and the closest name when one is near.
 */
int syscall_set__parse(struct syscall_set *set, const char *spec);

#endif
