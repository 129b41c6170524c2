// SPDX-License-Identifier: GPL-2.0
/* vmscope checkpoint, inspect and migrate (docs/checkpoint.md). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ckpt/ckpt.h"
#include "../control/control.h"
#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "cli.h"

static void checkpoint_usage(FILE *f)
{
	fputs("usage: vmscope checkpoint [--stop] [--json] [PID] FILE\n"
	      "\n"
	      "Checkpoint a running VMM (PID, or the only one running) to FILE through its\n"
	      "control socket: the guest is paused, its whole state written (memory, vCPUs,\n"
	      "devices, clock, trace position; zero pages as holes), then resumed. The file\n"
	      "appears complete or not at all. 'vmscope run --restore FILE' continues it;\n"
	      "'vmscope inspect FILE' lists what it holds.\n"
	      "\n"
	      "      --stop        stop the VMM after the checkpoint instead of resuming it\n"
	      "      --json        print the VMM's reply as it came (one JSON object)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Exit status: 0 written, 1 when the VMM could not write it (the guest runs on),\n"
	      "2 on a usage error.\n",
	      f);
}

static void inspect_usage(FILE *f)
{
	fputs("usage: vmscope inspect [--verify] [--json] FILE\n"
	      "\n"
	      "List the sections of checkpoint FILE: the VM it holds, each section's place,\n"
	      "size, checksum check and records. Guest memory is checked per MiB only with\n"
	      "--verify (a restore checks it while the guest runs).\n"
	      "\n"
	      "      --verify      check the memory's checksums too\n"
	      "      --json        one JSON object\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Exit status: 0 when every check passed, 1 when the file is refused or a check\n"
	      "failed (the message names the section and byte), 2 on a usage error.\n",
	      f);
}

/* "checkpoint ABS [--stop]": FILE made absolute from its directory (it need not exist). */
static int checkpoint_request(const char *file, int stop, char *req, size_t size)
{
	char dir[PATH_MAX], base[PATH_MAX], abs[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", file);
	snprintf(base, sizeof(base), "%s", file);
	if (!realpath(dirname(dir), abs))
		return err__set(errno, "cannot find the directory of %s: %s", file,
				strerror(errno));
	if (strlen(abs) + strlen(basename(base)) + 2 > sizeof(abs))
		return err__set(ENAMETOOLONG, "the path of %s is too long", file);
	strcat(abs, "/");
	strcat(abs, basename(base));
	if (strchr(abs, ' ') || strchr(abs, '\t'))
		return err__set(EINVAL,
				"the path %s has a space; the control protocol's words have none: "
				"choose another",
				abs);
	if ((size_t)snprintf(req, size, "checkpoint %s%s", abs, stop ? " --stop" : "") >= size)
		return err__set(ENAMETOOLONG, "the path %s is too long", abs);
	return 0;
}

static void print_checkpoint(struct json_object *j)
{
	struct json_object *v;
	int stopped = json_object_object_get_ex(j, "stopped", &v) && json_object_get_boolean(v);

	printf("checkpoint %s written to %s: %.1f MiB on disk (a file of %.1f MiB with holes for "
	       "zero pages; %.1f MiB of state for %.0f MiB of RAM), guest paused %.1f ms, console "
	       "at byte %llu%s\n",
	       jsonc__str(j, "id"), jsonc__str(j, "file"),
	       jsonc__u64(j, "disk_bytes", 0) / 1048576.0,
	       jsonc__u64(j, "file_bytes", 0) / 1048576.0,
	       jsonc__u64(j, "state_bytes", 0) / 1048576.0,
	       jsonc__u64(j, "mem_bytes", 0) / 1048576.0, jsonc__u64(j, "paused_ns", 0) / 1e6,
	       (unsigned long long)jsonc__u64(j, "console_bytes", 0),
	       stopped ? "; the VMM stopped" : "");
}

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stop", no_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char req[CONTROL_LINE_MAX + 1];
	struct json_object *j;
	int c, stop = 0, json = 0, npos, ret = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			checkpoint_usage(stdout);
			return 0;
		}
		if (c == 's')
			stop = 1;
		else if (c == 'j')
			json = 1;
		else
			ret = err__set(EINVAL,
				       "unknown option '%s'; see 'vmscope checkpoint --help'",
				       argv[optind - 1]);
	}
	npos = argc - optind;
	if (!ret && (npos < 1 || npos > 2))
		ret = err__set(EINVAL,
			       "checkpoint takes [PID] FILE; see 'vmscope checkpoint --help'");
	if (!ret)
		ret = checkpoint_request(argv[argc - 1], stop, req, sizeof(req));
	if (ret) {
		fprintf(stderr, "vmscope checkpoint: %s\n", err__msg(ret));
		return 2;
	}
	j = cli__ask_vmm("checkpoint", npos == 2 ? argv[optind] : NULL, req);
	if (!j)
		return 1;
	if (json)
		printf("%s\n", json_object_to_json_string_ext(j, JSONC_COMPACT));
	else
		print_checkpoint(j);
	json_object_put(j);
	return 0;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verify", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, verify = 0, json = 0, ret = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			inspect_usage(stdout);
			return 0;
		}
		if (c == 'v')
			verify = 1;
		else if (c == 'j')
			json = 1;
		else
			ret = err__set(EINVAL, "unknown option '%s'; see 'vmscope inspect --help'",
				       argv[optind - 1]);
	}
	if (!ret && argc - optind != 1)
		ret = err__set(EINVAL, "inspect takes one FILE; see 'vmscope inspect --help'");
	if (ret) {
		fprintf(stderr, "vmscope inspect: %s\n", err__msg(ret));
		return 2;
	}
	ret = ckpt__inspect(argv[optind], verify, json, stdout);
	fflush(stdout);
	if (ret) {
		fprintf(stderr, "vmscope inspect: %s\n", err__msg(ret));
		return 1;
	}
	return 0;
}

