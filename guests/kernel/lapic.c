// SPDX-License-Identifier: GPL-2.0
/*
 * Time and the local APIC: the legacy PIC is remapped and masked, the TSC and the LAPIC timer
 * are calibrated against PIT channel 2 (as Linux's quick PIT calibration does), each CPU runs
 * a periodic LAPIC timer at HZ, and CPUs wake each other with IPIs.
 */
#include "kernel.h"

#define MSR_APIC_BASE 0x1b
#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_BUSY (1u << 12)

#define PIT_HZ 1193182ull
#define CALIBRATE_MS 10

uint64_t tsc_hz;
int kopt_hz = HZ; /* hz=N on the command line */
uint64_t boot_wallclock_ns;
static uint64_t tsc_boot, ns_mult; /* ns = (tsc - tsc_boot) * ns_mult >> 32 */
static uint32_t lapic_timer_hz; /* timer counts per second at divide-by-16 */
static uint64_t lapic_base = GPA_LAPIC;

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(lapic_base + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(lapic_base + reg) = v;
}

/* Remap the 8259 pair away from the exception vectors and mask every line: the LAPIC rules. */
void pic_disable(void)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x30 }, { 0xa1, 0x38 }, { 0x21, 0x04 },
		{ 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 }, { 0x21, 0xff }, { 0xa1, 0xff },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seq); i++)
		outb(seq[i][0], seq[i][1]);
}

/* PIT channel 0's current count (latched, so both bytes belong together). */
static uint32_t pit_read(void)
{
	uint32_t lo, hi;

	outb(0x43, 0x00);
	lo = inb(0x40);
	hi = inb(0x40);
	return hi << 8 | lo;
}

/*
 * Count TSC cycles and LAPIC-timer ticks while PIT channel 0 (1.193182 MHz, mode 0 from
 * 0xffff) counts down CALIBRATE_MS worth.  Channel 0's counter is the part of the PIT every
 * PC model has; no interrupt is involved (the PIC is masked).
 */
void time_calibrate(void)
{
	uint32_t want = PIT_HZ * CALIBRATE_MS / 1000, start, now, cur;
	uint64_t t0, t1, polls = 0;

	lapic_base = rdmsr(MSR_APIC_BASE) & PTE_ADDR;
	outb(0x43, 0x30);
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	start = pit_read();
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	t0 = rdtsc();
	do {
		now = pit_read();
		if (++polls > 10000000)
			panic("the PIT does not count: no time source (is the irqchip off?)");
	} while (now > start || start - now < want);
	t1 = rdtsc();
	cur = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	tsc_hz = (t1 - t0) * PIT_HZ / (start - now);
	lapic_timer_hz = (uint64_t)(0xffffffffu - cur) * PIT_HZ / (start - now);
	ns_mult = (1000000000ull << 32) / tsc_hz;
	tsc_boot = rdtsc();
}

uint64_t time_ns(void)
{
	unsigned __int128 d = (unsigned __int128)(rdtsc() - tsc_boot) * ns_mult;

	return (uint64_t)(d >> 32);
}

int lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

/* This CPU's LAPIC: enabled, LINT pins and errors masked, periodic timer at hz= (HZ). */
void lapic_init(void)
{
	struct cpu *c = this_cpu();

	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	c->apic_id = lapic_id();
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, lapic_timer_hz / kopt_hz);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_send_ipi(int apic_id, int vector)
{
	while (lapic_read(LAPIC_ICR_LO) & ICR_BUSY)
		__asm__ volatile("pause");
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, vector); /* fixed delivery, physical destination */
}
