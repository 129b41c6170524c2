// SPDX-License-Identifier: GPL-2.0
/*
 * The report's output: tables in the manner of `perf kvm stat report` (text, times with
 * units) or one JSON object (exact nanoseconds) for tools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "report_int.h"

/* A row of a table: the cells it sums and what labels it. */
struct row {
	int vcpu; /* -1: every vCPU */
	int reason;
	uint64_t count;
	struct cell **cells;
	int nr_cells;
};

static const char *reason_name(const struct report *r, int reason, char *buf, size_t size)
{
	if (r->reason_names[reason])
		return r->reason_names[reason];
	snprintf(buf, size, "reason_%d", reason);
	return buf;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->vcpu != y->vcpu)
		return x->vcpu - y->vcpu;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->reason - y->reason;
}

static int row_add_cell(struct row *row, struct cell *c)
{
	struct cell **p = realloc(row->cells, (row->nr_cells + 1) * sizeof(*p));

	if (!p)
		return -1;
	p[row->nr_cells++] = c;
	row->cells = p;
	row->count += c->guest.n;
	return 0;
}

/* Rows by reason over every vCPU (by_vcpu = 0) or one per (vCPU, reason); NULL on ENOMEM. */
static struct row *report__rows(const struct report *r, int by_vcpu, int *nr)
{
	struct row *rows =
		calloc((size_t)REPORT_MAX_REASONS * (by_vcpu ? r->nr_rows : 1) + 1, sizeof(*rows));
	int v, j, n = 0;

	*nr = 0;
	for (j = 0; rows && j < REPORT_MAX_REASONS; j++) {
		struct row *agg = &rows[n];

		*agg = (struct row){ .vcpu = -1, .reason = j };
		for (v = 0; v < r->nr_rows; v++) {
			struct cell *c = r->rows[v] ? r->rows[v][j] : NULL;

			if (!c)
				continue;
			if (by_vcpu) {
				agg = &rows[n++];
				*agg = (struct row){ .vcpu = v, .reason = j };
			}
			row_add_cell(agg, c);
		}
		if (!by_vcpu && agg->nr_cells)
			n++;
	}
	if (rows)
		qsort(rows, n, sizeof(*rows), row_cmp);
	*nr = n;
	return rows;
}

static void rows_free(struct row *rows, int n)
{
	int i;

	for (i = 0; rows && i < n; i++)
		free(rows[i].cells);
	free(rows);
}

/* Every cell of the report, as one row: the totals. */
static void report__total_row(const struct report *r, struct row *t)
{
	int v, j;

	memset(t, 0, sizeof(*t));
	t->vcpu = -1;
	for (v = 0; v < r->nr_rows; v++)
		for (j = 0; r->rows[v] && j < REPORT_MAX_REASONS; j++)
			if (r->rows[v][j])
				row_add_cell(t, r->rows[v][j]);
}

static const char *fmt_ns(char *buf, size_t size, double ns)
{
	if (ns < 10000)
		snprintf(buf, size, "%.0fns", ns);
	else if (ns < 1e7)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1e10)
		snprintf(buf, size, "%.1fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
	return buf;
}

static void print_summary(FILE *f, const struct summary *s)
{
	char b[5][24];

	fprintf(f, " %8s %8s %8s %8s %8s", fmt_ns(b[0], 24, s->min), fmt_ns(b[1], 24, s->mean),
		fmt_ns(b[2], 24, s->p50), fmt_ns(b[3], 24, s->p99), fmt_ns(b[4], 24, s->max));
}

static void print_row(FILE *f, const struct report *r, const struct row *row, const char *label)
{
	struct summary g, m;
	char vcpu[16], name[32];

	report__summary(row->cells, row->nr_cells, 0, &g);
	report__summary(row->cells, row->nr_cells, 1, &m);
	snprintf(vcpu, sizeof(vcpu), "%d", row->vcpu);
	fprintf(f, "%-5s %-16s %10llu %7.2f%% ", row->vcpu < 0 ? "all" : vcpu,
		label ? label : reason_name(r, row->reason, name, sizeof(name)),
		(unsigned long long)row->count, r->exits ? 100.0 * row->count / r->exits : 0.0);
	print_summary(f, &g);
	fprintf(f, "  ");
	print_summary(f, &m);
	fprintf(f, "\n");
}

