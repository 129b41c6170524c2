// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing a guest, read back by the babeltrace2 command itself: a guest doing N port I/Os
 * yields exactly N io exit events; babeltrace2 accepts the metadata; a tiny ring held
 * undrained loses records and babeltrace2 reports exactly that many discarded events; the
 * flight recorder keeps the newest records and accounts for the rest.
 */
#include <sys/stat.h>

#include "../../trace/trace.h"
#include "harness.h"

#define TEST_PORT 0x600
#define NR_IO 1000

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint32_t i;

	(void)id;
	(void)nr;
	for (i = 0; i < NR_IO; i++)
		guest_outl(TEST_PORT, i);
	GUEST_DONE();
}

static int null_hook(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write,
		     uint8_t *data)
{
	(void)v, (void)opaque, (void)port, (void)size, (void)is_write, (void)data;
	return 0;
}

static char tmpdir[] = "/tmp/vmscope-test-trace-XXXXXX";

struct bt_result {
	int status; /* babeltrace2's exit status */
	long exits_port; /* exit events of TEST_PORT */
	long exits; /* all exit events */
	long lost_events; /* lost records' counts */
	long discarded; /* from babeltrace2's own "discarded N events" warnings */
	char first_err[256]; /* first line babeltrace2 printed on stderr, if any */
};

/* Run `babeltrace2 dir` and count what it printed. */
static int babeltrace(const char *dir, struct bt_result *r)
{
	char cmd[512], line[200], errpath[300];
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(errpath, sizeof(errpath), "%s.err", dir);
	snprintf(cmd, sizeof(cmd), "babeltrace2 %s 2>%s", dir, errpath);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strstr(line, " exit: ")) {
			r->exits++;
			r->exits_port += strstr(line, "qual = 0x600,") != NULL;
		}
		p = strstr(line, " lost: ");
		if (p && (p = strstr(p, "count = ")))
			r->lost_events += atol(p + 8);
	}
	r->status = pclose(f);
	f = fopen(errpath, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "Tracer discarded ");

		if (p)
			r->discarded += atol(p + 17);
		else if (!r->first_err[0])
			snprintf(r->first_err, sizeof(r->first_err), "%s", line);
	}
	if (f)
		fclose(f);
	return 0;
}

static void require_babeltrace2(void)
{
	if (system("babeltrace2 --version >/dev/null 2>&1") != 0) {
		printf("SKIP: the babeltrace2 command is not installed (apt-get install "
		       "babeltrace2)\n");
		exit(KSFT_SKIP);
	}
}

/* Run the port-I/O guest with a trace in dir; fills the total exit count. */
static int traced_run(const char *dir, const struct trace_opts *to, uint64_t *exits,
		      struct trace_stream_stats *vcpu0)
{
	struct tvm_opts o = { .entry = guest_code };
	struct trace_opts t = *to;
	struct trace_session *s;
	struct vm vm;
	int status, ret;

	t.dir = dir;
	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!hooks__add_pio(&vm.hooks, TEST_PORT, 4, "test", null_hook, NULL), "%s",
		    err__last());
	ret = vm__trace_start(&vm, &t, &s);
	TEST_ASSERT(ret == 0, "vm__trace_start: %s", err__msg(ret));
	status = tvm_run(&vm, 60);
	ret = vm__trace_stop(&vm);
	TEST_ASSERT(ret == 0, "vm__trace_stop: %s", err__msg(ret));
	trace__stream_stats(s, vcpu0, 1);
	trace__free(s);
	TEST_ASSERT(status == 0, "guest status %d: %s", status, vm.stop_reason);
	*exits = vm.vcpus[0].stats.total;
	vm__destroy(&vm);
	return 0;
}

static int test_exact_io_count(void)
{
	struct trace_opts to = { 0 };
	struct trace_stream_stats st;
	struct bt_result bt;
	char dir[300];
	uint64_t exits;

	snprintf(dir, sizeof(dir), "%s/exact", tmpdir);
	if (traced_run(dir, &to, &exits, &st))
		return -1;
	TEST_ASSERT(trace__check_dir(dir) == 0, "%s", err__last());
	TEST_ASSERT(babeltrace(dir, &bt) == 0, "cannot run babeltrace2");
	TEST_ASSERT(bt.status == 0 && !bt.first_err[0], "babeltrace2 failed (%d): %s", bt.status,
		    bt.first_err);
	TEST_ASSERT(bt.exits_port == NR_IO, "%ld exit events of port 0x600, want %d", bt.exits_port,
		    NR_IO);
	/* And every other exit (the DONE ucall) is there too, nothing lost. */
	TEST_ASSERT(bt.exits == (long)exits, "%ld exit events, %llu exits", bt.exits,
		    (unsigned long long)exits);
	TEST_ASSERT(st.lost == 0 && bt.discarded == 0, "lost %llu", (unsigned long long)st.lost);
	return 0;
}

static int test_lost_reported(void)
{
	struct trace_opts to = { .buffer_size = 4096, .hold = 1 };
	struct trace_stream_stats st;
	struct bt_result bt;
	char dir[300];
	uint64_t exits;

	snprintf(dir, sizeof(dir), "%s/lost", tmpdir);
	if (traced_run(dir, &to, &exits, &st))
		return -1;
	TEST_ASSERT(babeltrace(dir, &bt) == 0, "cannot run babeltrace2");
	TEST_ASSERT(bt.status == 0, "babeltrace2 failed (%d): %s", bt.status, bt.first_err);
	TEST_ASSERT(st.lost > 0, "a 4 KiB ring held undrained lost nothing");
	/* babeltrace2's own warning, the in-band LOST records and the ring agree. */
	TEST_ASSERT(bt.discarded == (long)st.lost, "babeltrace2 says %ld discarded, ring %llu",
		    bt.discarded, (unsigned long long)st.lost);
	TEST_ASSERT(bt.lost_events == (long)st.lost, "LOST records count %ld, ring %llu",
		    bt.lost_events, (unsigned long long)st.lost);
	TEST_ASSERT(bt.exits + bt.lost_events == (long)exits, "%ld exits + %ld lost != %llu",
		    bt.exits, bt.lost_events, (unsigned long long)exits);
	return 0;
}

static int test_flight_recorder(void)
{
	struct trace_opts to = { .buffer_size = 4096, .overwrite = 1 };
	struct trace_stream_stats st;
	struct bt_result bt;
	char dir[300];
	uint64_t exits;

	snprintf(dir, sizeof(dir), "%s/ow", tmpdir);
	if (traced_run(dir, &to, &exits, &st))
		return -1;
	TEST_ASSERT(babeltrace(dir, &bt) == 0, "cannot run babeltrace2");
	TEST_ASSERT(bt.status == 0, "babeltrace2 failed (%d): %s", bt.status, bt.first_err);
	TEST_ASSERT(bt.exits > 0 && bt.exits < (long)exits, "%ld of %llu exits kept", bt.exits,
		    (unsigned long long)exits);
	/* The newest records are kept; the overwritten ones are counted, so they add up. */
	TEST_ASSERT(bt.exits + bt.discarded == (long)exits, "%ld kept + %ld discarded != %llu",
		    bt.exits, bt.discarded, (unsigned long long)exits);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "trace_exact_io_count", test_exact_io_count },
		{ "trace_lost_reported_by_babeltrace2", test_lost_reported },
		{ "trace_flight_recorder", test_flight_recorder },
	};
	char cmd[128];
	int ret;

	harness_require_kvm();
	require_babeltrace2();
	if (!mkdtemp(tmpdir))
		return 1;
	ret = harness_main(cases, 3);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		ret = 1;
	return ret;
}
