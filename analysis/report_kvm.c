// SPDX-License-Identifier: GPL-2.0
/*
 * The report's kernel section (docs/probes.md): the kernel events of `vmscope run
 * --kernel-probes`, counted per event and vCPU, and the exits KVM handled in the kernel.
 *
 * - Where kvm_exit fires (VMX, SVM), each vCPU's kernel stream is read in time order: a
 *   kvm_exit followed by a kvm_userspace_exit went to user space; one followed by kvm_entry
 *   stayed in the kernel, which took entry - exit to handle it.  Rows by exit reason.
 * - Everywhere, in-kernel work by kind from the events that fire on every host: port I/O
 *   KVM completed itself (kvm_pio events less IO exits to user space; KVM fires kvm_pio once
 *   per access, at the exit for a write, at the completion for a read), MMIO likewise
 *   (kvm_mmio WRITE and READ events less MMIO exits to user space), and the instructions
 *   KVM's emulator ran (kvm_emulate_insn), MSR, CPUID, exception, page-fault and hypercall
 *   events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonc.h"
#include "../trace/catalogue.h"
#include "report_int.h"

/* The kernel events of trace/events.def, by name. */
enum kvm_ev {
	KE_exit,
	KE_entry,
	KE_userspace_exit,
	KE_pio,
	KE_mmio,
	KE_msr,
	KE_cpuid,
	KE_inj_exception,
	KE_page_fault,
	KE_hypercall,
	KE_emulate_insn,
	KVM_MAX_EVENTS
};

static const char *const kvm_event_names[KVM_MAX_EVENTS] = {
	"kvm_exit",	  "kvm_entry",	   "kvm_userspace_exit", "kvm_pio",
	"kvm_mmio",	  "kvm_msr",	   "kvm_cpuid",		 "kvm_inj_exception",
	"kvm_page_fault", "kvm_hypercall", "kvm_emulate_insn",
};

#define KVM_USER_REASONS 64 /* kvm_userspace_exit reasons counted by number */
#define MMIO_READ 1
#define MMIO_WRITE 2

/* One kvm_exit reason of one vCPU. */
struct kvm_reason {
	uint32_t isa, reason;
	uint64_t to_user;
	struct cell in_kernel; /* guest values: kvm_exit to kvm_entry, ns */
};

struct kvm_vcpu {
	uint64_t by_event[KVM_MAX_EVENTS];
	uint64_t user_by_reason[KVM_USER_REASONS];
	uint64_t mmio_by_type[3];
	struct kvm_reason *reasons;
	int nr_reasons;
	int pending; /* a kvm_exit waits for its kvm_entry or kvm_userspace_exit */
	uint32_t pending_isa, pending_reason;
	uint64_t pending_ns;
};

struct report_kvm {
	struct kvm_vcpu *vcpus;
	int nr_vcpus;
	uint64_t events, lost;
	char probes[512]; /* env.kernel_probes: what was attached */
};

static int kvm_event_index(const char *name)
{
	int i;

	for (i = 0; i < KVM_MAX_EVENTS; i++)
		if (!strcmp(name, kvm_event_names[i]))
			return i;
	return -1;
}

static struct report_kvm *kvm_of(struct report *r)
{
	if (!r->kvm)
		r->kvm = calloc(1, sizeof(*r->kvm));
	return r->kvm;
}

static struct kvm_vcpu *kvm_vcpu(struct report_kvm *k, uint32_t vcpu)
{
	struct kvm_vcpu *p;

	if (vcpu < (uint32_t)k->nr_vcpus)
		return &k->vcpus[vcpu];
	p = realloc(k->vcpus, (vcpu + 1) * sizeof(*p));
	if (!p)
		return NULL;
	memset(p + k->nr_vcpus, 0, (vcpu + 1 - k->nr_vcpus) * sizeof(*p));
	k->vcpus = p;
	k->nr_vcpus = vcpu + 1;
	return &p[vcpu];
}

static struct kvm_reason *kvm_reason(struct kvm_vcpu *v, uint32_t isa, uint32_t reason)
{
	struct kvm_reason *p;
	int i;

