// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt/format.c and the checks of ckpt__open and ckpt__inspect, on files made here: a whole
 * checkpoint reads back; a corrupt section, corrupt memory, a truncated file, a newer version,
 * a foreign file, a damaged header or table, an unknown required section, a record that runs
 * past its section, a missing vCPU are each refused with a message that names the part and
 * the byte; writing is atomic (nothing at the path until the commit, nothing left after an
 * abort, an older file intact until then).
 */
#include <errno.h>
#include <fcntl.h>
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

#include "../../ckpt/ckpt.h"
#include "../../ckpt/ckpt_int.h"
#include "../../ckpt/format.h"
#include "../../lib/err.h"

#define MEM (2u << 20)

#define assert_msg(needle)                                                                         \
	do {                                                                                       \
		if (!strstr(err__last(), (needle)))                                                \
			fail_msg("message '%s' lacks '%s'", err__last(), (needle));                \
	} while (0)

static char dir[] = "/tmp/vmscope-ckpt-XXXXXX";
static char path[256];

/* A whole checkpoint of nr_vcpus vCPUs (state bytes made up) and MEM bytes of memory. */
static void write_ckpt(const char *p, int nr_vcpus, const char *extra_tag, uint32_t extra_flags)
{
	static uint64_t sums[1 + MEM / CKPT_MEMSUM_CHUNK];
	static uint8_t mem[MEM];
	struct ckpt_writer w;
	uint64_t size, i;
	int v;

	for (i = 0; i < MEM; i += 4096)
		mem[i + 7] = (uint8_t)(i >> 12) | 1; /* every page non-zero but the skipped ones */
	memset(mem + 8192, 0, 4096); /* one hole */
	assert_int_equal(ckpt_w_open(&w, p), 0);
	assert_int_equal(ckpt_w_begin(&w, "config", 1, 0, CKPT_SF_REQUIRED, 8), 0);
	assert_int_equal(ckpt_w_rec_u64(&w, CFG_MEM_SIZE, MEM), 0);
	assert_int_equal(ckpt_w_rec_u64(&w, CFG_NR_VCPUS, 2), 0);
	assert_int_equal(ckpt_w_rec_u64(&w, CFG_CONSOLE_BYTES, 1234), 0);
	assert_int_equal(ckpt_w_rec_str(&w, CFG_GUEST_CMD, "files; procs"), 0);
	assert_int_equal(ckpt_w_end(&w), 0);
	for (v = 0; v < nr_vcpus; v++) {
		assert_int_equal(ckpt_w_begin(&w, "vcpu", 1, v, CKPT_SF_REQUIRED, 8), 0);
		assert_int_equal(ckpt_w_rec(&w, VC_REGS, "0123456789abcdef", 16), 0);
		assert_int_equal(ckpt_w_rec(&w, VC_MP_STATE, "abc", 3), 0);
		assert_int_equal(ckpt_w_end(&w), 0);
	}
	assert_int_equal(ckpt_w_begin(&w, "devices", 1, 0, CKPT_SF_REQUIRED, 8), 0);
	assert_int_equal(ckpt_w_rec(&w, 1 /* the UART */, "u", 1), 0);
	assert_int_equal(ckpt_w_end(&w), 0);
	assert_int_equal(ckpt_w_begin(&w, "clock", 1, 0, CKPT_SF_REQUIRED, 8), 0);
	assert_int_equal(ckpt_w_rec_u64(&w, CLOCK_DATA, 99), 0);
	assert_int_equal(ckpt_w_end(&w), 0);
	if (extra_tag) {
		assert_int_equal(ckpt_w_begin(&w, extra_tag, 1, 0, extra_flags, 8), 0);
		assert_int_equal(ckpt_w_rec_u64(&w, 1, 7), 0);
		assert_int_equal(ckpt_w_end(&w), 0);
	}
	assert_int_equal(ckpt_w_begin(&w, "memory", 1, 0,
				      CKPT_SF_CHUNKED | CKPT_SF_REQUIRED | CKPT_SF_RAW,
				      CKPT_MEM_ALIGN),
			 0);
	sums[0] = CKPT_MEMSUM_CHUNK;
	for (i = 0; i < MEM; i += CKPT_MEMSUM_CHUNK)
		sums[1 + i / CKPT_MEMSUM_CHUNK] = ckpt_sum(mem + i, CKPT_MEMSUM_CHUNK);
	assert_int_equal(ckpt_w_write(&w, mem, 8192), 0);
	assert_int_equal(ckpt_w_skip(&w, 4096), 0);
	assert_int_equal(ckpt_w_write(&w, mem + 12288, MEM - 12288), 0);
	assert_int_equal(ckpt_w_end(&w), 0);
	assert_int_equal(ckpt_w_begin(&w, "memsum", 1, 0, CKPT_SF_REQUIRED | CKPT_SF_RAW, 8), 0);
	assert_int_equal(ckpt_w_write(&w, sums, sizeof(sums)), 0);
	assert_int_equal(ckpt_w_end(&w), 0);
	assert_int_equal(ckpt_w_commit(&w, &size), 0);
	assert_true(size > MEM);
}

