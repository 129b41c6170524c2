// SPDX-License-Identifier: GPL-2.0
/*
 * The system calls of a trace (syscall_entry/syscall_exit events of a GEARS capture,
 * docs/gears.md), summarised like `strace -c` (calls, errors, time per call; in total and per
 * address space) or listed like strace's lines, in time order.  A call's time is from its
 * entry to its return, both stamped by the VMM; a call with no return in the trace (exit,
 * execve, or still in the kernel when the trace ended) counts as a call without a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "../lib/array.h"
#include "../lib/jsonc.h"
#include "report_int.h"

struct sys_rec {
	uint64_t cr3, ns, cycles, entry_cycles;
	int64_t ret;
	uint32_t nr, vcpu;
	int32_t pid;
	int exit, matched;
	char *name, *text;
};

struct report_sys {
	struct sys_rec *recs;
	size_t n, cap;
	double freq; /* the clock's ticks per second; 0: unknown */
};

/* One line of the summary: a call name's counts. */
struct sys_row {
	const char *name;
	uint64_t calls, errors, timed;
	double seconds;
};

static struct report_sys *sys_of(struct report *r)
{
	if (!r->sys)
		r->sys = calloc(1, sizeof(*r->sys));
	return r->sys;
}

void report__set_clock_freq(struct report *r, double freq)
{
	struct report_sys *s = sys_of(r);

	if (s)
		s->freq = freq;
}

