// SPDX-License-Identifier: GPL-2.0
/*
 * The trace ring: wrap-around with pad records, a full ring, LOST records, the nesting
 * guard, overwrite mode, a producer and a consumer thread under load (every record checked
 * by sequence number), ring files (re-open, corrupt headers), and the CTF writer and
 * trace-directory checks on well-formed and corrupt input.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../trace/catalogue.h"
#include "../trace/ctf.h"
#include "../trace/ring.h"
#include "../trace/trace.h"

#define TEST_ID 100 /* ring tests use their own record id: the ring does not interpret ids */
#define RING_SIZE 4096

struct test_rec {
	struct trace_rec_hdr hdr;
	uint64_t seq;
	uint64_t fill[]; /* variable length: seq repeated */
};

static char tmpdir[] = "/tmp/vmscope-test-ring-XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_ring(struct trace_ring *r, const char *name, uint64_t size, int overwrite)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(trace_ring__create(r, path, 0, size, overwrite), 0);
}

/* Emit one record of len bytes carrying seq; 0 if it was dropped. */
static int put(struct trace_ring *r, uint32_t len, uint64_t seq, uint64_t ts)
{
	struct test_rec *t = trace_ring__reserve(r, len, TEST_ID, ts);
	uint32_t i;

	if (!t)
		return 0;
	t->seq = seq;
	for (i = 0; i < (len - 24) / 8; i++)
		t->fill[i] = seq;
	trace_ring__commit(r, len);
	return 1;
}

/* Consume every committed record, calling fn for each non-pad one. */
static int drain(struct trace_ring *r, void (*fn)(const struct trace_rec_hdr *h, void *o), void *o)
{
	uint64_t head = trace_ring__head(r), pos = r->ctail;
	uint32_t sz;
	int n = 0;

	while (pos < head) {
		const struct trace_rec_hdr *h = trace_ring__at(r, pos);

		assert_int_equal(trace_ring__check(r, pos, head, &sz), 0);
		if (h->id != TRACE_PAD_ID) {
			fn(h, o);
			n++;
		}
		pos += sz;
	}
	trace_ring__release(r, pos);
	return n;
}

struct expect {
	uint64_t next_seq;
	uint64_t lost; /* sum of LOST counts seen */
	uint64_t records;
	uint64_t last_lost_first_ts;
};

static void check_rec(const struct trace_rec_hdr *h, void *o)
{
	struct expect *e = o;
	const struct test_rec *t = (const void *)h;
	uint32_t i;

	if (h->id == TRACE_LOST_ID) {
		const struct trace_ev_lost *l = (const void *)h;

		assert_int_equal(h->size, sizeof(*l));
		assert_true(l->count > 0);
		e->lost += l->count;
		e->next_seq += l->count; /* the records it stands for */
		e->last_lost_first_ts = l->first_ts;
		return;
	}
	assert_int_equal(h->id, TEST_ID);
	assert_int_equal(t->seq, e->next_seq);
	assert_int_equal(h->ts, t->seq);
	for (i = 0; i < (h->size - 24) / 8; i++)
		assert_int_equal(t->fill[i], t->seq);
	e->next_seq++;
	e->records++;
}

static void test_wraparound(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };
	static const uint32_t sizes[] = { 24, 72, 40, 128, 32, 64 };
	uint64_t seq = 0;
	int lap, i;

	(void)state;
	make_ring(&r, "wrap.ring", RING_SIZE, 0);
	/* Many laps; each burst fits, so nothing is lost, and records of odd sizes force pads. */
	for (lap = 0; lap < 200; lap++) {
		for (i = 0; i < 17; i++, seq++)
			assert_int_equal(put(&r, sizes[seq % 6], seq, seq), 1);
		drain(&r, check_rec, &e);
	}
	assert_int_equal(e.records, seq);
	assert_int_equal(e.lost, 0);
	assert_true(r.head > 40 * RING_SIZE);
	trace_ring__close(&r);
}

