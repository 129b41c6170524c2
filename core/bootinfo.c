// SPDX-License-Identifier: GPL-2.0
/* The boot-info block for guest kernels (bootinfo.h) and booting the built-in kernel. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "../guests/builtin.h"
#include "bootinfo.h"
#include "../lib/err.h"
#include "../abi/kprofile.h"
#include "../abi/layout.h"
#include "loader.h"
#include "mem.h"
#include "vm.h"

int bootinfo__write(struct guest_mem *mem, int nr_vcpus, const char *cmdline, int ram_zero)
{
	struct bootinfo *bi = mem__gpa_to_hva(mem, GPA_BOOTINFO, sizeof(*bi));
	struct timespec ts;

	if (!cmdline)
		cmdline = BOOTINFO_DEFAULT_CMDLINE;
	if (strlen(cmdline) >= BOOTINFO_CMDLINE_MAX)
		return err__set(E2BIG, "the guest command line is %zu bytes; the limit is %d",
				strlen(cmdline), BOOTINFO_CMDLINE_MAX - 1);
	if (!bi)
		return err__set(EFAULT, "no RAM at 0x%llx for the boot-info block",
				(unsigned long long)GPA_BOOTINFO);
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOTINFO_MAGIC;
	bi->version = BOOTINFO_VERSION;
	bi->size = sizeof(*bi);
	bi->ram_size = mem->size;
	bi->nr_vcpus = nr_vcpus;
	bi->flags = ram_zero ? BOOTINFO_F_RAM_ZERO : 0;
	bi->wallclock_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	strcpy(bi->cmdline, cmdline);
	return 0;
}

int bootinfo__load_kernel(struct vm *vm, const char *cmdline, struct load_info *li)
{
	int ret = loader__load_elf(&vm->mem, builtin_kernel_start,
				   builtin_kernel_end - builtin_kernel_start, li);

	if (ret)
		return err__wrap(ret, "cannot load the built-in guest kernel");
	/* Its profile (abi/kprofile.h): GEARS names processes by it. */
	if (loader__elf_symbol(builtin_kernel_start, builtin_kernel_end - builtin_kernel_start,
			       KPROF_TASKS_SYMBOL, &vm->kernel_tasks))
		vm->kernel_tasks = 0;
	return bootinfo__write(&vm->mem, vm->nr_vcpus, cmdline, 1);
}
