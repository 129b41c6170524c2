// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "boot.h"
#include "../lib/err.h"
#include "../abi/layout.h"
#include "mem.h"
#include "paging.h"

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_MP (1ull << 1)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_WP (1ull << 16)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PAE (1ull << 5)
#define X86_CR4_OSFXSR (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

/* Segment types (S = 1): accessed already, so the CPU never writes the GDT to set the bit. */
#define SEG_TYPE_CODE 0xb /* execute/read, accessed */
#define SEG_TYPE_DATA 0x3 /* read/write, accessed */
#define SEG_TYPE_TSS_BUSY 0xb /* S = 0: busy 32-bit or 64-bit TSS */
#define SEG_TYPE_LDT 0x2

#define BOOT_GDT_ENTRIES ((BOOT_SEL_TSS >> 3) + 2) /* the TSS descriptor takes two slots */
#define BOOT_TSS_SIZE 104
#define BOOT_TSS_IOPB 102 /* offset of the I/O map base in 32-bit and 64-bit TSSs */

#define BOOT_PT_PAGE 4096ull
#define BOOT_PT_ENTRIES 512
#define BOOT_PDPT (GPA_BOOT_PML4 + BOOT_PT_PAGE)
#define BOOT_PD (GPA_BOOT_PML4 + 2 * BOOT_PT_PAGE)
#define BOOT_2M (1ull << 21)
#define BOOT_1G (1ull << 30)
#define BOOT_MAX_MAP (512 * BOOT_1G) /* one PDPT */

#define REAL_MODE_TOP 0x100000ull

int boot__parse_mode(const char *s, enum boot_mode *mode)
{
	static const char *const names[] = {
		[BOOT_REAL] = "real",
		[BOOT_PROTECTED] = "protected",
		[BOOT_LONG] = "long",
	};
	unsigned int i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum boot_mode)i;
			return 0;
		}
	}
	return err__set(EINVAL, "unknown boot mode '%s'; use real, protected or long", s ? s : "");
}

static int boot__check_params(const struct boot_params *p)
{
	if (p->mode != BOOT_REAL && p->mode != BOOT_PROTECTED && p->mode != BOOT_LONG)
		return err__set(EINVAL, "boot mode %d is not real (0), protected (1) or long (2)",
				(int)p->mode);
	if (p->ring != 0 && p->ring != 3)
		return err__set(EINVAL, "boot ring %d is not supported; use ring 0 or 3", p->ring);
	if (p->mode == BOOT_REAL && p->ring != 0)
		return err__set(EINVAL, "real mode has no ring 3; use protected or long mode");
	return 0;
}

/* A flat 4 GiB segment; DPL is the selector's RPL, as for every selector of the boot GDT. */
static struct kvm_segment boot__flat_seg(uint16_t selector, uint8_t type, int code64)
{
	struct kvm_segment s = {
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.dpl = selector & 3,
		.db = !code64, /* D must be 0 when L is 1 */
		.s = 1,
		.l = code64,
		.g = 1,
	};
	return s;
}

static struct kvm_segment boot__tss_seg(void)
{
	struct kvm_segment s = {
		.base = GPA_BOOT_TSS,
		.limit = BOOT_TSS_SIZE - 1,
		.selector = BOOT_SEL_TSS,
		/*
		 * Busy, as after LTR: VM entry requires a busy TSS in TR.  A guest that reloads
		 * TR from this descriptor must clear the busy bit first, as Linux does.
		 */
		.type = SEG_TYPE_TSS_BUSY,
		.present = 1,
	};
	return s;
}

/* The 8-byte descriptor of a segment; the GDT and the sregs come from the same kvm_segment. */
static uint64_t boot__desc(const struct kvm_segment *s)
{
	uint64_t limit = s->g ? s->limit >> 12 : s->limit;
	uint64_t d;

	d = (limit & 0xffff) | (s->base & 0xffffff) << 16;
	d |= (uint64_t)(s->type & 0xf) << 40 | (uint64_t)(s->s & 1) << 44;
	d |= (uint64_t)(s->dpl & 3) << 45 | (uint64_t)(s->present & 1) << 47;
	d |= (limit >> 16 & 0xf) << 48 | (uint64_t)(s->avl & 1) << 52;
	d |= (uint64_t)(s->l & 1) << 53 | (uint64_t)(s->db & 1) << 54 | (uint64_t)(s->g & 1) << 55;
	d |= (s->base >> 24 & 0xff) << 56;
	return d;
}

