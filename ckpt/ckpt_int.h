/* SPDX-License-Identifier: GPL-2.0 */
/* The checkpoint module's own declarations: section tags and record kinds. */
#ifndef VMSCOPE_CKPT_INT_H
#define VMSCOPE_CKPT_INT_H

#include <stdint.h>

#include "format.h"

/* config */
enum {
	CFG_MEM_SIZE = 1,
	CFG_NR_VCPUS,
	CFG_IRQCHIP,
	CFG_FEATURES,
	CFG_CONSOLE_BYTES,
	CFG_ID,
	CFG_GUEST,
	CFG_GUEST_CMD,
	CFG_VERSION,
	CFG_KERNEL_TASKS,
};

/* vcpu N */
enum {
	VC_CPUID = 1,
	VC_REGS,
	VC_SREGS,
	VC_FPU,
	VC_XCRS,
	VC_LAPIC,
	VC_EVENTS,
	VC_DEBUGREGS,
	VC_MP_STATE,
	VC_MSRS,
	VC_XSAVE,
};

/* devices, irqchip, pit, clock, trace, hostfix, private N */
enum { DEV_UART = 1 };
enum { IRQ_PIC_MASTER = 1, IRQ_PIC_SLAVE, IRQ_IOAPIC };
enum { PIT_STATE = 1 };
enum { CLOCK_DATA = 1 };
enum { TR_DIR = 1, TR_CLOCK_NS };
enum { HF_FIXUPS = 1 };
enum { PRIV_GPA = 1, PRIV_DATA };

/* A record's name for `vmscope inspect` ("?" when unknown). */
const char *ckpt__rec_name(const char *tag, uint32_t kind);

struct ckpt_image;
/* The opened file of an image (inspect). */
const struct ckpt_file *ckpt__file(const struct ckpt_image *img);

struct vm;
struct vcpu_state;
struct ckpt_result;

/* Everything but the memory, as sections of w (st: room for one vCPU's state). */
int ckpt__save_state(struct ckpt_writer *w, struct vm *vm, const struct ckpt_result *res,
		     struct vcpu_state *st);

/* Is the 4 KiB page at p all zeros (a hole in a checkpoint, not sent by a migration)? */
int ckpt__page_zero(const uint8_t *p);

/* A checkpoint's or migration's id: unique enough to link two traces (time and pid). */
uint64_t ckpt__new_id(void);

/* Why this run cannot be checkpointed or migrated (yet), or NULL. */
const char *ckpt__unsupported(const struct vm *vm);

/* An image of the state alone (migration: the memory came another way).  0 or -errno. */
int ckpt__open_state(const char *path, struct ckpt_image **out);

/* The run's description (ckpt__setup), a feature of the VM: ckpt__ctx(), NULL if none. */
struct ckpt_ctx {
	char *guest, *guest_cmd, *trace_dir;
};
const struct ckpt_ctx *ckpt__ctx(const struct vm *vm);

#endif
