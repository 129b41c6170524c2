/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket: every running VMM listens on a Unix socket, <dir>/<pid>.sock, and
 * answers one-line requests with one-line JSON replies (docs/live.md).  A control thread
 * serves every client with poll(); live subscribers get trace records through a trace sink
 * that copies them into a bounded queue per client, so a slow reader loses events (and is
 * told how many) but never slows a vCPU or the trace session.
 *
 * The client half (finding running VMMs, connecting, reading lines) serves `vmscope top`
 * and `vmscope live`.
 */
#ifndef VMSCOPE_CONTROL_H
#define VMSCOPE_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vm;
struct trace_session;

/* A request longer than this (its newline not counted) is refused. */
#define CONTROL_LINE_MAX 1024
/* Default size of a subscriber's queue of undecoded records. */
#define CONTROL_QUEUE_BYTES (256 * 1024)
/* Clients served at once; subscribers among them. */
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_MAX_SUBSCRIBERS 8

/* The commands (commands.def). */
#define CONTROL_CMD(id, name, args, parse, exec) CONTROL_##id,
enum control_cmd {
#include "commands.def"
	CONTROL_NR_CMDS
};
#undef CONTROL_CMD

struct control_req {
	enum control_cmd cmd;
	int json; /* subscribe --json: events as JSON lines */
	/* syscalls: selection changes ("" none) */
	char add[CONTROL_LINE_MAX + 1], remove[CONTROL_LINE_MAX + 1];
	/* inject: an absolute path of flat code, where to enter it, RDI, address space, vCPU */
	char path[CONTROL_LINE_MAX + 1];
	uint64_t entry, arg, cr3;
	char program[16]; /* inject --program NAME ("" none) */
	int vcpu, timeout_ms;
	int stop; /* checkpoint --stop */
	unsigned int downtime_ms; /* migrate --downtime-ms (0: the default) */
	int verify; /* migrate --verify */
};

/*
 * Parse one request (the line without its newline; len bytes, not NUL-terminated).
 * Returns 0, or -EINVAL with a message (err__msg) that names the problem.
 */
int control__parse(const char *line, size_t len, struct control_req *req);

/* The name of a command as the protocol spells it. */
const char *control__cmd_name(enum control_cmd cmd);

struct control_opts {
	struct vm *vm; /* running (its vCPUs started) */
	struct trace_session *trace; /* NULL: tracing is off, subscribe says so */
	const char *guest; /* what `info` reports (copied); NULL: "built-in kernel" */
	const char *dir; /* NULL: control__dir() */
	size_t queue_bytes; /* per subscriber; 0: CONTROL_QUEUE_BYTES */
};

struct control;

/*
 * Create the socket and start the control thread.  Returns the server, or NULL with errno
 * set and a message (err__msg(-errno)) naming the problem and the fix.
 */
struct control *control__start(const struct control_opts *o);

/* Stop the thread, close every client, remove the socket.  NULL is allowed. */
void control__stop(struct control *c);

/* The socket's path. */
const char *control__path(const struct control *c);

/*
 * The directory of control sockets: $VMSCOPE_CONTROL_DIR if set; /run/vmscope for root;
 * $XDG_RUNTIME_DIR/vmscope; /tmp/vmscope-<uid>.  0 or -ENAMETOOLONG.
 */
int control__dir(char *buf, size_t size);

/*
 * The pids of running VMMs with a socket in dir (NULL: control__dir()), at most max, in
 * increasing order.  Sockets of dead processes are removed.  Returns how many, or -errno.
 */
int control__list(const char *dir, pid_t *pids, int max);

/*
 * Choose the VMM to talk to: arg is a pid, or NULL for the only running VMM, or, of several,
 * the only one in the caller's session.  0, or -errno with a message that lists the
 * candidates (several) or says none runs.
 */
int control__resolve(const char *dir, const char *arg, pid_t *pid);

/* Connect to the VMM with this pid.  A connected fd, or -errno with a message. */
int control__connect(const char *dir, pid_t pid);

/* Send one request line (a newline is added).  0 or -errno. */
int control__send(int fd, const char *request);

/*
 * Buffered line reader for a control connection.  control__read_line() stores the next line
 * without its newline, NUL-terminated, and returns 1; 0 at end of stream; -errno on error, or
 * -ETIMEDOUT when timeout_ms (>= 0) passes first.  A line longer than size comes in pieces.
 */
struct control_reader {
	int fd;
	size_t len, off;
	char buf[64 * 1024];
};

void control__reader_init(struct control_reader *r, int fd);
int control__read_line(struct control_reader *r, char *line, size_t size, int timeout_ms);

/* Send request and read its one-line reply into line.  0, or -errno with a message. */
int control__request(struct control_reader *r, const char *request, char *line, size_t size);

#endif
