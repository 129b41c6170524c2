// SPDX-License-Identifier: GPL-2.0
/*
 * FXSAVE and FXRSTOR executed by vmscope (emulate.h): the x87/MMX/SSE state KVM keeps for the
 * vCPU (KVM_GET_FPU, KVM_SET_FPU) stored to, or loaded from, the guest's 512-byte area in the
 * layout the SDM gives (vol. 1, 10.5.1), the 64-bit form (REX.W) with 64-bit FPU instruction
 * and data pointers, the other with 32-bit offsets and their selectors as 0 (KVM keeps none).
 * The step engine executes them where KVM reports their single-step late (step-ring0).
 */
#ifdef HAVE_CAPSTONE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/err.h"
#include "emulate.h"
#include "emulate_int.h"
#include "vcpu.h"

#define EMULATE_NM 7
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define FX_SIZE 512

/* MXCSR_MASK as this CPU stores it (0: the SDM's default, 0xffbf). */
static uint32_t mxcsr_mask(void)
{
	static uint32_t mask;
	uint8_t area[FX_SIZE] __attribute__((aligned(16)));

	if (!mask) {
		memset(area, 0, sizeof(area));
		__asm__ volatile("fxsave %0" : "=m"(area));
		memcpy(&mask, area + 28, 4);
		if (!mask)
			mask = 0xffbf;
	}
	return mask;
}

/* #UD with CR0.EM, #NM with CR0.TS, as for every x87/SSE state instruction. */
static int fx_check(struct emu *e)
{
	if (e->sregs.cr0 & CR0_EM)
		return emu__fault(e, EMULATE_UD, 0, 0, 0);
	if (e->sregs.cr0 & CR0_TS)
		return emu__fault(e, EMULATE_NM, 0, 0, 0);
	return EMU_OK;
}

static int wide(const struct emu *e)
{
	return e->insn->id == X86_INS_FXSAVE64 || e->insn->id == X86_INS_FXRSTOR64;
}

int emu__fxsave(struct emu *e)
{
	uint8_t a[FX_SIZE];
	struct kvm_fpu f;
	uint32_t mask = mxcsr_mask();
	int ret = fx_check(e), i;

	if (ret)
		return ret;
	if (ioctl(e->v->fd, KVM_GET_FPU, &f) < 0)
		return err__set(errno, "vCPU %d: KVM_GET_FPU failed: %s", e->v->id,
				strerror(errno));
	/* Bytes 464-511 are software's; 416-463 are left as they are too. */
	if (emu__read_block(e, 0, a, FX_SIZE, 16))
		memset(a, 0, sizeof(a));
	memset(a, 0, 416);
	memcpy(a + 0, &f.fcw, 2);
	memcpy(a + 2, &f.fsw, 2);
	a[4] = f.ftwx;
	memcpy(a + 6, &f.last_opcode, 2);
	memcpy(a + 8, &f.last_ip, wide(e) ? 8 : 4);
	memcpy(a + 16, &f.last_dp, wide(e) ? 8 : 4);
	memcpy(a + 24, &f.mxcsr, 4);
	memcpy(a + 28, &mask, 4);
	for (i = 0; i < 8; i++)
		memcpy(a + 32 + 16 * i, f.fpr[i], 10);
	memcpy(a + 160, f.xmm, 256);
	return emu__write_block(e, 0, a, FX_SIZE, 16);
}

int emu__fxrstor(struct emu *e)
{
	uint8_t a[FX_SIZE];
	struct kvm_fpu f;
	uint32_t mxcsr;
	int ret = fx_check(e), i;

	if (!ret)
		ret = emu__read_block(e, 0, a, FX_SIZE, 16);
	if (ret)
		return ret;
	memcpy(&mxcsr, a + 24, 4);
	if (mxcsr & ~mxcsr_mask())
		return emu__fault(e, EMULATE_GP, 1, 0, 0);
	memset(&f, 0, sizeof(f));
	memcpy(&f.fcw, a + 0, 2);
	memcpy(&f.fsw, a + 2, 2);
	f.ftwx = a[4];
	memcpy(&f.last_opcode, a + 6, 2);
	memcpy(&f.last_ip, a + 8, wide(e) ? 8 : 4);
	memcpy(&f.last_dp, a + 16, wide(e) ? 8 : 4);
	f.mxcsr = mxcsr;
	for (i = 0; i < 8; i++)
		memcpy(f.fpr[i], a + 32 + 16 * i, 10);
	memcpy(f.xmm, a + 160, 256);
	if (ioctl(e->v->fd, KVM_SET_FPU, &f) < 0)
		return err__set(errno, "vCPU %d: KVM_SET_FPU failed: %s", e->v->id,
				strerror(errno));
	return EMU_OK;
}
#endif
