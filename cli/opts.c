// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bootinfo.h"
#include "../lib/err.h"
#include "../core/hostfix.h"
#include "../abi/layout.h"
#include "../core/mem.h"
#include "../lib/parse.h"
#include "../gears/gears.h"
#include "../gears/syscalls.h"
#include "../mime/mime.h"
#include "../rtme/rtme.h"
#include "../probes/probes.h"
#include "cli.h"

/*
 * The words getopt reads (cli__parse_run sets them), for an option that takes more than one
 * (--checkpoint-at); like getopt's own optind, for one parse at a time.
 */
static struct {
	int argc;
	char **argv;
} words;

/*
 * One option of `vmscope run`: its names, its argument, its help and its parser, in one
 * place; the help, getopt's table and the dispatch are made from run_opts_table[] below.
 * help: the text after the option's column, lines separated by '\n'.  parse: 0, 1 (stop:
 * --help) or -errno with a message.
 */
struct run_opt {
	const char *name;
	char short_name; /* or 0 */
	int has_arg; /* no_argument, required_argument, optional_argument */
	const char *arg; /* how the help names the argument ("SIZE") */
	const char *help;
	int (*parse)(struct run_opts *o, const char *arg);
};

#define HELP_COLUMN 24

static int parse_mem(struct run_opts *o, const char *arg)
{
	o->mem_set = 1;
	return parse__size(arg, &o->mem_size);
}

static int parse_vcpus(struct run_opts *o, const char *s)
{
	uint64_t v;

	o->vcpus_set = 1;
	if (parse__u64(s, "--vcpus", &v))
		return -EINVAL;
	if (v < 1 || v > 64)
		return err__set(EINVAL, "--vcpus %s is out of range; use 1 to 64", s);
	o->nr_vcpus = v;
	return 0;
}

static int parse_console(struct run_opts *o, const char *arg)
{
	o->console = arg;
	return 0;
}

static int parse_timeout(struct run_opts *o, const char *s)
{
	char *end;

	errno = 0;
	o->timeout = strtod(s, &end);
	if (errno || *end || !*s || !(o->timeout > 0) || o->timeout > 1e6)
		return err__set(
			EINVAL,
			"--timeout '%s' is not a positive number of seconds; e.g. --timeout "
			"10 or 0.5",
			s);
	return 0;
}

static int parse_mode(struct run_opts *o, const char *arg)
{
	return boot__parse_mode(arg, &o->mode);
}

static int parse_ring(struct run_opts *o, const char *s)
{
	if (strcmp(s, "0") && strcmp(s, "3"))
		return err__set(EINVAL, "--ring '%s': vmscope starts vCPUs at ring 0 or 3", s);
	o->ring = atoi(s);
	return 0;
}

static int parse_load_addr(struct run_opts *o, const char *arg)
{
	return parse__u64(arg, "--load-addr", &o->load_addr);
}

static int parse_entry(struct run_opts *o, const char *arg)
{
	o->entry_set = 1;
	return parse__u64(arg, "--entry", &o->entry);
}

/* The parser of an option that turns one flag of struct run_opts on. */
#define FLAG_PARSER(fn, field)                                                                     \
	static int fn(struct run_opts *o, const char *arg)                                         \
	{                                                                                          \
		(void)arg;                                                                         \
		o->field = 1;                                                                      \
		return 0;                                                                          \
	}

FLAG_PARSER(parse_no_irqchip, no_irqchip)
FLAG_PARSER(parse_no_input, no_input)
FLAG_PARSER(parse_stats, stats)
FLAG_PARSER(parse_overwrite, overwrite)
FLAG_PARSER(parse_rtme, rtme)
FLAG_PARSER(parse_rtme_memref, rtme_opts.memref)

static int parse_fixups(struct run_opts *o, const char *arg)
{
	return hostfix__parse(arg, &o->fixups);
}

static int parse_trace(struct run_opts *o, const char *arg)
{
	o->trace_dir = arg;
	return 0;
}

