// SPDX-License-Identifier: GPL-2.0
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../abi/layout.h"
#include "loader.h"
#include "mem.h"

/*
 * Explain why [gpa, gpa + len) cannot be written, naming the thing being loaded (what) and
 * the fix.  len is not 0.
 */
static int loader__not_ram(const struct guest_mem *mem, const char *what, uint64_t gpa,
			   uint64_t len)
{
	if (len > UINT64_MAX - gpa)
		return err__set(EFAULT,
				"%s: address 0x%" PRIx64 " + size 0x%" PRIx64
				" wraps around the 64-bit address space",
				what, gpa, len);
	if (gpa < GPA_MMIO_HOLE_END && gpa + len > GPA_MMIO_HOLE_START)
		return err__set(EFAULT,
				"%s: guest-physical 0x%" PRIx64 "-0x%" PRIx64
				" overlaps the MMIO hole 0x%llx-0x%llx, which is never RAM; "
				"load the image below 0x%llx or, with more than 3 GiB of RAM, "
				"at 0x%llx or above",
				what, gpa, gpa + len - 1, GPA_MMIO_HOLE_START,
				GPA_MMIO_HOLE_END - 1, GPA_MMIO_HOLE_START, GPA_HIGH_RAM_START);
	return err__set(EFAULT,
			"%s: guest-physical 0x%" PRIx64 "-0x%" PRIx64
			" is not all guest RAM (%" PRIu64
			" MiB); load it lower or give the guest more memory",
			what, gpa, gpa + len - 1, mem->size >> 20);
}

/* Host address of [gpa, gpa + len) or an error naming what did not fit. */
static int loader__ram(const struct guest_mem *mem, const char *what, uint64_t gpa, uint64_t len,
		       uint8_t **hva)
{
	*hva = mem__gpa_to_hva(mem, gpa, len);
	if (!*hva)
		return loader__not_ram(mem, what, gpa, len);
	return 0;
}

int loader__load_flat(struct guest_mem *mem, const void *img, size_t len, uint64_t gpa,
		      struct load_info *info)
{
	uint8_t *hva;
	int ret;

	if (!img || !len)
		return err__set(EINVAL, "flat image is empty; give a file with the guest code");
	ret = loader__ram(mem, "flat image", gpa, len, &hva);
	if (ret)
		return ret;
	memcpy(hva, img, len);
	info->entry = gpa;
	info->low = gpa;
	info->high = gpa + len;
	info->is_elf = 0;
	return 0;
}

int loader__is_elf(const void *img, size_t len)
{
	return img && len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG);
}

static int loader__check_ident(const unsigned char *id)
{
	if (memcmp(id, ELFMAG, SELFMAG))
		return err__set(EINVAL,
				"ELF header: bad magic %02x %02x %02x %02x, expected "
				"7f 45 4c 46 (\\177ELF); this is not an ELF file",
				id[0], id[1], id[2], id[3]);
	if (id[EI_CLASS] != ELFCLASS64)
		return err__set(EINVAL,
				"ELF header: EI_CLASS is %u%s, vmscope loads 64-bit images "
				"(ELFCLASS64 = 2); build the guest with -m64",
				id[EI_CLASS], id[EI_CLASS] == ELFCLASS32 ? " (ELFCLASS32)" : "");
	if (id[EI_DATA] != ELFDATA2LSB)
		return err__set(EINVAL,
				"ELF header: EI_DATA is %u%s, vmscope loads little-endian images "
				"(ELFDATA2LSB = 1)",
				id[EI_DATA],
				id[EI_DATA] == ELFDATA2MSB ? " (ELFDATA2MSB, big-endian)" : "");
	if (id[EI_VERSION] != EV_CURRENT)
		return err__set(EINVAL, "ELF header: EI_VERSION is %u, expected EV_CURRENT (1)",
				id[EI_VERSION]);
	return 0;
}

static int loader__check_type(const Elf64_Ehdr *eh)
{
	if (eh->e_machine != EM_X86_64)
		return err__set(EINVAL,
				"ELF header: e_machine is %u%s, vmscope loads x86-64 images "
				"(EM_X86_64 = 62)",
				eh->e_machine, eh->e_machine == EM_386 ? " (EM_386)" : "");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return err__set(
			EINVAL,
			"ELF header: e_type is %u%s, vmscope loads executables (ET_EXEC = 2 "
			"or ET_DYN = 3); link the object into an executable first",
			eh->e_type, eh->e_type == ET_REL ? " (ET_REL, relocatable object)" : "");
	if (eh->e_version != EV_CURRENT)
		return err__set(EINVAL, "ELF header: e_version is %u, expected EV_CURRENT (1)",
				eh->e_version);
	return 0;
}

