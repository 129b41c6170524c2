// SPDX-License-Identifier: GPL-2.0
/* Host self-test (hostcheck.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guests/builtin.h"
#include "../abi/hostcheck.h"
#include "../core/boot.h"
#include "host.h"
#include "../core/emulate.h"
#include "../lib/err.h"
#include "../core/exit.h"
#include "../core/hostfix.h"
#include "../abi/layout.h"
#include "../core/loader.h"
#include "../core/paging.h"
#include "../abi/ucall.h"
#include "../core/vcpu.h"
#include "../core/vm.h"

#define HC_CACHE_DIR "/run/vmscope"
#define HC_CACHE_VERSION 4

struct hc_run {
	struct hostcheck *hc;
	int insn; /* instruction the guest is about to try (enum hc_insn) */
	uint64_t insn_start, insn_end; /* where it is, as the guest's assembler placed it */
	int stepping; /* KVM single-step armed at ring 3 */
	int step_seen; /* a single-step exit arrived at ring 3 */
	uint64_t rep_start; /* REP part: single-stepping, the REP STOSB's address */
	int rep_stops; /* ... steps that stopped at it */
	uint64_t swapgs_next, fx_next; /* ... the instructions after a SWAPGS and an FXSAVE */
	int swapgs_stops, fx_stops; /* ... steps that stopped there */
	uint64_t bp_addr; /* ring-3 breakpoint part: the breakpoint's address */
	int bp_hit; /* ... it stopped the vCPU */
	int int_r0_seen;
};

static const char *const insn_names[HC_I_MAX] = {
	[HC_I_POPCNT] = "popcnt", [HC_I_CRC32] = "crc32", [HC_I_RDTSCP] = "rdtscp",
	[HC_I_XGETBV] = "xgetbv", [HC_I_INT] = "int n",
};

const char *hostcheck__insn_name(int bit)
{
	return bit > 0 && bit < HC_I_MAX ? insn_names[bit] : "?";
}

static void hc_step_arm(struct vcpu *v, struct hc_run *r, int on)
{
	r->stepping = on;
	vcpu__set_debug(v, on ? KVM_GUESTDBG_SINGLESTEP : 0, NULL, 0);
}

static void hc_on_insn(struct hc_run *r, const struct ucall *uc)
{
	uint64_t val = uc->args[1];

	if (val >= HC_I_MAX)
		return;
	r->insn = val;
	r->insn_start = uc->args[2];
	r->insn_end = uc->args[3];
	if (val != HC_I_NONE)
		r->hc->probed |= 1u << val;
}

/*
 * The REP part: single-step from the REP STOSB's ucall to the next.  A CPU stops after each of
 * its 3 iterations but the last, at the instruction itself: with the arrival, 3 stops there.
 */
static void hc_rep_stage(struct vcpu *v, struct hc_run *r, const struct ucall *uc)
{
	uint64_t start = uc->args[0] == HC_STEP_REP_ARM ? uc->args[1] : 0;

	if (start) {
		r->rep_start = start;
		r->rep_stops = 0;
		r->swapgs_next = uc->args[2];
		r->fx_next = uc->args[3];
		r->swapgs_stops = r->fx_stops = 0;
		vcpu__set_debug(v, KVM_GUESTDBG_SINGLESTEP, NULL, 0);
		return;
	}
	r->hc->step_rep_broken = r->rep_stops < 3;
	r->hc->step_late_broken = !r->swapgs_stops || !r->fx_stops;
	r->rep_start = 0;
	vcpu__set_debug(v, 0, NULL, 0);
}

