// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../../abi/layout.h"
#include "mem.h"
#include "paging.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RAM_SIZE (8 * MiB)

#define PML4 0x1000ull
#define PDPT 0x2000ull
#define PD 0x3000ull
#define PT 0x4000ull
#define CR3 PML4

#define RWU (PTE_P | PTE_W | PTE_U)

/* Distinct index at every level, so a walk that uses the wrong bits lands on an empty slot. */
#define GVA(i4, i3, i2, i1, off)                                                                   \
	(((uint64_t)(i4) << 39) | ((uint64_t)(i3) << 30) | ((uint64_t)(i2) << 21) |                \
	 ((uint64_t)(i1) << 12) | (uint64_t)(off))
#define GVA_4K GVA(1, 2, 3, 4, 0)

#define assert_msg_contains(needle) assert_non_null(strstr(err__last(), (needle)))

static int setup(void **state)
{
	struct guest_mem *mem = calloc(1, sizeof(*mem));

	if (!mem || mem__init(mem, RAM_SIZE)) {
		fprintf(stderr, "cannot set up guest RAM: %s\n", err__msg(-ENOMEM));
		free(mem);
		return -1;
	}
	*state = mem;
	return 0;
}

static int teardown(void **state)
{
	struct guest_mem *mem = *state;

	mem__exit(mem);
	free(mem);
	return 0;
}

static void set_entry(struct guest_mem *mem, uint64_t table, uint64_t gva, int level, uint64_t val)
{
	uint64_t index = (gva >> (12 + 9 * (level - 1))) & 511;
	uint64_t *p = mem__gpa_to_hva(mem, table + index * 8, 8);

	assert_non_null(p);
	*p = val;
}

/*
 * Map gva to the 4 KiB page at gpa through PML4 -> PDPT -> PD -> PT; flags[level] are the
 * flag bits of that level's entry (PTE_P included).
 */
static void map_4k_flags(struct guest_mem *mem, uint64_t gva, uint64_t gpa, const uint64_t flags[5])
{
	set_entry(mem, PML4, gva, 4, PDPT | flags[4]);
	set_entry(mem, PDPT, gva, 3, PD | flags[3]);
	set_entry(mem, PD, gva, 2, PT | flags[2]);
	set_entry(mem, PT, gva, 1, gpa | flags[1]);
}

static void map_4k(struct guest_mem *mem, uint64_t gva, uint64_t gpa)
{
	const uint64_t flags[5] = { 0, RWU, RWU, RWU, RWU };

	map_4k_flags(mem, gva, gpa, flags);
}

static void test_walk_4k(void **state)
{
	struct guest_mem *mem = *state;
	struct walk_result res;

	map_4k(mem, GVA_4K, 0x200000);
	assert_int_equal(paging__walk(mem, CR3, GVA_4K + 0x567, &res), 0);
	assert_int_equal(res.gpa, 0x200567);
	assert_int_equal(res.page_size, 4096);
	assert_int_equal(res.writable, 1);
	assert_int_equal(res.user, 1);
	assert_int_equal(res.nx, 0);

	/* Neighbours at each level use other (empty) slots. */
	assert_int_equal(paging__walk(mem, CR3, GVA(1, 2, 3, 5, 0), &res), -EFAULT);
	assert_int_equal(res.fault_level, 1);
	assert_int_equal(paging__walk(mem, CR3, GVA(1, 2, 4, 4, 0), &res), -EFAULT);
	assert_int_equal(res.fault_level, 2);
	assert_int_equal(paging__walk(mem, CR3, GVA(1, 3, 3, 4, 0), &res), -EFAULT);
	assert_int_equal(res.fault_level, 3);
	assert_int_equal(paging__walk(mem, CR3, GVA(2, 2, 3, 4, 0), &res), -EFAULT);
	assert_int_equal(res.fault_level, 4);
}

static void test_walk_4k_ignores_non_address_bits(void **state)
{
	const uint64_t flags[5] = { 0, RWU | PTE_PS | PTE_G | PTE_A | PTE_D | 0x7ff0000000000000ull,
				    RWU, RWU, RWU | PTE_PS };
	struct guest_mem *mem = *state;
	struct walk_result res;

	/*
	 * Bit 7 of a PTE is PAT and of a PML4E reserved, neither a page size; bits 52-62 are
	 * software/protection keys.
	 */
	map_4k_flags(mem, GVA_4K, 0x201000, flags);
	assert_int_equal(paging__walk(mem, CR3, GVA_4K + 0xabc, &res), 0);
	assert_int_equal(res.gpa, 0x201abc);
	assert_int_equal(res.page_size, 4096);
}

