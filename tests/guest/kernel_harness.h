/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tests of the built-in guest kernel (guests/kernel/, docs/guests.md): boot it in this
 * process with a command line for its init, as `vmscope run --guest-cmd` does (host
 * adaptation included), capture the console in a memfd, and look for lines in it.
 */
#ifndef VMSCOPE_KERNEL_HARNESS_H
#define VMSCOPE_KERNEL_HARNESS_H

#include <sys/mman.h>
#include <time.h>

#include "../../core/bootinfo.h"
#include "../../core/hostfix.h"
#include "../../guests/builtin.h"
#include "harness.h"
#include "../../host/host.h"

struct kernel_run {
	int status; /* the VM's exit status: init's, as the kernel shuts down */
	char *out; /* the console, NUL-terminated (kernel_run_free) */
	double seconds; /* from VM start to stop */
};

static double kh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *kh_read_all(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, len > 0 ? len + 1 : 1);

	if (buf && len > 0 && pread(fd, buf, len, 0) != len)
		buf[0] = '\0';
	return buf;
}

static int kh_start(struct vm *vm, const char *cmd, int bootinfo, int timeout_s)
{
	struct load_info li;
	struct boot_params p = {
		.mode = BOOT_LONG,
		.stack = GPA_BOOT_STACK_TOP,
		.map_bytes = GPA_MMIO_HOLE_END,
		.build_tables = 1,
	};
	int ret = host__setup(vm, HOSTFIX_AUTO);

	if (!ret && bootinfo)
		ret = bootinfo__load_kernel(vm, cmd, &li);
	else if (!ret)
		ret = loader__load_elf(&vm->mem, builtin_kernel_start,
				       builtin_kernel_end - builtin_kernel_start, &li);
	p.entry = li.entry;
	if (!ret)
		ret = vm__boot(vm, &p);
	if (!ret)
		ret = vm__start(vm);
	if (ret)
		return ret;
	if (vm__wait(vm, timeout_s * 1000) == -ETIMEDOUT) {
		vm__request_stop(vm, VM_STATUS_TIMEOUT, 1, "test timeout after %d s", timeout_s);
		vm__wait(vm, -1);
	}
	return 0;
}

/*
 * Boot the kernel on nr_vcpus running cmd (NULL: the demo); bootinfo 0 leaves the boot-info
 * block out, as when the kernel is loaded as an ordinary ELF.  0, or -1 if no VM ran.
 */
HARNESS_FN int kernel_boot_opts(const char *cmd, int nr_vcpus, int bootinfo, struct kernel_run *r)
{
	int fd = memfd_create("guest-console", MFD_CLOEXEC), ret;
	struct vm_opts vo = {
		.mem_size = 64ull << 20,
		.nr_vcpus = nr_vcpus,
		.console_fd = fd,
		.input_fd = -1,
	};
	struct vm vm;
	double t0;

	memset(r, 0, sizeof(*r));
	if (fd < 0 || vm__create(&vm, &vo)) {
		fprintf(stderr, "cannot create the VM: %s\n", err__last());
		return -1;
	}
	t0 = kh_now();
	ret = kh_start(&vm, cmd, bootinfo, 60);
	r->seconds = kh_now() - t0;
	r->status = ret ? -1 : vm.exit_status;
	if (ret)
		fprintf(stderr, "cannot boot the guest kernel: %s\n", err__msg(ret));
	else if (vm.failed)
		fprintf(stderr, "  vm stopped: %s\n", vm.stop_reason);
	vm__destroy(&vm);
	r->out = kh_read_all(fd);
	close(fd);
	printf("# %s on %d vCPU(s): status %d in %.2f s\n", cmd ? cmd : "(the demo)", nr_vcpus,
	       r->status, r->seconds);
	return ret ? -1 : 0;
}

HARNESS_FN int kernel_boot(const char *cmd, int nr_vcpus, struct kernel_run *r)
{
	return kernel_boot_opts(cmd, nr_vcpus, 1, r);
}

HARNESS_FN void kernel_run_free(struct kernel_run *r)
{
	free(r->out);
	r->out = NULL;
}

/* The first line of out that starts with prefix (NULL if none); after: lines to skip. */
HARNESS_FN const char *kernel_line(const char *out, const char *prefix, int after)
{
	const char *p = out;
	size_t n = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, n) && after-- == 0)
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* How many lines of out start with prefix. */
HARNESS_FN int kernel_count_lines(const char *out, const char *prefix)
{
	int n = 0;

	while (kernel_line(out, prefix, n))
		n++;
	return n;
}

/* Fail the test (returning -1) unless the console holds text; print the console then. */
#define KERNEL_EXPECT(r, text)                                                                     \
	TEST_ASSERT(strstr((r)->out, (text)), "no \"%s\" in the console:\n%s", (text), (r)->out)

#endif
