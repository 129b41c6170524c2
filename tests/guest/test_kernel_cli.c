// SPDX-License-Identifier: GPL-2.0
/*
 * The guest kit from the command line: `vmscope run` with no GUEST boots the built-in kernel
 * and its demo ends with status 0; --guest-cmd runs a program with its arguments instead,
 * and init's status becomes vmscope's; `vmscope guests` lists every built-in program; an
 * ELF guest still loads, and --guest-cmd gives it a boot-info block (here: the kernel's own
 * ELF, built beside vmscope); a program the kernel lacks and a GUEST that cannot be read are
 * refused before anything runs or is created.
 */
#include "cli_harness.h"
#include "../../gears/syscalls.h"

static const char *const programs[] = {
#define PROGRAM(name, description) #name,
#include "../../guests/user/programs.def"
#undef PROGRAM
};

static int test_demo(void)
{
	const char *argv[] = { "vmscope", "run", "--no-input", "--timeout", "60", NULL };
	double t0 = cli_now();
	char *out;
	int st = cli_run(argv, &out);

	printf("# vmscope run (the demo): %.2f s\n", cli_now() - t0);
	TEST_ASSERT(st == 0, "exit %d:\n%s", st, out);
	TEST_ASSERT(strstr(out, "init: done, status 0") && strstr(out, "tsx: ok") &&
			    strstr(out, "syscalls: ok") && strstr(out, "files: ok") &&
			    strstr(out, "hello, world!"),
		    "%s", out);
	free(out);
	return 0;
}

static int test_guest_cmd(void)
{
	const char *argv[] = { "vmscope", "run",	 "--no-input",	      "--timeout",
			       "60",	  "--guest-cmd", "memwalk 1M random", NULL };
	const char *fail[] = { "vmscope", "run", "--no-input", "--guest-cmd", "fault ud", NULL };
	const char *typo[] = { "vmscope", "run", "--no-input", "--guest-cmd", "helo", NULL };
	char *out;
	int st = cli_run(argv, &out);

	TEST_ASSERT(st == 0, "exit %d:\n%s", st, out);
	TEST_ASSERT(strstr(out, "init: running: memwalk 1M random\n") &&
			    strstr(out, "memwalk: 1024 KiB random x2: 262144 accesses") &&
			    !strstr(out, "hello, world!"),
		    "%s", out);
	free(out);
	st = cli_run(fail, &out);
	TEST_ASSERT(st == 132 && strstr(out, "killed by SIGILL"), "exit %d:\n%s", st, out);
	free(out);
	st = cli_run(typo, &out);
	TEST_ASSERT(st == 2 && strstr(out, "no program 'helo' (did you mean 'hello'?)") &&
			    !strstr(out, "init:"),
		    "a program the kernel lacks: exit %d:\n%s", st, out);
	free(out);
	return 0;
}

/* A GUEST that cannot be read leaves nothing behind: no console file, no trace directory. */
static int test_missing_guest(void)
{
	char console[PATH_MAX], trace[PATH_MAX], missing[PATH_MAX];
	const char *argv[] = { "vmscope", "run", "--console", console,
			       "--trace", trace, missing,     NULL };
	char *out;
	int st;

	snprintf(console, sizeof(console), "%s/console.txt", cli_tmp);
	snprintf(trace, sizeof(trace), "%s/trace", cli_tmp);
	snprintf(missing, sizeof(missing), "%s/nosuch.elf", cli_tmp);
	st = cli_run(argv, &out);
	TEST_ASSERT(st == 1 && strstr(out, "nosuch.elf: no such file"), "exit %d:\n%s", st, out);
	TEST_ASSERT(access(console, F_OK) && access(trace, F_OK),
		    "a failed run left %s or %s behind", console, trace);
	free(out);
	return 0;
}

/* A help text names every form of a system-call selection: each class, all, !NAME. */
static int check_selection_forms(const char *what, const char *out)
{
	unsigned int bit;

	for (bit = 1; bit < 1u << SYSC_COUNT; bit <<= 1)
		TEST_ASSERT(strstr(out, syscall__class_name(bit)), "%s lacks class %s", what,
			    syscall__class_name(bit));
	TEST_ASSERT(strstr(out, "class:") && strstr(out, "%file") && strstr(out, ", all") &&
			    strstr(out, "!NAME") && strstr(out, "numbers"),
		    "%s lacks a form of the selection", what);
	return 0;
}

static int test_guests_list(void)
{
	const char *argv[] = { "vmscope", "guests", NULL };
	const char *help[] = { "vmscope", "run", "--help", NULL };
	const char *syscalls_help[] = { "vmscope", "syscalls", "--help", NULL };
	unsigned int i;
	char *out, line[32];
	int st = cli_run(argv, &out);

	TEST_ASSERT(st == 0, "exit %d:\n%s", st, out);
	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		snprintf(line, sizeof(line), "\n  %-10s ", programs[i]);
		TEST_ASSERT(strstr(out, line), "'%s' is not listed:\n%s", programs[i], out);
	}
	free(out);
	st = cli_run(help, &out);
	TEST_ASSERT(st == 0 && strstr(out, "--guest-cmd CMD"), "%s", out);
	TEST_ASSERT(!check_selection_forms("run --help", out), "%s", out);
	free(out);
	st = cli_run(syscalls_help, &out);
	TEST_ASSERT(st == 0 && !check_selection_forms("syscalls --help", out), "%s", out);
	free(out);
	return 0;
}

/* An ELF GUEST loads as before; with --guest-cmd it also finds the boot-info block. */
static int test_external_elf(void)
{
	char elf[PATH_MAX + 32];
	const char *argv[] = { "vmscope", "run",	 "--no-input", "--timeout", "60", "--vcpus",
			       "2",	  "--guest-cmd", "hello",      elf,	    NULL };
	char *out;
	int st;

	snprintf(elf, sizeof(elf), "%.*s/../../guests/kernel.elf",
		 (int)(strrchr(cli_self, '/') - cli_self), cli_self);
	st = cli_run(argv, &out);
	TEST_ASSERT(st == 0, "exit %d:\n%s", st, out);
	TEST_ASSERT(strstr(out, "vmscope guest kernel: 2 CPUs") && strstr(out, "of 2\n") &&
			    strstr(out, "init: running: hello\n"),
		    "%s", out);
	free(out);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "run_boots_the_kernel_demo", test_demo },
		{ "guest_cmd_runs_a_program", test_guest_cmd },
		{ "guests_lists_the_programs", test_guests_list },
		{ "external_elf_with_guest_cmd", test_external_elf },
		{ "missing_guest_leaves_nothing", test_missing_guest },
	};
	int ret;

	cli_setup();
	ret = harness_main(cases, sizeof(cases) / sizeof(cases[0]));
	cli_cleanup();
	return ret;
}