static int parse_buffer_size(struct run_opts *o, const char *arg)
{
	if (parse__size(arg, &o->buffer_size))
		return err__set(EINVAL,
				"--buffer-size '%s' is not a size; give bytes with an optional K "
				"or M suffix, e.g. --buffer-size 4M",
				arg);
	return o->buffer_size ? 0 : err__set(EINVAL, "--buffer-size must not be 0");
}

static int parse_guest_cmd(struct run_opts *o, const char *arg)
{
	if (strlen(arg) >= BOOTINFO_CMDLINE_MAX)
		return err__set(EINVAL, "--guest-cmd is %zu bytes long; the limit is %d",
				strlen(arg), BOOTINFO_CMDLINE_MAX - 1);
	o->guest_cmd = arg;
	return 0;
}

static int parse_kernel_probes(struct run_opts *o, const char *arg)
{
	o->kernel_probes = 1;
	if (arg && probes__parse(arg, &o->probe_mask))
		return -EINVAL;
	if (arg && !o->probe_mask)
		o->kernel_probes = 0; /* --kernel-probes=none */
	return 0;
}

static int parse_no_kernel_probes(struct run_opts *o, const char *arg)
{
	(void)arg;
	o->kernel_probes = 0;
	return 0;
}

static int parse_syscalls(struct run_opts *o, const char *arg)
{
	struct syscall_set set;

	o->syscalls = arg;
	return syscall_set__parse(&set, arg) ? err__wrap(-EINVAL, "--syscalls") : 0;
}

static int parse_syscall_mode(struct run_opts *o, const char *arg)
{
	return gears__parse_mode(arg, &o->syscall_mode);
}

static int parse_mime_range(struct run_opts *o, const char *arg)
{
	if (o->mime_symbol)
		return err__set(EINVAL, "give --mime-range or --mime-symbol, not both");
	o->mime_range = arg;
	return mime__parse_range(arg, &o->mime_start, &o->mime_end);
}

static int parse_mime_symbol(struct run_opts *o, const char *arg)
{
	if (o->mime_range)
		return err__set(EINVAL, "give --mime-range or --mime-symbol, not both");
	if (!*arg || arg[strlen(arg) - 1] == ':' || arg[0] == ':')
		return err__set(EINVAL,
				"--mime-symbol '%s': give FUNCTION, or PROGRAM:FUNCTION for a "
				"built-in program's",
				arg);
	o->mime_symbol = o->mime_range = arg;
	return 0;
}

static int parse_mime_ring(struct run_opts *o, const char *arg)
{
	if (strcmp(arg, "0") && strcmp(arg, "3") && strcmp(arg, "any"))
		return err__set(EINVAL, "--mime-ring '%s': give 0, 3 or any", arg);
	o->mime_ring = !strcmp(arg, "any") ? -1 : atoi(arg);
	return 0;
}

static int parse_mime_cr3(struct run_opts *o, const char *arg)
{
	return parse__u64(arg, "--mime-cr3", &o->mime_cr3);
}

static int parse_mime_program(struct run_opts *o, const char *arg)
{
	o->mime_program = arg;
	if (!*arg || strlen(arg) > 15)
		return err__set(EINVAL, "--mime-program '%s': a program name of 1 to 15 characters",
				arg);
	return 0;
}

static int parse_mime_window(struct run_opts *o, const char *arg)
{
	return mime__parse_window(arg, &o->mime_from, &o->mime_to);
}

static int parse_rtme_depth(struct run_opts *o, const char *s)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (end == s || *end || v < 1 || v > 255)
		return err__set(EINVAL, "--rtme-depth '%s': give a nesting depth from 1 to 255", s);
	o->rtme_opts.max_depth = (int)v;
	return 0;
}

static int parse_rtme_capacity(struct run_opts *o, const char *arg)
{
	return rtme__parse_capacity(arg, &o->rtme_opts.read_lines, &o->rtme_opts.write_lines);
}

