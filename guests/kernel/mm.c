// SPDX-License-Identifier: GPL-2.0
/*
 * Physical memory and the kernel's page tables.
 *
 * Pages above the kernel image are handed out by a bump pointer and, once freed, from a free
 * list.  When the VMM says RAM is zero at boot (BOOTINFO_F_RAM_ZERO), bump pages need no
 * clearing: zeroing a page at ring 0 costs about 0.2 ms where the ring-0 code is emulated,
 * so zero-filled requests take bump pages first and recycled ones are cleared only when the
 * bump region is used up.  Pages of user mappings are reference-counted (MAP_SHARED and
 * fork share them); pages of the kernel image (program text) are never freed.
 *
 * The kernel's page tables map RAM below the MMIO hole and the APIC pages, 2 MiB at a time,
 * supervisor-only, at their physical addresses; every process's PML4 shares slot 0 with them.
 */
#include "kernel.h"

#define DEFAULT_RAM (64ull << 20)
#define PD_SPAN (2ull << 20)

extern char _end[];

uint64_t kernel_pml4;
uint64_t ram_top;
static uint64_t first_pa, bump_pa, free_list, nr_free;
static int bump_is_zero;
static uint16_t *refcnt; /* one per page from first_pa */

static uint16_t *page_ref(uint64_t pa)
{
	return &refcnt[(pa - first_pa) / PAGE_SIZE];
}

static void *bump_take(void)
{
	uint64_t pa;

	if (bump_pa >= ram_top)
		return NULL;
	pa = bump_pa;
	bump_pa += PAGE_SIZE;
	return (void *)pa;
}

void *page_alloc(void)
{
	void *p;

	if (free_list) {
		p = (void *)free_list;
		free_list = *(uint64_t *)p;
		nr_free--;
	} else {
		p = bump_take();
		if (!p)
			return NULL;
	}
	*page_ref((uint64_t)p) = 1;
	return p;
}

void *page_alloc_zero(void)
{
	void *p;

	if (bump_is_zero && (p = bump_take())) {
		*page_ref((uint64_t)p) = 1;
		return p;
	}
	p = page_alloc();
	if (p)
		zero_page(p);
	return p;
}

void page_get(uint64_t pa)
{
	if (pa >= first_pa)
		(*page_ref(pa))++;
}

/* References to a page of RAM (1 for kernel-image pages, which are never freed). */
int page_refs(uint64_t pa)
{
	return pa < first_pa ? 1 : *page_ref(pa);
}

void page_put(uint64_t pa)
{
	if (pa < first_pa || --(*page_ref(pa)))
		return;
	*(uint64_t *)pa = free_list;
	free_list = pa;
	nr_free++;
}

/* Are n zero pages to be had without clearing any? */
int page_zero_cheap(uint64_t n)
{
	return bump_is_zero && bump_pa + n * PAGE_SIZE <= ram_top;
}

uint64_t mm_free_pages(void)
{
	return nr_free + (ram_top - bump_pa) / PAGE_SIZE;
}

static void map_2m(uint64_t *pd, uint64_t pa, uint64_t flags)
{
	pd[(pa >> 21) & 511] = pa | PTE_P | PTE_W | PTE_PS | flags;
}

/* PML4 → one PDPT → a PD per GiB that has mappings. */
static uint64_t *kernel_pd(uint64_t *pdpt, uint64_t pa)
{
	uint64_t *e = &pdpt[pa >> 30];

	if (!(*e & PTE_P))
		*e = (uint64_t)page_alloc_zero() | PTE_P | PTE_W;
	return (uint64_t *)(*e & PTE_ADDR);
}

static void kernel_tables_build(void)
{
	uint64_t *pml4 = page_alloc_zero(), *pdpt = page_alloc_zero(), pa;

	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W;
	for (pa = 0; pa < ram_top; pa += PD_SPAN)
		map_2m(kernel_pd(pdpt, pa), pa, 0);
	map_2m(kernel_pd(pdpt, GPA_IOAPIC), GPA_IOAPIC & ~(PD_SPAN - 1), PTE_PCD | PTE_PWT);
	map_2m(kernel_pd(pdpt, GPA_LAPIC), GPA_LAPIC & ~(PD_SPAN - 1), PTE_PCD | PTE_PWT);
	kernel_pml4 = (uint64_t)pml4;
	write_cr3(kernel_pml4);
}

void mm_init(const struct bootinfo *bi)
{
	uint64_t ram = bi ? bi->ram_size : DEFAULT_RAM, refbytes;

	ram_top = ram < GPA_MMIO_HOLE_START ? ram : GPA_MMIO_HOLE_START;
	ram_top &= ~(PD_SPAN - 1);
	refcnt = (uint16_t *)PAGE_ALIGN_UP((uint64_t)_end);
	refbytes = PAGE_ALIGN_UP(ram_top / PAGE_SIZE * sizeof(uint16_t));
	first_pa = (uint64_t)refcnt + refbytes;
	bump_pa = first_pa;
	bump_is_zero = bi && (bi->flags & BOOTINFO_F_RAM_ZERO);
	if (first_pa + (1ull << 20) > ram_top)
		panic("%lu MiB of RAM is too little for the kernel", ram >> 20);
	kernel_tables_build();
}
