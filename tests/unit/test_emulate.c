// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction executor (core/emulate.h) around the instructions: operand addressing in
 * each mode, the exceptions it raises (#PF, #GP, #SS, #UD) and how it injects them, what it
 * refuses to execute and how it says so, the exit hook, and a seeded fuzz loop.  The
 * instructions' semantics are in test_emulate_insns.c.
 */
#include "emulate_fixture.h"

#ifdef HAVE_CAPSTONE

/* ---- memory operands ---- */

static void test_memory_operands(void **state)
{
	struct fx *f = *state;
	int paging;

	for (paging = 0; paging < 2; paging++) {
		long_mode(f, paging);
		/* popcnt rcx, [rsi + rdi*4 + 8] */
		put64(f, DATA + 0x48, 0xff00ff00ff00ff00ull);
		regs(f)->rsi = DATA;
		regs(f)->rdi = 0x10;
		exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x4c, 0xbe, 0x08));
		assert_int_equal(regs(f)->rcx, 32);

		/* popcnt rax, [rip + 0x100]: RIP after the 9-byte instruction */
		put64(f, CODE + 9 + 0x100, 0x7);
		exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x05, 0x00, 0x01, 0x00, 0x00));
		assert_int_equal(regs(f)->rax, 3);

		/* popcnt rax, fs:[0x40] */
		sregs(f)->fs.base = DATA + 0x1000;
		put64(f, DATA + 0x1040, 0xf);
		exec_ok(f, B(0x64, 0xf3, 0x48, 0x0f, 0xb8, 0x04, 0x25, 0x40, 0x00, 0x00, 0x00));
		assert_int_equal(regs(f)->rax, 4);

		/* popcnt rax, [esi]: 32-bit address size drops RSI's upper half */
		regs(f)->rsi = 0xabcd00000000ull | (DATA + 0x2000);
		put64(f, DATA + 0x2000, 0x1f);
		exec_ok(f, B(0x67, 0xf3, 0x48, 0x0f, 0xb8, 0x06));
		assert_int_equal(regs(f)->rax, 5);

		/* popcnt rax, [rsp]: DS/SS have no base in 64-bit mode */
		sregs(f)->ss.base = 0x1000;
		regs(f)->rsp = DATA + 0x3000;
		put64(f, DATA + 0x3000, 0x3f);
		exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x04, 0x24));
		assert_int_equal(regs(f)->rax, 6);
	}
}

/* 32-bit protected mode: every segment has a base, addresses wrap at 4 GiB. */
static void test_protected_mode(void **state)
{
	struct fx *f = *state;

	long_mode(f, 0);
	set_segment(&sregs(f)->cs, 0x08, 11, 0, 1);
	sregs(f)->efer = 0;
	sregs(f)->cr4 = 0;
	sregs(f)->ds.base = DATA;
	put64(f, DATA + 0x104, 0xffff);
	regs(f)->rbx = 0x100;
	/* popcnt eax, [ebx + 4] */
	exec_ok(f, B(0xf3, 0x0f, 0xb8, 0x43, 0x04));
	assert_int_equal(regs(f)->rax, 16);
	/* andn eax, ebx, [ecx]: 32-bit BMI, ds base again */
	regs(f)->rbx = 0xf0;
	regs(f)->rcx = 0x104;
	exec_ok(f, B(0xc4, 0xe2, 0x60, 0xf2, 0x01));
	assert_int_equal(regs(f)->rax, 0xff0f);
}

/* ---- exceptions ---- */

static void check_cr2(struct fx *f, uint64_t cr2)
{
	assert_true(f->last_dirty & KVM_SYNC_X86_SREGS);
	assert_int_equal(sregs(f)->cr2, cr2);
}

