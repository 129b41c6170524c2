/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests that drive the vmscope binary itself (build/vmscope, found beside the test's own
 * build directory): start `vmscope run` with a guest function of the test's own image
 * (`--entry <function> <this executable>`, the image loaded as an ELF guest as harness.h
 * does), and run other vmscope commands against it, capturing their output.  Every command
 * runs with a deadline, so a hang fails the test instead of stalling the suite.
 */
#ifndef VMSCOPE_CLI_HARNESS_H
#define VMSCOPE_CLI_HARNESS_H

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

static char cli_vmscope[PATH_MAX];
static char cli_self[PATH_MAX];
static char cli_tmp[64]; /* private directory: control sockets, traces, outputs */

/* Find build/vmscope and this executable; make the private directory. */
HARNESS_FN void cli_setup(void)
{
	char dir[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", cli_self, sizeof(cli_self) - 1);

	if (n <= 0) {
		perror("readlink /proc/self/exe");
		exit(1);
	}
	cli_self[n] = '\0';
	snprintf(cli_vmscope, sizeof(cli_vmscope), "%.*s/../../vmscope",
		 (int)(strrchr(cli_self, '/') - cli_self), cli_self);
	if (access(cli_vmscope, X_OK)) {
		fprintf(stderr, "cannot find the vmscope binary at %s; run 'make'\n", cli_vmscope);
		exit(1);
	}
	snprintf(cli_tmp, sizeof(cli_tmp), "/tmp/vmscope-test-XXXXXX");
	if (!mkdtemp(cli_tmp)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dir, sizeof(dir), "%s/ctl", cli_tmp);
	mkdir(dir, 0700);
	/* Our VMMs' sockets live here, away from any other VMM on this machine. */
	setenv("VMSCOPE_CONTROL_DIR", dir, 1);
}

HARNESS_FN void cli_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cli_tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", cli_tmp);
}

HARNESS_FN double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start argv (argv[0] "vmscope" is replaced by the binary) with stdout+stderr to out. */
HARNESS_FN pid_t cli_spawn(const char *const *argv, const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, STDIN_FILENO);
		execv(cli_vmscope, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Wait for pid at most secs seconds (then kill it); its exit status, or -1. */
HARNESS_FN int cli_wait(pid_t pid, double secs)
{
	double end = cli_now() + secs;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (cli_now() > end) {
			fprintf(stderr, "pid %d still runs after %.0f s: killed\n", (int)pid, secs);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The whole of a file, NUL-terminated (free it); "" if unreadable. */
HARNESS_FN char *cli_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[65536];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(m);
		fclose(f);
	}
	return buf ? buf : strdup("");
}

/* Run a vmscope command to completion (60 s at most); its output in *out (free it). */
HARNESS_FN int cli_run(const char *const *argv, char **out)
{
	char path[PATH_MAX];
	static int seq;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/out%d", cli_tmp, seq++);
	pid = cli_spawn(argv, path);
	status = cli_wait(pid, 60);
	*out = cli_slurp(path);
	return status;
}

/* A console without the boot's TSC calibration (", TSC 1878 MHz": differs between boots). */
HARNESS_FN void cli_drop_tsc(char *s)
{
	char *p = strstr(s, ", TSC ");
	char *e = p ? strstr(p + 6, " MHz") : NULL;

	if (e)
		memmove(p, e + 4, strlen(e + 4) + 1);
}

HARNESS_FN int cli_count(const char *text, const char *word)
{
	int n = 0;

	while ((text = strstr(text, word))) {
		n++;
		text += strlen(word);
	}
	return n;
}

#endif
