// SPDX-License-Identifier: GPL-2.0
/*
 * Memory and string helpers.  At ring 0 on an emulating host every instruction costs, and a
 * string move is emulated one element per instruction, so bulk work moves qwords.
 */
#include "kernel.h"

void *memset(void *d, int c, size_t n)
{
	void *ret = d;

	if (!c && !((uint64_t)d & 7) && !(n & 7)) {
		size_t q = n / 8;

		__asm__ volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(0ull) : "memory");
		return ret;
	}
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;
	size_t q = n / 8, r = n & 7;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(r) : : "memory");
	return ret;
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

char *strncpy0(char *d, const char *s, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && s[i]; i++)
		d[i] = s[i];
	if (size)
		d[i] = '\0';
	return d;
}

void zero_page(void *p)
{
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0ull) : "memory");
}

void copy_page(void *d, const void *s)
{
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
