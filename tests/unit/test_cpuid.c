// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpuid.h"
#include "../../lib/err.h"
#include "../../abi/layout.h"

#define IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* A host-like table: an 8-thread package with SMT, as KVM_GET_SUPPORTED_CPUID might give. */
static const struct kvm_cpuid_entry2 host_leaves[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	{ .function = 1,
	  .eax = 0x000906ea,
	  .ebx = 0x05100800,
	  .ecx = 0x00000001,
	  .edx = 0x178bfbff },
	{ .function = 4,
	  .index = 0,
	  .flags = IDX,
	  .eax = 0x1c004121,
	  .ebx = 0x01c0003f,
	  .ecx = 0x3f,
	  .edx = 0 },
	{ .function = 4,
	  .index = 1,
	  .flags = IDX,
	  .eax = 0x1c03c163,
	  .ebx = 0x03c0003f,
	  .ecx = 0x3fff,
	  .edx = 6 },
	{ .function = 0xb, .index = 0, .flags = IDX, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 5 },
	{ .function = 0xb, .index = 1, .flags = IDX, .eax = 4, .ebx = 8, .ecx = 0x201, .edx = 5 },
	{ .function = 0x40000000,
	  .eax = 0x40000001,
	  .ebx = 0x4b4d564b,
	  .ecx = 0x564b4d56,
	  .edx = 0x4d },
	{ .function = 0x80000008, .eax = 0x3027, .ecx = 0x7007 },
};

#define NR_HOST_LEAVES (sizeof(host_leaves) / sizeof(host_leaves[0]))
#define NR_VMSCOPE_LEAVES 3 /* 0x40000100, 0x40000101, 0x40000102 */

/* A table with room for extra entries, recorded in padding as cpuid__patch() expects. */
static struct kvm_cpuid2 *host_table(uint32_t extra)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + (NR_HOST_LEAVES + extra) * sizeof(c->entries[0]));
	assert_non_null(c);
	memcpy(c->entries, host_leaves, sizeof(host_leaves));
	c->nent = NR_HOST_LEAVES;
	c->padding = NR_HOST_LEAVES + extra;
	return c;
}

static const struct kvm_cpuid_entry2 *must_find(const struct kvm_cpuid2 *c, uint32_t fn,
						uint32_t index)
{
	const struct kvm_cpuid_entry2 *e = cpuid__find(c, fn, index);

	assert_non_null(e);
	return e;
}

static void check_leaf1(const struct kvm_cpuid2 *c, uint32_t nr, uint32_t id)
{
	const struct kvm_cpuid_entry2 *e = must_find(c, 1, 0);

	assert_int_equal(e->ebx >> 24, id);
	assert_int_equal((e->ebx >> 16) & 0xff, nr);
	assert_int_equal(e->ebx & 0xffff, 0x0800); /* CLFLUSH size and brand kept */
	assert_int_equal(!!(e->edx & (1u << 28)), nr > 1);
	assert_int_equal(e->edx & ~(1u << 28), 0x178bfbff & ~(1u << 28));
	assert_int_equal(e->ecx, 0x80000001);
	assert_int_equal(e->eax, 0x000906ea);
}

static void check_leaf4(const struct kvm_cpuid2 *c, uint32_t nr)
{
	const struct kvm_cpuid_entry2 *e;
	uint32_t i;

	for (i = 0; i < 2; i++) {
		e = must_find(c, 4, i);
		assert_int_equal(e->index, i);
		assert_int_equal(e->eax >> 26, nr - 1);
		assert_int_equal((e->eax >> 14) & 0xfff, 0);
		assert_int_equal(e->eax & 0x3fff, host_leaves[2 + i].eax & 0x3fff);
		assert_int_equal(e->ebx, host_leaves[2 + i].ebx);
		assert_int_equal(e->ecx, host_leaves[2 + i].ecx);
		assert_int_equal(e->edx, host_leaves[2 + i].edx);
	}
}

