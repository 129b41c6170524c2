// SPDX-License-Identifier: GPL-2.0
/*
 * The report's collector and printers (no trace needed: exits are added directly), its exact
 * order statistics against a brute-force reference, and the JSON reader the tools use.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../analysis/json.h"
#include "../../analysis/report.h"
#include "../../lib/err.h"

static void test_json_good(void **state)
{
	const char *doc =
		" {\"a\":[1,2.5,-3,1e2,18446744073709551615],\"b\":{\"c\":\"x\\u00e9\\ud83d"
		"\\ude00\\n\"},\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"o\":{}} ";
	struct json *j = json__parse(doc, strlen(doc));
	const struct json *a;

	(void)state;
	assert_non_null(j);
	a = json__get(j, "a");
	assert_int_equal(a->n, 5);
	assert_int_equal(json__u64(json__at(a, 0), 0), 1);
	assert_false(json__at(a, 1)->is_u64);
	assert_true(json__at(a, 1)->num == 2.5);
	assert_false(json__at(a, 2)->is_u64);
	assert_true(json__at(a, 3)->num == 100);
	assert_true(json__u64(json__at(a, 4), 0) == UINT64_MAX);
	assert_null(json__at(a, 5));
	assert_string_equal(json__str(json__get(json__get(j, "b"), "c")),
			    "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_true(json__get(j, "t")->boolean);
	assert_int_equal(json__get(j, "z")->type, JSON_NULL);
	assert_int_equal(json__get(j, "e")->n, 0);
	assert_null(json__get(j, "missing"));
	json__free(j);
}

static void expect_bad_json(const char *doc, const char *words)
{
	struct json *j;

	err__clear();
	j = json__parse(doc, strlen(doc));
	if (j)
		fail_msg("'%s' parsed", doc);
	if (!strstr(err__msg(-EINVAL), words))
		fail_msg("'%s': '%s' lacks '%s'", doc, err__msg(-EINVAL), words);
}

static void test_json_bad(void **state)
{
	char deep[200];

	(void)state;
	expect_bad_json("", "end of input");
	expect_bad_json("{\"a\":1,}", "member name");
	expect_bad_json("[1,]", "unexpected character");
	expect_bad_json("[1 2]", "expected ',' or ']'");
	expect_bad_json("{\"a\" 1}", "expected ':'");
	expect_bad_json("\"abc", "unterminated");
	expect_bad_json("\"a\\x\"", "bad escape");
	expect_bad_json("\"\\ud800\"", "surrogate");
	expect_bad_json("\"a\tb\"", "control character");
	expect_bad_json("012", "bad number");
	expect_bad_json("1.", "bad fraction");
	expect_bad_json("tru", "true, false or null");
	expect_bad_json("{} {}", "trailing");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect_bad_json(deep, "nested too deeply");
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* report__kth against sorting the union, for random arrays with many duplicates. */
static void test_kth(void **state)
{
	uint64_t *arr[5], lens[5], all[5 * 300], n, k;
	int round, m, i, j;

	(void)state;
	srand(1);
	for (round = 0; round < 200; round++) {
		m = 1 + rand() % 5;
		n = 0;
		for (i = 0; i < m; i++) {
			lens[i] = rand() % 300;
			arr[i] = malloc((lens[i] + 1) * sizeof(uint64_t));
			for (j = 0; j < (int)lens[i]; j++)
				all[n++] = arr[i][j] = rand() % (round % 2 ? 50 : 1000000);
			qsort(arr[i], lens[i], sizeof(uint64_t), cmp);
		}
		qsort(all, n, sizeof(uint64_t), cmp);
		for (k = 1; k <= n; k += 1 + n / 50)
			assert_true(report__kth((const uint64_t *const *)arr, lens, m, k) ==
				    all[k - 1]);
		if (n)
			assert_true(report__kth((const uint64_t *const *)arr, lens, m, n) ==
				    all[n - 1]);
		for (i = 0; i < m; i++)
			free(arr[i]);
	}
}

static struct report *sample_report(void)
{
	struct report *r = report__new();
	int i;

