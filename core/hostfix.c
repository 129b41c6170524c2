// SPDX-License-Identifier: GPL-2.0
/* Host adaptation: IDT watch, breakpoint arming, SYSCALL and int n completion (hostfix.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulate.h"
#include "../lib/err.h"
#include "exit.h"
#include "hostfix.h"
#include "hostfix_int.h"
#include "paging.h"
#include "step.h"
#include "vcpu.h"
#include "vm.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)
#define PF_USER_FETCH 0x14 /* error code: U/S | I/D */
#define EFER_LMA (1ull << 10)

static const int watched_vector[HF_NR_WATCH] = { 14, 6, 1 };

const char *hostfix__name(unsigned int bit)
{
	switch (bit) {
	case HOSTFIX_SYSCALL:
		return "syscall";
	case HOSTFIX_INTN:
		return "int-n";
	case HOSTFIX_EMULATE:
		return "emulate";
	case HOSTFIX_STEP3:
		return "step-ring3";
	case HOSTFIX_STEP0:
		return "step-ring0";
	default:
		return "?";
	}
}

int hostfix__parse(const char *s, unsigned int *fixups)
{
	char buf[128], *tok, *save;
	unsigned int bit, f = 0;

	if (!strcmp(s, "auto") || !strcmp(s, "none") || !strcmp(s, "all")) {
		*fixups = !strcmp(s, "auto") ? HOSTFIX_AUTO : !strcmp(s, "all") ? HOSTFIX_ALL : 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (bit = 1; bit <= HOSTFIX_LAST && strcmp(tok, hostfix__name(bit)); bit <<= 1)
			;
		if (bit > HOSTFIX_LAST)
			return err__set(
				EINVAL,
				"--fixups: unknown fixup '%s'; use auto, none, all or a list "
				"of syscall, int-n, emulate, step-ring3, step-ring0",
				tok);
		f |= bit;
	}
	*fixups = f;
	return 0;
}

unsigned int hostfix__active(const struct vm *vm)
{
	return vm->fixups;
}

static int hf_read(struct vcpu *v, uint64_t cr3, uint64_t gva, void *buf, size_t len)
{
	return paging__read_virt(&v->vm->mem, cr3, gva, buf, len);
}

uint64_t hostfix__handler(struct vcpu *v, int vector)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	int i;

	for (i = 0; hf && i < HF_NR_WATCH; i++)
		if (watched_vector[i] == vector)
			return hf->handler[i];
	return 0;
}

/*
 * A handler's first instruction being passed (hf_pass) is abandoned when vmscope moved the
 * vCPU before it ran (a transaction aborted, a step unwound): its breakpoint goes back on,
 * or the next exception there would reach the guest unseen.
 */
static void hf_check_pass(struct vcpu *v, struct hf_vcpu *hf)
{
	struct kvm_regs r;

	if (hf->passing >= 0 && !vcpu__get_regs(v, &r) && r.rip != hf->pass_rip)
		hf->passing = -1;
}

/* Which breakpoints the fixups and the step engine want now, pushed to KVM if it changed. */
int hostfix__sync_debug(struct vcpu *v)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	uint64_t dr[4] = { 0 };
	uint32_t flags = 0;

	hf_check_pass(v, hf);
	if ((v->vm->fixups & HOSTFIX_SYSCALL) && hf->passing != HOSTFIX_DR_PF)
		dr[HOSTFIX_DR_PF] = hf->handler[HF_W_PF];
	if ((v->vm->fixups & HOSTFIX_INTN) && hf->passing != HOSTFIX_DR_UD)
		dr[HOSTFIX_DR_UD] = hf->handler[HF_W_UD];
	if (hf->want_db && hf->passing != HOSTFIX_DR_DB)
		dr[HOSTFIX_DR_DB] = hf->handler[HF_W_DB];
	dr[HOSTFIX_DR_FREE] = hf->extra_bp;
	if (dr[0] || dr[1] || dr[2] || dr[3])
		flags |= KVM_GUESTDBG_USE_HW_BP;
	if (hf->want_singlestep || hf->passing >= 0)
		flags |= KVM_GUESTDBG_SINGLESTEP;
	if (hf->want_singlestep && hf->want_blockirq)
		flags |= KVM_GUESTDBG_BLOCKIRQ;
	if (hf->applied && flags == hf->cur_flags && !memcmp(dr, hf->cur_dr, sizeof(dr)))
		return 0;
	hf->applied = 1;
	hf->cur_flags = flags;
	memcpy(hf->cur_dr, dr, sizeof(dr));
	return vcpu__set_debug(v, flags, dr, 4);
}

