// SPDX-License-Identifier: GPL-2.0
/* Taking a checkpoint: pause, save every part of the VM into a new file, resume. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../core/devices.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "../trace/clock.h"
#include "../trace/trace.h"
#include "ckpt.h"
#include "ckpt_int.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.0.0"
#endif

#define PAGE 4096ull
#define MAX_CPUID 256

static char *dup_or_null(const char *s, int *fail)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*fail = 1;
	return d;
}

static void ckpt_ctx_free(struct vm *vm, void *priv)
{
	struct ckpt_ctx *c = priv;

	(void)vm;
	free(c->guest);
	free(c->guest_cmd);
	free(c->trace_dir);
	free(c);
}

static const struct vm_feature_ops ckpt_feature = {
	.name = "ckpt",
	.free = ckpt_ctx_free,
};

const struct ckpt_ctx *ckpt__ctx(const struct vm *vm)
{
	return vm__feature_priv(vm, &ckpt_feature);
}

int ckpt__setup(struct vm *vm, const struct ckpt_run_info *info)
{
	struct ckpt_ctx *c = calloc(1, sizeof(*c));
	int fail = 0;

	if (!c)
		return err__set(ENOMEM, "out of memory");
	c->guest = dup_or_null(info->guest, &fail);
	c->guest_cmd = dup_or_null(info->guest_cmd, &fail);
	c->trace_dir = dup_or_null(info->trace_dir, &fail);
	if (fail) {
		ckpt_ctx_free(vm, c);
		return err__set(ENOMEM, "out of memory");
	}
	fail = vm__feature_add(vm, &ckpt_feature, c);
	if (fail)
		ckpt_ctx_free(vm, c);
	return fail;
}

void ckpt__free(struct vm *vm)
{
	vm__feature_del(vm, &ckpt_feature);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t ckpt__new_id(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return XXH3_64bits_withSeed(&ts, sizeof(ts), (uint64_t)getpid());
}

static int save_config(struct ckpt_writer *w, struct vm *vm, const struct ckpt_result *res)
{
	const struct ckpt_ctx *c = ckpt__ctx(vm);
	int ret = ckpt_w_begin(w, "config", 1, 0, CKPT_SF_REQUIRED, 8);

	ret = ret ?: ckpt_w_rec_u64(w, CFG_MEM_SIZE, vm->mem.size);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_NR_VCPUS, vm->nr_vcpus);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_IRQCHIP, vm->has_irqchip);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_FEATURES, vm->features);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_CONSOLE_BYTES, res->console_bytes);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_ID, res->id);
	ret = ret ?: ckpt_w_rec_u64(w, CFG_KERNEL_TASKS, vm->kernel_tasks);
	ret = ret ?: ckpt_w_rec_str(w, CFG_VERSION, VMSCOPE_VERSION);
	if (c && c->guest)
		ret = ret ?: ckpt_w_rec_str(w, CFG_GUEST, c->guest);
	if (c && c->guest_cmd)
		ret = ret ?: ckpt_w_rec_str(w, CFG_GUEST_CMD, c->guest_cmd);
	return ret ?: ckpt_w_end(w);
}

/* The CPUID the vCPU was given (KVM_GET_CPUID2). */
static int save_cpuid(struct ckpt_writer *w, struct vcpu *v)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[MAX_CPUID];
	} buf;

	buf.c.nent = MAX_CPUID;
	if (ioctl(v->fd, KVM_GET_CPUID2, &buf) < 0)
		return err__set(errno, "vCPU %d: cannot read its CPUID (KVM_GET_CPUID2): %s", v->id,
				strerror(errno));
	return ckpt_w_rec(w, VC_CPUID, buf.e, buf.c.nent * sizeof(buf.e[0]));
}

static int save_vcpu(struct ckpt_writer *w, struct vcpu *v, struct vcpu_state *st)
{
	int ret = vcpu__save(v, st);

	ret = ret ?: ckpt_w_begin(w, "vcpu", 1, v->id, CKPT_SF_REQUIRED, 8);
	ret = ret ?: save_cpuid(w, v);
	ret = ret ?: ckpt_w_rec(w, VC_REGS, &st->regs, sizeof(st->regs));
	ret = ret ?: ckpt_w_rec(w, VC_SREGS, &st->sregs, sizeof(st->sregs));
	ret = ret ?: ckpt_w_rec(w, VC_FPU, &st->fpu, sizeof(st->fpu));
	ret = ret ?: ckpt_w_rec(w, VC_XCRS, &st->xcrs, sizeof(st->xcrs));
	ret = ret ?: ckpt_w_rec(w, VC_LAPIC, &st->lapic, sizeof(st->lapic));
	ret = ret ?: ckpt_w_rec(w, VC_EVENTS, &st->events, sizeof(st->events));
	ret = ret ?: ckpt_w_rec(w, VC_DEBUGREGS, &st->debugregs, sizeof(st->debugregs));
	ret = ret ?: ckpt_w_rec(w, VC_MP_STATE, &st->mp_state, sizeof(st->mp_state));
	ret = ret ?: ckpt_w_rec(w, VC_MSRS, st->msrs, st->nr_msrs * sizeof(st->msrs[0]));
	ret = ret ?: ckpt_w_rec(w, VC_XSAVE, st->xsave, st->xsave_size);
	return ret ?: ckpt_w_end(w);
}

