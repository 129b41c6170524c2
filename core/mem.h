/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM: one memfd mapped once in the VMM, registered with KVM as one slot below the MMIO
 * hole and, when RAM is larger than the hole's start, a second slot at 4 GiB.  Every access
 * from the VMM to guest memory goes through mem__gpa_to_hva(), which checks bounds.
 */
#ifndef VMSCOPE_MEM_H
#define VMSCOPE_MEM_H

#include <stddef.h>
#include <stdint.h>

#define MEM_MAX_REGIONS 2

struct mem_region {
	uint64_t gpa; /* first guest-physical address */
	uint64_t size; /* bytes */
	uint64_t offset; /* offset in the memfd and in the host mapping */
};

struct guest_mem {
	int memfd;
	uint8_t *host; /* mapping of the whole memfd */
	uint64_t size; /* total RAM bytes */
	int nr_regions;
	struct mem_region regions[MEM_MAX_REGIONS];
};

/* Create size bytes of RAM backed by a memfd and lay it out around the MMIO hole. */
int mem__init(struct guest_mem *mem, uint64_t size);

/* Lay out regions for size bytes without allocating (used by mem__init and unit tests). */
int mem__layout(struct guest_mem *mem, uint64_t size);

void mem__exit(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa + len), or NULL when any byte of it is not RAM (MMIO hole,
 * beyond the end, or crossing a region boundary).
 */
void *mem__gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Copy to or from guest-physical memory; -EFAULT (with a message) if not all of it is RAM. */
int mem__read(const struct guest_mem *mem, uint64_t gpa, void *buf, size_t len);
int mem__write(const struct guest_mem *mem, uint64_t gpa, const void *buf, size_t len);

#endif
