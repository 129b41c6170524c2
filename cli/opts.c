// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../core/layout.h"
#include "../core/mem.h"
#include "cli.h"

enum {
	OPT_MODE = 256,
	OPT_RING,
	OPT_LOAD_ADDR,
	OPT_ENTRY,
	OPT_NO_IRQCHIP,
	OPT_NO_INPUT,
	OPT_STATS,
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
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void cli__run_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope run [OPTIONS] [GUEST]\n"
		"\n"
		"Boot GUEST (an ELF64 executable or a flat binary) in a new KVM virtual machine;\n"
		"with no GUEST, boot the built-in demo guest.\n"
		"\n"
		"  -m, --mem SIZE        guest RAM, with suffix K, M or G (default 64M)\n"
		"  -c, --vcpus N         number of vCPUs (default 1)\n"
		"  -o, --console FILE    write guest serial output (COM1) to FILE, not stdout\n"
		"  -t, --timeout SEC     stop the guest after SEC seconds (exit status 124)\n"
		"      --mode MODE       start vCPUs in real, protected or long mode (default long)\n"
		"      --ring N          start at ring 0 or 3 (long mode only; default 0)\n"
		"      --load-addr ADDR  guest-physical address of a flat binary (default 0x%x)\n"
		"      --entry ADDR      start here instead of the ELF entry or the load address\n"
		"      --no-irqchip      no in-kernel PIC/IOAPIC/LAPIC/PIT (HLT then ends a vCPU)\n"
		"      --no-input        do not forward stdin to the guest's serial port\n"
		"      --stats           print exit counts per reason and vCPU when the run ends\n"
		"  -h, --help            show this help\n"
		"\n"
		"Every vCPU starts at the entry point with RDI = its index and RSI = the number\n"
		"of vCPUs; vCPU N's stack is 16 KiB below the previous one's, under 0x%x.\n"
		"\n"
		"Exit status: the status the guest wrote to the debug-exit port (0x%x) or sent\n"
		"with UCALL_DONE; 124 on --timeout; 125 when the guest crashed (triple fault,\n"
		"an instruction KVM could not run, a failed guest assertion); 1 on any other\n"
		"error, 2 on a usage error.\n",
		(unsigned)GPA_DEFAULT_LOAD, (unsigned)GPA_BOOT_STACK_TOP, PORT_DEBUG_EXIT);
}

int cli__parse_u64(const char *s, const char *what, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!s || !*s || strchr(s, '-') || s[0] == ' ' || s[0] == '\t')
		goto bad;
	*out = strtoull(s, &end, 0);
	if (errno || *end)
		goto bad;
	return 0;
bad:
	return err__set(EINVAL, "%s '%s' is not a number; give a value such as 4 or 0x100000",
			what, s ? s : "");
}

static int parse_vcpus(const char *s, int *n)
{
	uint64_t v;

	if (cli__parse_u64(s, "--vcpus", &v))
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
		return err__set(EINVAL,
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
		return mem__parse_size(arg, &o->mem_size);
	case 'c':
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
		return cli__parse_u64(arg, "--load-addr", &o->load_addr);
	case OPT_ENTRY:
		o->entry_set = 1;
		return cli__parse_u64(arg, "--entry", &o->entry);
	case OPT_NO_IRQCHIP:
		o->no_irqchip = 1;
		return 0;
	case OPT_NO_INPUT:
		o->no_input = 1;
		return 0;
	case OPT_STATS:
		o->stats = 1;
		return 0;
	case 'h':
		return 1;
	default:
		return err__set(EINVAL, "unknown option; see 'vmscope run --help'");
	}
}

static void run_defaults(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mem_size = 64ull << 20;
	o->nr_vcpus = 1;
	o->mode = BOOT_LONG;
	o->load_addr = GPA_DEFAULT_LOAD;
}

static int check_run(const struct run_opts *o, int argc, char **argv)
{
	if (argc - optind > 1)
		return err__set(EINVAL, "vmscope run takes one GUEST, got '%s' and '%s'",
				argv[optind], argv[optind + 1]);
	if (o->ring == 3 && o->mode != BOOT_LONG)
		return err__set(EINVAL, "--ring 3 needs --mode long");
	return 0;
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
		ret = parse_one(c, optarg, o);
		if (ret)
			return ret;
	}
	ret = check_run(o, argc, argv);
	if (!ret && optind < argc)
		o->guest = argv[optind];
	return ret;
}
