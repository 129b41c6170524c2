// SPDX-License-Identifier: GPL-2.0
/*
 * The control server: a Unix socket per VMM and one thread that serves its clients with
 * poll().  Requests and replies are lines (docs/live.md); subscribers are fed from one trace
 * sink that copies each record into the bounded queue of every active subscriber.  The sink
 * runs on the trace session thread and never waits; the control thread decodes and sends.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../core/vm.h"
#include "control_priv.h"
#include "../trace/trace.h"

#define OUT_MAX (1024 * 1024) /* a client's unsent output, replies and events */
#define OUT_LOW (64 * 1024) /* decode more events only while less than this is unsent */
#define DRAIN_BATCH 256 /* records decoded per subscriber per loop */
#define FLUSH_AT_STOP_MS 500 /* how long a stopping server tries to flush its clients */

struct ctl_client {
	int fd; /* -1: free slot */
	char in[CONTROL_LINE_MAX + 1];
	size_t in_len;
	int discarding; /* the current line is too long: skip to its newline */
	struct cbuf out;
	int sub; /* subscriber slot, or -1 */
};

struct ctl_sub {
	int active; /* the sink pushes into q: control thread stores, sink loads */
	int json;
	struct sub_queue q;
};

struct control {
	struct control_opts o;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *guest;
	int listen_fd;
	int wake_fd;
	pthread_t thread;
	int thread_started;
	int stop; /* control__stop asks the thread to end */
	int sleeping; /* the control thread is about to poll: the sink must wake it */
	int trace_gone; /* the session closed the sink (ops->close); set under trace_lock */
	pthread_mutex_t trace_lock; /* held while calling into the session (dump) */
	int sink_added;
	uint64_t sink_enter, sink_leave; /* records begun and ended by the sink */
	int nr_active; /* active subscriber slots */
	uint64_t start_ns;
	struct ctl_client clients[CONTROL_MAX_CLIENTS];
	struct ctl_sub subs[CONTROL_MAX_SUBSCRIBERS];
};

