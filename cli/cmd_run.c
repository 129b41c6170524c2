// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/boot.h"
#include "../core/devices.h"
#include "../core/err.h"
#include "../core/layout.h"
#include "../core/loader.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../guests/builtin.h"
#include "cli.h"

static volatile sig_atomic_t run_signal;

static void run_on_signal(int sig)
{
	run_signal = sig;
}

static int run_load(struct vm *vm, const struct run_opts *o, struct load_info *li)
{
	int ret;

	if (o->guest)
		ret = loader__load_file(&vm->mem, o->guest, o->load_addr, li);
	else
		ret = loader__load_elf(&vm->mem, builtin_demo_start,
				       builtin_demo_end - builtin_demo_start, li);
	if (ret && !o->guest) /* the file loader names the file itself */
		return err__wrap(ret, "cannot load the built-in guest");
	return ret;
}

static int run_boot(struct vm *vm, const struct run_opts *o, const struct load_info *li)
{
	struct boot_params p = {
		.mode = o->mode,
		.ring = o->ring,
		.entry = o->entry_set ? o->entry : li->entry,
		.stack = GPA_BOOT_STACK_TOP,
		.map_bytes = vm->mem.size < GPA_MMIO_HOLE_END ? GPA_MMIO_HOLE_END : vm->mem.size,
		.build_tables = 1,
	};

	return vm__boot(vm, &p);
}

static int run_open_console(const struct run_opts *o)
{
	int fd;

	if (!o->console)
		return dup(STDOUT_FILENO);
	fd = open(o->console, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err__set(errno, "cannot open console file %s: %s; check the path", o->console,
				strerror(errno));
	return fd;
}

static void run_print_stats(struct vm *vm, FILE *f)
{
	int i, r;

	fprintf(f, "%-16s %6s %12s\n", "exit reason", "vcpu", "count");
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct exit_stats *s = &vm->vcpus[i].stats;

		for (r = 0; r < EXIT_REASON_MAX; r++)
			if (s->reason[r])
				fprintf(f, "%-16s %6d %12llu\n", exit__reason_name(r), i,
					(unsigned long long)s->reason[r]);
		for (r = 0; r < EXIT_X_MAX; r++)
			if (s->extra[r])
				fprintf(f, "%-16s %6d %12llu\n", exit__extra_name(r), i,
					(unsigned long long)s->extra[r]);
	}
}

/* Wait for the guest, a signal or the timeout; returns the process exit status. */
static int run_wait(struct vm *vm, const struct run_opts *o)
{
	double waited = 0;

	signal(SIGINT, run_on_signal);
	signal(SIGTERM, run_on_signal);
	while (vm__wait(vm, 100) == -ETIMEDOUT) {
		waited += 0.1;
		if (run_signal)
			vm__request_stop(vm, 128 + run_signal, 1, "stopped by signal %d",
					 (int)run_signal);
		else if (o->timeout > 0 && waited >= o->timeout)
			vm__request_stop(vm, VM_STATUS_TIMEOUT, 1,
					 "timeout: the guest ran for %.1f s (--timeout)", o->timeout);
	}
	return vm->exit_status;
}

static int run_vm(struct vm *vm, const struct run_opts *o)
{
	struct load_info li;
	int ret;

	ret = run_load(vm, o, &li);
	if (!ret)
		ret = run_boot(vm, o, &li);
	if (!ret)
		ret = vm__start(vm);
	if (!ret)
		ret = devices__start_input(vm);
	if (ret) {
		fprintf(stderr, "vmscope: %s\n", err__msg(ret));
		return 1;
	}
	ret = run_wait(vm, o);
	fprintf(stderr, "vmscope: %s%s (exit status %d)\n", vm->failed ? "error: " : "",
		vm->stop_reason, ret);
	if (o->stats)
		run_print_stats(vm, stderr);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct vm_opts vo;
	struct vm vm;
	int ret = cli__parse_run(argc, argv, &o);

	if (ret == 1) {
		cli__run_usage(stdout);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(ret));
		return 2;
	}
	memset(&vo, 0, sizeof(vo));
	vo.mem_size = o.mem_size;
	vo.nr_vcpus = o.nr_vcpus;
	vo.no_irqchip = o.no_irqchip;
	vo.console_fd = run_open_console(&o);
	vo.input_fd = o.no_input ? -1 : STDIN_FILENO;
	if (vo.console_fd < 0) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(vo.console_fd));
		return 1;
	}
	ret = vm__create(&vm, &vo);
	if (ret) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(ret));
		vm__destroy(&vm);
		close(vo.console_fd);
		return 1;
	}
	ret = run_vm(&vm, &o);
	vm__destroy(&vm);
	close(vo.console_fd);
	return ret;
}
