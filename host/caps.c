// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host.h"
#include "../lib/err.h"
#include "../core/kvm.h"

static const struct {
	const char *name;
	int cap;
} kvm_caps[] = {
#define X(n) { #n, KVM_CAP_##n },
#include "kvm_caps.def"
#undef X
};

static int path_exists(const char *root, const char *path)
{
	char buf[512];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s%s", root, path);
	return stat(buf, &st) == 0;
}

static int count_numa_nodes(const char *root)
{
	char buf[512];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s/sys/devices/system/node", root);
	d = opendir(buf);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9')
			n++;
	closedir(d);
	return n;
}

void caps__probe_sysfs(struct host_caps *caps, const char *root)
{
	if (path_exists(root, "/sys/module/kvm_intel"))
		caps->flavour = KVM_FLAVOUR_VMX;
	else if (path_exists(root, "/sys/module/kvm_amd"))
		caps->flavour = KVM_FLAVOUR_SVM;
	else if (path_exists(root, "/sys/module/kvm_pvm"))
		caps->flavour = KVM_FLAVOUR_PVM;
	else
		caps->flavour = path_exists(root, "/sys/module/kvm") ? KVM_FLAVOUR_UNKNOWN
								     : KVM_FLAVOUR_NONE;
	caps->cpu_emulated = !*root && hostcpu__is_tcg();
	caps->btf = path_exists(root, "/sys/kernel/btf/vmlinux");
	caps->rapl = path_exists(root, "/sys/class/powercap/intel-rapl:0") ||
		     path_exists(root, "/sys/class/powercap/intel-rapl");
	caps->numa_nodes = count_numa_nodes(root);
}

