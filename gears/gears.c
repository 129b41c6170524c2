// SPDX-License-Identifier: GPL-2.0
/* GEARS' control: the selection at run time, removal, statistics (gears.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/gears.h"
#include "../abi/layout.h"
#include "../core/hostfix.h"
#include "../core/vcpu.h"
#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/trace.h"
#include "gears_int.h"

#define MSR_LSTAR 0xc0000082

/* A GEARS instance on vm whose region is the VMM's hva (NULL: add it as private memory). */
static int gears_new(struct vm *vm, void *hva, struct gears **out)
{
	struct gears *g = calloc(1, sizeof(*g));
	int ret;

	if (!g)
		return err__set(ENOMEM, "out of memory for GEARS");
	g->vm = vm;
	g->opts.mode = GEARS_FILTER;
	pthread_mutex_init(&g->lock, NULL);
	ret = vm__feature_add(vm, &gears_feature, g);
	if (ret) {
		pthread_mutex_destroy(&g->lock);
		free(g);
		return ret;
	}
	g->guest_lstar = calloc(vm->nr_vcpus, sizeof(*g->guest_lstar));
	ret = !g->guest_lstar ? err__set(ENOMEM, "out of memory for GEARS")
	      : hva	      ? 0
			      : vm__add_private_mem(vm, GPA_GEARS, GPA_GEARS_SIZE, 0, &hva);
	if (!ret) {
		g->region = hva;
		ret = call__add_hooks(g);
	}
	if (ret) {
		gears__free(vm);
		return ret;
	}
	*out = g;
	return 0;
}

int gears__ensure(struct vm *vm, struct gears **out)
{
	int ret;

	*out = gears_of(vm);
	if (*out)
		return 0;
	ret = gears_new(vm, NULL, out);
	if (!ret)
		inject__init_region(*out);
	return ret;
}

static int apply(struct syscall_set *set, const char *add, const char *remove)
{
	struct syscall_set a, r, out = *set;
	unsigned int i;

	if (add && *add && syscall_set__parse(&a, add))
		return err__wrap(-EINVAL, "--add");
	if (remove && *remove && syscall_set__parse(&r, remove))
		return err__wrap(-EINVAL, "--remove");
	for (i = 0; i < SYSCALL_NR_MAX / 64; i++) {
		if (add && *add)
			out.words[i] |= a.words[i];
		if (remove && *remove)
			out.words[i] &= ~r.words[i];
	}
	*set = out;
	return 0;
}

static void selection_names(struct gears *g, char *buf, unsigned long size);

/* Record the new selection in the trace (lock held). */
static void emit_select(struct gears *g)
{
	struct trace_syscall_select_args a = { .count = syscall_set__count(&g->sel),
					       .mode = g->opts.mode };

	if (!g->vm->trace)
		return;
	selection_names(g, (char *)a.selection, sizeof(a.selection));
	trace__syscall_select(g->vm->trace, &a);
}

int gears__select(struct vm *vm, const char *add, const char *remove)
{
	struct gears *g = gears_of(vm);
	uint64_t *bm;
	unsigned int i;
	int ret;

	if (!g || !g->capturing)
		return err__set(ENOENT, "system-call capture is off in this VM; start it with "
					"vmscope run --syscalls LIST");
	pthread_mutex_lock(&g->lock);
	ret = apply(&g->sel, add, remove);
	bm = (uint64_t *)(g->region + GEARS_OFF_STUB + GEARS_STUB_BITMAP);
	for (i = 0; !ret && i < SYSCALL_NR_MAX / 64; i++)
		__atomic_store_n(&bm[i], g->sel.words[i], __ATOMIC_RELAXED);
	if (!ret)
		emit_select(g);
	pthread_mutex_unlock(&g->lock);
	return ret;
}

int gears__capturing(struct vm *vm)
{
	struct gears *g = gears_of(vm);

	return g && g->capturing;
}

/* The selection's names, comma-separated ("all" for every call); lock held. */
/*
 * The selection's names, comma-separated; where they do not all fit, as many whole names as
 * fit and " and N more" (never a name cut short).
 */
