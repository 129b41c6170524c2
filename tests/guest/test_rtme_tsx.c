// SPDX-License-Identifier: GPL-2.0
/*
 * The guest kit's tsx on 2 vCPUs under `vmscope run --rtme`: the kernel reports RTM with no
 * tsx=on (vmscope's CPUID says it emulates it), tsx takes the RTM path, and the counter is
 * exact although both processes increment it at once, with transactions committed and
 * others aborted by conflicts between the vCPUs.  `vmscope report --tx` reads the trace back:
 * its counts agree with what tsx counted in the guest, in text and in JSON.  With more
 * processes than vCPUs at the default timer rate, processes are preempted and resumed in the
 * middle of everything RTME does and the counter is still exact (no process sees a trap it did
 * not ask for).  The options that shape RTME refuse bad values with a message.
 */
#include "cli_harness.h"

#define PROCS 2
#define ITERS 400

/* The number after key in text ("commits 12," gives 12), or -1. */
static long long after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static int check_report(const char *dir, long long commits, long long conflicts)
{
	const char *text[] = { "vmscope", "report", "--tx", dir, NULL };
	const char *json[] = { "vmscope", "report", "--tx", "--json", dir, NULL };
	long long begun, committed, aborted, xabort, conflict;
	const char *all;
	char *out;
	int st = cli_run(text, &out);

	TEST_ASSERT(st == 0 && strstr(out, "Transactions in "), "report --tx: exit %d:\n%s", st,
		    out);
	/* The "all" row: begun, committed, aborted, then each cause (xabort, conflict ...). */
	all = strstr(out, "\n  all ");
	TEST_ASSERT(all && sscanf(all, " all %lld %lld %lld %lld %lld", &begun, &committed,
				  &aborted, &xabort, &conflict) == 5,
		    "report --tx: no totals:\n%s", out);
	/* tsx's probe before its workers runs one transaction it does not count. */
	TEST_ASSERT((committed == commits || committed == commits + 1) &&
			    begun == committed + aborted && conflict > 0,
		    "report --tx: %lld begun, %lld committed, %lld aborted, %lld conflicts; tsx "
		    "counted %lld commits:\n%s",
		    begun, committed, aborted, conflict, commits, out);
	free(out);
	st = cli_run(json, &out);
	TEST_ASSERT(st == 0 && out[0] == '{', "report --tx --json: exit %d:\n%s", st, out);
	TEST_ASSERT(strstr(out, "\"committed\":") && strstr(out, "\"conflict\":") &&
			    strstr(out, "\"abort_sites\":"),
		    "%s", out);
	free(out);
	printf("# report --tx: %lld commits, %lld conflict aborts in the guest's count\n", commits,
	       conflicts);
	return 0;
}

/*
 * Whether the two processes' transactions meet is up to timing: on a slow host (the emulated
 * one, a sanitizer build) most end for the guest's timer first, which hz=10 makes rarer.  So
 * up to ATTEMPTS runs, every one with the exact counter, until one has both commits and
 * conflicts.
 */
#define ATTEMPTS 3

static int test_tsx(void)
{
	char dir[PATH_MAX], cmd[64];
	const char *argv[] = { "vmscope",     "run",	 "--no-input", "--vcpus",   "2",
			       "--rtme",      "--trace", dir,	       "--timeout", "300",
			       "--guest-cmd", cmd,	 NULL };
	long long commits = 0, conflicts = 0;
	char *out;
	int st, i;

	snprintf(cmd, sizeof(cmd), "hz=10 tsx auto %d %d", PROCS, ITERS);
	for (i = 1; i <= ATTEMPTS && !(commits > 0 && conflicts > 0); i++) {
		snprintf(dir, sizeof(dir), "%s/tsx%d", cli_tmp, i);
		st = cli_run(argv, &out);
		TEST_ASSERT(st == 0, "exit %d:\n%s", st, out);
		TEST_ASSERT(strstr(out, "RTM reported") && strstr(out, "RTM with a lock fallback"),
			    "the kernel did not report RTM under --rtme:\n%s", out);
		TEST_ASSERT(strstr(out, "tsx: counter 800, expected 800\n") &&
				    strstr(out, "tsx: ok") && strstr(out, "vmscope: RTME: "),
			    "%s", out);
		commits = after(out, "tsx: commits ");
		conflicts = after(out, " conflict ");
		printf("# run %d: %lld commits, %lld conflict aborts\n", i, commits, conflicts);
		free(out);
	}
	TEST_ASSERT(commits > 0 && conflicts > 0,
		    "%d runs and none with both commits and conflict aborts", ATTEMPTS);
	/* tsx counts its commits as vmscope does: the report must find as many. */
	return check_report(dir, commits, conflicts);
}

