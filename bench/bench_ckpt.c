// SPDX-License-Identifier: GPL-2.0
/*
 * What checkpoint and restore cost.  A VM whose RAM above 32 MiB is filled with non-zero data
 * (below: the guest's code, tables and stacks) is checkpointed to a file in /tmp: bytes per
 * second from pause to the file renamed in place (synced), against a memcpy of the same RAM
 * in the same run.  Then restore to the guest's first exit (the checkpoint was taken before
 * its first instruction; its first instructions report done through a ucall): opening and
 * checking the file, creating the VM, mapping the memory and setting every state, starting
 * the vCPU, for 64 MiB, 256 MiB and 1 GiB guests, against reading the same memory from the
 * file (what a restore that copies RAM would pay at least).  Last, live migration of a
 * 256 MiB guest over loopback between two `vmscope run`s (vmscope migrate's reply): the
 * downtime and the total time, the guest idle (ticks sleeping) and while dirty writes.
 * Medians of RUNS runs.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "bench.h"
#include "../../ckpt/ckpt.h"
#include "../../core/hostfix.h"
#include "../../host/host.h"

#define RUNS 3
#define LOW (32ull << 20) /* left as the harness loaded it */
#define PATH "/tmp/vmscope-bench.ckpt"

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	(void)id;
	(void)nr;
	GUEST_DONE();
}

static void fill(struct vm *vm)
{
	uint64_t off;

	for (off = LOW; off < vm->mem.size; off += 8)
		*(uint64_t *)(vm->mem.host + off) = off * 0x9e3779b97f4a7c15ull | 1;
}

/* A checkpoint of a filled, never-run VM of size bytes: its seconds and bytes written. */
static int checkpoint(uint64_t size, double *secs, uint64_t *bytes)
{
	struct tvm_opts o = { .entry = guest_code, .mem_size = size };
	struct ckpt_run_info info = { 0 };
	struct ckpt_result res;
	struct vm vm;
	double t0;
	int ret;

	if (tvm_create(&vm, &o))
		return -1;
	fill(&vm);
	ret = ckpt__setup(&vm, &info);
	t0 = bench_now();
	ret = ret ?: ckpt__checkpoint(&vm, PATH, 0, 0, &res);
	*secs = bench_now() - t0;
	*bytes = res.state_bytes;
	if (ret)
		fprintf(stderr, "bench_ckpt: %s\n", err__msg(ret));
	ckpt__free(&vm);
	vm__destroy(&vm);
	return ret;
}

/* memcpy of the VM's filled RAM, in seconds. */
static double copy_ram(uint64_t size)
{
	char *src = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t;

	if (src == MAP_FAILED || dst == MAP_FAILED)
		return -1;
	memset(src, 0x5a, size);
	memset(dst, 0, size); /* both resident, as the VM's RAM and the page cache are */
	t0 = bench_now();
	memcpy(dst, src, size);
	t = bench_now() - t0;
	munmap(src, size);
	munmap(dst, size);
	return t;
}

static void on_done(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	(void)v;
	(void)uc;
	*(double *)opaque = bench_now();
}

/* Restore PATH and run to the guest's first exit: seconds. */
static int restore(double *secs)
{
	struct vm_opts vo = { .console_fd = STDERR_FILENO, .input_fd = -1 };
	struct ckpt_image *img;
	double t0 = bench_now(), t_exit = 0;
	struct vm vm;
	int ret = ckpt__open(PATH, &img);

	if (ret)
		return ret;
	vo.mem_size = ckpt__config(img)->mem_size;
	vo.nr_vcpus = ckpt__config(img)->nr_vcpus;
	ret = vm__create(&vm, &vo) ?: host__setup(&vm, HOSTFIX_AUTO) ?: ckpt__restore(&vm, img);
	vm.on_ucall = on_done;
	vm.ucall_opaque = &t_exit;
	if (!ret && tvm_run(&vm, 120) != 0)
		ret = -1;
	*secs = t_exit - t0;
	if (ret || t_exit == 0)
		fprintf(stderr, "bench_ckpt: restore failed: %s\n", err__msg(ret));
	ckpt__close(img);
	vm__destroy(&vm);
	return ret || t_exit == 0 ? -1 : 0;
}

/* Reading the memory section of PATH (size bytes) into memory: seconds. */
static double read_ram(uint64_t size)
{
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open(PATH, O_RDONLY);
	double t0, t = -1;
	uint64_t off = 0;
	ssize_t n = 1;

	if (buf != MAP_FAILED && fd >= 0) {
		memset(buf, 0, size);
		t0 = bench_now();
		while (off < size && (n = pread(fd, buf + off, size - off, (off_t)off)) > 0)
			off += n;
		t = bench_now() - t0;
	}
	if (fd >= 0)
		close(fd);
	if (buf != MAP_FAILED)
		munmap(buf, size);
	return t;
}