static void selection_names(struct gears *g, char *buf, unsigned long size)
{
	unsigned int nr, total = syscall_set__count(&g->sel), done = 0;
	unsigned long len = 0, tail = 24; /* room kept for " and NNN more" */
	char name[16];

	buf[0] = '\0';
	if (total == SYSCALL_NR_MAX) {
		snprintf(buf, size, "all");
		return;
	}
	for (nr = 0; nr < SYSCALL_NR_MAX && done < total; nr++) {
		const char *n = syscall__name(nr);
		unsigned long need;

		if (!syscall_set__has(&g->sel, nr))
			continue;
		if (!n) {
			snprintf(name, sizeof(name), "%u", nr);
			n = name;
		}
		need = strlen(n) + (len ? 1 : 0);
		if (len + need + (done + 1 < total ? tail : 0) >= size)
			break;
		len += snprintf(buf + len, size - len, "%s%s", len ? "," : "", n);
		done++;
	}
	if (done < total)
		snprintf(buf + len, size - len, "%s%u more", len ? " and " : "", total - done);
}

void gears__selection(struct vm *vm, char *buf, unsigned long size)
{
	struct gears *g = gears_of(vm);

	buf[0] = '\0';
	if (!g || !g->capturing)
		return;
	pthread_mutex_lock(&g->lock);
	selection_names(g, buf, size);
	pthread_mutex_unlock(&g->lock);
}

int gears__remove(struct vm *vm)
{
	struct gears *g = gears_of(vm);
	int i, ret = 0;

	if (!g || !g->capturing)
		return 0;
	pthread_mutex_lock(&g->lock);
	g->removing = 1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		uint64_t lstar = g->guest_lstar[i];

		if (lstar && vcpu__set_msr(&vm->vcpus[i], MSR_LSTAR, lstar))
			ret = err__set(EIO, "cannot give vCPU %d its LSTAR back", i);
	}
	if (!g->nr_pending && g->nr_edits)
		inject__unmap_all(g);
	pthread_mutex_unlock(&g->lock);
	return ret;
}

void gears__stats(struct vm *vm, struct gears_stats *st)
{
	struct gears *g = gears_of(vm);

	memset(st, 0, sizeof(*st));
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	*st = g->stats;
	st->pending = g->nr_pending;
	pthread_mutex_unlock(&g->lock);
}

static void gears_free(struct vm *vm, void *priv)
{
	struct gears *g = priv;

	(void)vm;
	pthread_mutex_destroy(&g->lock);
	free(g->guest_lstar);
	free(g);
}

/* The run's last word on capture: its counters. */
static void gears_summary(struct vm *vm, void *priv, FILE *f)
{
	struct gears_stats st;

	if (!((struct gears *)priv)->capturing)
		return;
	gears__stats(vm, &st);
	fprintf(f,
		"vmscope: system calls: %llu captured, %llu returns, %llu exits at the entry "
		"(%llu for calls not selected), %llu seen at the host's SYSCALL completion, "
		"%llu returns not followed (fork, execve, exit ...), %llu not followed for want "
		"of room, %llu still in the guest kernel\n",
		(unsigned long long)st.entries, (unsigned long long)st.returns,
		(unsigned long long)st.entry_exits, (unsigned long long)st.unselected_exits,
		(unsigned long long)st.completed, (unsigned long long)st.untracked,
		(unsigned long long)st.no_room, (unsigned long long)st.pending);
}

/*
 * GEARS in a checkpoint: the selection, the mechanism, the page-table edits and processes
 * that hold the region, the calls still in the guest kernel (their returns are followed
 * after the restore), the counters, and what each vCPU's guest wrote to LSTAR.  The region
 * itself is private memory, saved with the VM's; the guest's LSTAR is in its MSRs.
 */
struct gears_image {
	uint32_t magic, nr_vcpus;
	uint32_t mode, mech;
	int32_t capturing, removing;
	int32_t nr_edits, nr_users, nr_pending, pad;
	uint64_t kva, cstar, sysenter_eip;
	struct syscall_set sel;
	struct inject_edit edits[GEARS_MAX_EDITS];
	struct inject_user users[GEARS_MAX_USERS];
	struct pending pending[GEARS_MAX_PENDING];
	struct gears_stats stats;
	uint64_t guest_lstar[]; /* nr_vcpus */
};

#define GEARS_IMAGE_MAGIC 0x47454152u /* "GEAR", bumped when the image changes */

