// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's run state: start, pause, resume, stop and wait.  vm->lock protects the counters and
 * the stop record; vm->stopping and vm->pausing are also read without the lock by the vCPU
 * loop, so they are written with seq_cst stores before any vCPU is kicked (vcpu__kick pairs).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../trace/trace.h"
#include "../lib/err.h"
#include "vcpu.h"
#include "vm.h"

#define VM_REKICK_MS 20 /* how often a stop or pause kicks vCPUs that have not come out */

static void vm__kick_all(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__kick(&vm->vcpus[i]);
}

int vm__start(struct vm *vm)
{
	int i, ret;

	pthread_mutex_lock(&vm->lock);
	vm->nr_running = vm->nr_vcpus;
	pthread_mutex_unlock(&vm->lock);
	trace__lifecycle(vm->trace, TRACE_LC_START, 0, vm->nr_vcpus);
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu__start(&vm->vcpus[i]);
		if (ret) {
			pthread_mutex_lock(&vm->lock);
			vm->nr_running -= vm->nr_vcpus - i;
			pthread_mutex_unlock(&vm->lock);
			vm__request_stop(vm, 1, 1, "%s", err__msg(ret));
			return ret;
		}
	}
	return 0;
}

void vm__request_stop(struct vm *vm, int status, int failed, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (vm->stopping) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	vm->exit_status = status;
	vm->failed = failed;
	va_start(ap, fmt);
	vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	trace__lifecycle(vm->trace, TRACE_LC_STOP, status, failed);
	/* Pairs with the vCPU loop's read of stopping after it clears immediate_exit. */
	__atomic_store_n(&vm->stopping, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	vm__kick_all(vm);
}

void vm__vcpu_done(struct vm *vm, struct vcpu *v, int action)
{
	pthread_mutex_lock(&vm->lock);
	v->gone = 1;
	vm->nr_running--;
	if (!vm->stopping && vm->nr_running == 0) {
		vm->exit_status = 0;
		snprintf(vm->stop_reason, sizeof(vm->stop_reason), "%s",
			 action == EXIT_VCPU_DONE ? "every vCPU halted" : "every vCPU ended");
		trace__lifecycle(vm->trace, TRACE_LC_STOP, 0, 0);
		__atomic_store_n(&vm->stopping, 1, __ATOMIC_SEQ_CST);
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

static void vm__deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* a before b */
static int vm__ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Wait on vm->cond (lock held) until woken, deadline (NULL: none) or VM_REKICK_MS, whichever
 * is first; returns ETIMEDOUT only for the deadline.  Callers kick the vCPUs again after
 * each tick: on emulating hosts a signal that lands as a vCPU enters the guest has been seen
 * to leave it in KVM_RUN, and a stop or a pause must not depend on one signal.
 */
static int vm__wait_tick(struct vm *vm, const struct timespec *deadline)
{
	struct timespec tick;

	vm__deadline(&tick, VM_REKICK_MS);
	if (deadline && vm__ts_before(deadline, &tick)) {
		if (pthread_cond_timedwait(&vm->cond, &vm->lock, deadline) == ETIMEDOUT)
			return ETIMEDOUT;
		return 0;
	}
	pthread_cond_timedwait(&vm->cond, &vm->lock, &tick);
	return 0;
}

/* Kick every vCPU again without the lock (called with it held). */
static void vm__rekick(struct vm *vm)
{
	pthread_mutex_unlock(&vm->lock);
	vm__kick_all(vm);
	pthread_mutex_lock(&vm->lock);
}

int vm__wait(struct vm *vm, int timeout_ms)
{
	struct timespec ts;
	int i, ret = 0;

	vm__deadline(&ts, timeout_ms < 0 ? 0 : timeout_ms);
	pthread_mutex_lock(&vm->lock);
	while (vm->nr_running > 0 && ret != ETIMEDOUT) {
		ret = vm__wait_tick(vm, timeout_ms < 0 ? NULL : &ts);
		if (vm->stopping && vm->nr_running > 0)
			vm__rekick(vm);
	}
	pthread_mutex_unlock(&vm->lock);
	if (ret == ETIMEDOUT)
		return -ETIMEDOUT;
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu__join(&vm->vcpus[i]);
	return 0;
}

/* Run the work asked of v while it is parked (vm->lock held; dropped while it runs). */
static void vm__park_work(struct vm *vm, struct vcpu *v)
{
	struct vm_work *w = vm->work;

	w->started = 1;
	pthread_mutex_unlock(&vm->lock);
	/* The pause's kick may still be set: the work's own KVM_RUNs must enter the guest. */
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	w->ret = w->fn(v, w->opaque, &w->cancel);
	if (w->ret) /* messages are per thread: carry it to the one waiting */
		snprintf(w->msg, sizeof(w->msg), "%s", err__msg(w->ret));
	pthread_mutex_lock(&vm->lock);
	w->done = 1;
	pthread_cond_broadcast(&vm->cond);
}

int vm__park(struct vm *vm, struct vcpu *v)
{
	int stopping;

	pthread_mutex_lock(&vm->lock);
	if (vm->pausing && !vm->stopping) {
		vm->nr_paused++;
		pthread_cond_broadcast(&vm->cond);
		while (vm->pausing && !vm->stopping) {
			if (vm->work && vm->work->vcpu == v->id && !vm->work->started) {
				vm__park_work(vm, v);
				continue;
			}
			pthread_cond_wait(&vm->cond, &vm->lock);
		}
		vm->nr_paused--;
	}
	stopping = vm->stopping;
	pthread_mutex_unlock(&vm->lock);
	return stopping;
}

int vm__pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->pausing) {
		pthread_mutex_unlock(&vm->lock);
		return err__set(EBUSY, "the VM is already paused");
	}
	/* Pairs with the vCPU loop's read of pausing after it clears immediate_exit. */
	__atomic_store_n(&vm->pausing, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->lock);
	vm__kick_all(vm);
	pthread_mutex_lock(&vm->lock);
	while (vm->nr_paused < vm->nr_running && !vm->stopping) {
		vm__wait_tick(vm, NULL);
		if (vm->nr_paused < vm->nr_running && !vm->stopping)
			vm__rekick(vm);
	}
	pthread_mutex_unlock(&vm->lock);
	trace__lifecycle(vm->trace, TRACE_LC_PAUSE, 0, 0);
	return 0;
}

/* Wait for w (lock held) until done; past the deadline cancel it and kick its vCPU. */
static int vm__work_wait(struct vm *vm, struct vm_work *w, int timeout_ms)
{
	struct timespec deadline;

	vm__deadline(&deadline, timeout_ms);
	while (!w->done && !vm->stopping && !vm->vcpus[w->vcpu].gone) {
		if (vm__wait_tick(vm, w->cancel ? NULL : &deadline) == ETIMEDOUT)
			__atomic_store_n(&w->cancel, 1, __ATOMIC_SEQ_CST);
		if (w->cancel && w->started && !w->done)
			vm__rekick(vm);
	}
	if (!w->done && w->started) /* stopping: the work ends at its vCPU's next exit */
		while (!w->done)
			pthread_cond_wait(&vm->cond, &vm->lock);
	return w->done ? 0 : -ESHUTDOWN;
}

int vm__run_on(struct vm *vm, int vcpu, vm_work_fn fn, void *opaque, int timeout_ms)
{
	struct vm_work w = { .vcpu = vcpu, .fn = fn, .opaque = opaque };
	int ret;

	if (vcpu < 0 || vcpu >= vm->nr_vcpus)
		return err__set(EINVAL, "no vCPU %d: this VM has %d", vcpu, vm->nr_vcpus);
	pthread_mutex_lock(&vm->lock);
	if (!vm->pausing || vm->work) {
		pthread_mutex_unlock(&vm->lock);
		return err__set(EBUSY, vm->work ? "vCPU work is already running"
						: "the VM must be paused to run work on a vCPU");
	}
	vm->work = &w;
	pthread_cond_broadcast(&vm->cond);
	ret = vm__work_wait(vm, &w, timeout_ms);
	vm->work = NULL;
	pthread_mutex_unlock(&vm->lock);
	if (ret)
		return err__set(ESHUTDOWN, "vCPU %d ended before it could run the work", vcpu);
	if (w.cancel && !w.ret)
		return err__set(ETIMEDOUT, "the work on vCPU %d did not finish in %d ms", vcpu,
				timeout_ms);
	return w.ret ? err__set(-w.ret, "%s", w.msg) : 0;
}

int vm__resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->pausing) {
		pthread_mutex_unlock(&vm->lock);
		return err__set(EINVAL, "the VM is not paused");
	}
	__atomic_store_n(&vm->pausing, 0, __ATOMIC_SEQ_CST);
	trace__lifecycle(vm->trace, TRACE_LC_RESUME, 0, 0);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int vm__apply_msr_filter(struct vm *vm)
{
	static uint8_t deny[1]; /* bit clear: the one MSR of the range exits to userspace */
	struct kvm_msr_filter f;
	int i, n = vm->hooks.msr.nr;

	if (!n)
		return 0;
	if (!vm->has_user_msr)
		return err__set(EOPNOTSUPP, "this host's KVM lacks KVM_CAP_X86_USER_SPACE_MSR, "
					    "which MSR hooks need");
	if (n > KVM_MSR_FILTER_MAX_RANGES)
		return err__set(ENOSPC, "%d MSR hooks; KVM filters at most %d", n,
				KVM_MSR_FILTER_MAX_RANGES);
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (i = 0; i < n; i++) {
		f.ranges[i].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
		f.ranges[i].base = vm->hooks.msr.items[i].base;
		f.ranges[i].nmsrs = 1;
		f.ranges[i].bitmap = deny;
	}
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
		return err__set(errno, "KVM_X86_SET_MSR_FILTER failed: %s", strerror(errno));
	return 0;
}
