// SPDX-License-Identifier: GPL-2.0
/*
 * RTME's engine (rtme.h): RTM advertised in CPUID, the RTM instructions found in the guest's
 * code and made to trap (an int3 in their first byte, taken to vmscope through the guest's
 * #BP handler: gate.c), so that it works whatever the CPU under the guest would do with them
 * (#UD, an immediate abort, or a real transaction), and their emulation after the SDM: XBEGIN
 * (nesting, the outermost's fallback, #GP for a non-canonical one), XEND (commit at the
 * outermost, #GP outside), XABORT (a NOP outside), XTEST (ZF, the other status flags
 * cleared).  A transaction's instructions run one at a time under order.c, which keeps their
 * stores in the redo log.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../abi/cpuid.h"
#include "../core/decoder.h"
#include "../core/emulate.h"
#include "../core/hooks.h"
#include "../core/kvm.h"
#include "../core/loader.h"
#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/step.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "../lib/array.h"
#include "../trace/catalogue.h"
#include "rtme_int.h"

#define INT3 0xcc
#define VEC_NONE RTME_VEC_NONE
#define VEC_UD 6
#define VEC_GP 13
#define RFLAGS_STATUS 0x8d5ull /* CF PF AF ZF SF OF */
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_IF (1ull << 9)
#define MAX_DEFER 4 /* XBEGINs in a row left for an interrupt that did not come */

static struct rtme *rtme_of(const struct vm *vm);

int rtme__parse_capacity(const char *s, int *read_lines, int *write_lines)
{
	char *e1, *e2;
	long rd, wr;

	rd = strtol(s ? s : "", &e1, 0);
	if (!s || e1 == s || *e1 != ':')
		return err__set(EINVAL,
				"--rtme-capacity '%s': give READ:WRITE in 64-byte lines, e.g. "
				"4096:512",
				s ? s : "");
	wr = strtol(e1 + 1, &e2, 0);
	if (e2 == e1 + 1 || *e2 || rd < 1 || wr < 1 || rd > 1 << 20 || wr > 1 << 20)
		return err__set(EINVAL,
				"--rtme-capacity '%s': each count must be a number from 1 to %d", s,
				1 << 20);
	*read_lines = (int)rd;
	*write_lines = (int)wr;
	return 0;
}

static int site_cmp(const void *a, const void *b)
{
	const struct rtme_site *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

const struct rtme_site *rtme__site(const struct rtme *r, uint64_t gpa)
{
	struct rtme_site key = { .gpa = gpa };

	return r->nr_sites ? bsearch(&key, r->sites, r->nr_sites, sizeof(key), site_cmp) : NULL;
}

int rtme__gva_to_gpa(struct vcpu *v, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
	struct walk_result w;
	int ret = paging__walk(&v->vm->mem, cr3, gva, &w);

	*gpa = ret ? ~0ull : w.gpa;
	return ret;
}

struct add_ctx {
	struct rtme *r;
	uint64_t gpa, va;
	uint8_t *code;
};

static int add_site(void *opaque, size_t off, const struct rtm_insn *in)
{
	struct add_ctx *c = opaque;
	struct rtme *r = c->r;
	struct rtme_site *s;

	if (rtme__site(r, c->gpa + off))
		return 0; /* the same code scanned twice */
	if (ARRAY_GROW(r->sites, r->nr_sites, r->cap_sites, 64))
		return err__set(ENOMEM, "out of memory for RTM instruction sites");
	s = &r->sites[r->nr_sites++];
	*s = (struct rtme_site){ .gpa = c->gpa + off, .va = c->va + off, .orig = c->code[off] };
	s->insn = *in;
	c->code[off] = INT3;
	return 0;
}

int rtme__add_code(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t va)
{
	struct rtme *r = rtme_of(vm);
	struct add_ctx c = { .r = r, .gpa = gpa, .va = va };
	struct decoder *d;
	int ret;

	if (!r)
		return err__set(EINVAL, "RTME is not set up on this VM");
	c.code = mem__gpa_to_hva(&vm->mem, gpa, len);
	if (!c.code)
		return err__set(EFAULT,
				"RTME: code at 0x%" PRIx64 " (%" PRIu64 " bytes) is not guest RAM",
				gpa, len);
	d = decoder__new();
	ret = d ? rtme__isa_sweep(d, c.code, len, va, add_site, &c) : -EOPNOTSUPP;
	decoder__free(d);
	if (ret > 0) {
		qsort(r->sites, r->nr_sites, sizeof(*r->sites), site_cmp);
		r->stats.sites = r->nr_sites;
	}
	return ret;
}

/*
 * The executable segments of the ELF image at img (len bytes): in guest memory at gpa (an
 * embedded image), or, with gpa ~0, a file whose segments were loaded at their p_paddr.
 */
static int add_elf(struct vm *vm, const uint8_t *img, uint64_t len, uint64_t gpa)
{
	const Elf64_Ehdr *eh = (const void *)img;
	int i, found = 0, ret;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(Elf64_Phdr));

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_offset > len ||
		    ph->p_filesz > len - ph->p_offset)
			continue;
		ret = rtme__add_code(vm, gpa == ~0ull ? ph->p_paddr : gpa + ph->p_offset,
				     ph->p_filesz, ph->p_vaddr);
		if (ret < 0)
			return ret;
		found += ret;
	}
	return found;
}

