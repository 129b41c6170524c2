/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A single-producer/single-consumer ring of trace records in a shared file mapping
 * (DIR/rings/<stream>.ring), so that what the producer committed survives the death of the
 * process.  The file is a 4 KiB header (struct trace_ring_shared) and a power-of-two data
 * area.  Positions (head, tail) are byte counters that only grow; a record never crosses the
 * end of the data area: the producer fills the rest of the lap with a pad record instead.
 *
 * Producer (one thread, or callers serialised by a lock): trace_ring__reserve(), fill,
 * trace_ring__commit().  The fast path is one compare against a cached limit; it never
 * blocks, locks or allocates.  A full ring drops the record and counts it; the next record
 * that fits is preceded by an in-band LOST record.  In overwrite (flight-recorder) mode the
 * producer instead frees the oldest records and a dump copies the newest ones out.
 *
 * Consumer (the session thread): trace_ring__head(), read records from the tail up to it,
 * trace_ring__release().
 */
#ifndef VMSCOPE_TRACE_RING_H
#define VMSCOPE_TRACE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define TRACE_RING_MAGIC 0x31474e4952534d56ull /* "VMSRING1" */
#define TRACE_RING_VERSION 1
#define TRACE_RING_HDR_SIZE 4096u
#define TRACE_PAD_ID 0u /* fills the rest of a lap; never an event */
#define TRACE_LOST_ID 5u /* events.def: lost */
#define TRACE_RING_OVERWRITE 1u

/* The file's first page.  Producer and consumer fields live on separate cache lines. */
struct trace_ring_shared {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t data_size;
	uint32_t stream_id;
	uint32_t flags;

	/* Written by the producer. */
	uint64_t head __attribute__((aligned(64))); /* end of the committed records */
	uint64_t tail_ow; /* overwrite mode: the oldest whole record still in the ring */
	uint64_t dropped; /* records dropped because the ring was full */
	uint64_t nested; /* records dropped by the nesting guard */
	uint64_t overwritten; /* overwrite mode: records overwritten before any dump saw them */
	uint64_t reported; /* drops already announced by LOST records in the data */

	/* Written by the consumer. */
	uint64_t tail __attribute__((aligned(64))); /* everything before it has been consumed */
	uint64_t dumped; /* overwrite mode: everything before it has been dumped */
};

/* This process's handle on a ring.  The first cache line is the producer's hot state. */
struct trace_ring {
	uint64_t head; /* producer's head (published to sh->head at commit) */
	uint64_t limit; /* reserve takes the fast path while head + len <= limit */
	uint8_t *data;
	uint64_t mask;
	struct trace_ring_shared *sh;
	uint64_t first_lost_ts;
	uint64_t reported; /* drops already announced by LOST records */
	int overwrite;

	/* Producer counters (mirrored to sh for recover and the session's statistics). */
	uint64_t dropped __attribute__((aligned(64)));
	uint64_t nested;
	uint64_t overwritten;

	/* Consumer state. */
	uint64_t ctail __attribute__((aligned(64)));
	uint32_t stream_id;
	int fd;
	size_t map_size;
};

/* 1 while this thread emits: a nested emit (signal handler, hook inside an emit) is dropped. */
extern __thread volatile unsigned trace_nest;

/* Create path (truncating it) with a data area of size bytes (a power of two >= 4 KiB). */
int trace_ring__create(struct trace_ring *r, const char *path, uint32_t stream_id, uint64_t size,
		       int overwrite);

/* Map an existing ring file (recover): checks magic, version, sizes and positions. */
int trace_ring__open(struct trace_ring *r, const char *path);

void trace_ring__close(struct trace_ring *r);

/* Round a requested size to the ring's data size; -EINVAL (message set) if out of range. */
int trace_ring__size(uint64_t req, uint64_t *size);

void *trace_ring__reserve_slow(struct trace_ring *r, uint32_t len, uint64_t ts);
void *trace_ring__nested(struct trace_ring *r);

/*
 * Reserve len bytes (a multiple of 8, header included) for a record with this id and
 * timestamp, and write its header.  NULL when the record is dropped (counted).  The _raw
 * forms skip the nesting guard: for callers that hold it themselves (trace_nest_enter).
 */