static void test_full_and_lost(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };
	uint64_t seq = 0, kept = 0;
	const struct trace_ev_lost *l;

	(void)state;
	make_ring(&r, "full.ring", RING_SIZE, 0);
	while (put(&r, 64, seq, seq))
		seq++, kept++;
	assert_int_equal(kept, RING_SIZE / 64); /* exactly full: 64 records of 64 bytes */
	/* That put and nine more are dropped and counted; the first drop's ts is kept. */
	for (seq++; seq < kept + 10; seq++)
		assert_int_equal(put(&r, 64, seq, seq), 0);
	assert_int_equal(r.sh->dropped, 10);
	assert_int_equal(trace_ring__unreported(&r), 10);
	drain(&r, check_rec, &e);
	assert_int_equal(e.records, kept);
	/* The next record that fits comes after a LOST record: count 10, first ts = kept. */
	assert_int_equal(put(&r, 64, seq, seq), 1);
	l = (const void *)trace_ring__at(&r, r.ctail);
	assert_int_equal(l->hdr.id, TRACE_LOST_ID);
	assert_int_equal(l->hdr.ts, seq);
	assert_int_equal(l->count, 10);
	assert_int_equal(l->first_ts, kept);
	drain(&r, check_rec, &e);
	assert_int_equal(e.lost, 10);
	assert_int_equal(e.records, kept + 1);
	assert_int_equal(trace_ring__unreported(&r), 0);
	assert_int_equal(r.sh->reported, 10);
	trace_ring__close(&r);
}

static void test_lost_needs_room_for_both(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };
	uint64_t seq = 0;

	(void)state;
	make_ring(&r, "both.ring", RING_SIZE, 0);
	while (put(&r, 64, seq, seq))
		seq++;
	seq++; /* that one was dropped */
	/* Consume one 64-byte record: LOST (32) + record (64) do not fit, so drop again. */
	trace_ring__release(&r, 64);
	assert_int_equal(put(&r, 64, seq, seq), 0);
	seq++;
	assert_int_equal(r.sh->dropped, 2);
	e.next_seq = 1;
	drain(&r, check_rec, &e);
	assert_int_equal(put(&r, 64, seq, seq), 1);
	drain(&r, check_rec, &e);
	assert_int_equal(e.lost, 2);
	assert_int_equal(e.next_seq, seq + 1);
	trace_ring__close(&r);
}

static void test_flush_lost(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };
	uint64_t seq = 0;

	(void)state;
	make_ring(&r, "flush.ring", RING_SIZE, 0);
	while (put(&r, 128, seq, seq))
		seq++;
	drain(&r, check_rec, &e);
	/* The producer is gone: the session writes the pending LOST record itself. */
	assert_int_equal(trace_ring__flush_lost(&r, 999), 1);
	assert_int_equal(trace_ring__flush_lost(&r, 1000), 0);
	drain(&r, check_rec, &e);
	assert_int_equal(e.lost, 1);
	trace_ring__close(&r);
}

static void test_nesting_guard(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };

	(void)state;
	make_ring(&r, "nest.ring", RING_SIZE, 0);
	assert_int_equal(put(&r, 32, 0, 0), 1);
	/* An emit that starts while this thread is already emitting is dropped. */
	assert_int_equal(trace_nest_enter(), 0);
	assert_null(trace_ring__reserve(&r, 32, TEST_ID, 1));
	trace_nest_leave();
	assert_int_equal(trace_nest, 0);
	assert_int_equal(r.sh->nested, 1);
	/* ... and announced by the next record's LOST. */
	assert_int_equal(put(&r, 32, 2, 2), 1);
	drain(&r, check_rec, &e);
	assert_int_equal(e.lost, 1);
	assert_int_equal(e.records, 2);
	trace_ring__close(&r);
}

