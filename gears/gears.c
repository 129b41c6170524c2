// SPDX-License-Identifier: GPL-2.0
/* GEARS' control: the selection at run time, removal, statistics (gears.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../abi/gears.h"
#include "../core/vcpu.h"
#include "../lib/err.h"
#include "gears_int.h"

#define MSR_LSTAR 0xc0000082

/* Apply "add" then "remove" (selection strings) to set; 0 or -EINVAL (set unchanged). */
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

int gears__select(struct vm *vm, const char *add, const char *remove)
{
	struct gears *g = gears_of(vm);
	uint64_t *bm;
	unsigned int i;
	int ret;

	if (!g)
		return err__set(ENOENT, "system-call capture is off in this VM; start it with "
					"vmscope run --syscalls LIST");
	pthread_mutex_lock(&g->lock);
	ret = apply(&g->sel, add, remove);
	bm = (uint64_t *)(g->region + GEARS_OFF_STUB + GEARS_STUB_BITMAP);
	for (i = 0; !ret && i < SYSCALL_NR_MAX / 64; i++)
		__atomic_store_n(&bm[i], g->sel.words[i], __ATOMIC_RELAXED);
	pthread_mutex_unlock(&g->lock);
	return ret;
}

void gears__selection(struct vm *vm, char *buf, unsigned long size)
{
	struct gears *g = gears_of(vm);
	unsigned long len = 0;
	unsigned int nr;

	buf[0] = '\0';
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (syscall_set__count(&g->sel) == SYSCALL_NR_MAX) {
		snprintf(buf, size, "all");
		nr = SYSCALL_NR_MAX;
	} else {
		nr = 0;
	}
	for (; nr < SYSCALL_NR_MAX && len < size; nr++) {
		const char *n = syscall__name(nr);

		if (!syscall_set__has(&g->sel, nr))
			continue;
		len += n ? snprintf(buf + len, size - len, "%s%s", len ? "," : "", n)
			 : snprintf(buf + len, size - len, "%s%u", len ? "," : "", nr);
	}
	pthread_mutex_unlock(&g->lock);
}

int gears__remove(struct vm *vm)
{
	struct gears *g = gears_of(vm);
	int i, ret = 0;

	if (!g)
		return 0;
	pthread_mutex_lock(&g->lock);
	g->removing = 1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		uint64_t lstar = g->guest_lstar[i];

		if (lstar && gears_msr_io(&vm->vcpus[i], MSR_LSTAR, 1, &lstar))
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

void gears__free(struct vm *vm)
{
	struct gears *g = gears_of(vm);

	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g->guest_lstar);
	free(g);
	vm->gears = NULL;
}
