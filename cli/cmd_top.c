// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope top: exits per second by reason and vCPU of a running VMM, refreshed every interval,
 * in the manner of kvm_stat.  It asks the VMM's control socket for `stats` and shows the
 * difference between two samples.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "../core/exit.h"
#include "../core/vm.h"
#include "../control/control.h"
#include "cli.h"

struct top_opts {
	double interval;
	long iterations; /* 0: until interrupted */
	const char *pid;
};

struct top_sample {
	uint64_t time_ns;
	int nr_vcpus;
	uint64_t reason[VM_MAX_VCPUS][EXIT_REASON_MAX];
	uint64_t extra[VM_MAX_VCPUS][EXIT_X_MAX];
};

struct top_info {
	pid_t pid;
	int nr_vcpus;
	char guest[256];
	char state[32];
	double uptime;
};

static volatile sig_atomic_t top_interrupted;

static void top_on_signal(int sig)
{
	(void)sig;
	top_interrupted = 1;
}

static void top_usage(FILE *f)
{
	fprintf(f, "usage: vmscope top [OPTIONS] [PID]\n"
		   "\n"
		   "Show the exits per second of a running VMM by exit reason and vCPU, refreshed\n"
		   "every interval, busiest reasons first.  PID may be left out when exactly one\n"
		   "VMM runs.  The VMM is reached through its control socket (docs/live.md).\n"
		   "\n"
		   "  -i, --interval SEC  seconds between refreshes (default 1)\n"
		   "  -n, --iterations N  print N refreshes, then exit\n"
		   "      --once          print one refresh (after one interval), then exit\n"
		   "  -h, --help          show this help\n"
		   "\n"
		   "On a terminal each refresh clears the screen; otherwise refreshes are printed\n"
		   "one after another as plain text.\n");
}

static const struct option top_longopts[] = {
	{ "interval", required_argument, NULL, 'i' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "once", no_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int top_parse_one(int c, const char *arg, struct top_opts *o)
{
	char *end;

	switch (c) {
	case 'i':
		o->interval = strtod(arg, &end);
		if (*end || !*arg || !(o->interval >= 0.01) || o->interval > 3600)
			return err__set(EINVAL,
					"--interval '%s': give seconds between 0.01 and "
					"3600",
					arg);
		return 0;
	case 'n':
		o->iterations = strtol(arg, &end, 10);
		if (*end || !*arg || o->iterations < 1)
			return err__set(EINVAL, "--iterations '%s': give a count of 1 or more",
					arg);
		return 0;
	case 'o':
		o->iterations = 1;
		return 0;
	case 'h':
		return 1;
	}
	return err__set(EINVAL, "unknown option; see 'vmscope top --help'");
}

static int top_parse(int argc, char **argv, struct top_opts *o)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:n:h", top_longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return err__set(EINVAL, "%s option '%s'; see 'vmscope top --help'",
					c == ':' ? "missing value for" : "unknown",
					argv[optind - 1]);
		ret = top_parse_one(c, optarg, o);
		if (ret)
			return ret;
	}
	if (argc - optind > 1)
		return err__set(EINVAL, "vmscope top takes one PID, got '%s' and '%s'",
				argv[optind], argv[optind + 1]);
	o->pid = optind < argc ? argv[optind] : NULL;
	return 0;
}

static int name_index(const char *name, int extra)
{
	int i, n = extra ? EXIT_X_MAX : EXIT_REASON_MAX;

	for (i = 0; i < n; i++)
		if (!strcmp(name, extra ? exit__extra_name(i) : exit__reason_name(i)))
			return i;
	return -1;
}

static void top_fill(uint64_t *dst, struct json_object *counters, int extra)
{
	if (!json_object_is_type(counters, json_type_object))
		return;
	json_object_object_foreach(counters, name, count) {
		int i = name_index(name, extra);

		if (i >= 0)
			dst[i] = jsonc__u64(count, NULL, 0);
	}
}

static int top_decode_stats(struct json_object *j, struct top_sample *s)
{
	struct json_object *vcpus = json_object_object_get(j, "vcpus");
	size_t n;

	if (!json_object_is_type(vcpus, json_type_array))
		return err__set(EPROTO, "the VMM's stats reply has no vcpus array; " CLI_REPLY_FIX);
	memset(s, 0, sizeof(*s));
	s->time_ns = jsonc__u64(j, "time_ns", 0);
	for (n = 0; n < json_object_array_length(vcpus) && n < VM_MAX_VCPUS; n++) {
		struct json_object *v = json_object_array_get_idx(vcpus, n);

		top_fill(s->reason[n], json_object_object_get(v, "exits"), 0);
		top_fill(s->extra[n], json_object_object_get(v, "extra"), 1);
	}
	s->nr_vcpus = n;
	return 0;
}

