// SPDX-License-Identifier: GPL-2.0
/*
 * The memory references of one instruction about to execute (mime.h).  Explicit operands come
 * from capstone with their access (read, write, both: a read-modify-write makes one reference
 * of each); the stack references the operand list leaves out are added per instruction; a
 * REP string instruction makes one iteration's references, none when its count is 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/decoder.h"
#include "../core/emulate.h"
#include "../lib/err.h"
#include "mime.h"

#ifdef HAVE_CAPSTONE

int mime__is_call(unsigned int id)
{
	return id == X86_INS_CALL || id == X86_INS_LCALL;
}

static int add_ref(struct mime_insn *out, uint64_t la, uint32_t size, int write)
{
	if (out->nr_refs == MIME_MAX_REFS)
		return err__set(EOPNOTSUPP, "%s at rip 0x%" PRIx64 ": more than %d references",
				out->text, out->rip, MIME_MAX_REFS);
	out->refs[out->nr_refs++] = (struct mime_ref){ .la = la, .size = size, .write = write };
	return 0;
}

/* Instructions with a memory operand that reference no data (an address, a hint). */
static int no_data_ref(unsigned int id)
{
	switch (id) {
	case X86_INS_LEA:
	case X86_INS_NOP:
	case X86_INS_PREFETCH:
	case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0:
	case X86_INS_PREFETCHT1:
	case X86_INS_PREFETCHT2:
	case X86_INS_PREFETCHW:
	case X86_INS_CLFLUSH:
	case X86_INS_CLFLUSHOPT:
	case X86_INS_CLWB:
	case X86_INS_INVLPG:
		return 1;
	}
	return 0;
}

static int is_string(unsigned int id)
{
	switch (id) {
	case X86_INS_MOVSB:
	case X86_INS_MOVSW:
	case X86_INS_MOVSD:
	case X86_INS_MOVSQ:
	case X86_INS_STOSB:
	case X86_INS_STOSW:
	case X86_INS_STOSD:
	case X86_INS_STOSQ:
	case X86_INS_LODSB:
	case X86_INS_LODSW:
	case X86_INS_LODSD:
	case X86_INS_LODSQ:
	case X86_INS_CMPSB:
	case X86_INS_CMPSW:
	case X86_INS_CMPSD:
	case X86_INS_CMPSQ:
	case X86_INS_SCASB:
	case X86_INS_SCASW:
	case X86_INS_SCASD:
	case X86_INS_SCASQ:
		return 1;
	}
	return 0;
}

/* Transitions the decoder's groups may leave out. */
static int is_system(unsigned int id)
{
	switch (id) {
	case X86_INS_SYSCALL:
	case X86_INS_SYSENTER:
	case X86_INS_SYSRET:
	case X86_INS_SYSEXIT:
	case X86_INS_UD2:
	case X86_INS_INT3:
	case X86_INS_INT:
	case X86_INS_INTO:
	case X86_INS_VMCALL:
	case X86_INS_VMMCALL:
		return 1;
	}
	return 0;
}

/* A REP-prefixed string instruction whose count register is 0 does nothing. */
static int rep_done(const cs_insn *insn, const struct kvm_regs *r)
{
	const cs_x86 *x = &insn->detail->x86;
	uint64_t count = x->addr_size == 4 ? (uint32_t)r->rcx : r->rcx;

	if (!is_string(insn->id))
		return 0;
	if (x->prefix[0] != X86_PREFIX_REP && x->prefix[0] != X86_PREFIX_REPNE)
		return 0;
	return count == 0;
}

