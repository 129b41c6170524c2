/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CTF 1.8 output: the TSDL metadata (generated from the catalogue) and stream files made of
 * packets.  A packet is written incrementally: its header and context go out first with
 * content_size = packet_size = 0, records are appended as they are drained, and the context
 * is rewritten in place when the packet closes.  So after a crash the file holds whole
 * packets and at most one unfinished one, which trace__recover() completes.
 */
#ifndef VMSCOPE_TRACE_CTF_H
#define VMSCOPE_TRACE_CTF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

#define CTF_MAGIC 0xc1fc1fc1u
#define CTF_CLASS_VCPU 0u
#define CTF_CLASS_HOST 1u
#define CTF_CLASS_KERNEL 2u /* a vCPU's kernel events (probes/): packet context as vCPU streams */
#define CTF_DEFAULT_PACKET (1u << 20) /* bytes of a packet before it is closed */

/* Packet header + context as written (the host class has no cpu_id). */
struct ctf_packet_hdr {
	uint32_t magic;
	uint32_t stream_id; /* stream class: CTF_CLASS_* */
	uint64_t stream_instance_id;
	uint64_t timestamp_begin;
	uint64_t timestamp_end;
	uint64_t content_size; /* bits */
	uint64_t packet_size; /* bits */
	uint64_t packet_seq_num;
	uint64_t events_discarded;
	uint64_t cpu_id; /* the vCPU; 64 bits, so an empty packet ends where its context does */
};

#define CTF_HDR_LEN_HOST 64u
#define CTF_HDR_LEN_VCPU 72u

static inline uint32_t ctf_hdr_len(uint32_t class_id)
{
	return class_id == CTF_CLASS_HOST ? CTF_HDR_LEN_HOST : CTF_HDR_LEN_VCPU;
}

static inline uint32_t ctf__class_of(uint32_t stream_id)
{
	if (stream_id == TRACE_STREAM_HOST)
		return CTF_CLASS_HOST;
	return trace__stream_is_kernel(stream_id) ? CTF_CLASS_KERNEL : CTF_CLASS_VCPU;
}

/* The vCPU of a stream (its stream_instance_id and cpu_id); 0 for the host stream. */
static inline uint32_t ctf__stream_cpu(uint32_t stream_id)
{
	if (stream_id == TRACE_STREAM_HOST)
		return 0;
	return trace__stream_is_kernel(stream_id) ? stream_id - TRACE_STREAM_KERNEL_BASE
						  : stream_id;
}

/* Called for each record written (the session's sinks); lost is > 0 for LOST records. */
typedef void (*ctf_record_fn)(void *opaque, uint32_t stream_id, const void *rec, size_t len);

struct ctf_stream {
	int fd;
	char path[4096];
	uint32_t class_id;
	uint32_t stream_id; /* trace.h numbering: vCPU, TRACE_STREAM_KERNEL(vCPU), or HOST */
	uint64_t max_packet;
	uint64_t seq; /* packet_seq_num of the next packet */
	uint64_t discarded; /* cumulative, from LOST records */
	uint64_t skip_to_ts; /* recover: records with a smaller ts are already in the file */

	int open; /* a packet is open */
	int64_t pkt_off;
	uint64_t content; /* bytes in the open packet, header included */
	uint64_t synced; /* ... as its header in the file says */
	uint64_t ts_begin, ts_end;
	uint64_t last_ts;

	uint64_t records, bytes, lost;
	ctf_record_fn on_record;
	void *opaque;
	int error; /* first write error (-errno, message set) */
};

/* Write DIR/metadata for nr_vcpus vCPU streams, the host stream and (kernel) kernel streams. */
int ctf__write_metadata(const char *dir, const struct trace_clock_info *ci, int nr_vcpus,
			int kernel, const char *extra_env);

/* The metadata text (for tests and tools); returns bytes written as snprintf does. */
int ctf__metadata(char *buf, size_t size, const struct trace_clock_info *ci, int nr_vcpus,
		  int kernel, const char *extra_env);

/* Create (truncate) or, with append, open the stream file DIR/<name>. */
int ctf_stream__open(struct ctf_stream *st, const char *dir, uint32_t stream_id, int append);

/*
 * Write the whole records in buf (len bytes; pad records are skipped) to the stream,
 * opening and closing packets as they fill.  0, or -EBADMSG (message set) at the first
 * record that is not a valid event, or -errno for a write error.
 */
int ctf_stream__feed(struct ctf_stream *st, const uint8_t *buf, size_t len);

/* Close the open packet, if any (timestamp_end = ts if later than the last record). */
int ctf_stream__close_packet(struct ctf_stream *st, uint64_t ts);

/* Close the open packet and the file; a stream without packets gets an empty one. */
int ctf_stream__finish(struct ctf_stream *st, uint64_t ts);

/* "vcpu3", "kernel3" or "host". */
void ctf__stream_name(uint32_t stream_id, char *buf, size_t size);

#endif
