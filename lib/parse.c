// SPDX-License-Identifier: GPL-2.0
/* Parsing the numbers users type: plain numbers and sizes (lib/parse.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "parse.h"

#define SIZE_EXAMPLES                                                                              \
	"use a number of bytes with an optional K, M or G suffix, like 4096, 512K, "               \
	"64M, 64MiB or 1G"

int parse__u64(const char *s, const char *what, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!s || !*s || strchr(s, '-') || s[0] == ' ' || s[0] == '\t')
		goto bad;
	*out = strtoull(s, &end, 0);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	return err__set(EINVAL, "%s '%s' is not a number; give a value such as 4 or 0x100000", what,
			s ? s : "");
}

/* Returns the shift for a K/M/G suffix, 0 for none, or -1 for anything else. */
static int suffix_shift(const char *s)
{
	int shift = 0;

	switch (*s) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift) {
		s++;
		/* "iB" only makes sense after a binary prefix: "64MiB", not "64iB" or "64Mi". */
		if (*s == 'i' || *s == 'I') {
			s++;
			if (*s != 'B' && *s != 'b')
				return -1;
		}
	}
	if (*s == 'B' || *s == 'b')
		s++;
	return *s == '\0' ? shift : -1;
}

int parse__size(const char *s, uint64_t *bytes)
{
	uint64_t value = 0;
	const char *p = s;
	int shift;

	if (!s || !*s)
		return err__set(EINVAL, "empty size; " SIZE_EXAMPLES);
	if (*p < '0' || *p > '9')
		return err__set(EINVAL, "invalid size '%s'; " SIZE_EXAMPLES, s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (value > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return err__set(EINVAL, "size '%s' does not fit in 64 bits; " SIZE_EXAMPLES,
					s);
		value = value * 10 + (uint64_t)(*p - '0');
	}

	shift = suffix_shift(p);
	if (shift < 0)
		return err__set(EINVAL, "invalid size '%s'; " SIZE_EXAMPLES, s);
	if (value > UINT64_MAX >> shift)
		return err__set(EINVAL, "size '%s' does not fit in 64 bits; " SIZE_EXAMPLES, s);
	*bytes = value << shift;
	return 0;
}