int hostfix__set_step_debug(struct vcpu *v, int db_bp, int singlestep, int blockirq,
			    uint64_t extra_bp)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);

	hf->want_db = db_bp;
	hf->want_singlestep = singlestep;
	hf->want_blockirq = blockirq;
	hf->extra_bp = extra_bp;
	return hostfix__sync_debug(v);
}

static uint64_t hf_gate_target(struct vcpu *v, const struct kvm_sregs *s, int vec)
{
	uint8_t e[16];

	if ((uint64_t)vec * 16 + 15 > s->idt.limit ||
	    hf_read(v, s->cr3, s->idt.base + vec * 16, e, sizeof(e)) || !(e[5] & 0x80))
		return 0;
	return (e[0] | e[1] << 8) | (uint64_t)(e[6] | e[7] << 8) << 16 |
	       (uint64_t)(e[8] | e[9] << 8 | e[10] << 16 | (uint32_t)e[11] << 24) << 32;
}

/* The breakpoints follow the handlers of the IDT the vCPU has now. */
static void hf_follow_idt(struct vcpu *v, const struct kvm_sregs *s)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	int i, changed = 0;

	for (i = 0; i < HF_NR_WATCH; i++) {
		uint64_t h = (s->efer & EFER_LMA) ? hf_gate_target(v, s, watched_vector[i]) : 0;

		changed |= h != hf->handler[i];
		hf->handler[i] = h;
	}
	if (changed)
		hostfix__sync_debug(v);
}

/*
 * Exit observer: follow the guest's IDT.  A kernel loads or edits its IDT at ring 0 and then
 * makes exits (port I/O, MSR writes, timers) long before user code runs; re-reading the three
 * gates here (memory reads, no ioctl) keeps the breakpoints on the handlers it installs.
 */
static int hf_observe(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct kvm_sregs s;

	(void)opaque;
	(void)run;
	if (!v->sync_valid || vcpu__get_sregs(v, &s) || !(s.efer & EFER_LMA))
		return 0;
	hf_follow_idt(v, &s);
	return 0;
}

/*
 * The vCPU's state was replaced (a restored checkpoint, a migrated guest, the end of an
 * injected call, which ran with an IDT of its own): the guest may run to its next SYSCALL
 * before any exit, so the breakpoints go on its handlers now.  A handler's first instruction
 * half-passed (hf->passing) belonged to the state that is gone.
 */
static int hf_loaded(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	struct kvm_sregs s;

	(void)opaque;
	(void)run;
	hf->passing = -1;
	hf->applied = 0;
	if (!vcpu__get_sregs(v, &s))
		hf_follow_idt(v, &s);
	hostfix__sync_debug(v);
	return 0;
}

/* Let a genuine exception run its handler: skip an endbr64, else step its first insn. */
static int hf_pass(struct vcpu *v, int slot, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	struct hf_vcpu *hf = hostfix__vcpu(v);
	uint8_t insn[4];

	exit__fixup(v, EXIT_X_FIX_PASS, r->rip, slot);
	if (!hf_read(v, s->cr3, r->rip, insn, 4) && !memcmp(insn, endbr64, 4)) {
		struct kvm_regs n = *r;

		n.rip += 4;
		vcpu__set_regs(v, &n);
		return 1;
	}
	hf->passing = slot;
	hf->pass_rip = r->rip;
	hostfix__sync_debug(v);
	return 1;
}

