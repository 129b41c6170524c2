// SPDX-License-Identifier: GPL-2.0
/*
 * Code injection (docs/gears.md, abi/gears.h): the VMM-owned region at GPA_GEARS, mapped
 * into the guest's kernel half through one unused PDPT entry and into chosen processes
 * through one unused user PML4 entry each.  Every entry written into the guest's own tables
 * is recorded with the value it replaced, and removed only while it still holds what vmscope
 * wrote (a page the guest has since freed and reused is left alone).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "../abi/gears.h"
#include "../abi/layout.h"
#include "../core/mem.h"
#include "../core/paging.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "gears_int.h"

#define IDX(va, level) (((va) >> (12 + 9 * ((level)-1))) & 511)
/* Present, accessed (and for leaves dirty): the CPU has nothing to write in the region. */
#define E_TABLE (PTE_P | PTE_A)
#define E_LEAF (PTE_P | PTE_A | PTE_D)

static uint64_t sign_extend(uint64_t va)
{
	return va & (1ull << 47) ? va | 0xffff000000000000ull : va;
}

static uint64_t *region(struct gears *g, uint64_t off)
{
	return (uint64_t *)(g->region + off);
}

/* Lay out the region's own tables; the code pages are filled by their users. */
void inject__init_region(struct gears *g)
{
	memset(g->region, 0, GPA_GEARS_SIZE);
	/* Kernel: one 2 MiB supervisor page over the whole region, read-only, executable. */
	region(g, GEARS_OFF_KPD)[0] = GPA_GEARS | E_LEAF | PTE_PS;
	/* User: the trampoline page (read, execute) and the doorbell (write, no execute). */
	region(g, GEARS_OFF_UPDPT)[0] = (GPA_GEARS + GEARS_OFF_UPD) | E_TABLE | PTE_W | PTE_U;
	region(g, GEARS_OFF_UPD)[0] = (GPA_GEARS + GEARS_OFF_UPT) | E_TABLE | PTE_W | PTE_U;
	region(g, GEARS_OFF_UPT)[0] = (GPA_GEARS + GEARS_OFF_TRAMP) | E_LEAF | PTE_U;
	region(g, GEARS_OFF_UPT)[1] = GPA_GEARS_DOORBELL | E_LEAF | PTE_U | PTE_W | PTE_NX;
}

static int read_entry(struct gears *g, uint64_t table, int idx, uint64_t *e)
{
	return mem__read(&g->vm->mem, (table & PTE_ADDR_MASK) + 8 * idx, e, 8);
}

/* Write entry idx of a guest table and remember what it held. */
static int set_entry(struct gears *g, uint64_t table, int idx, uint64_t val)
{
	uint64_t gpa = (table & PTE_ADDR_MASK) + 8 * idx, old;
	struct inject_edit *ed;
	int ret;

	if (g->nr_edits == GEARS_MAX_EDITS)
		return err__set(ENOSPC, "GEARS mapped %d address spaces; no room for more",
				GEARS_MAX_EDITS);
	ret = mem__read(&g->vm->mem, gpa, &old, 8);
	if (!ret)
		ret = mem__write(&g->vm->mem, gpa, &val, 8);
	if (ret)
		return err__wrap(ret, "mapping GEARS' pages into the guest");
	ed = &g->edits[g->nr_edits++];
	*ed = (struct inject_edit){ .gpa = gpa, .old = old, .val = val };
	return 0;
}

/* The highest unused entry of a table in [lo, hi], or -ENOSPC. */
static int free_slot(struct gears *g, uint64_t table, int lo, int hi)
{
	uint64_t e;
	int i;

	for (i = hi; i >= lo; i--) {
		if (read_entry(g, table, i, &e))
			return -EFAULT;
		if (!(e & PTE_P))
			return i;
	}
	return -ENOSPC;
}

/*
 * Map the region into the kernel half that holds entry (the guest's LSTAR): in the PDPT its
 * PML4 entry points to, an unused 1 GiB slot.  Sets g->kva.
 */