static void test_page_faults(void **state)
{
	struct fx *f = *state;

	long_mode(f, 1);
	regs(f)->rax = 0x1234;
	/* popcnt rax, [rdi] on an address without a PDE: #PF, not present, read */
	regs(f)->rdi = UNMAPPED + 0x10;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07), EMULATE_PF, 0);
	check_cr2(f, UNMAPPED + 0x10);
	/* a not-present PTE */
	regs(f)->rdi = NP_PAGE + 0x20;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07), EMULATE_PF, 0);
	check_cr2(f, NP_PAGE + 0x20);
	/* a read that crosses into the not-present page faults at the page start */
	regs(f)->rdi = NP_PAGE - 4;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07), EMULATE_PF, 0);
	check_cr2(f, NP_PAGE);
	/* cmpxchg16b on a read-only page: present | write */
	regs(f)->rdi = RO_PAGE;
	exec_fault(f, B(0x48, 0x0f, 0xc7, 0x0f), EMULATE_PF, EMULATE_PF_PRESENT | EMULATE_PF_WRITE);
	check_cr2(f, RO_PAGE);
	/* ... which CR0.WP = 0 allows at ring 0 */
	sregs(f)->cr0 &= ~(1ull << 16);
	exec_ok(f, B(0x48, 0x0f, 0xc7, 0x0f));
	/* reading a read-only page is fine */
	regs(f)->rdi = RO_PAGE;
	exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07));
	/* SMAP: a user page faults unless RFLAGS.AC */
	sregs(f)->cr4 |= 1ull << 21;
	regs(f)->rdi = USER_PAGE;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07), EMULATE_PF, EMULATE_PF_PRESENT);
	regs(f)->rflags |= AC;
	exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07));
	assert_int_equal(regs(f)->rax, 0); /* the page holds zeroes */
}

static void test_noncanonical(void **state)
{
	struct fx *f = *state;

	long_mode(f, 1);
	regs(f)->rdi = 0x0000800000000000ull;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07), EMULATE_GP, 0);
	/* through RSP: #SS(0) */
	regs(f)->rsp = 0x0000800000000000ull;
	exec_fault(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x04, 0x24), EMULATE_SS, 0);
}

static void test_lock_prefix(void **state)
{
	struct fx *f = *state;

	/* lock popcnt rbx, rax: #UD (capstone hides this LOCK behind the F3) */
	exec_fault(f, B(0xf0, 0xf3, 0x48, 0x0f, 0xb8, 0xd8), EMULATE_UD, -1);
	/* 66 or F3 before VEX (andn rcx, rbx, rax): #UD; a segment override is fine */
	exec_fault(f, B(0x66, 0xc4, 0xe2, 0xe0, 0xf2, 0xc8), EMULATE_UD, -1);
	exec_fault(f, B(0xf3, 0xc4, 0xe2, 0xe0, 0xf2, 0xc8), EMULATE_UD, -1);
	exec_ok(f, B(0x2e, 0xc4, 0xe2, 0xe0, 0xf2, 0xc8));
	/* lock before VEX does not decode: explained, not executed */
	assert_int_equal(exec(f, B(0xf0, 0xc4, 0xe2, 0xe0, 0xf2, 0xc8)), 0);
}

static void test_flags_only(void **state)
{
	struct fx *f = *state;

	regs(f)->rflags = 0x2 | CF;
	exec_ok(f, B(0x0f, 0x01, 0xcb)); /* stac */
	assert_int_equal(regs(f)->rflags, 0x2 | CF | AC);
	regs(f)->rflags |= RF;
	exec_ok(f, B(0x0f, 0x01, 0xca)); /* clac, and RF cleared */
	assert_int_equal(regs(f)->rflags, 0x2 | CF);
}

