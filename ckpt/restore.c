// SPDX-License-Identifier: GPL-2.0
/* Restoring a checkpoint into a new VM: memory mapped lazily, then every part's state. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "../core/devices.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "ckpt.h"
#include "ckpt_int.h"

#define MAX_CPUID 256

struct ckpt_image {
	struct ckpt_file f;
	struct ckpt_config cfg;
	pthread_t verifier;
	int verifying;
	int state_only; /* no memory sections: ckpt__open_state */
	int cancel; /* the run is over: the check stops (atomic) */
	struct vm *vm;
};

/* The tags this vmscope reads; a required section with another tag is refused. */
static int known(const struct ckpt_entry *e)
{
	char tag[CKPT_TAG_LEN + 1];

	ckpt_tag(e, tag);
	return ckpt__known_section(tag);
}

/* A record of exactly size bytes, or an error naming it. */
static int want_size(const struct ckpt_file *f, const struct ckpt_entry *e,
		     const struct ckpt_rec *r, size_t size)
{
	char tag[CKPT_TAG_LEN + 1];

	if (r->size == size)
		return 0;
	ckpt_tag(e, tag);
	return err__set(EINVAL,
			"%s: section '%s' %u, record %s at byte %" PRIu64
			": %u bytes where this vmscope expects %zu (made by an incompatible "
			"vmscope or host)",
			f->path, tag, e->index, ckpt__rec_name(tag, r->kind), r->at, r->size, size);
}

static void copy_str(char *dst, size_t size, const struct ckpt_rec *r)
{
	size_t n = r->size < size ? r->size : size - 1;

	memcpy(dst, r->data, n);
	dst[n] = '\0';
	dst[strnlen(dst, size - 1)] = '\0';
}

static int parse_config(struct ckpt_image *img, const struct ckpt_entry *e, const void *buf)
{
	struct ckpt_config *c = &img->cfg;
	struct ckpt_rec r;
	uint64_t pos = 0, v;
	int ret;

	while ((ret = ckpt_rec_next(e, buf, &pos, &r)) > 0) {
		if (r.kind == CFG_GUEST)
			copy_str(c->guest, sizeof(c->guest), &r);
		else if (r.kind == CFG_GUEST_CMD)
			copy_str(c->guest_cmd, sizeof(c->guest_cmd), &r);
		else if (r.kind == CFG_VERSION)
			copy_str(c->version, sizeof(c->version), &r);
		if (r.kind < CFG_MEM_SIZE || r.kind > CFG_KERNEL_TASKS || r.kind == CFG_GUEST ||
		    r.kind == CFG_GUEST_CMD || r.kind == CFG_VERSION)
			continue;
		ret = want_size(&img->f, e, &r, 8);
		if (ret)
			return ret;
		memcpy(&v, r.data, 8);
		switch (r.kind) {
		case CFG_MEM_SIZE:
			c->mem_size = v;
			break;
		case CFG_NR_VCPUS:
			c->nr_vcpus = (int)v;
			break;
		case CFG_IRQCHIP:
			c->has_irqchip = (int)v;
			break;
		case CFG_FEATURES:
			c->features = (uint32_t)v;
			break;
		case CFG_CONSOLE_BYTES:
			c->console_bytes = v;
			break;
		case CFG_ID:
			c->id = v;
			break;
		case CFG_KERNEL_TASKS:
			c->kernel_tasks = v;
			break;
		}
	}
	return ret;
}

