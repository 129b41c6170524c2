// SPDX-License-Identifier: GPL-2.0
/*
 * Boot tests: the register images of each mode, and the GDT, TSS and page tables as the CPU
 * would read them from guest memory (decoded and walked here, independently of boot.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot.h"
#include "../../lib/err.h"
#include "../../abi/layout.h"
#include "mem.h"

#define RAM_SIZE (16ull << 20)
#define RAM_FILL 0xcc
#define STACK GPA_BOOT_STACK_TOP
#define ENTRY GPA_DEFAULT_LOAD

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

#define PDPT (GPA_BOOT_PML4 + 0x1000)
#define PD0 (GPA_BOOT_PML4 + 0x2000)
#define GIB (1ull << 30)

static int setup_ram(void **state)
{
	struct guest_mem *mem = calloc(1, sizeof(*mem));

	assert_non_null(mem);
	assert_int_equal(mem__layout(mem, RAM_SIZE), 0);
	mem->memfd = -1;
	mem->host = malloc(RAM_SIZE);
	assert_non_null(mem->host);
	memset(mem->host, RAM_FILL, RAM_SIZE);
	*state = mem;
	return 0;
}

static int teardown_ram(void **state)
{
	struct guest_mem *mem = *state;

	free(mem->host);
	free(mem);
	return 0;
}

static void assert_err(int ret, int expect, const char *needle)
{
	const char *msg = err__msg(ret);

	assert_int_equal(ret, expect);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

static struct boot_params params(enum boot_mode mode, int ring)
{
	struct boot_params p = {
		.mode = mode,
		.ring = ring,
		.entry = ENTRY,
		.stack = STACK,
		.map_bytes = 4 * GIB,
		.build_tables = 1,
	};
	return p;
}

static struct kvm_segment reset_seg(uint16_t selector, uint64_t base, uint8_t type)
{
	struct kvm_segment s = { .base = base,
				 .limit = 0xffff,
				 .selector = selector,
				 .type = type,
				 .present = 1,
				 .s = 1 };
	return s;
}

/* The vCPU as KVM resets it: real mode at f000:fff0. */
static struct kvm_sregs reset_sregs(void)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cs = reset_seg(0xf000, 0xffff0000, 0xb);
	s.ds = reset_seg(0, 0, 0x3);
	s.es = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.ss = s.ds;
	s.tr = reset_seg(0, 0, 0xb);
	s.tr.s = 0;
	s.ldt = reset_seg(0, 0, 0x2);
	s.ldt.s = 0;
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = CR0_CD | CR0_NW | CR0_ET;
	s.apic_base = 0xfee00900;
	return s;
}

static void assert_flat_seg(const struct kvm_segment *s, uint16_t sel, uint8_t type, int l)
{
	assert_int_equal(s->selector, sel);
	assert_int_equal(s->base, 0);
	assert_int_equal(s->limit, 0xffffffff);
	assert_int_equal(s->type, type);
	assert_int_equal(s->present, 1);
	assert_int_equal(s->s, 1);
	assert_int_equal(s->dpl, sel & 3);
	assert_int_equal(s->l, l);
	assert_int_equal(s->db, !l);
	assert_int_equal(s->g, 1);
	assert_int_equal(s->avl, 0);
	assert_int_equal(s->unusable, 0);
}

static void assert_tr(const struct kvm_sregs *s)
{
	assert_int_equal(s->tr.selector, BOOT_SEL_TSS);
	assert_int_equal(s->tr.base, GPA_BOOT_TSS);
	assert_int_equal(s->tr.limit, 103);
	assert_int_equal(s->tr.type, 11);
	assert_int_equal(s->tr.present, 1);
	assert_int_equal(s->tr.s, 0);
	assert_int_equal(s->tr.unusable, 0);
	assert_int_equal(s->gdt.base, GPA_BOOT_GDT);
	assert_int_equal(s->gdt.limit, BOOT_SEL_TSS + 16 - 1);
	assert_int_equal(s->idt.base, GPA_BOOT_IDT);
	assert_int_equal(s->idt.limit, 0);
	assert_int_equal(s->ldt.type, 2);
	assert_int_equal(s->ldt.selector, 0);
}

static void test_parse_mode(void **state)
{
	enum boot_mode m = BOOT_LONG;

	(void)state;
	assert_int_equal(boot__parse_mode("real", &m), 0);
	assert_int_equal(m, BOOT_REAL);
	assert_int_equal(boot__parse_mode("protected", &m), 0);
	assert_int_equal(m, BOOT_PROTECTED);
	assert_int_equal(boot__parse_mode("long", &m), 0);
	assert_int_equal(m, BOOT_LONG);
	err__clear();
	assert_err(boot__parse_mode("Long", &m), -EINVAL, "'Long'");
	assert_err(boot__parse_mode("", &m), -EINVAL, "use real, protected or long");
	assert_err(boot__parse_mode(NULL, &m), -EINVAL, "use real, protected or long");
	assert_int_equal(m, BOOT_LONG);
}

