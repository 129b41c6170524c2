// SPDX-License-Identifier: GPL-2.0
/*
 * memwalk SIZE [seq|stride|random|all] [PASSES]: maps SIZE bytes of anonymous memory and
 * reads and writes every 8-byte word of it PASSES times (default 2): in address order
 * (seq), one word per 4 KiB + 64 bytes (stride: every access on another page and cache
 * line), or in a pseudo-random order (random).  The first pass also faults every page in.
 * Prints accesses, time and a checksum that does not depend on the order.
 */
#include "../libc/libc.h"

static uint64_t walk_seq(uint64_t *m, uint64_t words)
{
	uint64_t i, sum = 0;

	for (i = 0; i < words; i++) {
		m[i] += i;
		sum += m[i];
	}
	return sum;
}

/* Visit word (k * step) mod words for k < words: with step odd, every word once. */
static uint64_t walk_step(uint64_t *m, uint64_t words, uint64_t step)
{
	uint64_t k, i = 0, sum = 0;

	for (k = 0; k < words; k++) {
		m[i] += i;
		sum += m[i];
		i += step;
		if (i >= words)
			i -= words;
	}
	return sum;
}

/* A linear congruential walk over a power-of-two size: a full-period permutation. */
static uint64_t walk_random(uint64_t *m, uint64_t words)
{
	uint64_t k, i = 0, sum = 0;

	for (k = 0; k < words; k++) {
		i = (i * 6364136223846793005ull + 1442695040888963407ull) & (words - 1);
		m[i] += i;
		sum += m[i];
	}
	return sum;
}

static int walk(uint64_t *m, uint64_t size, const char *pattern, int passes)
{
	uint64_t words = size / 8, t0 = now_ns(), sum = 0, us;
	int p;

	for (p = 0; p < passes; p++) {
		if (!strcmp(pattern, "seq"))
			sum += walk_seq(m, words);
		else if (!strcmp(pattern, "stride"))
			sum += walk_step(m, words, words > 520 ? 520 + 1 : 1);
		else
			sum += walk_random(m, words);
	}
	us = (now_ns() - t0) / 1000;
	printf("memwalk: %lu KiB %s x%d: %lu accesses in %lu us, checksum 0x%lx\n", size >> 10,
	       pattern, passes, words * passes, us, sum);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size = argc > 1 ? parse_size(argv[1]) : 1 << 20;
	const char *pattern = argc > 2 ? argv[2] : "seq";
	int passes = argc > 3 ? atoi(argv[3]) : 2, all = !strcmp(pattern, "all");
	uint64_t *m;

	if (size < 4096 || (size & (size - 1)) || passes < 1 ||
	    (!all && strcmp(pattern, "seq") && strcmp(pattern, "stride") &&
	     strcmp(pattern, "random"))) {
		printf("memwalk: usage: memwalk SIZE(power of two, >= 4K) "
		       "[seq|stride|random|all] [PASSES]\n");
		return 2;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("memwalk: cannot map %lu bytes: %s\n", size, strerror(errno));
		return 1;
	}
	if (all) {
		walk(m, size, "seq", passes);
		walk(m, size, "stride", passes);
		walk(m, size, "random", passes);
	} else {
		walk(m, size, pattern, passes);
	}
	munmap(m, size);
	printf("memwalk: ok\n");
	return 0;
}
