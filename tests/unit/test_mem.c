// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../../abi/layout.h"
#include "mem.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

#define assert_msg_contains(needle) assert_non_null(strstr(err__last(), (needle)))

static void test_layout_below_hole(void **state)
{
	struct guest_mem mem;

	(void)state;
	memset(&mem, 0xaa, sizeof(mem));
	assert_int_equal(mem__layout(&mem, 64 * MiB), 0);
	assert_int_equal(mem.nr_regions, 1);
	assert_int_equal(mem.size, 64 * MiB);
	assert_int_equal(mem.regions[0].gpa, 0);
	assert_int_equal(mem.regions[0].size, 64 * MiB);
	assert_int_equal(mem.regions[0].offset, 0);
}

static void test_layout_exactly_hole_start(void **state)
{
	struct guest_mem mem = { 0 };

	(void)state;
	assert_int_equal(mem__layout(&mem, GPA_MMIO_HOLE_START), 0);
	assert_int_equal(mem.nr_regions, 1);
	assert_int_equal(mem.regions[0].size, GPA_MMIO_HOLE_START);
}

static void test_layout_above_hole(void **state)
{
	struct guest_mem mem = { 0 };

	(void)state;
	assert_int_equal(mem__layout(&mem, 8 * GiB), 0);
	assert_int_equal(mem.nr_regions, 2);
	assert_int_equal(mem.size, 8 * GiB);
	assert_int_equal(mem.regions[0].gpa, 0);
	assert_int_equal(mem.regions[0].size, 3 * GiB);
	assert_int_equal(mem.regions[0].offset, 0);
	assert_int_equal(mem.regions[1].gpa, GPA_HIGH_RAM_START);
	assert_int_equal(mem.regions[1].size, 5 * GiB);
	assert_int_equal(mem.regions[1].offset, 3 * GiB);

	/* A second layout must not keep the high region of the first. */
	assert_int_equal(mem__layout(&mem, 1 * MiB), 0);
	assert_int_equal(mem.nr_regions, 1);
	assert_int_equal(mem.regions[0].size, 1 * MiB);
}

static void test_layout_limits(void **state)
{
	struct guest_mem mem = { 0 };

	(void)state;
	assert_int_equal(mem__layout(&mem, 1 * MiB), 0);
	assert_int_equal(mem__layout(&mem, 1 * TiB), 0);
	assert_int_equal(mem.regions[1].size, 1 * TiB - 3 * GiB);
}

static void test_layout_rejects(void **state)
{
	struct guest_mem mem = { 0 };

	(void)state;
	err__clear();
	assert_int_equal(mem__layout(&mem, 0), -EINVAL);
	assert_msg_contains("64M");

	assert_int_equal(mem__layout(&mem, 123), -EINVAL);
	assert_msg_contains("123");
	assert_msg_contains("4 KiB");

	assert_int_equal(mem__layout(&mem, 1 * MiB + 1), -EINVAL);
	assert_msg_contains("1048577");

	assert_int_equal(mem__layout(&mem, 1 * MiB - 4 * KiB), -EINVAL);
	assert_msg_contains("1044480");
	assert_msg_contains("1 MiB");

	assert_int_equal(mem__layout(&mem, 1 * TiB + 4 * KiB), -EINVAL);
	assert_msg_contains("1099511631872");
	assert_msg_contains("1 TiB");
}

