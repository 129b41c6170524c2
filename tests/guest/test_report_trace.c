// SPDX-License-Identifier: GPL-2.0
/*
 * vmscope report on traces of known content: guest_count (below) makes exactly COUNT port
 * writes on vCPU 0 and ends through the debug-exit port, so its trace holds COUNT + 1 IO
 * exits; the report's counts must equal what `vmscope run --stats` counted, for it and for
 * the built-in demo guest on two vCPUs.  `--json` must parse.  A missing directory, one
 * without metadata, corrupt metadata and a truncated stream file must give precise errors.
 */
#include "../../lib/jsonc.h"
#include "cli_harness.h"

#define COUNT 1000
#define COUNT_PORT 0x600

static GUEST_CODE void guest_count(uint64_t vcpu_id, uint64_t nr_vcpus)
{
	int i;

	(void)nr_vcpus;
	if (vcpu_id == 0) {
		for (i = 0; i < COUNT; i++)
			guest_outb(COUNT_PORT, i);
		guest_outb(PORT_DEBUG_EXIT, 0);
	}
	for (;;)
		__asm__ volatile("hlt");
}

/* "IO                    0         1001": a --stats line for a KVM exit reason. */
struct stat_row {
	char reason[32];
	int vcpu;
	uint64_t count;
};

static int parse_stats(const char *out, struct stat_row *rows, int max)
{
	const char *p = strstr(out, "exit reason");
	int n = 0;

	while (p && (p = strchr(p, '\n')) && n < max) {
		struct stat_row r;
		unsigned long long c;

		p++;
		if (sscanf(p, "%31s %d %llu", r.reason, &r.vcpu, &c) != 3)
			break;
		r.count = c;
		/* Upper case: KVM exit reasons; lower case: vmscope's own counters. */
		if (r.reason[0] >= 'A' && r.reason[0] <= 'Z')
			rows[n++] = r;
	}
	return n;
}

static struct json_object *find_vcpu_row(struct json_object *j, int vcpu, const char *reason)
{
	struct json_object *rows = json_object_object_get(j, "by_vcpu");
	size_t i,
		n = json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *name = jsonc__str(row, "reason");

		if (jsonc__u64(row, "vcpu", 999) == (uint64_t)vcpu && name && !strcmp(name, reason))
			return row;
	}
	return NULL;
}

/* Skip when this build cannot read traces: babeltrace2 is an optional dependency. */
static void skip_without_babeltrace(const char *out)
{
	if (strstr(out, "without libbabeltrace2") || strstr(out, "ctf plugin is missing")) {
		printf("SKIP: vmscope report needs libbabeltrace2: %s\n", out);
		cli_cleanup();
		exit(KSFT_SKIP);
	}
}

/* Record a trace with --stats; the report's counts must equal the run's, per vCPU. */
static int check_counts(const char *name, const char *const *extra, uint64_t want_io)
{
	char trace[PATH_MAX], *out, *rep;
	const char *argv[16] = { "vmscope", "run",     "--no-input", "--timeout",
				 "60",	    "--stats", "--trace",    trace };
	const char *report[] = { "vmscope", "report", "--json", trace, NULL };
	struct stat_row rows[64];
	uint64_t sum = 0, io = 0;
	struct json_object *j;
	int i, n = 8, nr;

	snprintf(trace, sizeof(trace), "%s/%s", cli_tmp, name);
	for (i = 0; extra[i]; i++)
		argv[n++] = extra[i];
	TEST_ASSERT(cli_run(argv, &out) == 0, "vmscope run failed:\n%s", out);
	nr = parse_stats(out, rows, 64);
	TEST_ASSERT(nr > 0, "no --stats rows in:\n%s", out);
	free(out);
	i = cli_run(report, &rep);
	skip_without_babeltrace(rep);
	TEST_ASSERT(i == 0, "report failed:\n%s", rep);
	j = jsonc__parse(rep, "report --json", NULL);
	TEST_ASSERT(j, "%s", err__last());
	for (i = 0; i < nr; i++) {
		struct json_object *row = find_vcpu_row(j, rows[i].vcpu, rows[i].reason);

		TEST_ASSERT(row && jsonc__u64(row, "count", 0) == rows[i].count,
			    "%s on vCPU %d: run counted %llu, the report %llu", rows[i].reason,
			    rows[i].vcpu, (unsigned long long)rows[i].count,
			    (unsigned long long)jsonc__u64(row, "count", 0));
		sum += rows[i].count;
		if (!strcmp(rows[i].reason, "IO"))
			io += rows[i].count;
	}
	TEST_ASSERT(jsonc__u64(j, "exits", 0) == sum &&
			    jsonc__u64(json_object_object_get(j, "total"), "count", 0) == sum,
		    "total exits: run %llu, report %llu", (unsigned long long)sum,
		    (unsigned long long)jsonc__u64(j, "exits", 0));
	TEST_ASSERT(!want_io || io == want_io, "%llu IO exits, expected %llu",
		    (unsigned long long)io, (unsigned long long)want_io);
	TEST_ASSERT(jsonc__u64(j, "discarded", 1) == 0, "events were discarded");
	json_object_put(j);
	free(rep);
	return 0;
}

