// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in guest kernel boots and runs its demo (hello, files, syscalls, tsx) to status
 * 0 on one and two vCPUs, and with no boot-info block at all (loaded as a plain ELF).  Each
 * program's output is checked: hello's greeting, the files checksum (computed here from the
 * same data, guests/user/files_data.h), every count printed by syscalls against its table
 * (guests/user/syscall_counts.def), and tsx's total on the lock path (the kernel hides RTM
 * unless booted with tsx=on).
 */
#include "../../guests/user/files_data.h"
#include "kernel_harness.h"

static const struct {
	int nr;
	const char *name;
	uint64_t times;
} expected_counts[] = {
#define SYSCALL_COUNT(nr, name, times) { nr, #name, times },
#include "../../guests/user/syscall_counts.def"
#undef SYSCALL_COUNT
};

static uint32_t files_checksum(void)
{
	uint32_t h = FILES_FNV_INIT;
	uint8_t b;
	uint64_t j;
	int i;

	for (i = 0; i < FILES_COUNT; i++)
		for (j = 0; j < files_size(i); j++) {
			b = files_byte(i, j);
			h = files_fnv(h, &b, 1);
		}
	return h;
}

static int check_files(const struct kernel_run *r)
{
	char want[96];

	snprintf(want, sizeof(want),
		 "files: %d files written, read back and removed, "
		 "checksum 0x%08x\n",
		 FILES_COUNT, files_checksum());
	KERNEL_EXPECT(r, want);
	KERNEL_EXPECT(r, "files: ok\n");
	return 0;
}

/* "syscalls: NAME NR COUNT" for every row of the table, with the table's count. */
static int check_syscall_counts(const struct kernel_run *r)
{
	unsigned int i;
	char want[96];

	for (i = 0; i < sizeof(expected_counts) / sizeof(expected_counts[0]); i++) {
		snprintf(want, sizeof(want), "syscalls: %s %d %llu\n", expected_counts[i].name,
			 expected_counts[i].nr, (unsigned long long)expected_counts[i].times);
		KERNEL_EXPECT(r, want);
	}
	KERNEL_EXPECT(r, "syscalls: ok\n");
	TEST_ASSERT(!strstr(r->out, "MISMATCH"), "%s", r->out);
	return 0;
}

static int check_demo(const struct kernel_run *r, int nr_vcpus)
{
	char want[64];

	TEST_ASSERT(r->status == 0, "status %d:\n%s", r->status, r->out);
	snprintf(want, sizeof(want), "vmscope guest kernel: %d CPU", nr_vcpus);
	KERNEL_EXPECT(r, want);
	KERNEL_EXPECT(r, "init: running: hello; files; syscalls; tsx\n");
	snprintf(want, sizeof(want), " of %d\n", nr_vcpus);
	TEST_ASSERT(kernel_line(r->out, "hello, world! pid ", 0) && strstr(r->out, want),
		    "no greeting:\n%s", r->out);
	KERNEL_EXPECT(r, "hello: /etc/motd says: Welcome to the vmscope guest kernel.\n");
	if (check_files(r) || check_syscall_counts(r))
		return -1;
	KERNEL_EXPECT(r, "tsx: auto mode: lock only (no RTM), 4 processes x 20000 increments\n");
	KERNEL_EXPECT(r, "tsx: counter 80000, expected 80000\n");
	KERNEL_EXPECT(r, "tsx: commits 0, lock acquisitions 80000,");
	KERNEL_EXPECT(r, "tsx: ok\n");
	KERNEL_EXPECT(r, "init: done, status 0\n");
	TEST_ASSERT(kernel_count_lines(r->out, "init: ") == 6, "init lines:\n%s", r->out);
	return 0;
}

static int test_demo(int nr_vcpus)
{
	struct kernel_run r;
	int ret;

	if (kernel_boot(NULL, nr_vcpus, &r))
		return -1;
	ret = check_demo(&r, nr_vcpus);
	kernel_run_free(&r);
	return ret;
}

static int test_demo_1(void)
{
	return test_demo(1);
}

static int test_demo_2(void)
{
	return test_demo(2);
}

/* Without the boot-info block the kernel assumes 64 MiB and runs the demo. */
static int test_no_bootinfo(void)
{
	struct kernel_run r;
	int ret;

	if (kernel_boot_opts(NULL, 1, 0, &r))
		return -1;
	ret = check_demo(&r, 1);
	kernel_run_free(&r);
	return ret;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "demo_1_vcpu", test_demo_1 },
		{ "demo_2_vcpus", test_demo_2 },
		{ "demo_without_boot_info", test_no_bootinfo },
	};

	return harness_main(cases, 3);
}
