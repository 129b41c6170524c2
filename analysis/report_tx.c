// SPDX-License-Identifier: GPL-2.0
/*
 * `vmscope report --tx`: the emulated RTM transactions of a trace recorded with --rtme
 * (events tx_begin, tx_commit, tx_abort): per vCPU and in total the transactions begun,
 * committed and aborted by cause, the read and write sets and instructions of commits and
 * aborts, their times, and the instructions where most aborts happened.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/array.h"
#include "../lib/jsonc.h"
#include "../trace/catalogue.h"
#include "../trace/trace.h"
#include "report_int.h"

#define TX_CAUSES (TRACE_RTM_ORDERING + 1) /* trace/enums.def rtm_cause */
#define TX_TOP_SITES 10
#define TX_MAX_VCPUS 256

/* A cause's name as the run's summary gives it: the trace enumeration's, in lower case. */
static const char *cause_name(int c)
{
	static char names[TX_CAUSES][24];
	const struct trace_enum_desc *e = trace_enum_by_name("rtm_cause");
	const char *n = e ? trace_enum_name(e, c) : NULL;
	int i;

	if (!names[c][0])
		for (i = 0; i < (int)sizeof(names[c]) - 1 && n && n[i]; i++)
			names[c][i] = n[i] >= 'A' && n[i] <= 'Z' ? n[i] - 'A' + 'a' : n[i];
	return names[c][0] ? names[c] : "?";
}

struct tx_site {
	uint64_t rip;
	uint64_t count, by_cause[TX_CAUSES];
};

struct tx_side {
	uint64_t n, reads, writes, insns, max_reads, max_writes;
	struct values ns;
};

struct report_tx {
	uint64_t begins[TX_MAX_VCPUS], commits[TX_MAX_VCPUS];
	uint64_t aborts[TX_MAX_VCPUS][TX_CAUSES];
	int nr_vcpus;
	struct tx_side commit, abort;
	struct tx_site *sites;
	int nr_sites, cap_sites;
};

static struct report_tx *tx_of(struct report *r)
{
	if (!r->tx)
		r->tx = calloc(1, sizeof(*r->tx));
	return r->tx;
}

static int side_add(struct tx_side *s, const struct report_tx_ev *e)
{
	s->n++;
	s->reads += e->reads;
	s->writes += e->writes;
	s->insns += e->insns;
	if (e->reads > s->max_reads)
		s->max_reads = e->reads;
	if (e->writes > s->max_writes)
		s->max_writes = e->writes;
	return values__add(&s->ns, e->duration_ns);
}

static int site_add(struct report_tx *t, uint64_t rip, uint32_t cause)
{
	struct tx_site *s = NULL;
	int i;

	for (i = 0; i < t->nr_sites && !s; i++)
		if (t->sites[i].rip == rip)
			s = &t->sites[i];
	if (!s) {
		if (ARRAY_GROW(t->sites, t->nr_sites, t->cap_sites, 32))
			return -ENOMEM;
		s = &t->sites[t->nr_sites++];
		memset(s, 0, sizeof(*s));
		s->rip = rip;
	}
	s->count++;
	s->by_cause[cause]++;
	return 0;
}

int report__add_tx(struct report *r, const struct report_tx_ev *e)
{
	struct report_tx *t = tx_of(r);

	if (!t)
		return -ENOMEM;
	if (e->vcpu >= TX_MAX_VCPUS || e->cause >= TX_CAUSES)
		return -ERANGE;
	if ((int)e->vcpu >= t->nr_vcpus)
		t->nr_vcpus = e->vcpu + 1;
	switch (e->kind) {
	case REPORT_TX_BEGIN:
		t->begins[e->vcpu]++;
		return 0;
	case REPORT_TX_COMMIT:
		t->commits[e->vcpu]++;
		return side_add(&t->commit, e);
	default:
		t->aborts[e->vcpu][e->cause]++;
		return side_add(&t->abort, e) ?: site_add(t, e->rip, e->cause);
	}
}

void report_tx__free(struct report *r)
{
	if (!r->tx)
		return;
	free(r->tx->commit.ns.v);
	free(r->tx->abort.ns.v);
	free(r->tx->sites);
	free(r->tx);
	r->tx = NULL;
}

static uint64_t sum_aborts(const struct report_tx *t, int vcpu)
{
	uint64_t n = 0;
	int c;

	for (c = 0; c < TX_CAUSES; c++)
		n += t->aborts[vcpu][c];
	return n;
}

static int site_cmp(const void *a, const void *b)
{
	const struct tx_site *x = a, *y = b;

	return x->count < y->count   ? 1
	       : x->count > y->count ? -1
				     : (x->rip > y->rip) - (x->rip < y->rip);
}

/* The median and 99th percentile of a side's times (sorted here). */
static void side_times(struct tx_side *s, uint64_t *p50, uint64_t *p99)
{
	*p50 = *p99 = 0;
	if (!s->ns.n)
		return;
	values__sort(&s->ns);
	*p50 = s->ns.v[(s->ns.n - 1) / 2];
	*p99 = s->ns.v[(s->ns.n * 99 + 99) / 100 - 1];
}

static void print_side(FILE *f, const char *name, struct tx_side *s)
{
	uint64_t p50, p99;

	side_times(s, &p50, &p99);
	if (!s->n) {
		fprintf(f, "  %-8s none\n", name);
		return;
	}
	fprintf(f,
		"  %-8s %8" PRIu64 "  read set %.1f lines (max %" PRIu64 "), write set %.1f "
		"(max %" PRIu64 "), %.1f instructions, %" PRIu64 " ns median, %" PRIu64 " ns p99\n",
		name, s->n, (double)s->reads / s->n, s->max_reads, (double)s->writes / s->n,
		s->max_writes, (double)s->insns / s->n, p50, p99);
}

