// SPDX-License-Identifier: GPL-2.0
/*
 * init: the first process.  It runs the command line from /proc/cmdline after the kernel's
 * own name=value options: programs with arguments, separated by ';' (run in turn) or '&'
 * (run in the background), e.g. "hello; spin 1 & spin 1; files".  Each program is
 * /bin/NAME, started with vfork + execve.  init reports how each one ended, reaps orphans,
 * and exits with the status of the first command (in command-line order) that failed: its
 * exit code, or 128 + the signal that killed it, as a shell does; the kernel then shuts the
 * machine down with that status.
 */
#include "../libc/libc.h"

#define MAX_CMDS 32
#define MAX_ARGV 32

struct cmd {
	char *argv[MAX_ARGV + 1];
	int background;
	pid_t pid;
	int status; /* shell-style; -1 while running */
};

static struct cmd cmds[MAX_CMDS];
static int nr_cmds;
static char line[2200];

static const char *signame(int sig)
{
	switch (sig) {
	case SIGILL:
		return "SIGILL";
	case SIGTRAP:
		return "SIGTRAP";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGKILL:
		return "SIGKILL";
	case SIGSEGV:
		return "SIGSEGV";
	default:
		return "?";
	}
}

static int read_cmdline(void)
{
	int fd = open("/proc/cmdline", O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0)
		return -1;
	line[n] = '\0';
	return 0;
}

/* Skip the kernel's leading name=value words. */
static char *skip_kernel_options(char *s)
{
	for (;;) {
		char *w;

		while (*s == ' ')
			s++;
		for (w = s; *w && *w != ' ' && *w != '=' && *w != ';' && *w != '&'; w++)
			;
		if (*w != '=')
			return s;
		while (*w && *w != ' ')
			w++;
		s = w;
	}
}

/* Split s into commands (in place): words separated by spaces, commands by ; & or newline. */
static void parse(char *s)
{
	struct cmd *c = &cmds[0];
	int argc = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == ';' || *s == '&' || *s == '\n') {
			if (argc && nr_cmds < MAX_CMDS) {
				c->argv[argc] = NULL;
				c->background = *s == '&';
				c->status = -1;
				c = &cmds[++nr_cmds];
			}
			argc = 0;
			if (!*s)
				return;
			*s++ = '\0';
			continue;
		}
		if (argc < MAX_ARGV)
			c->argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != ';' && *s != '&' && *s != '\n')
			s++;
		if (*s == ' ' || *s == '\t')
			*s++ = '\0';
	}
}

static void start(struct cmd *c)
{
	char path[128];

	if (strchr(c->argv[0], '/'))
		snprintf(path, sizeof(path), "%s", c->argv[0]);
	else
		snprintf(path, sizeof(path), "/bin/%s", c->argv[0]);
	c->pid = spawn(path, c->argv);
	if (c->pid < 0) {
		printf("init: %s: cannot start: %s\n", c->argv[0], strerror(errno));
		c->status = 127;
	}
	stdout_flush();
}

static struct cmd *cmd_of(pid_t pid)
{
	int i;

	for (i = 0; i < nr_cmds; i++)
		if (cmds[i].pid == pid && cmds[i].status < 0)
			return &cmds[i];
	return NULL;
}

static void report(pid_t pid, int ws)
{
	struct cmd *c = cmd_of(pid);

	if (!c) {
		printf("init: reaped orphan pid %d\n", pid);
	} else if (WIFEXITED(ws)) {
		c->status = WEXITSTATUS(ws);
		printf("init: %s [pid %d]: exit %d\n", c->argv[0], pid, c->status);
	} else {
		c->status = 128 + WTERMSIG(ws);
		printf("init: %s [pid %d]: killed by signal %d (%s)\n", c->argv[0], pid,
		       WTERMSIG(ws), signame(WTERMSIG(ws)));
	}
	stdout_flush();
}

/* Wait for pid (-1: any child) and report it; 0 when there are no children left. */
static int reap(pid_t pid)
{
	int ws;
	pid_t got = waitpid(pid, &ws, 0);

	if (got <= 0)
		return 0;
	report(got, ws);
	return 1;
}

int main(void)
{
	int i, status = 0;
	char *cmdline;

	if (read_cmdline()) {
		printf("init: cannot read /proc/cmdline\n");
		return 1;
	}
	cmdline = skip_kernel_options(line);
	printf("init: running: %s", *cmdline ? cmdline : "(nothing)\n");
	stdout_flush();
	parse(cmdline);
	for (i = 0; i < nr_cmds; i++) {
		start(&cmds[i]);
		while (!cmds[i].background && cmds[i].status < 0 && reap(-1))
			;
	}
	while (reap(-1))
		;
	for (i = 0; i < nr_cmds && !status; i++)
		status = cmds[i].status;
	printf("init: done, status %d\n", status);
	return status;
}
