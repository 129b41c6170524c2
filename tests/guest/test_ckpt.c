// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restore against real runs of the built-in kernel.  `vmscope run
 * --checkpoint-at T FILE` at several points of a guest whose output does not depend on timing
 * (ticks, files), on 1 and 2 vCPUs, its LAPIC timer armed: `vmscope run --restore
 * FILE` prints exactly the rest of the original run's output (the console's byte count at the
 * checkpoint splits it).  A VM paused by a client is checkpointed and stays paused.
 * `vmscope checkpoint --stop` through the control socket, then a restore: the two halves make
 * the output of an uninterrupted run.  The traces are linked
 * (lifecycle events, the restored trace's environment).  Corrupt and truncated checkpoints
 * are refused with the section and byte; options that do not go with --restore are refused.
 */
#include "cli_harness.h"

#include "../../control/control.h"
#include "../../ckpt/ckpt_int.h"
#include "../../ckpt/format.h"

/* At least 2.5 s of it on any host (the sleeps), so that every checkpoint comes before the end. */
#define WORK "ticks 25 50 400000; files; ticks 25 50 400000"

/* The number after key in text, or -1. */
static long long after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

/* Where each vCPU of the checkpoint was: "vCPU0 ring 3 running, vCPU1 ring 0 halted". */
static void describe(const char *path, char *buf, size_t size)
{
	struct ckpt_file f;
	uint32_t i;
	size_t n = 0;

	buf[0] = '\0';
	if (ckpt_f_open(&f, path))
		return;
	for (i = 0; ckpt_f_find(&f, "vcpu", i); i++) {
		const struct ckpt_entry *e = ckpt_f_find(&f, "vcpu", i);
		struct kvm_mp_state mp = { 0 };
		struct kvm_sregs s = { 0 };
		struct ckpt_rec r;
		uint64_t pos = 0;
		void *b;

		if (ckpt_f_load(&f, e, &b))
			break;
		while (ckpt_rec_next(e, b, &pos, &r) > 0) {
			if (r.kind == VC_SREGS && r.size == sizeof(s))
				memcpy(&s, r.data, sizeof(s));
			if (r.kind == VC_MP_STATE && r.size == sizeof(mp))
				memcpy(&mp, r.data, sizeof(mp));
		}
		free(b);
		n += snprintf(buf + n, size - n, "%svCPU%u ring %u %s", i ? ", " : "", i, s.cs.dpl,
			      mp.mp_state == KVM_MP_STATE_HALTED ? "halted" : "running");
		if (n >= size)
			break;
	}
	ckpt_f_close(&f);
}

/* The restored run's console must be what the original printed after the checkpoint. */
static int check_continues(const char *orig, long long at, const char *rest)
{
	size_t lo = strlen(orig), lr = strlen(rest);

	TEST_ASSERT(at >= 0 && (size_t)at <= lo, "console at byte %lld of %zu", at, lo);
	TEST_ASSERT(lo - at == lr && !memcmp(orig + at, rest, lr),
		    "the restored run's output differs from the original's after byte %lld:\n"
		    "--- original after the checkpoint:\n%s\n--- restored:\n%s",
		    at, orig + at, rest);
	TEST_ASSERT(strstr(rest, "init: done, status 0") || strstr(orig, "init: done, status 0"),
		    "the guest did not finish:\n%s", rest);
	return 0;
}

/* A checkpoint at t seconds into a run of WORK on n vCPUs, then a restore of it. */
static int one_point(int n, const char *t)
{
	char ck[PATH_MAX], c1[PATH_MAX], c2[PATH_MAX + 16], tr1[PATH_MAX], tr2[PATH_MAX], vc[8];
	char where[256];
	const char *run[] = {
		"vmscope", "run",	  "--no-input", "--vcpus",	   vc, "--trace", tr1, "-o",
		c1,	   "--guest-cmd", WORK,		"--checkpoint-at", t,  ck,	  NULL
	};
	const char *restore[] = { "vmscope", "run", "--no-input", "--restore", ck,
				  "--trace", tr2,   "-o",	  c2,	       NULL };
	char *out, *o1, *o2, *meta;
	long long at;
	int st;

	snprintf(vc, sizeof(vc), "%d", n);
	snprintf(ck, sizeof(ck), "%s/v%d-%s.ckpt", cli_tmp, n, t);
	snprintf(c1, sizeof(c1), "%s/v%d-%s.orig", cli_tmp, n, t);
	snprintf(c2, sizeof(c2), "%s/v%d-%s.rest", cli_tmp, n, t);
	snprintf(tr1, sizeof(tr1), "%s/v%d-%s.t1", cli_tmp, n, t);
	snprintf(tr2, sizeof(tr2), "%s/v%d-%s.t2", cli_tmp, n, t);
	st = cli_run(run, &out);
	TEST_ASSERT(st == 0 && strstr(out, "vmscope: checkpoint "), "run: exit %d:\n%s", st, out);
	at = after(out, "console at byte ");
	free(out);
	describe(ck, where, sizeof(where));
	st = cli_run(restore, &out);
	TEST_ASSERT(st == 0, "restore: exit %d:\n%s", st, out);
	free(out);
	o1 = cli_slurp(c1);
	o2 = cli_slurp(c2);
	st = check_continues(o1, at, o2);
	printf("# %d vCPU(s), checkpoint at %s s (%s): console at byte %lld of %zu, the rest "
	       "identical\n",
	       n, t, where, at, strlen(o1));
	free(o1);
	free(o2);
	if (st)
		return st;
	/* The restored trace names the checkpoint it continues. */
	snprintf(c2, sizeof(c2), "%s/metadata", tr2);
	meta = cli_slurp(c2);
	TEST_ASSERT(strstr(meta, "checkpoint_id = ") && strstr(meta, "restored_from = "),
		    "the restored trace's environment does not name its checkpoint");
	free(meta);
	return 0;
}

static int test_points_1(void)
{
	return one_point(1, "0.4") ?: one_point(1, "1.0") ?: one_point(1, "1.6");
}

static int test_points_2(void)
{
	return one_point(2, "0.3") ?: one_point(2, "0.9") ?: one_point(2, "1.5");
}

/* A VM paused by a client is checkpointed as it is and stays paused. */
/* "X MiB on disk": the blocks the file takes, not its size with holes (64 MiB of RAM). */
static int check_disk_size(const char *out, const char *path)
{
	const char *p = strstr(out, "written to ");
	double disk = -1, file = -1;
	struct stat sb;

	TEST_ASSERT(p && (p = strchr(p, ':')) &&
			    sscanf(p, ": %lf MiB on disk (a file of %lf MiB", &disk, &file) == 2,
		    "no sizes in the checkpoint's line");
	TEST_ASSERT(!stat(path, &sb), "%s: %s", path, strerror(errno));
	TEST_ASSERT(disk * 1048576 >= sb.st_blocks * 512.0 - 52429 &&
			    disk * 1048576 <= sb.st_blocks * 512.0 + 52429 && disk < file &&
			    file * 1048576 >= sb.st_size - 52429,
		    "%.1f MiB on disk, a file of %.1f MiB; it takes %lld bytes, %lld long", disk,
		    file, (long long)sb.st_blocks * 512, (long long)sb.st_size);
	return 0;
}

static int check_paused(pid_t p, const char *ck)
{
	struct control_reader *r = malloc(sizeof(*r));
	const char *argv[] = { "vmscope", "checkpoint", NULL, ck, NULL };
	char line[4096], pid[16];
	int fd = control__connect(NULL, p), st;
	char *out;

	snprintf(pid, sizeof(pid), "%d", (int)p);
	argv[2] = pid;
	TEST_ASSERT(fd >= 0, "connect: %s", err__msg(fd));
	control__reader_init(r, fd);
	TEST_ASSERT(!control__request(r, "pause", line, sizeof(line)) &&
			    strstr(line, "\"ok\":true"),
		    "pause: %s", line);
	st = cli_run(argv, &out);
	TEST_ASSERT(st == 0 && strstr(out, "written to "), "checkpoint of a paused VM: %d\n%s", st,
		    out);
	free(out);
	TEST_ASSERT(!control__request(r, "info", line, sizeof(line)) &&
			    strstr(line, "\"state\":\"paused\""),
		    "not paused after the checkpoint: %s", line);
	TEST_ASSERT(!control__request(r, "resume", line, sizeof(line)) &&
			    strstr(line, "\"ok\":true"),
		    "resume: %s", line);
	close(fd);
	free(r);
	return 0;
}

/* Through the control socket with --stop; restored, the two halves are one whole run. */
static int test_control_stop(void)
{
	char ck[PATH_MAX], c1[PATH_MAX], c2[PATH_MAX], c3[PATH_MAX], log[PATH_MAX], pid[16];
	const char *run[] = { "vmscope", "run", "--no-input",  "--vcpus", "2",
			      "-o",	 c1,	"--guest-cmd", WORK,	  NULL };
	const char *ref[] = { "vmscope", "run", "--no-input",  "--vcpus", "2",
			      "-o",	 c3,	"--guest-cmd", WORK,	  NULL };
	const char *ckpt[] = { "vmscope", "checkpoint", "--stop", pid, ck, NULL };
	const char *restore[] = { "vmscope", "run", "--no-input", "--restore", ck, "-o", c2, NULL };
	char *out, *o1, *o2, *o3, *whole;
	pid_t p;
	int st;

	snprintf(ck, sizeof(ck), "%s/ctl.ckpt", cli_tmp);
	snprintf(c1, sizeof(c1), "%s/ctl.orig", cli_tmp);
	snprintf(c2, sizeof(c2), "%s/ctl.rest", cli_tmp);
	snprintf(c3, sizeof(c3), "%s/ctl.ref", cli_tmp);
	snprintf(log, sizeof(log), "%s/ctl.log", cli_tmp);
	p = cli_spawn(run, log);
	snprintf(pid, sizeof(pid), "%d", (int)p);
	snprintf(c3, sizeof(c3), "%s/%d.sock", getenv("VMSCOPE_CONTROL_DIR"), (int)p);
	for (st = 0; st < 3000 && access(c3, F_OK); st++)
		usleep(10000); /* its control socket */
	snprintf(c3, sizeof(c3), "%s/ctl.ref", cli_tmp);
	usleep(300000);
	snprintf(c2, sizeof(c2), "%s/paused.ckpt", cli_tmp);
	if (check_paused(p, c2))
		return -1;
	snprintf(c2, sizeof(c2), "%s/ctl.rest", cli_tmp);
	st = cli_run(ckpt, &out);
	TEST_ASSERT(st == 0 && strstr(out, "written to ") && strstr(out, "the VMM stopped"),
		    "checkpoint: exit %d:\n%s", st, out);
	TEST_ASSERT(!check_disk_size(out, ck), "%s", out);
	free(out);
	st = cli_wait(p, 60);
	out = cli_slurp(log);
	TEST_ASSERT(st == 0 && strstr(out, "checkpointed to ") && strstr(out, "(--stop)"),
		    "the VMM after checkpoint --stop: exit %d:\n%s", st, out);
	free(out);
	st = cli_run(restore, &out);
	TEST_ASSERT(st == 0, "restore: exit %d:\n%s", st, out);
	free(out);
	st = cli_run(ref, &out);
	TEST_ASSERT(st == 0, "reference run: exit %d:\n%s", st, out);
	free(out);
	o1 = cli_slurp(c1);
	o2 = cli_slurp(c2);
	o3 = cli_slurp(c3);
	whole = malloc(strlen(o1) + strlen(o2) + 1);
	strcpy(whole, o1);
	strcat(whole, o2);
	cli_drop_tsc(whole);
	cli_drop_tsc(o3);
	st = !strcmp(whole, o3);
	printf("# stopped at console byte %zu of %zu\n", strlen(o1), strlen(o3));
	TEST_ASSERT(st,
		    "stopped + restored differs from an uninterrupted run:\n--- both:\n%s\n"
		    "--- uninterrupted:\n%s",
		    whole, o3);
	free(o1);
	free(o2);
	free(o3);
	free(whole);
	return 0;
}

/* A copy of src with byte at (from the section's start, or the end when < 0) changed. */
static void damaged(const char *src, const char *dst, const char *tag, long long at)
{
	char cmd[3 * PATH_MAX];
	struct ckpt_file f;
	long long off = at;
	int fd;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd))
		return;
	if (tag && !ckpt_f_open(&f, dst)) {
		off += ckpt_f_find(&f, tag, 0)->offset;
		ckpt_f_close(&f);
	}
	fd = open(dst, O_RDWR);
	if (fd < 0)
		return;
	if (off < 0)
		off += lseek(fd, 0, SEEK_END);
	if (pwrite(fd, "\x5a", 1, off) != 1)
		perror("pwrite");
	close(fd);
}

static int test_bad_files(void)
{
	char ck[PATH_MAX], bad[PATH_MAX], c[3 * PATH_MAX];
	const char *run[] = { "vmscope",	 "run", "--no-input", "-o", c, "--guest-cmd", WORK,
			      "--checkpoint-at", "0.3", ck,	      NULL };
	const char *restore[] = { "vmscope", "run", "--no-input", "--restore", bad, "-o", c, NULL };
	const char *inspect[] = { "vmscope", "inspect", "--verify", ck, NULL };
	const char *inspect_bad[] = { "vmscope", "inspect", bad, NULL };
	const char *with_mem[] = { "vmscope", "run", "--restore", ck, "--mem", "128M", NULL };
	char *out;
	int st;

	snprintf(ck, sizeof(ck), "%s/bad-src.ckpt", cli_tmp);
	snprintf(bad, sizeof(bad), "%s/bad.ckpt", cli_tmp);
	snprintf(c, sizeof(c), "%s/bad.console", cli_tmp);
	st = cli_run(run, &out);
	TEST_ASSERT(st == 0, "run: exit %d:\n%s", st, out);
	free(out);
	st = cli_run(inspect, &out);
	TEST_ASSERT(st == 0 && strstr(out, "every MiB checked") && strstr(out, "vcpu") &&
			    strstr(out, "regs(144)") && cli_count(out, " ok ") >= 7,
		    "inspect: exit %d:\n%s", st, out);
	free(out);
	/* A changed byte in vCPU 0's state. */
	damaged(ck, bad, "vcpu", 100);
	st = cli_run(restore, &out);
	TEST_ASSERT(st == 1 && strstr(out, "section 'vcpu' 0") && strstr(out, "checksum"),
		    "restore of a corrupt vCPU section: exit %d:\n%s", st, out);
	free(out);
	st = cli_run(inspect_bad, &out);
	TEST_ASSERT(st == 1 && strstr(out, "BAD"), "inspect of it: exit %d:\n%s", st, out);
	free(out);
	/* A changed byte in the memory: the restored guest is stopped, the byte named. */
	damaged(ck, bad, "memory", 4096 * 3 + 1);
	st = cli_run(restore, &out);
	TEST_ASSERT(st == 1 && strstr(out, "section 'memory'") && strstr(out, "stopped"),
		    "restore of corrupt memory: exit %d:\n%s", st, out);
	free(out);
	/* Truncated. */
	snprintf(c, sizeof(c), "head -c 100000 '%s' > '%s'", ck, bad);
	TEST_ASSERT(!system(c), "%s", c);
	snprintf(c, sizeof(c), "%s/bad.console", cli_tmp);
	st = cli_run(restore, &out);
	TEST_ASSERT(st == 1 && strstr(out, "truncated"),
		    "restore of a truncated file: exit %d:\n%s", st, out);
	free(out);
	st = cli_run(with_mem, &out);
	TEST_ASSERT(st == 2 && strstr(out, "--restore takes no"), "exit %d:\n%s", st, out);
	free(out);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "1 vCPU: restored at three points, the rest of the output identical",
		  test_points_1 },
		{ "2 vCPUs: restored at three points, the rest of the output identical",
		  test_points_2 },
		{ "checkpoint --stop through the control socket, restored: one whole run",
		  test_control_stop },
		{ "corrupt, truncated and misused checkpoints refused with the section and byte",
		  test_bad_files },
	};
	int ret;

	cli_setup();
	ret = harness_main(cases, 4);
	cli_cleanup();
	return ret;
}