int report__add_syscall(struct report *r, const struct report_sys_ev *e)
{
	struct report_sys *s = sys_of(r);
	struct sys_rec *rec;

	if (!s)
		return -ENOMEM;
	if (ARRAY_GROW(s->recs, s->n, s->cap, 1024))
		return -ENOMEM;
	rec = &s->recs[s->n];
	*rec = (struct sys_rec){ .cr3 = e->cr3,
				 .ns = e->ns,
				 .cycles = e->cycles,
				 .entry_cycles = e->entry_cycles,
				 .ret = e->ret,
				 .nr = e->nr,
				 .vcpu = e->vcpu,
				 .pid = e->pid,
				 .exit = e->exit };
	rec->name = strdup(e->name ? e->name : "?");
	rec->text = strdup(e->text ? e->text : "");
	if (!rec->name || !rec->text) {
		free(rec->name);
		free(rec->text);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

void report_sys__free(struct report *r)
{
	size_t i;

	if (!r->sys)
		return;
	for (i = 0; i < r->sys->n; i++) {
		free(r->sys->recs[i].name);
		free(r->sys->recs[i].text);
	}
	free(r->sys->recs);
	free(r->sys);
	r->sys = NULL;
}

size_t report__syscall_events(const struct report *r)
{
	return r->sys ? r->sys->n : 0;
}

/* Entries by (cr3, cycles), the key an exit names its entry by. */
static int by_key(const void *a, const void *b)
{
	const struct sys_rec *x = a, *y = b;

	if (x->exit != y->exit)
		return x->exit - y->exit; /* entries first */
	if (x->cr3 != y->cr3)
		return x->cr3 < y->cr3 ? -1 : 1;
	return x->cycles < y->cycles ? -1 : x->cycles > y->cycles;
}

static int by_time(const void *a, const void *b)
{
	const struct sys_rec *x = *(struct sys_rec *const *)a, *y = *(struct sys_rec *const *)b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* Mark the entries that have their exit in the trace (sorts the records). */
static void match(struct report_sys *s)
{
	size_t nent = 0, i;

	qsort(s->recs, s->n, sizeof(*s->recs), by_key);
	while (nent < s->n && !s->recs[nent].exit)
		nent++;
	for (i = nent; i < s->n; i++) {
		struct sys_rec key = { .cr3 = s->recs[i].cr3, .cycles = s->recs[i].entry_cycles };
		struct sys_rec *e = nent ? bsearch(&key, s->recs, nent, sizeof(key), by_key) : NULL;

		if (e)
			e->matched = s->recs[i].matched = 1;
	}
}

static int is_error(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

static double call_seconds(const struct report_sys *s, const struct sys_rec *x)
{
	if (!s->freq || x->cycles < x->entry_cycles)
		return 0;
	return (x->cycles - x->entry_cycles) / s->freq;
}

static struct sys_row *row_for(struct sys_row *rows, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	rows[*n] = (struct sys_row){ .name = name };
	return &rows[(*n)++];
}

/* The rows of one address space (all: cr3 ignored); rows has room for s->n names. */
static int collect(const struct report_sys *s, int all, uint64_t cr3, struct sys_row *rows)
{
	int n = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct sys_rec *x = &s->recs[i];
		struct sys_row *row;

		if (!all && x->cr3 != cr3)
			continue;
		row = row_for(rows, &n, x->name);
		if (!x->exit) {
			row->calls++;
			continue;
		}
		row->errors += is_error(x->ret);
		row->seconds += call_seconds(s, x);
		row->timed++;
	}
	return n;
}

static int by_seconds(const void *a, const void *b)
{
	const struct sys_row *x = a, *y = b;

	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void print_table(FILE *f, struct sys_row *rows, int n)
{
	struct sys_row total = { .name = "total" };
	int i;

	qsort(rows, n, sizeof(*rows), by_seconds);
	for (i = 0; i < n; i++) {
		total.calls += rows[i].calls;
		total.errors += rows[i].errors;
		total.seconds += rows[i].seconds;
		total.timed += rows[i].timed;
	}
	fprintf(f, "%% time     seconds  usecs/call     calls    errors syscall\n");
	fprintf(f, "------ ----------- ----------- --------- --------- ----------------\n");
	for (i = 0; i <= n; i++) {
		const struct sys_row *r = i < n ? &rows[i] : &total;
		char errs[24] = "";

		if (i == n)
			fprintf(f, "------ ----------- ----------- --------- --------- "
				   "----------------\n");
		if (r->errors)
			snprintf(errs, sizeof(errs), "%" PRIu64, r->errors);
		fprintf(f, "%6.2f %11.6f %11.0f %9" PRIu64 " %9s %s\n",
			total.seconds > 0 ? 100.0 * r->seconds / total.seconds : 0.0, r->seconds,
			r->timed ? 1e6 * r->seconds / r->timed : 0.0, r->calls, errs, r->name);
	}
}

/* The distinct address spaces, in order of first appearance (spaces has room for s->n). */
static int spaces(const struct report_sys *s, uint64_t *cr3, int32_t *pid)
{
	int n = 0, j;
	size_t i;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < n && cr3[j] != s->recs[i].cr3; j++)
			;
		if (j == n) {
			pid[n] = s->recs[i].pid;
			cr3[n++] = s->recs[i].cr3;
		}
	}
	return n;
}

struct sys_work {
	struct sys_row *rows;
	uint64_t *cr3;
	int32_t *pid;
	int nr_spaces;
};

static int work_init(struct report *r, struct sys_work *w)
{
	struct report_sys *s = r->sys;
	size_t n = s && s->n ? s->n : 1;

	memset(w, 0, sizeof(*w));
	w->rows = calloc(n, sizeof(*w->rows));
	w->cr3 = calloc(n, sizeof(*w->cr3));
	w->pid = calloc(n, sizeof(*w->pid));
	if (!w->rows || !w->cr3 || !w->pid)
		return err__set(ENOMEM, "out of memory for the system-call report");
	if (s) {
		match(s);
		w->nr_spaces = spaces(s, w->cr3, w->pid);
	}
	return 0;
}

static void work_free(struct sys_work *w)
{
	free(w->rows);
	free(w->cr3);
	free(w->pid);
}

#define NO_CALLS                                                                                   \
	"%s has no system calls: record them with 'vmscope run --syscalls LIST --trace DIR'"

int report__print_syscalls_text(struct report *r, const char *trace, FILE *f)
{
	struct report_sys *s = r->sys;
	struct sys_work w;
	int i, n;

	if (!s || !s->n)
		return err__set(ENODATA, NO_CALLS, trace);
	if (work_init(r, &w))
		return -ENOMEM;
	fprintf(f, "System calls in %s (%zu events), all address spaces:\n\n", trace, s->n);
	n = collect(s, 1, 0, w.rows);
	print_table(f, w.rows, n);
	for (i = 0; i < w.nr_spaces && w.nr_spaces > 1; i++) {
		fprintf(f, "\nAddress space 0x%" PRIx64, w.cr3[i]);
		if (w.pid[i] >= 0)
			fprintf(f, " (pid %d)", w.pid[i]);
		fprintf(f, ":\n\n");
		n = collect(s, 0, w.cr3[i], w.rows);
		print_table(f, w.rows, n);
	}
	work_free(&w);
	return 0;
}

/* The list: exits (each with its entry's time), and entries that have no exit. */
static struct sys_rec **listed(struct report_sys *s, size_t *n)
{
	struct sys_rec **v = calloc(s->n ? s->n : 1, sizeof(*v));
	size_t i;

	*n = 0;
	if (!v)
		return NULL;
	for (i = 0; i < s->n; i++)
		if (s->recs[i].exit || !s->recs[i].matched)
			v[(*n)++] = &s->recs[i];
	qsort(v, *n, sizeof(*v), by_time);
	return v;
}

/* The entry's time of a listed record, in ns from the trace's first event. */
static double start_s(const struct report *r, const struct report_sys *s, const struct sys_rec *x)
{
	double ns = (double)x->ns - (double)r->first_ns;

	if (x->exit)
		ns -= call_seconds(s, x) * 1e9;
	return ns / 1e9;
}

int report__print_syscall_list(struct report *r, FILE *f)
{
	struct sys_rec **v;
	size_t n, i;

	if (!r->sys || !r->sys->n)
		return err__set(ENODATA, NO_CALLS, "the trace");
	match(r->sys);
	v = listed(r->sys, &n);
	if (!v)
		return err__set(ENOMEM, "out of memory for the system-call list");
	for (i = 0; i < n; i++) {
		const struct sys_rec *x = v[i];

		fprintf(f, "%12.6f vcpu %u cr3 0x%" PRIx64 " %s%s", start_s(r, r->sys, x), x->vcpu,
			x->cr3, x->text, x->exit ? "" : " = ?");
		if (x->exit)
			fprintf(f, " <%.6f>", call_seconds(r->sys, x));
		fprintf(f, "\n");
	}
	free(v);
	return 0;
}

static struct json_object *json_rows(struct sys_row *rows, int n)
{
	struct json_object *a = json_object_new_array();
	int i, bad = !a;

	qsort(rows, n, sizeof(*rows), by_seconds);
	for (i = 0; i < n && !bad; i++) {
		struct json_object *o = json_object_new_object();

		bad = !o || jsonc__add(o, "name", json_object_new_string(rows[i].name)) ||
		      jsonc__add(o, "calls", json_object_new_uint64(rows[i].calls)) ||
		      jsonc__add(o, "errors", json_object_new_uint64(rows[i].errors)) ||
		      jsonc__add(o, "returns", json_object_new_uint64(rows[i].timed)) ||
		      jsonc__add(o, "seconds", json_object_new_double(rows[i].seconds)) ||
		      jsonc__add(a, NULL, o);
	}
	return jsonc__keep(a, bad);
}

static struct json_object *json_spaces(struct report_sys *s, struct sys_work *w)
{
	struct json_object *a = json_object_new_array();
	int i, bad = !a;

	for (i = 0; i < w->nr_spaces && !bad; i++) {
		struct json_object *o = json_object_new_object();
		char cr3[24];

		snprintf(cr3, sizeof(cr3), "0x%" PRIx64, w->cr3[i]);
		bad = !o || jsonc__add(o, "cr3", json_object_new_string(cr3)) ||
		      jsonc__add(o, "pid", json_object_new_int(w->pid[i])) ||
		      jsonc__add(o, "syscalls",
				 json_rows(w->rows, collect(s, 0, w->cr3[i], w->rows))) ||
		      jsonc__add(a, NULL, o);
	}
	return jsonc__keep(a, bad);
}

static struct json_object *json_list(struct report *r)
{
	struct json_object *a = json_object_new_array();
	size_t n = 0, i;
	struct sys_rec **v = a ? listed(r->sys, &n) : NULL;
	int bad = !v;

	for (i = 0; i < n && !bad; i++) {
		struct json_object *o = json_object_new_object();
		const struct sys_rec *x = v[i];
		char cr3[24];

		snprintf(cr3, sizeof(cr3), "0x%" PRIx64, x->cr3);
		bad = !o || jsonc__add(o, "time", json_object_new_double(start_s(r, r->sys, x))) ||
		      jsonc__add(o, "vcpu", json_object_new_int(x->vcpu)) ||
		      jsonc__add(o, "cr3", json_object_new_string(cr3)) ||
		      jsonc__add(o, "name", json_object_new_string(x->name)) ||
		      jsonc__add(o, "call", json_object_new_string(x->text)) ||
		      (x->exit && (jsonc__add(o, "ret", json_object_new_int64(x->ret)) ||
				   jsonc__add(o, "seconds",
					      json_object_new_double(call_seconds(r->sys, x))))) ||
		      jsonc__add(a, NULL, o);
	}
	free(v);
	return jsonc__keep(a, bad);
}

int report__print_syscalls_json(struct report *r, const char *trace, int list, FILE *f)
{
	struct json_object *o = json_object_new_object();
	struct sys_work w;
	const char *txt;
	int bad;

	if (!r->sys || !r->sys->n) {
		json_object_put(o);
		return err__set(ENODATA, NO_CALLS, trace);
	}
	if (work_init(r, &w)) {
		json_object_put(o);
		return -ENOMEM;
	}
	bad = !o || jsonc__add(o, "trace", json_object_new_string(trace)) ||
	      jsonc__add(o, "syscalls", json_rows(w.rows, collect(r->sys, 1, 0, w.rows))) ||
	      jsonc__add(o, "address_spaces", json_spaces(r->sys, &w)) ||
	      (list && jsonc__add(o, "calls", json_list(r)));
	work_free(&w);
	txt = bad ? NULL : json_object_to_json_string_ext(o, JSONC_COMPACT);
	if (txt)
		fprintf(f, "%s\n", txt);
	json_object_put(o);
	return txt ? 0 : err__set(ENOMEM, "out of memory building the JSON report of %s", trace);
}
