// SPDX-License-Identifier: GPL-2.0
/*
 * A trace session: the rings of a VM, the session thread that drains them into the CTF
 * stream files and the sinks, host-side events, KVM statistics sampling, and the orderly
 * end of it all.
 *
 * The session thread polls: each pass drains every ring, then goes straight on if a ring
 * was a quarter full or more, sleeps SESSION_BUSY_US if it found records and
 * SESSION_IDLE_US if not.  Polling keeps the producer free of any wake-up work (no futex,
 * no eventfd write on the emit path); the cost it puts on producers is one cache-line
 * transfer of the ring head per pass (docs/performance.md measures the emit cost with the
 * session thread running).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "catalogue.h"
#include "ctf.h"
#include "session.h"

#define SESSION_BUSY_US 100
#define SESSION_IDLE_US 1000
#define SESSION_TICK_NS 100000000ull /* the owner's tick and console flush: every 100 ms */

static volatile sig_atomic_t dump_signalled;

static void session_on_sigusr2(int sig)
{
	(void)sig;
	dump_signalled = 1;
}

static void session_fail(struct trace_session *s, int ret)
{
	if (!s->error) {
		s->error = ret;
		snprintf(s->error_msg, sizeof(s->error_msg), "%s", err__msg(ret));
	}
}

/* ctf_stream callback: hand each written record to the sinks. */
static void session_on_record(void *opaque, uint32_t stream_id, const void *rec, size_t len)
{
	struct trace_session *s = opaque;
	const struct trace_rec_hdr *h = rec;
	int i;

	for (i = 0; i < s->nr_sinks; i++) {
		const struct trace_sink_ops *ops = s->sinks[i].ops;

		if (ops->record)
			ops->record(s->sinks[i].opaque, stream_id, rec, len);
		if (h->id == TRACE_LOST_ID && ops->lost)
			ops->lost(s->sinks[i].opaque, stream_id,
				  ((const struct trace_ev_lost *)rec)->count);
	}
}

/* Feed [from, to) of the ring (whole laps split at the lap end) to the stream file. */
static int session_feed_ring(struct trace_stream *t, uint64_t from, uint64_t to)
{
	struct trace_ring *r = &t->ring;
	uint64_t size = r->mask + 1;
	int ret = 0;

	while (from < to && !ret) {
		uint64_t off = from & r->mask;
		uint64_t n = to - from < size - off ? to - from : size - off;

		ret = ctf_stream__feed(&t->out, r->data + off, n);
		from += n;
	}
	return ret;
}

/* Drain one ring (normal mode).  Returns the bytes drained. */
static uint64_t session_drain(struct trace_session *s, struct trace_stream *t)
{
	struct trace_ring *r = &t->ring;
	uint64_t head, from = r->ctail;
	int ret;

	if (t->broken)
		return 0;
	head = trace_ring__head(r);
	if (head == from)
		return 0;
	ret = session_feed_ring(t, from, head);
	if (ret) {
		t->broken = 1;
		session_fail(s, ret);
	}
	/* Released even after an error: the producer keeps going, its records are dropped. */
	trace_ring__release(r, head);
	return head - from;
}

static int session_dump_one(struct trace_session *s, struct trace_stream *t, uint64_t ts)
{
	struct trace_ring *r = &t->ring;
	uint64_t first, len, lost = r->sh->overwritten - t->ow_reported;
	int ret = 0;

	trace_ring__snapshot(r, s->dump_buf, &first, &len);
	if (lost) {
		struct trace_ev_lost l = { .hdr = { TRACE_LOST_ID, sizeof(l), ts } };

		l.count = lost;
		l.first_ts = t->out.last_ts;
		if (len)
			l.hdr.ts = ((const struct trace_rec_hdr *)s->dump_buf)->ts;
		t->ow_reported += lost;
		ret = ctf_stream__feed(&t->out, (const uint8_t *)&l, sizeof(l));
	}
	if (!ret)
		ret = ctf_stream__feed(&t->out, s->dump_buf, len);
	if (!ret)
		ret = ctf_stream__close_packet(&t->out, ts);
	trace_ring__dumped(r, first + len);
	return ret;
}

