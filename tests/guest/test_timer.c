// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC is usable by guests: the guest installs its own IDT, programs the
 * LAPIC timer (one-shot, then periodic) and takes its interrupts, waking from HLT each time.
 */
#include "harness.h"
#include "../../guests/lib/kern.h"

#define TIMER_VECTOR 0x40
#define LAPIC_SVR 0xf0
#define LAPIC_EOI 0xb0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_PERIODIC (1u << 17)

static volatile uint64_t ticks;

/* Interrupt handler: count, end the interrupt at the LAPIC, return. */
__asm__(".section .text.guest, \"ax\"\n"
	"timer_isr:\n"
	"	push %rax\n"
	"	lock incq ticks(%rip)\n"
	"	mov $0xfee000b0, %eax\n"
	"	movl $0, (%rax)\n"
	"	pop %rax\n"
	"	iretq\n"
	".previous\n");
void timer_isr(void);

GUEST_INLINE void lapic_write(uint32_t reg, uint32_t v)
{
	guest_mmio_write32(GPA_LAPIC + reg, v);
}

static GUEST_CODE void wait_ticks(uint64_t n)
{
	while (ticks < n)
		__asm__ volatile("sti; hlt; cli");
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_set_gate(TIMER_VECTOR, timer_isr, 0, 0);
	kern_load_idt();
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_INIT, 200000);
	wait_ticks(1);
	GUEST_SYNC(1, ticks, 0);
	lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_INIT, 200000);
	wait_ticks(4);
	lapic_write(LAPIC_TIMER_INIT, 0);
	GUEST_SYNC(2, ticks, 0);
	GUEST_DONE();
}

struct timer_log {
	uint64_t ticks[3];
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct timer_log *log = opaque;

	(void)v;
	if (uc->cmd == UCALL_SYNC && uc->args[0] < 3)
		log->ticks[uc->args[0]] = uc->args[1];
}

static int test_lapic_timer(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct timer_log log = { { 0 } };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &log;
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	TEST_ASSERT(log.ticks[1] >= 1, "one-shot: %llu ticks", (unsigned long long)log.ticks[1]);
	TEST_ASSERT(log.ticks[2] >= 4, "periodic: %llu ticks", (unsigned long long)log.ticks[2]);
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "lapic_timer_interrupts",
						       test_lapic_timer } };

	return harness_main(cases, 1);
}
