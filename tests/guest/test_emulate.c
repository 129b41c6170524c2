// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions KVM refuses at ring 0 (core/emulate.h), executed by vmscope: ring-0 guest code
 * runs popcnt, lzcnt, tzcnt, crc32, rdtscp, xgetbv, stac/clac, andn, pdep and cmpxchg16b and
 * checks each result against constants worked out by hand, then provokes the exceptions the
 * CPU would raise (#PF on an unmapped operand, #GP on a misaligned cmpxchg16b) and catches
 * them in its own IDT.  Every check holds on any host: where KVM runs ring 0 natively (VMX,
 * SVM) nothing is refused and the CPU gives the same answers; the number of instructions
 * vmscope executed must equal the number of emulation failures KVM reported.
 * A second case runs an SSE instruction vmscope does not execute: where KVM refuses it the
 * run stops (status 125) with its name and bytes; elsewhere the guest just finishes.
 */
#include <sys/ioctl.h>

#include "harness.h"
#include "../../guests/lib/kern.h"
#include "../../core/emulate.h"
#include "../../core/hooks.h"

#define MSR_TSC_AUX 0xc0000103u
#define GUEST_TSC_AUX 0x5a5au
#define HOST_TSC_AUX 0x4242u
#define NO_TSC_AUX 0xffffffffu
#define UNMAPPED_GVA 0x8000000000ull /* PML4 slot 1: the harness maps only [0, 4 GiB) */
#define NO_FAULT 0xffu
#define CR4_OSXSAVE (1ull << 18)
#define RFLAGS_AC (1ull << 18)
#define CRC32C_CHECK 0xe3069283u /* CRC-32C of "123456789" (init and final xor ~0) */
#define SYNC_LEGACY_BITSCAN 1 /* args: source line, result */
#define SYNC_TSC_AUX 2 /* args: 1 when the guest's wrmsr of TSC_AUX faulted */
#define SYNC_OSXSAVE 3 /* args: 1 when the guest could set CR4.OSXSAVE */
#define SYNC_XINUSE 4 /* args: 1 when xgetbv(1) worked, XINUSE */

/* The last exception the guest took, and where its handler resumes (set before each try). */
static volatile uint64_t fault_vector __attribute__((used));
static volatile uint64_t fault_error __attribute__((used));
static volatile uint64_t fault_cr2 __attribute__((used));
static volatile uint64_t fault_resume __attribute__((used));
/* Written by the host before the run: the TSC_AUX it set, or NO_TSC_AUX. */
static volatile uint64_t host_tsc_aux;
static volatile uint64_t cas_area[4] __attribute__((aligned(16)));

/*
 * #UD, #GP, #PF handlers: record vector, error code and CR2, then return to fault_resume,
 * past the instruction that faulted.  #UD pushes no error code, so its stub pushes a 0.
 */
__asm__(".section .text.guest, \"ax\"\n"
	"ud_isr:\n"
	"	pushq $0\n"
	"	pushq $6\n"
	"	jmp fault_common\n"
	"gp_isr:\n"
	"	pushq $13\n"
	"	jmp fault_common\n"
	"pf_isr:\n"
	"	pushq $14\n"
	"	jmp fault_common\n"
	"fault_common:\n" /* rax, vector, error, rip, cs, rflags, rsp, ss */
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, fault_vector(%rip)\n"
	"	mov 16(%rsp), %rax\n"
	"	mov %rax, fault_error(%rip)\n"
	"	mov %cr2, %rax\n"
	"	mov %rax, fault_cr2(%rip)\n"
	"	mov fault_resume(%rip), %rax\n"
	"	mov %rax, 24(%rsp)\n"
	"	pop %rax\n"
	"	add $16, %rsp\n"
	"	iretq\n"
	".previous\n");
void ud_isr(void);
void gp_isr(void);
void pf_isr(void);

/* Run insn with a fault handler armed: an exception resumes at the end of the asm. */
#define TRY(insn) "lea 1f(%%rip), %%r11\n\tmov %%r11, fault_resume(%%rip)\n\t" insn "\n1:\n\t"

static GUEST_CODE void install_idt(void)
{
	kern_set_gate(6, ud_isr, 0, 0);
	kern_set_gate(13, gp_isr, 0, 0);
	kern_set_gate(14, pf_isr, 0, 0);
	kern_load_idt();
}

/*
 * lzcnt/tzcnt: F3 0F BD/BC.  KVM's emulator may not refuse them but run them as bsr/bsf,
 * ignoring the F3 prefix (seen on PVM hosts): no exit, so vmscope never sees them.  A result
 * that is exactly the bsr/bsf answer is reported to the host (SYNC_LEGACY_BITSCAN) instead of
 * failing; any other wrong result fails.
 */
static GUEST_CODE void check_bitscan(uint64_t got, uint64_t want, uint64_t legacy, int line)
{
	if (got != want && got == legacy)
		GUEST_SYNC(SYNC_LEGACY_BITSCAN, line, got);
	else
		GUEST_ASSERT_EQ(got, want);
}

static GUEST_CODE void check_counts(void)
{
	uint64_t r, v = 0x0000100000000000ull; /* bit 44 */
	uint32_t r32;
	uint16_t r16;
	uint8_t cf, zf;

	__asm__ volatile("popcnt %1, %0" : "=r"(r) : "r"(0xf0f0f0f0f0f0f0f1ull) : "cc");
	GUEST_ASSERT_EQ(r, 33);
	__asm__ volatile("popcnt %1, %0"
			 : "=r"(r32)
			 : "m"(*(const uint32_t[]){ 0x80000001 })
			 : "cc");
	GUEST_ASSERT_EQ(r32, 2);
	__asm__ volatile("popcnt %2, %0; setz %1" : "=r"(r16), "=q"(zf) : "r"((uint16_t)0) : "cc");
	GUEST_ASSERT_EQ(r16, 0);
	GUEST_ASSERT_EQ(zf, 1);
	__asm__ volatile("lzcnt %1, %0" : "=r"(r) : "r"(v) : "cc");
	check_bitscan(r, 19, 44, __LINE__);
	r32 = 0x77; /* bsr of 0 leaves it */
	__asm__ volatile("lzcnt %2, %0; setc %1" : "+r"(r32), "=q"(cf) : "r"(0u) : "cc");
	check_bitscan(r32, 32, 0x77, __LINE__);
	GUEST_ASSERT(cf == 1 || r32 == 0x77);
	__asm__ volatile("tzcnt %1, %0" : "=r"(r) : "m"(v) : "cc");
	GUEST_ASSERT_EQ(r, 44);
	__asm__ volatile("tzcnt %1, %0" : "=r"(r16) : "r"((uint16_t)0x0100) : "cc");
	GUEST_ASSERT_EQ(r16, 8);
	r = 0x77;
	__asm__ volatile("tzcnt %2, %0; setc %1" : "+r"(r), "=q"(cf) : "r"(0ull) : "cc");
	check_bitscan(r, 64, 0x77, __LINE__);
	GUEST_ASSERT(cf == 1 || r == 0x77);
}

/* CRC-32C of "123456789" four ways: byte by byte, 8+1, 2+4+2+1, and bytes from memory. */
static GUEST_CODE void check_crc32(void)
{
	static const char digits[] = "123456789";
	uint32_t c = ~0u;
	uint64_t q = ~0ull;
	int i;

	for (i = 0; i < 9; i++)
		__asm__ volatile("crc32b %1, %0" : "+r"(c) : "r"((uint8_t)digits[i]));
	GUEST_ASSERT_EQ(~c, CRC32C_CHECK);
	__asm__ volatile("crc32q %1, %0" : "+r"(q) : "r"(0x3837363534333231ull));
	__asm__ volatile("crc32b %1, %0" : "+r"(q) : "r"((uint8_t)'9'));
	GUEST_ASSERT_EQ(q ^ 0xffffffffu, CRC32C_CHECK);
	c = ~0u;
	__asm__ volatile("crc32w %1, %0" : "+r"(c) : "r"((uint16_t)0x3231));
	__asm__ volatile("crc32l %1, %0" : "+r"(c) : "r"(0x36353433u));
	__asm__ volatile("crc32w %1, %0" : "+r"(c) : "r"((uint16_t)0x3837));
	__asm__ volatile("crc32b %1, %0" : "+r"(c) : "r"((uint8_t)0x39));
	GUEST_ASSERT_EQ(~c, CRC32C_CHECK);
	c = ~0u;
	for (i = 0; i < 9; i++)
		__asm__ volatile("crc32b %1, %0" : "+r"(c) : "m"(digits[i]));
	GUEST_ASSERT_EQ(~c, CRC32C_CHECK);
}

static GUEST_CODE void check_bmi(void)
{
	uint64_t r;

	/* andn: ~0x00ff00ff00ff00ff & 0x0f0f0f0f0f0f0f0f */
	__asm__ volatile("andn %2, %1, %0"
			 : "=r"(r)
			 : "r"(0x00ff00ff00ff00ffull), "r"(0x0f0f0f0f0f0f0f0full)
			 : "cc");
	GUEST_ASSERT_EQ(r, 0x0f000f000f000f00ull);
	/* pdep: 0b0101 into the bits of 0xf0 */
	__asm__ volatile("pdep %2, %1, %0" : "=r"(r) : "r"(0x5ull), "r"(0xf0ull));
	GUEST_ASSERT_EQ(r, 0x50);
	__asm__ volatile("pdep %2, %1, %0"
			 : "=r"(r)
			 : "r"(0xffull), "m"(*(const uint64_t[]){ 0xff00000000000000ull }));
	GUEST_ASSERT_EQ(r, 0xff00000000000000ull);
}

static GUEST_CODE uint64_t rflags(void)
{
	uint64_t f;

	__asm__ volatile("pushf; pop %0" : "=r"(f));
	return f;
}

static GUEST_CODE void check_smap_flag(void)
{
	__asm__ volatile("stac" : : : "cc");
	GUEST_ASSERT_EQ(rflags() & RFLAGS_AC, RFLAGS_AC);
	__asm__ volatile("clac" : : : "cc");
	GUEST_ASSERT_EQ(rflags() & RFLAGS_AC, 0);
}

static GUEST_CODE uint8_t cmpxchg16b(volatile uint64_t *p, uint64_t *lo, uint64_t *hi,
				     uint64_t new_lo, uint64_t new_hi)
{
	uint8_t zf;

	__asm__ volatile("lock cmpxchg16b %1; setz %0"
			 : "=q"(zf), "+m"(*(volatile __int128 *)p), "+a"(*lo), "+d"(*hi)
			 : "b"(new_lo), "c"(new_hi)
			 : "cc", "memory");
	return zf;
}

static GUEST_CODE void check_cmpxchg16b(void)
{
	uint64_t lo = 1, hi = 2;

	cas_area[0] = 1;
	cas_area[1] = 2;
	GUEST_ASSERT_EQ(cmpxchg16b(cas_area, &lo, &hi, 3, 4), 1);
	GUEST_ASSERT_EQ(cas_area[0], 3);
	GUEST_ASSERT_EQ(cas_area[1], 4);
	lo = 1;
	hi = 2;
	GUEST_ASSERT_EQ(cmpxchg16b(cas_area, &lo, &hi, 5, 6), 0);
	GUEST_ASSERT_EQ(lo, 3);
	GUEST_ASSERT_EQ(hi, 4);
	GUEST_ASSERT_EQ(cas_area[0], 3);
}

/* TSC_AUX from the guest's wrmsr, or (if that #GPs) the value the host set. */
static GUEST_CODE void check_rdtscp(void)
{
	uint32_t lo, hi, aux, t0lo, t0hi, expect = GUEST_TSC_AUX;

	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("wrmsr")
			 :
			 : "c"(MSR_TSC_AUX), "a"(GUEST_TSC_AUX), "d"(0)
			 : "r11", "memory");
	GUEST_SYNC(SYNC_TSC_AUX, fault_vector != NO_FAULT, 0);
	if (fault_vector != NO_FAULT)
		expect = host_tsc_aux;
	__asm__ volatile("rdtsc" : "=a"(t0lo), "=d"(t0hi));
	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("rdtscp") : "=a"(lo), "=d"(hi), "=c"(aux) : : "r11", "memory");
	if (fault_vector != NO_FAULT) {
		GUEST_PRINTF("rdtscp raised exception %lu: the guest CPUID lacks RDTSCP; "
			     "rdtscp not checked\n",
			     fault_vector);
		return;
	}
	if (expect == NO_TSC_AUX)
		GUEST_PRINTF("TSC_AUX could be set neither by the guest nor by the host; "
			     "rdtscp's ECX not checked\n");
	else
		GUEST_ASSERT_EQ(aux, expect);
	GUEST_ASSERT(((uint64_t)hi << 32 | lo) >= ((uint64_t)t0hi << 32 | t0lo));
}

