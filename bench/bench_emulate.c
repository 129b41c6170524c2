// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction executor's throughput (core/emulate.h): a ring-0 guest stops at a sync
 * point and, in its vCPU thread, vmscope executes NR_INSNS refused instructions (popcnt
 * rax, rcx) through emulate__insn(), as it does at an emulation failure; the guest's
 * registers are put back after.  The figure is instructions executed per second (median of
 * RUNS runs) with the vCPU's long-lived decoder, against the same loop that drops the
 * decoder before each instruction, so that it is opened per instruction as vmscope did
 * before each vCPU had one.  It leaves out KVM_RUN's round trip, which an emulation failure
 * adds and which does not depend on the decoder.
 */
#include <stdio.h>

#include "harness.h"
#include "bench.h"
#include "../../core/decoder.h"
#include "../../core/emulate.h"

#define NR_INSNS 20000
#define RUNS 5

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	GUEST_SYNC(1, 0, 0);
	GUEST_DONE();
}

struct bench_run {
	int reopen; /* drop the decoder before each instruction */
	double rate;
	int failed;
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	static const uint8_t popcnt[] = { 0xf3, 0x48, 0x0f, 0xb8, 0xc1 };
	struct bench_run *b = opaque;
	struct kvm_regs saved;
	char why[256];
	double t0;
	int i;

	if (uc->cmd != UCALL_SYNC || vcpu__get_regs(v, &saved))
		return;
	t0 = bench_now();
	for (i = 0; i < NR_INSNS && !b->failed; i++) {
		if (b->reopen)
			vcpu__decoder_put(v);
		b->failed = emulate__insn(v, popcnt, sizeof(popcnt), why, sizeof(why)) != 1;
	}
	b->rate = NR_INSNS / (bench_now() - t0);
	if (b->failed)
		fprintf(stderr, "bench_emulate: %s%s\n", why, err__last());
	vcpu__set_regs(v, &saved);
}

static int one_run(int reopen, double *rate)
{
	struct tvm_opts o = { .entry = guest_code };
	struct bench_run b = { .reopen = reopen };
	struct vm vm;

	if (tvm_create(&vm, &o))
		return -1;
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &b;
	if (tvm_run(&vm, 300) != 0 || b.failed || !b.rate)
		return -1;
	vm__destroy(&vm);
	*rate = b.rate;
	return 0;
}

int main(void)
{
	double kept[RUNS], reopened[RUNS], mk, mr;
	int i;

	harness_require_kvm();
	if (emulate__decode((const uint8_t *)"\x90", 1, 64, NULL, 0) == -EOPNOTSUPP) {
		printf("| instructions executed by vmscope | skipped: this build has no capstone "
		       "| | |\n");
		return 0;
	}
	for (i = 0; i < RUNS; i++)
		if (one_run(0, &kept[i]) || one_run(1, &reopened[i])) {
			fprintf(stderr, "bench_emulate: a run failed\n");
			return 1;
		}
	mk = bench_median(kept, RUNS);
	mr = bench_median(reopened, RUNS);
	printf("| instructions executed by vmscope (popcnt at ring 0, vCPU thread; median of %d "
	       "runs of %d) | %.0f /s with the vCPU's decoder | %.0f /s opening one per "
	       "instruction | %.1fx faster; %.2f us against %.2f us each |\n",
	       RUNS, NR_INSNS, mk, mr, mk / mr, 1e6 / mk, 1e6 / mr);
	return 0;
}
