// SPDX-License-Identifier: GPL-2.0
/*
 * Boot.  Every vCPU enters at _start (entry.S) in long mode at ring 0 on the VMM's identity
 * map, with RDI = its index and RSI = the vCPU count.  CPU 0 builds the kernel (page tables,
 * IDT, time, file system, the init process) while the others wait; then each CPU sets up
 * its own GDT, TSS, SYSCALL MSRs and LAPIC timer and schedules from the shared run queue.
 *
 * Kernel options are the leading name=value words of the command line (tsx=on|off); the
 * rest is for init.  /proc/cmdline holds the whole line.
 */
#include "kernel.h"

extern int kopt_tsx;
extern int kopt_hz;

static char cmdline[BOOTINFO_CMDLINE_MAX];

static const struct bootinfo *bootinfo_get(void)
{
	const struct bootinfo *bi = (const struct bootinfo *)GPA_BOOTINFO;

	if (bi->magic != BOOTINFO_MAGIC || bi->version != BOOTINFO_VERSION)
		return NULL;
	return bi;
}

static int word_is(const char *w, const char *end, const char *opt)
{
	int n = strlen(opt);

	return end - w == n && !strncmp(w, opt, n);
}

/* hz=N: the timer's rate, 10 to 1000 (anything else keeps HZ). */
static int parse_hz(const char *p, const char *end)
{
	int v = 0;

	for (; p < end && *p >= '0' && *p <= '9' && v <= 1000; p++)
		v = 10 * v + (*p - '0');
	return p == end && v >= 10 && v <= 1000 ? v : HZ;
}

/* Apply each leading "name=value" word that the kernel knows. */
static void parse_options(const char *s)
{
	for (;;) {
		const char *w, *eq = NULL;

		while (*s == ' ')
			s++;
		for (w = s; *s && *s != ' '; s++)
			if (*s == '=' && !eq)
				eq = s;
		if (!eq)
			return;
		if (word_is(w, s, "tsx=on"))
			kopt_tsx = 1;
		else if (word_is(w, s, "tsx=off"))
			kopt_tsx = 0;
		else if (eq - w == 2 && !strncmp(w, "hz", 2))
			kopt_hz = parse_hz(eq + 1, s);
	}
}

void kmain(uint64_t id, uint64_t nr_vcpus)
{
	const struct bootinfo *bi = bootinfo_get();
	int ncpus = nr_vcpus < MAX_CPUS ? (int)nr_vcpus : MAX_CPUS;

	(void)id;
	console_init();
	strncpy0(cmdline, bi ? bi->cmdline : BOOTINFO_DEFAULT_CMDLINE, sizeof(cmdline));
	boot_wallclock_ns = bi ? bi->wallclock_ns : 0;
	parse_options(cmdline);
	mm_init(bi);
	idt_init();
	cpu_init(0);
	cpu_features_init();
	pic_disable();
	time_calibrate();
	lapic_init();
	fs_init(cmdline, ncpus);
	kprintf("vmscope guest kernel: %d CPU%s, %lu MiB RAM, TSC %lu MHz, RTM %s\n", ncpus,
		ncpus > 1 ? "s" : "", ram_top >> 20, tsc_hz / 1000000,
		cpu_has_rtm() ? "reported" : "not reported");
	klock();
	nr_cpus = ncpus;
	proc_start_init();
	__atomic_store_n(&smp_go, 1, __ATOMIC_RELEASE); /* pairs with the APs' wait in entry.S */
	idle_loop();
}

void ap_main(uint64_t id)
{
	if (id >= MAX_CPUS)
		for (;;)
			__asm__ volatile("cli; hlt");
	write_cr3(kernel_pml4);
	cpu_init(id);
	lapic_init();
	klock();
	idle_loop();
}
