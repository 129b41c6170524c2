// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel probes' loader: checks what the host offers (kernel BTF, BPF privileges, the
 * tracepoints and their prototypes), loads kvm.bpf.c through its generated skeleton, attaches
 * the programs, maps each vCPU thread to its vCPU, and drains the BPF ring buffer into the
 * trace's kernel streams from a thread of its own.
 *
 * A build without clang, bpftool, libbpf or the build host's BTF compiles the stub at the
 * end instead, which says what the build lacked.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../trace/catalogue.h"
#include "probes_int.h"

#define PROBES_BTF_PATH "/sys/kernel/btf/vmlinux"

#ifdef HAVE_KVM_PROBES

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "kvm.skel.h"

#define PROBES_POLL_MS 2 /* the drain thread's period when no wake-up comes */
#define PROBES_RB_PER_VCPU (4ull << 20)
#define PROBES_RB_MAX (64ull << 20)
#define PROBES_WHY_SIZE 200

static const char *const probes_variants[PV_NR] = { "tp_btf", "raw_tp" };

/* What became of one tracepoint asked for. */
struct probes_tp_state {
	int variant; /* the program to load (PV_*), or -1: none */
	char refused[PV_NR][PROBES_WHY_SIZE]; /* why the kernel refused each program tried */
	char why[PROBES_WHY_SIZE]; /* why it is not attached ("": it is) */
};

struct probes {
	struct kvm_bpf *skel;
	struct bpf_link *links[KP_NR];
	struct ring_buffer *rb;
	struct vm *vm;
	int nr_vcpus;
	uint32_t want; /* asked for */
	uint32_t mask; /* attached */
	struct probes_tp_state tps[KP_NR];
	char attached[512];
	char notes[2048];
	int map_fd; /* vcpu_of_tid */
	int map_errors; /* vCPU threads that could not be mapped */

	struct trace_ring **rings; /* per vCPU: its kernel stream's ring */
	uint64_t *last_ts; /* per vCPU: the last timestamp written (kept monotonic) */
	uint64_t *lost_seen; /* per vCPU: loss[].count already reported */
	struct probes_clock clock;
	struct probes_stats stats;

	pthread_t thread;
	int thread_started;
	int stop;
	int efd, epfd;
};

/*
 * libbpf's messages since the last probes_msgs_reset(): the first warning, the program the
 * first warning about a program named (the one a failed load stopped at) and the verifier's
 * reason from its log.  They are printed only with VMSCOPE_PROBES_DEBUG=1 (with the
 * verifier's log), for whoever works on kvm.bpf.c.
 */
static struct {
	char first[256];
	char prog[64];
	char verifier[PROBES_WHY_SIZE];
} probes_msgs;

static void probes_msgs_reset(void)
{
	memset(&probes_msgs, 0, sizeof(probes_msgs));
}

/*
 * Keep what a failed load says: the first warning, the program named by the first failure
 * ("prog 'on_kvm_pio': BPF program load failed: ...", "... failed to relocate ..."), and
 * the verifier's reason in the log libbpf prints after it.
 */
static void probes_msgs_add(enum libbpf_print_level level, const char *msg)
{
	static const char prog[] = "prog '", log[] = "-- BEGIN PROG LOAD LOG --\n";
	const char *p;

	if (level != LIBBPF_WARN)
		return;
	if (!probes_msgs.first[0])
		snprintf(probes_msgs.first, sizeof(probes_msgs.first), "%.*s",
			 (int)strcspn(msg, "\n"), msg);
	p = strstr(msg, prog);
	if (p && strstr(msg, "fail") && !probes_msgs.prog[0])
		sscanf(p + sizeof(prog) - 1, "%63[^']", probes_msgs.prog);
	p = strstr(msg, log);
	if (p && !probes_msgs.verifier[0])
		probes__log_reason(p + sizeof(log) - 1, probes_msgs.verifier,
				   sizeof(probes_msgs.verifier));
}

static int probes_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	const char *debug = getenv("VMSCOPE_PROBES_DEBUG");
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (debug && *debug && strcmp(debug, "0"))
		fputs(msg, stderr);
	probes_msgs_add(level, msg);
	free(msg);
	return 0;
}

/* libbpf's first warning since the reset, for an error message; else strerror(err). */
static const char *probes_libbpf_msg(int err)
{
	return probes_msgs.first[0] ? probes_msgs.first : strerror(err);
}