int rtme__add_elf_file(struct vm *vm, const char *path)
{
	uint8_t *img = NULL;
	size_t len = 0;
	int ret = loader__read_file(path, &vm->mem, &img, &len);

	if (ret)
		return err__wrap(ret, "RTME: reading %s", path);
	ret = add_elf(vm, img, len, ~0ull);
	free(img);
	return ret;
}

int rtme__add_images(struct vm *vm, uint64_t gpa, uint64_t len)
{
	const uint8_t *base = mem__gpa_to_hva(&vm->mem, gpa, len);
	uint64_t off;
	int found = 0, ret;

	if (!base)
		return err__set(EFAULT, "RTME: [0x%" PRIx64 ", +%" PRIu64 ") is not guest RAM", gpa,
				len);
	for (off = (4096 - (gpa & 4095)) & 4095; off + SELFMAG <= len; off += 4096) {
		if (memcmp(base + off, ELFMAG, SELFMAG))
			continue;
		ret = add_elf(vm, base + off, len - off, gpa + off);
		if (ret < 0)
			return ret;
		found += ret;
	}
	return found;
}

/* The instruction bytes at rip as the guest wrote them (a site's first byte restored). */
static int fetch(struct vcpu *v, uint64_t cr3, uint64_t rip, uint8_t *bytes, int max)
{
	struct rtme *r = rtme_of(v->vm);
	const struct rtme_site *s;
	uint64_t gpa;
	int len = max;

	while (len > 0 && paging__read_virt(&v->vm->mem, cr3, rip, bytes, len))
		len--;
	if (len > 0 && bytes[0] == INT3 && !rtme__gva_to_gpa(v, cr3, rip, &gpa)) {
		s = rtme__site(r, gpa);
		if (s)
			bytes[0] = s->orig;
	}
	return len;
}

static void emit_abort(struct vcpu *v, struct rtme_vcpu *rv, enum rtm_cause cause, uint32_t status,
		       uint64_t rip, int vector)
{
	uint64_t now = trace_clock__now();
	struct trace_tx_abort_args a = {
		.vcpu = v->id,
		.cause = cause,
		.rip = rip,
		.status = status,
		.depth = rv->tx.depth,
		.reads = rv->tx.nr_read,
		.writes = rv->tx.nr_write,
		.insns = rv->insns,
		.vector = vector,
		.duration_ns = trace_clock__ticks_to_ns(now - rv->t_begin),
		.begin_rip = rv->begin_rip,
	};

	trace_emit_tx_abort_ts(v->trace, now, &a);
}

