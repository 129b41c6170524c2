// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU setup: GDT and TSS (one each per CPU, Linux's selector order), the SYSCALL MSRs and
 * GS, and the CPUID features the kernel reports in /proc/cpuinfo.
 */
#include "../../abi/cpuid.h"
#include "kernel.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)
#define SFMASK_BITS 0x47700ull /* TF, IF, DF, IOPL, NT, AC: as Linux */

struct cpu cpus[MAX_CPUS];
int nr_cpus;
int kopt_tsx; /* tsx=on on the command line: report RTM/HLE as CPUID shows them */

static uint8_t df_stacks[MAX_CPUS][PAGE_SIZE] __attribute__((aligned(16)));

void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void gdt_fill(struct cpu *c)
{
	uint64_t base = (uint64_t)&c->tss, limit = sizeof(c->tss) - 1;

	c->gdt[0] = 0;
	c->gdt[1] = 0x00cf9b000000ffffull; /* 0x08 kernel code, 32-bit */
	c->gdt[2] = 0x00af9b000000ffffull; /* 0x10 kernel code, 64-bit */
	c->gdt[3] = 0x00cf93000000ffffull; /* 0x18 kernel data */
	c->gdt[4] = 0x00cffb000000ffffull; /* 0x23 user code, 32-bit */
	c->gdt[5] = 0x00cff3000000ffffull; /* 0x2b user data */
	c->gdt[6] = 0x00affb000000ffffull; /* 0x33 user code, 64-bit */
	c->gdt[7] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 |
		    ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	c->gdt[8] = base >> 32;
}

static void gdt_load(struct cpu *c)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(c->gdt) - 1, (uint64_t)c->gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x10\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov $0x18, %%eax\n\t"
			 "mov %%eax, %%ds\n\t"
			 "mov %%eax, %%es\n\t"
			 "mov %%eax, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%eax, %%fs\n\t"
			 "mov %%eax, %%gs\n\t"
			 "mov $0x38, %%eax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(gdtr)
			 : "rax", "memory");
}

/* Everything a CPU needs before it can take interrupts and system calls. */
void cpu_init(int id)
{
	struct cpu *c = &cpus[id];

	c->self = c;
	c->id = id;
	c->cr3 = kernel_pml4;
	c->tss.iomap_base = sizeof(c->tss);
	c->tss.ist[0] = (uint64_t)df_stacks[id] + PAGE_SIZE;
	gdt_fill(c);
	gdt_load(c);
	idt_load();
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	sched_init_cpu(c);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, (uint64_t)SEL_UCODE32 << 48 | (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_SFMASK, SFMASK_BITS);
	/* Last: from here on ring 3 may enter through SYSCALL. */
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
}

/* ---- CPUID as the kernel sees it at ring 0, for /proc/cpuinfo ---- */

enum { R1C, R1D, R7B, R7C, R7D, R81C, R81D, NR_FREGS };

static uint32_t fregs[NR_FREGS];
static char vendor[13], brand[49];

struct flag_name {
	uint8_t reg, bit;
	const char *name;
};

