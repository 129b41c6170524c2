// SPDX-License-Identifier: GPL-2.0
/*
 * How an RTM instruction's int3 reaches RTME on every host kind.  The int3 is delivered
 * through the guest's IDT like any #BP (KVM's own #BP intercept is not used: where the host
 * is QEMU's emulator, int3 never meets it), and the entry of the guest's #BP handler is made
 * to leave the guest: its first instruction (endbr64, or push $imm8 as stub handlers begin)
 * is displaced by `out %al, $PORT_RTME_BP`.  At that exit the frame on the stack names the
 * int3; one of RTME's is unwound, as if the #BP never happened, and its instruction emulated;
 * the guest's own continues into its handler, the displaced instruction performed here.  The
 * hook follows the guest's IDT: it is placed at the first exit after the #BP gate appears or
 * moves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>

#include "../abi/layout.h"
#include "../core/hooks.h"
#include "../core/hostfix.h"
#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/step.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "rtme_int.h"

#define BP_VECTOR 3
#define OUT_IMM8 0xe6
#define RFLAGS_TF (1ull << 8)

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* The #BP gate's handler on this vCPU now, or 0 (no IDT yet, gate not present). */
static uint64_t bp_handler(struct vcpu *v, struct kvm_sregs *s)
{
	uint64_t gate[2];

	if (vcpu__get_sregs(v, s) || s->idt.limit < 16 * BP_VECTOR + 15 ||
	    paging__read_virt(&v->vm->mem, s->cr3, s->idt.base + 16 * BP_VECTOR, gate,
			      sizeof(gate)) ||
	    !(gate[0] >> 47 & 1))
		return 0;
	return (gate[0] & 0xffff) | ((gate[0] >> 32) & 0xffff0000ull) | gate[1] << 32;
}

static struct rtme_gate *gate_at(struct rtme *r, uint64_t target)
{
	int i;

	for (i = 0; i < r->nr_gates; i++)
		if (r->gates[i].target == target)
			return &r->gates[i];
	return NULL;
}

/* Displace the handler's first instruction at target by the exit (lock held). */
static int hook(struct vcpu *v, struct rtme *r, uint64_t cr3, uint64_t target)
{
	struct rtme_gate *g;
	uint8_t *code;
	uint64_t gpa;

	if (r->nr_gates == RTME_MAX_GATES)
		return err__set(ENOSPC, "RTME: the guest has more than %d #BP handlers",
				RTME_MAX_GATES);
	if (rtme__gva_to_gpa(v, cr3, target, &gpa) ||
	    !(code = mem__gpa_to_hva(&v->vm->mem, gpa, 4)))
		return err__set(EFAULT,
				"RTME: the guest's #BP handler at 0x%" PRIx64 " is not in RAM",
				target);
	g = &r->gates[r->nr_gates];
	memset(g, 0, sizeof(*g));
	g->target = target;
	if (!memcmp(code, endbr64, sizeof(endbr64))) {
		g->len = 4;
	} else if (code[0] == 0x6a) { /* push $imm8 */
		g->len = 2;
		g->push = 1;
		g->imm = (int8_t)code[1];
	} else {
		return err__set(EOPNOTSUPP,
				"RTME: the guest's #BP handler at 0x%" PRIx64
				" begins with %02x %02x, "
				"neither endbr64 nor push $imm8: RTME cannot take its int3s there",
				target, code[0], code[1]);
	}
	memcpy(g->orig, code, g->len);
	code[0] = OUT_IMM8;
	code[1] = PORT_RTME_BP;
	if (g->len == 4) {
		code[2] = 0x66; /* xchg %ax, %ax: a 2-byte NOP */
		code[3] = 0x90;
	}
	r->nr_gates++;
	return 0;
}

/*
 * A kick that interrupts KVM_RUN just as an int3 at ring 3 raises its #BP (emulating hosts,
 * PVM) leaves the vCPU past the int3 with the #BP still queued in KVM, where userspace cannot
 * see it (KVM_GET_VCPU_EVENTS reports no software exception) and where a register write
 * (KVM_SET_REGS, or the sync registers at KVM_RUN) would drop it: the vCPU would then run
 * the rest of the RTM instruction's bytes.  Past one of RTME's int3s no instruction of the
 * guest begins, so that is what it is: the vCPU's next KVM_RUN is left alone (no register
 * written, not stepped), and the #BP arrives at the gate as usual.
 */
