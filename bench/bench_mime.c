// SPDX-License-Identifier: GPL-2.0
/*
 * What MIME costs: a ring-0 loop copies NQ quadwords (six instructions and two references an
 * iteration), timed between two ucalls, without MIME and with its range traced to a trace on
 * /tmp; medians of 5 runs each, interleaved.  Rows: memory references traced per second, and
 * the loop's time with MIME vs without (ratio).
 */
#include "harness.h"
#include "bench.h"
#include "../../core/hostfix.h"
#include "../../mime/mime.h"
#include "../../trace/trace.h"
#include "../../host/host.h"

#define NQ 2000
#define RUNS 5

__asm__(".section .text.guest, \"ax\"\n"
	".globl bmime_copy, bmime_copy_end\n"
	"bmime_copy:\n"
	"1:	mov (%rsi), %rax\n"
	"	mov %rax, (%rdi)\n"
	"	add $8, %rsi\n"
	"	add $8, %rdi\n"
	"	dec %ecx\n"
	"	jnz 1b\n"
	"	ret\n"
	"bmime_copy_end:\n"
	".previous\n");
extern char bmime_copy[], bmime_copy_end[];

static uint64_t src[NQ], dst[NQ];

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	GUEST_SYNC(1, 0, 0);
	__asm__ volatile("call bmime_copy" : : "S"(src), "D"(dst), "c"(NQ) : "rax", "memory", "cc");
	GUEST_SYNC(2, 0, 0);
	GUEST_DONE();
}

struct run {
	double t0, t1;
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct run *b = opaque;

	(void)v;
	if (uc->cmd == UCALL_SYNC)
		*(uc->args[0] == 1 ? &b->t0 : &b->t1) = bench_now();
}

/* One run, with MIME (traced) or without: the loop's seconds and the references recorded. */
static int one_run(int mime, double *secs, uint64_t *refs)
{
	struct tvm_opts o = { .entry = guest_code };
	struct mime_opts mo = { .start = (uintptr_t)bmime_copy,
				.end = (uintptr_t)bmime_copy_end,
				.cpl = 0 };
	char dir[] = "/tmp/vmscope-bench-mime-XXXXXX", cmd[64];
	struct trace_opts to = { .dir = dir };
	struct trace_session *s = NULL;
	struct mime_stats st = { 0 };
	struct run b = { 0 };
	struct vm vm;
	int ret;

	if (!mkdtemp(dir) || tvm_create(&vm, &o))
		return -1;
	ret = host__setup(&vm, HOSTFIX_AUTO);
	host__breakpoints(&vm);
	if (!ret && mime)
		ret = mime__setup(&vm, &mo);
	if (!ret && mime)
		ret = vm__trace_start(&vm, &to, &s);
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &b;
	if (!ret && tvm_run(&vm, 600) != 0)
		ret = -1;
	if (s) {
		vm__trace_stop(&vm);
		trace__free(s);
	}
	mime__stats(&vm, &st);
	mime__free(&vm);
	vm__destroy(&vm);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) || ret || b.t1 <= b.t0)
		return -1;
	*secs = b.t1 - b.t0;
	*refs = st.refs;
	return 0;
}

int main(void)
{
	double t[2][RUNS], rate[RUNS];
	uint64_t refs = 0, none;
	int i;

	harness_require_kvm();
	for (i = 0; i < RUNS; i++)
		if (one_run(0, &t[0][i], &none) || one_run(1, &t[1][i], &refs)) {
			fprintf(stderr, "bench_mime: a run failed: %s\n", err__last());
			return 1;
		}
	if (refs != 2 * NQ + 1) {
		fprintf(stderr, "bench_mime: %llu references traced, expected %d\n",
			(unsigned long long)refs, 2 * NQ + 1);
		return 1;
	}
	for (i = 0; i < RUNS; i++)
		rate[i] = (double)refs / t[1][i];
	bench_median(rate, RUNS);
	bench_median(t[0], RUNS);
	bench_median(t[1], RUNS);
	printf("| MIME: memory references traced per second, a ring-0 copy loop of %d quadwords "
	       "(median of %d runs) | %.0f /s | %.1f us each | min %.0f, max %.0f |\n",
	       NQ, RUNS, rate[RUNS / 2], 1e6 / rate[RUNS / 2], rate[0], rate[RUNS - 1]);
	printf("| MIME: the copy loop's time traced vs untraced (median of %d runs each) | %.4f s "
	       "| %.0f x | untraced %.6f s; traced min %.4f max %.4f, untraced min %.6f max %.6f "
	       "|\n",
	       RUNS, t[1][RUNS / 2], t[1][RUNS / 2] / t[0][RUNS / 2], t[0][RUNS / 2], t[1][0],
	       t[1][RUNS - 1], t[0][0], t[0][RUNS - 1]);
	return 0;
}