static void hc_on_ucall(struct vcpu *v, void *opaque, const struct ucall *uc)
{
	struct hc_run *r = opaque;
	struct hostcheck *hc = r->hc;
	uint64_t stage = uc->args[0], val = uc->args[1];

	if (uc->cmd != UCALL_SYNC)
		return;
	if (stage == HC_INSN)
		hc_on_insn(r, uc);
	else if (stage == HC_INSN_ABSENT && val < HC_I_MAX)
		hc->absent |= 1u << val;
	else if (stage == HC_INSN_UD && val < HC_I_MAX)
		hc->faulted |= 1u << val;
	else if (stage == HC_SYSCALL)
		hc->syscall_broken = val == HC_BROKEN;
	else if (stage == HC_INT_R3)
		hc->int_r3_broken = val == HC_BROKEN;
	else if (stage == HC_INT_R0)
		r->int_r0_seen = 1;
	else if (stage == HC_STEP_R3_ARM)
		hc_step_arm(v, r, 1);
	else if (stage == HC_STEP_R3 || stage == HC_STEP_R3_DONE) {
		hc->step_r3_broken |= stage == HC_STEP_R3 || !r->step_seen;
		hc_step_arm(v, r, 0);
	} else if (stage == HC_STEP_REP_ARM || stage == HC_STEP_REP_DONE) {
		hc_rep_stage(v, r, uc);
	} else if (stage == HC_BP_R3_ARM) {
		r->bp_addr = val;
		vcpu__set_debug(v, KVM_GUESTDBG_USE_HW_BP, &r->bp_addr, 1);
	} else if (stage == HC_BP_R3 || stage == HC_BP_R3_DONE) {
		hc->bp_r3_broken |= stage == HC_BP_R3 || !r->bp_hit;
		r->bp_addr = 0;
		vcpu__set_debug(v, 0, NULL, 0);
	} else if (stage == HC_UNEXPECTED)
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1,
				 "it took unexpected vector %llu at 0x%llx",
				 (unsigned long long)val, (unsigned long long)uc->args[2]);
}

/* A single-step exit at ring 3 means KVM steps user code itself. */
static int hc_debug(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct hc_run *r = opaque;
	struct kvm_sregs s;

	if (r->rep_start) {
		r->rep_stops += run->debug.arch.pc == r->rep_start;
		r->swapgs_stops += run->debug.arch.pc == r->swapgs_next;
		r->fx_stops += run->debug.arch.pc == r->fx_next;
		return 1;
	}
	if (r->bp_addr) {
		r->bp_hit |= run->debug.arch.pc == r->bp_addr;
		vcpu__set_debug(v, 0, NULL, 0);
		return 1;
	}
	if (!r->stepping || vcpu__get_sregs(v, &s))
		return 0;
	if (s.cs.dpl == 3) {
		r->step_seen = 1;
		hc_step_arm(v, r, 0);
	}
	return 1;
}

/*
 * The length of the refused instruction at rip, decoded from the bytes KVM reported (or from
 * guest memory); it must agree with the span the guest's assembler gave it, which stands in
 * for the decoder in a build without capstone.  -errno (message set) when they disagree.
 */
static int hc_insn_length(struct vcpu *v, struct kvm_run *run, const struct hc_run *r)
{
	int span = r->insn_end - r->insn_start, n, len;
	struct kvm_sregs s;
	uint8_t b[16];

	n = exit__insn_bytes(run, b, sizeof(b));
	if (n <= 0 && span > 0 && span <= 15 && !vcpu__get_sregs(v, &s) &&
	    !paging__read_virt(&v->vm->mem, s.cr3, r->insn_start, b, span))
		n = span;
	len = emulate__decode(b, n, 64, NULL, 0);
	if (len == -EOPNOTSUPP && span > 0)
		return span;
	if (len <= 0 || len != span)
		return err__set(EPROTO,
				"KVM refused the self-test guest's %s at 0x%llx, which decodes "
				"as %d bytes but spans %d; rebuild vmscope (guests/hostcheck/)",
				insn_names[r->insn], (unsigned long long)r->insn_start, len, span);
	return len;
}

/* KVM refused the instruction the guest announced: note it and skip it. */
static int hc_emulation(struct vcpu *v, void *opaque, struct kvm_run *run)
{
	struct hc_run *r = opaque;
	struct kvm_regs regs;
	int len;

	if (r->insn <= HC_I_NONE || r->insn >= HC_I_MAX || vcpu__get_regs(v, &regs) ||
	    regs.rip != r->insn_start)
		return 0; /* not the probe: the run stops on KVM's emulation failure */
	len = hc_insn_length(v, run, r);
	if (len < 0) {
		vm__request_stop(v->vm, VM_STATUS_GUEST_FAILURE, 1, "%s", err__msg(len));
		return len;
	}
	r->hc->refused |= 1u << r->insn;
	regs.rip += len;
	return vcpu__set_regs(v, &regs) ? -EIO : 1;
}

static int hc_setup(struct vm *vm, struct hc_run *r)
{
	struct boot_params p = {
		.mode = BOOT_LONG,
		.entry = 0,
		.stack = GPA_BOOT_STACK_TOP,
		.map_bytes = GPA_MMIO_HOLE_END,
		.build_tables = 1,
	};
	struct load_info li;
	int ret;

	ret = loader__load_elf(&vm->mem, builtin_hostcheck_start,
			       builtin_hostcheck_end - builtin_hostcheck_start, &li);
	p.entry = li.entry;
	if (!ret)
		ret = vm__boot(vm, &p);
	if (!ret)
		ret = hooks__add_debug(&vm->hooks, "hostcheck", hc_debug, r);
	if (!ret)
		ret = hooks__add_emulation(&vm->hooks, "hostcheck", hc_emulation, r);
	vm->on_ucall = hc_on_ucall;
	vm->ucall_opaque = r;
	return ret;
}