static int parse_rtme_abort_rate(struct run_opts *o, const char *s)
{
	char *end;
	double *rate = &o->rtme_opts.abort_rate;

	*rate = strtod(s, &end);
	if (end == s || *end || !(*rate >= 0 && *rate <= 1))
		return err__set(EINVAL,
				"--rtme-abort-rate '%s': give the share of transactions to abort, "
				"from 0 to 1 (e.g. 0.1)",
				s);
	return 0;
}

static int parse_rtme_seed(struct run_opts *o, const char *arg)
{
	return parse__u64(arg, "--rtme-seed", &o->rtme_opts.seed);
}

static int parse_rtme_irq_defer(struct run_opts *o, const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 0);

	if (end == arg || *end || n < 0 || n > 100000000)
		return err__set(EINVAL,
				"--rtme-irq-defer '%s': give a number of instructions from 0 "
				"(every interrupt aborts at once) to 100000000",
				arg);
	o->rtme_opts.irq_defer = n ? (int)n : -1;
	return 0;
}

/* --checkpoint-at SEC FILE: FILE is the next word, taken here from getopt's list. */
static int parse_checkpoint_at(struct run_opts *o, const char *sec)
{
	char *end;

	errno = 0;
	o->ckpt_at = strtod(sec, &end);
	if (errno || *end || !*sec || !(o->ckpt_at >= 0) || o->ckpt_at > 1e6)
		return err__set(EINVAL,
				"--checkpoint-at '%s': give seconds after the start, then the file "
				"(e.g. --checkpoint-at 1.5 /tmp/guest.ckpt)",
				sec);
	if (optind >= words.argc || words.argv[optind][0] == '-' || !words.argv[optind][0])
		return err__set(EINVAL,
				"--checkpoint-at %s needs the FILE to write after the "
				"seconds (e.g. --checkpoint-at 1.5 /tmp/guest.ckpt)",
				sec);
	o->ckpt_at_file = words.argv[optind++];
	return 0;
}

static int parse_restore(struct run_opts *o, const char *arg)
{
	o->restore = arg;
	return 0;
}

static int parse_incoming(struct run_opts *o, const char *arg)
{
	o->incoming = arg;
	return strchr(arg, ':') ? 0
				: err__set(EINVAL,
					   "--incoming '%s': give HOST:PORT to listen on (e.g. "
					   "127.0.0.1:4444)",
					   arg);
}

static int parse_help(struct run_opts *o, const char *arg)
{
	(void)o, (void)arg;
	return 1;
}

/* The help's numbers are written out; these keep them true. */
_Static_assert(GPA_DEFAULT_LOAD == 0x100000, "--load-addr's help names the default");
_Static_assert(GPA_BOOTINFO == 0x8000, "--guest-cmd's help names the boot-info block");
_Static_assert(RTME_DEFAULT_DEPTH == 7, "--rtme-depth's help names the default");
_Static_assert(RTME_DEFAULT_READ_LINES == 4096 && RTME_DEFAULT_WRITE_LINES == 512,
	       "--rtme-capacity's help names the default");
_Static_assert(RTME_DEFAULT_IRQ_DEFER == 1000, "--rtme-irq-defer's help names the default");