static int loader__check_phdrs(const Elf64_Ehdr *eh, size_t len)
{
	uint64_t table = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);

	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return err__set(EINVAL,
				"ELF header: e_phentsize is %u, expected %zu (sizeof(Elf64_Phdr))",
				eh->e_phentsize, sizeof(Elf64_Phdr));
	/* PN_XNUM moves the count into section header 0; no guest needs 65535 segments. */
	if (eh->e_phnum == PN_XNUM)
		return err__set(EINVAL, "ELF header: e_phnum is PN_XNUM (0xffff, extended "
					"numbering), which vmscope does not support");
	/* Compare against what is left of the file so e_phoff + table cannot wrap. */
	if (eh->e_phoff > len || table > len - eh->e_phoff)
		return err__set(
			EINVAL,
			"ELF header: program headers at e_phoff 0x%" PRIx64
			" (e_phnum %u x %zu bytes) are beyond the end of the file (size 0x%zx)",
			eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr), len);
	return 0;
}

/* The header has been checked: the table lies inside the image. */
static void loader__phdr(const uint8_t *img, const Elf64_Ehdr *eh, int i, Elf64_Phdr *ph)
{
	/* memcpy: e_phoff need not be aligned in an untrusted image. */
	memcpy(ph, img + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

static int loader__check_segment(const struct guest_mem *mem, const Elf64_Phdr *ph, int i,
				 size_t len)
{
	char what[32];
	uint8_t *hva;

	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return err__set(EINVAL,
				"ELF segment %d: p_offset 0x%" PRIx64 " + p_filesz 0x%" PRIx64
				" is beyond the end of the file (size 0x%zx)",
				i, ph->p_offset, ph->p_filesz, len);
	if (ph->p_filesz > ph->p_memsz)
		return err__set(EINVAL,
				"ELF segment %d: p_filesz 0x%" PRIx64
				" is larger than p_memsz 0x%" PRIx64,
				i, ph->p_filesz, ph->p_memsz);
	if (!ph->p_memsz)
		return 0;
	snprintf(what, sizeof(what), "ELF segment %d", i);
	return loader__ram(mem, what, ph->p_paddr, ph->p_memsz, &hva);
}

/*
 * Set *gpa to the guest-physical address of the entry point and return 1 when the segment
 * holds it.  e_entry is a virtual address, but the vCPU starts without paging or on an
 * identity map, so RIP must be the physical address.  Identity-linked images have both equal,
 * and kernels such as Linux store the physical entry in e_entry, so both readings are accepted.
 */
static int loader__entry_in(const Elf64_Phdr *ph, uint64_t entry, uint64_t *gpa)
{
	if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz)
		return 0;
	if (entry >= ph->p_vaddr && entry - ph->p_vaddr < ph->p_memsz) {
		*gpa = ph->p_paddr + (entry - ph->p_vaddr);
		return 1;
	}
	if (entry >= ph->p_paddr && entry - ph->p_paddr < ph->p_memsz) {
		*gpa = entry;
		return 1;
	}
	return 0;
}

static void loader__extend(struct load_info *info, const Elf64_Phdr *ph, int first)
{
	if (first || ph->p_paddr < info->low)
		info->low = ph->p_paddr;
	if (first || ph->p_paddr + ph->p_memsz > info->high)
		info->high = ph->p_paddr + ph->p_memsz;
}

/* Check every segment and compute entry and extent; nothing is written to the guest. */
static int loader__check_segments(const struct guest_mem *mem, const uint8_t *img, size_t len,
				  const Elf64_Ehdr *eh, struct load_info *info)
{
	int i, ret, nr_loads = 0, found = 0;
	Elf64_Phdr ph;

	for (i = 0; i < eh->e_phnum; i++) {
		loader__phdr(img, eh, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		ret = loader__check_segment(mem, &ph, i, len);
		if (ret)
			return ret;
		if (!ph.p_memsz)
			continue;
		loader__extend(info, &ph, !nr_loads++);
		if (!found)
			found = loader__entry_in(&ph, eh->e_entry, &info->entry);
	}
	if (!nr_loads)
		return err__set(EINVAL,
				"ELF program headers: no PT_LOAD segment with p_memsz > 0 "
				"among %u program headers; nothing to load",
				eh->e_phnum);
	if (!found)
		return err__set(EINVAL,
				"ELF header: e_entry 0x%" PRIx64
				" is not inside a loaded executable (PF_X) segment",
				eh->e_entry);
	return 0;
}

static void loader__copy_segments(const struct guest_mem *mem, const uint8_t *img,
				  const Elf64_Ehdr *eh)
{
	uint8_t *hva;
	Elf64_Phdr ph;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		loader__phdr(img, eh, i, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		/* Checked by loader__check_segments(): inside RAM and inside the file. */
		hva = mem__gpa_to_hva(mem, ph.p_paddr, ph.p_memsz);
		memcpy(hva, img + ph.p_offset, ph.p_filesz);
		memset(hva + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
}

/*
 * Segments go to p_paddr, not p_vaddr: the image is copied before the guest has turned paging
 * on (or runs on the VMM's identity map), so physical addresses are the only ones that mean
 * anything yet.  For identity-linked images p_paddr == p_vaddr; for higher-half kernels
 * p_paddr is where the kernel expects to be in RAM.
 *
 * Everything is validated before the first byte is copied, so a rejected image leaves guest
 * memory untouched.
 */
int loader__load_elf(struct guest_mem *mem, const void *img, size_t len, struct load_info *info)
{
	struct load_info li = { .is_elf = 1 };
	Elf64_Ehdr eh;
	int ret;

	if (!img || len < sizeof(eh))
		return err__set(EINVAL,
				"ELF header: image is %zu bytes, shorter than the %zu-byte ELF64 "
				"header",
				img ? len : 0, sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	ret = loader__check_ident(eh.e_ident);
	if (!ret)
		ret = loader__check_type(&eh);
	if (!ret)
		ret = loader__check_phdrs(&eh, len);
	if (!ret)
		ret = loader__check_segments(mem, img, len, &eh, &li);
	if (ret)
		return ret;
	loader__copy_segments(mem, img, &eh);
	*info = li;
	return 0;
}

static int loader__open_error(const char *path, int errnum)
{
	switch (errnum) {
	case ENOENT:
		return err__set(ENOENT, "cannot open %s: no such file; check the path", path);
	case EACCES:
	case EPERM:
		return err__set(errnum, "cannot open %s: permission denied; check its mode", path);
	default:
		return err__set(errnum, "cannot open %s: %s", path, strerror(errnum));
	}
}

/* Everything that makes a file unusable as an image, said before reading it. */
static int loader__check_file(const char *path, const struct stat *st, const struct guest_mem *mem)
{
	if (S_ISDIR(st->st_mode))
		return err__set(EISDIR,
				"cannot load %s: it is a directory; give the path of an image file",
				path);
	/* A pipe or a device has no size to check against guest RAM up front. */
	if (!S_ISREG(st->st_mode))
		return err__set(EINVAL, "cannot load %s: not a regular file", path);
	if (st->st_size == 0)
		return err__set(EINVAL, "cannot load %s: the file is empty", path);
	if ((uint64_t)st->st_size > mem->size)
		return err__set(
			EFBIG,
			"cannot load %s: the file is %jd bytes, larger than guest RAM (%" PRIu64
			" bytes); give the guest more memory",
			path, (intmax_t)st->st_size, mem->size);
	return 0;
}

int loader__check_path(const char *path)
{
	struct guest_mem any = { .size = UINT64_MAX };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return loader__open_error(path, errno);
	ret = fstat(fd, &st) ? err__set(errno, "cannot read %s: %s", path, strerror(errno))
			     : loader__check_file(path, &st, &any);
	close(fd);
	return ret;
}

static int loader__read_all(int fd, const char *path, uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err__set(errno, "cannot read %s: %s", path, strerror(errno));
		if (n == 0)
			return err__set(EIO, "cannot read %s: the file shrank while it was read",
					path);
		done += (size_t)n;
	}
	return 0;
}

static int loader__load_buf(struct guest_mem *mem, const char *path, const uint8_t *buf, size_t len,
			    uint64_t flat_gpa, struct load_info *info)
{
	int ret;

	if (loader__is_elf(buf, len))
		ret = loader__load_elf(mem, buf, len, info);
	else
		ret = loader__load_flat(mem, buf, len, flat_gpa, info);
	if (ret)
		return err__wrap(ret, "loading %s", path);
	return 0;
}

int loader__read_file(const char *path, const struct guest_mem *mem, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return loader__open_error(path, errno);
	if (fstat(fd, &st) < 0) {
		ret = err__set(errno, "cannot stat %s: %s", path, strerror(errno));
		goto out_close;
	}
	ret = loader__check_file(path, &st, mem);
	if (ret)
		goto out_close;
	/* A private copy: the file may change under us, the checked bytes may not. */
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		ret = err__set(ENOMEM, "cannot load %s: out of memory for %jd bytes", path,
			       (intmax_t)st.st_size);
		goto out_close;
	}
	ret = loader__read_all(fd, path, buf, (size_t)st.st_size);
	if (ret) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	*len = (size_t)st.st_size;
out_close:
	close(fd);
	return ret;
}

int loader__load_file(struct guest_mem *mem, const char *path, uint64_t flat_gpa,
		      struct load_info *info)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = loader__read_file(path, mem, &buf, &len);

	if (!ret)
		ret = loader__load_buf(mem, path, buf, len, flat_gpa, info);
	free(buf);
	return ret;
}

/* Section header i of an ELF image, or NULL when it lies outside the image. */
static const Elf64_Shdr *loader__shdr(const void *img, size_t len, unsigned int i)
{
	const Elf64_Ehdr *eh = img;
	uint64_t off = eh->e_shoff + (uint64_t)i * sizeof(Elf64_Shdr);

	if (eh->e_shentsize != sizeof(Elf64_Shdr) || i >= eh->e_shnum || eh->e_shoff > len ||
	    off > len - sizeof(Elf64_Shdr))
		return NULL;
	return (const Elf64_Shdr *)((const uint8_t *)img + off);
}

/* Symbol name in symbol table sh (its string table strs); 0 or -ENOENT. */
static int loader__find_in(const void *img, size_t len, const Elf64_Shdr *sh,
			   const Elf64_Shdr *strs, const char *name, uint64_t *value,
			   uint64_t *size)
{
	const uint8_t *base = img;
	size_t nlen = strlen(name);
	uint64_t i, n;

	if (sh->sh_offset > len || sh->sh_size > len - sh->sh_offset || strs->sh_offset > len ||
	    strs->sh_size > len - strs->sh_offset || sh->sh_entsize != sizeof(Elf64_Sym))
		return -ENOENT;
	n = sh->sh_size / sizeof(Elf64_Sym);
	for (i = 0; i < n; i++) {
		Elf64_Sym sym;

		memcpy(&sym, base + sh->sh_offset + i * sizeof(sym), sizeof(sym));
		if (sym.st_name >= strs->sh_size || strs->sh_size - sym.st_name <= nlen)
			continue;
		if (!memcmp(base + strs->sh_offset + sym.st_name, name, nlen + 1)) {
			*value = sym.st_value;
			*size = sym.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

int loader__elf_symbol(const void *img, size_t len, const char *name, uint64_t *value)
{
	uint64_t size;

	return loader__elf_symbol_sized(img, len, name, value, &size);
}

int loader__elf_symbol_sized(const void *img, size_t len, const char *name, uint64_t *value,
			     uint64_t *size)
{
	unsigned int i;

	if (!loader__is_elf(img, len) || len < sizeof(Elf64_Ehdr))
		return -ENOENT;
	for (i = 0; i < ((const Elf64_Ehdr *)img)->e_shnum; i++) {
		const Elf64_Shdr *sh = loader__shdr(img, len, i), *strs;

		if (!sh || sh->sh_type != SHT_SYMTAB)
			continue;
		strs = loader__shdr(img, len, sh->sh_link);
		if (strs && !loader__find_in(img, len, sh, strs, name, value, size))
			return 0;
	}
	return -ENOENT;
}

int loader__elf_at(const void *img, size_t len, uint64_t vaddr, uint64_t size, uint64_t *off)
{
	const Elf64_Ehdr *eh = img;
	unsigned int i;

	if (!loader__is_elf(img, len) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return -ENOENT;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)((const uint8_t *)img + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD || vaddr < ph->p_vaddr ||
		    vaddr - ph->p_vaddr > ph->p_filesz ||
		    size > ph->p_filesz - (vaddr - ph->p_vaddr) || ph->p_offset > len ||
		    ph->p_filesz > len - ph->p_offset)
			continue;
		*off = ph->p_offset + (vaddr - ph->p_vaddr);
		return 0;
	}
	return -ENOENT;
}
