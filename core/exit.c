// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "../trace/catalogue.h"
#include "../trace/trace.h"
#include "../lib/err.h"
#include "exit.h"
#include "hooks.h"
#include "vcpu.h"
#include "vm.h"

static const char *const exit_names[EXIT_REASON_MAX] = {
#define X(name, value) [value] = #name,
#include "../trace/exit_reasons.def"
#undef X
};

static const char *const extra_names[EXIT_X_MAX] = {
	[EXIT_X_PIO_UNHANDLED] = "io_unhandled",  [EXIT_X_MMIO_UNHANDLED] = "mmio_unhandled",
	[EXIT_X_MSR_UNHANDLED] = "msr_unhandled", [EXIT_X_SIGNAL] = "signal",
	[EXIT_X_FIX_SYSCALL] = "fix_syscall",	  [EXIT_X_FIX_INTN] = "fix_int_n",
	[EXIT_X_FIX_EMULATE] = "fix_emulate",	  [EXIT_X_FIX_STEP] = "fix_step",
	[EXIT_X_FIX_PASS] = "fix_passthrough",
};

const char *exit__reason_name(uint32_t reason)
{
	if (reason < EXIT_REASON_MAX && exit_names[reason])
		return exit_names[reason];
	return "UNKNOWN";
}

const char *exit__extra_name(enum exit_extra x)
{
	return (unsigned)x < EXIT_X_MAX ? extra_names[x] : "?";
}

static void exit__count(struct vcpu *v, uint32_t reason)
{
	exit_stat__inc(&v->stats.reason[reason < EXIT_REASON_MAX ? reason : EXIT_REASON_MAX - 1]);
	exit_stat__inc(&v->stats.total);
}

/* A hook failed: stop the VM with its message (first stop wins, so a hook's own stays). */
static int exit__hook_failed(struct vcpu *v, const char *kind, const char *name, int ret)
{
	vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "vCPU %d: %s hook '%s' failed: %s",
			 v->id, kind, name, err__msg(ret));
	return EXIT_STOP;
}

static int exit__io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const struct range_hook *h = hooks__find(&v->vm->hooks.pio, run->io.port);
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	int is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
		return EXIT_RESUME;
	if (!h) {
		exit_stat__inc(&v->stats.extra[EXIT_X_PIO_UNHANDLED]);
		if (!is_write)
			memset(data, 0xff, (size_t)run->io.size * run->io.count);
		return EXIT_RESUME;
	}
	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		int ret = ((pio_hook_fn)h->fn)(v, h->opaque, run->io.port, run->io.size, is_write,
					       data);
		if (ret < 0)
			return exit__hook_failed(v, "port", h->name, ret);
	}
	return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
}

static int exit__mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	const struct range_hook *h = hooks__find(&v->vm->hooks.mmio, run->mmio.phys_addr);
	int ret;

	if (run->mmio.len > sizeof(run->mmio.data))
		return EXIT_RESUME;
	if (!h) {
		exit_stat__inc(&v->stats.extra[EXIT_X_MMIO_UNHANDLED]);
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, run->mmio.len);
		return EXIT_RESUME;
	}
	ret = ((mmio_hook_fn)h->fn)(v, h->opaque, run->mmio.phys_addr, run->mmio.len,
				    run->mmio.is_write, run->mmio.data);
	if (ret < 0)
		return exit__hook_failed(v, "MMIO", h->name, ret);
	return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
}

static int exit__msr(struct vcpu *v, int is_write)
{
	struct kvm_run *run = v->run;
	const struct range_hook *h = hooks__find(&v->vm->hooks.msr, run->msr.index);
	uint64_t data = run->msr.data;
	int ret;

	if (!h) {
		/* KVM only exits for filtered MSRs; one without a hook behaves as absent. */
		exit_stat__inc(&v->stats.extra[EXIT_X_MSR_UNHANDLED]);
		run->msr.error = 1;
		return EXIT_RESUME;
	}
	ret = ((msr_hook_fn)h->fn)(v, h->opaque, run->msr.index, is_write, &data);
	run->msr.error = ret < 0;
	if (!is_write && ret >= 0)
		run->msr.data = data;
	return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
}

