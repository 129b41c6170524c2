// SPDX-License-Identifier: GPL-2.0
/*
 * RTME case by case after the SDM (vol. 1 "Programming with Intel TSX" and the XBEGIN, XEND,
 * XABORT, XTEST pages): commit; XABORT 0, 0x7f and 0xff with the registers restored and the
 * store discarded; XTEST outside and inside; nesting to the maximum depth and one beyond;
 * XABORT in a nested transaction; XEND outside (#GP(0)); a LOCK prefix outside (#UD); the
 * write set over its capacity; CPUID and PAUSE inside; an interrupt inside, taken at the
 * fallback.  Then two vCPUs: a transaction's store never seen by the other vCPU, whose read
 * aborts it (CONFLICT | RETRY), and the other vCPU's store to its read set, which does too.
 * The guest checks each result; the host checks RTME's counts of each outcome.
 */
#include "harness.h"
#include "../../abi/layout.h"
#include "../../core/hostfix.h"
#include "../../guests/lib/kern.h"
#include "../../rtme/rtme.h"
#include "../../host/host.h"

KERN_DEFINE_ASM

#define WRITE_LINES 4 /* the write set's capacity in this test */
#define IRQ_VECTOR 0x40
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_PERIODIC (1u << 17)
#define RFLAGS_STATUS 0x8d5ull /* CF PF AF ZF SF OF */
#define RFLAGS_ZF 0x40ull

