// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define ERR_MSG_SIZE 1024

static __thread char err_msg[ERR_MSG_SIZE];
static __thread int err_num; /* the error err_msg explains (positive); 0: none */
static __thread char err_fallback[128];

static int err__abs(int ret)
{
	return ret < 0 ? -ret : ret;
}

int err__set(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	err_num = err__abs(errnum);
	errno = err_num;
	return -err_num;
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
	err_num = err__abs(ret);
	return ret;
}

const char *err__msg(int ret)
{
	if (err_msg[0] && err_num == err__abs(ret))
		return err_msg;
	snprintf(err_fallback, sizeof(err_fallback), "%s", strerror(err__abs(ret)));
	return err_fallback;
}

const char *err__last(void)
{
	return err_msg;
}

void err__clear(void)
{
	err_msg[0] = '\0';
	err_num = 0;
}
