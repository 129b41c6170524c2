// SPDX-License-Identifier: GPL-2.0
/*
 * A subscriber's queue of trace records: a byte ring written by the trace sink (the session
 * thread) and read by the control thread.  The producer never waits: when a record does not
 * fit, or another producer holds the queue, the record is counted as lost, and the next
 * record that fits is preceded by a marker entry carrying the count, so the subscriber is
 * told exactly where events are missing.
 *
 * Entry layout: u32 length, u32 stream, the record, padding to 8 bytes.  A marker has stream
 * SUB_MARK_LOST and a u64 count as its record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control_priv.h"

#define ENTRY_HDR 8u
#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

int sub_queue__init(struct sub_queue *q, size_t size)
{
	size_t s = 4096;

	memset(q, 0, sizeof(*q));
	while (s < size)
		s <<= 1;
	q->buf = malloc(s);
	if (!q->buf)
		return -ENOMEM;
	q->size = s;
	return 0;
}

void sub_queue__free(struct sub_queue *q)
{
	free(q->buf);
	q->buf = NULL;
}

/* Only while no producer can reach the queue (the subscriber slot is inactive). */
void sub_queue__reset(struct sub_queue *q)
{
	q->head = 0;
	q->tail = 0;
	q->lost = 0;
	q->busy = 0;
}

static void ring_write(struct sub_queue *q, uint64_t pos, const void *src, size_t n)
{
	size_t off = pos & (q->size - 1), first = q->size - off;

	if (first > n)
		first = n;
	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const uint8_t *)src + first, n - first);
}

static void ring_read(const struct sub_queue *q, uint64_t pos, void *dst, size_t n)
{
	size_t off = pos & (q->size - 1), first = q->size - off;

	if (first > n)
		first = n;
	memcpy(dst, q->buf + off, first);
	memcpy((uint8_t *)dst + first, q->buf, n - first);
}

static uint64_t put_entry(struct sub_queue *q, uint64_t head, uint32_t stream, const void *rec,
			  size_t len)
{
	uint32_t hdr[2] = { (uint32_t)len, stream };

	ring_write(q, head, hdr, sizeof(hdr));
	ring_write(q, head + ENTRY_HDR, rec, len);
	return head + ENTRY_HDR + ALIGN8(len);
}

static int try_lock(struct sub_queue *q)
{
	/* Pairs with the release in unlock(): the previous holder's head and lost are seen. */
	return !__atomic_exchange_n(&q->busy, 1, __ATOMIC_ACQUIRE);
}

static void unlock(struct sub_queue *q)
{
	__atomic_store_n(&q->busy, 0, __ATOMIC_RELEASE);
}

static int drop(struct sub_queue *q)
{
	__atomic_fetch_add(&q->lost, 1, __ATOMIC_RELAXED);
	return -ENOSPC;
}

int sub_queue__push(struct sub_queue *q, uint32_t stream, const void *rec, size_t len)
{
	size_t need = ENTRY_HDR + ALIGN8(len);
	uint64_t head, tail, lost;

	if (need + ENTRY_HDR + 8 > q->size || !try_lock(q))
		return drop(q);
	head = q->head;
	/* Pairs with the release store of tail in sub_queue__pop(): that space is free. */
	tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	lost = __atomic_load_n(&q->lost, __ATOMIC_RELAXED);
	if (lost)
		need += ENTRY_HDR + 8;
	if (head - tail + need > q->size) {
		unlock(q);
		return drop(q);
	}
	if (lost) {
		lost = __atomic_exchange_n(&q->lost, 0, __ATOMIC_RELAXED);
		head = put_entry(q, head, SUB_MARK_LOST, &lost, sizeof(lost));
	}
	head = put_entry(q, head, stream, rec, len);
	/* Pairs with the acquire load of head in sub_queue__pop(): the entry is complete. */
	__atomic_store_n(&q->head, head, __ATOMIC_RELEASE);
	unlock(q);
	return 0;
}

size_t sub_queue__pop(struct sub_queue *q, uint32_t *stream, void *rec, size_t size)
{
	uint64_t tail = q->tail;
	/* Pairs with the release store of head in sub_queue__push(). */
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	uint32_t hdr[2];

	if (head == tail)
		return 0;
	ring_read(q, tail, hdr, sizeof(hdr));
	ring_read(q, tail + ENTRY_HDR, rec, hdr[0] < size ? hdr[0] : size);
	*stream = hdr[1];
	/* Pairs with the acquire load of tail in sub_queue__push(): the space may be reused. */
	__atomic_store_n(&q->tail, tail + ENTRY_HDR + ALIGN8(hdr[0]), __ATOMIC_RELEASE);
	return hdr[0] < size ? hdr[0] : size;
}

uint64_t sub_queue__take_lost(struct sub_queue *q)
{
	uint64_t n;

	/*
	 * Only with the producers' lock, so a count is never both put in a marker by a
	 * producer and returned here; and only with the queue empty under that lock, so the
	 * records the count stands for came after every record already handed out.  Otherwise
	 * the count travels in the marker before the next record that fits.
	 */
	if (!try_lock(q))
		return 0;
	/* Pairs with the release store of head in sub_queue__push(). */
	n = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == q->tail
		    ? __atomic_exchange_n(&q->lost, 0, __ATOMIC_RELAXED)
		    : 0;
	unlock(q);
	return n;
}
