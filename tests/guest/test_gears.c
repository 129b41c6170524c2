// SPDX-License-Identifier: GPL-2.0
/*
 * GEARS system-call capture on the built-in guest kernel, read back from the trace with
 * babeltrace2.  The `syscalls` program prints how many times it made each call (its libc's
 * own counters): the captured calls of its address space must equal those numbers for the
 * selected calls, no unselected call may appear, every entry must have its return, and in
 * filter mode the entry stub's port must not be written for an unselected call (exits
 * counted from the trace).  Also: trap mode, file paths of class:file, a program passing
 * bad pointers, two programs on two vCPUs.
 */
#include "vmm_harness.h"

#define MAX_CALLS 4096
#define SELECTION "openat,write,getpid,500"

struct call {
	int exit; /* 0: syscall_entry, 1: syscall_exit */
	unsigned long long ts; /* ns of the day, as babeltrace2 prints it */
	unsigned long long cr3;
	long long ret;
	long pid; /* the process, from vmscope's profile of the built-in kernel */
	char name[32], err[16], path[160], text[300];
};

static struct call calls[MAX_CALLS];
static int nr_calls;
static char lost_note[256]; /* babeltrace2's note of discarded events, if any */
static long stub_exits; /* exit events at PORT_GEARS_SYSCALL */
static long completions; /* fixup events of kind SYSCALL: the host's SYSCALL completion */
static unsigned long long select_ts; /* the first syscall_select event; 0: none */

/* "[HH:MM:SS.nnnnnnnnn]" at the start of a babeltrace2 line, in ns. */
static unsigned long long line_ts(const char *line)
{
	unsigned int h, m, sec;
	unsigned long long ns;

	if (sscanf(line, "[%u:%u:%u.%llu]", &h, &m, &sec, &ns) != 4)
		return 0;
	return ((h * 60ull + m) * 60 + sec) * 1000000000ull + ns;
}

/* The value after `key = ` in a babeltrace2 line: a number, or a quoted string (unescaped). */
static int field(const char *line, const char *key, char *buf, size_t size)
{
	char pat[64];
	const char *p;
	size_t n = 0;

	snprintf(pat, sizeof(pat), " %s = ", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (*p != '"') {
		while (*p && *p != ',' && *p != ' ' && n < size - 1)
			buf[n++] = *p++;
		buf[n] = '\0';
		return 0;
	}
	for (p++; *p && *p != '"' && n < size - 1; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return 0;
}

static void parse_call(const char *line, struct call *c)
{
	char num[64];

	memset(c, 0, sizeof(*c));
	c->exit = strstr(line, " syscall_exit: ") != NULL;
	c->ts = line_ts(line);
	if (!field(line, "cr3", num, sizeof(num)))
		c->cr3 = strtoull(num, NULL, 16);
	if (!field(line, "ret", num, sizeof(num)))
		c->ret = strtoll(num, NULL, 10);
	c->pid = -2;
	if (!field(line, "pid", num, sizeof(num)))
		c->pid = strtol(num, NULL, 10);
	field(line, "name", c->name, sizeof(c->name));
	field(line, "err", c->err, sizeof(c->err));
	field(line, "path", c->path, sizeof(c->path));
	field(line, "text", c->text, sizeof(c->text));
}

/* Read the trace in dir: every syscall_entry/syscall_exit, and the stub's port exits. */
static int load_trace(const char *dir)
{
	static char line[8192];
	char cmd[PATH_MAX + 64];
	FILE *f;

	nr_calls = 0;
	lost_note[0] = '\0';
	stub_exits = 0;
	completions = 0;
	select_ts = 0;
	snprintf(cmd, sizeof(cmd), "babeltrace2 '%s' 2>&1", dir);
	f = popen(cmd, "r");
	TEST_ASSERT(f, "cannot run babeltrace2");
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " exit: ") && strstr(line, "\"IO\"") &&
		    strstr(line, "qual = 0x98,"))
			stub_exits++;
		if (strstr(line, " fixup: ") && strstr(line, "kind = ( \"SYSCALL\""))
			completions++;
		if (strstr(line, "discarded") && !lost_note[0])
			snprintf(lost_note, sizeof(lost_note), "%.200s", line);
		if (strstr(line, " syscall_select: ") && !select_ts)
			select_ts = line_ts(line);
		if (!strstr(line, " syscall_entry: ") && !strstr(line, " syscall_exit: "))
			continue;
		TEST_ASSERT(nr_calls < MAX_CALLS, "more than %d system-call events", MAX_CALLS);
		parse_call(line, &calls[nr_calls++]);
	}
	TEST_ASSERT(pclose(f) == 0, "babeltrace2 %s failed", dir);
	return 0;
}

