// SPDX-License-Identifier: GPL-2.0
/*
 * The report's collector and printers (no trace needed: exits are added directly), its exact
 * order statistics against a brute-force reference, and the json-c helpers the tools use
 * (lib/jsonc.h: reading members, and parse errors that name the byte).
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

#include "../../analysis/report.h"
#include "../../lib/err.h"
#include "../../lib/jsonc.h"

static void test_json_good(void **state)
{
	const char *doc =
		" {\"a\":[1,2.5,-3,1e2,18446744073709551615,\"7\"],\"b\":{\"c\":\"x\\u00e9\\ud83d"
		"\\ude00\\n\"},\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"o\":{}} ";
	struct json_object *j = jsonc__parse(doc, "doc", NULL), *a, *z;

	(void)state;
	assert_non_null(j);
	a = json_object_object_get(j, "a");
	assert_int_equal(json_object_array_length(a), 6);
	assert_int_equal(jsonc__u64(json_object_array_get_idx(a, 0), NULL, 0), 1);
	/* Only integers >= 0 are u64 values: a fraction, a negative number, an exponent, a
	 * string holding digits give the default. */
	assert_int_equal(jsonc__u64(json_object_array_get_idx(a, 1), NULL, 9), 9);
	assert_true(json_object_get_double(json_object_array_get_idx(a, 1)) == 2.5);
	assert_int_equal(jsonc__u64(json_object_array_get_idx(a, 2), NULL, 9), 9);
	assert_int_equal(jsonc__u64(json_object_array_get_idx(a, 3), NULL, 9), 9);
	assert_true(json_object_get_double(json_object_array_get_idx(a, 3)) == 100);
	assert_true(jsonc__u64(json_object_array_get_idx(a, 4), NULL, 0) == UINT64_MAX);
	assert_int_equal(jsonc__u64(json_object_array_get_idx(a, 5), NULL, 9), 9);
	assert_null(json_object_array_get_idx(a, 6));
	assert_string_equal(jsonc__str(json_object_object_get(j, "b"), "c"),
			    "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_null(jsonc__str(j, "t"));
	assert_true(json_object_get_boolean(json_object_object_get(j, "t")));
	assert_true(json_object_object_get_ex(j, "z", &z));
	assert_null(z);
	assert_int_equal(json_object_array_length(json_object_object_get(j, "e")), 0);
	assert_false(json_object_object_get_ex(j, "missing", NULL));
	assert_int_equal(jsonc__u64(j, "missing", 5), 5);
	assert_null(jsonc__str(NULL, "missing"));
	json_object_put(j);
}

/* The whole message: where the text stops being JSON, and json-c's word for what it wanted. */
static void expect_bad_json(const char *doc, const char *fix, const char *msg)
{
	struct json_object *j;

	err__clear();
	errno = 0;
	j = jsonc__parse(doc, "doc", fix);
	if (j)
		fail_msg("'%s' parsed", doc);
	assert_int_equal(errno, EINVAL);
	if (strcmp(err__msg(-EINVAL), msg))
		fail_msg("'%s': '%s', expected '%s'", doc, err__msg(-EINVAL), msg);
}

/*
 * json-c's strict mode still accepts some text RFC 8259 refuses (a lone surrogate, a tab in
 * a string, "1."); vmscope only reads its own JSON, which never holds them.
 */
static void test_json_bad(void **state)
{
	char deep[200];

	(void)state;
	expect_bad_json("", NULL, "doc is not JSON: at byte 0: unexpected end of data");
	expect_bad_json("{\"a\":1,}", NULL, "doc is not JSON: at byte 7: unexpected character");
	expect_bad_json("[1,]", NULL, "doc is not JSON: at byte 3: unexpected character");
	expect_bad_json("[1 2]", NULL,
			"doc is not JSON: at byte 3: array value separator ',' expected");
	expect_bad_json("{\"a\" 1}", NULL,
			"doc is not JSON: at byte 5: object property name separator ':' expected");
	expect_bad_json("{\"a\":\"abc", NULL, "doc is not JSON: at byte 9: unexpected end of data");
	expect_bad_json("\"a\\x\"", NULL, "doc is not JSON: at byte 3: invalid string sequence");
	expect_bad_json("{\"a\":012}", NULL, "doc is not JSON: at byte 8: number expected");
	expect_bad_json("{\"a\":tru}", NULL, "doc is not JSON: at byte 8: boolean expected");
	expect_bad_json("{} {}", NULL, "doc is not JSON: at byte 3: unexpected character");
	expect_bad_json("{\"ok\":true,\"cmd\":\"info\",\"pid\":1 x}", "check the sender",
			"doc is not JSON: at byte 32: object value separator ',' expected; check "
			"the sender");
	expect_bad_json("[1]", NULL, "doc is JSON of type array, not an object");
	expect_bad_json(" null ", "check the sender",
			"doc is JSON of type null, not an object; check the sender");
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect_bad_json(deep, NULL, "doc is not JSON: at byte 64: nesting too deep");
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

static struct json_object *find_row(struct json_object *rows, int vcpu, const char *reason)
{
	size_t i,
		n = json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *name = jsonc__str(row, "reason");

		if (name && !strcmp(name, reason) &&
		    (vcpu < 0 || (int)jsonc__u64(row, "vcpu", 99) == vcpu))
			return row;
	}
	fail_msg("no row for vcpu %d reason %s", vcpu, reason);
	return NULL;
}

