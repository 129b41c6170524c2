// SPDX-License-Identifier: GPL-2.0
/*
 * GEARS system-call capture: the built-in `syscalls` program run by `vmscope run` with
 * capture off, in filter mode and in trap mode (selection: openat, a call it makes twice among
 * about a hundred), 5 runs each, interleaved.  Rows: exits at the entry stub per selected and
 * per unselected call in each mode (from the run's own counts, exact; the guest's calls of
 * every process counted by one more run capturing all of them), and the run's wall
 * time, VM start to stop with the boot, capture on vs off (medians, ratio).
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
	long all, unsel, captured; /* the capture's summary */
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

		if (sscanf(line, "syscalls: %63s %ld %ld", name, &nr, &n) == 3)
			c->calls += n;
		else if (strstr(line, "system calls: "))
			sscanf(strstr(line, "system calls: "),
			       "system calls: %ld captured, %*d returns, %ld exits at the entry "
			       "(%ld",
			       &c->captured, &c->all, &c->unsel);
	}
	if (f)
		fclose(f);
	return c->calls > 0 ? 0 : -1;
}

/* total: every call the guest made (all processes), from a trap-mode capture of all. */
static void row_exits(int m, const struct counts *c, long total)
{
	long sel = c->captured, unsel_calls = total - c->captured;

	printf("| syscalls program, %s mode, selection %s: exits at the entry per selected call "
	       "(%ld calls) | %.3f | | per unselected call (%ld calls): %.3f |\n",
	       mode_names[m], SELECTION, sel, sel ? (double)(c->all - c->unsel) / sel : 0.0,
	       unsel_calls, unsel_calls ? (double)c->unsel / unsel_calls : 0.0);
}

int main(void)
{
	double t[NR_MODES][RUNS], med[NR_MODES];
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
		for (m = 0; m < NR_MODES; m++)
			if (run_once(m, SELECTION, &t[m][i], &c[m])) {
				fprintf(stderr, "bench_gears: the %s run failed; see %s\n",
					mode_names[m], out_path);
				return 1;
			}
	if (run_once(TRAP, "all", &t_every, &every)) {
		fprintf(stderr, "bench_gears: the run capturing all calls failed; see %s\n",
			out_path);
		return 1;
	}
	unlink(out_path);
	for (m = FILTER; m < NR_MODES; m++)
		row_exits(m, &c[m], every.captured);
	for (m = 0; m < NR_MODES; m++)
		med[m] = bench_median(t[m], RUNS);
	for (m = FILTER; m < NR_MODES; m++)
		printf("| syscalls program run (VM start to stop, boot included), capture %s vs "
		       "off "
		       "(median of %d runs each) | %.3f s | %.3f x | off %.3f s |\n",
		       mode_names[m], RUNS, med[m], med[m] / med[OFF], med[OFF]);
	return 0;
}
