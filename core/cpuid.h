/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's CPUID: what KVM supports, patched per vCPU with a consistent topology (one package,
 * one thread per core, APIC id = vCPU id) and vmscope's own hypervisor leaves.
 */
#ifndef VMSCOPE_CPUID_H
#define VMSCOPE_CPUID_H

#include <linux/kvm.h>
#include <stdint.h>

#include "../abi/cpuid.h"

/* Free entries cpuid__for_vcpu() leaves after the copied ones for the leaves it adds. */
#define CPUID_EXTRA_ENTRIES 8

/*
 * KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd, growing the buffer while KVM answers E2BIG.
 * Returns a malloc'ed table (free() it), or NULL with errno set and an err__set() message.
 */
struct kvm_cpuid2 *cpuid__supported(int kvm_fd);

/*
 * Patch c in place for vCPU vcpu_id (0 <= vcpu_id < nr_vcpus) of a VM with nr_vcpus vCPUs, and
 * add or update vmscope's leaves (and subleaves 0 and 1 of leaves 0xB/0x1F when KVM gave only
 * part of them).  No ioctls.  Room for new entries: c->padding, when non-zero, is the number of
 * entries allocated (KVM ignores the field; cpuid__for_vcpu() sets and clears it); zero means
 * exactly nent.  Returns 0, -EINVAL for bad ids, or -ENOSPC when the added entries do not fit,
 * in which case c is unchanged.  Patching an already patched table needs no room.
 */
int cpuid__patch(struct kvm_cpuid2 *c, int nr_vcpus, int vcpu_id);

/*
 * A malloc'ed copy of supported with CPUID_EXTRA_ENTRIES free entries, patched by cpuid__patch()
 * and ready for KVM_SET_CPUID2 (padding is zero again).  NULL with errno and a message on error.
 */
struct kvm_cpuid2 *cpuid__for_vcpu(const struct kvm_cpuid2 *supported, int nr_vcpus, int vcpu_id);

/*
 * The entry CPUID(function, index) would return, with KVM's rule: index only matters for
 * entries flagged KVM_CPUID_FLAG_SIGNIFCANT_INDEX.  NULL when absent.
 */
const struct kvm_cpuid_entry2 *cpuid__find(const struct kvm_cpuid2 *c, uint32_t function,
					   uint32_t index);

#endif