static void bp_in_flight(struct vcpu *v, struct rtme *r)
{
	struct kvm_regs regs;
	struct kvm_sregs s;
	uint64_t gpa;

	if (vcpu__get_regs(v, &regs) || vcpu__get_sregs(v, &s) || s.cs.dpl != 3 ||
	    rtme__gva_to_gpa(v, s.cr3, regs.rip - 1, &gpa) || !rtme__site(r, gpa))
		return;
	r->vcpu[v->id].bp_in_flight = 1;
	rtme__lock(v, r);
	r->stats.bp_in_flight++;
	pthread_mutex_unlock(&r->lock);
}

/* Exit observer: hook the #BP handler where the guest's IDT names a new one. */
static int watch_idt(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct rtme *r = opaque;
	struct rtme_vcpu *rv = &r->vcpu[v->id];
	struct kvm_sregs s;
	uint64_t target;
	int ret = 0;

	if (run->exit_reason == KVM_EXIT_INTR)
		bp_in_flight(v, r);
	target = bp_handler(v, &s);
	if (!target || target == rv->gate_seen)
		return 0;
	rtme__lock(v, r);
	if (!gate_at(r, target))
		ret = hook(v, r, s.cr3, target);
	pthread_mutex_unlock(&r->lock);
	rv->gate_seen = target;
	if (ret)
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", err__msg(ret));
	return 0;
}

/* The guest's own int3: into its handler, the displaced instruction done here. */
static int own_bp(struct vcpu *v, struct kvm_regs *regs, const struct rtme_gate *g)
{
	struct kvm_sregs s;
	uint64_t val = (uint64_t)(int64_t)g->imm;

	regs->rip = g->target + g->len;
	if (g->push) {
		regs->rsp -= 8;
		if (vcpu__get_sregs(v, &s) ||
		    paging__write_virt(&v->vm->mem, s.cr3, regs->rsp, &val, sizeof(val)))
			return err__set(EFAULT, "vCPU %d: RTME cannot push on the #BP stack",
					v->id);
	}
	return vcpu__set_regs(v, regs);
}

/*
 * RTME's int3: the frame unwound (the vCPU back at the int3, as before it ran).  A vCPU that
 * was stepped pushed the TF it is stepped with, which is not the guest's.
 */
static int unwind(struct vcpu *v, struct kvm_regs *regs, struct kvm_sregs *s, const uint64_t *f,
		  int stepped)
{
	regs->rip = f[0] - 1;
	regs->rflags = stepped ? f[2] & ~RFLAGS_TF : f[2];
	regs->rsp = f[3];
	hostfix__flat_seg(&s->cs, f[1], 1);
	hostfix__flat_seg(&s->ss, f[4], 0);
	return vcpu__set_sregs(v, s) || vcpu__set_regs(v, regs) ? -EIO : 0;
}

static int at_gate(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		   uint8_t *data)
{
	struct rtme *r = opaque;
	const struct rtme_gate *g;
	struct kvm_regs regs;
	struct kvm_sregs s;
	uint64_t f[5], gpa;
	int handled, ret;

	(void)port, (void)size, (void)is_write, (void)data;
	if (vcpu__get_regs(v, &regs) || vcpu__get_sregs(v, &s) ||
	    paging__read_virt(&v->vm->mem, s.cr3, regs.rsp, f, sizeof(f)))
		return -EIO;
	rtme__lock(v, r);
	g = gate_at(r, regs.rip) ?: gate_at(r, regs.rip - 2); /* at the out, or past it */
	pthread_mutex_unlock(&r->lock);
	if (!g)
		return err__set(EPROTO,
				"vCPU %d: a write to RTME's port 0x%x from rip 0x%llx, "
				"not from a #BP handler RTME hooked",
				v->id, PORT_RTME_BP, (unsigned long long)regs.rip);
	if (rtme__gva_to_gpa(v, s.cr3, f[0] - 1, &gpa) || !rtme__site(r, gpa))
		return own_bp(v, &regs, g);
	ret = unwind(v, &regs, &s, f, r->vcpu[v->id].role != RV_NATIVE)
		      ?: rtme__at_rtm(v, r, f[0] - 1, &handled);
	if (ret)
		return ret;
	/* The vCPU moved: where it is stepped, stepping starts again from here. */
	if (r->vcpu[v->id].role != RV_NATIVE)
		return step__start(v, rtme__on_step, r);
	return 0;
}

int rtme__gate_install(struct vm *vm, struct rtme *r)
{
	return hooks__add_observer(&vm->hooks, "rtme", watch_idt, r)
		       ?: hooks__add_pio(&vm->hooks, PORT_RTME_BP, 1, "rtme", at_gate, r);
}
