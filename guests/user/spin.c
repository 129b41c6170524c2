// SPDX-License-Identifier: GPL-2.0
/*
 * spin [SECONDS]: pure computation for SECONDS of wall time (default 1).  It looks at the
 * clock about every millisecond of its own work; a look that comes much later than its own
 * work explains means another process ran meanwhile (it was preempted).  Prints iterations,
 * its start and end times (ms since boot), the CPUs it ran on and the preemptions seen.
 */
#include "../libc/libc.h"

#define CHUNK (1u << 18)

static uint64_t xorshift(uint64_t x, uint32_t n)
{
	while (n--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

int main(int argc, char **argv)
{
	int64_t dur = argc > 1 ? parse_duration(argv[1]) : 1000000000ll;
	uint64_t x = 88172645463325252ull, iters = 0, t0, last, now, work = ~0ull;
	unsigned int cpu = 0, cpus = 0, preempted = 0;

	if (dur < 0) {
		printf("spin: usage: spin [SECONDS]\n");
		return 2;
	}
	t0 = last = now_ns();
	do {
		uint64_t before = now_ns();

		x = xorshift(x, CHUNK);
		iters += CHUNK;
		now = now_ns();
		if (now - before < work)
			work = now - before;
		if (now - before > work + 2000000 || before - last > work + 2000000)
			preempted++;
		last = now;
		getcpu(&cpu, NULL);
		cpus |= 1u << (cpu & 31);
	} while (now - t0 < (uint64_t)dur);
	printf("spin[%d]: %lu iterations in %lu ms, start %lu.%03lu ms end %lu.%03lu ms, "
	       "cpus 0x%x, preempted %u, result 0x%lx\n",
	       getpid(), iters, (now - t0) / 1000000, t0 / 1000000, t0 / 1000 % 1000, now / 1000000,
	       now / 1000 % 1000, cpus, preempted, x & 0xffff);
	printf("spin: ok\n");
	return 0;
}