struct json_object *cli__ask(struct control_reader *r, const char *request)
{
	char line[64 * 1024], what[64];
	struct json_object *j, *ok;
	int ret = control__request(r, request, line, sizeof(line));

	if (ret) {
		errno = -ret;
		return NULL;
	}
	snprintf(what, sizeof(what), "the VMM's reply to '%s'", request);
	j = jsonc__parse(line, what, CLI_REPLY_FIX);
	if (!j) {
		errno = EPROTO;
		return NULL;
	}
	ok = json_object_object_get(j, "ok");
	if (ok && !json_object_get_boolean(ok)) {
		errno = -err__set(EPROTO, "the VMM refused '%s': %s", request,
				  jsonc__str(j, "error") ?: "no reason given");
		json_object_put(j);
		return NULL;
	}
	return j;
}

/* One request to the VMM chosen by pid_arg (NULL: the only one); the reply or NULL. */
struct json_object *cli__ask_vmm(const char *cmd, const char *pid_arg, const char *request)
{
	struct control_reader *r = malloc(sizeof(*r));
	struct json_object *j = NULL;
	pid_t pid;
	int fd = -1, ret = r ? control__resolve(NULL, pid_arg, &pid) : -ENOMEM;

	if (!ret) {
		fd = control__connect(NULL, pid);
		ret = fd < 0 ? fd : 0;
	}
	if (!ret) {
		control__reader_init(r, fd);
		j = cli__ask(r, request);
		ret = j ? 0 : -errno;
	}
	if (ret)
		fprintf(stderr, "vmscope %s: %s\n", cmd, err__msg(ret));
	if (fd >= 0)
		close(fd);
	free(r);
	return j;
}

static int top_sample(struct control_reader *r, struct top_sample *s)
{
	struct json_object *j = cli__ask(r, "stats");
	int ret;

	if (!j)
		return -errno;
	ret = top_decode_stats(j, s);
	json_object_put(j);
	return ret;
}

static int top_get_info(struct control_reader *r, struct top_info *in)
{
	struct json_object *j = cli__ask(r, "info");

	if (!j)
		return -errno;
	in->pid = jsonc__u64(j, "pid", 0);
	in->nr_vcpus = jsonc__u64(j, "vcpus", 0);
	snprintf(in->guest, sizeof(in->guest), "%s", jsonc__str(j, "guest") ?: "?");
	snprintf(in->state, sizeof(in->state), "%s", jsonc__str(j, "state") ?: "?");
	in->uptime = jsonc__u64(j, "uptime_ns", 0) / 1e9;
	json_object_put(j);
	return 0;
}

struct top_row {
	int index;
	uint64_t delta, total;
};

static int top_row_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta < y->delta ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->index - y->index;
}

/* Sum one counter table over the vCPUs; rows with a non-zero total, busiest first. */
static int top_rows(const struct top_sample *a, const struct top_sample *b, int extra,
		    struct top_row *rows)
{
	int i, v, n = 0, nr = extra ? EXIT_X_MAX : EXIT_REASON_MAX;

	for (i = 0; i < nr; i++) {
		struct top_row r = { .index = i };

		for (v = 0; v < b->nr_vcpus; v++) {
			uint64_t now = extra ? b->extra[v][i] : b->reason[v][i];
			uint64_t then = extra ? a->extra[v][i] : a->reason[v][i];

			r.total += now;
			r.delta += now >= then ? now - then : 0;
		}
		if (r.total)
			rows[n++] = r;
	}
	qsort(rows, n, sizeof(*rows), top_row_cmp);
	return n;
}

static void top_print_row(const char *name, const char *vcpu, uint64_t delta, uint64_t total,
			  double secs, uint64_t all)
{
	printf("%-18s %5s %12.1f %6.1f%% %14llu\n", name, vcpu, delta / secs,
	       all ? 100.0 * delta / all : 0.0, (unsigned long long)total);
}

