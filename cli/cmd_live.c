// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope live: stream a running VMM's trace events as they happen, as babeltrace2-like text
 * lines or JSON lines, through the VMM's control socket (`subscribe`).  The VMM decodes; this
 * command prints what arrives, including the "lost N events" notices of a slow reader.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "../control/control.h"
#include "cli.h"

struct live_opts {
	int json;
	long count; /* 0: until the VMM ends or we are interrupted */
	const char *pid;
};

static volatile sig_atomic_t live_interrupted;

static void live_on_signal(int sig)
{
	(void)sig;
	live_interrupted = 1;
}

static void live_usage(FILE *f)
{
	fprintf(f,
		"usage: vmscope live [OPTIONS] [PID]\n"
		"\n"
		"Stream the trace events of a running VMM as they happen: one line per event,\n"
		"as text in the manner of babeltrace2, or as JSON.  PID may be left out when\n"
		"exactly one VMM runs.  The VMM must trace (vmscope run --trace DIR).  When this\n"
		"reader falls behind, the VMM drops events for it and says so in the stream:\n"
		"'lost N events (...)', or {\"lost\":N,...} with --json.\n"
		"\n"
		"  -j, --json       events as JSON lines\n"
		"  -c, --count N    exit after N events\n"
		"  -h, --help       show this help\n");
}

static const struct option live_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "count", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int live_parse_one(int c, const char *arg, struct live_opts *o)
{
	char *end;

	switch (c) {
	case 'j':
		o->json = 1;
		return 0;
	case 'c':
		o->count = strtol(arg, &end, 10);
		if (*end || !*arg || o->count < 1)
			return err__set(EINVAL, "--count '%s': give a count of 1 or more", arg);
		return 0;
	case 'h':
		return 1;
	}
	return err__set(EINVAL, "unknown option; see 'vmscope live --help'");
}

static int live_parse(int argc, char **argv, struct live_opts *o)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jc:h", live_longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return err__set(EINVAL, "%s option '%s'; see 'vmscope live --help'",
					c == ':' ? "missing value for" : "unknown",
					argv[optind - 1]);
		ret = live_parse_one(c, optarg, o);
		if (ret)
			return ret;
	}
	if (argc - optind > 1)
		return err__set(EINVAL, "vmscope live takes one PID, got '%s' and '%s'",
				argv[optind], argv[optind + 1]);
	o->pid = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* A line the VMM wrote about the stream rather than an event. */
static int live_is_notice(const char *line)
{
	return !strncmp(line, "lost ", 5) || !strncmp(line, "{\"lost\":", 8) ||
	       !strncmp(line, "{\"ok\":", 6);
}

/* The reply to subscribe: {"ok":true,...} or {"ok":false,...,"error":"..."}. */
static int live_check_reply(const char *line)
{
	struct json_object *j = jsonc__parse(line, "the VMM's reply to 'subscribe'", CLI_REPLY_FIX);
	struct json_object *ok = json_object_object_get(j, "ok");
	int ret = 0;

	if (!j)
		return -EPROTO;
	if (!json_object_is_type(ok, json_type_boolean))
		ret = err__set(EPROTO, "unexpected reply from the VMM: %.200s; " CLI_REPLY_FIX,
			       line);
	else if (!json_object_get_boolean(ok))
		ret = err__set(EPROTO, "%s", jsonc__str(j, "error") ?: "the VMM refused to stream");
	json_object_put(j);
	return ret;
}

static int live_stream(struct control_reader *r, const struct live_opts *o, char *line, size_t size)
{
	long events = 0;
	int ret;

	while (!live_interrupted && (!o->count || events < o->count)) {
		ret = control__read_line(r, line, size, 200);
		if (ret == -ETIMEDOUT || ret == -EINTR) {
			fflush(stdout);
			continue;
		}
		if (ret < 0)
			return err__set(-ret, "reading from the VMM: %s", strerror(-ret));
		if (ret == 0) {
			fflush(stdout);
			fprintf(stderr, "vmscope live: the VMM ended the stream (it stopped)\n");
			return 0;
		}
		puts(line);
		if (!live_is_notice(line))
			events++;
	}
	fflush(stdout);
	return 0;
}

static int live_run(int fd, const struct live_opts *o)
{
	struct control_reader *r = malloc(sizeof(*r));
	char *line = malloc(CONTROL_LINE_MAX * 64);
	int ret = -ENOMEM;

	if (!r || !line)
		goto out;
	control__reader_init(r, fd);
	ret = control__request(r, o->json ? "subscribe --json" : "subscribe", line,
			       CONTROL_LINE_MAX * 64);
	if (!ret)
		ret = live_check_reply(line);
	if (!ret)
		ret = live_stream(r, o, line, CONTROL_LINE_MAX * 64);
out:
	free(line);
	free(r);
	return ret;
}

int cmd_live(int argc, char **argv)
{
	struct live_opts o;
	pid_t pid;
	int fd, ret = live_parse(argc, argv, &o);

	if (ret == 1) {
		live_usage(stdout);
		return 0;
	}
	if (!ret)
		ret = control__resolve(NULL, o.pid, &pid);
	if (ret) {
		fprintf(stderr, "vmscope live: %s\n", err__msg(ret));
		return ret == -EINVAL ? 2 : 1;
	}
	fd = control__connect(NULL, pid);
	if (fd < 0) {
		fprintf(stderr, "vmscope live: %s\n", err__msg(fd));
		return 1;
	}
	signal(SIGINT, live_on_signal);
	signal(SIGTERM, live_on_signal);
	ret = live_run(fd, &o);
	close(fd);
	if (ret) {
		fprintf(stderr, "vmscope live: pid %d: %s\n", (int)pid, err__msg(ret));
		return 1;
	}
	return 0;
}