static void boot__set_desc(uint64_t *gdt, const struct kvm_segment *s)
{
	gdt[s->selector >> 3] = boot__desc(s);
}

static int boot__write_gdt(struct guest_mem *mem)
{
	struct kvm_segment segs[] = {
		boot__flat_seg(BOOT_SEL_CODE32, SEG_TYPE_CODE, 0),
		boot__flat_seg(BOOT_SEL_DATA, SEG_TYPE_DATA, 0),
		boot__flat_seg(BOOT_SEL_CODE64, SEG_TYPE_CODE, 1),
		boot__flat_seg(BOOT_SEL_UDATA, SEG_TYPE_DATA, 0),
		boot__flat_seg(BOOT_SEL_UCODE64, SEG_TYPE_CODE, 1),
		boot__flat_seg(BOOT_SEL_UCODE32, SEG_TYPE_CODE, 0),
	};
	struct kvm_segment tss = boot__tss_seg();
	uint64_t gdt[BOOT_GDT_ENTRIES] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		boot__set_desc(gdt, &segs[i]);
	/* A 64-bit system descriptor: the second slot holds base bits 63:32. */
	boot__set_desc(gdt, &tss);
	gdt[(BOOT_SEL_TSS >> 3) + 1] = tss.base >> 32;
	return mem__write(mem, GPA_BOOT_GDT, gdt, sizeof(gdt));
}

/*
 * The ring-0 stack for interrupts and exceptions taken at ring 3.  The 32-bit TSS holds ESP0
 * and SS0 where the 64-bit one holds RSP0, so protected mode gets its own layout.  The I/O map
 * base points past the limit: no I/O bitmap, ring-3 port I/O faults.
 */
static int boot__write_tss(struct guest_mem *mem, const struct boot_params *p)
{
	uint8_t tss[BOOT_TSS_SIZE] = { 0 };
	uint16_t iopb = BOOT_TSS_SIZE, ss0 = BOOT_SEL_DATA;
	uint32_t esp0 = (uint32_t)p->stack;

	if (p->mode == BOOT_LONG) {
		memcpy(tss + 4, &p->stack, sizeof(p->stack));
	} else {
		memcpy(tss + 4, &esp0, sizeof(esp0));
		memcpy(tss + 8, &ss0, sizeof(ss0));
	}
	memcpy(tss + BOOT_TSS_IOPB, &iopb, sizeof(iopb));
	return mem__write(mem, GPA_BOOT_TSS, tss, sizeof(tss));
}

static int boot__check_map(uint64_t map_bytes, uint64_t *nr_pd)
{
	uint64_t max_pd = (GPA_DEFAULT_LOAD - BOOT_PD) / BOOT_PT_PAGE;

	if (!map_bytes)
		return err__set(EINVAL, "long mode: map_bytes is 0; the identity map must cover "
					"the guest's code, data and MMIO (e.g. 4 GiB)");
	if (map_bytes > BOOT_MAX_MAP)
		return err__set(EINVAL,
				"long mode: identity map of 0x%" PRIx64
				" bytes is larger than the 512 GiB one PDPT covers",
				map_bytes);
	*nr_pd = (map_bytes + BOOT_1G - 1) / BOOT_1G;
	if (*nr_pd > max_pd)
		return err__set(EINVAL,
				"long mode: identity map of 0x%" PRIx64 " bytes needs %" PRIu64
				" page directories, which do not fit between 0x%llx and the load "
				"address 0x%llx; map at most %" PRIu64 " GiB",
				map_bytes, *nr_pd, BOOT_PD, GPA_DEFAULT_LOAD, max_pd);
	return 0;
}

/* PD number i: 2 MiB pages for [i GiB, i + 1 GiB), up to end. */
static int boot__write_pd(struct guest_mem *mem, uint64_t i, uint64_t end, uint64_t flags)
{
	uint64_t pd[BOOT_PT_ENTRIES] = { 0 };
	uint64_t addr;
	int j;

	for (j = 0; j < BOOT_PT_ENTRIES; j++) {
		addr = i * BOOT_1G + (uint64_t)j * BOOT_2M;
		if (addr >= end)
			break;
		pd[j] = addr | flags | PTE_PS;
	}
	return mem__write(mem, BOOT_PD + i * BOOT_PT_PAGE, pd, sizeof(pd));
}