/* Every option of `vmscope run`, in the help's order. */
static const struct run_opt run_opts_table[] = {
	{ "mem", 'm', required_argument, "SIZE", "guest RAM, with suffix K, M or G (default 64M)",
	  parse_mem },
	{ "vcpus", 'c', required_argument, "N", "number of vCPUs (default 1)", parse_vcpus },
	{ "console", 'o', required_argument, "FILE",
	  "write guest serial output (COM1) to FILE, not stdout", parse_console },
	{ "timeout", 't', required_argument, "SEC",
	  "stop the guest after SEC seconds (exit status 124)", parse_timeout },
	{ "mode", 0, required_argument, "MODE",
	  "start vCPUs in real, protected or long mode (default long)", parse_mode },
	{ "ring", 0, required_argument, "N", "start at ring 0 or 3 (long mode only; default 0)",
	  parse_ring },
	{ "load-addr", 0, required_argument, "ADDR",
	  "guest-physical address of a flat binary (default 0x100000)", parse_load_addr },
	{ "entry", 0, required_argument, "ADDR",
	  "start here instead of the ELF entry or the load address", parse_entry },
	{ "no-irqchip", 0, no_argument, NULL,
	  "no in-kernel PIC/IOAPIC/LAPIC/PIT (HLT then ends a vCPU)", parse_no_irqchip },
	{ "no-input", 0, no_argument, NULL, "do not forward stdin to the guest's serial port",
	  parse_no_input },
	{ "stats", 0, no_argument, NULL, "print exit counts per reason and vCPU when the run ends",
	  parse_stats },
	{ "fixups", 0, required_argument, "LIST",
	  "host adaptation: auto (default: what the host self-test\n"
	  "finds), none, all, or a comma list of syscall, int-n,\n"
	  "emulate, step-ring3, step-ring0 (see 'vmscope caps',\n"
	  "docs/hosts.md)",
	  parse_fixups },
	{ "trace", 0, required_argument, "DIR",
	  "trace every exit, the console and the VM's lifecycle to\n"
	  "DIR as CTF 1.8 (read it with 'babeltrace2 DIR')",
	  parse_trace },
	{ "buffer-size", 0, required_argument, "SIZE",
	  "bytes per trace ring (one per vCPU, one for the host),\n"
	  "suffix K or M, rounded up to a power of two (default 4M)",
	  parse_buffer_size },
	{ "overwrite", 0, no_argument, NULL,
	  "flight recorder: keep the newest records in the rings and\n"
	  "write them at the end or on SIGUSR2",
	  parse_overwrite },
	{ "kernel-probes", 0, optional_argument, "[=LIST]",
	  "with --trace (on by default where BPF and BTF\n"
	  "allow): KVM's tracepoints, seen by BPF programs, in a\n"
	  "kernel stream per vCPU; LIST: default, all (adds the\n"
	  "opt-in kvm_emulate_insn), none, or tracepoint names\n"
	  "(docs/probes.md)",
	  parse_kernel_probes },
	{ "no-kernel-probes", 0, no_argument, NULL, "trace without them", parse_no_kernel_probes },
	{ "syscalls", 0, required_argument, "LIST",
	  "capture these guest system calls (GEARS, docs/gears.md;\n"
	  "LIST below); events syscall_entry/syscall_exit in the\n"
	  "--trace; a checkpoint or migration carries the capture",
	  parse_syscalls },
	{ "syscall-mode", 0, required_argument, "M",
	  "filter (default: only selected calls leave the guest)\n"
	  "or trap (every call exits once: a hardware breakpoint\n"
	  "where they fire, else the entry stub; where vmscope\n"
	  "completes SYSCALL itself, both ride on that exit)",
	  parse_syscall_mode },
	{ "mime-range", 0, required_argument, "S-E",
	  "record the memory references of the code at [S, E)\n"
	  "(MIME): memref events in the --trace, each with its\n"
	  "instruction, addresses, size, direction and value; a\n"
	  "checkpoint or migration carries the tracing",
	  parse_mime_range },
	{ "mime-symbol", 0, required_argument, "F",
	  "... of function F, from the image's symbols (GUEST's,\n"
	  "or the built-in kernel's); PROGRAM:F for a function\n"
	  "of a built-in program (e.g. tsx:worker)",
	  parse_mime_symbol },
	{ "mime-ring", 0, required_argument, "R",
	  "... run at ring R: 0, 3 or any (default: from the\n"
	  "image: the built-in kernel's code 0, its programs 3)",
	  parse_mime_ring },
	{ "mime-cr3", 0, required_argument, "X", "... only in address space X", parse_mime_cr3 },
	{ "mime-program", 0, required_argument, "P",
	  "... only while a process running program P runs it\n"
	  "(the built-in kernel, whose processes vmscope knows)",
	  parse_mime_program },
	{ "mime-window", 0, required_argument, "F-T",
	  "... only from F to T seconds after the start (T may be\n"
	  "left out)",
	  parse_mime_window },
	{ "rtme", 0, no_argument, NULL,
	  "emulate Intel RTM (XBEGIN, XEND, XABORT, XTEST) for\n"
	  "the guest, advertised in CPUID (RTME, docs/rtme.md);\n"
	  "events tx_begin, tx_commit, tx_abort in the --trace",
	  parse_rtme },
	{ "rtme-depth", 0, required_argument, "N", "... the maximum nesting depth (default 7)",
	  parse_rtme_depth },
	{ "rtme-capacity", 0, required_argument, "R:W",
	  "... read and write set sizes in 64-byte lines\n"
	  "(default 4096:512)",
	  parse_rtme_capacity },
	{ "rtme-abort-rate", 0, required_argument, "P",
	  "... abort this share of transactions at XBEGIN\n"
	  "(0 to 1; EAX = RETRY)",
	  parse_rtme_abort_rate },
	{ "rtme-seed", 0, required_argument, "N", "... the seed of that choice", parse_rtme_seed },
	{ "rtme-irq-defer", 0, required_argument, "N",
	  "... interrupts wait while a transaction has run fewer\n"
	  "than N instructions (default 1000: about a CPU's\n"
	  "microsecond; 0: every interrupt aborts at once)",
	  parse_rtme_irq_defer },
	{ "rtme-memref", 0, no_argument, NULL,
	  "... and a memref event for every reference a\n"
	  "transaction makes (MIME's, while it is live)",
	  parse_rtme_memref },
	{ "checkpoint-at", 0, required_argument, "SEC FILE",
	  "checkpoint the guest to FILE SEC seconds after\n"
	  "the start, then let it run on (docs/checkpoint.md)",
	  parse_checkpoint_at },
	{ "restore", 0, required_argument, "FILE",
	  "continue the guest of checkpoint FILE instead of booting\n"
	  "one: memory, vCPUs, devices and clock as they were (its\n"
	  "memory is mapped, not read: restoring costs its state)",
	  parse_restore },
	{ "incoming", 0, required_argument, "HOST:PORT",
	  "wait there for 'vmscope migrate' and run the guest it\n"
	  "sends (live migration; docs/checkpoint.md)",
	  parse_incoming },
	{ "guest-cmd", 0, required_argument, "CMD",
	  "the built-in kernel runs CMD instead of the demo: programs\n"
	  "with arguments, separated by ; (in turn) or & (at once),\n"
	  "e.g. \"memwalk 1M random\"; leading name=value words are\n"
	  "kernel options (tsx=on); with a GUEST, CMD goes to its\n"
	  "boot-info block at 0x8000 (docs/guests.md)",
	  parse_guest_cmd },
	{ "help", 'h', no_argument, NULL, "show this help", parse_help },
};

