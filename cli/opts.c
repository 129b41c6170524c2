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

enum {
	OPT_MODE = 256,
	OPT_RING,
	OPT_LOAD_ADDR,
	OPT_ENTRY,
	OPT_NO_IRQCHIP,
	OPT_NO_INPUT,
	OPT_STATS,
	OPT_FIXUPS,
	OPT_TRACE,
	OPT_BUFFER_SIZE,
	OPT_OVERWRITE,
	OPT_GUEST_CMD,
	OPT_KERNEL_PROBES,
	OPT_NO_KERNEL_PROBES,
	OPT_SYSCALLS,
	OPT_SYSCALL_MODE,
	OPT_MIME_RANGE,
	OPT_MIME_CR3,
	OPT_MIME_PROGRAM,
	OPT_MIME_WINDOW,
	OPT_MIME_SYMBOL,
	OPT_MIME_RING,
	OPT_RTME,
	OPT_RTME_DEPTH,
	OPT_RTME_CAPACITY,
	OPT_RTME_ABORT_RATE,
	OPT_RTME_SEED,
	OPT_RTME_IRQ_DEFER,
	OPT_RTME_MEMREF,
	OPT_CHECKPOINT_AT,
	OPT_RESTORE,
	OPT_INCOMING,
};

static const struct option run_longopts[] = {
	{ "mem", required_argument, NULL, 'm' },
	{ "vcpus", required_argument, NULL, 'c' },
	{ "console", required_argument, NULL, 'o' },
	{ "timeout", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "ring", required_argument, NULL, OPT_RING },
	{ "load-addr", required_argument, NULL, OPT_LOAD_ADDR },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "no-irqchip", no_argument, NULL, OPT_NO_IRQCHIP },
	{ "no-input", no_argument, NULL, OPT_NO_INPUT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "fixups", required_argument, NULL, OPT_FIXUPS },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "guest-cmd", required_argument, NULL, OPT_GUEST_CMD },
	{ "kernel-probes", optional_argument, NULL, OPT_KERNEL_PROBES },
	{ "no-kernel-probes", no_argument, NULL, OPT_NO_KERNEL_PROBES },
	{ "syscalls", required_argument, NULL, OPT_SYSCALLS },
	{ "syscall-mode", required_argument, NULL, OPT_SYSCALL_MODE },
	{ "mime-range", required_argument, NULL, OPT_MIME_RANGE },
	{ "mime-cr3", required_argument, NULL, OPT_MIME_CR3 },
	{ "mime-program", required_argument, NULL, OPT_MIME_PROGRAM },
	{ "mime-window", required_argument, NULL, OPT_MIME_WINDOW },
	{ "mime-symbol", required_argument, NULL, OPT_MIME_SYMBOL },
	{ "mime-ring", required_argument, NULL, OPT_MIME_RING },
	{ "rtme", no_argument, NULL, OPT_RTME },
	{ "rtme-depth", required_argument, NULL, OPT_RTME_DEPTH },
	{ "rtme-capacity", required_argument, NULL, OPT_RTME_CAPACITY },
	{ "rtme-abort-rate", required_argument, NULL, OPT_RTME_ABORT_RATE },
	{ "rtme-seed", required_argument, NULL, OPT_RTME_SEED },
	{ "rtme-irq-defer", required_argument, NULL, OPT_RTME_IRQ_DEFER },
	{ "rtme-memref", no_argument, NULL, OPT_RTME_MEMREF },
	{ "checkpoint-at", required_argument, NULL, OPT_CHECKPOINT_AT },
	{ "restore", required_argument, NULL, OPT_RESTORE },
	{ "incoming", required_argument, NULL, OPT_INCOMING },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cli__run_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope run [OPTIONS] [GUEST]\n"
		"\n"
		"Boot GUEST (an ELF64 executable or a flat binary) in a new KVM virtual machine;\n"
		"with no GUEST, boot the built-in guest kernel, which runs the demo (%s)\n"
		"or the programs of --guest-cmd ('vmscope guests' lists them).\n"
		"\n",
		BOOTINFO_DEFAULT_CMDLINE);
	fprintf(f,
		"  -m, --mem SIZE        guest RAM, with suffix K, M or G (default 64M)\n"
		"  -c, --vcpus N         number of vCPUs (default 1)\n"
		"  -o, --console FILE    write guest serial output (COM1) to FILE, not stdout\n"
		"  -t, --timeout SEC     stop the guest after SEC seconds (exit status 124)\n"
		"      --mode MODE       start vCPUs in real, protected or long mode (default "
		"long)\n"
		"      --ring N          start at ring 0 or 3 (long mode only; default 0)\n"
		"      --load-addr ADDR  guest-physical address of a flat binary (default 0x%x)\n"
		"      --entry ADDR      start here instead of the ELF entry or the load address\n"
		"      --no-irqchip      no in-kernel PIC/IOAPIC/LAPIC/PIT (HLT then ends a vCPU)\n"
		"      --no-input        do not forward stdin to the guest's serial port\n"
		"      --stats           print exit counts per reason and vCPU when the run ends\n"
		"      --fixups LIST     host adaptation: auto (default: what the host self-test\n"
		"                        finds), none, all, or a comma list of syscall, int-n,\n"
		"                        emulate, step-ring3, step-ring0 (see 'vmscope caps',\n"
		"                        docs/hosts.md)\n",
		(unsigned)GPA_DEFAULT_LOAD);
	fputs("      --trace DIR       trace every exit, the console and the VM's lifecycle to\n"
	      "                        DIR as CTF 1.8 (read it with 'babeltrace2 DIR')\n"
	      "      --buffer-size SIZE  bytes per trace ring (one per vCPU, one for the host),\n"
	      "                        suffix K or M, rounded up to a power of two (default 4M)\n"
	      "      --overwrite       flight recorder: keep the newest records in the rings and\n"
	      "                        write them at the end or on SIGUSR2\n"
	      "      --kernel-probes[=LIST]  with --trace (on by default where BPF and BTF\n"
	      "                        allow): KVM's tracepoints, seen by BPF programs, in a\n"
	      "                        kernel stream per vCPU; LIST: default, all (adds the\n"
	      "                        opt-in kvm_emulate_insn), none, or tracepoint names\n"
	      "                        (docs/probes.md)\n"
	      "      --no-kernel-probes  trace without them\n"
	      "      --syscalls LIST   capture these guest system calls (GEARS, docs/gears.md;\n"
	      "                        LIST below); events syscall_entry/syscall_exit in the\n"
	      "                        --trace\n"
	      "      --syscall-mode M  filter (default: only selected calls leave the guest)\n"
	      "                        or trap (every call exits once: a hardware breakpoint\n"
	      "                        where they fire, else the entry stub; where vmscope\n"
	      "                        completes SYSCALL itself, both ride on that exit)\n"
	      "      --mime-range S-E  record the memory references of the code at [S, E)\n"
	      "                        (MIME): memref events in the --trace, each with its\n"
	      "                        instruction, addresses, size, direction and value\n"
	      "      --mime-symbol F   ... of function F, from the image's symbols (GUEST's,\n"
	      "                        or the built-in kernel's); PROGRAM:F for a function\n"
	      "                        of a built-in program (e.g. tsx:worker)\n"
	      "      --mime-ring R     ... run at ring R: 0, 3 or any (default: from the\n"
	      "                        image: the built-in kernel's code 0, its programs 3)\n"
	      "      --mime-cr3 X      ... only in address space X\n"
	      "      --mime-program P  ... only while a process running program P runs it\n"
	      "                        (the built-in kernel, whose processes vmscope knows)\n"
	      "      --mime-window F-T ... only from F to T seconds after the start (T may be\n"
	      "                        left out)\n",
	      f);
	fprintf(f,
		"      --rtme            emulate Intel RTM (XBEGIN, XEND, XABORT, XTEST) for\n"
		"                        the guest, advertised in CPUID (RTME, docs/rtme.md);\n"
		"                        events tx_begin, tx_commit, tx_abort in the --trace\n"
		"      --rtme-depth N    ... the maximum nesting depth (default %d)\n"
		"      --rtme-capacity R:W ... read and write set sizes in 64-byte lines\n"
		"                        (default %d:%d)\n"
		"      --rtme-abort-rate P ... abort this share of transactions at XBEGIN\n"
		"                        (0 to 1; EAX = RETRY)\n"
		"      --rtme-seed N     ... the seed of that choice\n"
		"      --rtme-irq-defer N ... interrupts wait while a transaction has run fewer\n"
		"                        than N instructions (default %d: about a CPU's\n"
		"                        microsecond; 0: every interrupt aborts at once)\n"
		"      --rtme-memref     ... and a memref event for every reference a\n"
		"                        transaction makes (MIME's, while it is live)\n",
		RTME_DEFAULT_DEPTH, RTME_DEFAULT_READ_LINES, RTME_DEFAULT_WRITE_LINES,
		RTME_DEFAULT_IRQ_DEFER);
	fputs("      --checkpoint-at SEC FILE  checkpoint the guest to FILE SEC seconds after\n"
	      "                        the start, then let it run on (docs/checkpoint.md)\n"
	      "      --restore FILE    continue the guest of checkpoint FILE instead of booting\n"
	      "                        one: memory, vCPUs, devices and clock as they were (its\n"
	      "                        memory is mapped, not read: restoring costs its state)\n"
	      "      --incoming HOST:PORT  wait there for 'vmscope migrate' and run the guest it\n"
	      "                        sends (live migration; docs/checkpoint.md)\n",
	      f);
	fprintf(f,
		"      --guest-cmd CMD   the built-in kernel runs CMD instead of the demo: "
		"programs\n"
		"                        with arguments, separated by ; (in turn) or & (at once),\n"
		"                        e.g. \"memwalk 1M random\"; leading name=value words are\n"
		"                        kernel options (tsx=on); with a GUEST, CMD goes to its\n"
		"                        boot-info block at 0x%x (docs/guests.md)\n"
		"  -h, --help            show this help\n"
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
		(unsigned)GPA_BOOTINFO, (unsigned)GPA_BOOT_STACK_TOP, SYSCALL_SELECTION_FORMS,
		PORT_DEBUG_EXIT);
}

