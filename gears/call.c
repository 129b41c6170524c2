// SPDX-License-Identifier: GPL-2.0
/*
 * Calls into the guest (docs/gears.md, abi/gears.h): injected code run in the context of a
 * paused vCPU, in the kernel half of a chosen address space, at CPL 0 with interrupts off.
 * The vCPU's own thread runs it (vm__run_on) between a save and a restore of everything the
 * code can change; an exception enters the region's own IDT, never the guest's, so a faulting
 * call is reported and leaves the guest as it was.  Nothing of the call stays in the guest:
 * the writable mapping goes with it, the code and data pages are cleared, and without
 * system-call capture the kernel mapping is removed as well.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../abi/gears.h"
#include "../abi/layout.h"
#include "../core/exit.h"
#include "../core/paging.h"
#include "../core/vcpu.h"
#include "../lib/err.h"
#include "../trace/clock.h"
#include "gears_int.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define EFER_NX (1ull << 11)
#define RFLAGS_AC (1ull << 18)
#define TSS_IST1 0x24 /* in a 64-bit TSS */
#define TSS_LIMIT 0x67

/* What one call needs in its vCPU's thread. */
struct call_ctx {
	struct gears *g;
	const struct gears_call *c;
	struct gears_call_result *r;
	struct vcpu_state saved;
	struct kvm_mp_state mp; /* the vCPU's, when the call began */
	uint64_t cr3; /* the address space it runs in */
};

static uint8_t *at(struct gears *g, uint64_t off)
{
	return g->region + off;
}

/* Vectors for which the CPU pushes an error code. */
static int has_error_code(int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 ||
	       vec == 30;
}

/* The return stub, the handlers and the IDT's gates (selector: the code segment in use). */
static void write_call_page(struct gears *g, uint16_t cs)
{
	static const uint8_t ret_stub[] = {
		0x0f, 0x20,
		0xd9, /* mov %cr3, %rcx */
		0x0f, 0x22,
		0xd9, /* mov %rcx, %cr3: no translation of the call outlives it */
		0xe6, PORT_GEARS_DONE, /* out %al, $PORT_GEARS_DONE */
		0xeb, 0xfe, /* jmp . */
	};
	static const uint8_t common[] = {
		0x0f, 0x20,
		0xd8, /* mov %cr3, %rax */
		0x0f, 0x22,
		0xd8, /* mov %rax, %cr3 */
		0xe6, PORT_GEARS_FAULT, /* out %al, $PORT_GEARS_FAULT (vector in CL) */
		0xeb, 0xfe, /* jmp . */
	};
	uint8_t *p = at(g, GEARS_OFF_CALL);
	uint64_t base = g->kva + GEARS_OFF_CALL, ist1;
	int vec;

	ist1 = g->kva + GEARS_WRITABLE + GEARS_OFF_IST_TOP;
	memcpy(p + GEARS_CALL_TSS + TSS_IST1, &ist1, 8);
	memcpy(p + GEARS_CALL_RET, ret_stub, sizeof(ret_stub));
	memcpy(p + GEARS_CALL_COMMON, common, sizeof(common));
	for (vec = 0; vec < 256; vec++) {
		uint8_t *h = p + GEARS_CALL_HANDLERS + 8 * vec;
		int32_t rel = GEARS_CALL_COMMON - (GEARS_CALL_HANDLERS + 8 * vec + 7);
		uint64_t addr = base + GEARS_CALL_HANDLERS + 8 * vec;
		uint64_t *gate = (uint64_t *)at(g, GEARS_OFF_IDT + 16 * vec);

		h[0] = 0xb1; /* mov $vec, %cl */
		h[1] = (uint8_t)vec;
		h[2] = 0xe9; /* jmp common */
		memcpy(h + 3, &rel, 4);
		h[7] = 0xcc;
		/* 64-bit interrupt gate, present, DPL 0, IST 1. */
		gate[0] = (addr & 0xffff) | (uint64_t)cs << 16 | 0x8e01ull << 32 |
			  (addr >> 16 & 0xffff) << 48;
		gate[1] = addr >> 32;
	}
}

/* The CPL 0 code and stack segments: the vCPU's own if it is in the kernel, else STAR's. */
static int kernel_segments(struct vcpu *v, const struct kvm_sregs *s, struct kvm_segment *cs,
			   struct kvm_segment *ss)
{
	uint64_t star = 0;
	uint16_t sel;

