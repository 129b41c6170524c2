// SPDX-License-Identifier: GPL-2.0
/*
 * Record decoders, driven by the descriptor table: babeltrace2-like text and JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "catalogue.h"
#include "decode.h"
#include "../lib/strbuf.h"

static struct trace_clock_info decode_clock;
static int decode_clock_set;

void trace__decode_set_clock(const struct trace_clock_info *ci)
{
	decode_clock = *ci;
	decode_clock_set = ci->freq != 0;
}

void trace_decode__time(uint64_t ts, char *buf, size_t size)
{
	const struct trace_clock_info *ci = &decode_clock;
	__int128 ns;
	uint64_t day_ns;

	if (!decode_clock_set) {
		snprintf(buf, size, "%" PRIu64, ts);
		return;
	}
	ns = (__int128)ci->real0_ns + ((__int128)(int64_t)(ts - ci->ts0)) * 1000000000 / ci->freq;
	day_ns = (uint64_t)(ns % (86400 * (__int128)1000000000));
	snprintf(buf, size, "%02u:%02u:%02u.%09u", (unsigned)(day_ns / 3600000000000ull),
		 (unsigned)(day_ns / 60000000000ull % 60), (unsigned)(day_ns / 1000000000ull % 60),
		 (unsigned)(day_ns % 1000000000ull));
}

/* Bytes of a text field up to its first NUL, escaped for a quoted string (JSON rules). */
static void out_string(struct strbuf *o, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	strbuf__printf(o, "\"");
	for (i = 0; i < n && p[i]; i++) {
		if (p[i] == '"' || p[i] == '\\')
			strbuf__printf(o, "\\%c", p[i]);
		else if (p[i] == '\n')
			strbuf__printf(o, "\\n");
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			strbuf__printf(o, "\\u%04x", p[i]);
		else
			strbuf__printf(o, "%c", p[i]);
	}
	strbuf__printf(o, "\"");
}

/* FH: the bytes in hex, in memory order ("0f01d9"), quoted as a string. */
static void out_hex(struct strbuf *o, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	strbuf__printf(o, "\"");
	for (i = 0; i < n; i++)
		strbuf__printf(o, "%02x", p[i]);
	strbuf__printf(o, "\"");
}

static void text_field(struct strbuf *o, const void *rec, const struct trace_field_desc *f)
{
	int64_t v;
	const char *name;

	strbuf__printf(o, "%s = ", f->name);
	if (f->type == TRACE_FT_bytes || f->type == TRACE_FT_hex) {
		(f->type == TRACE_FT_hex ? out_hex : out_string)(
			o, (const uint8_t *)rec + f->offset, f->size);
		return;
	}
	v = trace_field_get(rec, f);
	if (f->enm) {
		name = trace_enum_name(f->enm, v);
		strbuf__printf(o, "( \"%s\" : container = %" PRId64 " )", name ? name : "<unknown>",
			       v);
	} else if (f->type == TRACE_FT_x64) {
		strbuf__printf(o, "0x%" PRIx64, (uint64_t)v);
	} else if (f->type == TRACE_FT_s32 || f->type == TRACE_FT_s64) {
		strbuf__printf(o, "%" PRId64, v);
	} else {
		strbuf__printf(o, "%" PRIu64, (uint64_t)v);
	}
}

int trace__decode_text(const void *rec, size_t len, char *buf, size_t size)
{
	const struct trace_event_desc *d = trace_event_check(rec, len);
	struct strbuf o = { buf, size, 0 };
	struct trace_rec_hdr h;
	char t[40];
	int i;

	if (size)
		buf[0] = '\0';
	if (!d)
		return -EINVAL;
	memcpy(&h, rec, sizeof(h));
	trace_decode__time(h.ts, t, sizeof(t));
	strbuf__printf(&o, "[%s] %s: {", t, d->name);
	for (i = 0; i < d->nr_fields; i++) {
		strbuf__printf(&o, i ? ", " : " ");
		text_field(&o, rec, &d->fields[i]);
	}
	strbuf__printf(&o, " }");
	return (int)o.len;
}

static void json_field(struct strbuf *o, const void *rec, const struct trace_field_desc *f)
{
	int64_t v;
	const char *name;

	strbuf__printf(o, "\"%s\":", f->name);
	if (f->type == TRACE_FT_bytes || f->type == TRACE_FT_hex) {
		(f->type == TRACE_FT_hex ? out_hex : out_string)(
			o, (const uint8_t *)rec + f->offset, f->size);
		return;
	}
	v = trace_field_get(rec, f);
	name = f->enm ? trace_enum_name(f->enm, v) : NULL;
	if (name)
		strbuf__printf(o, "\"%s\"", name);
	else if (f->type == TRACE_FT_x64)
		strbuf__printf(o, "\"0x%" PRIx64 "\"", (uint64_t)v);
	else if (f->type == TRACE_FT_s32 || f->type == TRACE_FT_s64)
		strbuf__printf(o, "%" PRId64, v);
	else
		strbuf__printf(o, "%" PRIu64, (uint64_t)v);
}

int trace__decode_json(const void *rec, size_t len, char *buf, size_t size)
{
	const struct trace_event_desc *d = trace_event_check(rec, len);
	struct strbuf o = { buf, size, 0 };
	struct trace_rec_hdr h;
	int i;

	if (size)
		buf[0] = '\0';
	if (!d)
		return -EINVAL;
	memcpy(&h, rec, sizeof(h));
	strbuf__printf(&o, "{\"event\":\"%s\",\"id\":%u,\"ts\":%" PRIu64, d->name, d->id, h.ts);
	if (decode_clock_set)
		strbuf__printf(&o, ",\"mono_ns\":%" PRIu64,
			       trace__ts_to_mono_ns(&decode_clock, h.ts));
	strbuf__printf(&o, ",\"fields\":{");
	for (i = 0; i < d->nr_fields; i++) {
		if (i)
			strbuf__printf(&o, ",");
		json_field(&o, rec, &d->fields[i]);
	}
	strbuf__printf(&o, "}}");
	return (int)o.len;
}
