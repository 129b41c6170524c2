/* SPDX-License-Identifier: GPL-2.0 */
/* The trace session's internals, shared by trace.c (set-up, host events) and session.c. */
#ifndef VMSCOPE_TRACE_SESSION_H
#define VMSCOPE_TRACE_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "catalogue.h"
#include "ctf.h"
#include "ring.h"
#include "trace.h"

#define SESSION_CONSOLE_LEN 60 /* events.def: console.text */

struct trace_stream {
	struct trace_ring ring;
	struct ctf_stream out;
	uint32_t stream_id;
	int broken; /* a bad record was met: no more draining */
	uint64_t ow_reported; /* overwrite mode: overwritten records announced so far */
};

struct trace_sink {
	const struct trace_sink_ops *ops;
	void *opaque;
};

struct trace_session {
	struct trace_opts opts;
	char dir[4096];
	uint64_t ring_size;
	int nr_vcpus;
	int nr_streams; /* vCPUs, then the host stream, then the vCPUs' kernel streams */
	struct trace_stream *streams;
	uint8_t *dump_buf; /* overwrite mode: one ring's worth */
	uint64_t dumps;

	pthread_mutex_t host_lock; /* serialises the host ring's producers */
	pthread_mutex_t out_lock; /* stream files and sinks: session thread, dumps, sinks */
	struct trace_sink sinks[TRACE_MAX_SINKS];
	int nr_sinks;

	pthread_t thread;
	int thread_started;
	int stop;
	int stopped; /* trace__stop done */
	uint64_t next_tick_ns;

	uint8_t con[SESSION_CONSOLE_LEN]; /* console bytes not yet in a record (host_lock) */
	uint32_t con_len;

	int error; /* first error of the session thread, with its message */
	char error_msg[512];
};

static inline struct trace_ring *session_host_ring(struct trace_session *s)
{
	return &s->streams[s->nr_vcpus].ring;
}

/*
 * Emit a host-stream event from any thread: the nesting guard is taken before the lock, so
 * a signal handler that emits while this thread holds the lock is dropped, not deadlocked.
 * The timestamp is read under the lock, so the host stream stays in time order.
 */
#define SESSION_HOST_EMIT(s, name, args)                                                           \
	do {                                                                                       \
		struct trace_ring *hr_ = session_host_ring(s);                                     \
		if (trace_nest_enter()) {                                                          \
			trace_ring__nested(hr_);                                                   \
			break;                                                                     \
		}                                                                                  \
		pthread_mutex_lock(&(s)->host_lock);                                               \
		trace__emit_##name(hr_, trace_clock__now(), args);                                 \
		pthread_mutex_unlock(&(s)->host_lock);                                             \
		trace_nest_leave();                                                                \
	} while (0)

/* Emit the buffered console bytes (any thread). */
void session_console_flush(struct trace_session *s);

int session_start_thread(struct trace_session *s);

/* Stop the thread and complete the trace (producers stopped).  0 or the first error. */
int session_stop(struct trace_session *s);

#endif