static int gears_save(struct vm *vm, void *priv, struct feature_state *out)
{
	struct gears *g = priv;
	size_t len = sizeof(struct gears_image) + vm->nr_vcpus * sizeof(uint64_t);
	struct gears_image *im;

	if (g->call.active)
		return err__set(EBUSY, "an injected call is running in the guest: checkpoint "
				       "after it returns");
	im = calloc(1, len);
	if (!im)
		return err__set(ENOMEM, "out of memory for GEARS' state");
	pthread_mutex_lock(&g->lock);
	*im = (struct gears_image){ .magic = GEARS_IMAGE_MAGIC,
				    .nr_vcpus = vm->nr_vcpus,
				    .mode = g->opts.mode,
				    .mech = g->mech,
				    .capturing = g->capturing,
				    .removing = g->removing,
				    .nr_edits = g->nr_edits,
				    .nr_users = g->nr_users,
				    .nr_pending = g->nr_pending,
				    .kva = g->kva,
				    .cstar = g->cstar,
				    .sysenter_eip = g->sysenter_eip,
				    .sel = g->sel,
				    .stats = g->stats };
	memcpy(im->edits, g->edits, sizeof(g->edits));
	memcpy(im->users, g->users, sizeof(g->users));
	memcpy(im->pending, g->pending, sizeof(g->pending));
	memcpy(im->guest_lstar, g->guest_lstar, vm->nr_vcpus * sizeof(uint64_t));
	pthread_mutex_unlock(&g->lock);
	out->data = im;
	out->len = len;
	return 0;
}

/* A saved image that this VM and this vmscope can take, or an error naming the mismatch. */
static int image_check(struct vm *vm, const struct feature_state *st)
{
	const struct gears_image *im = st->data;

	if (st->len < sizeof(*im) || im->magic != GEARS_IMAGE_MAGIC)
		return err__set(EINVAL, "GEARS' state is of another vmscope version");
	if (im->nr_vcpus != (uint32_t)vm->nr_vcpus ||
	    st->len != sizeof(*im) + im->nr_vcpus * sizeof(uint64_t))
		return err__set(EINVAL, "GEARS' state is of a VM with %u vCPUs", im->nr_vcpus);
	if (im->nr_edits < 0 || im->nr_edits > GEARS_MAX_EDITS || im->nr_users < 0 ||
	    im->nr_users > GEARS_MAX_USERS || im->nr_pending < 0 ||
	    im->nr_pending > GEARS_MAX_PENDING || im->mode > GEARS_TRAP ||
	    im->mech > GEARS_MECH_COMPLETION)
		return err__set(EINVAL, "GEARS' state is damaged (a count out of range)");
	if (im->mech == GEARS_MECH_COMPLETION && !(hostfix__active(vm) & HOSTFIX_SYSCALL))
		return err__set(EOPNOTSUPP,
				"the capture was taken at the host's SYSCALL completion, a host "
				"fixup this host does not use (--fixups): restore on a host of "
				"the same kind");
	return 0;
}

static int gears_restore(struct vm *vm, const struct feature_state *st)
{
	const struct gears_image *im = st->data;
	void *hva = vm__private_hva(vm, GPA_GEARS, GPA_GEARS_SIZE);
	struct gears *g;
	int ret = image_check(vm, st);

	if (!ret && !hva)
		ret = err__set(EINVAL,
			       "GEARS' state came without its memory (a 'private' "
			       "section at 0x%llx)",
			       (unsigned long long)GPA_GEARS);
	ret = ret ?: gears_new(vm, hva, &g);
	if (ret)
		return ret;
	g->opts.mode = im->mode;
	g->mech = im->mech;
	g->removing = im->removing;
	g->nr_edits = im->nr_edits;
	g->nr_users = im->nr_users;
	g->nr_pending = im->nr_pending;
	g->kva = im->kva;
	g->cstar = im->cstar;
	g->sysenter_eip = im->sysenter_eip;
	g->sel = im->sel;
	g->stats = im->stats;
	memcpy(g->edits, im->edits, sizeof(g->edits));
	memcpy(g->users, im->users, sizeof(g->users));
	memcpy(g->pending, im->pending, sizeof(g->pending));
	memcpy(g->guest_lstar, im->guest_lstar, vm->nr_vcpus * sizeof(uint64_t));
	if (im->capturing)
		ret = capture__resume(g);
	if (!ret)
		g->capturing = im->capturing;
	return ret;
}

const struct vm_feature_ops gears_feature = {
	.name = "gears",
	.summary = gears_summary,
	.save = gears_save,
	.restore = gears_restore,
	.free = gears_free,
};

const struct vm_feature_ops *gears__ops(void)
{
	return &gears_feature;
}

void gears__free(struct vm *vm)
{
	vm__feature_del(vm, &gears_feature);
}
