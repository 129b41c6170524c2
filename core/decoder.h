/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction decoding (capstone) with the operand detail vmscope's emulator, MIME and
 * RTME need.  A decoder holds one capstone handle per code size (16, 32, 64-bit), opened at
 * first use, and one instruction buffer: decoding allocates nothing.  Each vCPU has one,
 * created at its first use and kept until the vCPU goes (vcpu__decoder()); only the vCPU's
 * thread, or the thread that owns the stopped vCPU, may use it.
 */
#ifndef VMSCOPE_DECODER_H
#define VMSCOPE_DECODER_H

#include <stddef.h>
#include <stdint.h>

#ifdef HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

struct vcpu;
struct decoder;

/* A decoder of its own (tests, setup code with no vCPU); NULL with a message without capstone. */
struct decoder *decoder__new(void);
void decoder__free(struct decoder *d);

/* The vCPU's decoder, created at the first call; NULL with a message without capstone. */
struct decoder *vcpu__decoder(struct vcpu *v);

/* Free the vCPU's decoder (vcpu__exit(); the next vcpu__decoder() opens a new one). */
void vcpu__decoder_put(struct vcpu *v);

#ifdef HAVE_CAPSTONE
/*
 * Decode the instruction at the start of code[0..len) as bits-bit code (16, 32 or 64) at
 * address addr: the instruction (with detail) stays valid until the decoder's next call;
 * NULL when the bytes are not an instruction, or the handle could not open (message set).
 */
const cs_insn *decoder__insn(struct decoder *d, int bits, const uint8_t *code, size_t len,
			     uint64_t addr);

/* The capstone handle of bits-bit code (cs_insn_group(), cs_reg_name()); 0 if it cannot open. */
csh decoder__handle(struct decoder *d, int bits);
#endif

#endif
