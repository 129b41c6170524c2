// SPDX-License-Identifier: GPL-2.0
/* lib/parse.c: numbers and sizes as users type them, and the messages for bad ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "../../lib/parse.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

#define assert_msg_contains(needle) assert_non_null(strstr(err__last(), (needle)))
#define assert_msg(needle) assert_msg_contains(needle)

struct size_case {
	const char *in;
	uint64_t bytes;
};

static void test_parse_size_valid(void **state)
{
	static const struct size_case cases[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "4096B", 4096 },
		{ "512K", 512 * KiB },
		{ "512k", 512 * KiB },
		{ "512KiB", 512 * KiB },
		{ "64M", 64 * MiB },
		{ "64m", 64 * MiB },
		{ "64MB", 64 * MiB },
		{ "64MiB", 64 * MiB },
		{ "64mib", 64 * MiB },
		{ "1G", GiB },
		{ "1g", GiB },
		{ "1GiB", GiB },
		{ "007M", 7 * MiB },
		{ "1024G", TiB },
		{ "18446744073709551615", UINT64_MAX },
		{ "17179869183G", 17179869183ull << 30 },
	};
	uint64_t bytes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bytes = 12345;
		if (parse__size(cases[i].in, &bytes))
			fail_msg("'%s' rejected: %s", cases[i].in, err__last());
		if (bytes != cases[i].bytes)
			fail_msg("'%s' parsed as %llu", cases[i].in, (unsigned long long)bytes);
	}
}

static void test_parse_size_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"M",
		"12Q",
		"1.5G",
		"-1",
		"+1",
		" 1",
		"1 ",
		"64Mi",
		"64iB",
		"64MBB",
		"K1",
		"1GG",
		"1T",
		"0x10",
		"64M ",
		"18446744073709551616",
		"17179869184G",
		"99999999999999999999999",
	};
	uint64_t bytes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err__clear();
		bytes = 12345;
		if (parse__size(bad[i], &bytes) != -EINVAL)
			fail_msg("'%s' accepted as %llu", bad[i], (unsigned long long)bytes);
		assert_int_equal(bytes, 12345);
		/* The message shows valid forms; non-empty inputs are quoted back. */
		assert_msg_contains("64M");
		if (bad[i][0])
			assert_msg_contains(bad[i]);
	}
	assert_int_equal(parse__size(NULL, &bytes), -EINVAL);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse__u64("0x100000", "--x", &v), 0);
	assert_int_equal(v, 0x100000);
	assert_int_equal(parse__u64("0X1f", "--x", &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(parse__u64("4096", "--x", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse__u64("0", "--x", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse__u64("010", "--x", &v), 0); /* a leading 0 is octal */
	assert_int_equal(v, 8);
	assert_int_equal(parse__u64("18446744073709551615", "--x", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(parse__u64("0xffffffffffffffff", "--x", &v), 0);
	assert_int_equal(v, UINT64_MAX);
}

static void test_parse_u64_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"-1",
		"12abc",
		"0x",
		"0xg",
		"08",
		"1.5",
		"18446744073709551616",
		"0x10000000000000000",
	};
	size_t i;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		err__clear();
		ret = parse__u64(bad[i], "--load-addr", &v);
		if (ret != -EINVAL)
			fail_msg("'%s' gave %d, not -EINVAL", bad[i], ret);
		assert_msg("--load-addr");
		assert_msg(bad[i]);
		assert_msg("not a number");
	}
	err__clear();
	assert_int_equal(parse__u64(NULL, "--entry", &v), -EINVAL);
	assert_msg("--entry ''");
}

/* strtoull skips blanks before the sign: " -1" must be refused like "-1", not read as 2^64-1. */
static void test_parse_u64_negative_after_blank(void **state)
{
	uint64_t v = 0;
	int ret;

	(void)state;
	ret = parse__u64(" -1", "--entry", &v);
	if (ret != -EINVAL)
		fail_msg("' -1' gave %d and 0x%llx, not -EINVAL", ret, (unsigned long long)v);
	ret = parse__u64("\t-4096", "--entry", &v);
	if (ret != -EINVAL)
		fail_msg("'\\t-4096' gave %d and 0x%llx, not -EINVAL", ret, (unsigned long long)v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_valid),
		cmocka_unit_test(test_parse_size_invalid),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_u64_bad),
		cmocka_unit_test(test_parse_u64_negative_after_blank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
