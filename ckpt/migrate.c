// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration over TCP (docs/checkpoint.md): pre-copy rounds with KVM's dirty log until
 * what is left fits the downtime target at the measured bandwidth, then stop-and-copy of the
 * last dirty pages and the state (the checkpoint format's sections).  Every frame carries an
 * XXH3-64 of its payload.  The source runs on whenever the target fails or the connection
 * drops; it stops only once the target said it runs the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "../core/devices.h"
#include "../core/vcpu.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "../trace/trace.h"
#include "ckpt.h"
#include "ckpt_int.h"

#define MIG_MAGIC 0x47494d53u /* "SMIG" */
#define MIG_VERSION 1
#define PAGE 4096ull
#define BATCH 256 /* pages per frame */
#define MAX_ROUNDS 30
#define MAX_FRAME (64ull << 20)
#define IO_TIMEOUT_S 30

enum { F_HELLO = 1, F_PAGES, F_STATE, F_MEMSUM, F_DONE, F_ACK };

struct frame_head {
	uint32_t magic, type;
	uint64_t len, sum;
};

struct mig_hello {
	char magic[8];
	uint32_t version, nr_vcpus;
	uint64_t mem_size;
	uint32_t irqchip, features;
	char guest[256], guest_cmd[1024];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err__set(n < 0 ? errno : EPIPE,
					"the connection to the target broke: %s",
					strerror(n < 0 ? errno : EPIPE));
		p += n;
		len -= n;
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len, const char *what)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return err__set(EPIPE, "the other side closed the connection during %s",
					what);
		if (n < 0)
			return err__set(errno, "%s: %s", what,
					errno == EAGAIN ? "nothing came for 30 s"
							: strerror(errno));
		p += n;
		len -= n;
	}
	return 0;
}

/* One frame: head then payload (two parts, summed as one). */
static int send_frame(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	struct frame_head h = { MIG_MAGIC, type, alen + blen, 0 };
	XXH3_state_t *st = XXH3_createState();
	int ret;

	if (!st)
		return err__set(ENOMEM, "out of memory");
	XXH3_64bits_reset(st);
	XXH3_64bits_update(st, a, alen);
	XXH3_64bits_update(st, b, blen);
	h.sum = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	ret = send_all(fd, &h, sizeof(h));
	ret = ret ?: (alen ? send_all(fd, a, alen) : 0);
	return ret ?: (blen ? send_all(fd, b, blen) : 0);
}

