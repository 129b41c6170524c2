// SPDX-License-Identifier: GPL-2.0
/*
 * Executing instructions KVM refused (emulate.h): decode the reported bytes with capstone in
 * the vCPU's code size, check the ring, dispatch by capstone instruction id, then write the
 * registers back and advance RIP.  Exceptions the instruction raises go to the guest through
 * emulate__inject().  Without capstone, every refused instruction is explained, not executed.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decoder.h"
#include "emulate.h"
#include "../lib/err.h"
#include "exit.h"
#include "kvm.h"
#include "vcpu.h"
#include "vm.h"

#ifdef HAVE_CAPSTONE
#include "emulate_int.h"
#endif

#define NMI_VECTOR 2
#define INSN_MAX 15

/* "0f 01 f9" */
static void format_bytes(char *buf, size_t size, const uint8_t *bytes, int len)
{
	size_t pos = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < len && i < INSN_MAX && pos < size; i++)
		pos += snprintf(buf + pos, size - pos, i ? " %02x" : "%02x", bytes[i]);
}

static int events_synced(const struct vcpu *v)
{
	return v->sync_valid && (v->run->kvm_valid_regs & KVM_SYNC_X86_EVENTS);
}

static int get_events(struct vcpu *v, struct kvm_vcpu_events *ev)
{
	int ret;

	if (events_synced(v)) {
		*ev = v->run->s.regs.events;
		return 0;
	}
	ret = kvm__ioctl(v->fd, KVM_GET_VCPU_EVENTS, ev);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: KVM_GET_VCPU_EVENTS failed: %s", v->id,
				strerror(-ret));
	return 0;
}

static int put_events(struct vcpu *v, const struct kvm_vcpu_events *ev)
{
	int ret;

	if (events_synced(v)) {
		v->run->s.regs.events = *ev;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
		return 0;
	}
	ret = kvm__ioctl(v->fd, KVM_SET_VCPU_EVENTS, (void *)ev);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: KVM_SET_VCPU_EVENTS failed: %s", v->id,
				strerror(-ret));
	return 0;
}

static int set_cr2(struct vcpu *v, uint64_t cr2)
{
	struct kvm_sregs sregs;
	int ret = vcpu__get_sregs(v, &sregs);

	if (!ret) {
		sregs.cr2 = cr2;
		ret = vcpu__set_sregs(v, &sregs);
	}
	if (ret)
		return err__set(-ret, "vCPU %d: cannot set CR2 for a page fault: %s", v->id,
				strerror(-ret));
	return 0;
}

int emulate__inject(struct vcpu *v, int vector, int has_error, uint32_t error, uint64_t cr2)
{
	struct kvm_vcpu_events ev;
	int ret;

	if (vector < 0 || vector > 31 || vector == NMI_VECTOR)
		return err__set(EINVAL,
				"vCPU %d: cannot inject vector %d: exceptions are 0-31, "
				"not 2 (NMI)",
				v->id, vector);
	if (vector == EMULATE_PF && (ret = set_cr2(v, cr2)))
		return ret;
	ret = get_events(v, &ev);
	if (ret)
		return ret;
	/*
	 * "Injected" (not pending): the exception is delivered at the next entry as it stands,
	 * without a payload, which works with or without KVM_CAP_EXCEPTION_PAYLOAD.
	 */
	ev.exception.injected = 1;
	ev.exception.pending = 0;
	ev.exception.nr = vector;
	ev.exception.has_error_code = !!has_error;
	ev.exception.error_code = has_error ? error : 0;
	ev.exception_has_payload = 0;
	ev.exception_payload = 0;
	return put_events(v, &ev);
}

#ifdef HAVE_CAPSTONE

typedef int (*emu_fn)(struct emu *e);

struct emu_insn {
	unsigned int id; /* X86_INS_* */
	emu_fn fn;
	int lockable; /* LOCK is allowed (otherwise #UD) */
};

