/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KVM probes (kvm.bpf.c) and their loader (probes.c) share: the tracepoints, the
 * record the BPF programs put into the BPF ring buffer, and the per-vCPU loss counters.
 * Included by BPF code (after vmlinux.h) and by user space (after linux/types.h), so only
 * __u32/__u64 types appear here.
 */
#ifndef VMSCOPE_PROBES_KVM_H
#define VMSCOPE_PROBES_KVM_H

/* vCPUs a probe can tell apart (indexes at or above it are not recorded). */
#define KVM_PROBE_MAX_VCPUS 1024

/* The tracepoints, in the order of kvm.bpf.c's programs (events.c: what each reads). */
enum kvm_probe_tp {
	KP_kvm_exit,
	KP_kvm_entry,
	KP_kvm_userspace_exit,
	KP_kvm_pio,
	KP_kvm_mmio,
	KP_kvm_msr,
	KP_kvm_cpuid,
	KP_kvm_inj_exception,
	KP_kvm_page_fault,
	KP_kvm_hypercall,
	KP_kvm_emulate_insn, /* opt-in: one per instruction KVM's emulator runs */
	KP_NR
};

/* kvm_exit's isa (KVM's KVM_ISA_VMX / KVM_ISA_SVM). */
#define KVM_PROBE_ISA_VMX 1
#define KVM_PROBE_ISA_SVM 2

/*
 * One record of the BPF ring buffer.  arg[] holds the tracepoint's arguments in the order
 * of its event in trace/events.def; insn the instruction bytes of kvm_emulate_insn.
 */
struct kvm_probe_rec {
	__u64 ts; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 tp; /* enum kvm_probe_tp */
	__u32 vcpu; /* index of the vCPU whose thread fired the tracepoint */
	__u32 cpu; /* host CPU */
	__u32 len; /* kvm_emulate_insn: instruction length */
	__u64 arg[6];
	__u8 insn[16];
};

/* Records the BPF side could not reserve (ring buffer full), per vCPU. */
struct kvm_probe_loss {
	__u64 count;
	__u64 first_ns; /* when the first of them was dropped; the loader clears it */
};

#endif