static int session_dump_locked(struct trace_session *s)
{
	uint64_t ts = trace_clock__now();
	int i, ret = 0;

	s->dumps++;
	for (i = 0; i < s->nr_streams; i++) {
		int r = session_dump_one(s, &s->streams[i], ts);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

int trace__dump(struct trace_session *s)
{
	int ret;

	if (!s)
		return 0;
	if (!s->opts.overwrite)
		return err__set(EINVAL, "the trace is not in flight-recorder mode; start it with "
					"vmscope run --trace DIR --overwrite");
	trace__lifecycle(s, TRACE_LC_DUMP, 0, s->dumps + 1);
	pthread_mutex_lock(&s->out_lock);
	if (s->stopped)
		ret = err__set(ESHUTDOWN, "the trace session has ended (its final dump is done)");
	else
		ret = session_dump_locked(s);
	pthread_mutex_unlock(&s->out_lock);
	return ret;
}

/* The owner's periodic work (core: the vCPUs' KVM statistics), on the session thread. */
static void session_owner_tick(struct trace_session *s, int final)
{
	if (s->opts.tick)
		s->opts.tick(s, final, s->opts.tick_opaque);
}

static void session_tick(struct trace_session *s)
{
	uint64_t now = trace_clock__mono_ns();

	if (now < s->next_tick_ns)
		return;
	s->next_tick_ns = now + SESSION_TICK_NS;
	session_owner_tick(s, 0);
	session_console_flush(s);
}

/* One pass over the rings; returns the largest amount drained from one ring. */
static uint64_t session_pass(struct trace_session *s)
{
	uint64_t n = 0, d;
	int i;

	pthread_mutex_lock(&s->out_lock);
	for (i = 0; !s->opts.overwrite && !s->opts.hold && i < s->nr_streams; i++) {
		d = session_drain(s, &s->streams[i]);
		n = d > n ? d : n;
	}
	if (s->opts.overwrite && dump_signalled) {
		dump_signalled = 0;
		pthread_mutex_unlock(&s->out_lock);
		trace__dump(s);
		pthread_mutex_lock(&s->out_lock);
	}
	pthread_mutex_unlock(&s->out_lock);
	return n;
}

static void *session_thread(void *arg)
{
	struct trace_session *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		uint64_t n = session_pass(s);

		session_tick(s);
		if (n >= s->ring_size / 4)
			sched_yield();
		else
			usleep(n ? SESSION_BUSY_US : SESSION_IDLE_US);
	}
	return NULL;
}

/* Stream files call the sinks only while there are some (no second walk otherwise). */
static void session_set_record_cb(struct trace_session *s)
{
	int i;

	for (i = 0; i < s->nr_streams; i++) {
		s->streams[i].out.on_record = s->nr_sinks ? session_on_record : NULL;
		s->streams[i].out.opaque = s;
	}
}

int trace__add_sink(struct trace_session *s, const struct trace_sink_ops *ops, void *opaque)
{
	int ret = 0;

	pthread_mutex_lock(&s->out_lock);
	if (s->stopped)
		ret = err__set(ESHUTDOWN, "the trace session has ended; no more records will come");
	else if (s->nr_sinks == TRACE_MAX_SINKS)
		ret = err__set(ENOSPC, "%d trace sinks are attached already; detach one first",
			       TRACE_MAX_SINKS);
	else
		s->sinks[s->nr_sinks++] = (struct trace_sink){ ops, opaque };
	session_set_record_cb(s);
	pthread_mutex_unlock(&s->out_lock);
	return ret;
}

int trace__remove_sink(struct trace_session *s, const struct trace_sink_ops *ops, void *opaque)
{
	int i, found = 0;

	pthread_mutex_lock(&s->out_lock);
	for (i = 0; i < s->nr_sinks; i++) {
		if (!found && s->sinks[i].ops == ops && s->sinks[i].opaque == opaque) {
			found = 1;
			continue;
		}
		s->sinks[i - found] = s->sinks[i];
	}
	s->nr_sinks -= found;
	session_set_record_cb(s);
	pthread_mutex_unlock(&s->out_lock);
	if (found && ops->close)
		ops->close(opaque);
	return found ? 0 : -ENOENT;
}

int trace__stream_stats(struct trace_session *s, struct trace_stream_stats *st, int max)
{
	int i;

	pthread_mutex_lock(&s->out_lock);
	for (i = 0; i < s->nr_streams && i < max; i++) {
		struct trace_stream *t = &s->streams[i];

		st[i].stream_id = t->stream_id;
		st[i].records = t->out.records;
		st[i].bytes = t->out.bytes;
		st[i].lost = t->ring.sh->dropped + t->ring.sh->overwritten;
		st[i].nested = t->ring.sh->nested;
	}
	pthread_mutex_unlock(&s->out_lock);
	return s->nr_streams;
}

int session_start_thread(struct trace_session *s)
{
	int ret;

	if (s->opts.overwrite) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = session_on_sigusr2;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR2, &sa, NULL);
	}
	ret = pthread_create(&s->thread, NULL, session_thread, s);
	if (ret)
		return err__set(ret, "cannot start the trace session thread: %s", strerror(ret));
	s->thread_started = 1;
	return 0;
}

/* The producers have stopped: announce their last drops, drain or dump, close packets. */
static int session_finish_streams(struct trace_session *s)
{
	uint64_t ts = trace_clock__now();
	int i, ret = 0;

	for (i = 0; i < s->nr_streams; i++)
		if (i != s->nr_vcpus) /* the kernel streams' producer has stopped too */
			trace_ring__flush_lost(&s->streams[i].ring, ts);
	/* The host ring may still have a producer in flight (a lifecycle event). */
	pthread_mutex_lock(&s->host_lock);
	trace_ring__flush_lost(session_host_ring(s), trace_clock__now());
	pthread_mutex_unlock(&s->host_lock);
	pthread_mutex_lock(&s->out_lock);
	if (s->opts.overwrite)
		ret = session_dump_locked(s);
	for (i = 0; !s->opts.overwrite && i < s->nr_streams; i++)
		session_drain(s, &s->streams[i]);
	ts = trace_clock__now();
	for (i = 0; i < s->nr_streams; i++) {
		int r = ctf_stream__finish(&s->streams[i].out, ts);

		if (r && !ret)
			ret = r;
	}
	pthread_mutex_unlock(&s->out_lock);
	return ret;
}

int session_stop(struct trace_session *s)
{
	int ret;

	if (s->thread_started) {
		__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
		pthread_join(s->thread, NULL);
		s->thread_started = 0;
	}
	session_owner_tick(s, 1);
	session_console_flush(s);
	ret = session_finish_streams(s);
	if (ret)
		session_fail(s, ret);
	pthread_mutex_lock(&s->out_lock);
	s->stopped = 1; /* trace__add_sink refuses from here on */
	pthread_mutex_unlock(&s->out_lock);
	while (s->nr_sinks)
		trace__remove_sink(s, s->sinks[0].ops, s->sinks[0].opaque);
	return s->error;
}