int inject__map_kernel(struct gears *g, uint64_t cr3, uint64_t entry)
{
	uint64_t pml4e;
	int slot, ret;

	if (g->kva)
		return 0;
	ret = read_entry(g, cr3, IDX(entry, 4), &pml4e);
	if (ret || !(pml4e & PTE_P) || (pml4e & PTE_PS))
		return err__set(EFAULT,
				"the guest's system-call entry 0x%" PRIx64 " is not mapped through "
				"a PDPT in address space 0x%" PRIx64
				"; GEARS cannot place its stub",
				entry, cr3);
	slot = free_slot(g, pml4e, 0, 511);
	if (slot < 0)
		return err__set(ENOSPC,
				"no unused 1 GiB slot beside the guest's system-call entry "
				"0x%" PRIx64 "; GEARS cannot place its stub",
				entry);
	ret = set_entry(g, pml4e, slot, (GPA_GEARS + GEARS_OFF_KPD) | E_TABLE | PTE_W);
	if (ret)
		return ret;
	g->kva = sign_extend((entry & ~((1ull << 39) - 1)) | (uint64_t)slot << 30);
	return 0;
}

int inject__kernel_mapped(struct gears *g, uint64_t cr3)
{
	uint64_t pml4e, pdpte;

	if (!g->kva || read_entry(g, cr3, IDX(g->kva, 4), &pml4e) || !(pml4e & PTE_P) ||
	    (pml4e & PTE_PS) || read_entry(g, pml4e, IDX(g->kva, 3), &pdpte))
		return 0;
	return (pdpte & PTE_ADDR_MASK) == GPA_GEARS + GEARS_OFF_KPD && (pdpte & PTE_P);
}

void inject__writable(struct gears *g, int on, int nx)
{
	uint64_t e = GPA_GEARS | E_LEAF | PTE_PS | PTE_W | (nx ? PTE_NX : 0);

	region(g, GEARS_OFF_KPD)[GEARS_WRITABLE >> 21] = on ? e : 0;
}

/*
 * Map the trampoline page and the doorbell into the user half of address space cr3, in an
 * unused PML4 entry (the highest, below the kernel half).  Its address, or 0 with a message.
 */
uint64_t inject__map_user(struct gears *g, uint64_t cr3)
{
	int i, slot;

	for (i = 0; i < g->nr_users; i++)
		if (g->users[i].cr3 == (cr3 & PTE_ADDR_MASK))
			return g->users[i].va;
	if (g->nr_users == GEARS_MAX_USERS) {
		err__set(ENOSPC, "GEARS mapped %d address spaces; no room for more",
			 GEARS_MAX_USERS);
		return 0;
	}
	slot = free_slot(g, cr3, 1, 255);
	if (slot < 0) {
		err__set(ENOSPC, "no unused user PML4 entry in address space 0x%" PRIx64, cr3);
		return 0;
	}
	if (set_entry(g, cr3, slot, (GPA_GEARS + GEARS_OFF_UPDPT) | E_TABLE | PTE_W | PTE_U))
		return 0;
	g->users[g->nr_users].cr3 = cr3 & PTE_ADDR_MASK;
	g->users[g->nr_users].va = (uint64_t)slot << 39;
	return g->users[g->nr_users++].va;
}

/*
 * Undo every mapping, newest first: an entry is restored only while it holds what vmscope
 * wrote.  Returns how many were left alone because the guest had changed them.
 */
int inject__unmap_all(struct gears *g)
{
	int skipped = 0;
	uint64_t cur;

	while (g->nr_edits) {
		struct inject_edit *ed = &g->edits[--g->nr_edits];

		if (mem__read(&g->vm->mem, ed->gpa, &cur, 8) || cur != ed->val) {
			skipped++;
			continue;
		}
		mem__write(&g->vm->mem, ed->gpa, &ed->old, 8);
	}
	g->nr_users = 0;
	g->kva = 0;
	return skipped;
}
