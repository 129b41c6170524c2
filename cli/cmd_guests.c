// SPDX-License-Identifier: GPL-2.0
/* vmscope guests: what is built into vmscope (guests/user/programs.def, docs/guests.md). */
#include <stdio.h>
#include <string.h>

#include "../core/bootinfo.h"
#include "cli.h"

static void guests_usage(FILE *f)
{
	fprintf(f, "usage: vmscope guests\n\n"
		   "List the guests built into vmscope: the guest kernel that 'vmscope run' boots\n"
		   "when given no GUEST, and the programs it can run, which\n"
		   "'vmscope run --guest-cmd \"PROGRAM ARGS; PROGRAM ARGS & ...\"' selects\n"
		   "(docs/guests.md).\n");
}

int cmd_guests(int argc, char **argv)
{
	int i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		guests_usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr,
			"vmscope guests: unexpected argument '%s'; see 'vmscope guests "
			"--help'\n",
			argv[1]);
		return 2;
	}
	printf("kernel     the guest kernel: SMP, ring-3 processes, Linux system-call numbers,\n"
	       "           an in-memory file system; runs \"%s\" by default\n\n"
	       "Programs (vmscope run --guest-cmd \"NAME ARGS\"):\n",
	       BOOTINFO_DEFAULT_CMDLINE);
	for (i = 0; guest_programs[i].name; i++)
		printf("  %-10s %s\n", guest_programs[i].name, guest_programs[i].description);
	return 0;
}