/* Events of one kind, name and address space (cr3 0: any). */
static int count(int exit, const char *name, unsigned long long cr3)
{
	int i, n = 0;

	for (i = 0; i < nr_calls; i++)
		n += calls[i].exit == exit && !strcmp(calls[i].name, name) &&
		     (!cr3 || calls[i].cr3 == cr3);
	return n;
}

static int entries(void)
{
	int i, n = 0;

	for (i = 0; i < nr_calls; i++)
		n += !calls[i].exit;
	return n;
}

/* The address spaces in which name was captured exactly n times (up to max of them). */
static int spaces_with(const char *name, int n, unsigned long long *cr3, int max)
{
	int i, j, found = 0;

	for (i = 0; i < nr_calls && found < max; i++) {
		if (!calls[i].exit || strcmp(calls[i].name, name))
			continue;
		for (j = 0; j < found && cr3[j] != calls[i].cr3; j++)
			;
		if (j == found && count(1, name, calls[i].cr3) == n)
			cr3[found++] = calls[i].cr3;
	}
	return found;
}

/* The program's own count of a call: "syscalls: getpid 39 10". */
static long guest_count(const char *out, const char *name)
{
	char pat[64];
	const char *p;
	int nr;
	long n;

	snprintf(pat, sizeof(pat), "syscalls: %s ", name);
	p = strstr(out, pat);
	if (!p || sscanf(p + strlen(pat), "%d %ld", &nr, &n) != 2)
		return -1;
	return n;
}

static const char *const selected[] = { "openat", "write", "getpid", "syscall_0x1f4" };
static const char *const unselected[] = {
	"read",	   "close",	    "open",  "mmap",	   "brk",
	"getppid", "clock_gettime", "uname", "exit_group", "fork"
};

/* The `syscalls` process of a run: its counts equal the program's, nothing else captured. */
static int check_syscalls_process(const char *out, unsigned long long cr3)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		const char *gname = i == 3 ? "unknown" : selected[i];
		long want = guest_count(out, gname);

		TEST_ASSERT(want > 0, "the guest printed no count for %s:\n%s", gname, out);
		TEST_ASSERT(
			count(0, selected[i], cr3) == want && count(1, selected[i], cr3) == want,
			"%s: the guest made %ld, captured %d entries and %d returns", selected[i],
			want, count(0, selected[i], cr3), count(1, selected[i], cr3));
	}
	for (i = 0; i < sizeof(unselected) / sizeof(unselected[0]); i++)
		TEST_ASSERT(!count(0, unselected[i], 0),
			    "%s was not selected but captured %d times", unselected[i],
			    count(0, unselected[i], 0));
	return 0;
}

static int run_capture(const char *name, const char *const *extra, char **out)
{
	const char *argv[24] = { "vmscope", "run", "--no-input", "--timeout", "120", "--trace" };
	char trace[PATH_MAX];
	int i, n = 6, status;

	snprintf(trace, sizeof(trace), "%s/%s", cli_tmp, name);
	argv[n++] = trace;
	for (i = 0; extra[i]; i++)
		argv[n++] = extra[i];
	status = cli_run(argv, out);
	TEST_ASSERT(status == 0, "vmscope run %s: status %d:\n%s", name, status, *out);
	TEST_ASSERT(strstr(*out, "syscalls: ok") || !strstr(*out, "syscalls:"),
		    "the guest program failed under capture:\n%s", *out);
	return load_trace(trace);
}