static const struct emu_insn emu_insns[] = {
	{ X86_INS_POPCNT, emu__popcnt, 0 },
	{ X86_INS_LZCNT, emu__lzcnt, 0 },
	{ X86_INS_TZCNT, emu__tzcnt, 0 },
	{ X86_INS_CRC32, emu__crc32, 0 },
	{ X86_INS_RDTSCP, emu__rdtscp, 0 },
	{ X86_INS_XGETBV, emu__xgetbv, 0 },
	{ X86_INS_CLAC, emu__clac, 0 },
	{ X86_INS_STAC, emu__stac, 0 },
	{ X86_INS_CMPXCHG16B, emu__cmpxchg16b, 1 },
	{ X86_INS_FXSAVE, emu__fxsave, 0 },
	{ X86_INS_FXSAVE64, emu__fxsave, 0 },
	{ X86_INS_FXRSTOR, emu__fxrstor, 0 },
	{ X86_INS_FXRSTOR64, emu__fxrstor, 0 },
	{ X86_INS_ANDN, emu__andn, 0 },
	{ X86_INS_BEXTR, emu__bextr, 0 },
	{ X86_INS_BLSI, emu__blsi, 0 },
	{ X86_INS_BLSMSK, emu__blsmsk, 0 },
	{ X86_INS_BLSR, emu__blsr, 0 },
	{ X86_INS_BZHI, emu__bzhi, 0 },
	{ X86_INS_MULX, emu__mulx, 0 },
	{ X86_INS_PDEP, emu__pdep, 0 },
	{ X86_INS_PEXT, emu__pext, 0 },
	{ X86_INS_RORX, emu__rorx, 0 },
	{ X86_INS_SARX, emu__sarx, 0 },
	{ X86_INS_SHLX, emu__shlx, 0 },
	{ X86_INS_SHRX, emu__shrx, 0 },
};

static const struct emu_insn *emu_lookup(unsigned int id)
{
	size_t i;

	for (i = 0; i < sizeof(emu_insns) / sizeof(emu_insns[0]); i++)
		if (emu_insns[i].id == id)
			return &emu_insns[i];
	return NULL;
}

/* "vCPU 0: KVM refused `popcnt rax, qword ptr [rdi]` (f3 48 0f b8 07) at rip 0x1000" */
static int describe(const struct emu *e, char *buf, size_t size)
{
	char bytes[INSN_MAX * 3 + 1];

	format_bytes(bytes, sizeof(bytes), e->insn->bytes, e->insn->size);
	return snprintf(buf, size, "vCPU %d: KVM refused `%s%s%s` (%s) at rip 0x%llx", e->v->id,
			e->insn->mnemonic, e->insn->op_str[0] ? " " : "", e->insn->op_str, bytes,
			(unsigned long long)e->regs.rip);
}

int emu__unsupported(struct emu *e, const char *fmt, ...)
{
	va_list ap;
	int n = describe(e, e->why, e->why_size);

	if (n >= 0 && (size_t)n + 2 < e->why_size) {
		n += snprintf(e->why + n, e->why_size - n, "; vmscope cannot execute it: ");
		if ((size_t)n < e->why_size) {
			va_start(ap, fmt);
			vsnprintf(e->why + n, e->why_size - n, fmt, ap);
			va_end(ap);
		}
	}
	return EMU_UNSUPPORTED;
}

int emu__fault(struct emu *e, int vector, int has_error, uint32_t error, uint64_t cr2)
{
	int ret = emulate__inject(e->v, vector, has_error, error, cr2);

	return ret < 0 ? ret : EMU_FAULT;
}

static int in_group(const cs_insn *insn, int group)
{
	int i;

	for (i = 0; i < insn->detail->groups_count; i++)
		if (insn->detail->groups[i] == group)
			return 1;
	return 0;
}

static int in_any_group(const cs_insn *insn, const int *groups, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (in_group(insn, groups[i]))
			return 1;
	return 0;
}

static const int vector_groups[] = {
	X86_GRP_SSE1,  X86_GRP_SSE2, X86_GRP_SSE3, X86_GRP_SSSE3,  X86_GRP_SSE41, X86_GRP_SSE42,
	X86_GRP_SSE4A, X86_GRP_AVX,  X86_GRP_AVX2, X86_GRP_AVX512, X86_GRP_MMX,	  X86_GRP_3DNOW,
	X86_GRP_FMA,   X86_GRP_FMA4, X86_GRP_F16C, X86_GRP_XOP,	   X86_GRP_CDI,	  X86_GRP_ERI,
	X86_GRP_DQI,   X86_GRP_BWI,  X86_GRP_PFI,  X86_GRP_VLX,
};

/* Kept short: the whole message must fit the VM's stop reason (256 bytes). */
#define ADVICE_VECTOR                                                                              \
	"build ring-0 code with -mgeneral-regs-only, without -march=native (as Linux does), "      \
	"or move it to ring 3"