/* Overwrite n bytes at off (from the end when off < 0). */
static void poke(const char *p, long long off, const void *bytes, size_t n)
{
	int fd = open(p, O_RDWR);
	struct stat st;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (off < 0)
		off += st.st_size;
	assert_int_equal(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/c.ckpt", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_round_trip(void **state)
{
	const struct ckpt_entry *e;
	struct ckpt_image *img;
	struct ckpt_file f;
	struct ckpt_rec r;
	uint64_t pos = 0, v;
	void *buf;
	FILE *out;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	assert_int_equal(ckpt_f_open(&f, path), 0);
	e = ckpt_f_find(&f, "config", 0);
	assert_non_null(e);
	assert_int_equal(ckpt_f_load(&f, e, &buf), 0);
	assert_int_equal(ckpt_rec_next(e, buf, &pos, &r), 1);
	assert_int_equal(r.kind, CFG_MEM_SIZE);
	memcpy(&v, r.data, 8);
	assert_int_equal(v, MEM);
	free(buf);
	e = ckpt_f_find(&f, "memory", 0);
	assert_non_null(e);
	assert_int_equal(e->offset % CKPT_MEM_ALIGN, 0);
	assert_int_equal(e->size, MEM);
	assert_null(ckpt_f_find(&f, "vcpu", 2));
	assert_int_equal(ckpt_f_verify_memory(&f, NULL), 0);
	ckpt_f_close(&f);

	assert_int_equal(ckpt__open(path, &img), 0);
	assert_int_equal(ckpt__config(img)->mem_size, MEM);
	assert_int_equal(ckpt__config(img)->nr_vcpus, 2);
	assert_int_equal(ckpt__config(img)->console_bytes, 1234);
	assert_string_equal(ckpt__config(img)->guest_cmd, "files; procs");
	ckpt__close(img);

	out = open_memstream(&text, &len);
	assert_int_equal(ckpt__inspect(path, 1, 0, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "2 vCPUs"));
	assert_non_null(strstr(text, "every MiB checked"));
	assert_non_null(strstr(text, "regs(16) mp_state(3)"));
	free(text);
}

static void test_corrupt_section(void **state)
{
	struct ckpt_image *img;
	const struct ckpt_entry *e;
	struct ckpt_file f;
	void *buf;
	char msg[64];
	FILE *out;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	assert_int_equal(ckpt_f_open(&f, path), 0);
	e = ckpt_f_find(&f, "vcpu", 1);
	snprintf(msg, sizeof(msg), "bytes %llu-", (unsigned long long)e->offset);
	poke(path, (long long)e->offset + 12, "X", 1);
	assert_int_equal(ckpt_f_load(&f, e, &buf), -EBADMSG);
	assert_msg("section 'vcpu' 1");
	assert_msg(msg);
	assert_msg("corrupt");
	ckpt_f_close(&f);
	/* Opening reads only the configuration; inspect checks every section. */
	assert_int_equal(ckpt__open(path, &img), 0);
	ckpt__close(img);
	out = open_memstream(&text, &len);
	assert_int_equal(ckpt__inspect(path, 0, 0, out), -EBADMSG);
	fclose(out);
	assert_non_null(strstr(text, "BAD"));
	free(text);
}

static void test_corrupt_memory(void **state)
{
	struct ckpt_file f;
	char msg[64];

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	assert_int_equal(ckpt_f_open(&f, path), 0);
	snprintf(msg, sizeof(msg), "bytes %llu-",
		 (unsigned long long)ckpt_f_find(&f, "memory", 0)->offset + CKPT_MEMSUM_CHUNK);
	poke(path, (long long)ckpt_f_find(&f, "memory", 0)->offset + CKPT_MEMSUM_CHUNK + 5, "Z", 1);
	assert_int_equal(ckpt_f_verify_memory(&f, NULL), -EBADMSG);
	assert_msg("section 'memory'");
	assert_msg(msg);
	assert_msg("guest memory at 0x100000");
	ckpt_f_close(&f);
}

static void test_truncated(void **state)
{
	struct ckpt_file f;
	struct stat st;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 100), 0);
	assert_int_equal(ckpt_f_open(&f, path), -EINVAL);
	assert_msg("truncated");
	assert_int_equal(truncate(path, 20), 0);
	assert_int_equal(ckpt_f_open(&f, path), -EINVAL);
	assert_msg("shorter than a checkpoint header");
}

