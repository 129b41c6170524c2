// SPDX-License-Identifier: GPL-2.0
/* The checkpoint file format: writing sections atomically, reading them back checked. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "../lib/err.h"
#include "../lib/array.h"
#include "../lib/io.h"
#include "format.h"

uint64_t ckpt_sum(const void *buf, size_t len)
{
	return XXH3_64bits(buf, len);
}

const char *ckpt_tag(const struct ckpt_entry *e, char *buf)
{
	memcpy(buf, e->tag, CKPT_TAG_LEN);
	buf[CKPT_TAG_LEN] = '\0';
	return buf;
}

static int write_all(int fd, const void *buf, size_t len, const char *path)
{
	int ret = io__write_all(fd, buf, len);

	return ret ? err__set(-ret, "cannot write %s: %s", path, strerror(-ret)) : 0;
}

int ckpt_w_open(struct ckpt_writer *w, const char *path)
{
	static const uint8_t zero[CKPT_HEADER_SIZE];

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (strlen(path) >= sizeof(w->path))
		return err__set(ENAMETOOLONG, "checkpoint path too long: %s", path);
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->tmp, sizeof(w->tmp), "%s.tmp.%d", path, (int)getpid());
	w->hash = XXH3_createState();
	if (!w->hash)
		return err__set(ENOMEM, "out of memory");
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int e = errno;

		XXH3_freeState(w->hash);
		w->hash = NULL;
		return err__set(
			e, "cannot create %s: %s; check that its directory exists and is writable",
			w->tmp, strerror(e));
	}
	w->off = CKPT_HEADER_SIZE;
	return write_all(w->fd, zero, sizeof(zero), w->tmp);
}

int ckpt_w_open_mem(struct ckpt_writer *w)
{
	static const uint8_t zero[CKPT_HEADER_SIZE];

	memset(w, 0, sizeof(*w));
	snprintf(w->tmp, sizeof(w->tmp), "(the state in memory)");
	w->in_memory = 1;
	w->hash = XXH3_createState();
	w->fd = memfd_create("vmscope-state", MFD_CLOEXEC);
	if (!w->hash || w->fd < 0) {
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		XXH3_freeState(w->hash);
		w->hash = NULL;
		return err__set(ENOMEM, "cannot make room for the VM's state: %s", strerror(errno));
	}
	w->off = CKPT_HEADER_SIZE;
	return write_all(w->fd, zero, sizeof(zero), w->tmp);
}

int ckpt_w_begin(struct ckpt_writer *w, const char *tag, uint32_t version, uint32_t index,
		 uint32_t flags, uint32_t align)
{
	struct ckpt_entry *e;
	uint64_t at = (w->off + align - 1) & ~(uint64_t)(align - 1);

	if (w->nr >= CKPT_MAX_SECTIONS)
		return err__set(E2BIG, "a checkpoint holds at most %d sections", CKPT_MAX_SECTIONS);
	if (ARRAY_GROW(w->entries, w->nr, w->cap, 16))
		return err__set(ENOMEM, "out of memory");
	if (at != w->off && lseek(w->fd, (off_t)at, SEEK_SET) < 0)
		return err__set(errno, "cannot seek in %s: %s", w->tmp, strerror(errno));
	w->off = at;
	e = &w->entries[w->nr];
	memset(e, 0, sizeof(*e));
	memcpy(e->tag, tag, strnlen(tag, CKPT_TAG_LEN));
	e->version = version;
	e->index = index;
	e->offset = at;
	e->flags = flags;
	XXH3_64bits_reset(w->hash);
	w->open = 1;
	return 0;
}

int ckpt_w_write(struct ckpt_writer *w, const void *buf, size_t len)
{
	int ret = write_all(w->fd, buf, len, w->tmp);

	if (!ret && !(w->entries[w->nr].flags & CKPT_SF_CHUNKED))
		XXH3_64bits_update(w->hash, buf, len);
	w->off += len;
	w->written += len;
	return ret;
}

int ckpt_w_skip(struct ckpt_writer *w, size_t len)
{
	static const uint8_t zero[4096];
	size_t n;

	if (!(w->entries[w->nr].flags & CKPT_SF_CHUNKED))
		for (n = len; n; n -= n < sizeof(zero) ? n : sizeof(zero))
			XXH3_64bits_update(w->hash, zero, n < sizeof(zero) ? n : sizeof(zero));
	w->off += len;
	if (lseek(w->fd, (off_t)w->off, SEEK_SET) < 0)
		return err__set(errno, "cannot seek in %s: %s", w->tmp, strerror(errno));
	return 0;
}

int ckpt_w_rec(struct ckpt_writer *w, uint32_t kind, const void *buf, uint32_t len)
{
	static const uint8_t pad[8];
	uint32_t head[2] = { kind, len };
	int ret = ckpt_w_write(w, head, sizeof(head));

	if (!ret && len)
		ret = ckpt_w_write(w, buf, len);
	if (!ret && (len & 7))
		ret = ckpt_w_write(w, pad, 8 - (len & 7));
	return ret;
}

int ckpt_w_rec_u64(struct ckpt_writer *w, uint32_t kind, uint64_t v)
{
	return ckpt_w_rec(w, kind, &v, sizeof(v));
}

int ckpt_w_rec_str(struct ckpt_writer *w, uint32_t kind, const char *s)
{
	return ckpt_w_rec(w, kind, s, (uint32_t)strlen(s) + 1);
}

int ckpt_w_end(struct ckpt_writer *w)
{
	struct ckpt_entry *e = &w->entries[w->nr];

	e->size = w->off - e->offset;
	e->sum = (e->flags & CKPT_SF_CHUNKED) ? 0 : XXH3_64bits_digest(w->hash);
	w->nr++;
	w->open = 0;
	return 0;
}

static int fsync_dir(const char *path)
{
	char buf[4096];
	int fd, ret = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the rename stands; only its durability is not forced */
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = err__set(errno, "cannot sync the directory of %s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

int ckpt_w_commit(struct ckpt_writer *w, uint64_t *size)
{
	struct ckpt_header h;
	struct timespec ts;
	size_t tlen = (size_t)w->nr * sizeof(struct ckpt_entry);
	int ret = 0;

	if (w->open)
		return err__set(EINVAL, "checkpoint: a section was left open");
	w->off = (w->off + 7) & ~7ull;
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CKPT_MAGIC, 8);
	h.version = CKPT_VERSION;
	h.header_size = CKPT_HEADER_SIZE;
	h.nr_sections = w->nr;
	h.table_offset = w->off;
	h.file_size = w->off + tlen;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.created_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	h.table_sum = ckpt_sum(w->entries, tlen);
	h.header_sum = ckpt_sum(&h, offsetof(struct ckpt_header, header_sum));
	if (pwrite(w->fd, w->entries, tlen, (off_t)w->off) != (ssize_t)tlen ||
	    pwrite(w->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    ftruncate(w->fd, (off_t)h.file_size) < 0)
		ret = err__set(errno ? errno : EIO, "cannot write %s: %s", w->tmp,
			       strerror(errno ? errno : EIO));
	if (w->in_memory) {
		w->written += CKPT_HEADER_SIZE + tlen;
		if (!ret && size)
			*size = h.file_size;
		free(w->entries);
		w->entries = NULL;
		XXH3_freeState(w->hash);
		w->hash = NULL;
		return ret; /* the caller reads w->fd and closes it */
	}
	if (!ret && fsync(w->fd) < 0)
		ret = err__set(errno, "cannot sync %s: %s", w->tmp, strerror(errno));
	if (!ret && close(w->fd) < 0)
		ret = err__set(errno, "cannot close %s: %s", w->tmp, strerror(errno));
	else if (ret)
		close(w->fd);
	w->fd = -1;
	if (!ret && rename(w->tmp, w->path) < 0)
		ret = err__set(errno, "cannot rename %s to %s: %s", w->tmp, w->path,
			       strerror(errno));
	if (!ret)
		ret = fsync_dir(w->path);
	w->written += CKPT_HEADER_SIZE + tlen;
	if (ret)
		unlink(w->tmp);
	else if (size)
		*size = h.file_size;
	free(w->entries);
	w->entries = NULL;
	XXH3_freeState(w->hash);
	w->hash = NULL;
	return ret;
}

void ckpt_w_abort(struct ckpt_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		if (!w->in_memory)
			unlink(w->tmp);
	}
	w->fd = -1;
	free(w->entries);
	w->entries = NULL;
	if (w->hash)
		XXH3_freeState(w->hash);
	w->hash = NULL;
}

