// SPDX-License-Identifier: GPL-2.0
/*
 * The target's side of a migration stream (ckpt/migrate.c) against sources made here on
 * loopback, no KVM needed: a stream that is not a migration, another protocol version, a VM
 * vmscope cannot create, a frame whose checksum does not match, a page outside the guest's
 * RAM, a stream cut in the middle of a frame, a frame out of place, an address that is not
 * HOST:PORT, no source before the timeout are each refused with a message that names it;
 * pages that are right land where they say.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ckpt/ckpt.h"
#include "../../ckpt/format.h"
#include "../../core/vm.h"
#include "../../lib/err.h"

#define assert_msg(needle)                                                                         \
	do {                                                                                       \
		if (!strstr(err__last(), (needle)))                                                \
			fail_msg("message '%s' lacks '%s'", err__last(), (needle));                \
	} while (0)

/* The stream's layout as docs/checkpoint.md gives it. */
struct head {
	uint32_t magic, type;
	uint64_t len, sum;
};

struct hello {
	char magic[8];
	uint32_t version, nr_vcpus;
	uint64_t mem_size;
	uint32_t irqchip, features;
	char guest[256], guest_cmd[1024];
};

enum { F_HELLO = 1, F_PAGES, F_STATE, F_MEMSUM, F_DONE };

static int port;

static void frame(int fd, uint32_t type, const void *p, uint64_t len, int bad_sum)
{
	struct head h = { 0x47494d53u, type, len, ckpt_sum(p, len) + (bad_sum ? 1 : 0) };

	if (write(fd, &h, sizeof(h)) != sizeof(h) || (len && write(fd, p, len) != (ssize_t)len))
		_exit(3);
}

static void hello(int fd, uint32_t version, uint64_t mem)
{
	struct hello x = {
		.magic = "VMSMIGR\n", .version = version, .nr_vcpus = 1, .mem_size = mem
	};

	frame(fd, F_HELLO, &x, sizeof(x), 0);
}

/* A child that connects and plays source number kind. */
static pid_t source(int kind)
{
	pid_t pid = fork();
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t pages[8 + 2 * 8 + 2 * 4096];
	uint64_t n = 2, offs[2] = { 4096, 3 * 4096 };
	int fd, i;

	if (pid)
		return pid;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 200; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(fd);
		usleep(10000);
	}
	memcpy(pages, &n, 8);
	memcpy(pages + 8, offs, 16);
	memset(pages + 24, 0xab, 4096);
	memset(pages + 24 + 4096, 0xcd, 4096);
	switch (kind) {
	case 0: /* not a migration */
		if (write(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27) != 27)
			_exit(3);
		break;
	case 1:
		hello(fd, 2, 1 << 20);
		break;
	case 2:
		hello(fd, 1, 12345);
		break;
	case 3: /* pages, then a frame with a bad checksum */
		hello(fd, 1, 1 << 20);
		frame(fd, F_PAGES, pages, sizeof(pages), 0);
		frame(fd, F_PAGES, pages, sizeof(pages), 1);
		break;
	case 4: /* a page beyond RAM */
		hello(fd, 1, 1 << 20);
		offs[1] = 1 << 20;
		memcpy(pages + 8, offs, 16);
		frame(fd, F_PAGES, pages, sizeof(pages), 0);
		break;
	case 5: /* cut in the middle of a frame */
		hello(fd, 1, 1 << 20);
		if (write(fd, "\x53\x4d\x49\x47", 4) != 4)
			_exit(3);
		break;
	case 6: /* done before any state */
		hello(fd, 1, 1 << 20);
		frame(fd, F_DONE, NULL, 0, 0);
		break;
	}
	close(fd);
	_exit(0);
}

/* Open the target's side while source kind plays; 0 or the error. */
static int open_with(int kind, struct ckpt_incoming **in, pid_t *pid)
{
	char addr[32];

	port++;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	*pid = source(kind);
	return ckpt__incoming_open(addr, 10000, in);
}

static void test_not_a_migration(void **state)
{
	struct ckpt_incoming *in;
	pid_t pid;

	(void)state;
	assert_int_equal(open_with(0, &in, &pid), -EPROTO);
	assert_msg("not a vmscope migration");
	waitpid(pid, NULL, 0);
}

static void test_version(void **state)
{
	struct ckpt_incoming *in;
	pid_t pid;

	(void)state;
	assert_int_equal(open_with(1, &in, &pid), -EPROTONOSUPPORT);
	assert_msg("migration version 2");
	waitpid(pid, NULL, 0);
	assert_int_equal(open_with(2, &in, &pid), -EPROTO);
	assert_msg("12345 bytes");
	waitpid(pid, NULL, 0);
}

/* Receive into a VM that has only RAM (the frames refused never reach KVM). */
static int receive(int kind, struct vm *vm, uint8_t *ram)
{
	struct ckpt_incoming *in;
	pid_t pid;
	int ret;

	assert_int_equal(open_with(kind, &in, &pid), 0);
	assert_int_equal(ckpt__incoming_config(in)->mem_size, 1 << 20);
	memset(vm, 0, sizeof(*vm));
	vm->mem.host = ram;
	vm->mem.size = 1 << 20;
	ret = ckpt__incoming_receive(in, vm);
	ckpt__incoming_close(in);
	waitpid(pid, NULL, 0);
	return ret;
}

static void test_bad_frames(void **state)
{
	static uint8_t ram[1 << 20];
	struct vm vm;

	(void)state;
	assert_int_equal(receive(3, &vm, ram), -EBADMSG);
	assert_msg("frame 2 of the migration stream");
	assert_msg("does not match its checksum");
	/* The frame before it landed where it said. */
	assert_int_equal(ram[4096], 0xab);
	assert_int_equal(ram[3 * 4096 + 4095], 0xcd);
	assert_int_equal(ram[2 * 4096], 0);
	assert_int_equal(receive(4, &vm, ram), -EPROTO);
	assert_msg("outside the guest's 1048576 bytes");
	assert_int_equal(receive(5, &vm, ram), -EPIPE);
	assert_msg("closed the connection");
	assert_int_equal(receive(6, &vm, ram), -EPROTO);
	assert_msg("where it does not belong");
}

static void test_bad_address(void **state)
{
	struct ckpt_incoming *in;
	char addr[32];

	(void)state;
	assert_int_equal(ckpt__incoming_open("nowhere", 100, &in), -EINVAL);
	assert_msg("not HOST:PORT");
	port++;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(ckpt__incoming_open(addr, 100, &in), -ETIMEDOUT);
	assert_msg("no source came");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_a_migration),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_bad_address),
	};

	port = 30000 + getpid() % 20000;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
