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
		"usage: vmscope report [OPTIONS] DIR\n"
		"\n"
		"Read the CTF trace that 'vmscope run --trace DIR' wrote (with libbabeltrace2)\n"
		"and print, per exit reason and per vCPU, the number of exits, their share, and\n"
		"the min, mean, median (p50), 99th percentile and max of the time the vCPU spent\n"
		"in the guest before each exit (guest_ns) and of the time the VMM spent handling\n"
		"it (vmm_ns); then totals, and the events the trace lost (discarded events that\n"
		"the packets record, in-band lost records).  Percentiles are exact.\n"
		"\n"
		"  -j, --json   print one JSON object instead of tables (times in ns)\n"
		"  -h, --help   show this help\n");
}

static const struct option report_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int report_parse(int argc, char **argv, int *json, const char **dir)
{
	int c;

	*json = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jh", report_longopts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == 'j')
			*json = 1;
		else
			return err__set(EINVAL, "unknown option '%s'; see 'vmscope report --help'",
					argv[optind - 1]);
	}
	if (argc - optind != 1)
		return err__set(EINVAL, "vmscope report takes one trace directory; see "
					"'vmscope report --help'");
	*dir = argv[optind];
	return 0;
}

int cmd_report(int argc, char **argv)
{
	const char *dir = NULL;
	struct report *r;
	int json, ret = report_parse(argc, argv, &json, &dir);

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
	ret = report__read_ctf(r, dir);
	if (!ret)
		ret = report__finish(r);
	if (ret) {
		fprintf(stderr, "vmscope report: %s\n", err__msg(ret));
		report__free(r);
		return 1;
	}
	if (json)
		ret = report__print_json(r, dir, stdout);
	else
		report__print_text(r, dir, stdout);
	report__free(r);
	if (ret)
		fprintf(stderr, "vmscope report: %s\n", err__msg(ret));
	return ret ? 1 : 0;
}
