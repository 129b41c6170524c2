// SPDX-License-Identifier: GPL-2.0
/*
 * BPF programs on KVM's tracepoints (tp_btf: no tracefs needed), compiled once with clang
 * -target bpf and relocated against the running kernel's BTF (CO-RE) when loaded.  A program
 * named on_<tracepoint>_raw is the raw_tp fallback of on_<tracepoint>, for kernels whose
 * verifier refuses the tp_btf one; the loader loads one of the two.
 *
 * Every program keeps only what the vCPU threads of one process (target_tgid) fire: the
 * thread id is looked up in vcpu_of_tid, which the loader fills as each vCPU thread starts,
 * so a tracepoint with no vcpu argument (kvm_pio, kvm_mmio, kvm_userspace_exit ...) still
 * lands on the right vCPU.  Records go through one BPF ring buffer; a record that does not
 * fit is counted in loss[vcpu], which the loader reports in-band like a trace ring's loss.
 *
 * Wake-ups: the consumer polls on a short timer, so records are submitted without waking it
 * unless the buffer is filling up (wake_bytes): no wake-up work on the vCPU's exit path.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kvm.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VCPU_REGS_RIP_BIT 16 /* VCPU_REGS_RIP */

const volatile __u32 target_tgid;
const volatile __u64 wake_bytes = 1 << 20;

struct kvm_probe_loss loss[KVM_PROBE_MAX_VCPUS];

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* the loader sets the size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVM_PROBE_MAX_VCPUS);
	__type(key, __u32);
	__type(value, __u32);
} vcpu_of_tid SEC(".maps");

/*
 * The vendor structures behind struct kvm_vcpu, for kvm_exit's reason.  They exist in the
 * kernel's BTF only where kvm_intel or kvm_amd is built; each read is guarded by
 * bpf_core_type_exists(), so elsewhere the verifier drops it as dead code.
 */
union vmx_exit_reason___vs {
	__u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___vs {
	union vmx_exit_reason___vs exit_reason;
} __attribute__((preserve_access_index));

struct vmcb_control_area___vs {
	__u32 exit_code; /* the low half where the kernel has a u64 */
} __attribute__((preserve_access_index));

struct vmcb___vs {
	struct vmcb_control_area___vs control;
} __attribute__((preserve_access_index));

struct vcpu_svm___vs {
	struct vmcb___vs *vmcb;
} __attribute__((preserve_access_index));

static __always_inline void count_loss(__u32 vcpu)
{
	struct kvm_probe_loss *l;

	if (vcpu >= KVM_PROBE_MAX_VCPUS)
		return;
	l = &loss[vcpu];
	if (!l->first_ns)
		l->first_ns = bpf_ktime_get_ns();
	__sync_fetch_and_add(&l->count, 1);
}

/* A record for this tracepoint, or NULL when the thread is none of our vCPUs. */
static __always_inline struct kvm_probe_rec *rec_start(__u32 tp)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, *vcpu;
	struct kvm_probe_rec *r;

	if ((id >> 32) != target_tgid)
		return NULL;
	vcpu = bpf_map_lookup_elem(&vcpu_of_tid, &tid);
	if (!vcpu)
		return NULL;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_loss(*vcpu);
		return NULL;
	}
	r->ts = bpf_ktime_get_ns();
	r->tp = tp;
	r->vcpu = *vcpu;
	r->cpu = bpf_get_smp_processor_id();
	r->len = 0;
	r->arg[0] = r->arg[1] = r->arg[2] = r->arg[3] = r->arg[4] = r->arg[5] = 0;
	return r;
}

static __always_inline void rec_submit(struct kvm_probe_rec *r)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wake_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(r, flags);
}

/*
 * The first n (at most 8) bytes at p, a kernel pointer, little-endian in a u64; 0 if p is
 * NULL.  Eight bytes are read (a constant size keeps the verifier content) and the rest is
 * masked off.
 */
static __always_inline __u64 read_data(const void *p, __u32 n)
{
	__u64 v = 0;

	if (!p || !n)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), p);
	return n >= 8 ? v : v & ((1ull << (8 * n)) - 1);
}

/* The guest RIP KVM has cached for the vCPU, or 0 when it has not read it since the exit. */
static __always_inline __u64 cached_rip(struct kvm_vcpu *vcpu)
{
	if (!(BPF_CORE_READ(vcpu, arch.regs_avail) & (1u << VCPU_REGS_RIP_BIT)))
		return 0;
	return BPF_CORE_READ(vcpu, arch.regs[VCPU_REGS_RIP_BIT]);
}

static __always_inline __u32 exit_reason(struct kvm_vcpu *vcpu, __u32 isa)
{
	if (isa == KVM_PROBE_ISA_VMX && bpf_core_type_exists(struct vcpu_vmx___vs)) {
		struct vcpu_vmx___vs *vmx = (void *)vcpu;

		return BPF_CORE_READ(vmx, exit_reason.full) & 0xffff;
	}
	if (isa == KVM_PROBE_ISA_SVM && bpf_core_type_exists(struct vcpu_svm___vs)) {
		struct vcpu_svm___vs *svm = (void *)vcpu;

		return BPF_CORE_READ(svm, vmcb, control.exit_code);
	}
	return 0xffffffff;
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(on_kvm_exit, struct kvm_vcpu *vcpu, __u32 isa)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_exit);

	if (!r)
		return 0;
	r->arg[0] = isa;
	r->arg[1] = exit_reason(vcpu, isa);
	r->arg[2] = cached_rip(vcpu);
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(on_kvm_entry, struct kvm_vcpu *vcpu)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_entry);

	if (!r)
		return 0;
	r->arg[0] = cached_rip(vcpu);
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(on_kvm_userspace_exit, __u32 reason, int ret)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_userspace_exit);

	if (!r)
		return 0;
	r->arg[0] = reason;
	r->arg[1] = (__u64)(__s64)ret;
	rec_submit(r);
	return 0;
}

