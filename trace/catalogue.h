/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event catalogue, expanded from events.def (and enums.def, exit_reasons.def):
 *
 *   enum { TRACE_EV_<name> = id }             event ids
 *   struct trace_<name>_args { fields }       an event's fields
 *   struct trace_ev_<name> { hdr; fields }    the record, as in the ring and the CTF stream
 *   trace_emit(<name>, ring, .field = v, ...) emit now (reads the trace clock)
 *   trace_emit_<name>_ts(ring, ts, &args)     emit with a timestamp taken by the caller
 *   trace__emit_<name>(ring, ts, &args)       the same without the nesting guard (callers
 *                                              that hold it: trace_nest_enter())
 *   trace_events[], trace_event_desc(id)      the descriptor table (catalogue.c), from which
 *                                              the CTF metadata and the decoders are built
 *
 * An emit with a NULL ring does nothing: tracing off costs one predictable branch.
 */
#ifndef VMSCOPE_TRACE_CATALOGUE_H
#define VMSCOPE_TRACE_CATALOGUE_H

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "ring.h"
#include "trace.h"

#define TRACE_T_u8 uint8_t
#define TRACE_T_u16 uint16_t
#define TRACE_T_u32 uint32_t
#define TRACE_T_u64 uint64_t
#define TRACE_T_x64 uint64_t
#define TRACE_T_s32 int32_t
#define TRACE_T_s64 int64_t

enum trace_event_id {
#define EVENT(name, id, desc, fields) TRACE_EV_##name = id,
#include "events.def"
#undef EVENT
};

/* The fields of each event, once as an argument struct and once inside the record. */
#define F(t, n) TRACE_T_##t n;
#define FE(t, n, e) TRACE_T_##t n;
#define FA(n, len) uint8_t n[len];
#define FH(n, len) uint8_t n[len];
#define EVENT(name, id, desc, fields)                                                              \
	struct trace_##name##_args {                                                               \
		fields                                                                             \
	};                                                                                         \
	struct trace_ev_##name {                                                                   \
		struct trace_rec_hdr hdr;                                                          \
		struct {                                                                           \
			fields                                                                     \
		};                                                                                 \
	};
#include "events.def"
#undef EVENT
#undef F
#undef FE
#undef FA
#undef FH