static void test_xgetbv_rdtscp_without_kvm(void **state)
{
	struct fx *f = *state;
	uint32_t eax, ebx, ecx, edx;

	/* xgetbv without CR4.OSXSAVE: #UD */
	exec_fault(f, B(0x0f, 0x01, 0xd0), EMULATE_UD, -1);
	/* XCR2 does not exist: #GP(0) */
	sregs(f)->cr4 |= 1ull << 18;
	regs(f)->rcx = 2;
	exec_fault(f, B(0x0f, 0x01, 0xd0), EMULATE_GP, 0);
	/* XINUSE: #GP(0) unless a CPUID (here only the host's) has CPUID(0xd, 1).EAX[2] */
	regs(f)->rcx = 1;
	__asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0xd), "c"(1));
	if (eax & 4) /* leaf 0xd exists on every host with xgetbv */
		assert_true(exec(f, B(0x0f, 0x01, 0xd0)) < 0);
	else
		exec_fault(f, B(0x0f, 0x01, 0xd0), EMULATE_GP, 0);
	/* XCR0 and rdtscp need the vCPU fd: a VMM error, not a crash */
	regs(f)->rcx = 0;
	assert_true(exec(f, B(0x0f, 0x01, 0xd0)) < 0);
	assert_true(exec(f, B(0x0f, 0x01, 0xf9)) < 0);
	assert_int_equal(regs(f)->rip, CODE);
}

/* ---- what is not executed ---- */

struct refusal {
	const uint8_t bytes[8];
	int len;
	const char *mnemonic, *hex, *advice;
};

static const struct refusal refusals[] = {
	{ { 0x66, 0x0f, 0xef, 0xc0 }, 4, "pxor", "66 0f ef c0", "-mgeneral-regs-only" },
	{ { 0xc5, 0xf8, 0x77 }, 3, "vzeroupper", "c5 f8 77", "-mgeneral-regs-only" },
	{ { 0x66, 0x48, 0x0f, 0x6e, 0xc0 }, 5, "movq", "66 48 0f 6e c0", "-mgeneral-regs-only" },
	{ { 0xd9, 0xe8 }, 2, "fld1", "d9 e8", "x87" },
	{ { 0x0f, 0xae, 0x27 }, 3, "xsave", "0f ae 27", "fxsave" },
	{ { 0x66, 0x0f, 0x38, 0xdc, 0xd1 }, 5, "aesenc", "66 0f 38 dc d1", "ring 3" },
	{ { 0x0f, 0x3a, 0xcc, 0xd1, 0x01 }, 5, "sha1rnds4", "0f 3a cc d1 01", "ring 3" },
	{ { 0x0f, 0x01, 0xc1 }, 3, "vmcall", "0f 01 c1", "port I/O" },
	{ { 0xcc }, 1, "int3", "cc", "host adaptation" },
	{ { 0xcd, 0x80 }, 2, "int 0x80", "cd 80", "host adaptation" },
	{ { 0x0f, 0x01, 0xd5 }, 3, "xend", "0f 01 d5", "RTM" },
	{ { 0x0f, 0x01, 0xd6 }, 3, "xtest", "0f 01 d6", "RTM" },
	{ { 0x0f, 0xc7, 0x0f }, 3, "cmpxchg8b", "0f c7 0f", "ring 3" },
};

static void test_not_executed(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];

		regs(f)->rip = 0x401234;
		assert_int_equal(exec(f, r->bytes, r->len), 0);
		if (!strstr(f->why, r->mnemonic) || !strstr(f->why, r->hex) ||
		    !strstr(f->why, r->advice) || !strstr(f->why, "0x401234"))
			fail_msg("message for %s: %s", r->mnemonic, f->why);
		assert_int_equal(regs(f)->rip, 0x401234);
		assert_int_equal(f->run->kvm_dirty_regs, 0);
	}
}

static void test_ring3(void **state)
{
	struct fx *f = *state;

	sregs(f)->cs.dpl = 3;
	regs(f)->rax = 0xff;
	assert_int_equal(exec(f, B(0xf3, 0x48, 0x0f, 0xb8, 0xd8)), 0);
	assert_non_null(strstr(f->why, "popcnt"));
	assert_non_null(strstr(f->why, "ring 3"));
	assert_int_equal(regs(f)->rbx, 0);
}