static int probe_bpf(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int probe_pmu(void)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.disabled = 1;
	a.exclude_kernel = 1;
	fd = syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void caps__probe(struct host_caps *caps, const char *root)
{
	struct kvm_dev k;
	int ret;

	memset(caps, 0, sizeof(*caps));
	caps__probe_sysfs(caps, root);
	ret = kvm_dev__open(&k, NULL);
	if (ret) {
		snprintf(caps->kvm_error, sizeof(caps->kvm_error), "%s", err__msg(ret));
		caps->flavour = KVM_FLAVOUR_NONE;
	} else {
		caps->kvm_fd_ok = 1;
		kvm_dev__close(&k);
	}
	caps->bpf = probe_bpf();
	caps->pmu = probe_pmu();
}

const char *caps__flavour_name(enum kvm_flavour f)
{
	switch (f) {
	case KVM_FLAVOUR_VMX:
		return "VMX (Intel VT-x): hardware-assisted, faithful CPU";
	case KVM_FLAVOUR_SVM:
		return "SVM (AMD-V): hardware-assisted, faithful CPU";
	case KVM_FLAVOUR_PVM:
		return "PVM: guest ring 3 native, guest ring 0 emulated (see docs/hosts.md)";
	case KVM_FLAVOUR_UNKNOWN:
		return "unknown KVM backend";
	default:
		return "none";
	}
}

const char *caps__flavour_short(const struct host_caps *c)
{
	switch (c->flavour) {
	case KVM_FLAVOUR_VMX:
		return c->cpu_emulated ? "emulated VMX" : "hardware VMX";
	case KVM_FLAVOUR_SVM:
		return c->cpu_emulated ? "emulated SVM" : "hardware SVM";
	case KVM_FLAVOUR_PVM:
		return "emulating PVM";
	case KVM_FLAVOUR_UNKNOWN:
		return "unknown KVM";
	default:
		return "none";
	}
}

static void feature(FILE *f, const char *name, int ok, const char *why_not)
{
	fprintf(f, "  %-22s %-3s %s\n", name, ok ? "yes" : "no", ok ? "" : why_not);
}

static void caps__print_kvm(FILE *f, int kvm_fd)
{
	size_t i;

	fprintf(f, "KVM capabilities:\n");
	for (i = 0; i < sizeof(kvm_caps) / sizeof(kvm_caps[0]); i++)
		fprintf(f, "  KVM_CAP_%-28s %d\n", kvm_caps[i].name,
			kvm__check_cap(kvm_fd, kvm_caps[i].cap));
}

/* The tracepoints a trial load attached, and those it did not (or attached otherwise). */
static void caps__print_probes(FILE *f, const struct host_caps *c)
{
	const char *line = c->probes_notes;

	if (c->probes)
		fprintf(f,
			"    tracepoints attached: %s\n    (kvm_emulate_insn only when asked for: "
			"--kernel-probes=all)%s\n",
			c->probes_tps,
			c->flavour == KVM_FLAVOUR_PVM
				? "\n    (emulating KVM: kvm_exit and kvm_entry never fire; "
				  "docs/probes.md)"
				: "");
	while (*line) {
		size_t n = strcspn(line, "\n");

		fprintf(f, "    %.*s\n", (int)n, line);
		line += n + !!line[n];
	}
}

/* How capture reaches vmscope here, per mode (gears/capture.c chooses the same way). */
static void caps__print_capture(FILE *f, const struct host_caps *c)
{
	if (c->flavour == KVM_FLAVOUR_PVM) {
		fprintf(f, "%29s%s\n", "",
			"filter and trap: at vmscope's own SYSCALL completion exit (no exit "
			"added)");
		return;
	}
	fprintf(f, "%29sfilter: injected entry stub; trap: %s\n", "",
		debug__hw_breakpoints(NULL, 0) == 1
			? "hardware breakpoint on the guest's entry"
			: "entry stub (hardware breakpoints do not fire here)");
}

static void caps__print_features(FILE *f, const struct host_caps *c, int fd)
{
	int ok = fd >= 0;
	char numa[64];

	fprintf(f, "vmscope features on this host:\n");
	feature(f, "run guests", ok, c->kvm_error);
	feature(f, "SMP guests", ok && kvm__check_cap(fd, KVM_CAP_MAX_VCPUS) > 1,
		"KVM allows one vCPU");
	feature(f, "in-kernel irqchip/PIT", ok && kvm__check_cap(fd, KVM_CAP_IRQCHIP),
		"KVM_CAP_IRQCHIP missing; run with --no-irqchip");
	feature(f, "MSR hooks (filter)",
		ok && kvm__check_cap(fd, KVM_CAP_X86_USER_SPACE_MSR) &&
			kvm__check_cap(fd, KVM_CAP_X86_MSR_FILTER),
		"needs KVM_CAP_X86_USER_SPACE_MSR and KVM_CAP_X86_MSR_FILTER (Linux 5.10+)");
	feature(f, "guest debug", ok && kvm__check_cap(fd, KVM_CAP_SET_GUEST_DEBUG),
		"KVM_CAP_SET_GUEST_DEBUG missing");
	feature(f, "syscall capture",
		ok && kvm__check_cap(fd, KVM_CAP_X86_USER_SPACE_MSR) &&
			kvm__check_cap(fd, KVM_CAP_X86_MSR_FILTER),
		"needs the MSR hooks (filter) above");
	if (ok)
		caps__print_capture(f, c);
	feature(f, "code injection", ok, c->kvm_error);
	feature(f, "dirty log (migration)",
		ok && (kvm__check_cap(fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) ||
		       kvm__check_cap(fd, KVM_CAP_DIRTY_LOG_RING_ACQ_REL)),
		"needs KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 or a dirty ring");
	feature(f, "KVM statistics", ok && kvm__check_cap(fd, KVM_CAP_BINARY_STATS_FD),
		"KVM_CAP_BINARY_STATS_FD missing (Linux 5.14+)");
	feature(f, "BPF", c->bpf, "bpf() refused: run as root (CAP_BPF and CAP_PERFMON)");
	feature(f, "BTF", c->btf, "/sys/kernel/btf/vmlinux missing: kernel without DEBUG_INFO_BTF");
	feature(f, "kernel probes", c->probes, c->probes_why);
	caps__print_probes(f, c);
	feature(f, "hardware PMU", c->pmu,
		"perf_event_open(cycles) failed: no PMU (virtualised host, or kvm.enable_pmu=N)");
	feature(f, "RAPL energy", c->rapl, "/sys/class/powercap/intel-rapl missing");
	snprintf(numa, sizeof(numa), "%d NUMA node(s): placement has nothing to choose",
		 c->numa_nodes);
	feature(f, "NUMA placement", c->numa_nodes > 1, numa);
}

void caps__print(FILE *f, const struct host_caps *c, int kvm_fd)
{
	fprintf(f, "KVM flavour: %s\n", caps__flavour_name(c->flavour));
	if (c->cpu_emulated)
		fprintf(f,
			"  the CPU under this KVM is QEMU's software emulator (TCG): an emulated "
			"host, about 10-100x slower, with known deviations (docs/hosts.md)\n");
	fprintf(f, "host flavour: %s\n", caps__flavour_short(c));
	if (kvm_fd >= 0) {
		fprintf(f, "KVM API version: %d\n", ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
		caps__print_kvm(f, kvm_fd);
	}
	caps__print_features(f, c, kvm_fd);
	fprintf(f, "NUMA nodes: %d\n", c->numa_nodes);
}