static int parse_rtme_depth(const char *s, int *n)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (end == s || *end || v < 1 || v > 255)
		return err__set(EINVAL, "--rtme-depth '%s': give a nesting depth from 1 to 255", s);
	*n = (int)v;
	return 0;
}

static int parse_rate(const char *s, double *rate)
{
	char *end;

	*rate = strtod(s, &end);
	if (end == s || *end || !(*rate >= 0 && *rate <= 1))
		return err__set(EINVAL,
				"--rtme-abort-rate '%s': give the share of transactions to abort, "
				"from 0 to 1 (e.g. 0.1)",
				s);
	return 0;
}

static int parse_vcpus(const char *s, int *n)
{
	uint64_t v;

	if (parse__u64(s, "--vcpus", &v))
		return -EINVAL;
	if (v < 1 || v > 64)
		return err__set(EINVAL, "--vcpus %s is out of range; use 1 to 64", s);
	*n = v;
	return 0;
}

static int parse_timeout(const char *s, double *t)
{
	char *end;

	errno = 0;
	*t = strtod(s, &end);
	if (errno || *end || !*s || !(*t > 0) || *t > 1e6)
		return err__set(
			EINVAL,
			"--timeout '%s' is not a positive number of seconds; e.g. --timeout "
			"10 or 0.5",
			s);
	return 0;
}