	if (s->cs.dpl == 0 && s->cs.l) {
		*cs = s->cs;
		*ss = s->ss;
		return 0;
	}
	if (vcpu__get_msr(v, MSR_STAR, &star) || !(star >> 32 & 0xfffc))
		return err__set(EAGAIN,
				"vCPU %d is in user mode and the guest has no kernel code "
				"segment in STAR yet; try again once it has booted",
				v->id);
	sel = star >> 32 & 0xfffc;
	*cs = (struct kvm_segment){ .selector = sel,
				    .limit = 0xffffffff,
				    .type = 11,
				    .present = 1,
				    .s = 1,
				    .l = 1,
				    .g = 1 };
	*ss = (struct kvm_segment){ .selector = sel + 8,
				    .limit = 0xffffffff,
				    .type = 3,
				    .present = 1,
				    .s = 1,
				    .db = 1,
				    .g = 1 };
	return 0;
}

/* Map the region into the kernel half (once), beside LSTAR or, before it is set, the code. */
static int map_kernel(struct gears *g, struct vcpu *v, const struct vcpu_state *st)
{
	uint64_t anchor = 0;

	if (g->kva)
		return 0;
	if (vcpu__get_msr(v, MSR_LSTAR, &anchor))
		anchor = 0;
	if (anchor && !inject__map_kernel(g, st->sregs.cr3, anchor))
		return 0;
	if (st->sregs.cs.dpl == 0) /* no usable entry yet: beside the kernel's own code */
		return inject__map_kernel(g, st->sregs.cr3, st->regs.rip);
	return err__set(EAGAIN,
			"the guest has no usable system-call entry yet and vCPU %d is in "
			"user mode; try again once it has booted",
			v->id);
}

/*
 * A vCPU halted in the guest (HLT with the in-kernel irqchip: its MP state says so) would not
 * run the call until an interrupt came, and the call runs with interrupts off: it runs
 * runnable, and the MP state is put back after it (an interrupt that came meanwhile wakes
 * the guest as it would have).  Without an in-kernel irqchip KVM has no MP state: nothing to do.
 */
static int set_runnable(struct call_ctx *x, struct vcpu *v)
{
	struct kvm_mp_state run = { .mp_state = KVM_MP_STATE_RUNNABLE };

	if (!v->vm->has_irqchip || x->mp.mp_state == KVM_MP_STATE_RUNNABLE)
		return 0;
	return ioctl(v->fd, KVM_SET_MP_STATE, &run) < 0 ? -errno : 0;
}

static int restore_mp_state(struct call_ctx *x, struct vcpu *v)
{
	if (!v->vm->has_irqchip || x->mp.mp_state == KVM_MP_STATE_RUNNABLE)
		return 0;
	if (ioctl(v->fd, KVM_SET_MP_STATE, &x->mp) < 0)
		return err__set(errno, "vCPU %d: cannot put its MP state back after the call: %s",
				v->id, strerror(errno));
	return 0;
}

/* Place the code and enter it: registers, segments, IDT, address space, no pending event. */
static int enter_call(struct call_ctx *x, struct vcpu *v)
{
	struct gears *g = x->g;
	const struct gears_call *c = x->c;
	uint64_t wbase = g->kva + GEARS_WRITABLE, cr3 = x->cr3;
	uint64_t ret_addr = g->kva + GEARS_OFF_CALL + GEARS_CALL_RET;
	struct kvm_vcpu_events ev = x->saved.events;
	struct kvm_sregs s = x->saved.sregs;
	struct kvm_regs r = { 0 };
	int ret;

	ret = kernel_segments(v, &x->saved.sregs, &s.cs, &s.ss);
	if (!ret && !inject__kernel_mapped(g, cr3))
		ret = err__set(EINVAL,
			       "GEARS' pages are not mapped in address space 0x%" PRIx64
			       " (its kernel half is not the one of 0x%" PRIx64 ")",
			       cr3, (uint64_t)x->saved.sregs.cr3);
	if (ret)
		return ret;
	inject__writable(g, 1, s.efer & EFER_NX);
	write_call_page(g, s.cs.selector);
	memcpy(at(g, GEARS_OFF_CODE), c->code, c->len);
	memcpy(at(g, GEARS_OFF_STACK_TOP - 8), &ret_addr, 8);
	r.rip = g->kva + GEARS_OFF_CODE + c->entry;
	r.rsp = wbase + GEARS_OFF_STACK_TOP - 8;
	r.rdi = c->arg;
	r.rsi = wbase + GEARS_OFF_DATA;
	r.rdx = GEARS_DATA_SIZE;
	r.rflags = 0x2 | RFLAGS_AC; /* interrupts off; user pages reachable under SMAP */
	s.cr3 = cr3;
	s.idt.base = g->kva + GEARS_OFF_IDT;
	s.idt.limit = 256 * 16 - 1;
	/* The selector is the guest's (never loaded from its GDT while the call runs). */
	s.tr = (struct kvm_segment){ .base = g->kva + GEARS_OFF_CALL + GEARS_CALL_TSS,
				     .limit = TSS_LIMIT,
				     .selector = s.tr.selector,
				     .type = 11,
				     .present = 1 };
	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	ev.exception.injected = 0;
	ev.exception.pending = 0;
	ev.interrupt.injected = 0;
	ev.nmi.injected = 0;
	ev.nmi.pending = 0;
	ev.flags &= ~KVM_VCPUEVENT_VALID_SMM;
	if (vcpu__set_sregs(v, &s) || vcpu__set_regs(v, &r) ||
	    ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0 || set_runnable(x, v))
		return err__set(EIO, "cannot enter the injected code on vCPU %d", v->id);
	x->r->cr3 = cr3;
	return 0;
}