static void check_leaf_b(const struct kvm_cpuid2 *c, uint32_t nr, uint32_t id, uint32_t shift)
{
	const struct kvm_cpuid_entry2 *e;

	e = must_find(c, 0xb, 0);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 1);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, id);

	e = must_find(c, 0xb, 1);
	assert_int_equal(e->eax, shift);
	assert_int_equal(e->ebx, nr);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, id);
}

static void check_vmscope_leaves(const struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *e;
	char sig[13] = { 0 };

	e = must_find(c, 0x40000100, 0);
	assert_int_equal(e->eax, 0x40000102);
	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	assert_string_equal(sig, "vmscope VMM ");
	assert_int_equal(e->ebx, 0x63736d76); /* "vmsc" as a guest reads it from EBX */

	e = must_find(c, 0x40000101, 0);
	assert_int_equal(e->eax, 1);
	assert_int_equal(e->ebx, PORT_HYPERCALL);
	assert_int_equal(e->ecx, 0xd0000000);
	assert_int_equal(e->ecx, (uint32_t)GPA_HYPERCALL_MMIO);
	assert_int_equal(e->edx, PORT_DEBUG_EXIT);

	e = must_find(c, 0x40000102, 0);
	assert_int_equal(e->eax, 0); /* nothing emulated unless a run asks (--rtme) */
}

static void check_untouched(const struct kvm_cpuid2 *c)
{
	assert_memory_equal(must_find(c, 0, 0), &host_leaves[0], sizeof(host_leaves[0]));
	assert_memory_equal(must_find(c, 0x40000000, 0), &host_leaves[6], sizeof(host_leaves[0]));
}

static void check_patched(uint32_t nr, uint32_t id, uint32_t shift)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES);

	assert_int_equal(cpuid__patch(c, nr, id), 0);
	assert_int_equal(c->nent, NR_HOST_LEAVES + NR_VMSCOPE_LEAVES);
	check_leaf1(c, nr, id);
	check_leaf4(c, nr);
	check_leaf_b(c, nr, id, shift);
	assert_int_equal(must_find(c, 0x80000008, 0)->ecx, nr - 1);
	assert_int_equal(must_find(c, 0x80000008, 0)->eax, 0x3027);
	check_vmscope_leaves(c);
	check_untouched(c);
	free(c);
}

static void test_patch_one_vcpu(void **state)
{
	(void)state;
	check_patched(1, 0, 0);
}

static void test_patch_two_vcpus(void **state)
{
	(void)state;
	check_patched(2, 0, 1);
	check_patched(2, 1, 1);
}

static void test_patch_four_vcpus(void **state)
{
	(void)state;
	check_patched(4, 0, 2);
	check_patched(4, 3, 2);
}

static void test_patch_odd_counts(void **state)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES);

	(void)state;
	assert_int_equal(cpuid__patch(c, 3, 2), 0);
	assert_int_equal(must_find(c, 0xb, 1)->eax, 2);
	assert_int_equal(cpuid__patch(c, 5, 4), 0);
	assert_int_equal(must_find(c, 0xb, 1)->eax, 3);
	/* Re-patching updates the vmscope leaves in place. */
	assert_int_equal(c->nent, NR_HOST_LEAVES + NR_VMSCOPE_LEAVES);
	check_leaf1(c, 5, 4);
	free(c);
}

static void test_patch_rejects_bad_ids(void **state)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES);

	(void)state;
	assert_int_equal(cpuid__patch(c, 0, 0), -EINVAL);
	assert_int_equal(cpuid__patch(c, 4, 4), -EINVAL);
	assert_int_equal(cpuid__patch(c, 4, -1), -EINVAL);
	assert_memory_equal(c->entries, host_leaves, sizeof(host_leaves));
	free(c);
}

