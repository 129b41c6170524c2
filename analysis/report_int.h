/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the report shared by the collector and the printers. */
#ifndef VMSCOPE_REPORT_INT_H
#define VMSCOPE_REPORT_INT_H

#include <stddef.h>

#include "report.h"

struct json_object;

struct values {
	uint64_t *v;
	uint64_t n, cap;
	uint64_t sum;
};

void values__sort(struct values *v);
/* Append x (the array grows as needed).  0 or -ENOMEM. */
int values__add(struct values *v, uint64_t x);

/* One (vCPU, exit reason): every guest_ns and vmm_ns value. */
struct cell {
	struct values guest, vmm;
};

/* A count by name: other events, or discarded events by stream. */
struct named {
	char *name;
	uint64_t count;
	int discarded;
};

struct report {
	struct cell ***rows; /* [vcpu][reason], rows and cells allocated on first use */
	int nr_rows;
	char *reason_names[REPORT_MAX_REASONS];
	uint64_t exits, others, discarded, lost;
	uint64_t first_ns, last_ns;
	struct named *named;
	int nr_named;
	struct report_kvm *kvm; /* kernel events (report_kvm.c); NULL: none */
	struct report_sys *sys; /* system calls (report_sys.c); NULL: none */
	struct report_tx *tx; /* transactions (report_tx.c); NULL: none */
};

void report_sys__free(struct report *r);
void report_tx__free(struct report *r);

struct summary {
	uint64_t n, min, max, p50, p99;
	double mean;
};

/* Statistics of the union of m cells' guest (vmm = 0) or vmm values.  0 or -ENOMEM. */
int report__summary(struct cell *const *cells, int m, int vmm, struct summary *s);

/* The kernel section (report_kvm.c). */
void report_kvm__finish(struct report *r);
void report_kvm__free(struct report *r);
void report_kvm__print_text(struct report *r, FILE *f);
/* Add the "kernel" member to the report's JSON object top (none without kernel events). */
int report_kvm__json(struct report *r, struct json_object *top);

/* A summary as JSON: {"min":N,"mean":N.N,"p50":N,"p99":N,"max":N}; NULL on ENOMEM. */
struct json_object *report__json_summary(const struct summary *s);

#endif