static const struct flag_name flag_names[] = {
	{ R1D, 0, "fpu" },
	{ R1D, 4, "tsc" },
	{ R1D, 5, "msr" },
	{ R1D, 6, "pae" },
	{ R1D, 8, "cx8" },
	{ R1D, 9, "apic" },
	{ R1D, 11, "sep" },
	{ R1D, 13, "pge" },
	{ R1D, 15, "cmov" },
	{ R1D, 19, "clflush" },
	{ R1D, 23, "mmx" },
	{ R1D, 24, "fxsr" },
	{ R1D, 25, "sse" },
	{ R1D, 26, "sse2" },
	{ R1D, 28, "ht" },
	{ R81D, 11, "syscall" },
	{ R81D, 20, "nx" },
	{ R81D, 26, "pdpe1gb" },
	{ R81D, 27, "rdtscp" },
	{ R81D, 29, "lm" },
	{ R1C, 0, "pni" },
	{ R1C, 1, "pclmulqdq" },
	{ R1C, 9, "ssse3" },
	{ R1C, 12, "fma" },
	{ R1C, 13, "cx16" },
	{ R1C, 19, "sse4_1" },
	{ R1C, 20, "sse4_2" },
	{ R1C, 21, "x2apic" },
	{ R1C, 22, "movbe" },
	{ R1C, 23, "popcnt" },
	{ R1C, 24, "tsc_deadline_timer" },
	{ R1C, 25, "aes" },
	{ R1C, 26, "xsave" },
	{ R1C, 28, "avx" },
	{ R1C, 30, "rdrand" },
	{ R1C, 31, "hypervisor" },
	{ R81C, 0, "lahf_lm" },
	{ R81C, 5, "abm" },
	{ R7B, 0, "fsgsbase" },
	{ R7B, 3, "bmi1" },
	{ R7B, 4, "hle" },
	{ R7B, 5, "avx2" },
	{ R7B, 7, "smep" },
	{ R7B, 8, "bmi2" },
	{ R7B, 9, "erms" },
	{ R7B, 11, "rtm" },
	{ R7B, 16, "avx512f" },
	{ R7B, 18, "rdseed" },
	{ R7B, 19, "adx" },
	{ R7B, 20, "smap" },
	{ R7B, 29, "sha_ni" },
	{ R7C, 2, "umip" },
	{ R7C, 22, "rdpid" },
	{ R7D, 11, "rtm_always_abort" },
	{ R7D, 16, "tsxldtrk" },
};

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static void cpu_read_brand(uint32_t max_ext)
{
	uint32_t r[4];
	int i;

	if (max_ext < 0x80000004)
		return;
	for (i = 0; i < 3; i++) {
		cpuid(0x80000002 + i, 0, r);
		memcpy(brand + 16 * i, r, 16);
	}
}

/* Does vmscope's own leaf say it emulates RTM (where a host hides it from leaf 7)? */
static int vmscope_emulates_rtm(void)
{
	uint32_t r[4];

	cpuid(CPUID_VMSCOPE_BASE, 0, r);
	if (memcmp(&r[1], CPUID_VMSCOPE_SIGNATURE, 4) ||
	    memcmp(&r[2], CPUID_VMSCOPE_SIGNATURE + 4, 4) ||
	    memcmp(&r[3], CPUID_VMSCOPE_SIGNATURE + 8, 4) || r[0] < CPUID_VMSCOPE_FEATURES)
		return 0;
	cpuid(CPUID_VMSCOPE_FEATURES, 0, r);
	return r[0] & CPUID_VMSCOPE_F_RTM;
}

/* Read the feature leaves once (boot CPU); tsx=on decides whether RTM and HLE are shown. */
void cpu_features_init(void)
{
	uint32_t r[4], max, max_ext;

	cpuid(0, 0, r);
	max = r[0];
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	fregs[R1C] = r[2];
	fregs[R1D] = r[3];
	if (max >= 7) {
		cpuid(7, 0, r);
		fregs[R7B] = r[1];
		fregs[R7C] = r[2];
		fregs[R7D] = r[3];
	}
	cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		fregs[R81C] = r[2];
		fregs[R81D] = r[3];
	}
	cpu_read_brand(max_ext);
	if (vmscope_emulates_rtm()) {
		/* The VMM emulates RTM (--rtme): shown with or without tsx=on, as its leaf says. */
		fregs[R7B] |= 1u << 11;
		return;
	}
	if (!kopt_tsx)
		fregs[R7B] &= ~((1u << 4) | (1u << 11)); /* HLE, RTM hidden unless tsx=on */
}

int cpu_has_rtm(void)
{
	return (fregs[R7B] >> 11) & 1;
}

static int format_flags(char *buf, int size)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(flag_names) && n < size; i++)
		if ((fregs[flag_names[i].reg] >> flag_names[i].bit) & 1)
			n += snprintf(buf + n, size - n, "%s%s", n ? " " : "", flag_names[i].name);
	return n < size ? n : size;
}

/* /proc/cpuinfo: the block of CPU cpu, in Linux's format (a subset of its fields). */
int cpu_format_info(char *buf, int size, int cpu)
{
	char flags[1024];
	int n;

	format_flags(flags, sizeof(flags));
	n = snprintf(buf, size,
		     "processor\t: %d\nvendor_id\t: %s\nmodel name\t: %s\n"
		     "cpu MHz\t\t: %u\nflags\t\t: %s\n\n",
		     cpu, vendor, brand, (unsigned)(tsc_hz / 1000000), flags);
	return n < size ? n : size - 1;
}