/* CAP_BPF and CAP_PERFMON in the effective set, or CAP_SYS_ADMIN: what tp_btf needs. */
static const char *probes_missing_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int bpf, perfmon, admin;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return NULL; /* cannot tell: let the load decide */
#define HAS_CAP(c) (!!(d[(c) / 32].effective & (1u << ((c) % 32))))
	bpf = HAS_CAP(39); /* CAP_BPF */
	perfmon = HAS_CAP(38); /* CAP_PERFMON */
	admin = HAS_CAP(21); /* CAP_SYS_ADMIN */
#undef HAS_CAP
	if (admin || (bpf && perfmon))
		return NULL;
	if (!bpf && !perfmon)
		return "CAP_BPF and CAP_PERFMON";
	return bpf ? "CAP_PERFMON" : "CAP_BPF";
}

static int probes_is_vcpu_ptr(const struct btf *btf, __u32 type)
{
	const struct btf_type *a = btf__type_by_id(btf, type);

	if (!a || !btf_is_ptr(a))
		return 0;
	a = btf__type_by_id(btf, a->type);
	return a && btf_is_struct(a) && !strcmp(btf__name_by_offset(btf, a->name_off), "kvm_vcpu");
}

/*
 * The prototype of btf_trace_<tp> in btf against what kvm.bpf.c reads: ctx, then nr_args
 * arguments.  1 when it fits, 0 when btf has no such tracepoint, -1 when it differs (why set).
 */
static int probes_tp_fits(const struct btf *btf, int i, char *why, size_t size)
{
	const struct probes_tp *tp = &probes_tps[i];
	const struct btf_type *t;
	char name[64];
	int id, n;

	snprintf(name, sizeof(name), "btf_trace_%s", tp->name);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t)) {
		snprintf(why, size, "%s in the kernel's BTF is not a function pointer", name);
		return -1;
	}
	n = btf_vlen(t) - 1;
	if (n < tp->nr_args || (n > tp->nr_args && !tp->more_ok)) {
		snprintf(why, size,
			 "its prototype in the kernel's BTF has %d arguments, vmscope's program "
			 "reads %d: a KVM this version of vmscope does not know",
			 n, tp->nr_args);
		return -1;
	}
	if (tp->vcpu_arg && !probes_is_vcpu_ptr(btf, btf_params(t)[1].type)) {
		snprintf(why, size,
			 "its first argument in the kernel's BTF is not a struct "
			 "kvm_vcpu pointer: a KVM this version of vmscope does not know");
		return -1;
	}
	return 1;
}

/*
 * Which of p->want this kernel has with the expected prototypes: in vmlinux's BTF when KVM
 * is built in, in the kvm module's (split) BTF when it is a module.  Those it lacks get why.
 */
static int probes_plan(struct probes *p)
{
	struct btf *btf = btf__load_vmlinux_btf(), *mod = NULL;
	int i, fits;

	if (!btf)
		return err__set(ENOENT,
				"cannot read the kernel's BTF (%s): %s; the kernel needs "
				"CONFIG_DEBUG_INFO_BTF",
				PROBES_BTF_PATH, strerror(errno));
	if (!access("/sys/kernel/btf/kvm", R_OK))
		mod = btf__load_module_btf("kvm", btf);
	for (i = 0; i < KP_NR; i++) {
		struct probes_tp_state *s = &p->tps[i];

		s->variant = -1;
		if (!(p->want & (1u << i)))
			continue;
		fits = probes_tp_fits(btf, i, s->why, sizeof(s->why));
		if (!fits && mod)
			fits = probes_tp_fits(mod, i, s->why, sizeof(s->why));
		if (fits > 0)
			s->variant = PV_BTF;
		else if (!fits)
			snprintf(s->why, sizeof(s->why),
				 "this kernel has no such tracepoint (no btf_trace_%s in its BTF)",
				 probes_tps[i].name);
	}
	btf__free(mod);
	btf__free(btf);
	return 0;
}

static void probes_names(uint32_t mask, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < KP_NR && off < size; i++)
		if (mask & (1u << i))
			off += snprintf(buf + off, size - off, "%s%s", off ? " " : "",
					probes_tps[i].name);
}

