/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growing an array by one element: ARRAY_GROW(arr, nr, cap, first) makes room for
 * arr[nr] when nr == cap, doubling cap (first: the first allocation's count) and leaving
 * arr and cap as they were when realloc fails.  0, or -ENOMEM.
 */
#ifndef VMSCOPE_ARRAY_H
#define VMSCOPE_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* The new array (cap updated) or NULL, arr unchanged; arr itself while there is room. */
static inline void *array__grow(void *arr, size_t size, size_t nr, size_t *cap, size_t first)
{
	size_t want;
	void *p;

	if (nr < *cap)
		return arr;
	want = *cap ? 2 * *cap : first;
	if (want <= nr || want > (size_t)-1 / size)
		return NULL;
	p = realloc(arr, want * size);
	if (p)
		*cap = want;
	return p;
}

#define ARRAY_GROW(arr, nr, cap, first)                                                            \
	({                                                                                         \
		size_t cap_ = (cap);                                                               \
		void *p_ = array__grow((arr), sizeof(*(arr)), (nr), &cap_, (first));               \
		if (p_) {                                                                          \
			(arr) = p_;                                                                \
			(cap) = cap_;                                                              \
		}                                                                                  \
		p_ ? 0 : -ENOMEM;                                                                  \
	})

#endif
