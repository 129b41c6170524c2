// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope syscalls and vmscope inject: GEARS on a running VMM, through its control socket
 * (docs/gears.md).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../control/control.h"
#include "../lib/err.h"
#include "../gears/syscalls.h"
#include "../lib/jsonc.h"
#include "cli.h"

static void syscalls_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope syscalls [PID] [--add LIST] [--remove LIST] [--json]\n\n"
		"Show, or change while the guest runs, the system calls a VMM started with\n"
		"'vmscope run --syscalls LIST' captures.  The change is in force on every vCPU\n"
		"when the command returns, and is recorded in the trace (syscall_select).\n"
		"PID may be left out when one VMM runs.\n\n"
		"  --add LIST      also capture these\n"
		"  --remove LIST   stop capturing these\n"
		"  --json          print the VMM's reply as JSON\n\n"
		"Prints the selection and the capture's counters: calls captured, their returns,\n"
		"exits capture made at the entry (stub or breakpoint; of them for calls not\n"
		"selected), calls seen at the host's own SYSCALL completion exit, calls in "
		"flight.\n\nA LIST holds, separated by commas: %s (docs/gears.md).\n",
		SYSCALL_SELECTION_FORMS);
}

static void inject_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope inject [PID] FILE [--entry OFF] [--arg N] [--cr3 X | --program "
		"NAME]\n"
		"                      [--vcpu N] [--timeout MS] [--json]\n\n"
		"Run FILE, flat position-independent x86-64 code, in the guest of a running VMM\n"
		"and print what it returned.  The VMM pauses the guest, maps the code into the\n"
		"kernel half of an address space, runs it on one vCPU at CPL 0 with interrupts\n"
		"off as the function\n\n"
		"    uint64_t f(uint64_t arg, void *data, uint64_t data_size)\n\n"
		"(data: a writable scratch area of the VMM's), restores the vCPU, removes every\n"
		"trace of the code from the guest and resumes it.  An exception in the code is\n"
		"reported (vector, address) and does not reach the guest.  Make FILE with e.g.\n"
		"'gcc -O2 -fpic -ffreestanding -c f.c && objcopy -O binary -j .text f.o f.bin'.\n\n"
		"  --entry OFF     the function's offset in FILE (default 0)\n"
		"  --arg N         its first argument (RDI)\n"
		"  --cr3 X         the address space (default: the vCPU's own when paused)\n"
		"  --program NAME  the address space of the one process running NAME (the\n"
		"                  built-in kernel, whose process table vmscope knows)\n"
		"  --vcpu N        the vCPU to run it on (default 0)\n"
		"  --timeout MS    give up after MS milliseconds (default 1000)\n"
		"  --json          print the VMM's reply as JSON\n");
}

/* Append " --opt value" to req; -E2BIG when it no longer fits a request line. */
static int req_add(char *req, size_t size, const char *opt, const char *value)
{
	size_t len = strlen(req);
	int n;

	if (strchr(value, ' ') || strchr(value, '\t') || !*value)
		return err__set(EINVAL, "%s '%s': a value has no spaces and is not empty", opt,
				value);
	n = snprintf(req + len, size - len, " %s %s", opt, value);
	if (n < 0 || (size_t)n >= size - len)
		return err__set(E2BIG, "the request is longer than the %d bytes a VMM accepts",
				CONTROL_LINE_MAX);
	return 0;
}

static void print_syscalls(struct json_object *j)
{
	const char *sel = jsonc__str(j, "selection");

	const char *mech = jsonc__str(j, "mechanism");

	printf("selection: %s\n", sel && *sel ? sel : "(none)");
	printf("mode: %s\n", mech && *mech ? mech : "(unknown)");
	printf("captured %llu, returns %llu, in flight %llu, not followed %llu (no room %llu)\n",
	       (unsigned long long)jsonc__u64(j, "captured", 0),
	       (unsigned long long)jsonc__u64(j, "returns", 0),
	       (unsigned long long)jsonc__u64(j, "pending", 0),
	       (unsigned long long)jsonc__u64(j, "untracked", 0),
	       (unsigned long long)jsonc__u64(j, "no_room", 0));
	printf("exits at the entry %llu, of them for calls not selected %llu; calls seen at the "
	       "host's SYSCALL completion %llu\n",
	       (unsigned long long)jsonc__u64(j, "entry_exits", 0),
	       (unsigned long long)jsonc__u64(j, "unselected_exits", 0),
	       (unsigned long long)jsonc__u64(j, "completed", 0));
}

enum {
	OPT_ADD = 1,
	OPT_REMOVE,
	OPT_JSON,
	OPT_ENTRY,
	OPT_ARG,
	OPT_CR3,
	OPT_PROGRAM,
	OPT_VCPU,
	OPT_TIMEOUT
};