/* "N exits at the entry (M for calls not selected)" from the run's summary line. */
/*
 * The capture summary: exits capture made at the entry (of them for calls not selected), and
 * calls seen at the host's own SYSCALL completion (emulating hosts: capture rides on it).
 */
static int entry_exits(const char *out, long *all, long *unsel, long *completed)
{
	const char *p = strstr(out, "returns, ");

	TEST_ASSERT(p && sscanf(p,
				"returns, %ld exits at the entry (%ld for calls not selected), "
				"%ld seen at",
				all, unsel, completed) == 3,
		    "no capture summary in:\n%s", out);
	return 0;
}

/* The calls and errors of name in the address space cr3 of `report --syscalls --json`. */
static int report_row(struct json_object *rep, unsigned long long cr3, const char *name,
		      long *ncalls, long *errors)
{
	struct json_object *spaces = json_object_object_get(rep, "address_spaces");
	size_t i, j;

	for (i = 0; i < json_object_array_length(spaces); i++) {
		struct json_object *sp = json_object_array_get_idx(spaces, i);
		struct json_object *rows = json_object_object_get(sp, "syscalls");

		if (strtoull(jsonc__str(sp, "cr3") ?: "0", NULL, 16) != cr3)
			continue;
		for (j = 0; j < json_object_array_length(rows); j++) {
			struct json_object *row = json_object_array_get_idx(rows, j);

			if (strcmp(jsonc__str(row, "name") ?: "", name))
				continue;
			*ncalls = (long)jsonc__u64(row, "calls", 0);
			*errors = (long)jsonc__u64(row, "errors", 0);
			return 0;
		}
	}
	*ncalls = *errors = 0;
	return 0;
}

/* `vmscope report --syscalls` agrees with the guest's own counts (ENOSYS: the errors). */
static int check_report(const char *mode, const char *out, unsigned long long cr3)
{
	char trace[PATH_MAX], *rep_out;
	const char *argv[] = { "vmscope", "report", "--syscalls", "--json", trace, NULL };
	struct json_object *rep;
	long ncalls, errors;
	unsigned int i;

	snprintf(trace, sizeof(trace), "%s/%s", cli_tmp, mode);
	TEST_ASSERT(cli_run(argv, &rep_out) == 0, "report --syscalls:\n%s", rep_out);
	rep = jsonc__parse(rep_out, "report --syscalls --json", NULL);
	TEST_ASSERT(rep, "report --syscalls --json printed no JSON:\n%s", rep_out);
	free(rep_out);
	for (i = 0; i < 4; i++) {
		long want = guest_count(out, i == 3 ? "unknown" : selected[i]);

		report_row(rep, cr3, selected[i], &ncalls, &errors);
		TEST_ASSERT(ncalls == want && errors == (i == 3 ? want : 0),
			    "report: %s %ld calls %ld errors, the guest made %ld", selected[i],
			    ncalls, errors, want);
	}
	json_object_put(rep);
	return 0;
}

/*
 * Every call is attributed to its process: getpid's return is the pid its events carry, and
 * no event lacks one (the built-in kernel's processes are known to vmscope).
 */
static int check_pids(void)
{
	int i, getpids = 0;

	for (i = 0; i < nr_calls; i++) {
		TEST_ASSERT(calls[i].pid > 0, "a %s event without its process (pid %ld)",
			    calls[i].name, calls[i].pid);
		if (!calls[i].exit || strcmp(calls[i].name, "getpid"))
			continue;
		TEST_ASSERT(calls[i].pid == calls[i].ret,
			    "getpid returned %lld; its events say pid %ld", calls[i].ret,
			    calls[i].pid);
		getpids++;
	}
	TEST_ASSERT(getpids >= 10, "only %d getpid returns in the trace", getpids);
	return 0;
}