static void test_real_mode(void **state)
{
	struct boot_params p = params(BOOT_REAL, 0);
	struct kvm_sregs s = reset_sregs();
	struct kvm_regs r;

	(void)state;
	p.entry = 0x17c00;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	boot__init_regs(&r, &p);
	/* CS:IP and SS:SP reach the linear entry and stack top. */
	assert_int_equal(s.cs.base, 0x10000);
	assert_int_equal(s.cs.selector, 0x1000);
	assert_int_equal(s.cs.limit, 0xffff);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.g, 0);
	assert_int_equal(r.rip, 0x7c00);
	assert_int_equal(s.cs.base + r.rip, p.entry);
	assert_int_equal(s.ss.base, 0x70000);
	assert_int_equal(s.ss.selector, 0x7000);
	/* SP 0 wraps: the first push lands just below the stack top. */
	assert_int_equal(r.rsp, 0);
	assert_int_equal(s.ss.base + (uint16_t)(r.rsp - 2), STACK - 2);
	assert_int_equal(s.ds.base, 0);
	assert_int_equal(s.cr0 & (CR0_PE | CR0_PG), 0);
	assert_int_equal(s.efer & (EFER_LME | EFER_LMA), 0);
	assert_int_equal(r.rflags, 0x2);

	p.stack = 0x7c00;
	p.entry = 0x7c00;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	boot__init_regs(&r, &p);
	assert_int_equal(s.cs.base, 0);
	assert_int_equal(s.ss.base, 0);
	assert_int_equal(r.rsp, 0x7c00);
}

static void test_real_mode_errors(void **state)
{
	struct boot_params p = params(BOOT_REAL, 0);
	struct kvm_sregs s = reset_sregs();

	(void)state;
	err__clear();
	p.entry = 0x100000;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "1 MiB");
	p.entry = 0x7c00;
	p.stack = 0x100001;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "stack");
	p.stack = 0x7c00;
	p.ring = 3;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "ring 3");
	p.ring = 1;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "ring 1");
	p = params((enum boot_mode)7, 0);
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "mode 7");
}

static void test_protected_mode(void **state)
{
	struct boot_params p = params(BOOT_PROTECTED, 0);
	struct kvm_sregs s = reset_sregs();
	struct kvm_regs r;

	(void)state;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	boot__init_regs(&r, &p);
	assert_true(s.cr0 & CR0_PE);
	assert_false(s.cr0 & (CR0_PG | CR0_CD | CR0_NW));
	assert_true(s.cr0 & CR0_NE);
	assert_false(s.cr4 & CR4_PAE);
	assert_false(s.efer & (EFER_LME | EFER_LMA));
	assert_flat_seg(&s.cs, BOOT_SEL_CODE32, 0xb, 0);
	assert_flat_seg(&s.ds, BOOT_SEL_DATA, 0x3, 0);
	assert_flat_seg(&s.ss, BOOT_SEL_DATA, 0x3, 0);
	assert_flat_seg(&s.es, BOOT_SEL_DATA, 0x3, 0);
	assert_tr(&s);
	assert_int_equal(r.rip, ENTRY);
	assert_int_equal(r.rsp, STACK);
	assert_int_equal(r.rflags, 0x2);

	p.ring = 3;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	assert_flat_seg(&s.cs, BOOT_SEL_UCODE32, 0xb, 0);
	assert_flat_seg(&s.ss, BOOT_SEL_UDATA, 0x3, 0);

	err__clear();
	p.entry = 1ull << 32;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "4 GiB");
}

