// SPDX-License-Identifier: GPL-2.0
/*
 * Formatted output.  stdout is buffered (4 KiB) and written by stdout_flush(), when the
 * buffer fills, and at exit(): one write per flush, so a program's lines reach the console
 * together even when other processes print at the same time.
 */
#include "libc.h"

static char out_buf[4096];
static size_t out_len;

void stdout_flush(void)
{
	size_t done = 0;

	while (done < out_len) {
		ssize_t n = write(1, out_buf + done, out_len - done);

		if (n <= 0)
			break;
		done += n;
	}
	out_len = 0;
}

static void out_put(const char *s, size_t n)
{
	while (n) {
		size_t room = sizeof(out_buf) - out_len, c = n < room ? n : room;

		memcpy(out_buf + out_len, s, c);
		out_len += c;
		s += c;
		n -= c;
		if (out_len == sizeof(out_buf))
			stdout_flush();
	}
}

int printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_put(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int dprintf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return write(fd, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int puts(const char *s)
{
	out_put(s, strlen(s));
	out_put("\n", 1);
	return 0;
}

void exit(int code)
{
	stdout_flush();
	_exit(code);
}

int main(int argc, char **argv, char **envp);

void libc_start(int argc, char **argv, char **envp)
{
	environ = envp;
	exit(main(argc, argv, envp));
}
