// SPDX-License-Identifier: GPL-2.0
/*
 * Loader tests: ELF images are built in memory, broken one field at a time, and loaded into
 * guest RAM backed by a heap buffer (so that AddressSanitizer sees any stray write).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/err.h"
#include "../../abi/layout.h"
#include "loader.h"
#include "mem.h"

#define RAM_SIZE (64ull << 20)
#define RAM_FILL 0xaa
#define BIG_RAM_SIZE (GPA_MMIO_HOLE_START + (16ull << 20))

/* The test image: segment i at file offset SEG_OFF(i), loaded at SEG_GPA(i). */
#define SEG_FILESZ 0x100
#define SEG_MEMSZ 0x180
#define SEG_OFF(i) (0x1000 + (uint64_t)(i)*0x1000)
#define SEG_GPA(i) (0x200000 + (uint64_t)(i)*0x10000)
#define IMG_ENTRY (SEG_GPA(0) + 0x10)
#define IMG_SEGS 3

struct image {
	uint8_t *buf;
	size_t len;
};

/* Guest RAM over a heap buffer (or, for sizes past the hole, a lazily backed mapping). */
static void ram_init(struct guest_mem *mem, uint64_t size)
{
	memset(mem, 0, sizeof(*mem));
	assert_int_equal(mem__layout(mem, size), 0);
	mem->memfd = -1;
	if (size > RAM_SIZE) {
		mem->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		assert_true(mem->host != MAP_FAILED);
		return;
	}
	mem->host = malloc(size);
	assert_non_null(mem->host);
	memset(mem->host, RAM_FILL, size);
}

static void ram_free(struct guest_mem *mem)
{
	if (mem->size > RAM_SIZE)
		munmap(mem->host, mem->size);
	else
		free(mem->host);
	mem->host = NULL;
}

static int setup_ram(void **state)
{
	struct guest_mem *mem = calloc(1, sizeof(*mem));

	assert_non_null(mem);
	ram_init(mem, RAM_SIZE);
	*state = mem;
	return 0;
}

static int teardown_ram(void **state)
{
	ram_free(*state);
	free(*state);
	return 0;
}

static uint8_t seg_byte(int i, int k)
{
	return (uint8_t)(0x40 + i * 0x10 + k);
}

static Elf64_Ehdr *ehdr(struct image *img)
{
	return (Elf64_Ehdr *)img->buf;
}

static Elf64_Phdr *phdr(struct image *img, int i)
{
	return (Elf64_Phdr *)(img->buf + sizeof(Elf64_Ehdr)) + i;
}

static void make_ehdr(Elf64_Ehdr *eh, int nseg)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = IMG_ENTRY;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (Elf64_Half)nseg;
}

/* A valid image with nseg PT_LOAD segments; segment 0 is the executable one. */
static struct image make_elf(int nseg)
{
	struct image img = { .len = SEG_OFF(nseg) };
	Elf64_Phdr *ph;
	int i, k;

	img.buf = calloc(1, img.len);
	assert_non_null(img.buf);
	make_ehdr(ehdr(&img), nseg);
	for (i = 0; i < nseg; i++) {
		ph = phdr(&img, i);
		ph->p_type = PT_LOAD;
		ph->p_flags = i ? PF_R | PF_W : PF_R | PF_X;
		ph->p_offset = SEG_OFF(i);
		ph->p_vaddr = SEG_GPA(i);
		ph->p_paddr = SEG_GPA(i);
		ph->p_filesz = SEG_FILESZ;
		ph->p_memsz = SEG_MEMSZ;
		ph->p_align = 0x1000;
		for (k = 0; k < SEG_FILESZ; k++)
			img.buf[SEG_OFF(i) + k] = seg_byte(i, k);
	}
	return img;
}

static void free_image(struct image *img)
{
	free(img->buf);
	img->buf = NULL;
}

