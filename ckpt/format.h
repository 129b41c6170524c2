/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checkpoint file format (docs/checkpoint.md), little-endian:
 *
 *   header    64 bytes at 0: magic, version, section count, table offset, file size, the
 *             table's checksum and its own
 *   sections  each aligned (memory: to 4 KiB, so that it can be mapped), a tag, a version,
 *             an index (the vCPU number), and an XXH3-64 checksum of its bytes; the memory
 *             section is checksummed per MiB in the "memsum" section instead
 *   table     one 48-byte entry per section, at the end
 *
 * Inside a section (all but memory), records: u32 kind, u32 size, the bytes, padding to 8.
 * A reader refuses a newer version, a truncated file, a checksum that does not match and a
 * record that runs past its section, naming the section and the byte.
 */
#ifndef VMSCOPE_CKPT_FORMAT_H
#define VMSCOPE_CKPT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_MAGIC "VMSCKPT\n"
#define CKPT_VERSION 1
#define CKPT_HEADER_SIZE 64
#define CKPT_ENTRY_SIZE 48
#define CKPT_TAG_LEN 8
#define CKPT_MAX_SECTIONS 1024
#define CKPT_MEM_ALIGN 4096
#define CKPT_MEMSUM_CHUNK (1u << 20)

/* Section flags. */
#define CKPT_SF_CHUNKED 1u /* checksummed per chunk in "memsum", not in the table */
#define CKPT_SF_REQUIRED 2u /* a reader that does not know the tag must refuse the file */
#define CKPT_SF_RAW 4u /* plain bytes, not records (memory, memsum) */

struct ckpt_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint32_t nr_sections;
	uint32_t flags;
	uint64_t table_offset;
	uint64_t file_size;
	uint64_t created_ns; /* CLOCK_REALTIME */
	uint64_t table_sum; /* XXH3-64 of the table */
	uint64_t header_sum; /* XXH3-64 of the 56 bytes before it */
};

struct ckpt_entry {
	char tag[CKPT_TAG_LEN]; /* NUL-padded */
	uint32_t version;
	uint32_t index;
	uint64_t offset;
	uint64_t size;
	uint64_t sum; /* XXH3-64 of the bytes, 0 when CKPT_SF_CHUNKED */
	uint32_t flags;
	uint32_t reserved;
};

_Static_assert(sizeof(struct ckpt_header) == CKPT_HEADER_SIZE, "header layout");
_Static_assert(sizeof(struct ckpt_entry) == CKPT_ENTRY_SIZE, "table entry layout");

/* Writing: a temporary file next to the target, renamed into place when complete. */
struct ckpt_writer {
	int fd;
	char path[4096], tmp[4160];
	uint64_t off;
	uint64_t written; /* bytes written (holes not counted) */
	struct ckpt_entry *entries;
	uint32_t nr, cap;
	void *hash; /* XXH3 state of the open section */
	int open;
	int in_memory; /* ckpt_w_open_mem: a memfd, kept open at the commit */
};

/* 0 or -errno with a message naming the path. */
int ckpt_w_open(struct ckpt_writer *w, const char *path);
/* The same into a memfd (w->fd, left open by the commit for the caller to read). */
int ckpt_w_open_mem(struct ckpt_writer *w);
/* Start a section at the next multiple of align (a power of two, >= 8). */
int ckpt_w_begin(struct ckpt_writer *w, const char *tag, uint32_t version, uint32_t index,
		 uint32_t flags, uint32_t align);
int ckpt_w_write(struct ckpt_writer *w, const void *buf, size_t len);
/* len zero bytes left as a hole (sparse file), hashed as zeros. */
int ckpt_w_skip(struct ckpt_writer *w, size_t len);
/* One record: kind, size, bytes, padding to 8. */
int ckpt_w_rec(struct ckpt_writer *w, uint32_t kind, const void *buf, uint32_t len);
int ckpt_w_rec_u64(struct ckpt_writer *w, uint32_t kind, uint64_t v);
int ckpt_w_rec_str(struct ckpt_writer *w, uint32_t kind, const char *s);
int ckpt_w_end(struct ckpt_writer *w);
/* Table, header, fsync, rename, fsync of the directory.  Returns the file's size via *size. */
int ckpt_w_commit(struct ckpt_writer *w, uint64_t *size);
/* Drop the temporary file (after an error, or instead of committing). */
void ckpt_w_abort(struct ckpt_writer *w);

/* Reading. */
struct ckpt_file {
	int fd;
	char path[4096];
	uint64_t size;
	struct ckpt_header hdr;
	struct ckpt_entry *entries;
};

/*
 * Open and check path: magic, version, header and table checksums, every section inside the
 * file.  0, or -errno with a message naming the problem, the part and the byte.
 */
int ckpt_f_open(struct ckpt_file *f, const char *path);
void ckpt_f_close(struct ckpt_file *f);

/* The entry of section tag number index, or NULL. */
const struct ckpt_entry *ckpt_f_find(const struct ckpt_file *f, const char *tag, uint32_t index);

/* A section's bytes (malloc'd, checksum checked).  0 or -errno with a message. */
int ckpt_f_load(const struct ckpt_file *f, const struct ckpt_entry *e, void **buf);

/*
 * Check the chunked memory section against "memsum": 0, or -EBADMSG naming the byte.  Stops
 * early (0) once *cancel (may be NULL) is set.
 */
int ckpt_f_verify_memory(const struct ckpt_file *f, const int *cancel);

/* Records of a loaded section. */
struct ckpt_rec {
	uint32_t kind, size;
	const void *data;
	uint64_t at; /* the record's byte offset in the file */
};

/*
 * The record at *pos of a section loaded from e (advancing *pos): 1, 0 at the end, or -EINVAL
 * with a message naming the section and the byte where it is malformed.
 */
int ckpt_rec_next(const struct ckpt_entry *e, const void *buf, uint64_t *pos, struct ckpt_rec *r);

/* The tag as a string ("vcpu"), into buf of at least CKPT_TAG_LEN + 1 bytes. */
const char *ckpt_tag(const struct ckpt_entry *e, char *buf);

/* The XXH3-64 of a buffer. */
uint64_t ckpt_sum(const void *buf, size_t len);

#endif