/* The next frame (payload malloc'd into *buf), checked; nr counts frames for messages. */
static int recv_frame(int fd, uint64_t nr, struct frame_head *h, void **buf)
{
	void *b;
	int ret = recv_all(fd, h, sizeof(*h), "the migration stream");

	*buf = NULL;
	if (ret)
		return ret;
	if (h->magic != MIG_MAGIC || h->type < F_HELLO || h->type > F_ACK || h->len > MAX_FRAME)
		return err__set(EPROTO,
				"frame %" PRIu64 " of the migration stream is not one (type %u, "
				"%" PRIu64 " bytes): not a vmscope migration, or a corrupt stream",
				nr, h->type, h->len);
	b = malloc(h->len ? h->len : 1);
	if (!b)
		return err__set(ENOMEM, "out of memory");
	ret = recv_all(fd, b, h->len, "the migration stream");
	if (!ret && ckpt_sum(b, h->len) != h->sum)
		ret = err__set(EBADMSG,
			       "frame %" PRIu64 " of the migration stream (type %u, %" PRIu64
			       " bytes) does not match its checksum: the stream is corrupt",
			       nr, h->type, h->len);
	if (ret)
		free(b);
	else
		*buf = b;
	return ret;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* "HOST:PORT" (the last colon splits; [v6]:port too) into an address list. */
static int resolve(const char *addr, int passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	char host[256];
	const char *colon = strrchr(addr, ':');
	int ret;

	if (!colon || colon == addr || !colon[1] || (size_t)(colon - addr) >= sizeof(host))
		return err__set(EINVAL, "'%s' is not HOST:PORT (e.g. 127.0.0.1:4444)", addr);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	ret = getaddrinfo(host, colon + 1, &hints, res);
	if (ret)
		return err__set(EINVAL, "cannot resolve %s: %s", addr, gai_strerror(ret));
	return 0;
}

struct mig {
	struct vm *vm;
	int fd;
	uint64_t pages, bytes, frames;
	uint64_t *dirty; /* one bit per page of RAM */
	uint64_t head[1 + BATCH]; /* a page batch's count, then its offsets (the frame's start) */
	uint8_t *data;
	int n;
};

static int flush(struct mig *m)
{
	uint64_t n = m->n;
	int ret;

	if (!n)
		return 0;
	m->head[0] = n;
	ret = send_frame(m->fd, F_PAGES, m->head, 8 + 8 * n, m->data, n * PAGE);
	m->bytes += 8 + 8 * n + n * PAGE + sizeof(struct frame_head);
	m->pages += n;
	m->frames++;
	m->n = 0;
	return ret;
}

static int add_page(struct mig *m, uint64_t off)
{
	m->head[1 + m->n] = off;
	memcpy(m->data + m->n * PAGE, m->vm->mem.host + off, PAGE);
	return ++m->n == BATCH ? flush(m) : 0;
}

/* Round 0: every page that is not zero (the target's RAM starts zeroed). */
static int send_all_pages(struct mig *m)
{
	uint64_t off;
	int ret = 0;

	for (off = 0; !ret && off < m->vm->mem.size; off += PAGE)
		if (!ckpt__page_zero(m->vm->mem.host + off))
			ret = add_page(m, off);
	return ret ?: flush(m);
}

static uint64_t count_dirty(const struct mig *m)
{
	uint64_t words = (m->vm->mem.size / PAGE + 63) / 64, i, n = 0;

	for (i = 0; i < words; i++)
		n += __builtin_popcountll(m->dirty[i]);
	return n;
}

/* The pages dirty since the last call; how many into *count. */
static int take_dirty(struct mig *m, uint64_t *count)
{
	int ret;

	memset(m->dirty, 0, (m->vm->mem.size / PAGE + 63) / 64 * 8);
	ret = vm__dirty_pages(m->vm, m->dirty);
	*count = count_dirty(m);
	return ret;
}

static int send_dirty(struct mig *m)
{
	uint64_t words = (m->vm->mem.size / PAGE + 63) / 64, i;
	int b, ret = 0;

	for (i = 0; !ret && i < words; i++)
		for (b = 0; !ret && b < 64; b++)
			if (m->dirty[i] >> b & 1)
				ret = add_page(m, (i * 64 + b) * PAGE);
	return ret ?: flush(m);
}

static int send_hello(struct mig *m)
{
	const struct ckpt_ctx *c = ckpt__ctx(m->vm);
	struct mig_hello h;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, "VMSMIGR\n", 8);
	h.version = MIG_VERSION;
	h.nr_vcpus = m->vm->nr_vcpus;
	h.mem_size = m->vm->mem.size;
	h.irqchip = m->vm->has_irqchip;
	h.features = m->vm->features;
	if (c && c->guest)
		snprintf(h.guest, sizeof(h.guest), "%s", c->guest);
	if (c && c->guest_cmd)
		snprintf(h.guest_cmd, sizeof(h.guest_cmd), "%s", c->guest_cmd);
	return send_frame(m->fd, F_HELLO, &h, sizeof(h), NULL, 0);
}

/* The state sections (checkpoint format, no memory), in one frame. */
static int send_state(struct mig *m, struct ckpt_result *cr)
{
	struct ckpt_writer w;
	struct vcpu_state *st = malloc(sizeof(*st));
	uint64_t size = 0;
	void *buf = NULL;
	int ret = st ? ckpt_w_open_mem(&w) : err__set(ENOMEM, "out of memory");

	if (!st)
		return ret;
	ret = ret ?: ckpt__save_state(&w, m->vm, cr, st);
	if (!ret)
		ret = ckpt_w_commit(&w, &size);
	else
		ckpt_w_abort(&w);
	free(st);
	if (ret)
		return ret;
	buf = mmap(NULL, size, PROT_READ, MAP_SHARED, w.fd, 0);
	close(w.fd);
	if (buf == MAP_FAILED)
		return err__set(errno, "cannot read the VM's state back: %s", strerror(errno));
	ret = send_frame(m->fd, F_STATE, buf, size, NULL, 0);
	m->bytes += size;
	munmap(buf, size);
	return ret;
}

static int send_memsum(struct mig *m)
{
	uint64_t size = m->vm->mem.size, n = (size + CKPT_MEMSUM_CHUNK - 1) / CKPT_MEMSUM_CHUNK, i;
	uint64_t *sums = malloc(8 * (n + 1));
	int ret;

	if (!sums)
		return err__set(ENOMEM, "out of memory");
	sums[0] = CKPT_MEMSUM_CHUNK;
	for (i = 0; i < n; i++)
		sums[i + 1] = ckpt_sum(m->vm->mem.host + i * CKPT_MEMSUM_CHUNK,
				       size - i * CKPT_MEMSUM_CHUNK < CKPT_MEMSUM_CHUNK
					       ? size - i * CKPT_MEMSUM_CHUNK
					       : CKPT_MEMSUM_CHUNK);
	ret = send_frame(m->fd, F_MEMSUM, sums, 8 * (n + 1), NULL, 0);
	free(sums);
	return ret;
}

