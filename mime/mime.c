// SPDX-License-Identifier: GPL-2.0
/*
 * MIME's scope and stepping (mime.h).  Each vCPU waits at a breakpoint on the range's first
 * instruction (the step engine's: a hardware breakpoint, or stepping to it where those do not
 * fire).  Inside the range it is stepped one instruction at a time: before an instruction
 * runs, its references are computed and the reads recorded with the values they will read;
 * after it ran, its writes are recorded with the values they wrote.  A call out of the range
 * waits for the return address; any other way out (a jump, a return, an interrupt, a system
 * call) waits for the range's start again.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/decoder.h"
#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/step.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../gears/gears.h"
#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/clock.h"
#include "mime.h"

#define REF_UNMAPPED 1u /* memref flags */
#define REF_NOT_RAM 2u

struct mime_vcpu {
	struct mime_insn insn; /* the instruction about to run, when pending */
	int pending;
	int skipping; /* entered out of scope: stepped through the range, nothing recorded */
	int stepping; /* in the range, stepped; else waiting at target (a breakpoint) */
	uint64_t target;
	uint64_t cr3;
	uint64_t gpa[MIME_MAX_REFS];
	uint64_t value[MIME_MAX_REFS]; /* a read's value, read before the instruction ran */
	uint32_t flags[MIME_MAX_REFS];
};

struct mime {
	struct mime_opts opts;
	char program[16]; /* opts.program's copy */
	uint64_t t0; /* trace clock at mime__setup: the window's origin */
	pthread_mutex_t lock; /* the decoder, the statistics */
	struct mime_stats stats;
	struct mime_vcpu *vcpu;
};

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si);
static int enter_fn(struct vcpu *v, void *opaque, const struct step_info *si);

int mime__parse_window(const char *s, double *from, double *to)
{
	char *e1, *e2;

	*from = strtod(s ? s : "", &e1);
	if (!s || e1 == s || *e1 != '-' || *from < 0)
		return err__set(EINVAL,
				"--mime-window '%s': give FROM-TO in seconds from the "
				"start, e.g. 1.5-3 (TO may be left out: 2-)",
				s ? s : "");
	*to = e1[1] ? strtod(e1 + 1, &e2) : 0;
	if (e1[1] && (*e2 || *to <= *from))
		return err__set(EINVAL, "--mime-window '%s': TO must be a number above FROM", s);
	return 0;
}

int mime__parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	char *e1, *e2;

	errno = 0;
	*start = strtoull(s ? s : "", &e1, 0);
	if (!s || e1 == s || *e1 != '-' || errno)
		return err__set(EINVAL, "--mime-range '%s': give START-END, e.g. 0x401000-0x401080",
				s ? s : "");
	*end = strtoull(e1 + 1, &e2, 0);
	if (e2 == e1 + 1 || *e2 || errno)
		return err__set(EINVAL, "--mime-range '%s': END is not a number", s);
	if (*end <= *start)
		return err__set(EINVAL, "--mime-range '%s': END must be above START", s);
	if (!paging__canonical(*start) || !paging__canonical(*end - 1))
		return err__set(EINVAL, "--mime-range '%s': not a canonical address range", s);
	return 0;
}

/* The ring the range's code runs at: as given (-1: either; the vCPU's state says, there). */
static int range_cpl(const struct mime *m)
{
	return m->opts.cpl == 0 || m->opts.cpl == 3 ? m->opts.cpl : -1;
}

static int in_scope(const struct mime *m, uint64_t rip, uint64_t cr3)
{
	return rip >= m->opts.start && rip < m->opts.end &&
	       (!m->opts.cr3 || (cr3 & PTE_ADDR_MASK) == (m->opts.cr3 & PTE_ADDR_MASK));
}

static void emit_skip(struct vcpu *v, uint64_t rip, const uint8_t *bytes, int len)
{
	struct trace_memref_skip_args a = { .vcpu = v->id, .len = len, .rip = rip };

	if (!v->trace)
		return;
	memcpy(a.bytes, bytes, len > 16 ? 16 : len);
	snprintf((char *)a.why, sizeof(a.why), "%s", err__last());
	trace_emit_memref_skip_ts(v->trace, trace_clock__now(), &a);
}

