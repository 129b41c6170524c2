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
	uint64_t state_bytes; /* bytes written: state and non-zero pages */
	uint64_t mem_bytes; /* guest RAM */
	uint64_t ns; /* pause to resume */
	uint64_t console_bytes; /* guest console output before the checkpoint */
};

/*
 * Pause vm, write its checkpoint to path, then resume it (stop: stop it instead, status 0).
 * progress: a line on stderr per 10% of memory.  Traced as lifecycle checkpoint_begin and
 * checkpoint_end (bytes).  0, or -errno with a message; the VM runs on after a failure.
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

/* `vmscope inspect`: list the sections (verify: check the memory too; json).  0 or -errno. */
int ckpt__inspect(const char *path, int verify, int json, FILE *out);

#endif
