// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket against real VMMs: `vmscope run` boots guest_spin (below) on two vCPUs
 * with tracing; `vmscope top` and `vmscope live` must show its IO and MMIO exits; pause
 * freezes the counters and resume releases them; a subscriber that does not read loses
 * events and is told how many; stop ends the run with status 0 and removes the socket.  A
 * second VMM without tracing checks the errors: several VMMs without a PID, live without
 * --trace.
 */
#include "vmm_harness.h"

#define SPIN_PORT 0x600
#define SPIN_MMIO 0xd8000000ull /* in the MMIO hole, claimed by no device */

/* Exits forever: one port write and one MMIO write a round, on every vCPU. */
static GUEST_CODE void guest_spin(uint64_t vcpu_id, uint64_t nr_vcpus)
{
	(void)nr_vcpus;
	for (;;) {
		guest_outb(SPIN_PORT, vcpu_id);
		guest_mmio_write32(SPIN_MMIO, 1);
	}
}

static char entry_s[32];

static int vmm_start(struct vmm *m, int trace, int vcpus)
{
	return vmm_spawn(m, entry_s, trace, vcpus, NULL);
}

static uint64_t vmm_total(struct vmm *m)
{
	struct json_object *j = vmm_ask(m, "stats");
	struct json_object *vcpus = json_object_object_get(j, "vcpus");
	size_t i, n = json_object_is_type(vcpus, json_type_array) ? json_object_array_length(vcpus)
								  : 0;
	uint64_t total = 0;

	for (i = 0; i < n; i++)
		total += jsonc__u64(json_object_array_get_idx(vcpus, i), "total", 0);
	json_object_put(j);
	return total;
}

static int check_top(struct vmm *m)
{
	const char *once[] = { "vmscope", "top", "--once", m->pid_s, NULL };
	const char *twice[] = { "vmscope", "top", "-n", "2", "-i", "0.2", m->pid_s, NULL };
	char *out;

	TEST_ASSERT(cli_run(once, &out) == 0, "top --once failed:\n%s", out);
	TEST_ASSERT(strstr(out, "\nIO ") && strstr(out, "\nMMIO ") && strstr(out, "exits/s"),
		    "top shows no IO and MMIO rows:\n%s", out);
	TEST_ASSERT(strstr(out, "2 vCPUs") && strstr(out, "io_unhandled"), "top output:\n%s", out);
	free(out);
	TEST_ASSERT(cli_run(twice, &out) == 0, "top -n 2 failed:\n%s", out);
	TEST_ASSERT(cli_count(out, "vmscope top: pid") == 2, "not two refreshes:\n%s", out);
	free(out);
	return 0;
}

static int check_live(struct vmm *m)
{
	const char *text[] = { "vmscope", "live", "--count", "200", m->pid_s, NULL };
	const char *json[] = { "vmscope", "live", "--json", "-c", "50", m->pid_s, NULL };
	char *out, *line, *save = NULL;
	int n = 0;

	TEST_ASSERT(cli_run(text, &out) == 0, "live failed:\n%s", out);
	TEST_ASSERT(cli_count(out, "exit") >= 150 && strstr(out, "IO") && strstr(out, "MMIO"),
		    "live shows %d exits, not 150 IO and MMIO exits; its output ends:\n%s",
		    cli_count(out, "exit"), out + (strlen(out) > 1500 ? strlen(out) - 1500 : 0));
	free(out);
	TEST_ASSERT(cli_run(json, &out) == 0, "live --json failed:\n%s", out);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *j = jsonc__parse(line, "a live --json line", NULL);

		TEST_ASSERT(j, "%s (%s)", err__last(), line);
		n += json_object_object_get(j, "event") != NULL;
		json_object_put(j);
	}
	TEST_ASSERT(n >= 50, "live --json gave %d events", n);
	free(out);
	return 0;
}

