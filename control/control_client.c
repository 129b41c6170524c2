// SPDX-License-Identifier: GPL-2.0
/*
 * The client half of the control socket: where the sockets live, which VMMs run, connecting,
 * and reading reply lines.  Used by `vmscope top` and `vmscope live` and by the tests.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/err.h"
#include "control.h"

int control__dir(char *buf, size_t size)
{
	const char *env = getenv("VMSCOPE_CONTROL_DIR");
	int n;

	if (env && *env)
		n = snprintf(buf, size, "%s", env);
	else if (geteuid() == 0)
		n = snprintf(buf, size, "/run/vmscope");
	else if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		n = snprintf(buf, size, "%s/vmscope", env);
	else
		n = snprintf(buf, size, "/tmp/vmscope-%d", (int)geteuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int dir_or_default(const char *dir, char *buf, size_t size)
{
	if (dir) {
		snprintf(buf, size, "%s", dir);
		return 0;
	}
	if (control__dir(buf, size))
		return err__set(ENAMETOOLONG, "the control directory's path is too long");
	return 0;
}

/* "<pid>.sock" → pid, or 0 for any other name. */
static pid_t sock_pid(const char *name)
{
	char *end;
	long v;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	v = strtol(name, &end, 10);
	if (strcmp(end, ".sock") || v <= 0 || v > 0x3fffffff)
		return 0;
	return v;
}

static void insert_sorted(pid_t *pids, int n, pid_t pid)
{
	int i = n;

	while (i > 0 && pids[i - 1] > pid) {
		pids[i] = pids[i - 1];
		i--;
	}
	pids[i] = pid;
}

/* A socket whose process is gone is stale: remove it (best effort). */
static int alive_or_clean(const char *dir, pid_t pid)
{
	char path[4096 + 32];

	if (kill(pid, 0) == 0 || errno == EPERM)
		return 1;
	snprintf(path, sizeof(path), "%s/%d.sock", dir, (int)pid);
	unlink(path);
	return 0;
}

int control__list(const char *dir, pid_t *pids, int max)
{
	char d[4096];
	struct dirent *e;
	DIR *dp;
	int n = 0, ret = dir_or_default(dir, d, sizeof(d));

	if (ret)
		return ret;
	dp = opendir(d);
	if (!dp)
		return errno == ENOENT ? 0
				       : err__set(errno, "cannot read control directory %s: %s", d,
						  strerror(errno));
	while ((e = readdir(dp)) && n < max) {
		pid_t pid = sock_pid(e->d_name);

		if (pid && alive_or_clean(d, pid))
			insert_sorted(pids, n++, pid);
	}
	closedir(dp);
	return n;
}

static int parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v <= 0 || v > 0x3fffffff)
		return err__set(EINVAL,
				"'%s' is not a process id; give the pid of a running "
				"vmscope (see 'vmscope top' with no PID)",
				arg);
	*pid = v;
	return 0;
}

static int too_many(const pid_t *pids, int n)
{
	char list[512];
	int i, off = 0;

	for (i = 0; i < n && off < (int)sizeof(list) - 16; i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%d", i ? ", " : "",
				(int)pids[i]);
	return err__set(EEXIST,
			"%d VMMs are running (pids %s%s), none or several in this session; name "
			"one as PID ('vmscope top' with no PID shows each one's guest)",
			n, list, i < n ? ", ..." : "");
}

/*
 * Of several VMMs, the one started in the caller's session (the same terminal or script), if
 * exactly one was: 1 (into *pid), else 0.
 */
static int own_session(const pid_t *pids, int n, pid_t *pid)
{
	pid_t sid = getsid(0);
	int i, found = 0;

	for (i = 0; i < n; i++)
		if (getsid(pids[i]) == sid) {
			*pid = pids[i];
			found++;
		}
	return found == 1;
}

