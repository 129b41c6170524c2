/* SPDX-License-Identifier: GPL-2.0 */
/* An appending printf into a fixed buffer: len keeps counting past size, so callers see what
 * the whole text would have needed (the CTF metadata writer and the decoders use it). */
#ifndef VMSCOPE_TRACE_STRBUF_H
#define VMSCOPE_TRACE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct strbuf {
	char *buf;
	size_t size, len;
};

static inline void __attribute__((format(printf, 2, 3)))
strbuf__printf(struct strbuf *sb, const char *fmt, ...)
{
	size_t room = sb->len < sb->size ? sb->size - sb->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += n;
}

#endif
