// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor table, expanded from events.def, enums.def and exit_reasons.def.
 * Field offsets follow from the layout rule (no padding, checked in catalogue.h): each
 * field starts where the previous one ended.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "catalogue.h"

/* Enumerations. */
static const struct trace_enum_val kvm_exit_reason_vals[] = {
#define X(name, value) { #name, value },
#include "exit_reasons.def"
#undef X
};

static const struct trace_enum_desc trace_enum_kvm_exit_reason = {
	"kvm_exit_reason",
	sizeof(kvm_exit_reason_vals) / sizeof(kvm_exit_reason_vals[0]),
	kvm_exit_reason_vals,
};

#define V(pfx, name, value) { #name, value },
#define ENUM(ename, values)                                                                        \
	static const struct trace_enum_val ename##_vals[] = { values };                            \
	static const struct trace_enum_desc trace_enum_##ename = {                                 \
		#ename, sizeof(ename##_vals) / sizeof(ename##_vals[0]), ename##_vals               \
	};
#include "enums.def"
#undef ENUM
#undef V

const struct trace_enum_desc *const trace_enums[] = {
	&trace_enum_kvm_exit_reason,
#define ENUM(ename, values) &trace_enum_##ename,
#include "enums.def"
#undef ENUM
};

const struct trace_enum_desc *trace_enum_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(trace_enums) / sizeof(trace_enums[0]); i++)
		if (!strcmp(trace_enums[i]->name, name))
			return trace_enums[i];
	return NULL;
}

const int trace_nr_enums = sizeof(trace_enums) / sizeof(trace_enums[0]);

/* Fields: offsets are filled in by a running sum below (offset 0 = not yet computed). */
#define F(t, n) { #n, TRACE_FT_##t, sizeof(TRACE_T_##t), 0, NULL },
#define FE(t, n, e) { #n, TRACE_FT_##t, sizeof(TRACE_T_##t), 0, &trace_enum_##e },
#define FA(n, len) { #n, TRACE_FT_bytes, len, 0, NULL },
#define FH(n, len) { #n, TRACE_FT_hex, len, 0, NULL },
#define EVENT(name, id, desc, fields) static struct trace_field_desc fields_##name[] = { fields };
#include "events.def"
#undef EVENT
#undef F
#undef FE
#undef FA
#undef FH

const struct trace_event_desc trace_events[] = {
#define EVENT(name, id, desc, fields)                                                              \
	{ #name,                                                                                   \
	  id,                                                                                      \
	  desc,                                                                                    \
	  sizeof(struct trace_ev_##name),                                                          \
	  sizeof(fields_##name) / sizeof(fields_##name[0]),                                        \
	  fields_##name },
#include "events.def"
#undef EVENT
};

const int trace_nr_events = sizeof(trace_events) / sizeof(trace_events[0]);

uint32_t trace_event_sizes[TRACE_SIZE_TABLE];

uint32_t trace_event_size(uint32_t id)
{
	const struct trace_event_desc *d;

	if (id < TRACE_SIZE_TABLE)
		return trace_event_sizes[id];
	d = trace_event_desc(id);
	return d ? d->size : 0;
}

static void __attribute__((constructor)) catalogue_offsets(void)
{
	int i, j;

	for (i = 0; i < trace_nr_events; i++) {
		if (trace_events[i].id < TRACE_SIZE_TABLE)
			trace_event_sizes[trace_events[i].id] = trace_events[i].size;
		struct trace_field_desc *f = (struct trace_field_desc *)trace_events[i].fields;
		uint32_t off = sizeof(struct trace_rec_hdr);

		for (j = 0; j < trace_events[i].nr_fields; j++) {
			f[j].offset = off;
			off += f[j].size;
		}
	}
}

const struct trace_event_desc *trace_event_desc(uint32_t id)
{
	int i;

	for (i = 0; i < trace_nr_events; i++)
		if (trace_events[i].id == id)
			return &trace_events[i];
	return NULL;
}

const struct trace_event_desc *trace_event_check(const void *rec, size_t len)
{
	struct trace_rec_hdr h;
	const struct trace_event_desc *d;

	if (len < sizeof(h))
		return NULL;
	memcpy(&h, rec, sizeof(h));
	d = trace_event_desc(h.id);
	if (!d || h.size != d->size || len < d->size)
		return NULL;
	return d;
}

const char *trace_enum_name(const struct trace_enum_desc *e, int64_t value)
{
	int i;

	for (i = 0; i < e->nr; i++)
		if (e->vals[i].value == value)
			return e->vals[i].name;
	return NULL;
}

int64_t trace_field_get(const void *rec, const struct trace_field_desc *f)
{
	const uint8_t *p = (const uint8_t *)rec + f->offset;
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
		int32_t s32;
		int64_t s64;
	} v;

	memcpy(&v, p, f->size <= 8 ? f->size : 8);
	switch (f->type) {
	case TRACE_FT_u8:
		return v.u8;
	case TRACE_FT_u16:
		return v.u16;
	case TRACE_FT_u32:
		return v.u32;
	case TRACE_FT_s32:
		return v.s32;
	case TRACE_FT_s64:
		return v.s64;
	default:
		return (int64_t)v.u64;
	}
}

int trace__event_id(const char *name)
{
	int i;

	for (i = 0; i < trace_nr_events; i++)
		if (!strcmp(trace_events[i].name, name))
			return trace_events[i].id;
	return -ENOENT;
}

const char *trace__event_name(uint32_t id)
{
	const struct trace_event_desc *d = trace_event_desc(id);

	return d ? d->name : NULL;
}

uint32_t trace__max_event_id(void)
{
	uint32_t max = 0;
	int i;

	for (i = 0; i < trace_nr_events; i++)
		if (trace_events[i].id > max)
			max = trace_events[i].id;
	return max;
}
