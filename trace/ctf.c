// SPDX-License-Identifier: GPL-2.0
/*
 * CTF 1.8 writer: TSDL metadata generated from the catalogue, and packetised stream files.
 * Records are written exactly as they sit in the ring (the layout rule of events.def makes
 * the C record and the CTF event one and the same), so a drained run of records goes to the
 * file with one write().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "catalogue.h"
#include "../lib/io.h"
#include "ctf.h"
#include "../lib/strbuf.h"

static const char *const tsdl_types[] = {
	[TRACE_FT_u8] = "uint8_t",   [TRACE_FT_u16] = "uint16_t",     [TRACE_FT_u32] = "uint32_t",
	[TRACE_FT_u64] = "uint64_t", [TRACE_FT_x64] = "uint64_hex_t", [TRACE_FT_s32] = "int32_t",
	[TRACE_FT_s64] = "int64_t",
};

static void tsdl_prologue(struct strbuf *sb)
{
	static const struct {
		int bits, sign, hex;
		const char *name;
	} ints[] = {
		{ 8, 0, 0, "uint8_t" },	  { 16, 0, 0, "uint16_t" },	{ 32, 0, 0, "uint32_t" },
		{ 64, 0, 0, "uint64_t" }, { 64, 0, 1, "uint64_hex_t" }, { 32, 1, 0, "int32_t" },
		{ 64, 1, 0, "int64_t" },
	};
	size_t i;

	strbuf__printf(sb, "/* CTF 1.8 */\n\n");
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		strbuf__printf(
			sb, "typealias integer { size = %d; align = %d; signed = %s;%s } := %s;\n",
			ints[i].bits, ints[i].bits, ints[i].sign ? "true" : "false",
			ints[i].hex ? " base = 16;" : "", ints[i].name);
	strbuf__printf(sb,
		       "\ntrace {\n\tmajor = 1;\n\tminor = 8;\n\tbyte_order = le;\n"
		       "\tpacket.header := struct {\n\t\tuint32_t magic;\n"
		       "\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t};\n};\n\n");
}

static void tsdl_env(struct strbuf *sb, const struct trace_clock_info *ci, int nr_vcpus,
		     const char *extra_env)
{
	char host[256] = "unknown";

	gethostname(host, sizeof(host) - 1);
	strbuf__printf(sb,
		       "env {\n\tdomain = \"vmscope\";\n\ttracer_name = \"vmscope\";\n"
		       "\thostname = \"%s\";\n\tnr_vcpus = %d;\n\tclock_source = \"%s\";\n"
		       "\tclock_freq = %llu;\n\tclock_ts0 = %llu;\n\tclock_monotonic0_ns = %llu;\n"
		       "\tclock_realtime0_ns = %llu;\n%s};\n\n",
		       host, nr_vcpus, ci->is_tsc ? "tsc" : "monotonic",
		       (unsigned long long)ci->freq, (unsigned long long)ci->ts0,
		       (unsigned long long)ci->mono0_ns, (unsigned long long)ci->real0_ns,
		       extra_env ? extra_env : "");
}

/* The clock class: offset_s/offset place tick 0 on the Unix epoch (from CLOCK_REALTIME). */
static void tsdl_clock(struct strbuf *sb, const struct trace_clock_info *ci)
{
	__int128 epoch0 = (__int128)ci->real0_ns - (__int128)ci->ts0 * 1000000000 / ci->freq;
	__int128 sec = epoch0 / 1000000000;
	__int128 rem = epoch0 - sec * 1000000000;

	if (rem < 0) {
		sec--;
		rem += 1000000000;
	}
	strbuf__printf(
		sb,
		"clock {\n\tname = \"%s\";\n\tdescription = \"%s\";\n\tfreq = %llu;\n"
		"\tprecision = 1;\n\toffset_s = %lld;\n\toffset = %llu;\n\tabsolute = FALSE;\n"
		"};\n\n"
		"typealias integer { size = 64; align = 64; signed = false; "
		"map = clock.%s.value; } := uint64_clock_t;\n\n",
		ci->is_tsc ? "tsc" : "monotonic",
		ci->is_tsc ? "TSC, calibrated against CLOCK_MONOTONIC (env.clock_*)"
			   : "CLOCK_MONOTONIC",
		(unsigned long long)ci->freq, (long long)sec,
		(unsigned long long)(rem * ci->freq / 1000000000),
		ci->is_tsc ? "tsc" : "monotonic");
}

