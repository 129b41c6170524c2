// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel probes' side that needs no BPF: the tracepoints and their selection, the names
 * of kvm.bpf.c's programs, the verifier's reason in a load log, the clock mapping from
 * bpf_ktime_get_ns() to the trace clock, and the conversion of each BPF record into its
 * catalogue event (trace/events.def: kvm_exit ... kvm_emulate_insn).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "probes_int.h"

/* name, opt-in, arguments read, vcpu first, more arguments allowed, raw_tp fallback */
const struct probes_tp probes_tps[KP_NR] = {
	[KP_kvm_exit] = { "kvm_exit", 0, 2, 1, 0 },
	[KP_kvm_entry] = { "kvm_entry", 0, 1, 1, 1 }, /* 6.10+ adds immediate_exit */
	[KP_kvm_userspace_exit] = { "kvm_userspace_exit", 0, 2, 0, 0 },
	[KP_kvm_pio] = { "kvm_pio", 0, 5, 0, 0, 1 }, /* 6.1 refuses tp_btf on const void * */
	[KP_kvm_mmio] = { "kvm_mmio", 0, 4, 0, 0 },
	[KP_kvm_msr] = { "kvm_msr", 0, 4, 0, 0 },
	[KP_kvm_cpuid] = { "kvm_cpuid", 0, 8, 0, 0 },
	[KP_kvm_inj_exception] = { "kvm_inj_exception", 0, 4, 0, 0 },
	[KP_kvm_page_fault] = { "kvm_page_fault", 0, 3, 1, 0 },
	[KP_kvm_hypercall] = { "kvm_hypercall", 0, 5, 0, 0 },
	[KP_kvm_emulate_insn] = { "kvm_emulate_insn", 1, 2, 1, 0 },
};

_Static_assert(KP_NR <= 16, "probes_stats.by_tp is too small");

const char *probes__tp_name(int i)
{
	return i >= 0 && i < KP_NR ? probes_tps[i].name : NULL;
}

int probes__tp_index(const char *name)
{
	int i;

	for (i = 0; i < KP_NR; i++)
		if (!strcmp(name, probes_tps[i].name))
			return i;
	return -ENOENT;
}

uint32_t probes__default_mask(void)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < KP_NR; i++)
		if (!probes_tps[i].opt_in)
			m |= 1u << i;
	return m;
}

static int probes_item(const char *w, size_t n, uint32_t *mask)
{
	int i;

	if (n == 7 && !strncmp(w, "default", 7)) {
		*mask |= probes__default_mask();
		return 0;
	}
	if (n == 3 && !strncmp(w, "all", 3)) {
		*mask |= (1u << KP_NR) - 1;
		return 0;
	}
	if (n == 4 && !strncmp(w, "none", 4))
		return 0;
	for (i = 0; i < KP_NR; i++) {
		const char *name = probes_tps[i].name;

		if ((strlen(name) == n && !strncmp(w, name, n)) ||
		    (strlen(name + 4) == n && !strncmp(w, name + 4, n))) {
			*mask |= 1u << i;
			return 0;
		}
	}
	return err__set(EINVAL,
			"--kernel-probes: unknown tracepoint '%.*s'; give default, all, none or "
			"names such as kvm_pio,kvm_emulate_insn (docs/probes.md)",
			(int)n, w);
}

