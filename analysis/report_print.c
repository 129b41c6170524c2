// SPDX-License-Identifier: GPL-2.0
/*
 * The report's output: tables in the manner of `perf kvm stat report` (text, times with
 * units) or one JSON object (exact nanoseconds) for tools.
 */
#include <stdlib.h>
#include <string.h>

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

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_summary(FILE *f, const char *key, const struct summary *s)
{
	fprintf(f, ",\"%s\":{\"min\":%llu,\"mean\":%.1f,\"p50\":%llu,\"p99\":%llu,\"max\":%llu}",
		key, (unsigned long long)s->min, s->mean, (unsigned long long)s->p50,
		(unsigned long long)s->p99, (unsigned long long)s->max);
}

static void json_row(FILE *f, const struct report *r, const struct row *row, int label)
{
	struct summary g, m;
	char name[32];

	report__summary(row->cells, row->nr_cells, 0, &g);
	report__summary(row->cells, row->nr_cells, 1, &m);
	fprintf(f, "{");
	if (row->vcpu >= 0)
		fprintf(f, "\"vcpu\":%d,", row->vcpu);
	if (label) {
		fprintf(f, "\"reason\":");
		json_str(f, reason_name(r, row->reason, name, sizeof(name)));
		fprintf(f, ",\"code\":%d,", row->reason);
	}
	fprintf(f, "\"count\":%llu,\"share\":%.6f", (unsigned long long)row->count,
		r->exits ? (double)row->count / r->exits : 0.0);
	json_summary(f, "guest_ns", &g);
	json_summary(f, "vmm_ns", &m);
	fprintf(f, "}");
}

static void json_rows(FILE *f, const struct report *r, int by_vcpu)
{
	int i, n;
	struct row *rows = report__rows(r, by_vcpu, &n);

	fprintf(f, ",\"%s\":[", by_vcpu ? "by_vcpu" : "by_reason");
	for (i = 0; i < n; i++) {
		if (i)
			fprintf(f, ",");
		json_row(f, r, &rows[i], 1);
	}
	fprintf(f, "]");
	rows_free(rows, n);
}

static void json_named(FILE *f, const struct report *r, int discarded)
{
	int i, first = 1;

	fprintf(f, "{");
	for (i = 0; i < r->nr_named; i++) {
		if (r->named[i].discarded != discarded)
			continue;
		if (!first)
			fprintf(f, ",");
		json_str(f, r->named[i].name);
		fprintf(f, ":%llu", (unsigned long long)r->named[i].count);
		first = 0;
	}
	fprintf(f, "}");
}

void report__print_json(struct report *r, const char *trace, FILE *f)
{
	struct row total;
	int nr_vcpus = 0, v;

	for (v = 0; v < r->nr_rows; v++)
		nr_vcpus += r->rows[v] != NULL;
	fprintf(f, "{\"trace\":");
	json_str(f, trace);
	fprintf(f,
		",\"exits\":%llu,\"vcpus\":%d,\"first_ns\":%llu,\"last_ns\":%llu,"
		"\"other_events\":%llu,\"others\":",
		(unsigned long long)r->exits, nr_vcpus,
		(unsigned long long)(r->exits || r->others ? r->first_ns : 0),
		(unsigned long long)r->last_ns, (unsigned long long)r->others);
	json_named(f, r, 0);
	fprintf(f,
		",\"discarded\":%llu,\"discarded_by_stream\":", (unsigned long long)r->discarded);
	json_named(f, r, 1);
	fprintf(f, ",\"lost\":%llu", (unsigned long long)r->lost);
	json_rows(f, r, 0);
	json_rows(f, r, 1);
	report__total_row(r, &total);
	fprintf(f, ",\"total\":");
	json_row(f, r, &total, 0);
	report_kvm__print_json(r, f);
	fprintf(f, "}\n");
	free(total.cells);
}