static void test_overwrite(void **state)
{
	struct trace_ring r;
	struct expect e;
	uint8_t *buf = malloc(RING_SIZE);
	uint64_t first, len, pos, seq, n = 0;

	(void)state;
	make_ring(&r, "ow.ring", RING_SIZE, 1);
	for (seq = 0; seq < 1000; seq++)
		assert_int_equal(put(&r, 40 + 8 * (seq % 3), seq, seq), 1);
	assert_int_equal(r.sh->dropped, 0);
	trace_ring__snapshot(&r, buf, &first, &len);
	assert_true(len > RING_SIZE / 2 && len <= RING_SIZE);
	/* The snapshot holds the newest records, consecutive, ending with the last one. */
	for (pos = 0; pos < len; pos += ((struct trace_rec_hdr *)(buf + pos))->size) {
		const struct test_rec *t = (const void *)(buf + pos);

		if (t->hdr.id == TRACE_PAD_ID)
			continue;
		if (!n)
			e.next_seq = t->seq;
		assert_int_equal(t->seq, e.next_seq);
		e.next_seq++;
		n++;
	}
	assert_int_equal(e.next_seq, 1000);
	assert_int_equal(r.sh->overwritten + n, 1000);
	/* A second dump without new records is empty; new ones come out alone. */
	trace_ring__dumped(&r, first + len);
	trace_ring__snapshot(&r, buf, &first, &len);
	assert_int_equal(len, 0);
	put(&r, 40, 1000, 1000);
	trace_ring__snapshot(&r, buf, &first, &len);
	assert_int_equal(len, 40);
	assert_int_equal(((struct test_rec *)buf)->seq, 1000);
	free(buf);
	trace_ring__close(&r);
}

#define LOAD_RECORDS 2000000ull

static void *producer(void *arg)
{
	struct trace_ring *r = arg;
	uint64_t seq;

	for (seq = 0; seq < LOAD_RECORDS; seq++)
		put(r, 24 + 8 * (seq % 4), seq, seq);
	put(r, 24, seq, seq); /* may drop too: the final flush_lost below accounts for it */
	return NULL;
}