/* Complete an I/O the vCPU stopped in (its result belongs to the guest, not to the call). */
static void complete_pending_io(struct vcpu *v)
{
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ioctl(v->fd, KVM_RUN, 0);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

static int run_call(struct call_ctx *x, struct vcpu *v, const int *cancel)
{
	struct gears *g = x->g;
	int action = EXIT_RESUME;

	while (action == EXIT_RESUME && !__atomic_load_n(&g->call.done, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(cancel, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&v->vm->stopping, __ATOMIC_ACQUIRE)) {
		action = vcpu__run_once(v);
		x->r->exits++;
	}
	if (g->call.done)
		return 0;
	if (action != EXIT_RESUME || v->vm->stopping)
		return err__set(ESHUTDOWN, "the VM stopped while the injected code ran");
	return 0; /* cancelled: vm__run_on reports the timeout */
}

/* The call in its vCPU's thread (vm_work_fn). */
static int call_work(struct vcpu *v, void *opaque, const int *cancel)
{
	struct call_ctx *x = opaque;
	struct gears *g = x->g;
	uint64_t t0 = trace_clock__now();
	int ret, ret2;

	vcpu__flush_sync(v);
	complete_pending_io(v);
	ret = vcpu__save_context(v, &x->saved);
	x->mp.mp_state = KVM_MP_STATE_RUNNABLE;
	if (!ret && v->vm->has_irqchip && ioctl(v->fd, KVM_GET_MP_STATE, &x->mp) < 0)
		ret = err__set(errno, "vCPU %d: cannot read its MP state: %s", v->id,
			       strerror(errno));
	if (ret)
		return ret;
	x->cr3 = x->c->cr3 ? x->c->cr3 : x->saved.sregs.cr3;
	if (x->c->program)
		ret = profile__find_program(g->vm, x->saved.sregs.cr3, x->c->program, &x->cr3,
					    &x->r->pid);
	if (!ret) {
		pthread_mutex_lock(&g->lock);
		ret = map_kernel(g, v, &x->saved);
		pthread_mutex_unlock(&g->lock);
	}
	g->call = (struct gears_call_state){ .active = 1, .vcpu = v->id };
	if (!ret)
		ret = enter_call(x, v);
	if (!ret)
		ret = run_call(x, v, cancel);
	vcpu__flush_sync(v);
	ret2 = vcpu__restore_context(v, &x->saved) ?: restore_mp_state(x, v);
	inject__writable(g, 0, 0);
	x->r->ns = trace_clock__ticks_to_ns(trace_clock__now() - t0);
	x->r->value = g->call.value;
	x->r->vector = g->call.done == 2 ? g->call.vector : -1;
	x->r->fault_rip = g->call.fault_rip;
	x->r->fault_addr = g->call.fault_addr;
	x->r->error_code = g->call.error_code;
	g->call.active = 0;
	return ret ? ret : ret2;
}

/* PORT_GEARS_DONE: the injected function returned; RAX is its result. */
static int done_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		     uint8_t *data)
{
	struct gears *g = opaque;
	struct kvm_regs r;

	(void)port, (void)size, (void)is_write, (void)data;
	if (!g->call.active || g->call.vcpu != v->id || vcpu__get_regs(v, &r))
		return 0; /* not a call of ours: the write is ignored */
	g->call.value = r.rax;
	__atomic_store_n(&g->call.done, 1, __ATOMIC_RELEASE); /* pairs with run_call's load */
	return 0;
}

/* PORT_GEARS_FAULT: exception CL in the injected code; its frame is on the call's stack. */
static int fault_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		      uint8_t *data)
{
	struct gears *g = opaque;
	uint64_t off, frame[2] = { 0, 0 };
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)port, (void)size, (void)is_write, (void)data;
	if (!g->call.active || g->call.vcpu != v->id || vcpu__get_regs(v, &r) ||
	    vcpu__get_sregs(v, &s))
		return 0;
	g->call.vector = r.rcx & 0xff;
	off = r.rsp - (g->kva + GEARS_WRITABLE);
	if (off <= GPA_GEARS_SIZE - sizeof(frame))
		memcpy(frame, at(g, off), sizeof(frame));
	if (has_error_code(g->call.vector)) {
		g->call.error_code = frame[0];
		g->call.fault_rip = frame[1];
	} else {
		g->call.fault_rip = frame[0];
	}
	g->call.fault_addr = g->call.vector == 14 ? s.cr2 : 0;
	__atomic_store_n(&g->call.done, 2, __ATOMIC_RELEASE); /* pairs with run_call's load */
	return 0;
}