static int check_header(struct ckpt_file *f)
{
	struct ckpt_header *h = &f->hdr;

	if (f->size < CKPT_HEADER_SIZE)
		return err__set(EINVAL,
				"%s: %" PRIu64 " bytes, shorter than a checkpoint header (%d): "
				"not a vmscope checkpoint, or truncated",
				f->path, f->size, CKPT_HEADER_SIZE);
	if (memcmp(h->magic, CKPT_MAGIC, 8))
		return err__set(EINVAL, "%s: not a vmscope checkpoint (byte 0: no VMSCKPT magic)",
				f->path);
	if (h->version > CKPT_VERSION)
		return err__set(EPROTONOSUPPORT,
				"%s: format version %u (byte 8) is newer than this vmscope reads "
				"(%d): restore it with a newer vmscope",
				f->path, h->version, CKPT_VERSION);
	if (h->version < 1 || h->header_size != CKPT_HEADER_SIZE)
		return err__set(EINVAL, "%s: header (bytes 8-15): version %u, size %u: corrupt",
				f->path, h->version, h->header_size);
	if (h->header_sum != ckpt_sum(h, offsetof(struct ckpt_header, header_sum)))
		return err__set(EBADMSG,
				"%s: header checksum (byte 56) does not match: the file is corrupt",
				f->path);
	if (h->file_size != f->size)
		return err__set(EINVAL,
				"%s: %" PRIu64 " bytes, the header (byte 32) says %" PRIu64
				": the file is %s",
				f->path, f->size, h->file_size,
				f->size < h->file_size ? "truncated" : "damaged (bytes appended)");
	if (h->nr_sections > CKPT_MAX_SECTIONS ||
	    h->table_offset + (uint64_t)h->nr_sections * CKPT_ENTRY_SIZE != h->file_size)
		return err__set(EINVAL,
				"%s: section table (byte %" PRIu64
				", %u entries) does not end the file: corrupt",
				f->path, h->table_offset, h->nr_sections);
	return 0;
}