int probes__parse(const char *list, uint32_t *mask)
{
	const char *p = list;

	*mask = 0;
	if (!list || !*list)
		return err__set(EINVAL, "--kernel-probes needs a list, e.g. default or all");
	while (*p) {
		size_t n = strcspn(p, ",");
		int ret = n ? probes_item(p, n, mask)
			    : err__set(EINVAL, "--kernel-probes '%s' has an empty item", list);

		if (ret)
			return ret;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* Verifier log lines that are not its reason: instructions, states, source, back-tracking. */
static int probes_log_is_reason(const char *line, size_t n)
{
	static const char *const skip[] = { "from ",	    "last_idx", "regs=", "parent ",
					    "mark_precise", "frame",	"func#", "processed " };
	size_t i;

	if (!n || line[0] < 'a' || line[0] > 'z')
		return 0;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(line, skip[i], strlen(skip[i])))
			return 0;
	return 1;
}

void probes__log_reason(const char *log, char *out, size_t size)
{
	const char *end = strstr(log, "\nprocessed "), *line[2] = { NULL, NULL }, *p, *nl;
	size_t len[2] = { 0, 0 };

	if (!end)
		end = strstr(log, "-- END PROG LOAD LOG --");
	if (!end)
		end = log + strlen(log);
	for (p = log; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		if (nl == p)
			continue;
		line[0] = line[1];
		len[0] = len[1];
		line[1] = p;
		len[1] = nl - p;
	}
	if (!line[1])
		return;
	if (line[0] && probes_log_is_reason(line[0], len[0]))
		snprintf(out, size, "%.*s; %.*s", (int)len[0], line[0], (int)len[1], line[1]);
	else
		snprintf(out, size, "%.*s", (int)len[1], line[1]);
}

int probes__prog_id(const char *name, int *variant)
{
	size_t n;
	int i;

	if (strncmp(name, "on_", 3))
		return -1;
	name += 3;
	for (i = 0; i < KP_NR; i++) {
		n = strlen(probes_tps[i].name);
		if (strncmp(name, probes_tps[i].name, n))
			continue;
		if (!name[n] || !strcmp(name + n, "_raw")) {
			*variant = name[n] ? PV_RAW : PV_BTF;
			return i;
		}
	}
	return -1;
}

void probes_clock__init(struct probes_clock *c, const struct trace_clock_info *ci)
{
	memset(c, 0, sizeof(*c));
	c->use_tsc = ci->is_tsc;
	c->mult = (uint64_t)(((unsigned __int128)ci->freq << 32) / 1000000000u);
	probes_clock__anchor(c);
}

static uint64_t clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void probes_clock__anchor(struct probes_clock *c)
{
	uint64_t best = UINT64_MAX;
	int i;

	if (!c->use_tsc)
		return;
	for (i = 0; i < 5; i++) {
		uint64_t t0 = trace_clock__rdtsc(), ns = clock_mono_ns(), t1 = trace_clock__rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			c->anchor_ts = t0 + (t1 - t0) / 2;
			c->anchor_ns = ns;
		}
	}
}

uint64_t probes_clock__to_ts(const struct probes_clock *c, uint64_t mono_ns)
{
	int64_t d;

	if (!c->use_tsc)
		return mono_ns;
	d = (int64_t)(mono_ns - c->anchor_ns);
	return c->anchor_ts + (uint64_t)(((__int128)d * (__int128)c->mult) >> 32);
}

/* One emitter per event: the record's arguments in the order kvm.bpf.c stored them. */
static void emit_exit(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_exit_ts(r, ts,
			       &(struct trace_kvm_exit_args){ .vcpu = k->vcpu,
							      .cpu = k->cpu,
							      .isa = k->arg[0],
							      .reason = k->arg[1],
							      .rip = k->arg[2] });
}

static void emit_entry(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_entry_ts(
		r, ts,
		&(struct trace_kvm_entry_args){ .vcpu = k->vcpu, .cpu = k->cpu, .rip = k->arg[0] });
}

static void emit_userspace_exit(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_userspace_exit_ts(
		r, ts,
		&(struct trace_kvm_userspace_exit_args){ .vcpu = k->vcpu,
							 .cpu = k->cpu,
							 .reason = k->arg[0],
							 .ret = (int32_t)k->arg[1] });
}

static void emit_pio(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_pio_ts(r, ts,
			      &(struct trace_kvm_pio_args){ .vcpu = k->vcpu,
							    .cpu = k->cpu,
							    .rw = k->arg[0],
							    .port = k->arg[1],
							    .size = k->arg[2],
							    .count = k->arg[3],
							    .data = k->arg[4] });
}

