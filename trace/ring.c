// SPDX-License-Identifier: GPL-2.0
/*
 * Ring slow paths, creation and the consumer side.  The fast path is in ring.h.
 *
 * Space accounting: the producer may write [head, limit) without looking at the consumer.
 * limit is the smaller of the end of the current lap (records never cross it) and the
 * consumer's tail + size (overwrite mode: the oldest kept record + size).  When a reserve
 * would pass limit, the slow path pads to the end of the lap if needed, re-reads the tail
 * and recomputes limit; a drop sets limit to 0 so the next reserve comes here to write
 * the LOST record first.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "catalogue.h"
#include "ring.h"

__thread volatile unsigned trace_nest;

#define LOST_LEN ((uint32_t)sizeof(struct trace_ev_lost))

static uint64_t ring_size(const struct trace_ring *r)
{
	return r->mask + 1;
}

static uint64_t ring_nested(const struct trace_ring *r)
{
	/* Written by nested emits of this same thread (signal handlers): no tearing. */
	return __atomic_load_n(&r->nested, __ATOMIC_RELAXED);
}

uint64_t trace_ring__unreported(const struct trace_ring *r)
{
	return r->dropped + ring_nested(r) - r->reported;
}

void *trace_ring__nested(struct trace_ring *r)
{
	__atomic_fetch_add(&r->nested, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->sh->nested, r->nested, __ATOMIC_RELAXED);
	/* Send the interrupted producer's next reserve to the slow path (LOST record). */
	__atomic_store_n(&r->limit, 0, __ATOMIC_RELAXED);
	return NULL; /* the guard stays with the emit this one interrupted */
}