/* What stops probes here before anything is loaded: BTF and capabilities. */
static int probes_host_check(void)
{
	const char *caps;

	if (access(PROBES_BTF_PATH, R_OK))
		return err__set(ENOENT,
				"the kernel has no BTF (%s is missing), which CO-RE "
				"relocation needs; boot a kernel built with "
				"CONFIG_DEBUG_INFO_BTF",
				PROBES_BTF_PATH);
	caps = probes_missing_caps();
	if (caps)
		return err__set(EPERM,
				"loading BPF programs needs %s (or CAP_SYS_ADMIN), which "
				"this process lacks; run vmscope as root",
				caps);
	return 0;
}

static struct bpf_program *probes_prog(struct probes *p, int i)
{
	char name[64];

	snprintf(name, sizeof(name), "on_%s%s", probes_tps[i].name,
		 p->tps[i].variant == PV_RAW ? "_raw" : "");
	return bpf_object__find_program_by_name(p->skel->obj, name);
}

static uint64_t probes_rb_size(const struct probes_opts *o, int nr_vcpus)
{
	uint64_t want = o->buffer_size ? o->buffer_size : PROBES_RB_PER_VCPU * nr_vcpus;
	uint64_t size = 4096;

	while (size < want && size < PROBES_RB_MAX)
		size <<= 1;
	return size;
}

static int probes_load_error(int ret)
{
	if (ret == -EPERM && !probes_msgs.verifier[0])
		return err__set(EPERM,
				"the kernel refused the BPF programs (%s); loading them "
				"needs CAP_BPF and CAP_PERFMON, or root",
				probes_libbpf_msg(-ret));
	return err__set(-ret, "cannot load the kernel probes: %s",
			probes_msgs.verifier[0] ? probes_msgs.verifier : probes_libbpf_msg(-ret));
}

/* Open the skeleton with the programs of p->tps[].variant to be loaded.  0 or -errno. */
static int probes_open_skel(struct probes *p, uint64_t rb_size)
{
	struct bpf_program *prog;
	int i, v, ret;

	p->skel = kvm_bpf__open();
	if (!p->skel)
		return err__set(errno, "cannot open the kernel probes' BPF object: %s",
				probes_libbpf_msg(errno));
	p->skel->rodata->target_tgid = getpid();
	p->skel->rodata->wake_bytes = rb_size / 4;
	ret = bpf_map__set_max_entries(p->skel->maps.events, rb_size);
	for (prog = bpf_object__next_program(p->skel->obj, NULL); prog && !ret;
	     prog = bpf_object__next_program(p->skel->obj, prog)) {
		i = probes__prog_id(bpf_program__name(prog), &v);
		ret = bpf_program__set_autoload(prog, i >= 0 && p->tps[i].variant == v);
	}
	for (i = 0; !ret && i < KP_NR; i++)
		if (p->tps[i].variant >= 0 && !probes_prog(p, i))
			return err__set(ENOENT,
					"the BPF object has no %s program for %s; rebuild "
					"vmscope (make clean && make)",
					probes_variants[p->tps[i].variant], probes_tps[i].name);
	return ret ? err__set(-ret, "cannot set up the kernel probes' BPF object: %s",
			      probes_libbpf_msg(-ret))
		   : 0;
}

/* Set a why of PROBES_WHY_SIZE bytes, cut to fit. */
static void __attribute__((format(printf, 2, 3))) probes_why(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, PROBES_WHY_SIZE, fmt, ap);
	va_end(ap);
}

/* The kernel refused tracepoint i's current program: on to its fallback, or give it up. */
static void probes_refuse(struct probes *p, int i)
{
	struct probes_tp_state *s = &p->tps[i];
	int v = s->variant;

	probes_why(s->refused[v], "%s",
		   probes_msgs.verifier[0] ? probes_msgs.verifier : probes_libbpf_msg(EINVAL));
	s->variant = v == PV_BTF && probes_tps[i].raw ? PV_RAW : -1;
	if (s->variant >= 0)
		return;
	if (v == PV_RAW)
		probes_why(s->why, "the kernel refused its programs: tp_btf: %s; raw_tp: %s",
			   s->refused[PV_BTF], s->refused[PV_RAW]);
	else
		probes_why(s->why, "the kernel refused its program: %s", s->refused[v]);
}

static int probes_planned(const struct probes *p)
{
	int i;

	for (i = 0; i < KP_NR; i++)
		if (p->tps[i].variant >= 0)
			return 1;
	return 0;
}

/*
 * Load the object with every planned program.  A load stops at the first program the
 * kernel refuses, and libbpf names it: that one falls back or is left out, and the object
 * is loaded again, until the kernel takes every program left.  0 or -errno (message set).
 */
