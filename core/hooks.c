// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/array.h"
#include "hooks.h"

void hooks__init(struct hooks *h)
{
	memset(h, 0, sizeof(*h));
}

void hooks__exit(struct hooks *h)
{
	free(h->pio.items);
	free(h->mmio.items);
	free(h->msr.items);
	memset(h, 0, sizeof(*h));
}

/* Index of the first item whose base is > addr (items are sorted by base). */
static int range__upper(const struct range_table *t, uint64_t addr)
{
	int lo = 0, hi = t->nr;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (t->items[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct range_hook *hooks__find(const struct range_table *t, uint64_t addr)
{
	int i = range__upper(t, addr);
	const struct range_hook *r;

	if (i == 0)
		return NULL;
	r = &t->items[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

static int range__overlaps(const struct range_hook *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

static int range__add(struct range_table *t, const char *kind, const struct range_hook *n)
{
	int i;

	if (!n->len || n->base + n->len < n->base)
		return err__set(EINVAL, "%s hook '%s': empty or wrapping range 0x%llx+0x%llx", kind,
				n->name, (unsigned long long)n->base, (unsigned long long)n->len);
	i = range__upper(t, n->base);
	if ((i > 0 && range__overlaps(&t->items[i - 1], n->base, n->len)) ||
	    (i < t->nr && range__overlaps(&t->items[i], n->base, n->len))) {
		const struct range_hook *o =
			(i > 0 && range__overlaps(&t->items[i - 1], n->base, n->len))
				? &t->items[i - 1]
				: &t->items[i];

		return err__set(
			EEXIST, "%s hook '%s' at 0x%llx+0x%llx overlaps '%s' at 0x%llx+0x%llx",
			kind, n->name, (unsigned long long)n->base, (unsigned long long)n->len,
			o->name, (unsigned long long)o->base, (unsigned long long)o->len);
	}
	if (ARRAY_GROW(t->items, t->nr, t->cap, 8))
		return err__set(ENOMEM, "out of memory registering %s hook", kind);
	memmove(&t->items[i + 1], &t->items[i], (t->nr - i) * sizeof(*n));
	t->items[i] = *n;
	t->nr++;
	return 0;
}

static int range__del(struct range_table *t, uint64_t base)
{
	int i = range__upper(t, base);

	if (i == 0 || t->items[i - 1].base != base)
		return -ENOENT;
	i--;
	memmove(&t->items[i], &t->items[i + 1], (t->nr - i - 1) * sizeof(t->items[0]));
	t->nr--;
	return 0;
}

int hooks__add_pio(struct hooks *h, uint16_t base, uint32_t len, const char *name, pio_hook_fn fn,
		   void *opaque)
{
	struct range_hook r = { base, len, name, (void *)fn, opaque };

	if ((uint64_t)base + len > 0x10000)
		return err__set(EINVAL, "port hook '%s': ports 0x%x+0x%x go past 0xffff", name,
				base, len);
	return range__add(&h->pio, "port", &r);
}

int hooks__add_mmio(struct hooks *h, uint64_t base, uint64_t len, const char *name, mmio_hook_fn fn,
		    void *opaque)
{
	struct range_hook r = { base, len, name, (void *)fn, opaque };

	return range__add(&h->mmio, "MMIO", &r);
}

int hooks__add_msr(struct hooks *h, uint32_t index, const char *name, msr_hook_fn fn, void *opaque)
{
	struct range_hook r = { index, 1, name, (void *)fn, opaque };

	return range__add(&h->msr, "MSR", &r);
}

int hooks__del_pio(struct hooks *h, uint16_t base)
{
	return range__del(&h->pio, base);
}

int hooks__del_mmio(struct hooks *h, uint64_t base)
{
	return range__del(&h->mmio, base);
}

static int chain__add(struct exit_chain *c, const char *kind, const char *name, exit_hook_fn fn,
		      void *opaque)
{
	if (c->nr == HOOKS_MAX_CHAIN)
		return err__set(ENOSPC, "too many %s hooks (at most %d); cannot add '%s'", kind,
				HOOKS_MAX_CHAIN, name);
	c->fn[c->nr] = fn;
	c->opaque[c->nr] = opaque;
	c->name[c->nr] = name;
	c->nr++;
	return 0;
}

int hooks__add_observer(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque)
{
	return chain__add(&h->observe, "exit-observer", name, fn, opaque);
}

int hooks__add_debug(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque)
{
	return chain__add(&h->debug, "debug-exit", name, fn, opaque);
}

int hooks__add_emulation(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque)
{
	return chain__add(&h->emulation, "emulation-failure", name, fn, opaque);
}

int hooks__add_loaded(struct hooks *h, const char *name, exit_hook_fn fn, void *opaque)
{
	return chain__add(&h->loaded, "state-loaded", name, fn, opaque);
}