static void tsdl_stream(struct strbuf *sb, uint32_t class_id)
{
	strbuf__printf(
		sb,
		"stream {\n\tid = %u;\n\tpacket.context := struct {\n"
		"\t\tuint64_clock_t timestamp_begin;\n\t\tuint64_clock_t timestamp_end;\n"
		"\t\tuint64_t content_size;\n\t\tuint64_t packet_size;\n"
		"\t\tuint64_t packet_seq_num;\n\t\tuint64_t events_discarded;\n%s\t};\n"
		"\t/* The record's size (bytes 4-7) is alignment padding to CTF readers. */\n"
		"\tevent.header := struct {\n\t\tuint32_t id;\n"
		"\t\tuint64_clock_t timestamp;\n\t} align(64);\n};\n\n",
		class_id, class_id != CTF_CLASS_HOST ? "\t\tuint64_t cpu_id;\n" : "");
}

static void tsdl_field(struct strbuf *sb, const struct trace_field_desc *f)
{
	int i;

	if (f->type == TRACE_FT_bytes) {
		strbuf__printf(
			sb,
			"\t\tinteger { size = 8; align = 8; signed = false; encoding = UTF8; "
			"} %s[%u];\n",
			f->name, f->size);
		return;
	}
	if (f->type == TRACE_FT_hex) {
		strbuf__printf(
			sb,
			"\t\tinteger { size = 8; align = 8; signed = false; base = 16; } %s[%u];\n",
			f->name, f->size);
		return;
	}
	if (!f->enm) {
		strbuf__printf(sb, "\t\t%s %s;\n", tsdl_types[f->type], f->name);
		return;
	}
	strbuf__printf(sb, "\t\tenum : %s {", tsdl_types[f->type]);
	for (i = 0; i < f->enm->nr; i++)
		strbuf__printf(sb, "%s\"%s\" = %lld", i ? ", " : " ", f->enm->vals[i].name,
			       (long long)f->enm->vals[i].value);
	strbuf__printf(sb, " } %s;\n", f->name);
}

static void tsdl_events(struct strbuf *sb, uint32_t class_id)
{
	int i, j;

	for (i = 0; i < trace_nr_events; i++) {
		const struct trace_event_desc *d = &trace_events[i];

		strbuf__printf(sb,
			       "event {\n\tname = \"%s\";\n\tid = %u;\n\tstream_id = %u;\n"
			       "\tfields := struct {\n",
			       d->name, d->id, class_id);
		for (j = 0; j < d->nr_fields; j++)
			tsdl_field(sb, &d->fields[j]);
		strbuf__printf(sb, "\t};\n};\n\n");
	}
}

int ctf__metadata(char *buf, size_t size, const struct trace_clock_info *ci, int nr_vcpus,
		  int kernel, const char *extra_env)
{
	struct strbuf sb = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	tsdl_prologue(&sb);
	tsdl_env(&sb, ci, nr_vcpus, extra_env);
	tsdl_clock(&sb, ci);
	tsdl_stream(&sb, CTF_CLASS_VCPU);
	tsdl_stream(&sb, CTF_CLASS_HOST);
	tsdl_events(&sb, CTF_CLASS_VCPU);
	tsdl_events(&sb, CTF_CLASS_HOST);
	if (kernel) {
		tsdl_stream(&sb, CTF_CLASS_KERNEL);
		tsdl_events(&sb, CTF_CLASS_KERNEL);
	}
	return (int)sb.len;
}

int ctf__write_metadata(const char *dir, const struct trace_clock_info *ci, int nr_vcpus,
			int kernel, const char *extra_env)
{
	char path[4096], *buf;
	int len = ctf__metadata(NULL, 0, ci, nr_vcpus, kernel, extra_env);
	int fd, ret;

	buf = malloc(len + 1);
	if (!buf)
		return err__set(ENOMEM, "out of memory building the trace metadata");
	ctf__metadata(buf, len + 1, ci, nr_vcpus, kernel, extra_env);
	snprintf(path, sizeof(path), "%s/metadata", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(buf);
		return err__set(errno, "cannot create %s: %s", path, strerror(errno));
	}
	ret = io__write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	free(buf);
	if (ret)
		return err__set(-ret, "cannot write %s: %s", path, strerror(-ret));
	return 0;
}

void ctf__stream_name(uint32_t stream_id, char *buf, size_t size)
{
	if (stream_id == TRACE_STREAM_HOST)
		snprintf(buf, size, "host");
	else if (trace__stream_is_kernel(stream_id))
		snprintf(buf, size, "kernel%u", stream_id - TRACE_STREAM_KERNEL_BASE);
	else
		snprintf(buf, size, "vcpu%u", stream_id);
}