static int probes_load(struct probes *p, const struct probes_opts *o)
{
	uint64_t size = probes_rb_size(o, p->nr_vcpus);
	int tries, ret, i, v;

	for (tries = 0; tries <= KP_NR * PV_NR && probes_planned(p); tries++) {
		probes_msgs_reset();
		ret = probes_open_skel(p, size);
		if (ret)
			return ret;
		ret = kvm_bpf__load(p->skel);
		if (!ret)
			return 0;
		i = probes__prog_id(probes_msgs.prog, &v);
		if (i < 0 || p->tps[i].variant != v)
			return probes_load_error(ret);
		kvm_bpf__destroy(p->skel);
		p->skel = NULL;
		probes_refuse(p, i);
	}
	return 0; /* nothing left to load: the notes say why */
}

static void probes_attach(struct probes *p)
{
	int i;

	for (i = 0; i < KP_NR && p->skel; i++) {
		struct probes_tp_state *s = &p->tps[i];

		if (s->variant < 0)
			continue;
		probes_msgs_reset();
		p->links[i] = bpf_program__attach(probes_prog(p, i));
		if (!p->links[i]) {
			probes_why(s->why, "attaching its %s program failed: %s",
				   probes_variants[s->variant], probes_libbpf_msg(errno));
			continue;
		}
		p->mask |= 1u << i;
	}
	probes_names(p->mask, p->attached, sizeof(p->attached));
}

/* One line per tracepoint asked for that is not attached or is attached by a fallback. */
static void probes_make_notes(struct probes *p)
{
	size_t off = 0, size = sizeof(p->notes);
	int i;

	p->notes[0] = '\0';
	for (i = 0; i < KP_NR && off < size; i++) {
		const struct probes_tp_state *s = &p->tps[i];

		if (!(p->want & (1u << i)))
			continue;
		if (!(p->mask & (1u << i)))
			off += snprintf(p->notes + off, size - off, "%s: not attached: %s\n",
					probes_tps[i].name, s->why);
		else if (s->variant == PV_RAW)
			off += snprintf(p->notes + off, size - off,
					"%s: attached as raw_tp: the kernel refused its tp_btf "
					"program: %s\n",
					probes_tps[i].name, s->refused[PV_BTF]);
	}
}

/* Lines as one: "a\nb\n" becomes "a; b". */
static void probes_join_lines(const char *lines, char *out, size_t size)
{
	size_t off = 0, n;

	out[0] = '\0';
	while (*lines && off < size) {
		n = strcspn(lines, "\n");
		off += snprintf(out + off, size - off, "%s%.*s", off ? "; " : "", (int)n, lines);
		lines += n + !!lines[n];
	}
}

static int probes_on_rec(void *ctx, void *data, size_t size);

static int probes_setup(struct probes *p, const struct probes_opts *o)
{
	int ret = probes_host_check();

	p->want = o->mask ? o->mask : probes__default_mask();
	if (!ret)
		ret = probes_plan(p);
	if (!ret)
		ret = probes_load(p, o);
	if (ret)
		return ret;
	probes_attach(p);
	probes_make_notes(p);
	if (!p->mask) {
		char why[1024];

		probes_join_lines(p->notes, why, sizeof(why));
		return err__set(ENOENT, "none of the tracepoints asked for could be attached: %s",
				why);
	}
	p->map_fd = bpf_map__fd(p->skel->maps.vcpu_of_tid);
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), probes_on_rec, p, NULL);
	if (!p->rb)
		return err__set(errno, "cannot map the BPF ring buffer: %s", strerror(errno));
	return 0;
}

/* A loader for nr_vcpus vCPUs, set up for o, in *pp (NULL: out of memory).  0 or -errno. */
static int probes_new(int nr_vcpus, const struct probes_opts *o, struct probes **pp)
{
	struct probes *p = calloc(1, sizeof(*p));
	libbpf_print_fn_t old;
	int ret;

	*pp = p;
	if (!p)
		return err__set(ENOMEM, "out of memory loading the kernel probes");
	p->nr_vcpus = nr_vcpus;
	p->efd = p->epfd = -1;
	old = libbpf_set_print(probes_libbpf_print);
	ret = probes_setup(p, o);
	libbpf_set_print(old);
	return ret;
}