int call__add_hooks(struct gears *g)
{
	int ret = hooks__add_pio(&g->vm->hooks, PORT_GEARS_DONE, 1, "gears-done", done_hook, g);

	if (!ret)
		ret = hooks__add_pio(&g->vm->hooks, PORT_GEARS_FAULT, 1, "gears-fault", fault_hook,
				     g);
	return ret;
}

static int check_call(const struct vm *vm, const struct gears_call *c)
{
	if (!c->len || c->len > GEARS_CODE_MAX)
		return err__set(EINVAL, "injected code of %zu bytes; it must be 1 to %llu bytes",
				c->len, (unsigned long long)GEARS_CODE_MAX);
	if (c->entry >= c->len)
		return err__set(EINVAL, "entry offset %" PRIu64 " is past the code's %zu bytes",
				c->entry, c->len);
	if (c->vcpu < 0 || c->vcpu >= vm->nr_vcpus)
		return err__set(EINVAL, "no vCPU %d: this VM has %d", c->vcpu, vm->nr_vcpus);
	if (c->cr3 & ~PTE_ADDR_MASK & ~0xfffull)
		return err__set(EINVAL, "address space 0x%" PRIx64 " is not a CR3 value", c->cr3);
	if (c->program && c->cr3)
		return err__set(EINVAL,
				"give the address space by --cr3 or by --program, not both");
	if (c->program && (!*c->program || strlen(c->program) > 15))
		return err__set(EINVAL, "program name '%s': 1 to 15 characters", c->program);
	return 0;
}

/* Remove what the call left: its pages, and the kernel mapping unless capture uses it. */
static void call_cleanup(struct gears *g)
{
	memset(at(g, GEARS_OFF_CALL), 0, GEARS_OFF_CODE - GEARS_OFF_CALL);
	memset(at(g, GEARS_OFF_CODE), 0, GPA_GEARS_SIZE - GEARS_OFF_CODE);
	pthread_mutex_lock(&g->lock);
	if (!g->capturing && g->nr_edits)
		inject__unmap_all(g);
	pthread_mutex_unlock(&g->lock);
}

static int describe_fault(const struct gears_call_result *r)
{
	if (r->vector == 14)
		return err__set(
			EFAULT,
			"the injected code took a page fault (vector 14, error code 0x%" PRIx64
			") at rip 0x%" PRIx64 " on address 0x%" PRIx64 "; the guest is as it was",
			r->error_code, r->fault_rip, r->fault_addr);
	return err__set(EFAULT,
			"the injected code took exception vector %d at rip 0x%" PRIx64
			"; the guest is as it was",
			r->vector, r->fault_rip);
}

int gears__call(struct vm *vm, const struct gears_call *c, struct gears_call_result *r)
{
	struct call_ctx *x;
	struct gears *g;
	int ret, paused;

	memset(r, 0, sizeof(*r));
	r->vector = -1;
	r->pid = -1;
	ret = check_call(vm, c);
	if (ret)
		return ret;
	x = calloc(1, sizeof(*x));
	if (!x)
		return err__set(ENOMEM, "out of memory for an injected call");
	paused = !vm__pause(vm);
	ret = gears__ensure(vm, &g);
	if (!ret) {
		*x = (struct call_ctx){ .g = g, .c = c, .r = r };
		ret = vm__run_on(vm, c->vcpu, call_work, x,
				 c->timeout_ms > 0 ? c->timeout_ms : 1000);
		call_cleanup(g);
	}
	if (paused)
		vm__resume(vm);
	free(x);
	if (!ret && r->vector >= 0)
		ret = describe_fault(r);
	if (ret == -ETIMEDOUT)
		err__set(ETIMEDOUT,
			 "the injected code did not return within %d ms; it was stopped and the "
			 "guest is as it was (give more time with --timeout MS)",
			 c->timeout_ms > 0 ? c->timeout_ms : 1000);
	return ret;
}