/* XCR0 after reset is 1 (x87); without CR4.OSXSAVE (CPUID lacks XSAVE) xgetbv is #UD. */
static GUEST_CODE void check_xgetbv(void)
{
	uint64_t cr4;
	uint32_t lo = 0, hi = 0;
	int osxsave;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("mov %0, %%cr4") : : "r"(cr4 | CR4_OSXSAVE) : "r11", "memory");
	osxsave = fault_vector == NO_FAULT;
	GUEST_SYNC(SYNC_OSXSAVE, osxsave, 0);
	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("xgetbv") : "+a"(lo), "=d"(hi) : "c"(0) : "r11", "memory");
	if (!osxsave) {
		GUEST_ASSERT_EQ(fault_vector, 6);
		return;
	}
	GUEST_ASSERT_EQ(fault_vector, NO_FAULT);
	GUEST_ASSERT_EQ(lo, 1);
	GUEST_ASSERT_EQ(hi, 0);
	/* XINUSE: a subset of XCR0 (= x87 only), or #GP(0) where the CPUID lacks it */
	lo = hi = 0;
	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("xgetbv") : "+a"(lo), "+d"(hi) : "c"(1) : "r11", "memory");
	GUEST_SYNC(SYNC_XINUSE, fault_vector == NO_FAULT, lo);
	if (fault_vector == NO_FAULT) {
		GUEST_ASSERT_EQ(lo & ~1u, 0);
		GUEST_ASSERT_EQ(hi, 0);
	} else {
		GUEST_ASSERT_EQ(fault_vector, 13);
		GUEST_ASSERT_EQ(fault_error, 0);
	}
}

