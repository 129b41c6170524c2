/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-virtual to guest-physical translation for 4-level paging (IA-32e), with 2 MiB and
 * 1 GiB pages, from a given CR3.  The walker reads page tables through mem__gpa_to_hva(),
 * so a guest that points its tables outside RAM gets an error, not a host fault.
 */
#ifndef VMSCOPE_PAGING_H
#define VMSCOPE_PAGING_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem;

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

struct walk_result {
	uint64_t gpa; /* translated address */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
	int writable; /* W set at every level */
	int user; /* U set at every level */
	int nx; /* NX set at some level */
	int fault_level; /* on -EFAULT: 4 = PML4E ... 1 = PTE not present; 0 = table not in RAM */
};

/*
 * Translate gva with the page tables at cr3.  Returns 0, -EINVAL for a non-canonical gva,
 * -EFAULT when an entry is not present or a table lies outside guest RAM (res->fault_level
 * says where).  Sets a message with err__set() on failure.
 */
int paging__walk(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, struct walk_result *res);

/* Copy len bytes from guest-virtual memory, page by page; 0 or the walk's -errno. */
int paging__read_virt(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, void *buf,
		      size_t len);
int paging__write_virt(const struct guest_mem *mem, uint64_t cr3, uint64_t gva, const void *buf,
		       size_t len);

/* 1 when gva is canonical for 48-bit virtual addresses. */
int paging__canonical(uint64_t gva);

#endif
