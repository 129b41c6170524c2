// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ckpt/ckpt.h"
#include "../core/boot.h"
#include "../core/bootinfo.h"
#include "../core/devices.h"
#include "../lib/err.h"
#include "../core/hostfix.h"
#include "../abi/layout.h"
#include "../core/loader.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../mime/mime.h"
#include "../probes/probes.h"
#include "../control/control.h"
#include "../trace/trace.h"
#include "cli.h"
#include "../host/host.h"

static volatile sig_atomic_t run_signal;

static void run_on_signal(int sig)
{
	run_signal = sig;
}

/*
 * The built-in guest kernel with its boot-info block (the demo, or --guest-cmd), or GUEST;
 * a GUEST gets the block only when --guest-cmd asks for it, since its memory is its own.
 */
static int run_load(struct vm *vm, const struct run_opts *o, struct load_info *li)
{
	int ret;

	if (!o->guest)
		return bootinfo__load_kernel(vm, o->guest_cmd, li);
	ret = loader__load_file(&vm->mem, o->guest, o->load_addr, li);
	if (!ret && o->guest_cmd)
		ret = bootinfo__write(&vm->mem, vm->nr_vcpus, o->guest_cmd, 0);
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
		return err__set(errno, "cannot open console file %s: %s; check the path",
				o->console, strerror(errno));
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

/* System-call capture (gears/, docs/gears.md), armed before the guest writes LSTAR. */
static int run_gears_setup(struct vm *vm, const struct run_opts *o)
{
	struct gears_opts go = { .syscalls = o->syscalls, .mode = o->syscall_mode };
	char sel[1024];
	int ret;

	if (go.mode == GEARS_TRAP)
		host__breakpoints(vm);
	ret = gears__setup(vm, &go);
	if (ret)
		return ret;
	gears__selection(vm, sel, sizeof(sel));
	fprintf(stderr, "vmscope: capturing system calls (%s): %s\n", gears__mechanism(vm),
		*sel ? sel : "none yet");
	return 0;
}

/* What a restored or migrated guest brought with it and goes on doing. */
static void run_features_restored(struct vm *vm)
{
	struct mime_opts mo;
	char sel[1024];

	if (gears__capturing(vm)) {
		gears__selection(vm, sel, sizeof(sel));
		fprintf(stderr, "vmscope: capturing system calls (%s), carried over: %s\n",
			gears__mechanism(vm), *sel ? sel : "none yet");
	}
	if (mime__active(vm, &mo))
		fprintf(stderr,
			"vmscope: tracing the memory references of 0x%llx-0x%llx, carried over\n",
			(unsigned long long)mo.start, (unsigned long long)mo.end);
}

/* MIME (mime/): the code range's references, from its first instruction's next run. */
static int run_mime_setup(struct vm *vm, const struct run_opts *o)
{
	struct mime_opts mo = { .cr3 = o->mime_cr3,
				.program = o->mime_program,
				.from_s = o->mime_from,
				.to_s = o->mime_to };
	int ret = mime_where__resolve(o, &mo);

	if (ret)
		return ret;
	if (mo.program && !vm->kernel_tasks)
		return err__set(EINVAL,
				"--mime-program: vmscope knows the processes of its "
				"built-in kernel only; give the address space with --mime-cr3");
	host__breakpoints(vm);
	ret = mime__setup(vm, &mo);
	if (ret)
		return ret;
	fprintf(stderr, "vmscope: tracing the memory references of %s%s0x%llx-0x%llx at %s%s%s\n",
		o->mime_symbol ? o->mime_symbol : "", o->mime_symbol ? ", " : "",
		(unsigned long long)mo.start, (unsigned long long)mo.end,
		mo.cpl == 0   ? "ring 0"
		: mo.cpl == 3 ? "ring 3"
			      : "either ring",
		mo.program ? " in program " : "", mo.program ? mo.program : "");
	if (mo.cpl < 0 && (hostfix__active(vm) & HOSTFIX_STEP3))
		fprintf(stderr,
			"vmscope: note: on this host only ring-0 runs of the range are seen "
			"(a breakpoint); for ring 3 give --mime-ring 3 (docs/mime.md)\n");
	if (mo.cpl == 3 && (hostfix__active(vm) & HOSTFIX_STEP3))
		fprintf(stderr,
			"vmscope: note: this host reaches ring-3 code only by stepping every "
			"instruction before it, which loses the vCPU when the guest kernel "
			"switches "
			"tasks: the range may not be reached (docs/mime.md)\n");
	return 0;
}

/* The RTM instructions of the guest's code: the built-in kernel's programs, or GUEST's. */
static int run_rtme_code(struct vm *vm, const struct run_opts *o, const struct load_info *li)
{
	if (!o->guest)
		return rtme__add_images(vm, li->low, li->high - li->low);
	if (li->is_elf)
		return rtme__add_elf_file(vm, o->guest);
	return rtme__add_code(vm, li->low, li->high - li->low, li->low);
}

/* RTME (rtme/): after the load, which it scans; before the start. */
static int run_rtme_setup(struct vm *vm, const struct run_opts *o, const struct load_info *li)
{
	int ret = rtme__setup(vm, &o->rtme_opts);

	if (ret)
		return ret;
	ret = run_rtme_code(vm, o, li);
	if (ret < 0)
		return err__wrap(ret, "--rtme");
	fprintf(stderr,
		"vmscope: RTME: RTM advertised to the guest; %d RTM instructions found in its "
		"code made to trap\n",
		ret);
	return 0;
}

/* --checkpoint-at: write it and say so.  1 if it failed (the guest runs on). */
static int run_checkpoint(struct vm *vm, const struct run_opts *o)
{
	struct ckpt_result res;
	int ret = ckpt__checkpoint(vm, o->ckpt_at_file, 0, vm->mem.size >= (256ull << 20), &res);

	if (ret) {
		fprintf(stderr, "vmscope: error: no checkpoint: %s; the guest runs on\n",
			err__msg(ret));
		return 1;
	}
	fprintf(stderr,
		"vmscope: checkpoint %016llx written to %s: %.1f MiB on disk, %.1f MiB of state "
		"for %llu MiB of RAM, guest paused %.1f ms, console at byte %llu\n",
		(unsigned long long)res.id, o->ckpt_at_file, res.disk_bytes / 1048576.0,
		res.state_bytes / 1048576.0, (unsigned long long)(res.mem_bytes >> 20),
		res.ns / 1e6, (unsigned long long)res.console_bytes);
	return 0;
}

/* Wait for the guest, a signal or the timeout; returns the process exit status. */
static int run_wait(struct vm *vm, const struct run_opts *o)
{
	int ckpt_done = !o->ckpt_at_file, ckpt_failed = 0;
	struct timespec t0, t;
	double waited;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (vm__wait(vm, o->ckpt_at_file ? 10 : 100) == -ETIMEDOUT) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
		if (!ckpt_done && waited >= o->ckpt_at) {
			ckpt_done = 1;
			ckpt_failed = run_checkpoint(vm, o);
		}
		if (run_signal)
			vm__request_stop(vm, 128 + run_signal, 1, "stopped by signal %d",
					 (int)run_signal);
		else if (o->timeout > 0 && waited >= o->timeout)
			vm__request_stop(vm, VM_STATUS_TIMEOUT, 1,
					 "timeout: the guest ran for %.1f s (--timeout)",
					 o->timeout);
	}
	if (!ckpt_done)
		fprintf(stderr,
			"vmscope: error: no checkpoint: the guest stopped before %.2f s "
			"(--checkpoint-at)\n",
			o->ckpt_at);
	return vm->exit_status ? vm->exit_status : ckpt_failed || !ckpt_done;
}