static void test_header(void **state)
{
	struct ckpt_header h;
	struct ckpt_file f;
	int fd;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(fd);
	/* A newer version, its header checksum right: refused as newer. */
	h.version = CKPT_VERSION + 1;
	h.header_sum = ckpt_sum(&h, offsetof(struct ckpt_header, header_sum));
	poke(path, 0, &h, sizeof(h));
	assert_int_equal(ckpt_f_open(&f, path), -EPROTONOSUPPORT);
	assert_msg("newer than this vmscope reads");
	/* A damaged header. */
	h.version = CKPT_VERSION;
	poke(path, 0, &h, sizeof(h));
	assert_int_equal(ckpt_f_open(&f, path), -EBADMSG);
	assert_msg("header checksum (byte 56)");
	/* Not a checkpoint at all. */
	poke(path, 0, "ELF\x7f", 4);
	assert_int_equal(ckpt_f_open(&f, path), -EINVAL);
	assert_msg("not a vmscope checkpoint");
}

static void test_table(void **state)
{
	struct ckpt_file f;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	poke(path, -30, "\xff", 1);
	assert_int_equal(ckpt_f_open(&f, path), -EBADMSG);
	assert_msg("section table");
}

static void test_unknown_sections(void **state)
{
	struct ckpt_image *img;

	(void)state;
	write_ckpt(path, 2, "future", 0);
	assert_int_equal(ckpt__open(path, &img), 0); /* optional: skipped */
	ckpt__close(img);
	write_ckpt(path, 2, "future", CKPT_SF_REQUIRED);
	assert_int_equal(ckpt__open(path, &img), -ENOTSUP);
	assert_msg("section 'future'");
	assert_msg("required and unknown");
}

static void test_missing_vcpu(void **state)
{
	struct ckpt_image *img;

	(void)state;
	write_ckpt(path, 1, NULL, 0);
	assert_int_equal(ckpt__open(path, &img), -EINVAL);
	assert_msg("section 'vcpu' 1 is missing");
}

static void test_record_past_end(void **state)
{
	struct ckpt_entry e = { .tag = "vcpu", .offset = 1000, .size = 24 };
	uint32_t rec[6] = { VC_REGS, 8, 0, 0, VC_FPU, 100 };
	struct ckpt_rec r;
	uint64_t pos = 0;

	(void)state;
	assert_int_equal(ckpt_rec_next(&e, rec, &pos, &r), 1);
	assert_int_equal(r.at, 1000);
	assert_int_equal(ckpt_rec_next(&e, rec, &pos, &r), -EINVAL);
	assert_msg("section 'vcpu' 0: the record at byte 1016 runs past");
}

static void test_atomic(void **state)
{
	struct ckpt_writer w;
	struct ckpt_file f;
	char tmp[300];
	struct stat st;

	(void)state;
	write_ckpt(path, 2, NULL, 0);
	assert_int_equal(ckpt_w_open(&w, path), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(ckpt_w_begin(&w, "config", 1, 0, 0, 8), 0);
	assert_int_equal(ckpt_w_rec_u64(&w, 1, 1), 0);
	/* Before the commit the old checkpoint is whole. */
	assert_int_equal(ckpt_f_open(&f, path), 0);
	ckpt_f_close(&f);
	ckpt_w_abort(&w);
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(ckpt_f_open(&f, path), 0);
	ckpt_f_close(&f);
	/* A directory that does not exist: the message says where. */
	assert_int_equal(ckpt_w_open(&w, "/nonexistent-dir/x.ckpt"), -ENOENT);
	assert_msg("/nonexistent-dir/x.ckpt.tmp.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),	 cmocka_unit_test(test_corrupt_section),
		cmocka_unit_test(test_corrupt_memory),	 cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header),		 cmocka_unit_test(test_table),
		cmocka_unit_test(test_unknown_sections), cmocka_unit_test(test_missing_vcpu),
		cmocka_unit_test(test_record_past_end),	 cmocka_unit_test(test_atomic),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
