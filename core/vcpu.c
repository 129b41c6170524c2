// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../trace/clock.h"
#include "cpuid.h"
#include "decoder.h"
#include "../lib/err.h"
#include "kvm.h"
#include "vcpu.h"
#include "vm.h"

#define VCPU_SYNC_MASK (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)

/* What the run emulates (vm->features): its bits in vmscope's leaf, and RTM in leaf 7. */
static void vcpu__cpuid_features(struct kvm_cpuid2 *c, uint32_t features)
{
	struct kvm_cpuid_entry2 *e =
		(struct kvm_cpuid_entry2 *)cpuid__find(c, CPUID_VMSCOPE_FEATURES, 0);

	if (e)
		e->eax = features;
	e = (struct kvm_cpuid_entry2 *)cpuid__find(c, 7, 0);
	if (e && (features & CPUID_VMSCOPE_F_RTM))
		e->ebx |= 1u << 11;
}

int vcpu__set_cpuid(struct vcpu *v)
{
	struct kvm_cpuid2 *c;
	int ret;

	c = cpuid__for_vcpu(v->vm->cpuid, v->vm->opts.nr_vcpus, v->id);
	if (!c)
		return err__wrap(-errno, "building CPUID for vCPU %d", v->id);
	vcpu__cpuid_features(c, v->vm->features);
	ret = kvm__ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (ret < 0)
		return err__set(-ret, "KVM_SET_CPUID2 failed for vCPU %d: %s", v->id,
				strerror(-ret));
	return 0;
}

int vcpu__init(struct vcpu *v, struct vm *vm, int id)
{
	int ret;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return err__set(errno, "cannot create vCPU %d: %s", id, strerror(errno));
	v->run_size = vm->kvm.vcpu_mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		ret = err__set(errno, "cannot map kvm_run of vCPU %d: %s", id, strerror(errno));
		goto out_close;
	}
	v->sync_regs =
		(kvm__check_cap(vm->fd, KVM_CAP_SYNC_REGS) & VCPU_SYNC_MASK) == VCPU_SYNC_MASK;
	ret = vcpu__set_cpuid(v);
	if (ret)
		goto out_unmap;
	return 0;

out_unmap:
	munmap(v->run, v->run_size);
	v->run = NULL;
out_close:
	close(v->fd);
	v->fd = -1;
	return ret;
}

void vcpu__exit(struct vcpu *v)
{
	vcpu__decoder_put(v);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

/* Write back registers that an exit handler changed in the sync area (before parking). */
int vcpu__flush_sync(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret = 0;

	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS)
		ret = kvm__ioctl(v->fd, KVM_SET_REGS, &run->s.regs.regs);
	if (!ret && (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS))
		ret = kvm__ioctl(v->fd, KVM_SET_SREGS, &run->s.regs.sregs);
	run->kvm_dirty_regs = 0;
	v->sync_valid = 0;
	return ret < 0 ? ret : 0;
}

/* The vCPU's state was replaced since its last KVM_RUN: tell the "loaded" hooks (hooks.h). */
static void vcpu__loaded(struct vcpu *v)
{
	const struct exit_chain *c = &v->vm->hooks.loaded;
	int i;

	v->loaded_gen = v->state_gen;
	for (i = 0; i < c->nr; i++)
		c->fn[i](v, c->opaque[i], NULL);
}

int vcpu__run_once(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret;

	if (v->loaded_gen != v->state_gen)
		vcpu__loaded(v);
	vm__features_before_run(v);
	if (v->sync_regs)
		run->kvm_valid_regs = VCPU_SYNC_MASK;
	v->sync_valid = 0;
	if (v->trace)
		v->trace_t_entry = trace_clock__now();
	ret = ioctl(v->fd, KVM_RUN, 0);
	if (v->trace)
		v->trace_t_exit = trace_clock__now();
	if (ret < 0 && errno != EINTR) {
		vm__features_after_run(v);
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "vCPU %d: KVM_RUN failed: %s",
				 v->id, strerror(errno));
		return -errno;
	}
	if (ret < 0)
		run->exit_reason = KVM_EXIT_INTR;
	run->kvm_dirty_regs = 0;
	v->sync_valid = v->sync_regs;
	vm__features_after_run(v);
	return exit__dispatch(v);
}

/*
 * Complete what the last exit left to KVM without entering the guest: an I/O or MMIO read's
 * value, the RIP past an OUT or an MSR access handled here.  KVM does that work at the next
 * KVM_RUN, before it checks immediate_exit (then KVM_RUN returns -EINTR, nothing ran): the
 * state a pause shows is then the guest's own, and a checkpoint or migration taken now does
 * not make the restored guest run an OUT, an MMIO write or a WRMSR twice.
 */