/* The sections a restore needs, each where the configuration says it should be. */
static int check_sections(struct ckpt_image *img)
{
	const struct ckpt_config *c = &img->cfg;
	const struct ckpt_file *f = &img->f;
	const struct ckpt_entry *m = ckpt_f_find(f, "memory", 0);
	char tag[CKPT_TAG_LEN + 1];
	uint32_t i;

	if (img->state_only)
		m = NULL;
	if (!c->mem_size || c->nr_vcpus < 1 || c->nr_vcpus > VM_MAX_VCPUS)
		return err__set(EINVAL,
				"%s: section 'config': %" PRIu64 " bytes of RAM, %d vCPUs: corrupt",
				f->path, c->mem_size, c->nr_vcpus);
	if (!img->state_only && (!m || m->size != c->mem_size || m->offset % CKPT_MEM_ALIGN))
		return err__set(EINVAL,
				"%s: section 'memory' is %s (the configuration says %" PRIu64
				" bytes, aligned to %d)",
				f->path, m ? "of another size or unaligned" : "missing",
				c->mem_size, CKPT_MEM_ALIGN);
	for (i = 0; i < (uint32_t)c->nr_vcpus; i++)
		if (!ckpt_f_find(f, "vcpu", i))
			return err__set(EINVAL, "%s: section 'vcpu' %u is missing (%d vCPUs)",
					f->path, i, c->nr_vcpus);
	if (!ckpt_f_find(f, "devices", 0) || !ckpt_f_find(f, "clock", 0) ||
	    (!img->state_only && !ckpt_f_find(f, "memsum", 0)) ||
	    (c->has_irqchip && (!ckpt_f_find(f, "irqchip", 0) || !ckpt_f_find(f, "pit", 0))))
		return err__set(
			EINVAL,
			"%s: a device section (devices, clock, memsum, irqchip, pit) is missing",
			f->path);
	for (i = 0; i < f->hdr.nr_sections; i++) {
		const struct ckpt_entry *e = &f->entries[i];

		if ((e->flags & CKPT_SF_REQUIRED) && !known(e))
			return err__set(
				ENOTSUP,
				"%s: section '%s' (byte %" PRIu64
				") is required and unknown to this vmscope: restore it with a "
				"newer one",
				f->path, ckpt_tag(e, tag), e->offset);
		if (!strcmp(ckpt_tag(e, tag), "vcpu") && e->index >= (uint32_t)c->nr_vcpus)
			return err__set(EINVAL,
					"%s: section 'vcpu' %u (byte %" PRIu64
					") is beyond the %d vCPUs",
					f->path, e->index, e->offset, c->nr_vcpus);
	}
	return 0;
}

static int open_image(const char *path, int state_only, struct ckpt_image **out)
{
	struct ckpt_image *img = calloc(1, sizeof(*img));
	const struct ckpt_entry *e;
	void *buf;
	int ret;

	*out = NULL;
	if (!img)
		return err__set(ENOMEM, "out of memory");
	img->state_only = state_only;
	ret = ckpt_f_open(&img->f, path);
	if (ret) {
		free(img);
		return ret;
	}
	e = ckpt_f_find(&img->f, "config", 0);
	if (!e)
		ret = err__set(EINVAL, "%s: no section 'config': not a whole checkpoint", path);
	else if (e->version > 1)
		ret = err__set(
			EPROTONOSUPPORT,
			"%s: section 'config' has version %u, newer than this vmscope reads (1)",
			path, e->version);
	else if (!(ret = ckpt_f_load(&img->f, e, &buf))) {
		ret = parse_config(img, e, buf);
		free(buf);
	}
	ret = ret ?: check_sections(img);
	if (ret) {
		ckpt__close(img);
		return ret;
	}
	*out = img;
	return 0;
}

int ckpt__open(const char *path, struct ckpt_image **out)
{
	return open_image(path, 0, out);
}

int ckpt__open_state(const char *path, struct ckpt_image **out)
{
	return open_image(path, 1, out);
}

const struct ckpt_config *ckpt__config(const struct ckpt_image *img)
{
	return &img->cfg;
}

const struct ckpt_file *ckpt__file(const struct ckpt_image *img)
{
	return &img->f;
}

/* The file's memory, privately, where the VM's RAM is mapped (KVM's slots stay). */
static int map_memory(struct vm *vm, struct ckpt_image *img)
{
	const struct ckpt_entry *m = ckpt_f_find(&img->f, "memory", 0);
	void *p = mmap(vm->mem.host, m->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
		       img->f.fd, (off_t)m->offset);

	if (p == MAP_FAILED)
		return err__set(errno, "cannot map the memory of %s: %s", img->f.path,
				strerror(errno));
	return 0;
}

