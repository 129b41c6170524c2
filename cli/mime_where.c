// SPDX-License-Identifier: GPL-2.0
/*
 * Where MIME looks (docs/mime.md): --mime-symbol resolved from the image's own symbols to a
 * range (a built-in program's function also to its program), and the ring the range runs at
 * when --mime-ring does not say, from what vmscope knows of the image rather than from the
 * address: the built-in kernel's code runs at ring 0 and its programs' at ring 3; a GUEST
 * booted at ring 3 (--ring 3) runs there.  What it cannot tell is left to either ring.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/loader.h"
#include "../core/mem.h"
#include "../guests/builtin.h"
#include "../lib/err.h"
#include "../mime/mime.h"
#include "cli.h"

struct image {
	const uint8_t *p;
	size_t len;
};

static struct image kernel_image(void)
{
	return (struct image){ builtin_kernel_start,
			       (size_t)(builtin_kernel_end - builtin_kernel_start) };
}

/* A built-in program's ELF, as embedded in the kernel image (guests/kernel/programs.S). */
static int program_image(const char *name, struct image *out)
{
	struct image k = kernel_image();
	uint64_t start, end, off;
	char sym[64];

	snprintf(sym, sizeof(sym), "prog_%s_start", name);
	if (loader__elf_symbol(k.p, k.len, sym, &start))
		return -ENOENT;
	snprintf(sym, sizeof(sym), "prog_%s_end", name);
	if (loader__elf_symbol(k.p, k.len, sym, &end) || end <= start ||
	    loader__elf_at(k.p, k.len, start, end - start, &off))
		return -ENOENT;
	*out = (struct image){ k.p + off, end - start };
	return 0;
}

/* Is [start, end) inside an executable segment of img? */
static int in_code(const struct image *img, uint64_t start, uint64_t end)
{
	const Elf64_Ehdr *eh = (const void *)img->p;
	unsigned int i;

	if (!loader__is_elf(img->p, img->len) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > img->len ||
	    (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > img->len - eh->e_phoff)
		return 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->p + eh->e_phoff) + i;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && start >= ph->p_vaddr &&
		    end <= ph->p_vaddr + ph->p_memsz)
			return 1;
	}
	return 0;
}

/* The built-in kernel's ring for [start, end): 0 in its code, 3 in a program's, else -1. */
static int builtin_ring(uint64_t start, uint64_t end)
{
	struct image k = kernel_image(), p;
	int i;

	if (in_code(&k, start, end))
		return 0;
	for (i = 0; guest_programs[i].name; i++)
		if (!program_image(guest_programs[i].name, &p) && in_code(&p, start, end))
			return 3;
	return -1;
}

static int symbol_range(const struct image *img, const char *what, const char *name,
			struct mime_opts *mo)
{
	uint64_t value, size;

	if (loader__elf_symbol_sized(img->p, img->len, name, &value, &size))
		return err__set(ENOENT, "--mime-symbol: %s has no symbol '%s'", what, name);
	if (!size)
		return err__set(EINVAL,
				"--mime-symbol: '%s' in %s has no size (not a function?); give "
				"--mime-range 0x%llx-END",
				name, what, (unsigned long long)value);
	mo->start = value;
	mo->end = value + size;
	return 0;
}

/* PROGRAM:FUNCTION, a function of a built-in program: its range, ring 3, that program. */
static int program_symbol(const char *spec, struct mime_opts *mo)
{
	char prog[32];
	const char *fn = strchr(spec, ':') + 1;
	size_t n = fn - 1 - spec;
	struct image p;
	int ret;

	snprintf(prog, sizeof(prog), "%.*s", (int)(n < sizeof(prog) ? n : sizeof(prog) - 1), spec);
	if (program_image(prog, &p))
		return err__set(ENOENT,
				"--mime-symbol %s: the built-in kernel has no program '%s' "
				"('vmscope guests' lists them)",
				spec, prog);
	static char name[32]; /* mime__setup copies it */

	ret = symbol_range(&p, prog, fn, mo);
	if (!ret && !mo->program) {
		snprintf(name, sizeof(name), "%s", prog);
		mo->program = name;
	}
	mo->cpl = 3;
	return ret;
}

/* FUNCTION in GUEST (an ELF file) or in the built-in kernel. */
static int image_symbol(const struct run_opts *o, const char *name, struct mime_opts *mo)
{
	struct guest_mem any = { .size = 1ull << 40 };
	struct image img = kernel_image();
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret;

	if (!o->guest) {
		mo->cpl = 0;
		return symbol_range(&img, "the built-in kernel", name, mo);
	}
	ret = loader__read_file(o->guest, &any, &buf, &len);
	if (ret)
		return ret;
	img = (struct image){ buf, len };
	ret = loader__is_elf(buf, len) ? symbol_range(&img, o->guest, name, mo)
				       : err__set(EINVAL,
						  "--mime-symbol: %s is a flat image, without "
						  "symbols; give --mime-range",
						  o->guest);
	mo->cpl = o->ring == 3 ? 3 : -1;
	free(buf);
	return ret;
}

int mime_where__resolve(const struct run_opts *o, struct mime_opts *mo)
{
	int ret = 0;

	mo->cpl = -1;
	if (o->mime_symbol && strchr(o->mime_symbol, ':')) {
		if (o->guest)
			return err__set(
				EINVAL,
				"--mime-symbol %s: PROGRAM:FUNCTION names a function of "
				"the built-in kernel's programs; with a GUEST give FUNCTION",
				o->mime_symbol);
		ret = program_symbol(o->mime_symbol, mo);
	} else if (o->mime_symbol) {
		ret = image_symbol(o, o->mime_symbol, mo);
	} else {
		mo->start = o->mime_start;
		mo->end = o->mime_end;
		mo->cpl = o->guest ? (o->ring == 3 ? 3 : -1) : builtin_ring(mo->start, mo->end);
	}
	if (o->mime_ring != MIME_RING_UNSET)
		mo->cpl = o->mime_ring;
	return ret;
}
