/* SPDX-License-Identifier: GPL-2.0 */
/* String functions shared by the guest kernel and the programs' libc (str.c). */
#ifndef VMSCOPE_GUEST_STR_H
#define VMSCOPE_GUEST_STR_H

#include <stddef.h>

int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