static int check_table(struct ckpt_file *f)
{
	size_t tlen = (size_t)f->hdr.nr_sections * CKPT_ENTRY_SIZE;
	uint32_t i;
	char tag[CKPT_TAG_LEN + 1];

	if (ckpt_sum(f->entries, tlen) != f->hdr.table_sum)
		return err__set(EBADMSG,
				"%s: section table (bytes %" PRIu64 "-%" PRIu64
				") does not match its checksum: the file is corrupt",
				f->path, f->hdr.table_offset, f->hdr.table_offset + tlen - 1);
	for (i = 0; i < f->hdr.nr_sections; i++) {
		const struct ckpt_entry *e = &f->entries[i];

		if (e->offset < CKPT_HEADER_SIZE || e->offset > f->hdr.table_offset ||
		    e->size > f->hdr.table_offset - e->offset)
			return err__set(EINVAL,
					"%s: section '%s' %u (entry %u) at byte %" PRIu64
					", %" PRIu64 " bytes, lies outside the file's sections",
					f->path, ckpt_tag(e, tag), e->index, i, e->offset, e->size);
	}
	return 0;
}

int ckpt_f_open(struct ckpt_file *f, const char *path)
{
	struct stat st;
	size_t tlen;
	int ret;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return err__set(errno, "cannot open %s: %s", path, strerror(errno));
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = err__set(EINVAL, "%s: not a regular file", path);
		goto fail;
	}
	f->size = st.st_size;
	if (f->size >= CKPT_HEADER_SIZE && io__pread_all(f->fd, &f->hdr, sizeof(f->hdr), 0)) {
		ret = err__set(EIO, "cannot read %s", path);
		goto fail;
	}
	ret = check_header(f);
	if (ret)
		goto fail;
	tlen = (size_t)f->hdr.nr_sections * CKPT_ENTRY_SIZE;
	f->entries = malloc(tlen ? tlen : 1);
	if (!f->entries) {
		ret = err__set(ENOMEM, "out of memory");
		goto fail;
	}
	if (io__pread_all(f->fd, f->entries, tlen, f->hdr.table_offset)) {
		ret = err__set(EIO, "cannot read the section table of %s", path);
		goto fail;
	}
	ret = check_table(f);
	if (!ret)
		return 0;
fail:
	ckpt_f_close(f);
	return ret;
}

void ckpt_f_close(struct ckpt_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->entries);
	f->entries = NULL;
}

