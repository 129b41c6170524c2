// SPDX-License-Identifier: GPL-2.0
/*
 * lib/err.c: a message belongs to the error it was recorded with.  A failure that set no
 * message of its own must print its strerror() text, never the sentence of an earlier
 * error the run survived.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"

static int reset(void **state)
{
	(void)state;
	err__clear();
	return 0;
}

static void test_set_records_its_error(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(err__set(ENOENT, "no such guest: %s", "a.elf"), -ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err__msg(-ENOENT), "no such guest: a.elf");
	/* Either sign names the same error. */
	assert_string_equal(err__msg(ENOENT), "no such guest: a.elf");
	assert_int_equal(err__set(-EBUSY, "busy"), -EBUSY);
	assert_string_equal(err__msg(-EBUSY), "busy");
}

/* The stale-message case: the probes failed (a warning, the run goes on), then KVM did. */
static void test_stale_message_not_printed(void **state)
{
	(void)state;
	err__set(EPERM, "cannot load the BPF probes: run as root");
	assert_string_equal(err__msg(-EIO), strerror(EIO));
	assert_string_equal(err__last(), "cannot load the BPF probes: run as root");
}

static void test_wrap(void **state)
{
	(void)state;
	err__set(EINVAL, "bad ELF header");
	assert_int_equal(err__wrap(-EINVAL, "loading %s", "g.elf"), -EINVAL);
	assert_string_equal(err__msg(-EINVAL), "loading g.elf: bad ELF header");
	/* Wrapping another error wraps its strerror() text, and the message becomes that error's. */
	assert_int_equal(err__wrap(-ENOMEM, "booting"), -ENOMEM);
	assert_string_equal(err__msg(-ENOMEM), "booting: Cannot allocate memory");
	assert_string_equal(err__msg(-EINVAL), strerror(EINVAL));
}

static void test_clear(void **state)
{
	(void)state;
	err__set(EAGAIN, "try again");
	err__clear();
	assert_string_equal(err__last(), "");
	assert_string_equal(err__msg(-EAGAIN), strerror(EAGAIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_records_its_error, reset),
		cmocka_unit_test_setup(test_stale_message_not_printed, reset),
		cmocka_unit_test_setup(test_wrap, reset),
		cmocka_unit_test_setup(test_clear, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
