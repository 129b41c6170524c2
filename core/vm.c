// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cpuid.h"
#include "devices.h"
#include "../lib/err.h"
#include "../abi/layout.h"
#include "vcpu.h"
#include "vm.h"

#define VM_TSS_ADDR 0xfffbd000u /* three pages below the BIOS, inside the MMIO hole */

static void vm__kick_handler(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN */
}

static int vm__install_kick(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vm__kick_handler; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return err__set(errno, "cannot install the vCPU kick signal: %s", strerror(errno));
	return 0;
}

static int vm__set_slots(struct vm *vm, uint32_t flags)
{
	int i;

	for (i = 0; i < vm->mem.nr_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.flags = flags,
			.guest_phys_addr = vm->mem.regions[i].gpa,
			.memory_size = vm->mem.regions[i].size,
			.userspace_addr =
				(uint64_t)(uintptr_t)vm->mem.host + vm->mem.regions[i].offset,
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return err__set(errno, "cannot give KVM guest RAM slot %d (%llu MiB): %s",
					i, (unsigned long long)(r.memory_size >> 20),
					strerror(errno));
	}
	return 0;
}

static int vm__set_memory(struct vm *vm)
{
	return vm__set_slots(vm, 0);
}

int vm__dirty_log(struct vm *vm, int on)
{
	int ret = vm__set_slots(vm, on ? KVM_MEM_LOG_DIRTY_PAGES : 0);

	return ret ? err__wrap(ret, "cannot %s KVM's dirty log", on ? "start" : "stop") : 0;
}

int vm__dirty_pages(struct vm *vm, uint64_t *bitmap)
{
	int i;

	for (i = 0; i < vm->mem.nr_regions; i++) {
		const struct mem_region *rg = &vm->mem.regions[i];
		uint64_t pages = rg->size / 4096, first = rg->offset / 4096, p;
		uint64_t *b = calloc((pages + 63) / 64, 8);
		struct kvm_dirty_log log = { .slot = i, .dirty_bitmap = b };

		if (!b)
			return err__set(ENOMEM, "out of memory");
		if (ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) < 0) {
			free(b);
			return err__set(errno, "KVM_GET_DIRTY_LOG of slot %d failed: %s", i,
					strerror(errno));
		}
		for (p = 0; p < pages; p++)
			if (b[p / 64] >> (p % 64) & 1)
				bitmap[(first + p) / 64] |= 1ull << ((first + p) % 64);
		free(b);
	}
	return 0;
}

static int vm__enable_cap(struct vm *vm, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c) < 0 ? -errno : 0;
}

static int vm__setup_irqchip(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };

	if (vm->opts.no_irqchip)
		return 0;
	if (kvm__require_cap(
		    vm->kvm.fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP",
		    "the in-kernel interrupt controller (use --no-irqchip to run without)"))
		return -EOPNOTSUPP;
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err__set(errno, "KVM_CREATE_IRQCHIP failed: %s", strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit) < 0)
		return err__set(errno, "KVM_CREATE_PIT2 failed: %s", strerror(errno));
	vm->has_irqchip = 1;
	return 0;
}

static void vm__setup_optional(struct vm *vm)
{
	if (kvm__check_cap(vm->fd, KVM_CAP_SET_TSS_ADDR))
		ioctl(vm->fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR);
	/* Guest RDMSR/WRMSR of filtered MSRs come to the MSR hooks. */
	if (kvm__check_cap(vm->kvm.fd, KVM_CAP_X86_USER_SPACE_MSR) &&
	    !vm__enable_cap(vm, KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER))
		vm->has_user_msr = 1;
	/* Emulation failures carry the instruction bytes (host adaptation needs them). */
	if (kvm__check_cap(vm->kvm.fd, KVM_CAP_EXIT_ON_EMULATION_FAILURE))
		vm__enable_cap(vm, KVM_CAP_EXIT_ON_EMULATION_FAILURE, 1);
}

