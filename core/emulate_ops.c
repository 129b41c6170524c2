// SPDX-License-Identifier: GPL-2.0
/*
 * popcnt, lzcnt, tzcnt, crc32, rdtscp, xgetbv, clac, stac and cmpxchg16b, as the SDM defines
 * them.  Flags the SDM leaves undefined keep their old values.  Guest CPUID feature bits are
 * not checked (except for xgetbv's XINUSE): where KVM's emulator refuses these instructions
 * the guest's own CPUID view is the host's (docs/hosts.md), and software that got this far
 * believed the CPU had them.
 */
#ifdef HAVE_CAPSTONE
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "cpuid.h"
#include "emulate.h"
#include "emulate_int.h"
#include "../lib/err.h"
#include "kvm.h"
#include "vcpu.h"
#include "vm.h"

#define MSR_TSC_AUX 0xc0000103u
#define CRC32C_POLY 0x82f63b78u /* 0x1edc6f41 bit-reversed */
#define CPUID_XSAVE_LEAF 0xdu
#define CPUID_XGETBV_ECX1 (1u << 2) /* CPUID(0xd, 1).EAX */
#define XSAVE_HDR_XSTATE_BV 512 /* byte offset of XSTATE_BV in the XSAVE area */

/* Set dest (operand 0, a register) to val. */
static int put_dest(struct emu *e, uint64_t val)
{
	return emu__set_reg(e, emu__op(e, 0)->reg, val);
}

int emu__popcnt(struct emu *e)
{
	uint64_t src;
	int ret = emu__read_op(e, 1, &src);

	if (ret)
		return ret;
	emu__flags(e, RFLAGS_ARITH, src ? 0 : RFLAGS_ZF);
	return put_dest(e, __builtin_popcountll(src));
}

int emu__lzcnt(struct emu *e)
{
	int bits = emu__op_bits(e, 1);
	uint64_t src, res;
	int ret = emu__read_op(e, 1, &src);

	if (ret)
		return ret;
	res = src ? (uint64_t)(__builtin_clzll(src) - (64 - bits)) : (uint64_t)bits;
	emu__flags(e, RFLAGS_CF | RFLAGS_ZF, (src ? 0 : RFLAGS_CF) | (res ? 0 : RFLAGS_ZF));
	return put_dest(e, res);
}

int emu__tzcnt(struct emu *e)
{
	int bits = emu__op_bits(e, 1);
	uint64_t src, res;
	int ret = emu__read_op(e, 1, &src);

	if (ret)
		return ret;
	res = src ? (uint64_t)__builtin_ctzll(src) : (uint64_t)bits;
	emu__flags(e, RFLAGS_CF | RFLAGS_ZF, (src ? 0 : RFLAGS_CF) | (res ? 0 : RFLAGS_ZF));
	return put_dest(e, res);
}

uint32_t emu__crc32c(uint32_t crc, uint64_t data, int nbytes)
{
	int i, bit;

	for (i = 0; i < nbytes; i++, data >>= 8) {
		crc ^= (uint8_t)data;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (CRC32C_POLY & -(crc & 1));
	}
	return crc;
}

/* crc32 r32/r64, r/m8/16/32/64: CRC-32C of the source folded into the low 32 bits of dest. */
int emu__crc32(struct emu *e)
{
	uint64_t src;
	int ret = emu__read_op(e, 1, &src);

	if (ret)
		return ret;
	return put_dest(e, emu__crc32c((uint32_t)emu__reg(e, emu__op(e, 0)->reg), src,
				       emu__op(e, 1)->size));
}

int emu__clac(struct emu *e)
{
	e->regs.rflags &= ~RFLAGS_AC;
	return EMU_OK;
}

int emu__stac(struct emu *e)
{
	e->regs.rflags |= RFLAGS_AC;
	return EMU_OK;
}

/*
 * The guest's TSC offset from the host's: KVM_VCPU_TSC_OFFSET when KVM has it, else 0 (the
 * guest reads the host TSC, as on hosts where the offset cannot be set).
 */
static int tsc_offset(struct vcpu *v, uint64_t *offset)
{
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(uintptr_t)offset,
	};
	int ret;

	*offset = 0;
	if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &attr))
		return 0;
	ret = kvm__ioctl(v->fd, KVM_GET_DEVICE_ATTR, &attr);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: reading KVM_VCPU_TSC_OFFSET failed: %s", v->id,
				strerror(-ret));
	return 0;
}

/* rdtscp: EDX:EAX = the guest's TSC, ECX = IA32_TSC_AUX; no TSC_AUX (#UD on the CPU). */
int emu__rdtscp(struct emu *e)
{
	uint64_t aux = 0, offset = 0, tsc;
	int ret = vcpu__get_msr(e->v, MSR_TSC_AUX, &aux);

	if (ret == -ENOENT)
		return emu__fault(e, EMULATE_UD, 0, 0, 0);
	if (!ret)
		ret = tsc_offset(e->v, &offset);
	if (ret)
		return ret;
	tsc = __rdtsc() + offset;
	e->regs.rax = (uint32_t)tsc;
	e->regs.rdx = tsc >> 32;
	e->regs.rcx = (uint32_t)aux;
	return EMU_OK;
}

