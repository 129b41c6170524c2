/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RTME: Intel RTM (XBEGIN, XEND, XABORT, XTEST) emulated by the VMM.  This header holds the
 * transaction model every host kind shares: nesting, the EAX abort status, and a redo log
 * tracked at cache-line granularity (read set, write set, buffered stores, capacity), with
 * the conflict test another vCPU's access is checked against.  Semantics: the Intel SDM
 * vol. 1 (Programming with Intel TSX) and the instruction pages; where the SDM leaves a
 * choice, the value documented beside it here.
 */
#ifndef VMSCOPE_RTME_H
#define VMSCOPE_RTME_H

#include <stddef.h>
#include <stdint.h>

#define RTM_LINE 64 /* conflicts and capacity are per 64-byte line */

/* EAX after an abort (SDM vol. 1, RTM abort status definition). */
#define RTM_ABORT_EXPLICIT 0x01u /* XABORT; its imm8 in bits 31:24 */
#define RTM_ABORT_RETRY 0x02u /* may succeed on retry; never with EXPLICIT */
#define RTM_ABORT_CONFLICT 0x04u
#define RTM_ABORT_CAPACITY 0x08u
#define RTM_ABORT_DEBUG 0x10u
#define RTM_ABORT_NESTED 0x20u /* the abort happened inside a nested transaction */

enum rtm_cause {
	RTM_C_XABORT, /* EXPLICIT | imm8 << 24 */
	RTM_C_CONFLICT, /* CONFLICT | RETRY */
	RTM_C_CAPACITY, /* CAPACITY */
	RTM_C_DEBUG, /* DEBUG: #DB or #BP inside */
	RTM_C_NEST, /* XBEGIN past the maximum depth: CAPACITY | NESTED */
	RTM_C_INSN, /* an instruction that aborts (CPUID, PAUSE, I/O ...): 0 */
	RTM_C_EXCEPTION, /* a fault or trap, suppressed: 0 */
	RTM_C_ASYNC, /* an interrupt, NMI, or the VMM's own exit: 0 */
	RTM_C_INJECTED, /* the experiment's abort injection: RETRY */
	/*
	 * vmscope's own: another vCPU had to run where RTME could not see its accesses (an
	 * interrupt it took after waiting for the transaction, a run that went past one
	 * instruction), so the transaction could not be kept isolated: RETRY.  No CPU aborts for
	 * this; it is counted apart so that no one takes it for an interrupt.
	 */
	RTM_C_ORDERING,
	RTM_C_MAX
};

/* EAX for an abort of cause c at nesting depth (imm: XABORT's operand). */
uint32_t rtm__status(enum rtm_cause c, uint8_t imm, int depth);

/* "xabort", "conflict" ... */
const char *rtm__cause_name(enum rtm_cause c);

struct rtm_line {
	uint64_t addr; /* guest-physical, line-aligned */
	uint64_t written; /* bit per byte buffered in data[] */
	uint8_t data[RTM_LINE];
	uint8_t snap[RTM_LINE]; /* the line as it was when first read (validation) */
	uint8_t read, write; /* in the read set, in the write set */
	uint8_t snapped; /* snap[] holds it */
};

struct rtm_tx {
	int depth; /* 0: no transaction */
	uint64_t fallback; /* the outermost XBEGIN's */
	int max_depth; /* the maximum nesting (SDM: implementation-specific; default 7) */
	int read_cap, write_cap; /* capacity in lines */
	int nr_lines, nr_read, nr_write;
	struct rtm_line *lines; /* read_cap + write_cap of them */
};

/* Reads guest-physical memory for the log (len <= RTM_LINE, one line); 0 or -errno. */
typedef int (*rtm_mem_fn)(void *ctx, uint64_t gpa, void *buf, size_t len);

int rtm__init(struct rtm_tx *t, int max_depth, int read_cap, int write_cap);
void rtm__free(struct rtm_tx *t);