static void control__wake(struct control *c)
{
	uint64_t one = 1;

	if (write(c->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
}

/* The sink: called on the trace session thread for every drained record. */
static void sink_record(void *opaque, uint32_t stream, const void *rec, size_t len)
{
	struct control *c = opaque;
	int i, pushed = 0;

	/* No subscriber: the usual case costs one load (a slot seen active is checked below). */
	if (!__atomic_load_n(&c->nr_active, __ATOMIC_RELAXED))
		return;
	/* Pairs with the seq_cst store of active and load of sink_enter in sub_deactivate(). */
	__atomic_fetch_add(&c->sink_enter, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		if (__atomic_load_n(&c->subs[i].active, __ATOMIC_SEQ_CST))
			pushed |= !sub_queue__push(&c->subs[i].q, stream, rec, len);
	__atomic_fetch_add(&c->sink_leave, 1, __ATOMIC_RELEASE);
	/* Pairs with the fence in control__wait(): either it sees the entry or we see it sleep. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (pushed && __atomic_exchange_n(&c->sleeping, 0, __ATOMIC_RELAXED))
		control__wake(c);
}

/*
 * The session ends (or the sink is removed): from now on nothing may call into it.  The lock
 * waits for a dump in progress; the session is freed only after this returns.
 */
static void sink_close(void *opaque)
{
	struct control *c = opaque;

	pthread_mutex_lock(&c->trace_lock);
	__atomic_store_n(&c->trace_gone, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->trace_lock);
	control__wake(c);
}

static const struct trace_sink_ops control_sink_ops = {
	.record = sink_record,
	.close = sink_close,
};

/* Stop feeding a slot and wait until no sink call can still be writing into it. */
static void sub_deactivate(struct control *c, int slot)
{
	uint64_t entered;

	__atomic_store_n(&c->subs[slot].active, 0, __ATOMIC_SEQ_CST);
	__atomic_fetch_sub(&c->nr_active, 1, __ATOMIC_RELAXED);
	entered = __atomic_load_n(&c->sink_enter, __ATOMIC_SEQ_CST);
	/* Pairs with the release increment of sink_leave in sink_record(). */
	while (__atomic_load_n(&c->sink_leave, __ATOMIC_ACQUIRE) < entered)
		sched_yield();
}

static int sub_activate(struct control *c, struct ctl_client *cl, int json)
{
	int i, ret;

	for (i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		if (!c->subs[i].active)
			break;
	if (i == CONTROL_MAX_SUBSCRIBERS)
		return err__set(EBUSY, "%d subscribers already; close one first",
				CONTROL_MAX_SUBSCRIBERS);
	if (!c->subs[i].q.buf) {
		ret = sub_queue__init(&c->subs[i].q, c->o.queue_bytes);
		if (ret)
			return err__set(-ret, "cannot allocate a subscriber queue of %zu bytes",
					c->o.queue_bytes);
	}
	sub_queue__reset(&c->subs[i].q);
	c->subs[i].json = json;
	cl->sub = i;
	__atomic_fetch_add(&c->nr_active, 1, __ATOMIC_RELAXED);
	/* Pairs with the sink's seq_cst load: the reset queue is seen before active. */
	__atomic_store_n(&c->subs[i].active, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void client_unsubscribe(struct control *c, struct ctl_client *cl)
{
	if (cl->sub < 0)
		return;
	sub_deactivate(c, cl->sub);
	cl->sub = -1;
}

static void client_close(struct control *c, struct ctl_client *cl)
{
	client_unsubscribe(c, cl);
	close(cl->fd);
	cl->fd = -1;
	cbuf__free(&cl->out);
}

static void reply_fail(struct ctl_client *cl, enum control_cmd cmd, int ret)
{
	control__reply_error(&cl->out, control__cmd_name(cmd), err__msg(ret));
}

int control__exec_help(struct control_ctx *x, const struct control_req *req)
{
	(void)req;
	return control__reply_help(x->out);
}

int control__exec_stats(struct control_ctx *x, const struct control_req *req)
{
	(void)req;
	return control__reply_stats(x->out, x->vm, control__now_ns());
}

int control__exec_subscribe(struct control_ctx *x, const struct control_req *req)
{
	struct control *c = x->c;

	if (!c->o.trace || __atomic_load_n(&c->trace_gone, __ATOMIC_ACQUIRE))
		return err__set(ENODATA,
				"tracing is off in this VMM (pid %d); start it with 'vmscope run "
				"--trace DIR' to stream events",
				(int)getpid());
	if (x->cl->sub >= 0)
		return err__set(EALREADY, "this connection is already subscribed");
	if (sub_activate(c, x->cl, req->json))
		return -EBUSY;
	return control__reply_subscribe(x->out, req->json);
}

int control__exec_unsubscribe(struct control_ctx *x, const struct control_req *req)
{
	client_unsubscribe(x->c, x->cl);
	return control__reply_ok(x->out, req->cmd);
}

int control__exec_pause(struct control_ctx *x, const struct control_req *req)
{
	return vm__pause(x->vm) ?: control__reply_ok(x->out, req->cmd);
}

int control__exec_resume(struct control_ctx *x, const struct control_req *req)
{
	return vm__resume(x->vm) ?: control__reply_ok(x->out, req->cmd);
}

int control__exec_stop(struct control_ctx *x, const struct control_req *req)
{
	vm__request_stop(x->vm, 0, 0, "stopped through the control socket by a client");
	return control__reply_ok(x->out, req->cmd);
}

/* Flight recorder: write the rings' contents to the trace now (trace__dump). */
int control__exec_dump(struct control_ctx *x, const struct control_req *req)
{
	struct control *c = x->c;
	int ret;

	pthread_mutex_lock(&c->trace_lock);
	if (!c->o.trace || c->trace_gone)
		ret = err__set(ENODATA,
			       "tracing is off in this VMM (pid %d); start it with "
			       "'vmscope run --trace DIR --overwrite' to dump a flight recorder",
			       (int)getpid());
	else
		ret = trace__dump(c->o.trace);
	pthread_mutex_unlock(&c->trace_lock);
	return ret ?: control__reply_ok(x->out, req->cmd);
}

int control__exec_info(struct control_ctx *x, const struct control_req *req)
{
	struct control *c = x->c;
	struct control_info ci = {
		.pid = getpid(),
		.guest = c->guest,
		.uptime_ns = control__now_ns() - c->start_ns,
		.tracing = c->o.trace && !__atomic_load_n(&c->trace_gone, __ATOMIC_ACQUIRE),
		.socket = c->path,
	};

	(void)req;
	return control__reply_info(x->out, x->vm, &ci);
}

/* Each command's exec (commands.def). */
#define CONTROL_CMD(id, name, args, parse, exec) [CONTROL_##id] = exec,
static int (*const cmd_execs[])(struct control_ctx *x, const struct control_req *req) = {
#include "commands.def"
};
#undef CONTROL_CMD

static int cmd_exec(struct control *c, struct ctl_client *cl, const struct control_req *req)
{
	struct control_ctx x = { .c = c, .cl = cl, .out = &cl->out, .vm = c->o.vm };

	return cmd_execs[req->cmd](&x, req);
}

static void client_line(struct control *c, struct ctl_client *cl, const char *line, size_t len)
{
	struct control_req req;
	int ret;

	err__clear();
	ret = control__parse(line, len, &req);
	if (ret) {
		control__reply_error(&cl->out, NULL, err__msg(ret));
		return;
	}
	ret = cmd_exec(c, cl, &req);
	if (ret == -ENOSPC || ret == -ENOMEM)
		control__reply_error(&cl->out, control__cmd_name(req.cmd),
				     "the reply does not fit in the connection's buffer");
	else if (ret)
		reply_fail(cl, req.cmd, ret);
}

/* Split what arrived into lines; an over-long line is refused once and skipped. */
static void client_input(struct control *c, struct ctl_client *cl, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (!cl->discarding)
				client_line(c, cl, cl->in, cl->in_len);
			cl->discarding = 0;
			cl->in_len = 0;
		} else if (cl->discarding) {
			continue;
		} else if (cl->in_len == CONTROL_LINE_MAX) {
			char msg[96];

			snprintf(msg, sizeof(msg), "request longer than %d bytes refused",
				 CONTROL_LINE_MAX);
			control__reply_error(&cl->out, NULL, msg);
			cl->discarding = 1;
		} else {
			cl->in[cl->in_len++] = p[i];
		}
	}
}

static void client_read(struct control *c, struct ctl_client *cl)
{
	char buf[4096];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c, cl);
		return;
	}
	if (n > 0)
		client_input(c, cl, buf, n);
}

static void client_write(struct control *c, struct ctl_client *cl)
{
	ssize_t n;

	if (!cl->out.len)
		return;
	n = send(cl->fd, cl->out.data, cl->out.len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		cbuf__consume(&cl->out, n);
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		client_close(c, cl);
}

static void emit_record(struct cbuf *out, int json, uint32_t stream, const void *rec, size_t len)
{
	const uint64_t *mark = rec;
	char text[4096];
	int n;

	if (stream == SUB_MARK_LOST) {
		control__notice_lost(out, json, mark[0], "this subscriber fell behind");
		return;
	}
	n = json ? trace__decode_json(rec, len, text, sizeof(text))
		 : trace__decode_text(rec, len, text, sizeof(text));
	if (n < 0) {
		control__notice_lost(out, json, 1, "a record did not decode");
		return;
	}
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	cbuf__add(out, text, n);
	cbuf__lit(out, "\n");
}

/* Decode queued records into the client's output while it has room. */
static void sub_drain(struct control *c, struct ctl_client *cl)
{
	struct ctl_sub *s = &c->subs[cl->sub];
	uint64_t rec[512];
	uint32_t stream;
	size_t len;
	int i;

	for (i = 0; i < DRAIN_BATCH && cl->out.len < OUT_LOW; i++) {
		len = sub_queue__pop(&s->q, &stream, rec, sizeof(rec));
		if (!len) {
			uint64_t lost = sub_queue__take_lost(&s->q);

			if (lost)
				control__notice_lost(&cl->out, s->json, lost,
						     "this subscriber fell behind");
			return;
		}
		emit_record(&cl->out, s->json, stream, rec, len);
	}
}

/* One client too many: an error reply (best effort), then the connection is closed. */
static void control__refuse(int fd)
{
	struct cbuf b;

	cbuf__init(&b, 4096);
	if (!control__reply_error(&b, NULL, "too many clients; close another connection first") &&
	    send(fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		errno = 0;
	cbuf__free(&b);
	close(fd);
}

static void control__accept(struct control *c)
{
	int i, fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd < 0)
			break;
	if (i == CONTROL_MAX_CLIENTS) {
		control__refuse(fd);
		return;
	}
	c->clients[i].fd = fd;
	c->clients[i].in_len = 0;
	c->clients[i].discarding = 0;
	c->clients[i].sub = -1;
	cbuf__init(&c->clients[i].out, OUT_MAX);
}

/* 1 if a subscriber has queued records and room to take them. */
static int control__pending(struct control *c)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];
		struct sub_queue *q;

		if (cl->fd < 0 || cl->sub < 0 || cl->out.len >= OUT_LOW)
			continue;
		q = &c->subs[cl->sub].q;
		/* Pairs with the release store of head in sub_queue__push(). */
		if (__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) != q->tail)
			return 1;
	}
	return 0;
}

/* Drain every subscriber; 1 if one still has queued records it could take now. */
static int control__drain(struct control *c)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->fd >= 0 && cl->sub >= 0)
			sub_drain(c, cl);
	}
	return control__pending(c);
}