static inline void *trace_ring__reserve_raw(struct trace_ring *r, uint32_t len, uint32_t id,
					    uint64_t ts)
{
	struct trace_rec_hdr *h;

	if (__builtin_expect(r->head + len <= r->limit, 1)) {
		h = (struct trace_rec_hdr *)(r->data + (r->head & r->mask));
	} else {
		h = trace_ring__reserve_slow(r, len, ts);
		if (!h)
			return NULL;
	}
	h->id = id;
	h->size = len;
	h->ts = ts;
	return h;
}

/* Publish the reserved record (and a LOST record the reserve put before it). */
static inline void trace_ring__commit_raw(struct trace_ring *r, uint32_t len)
{
	r->head += len;
	/* Pairs with the acquire load in trace_ring__head(): the record's bytes come first. */
	__atomic_store_n(&r->sh->head, r->head, __ATOMIC_RELEASE);
}

/*
 * The nesting guard: 1 while this thread is inside an emit.  A flag written with constant
 * stores rather than a counter, so consecutive emits do not form a chain of dependent
 * read-modify-writes through memory.  The signal fences keep the compiler from moving the
 * ring accesses outside the guarded span (the only other code on this thread that can run
 * in between is a signal handler).
 */
static inline int trace_nest_enter(void)
{
	if (__builtin_expect(trace_nest != 0, 0))
		return 1;
	trace_nest = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 0;
}

static inline void trace_nest_leave(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	trace_nest = 0;
}

/*
 * Guarded reserve: a non-NULL reserve must be followed by trace_ring__commit() before the
 * next reserve on this thread.  A nested call is dropped and counted.
 */
static inline void *trace_ring__reserve(struct trace_ring *r, uint32_t len, uint32_t id,
					uint64_t ts)
{
	void *p;

	if (__builtin_expect(trace_nest_enter(), 0))
		return trace_ring__nested(r);
	p = trace_ring__reserve_raw(r, len, id, ts);
	if (!p)
		trace_nest_leave();
	return p;
}

static inline void trace_ring__commit(struct trace_ring *r, uint32_t len)
{
	trace_ring__commit_raw(r, len);
	trace_nest_leave();
}

/* Consumer: the producer's committed end.  Records in [ctail, head) are complete. */
static inline uint64_t trace_ring__head(const struct trace_ring *r)
{
	/* Pairs with the release store in trace_ring__commit(). */
	return __atomic_load_n(&r->sh->head, __ATOMIC_ACQUIRE);
}

static inline const struct trace_rec_hdr *trace_ring__at(const struct trace_ring *r, uint64_t pos)
{
	return (const struct trace_rec_hdr *)(r->data + (pos & r->mask));
}

/*
 * Check the record at pos (consumer side, head already read): 0 and its size, or -EBADMSG
 * when its size is impossible (not a multiple of 8, smaller than a header, crossing the end
 * of the lap or beyond head).
 */
int trace_ring__check(const struct trace_ring *r, uint64_t pos, uint64_t head, uint32_t *size);

/* Consumer: everything before pos has been read; the producer may reuse it. */
void trace_ring__release(struct trace_ring *r, uint64_t pos);

/*
 * Overwrite mode: copy the records committed since the last dump into buf (ring size
 * bytes), safely against a running producer.  Sets *len and *first (position of buf[0]);
 * the copy starts at a record boundary.  Then trace_ring__dumped(r, first + *len).
 */
void trace_ring__snapshot(struct trace_ring *r, uint8_t *buf, uint64_t *first, uint64_t *len);
void trace_ring__dumped(struct trace_ring *r, uint64_t pos);

/* Drops not yet announced by a LOST record (ring full, nesting guard). */
uint64_t trace_ring__unreported(const struct trace_ring *r);

/*
 * Producer side, for the session once the producer thread has ended: commit the pending
 * LOST record now (there may be no later record to carry it).  1 if written, 0 if nothing
 * was pending, -ENOSPC if it does not fit.
 */
int trace_ring__flush_lost(struct trace_ring *r, uint64_t ts);

#endif
