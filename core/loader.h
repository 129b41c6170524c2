/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest image loaders: flat binaries at an address and ELF64 executables (PT_LOAD segments and
 * the entry point).  Images are untrusted: every header field and segment is checked against
 * the image size and guest RAM before a byte is copied, and a failure names the field or the
 * segment at fault.
 */
#ifndef VMSCOPE_LOADER_H
#define VMSCOPE_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem;

struct load_info {
	uint64_t entry; /* entry point (flat: the load address) */
	uint64_t low, high; /* guest-physical extent written: [low, high) */
	int is_elf;
};

/* Copy a flat image to gpa. */
int loader__load_flat(struct guest_mem *mem, const void *img, size_t len, uint64_t gpa,
		      struct load_info *info);

/* Load an ELF64 x86-64 executable (ET_EXEC or ET_DYN loaded at its p_paddr). */
int loader__load_elf(struct guest_mem *mem, const void *img, size_t len, struct load_info *info);

/* 1 if the image starts with the ELF magic. */
int loader__is_elf(const void *img, size_t len);

/* The value of a symbol in an ELF image's symbol table (bounds-checked); 0 or -ENOENT. */
int loader__elf_symbol(const void *img, size_t len, const char *name, uint64_t *value);
/* ... and its size (st_size: a function's bytes). */
int loader__elf_symbol_sized(const void *img, size_t len, const char *name, uint64_t *value,
			     uint64_t *size);
/*
 * Where the size bytes at virtual address vaddr of a loaded segment are in the image (its
 * file): 0 and *off, or -ENOENT when they are not all in one segment's file bytes.
 */
int loader__elf_at(const void *img, size_t len, uint64_t vaddr, uint64_t size, uint64_t *off);

/*
 * Can path be an image at all (it opens, is a regular file, is not empty)?  Said before
 * anything else of a run is created.  0 or -errno with the loader's message.
 */
int loader__check_path(const char *path);

/* The whole file, checked to fit mem (malloc'ed into *buf, *len bytes); 0 or -errno. */
int loader__read_file(const char *path, const struct guest_mem *mem, uint8_t **buf, size_t *len);

/* Read a file (ELF by magic, else flat at flat_gpa) into guest memory. */
int loader__load_file(struct guest_mem *mem, const char *path, uint64_t flat_gpa,
		      struct load_info *info);

#endif
