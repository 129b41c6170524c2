/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel probes (docs/probes.md): BPF programs on KVM's tracepoints see the exits KVM handles
 * inside the kernel, which never reach vmscope's run loop.  They keep only the events of
 * this process's vCPU threads, each mapped to its vCPU, and pass them through a BPF ring
 * buffer to a drain thread, which writes them, on the trace clock, into one kernel stream
 * per vCPU of the trace (DIR/kernel<N>) beside the vCPU's own stream.
 *
 * Use: probes__open() before trace__start() (it says which tracepoints it attached, for the
 * trace's metadata, and whether there are kernel streams at all), probes__start() after it
 * and before vm__start(), probes__stop() after the vCPU threads have been joined and before
 * trace__stop(), then probes__free().
 */
#ifndef VMSCOPE_PROBES_H
#define VMSCOPE_PROBES_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct trace_session;
struct probes;

/* Bit i: tracepoint i of probes/kvm.h (enum kvm_probe_tp). */
#define PROBES_DEFAULT 0u /* every tracepoint except the opt-in ones (kvm_emulate_insn) */

/*
 * Parse a --kernel-probes list: comma-separated "default", "all", "none" and tracepoint
 * names (kvm_pio or pio).  0 and the set in *mask, or -EINVAL with a message.
 */
int probes__parse(const char *list, uint32_t *mask);

/* The set "default" stands for. */
uint32_t probes__default_mask(void);

/* Name of tracepoint i, or NULL; the index of a name (probes_stats.by_tp), or -ENOENT. */
const char *probes__tp_name(int i);
int probes__tp_index(const char *name);

/* What a trial load of every program gives here (probes__check). */
struct probes_check {
	char attached[512]; /* the tracepoints attached, space-separated */
	char notes[2048]; /* one line per tracepoint not attached, or attached through a
			   * fallback, with why ("kvm_pio: attached as raw_tp: ...") */
	char why[512]; /* when none could be: what is missing */
};

/*
 * Can kernel probes run here?  Loads and attaches the programs of every tracepoint vmscope
 * knows, as a run would (nothing is recorded), then detaches them.  0 when at least one was
 * attached; else -errno and why (what is missing: the build's clang/bpftool/libbpf/BTF, the
 * kernel's BTF, BPF privileges, or what the kernel refused).  The notes name each tracepoint
 * that was not attached, and why; a failure without notes came before any tracepoint was
 * tried (the build, the kernel's BTF, privileges, the BPF object as a whole).
 */
int probes__check(struct probes_check *c);

struct probes_opts {
	uint32_t mask; /* tracepoints wanted (0: PROBES_DEFAULT) */
	uint64_t buffer_size; /* BPF ring buffer bytes (0: 4 MiB per vCPU); rounded up to a
			       * power of two, at most 64 MiB */
};

/*
 * Load the BPF programs for vm's process and attach those of o->mask that this kernel has.
 * Each tracepoint's program is loaded and attached on its own terms: one the kernel refuses
 * (or that cannot be attached) is left out, or replaced by its raw_tp fallback, and the
 * others go on.  What was left out or replaced is printed on stderr, one line per tracepoint
 * with why ("vmscope: kernel probe kvm_pio: ...", probes__notes()).  NULL with errno and a
 * message (err__msg) that names what is missing when nothing could be attached; the caller
 * goes on without kernel events.
 */
struct probes *probes__open(struct vm *vm, const struct probes_opts *o);

/* The tracepoints attached, space-separated ("kvm_userspace_exit kvm_pio ..."). */
const char *probes__attached(const struct probes *p);

/*
 * The tracepoints asked for that were not attached, or attached through a fallback, with
 * why: one line each ("kvm_pio: attached as raw_tp: ..."); "" when there are none.
 */
const char *probes__notes(const struct probes *p);

/*
 * Start draining into s's kernel streams (trace_opts.kernel_streams) and map each vCPU
 * thread to its vCPU as it starts (vm->on_vcpu_thread).  0 or -errno (message set).
 */
int probes__start(struct probes *p, struct trace_session *s);

/* Drain what is left (vCPU threads joined) and stop.  0 or -errno (message set). */
int probes__stop(struct probes *p);

/* Detach and free; NULL is fine. */
void probes__free(struct probes *p);

struct probes_stats {
	uint64_t records; /* kernel events written to the trace */
	uint64_t lost; /* records the BPF ring buffer had no room for */
	uint64_t by_tp[16]; /* records per tracepoint (enum kvm_probe_tp) */
	uint64_t drain_cpu_ns; /* CPU time spent draining (the drain thread and the last drain) */
};

void probes__stats(const struct probes *p, struct probes_stats *st);

#endif
