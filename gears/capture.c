// SPDX-License-Identifier: GPL-2.0
/*
 * Selective system-call capture (docs/gears.md).  The guest's LSTAR writes are filtered: the
 * CPU gets the stub's address, the guest's reads get its own value.  The stub (abi/gears.h)
 * tests the call number against the selection bitmap and writes PORT_GEARS_SYSCALL only for a
 * selected call (filter mode), or for every call (trap mode), then jumps to the guest's own
 * entry.  Trap mode uses a hardware execute breakpoint on the guest's own entry instead where
 * the host delivers them (debug.h), and on hosts where vmscope completes every ring-3 SYSCALL
 * (hostfix.h) capture is done at that exit, in either mode, with no stub and no exit of its
 * own.  At the entry vmscope records the call and, unless the call does not return to its
 * caller, points the return address (RCX) at a trampoline mapped into the process, which
 * writes the return value to the doorbell; vmscope records it and resumes the caller where
 * its call returns.  A pending return is keyed by (address space, user stack): the same
 * thread, whichever vCPU it returns on.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/gears.h"
#include "../abi/layout.h"
#include "../core/hostfix.h"
#include "../core/paging.h"
#include "../core/vcpu.h"
#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/clock.h"
#include "gears_int.h"
#include "sysdecode.h"

#define RFLAGS_RF (1ull << 16) /* resume: the next instruction's breakpoint does not fire */
#define MSR_SYSENTER_EIP 0x176
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083

int gears__parse_mode(const char *s, enum gears_mode *mode)
{
	if (s && !strcmp(s, "filter"))
		*mode = GEARS_FILTER;
	else if (s && !strcmp(s, "trap"))
		*mode = GEARS_TRAP;
	else
		return err__set(EINVAL, "--syscall-mode '%s': use filter or trap", s ? s : "");
	return 0;
}

const char *gears__mode_name(enum gears_mode mode)
{
	return mode == GEARS_TRAP ? "trap" : "filter";
}

/* Calls that do not come back to the instruction after their SYSCALL: no return is followed. */
static int returns_to_caller(unsigned int nr)
{
	switch (nr) {
	case 15: /* rt_sigreturn */
	case 56: /* clone: the child would return to a trampoline it has not got */
	case 57: /* fork */
	case 58: /* vfork */
	case 59: /* execve */
	case 60: /* exit */
	case 231: /* exit_group */
	case 322: /* execveat */
	case 435: /* clone3 */
		return 0;
	}
	return 1;
}

static void put32(uint8_t *p, int32_t v)
{
	memcpy(p, &v, 4);
}

_Static_assert(VM_MAX_VCPUS *GEARS_STUB_SLOT <= GEARS_STUB_BITMAP, "a stub slot per vCPU");

/*
 * vCPU id's entry stub, continuing at lstar: filter mode tests the bitmap, trap mode exits
 * for every call.  The continuation is stored whole (the vCPU may be entering the stub).
 */
static void write_stub(struct gears *g, int id, uint64_t lstar)
{
	static const uint8_t filter[] = {
		0x48, 0x3d,
		0x00, 0x02,
		0x00, 0x00, /* cmp $512, %rax */
		0x73, 0x0e, /* jae pass */
		0x48, 0x0f,
		0xa3, 0x05,
		0,    0,
		0,    0, /* bt %rax, bitmap(%rip) */
		0x73, 0x04, /* jnc pass */
		0xe6, PORT_GEARS_SYSCALL, /* out %al, $PORT_GEARS_SYSCALL */
		0x90, 0x90, /* pass: */
		0xff, 0x25,
		0,    0,
		0,    0, /* jmp *orig(%rip) */
	};
	static const uint8_t trap[] = {
		0xe6, PORT_GEARS_SYSCALL, /* out %al, $PORT_GEARS_SYSCALL */
		0xff, 0x25,
		0,    0,
		0,    0, /* jmp *orig(%rip) */
	};
	uint32_t slot = (uint32_t)id * GEARS_STUB_SLOT;
	uint8_t *stub = g->region + GEARS_OFF_STUB + slot;

	__atomic_store_n((uint64_t *)(stub + GEARS_STUB_ORIG), lstar, __ATOMIC_RELAXED);
	if (g->opts.mode == GEARS_FILTER) {
		memcpy(stub, filter, sizeof(filter));
		put32(stub + 12, GEARS_STUB_BITMAP - slot - 16);
		put32(stub + 24, GEARS_STUB_ORIG - 28);
	} else {
		memcpy(stub, trap, sizeof(trap));
		put32(stub + 4, GEARS_STUB_ORIG - 8);
	}
}