int control__resolve(const char *dir, const char *arg, pid_t *pid)
{
	pid_t pids[64];
	char d[4096];
	int n;

	if (arg)
		return parse_pid(arg, pid);
	n = control__list(dir, pids, 64);
	if (n < 0)
		return n;
	if (n == 1) {
		*pid = pids[0];
		return 0;
	}
	if (n > 1)
		return own_session(pids, n, pid) ? 0 : too_many(pids, n);
	dir_or_default(dir, d, sizeof(d));
	return err__set(ESRCH,
			"no running VMM found (no control socket in %s); start one with "
			"'vmscope run'",
			d);
}

static int connect_error(const char *path, pid_t pid, int e)
{
	if (e == ENOENT)
		return err__set(ESRCH,
				"no VMM with pid %d (no socket %s); see the running "
				"ones with 'vmscope top' and no PID",
				(int)pid, path);
	if (e == ECONNREFUSED) {
		if (kill(pid, 0) && errno == ESRCH)
			unlink(path);
		return err__set(ESRCH,
				"the VMM with pid %d does not answer on %s; it has "
				"probably exited",
				(int)pid, path);
	}
	return err__set(e, "cannot connect to %s: %s", path, strerror(e));
}

int control__connect(const char *dir, pid_t pid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char d[sizeof(a.sun_path)];
	int fd, ret = dir_or_default(dir, d, sizeof(d));

	if (ret)
		return ret;
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%d.sock", d, (int)pid) >=
	    sizeof(a.sun_path))
		return err__set(ENAMETOOLONG, "control socket path in %s is too long", d);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err__set(errno, "cannot create a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		ret = connect_error(a.sun_path, pid, errno);
		close(fd);
		return ret;
	}
	return fd;
}

int control__send(int fd, const char *request)
{
	size_t len = strlen(request), off = 0;
	char buf[CONTROL_LINE_MAX + 2];

	if (len > CONTROL_LINE_MAX)
		return err__set(EINVAL, "request longer than %d bytes", CONTROL_LINE_MAX);
	memcpy(buf, request, len);
	buf[len++] = '\n';
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err__set(errno, "cannot send to the VMM: %s", strerror(errno));
		off += n;
	}
	return 0;
}

void control__reader_init(struct control_reader *r, int fd)
{
	r->fd = fd;
	r->len = 0;
	r->off = 0;
}

/* Copy a line (or a piece of one) out of the buffer; its length, or -1 if none is whole. */
static int take_line(struct control_reader *r, char *line, size_t size, int force)
{
	char *start = r->buf + r->off, *nl = memchr(start, '\n', r->len - r->off);
	size_t n = nl ? (size_t)(nl - start) : r->len - r->off;

	if (!nl && !force && n < size - 1)
		return -1;
	if (n > size - 1) {
		n = size - 1;
		nl = NULL;
	}
	memcpy(line, start, n);
	line[n] = '\0';
	r->off += n + (nl ? 1 : 0);
	return n;
}

static int fill(struct control_reader *r, int timeout_ms)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	ssize_t n;

	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (timeout_ms >= 0) {
		int ret = poll(&p, 1, timeout_ms);

		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
	}
	n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
	if (n < 0)
		return -errno;
	r->len += n;
	return n;
}

int control__read_line(struct control_reader *r, char *line, size_t size, int timeout_ms)
{
	int n;

	for (;;) {
		if (take_line(r, line, size, r->len - r->off == sizeof(r->buf)) >= 0)
			return 1;
		n = fill(r, timeout_ms);
		if (n < 0)
			return n;
		if (n == 0 && r->len == r->off)
			return 0;
		if (n == 0)
			return take_line(r, line, size, 1) >= 0;
	}
}

int control__request(struct control_reader *r, const char *request, char *line, size_t size)
{
	int ret = control__send(r->fd, request);

	if (!ret)
		ret = control__read_line(r, line, size, -1);
	if (ret == 0)
		return err__set(EPIPE, "the VMM closed the connection before replying");
	return ret < 0 ? ret : 0;
}