/* Offer the exit to each hook of the chain; 1 if one took it, -errno if one failed. */
static int exit__chain(struct vcpu *v, const struct exit_chain *c)
{
	int i, ret;

	for (i = 0; i < c->nr; i++) {
		ret = c->fn[i](v, c->opaque[i], v->run);
		if (ret)
			return ret;
	}
	return 0;
}

/* Observers all see every exit; what they return does not matter. */
static void exit__observe(struct vcpu *v)
{
	const struct exit_chain *c = &v->vm->hooks.observe;
	int i;

	for (i = 0; i < c->nr; i++)
		c->fn[i](v, c->opaque[i], v->run);
}

static int exit__debug(struct vcpu *v)
{
	struct kvm_debug_exit_arch *d = &v->run->debug.arch;
	int ret = exit__chain(v, &v->vm->hooks.debug);

	if (ret > 0)
		return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
	if (ret < 0)
		return exit__hook_failed(v, "debug", "chain", ret);
	vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
			 "vCPU %d: debug exit (exception %u, pc 0x%llx, dr6 0x%llx) that no "
			 "hook claimed",
			 v->id, d->exception, (unsigned long long)d->pc,
			 (unsigned long long)d->dr6);
	return EXIT_STOP;
}

int exit__insn_bytes(const struct kvm_run *run, uint8_t *buf, int size)
{
	int n;

	if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR ||
	    run->emulation_failure.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    run->emulation_failure.ndata < 3 ||
	    !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
		return 0;
	n = run->emulation_failure.insn_size;
	if (n > (int)sizeof(run->emulation_failure.insn_bytes))
		n = sizeof(run->emulation_failure.insn_bytes);
	if (n > size)
		n = size;
	memcpy(buf, run->emulation_failure.insn_bytes, n);
	return n;
}

static const char *internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception during exception delivery";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "event delivery failure";
	default:
		return "internal error";
	}
}

static int exit__internal(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char bytes[16 * 3 + 1] = "";
	uint8_t insn[16];
	struct kvm_regs regs;
	int i, n, ret = exit__chain(v, &v->vm->hooks.emulation);

	if (ret > 0)
		return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
	if (ret < 0)
		return exit__hook_failed(v, "emulation", "chain", ret);
	n = exit__insn_bytes(run, insn, sizeof(insn));
	for (i = 0; i < n; i++)
		snprintf(bytes + 3 * i, sizeof(bytes) - 3 * i, "%02x ", insn[i]);
	if (n)
		bytes[3 * n - 1] = '\0';
	memset(&regs, 0, sizeof(regs));
	vcpu__get_regs(v, &regs);
	vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
			 "vCPU %d: KVM %s (suberror %u) at rip 0x%llx%s%s%s", v->id,
			 internal_suberror_name(run->internal.suberror), run->internal.suberror,
			 (unsigned long long)regs.rip, n ? ", instruction bytes [" : "", bytes,
			 n ? "]" : "");
	return EXIT_STOP;
}

static int exit__fatal(struct vcpu *v, const char *what)
{
	vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "vCPU %d: %s", v->id, what);
	return EXIT_STOP;
}

static int exit__system_event(struct vcpu *v)
{
	uint32_t type = v->run->system_event.type;

	if (type == KVM_SYSTEM_EVENT_SHUTDOWN)
		vm__request_stop(v->vm, 0, 0, "guest powered off");
	else if (type == KVM_SYSTEM_EVENT_RESET)
		vm__request_stop(v->vm, 0, 0, "guest asked for a reset");
	else
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "guest system event %u", type);
	return EXIT_STOP;
}