/* Reference i's first bytes now (flags REF_NOT_RAM when they cannot be read). */
static void read_value(struct vcpu *v, struct mime_vcpu *mv, int i)
{
	uint32_t size = mv->insn.refs[i].size;

	mv->value[i] = 0;
	if (!(mv->flags[i] & (REF_UNMAPPED | REF_NOT_RAM)) &&
	    mem__read(&v->vm->mem, mv->gpa[i], &mv->value[i], size < 8 ? size : 8))
		mv->flags[i] |= REF_NOT_RAM;
}

static void emit_ref(struct vcpu *v, struct mime_vcpu *mv, int i, uint64_t ts)
{
	const struct mime_ref *ref = &mv->insn.refs[i];
	struct trace_memref_args a = { .vcpu = v->id,
				       .size = ref->size,
				       .rip = mv->insn.rip,
				       .gva = ref->la,
				       .gpa = mv->gpa[i],
				       .value = mv->value[i],
				       .cr3 = mv->cr3,
				       .access = ref->write,
				       .flags = mv->flags[i] };

	if (v->trace)
		trace_emit_memref_ts(v->trace, ts, &a);
}

/* Translate the references of the instruction about to run (before it changes anything). */
static void translate_refs(struct vcpu *v, struct mime_vcpu *mv)
{
	int i;

	for (i = 0; i < mv->insn.nr_refs; i++) {
		struct walk_result w;

		mv->flags[i] = 0;
		mv->gpa[i] = 0;
		if (paging__walk(&v->vm->mem, mv->cr3, mv->insn.refs[i].la, &w))
			mv->flags[i] = REF_UNMAPPED;
		else
			mv->gpa[i] = w.gpa;
	}
}

/*
 * A reference whose page was not mapped before the instruction ran, mapped now: the
 * instruction faulted, the guest's handler (not stepped: the gate clears TF) mapped the page,
 * and it ran again.  Translate it now; a read's value is read now.  1 when any was.
 */
static int retranslate(struct vcpu *v, struct mime_vcpu *mv)
{
	int i, any = 0;

	for (i = 0; i < mv->insn.nr_refs; i++) {
		struct walk_result w;

		if (!(mv->flags[i] & REF_UNMAPPED) ||
		    paging__walk(&v->vm->mem, mv->cr3, mv->insn.refs[i].la, &w))
			continue;
		mv->flags[i] = 0;
		mv->gpa[i] = w.gpa;
		if (!mv->insn.refs[i].write)
			read_value(v, mv, i);
		any = 1;
	}
	return any;
}

/* The instruction at rip is about to run: decode it and read what its reads will read. */
static void before(struct vcpu *v, struct mime *m, uint64_t cr3)
{
	struct mime_vcpu *mv = &m->vcpu[v->id];
	uint8_t bytes[MIME_INSN_MAX] = { 0 };
	struct kvm_regs r;
	struct kvm_sregs s;
	int len = MIME_INSN_MAX, ret, i;

	mv->pending = 0;
	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return;
	/* The last bytes may lie on an unmapped page: fetch less, down to one byte. */
	while (len > 0 && paging__read_virt(&v->vm->mem, cr3, r.rip, bytes, len))
		len--;
	ret = len ? mime__decode(vcpu__decoder(v), bytes, len, &r, &s, &mv->insn)
		  : err__set(EFAULT, "rip 0x%llx: the instruction's bytes are not readable",
			     (unsigned long long)r.rip);
	pthread_mutex_lock(&m->lock);
	m->stats.insns++;
	m->stats.skipped += ret != 0;
	pthread_mutex_unlock(&m->lock);
	if (ret) {
		emit_skip(v, r.rip, bytes, len);
		return;
	}
	mv->cr3 = cr3;
	translate_refs(v, mv);
	for (i = 0; i < mv->insn.nr_refs; i++)
		if (!mv->insn.refs[i].write)
			read_value(v, mv, i);
	mv->pending = 1;
}