/* How to avoid an instruction vmscope does not execute. */
static const char *advice(const cs_insn *insn)
{
	static const int crypto[] = { X86_GRP_AES, X86_GRP_SHA, X86_GRP_PCLMUL };

	switch (insn->id) {
	case X86_INS_XBEGIN:
	case X86_INS_XEND:
	case X86_INS_XABORT:
	case X86_INS_XTEST: /* capstone 4 puts xtest in no rtm group */
		return "RTM at ring 0 needs vmscope's RTM emulation; without it, check "
		       "CPUID.7.EBX.RTM and take the non-transactional path";
	case X86_INS_INT3:
	case X86_INS_INT:
	case X86_INS_INTO:
	case X86_INS_INT1:
		return "vmscope's host adaptation (--fixups int-n) delivers it; or call the "
		       "handler directly";
	case X86_INS_VMCALL:
	case X86_INS_VMMCALL:
		return "talk to the VMM with port I/O or MMIO (the ucall channel, "
		       "guests/lib/guest.h)";
	case X86_INS_XSAVE:
	case X86_INS_XSAVEC:
	case X86_INS_XSAVEOPT:
	case X86_INS_XSAVES:
	case X86_INS_XRSTOR:
	case X86_INS_XRSTORS:
		return "use fxsave/fxrstor (KVM emulates them), or build ring-0 code with "
		       "-mgeneral-regs-only so it has no extended state";
	}
	if (in_group(insn, X86_GRP_FPU))
		return "build ring-0 code with -mgeneral-regs-only (no x87), or move "
		       "floating point to ring 3";
	if (in_any_group(insn, crypto, sizeof(crypto) / sizeof(crypto[0])))
		return "use a general-register implementation at ring 0, or do the "
		       "cryptography at ring 3";
	if (in_any_group(insn, vector_groups, sizeof(vector_groups) / sizeof(vector_groups[0])))
		return ADVICE_VECTOR;
	return "keep it out of ring-0 code: " ADVICE_VECTOR;
}

static int not_executed(struct emu *e)
{
	int n = describe(e, e->why, e->why_size);

	if (n >= 0 && (size_t)n < e->why_size)
		snprintf(e->why + n, e->why_size - n, " and vmscope does not execute it; %s",
			 advice(e->insn));
	return EMU_UNSUPPORTED;
}

static const uint8_t legacy_prefixes[] = { 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e,
					   0x26, 0x64, 0x65, 0x66, 0x67 };

static int is_legacy_prefix(uint8_t b)
{
	return memchr(legacy_prefixes, b, sizeof(legacy_prefixes)) != NULL;
}

/*
 * Prefixes the CPU answers with #UD: LOCK on an instruction that cannot be locked, and
 * 66/F2/F3/LOCK before a VEX prefix, which capstone accepts.  capstone keeps only the last
 * of F0/F2/F3 in prefix[0], so the bytes are scanned.
 */
static int bad_prefix(const cs_insn *insn, int lockable)
{
	int i, vex;

	for (i = 0; i < insn->size && is_legacy_prefix(insn->bytes[i]); i++)
		;
	vex = i < insn->size && (insn->bytes[i] == 0xc4 || insn->bytes[i] == 0xc5);
	while (i--) {
		uint8_t b = insn->bytes[i];

		if ((b == 0xf0 && !lockable) ||
		    (vex && (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x66)))
			return 1;
	}
	return 0;
}

static int code_bits(const struct kvm_sregs *s)
{
	if ((s->efer & EFER_LMA) && s->cs.l)
		return 64;
	return (s->cr0 & CR0_PE) && s->cs.db ? 32 : 16;
}

static int cpl(const struct kvm_sregs *s)
{
	return s->cr0 & CR0_PE ? s->cs.dpl : 0;
}

/* Run the handler; on EMU_OK write the registers back with RIP after the instruction. */
static int execute(struct emu *e, const struct emu_insn *ei)
{
	int ret;

	if (cpl(&e->sregs) != 0)
		return emu__unsupported(e,
					"it runs at ring %d and vmscope executes refused "
					"instructions at ring 0 only",
					cpl(&e->sregs));
	if (bad_prefix(e->insn, ei->lockable))
		return emu__fault(e, EMULATE_UD, 0, 0, 0);
	ret = ei->fn(e);
	if (ret != EMU_OK)
		return ret;
	e->regs.rip = e->next_rip;
	e->regs.rflags &= ~RFLAGS_RF; /* a completed instruction clears RF */
	ret = vcpu__set_regs(e->v, &e->regs);
	if (ret)
		return err__set(-ret, "vCPU %d: cannot write registers back: %s", e->v->id,
				strerror(-ret));
	return EMU_OK;
}

static int undecodable(struct emu *e, const uint8_t *bytes, int len)
{
	char hex[INSN_MAX * 3 + 1];

	format_bytes(hex, sizeof(hex), bytes, len);
	snprintf(e->why, e->why_size,
		 "vCPU %d: KVM refused the instruction at rip 0x%llx (%s), which does not "
		 "decode as a %d-bit x86 instruction either; check that RIP points at code",
		 e->v->id, (unsigned long long)e->regs.rip, hex, e->bits);
	return EMU_UNSUPPORTED;
}