static int test_mode(const char *mode)
{
	const char *extra[] = { "--syscalls", SELECTION, "--syscall-mode", mode, "--guest-cmd",
				"syscalls",   NULL };
	unsigned long long cr3;
	long all, unsel, completed;
	char *out;

	if (run_capture(mode, extra, &out) || entry_exits(out, &all, &unsel, &completed))
		return -1;
	TEST_ASSERT(spaces_with("getpid", 10, &cr3, 1) == 1,
		    "no address space made getpid 10 times:\n%s", out);
	if (check_syscalls_process(out, cr3) || check_report(mode, out, cr3) || check_pids())
		return -1;
	TEST_ASSERT(all == stub_exits, "the run counted %ld exits at the entry, the trace %ld", all,
		    stub_exits);
	if (completed || completions) {
		/*
		 * An emulating host: every ring-3 SYSCALL already exits once for vmscope's own
		 * completion (a traced fixup), and capture, in either mode, is done there: it
		 * adds no exit at the entry, and every call it captured was one completed.
		 */
		TEST_ASSERT(all == 0 && unsel == 0 && completed == completions &&
				    completed >= entries(),
			    "%s mode at the SYSCALL completion: %ld exits of capture's own at "
			    "the entry (%ld unselected); %ld calls seen at the completion, %ld "
			    "completion fixups in the trace, %d calls captured",
			    mode, all, unsel, completed, completions, entries());
		printf("# %s mode: capture at the host's SYSCALL completion: %d calls captured of "
		       "%ld completed, no exit of capture's own\n",
		       mode, entries(), completed);
	} else if (!strcmp(mode, "filter"))
		TEST_ASSERT(unsel == 0 && all == entries(),
			    "filter mode: %ld exits at the entry for %d calls captured, %ld for "
			    "unselected calls",
			    all, entries(), unsel);
	else
		TEST_ASSERT(unsel > 0 && all - unsel == entries(),
			    "trap mode: %ld exits at the entry for %d calls captured, %ld for "
			    "unselected calls",
			    all, entries(), unsel);
	free(out);
	return 0;
}

static int test_filter(void)
{
	return test_mode("filter");
}

static int test_trap(void)
{
	return test_mode("trap");
}

/* class:file on the `files` program: paths read from guest memory, no other class. */
static int test_file_class(void)
{
	const char *extra[] = { "--syscalls", "class:file", "--guest-cmd", "files", NULL };
	int i, paths = 0;
	char *out;

	if (run_capture("files", extra, &out))
		return -1;
	TEST_ASSERT(strstr(out, "files: ok"), "the files program failed:\n%s", out);
	for (i = 0; i < nr_calls; i++) {
		TEST_ASSERT(strcmp(calls[i].name, "getpid") && strcmp(calls[i].name, "mmap") &&
				    strcmp(calls[i].name, "write"),
			    "%s is not in class file but was captured", calls[i].name);
		if (!calls[i].exit && !strncmp(calls[i].path, "/tmp/", 5)) {
			paths++;
			TEST_ASSERT(strstr(calls[i].text, calls[i].path),
				    "the decoded call does not show its path: %s", calls[i].text);
		}
	}
	TEST_ASSERT(paths > 0, "no path under /tmp captured from the files program:\n%s", out);
	free(out);
	return 0;
}

/*
 * badptr: each bad pointer decodes as a fault marker, NULL, or (a buffer the kernel could not
 * fill) its address, never as memory; the guest gets its errors.
 */