	for (i = 0; i < v->nr_reasons; i++)
		if (v->reasons[i].isa == isa && v->reasons[i].reason == reason)
			return &v->reasons[i];
	p = realloc(v->reasons, (v->nr_reasons + 1) * sizeof(*p));
	if (!p)
		return NULL;
	v->reasons = p;
	p += v->nr_reasons++;
	memset(p, 0, sizeof(*p));
	p->isa = isa;
	p->reason = reason;
	return p;
}

/* The kvm_exit waiting on v ends: in user space, or (at kvm_entry) in the kernel at ns. */
static int kvm_close_exit(struct kvm_vcpu *v, int to_user, uint64_t ns)
{
	struct kvm_reason *k;

	if (!v->pending)
		return 0;
	v->pending = 0;
	k = kvm_reason(v, v->pending_isa, v->pending_reason);
	if (!k)
		return -ENOMEM;
	if (to_user) {
		k->to_user++;
		return 0;
	}
	return values__add(&k->in_kernel.guest, ns >= v->pending_ns ? ns - v->pending_ns : 0);
}

int report__add_kvm(struct report *r, const struct report_kvm_ev *e)
{
	struct report_kvm *k = kvm_of(r);
	struct kvm_vcpu *v = k && e->vcpu < REPORT_MAX_VCPUS ? kvm_vcpu(k, e->vcpu) : NULL;
	int i = kvm_event_index(e->name);

	if (!k || !v)
		return k && e->vcpu >= REPORT_MAX_VCPUS ? -ERANGE : -ENOMEM;
	k->events++;
	if (i >= 0)
		v->by_event[i]++;
	switch (i) {
	case KE_exit:
		v->pending = 1;
		v->pending_isa = e->isa;
		v->pending_reason = e->reason;
		v->pending_ns = e->ns;
		return 0;
	case KE_entry:
		return kvm_close_exit(v, 0, e->ns);
	case KE_userspace_exit:
		/* A failed KVM_RUN (-EINTR: a kick) leaves the previous exit's reason. */
		if (e->ret == -EINTR)
			v->user_by_reason[10]++; /* KVM_EXIT_INTR, as vmscope sees it */
		else if (!e->ret && e->reason < KVM_USER_REASONS)
			v->user_by_reason[e->reason]++;
		return kvm_close_exit(v, 1, e->ns);
	case KE_mmio:
		if (e->type < 3)
			v->mmio_by_type[e->type]++;
		return 0;
	default:
		return 0;
	}
}

void report__add_kvm_lost(struct report *r, uint64_t count)
{
	struct report_kvm *k = kvm_of(r);

	if (k)
		k->lost += count;
}

void report__set_kvm_probes(struct report *r, const char *probes)
{
	struct report_kvm *k = kvm_of(r);

	if (k && !k->probes[0])
		snprintf(k->probes, sizeof(k->probes), "%s", probes);
}

void report_kvm__free(struct report *r)
{
	struct report_kvm *k = r->kvm;
	int i, j;

	if (!k)
		return;
	for (i = 0; i < k->nr_vcpus; i++) {
		for (j = 0; j < k->vcpus[i].nr_reasons; j++)
			free(k->vcpus[i].reasons[j].in_kernel.guest.v);
		free(k->vcpus[i].reasons);
	}
	free(k->vcpus);
	free(k);
	r->kvm = NULL;
}

void report_kvm__finish(struct report *r)
{
	struct report_kvm *k = r->kvm;
	int i, j;

	for (i = 0; k && i < k->nr_vcpus; i++)
		for (j = 0; j < k->vcpus[i].nr_reasons; j++)
			values__sort(&k->vcpus[i].reasons[j].in_kernel.guest);
}

/* In-kernel work by kind, from events every host fires: see the comment at the top. */
enum kvm_kind {
	KIND_EMULATE,
	KIND_PIO,
	KIND_MMIO,
	KIND_MSR,
	KIND_CPUID,
	KIND_EXCEPTION,
	KIND_PAGE_FAULT,
	KIND_HYPERCALL,
	KIND_NR
};

