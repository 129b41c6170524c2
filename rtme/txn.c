// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction model (rtme.h): nesting flattened into the outermost transaction, the abort
 * status, and the redo log.  No store of a transaction reaches guest memory before its
 * commit, and its reads see its own stores: the log keeps, per 64-byte line, whether the
 * transaction read it and the bytes it wrote.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../trace/trace.h"
#include "rtme.h"

/* The trace's enumeration (trace/enums.def) is this one: the same values. */
_Static_assert((int)RTM_C_XABORT == (int)TRACE_RTM_XABORT &&
		       (int)RTM_C_ASYNC == (int)TRACE_RTM_INTERRUPT &&
		       (int)RTM_C_INJECTED == (int)TRACE_RTM_INJECTED &&
		       (int)RTM_C_ORDERING == (int)TRACE_RTM_ORDERING &&
		       (int)RTM_C_MAX == (int)TRACE_RTM_ORDERING + 1,
	       "enum rtm_cause and trace/enums.def's rtm_cause differ");

uint32_t rtm__status(enum rtm_cause c, uint8_t imm, int depth)
{
	uint32_t s;

	switch (c) {
	case RTM_C_XABORT:
		s = (uint32_t)imm << 24 | RTM_ABORT_EXPLICIT;
		break;
	case RTM_C_CONFLICT:
		s = RTM_ABORT_CONFLICT | RTM_ABORT_RETRY;
		break;
	case RTM_C_CAPACITY:
		s = RTM_ABORT_CAPACITY;
		break;
	case RTM_C_DEBUG:
		s = RTM_ABORT_DEBUG;
		break;
	case RTM_C_NEST:
		s = RTM_ABORT_CAPACITY | RTM_ABORT_NESTED;
		break;
	case RTM_C_INJECTED:
	case RTM_C_ORDERING:
		s = RTM_ABORT_RETRY;
		break;
	default: /* instructions, exceptions, asynchronous events: no cause bit (SDM: CPUID) */
		s = 0;
	}
	return depth > 1 ? s | RTM_ABORT_NESTED : s;
}

const char *rtm__cause_name(enum rtm_cause c)
{
	static const char *const names[RTM_C_MAX] = {
		[RTM_C_XABORT] = "xabort",	 [RTM_C_CONFLICT] = "conflict",
		[RTM_C_CAPACITY] = "capacity",	 [RTM_C_DEBUG] = "debug",
		[RTM_C_NEST] = "nesting",	 [RTM_C_INSN] = "instruction",
		[RTM_C_EXCEPTION] = "exception", [RTM_C_ASYNC] = "interrupt",
		[RTM_C_INJECTED] = "injected",	 [RTM_C_ORDERING] = "ordering",
	};

	return (unsigned int)c < RTM_C_MAX ? names[c] : "unknown";
}

int rtm__init(struct rtm_tx *t, int max_depth, int read_cap, int write_cap)
{
	memset(t, 0, sizeof(*t));
	if (max_depth < 1 || read_cap < 1 || write_cap < 1)
		return err__set(EINVAL, "RTM: nesting depth and capacities must be at least 1");
	t->max_depth = max_depth;
	t->read_cap = read_cap;
	t->write_cap = write_cap;
	t->lines = calloc((size_t)read_cap + write_cap, sizeof(*t->lines));
	if (!t->lines)
		return err__set(ENOMEM, "out of memory for a transaction log of %d lines",
				read_cap + write_cap);
	return 0;
}

void rtm__free(struct rtm_tx *t)
{
	free(t->lines);
	t->lines = NULL;
}

void rtm__reset(struct rtm_tx *t)
{
	t->depth = 0;
	t->fallback = 0;
	t->nr_lines = t->nr_read = t->nr_write = 0;
}

int rtm__xbegin(struct rtm_tx *t, uint64_t fallback)
{
	if (t->depth >= t->max_depth)
		return -ENOSPC;
	if (!t->depth++)
		t->fallback = fallback;
	return 0;
}

int rtm__xend(struct rtm_tx *t)
{
	if (!t->depth)
		return -EINVAL;
	return --t->depth == 0;
}

static struct rtm_line *find_line(const struct rtm_tx *t, uint64_t addr)
{
	int i;

	for (i = 0; i < t->nr_lines; i++)
		if (t->lines[i].addr == addr)
			return &t->lines[i];
	return NULL;
}

