/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instructions KVM refuses to emulate, executed by vmscope.  Where KVM runs guest ring 0
 * through its instruction emulator (docs/hosts.md), some instructions end KVM_RUN with an
 * emulation failure.  emulate__hook() decodes the bytes KVM reports (capstone), executes the
 * instructions vmscope knows as the CPU would (registers, flags, memory, exceptions), and for
 * the others stops the run with a message naming the instruction and how to avoid it.
 *
 * Executed: popcnt, lzcnt, tzcnt, crc32, rdtscp, xgetbv, clac, stac, cmpxchg16b and the
 * BMI1/BMI2 group (andn, bextr, blsi, blsmsk, blsr, bzhi, mulx, pdep, pext, rorx, sarx,
 * shlx, shrx), at ring 0 only.
 */
#ifndef VMSCOPE_EMULATE_H
#define VMSCOPE_EMULATE_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;
struct kvm_run;

/* Exception vectors emulate__insn() raises. */
#define EMULATE_UD 6
#define EMULATE_SS 12
#define EMULATE_GP 13
#define EMULATE_PF 14

/* #PF error code bits. */
#define EMULATE_PF_PRESENT (1u << 0)
#define EMULATE_PF_WRITE (1u << 1)

/*
 * Execute the instruction in bytes[0..len) at the vCPU's RIP; call in the vCPU thread at an
 * emulation failure (registers come from the kvm_run sync area when it is valid).
 *
 * Returns 1 when the instruction is done as the CPU would do it: either executed (registers,
 * flags and memory updated, RIP advanced), or it raised the exception the CPU would raise
 * (#PF with CR2 and error code for a memory operand that does not translate, #GP(0) for a
 * misaligned cmpxchg16b operand, #UD for a LOCK prefix ...), which is then pending for the
 * guest with RIP unchanged.  Returns 0 when vmscope does not execute it: why[] then names
 * the instruction (mnemonic, bytes, address) and how to avoid it.  Returns -errno (with an
 * err__set() message) when a KVM ioctl fails.
 */
int emulate__insn(struct vcpu *v, const uint8_t *bytes, int len, char *why, size_t why_size);

/*
 * exit_hook_fn for hooks__add_emulation().  Returns 1 when emulate__insn() took the exit
 * (counted in v->stats.extra[EXIT_X_FIX_EMULATE]), 0 for exits that are not emulation
 * failures with instruction bytes, and otherwise stops the VM (status 125) with emulate__insn's
 * message and returns -1.  Because it stops the VM on instructions it does not execute,
 * register it after the hooks that handle other refused instructions (RTM, int n).
 */
int emulate__hook(struct vcpu *v, void *opaque, struct kvm_run *run);

/*
 * Decode the one instruction at the start of bytes[0..len) as bits-bit code (16, 32 or 64):
 * returns its length in bytes, with its mnemonic ("xgetbv") in name[] when name is not NULL;
 * -EINVAL when the bytes are not an instruction, -EOPNOTSUPP in a build without capstone.
 */
int emulate__decode(const uint8_t *bytes, int len, int bits, char *name, size_t name_size);

/*
 * Make the guest take exception vector (0-31, not 2) at its next entry, with an error code
 * when has_error, and, for #PF, cr2 in CR2.  RIP is left alone (fault semantics).  Uses
 * KVM_GET/SET_VCPU_EVENTS, or the kvm_run sync area (KVM_SYNC_X86_EVENTS) when KVM synced the
 * events for this exit, in which case run->s.regs.events holds the request and
 * kvm_dirty_regs has KVM_SYNC_X86_EVENTS.  CR2 goes through vcpu__set_sregs().  0 or -errno.
 */
int emulate__inject(struct vcpu *v, int vector, int has_error, uint32_t error, uint64_t cr2);

#ifdef HAVE_CAPSTONE
#include <capstone/capstone.h>

struct kvm_regs;
struct kvm_sregs;

/* The value of general register reg (a capstone id) in regs; 0 for none or a non-GPR. */
uint64_t emulate__reg(const struct kvm_regs *regs, x86_reg reg);

/*
 * The linear address of memory operand m of an instruction ending at next_rip, in code of
 * bits (16, 32, 64) with addr_size-byte addresses: base, index, scale, displacement,
 * RIP-relative, and the segment's base (in 64-bit mode FS and GS only).  *seg: the segment
 * it uses (the override, else SS for a stack base, else DS).
 */
uint64_t emulate__linear(const struct kvm_regs *r, const struct kvm_sregs *s, int bits,
			 int addr_size, uint64_t next_rip, const x86_op_mem *m, x86_reg *seg);
#endif

#endif
