/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strace-like text for a guest's system call: `openat(AT_FDCWD, "/etc/passwd",
 * O_RDONLY|O_CLOEXEC) = 3`, from the call's number, raw arguments and return value, with
 * strings read from guest memory through the caller's reader.  Pure: no KVM, no guest state.
 *
 * Strings are read page by page, so one that runs into an unmapped page is shown up to the
 * fault; a pointer the reader cannot follow (or a non-canonical one, never passed to the
 * reader) is shown as its address and " <fault>".
 */
#ifndef VMSCOPE_GEARS_SYSDECODE_H
#define VMSCOPE_GEARS_SYSDECODE_H

#include <stddef.h>
#include <stdint.h>

#include "syscalls.h"

#define SYSDECODE_PATH_MAX 256 /* bytes of a path shown; longer ones end in "..." */
#define SYSDECODE_STR_MAX 32 /* bytes of other strings and of buffers shown */
#define SYSDECODE_PAGE_SIZE 4096 /* the reader is never asked to cross a page */
#define SYSDECODE_FAULT " <fault>"
#define SYSDECODE_TRUNCATED " <truncated>"

enum sysdecode_phase {
	SYSDECODE_ENTRY, /* arguments only: buffers the kernel fills are shown as pointers */
	SYSDECODE_EXIT, /* arguments, buffers the kernel filled, " = " and the return value */
};

/*
 * Copy len bytes of guest-virtual memory at gva (never crossing a page) into buf: 0, or
 * -EFAULT when any of them cannot be read.
 */
typedef int (*sysdecode_read_fn)(void *ctx, uint64_t gva, void *buf, size_t len);

struct sysdecode_call {
	unsigned int nr; /* rax at entry */
	uint64_t args[SYSCALL_ARGS_MAX]; /* rdi, rsi, rdx, r10, r8, r9 */
	enum sysdecode_phase phase;
	int64_t ret; /* rax at exit */
};

/*
 * Write the call's line into buf (always NUL-terminated when size > 0).  read may be NULL:
 * pointers are then shown as addresses.  Returns 0, or -ENOSPC when the line did not fit:
 * buf then holds its beginning, ending in SYSDECODE_TRUNCATED when size allows.  A call
 * number with no name is shown as syscall_0x1f4(six hex arguments).
 */
int sysdecode__format(const struct sysdecode_call *call, sysdecode_read_fn read, void *ctx,
		      char *buf, size_t size);

/*
 * Write argument i's text, as the line shows it ("/etc/passwd" with its quotes, NULL,
 * 0x1000 <fault>), into buf, for the string and buffer arguments (PATH, STR, PATH_OUT,
 * BUF_IN, BUF_OUT).  Returns 0; -EFAULT when the memory could not be read (in full or in
 * part: the text says how far it got); -ENODATA when there is nothing to read yet (a buffer
 * the kernel fills, before exit or after a failed call; or read is NULL): the text is the
 * address; -ENOSPC when the text was cut as sysdecode__format() cuts; -EINVAL when the call
 * is unknown or argument i is not a string or buffer.
 */
int sysdecode__arg_string(const struct sysdecode_call *call, unsigned int i, sysdecode_read_fn read,
			  void *ctx, char *buf, size_t size);

#endif