static void test_init_rw_exit(void **state)
{
	struct guest_mem mem;
	uint8_t out[16], in[16];
	unsigned int i;

	(void)state;
	assert_int_equal(mem__init(&mem, 2 * MiB), 0);
	assert_true(mem.memfd >= 0);
	assert_non_null(mem.host);
	assert_int_equal(mem.nr_regions, 1);
	assert_true(fcntl(mem.memfd, F_GETFD) & FD_CLOEXEC);

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(0x40 + i);
	assert_int_equal(mem__write(&mem, 2 * MiB - sizeof(out), out, sizeof(out)), 0);
	memset(in, 0, sizeof(in));
	assert_int_equal(mem__read(&mem, 2 * MiB - sizeof(out), in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	/* The write must land in the shared mapping, at the region's offset. */
	assert_memory_equal(mem.host + 2 * MiB - sizeof(out), out, sizeof(out));

	/* Zero-length access inside RAM succeeds and touches nothing. */
	assert_int_equal(mem__read(&mem, 0, NULL, 0), 0);

	mem__exit(&mem);
	assert_null(mem.host);
	assert_int_equal(mem.memfd, -1);
	assert_null(mem__gpa_to_hva(&mem, 0, 1));
	assert_int_equal(mem__read(&mem, 0, in, 1), -EFAULT);
	assert_msg_contains("not set up");
	mem__exit(&mem);
}

static void test_init_rejects_bad_size(void **state)
{
	struct guest_mem mem;

	(void)state;
	memset(&mem, 0, sizeof(mem));
	assert_int_equal(mem__init(&mem, 123), -EINVAL);
	assert_int_equal(mem.memfd, -1);
	assert_null(mem.host);
	mem__exit(&mem);
}

static void test_exit_zeroed_struct(void **state)
{
	struct guest_mem mem;
	int fd0_open;

	(void)state;
	memset(&mem, 0, sizeof(mem));
	fd0_open = fcntl(0, F_GETFD) != -1;
	mem__exit(&mem);
	/* A zeroed struct has memfd 0; exiting it must not close stdin. */
	assert_int_equal(fcntl(0, F_GETFD) != -1, fd0_open);
	assert_int_equal(mem.memfd, -1);
}

static void test_gpa_to_hva_bounds(void **state)
{
	struct guest_mem mem;

	(void)state;
	assert_int_equal(mem__init(&mem, 2 * MiB), 0);
	assert_ptr_equal(mem__gpa_to_hva(&mem, 0, 2 * MiB), mem.host);
	assert_ptr_equal(mem__gpa_to_hva(&mem, 2 * MiB - 1, 1), mem.host + 2 * MiB - 1);
	assert_ptr_equal(mem__gpa_to_hva(&mem, 2 * MiB - 1, 0), mem.host + 2 * MiB - 1);
	assert_null(mem__gpa_to_hva(&mem, 2 * MiB - 1, 2));
	assert_null(mem__gpa_to_hva(&mem, 0, 2 * MiB + 1));
	assert_null(mem__gpa_to_hva(&mem, 2 * MiB, 1));
	assert_null(mem__gpa_to_hva(&mem, 2 * MiB, 0));
	/* gpa + len wraps to a small number; a naive end check would accept these. */
	assert_null(mem__gpa_to_hva(&mem, 8, UINT64_MAX));
	assert_null(mem__gpa_to_hva(&mem, 8, UINT64_MAX - 7));
	assert_null(mem__gpa_to_hva(&mem, UINT64_MAX, 2));
	assert_null(mem__gpa_to_hva(&mem, UINT64_MAX, 0));
	assert_null(mem__gpa_to_hva(&mem, GPA_MMIO_HOLE_START, 1));
	mem__exit(&mem);
}

/*
 * Layout of 3 GiB + 8 MiB over an inaccessible reservation: pointers are computed and
 * compared, never dereferenced, so nothing is committed.
 */
static void test_gpa_to_hva_two_regions(void **state)
{
	const uint64_t size = 3 * GiB + 8 * MiB;
	const uint64_t high_end = GPA_HIGH_RAM_START + 8 * MiB;
	struct guest_mem mem = { 0 };
	void *res;

	(void)state;
	res = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		skip();
	assert_int_equal(mem__layout(&mem, size), 0);
	mem.host = res;

	assert_ptr_equal(mem__gpa_to_hva(&mem, 3 * GiB - 1, 1), mem.host + 3 * GiB - 1);
	assert_null(mem__gpa_to_hva(&mem, 3 * GiB - 1, 2));
	assert_null(mem__gpa_to_hva(&mem, GPA_MMIO_HOLE_START, 0));
	assert_null(mem__gpa_to_hva(&mem, GPA_VMSCOPE_MMIO, 8));
	assert_null(mem__gpa_to_hva(&mem, GPA_HIGH_RAM_START - 1, 2));
	assert_ptr_equal(mem__gpa_to_hva(&mem, GPA_HIGH_RAM_START, 8 * MiB), mem.host + 3 * GiB);
	assert_ptr_equal(mem__gpa_to_hva(&mem, high_end - 1, 1), mem.host + size - 1);
	assert_null(mem__gpa_to_hva(&mem, high_end - 1, 2));
	assert_null(mem__gpa_to_hva(&mem, high_end, 1));
	/* Spanning low RAM, the hole and high RAM is not one region. */
	assert_null(mem__gpa_to_hva(&mem, 3 * GiB - 4, GiB + 8));

	munmap(res, size);
}

static void test_read_write_errors(void **state)
{
	struct guest_mem mem;
	uint8_t buf[8], orig[8];

	(void)state;
	assert_int_equal(mem__init(&mem, 1 * MiB), 0);
	memset(buf, 0x5a, sizeof(buf));
	memcpy(orig, buf, sizeof(buf));

	err__clear();
	assert_int_equal(mem__write(&mem, GPA_MMIO_HOLE_START, buf, 4), -EFAULT);
	assert_msg_contains("guest-physical 0xc0000000-0xc0000003 is not RAM");

	assert_int_equal(mem__read(&mem, 1 * MiB - 4, buf, 8), -EFAULT);
	assert_msg_contains("0xffffc-0x100003");
	assert_msg_contains("0x0-0xfffff");
	/* A failed read must not have copied the part that was RAM. */
	assert_memory_equal(buf, orig, sizeof(buf));

	assert_int_equal(mem__write(&mem, 1 * MiB, buf, 0), -EFAULT);
	assert_int_equal(mem__read(&mem, UINT64_MAX - 2, buf, 8), -EFAULT);
	mem__exit(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_below_hole),
		cmocka_unit_test(test_layout_exactly_hole_start),
		cmocka_unit_test(test_layout_above_hole),
		cmocka_unit_test(test_layout_limits),
		cmocka_unit_test(test_layout_rejects),
		cmocka_unit_test(test_init_rw_exit),
		cmocka_unit_test(test_init_rejects_bad_size),
		cmocka_unit_test(test_exit_zeroed_struct),
		cmocka_unit_test(test_gpa_to_hva_bounds),
		cmocka_unit_test(test_gpa_to_hva_two_regions),
		cmocka_unit_test(test_read_write_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
