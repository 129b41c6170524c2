/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing the numbers users type on command lines and in control messages. */
#ifndef VMSCOPE_LIB_PARSE_H
#define VMSCOPE_LIB_PARSE_H

#include <stdint.h>

/* A number with 0x/0 prefixes; -EINVAL with a message naming what ("--entry"). */
int parse__u64(const char *s, const char *what, uint64_t *out);

/* A size: bytes with an optional K, M or G suffix (also KiB, MiB, GiB); -EINVAL with a message. */
int parse__size(const char *s, uint64_t *bytes);

#endif