int hostcheck__run(struct hostcheck *hc)
{
	struct vm_opts o = {
		.mem_size = 32ull << 20, .nr_vcpus = 1, .console_fd = -1, .input_fd = -1
	};
	struct hc_run r = { .hc = hc };
	struct host_caps caps;
	struct vm vm;
	int ret;

	memset(hc, 0, sizeof(*hc));
	caps__probe_sysfs(&caps, "");
	hc->flavour = caps.flavour;
	ret = vm__create(&vm, &o);
	if (!ret)
		ret = hc_setup(&vm, &r);
	if (!ret)
		ret = vm__start(&vm);
	if (!ret && vm__wait(&vm, 10000) == -ETIMEDOUT) {
		vm__request_stop(&vm, 1, 1, "timeout");
		vm__wait(&vm, -1);
	}
	if (ret)
		snprintf(hc->error, sizeof(hc->error), "%s", err__msg(ret));
	else if (vm.failed || vm.exit_status)
		snprintf(hc->error, sizeof(hc->error), "the self-test guest failed: %s",
			 vm.stop_reason);
	hc->int_r0_broken = !!(hc->refused & (1u << HC_I_INT));
	hc->ran = !ret && !hc->error[0];
	vm__destroy(&vm);
	return hc->ran ? 0 : err__set(EIO, "host self-test: %s", hc->error);
}

unsigned int hostcheck__fixups(const struct hostcheck *hc)
{
	unsigned int f = 0;

	if (hc->flavour == KVM_FLAVOUR_VMX || hc->flavour == KVM_FLAVOUR_SVM)
		return 0;
	if (hc->syscall_broken)
		f |= HOSTFIX_SYSCALL;
	if (hc->int_r3_broken || hc->int_r0_broken)
		f |= HOSTFIX_INTN;
	if (hc->refused & ~(1u << HC_I_INT))
		f |= HOSTFIX_EMULATE;
	if (hc->step_r3_broken)
		f |= HOSTFIX_STEP3;
	if (hc->step_rep_broken || hc->step_late_broken)
		f |= HOSTFIX_STEP0;
	return f;
}

static int hc_read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, n, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok ? 0 : -EIO;
}

static void hc_cache_path(char *p, size_t n)
{
	if (geteuid() == 0)
		snprintf(p, n, "%s/hostcheck", HC_CACHE_DIR);
	else
		snprintf(p, n, "/tmp/vmscope-%u-hostcheck", (unsigned)geteuid());
}

