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

/* The run's description (ckpt__setup), kept at vm->ckpt. */
struct ckpt_ctx {
	char *guest, *guest_cmd, *trace_dir;
};

#endif
