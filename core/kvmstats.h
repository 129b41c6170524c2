/* SPDX-License-Identifier: GPL-2.0 */
/* Sampling a vCPU's KVM binary statistics into kvm_stats events (kvmstats.c). */
#ifndef VMSCOPE_CORE_KVMSTATS_H
#define VMSCOPE_CORE_KVMSTATS_H

#include <stdint.h>

#include "../trace/catalogue.h"

#define KVM_STATS_MAX 32

struct kvm_stats_reader {
	int fd;
	uint32_t data_offset;
	uint32_t data_len;
	uint32_t missing; /* bit i: the i-th statistic of the event is not offered by KVM */
	uint32_t offset[KVM_STATS_MAX]; /* byte offset of each statistic in the data block */
	uint8_t *data;
};

/* Open the stats fd of a vCPU and find the event's statistics by name.  0 or -errno. */
int kvm_stats__open(struct kvm_stats_reader *r, int vcpu_fd);
void kvm_stats__close(struct kvm_stats_reader *r);

/* Read the current values into a (vcpu and missing set).  0 or -errno. */
int kvm_stats__sample(struct kvm_stats_reader *r, uint32_t vcpu, struct trace_kvm_stats_args *a);

#endif
