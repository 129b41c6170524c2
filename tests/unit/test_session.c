// SPDX-License-Identifier: GPL-2.0
/*
 * A trace session with no VM: vCPU streams filled by threads, the owner's tick emitting host
 * events (as core does with KVM's statistics), kernel streams, the options refused, and the
 * finished directory read back (trace__check_dir, and babeltrace2 where installed).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/ring.h"
#include "../trace/trace.h"

#define NR_VCPUS 3
#define PER_VCPU 20000

static char tmpdir[] = "/tmp/vmscope-test-session-XXXXXX";

struct ticks {
	int normal, final, after_final;
	struct trace_session *s;
	/* The session each tick was given; checked by the test's thread once the session
	 * thread has ended (a tick may come before trace__start has returned the session). */
	struct trace_session *seen;
	int seen_differ;
};

/* The owner's tick: one kvm_stats event per call, vcpu = how the tick was called. */
static void on_tick(struct trace_session *s, int final, void *opaque)
{
	struct ticks *t = opaque;
	struct trace_kvm_stats_args a = { .vcpu = final, .exits = t->normal };

	if (t->seen && t->seen != s)
		t->seen_differ = 1;
	t->seen = s;
	if (t->final)
		t->after_final++;
	if (final)
		t->final++;
	else
		t->normal++;
	trace__kvm_stats(s, &a);
}

struct producer {
	struct trace_ring *ring;
	uint32_t vcpu;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct trace_exit_args a = { .reason = 2, .vcpu = p->vcpu };
	uint64_t i;

	for (i = 0; i < PER_VCPU; i++) {
		a.rip = i;
		trace_emit_exit_ts(p->ring, trace_clock__now(), &a);
		if (!(i % 1000))
			usleep(1000); /* spread over a few ticks; the ring never fills */
	}
	return NULL;
}

/* Lines of babeltrace2's text output holding word; -1 when babeltrace2 is not installed. */
static long babeltrace_count(const char *dir, const char *word)
{
	char cmd[1024], line[4096];
	long n = 0;
	FILE *f;

	if (system("command -v babeltrace2 >/dev/null 2>&1"))
		return -1;
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, word) != NULL;
	assert_int_equal(pclose(f), 0);
	return n;
}

static void test_session_without_vm(void **state)
{
	struct trace_opts o = { .nr_vcpus = NR_VCPUS, .kernel_streams = 1, .tick = on_tick };
	struct trace_stream_stats st[2 * NR_VCPUS + 1];
	struct producer p[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	struct ticks t = { 0 };
	char dir[256];
	long n;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/s", tmpdir);
	o.dir = dir;
	o.tick_opaque = &t;
	assert_int_equal(trace__start(&o, &t.s), 0);
	assert_null(trace__vcpu_ring(t.s, -1));
	assert_null(trace__vcpu_ring(t.s, NR_VCPUS));
	assert_non_null(trace__kernel_ring(t.s, NR_VCPUS - 1));
	for (i = 0; i < NR_VCPUS; i++) {
		p[i] = (struct producer){ trace__vcpu_ring(t.s, i), i };
		assert_non_null(p[i].ring);
		assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]), 0);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(trace__stop(t.s), 0);
	assert_ptr_equal(t.seen, t.s);
	assert_false(t.seen_differ);
	assert_int_equal(t.final, 1);
	assert_int_equal(t.after_final, 0);

	n = trace__stream_stats(t.s, st, 2 * NR_VCPUS + 1);
	assert_int_equal(n, 2 * NR_VCPUS + 1);
	for (i = 0; i < n; i++) {
		if (st[i].stream_id < NR_VCPUS)
			assert_int_equal(st[i].records, PER_VCPU);
		else if (trace__stream_is_kernel(st[i].stream_id))
			assert_int_equal(st[i].records, 0);
		assert_int_equal(st[i].lost, 0);
	}
	trace__free(t.s);
	assert_int_equal(trace__check_dir(dir), 0);

	n = babeltrace_count(dir, " exit: ");
	if (n < 0) {
		printf("# babeltrace2 not installed: the directory was checked by vmscope only\n");
		return;
	}
	assert_int_equal(n, NR_VCPUS * PER_VCPU);
	assert_int_equal(babeltrace_count(dir, " kvm_stats: "), t.normal + t.final);
}

static void test_session_options_refused(void **state)
{
	struct trace_opts o = { .nr_vcpus = 0 };
	struct trace_session *s = (void *)1;
	char dir[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/bad", tmpdir);
	o.dir = dir;
	assert_int_equal(trace__start(&o, &s), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err__msg(-EINVAL), "1 to 1024 vCPU streams, not 0"));
	o.nr_vcpus = TRACE_MAX_VCPUS + 1;
	assert_int_equal(trace__start(&o, &s), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "not 1025"));
	o.nr_vcpus = 1;
	o.dir = NULL;
	assert_int_equal(trace__start(&o, &s), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "--trace DIR"));
	/* The host-event helpers take no session: tracing off. */
	trace__kvm_stats(NULL, &(struct trace_kvm_stats_args){ 0 });
	assert_null(trace__vcpu_ring(NULL, 0));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_without_vm),
		cmocka_unit_test(test_session_options_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
