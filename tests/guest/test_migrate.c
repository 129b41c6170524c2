// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration on loopback.  `vmscope run --incoming` and a source running the built-in
 * kernel on 2 vCPUs (ticks, files): `vmscope migrate --verify` moves the guest (the target compares every MiB
 * of its RAM with the source's checksums before it runs it); the source's console and the
 * target's make the output of an uninterrupted run.  `dirty` migrated while it writes: the
 * memory identical (--verify), dirty pages sent in the rounds, the downtime read from the
 * source's trace (MIGRATE_STOP to MIGRATE_END) where babeltrace2 is installed.  A target that
 * dies in the middle leaves the source running to its end; a target fed a stream that is not
 * a migration exits 1 saying so.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli_harness.h"

/* Output fixed whatever the timing and the vCPU each process runs on. */
#define WORK "ticks 30 50 400000; files; ticks 10 50"

static int port_base;

static void addr_of(char *buf, size_t size, int k)
{
	snprintf(buf, size, "127.0.0.1:%d", port_base + k);
}

/* Wait until the VMM's control socket exists (it is running). */
static int wait_socket(pid_t pid)
{
	char sock[PATH_MAX + 32];
	int i;

	snprintf(sock, sizeof(sock), "%s/%d.sock", getenv("VMSCOPE_CONTROL_DIR"), (int)pid);
	for (i = 0; i < 3000 && access(sock, F_OK); i++)
		usleep(10000);
	return access(sock, F_OK);
}

/* Source and target logs and consoles under name; the migrate command's output in *out. */
static int migrate_run(const char *name, const char *cmd, int k, const char *tr, char **out,
		       int *mig_status)
{
	char addr[64], tlog[PATH_MAX], slog[PATH_MAX], tcon[PATH_MAX], scon[PATH_MAX], pid[16];
	const char *target[] = { "vmscope",   "run", "--no-input", "--incoming", addr,
				 "--timeout", "120", "-o",	   tcon,	 NULL };
	const char *source[] = { "vmscope", "run", "--no-input", "--vcpus",	"2", "--trace",
				 tr,	    "-o",  scon,	 "--guest-cmd", cmd, NULL };
	const char *mig[] = { "vmscope", "migrate", "--verify", "--json", pid, addr, NULL };
	pid_t t, s;
	int st_t, st_s;

	addr_of(addr, sizeof(addr), k);
	snprintf(tlog, sizeof(tlog), "%s/%s.tlog", cli_tmp, name);
	snprintf(slog, sizeof(slog), "%s/%s.slog", cli_tmp, name);
	snprintf(tcon, sizeof(tcon), "%s/%s.tcon", cli_tmp, name);
	snprintf(scon, sizeof(scon), "%s/%s.scon", cli_tmp, name);
	t = cli_spawn(target, tlog);
	s = cli_spawn(source, slog);
	snprintf(pid, sizeof(pid), "%d", (int)s);
	TEST_ASSERT(!wait_socket(s), "the source did not start");
	usleep(300000);
	*mig_status = cli_run(mig, out);
	st_s = cli_wait(s, 60);
	st_t = cli_wait(t, 120);
	TEST_ASSERT(*mig_status == 0 && st_s == 0 && st_t == 0,
		    "migrate %d, source %d, target %d:\n%s\n--- source:\n%s\n--- target:\n%s",
		    *mig_status, st_s, st_t, *out, cli_slurp(slog), cli_slurp(tlog));
	return 0;
}

static char *console(const char *name, const char *which)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s.%s", cli_tmp, name, which);
	return cli_slurp(p);
}

static int test_identical(void)
{
	char tr[PATH_MAX], ref_con[PATH_MAX], *out, *s, *t, *r, *both;
	const char *ref[] = { "vmscope", "run",	  "--no-input",	 "--vcpus", "2",
			      "-o",	 ref_con, "--guest-cmd", WORK,	    NULL };
	int st, ms;

	snprintf(tr, sizeof(tr), "%s/ident.trace", cli_tmp);
	if (migrate_run("ident", WORK, 0, tr, &out, &ms))
		return -1;
	printf("# %s\n", out);
	free(out);
	snprintf(ref_con, sizeof(ref_con), "%s/ident.ref", cli_tmp);
	st = cli_run(ref, &out);
	TEST_ASSERT(st == 0, "reference run: %d\n%s", st, out);
	free(out);
	s = console("ident", "scon");
	t = console("ident", "tcon");
	r = cli_slurp(ref_con);
	both = malloc(strlen(s) + strlen(t) + 1);
	strcpy(both, s);
	strcat(both, t);
	cli_drop_tsc(both);
	cli_drop_tsc(r);
	TEST_ASSERT(!strcmp(both, r) && strlen(t) > 0,
		    "source + target differ from an uninterrupted run:\n--- source:\n%s\n--- "
		    "target:\n%s\n--- uninterrupted:\n%s",
		    s, t, r);
	printf("# source printed %zu bytes, target %zu: one run's output\n", strlen(s), strlen(t));
	free(s);
	free(t);
	free(r);
	free(both);
	return 0;
}