/* The code with RTM instructions, which RTME scans: [rtm_code, rtm_code_end). */
__asm__(".section .text.guest, \"ax\"\n"
	".globl rtm_code, rtm_code_end\n"
	"rtm_code:\n"
	/* tx_store(x): EAX = 0x12345678; XBEGIN; *x = 1; XEND.  Returns EAX. */
	"tx_store:\n"
	"	mov $0x12345678, %eax\n"
	"	xbegin 1f\n"
	"	movq $1, (%rdi)\n"
	"	xend\n"
	"1:	ret\n"
	/* name(x, rdx_out): RDX = 7; XBEGIN; *x = 1; RDX = 5; XABORT imm.  *rdx_out = RDX. */
	".macro tx_xabort name, imm\n"
	"\\name:\n"
	"	mov $7, %edx\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	movq $1, (%rdi)\n"
	"	mov $5, %edx\n"
	"	xabort $\\imm\n"
	"1:	mov %rdx, (%rsi)\n"
	"	ret\n"
	".endm\n"
	"tx_xabort tx_xabort_00, 0x00\n"
	"tx_xabort tx_xabort_7f, 0x7f\n"
	"tx_xabort tx_xabort_ff, 0xff\n"
	/* xtest_out(): RFLAGS after XTEST with CF PF AF ZF SF OF all set before it. */
	"xtest_out:\n"
	"	pushfq\n"
	"	push $0x8d7\n"
	"	popfq\n"
	"	xtest\n"
	"	pushfq\n"
	"	pop %rax\n"
	"	popfq\n"
	"	ret\n"
	/* xtest_in(): RFLAGS after XTEST inside a transaction (all ones if it aborted). */
	"xtest_in:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	xtest\n"
	"	pushfq\n"
	"	pop %rcx\n"
	"	xend\n"
	"	mov %rcx, %rax\n"
	"	ret\n"
	"1:	mov $-1, %rax\n"
	"	ret\n"
	/* nest_max(x, zf): 7 XBEGIN, *x = 1, 6 XEND, zf[0] = XTEST's ZF, XEND, zf[1] = ZF. */
	"nest_max:\n"
	"	mov $-1, %eax\n"
	"	.rept 7\n"
	"	xbegin 1f\n"
	"	.endr\n"
	"	movq $1, (%rdi)\n"
	"	.rept 6\n"
	"	xend\n"
	"	.endr\n"
	"	xtest\n"
	"	setz %cl\n"
	"	movzbq %cl, %rcx\n"
	"	mov %rcx, (%rsi)\n"
	"	xend\n"
	"	xtest\n"
	"	setz %cl\n"
	"	movzbq %cl, %rcx\n"
	"	mov %rcx, 8(%rsi)\n"
	"1:	ret\n"
	/* nest_over(x): 8 XBEGIN (one past the maximum), *x = 1, 8 XEND.  Returns EAX. */
	"nest_over:\n"
	"	mov $-1, %eax\n"
	"	.rept 8\n"
	"	xbegin 1f\n"
	"	.endr\n"
	"	movq $1, (%rdi)\n"
	"	.rept 8\n"
	"	xend\n"
	"	.endr\n"
	"1:	ret\n"
	/* nest_xabort(): XBEGIN A; XBEGIN B (its own fallback); XABORT 1: at A's fallback. */
	"nest_xabort:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	xbegin 2f\n"
	"	xabort $1\n"
	"2:	ud2\n"
	"1:	ret\n"
	/* xend_out(): XEND outside a transaction (#GP(0)). */
	"xend_out:\n"
	"	xend\n"
	"	ret\n"
	/* lock_xtest_out(): LOCK XTEST outside a transaction (#UD). */
	"lock_xtest_out:\n"
	"	.byte 0xf0, 0x0f, 0x01, 0xd6\n"
	"	ret\n"
	/* capacity(x): stores to 5 lines, one more than the write set holds. */
	"capacity:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	movq $1, (%rdi)\n"
	"	movq $1, 64(%rdi)\n"
	"	movq $1, 128(%rdi)\n"
	"	movq $1, 192(%rdi)\n"
	"	movq $1, 256(%rdi)\n"
	"	xend\n"
	"1:	ret\n"
	/* cpuid_in(rbx_out): RBX = 0x55; XBEGIN; CPUID.  *rbx_out = RBX after. */
	"cpuid_in:\n"
	"	push %rbx\n"
	"	mov $0x55, %ebx\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	xor %eax, %eax\n"
	"	cpuid\n"
	"	xend\n"
	"1:	mov %rbx, (%rdi)\n"
	"	pop %rbx\n"
	"	ret\n"
	/* pause_in(): XBEGIN; PAUSE; XEND.  Returns EAX. */
	"pause_in:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	pause\n"
	"	xend\n"
	"1:	ret\n"
	/* interrupt_in(): STI; XBEGIN; loop until something aborts it.  Returns EAX. */
	".globl interrupt_in_fallback\n"
	"interrupt_in:\n"
	"	mov $-1, %eax\n"
	"	sti\n"
	"	xbegin interrupt_in_fallback\n"
	"interrupt_in_loop:\n"
	"	jmp interrupt_in_loop\n"
	"interrupt_in_fallback:\n"
	"	cli\n"
	"	ret\n"
	/* hold_store(x): XBEGIN; *x = 1; loop until aborted.  Returns EAX. */
	"hold_store:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	movq $1, (%rdi)\n"
	"2:	jmp 2b\n"
	"1:	ret\n"
	/* hold_load(y): XBEGIN; read *y; loop until aborted.  Returns EAX. */
	"hold_load:\n"
	"	mov $-1, %eax\n"
	"	xbegin 1f\n"
	"	mov (%rdi), %rcx\n"
	"2:	jmp 2b\n"
	"1:	ret\n"
	"rtm_code_end:\n"
	/* The interrupt: count those returning to the fallback, and into the transaction. */
	"irq_stub:\n"
	"	push %rax\n"
	"	lea interrupt_in_fallback(%rip), %rax\n"
	"	cmp %rax, 8(%rsp)\n"
	"	jne 1f\n"
	"	incq irq_at_fallback(%rip)\n"
	"1:	lea interrupt_in_loop(%rip), %rax\n"
	"	cmp %rax, 8(%rsp)\n"
	"	jne 2f\n"
	"	incq irq_in_tx(%rip)\n"
	"2:\n"
	"	mov $0xfee000b0, %eax\n"
	"	movl $0, (%rax)\n"
	"	pop %rax\n"
	"	iretq\n"
	".previous\n");

extern char rtm_code[], rtm_code_end[], interrupt_in_fallback[];
void irq_stub(void);
uint32_t tx_store(uint64_t *x);
uint32_t tx_xabort_00(uint64_t *x, uint64_t *rdx), tx_xabort_7f(uint64_t *x, uint64_t *rdx);
uint32_t tx_xabort_ff(uint64_t *x, uint64_t *rdx);
uint64_t xtest_out(void), xtest_in(void);
uint32_t nest_max(uint64_t *x, uint64_t *zf), nest_over(uint64_t *x), nest_xabort(void);
void xend_out(void), lock_xtest_out(void);
uint32_t capacity(uint64_t *x), cpuid_in(uint64_t *rbx), pause_in(void), interrupt_in(void);
uint32_t hold_store(uint64_t *x), hold_load(uint64_t *y);

volatile uint64_t irq_at_fallback, irq_in_tx;