/* Is nr in the selection as published in the region (no lock: a hint, the lock decides)? */
static int published(struct gears *g, uint64_t nr)
{
	const uint64_t *bm = (const uint64_t *)(g->region + GEARS_OFF_STUB + GEARS_STUB_BITMAP);

	return nr < SYSCALL_NR_MAX &&
	       (__atomic_load_n(&bm[nr / 64], __ATOMIC_RELAXED) >> (nr % 64) & 1);
}

/* Publish the selection to the stub: word by word, each store whole (the stub reads bits). */
static void write_bitmap(struct gears *g)
{
	uint64_t *bm = (uint64_t *)(g->region + GEARS_OFF_STUB + GEARS_STUB_BITMAP);
	unsigned int i;

	for (i = 0; i < SYSCALL_NR_MAX / 64; i++)
		__atomic_store_n(&bm[i], g->sel.words[i], __ATOMIC_RELAXED);
}

/* The user trampoline: mov %rax, doorbell(%rip); ud2 (never reached: vmscope resumes). */
static void write_tramp(struct gears *g)
{
	static const uint8_t tramp[] = { 0x48, 0x89, 0x05, 0, 0, 0, 0, 0x0f, 0x0b };
	uint8_t *t = g->region + GEARS_OFF_TRAMP;

	memcpy(t, tramp, sizeof(tramp));
	put32(t + 3, GEARS_USER_DOORBELL - GEARS_USER_TRAMP - 7);
}

/* Where vCPU id's CPU should enter on SYSCALL: its stub, once it is in place. */
static uint64_t cpu_lstar(struct gears *g, int id, uint64_t guest)
{
	if (g->mech != GEARS_MECH_STUB || g->removing || !g->kva)
		return guest;
	return g->kva + GEARS_OFF_STUB + (uint64_t)id * GEARS_STUB_SLOT;
}

/*
 * An LSTAR write of the guest, learned again at every write: the first maps the region beside
 * the entry; each points the writing vCPU's stub (or its breakpoint) at the new entry.
 */
static int place_stub(struct gears *g, struct vcpu *v, uint64_t lstar)
{
	struct kvm_sregs s;
	int ret;

	if (g->mech == GEARS_MECH_BREAKPOINT && !g->removing) {
		ret = vcpu__set_standing_bp(v, lstar); /* this vCPU's; each writes its own */
		if (ret)
			fprintf(stderr, "vmscope: warning: vCPU %d: no system-call capture: %s\n",
				v->id, err__msg(ret));
		return ret;
	}
	if (g->removing)
		return 0;
	ret = g->kva ? 0 : vcpu__get_sregs(v, &s);
	if (!ret && !g->kva)
		ret = inject__map_kernel(g, s.cr3, lstar);
	if (ret) {
		fprintf(stderr, "vmscope: warning: no system-call capture: %s\n", err__msg(ret));
		return ret;
	}
	write_stub(g, v->id, lstar);
	return 0;
}

/*
 * The guest's LSTAR: its writes are kept and the CPU given the stub; its reads see its own
 * value (a guest checking its entry sees nothing changed).
 */
static int lstar_hook(struct vcpu *v, void *opaque, uint32_t index, int is_write, uint64_t *data)
{
	struct gears *g = opaque;
	uint64_t cpu;

	if (!is_write) {
		if (g->guest_lstar[v->id])
			*data = g->guest_lstar[v->id];
		else if (vcpu__get_msr(v, index, data))
			return -EPERM;
		return 0;
	}
	pthread_mutex_lock(&g->lock);
	g->guest_lstar[v->id] = *data;
	place_stub(g, v, *data);
	cpu = cpu_lstar(g, v->id, *data);
	pthread_mutex_unlock(&g->lock);
	return vcpu__set_msr(v, index, cpu) ? -EPERM : 0;
}

/* CSTAR and SYSENTER_EIP pass through; vmscope keeps what the guest wrote. */
static int other_entry_hook(struct vcpu *v, void *opaque, uint32_t index, int is_write,
			    uint64_t *data)
{
	struct gears *g = opaque;

	if ((is_write ? vcpu__set_msr(v, index, *data) : vcpu__get_msr(v, index, data)))
		return -EPERM;
	if (is_write)
		*(index == MSR_CSTAR ? &g->cstar : &g->sysenter_eip) = *data;
	return 0;
}