/* MIGRATE_STOP and MIGRATE_END timestamps of the source's trace (babeltrace2), in ns. */
static long long trace_downtime(const char *tr)
{
	char cmd[PATH_MAX + 64], line[1024];
	double stop = -1, end = -1, h, m, sec;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>/dev/null | grep MIGRATE_", tr);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "[%lf:%lf:%lf]", &h, &m, &sec) == 3) {
			if (strstr(line, "MIGRATE_STOP"))
				stop = h * 3600 + m * 60 + sec;
			if (strstr(line, "MIGRATE_END"))
				end = h * 3600 + m * 60 + sec;
		}
	pclose(p);
	return stop >= 0 && end >= stop ? (long long)((end - stop) * 1e9) : -1;
}

static int test_dirty(void)
{
	char tr[PATH_MAX], *out, *t;
	long long down;
	int ms;

	snprintf(tr, sizeof(tr), "%s/dirty.trace", cli_tmp);
	if (migrate_run("dirty", "dirty 8M 3000 4", 1, tr, &out, &ms))
		return -1;
	TEST_ASSERT(strstr(out, "\"pages\":") && !strstr(out, "\"rounds\":0,"),
		    "no pre-copy round: %s", out);
	printf("# %s\n", out);
	free(out);
	t = console("dirty", "tcon");
	TEST_ASSERT(strstr(t, "dirty: ok"), "dirty did not finish on the target:\n%s", t);
	free(t);
	if (access("/usr/bin/babeltrace2", X_OK)) {
		printf("# babeltrace2 is not installed: the downtime is the reply's only\n");
		return 0;
	}
	down = trace_downtime(tr);
	TEST_ASSERT(down > 0, "no MIGRATE_STOP and MIGRATE_END in the source's trace");
	printf("# downtime in the source's trace: %.1f ms\n", down / 1e6);
	return 0;
}

/* A target that reads a little and dies: the source runs on to its end. */
static int test_target_dies(void)
{
	char addr[64], slog[PATH_MAX], scon[PATH_MAX], pid[16];
	const char *source[] = { "vmscope", "run",	   "--no-input",  "-o",
				 scon,	    "--guest-cmd", "ticks 20 50", NULL };
	const char *mig[] = { "vmscope", "migrate", pid, addr, NULL };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1, st;
	pid_t s, dier;
	char *out;

	addr_of(addr, sizeof(addr), 2);
	a.sin_port = htons(port_base + 2);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	TEST_ASSERT(!bind(lfd, (struct sockaddr *)&a, sizeof(a)) && !listen(lfd, 1), "listen: %s",
		    strerror(errno));
	dier = fork();
	if (dier == 0) {
		char buf[65536];
		int fd = accept(lfd, NULL, NULL);
		size_t got = 0;
		ssize_t n = 1;

		while (fd >= 0 && got < 200000 && n > 0)
			got += (n = read(fd, buf, sizeof(buf))) > 0 ? n : 0;
		_exit(9); /* killed in the middle */
	}
	close(lfd);
	snprintf(slog, sizeof(slog), "%s/dies.slog", cli_tmp);
	snprintf(scon, sizeof(scon), "%s/dies.scon", cli_tmp);
	s = cli_spawn(source, slog);
	snprintf(pid, sizeof(pid), "%d", (int)s);
	TEST_ASSERT(!wait_socket(s), "the source did not start");
	st = cli_run(mig, &out);
	TEST_ASSERT(st == 1 && strstr(out, "vmscope migrate:"), "migrate: exit %d:\n%s", st, out);
	printf("# %s", out);
	free(out);
	waitpid(dier, NULL, 0);
	st = cli_wait(s, 60);
	out = cli_slurp(scon);
	TEST_ASSERT(st == 0 && strstr(out, "ticks: ok"),
		    "the source did not run on to its end (exit %d):\n%s", st, out);
	free(out);
	return 0;
}

/* A stream that is not a migration: the target exits 1 and says so. */
static int test_bad_stream(void)
{
	char addr[64], tlog[PATH_MAX];
	const char *target[] = { "vmscope", "run",	 "--no-input", "--incoming",
				 addr,	    "--timeout", "60",	       NULL };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = -1, i, st;
	pid_t t;
	char *out;

	addr_of(addr, sizeof(addr), 3);
	a.sin_port = htons(port_base + 3);
	snprintf(tlog, sizeof(tlog), "%s/bad.tlog", cli_tmp);
	t = cli_spawn(target, tlog);
	for (i = 0; i < 500; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(fd);
		fd = -1;
		usleep(20000);
	}
	TEST_ASSERT(fd >= 0, "the target never listened");
	TEST_ASSERT(write(fd, "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", 36) == 36, "write");
	close(fd);
	st = cli_wait(t, 60);
	out = cli_slurp(tlog);
	TEST_ASSERT(st == 1 && strstr(out, "not a vmscope migration"),
		    "target fed garbage: exit %d:\n%s", st, out);
	free(out);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "ticks and files migrated on 2 vCPUs: one run's output", test_identical },
		{ "dirty migrated while it writes: memory identical, downtime in the trace",
		  test_dirty },
		{ "the target dies mid-migration: the source runs on", test_target_dies },
		{ "a stream that is not a migration: the target says so", test_bad_stream },
	};
	int ret;

	port_base = 20000 + getpid() % 20000;
	cli_setup();
	ret = harness_main(cases, 4);
	cli_cleanup();
	return ret;
}
