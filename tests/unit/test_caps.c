// SPDX-License-Identifier: GPL-2.0
/* Host probing against fake sysfs trees built in a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../host/host.h"

struct tree {
	char root[64];
};

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/vmscope-caps-XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct tree *t = *state;
	struct stat st;
	int ret;

	ret = nftw(t->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (!ret && stat(t->root, &st) == 0)
		ret = -1;
	free(t);
	return ret ? -1 : 0;
}

/* mkdir -p root/rel */
static void make_dir(const struct tree *t, const char *rel)
{
	char path[256];
	char *p;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (p = path + strlen(t->root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("cannot create %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("cannot create %s: %s", path, strerror(errno));
}

/* An empty file root/rel, with its directories. */
static void make_file(const struct tree *t, const char *rel)
{
	char dir[256], path[256];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", rel);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		make_dir(t, dir);
	}
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	close(fd);
}

/* Probe with every field set to garbage first, so each one must be written. */
static struct host_caps probe(const struct tree *t)
{
	struct host_caps c;

	memset(&c, 0x5a, sizeof(c));
	c.flavour = KVM_FLAVOUR_PVM;
	caps__probe_sysfs(&c, t->root);
	return c;
}

static void test_flavour_vmx(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/module/kvm");
	make_dir(t, "sys/module/kvm_intel");
	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_VMX);
}

static void test_flavour_svm(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/module/kvm");
	make_dir(t, "sys/module/kvm_amd");
	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_SVM);
}

static void test_flavour_pvm(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/module/kvm");
	make_dir(t, "sys/module/kvm_pvm");
	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_PVM);
}

static void test_flavour_unknown(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/module/kvm");
	make_dir(t, "sys/module/kvmgt"); /* a name that only starts like a backend */
	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_UNKNOWN);
}

static void test_flavour_none(void **state)
{
	struct tree *t = *state;

	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_NONE);
	make_dir(t, "sys/module/ext4");
	make_dir(t, "sys/module/kvm_intel_extra");
	assert_int_equal(probe(t).flavour, KVM_FLAVOUR_NONE);
}

static void test_empty_tree(void **state)
{
	struct tree *t = *state;
	struct host_caps c = probe(t);

	assert_int_equal(c.flavour, KVM_FLAVOUR_NONE);
	assert_int_equal(c.btf, 0);
	assert_int_equal(c.rapl, 0);
	assert_int_equal(c.numa_nodes, 0);
}

static void test_btf(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/kernel/btf");
	make_file(t, "sys/kernel/btf/ext4");
	assert_int_equal(probe(t).btf, 0);
	make_file(t, "sys/kernel/btf/vmlinux");
	assert_int_equal(probe(t).btf, 1);
}

static void test_rapl(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/class/powercap/dtpm");
	assert_int_equal(probe(t).rapl, 0);
	make_dir(t, "sys/class/powercap/intel-rapl:0");
	assert_int_equal(probe(t).rapl, 1);
}

/* Older kernels name the control type directory intel-rapl without a zone suffix. */
static void test_rapl_control_type_only(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/class/powercap/intel-rapl");
	assert_int_equal(probe(t).rapl, 1);
}

static void test_numa_nodes(void **state)
{
	static const char *const others[] = { "possible",	  "online", "has_cpu",
					      "has_memory",	  "power",  "uevent",
					      "has_normal_memory" };
	struct tree *t = *state;
	char rel[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%zu", i);
		make_dir(t, rel);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/node/%s", others[i]);
		make_file(t, rel);
	}
	assert_int_equal(probe(t).numa_nodes, 4);
	/* Node numbers need not be dense, and may have two digits. */
	make_dir(t, "sys/devices/system/node/node17");
	assert_int_equal(probe(t).numa_nodes, 5);
}

static void test_numa_not_nodes(void **state)
{
	struct tree *t = *state;

	make_dir(t, "sys/devices/system/node");
	assert_int_equal(probe(t).numa_nodes, 0);
	make_file(t, "sys/devices/system/node/node");
	make_file(t, "sys/devices/system/node/nodes");
	make_file(t, "sys/devices/system/node/possible");
	assert_int_equal(probe(t).numa_nodes, 0);
	make_dir(t, "sys/devices/system/node/node0");
	assert_int_equal(probe(t).numa_nodes, 1);
}

static void test_whole_host(void **state)
{
	struct tree *t = *state;
	struct host_caps c;

	make_dir(t, "sys/module/kvm");
	make_dir(t, "sys/module/kvm_amd");
	make_file(t, "sys/kernel/btf/vmlinux");
	make_dir(t, "sys/class/powercap/intel-rapl:0");
	make_dir(t, "sys/devices/system/node/node0");
	make_dir(t, "sys/devices/system/node/node1");
	make_file(t, "sys/devices/system/node/possible");
	c = probe(t);
	assert_int_equal(c.flavour, KVM_FLAVOUR_SVM);
	assert_int_equal(c.btf, 1);
	assert_int_equal(c.rapl, 1);
	assert_int_equal(c.numa_nodes, 2);
}