	/* vCPU 0: IO with guest_ns 1..100 and vmm_ns 1000..1099; vCPU 1: 10 MMIO, 1 HLT. */
	for (i = 1; i <= 100; i++)
		assert_int_equal(report__add_exit(r, 0, 2, "IO", i, 999 + i), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(report__add_exit(r, 1, 6, "MMIO", 500, 7), 0);
	assert_int_equal(report__add_exit(r, 1, 5, "HLT", 1, 2), 0);
	assert_int_equal(report__add_exit(r, 1, 2, "IO", 1000, 5000), 0);
	assert_int_equal(report__add_exit(r, REPORT_MAX_VCPUS, 2, "IO", 1, 1), -ERANGE);
	report__add_time(r, 5000);
	report__add_time(r, 2000);
	report__add_other(r, "console");
	report__add_other(r, "console");
	report__add_other(r, "lifecycle");
	report__add_discarded(r, "vcpu0", 7);
	report__add_lost(r, 3);
	assert_int_equal(report__finish(r), 0);
	return r;
}

static const struct json *find_row(const struct json *rows, int vcpu, const char *reason)
{
	const struct json *row;

	for (row = rows ? rows->child : NULL; row; row = row->next)
		if (!strcmp(json__str(json__get(row, "reason")), reason) &&
		    (vcpu < 0 || (int)json__u64(json__get(row, "vcpu"), 99) == vcpu))
			return row;
	fail_msg("no row for vcpu %d reason %s", vcpu, reason);
	return NULL;
}

static void check_stat(const struct json *row, const char *which, uint64_t min, uint64_t p50,
		       uint64_t p99, uint64_t max)
{
	const struct json *s = json__get(row, which);

	assert_int_equal(json__u64(json__get(s, "min"), 1234), min);
	assert_int_equal(json__u64(json__get(s, "p50"), 1234), p50);
	assert_int_equal(json__u64(json__get(s, "p99"), 1234), p99);
	assert_int_equal(json__u64(json__get(s, "max"), 1234), max);
}

static void test_report_json(void **state)
{
	struct report *r = sample_report();
	const struct json *io, *row;
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct json *j;

	(void)state;
	report__print_json(r, "/t\"x", f);
	fclose(f);
	j = json__parse(text, size);
	if (!j)
		fail_msg("report JSON does not parse: %s\n%s", err__msg(-EINVAL), text);
	assert_string_equal(json__str(json__get(j, "trace")), "/t\"x");
	assert_int_equal(json__u64(json__get(j, "exits"), 0), 112);
	assert_int_equal(json__u64(json__get(j, "vcpus"), 0), 2);
	assert_int_equal(json__u64(json__get(j, "discarded"), 0), 7);
	assert_int_equal(json__u64(json__get(json__get(j, "discarded_by_stream"), "vcpu0"), 0), 7);
	assert_int_equal(json__u64(json__get(j, "lost"), 0), 3);
	assert_int_equal(json__u64(json__get(json__get(j, "others"), "console"), 0), 2);
	assert_int_equal(json__u64(json__get(j, "first_ns"), 0), 2000);
	/* IO over both vCPUs: guest 1..100 and 1000; p50 is rank 51, p99 rank 100. */
	io = find_row(json__get(j, "by_reason"), -1, "IO");
	assert_int_equal(json__u64(json__get(io, "count"), 0), 101);
	assert_int_equal(json__u64(json__get(io, "code"), 0), 2);
	check_stat(io, "guest_ns", 1, 51, 100, 1000);
	check_stat(io, "vmm_ns", 1000, 1050, 1099, 5000);
	row = find_row(json__get(j, "by_vcpu"), 0, "IO");
	check_stat(row, "guest_ns", 1, 50, 99, 100);
	assert_true(json__get(json__get(row, "guest_ns"), "mean")->num == 50.5);
	row = find_row(json__get(j, "by_vcpu"), 1, "MMIO");
	assert_int_equal(json__u64(json__get(row, "count"), 0), 10);
	check_stat(row, "vmm_ns", 7, 7, 7, 7);
	/* The first row is the most frequent reason. */
	assert_string_equal(json__str(json__get(json__at(json__get(j, "by_reason"), 0), "reason")),
			    "IO");
	assert_int_equal(json__u64(json__get(json__get(j, "total"), "count"), 0), 112);
	/* Total: 1, 1, 2 .. 100, ten 500s, 1000: rank 56 is 55, rank 111 is 500. */
	check_stat(json__get(j, "total"), "guest_ns", 1, 55, 500, 1000);
	json__free(j);
	free(text);
	report__free(r);
}

static void test_report_text(void **state)
{
	struct report *r = sample_report();
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	report__print_text(r, "DIR", f);
	fclose(f);
	assert_non_null(strstr(text, "112 exits on 2 vCPUs"));
	assert_non_null(strstr(text, "discarded events: 7 (vcpu0 7); lost records: 3"));
	assert_non_null(strstr(text, "exits by reason, all vCPUs"));
	assert_non_null(strstr(text, "exits by vCPU and reason"));
	assert_non_null(strstr(text, "IO"));
	assert_non_null(strstr(text, "total"));
	free(text);
	report__free(r);
}

static void test_report_empty(void **state)
{
	struct report *r = report__new();
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct json *j;

	(void)state;
	report__finish(r);
	report__print_json(r, "empty", f);
	fclose(f);
	j = json__parse(text, size);
	assert_non_null(j);
	assert_int_equal(json__u64(json__get(j, "exits"), 1), 0);
	json__free(j);
	free(text);
	report__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_good),   cmocka_unit_test(test_json_bad),
		cmocka_unit_test(test_kth),	    cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_text), cmocka_unit_test(test_report_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