/*
 * Kernel probes for a trace (on unless --no-kernel-probes).  Where they cannot run, one line
 * says what is missing and the run goes on without them.
 */
static struct probes *run_probes_open(struct vm *vm, const struct run_opts *o)
{
	struct probes_opts po = { .mask = o->probe_mask,
				  .buffer_size = o->buffer_size * vm->nr_vcpus };
	struct probes *p;

	if (!o->trace_dir || !o->kernel_probes)
		return NULL;
	p = probes__open(vm, &po);
	if (!p)
		fprintf(stderr,
			"vmscope: %s; the trace has the exits vmscope sees and KVM's statistics "
			"only\n",
			err__msg(-errno));
	else
		fprintf(stderr, "vmscope: kernel probes on %s\n", probes__attached(p));
	return p;
}

static int run_trace_start(struct vm *vm, const struct run_opts *o, struct probes *probes,
			   struct ckpt_image *img, struct trace_session **s)
{
	const char *env[9];
	char id[32];
	int n = 0;
	struct trace_opts to = {
		.dir = o->trace_dir,
		.buffer_size = o->buffer_size,
		.overwrite = o->overwrite,
		.kernel_streams = probes != NULL,
		.kernel_probes = probes ? probes__attached(probes) : NULL,
		.env = env,
	};
	int ret;

