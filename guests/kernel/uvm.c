// SPDX-License-Identifier: GPL-2.0
/*
 * User address spaces: a PML4 per process whose slot 0 is the kernel's (supervisor-only)
 * and whose slots 1-255 hold the process's 4 KiB user pages; regions say what may be mapped
 * where.  Pages are mapped on first touch (demand-zero), except program text, which maps the
 * program's pages inside the kernel image directly (read-only, shared by every process).
 *
 * fork shares private pages copy-on-write.  Walks stay short because ring-0 instructions
 * are costly where ring 0 is emulated: each region remembers the span of pages it ever
 * mapped, and each mm lists its page-table pages, so fork and exit visit only what exists.
 */
#include "kernel.h"

#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_FETCH 0x10
#define FAULT_AROUND 16 /* pages mapped per fault while zero pages are free to get */
#define PTE_COW (1ull << 9) /* software bit: a private page shared since fork */

static struct mm mms[MAX_TASKS];

struct mm *mm_create(void)
{
	struct mm *mm = NULL;
	uint64_t *pml4;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mms) && !mm; i++)
		if (!mms[i].users)
			mm = &mms[i];
	if (!mm || !(pml4 = page_alloc_zero()))
		return NULL;
	memset(mm, 0, sizeof(*mm));
	pml4[0] = ((uint64_t *)kernel_pml4)[0];
	mm->pml4 = (uint64_t)pml4;
	mm->users = 1;
	mm->mmap_top = USER_MMAP_TOP;
	return mm;
}

/* The page table (level 1) covering va, made if make; NULL if absent or out of memory. */
static uint64_t *pt_lookup(struct mm *mm, uint64_t va, int make)
{
	uint64_t *table = (uint64_t *)mm->pml4;
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t *e = &table[(va >> (12 + 9 * level)) & 511];

		if (!(*e & PTE_P)) {
			uint64_t *t;

			if (!make || mm->nr_tables == MAX_PT_PAGES || !(t = page_alloc_zero()))
				return NULL;
			mm->tables[mm->nr_tables++] = (uint64_t)t;
			*e = (uint64_t)t | PTE_P | PTE_W | PTE_U;
		}
		table = (uint64_t *)(*e & PTE_ADDR);
	}
	return table;
}

static uint64_t pte_bits(uint32_t prot)
{
	return PTE_P | PTE_U | (prot & PROT_WRITE ? PTE_W : 0) | (prot & PROT_EXEC ? 0 : PTE_NX);
}

struct region *mm_find_region(struct mm *mm, uint64_t va)
{
	int i;

	for (i = 0; i < mm->nr_regions; i++)
		if (va >= mm->regions[i].start && va < mm->regions[i].end)
			return &mm->regions[i];
	return NULL;
}

static void region_touch(struct region *r, uint64_t va)
{
	if (r->lo >= r->hi) {
		r->lo = va;
		r->hi = va + PAGE_SIZE;
	} else if (va < r->lo) {
		r->lo = va;
	} else if (va + PAGE_SIZE > r->hi) {
		r->hi = va + PAGE_SIZE;
	}
}

/* Map pa at va inside region r (the caller found it). */
static int mm_map_in(struct mm *mm, struct region *r, uint64_t va, uint64_t pa)
{
	uint64_t *pt = pt_lookup(mm, va, 1);

	if (!pt)
		return -ENOMEM;
	pt[(va >> 12) & 511] = pa | pte_bits(r->prot);
	region_touch(r, va);
	return 0;
}

int mm_map_page(struct mm *mm, uint64_t va, uint64_t pa, uint32_t prot)
{
	struct region *r = mm_find_region(mm, va);
	uint64_t *pt;

	if (r)
		return mm_map_in(mm, r, va, pa);
	pt = pt_lookup(mm, va, 1);
	if (!pt)
		return -ENOMEM;
	pt[(va >> 12) & 511] = pa | pte_bits(prot);
	return 0;
}

