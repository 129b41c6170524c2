// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope report DIR: exit statistics of a trace recorded with `vmscope run --trace DIR`
 * (analysis/report.h), as tables or as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../analysis/report.h"
#include "../lib/err.h"
#include "cli.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope report [--json] DIR\n"
		"       vmscope report --syscalls [--list] [--json] DIR\n"
		"       vmscope report --tx [--json] DIR\n"
		"\n"
		"Read the CTF trace that 'vmscope run --trace DIR' wrote (with libbabeltrace2)\n"
		"and print, per exit reason and per vCPU, the number of exits, their share, and\n"
		"the min, mean, median (p50), 99th percentile and max of the time the vCPU spent\n"
		"in the guest before each exit (guest_ns) and of the time the VMM spent handling\n"
		"it (vmm_ns); then totals, and the events the trace lost (discarded events that\n"
		"the packets record, in-band lost records).  Percentiles are exact.\n"
		"\n"
		"\n"
		"With --syscalls, the system calls a GEARS capture recorded ('vmscope run\n"
		"--syscalls LIST --trace DIR'), like 'strace -c': per call name the share of\n"
		"time, seconds, microseconds per call, calls and errors, in total and per\n"
		"address space (a call's time runs from its entry to its return); with --list\n"
		"every call on one line in time order, like strace: seconds since the trace's\n"
		"start, vCPU, address space, the decoded call and result, <its duration>.\n"
		"\n"
		"With --tx, the RTM transactions RTME emulated ('vmscope run --rtme --trace\n"
		"DIR'): per vCPU and in total those begun, committed and aborted, the aborts by\n"
		"cause (xabort, conflict, capacity, debug, nesting, instruction, exception,\n"
		"interrupt, injected); for commits and for aborts the mean and largest read and\n"
		"write sets in 64-byte lines, the mean instructions, the median and 99th\n"
		"percentile of their time; the instructions where most aborts happened.\n"
		"\n"
		"  -s, --syscalls  report the system calls instead of the exits\n"
		"  -x, --tx        report the transactions instead of the exits\n"
		"  -l, --list      with --syscalls: list every call\n"
		"  -j, --json      print one JSON object instead of tables (exits, --tx: times in "
		"ns;\n"
		"                  system calls: seconds; --list adds the calls)\n"
		"  -h, --help      show this help\n");
}

static const struct option report_longopts[] = {
	{ "json", no_argument, NULL, 'j' }, { "syscalls", no_argument, NULL, 's' },
	{ "list", no_argument, NULL, 'l' }, { "tx", no_argument, NULL, 'x' },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

struct report_opts {
	int json, syscalls, list, tx;
	const char *dir;
};

static int report_parse(int argc, char **argv, struct report_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jslxh", report_longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'j')
			o->json = 1;
		else if (c == 's')
			o->syscalls = 1;
		else if (c == 'l')
			o->list = 1;
		else if (c == 'x')
			o->tx = 1;
		else
			return err__set(EINVAL, "unknown option '%s'; see 'vmscope report --help'",
					argv[optind - 1]);
	}
	if (o->tx && o->syscalls)
		return err__set(EINVAL, "--tx and --syscalls are two reports: give one");
	if (o->list && !o->syscalls)
		return err__set(EINVAL, "--list lists system calls: use it with --syscalls");
	if (argc - optind != 1)
		return err__set(EINVAL, "vmscope report takes one trace directory; see "
					"'vmscope report --help'");
	o->dir = argv[optind];
	return 0;
}

static int print(struct report *r, const struct report_opts *o)
{
	if (o->tx)
		return o->json ? report__print_tx_json(r, o->dir, stdout)
			       : report__print_tx_text(r, o->dir, stdout);
	if (!o->syscalls && o->json)
		return report__print_json(r, o->dir, stdout);
	if (!o->syscalls) {
		report__print_text(r, o->dir, stdout);
		return 0;
	}
	if (o->json)
		return report__print_syscalls_json(r, o->dir, o->list, stdout);
	if (o->list)
		return report__print_syscall_list(r, stdout);
	return report__print_syscalls_text(r, o->dir, stdout);
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct report *r;
	int ret = report_parse(argc, argv, &o);

	if (ret == 1) {
		report_usage(stdout);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "vmscope report: %s\n", err__msg(ret));
		return 2;
	}
	r = report__new();
	if (!r) {
		fprintf(stderr, "vmscope report: out of memory\n");
		return 1;
	}
	ret = report__read_ctf(r, o.dir);
	if (!ret)
		ret = report__finish(r);
	if (!ret)
		ret = print(r, &o);
	if (ret)
		fprintf(stderr, "vmscope report: %s\n", err__msg(ret));
	report__free(r);
	return ret ? 1 : 0;
}
