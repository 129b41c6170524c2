// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's pure half: parsing request lines and building the JSON replies.
 * Nothing here touches a socket, so tests/unit/test_control.c drives it directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "../core/exit.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "control_priv.h"

uint64_t control__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void cbuf__init(struct cbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void cbuf__free(struct cbuf *b)
{
	free(b->data);
	cbuf__init(b, b->max);
}

static int cbuf__reserve(struct cbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->len + n + 1 <= b->cap)
		return 0;
	if (b->len + n + 1 > b->max) {
		b->overflow = 1;
		return -ENOSPC;
	}
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int cbuf__add(struct cbuf *b, const void *p, size_t n)
{
	int ret = cbuf__reserve(b, n);

	if (ret)
		return ret;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cbuf__printf(struct cbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return cbuf__add(b, small, n);
	if (cbuf__reserve(b, n))
		return -ENOSPC;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
	return 0;
}

void cbuf__consume(struct cbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
	}
	if (b->data)
		b->data[b->len] = '\0';
}

static uint64_t load_u64(const uint64_t *p)
{
	/* The vCPU thread is the only writer; a torn or stale value is never seen on x86-64. */
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Append o's text and a newline, all or nothing, and release o.  0, -ENOMEM or -ENOSPC. */
int control__reply_put(struct cbuf *b, struct json_object *o)
{
	size_t n = 0;
	const char *s = o ? json_object_to_json_string_length(o, JSONC_COMPACT, &n) : NULL;
	int ret = s ? cbuf__reserve(b, n + 1) : -ENOMEM;

	if (!ret) {
		cbuf__add(b, s, n);
		cbuf__lit(b, "\n");
	}
	json_object_put(o);
	return ret;
}

/* {"ok":true,"cmd":cmd}: the start of every reply that succeeds. */
struct json_object *control__reply_new(const char *cmd)
{
	struct json_object *o = json_object_new_object();
	int bad = !o || jsonc__add(o, "ok", json_object_new_boolean(1)) ||
		  jsonc__add(o, "cmd", json_object_new_string(cmd));

	return jsonc__keep(o, bad);
}

/* {"IO":12,"MMIO":3}: the non-zero counters of one table. */
static struct json_object *stats_counters(const uint64_t *c, int n, int extra)
{
	struct json_object *o = json_object_new_object();
	int i, bad = !o;

	for (i = 0; i < n && !bad; i++) {
		uint64_t v = load_u64(&c[i]);

		if (v)
			bad = jsonc__add(o, extra ? exit__extra_name(i) : exit__reason_name(i),
					 json_object_new_uint64(v));
	}
	return jsonc__keep(o, bad);
}

static struct json_object *stats_vcpu(const struct exit_stats *s, int id)
{
	struct json_object *o = json_object_new_object();
	int bad = !o || jsonc__add(o, "vcpu", json_object_new_int(id)) ||
		  jsonc__add(o, "total", json_object_new_uint64(load_u64(&s->total))) ||
		  jsonc__add(o, "exits", stats_counters(s->reason, EXIT_REASON_MAX, 0)) ||
		  jsonc__add(o, "extra", stats_counters(s->extra, EXIT_X_MAX, 1));

	return jsonc__keep(o, bad);
}

static struct json_object *stats_vcpus(const struct vm *vm)
{
	struct json_object *a = json_object_new_array();
	int i, bad = !a;

	for (i = 0; i < vm->nr_vcpus && !bad; i++)
		bad = jsonc__add(a, NULL, stats_vcpu(&vm->vcpus[i].stats, i));
	return jsonc__keep(a, bad);
}

int control__reply_stats(struct cbuf *b, const struct vm *vm, uint64_t now_ns)
{
	struct json_object *o = control__reply_new("stats");
	int bad = !o || jsonc__add(o, "time_ns", json_object_new_uint64(now_ns)) ||
		  jsonc__add(o, "vcpus", stats_vcpus(vm));

	return control__reply_put(b, jsonc__keep(o, bad));
}

static const char *vm_state(const struct vm *vm)
{
	if (__atomic_load_n(&vm->stopping, __ATOMIC_RELAXED))
		return "stopping";
	if (__atomic_load_n(&vm->pausing, __ATOMIC_RELAXED))
		return "paused";
	return "running";
}

int control__reply_info(struct cbuf *b, const struct vm *vm, const struct control_info *ci)
{
	const char *guest = ci->guest ? ci->guest : "built-in kernel";
	struct json_object *o = control__reply_new("info");
	int bad = !o || jsonc__add(o, "pid", json_object_new_int(ci->pid)) ||
		  jsonc__add(o, "vcpus", json_object_new_int(vm->nr_vcpus)) ||
		  jsonc__add(o, "mem_bytes", json_object_new_uint64(vm->opts.mem_size)) ||
		  jsonc__add(o, "guest", json_object_new_string(guest)) ||
		  jsonc__add(o, "uptime_ns", json_object_new_uint64(ci->uptime_ns)) ||
		  jsonc__add(o, "state", json_object_new_string(vm_state(vm))) ||
		  jsonc__add(o, "tracing", json_object_new_boolean(ci->tracing)) ||
		  jsonc__add(o, "socket", json_object_new_string(ci->socket));

	return control__reply_put(b, jsonc__keep(o, bad));
}

int control__reply_subscribe(struct cbuf *b, int json)
{
	struct json_object *o = control__reply_new("subscribe");
	int bad = !o || jsonc__add(o, "format", json_object_new_string(json ? "json" : "text"));

	return control__reply_put(b, jsonc__keep(o, bad));
}

int control__reply_error(struct cbuf *b, const char *cmd, const char *msg)
{
	struct json_object *o = json_object_new_object();
	/* A request that did not parse has no command: "cmd":null. */
	int bad = !o || jsonc__add(o, "ok", json_object_new_boolean(0)) ||
		  (cmd ? jsonc__add(o, "cmd", json_object_new_string(cmd))
		       : json_object_object_add(o, "cmd", NULL)) ||
		  jsonc__add(o, "error", json_object_new_string(msg));

	return control__reply_put(b, jsonc__keep(o, bad));
}

int control__notice_lost(struct cbuf *b, int json, uint64_t n, const char *why)
{
	struct json_object *o;
	int bad;

	if (!json)
		return cbuf__printf(b, "lost %llu events (%s)\n", (unsigned long long)n, why);
	o = json_object_new_object();
	bad = !o || jsonc__add(o, "lost", json_object_new_uint64(n)) ||
	      jsonc__add(o, "why", json_object_new_string(why));
	return control__reply_put(b, jsonc__keep(o, bad));
}