	/* The capture's selection, and its mode and mechanism on this host. */
	if (o->syscalls) {
		env[n++] = "syscalls";
		env[n++] = o->syscalls;
		env[n++] = "syscall_mode";
		env[n++] = gears__mechanism(vm);
	}
	/* The checkpoint this run continues: its predecessor's trace has the same id. */
	if (img) {
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)ckpt__config(img)->id);
		env[n++] = "restored_from";
		env[n++] = o->restore;
		env[n++] = "checkpoint_id";
		env[n++] = id;
	}
	env[n] = NULL;
	if (!n)
		to.env = NULL;

	*s = NULL;
	if (!o->trace_dir)
		return 0;
	ret = vm__trace_start(vm, &to, s);
	if (!ret && probes)
		ret = probes__start(probes, *s);
	return err__wrap(ret, "cannot start tracing to %s", o->trace_dir);
}

/*
 * Complete the trace (the VM has stopped) and say where it is.  1 on error.  The session
 * stays allocated (the control thread may still hold it) until trace__free().
 */
static int run_trace_end(struct vm *vm, struct trace_session *s, struct probes *probes,
			 const struct run_opts *o)
{
	struct trace_stream_stats st[2 * VM_MAX_VCPUS + 1];
	struct probes_stats ps;
	uint64_t records = 0, lost = 0;
	int i, n, ret, pret = probes__stop(probes);

	if (pret) {
		fprintf(stderr, "vmscope: warning: %s\n", err__msg(pret));
		err__clear(); /* survived: the run's own errors must not print it */
	}
	if (!s)
		return 0;
	ret = vm__trace_stop(vm);
	n = trace__stream_stats(s, st, 2 * VM_MAX_VCPUS + 1);
	if (ret) {
		fprintf(stderr, "vmscope: error: the trace in %s is incomplete: %s\n", o->trace_dir,
			err__msg(ret));
		return 1;
	}
	for (i = 0; i < n && i < 2 * VM_MAX_VCPUS + 1; i++) {
		records += st[i].records;
		lost += st[i].lost + st[i].nested;
	}
	probes__stats(probes, &ps);
	lost += ps.lost;
	fprintf(stderr, "vmscope: trace written to %s (%llu records, %llu lost)\n", o->trace_dir,
		(unsigned long long)records, (unsigned long long)lost);
	return 0;
}

/*
 * What `info` (and so `vmscope top`) names as the guest: the GUEST's path, or the built-in
 * kernel with the command line it runs, from the run's options or the checkpoint's.
 */
static void run_guest_label(const struct run_opts *o, const struct ckpt_config *c, char *buf,
			    size_t size)
{
	const char *guest = c ? (c->guest[0] ? c->guest : NULL) : o->guest;
	const char *cmd = c ? (c->guest_cmd[0] ? c->guest_cmd : NULL) : o->guest_cmd;

	if (guest)
		snprintf(buf, size, "%s%s%s", guest, cmd ? " --guest-cmd " : "", cmd ? cmd : "");
	else if (cmd)
		snprintf(buf, size, "built-in kernel: %s", cmd);
	else
		snprintf(buf, size, "built-in kernel: %s (the demo)", BOOTINFO_DEFAULT_CMDLINE);
}

