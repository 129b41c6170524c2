/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trace module's public interface (docs/tracing.md).
 *
 * A trace session owns one ring per vCPU and one host ring, all in files of the trace
 * directory (DIR/rings/<stream>.ring), and a session thread that drains them into CTF 1.8
 * stream files (DIR/vcpu<N>, DIR/host, described by DIR/metadata) and into sinks.  vCPU
 * threads emit into their own ring without blocking or locking; see trace/ring.h and the
 * generated emitters in trace/catalogue.h.
 *
 * Records: every record starts with struct trace_rec_hdr (event id, total size in bytes,
 * timestamp in trace-clock ticks) followed by the event's fields, exactly as laid out in the
 * CTF stream files.  The layout of each event comes from trace/events.def.
 */
#ifndef VMSCOPE_TRACE_H
#define VMSCOPE_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct trace_session;
struct trace_ring;
struct trace_kvm_stats_args;
struct trace_syscall_select_args;

/*
 * Stream ids: 0 .. nr_vcpus - 1 are the vCPUs' streams; the host stream has this id; with
 * kernel probes (probes/probes.h), vCPU N's kernel events are in stream TRACE_STREAM_KERNEL(N)
 * (file DIR/kernel<N>).
 */
#define TRACE_STREAM_HOST 0xffffu
#define TRACE_STREAM_KERNEL_BASE 0x8000u
#define TRACE_STREAM_KERNEL(vcpu) (TRACE_STREAM_KERNEL_BASE + (uint32_t)(vcpu))

static inline int trace__stream_is_kernel(uint32_t stream_id)
{
	return stream_id >= TRACE_STREAM_KERNEL_BASE && stream_id < TRACE_STREAM_HOST;
}

/* The header of every record (ring and CTF stream file alike). */
struct trace_rec_hdr {
	uint32_t id; /* event id from events.def */
	uint32_t size; /* bytes of the whole record, header included; a multiple of 8 */
	uint64_t ts; /* trace clock ticks (trace__clock_info) */
};

#define TRACE_MAX_VCPUS 1024

struct trace_opts {
	const char *dir; /* trace directory; created if missing */
	int nr_vcpus; /* one stream (and ring) per vCPU: 1 .. TRACE_MAX_VCPUS */
	uint64_t buffer_size; /* bytes per ring (power of two, rounded up); 0: default */
	int overwrite; /* flight recorder: keep the newest records, dump on request */
	int hold; /* testing: drain only when the session ends (also VMSCOPE_TRACE_HOLD=1) */
	int kernel_streams; /* 1: one kernel stream (and ring) per vCPU for the kernel probes */
	const char *kernel_probes; /* metadata env.kernel_probes: what the probes attached to */
	/* More metadata env entries: NULL-terminated key, value pairs (values are strings). */
	const char *const *env;
	/*
	 * The owner's periodic work, on the session thread: every 100 ms (final = 0) and once
	 * as the session ends (final = 1), before the last drain.  It may emit host events
	 * (trace__kvm_stats).  NULL: none.
	 */
	void (*tick)(struct trace_session *s, int final, void *opaque);
	void *tick_opaque;
};

#define TRACE_DEFAULT_BUFFER_SIZE (4ull << 20)
#define TRACE_MIN_BUFFER_SIZE 4096ull
#define TRACE_MAX_BUFFER_SIZE (1ull << 30)

/*
 * Start a session: calibrate the clock, create the directory, its metadata and rings, and
 * start the session thread.  It knows nothing of VMs: the owner hands each producer its
 * ring (trace__vcpu_ring; core/vm.h's vm__trace_start does so for a VM's vCPUs).
 * 0 or -errno with a message; *out is the session.
 */
int trace__start(const struct trace_opts *o, struct trace_session **out);

/*
 * vCPU vcpu's ring (NULL when out of range).  Its one producer is that vCPU's thread, which
 * must stop emitting before trace__stop().
 */
struct trace_ring *trace__vcpu_ring(struct trace_session *s, int vcpu);

/* Emit a kvm_stats event on the host stream (any thread; no-op when s is NULL). */
void trace__kvm_stats(struct trace_session *s, const struct trace_kvm_stats_args *a);
/* Emit a syscall_select event on the host stream (any thread; no-op when s is NULL). */
void trace__syscall_select(struct trace_session *s, const struct trace_syscall_select_args *a);

/*
 * End the session after its producers have stopped (a VM's vCPU threads joined): the
 * owner's final tick, final drain (or dump in overwrite mode), complete packets.  The trace
 * is then complete; trace__stream_stats() still works until trace__free().  0 or -errno
 * (message set).
 */
int trace__stop(struct trace_session *s);
void trace__free(struct trace_session *s);

/*
 * The ring of vCPU vcpu's kernel stream (NULL without kernel_streams).  Its one producer is
 * the kernel probes' drain thread, which must stop before trace__stop().
 */
struct trace_ring *trace__kernel_ring(struct trace_session *s, int vcpu);

/* Flight-recorder mode: write the rings' current contents to the stream files now. */
int trace__dump(struct trace_session *s);

/* SIGUSR2 asks the session thread for a dump (installed by trace__start in overwrite mode). */