/* The transaction is over (lock held): its log dropped, one fewer live. */
static void finish(struct rtme *r, struct rtme_vcpu *rv)
{
	rtm__reset(&rv->tx);
	rv->doomed = 0;
	rv->away = 0;
	rv->planned = 0;
	/* Pairs with the load of live in rtme__before (the Dekker pair with native_run). */
	__atomic_store_n(&r->live, r->live - 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&r->cond);
}

/* After an interrupt was delivered inside: its frame returns to the fallback instead. */
static int restore_frame(struct vcpu *v, struct rtme_vcpu *rv, uint32_t status)
{
	struct kvm_regs cur, regs = rv->regs;
	struct kvm_sregs s;
	uint64_t f[5];

	if (vcpu__get_regs(v, &cur) || vcpu__get_sregs(v, &s) ||
	    paging__read_virt(&v->vm->mem, s.cr3, cur.rsp, f, sizeof(f)))
		return err__set(EIO, "vCPU %d: RTME cannot read the interrupt frame", v->id);
	f[0] = rv->tx.fallback;
	f[2] = rv->regs.rflags;
	f[3] = rv->regs.rsp;
	if (paging__write_virt(&v->vm->mem, s.cr3, cur.rsp, f, sizeof(f)))
		return err__set(EIO, "vCPU %d: RTME cannot write the interrupt frame", v->id);
	regs.rip = cur.rip;
	regs.rsp = cur.rsp;
	regs.rflags = cur.rflags;
	regs.rax = status;
	return vcpu__set_regs(v, &regs);
}

/* Back to the XBEGIN-time state at the fallback; an exception delivered inside is undone. */
static int restore(struct vcpu *v, struct rtme_vcpu *rv, uint32_t status, int vector)
{
	struct kvm_regs regs = rv->regs;
	struct kvm_sregs s;
	int ret;

	if (vector != VEC_NONE && (vector >= 32 || vector == 2))
		ret = restore_frame(v, rv, status);
	else {
		regs.rax = status; /* zero-extended, as a 32-bit write */
		regs.rip = rv->tx.fallback;
		ret = vcpu__set_regs(v, &regs);
		if (!ret && vector != VEC_NONE && !(ret = vcpu__get_sregs(v, &s))) {
			s.cs = rv->sregs.cs;
			s.ss = rv->sregs.ss;
			s.cr2 = rv->sregs.cr2;
			ret = vcpu__set_sregs(v, &s);
		}
	}
	if (!ret && rv->xsave && kvm__ioctl(v->fd, KVM_SET_XSAVE, rv->xsave) < 0)
		ret = err__set(EIO, "vCPU %d: KVM_SET_XSAVE failed restoring a transaction", v->id);
	return ret;
}

