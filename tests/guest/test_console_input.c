// SPDX-License-Identifier: GPL-2.0
/*
 * Console input: bytes written to the VMM's input descriptor (stdin for `vmscope run`)
 * arrive in order in COM1's receive FIFO; the guest polls the line status register and reads
 * them, and its output goes to the console descriptor.
 */
#include "harness.h"

#define MSG "ping 1234\n"
#define MSG_LEN (sizeof(MSG) - 1)

static GUEST_CODE void guest_code(uint64_t id, uint64_t nr)
{
	char got[MSG_LEN + 1];
	uint32_t i;
	uint64_t spins;

	(void)id;
	(void)nr;
	for (i = 0; i < MSG_LEN; i++) {
		for (spins = 0; !(guest_inb(PORT_COM1 + 5) & 1); spins++)
			GUEST_ASSERT(spins < 2000000);
		got[i] = guest_inb(PORT_COM1);
	}
	got[MSG_LEN] = '\0';
	guest_serial_puts("echo: ");
	guest_serial_puts(got);
	GUEST_DONE();
}

static int test_input(void)
{
	int in[2], out[2];
	struct tvm_opts o = { .entry = guest_code };
	char buf[64] = "";
	struct vm vm;
	ssize_t n;
	int status;

	TEST_ASSERT(!pipe(in) && !pipe(out), "pipe");
	o.console_fd = out[1];
	if (tvm_create(&vm, &o))
		return -1;
	vm.opts.input_fd = in[0];
	TEST_ASSERT(write(in[1], MSG, MSG_LEN) == (ssize_t)MSG_LEN, "write");
	TEST_ASSERT(!vm__start(&vm) && !devices__start(&vm), "%s", err__last());
	TEST_ASSERT(!vm__wait(&vm, 60000), "guest did not finish");
	status = vm.exit_status;
	TEST_ASSERT(status == 0, "status %d: %s", status, vm.stop_reason);
	vm__destroy(&vm);
	close(out[1]);
	n = read(out[0], buf, sizeof(buf) - 1);
	TEST_ASSERT(n > 0, "no console output");
	buf[n] = '\0';
	TEST_ASSERT(!strcmp(buf, "echo: " MSG), "console output '%s'", buf);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	return 0;
}

int main(void)
{
	static const struct harness_case cases[] = { { "com1_input_and_output", test_input } };

	return harness_main(cases, 1);
}
