/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MIME: the memory references of a chosen instruction stream.  The vCPU is
 * stepped through the scope; before each instruction runs, it is decoded (capstone) and the
 * linear addresses it is about to read and write are computed from the registers: explicit
 * operands (segment bases, RIP-relative, 32-bit address size), the stack (push, pop, call,
 * ret, enter, leave, pushf, popf, iret), and string instructions one iteration at a time (a
 * single-stepped REP stops after each).  What cannot be decoded, or whose references cannot
 * be computed, is reported with the reason, never guessed.
 */
#ifndef VMSCOPE_MIME_H
#define VMSCOPE_MIME_H

#include <stddef.h>
#include <stdint.h>

struct decoder;
struct kvm_regs;
struct kvm_sregs;

#define MIME_MAX_REFS 4
#define MIME_INSN_MAX 15

struct mime_ref {
	uint64_t la; /* linear address: guest-virtual, segment base added */
	uint32_t size; /* bytes */
	uint8_t write; /* 0: read, 1: write */
};

struct mime_insn {
	uint64_t rip;
	uint8_t len; /* bytes of the instruction */
	unsigned int id; /* capstone's instruction id */
	char text[96]; /* mnemonic and operands, as capstone prints them */
	uint8_t branch; /* may continue elsewhere than after itself (jump, call, return, int ...) */
	uint8_t string; /* a REP string instruction: stays at its rip until its count is done */
	int nr_refs;
	struct mime_ref refs[MIME_MAX_REFS];
};

/*
 * The instruction in bytes (len of them, fetched at r->rip; d: the vCPU's decoder) and the references it makes when
 * executed in the state r, s (the next iteration only, for a REP string instruction).
 * 0; -EINVAL when the bytes are no instruction; -EOPNOTSUPP when its references cannot be
 * computed (a vector index, an operand of unknown size, a mode other than 64-bit); each with
 * a message naming the instruction and the reason.
 */
int mime__decode(struct decoder *d, const uint8_t *bytes, size_t len, const struct kvm_regs *r,
		 const struct kvm_sregs *s, struct mime_insn *out);

/* 1 for a call instruction (its return comes back after it). */
int mime__is_call(unsigned int id);

struct vm;

struct mime_opts {
	uint64_t start, end; /* the code range [start, end) */
	uint64_t cr3; /* only in this address space; 0: in every one */
	const char *program; /* only while a process running this program runs it; NULL: any */
	double from_s, to_s; /* only in this window, seconds from mime__setup; to_s 0: no end */
	int cpl; /* the ring the range runs at, 0 or 3; -1: either (where the vCPU runs it) */
};

struct mime_stats {
	uint64_t insns; /* instructions in the scope */
	uint64_t refs; /* references recorded */
	uint64_t skipped; /* instructions not followed (memref_skip events) */
	uint64_t interrupted; /* left for an interrupt or exception before they ran: not recorded */
	uint64_t retried; /* ran again after a fault the guest handled (a page mapped) */
	uint64_t out_of_scope; /* entries into the range by another address space, program, time */
};

/* "START-END" (numbers in C syntax) into start, end; -EINVAL with a message. */
int mime__parse_range(const char *s, uint64_t *start, uint64_t *end);
/* "FROM-TO" seconds (TO may be empty: no end) into from, to; -EINVAL with a message. */
int mime__parse_window(const char *s, double *from, double *to);

/*
 * Trace the references of the code in o's scope on every vCPU of vm (created, not started;
 * the step engine installed).  Events memref and memref_skip (trace/events.def).  0 or -errno
 * with a message.
 */
int mime__setup(struct vm *vm, const struct mime_opts *o);
void mime__stats(struct vm *vm, struct mime_stats *st);
void mime__free(struct vm *vm);

/*
 * MIME as a feature of the VM (core/feature.h): a checkpoint or a migration saves its state
 * and the restore goes on tracing where each vCPU was.  The program lists it with
 * feature__known() before it restores.
 */
struct vm_feature_ops;
const struct vm_feature_ops *mime__ops(void);

/* 1 (and its scope in o, when o is not NULL) when MIME traces on vm; else 0. */
int mime__active(struct vm *vm, struct mime_opts *o);

#endif
