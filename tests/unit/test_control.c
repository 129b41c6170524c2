// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket without a guest: the request parser (good and bad input), the JSON
 * replies, the subscriber queue's loss accounting, and a real server on a fabricated VM
 * (its statistics only) answering over its socket in a private directory.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../control/control.h"
#include "../../control/control_priv.h"
#include "../../lib/err.h"
#include "../../lib/jsonc.h"
#include "vcpu.h"
#include "vm.h"

static int parse(const char *line, struct control_req *req)
{
	err__clear();
	return control__parse(line, strlen(line), req);
}

static void expect_bad(const char *line, const char *words)
{
	struct control_req req;

	assert_int_equal(parse(line, &req), -EINVAL);
	if (!strstr(err__msg(-EINVAL), words))
		fail_msg("'%s': message '%s' lacks '%s'", line, err__msg(-EINVAL), words);
}

static void test_parse_good(void **state)
{
	struct control_req req;

	(void)state;
	assert_int_equal(parse("stats", &req), 0);
	assert_int_equal(req.cmd, CONTROL_STATS);
	assert_int_equal(parse("  info\t ", &req), 0);
	assert_int_equal(req.cmd, CONTROL_INFO);
	assert_int_equal(parse("stop\r", &req), 0);
	assert_int_equal(req.cmd, CONTROL_STOP);
	assert_int_equal(parse("subscribe", &req), 0);
	assert_int_equal(req.cmd, CONTROL_SUBSCRIBE);
	assert_int_equal(req.json, 0);
	assert_int_equal(parse("subscribe --json", &req), 0);
	assert_int_equal(req.json, 1);
	assert_int_equal(parse("pause", &req), 0);
	assert_int_equal(req.cmd, CONTROL_PAUSE);
	assert_int_equal(parse("resume", &req), 0);
	assert_int_equal(parse("unsubscribe", &req), 0);
	assert_int_equal(parse("help", &req), 0);
	assert_int_equal(parse("dump", &req), 0);
	assert_int_equal(req.cmd, CONTROL_DUMP);
	assert_string_equal(control__cmd_name(CONTROL_SUBSCRIBE), "subscribe");
}

static void test_parse_gears(void **state)
{
	struct control_req req;

	(void)state;
	assert_int_equal(parse("syscalls", &req), 0);
	assert_int_equal(req.cmd, CONTROL_SYSCALLS);
	assert_string_equal(req.add, "");
	assert_int_equal(parse("syscalls --add openat,class:file --remove write", &req), 0);
	assert_string_equal(req.add, "openat,class:file");
	assert_string_equal(req.remove, "write");
	expect_bad("syscalls --add", "needs a value");
	expect_bad("syscalls --only x", "takes --add LIST and --remove LIST");
	assert_int_equal(parse("inject /a/b.bin --arg 0x10 --entry 4 --cr3 0x1000 --vcpu 1 "
			       "--timeout 50",
			       &req),
			 0);
	assert_int_equal(req.cmd, CONTROL_INJECT);
	assert_string_equal(req.path, "/a/b.bin");
	assert_int_equal(req.arg, 0x10);
	assert_int_equal(req.entry, 4);
	assert_int_equal(req.cr3, 0x1000);
	assert_int_equal(req.vcpu, 1);
	assert_int_equal(req.timeout_ms, 50);
	assert_int_equal(parse("inject /a", &req), 0);
	assert_int_equal(req.timeout_ms, 1000);
	expect_bad("inject", "absolute path");
	expect_bad("inject a.bin", "absolute path");
	expect_bad("inject /a --vcpu", "needs a value");
	expect_bad("inject /a --vcpu 5000", "at most 1023");
	expect_bad("inject /a --timeout 70000", "at most 60000");
	expect_bad("inject /a --arg x", "--arg");
	expect_bad("inject /a --bogus 1", "unknown option '--bogus'");
	assert_int_equal(parse("inject /a --program spin", &req), 0);
	assert_string_equal(req.program, "spin");
	expect_bad("inject /a --program 0123456789abcdef", "1 to 15 characters");
}