static int control__poll_set(struct control *c, struct pollfd *p, int *idx)
{
	int i, n = 2;

	p[0] = (struct pollfd){ .fd = c->wake_fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->clients[i].fd < 0)
			continue;
		idx[n] = i;
		p[n++] = (struct pollfd){
			.fd = c->clients[i].fd,
			.events = POLLIN | (c->clients[i].out.len ? POLLOUT : 0),
		};
	}
	return n;
}

/* Sleep in poll() unless records are waiting; the sink wakes us through wake_fd. */
static int control__wait(struct control *c, struct pollfd *p, int n, int more)
{
	int timeout = more ? 0 : -1, ret;

	__atomic_store_n(&c->sleeping, 1, __ATOMIC_RELAXED);
	/* Pairs with the fence in sink_record(). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!more && control__pending(c))
		timeout = 0;
	ret = poll(p, n, timeout);
	__atomic_store_n(&c->sleeping, 0, __ATOMIC_RELAXED);
	return ret;
}

static void control__service(struct control *c, struct pollfd *p, int n, const int *idx)
{
	uint64_t v;
	int i;

	if ((p[0].revents & POLLIN) && read(c->wake_fd, &v, sizeof(v)) < 0)
		errno = 0;
	if (p[1].revents & POLLIN)
		control__accept(c);
	for (i = 2; i < n; i++) {
		struct ctl_client *cl = &c->clients[idx[i]];

		if (cl->fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			client_read(c, cl);
		if (cl->fd >= 0 && (p[i].revents & POLLOUT))
			client_write(c, cl);
	}
}

/* At stop: hand subscribers what is queued, and flush every client for a short while. */
static void control__flush_all(struct control *c)
{
	uint64_t deadline = control__now_ns() + FLUSH_AT_STOP_MS * 1000000ull;
	int i, pending = 1;

	while (pending && control__now_ns() < deadline) {
		pending = control__drain(c);
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
			if (c->clients[i].fd < 0)
				continue;
			client_write(c, &c->clients[i]);
			if (c->clients[i].fd >= 0 && c->clients[i].out.len)
				pending = 1;
		}
		if (pending)
			poll(NULL, 0, 5);
	}
}

