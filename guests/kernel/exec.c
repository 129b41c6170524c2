// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a program into a new address space: ELF64 PT_LOAD segments (read-only ones map
 * the image's own pages, writable ones are copied), a demand-grown stack with argv, envp and
 * an auxiliary vector as the x86-64 psABI lays them out, and a heap after the last segment.
 */
#include "kernel.h"

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define AT_NULL 0
#define AT_PAGESZ 6
#define AT_ENTRY 9

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static uint32_t seg_prot(uint32_t f)
{
	return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) |
	       (f & PF_X ? PROT_EXEC : 0);
}

/* Read-only segment: map the image's pages in place (offset and address agree mod 4 KiB). */
static int load_ro(struct mm *mm, const uint8_t *img, const struct elf64_phdr *ph)
{
	uint64_t va = ph->vaddr & PAGE_MASK, end = PAGE_ALIGN_UP(ph->vaddr + ph->memsz);
	uint64_t pa = (uint64_t)img + ph->offset - (ph->vaddr - va);
	uint32_t prot = seg_prot(ph->flags);
	int ret;

	if ((pa & ~PAGE_MASK) || ph->memsz != ph->filesz)
		return -ENOEXEC;
	ret = mm_add_region(mm, va, end, prot, REGION_IMAGE);
	for (; !ret && va < end; va += PAGE_SIZE, pa += PAGE_SIZE)
		ret = mm_map_page(mm, va, pa, prot);
	return ret;
}

/* Writable segment: fresh pages with the file bytes copied in; the rest is demand-zero. */
static int load_rw(struct mm *mm, const uint8_t *img, const struct elf64_phdr *ph)
{
	uint64_t va = ph->vaddr & PAGE_MASK, fend = ph->vaddr + ph->filesz;
	uint32_t prot = seg_prot(ph->flags);
	int ret = mm_add_region(mm, va, PAGE_ALIGN_UP(ph->vaddr + ph->memsz), prot, 0);

	for (; !ret && va < fend; va += PAGE_SIZE) {
		uint64_t from = va < ph->vaddr ? ph->vaddr : va;
		uint64_t to = va + PAGE_SIZE < fend ? va + PAGE_SIZE : fend;
		uint8_t *p = page_alloc_zero();

		if (!p)
			return -ENOMEM;
		memcpy(p + (from - va), img + ph->offset + (from - ph->vaddr), to - from);
		ret = mm_map_page(mm, va, (uint64_t)p, prot);
	}
	return ret;
}

static int elf_check(const uint8_t *img, uint64_t size, const struct elf64_ehdr *eh)
{
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) || eh->machine != 62 ||
	    eh->phentsize != sizeof(struct elf64_phdr) ||
	    eh->phoff + (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size)
		return -ENOEXEC;
	(void)img;
	return 0;
}

static int elf_load(struct mm *mm, const uint8_t *img, uint64_t size, uint64_t *entry)
{
	const struct elf64_ehdr *eh = (const void *)img;
	const struct elf64_phdr *ph = (const void *)(img + eh->phoff);
	uint64_t top = 0;
	int i, ret = elf_check(img, size, eh);

	for (i = 0; !ret && i < eh->phnum; i++, ph++) {
		if (ph->type != PT_LOAD || !ph->memsz)
			continue;
		if (ph->vaddr < USER_MIN || ph->vaddr + ph->memsz > USER_MMAP_TOP ||
		    ph->offset + ph->filesz > size || ph->filesz > ph->memsz)
			return -ENOEXEC;
		ret = ph->flags & PF_W ? load_rw(mm, img, ph) : load_ro(mm, img, ph);
		if (ph->vaddr + ph->memsz > top)
			top = ph->vaddr + ph->memsz;
	}
	if (ret)
		return ret;
	mm->brk_start = mm->brk = PAGE_ALIGN_UP(top);
	*entry = eh->entry;
	return mm_add_region(mm, mm->brk, mm->brk, PROT_READ | PROT_WRITE, REGION_HEAP);
}

/*
 * The first stack page: strings at the top, then (16-byte aligned) argc, argv[], NULL,
 * envp[], NULL, auxv.  args holds argc + envc NUL-terminated strings back to back.
 */
static int stack_build(struct mm *mm, const struct exec_args *a, uint64_t entry, uint64_t *sp)
{
	uint8_t *page = page_alloc_zero();
	uint64_t base = USER_STACK_TOP - PAGE_SIZE, *v, str;
	uint64_t words = 1 + a->argc + 1 + a->envc + 1 + 6;
	const char *s = a->buf;
	int i;

	if (!page)
		return -ENOMEM;
	str = PAGE_SIZE - a->len;
	memcpy(page + str, a->buf, a->len);
	v = (uint64_t *)(page + ((str - words * 8) & ~15ull));
	*sp = base + ((uint8_t *)v - page);
	*v++ = a->argc;
	for (i = 0; i < a->argc + a->envc; i++) {
		*v++ = base + str + (s - a->buf);
		s += strlen(s) + 1;
		if (i + 1 == a->argc)
			*v++ = 0;
	}
	if (!a->argc)
		*v++ = 0;
	*v++ = 0;
	*v++ = AT_PAGESZ;
	*v++ = PAGE_SIZE;
	*v++ = AT_ENTRY;
	*v++ = entry;
	*v++ = AT_NULL;
	*v = 0;
	return mm_map_page(mm, base, (uint64_t)page, PROT_READ | PROT_WRITE);
}

/* A new address space running image with the given arguments; NULL with *err on failure. */
struct mm *exec_image(const uint8_t *img, uint64_t size, const struct exec_args *a, uint64_t *entry,
		      uint64_t *sp, int *err)
{
	struct mm *mm = mm_create();

	*err = -ENOMEM;
	if (!mm)
		return NULL;
	*err = elf_load(mm, img, size, entry);
	if (!*err)
		*err = mm_add_region(mm, USER_STACK_TOP - USER_STACK_MAX, USER_STACK_TOP,
				     PROT_READ | PROT_WRITE, REGION_STACK);
	if (!*err)
		*err = stack_build(mm, a, *entry, sp);
	if (*err) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}