/*
 * XBEGIN: 0 when a transaction began or nested (only the outermost's fallback is kept);
 * -ENOSPC when the maximum depth is reached (abort: RTM_C_NEST).
 */
int rtm__xbegin(struct rtm_tx *t, uint64_t fallback);

/* XEND: -EINVAL outside a transaction (#GP(0)), 0 for an inner one, 1: commit now. */
int rtm__xend(struct rtm_tx *t);

/*
 * A transactional access of [gpa, gpa + len) (it may span lines): reads see the
 * transaction's own stores over memory; stores are buffered.  0, or -ENOSPC when a set
 * outgrows its capacity (abort: RTM_C_CAPACITY), or mem's error.
 */
/*
 * Put [gpa, gpa + len) in the read or write set without data (before the instruction that
 * accesses it runs; mem, when not NULL, snapshots a line new to the read set).  0, or -ENOSPC
 * over capacity.
 */
int rtm__track(struct rtm_tx *t, uint64_t gpa, size_t len, int is_write, rtm_mem_fn mem, void *ctx);

/*
 * Is every line of the read set still as it was when first read (mem reads it now)?  1 when
 * one changed: a store the conflict test did not see; 0 when none did.
 */
int rtm__changed(const struct rtm_tx *t, rtm_mem_fn mem, void *ctx);

int rtm__read(struct rtm_tx *t, uint64_t gpa, void *buf, size_t len, rtm_mem_fn mem, void *ctx);
int rtm__write(struct rtm_tx *t, uint64_t gpa, const void *buf, size_t len);

/* Would another vCPU's access of [gpa, gpa + len) conflict (a write with either set, a read
 * with the write set)? */
int rtm__conflicts(const struct rtm_tx *t, uint64_t gpa, size_t len, int is_write);

/* Apply the buffered stores (commit): write each line's written bytes; 0 or the first error. */
typedef int (*rtm_store_fn)(void *ctx, uint64_t gpa, const void *buf, size_t len);
int rtm__commit(struct rtm_tx *t, rtm_store_fn store, void *ctx);

/* End the transaction without a trace in memory (abort, or after a commit). */
void rtm__reset(struct rtm_tx *t);

/* The RTM instructions as they are encoded (SDM vol. 2: XBEGIN, XEND, XABORT, XTEST). */
enum rtm_op { RTM_OP_NONE, RTM_OP_XBEGIN, RTM_OP_XEND, RTM_OP_XABORT, RTM_OP_XTEST };

struct rtm_insn {
	enum rtm_op op;
	int len; /* bytes, prefixes included */
	int64_t rel; /* XBEGIN: the fallback's offset from the next instruction */
	uint8_t imm; /* XABORT */
	uint8_t lock; /* a LOCK prefix: #UD outside a transaction, an abort inside */
	uint8_t bad_prefix; /* 66/F2/F3 on XEND or XTEST ("NP"): #UD */
};

/*
 * Decode an RTM instruction of 64-bit code at bytes (len available): legacy prefixes and REX
 * before C7 F8 (XBEGIN: rel32, or rel16 with 66), C6 F8 ib (XABORT), 0F 01 D5 (XEND),
 * 0F 01 D6 (XTEST).  1 when it is one (i filled), 0 when not, -EINVAL when cut short.
 */
int rtm__decode(const uint8_t *bytes, size_t len, struct rtm_insn *i);

/*
 * Code: where the RTM instructions are, and which instructions abort a transaction; d is a
 * decoder (core/decoder.h), the vCPU's in the vCPU's thread.
 */
struct decoder;

/* Called for each RTM instruction a sweep finds, at offset off; non-zero stops the sweep. */
typedef int (*rtme_site_fn)(void *ctx, size_t off, const struct rtm_insn *i);

/*
 * Decode code (len bytes, at virtual address va) from its start, one instruction after
 * another, and call fn for each RTM instruction.  The number found, or fn's value.
 */
int rtme__isa_sweep(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		    rtme_site_fn fn, void *ctx);