static void *control__thread(void *arg)
{
	struct pollfd p[CONTROL_MAX_CLIENTS + 2];
	int idx[CONTROL_MAX_CLIENTS + 2];
	struct control *c = arg;
	int n, more;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		more = control__drain(c);
		n = control__poll_set(c, p, idx);
		if (control__wait(c, p, n, more) < 0 && errno != EINTR)
			break;
		control__service(c, p, n, idx);
	}
	control__flush_all(c);
	return NULL;
}

/* The directory must be ours alone: a directory, not a link, owned by us, mode 0700. */
static int control__check_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st))
		return err__set(errno, "cannot use control directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return err__set(EPERM,
				"control directory %s is not private (a directory of uid %d with "
				"mode 0700 is needed); remove it or set VMSCOPE_CONTROL_DIR",
				dir, (int)geteuid());
	return 0;
}

static int control__make_dir(char *dir, size_t size, const char *want)
{
	int ret = 0;

	if (want)
		snprintf(dir, size, "%s", want);
	else
		ret = control__dir(dir, size);
	if (ret)
		return err__set(ENAMETOOLONG, "the control directory's path is too long; set "
					      "VMSCOPE_CONTROL_DIR to a shorter one");
	if (mkdir(dir, 0700) && errno != EEXIST)
		return err__set(errno,
				"cannot create control directory %s: %s; set "
				"VMSCOPE_CONTROL_DIR to a writable directory",
				dir, strerror(errno));
	return control__check_dir(dir);
}