static void vmscope_path(char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	snprintf(path, size, "%.*s/../vmscope", (int)(strrchr(self, '/') - self), self);
}

/* One migration of a 256 MiB guest running cmd: downtime and total, in seconds. */
static int migrate_once(const char *cmd, int port, double *down, double *total)
{
	char path[PATH_MAX], sh[2 * PATH_MAX + 1024], line[1024];
	unsigned long long d = 0, t = 0;
	const char *p;
	FILE *f;

	vmscope_path(path, sizeof(path));
	snprintf(sh, sizeof(sh),
		 "D=$(mktemp -d); export VMSCOPE_CONTROL_DIR=$D; V='%s'; A=127.0.0.1:%d; "
		 "$V run --no-input --no-kernel-probes --incoming $A --timeout 120 -o /dev/null "
		 "2>/dev/null & T=$!; "
		 "$V run --no-input --no-kernel-probes --mem 256M --timeout 120 -o /dev/null "
		 "--guest-cmd '%s' 2>/dev/null & S=$!; "
		 "i=0; while [ ! -S $D/$S.sock ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); "
		 "done; "
		 "sleep 1; $V migrate --json $S $A; kill -TERM $T; wait $S; wait $T; rm -rf $D",
		 path, port, cmd);
	f = popen(sh, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if ((p = strstr(line, "\"downtime_ns\":")))
			d = strtoull(p + 14, NULL, 10);
		if ((p = strstr(line, "\"total_ns\":")))
			t = strtoull(p + 11, NULL, 10);
	}
	pclose(f);
	if (!d || !t) {
		fprintf(stderr, "bench_ckpt: the migration of '%s' failed\n", cmd);
		return -1;
	}
	*down = d / 1e9;
	*total = t / 1e9;
	return 0;
}

static int migration_rows(void)
{
	static const char *const cmds[][2] = {
		{ "idle (ticks sleeping)", "ticks 400 50 0" },
		{ "while dirty writes 20000 pages/s over 64 MiB", "dirty 64M 20000 60" },
	};
	double d[RUNS], t[RUNS], md, mt;
	size_t c;
	int i;

	for (c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		for (i = 0; i < RUNS; i++)
			if (migrate_once(cmds[c][1], 20000 + getpid() % 20000 + i, &d[i], &t[i]))
				return -1;
		md = bench_median(d, RUNS); /* sorts d: its spread below */
		mt = bench_median(t, RUNS);
		printf("| live migration, 256 MiB guest on loopback, %s: downtime (median of %d; "
		       "--downtime-ms 10) | %.1f ms | total %.2f s | %.1f-%.1f ms |\n",
		       cmds[c][0], RUNS, md * 1e3, mt, d[0] * 1e3, d[RUNS - 1] * 1e3);
	}
	return 0;
}

int main(void)
{
	static const uint64_t sizes[] = { 64ull << 20, 256ull << 20, 1ull << 30 };
	double w[RUNS], c[RUNS], r[RUNS], e[RUNS], mw, mc, mr, me;
	uint64_t bytes = 0;
	size_t s;
	int i;

	harness_require_kvm();
	for (i = 0; i < RUNS; i++) {
		if (checkpoint(sizes[1], &w[i], &bytes))
			return 1;
		c[i] = copy_ram(bytes);
	}
	mw = bench_median(w, RUNS);
	mc = bench_median(c, RUNS);
	printf("| checkpoint write, 256 MiB guest (%.0f MiB written, file in /tmp, synced) vs a "
	       "memcpy of as much RAM (the checkpoint takes %.1fx the memcpy's time; median of %d) "
	       "| %.0f MiB/s | memcpy %.0f MiB/s | %.0f-%.0f MiB/s |\n",
	       bytes / 1048576.0, mw / mc, RUNS, bytes / 1048576.0 / mw, bytes / 1048576.0 / mc,
	       bytes / 1048576.0 / w[RUNS - 1], bytes / 1048576.0 / w[0]);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (checkpoint(sizes[s], &w[0], &bytes))
			return 1;
		for (i = 0; i < RUNS; i++) {
			if (restore(&r[i]))
				return 1;
			e[i] = read_ram(sizes[s]);
		}
		mr = bench_median(r, RUNS);
		me = bench_median(e, RUNS);
		printf("| restore to the guest's first exit, %llu MiB guest, memory mapped from "
		       "the "
		       "file vs reading it (reading takes %.1fx as long; median of %d) | %.1f ms | "
		       "read %.1f ms | "
		       "%.1f-%.1f ms |\n",
		       (unsigned long long)(sizes[s] >> 20), me / mr, RUNS, mr * 1e3, me * 1e3,
		       r[0] * 1e3, r[RUNS - 1] * 1e3);
	}
	unlink(PATH);
	return migration_rows() ? 1 : 0;
}