/* The stack references the operand list does not show. */
static int stack_refs(const cs_insn *insn, const struct kvm_regs *r, struct mime_insn *out)
{
	const cs_x86 *x = &insn->detail->x86;
	/* In 64-bit mode a push or pop moves 8 bytes, 2 with an operand-size prefix. */
	uint32_t osz = x->prefix[2] == X86_PREFIX_OPSIZE ? 2 : 8;

	switch (insn->id) {
	case X86_INS_PUSH:
		return add_ref(out, r->rsp - osz, osz, 1);
	case X86_INS_POP:
		return add_ref(out, r->rsp, osz, 0);
	case X86_INS_PUSHFQ:
		return add_ref(out, r->rsp - 8, 8, 1);
	case X86_INS_POPFQ:
		return add_ref(out, r->rsp, 8, 0);
	case X86_INS_CALL:
		return add_ref(out, r->rsp - 8, 8, 1);
	case X86_INS_RET:
		return add_ref(out, r->rsp, 8, 0);
	case X86_INS_LEAVE:
		return add_ref(out, r->rbp, 8, 0);
	case X86_INS_IRETQ:
		return add_ref(out, r->rsp, 40, 0); /* RIP, CS, RFLAGS, RSP, SS */
	case X86_INS_ENTER:
		if (x->operands[1].imm & 31)
			return err__set(EOPNOTSUPP,
					"%s at rip 0x%" PRIx64 ": nesting level %" PRId64
					" copies frame pointers; not computed",
					out->text, out->rip, x->operands[1].imm & 31);
		return add_ref(out, r->rsp - 8, 8, 1);
	case X86_INS_PUSHFD:
	case X86_INS_POPFD:
	case X86_INS_PUSHAL:
	case X86_INS_POPAL:
	case X86_INS_IRET:
	case X86_INS_IRETD:
	case X86_INS_RETF:
	case X86_INS_LCALL:
		return err__set(EOPNOTSUPP,
				"%s at rip 0x%" PRIx64 ": its stack references are "
				"not computed",
				out->text, out->rip);
	}
	return 0;
}

/*
 * What the decoder's operand tables get wrong: the compare-exchanges always write their
 * destination (back, when the comparison fails), FXSAVE's area is 512 bytes, and the XSAVE
 * family's size follows XCR0 and the mask in EDX:EAX.  1 when the operand is not computed.
 */
static int fix_operand(unsigned int id, uint8_t *access, uint32_t *size)
{
	switch (id) {
	case X86_INS_CMPXCHG:
	case X86_INS_CMPXCHG8B:
	case X86_INS_CMPXCHG16B:
		*access = CS_AC_READ | CS_AC_WRITE;
		return 0;
	case X86_INS_FXSAVE:
	case X86_INS_FXSAVE64:
	case X86_INS_FXRSTOR:
	case X86_INS_FXRSTOR64:
		*size = 512;
		return 0;
	case X86_INS_XSAVE:
	case X86_INS_XSAVE64:
	case X86_INS_XSAVEC:
	case X86_INS_XSAVEC64:
	case X86_INS_XSAVEOPT:
	case X86_INS_XSAVEOPT64:
	case X86_INS_XSAVES:
	case X86_INS_XSAVES64:
	case X86_INS_XRSTOR:
	case X86_INS_XRSTOR64:
	case X86_INS_XRSTORS:
	case X86_INS_XRSTORS64:
		return 1;
	}
	return 0;
}