/* The exceptions the CPU raises for these instructions reach the guest's IDT. */
static GUEST_CODE void check_faults(void)
{
	uint64_t r = 0, lo = 0, hi = 0;

	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("popcnt (%1), %0")
			 : "+r"(r)
			 : "r"(UNMAPPED_GVA)
			 : "r11", "cc", "memory");
	GUEST_ASSERT_EQ(fault_vector, 14);
	GUEST_ASSERT_EQ(fault_error, 0); /* not present, read, supervisor */
	GUEST_ASSERT_EQ(fault_cr2, UNMAPPED_GVA);
	fault_vector = NO_FAULT;
	__asm__ volatile(TRY("lock cmpxchg16b (%2)")
			 : "+a"(lo), "+d"(hi)
			 : "r"(&cas_area[1]), "b"(0), "c"(0)
			 : "r11", "cc", "memory");
	GUEST_ASSERT_EQ(fault_vector, 13);
	GUEST_ASSERT_EQ(fault_error, 0);
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	install_idt();
	check_counts();
	check_crc32();
	check_bmi();
	check_smap_flag();
	check_cmpxchg16b();
	check_rdtscp();
	check_xgetbv();
	check_faults();
	GUEST_DONE();
}

/* Set TSC_AUX from the host, for a guest whose own wrmsr of it #GPs. */
static uint64_t set_host_tsc_aux(struct vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e = { .index = MSR_TSC_AUX, .data = HOST_TSC_AUX } };

	if (ioctl(v->fd, KVM_SET_MSRS, &m) == 1)
		return HOST_TSC_AUX;
	printf("# KVM_SET_MSRS of TSC_AUX refused; rdtscp's ECX checked only if the guest "
	       "can set it\n");
	return NO_TSC_AUX;
}