struct reader {
	const struct guest_mem *mem;
	uint64_t cr3;
};

/* sysdecode's reader: guest-virtual memory of one address space, RAM only. */
static int read_guest(void *ctx, uint64_t gva, void *buf, size_t len)
{
	struct reader *r = ctx;

	return paging__read_virt(r->mem, r->cr3, gva, buf, len) ? -EFAULT : 0;
}

/* The first path or string argument, raw, NUL-terminated; "<fault>" when unreadable. */
static void first_string(const struct sysdecode_call *c, struct reader *r, char *buf, size_t size)
{
	const struct syscall_desc *d = syscall__by_nr(c->nr);
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; d && i < d->nargs; i++) {
		enum sysarg_kind k = sysarg__kind(d->args[i]);

		if (k != SYSA_PATH && k != SYSA_STR)
			continue;
		for (n = 0; n < size - 1; n++) {
			if (read_guest(r, c->args[i] + n, &buf[n], 1)) {
				snprintf(buf, size, "<fault>");
				return;
			}
			if (!buf[n])
				return;
		}
		buf[n] = '\0';
		return;
	}
}

static void name_of(unsigned int nr, char *buf, size_t size)
{
	const char *name = syscall__name(nr);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "syscall_%#x", nr);
}

static void emit_entry(struct gears *g, struct vcpu *v, const struct sysdecode_call *c,
		       uint64_t cr3, uint64_t rip, uint64_t ts, int32_t pid)
{
	struct reader r = { &g->vm->mem, cr3 };
	struct trace_syscall_entry_args a = {
		.vcpu = v->id,
		.pid = pid,
		.cr3 = cr3,
		.nr = c->nr,
		.mode = g->opts.mode,
		.rip = rip,
	};
	int i;

	if (!v->trace)
		return;
	name_of(c->nr, (char *)a.name, sizeof(a.name));
	for (i = 0; i < 6; i++)
		(&a.a0)[i] = c->args[i];
	first_string(c, &r, (char *)a.path, sizeof(a.path));
	sysdecode__format(c, read_guest, &r, (char *)a.text, sizeof(a.text));
	trace_emit_syscall_entry_ts(v->trace, ts, &a);
}

/* A pending return: the free slot, or the one of (cr3, rsp) when find. */
static struct pending *pending_slot(struct gears *g, uint64_t cr3, uint64_t rsp, int find)
{
	int i;

	for (i = 0; i < GEARS_MAX_PENDING; i++) {
		struct pending *p = &g->pending[i];

		if (find ? p->used && p->cr3 == cr3 && p->rsp == rsp : !p->used)
			return p;
	}
	return NULL;
}

/* Send the call's return through the process's trampoline (1: RCX changed), or count why not. */
static int follow_return(struct gears *g, struct vcpu *v, const struct sysdecode_call *c,
			 struct kvm_regs *r, uint64_t cr3, uint64_t ts, int32_t pid)
{
	struct pending *p;
	uint64_t tramp;

	if (!returns_to_caller(c->nr)) {
		g->stats.untracked++;
		return 0;
	}
	p = pending_slot(g, cr3, r->rsp, 0);
	tramp = p ? inject__map_user(g, cr3) : 0;
	if (!tramp) {
		g->stats.no_room++;
		return 0;
	}
	*p = (struct pending){ .cr3 = cr3,
			       .rsp = r->rsp,
			       .rip = r->rcx,
			       .entry_ts = ts,
			       .nr = c->nr,
			       .vcpu = v->id,
			       .pid = pid,
			       .used = 1 };
	memcpy(p->args, c->args, sizeof(p->args));
	g->nr_pending++;
	r->rcx = tramp + GEARS_USER_TRAMP;
	return 1;
}

static void call_from_regs(const struct kvm_regs *r, struct sysdecode_call *c)
{
	*c = (struct sysdecode_call){
		.nr = (unsigned int)r->rax,
		.args = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 },
		.phase = SYSDECODE_ENTRY,
	};
}

/*
 * A call at the guest's entry (r: RAX its number, RCX its return address, RSP the user stack;
 * cr3 its address space): recorded if selected, its return followed.  own_exit: capture made
 * this exit (stub, breakpoint), counted as such.  1 when r changed (RCX), else 0.
 */
