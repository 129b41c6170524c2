// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel probes against real runs of the vmscope binary, read back with babeltrace2:
 *
 * - guest_probe (below) makes, on each of two vCPUs, NR_OUT port writes, NR_IN port reads,
 *   NR_MMIO_W MMIO writes and NR_MMIO_R MMIO reads at addresses of its own; per vCPU, the
 *   kernel stream's kvm_userspace_exit events equal the vCPU stream's exit events, its
 *   kvm_pio and kvm_mmio events of those addresses equal the IO and MMIO exits there, and
 *   each of those exits comes after its own kvm_pio/kvm_mmio and kvm_userspace_exit in time;
 * - a second VMM process running guest_spin (port and MMIO exits of other addresses) at the
 *   same time: none of its events is in the first trace, nor the first's in its trace;
 * - without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped from the bounding set before
 *   exec, so root's exec cannot regain them) the run says what is missing and succeeds;
 * - vmscope report counts the kernel events the same way;
 * - a BPF ring buffer too small for kvm_emulate_insn's rate loses records, and babeltrace2's
 *   discarded count, the in-band lost records and the probes' own count agree.
 *
 * Skipped when this host cannot load the probes (no BTF, no BPF, a build without them).
 */
#include <sys/prctl.h>

#include "../../lib/jsonc.h"
#include "../../probes/probes.h"
#include "../../trace/trace.h"
#include "cli_harness.h"

#define NR_OUT 300
#define NR_IN 200
#define NR_MMIO_W 150
#define NR_MMIO_R 100
#define PROBE_PORT 0x600 /* + vCPU */
#define PROBE_MMIO 0xd8000000ull /* + vCPU * 4 KiB, in the MMIO hole, claimed by no device */
#define OTHER_PORT 0x700
#define OTHER_MMIO 0xd9000000ull

static volatile uint32_t guest_done;

static GUEST_CODE void guest_probe(uint64_t id, uint64_t nr)
{
	uint64_t mmio = PROBE_MMIO + id * 4096;
	int i;

	for (i = 0; i < NR_OUT; i++)
		guest_outl(PROBE_PORT + id, i);
	for (i = 0; i < NR_IN; i++)
		(void)guest_inl(PROBE_PORT + id);
	for (i = 0; i < NR_MMIO_W; i++)
		guest_mmio_write32(mmio, i);
	for (i = 0; i < NR_MMIO_R; i++)
		(void)guest_mmio_read32(mmio);
	__atomic_add_fetch(&guest_done, 1, __ATOMIC_SEQ_CST);
	if (id == 0) {
		while (__atomic_load_n(&guest_done, __ATOMIC_SEQ_CST) < nr)
			__asm__ volatile("pause");
		guest_outb(PORT_DEBUG_EXIT, 0);
	}
	for (;;)
		__asm__ volatile("hlt");
}

/* Ring-0 instructions and no exits: on an emulating host, one kvm_emulate_insn each. */
static GUEST_CODE void guest_busy(uint64_t id, uint64_t nr)
{
	volatile uint32_t i;

	(void)id;
	(void)nr;
	for (i = 0; i < 100000; i++)
		;
	GUEST_DONE();
}

/* The other VMM: exits until it is stopped. */
static GUEST_CODE void guest_spin(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	for (;;) {
		guest_outb(OTHER_PORT, 1);
		guest_mmio_write32(OTHER_MMIO, 1);
	}
}

static char probe_entry[32], spin_entry[32];

/* What babeltrace2 printed for one vCPU. */
struct counts {
	long exits, uexits; /* exit events; kvm_userspace_exit events */
	long io_exits, pio; /* exits at our port; kvm_pio events there */
	long mmio_exits, mmio_req, mmio_done; /* exits at our address; kvm_mmio WRITE or
						 READ_UNSATISFIED there; completed READs */
	long out_of_order; /* exits whose kernel events are not where they belong in time */
	long req_since, done_since, uexit_since; /* since the vCPU's previous exit */
	int want_done; /* the previous exit was a read of ours: its completion comes next */
};

struct bt_counts {
	struct counts v[2];
	long foreign; /* events of the other VMM's port or address */
	long bad_vcpu; /* kernel events of a vCPU that does not exist */
	long kernel; /* kernel events */
	int discarded;
	int status;
};

