// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "../core/feature.h"
#include "../gears/gears.h"
#include "../mime/mime.h"
#include "../probes/probes.h"
#include "../lib/err.h"
#include "../core/kvm.h"
#include "cli.h"
#include "../host/host.h"

#ifndef VMSCOPE_VERSION
#define VMSCOPE_VERSION "0.0.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "boot a guest (the built-in guest kernel if none is given)" },
	{ "guests", cmd_guests, "list the built-in guest kernel and its programs" },
	{ "top", cmd_top, "exits per second of a running VMM, by reason and vCPU" },
	{ "live", cmd_live, "stream a running VMM's trace events as they happen" },
	{ "syscalls", cmd_syscalls, "show or change a running VMM's system-call capture" },
	{ "inject", cmd_inject, "run code in a running VMM's guest and print its result" },
	{ "checkpoint", cmd_checkpoint,
	  "write a running VMM's whole state to a file (resumed or stopped)" },
	{ "migrate", cmd_migrate, "move a running VMM's guest live to 'vmscope run --incoming'" },
	{ "inspect", cmd_inspect, "list and check the sections of a checkpoint file" },
	{ "report", cmd_report, "exit statistics of a recorded trace (per reason, per vCPU)" },
	{ "recover", cmd_recover, "make the trace of a killed vmscope run complete and readable" },
	{ "caps", cmd_caps, "show what this host's KVM and kernel support" },
	{ "version", cmd_version, "print the version" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vmscope COMMAND [OPTIONS] [ARGS]\n\n"
		   "vmscope: a KVM virtual machine monitor built to observe its guests.\n\n"
		   "Commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'vmscope COMMAND --help' for a command's options.\n");
}

static int wants_help(int argc, char **argv)
{
	return argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
}

/* A trial load of the kernel probes: what a traced run would attach here. */
static void caps_probe_probes(struct host_caps *caps)
{
	struct probes_check pc;

	caps->probes = !probes__check(&pc);
	snprintf(caps->probes_tps, sizeof(caps->probes_tps), "%s", pc.attached);
	snprintf(caps->probes_notes, sizeof(caps->probes_notes), "%s", pc.notes);
	snprintf(caps->probes_why, sizeof(caps->probes_why), "%s", pc.why);
}

int cmd_caps(int argc, char **argv)
{
	struct host_caps caps;
	struct kvm_dev k;

	if (wants_help(argc, argv)) {
		printf("usage: vmscope caps\n\nPrint the host's KVM flavour and capabilities, "
		       "for each vmscope feature\nwhether this host supports it and, if not, "
		       "why, and the host self-test:\nwhich transitions KVM gets wrong here and "
		       "the fixups vmscope puts in force\n(docs/hosts.md).\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr,
			"vmscope caps: unexpected argument '%s'; see 'vmscope caps "
			"--help'\n",
			argv[1]);
		return 2;
	}
	caps__probe(&caps, "");
	caps_probe_probes(&caps);
	if (kvm_dev__open(&k, NULL))
		k.fd = -1;
	caps__print(stdout, &caps, k.fd);
	kvm_dev__close(&k);
	if (caps.kvm_fd_ok) {
		struct hostcheck hc;

		hostcheck__get(&hc);
		hostcheck__print(stdout, &hc);
	}
	return caps.kvm_fd_ok ? 0 : 1;
}

int cmd_version(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("usage: vmscope version\n\nPrint vmscope's version.\n");
		return 0;
	}
	printf("vmscope %s\n", VMSCOPE_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || wants_help(argc, argv)) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	/* The features a checkpoint or a migration may carry, for restore and inspect. */
	feature__known(gears__ops());
	feature__known(mime__ops());
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vmscope: unknown command '%s'; run 'vmscope --help' for the list\n",
		argv[1]);
	return 2;
}
