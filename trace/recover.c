// SPDX-License-Identifier: GPL-2.0
/*
 * Checking a trace directory, and recovering one whose session was killed.
 *
 * A stream file is a sequence of packets (ctf.h).  A session that ends cleanly leaves only
 * whole packets and removes DIR/rings.  A killed one leaves the rings, whose committed
 * records [tail, head) never reached the stream file, and at the end of each stream file a
 * packet that was being filled: its header says what it held at the session's last write
 * of it, and records written after that may follow it (a trace of an older vmscope: a
 * header with content_size 0).  Recover makes that last packet hold every whole record that
 * follows it, appends the rings' records (skipping any the session had written just before
 * it died), and removes the rings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/err.h"
#include "catalogue.h"
#include "ctf.h"
#include "ring.h"
#include "trace.h"

struct scan {
	const char *path;
	const uint8_t *p;
	uint64_t len;
	uint64_t packets, records, last_ts, next_seq, discarded;
	int64_t unfinished; /* offset of the unfinished packet, -1 if none */
	int64_t cut; /* recover: the file ends with a partial header here, -1 if not */
	uint64_t good_end; /* end of its last whole record */
	struct ctf_packet_hdr unf; /* its header */
	uint64_t unf_ts_end, unf_discarded;
};

/* Check the records of [pos, end); returns the end of the last whole one. */
static int scan_records(struct scan *sc, uint64_t pos, uint64_t end, int partial_ok, uint64_t *good,
			uint64_t *discarded)
{
	while (pos < end) {
		const struct trace_rec_hdr *h = (const void *)(sc->p + pos);
		uint32_t sz = end - pos >= 16 ? trace_event_size(h->id) : 0;

		if (!sz || h->size != sz || sz > end - pos || h->ts < sc->last_ts) {
			if (partial_ok)
				break;
			return err__set(EBADMSG,
					"stream file %s: bad record at byte %llu (id %u, "
					"size %u%s); the file is corrupt",
					sc->path, (unsigned long long)pos,
					end - pos >= 8 ? h->id : 0, end - pos >= 8 ? h->size : 0,
					sz && h->ts < sc->last_ts ? ", time goes backwards" : "");
		}
		if (h->id == TRACE_LOST_ID)
			*discarded += ((const struct trace_ev_lost *)h)->count;
		sc->last_ts = h->ts;
		sc->records++;
		pos += sz;
	}
	*good = pos;
	return 0;
}

static int scan_unfinished(struct scan *sc, uint64_t off, uint32_t hlen, int allow)
{
	uint64_t disc = 0;

	if (!allow)
		return err__set(EBADMSG,
				"stream file %s ends with an unfinished packet at byte "
				"%llu: the session did not end cleanly; run 'vmscope "
				"recover' on its directory",
				sc->path, (unsigned long long)off);
	sc->unfinished = off;
	memcpy(&sc->unf, sc->p + off, hlen);
	scan_records(sc, off + hlen, sc->len, 1, &sc->good_end, &disc);
	sc->unf_discarded = sc->discarded + disc;
	sc->unf_ts_end =
		sc->last_ts > sc->unf.timestamp_begin ? sc->last_ts : sc->unf.timestamp_begin;
	return 0;
}

/* Does a packet header begin at pos (CTF's magic, a stream class of ours)? */
static int next_is_packet(const struct scan *sc, uint64_t pos)
{
	struct ctf_packet_hdr h;

	if (sc->len - pos < 8)
		return 0;
	memcpy(&h, sc->p + pos, 8);
	return h.magic == CTF_MAGIC && h.stream_id <= CTF_CLASS_KERNEL;
}

static int scan_packet(struct scan *sc, uint64_t off, int allow, uint64_t *next)
{
	struct ctf_packet_hdr h;
	uint64_t left = sc->len - off, good, disc = 0;
	uint32_t hlen;

	memset(&h, 0, sizeof(h));
	memcpy(&h, sc->p + off, left < 16 ? left : 16);
	/* Recover: a packet header cut short at the end of the file (the write it was in
	 * never completed) is dropped. */
	if (allow && h.magic == CTF_MAGIC && h.stream_id <= CTF_CLASS_KERNEL &&
	    left < ctf_hdr_len(h.stream_id)) {
		sc->cut = off;
		*next = sc->len;
		return 0;
	}
	if (left < 16 || h.magic != CTF_MAGIC || h.stream_id > CTF_CLASS_KERNEL)
		return err__set(EBADMSG,
				"stream file %s: %s at byte %llu; the file is corrupt or "
				"not a vmscope stream",
				sc->path,
				left < 16 ? "truncated packet header" : "bad packet magic",
				(unsigned long long)off);
	hlen = ctf_hdr_len(h.stream_id);
	if (left < hlen)
		return err__set(EBADMSG, "stream file %s: truncated packet header at byte %llu",
				sc->path, (unsigned long long)off);
	memcpy(&h, sc->p + off, hlen);
	/* Recover: records past the last packet's end belong to it (a header not yet updated). */
	if (allow && h.content_size && h.content_size == h.packet_size &&
	    h.packet_size / 8 < left && !next_is_packet(sc, off + h.packet_size / 8)) {
		if (!scan_unfinished(sc, off, hlen, allow)) {
			*next = sc->len;
			return 0;
		}
	}
	if (!h.content_size && !h.packet_size && !scan_unfinished(sc, off, hlen, allow)) {
		*next = sc->len;
		return 0;
	} else if (!h.content_size && !h.packet_size) {
		return -EBADMSG;
	}
	if ((h.content_size & 63) || h.content_size > h.packet_size || h.content_size < hlen * 8 ||
	    h.packet_size / 8 > left)
		return err__set(EBADMSG,
				"stream file %s: the packet at byte %llu claims %llu "
				"bytes but %llu remain; the file is truncated or corrupt",
				sc->path, (unsigned long long)off,
				(unsigned long long)(h.packet_size / 8), (unsigned long long)left);
	if (scan_records(sc, off + hlen, off + h.content_size / 8, 0, &good, &disc))
		return -EBADMSG;
	sc->discarded += disc;
	sc->packets++;
	sc->next_seq = h.packet_seq_num + 1;
	*next = off + h.packet_size / 8;
	return 0;
}