static long field_num(const char *line, const char *name)
{
	const char *p = strstr(line, name);

	return p ? strtol(p + strlen(name), NULL, 0) : -1;
}

/*
 * KVM's order, per vCPU: a port write or an MMIO access fires kvm_pio/kvm_mmio (WRITE or
 * READ_UNSATISFIED) before its kvm_userspace_exit, and the exit event comes after both; a
 * port read fires kvm_pio, and an MMIO read kvm_mmio READ, when it completes, in the next
 * KVM_RUN, before the next exit.
 */
static void count_exit(struct counts *c, const char *line, int vcpu)
{
	long qual = field_num(line, "qual = "), dir = field_num(line, "dir = ");
	int io = strstr(line, "reason = ( \"IO\"") && qual == PROBE_PORT + vcpu;
	int mmio = strstr(line, "reason = ( \"MMIO\"") && qual == (long)(PROBE_MMIO + vcpu * 4096);
	int want_req = mmio || (io && dir == 1);

	c->exits++;
	c->io_exits += io;
	c->mmio_exits += mmio;
	c->out_of_order +=
		c->req_since != want_req || c->uexit_since != 1 || c->done_since != c->want_done;
	c->want_done = (io || mmio) && dir == 0;
	c->req_since = c->done_since = c->uexit_since = 0;
}

static void count_kernel(struct bt_counts *b, const char *line)
{
	long vcpu = field_num(line, "vcpu = "), port = field_num(line, "port = "),
	     gpa = field_num(line, "gpa = ");
	struct counts *c;

	b->kernel++;
	if (vcpu < 0 || vcpu > 1) {
		b->bad_vcpu++;
		return;
	}
	c = &b->v[vcpu];
	if (port == OTHER_PORT || gpa == (long)OTHER_MMIO)
		b->foreign++;
	if (strstr(line, " kvm_userspace_exit: ")) {
		c->uexits++;
		c->uexit_since++;
	} else if (strstr(line, " kvm_pio: ") && port == PROBE_PORT + vcpu) {
		int done = strstr(line, "\"IN\"") != NULL;

		c->pio++;
		c->done_since += done;
		c->req_since += !done;
	} else if (strstr(line, " kvm_mmio: ") && gpa == (long)(PROBE_MMIO + vcpu * 4096)) {
		int done = strstr(line, "\"READ\"") != NULL;

		c->mmio_done += done;
		c->mmio_req += !done;
		c->done_since += done;
		c->req_since += !done;
	}
}

/* Run babeltrace2 on dir (every stream, in time order) and count. */
static int bt_count(const char *dir, struct bt_counts *b)
{
	char cmd[PATH_MAX + 64], line[1024];
	FILE *f;

	memset(b, 0, sizeof(*b));
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", dir);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	/* No loss is expected here: a warning, if any, only has to be seen. */
	while (fgets(line, sizeof(line), f)) {
		long vcpu = field_num(line, "vcpu = ");

		if (strstr(line, " kvm_") && !strstr(line, " kvm_stats: "))
			count_kernel(b, line);
		else if (strstr(line, " exit: ") && vcpu >= 0 && vcpu <= 1)
			count_exit(&b->v[vcpu], line, vcpu);
		if (strstr(line, "discarded"))
			b->discarded = 1;
	}
	b->status = pclose(f);
	return 0;
}

static int check_vcpu(const struct counts *c, int vcpu)
{
	TEST_ASSERT(c->uexits == c->exits, "vCPU %d: %ld kvm_userspace_exit events, %ld exits",
		    vcpu, c->uexits, c->exits);
	TEST_ASSERT(c->io_exits == NR_OUT + NR_IN && c->pio == c->io_exits,
		    "vCPU %d: %ld IO exits at port %#x (want %d), %ld kvm_pio events there", vcpu,
		    c->io_exits, PROBE_PORT + vcpu, NR_OUT + NR_IN, c->pio);
	TEST_ASSERT(c->mmio_exits == NR_MMIO_W + NR_MMIO_R && c->mmio_req == c->mmio_exits,
		    "vCPU %d: %ld MMIO exits (want %d), %ld kvm_mmio write/unsatisfied-read events",
		    vcpu, c->mmio_exits, NR_MMIO_W + NR_MMIO_R, c->mmio_req);
	TEST_ASSERT(c->mmio_done == NR_MMIO_R, "vCPU %d: %ld completed kvm_mmio reads, want %d",
		    vcpu, c->mmio_done, NR_MMIO_R);
	TEST_ASSERT(c->out_of_order == 0,
		    "vCPU %d: %ld exits not preceded by their own kernel events in time order",
		    vcpu, c->out_of_order);
	return 0;
}