int rtme__abort(struct vcpu *v, struct rtme *r, enum rtm_cause cause, uint8_t imm, int vector)
{
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	uint32_t status = rtm__status(cause, imm, rv->tx.depth);
	struct kvm_regs cur;
	int ret;

	if (vcpu__get_regs(v, &cur))
		cur.rip = 0;
	emit_abort(v, rv, cause, status, cur.rip, vector);
	ret = restore(v, rv, status, vector);
	rtme__lock(v, r);
	r->stats.aborts[cause]++;
	finish(r, rv);
	rtme__role_after_tx(v, r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static uint64_t rng_next(struct rtme *r)
{
	r->rng ^= r->rng << 13; /* xorshift64 */
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

/* The outermost XBEGIN: the state to come back to, then the transaction. */
static int begin(struct vcpu *v, struct rtme *r, struct kvm_regs *regs, uint64_t rip,
		 const struct rtm_insn *in)
{
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	uint64_t fb = rip + in->len + in->rel;
	int inject;

	if (!paging__canonical(fb))
		return emulate__inject(v, VEC_GP, 1, 0, 0);
	/*
	 * An interrupt already waiting when a free-running vCPU reaches XBEGIN is taken first,
	 * as the CPU takes it at the instruction boundary: XBEGIN runs again after its IRET.
	 */
	if (rv->role == RV_NATIVE && (regs->rflags & RFLAGS_IF) && rv->deferred < MAX_DEFER &&
	    rtme__irq_pending(v)) {
		rv->deferred++;
		return vcpu__set_regs(v, regs);
	}
	rv->deferred = 0;
	if (vcpu__get_sregs(v, &rv->sregs) ||
	    (rv->xsave && kvm__ioctl(v->fd, KVM_GET_XSAVE, rv->xsave) < 0))
		return err__set(EIO, "vCPU %d: RTME cannot save the state at XBEGIN", v->id);
	rv->regs = *regs;
	rv->begin_rip = rip;
	rv->cr3 = rv->sregs.cr3;
	rv->insns = 0;
	rv->t_begin = trace_clock__now();
	rtme__lock(v, r);
	rtme__wait_irqs(v, r);
	rtm__xbegin(&rv->tx, fb);
	rtme__set_role(v, rv, RV_TX); /* an interrupt aborts it instead (order.c) */
	rv->doomed = 0;
	rv->planned = 0;
	/* Pairs with the load of live in rtme__before (the Dekker pair with native_run). */
	__atomic_store_n(&r->live, r->live + 1, __ATOMIC_SEQ_CST);
	r->stats.begins++;
	inject =
		r->o.abort_rate > 0 && (double)(rng_next(r) >> 11) / (1ull << 53) < r->o.abort_rate;
	pthread_mutex_unlock(&r->lock);
	trace_emit(tx_begin, v->trace, .vcpu = v->id, .depth = 1, .rip = rip, .fallback = fb,
		   .cr3 = rv->cr3);
	regs->rip = rip + in->len;
	if (vcpu__set_regs(v, regs))
		return -EIO;
	if (inject)
		return rtme__abort(v, r, RTM_C_INJECTED, 0, VEC_NONE);
	return rtme__wait_quiet(v, r);
}

static int read_mem(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	return mem__read(ctx, gpa, buf, len);
}

static int commit_store(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	return mem__write(ctx, gpa, buf, len);
}

/*
 * The outermost XEND: publish the redo log, unless another vCPU's access doomed it.  0
 * committed, 1 aborted instead, or -errno.
 */
static int commit(struct vcpu *v, struct rtme *r, uint64_t rip)
{
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	uint64_t now = trace_clock__now();
	struct trace_tx_commit_args a = { .vcpu = v->id, .rip = rip, .begin_rip = rv->begin_rip };
	int ret;

	rtme__lock(v, r);
	if (!rv->doomed && rtm__changed(&rv->tx, read_mem, &v->vm->mem)) {
		/* A store no conflict test saw (a device model's, say): the read is stale. */
		r->stats.stale++;
		rv->doomed = 1;
		rv->doom_cause = RTM_C_CONFLICT;
	}
	if (rv->doomed) {
		enum rtm_cause c = rv->doom_cause;

		rv->tx.depth++; /* the XEND did not happen */
		pthread_mutex_unlock(&r->lock);
		return rtme__abort(v, r, c, 0, VEC_NONE) ?: 1;
	}
	ret = rtm__commit(&rv->tx, commit_store, &v->vm->mem);
	a.insns = rv->insns;
	a.reads = rv->tx.nr_read;
	a.writes = rv->tx.nr_write;
	a.duration_ns = trace_clock__ticks_to_ns(now - rv->t_begin);
	r->stats.commits++;
	finish(r, rv);
	rtme__role_after_tx(v, r);
	pthread_mutex_unlock(&r->lock);
	trace_emit_tx_commit_ts(v->trace, now, &a);
	return ret ? err__set(EIO, "vCPU %d: RTME could not commit to guest memory", v->id) : 0;
}

/* One RTM instruction at rip (in: decoded), in or out of a transaction. */
static int emulate(struct vcpu *v, struct rtme *r, struct kvm_regs *regs, uint64_t rip,
		   const struct rtm_insn *in)
{
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	int in_tx = rv->role == RV_TX, ret;

	if (in->lock || in->bad_prefix) /* #UD; inside, suppressed: an abort */
		return in_tx ? rtme__abort(v, r, RTM_C_EXCEPTION, 0, VEC_UD)
			     : emulate__inject(v, VEC_UD, 0, 0, 0);
	switch (in->op) {
	case RTM_OP_XBEGIN:
		if (!in_tx)
			return begin(v, r, regs, rip, in);
		rtme__lock(v, r);
		ret = rtm__xbegin(&rv->tx, 0);
		pthread_mutex_unlock(&r->lock);
		if (ret)
			return rtme__abort(v, r, RTM_C_NEST, 0, VEC_NONE);
		break;
	case RTM_OP_XEND:
		if (!in_tx)
			return emulate__inject(v, VEC_GP, 1, 0, 0);
		rtme__lock(v, r);
		ret = rtm__xend(&rv->tx);
		pthread_mutex_unlock(&r->lock);
		if (ret == 1 && (ret = commit(v, r, rip)))
			return ret < 0 ? ret : 0; /* 1: aborted instead, at the fallback now */
		break;
	case RTM_OP_XABORT:
		if (in_tx)
			return rtme__abort(v, r, RTM_C_XABORT, in->imm, VEC_NONE);
		break; /* a NOP outside a transaction */
	case RTM_OP_XTEST:
		regs->rflags &= ~RFLAGS_STATUS;
		regs->rflags |= in_tx ? 0 : RFLAGS_ZF;
		break;
	default:
		return 0;
	}
	regs->rip = rip + in->len;
	return vcpu__set_regs(v, regs);
}

int rtme__at_rtm(struct vcpu *v, struct rtme *r, uint64_t rip, int *handled)
{
	uint8_t bytes[MIME_INSN_MAX];
	struct kvm_regs regs;
	struct kvm_sregs s;
	struct rtm_insn in;
	int len;

	*handled = 0;
	if (vcpu__get_regs(v, &regs) || vcpu__get_sregs(v, &s))
		return -EIO;
	len = fetch(v, s.cr3, rip, bytes, sizeof(bytes));
	if (len <= 0 || rtm__decode(bytes, len, &in) != 1)
		return 0;
	*handled = 1;
	regs.rip = rip;
	return emulate(v, r, &regs, rip, &in);
}

static int rtme_cpuid(struct vm *vm)
{
	int i, ret;

	vm->features |= CPUID_VMSCOPE_F_RTM;
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu__set_cpuid(&vm->vcpus[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int rtme_vcpus(struct rtme *r)
{
	int i, ret, lines = r->o.write_lines;

	r->vcpu = calloc(r->vm->nr_vcpus, sizeof(*r->vcpu));
	if (!r->vcpu)
		return err__set(ENOMEM, "out of memory for RTME");
	for (i = 0; i < r->vm->nr_vcpus; i++) {
		struct rtme_vcpu *rv = &r->vcpu[i];

		ret = rtm__init(&rv->tx, r->o.max_depth, r->o.read_lines, lines);
		if (ret)
			return ret;
		rv->saved = calloc(lines, sizeof(*rv->saved));
		rv->saved_addr = calloc(lines, sizeof(*rv->saved_addr));
		rv->xsave = calloc(1, sizeof(*rv->xsave));
		if (!rv->saved || !rv->saved_addr || !rv->xsave)
			return err__set(ENOMEM, "out of memory for RTME's logs");
		/* The vCPU's decoder opens here, before its thread runs. */
		if (!vcpu__decoder(&r->vm->vcpus[i]))
			return -EOPNOTSUPP;
	}
	return 0;
}

static void rtme_free(struct vm *vm, void *priv)
{
	struct rtme *r = priv;
	int i;

	for (i = 0; r->vcpu && i < vm->nr_vcpus; i++) {
		rtm__free(&r->vcpu[i].tx);
		free(r->vcpu[i].saved);
		free(r->vcpu[i].saved_addr);
		free(r->vcpu[i].xsave);
	}
	free(r->vcpu);
	free(r->sites);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* The run's last word on RTME: transactions, aborts by cause, the ordering's counters. */
static void rtme_summary(struct vm *vm, void *priv, FILE *f)
{
	struct rtme_stats st;
	uint64_t aborts = 0;
	int c;

	(void)priv;
	rtme__stats(vm, &st);
	for (c = 0; c < RTM_C_MAX; c++)
		aborts += st.aborts[c];
	fprintf(f, "vmscope: RTME: %llu transactions, %llu committed, %llu aborted (",
		(unsigned long long)st.begins, (unsigned long long)st.commits,
		(unsigned long long)aborts);
	for (c = 0; c < RTM_C_MAX; c++)
		fprintf(f, "%s%s %llu", c ? ", " : "", rtm__cause_name(c),
			(unsigned long long)st.aborts[c]);
	fprintf(f,
		"); %llu transactional instructions, %llu instructions of other vCPUs checked "
		"(%llu with references not known), %llu ordered runs that went past one "
		"instruction, %llu commits refused for a read gone stale, %llu interrupts taken "
		"unstepped, %llu kicks with an int3's #BP on its way\n",
		(unsigned long long)st.insns, (unsigned long long)st.observed,
		(unsigned long long)st.unknown, (unsigned long long)st.ran_on,
		(unsigned long long)st.stale, (unsigned long long)st.irq_out,
		(unsigned long long)st.bp_in_flight);
}

/*
 * Around every KVM_RUN: RTME orders the vCPUs' instructions while a transaction is live
 * (order.c).
 */
static const struct vm_feature_ops rtme_feature = {
	.name = "rtme",
	.before_run = rtme__before,
	.after_run = rtme__after,
	.summary = rtme_summary,
	.unsaved = "--rtme (transactions' logs and trap sites are not saved)",
	.free = rtme_free,
};

static struct rtme *rtme_of(const struct vm *vm)
{
	return vm__feature_priv(vm, &rtme_feature);
}

int rtme__setup(struct vm *vm, const struct rtme_opts *o)
{
	struct rtme *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return err__set(ENOMEM, "out of memory for RTME");
	r->vm = vm;
	r->o = *o;
	r->o.max_depth = o->max_depth ? o->max_depth : RTME_DEFAULT_DEPTH;
	r->o.read_lines = o->read_lines ? o->read_lines : RTME_DEFAULT_READ_LINES;
	r->o.write_lines = o->write_lines ? o->write_lines : RTME_DEFAULT_WRITE_LINES;
	r->o.irq_defer = o->irq_defer > 0   ? o->irq_defer
			 : o->irq_defer < 0 ? 0
					    : RTME_DEFAULT_IRQ_DEFER;
	r->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ull;
	r->holder = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	ret = vm__feature_add(vm, &rtme_feature, r);
	if (ret) {
		rtme_free(vm, r);
		return err__wrap(ret, "--rtme");
	}
	ret = rtme_vcpus(r);
	if (!ret)
		ret = rtme_cpuid(vm);
	if (!ret)
		ret = rtme__gate_install(vm, r);
	if (ret) {
		rtme__free(vm);
		return err__wrap(ret, "--rtme");
	}
	return 0;
}

void rtme__stats(struct vm *vm, struct rtme_stats *st)
{
	struct rtme *r = rtme_of(vm);

	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	*st = r->stats;
	pthread_mutex_unlock(&r->lock);
}

void rtme__free(struct vm *vm)
{
	vm__feature_del(vm, &rtme_feature);
}
