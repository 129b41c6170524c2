/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host layer: what this machine's KVM is and does, found out once per process, above the
 * VM and handed down to it as plain results.  Its probes (the self-test guest, the hardware
 * breakpoint probe) boot throwaway VMs of their own, so they sit above core/; nothing in
 * core/ or the feature modules calls them.  host__setup() is how a VM gets their results.
 */
#ifndef VMSCOPE_HOST_H
#define VMSCOPE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vm;

/*
 * Make the VM ready for this host: resolve fixups (HOSTFIX_AUTO: the self-test's verdict,
 * hostcheck__get()) and install them and the step engine.  0 or -errno with a message.
 */
int host__setup(struct vm *vm, unsigned int fixups);

/*
 * Tell the VM whether hardware breakpoints stop ring-0 code here (vm->hw_bp_fire, from
 * debug__hw_breakpoints()), for a run that sets breakpoints (GEARS' trap mode, MIME, the
 * step engine's targets); without it they are taken not to fire, and the step engine and
 * GEARS use single-step and the entry stub.  The probe boots a guest of its own once per
 * process: a run that sets no breakpoint does not pay for it, nor show its exits.
 */
void host__breakpoints(struct vm *vm);

/*
 * The CPU vmscope itself runs on, as its own CPUID shows it: whether the machine is a virtual
 * machine, whose, and whether its CPU is emulated in software (QEMU's TCG), where some
 * instructions deviate from the SDM in known ways (docs/hosts.md, "The emulated SVM host").
 */

/*
 * The hypervisor signature at CPUID 0x40000000 (EBX, ECX, EDX: 12 characters) into sig[13];
 * "" when CPUID.1:ECX.hypervisor is clear (bare metal).
 */
void hostcpu__signature(char sig[13]);

/* True when the CPU is QEMU's software emulator: signature "TCGTCGTCGTCG". */
bool hostcpu__is_tcg(void);

/*
 * What this host can do for vmscope: KVM flavour and capabilities, BPF and BTF, PMU, RAPL,
 * NUMA.  Probing reads sysfs below a root directory so tests can point it at a fake tree.
 */

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

/*
 * What guest debugging through KVM_SET_GUEST_DEBUG can do on this host, found out by trying it.
 *
 * Hardware execute breakpoints (KVM_GUESTDBG_USE_HW_BP) fire on VMX and SVM hosts and, for
 * ring-0 code, on emulating hosts (docs/hosts.md).  They do not fire when the host is itself a
 * guest of QEMU's TCG emulator: KVM loads the guest's DR7 into the VMCB, and TCG's VMRUN takes
 * it without arming the breakpoints it describes.  Nothing tells from the outside, so a one-off
 * probe sets a breakpoint on a known instruction of a tiny guest and sees whether it stops.
 */

/*
 * Do hardware execute breakpoints set with KVM_SET_GUEST_DEBUG fire for ring-0 code here?
 * 1 yes; 0 no, with the reason (and what vmscope does instead) in why[] when why is not NULL;
 * -errno when the probe guest could not run (why[] says why).  The probe runs once per
 * process (a few milliseconds); later calls return its result.
 */
int debug__hw_breakpoints(char *why, size_t size);

/*
 * Which transitions this host's KVM gets wrong, found by running a small self-test guest
 * (guests/hostcheck/) with no fixups, and the host-adaptation fixups that follow from it.
 * The result is cached per boot (keyed by /proc/sys/kernel/random/boot_id).
 */

struct hostcheck {
	enum kvm_flavour flavour;
	int ran; /* the self-test guest ran to completion */
	int cached; /* the result came from the per-boot cache */
	int syscall_broken; /* SYSCALL from ring 3 stays at ring 3 */
	int int_r3_broken; /* int n from ring 3 raises #UD */
	int int_r0_broken; /* int n at ring 0 is an emulation failure */
	int step_r3_broken; /* KVM single-step does not reach the VMM at ring 3 */
	int step_rep_broken; /* KVM single-step runs a ring-0 REP string instruction whole */
	int step_late_broken; /* ... or a SWAPGS's or FXSAVE's after the next instruction */
	int bp_r3_broken; /* a hardware breakpoint on a ring-3 instruction does not stop it */
	unsigned int refused; /* bit per HC_I_* instruction KVM refused at ring 0 */
	unsigned int absent; /* bit per HC_I_* instruction not tried: CPUID does not list it */
	unsigned int faulted; /* bit per HC_I_* instruction that raised #UD though listed */
	unsigned int probed; /* bit per HC_I_* instruction tried (this run, not cached) */
	char error[512]; /* why the self-test could not run */
};

/* Run the self-test guest now (about a millisecond of guest time). */
int hostcheck__run(struct hostcheck *hc);

/* The cached result for this boot, or a fresh run (then cached).  0 or -errno. */
int hostcheck__get(struct hostcheck *hc);

/* The fixups (HOSTFIX_*) a host with these results needs; 0 on VMX/SVM. */
unsigned int hostcheck__fixups(const struct hostcheck *hc);

/* Name of a refused-instruction bit. */
const char *hostcheck__insn_name(int bit);

/* The verdicts, the fixups, and whether hardware breakpoints fire here (debug.h). */
void hostcheck__print(FILE *f, const struct hostcheck *hc);

#endif
