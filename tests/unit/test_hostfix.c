// SPDX-License-Identifier: GPL-2.0
/*
 * Host adaptation without KVM, on fabricated exits: with no fixups (a VMX/SVM host) nothing is
 * installed and every exit is dispatched exactly as before; with fixups, exits that are not
 * theirs pass through untouched; the fixups follow from the self-test's verdicts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emulate.h"
#include "exit.h"
#include "hostfix.h"
#include "step.h"
#include "vcpu.h"
#include "vm.h"
#include "../../host/host.h"
#include "fab.h"

static void test_no_fixups_installs_nothing(void **state)
{
	struct fab *f = fab_new(0, 0);

	(void)state;
	assert_int_equal(hostfix__install(&f->vm, 0), 0);
	assert_int_equal(f->vm.hooks.observe.nr, 0);
	assert_int_equal(f->vm.hooks.debug.nr, 0);
	assert_int_equal(f->vm.hooks.emulation.nr, 0);
	assert_int_equal(f->vm.hooks.msr.nr, 0);
	assert_int_equal(hostfix__active(&f->vm), 0);
	assert_int_equal(f->vm.nr_feat, 0);
	fab_free(f);
}

static void test_vmx_verdict_needs_no_fixup(void **state)
{
	struct hostcheck hc = { .flavour = KVM_FLAVOUR_VMX, .ran = 1 };

	(void)state;
	assert_int_equal(hostcheck__fixups(&hc), 0);
	hc.flavour = KVM_FLAVOUR_SVM;
	hc.syscall_broken = 1; /* a hardware host is trusted: the flavour decides */
	assert_int_equal(hostcheck__fixups(&hc), 0);
}

static void test_pvm_verdicts_choose_fixups(void **state)
{
	struct hostcheck hc = { .flavour = KVM_FLAVOUR_PVM, .ran = 1 };

	(void)state;
	assert_int_equal(hostcheck__fixups(&hc), 0);
	hc.syscall_broken = 1;
	assert_int_equal(hostcheck__fixups(&hc), HOSTFIX_SYSCALL);
	hc.int_r0_broken = 1;
	assert_int_equal(hostcheck__fixups(&hc), HOSTFIX_SYSCALL | HOSTFIX_INTN);
	hc.refused = 1u << 5; /* only int n refused: not an emulation need */
	assert_int_equal(hostcheck__fixups(&hc), HOSTFIX_SYSCALL | HOSTFIX_INTN);
	hc.refused |= 1u << 1;
	hc.step_r3_broken = 1;
	assert_int_equal(hostcheck__fixups(&hc), HOSTFIX_ALL & ~HOSTFIX_STEP0);
	hc.step_rep_broken = 1;
	assert_int_equal(hostcheck__fixups(&hc), HOSTFIX_ALL);
}

/* With no fixups, an unclaimed debug exit still stops the VM as the dispatcher decides. */
static void test_debug_exit_without_fixups(void **state)
{
	struct fab *f = fab_new(0, 0);

	(void)state;
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.pc = 0x1234;
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_non_null(strstr(f->vm.stop_reason, "no hook claimed"));
	fab_free(f);
}

/* With fixups, a debug exit away from the watched handlers is not theirs. */
static void test_foreign_debug_exit_not_claimed(void **state)
{
	struct fab *f = fab_new(0, 0);

	(void)state;
	f->vm.has_user_msr = 0;
	assert_int_equal(hostfix__install(&f->vm, HOSTFIX_ALL & ~HOSTFIX_EMULATE), 0);
	assert_int_equal(f->vm.hooks.observe.nr, 1);
	assert_int_equal(f->vm.hooks.debug.nr, 1);
	f->v.run->exit_reason = KVM_EXIT_DEBUG;
	f->v.run->debug.arch.exception = 1;
	f->v.run->debug.arch.dr6 = 1; /* breakpoint 0 hit, at no watched handler */
	f->v.run->s.regs.regs.rip = 0x400000;
	f->v.run->s.regs.sregs.efer = 0; /* not long mode: the observer reads nothing */
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_non_null(strstr(f->vm.stop_reason, "no hook claimed"));
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_SYSCALL], 0);
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_PASS], 0);
	fab_free(f);
}

/* An emulation failure that is not int n passes the int-n fixup by. */
static void test_emulation_not_int_n(void **state)
{
	struct fab *f = fab_new(0, 0);
	struct kvm_run *run;

	(void)state;
	assert_int_equal(hostfix__install(&f->vm, HOSTFIX_INTN), 0);
	run = f->v.run;
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 4;
	run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = 2;
	run->emulation_failure.insn_bytes[0] = 0x0f;
	run->emulation_failure.insn_bytes[1] = 0x0b; /* ud2 */
	assert_int_equal(exit__dispatch(&f->v), EXIT_STOP);
	assert_non_null(strstr(f->vm.stop_reason, "0f 0b"));
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_INTN], 0);
	fab_free(f);
}

static void test_parse_fixups(void **state)
{
	unsigned int f;

	(void)state;
	assert_int_equal(hostfix__parse("auto", &f), 0);
	assert_int_equal(f, HOSTFIX_AUTO);
	assert_int_equal(hostfix__parse("none", &f), 0);
	assert_int_equal(f, 0);
	assert_int_equal(hostfix__parse("all", &f), 0);
	assert_int_equal(f, HOSTFIX_ALL);
	assert_int_equal(hostfix__parse("syscall,step-ring3", &f), 0);
	assert_int_equal(f, HOSTFIX_SYSCALL | HOSTFIX_STEP3);
	assert_int_equal(hostfix__parse("step-ring0", &f), 0);
	assert_int_equal(f, HOSTFIX_STEP0);
	assert_int_equal(hostfix__parse("syscall,bogus", &f), -EINVAL);
}

/*
 * The self-test skips an instruction KVM refused by its decoded length: each probe's encoding
 * (guests/hostcheck/) decodes whole, xgetbv's three bytes included.
 */
static void test_probe_lengths_decode(void **state)
{
	static const struct {
		uint8_t bytes[8];
		int len;
		const char *name;
	} probes[] = {
		{ { 0xf3, 0x48, 0x0f, 0xb8, 0xc0, 0x90 }, 5, "popcnt" },
		{ { 0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc0, 0x90 }, 6, "crc32" },
		{ { 0x0f, 0x01, 0xf9, 0x90 }, 3, "rdtscp" },
		{ { 0x0f, 0x01, 0xd0, 0x90 }, 3, "xgetbv" },
		{ { 0xcd, 0x81, 0x90 }, 2, "int" },
	};
	char name[32];
	size_t i;

	(void)state;
	if (emulate__decode(probes[0].bytes, 8, 64, NULL, 0) == -EOPNOTSUPP)
		skip(); /* built without capstone: the guest's own labels give the length */
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		assert_int_equal(emulate__decode(probes[i].bytes, 8, 64, name, sizeof(name)),
				 probes[i].len);
		assert_non_null(strstr(name, probes[i].name));
	}
	/* push %es: not an instruction in 64-bit mode */
	assert_int_equal(emulate__decode((const uint8_t *)"\x06", 1, 64, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_fixups_installs_nothing),
		cmocka_unit_test(test_vmx_verdict_needs_no_fixup),
		cmocka_unit_test(test_pvm_verdicts_choose_fixups),
		cmocka_unit_test(test_debug_exit_without_fixups),
		cmocka_unit_test(test_foreign_debug_exit_not_claimed),
		cmocka_unit_test(test_emulation_not_int_n),
		cmocka_unit_test(test_parse_fixups),
		cmocka_unit_test(test_probe_lengths_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