static void hf_transition(struct vcpu *v, int kind)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);

	if (hf->on_transition)
		hf->on_transition(v, kind);
}

static const uint32_t hf_msr_index[3] = { MSR_LSTAR, MSR_STAR, MSR_SFMASK };

static int hf_msr_slot(uint32_t index)
{
	int i;

	for (i = 0; i < 3; i++)
		if (hf_msr_index[i] == index)
			return i;
	return -1;
}

/* LSTAR, STAR, SFMASK: from the cache the filtered writes keep, else one KVM_GET_MSRS. */
static int hf_get_msrs(struct vcpu *v, uint64_t *lstar, uint64_t *star, uint64_t *sfmask)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);

	if (hf->msr_gen != v->state_gen || hf->msr_known != 7) {
		if (vcpu__get_msrs(v, hf_msr_index, hf->msr, 3))
			return -EIO;
		hf->msr_known = 7;
		hf->msr_gen = v->state_gen;
	}
	*lstar = hf->msr[0];
	*star = hf->msr[1];
	*sfmask = hf->msr[2];
	return 0;
}

/* A flat 64-bit code or data segment for a selector (DPL = its RPL), as SYSCALL loads them. */
void hostfix__flat_seg(struct kvm_segment *seg, uint16_t sel, int code)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->limit = 0xffffffff;
	seg->type = code ? 0xb : 0x3;
	seg->s = 1;
	seg->dpl = sel & 3;
	seg->present = 1;
	seg->l = code;
	seg->db = !code;
	seg->g = 1;
}

/*
 * Is this #PF a ring-3 SYSCALL that KVM left at ring 3?  The fetch of LSTAR faulted from user
 * mode, CR2 = LSTAR = the frame's RIP, the instruction before RCX is SYSCALL (0f 05), and
 * R11 holds the flags whose SFMASK-masked value the frame shows (but for TF, which the step
 * engine sets again when it steps on from LSTAR, and RF).
 */
static int hf_is_syscall(struct vcpu *v, const struct kvm_regs *r, const struct kvm_sregs *s,
			 const uint64_t *f, uint64_t lstar, uint64_t sfmask)
{
	uint8_t op[2];

	if ((f[0] & PF_USER_FETCH) != PF_USER_FETCH || (f[2] & 3) != 3)
		return 0;
	if (f[1] != s->cr2 || f[1] != lstar)
		return 0;
	if (((r->r11 & ~sfmask) ^ f[3]) & ~(RFLAGS_RF | RFLAGS_TF))
		return 0;
	return !hf_read(v, s->cr3, r->rcx - 2, op, 2) && op[0] == 0x0f && op[1] == 0x05;
}

static int hf_on_pf(struct vcpu *v, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	uint64_t f[6], lstar, star, sfmask;
	struct kvm_regs n = *r;
	struct kvm_sregs ns = *s;

	if (hf_read(v, s->cr3, r->rsp, f, sizeof(f)) || hf_get_msrs(v, &lstar, &star, &sfmask) ||
	    !hf_is_syscall(v, r, s, f, lstar, sfmask))
		return hf_pass(v, HOSTFIX_DR_PF, r, s);
	/*
	 * Drop the fault frame and enter ring 0 as SYSCALL does: no stack switch, the flags
	 * those R11 saved less SFMASK's (not the frame's: a TF the step engine set after the
	 * SYSCALL, stepping on at LSTAR, is not SYSCALL's).
	 */
	n.rip = lstar;
	n.rsp = f[4];
	n.rflags = r->r11 & ~sfmask & ~RFLAGS_RF;
	hostfix__flat_seg(&ns.cs, (star >> 32) & 0xfffc, 1);
	hostfix__flat_seg(&ns.ss, ((star >> 32) + 8) & 0xfffc, 0);
	if (hf->on_syscall)
		hf->on_syscall(v, hf->on_syscall_opaque, &n, &ns);
	vcpu__set_sregs(v, &ns);
	vcpu__set_regs(v, &n);
	exit__fixup(v, EXIT_X_FIX_SYSCALL, r->rcx - 2, r->rax);
	hf_transition(v, HOSTFIX_T_SYSCALL);
	return 1;
}