/* Overwrite mode: forget the oldest records until need more bytes fit (plus slack). */
static void ring_overwrite(struct trace_ring *r, uint64_t need)
{
	uint64_t size = ring_size(r), tail = r->sh->tail_ow;
	uint64_t dumped = __atomic_load_n(&r->sh->dumped, __ATOMIC_RELAXED);
	uint64_t slack = size / 16;

	if (need + slack > size)
		slack = 0;
	while (r->head + need + slack - tail > size && tail < r->head) {
		const struct trace_rec_hdr *h = trace_ring__at(r, tail);
		uint64_t lap_left = size - (tail & r->mask);
		uint64_t sz = h->size;

		if (sz < 8 || sz > lap_left || (sz & 7))
			sz = lap_left; /* cannot happen; never loop forever on bad bytes */
		if (h->id != TRACE_PAD_ID && tail >= dumped)
			r->overwritten++;
		tail += sz;
	}
	if (r->head + need - tail > size)
		tail = r->head; /* need > slack room: the whole ring goes */
	__atomic_store_n(&r->sh->overwritten, r->overwritten, __ATOMIC_RELAXED);
	/* Pairs with the acquire fence in trace_ring__snapshot(): a dump that copied bytes we
	 * are about to overwrite sees the new tail and discards them (seqlock order). */
	__atomic_store_n(&r->sh->tail_ow, tail, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static int ring_room(struct trace_ring *r, uint64_t need)
{
	uint64_t size = ring_size(r);

	if (r->overwrite) {
		ring_overwrite(r, need);
		return 1;
	}
	/* Pairs with the release store in trace_ring__release(): the consumer is done with
	 * the bytes before tail, so they may be rewritten. */
	return r->head + need - __atomic_load_n(&r->sh->tail, __ATOMIC_ACQUIRE) <= size;
}

static void ring_set_limit(struct trace_ring *r)
{
	uint64_t size = ring_size(r);
	uint64_t lap_end = (r->head & ~r->mask) + size;
	uint64_t tail = r->overwrite ? r->sh->tail_ow : r->sh->tail;

	r->limit = tail + size < lap_end ? tail + size : lap_end;
}

/* Make [head, head + len) writable without crossing the lap end; NULL if there is no room. */
static void *ring_make_room(struct trace_ring *r, uint32_t len)
{
	uint64_t size = ring_size(r), off = r->head & r->mask;
	uint64_t pad = off + len > size ? size - off : 0;
	struct trace_rec_hdr *h;

	if (len > size || !ring_room(r, pad + len))
		return NULL;
	if (pad) {
		h = (struct trace_rec_hdr *)(r->data + off);
		h->id = TRACE_PAD_ID;
		h->size = (uint32_t)pad;
		r->head += pad;
	}
	ring_set_limit(r);
	return r->data + (r->head & r->mask);
}

static void ring_drop(struct trace_ring *r, uint64_t ts)
{
	if (!trace_ring__unreported(r))
		r->first_lost_ts = ts;
	r->dropped++;
	__atomic_store_n(&r->sh->dropped, r->dropped, __ATOMIC_RELAXED);
	r->limit = 0;
}

/* Write the LOST record for pend drops at head (room made) and step over it, unpublished. */
static int ring_put_lost(struct trace_ring *r, uint64_t pend, uint64_t ts)
{
	struct trace_ev_lost *l = ring_make_room(r, LOST_LEN);

	if (!l)
		return -ENOSPC;
	l->hdr.id = TRACE_LOST_ID;
	l->hdr.size = LOST_LEN;
	l->hdr.ts = ts;
	l->count = pend;
	l->first_ts = r->first_lost_ts;
	r->head += LOST_LEN;
	return 0;
}

void *trace_ring__reserve_slow(struct trace_ring *r, uint32_t len, uint64_t ts)
{
	uint64_t pend = trace_ring__unreported(r), saved = r->head;
	void *p;

	if (pend && ring_put_lost(r, pend, ts))
		goto drop;
	p = ring_make_room(r, len);
	if (!p) {
		r->head = saved;
		goto drop;
	}
	r->reported += pend;
	if (pend)
		__atomic_store_n(&r->sh->reported, r->reported, __ATOMIC_RELAXED);
	return p;
drop:
	ring_drop(r, ts);
	return NULL;
}

int trace_ring__flush_lost(struct trace_ring *r, uint64_t ts)
{
	uint64_t pend = trace_ring__unreported(r);

	if (!pend)
		return 0;
	if (ring_put_lost(r, pend, ts))
		return -ENOSPC;
	r->reported += pend;
	__atomic_store_n(&r->sh->reported, r->reported, __ATOMIC_RELAXED);
	/* Pairs with the acquire load in trace_ring__head(). */
	__atomic_store_n(&r->sh->head, r->head, __ATOMIC_RELEASE);
	return 1;
}

int trace_ring__size(uint64_t req, uint64_t *size)
{
	uint64_t s = TRACE_MIN_BUFFER_SIZE;

	if (req == 0)
		req = TRACE_DEFAULT_BUFFER_SIZE;
	if (req > TRACE_MAX_BUFFER_SIZE)
		return err__set(EINVAL, "--buffer-size %llu is too large; at most %lluM per ring",
				(unsigned long long)req,
				(unsigned long long)(TRACE_MAX_BUFFER_SIZE >> 20));
	while (s < req)
		s <<= 1;
	*size = s;
	return 0;
}

static int ring_map(struct trace_ring *r, int fd, size_t map_size, const char *path)
{
	void *p = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return err__set(errno, "cannot map ring file %s: %s", path, strerror(errno));
	r->fd = fd;
	r->map_size = map_size;
	r->sh = p;
	r->data = (uint8_t *)p + TRACE_RING_HDR_SIZE;
	return 0;
}

int trace_ring__create(struct trace_ring *r, const char *path, uint32_t stream_id, uint64_t size,
		       int overwrite)
{
	size_t map_size = TRACE_RING_HDR_SIZE + size;
	int ret, fd;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (size < TRACE_MIN_BUFFER_SIZE || (size & (size - 1)))
		return err__set(EINVAL, "ring size %llu is not a power of two >= 4096",
				(unsigned long long)size);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err__set(errno, "cannot create ring file %s: %s", path, strerror(errno));
	if (ftruncate(fd, map_size)) {
		ret = err__set(errno, "cannot size ring file %s to %zu bytes: %s", path, map_size,
			       strerror(errno));
		close(fd);
		return ret;
	}
	ret = ring_map(r, fd, map_size, path);
	if (ret) {
		close(fd);
		return ret;
	}
	/* Touch every page now, so the producer never faults a page in on its first lap. */
	memset(r->data, 0, size);
	r->mask = size - 1;
	r->overwrite = overwrite;
	r->stream_id = stream_id;
	r->sh->version = TRACE_RING_VERSION;
	r->sh->hdr_size = TRACE_RING_HDR_SIZE;
	r->sh->data_size = size;
	r->sh->stream_id = stream_id;
	r->sh->flags = overwrite ? TRACE_RING_OVERWRITE : 0;
	r->sh->magic = TRACE_RING_MAGIC;
	ring_set_limit(r);
	return 0;
}

static int ring_check_shared(const struct trace_ring_shared *sh, uint64_t file_size,
			     const char *path)
{
	uint64_t size = sh->data_size;
	uint64_t tail = sh->flags & TRACE_RING_OVERWRITE ? sh->tail_ow : sh->tail;

	if (sh->magic != TRACE_RING_MAGIC)
		return err__set(EBADMSG,
				"%s is not a vmscope ring file (bad magic); give the "
				"rings/*.ring files that vmscope run --trace wrote",
				path);
	if (sh->version != TRACE_RING_VERSION || sh->hdr_size != TRACE_RING_HDR_SIZE)
		return err__set(EPROTO,
				"ring file %s has version %u (header %u bytes); this "
				"vmscope reads version %u",
				path, sh->version, sh->hdr_size, TRACE_RING_VERSION);
	if (size < TRACE_MIN_BUFFER_SIZE || (size & (size - 1)) ||
	    file_size != TRACE_RING_HDR_SIZE + size)
		return err__set(EBADMSG,
				"ring file %s is %llu bytes but its header says %llu "
				"bytes of data (+%u); the file is truncated or corrupt",
				path, (unsigned long long)file_size, (unsigned long long)size,
				TRACE_RING_HDR_SIZE);
	if (tail > sh->head || sh->head - tail > size)
		return err__set(EBADMSG,
				"ring file %s has tail %llu and head %llu, which no ring "
				"of %llu bytes can have; the file is corrupt",
				path, (unsigned long long)tail, (unsigned long long)sh->head,
				(unsigned long long)size);
	return 0;
}

int trace_ring__open(struct trace_ring *r, const char *path)
{
	struct stat st;
	int ret, fd;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err__set(errno, "cannot open ring file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || st.st_size < (off_t)TRACE_RING_HDR_SIZE) {
		close(fd);
		return err__set(EBADMSG,
				"ring file %s is %lld bytes, shorter than its %u-byte "
				"header; the file is truncated",
				path, (long long)st.st_size, TRACE_RING_HDR_SIZE);
	}
	ret = ring_map(r, fd, st.st_size, path);
	if (!ret)
		ret = ring_check_shared(r->sh, st.st_size, path);
	if (ret) {
		trace_ring__close(r);
		return ret;
	}
	r->mask = r->sh->data_size - 1;
	r->overwrite = !!(r->sh->flags & TRACE_RING_OVERWRITE);
	r->stream_id = r->sh->stream_id;
	r->head = r->sh->head;
	r->dropped = r->sh->dropped;
	r->nested = r->sh->nested;
	r->reported = r->sh->reported;
	r->overwritten = r->sh->overwritten;
	r->ctail = r->overwrite ? r->sh->tail_ow : r->sh->tail;
	if (r->overwrite && r->sh->dumped > r->ctail && r->sh->dumped <= r->head)
		r->ctail = r->sh->dumped;
	return 0;
}

void trace_ring__close(struct trace_ring *r)
{
	if (r->sh)
		munmap(r->sh, r->map_size);
	if (r->fd >= 0)
		close(r->fd);
	r->sh = NULL;
	r->data = NULL;
	r->fd = -1;
}

int trace_ring__check(const struct trace_ring *r, uint64_t pos, uint64_t head, uint32_t *size)
{
	const struct trace_rec_hdr *h = trace_ring__at(r, pos);
	uint64_t lap_left = ring_size(r) - (pos & r->mask);
	uint32_t sz = h->size;

	if (lap_left < 8 || sz < 8 || (sz & 7) || sz > lap_left || pos + sz > head ||
	    (h->id != TRACE_PAD_ID && sz < sizeof(*h)))
		return -EBADMSG;
	*size = sz;
	return 0;
}

void trace_ring__release(struct trace_ring *r, uint64_t pos)
{
	r->ctail = pos;
	/* Pairs with the acquire load of tail in ring_room(). */
	__atomic_store_n(&r->sh->tail, pos, __ATOMIC_RELEASE);
}

static void ring_copy_out(const struct trace_ring *r, uint8_t *buf, uint64_t from, uint64_t len)
{
	uint64_t off = from & r->mask, first = ring_size(r) - off;

	if (first > len)
		first = len;
	memcpy(buf, r->data + off, first);
	memcpy(buf + first, r->data, len - first);
}

void trace_ring__snapshot(struct trace_ring *r, uint8_t *buf, uint64_t *first, uint64_t *len)
{
	/* Pairs with the release store in trace_ring__commit(). */
	uint64_t head = __atomic_load_n(&r->sh->head, __ATOMIC_ACQUIRE);
	uint64_t from = __atomic_load_n(&r->sh->tail_ow, __ATOMIC_ACQUIRE);
	uint64_t dumped = r->sh->dumped, tail2;

	if (dumped > from && dumped <= head)
		from = dumped;
	ring_copy_out(r, buf, from, head - from);
	/* Pairs with the release fence in ring_overwrite(): if the copy saw any overwriting
	 * store, this load sees the tail that excludes the overwritten bytes. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	tail2 = __atomic_load_n(&r->sh->tail_ow, __ATOMIC_RELAXED);
	if (tail2 > from) {
		uint64_t skip = tail2 < head ? tail2 - from : head - from;

		memmove(buf, buf + skip, head - from - skip);
		from += skip;
	}
	*first = from;
	*len = head - from;
}

void trace_ring__dumped(struct trace_ring *r, uint64_t pos)
{
	/* Read (relaxed) by ring_overwrite() only to count undumped overwrites. */
	__atomic_store_n(&r->sh->dumped, pos, __ATOMIC_RELAXED);
	r->ctail = pos;
}