/*
 * Sinks: after writing each drained record to the CTF stream file, the session thread
 * calls ops->record for it, in stream order per stream.  Callbacks run on the session
 * thread and must never block: a sink that cannot keep up drops and counts on its own.
 * ops->lost reports records the ring itself dropped (count since the previous report).
 * ops->close, if set, is called once when the session ends or the sink is removed.
 * add/remove may be called from any thread except from inside a callback.
 */
struct trace_sink_ops {
	void (*record)(void *opaque, uint32_t stream_id, const void *rec, size_t len);
	void (*lost)(void *opaque, uint32_t stream_id, uint64_t count);
	void (*close)(void *opaque);
};

#define TRACE_MAX_SINKS 8

/* 0, -ENOSPC when TRACE_MAX_SINKS are attached, -ESHUTDOWN once trace__stop() ran. */
int trace__add_sink(struct trace_session *s, const struct trace_sink_ops *ops, void *opaque);
/* 0, -ENOENT if (ops, opaque) is not attached.  Returns after the session thread let go. */
int trace__remove_sink(struct trace_session *s, const struct trace_sink_ops *ops, void *opaque);

/* Per-stream counters of a session (records written, lost in the ring, nested drops). */
struct trace_stream_stats {
	uint32_t stream_id;
	uint64_t records;
	uint64_t bytes;
	uint64_t lost; /* ring full (or overwritten before a dump) */
	uint64_t nested; /* emits dropped by the nesting guard */
};

/* Fill up to max entries; returns the number of streams (vCPUs + host). */
int trace__stream_stats(struct trace_session *s, struct trace_stream_stats *st, int max);

/*
 * The clock: one for every stream.  ts ticks map to CLOCK_MONOTONIC nanoseconds as
 *   mono_ns = mono0_ns + (ts - ts0) * 1e9 / freq
 * and to wall-clock (CLOCK_REALTIME) nanoseconds the same way from real0_ns.  With the TSC,
 * freq is its calibrated frequency; without it the clock is CLOCK_MONOTONIC itself
 * (freq = 1e9, ts0 = mono0_ns).
 */
struct trace_clock_info {
	uint64_t freq; /* ticks per second */
	uint64_t ts0; /* a tick value ... */
	uint64_t mono0_ns; /* ... and CLOCK_MONOTONIC at that instant */
	uint64_t real0_ns; /* ... and CLOCK_REALTIME at that instant */
	int is_tsc;
};

/* The process's trace clock (calibrated at the first trace__start or trace__clock_init). */
void trace__clock_info(struct trace_clock_info *ci);
uint64_t trace__ts_to_mono_ns(const struct trace_clock_info *ci, uint64_t ts);
uint64_t trace__mono_ns_to_ts(const struct trace_clock_info *ci, uint64_t mono_ns);

/*
 * Decoding one record (a reader of another process sets the writer's clock first with
 * trace__decode_set_clock; without it timestamps print as raw ticks).
 * text: "[HH:MM:SS.nnnnnnnnn] exit: { reason = IO, vcpu = 0, rip = 0x1000, ... }" (UTC)
 * json: {"event":"exit","id":1,"ts":123,"mono_ns":456,"fields":{"reason":"IO",...}}
 * Both return the length of the full text (as snprintf; output truncated to size), or
 * -EINVAL for a record that is not a valid event (unknown id, size that does not match).
 */
int trace__decode_text(const void *rec, size_t len, char *buf, size_t size);
int trace__decode_json(const void *rec, size_t len, char *buf, size_t size);
void trace__decode_set_clock(const struct trace_clock_info *ci);

/* Event catalogue lookups: id of a name (-ENOENT), name of an id (NULL if unknown). */
int trace__event_id(const char *name);
const char *trace__event_name(uint32_t id);
/* Highest event id in this build (ids are 1 .. this, with gaps allowed). */
uint32_t trace__max_event_id(void);

/*
 * Host-side events (host stream; any thread, serialised by the session).  Each is a no-op
 * when s is NULL.  console: guest serial bytes (buffered to lines, flushed every tick).
 */
#define V(pfx, name, value) TRACE_##pfx##_##name = value,
#define ENUM(name, values) enum trace_##name{ values };
#include "enums.def"
#undef ENUM
#undef V
void trace__lifecycle(struct trace_session *s, enum trace_lifecycle_what what, int status,
		      uint64_t arg);
void trace__console(struct trace_session *s, const void *bytes, size_t len);

/*
 * Turn what a killed session left (stream files and the committed contents of the rings)
 * into a complete, readable trace.  Returns the number of streams repaired (0: the trace
 * was complete), or -errno with a message naming the bad file.
 */
int trace__recover(const char *dir);

/*
 * Check that dir holds a readable vmscope trace (metadata, stream files whose packets are
 * whole and whose records decode).  0 or -errno with a message naming what is wrong.
 */
int trace__check_dir(const char *dir);

/*
 * Did the session that wrote dir end (at once: it looks for the rings a session removes
 * last)?  0, or -EAGAIN with a message saying to run `vmscope recover DIR`.
 */
int trace__check_ended(const char *dir);

#endif