/* #UD from ring 3 on `int n` (cd nn): deliver vector n instead. */
static int hf_on_ud(struct vcpu *v, const struct kvm_regs *r, const struct kvm_sregs *s)
{
	uint64_t f[5];
	uint8_t op[2];
	struct hostfix_ctx ctx;
	int ret;

	if (hf_read(v, s->cr3, r->rsp, f, sizeof(f)) || (f[1] & 3) != 3 ||
	    hf_read(v, s->cr3, f[0], op, 2) || op[0] != 0xcd)
		return hf_pass(v, HOSTFIX_DR_UD, r, s);
	ctx = (struct hostfix_ctx){ f[0] + 2, f[1], f[2], f[3], f[4], 3, 2 };
	ret = hostfix__deliver(v, op[1], 1, 0, 0, &ctx);
	if (ret) {
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", err__msg(ret));
		return ret;
	}
	exit__fixup(v, EXIT_X_FIX_INTN, f[0], op[1]);
	hf_transition(v, HOSTFIX_T_INTN);
	return 1;
}

static int hf_debug(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	struct kvm_regs r;
	struct kvm_sregs s;

	(void)opaque;
	if (hf->passing >= 0 && run->debug.arch.exception == 1 && !(run->debug.arch.dr6 & 0xf)) {
		hf->passing = -1; /* the handler's first instruction ran: re-arm */
		hostfix__sync_debug(v);
		return hf->want_singlestep ? 0 : 1;
	}
	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return 0;
	if (r.rip == hf->handler[HF_W_PF] && (v->vm->fixups & HOSTFIX_SYSCALL))
		return hf_on_pf(v, &r, &s);
	if (r.rip == hf->handler[HF_W_UD] && (v->vm->fixups & HOSTFIX_INTN))
		return hf_on_ud(v, &r, &s);
	return 0;
}

/* int n / int3 at ring 0 end in an emulation failure here: deliver them. */
static int hf_emulation(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct hostfix_ctx ctx;
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t insn[16];
	int n = exit__insn_bytes(run, insn, sizeof(insn)), vec, len, ret;

	(void)opaque;
	if (n < 1 || !(insn[0] == 0xcc || (insn[0] == 0xcd && n >= 2)))
		return 0;
	if (vcpu__get_regs(v, &r) || vcpu__get_sregs(v, &s))
		return 0;
	vec = insn[0] == 0xcc ? 3 : insn[1];
	len = insn[0] == 0xcc ? 1 : 2;
	ctx = (struct hostfix_ctx){ r.rip + len,   s.cs.selector, r.rflags, r.rsp,
				    s.ss.selector, s.cs.dpl,	  len };
	ret = hostfix__deliver(v, vec, 1, 0, 0, &ctx);
	if (ret) {
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", err__msg(ret));
		return ret;
	}
	exit__fixup(v, EXIT_X_FIX_INTN, r.rip, vec);
	return 1;
}

/*
 * The guest's writes of LSTAR, STAR and SFMASK.  A kernel writes LSTAR once it is ready for
 * system calls, after its IDT is in place: filtering it gives vmscope an exit at that moment
 * (the observer then arms the breakpoints before the first ring-3 SYSCALL).  The values are
 * passed on to KVM and cached, so completing a SYSCALL needs no MSR ioctl.
 */