static void set_guest_u64(struct vm *vm, volatile uint64_t *sym, uint64_t val)
{
	uint64_t *p = mem__gpa_to_hva(&vm->mem, (uint64_t)(uintptr_t)sym, sizeof(*p));

	if (p)
		*p = val;
}

struct guest_log {
	int legacy_bitscan;
	int aux_faulted, osxsave, xinuse_ok;
	uint64_t xinuse;
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct guest_log *log = opaque;

	(void)v;
	if (uc->cmd != UCALL_SYNC)
		return;
	if (uc->args[0] == SYNC_LEGACY_BITSCAN)
		log->legacy_bitscan++;
	else if (uc->args[0] == SYNC_TSC_AUX)
		log->aux_faulted = (int)uc->args[1];
	else if (uc->args[0] == SYNC_OSXSAVE)
		log->osxsave = (int)uc->args[1];
	else if (uc->args[0] == SYNC_XINUSE) {
		log->xinuse_ok = (int)uc->args[1];
		log->xinuse = uc->args[2];
	}
}

static void print_log(const struct guest_log *log)
{
	printf("# TSC_AUX set by the %s; CR4.OSXSAVE %s\n", log->aux_faulted ? "host" : "guest",
	       log->osxsave ? "set (xgetbv read XCR0)" : "refused (xgetbv raised #UD)");
	if (log->osxsave)
		printf("# xgetbv(1): %s 0x%llx\n", log->xinuse_ok ? "XINUSE" : "#GP, not",
		       (unsigned long long)log->xinuse);
	if (log->legacy_bitscan)
		printf("# KVM ran %d lzcnt/tzcnt as bsr/bsf without an exit; vmscope cannot "
		       "correct that (docs/hosts.md)\n",
		       log->legacy_bitscan);
}