/* The next reply line on a subscribed connection (event lines are skipped). */
static int next_reply(struct control_reader *r, char *line, size_t size)
{
	int i;

	for (i = 0; i < 1000000; i++)
		if (control__read_line(r, line, size, 10000) != 1 || !strncmp(line, "{\"ok\":", 6))
			return 0;
	return -1;
}

/* A second subscribe is refused; unsubscribe, then subscribe again (in JSON) works. */
static int check_resubscribe(struct vmm *m)
{
	struct control_reader *r = malloc(sizeof(*r));
	int fd = control__connect(NULL, m->pid), found = 0, i;
	char line[8192];

	TEST_ASSERT(fd >= 0, "connect: %s", err__msg(fd));
	control__reader_init(r, fd);
	TEST_ASSERT(!control__request(r, "subscribe", line, sizeof(line)), "subscribe");
	TEST_ASSERT(!control__send(fd, "subscribe") && !next_reply(r, line, sizeof(line)) &&
			    strstr(line, "already subscribed"),
		    "second subscribe: %s", line);
	TEST_ASSERT(!control__send(fd, "unsubscribe") && !next_reply(r, line, sizeof(line)) &&
			    strstr(line, "\"ok\":true"),
		    "unsubscribe: %s", line);
	TEST_ASSERT(!control__send(fd, "subscribe --json") && !next_reply(r, line, sizeof(line)) &&
			    strstr(line, "\"format\":\"json\""),
		    "subscribe --json: %s", line);
	for (i = 0; i < 100 && control__read_line(r, line, sizeof(line), 10000) == 1; i++)
		found += !strncmp(line, "{\"event\":", 9);
	TEST_ASSERT(found > 0, "no JSON events after subscribing again");
	close(fd);
	free(r);
	return 0;
}

static int check_pause(struct vmm *m)
{
	double end = cli_now() + 60;
	uint64_t a, b;

	TEST_ASSERT(vmm_ok(m, "pause"), "pause refused");
	a = vmm_total(m);
	usleep(200000);
	b = vmm_total(m);
	TEST_ASSERT(a == b, "exits went on while paused: %llu then %llu", (unsigned long long)a,
		    (unsigned long long)b);
	TEST_ASSERT(!vmm_ok(m, "pause"), "a second pause was accepted");
	TEST_ASSERT(vmm_ok(m, "resume"), "resume refused");
	while (vmm_total(m) == b)
		TEST_ASSERT(cli_now() < end, "no exits after resume");
	return 0;
}

/* Subscribe, read nothing while the guest makes many exits, then read: a loss notice. */
static int check_slow_subscriber(struct vmm *m)
{
	struct control_reader *r = malloc(sizeof(*r));
	uint64_t start, lines = 0, lost = 0;
	double end = cli_now() + 120;
	char line[8192];
	int fd = control__connect(NULL, m->pid);

	TEST_ASSERT(fd >= 0, "connect: %s", err__msg(fd));
	control__reader_init(r, fd);
	TEST_ASSERT(!control__request(r, "subscribe", line, sizeof(line)) &&
			    strstr(line, "\"ok\":true"),
		    "subscribe: %s", line);
	start = vmm_total(m);
	while (vmm_total(m) < start + 100000) {
		TEST_ASSERT(cli_now() < end, "the guest made too few exits");
		usleep(50000);
	}
	while (!lost && lines < 2000000 && control__read_line(r, line, sizeof(line), 10000) == 1) {
		lines++;
		if (!strncmp(line, "lost ", 5) && strstr(line, "fell behind"))
			lost = strtoull(line + 5, NULL, 10);
	}
	close(fd);
	free(r);
	TEST_ASSERT(lost > 0, "no loss notice in %llu lines", (unsigned long long)lines);
	printf("# slow subscriber: told of %llu lost events after %llu lines\n",
	       (unsigned long long)lost, (unsigned long long)lines);
	return 0;
}