/* The target's answer to DONE: 0 when it runs the guest, else its message. */
static int wait_ack(struct mig *m)
{
	struct frame_head h;
	char *buf;
	int ret = recv_frame(m->fd, 0, &h, (void **)&buf);

	if (ret)
		return err__wrap(ret, "no answer from the target");
	if (h.type != F_ACK || h.len < 5) {
		free(buf);
		return err__set(EPROTO, "the target answered with frame type %u, not an ACK",
				h.type);
	}
	buf[h.len - 1] = '\0';
	ret = buf[0] ? 0 : err__set(EREMOTEIO, "the target refused the VM: %s", buf + 4);
	free(buf);
	return ret;
}

static int connect_to(const char *addr)
{
	struct addrinfo *ai, *p;
	int fd = -1, ret = resolve(addr, 0, &ai), e = 0;

	if (ret)
		return ret;
	for (p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return err__set(e ? e : EHOSTUNREACH,
				"cannot connect to %s: %s; is 'vmscope run --incoming %s' waiting "
				"there?",
				addr, strerror(e ? e : EHOSTUNREACH), addr);
	set_timeouts(fd);
	return fd;
}

/* Pre-copy rounds until the dirty set fits the downtime; *left: the pages still dirty. */
static int precopy(struct mig *m, const struct ckpt_migrate_opts *o,
		   struct ckpt_migrate_result *res)
{
	uint64_t t0 = now_ns(), b0 = m->bytes, dirty = 0, bw, expect_ns;
	int ret = send_all_pages(m), round;

	for (round = 1; !ret; round++) {
		bw = (m->bytes - b0) * 1000000000ull / (now_ns() - t0 + 1); /* bytes/s */
		ret = take_dirty(m, &dirty);
		if (ret)
			break;
		expect_ns = bw ? dirty * PAGE * 1000000000ull / bw : UINT64_MAX;
		trace__lifecycle(m->vm->trace, TRACE_LC_MIGRATE_ROUND, round, dirty);
		if (o->progress)
			fprintf(stderr,
				"vmscope: migrate: round %d: %" PRIu64 " pages dirty, %.1f MiB/s, "
				"expected downtime %.1f ms\n",
				round, dirty, bw / 1048576.0, expect_ns / 1e6);
		res->rounds = round;
		res->expected_ns = expect_ns;
		if (expect_ns <= o->downtime_ms * 1000000ull || round >= MAX_ROUNDS)
			break; /* these go in the stop-and-copy */
		t0 = now_ns();
		b0 = m->bytes;
		ret = send_dirty(m);
	}
	return ret;
}

/* Paused: the last dirty pages, the state, DONE, then the target's answer. */
static int stop_and_copy(struct mig *m, const struct ckpt_migrate_opts *o,
			 struct ckpt_migrate_result *res)
{
	struct ckpt_result cr = { .id = res->id };
	uint64_t more = 0;
	int ret;

	/* The bits of the last round stay set: OR in what the guest wrote since. */
	ret = vm__dirty_pages(m->vm, m->dirty);
	more = count_dirty(m);
	res->last_pages = more;
	trace__lifecycle(m->vm->trace, TRACE_LC_MIGRATE_STOP, 0, more);
	ret = ret ?: send_dirty(m);
	cr.console_bytes = __atomic_load_n(&m->vm->dev->console_bytes, __ATOMIC_SEQ_CST);
	ret = ret ?: send_state(m, &cr);
	ret = ret ?: (o->verify ? send_memsum(m) : 0);
	ret = ret ?: send_frame(m->fd, F_DONE, NULL, 0, NULL, 0);
	return ret ?: wait_ack(m);
}

static void mig_free(struct mig *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->dirty);
	free(m->data);
}

