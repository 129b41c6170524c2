// SPDX-License-Identifier: GPL-2.0
/*
 * badptr: system calls with pointers that are not the caller's to give: NULL, an unmapped
 * page, a non-canonical address, a kernel address, and a path that runs into an unmapped
 * page.  Prints each call with its raw return value ("badptr: open 0x0 -14"), so that a
 * capture can be checked against what the program saw.  The kernel must fail each with
 * EFAULT (or ENOENT for the empty path) and the program must survive.
 */
#include "../libc/libc.h"

#define NR_READ 0
#define NR_WRITE 1
#define NR_OPEN 2
#define NR_OPENAT 257

static void report(const char *call, uint64_t ptr, long ret)
{
	printf("badptr: %s 0x%lx %ld\n", call, (unsigned long)ptr, ret);
}

int main(void)
{
	static const uint64_t ptrs[] = {
		0, /* NULL */
		0x1000, /* below every mapping */
		0x8000000000000000ull, /* not canonical */
		0xffffffff80000000ull, /* the kernel half */
	};
	char *page;
	unsigned int i;
	int fd = open("/etc/motd", O_RDONLY); /* read has bytes to copy: the copy must fail */

	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		report("open", ptrs[i], syscall(NR_OPEN, ptrs[i], O_RDONLY, 0));
		report("write", ptrs[i], syscall(NR_WRITE, 1, ptrs[i], 16));
		report("read", ptrs[i], syscall(NR_READ, fd, ptrs[i], 16));
	}
	/* "/tmp/" at the very end of a page, the next page unmapped. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || munmap(page + 4096, 4096)) {
		printf("badptr: cannot set up the page\n");
		return 1;
	}
	memcpy(page + 4096 - 5, "/tmp/", 5);
	report("openat", (uint64_t)(page + 4096 - 5),
	       syscall(NR_OPENAT, AT_FDCWD, page + 4096 - 5, O_RDONLY, 0));
	printf("badptr: ok\n");
	return 0;
}