/*
 * The vCPU stopped at rip after the pending instruction: if it ran (it is a branch, or rip is
 * the next instruction, or a REP string instruction's own), record its reads as read before
 * and its writes with what they wrote.  Otherwise an interrupt or exception came first: record
 * nothing.  1 when it ran (or nothing was pending).
 */
static int after(struct vcpu *v, struct mime *m, uint64_t rip)
{
	struct mime_vcpu *mv = &m->vcpu[v->id];
	const struct mime_insn *in = &mv->insn;
	uint64_t ts = trace_clock__now();
	int i, ran, retried;

	if (!mv->pending)
		return 1;
	mv->pending = 0;
	ran = in->branch || rip == in->rip + in->len || (in->string && rip == in->rip);
	retried = ran && retranslate(v, mv);
	pthread_mutex_lock(&m->lock);
	m->stats.interrupted += !ran;
	m->stats.retried += retried;
	m->stats.refs += ran ? in->nr_refs : 0;
	pthread_mutex_unlock(&m->lock);
	/* Stamped now, as every record of a stream is stamped when it is emitted (in order). */
	for (i = 0; ran && i < in->nr_refs; i++)
		if (!in->refs[i].write)
			emit_ref(v, mv, i, ts);
	for (i = 0; ran && i < in->nr_refs; i++) {
		if (!in->refs[i].write)
			continue;
		read_value(v, mv, i);
		emit_ref(v, mv, i, ts);
	}
	return ran;
}

static uint64_t cur_cr3(struct vcpu *v)
{
	struct kvm_sregs s;

	return vcpu__get_sregs(v, &s) ? 0 : s.cr3 & PTE_ADDR_MASK;
}

/*
 * Left the range: wait where execution comes back: at the instruction an interrupt or
 * exception came before (the handler returns there), after a call, else at the start.
 */
static int wait_again(struct vcpu *v, struct mime *m, const struct step_info *si, int ran)
{
	struct mime_vcpu *mv = &m->vcpu[v->id];
	uint64_t back = m->opts.start, cr3 = m->opts.cr3 ? m->opts.cr3 : cur_cr3(v);

	if (mv->insn.id && !ran && in_scope(m, mv->insn.rip, cr3))
		back = mv->insn.rip;
	else if (mv->insn.id && mime__is_call(mv->insn.id) &&
		 in_scope(m, mv->insn.rip + mv->insn.len, cr3))
		back = mv->insn.rip + mv->insn.len;
	mv->insn.id = 0;
	if (back == si->rip)
		return 1; /* not left after all: keep stepping */
	mv->stepping = 0;
	mv->target = back;
	step__break_at(v, back, range_cpl(m), enter_fn, m); /* failing, stepping just ends */
	return 0;
}

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct mime *m = opaque;
	struct mime_vcpu *mv = &m->vcpu[v->id];
	uint64_t cr3 = cur_cr3(v);
	int ran = after(v, m, si->rip);

	if (!in_scope(m, si->rip, cr3)) {
		mv->skipping = 0;
		return wait_again(v, m, si, ran);
	}
	if (!mv->skipping)
		before(v, m, cr3);
	return 1;
}

/* The scope's program and time window, checked where the vCPU enters the range. */
static int entry_in_scope(struct vcpu *v, struct mime *m)
{
	double t = trace_clock__ticks_to_ns(trace_clock__now() - m->t0) / 1e9;
	char name[16];
	int32_t pid;

	if (t < m->opts.from_s || (m->opts.to_s > 0 && t >= m->opts.to_s))
		return 0;
	return !m->program[0] ||
	       (!gears__current_process(v, &pid, name, sizeof(name)) && !strcmp(name, m->program));
}