static int control__listen(struct control *c)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)];
	int ret = control__make_dir(dir, sizeof(dir), c->o.dir);

	if (ret)
		return ret;
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%d.sock", dir, (int)getpid()) >=
	    sizeof(c->path))
		return err__set(ENAMETOOLONG,
				"control socket path in %s is too long; set "
				"VMSCOPE_CONTROL_DIR to a shorter directory",
				dir);
	/*
	 * Bound and listening under another name first, then renamed: a client that sees the
	 * socket can connect to it (between bind and listen it would be refused).
	 */
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s.new", c->path) >=
	    sizeof(a.sun_path))
		return err__set(ENAMETOOLONG,
				"control socket path in %s is too long; set "
				"VMSCOPE_CONTROL_DIR to a shorter directory",
				dir);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0)
		return err__set(errno, "cannot create the control socket: %s", strerror(errno));
	unlink(a.sun_path); /* our own pid's socket can only be a stale one */
	if (bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a)) || chmod(a.sun_path, 0600) ||
	    listen(c->listen_fd, 8) || rename(a.sun_path, c->path)) {
		ret = err__set(errno, "cannot listen on control socket %s: %s", c->path,
			       strerror(errno));
		unlink(a.sun_path);
		return ret;
	}
	return 0;
}

static int control__setup(struct control *c)
{
	int i, ret;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake_fd < 0)
		return err__set(errno, "cannot create an eventfd: %s", strerror(errno));
	ret = control__listen(c);
	if (ret)
		return ret;
	if (c->o.trace) {
		struct trace_clock_info ci;

		/* The decoders print wall-clock times once they know the trace clock. */
		trace__clock_info(&ci);
		trace__decode_set_clock(&ci);
		ret = trace__add_sink(c->o.trace, &control_sink_ops, c);
		if (ret)
			return err__wrap(ret, "cannot attach the control socket to the trace");
		c->sink_added = 1;
	}
	ret = -pthread_create(&c->thread, NULL, control__thread, c);
	if (ret)
		return err__set(-ret, "cannot start the control thread: %s", strerror(-ret));
	c->thread_started = 1;
	return 0;
}

struct control *control__start(const struct control_opts *o)
{
	struct control *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		errno = -err__set(ENOMEM, "out of memory for the control server");
		return NULL;
	}
	c->o = *o;
	if (!c->o.queue_bytes)
		c->o.queue_bytes = CONTROL_QUEUE_BYTES;
	c->listen_fd = -1;
	c->wake_fd = -1;
	pthread_mutex_init(&c->trace_lock, NULL);
	c->start_ns = control__now_ns();
	c->guest = o->guest ? strdup(o->guest) : NULL;
	ret = control__setup(c);
	if (ret) {
		control__stop(c);
		errno = -ret;
		return NULL;
	}
	return c;
}

void control__stop(struct control *c)
{
	int i;

	if (!c)
		return;
	if (c->thread_started) {
		__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
		control__wake(c);
		pthread_join(c->thread, NULL);
	}
	if (c->sink_added && !__atomic_load_n(&c->trace_gone, __ATOMIC_ACQUIRE))
		trace__remove_sink(c->o.trace, &control_sink_ops, c);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			client_close(c, &c->clients[i]);
	for (i = 0; i < CONTROL_MAX_SUBSCRIBERS; i++)
		sub_queue__free(&c->subs[i].q);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	pthread_mutex_destroy(&c->trace_lock);
	free(c->guest);
	free(c);
}

const char *control__path(const struct control *c)
{
	return c->path;
}
