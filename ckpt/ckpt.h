/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint and restore (docs/checkpoint.md).  A checkpoint is one file in the format of
 * ckpt/format.h: the VM's configuration, its RAM (sparse: zero pages are holes), every vCPU's
 * whole state with its CPUID, the devices (UART, PIC, IOAPIC, PIT), the guest clock, the
 * position of the trace and the host adaptation in force.  It is written to a temporary file
 * next to the target, synced and renamed, so a reader never sees half of one.
 *
 * Restore maps the file's memory section privately (copy-on-write): the guest pages in what
 * it touches, so restoring costs the size of the state, not of RAM.  The memory's checksums
 * are checked meanwhile by a thread that reads the file; a mismatch stops the guest with a
 * message naming the byte.
 */
#ifndef VMSCOPE_CKPT_H
#define VMSCOPE_CKPT_H

#include <stdint.h>
#include <stdio.h>

struct vm;

/* What a checkpoint records of the run besides the VM (set once with ckpt__setup). */
struct ckpt_run_info {
	const char *guest; /* the guest file, NULL: the built-in kernel */
	const char *guest_cmd; /* NULL: none */
	const char *trace_dir; /* NULL: not traced */
};

/* The run's description for later checkpoints of vm (strings copied).  0 or -ENOMEM. */
int ckpt__setup(struct vm *vm, const struct ckpt_run_info *info);
void ckpt__free(struct vm *vm);

struct ckpt_result {
	uint64_t id; /* links the checkpoint's lifecycle events to a restored run's */
	uint64_t file_bytes; /* the file's size (holes included) */
	uint64_t disk_bytes; /* what the file takes on disk (its allocated blocks) */
	uint64_t state_bytes; /* bytes written: state and non-zero pages */
	uint64_t mem_bytes; /* guest RAM */
	uint64_t ns; /* pause to resume */
	uint64_t console_bytes; /* guest console output before the checkpoint */
};

/*
 * Pause vm, write its checkpoint to path, then resume it (stop: stop it instead, status 0).
 * progress: a line on stderr per 10% of memory.  Traced as lifecycle CKPT_BEGIN and CKPT_END
 * (bytes).  0, or -errno with a message; the VM runs on after a failure.
 */
int ckpt__checkpoint(struct vm *vm, const char *path, int stop, int progress,
		     struct ckpt_result *res);

/* An opened checkpoint, checked (header, table, every state section's checksum). */
struct ckpt_image;

struct ckpt_config {
	uint64_t mem_size;
	int nr_vcpus;
	int has_irqchip;
	uint32_t features; /* CPUID_VMSCOPE_F_* */
	unsigned int fixups; /* host adaptation in force when it was taken */
	uint64_t console_bytes;
	uint64_t id;
	uint64_t kernel_tasks; /* the built-in kernel's task table (abi/kprofile.h) */
	char guest[256], guest_cmd[1024], trace_dir[1024], version[64];
};

/* 0 or -errno with a message naming the section and byte. */
int ckpt__open(const char *path, struct ckpt_image **out);
const struct ckpt_config *ckpt__config(const struct ckpt_image *img);
void ckpt__close(struct ckpt_image *img);

/*
 * Give vm (created with the image's memory size, vCPU count and irqchip, not started) the
 * image's state: memory mapped lazily, then CPUID, vCPUs, devices and clock.  The memory
 * check runs on in the background until ckpt__close.  0 or -errno with a message.
 */
int ckpt__restore(struct vm *vm, struct ckpt_image *img);

/* Live migration, the source's side (vmscope migrate, through the control socket). */
struct ckpt_migrate_opts {
	const char *addr; /* HOST:PORT of `vmscope run --incoming` */
	unsigned int downtime_ms; /* stop-and-copy once the rest fits this (default 10) */
	int verify; /* send every MiB's checksum at the end: the target compares its RAM */
	int progress; /* a line on stderr per round */
};

struct ckpt_migrate_result {
	uint64_t id; /* in both runs' lifecycle events */
	uint64_t rounds; /* pre-copy rounds after the first full pass */
	uint64_t pages, bytes; /* sent, all rounds */
	uint64_t last_pages; /* sent while the guest was paused */
	uint64_t expected_ns; /* the downtime the last round predicted */
	uint64_t downtime_ns; /* paused until the target said it runs the guest */
	uint64_t total_ns;
};

/*
 * Migrate vm to o->addr: pre-copy with KVM's dirty log, then stop-and-copy; on success the
 * VM stops (status 0, "migrated to ...").  On any failure the guest runs on here and the
 * error says what happened.  Traced as lifecycle MIGRATE_BEGIN, MIGRATE_ROUND (status: the
 * round, arg: dirty pages), MIGRATE_STOP (arg: pages left), MIGRATE_END (bytes).
 */
int ckpt__migrate(struct vm *vm, const struct ckpt_migrate_opts *o,
		  struct ckpt_migrate_result *res);

/* The target's side (vmscope run --incoming HOST:PORT). */
struct ckpt_incoming;

/* Listen, accept one source (timeout_ms < 0: wait forever), read its hello.  0 or -errno. */
int ckpt__incoming_open(const char *addr, int timeout_ms, struct ckpt_incoming **out);
/* The VM to create (memory size, vCPUs, irqchip, guest). */
const struct ckpt_config *ckpt__incoming_config(const struct ckpt_incoming *in);
/* Receive memory and state into vm (created, not started) until the source is done. */
int ckpt__incoming_receive(struct ckpt_incoming *in, struct vm *vm);
/* Tell the source whether the guest runs here (it stops only on ok). */
int ckpt__incoming_ack(struct ckpt_incoming *in, int ok, const char *msg);
uint64_t ckpt__incoming_bytes(const struct ckpt_incoming *in);
void ckpt__incoming_close(struct ckpt_incoming *in);

/* `vmscope inspect`: list the sections (verify: check the memory too; json).  0 or -errno. */
int ckpt__inspect(const char *path, int verify, int json, FILE *out);

#endif