static void test_walk_2m(void **state)
{
	struct guest_mem *mem = *state;
	const uint64_t gva = GVA(1, 2, 3, 0, 0);
	struct walk_result res;

	set_entry(mem, PML4, gva, 4, PDPT | RWU);
	set_entry(mem, PDPT, gva, 3, PD | RWU);
	/* Bit 12 is PAT in a 2 MiB entry and must not leak into the address. */
	set_entry(mem, PD, gva, 2, 0x400000 | RWU | PTE_PS | (1ull << 12));

	assert_int_equal(paging__walk(mem, CR3, gva + 0x1f2345, &res), 0);
	assert_int_equal(res.gpa, 0x5f2345);
	assert_int_equal(res.page_size, 2 * MiB);
	assert_int_equal(res.writable, 1);
	assert_int_equal(res.user, 1);
}

static void test_walk_1g(void **state)
{
	struct guest_mem *mem = *state;
	const uint64_t gva = 0x40000000;
	const uint8_t pattern[] = "one gigabyte";
	uint8_t buf[sizeof(pattern)];
	struct walk_result res;

	set_entry(mem, PML4, gva, 4, PDPT | RWU);
	set_entry(mem, PDPT, gva, 3, 0 | RWU | PTE_PS | (1ull << 12));

	assert_int_equal(paging__walk(mem, CR3, gva + 0x123456, &res), 0);
	assert_int_equal(res.gpa, 0x123456);
	assert_int_equal(res.page_size, GiB);

	assert_int_equal(mem__write(mem, 0x123456, pattern, sizeof(pattern)), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(paging__read_virt(mem, CR3, gva + 0x123456, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, pattern, sizeof(pattern));

	/* The page is mapped, but its tail beyond 8 MiB is not RAM. */
	assert_int_equal(paging__walk(mem, CR3, gva + RAM_SIZE, &res), 0);
	assert_int_equal(res.gpa, RAM_SIZE);
	err__clear();
	assert_int_equal(paging__read_virt(mem, CR3, gva + RAM_SIZE - 4, buf, 8), -EFAULT);
	assert_msg_contains("guest-physical 0x7ffffc-0x800003, which is not RAM");
}

static void check_perms(struct guest_mem *mem, const uint64_t flags[5], int w, int u, int nx)
{
	struct walk_result res;

	map_4k_flags(mem, GVA_4K, 0x200000, flags);
	assert_int_equal(paging__walk(mem, CR3, GVA_4K, &res), 0);
	assert_int_equal(res.writable, w);
	assert_int_equal(res.user, u);
	assert_int_equal(res.nx, nx);
}

static void test_walk_permissions_accumulate(void **state)
{
	struct guest_mem *mem = *state;
	uint64_t flags[5];
	int level, i;

	for (level = 1; level <= 4; level++) {
		for (i = 1; i <= 4; i++)
			flags[i] = RWU;
		flags[level] &= ~PTE_W;
		check_perms(mem, flags, 0, 1, 0);

		flags[level] = RWU & ~PTE_U;
		check_perms(mem, flags, 1, 0, 0);

		flags[level] = RWU | PTE_NX;
		check_perms(mem, flags, 1, 1, 1);
	}
	/* W and U from different levels do not combine into "writable user". */
	flags[4] = PTE_P | PTE_W;
	flags[3] = PTE_P | PTE_U;
	flags[2] = RWU;
	flags[1] = RWU;
	check_perms(mem, flags, 0, 0, 0);
}

static void test_walk_not_present_each_level(void **state)
{
	static const char *const names[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };
	struct guest_mem *mem = *state;
	const uint64_t gva = GVA_4K + 0x10;
	char expect[160];
	uint64_t flags[5];
	struct walk_result res;
	int level, i;

	for (level = 4; level >= 1; level--) {
		for (i = 1; i <= 4; i++)
			flags[i] = RWU;
		flags[level] &= ~PTE_P;
		map_4k_flags(mem, gva, 0x200000, flags);

		err__clear();
		res.fault_level = -1;
		assert_int_equal(paging__walk(mem, CR3, gva, &res), -EFAULT);
		assert_int_equal(res.fault_level, level);
		snprintf(expect, sizeof(expect),
			 "guest-virtual 0x%llx is not mapped: %s not present (cr3 0x1000)",
			 (unsigned long long)gva, names[level]);
		assert_string_equal(err__last(), expect);
	}
}

static void test_walk_table_outside_ram(void **state)
{
	struct guest_mem *mem = *state;
	struct walk_result res;

	map_4k(mem, GVA_4K, 0x200000);
	/* A table in the last page of RAM is fine. */
	set_entry(mem, PD, GVA_4K, 2, (RAM_SIZE - 4096) | RWU);
	set_entry(mem, RAM_SIZE - 4096, GVA_4K, 1, 0x200000 | RWU);
	assert_int_equal(paging__walk(mem, CR3, GVA_4K, &res), 0);
	assert_int_equal(res.gpa, 0x200000);

	set_entry(mem, PD, GVA_4K, 2, RAM_SIZE | RWU);
	res.fault_level = -1;
	assert_int_equal(paging__walk(mem, CR3, GVA_4K, &res), -EFAULT);
	assert_int_equal(res.fault_level, 0);

	err__clear();
	set_entry(mem, PML4, GVA_4K, 4, GPA_MMIO_HOLE_START | RWU);
	res.fault_level = -1;
	assert_int_equal(paging__walk(mem, CR3, GVA_4K, &res), -EFAULT);
	assert_int_equal(res.fault_level, 0);
	assert_msg_contains("PDPT (level 3) at guest-physical 0xc0000000 is not RAM");
	assert_msg_contains("0x8080604000");

	res.fault_level = -1;
	assert_int_equal(paging__walk(mem, GPA_VMSCOPE_MMIO, GVA_4K, &res), -EFAULT);
	assert_int_equal(res.fault_level, 0);
	assert_msg_contains("PML4 (level 4) at guest-physical 0xd0000000");
}

static void test_walk_non_canonical(void **state)
{
	static const uint64_t bad[] = { 0x0000800000000000ull, 0x8000000000000000ull,
					0xfffe800000000000ull, 0x7fffffffffffffffull,
					0xffff7fffffffffffull };
	struct guest_mem *mem = *state;
	struct walk_result res;
	char hex[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(paging__canonical(bad[i]));
		err__clear();
		assert_int_equal(paging__walk(mem, CR3, bad[i], &res), -EINVAL);
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)bad[i]);
		assert_msg_contains(hex);
		assert_msg_contains("not canonical");
	}
	assert_true(paging__canonical(0));
	assert_true(paging__canonical(0x00007fffffffffffull));
	assert_true(paging__canonical(0xffff800000000000ull));
	assert_true(paging__canonical(0xffffffffffffffffull));
}