#define NR_RUN_OPTS (sizeof(run_opts_table) / sizeof(run_opts_table[0]))

/* One option's help: "  -m, --mem SIZE" in its column, then its lines. */
static void opt_usage(FILE *f, const struct run_opt *r)
{
	const char *line = r->help, *nl;
	int n;

	if (r->short_name)
		n = fprintf(f, "  -%c, --%s", r->short_name, r->name);
	else
		n = fprintf(f, "      --%s", r->name);
	if (r->arg)
		n += fprintf(f, r->arg[0] == '[' ? "%s" : " %s", r->arg);
	fprintf(f, "%*s", n < HELP_COLUMN - 1 ? HELP_COLUMN - n : 2, "");
	for (; (nl = strchr(line, '\n')); line = nl + 1)
		fprintf(f, "%.*s\n%*s", (int)(nl - line), line, HELP_COLUMN, "");
	fprintf(f, "%s\n", line);
}

void cli__run_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: vmscope run [OPTIONS] [GUEST]\n"
		"\n"
		"Boot GUEST (an ELF64 executable or a flat binary) in a new KVM virtual machine;\n"
		"with no GUEST, boot the built-in guest kernel, which runs the demo (%s)\n"
		"or the programs of --guest-cmd ('vmscope guests' lists them).\n"
		"\n",
		BOOTINFO_DEFAULT_CMDLINE);
	for (i = 0; i < NR_RUN_OPTS; i++)
		opt_usage(f, &run_opts_table[i]);
	fprintf(f,
		"\n"
		"Every vCPU starts at the entry point with RDI = its index and RSI = the number\n"
		"of vCPUs; vCPU N's stack is 16 KiB below the previous one's, under 0x%x.\n"
		"\n"
		"--syscalls LIST holds, separated by commas: %s.\n"
		"\n"
		"While it runs, the VMM answers on a control socket (/run/vmscope/PID.sock as\n"
		"root): 'vmscope top', 'vmscope live' and 'vmscope checkpoint' use it\n"
		"(docs/live.md).\n"
		"\n"
		"Exit status: the status the guest wrote to the debug-exit port (0x%x) or sent\n"
		"with UCALL_DONE; 124 on --timeout; 125 when the guest crashed (triple fault,\n"
		"an instruction KVM could not run, a failed guest assertion); 1 on any other\n"
		"error, 2 on a usage error.\n",
		(unsigned)GPA_BOOT_STACK_TOP, SYSCALL_SELECTION_FORMS, PORT_DEBUG_EXIT);
}

