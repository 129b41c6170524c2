// SPDX-License-Identifier: GPL-2.0
/*
 * GEARS system-call capture: the built-in `syscalls` program run by `vmscope run` with
 * capture off, in filter mode and in trap mode (selection: openat, a call it makes twice among
 * about a hundred), 5 runs each, interleaved.  Rows: exits capture made at the entry per
 * selected and per unselected call in each mode (from the run's own counts, exact; the guest's
 * calls of every process counted by one more run capturing all of them), apart from them the
 * exits of the host's own SYSCALL completion (emulating hosts: one per call, capture or not),
 * and capture on vs off (medians, ratio) of the program's own run time (its TSC cycles from
 * its first call to its report) and of the run's wall time, VM start to stop with the boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"

#define RUNS 5
#define SELECTION "openat"

static char vmscope[PATH_MAX], out_path[64];

enum { OFF, FILTER, TRAP, NR_MODES };
static const char *const mode_names[] = { "off", "filter", "trap" };

struct counts {
	long calls; /* the program's own total of calls */
	double tsc; /* the program's own run time, TSC cycles */
	long all, unsel, captured, completed; /* the capture's summary */
};

/* Run the program once in mode m (selection sel): its wall time and counts, or -1. */
static int run_once(int m, const char *sel, double *secs, struct counts *c)
{
	const char *argv[] = { vmscope,		 "run",		"--no-input",
			       "--timeout",	 "120",		"--guest-cmd",
			       "syscalls",	 "--syscalls",	sel,
			       "--syscall-mode", mode_names[m], NULL };
	double t0 = bench_now();
	char line[512];
	pid_t pid;
	FILE *f;
	int st;

	if (m == OFF)
		argv[7] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(vmscope, (char *const *)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	*secs = bench_now() - t0;
	memset(c, 0, sizeof(*c));
	f = fopen(out_path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char name[64];
		long nr, n;

		if (sscanf(line, "syscalls: elapsed %lf tsc", &c->tsc) == 1)
			continue;
		if (sscanf(line, "syscalls: %63s %ld %ld", name, &nr, &n) == 3)
			c->calls += n;
		else if (strstr(line, "system calls: "))
			sscanf(strstr(line, "system calls: "),
			       "system calls: %ld captured, %*d returns, %ld exits at the entry "
			       "(%ld for calls not selected), %ld seen",
			       &c->captured, &c->all, &c->unsel, &c->completed);
	}
	if (f)
		fclose(f);
	return c->calls > 0 && c->tsc > 0 ? 0 : -1;
}

/* total: every call the guest made (all processes), from a trap-mode capture of all. */
static void row_exits(int m, const struct counts *c, long total)
{
	long sel = c->captured, unsel_calls = total - c->captured;

	printf("| syscalls program, %s mode, selection %s: exits at the entry per selected call "
	       "(%ld calls) | %.3f | | per unselected call (%ld calls): %.3f |\n",
	       mode_names[m], SELECTION, sel, sel ? (double)(c->all - c->unsel) / sel : 0.0,
	       unsel_calls, unsel_calls ? (double)c->unsel / unsel_calls : 0.0);
	printf("| syscalls program, %s mode: the host's own SYSCALL completion exits per call "
	       "(not capture's; emulating hosts only) | %.3f | | %ld calls |\n",
	       mode_names[m], total ? (double)c->completed / total : 0.0, total);
}

/* Capture on (m) vs off: the median of v over the runs, their ratio, and the spreads. */
static void row_time(const char *what, const char *unit, int m, double v[NR_MODES][RUNS])
{
	double on = bench_median(v[m], RUNS), off = bench_median(v[OFF], RUNS);
	int prec = unit[0] == 's' ? 3 : 0;

	printf("| syscalls program %s, capture %s vs off (median of %d runs each) | %.*f %s | "
	       "%.3f x | off %.*f %s; on min %.*f max %.*f, off min %.*f max %.*f |\n",
	       what, mode_names[m], RUNS, prec, on, unit, on / off, prec, off, unit, prec, v[m][0],
	       prec, v[m][RUNS - 1], prec, v[OFF][0], prec, v[OFF][RUNS - 1]);
}

int main(void)
{
	double t[NR_MODES][RUNS], cycles[NR_MODES][RUNS];
	struct counts c[NR_MODES], every;
	double t_every;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int i, m;

	harness_require_kvm();
	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(vmscope, sizeof(vmscope), "%.*s/../vmscope", (int)(strrchr(self, '/') - self),
		 self);
	snprintf(out_path, sizeof(out_path), "/tmp/bench_gears.%d.out", (int)getpid());
	for (i = 0; i < RUNS; i++)
		for (m = 0; m < NR_MODES; m++) {
			if (run_once(m, SELECTION, &t[m][i], &c[m])) {
				fprintf(stderr, "bench_gears: the %s run failed; see %s\n",
					mode_names[m], out_path);
				return 1;
			}
			cycles[m][i] = c[m].tsc;
		}
	if (run_once(TRAP, "all", &t_every, &every)) {
		fprintf(stderr, "bench_gears: the run capturing all calls failed; see %s\n",
			out_path);
		return 1;
	}
	unlink(out_path);
	for (m = FILTER; m < NR_MODES; m++)
		row_exits(m, &c[m], every.captured);
	for (m = FILTER; m < NR_MODES; m++)
		row_time("own run time (guest TSC, first call to report)", "cycles", m, cycles);
	for (m = FILTER; m < NR_MODES; m++)
		row_time("run (VM start to stop, boot included)", "s", m, t);
	return 0;
}