static int set_cpuid(struct vcpu *v, const struct ckpt_rec *r, const char *path)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[MAX_CPUID];
	} buf;

	if (r->size % sizeof(buf.e[0]) || r->size / sizeof(buf.e[0]) > MAX_CPUID)
		return err__set(EINVAL,
				"%s: section 'vcpu' %d, record cpuid at byte %" PRIu64
				": %u bytes: corrupt",
				path, v->id, r->at, r->size);
	memset(&buf, 0, sizeof(buf));
	buf.c.nent = r->size / sizeof(buf.e[0]);
	memcpy(buf.e, r->data, r->size);
	if (ioctl(v->fd, KVM_SET_CPUID2, &buf) < 0)
		return err__set(
			errno,
			"%s: section 'vcpu' %d: this host's KVM refuses the CPUID the guest "
			"had (%s): restore on a host with the same CPU features",
			path, v->id, strerror(errno));
	return 0;
}

/* Copy a fixed-size record into the state, or a variable one (MSRs, XSAVE) up to max. */
static int take(const struct ckpt_image *img, const struct ckpt_entry *e, const struct ckpt_rec *r,
		struct vcpu_state *st)
{
	static const struct {
		uint32_t kind;
		size_t off, size;
	} fixed[] = {
		{ VC_REGS, offsetof(struct vcpu_state, regs), sizeof(struct kvm_regs) },
		{ VC_SREGS, offsetof(struct vcpu_state, sregs), sizeof(struct kvm_sregs) },
		{ VC_FPU, offsetof(struct vcpu_state, fpu), sizeof(struct kvm_fpu) },
		{ VC_XCRS, offsetof(struct vcpu_state, xcrs), sizeof(struct kvm_xcrs) },
		{ VC_LAPIC, offsetof(struct vcpu_state, lapic), sizeof(struct kvm_lapic_state) },
		{ VC_EVENTS, offsetof(struct vcpu_state, events), sizeof(struct kvm_vcpu_events) },
		{ VC_DEBUGREGS, offsetof(struct vcpu_state, debugregs),
		  sizeof(struct kvm_debugregs) },
		{ VC_MP_STATE, offsetof(struct vcpu_state, mp_state), sizeof(struct kvm_mp_state) },
	};
	size_t i;
	int ret;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (r->kind != fixed[i].kind)
			continue;
		ret = want_size(&img->f, e, r, fixed[i].size);
		if (!ret)
			memcpy((char *)st + fixed[i].off, r->data, fixed[i].size);
		return ret;
	}
	if (r->kind == VC_MSRS && r->size % sizeof(st->msrs[0]) == 0 &&
	    r->size <= sizeof(st->msrs)) {
		st->nr_msrs = r->size / sizeof(st->msrs[0]);
		memcpy(st->msrs, r->data, r->size);
	} else if (r->kind == VC_XSAVE && r->size <= sizeof(st->xsave)) {
		st->xsave_size = r->size;
		memcpy(st->xsave, r->data, r->size);
	} else if (r->kind == VC_MSRS || r->kind == VC_XSAVE) {
		return want_size(&img->f, e, r,
				 r->kind == VC_MSRS ? sizeof(st->msrs) : sizeof(st->xsave));
	}
	return 0;
}

static int restore_vcpu(struct vcpu *v, struct ckpt_image *img, struct vcpu_state *st)
{
	const struct ckpt_entry *e = ckpt_f_find(&img->f, "vcpu", v->id);
	struct ckpt_rec r;
	uint64_t pos = 0;
	void *buf;
	int ret = ckpt_f_load(&img->f, e, &buf), seen = 0;

	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	while (!ret && (ret = ckpt_rec_next(e, buf, &pos, &r)) > 0) {
		ret = r.kind == VC_CPUID ? set_cpuid(v, &r, img->f.path) : take(img, e, &r, st);
		if (r.kind >= VC_CPUID && r.kind <= VC_XSAVE)
			seen |= 1 << r.kind;
	}
	free(buf);
	if (ret)
		return ret;
	if (seen != ((1 << (VC_XSAVE + 1)) - 2))
		return err__set(EINVAL, "%s: section 'vcpu' %d lacks some of its state: corrupt",
				img->f.path, v->id);
	ret = vcpu__restore(v, st);
	return err__wrap(ret, "%s: section 'vcpu' %d does not fit this VM", img->f.path, v->id);
}

