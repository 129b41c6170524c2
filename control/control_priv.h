/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the control socket shared by its files: the growable reply buffer, the JSON
 * reply builders and the subscriber queues.  Nothing outside trace/control*.c includes this.
 */
#ifndef VMSCOPE_CONTROL_PRIV_H
#define VMSCOPE_CONTROL_PRIV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

struct vm;

/* A byte buffer that grows up to max; a write past max fails and sets overflow. */
struct cbuf {
	char *data;
	size_t len, cap, max;
	int overflow;
};

void cbuf__init(struct cbuf *b, size_t max);
void cbuf__free(struct cbuf *b);
int cbuf__add(struct cbuf *b, const void *p, size_t n);
#define cbuf__lit(b, s) cbuf__add(b, s, sizeof(s) - 1)
int cbuf__printf(struct cbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (they were sent). */
void cbuf__consume(struct cbuf *b, size_t n);

/* What `info` reports besides the VM itself. */
struct control_info {
	int pid;
	const char *guest;
	uint64_t uptime_ns;
	int tracing;
	const char *socket;
};

/*
 * One-line JSON replies (built with json-c, newline included), appended to b whole or not
 * at all.  0, -ENOSPC (b is full) or -ENOMEM.
 */
int control__reply_stats(struct cbuf *b, const struct vm *vm, uint64_t now_ns);
int control__reply_info(struct cbuf *b, const struct vm *vm, const struct control_info *ci);
int control__reply_ok(struct cbuf *b, enum control_cmd cmd);

/* What a command's exec works on: the VM, its reply's buffer, the connection. */
struct control;
struct ctl_client;
struct control_ctx {
	struct control *c;
	struct ctl_client *cl;
	struct cbuf *out;
	struct vm *vm;
};

/* Every command's parse and exec (commands.def). */
#define CONTROL_CMD(id, name, args, parse, exec)                                                   \
	int parse(struct control_req *req, char **words, int n);                                   \
	int exec(struct control_ctx *x, const struct control_req *req);
#include "commands.def"
#undef CONTROL_CMD

int control__reply_subscribe(struct cbuf *b, int json);
int control__reply_error(struct cbuf *b, const char *cmd, const char *msg);
int control__reply_help(struct cbuf *b);
/* A subscriber's in-band loss notice: "lost N events (why)" or {"lost":N,"why":"..."}. */
int control__notice_lost(struct cbuf *b, int json, uint64_t n, const char *why);

uint64_t control__now_ns(void);

/* The reply builders' two halves: {"ok":true,"cmd":cmd}, and appending it (released). */
struct json_object;
struct json_object *control__reply_new(const char *cmd);
int control__reply_put(struct cbuf *b, struct json_object *o);

/* The words of a request: the most, and the arguments of syscalls and inject (words[0]). */
#define CONTROL_MAX_WORDS 16

/* checkpoint PATH [--stop]: parse; take it and append the reply (0 or -errno, message). */
/* migrate HOST:PORT [--downtime-ms N] [--verify]: the same. */

/* Run syscalls or inject against vm and append the reply.  0 or -errno with a message. */

/*
 * A subscriber's queue: records copied in by the trace sink (the producer side, which never
 * waits: a record that does not fit is counted in lost) and taken out by the control thread.
 */
struct sub_queue {
	uint8_t *buf;
	size_t size; /* a power of two */
	uint64_t head; /* bytes written: producer stores (release), consumer loads (acquire) */
	uint64_t tail; /* bytes read: consumer stores (release), producer loads (acquire) */
	uint64_t lost; /* records dropped: producer adds, consumer exchanges to 0 */
	int busy; /* producers' try-lock: a second producer drops instead of waiting */
};

/*
 * The stream of a marker entry: records this queue lost.  (Records a trace ring lost reach
 * subscribers as the trace's own `lost` events, like any other event.)
 */
#define SUB_MARK_LOST 0xffffffffu

int sub_queue__init(struct sub_queue *q, size_t size);
void sub_queue__free(struct sub_queue *q);
void sub_queue__reset(struct sub_queue *q);
/* Producer: copy one record in, or count it lost.  0, or -ENOSPC when dropped. */
int sub_queue__push(struct sub_queue *q, uint32_t stream, const void *rec, size_t len);
/*
 * Consumer: copy the oldest record out (at most size bytes; longer ones are truncated).
 * Returns its length, or 0 when the queue is empty.
 */
size_t sub_queue__pop(struct sub_queue *q, uint32_t *stream, void *rec, size_t size);
/* Consumer: records lost since the last call. */
uint64_t sub_queue__take_lost(struct sub_queue *q);

#endif
