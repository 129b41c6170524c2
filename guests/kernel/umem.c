// SPDX-License-Identifier: GPL-2.0
/* brk, mmap and munmap (anonymous memory only), and copies between kernel and user memory. */
#include "kernel.h"

#define HEAP_MAX (1ull << 30)

static int user_range_ok(uint64_t va, uint64_t len)
{
	return va >= USER_MIN && va <= USER_MAX && len <= USER_MAX - va;
}

/* Remove [lo, hi) from every region it overlaps: unmap, then trim, split or delete. */
static int mm_remove_range(struct mm *mm, uint64_t lo, uint64_t hi)
{
	int i;

	for (i = 0; i < mm->nr_regions; i++) {
		struct region *r = &mm->regions[i], tail;

		if (hi <= r->start || lo >= r->end)
			continue;
		if (r->flags & REGION_IMAGE)
			return -EINVAL;
		mm_unmap_range(mm, r, lo, hi, 1);
		if (lo > r->start && hi < r->end) {
			if (mm->nr_regions == MAX_REGIONS)
				return -ENOMEM;
			tail = *r;
			tail.start = hi;
			r->end = lo;
			mm->regions[mm->nr_regions++] = tail;
		} else if (lo > r->start) {
			r->end = lo;
		} else if (hi < r->end) {
			r->start = hi;
		} else {
			mm->regions[i--] = mm->regions[--mm->nr_regions];
		}
	}
	return 0;
}

static struct region *heap_region(struct mm *mm)
{
	int i;

	for (i = 0; i < mm->nr_regions; i++)
		if (mm->regions[i].flags & REGION_HEAP)
			return &mm->regions[i];
	return NULL;
}

static int range_free(struct mm *mm, uint64_t lo, uint64_t hi, const struct region *except)
{
	int i;

	for (i = 0; i < mm->nr_regions; i++)
		if (&mm->regions[i] != except && lo < mm->regions[i].end &&
		    hi > mm->regions[i].start)
			return 0;
	return 1;
}

/* brk(addr): move the end of the heap; returns the (new or unchanged) break, as Linux. */
int64_t sys_brk(uint64_t addr)
{
	struct mm *mm = current()->mm;
	struct region *heap = heap_region(mm);
	uint64_t end = PAGE_ALIGN_UP(addr);

	if (!heap || addr < mm->brk_start || addr > mm->brk_start + HEAP_MAX)
		return mm->brk;
	if (end < heap->end)
		mm_unmap_range(mm, heap, end, heap->end, 1);
	else if (end > heap->end && !range_free(mm, heap->end, end, heap))
		return mm->brk;
	heap->end = end;
	mm->brk = addr;
	return addr;
}

static uint64_t mmap_pick(struct mm *mm, uint64_t len)
{
	uint64_t va = mm->mmap_top;

	while (va - len >= USER_MIN) {
		int i, clash = 0;

		for (i = 0; i < mm->nr_regions && !clash; i++)
			if (va - len < mm->regions[i].end && va > mm->regions[i].start) {
				clash = 1;
				va = mm->regions[i].start;
			}
		if (!clash)
			return va - len;
	}
	return 0;
}

int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		 uint64_t off)
{
	struct mm *mm = current()->mm;
	uint64_t share = flags & (MAP_SHARED | MAP_PRIVATE);
	int ret;

	(void)fd;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no file mappings */
	if (!len || off || (share != MAP_SHARED && share != MAP_PRIVATE) || prot & ~7ull)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (flags & MAP_FIXED) {
		if ((addr & ~PAGE_MASK) || !user_range_ok(addr, len))
			return -EINVAL;
		ret = mm_remove_range(mm, addr, addr + len);
		if (ret)
			return ret;
	} else if (!(addr = mmap_pick(mm, len))) {
		return -ENOMEM;
	} else {
		mm->mmap_top = addr;
	}
	ret = mm_add_region(mm, addr, addr + len, prot, share == MAP_SHARED ? REGION_SHARED : 0);
	if (!ret && share == MAP_SHARED)
		ret = mm_populate_region(mm, mm_find_region(mm, addr));
	if (ret) {
		mm_remove_range(mm, addr, addr + len);
		return ret;
	}
	return addr;
}

int64_t sys_munmap(uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || !len || !user_range_ok(addr, len))
		return -EINVAL;
	return mm_remove_range(current()->mm, addr, addr + PAGE_ALIGN_UP(len));
}

/* The copies fault in missing pages through the #PF handler; -EFAULT if one cannot be. */
int copy_from_user(void *dst, uint64_t src, uint64_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return copy_user_asm(dst, (const void *)src, n) ? -EFAULT : 0;
}

int copy_to_user(uint64_t dst, const void *src, uint64_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return copy_user_asm((void *)dst, src, n) ? -EFAULT : 0;
}

/* Copy a NUL-terminated string of at most size - 1 bytes; its length or -errno. */
int64_t strncpy_from_user(char *dst, uint64_t src, uint64_t size)
{
	uint64_t done = 0;

	while (done < size) {
		uint64_t chunk = 64 - ((src + done) & 63), i;

		if (chunk > size - done)
			chunk = size - done;
		if (copy_from_user(dst + done, src + done, chunk))
			return -EFAULT;
		for (i = 0; i < chunk; i++)
			if (!dst[done + i])
				return done + i;
		done += chunk;
	}
	return -ENAMETOOLONG;
}