static void vcpu__complete_exit(struct vcpu *v)
{
	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		break;
	default:
		return;
	}
	/* Our own thread: the pause's kick and this store are both ours to clear after. */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	ioctl(v->fd, KVM_RUN, 0);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	v->sync_valid = 0;
}

static void *vcpu__thread(void *arg)
{
	struct vcpu *v = arg;
	int action = EXIT_RESUME;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	v->tid = gettid();
	if (v->vm->on_vcpu_thread)
		v->vm->on_vcpu_thread(v, v->vm->vcpu_thread_opaque);
	while (action == EXIT_RESUME) {
		/*
		 * Clear the kick before reading the flags: a kick that lands after this store
		 * also set its flag first (vm__pause, vm__request_stop), so either we see the
		 * flag now or KVM_RUN sees immediate_exit and returns at once.
		 */
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&v->vm->pausing, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&v->vm->stopping, __ATOMIC_SEQ_CST)) {
			vcpu__flush_sync(v);
			vcpu__complete_exit(v);
			if (vm__park(v->vm, v))
				break;
		}
		action = vcpu__run_once(v);
	}
	vm__vcpu_done(v->vm, v, action);
	return NULL;
}

int vcpu__start(struct vcpu *v)
{
	int ret = pthread_create(&v->thread, NULL, vcpu__thread, v);

	if (ret)
		return err__set(ret, "cannot start the thread of vCPU %d: %s", v->id,
				strerror(ret));
	v->thread_started = 1;
	return 0;
}

void vcpu__join(struct vcpu *v)
{
	if (v->thread_started)
		pthread_join(v->thread, NULL);
	v->thread_started = 0;
}

void vcpu__kick(struct vcpu *v)
{
	/*
	 * immediate_exit makes a KVM_RUN that has not yet entered the guest return at once; the
	 * signal interrupts one that has.  Together no kick is lost.
	 */
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->thread_started)
		pthread_kill(v->thread, SIGUSR1);
}

static int vcpu__ret(int ret)
{
	return ret < 0 ? ret : 0;
}

int vcpu__get_regs(struct vcpu *v, struct kvm_regs *regs)
{
	if (v->sync_valid) {
		*regs = v->run->s.regs.regs;
		return 0;
	}
	return vcpu__ret(kvm__ioctl(v->fd, KVM_GET_REGS, regs));
}

int vcpu__set_regs(struct vcpu *v, const struct kvm_regs *regs)
{
	if (v->sync_valid) {
		v->run->s.regs.regs = *regs;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		return 0;
	}
	return vcpu__ret(kvm__ioctl(v->fd, KVM_SET_REGS, (void *)regs));
}

int vcpu__get_sregs(struct vcpu *v, struct kvm_sregs *sregs)
{
	if (v->sync_valid) {
		*sregs = v->run->s.regs.sregs;
		return 0;
	}
	return vcpu__ret(kvm__ioctl(v->fd, KVM_GET_SREGS, sregs));
}

/*
 * KVM_SET_SREGS queues the interrupt named in interrupt_bitmap (one KVM had injected when the
 * registers were read): a register change must not bring back one delivered since, so the
 * bitmap goes out empty, which leaves an interrupt KVM holds now as it is.  Whole-state
 * restores (vcpu__restore) set it through KVM_SET_VCPU_EVENTS.
 */
int vcpu__set_sregs(struct vcpu *v, const struct kvm_sregs *sregs)
{
	struct kvm_sregs s = *sregs;

	memset(s.interrupt_bitmap, 0, sizeof(s.interrupt_bitmap));
	if (v->sync_valid) {
		v->run->s.regs.sregs = s;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
		return 0;
	}
	return vcpu__ret(kvm__ioctl(v->fd, KVM_SET_SREGS, &s));
}

/*
 * KVM_SET_GUEST_DEBUG reads RIP and RFLAGS: single-step starts at the current RIP, and at
 * KVM_RUN KVM keeps its TF only while RIP is still there.  So when single-step is asked for,
 * registers a hook changed in the sync area reach KVM now, not at the next KVM_RUN, or the
 * step would be lost.
 */