static int exit__handle(struct vcpu *v, uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
		return exit__io(v);
	case KVM_EXIT_MMIO:
		return exit__mmio(v);
	case KVM_EXIT_X86_RDMSR:
		return exit__msr(v, 0);
	case KVM_EXIT_X86_WRMSR:
		return exit__msr(v, 1);
	case KVM_EXIT_INTR:
		exit_stat__inc(&v->stats.extra[EXIT_X_SIGNAL]);
		return v->vm->stopping ? EXIT_STOP : EXIT_RESUME;
	case KVM_EXIT_HLT:
		return EXIT_VCPU_DONE;
	case KVM_EXIT_DEBUG:
		return exit__debug(v);
	case KVM_EXIT_INTERNAL_ERROR:
		return exit__internal(v);
	case KVM_EXIT_SHUTDOWN:
		vcpu__dump(v, stderr);
		return exit__fatal(v, "triple fault (KVM_EXIT_SHUTDOWN); registers above");
	case KVM_EXIT_FAIL_ENTRY:
		return exit__fatal(v, "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY)");
	case KVM_EXIT_SYSTEM_EVENT:
		return exit__system_event(v);
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return EXIT_RESUME;
	default:
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: unexpected exit reason %u (%s)", v->id, reason,
				 exit__reason_name(reason));
		return EXIT_STOP;
	}
}

/* Port, address or MSR, size, direction and data of an exit, for its trace record. */
static void exit__trace_qual(const struct kvm_run *run, uint32_t reason, struct trace_exit_args *a)
{
	switch (reason) {
	case KVM_EXIT_IO:
		a->qual = run->io.port;
		a->size = run->io.size;
		a->dir = run->io.direction == KVM_EXIT_IO_OUT;
		if (run->io.size <= 8)
			memcpy(&a->data, (const uint8_t *)run + run->io.data_offset, run->io.size);
		break;
	case KVM_EXIT_MMIO:
		a->qual = run->mmio.phys_addr;
		a->size = run->mmio.len;
		a->dir = run->mmio.is_write;
		memcpy(&a->data, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		a->qual = run->msr.index;
		a->size = 8;
		a->dir = reason == KVM_EXIT_X86_WRMSR;
		a->data = run->msr.data;
		break;
	case KVM_EXIT_DEBUG:
		a->qual = run->debug.arch.pc;
		a->data = run->debug.arch.dr6;
		a->size = run->debug.arch.exception;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		a->qual = run->internal.suberror;
		a->size = exit__insn_bytes(run, (uint8_t *)&a->data, sizeof(a->data));
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		a->qual = run->system_event.type;
		break;
	}
}

/* The exit's one trace record, at the end of its handling (its timestamp). */
static void exit__trace(struct vcpu *v, uint32_t reason, uint64_t rip)
{
	uint64_t now = trace_clock__now();
	struct trace_exit_args a = {
		.reason = reason,
		.vcpu = v->id,
		.rip = rip,
		.guest_ns = trace_clock__ticks_to_ns(v->trace_t_exit - v->trace_t_entry),
		.vmm_ns = trace_clock__ticks_to_ns(now - v->trace_t_exit),
	};

	exit__trace_qual(v->run, reason, &a);
	trace_emit_exit_ts(v->trace, now, &a);
}

int exit__dispatch(struct vcpu *v)
{
	uint32_t reason = v->run->exit_reason;
	uint64_t rip;
	int action;

	exit__count(v, reason);
	if (v->vm->hooks.observe.nr)
		exit__observe(v);
	if (!v->trace)
		return exit__handle(v, reason);
	/* RIP as the exit left it: a hook (host adaptation) may move it. */
	rip = v->sync_valid ? v->run->s.regs.regs.rip : 0;
	action = exit__handle(v, reason);
	exit__trace(v, reason, rip);
	return action;
}

void exit__fixup(struct vcpu *v, enum exit_extra x, uint64_t rip, uint64_t info)
{
	uint64_t now;

	exit_stat__inc(&v->stats.extra[x]);
	if (!v->trace)
		return;
	now = trace_clock__now();
	struct trace_fixup_args a = {
		.kind = x - EXIT_X_FIX_SYSCALL + TRACE_FIX_SYSCALL,
		.vcpu = v->id,
		.rip = rip,
		.info = info,
		.vmm_ns = trace_clock__ticks_to_ns(now - v->trace_t_exit),
	};
	trace_emit_fixup_ts(v->trace, now, &a);
}