/*
 * The line at addr in the set (write or read), added if it fits; NULL: over capacity.  A line
 * new to the read set is snapshot with mem (when not NULL) for rtm__changed.
 */
static struct rtm_line *track(struct rtm_tx *t, uint64_t addr, int write, rtm_mem_fn mem, void *ctx)
{
	struct rtm_line *l = find_line(t, addr);

	if (l && (write ? l->write : l->read))
		return l;
	if (write ? t->nr_write == t->write_cap : t->nr_read == t->read_cap)
		return NULL;
	if (!l) {
		l = &t->lines[t->nr_lines++];
		memset(l, 0, sizeof(*l));
		l->addr = addr;
	}
	if (write) {
		l->write = 1;
		t->nr_write++;
	} else {
		l->read = 1;
		t->nr_read++;
		l->snapped = mem && !mem(ctx, addr, l->snap, RTM_LINE);
	}
	return l;
}

int rtm__track(struct rtm_tx *t, uint64_t gpa, size_t len, int is_write, rtm_mem_fn mem, void *ctx)
{
	uint64_t addr = gpa & ~(uint64_t)(RTM_LINE - 1);

	for (; addr < gpa + len; addr += RTM_LINE)
		if (!track(t, addr, is_write, mem, ctx))
			return -ENOSPC;
	return 0;
}

int rtm__read(struct rtm_tx *t, uint64_t gpa, void *buf, size_t len, rtm_mem_fn mem, void *ctx)
{
	uint8_t *out = buf;

	while (len) {
		uint64_t addr = gpa & ~(uint64_t)(RTM_LINE - 1), off = gpa - addr;
		size_t n = RTM_LINE - off < len ? RTM_LINE - off : len, i;
		struct rtm_line *l = track(t, addr, 0, mem, ctx);
		int ret;

		if (!l)
			return -ENOSPC;
		ret = mem(ctx, gpa, out, n);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) /* the transaction's own stores first */
			if (l->written >> (off + i) & 1)
				out[i] = l->data[off + i];
		gpa += n;
		out += n;
		len -= n;
	}
	return 0;
}

int rtm__write(struct rtm_tx *t, uint64_t gpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;

	while (len) {
		uint64_t addr = gpa & ~(uint64_t)(RTM_LINE - 1), off = gpa - addr;
		size_t n = RTM_LINE - off < len ? RTM_LINE - off : len, i;
		struct rtm_line *l = track(t, addr, 1, NULL, NULL);

		if (!l)
			return -ENOSPC;
		for (i = 0; i < n; i++) {
			l->data[off + i] = in[i];
			l->written |= 1ull << (off + i);
		}
		gpa += n;
		in += n;
		len -= n;
	}
	return 0;
}

int rtm__conflicts(const struct rtm_tx *t, uint64_t gpa, size_t len, int is_write)
{
	uint64_t addr = gpa & ~(uint64_t)(RTM_LINE - 1);

	if (!t->depth || !len)
		return 0;
	for (; addr < gpa + len; addr += RTM_LINE) {
		const struct rtm_line *l = find_line(t, addr);

		if (l && (l->write || (is_write && l->read)))
			return 1;
	}
	return 0;
}

int rtm__changed(const struct rtm_tx *t, rtm_mem_fn mem, void *ctx)
{
	uint8_t now[RTM_LINE];
	int i;

	for (i = 0; i < t->nr_lines; i++) {
		const struct rtm_line *l = &t->lines[i];

		if (l->read && l->snapped &&
		    (mem(ctx, l->addr, now, RTM_LINE) || memcmp(now, l->snap, RTM_LINE)))
			return 1;
	}
	return 0;
}

int rtm__commit(struct rtm_tx *t, rtm_store_fn store, void *ctx)
{
	int i, b, ret = 0;

	for (i = 0; !ret && i < t->nr_lines; i++) {
		const struct rtm_line *l = &t->lines[i];

		for (b = 0; !ret && b < RTM_LINE;) {
			int e = b;

			if (!(l->written >> b & 1)) {
				b++;
				continue;
			}
			while (e < RTM_LINE && l->written >> e & 1)
				e++;
			ret = store(ctx, l->addr + b, l->data + b, e - b);
			b = e;
		}
	}
	return ret;
}
