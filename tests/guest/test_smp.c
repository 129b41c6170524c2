// SPDX-License-Identifier: GPL-2.0
/*
 * Two vCPUs on two threads both make progress: each counts in guest memory and waits until
 * it has seen the other count too, then reports; neither can finish alone.
 */
#include "harness.h"

#define TARGET 20000

static volatile uint64_t progress[2];

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint64_t other = id ^ 1, i;

	GUEST_ASSERT_EQ(nr, 2);
	for (i = 1; i <= TARGET; i++)
		__atomic_store_n(&progress[id], i, __ATOMIC_RELEASE);
	/* Pairs with the other vCPU's release store above. */
	while (__atomic_load_n(&progress[other], __ATOMIC_ACQUIRE) < TARGET)
		__asm__ volatile("pause");
	GUEST_SYNC(id, progress[0], progress[1]);
	if (id == 0)
		GUEST_DONE();
	for (;;)
		__asm__ volatile("pause");
}

struct smp_log {
	pthread_mutex_t lock;
	int seen[2];
	int bad;
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct smp_log *log = opaque;

	if (uc->cmd != UCALL_SYNC)
		return;
	pthread_mutex_lock(&log->lock);
	log->bad |=
		uc->args[0] != (uint64_t)v->id || uc->args[1] != TARGET || uc->args[2] != TARGET;
	if (v->id < 2)
		log->seen[v->id]++;
	pthread_mutex_unlock(&log->lock);
}

static int test_smp(void)
{
	struct tvm_opts o = { .entry = guest_code, .nr_vcpus = 2, .ring = 3 };
	struct smp_log log = { PTHREAD_MUTEX_INITIALIZER, { 0, 0 }, 0 };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &log;
	status = tvm_run(&vm, 120);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.seen[0] == 1, "vCPU 0 synced %d times", log.seen[0]);
	TEST_ASSERT(!log.bad, "a vCPU reported wrong progress");
	TEST_ASSERT(vm.vcpus[0].stats.total > 0 && vm.vcpus[1].stats.total > 0,
		    "a vCPU never exited");
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "two_vcpus_progress", test_smp } };

	return harness_main(cases, 1);
}