static void test_long_mode(void **state)
{
	struct boot_params p = params(BOOT_LONG, 0);
	struct kvm_sregs s = reset_sregs();
	struct kvm_regs r;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	boot__init_regs(&r, &p);
	assert_int_equal(s.cr0 & (CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET),
			 CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET);
	assert_false(s.cr0 & (CR0_CD | CR0_NW));
	assert_int_equal(s.cr4 & (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT),
			 CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	assert_int_equal(s.efer, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE);
	assert_int_equal(s.cr3, GPA_BOOT_PML4);
	assert_flat_seg(&s.cs, BOOT_SEL_CODE64, 0xb, 1);
	assert_flat_seg(&s.ss, BOOT_SEL_DATA, 0x3, 0);
	assert_flat_seg(&s.ds, BOOT_SEL_DATA, 0x3, 0);
	assert_flat_seg(&s.fs, BOOT_SEL_DATA, 0x3, 0);
	assert_flat_seg(&s.gs, BOOT_SEL_DATA, 0x3, 0);
	assert_tr(&s);
	assert_int_equal(s.apic_base, 0xfee00900);
	assert_int_equal(r.rip, ENTRY);
	assert_int_equal(r.rsp, STACK);
	assert_int_equal(r.rflags, 0x2);
	assert_int_equal(r.rax, 0);
	assert_int_equal(r.r15, 0);
}

static void test_long_mode_ring3(void **state)
{
	struct boot_params p = params(BOOT_LONG, 3);
	struct kvm_sregs s = reset_sregs();

	(void)state;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
	assert_flat_seg(&s.cs, BOOT_SEL_UCODE64, 0xb, 1);
	assert_int_equal(s.cs.dpl, 3);
	assert_flat_seg(&s.ss, BOOT_SEL_UDATA, 0x3, 0);
	assert_flat_seg(&s.ds, BOOT_SEL_UDATA, 0x3, 0);
	assert_flat_seg(&s.es, BOOT_SEL_UDATA, 0x3, 0);
	assert_int_equal(s.ss.dpl, 3);
	assert_tr(&s);
	assert_int_equal(s.tr.dpl, 0);

	err__clear();
	p.entry = 0x0000800000000000ull;
	assert_err(boot__init_sregs(&s, &p), -EINVAL, "canonical");
	p.entry = 0xffff800000000000ull;
	assert_int_equal(boot__init_sregs(&s, &p), 0);
}

/* The descriptor fields, decoded as the CPU reads them. */
struct desc {
	uint64_t base, limit;
	unsigned int type, s, dpl, p, avl, l, db, g;
};

static struct desc decode(const uint8_t *d)
{
	struct desc x;

	x.limit = d[0] | d[1] << 8 | (uint64_t)(d[6] & 0xf) << 16;
	x.base = d[2] | d[3] << 8 | d[4] << 16 | (uint64_t)d[7] << 24;
	x.type = d[5] & 0xf;
	x.s = d[5] >> 4 & 1;
	x.dpl = d[5] >> 5 & 3;
	x.p = d[5] >> 7;
	x.avl = d[6] >> 4 & 1;
	x.l = d[6] >> 5 & 1;
	x.db = d[6] >> 6 & 1;
	x.g = d[6] >> 7;
	if (x.g)
		x.limit = x.limit << 12 | 0xfff;
	return x;
}

static const uint8_t *gdt(const struct guest_mem *mem, uint16_t sel)
{
	return mem->host + GPA_BOOT_GDT + (sel & ~7);
}

/* What KVM is told (sregs) must be what the GDT says, or a segment reload changes it. */
static void assert_desc_matches(const struct guest_mem *mem, const struct kvm_segment *s)
{
	struct desc d = decode(gdt(mem, s->selector));

	assert_int_equal(d.base, s->base);
	assert_int_equal(d.limit, s->limit);
	assert_int_equal(d.type, s->type);
	assert_int_equal(d.s, s->s);
	assert_int_equal(d.dpl, s->dpl);
	assert_int_equal(d.p, s->present);
	assert_int_equal(d.l, s->l);
	assert_int_equal(d.db, s->db);
	assert_int_equal(d.g, s->g);
	assert_int_equal(d.avl, 0);
}

static void test_gdt(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 0);
	uint64_t null_desc, code64;
	struct desc d;

	assert_int_equal(boot__build_tables(mem, &p), 0);
	memcpy(&null_desc, gdt(mem, 0), 8);
	assert_int_equal(null_desc, 0);
	memcpy(&code64, gdt(mem, BOOT_SEL_CODE64), 8);
	assert_int_equal(code64, 0x00af9b000000ffffull);
	d = decode(gdt(mem, BOOT_SEL_CODE64));
	assert_int_equal(d.l, 1);
	assert_int_equal(d.db, 0);
	assert_int_equal(d.dpl, 0);
	assert_int_equal(d.type, 0xb);
	d = decode(gdt(mem, BOOT_SEL_UCODE64));
	assert_int_equal(d.l, 1);
	assert_int_equal(d.dpl, 3);
	d = decode(gdt(mem, BOOT_SEL_CODE32));
	assert_int_equal(d.l, 0);
	assert_int_equal(d.db, 1);
	assert_int_equal(d.limit, 0xffffffff);
	d = decode(gdt(mem, BOOT_SEL_UCODE32));
	assert_int_equal(d.db, 1);
	assert_int_equal(d.dpl, 3);
	d = decode(gdt(mem, BOOT_SEL_UDATA));
	assert_int_equal(d.type, 0x3);
	assert_int_equal(d.dpl, 3);
	/* Nothing written past the GDT's limit. */
	assert_int_equal(mem->host[GPA_BOOT_GDT + BOOT_SEL_TSS + 16], RAM_FILL);
}