static int scan_file(struct scan *sc, const char *path, int allow_unfinished)
{
	uint64_t off = 0;
	struct stat st;
	int fd, ret = 0;

	memset(sc, 0, sizeof(*sc));
	sc->path = path;
	sc->unfinished = -1;
	sc->cut = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err__set(errno, "cannot open stream file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		sc->p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (sc->p == MAP_FAILED)
		return err__set(errno, "cannot read stream file %s: %s", path, strerror(errno));
	sc->len = sc->p ? st.st_size : 0;
	while (off < sc->len && !ret)
		ret = scan_packet(sc, off, allow_unfinished, &off);
	if (sc->p)
		munmap((void *)sc->p, sc->len);
	sc->p = NULL;
	return ret;
}

static int check_metadata(const char *dir)
{
	char path[4200], head[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	f = fopen(path, "r");
	if (!f)
		return err__set(errno == ENOENT ? ENOENT : errno,
				"%s: %s; %s is not a vmscope trace directory (or its session died "
				"before it started)",
				path, strerror(errno), dir);
	if (!fgets(head, sizeof(head), f))
		head[0] = '\0';
	fclose(f);
	if (strncmp(head, "/* CTF 1.8 */", 13))
		return err__set(EBADMSG,
				"%s does not start with '/* CTF 1.8 */': not the metadata "
				"of a vmscope trace (truncated or overwritten?)",
				path);
	return 0;
}

/* Stream id of a stream file name ("host", "vcpu<N>", "kernel<N>"), or -1. */
static long stream_id_of(const char *name)
{
	long n, base = 0, max = TRACE_STREAM_KERNEL_BASE;
	const char *digits = name + 4;
	char *end;

	if (!strcmp(name, "host"))
		return TRACE_STREAM_HOST;
	if (!strncmp(name, "kernel", 6)) {
		digits = name + 6;
		base = TRACE_STREAM_KERNEL_BASE;
		max = TRACE_STREAM_HOST - TRACE_STREAM_KERNEL_BASE;
	} else if (strncmp(name, "vcpu", 4)) {
		return -1;
	}
	if (*digits < '0' || *digits > '9')
		return -1;
	n = strtol(digits, &end, 10);
	return *end || n >= max ? -1 : base + n;
}

static int check_rings_dir(const char *dir)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/rings", dir);
	if (stat(path, &st) == 0)
		return err__set(EAGAIN,
				"%s holds the rings of a session that did not end "
				"cleanly (killed, or still running); run 'vmscope recover "
				"%s' once it is gone",
				path, dir);
	return 0;
}

int trace__check_ended(const char *dir)
{
	return check_rings_dir(dir);
}

int trace__check_dir(const char *dir)
{
	char path[4200];
	struct dirent *e;
	struct scan sc;
	int ret = check_metadata(dir) ?: check_rings_dir(dir), streams = 0;
	DIR *d;

	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return err__set(errno, "cannot read %s: %s", dir, strerror(errno));
	while (!ret && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "metadata") ||
		    !strcmp(e->d_name, "rings"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stream_id_of(e->d_name) < 0)
			ret = err__set(EBADMSG,
				       "%s is not a vmscope stream file; a trace directory "
				       "holds only metadata, host, vcpu<N>, kernel<N> and rings/",
				       path);
		else
			ret = scan_file(&sc, path, 0);
		streams++;
	}
	closedir(d);
	if (!ret && !streams)
		ret = err__set(ENOENT, "%s has metadata but no stream file (host, vcpu<N>)", dir);
	return ret;
}