int mm_add_region(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags)
{
	struct region *r;
	int i;

	if (mm->nr_regions == MAX_REGIONS)
		return -ENOMEM;
	for (i = 0; i < mm->nr_regions; i++)
		if (start < mm->regions[i].end && end > mm->regions[i].start)
			return -EEXIST;
	r = &mm->regions[mm->nr_regions++];
	r->start = start;
	r->end = end;
	r->lo = end;
	r->hi = start;
	r->prot = prot;
	r->flags = flags;
	return 0;
}

/*
 * Call fn on each present PTE of [lo, hi), one page-table lookup per 2 MiB.  fn may clear
 * the entry.
 */
typedef void (*pte_fn)(struct mm *mm, uint64_t va, uint64_t *pte, void *arg);

static void for_each_pte(struct mm *mm, uint64_t lo, uint64_t hi, pte_fn fn, void *arg)
{
	uint64_t va = lo;

	while (va < hi) {
		uint64_t next = (va | ((1ull << 21) - 1)) + 1, *pt = pt_lookup(mm, va, 0);

		if (next > hi)
			next = hi;
		for (; pt && va < next; va += PAGE_SIZE)
			if (pt[(va >> 12) & 511] & PTE_P)
				fn(mm, va, &pt[(va >> 12) & 511], arg);
		va = next;
	}
}

static void pte_release(struct mm *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct region *r = arg;

	(void)mm;
	(void)va;
	if (!(r->flags & REGION_IMAGE))
		page_put(*pte & PTE_ADDR);
	*pte = 0;
}

/* Unmap every page of r within [lo, hi). */
void mm_unmap_range(struct mm *mm, struct region *r, uint64_t lo, uint64_t hi, int flush)
{
	if (lo < r->lo)
		lo = r->lo;
	if (hi > r->hi)
		hi = r->hi;
	if (lo >= hi)
		return;
	for_each_pte(mm, lo, hi, pte_release, r);
	for (; flush && lo < hi; lo += PAGE_SIZE)
		invlpg(lo);
}

void mm_put(struct mm *mm)
{
	int i;

	if (!mm || --mm->users)
		return;
	for (i = 0; i < mm->nr_regions; i++)
		mm_unmap_range(mm, &mm->regions[i], mm->regions[i].start, mm->regions[i].end, 0);
	for (i = 0; i < mm->nr_tables; i++)
		page_put(mm->tables[i]);
	page_put(mm->pml4);
}

/*
 * Share the parent's pages of region r with the child (region cr): program and MAP_SHARED
 * pages as they are, private writable pages read-only and marked copy-on-write in both, so
 * that fork copies nothing until one of them writes.  One page-table lookup per 2 MiB.
 */
static int fork_region(struct mm *parent, struct mm *child, struct region *r, struct region *cr)
{
	int cow = !(r->flags & (REGION_SHARED | REGION_IMAGE));
	uint64_t va = r->lo;

	while (va < r->hi) {
		uint64_t next = (va | ((1ull << 21) - 1)) + 1, *ppt = pt_lookup(parent, va, 0),
			 *cpt;

		if (next > r->hi)
			next = r->hi;
		if (!ppt) {
			va = next;
			continue;
		}
		cpt = pt_lookup(child, va, 1);
		if (!cpt)
			return -ENOMEM;
		for (; va < next; va += PAGE_SIZE) {
			uint64_t *pe = &ppt[(va >> 12) & 511];

			if (!(*pe & PTE_P))
				continue;
			if (cow && (*pe & PTE_W))
				*pe = (*pe & ~PTE_W) | PTE_COW;
			if (!(r->flags & REGION_IMAGE))
				page_get(*pe & PTE_ADDR);
			cpt[(va >> 12) & 511] = *pe;
		}
	}
	cr->lo = r->lo;
	cr->hi = r->hi;
	return 0;
}