static int test_bad_pointers(void)
{
	const char *extra[] = { "--syscalls", "open,read,write,openat", "--guest-cmd", "badptr",
				NULL };
	const char *p;
	char *out;
	int lines = 0;

	if (run_capture("badptr", extra, &out))
		return -1;
	TEST_ASSERT(strstr(out, "badptr: ok"), "the badptr program failed:\n%s", out);
	for (p = out; (p = strstr(p, "badptr: ")); p++) {
		char call[16], marker[32];
		unsigned long long ptr;
		long long ret;
		int i, found = 0;

		if (sscanf(p, "badptr: %15s 0x%llx %lld", call, &ptr, &ret) != 3)
			continue;
		lines++;
		if (!ptr)
			snprintf(marker, sizeof(marker), "NULL");
		else if (!strcmp(call, "read"))
			snprintf(marker, sizeof(marker), "%#llx", ptr);
		else
			snprintf(marker, sizeof(marker), "<fault>");
		for (i = 0; i < nr_calls && !found; i++)
			found = calls[i].exit && !strcmp(calls[i].name, call) &&
				calls[i].ret == ret && strstr(calls[i].text, marker);
		TEST_ASSERT(found, "%s(0x%llx) = %lld: no captured return with '%s'", call, ptr,
			    ret, marker);
	}
	TEST_ASSERT(lines == 13, "the guest reported %d bad calls, expected 13:\n%s", lines, out);
	free(out);
	return 0;
}

/* Two `syscalls` processes at once on two vCPUs: each counted exactly. */
static int test_two_vcpus(void)
{
	const char *extra[] = { "--vcpus", "2",		  "--syscalls",
				SELECTION, "--guest-cmd", "syscalls & syscalls",
				NULL };
	unsigned long long cr3[2];
	char *out;
	int i;

	if (run_capture("smp", extra, &out))
		return -1;
	TEST_ASSERT(cli_count(out, "syscalls: ok") == 2, "both programs must pass:\n%s", out);
	TEST_ASSERT(spaces_with("getpid", 10, cr3, 2) == 2,
		    "two address spaces must each make getpid 10 times");
	for (i = 0; i < 2; i++)
		if (check_syscalls_process(out, cr3[i]))
			return -1;
	if (check_pids())
		return -1;
	free(out);
	return 0;
}

/* Poll the capture's counters until more than `past` calls were captured. */
static int wait_captured(struct vmm *m, uint64_t past, uint64_t *now)
{
	double end = cli_now() + 60;

	do {
		struct json_object *j = vmm_ask(m, "syscalls");

		*now = jsonc__u64(j, "captured", 0);
		json_object_put(j);
		if (*now > past)
			return 0;
		usleep(100000);
	} while (cli_now() < end);
	fprintf(stderr, "the capture stayed at %llu calls\n", (unsigned long long)*now);
	return -1;
}

/* Entries of name before (before = 1) or after the selection changed. */
static int entries_around(const char *name, int before)
{
	int i, n = 0;

	for (i = 0; i < nr_calls; i++)
		n += !calls[i].exit && !strcmp(calls[i].name, name) &&
		     (calls[i].ts < select_ts) == before;
	return n;
}

/*
 * The selection changed while two programs run on two vCPUs: getcpu before the change,
 * clock_gettime after it, and never the other way round.
 */
