// SPDX-License-Identifier: GPL-2.0
/* vmscope recover DIR: complete the trace a killed `vmscope run --trace DIR` left. */
#include <stdio.h>
#include <string.h>

#include "../lib/err.h"
#include "../trace/trace.h"
#include "cli.h"

static void recover_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope recover DIR\n"
		"\n"
		"Complete the trace that a 'vmscope run --trace DIR' which was killed (kill -9,\n"
		"a crash) left in DIR: close the packet each stream file was writing, append\n"
		"the records the vCPUs had committed to their rings (DIR/rings) and remove the\n"
		"rings.  Afterwards 'babeltrace2 DIR' reads the trace.  A complete trace is\n"
		"left as it is.\n"
		"\n"
		"Exit status: 0 when DIR holds a complete trace afterwards, 1 when it cannot be\n"
		"repaired (the message names the file and what is wrong with it), 2 on a usage\n"
		"error.\n");
}

int cmd_recover(int argc, char **argv)
{
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		recover_usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "vmscope recover: give one trace directory; see 'vmscope recover "
				"--help'\n");
		return 2;
	}
	ret = trace__recover(argv[1]);
	if (ret < 0) {
		fprintf(stderr, "vmscope recover: %s\n", err__msg(ret));
		return 1;
	}
	if (ret)
		printf("vmscope recover: %s: %d stream(s) repaired; the trace is complete\n",
		       argv[1], ret);
	else
		printf("vmscope recover: %s: the trace was already complete\n", argv[1]);
	return 0;
}