static pid_t other_start(const char *trace)
{
	const char *argv[] = { "vmscope", "run",     "--no-input", "--timeout", "60", "--trace",
			       trace,	  "--entry", spin_entry,   cli_self,	NULL };
	char out[PATH_MAX];

	snprintf(out, sizeof(out), "%s/other.out", cli_tmp);
	return cli_spawn(argv, out);
}

/* The traced run, with another VMM process spinning beside it. */
static int test_counts_and_isolation(void)
{
	char trace[PATH_MAX], other[PATH_MAX], *out;
	const char *argv[] = { "vmscope",   "run",    "--no-input", "--timeout", "60",
			       "--vcpus",   "2",      "--trace",    trace,	 "--entry",
			       probe_entry, cli_self, NULL };
	struct bt_counts b, o;
	pid_t pid;
	int i;

	snprintf(trace, sizeof(trace), "%s/probe", cli_tmp);
	snprintf(other, sizeof(other), "%s/other", cli_tmp);
	pid = other_start(other);
	usleep(300000); /* let it start exiting */
	i = cli_run(argv, &out);
	kill(pid, SIGINT);
	TEST_ASSERT(cli_wait(pid, 30) == 128 + SIGINT, "the other VMM did not end on SIGINT");
	TEST_ASSERT(i == 0, "vmscope run failed (%d):\n%s", i, out);
	TEST_ASSERT(strstr(out, "kernel probes on") && strstr(out, "kvm_pio"),
		    "no 'kernel probes on ... kvm_pio' line:\n%s", out);
	free(out);
	TEST_ASSERT(bt_count(trace, &b) == 0 && b.status == 0, "babeltrace2 failed on %s", trace);
	TEST_ASSERT(!b.discarded, "events were discarded");
	TEST_ASSERT(b.kernel > 0 && b.bad_vcpu == 0, "%ld kernel events, %ld of unknown vCPUs",
		    b.kernel, b.bad_vcpu);
	TEST_ASSERT(b.foreign == 0, "%ld events of the other VMM in this trace", b.foreign);
	for (i = 0; i < 2; i++)
		if (check_vcpu(&b.v[i], i))
			return -1;
	/* And the other VMM saw its own exits, none of ours. */
	TEST_ASSERT(bt_count(other, &o) == 0 && o.status == 0, "babeltrace2 failed on %s", other);
	TEST_ASSERT(o.foreign > 0 && o.v[0].pio == 0 && o.v[0].mmio_req == 0,
		    "other VMM: %ld events of its own port/address, %ld of ours", o.foreign,
		    o.v[0].pio + o.v[0].mmio_req);
	return 0;
}

/* vmscope report --json: the kernel section counts the same events. */
static int test_report(void)
{
	char trace[PATH_MAX], *out;
	const char *argv[] = { "vmscope", "report", "--json", trace, NULL };
	struct json_object *j, *k, *rows;
	long uexits = 0, exits;
	size_t i;

	snprintf(trace, sizeof(trace), "%s/probe", cli_tmp);
	TEST_ASSERT(cli_run(argv, &out) == 0, "report failed:\n%s", out);
	if (strstr(out, "without libbabeltrace2")) {
		free(out);
		return 0; /* the report is optional; the babeltrace2 command checked the trace */
	}
	j = jsonc__parse(out, "report --json", NULL);
	TEST_ASSERT(j, "%s:\n%s", err__last(), out);
	k = json_object_object_get(j, "kernel");
	rows = json_object_object_get(k, "by_event");
	TEST_ASSERT(json_object_is_type(rows, json_type_array), "no kernel section:\n%s", out);
	for (i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *event = jsonc__str(row, "event");

		if (event && !strcmp(event, "kvm_userspace_exit"))
			uexits += jsonc__u64(row, "count", 0);
	}
	exits = jsonc__u64(j, "exits", 0);
	TEST_ASSERT(uexits == exits, "report: %ld kvm_userspace_exit, %ld exits", uexits, exits);
	TEST_ASSERT(jsonc__u64(k, "lost", 1) == 0, "report: kernel events lost");
	json_object_put(j);
	free(out);
	return 0;
}