/* One of vmscope's devices: a record of the "devices" section, of the device's kind. */
static int save_device(void *opaque, uint32_t kind, const void *state, size_t size)
{
	return ckpt_w_rec(opaque, kind, state, (uint32_t)size);
}

static int save_devices(struct ckpt_writer *w, struct vm *vm)
{
	struct devices_state d;
	int ret = devices__save(vm, &d);

	ret = ret ?: ckpt_w_begin(w, "devices", 1, 0, CKPT_SF_REQUIRED, 8);
	ret = ret ?: devices__save_each(vm, save_device, w);
	ret = ret ?: ckpt_w_end(w);
	if (!ret && d.has_irqchip) {
		ret = ckpt_w_begin(w, "irqchip", 1, 0, CKPT_SF_REQUIRED, 8);
		ret = ret ?: ckpt_w_rec(w, IRQ_PIC_MASTER, &d.pic_master, sizeof(d.pic_master));
		ret = ret ?: ckpt_w_rec(w, IRQ_PIC_SLAVE, &d.pic_slave, sizeof(d.pic_slave));
		ret = ret ?: ckpt_w_rec(w, IRQ_IOAPIC, &d.ioapic, sizeof(d.ioapic));
		ret = ret ?: ckpt_w_end(w);
		ret = ret ?: ckpt_w_begin(w, "pit", 1, 0, CKPT_SF_REQUIRED, 8);
		ret = ret ?: ckpt_w_rec(w, PIT_STATE, &d.pit, sizeof(d.pit));
		ret = ret ?: ckpt_w_end(w);
	}
	ret = ret ?: ckpt_w_begin(w, "clock", 1, 0, CKPT_SF_REQUIRED, 8);
	ret = ret ?: ckpt_w_rec(w, CLOCK_DATA, &d.clock, sizeof(d.clock));
	return ret ?: ckpt_w_end(w);
}

static int save_run(struct ckpt_writer *w, struct vm *vm)
{
	const struct ckpt_ctx *c = ckpt__ctx(vm);
	int ret = 0;

	if (c && c->trace_dir) {
		ret = ckpt_w_begin(w, "trace", 1, 0, 0, 8);
		ret = ret ?: ckpt_w_rec_str(w, TR_DIR, c->trace_dir);
		ret = ret ?: ckpt_w_rec_u64(w, TR_CLOCK_NS, trace_clock__now());
		ret = ret ?: ckpt_w_end(w);
	}
	ret = ret ?: ckpt_w_begin(w, "hostfix", 1, 0, 0, 8);
	ret = ret ?: ckpt_w_rec_u64(w, HF_FIXUPS, vm->fixups);
	return ret ?: ckpt_w_end(w);
}

static int save_private(struct ckpt_writer *w, struct vm *vm)
{
	int i, ret = 0;

	for (i = 0; !ret && i < vm->nr_private; i++) {
		const struct vm_private_mem *p = &vm->private_mem[i];

		ret = ckpt_w_begin(w, "private", 1, i, CKPT_SF_REQUIRED, 8);
		ret = ret ?: ckpt_w_rec_u64(w, PRIV_GPA, p->gpa);
		ret = ret ?: ckpt_w_rec(w, PRIV_DATA, p->hva, p->size);
		ret = ret ?: ckpt_w_end(w);
	}
	return ret;
}