static char entry_s[32];

static int test_known_guest(void)
{
	const char *extra[] = { "--entry", entry_s, cli_self, NULL };

	return check_counts("count", extra, COUNT + 1);
}

static int test_demo_guest(void)
{
	const char *extra[] = { "--vcpus", "2", NULL };

	return check_counts("demo", extra, 0);
}

static int test_text_report(void)
{
	char trace[PATH_MAX], *out;
	const char *argv[] = { "vmscope", "report", trace, NULL };

	snprintf(trace, sizeof(trace), "%s/count", cli_tmp);
	TEST_ASSERT(cli_run(argv, &out) == 0, "report failed:\n%s", out);
	TEST_ASSERT(strstr(out, "exits by reason, all vCPUs") && strstr(out, "\nall   IO ") &&
			    strstr(out, "guest_ns") && strstr(out, "p99") &&
			    strstr(out, "discarded events: 0"),
		    "text report:\n%s", out);
	free(out);
	return 0;
}

/* Run report on dir; it must fail with status 1 and a message holding words. */
static int expect_error(const char *dir, const char *words)
{
	const char *argv[] = { "vmscope", "report", dir, NULL };
	char *out;
	int status = cli_run(argv, &out);

	TEST_ASSERT(status == 1 && strstr(out, words), "report %s: status %d, expected '%s':\n%s",
		    dir, status, words, out);
	free(out);
	return 0;
}

static int copy_trace(const char *to)
{
	char cmd[PATH_MAX * 3];

	snprintf(cmd, sizeof(cmd), "cp -r '%s/count' '%s'", cli_tmp, to);
	return system(cmd);
}

static int test_bad_traces(void)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	struct stat st;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/missing", cli_tmp);
	if (expect_error(dir, "cannot open trace directory"))
		return -1;
	snprintf(dir, sizeof(dir), "%s/empty", cli_tmp);
	mkdir(dir, 0700);
	if (expect_error(dir, "has no metadata file"))
		return -1;
	/* Metadata whose syntax is wrong: babeltrace2's parser names the line. */
	snprintf(dir, sizeof(dir), "%s/badmeta", cli_tmp);
	TEST_ASSERT(!copy_trace(dir), "cp");
	snprintf(file, sizeof(file), "%s/metadata", dir);
	f = fopen(file, "w");
	TEST_ASSERT(f, "open %s", file);
	fprintf(f, "/* CTF 1.8 */\ntrace { major = 1; minor = 8; byte_order = le; };\n"
		   "strukt nonsense {\n");
	fclose(f);
	if (expect_error(dir, "metadata stream: syntax error"))
		return -1;
	/* Garbage instead of metadata. */
	f = fopen(file, "w");
	fprintf(f, "this is not a trace\n");
	fclose(f);
	if (expect_error(dir, "is not CTF metadata"))
		return -1;
	/* A stream file cut in the middle of a packet. */
	snprintf(dir, sizeof(dir), "%s/cut", cli_tmp);
	TEST_ASSERT(!copy_trace(dir), "cp");
	snprintf(file, sizeof(file), "%s/vcpu0", dir);
	TEST_ASSERT(!stat(file, &st) && st.st_size > 64, "no stream file %s", file);
	TEST_ASSERT(!truncate(file, st.st_size / 2 + 3), "truncate");
	return expect_error(dir, "vcpu0");
}

int main(void)
{
	static const struct harness_case cases[] = {
		{ "report counts equal run --stats (known guest)", test_known_guest },
		{ "report counts equal run --stats (demo guest, 2 vCPUs)", test_demo_guest },
		{ "text report", test_text_report },
		{ "missing, empty, corrupt and truncated traces", test_bad_traces },
	};
	int ret;

	harness_require_kvm();
	cli_setup();
	snprintf(entry_s, sizeof(entry_s), "%#lx", (unsigned long)(uintptr_t)guest_count);
	ret = harness_main(cases, 4);
	cli_cleanup();
	return ret;
}