static __always_inline int pio_rec(__u32 rw, __u32 port, __u32 size, __u32 count, const void *data)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_pio);

	if (!r)
		return 0;
	r->arg[0] = rw;
	r->arg[1] = port;
	r->arg[2] = size;
	r->arg[3] = count;
	r->arg[4] = read_data(data, size * count);
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_pio")
int BPF_PROG(on_kvm_pio, unsigned int rw, unsigned int port, unsigned int size, unsigned int count,
	     const void *data)
{
	return pio_rec(rw, port, size, count, data);
}

/*
 * The same on the raw tracepoint, whose arguments are plain u64s to the verifier.  Older
 * kernels (Linux 6.1 among them) refuse a tp_btf program that reads a const void * argument
 * ("func 'kvm_pio' arg4 type UNKNOWN is not a struct"); the loader falls back to this one
 * there.  The loader has checked the prototype in the kernel's BTF all the same.
 */
SEC("raw_tp/kvm_pio")
int BPF_PROG(on_kvm_pio_raw, unsigned int rw, unsigned int port, unsigned int size,
	     unsigned int count, const void *data)
{
	return pio_rec(rw, port, size, count, data);
}

SEC("tp_btf/kvm_mmio")
int BPF_PROG(on_kvm_mmio, int type, int len, __u64 gpa, void *val)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_mmio);

	if (!r)
		return 0;
	r->arg[0] = type;
	r->arg[1] = len;
	r->arg[2] = gpa;
	r->arg[3] = read_data(val, len > 0 ? len : 0);
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(on_kvm_msr, unsigned int write, __u32 ecx, __u64 data, bool exception)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_msr);

	if (!r)
		return 0;
	r->arg[0] = ecx;
	r->arg[1] = write;
	r->arg[2] = exception;
	r->arg[3] = data;
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_cpuid")
int BPF_PROG(on_kvm_cpuid, unsigned int function, unsigned int index, unsigned long rax,
	     unsigned long rbx, unsigned long rcx, unsigned long rdx, bool found,
	     bool used_max_basic)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_cpuid);

	if (!r)
		return 0;
	r->arg[0] = function | (__u64)index << 32;
	r->arg[1] = rax;
	r->arg[2] = rbx;
	r->arg[3] = rcx;
	r->arg[4] = rdx;
	r->arg[5] = found | (__u64)used_max_basic << 32;
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_inj_exception")
int BPF_PROG(on_kvm_inj_exception, unsigned int exception, bool has_error, unsigned int error_code,
	     bool reinjected)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_inj_exception);

	if (!r)
		return 0;
	r->arg[0] = exception;
	r->arg[1] = error_code;
	r->arg[2] = has_error;
	r->arg[3] = reinjected;
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_page_fault")
int BPF_PROG(on_kvm_page_fault, struct kvm_vcpu *vcpu, __u64 address, __u64 error_code)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_page_fault);

	if (!r)
		return 0;
	r->arg[0] = cached_rip(vcpu);
	r->arg[1] = address;
	r->arg[2] = error_code;
	rec_submit(r);
	return 0;
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(on_kvm_hypercall, unsigned long nr, unsigned long a0, unsigned long a1,
	     unsigned long a2, unsigned long a3)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_hypercall);

	if (!r)
		return 0;
	r->arg[0] = nr;
	r->arg[1] = a0;
	r->arg[2] = a1;
	r->arg[3] = a2;
	r->arg[4] = a3;
	rec_submit(r);
	return 0;
}

/* As KVM's own event: RIP = the emulator's _eip less the bytes it fetched. */
SEC("tp_btf/kvm_emulate_insn")
int BPF_PROG(on_kvm_emulate_insn, struct kvm_vcpu *vcpu, __u8 failed)
{
	struct kvm_probe_rec *r = rec_start(KP_kvm_emulate_insn);
	struct x86_emulate_ctxt *ctxt;
	unsigned long ptr, base;

	if (!r)
		return 0;
	ctxt = BPF_CORE_READ(vcpu, arch.emulate_ctxt);
	ptr = (unsigned long)BPF_CORE_READ(ctxt, fetch.ptr);
	base = (unsigned long)__builtin_preserve_access_index(&ctxt->fetch.data);
	r->len = ptr - base <= 15 ? ptr - base : 0;
	r->arg[0] = BPF_CORE_READ(ctxt, _eip) - r->len;
	r->arg[1] = failed;
	__builtin_memset(r->insn, 0, sizeof(r->insn));
	bpf_probe_read_kernel(r->insn, 15, (void *)base);
	rec_submit(r);
	return 0;
}
