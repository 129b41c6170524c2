/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this host can do for vmscope: KVM flavour and capabilities, BPF and BTF, PMU, RAPL,
 * NUMA.  Probing reads sysfs below a root directory so tests can point it at a fake tree.
 */
#ifndef VMSCOPE_CAPS_H
#define VMSCOPE_CAPS_H

#include <stdio.h>

enum kvm_flavour {
	KVM_FLAVOUR_NONE, /* no usable /dev/kvm */
	KVM_FLAVOUR_VMX, /* Intel VT-x */
	KVM_FLAVOUR_SVM, /* AMD-V */
	KVM_FLAVOUR_PVM, /* KVM emulating guest ring 0 (PVM) */
	KVM_FLAVOUR_UNKNOWN, /* /dev/kvm works, the backend module is not one we know */
};

struct host_caps {
	enum kvm_flavour flavour;
	int cpu_emulated; /* the CPU under vmscope is QEMU's software emulator (hostcpu.h) */
	int kvm_fd_ok;
	char kvm_error[512];
	int btf; /* <root>/sys/kernel/btf/vmlinux present */
	int bpf; /* a BPF map could be created */
	int pmu; /* a hardware cycles counter could be opened */
	int rapl; /* <root>/sys/class/powercap/intel-rapl:0 present */
	int numa_nodes; /* <root>/sys/devices/system/node/nodeN count (0: unknown) */
	int probes; /* kernel probes loaded and attached here (filled by the caller: probes/) */
	char probes_tps[512]; /* ... on these tracepoints */
	char probes_notes[2048]; /* ... and those left out or replaced, one line each, why */
	char probes_why[512]; /* ... or what is missing */
};

/*
 * Fill caps from the live host; root ("" for /) prefixes the sysfs paths.  The kernel probes'
 * fields are the caller's to fill (probes/ sits above core/: cli/main.c runs its check).
 */
void caps__probe(struct host_caps *caps, const char *root);

/* Only the sysfs part (flavour from modules, BTF, RAPL, NUMA), for tests with a fake root. */
void caps__probe_sysfs(struct host_caps *caps, const char *root);

const char *caps__flavour_name(enum kvm_flavour f);

/*
 * The flavour in a few words, for a table cell or a summary line: "hardware VMX", "hardware
 * SVM", "emulated SVM" (kvm_amd on QEMU's software CPU), "emulating PVM", "none".
 */
const char *caps__flavour_short(const struct host_caps *caps);

/* `vmscope caps`: capabilities, then one line per vmscope feature with yes/no and why. */
void caps__print(FILE *f, const struct host_caps *caps, int kvm_fd);

#endif
