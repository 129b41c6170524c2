// SPDX-License-Identifier: GPL-2.0
/*
 * GEARS code injection against a running VMM (`vmscope inject`, docs/gears.md).  The guest
 * (guest_watch, below) fills a table, sets LSTAR, takes a checksum of its page tables (the
 * PML4 and every PDPT it points to), LSTAR and the table, and then keeps checking that
 * checksum while it counts rounds.  The test injects code that reads the round counter,
 * code that sums the table through the guest's page tables (its result must be the sum the
 * test computes), and code that faults (reported with its vector; the guest goes on).  After
 * the last injection the guest must complete rounds again with every check passing: the
 * injection left its memory, page tables and LSTAR as they were.  Errors: a missing file,
 * an ELF file, a vCPU the VM has not, a call that never returns (timeout).
 */
#include "vmm_harness.h"

#define NR_VALUES 64
#define MSR_LSTAR 0xc0000082
#define CHANGED_STATUS 42 /* the run's status when the guest saw its state changed */

static volatile uint64_t values[NR_VALUES];
static volatile uint64_t rounds;

GUEST_INLINE uint64_t next(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

GUEST_INLINE uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

/* FNV-style hash of a 4 KiB page at a physical address (identity-mapped). */
GUEST_INLINE uint64_t hash_page(uint64_t h, uint64_t pa)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)pa;
	int i;

	for (i = 0; i < 512; i++)
		h = mix(h, p[i]);
	return h;
}

static GUEST_CODE uint64_t guest_state(void)
{
	uint64_t cr3, h = 0xcbf29ce484222325ull, lo, hi;
	const volatile uint64_t *pml4;
	int i;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	cr3 &= 0x000ffffffffff000ull;
	h = hash_page(h, cr3);
	pml4 = (const volatile uint64_t *)(uintptr_t)cr3;
	for (i = 0; i < 512; i++)
		if ((pml4[i] & 1) && !(pml4[i] & 0x80))
			h = hash_page(h, pml4[i] & 0x000ffffffffff000ull);
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_LSTAR));
	h = mix(h, lo | hi << 32);
	for (i = 0; i < NR_VALUES; i++)
		h = mix(h, values[i]);
	return h;
}

/* The guest's "system-call entry" (it makes none): where GEARS maps its pages beside. */
static GUEST_CODE void guest_entry(void)
{
	for (;;)
		;
}

static GUEST_CODE void guest_watch(uint64_t vcpu_id, uint64_t nr_vcpus)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, base, lstar = (uintptr_t)guest_entry;
	int i;

	(void)vcpu_id, (void)nr_vcpus;
	for (i = 0; i < NR_VALUES; i++)
		values[i] = x = next(x);
	__asm__ volatile("wrmsr"
			 :
			 : "c"(MSR_LSTAR), "a"((uint32_t)lstar), "d"((uint32_t)(lstar >> 32)));
	base = guest_state();
	for (;;) {
		if (guest_state() != base)
			guest_outl(PORT_DEBUG_EXIT, CHANGED_STATUS);
		rounds = rounds + 1;
	}
}

/* mov (%rdi), %rax; ret */
static const uint8_t code_load[] = { 0x48, 0x8b, 0x07, 0xc3 };
/*
 * The sum of NR_VALUES u64 at RDI, with a first store in the data area (RSI) to show it is
 * writable:  movq $1,(%rsi); xor %eax,%eax; mov $64,%ecx; 1: add (%rdi),%rax; add $8,%rdi;
 * dec %ecx; jnz 1b; ret
 */
static const uint8_t code_sum[] = { 0x48, 0xc7,	     0x06, 0x01, 0x00, 0x00, 0x00, 0x31, 0xc0,
				    0xb9, NR_VALUES, 0x00, 0x00, 0x00, 0x48, 0x03, 0x07, 0x48,
				    0x83, 0xc7,	     0x08, 0xff, 0xc9, 0x75, 0xf5, 0xc3 };
/* A load from a non-canonical address: #GP.  movabs $0x8000000000000000,%rax; mov (%rax),%rax */
static const uint8_t code_gp[] = { 0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x48, 0x8b, 0x00, 0xc3 };
/* jmp . */
static const uint8_t code_loop[] = { 0xeb, 0xfe };

static char entry_s[32];

static int write_file(const char *name, const void *p, size_t n, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", cli_tmp, name);
	f = fopen(path, "w");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		return -1;
	return 0;
}

/* `inject` through the socket; the reply (NULL if none). */
static struct json_object *inject(struct vmm *m, const char *file, const void *code, size_t n,
				  const char *opts)
{
	char path[PATH_MAX], req[PATH_MAX + 256];

	if (write_file(file, code, n, path, sizeof(path)))
		return NULL;
	snprintf(req, sizeof(req), "inject %s %s", path, opts);
	return vmm_ask(m, req);
}

static int inject_value(struct vmm *m, const void *code, size_t n, uint64_t arg, uint64_t *val)
{
	char opts[64];
	struct json_object *j;
	int ok;

	snprintf(opts, sizeof(opts), "--arg %#llx --timeout 10000", (unsigned long long)arg);
	j = inject(m, "code.bin", code, n, opts);
	ok = j && json_object_get_boolean(json_object_object_get(j, "ok"));
	if (!ok)
		fprintf(stderr, "inject failed: %s\n", j ? jsonc__str(j, "error") : "no reply");
	*val = ok ? jsonc__u64(j, "value", 0) : 0;
	json_object_put(j);
	return ok ? 0 : -1;
}