/* Complete the unfinished packet in place: cut a partial record, write its context. */
static int fix_unfinished(const char *path, struct scan *sc)
{
	struct ctf_packet_hdr h = sc->unf;
	uint32_t hlen = ctf_hdr_len(h.stream_id);
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return err__set(errno, "cannot open %s to repair it: %s", path, strerror(errno));
	h.timestamp_end = sc->unf_ts_end;
	h.content_size = h.packet_size = (sc->good_end - sc->unfinished) * 8;
	h.events_discarded = sc->unf_discarded;
	if (ftruncate(fd, sc->good_end) || pwrite(fd, &h, hlen, sc->unfinished) != (ssize_t)hlen)
		ret = err__set(errno, "cannot repair %s: %s", path, strerror(errno));
	close(fd);
	sc->discarded = sc->unf_discarded;
	sc->next_seq = h.packet_seq_num + 1;
	return ret;
}

/* Append the committed records of a ring to its stream, after what the file holds. */
static int recover_ring(const char *dir, const char *ring_path, uint32_t id, struct scan *sc)
{
	struct trace_ring r;
	struct ctf_stream st;
	uint64_t from, head, size;
	int ret = trace_ring__open(&r, ring_path);

	if (ret)
		return ret;
	if (r.stream_id != id)
		ret = err__set(EBADMSG, "ring file %s belongs to stream %u, not to its name's",
			       ring_path, r.stream_id);
	if (!ret)
		ret = ctf_stream__open(&st, dir, id, 1);
	if (ret) {
		trace_ring__close(&r);
		return ret;
	}
	st.seq = sc->next_seq;
	st.discarded = sc->discarded;
	st.skip_to_ts = sc->records ? sc->last_ts + 1 : 0;
	st.last_ts = sc->last_ts;
	size = r.mask + 1;
	head = r.head;
	for (from = r.ctail; from < head && !ret;) {
		uint64_t off = from & r.mask,
			 n = head - from < size - off ? head - from : size - off;

		ret = ctf_stream__feed(&st, r.data + off, n);
		from += n;
	}
	if (!ret && trace_ring__unreported(&r)) {
		struct trace_ev_lost l = { .hdr = { TRACE_LOST_ID, sizeof(l), st.last_ts } };

		l.count = trace_ring__unreported(&r);
		l.first_ts = st.last_ts;
		ret = ctf_stream__feed(&st, (const uint8_t *)&l, sizeof(l));
	}
	if (!ret && (st.records || !sc->packets))
		ret = ctf_stream__finish(&st, st.last_ts);
	else
		close(st.fd);
	trace_ring__close(&r);
	return ret ? err__wrap(ret, "recovering %s", ring_path) : 0;
}

static int recover_stream(const char *dir, uint32_t id, int *fixed)
{
	char path[4200], ring[4200], name[32];
	struct scan sc;
	struct stat st;
	int ret;

	ctf__stream_name(id, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(ring, sizeof(ring), "%s/rings/%s.ring", dir, name);
	if (stat(path, &st) && close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)))
		return err__set(errno, "cannot create %s: %s", path, strerror(errno));
	ret = scan_file(&sc, path, 1);
	if (!ret && sc.cut >= 0 && truncate(path, sc.cut))
		ret = err__set(errno, "cannot repair %s: %s", path, strerror(errno));
	if (!ret && sc.cut >= 0)
		++*fixed;
	if (!ret && sc.unfinished >= 0) {
		ret = fix_unfinished(path, &sc);
		++*fixed;
	}
	if (!ret && stat(ring, &st) == 0) {
		ret = recover_ring(dir, ring, id, &sc);
		++*fixed;
	}
	return ret;
}

/* Every stream id with a stream file or a ring file. */
static int recover_collect(const char *dir, const char *sub, uint8_t *seen, int *any_ring)
{
	char path[4200], name[256];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s", dir, sub);
	d = opendir(path);
	if (!d)
		return *sub ? 0 : err__set(errno, "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		long id;

		snprintf(name, sizeof(name), "%s", e->d_name);
		if (*sub && n > 5 && !strcmp(name + n - 5, ".ring")) {
			name[n - 5] = '\0';
			*any_ring = 1;
		} else if (*sub) {
			continue;
		}
		id = stream_id_of(name);
		if (id >= 0)
			seen[id] = 1;
	}
	closedir(d);
	return 0;
}

int trace__recover(const char *dir)
{
	static uint8_t seen[TRACE_STREAM_HOST + 1];
	char path[4200];
	int ret = check_metadata(dir), any_ring = 0, fixed = 0;
	uint32_t id;

	if (ret)
		return ret;
	memset(seen, 0, sizeof(seen));
	ret = recover_collect(dir, "", seen, &any_ring);
	if (!ret)
		ret = recover_collect(dir, "/rings", seen, &any_ring);
	for (id = 0; !ret && id <= TRACE_STREAM_HOST; id++)
		if (seen[id])
			ret = recover_stream(dir, id, &fixed);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/rings", dir);
	for (id = 0; any_ring && id <= TRACE_STREAM_HOST; id++) {
		char ring[4300], name[32];

		if (!seen[id])
			continue;
		ctf__stream_name(id, name, sizeof(name));
		snprintf(ring, sizeof(ring), "%s/%s.ring", path, name);
		unlink(ring);
	}
	rmdir(path);
	ret = trace__check_dir(dir);
	return ret ? err__wrap(ret, "after recovering %s", dir) : fixed;
}