static void test_truncated(void **state)
{
	static const uint8_t full[] = { 0xf3, 0x48, 0x0f, 0xb8, 0x4c, 0xbe, 0x08 };
	struct fx *f = *state;
	size_t n;

	for (n = 0; n < sizeof(full); n++) {
		int ret = emulate__insn(&f->v, full, (int)n, f->why, sizeof(f->why));

		assert_true(ret <= 0);
		assert_true(f->why[0] != '\0');
		assert_int_equal(regs(f)->rip, CODE);
	}
	assert_int_equal(emulate__insn(&f->v, NULL, 0, f->why, sizeof(f->why)), 0);
	/* a tiny message buffer is truncated, not overrun */
	assert_int_equal(emulate__insn(&f->v, B(0xcc), f->why, 8), 0);
	assert_int_equal(strlen(f->why), 7);
}

/* ---- memory that is not RAM ---- */

static int mmio_read(struct vcpu *v, void *opaque, uint64_t gpa, int len, int is_write,
		     uint8_t *data)
{
	(void)v;
	(void)is_write;
	*(int *)opaque = len;
	memset(data, 0, len);
	data[0] = (uint8_t)(gpa - MMIO_GPA + 1);
	return 0;
}

static void test_mmio(void **state)
{
	struct fx *f = *state;
	int len = 0;

	long_mode(f, 0);
	/* popcnt rax, [rdi] with nothing there: reads all-ones, counted as unhandled */
	regs(f)->rdi = MMIO_GPA;
	exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07));
	assert_int_equal(regs(f)->rax, 64);
	assert_int_equal(f->v.stats.extra[EXIT_X_MMIO_UNHANDLED], 1);
	/* a hooked range answers */
	assert_int_equal(hooks__add_mmio(&f->vm.hooks, MMIO_GPA, 0x1000, "t", mmio_read, &len), 0);
	regs(f)->rdi = MMIO_GPA + 6;
	exec_ok(f, B(0xf3, 0x48, 0x0f, 0xb8, 0x07));
	assert_int_equal(len, 8);
	assert_int_equal(regs(f)->rax, 3); /* popcnt(7) */
	/* cmpxchg16b there is refused with a reason */
	regs(f)->rdi = MMIO_GPA;
	assert_int_equal(exec(f, B(0x48, 0x0f, 0xc7, 0x0f)), 0);
	assert_non_null(strstr(f->why, "not RAM"));
}

/* ---- the exit hook ---- */

static void fake_failure(struct kvm_run *run, const uint8_t *bytes, size_t len)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 4;
	run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = (uint8_t)len;
	memcpy(run->emulation_failure.insn_bytes, bytes, len);
}

static void test_hook(void **state)
{
	struct fx *f = *state;

	/* not an emulation failure: passed on */
	f->run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	f->run->emulation_failure.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	assert_int_equal(emulate__hook(&f->v, NULL, f->run), 0);
	/* executed and counted */
	fake_failure(f->run, B(0xf3, 0x48, 0x0f, 0xb8, 0xd8));
	regs(f)->rax = 0xf;
	assert_int_equal(emulate__hook(&f->v, NULL, f->run), 1);
	assert_int_equal(regs(f)->rbx, 4);
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_EMULATE], 1);
	assert_false(f->vm.stopping);
	/* not executed: the VM stops with the instruction's name */
	fake_failure(f->run, B(0xc5, 0xf8, 0x77));
	assert_int_equal(emulate__hook(&f->v, NULL, f->run), -1);
	assert_true(f->vm.stopping);
	assert_int_equal(f->vm.exit_status, VM_STATUS_GUEST_FAILURE);
	assert_non_null(strstr(f->vm.stop_reason, "vzeroupper"));
	assert_non_null(strstr(f->vm.stop_reason, "c5 f8 77"));
	assert_int_equal(f->v.stats.extra[EXIT_X_FIX_EMULATE], 1);
}