static void migrate_usage(FILE *f)
{
	fputs("usage: vmscope migrate [--downtime-ms N] [--verify] [--json] [PID] HOST:PORT\n"
	      "\n"
	      "Move the guest of a running VMM (PID, or the only one running) to the\n"
	      "'vmscope run --incoming HOST:PORT' waiting there: its memory is copied while it\n"
	      "runs, then again the pages it dirtied (KVM's dirty log), round after round,\n"
	      "until what is left fits the downtime at the bandwidth measured; then the guest is\n"
	      "paused, the rest and its state sent, and it runs on at the target. The source VMM\n"
	      "then stops (exit status 0); if the target fails or the connection drops, the\n"
	      "guest runs on here. The VMM prints each round on its stderr.\n"
	      "\n"
	      "      --downtime-ms N  the pause to aim for (default 10)\n"
	      "      --verify      the target also compares every MiB of its RAM with the\n"
	      "                    source's checksums before it runs the guest (a longer pause)\n"
	      "      --json        print the VMM's reply as it came (one JSON object)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Exit status: 0 migrated, 1 when it did not happen (the guest runs on here), 2 on\n"
	      "a usage error.\n",
	      f);
}

static void print_migrate(struct json_object *j)
{
	printf("migrated to %s: %llu rounds, %llu pages (%.1f MiB) sent, %llu of them while "
	       "paused; downtime %.1f ms (expected %.1f ms), %.2f s in all\n",
	       jsonc__str(j, "to"), (unsigned long long)jsonc__u64(j, "rounds", 0),
	       (unsigned long long)jsonc__u64(j, "pages", 0), jsonc__u64(j, "bytes", 0) / 1048576.0,
	       (unsigned long long)jsonc__u64(j, "last_pages", 0),
	       jsonc__u64(j, "downtime_ns", 0) / 1e6,
	       jsonc__u64(j, "expected_downtime_ns", 0) / 1e6, jsonc__u64(j, "total_ns", 0) / 1e9);
}

int cmd_migrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "downtime-ms", required_argument, NULL, 'd' },
		{ "verify", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char req[CONTROL_LINE_MAX + 1], *end;
	unsigned long down = 10;
	struct json_object *j;
	int c, verify = 0, json = 0, npos, ret = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			migrate_usage(stdout);
			return 0;
		}
		if (c == 'd') {
			down = strtoul(optarg, &end, 10);
			if (*end || !*optarg || !down || down > 600000)
				ret = err__set(EINVAL,
					       "--downtime-ms '%s': give 1 to 600000 milliseconds",
					       optarg);
		} else if (c == 'v') {
			verify = 1;
		} else if (c == 'j') {
			json = 1;
		} else {
			ret = err__set(EINVAL, "unknown option '%s'; see 'vmscope migrate --help'",
				       argv[optind - 1]);
		}
	}
	npos = argc - optind;
	if (!ret && (npos < 1 || npos > 2 || !strchr(argv[argc - 1], ':')))
		ret = err__set(EINVAL,
			       "migrate takes [PID] HOST:PORT; see 'vmscope migrate --help'");
	if (!ret &&
	    (strchr(argv[argc - 1], ' ') ||
	     (size_t)snprintf(req, sizeof(req), "migrate %s --downtime-ms %lu%s", argv[argc - 1],
			      down, verify ? " --verify" : "") >= sizeof(req)))
		ret = err__set(EINVAL, "'%s' is not HOST:PORT", argv[argc - 1]);
	if (ret) {
		fprintf(stderr, "vmscope migrate: %s\n", err__msg(ret));
		return 2;
	}
	j = cli__ask_vmm("migrate", npos == 2 ? argv[optind] : NULL, req);
	if (!j)
		return 1;
	if (json)
		printf("%s\n", json_object_to_json_string_ext(j, JSONC_COMPACT));
	else
		print_migrate(j);
	json_object_put(j);
	return 0;
}