static const struct {
	const char *name;
	int event; /* the tracepoint it needs */
} kvm_kinds[KIND_NR] = {
	[KIND_EMULATE] = { "emulated instruction", KE_emulate_insn },
	[KIND_PIO] = { "port I/O", KE_pio },
	[KIND_MMIO] = { "MMIO", KE_mmio },
	[KIND_MSR] = { "MSR access", KE_msr },
	[KIND_CPUID] = { "CPUID", KE_cpuid },
	[KIND_EXCEPTION] = { "exception injected", KE_inj_exception },
	[KIND_PAGE_FAULT] = { "page fault", KE_page_fault },
	[KIND_HYPERCALL] = { "hypercall", KE_hypercall },
};

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* In kernel and to user space (UINT64_MAX: not applicable) of one kind on vCPU v. */
static void kvm_kind_counts(const struct kvm_vcpu *v, int kind, uint64_t *in, uint64_t *user)
{
	*user = UINT64_MAX;
	*in = v->by_event[kvm_kinds[kind].event];
	if (kind == KIND_PIO) {
		*user = v->user_by_reason[2]; /* KVM_EXIT_IO */
		*in = sub0(*in, *user);
	} else if (kind == KIND_MMIO) {
		*user = v->user_by_reason[6]; /* KVM_EXIT_MMIO */
		*in = sub0(v->mmio_by_type[MMIO_READ] + v->mmio_by_type[MMIO_WRITE], *user);
	}
}

/* Whether the trace has the kind's tracepoint (attached, or at least one event of it). */
static int kvm_kind_present(const struct report_kvm *k, int kind)
{
	const char *name = kvm_event_names[kvm_kinds[kind].event];
	uint64_t n = 0;
	int i;

	if (k->probes[0]) {
		const char *p = strstr(k->probes, name);

		return p && (p == k->probes || p[-1] == ' ') &&
		       (p[strlen(name)] == ' ' || !p[strlen(name)]);
	}
	for (i = 0; i < k->nr_vcpus; i++)
		n += k->vcpus[i].by_event[kvm_kinds[kind].event];
	return n > 0;
}

static const char *kvm_reason_name(uint32_t isa, uint32_t reason, char *buf, size_t size)
{
	const char *want = isa == 1 ? "vmx_exit_reason" : isa == 2 ? "svm_exit_reason" : "";
	const char *name = NULL;
	int i;

	for (i = 0; i < trace_nr_enums && !name; i++)
		if (!strcmp(trace_enums[i]->name, want))
			name = trace_enum_name(trace_enums[i], reason);
	if (name)
		return name;
	snprintf(buf, size, "%s_%u", isa == 1 ? "VMX" : isa == 2 ? "SVM" : "ISA", reason);
	return buf;
}

/* A row of the reason table: a (isa, reason) over one vCPU (vcpu >= 0) or all. */
struct kvm_row {
	int vcpu;
	uint32_t isa, reason;
	uint64_t in_kernel, to_user;
	struct cell **cells;
	int nr;
};