/* What --restore and --incoming take from elsewhere, or what cannot be checkpointed, given. */
static int check_ckpt(const struct run_opts *o, int argc)
{
	const char *src = o->restore ? "--restore" : "--incoming";

	if (o->restore && o->incoming)
		return err__set(EINVAL, "--restore and --incoming both bring a guest; give one");
	if ((o->restore || o->incoming) &&
	    (optind < argc || o->guest_cmd || o->mem_set || o->vcpus_set || o->entry_set ||
	     o->ring || o->mode != BOOT_LONG || o->no_irqchip || o->load_addr != GPA_DEFAULT_LOAD))
		return err__set(EINVAL,
				"%s takes no GUEST, --guest-cmd, --mem, --vcpus, --mode, --ring, "
				"--entry, --load-addr or --no-irqchip: the %s sets the VM and its "
				"guest",
				src, o->restore ? "checkpoint" : "source");
	if ((o->restore || o->incoming) && o->syscalls)
		return err__set(EINVAL,
				"%s takes no --syscalls: a capture the checkpoint holds goes on "
				"by itself; change its selection with vmscope syscalls",
				src);
	if ((o->restore || o->incoming) && o->mime_range)
		return err__set(EINVAL,
				"%s takes no --mime-range or --mime-symbol: MIME's tracing, if the "
				"checkpoint holds it, goes on by itself",
				src);
	if ((o->restore || o->incoming || o->ckpt_at_file) && o->rtme)
		return err__set(EINVAL,
				"%s cannot go with --rtme: RTME's state is not in a checkpoint yet",
				o->ckpt_at_file ? "--checkpoint-at" : src);
	return 0;
}

static void run_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mem_size = 64ull << 20;
	o->nr_vcpus = 1;
	o->mode = BOOT_LONG;
	o->load_addr = GPA_DEFAULT_LOAD;
	o->fixups = HOSTFIX_AUTO;
	o->kernel_probes = -1;
	o->syscall_mode = GEARS_FILTER;
	o->mime_ring = MIME_RING_UNSET;
}

