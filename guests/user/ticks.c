// SPDX-License-Identifier: GPL-2.0
/*
 * ticks [N] [MS] [WORK]: N times (default 20), WORK rounds (default 20000) of a hash over a
 * 64 KiB buffer at ring 3, a line with the running hash, then a sleep of MS ms (default 50).
 * Its output does not depend on timing, and it lasts at least N * MS ms: what checkpoint,
 * restore and migration tests compare, with the guest caught computing, in a system call or
 * idle.
 */
#include "../libc/libc.h"

#define BUF (64 * 1024)

static uint8_t buf[BUF];

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20;
	uint64_t ms = argc > 2 ? strtoul(argv[2], NULL, 0) : 50;
	uint64_t work = argc > 3 ? strtoul(argv[3], NULL, 0) : 20000;
	struct timespec nap = { (long)(ms / 1000), (long)(ms % 1000) * 1000000 };
	uint64_t h = 0xcbf29ce484222325ull, i, k;

	if (!n || n > 100000 || ms > 60000) {
		printf("ticks: usage: ticks [N (1-100000)] [MS (0-60000)] [WORK]\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < work; k++) {
			uint8_t *p = &buf[(h ^ k) % BUF];

			*p = (uint8_t)(*p + k);
			h = (h ^ *p) * 0x100000001b3ull; /* FNV-1a over what it writes */
		}
		printf("ticks: %lu of %lu, hash %016lx\n", i + 1, n, h);
		stdout_flush();
		if (ms)
			nanosleep(&nap, NULL);
	}
	printf("ticks: ok\n");
	return 0;
}