/* A child without the BPF capabilities: exec cannot give them back to root. */
static pid_t spawn_without_bpf_caps(const char *const *argv, const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (prctl(PR_CAPBSET_DROP, 39 /* CAP_BPF */, 0, 0, 0) ||
		    prctl(PR_CAPBSET_DROP, 38 /* CAP_PERFMON */, 0, 0, 0) ||
		    prctl(PR_CAPBSET_DROP, 21 /* CAP_SYS_ADMIN */, 0, 0, 0) || fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(cli_vmscope, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int test_no_privileges(void)
{
	char trace[PATH_MAX], path[PATH_MAX], *out;
	const char *argv[] = { "vmscope", "run",     "--no-input", "--timeout", "60", "--trace",
			       trace,	  "--entry", probe_entry,  cli_self,	NULL };
	struct bt_counts b;
	int status;

	snprintf(trace, sizeof(trace), "%s/noprivs", cli_tmp);
	snprintf(path, sizeof(path), "%s/noprivs.out", cli_tmp);
	status = cli_wait(spawn_without_bpf_caps(argv, path), 60);
	out = cli_slurp(path);
	TEST_ASSERT(status != 126, "cannot drop capabilities here (prctl PR_CAPBSET_DROP)");
	TEST_ASSERT(status == 0, "the run without BPF privileges failed (%d):\n%s", status, out);
	TEST_ASSERT(cli_count(out, "kernel probes unavailable:") == 1 && strstr(out, "CAP_BPF") &&
			    strstr(out, "CAP_PERFMON"),
		    "want one message naming CAP_BPF and CAP_PERFMON:\n%s", out);
	free(out);
	TEST_ASSERT(bt_count(trace, &b) == 0 && b.status == 0, "babeltrace2 failed on %s", trace);
	TEST_ASSERT(b.kernel == 0 && b.v[0].io_exits == NR_OUT + NR_IN,
		    "%ld kernel events, %ld IO exits", b.kernel, b.v[0].io_exits);
	return 0;
}

/*
 * babeltrace2's "Tracer discarded N events" warnings (stderr, kept apart so that they cannot
 * land inside an event's line), the lost records' counts and the kvm_emulate_insn events.
 */
static int bt_losses(const char *dir, long *discarded, long *lost_records, long *kernel)
{
	char cmd[2 * PATH_MAX + 64], line[1024], err[PATH_MAX + 8];
	FILE *f;
	int status;

	*discarded = *lost_records = *kernel = 0;
	snprintf(err, sizeof(err), "%s.err", dir);
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>'%s'", dir, err);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p;

		if (strstr(line, " lost: ") && (p = strstr(line, "count = ")))
			*lost_records += atol(p + 8);
		*kernel += strstr(line, " kvm_emulate_insn: ") != NULL;
	}
	status = pclose(f);
	f = fopen(err, "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "Tracer discarded ");

		if (p)
			*discarded += atol(p + 17);
	}
	if (f)
		fclose(f);
	return status ? -1 : 0;
}

/* In process: a 4 KiB BPF ring buffer against an emulator-bound guest. */
static int test_bpf_loss(void)
{
	struct tvm_opts o = { .entry = guest_busy };
	struct probes_opts po = { .buffer_size = 4096 };
	struct trace_opts to = { .kernel_streams = 1, .buffer_size = 64 << 20 };
	struct trace_session *s;
	struct probes_stats ps;
	long discarded, lost, kernel;
	uint64_t emulated;
	char dir[PATH_MAX];
	struct probes *p;
	struct vm vm;
	int status;

	if (probes__parse("all", &po.mask) || tvm_create(&vm, &o))
		return -1;
	p = probes__open(&vm, &po);
	TEST_ASSERT(p, "probes__open: %s", err__msg(-errno));
	if (!strstr(probes__attached(p), "kvm_emulate_insn")) {
		printf("# kvm_emulate_insn not attached here: loss test not run\n");
		probes__free(p);
		vm__destroy(&vm);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/loss", cli_tmp);
	to.dir = dir;
	to.kernel_probes = probes__attached(p);
	TEST_ASSERT(!vm__trace_start(&vm, &to, &s) && !probes__start(p, s), "%s", err__last());
	status = tvm_run(&vm, 60);
	TEST_ASSERT(!probes__stop(p) && !vm__trace_stop(&vm), "%s", err__last());
	probes__stats(p, &ps);
	trace__free(s);
	probes__free(p);
	vm__destroy(&vm);
	TEST_ASSERT(status == 0, "guest status %d", status);
	TEST_ASSERT(!bt_losses(dir, &discarded, &lost, &kernel), "babeltrace2 failed on %s", dir);
	if (!ps.lost) {
		printf("# the drain kept up with %ld events in a 4 KiB buffer: nothing to check\n",
		       kernel);
		return 0;
	}
	TEST_ASSERT(discarded == (long)ps.lost && lost == (long)ps.lost,
		    "BPF lost %llu; babeltrace2 discarded %ld; lost records %ld",
		    (unsigned long long)ps.lost, discarded, lost);
	emulated = ps.by_tp[probes__tp_index("kvm_emulate_insn")];
	TEST_ASSERT(kernel == (long)emulated, "%ld kvm_emulate_insn events read, %llu written",
		    kernel, (unsigned long long)emulated);
	return 0;
}

/* The line of notes about tracepoint tp, without "tp: " ("" when there is none). */
static void note_of(const char *notes, const char *tp, char *line, size_t size)
{
	size_t n = strlen(tp);
	const char *p;

	line[0] = '\0';
	for (p = notes; *p; p += strcspn(p, "\n") + !!p[strcspn(p, "\n")])
		if (!strncmp(p, tp, n) && p[n] == ':' && p[n + 1] == ' ') {
			snprintf(line, size, "%.*s", (int)strcspn(p + n + 2, "\n"), p + n + 2);
			return;
		}
}

/*
 * Skipped where this host cannot load BPF programs at all (no BTF, no privileges, a build
 * without the probes) or its kernel has no such tracepoint; a tracepoint the kernel has but
 * whose program was refused or not attached is a failure.
 */
static void require_probes(void)
{
	static const char *const need[] = { "kvm_userspace_exit", "kvm_pio", "kvm_mmio" };
	struct probes_check pc;
	char note[512];
	size_t i;

	if (probes__check(&pc) && !pc.notes[0]) {
		printf("SKIP: %s\n", pc.why);
		exit(KSFT_SKIP);
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		note_of(pc.notes, need[i], note, sizeof(note));
		if (strncmp(note, "not attached", 12))
			continue;
		if (strstr(note, "no such tracepoint")) {
			printf("SKIP: %s: %s\n", need[i], note);
			exit(KSFT_SKIP);
		}
		printf("FAIL: kernel probe %s: %s\n", need[i], note);
		exit(1);
	}
	if (system("babeltrace2 --version >/dev/null 2>&1") != 0) {
		printf("SKIP: the babeltrace2 command is not installed (apt-get install "
		       "babeltrace2)\n");
		exit(KSFT_SKIP);
	}
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "kernel events per vCPU equal the exits; another VMM's are not recorded",
		  test_counts_and_isolation },
		{ "report counts the kernel events", test_report },
		{ "without BPF privileges: one message, the run succeeds", test_no_privileges },
		{ "BPF ring buffer losses reported like ring losses", test_bpf_loss },
	};
	int ret;

	harness_require_kvm();
	require_probes();
	cli_setup();
	snprintf(probe_entry, sizeof(probe_entry), "%#lx", (unsigned long)(uintptr_t)guest_probe);
	snprintf(spin_entry, sizeof(spin_entry), "%#lx", (unsigned long)(uintptr_t)guest_spin);
	ret = harness_main(cases, 4);
	cli_cleanup();
	return ret;
}
