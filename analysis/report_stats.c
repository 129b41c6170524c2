// SPDX-License-Identifier: GPL-2.0
/*
 * The report's collector: per (vCPU, exit reason) cells holding a count and every guest_ns
 * and vmm_ns value, so that min, mean, median and 99th percentile are exact.  Rows over all
 * vCPUs (and the total) take their order statistics from the union of the cells' sorted
 * arrays without merging them (report__kth), so memory stays at 16 bytes per exit.
 *
 * Percentiles use the nearest-rank definition: p of n sorted values is the value of rank
 * ceil(p * n / 100), the smallest value with at least p% of the values at or below it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/array.h"
#include "report_int.h"

struct report *report__new(void)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r)
		r->first_ns = UINT64_MAX;
	return r;
}

static void values_free(struct values *v)
{
	free(v->v);
}

void report__free(struct report *r)
{
	int i, j;

	if (!r)
		return;
	for (i = 0; i < r->nr_rows; i++) {
		for (j = 0; r->rows[i] && j < REPORT_MAX_REASONS; j++) {
			if (!r->rows[i][j])
				continue;
			values_free(&r->rows[i][j]->guest);
			values_free(&r->rows[i][j]->vmm);
			free(r->rows[i][j]);
		}
		free(r->rows[i]);
	}
	for (i = 0; i < REPORT_MAX_REASONS; i++)
		free(r->reason_names[i]);
	for (i = 0; i < r->nr_named; i++)
		free(r->named[i].name);
	free(r->named);
	report_sys__free(r);
	report_tx__free(r);
	free(r->rows);
	report_kvm__free(r);
	free(r);
}

int values__add(struct values *v, uint64_t x)
{
	if (ARRAY_GROW(v->v, v->n, v->cap, 64))
		return -ENOMEM;
	v->v[v->n++] = x;
	v->sum += x;
	return 0;
}

static int report__grow_rows(struct report *r, uint32_t vcpu)
{
	int n = vcpu + 1;
	struct cell ***p;

	if (vcpu < (uint32_t)r->nr_rows)
		return 0;
	p = realloc(r->rows, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + r->nr_rows, 0, (n - r->nr_rows) * sizeof(*p));
	r->rows = p;
	r->nr_rows = n;
	return 0;
}

static struct cell *report__cell(struct report *r, uint32_t vcpu, uint32_t reason)
{
	if (report__grow_rows(r, vcpu))
		return NULL;
	if (!r->rows[vcpu]) {
		r->rows[vcpu] = calloc(REPORT_MAX_REASONS, sizeof(struct cell *));
		if (!r->rows[vcpu])
			return NULL;
	}
	if (!r->rows[vcpu][reason])
		r->rows[vcpu][reason] = calloc(1, sizeof(struct cell));
	return r->rows[vcpu][reason];
}

static void report__name_reason(struct report *r, uint32_t reason, const char *name)
{
	if (!r->reason_names[reason] && name)
		r->reason_names[reason] = strdup(name);
}

int report__add_exit(struct report *r, uint32_t vcpu, uint32_t reason, const char *reason_name,
		     uint64_t guest_ns, uint64_t vmm_ns)
{
	struct cell *c;

	if (vcpu >= REPORT_MAX_VCPUS)
		return -ERANGE;
	if (reason >= REPORT_MAX_REASONS)
		reason = REPORT_MAX_REASONS - 1;
	c = report__cell(r, vcpu, reason);
	if (!c || values__add(&c->guest, guest_ns) || values__add(&c->vmm, vmm_ns))
		return -ENOMEM;
	report__name_reason(r, reason, reason_name);
	r->exits++;
	return 0;
}

void report__add_time(struct report *r, uint64_t ns)
{
	if (ns < r->first_ns)
		r->first_ns = ns;
	if (ns > r->last_ns)
		r->last_ns = ns;
}

static int report__add_named(struct report *r, const char *name, uint64_t count, int discarded)
{
	struct named *p;
	int i;

	for (i = 0; i < r->nr_named; i++)
		if (r->named[i].discarded == discarded && !strcmp(r->named[i].name, name)) {
			r->named[i].count += count;
			return 0;
		}
	p = realloc(r->named, (r->nr_named + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->named = p;
	p[r->nr_named] =
		(struct named){ .name = strdup(name), .count = count, .discarded = discarded };
	if (!p[r->nr_named].name)
		return -ENOMEM;
	r->nr_named++;
	return 0;
}

int report__add_other(struct report *r, const char *event)
{
	r->others++;
	return report__add_named(r, event, 1, 0);
}

int report__add_discarded(struct report *r, const char *stream, uint64_t count)
{
	r->discarded += count;
	return report__add_named(r, stream, count, 1);
}

void report__add_lost(struct report *r, uint64_t count)
{
	r->lost += count;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the values in place; an empty set has no array (qsort takes no NULL). */
void values__sort(struct values *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(uint64_t), cmp_u64);
}

int report__finish(struct report *r)
{
	int i, j;

	for (i = 0; i < r->nr_rows; i++)
		for (j = 0; r->rows[i] && j < REPORT_MAX_REASONS; j++) {
			struct cell *c = r->rows[i][j];

			if (!c)
				continue;
			values__sort(&c->guest);
			values__sort(&c->vmm);
		}
	report_kvm__finish(r);
	return 0;
}

/* How many values of the sorted array are <= x. */
static uint64_t count_le(const uint64_t *a, uint64_t n, uint64_t x)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (a[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t report__kth(const uint64_t *const *arrays, const uint64_t *lens, int m, uint64_t k)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	int i;

	if (m == 1)
		return arrays[0][k - 1];
	for (i = 0; i < m; i++) {
		if (!lens[i])
			continue;
		if (arrays[i][0] < lo)
			lo = arrays[i][0];
		if (arrays[i][lens[i] - 1] > hi)
			hi = arrays[i][lens[i] - 1];
	}
	/* The smallest x with at least k values <= x is the k-th smallest value. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, n = 0;

		for (i = 0; i < m; i++)
			n += count_le(arrays[i], lens[i], mid);
		if (n >= k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Rank of the p-th percentile of n values (nearest rank), 1-based. */
static uint64_t pct_rank(uint64_t n, unsigned p)
{
	uint64_t k = (n * p + 99) / 100;

	return k ? k : 1;
}

/* The five statistics of the union of the given cells' guest or vmm values. */
int report__summary(struct cell *const *cells, int m, int vmm, struct summary *s)
{
	const uint64_t **arrays = calloc(m ? m : 1, sizeof(*arrays));
	uint64_t *lens = calloc(m ? m : 1, sizeof(*lens)), sum = 0;
	int i;

	memset(s, 0, sizeof(*s));
	if (!arrays || !lens) {
		free(arrays);
		free(lens);
		return -ENOMEM;
	}
	for (i = 0; i < m; i++) {
		const struct values *v = vmm ? &cells[i]->vmm : &cells[i]->guest;

		arrays[i] = v->v;
		lens[i] = v->n;
		s->n += v->n;
		sum += v->sum;
	}
	if (s->n) {
		s->min = report__kth(arrays, lens, m, 1);
		s->max = report__kth(arrays, lens, m, s->n);
		s->p50 = report__kth(arrays, lens, m, pct_rank(s->n, 50));
		s->p99 = report__kth(arrays, lens, m, pct_rank(s->n, 99));
		s->mean = (double)sum / s->n;
	}
	free(arrays);
	free(lens);
	return 0;
}