/*
 * The causes vmscope counts are the ones the guest saw: tsx counts its aborts by the bits of
 * EAX, and each cause has its bits (docs/rtme.md).  Only the probe transaction tsx runs before
 * its workers is vmscope's alone (at most one abort more).
 */
static int check_causes(const char *out)
{
	static const char *const v_names[] = { "xabort",   "conflict",	  "capacity",  "debug",
					       "nesting",  "instruction", "exception", "interrupt",
					       "injected", "ordering" };
	static const char *const g_names[] = { "explicit", "retry",  "conflict", "capacity",
					       "debug",	   "nested", "other" };
	long long v[10], g[7], want[7];
	const char *vs = strstr(out, "vmscope: RTME: "), *gs = strstr(out, "aborts: explicit");
	char key[32];
	int i, extra = 0;

	TEST_ASSERT(vs && gs, "no abort counts:\n%s", out);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "%s%s ", i ? ", " : "(", v_names[i]);
		v[i] = after(vs, key);
		TEST_ASSERT(v[i] >= 0, "no %s count in vmscope's summary:\n%s", v_names[i], vs);
	}
	for (i = 0; i < 7; i++) {
		snprintf(key, sizeof(key), "%s%s ", i ? " " : "aborts: ", g_names[i]);
		g[i] = after(gs, key);
		TEST_ASSERT(g[i] >= 0, "no %s count in tsx's line:\n%s", g_names[i], gs);
	}
	want[0] = v[0]; /* EXPLICIT: xabort */
	want[1] = v[1] + v[8] + v[9]; /* RETRY: conflict, injected, ordering */
	want[2] = v[1]; /* CONFLICT */
	want[3] = v[2] + v[4]; /* CAPACITY: capacity, nesting */
	want[4] = v[3]; /* DEBUG */
	want[5] = v[4]; /* NESTED */
	want[6] = v[5] + v[6] + v[7]; /* none: instruction, exception, interrupt */
	for (i = 0; i < 7; i++) {
		TEST_ASSERT(g[i] <= want[i] && want[i] - g[i] <= 1,
			    "tsx saw %lld aborts '%s', vmscope's causes give %lld:\n%s\n%s", g[i],
			    g_names[i], want[i], vs, gs);
		extra += want[i] > g[i] && i != 1 && i != 5;
	}
	TEST_ASSERT(extra <= 1, "more than the probe's abort apart:\n%s\n%s", vs, gs);
	return 0;
}

/* 4 processes on 2 vCPUs, 100 Hz: preempted while other vCPUs transact, resumed anywhere. */
static int test_preempted(void)
{
	char dir[PATH_MAX];
	const char *argv[] = { "vmscope",   "run",    "--no-input",  "--vcpus",
			       "2",	    "--rtme", "--trace",     dir,
			       "--timeout", "300",    "--guest-cmd", "tsx auto 4 300",
			       NULL };
	char *out;
	int st;

	snprintf(dir, sizeof(dir), "%s/preempted", cli_tmp);
	st = cli_run(argv, &out);
	TEST_ASSERT(st == 0 && strstr(out, "tsx: counter 1200, expected 1200\n") &&
			    strstr(out, "tsx: ok") && !strstr(out, "SIGTRAP"),
		    "exit %d:\n%s", st, out);
	TEST_ASSERT(strstr(out, "RTM with a lock fallback") && strstr(out, "vmscope: RTME: "),
		    "tsx did not take the RTM path:\n%s", out);
	if (check_causes(out))
		return -1;
	free(out);
	return 0;
}

static int test_bad_options(void)
{
	static const char *const cases[][3] = {
		{ "--rtme-capacity", "12", "READ:WRITE" },
		{ "--rtme-capacity", "0:4", "from 1 to" },
		{ "--rtme-abort-rate", "1.5", "from 0 to 1" },
		{ "--rtme-depth", "0", "from 1 to 255" },
	};
	const char *alone[] = { "vmscope", "run", "--rtme-seed", "3", NULL };
	unsigned int i;
	char *out;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { "vmscope", "run", "--rtme", cases[i][0], cases[i][1], NULL };

		st = cli_run(argv, &out);
		TEST_ASSERT(st == 2 && strstr(out, cases[i][0]) && strstr(out, cases[i][2]),
			    "%s %s: exit %d:\n%s", cases[i][0], cases[i][1], st, out);
		free(out);
	}
	st = cli_run(alone, &out);
	TEST_ASSERT(st == 2 && strstr(out, "add --rtme"), "exit %d:\n%s", st, out);
	free(out);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "tsx on 2 vCPUs with --rtme: exact counter, commits and conflicts, report --tx",
		  test_tsx },
		{ "tsx, 4 processes on 2 vCPUs at 100 Hz: exact counter, no stray trap",
		  test_preempted },
		{ "bad RTME options: refused with the reason", test_bad_options },
	};
	int ret;

	cli_setup();
	ret = harness_main(cases, 3);
	cli_cleanup();
	return ret;
}
