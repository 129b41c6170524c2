// SPDX-License-Identifier: GPL-2.0
/*
 * The walker only reads: it never sets Accessed or Dirty bits, so inspecting a guest does not
 * change what the guest sees.  Reserved bits are not checked; the walk reports what the
 * entries say, not whether the CPU would accept them.
 */
#include <inttypes.h>
#include <string.h>

#include "../lib/err.h"
#include "mem.h"
#include "paging.h"

#define PAGING_LEVELS 4
#define PAGING_ENTRIES 512

static const char *const entry_names[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };
static const char *const table_names[] = { "", "page table", "page directory", "PDPT", "PML4" };

int paging__canonical(uint64_t gva)
{
	uint64_t top = gva >> 47;

	return top == 0 || top == 0x1ffff;
}

static unsigned int level_shift(int level)
{
	return 12 + 9 * (level - 1);
}

static int table_not_ram(uint64_t cr3, uint64_t gva, uint64_t table, int level,
			 struct walk_result *res)
{
	res->fault_level = 0;
	return err__set(EFAULT,
			"guest-virtual 0x%" PRIx64
			" cannot be translated: the %s (level %d) at guest-physical "
			"0x%" PRIx64 " is not RAM (cr3 0x%" PRIx64 ")",
			gva, table_names[level], level, table, cr3);
}

static int not_present(uint64_t cr3, uint64_t gva, int level, struct walk_result *res)
{
	res->fault_level = level;
	return err__set(EFAULT,
			"guest-virtual 0x%" PRIx64 " is not mapped: %s not present (cr3 0x%" PRIx64
			")",
			gva, entry_names[level], cr3);
}

/*
 * A running vCPU may rewrite an entry while we read it; one aligned 8-byte load cannot tear.
 * There is no guest-side ordering to pair with, so relaxed is enough.
 */
static int read_entry(const struct guest_mem *mem, uint64_t table, uint64_t gva, int level,
		      uint64_t *entry)
{
	uint64_t index = (gva >> level_shift(level)) & (PAGING_ENTRIES - 1);
	const uint64_t *hva = mem__gpa_to_hva(mem, table + index * 8, 8);

	if (!hva)
		return -EFAULT;
	*entry = __atomic_load_n(hva, __ATOMIC_RELAXED);
	return 0;
}

static int is_leaf(uint64_t entry, int level)
{
	/* Bit 7 is PAT in a PTE and reserved in a PML4E; it means "page" only at levels 2-3. */
	return level == 1 || ((level == 2 || level == 3) && (entry & PTE_PS));
}

static void accumulate(struct walk_result *res, uint64_t entry)
{
	res->writable &= !!(entry & PTE_W);
	res->user &= !!(entry & PTE_U);
	res->nx |= !!(entry & PTE_NX);
}

static void finish(struct walk_result *res, uint64_t entry, uint64_t gva, int level)
{
	uint64_t page_mask;

	res->page_size = 1ull << level_shift(level);
	page_mask = res->page_size - 1;
	/* Large-page entries keep PAT at bit 12, inside the page offset; the mask drops it. */
	res->gpa = (entry & PTE_ADDR_MASK & ~page_mask) | (gva & page_mask);
}

int paging__walk(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, struct walk_result *res)
{
	uint64_t table = cr3 & PTE_ADDR_MASK;
	uint64_t entry = 0;
	int level;

	memset(res, 0, sizeof(*res));
	res->writable = 1;
	res->user = 1;
	if (!paging__canonical(gva))
		return err__set(EINVAL,
				"guest-virtual 0x%" PRIx64 " is not canonical: bits 63-47 must all "
				"equal bit 47 (cr3 0x%" PRIx64 ")",
				gva, cr3);

	for (level = PAGING_LEVELS; level >= 1; level--) {
		if (read_entry(mem, table, gva, level, &entry))
			return table_not_ram(cr3, gva, table, level, res);
		if (!(entry & PTE_P))
			return not_present(cr3, gva, level, res);
		accumulate(res, entry);
		if (is_leaf(entry, level))
			break;
		table = entry & PTE_ADDR_MASK;
	}
	finish(res, entry, gva, level);
	return 0;
}

/* Translate gva and return the host pointer and length up to the end of its page. */
static int virt_chunk(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, size_t len,
		      uint8_t **hva, size_t *chunk)
{
	struct walk_result res;
	uint64_t left;
	int ret;

	ret = paging__walk(mem, cr3, gva, &res);
	if (ret)
		return ret;
	left = res.page_size - (gva & (res.page_size - 1));
	*chunk = len < left ? len : (size_t)left;
	*hva = mem__gpa_to_hva(mem, res.gpa, *chunk);
	if (!*hva)
		return err__set(EFAULT,
				"guest-virtual 0x%" PRIx64 "-0x%" PRIx64
				" maps to guest-physical 0x%" PRIx64 "-0x%" PRIx64
				", which is not RAM (cr3 0x%" PRIx64 ")",
				gva, gva + *chunk - 1, res.gpa, res.gpa + *chunk - 1, cr3);
	return 0;
}

/* Copy out to dst, in from src, or (both NULL) only check that every byte is mapped RAM. */
static int virt_access(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, uint8_t *dst,
		       const uint8_t *src, size_t len)
{
	uint8_t *hva;
	size_t chunk;
	int ret;

	while (len) {
		ret = virt_chunk(mem, cr3, gva, len, &hva, &chunk);
		if (ret)
			return ret;
		if (dst) {
			memcpy(dst, hva, chunk);
			dst += chunk;
		}
		if (src) {
			memcpy(hva, src, chunk);
			src += chunk;
		}
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int paging__read_virt(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, void *buf,
		      size_t len)
{
	return virt_access(mem, cr3, gva, buf, NULL, len);
}

/*
 * Writes ignore W, as a debugger would.  Every page is checked before the first byte is
 * written so a failed write leaves the guest untouched (unless the guest rewrites its tables
 * between the two passes).
 */
int paging__write_virt(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, const void *buf,
		       size_t len)
{
	int ret;

	ret = virt_access(mem, cr3, gva, NULL, NULL, len);
	if (ret)
		return ret;
	return virt_access(mem, cr3, gva, NULL, buf, len);
}