static void check_stat(struct json_object *row, const char *which, uint64_t min, uint64_t p50,
		       uint64_t p99, uint64_t max)
{
	struct json_object *s = json_object_object_get(row, which);

	assert_int_equal(jsonc__u64(s, "min", 1234), min);
	assert_int_equal(jsonc__u64(s, "p50", 1234), p50);
	assert_int_equal(jsonc__u64(s, "p99", 1234), p99);
	assert_int_equal(jsonc__u64(s, "max", 1234), max);
}

static void test_report_json(void **state)
{
	struct report *r = sample_report();
	struct json_object *j, *io, *row, *mean;
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	assert_int_equal(report__print_json(r, "/t\"x", f), 0);
	fclose(f);
	j = jsonc__parse(text, "the report", NULL);
	if (!j)
		fail_msg("%s\n%s", err__msg(-EINVAL), text);
	assert_string_equal(jsonc__str(j, "trace"), "/t\"x");
	assert_int_equal(jsonc__u64(j, "exits", 0), 112);
	assert_int_equal(jsonc__u64(j, "vcpus", 0), 2);
	assert_int_equal(jsonc__u64(j, "discarded", 0), 7);
	assert_int_equal(jsonc__u64(json_object_object_get(j, "discarded_by_stream"), "vcpu0", 0),
			 7);
	assert_int_equal(jsonc__u64(j, "lost", 0), 3);
	assert_int_equal(jsonc__u64(json_object_object_get(j, "others"), "console", 0), 2);
	assert_int_equal(jsonc__u64(j, "first_ns", 0), 2000);
	/* IO over both vCPUs: guest 1..100 and 1000; p50 is rank 51, p99 rank 100. */
	io = find_row(json_object_object_get(j, "by_reason"), -1, "IO");
	assert_int_equal(jsonc__u64(io, "count", 0), 101);
	assert_int_equal(jsonc__u64(io, "code", 0), 2);
	check_stat(io, "guest_ns", 1, 51, 100, 1000);
	check_stat(io, "vmm_ns", 1000, 1050, 1099, 5000);
	row = find_row(json_object_object_get(j, "by_vcpu"), 0, "IO");
	check_stat(row, "guest_ns", 1, 50, 99, 100);
	mean = json_object_object_get(json_object_object_get(row, "guest_ns"), "mean");
	assert_true(json_object_is_type(mean, json_type_double));
	assert_true(json_object_get_double(mean) == 50.5);
	row = find_row(json_object_object_get(j, "by_vcpu"), 1, "MMIO");
	assert_int_equal(jsonc__u64(row, "count", 0), 10);
	check_stat(row, "vmm_ns", 7, 7, 7, 7);
	/* The first row is the most frequent reason. */
	row = json_object_array_get_idx(json_object_object_get(j, "by_reason"), 0);
	assert_string_equal(jsonc__str(row, "reason"), "IO");
	assert_int_equal(jsonc__u64(json_object_object_get(j, "total"), "count", 0), 112);
	/* Total: 1, 1, 2 .. 100, ten 500s, 1000: rank 56 is 55, rank 111 is 500. */
	check_stat(json_object_object_get(j, "total"), "guest_ns", 1, 55, 500, 1000);
	json_object_put(j);
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

/* The whole object, byte for byte: key order, compact, fixed decimals for share and mean. */
static void test_report_empty(void **state)
{
	static const char want[] =
		"{\"trace\":\"empty\",\"exits\":0,\"vcpus\":0,\"first_ns\":0,\"last_ns\":0,"
		"\"other_events\":0,\"others\":{},\"discarded\":0,\"discarded_by_stream\":{},"
		"\"lost\":0,\"by_reason\":[],\"by_vcpu\":[],\"total\":{\"count\":0,"
		"\"share\":0.000000,\"guest_ns\":{\"min\":0,\"mean\":0.0,\"p50\":0,\"p99\":0,"
		"\"max\":0},\"vmm_ns\":{\"min\":0,\"mean\":0.0,\"p50\":0,\"p99\":0,\"max\":0}}}\n";
	struct report *r = report__new();
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	report__finish(r);
	assert_int_equal(report__print_json(r, "empty", f), 0);
	fclose(f);
	assert_string_equal(text, want);
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