static int boot__write_page_tables(struct guest_mem *mem, const struct boot_params *p,
				   uint64_t nr_pd)
{
	uint64_t flags = PTE_P | PTE_W | (p->ring == 3 ? PTE_U : 0);
	uint64_t end = (p->map_bytes + BOOT_2M - 1) & ~(BOOT_2M - 1);
	uint64_t table[BOOT_PT_ENTRIES] = { 0 };
	uint64_t i;
	int ret;

	table[0] = BOOT_PDPT | flags;
	ret = mem__write(mem, GPA_BOOT_PML4, table, sizeof(table));
	if (ret)
		return ret;
	for (i = 0; i < nr_pd; i++)
		table[i] = (BOOT_PD + i * BOOT_PT_PAGE) | flags;
	ret = mem__write(mem, BOOT_PDPT, table, sizeof(table));
	for (i = 0; !ret && i < nr_pd; i++)
		ret = boot__write_pd(mem, i, end, flags);
	return ret;
}

/*
 * Real mode needs no tables, so it writes nothing; nor does a guest that brings its own.
 * Parameters are checked before the first write.
 */
int boot__build_tables(struct guest_mem *mem, const struct boot_params *p)
{
	uint64_t nr_pd = 0;
	int ret;

	ret = boot__check_params(p);
	if (ret || !p->build_tables || p->mode == BOOT_REAL)
		return ret;
	if (p->mode == BOOT_LONG) {
		ret = boot__check_map(p->map_bytes, &nr_pd);
		if (ret)
			return ret;
	}
	ret = boot__write_gdt(mem);
	if (!ret)
		ret = boot__write_tss(mem, p);
	if (!ret && p->mode == BOOT_LONG)
		ret = boot__write_page_tables(mem, p, nr_pd);
	if (ret)
		return err__wrap(ret, "writing the boot GDT, TSS and page tables");
	return 0;
}

/* The segment real-mode code sees at base; the selector is what code reloading it would use. */
static struct kvm_segment boot__real_seg(uint64_t base, uint8_t type)
{
	struct kvm_segment s = {
		.base = base,
		.limit = 0xffff,
		.selector = (uint16_t)(base >> 4),
		.type = type,
		.present = 1,
		.s = 1,
	};
	return s;
}

/*
 * Segment bases are the 64 KiB blocks holding entry and stack, so CS:IP and SS:SP reach any
 * address below 1 MiB (the bases are multiples of 16, so the selectors are exact).  The stack
 * segment is the block below the top of the stack: a top on a 64 KiB boundary gives SP = 0,
 * which wraps to 0xfffe on the first push, the usual real-mode idiom.
 */
static uint64_t boot__real_ss_base(uint64_t stack)
{
	return stack ? (stack - 1) & 0xf0000 : 0;
}

static int boot__sregs_real(struct kvm_sregs *sregs, const struct boot_params *p)
{
	if (p->entry >= REAL_MODE_TOP)
		return err__set(EINVAL,
				"real mode: entry 0x%" PRIx64
				" is not below 1 MiB; load real-mode code lower (e.g. at 0x8000)",
				p->entry);
	if (p->stack > REAL_MODE_TOP)
		return err__set(EINVAL,
				"real mode: stack 0x%" PRIx64
				" is above 1 MiB; give a stack top of at most 0x100000",
				p->stack);
	sregs->cs = boot__real_seg(p->entry & 0xf0000, SEG_TYPE_CODE);
	sregs->ss = boot__real_seg(boot__real_ss_base(p->stack), SEG_TYPE_DATA);
	sregs->ds = boot__real_seg(0, SEG_TYPE_DATA);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->cr0 &= ~(X86_CR0_PE | X86_CR0_PG);
	sregs->cr4 &= ~X86_CR4_PAE;
	sregs->efer &= ~(X86_EFER_LME | X86_EFER_LMA);
	return 0;
}