static void emit_mmio(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_mmio_ts(r, ts,
			       &(struct trace_kvm_mmio_args){ .vcpu = k->vcpu,
							      .cpu = k->cpu,
							      .type = k->arg[0],
							      .len = k->arg[1],
							      .gpa = k->arg[2],
							      .val = k->arg[3] });
}

static void emit_msr(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_msr_ts(r, ts,
			      &(struct trace_kvm_msr_args){ .vcpu = k->vcpu,
							    .cpu = k->cpu,
							    .index = k->arg[0],
							    .rw = k->arg[1],
							    .exception = k->arg[2],
							    .data = k->arg[3] });
}

static void emit_cpuid(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_cpuid_ts(
		r, ts,
		&(struct trace_kvm_cpuid_args){ .vcpu = k->vcpu,
						.cpu = k->cpu,
						.function = (uint32_t)k->arg[0],
						.index = k->arg[0] >> 32,
						.rax = k->arg[1],
						.rbx = k->arg[2],
						.rcx = k->arg[3],
						.rdx = k->arg[4],
						.found = (uint32_t)k->arg[5],
						.used_max_basic = k->arg[5] >> 32 });
}

static void emit_inj_exception(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_inj_exception_ts(
		r, ts,
		&(struct trace_kvm_inj_exception_args){ .vcpu = k->vcpu,
							.cpu = k->cpu,
							.vector = k->arg[0],
							.error_code = k->arg[1],
							.has_error = k->arg[2],
							.reinjected = k->arg[3] });
}

static void emit_page_fault(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_page_fault_ts(
		r, ts,
		&(struct trace_kvm_page_fault_args){ .vcpu = k->vcpu,
						     .cpu = k->cpu,
						     .rip = k->arg[0],
						     .address = k->arg[1],
						     .error_code = k->arg[2] });
}

static void emit_hypercall(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	trace_emit_kvm_hypercall_ts(r, ts,
				    &(struct trace_kvm_hypercall_args){ .vcpu = k->vcpu,
									.cpu = k->cpu,
									.nr = k->arg[0],
									.a0 = k->arg[1],
									.a1 = k->arg[2],
									.a2 = k->arg[3],
									.a3 = k->arg[4] });
}

static void emit_emulate_insn(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k)
{
	struct trace_kvm_emulate_insn_args a = {
		.vcpu = k->vcpu, .cpu = k->cpu, .rip = k->arg[0], .len = k->len, .failed = k->arg[1]
	};

	memcpy(a.insn, k->insn, sizeof(a.insn));
	trace_emit_kvm_emulate_insn_ts(r, ts, &a);
}

typedef void (*probes_emit_fn)(struct trace_ring *r, uint64_t ts, const struct kvm_probe_rec *k);

static const probes_emit_fn probes_emitters[KP_NR] = {
	[KP_kvm_exit] = emit_exit,
	[KP_kvm_entry] = emit_entry,
	[KP_kvm_userspace_exit] = emit_userspace_exit,
	[KP_kvm_pio] = emit_pio,
	[KP_kvm_mmio] = emit_mmio,
	[KP_kvm_msr] = emit_msr,
	[KP_kvm_cpuid] = emit_cpuid,
	[KP_kvm_inj_exception] = emit_inj_exception,
	[KP_kvm_page_fault] = emit_page_fault,
	[KP_kvm_hypercall] = emit_hypercall,
	[KP_kvm_emulate_insn] = emit_emulate_insn,
};

int probes__emit(struct trace_ring *ring, uint64_t ts, const struct kvm_probe_rec *rec)
{
	if (rec->tp >= KP_NR || !probes_emitters[rec->tp])
		return -EINVAL;
	probes_emitters[rec->tp](ring, ts, rec);
	return 0;
}