/* The control socket (docs/live.md); the guest runs without it if it cannot be made. */
static struct control *run_control_start(struct vm *vm, const struct run_opts *o,
					 const struct ckpt_config *cfg, struct trace_session *trace)
{
	char label[2100];
	struct control_opts co = { .vm = vm, .trace = trace, .guest = label };
	struct control *c;

	run_guest_label(o, cfg, label, sizeof(label));
	c = control__start(&co);

	if (!c) {
		fprintf(stderr, "vmscope: warning: no control socket (top, live): %s\n",
			err__msg(-errno));
		err__clear(); /* survived: the run goes on without it */
	}
	return c;
}

/* Where the guest comes from when it is not booted: a checkpoint, or a migration's source. */
struct run_src {
	struct ckpt_image *img;
	struct ckpt_incoming *in;
};

/* The guest: booted (GUEST or the built-in kernel), or continued from a checkpoint. */
static int run_guest(struct vm *vm, const struct run_opts *o, const struct run_src *src)
{
	const struct ckpt_config *c = src->img	? ckpt__config(src->img)
				      : src->in ? ckpt__incoming_config(src->in)
						: NULL;
	struct ckpt_run_info info = { .guest = o->guest,
				      .guest_cmd = o->guest_cmd,
				      .trace_dir = o->trace_dir };
	struct load_info li;
	int ret = 0;

	if (c) {
		host__breakpoints(vm); /* a saved capture may set breakpoints again */
		info.guest = c->guest[0] ? c->guest : NULL;
		info.guest_cmd = c->guest_cmd[0] ? c->guest_cmd : NULL;
		ret = src->img ? ckpt__restore(vm, src->img) : ckpt__incoming_receive(src->in, vm);
		if (ret && src->in)
			return err__wrap(ret, "migration from the source failed");
		if (!ret)
			run_features_restored(vm);
		return ret ?: ckpt__setup(vm, &info);
	}
	if (o->syscalls)
		ret = run_gears_setup(vm, o);
	if (!ret)
		ret = run_load(vm, o, &li);
	if (!ret && o->rtme)
		ret = run_rtme_setup(vm, o, &li);
	if (!ret)
		ret = run_boot(vm, o, &li);
	/* After the boot: the step engine arms single-step at the vCPUs' first RIP. */
	if (!ret && o->mime_range)
		ret = run_mime_setup(vm, o);
	return ret ?: ckpt__setup(vm, &info);
}

/* Tell a migration's source whether its guest runs here; it runs on there if not. */
static void run_answer(struct vm *vm, const struct run_src *src, int ret)
{
	int sent;

	if (!src->in)
		return;
	sent = ckpt__incoming_ack(src->in, !ret, ret ? err__msg(ret) : NULL);
	if (!ret && sent)
		vm__request_stop(vm, 1, 1,
				 "the source did not hear that the guest runs here (%s): stopped, "
				 "the guest runs on there",
				 err__msg(sent));
	else if (!ret)
		fprintf(stderr, "vmscope: migrated guest running (%llu bytes received)\n",
			(unsigned long long)ckpt__incoming_bytes(src->in));
}