/* The layout rule of events.def: no padding anywhere, records a multiple of 8 bytes. */
#define F(t, n) +sizeof(TRACE_T_##t)
#define FE(t, n, e) +sizeof(TRACE_T_##t)
#define FA(n, len) +(len)
#define FH(n, len) +(len)
#define EVENT(name, id, desc, fields)                                                              \
	_Static_assert(sizeof(struct trace_ev_##name) == sizeof(struct trace_rec_hdr) fields &&    \
			       sizeof(struct trace_ev_##name) % 8 == 0,                            \
		       "event " #name " breaks the layout rule of events.def (reorder or pad)");
#include "events.def"
#undef EVENT
#undef F
#undef FE
#undef FA
#undef FH

_Static_assert(TRACE_EV_lost == TRACE_LOST_ID, "ring.h's LOST id differs from events.def");
_Static_assert(sizeof(struct trace_rec_hdr) == 16, "record header must be 16 bytes");

/*
 * Field-by-field copy of the arguments into the record: after inlining the compiler stores
 * each value straight into the ring (a memcpy of the argument struct would reload it from
 * the stack with wide loads that cannot be forwarded from the narrow stores filling it).
 */
#define F(t, n) d->n = a->n;
#define FE(t, n, e) d->n = a->n;
#define FA(n, len) memcpy(d->n, a->n, len);
#define FH(n, len) memcpy(d->n, a->n, len);
#define EVENT(name, id, desc, fields)                                                              \
	static inline void trace__copy_##name(struct trace_ev_##name *d,                           \
					      const struct trace_##name##_args *a)                 \
	{                                                                                          \
		fields                                                                             \
	}
#include "events.def"
#undef EVENT
#undef F
#undef FE
#undef FA
#undef FH

#define EVENT(name, id, desc, fields)                                                              \
	static inline void trace__emit_##name(struct trace_ring *r, uint64_t ts,                   \
					      const struct trace_##name##_args *a)                 \
	{                                                                                          \
		struct trace_ev_##name *e =                                                        \
			trace_ring__reserve_raw(r, sizeof(*e), TRACE_EV_##name, ts);               \
		if (!e)                                                                            \
			return;                                                                    \
		trace__copy_##name(e, a);                                                          \
		trace_ring__commit_raw(r, sizeof(*e));                                             \
	}                                                                                          \
	static inline void trace_emit_##name##_ts(struct trace_ring *r, uint64_t ts,               \
						  const struct trace_##name##_args *a)             \
	{                                                                                          \
		struct trace_ev_##name *e;                                                         \
		if (!r)                                                                            \
			return;                                                                    \
		e = trace_ring__reserve(r, sizeof(*e), TRACE_EV_##name, ts);                       \
		if (!e)                                                                            \
			return;                                                                    \
		trace__copy_##name(e, a);                                                          \
		trace_ring__commit(r, sizeof(*e));                                                 \
	}
#include "events.def"
#undef EVENT

/*
 * trace_emit(exit, ring, .reason = r, .vcpu = 0, ...): emit now; fields not named are 0.
 * One macro for every event (a per-event macro cannot be generated from the table).
 */
#define trace_emit(name, r, ...)                                                                   \
	do {                                                                                       \
		struct trace_ring *r_ = (r);                                                       \
		if (r_)                                                                            \
			trace_emit_##name##_ts(                                                    \
				r_, trace_clock__now(),                                            \
				&(const struct trace_##name##_args){ __VA_ARGS__ });               \
	} while (0)

/* Descriptors. */
enum trace_field_type {
	TRACE_FT_u8,
	TRACE_FT_u16,
	TRACE_FT_u32,
	TRACE_FT_u64,
	TRACE_FT_x64, /* u64 shown in hex */
	TRACE_FT_s32,
	TRACE_FT_s64,
	TRACE_FT_bytes, /* FA: fixed array of bytes (text) */
	TRACE_FT_hex, /* FH: fixed array of bytes shown in hex (instruction bytes) */
};

struct trace_enum_val {
	const char *name;
	int64_t value;
};

struct trace_enum_desc {
	const char *name;
	int nr;
	const struct trace_enum_val *vals;
};

struct trace_field_desc {
	const char *name;
	enum trace_field_type type;
	uint32_t size; /* bytes */
	uint32_t offset; /* from the start of the record (header included) */
	const struct trace_enum_desc *enm; /* FE: the enumeration; else NULL */
};

struct trace_event_desc {
	const char *name;
	uint32_t id;
	const char *desc;
	uint32_t size; /* record bytes, header included */
	int nr_fields;
	const struct trace_field_desc *fields;
};

extern const struct trace_event_desc trace_events[];
extern const int trace_nr_events;
extern const struct trace_enum_desc *const trace_enums[];
extern const int trace_nr_enums;

/* The descriptor of an id, or NULL. */
const struct trace_event_desc *trace_event_desc(uint32_t id);

/* Record size of an event id (header included), 0 if the id is unknown. */
uint32_t trace_event_size(uint32_t id);

/* The same for ids below TRACE_SIZE_TABLE, for the consumer's inner loop. */
#define TRACE_SIZE_TABLE 256
extern uint32_t trace_event_sizes[TRACE_SIZE_TABLE];

/* A record that is a known event of the right size: its descriptor, else NULL. */
const struct trace_event_desc *trace_event_check(const void *rec, size_t len);

/* The enumeration of enums.def called name ("rtm_cause" ...), or NULL. */
const struct trace_enum_desc *trace_enum_by_name(const char *name);

/* Name of an enumeration value, or NULL. */
const char *trace_enum_name(const struct trace_enum_desc *e, int64_t value);

/* Read field f of rec as an integer (sign-extended for signed types). */
int64_t trace_field_get(const void *rec, const struct trace_field_desc *f);

#endif
