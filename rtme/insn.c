// SPDX-License-Identifier: GPL-2.0
/*
 * RTME's view of x86 code (rtme.h): finding the RTM instructions in code by a linear sweep
 * (capstone gives each instruction's length), and the instructions that abort a
 * transaction (SDM vol. 1, "Instruction Based Considerations": CPUID and PAUSE always; the
 * ones that may, which vmscope makes abort, as a VMM must for those with effects outside
 * guest memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/decoder.h"
#include "../lib/err.h"
#include "rtme.h"

#ifdef HAVE_CAPSTONE

int rtme__isa_sweep(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		    rtme_site_fn fn, void *ctx)
{
	const cs_insn *insn;
	size_t off = 0;
	int ret, found = 0;

	while (off < len) {
		struct rtm_insn ri;

		if (rtm__decode(code + off, len - off, &ri) == 1) {
			ret = fn(ctx, off, &ri);
			if (ret)
				return ret;
			found++;
			off += ri.len;
			continue;
		}
		/* Bytes capstone does not take (data in the text, padding): one at a time. */
		insn = decoder__insn(d, 64, code + off, len - off, va + off);
		off += insn ? insn->size : 1;
	}
	return found;
}

/* Instructions that end a transaction in vmscope (capstone ids), in no order. */
static const unsigned int abort_ids[] = {
	X86_INS_CPUID,	   X86_INS_PAUSE,      X86_INS_IN,	   X86_INS_OUT,
	X86_INS_INSB,	   X86_INS_INSW,       X86_INS_INSD,	   X86_INS_OUTSB,
	X86_INS_OUTSW,	   X86_INS_OUTSD,      X86_INS_SYSCALL,	   X86_INS_SYSENTER,
	X86_INS_SYSEXIT,   X86_INS_SYSRET,     X86_INS_HLT,	   X86_INS_RDMSR,
	X86_INS_WRMSR,	   X86_INS_CLI,	       X86_INS_STI,	   X86_INS_POPF,
	X86_INS_POPFQ,	   X86_INS_LGDT,       X86_INS_SGDT,	   X86_INS_LIDT,
	X86_INS_SIDT,	   X86_INS_LLDT,       X86_INS_SLDT,	   X86_INS_LTR,
	X86_INS_STR,	   X86_INS_LJMP,       X86_INS_LCALL,	   X86_INS_RETF,
	X86_INS_RETFQ,	   X86_INS_IRET,       X86_INS_IRETD,	   X86_INS_IRETQ,
	X86_INS_CLTS,	   X86_INS_LMSW,       X86_INS_SWAPGS,	   X86_INS_WRFSBASE,
	X86_INS_WRGSBASE,  X86_INS_CLFLUSH,    X86_INS_CLFLUSHOPT, X86_INS_CLWB,
	X86_INS_INVD,	   X86_INS_WBINVD,     X86_INS_INVLPG,	   X86_INS_INVPCID,
	X86_INS_MOVNTI,	   X86_INS_MOVNTDQ,    X86_INS_MOVNTDQA,   X86_INS_MOVNTPD,
	X86_INS_MOVNTPS,   X86_INS_MOVNTQ,     X86_INS_MASKMOVQ,   X86_INS_MASKMOVDQU,
	X86_INS_VMOVNTDQ,  X86_INS_VMOVNTDQA,  X86_INS_VMOVNTPD,   X86_INS_VMOVNTPS,
	X86_INS_XSAVE,	   X86_INS_XSAVEC,     X86_INS_XSAVEOPT,   X86_INS_XSAVES,
	X86_INS_XRSTOR,	   X86_INS_XRSTORS,    X86_INS_XSETBV,	   X86_INS_XSAVE64,
	X86_INS_XSAVEC64,  X86_INS_XSAVEOPT64, X86_INS_XSAVES64,   X86_INS_XRSTOR64,
	X86_INS_XRSTORS64, X86_INS_FXSAVE,     X86_INS_FXRSTOR,	   X86_INS_FXSAVE64,
	X86_INS_FXRSTOR64, X86_INS_INT,	       X86_INS_INT1,	   X86_INS_INT3,
	X86_INS_INTO,	   X86_INS_UD2,	       X86_INS_UD0,	   X86_INS_RSM,
	X86_INS_MONITOR,   X86_INS_MWAIT,      X86_INS_VZEROUPPER, X86_INS_VMCALL,
	X86_INS_VMMCALL,   X86_INS_LDS,	       X86_INS_LES,	   X86_INS_LFS,
	X86_INS_LGS,	   X86_INS_LSS,	       X86_INS_GETSEC,	   X86_INS_ENCLS,
	X86_INS_ENCLU,	   X86_INS_VMFUNC,
};

/* Groups whose every instruction aborts: x87, MMX, virtualization, interrupts, IRET,
 * privileged ones. */
static const unsigned int abort_groups[] = {
	X86_GRP_FPU, X86_GRP_MMX, X86_GRP_VM, X86_GRP_INT, X86_GRP_IRET, X86_GRP_PRIVILEGE,
};

/* A MOV or POP to a segment, control or debug register. */
static int writes_system_reg(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	x86_reg r;

	if ((in->id != X86_INS_MOV && in->id != X86_INS_POP) || !x->op_count ||
	    x->operands[0].type != X86_OP_REG)
		return 0;
	r = x->operands[0].reg;
	return r == X86_REG_DS || r == X86_REG_ES || r == X86_REG_FS || r == X86_REG_GS ||
	       r == X86_REG_SS || (r >= X86_REG_CR0 && r <= X86_REG_CR15) ||
	       (r >= X86_REG_DR0 && r <= X86_REG_DR15);
}

int rtme__isa_aborts(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		     const char **name)
{
	const cs_insn *insn = decoder__insn(d, 64, code, len, va);
	size_t i;

	*name = "(not an instruction)";
	if (!insn)
		return 1;
	*name = insn->mnemonic;
	for (i = 0; i < sizeof(abort_ids) / sizeof(abort_ids[0]); i++)
		if (insn->id == abort_ids[i])
			return 1;
	for (i = 0; i < sizeof(abort_groups) / sizeof(abort_groups[0]); i++)
		if (cs_insn_group(decoder__handle(d, 64), insn, abort_groups[i]))
			return 1;
	return writes_system_reg(insn);
}

#else /* !HAVE_CAPSTONE */

int rtme__isa_sweep(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		    rtme_site_fn fn, void *ctx)
{
	(void)d, (void)code, (void)len, (void)va, (void)fn, (void)ctx;
	return -EOPNOTSUPP;
}

int rtme__isa_aborts(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		     const char **name)
{
	(void)d, (void)code, (void)len, (void)va;
	*name = "(no decoder)";
	return 1;
}

#endif
