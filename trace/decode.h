/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding records to text and JSON (the functions are declared in trace.h:
 * trace__decode_text, trace__decode_json, trace__decode_set_clock).  This header adds the
 * pieces readers of whole traces use.
 */
#ifndef VMSCOPE_TRACE_DECODE_H
#define VMSCOPE_TRACE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

/* "HH:MM:SS.nnnnnnnnn" (UTC) of ts with the decoder's clock, or the raw ticks without one. */
void trace_decode__time(uint64_t ts, char *buf, size_t size);

#endif