static int run_vm(struct vm *vm, const struct run_opts *o, const struct run_src *src)
{
	struct ckpt_image *img = src->img;
	struct control *ctl = NULL;
	struct trace_session *trace = NULL;
	struct probes *probes = NULL;
	int ret;

	/*
	 * Before anything that others can see (the control socket): a SIGTERM from then on
	 * must end the run through its normal path, which finishes the trace and removes the
	 * socket; one that arrives during setup is acted on as soon as the guest runs.
	 */
	signal(SIGINT, run_on_signal);
	signal(SIGTERM, run_on_signal);
	/*
	 * A migrated guest arrives last: what takes time here (the kernel probes' BPF) is done
	 * while its source still runs, not in the downtime.
	 */
	ret = host__setup(vm, o->fixups);
	if (!ret && !src->in)
		ret = run_guest(vm, o, src);
	if (!ret)
		probes = run_probes_open(vm, o);
	if (!ret)
		ret = run_trace_start(vm, o, probes, img, &trace);
	if (!ret && src->in)
		ret = run_guest(vm, o, src);
	if (!ret && img)
		trace__lifecycle(trace, TRACE_LC_RESTORE, 0, ckpt__config(img)->id);
	if (!ret && src->in)
		trace__lifecycle(trace, TRACE_LC_MIGRATE_IN, 0, ckpt__incoming_bytes(src->in));
	if (!ret)
		ret = vm__start(vm);
	run_answer(vm, src, ret);
	if (!ret)
		ctl = run_control_start(vm, o,
					src->img  ? ckpt__config(src->img)
					: src->in ? ckpt__incoming_config(src->in)
						  : NULL,
					trace);
	if (!ret)
		ret = devices__start(vm);
	if (ret) {
		fprintf(stderr, "vmscope: %s\n", err__msg(ret));
		vm__request_stop(vm, 1, 1, "%s", err__msg(ret));
		vm__wait(vm, -1);
		run_trace_end(vm, trace, probes, o);
		control__stop(ctl);
		trace__free(trace);
		probes__free(probes);
		return 1;
	}
	ret = run_wait(vm, o);
	fprintf(stderr, "vmscope: %s%s (exit status %d)\n", vm->failed ? "error: " : "",
		vm->stop_reason, ret);
	if (run_trace_end(vm, trace, probes, o) && !ret)
		ret = 1;
	control__stop(ctl); /* after the trace's last records reached the subscribers */
	trace__free(trace); /* after the control thread, which may still hold the session */
	probes__free(probes);
	if (o->stats)
		run_print_stats(vm, stderr);
	vm__features_summary(vm, stderr);
	/* The report of the trace (vmscope report, cli/cmd_report.c) is printed here. */
	return ret;
}

/*
 * --restore: the checkpoint, checked; --incoming: the source, connected; and the VM either
 * describes.  0 or -errno.
 */
static int run_open_src(const struct run_opts *o, struct vm_opts *vo, struct run_src *src)
{
	const struct ckpt_config *c;
	int ret;

	memset(src, 0, sizeof(*src));
	/* Before the console file and the trace directory are made. */
	if (o->guest && (ret = loader__check_path(o->guest)))
		return ret;
	if (o->incoming) {
		ret = ckpt__incoming_open(o->incoming,
					  o->timeout > 0 ? (int)(o->timeout * 1000) : -1, &src->in);
		if (ret)
			return err__wrap(ret, "--incoming");
		c = ckpt__incoming_config(src->in);
	} else if (o->restore) {
		ret = ckpt__open(o->restore, &src->img);
		if (ret)
			return err__wrap(ret, "--restore");
		c = ckpt__config(src->img);
	} else {
		return 0;
	}
	vo->mem_size = c->mem_size;
	vo->nr_vcpus = c->nr_vcpus;
	vo->no_irqchip = !c->has_irqchip;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_src src;
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
	ret = run_open_src(&o, &vo, &src);
	if (ret) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(ret));
		return 1;
	}
	vo.console_fd = run_open_console(&o);
	vo.input_fd = o.no_input ? -1 : STDIN_FILENO;
	if (vo.console_fd < 0) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(vo.console_fd));
		ckpt__close(src.img);
		ckpt__incoming_close(src.in);
		return 1;
	}
	ret = vm__create(&vm, &vo);
	if (ret) {
		fprintf(stderr, "vmscope run: %s\n", err__msg(ret));
		if (src.in)
			ckpt__incoming_ack(src.in, 0, err__msg(ret));
		vm__destroy(&vm);
		ckpt__close(src.img);
		ckpt__incoming_close(src.in);
		close(vo.console_fd);
		return 1;
	}
	ret = run_vm(&vm, &o, &src);
	ckpt__close(src.img); /* before the memory it maps goes */
	ckpt__incoming_close(src.in);
	vm__destroy(&vm);
	close(vo.console_fd);
	return ret;
}