static void test_patch_no_room(void **state)
{
	struct kvm_cpuid2 *c;

	(void)state;
	c = host_table(0);
	err__clear();
	assert_int_equal(cpuid__patch(c, 2, 1), -ENOSPC);
	assert_non_null(strstr(err__msg(-ENOSPC), "CPUID"));
	assert_int_equal(c->nent, NR_HOST_LEAVES);
	assert_memory_equal(c->entries, host_leaves, sizeof(host_leaves));
	free(c);

	/* One free entry fewer than the leaves is not enough, and nothing is half-done. */
	c = host_table(NR_VMSCOPE_LEAVES - 1);
	assert_int_equal(cpuid__patch(c, 2, 1), -ENOSPC);
	assert_memory_equal(c->entries, host_leaves, sizeof(host_leaves));
	/* Padding 0 means "exactly nent". */
	c->padding = 0;
	assert_int_equal(cpuid__patch(c, 2, 1), -ENOSPC);
	free(c);
}

static void test_leaf4_terminator_kept(void **state)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES + 1);
	struct kvm_cpuid_entry2 *end = &c->entries[c->nent++];

	(void)state;
	memset(end, 0, sizeof(*end));
	end->function = 4;
	end->index = 2;
	end->flags = IDX;
	assert_int_equal(cpuid__patch(c, 4, 1), 0);
	assert_int_equal(must_find(c, 4, 2)->eax, 0);
	check_leaf4(c, 4);
	free(c);
}

static void test_higher_topology_levels_invalid(void **state)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES + 1);
	struct kvm_cpuid_entry2 *die = &c->entries[c->nent++];
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	*die = (struct kvm_cpuid_entry2){ .function = 0xb,
					  .index = 2,
					  .flags = IDX,
					  .eax = 6,
					  .ebx = 16,
					  .ecx = 0x502,
					  .edx = 5 };
	assert_int_equal(cpuid__patch(c, 2, 1), 0);
	e = must_find(c, 0xb, 2);
	assert_int_equal(e->eax, 0);
	assert_int_equal(e->ebx, 0);
	assert_int_equal(e->ecx, 2); /* level number only: type 0 = invalid */
	assert_int_equal(e->edx, 1);
	free(c);
}

/* KVM may give subleaf 0 of a topology leaf alone; subleaf 1 must then be added. */
static void test_topology_level_added(void **state)
{
	struct kvm_cpuid2 *c = host_table(NR_VMSCOPE_LEAVES + 2);
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	c->padding--; /* pretend one entry fewer was allocated */
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = 0x1f, .index = 0, .flags = IDX, .ebx = 1, .ecx = 0x100, .edx = 1
	};
	/* Two vmscope leaves and 0x1F subleaf 1 need three entries. */
	assert_int_equal(cpuid__patch(c, 4, 3), -ENOSPC);
	c->padding++;
	assert_int_equal(cpuid__patch(c, 4, 3), 0);
	assert_int_equal(c->nent, NR_HOST_LEAVES + NR_VMSCOPE_LEAVES + 2);
	e = must_find(c, 0x1f, 0);
	assert_int_equal(e->ecx, 0x100);
	assert_int_equal(e->edx, 3);
	e = must_find(c, 0x1f, 1);
	assert_int_equal(e->index, 1);
	assert_int_equal(e->flags, IDX);
	assert_int_equal(e->eax, 2);
	assert_int_equal(e->ebx, 4);
	assert_int_equal(e->ecx, 0x201);
	assert_int_equal(e->edx, 3);
	check_leaf_b(c, 4, 3, 2);
	check_vmscope_leaves(c);
	free(c);
}