/* Each in its own 64-byte line (lines[0..4] for the capacity case). */
static struct {
	uint64_t v;
	uint8_t pad[56];
} lines[8] __attribute__((aligned(64)));

static volatile uint64_t trap_vector, trap_error, trap_rip;

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	trap_vector = f->vector;
	trap_error = f->error;
	trap_rip = f->rip;
	f->rip += f->vector == 6 ? 4 : 3; /* past LOCK XTEST, or past XEND */
}

GUEST_INLINE void lapic_write(uint32_t reg, uint32_t v)
{
	guest_mmio_write32(GPA_LAPIC + reg, v);
}

static GUEST_CODE void reset_lines(void)
{
	int i;

	for (i = 0; i < 8; i++)
		lines[i].v = 0;
}

static GUEST_CODE void check_xabort(uint32_t (*fn)(uint64_t *, uint64_t *), uint32_t imm)
{
	uint64_t rdx = 0;

	reset_lines();
	GUEST_ASSERT_EQ(fn(&lines[0].v, &rdx), imm << 24 | 1); /* EXPLICIT, no RETRY */
	GUEST_ASSERT_EQ(rdx, 7); /* restored */
	GUEST_ASSERT_EQ(lines[0].v, 0); /* discarded */
}

static GUEST_CODE void check_nesting(void)
{
	uint64_t zf[2] = { 9, 9 };

	reset_lines();
	GUEST_ASSERT_EQ(nest_max(&lines[0].v, zf), 0xffffffff); /* committed: EAX untouched */
	GUEST_ASSERT_EQ(zf[0], 0); /* still in the transaction after 6 of 7 XEND */
	GUEST_ASSERT_EQ(zf[1], 1);
	GUEST_ASSERT_EQ(lines[0].v, 1);
	reset_lines();
	GUEST_ASSERT_EQ(nest_over(&lines[0].v), 0x28); /* CAPACITY | NESTED */
	GUEST_ASSERT_EQ(lines[0].v, 0);
	GUEST_ASSERT_EQ(nest_xabort(), 0x01000021); /* XABORT 1, NESTED: at the outer fallback */
}

static GUEST_CODE void check_faults(void)
{
	trap_vector = 0;
	xend_out();
	GUEST_ASSERT_EQ(trap_vector, 13);
	GUEST_ASSERT_EQ(trap_error, 0);
	GUEST_ASSERT_EQ(trap_rip, (uint64_t)xend_out);
	trap_vector = 0;
	lock_xtest_out();
	GUEST_ASSERT_EQ(trap_vector, 6);
	GUEST_ASSERT_EQ(trap_rip, (uint64_t)lock_xtest_out);
}

static GUEST_CODE void check_aborting(void)
{
	uint64_t rbx = 0;
	int i;

	reset_lines();
	GUEST_ASSERT_EQ(capacity(&lines[0].v), 0x08);
	for (i = 0; i < 5; i++)
		GUEST_ASSERT_EQ(lines[i].v, 0);
	GUEST_ASSERT_EQ(cpuid_in(&rbx), 0);
	GUEST_ASSERT_EQ(rbx, 0x55);
	GUEST_ASSERT_EQ(pause_in(), 0);
}

static GUEST_CODE void check_interrupt(void)
{
	kern_set_gate(IRQ_VECTOR, irq_stub, 0, 0);
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, IRQ_VECTOR | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, 100000);
	GUEST_ASSERT_EQ(interrupt_in(), 0);
	lapic_write(LAPIC_TIMER_INIT, 0);
	/* The timer's interrupt came inside: taken after the abort, at the fallback. */
	GUEST_ASSERT(irq_at_fallback >= 1);
	GUEST_ASSERT_EQ(irq_in_tx, 0);
}

static GUEST_CODE void one_vcpu(void)
{
	uint64_t f;

	reset_lines();
	GUEST_ASSERT_EQ(tx_store(&lines[0].v), 0x12345678);
	GUEST_ASSERT_EQ(lines[0].v, 1);
	check_xabort(tx_xabort_00, 0);
	check_xabort(tx_xabort_7f, 0x7f);
	check_xabort(tx_xabort_ff, 0xff);
	f = xtest_out();
	GUEST_ASSERT_EQ(f & RFLAGS_STATUS, RFLAGS_ZF);
	f = xtest_in();
	GUEST_ASSERT(f != ~0ull); /* the transaction with XTEST committed */
	GUEST_ASSERT_EQ(f & RFLAGS_STATUS, 0);
	check_nesting();
	check_faults();
	check_aborting();
	check_interrupt();
}

