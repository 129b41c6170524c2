// SPDX-License-Identifier: GPL-2.0
/*
 * MIME on a known instruction stream: a copy loop, a push and a pop, a REP MOVSB and the
 * return, traced with --mime-range over exactly that code and read back with babeltrace2.
 * The trace must hold exactly its references, in order, with the right addresses, sizes,
 * directions and values, and nothing from the code around it (the caller, the loop that
 * calls it twice, the ucalls).  Then the same with a page fault in the middle of the range
 * (the destination not present until the guest's #PF handler maps it): the faulting store is
 * recorded once, when it runs again after the handler, and the trace is the same.
 */
#include "cli_harness.h"
#include "../../core/hostfix.h"
#include "../../guests/lib/kern.h"
#include "../../mime/mime.h"
#include "../../trace/trace.h"
#include "../../host/host.h"

KERN_DEFINE_ASM

#define FAULT_DST 0x3000000ull /* a 2 MiB page of RAM the guest unmaps, then maps on #PF */

#define NQ 4 /* quadwords the loop copies */
#define NB 5 /* bytes REP MOVSB copies after them */

/*
 * mime_copy(src in RSI, dst in RDI): NQ quadwords by a loop, then a push and a pop of the
 * last one, then NB bytes by REP MOVSB, then RET.
 */
__asm__(".section .text.guest, \"ax\"\n"
	".globl mime_copy, mime_copy_end\n"
	"mime_copy:\n"
	"	mov $4, %ecx\n"
	"1:	mov (%rsi), %rax\n"
	"	mov %rax, (%rdi)\n"
	"	add $8, %rsi\n"
	"	add $8, %rdi\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	push %rax\n"
	"	pop %rdx\n"
	"	mov $5, %ecx\n"
	"	rep movsb\n"
	"	ret\n"
	"mime_copy_end:\n"
	"	.type mime_copy, @function\n"
	"	.size mime_copy, mime_copy_end - mime_copy\n"
	".previous\n");
extern char mime_copy[], mime_copy_end[];

static uint8_t src[NQ * 8 + NB] __attribute__((aligned(8)));
static uint8_t dst[2][NQ * 8 + NB] __attribute__((aligned(8)));

static GUEST_CODE void copy(void *to)
{
	__asm__ volatile("call mime_copy"
			 :
			 : "S"(src), "D"(to)
			 : "rax", "rcx", "rdx", "memory", "cc");
}

static volatile int with_fault; /* set by the host */
static volatile int faults;

/* The identity map's 2 MiB entry for FAULT_DST. */
static GUEST_CODE uint64_t *fault_pde(void)
{
	uint64_t *pml4 = (uint64_t *)(kern_read_cr3() & ~0xfffull);
	uint64_t *pdpt = (uint64_t *)(pml4[0] & 0xffffffffff000ull);
	uint64_t *pd = (uint64_t *)(pdpt[0] & 0xffffffffff000ull);

	return &pd[FAULT_DST >> 21];
}

static GUEST_CODE void on_trap(struct kern_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	GUEST_ASSERT_EQ(f->vector, 14);
	GUEST_ASSERT_EQ(cr2, FAULT_DST);
	*fault_pde() |= 1; /* present: the store runs again and succeeds */
	faults++;
}

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	uint8_t *to[2] = { dst[0], dst[1] };
	int i;

	(void)id;
	(void)nr;
	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (uint8_t)(0x11 * (i + 1));
	if (with_fault) {
		kern_init();
		kern_trap_fn = on_trap;
		*fault_pde() &= ~1ull;
		__asm__ volatile("invlpg (%0)" : : "r"(FAULT_DST) : "memory");
		to[0] = (uint8_t *)FAULT_DST;
	}
	GUEST_SYNC(1, 0, 0); /* an exit outside the range */
	copy(to[0]);
	GUEST_SYNC(2, faults, 0);
	copy(to[1]);
	for (i = 0; i < (int)sizeof(src); i++)
		GUEST_ASSERT_EQ(to[0][i], src[i]);
	GUEST_ASSERT_EQ(faults, with_fault);
	GUEST_DONE();
}

struct ref {
	unsigned long long rip, gva, gpa, value;
	unsigned int size, write;
};

#define MAX_REFS 256
static struct ref refs[MAX_REFS];
static int nr_refs, nr_skips;

static unsigned long long num(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s = ", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : ~0ull;
}

