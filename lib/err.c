// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define ERR_MSG_SIZE 1024

static __thread char err_msg[ERR_MSG_SIZE];
static __thread char err_fallback[128];

int err__set(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	return errnum > 0 ? -errnum : errnum;
}

int err__wrap(int ret, const char *fmt, ...)
{
	char prefix[ERR_MSG_SIZE], old[ERR_MSG_SIZE];
	va_list ap;

	snprintf(old, sizeof(old), "%s", err__msg(ret));
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(err_msg, sizeof(err_msg), "%.500s: %.500s", prefix, old);
	return ret;
}

const char *err__msg(int ret)
{
	if (err_msg[0])
		return err_msg;
	snprintf(err_fallback, sizeof(err_fallback), "%s", strerror(ret < 0 ? -ret : ret));
	return err_fallback;
}

void err__clear(void)
{
	err_msg[0] = '\0';
}
