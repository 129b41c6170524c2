/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An LTTng-UST tracepoint with the payload of vmscope's exit event (events.def), for the
 * emit-cost comparison in bench_trace.c.  Built only when liblttng-ust is installed.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER vmscope_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "lttng_tp.h"

#if !defined(VMSCOPE_BENCH_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define VMSCOPE_BENCH_LTTNG_TP_H

#include <lttng/tracepoint.h>

#include "../trace/catalogue.h"

LTTNG_UST_TRACEPOINT_EVENT(
	vmscope_bench, exit, LTTNG_UST_TP_ARGS(const struct trace_exit_args *, a),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, reason, a->reason) lttng_ust_field_integer(
			uint32_t, vcpu, a->vcpu) lttng_ust_field_integer_hex(uint64_t, rip, a->rip)
			lttng_ust_field_integer_hex(uint64_t, qual, a->qual)
				lttng_ust_field_integer(uint32_t, size, a->size)
					lttng_ust_field_integer(uint32_t, dir, a->dir)
						lttng_ust_field_integer_hex(uint64_t, data, a->data)
							lttng_ust_field_integer(uint64_t, guest_ns,
										a->guest_ns)
								lttng_ust_field_integer(uint64_t,
											vmm_ns,
											a->vmm_ns)))

#endif

#include <lttng/tracepoint-event.h>