int ckpt__migrate(struct vm *vm, const struct ckpt_migrate_opts *o, struct ckpt_migrate_result *res)
{
	const char *why = ckpt__unsupported(vm);
	struct mig m = { .vm = vm, .fd = -1 };
	uint64_t t0 = now_ns(), t_stop = 0;
	int ret, paused = 0;

	memset(res, 0, sizeof(*res));
	if (why)
		return err__set(ENOTSUP, "cannot migrate a run with %s; run without it", why);
	res->id = ckpt__new_id();
	m.dirty = calloc((vm->mem.size / PAGE + 63) / 64, 8);
	m.data = malloc(BATCH * PAGE);
	if (!m.dirty || !m.data) {
		mig_free(&m);
		return err__set(ENOMEM, "out of memory");
	}
	m.fd = connect_to(o->addr);
	if (m.fd < 0) {
		ret = m.fd;
		m.fd = -1;
		mig_free(&m);
		return ret;
	}
	trace__lifecycle(vm->trace, TRACE_LC_MIGRATE_BEGIN, 0, res->id);
	ret = vm__dirty_log(vm, 1) ?: send_hello(&m);
	ret = ret ?: precopy(&m, o, res);
	if (!ret) {
		ret = vm__pause(vm);
		paused = !ret;
		t_stop = now_ns();
	}
	ret = ret ?: stop_and_copy(&m, o, res);
	res->downtime_ns = t_stop ? now_ns() - t_stop : 0;
	res->total_ns = now_ns() - t0;
	res->pages = m.pages;
	res->bytes = m.bytes;
	trace__lifecycle(vm->trace, TRACE_LC_MIGRATE_END, ret, m.bytes);
	vm__dirty_log(vm, 0);
	if (!ret)
		vm__request_stop(vm, 0, 0, "migrated to %s", o->addr);
	if (paused)
		vm__resume(vm); /* the guest runs on here unless the target took it */
	mig_free(&m);
	return ret;
}

/* The target's side. */
struct ckpt_incoming {
	int fd;
	uint64_t frames, bytes;
	struct ckpt_config cfg;
	struct mig_hello hello;
};

static int listen_on(const char *addr, int *out)
{
	struct addrinfo *ai, *p;
	int fd = -1, one = 1, e = 0, ret = resolve(addr, 1, &ai);

	if (ret)
		return ret;
	for (p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) < 0 || listen(fd, 1) < 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return err__set(e ? e : EADDRNOTAVAIL, "cannot listen on %s: %s", addr,
				strerror(e ? e : EADDRNOTAVAIL));
	*out = fd;
	return 0;
}

static int check_hello(struct ckpt_incoming *in, const struct frame_head *h, const void *buf)
{
	struct mig_hello *x = &in->hello;

	if (h->type != F_HELLO || h->len != sizeof(*x))
		return err__set(EPROTO,
				"the stream does not start with a vmscope migration's hello "
				"(frame type %u, %" PRIu64 " bytes)",
				h->type, h->len);
	memcpy(x, buf, sizeof(*x));
	if (memcmp(x->magic, "VMSMIGR\n", 8) || x->version != MIG_VERSION)
		return err__set(EPROTONOSUPPORT,
				"the source speaks migration version %u; this vmscope speaks %d",
				x->version, MIG_VERSION);
	if (!x->mem_size || x->mem_size % PAGE || x->nr_vcpus < 1 || x->nr_vcpus > VM_MAX_VCPUS)
		return err__set(EPROTO,
				"the source's VM (%" PRIu64 " bytes, %u vCPUs) is not one "
				"vmscope can create",
				x->mem_size, x->nr_vcpus);
	x->guest[sizeof(x->guest) - 1] = '\0';
	x->guest_cmd[sizeof(x->guest_cmd) - 1] = '\0';
	in->cfg.mem_size = x->mem_size;
	in->cfg.nr_vcpus = (int)x->nr_vcpus;
	in->cfg.has_irqchip = !!x->irqchip;
	in->cfg.features = x->features;
	snprintf(in->cfg.guest, sizeof(in->cfg.guest), "%s", x->guest);
	snprintf(in->cfg.guest_cmd, sizeof(in->cfg.guest_cmd), "%s", x->guest_cmd);
	return 0;
}