/* Where each device record of records.def goes in struct devices_state. */
struct dev_rec {
	const char *tag;
	uint32_t kind;
	void *dst;
	size_t size;
};

/* Each record of section tag (index 0), given to fn; none if the section is absent. */
typedef int (*rec_fn)(void *ctx, struct ckpt_image *img, const struct ckpt_entry *e,
		      const struct ckpt_rec *r);

static int each_rec(struct ckpt_image *img, const char *tag, rec_fn fn, void *ctx)
{
	const struct ckpt_entry *e = ckpt_f_find(&img->f, tag, 0);
	struct ckpt_rec r;
	uint64_t pos = 0;
	void *buf;
	int ret;

	if (!e)
		return 0;
	ret = ckpt_f_load(&img->f, e, &buf);
	while (!ret && (ret = ckpt_rec_next(e, buf, &pos, &r)) > 0)
		ret = fn(ctx, img, e, &r);
	free(buf);
	return ret;
}

struct dev_map {
	const char *tag;
	const struct dev_rec *map;
	size_t n;
};

/* A record of a KVM device's section into the state (of exactly its size). */
static int device_rec(void *ctx, struct ckpt_image *img, const struct ckpt_entry *e,
		      const struct ckpt_rec *r)
{
	const struct dev_map *m = ctx;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < m->n; i++) {
		if (strcmp(m->map[i].tag, m->tag) || m->map[i].kind != r->kind)
			continue;
		ret = want_size(&img->f, e, r, m->map[i].size);
		if (!ret)
			memcpy(m->map[i].dst, r->data, m->map[i].size);
	}
	return ret;
}

/* A record of the "devices" section to the vmscope device of its kind. */
static int own_device_rec(void *ctx, struct ckpt_image *img, const struct ckpt_entry *e,
			  const struct ckpt_rec *r)
{
	(void)img, (void)e;
	return devices__restore_one(ctx, r->kind, r->data, r->size);
}

static int restore_devices(struct vm *vm, struct ckpt_image *img)
{
	struct devices_state d;
#define CKPT_SECTION(tag)
#define CKPT_REC(tag, kind, value, name)
#define CKPT_DEV_REC(tag, kind, value, name, field) { #tag, kind, &d.field, sizeof(d.field) },
	const struct dev_rec map[] = {
#include "records.def"
	};
#undef CKPT_SECTION
#undef CKPT_REC
	size_t i, n = sizeof(map) / sizeof(map[0]);
	int ret = 0;

	memset(&d, 0, sizeof(d));
	d.has_irqchip = img->cfg.has_irqchip;
	ret = each_rec(img, "devices", own_device_rec, vm);
	/* records.def lists each section's records together: one pass per section */
	for (i = 0; !ret && i < n; i++) {
		struct dev_map m = { map[i].tag, map, n };

		if (!i || strcmp(map[i].tag, map[i - 1].tag))
			ret = each_rec(img, map[i].tag, device_rec, &m);
	}
	ret = ret ?: devices__restore(vm, &d);
	return ret ? err__wrap(ret, "%s: the devices' state does not fit this VM", img->f.path) : 0;
}

/* One feature's section: its state record, given to the feature's restore. */
static int restore_feature(struct vm *vm, struct ckpt_image *img, const struct ckpt_entry *e,
			   const struct vm_feature_ops *ops)
{
	struct feature_state fs = { 0 };
	struct ckpt_rec r;
	uint64_t pos = 0;
	void *buf;
	int ret = ckpt_f_load(&img->f, e, &buf);

	while (!ret && (ret = ckpt_rec_next(e, buf, &pos, &r)) > 0) {
		ret = 0;
		if (r.kind == FEAT_STATE) {
			fs.data = (void *)r.data;
			fs.len = r.size;
		}
	}
	if (!ret && !fs.data)
		ret = err__set(EINVAL, "%s: section '%s' holds no state record", img->f.path,
			       ops->name);
	ret = ret ?: ops->restore(vm, &fs);
	free(buf);
	return ret ? err__wrap(ret, "%s: restoring '%s'", img->f.path, ops->name) : 0;
}