static void test_tss(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 3);
	const uint8_t *tss = mem->host + GPA_BOOT_TSS;
	uint32_t base_hi;
	uint64_t rsp0;
	uint16_t iopb;
	struct desc d;

	p.stack = 0x7f000;
	assert_int_equal(boot__build_tables(mem, &p), 0);
	d = decode(gdt(mem, BOOT_SEL_TSS));
	memcpy(&base_hi, gdt(mem, BOOT_SEL_TSS) + 8, 4);
	assert_int_equal(d.base | (uint64_t)base_hi << 32, GPA_BOOT_TSS);
	assert_int_equal(d.limit, 103);
	assert_int_equal(d.type, 11);
	assert_int_equal(d.s, 0);
	assert_int_equal(d.p, 1);
	assert_int_equal(d.g, 0);
	memcpy(&rsp0, tss + 4, 8);
	assert_int_equal(rsp0, p.stack);
	memcpy(&iopb, tss + 102, 2);
	assert_true(iopb > 103);
	assert_int_equal(tss[0], 0);
	assert_int_equal(tss[36], 0); /* IST1 unused */
	assert_int_equal(tss[104], RAM_FILL);
}

static void test_tss_protected(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_PROTECTED, 3);
	const uint8_t *tss = mem->host + GPA_BOOT_TSS;
	uint32_t esp0;
	uint16_t ss0;

	assert_int_equal(boot__build_tables(mem, &p), 0);
	memcpy(&esp0, tss + 4, 4);
	memcpy(&ss0, tss + 8, 2);
	assert_int_equal(esp0, STACK);
	assert_int_equal(ss0, BOOT_SEL_DATA);
	/* No paging in protected mode: the page-table area is untouched. */
	assert_int_equal(mem->host[GPA_BOOT_PML4], RAM_FILL);
}

static void test_sregs_match_gdt(void **state)
{
	static const enum boot_mode modes[] = { BOOT_PROTECTED, BOOT_LONG };
	struct guest_mem *mem = *state;
	struct kvm_sregs s = reset_sregs();
	struct boot_params p;
	int m, ring;

	for (m = 0; m < 2; m++) {
		for (ring = 0; ring <= 3; ring += 3) {
			p = params(modes[m], ring);
			assert_int_equal(boot__build_tables(mem, &p), 0);
			assert_int_equal(boot__init_sregs(&s, &p), 0);
			assert_desc_matches(mem, &s.cs);
			assert_desc_matches(mem, &s.ss);
			assert_desc_matches(mem, &s.ds);
			assert_desc_matches(mem, &s.tr);
		}
	}
}

static uint64_t read_pte(const struct guest_mem *mem, uint64_t table, uint64_t index)
{
	uint64_t e;

	assert_int_equal(mem__read(mem, (table & PTE_ADDR) + index * 8, &e, 8), 0);
	return e;
}

/*
 * Walk PML4 -> PDPT -> PD (2 MiB page) for gva.  Returns 0 and the gpa, or -1 when an entry
 * is not present.  The flags of the three levels are ANDed into *flags.
 */
static int walk(const struct guest_mem *mem, uint64_t gva, uint64_t *gpa, uint64_t *flags)
{
	uint64_t e = GPA_BOOT_PML4;
	int shift;

	*flags = ~0ull;
	for (shift = 39; shift >= 21; shift -= 9) {
		e = read_pte(mem, e, gva >> shift & 511);
		if (!(e & PTE_P))
			return -1;
		*flags &= e;
		if (shift > 21)
			assert_false(e & PTE_PS);
	}
	assert_true(e & PTE_PS);
	*gpa = (e & PTE_ADDR & ~((1ull << 21) - 1)) | (gva & ((1ull << 21) - 1));
	return 0;
}

static void assert_identity(const struct guest_mem *mem, uint64_t gva, uint64_t want_flags)
{
	uint64_t gpa, flags;

	assert_int_equal(walk(mem, gva, &gpa, &flags), 0);
	assert_int_equal(gpa, gva);
	assert_int_equal(flags & (PTE_P | PTE_W | PTE_U), want_flags);
}

static void assert_unmapped(const struct guest_mem *mem, uint64_t gva)
{
	uint64_t gpa, flags;

	assert_int_equal(walk(mem, gva, &gpa, &flags), -1);
}

