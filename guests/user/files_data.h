/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the `files` program writes, shared with the test that checks its checksum: file i
 * of FILES_COUNT holds files_size(i) bytes, byte j being files_byte(i, j); the checksum is
 * FNV-1a (32 bits) over every file's bytes in order.
 */
#ifndef GUEST_FILES_DATA_H
#define GUEST_FILES_DATA_H

#include <stdint.h>

#define FILES_COUNT 8

static inline uint64_t files_size(int i)
{
	return 1000 + (uint64_t)i * 1537;
}

static inline uint8_t files_byte(int i, uint64_t j)
{
	return (uint8_t)(i * 31 + j * 7 + (j >> 8));
}

static inline uint32_t files_fnv(uint32_t h, const uint8_t *p, uint64_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

#define FILES_FNV_INIT 2166136261u

#endif