static int test_select_midrun(void)
{
	const char *extra[] = { "--syscalls", "getcpu", "--guest-cmd", "spin 30 & spin 30", NULL };
	struct json_object *j;
	struct vmm m;
	uint64_t n0, n1;
	int status, ok;
	char *out;

	if (vmm_spawn(&m, NULL, 1, 2, extra))
		return -1;
	TEST_ASSERT(!wait_captured(&m, 20, &n0), "getcpu captured");
	j = vmm_ask(&m, "syscalls --add clock_gettime --remove getcpu");
	ok = j && json_object_get_boolean(json_object_object_get(j, "ok")) &&
	     !strcmp(jsonc__str(j, "selection") ?: "", "clock_gettime");
	json_object_put(j);
	TEST_ASSERT(ok, "the selection changed");
	TEST_ASSERT(!wait_captured(&m, n0 + 40, &n1), "clock_gettime captured");
	TEST_ASSERT(vmm_ok(&m, "stop"), "stop refused");
	status = cli_wait(m.pid, 60);
	out = cli_slurp(m.out);
	ok = status == 0;
	if (!ok)
		fprintf(stderr, "status %d:\n%s\n", status, out);
	free(out);
	TEST_ASSERT(ok, "the run ends cleanly");
	if (load_trace(m.trace))
		return -1;
	TEST_ASSERT(select_ts, "no syscall_select event in the trace");
	TEST_ASSERT(entries_around("getcpu", 1) > 0 && entries_around("clock_gettime", 0) > 0,
		    "getcpu before %d, clock_gettime after %d (before %d; selection changed at "
		    "%llu ns, %d events, %llu and %llu captured before and after; lost: %s)",
		    entries_around("getcpu", 1), entries_around("clock_gettime", 0),
		    entries_around("clock_gettime", 1), select_ts, nr_calls, (unsigned long long)n0,
		    (unsigned long long)n1, lost_note);
	TEST_ASSERT(!entries_around("getcpu", 0) && !entries_around("clock_gettime", 1),
		    "getcpu after the change %d, clock_gettime before it %d",
		    entries_around("getcpu", 0), entries_around("clock_gettime", 1));
	return 0;
}

/* Flat code for inject: mov %cr3, %rax; ret.  Its path in path[]. */
static int write_get_cr3(char *path, size_t size)
{
	static const uint8_t get_cr3[] = { 0x0f, 0x20, 0xd8, 0xc3 };
	FILE *f;

	snprintf(path, size, "%s/get_cr3.bin", cli_tmp);
	f = fopen(path, "w");
	TEST_ASSERT(f && fwrite(get_cr3, sizeof(get_cr3), 1, f) == 1 && !fclose(f),
		    "cannot write %s", path);
	return 0;
}

/*
 * Code injected into a process chosen by its program's name runs in that process's address
 * space: it returns CR3, which must be the address space the reply names; an unknown name is
 * refused with the programs that do run.
 */
static int test_inject_program(void)
{
	const char *extra[] = { "--guest-cmd", "spin 30", NULL };
	char path[PATH_MAX], req[PATH_MAX + 64];
	struct json_object *j;
	unsigned long long cr3;
	double end = cli_now() + 60;
	struct vmm m;
	int ok, status;

	if (write_get_cr3(path, sizeof(path)) || vmm_spawn(&m, NULL, 0, 1, extra))
		return -1;
	snprintf(req, sizeof(req), "inject %s --program spin", path);
	for (ok = 0; !ok && cli_now() < end;) {
		j = vmm_ask(&m, req); /* until spin has started */
		ok = j && json_object_get_boolean(json_object_object_get(j, "ok"));
		if (ok) {
			cr3 = strtoull(jsonc__str(j, "cr3") ?: "0", NULL, 16);
			TEST_ASSERT(jsonc__u64(j, "value", 0) == cr3 && cr3,
				    "the code ran with CR3 0x%llx; the reply names 0x%llx",
				    (unsigned long long)jsonc__u64(j, "value", 0), cr3);
			TEST_ASSERT(json_object_get_int(json_object_object_get(j, "pid")) > 1,
				    "no pid for spin");
		}
		json_object_put(j);
		if (!ok)
			usleep(200000);
	}
	TEST_ASSERT(ok, "inject --program spin never succeeded");
	snprintf(req, sizeof(req), "inject %s --program nosuch", path);
	j = vmm_ask(&m, req);
	ok = j && !json_object_get_boolean(json_object_object_get(j, "ok")) &&
	     strstr(jsonc__str(j, "error") ?: "", "no process runs program 'nosuch'") &&
	     strstr(jsonc__str(j, "error") ?: "", "spin (pid");
	TEST_ASSERT(ok, "an unknown program: %s", j ? json_object_to_json_string(j) : "no reply");
	json_object_put(j);
	TEST_ASSERT(vmm_ok(&m, "stop"), "stop refused");
	status = cli_wait(m.pid, 60);
	TEST_ASSERT(status == 0, "the run did not end cleanly (status %d)", status);
	return 0;
}