static int vcpu__write_sync(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	int ret = 0;

	if (!v->sync_valid)
		return 0;
	if (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS)
		ret = kvm__ioctl(v->fd, KVM_SET_SREGS, &run->s.regs.sregs);
	if (!ret && (run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
		ret = kvm__ioctl(v->fd, KVM_SET_REGS, &run->s.regs.regs);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: cannot write its registers: %s", v->id,
				strerror(-ret));
	run->kvm_dirty_regs &= ~VCPU_SYNC_MASK;
	return 0;
}

/* KVM_SET_GUEST_DEBUG of the last request merged with the standing breakpoint. */
static int vcpu__apply_debug(struct vcpu *v)
{
	struct kvm_guest_debug dbg;
	uint32_t flags = v->dbg_flags;
	int i, ret;

	/*
	 * With any debugging on: a vCPU stepped through the guest's own #DB (ring 3 on
	 * emulating hosts) is stepped with a breakpoint and TF, not KVM's single-step, and must
	 * not take interrupts either.
	 */
	if (flags)
		flags |= v->dbg_extra;

	memset(&dbg, 0, sizeof(dbg));
	for (i = 0; i < 4; i++) {
		uint64_t a = (flags & KVM_GUESTDBG_USE_HW_BP) ? v->dbg_addr[i] : 0;

		if (!a)
			a = v->standing_bp[i];
		if (!a)
			continue; /* slot unused */
		dbg.arch.debugreg[i] = a;
		dbg.arch.debugreg[7] |= 1ull << (2 * i); /* local enable, execute, length 1 */
		flags |= KVM_GUESTDBG_USE_HW_BP;
	}
	dbg.control = flags ? flags | KVM_GUESTDBG_ENABLE : 0;
	/*
	 * While KVM single-steps, TF is its own: KVM_SET_GUEST_DEBUG clears RFLAGS.TF whenever
	 * single-step was on before the call.  Registers written ahead of it would lose a TF
	 * the guest (or the step engine, stepping ring 3 through the guest's #DB) set; without
	 * single-step they stay in the sync area and KVM_RUN loads them after this call.
	 */
	ret = (flags & KVM_GUESTDBG_SINGLESTEP) ? vcpu__write_sync(v) : 0;
	if (ret)
		return ret;
	if (kvm__ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		return err__set(errno, "vCPU %d: KVM_SET_GUEST_DEBUG failed: %s", v->id,
				strerror(errno));
	return 0;
}

int vcpu__set_debug(struct vcpu *v, uint32_t flags, const uint64_t *addr, int nr_addr)
{
	int i;

	if (nr_addr < 0 || nr_addr > 4)
		return err__set(EINVAL, "vCPU %d: %d hardware breakpoints asked, x86 has 4", v->id,
				nr_addr);
	v->dbg_flags = flags;
	for (i = 0; i < 4; i++)
		v->dbg_addr[i] = i < nr_addr ? addr[i] : 0;
	return vcpu__apply_debug(v);
}

int vcpu__set_standing_bp(struct vcpu *v, uint64_t addr)
{
	v->standing_bp[VCPU_DR_STANDING] = addr;
	return vcpu__apply_debug(v);
}

/* One KVM_GET_MSRS or KVM_SET_MSRS of n MSRs (at most VCPU_MSRS_MAX). */
static int vcpu__msrs(struct vcpu *v, int set, const uint32_t *index, uint64_t *val, int n)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[VCPU_MSRS_MAX];
	} m;
	int i, ret;

	if (n < 1 || n > VCPU_MSRS_MAX)
		return err__set(EINVAL, "vCPU %d: %d MSRs in one call (1 to %d)", v->id, n,
				VCPU_MSRS_MAX);
	memset(&m, 0, sizeof(m.hdr) + n * sizeof(m.e[0]));
	m.hdr.nmsrs = n;
	for (i = 0; i < n; i++) {
		m.e[i].index = index[i];
		m.e[i].data = set ? val[i] : 0;
	}
	ret = kvm__ioctl(v->fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, &m);
	if (ret < 0)
		return err__set(-ret, "vCPU %d: %s of MSR 0x%x failed: %s", v->id,
				set ? "KVM_SET_MSRS" : "KVM_GET_MSRS", index[0], strerror(-ret));
	if (ret != n)
		return err__set(ENOENT, "vCPU %d: KVM %s MSR 0x%x", v->id,
				set ? "refused the write of" : "has no", index[ret]);
	for (i = 0; !set && i < n; i++)
		val[i] = m.e[i].data;
	return 0;
}

int vcpu__get_msrs(struct vcpu *v, const uint32_t *index, uint64_t *val, int n)
{
	return vcpu__msrs(v, 0, index, val, n);
}

int vcpu__set_msrs(struct vcpu *v, const uint32_t *index, const uint64_t *val, int n)
{
	return vcpu__msrs(v, 1, index, (uint64_t *)val, n);
}

int vcpu__get_msr(struct vcpu *v, uint32_t index, uint64_t *val)
{
	return vcpu__msrs(v, 0, &index, val, 1);
}

int vcpu__set_msr(struct vcpu *v, uint32_t index, uint64_t val)
{
	return vcpu__msrs(v, 1, &index, &val, 1);
}