static int capture_entry(struct gears *g, struct vcpu *v, struct kvm_regs *r, uint64_t cr3,
			 int own_exit)
{
	uint64_t ts, ret_rip = r->rcx;
	struct sysdecode_call c;
	int32_t pid = -1;
	int changed;

	call_from_regs(r, &c);
	if (published(g, r->rax))
		profile__current(v, cr3, &pid); /* before the lock: it asks KVM for an MSR */
	pthread_mutex_lock(&g->lock);
	/* Stamped under the lock, as selection changes are: the trace orders them truly. */
	ts = trace_clock__now();
	g->stats.entry_exits += own_exit;
	g->stats.completed += !own_exit;
	if (g->removing || r->rax >= SYSCALL_NR_MAX ||
	    !syscall_set__has(&g->sel, (unsigned int)r->rax)) {
		/* trap mode, or a selection changed meanwhile */
		g->stats.unselected_exits += own_exit;
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	g->stats.entries++;
	changed = follow_return(g, v, &c, r, cr3, ts, pid);
	pthread_mutex_unlock(&g->lock);
	emit_entry(g, v, &c, cr3, ret_rip, ts, pid);
	return changed;
}

/* The stub's exit (port write): the state is the guest's entry's. */
static int entry_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		      uint8_t *data)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)port, (void)size, (void)is_write, (void)data;
	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return -EIO;
	if (capture_entry(opaque, v, &r, s.cr3 & PTE_ADDR_MASK, 1))
		return vcpu__set_regs(v, &r);
	return 0;
}

/*
 * The breakpoint on the guest's entry (trap mode where breakpoints fire): a call, recorded as
 * by the stub; RFLAGS.RF lets the entry's first instruction run without stopping again.
 */
static int bp_hook(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct gears *g = opaque;
	struct kvm_regs r;
	struct kvm_sregs s;

	if (run->debug.arch.exception != 1 || !(run->debug.arch.dr6 & (1u << VCPU_DR_STANDING)))
		return 0;
	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s) || !g->guest_lstar[v->id] ||
	    r.rip != g->guest_lstar[v->id])
		return 0;
	capture_entry(g, v, &r, s.cr3 & PTE_ADDR_MASK, 1);
	if (g->removing)
		vcpu__set_standing_bp(v, 0);
	r.rflags |= RFLAGS_RF;
	vcpu__set_regs(v, &r);
	return 1;
}

/* A ring-3 SYSCALL vmscope's host fixup completed (hostfix.h): capture at no exit of its own. */
static void completion_hook(struct vcpu *v, void *opaque, struct kvm_regs *r,
			    const struct kvm_sregs *s)
{
	capture_entry(opaque, v, r, s->cr3 & PTE_ADDR_MASK, 0);
}

static void emit_exit(struct gears *g, struct vcpu *v, const struct pending *p, int64_t ret)
{
	struct sysdecode_call c = { .nr = p->nr, .phase = SYSDECODE_EXIT, .ret = ret };
	struct reader r = { &g->vm->mem, p->cr3 };
	struct trace_syscall_exit_args a = {
		.vcpu = v->id,
		.pid = p->pid,
		.cr3 = p->cr3,
		.nr = p->nr,
		.mode = g->opts.mode,
		.ret = ret,
		.entry_ts = p->entry_ts,
		.rip = p->rip,
	};
	const char *e = syscall__errno_name(ret);

	if (!v->trace)
		return;
	memcpy(c.args, p->args, sizeof(c.args));
	name_of(p->nr, (char *)a.name, sizeof(a.name));
	snprintf((char *)a.err, sizeof(a.err), "%s", e ? e : "");
	sysdecode__format(&c, read_guest, &r, (char *)a.text, sizeof(a.text));
	trace_emit_syscall_exit_ts(v->trace, trace_clock__now(), &a);
}

/* Unmap once capture has ended and no call is still inside the guest kernel. */
static void maybe_unmap(struct gears *g)
{
	if (g->removing && !g->nr_pending && g->nr_edits) {
		int left = inject__unmap_all(g);

		if (left)
			fprintf(stderr,
				"vmscope: GEARS left %d page-table entries the guest had changed\n",
				left);
	}
}

