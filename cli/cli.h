/* SPDX-License-Identifier: GPL-2.0 */
/* The vmscope command line: subcommands and their option parsing (parsing is pure). */
#ifndef VMSCOPE_CLI_H
#define VMSCOPE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "../core/boot.h"
#include "../gears/gears.h"
#include "../rtme/rtme.h"

struct run_opts {
	uint64_t mem_size;
	int nr_vcpus;
	const char *console; /* NULL: stdout */
	double timeout; /* seconds; 0: none */
	const char *guest; /* NULL: the built-in guest */
	enum boot_mode mode;
	int ring;
	uint64_t load_addr;
	uint64_t entry; /* 0: from the image */
	int entry_set;
	int no_irqchip;
	int no_input;
	int stats; /* print exit statistics at the end */
	unsigned int fixups; /* host adaptation (core/hostfix.h): HOSTFIX_AUTO by default */
	const char *trace_dir; /* --trace DIR; NULL: tracing off */
	uint64_t buffer_size; /* --buffer-size: bytes per ring; 0: default */
	int overwrite; /* --overwrite: flight-recorder mode */
	const char *guest_cmd; /* --guest-cmd: the built-in kernel's command line */
	int kernel_probes; /* -1: with --trace when available; 0: off; 1: asked for */
	uint32_t probe_mask; /* --kernel-probes=LIST (probes/probes.h); 0: the default set */
	const char *syscalls; /* --syscalls LIST (gears/); NULL: no capture */
	enum gears_mode syscall_mode; /* --syscall-mode */
	const char *mime_range; /* --mime-range START-END (mime/); NULL: none */
	uint64_t mime_start, mime_end, mime_cr3; /* ... parsed; --mime-cr3 */
	const char *mime_program; /* --mime-program NAME */
	const char *mime_symbol; /* --mime-symbol [PROGRAM:]FUNCTION: the range from symbols */
	int mime_ring; /* --mime-ring 0, 3 or -1 (either); MIME_RING_UNSET: from the image */
	double mime_from, mime_to; /* --mime-window FROM-TO */
	int rtme; /* --rtme (rtme/) */
	struct rtme_opts rtme_opts; /* --rtme-depth, --rtme-capacity ... */
	int mem_set, vcpus_set; /* --mem, --vcpus given */
	double ckpt_at; /* --checkpoint-at SEC FILE */
	const char *ckpt_at_file; /* NULL: none */
	const char *restore; /* --restore FILE; NULL: boot */
	const char *incoming; /* --incoming HOST:PORT; NULL: none */
};

/* The built-in guest kernel's programs, a NULL name last (guest_cmd.c). */
struct guest_program {
	const char *name, *description;
};
extern const struct guest_program guest_programs[];

/*
 * Every program --guest-cmd names (the first word of each command, past the kernel's
 * name=value options) is one of the built-in kernel's: 0, or -EINVAL with a message naming
 * it, the nearest program's name and the list.
 */
int guest_cmd__check(const char *cmd);

#define MIME_RING_UNSET (-2)

struct mime_opts;
/*
 * MIME's scope from the run's options: --mime-range, or --mime-symbol resolved from the
 * image's symbols (a built-in program's function: its program too), and the ring (--mime-ring,
 * else from the image: built-in kernel code 0, its programs 3, a GUEST booted at ring 3 3,
 * otherwise either).  0, or -errno with a message (mime_where.c).
 */
int mime_where__resolve(const struct run_opts *o, struct mime_opts *mo);

/* Parse `vmscope run` arguments (argv[0] is "run").  0, 1 for --help, or -EINVAL (message set). */
int cli__parse_run(int argc, char **argv, struct run_opts *o);

/* What top and live suggest when a VMM's reply is not the JSON they expect. */
#define CLI_REPLY_FIX "does the socket belong to a vmscope of this version ('vmscope version')?"

struct control_reader;
struct json_object;
/*
 * Send request and parse its JSON reply; an {"ok":false} reply becomes the error.  The
 * reply, or NULL with errno set and a message.
 */
struct json_object *cli__ask(struct control_reader *r, const char *request);

/*
 * One request to the VMM chosen by pid_arg (NULL: the only one running): its reply, or NULL
 * after a line on stderr that starts with "vmscope CMD: ".
 */
struct json_object *cli__ask_vmm(const char *cmd, const char *pid_arg, const char *request);

int cmd_run(int argc, char **argv);
int cmd_syscalls(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_guests(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

void cli__run_usage(FILE *f);

#endif
