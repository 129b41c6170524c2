// SPDX-License-Identifier: GPL-2.0
/*
 * Guest CPUID.  KVM's supported table describes the host package; each vCPU gets a copy that
 * describes the VM instead: one package of nr_vcpus cores with one thread each, where the APIC id
 * is the vCPU id because that is the id KVM gives each vCPU's local APIC.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"
#include "../lib/err.h"
#include "../abi/layout.h"

#define CPUID_FIRST_NENT 64
#define CPUID_MAX_NENT 4096 /* far above KVM's own limit (256): stop growing there */

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_TOPO_TYPE_SMT 1
#define CPUID_TOPO_TYPE_CORE 2

static struct kvm_cpuid2 *cpuid_alloc(uint32_t nent)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + (size_t)nent * sizeof(c->entries[0]));
	if (!c) {
		err__set(ENOMEM, "cannot build the guest CPUID: out of memory");
		errno = ENOMEM;
	}
	return c;
}

/* KVM answers E2BIG without saying how much it needs, so double until it fits. */
struct kvm_cpuid2 *cpuid__supported(int kvm_fd)
{
	uint32_t nent = CPUID_FIRST_NENT;
	struct kvm_cpuid2 *c;
	int err;

	for (;;) {
		c = cpuid_alloc(nent);
		if (!c)
			return NULL;
		c->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		err = errno;
		free(c);
		if (err != E2BIG || nent >= CPUID_MAX_NENT)
			break;
		nent *= 2;
	}
	err__set(err, "cannot read the CPUID that KVM supports (KVM_GET_SUPPORTED_CPUID): %s",
		 strerror(err));
	errno = err;
	return NULL;
}

static int cpuid_slot(const struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	const struct kvm_cpuid_entry2 *e;
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return (int)i;
	}
	return -1;
}

const struct kvm_cpuid_entry2 *cpuid__find(const struct kvm_cpuid2 *c, uint32_t function,
					   uint32_t index)
{
	int i = cpuid_slot(c, function, index);

	return i < 0 ? NULL : &c->entries[i];
}

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	int i = cpuid_slot(c, function, index);

	return i < 0 ? NULL : &c->entries[i];
}

/* The caller has checked the room (cpuid_check_room). */
static struct kvm_cpuid_entry2 *cpuid_entry_or_add(struct kvm_cpuid2 *c, uint32_t function,
						   uint32_t index, uint32_t flags)
{
	struct kvm_cpuid_entry2 *e = cpuid_entry(c, function, index);

	if (e)
		return e;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = flags;
	return e;
}

static bool cpuid_has_function(const struct kvm_cpuid2 *c, uint32_t function)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function)
			return true;
	return false;
}

/* Subleaves 0 and 1 of a topology leaf that is present at all. */
static uint32_t cpuid_missing_levels(const struct kvm_cpuid2 *c, uint32_t function)
{
	if (!cpuid_has_function(c, function))
		return 0;
	return !cpuid__find(c, function, 0) + !cpuid__find(c, function, 1);
}

static int cpuid_check_room(const struct kvm_cpuid2 *c)
{
	uint32_t capacity = c->padding > c->nent ? c->padding : c->nent;
	uint32_t missing = 0;

	missing += !cpuid__find(c, CPUID_VMSCOPE_BASE, 0);
	missing += !cpuid__find(c, CPUID_VMSCOPE_INFO, 0);
	missing += !cpuid__find(c, CPUID_VMSCOPE_FEATURES, 0);
	missing += cpuid_missing_levels(c, 0xb);
	missing += cpuid_missing_levels(c, 0x1f);
	if (c->nent + missing <= capacity)
		return 0;
	return err__set(
		ENOSPC,
		"cannot add the guest's CPUID leaves: the table has %u of %u entries used and "
		"needs %u more; allocate it with cpuid__for_vcpu()",
		c->nent, capacity, missing);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Bits needed to number n items: ceil(log2(n)), 0 for n <= 1. */
static uint32_t cpuid_order(uint32_t n)
{
	uint32_t bits = 0;

	while (bits < 31 && (1u << bits) < n)
		bits++;
	return bits;
}

/*
 * Leaf 1 EBX[31:24] is the initial APIC id and EBX[23:16] the logical processor count; both are
 * 8 bits, so beyond 255 they hold the low bits and the count saturates, as on x2APIC machines.
 */
static void cpuid_patch_leaf1(struct kvm_cpuid2 *c, uint32_t nr, uint32_t id)
{
	struct kvm_cpuid_entry2 *e = cpuid_entry(c, 1, 0);

	if (!e)
		return;
	e->ebx &= 0x0000ffff;
	e->ebx |= (id & 0xff) << 24 | min_u32(nr, 0xff) << 16;
	if (nr > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
}

/*
 * Leaf 4, one subleaf per cache: EAX[31:26] = cores per package - 1, EAX[25:14] = logical
 * processors sharing the cache - 1.  vmscope cannot know which host caches its vCPU threads
 * share, so every cache is reported private to its vCPU (0).  The subleaf whose cache type
 * (EAX[4:0]) is 0 ends the list and stays all zero, as on hardware.
 */
static void cpuid_patch_leaf4(struct kvm_cpuid2 *c, uint32_t nr)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function != 4 || !(e->eax & 0x1f))
			continue;
		e->eax &= 0x00003fff;
		e->eax |= min_u32(nr - 1, 0x3f) << 26;
	}
}

