// SPDX-License-Identifier: GPL-2.0
/*
 * What RTME costs.  A ring-0 loop runs NTX transactions whose bodies are K1 or K2 memory
 * increments; KVM's exit counter of the vCPU, read at ucalls around the loop, gives the VM
 * exits per transactional instruction (the slope between K1 and K2) and the fixed exits of
 * each transaction (XBEGIN, XEND and what surrounds them), against the same loop without
 * transactions.  Then the guest kit's tsx on 2 vCPUs under `vmscope run --rtme`: its own run
 * time (rdtsc, "tsx: elapsed N tsc") with RTM vs its lock-only path, in the same kind of run.
 * Medians of RUNS runs each, interleaved.  Last, the default tsx (4 processes x 20000) under
 * --rtme against the same program without RTME in lock-only mode (one run each: minutes):
 * the whole run and the workers' time, commits per second of it, and the aborts by cause.
 */
#include <limits.h>

#include "harness.h"
#include "bench.h"
#include "../../core/hostfix.h"
#include "../../core/kvmstats.h"
#include "../../guests/lib/kern.h"
#include "../../rtme/rtme.h"
#include "../../host/host.h"

KERN_DEFINE_ASM

#define NTX 100
#define K1 2
#define K2 12
#define RUNS 3
#define TSX_ITERS 200

__asm__(".section .text.guest, \"ax\"\n"
	".globl brtme_code, brtme_code_end\n"
	"brtme_code:\n"
	/* name(n, x): n transactions of k increments of *x. */
	".macro tx_loop name, k\n"
	"\\name:\n"
	"1:	xbegin 2f\n"
	"	.rept \\k\n"
	"	incq (%rsi)\n"
	"	.endr\n"
	"	xend\n"
	"2:	dec %rdi\n"
	"	jnz 1b\n"
	"	ret\n"
	".endm\n"
	"tx_loop loop_tx_k1, 2\n"
	"tx_loop loop_tx_k2, 12\n"
	"loop_plain_k1:\n"
	"1:	.rept 2\n"
	"	incq (%rsi)\n"
	"	.endr\n"
	"	dec %rdi\n"
	"	jnz 1b\n"
	"	ret\n"
	"brtme_code_end:\n"
	".previous\n");
extern char brtme_code[], brtme_code_end[];
void loop_tx_k1(uint64_t n, uint64_t *x), loop_tx_k2(uint64_t n, uint64_t *x);
void loop_plain_k1(uint64_t n, uint64_t *x);

static volatile int variant; /* set by the host: 0 plain, 1 K1, 2 K2 */
static uint64_t counter __attribute__((aligned(64)));

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	kern_init();
	GUEST_SYNC(1, 0, 0); /* an exit: RTME hooks the #BP handler; the count starts */
	if (variant == 0)
		loop_plain_k1(NTX, &counter);
	else if (variant == 1)
		loop_tx_k1(NTX, &counter);
	else
		loop_tx_k2(NTX, &counter);
	GUEST_SYNC(2, 0, 0);
	GUEST_ASSERT_EQ(counter, (uint64_t)NTX * (variant == 2 ? K2 : K1));
	GUEST_DONE();
}

struct sample {
	struct kvm_stats_reader st;
	uint64_t exits[3];
	double t[3];
};

static void on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct sample *s = opaque;
	struct trace_kvm_stats_args a;

	if (uc->cmd != UCALL_SYNC || uc->args[0] > 2 || kvm_stats__sample(&s->st, v->id, &a))
		return;
	s->exits[uc->args[0]] = a.exits;
	s->t[uc->args[0]] = bench_now();
}

/* One run of a variant: exits and seconds between the two ucalls. */
static int one_loop(int which, double *exits, double *secs)
{
	struct tvm_opts o = { .entry = guest_code };
	struct rtme_opts ro = { 0 };
	struct sample s = { 0 };
	volatile int *w;
	struct vm vm;
	int ret;

	if (tvm_create(&vm, &o))
		return -1;
	w = mem__gpa_to_hva(&vm.mem, (uintptr_t)&variant, sizeof(variant));
	*w = which;
	ret = host__setup(&vm, HOSTFIX_AUTO) ?: rtme__setup(&vm, &ro);
	if (!ret && rtme__add_code(&vm, (uintptr_t)brtme_code, brtme_code_end - brtme_code,
				   (uintptr_t)brtme_code) != 4)
		ret = -1;
	if (!ret)
		ret = kvm_stats__open(&s.st, vm.vcpus[0].fd);
	vm.on_ucall = on_ucall;
	vm.ucall_opaque = &s;
	if (!ret && tvm_run(&vm, 600) != 0)
		ret = -1;
	kvm_stats__close(&s.st);
	rtme__free(&vm);
	vm__destroy(&vm);
	if (ret || s.t[2] <= s.t[1] || (s.st.missing & 1))
		return -1;
	*exits = (double)(s.exits[2] - s.exits[1]);
	*secs = s.t[2] - s.t[1];
	return 0;
}

/* build/vmscope, beside this program's directory. */
static void vmscope_path(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	snprintf(path, size, "%.*s/../vmscope", (int)(strrchr(self, '/') - self), self);
}

/* tsx on 2 vCPUs under --rtme in mode (rtm or lock): its own run time in TSC cycles. */
static int one_tsx(const char *mode, double *cycles)
{
	char path[PATH_MAX], cmd[PATH_MAX + 200], line[256];
	unsigned long long t = 0;
	int ok = 0;
	FILE *f;

	vmscope_path(path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
		 "'%s' run --no-input --vcpus 2 --rtme --no-kernel-probes --timeout 300 "
		 "--guest-cmd 'tsx %s 2 %d' 2>&1",
		 path, mode, TSX_ITERS);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "tsx: elapsed %llu tsc", &t);
		ok |= !strncmp(line, "tsx: ok", 7);
	}
	if (pclose(f) || !ok || !t)
		return -1;
	*cycles = (double)t;
	return 0;
}