/* An explicit memory operand: one reference per access (read, then write). */
static int operand_refs(const cs_insn *insn, const cs_x86_op *op, const struct kvm_regs *r,
			const struct kvm_sregs *s, struct mime_insn *out)
{
	const cs_x86 *x = &insn->detail->x86;
	x86_op_mem m = op->mem;
	uint8_t access = op->access;
	uint32_t size = op->size;
	x86_reg seg;
	uint64_t la;
	int ret = 0;

	if (fix_operand(insn->id, &access, &size))
		return err__set(EOPNOTSUPP,
				"%s at rip 0x%" PRIx64
				": its area's size follows XCR0 and EDX:EAX; "
				"not computed",
				out->text, out->rip);
	if (!size)
		return err__set(EOPNOTSUPP, "%s at rip 0x%" PRIx64 ": operand of unknown size",
				out->text, out->rip);
	if (m.index >= X86_REG_XMM0 && m.index <= X86_REG_ZMM31)
		return err__set(EOPNOTSUPP,
				"%s at rip 0x%" PRIx64 ": a vector index (gather or scatter) makes "
				"one reference per element; not computed",
				out->text, out->rip);
	/* POP to memory addressed by RSP: the address is computed after RSP grew. */
	if (insn->id == X86_INS_POP && (m.base == X86_REG_RSP || m.base == X86_REG_ESP))
		m.disp += size;
	la = emulate__linear(r, s, 64, x->addr_size, r->rip + insn->size, &m, &seg);
	if (access & CS_AC_READ)
		ret = add_ref(out, la, size, 0);
	if (!ret && (access & CS_AC_WRITE))
		ret = add_ref(out, la, size, 1);
	if (!ret && !(access & (CS_AC_READ | CS_AC_WRITE)))
		ret = err__set(EOPNOTSUPP,
			       "%s at rip 0x%" PRIx64 ": the decoder gives its memory operand no "
			       "access (read or write)",
			       out->text, out->rip);
	return ret;
}

static int refs_of(const cs_insn *insn, const struct kvm_regs *r, const struct kvm_sregs *s,
		   struct mime_insn *out)
{
	const cs_x86 *x = &insn->detail->x86;
	int i, ret = 0;

	if (no_data_ref(insn->id) || rep_done(insn, r))
		return 0;
	for (i = 0; !ret && i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			ret = operand_refs(insn, &x->operands[i], r, s, out);
	return ret ? ret : stack_refs(insn, r, out);
}

int mime__decode(struct decoder *d, const uint8_t *bytes, size_t len, const struct kvm_regs *r,
		 const struct kvm_sregs *s, struct mime_insn *out)
{
	const cs_insn *insn;
	csh h = decoder__handle(d, 64);

	memset(out, 0, sizeof(*out));
	out->rip = r->rip;
	if (!s->cs.l)
		return err__set(EOPNOTSUPP,
				"rip 0x%" PRIx64 ": not 64-bit code; MIME follows 64-bit code only",
				out->rip);
	insn = decoder__insn(d, 64, bytes, len > MIME_INSN_MAX ? MIME_INSN_MAX : len, r->rip);
	if (!insn)
		return err__set(EINVAL, "rip 0x%" PRIx64 ": the bytes are no instruction",
				out->rip);
	out->len = insn->size;
	out->id = insn->id;
	snprintf(out->text, sizeof(out->text), "%.15s%s%.79s", insn->mnemonic,
		 insn->op_str[0] ? " " : "", insn->op_str);
	out->branch = cs_insn_group(h, insn, CS_GRP_JUMP) || cs_insn_group(h, insn, CS_GRP_CALL) ||
		      cs_insn_group(h, insn, CS_GRP_RET) || cs_insn_group(h, insn, CS_GRP_INT) ||
		      cs_insn_group(h, insn, CS_GRP_IRET) || is_system(insn->id);
	out->string = is_string(insn->id) && insn->detail->x86.prefix[0] != 0 &&
		      (insn->detail->x86.prefix[0] == X86_PREFIX_REP ||
		       insn->detail->x86.prefix[0] == X86_PREFIX_REPNE);
	return refs_of(insn, r, s, out);
}

#else /* !HAVE_CAPSTONE */

int mime__is_call(unsigned int id)
{
	(void)id;
	return 0;
}

int mime__decode(struct decoder *d, const uint8_t *bytes, size_t len, const struct kvm_regs *r,
		 const struct kvm_sregs *s, struct mime_insn *out)
{
	(void)d, (void)bytes, (void)len, (void)r, (void)s, (void)out;
	return err__set(EOPNOTSUPP, "this build has no instruction decoder (capstone)");
}

#endif