/*
 * Leaves 0xB and 0x1F: level 0 is SMT with one thread per core, level 1 is the core level whose
 * shift makes the package id 0 for every vCPU; higher levels KVM copied from the host (die,
 * module ...) become invalid so the guest sees two levels only.  EDX is the x2APIC id always.
 */
static void cpuid_set_topology_level(struct kvm_cpuid_entry2 *e, uint32_t nr, uint32_t id)
{
	switch (e->index) {
	case 0:
		e->eax = 0;
		e->ebx = 1;
		e->ecx = 0 | CPUID_TOPO_TYPE_SMT << 8;
		break;
	case 1:
		e->eax = cpuid_order(nr);
		e->ebx = min_u32(nr, 0xffff);
		e->ecx = 1 | CPUID_TOPO_TYPE_CORE << 8;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index & 0xff;
		break;
	}
	e->edx = id;
}

/*
 * A guest takes the topology as valid only when subleaf 1 exists, and KVM may copy subleaf 0
 * alone (it does on PVM hosts), which would make every vCPU a package of its own; so both
 * levels are added when the leaf is present at all.
 */
static void cpuid_patch_topology(struct kvm_cpuid2 *c, uint32_t function, uint32_t nr, uint32_t id)
{
	uint32_t i;

	if (!cpuid_has_function(c, function))
		return;
	cpuid_entry_or_add(c, function, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	cpuid_entry_or_add(c, function, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function)
			cpuid_set_topology_level(&c->entries[i], nr, id);
}

/*
 * AMD's leaf 0x80000008 ECX: NC[7:0] = cores - 1.  ApicIdCoreIdSize[15:12] is cleared so the
 * guest derives the core-id width from NC instead of from the host's package size.
 */
static void cpuid_patch_amd_cores(struct kvm_cpuid2 *c, uint32_t nr)
{
	struct kvm_cpuid_entry2 *e = cpuid_entry(c, 0x80000008, 0);

	if (!e)
		return;
	e->ecx &= ~0xf0ffu;
	e->ecx |= min_u32(nr - 1, 0xff);
}

static void cpuid_set_vmscope_leaves(struct kvm_cpuid2 *c)
{
	const char sig[] = CPUID_VMSCOPE_SIGNATURE;
	struct kvm_cpuid_entry2 *e;

	_Static_assert(sizeof(sig) == 13, "the signature fills EBX, ECX and EDX exactly");
	e = cpuid_entry_or_add(c, CPUID_VMSCOPE_BASE, 0, 0);
	e->eax = CPUID_VMSCOPE_FEATURES;
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);

	e = cpuid_entry_or_add(c, CPUID_VMSCOPE_INFO, 0, 0);
	e->eax = CPUID_VMSCOPE_VERSION;
	e->ebx = PORT_HYPERCALL;
	e->ecx = (uint32_t)GPA_HYPERCALL_MMIO;
	e->edx = PORT_DEBUG_EXIT;

	cpuid_entry_or_add(c, CPUID_VMSCOPE_FEATURES, 0, 0); /* bits set by what the run asks */
}

int cpuid__patch(struct kvm_cpuid2 *c, int nr_vcpus, int vcpu_id)
{
	int ret;

	if (nr_vcpus < 1 || vcpu_id < 0 || vcpu_id >= nr_vcpus)
		return err__set(
			EINVAL,
			"cannot build the CPUID of vCPU %d in a VM of %d vCPUs: the id must "
			"be at least 0 and below the vCPU count",
			vcpu_id, nr_vcpus);
	ret = cpuid_check_room(c);
	if (ret)
		return ret;
	cpuid_patch_leaf1(c, nr_vcpus, vcpu_id);
	cpuid_patch_leaf4(c, nr_vcpus);
	cpuid_patch_topology(c, 0xb, nr_vcpus, vcpu_id);
	cpuid_patch_topology(c, 0x1f, nr_vcpus, vcpu_id);
	cpuid_patch_amd_cores(c, nr_vcpus);
	cpuid_set_vmscope_leaves(c);
	return 0;
}

struct kvm_cpuid2 *cpuid__for_vcpu(const struct kvm_cpuid2 *supported, int nr_vcpus, int vcpu_id)
{
	struct kvm_cpuid2 *c;
	uint32_t capacity;
	int ret;

	if (!supported) {
		err__set(EINVAL, "cannot build the guest CPUID: no supported CPUID table");
		errno = EINVAL;
		return NULL;
	}
	capacity = supported->nent + CPUID_EXTRA_ENTRIES;
	c = cpuid_alloc(capacity);
	if (!c)
		return NULL;
	memcpy(c->entries, supported->entries, supported->nent * sizeof(c->entries[0]));
	c->nent = supported->nent;
	c->padding = capacity;
	ret = cpuid__patch(c, nr_vcpus, vcpu_id);
	c->padding = 0;
	if (ret) {
		free(c);
		errno = -ret;
		return NULL;
	}
	return c;
}