/* The features the checkpoint saved (after the guest's state: they act on it). */
static int restore_features(struct vm *vm, struct ckpt_image *img)
{
	char tag[CKPT_TAG_LEN + 1];
	uint32_t i;
	int ret = 0;

	for (i = 0; !ret && i < img->f.hdr.nr_sections; i++) {
		const struct ckpt_entry *e = &img->f.entries[i];
		const struct vm_feature_ops *ops = feature__find(ckpt_tag(e, tag));

		if (ops)
			ret = restore_feature(vm, img, e, ops);
	}
	return ret;
}

static int restore_private(struct vm *vm, struct ckpt_image *img)
{
	const struct ckpt_entry *e;
	uint32_t i;
	int ret = 0;

	for (i = 0; !ret && (e = ckpt_f_find(&img->f, "private", i)); i++) {
		uint64_t pos = 0, gpa = 0;
		struct ckpt_rec r, data = { 0 };
		void *buf, *hva;

		ret = ckpt_f_load(&img->f, e, &buf);
		while (!ret && (ret = ckpt_rec_next(e, buf, &pos, &r)) > 0) {
			ret = 0;
			if (r.kind == PRIV_GPA && !(ret = want_size(&img->f, e, &r, 8)))
				memcpy(&gpa, r.data, 8);
			else if (r.kind == PRIV_DATA)
				data = r;
		}
		if (!ret && data.size)
			ret = vm__add_private_mem(vm, gpa, data.size, 0, &hva);
		if (!ret && data.size)
			memcpy(hva, data.data, data.size);
		free(buf);
	}
	return ret;
}

static void *verify_thread(void *arg)
{
	struct ckpt_image *img = arg;
	int ret = ckpt_f_verify_memory(&img->f, &img->cancel);

	if (ret)
		vm__request_stop(img->vm, 1, 1, "%s; the restored guest was stopped",
				 err__msg(ret));
	return NULL;
}

int ckpt__restore(struct vm *vm, struct ckpt_image *img)
{
	const struct ckpt_config *c = &img->cfg;
	struct vcpu_state *st;
	int i, ret;

	if (vm->mem.size != c->mem_size || vm->nr_vcpus != c->nr_vcpus ||
	    vm->has_irqchip != c->has_irqchip)
		return err__set(EINVAL,
				"%s: the checkpoint is of a VM with %" PRIu64 " MiB, %d vCPUs%s; "
				"this one has %" PRIu64 " MiB, %d vCPUs%s",
				img->f.path, c->mem_size >> 20, c->nr_vcpus,
				c->has_irqchip ? "" : ", no irqchip", vm->mem.size >> 20,
				vm->nr_vcpus, vm->has_irqchip ? "" : ", no irqchip");
	st = malloc(sizeof(*st));
	if (!st)
		return err__set(ENOMEM, "out of memory");
	ret = img->state_only ? 0 : map_memory(vm, img);
	for (i = 0; !ret && i < vm->nr_vcpus; i++)
		ret = restore_vcpu(&vm->vcpus[i], img, st);
	free(st);
	ret = ret ?: restore_devices(vm, img);
	ret = ret ?: restore_private(vm, img);
	ret = ret ?: restore_features(vm, img);
	if (ret)
		return ret;
	vm->features = c->features;
	vm->kernel_tasks = c->kernel_tasks;
	img->vm = vm;
	if (img->state_only)
		return 0;
	if (pthread_create(&img->verifier, NULL, verify_thread, img))
		return err__set(EAGAIN, "cannot start the memory check of %s", img->f.path);
	img->verifying = 1;
	return 0;
}

void ckpt__close(struct ckpt_image *img)
{
	if (!img)
		return;
	__atomic_store_n(&img->cancel, 1, __ATOMIC_SEQ_CST);
	if (img->verifying)
		pthread_join(img->verifier, NULL);
	ckpt_f_close(&img->f);
	free(img);
}
