// SPDX-License-Identifier: GPL-2.0
/*
 * dirty SIZE RATE [SECONDS]: keeps writing to the pages of a SIZE mapping, RATE pages per
 * second in page order and round and round, for SECONDS (default 1; 0: forever), so that a
 * migration or dirty-logging test sees a known dirty rate.  It wakes every 10 ms and writes
 * the pages that are due.  Prints pages written and the rate achieved.
 */
#include "../libc/libc.h"

#define TICK_NS 10000000ull

int main(int argc, char **argv)
{
	uint64_t size = argc > 1 ? parse_size(argv[1]) : 4 << 20;
	uint64_t rate = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000, pages, written = 0, gen;
	int64_t dur = argc > 3 ? parse_duration(argv[3]) : 1000000000ll;
	struct timespec tick = { 0, TICK_NS };
	uint64_t t0, now, elapsed;
	uint8_t *m;

	if (size < 4096 || !rate || dur < 0) {
		printf("dirty: usage: dirty SIZE RATE(pages/s) [SECONDS]\n");
		return 2;
	}
	pages = size / 4096;
	m = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("dirty: cannot map %lu bytes: %s\n", size, strerror(errno));
		return 1;
	}
	printf("dirty: %lu pages, %lu pages/s, %s\n", pages, rate, dur ? argv[3] : "forever");
	stdout_flush();
	t0 = now_ns();
	do {
		now = now_ns();
		elapsed = now - t0;
		for (; written < rate * elapsed / 1000000000ull; written++) {
			gen = written / pages + 1;
			*(volatile uint64_t *)(m + (written % pages) * 4096) = gen;
		}
		nanosleep(&tick, NULL);
	} while (!dur || elapsed < (uint64_t)dur);
	printf("dirty: wrote %lu pages in %lu ms (%lu pages/s)\n", written, elapsed / 1000000,
	       elapsed ? written * (uint64_t)1000000000 / elapsed : 0);
	printf("dirty: ok\n");
	return 0;
}