/* The child's copy of parent's address space; the caller flushes the parent's TLB. */
struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_create();
	int i, err = 0;

	if (!child)
		return NULL;
	for (i = 0; i < parent->nr_regions && !err; i++) {
		struct region *r = &parent->regions[i];

		err = mm_add_region(child, r->start, r->end, r->prot, r->flags);
		if (!err && r->lo < r->hi)
			err = fork_region(parent, child, r, &child->regions[child->nr_regions - 1]);
	}
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_top = parent->mmap_top;
	if (err) {
		mm_put(child);
		return NULL;
	}
	return child;
}

/* A write to a copy-on-write page: take it over if no one else has it, else copy it. */
static int cow_break(struct mm *mm, struct region *r, uint64_t va)
{
	uint64_t *pt = pt_lookup(mm, va, 0), *pte, pa;
	void *copy;

	if (!pt || !(pt[(va >> 12) & 511] & PTE_COW))
		return -EFAULT;
	pte = &pt[(va >> 12) & 511];
	pa = *pte & PTE_ADDR;
	if (page_refs(pa) == 1) {
		*pte = (*pte & ~PTE_COW) | PTE_W;
	} else {
		copy = page_alloc();
		if (!copy)
			return -ENOMEM;
		copy_page(copy, (void *)pa);
		page_put(pa);
		*pte = (uint64_t)copy | pte_bits(r->prot);
	}
	invlpg(va);
	return 0;
}

/*
 * Map zero pages in region r at va and, with around, at the other missing pages of its
 * aligned FAULT_AROUND window, while zero pages cost nothing to get: each fault costs a trip
 * through ring 0, a window of pages costs little more than one.
 */
static int map_zero_pages(struct mm *mm, struct region *r, uint64_t va, int around)
{
	uint64_t *pt = pt_lookup(mm, va, 1), bits = pte_bits(r->prot), lo = va, hi = va + PAGE_SIZE;
	uint64_t a;

	if (!pt)
		return -ENOMEM;
	if (around && page_zero_cheap(FAULT_AROUND)) {
		lo = va & ~(FAULT_AROUND * PAGE_SIZE - 1);
		hi = lo + FAULT_AROUND * PAGE_SIZE;
		lo = lo < r->start ? r->start : lo;
		hi = hi > r->end ? r->end : hi;
	}
	for (a = lo; a < hi; a += PAGE_SIZE) {
		uint64_t *pte = &pt[(a >> 12) & 511], p;

		if (*pte & PTE_P)
			continue;
		p = (uint64_t)page_alloc_zero();
		if (!p)
			return a <= va ? -ENOMEM : 0;
		*pte = p | bits;
		region_touch(r, a);
	}
	return 0;
}

/*
 * A page fault at va with the CPU's error code: map zero pages if a region allows the
 * access.  0 when the access can be retried, -EFAULT when the process must be told, -ENOMEM
 * when memory ran out.
 */
int mm_fault(struct mm *mm, uint64_t va, uint64_t error)
{
	struct region *r = mm ? mm_find_region(mm, va) : NULL;

	if (!r || !(r->prot & PROT_READ) || (r->flags & REGION_IMAGE))
		return -EFAULT;
	if (((error & PF_WRITE) && !(r->prot & PROT_WRITE)) ||
	    ((error & PF_FETCH) && !(r->prot & PROT_EXEC)))
		return -EFAULT;
	if (error & PF_PRESENT)
		return error & PF_WRITE ? cow_break(mm, r, va & PAGE_MASK) : -EFAULT;
	return map_zero_pages(mm, r, va & PAGE_MASK, !(r->flags & REGION_SHARED));
}

/* Map every page of a region now (MAP_SHARED: fork must find them all present). */
int mm_populate_region(struct mm *mm, struct region *r)
{
	uint64_t va;
	int ret;

	for (va = r->start; va < r->end; va += PAGE_SIZE) {
		ret = map_zero_pages(mm, r, va, 0);
		if (ret)
			return ret;
	}
	return 0;
}