static int boot__check_entry(const struct boot_params *p)
{
	if (p->mode == BOOT_PROTECTED && (p->entry > UINT32_MAX || p->stack > 1ull << 32))
		return err__set(EINVAL,
				"protected mode: entry 0x%" PRIx64 " or stack 0x%" PRIx64
				" is beyond 4 GiB; use long mode",
				p->entry, p->stack);
	/* A non-canonical RIP would make KVM_RUN fail with no hint of the cause. */
	if (p->mode == BOOT_LONG && (uint64_t)((int64_t)(p->entry << 16) >> 16) != p->entry)
		return err__set(EINVAL,
				"long mode: entry 0x%" PRIx64
				" is not canonical (bits 63:47 must be equal)",
				p->entry);
	return 0;
}

/* GDT selectors for CS, data and TR, and the descriptor tables. */
static void boot__sregs_segments(struct kvm_sregs *sregs, const struct boot_params *p)
{
	int code64 = p->mode == BOOT_LONG, user = p->ring == 3;
	uint16_t cs = code64 ? (user ? BOOT_SEL_UCODE64 : BOOT_SEL_CODE64)
			     : (user ? BOOT_SEL_UCODE32 : BOOT_SEL_CODE32);

	sregs->cs = boot__flat_seg(cs, SEG_TYPE_CODE, code64);
	sregs->ds = boot__flat_seg(user ? BOOT_SEL_UDATA : BOOT_SEL_DATA, SEG_TYPE_DATA, 0);
	sregs->es = sregs->ds;
	sregs->fs = sregs->ds;
	sregs->gs = sregs->ds;
	sregs->ss = sregs->ds;
	sregs->tr = boot__tss_seg();
	/* The reset LDTR (null selector, usable, type LDT): valid for VM entry in every mode. */
	memset(&sregs->ldt, 0, sizeof(sregs->ldt));
	sregs->ldt.limit = 0xffff;
	sregs->ldt.type = SEG_TYPE_LDT;
	sregs->ldt.present = 1;
	memset(&sregs->gdt, 0, sizeof(sregs->gdt));
	sregs->gdt.base = GPA_BOOT_GDT;
	sregs->gdt.limit = BOOT_GDT_ENTRIES * 8 - 1;
	/* No IDT: an exception before the guest loads its own triple-faults, which is reported. */
	memset(&sregs->idt, 0, sizeof(sregs->idt));
	sregs->idt.base = GPA_BOOT_IDT;
	sregs->idt.limit = 0;
}

/*
 * CD and NW of the reset CR0 are dropped so the guest runs cached.  OSFXSR and OSXMMEXCPT let
 * ring-3 code use SSE.  EFER.NXE and EFER.SCE need NX and SYSCALL in the vCPU's CPUID, which
 * must therefore be set before these sregs.
 */
static void boot__sregs_control(struct kvm_sregs *sregs, const struct boot_params *p)
{
	sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE;
	sregs->cr4 = X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs->efer &= ~(X86_EFER_LME | X86_EFER_LMA);
	if (p->mode != BOOT_LONG)
		return;
	sregs->cr0 |= X86_CR0_WP | X86_CR0_PG;
	sregs->cr3 = GPA_BOOT_PML4;
	sregs->cr4 |= X86_CR4_PAE;
	sregs->efer |= X86_EFER_LME | X86_EFER_LMA | X86_EFER_SCE | X86_EFER_NXE;
}

int boot__init_sregs(struct kvm_sregs *sregs, const struct boot_params *p)
{
	int ret;

	ret = boot__check_params(p);
	if (ret)
		return ret;
	if (p->mode == BOOT_REAL)
		return boot__sregs_real(sregs, p);
	ret = boot__check_entry(p);
	if (ret)
		return ret;
	boot__sregs_segments(sregs, p);
	boot__sregs_control(sregs, p);
	return 0;
}

/* Real mode: IP and SP are the offsets in the segments that boot__sregs_real() chose. */
void boot__init_regs(struct kvm_regs *regs, const struct boot_params *p)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2; /* bit 1 is reserved and always set */
	regs->rip = p->entry;
	regs->rsp = p->stack;
	if (p->mode == BOOT_REAL) {
		regs->rip = p->entry & 0xffff;
		regs->rsp = (p->stack - boot__real_ss_base(p->stack)) & 0xffff;
	}
}