static int parse_ring(const char *s, int *ring)
{
	if (strcmp(s, "0") && strcmp(s, "3"))
		return err__set(EINVAL, "--ring '%s': vmscope starts vCPUs at ring 0 or 3", s);
	*ring = atoi(s);
	return 0;
}

static int parse_one(int c, const char *arg, struct run_opts *o)
{
	switch (c) {
	case 'm':
		o->mem_set = 1;
		return parse__size(arg, &o->mem_size);
	case 'c':
		o->vcpus_set = 1;
		return parse_vcpus(arg, &o->nr_vcpus);
	case 'o':
		o->console = arg;
		return 0;
	case 't':
		return parse_timeout(arg, &o->timeout);
	case OPT_MODE:
		return boot__parse_mode(arg, &o->mode);
	case OPT_RING:
		return parse_ring(arg, &o->ring);
	case OPT_LOAD_ADDR:
		return parse__u64(arg, "--load-addr", &o->load_addr);
	case OPT_ENTRY:
		o->entry_set = 1;
		return parse__u64(arg, "--entry", &o->entry);
	case OPT_NO_IRQCHIP:
		o->no_irqchip = 1;
		return 0;
	case OPT_NO_INPUT:
		o->no_input = 1;
		return 0;
	case OPT_STATS:
		o->stats = 1;
		return 0;
	case OPT_FIXUPS:
		return hostfix__parse(arg, &o->fixups);
	case OPT_TRACE:
		o->trace_dir = arg;
		return 0;
	case OPT_BUFFER_SIZE:
		if (parse__size(arg, &o->buffer_size))
			return err__set(EINVAL,
					"--buffer-size '%s' is not a size; give bytes with "
					"an optional K or M suffix, e.g. --buffer-size 4M",
					arg);
		return o->buffer_size ? 0 : err__set(EINVAL, "--buffer-size must not be 0");
	case OPT_OVERWRITE:
		o->overwrite = 1;
		return 0;
	case OPT_GUEST_CMD:
		if (strlen(arg) >= BOOTINFO_CMDLINE_MAX)
			return err__set(EINVAL, "--guest-cmd is %zu bytes long; the limit is %d",
					strlen(arg), BOOTINFO_CMDLINE_MAX - 1);
		o->guest_cmd = arg;
		return 0;
	case OPT_KERNEL_PROBES:
		o->kernel_probes = 1;
		if (arg && probes__parse(arg, &o->probe_mask))
			return -EINVAL;
		if (arg && !o->probe_mask)
			o->kernel_probes = 0; /* --kernel-probes=none */
		return 0;
	case OPT_NO_KERNEL_PROBES:
		o->kernel_probes = 0;
		return 0;
	case OPT_SYSCALLS: {
		struct syscall_set set;

		o->syscalls = arg;
		return syscall_set__parse(&set, arg) ? err__wrap(-EINVAL, "--syscalls") : 0;
	}
	case OPT_SYSCALL_MODE:
		return gears__parse_mode(arg, &o->syscall_mode);
	case OPT_MIME_RANGE:
		if (o->mime_symbol)
			return err__set(EINVAL, "give --mime-range or --mime-symbol, not both");
		o->mime_range = arg;
		return mime__parse_range(arg, &o->mime_start, &o->mime_end);
	case OPT_MIME_SYMBOL:
		if (o->mime_range)
			return err__set(EINVAL, "give --mime-range or --mime-symbol, not both");
		if (!*arg || arg[strlen(arg) - 1] == ':' || arg[0] == ':')
			return err__set(
				EINVAL,
				"--mime-symbol '%s': give FUNCTION, or PROGRAM:FUNCTION for "
				"a built-in program's",
				arg);
		o->mime_symbol = o->mime_range = arg;
		return 0;
	case OPT_MIME_RING:
		if (strcmp(arg, "0") && strcmp(arg, "3") && strcmp(arg, "any"))
			return err__set(EINVAL, "--mime-ring '%s': give 0, 3 or any", arg);
		o->mime_ring = !strcmp(arg, "any") ? -1 : atoi(arg);
		return 0;
	case OPT_MIME_CR3:
		return parse__u64(arg, "--mime-cr3", &o->mime_cr3);
	case OPT_MIME_PROGRAM:
		o->mime_program = arg;
		if (!*arg || strlen(arg) > 15)
			return err__set(EINVAL,
					"--mime-program '%s': a program name of 1 to 15 "
					"characters",
					arg);
		return 0;
	case OPT_MIME_WINDOW:
		return mime__parse_window(arg, &o->mime_from, &o->mime_to);
	case OPT_RTME:
		o->rtme = 1;
		return 0;
	case OPT_RTME_DEPTH:
		return parse_rtme_depth(arg, &o->rtme_opts.max_depth);
	case OPT_RTME_CAPACITY:
		return rtme__parse_capacity(arg, &o->rtme_opts.read_lines,
					    &o->rtme_opts.write_lines);
	case OPT_RTME_ABORT_RATE:
		return parse_rate(arg, &o->rtme_opts.abort_rate);
	case OPT_RTME_SEED:
		return parse__u64(arg, "--rtme-seed", &o->rtme_opts.seed);
	case OPT_RTME_IRQ_DEFER: {
		char *end;
		long n = strtol(arg, &end, 0);

		if (end == arg || *end || n < 0 || n > 100000000)
			return err__set(
				EINVAL,
				"--rtme-irq-defer '%s': give a number of instructions from 0 "
				"(every interrupt aborts at once) to 100000000",
				arg);
		o->rtme_opts.irq_defer = n ? (int)n : -1;
		return 0;
	}
	case OPT_RTME_MEMREF:
		o->rtme_opts.memref = 1;
		return 0;
	case OPT_RESTORE:
		o->restore = arg;
		return 0;
	case OPT_INCOMING:
		o->incoming = arg;
		return strchr(arg, ':') ? 0
					: err__set(EINVAL,
						   "--incoming '%s': give HOST:PORT to listen "
						   "on (e.g. 127.0.0.1:4444)",
						   arg);
	case 'h':
		return 1;
	default:
		return err__set(EINVAL, "unknown option; see 'vmscope run --help'");
	}
}