/* ---- robustness ---- */

static void random_state(struct fx *f)
{
	struct kvm_regs *r = regs(f);
	__u64 *g = &r->rax; /* rax ... r15 are 16 consecutive fields */
	int i;

	long_mode(f, rnd() & 1);
	for (i = 0; i < 16; i++)
		g[i] = rnd() & 1 ? rnd() % RAM_SIZE : rnd();
	r->rflags = 0x2 | (rnd() & (ARITH | AC));
	sregs(f)->fs.base = rnd() & 1 ? 0 : rnd();
	if (rnd() % 4 == 0) {
		set_segment(&sregs(f)->cs, 0x08, 11, 0, rnd() & 1);
		sregs(f)->efer = 0;
		sregs(f)->cr0 &= ~(1ull << 31);
	}
}

static void test_fuzz(void **state)
{
	static const uint8_t prefixes[][4] = {
		{ 0 },		{ 0xf3, 0x0f },	      { 0xf2, 0x0f, 0x38 }, { 0xc4, 0xe2 },
		{ 0xc4, 0xe3 }, { 0x48, 0x0f, 0xc7 }, { 0x0f, 0x01 },
	};
	struct fx *f = *state;
	uint8_t bytes[16];
	int i, j, n, ret, executed = 0;

	rng_state = 12345;
	for (i = 0; i < 30000; i++) {
		const uint8_t *p = prefixes[rnd() % (sizeof(prefixes) / sizeof(prefixes[0]))];
		int np = p[0] ? (p[2] ? (p[3] ? 4 : 3) : 2) : 0;

		random_state(f);
		n = 1 + rnd() % 15;
		for (j = 0; j < n; j++)
			bytes[j] = j < np ? p[j] : (uint8_t)rnd();
		ret = emulate__insn(&f->v, bytes, n, f->why, sizeof(f->why));
		if (ret == 0)
			assert_true(f->why[0] != '\0');
		executed += ret == 1;
	}
	assert_true(executed > 100);
}

#else /* !HAVE_CAPSTONE */

static void test_without_capstone(void **state)
{
	struct fx *f = *state;

	assert_int_equal(exec(f, B(0xf3, 0x48, 0x0f, 0xb8, 0xd8)), 0);
	assert_non_null(strstr(f->why, "capstone"));
	assert_non_null(strstr(f->why, "f3 48 0f b8 d8"));
}

#endif

static void test_inject(void **state)
{
	struct fx *f = *state;

	assert_int_equal(emulate__inject(&f->v, 14, 1, 0x3, 0xdead000), 0);
	assert_int_equal(events(f)->exception.injected, 1);
	assert_int_equal(events(f)->exception.nr, 14);
	assert_int_equal(events(f)->exception.error_code, 3);
	assert_int_equal(sregs(f)->cr2, 0xdead000);
	assert_true(f->run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS);
	assert_true(emulate__inject(&f->v, 2, 0, 0, 0) < 0);
	assert_true(emulate__inject(&f->v, 32, 0, 0, 0) < 0);
	/* without synced events the ioctl is used, and fails on this fake vCPU */
	f->run->kvm_valid_regs &= ~KVM_SYNC_X86_EVENTS;
	assert_true(emulate__inject(&f->v, 6, 0, 0, 0) < 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef HAVE_CAPSTONE
		T(test_memory_operands),
		T(test_protected_mode),
		T(test_page_faults),
		T(test_noncanonical),
		T(test_lock_prefix),
		T(test_flags_only),
		T(test_xgetbv_rdtscp_without_kvm),
		T(test_not_executed),
		T(test_ring3),
		T(test_truncated),
		T(test_mmio),
		T(test_hook),
		T(test_fuzz),
#else
		T(test_without_capstone),
#endif
		T(test_inject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