static int load(const char *dir)
{
	char cmd[256], line[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", dir);
	f = popen(cmd, "r");
	TEST_ASSERT(f, "cannot run babeltrace2");
	nr_refs = nr_skips = 0;
	while (fgets(line, sizeof(line), f)) {
		nr_skips += strstr(line, " memref_skip: ") != NULL;
		if (!strstr(line, " memref: ") || nr_refs == MAX_REFS)
			continue;
		refs[nr_refs++] =
			(struct ref){ .rip = num(line, "rip"),
				      .gva = num(line, "gva"),
				      .gpa = num(line, "gpa"),
				      .value = num(line, "value"),
				      .size = (unsigned int)num(line, "size"),
				      .write = strstr(line, "access = ( \"WRITE\"") != NULL };
	}
	TEST_ASSERT(pclose(f) == 0, "babeltrace2 %s failed", dir);
	return 0;
}

/* What the guest put in src (the host's copy of the array is not the guest's). */
static uint8_t src_byte(int i)
{
	return (uint8_t)(0x11 * (i + 1));
}

/* n bytes of src from offset off, little-endian. */
static unsigned long long le(int off, unsigned int n)
{
	unsigned long long v = 0;

	while (n--)
		v = v << 8 | src_byte(off + (int)n);
	return v;
}

/* Reference i must be (gva, size, write) with value; the identity map makes gpa = gva. */
static int expect(int i, const void *gva, unsigned int size, int write, unsigned long long value)
{
	TEST_ASSERT(i < nr_refs, "only %d references", nr_refs);
	TEST_ASSERT(refs[i].gva == (uintptr_t)gva && refs[i].gpa == (uintptr_t)gva &&
			    refs[i].size == size && refs[i].write == (unsigned int)write &&
			    refs[i].value == value,
		    "reference %d: gva 0x%llx gpa 0x%llx size %u %s value 0x%llx; expected gva %p "
		    "size %u %s value 0x%llx",
		    i, refs[i].gva, refs[i].gpa, refs[i].size, refs[i].write ? "write" : "read",
		    refs[i].value, gva, size, write ? "write" : "read", value);
	TEST_ASSERT(refs[i].rip >= (uintptr_t)mime_copy && refs[i].rip < (uintptr_t)mime_copy_end,
		    "reference %d from rip 0x%llx, outside the range", i, refs[i].rip);
	return 0;
}

/* One call's references from index i; the stack slot used by push/pop and ret is sp. */
static int expect_call(int i, const uint8_t *to, unsigned long long *sp)
{
	int k;

	for (k = 0; k < NQ; k++) {
		if (expect(i++, src + 8 * k, 8, 0, le(8 * k, 8)) ||
		    expect(i++, to + 8 * k, 8, 1, le(8 * k, 8)))
			return -1;
	}
	/* push %rax writes below the return address; pop %rdx reads the same slot. */
	*sp = refs[i].gva + 8;
	if (expect(i++, (void *)(uintptr_t)(*sp - 8), 8, 1, le(8 * (NQ - 1), 8)) ||
	    expect(i++, (void *)(uintptr_t)(*sp - 8), 8, 0, le(8 * (NQ - 1), 8)))
		return -1;
	for (k = 0; k < NB; k++)
		if (expect(i++, src + 8 * NQ + k, 1, 0, src_byte(8 * NQ + k)) ||
		    expect(i++, to + 8 * NQ + k, 1, 1, src_byte(8 * NQ + k)))
			return -1;
	TEST_ASSERT(refs[i].gva == *sp && refs[i].size == 8 && !refs[i].write,
		    "reference %d: ret must read its return address at 0x%llx", i, *sp);
	return 0;
}

static int run_copy(int fault, double from_s)
{
	struct tvm_opts o = { .entry = guest_code };
	struct mime_opts mo = { .start = (uintptr_t)mime_copy,
				.end = (uintptr_t)mime_copy_end,
				.from_s = from_s,
				.cpl = 0 };
	struct trace_opts to = { 0 };
	struct mime_stats st;
	struct trace_session *s;
	char dir[] = "/tmp/vmscope-test-mime-XXXXXX", cmd[64];
	unsigned long long sp;
	const uint8_t *first = fault ? (const uint8_t *)(uintptr_t)FAULT_DST : dst[0];
	volatile int *w;
	struct vm vm;
	int status, per_call = 2 * NQ + 2 + 2 * NB + 1;

	TEST_ASSERT(mkdtemp(dir), "mkdtemp");
	to.dir = dir;
	if (tvm_create(&vm, &o))
		return -1;
	w = mem__gpa_to_hva(&vm.mem, (uintptr_t)&with_fault, sizeof(with_fault));
	*w = fault;
	TEST_ASSERT(!host__setup(&vm, HOSTFIX_AUTO), "%s", err__last());
	host__breakpoints(&vm);
	TEST_ASSERT(!mime__setup(&vm, &mo), "%s", err__last());
	TEST_ASSERT(!vm__trace_start(&vm, &to, &s), "%s", err__last());
	status = tvm_run(&vm, 120);
	TEST_ASSERT(!vm__trace_stop(&vm), "%s", err__last());
	trace__free(s);
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	mime__stats(&vm, &st);
	mime__free(&vm);
	vm__destroy(&vm);
	if (load(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	TEST_ASSERT(!system(cmd), "%s", cmd);
	TEST_ASSERT(nr_skips == 0, "%d instructions not followed", nr_skips);
	if (from_s > 0) {
		/* A window that has not begun: both calls entered out of scope, nothing traced. */
		TEST_ASSERT(nr_refs == 0 && st.refs == 0 && st.out_of_scope == 2,
			    "%d references, %llu entries out of scope; expected none and 2",
			    nr_refs, (unsigned long long)st.out_of_scope);
		return 0;
	}
	/*
	 * The faulting store is seen once: run again after the unstepped handler (retried), or,
	 * where steps stop in the handler, left and waited for (interrupted).
	 */
	TEST_ASSERT(st.interrupted + st.retried == (uint64_t)fault,
		    "%llu instructions left for an exception, %llu run again; expected %d",
		    (unsigned long long)st.interrupted, (unsigned long long)st.retried, fault);
	TEST_ASSERT(nr_refs == 2 * per_call && st.refs == (uint64_t)nr_refs,
		    "%d references in the trace, %llu counted; expected %d", nr_refs,
		    (unsigned long long)st.refs, 2 * per_call);
	if (expect_call(0, first, &sp) || expect_call(per_call, dst[1], &sp))
		return -1;
	printf("# %llu instructions, %d references, exactly those of the code\n",
	       (unsigned long long)st.insns, nr_refs);
	return 0;
}

static int test_copy(void)
{
	return run_copy(0, 0);
}

/*
 * The README's shape, from the command line: this test's image as a GUEST (ring 0), MIME over
 * mime_copy given by its address range and then by its symbol, no ring given: the ring comes
 * from where the vCPU runs it, not from the address (a low address is not user code).
 */
static int test_cli(void)
{
	char range[64], entry[32], dir[PATH_MAX];
	const char *argv[] = { "vmscope", "run",    "--no-input", "--timeout", "60",
			       "--entry", entry,    "--trace",	  dir,	       NULL,
			       NULL,	  cli_self, NULL };
	unsigned long long sp;
	int st, k, per_call = 2 * NQ + 2 + 2 * NB + 1;
	char *out;

	snprintf(entry, sizeof(entry), "%p", (void *)guest_code);
	snprintf(range, sizeof(range), "%p-%p", (void *)mime_copy, (void *)mime_copy_end);
	for (k = 0; k < 2; k++) {
		snprintf(dir, sizeof(dir), "%s/cli%d", cli_tmp, k);
		argv[9] = k ? "--mime-symbol" : "--mime-range";
		argv[10] = k ? "mime_copy" : range;
		st = cli_run(argv, &out);
		TEST_ASSERT(st == 0 && strstr(out, "either ring"), "exit %d:\n%s", st, out);
		free(out);
		if (load(dir))
			return -1;
		TEST_ASSERT(nr_refs == 2 * per_call && !nr_skips,
			    "%s: %d references in the trace, %d skipped; expected %d", argv[9],
			    nr_refs, nr_skips, 2 * per_call);
		if (expect_call(0, dst[0], &sp) || expect_call(per_call, dst[1], &sp))
			return -1;
	}
	return 0;
}

static int test_copy_fault(void)
{
	return run_copy(1, 0);
}

static int test_window(void)
{
	return run_copy(0, 3600); /* an hour after the start */
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "copy loop, push/pop, rep movsb, ret: exactly their references", test_copy },
		{ "a page fault inside the range: the store recorded once, when it ran",
		  test_copy_fault },
		{ "a time window not begun: the range stepped past, nothing recorded",
		  test_window },
		{ "from the command line, by range and by symbol, the ring not given", test_cli },
	};
	int ret;

	if (system("babeltrace2 --version >/dev/null 2>&1")) {
		printf("SKIP: the babeltrace2 command is not installed\n");
		return KSFT_SKIP;
	}
	cli_setup();
	ret = harness_main(cases, sizeof(cases) / sizeof(cases[0]));
	cli_cleanup();
	return ret;
}