int report__print_tx_text(struct report *r, const char *trace, FILE *f)
{
	struct report_tx *t = r->tx;
	uint64_t total[TX_CAUSES] = { 0 }, begins = 0, commits = 0, aborts = 0;
	int v, c, i;

	if (!t)
		return err__set(ENODATA,
				"%s has no transactions: record them with 'vmscope run "
				"--rtme --trace DIR'",
				trace);
	fprintf(f, "Transactions in %s (RTME)\n\n", trace);
	fprintf(f, "  %-5s %10s %10s %10s", "vcpu", "begun", "committed", "aborted");
	for (c = 0; c < TX_CAUSES; c++)
		fprintf(f, " %11s", cause_name(c));
	fprintf(f, "\n");
	for (v = 0; v < t->nr_vcpus; v++) {
		fprintf(f, "  %-5d %10" PRIu64 " %10" PRIu64 " %10" PRIu64, v, t->begins[v],
			t->commits[v], sum_aborts(t, v));
		for (c = 0; c < TX_CAUSES; c++) {
			fprintf(f, " %11" PRIu64, t->aborts[v][c]);
			total[c] += t->aborts[v][c];
		}
		fprintf(f, "\n");
		begins += t->begins[v];
		commits += t->commits[v];
		aborts += sum_aborts(t, v);
	}
	fprintf(f, "  %-5s %10" PRIu64 " %10" PRIu64 " %10" PRIu64, "all", begins, commits, aborts);
	for (c = 0; c < TX_CAUSES; c++)
		fprintf(f, " %11" PRIu64, total[c]);
	fprintf(f, "\n\n");
	print_side(f, "commits", &t->commit);
	print_side(f, "aborts", &t->abort);
	qsort(t->sites, t->nr_sites, sizeof(*t->sites), site_cmp);
	fprintf(f, "\nWhere transactions aborted (most first)\n");
	for (i = 0; i < t->nr_sites && i < TX_TOP_SITES; i++) {
		fprintf(f, "  0x%016" PRIx64 " %8" PRIu64, t->sites[i].rip, t->sites[i].count);
		for (c = 0; c < TX_CAUSES; c++)
			if (t->sites[i].by_cause[c])
				fprintf(f, "  %s %" PRIu64, cause_name(c), t->sites[i].by_cause[c]);
		fprintf(f, "\n");
	}
	return 0;
}

static struct json_object *json_side(struct tx_side *s)
{
	struct json_object *o = json_object_new_object();
	uint64_t p50, p99;

	side_times(s, &p50, &p99);
	json_object_object_add(o, "count", json_object_new_uint64(s->n));
	json_object_object_add(o, "read_lines_mean",
			       json_object_new_double(s->n ? (double)s->reads / s->n : 0));
	json_object_object_add(o, "read_lines_max", json_object_new_uint64(s->max_reads));
	json_object_object_add(o, "write_lines_mean",
			       json_object_new_double(s->n ? (double)s->writes / s->n : 0));
	json_object_object_add(o, "write_lines_max", json_object_new_uint64(s->max_writes));
	json_object_object_add(o, "insns_mean",
			       json_object_new_double(s->n ? (double)s->insns / s->n : 0));
	json_object_object_add(o, "ns_p50", json_object_new_uint64(p50));
	json_object_object_add(o, "ns_p99", json_object_new_uint64(p99));
	return o;
}

static struct json_object *json_causes(const uint64_t *by)
{
	struct json_object *o = json_object_new_object();
	int c;

	for (c = 0; c < TX_CAUSES; c++)
		json_object_object_add(o, cause_name(c), json_object_new_uint64(by[c]));
	return o;
}

static struct json_object *json_vcpus(struct report_tx *t)
{
	struct json_object *a = json_object_new_array();
	int v;

	for (v = 0; v < t->nr_vcpus; v++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "vcpu", json_object_new_int(v));
		json_object_object_add(o, "begun", json_object_new_uint64(t->begins[v]));
		json_object_object_add(o, "committed", json_object_new_uint64(t->commits[v]));
		json_object_object_add(o, "aborted", json_object_new_uint64(sum_aborts(t, v)));
		json_object_object_add(o, "aborts", json_causes(t->aborts[v]));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *json_sites(struct report_tx *t)
{
	struct json_object *a = json_object_new_array();
	char rip[24];
	int i;

	qsort(t->sites, t->nr_sites, sizeof(*t->sites), site_cmp);
	for (i = 0; i < t->nr_sites && i < TX_TOP_SITES; i++) {
		struct json_object *o = json_object_new_object();

		snprintf(rip, sizeof(rip), "0x%" PRIx64, t->sites[i].rip);
		json_object_object_add(o, "rip", json_object_new_string(rip));
		json_object_object_add(o, "aborts", json_object_new_uint64(t->sites[i].count));
		json_object_object_add(o, "by_cause", json_causes(t->sites[i].by_cause));
		json_object_array_add(a, o);
	}
	return a;
}

int report__print_tx_json(struct report *r, const char *trace, FILE *f)
{
	struct report_tx *t = r->tx;
	struct json_object *o;

	if (!t)
		return err__set(ENODATA,
				"%s has no transactions: record them with 'vmscope run "
				"--rtme --trace DIR'",
				trace);
	o = json_object_new_object();
	json_object_object_add(o, "trace", json_object_new_string(trace));
	json_object_object_add(o, "vcpus", json_vcpus(t));
	json_object_object_add(o, "commits", json_side(&t->commit));
	json_object_object_add(o, "aborts", json_side(&t->abort));
	json_object_object_add(o, "abort_sites", json_sites(t));
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSONC_COMPACT));
	json_object_put(o);
	return 0;
}