static void test_flavour_names(void **state)
{
	static const struct {
		enum kvm_flavour f;
		const char *word;
	} names[] = {
		{ KVM_FLAVOUR_NONE, "none" },	    { KVM_FLAVOUR_VMX, "VMX" },
		{ KVM_FLAVOUR_SVM, "SVM" },	    { KVM_FLAVOUR_PVM, "PVM" },
		{ KVM_FLAVOUR_UNKNOWN, "unknown" },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *s = caps__flavour_name(names[i].f);

		assert_non_null(s);
		if (!strstr(s, names[i].word))
			fail_msg("flavour %d is called \"%s\", without \"%s\"", (int)names[i].f, s,
				 names[i].word);
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, caps__flavour_name(names[j].f));
	}
	assert_non_null(caps__flavour_name((enum kvm_flavour)42));
}

/* The short names bench rows and test summaries carry; an emulated CPU is said so. */
static void test_flavour_short(void **state)
{
	struct host_caps c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.flavour = KVM_FLAVOUR_SVM;
	assert_string_equal(caps__flavour_short(&c), "hardware SVM");
	c.cpu_emulated = 1;
	assert_string_equal(caps__flavour_short(&c), "emulated SVM");
	c.flavour = KVM_FLAVOUR_VMX;
	assert_string_equal(caps__flavour_short(&c), "emulated VMX");
	c.cpu_emulated = 0;
	assert_string_equal(caps__flavour_short(&c), "hardware VMX");
	c.flavour = KVM_FLAVOUR_PVM;
	assert_string_equal(caps__flavour_short(&c), "emulating PVM");
	c.flavour = KVM_FLAVOUR_NONE;
	assert_string_equal(caps__flavour_short(&c), "none");
}

/* Without a /dev/kvm fd the report needs no ioctl: it shows what the sysfs probe found. */
static void test_print_without_kvm(void **state)
{
	struct tree *t = *state;
	struct host_caps c;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	make_dir(t, "sys/module/kvm_intel");
	make_dir(t, "sys/devices/system/node/node0");
	c = probe(t);
	c.kvm_fd_ok = 0;
	c.bpf = 0;
	c.pmu = 0;
	c.probes = 0; /* not part of the sysfs probe: set as caps__probe() would */
	snprintf(c.probes_why, sizeof(c.probes_why), "test: no BPF");
	c.probes_tps[0] = '\0';
	c.probes_notes[0] = '\0';
	snprintf(c.kvm_error, sizeof(c.kvm_error), "cannot open /dev/kvm: test");
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	caps__print(f, &c, -1);
	fclose(f);
	assert_non_null(strstr(buf, "KVM flavour: VMX"));
	assert_non_null(strstr(buf, "host flavour: hardware VMX\n"));
	assert_non_null(strstr(buf, "cannot open /dev/kvm: test"));
	assert_non_null(strstr(buf, "NUMA nodes: 1\n"));
	assert_null(strstr(buf, "KVM capabilities"));
	free(buf);
}

/* The kernel probes' line: the tracepoints attached, then one line per note. */
static void test_print_probes(void **state)
{
	struct tree *t = *state;
	struct host_caps c;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	make_dir(t, "sys/module/kvm_amd");
	c = probe(t);
	c.kvm_fd_ok = c.bpf = c.pmu = 0;
	snprintf(c.kvm_error, sizeof(c.kvm_error), "test: no /dev/kvm");
	c.probes = 1;
	snprintf(c.probes_tps, sizeof(c.probes_tps), "kvm_exit kvm_pio");
	snprintf(c.probes_notes, sizeof(c.probes_notes),
		 "kvm_pio: attached as raw_tp: test\nkvm_msr: not attached: test\n");
	c.probes_why[0] = '\0';
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	caps__print(f, &c, -1);
	fclose(f);
	assert_non_null(strstr(buf, "  kernel probes          yes \n"
				    "    tracepoints attached: kvm_exit kvm_pio\n"));
	assert_non_null(strstr(buf, "\n    kvm_pio: attached as raw_tp: test\n"
				    "    kvm_msr: not attached: test\n  hardware PMU"));
	free(buf);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flavour_vmx),
		T(test_flavour_svm),
		T(test_flavour_pvm),
		T(test_flavour_unknown),
		T(test_flavour_none),
		T(test_empty_tree),
		T(test_btf),
		T(test_rapl),
		T(test_rapl_control_type_only),
		T(test_numa_nodes),
		T(test_numa_not_nodes),
		T(test_whole_host),
		T(test_flavour_names),
		T(test_flavour_short),
		T(test_print_without_kvm),
		T(test_print_probes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