int ctf_stream__open(struct ctf_stream *st, const char *dir, uint32_t stream_id, int append)
{
	char name[32];

	memset(st, 0, sizeof(*st));
	ctf__stream_name(stream_id, name, sizeof(name));
	snprintf(st->path, sizeof(st->path), "%s/%s", dir, name);
	st->stream_id = stream_id;
	st->class_id = ctf__class_of(stream_id);
	st->max_packet = CTF_DEFAULT_PACKET;
	/* Not O_APPEND: packets are completed with pwrite, which O_APPEND would misplace. */
	st->fd = open(st->path, O_WRONLY | O_CREAT | (append ? 0 : O_TRUNC) | O_CLOEXEC, 0644);
	if (st->fd < 0)
		return err__set(errno, "cannot create stream file %s: %s", st->path,
				strerror(errno));
	st->pkt_off = append ? lseek(st->fd, 0, SEEK_END) : 0;
	return 0;
}

static int stream_error(struct ctf_stream *st, int ret)
{
	if (!st->error)
		st->error =
			err__set(-ret, "cannot write stream file %s: %s", st->path, strerror(-ret));
	return st->error;
}

/*
 * The packet's header as it stands: a packet being filled says what it holds so far, so that
 * the file is whole packets at every moment a reader (or a kill) may come (ctf_stream__feed).
 */
static void stream_fill_hdr(const struct ctf_stream *st, struct ctf_packet_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = CTF_MAGIC;
	h->stream_id = st->class_id;
	h->stream_instance_id = ctf__stream_cpu(st->stream_id);
	h->timestamp_begin = st->ts_begin;
	h->timestamp_end = st->ts_end;
	h->content_size = st->content * 8;
	h->packet_size = st->content * 8;
	h->packet_seq_num = st->seq;
	h->events_discarded = st->discarded;
	h->cpu_id = ctf__stream_cpu(st->stream_id);
}

static int stream_open_packet(struct ctf_stream *st, uint64_t ts)
{
	struct ctf_packet_hdr h;
	uint32_t len = ctf_hdr_len(st->class_id);
	int ret;

	st->ts_begin = st->ts_end = ts;
	st->content = len;
	stream_fill_hdr(st, &h);
	ret = io__write_all(st->fd, &h, len);
	if (ret)
		return stream_error(st, ret);
	st->open = 1;
	return 0;
}

/*
 * After records went into the open packet: its header says so, written after them, so that a
 * session killed at any point leaves whole packets (and at most a few records past the last
 * one's end, which `vmscope recover` takes up); never a header that readers cannot size.
 */
static int stream_sync_hdr(struct ctf_stream *st)
{
	struct ctf_packet_hdr h;
	uint32_t len = ctf_hdr_len(st->class_id);

	if (!st->open || st->content == st->synced)
		return 0;
	stream_fill_hdr(st, &h);
	if (pwrite(st->fd, &h, len, st->pkt_off) != (ssize_t)len)
		return stream_error(st, -EIO);
	st->synced = st->content;
	return 0;
}

int ctf_stream__close_packet(struct ctf_stream *st, uint64_t ts)
{
	struct ctf_packet_hdr h;
	ssize_t n;

	if (!st->open)
		return 0;
	if (ts > st->ts_end)
		st->ts_end = ts;
	stream_fill_hdr(st, &h);
	n = pwrite(st->fd, &h, ctf_hdr_len(st->class_id), st->pkt_off);
	if (n != (ssize_t)ctf_hdr_len(st->class_id))
		return stream_error(st, n < 0 ? -errno : -EIO);
	st->pkt_off += st->content;
	st->seq++;
	st->open = 0;
	st->synced = 0;
	return 0;
}

/* Write the run [from, to) of buf and tell the sink about its records. */
static int stream_flush(struct ctf_stream *st, const uint8_t *buf, size_t from, size_t to)
{
	size_t pos;
	int ret;

	if (from == to)
		return 0;
	ret = io__write_all(st->fd, buf + from, to - from);
	if (ret)
		return stream_error(st, ret);
	for (pos = from; st->on_record && pos < to;) {
		const struct trace_rec_hdr *h = (const void *)(buf + pos);

		st->on_record(st->opaque, st->stream_id, h, h->size);
		pos += h->size;
	}
	return 0;
}

static int stream_bad(struct ctf_stream *st, const uint8_t *buf, size_t pos, size_t len)
{
	const struct trace_rec_hdr *h = (const void *)(buf + pos);

	return err__set(EBADMSG,
			"stream %s: bad record at byte %zu of %zu (id %u, size %u): not an event "
			"of this vmscope's catalogue",
			st->path, pos, len, len - pos >= 8 ? h->id : 0,
			len - pos >= 8 ? h->size : 0);
}

