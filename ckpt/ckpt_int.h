/* SPDX-License-Identifier: GPL-2.0 */
/* The checkpoint module's own declarations: section tags and record kinds. */
#ifndef VMSCOPE_CKPT_INT_H
#define VMSCOPE_CKPT_INT_H

#include <stdint.h>

#include "format.h"

/* Record kinds of every section (records.def). */
#define CKPT_SECTION(tag)
#define CKPT_REC(tag, kind, value, name) kind = value,
enum ckpt_rec_kind {
#include "records.def"
};
#undef CKPT_SECTION
#undef CKPT_REC

/* A record's name for `vmscope inspect` ("?" when unknown). */
const char *ckpt__rec_name(const char *tag, uint32_t kind);

/* Is tag a section this vmscope knows (records.def, or a known feature's: feature.h)? */
int ckpt__known_section(const char *tag);

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