static void print_table_head(FILE *f, const char *title)
{
	/* Columns as print_row() writes them: 44 characters, then two groups of 45. */
	fprintf(f, "\n%s\n%44s %44s   %44s\n", title, "",
		"---------------- guest_ns ------------------",
		"----------------- vmm_ns -------------------");
	fprintf(f, "%-5s %-16s %10s %8s  %8s %8s %8s %8s %8s   %8s %8s %8s %8s %8s\n", "vcpu",
		"reason", "count", "share", "min", "mean", "p50", "p99", "max", "min", "mean",
		"p50", "p99", "max");
}

static void print_table(FILE *f, const struct report *r, int by_vcpu)
{
	int i, n;
	struct row *rows = report__rows(r, by_vcpu, &n);

	print_table_head(f, by_vcpu ? "exits by vCPU and reason" : "exits by reason, all vCPUs");
	for (i = 0; i < n; i++)
		print_row(f, r, &rows[i], NULL);
	rows_free(rows, n);
}

static void print_named(FILE *f, const struct report *r, int discarded)
{
	int i, first = 1;

	for (i = 0; i < r->nr_named; i++) {
		if (r->named[i].discarded != discarded)
			continue;
		fprintf(f, "%s%s %llu", first ? " (" : ", ", r->named[i].name,
			(unsigned long long)r->named[i].count);
		first = 0;
	}
	if (!first)
		fprintf(f, ")");
}

static double report__span(const struct report *r)
{
	return r->last_ns > r->first_ns ? (r->last_ns - r->first_ns) / 1e9 : 0;
}

void report__print_text(struct report *r, const char *trace, FILE *f)
{
	struct row total;
	int nr_vcpus = 0, v;

	for (v = 0; v < r->nr_rows; v++)
		nr_vcpus += r->rows[v] != NULL;
	fprintf(f, "vmscope report: %s\n", trace);
	fprintf(f, "%llu exits on %d vCPU%s over %.6f s; %llu other events",
		(unsigned long long)r->exits, nr_vcpus, nr_vcpus == 1 ? "" : "s", report__span(r),
		(unsigned long long)r->others);
	print_named(f, r, 0);
	fprintf(f, "\ndiscarded events: %llu", (unsigned long long)r->discarded);
	print_named(f, r, 1);
	fprintf(f, "; lost records: %llu\n", (unsigned long long)r->lost);
	if (r->exits) {
		print_table(f, r, 0);
		report__total_row(r, &total);
		print_row(f, r, &total, "total");
		if (nr_vcpus > 1 || r->nr_rows > 1)
			print_table(f, r, 1);
		free(total.cells);
	}
	report_kvm__print_text(r, f);
}

/* {"min":N,"mean":N.N,"p50":N,"p99":N,"max":N}: exact ns, the mean with one decimal. */
struct json_object *report__json_summary(const struct summary *s)
{
	struct json_object *o = json_object_new_object();
	int bad = !o || jsonc__add(o, "min", json_object_new_uint64(s->min)) ||
		  jsonc__add(o, "mean", jsonc__fixed(s->mean, 1)) ||
		  jsonc__add(o, "p50", json_object_new_uint64(s->p50)) ||
		  jsonc__add(o, "p99", json_object_new_uint64(s->p99)) ||
		  jsonc__add(o, "max", json_object_new_uint64(s->max));

	return jsonc__keep(o, bad);
}

static int json_row_label(struct json_object *o, const struct report *r, const struct row *row)
{
	char name[32];

	return jsonc__add(
		       o, "reason",
		       json_object_new_string(reason_name(r, row->reason, name, sizeof(name)))) ||
	       jsonc__add(o, "code", json_object_new_int(row->reason));
}