int ckpt__page_zero(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

/* RAM, zero pages as holes, with an XXH3-64 per MiB into sums[1..] (sums[0]: the chunk). */
static int save_memory(struct ckpt_writer *w, struct vm *vm, uint64_t *sums, int progress)
{
	const uint8_t *host = vm->mem.host;
	uint64_t size = vm->mem.size, off, run = 0, next_tick = size / 10;
	int ret = ckpt_w_begin(w, "memory", 1, 0, CKPT_SF_CHUNKED | CKPT_SF_REQUIRED | CKPT_SF_RAW,
			       CKPT_MEM_ALIGN);

	sums[0] = CKPT_MEMSUM_CHUNK;
	for (off = 0; !ret && off < size; off += PAGE) {
		if (off % CKPT_MEMSUM_CHUNK == 0) {
			uint64_t len =
				size - off < CKPT_MEMSUM_CHUNK ? size - off : CKPT_MEMSUM_CHUNK;

			sums[1 + off / CKPT_MEMSUM_CHUNK] = ckpt_sum(host + off, len);
		}
		if (progress && off && off >= next_tick) {
			fprintf(stderr, "vmscope: checkpoint: %" PRIu64 "%% of %" PRIu64 " MiB\n",
				off * 100 / size, size >> 20);
			next_tick += size / 10;
		}
		if (!ckpt__page_zero(host + off)) {
			run += PAGE;
			continue;
		}
		if (run)
			ret = ckpt_w_write(w, host + off - run, run);
		run = 0;
		ret = ret ?: ckpt_w_skip(w, PAGE);
	}
	if (!ret && run)
		ret = ckpt_w_write(w, host + size - run, run);
	ret = ret ?: ckpt_w_end(w);
	ret = ret ?: ckpt_w_begin(w, "memsum", 1, 0, CKPT_SF_REQUIRED | CKPT_SF_RAW, 8);
	ret = ret
		      ?: ckpt_w_write(w, sums,
				      8 * (1 + (size + CKPT_MEMSUM_CHUNK - 1) / CKPT_MEMSUM_CHUNK));
	return ret ?: ckpt_w_end(w);
}

/* A feature's state: a required section of its name (records.def). */
static int save_feature(void *opaque, const char *name, const struct feature_state *fs)
{
	struct ckpt_writer *w = opaque;
	int ret;

	if (strlen(name) > CKPT_TAG_LEN)
		return err__set(EINVAL, "feature '%s': a name longer than a section tag", name);
	if (fs->len > UINT32_MAX)
		return err__set(EFBIG, "feature '%s': %zu bytes of state", name, fs->len);
	ret = ckpt_w_begin(w, name, 1, 0, CKPT_SF_REQUIRED, 8);
	ret = ret ?: ckpt_w_rec(w, FEAT_STATE, fs->data, (uint32_t)fs->len);
	return ret ?: ckpt_w_end(w);
}

int ckpt__save_state(struct ckpt_writer *w, struct vm *vm, const struct ckpt_result *res,
		     struct vcpu_state *st)
{
	int i, ret = save_config(w, vm, res);

	for (i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = save_vcpu(w, &vm->vcpus[i], st);
	ret = ret ?: save_devices(w, vm);
	ret = ret ?: save_run(w, vm);
	ret = ret ?: save_private(w, vm);
	return ret ?: vm__features_save(vm, save_feature, w);
}

/* The blocks a file takes (zero pages are holes: far below its size for an idle guest). */
static uint64_t disk_bytes(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? 0 : (uint64_t)sb.st_blocks * 512;
}

/* Write the paused VM to path.  0 or -errno with a message. */
static int save(struct vm *vm, const char *path, int progress, struct ckpt_result *res)
{
	struct ckpt_writer w;
	struct vcpu_state *st = malloc(sizeof(*st));
	uint64_t *sums = calloc(2 + vm->mem.size / CKPT_MEMSUM_CHUNK, 8);
	int ret;

	if (!st || !sums) {
		free(st);
		free(sums);
		return err__set(ENOMEM, "out of memory");
	}
	ret = ckpt_w_open(&w, path);
	ret = ret ?: ckpt__save_state(&w, vm, res, st);
	ret = ret ?: save_memory(&w, vm, sums, progress);
	if (!ret)
		ret = ckpt_w_commit(&w, &res->file_bytes);
	else
		ckpt_w_abort(&w);
	if (!ret)
		res->disk_bytes = disk_bytes(path);
	res->state_bytes = w.written;
	free(st);
	free(sums);
	return ret;
}

const char *ckpt__unsupported(const struct vm *vm)
{
	return vm__features_unsaved(vm);
}

int ckpt__checkpoint(struct vm *vm, const char *path, int stop, int progress,
		     struct ckpt_result *res)
{
	const char *why = ckpt__unsupported(vm);
	int ret, was_paused;
	uint64_t t0;

	memset(res, 0, sizeof(*res));
	if (why)
		return err__set(ENOTSUP, "cannot checkpoint a run with %s; run without it", why);
	res->id = ckpt__new_id();
	res->mem_bytes = vm->mem.size;
	/* A VM paused through the control socket is saved as it is and left paused. */
	was_paused = __atomic_load_n(&vm->pausing, __ATOMIC_SEQ_CST);
	ret = was_paused ? 0 : vm__pause(vm);
	if (ret)
		return ret;
	t0 = now_ns();
	trace__lifecycle(vm->trace, TRACE_LC_CKPT_BEGIN, 0, res->id);
	res->console_bytes = __atomic_load_n(&vm->dev->console_bytes, __ATOMIC_SEQ_CST);
	ret = save(vm, path, progress, res);
	trace__lifecycle(vm->trace, TRACE_LC_CKPT_END, ret, ret ? 0 : res->file_bytes);
	res->ns = now_ns() - t0;
	if (!ret && stop)
		vm__request_stop(vm, 0, 0, "checkpointed to %s and stopped (--stop)", path);
	if (!was_paused || (!ret && stop))
		vm__resume(vm);
	return ret;
}
