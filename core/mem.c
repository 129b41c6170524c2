// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../abi/layout.h"
#include "mem.h"

#define MEM_PAGE_SIZE 4096ull
#define MEM_MIN_SIZE (1ull << 20)
#define MEM_MAX_SIZE (1ull << 40)

static int mem__check_size(uint64_t size)
{
	if (size == 0)
		return err__set(EINVAL, "guest memory size is 0; use a size like 64M");
	if (size % MEM_PAGE_SIZE)
		return err__set(EINVAL,
				"guest memory size %" PRIu64
				" is not a multiple of 4 KiB; use a size like 64M",
				size);
	if (size < MEM_MIN_SIZE)
		return err__set(EINVAL,
				"guest memory size %" PRIu64
				" is below the minimum of 1 MiB; use a size like 64M",
				size);
	if (size > MEM_MAX_SIZE)
		return err__set(EINVAL,
				"guest memory size %" PRIu64
				" is above the maximum of 1 TiB; use a size like 64M or 4G",
				size);
	return 0;
}

static void mem__add_region(struct guest_mem *mem, uint64_t gpa, uint64_t size, uint64_t offset)
{
	struct mem_region *r = &mem->regions[mem->nr_regions++];

	r->gpa = gpa;
	r->size = size;
	r->offset = offset;
}

int mem__layout(struct guest_mem *mem, uint64_t size)
{
	uint64_t low;
	int ret;

	ret = mem__check_size(size);
	if (ret)
		return ret;

	memset(mem->regions, 0, sizeof(mem->regions));
	mem->nr_regions = 0;
	mem->size = size;

	low = size < GPA_MMIO_HOLE_START ? size : GPA_MMIO_HOLE_START;
	mem__add_region(mem, 0, low, 0);
	if (size > low)
		mem__add_region(mem, GPA_HIGH_RAM_START, size - low, low);
	return 0;
}

int mem__init(struct guest_mem *mem, uint64_t size)
{
	int ret;

	mem->memfd = -1;
	mem->host = NULL;
	ret = mem__layout(mem, size);
	if (ret)
		return ret;

	mem->memfd = memfd_create("vmscope-ram", MFD_CLOEXEC);
	if (mem->memfd < 0)
		return err__set(errno,
				"cannot create the guest RAM memfd: %s; vmscope needs Linux 3.17 "
				"or later and a free file descriptor",
				strerror(errno));

	if (ftruncate(mem->memfd, (off_t)size) < 0) {
		ret = err__set(errno,
			       "cannot size the guest RAM memfd to %" PRIu64
			       " bytes: %s; use a smaller guest memory size",
			       size, strerror(errno));
		goto err_close;
	}

	mem->host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mem->memfd, 0);
	if (mem->host == MAP_FAILED) {
		mem->host = NULL;
		ret = err__set(errno,
			       "cannot map %" PRIu64
			       " bytes of guest RAM: %s; use a smaller guest memory size "
			       "or raise the address-space limit (ulimit -v)",
			       size, strerror(errno));
		goto err_close;
	}
	return 0;

err_close:
	close(mem->memfd);
	mem->memfd = -1;
	return ret;
}

/*
 * The mapping and the memfd are owned together: host is non-NULL only after mem__init()
 * succeeded.  Keying on host keeps a zeroed struct (memfd 0) from closing stdin.
 */
void mem__exit(struct guest_mem *mem)
{
	if (mem->host) {
		munmap(mem->host, mem->size);
		if (mem->memfd >= 0)
			close(mem->memfd);
	}
	mem->host = NULL;
	mem->memfd = -1;
	mem->nr_regions = 0;
}

void *mem__gpa_to_hva(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r;
	uint64_t off;
	int i;

	if (!mem->host)
		return NULL;
	for (i = 0; i < mem->nr_regions; i++) {
		r = &mem->regions[i];
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		/* Compare against what is left of the region so gpa + len cannot wrap. */
		off = gpa - r->gpa;
		if (len > r->size - off)
			return NULL;
		return mem->host + r->offset + off;
	}
	return NULL;
}

static int mem__not_ram(const struct guest_mem *mem, uint64_t gpa, size_t len)
{
	uint64_t last = len ? gpa + len - 1 : gpa;
	uint64_t low_end = mem->regions[0].size;

	if (!mem->host || !mem->nr_regions)
		return err__set(EFAULT,
				"guest-physical 0x%" PRIx64 "-0x%" PRIx64
				" is not RAM (guest RAM is not set up)",
				gpa, last);
	if (mem->nr_regions > 1)
		return err__set(EFAULT,
				"guest-physical 0x%" PRIx64 "-0x%" PRIx64
				" is not RAM (RAM is 0x0-0x%" PRIx64 " and 0x%" PRIx64 "-0x%" PRIx64
				")",
				gpa, last, low_end - 1, mem->regions[1].gpa,
				mem->regions[1].gpa + mem->regions[1].size - 1);
	return err__set(EFAULT,
			"guest-physical 0x%" PRIx64 "-0x%" PRIx64
			" is not RAM (RAM is 0x0-0x%" PRIx64 ")",
			gpa, last, low_end - 1);
}

int mem__read(const struct guest_mem *mem, uint64_t gpa, void *buf, size_t len)
{
	void *hva = mem__gpa_to_hva(mem, gpa, len);

	if (!hva)
		return mem__not_ram(mem, gpa, len);
	if (len)
		memcpy(buf, hva, len);
	return 0;
}

int mem__write(const struct guest_mem *mem, uint64_t gpa, const void *buf, size_t len)
{
	void *hva = mem__gpa_to_hva(mem, gpa, len);

	if (!hva)
		return mem__not_ram(mem, gpa, len);
	if (len)
		memcpy(hva, buf, len);
	return 0;
}