static int hf_syscall_msr(struct vcpu *v, void *opaque, uint32_t index, int is_write,
			  uint64_t *data)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);
	int slot = hf_msr_slot(index);

	(void)opaque;
	if (is_write ? vcpu__set_msr(v, index, *data) : vcpu__get_msr(v, index, data))
		return -EPERM; /* as KVM would answer: #GP */
	if (slot >= 0 && hf->msr_gen == v->state_gen) {
		hf->msr[slot] = *data;
		hf->msr_known |= 1u << slot;
	}
	return 0;
}

static void hf_free(struct vm *vm, void *priv)
{
	int i;

	(void)priv;
	for (i = 0; i < vm->nr_vcpus; i++)
		free(hostfix__vcpu(&vm->vcpus[i]));
	vm->fixups = 0;
}

static const struct vm_feature_ops hf_feature = {
	.name = "hostfix",
	.free = hf_free,
};

struct hf_vcpu *hostfix__vcpu(struct vcpu *v)
{
	return vcpu__feature_priv(v, &hf_feature);
}

static int hf_alloc(struct vm *vm)
{
	int i, ret = vm__feature_add(vm, &hf_feature, NULL);

	for (i = 0; !ret && i < vm->nr_vcpus; i++) {
		struct hf_vcpu *hf = calloc(1, sizeof(*hf));

		if (!hf)
			return err__set(ENOMEM, "out of memory for host adaptation");
		hf->passing = -1;
		ret = vcpu__feature_set(&vm->vcpus[i], &hf_feature, hf);
	}
	return ret;
}

void hostfix__repush(struct vcpu *v)
{
	struct hf_vcpu *hf = hostfix__vcpu(v);

	if (hf)
		hf->applied = 0;
}

void hostfix__on_transition(struct vm *vm, hostfix_transition_fn *fn)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct hf_vcpu *hf = hostfix__vcpu(&vm->vcpus[i]);

		if (hf)
			hf->on_transition = fn;
	}
}

int hostfix__install(struct vm *vm, unsigned int fixups)
{
	int ret;

	if (fixups == HOSTFIX_AUTO)
		return err__set(EINVAL, "the host fixups are not resolved: the host layer chooses "
					"them (host__setup)");
	if (!fixups)
		return 0;
	ret = hf_alloc(vm);
	if (!ret)
		ret = hooks__add_observer(&vm->hooks, "hostfix", hf_observe, NULL);
	if (!ret)
		ret = hooks__add_loaded(&vm->hooks, "hostfix", hf_loaded, NULL);
	if (!ret)
		ret = hooks__add_debug(&vm->hooks, "hostfix", hf_debug, NULL);
	if (!ret && (fixups & HOSTFIX_INTN))
		ret = hooks__add_emulation(&vm->hooks, "hostfix-int", hf_emulation, NULL);
	/* After int n: the executor stops the run, naming any instruction it cannot do. */
	if (!ret && (fixups & HOSTFIX_EMULATE))
		ret = hooks__add_emulation(&vm->hooks, "emulate", emulate__hook, NULL);
	if (!ret && (fixups & HOSTFIX_SYSCALL) && vm->has_user_msr) {
		int i;

		for (i = 0; !ret && i < 3; i++)
			ret = hooks__add_msr(&vm->hooks, hf_msr_index[i], "hostfix-syscall",
					     hf_syscall_msr, NULL);
		if (!ret)
			ret = vm__apply_msr_filter(vm);
	}
	if (!ret)
		vm->fixups = fixups;
	return ret;
}

int hostfix__observe_syscalls(struct vm *vm, hostfix_syscall_fn *fn, void *opaque)
{
	int i;

	if (!(vm->fixups & HOSTFIX_SYSCALL))
		return -EOPNOTSUPP;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct hf_vcpu *hf = hostfix__vcpu(&vm->vcpus[i]);

		hf->on_syscall = fn;
		hf->on_syscall_opaque = opaque;
	}
	return 0;
}