static int hc_cache_load(struct hostcheck *hc, const char *boot_id)
{
	char path[256], id[64];
	int ver, n;
	FILE *f;

	hc_cache_path(path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	n = fscanf(f,
		   "vmscope-hostcheck %d boot_id %63s flavour %u syscall %d int_r3 %d "
		   "int_r0 %d step_r3 %d step_rep %d step_swapgs %d bp_r3 %d refused %u absent %u "
		   "faulted %u",
		   &ver, id, (unsigned *)&hc->flavour, &hc->syscall_broken, &hc->int_r3_broken,
		   &hc->int_r0_broken, &hc->step_r3_broken, &hc->step_rep_broken,
		   &hc->step_late_broken, &hc->bp_r3_broken, &hc->refused, &hc->absent,
		   &hc->faulted);
	fclose(f);
	if (n != 13 || ver != HC_CACHE_VERSION || strcmp(id, boot_id))
		return -ESTALE;
	hc->ran = 1;
	hc->cached = 1;
	return 0;
}

/* Best effort: a cache that cannot be written only costs a self-test next time. */
static void hc_cache_store(const struct hostcheck *hc, const char *boot_id)
{
	char path[256], tmp[280];
	FILE *f;

	if (geteuid() == 0)
		mkdir(HC_CACHE_DIR, 0700);
	hc_cache_path(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f,
		"vmscope-hostcheck %d\nboot_id %s\nflavour %u\nsyscall %d\nint_r3 %d\n"
		"int_r0 %d\nstep_r3 %d\nstep_rep %d\nstep_swapgs %d\nbp_r3 %d\nrefused %u\n"
		"absent %u\nfaulted %u\n",
		HC_CACHE_VERSION, boot_id, (unsigned)hc->flavour, hc->syscall_broken,
		hc->int_r3_broken, hc->int_r0_broken, hc->step_r3_broken, hc->step_rep_broken,
		hc->step_late_broken, hc->bp_r3_broken, hc->refused, hc->absent, hc->faulted);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

int hostcheck__get(struct hostcheck *hc)
{
	struct host_caps caps;
	char boot_id[64] = "";
	int ret;

	memset(hc, 0, sizeof(*hc));
	caps__probe_sysfs(&caps, "");
	hc->flavour = caps.flavour;
	if (caps.flavour == KVM_FLAVOUR_VMX || caps.flavour == KVM_FLAVOUR_SVM)
		return 0; /* a faithful CPU: nothing to check, nothing to pay */
	hc_read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	if (boot_id[0] && !hc_cache_load(hc, boot_id))
		return 0;
	ret = hostcheck__run(hc);
	if (!ret && boot_id[0])
		hc_cache_store(hc, boot_id);
	return ret;
}

static const char *yes_no(int broken)
{
	return broken ? "no " : "yes";
}

/* " popcnt crc32" for the bits set in mask, or " none". */
static void hc_print_insns(FILE *f, const char *what, unsigned int mask, int always)
{
	int i;

	if (!mask && !always)
		return;
	fprintf(f, "  %-41s", what);
	for (i = 1; i < HC_I_MAX; i++)
		if (mask & (1u << i))
			fprintf(f, " %s", insn_names[i]);
	fprintf(f, "%s\n", mask ? "" : " none");
}

/*
 * Per ring: ring 0 from the breakpoint probe (debug.h), ring 3 from the self-test where it ran
 * (on VMX and SVM the CPU treats both rings alike).
 */
static void hc_print_debug(FILE *f, const struct hostcheck *hc)
{
	char why[512];
	int ret = debug__hw_breakpoints(why, sizeof(why));
	const char *r3 = ret <= 0 ? "no" : !hc->ran ? "yes" : hc->bp_r3_broken ? "no" : "yes";

	if (ret > 0)
		fprintf(f,
			"Hardware breakpoints (KVM_GUESTDBG_USE_HW_BP) fire: ring 0 yes, ring 3 "
			"%s%s\n",
			r3,
			!strcmp(r3, "no") ? " (the step engine steps to ring-3 targets: step-ring3)"
					  : "");
	else
		fprintf(f,
			"Hardware breakpoints (KVM_GUESTDBG_USE_HW_BP) fire: ring 0 %s, ring 3 %s: "
			"%s\n",
			ret ? "unknown" : "no", ret ? "unknown" : "no", why);
}

void hostcheck__print(FILE *f, const struct hostcheck *hc)
{
	unsigned int fixups = hostcheck__fixups(hc), bit;

	hc_print_debug(f, hc);
	if (!hc->ran) {
		fprintf(f, "Host adaptation: %s\n",
			hc->error[0] ? hc->error : "not needed (hardware virtualisation)");
		return;
	}
	fprintf(f, "Host self-test (%s):\n", hc->cached ? "cached for this boot" : "just run");
	fprintf(f, "  SYSCALL from ring 3 enters ring 0        %s\n", yes_no(hc->syscall_broken));
	fprintf(f, "  int n from ring 3 reaches its IDT gate    %s\n", yes_no(hc->int_r3_broken));
	fprintf(f, "  int n at ring 0 runs                      %s\n", yes_no(hc->int_r0_broken));
	fprintf(f, "  KVM single-step reaches vmscope at ring 3 %s\n", yes_no(hc->step_r3_broken));
	fprintf(f, "  KVM single-step stops in a ring-0 REP     %s\n", yes_no(hc->step_rep_broken));
	fprintf(f, "  KVM single-step stops after SWAPGS, FXSAVE %s\n",
		yes_no(hc->step_late_broken));
	fprintf(f, "  hardware breakpoints fire at ring 3       %s\n", yes_no(hc->bp_r3_broken));
	hc_print_insns(f, "ring-0 instructions KVM refuses", hc->refused, 1);
	hc_print_insns(f, "not tried (CPUID does not list them)", hc->absent, 0);
	hc_print_insns(f, "raised #UD though CPUID lists them", hc->faulted, 0);
	fprintf(f, "Fixups in force:");
	for (bit = 1; bit <= HOSTFIX_LAST; bit <<= 1)
		if (fixups & bit)
			fprintf(f, " %s", hostfix__name(bit));
	fprintf(f, "%s (docs/hosts.md)\n", fixups ? "" : " none");
}