/*
 * The guest goes on after injections as if none had happened: ticks sleeps between its lines
 * (its vCPU halts in KVM, where a call must still run) and makes a system call for each, which
 * on emulating hosts reaches its kernel only through vmscope's SYSCALL completion, re-armed
 * on the guest's own IDT after each call (the call ran with an IDT of its own).
 */
static int test_inject_goes_on(void)
{
	const char *extra[] = { "--guest-cmd", "ticks 15 100; ticks 100000 100", NULL };
	char path[PATH_MAX], req[PATH_MAX + 64], *out = NULL;
	struct json_object *j;
	int i, ok, done = 0, status;
	double end;
	struct vmm m;

	if (write_get_cr3(path, sizeof(path)) || vmm_spawn(&m, NULL, 0, 1, extra))
		return -1;
	{
		const char *top[] = { "vmscope", "top", "--once", m.pid_s, NULL };

		/* top names what runs: the built-in kernel and its command line. */
		status = cli_run(top, &out);
		TEST_ASSERT(
			status == 0 &&
				strstr(out,
				       "guest built-in kernel: ticks 15 100; ticks 100000 100,"),
			"top --once: exit %d:\n%s", status, out);
		free(out);
		out = NULL;
	}
	for (i = 0; i < 8; i++) {
		usleep(150000);
		snprintf(req, sizeof(req), "inject %s%s", path, i & 1 ? " --program ticks" : "");
		j = vmm_ask(&m, req);
		ok = j && json_object_get_boolean(json_object_object_get(j, "ok"));
		/* Before ticks has started, --program finds no such process: not a failure. */
		TEST_ASSERT(
			ok || (i & 1 && strstr(jsonc__str(j, "error") ?: "", "no process runs")),
			"injection %d: %s", i, j ? json_object_to_json_string(j) : "no reply");
		done += ok;
		json_object_put(j);
	}
	/* The first program ends as it would have; the second runs on until stopped. */
	for (end = cli_now() + 60; cli_now() < end; usleep(100000)) {
		free(out);
		out = cli_slurp(m.out);
		if (strstr(out, "init: ticks [pid") || strstr(out, "killed by"))
			break;
	}
	TEST_ASSERT(vmm_ok(&m, "stop"), "stop refused");
	status = cli_wait(m.pid, 60);
	free(out);
	out = cli_slurp(m.out);
	TEST_ASSERT(status == 0 && strstr(out, "ticks: 15 of 15") && strstr(out, "ticks: ok") &&
			    strstr(out, "]: exit 0") && !strstr(out, "killed by"),
		    "after %d injections the guest did not go on as it would have (status "
		    "%d):\n%s",
		    done, status, out);
	printf("# %d injections, the guest went on unaware\n", done);
	free(out);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "filter mode: exactly the selected calls, no exit for the others", test_filter },
		{ "trap mode: the same calls, every call exits once", test_trap },
		{ "class:file: paths read through the guest's page tables", test_file_class },
		{ "bad pointers decode as fault markers; the guest gets its errors",
		  test_bad_pointers },
		{ "two programs on two vCPUs", test_two_vcpus },
		{ "selection changed mid-run, on both vCPUs", test_select_midrun },
		{ "code injected into a process named by its program", test_inject_program },
		{ "injections into a running and a sleeping guest: it goes on unaware",
		  test_inject_goes_on },
	};
	int ret;

	harness_require_kvm();
	if (system("command -v babeltrace2 >/dev/null 2>&1")) {
		printf("SKIP: these checks read the trace with babeltrace2, which is not "
		       "installed\n");
		return KSFT_SKIP;
	}
	cli_setup();
	signal(SIGPIPE, SIG_IGN);
	ret = harness_main(cases, sizeof(cases) / sizeof(cases[0]));
	cli_cleanup();
	return ret;
}
