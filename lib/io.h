/* SPDX-License-Identifier: GPL-2.0 */
/* File descriptors: writing and reading all of a buffer. */
#ifndef VMSCOPE_IO_H
#define VMSCOPE_IO_H

#include <stddef.h>

/* Write all len bytes of buf to fd, again after EINTR and short writes.  0 or -errno. */
int io__write_all(int fd, const void *buf, size_t len);

/* Read all len bytes at offset off of fd into buf.  0, -errno, or -EIO at the end of file. */
int io__pread_all(int fd, void *buf, size_t len, unsigned long long off);

#endif
