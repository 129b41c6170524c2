/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the kernel probes shared by the loader (probes.c) and events.c. */
#ifndef VMSCOPE_PROBES_INT_H
#define VMSCOPE_PROBES_INT_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "../trace/trace.h"
#include "kvm.h"
#include "probes.h"

struct trace_ring;

/* What the loader checks of a tracepoint's prototype in the kernel's BTF. */
struct probes_tp {
	const char *name;
	int opt_in; /* attached only when asked for by name or "all" */
	int nr_args; /* arguments the program reads */
	int vcpu_arg; /* its first argument is a struct kvm_vcpu pointer */
	int more_ok; /* the kernel may pass more arguments than the program reads */
	int raw; /* kvm.bpf.c has a raw_tp fallback, on_<name>_raw */
};

extern const struct probes_tp probes_tps[KP_NR];

/* The programs of a tracepoint, best first: on_<tp> (tp_btf), on_<tp>_raw (raw_tp). */
enum { PV_BTF, PV_RAW, PV_NR };

/* The tracepoint of a program of kvm.bpf.c by its name, and its kind (PV_*); or -1. */
int probes__prog_id(const char *name, int *variant);

/*
 * The verifier's reason in a load log: the line before "processed N insns" (or the log's
 * end), with the one before it when that is prose too ("func 'kvm_pio' arg4 type UNKNOWN is
 * not a struct; invalid bpf_context access off=32 size=8").  out is left as it is when the
 * log has no line.
 */
void probes__log_reason(const char *log, char *out, size_t size);

/*
 * The mapping of bpf_ktime_get_ns() (CLOCK_MONOTONIC) to the trace clock near one instant:
 * an anchor (TSC, CLOCK_MONOTONIC) read together, and the calibrated frequency as a 32.32
 * fixed-point ticks-per-ns multiplier.  Records are converted against the anchor taken just
 * before they are drained, so the frequency's error only scales the few milliseconds between
 * the two, not the time since the trace began.
 */
struct probes_clock {
	int use_tsc; /* 0: the trace clock is CLOCK_MONOTONIC itself */
	uint64_t mult; /* ticks per ns << 32 */
	uint64_t anchor_ts, anchor_ns;
};

void probes_clock__init(struct probes_clock *c, const struct trace_clock_info *ci);
/* Read a fresh anchor (the pair with the shortest TSC window out of a few). */
void probes_clock__anchor(struct probes_clock *c);
uint64_t probes_clock__to_ts(const struct probes_clock *c, uint64_t mono_ns);

/*
 * Write one BPF record into the kernel ring as its catalogue event with timestamp ts.
 * -EINVAL for a record of an unknown tracepoint.
 */
int probes__emit(struct trace_ring *ring, uint64_t ts, const struct kvm_probe_rec *rec);

#endif
