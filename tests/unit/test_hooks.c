// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/err.h"
#include "hooks.h"

#define NR_RANDOM 200
#define PORT_SPACE 0x10000

static int pio_a(struct vcpu *v, void *opaque, uint16_t port, int size, int is_write, uint8_t *data)
{
	(void)v, (void)opaque, (void)port, (void)size, (void)is_write, (void)data;
	return 0;
}

static int mmio_a(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write, uint8_t *data)
{
	(void)v, (void)opaque, (void)gpa, (void)len, (void)is_write, (void)data;
	return 0;
}

static int msr_a(struct vcpu *v, void *opaque, uint32_t index, int is_write, uint64_t *data)
{
	(void)v, (void)opaque, (void)index, (void)is_write, (void)data;
	return 0;
}

static int exit_a(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	(void)v, (void)opaque, (void)run;
	return 0;
}

static int exit_b(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	(void)v, (void)opaque, (void)run;
	return 1;
}

static void assert_err(int ret, int expect, const char *needle)
{
	const char *msg = err__msg(ret);

	assert_int_equal(ret, expect);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

/* The message of the last failure names needle. */
static void assert_msg(const char *needle)
{
	const char *msg = err__last();

	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

static int setup(void **state)
{
	struct hooks *h = malloc(sizeof(*h));

	if (!h)
		return -1;
	hooks__init(h);
	err__clear();
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct hooks *h = *state;

	hooks__exit(h);
	free(h);
	return 0;
}

/* xorshift64*: the same sequence on every libc, so a failure is reproducible. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

static void assert_sorted(const struct range_table *t)
{
	int i;

	for (i = 1; i < t->nr; i++)
		assert_true(t->items[i - 1].base + t->items[i - 1].len <= t->items[i].base);
}

static void test_init_empty(void **state)
{
	struct hooks *h = *state;

	assert_int_equal(h->pio.nr, 0);
	assert_int_equal(h->mmio.nr, 0);
	assert_int_equal(h->msr.nr, 0);
	assert_int_equal(h->debug.nr, 0);
	assert_int_equal(h->emulation.nr, 0);
	assert_int_equal(h->observe.nr, 0);
	assert_null(hooks__find(&h->pio, 0));
	assert_null(hooks__find(&h->mmio, UINT64_MAX));
	assert_null(hooks__find(&h->msr, 0x10));
}

static void test_pio_add_find(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;
	int cookie;
	uint64_t port;

	assert_int_equal(hooks__add_pio(h, 0x3f8, 8, "com1", pio_a, &cookie), 0);
	assert_int_equal(h->pio.nr, 1);
	assert_null(hooks__find(&h->pio, 0x3f7));
	for (port = 0x3f8; port < 0x400; port++) {
		r = hooks__find(&h->pio, port);
		assert_non_null(r);
		assert_int_equal(r->base, 0x3f8);
		assert_int_equal(r->len, 8);
		assert_string_equal(r->name, "com1");
		assert_ptr_equal(r->fn, (void *)pio_a);
		assert_ptr_equal(r->opaque, &cookie);
	}
	assert_null(hooks__find(&h->pio, 0x400));
	/* The MMIO and MSR tables are separate: a port hook is not an MMIO hook. */
	assert_null(hooks__find(&h->mmio, 0x3f8));
	assert_null(hooks__find(&h->msr, 0x3f8));
}

static void test_pio_port_zero_and_top(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;

	assert_int_equal(hooks__add_pio(h, 0, 1, "zero", pio_a, NULL), 0);
	assert_int_equal(hooks__add_pio(h, 0xfff0, 0x10, "top", pio_a, NULL), 0);
	r = hooks__find(&h->pio, 0);
	assert_non_null(r);
	assert_string_equal(r->name, "zero");
	assert_null(hooks__find(&h->pio, 1));
	r = hooks__find(&h->pio, 0xffff);
	assert_non_null(r);
	assert_string_equal(r->name, "top");
	assert_null(hooks__find(&h->pio, 0x10000));
}

static void test_pio_past_ffff(void **state)
{
	struct hooks *h = *state;

	assert_err(hooks__add_pio(h, 0xfff0, 0x11, "wide", pio_a, NULL), -EINVAL, "0xffff");
	assert_err(hooks__add_pio(h, 0xffff, 2, "wide2", pio_a, NULL), -EINVAL, "'wide2'");
	assert_err(hooks__add_pio(h, 0, 0x10001, "all+1", pio_a, NULL), -EINVAL, "0xffff");
	assert_err(hooks__add_pio(h, 1, UINT32_MAX, "huge", pio_a, NULL), -EINVAL, "0xffff");
	assert_int_equal(h->pio.nr, 0);
	/* The whole port space is one valid range. */
	assert_int_equal(hooks__add_pio(h, 0, 0x10000, "all", pio_a, NULL), 0);
	assert_non_null(hooks__find(&h->pio, 0xffff));
}

static void test_mmio_add_find(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;
	int cookie;

	assert_int_equal(hooks__add_mmio(h, 0xfee00000, 0x1000, "lapic", mmio_a, &cookie), 0);
	assert_int_equal(hooks__add_mmio(h, 0x100000000000ull, 8, "high", mmio_a, NULL), 0);
	assert_null(hooks__find(&h->mmio, 0xfedfffff));
	r = hooks__find(&h->mmio, 0xfee00000);
	assert_non_null(r);
	assert_string_equal(r->name, "lapic");
	assert_ptr_equal(r->fn, (void *)mmio_a);
	assert_ptr_equal(r->opaque, &cookie);
	assert_ptr_equal(hooks__find(&h->mmio, 0xfee00fff), r);
	assert_null(hooks__find(&h->mmio, 0xfee01000));
	r = hooks__find(&h->mmio, 0x100000000007ull);
	assert_non_null(r);
	assert_string_equal(r->name, "high");
	assert_null(hooks__find(&h->mmio, 0x100000000008ull));
	assert_null(hooks__find(&h->mmio, UINT64_MAX));
}

static void test_mmio_near_top(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;

	/* Ends at 2^64 - 1, one byte short of wrapping. */
	assert_int_equal(hooks__add_mmio(h, UINT64_MAX - 0xfff, 0xfff, "top", mmio_a, NULL), 0);
	r = hooks__find(&h->mmio, UINT64_MAX - 1);
	assert_non_null(r);
	assert_string_equal(r->name, "top");
	assert_null(hooks__find(&h->mmio, UINT64_MAX));
	assert_null(hooks__find(&h->mmio, UINT64_MAX - 0x1000));
}

static void test_msr_add_find(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;
	int cookie;

	assert_int_equal(hooks__add_msr(h, 0xc0000080, "efer", msr_a, &cookie), 0);
	/* Neighbouring MSRs are distinct one-entry ranges. */
	assert_int_equal(hooks__add_msr(h, 0x10, "tsc", msr_a, NULL), 0);
	assert_int_equal(hooks__add_msr(h, 0x11, "tsc+1", msr_a, NULL), 0);
	assert_int_equal(hooks__add_msr(h, 0xffffffff, "last", msr_a, NULL), 0);
	assert_int_equal(h->msr.nr, 4);
	assert_sorted(&h->msr);
	r = hooks__find(&h->msr, 0xc0000080);
	assert_non_null(r);
	assert_string_equal(r->name, "efer");
	assert_int_equal(r->len, 1);
	assert_ptr_equal(r->fn, (void *)msr_a);
	assert_ptr_equal(r->opaque, &cookie);
	assert_null(hooks__find(&h->msr, 0xc000007f));
	assert_null(hooks__find(&h->msr, 0xc0000081));
	assert_string_equal(hooks__find(&h->msr, 0x10)->name, "tsc");
	assert_string_equal(hooks__find(&h->msr, 0x11)->name, "tsc+1");
	assert_null(hooks__find(&h->msr, 0x12));
	assert_string_equal(hooks__find(&h->msr, 0xffffffff)->name, "last");
	assert_null(hooks__find(&h->msr, 0x100000000ull));
}

static void test_msr_duplicate(void **state)
{
	struct hooks *h = *state;

	assert_int_equal(hooks__add_msr(h, 0x1b, "apic-base", msr_a, NULL), 0);
	err__clear();
	assert_err(hooks__add_msr(h, 0x1b, "spy", msr_a, NULL), -EEXIST, "'spy'");
	assert_msg("'apic-base'");
	assert_msg("MSR");
	assert_int_equal(h->msr.nr, 1);
	assert_string_equal(hooks__find(&h->msr, 0x1b)->name, "apic-base");
}

/* An existing range [0x1000, 0x2000) named "old"; each new range overlaps it somehow. */
static void test_mmio_overlap_cases(void **state)
{
	static const struct {
		uint64_t base, len;
		const char *what;
	} cases[] = {
		{ 0x1000, 0x1000, "exact" },
		{ 0x800, 0x1000, "over the low end" },
		{ 0x1800, 0x1000, "over the high end" },
		{ 0x0, 0x1001, "ends on the first byte" },
		{ 0x1fff, 0x10, "starts on the last byte" },
		{ 0x1000, 1, "first byte only" },
		{ 0x1fff, 1, "last byte only" },
		{ 0x1400, 0x400, "inside" },
		{ 0x800, 0x2000, "around" },
		{ 0x0, UINT64_MAX, "everything" },
	};
	struct hooks *h = *state;
	size_t i;

	assert_int_equal(hooks__add_mmio(h, 0x1000, 0x1000, "old", mmio_a, NULL), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		err__clear();
		ret = hooks__add_mmio(h, cases[i].base, cases[i].len, "new", mmio_a, NULL);
		if (ret != -EEXIST)
			fail_msg("%s: 0x%llx+0x%llx returned %d, not -EEXIST", cases[i].what,
				 (unsigned long long)cases[i].base,
				 (unsigned long long)cases[i].len, ret);
		assert_err(ret, -EEXIST, "'new'");
		assert_err(ret, -EEXIST, "'old'");
		assert_err(ret, -EEXIST, "MMIO");
		assert_int_equal(h->mmio.nr, 1);
		assert_string_equal(hooks__find(&h->mmio, 0x1000)->name, "old");
		assert_null(hooks__find(&h->mmio, 0xfff));
		assert_null(hooks__find(&h->mmio, 0x2000));
	}
}

/* Containment is caught whichever range comes first. */
static void test_overlap_both_directions(void **state)
{
	struct hooks *h = *state;

	assert_int_equal(hooks__add_pio(h, 0x60, 0x10, "big", pio_a, NULL), 0);
	assert_err(hooks__add_pio(h, 0x64, 1, "small", pio_a, NULL), -EEXIST, "'big'");
	assert_msg("'small'");
	assert_int_equal(hooks__del_pio(h, 0x60), 0);

	assert_int_equal(hooks__add_pio(h, 0x64, 1, "small", pio_a, NULL), 0);
	err__clear();
	assert_err(hooks__add_pio(h, 0x60, 0x10, "big", pio_a, NULL), -EEXIST, "'small'");
	assert_msg("'big'");
	assert_msg("port hook");
	assert_int_equal(h->pio.nr, 1);

	/* Partial overlap, new range first below then above the old one. */
	assert_err(hooks__add_pio(h, 0x62, 3, "below", pio_a, NULL), -EEXIST, "'small'");
	assert_err(hooks__add_pio(h, 0x64, 3, "above", pio_a, NULL), -EEXIST, "'small'");
	assert_int_equal(h->pio.nr, 1);
}

/* A new range in a gap that reaches into the next range, or spans several. */
static void test_overlap_across_neighbours(void **state)
{
	struct hooks *h = *state;

	assert_int_equal(hooks__add_mmio(h, 0x1000, 0x100, "a", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_mmio(h, 0x3000, 0x100, "b", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_mmio(h, 0x5000, 0x100, "c", mmio_a, NULL), 0);
	assert_err(hooks__add_mmio(h, 0x2000, 0x1001, "gap-to-b", mmio_a, NULL), -EEXIST, "'b'");
	assert_err(hooks__add_mmio(h, 0x10ff, 0x10, "a-tail", mmio_a, NULL), -EEXIST, "'a'");
	assert_err(hooks__add_mmio(h, 0x0, 0x10000, "span", mmio_a, NULL), -EEXIST, "'span'");
	assert_err(hooks__add_mmio(h, 0x2000, 0x4000, "b-and-c", mmio_a, NULL), -EEXIST, "'b'");
	assert_int_equal(h->mmio.nr, 3);
	/* The gaps themselves are free. */
	assert_int_equal(hooks__add_mmio(h, 0x1100, 0x1f00, "gap1", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_mmio(h, 0x3100, 0x1f00, "gap2", mmio_a, NULL), 0);
	assert_int_equal(h->mmio.nr, 5);
	assert_sorted(&h->mmio);
}

static void test_adjacent_accepted(void **state)
{
	struct hooks *h = *state;

	assert_int_equal(hooks__add_mmio(h, 0x1000, 0x1000, "mid", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_mmio(h, 0x2000, 0x1000, "above", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_mmio(h, 0x0, 0x1000, "below", mmio_a, NULL), 0);
	assert_int_equal(h->mmio.nr, 3);
	assert_sorted(&h->mmio);
	assert_string_equal(hooks__find(&h->mmio, 0x0)->name, "below");
	assert_string_equal(hooks__find(&h->mmio, 0xfff)->name, "below");
	assert_string_equal(hooks__find(&h->mmio, 0x1000)->name, "mid");
	assert_string_equal(hooks__find(&h->mmio, 0x1fff)->name, "mid");
	assert_string_equal(hooks__find(&h->mmio, 0x2000)->name, "above");
	assert_string_equal(hooks__find(&h->mmio, 0x2fff)->name, "above");
	assert_null(hooks__find(&h->mmio, 0x3000));

	assert_int_equal(hooks__add_pio(h, 0x3f8, 8, "com1", pio_a, NULL), 0);
	assert_int_equal(hooks__add_pio(h, 0x3f7, 1, "before", pio_a, NULL), 0);
	assert_int_equal(hooks__add_pio(h, 0x400, 1, "after", pio_a, NULL), 0);
	assert_string_equal(hooks__find(&h->pio, 0x3f7)->name, "before");
	assert_string_equal(hooks__find(&h->pio, 0x3ff)->name, "com1");
	assert_string_equal(hooks__find(&h->pio, 0x400)->name, "after");
}

static void test_empty_and_wrapping_rejected(void **state)
{
	struct hooks *h = *state;

	assert_err(hooks__add_pio(h, 0x80, 0, "empty-port", pio_a, NULL), -EINVAL, "'empty-port'");
	assert_err(hooks__add_mmio(h, 0x1000, 0, "empty-mmio", mmio_a, NULL), -EINVAL,
		   "'empty-mmio'");
	assert_msg("empty");
	assert_err(hooks__add_mmio(h, UINT64_MAX - 0xfff, 0x2000, "wrap", mmio_a, NULL), -EINVAL,
		   "'wrap'");
	assert_err(hooks__add_mmio(h, 2, UINT64_MAX, "wrap2", mmio_a, NULL), -EINVAL, "'wrap2'");
	assert_err(hooks__add_mmio(h, UINT64_MAX, UINT64_MAX, "wrap3", mmio_a, NULL), -EINVAL,
		   "wrapping");
	assert_int_equal(h->pio.nr, 0);
	assert_int_equal(h->mmio.nr, 0);
	/* A rejected wrapping range must not shadow low addresses. */
	assert_null(hooks__find(&h->mmio, 0));
}

static void test_delete_readd(void **state)
{
	struct hooks *h = *state;
	const struct range_hook *r;

	assert_int_equal(hooks__add_pio(h, 0x70, 2, "rtc", pio_a, NULL), 0);
	assert_int_equal(hooks__add_pio(h, 0x60, 1, "kbd", pio_a, NULL), 0);
	assert_int_equal(hooks__add_pio(h, 0x80, 1, "post", pio_a, NULL), 0);
	/* Only the base of a range deletes it. */
	assert_int_equal(hooks__del_pio(h, 0x71), -ENOENT);
	assert_int_equal(hooks__del_pio(h, 0x50), -ENOENT);
	assert_int_equal(hooks__del_pio(h, 0x90), -ENOENT);
	assert_int_equal(h->pio.nr, 3);

	assert_int_equal(hooks__del_pio(h, 0x70), 0);
	assert_int_equal(h->pio.nr, 2);
	assert_null(hooks__find(&h->pio, 0x70));
	assert_null(hooks__find(&h->pio, 0x71));
	assert_string_equal(hooks__find(&h->pio, 0x60)->name, "kbd");
	assert_string_equal(hooks__find(&h->pio, 0x80)->name, "post");
	assert_int_equal(hooks__del_pio(h, 0x70), -ENOENT);

	/* The freed ports take a different, larger hook. */
	assert_int_equal(hooks__add_pio(h, 0x70, 0x10, "rtc2", pio_a, NULL), 0);
	r = hooks__find(&h->pio, 0x7f);
	assert_non_null(r);
	assert_string_equal(r->name, "rtc2");
	assert_sorted(&h->pio);

	assert_int_equal(hooks__add_mmio(h, 0xd0000000, 0x1000, "ucall", mmio_a, NULL), 0);
	assert_int_equal(hooks__del_mmio(h, 0xd0000800), -ENOENT);
	assert_int_equal(hooks__del_mmio(h, 0xd0000000), 0);
	assert_null(hooks__find(&h->mmio, 0xd0000000));
	assert_int_equal(hooks__del_mmio(h, 0xd0000000), -ENOENT);
	assert_int_equal(hooks__add_mmio(h, 0xd0000000, 0x1000, "ucall", mmio_a, NULL), 0);
	assert_non_null(hooks__find(&h->mmio, 0xd0000fff));
}

static void test_exit_releases(void **state)
{
	struct hooks *h = *state;
	int i;

	for (i = 0; i < 100; i++)
		assert_int_equal(hooks__add_mmio(h, 0x1000ull * i, 0x10, "m", mmio_a, NULL), 0);
	assert_int_equal(hooks__add_debug(h, "d", exit_a, NULL), 0);
	hooks__exit(h);
	assert_int_equal(h->mmio.nr, 0);
	assert_int_equal(h->debug.nr, 0);
	assert_null(hooks__find(&h->mmio, 0));
	/* Usable again after exit. */
	assert_int_equal(hooks__add_mmio(h, 0, 0x10, "m", mmio_a, NULL), 0);
	assert_non_null(hooks__find(&h->mmio, 0xf));
}

struct random_ranges {
	uint64_t base[NR_RANDOM], len[NR_RANDOM];
	int present[NR_RANDOM];
	char name[NR_RANDOM][16];
	int order[NR_RANDOM];
	int16_t owner[PORT_SPACE]; /* brute-force reference: range index or -1 */
};

static void reference_build(struct random_ranges *rr)
{
	uint64_t p;
	int i;

	for (p = 0; p < PORT_SPACE; p++)
		rr->owner[p] = -1;
	for (i = 0; i < NR_RANDOM; i++)
		for (p = rr->base[i]; rr->present[i] && p < rr->base[i] + rr->len[i]; p++)
			rr->owner[p] = i;
}

static void check_every_port(const struct hooks *h, struct random_ranges *rr)
{
	uint64_t p;

	reference_build(rr);
	for (p = 0; p < PORT_SPACE; p++) {
		const struct range_hook *r = hooks__find(&h->pio, p);
		int i = rr->owner[p];

		if (i < 0 && r)
			fail_msg("port 0x%llx: found '%s', expected none", (unsigned long long)p,
				 r->name);
		if (i >= 0 && !r)
			fail_msg("port 0x%llx: found none, expected '%s'", (unsigned long long)p,
				 rr->name[i]);
		if (i >= 0) {
			assert_ptr_equal(r->opaque, &rr->present[i]);
			assert_int_equal(r->base, rr->base[i]);
			assert_int_equal(r->len, rr->len[i]);
		}
	}
	assert_null(hooks__find(&h->pio, PORT_SPACE));
	assert_null(hooks__find(&h->pio, UINT64_MAX));
	assert_sorted(&h->pio);
}

static void shuffle(int *a, int n)
{
	int i;

	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n - 1; i > 0; i--) {
		int j = (int)(rnd() % (uint64_t)(i + 1)), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* 200 disjoint port ranges with random gaps, inserted and deleted in random order. */
static void test_random_ranges(void **state)
{
	struct hooks *h = *state;
	struct random_ranges *rr = calloc(1, sizeof(*rr));
	uint64_t next = 0;
	int i, k;

	assert_non_null(rr);
	rnd_state = 0x5eed5eed5eedull;
	for (i = 0; i < NR_RANDOM; i++) {
		next += rnd() % 64; /* 0: adjacent to the previous range */
		rr->base[i] = next;
		rr->len[i] = 1 + rnd() % 200;
		next += rr->len[i];
		snprintf(rr->name[i], sizeof(rr->name[i]), "r%d", i);
	}
	assert_true(next <= PORT_SPACE);

	shuffle(rr->order, NR_RANDOM);
	for (k = 0; k < NR_RANDOM; k++) {
		i = rr->order[k];
		assert_int_equal(hooks__add_pio(h, rr->base[i], rr->len[i], rr->name[i], pio_a,
						&rr->present[i]),
				 0);
		rr->present[i] = 1;
	}
	assert_int_equal(h->pio.nr, NR_RANDOM);
	check_every_port(h, rr);

	/* Any range again, or one shifted by one port, overlaps. */
	for (i = 0; i < NR_RANDOM; i++) {
		assert_int_equal(hooks__add_pio(h, rr->base[i], rr->len[i], "dup", pio_a, NULL),
				 -EEXIST);
		assert_int_equal(
			hooks__add_pio(h, rr->base[i] + rr->len[i] - 1, 1, "last", pio_a, NULL),
			-EEXIST);
	}
	assert_int_equal(h->pio.nr, NR_RANDOM);

	/* Delete half in random order, check, then put them back. */
	shuffle(rr->order, NR_RANDOM);
	for (k = 0; k < NR_RANDOM / 2; k++) {
		i = rr->order[k];
		assert_int_equal(hooks__del_pio(h, rr->base[i]), 0);
		rr->present[i] = 0;
	}
	assert_int_equal(h->pio.nr, NR_RANDOM - NR_RANDOM / 2);
	check_every_port(h, rr);
	for (k = NR_RANDOM / 2 - 1; k >= 0; k--) {
		i = rr->order[k];
		assert_int_equal(hooks__add_pio(h, rr->base[i], rr->len[i], rr->name[i], pio_a,
						&rr->present[i]),
				 0);
		rr->present[i] = 1;
	}
	check_every_port(h, rr);
	free(rr);
}

#define MMIO_OFF 0x7f0000000000ull
#define MMIO_SPAN 4096
#define MMIO_ATTEMPTS 2000

/* Random MMIO ranges, some overlapping: add must agree with a brute-force overlap check. */
static void test_random_overlap_detection(void **state)
{
	struct hooks *h = *state;
	static int16_t owner[MMIO_SPAN + 64];
	static char names[MMIO_ATTEMPTS][16];
	int added = 0, rejected = 0, n;
	uint64_t a;

	rnd_state = 0xc0ffee1234ull;
	for (a = 0; a < MMIO_SPAN + 64; a++)
		owner[a] = -1;
	for (n = 0; n < MMIO_ATTEMPTS; n++) {
		uint64_t base = rnd() % MMIO_SPAN, len = 1 + rnd() % 64;
		int hit = -1, ret;

		for (a = base; a < base + len; a++)
			if (owner[a] >= 0)
				hit = owner[a];
		snprintf(names[n], sizeof(names[n]), "m%d", n);
		err__clear();
		ret = hooks__add_mmio(h, MMIO_OFF + base, len, names[n], mmio_a, NULL);
		if (hit >= 0) {
			char quoted[20];
			const char *msg = err__msg(ret);
			int i, named = 0;

			assert_int_equal(ret, -EEXIST);
			/* The message names a hook that really is in the way. */
			for (a = base; a < base + len; a++) {
				i = owner[a];
				if (i < 0)
					continue;
				snprintf(quoted, sizeof(quoted), "'%s'", names[i]);
				if (strstr(msg, quoted))
					named = 1;
			}
			if (!named)
				fail_msg("\"%s\" names no hook that overlaps 0x%llx+0x%llx", msg,
					 (unsigned long long)(MMIO_OFF + base),
					 (unsigned long long)len);
			rejected++;
			continue;
		}
		if (ret)
			fail_msg("0x%llx+0x%llx is free but add returned %d: %s",
				 (unsigned long long)(MMIO_OFF + base), (unsigned long long)len,
				 ret, err__msg(ret));
		for (a = base; a < base + len; a++)
			owner[a] = n;
		added++;
	}
	/* The seed gives plenty of both outcomes. */
	assert_true(added > 50);
	assert_true(rejected > 500);
	assert_int_equal(h->mmio.nr, added);
	assert_sorted(&h->mmio);
	assert_null(hooks__find(&h->mmio, MMIO_OFF - 1));
	for (a = 0; a < MMIO_SPAN + 64; a++) {
		const struct range_hook *r = hooks__find(&h->mmio, MMIO_OFF + a);

		if (owner[a] < 0) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_string_equal(r->name, names[owner[a]]);
	}
}

static void test_chain_limit(void **state)
{
	static const char *const names[HOOKS_MAX_CHAIN] = { "d0", "d1", "d2", "d3",
							    "d4", "d5", "d6", "d7" };
	struct hooks *h = *state;
	int cookies[HOOKS_MAX_CHAIN];
	char num[16];
	int i;

	for (i = 0; i < HOOKS_MAX_CHAIN; i++)
		assert_int_equal(
			hooks__add_debug(h, names[i], i % 2 ? exit_b : exit_a, &cookies[i]), 0);
	assert_int_equal(h->debug.nr, HOOKS_MAX_CHAIN);
	assert_err(hooks__add_debug(h, "one-too-many", exit_a, NULL), -ENOSPC, "'one-too-many'");
	snprintf(num, sizeof(num), "%d", HOOKS_MAX_CHAIN);
	assert_msg(num);
	assert_msg("debug");
	assert_int_equal(h->debug.nr, HOOKS_MAX_CHAIN);
	/* Registration order is kept; the rejected hook left no trace. */
	for (i = 0; i < HOOKS_MAX_CHAIN; i++) {
		assert_ptr_equal(h->debug.fn[i], i % 2 ? exit_b : exit_a);
		assert_ptr_equal(h->debug.opaque[i], &cookies[i]);
		assert_string_equal(h->debug.name[i], names[i]);
	}

	/* The emulation chain is separate and has its own limit. */
	assert_int_equal(h->emulation.nr, 0);
	for (i = 0; i < HOOKS_MAX_CHAIN; i++)
		assert_int_equal(hooks__add_emulation(h, names[i], exit_b, &cookies[i]), 0);
	err__clear();
	assert_err(hooks__add_emulation(h, "late", exit_b, NULL), -ENOSPC, "'late'");
	assert_msg("emulation");
	assert_int_equal(h->emulation.nr, HOOKS_MAX_CHAIN);
	assert_ptr_equal(h->emulation.opaque[HOOKS_MAX_CHAIN - 1], &cookies[HOOKS_MAX_CHAIN - 1]);

	/* So is the observer chain. */
	assert_int_equal(h->observe.nr, 0);
	for (i = 0; i < HOOKS_MAX_CHAIN; i++)
		assert_int_equal(hooks__add_observer(h, names[i], exit_a, &cookies[i]), 0);
	err__clear();
	assert_err(hooks__add_observer(h, "spy", exit_a, NULL), -ENOSPC, "'spy'");
	assert_msg("observer");
	assert_int_equal(h->observe.nr, HOOKS_MAX_CHAIN);
	assert_string_equal(h->observe.name[0], "d0");
	assert_int_equal(h->debug.nr, HOOKS_MAX_CHAIN);
	assert_int_equal(h->emulation.nr, HOOKS_MAX_CHAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pio_add_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pio_port_zero_and_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pio_past_ffff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_add_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_near_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_add_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_overlap_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_both_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_across_neighbours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adjacent_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_wrapping_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_readd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_overlap_detection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
