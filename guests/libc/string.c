// SPDX-License-Identifier: GPL-2.0
/* String and memory functions (ring 3: plain C, the compiler may vectorise). */
#include "libc.h"

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = d;

	while (n--)
		*dp++ = c;
	return d;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strstr(const char *h, const char *n)
{
	size_t len = strlen(n);

	for (; *h; h++)
		if (!strncmp(h, n, len))
			return (char *)h;
	return len ? NULL : (char *)h;
}

char *strcpy(char *d, const char *s)
{
	char *r = d;

	while ((*d++ = *s++))
		;
	return r;
}

const char *strerror(int err)
{
	static const char *const msgs[] = {
		[ENOENT] = "No such file or directory",
		[EBADF] = "Bad file descriptor",
		[ECHILD] = "No child processes",
		[ENOMEM] = "Out of memory",
		[EACCES] = "Permission denied",
		[EFAULT] = "Bad address",
		[EEXIST] = "File exists",
		[ENOTDIR] = "Not a directory",
		[EISDIR] = "Is a directory",
		[EINVAL] = "Invalid argument",
		[ENOSPC] = "No space left on device",
		[ENOSYS] = "Function not implemented",
		[ENOTEMPTY] = "Directory not empty",
		[E2BIG] = "Argument list too long",
	};

	if (err > 0 && err < (int)(sizeof(msgs) / sizeof(msgs[0])) && msgs[err])
		return msgs[err];
	return "Unknown error";
}