/* At the range's start (or a call's return into it): step from here. */
static int enter_fn(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct mime *m = opaque;
	uint64_t cr3 = cur_cr3(v);

	if (!in_scope(m, si->rip, cr3) || !entry_in_scope(v, m)) {
		pthread_mutex_lock(&m->lock);
		m->stats.out_of_scope++;
		pthread_mutex_unlock(&m->lock);
		/* Another address space, program or time runs this code: step past it. */
		m->vcpu[v->id].insn.id = 0;
		m->vcpu[v->id].skipping = 1;
		m->vcpu[v->id].stepping = 1;
		step__start(v, on_step, m);
		return 1;
	}
	m->vcpu[v->id].stepping = 1;
	before(v, m, cr3);
	step__start(v, on_step, m);
	return 1;
}

/* The run's last word on MIME: its counters. */
static void mime_summary(struct vm *vm, void *priv, FILE *f)
{
	struct mime_stats st;

	(void)priv;
	mime__stats(vm, &st);
	fprintf(f,
		"vmscope: MIME: %llu instructions in the range, %llu references, %llu "
		"instructions not followed (memref_skip), %llu left for an interrupt or "
		"exception before they ran, %llu run again after a fault the guest handled, %llu "
		"entries out of scope (address space, program, window)\n",
		(unsigned long long)st.insns, (unsigned long long)st.refs,
		(unsigned long long)st.skipped, (unsigned long long)st.interrupted,
		(unsigned long long)st.retried, (unsigned long long)st.out_of_scope);
}

static void mime_free(struct vm *vm, void *priv)
{
	struct mime *m = priv;

	(void)vm;
	pthread_mutex_destroy(&m->lock);
	free(m->vcpu);
	free(m);
}

static int mime_save(struct vm *vm, void *priv, struct feature_state *out);
static int mime_restore(struct vm *vm, const struct feature_state *st);

static const struct vm_feature_ops mime_feature = {
	.name = "mime",
	.summary = mime_summary,
	.save = mime_save,
	.restore = mime_restore,
	.free = mime_free,
};

/* A MIME instance on vm for o, its vCPUs' decoders open; nothing armed yet. */
static int mime_new(struct vm *vm, const struct mime_opts *o, const char *program,
		    struct mime **out)
{
	struct mime *m = calloc(1, sizeof(*m));
	int i, ret = 0;