static int check_run(const struct run_opts *o, int argc, char **argv)
{
	if (argc - optind > 1)
		return err__set(EINVAL, "vmscope run takes one GUEST, got '%s' and '%s'",
				argv[optind], argv[optind + 1]);
	if (o->ring == 3 && o->mode != BOOT_LONG)
		return err__set(EINVAL, "--ring 3 needs --mode long");
	if (o->mime_range && !o->trace_dir)
		return err__set(EINVAL, "--mime-range records memref events in a trace; add "
					"--trace DIR");
	if ((o->mime_cr3 || o->mime_program || o->mime_from > 0 || o->mime_to > 0 ||
	     o->mime_ring != MIME_RING_UNSET) &&
	    !o->mime_range)
		return err__set(EINVAL, "--mime-cr3, --mime-program, --mime-window and --mime-ring "
					"narrow --mime-range or --mime-symbol; give one of them "
					"too");
	if (!o->rtme &&
	    (o->rtme_opts.max_depth || o->rtme_opts.read_lines || o->rtme_opts.abort_rate > 0 ||
	     o->rtme_opts.seed || o->rtme_opts.memref || o->rtme_opts.irq_defer))
		return err__set(EINVAL, "--rtme-depth, --rtme-capacity, --rtme-abort-rate, "
					"--rtme-irq-defer, "
					"--rtme-seed and --rtme-memref set up --rtme; add --rtme");
	if (o->rtme && o->mime_range)
		return err__set(EINVAL, "--rtme and --mime-range both step the vCPUs and cannot "
					"run together; for a transaction's references use "
					"--rtme --rtme-memref");
	if (o->rtme_opts.memref && !o->trace_dir)
		return err__set(EINVAL, "--rtme-memref records memref events in a trace; add "
					"--trace DIR");
	if ((o->buffer_size || o->overwrite) && !o->trace_dir)
		return err__set(EINVAL, "%s only applies to a trace; add --trace DIR",
				o->overwrite ? "--overwrite" : "--buffer-size");
	if (o->kernel_probes == 1 && !o->trace_dir)
		return err__set(EINVAL, "--kernel-probes records into a trace; add --trace DIR");
	/* The built-in kernel's programs are known; a GUEST's own are not. */
	if (o->guest_cmd && optind >= argc && guest_cmd__check(o->guest_cmd))
		return -EINVAL;
	return check_ckpt(o, argc);
}

static int run_bad_option(int c, char **argv)
{
	const char *what = c == ':' ? "missing value for" : "unknown";

	const char *word = optind > 0 ? argv[optind - 1] : "";

	/* A long option is the word getopt just read; a short one (maybe in a cluster) optopt. */
	if (!strncmp(word, "--", 2) || !optopt)
		return err__set(EINVAL, "%s option '%s'; see 'vmscope run --help'", what, word);
	return err__set(EINVAL, "%s option '-%c'; see 'vmscope run --help'", what, optopt);
}

/* getopt's view of the table: an option's index in it is its value, past the short ones. */
#define OPT_BASE 256

static void run_getopt_table(struct option *lo, char *shorts)
{
	size_t i, n = 0;

	*shorts++ = ':';
	for (i = 0; i < NR_RUN_OPTS; i++) {
		const struct run_opt *r = &run_opts_table[i];

		lo[i] = (struct option){ r->name, r->has_arg, NULL,
					 r->short_name ? r->short_name : OPT_BASE + (int)i };
		if (!r->short_name)
			continue;
		shorts[n++] = r->short_name;
		if (r->has_arg == required_argument)
			shorts[n++] = ':';
	}
	shorts[n] = '\0';
	lo[NR_RUN_OPTS] = (struct option){ NULL, 0, NULL, 0 };
}

/* The table's entry of getopt's value c. */
static const struct run_opt *run_opt_of(int c)
{
	size_t i;

	if (c >= OPT_BASE && c < OPT_BASE + (int)NR_RUN_OPTS)
		return &run_opts_table[c - OPT_BASE];
	for (i = 0; i < NR_RUN_OPTS; i++)
		if (run_opts_table[i].short_name == c)
			return &run_opts_table[i];
	return NULL;
}

int cli__parse_run(int argc, char **argv, struct run_opts *o)
{
	struct option lo[NR_RUN_OPTS + 1];
	char shorts[2 * NR_RUN_OPTS + 2];
	const struct run_opt *r;
	int c, ret;

	run_defaults(o);
	run_getopt_table(lo, shorts);
	words.argc = argc;
	words.argv = argv;
	optind = 0; /* 0, not 1: also resets glibc's state inside an option cluster */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == '?' || c == ':')
			return run_bad_option(c, argv);
		r = run_opt_of(c);
		ret = r ? r->parse(o, optarg)
			: err__set(EINVAL, "unknown option; see 'vmscope run --help'");
		if (ret)
			return ret;
	}
	ret = check_run(o, argc, argv);
	if (!ret && optind < argc)
		o->guest = argv[optind];
	return ret;
}