static void test_two_threads(void **state)
{
	struct trace_ring r;
	struct expect e = { 0 };
	pthread_t t;
	int done = 0;

	(void)state;
	make_ring(&r, "load.ring", 16384, 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	while (!done) {
		done = pthread_tryjoin_np(t, NULL) == 0;
		drain(&r, check_rec, &e);
	}
	trace_ring__flush_lost(&r, LOAD_RECORDS + 1);
	drain(&r, check_rec, &e);
	/* Every record arrived intact and in order, or is counted by a LOST record. */
	assert_int_equal(e.records + e.lost, LOAD_RECORDS + 1);
	assert_int_equal(e.lost, r.sh->dropped);
	print_message("two threads: %llu records, %llu lost\n", (unsigned long long)e.records,
		      (unsigned long long)e.lost);
	trace_ring__close(&r);
}

static void test_ring_file(void **state)
{
	char path[512];
	struct trace_ring r, o;
	int fd;

	(void)state;
	make_ring(&r, "file.ring", RING_SIZE, 0);
	put(&r, 64, 0, 0);
	put(&r, 64, 1, 1);
	snprintf(path, sizeof(path), "%s/file.ring", tmpdir);
	assert_int_equal(trace_ring__open(&o, path), 0);
	assert_int_equal(o.head, 128);
	assert_int_equal(o.ctail, 0);
	trace_ring__close(&o);
	/* Wrong size. */
	assert_int_equal(truncate(path, RING_SIZE), 0);
	assert_int_equal(trace_ring__open(&o, path), -EBADMSG);
	assert_non_null(strstr(err__last(), "truncated"));
	/* Bad magic. */
	assert_int_equal(truncate(path, RING_SIZE + TRACE_RING_HDR_SIZE), 0);
	r.sh->magic = 0;
	assert_int_equal(trace_ring__open(&o, path), -EBADMSG);
	assert_non_null(strstr(err__last(), "bad magic"));
	/* Impossible positions. */
	r.sh->magic = TRACE_RING_MAGIC;
	r.sh->tail = 1000;
	assert_int_equal(trace_ring__open(&o, path), -EBADMSG);
	assert_non_null(strstr(err__last(), "corrupt"));
	trace_ring__close(&r);
	/* Shorter than a header. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(trace_ring__open(&o, path), -EBADMSG);
	assert_int_equal(trace_ring__size(3 << 20, &(uint64_t){ 0 }), 0);
	assert_int_equal(trace_ring__size(2ull << 30, &(uint64_t){ 0 }), -EINVAL);
}

static void test_catalogue(void **state)
{
	struct trace_ev_exit x = { .hdr = { TRACE_EV_exit, sizeof(x), 5 } };
	char buf[512];
	int n;

	(void)state;
	assert_int_equal(trace__event_id("exit"), TRACE_EV_exit);
	assert_int_equal(trace__event_id("nope"), -ENOENT);
	assert_string_equal(trace__event_name(TRACE_EV_lost), "lost");
	assert_null(trace__event_name(0));
	assert_int_equal(trace_event_size(TRACE_EV_exit), sizeof(struct trace_ev_exit));
	x.reason = 2;
	x.rip = 0x1000;
	x.qual = 0x600;
	x.dir = 1;
	n = trace__decode_text(&x, sizeof(x), buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "exit: { reason = ( \"IO\" : container = 2 )"));
	assert_non_null(strstr(buf, "rip = 0x1000"));
	n = trace__decode_json(&x, sizeof(x), buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "{\"event\":\"exit\",\"id\":1,\"ts\":5"));
	assert_non_null(strstr(buf, "\"reason\":\"IO\""));
	assert_non_null(strstr(buf, "\"qual\":\"0x600\""));
	/* A record of the wrong size or unknown id is refused. */
	x.hdr.size = 8;
	assert_int_equal(trace__decode_text(&x, sizeof(x), buf, sizeof(buf)), -EINVAL);
	x.hdr.size = sizeof(x);
	x.hdr.id = 77;
	assert_int_equal(trace__decode_json(&x, sizeof(x), buf, sizeof(buf)), -EINVAL);
	/* Truncated output still reports the full length. */
	x.hdr.id = TRACE_EV_exit;
	n = trace__decode_text(&x, sizeof(x), buf, 10);
	assert_true(n > 10);
	assert_int_equal(strlen(buf), 9);
}

/* Write a small trace directory: metadata and a host stream of two lifecycle records. */
static void write_trace(const char *dir)
{
	struct trace_clock_info ci = { .freq = 1000000000, .ts0 = 0, .real0_ns = 0 };
	struct trace_ev_lifecycle l[2] = {
		{ .hdr = { TRACE_EV_lifecycle, sizeof(l[0]), 10 }, .what = TRACE_LC_START },
		{ .hdr = { TRACE_EV_lifecycle, sizeof(l[0]), 20 }, .what = TRACE_LC_STOP },
	};
	struct ctf_stream st;

	mkdir(dir, 0755);
	assert_int_equal(ctf__write_metadata(dir, &ci, 1, 0, NULL), 0);
	assert_int_equal(ctf_stream__open(&st, dir, TRACE_STREAM_HOST, 0), 0);
	assert_int_equal(ctf_stream__feed(&st, (const uint8_t *)l, sizeof(l)), 0);
	assert_int_equal(ctf_stream__finish(&st, 30), 0);
	assert_int_equal(st.records, 2);
}

static void expect_check_error(const char *dir, const char *what)
{
	int ret = trace__check_dir(dir);

	assert_true(ret < 0);
	if (!strstr(err__msg(ret), what))
		fail_msg("check_dir(%s): '%s' lacks '%s'", dir, err__msg(ret), what);
}

static void test_trace_dir_errors(void **state)
{
	char dir[512], path[600];
	uint32_t bad = 0xdeadbeef;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/t", tmpdir);
	write_trace(dir);
	assert_int_equal(trace__check_dir(dir), 0);
	assert_int_equal(trace__recover(dir), 0);
	/* Truncated stream file. */
	snprintf(path, sizeof(path), "%s/host", dir);
	assert_int_equal(truncate(path, 100), 0);
	expect_check_error(dir, "truncated");
	/* Bad magic. */
	write_trace(dir);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, &bad, 4, 0), 4);
	close(fd);
	expect_check_error(dir, "bad packet magic");
	/* A stray file. */
	write_trace(dir);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	expect_check_error(dir, "not a vmscope stream file");
	unlink(path);
	/* Missing metadata. */
	snprintf(path, sizeof(path), "%s/metadata", dir);
	unlink(path);
	expect_check_error(dir, "not a vmscope trace directory");
	assert_true(trace__recover(dir) < 0);
	/* A ring file of the wrong size stops recover with its name. */
	write_trace(dir);
	snprintf(path, sizeof(path), "%s/rings", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rings/host.ring", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(ftruncate(fd, 10000), 0);
	close(fd);
	expect_check_error(dir, "did not end cleanly");
	assert_true(trace__recover(dir) < 0);
	assert_non_null(strstr(err__last(), "host.ring"));
}