int probes__check(struct probes_check *c)
{
	struct probes_opts o = { .mask = (1u << KP_NR) - 1, .buffer_size = 4096 };
	struct probes *p;
	int ret = probes_new(1, &o, &p);

	memset(c, 0, sizeof(*c));
	if (p) {
		snprintf(c->attached, sizeof(c->attached), "%s", p->attached);
		snprintf(c->notes, sizeof(c->notes), "%s", p->notes);
	}
	if (ret)
		snprintf(c->why, sizeof(c->why), "%s", err__msg(ret));
	probes__free(p);
	return ret;
}

/* What was left out or replaced, on stderr: the run's message names it. */
static void probes_print_notes(const struct probes *p)
{
	const char *line = p->notes;

	while (*line) {
		size_t n = strcspn(line, "\n");

		fprintf(stderr, "vmscope: kernel probe %.*s\n", (int)n, line);
		line += n + !!line[n];
	}
}

struct probes *probes__open(struct vm *vm, const struct probes_opts *o)
{
	struct probes *p;
	int ret = probes_new(vm->nr_vcpus, o, &p);

	if (ret) {
		probes__free(p);
		errno = -err__wrap(ret, "kernel probes unavailable");
		return NULL;
	}
	p->vm = vm;
	probes_print_notes(p);
	return p;
}

const char *probes__attached(const struct probes *p)
{
	return p ? p->attached : "";
}

const char *probes__notes(const struct probes *p)
{
	return p ? p->notes : "";
}

/* vm->on_vcpu_thread: runs in the vCPU thread before its first KVM_RUN. */
static void probes_on_vcpu_thread(struct vcpu *v, void *opaque)
{
	struct probes *p = opaque;
	__u32 tid = v->tid, id = v->id;

	if (bpf_map_update_elem(p->map_fd, &tid, &id, BPF_ANY))
		__atomic_fetch_add(&p->map_errors, 1, __ATOMIC_RELAXED);
}

static int probes_on_rec(void *ctx, void *data, size_t size)
{
	struct probes *p = ctx;
	const struct kvm_probe_rec *k = data;
	uint64_t ts;

	if (size < sizeof(*k) || k->vcpu >= (uint32_t)p->nr_vcpus || k->tp >= KP_NR)
		return 0;
	ts = probes_clock__to_ts(&p->clock, k->ts);
	/* The anchor moves between batches: keep each stream's time from going back. */
	if (ts < p->last_ts[k->vcpu])
		ts = p->last_ts[k->vcpu];
	p->last_ts[k->vcpu] = ts;
	if (!probes__emit(p->rings[k->vcpu], ts, k)) {
		p->stats.records++;
		p->stats.by_tp[k->tp]++;
	}
	return 0;
}

/* Records the BPF side dropped: an in-band lost record in the vCPU's kernel stream. */
static void probes_report_loss(struct probes *p)
{
	int v;

	for (v = 0; v < p->nr_vcpus; v++) {
		struct kvm_probe_loss *l = &p->skel->bss->loss[v];
		uint64_t n = __atomic_load_n(&l->count, __ATOMIC_RELAXED), first;
		struct trace_lost_args a;

		if (n == p->lost_seen[v])
			continue;
		first = __atomic_exchange_n(&l->first_ns, 0, __ATOMIC_RELAXED);
		if (!p->last_ts[v])
			p->last_ts[v] = probes_clock__to_ts(&p->clock, trace_clock__mono_ns());
		a.count = n - p->lost_seen[v];
		a.first_ts = first ? probes_clock__to_ts(&p->clock, first) : p->last_ts[v];
		if (a.first_ts > p->last_ts[v])
			a.first_ts = p->last_ts[v];
		trace_emit_lost_ts(p->rings[v], p->last_ts[v], &a);
		p->stats.lost += a.count;
		p->lost_seen[v] = n;
	}
}

static void probes_drain(struct probes *p)
{
	probes_clock__anchor(&p->clock);
	ring_buffer__consume(p->rb);
	probes_report_loss(p);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void *probes_thread(void *arg)
{
	struct probes *p = arg;
	struct epoll_event ev[2];

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		epoll_wait(p->epfd, ev, 2, PROBES_POLL_MS);
		probes_drain(p);
	}
	p->stats.drain_cpu_ns += thread_cpu_ns();
	return NULL;
}

