// SPDX-License-Identifier: GPL-2.0
/* Number parsing and a bump allocator on brk (free does nothing). */
#include "libc.h"

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	while (*s == ' ')
		s++;
	if (!base)
		base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++) {
		int d = *s >= '0' && *s <= '9'	 ? *s - '0'
			: *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			: *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
						 : 99;

		if (d >= base)
			break;
		v = v * base + d;
	}
	if (end)
		*end = (char *)s;
	return v;
}

int atoi(const char *s)
{
	int neg = *s == '-';

	return neg ? -(int)strtoul(s + 1, NULL, 10) : (int)strtoul(s, NULL, 10);
}

uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoul(s, &end, 0);

	if (end == s)
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		return end[1] ? 0 : v << 10;
	case 'm':
	case 'M':
		return end[1] ? 0 : v << 20;
	case 'g':
	case 'G':
		return end[1] ? 0 : v << 30;
	case '\0':
		return v;
	default:
		return 0;
	}
}

int64_t parse_duration(const char *s)
{
	char *end;
	uint64_t whole = strtoul(s, &end, 10), frac = 0, scale = 1000000000ull;

	if (end == s && *end != '.')
		return -1;
	if (!strcmp(end, "ms"))
		return whole * 1000000ull;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++) {
			scale /= 10;
			frac += (*end - '0') * scale;
		}
	}
	if (*end && strcmp(end, "s"))
		return -1;
	return whole * 1000000000ull + frac;
}

void *malloc(size_t n)
{
	void *p = sbrk((n + 15) & ~15ul);

	return p == (void *)-1 ? NULL : p;
}

void free(void *p)
{
	(void)p;
}