/*
 * A killed session: the packet being filled says what it held at the last write of its
 * header (readers see whole packets), records past its end, a partial record, a partial
 * header, an unfinished packet of an older vmscope (sizes 0); recover.
 */
static void test_recover_unfinished(void **state)
{
	struct trace_clock_info ci = { .freq = 1000000000 };
	struct trace_ev_lifecycle l[3] = {
		{ .hdr = { TRACE_EV_lifecycle, sizeof(l[0]), 10 }, .what = TRACE_LC_START },
		{ .hdr = { TRACE_EV_lifecycle, sizeof(l[0]), 20 }, .what = TRACE_LC_PAUSE },
		{ .hdr = { TRACE_EV_lifecycle, sizeof(l[0]), 30 }, .what = TRACE_LC_RESUME },
	};
	struct ctf_packet_hdr h = { .magic = CTF_MAGIC, .stream_id = CTF_CLASS_HOST };
	struct ctf_stream st;
	char dir[512], path[600];
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/killed", tmpdir);
	mkdir(dir, 0755);
	assert_int_equal(ctf__write_metadata(dir, &ci, 1, 0, NULL), 0);
	assert_int_equal(ctf_stream__open(&st, dir, TRACE_STREAM_HOST, 0), 0);
	assert_int_equal(ctf_stream__feed(&st, (const uint8_t *)l, sizeof(l)), 0);
	close(st.fd); /* killed: the packet was being filled */
	snprintf(path, sizeof(path), "%s/host", dir);
	fd = open(path, O_RDWR);
	assert_int_equal(pread(fd, &h, CTF_HDR_LEN_HOST, 0), CTF_HDR_LEN_HOST);
	assert_int_equal(h.content_size, (CTF_HDR_LEN_HOST + sizeof(l)) * 8);
	assert_int_equal(h.packet_size, h.content_size);
	assert_int_equal(trace__check_dir(dir), 0);
	/* A fourth record and half a fifth past its end, as if killed before the header. */
	assert_int_equal(pwrite(fd, &l[2], sizeof(l[2]), CTF_HDR_LEN_HOST + sizeof(l)),
			 sizeof(l[2]));
	assert_int_equal(pwrite(fd, &l[2], 20, CTF_HDR_LEN_HOST + sizeof(l) + sizeof(l[2])), 20);
	close(fd);
	expect_check_error(dir, "bad packet magic");
	assert_int_equal(trace__recover(dir), 1);
	assert_int_equal(trace__check_dir(dir), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, &h, CTF_HDR_LEN_HOST, 0), CTF_HDR_LEN_HOST);
	close(fd);
	assert_int_equal(h.content_size, (CTF_HDR_LEN_HOST + sizeof(l) + sizeof(l[2])) * 8);
	assert_int_equal(h.timestamp_end, 30);
	/* An older vmscope's unfinished packet: its sizes 0. */
	fd = open(path, O_WRONLY);
	h.content_size = h.packet_size = 0;
	assert_int_equal(pwrite(fd, &h, CTF_HDR_LEN_HOST, 0), CTF_HDR_LEN_HOST);
	close(fd);
	expect_check_error(dir, "unfinished packet");
	assert_int_equal(trace__recover(dir), 1);
	assert_int_equal(trace__check_dir(dir), 0);
	memset(&h, 0, sizeof(h));
	h.magic = CTF_MAGIC;
	h.stream_id = CTF_CLASS_HOST;
	/* A partial packet header at the end is cut off too. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, &h, 24), 24);
	close(fd);
	assert_true(trace__check_dir(dir) < 0);
	assert_int_equal(trace__recover(dir), 1);
	assert_int_equal(trace__check_dir(dir), 0);
	assert_int_equal(trace__recover(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full_and_lost),
		cmocka_unit_test(test_lost_needs_room_for_both),
		cmocka_unit_test(test_flush_lost),
		cmocka_unit_test(test_nesting_guard),
		cmocka_unit_test(test_overwrite),
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_ring_file),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_trace_dir_errors),
		cmocka_unit_test(test_recover_unfinished),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