static int probes_make_poll(struct probes *p)
{
	struct epoll_event ev = { .events = EPOLLIN };

	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->efd < 0 || p->epfd < 0)
		return err__set(errno, "cannot set up the kernel probes' drain: %s",
				strerror(errno));
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->efd, &ev) ||
	    epoll_ctl(p->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(p->rb), &ev))
		return err__set(errno, "cannot poll the BPF ring buffer: %s", strerror(errno));
	return 0;
}

int probes__start(struct probes *p, struct trace_session *s)
{
	struct trace_clock_info ci;
	int i, ret;

	p->rings = calloc(p->nr_vcpus, sizeof(*p->rings));
	p->last_ts = calloc(p->nr_vcpus, sizeof(*p->last_ts));
	p->lost_seen = calloc(p->nr_vcpus, sizeof(*p->lost_seen));
	if (!p->rings || !p->last_ts || !p->lost_seen)
		return err__set(ENOMEM, "out of memory starting the kernel probes");
	for (i = 0; i < p->nr_vcpus; i++) {
		p->rings[i] = trace__kernel_ring(s, i);
		if (!p->rings[i])
			return err__set(EINVAL, "the trace has no kernel streams; start it with "
						"trace_opts.kernel_streams");
	}
	trace__clock_info(&ci);
	probes_clock__init(&p->clock, &ci);
	ret = probes_make_poll(p);
	if (ret)
		return ret;
	ret = pthread_create(&p->thread, NULL, probes_thread, p);
	if (ret)
		return err__set(ret, "cannot start the kernel probes' drain thread: %s",
				strerror(ret));
	p->thread_started = 1;
	p->vm->vcpu_thread_opaque = p;
	p->vm->on_vcpu_thread = probes_on_vcpu_thread;
	return 0;
}

int probes__stop(struct probes *p)
{
	uint64_t one = 1, cpu;

	if (!p || !p->thread_started)
		return 0;
	p->vm->on_vcpu_thread = NULL;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	/* If the write fails the thread still wakes within PROBES_POLL_MS. */
	(void)!write(p->efd, &one, sizeof(one));
	pthread_join(p->thread, NULL);
	p->thread_started = 0;
	/* The vCPU threads have ended: every record they made is in the buffer now. */
	cpu = thread_cpu_ns();
	probes_drain(p);
	p->stats.drain_cpu_ns += thread_cpu_ns() - cpu;
	if (p->map_errors)
		return err__set(EIO,
				"%d vCPU thread(s) could not be given to the kernel probes; "
				"their kernel events are missing",
				p->map_errors);
	return 0;
}

void probes__free(struct probes *p)
{
	int i;

	if (!p)
		return;
	probes__stop(p);
	ring_buffer__free(p->rb);
	for (i = 0; i < KP_NR; i++)
		bpf_link__destroy(p->links[i]);
	kvm_bpf__destroy(p->skel);
	if (p->efd >= 0)
		close(p->efd);
	if (p->epfd >= 0)
		close(p->epfd);
	free(p->rings);
	free(p->last_ts);
	free(p->lost_seen);
	free(p);
}

void probes__stats(const struct probes *p, struct probes_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p)
		*st = p->stats;
}

#else /* !HAVE_KVM_PROBES */

#ifndef PROBES_BUILD_MISSING
#define PROBES_BUILD_MISSING "libbpf, clang, bpftool or kernel BTF"
#endif

static int probes_unavailable(void)
{
	return err__set(EOPNOTSUPP,
			"%s missing at build time; run scripts/install-deps and rebuild (make "
			"clean && make)",
			PROBES_BUILD_MISSING);
}

int probes__check(char *present, size_t present_size, char *why, size_t why_size)
{
	int ret = probes_unavailable();

	if (present_size)
		present[0] = '\0';
	snprintf(why, why_size, "%s", err__msg(ret));
	return ret;
}

struct probes *probes__open(struct vm *vm, const struct probes_opts *o)
{
	(void)vm;
	(void)o;
	errno = -err__wrap(probes_unavailable(), "kernel probes unavailable");
	return NULL;
}

const char *probes__attached(const struct probes *p)
{
	(void)p;
	return "";
}

int probes__start(struct probes *p, struct trace_session *s)
{
	(void)p;
	(void)s;
	return probes_unavailable();
}

int probes__stop(struct probes *p)
{
	(void)p;
	return 0;
}

void probes__free(struct probes *p)
{
	(void)p;
}

void probes__stats(const struct probes *p, struct probes_stats *st)
{
	(void)p;
	memset(st, 0, sizeof(*st));
}

#endif