int ckpt__incoming_open(const char *addr, int timeout_ms, struct ckpt_incoming **out)
{
	struct ckpt_incoming *in = calloc(1, sizeof(*in));
	struct pollfd pfd = { .events = POLLIN };
	struct frame_head h;
	void *buf;
	int lfd = -1, ret;

	*out = NULL;
	if (!in)
		return err__set(ENOMEM, "out of memory");
	in->fd = -1;
	ret = listen_on(addr, &lfd);
	if (ret) {
		free(in);
		return ret;
	}
	fprintf(stderr, "vmscope: waiting for a migration on %s\n", addr);
	pfd.fd = lfd;
	if (poll(&pfd, 1, timeout_ms) == 0)
		ret = err__set(ETIMEDOUT, "no source came to %s before the --timeout", addr);
	else if ((in->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		ret = err__set(errno, "accept on %s: %s", addr, strerror(errno));
	close(lfd);
	if (!ret) {
		set_timeouts(in->fd);
		ret = recv_frame(in->fd, in->frames++, &h, &buf);
	}
	if (!ret) {
		ret = check_hello(in, &h, buf);
		free(buf);
	}
	if (ret) {
		ckpt__incoming_close(in);
		return ret;
	}
	*out = in;
	return 0;
}

const struct ckpt_config *ckpt__incoming_config(const struct ckpt_incoming *in)
{
	return &in->cfg;
}

static int take_pages(struct ckpt_incoming *in, struct vm *vm, const uint8_t *buf, uint64_t len)
{
	uint64_t n, i, off;

	if (len < 8 || (memcpy(&n, buf, 8), n > BATCH) || len != 8 + n * (8 + PAGE))
		return err__set(EPROTO,
				"frame %" PRIu64 ": a page batch of %" PRIu64 " bytes does "
				"not hold what it says",
				in->frames, len);
	for (i = 0; i < n; i++) {
		memcpy(&off, buf + 8 + 8 * i, 8);
		if (off % PAGE || off >= vm->mem.size)
			return err__set(EPROTO,
					"frame %" PRIu64 ": page at offset 0x%" PRIx64
					" is outside the guest's %" PRIu64 " bytes of RAM",
					in->frames, off, vm->mem.size);
		memcpy(vm->mem.host + off, buf + 8 + 8 * n + i * PAGE, PAGE);
	}
	return 0;
}

/* The state frame as an image (through a memfd), restored into vm. */
static int take_state(struct vm *vm, const void *buf, uint64_t len)
{
	struct ckpt_image *img;
	char path[64];
	int fd = memfd_create("vmscope-state", MFD_CLOEXEC), ret;

	if (fd < 0)
		return err__set(errno, "cannot hold the VM's state: %s", strerror(errno));
	ret = write(fd, buf, len) == (ssize_t)len ? 0 : err__set(EIO, "cannot hold the VM's state");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = ret ?: ckpt__open_state(path, &img);
	if (!ret) {
		ret = ckpt__restore(vm, img);
		ckpt__close(img);
	}
	close(fd);
	return err__wrap(ret, "the migrated state");
}

static int check_memsum(struct vm *vm, const uint8_t *buf, uint64_t len)
{
	uint64_t size = vm->mem.size, chunk, n, i, sum;

	memcpy(&chunk, buf, len >= 8 ? 8 : 0);
	n = chunk ? (size + chunk - 1) / chunk : 0;
	if (len < 8 || chunk != CKPT_MEMSUM_CHUNK || len != 8 * (n + 1))
		return err__set(EPROTO, "the memory checksums do not describe this guest's RAM");
	for (i = 0; i < n; i++) {
		memcpy(&sum, buf + 8 * (i + 1), 8);
		if (ckpt_sum(vm->mem.host + i * chunk,
			     size - i * chunk < chunk ? size - i * chunk : chunk) != sum)
			return err__set(EBADMSG,
					"guest memory at 0x%" PRIx64 "-0x%" PRIx64
					" differs from the source's after the migration",
					i * chunk, (i + 1) * chunk - 1);
	}
	return 0;
}

int ckpt__incoming_receive(struct ckpt_incoming *in, struct vm *vm)
{
	struct frame_head h;
	uint8_t *buf;
	int ret = 0, state = 0;

	for (;;) {
		ret = recv_frame(in->fd, in->frames++, &h, (void **)&buf);
		if (ret)
			return ret;
		in->bytes += sizeof(h) + h.len;
		if (h.type == F_PAGES)
			ret = take_pages(in, vm, buf, h.len);
		else if (h.type == F_STATE && !state)
			ret = take_state(vm, buf, h.len), state = 1;
		else if (h.type == F_MEMSUM)
			ret = check_memsum(vm, buf, h.len);
		else if (h.type == F_DONE && state)
			ret = 1;
		else
			ret = err__set(EPROTO,
				       "frame %" PRIu64 ": type %u where it does not belong",
				       in->frames - 1, h.type);
		free(buf);
		if (ret)
			return ret < 0 ? ret : 0;
	}
}

int ckpt__incoming_ack(struct ckpt_incoming *in, int ok, const char *msg)
{
	char buf[512];
	size_t n;

	memset(buf, 0, 4);
	buf[0] = (char)!!ok;
	snprintf(buf + 4, sizeof(buf) - 4, "%s", msg ? msg : "");
	n = 4 + strlen(buf + 4) + 1;
	return send_frame(in->fd, F_ACK, buf, n, NULL, 0);
}

uint64_t ckpt__incoming_bytes(const struct ckpt_incoming *in)
{
	return in->bytes;
}

void ckpt__incoming_close(struct ckpt_incoming *in)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}
