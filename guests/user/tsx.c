// SPDX-License-Identifier: GPL-2.0
/*
 * tsx [auto|rtm|lock] [PROCS] [ITERS]: PROCS processes (fork) each add 1 to a shared counter
 * ITERS times.  With RTM each increment is a transaction (_xbegin/_xend, _xtest inside,
 * _xabort when the fallback lock is held) retried a few times before falling back to a
 * spinlock; without RTM every increment takes the lock.  auto uses RTM when the kernel
 * reports "rtm" in /proc/cpuinfo (the CPUID it sees at ring 0: CPUID at ring 3 may not be
 * what the VMM presents).  Prints commits, aborts by cause and the final counter, which must
 * equal PROCS * ITERS, then the workers' run time in TSC cycles ("tsx: elapsed N tsc").
 */
#include "../libc/libc.h"

/*
 * The RTM intrinsics as <immintrin.h> defines them (built with -mrtm); that header pulls in
 * the host's <stdlib.h>, which a freestanding program must not see.
 */
#define _XBEGIN_STARTED (~0u)
#define _XABORT_EXPLICIT (1u << 0)
#define _XABORT_RETRY (1u << 1)
#define _xbegin() __builtin_ia32_xbegin()
#define _xend() __builtin_ia32_xend()
#define _xabort(imm) __builtin_ia32_xabort(imm)
#define _xtest() __builtin_ia32_xtest()

#define RTM_RETRIES 8
#define SPINS_BEFORE_YIELD 2000
#define NR_CAUSES 7

static const char *const cause_names[NR_CAUSES] = {
	"explicit", "retry", "conflict", "capacity", "debug", "nested", "other",
};

struct stats {
	uint64_t commits, locked, aborts[NR_CAUSES];
};

struct shared {
	volatile int lock;
	volatile uint64_t counter;
	struct stats total;
};

static void lock(struct shared *s)
{
	int spins = 0;

	while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
		while (s->lock)
			if (++spins % SPINS_BEFORE_YIELD == 0)
				sched_yield(); /* the holder may be preempted */
			else
				__builtin_ia32_pause();
}

static void unlock(struct shared *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

static void count_abort(struct stats *st, unsigned int status)
{
	int i, any = 0;

	for (i = 0; i < NR_CAUSES - 1; i++)
		if (status & (1u << i)) {
			st->aborts[i]++;
			any = 1;
		}
	if (!any)
		st->aborts[NR_CAUSES - 1]++;
}

static int rtm_increment(struct shared *s, struct stats *st)
{
	int tries;

	for (tries = 0; tries < RTM_RETRIES; tries++) {
		unsigned int status = _xbegin();

		if (status == _XBEGIN_STARTED) {
			if (s->lock)
				_xabort(0xff);
			if (!_xtest())
				_xabort(0xfe);
			s->counter++;
			_xend();
			st->commits++;
			return 1;
		}
		count_abort(st, status);
		if (!(status & (_XABORT_RETRY | _XABORT_EXPLICIT)))
			return 0;
		while (s->lock)
			__builtin_ia32_pause();
	}
	return 0;
}

static void worker(struct shared *s, int use_rtm, uint64_t iters)
{
	struct stats st = { 0 };
	uint64_t i;
	int c;

	for (i = 0; i < iters; i++) {
		if (use_rtm && rtm_increment(s, &st))
			continue;
		lock(s);
		s->counter++;
		st.locked++;
		unlock(s);
	}
	lock(s);
	s->total.commits += st.commits;
	s->total.locked += st.locked;
	for (c = 0; c < NR_CAUSES; c++)
		s->total.aborts[c] += st.aborts[c];
	unlock(s);
}

/* Is "rtm" one of the words of the first "flags" line of /proc/cpuinfo? */
static int kernel_reports_rtm(void)
{
	static char buf[16384];
	int fd = open("/proc/cpuinfo", O_RDONLY), n;
	char *p, *end;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "\nflags");
	if (!p || !(p = strchr(p, ':')))
		return 0;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	while (*p) {
		while (*p == ' ' || *p == ':' || *p == '\t')
			p++;
		if (!strncmp(p, "rtm", 3) && (p[3] == ' ' || !p[3]))
			return 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

/* One transaction before any worker starts: without RTM this is where #UD ends us. */
static void rtm_probe(void)
{
	if (_xbegin() == _XBEGIN_STARTED)
		_xend();
}

static int run(struct shared *s, int use_rtm, int procs, uint64_t iters)
{
	int i, ws, ok = 1;

	for (i = 1; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			worker(s, use_rtm, iters);
			_exit(0);
		}
		if (pid < 0) {
			printf("tsx: fork failed: %s\n", strerror(errno));
			return 0;
		}
	}
	worker(s, use_rtm, iters);
	for (i = 1; i < procs; i++)
		if (wait4(-1, &ws, 0, NULL) < 0 || ws != 0)
			ok = 0;
	return ok;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "auto";
	int procs = argc > 2 ? atoi(argv[2]) : 4, use_rtm, c;
	uint64_t iters = argc > 3 ? strtoul(argv[3], NULL, 0) : 20000, want, t0;
	struct shared *s;

	if (strcmp(mode, "auto") && strcmp(mode, "rtm") && strcmp(mode, "lock")) {
		printf("tsx: usage: tsx [auto|rtm|lock] [PROCS] [ITERS]\n");
		return 2;
	}
	if (procs < 1 || procs > 32)
		procs = 4;
	use_rtm = !strcmp(mode, "rtm") || (!strcmp(mode, "auto") && kernel_reports_rtm());
	printf("tsx: %s mode: %s, %d processes x %lu increments\n", mode,
	       use_rtm ? "RTM with a lock fallback" : "lock only (no RTM)", procs, iters);
	stdout_flush();
	if (use_rtm)
		rtm_probe();
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED) {
		printf("tsx: mmap failed: %s\n", strerror(errno));
		return 1;
	}
	t0 = rdtsc();
	if (!run(s, use_rtm, procs, iters)) {
		printf("tsx: a worker failed\n");
		return 1;
	}
	t0 = rdtsc() - t0;
	want = (uint64_t)procs * iters;
	printf("tsx: counter %lu, expected %lu\n", s->counter, want);
	printf("tsx: commits %lu, lock acquisitions %lu, aborts:", s->total.commits,
	       s->total.locked);
	for (c = 0; c < NR_CAUSES; c++)
		printf(" %s %lu", cause_names[c], s->total.aborts[c]);
	printf("\n");
	if (s->counter != want || s->total.commits + s->total.locked != want) {
		printf("tsx: WRONG TOTAL\n");
		return 1;
	}
	printf("tsx: elapsed %lu tsc\n", t0);
	printf("tsx: ok\n");
	return 0;
}
