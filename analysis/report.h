/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmscope report: statistics of the exits in a CTF trace written by `vmscope run --trace`,
 * per exit reason and per vCPU, in the shape of `perf kvm stat report`: count, share, and
 * min/mean/p50/p99/max of the time in the guest before each exit (guest_ns) and the time the
 * VMM spent handling it (vmm_ns), with totals and the events the trace lost.
 *
 * The collector (report_stats.c) is independent of how the trace is read; report_ctf.c
 * feeds it from libbabeltrace2.  Percentiles are exact: every value is kept (16 bytes per
 * exit) and the order statistics are taken from the sorted values.
 */
#ifndef VMSCOPE_REPORT_H
#define VMSCOPE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#define REPORT_MAX_REASONS 256 /* reason codes at or above this are counted as 255 */
#define REPORT_MAX_VCPUS 4096

struct report;

struct report *report__new(void);
void report__free(struct report *r);

/* One exit event.  0, -ERANGE for a vCPU id beyond REPORT_MAX_VCPUS, -ENOMEM. */
int report__add_exit(struct report *r, uint32_t vcpu, uint32_t reason, const char *reason_name,
		     uint64_t guest_ns, uint64_t vmm_ns);
/* The timestamp (ns from the clock's origin) of any event: the trace's time span. */
void report__add_time(struct report *r, uint64_t ns);
/* Any other event, counted by name. */
int report__add_other(struct report *r, const char *event);
/* Events the reader was told were discarded (CTF packets' events_discarded), by stream. */
int report__add_discarded(struct report *r, const char *stream, uint64_t count);
/* The count of an in-band `lost` record (a ring that was full). */
void report__add_lost(struct report *r, uint64_t count);

/*
 * One kernel event (a kvm_* event of `vmscope run --kernel-probes`, probes/): its name, vCPU
 * and time, and the fields the report reads.  0, -ERANGE (vCPU id), -ENOMEM.
 */
struct report_kvm_ev {
	const char *name;
	uint32_t vcpu;
	uint64_t ns;
	uint32_t isa, reason; /* kvm_exit; kvm_userspace_exit: reason */
	int32_t ret; /* kvm_userspace_exit */
	uint32_t type; /* kvm_mmio */
};

int report__add_kvm(struct report *r, const struct report_kvm_ev *e);
/* Records lost in the kernel streams (in-band lost records there). */
void report__add_kvm_lost(struct report *r, uint64_t count);
/* The trace's env.kernel_probes: the tracepoints the probes attached to. */
void report__set_kvm_probes(struct report *r, const char *probes);

/*
 * One syscall_entry (exit = 0) or syscall_exit event of a GEARS capture: cycles is its
 * time in the trace clock's ticks, entry_cycles (exits) its entry's; ns its time from the
 * clock's origin.  Strings are copied.  0 or -ENOMEM.
 */
struct report_sys_ev {
	int exit;
	uint32_t vcpu, nr;
	int32_t pid;
	uint64_t cr3, cycles, entry_cycles, ns;
	int64_t ret;
	const char *name, *text;
};

int report__add_syscall(struct report *r, const struct report_sys_ev *e);

/* An RTME transaction event (tx_begin, tx_commit, tx_abort; rtme/rtme.h). */
enum report_tx_kind { REPORT_TX_BEGIN, REPORT_TX_COMMIT, REPORT_TX_ABORT };

struct report_tx_ev {
	enum report_tx_kind kind;
	uint32_t vcpu, cause; /* cause: tx_abort's (enum rtm_cause) */
	uint64_t rip; /* tx_abort: where it aborted */
	uint32_t reads, writes, insns;
	uint64_t duration_ns;
};

/* 0, -ERANGE (a vCPU beyond 255, an unknown cause), -ENOMEM. */
int report__add_tx(struct report *r, const struct report_tx_ev *e);

/*
 * `report --tx`: transactions begun, committed and aborted by cause, per vCPU and in total;
 * set sizes, instructions and times of commits and aborts; where aborts happened.  Text or
 * JSON.  0, or -ENODATA (no transaction in the trace) with a message.
 */
int report__print_tx_text(struct report *r, const char *trace, FILE *f);
int report__print_tx_json(struct report *r, const char *trace, FILE *f);
/* The trace clock's frequency (ticks per second): call times come from it. */
void report__set_clock_freq(struct report *r, double freq);
size_t report__syscall_events(const struct report *r);

/*
 * `report --syscalls`: a summary like strace -c, in total and per address space; the calls
 * one per line in time order, like strace (list); or JSON (with the calls when list).
 * 0, -ENODATA when the trace has no system calls, -ENOMEM; each with a message.
 */
int report__print_syscalls_text(struct report *r, const char *trace, FILE *f);
int report__print_syscall_list(struct report *r, FILE *f);
int report__print_syscalls_json(struct report *r, const char *trace, int list, FILE *f);

/* Sort the values; call once after the last add and before printing. */
int report__finish(struct report *r);

/*
 * Print the tables (text) or one JSON object on one line (json-c; 0, or -ENOMEM with a
 * message).  trace names the trace in the heading.
 */
void report__print_text(struct report *r, const char *trace, FILE *f);
int report__print_json(struct report *r, const char *trace, FILE *f);

/*
 * Read the CTF trace in dir with libbabeltrace2 into r.  0, or -errno with a message naming
 * the problem (with babeltrace2's own causes); -EOPNOTSUPP in a build without babeltrace2.
 */
int report__read_ctf(struct report *r, const char *dir);

/* Exact order statistic: the k-th smallest (1-based) of the union of m sorted arrays. */
uint64_t report__kth(const uint64_t *const *arrays, const uint64_t *lens, int m, uint64_t k);

#endif