static int vm__get_msr_list(struct vm *vm)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;

	if (ioctl(vm->kvm.fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		return err__set(errno, "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(errno));
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	if (!list)
		return err__set(ENOMEM, "out of memory reading the MSR list");
	list->nmsrs = probe.nmsrs;
	if (ioctl(vm->kvm.fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
		free(list);
		return err__set(errno, "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(errno));
	}
	vm->nr_msr_indices = list->nmsrs;
	vm->msr_indices = malloc(list->nmsrs * sizeof(uint32_t) + 1);
	if (vm->msr_indices)
		memcpy(vm->msr_indices, list->indices, list->nmsrs * sizeof(uint32_t));
	free(list);
	return vm->msr_indices ? 0 : err__set(ENOMEM, "out of memory reading the MSR list");
}

static int vm__create_vcpus(struct vm *vm)
{
	int i, ret;

	vm->vcpus = calloc(vm->opts.nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return err__set(ENOMEM, "out of memory allocating vCPUs");
	for (i = 0; i < vm->opts.nr_vcpus; i++) {
		ret = vcpu__init(&vm->vcpus[i], vm, i);
		if (ret)
			return ret;
		vm->nr_vcpus++;
	}
	return 0;
}

static int vm__check_opts(const struct vm_opts *o)
{
	if (o->nr_vcpus < 1 || o->nr_vcpus > VM_MAX_VCPUS)
		return err__set(EINVAL, "%d vCPUs requested; vmscope runs 1 to %d", o->nr_vcpus,
				VM_MAX_VCPUS);
	return 0;
}

static int vm__create_kvm(struct vm *vm)
{
	int max, ret = kvm_dev__open(&vm->kvm, NULL);

	if (ret)
		return ret;
	max = kvm__check_cap(vm->kvm.fd, KVM_CAP_MAX_VCPUS);
	if (max > 0 && vm->opts.nr_vcpus > max)
		return err__set(EINVAL, "%d vCPUs requested; this host's KVM allows %d",
				vm->opts.nr_vcpus, max);
	do {
		vm->fd = ioctl(vm->kvm.fd, KVM_CREATE_VM, 0);
	} while (vm->fd < 0 && errno == EINTR);
	if (vm->fd < 0)
		return err__set(errno, "KVM_CREATE_VM failed: %s", strerror(errno));
	return kvm__require_cap(vm->kvm.fd, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY",
				"guest memory");
}

int vm__create(struct vm *vm, const struct vm_opts *opts)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->kvm.fd = -1;
	vm->mem.memfd = -1;
	vm->opts = *opts;
	hooks__init(&vm->hooks);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);

	ret = vm__check_opts(opts);
	if (!ret)
		ret = vm__install_kick();
	if (!ret)
		ret = vm__create_kvm(vm);
	if (!ret)
		ret = mem__init(&vm->mem, opts->mem_size);
	if (!ret)
		ret = vm__set_memory(vm);
	if (!ret)
		ret = vm__setup_irqchip(vm);
	if (ret)
		return ret;
	vm__setup_optional(vm);
	vm->cpuid = cpuid__supported(vm->kvm.fd);
	if (!vm->cpuid)
		return -errno;
	ret = vm__get_msr_list(vm);
	if (!ret)
		ret = vm__create_vcpus(vm);
	if (!ret)
		ret = devices__init(vm);
	return ret;
}

static void vm__free_private_mem(struct vm *vm);

void vm__destroy(struct vm *vm)
{
	int i;

	vm__features_free(vm); /* in reverse order, before the vCPUs they keep data on go */
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__exit(&vm->vcpus[i]);
	devices__exit(vm);
	free(vm->vcpus);
	free(vm->cpuid);
	free(vm->msr_indices);
	hooks__exit(&vm->hooks);
	mem__exit(&vm->mem);
	if (vm->fd >= 0)
		close(vm->fd);
	vm__free_private_mem(vm);
	kvm_dev__close(&vm->kvm);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	vm->vcpus = NULL;
	vm->nr_vcpus = 0;
	vm->fd = -1;
}

/* KVM slots of the VMM's own guest-physical ranges: after RAM's (mem.h: at most 2). */
#define VM_PRIVATE_SLOT0 MEM_MAX_REGIONS

int vm__add_private_mem(struct vm *vm, uint64_t gpa, uint64_t size, int readonly, void **hva)
{
	struct kvm_userspace_memory_region r = { .guest_phys_addr = gpa, .memory_size = size };
	struct vm_private_mem *p;
	void *m;

	if (vm->nr_private == VM_MAX_PRIVATE)
		return err__set(ENOSPC, "the VM already has %d private memory ranges",
				VM_MAX_PRIVATE);
	if (readonly && kvm__check_cap(vm->kvm.fd, KVM_CAP_READONLY_MEM) <= 0)
		return err__set(EOPNOTSUPP, "this host's KVM lacks KVM_CAP_READONLY_MEM, which "
					    "memory the guest must not write needs");
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return err__set(errno, "cannot allocate %llu KiB for the VMM's guest pages: %s",
				(unsigned long long)(size >> 10), strerror(errno));
	r.slot = VM_PRIVATE_SLOT0 + vm->nr_private;
	r.flags = readonly ? KVM_MEM_READONLY : 0;
	r.userspace_addr = (uint64_t)(uintptr_t)m;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int e = errno;

		munmap(m, size);
		return err__set(e, "KVM refused the VMM's guest pages at 0x%llx: %s",
				(unsigned long long)gpa, strerror(e));
	}
	p = &vm->private_mem[vm->nr_private++];
	*p = (struct vm_private_mem){ .gpa = gpa, .size = size, .hva = m, .slot = r.slot };
	*hva = m;
	return 0;
}

void *vm__private_hva(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < vm->nr_private; i++) {
		const struct vm_private_mem *p = &vm->private_mem[i];

		if (gpa >= p->gpa && len <= p->size && gpa - p->gpa <= p->size - len)
			return (uint8_t *)p->hva + (gpa - p->gpa);
	}
	return NULL;
}

static void vm__free_private_mem(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_private; i++)
		munmap(vm->private_mem[i].hva, vm->private_mem[i].size);
	vm->nr_private = 0;
}