const struct ckpt_entry *ckpt_f_find(const struct ckpt_file *f, const char *tag, uint32_t index)
{
	char t[CKPT_TAG_LEN + 1];
	uint32_t i;

	for (i = 0; i < f->hdr.nr_sections; i++)
		if (!strcmp(ckpt_tag(&f->entries[i], t), tag) && f->entries[i].index == index)
			return &f->entries[i];
	return NULL;
}

int ckpt_f_load(const struct ckpt_file *f, const struct ckpt_entry *e, void **buf)
{
	char tag[CKPT_TAG_LEN + 1];
	void *b = malloc(e->size ? e->size : 1);

	*buf = NULL;
	if (!b)
		return err__set(ENOMEM,
				"out of memory reading section '%s' of %s (%" PRIu64 " bytes)",
				ckpt_tag(e, tag), f->path, e->size);
	if (io__pread_all(f->fd, b, e->size, e->offset)) {
		free(b);
		return err__set(EIO, "cannot read section '%s' of %s", ckpt_tag(e, tag), f->path);
	}
	if (!(e->flags & CKPT_SF_CHUNKED) && ckpt_sum(b, e->size) != e->sum) {
		free(b);
		return err__set(EBADMSG,
				"%s: section '%s' %u (bytes %" PRIu64 "-%" PRIu64
				") does not match its checksum: the file is corrupt",
				f->path, ckpt_tag(e, tag), e->index, e->offset,
				e->offset + e->size - 1);
	}
	*buf = b;
	return 0;
}

int ckpt_f_verify_memory(const struct ckpt_file *f, const int *cancel)
{
	const struct ckpt_entry *m = ckpt_f_find(f, "memory", 0), *s = ckpt_f_find(f, "memsum", 0);
	uint64_t *sums, chunk, n, i;
	uint8_t *buf;
	int ret = 0;

	if (!m)
		return err__set(EINVAL, "%s: no memory section", f->path);
	if (!s)
		return err__set(EINVAL, "%s: no memsum section: the memory cannot be checked",
				f->path);
	ret = ckpt_f_load(f, s, (void **)&sums);
	if (ret)
		return ret;
	chunk = s->size >= 8 ? sums[0] : 0;
	n = chunk ? (m->size + chunk - 1) / chunk : 0;
	if (!chunk || chunk > (1ull << 30) || s->size != 8 * (n + 1)) {
		free(sums);
		return err__set(EINVAL,
				"%s: section 'memsum' (byte %" PRIu64 ") does not describe the "
				"memory section's %" PRIu64 " bytes: corrupt",
				f->path, s->offset, m->size);
	}
	buf = malloc(chunk);
	for (i = 0; buf && !ret && i < n; i++) {
		if (cancel && __atomic_load_n(cancel, __ATOMIC_SEQ_CST))
			break;
		uint64_t len = m->size - i * chunk < chunk ? m->size - i * chunk : chunk;

		if (io__pread_all(f->fd, buf, len, m->offset + i * chunk))
			ret = err__set(EIO, "cannot read the memory of %s", f->path);
		else if (ckpt_sum(buf, len) != sums[i + 1])
			ret = err__set(EBADMSG,
				       "%s: section 'memory', bytes %" PRIu64 "-%" PRIu64
				       " (guest memory at 0x%" PRIx64
				       ") do not match their checksum: the file is corrupt",
				       f->path, m->offset + i * chunk,
				       m->offset + i * chunk + len - 1, i * chunk);
	}
	if (!buf)
		ret = err__set(ENOMEM, "out of memory");
	free(buf);
	free(sums);
	return ret;
}

int ckpt_rec_next(const struct ckpt_entry *e, const void *buf, uint64_t *pos, struct ckpt_rec *r)
{
	const uint8_t *b = buf;
	char tag[CKPT_TAG_LEN + 1];
	uint32_t head[2];
	uint64_t end;

	if (*pos >= e->size)
		return 0;
	if (e->size - *pos < sizeof(head))
		goto bad;
	memcpy(head, b + *pos, sizeof(head));
	end = *pos + sizeof(head) + ((head[1] + 7ull) & ~7ull);
	if (end > e->size)
		goto bad;
	r->kind = head[0];
	r->size = head[1];
	r->data = b + *pos + sizeof(head);
	r->at = e->offset + *pos;
	*pos = end;
	return 1;
bad:
	return err__set(EINVAL,
			"section '%s' %u: the record at byte %" PRIu64
			" runs past the section's end: corrupt",
			ckpt_tag(e, tag), e->index, e->offset + *pos);
}
