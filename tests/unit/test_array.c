// SPDX-License-Identifier: GPL-2.0
/* lib/array.h: growing by one element keeps what was there; a failed growth changes nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../lib/array.h"

static void test_grows_and_keeps(void **state)
{
	uint64_t *v = NULL;
	int nr = 0, cap = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(ARRAY_GROW(v, nr, cap, 4), 0);
		assert_true(cap > nr);
		v[nr++] = (uint64_t)i * 7;
	}
	assert_int_equal(cap, 1024); /* 4, doubled */
	for (i = 0; i < nr; i++)
		assert_int_equal(v[i], (uint64_t)i * 7);
	/* With room left, nothing moves. */
	nr = 10;
	{
		uint64_t *before = v;

		assert_int_equal(ARRAY_GROW(v, nr, cap, 4), 0);
		assert_ptr_equal(v, before);
		assert_int_equal(cap, 1024);
	}
	free(v);
}

static void test_failure_changes_nothing(void **state)
{
	size_t cap = 0;

	(void)state;
	/* An element so large that no count fits: refused before realloc, cap kept. */
	assert_null(array__grow(NULL, SIZE_MAX / 2, 0, &cap, 4));
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_and_keeps),
		cmocka_unit_test(test_failure_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