static struct json_object *json_row(const struct report *r, const struct row *row, int label)
{
	struct json_object *o = json_object_new_object();
	double share = r->exits ? (double)row->count / r->exits : 0.0;
	struct summary g, m;
	int bad = !o || report__summary(row->cells, row->nr_cells, 0, &g) ||
		  report__summary(row->cells, row->nr_cells, 1, &m) ||
		  (row->vcpu >= 0 && jsonc__add(o, "vcpu", json_object_new_int(row->vcpu))) ||
		  (label && json_row_label(o, r, row)) ||
		  jsonc__add(o, "count", json_object_new_uint64(row->count)) ||
		  jsonc__add(o, "share", jsonc__fixed(share, 6)) ||
		  jsonc__add(o, "guest_ns", report__json_summary(&g)) ||
		  jsonc__add(o, "vmm_ns", report__json_summary(&m));

	return jsonc__keep(o, bad);
}

static struct json_object *json_rows(const struct report *r, int by_vcpu)
{
	struct json_object *a = json_object_new_array();
	int i, n;
	struct row *rows = report__rows(r, by_vcpu, &n);
	int bad = !a || !rows;

	for (i = 0; i < n && !bad; i++)
		bad = jsonc__add(a, NULL, json_row(r, &rows[i], 1));
	rows_free(rows, n);
	return jsonc__keep(a, bad);
}

static struct json_object *json_total(const struct report *r)
{
	struct json_object *o;
	struct row total;

	report__total_row(r, &total);
	o = json_row(r, &total, 0);
	free(total.cells);
	return o;
}

/* {"name":count,...}: the other events (discarded 0) or the discarded ones by stream. */
static struct json_object *json_named(const struct report *r, int discarded)
{
	struct json_object *o = json_object_new_object();
	int i, bad = !o;

	for (i = 0; i < r->nr_named && !bad; i++)
		if (r->named[i].discarded == discarded)
			bad = jsonc__add(o, r->named[i].name,
					 json_object_new_uint64(r->named[i].count));
	return jsonc__keep(o, bad);
}

static struct json_object *json_report(struct report *r, const char *trace)
{
	struct json_object *o = json_object_new_object();
	uint64_t first = r->exits || r->others ? r->first_ns : 0;
	int nr_vcpus = 0, v, bad;

	for (v = 0; v < r->nr_rows; v++)
		nr_vcpus += r->rows[v] != NULL;
	bad = !o || jsonc__add(o, "trace", json_object_new_string(trace)) ||
	      jsonc__add(o, "exits", json_object_new_uint64(r->exits)) ||
	      jsonc__add(o, "vcpus", json_object_new_int(nr_vcpus)) ||
	      jsonc__add(o, "first_ns", json_object_new_uint64(first)) ||
	      jsonc__add(o, "last_ns", json_object_new_uint64(r->last_ns)) ||
	      jsonc__add(o, "other_events", json_object_new_uint64(r->others)) ||
	      jsonc__add(o, "others", json_named(r, 0)) ||
	      jsonc__add(o, "discarded", json_object_new_uint64(r->discarded)) ||
	      jsonc__add(o, "discarded_by_stream", json_named(r, 1)) ||
	      jsonc__add(o, "lost", json_object_new_uint64(r->lost)) ||
	      jsonc__add(o, "by_reason", json_rows(r, 0)) ||
	      jsonc__add(o, "by_vcpu", json_rows(r, 1)) || jsonc__add(o, "total", json_total(r)) ||
	      report_kvm__json(r, o);
	return jsonc__keep(o, bad);
}

int report__print_json(struct report *r, const char *trace, FILE *f)
{
	struct json_object *o = json_report(r, trace);
	const char *s = o ? json_object_to_json_string_ext(o, JSONC_COMPACT) : NULL;

	if (s)
		fprintf(f, "%s\n", s);
	json_object_put(o);
	if (!s)
		return err__set(ENOMEM, "out of memory building the JSON report of %s", trace);
	return 0;
}