static void top_print_vcpus(const struct top_sample *a, const struct top_sample *b, int extra,
			    int i, double secs, uint64_t all)
{
	char id[16];
	int v;

	for (v = 0; v < b->nr_vcpus; v++) {
		uint64_t now = extra ? b->extra[v][i] : b->reason[v][i];
		uint64_t then = extra ? a->extra[v][i] : a->reason[v][i];

		if (!now)
			continue;
		snprintf(id, sizeof(id), "%d", v);
		top_print_row("", id, now >= then ? now - then : 0, now, secs, all);
	}
}

static void top_print_table(const struct top_sample *a, const struct top_sample *b, int extra,
			    double secs)
{
	struct top_row rows[EXIT_REASON_MAX];
	uint64_t delta = 0, total = 0;
	int i, n = top_rows(a, b, extra, rows);

	for (i = 0; i < n; i++) {
		delta += rows[i].delta;
		total += rows[i].total;
	}
	if (extra && !n)
		return;
	printf("\n%-18s %5s %12s %7s %14s\n", extra ? "vmscope handling" : "exit reason", "vcpu",
	       extra ? "events/s" : "exits/s", "share", "total");
	for (i = 0; i < n; i++) {
		top_print_row(extra ? exit__extra_name(rows[i].index)
				    : exit__reason_name(rows[i].index),
			      "all", rows[i].delta, rows[i].total, secs, delta);
		if (b->nr_vcpus > 1)
			top_print_vcpus(a, b, extra, rows[i].index, secs, delta);
	}
	if (!extra)
		top_print_row("total", "all", delta, total, secs, delta);
}

static void top_print(const struct top_info *in, const struct top_sample *a,
		      const struct top_sample *b, int tty)
{
	double secs = (b->time_ns - a->time_ns) / 1e9;

	if (secs <= 0)
		secs = 1e-9;
	if (tty)
		printf("\033[H\033[2J");
	printf("vmscope top: pid %d, %d vCPU%s, %s, guest %s, up %.1f s, last %.2f s\n",
	       (int)in->pid, in->nr_vcpus, in->nr_vcpus == 1 ? "" : "s", in->state, in->guest,
	       in->uptime, secs);
	top_print_table(a, b, 0, secs);
	top_print_table(a, b, 1, secs);
	if (!tty)
		printf("\n");
	fflush(stdout);
}

static void top_sleep(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };

	while (!top_interrupted && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int top_loop(struct control_reader *r, const struct top_opts *o)
{
	static struct top_sample s[2];
	struct top_info in;
	int cur = 0, ret, tty = isatty(STDOUT_FILENO);
	long i;

	ret = top_get_info(r, &in);
	if (!ret)
		ret = top_sample(r, &s[cur]);
	for (i = 0; !ret && (!o->iterations || i < o->iterations) && !top_interrupted; i++) {
		top_sleep(o->interval);
		if (top_interrupted)
			break;
		ret = top_get_info(r, &in);
		if (!ret)
			ret = top_sample(r, &s[!cur]);
		if (!ret) {
			top_print(&in, &s[cur], &s[!cur], tty);
			cur = !cur;
		}
	}
	/* The VMM ending after at least one refresh is the normal end of watching it. */
	if ((ret == -EPIPE || ret == -ECONNRESET) && i > 0) {
		fprintf(stderr, "vmscope top: pid %d has stopped\n", (int)in.pid);
		return 0;
	}
	return ret;
}

int cmd_top(int argc, char **argv)
{
	struct control_reader *r;
	struct top_opts o;
	pid_t pid;
	int fd, ret = top_parse(argc, argv, &o);

	if (ret == 1) {
		top_usage(stdout);
		return 0;
	}
	if (!ret)
		ret = control__resolve(NULL, o.pid, &pid);
	if (ret) {
		fprintf(stderr, "vmscope top: %s\n", err__msg(ret));
		return ret == -EINVAL ? 2 : 1;
	}
	fd = control__connect(NULL, pid);
	if (fd < 0) {
		fprintf(stderr, "vmscope top: %s\n", err__msg(fd));
		return 1;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		close(fd);
		return 1;
	}
	control__reader_init(r, fd);
	signal(SIGINT, top_on_signal);
	signal(SIGTERM, top_on_signal);
	ret = top_loop(r, &o);
	if (ret)
		fprintf(stderr, "vmscope top: pid %d: %s\n", (int)pid, err__msg(ret));
	free(r);
	close(fd);
	return ret ? 1 : 0;
}