static int check_errors(struct vmm *traced, struct vmm *plain)
{
	const char *top[] = { "vmscope", "top", "--once", NULL };
	const char *live[] = { "vmscope", "live", "-c", "1", plain->pid_s, NULL };
	const char *bad[] = { "vmscope", "top", "--once", "999999999", NULL };
	char *out;

	TEST_ASSERT(cli_run(top, &out) == 1 && strstr(out, "2 VMMs are running") &&
			    strstr(out, traced->pid_s) && strstr(out, plain->pid_s),
		    "top without PID among two VMMs:\n%s", out);
	free(out);
	TEST_ASSERT(cli_run(live, &out) == 1 && strstr(out, "--trace DIR"),
		    "live without tracing:\n%s", out);
	free(out);
	TEST_ASSERT(!vmm_ok(plain, "dump") && !vmm_ok(traced, "dump"),
		    "dump accepted without a flight recorder");
	TEST_ASSERT(cli_run(bad, &out) != 0 && strstr(out, "no VMM with pid"),
		    "top of a missing pid:\n%s", out);
	free(out);
	return 0;
}

static int check_stop(struct vmm *m)
{
	char sock[PATH_MAX + 32], *out;
	int status;

	snprintf(sock, sizeof(sock), "%s/%d.sock", getenv("VMSCOPE_CONTROL_DIR"), (int)m->pid);
	TEST_ASSERT(vmm_ok(m, "stop"), "stop refused");
	status = cli_wait(m->pid, 60);
	out = cli_slurp(m->out);
	TEST_ASSERT(status == 0 && strstr(out, "stopped through the control socket"),
		    "the VMM ended with %d:\n%s", status, out);
	free(out);
	TEST_ASSERT(access(sock, F_OK) && errno == ENOENT, "%s was left behind", sock);
	return 0;
}

static int test_control_socket(void)
{
	struct vmm traced, plain;
	struct json_object *j, *tracing;
	int ret;

	if (vmm_start(&traced, 1, 2))
		return -1;
	j = vmm_ask(&traced, "info");
	tracing = json_object_object_get(j, "tracing");
	TEST_ASSERT(j && jsonc__u64(j, "vcpus", 0) == 2 &&
			    json_object_is_type(tracing, json_type_boolean) &&
			    json_object_get_boolean(tracing),
		    "info");
	json_object_put(j);
	ret = check_top(&traced);
	if (!ret)
		ret = check_live(&traced);
	if (!ret)
		ret = check_resubscribe(&traced);
	if (!ret)
		ret = check_pause(&traced);
	if (!ret)
		ret = check_slow_subscriber(&traced);
	if (!ret && !vmm_start(&plain, 0, 1)) {
		ret = check_errors(&traced, &plain);
		if (check_stop(&plain))
			ret = -1;
	}
	if (check_stop(&traced))
		ret = -1;
	return ret;
}

/* SIGTERM ends the run through its normal path, so the socket goes too. */
static int test_sigterm(void)
{
	struct vmm m;
	char sock[PATH_MAX + 32];

	if (vmm_start(&m, 0, 1))
		return -1;
	snprintf(sock, sizeof(sock), "%s/%d.sock", getenv("VMSCOPE_CONTROL_DIR"), (int)m.pid);
	kill(m.pid, SIGTERM);
	TEST_ASSERT(cli_wait(m.pid, 60) == 128 + SIGTERM, "status after SIGTERM");
	TEST_ASSERT(access(sock, F_OK), "%s was left behind after SIGTERM", sock);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "control socket: info, top, live, pause, slow subscriber, stop",
		  test_control_socket },
		{ "SIGTERM removes the socket", test_sigterm },
	};
	int ret;

	harness_require_kvm();
	cli_setup();
	snprintf(entry_s, sizeof(entry_s), "%#lx", (unsigned long)(uintptr_t)guest_spin);
	signal(SIGPIPE, SIG_IGN);
	ret = harness_main(cases, 2);
	cli_cleanup();
	return ret;
}