static volatile int ready, done;

/*
 * vCPU 0 holds a transaction; vCPU 1 reads its store, then writes what it read.  vCPU 1 keeps
 * reading, then keeps writing, so that an access of its comes after the transaction's own
 * whichever vCPU runs first.
 */
static GUEST_CODE void two_vcpus(uint64_t id)
{
	if (id == 1) {
		while (!ready)
			__asm__ volatile("pause");
		while (!done)
			GUEST_ASSERT_EQ(*(volatile uint64_t *)&lines[0].v, 0); /* never seen */
		while (ready != 2)
			__asm__ volatile("pause");
		for (;;)
			*(volatile uint64_t *)&lines[1].v = 1;
	}
	ready = 1;
	GUEST_ASSERT_EQ(hold_store(&lines[0].v), 0x06); /* CONFLICT | RETRY */
	done = 1;
	GUEST_ASSERT_EQ(lines[0].v, 0);
	ready = 2;
	GUEST_ASSERT_EQ(hold_load(&lines[1].v), 0x06);
	GUEST_ASSERT_EQ(lines[1].v, 1);
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	if (id == 0) {
		kern_init();
		kern_trap_fn = on_trap;
		GUEST_SYNC(0, 0, 0); /* an exit: RTME takes over the #BP handler just loaded */
	}
	if (nr == 1)
		one_vcpu();
	else
		two_vcpus(id);
	GUEST_DONE();
}

static int run(int nr_vcpus, struct rtme_stats *st)
{
	struct tvm_opts o = { .entry = guest_code, .nr_vcpus = nr_vcpus };
	struct rtme_opts ro = { .write_lines = WRITE_LINES };
	struct vm vm;
	int status, found;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!host__setup(&vm, HOSTFIX_AUTO), "%s", err__last());
	TEST_ASSERT(!rtme__setup(&vm, &ro), "%s", err__last());
	found = rtme__add_code(&vm, (uintptr_t)rtm_code, rtm_code_end - rtm_code,
			       (uintptr_t)rtm_code);
	TEST_ASSERT(found == 58, "%d RTM instructions found in the test's code; it has 58", found);
	status = tvm_run(&vm, 120);
	rtme__stats(&vm, st);
	rtme__free(&vm);
	vm__destroy(&vm);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	return 0;
}

static int test_one_vcpu(void)
{
	struct rtme_stats st;

	if (run(1, &st))
		return -1;
	/* tx_store, xtest_in, nest_max commit; the rest abort, each for its cause. */
	TEST_ASSERT(st.commits == 3, "%llu commits; expected 3", (unsigned long long)st.commits);
	TEST_ASSERT(
		st.aborts[RTM_C_XABORT] == 4 && st.aborts[RTM_C_NEST] == 1 &&
			st.aborts[RTM_C_CAPACITY] == 1 && st.aborts[RTM_C_INSN] == 2 &&
			st.aborts[RTM_C_ASYNC] == 1 && st.aborts[RTM_C_CONFLICT] == 0,
		"aborts: xabort %llu nesting %llu capacity %llu instruction %llu interrupt %llu "
		"conflict %llu; expected 4 1 1 2 1 0",
		(unsigned long long)st.aborts[RTM_C_XABORT],
		(unsigned long long)st.aborts[RTM_C_NEST],
		(unsigned long long)st.aborts[RTM_C_CAPACITY],
		(unsigned long long)st.aborts[RTM_C_INSN],
		(unsigned long long)st.aborts[RTM_C_ASYNC],
		(unsigned long long)st.aborts[RTM_C_CONFLICT]);
	return 0;
}

static int test_two_vcpus(void)
{
	struct rtme_stats st;

	if (run(2, &st))
		return -1;
	TEST_ASSERT(st.aborts[RTM_C_CONFLICT] == 2 && st.commits == 0,
		    "%llu conflicts, %llu commits; expected 2 and 0",
		    (unsigned long long)st.aborts[RTM_C_CONFLICT], (unsigned long long)st.commits);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "commit, XABORT 0/0x7f/0xff, XTEST, nesting, #GP, #UD, capacity, CPUID, PAUSE, "
		  "an interrupt: each as the SDM has it",
		  test_one_vcpu },
		{ "two vCPUs: a transactional store never seen, a read and a write that conflict",
		  test_two_vcpus },
	};

	return harness_main(cases, 2);
}