	if (!m)
		return err__set(ENOMEM, "out of memory for MIME");
	m->opts = *o;
	if (program)
		snprintf(m->program, sizeof(m->program), "%s", program);
	m->opts.program = NULL;
	m->t0 = trace_clock__now();
	pthread_mutex_init(&m->lock, NULL);
	ret = vm__feature_add(vm, &mime_feature, m);
	if (ret) {
		mime_free(vm, m);
		return ret;
	}
	m->vcpu = calloc(vm->nr_vcpus, sizeof(*m->vcpu));
	if (!m->vcpu)
		ret = err__set(ENOMEM, "out of memory for MIME");
	/* Each vCPU's decoder opens here, in the thread that sets up, before its thread runs. */
	for (i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = vcpu__decoder(&vm->vcpus[i]) ? 0 : -EOPNOTSUPP;
	if (ret)
		mime__free(vm);
	*out = ret ? NULL : m;
	return ret;
}

int mime__setup(struct vm *vm, const struct mime_opts *o)
{
	struct mime *m;
	int i, ret = mime_new(vm, o, o->program, &m);

	if (ret)
		return err__wrap(ret, "--mime-range");
	for (i = 0; !ret && i < vm->nr_vcpus; i++) {
		m->vcpu[i].target = o->start;
		ret = step__break_at(&vm->vcpus[i], o->start, range_cpl(m), enter_fn, m);
	}
	if (ret) {
		mime__free(vm);
		return err__wrap(ret, "--mime-range");
	}
	return 0;
}

void mime__stats(struct vm *vm, struct mime_stats *st)
{
	struct mime *m = vm__feature_priv(vm, &mime_feature);

	memset(st, 0, sizeof(*st));
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	*st = m->stats;
	pthread_mutex_unlock(&m->lock);
}

void mime__free(struct vm *vm)
{
	vm__feature_del(vm, &mime_feature);
}

/*
 * MIME in a checkpoint: its scope, the window's time gone, its counters and each vCPU's
 * place: waiting at a target (the range's start, a call's return) or stepping in the range
 * with the instruction about to run decoded and its reads read.  The restore arms each
 * vCPU the same way, so the references go on with the next instruction.
 */
struct mime_image {
	uint32_t magic, nr_vcpus;
	uint64_t start, end, cr3;
	double from_s, to_s;
	int32_t cpl, pad;
	char program[16];
	uint64_t elapsed; /* trace clock ticks since setup */
	struct mime_stats stats;
	struct mime_vcpu vcpu[]; /* nr_vcpus */
};

#define MIME_IMAGE_MAGIC 0x4d494d45u /* "MIME", bumped when the image changes */

static int mime_save(struct vm *vm, void *priv, struct feature_state *out)
{
	struct mime *m = priv;
	size_t len = sizeof(struct mime_image) + vm->nr_vcpus * sizeof(struct mime_vcpu);
	struct mime_image *im = calloc(1, len);

	if (!im)
		return err__set(ENOMEM, "out of memory for MIME's state");
	*im = (struct mime_image){ .magic = MIME_IMAGE_MAGIC,
				   .nr_vcpus = vm->nr_vcpus,
				   .start = m->opts.start,
				   .end = m->opts.end,
				   .cr3 = m->opts.cr3,
				   .from_s = m->opts.from_s,
				   .to_s = m->opts.to_s,
				   .cpl = m->opts.cpl,
				   .elapsed = trace_clock__now() - m->t0 };
	memcpy(im->program, m->program, sizeof(im->program));
	pthread_mutex_lock(&m->lock);
	im->stats = m->stats;
	pthread_mutex_unlock(&m->lock);
	memcpy(im->vcpu, m->vcpu, vm->nr_vcpus * sizeof(struct mime_vcpu));
	out->data = im;
	out->len = len;
	return 0;
}

static int mime_restore(struct vm *vm, const struct feature_state *st)
{
	const struct mime_image *im = st->data;
	struct mime_opts o;
	struct mime *m;
	int i, ret;

	if (st->len < sizeof(*im) || im->magic != MIME_IMAGE_MAGIC)
		return err__set(EINVAL, "MIME's state is of another vmscope version");
	if (im->nr_vcpus != (uint32_t)vm->nr_vcpus ||
	    st->len != sizeof(*im) + im->nr_vcpus * sizeof(struct mime_vcpu))
		return err__set(EINVAL, "MIME's state is of a VM with %u vCPUs", im->nr_vcpus);
	if (im->end <= im->start || im->program[sizeof(im->program) - 1])
		return err__set(EINVAL, "MIME's state is damaged (its range or program)");
	o = (struct mime_opts){ .start = im->start,
				.end = im->end,
				.cr3 = im->cr3,
				.from_s = im->from_s,
				.to_s = im->to_s,
				.cpl = im->cpl };
	ret = mime_new(vm, &o, im->program[0] ? im->program : NULL, &m);
	if (ret)
		return ret;
	m->t0 = trace_clock__now() - im->elapsed;
	m->stats = im->stats;
	memcpy(m->vcpu, im->vcpu, vm->nr_vcpus * sizeof(struct mime_vcpu));
	for (i = 0; !ret && i < vm->nr_vcpus; i++) {
		struct mime_vcpu *mv = &m->vcpu[i];

		if (mv->insn.nr_refs > MIME_MAX_REFS)
			ret = err__set(EINVAL, "MIME's state is damaged (vCPU %d's references)", i);
		else if (mv->stepping)
			ret = step__start(&vm->vcpus[i], on_step, m);
		else
			ret = step__break_at(&vm->vcpus[i], mv->target, range_cpl(m), enter_fn, m);
	}
	if (ret)
		mime__free(vm);
	return ret;
}

const struct vm_feature_ops *mime__ops(void)
{
	return &mime_feature;
}

int mime__active(struct vm *vm, struct mime_opts *o)
{
	struct mime *m = vm__feature_priv(vm, &mime_feature);

	if (!m)
		return 0;
	if (o)
		*o = m->opts;
	return 1;
}