static void assert_msg(const char *needle)
{
	const char *msg = err__last();

	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

static void assert_err(int ret, int expect, const char *needle)
{
	assert_int_equal(ret, expect);
	assert_msg(needle);
}

/* Load img and expect the error expect with a message that mentions both needles. */
static void expect_elf_error(struct guest_mem *mem, struct image *img, int expect,
			     const char *needle, const char *needle2)
{
	struct load_info info;
	int ret;

	err__clear();
	ret = loader__load_elf(mem, img->buf, img->len, &info);
	assert_err(ret, expect, needle);
	if (needle2)
		assert_msg(needle2);
	free_image(img);
}

static void test_elf_valid(void **state)
{
	struct guest_mem *mem = *state;
	struct image img = make_elf(IMG_SEGS);
	struct load_info info;
	uint8_t *ram = mem->host;
	int i, k;

	assert_int_equal(loader__load_elf(mem, img.buf, img.len, &info), 0);
	for (i = 0; i < IMG_SEGS; i++) {
		for (k = 0; k < SEG_FILESZ; k++)
			assert_int_equal(ram[SEG_GPA(i) + k], seg_byte(i, k));
		for (; k < SEG_MEMSZ; k++)
			assert_int_equal(ram[SEG_GPA(i) + k], 0);
		assert_int_equal(ram[SEG_GPA(i) + SEG_MEMSZ], RAM_FILL);
		assert_int_equal(ram[SEG_GPA(i) - 1], RAM_FILL);
	}
	assert_int_equal(info.entry, IMG_ENTRY);
	assert_int_equal(info.low, SEG_GPA(0));
	assert_int_equal(info.high, SEG_GPA(IMG_SEGS - 1) + SEG_MEMSZ);
	assert_int_equal(info.is_elf, 1);
	free_image(&img);
}

/* Unordered segments, a PT_NOTE and an empty PT_LOAD: extent is the min and max of the rest. */
static void test_elf_extent_and_skipped(void **state)
{
	struct guest_mem *mem = *state;
	struct image img = make_elf(4);
	struct load_info info;

	phdr(&img, 1)->p_paddr = 0x100000;
	phdr(&img, 2)->p_type = PT_NOTE;
	phdr(&img, 2)->p_paddr = 0xffffffffffff0000ull; /* ignored: not PT_LOAD */
	phdr(&img, 3)->p_filesz = 0;
	phdr(&img, 3)->p_memsz = 0;
	phdr(&img, 3)->p_paddr = 1ull << 62; /* ignored: nothing to load */
	assert_int_equal(loader__load_elf(mem, img.buf, img.len, &info), 0);
	assert_int_equal(info.low, 0x100000);
	assert_int_equal(info.high, SEG_GPA(0) + SEG_MEMSZ);
	assert_int_equal(mem->host[0x100000], seg_byte(1, 0));
	free_image(&img);
}

/* A higher-half image: loaded at p_paddr, the virtual entry translated to its physical one. */
static void test_elf_virtual_entry(void **state)
{
	struct guest_mem *mem = *state;
	struct image img = make_elf(2);
	uint64_t base = 0xffffffff80000000ull;
	struct load_info info;

	ehdr(&img)->e_type = ET_DYN;
	ehdr(&img)->e_entry = base + 0x10;
	phdr(&img, 0)->p_vaddr = base;
	phdr(&img, 1)->p_vaddr = base + 0x10000;
	assert_int_equal(loader__load_elf(mem, img.buf, img.len, &info), 0);
	assert_int_equal(info.entry, SEG_GPA(0) + 0x10);
	assert_int_equal(mem->host[SEG_GPA(0)], seg_byte(0, 0));
	free_image(&img);
}

/* Kernels such as Linux store the physical entry in e_entry. */
static void test_elf_physical_entry(void **state)
{
	struct guest_mem *mem = *state;
	struct image img = make_elf(1);
	struct load_info info;

	phdr(&img, 0)->p_vaddr = 0xffffffff81000000ull;
	ehdr(&img)->e_entry = SEG_GPA(0) + 0x20;
	assert_int_equal(loader__load_elf(mem, img.buf, img.len, &info), 0);
	assert_int_equal(info.entry, SEG_GPA(0) + 0x20);
	free_image(&img);
}

static void test_elf_truncated_header(void **state)
{
	struct image img = make_elf(1);

	img.len = sizeof(Elf64_Ehdr) - 1;
	expect_elf_error(*state, &img, -EINVAL, "ELF header", "63 bytes");
}

static void test_elf_bad_magic(void **state)
{
	struct image img = make_elf(1);

	img.buf[1] = 'X';
	expect_elf_error(*state, &img, -EINVAL, "magic", NULL);
}

static void test_elf_class32(void **state)
{
	struct image img = make_elf(1);

	img.buf[EI_CLASS] = ELFCLASS32;
	expect_elf_error(*state, &img, -EINVAL, "EI_CLASS", "ELFCLASS32");
}

static void test_elf_big_endian(void **state)
{
	struct image img = make_elf(1);

	img.buf[EI_DATA] = ELFDATA2MSB;
	expect_elf_error(*state, &img, -EINVAL, "EI_DATA", "big-endian");
}

static void test_elf_bad_version(void **state)
{
	struct image img = make_elf(1);

	img.buf[EI_VERSION] = 2;
	expect_elf_error(*state, &img, -EINVAL, "EI_VERSION", NULL);
}

static void test_elf_wrong_machine(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_machine = EM_386;
	expect_elf_error(*state, &img, -EINVAL, "e_machine is 3 (EM_386)", "EM_X86_64 = 62");
}

static void test_elf_relocatable(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_type = ET_REL;
	expect_elf_error(*state, &img, -EINVAL, "e_type", "ET_REL");
}

static void test_elf_wrong_phentsize(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_phentsize = sizeof(Elf64_Phdr) - 4;
	expect_elf_error(*state, &img, -EINVAL, "e_phentsize", NULL);
}

static void test_elf_phoff_beyond_file(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_phoff = img.len - sizeof(Elf64_Phdr) + 1;
	expect_elf_error(*state, &img, -EINVAL, "e_phoff", "beyond the end of the file");
}

/* e_phoff + e_phnum * e_phentsize wraps around: a naive sum would land inside the file. */
static void test_elf_phdr_table_overflow(void **state)
{
	struct image img = make_elf(2);

	ehdr(&img)->e_phoff = UINT64_MAX - sizeof(Elf64_Phdr);
	expect_elf_error(*state, &img, -EINVAL, "e_phoff", "e_phnum 2");
}

static void test_elf_phnum_beyond_file(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_phnum = 0xfff0;
	expect_elf_error(*state, &img, -EINVAL, "e_phnum 65520", NULL);
}

static void test_elf_phnum_xnum(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_phnum = PN_XNUM;
	expect_elf_error(*state, &img, -EINVAL, "PN_XNUM", NULL);
}

static void test_elf_segment_beyond_file(void **state)
{
	struct image img = make_elf(3);

	phdr(&img, 1)->p_offset = img.len - SEG_FILESZ + 1;
	expect_elf_error(*state, &img, -EINVAL, "ELF segment 1: p_offset", "end of the file");
}

static void test_elf_segment_offset_overflow(void **state)
{
	struct image img = make_elf(3);

	phdr(&img, 2)->p_offset = UINT64_MAX - 0x10;
	expect_elf_error(*state, &img, -EINVAL, "ELF segment 2: p_offset", NULL);
}

static void test_elf_filesz_above_memsz(void **state)
{
	struct image img = make_elf(3);

	phdr(&img, 2)->p_memsz = SEG_FILESZ - 1;
	expect_elf_error(*state, &img, -EINVAL, "ELF segment 2: p_filesz", "p_memsz");
}

static void test_elf_segment_outside_ram(void **state)
{
	struct image img = make_elf(3);

	phdr(&img, 1)->p_paddr = RAM_SIZE - SEG_MEMSZ + 1;
	expect_elf_error(*state, &img, -EFAULT, "ELF segment 1", "not all guest RAM");
}

/* bss alone (p_memsz, not p_filesz) must fit too. */
static void test_elf_bss_outside_ram(void **state)
{
	struct image img = make_elf(2);

	phdr(&img, 1)->p_paddr = RAM_SIZE - SEG_FILESZ;
	expect_elf_error(*state, &img, -EFAULT, "ELF segment 1", "not all guest RAM");
}

static void test_elf_segment_address_overflow(void **state)
{
	struct image img = make_elf(3);

	phdr(&img, 1)->p_paddr = UINT64_MAX - 0x10;
	expect_elf_error(*state, &img, -EFAULT, "ELF segment 1", "wraps");
}

static void test_elf_no_load(void **state)
{
	struct image img = make_elf(2);

	phdr(&img, 0)->p_type = PT_NOTE;
	phdr(&img, 1)->p_type = PT_GNU_STACK;
	expect_elf_error(*state, &img, -EINVAL, "PT_LOAD", NULL);
}

static void test_elf_no_phdrs(void **state)
{
	struct image img = make_elf(1);

	ehdr(&img)->e_phnum = 0;
	expect_elf_error(*state, &img, -EINVAL, "PT_LOAD", NULL);
}

static void test_elf_entry_in_data_segment(void **state)
{
	struct image img = make_elf(2);

	ehdr(&img)->e_entry = SEG_GPA(1) + 0x10;
	expect_elf_error(*state, &img, -EINVAL, "e_entry", "PF_X");
}

static void test_elf_entry_outside_segments(void **state)
{
	struct image img = make_elf(2);

	ehdr(&img)->e_entry = SEG_GPA(0) + SEG_MEMSZ;
	expect_elf_error(*state, &img, -EINVAL, "e_entry", NULL);
}

/* Validation comes first: a bad last segment leaves the good ones unwritten. */
static void test_elf_rejected_writes_nothing(void **state)
{
	struct guest_mem *mem = *state;
	struct image img = make_elf(3);

	phdr(&img, 2)->p_paddr = RAM_SIZE;
	expect_elf_error(mem, &img, -EFAULT, "ELF segment 2", NULL);
	assert_int_equal(mem->host[SEG_GPA(0)], RAM_FILL);
	assert_int_equal(mem->host[SEG_GPA(1) + SEG_MEMSZ - 1], RAM_FILL);
}

/* With RAM past the hole: a segment across the hole's start fails, one at 4 GiB loads. */
static void test_elf_mmio_hole(void **state)
{
	struct image img = make_elf(2);
	struct load_info info;
	struct guest_mem mem;

	(void)state;
	ram_init(&mem, BIG_RAM_SIZE);
	phdr(&img, 1)->p_paddr = GPA_MMIO_HOLE_START - 0x100;
	err__clear();
	assert_err(loader__load_elf(&mem, img.buf, img.len, &info), -EFAULT, "MMIO hole");
	assert_msg("ELF segment 1");

	phdr(&img, 1)->p_paddr = GPA_VMSCOPE_MMIO;
	err__clear();
	assert_err(loader__load_elf(&mem, img.buf, img.len, &info), -EFAULT, "MMIO hole");

	phdr(&img, 1)->p_paddr = GPA_HIGH_RAM_START;
	assert_int_equal(loader__load_elf(&mem, img.buf, img.len, &info), 0);
	assert_int_equal(info.high, GPA_HIGH_RAM_START + SEG_MEMSZ);
	assert_int_equal(mem.host[GPA_MMIO_HOLE_START], seg_byte(1, 0));
	free_image(&img);
	ram_free(&mem);
}

static void test_is_elf(void **state)
{
	struct image img = make_elf(1);

	(void)state;
	assert_true(loader__is_elf(img.buf, img.len));
	assert_true(loader__is_elf(img.buf, SELFMAG));
	assert_false(loader__is_elf(img.buf, SELFMAG - 1));
	assert_false(loader__is_elf(NULL, 0));
	img.buf[0] = 0;
	assert_false(loader__is_elf(img.buf, img.len));
	free_image(&img);
}

/* A small deterministic generator, so a failing iteration can be replayed. */
static uint64_t fuzz_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fuzz_mutate(uint8_t *buf, size_t len, uint64_t *seed)
{
	static const uint64_t values[] = {
		0, 1, 0x7f, 0xffffffff, 0x100000000ull, UINT64_MAX, UINT64_MAX - 0x100, RAM_SIZE
	};
	uint64_t r = fuzz_next(seed), v;
	/* Half the mutations hit the headers, where the checks are. */
	size_t span = r & 1 && len > 0x200 ? 0x200 : len;
	size_t off = (r >> 8) % span;

	switch ((r >> 1) & 3) {
	case 0:
		buf[off] ^= (uint8_t)(1u << ((r >> 4) & 7));
		break;
	case 1:
		buf[off] = (uint8_t)(r >> 32);
		break;
	default:
		if (off + 8 > len)
			off = len - 8;
		v = values[(r >> 40) % (sizeof(values) / sizeof(values[0]))];
		memcpy(buf + off, &v, sizeof(v));
		break;
	}
}

static void fuzz_check(const struct guest_mem *mem, int ret, const struct load_info *info)
{
	if (ret) {
		assert_true(ret == -EINVAL || ret == -EFAULT);
		return;
	}
	assert_true(info->low < info->high);
	assert_non_null(mem__gpa_to_hva(mem, info->low, info->high - info->low));
	assert_true(info->entry >= info->low && info->entry < info->high);
}

static void test_elf_fuzz(void **state)
{
	struct image good = make_elf(IMG_SEGS), img;
	uint64_t seed = 0x5eed1234abcdull;
	int iter, n, nr_ok = 0, nr_err = 0, ret;
	struct load_info info;
	struct guest_mem mem;

	(void)state;
	ram_init(&mem, 4ull << 20);
	for (iter = 0; iter < 5000; iter++) {
		/* Exactly len bytes on the heap: any read past the image is caught. */
		img.len = fuzz_next(&seed) % 8 ? good.len : fuzz_next(&seed) % good.len;
		img.buf = malloc(img.len ? img.len : 1);
		assert_non_null(img.buf);
		memcpy(img.buf, good.buf, img.len);
		for (n = 1 + fuzz_next(&seed) % 4; img.len >= 8 && n > 0; n--)
			fuzz_mutate(img.buf, img.len, &seed);
		ret = loader__load_elf(&mem, img.buf, img.len, &info);
		fuzz_check(&mem, ret, &info);
		if (ret)
			nr_err++;
		else
			nr_ok++;
		free(img.buf);
	}
	print_message("fuzz: %d images accepted, %d rejected\n", nr_ok, nr_err);
	/* Both outcomes must occur, or the mutations are not exercising the loader. */
	assert_true(nr_ok > 100);
	assert_true(nr_err > 100);
	free_image(&good);
	ram_free(&mem);
}

static void test_flat_load(void **state)
{
	struct guest_mem *mem = *state;
	const uint8_t code[] = { 0xf4, 0xeb, 0xfe };
	struct load_info info;

	assert_int_equal(loader__load_flat(mem, code, sizeof(code), GPA_DEFAULT_LOAD, &info), 0);
	assert_memory_equal(mem->host + GPA_DEFAULT_LOAD, code, sizeof(code));
	assert_int_equal(mem->host[GPA_DEFAULT_LOAD + sizeof(code)], RAM_FILL);
	assert_int_equal(info.entry, GPA_DEFAULT_LOAD);
	assert_int_equal(info.low, GPA_DEFAULT_LOAD);
	assert_int_equal(info.high, GPA_DEFAULT_LOAD + sizeof(code));
	assert_int_equal(info.is_elf, 0);

	/* The last byte of RAM is still RAM. */
	assert_int_equal(loader__load_flat(mem, code, 1, RAM_SIZE - 1, &info), 0);
}

static void test_flat_errors(void **state)
{
	struct guest_mem *mem = *state;
	size_t big = RAM_SIZE + 1;
	uint8_t *img = calloc(1, big);
	struct load_info info;

	assert_non_null(img);
	err__clear();
	assert_err(loader__load_flat(mem, img, 0, 0, &info), -EINVAL, "empty");
	err__clear();
	assert_err(loader__load_flat(mem, img, big, 0, &info), -EFAULT, "not all guest RAM");
	err__clear();
	assert_err(loader__load_flat(mem, img, 16, RAM_SIZE - 8, &info), -EFAULT, "flat image");
	err__clear();
	assert_err(loader__load_flat(mem, img, 16, GPA_MMIO_HOLE_START, &info), -EFAULT,
		   "MMIO hole");
	err__clear();
	assert_err(loader__load_flat(mem, img, 16, UINT64_MAX - 8, &info), -EFAULT, "wraps");
	assert_int_equal(mem->host[RAM_SIZE - 8], RAM_FILL);
	free(img);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_file_load(void **state)
{
	struct guest_mem *mem = *state;
	char dir[] = "/tmp/vmscope-loader-XXXXXX", path[64];
	const uint8_t code[] = { 0x90, 0xf4 };
	struct image img = make_elf(2);
	struct load_info info;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	write_file(path, img.buf, img.len);
	assert_int_equal(loader__load_file(mem, path, GPA_DEFAULT_LOAD, &info), 0);
	assert_int_equal(info.is_elf, 1);
	assert_int_equal(info.entry, IMG_ENTRY);
	assert_int_equal(mem->host[SEG_GPA(1)], seg_byte(1, 0));

	snprintf(path, sizeof(path), "%s/guest.bin", dir);
	write_file(path, code, sizeof(code));
	assert_int_equal(loader__load_file(mem, path, 0x8000, &info), 0);
	assert_int_equal(info.is_elf, 0);
	assert_int_equal(info.entry, 0x8000);
	assert_memory_equal(mem->host + 0x8000, code, sizeof(code));
	unlink(path);
	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	unlink(path);
	rmdir(dir);
	free_image(&img);
}

static void test_file_errors(void **state)
{
	struct guest_mem *mem = *state;
	char dir[] = "/tmp/vmscope-loader-XXXXXX", path[64];
	struct image img = make_elf(1);
	struct load_info info;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/missing", dir);
	err__clear();
	assert_err(loader__load_file(mem, path, 0, &info), -ENOENT, "no such file");
	err__clear();
	assert_err(loader__load_file(mem, dir, 0, &info), -EISDIR, "directory");

	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	err__clear();
	assert_err(loader__load_file(mem, path, 0, &info), -EINVAL, "empty");
	/* A sparse file one page larger than RAM: rejected before anything is read. */
	assert_int_equal(truncate(path, (off_t)(RAM_SIZE + 4096)), 0);
	err__clear();
	assert_err(loader__load_file(mem, path, 0, &info), -EFBIG, "larger than guest RAM");
	unlink(path);

	/* Loader errors name the file they came from. */
	snprintf(path, sizeof(path), "%s/i386.elf", dir);
	ehdr(&img)->e_machine = EM_386;
	write_file(path, img.buf, img.len);
	err__clear();
	assert_err(loader__load_file(mem, path, 0, &info), -EINVAL, path);
	assert_msg("e_machine");
	unlink(path);
	rmdir(dir);
	free_image(&img);
}

#define RAM_TEST(f) cmocka_unit_test_setup_teardown(f, setup_ram, teardown_ram)

/* Symbols of an ELF image's symbol table: this test's own executable, then damaged copies. */
static void test_elf_symbol(void **state)
{
	uint64_t a = 0, b = 0;
	struct stat st;
	uint8_t *img;
	Elf64_Ehdr *eh;
	int fd = open("/proc/self/exe", O_RDONLY);

	(void)state;
	assert_true(fd >= 0 && !fstat(fd, &st));
	img = malloc(st.st_size);
	assert_non_null(img);
	assert_int_equal(read(fd, img, st.st_size), st.st_size);
	close(fd);
	assert_int_equal(loader__elf_symbol(img, st.st_size, "test_elf_valid", &a), 0);
	assert_int_equal(loader__elf_symbol(img, st.st_size, "test_elf_symbol", &b), 0);
	/* Link-time addresses: PIE or not, the distance between the two is the run-time one. */
	assert_int_equal(b - a, (uint64_t)(uintptr_t)test_elf_symbol -
					(uint64_t)(uintptr_t)test_elf_valid);
	assert_int_equal(loader__elf_symbol(img, st.st_size, "no_such_symbol_here", &a), -ENOENT);
	assert_int_equal(loader__elf_symbol(img, st.st_size, "test_elf_vali", &a), -ENOENT);
	assert_int_equal(loader__elf_symbol(img, 64, "main", &a), -ENOENT); /* truncated */
	assert_int_equal(loader__elf_symbol(img, 3, "main", &a), -ENOENT);
	eh = (Elf64_Ehdr *)img;
	eh->e_shoff = st.st_size - 8; /* section headers past the end */
	assert_int_equal(loader__elf_symbol(img, st.st_size, "test_elf_valid", &a), -ENOENT);
	eh->e_shoff = UINT64_MAX - 16;
	assert_int_equal(loader__elf_symbol(img, st.st_size, "test_elf_valid", &a), -ENOENT);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_symbol),
		RAM_TEST(test_elf_valid),
		RAM_TEST(test_elf_extent_and_skipped),
		RAM_TEST(test_elf_virtual_entry),
		RAM_TEST(test_elf_physical_entry),
		RAM_TEST(test_elf_truncated_header),
		RAM_TEST(test_elf_bad_magic),
		RAM_TEST(test_elf_class32),
		RAM_TEST(test_elf_big_endian),
		RAM_TEST(test_elf_bad_version),
		RAM_TEST(test_elf_wrong_machine),
		RAM_TEST(test_elf_relocatable),
		RAM_TEST(test_elf_wrong_phentsize),
		RAM_TEST(test_elf_phoff_beyond_file),
		RAM_TEST(test_elf_phdr_table_overflow),
		RAM_TEST(test_elf_phnum_beyond_file),
		RAM_TEST(test_elf_phnum_xnum),
		RAM_TEST(test_elf_segment_beyond_file),
		RAM_TEST(test_elf_segment_offset_overflow),
		RAM_TEST(test_elf_filesz_above_memsz),
		RAM_TEST(test_elf_segment_outside_ram),
		RAM_TEST(test_elf_bss_outside_ram),
		RAM_TEST(test_elf_segment_address_overflow),
		RAM_TEST(test_elf_no_load),
		RAM_TEST(test_elf_no_phdrs),
		RAM_TEST(test_elf_entry_in_data_segment),
		RAM_TEST(test_elf_entry_outside_segments),
		RAM_TEST(test_elf_rejected_writes_nothing),
		cmocka_unit_test(test_elf_mmio_hole),
		cmocka_unit_test(test_is_elf),
		cmocka_unit_test(test_elf_fuzz),
		RAM_TEST(test_flat_load),
		RAM_TEST(test_flat_errors),
		RAM_TEST(test_file_load),
		RAM_TEST(test_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