/* The trampoline's write: RAX is the return value; resume the caller where it returns. */
static int return_hook(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
		       uint8_t *data)
{
	struct gears *g = opaque;
	struct pending p, *slot;
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)gpa, (void)len, (void)data;
	if (!is_write || vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return -EIO;
	pthread_mutex_lock(&g->lock);
	slot = pending_slot(g, s.cr3 & PTE_ADDR_MASK, r.rsp, 1);
	if (slot) {
		p = *slot;
		slot->used = 0;
		g->nr_pending--;
		g->stats.returns++;
		maybe_unmap(g);
	}
	pthread_mutex_unlock(&g->lock);
	if (!slot)
		return err__set(EFAULT,
				"vCPU %d reached GEARS' return trampoline with no call pending "
				"(cr3 0x%llx, rsp 0x%llx)",
				v->id, (unsigned long long)s.cr3, (unsigned long long)r.rsp);
	r.rip = p.rip;
	r.rcx = p.rip; /* as SYSRET leaves it */
	emit_exit(g, v, &p, (int64_t)r.rax);
	return vcpu__set_regs(v, &r);
}

/* The mechanism for the mode on this host (gears.h). */
static enum gears_mech choose_mech(struct vm *vm, enum gears_mode mode)
{
	if (hostfix__active(vm) & HOSTFIX_SYSCALL)
		return GEARS_MECH_COMPLETION;
	if (mode == GEARS_TRAP && vm->hw_bp_fire)
		return GEARS_MECH_BREAKPOINT;
	return GEARS_MECH_STUB;
}

/* The entry: LSTAR's hook (stub, breakpoint) or the host fixup's observer (completion). */
static int entry_hooks(struct gears *g)
{
	struct hooks *h = &g->vm->hooks;
	int ret;

	if (g->mech == GEARS_MECH_COMPLETION)
		return hostfix__observe_syscalls(g->vm, completion_hook, g);
	ret = hooks__add_msr(h, MSR_LSTAR, "gears-lstar", lstar_hook, g);
	if (ret == -EEXIST)
		return err__set(EBUSY, "another part of vmscope already filters LSTAR");
	if (!ret && g->mech == GEARS_MECH_STUB)
		ret = hooks__add_pio(h, PORT_GEARS_SYSCALL, 1, "gears-entry", entry_hook, g);
	if (!ret && g->mech == GEARS_MECH_BREAKPOINT)
		ret = hooks__add_debug(h, "gears-entry", bp_hook, g);
	return ret;
}

static int setup_hooks(struct gears *g)
{
	struct hooks *h = &g->vm->hooks;
	int ret = entry_hooks(g);

	if (!ret)
		ret = hooks__add_msr(h, MSR_CSTAR, "gears-cstar", other_entry_hook, g);
	if (!ret)
		ret = hooks__add_msr(h, MSR_SYSENTER_EIP, "gears-sysenter", other_entry_hook, g);
	if (!ret)
		ret = hooks__add_mmio(h, GPA_GEARS_DOORBELL, 8, "gears-return", return_hook, g);
	if (!ret)
		ret = vm__apply_msr_filter(g->vm);
	return ret;
}

int capture__resume(struct gears *g)
{
	int i, ret = setup_hooks(g);

	/* The breakpoints are the VMM's, not the guest's: set each vCPU's again. */
	for (i = 0; !ret && g->mech == GEARS_MECH_BREAKPOINT && !g->removing && i < g->vm->nr_vcpus;
	     i++)
		if (g->guest_lstar[i])
			ret = vcpu__set_standing_bp(&g->vm->vcpus[i], g->guest_lstar[i]);
	return ret;
}

const char *gears__mechanism(struct vm *vm)
{
	static const char *const names[2][4] = {
		{ "", "filter (entry stub)", "filter (hardware breakpoint)",
		  "filter (SYSCALL completion)" },
		{ "", "trap (entry stub)", "trap (hardware breakpoint)",
		  "trap (SYSCALL completion)" },
	};
	struct gears *g = gears_of(vm);

	if (!g || !g->capturing)
		return "";
	return names[g->opts.mode == GEARS_TRAP][g->mech];
}

int gears__setup(struct vm *vm, const struct gears_opts *o)
{
	struct gears *g;
	int ret = gears__ensure(vm, &g);

	if (!ret) {
		g->opts = *o;
		ret = syscall_set__parse(&g->sel, o->syscalls ? o->syscalls : "");
	}
	if (!ret) {
		write_tramp(g);
		write_bitmap(g);
		g->mech = choose_mech(vm, o->mode);
		ret = setup_hooks(g);
	}
	if (!ret)
		g->capturing = 1;
	return ret ? err__wrap(ret, "--syscalls") : 0;
}