static const struct option gears_options[] = {
	{ "add", required_argument, NULL, OPT_ADD },
	{ "remove", required_argument, NULL, OPT_REMOVE },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "arg", required_argument, NULL, OPT_ARG },
	{ "cr3", required_argument, NULL, OPT_CR3 },
	{ "program", required_argument, NULL, OPT_PROGRAM },
	{ "vcpu", required_argument, NULL, OPT_VCPU },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The option names each command takes (an option of the other one is refused). */
static int allowed(int inject, int opt)
{
	if (opt == OPT_JSON)
		return 1;
	return inject ? opt >= OPT_ENTRY : opt == OPT_ADD || opt == OPT_REMOVE;
}

/* Parse argv into the request line; *json for --json.  0, 1 for --help, -EINVAL. */
static int gears_parse(int argc, char **argv, int inject, char *req, size_t size, int *json)
{
	int c, idx = 0, ret = 0;
	char opt[32];

	opterr = 0;
	optind = 1;
	while (!ret && (c = getopt_long(argc, argv, "h", gears_options, &idx)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || c == ':' || !allowed(inject, c))
			return err__set(EINVAL, "unknown option '%s'; see 'vmscope %s --help'",
					argv[optind - 1], argv[0]);
		if (c == OPT_JSON) {
			*json = 1;
			continue;
		}
		snprintf(opt, sizeof(opt), "--%s", gears_options[idx].name);
		ret = req_add(req, size, opt, optarg);
	}
	return ret;
}

static void print_reply(struct json_object *j, int json, void (*human)(struct json_object *))
{
	if (json)
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	else
		human(j);
}

int cmd_syscalls(int argc, char **argv)
{
	char req[CONTROL_LINE_MAX + 1] = "syscalls";
	struct json_object *j;
	int json = 0, ret = gears_parse(argc, argv, 0, req, sizeof(req), &json);

	if (ret == 1) {
		syscalls_usage(stdout);
		return 0;
	}
	if (!ret && argc - optind > 1)
		ret = err__set(EINVAL, "unexpected argument '%s'; see 'vmscope syscalls --help'",
			       argv[optind + 1]);
	if (ret) {
		fprintf(stderr, "vmscope syscalls: %s\n", err__msg(ret));
		return 2;
	}
	j = cli__ask_vmm("syscalls", optind < argc ? argv[optind] : NULL, req);
	if (!j)
		return 1;
	print_reply(j, json, print_syscalls);
	json_object_put(j);
	return 0;
}

static void print_inject(struct json_object *j)
{
	int pid = json_object_get_int(json_object_object_get(j, "pid"));
	char proc[32] = "";

	if (json_object_object_get(j, "pid") && pid >= 0)
		snprintf(proc, sizeof(proc), " (pid %d)", pid);
	printf("result %llu (%s) on vCPU %lld in address space %s%s; %llu exits, %.1f us\n",
	       (unsigned long long)jsonc__u64(j, "value", 0), jsonc__str(j, "hex") ?: "?",
	       (long long)jsonc__u64(j, "vcpu", 0), jsonc__str(j, "cr3") ?: "?", proc,
	       (unsigned long long)jsonc__u64(j, "exits", 0), jsonc__u64(j, "ns", 0) / 1000.0);
}

/* "inject /absolute/path": the VMM opens the file, so a relative path is made absolute. */
static int inject_path(const char *file, char *req, size_t size)
{
	char abs[PATH_MAX];

	if (!realpath(file, abs))
		return err__set(errno, "cannot find %s: %s", file, strerror(errno));
	if (strchr(abs, ' ') || strchr(abs, '\t'))
		return err__set(EINVAL,
				"the path %s has a space; the control protocol's words "
				"have none: copy the file elsewhere",
				abs);
	if ((size_t)snprintf(req, size, "inject %s", abs) >= size)
		return err__set(ENAMETOOLONG, "the path %s is too long", abs);
	return 0;
}

int cmd_inject(int argc, char **argv)
{
	char opts[CONTROL_LINE_MAX + 1] = "", req[CONTROL_LINE_MAX + 1];
	struct json_object *j;
	int json = 0, npos, ret = gears_parse(argc, argv, 1, opts, sizeof(opts), &json);

	if (ret == 1) {
		inject_usage(stdout);
		return 0;
	}
	npos = argc - optind;
	if (!ret && (npos < 1 || npos > 2))
		ret = err__set(EINVAL, "inject takes [PID] FILE; see 'vmscope inject --help'");
	if (!ret)
		ret = inject_path(argv[argc - 1], req, sizeof(req));
	if (!ret && strlen(req) + strlen(opts) > CONTROL_LINE_MAX)
		ret = err__set(E2BIG, "the request is longer than the %d bytes a VMM accepts",
			       CONTROL_LINE_MAX);
	if (ret) {
		fprintf(stderr, "vmscope inject: %s\n", err__msg(ret));
		return 2;
	}
	strcat(req, opts);
	j = cli__ask_vmm("inject", npos == 2 ? argv[optind] : NULL, req);
	if (!j)
		return 1;
	print_reply(j, json, print_inject);
	json_object_put(j);
	return 0;
}