static int test_executed(void)
{
	struct tvm_opts o = { .entry = guest_code };
	struct guest_log log = { 0 };
	struct vm vm;
	uint64_t refused, executed;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &log;
	TEST_ASSERT(!hooks__add_emulation(&vm.hooks, "emulate", emulate__hook, NULL), "hook");
	set_guest_u64(&vm, &host_tsc_aux, set_host_tsc_aux(&vm.vcpus[0]));
	status = tvm_run(&vm, 60);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	refused = tvm_exits(&vm, KVM_EXIT_INTERNAL_ERROR);
	executed = vm.vcpus[0].stats.extra[EXIT_X_FIX_EMULATE];
	printf("# KVM refused %llu instructions; vmscope executed %llu\n",
	       (unsigned long long)refused, (unsigned long long)executed);
	print_log(&log);
	TEST_ASSERT(executed == refused, "executed %llu, refused %llu",
		    (unsigned long long)executed, (unsigned long long)refused);
	vm__destroy(&vm);
	return 0;
}

static GUEST_CODE void guest_sse(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	__asm__ volatile(".byte 0x66, 0x0f, 0xef, 0xc0"); /* pxor %xmm0, %xmm0 */
	GUEST_DONE();
}

static int test_not_executed(void)
{
	struct tvm_opts o = { .entry = guest_sse };
	struct vm vm;
	int status;

	if (tvm_create(&vm, &o))
		return -1;
	TEST_ASSERT(!hooks__add_emulation(&vm.hooks, "emulate", emulate__hook, NULL), "hook");
	status = tvm_run(&vm, 60);
	if (tvm_exits(&vm, KVM_EXIT_INTERNAL_ERROR)) {
		TEST_ASSERT(status == VM_STATUS_GUEST_FAILURE, "status %d", status);
		TEST_ASSERT(strstr(vm.stop_reason, "pxor") &&
				    strstr(vm.stop_reason, "66 0f ef c0") &&
				    strstr(vm.stop_reason, "-mgeneral-regs-only"),
			    "stop reason: %s", vm.stop_reason);
	} else {
		printf("# KVM executed pxor at ring 0 itself\n");
		TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	}
	vm__destroy(&vm);
	return 0;
}

int main(void)
{
#ifndef HAVE_CAPSTONE
	printf("SKIP: vmscope was built without capstone, so it executes no refused instruction; "
	       "run scripts/install-deps and rebuild\n");
	return KSFT_SKIP;
#endif
	static const struct harness_case cases[] = {
		{ "refused_instructions_executed", test_executed },
		{ "unexecuted_instruction_named", test_not_executed },
	};

	return harness_main(cases, 2);
}