/* Wait until the guest has counted more than `past` rounds (read by injected code). */
static int wait_rounds(struct vmm *m, uint64_t past, uint64_t *now)
{
	double end = cli_now() + 60;

	do {
		if (inject_value(m, code_load, sizeof(code_load), (uintptr_t)&rounds, now))
			return -1;
		if (*now > past)
			return 0;
		usleep(50000);
	} while (cli_now() < end);
	fprintf(stderr, "the guest stayed at %llu rounds\n", (unsigned long long)*now);
	return -1;
}

/* An error reply whose message holds want. */
static int refused(struct vmm *m, const char *req, const char *want)
{
	struct json_object *j = vmm_ask(m, req);
	const char *e = j ? jsonc__str(j, "error") : NULL;
	int ok = j && !json_object_get_boolean(json_object_object_get(j, "ok")) && e &&
		 strstr(e, want);

	if (!ok)
		fprintf(stderr, "'%s': expected an error with '%s', got %s\n", req, want,
			j ? json_object_to_json_string(j) : "no reply");
	json_object_put(j);
	return ok ? 0 : -1;
}

static uint64_t expected_sum(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;
	int i;

	for (i = 0; i < NR_VALUES; i++)
		sum += x = next(x);
	return sum;
}

static int check_errors(struct vmm *m)
{
	char req[PATH_MAX + 64], path[PATH_MAX];
	struct json_object *j;
	int ret;

	TEST_ASSERT(!refused(m, "inject /nonexistent/code.bin", "cannot open"), "missing file");
	TEST_ASSERT(!write_file("elf.bin", "\177ELF\2\1\1", 7, path, sizeof(path)), "write");
	snprintf(req, sizeof(req), "inject %s", path);
	TEST_ASSERT(!refused(m, req, "ELF"), "ELF file");
	TEST_ASSERT(!write_file("c.bin", code_load, sizeof(code_load), path, sizeof(path)),
		    "write");
	snprintf(req, sizeof(req), "inject %s --vcpu 5", path);
	TEST_ASSERT(!refused(m, req, "no vCPU 5"), "bad vCPU");
	snprintf(req, sizeof(req), "inject %s --entry 9", path);
	TEST_ASSERT(!refused(m, req, "entry offset"), "entry past the end");
	TEST_ASSERT(!refused(m, "inject relative.bin", "absolute path"), "relative path");
	j = inject(m, "loop.bin", code_loop, sizeof(code_loop), "--timeout 200");
	ret = j && !json_object_get_boolean(json_object_object_get(j, "ok")) &&
	      strstr(jsonc__str(j, "error") ?: "", "did not return");
	if (!ret)
		fprintf(stderr, "a looping call: %s\n", j ? json_object_to_json_string(j) : "-");
	json_object_put(j);
	TEST_ASSERT(ret, "a call that never returns is stopped at its deadline");
	return 0;
}

static int test_inject(void)
{
	struct vmm m;
	struct json_object *j;
	uint64_t r0, r1, sum;
	char *out;
	int status, ok;

	if (vmm_spawn(&m, entry_s, 0, 1, NULL))
		return -1;
	TEST_ASSERT(!wait_rounds(&m, 0, &r0), "the guest runs and injected code reads it");
	TEST_ASSERT(!inject_value(&m, code_sum, sizeof(code_sum), (uintptr_t)values, &sum), "sum");
	TEST_ASSERT(sum == expected_sum(), "injected sum 0x%llx, expected 0x%llx",
		    (unsigned long long)sum, (unsigned long long)expected_sum());
	j = inject(&m, "gp.bin", code_gp, sizeof(code_gp), "--timeout 10000");
	ok = j && !json_object_get_boolean(json_object_object_get(j, "ok")) &&
	     strstr(jsonc__str(j, "error") ?: "", "vector 13");
	json_object_put(j);
	TEST_ASSERT(ok, "a faulting call is reported with its vector");
	TEST_ASSERT(!check_errors(&m), "bad requests");
	TEST_ASSERT(!wait_rounds(&m, r0, &r1), "the guest goes on after the calls");
	TEST_ASSERT(!wait_rounds(&m, r1 + 1, &r1), "and completes checks after the last one");
	TEST_ASSERT(vmm_ok(&m, "stop"), "stop refused");
	status = cli_wait(m.pid, 60);
	out = cli_slurp(m.out);
	ok = status == 0;
	if (!ok)
		fprintf(stderr, "status %d, output:\n%s\n", status, out);
	free(out);
	TEST_ASSERT(ok, "the guest saw no change of its page tables, LSTAR or memory");
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "inject", test_inject } };

	int ret;

	harness_require_kvm();
	cli_setup();
	snprintf(entry_s, sizeof(entry_s), "%#lx", (unsigned long)(uintptr_t)guest_watch);
	signal(SIGPIPE, SIG_IGN);
	ret = harness_main(cases, 1);
	cli_cleanup();
	return ret;
}