static int decode_and_run(struct emu *e, const uint8_t *bytes, int len)
{
	struct decoder *d = vcpu__decoder(e->v);
	const struct emu_insn *ei;

	if (!d)
		return -ENOMEM;
	e->insn = decoder__insn(d, e->bits, bytes, len, e->regs.rip);
	if (!e->insn)
		return undecodable(e, bytes, len);
	e->x86 = &e->insn->detail->x86;
	e->next_rip = (e->regs.rip + e->insn->size) & (e->bits == 64   ? ~0ull
						       : e->bits == 32 ? 0xffffffffull
								       : 0xffffull);
	ei = emu_lookup(e->insn->id);
	return ei ? execute(e, ei) : not_executed(e);
}

int emulate__insn(struct vcpu *v, const uint8_t *bytes, int len, char *why, size_t why_size)
{
	struct emu e = { .v = v, .why = why, .why_size = why_size };
	int ret;

	if (why_size)
		why[0] = '\0';
	ret = vcpu__get_regs(v, &e.regs);
	if (!ret)
		ret = vcpu__get_sregs(v, &e.sregs);
	if (ret)
		return err__set(-ret, "vCPU %d: cannot read registers: %s", v->id, strerror(-ret));
	e.bits = code_bits(&e.sregs);
	if (len <= 0 || !bytes) {
		snprintf(why, why_size,
			 "vCPU %d: KVM refused the instruction at rip 0x%llx and "
			 "reported no bytes (KVM lacks KVM_CAP_EXIT_ON_EMULATION_FAILURE)",
			 v->id, (unsigned long long)e.regs.rip);
		return 0;
	}
	ret = decode_and_run(&e, bytes, len > INSN_MAX ? INSN_MAX : len);
	if (ret < 0)
		return ret;
	return ret == EMU_UNSUPPORTED ? 0 : 1;
}

int emulate__decode(const uint8_t *bytes, int len, int bits, char *name, size_t name_size)
{
	struct decoder *d = decoder__new();
	const cs_insn *insn;
	int ret = -EINVAL;

	if (!d)
		return -ENOMEM;
	insn = len > 0 ? decoder__insn(d, bits, bytes, len > INSN_MAX ? INSN_MAX : len, 0) : NULL;
	if (insn) {
		ret = insn->size;
		if (name && name_size)
			snprintf(name, name_size, "%s", insn->mnemonic);
	}
	decoder__free(d);
	return ret;
}

#else /* !HAVE_CAPSTONE */

int emulate__decode(const uint8_t *bytes, int len, int bits, char *name, size_t name_size)
{
	(void)bytes, (void)len, (void)bits, (void)name, (void)name_size;
	return -EOPNOTSUPP;
}

int emulate__insn(struct vcpu *v, const uint8_t *bytes, int len, char *why, size_t why_size)
{
	char hex[INSN_MAX * 3 + 1] = "";
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	vcpu__get_regs(v, &regs);
	if (bytes && len > 0)
		format_bytes(hex, sizeof(hex), bytes, len);
	snprintf(why, why_size,
		 "vCPU %d: KVM refused the instruction at rip 0x%llx (%s); vmscope was built "
		 "without capstone and cannot decode it to execute it: install libcapstone-dev "
		 "(scripts/install-deps) and rebuild",
		 v->id, (unsigned long long)regs.rip, hex[0] ? hex : "no bytes");
	return 0;
}

#endif

/* The first instruction bytes, little-endian, for the fixup event's info field. */
static uint64_t emulate__bytes_u64(const uint8_t *bytes, int n)
{
	uint64_t v = 0;

	memcpy(&v, bytes, n < 8 ? n : 8);
	return v;
}

int emulate__hook(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	uint8_t bytes[INSN_MAX + 1];
	char why[512];
	struct kvm_regs at;
	int n, ret;

	(void)opaque;
	n = exit__insn_bytes(run, bytes, sizeof(bytes));
	if (!n)
		return 0;
	if (vcpu__get_regs(v, &at))
		return 0;
	ret = emulate__insn(v, bytes, n, why, sizeof(why));
	if (ret > 0) {
		exit__fixup(v, EXIT_X_FIX_EMULATE, at.rip, emulate__bytes_u64(bytes, n));
		return 1;
	}
	if (ret == 0)
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", why);
	else
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
				 "vCPU %d: executing an instruction KVM refused failed: %s", v->id,
				 err__msg(ret));
	return -1;
}