static void test_parse_bad(void **state)
{
	char big[CONTROL_LINE_MAX + 10], nul[] = "stats\0x";
	struct control_req req;

	(void)state;
	expect_bad("", "empty request");
	expect_bad("   \t", "empty request");
	expect_bad("bogus", "unknown command 'bogus'");
	expect_bad("STATS", "unknown command");
	expect_bad("stats now", "takes no arguments");
	expect_bad("subscribe --xml", "only --json");
	expect_bad("subscribe --json --json", "only --json");
	expect_bad("a b c d e f g h i j k l m n o p q", "too many words");
	expect_bad("\x01stats", "byte 0x01");
	expect_bad("st\xc3\xa4ts", "byte 0xc3");
	assert_int_equal(control__parse(nul, sizeof(nul) - 1, &req), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "byte 0x00"));
	memset(big, 'a', sizeof(big));
	assert_int_equal(control__parse(big, sizeof(big), &req), -EINVAL);
	assert_non_null(strstr(err__msg(-EINVAL), "refused"));
}

/* The reply buffer, and a reply's exact bytes: escapes, the null cmd, one line. */
static void test_cbuf(void **state)
{
	static const char reply[] =
		"{\"ok\":false,\"cmd\":null,\"error\":\"a\\\"b\\\\\\n\\u0001\"}\n";
	struct cbuf b;

	(void)state;
	cbuf__init(&b, 64);
	assert_int_equal(control__reply_error(&b, NULL, "a\"b\\\n\x01"), 0);
	assert_string_equal(b.data, reply);
	/* A reply that does not fit is refused whole: nothing of it is left in the buffer. */
	assert_int_equal(control__reply_help(&b), -ENOSPC);
	assert_int_equal(b.overflow, 1);
	assert_string_equal(b.data, reply);
	assert_int_equal(cbuf__lit(&b, "0123456789abcdef"), -ENOSPC);
	cbuf__consume(&b, 12);
	assert_string_equal(b.data, reply + 12);
	cbuf__free(&b);
}

/* A VM with statistics only: enough for stats and info. */
static void fake_vm(struct vm *vm, struct vcpu *v, int n)
{
	memset(vm, 0, sizeof(*vm));
	memset(v, 0, sizeof(*v) * n);
	vm->nr_vcpus = n;
	vm->vcpus = v;
	vm->opts.mem_size = 64ull << 20;
	v[0].stats.reason[KVM_EXIT_IO] = 12;
	v[0].stats.reason[KVM_EXIT_MMIO] = 3;
	v[0].stats.total = 15;
	v[0].stats.extra[EXIT_X_PIO_UNHANDLED] = 5;
	v[1].stats.reason[KVM_EXIT_HLT] = 1;
	v[1].stats.total = 1;
}

static void check_stats(const char *text)
{
	struct json_object *j = jsonc__parse(text, "the stats reply", NULL), *vcpus, *v0, *v1;

	if (!j)
		fail_msg("%s (%s)", err__msg(-EINVAL), text);
	assert_true(json_object_get_boolean(json_object_object_get(j, "ok")));
	assert_string_equal(jsonc__str(j, "cmd"), "stats");
	vcpus = json_object_object_get(j, "vcpus");
	assert_true(json_object_is_type(vcpus, json_type_array));
	assert_int_equal(json_object_array_length(vcpus), 2);
	v0 = json_object_array_get_idx(vcpus, 0);
	v1 = json_object_array_get_idx(vcpus, 1);
	assert_int_equal(jsonc__u64(json_object_object_get(v0, "exits"), "IO", 0), 12);
	assert_int_equal(jsonc__u64(json_object_object_get(v0, "exits"), "MMIO", 0), 3);
	assert_int_equal(jsonc__u64(v0, "total", 0), 15);
	assert_int_equal(jsonc__u64(json_object_object_get(v0, "extra"), "io_unhandled", 0), 5);
	assert_int_equal(jsonc__u64(json_object_object_get(v1, "exits"), "HLT", 0), 1);
	assert_null(json_object_object_get(json_object_object_get(v1, "exits"), "IO"));
	json_object_put(j);
}

static void expect_reply(struct cbuf *b, int ret, const char *want)
{
	assert_int_equal(ret, 0);
	assert_string_equal(b->data, want);
	cbuf__consume(b, b->len);
}