static void test_walk_high_half(void **state)
{
	struct guest_mem *mem = *state;
	const uint64_t gva = 0xffffffffc0000000ull;
	struct walk_result res;

	assert_int_equal(paging__walk(mem, CR3, 0xffff800000000000ull, &res), -EFAULT);
	assert_int_equal(res.fault_level, 4);

	/* PML4 and PDPT index 511: the sign-extension bits must not reach the index. */
	set_entry(mem, PML4, gva, 4, PDPT | RWU);
	set_entry(mem, PDPT, gva, 3, 0 | RWU | PTE_PS);
	assert_int_equal(paging__walk(mem, CR3, gva + 0x1234, &res), 0);
	assert_int_equal(res.gpa, 0x1234);
}

/* Two consecutive virtual pages backed by physical pages in the opposite order. */
#define PHYS_A 0x300000ull
#define PHYS_B 0x205000ull

static void map_split_pages(struct guest_mem *mem)
{
	map_4k(mem, GVA_4K, PHYS_A);
	map_4k(mem, GVA_4K + 0x1000, PHYS_B);
}

static void test_read_virt_cross_page(void **state)
{
	struct guest_mem *mem = *state;
	uint8_t buf[8], big[4100];

	map_split_pages(mem);
	assert_int_equal(mem__write(mem, PHYS_A + 0xffc, "abcd", 4), 0);
	assert_int_equal(mem__write(mem, PHYS_B, "efgh", 4), 0);
	/* What is physically after page A must not be read. */
	assert_int_equal(mem__write(mem, PHYS_A + 0x1000, "XXXX", 4), 0);

	assert_int_equal(paging__read_virt(mem, CR3, GVA_4K + 0xffc, buf, 8), 0);
	assert_memory_equal(buf, "abcdefgh", 8);

	/* Three pages: the tail of A, all of B, the head of C. */
	map_4k(mem, GVA_4K + 0x2000, 0x101000);
	assert_int_equal(mem__write(mem, PHYS_B + 0xffe, "ij", 2), 0);
	assert_int_equal(mem__write(mem, 0x101000, "kl", 2), 0);
	assert_int_equal(paging__read_virt(mem, CR3, GVA_4K + 0xffe, big, sizeof(big)), 0);
	assert_memory_equal(big, "cdef", 4);
	assert_memory_equal(big + 4096, "ijkl", 4);
}