static int get_xcr0(struct vcpu *v, uint64_t *xcr0)
{
	struct kvm_xcrs xcrs;
	uint32_t i;
	int ret;

	memset(&xcrs, 0, sizeof(xcrs));
	ret = kvm__ioctl(v->fd, KVM_GET_XCRS, &xcrs);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: KVM_GET_XCRS failed: %s", v->id, strerror(-ret));
	*xcr0 = 1; /* x87 only: the reset value */
	for (i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
		if (xcrs.xcrs[i].xcr == 0)
			*xcr0 = xcrs.xcrs[i].value;
	return 0;
}

/*
 * XINUSE: XSTATE_BV of the state KVM saved for the guest.  The kernel saves it with the
 * init optimisation, so a clear bit means the component is in its initial configuration,
 * which is what XINUSE promises (a set bit may still be an initial one).
 */
static int get_xinuse(struct vcpu *v, uint64_t xcr0, uint64_t *xinuse)
{
	struct kvm_xsave xs; /* 4 KiB: fine on a vCPU thread's stack */
	int ret = kvm__ioctl(v->fd, KVM_GET_XSAVE, &xs);

	if (ret < 0)
		return err__set(-ret, "vCPU %d: KVM_GET_XSAVE failed: %s", v->id, strerror(-ret));
	memcpy(xinuse, (const uint8_t *)xs.region + XSAVE_HDR_XSTATE_BV, sizeof(*xinuse));
	*xinuse &= xcr0;
	return 0;
}

/* CPUID(0xd, 1).EAX of the host CPU (asm: <cpuid.h> would clash with core/cpuid.h). */
static uint32_t host_xsave_leaf1_eax(void)
{
	uint32_t eax = 0, ebx, ecx, edx;

	__asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0), "c"(0));
	if (eax < CPUID_XSAVE_LEAF)
		return 0;
	__asm__("cpuid"
		: "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
		: "a"(CPUID_XSAVE_LEAF), "c"(1));
	return eax;
}

/*
 * XGETBV with ECX = 1 exists when the guest's CPUID says so: vmscope's CPUID, or the host's,
 * which is what guest ring 0 reads where KVM emulates it (docs/hosts.md).
 */
static int xgetbv1_supported(const struct vm *vm)
{
	const struct kvm_cpuid_entry2 *c = NULL;

	if (vm->cpuid)
		c = cpuid__find(vm->cpuid, CPUID_XSAVE_LEAF, 1);
	if (c && (c->eax & CPUID_XGETBV_ECX1))
		return 1;
	return !!(host_xsave_leaf1_eax() & CPUID_XGETBV_ECX1);
}

/* xgetbv: EDX:EAX = XCR[ECX]; #UD without CR4.OSXSAVE, #GP(0) for an XCR the CPU lacks. */
int emu__xgetbv(struct emu *e)
{
	uint32_t index = (uint32_t)e->regs.rcx;
	uint64_t xcr0, val;
	int ret;

	if (!(e->sregs.cr4 & CR4_OSXSAVE))
		return emu__fault(e, EMULATE_UD, 0, 0, 0);
	if (index > 1 || (index == 1 && !xgetbv1_supported(e->v->vm)))
		return emu__fault(e, EMULATE_GP, 1, 0, 0);
	ret = get_xcr0(e->v, &xcr0);
	if (!ret && index == 1)
		ret = get_xinuse(e->v, xcr0, &val);
	else
		val = xcr0;
	if (ret)
		return ret;
	e->regs.rax = (uint32_t)val;
	e->regs.rdx = val >> 32;
	return EMU_OK;
}

/* One locked cmpxchg16b on the host mapping: atomic against the other vCPUs' accesses too. */
static int cas16(void *p, uint64_t *lo, uint64_t *hi, uint64_t new_lo, uint64_t new_hi)
{
	uint8_t ok;

	__asm__ volatile("lock cmpxchg16b %1\n\tsetz %0"
			 : "=q"(ok), "+m"(*(volatile __int128 *)p), "+a"(*lo), "+d"(*hi)
			 : "b"(new_lo), "c"(new_hi)
			 : "memory", "cc");
	return ok;
}

/*
 * cmpxchg16b m128: compare RDX:RAX with m128; equal: ZF = 1, m128 = RCX:RBX; else ZF = 0,
 * RDX:RAX = m128.  #GP(0) when m128 is not 16-byte aligned (emu__rmw_ptr checks it before
 * translating, so a misaligned operand on an unmapped page gives #GP, not #PF).  The CPU
 * always writes m128 (the old value when unequal), so the write checks apply either way.
 * Only ZF changes.
 */
int emu__cmpxchg16b(struct emu *e)
{
	uint64_t la, lo = e->regs.rax, hi = e->regs.rdx;
	void *hva;
	int ret, ok;

	if (e->bits != 64 || emu__op(e, 0)->size != 16)
		return emu__unsupported(e, "cmpxchg16b exists only in 64-bit mode");
	ret = emu__rmw_ptr(e, 0, 16, &hva, &la);
	if (ret)
		return ret;
	ok = cas16(hva, &lo, &hi, e->regs.rbx, e->regs.rcx);
	e->regs.rax = lo;
	e->regs.rdx = hi;
	emu__flags(e, RFLAGS_ZF, ok ? RFLAGS_ZF : 0);
	return EMU_OK;
}
#endif