/* Size of the record at pos, or 0 if it is not a pad or a known event that fits. */
static uint32_t stream_rec_size(const uint8_t *buf, size_t pos, size_t len)
{
	const struct trace_rec_hdr *h = (const void *)(buf + pos);

	if (len - pos < 8 || h->size < 8 || (h->size & 7) || h->size > len - pos)
		return 0;
	if (h->id == TRACE_PAD_ID)
		return h->size;
	return trace_event_size(h->id) == h->size ? h->size : 0;
}

/* Account one record in the open packet (opening one, or a new one, as needed). */
static int stream_take(struct ctf_stream *st, const struct trace_rec_hdr *h)
{
	int ret = 0;

	if (st->open && st->content + h->size > st->max_packet)
		ret = ctf_stream__close_packet(st, 0);
	/* A loss starts a packet, so readers see it between two packets' events_discarded. */
	if (!ret && st->open && h->id == TRACE_LOST_ID && st->records)
		ret = ctf_stream__close_packet(st, 0);
	/*
	 * Readers count a loss from the difference with the previous packet: a stream that
	 * begins with one gets an empty packet first (babeltrace2 cannot count it otherwise).
	 */
	if (!ret && !st->open && !st->seq && h->id == TRACE_LOST_ID) {
		ret = stream_open_packet(st, h->ts);
		if (!ret)
			ret = ctf_stream__close_packet(st, h->ts);
	}
	if (!ret && !st->open)
		ret = stream_open_packet(st, h->ts);
	if (ret)
		return ret;
	if (h->id == TRACE_LOST_ID) {
		uint64_t n = ((const struct trace_ev_lost *)h)->count;

		st->discarded += n;
		st->lost += n;
	}
	st->content += h->size;
	st->ts_end = h->ts;
	st->last_ts = h->ts;
	st->records++;
	st->bytes += h->size;
	return 0;
}

/*
 * The common case, kept tight: ordinary records that fit the open packet.  Returns where
 * the first record needing more care starts.
 */
static size_t stream_fast(struct ctf_stream *st, const uint8_t *buf, size_t pos, size_t len)
{
	uint64_t content = st->content, room = st->max_packet, last = st->last_ts, n = 0;
	size_t start = pos;

	if (!st->open)
		return pos;
	while (pos + sizeof(struct trace_rec_hdr) <= len) {
		const struct trace_rec_hdr *h = (const void *)(buf + pos);
		uint32_t sz = h->size;

		if (h->id >= TRACE_SIZE_TABLE || trace_event_sizes[h->id] != sz ||
		    h->id == TRACE_LOST_ID || sz > len - pos || content + sz > room ||
		    h->ts < st->skip_to_ts)
			break;
		content += sz;
		last = h->ts;
		n++;
		pos += sz;
	}
	st->content = content;
	st->ts_end = st->last_ts = last;
	st->records += n;
	st->bytes += pos - start;
	return pos;
}

int ctf_stream__feed(struct ctf_stream *st, const uint8_t *buf, size_t len)
{
	size_t pos = 0, run = 0;
	int ret = 0;

	while (pos < len && !ret) {
		const struct trace_rec_hdr *h;
		uint32_t sz;
		int was_open;

		pos = stream_fast(st, buf, pos, len);
		if (pos >= len)
			break;
		h = (const void *)(buf + pos);
		sz = stream_rec_size(buf, pos, len);
		was_open = st->open;

		if (!sz) {
			ret = stream_flush(st, buf, run, pos);
			return ret ? ret : stream_bad(st, buf, pos, len);
		}
		if (h->id == TRACE_PAD_ID || h->ts < st->skip_to_ts) {
			ret = stream_flush(st, buf, run, pos);
			pos += sz;
			run = pos;
			continue;
		}
		/* A packet boundary falls here: write what belongs to the old packet first. */
		if (was_open && (st->content + sz > st->max_packet || h->id == TRACE_LOST_ID)) {
			ret = stream_flush(st, buf, run, pos);
			run = pos;
		}
		if (!ret)
			ret = stream_take(st, h);
		pos += sz;
	}
	if (!ret)
		ret = stream_flush(st, buf, run, pos);
	return ret ?: stream_sync_hdr(st);
}

int ctf_stream__finish(struct ctf_stream *st, uint64_t ts)
{
	int ret = 0;

	if (st->fd < 0)
		return 0;
	if (!st->open && st->seq == 0 && !st->error)
		ret = stream_open_packet(st, ts);
	if (!ret)
		ret = ctf_stream__close_packet(st, ts);
	if (!ret && st->error)
		ret = st->error;
	close(st->fd);
	st->fd = -1;
	return ret;
}