struct tsx_run {
	double wall; /* s, VM start to stop */
	double cycles; /* the workers' time, guest TSC */
	double mhz; /* the guest's TSC */
	unsigned long long commits;
	char causes[256]; /* "(xabort 0, conflict ..., ordering 0)" from the run's summary */
};

/* `vmscope run --vcpus 2 [--rtme] --guest-cmd CMD`: its figures from its output. */
static int one_default(int rtme, const char *gcmd, struct tsx_run *t)
{
	char path[PATH_MAX], cmd[PATH_MAX + 200], line[1024];
	unsigned long long tsc = 0;
	double t0 = bench_now();
	const char *p;
	int ok = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	vmscope_path(path, sizeof(path));
	snprintf(cmd, sizeof(cmd),
		 "'%s' run --no-input --vcpus 2 %s--no-kernel-probes --timeout 1800 "
		 "--guest-cmd '%s' 2>&1",
		 path, rtme ? "--rtme " : "", gcmd);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "tsx: elapsed %llu tsc", &tsc);
		if ((p = strstr(line, "RAM, TSC ")))
			sscanf(p, "RAM, TSC %lf MHz", &t->mhz);
		if ((p = strstr(line, "vmscope: RTME: ")) &&
		    sscanf(p, "vmscope: RTME: %*u transactions, %llu committed", &t->commits) ==
			    1 &&
		    (p = strchr(p, '(')))
			snprintf(t->causes, sizeof(t->causes), "%.*s", (int)strcspn(p, ";"), p);
		ok |= !strncmp(line, "tsx: ok", 7);
	}
	t->wall = bench_now() - t0;
	if (pclose(f) || !ok || !tsc || t->mhz <= 0)
		return -1;
	t->cycles = (double)tsc;
	return 0;
}

/* The default tsx under --rtme against its lock-only run (issue: RTME's abort causes). */
static int default_tsx(void)
{
	struct tsx_run r, l;
	double secs;

	if (one_default(1, "tsx", &r) || one_default(0, "tsx lock", &l)) {
		fprintf(stderr, "bench_rtme: a run of the default tsx failed\n");
		return -1;
	}
	secs = r.cycles / (r.mhz * 1e6);
	printf("| RTME: the default tsx (4 processes x 20000, 2 vCPUs) under --rtme vs `tsx lock` "
	       "without it, VM start to stop (one run each) | %.1f s | %.0f x | lock only: %.2f s "
	       "|\n",
	       r.wall, r.wall / l.wall, l.wall);
	printf("| RTME: the same, the workers' own time (guest TSC) | %.2f s | %.0f x | lock only: "
	       "%.4f s |\n",
	       secs, r.cycles / l.cycles, l.cycles / (l.mhz * 1e6));
	printf("| RTME: the same, transactions committed per second of the workers' time | %.0f /s "
	       "| "
	       "| %llu committed; aborts %s |\n",
	       r.commits / secs, r.commits, r.causes);
	return 0;
}

int main(void)
{
	double e[3][RUNS], t[3][RUNS], rtm[RUNS], lock[RUNS], per, fixed;
	int i, k;

	harness_require_kvm();
	for (i = 0; i < RUNS; i++)
		for (k = 0; k < 3; k++)
			if (one_loop(k, &e[k][i], &t[k][i])) {
				fprintf(stderr, "bench_rtme: a loop run failed: %s\n", err__last());
				return 1;
			}
	for (i = 0; i < RUNS; i++)
		if (one_tsx("rtm", &rtm[i]) || one_tsx("lock", &lock[i])) {
			fprintf(stderr, "bench_rtme: a tsx run failed\n");
			return 1;
		}
	for (k = 0; k < 3; k++) {
		bench_median(e[k], RUNS);
		bench_median(t[k], RUNS);
	}
	bench_median(rtm, RUNS);
	bench_median(lock, RUNS);
	per = (e[2][RUNS / 2] - e[1][RUNS / 2]) / ((double)NTX * (K2 - K1));
	fixed = (e[1][RUNS / 2] - e[0][RUNS / 2]) / NTX - per * K1;
	printf("| RTME: VM exits per transactional instruction (%d transactions of %d vs %d "
	       "increments, median of %d runs) | %.2f | | exits %.0f vs %.0f |\n",
	       NTX, K1, K2, RUNS, per, e[1][RUNS / 2], e[2][RUNS / 2]);
	printf("| RTME: fixed VM exits per transaction (XBEGIN, XEND; against the loop without "
	       "transactions) | %.2f | | loop without: %.0f exits for %d iterations |\n",
	       fixed, e[0][RUNS / 2], NTX);
	printf("| RTME: a transaction of %d increments vs the same %d without (median of %d) | "
	       "%.1f us | %.0f x | without: %.2f us |\n",
	       K1, K1, RUNS, 1e6 * t[1][RUNS / 2] / NTX, t[1][RUNS / 2] / t[0][RUNS / 2],
	       1e6 * t[0][RUNS / 2] / NTX);
	printf("| RTME: tsx 2x%d on 2 vCPUs under --rtme, RTM vs its lock-only path (guest TSC, "
	       "median of %d) | %.0f Mcycles | %.1f x | lock only: %.1f Mcycles |\n",
	       TSX_ITERS, RUNS, rtm[RUNS / 2] / 1e6, rtm[RUNS / 2] / lock[RUNS / 2],
	       lock[RUNS / 2] / 1e6);
	return default_tsx() ? 1 : 0;
}