static int kvm_row_add(struct kvm_row *row, struct kvm_reason *k)
{
	struct cell **p = realloc(row->cells, (row->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	row->cells = p;
	p[row->nr++] = &k->in_kernel;
	row->in_kernel += k->in_kernel.guest.n;
	row->to_user += k->to_user;
	return 0;
}

static struct kvm_row *kvm_row_find(struct kvm_row **rows, int *n, int vcpu, uint32_t isa,
				    uint32_t reason)
{
	struct kvm_row *p;
	int i;

	for (i = 0; i < *n; i++)
		if ((*rows)[i].vcpu == vcpu && (*rows)[i].isa == isa && (*rows)[i].reason == reason)
			return &(*rows)[i];
	p = realloc(*rows, (*n + 1) * sizeof(*p));
	if (!p)
		return NULL;
	*rows = p;
	p += (*n)++;
	*p = (struct kvm_row){ .vcpu = vcpu, .isa = isa, .reason = reason };
	return p;
}

static int kvm_row_cmp(const void *a, const void *b)
{
	const struct kvm_row *x = a, *y = b;
	uint64_t nx = x->in_kernel + x->to_user, ny = y->in_kernel + y->to_user;

	if (x->vcpu != y->vcpu)
		return x->vcpu - y->vcpu;
	if (nx != ny)
		return nx < ny ? 1 : -1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

/* Rows by reason over all vCPUs, then (by_vcpu) per vCPU; NULL and *n = 0 if none. */
static struct kvm_row *kvm_rows(const struct report_kvm *k, int by_vcpu, int *n)
{
	struct kvm_row *rows = NULL, *row;
	int i, j;

	*n = 0;
	for (i = 0; i < k->nr_vcpus; i++)
		for (j = 0; j < k->vcpus[i].nr_reasons; j++) {
			struct kvm_reason *kr = &k->vcpus[i].reasons[j];

			row = kvm_row_find(&rows, n, by_vcpu ? i : -1, kr->isa, kr->reason);
			if (!row || kvm_row_add(row, kr))
				return rows;
		}
	if (rows)
		qsort(rows, *n, sizeof(*rows), kvm_row_cmp);
	return rows;
}

static void kvm_rows_free(struct kvm_row *rows, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(rows[i].cells);
	free(rows);
}

static int kvm_nr_vcpus(const struct report_kvm *k)
{
	int i, n = 0;

	for (i = 0; i < k->nr_vcpus; i++)
		n += k->vcpus[i].by_event[KE_userspace_exit] || k->vcpus[i].nr_reasons;
	return n;
}

static uint64_t kvm_event_total(const struct report_kvm *k, int vcpu, int ev)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < k->nr_vcpus; i++)
		if (vcpu < 0 || vcpu == i)
			n += k->vcpus[i].by_event[ev];
	return n;
}

static void kvm_kind_total(const struct report_kvm *k, int vcpu, int kind, uint64_t *in,
			   uint64_t *user)
{
	int i;

	*in = 0;
	*user = 0;
	for (i = 0; i < k->nr_vcpus; i++) {
		uint64_t a, b;

		if (vcpu >= 0 && vcpu != i)
			continue;
		kvm_kind_counts(&k->vcpus[i], kind, &a, &b);
		*in += a;
		*user = b == UINT64_MAX ? UINT64_MAX : *user + b;
	}
}

/* Text. */
static void kvm_print_events(FILE *f, const struct report_kvm *k, int per_vcpu)
{
	int v, e;

	fprintf(f, "\nkernel events by %s\n%-5s %-20s %10s\n", per_vcpu ? "vCPU" : "tracepoint",
		"vcpu", "event", "count");
	for (v = per_vcpu ? 0 : -1; v < (per_vcpu ? k->nr_vcpus : 0); v++)
		for (e = 0; e < KVM_MAX_EVENTS; e++) {
			uint64_t n = kvm_event_total(k, v, e);
			char vs[16];

			snprintf(vs, sizeof(vs), "%d", v);
			if (n)
				fprintf(f, "%-5s %-20s %10llu\n", v < 0 ? "all" : vs,
					kvm_event_names[e], (unsigned long long)n);
		}
}

static void kvm_print_kinds(FILE *f, const struct report_kvm *k, int per_vcpu)
{
	int v, kind;

	fprintf(f,
		"\nin-kernel exits by kind%s (from kvm_emulate_insn, kvm_pio, kvm_mmio, "
		"kvm_userspace_exit ...)\n%-5s %-22s %10s %10s\n",
		per_vcpu ? " and vCPU" : "", "vcpu", "kind", "in kernel", "to user");
	for (v = per_vcpu ? 0 : -1; v < (per_vcpu ? k->nr_vcpus : 0); v++)
		for (kind = 0; kind < KIND_NR; kind++) {
			uint64_t in, user;
			char vs[16], us[24];

			if (!kvm_kind_present(k, kind))
				continue;
			kvm_kind_total(k, v, kind, &in, &user);
			snprintf(vs, sizeof(vs), "%d", v);
			snprintf(us, sizeof(us), "%llu", (unsigned long long)user);
			fprintf(f, "%-5s %-22s %10llu %10s\n", v < 0 ? "all" : vs,
				kvm_kinds[kind].name, (unsigned long long)in,
				user == UINT64_MAX ? "-" : us);
		}
	if (!per_vcpu && !kvm_kind_present(k, KIND_EMULATE))
		fprintf(f, "(emulated instructions: record kvm_emulate_insn with "
			   "--kernel-probes=all)\n");
}

static const char *kvm_fmt_ns(char *buf, size_t size, double ns)
{
	if (ns < 10000)
		snprintf(buf, size, "%.0fns", ns);
	else if (ns < 1e7)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else
		snprintf(buf, size, "%.1fms", ns / 1e6);
	return buf;
}

static void kvm_print_reasons(FILE *f, const struct report_kvm *k, int per_vcpu)
{
	int i, n;
	struct kvm_row *rows = kvm_rows(k, per_vcpu, &n);

	fprintf(f,
		"\nin-kernel exits by reason%s (kvm_exit; kernel_ns: kvm_exit to kvm_entry)\n"
		"%-5s %-24s %10s %10s  %8s %8s %8s %8s %8s\n",
		per_vcpu ? " and vCPU" : "", "vcpu", "reason", "in kernel", "to user", "min",
		"mean", "p50", "p99", "max");
	for (i = 0; i < n; i++) {
		struct summary s;
		char vs[16], name[32], b[5][24];

		report__summary(rows[i].cells, rows[i].nr, 0, &s);
		snprintf(vs, sizeof(vs), "%d", rows[i].vcpu);
		fprintf(f, "%-5s %-24s %10llu %10llu  %8s %8s %8s %8s %8s\n",
			rows[i].vcpu < 0 ? "all" : vs,
			kvm_reason_name(rows[i].isa, rows[i].reason, name, sizeof(name)),
			(unsigned long long)rows[i].in_kernel, (unsigned long long)rows[i].to_user,
			kvm_fmt_ns(b[0], 24, s.min), kvm_fmt_ns(b[1], 24, s.mean),
			kvm_fmt_ns(b[2], 24, s.p50), kvm_fmt_ns(b[3], 24, s.p99),
			kvm_fmt_ns(b[4], 24, s.max));
	}
	kvm_rows_free(rows, n);
}

void report_kvm__print_text(struct report *r, FILE *f)
{
	struct report_kvm *k = r->kvm;
	int multi;

	if (!k || (!k->events && !k->probes[0]))
		return;
	multi = kvm_nr_vcpus(k) > 1;
	fprintf(f, "\nkernel probes: %s\nkernel events: %llu; lost: %llu\n",
		k->probes[0] ? k->probes : "(not recorded)", (unsigned long long)k->events,
		(unsigned long long)k->lost);
	kvm_print_events(f, k, 0);
	if (multi)
		kvm_print_events(f, k, 1);
	kvm_print_kinds(f, k, 0);
	if (multi)
		kvm_print_kinds(f, k, 1);
	if (!kvm_event_total(k, -1, KE_exit))
		return;
	kvm_print_reasons(f, k, 0);
	if (multi)
		kvm_print_reasons(f, k, 1);
}

/* JSON. */
static struct json_object *kvm_json_event(int v, int e, uint64_t n)
{
	struct json_object *o = json_object_new_object();
	int bad = !o || (v >= 0 && jsonc__add(o, "vcpu", json_object_new_int(v))) ||
		  jsonc__add(o, "event", json_object_new_string(kvm_event_names[e])) ||
		  jsonc__add(o, "count", json_object_new_uint64(n));

	return jsonc__keep(o, bad);
}

static struct json_object *kvm_json_events(const struct report_kvm *k, int per_vcpu)
{
	struct json_object *a = json_object_new_array();
	int v, e, bad = !a;

	for (v = per_vcpu ? 0 : -1; v < (per_vcpu ? k->nr_vcpus : 0) && !bad; v++)
		for (e = 0; e < KVM_MAX_EVENTS && !bad; e++) {
			uint64_t n = kvm_event_total(k, v, e);

			if (n)
				bad = jsonc__add(a, NULL, kvm_json_event(v, e, n));
		}
	return jsonc__keep(a, bad);
}

static struct json_object *kvm_json_kind(const struct report_kvm *k, int v, int kind)
{
	struct json_object *o = json_object_new_object();
	uint64_t in, user;
	int bad;

	kvm_kind_total(k, v, kind, &in, &user);
	bad = !o || (v >= 0 && jsonc__add(o, "vcpu", json_object_new_int(v))) ||
	      jsonc__add(o, "kind", json_object_new_string(kvm_kinds[kind].name)) ||
	      jsonc__add(o, "in_kernel", json_object_new_uint64(in)) ||
	      (user != UINT64_MAX && jsonc__add(o, "to_user", json_object_new_uint64(user)));
	return jsonc__keep(o, bad);
}

static struct json_object *kvm_json_kinds(const struct report_kvm *k, int per_vcpu)
{
	struct json_object *a = json_object_new_array();
	int v, kind, bad = !a;

	for (v = per_vcpu ? 0 : -1; v < (per_vcpu ? k->nr_vcpus : 0) && !bad; v++)
		for (kind = 0; kind < KIND_NR && !bad; kind++)
			if (kvm_kind_present(k, kind))
				bad = jsonc__add(a, NULL, kvm_json_kind(k, v, kind));
	return jsonc__keep(a, bad);
}

static struct json_object *kvm_json_reason(const struct kvm_row *row)
{
	struct json_object *o = json_object_new_object();
	struct summary s;
	char name[32];
	int bad = !o || report__summary(row->cells, row->nr, 0, &s) ||
		  (row->vcpu >= 0 && jsonc__add(o, "vcpu", json_object_new_int(row->vcpu))) ||
		  jsonc__add(o, "isa", json_object_new_int64(row->isa)) ||
		  jsonc__add(o, "reason",
			     json_object_new_string(
				     kvm_reason_name(row->isa, row->reason, name, sizeof(name)))) ||
		  jsonc__add(o, "code", json_object_new_int64(row->reason)) ||
		  jsonc__add(o, "in_kernel", json_object_new_uint64(row->in_kernel)) ||
		  jsonc__add(o, "to_user", json_object_new_uint64(row->to_user)) ||
		  jsonc__add(o, "kernel_ns", report__json_summary(&s));

	return jsonc__keep(o, bad);
}

static struct json_object *kvm_json_reasons(const struct report_kvm *k, int per_vcpu)
{
	struct json_object *a = json_object_new_array();
	int i, n;
	struct kvm_row *rows = kvm_rows(k, per_vcpu, &n);
	int bad = !a;

	for (i = 0; i < n && !bad; i++)
		bad = jsonc__add(a, NULL, kvm_json_reason(&rows[i]));
	kvm_rows_free(rows, n);
	return jsonc__keep(a, bad);
}

int report_kvm__json(struct report *r, struct json_object *top)
{
	struct report_kvm *k = r->kvm;
	struct json_object *o;
	int bad;

	if (!k || (!k->events && !k->probes[0]))
		return 0;
	o = json_object_new_object();
	bad = !o || jsonc__add(o, "probes", json_object_new_string(k->probes)) ||
	      jsonc__add(o, "events", json_object_new_uint64(k->events)) ||
	      jsonc__add(o, "lost", json_object_new_uint64(k->lost)) ||
	      jsonc__add(o, "by_event", kvm_json_events(k, 0)) ||
	      jsonc__add(o, "by_vcpu_event", kvm_json_events(k, 1)) ||
	      jsonc__add(o, "in_kernel_by_kind", kvm_json_kinds(k, 0)) ||
	      jsonc__add(o, "in_kernel_by_vcpu_kind", kvm_json_kinds(k, 1)) ||
	      jsonc__add(o, "in_kernel_by_reason", kvm_json_reasons(k, 0)) ||
	      jsonc__add(o, "in_kernel_by_vcpu_reason", kvm_json_reasons(k, 1));
	return jsonc__add(top, "kernel", jsonc__keep(o, bad));
}