static void test_replies(void **state)
{
	struct control_info ci = { .pid = 42, .guest = "g\"uest.elf", .socket = "/x/42.sock" };
	struct json_object *j;
	struct vcpu v[2];
	struct vm vm;
	struct cbuf b;

	(void)state;
	fake_vm(&vm, v, 2);
	cbuf__init(&b, 1 << 20);
	assert_int_equal(control__reply_stats(&b, &vm, 1000), 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	check_stats(b.data);
	cbuf__consume(&b, b.len);
	assert_int_equal(control__reply_info(&b, &vm, &ci), 0);
	j = jsonc__parse(b.data, "the info reply", NULL);
	assert_non_null(j);
	assert_string_equal(jsonc__str(j, "guest"), "g\"uest.elf");
	assert_int_equal(jsonc__u64(j, "vcpus", 0), 2);
	assert_int_equal(jsonc__u64(j, "mem_bytes", 0), 64ull << 20);
	assert_string_equal(jsonc__str(j, "state"), "running");
	assert_string_equal(jsonc__str(j, "socket"), "/x/42.sock");
	json_object_put(j);
	cbuf__consume(&b, b.len);
	assert_int_equal(control__reply_error(&b, NULL, "bad \"thing\""), 0);
	j = jsonc__parse(b.data, "the error reply", NULL);
	assert_non_null(j);
	assert_false(json_object_get_boolean(json_object_object_get(j, "ok")));
	assert_string_equal(jsonc__str(j, "error"), "bad \"thing\"");
	json_object_put(j);
	cbuf__consume(&b, b.len);
	/* Clients recognise these by their first bytes (vmscope live, the guest tests). */
	expect_reply(&b, control__reply_ok(&b, CONTROL_PAUSE), "{\"ok\":true,\"cmd\":\"pause\"}\n");
	expect_reply(&b, control__reply_subscribe(&b, 1),
		     "{\"ok\":true,\"cmd\":\"subscribe\",\"format\":\"json\"}\n");
	expect_reply(&b, control__notice_lost(&b, 1, 18446744073709551615ull, "fell behind"),
		     "{\"lost\":18446744073709551615,\"why\":\"fell behind\"}\n");
	expect_reply(&b, control__notice_lost(&b, 0, 5, "fell behind"),
		     "lost 5 events (fell behind)\n");
	cbuf__free(&b);
}

static uint64_t pop_all(struct sub_queue *q, uint64_t *records, uint64_t *marked)
{
	uint64_t rec[64];
	uint32_t stream;
	size_t len;

	*records = *marked = 0;
	while ((len = sub_queue__pop(q, &stream, rec, sizeof(rec)))) {
		if (stream == SUB_MARK_LOST)
			*marked += rec[0];
		else
			(*records)++;
	}
	return *records + *marked;
}

static void test_sub_queue(void **state)
{
	uint64_t rec[5] = { 1, 2, 3, 4, 5 }, pushed = 0, dropped = 0, got, marked;
	struct sub_queue q;
	int i;

	(void)state;
	assert_int_equal(sub_queue__init(&q, 4096), 0);
	for (i = 0; i < 1000; i++) {
		if (sub_queue__push(&q, 0, rec, sizeof(rec)))
			dropped++;
		else
			pushed++;
	}
	assert_true(dropped > 0 && pushed > 0);
	pop_all(&q, &got, &marked);
	assert_int_equal(got, pushed);
	assert_int_equal(marked, 0);
	/* The next record that fits is preceded by a marker with the exact count. */
	assert_int_equal(sub_queue__push(&q, 7, rec, sizeof(rec)), 0);
	pop_all(&q, &got, &marked);
	assert_int_equal(got, 1);
	assert_int_equal(marked, dropped);
	assert_int_equal(sub_queue__take_lost(&q), 0);
	/* Loss with nothing after it is taken directly; records survive wrapping. */
	for (i = 0; i < 3000; i++)
		sub_queue__push(&q, 1, rec, sizeof(rec) - 8 * (i % 5));
	pop_all(&q, &got, &marked);
	assert_true(got > 0);
	assert_true(sub_queue__take_lost(&q) > 0);
	assert_int_equal(sub_queue__push(&q, 0, rec, 8000), -ENOSPC);
	assert_int_equal(sub_queue__take_lost(&q), 1);
	sub_queue__free(&q);
}

#define STRESS_RECORDS 1000000

static void *stress_producer(void *arg)
{
	struct sub_queue *q = arg;
	uint64_t seq, rec[4];

	for (seq = 1; seq <= STRESS_RECORDS; seq++) {
		rec[0] = seq;
		sub_queue__push(q, 0, rec, 8 * (1 + seq % 4));
	}
	return NULL;
}

/*
 * A producer and a consumer at once: records come out in order, and every gap in the
 * sequence is announced by a marker just before it, with the gap's exact size.
 */
static void test_sub_queue_threads(void **state)
{
	uint64_t rec[8], expect = 1, received = 0, lost = 0;
	struct sub_queue q;
	pthread_t t;
	uint32_t stream;
	int done = 0;

	(void)state;
	assert_int_equal(sub_queue__init(&q, 8192), 0);
	assert_int_equal(pthread_create(&t, NULL, stress_producer, &q), 0);
	for (;;) {
		size_t len = sub_queue__pop(&q, &stream, rec, sizeof(rec));

		if (!len) {
			uint64_t n = sub_queue__take_lost(&q);

			expect += n;
			lost += n;
			if (!n && done)
				break;
			if (!done && !pthread_tryjoin_np(t, NULL))
				done = 1; /* one more round takes what it left */
			continue;
		}
		if (stream == SUB_MARK_LOST) {
			expect += rec[0];
			lost += rec[0];
			continue;
		}
		assert_int_equal(len, 8 * (1 + rec[0] % 4));
		if (rec[0] != expect)
			fail_msg("record %llu where %llu was due", (unsigned long long)rec[0],
				 (unsigned long long)expect);
		expect++;
		received++;
	}
	print_message("%llu records received, %llu announced lost\n", (unsigned long long)received,
		      (unsigned long long)lost);
	/*
	 * Exact accounting is the invariant; how many records arrive depends on scheduling (a
	 * consumer preempted under load can let every push fail), so it is not asserted.
	 */
	assert_int_equal(received + lost, STRESS_RECORDS);
	sub_queue__free(&q);
}

struct server {
	char dir[64];
	struct vm vm;
	struct vcpu v[2];
	struct control *c;
};

static int server_setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct control_opts o = { .guest = "test.elf" };

	strcpy(s->dir, "/tmp/vmscope-test-ctl-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	fake_vm(&s->vm, s->v, 2);
	o.vm = &s->vm;
	o.dir = s->dir;
	s->c = control__start(&o);
	if (!s->c) {
		fprintf(stderr, "control__start: %s\n", err__msg(-errno));
		return -1;
	}
	*state = s;
	return 0;
}

static int server_teardown(void **state)
{
	struct server *s = *state;

	control__stop(s->c);
	rmdir(s->dir);
	free(s);
	return 0;
}

static void ask(struct control_reader *r, const char *req, char *line, size_t size)
{
	if (control__request(r, req, line, size))
		fail_msg("'%s': %s", req, err__last());
}

static void test_server_requests(void **state)
{
	struct server *s = *state;
	struct control_reader *r = malloc(sizeof(*r));
	char line[8192], big[3000];
	struct stat st;
	int fd;

	fd = control__connect(s->dir, getpid());
	assert_true(fd >= 0);
	assert_int_equal(stat(control__path(s->c), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	control__reader_init(r, fd);
	ask(r, "stats", line, sizeof(line));
	check_stats(line);
	ask(r, "info", line, sizeof(line));
	assert_non_null(strstr(line, "\"guest\":\"test.elf\""));
	assert_non_null(strstr(line, "\"tracing\":false"));
	ask(r, "frobnicate", line, sizeof(line));
	assert_non_null(strstr(line, "\"ok\":false"));
	assert_non_null(strstr(line, "unknown command 'frobnicate'"));
	ask(r, "subscribe", line, sizeof(line));
	assert_non_null(strstr(line, "--trace DIR"));
	ask(r, "dump", line, sizeof(line));
	assert_non_null(strstr(line, "--overwrite"));
	/* An over-long line is refused once; the connection goes on working. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(send(fd, big, strlen(big), 0), (ssize_t)strlen(big));
	ask(r, "", line, sizeof(line));
	assert_non_null(strstr(line, "longer than 1024 bytes refused"));
	ask(r, "help", line, sizeof(line));
	assert_non_null(strstr(line, "\"commands\""));
	ask(r, "stats", line, sizeof(line));
	check_stats(line);
	close(fd);
	free(r);
}

static void test_server_garbage(void **state)
{
	struct server *s = *state;
	struct control_reader *r = malloc(sizeof(*r));
	char junk[4096], line[8192];
	int i, fd = control__connect(s->dir, getpid());

	assert_true(fd >= 0);
	srand(7);
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = rand() % 256;
	assert_int_equal(send(fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	control__reader_init(r, fd);
	ask(r, "\nstats", line, sizeof(line));
	/* Every reply to the junk is an error; then stats still answers. */
	while (strstr(line, "\"ok\":false"))
		assert_int_equal(control__read_line(r, line, sizeof(line), 5000), 1);
	check_stats(line);
	close(fd);
	free(r);
}

/* A child waiting to be killed, with a VMM's socket file; new_session: in a session of its own. */
static pid_t spawn_sleeper(const char *dir, int new_session)
{
	int go[2];
	char path[128], c;
	pid_t p;

	assert_int_equal(pipe(go), 0);
	p = fork();
	if (!p) {
		if (new_session)
			setsid();
		c = 1;
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(go[0], &c, 1), 1); /* its session is set */
	close(go[0]);
	close(go[1]);
	snprintf(path, sizeof(path), "%s/%d.sock", dir, (int)p);
	fclose(fopen(path, "w"));
	return p;
}

static void reap_sleeper(const char *dir, pid_t p)
{
	char path[128];

	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	snprintf(path, sizeof(path), "%s/%d.sock", dir, (int)p);
	unlink(path);
}

static void test_discovery(void **state)
{
	struct server *s = *state;
	char path[128];
	pid_t pids[8], child, other, pid;
	int n;

	/* A socket left by a process that is gone is ignored and removed. */
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	snprintf(path, sizeof(path), "%s/%d.sock", s->dir, (int)child);
	fclose(fopen(path, "w"));
	n = control__list(s->dir, pids, 8);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], getpid());
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(control__resolve(s->dir, NULL, &pid), 0);
	assert_int_equal(pid, getpid());
	/*
	 * Two live ones, the other in a session of its own: the caller's is chosen.  A third
	 * in the caller's session: the error lists them.
	 */
	other = spawn_sleeper(s->dir, 1);
	pid = 0;
	assert_int_equal(control__resolve(s->dir, NULL, &pid), 0);
	assert_int_equal(pid, getpid());
	child = spawn_sleeper(s->dir, 0);
	assert_int_equal(control__resolve(s->dir, NULL, &pid), -EEXIST);
	snprintf(path, sizeof(path), "pids %d, ", (int)(other < getpid() ? other : getpid()));
	assert_non_null(strstr(err__last(), path));
	assert_non_null(strstr(err__last(), "name one as PID"));
	reap_sleeper(s->dir, child);
	reap_sleeper(s->dir, other);
	assert_int_equal(control__resolve(s->dir, "12x", &pid), -EINVAL);
	assert_true(control__connect(s->dir, child) < 0);
	assert_non_null(strstr(err__last(), "no VMM with pid"));
}

static void test_no_vmm(void **state)
{
	char dir[] = "/tmp/vmscope-test-ctl-XXXXXX";
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(control__resolve(dir, NULL, &pid), -ESRCH);
	assert_non_null(strstr(err__last(), "no running VMM found"));
	rmdir(dir);
}

static void test_socket_removed(void **state)
{
	struct server *s;
	char path[128];

	assert_int_equal(server_setup(state), 0);
	s = *state;
	snprintf(path, sizeof(path), "%s", control__path(s->c));
	assert_int_equal(access(path, F_OK), 0);
	server_teardown(state);
	assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_gears),
		cmocka_unit_test(test_cbuf),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_sub_queue),
		cmocka_unit_test(test_sub_queue_threads),
		cmocka_unit_test_setup_teardown(test_server_requests, server_setup,
						server_teardown),
		cmocka_unit_test_setup_teardown(test_server_garbage, server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_discovery, server_setup, server_teardown),
		cmocka_unit_test(test_no_vmm),
		cmocka_unit_test(test_socket_removed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