/*
 * 1 when the instruction at code aborts a transaction under RTME (name: its mnemonic):
 * CPUID, PAUSE, I/O, system calls and interrupts, HLT, MSR, segment, control and debug
 * register writes, x87 and MMX, XSAVE and FXSAVE, cache and TLB control, non-temporal
 * stores, VZEROUPPER, UD2 and the rest of the SDM's list; bytes that are no instruction too.
 */
int rtme__isa_aborts(struct decoder *d, const uint8_t *code, size_t len, uint64_t va,
		     const char **name);

/* The engine: `vmscope run --rtme`. */
struct vm;

#define RTME_DEFAULT_DEPTH 7
#define RTME_DEFAULT_READ_LINES 4096 /* 256 KiB */
#define RTME_DEFAULT_WRITE_LINES 512 /* 32 KiB: a 32 KiB L1D */

struct rtme_opts {
	int max_depth; /* 0: RTME_DEFAULT_DEPTH */
	int read_lines, write_lines; /* 0: the defaults */
	double abort_rate; /* probability that a transaction is aborted at its XBEGIN (RETRY) */
	uint64_t seed; /* of the abort injection */
	int memref; /* memref events for every transactional reference */
	/*
	 * Interrupts wait while a transaction has run fewer instructions than this (its own, and
	 * another vCPU's that must run unobserved to take one); 0: RTME_DEFAULT_IRQ_DEFER; -1:
	 * none wait (every interrupt during a transaction aborts it at once).
	 */
	int irq_defer;
};

/*
 * A step costs tens of microseconds where a CPU takes a nanosecond: a timer tick falls inside
 * a transaction thousands of times more often than on hardware.  Interrupts are held while a
 * transaction is younger than this many instructions (about a microsecond of a CPU's time),
 * so that it is interrupted about as often as on hardware for the same code and timer.
 */
#define RTME_DEFAULT_IRQ_DEFER 1000

struct rtme_stats {
	uint64_t begins, commits, aborts[RTM_C_MAX];
	uint64_t insns; /* transactional instructions stepped */
	uint64_t observed; /* other vCPUs' instructions checked while a transaction was live */
	uint64_t sites; /* RTM instructions found and made to trap */
	uint64_t unknown; /* other vCPUs' instructions whose references were not known */
	uint64_t ran_on; /* ordered KVM_RUNs that ran more than one instruction (all doomed) */
	uint64_t stale; /* commits refused: a line read had changed unseen (validation) */
	uint64_t irq_out; /* interrupts for which a stepped vCPU ran freely (live ones doomed) */
	uint64_t bp_in_flight; /* kicks that found an int3's #BP on its way (gate.c) */
	uint64_t halts; /* HLTs of observing vCPUs, performed by RTME (order.c) */
};

/*
 * Emulate RTM on every vCPU of vm (created, CPUID not yet used, step engine installed):
 * advertise it in CPUID, trap the RTM instructions (rtme__add_code) and run transactions.
 * 0 or -errno with a message.
 */
int rtme__setup(struct vm *vm, const struct rtme_opts *o);

/*
 * Find the RTM instructions in the code at guest-physical [gpa, gpa + len), which runs at
 * virtual address va, and make each trap (an int3 in place of its first byte: the one change
 * the guest can see, by reading its own code).  The number found, or -errno.
 */
int rtme__add_code(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t va);

/*
 * The same for every ELF executable image at a page boundary of [gpa, gpa + len) (the
 * programs embedded in the built-in kernel): their executable segments.  Number found.
 */
int rtme__add_images(struct vm *vm, uint64_t gpa, uint64_t len);

/* The same for the executable segments of the ELF file at path, loaded at their p_paddr. */
int rtme__add_elf_file(struct vm *vm, const char *path);

/* "R:W" (read and write set lines) for --rtme-capacity; -EINVAL with a message. */
int rtme__parse_capacity(const char *s, int *read_lines, int *write_lines);

void rtme__stats(struct vm *vm, struct rtme_stats *st);
void rtme__free(struct vm *vm);

#endif
