// SPDX-License-Identifier: GPL-2.0
/*
 * KVM binary statistics of a vCPU (KVM_GET_STATS_FD).  The file is a header, descriptors
 * (each followed by its name) and a data block of u64s; every offset comes from the file,
 * none is assumed.  The statistics sampled are the u64 fields of the kvm_stats event in
 * events.def, found here by name.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../trace/catalogue.h"
#include "kvmstats.h"

static const struct trace_event_desc *stats_desc(void)
{
	return trace_event_desc(TRACE_EV_kvm_stats);
}

/* Index of the statistic called name among the event's u64 fields, or -1. */
static int stats_field(const char *name)
{
	const struct trace_event_desc *d = stats_desc();
	int i, n = 0;

	for (i = 0; i < d->nr_fields; i++) {
		if (d->fields[i].type != TRACE_FT_u64)
			continue;
		if (!strcmp(d->fields[i].name, name))
			return n;
		n++;
	}
	return -1;
}

/* Bits of every statistic the event holds. */
static uint32_t stats_all(void)
{
	const struct trace_event_desc *d = stats_desc();
	int i, n = 0;

	for (i = 0; i < d->nr_fields; i++)
		n += d->fields[i].type == TRACE_FT_u64;
	return n >= KVM_STATS_MAX ? ~0u : (1u << n) - 1;
}

static int stats_read_descs(struct kvm_stats_reader *r, const struct kvm_stats_header *h)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + h->name_size;
	uint8_t *buf = malloc(dsz * h->num_desc);
	uint32_t i;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	if (pread(r->fd, buf, dsz * h->num_desc, h->desc_offset) != (ssize_t)(dsz * h->num_desc))
		ret = -EIO;
	for (i = 0; !ret && i < h->num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(buf + i * dsz);
		char name[256];
		int idx;

		snprintf(name, sizeof(name), "%.*s", (int)h->name_size, d->name);
		idx = stats_field(name);
		if (idx < 0 || idx >= KVM_STATS_MAX || d->size < 1)
			continue;
		r->offset[idx] = d->offset;
		r->missing &= ~(1u << idx);
		if (d->offset + 8 > r->data_len)
			r->data_len = d->offset + 8;
	}
	free(buf);
	return ret;
}

int kvm_stats__open(struct kvm_stats_reader *r, int vcpu_fd)
{
	struct kvm_stats_header h;
	int ret;

	memset(r, 0, sizeof(*r));
	r->missing = stats_all();
	r->fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (r->fd < 0)
		return -errno;
	if (pread(r->fd, &h, sizeof(h), 0) != sizeof(h) || h.name_size > 4096 ||
	    h.num_desc > 4096) {
		kvm_stats__close(r);
		return -EIO;
	}
	r->data_offset = h.data_offset;
	ret = stats_read_descs(r, &h);
	if (!ret && r->data_len)
		r->data = malloc(r->data_len);
	if (!ret && r->data_len && !r->data)
		ret = -ENOMEM;
	if (ret)
		kvm_stats__close(r);
	return ret;
}

void kvm_stats__close(struct kvm_stats_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->data);
	r->data = NULL;
	r->fd = -1;
}

int kvm_stats__sample(struct kvm_stats_reader *r, uint32_t vcpu, struct trace_kvm_stats_args *a)
{
	const struct trace_event_desc *d = stats_desc();
	uint8_t *out = (uint8_t *)a;
	int i, n = 0;

	memset(a, 0, sizeof(*a));
	a->vcpu = vcpu;
	a->missing = r->missing;
	if (r->fd < 0)
		return -EBADF;
	if (r->data_len &&
	    pread(r->fd, r->data, r->data_len, r->data_offset) != (ssize_t)r->data_len)
		return -EIO;
	for (i = 0; i < d->nr_fields; i++) {
		const struct trace_field_desc *f = &d->fields[i];

		if (f->type != TRACE_FT_u64)
			continue;
		if (n < KVM_STATS_MAX && !(r->missing & (1u << n)))
			memcpy(out + f->offset - sizeof(struct trace_rec_hdr),
			       r->data + r->offset[n], 8);
		n++;
	}
	return 0;
}
