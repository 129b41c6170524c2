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

#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/step.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/clock.h"
#include "mime.h"

#define REF_UNMAPPED 1u /* memref flags */
#define REF_NOT_RAM 2u

struct mime_vcpu {
	struct mime_insn insn; /* the instruction about to run, when pending */
	int pending;
	uint64_t cr3;
	uint64_t gpa[MIME_MAX_REFS];
	uint32_t flags[MIME_MAX_REFS];
};

struct mime {
	struct mime_opts opts;
	struct mime_decoder *dec; /* one per vCPU would be more; decode holds the lock */
	pthread_mutex_t lock; /* the decoder, the statistics */
	struct mime_stats stats;
	struct mime_vcpu *vcpu;
};

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si);
static int enter_fn(struct vcpu *v, void *opaque, const struct step_info *si);

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

/* The ring the range's code runs at: as given, else the kernel half at 0, the user half at 3. */
static int range_cpl(const struct mime *m)
{
	if (m->opts.cpl == 0 || m->opts.cpl == 3)
		return m->opts.cpl;
	return m->opts.start >> 63 ? 0 : 3;
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
	snprintf((char *)a.why, sizeof(a.why), "%s", err__msg(0));
	trace_emit_memref_skip_ts(v->trace, trace_clock__now(), &a);
}

/* Reference i of the pending instruction: its value now, and the event. */
static void emit_ref(struct vcpu *v, struct mime_vcpu *mv, int i)
{
	const struct mime_ref *ref = &mv->insn.refs[i];
	struct trace_memref_args a = { .vcpu = v->id,
				       .size = ref->size,
				       .rip = mv->insn.rip,
				       .gva = ref->la,
				       .gpa = mv->gpa[i],
				       .access = ref->write,
				       .flags = mv->flags[i] };

	if (!(a.flags & (REF_UNMAPPED | REF_NOT_RAM)) &&
	    mem__read(&v->vm->mem, a.gpa, &a.value, ref->size < 8 ? ref->size : 8))
		a.flags |= REF_NOT_RAM;
	if (v->trace)
		trace_emit_memref_ts(v->trace, trace_clock__now(), &a);
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

/* The instruction at rip is about to run: decode it, record its reads, keep its writes. */
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
	pthread_mutex_lock(&m->lock);
	ret = len ? mime__decode(m->dec, bytes, len, &r, &s, &mv->insn)
		  : err__set(EFAULT, "rip 0x%llx: the instruction's bytes are not readable",
			     (unsigned long long)r.rip);
	m->stats.insns++;
	m->stats.skipped += ret != 0;
	if (!ret)
		m->stats.refs += mv->insn.nr_refs;
	pthread_mutex_unlock(&m->lock);
	if (ret) {
		emit_skip(v, r.rip, bytes, len);
		return;
	}
	mv->cr3 = cr3;
	translate_refs(v, mv);
	for (i = 0; i < mv->insn.nr_refs; i++)
		if (!mv->insn.refs[i].write)
			emit_ref(v, mv, i);
	mv->pending = 1;
}

/* The pending instruction ran: record its writes with what they wrote. */
static void after(struct vcpu *v, struct mime *m)
{
	struct mime_vcpu *mv = &m->vcpu[v->id];
	int i;

	if (!mv->pending)
		return;
	for (i = 0; i < mv->insn.nr_refs; i++)
		if (mv->insn.refs[i].write)
			emit_ref(v, mv, i);
	mv->pending = 0;
}

static uint64_t cur_cr3(struct vcpu *v)
{
	struct kvm_sregs s;

	return vcpu__get_sregs(v, &s) ? 0 : s.cr3 & PTE_ADDR_MASK;
}

/* Left the range: wait where execution comes back (a call's return address, else start). */
static int wait_again(struct vcpu *v, struct mime *m, const struct step_info *si)
{
	struct mime_vcpu *mv = &m->vcpu[v->id];
	uint64_t back = m->opts.start;

	if (mv->insn.id && mime__is_call(mv->insn.id) &&
	    in_scope(m, mv->insn.rip + mv->insn.len, m->opts.cr3 ? m->opts.cr3 : cur_cr3(v)))
		back = mv->insn.rip + mv->insn.len;
	mv->insn.id = 0;
	if (back == si->rip)
		return 1; /* not left after all: keep stepping */
	step__break_at(v, back, range_cpl(m), enter_fn, m); /* failing, stepping just ends */
	return 0;
}

static int on_step(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct mime *m = opaque;
	uint64_t cr3 = cur_cr3(v);

	after(v, m);
	if (!in_scope(m, si->rip, cr3))
		return wait_again(v, m, si);
	before(v, m, cr3);
	return 1;
}

/* At the range's start (or a call's return into it): step from here. */
static int enter_fn(struct vcpu *v, void *opaque, const struct step_info *si)
{
	struct mime *m = opaque;
	uint64_t cr3 = cur_cr3(v);

	if (!in_scope(m, si->rip, cr3)) {
		/* Another address space runs this code: step past it, then wait again. */
		m->vcpu[v->id].insn.id = 0;
		step__start(v, on_step, m);
		return 1;
	}
	before(v, m, cr3);
	step__start(v, on_step, m);
	return 1;
}

int mime__setup(struct vm *vm, const struct mime_opts *o)
{
	struct mime *m = calloc(1, sizeof(*m));
	int i, ret = 0;

	if (!m)
		return err__set(ENOMEM, "out of memory for MIME");
	m->opts = *o;
	pthread_mutex_init(&m->lock, NULL);
	vm->mime = m;
	m->vcpu = calloc(vm->nr_vcpus, sizeof(*m->vcpu));
	m->dec = m->vcpu ? mime__decoder_new() : NULL;
	if (!m->vcpu || !m->dec)
		ret = m->vcpu ? -EOPNOTSUPP : err__set(ENOMEM, "out of memory for MIME");
	for (i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = step__break_at(&vm->vcpus[i], o->start, range_cpl(m), enter_fn, m);
	if (ret) {
		mime__free(vm);
		return err__wrap(ret, "--mime-range");
	}
	return 0;
}

void mime__stats(struct vm *vm, struct mime_stats *st)
{
	struct mime *m = vm->mime;

	memset(st, 0, sizeof(*st));
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	*st = m->stats;
	pthread_mutex_unlock(&m->lock);
}

void mime__free(struct vm *vm)
{
	struct mime *m = vm->mime;

	if (!m)
		return;
	mime__decoder_free(m->dec);
	pthread_mutex_destroy(&m->lock);
	free(m->vcpu);
	free(m);
	vm->mime = NULL;
}