static void test_page_tables(void **state)
{
	static const uint64_t addrs[] = {
		0, 0x1000, ENTRY, 0x1234567, GPA_VMSCOPE_MMIO + 8, GPA_LAPIC, 4 * GIB - 1
	};
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 0);
	unsigned int i;

	assert_int_equal(boot__build_tables(mem, &p), 0);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		assert_identity(mem, addrs[i], PTE_P | PTE_W);
	assert_unmapped(mem, 4 * GIB);
	assert_unmapped(mem, 1ull << 39);
	/* Four PDs, the fifth page untouched. */
	assert_int_equal(mem->host[PD0 + 4 * 0x1000], RAM_FILL);
}

static void test_page_tables_ring3(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 3);

	assert_int_equal(boot__build_tables(mem, &p), 0);
	assert_identity(mem, 0, PTE_P | PTE_W | PTE_U);
	assert_identity(mem, ENTRY + 0x345, PTE_P | PTE_W | PTE_U);
	assert_identity(mem, 3 * GIB + 0x200000, PTE_P | PTE_W | PTE_U);
}

/* map_bytes is rounded up to a whole 2 MiB page, and nothing beyond it is mapped. */
static void test_page_tables_rounding(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 0);

	p.map_bytes = 3ull << 20;
	assert_int_equal(boot__build_tables(mem, &p), 0);
	assert_identity(mem, (4ull << 20) - 1, PTE_P | PTE_W);
	assert_unmapped(mem, 4ull << 20);
	assert_unmapped(mem, GIB);

	p.map_bytes = GIB + 1;
	assert_int_equal(boot__build_tables(mem, &p), 0);
	assert_identity(mem, GIB + 0x1fffff, PTE_P | PTE_W);
	assert_unmapped(mem, GIB + 0x200000);
}

static void test_map_bytes_errors(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_LONG, 0);

	err__clear();
	p.map_bytes = 0;
	assert_err(boot__build_tables(mem, &p), -EINVAL, "map_bytes is 0");
	p.map_bytes = 513 * GIB;
	assert_err(boot__build_tables(mem, &p), -EINVAL, "512 GiB");
	p.map_bytes = UINT64_MAX;
	assert_err(boot__build_tables(mem, &p), -EINVAL, "512 GiB");
	/* 246 page directories would run into the default load address. */
	p.map_bytes = 246 * GIB;
	assert_err(boot__build_tables(mem, &p), -EINVAL, "at most 245 GiB");
	/* Rejected before anything is written. */
	assert_int_equal(mem->host[GPA_BOOT_GDT], RAM_FILL);
	assert_int_equal(mem->host[GPA_BOOT_PML4], RAM_FILL);

	p.map_bytes = 245 * GIB;
	assert_int_equal(boot__build_tables(mem, &p), 0);
	assert_identity(mem, 245 * GIB - 1, PTE_P | PTE_W);
	assert_int_equal(mem->host[GPA_DEFAULT_LOAD], RAM_FILL);
}

/* Real mode and guests that bring their own tables get nothing written. */
static void test_no_tables(void **state)
{
	struct guest_mem *mem = *state;
	struct boot_params p = params(BOOT_REAL, 0);

	assert_int_equal(boot__build_tables(mem, &p), 0);
	p = params(BOOT_LONG, 0);
	p.build_tables = 0;
	assert_int_equal(boot__build_tables(mem, &p), 0);
	assert_int_equal(mem->host[GPA_BOOT_GDT], RAM_FILL);
	assert_int_equal(mem->host[GPA_BOOT_TSS], RAM_FILL);
	assert_int_equal(mem->host[GPA_BOOT_PML4], RAM_FILL);

	err__clear();
	p = params(BOOT_LONG, 2);
	assert_err(boot__build_tables(mem, &p), -EINVAL, "ring 2");
}

#define RAM_TEST(f) cmocka_unit_test_setup_teardown(f, setup_ram, teardown_ram)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_mode),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_real_mode_errors),
		cmocka_unit_test(test_protected_mode),
		cmocka_unit_test(test_long_mode),
		cmocka_unit_test(test_long_mode_ring3),
		RAM_TEST(test_gdt),
		RAM_TEST(test_tss),
		RAM_TEST(test_tss_protected),
		RAM_TEST(test_sregs_match_gdt),
		RAM_TEST(test_page_tables),
		RAM_TEST(test_page_tables_ring3),
		RAM_TEST(test_page_tables_rounding),
		RAM_TEST(test_map_bytes_errors),
		RAM_TEST(test_no_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