/* --checkpoint-at SEC FILE: FILE is the next word, taken here from getopt's list. */
static int parse_checkpoint_at(const char *sec, int argc, char **argv, struct run_opts *o)
{
	char *end;

	errno = 0;
	o->ckpt_at = strtod(sec, &end);
	if (errno || *end || !*sec || !(o->ckpt_at >= 0) || o->ckpt_at > 1e6)
		return err__set(EINVAL,
				"--checkpoint-at '%s': give seconds after the start, then the file "
				"(e.g. --checkpoint-at 1.5 /tmp/guest.ckpt)",
				sec);
	if (optind >= argc || argv[optind][0] == '-' || !argv[optind][0])
		return err__set(EINVAL,
				"--checkpoint-at %s needs the FILE to write after the "
				"seconds (e.g. --checkpoint-at 1.5 /tmp/guest.ckpt)",
				sec);
	o->ckpt_at_file = argv[optind++];
	return 0;
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
	if ((o->restore || o->incoming || o->ckpt_at_file) && (o->rtme || o->mime_range))
		return err__set(EINVAL,
				"%s cannot go with --rtme or --mime-range: their state is not in "
				"a checkpoint yet",
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

int cli__parse_run(int argc, char **argv, struct run_opts *o)
{
	int c, ret;

	run_defaults(o);
	optind = 0; /* 0, not 1: also resets glibc's state inside an option cluster */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:c:o:t:h", run_longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return run_bad_option(c, argv);
		if (c == OPT_CHECKPOINT_AT)
			ret = parse_checkpoint_at(optarg, argc, argv, o);
		else
			ret = parse_one(c, optarg, o);
		if (ret)
			return ret;
	}
	ret = check_run(o, argc, argv);
	if (!ret && optind < argc)
		o->guest = argv[optind];
	return ret;
}