static void test_for_vcpu(void **state)
{
	struct kvm_cpuid2 *host = host_table(0), *c;

	(void)state;
	host->padding = 0;
	c = cpuid__for_vcpu(host, 4, 3);
	assert_non_null(c);
	assert_int_equal(c->nent, NR_HOST_LEAVES + NR_VMSCOPE_LEAVES);
	assert_int_equal(c->padding, 0); /* handed to KVM as the uAPI expects */
	check_leaf1(c, 4, 3);
	check_leaf4(c, 4);
	check_leaf_b(c, 4, 3, 2);
	check_vmscope_leaves(c);
	check_untouched(c);
	/* The source is not modified. */
	assert_int_equal(host->nent, NR_HOST_LEAVES);
	assert_memory_equal(host->entries, host_leaves, sizeof(host_leaves));
	/* Patching the result again needs no room: the vmscope leaves exist. */
	assert_int_equal(cpuid__patch(c, 4, 2), 0);
	check_leaf_b(c, 4, 2, 2);
	free(c);

	errno = 0;
	assert_null(cpuid__for_vcpu(host, 2, 2));
	assert_int_equal(errno, EINVAL);
	assert_null(cpuid__for_vcpu(NULL, 1, 0));
	free(host);
}

static void test_find_with_index(void **state)
{
	struct kvm_cpuid2 *c = host_table(0);

	(void)state;
	assert_int_equal(must_find(c, 4, 0)->eax, 0x1c004121);
	assert_int_equal(must_find(c, 4, 1)->eax, 0x1c03c163);
	assert_null(cpuid__find(c, 4, 2));
	assert_int_equal(must_find(c, 0xb, 1)->ecx, 0x201);
	/* Without the significant-index flag the index does not matter, as in KVM. */
	assert_ptr_equal(cpuid__find(c, 1, 7), &c->entries[1]);
	assert_null(cpuid__find(c, 0x40000100, 0));
	assert_null(cpuid__find(c, 2, 0));
	free(c);
}

static void test_kvm_supported(void **state)
{
	struct kvm_cpuid2 *sup, *c;
	int fd;

	(void)state;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		print_message("skipping: cannot open /dev/kvm: %s\n", strerror(errno));
		skip();
	}
	sup = cpuid__supported(fd);
	if (!sup)
		print_message("%s\n", err__msg(-errno));
	assert_non_null(sup);
	assert_true(sup->nent > 0);
	assert_non_null(cpuid__find(sup, 0, 0));
	assert_null(cpuid__find(sup, 0x40000100, 0));

	c = cpuid__for_vcpu(sup, 2, 1);
	assert_non_null(c);
	assert_true(c->nent >= sup->nent + 2);
	check_vmscope_leaves(c);
	if (cpuid__find(c, 1, 0))
		assert_int_equal(cpuid__find(c, 1, 0)->ebx >> 24, 1);
	if (cpuid__find(c, 0xb, 0)) {
		assert_int_equal(must_find(c, 0xb, 1)->ebx, 2);
		assert_int_equal(must_find(c, 0xb, 1)->edx, 1);
	}
	free(c);
	free(sup);
	close(fd);
}

static void test_kvm_supported_bad_fd(void **state)
{
	(void)state;
	err__clear();
	errno = 0;
	assert_null(cpuid__supported(-1));
	assert_int_equal(errno, EBADF);
	assert_non_null(strstr(err__msg(-EBADF), "KVM_GET_SUPPORTED_CPUID"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patch_one_vcpu),
		cmocka_unit_test(test_patch_two_vcpus),
		cmocka_unit_test(test_patch_four_vcpus),
		cmocka_unit_test(test_patch_odd_counts),
		cmocka_unit_test(test_patch_rejects_bad_ids),
		cmocka_unit_test(test_patch_no_room),
		cmocka_unit_test(test_leaf4_terminator_kept),
		cmocka_unit_test(test_higher_topology_levels_invalid),
		cmocka_unit_test(test_topology_level_added),
		cmocka_unit_test(test_for_vcpu),
		cmocka_unit_test(test_find_with_index),
		cmocka_unit_test(test_kvm_supported),
		cmocka_unit_test(test_kvm_supported_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
