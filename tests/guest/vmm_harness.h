/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A `vmscope run` of a guest function of the test's own image, left running in the
 * background, and requests to it through its control socket (cli_harness.h does the rest).
 */
#ifndef VMSCOPE_VMM_HARNESS_H
#define VMSCOPE_VMM_HARNESS_H

#include "../../control/control.h"
#include "../../lib/jsonc.h"
#include "cli_harness.h"

struct vmm {
	pid_t pid;
	char out[PATH_MAX];
	char trace[PATH_MAX];
	char pid_s[16];
};

/*
 * Start `vmscope run --no-input --timeout 120 --vcpus N --entry ENTRY [--trace DIR
 * --no-kernel-probes] EXTRA... <this executable>` (trace: the trace's number, 0 for none;
 * entry NULL: the built-in guest, no --entry and no image) and wait until its control
 * socket is there.  0 or -1 with the VMM's output printed.
 */
HARNESS_FN int vmm_spawn(struct vmm *m, const char *entry, int trace, int vcpus,
			 const char *const *extra)
{
	const char *argv[32] = { "vmscope", "run",     "--no-input",	      "--timeout",
				 "120",	    "--vcpus", vcpus > 1 ? "2" : "1", "--entry",
				 entry };
	char sock[PATH_MAX + 32];
	double end = cli_now() + 30;
	int n = entry ? 9 : 7, st;

	snprintf(m->trace, sizeof(m->trace), "%s/trace%d", cli_tmp, trace);
	if (trace) {
		argv[n++] = "--trace";
		argv[n++] = m->trace;
		/* The streams checked are vmscope's own; kernel events have test_probes. */
		argv[n++] = "--no-kernel-probes";
	}
	while (extra && *extra && n < 30)
		argv[n++] = *extra++;
	if (entry)
		argv[n++] = cli_self;
	snprintf(m->out, sizeof(m->out), "%s/vmm%d.out", cli_tmp, trace);
	m->pid = cli_spawn(argv, m->out);
	snprintf(m->pid_s, sizeof(m->pid_s), "%d", (int)m->pid);
	snprintf(sock, sizeof(sock), "%s/%d.sock", getenv("VMSCOPE_CONTROL_DIR"), (int)m->pid);
	while (access(sock, F_OK)) {
		if (waitpid(m->pid, &st, WNOHANG) == m->pid || cli_now() > end) {
			char *o = cli_slurp(m->out);

			fprintf(stderr, "the VMM did not open %s; its output:\n%s\n", sock, o);
			free(o);
			return -1;
		}
		usleep(10000);
	}
	return 0;
}

/* One request on a fresh connection; the parsed reply, or NULL. */
HARNESS_FN struct json_object *vmm_ask(struct vmm *m, const char *req)
{
	struct control_reader *r = malloc(sizeof(*r));
	char line[65536];
	struct json_object *j = NULL;
	int fd = control__connect(NULL, m->pid);

	if (fd >= 0) {
		control__reader_init(r, fd);
		if (!control__request(r, req, line, sizeof(line)))
			j = jsonc__parse(line, "the reply", NULL);
		close(fd);
	}
	if (!j)
		fprintf(stderr, "'%s' to pid %d failed: %s\n", req, (int)m->pid, err__last());
	free(r);
	return j;
}

HARNESS_FN int vmm_ok(struct vmm *m, const char *req)
{
	struct json_object *j = vmm_ask(m, req);
	int ok = json_object_get_boolean(json_object_object_get(j, "ok"));

	json_object_put(j);
	return ok;
}

#endif