static void test_write_virt_cross_page(void **state)
{
	struct guest_mem *mem = *state;
	uint8_t buf[8];

	map_split_pages(mem);
	assert_int_equal(paging__write_virt(mem, CR3, GVA_4K + 0xffc, "ABCDEFGH", 8), 0);
	assert_int_equal(mem__read(mem, PHYS_A + 0xffc, buf, 4), 0);
	assert_memory_equal(buf, "ABCD", 4);
	assert_int_equal(mem__read(mem, PHYS_B, buf, 4), 0);
	assert_memory_equal(buf, "EFGH", 4);
	/* Neither the bytes physically after A nor before B were touched. */
	assert_int_equal(mem__read(mem, PHYS_A + 0x1000, buf, 4), 0);
	assert_memory_equal(buf, "\0\0\0\0", 4);
	assert_int_equal(mem__read(mem, PHYS_B - 4, buf, 4), 0);
	assert_memory_equal(buf, "\0\0\0\0", 4);
}

static void test_virt_second_page_unmapped(void **state)
{
	struct guest_mem *mem = *state;
	uint8_t buf[8];

	map_4k(mem, GVA_4K, PHYS_A);
	assert_int_equal(mem__write(mem, PHYS_A + 0xffc, "abcd", 4), 0);

	err__clear();
	assert_int_equal(paging__write_virt(mem, CR3, GVA_4K + 0xffc, "ABCDEFGH", 8), -EFAULT);
	assert_msg_contains("PTE not present");
	/* The write is checked in full before any byte lands. */
	assert_int_equal(mem__read(mem, PHYS_A + 0xffc, buf, 4), 0);
	assert_memory_equal(buf, "abcd", 4);

	assert_int_equal(paging__read_virt(mem, CR3, GVA_4K + 0xffc, buf, 8), -EFAULT);
	assert_int_equal(paging__read_virt(mem, CR3, GVA_4K + 0xffc, buf, 4), 0);
}

static void test_cr3_pcid_bits(void **state)
{
	static const uint64_t cr3s[] = { CR3 | 0x001, CR3 | 0xfff, CR3 | 0x018,
					 CR3 | (1ull << 63) | 0x123 };
	struct guest_mem *mem = *state;
	struct walk_result res;
	uint8_t buf[4];
	size_t i;

	map_4k(mem, GVA_4K, PHYS_A);
	assert_int_equal(mem__write(mem, PHYS_A + 0x10, "pcid", 4), 0);
	for (i = 0; i < sizeof(cr3s) / sizeof(cr3s[0]); i++) {
		assert_int_equal(paging__walk(mem, cr3s[i], GVA_4K + 0x10, &res), 0);
		assert_int_equal(res.gpa, PHYS_A + 0x10);
		assert_int_equal(paging__read_virt(mem, cr3s[i], GVA_4K + 0x10, buf, 4), 0);
		assert_memory_equal(buf, "pcid", 4);
	}
}

#define paging_test(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		paging_test(test_walk_4k),
		paging_test(test_walk_4k_ignores_non_address_bits),
		paging_test(test_walk_2m),
		paging_test(test_walk_1g),
		paging_test(test_walk_permissions_accumulate),
		paging_test(test_walk_not_present_each_level),
		paging_test(test_walk_table_outside_ram),
		paging_test(test_walk_non_canonical),
		paging_test(test_walk_high_half),
		paging_test(test_read_virt_cross_page),
		paging_test(test_write_virt_cross_page),
		paging_test(test_virt_second_page_unmapped),
		paging_test(test_cr3_pcid_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
